/* Issue 5: mapping frames and paging structures (invocations.md §3.7; semantics.md §3,
 * §4; types.md §9).  Accesses whose outcome is being tested go through the prober thread
 * (vmtest.h); the test itself only touches memory it has just mapped successfully. */
#include "vmtest.h"

static void fill(pn_word_t vaddr, pn_word_t bytes, pn_word_t seed)
{
    volatile pn_word_t *p = (volatile pn_word_t *)vaddr;
    for (pn_word_t i = 0; i < bytes / 8; i++)
        p[i] = seed ^ (i * 0x9e3779b97f4a7c15ul);
}

/* Index of the first word differing from the fill() pattern, or bytes / 8. */
static pn_word_t check_fill(pn_word_t vaddr, pn_word_t bytes, pn_word_t seed)
{
    volatile pn_word_t *p = (volatile pn_word_t *)vaddr;
    for (pn_word_t i = 0; i < bytes / 8; i++)
        if (p[i] != (seed ^ (i * 0x9e3779b97f4a7c15ul)))
            return i;
    return bytes / 8;
}

/* Index of the first non-zero word among every `stride` bytes, or bytes / 8. */
static pn_word_t first_nonzero(pn_word_t vaddr, pn_word_t bytes, pn_word_t stride)
{
    volatile pn_word_t *p = (volatile pn_word_t *)vaddr;
    for (pn_word_t off = 0; off < bytes; off += stride)
        for (pn_word_t i = 0; i < (stride < 64 ? stride : 64) / 8; i++)
            if (p[(off / 8) + i] != 0)
                return off / 8 + i;
    return bytes / 8;
}

TEST(vspace_map_4k_read_write_getaddress)
{
    pn_word_t base = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base + 0x3000,
                               PN_RIGHTS_RW);
    CHECK_CAP_TYPE(f, PN_CAP_FRAME);
    /* a new RAM frame reads as zero (semantics.md §3) */
    CHECK_EQ(first_nonzero(base + 0x3000, PN_PAGE_SIZE, 8), PN_PAGE_SIZE / 8);
    fill(base + 0x3000, PN_PAGE_SIZE, 0x1111);
    CHECK_EQ(check_fill(base + 0x3000, PN_PAGE_SIZE, 0x1111), PN_PAGE_SIZE / 8);
    /* the prober (another thread of the same VSpace) sees the same bytes */
    CHECK_EQ(vt_read_ok(base + 0x3008), 0x1111 ^ 0x9e3779b97f4a7c15ul);
    vt_write_ok(base + 0x3ff8, 0xfeedface);
    CHECK_EQ(((volatile pn_word_t *)(base + 0x3000))[511], 0xfeedface);
    /* the neighbouring pages are not mapped */
    EXPECT_VMFAULT(vt_probe_read(base + 0x2ff8), (pn_word_t)vt_read64_insn, base + 0x2ff8, 0,
                   VT_PF_USER);
    EXPECT_VMFAULT(vt_probe_read(base + 0x4000), (pn_word_t)vt_read64_insn, base + 0x4000, 0,
                   VT_PF_USER);
    /* GetAddress: a RAM address, page aligned, length 1; objects retyped together lie
     * contiguously (semantics.md §3) */
    pn_word_t pa = vt_paddr(f);
    CHECK_EQ(pa % PN_PAGE_SIZE, 0);
    pn_cptr_t ut = ram_untyped(16);
    pn_word_t s = slots_alloc(4);
    retype_ok(ut, PN_OBJ_X86_4K, 0, s, 4);
    pn_word_t p0 = vt_paddr(s);
    CHECK_EQ(p0 % (1ul << 16), 0); /* the untyped's first object sits at its start */
    for (pn_word_t i = 1; i < 4; i++)
        CHECK_EQ(vt_paddr(s + i), p0 + i * PN_PAGE_SIZE);
    /* GetAddress of an unmapped frame works too; a copy reports the same address */
    pn_cptr_t c = copy_new(f, PN_RIGHTS_ALL);
    CHECK_EQ(vt_paddr(c), pa);
}

