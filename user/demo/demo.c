/* What `make run` boots: greets and summarises the bootinfo the kernel handed over. */
#include <pecan/pecan.h>

static void print_size(const char *what, pn_word_t count, pn_word_t bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    pn_word_t shown = bytes;
    while (u + 1 < PN_ARRAY_SIZE(units) && shown >= 10 * 1024) {
        shown >>= 10;
        u++;
    }
    pn_printf("  %-16s %4lu untypeds, %lu bytes (%lu %s)\n", what, count, bytes, shown,
              units[u]);
}

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t ram = 0, dev = 0, nram = 0, ndev = 0;

    pn_printf("Hello from the Pecan demo root task!\n");
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (d->is_device) {
            dev += 1ul << d->size_bits;
            ndev++;
        } else {
            ram += 1ul << d->size_bits;
            nram++;
        }
    }
    print_size("RAM:", nram, ram);
    print_size("device:", ndev, dev);
    pn_printf("  empty slots:     [%lu, %lu) of %lu\n", bi->empty.start, bi->empty.end,
              1ul << bi->init_thread_cnode_size_bits);

    const pn_bi_mmap_t *mm = (const pn_bi_mmap_t *)pn_bootinfo_chunk(bi, PN_BI_CHUNK_X86_MBMMAP);
    if (mm) {
        pn_word_t usable = 0;
        for (unsigned i = 0; i < mm->mmap_length / sizeof(pn_bi_mmap_entry_t); i++)
            if (mm->entries[i].type == 1)
                usable += mm->entries[i].length;
        pn_printf("  memory:          %lu MiB usable (multiboot map)\n", usable >> 20);
    }
    const pn_bi_tsc_freq_t *tsc =
        (const pn_bi_tsc_freq_t *)pn_bootinfo_chunk(bi, PN_BI_CHUNK_X86_TSC_FREQ);
    if (tsc)
        pn_printf("  TSC:             %u MHz\n", tsc->mhz);
    pn_printf("Demo done.\n");
    return 0;
}
