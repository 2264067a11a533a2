/* Issue 5: the error paths of the x86 paging invocations, in the check order of
 * invocations.md §3.7 (the ASID-lookup errors, which need a deleted or replaced pool, are
 * in vspace_asid.c).  Each test works in a new VSpace (a PML4 with an ASID of pool 0). */
#include "vmtest.h"

#define VS ((pn_cptr_t)PN_CAP_SLOT_INIT_VSPACE)
#define GIB VT_PDPT_SPAN
#define MIB2 VT_PD_SPAN

/* Caps that are not a mapped PML4: C[0] of any Map method gives InvalidCapability(1). */
static void not_vspaces(pn_cptr_t out[6])
{
    out[0] = PN_CAP_SLOT_NULL;
    out[1] = obj_new(PN_OBJ_X64_PML4, 0); /* no ASID */
    out[2] = obj_new(PN_OBJ_X86_PDPT, 0);
    out[3] = obj_new(PN_OBJ_X86_4K, 0);
    out[4] = ROOT;
    out[5] = PN_CAP_SLOT_INIT_ASID_POOL;
}

/* Checks shared by the PDPT, PD and PT Map methods (label, object type, the span their
 * vaddr is rounded down to). */
static void table_map_common(pn_word_t type, pn_word_t label, pn_word_t span)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_cptr_t o = obj_new(type, 0);
    pn_word_t v = 3 * (1ul << 39) + 5 * GIB + 7 * MIB2; /* in every level's range */
    /* length < 2 or no C[0] */
    EXPECT(call(o, label, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(o, label, W(v), C(vs)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(o, label, W(v, 0), NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(o, label, W(v, 0, 0, 0), NO_CAPS), PN_TRUNCATED_MESSAGE);
    /* C[0] not a mapped PML4 */
    pn_cptr_t bad[6];
    not_vspaces(bad);
    for (unsigned i = 0; i < 6; i++) {
        EXPECT(call(o, label, W(v, 0), C(bad[i])), PN_INVALID_CAPABILITY, 1);
        /* before the vaddr check */
        EXPECT(call(o, label, W(~0ul, 0), C(bad[i])), PN_INVALID_CAPABILITY, 1);
    }
    /* the rounded vaddr above 0x7FFF_FFFF_FFFF */
    const pn_word_t high[] = {1ul << 47, (1ul << 47) + span, ~0ul, 0xffff800000000000ul,
                              0xffffffff80000000ul};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(high); i++)
        EXPECT(call(o, label, W(high[i], 0), C(vs)), PN_INVALID_ARGUMENT, 0);
}

/* Makes the levels above a `type` object at vaddr in vs. */
static void levels_above(pn_cptr_t vs, pn_word_t type, pn_word_t vaddr)
{
    if (type == PN_OBJ_X86_PDPT)
        return;
    vt_new_pdpt(vs, vaddr);
    if (type == PN_OBJ_X86_PAGE_DIRECTORY)
        return;
    vt_new_pd(vs, vaddr);
}

TEST(vspace_table_map_common_errors)
{
    table_map_common(PN_OBJ_X86_PDPT, PN_X86_PDPT_MAP, 1ul << 39);
    table_map_common(PN_OBJ_X86_PAGE_DIRECTORY, PN_X86_PAGE_DIRECTORY_MAP, GIB);
    table_map_common(PN_OBJ_X86_PAGE_TABLE, PN_X86_PAGE_TABLE_MAP, MIB2);
    /* the highest address rounds down to the last slot of each level and maps */
    struct {
        pn_word_t type, label;
    } levels[] = {
        {PN_OBJ_X86_PDPT, PN_X86_PDPT_MAP},
        {PN_OBJ_X86_PAGE_DIRECTORY, PN_X86_PAGE_DIRECTORY_MAP},
        {PN_OBJ_X86_PAGE_TABLE, PN_X86_PAGE_TABLE_MAP},
    };
    for (unsigned i = 0; i < 3; i++) {
        pn_cptr_t vs = vt_new_vspace();
        levels_above(vs, levels[i].type, VT_USER_LIMIT);
        pn_cptr_t o = obj_new(levels[i].type, 0);
        EXPECT_OK(call(o, levels[i].label, W(VT_USER_LIMIT, 0), C(vs)));
        /* a mapped cap: InvalidCapability(0), before everything else */
        EXPECT(call(o, levels[i].label, W(0, 0), C(vs)), PN_INVALID_CAPABILITY, 0);
        EXPECT(call(o, levels[i].label, W(0, 0), C(PN_CAP_SLOT_NULL)), PN_INVALID_CAPABILITY,
               0);
        EXPECT(call(o, levels[i].label, W(~0ul, 0), C(obj_new(PN_OBJ_X64_PML4, 0))),
               PN_INVALID_CAPABILITY, 0);
        /* but not before the length */
        EXPECT(call(o, levels[i].label, W(0), C(vs)), PN_TRUNCATED_MESSAGE);
        /* the slot is taken: another object there => DeleteFirst, whatever the offset */
        pn_cptr_t o2 = obj_new(levels[i].type, 0);
        EXPECT(call(o2, levels[i].label, W(VT_USER_LIMIT & ~0xffful, 0), C(vs)),
               PN_DELETE_FIRST);
    }
}

TEST(vspace_pdpt_map_and_unmap)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_cptr_t p = obj_new(PN_OBJ_X86_PDPT, 0);
    /* vaddr rounded down to 512 GiB: two addresses in the same slot collide */
    EXPECT_OK(vt_pdpt_map(p, vs, (5ul << 39) + 0x12345678));
    EXPECT(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), vs, 5ul << 39), PN_DELETE_FIRST);
    EXPECT(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), vs, (6ul << 39) - 1), PN_DELETE_FIRST);
    EXPECT_OK(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), vs, 6ul << 39));
    /* a PD below it is found at the rounded address */
    EXPECT_OK(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, 5ul << 39));
    /* Unmap: not the final cap => RevokeFirst (for the copy as well) */
    pn_cptr_t c = copy_new(p, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(c, PN_CAP_PDPT);
    EXPECT(vt_unmap(p, PN_X86_PDPT_UNMAP), PN_REVOKE_FIRST);
    EXPECT(vt_unmap(c, PN_X86_PDPT_UNMAP), PN_REVOKE_FIRST);
    delete_ok(c);
    EXPECT_OK(vt_unmap(p, PN_X86_PDPT_UNMAP));
    /* the slot is free; an unmapped PDPT cannot be copied; Unmap again is a no-op */
    EXPECT(cn_copy(slot_alloc(), p, PN_RIGHTS_ALL), PN_ILLEGAL_OPERATION);
    EXPECT_OK(vt_unmap(p, PN_X86_PDPT_UNMAP));
    EXPECT(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, 5ul << 39), PN_FAILED_LOOKUP,
           0, PN_LOOKUP_MISSING_CAP, 39);
    /* the PDPT was zeroed: mapped again, the PD below it is gone */
    EXPECT_OK(vt_pdpt_map(p, vs, 7ul << 39));
    EXPECT_OK(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, 7ul << 39));
    /* labels of other objects on a PDPT cap */
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_X86_PAGE_DIRECTORY_MAP,
                                       PN_X86_PAGE_TABLE_UNMAP, PN_X86_PAGE_MAP,
                                       PN_X86_PAGE_GET_ADDRESS, PN_X86_ASID_POOL_ASSIGN,
                                       PN_CNODE_COPY};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(call(p, others[i], W(0, 0, 0), C(vs)), PN_ILLEGAL_OPERATION);
}