TEST(vspace_frame_in_two_places_same_bytes)
{
    pn_word_t base = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_RW);
    /* a copy of the cap is a second mapping of the same frame (semantics.md §2: the copy
     * starts unmapped) */
    pn_cptr_t c = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, base + 0x5000, PN_RIGHTS_RW, 0));
    fill(base, PN_PAGE_SIZE, 0x2222);
    CHECK_EQ(check_fill(base + 0x5000, PN_PAGE_SIZE, 0x2222), PN_PAGE_SIZE / 8);
    ((volatile pn_word_t *)(base + 0x5000))[7] = 0xabcdef;
    CHECK_EQ(((volatile pn_word_t *)base)[7], 0xabcdef);
    CHECK_EQ(vt_read_ok(base + 0x5000 + 7 * 8), 0xabcdef);
    /* a mapped cap cannot be mapped a second time elsewhere: InvalidArgument(0) */
    EXPECT(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, base + 0x6000, PN_RIGHTS_RW, 0),
           PN_INVALID_ARGUMENT, 0);
    /* unmapping one leaves the other */
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(base), (pn_word_t)vt_read64_insn, base, 0, VT_PF_USER);
    CHECK_EQ(vt_read_ok(base + 0x5000 + 7 * 8), 0xabcdef);
}

TEST(vspace_unmap_and_remap)
{
    pn_word_t base = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_RW);
    pn_word_t pa = vt_paddr(f);
    fill(base, PN_PAGE_SIZE, 0x3333);
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(base + 0x10), (pn_word_t)vt_read64_insn, base + 0x10, 0,
                   VT_PF_USER);
    /* unmapping an unmapped cap: success, nothing happens */
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    /* mapped again elsewhere: the contents are kept */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, base + 0x1ff000, PN_RIGHTS_RW, 0));
    CHECK_EQ(check_fill(base + 0x1ff000, PN_PAGE_SIZE, 0x3333), PN_PAGE_SIZE / 8);
    CHECK_EQ(vt_paddr(f), pa);
    EXPECT_VMFAULT(vt_probe_read(base), (pn_word_t)vt_read64_insn, base, 0, VT_PF_USER);
    /* remap at the same address with fewer rights: reads work, writes fault */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, base + 0x1ff000, PN_RIGHT_READ, 0));
    CHECK_EQ(vt_read_ok(base + 0x1ff000), 0x3333);
    EXPECT_VMFAULT(vt_probe_write(base + 0x1ff000, 1), (pn_word_t)vt_write64_insn,
                   base + 0x1ff000, 0, VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* and back to read-write */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, base + 0x1ff000, PN_RIGHTS_RW, 0));
    vt_write_ok(base + 0x1ff000, 0x4444);
    CHECK_EQ(((volatile pn_word_t *)(base + 0x1ff000))[0], 0x4444);
    /* a remap needs the same address */
    EXPECT(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, base + 0x1fe000, PN_RIGHTS_RW, 0),
           PN_INVALID_ARGUMENT, 0);
    /* a different frame mapped over an existing entry replaces it (§3.7: an existing PTE
     * is overwritten); unmapping the first frame's cap then leaves the new entry alone
     * (it is removed only if it still maps that frame) */
    pn_cptr_t g = obj_new(PN_OBJ_X86_4K, 0);
    EXPECT_OK(vt_page_map(g, PN_CAP_SLOT_INIT_VSPACE, base + 0x1ff000, PN_RIGHTS_RW, 0));
    CHECK_EQ(vt_read_ok(base + 0x1ff000), 0);
    vt_write_ok(base + 0x1ff008, 0x5555);
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    CHECK_EQ(vt_read_ok(base + 0x1ff008), 0x5555);
    /* f is unmapped now and can go elsewhere; its contents are unchanged */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, base + 0x100000, PN_RIGHTS_RW, 0));
    CHECK_EQ(vt_read_ok(base + 0x100000), 0x4444);
    CHECK_EQ(vt_read_ok(base + 0x100008), 0x3333 ^ 0x9e3779b97f4a7c15ul);
}

