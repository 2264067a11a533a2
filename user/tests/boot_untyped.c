/* Issue "Boot": the untyped list (types.md §8.1) against the QEMU memory-map fixture.
 *
 * Device untypeds cover all physical address space below 2^47 that is neither RAM (usable
 * map entries at or above 1 MiB, trimmed to pages) nor kernel-reserved (the local APIC
 * page and QEMU's one IOAPIC page); RAM untypeds cover RAM minus what the kernel keeps
 * (its image, the root task's image and initial objects). */
#include "test.h"
#include "qemu_mmap_fixture.h"

#define PHYS_TOP (1ul << 47)
#define LAPIC_PAGE 0xfee00000ul
#define IOAPIC_PAGE 0xfec00000ul

typedef struct range {
    pn_word_t start, end;
} range_t;

#define MAX_RANGES (PN_CONFIG_MAX_BOOTINFO_UNTYPEDS + QEMU_MMAP_MAX_ENTRIES + 2)

static pn_word_t untyped_count(void)
{
    return pn_region_count(pn_bootinfo->untyped);
}

static range_t untyped_range(pn_word_t k)
{
    const pn_untyped_desc_t *d = &pn_bootinfo->untyped_list[k];
    return (range_t){d->paddr, d->paddr + (1ul << d->size_bits)};
}

/* RAM of the fixture as the kernel sees it: usable entries starting at >= 1 MiB. */
static unsigned fixture_ram(const qemu_mmap_fixture_t *f, range_t *out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->count; i++) {
        const qemu_mmap_entry_t *e = &f->entries[i];
        if (e->type != 1 || e->base < 0x100000)
            continue;
        pn_word_t start = PN_ROUND_UP(e->base, PN_PAGE_SIZE);
        pn_word_t end = PN_ROUND_DOWN(e->base + e->length, PN_PAGE_SIZE);
        if (start < end)
            out[n++] = (range_t){start, end};
    }
    return n;
}