TEST(vspace_page_directory_map_and_unmap)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_word_t base = 9ul << 39;
    pn_cptr_t d = obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0);
    /* no PDPT: FailedLookup(0, MissingCapability, bitsLeft 39) */
    EXPECT(vt_pd_map(d, vs, base + 3 * GIB), PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 39);
    vt_new_pdpt(vs, base);
    /* rounded down to 1 GiB */
    EXPECT_OK(vt_pd_map(d, vs, base + 3 * GIB + 0x3ffff000));
    EXPECT(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, base + 3 * GIB),
           PN_DELETE_FIRST);
    EXPECT_OK(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, base + 4 * GIB));
    /* a 1 GiB page in the PDPT entry => DeleteFirst too (a device frame will do) */
    pn_word_t h = slot_alloc();
    retype_ok(device_untyped(PN_HUGE_PAGE_BITS), PN_OBJ_X64_HUGE_PAGE, 0, h, 1);
    EXPECT_OK(vt_page_map(h, vs, base + 5 * GIB, PN_RIGHTS_RW, 0));
    EXPECT(vt_pd_map(obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), vs, base + 5 * GIB + MIB2),
           PN_DELETE_FIRST);
    /* Unmap: RevokeFirst while a copy exists; then zeroed */
    vt_new_pt(vs, base + 3 * GIB);
    pn_cptr_t c = copy_new(d, PN_RIGHTS_ALL);
    EXPECT(vt_unmap(d, PN_X86_PAGE_DIRECTORY_UNMAP), PN_REVOKE_FIRST);
    EXPECT(vt_unmap(c, PN_X86_PAGE_DIRECTORY_UNMAP), PN_REVOKE_FIRST);
    delete_ok(c);
    EXPECT_OK(vt_unmap(d, PN_X86_PAGE_DIRECTORY_UNMAP));
    EXPECT(vt_pt_map(obj_new(PN_OBJ_X86_PAGE_TABLE, 0), vs, base + 3 * GIB), PN_FAILED_LOOKUP,
           0, PN_LOOKUP_MISSING_CAP, 30);
    EXPECT_OK(vt_unmap(d, PN_X86_PAGE_DIRECTORY_UNMAP));
    EXPECT_OK(vt_pd_map(d, vs, base + 6 * GIB));
    EXPECT_OK(vt_pt_map(obj_new(PN_OBJ_X86_PAGE_TABLE, 0), vs, base + 6 * GIB));
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_X86_PDPT_MAP,
                                       PN_X86_PAGE_TABLE_MAP, PN_X86_PAGE_UNMAP,
                                       PN_X86_PDPT_UNMAP, PN_X86_ASID_CONTROL_MAKE_POOL};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(call(d, others[i], W(0, 0, 0), C(vs)), PN_ILLEGAL_OPERATION);
}