TEST(vspace_rights_masking)
{
    pn_word_t base = vt_region_pt();
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    /* rights = cap rights masked by MR1 (invocations.md §3.7, semantics.md §2) */
    pn_cptr_t ro = copy_new(f, PN_RIGHT_READ);
    EXPECT_OK(vt_page_map(ro, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_ALL, 0));
    CHECK_EQ(vt_read_ok(base + 8), 0);
    EXPECT_VMFAULT(vt_probe_write(base + 8, 1), (pn_word_t)vt_write64_insn, base + 8, 0,
                   VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* no read right => kernel-only: even reads fault, the page being present */
    pn_cptr_t wo = copy_new(f, PN_RIGHT_WRITE);
    EXPECT_OK(vt_page_map(wo, PN_CAP_SLOT_INIT_VSPACE, base + 0x1000, PN_RIGHTS_ALL, 0));
    EXPECT_VMFAULT(vt_probe_read(base + 0x1000), (pn_word_t)vt_read64_insn, base + 0x1000, 0,
                   VT_PF_PRESENT | VT_PF_USER);
    EXPECT_VMFAULT(vt_probe_write(base + 0x1000, 1), (pn_word_t)vt_write64_insn,
                   base + 0x1000, 0, VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* an RW cap mapped with MR1 = Write only: kernel-only too */
    pn_cptr_t rw = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(rw, PN_CAP_SLOT_INIT_VSPACE, base + 0x2000, PN_RIGHT_WRITE, 0));
    EXPECT_VMFAULT(vt_probe_read(base + 0x2000), (pn_word_t)vt_read64_insn, base + 0x2000, 0,
                   VT_PF_PRESENT | VT_PF_USER);
    /* MR1 = Read (and Grant bits ignored) => read-only */
    pn_cptr_t rw2 = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(rw2, PN_CAP_SLOT_INIT_VSPACE, base + 0x3000,
                          PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY, 0));
    EXPECT_VMFAULT(vt_probe_write(base + 0x3000, 1), (pn_word_t)vt_write64_insn,
                   base + 0x3000, 0, VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* a read-only cap's copy cannot regain Write */
    pn_cptr_t ro2 = copy_new(ro, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(ro2, PN_CAP_SLOT_INIT_VSPACE, base + 0x4000, PN_RIGHTS_RW, 0));
    EXPECT_VMFAULT(vt_probe_write(base + 0x4000, 1), (pn_word_t)vt_write64_insn,
                   base + 0x4000, 0, VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* the RW mapping sees what is there */
    pn_cptr_t rw3 = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(rw3, PN_CAP_SLOT_INIT_VSPACE, base + 0x5000, PN_RIGHTS_RW, 0));
    vt_write_ok(base + 0x5010, 0x77);
    CHECK_EQ(vt_read_ok(base + 0x4010), 0x77);
}

TEST(vspace_retyped_frames_are_zeroed)
{
    pn_word_t base = vt_region_pd();
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, base);
    /* a 4 KiB frame filled, deleted, and retyped again from the same (reset) untyped:
     * the same physical page comes back zeroed (semantics.md §3) */
    pn_cptr_t ut = ram_untyped(14);
    pn_word_t s = slots_alloc(2);
    retype_ok(ut, PN_OBJ_X86_4K, 0, s, 1);
    pn_word_t pa = vt_paddr(s);
    EXPECT_OK(vt_page_map(s, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_RW, 0));
    fill(base, PN_PAGE_SIZE, 0x6666);
    delete_ok(s);
    retype_ok(ut, PN_OBJ_X86_4K, 0, s + 1, 1);
    CHECK_EQ(vt_paddr(s + 1), pa);
    EXPECT_OK(vt_page_map(s + 1, PN_CAP_SLOT_INIT_VSPACE, base + 0x1000, PN_RIGHTS_RW, 0));
    CHECK_EQ(first_nonzero(base + 0x1000, PN_PAGE_SIZE, 8), PN_PAGE_SIZE / 8);
    /* the same with a 2 MiB page */
    pn_cptr_t lut = ram_untyped(PN_LARGE_PAGE_BITS);
    pn_word_t l = slots_alloc(2);
    retype_ok(lut, PN_OBJ_X86_LARGE_PAGE, 0, l, 1);
    pn_word_t lpa = vt_paddr(l);
    CHECK_EQ(lpa % (1ul << PN_LARGE_PAGE_BITS), 0);
    EXPECT_OK(vt_page_map(l, PN_CAP_SLOT_INIT_VSPACE, base + VT_PD_SPAN, PN_RIGHTS_RW, 0));
    CHECK_EQ(first_nonzero(base + VT_PD_SPAN, 1ul << PN_LARGE_PAGE_BITS, 8),
             (1ul << PN_LARGE_PAGE_BITS) / 8);
    fill(base + VT_PD_SPAN, 1ul << PN_LARGE_PAGE_BITS, 0x7777);
    revoke_ok(lut);
    CHECK_CAP_TYPE(l, PN_CAP_NULL);
    retype_ok(lut, PN_OBJ_X86_LARGE_PAGE, 0, l + 1, 1);
    CHECK_EQ(vt_paddr(l + 1), lpa);
    EXPECT_OK(vt_page_map(l + 1, PN_CAP_SLOT_INIT_VSPACE, base + 2 * VT_PD_SPAN, PN_RIGHTS_RW,
                          0));
    CHECK_EQ(first_nonzero(base + 2 * VT_PD_SPAN, 1ul << PN_LARGE_PAGE_BITS, 8),
             (1ul << PN_LARGE_PAGE_BITS) / 8);
}

