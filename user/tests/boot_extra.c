/* Issue "Boot": the extra-bootinfo region (types.md §8.3) against ACPI and the QEMU
 * memory-map fixture. */
#include "test.h"
#include "qemu_mmap_fixture.h"

/* QEMU's multiboot (v1) boot: no VBE, no framebuffer; RSDP, memory map, TSC in order. */
TEST(extra_chunk_sequence)
{
    static const struct { pn_word_t id, len; } expected[] = {
        {PN_BI_CHUNK_X86_ACPI_RSDP, sizeof(pn_bi_rsdp_t)},
        {PN_BI_CHUNK_X86_MBMMAP, sizeof(pn_bi_mmap_t)},
        {PN_BI_CHUNK_X86_TSC_FREQ, sizeof(pn_bi_tsc_freq_t)},
    };
    const char *base = pn_bootinfo_extra(pn_bootinfo);
    pn_word_t off = 0;
    for (unsigned i = 0; i < PN_ARRAY_SIZE(expected); i++) {
        CHECK_CMP(off + sizeof(pn_bootinfo_header_t), <=, pn_bootinfo->extra_len);
        const pn_bootinfo_header_t *h = (const pn_bootinfo_header_t *)(base + off);
        if (h->id != expected[i].id || h->len != expected[i].len)
            FAIL("chunk %u at offset %lu: expected id %lu len %lu, got id %lu len %lu", i,
                 off, expected[i].id, expected[i].len, h->id, h->len);
        off += h->len;
    }
    CHECK_EQ(off, pn_bootinfo->extra_len);
}

TEST(extra_region_zero_filled)
{
    expected_layout_t l;
    expected_layout(&l);
    const unsigned char *base = (const unsigned char *)pn_bootinfo_extra(pn_bootinfo);
    for (pn_word_t off = pn_bootinfo->extra_len; off < l.extra_size; off++)
        if (base[off])
            FAIL("extra bootinfo byte %lu (past extraLen %lu) is 0x%x, expected 0", off,
                 pn_bootinfo->extra_len, base[off]);
}

TEST(extra_rsdp)
{
    const pn_bi_rsdp_t *c =
        (const pn_bi_rsdp_t *)pn_bootinfo_chunk(pn_bootinfo, PN_BI_CHUNK_X86_ACPI_RSDP);
    if (!c)
        FAIL("no RSDP chunk (QEMU's firmware provides one)");
    CHECK_EQ(c->header.len, sizeof(pn_bi_rsdp_t));
    if (memcmp(c->rsdp, "RSD PTR ", 8) != 0)
        FAIL("RSDP signature is not \"RSD PTR \"");
    unsigned sum = 0;
    for (unsigned i = 0; i < 20; i++)
        sum += c->rsdp[i];
    CHECK_EQ(sum & 0xff, 0); /* ACPI 1.0 checksum covers the first 20 bytes */
    unsigned revision = c->rsdp[15];
    if (revision >= 2) {
        unsigned length = c->rsdp[20] | c->rsdp[21] << 8 | c->rsdp[22] << 16 |
                          (unsigned)c->rsdp[23] << 24;
        CHECK_EQ(length, 36);
        sum = 0;
        for (unsigned i = 0; i < 36; i++)
            sum += c->rsdp[i];
        CHECK_EQ(sum & 0xff, 0); /* extended checksum over the whole table */
    }
}

TEST(extra_mmap)
{
    const pn_bi_mmap_t *c =
        (const pn_bi_mmap_t *)pn_bootinfo_chunk(pn_bootinfo, PN_BI_CHUNK_X86_MBMMAP);
    if (!c)
        FAIL("no memory-map chunk");
    CHECK_EQ(c->header.len, sizeof(pn_bi_mmap_t));
    CHECK_EQ(c->mmap_length % sizeof(pn_bi_mmap_entry_t), 0);
    CHECK_CMP(c->mmap_length, <=, sizeof(c->entries));
    const qemu_mmap_fixture_t *f = matching_fixture();
    unsigned n = c->mmap_length / sizeof(pn_bi_mmap_entry_t);
    CHECK_EQ(n, f->count);
    for (unsigned i = 0; i < n; i++) {
        const pn_bi_mmap_entry_t *e = &c->entries[i];
        const qemu_mmap_entry_t *x = &f->entries[i];
        if (e->size != 20 || e->base != x->base || e->length != x->length || e->type != x->type)
            FAIL("entry %u: expected {size 20, base 0x%lx, len 0x%lx, type %u}, got {size %u, "
                 "base 0x%lx, len 0x%lx, type %u} (fixture -m %s)",
                 i, x->base, x->length, x->type, e->size, (pn_word_t)e->base,
                 (pn_word_t)e->length, e->type, f->mem_option);
    }
    const unsigned char *rest = (const unsigned char *)&c->entries[n];
    for (size_t i = 0; i < (PN_BI_MMAP_ENTRIES - n) * sizeof(pn_bi_mmap_entry_t); i++)
        if (rest[i])
            FAIL("unused memory-map entry bytes are not zero (byte %zu after entry %u)", i, n);
}

TEST(extra_tsc_frequency)
{
    const pn_bi_tsc_freq_t *c =
        (const pn_bi_tsc_freq_t *)pn_bootinfo_chunk(pn_bootinfo, PN_BI_CHUNK_X86_TSC_FREQ);
    if (!c)
        FAIL("no TSC-frequency chunk");
    CHECK_EQ(c->header.len, sizeof(pn_bi_tsc_freq_t));
    /* the suite runs with -icount shift=0: the TSC ticks at exactly 1 GHz (QEMU.md) */
    CHECK_CMP(c->mhz, >=, 999);
    CHECK_CMP(c->mhz, <=, 1001);
}