TEST(vspace_page_table_map_and_unmap)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_word_t base = 11ul << 39;
    pn_cptr_t t = obj_new(PN_OBJ_X86_PAGE_TABLE, 0);
    /* missing PDPT (39), then missing PD (30) */
    EXPECT(vt_pt_map(t, vs, base + GIB), PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 39);
    vt_new_pdpt(vs, base);
    EXPECT(vt_pt_map(t, vs, base + GIB), PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 30);
    /* a 1 GiB page where the PD would be: (30) as well */
    pn_word_t h = slot_alloc();
    retype_ok(device_untyped(PN_HUGE_PAGE_BITS), PN_OBJ_X64_HUGE_PAGE, 0, h, 1);
    EXPECT_OK(vt_page_map(h, vs, base + 2 * GIB, PN_RIGHTS_RW, 0));
    EXPECT(vt_pt_map(t, vs, base + 2 * GIB + 3 * MIB2), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 30);
    vt_new_pd(vs, base + GIB);
    /* rounded down to 2 MiB */
    EXPECT_OK(vt_pt_map(t, vs, base + GIB + 5 * MIB2 + 0x1ff000));
    EXPECT(vt_pt_map(obj_new(PN_OBJ_X86_PAGE_TABLE, 0), vs, base + GIB + 5 * MIB2),
           PN_DELETE_FIRST);
    /* a 2 MiB page in the PD entry => DeleteFirst */
    vt_new_frame(PN_OBJ_X86_LARGE_PAGE, vs, base + GIB + 6 * MIB2, PN_RIGHTS_RW);
    EXPECT(vt_pt_map(obj_new(PN_OBJ_X86_PAGE_TABLE, 0), vs, base + GIB + 6 * MIB2),
           PN_DELETE_FIRST);
    /* Unmap: RevokeFirst while a copy exists */
    pn_cptr_t c = copy_new(t, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(c, PN_CAP_PAGE_TABLE);
    EXPECT(vt_unmap(t, PN_X86_PAGE_TABLE_UNMAP), PN_REVOKE_FIRST);
    EXPECT(vt_unmap(c, PN_X86_PAGE_TABLE_UNMAP), PN_REVOKE_FIRST);
    delete_ok(c);
    EXPECT_OK(vt_unmap(t, PN_X86_PAGE_TABLE_UNMAP));
    EXPECT(vt_page_map(obj_new(PN_OBJ_X86_4K, 0), vs, base + GIB + 5 * MIB2, PN_RIGHTS_RW, 0),
           PN_FAILED_LOOKUP, 0, PN_LOOKUP_MISSING_CAP, 21);
    EXPECT_OK(vt_unmap(t, PN_X86_PAGE_TABLE_UNMAP));
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_X86_PDPT_MAP,
                                       PN_X86_PAGE_DIRECTORY_MAP, PN_X86_PAGE_MAP,
                                       PN_X86_PAGE_DIRECTORY_UNMAP, PN_X86_PAGE_GET_ADDRESS};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(call(t, others[i], W(0, 0, 0), C(vs)), PN_ILLEGAL_OPERATION);
}