TEST(vspace_large_page)
{
    pn_word_t base = vt_region_pd();
    pn_cptr_t l = obj_new(PN_OBJ_X86_LARGE_PAGE, 0);
    CHECK_CAP_TYPE(l, PN_CAP_FRAME);
    pn_word_t pa = vt_paddr(l);
    CHECK_EQ(pa % (1ul << PN_LARGE_PAGE_BITS), 0);
    /* alignment to the frame size (AlignmentError, no words) */
    EXPECT(vt_page_map(l, PN_CAP_SLOT_INIT_VSPACE, base + 0x1000, PN_RIGHTS_RW, 0),
           PN_ALIGNMENT_ERROR);
    EXPECT(vt_page_map(l, PN_CAP_SLOT_INIT_VSPACE, base + 0x100000, PN_RIGHTS_RW, 0),
           PN_ALIGNMENT_ERROR);
    EXPECT_OK(vt_page_map(l, PN_CAP_SLOT_INIT_VSPACE, base + 3 * VT_PD_SPAN, PN_RIGHTS_RW, 0));
    pn_word_t v = base + 3 * VT_PD_SPAN;
    fill(v, 1ul << PN_LARGE_PAGE_BITS, 0x8888);
    CHECK_EQ(vt_read_ok(v + VT_PD_SPAN - 8),
             0x8888 ^ (((VT_PD_SPAN - 8) / 8) * 0x9e3779b97f4a7c15ul));
    EXPECT_VMFAULT(vt_probe_read(v + VT_PD_SPAN), (pn_word_t)vt_read64_insn, v + VT_PD_SPAN,
                   0, VT_PF_USER);
    EXPECT_VMFAULT(vt_probe_read(v - 8), (pn_word_t)vt_read64_insn, v - 8, 0, VT_PF_USER);
    /* the same bytes through a second mapping (a copy of the cap, read-only) */
    pn_cptr_t c = copy_new(l, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, base + 5 * VT_PD_SPAN, PN_RIGHT_READ, 0));
    CHECK_EQ(check_fill(base + 5 * VT_PD_SPAN, 1ul << PN_LARGE_PAGE_BITS, 0x8888),
             (1ul << PN_LARGE_PAGE_BITS) / 8);
    EXPECT_VMFAULT(vt_probe_write(base + 5 * VT_PD_SPAN + 0x123450, 1),
                   (pn_word_t)vt_write64_insn, base + 5 * VT_PD_SPAN + 0x123450, 0,
                   VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* a large page over an existing large page entry replaces it */
    pn_cptr_t l2 = obj_new(PN_OBJ_X86_LARGE_PAGE, 0);
    EXPECT_OK(vt_page_map(l2, PN_CAP_SLOT_INIT_VSPACE, v, PN_RIGHTS_RW, 0));
    CHECK_EQ(vt_read_ok(v + 8), 0);
    /* unmap: the range is gone */
    EXPECT_OK(vt_unmap(l2, PN_X86_PAGE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(v + 0x1ffff8), (pn_word_t)vt_read64_insn, v + 0x1ffff8, 0,
                   VT_PF_USER);
    /* a page table can then go there, and 4 KiB frames in it */
    pn_cptr_t pt = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, v);
    (void)pt;
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, v + 0x1000,
                               PN_RIGHTS_RW);
    (void)f;
    CHECK_EQ(vt_read_ok(v + 0x1000), 0);
}

