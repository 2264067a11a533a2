/* Helpers shared by the tests: names, the spec's predicted layout, fixture selection. */
#include "test.h"
#include "qemu_mmap_fixture.h"

const char *cap_type_name(pn_word_t tag)
{
    switch (tag) {
    case PN_CAP_NULL: return "null";
    case PN_CAP_FRAME: return "frame";
    case PN_CAP_UNTYPED: return "untyped";
    case PN_CAP_PAGE_TABLE: return "page_table";
    case PN_CAP_ENDPOINT: return "endpoint";
    case PN_CAP_PAGE_DIRECTORY: return "page_directory";
    case PN_CAP_NOTIFICATION: return "notification";
    case PN_CAP_PDPT: return "pdpt";
    case PN_CAP_REPLY: return "reply";
    case PN_CAP_PML4: return "pml4";
    case PN_CAP_CNODE: return "cnode";
    case PN_CAP_ASID_CONTROL: return "asid_control";
    case PN_CAP_THREAD: return "thread";
    case PN_CAP_ASID_POOL: return "asid_pool";
    case PN_CAP_IRQ_CONTROL: return "irq_control";
    case PN_CAP_IO_SPACE: return "io_space";
    case PN_CAP_IRQ_HANDLER: return "irq_handler";
    case PN_CAP_IO_PAGE_TABLE: return "io_page_table";
    case PN_CAP_ZOMBIE: return "zombie";
    case PN_CAP_IO_PORT: return "io_port";
    case PN_CAP_DOMAIN: return "domain";
    case PN_CAP_SCHED_CONTEXT: return "sched_context";
    case PN_CAP_SCHED_CONTROL: return "sched_control";
    case PN_CAP_IO_PORT_CONTROL: return "io_port_control";
    default: return "?";
    }
}

/* Number of 2^bits-aligned blocks that [start, end) touches. */
static pn_word_t blocks_touched(pn_word_t start, pn_word_t end, unsigned bits)
{
    pn_word_t size = 1ul << bits;
    return (PN_ROUND_UP(end, size) - PN_ROUND_DOWN(start, size)) >> bits;
}

void expected_layout(expected_layout_t *l)
{
    l->v_start = (pn_word_t)__pn_image_start;
    l->v_end = PN_ROUND_UP((pn_word_t)__pn_image_end, PN_PAGE_SIZE);
    l->image_pages = (l->v_end - l->v_start) / PN_PAGE_SIZE;
    l->ipc_buffer = l->v_end;
    l->bootinfo = l->v_end + PN_PAGE_SIZE;
    l->extra = l->v_end + 2 * PN_PAGE_SIZE;
    /* QEMU's multiboot (v1) boot has no VBE info and no framebuffer (types.md §8.3):
     * RSDP + memory map + TSC frequency chunks. */
    l->extra_len = sizeof(pn_bi_rsdp_t) + sizeof(pn_bi_mmap_t) + sizeof(pn_bi_tsc_freq_t);
    l->extra_size = PN_PAGE_SIZE;
    while (l->extra_size < l->extra_len)
        l->extra_size *= 2;
    l->extra_pages = l->extra_size / PN_PAGE_SIZE;
    pn_word_t end = l->extra + l->extra_size;
    l->n_pdpt = blocks_touched(l->v_start, end, 39);
    l->n_pd = blocks_touched(l->v_start, end, 30);
    l->n_pt = blocks_touched(l->v_start, end, 21);
    l->n_paging = l->n_pdpt + l->n_pd + l->n_pt;
    l->cnode_slots = 1ul << PN_CONFIG_ROOT_CNODE_BITS;
}

const struct qemu_mmap_fixture *matching_fixture(void)
{
    const pn_bi_mmap_t *mm =
        (const pn_bi_mmap_t *)pn_bootinfo_chunk(pn_bootinfo, PN_BI_CHUNK_X86_MBMMAP);
    if (!mm)
        FAIL("no memory-map chunk in the extra bootinfo");
    pn_word_t usable = 0;
    unsigned n = mm->mmap_length / sizeof(pn_bi_mmap_entry_t);
    for (unsigned i = 0; i < n && i < PN_BI_MMAP_ENTRIES; i++)
        if (mm->entries[i].type == 1)
            usable += mm->entries[i].length;
    for (unsigned f = 0; f < QEMU_MMAP_FIXTURE_COUNT; f++)
        if (qemu_mmap_fixtures[f].usable_bytes == usable &&
            qemu_mmap_fixtures[f].mmap_length == mm->mmap_length)
            return &qemu_mmap_fixtures[f];
    FAIL("no QEMU memory-map fixture has %lu usable bytes in %u map bytes "
         "(regenerate with make -C tools/mmap-probe fixture?)",
         usable, mm->mmap_length);
}

const char *error_name(pn_word_t code)
{
    return pn_error_name(code);
}

void format_words(char *buf, size_t size, const pn_word_t *w, unsigned n)
{
    int at = pn_snprintf(buf, size, "[");
    for (unsigned i = 0; i < n && at > 0 && (size_t)at < size; i++)
        at += pn_snprintf(buf + at, size - at, "%s%lu", i ? ", " : "", w[i]);
    if (at > 0 && (size_t)at < size)
        pn_snprintf(buf + at, size - at, "]");
}

int reply_mismatch(char *msg, size_t size, const char *what, pn_word_t info, pn_word_t badge,
                   const pn_word_t *mr, unsigned max, pn_word_t code, unsigned n,
                   const pn_word_t *words)
{
    pn_word_t label = pn_msginfo_label(info), len = pn_msginfo_length(info);
    int ok = info == pn_msginfo(code, 0, 0, n) && badge == 0;
    for (unsigned i = 0; ok && i < n && i < max; i++)
        ok = mr[i] == words[i];
    if (ok)
        return 0;
    char want[200], got[200];
    format_words(want, sizeof want, words, n);
    format_words(got, sizeof got, mr, len < max ? (unsigned)len : max);
    pn_snprintf(msg, size, "%s: expected %s (%lu) %s, got %s (%lu) %s (info 0x%lx, badge %lu)",
                what, error_name(code), code, want, error_name(label), label, got, info, badge);
    return 1;
}