static void sort_ranges(range_t *r, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        range_t x = r[i];
        unsigned j = i;
        for (; j > 0 && r[j - 1].start > x.start; j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
}

TEST(untyped_descriptors)
{
    pn_word_t n = untyped_count();
    CHECK_CMP(n, <=, PN_CONFIG_MAX_BOOTINFO_UNTYPEDS);
    for (pn_word_t k = 0; k < n; k++) {
        const pn_untyped_desc_t *d = &pn_bootinfo->untyped_list[k];
        if (d->size_bits < PN_MIN_UNTYPED_BITS || d->size_bits > PN_MAX_UNTYPED_BITS)
            FAIL("untyped %lu: sizeBits %u outside [4, 47]", k, d->size_bits);
        if (d->paddr & ((1ul << d->size_bits) - 1))
            FAIL("untyped %lu: paddr 0x%lx not aligned to its size 2^%u", k, d->paddr,
                 d->size_bits);
        if (d->is_device > 1)
            FAIL("untyped %lu: isDevice = %u", k, d->is_device);
        if (d->paddr + (1ul << d->size_bits) > PHYS_TOP)
            FAIL("untyped %lu: [0x%lx, +2^%u) beyond 2^47", k, d->paddr, d->size_bits);
    }
}

TEST(untyped_device_first)
{
    pn_word_t n = untyped_count(), last_end = 0;
    int seen_ram = 0;
    for (pn_word_t k = 0; k < n; k++) {
        const pn_untyped_desc_t *d = &pn_bootinfo->untyped_list[k];
        if (!d->is_device) {
            seen_ram = 1;
            continue;
        }
        if (seen_ram)
            FAIL("device untyped %lu (0x%lx) listed after a RAM untyped", k, d->paddr);
        /* created walking up physical memory */
        if (d->paddr < last_end)
            FAIL("device untyped %lu at 0x%lx is below the previous one's end 0x%lx", k,
                 d->paddr, last_end);
        last_end = untyped_range(k).end;
    }
}

TEST(untyped_ram_inside_fixture_ram)
{
    const qemu_mmap_fixture_t *f = matching_fixture();
    static range_t ram[QEMU_MMAP_MAX_ENTRIES], mine[PN_CONFIG_MAX_BOOTINFO_UNTYPEDS];
    unsigned nram = fixture_ram(f, ram), nmine = 0;
    for (pn_word_t k = 0; k < untyped_count(); k++) {
        if (pn_bootinfo->untyped_list[k].is_device)
            continue;
        range_t u = untyped_range(k);
        unsigned i = 0;
        while (i < nram && !(ram[i].start <= u.start && u.end <= ram[i].end))
            i++;
        if (i == nram)
            FAIL("RAM untyped %lu [0x%lx, 0x%lx) is not inside usable RAM >= 1 MiB "
                 "(fixture -m %s)", k, u.start, u.end, f->mem_option);
        mine[nmine++] = u;
    }
    CHECK_CMP(nmine, >, 0);
    sort_ranges(mine, nmine);
    for (unsigned i = 1; i < nmine; i++)
        if (mine[i].start < mine[i - 1].end)
            FAIL("RAM untypeds overlap: [0x%lx, 0x%lx) and [0x%lx, 0x%lx)", mine[i - 1].start,
                 mine[i - 1].end, mine[i].start, mine[i].end);
}

TEST(untyped_device_tiling)
{
    const qemu_mmap_fixture_t *f = matching_fixture();
    static range_t r[MAX_RANGES];
    unsigned n = fixture_ram(f, r);
    r[n++] = (range_t){LAPIC_PAGE, LAPIC_PAGE + PN_PAGE_SIZE};
    r[n++] = (range_t){IOAPIC_PAGE, IOAPIC_PAGE + PN_PAGE_SIZE};
    for (pn_word_t k = 0; k < untyped_count(); k++)
        if (pn_bootinfo->untyped_list[k].is_device)
            r[n++] = untyped_range(k);
    sort_ranges(r, n);
    pn_word_t at = 0;
    for (unsigned i = 0; i < n; i++) {
        if (r[i].start > at)
            FAIL("physical [0x%lx, 0x%lx) is neither device untyped, RAM nor a reserved "
                 "APIC page", at, r[i].start);
        if (r[i].start < at)
            FAIL("[0x%lx, 0x%lx) overlaps what precedes it (up to 0x%lx)", r[i].start,
                 r[i].end, at);
        at = r[i].end;
    }
    if (at != PHYS_TOP)
        FAIL("device untypeds, RAM and reserved pages end at 0x%lx, expected 2^47", at);
}

TEST(untyped_ram_total)
{
    const qemu_mmap_fixture_t *f = matching_fixture();
    static range_t ram[QEMU_MMAP_MAX_ENTRIES];
    unsigned nram = fixture_ram(f, ram);
    pn_word_t ram_bytes = 0, untyped_bytes = 0;
    for (unsigned i = 0; i < nram; i++)
        ram_bytes += ram[i].end - ram[i].start;
    for (pn_word_t k = 0; k < untyped_count(); k++)
        if (!pn_bootinfo->untyped_list[k].is_device)
            untyped_bytes += 1ul << pn_bootinfo->untyped_list[k].size_bits;
    CHECK_CMP(untyped_bytes, <=, ram_bytes);

    /* What the kernel keeps is at least the root task's memory (types.md §8.4, §9):
     * image, IPC buffer, bootinfo, extra bootinfo, root CNode, TCB, SchedContext, PML4,
     * the initial paging structures and ASID pool 0; plus the kernel image, whose size
     * we cannot know, so bound it generously. */
    expected_layout_t l;
    expected_layout(&l);
    pn_word_t root_task = (l.v_end - l.v_start) + 2 * PN_PAGE_SIZE + l.extra_size +
                          (l.cnode_slots << PN_SLOT_BITS) + (1ul << PN_TCB_BITS) +
                          (1ul << PN_MIN_SCHED_CONTEXT_BITS) + PN_PAGE_SIZE +
                          l.n_paging * PN_PAGE_SIZE + (1ul << PN_ASID_POOL_BITS);
    pn_word_t held = ram_bytes - untyped_bytes;
    CHECK_CMP(held, >=, root_task);
    CHECK_CMP(held, <=, root_task + (8ul << 20));
}