TEST(vspace_page_map_check_order)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_word_t base = 13ul << 39;
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    /* length < 3 or no C[0] */
    EXPECT(call(f, PN_X86_PAGE_MAP, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(f, PN_X86_PAGE_MAP, W(base, PN_RIGHTS_RW), C(vs)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(f, PN_X86_PAGE_MAP, W(base, PN_RIGHTS_RW, 0), NO_CAPS), PN_TRUNCATED_MESSAGE);
    /* C[0] not a mapped PML4, before anything about the vaddr */
    pn_cptr_t bad[6];
    not_vspaces(bad);
    for (unsigned i = 0; i < 6; i++) {
        EXPECT(vt_page_map(f, bad[i], base, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
        EXPECT(vt_page_map(f, bad[i], ~0ul, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    }
    /* vaddr or vaddr + size beyond 0x7FFF_FFFF_FFFF: InvalidArgument(0), before the
     * alignment and the lookups */
    static const pn_word_t high[] = {1ul << 47,           VT_USER_LIMIT & ~0xffful,
                                     VT_USER_LIMIT,       (VT_USER_LIMIT & ~0xffful) + 1,
                                     0xffff800000000000ul, ~0ul};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(high); i++)
        EXPECT(vt_page_map(f, vs, high[i], PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT, 0);
    /* alignment (AlignmentError, no words) before the lookups */
    EXPECT(vt_page_map(f, vs, base + 8, PN_RIGHTS_RW, 0), PN_ALIGNMENT_ERROR);
    EXPECT(vt_page_map(f, vs, base + 0x800, PN_RIGHTS_RW, 0), PN_ALIGNMENT_ERROR);
    /* then the levels: missing PDPT (39), PD (30), PT (21) */
    EXPECT(vt_page_map(f, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 39);
    vt_new_pdpt(vs, base);
    EXPECT(vt_page_map(f, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 30);
    vt_new_pd(vs, base);
    EXPECT(vt_page_map(f, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 21);
    /* a 2 MiB page where the PT would be: (21); a 1 GiB page where the PD would be: (30) */
    vt_new_frame(PN_OBJ_X86_LARGE_PAGE, vs, base + MIB2, PN_RIGHTS_RW);
    EXPECT(vt_page_map(f, vs, base + MIB2 + 0x5000, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 21);
    pn_word_t h = slot_alloc();
    retype_ok(device_untyped(PN_HUGE_PAGE_BITS), PN_OBJ_X64_HUGE_PAGE, 0, h, 1);
    EXPECT_OK(vt_page_map(h, vs, base + GIB, PN_RIGHTS_RW, 0));
    EXPECT(vt_page_map(f, vs, base + GIB + 0x7000, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 30);
    /* success; the highest usable 4 KiB page is 0x7FFF_FFFF_E000 */
    vt_new_pt(vs, base);
    EXPECT_OK(vt_page_map(f, vs, base + 0x3000, PN_RIGHTS_RW, 0));
    pn_cptr_t top = obj_new(PN_OBJ_X86_4K, 0);
    vt_new_pdpt(vs, VT_USER_LIMIT);
    vt_new_pd(vs, VT_USER_LIMIT);
    vt_new_pt(vs, VT_USER_LIMIT);
    EXPECT_OK(vt_page_map(top, vs, VT_USER_LIMIT - 0x1fff, PN_RIGHTS_RW, 0));
    /* mapped cap: another VSpace (another ASID) => InvalidCapability(1); the same one at
     * another address => InvalidArgument(0), even misaligned or out of range */
    pn_cptr_t vs2 = vt_new_vspace();
    EXPECT(vt_page_map(f, vs2, base + 0x3000, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    EXPECT(vt_page_map(f, VS, base + 0x3000, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    EXPECT(vt_page_map(f, vs, base + 0x4000, PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT, 0);
    EXPECT(vt_page_map(f, vs, base + 0x3008, PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT, 0);
    EXPECT(vt_page_map(f, vs, ~0ul, PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT, 0);
    EXPECT(vt_page_map(f, bad[1], base + 0x3000, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    /* the same address: a remap, with any rights and attributes */
    EXPECT_OK(vt_page_map(f, vs, base + 0x3000, PN_RIGHT_READ, PN_X86_WRITE_THROUGH));
    EXPECT_OK(vt_page_map(f, vs, base + 0x3000, 0, PN_X86_CACHE_DISABLED));
    EXPECT_OK(vt_page_map(f, vs, base + 0x3000, PN_RIGHTS_ALL, PN_X86_WRITE_COMBINING));
    /* a copy of the PML4 cap names the same VSpace */
    pn_cptr_t vsc = copy_new(vs, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(f, vsc, base + 0x3000, PN_RIGHTS_RW, 0));
    EXPECT_OK(vt_page_map(obj_new(PN_OBJ_X86_4K, 0), vsc, base + 0x4000, PN_RIGHTS_RW, 0));
}

TEST(vspace_large_and_huge_page_map_errors)
{
    pn_cptr_t vs = vt_new_vspace();
    pn_word_t base = 15ul << 39;
    pn_cptr_t l = obj_new(PN_OBJ_X86_LARGE_PAGE, 0);
    pn_word_t h = slot_alloc();
    retype_ok(device_untyped(PN_HUGE_PAGE_BITS), PN_OBJ_X64_HUGE_PAGE, 0, h, 1);
    CHECK_CAP_TYPE(h, PN_CAP_FRAME);
    /* vaddr + size beyond the limit */
    EXPECT(vt_page_map(l, vs, (VT_USER_LIMIT + 1) - MIB2, PN_RIGHTS_RW, 0),
           PN_INVALID_ARGUMENT, 0);
    EXPECT(vt_page_map(h, vs, (VT_USER_LIMIT + 1) - GIB, PN_RIGHTS_RW, 0),
           PN_INVALID_ARGUMENT, 0);
    /* alignment to the frame's size, before the lookups */
    EXPECT(vt_page_map(l, vs, base + 0x1000, PN_RIGHTS_RW, 0), PN_ALIGNMENT_ERROR);
    EXPECT(vt_page_map(h, vs, base + MIB2, PN_RIGHTS_RW, 0), PN_ALIGNMENT_ERROR);
    /* 2 MiB: missing PDPT (39), missing PD (30), PT present => DeleteFirst */
    EXPECT(vt_page_map(l, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 39);
    /* 1 GiB: missing PDPT (39) */
    EXPECT(vt_page_map(h, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 39);
    vt_new_pdpt(vs, base);
    EXPECT(vt_page_map(l, vs, base, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 30);
    /* a 1 GiB page in the way of a 2 MiB one: (30) */
    EXPECT_OK(vt_page_map(h, vs, base + GIB, PN_RIGHTS_RW, 0));
    EXPECT(vt_page_map(l, vs, base + GIB + MIB2, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, 0,
           PN_LOOKUP_MISSING_CAP, 30);
    vt_new_pd(vs, base);
    vt_new_pt(vs, base);
    EXPECT(vt_page_map(l, vs, base, PN_RIGHTS_RW, 0), PN_DELETE_FIRST);
    EXPECT_OK(vt_page_map(l, vs, base + MIB2, PN_RIGHTS_RW, 0));
    /* 1 GiB where a PD is => DeleteFirst */
    pn_word_t h2 = slot_alloc();
    retype_ok(device_untyped(PN_HUGE_PAGE_BITS), PN_OBJ_X64_HUGE_PAGE, 0, h2, 1);
    EXPECT(vt_page_map(h2, vs, base, PN_RIGHTS_RW, 0), PN_DELETE_FIRST);
    /* an existing 2 MiB / 1 GiB entry is overwritten by another frame of that size */
    EXPECT_OK(vt_page_map(obj_new(PN_OBJ_X86_LARGE_PAGE, 0), vs, base + MIB2, PN_RIGHTS_RW,
                          0));
    EXPECT_OK(vt_page_map(h2, vs, base + GIB, PN_RIGHTS_RW, 0));
    /* the largest mappable addresses */
    vt_new_pdpt(vs, VT_USER_LIMIT);
    EXPECT_OK(vt_page_map(copy_new(h, PN_RIGHTS_ALL), vs, (VT_USER_LIMIT + 1) - 2 * GIB,
                          PN_RIGHTS_RW, 0));
    vt_new_pd(vs, VT_USER_LIMIT);
    EXPECT_OK(vt_page_map(copy_new(l, PN_RIGHTS_ALL), vs, (VT_USER_LIMIT + 1) - 2 * MIB2,
                          PN_RIGHTS_RW, 0));
}

TEST(vspace_page_other_methods)
{
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    /* Unmap has no checks: extra words and caps are ignored; unmapped => success */
    EXPECT_OK(call(f, PN_X86_PAGE_UNMAP, W(1, 2, 3, 4, 5), C(ROOT)));
    /* GetAddress: MR0 = physical address, length 1, extra arguments ignored */
    reply_t r = call(f, PN_X86_PAGE_GET_ADDRESS, W(7, 8), C(ROOT));
    CHECK_EQ(r.info, pn_msginfo(PN_NO_ERROR, 0, 0, 1));
    CHECK_EQ(r.mr[0], vt_paddr(f));
    /* device frames report their device address: a frame retyped first from a fresh
     * device untyped sits at its start */
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t n = pn_region_count(bi->untyped);
    for (pn_word_t k = 0; k < n && k < PN_CONFIG_MAX_BOOTINFO_UNTYPEDS; k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (!d->is_device || d->size_bits != PN_PAGE_BITS)
            continue;
        pn_word_t s = slot_alloc();
        reply_t rr = ut_retype(bi->untyped.start + k, PN_OBJ_X86_4K, 0, s, 1);
        if (pn_msginfo_label(rr.info) != PN_NO_ERROR)
            continue; /* used already */
        CHECK_EQ(vt_paddr(s), d->paddr);
        delete_ok(s);
        break;
    }
    /* the labels of other objects on a frame cap, and every label on a PML4 cap */
    static const pn_word_t others[] = {PN_INVALID_INVOCATION,      PN_UNTYPED_RETYPE,
                                       PN_X86_PDPT_MAP,            PN_X86_PDPT_UNMAP,
                                       PN_X86_PAGE_DIRECTORY_MAP,  PN_X86_PAGE_TABLE_MAP,
                                       PN_X86_PAGE_TABLE_UNMAP,    PN_X86_ASID_POOL_ASSIGN,
                                       PN_X86_ASID_CONTROL_MAKE_POOL, PN_X86_IOPORT_IN8};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(call(f, others[i], W(0, 0, 0), C(PN_CAP_SLOT_INIT_VSPACE)),
               PN_ILLEGAL_OPERATION);
    pn_cptr_t vs = vt_new_vspace();
    pn_cptr_t pml4s[] = {PN_CAP_SLOT_INIT_VSPACE, vs, obj_new(PN_OBJ_X64_PML4, 0)};
    for (unsigned j = 0; j < PN_ARRAY_SIZE(pml4s); j++) {
        for (pn_word_t label = 0; label < PN_INVOCATION_LABEL_COUNT + 2; label++)
            EXPECT(call(pml4s[j], label, W(0, 0, 0), C(vs)), PN_ILLEGAL_OPERATION);
        EXPECT(call(pml4s[j], PN_X86_PAGE_MAP, NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
    }
}