/* A RAM untyped of the bootinfo of at least 2^30 bytes (so 1 GiB aligned), or 0. */
static pn_cptr_t gib_untyped(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t n = pn_region_count(bi->untyped);
    for (pn_word_t k = 0; k < n && k < PN_CONFIG_MAX_BOOTINFO_UNTYPEDS; k++)
        if (!bi->untyped_list[k].is_device &&
            bi->untyped_list[k].size_bits >= PN_HUGE_PAGE_BITS)
            return bi->untyped.start + k;
    return 0;
}

TEST(vspace_huge_page)
{
    pn_cptr_t ut = gib_untyped();
    if (!ut) {
        /* QEMU's maps: below 1 MiB is not RAM and the top of RAM is reserved, so only
         * configurations with more than 2 GiB of RAM have a 1 GiB-aligned RAM region */
        test_skip("no RAM untyped of 2^30 bytes in this configuration");
    }
    const pn_untyped_desc_t *d = &pn_bootinfo->untyped_list[ut - pn_bootinfo->untyped.start];
    pn_word_t h = slot_alloc();
    reply_t r = ut_retype(ut, PN_OBJ_X64_HUGE_PAGE, 0, h, 1);
    if (pn_msginfo_label(r.info) == PN_NOT_ENOUGH_MEMORY)
        FAIL("the 1 GiB RAM untyped %lu was already used by an earlier test (%lu bytes free)",
             ut, r.mr[0]);
    EXPECT_OK(r);
    CHECK_CAP_TYPE(h, PN_CAP_FRAME);
    pn_word_t pa = vt_paddr(h);
    CHECK_EQ(pa % (1ul << PN_HUGE_PAGE_BITS), 0);
    CHECK_CMP(pa, >=, d->paddr);
    CHECK_CMP(pa + (1ul << PN_HUGE_PAGE_BITS), <=, d->paddr + (1ul << d->size_bits));
    pn_word_t base = vt_region();
    EXPECT(vt_page_map(h, PN_CAP_SLOT_INIT_VSPACE, base + VT_PD_SPAN, PN_RIGHTS_RW, 0),
           PN_ALIGNMENT_ERROR);
    pn_word_t v = base + VT_PDPT_SPAN;
    EXPECT_OK(vt_page_map(h, PN_CAP_SLOT_INIT_VSPACE, v, PN_RIGHTS_RW, 0));
    /* zeroed (sampled: the first words of every 2 MiB and the whole first and last
     * pages) */
    CHECK_EQ(first_nonzero(v, 1ul << PN_HUGE_PAGE_BITS, VT_PD_SPAN),
             (1ul << PN_HUGE_PAGE_BITS) / 8);
    CHECK_EQ(first_nonzero(v, PN_PAGE_SIZE, 8), PN_PAGE_SIZE / 8);
    CHECK_EQ(first_nonzero(v + VT_PDPT_SPAN - PN_PAGE_SIZE, PN_PAGE_SIZE, 8),
             PN_PAGE_SIZE / 8);
    volatile pn_word_t *p = (volatile pn_word_t *)v;
    p[0] = 0x1234;
    p[(VT_PDPT_SPAN - 8) / 8] = 0x5678;
    CHECK_EQ(vt_read_ok(v), 0x1234);
    CHECK_EQ(vt_read_ok(v + VT_PDPT_SPAN - 8), 0x5678);
    EXPECT_VMFAULT(vt_probe_read(v + VT_PDPT_SPAN), (pn_word_t)vt_read64_insn,
                   v + VT_PDPT_SPAN, 0, VT_PF_USER);
    /* the paging levels below a 1 GiB entry: a PD there => DeleteFirst; a PT or 4 KiB
     * frame => FailedLookup(MissingCapability, 30) */
    EXPECT(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), PN_CAP_SLOT_INIT_VSPACE, v),
           PN_DELETE_FIRST);
    EXPECT(vt_pt_map(obj_new(PN_OBJ_X86_PAGE_TABLE, 0), PN_CAP_SLOT_INIT_VSPACE, v),
           PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 30);
    EXPECT(vt_page_map(obj_new(PN_OBJ_X86_4K, 0), PN_CAP_SLOT_INIT_VSPACE, v + 0x5000,
                       PN_RIGHTS_RW, 0),
           PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 30);
    EXPECT(vt_page_map(obj_new(PN_OBJ_X86_LARGE_PAGE, 0), PN_CAP_SLOT_INIT_VSPACE,
                       v + VT_PD_SPAN, PN_RIGHTS_RW, 0),
           PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 30);
    /* a second mapping (copy, read-only) of the same bytes */
    pn_cptr_t c = copy_new(h, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, base + 2 * VT_PDPT_SPAN, PN_RIGHT_READ,
                          0));
    CHECK_EQ(vt_read_ok(base + 3 * VT_PDPT_SPAN - 8), 0x5678);
    EXPECT_VMFAULT(vt_probe_write(base + 2 * VT_PDPT_SPAN, 1), (pn_word_t)vt_write64_insn,
                   base + 2 * VT_PDPT_SPAN, 0, VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER);
    /* a huge page where a PD is => DeleteFirst */
    pn_word_t w = base + 4 * VT_PDPT_SPAN;
    vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, w);
    EXPECT(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, w, PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT, 0);
    pn_cptr_t c2 = copy_new(h, PN_RIGHTS_ALL);
    EXPECT(vt_page_map(c2, PN_CAP_SLOT_INIT_VSPACE, w, PN_RIGHTS_RW, 0), PN_DELETE_FIRST);
    /* unmap; then deleting the mapped copy removes its mapping (semantics.md §4) */
    EXPECT_OK(vt_unmap(h, PN_X86_PAGE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(v), (pn_word_t)vt_read64_insn, v, 0, VT_PF_USER);
    delete_ok(c2);
    delete_ok(h);
    CHECK_EQ(vt_read_ok(base + 2 * VT_PDPT_SPAN + 8), 0);
    delete_ok(c);
    EXPECT_VMFAULT(vt_probe_read(base + 2 * VT_PDPT_SPAN), (pn_word_t)vt_read64_insn,
                   base + 2 * VT_PDPT_SPAN, 0, VT_PF_USER);
}
