/* Issue 3: multi-level CSpaces with guards (types.md §4, §5; faults.md §4).
 *
 * The root task's own CSpace root (guard 51 + radix 13 = 64 bits) ends every depth-64
 * lookup at one of its own slots, so the tests build a second view of the root CNode
 * with guard size 0 ("flat root": radix 13 consumes only 13 bits) and address deeper
 * levels through it, with the index/depth arguments of CNode methods (every depth
 * 1..64).  Caps found at a given (root, index, depth) are identified by copying them to
 * a root slot and asking DebugCapIdentify. */
#include "captest.h"

/* The root CNode minted with guard size 0 into a fresh slot. */
static pn_word_t flat_root(void)
{
    pn_word_t s = slot_alloc();
    mint_ok(s, ROOT, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 0));
    CHECK_CAP_TYPE(s, PN_CAP_CNODE);
    return s;
}

/* Type of the cap at (index, depth) in CNode cap `root` (a root slot), 0 if that slot is
 * empty; any other lookup outcome fails the test. */
static pn_word_t type_at(pn_cptr_t root, pn_word_t index, pn_word_t depth)
{
    pn_word_t tmp = slot_alloc();
    reply_t r = call(ROOT, PN_CNODE_COPY, W(tmp, 64, index, depth, PN_RIGHTS_ALL), C(root));
    if (pn_msginfo_label(r.info) == PN_FAILED_LOOKUP) {
        EXPECT(r, PN_FAILED_LOOKUP, LF_MISSING(1, depth));
        return PN_CAP_NULL;
    }
    EXPECT_OK(r);
    pn_word_t t = pn_debug_cap_identify(tmp);
    delete_ok(tmp);
    return t;
}

#define CHECK_TYPE_AT(root, index, depth, type) CHECK_EQ(type_at(root, index, depth), type)

/* Copies root slot `src` into (index, depth) of CNode cap `root`. */
static void copy_into(pn_cptr_t root, pn_word_t index, pn_word_t depth, pn_word_t src)
{
    EXPECT_OK(call(root, PN_CNODE_COPY, W(index, depth, src, 64, PN_RIGHTS_ALL), C(ROOT)));
}

/* Source lookups report the same failures, with source flag 1. */
static reply_t copy_from(pn_cptr_t root, pn_word_t index, pn_word_t depth)
{
    return call(ROOT, PN_CNODE_COPY, W(slot_alloc(), 64, index, depth, PN_RIGHTS_ALL),
                C(root));
}

TEST(lookup_root_cnode_guard)
{
    const pn_word_t r = ROOT_BITS, g = ROOT_GUARD_BITS;
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    CHECK_TYPE_AT(ROOT, ep, 64, PN_CAP_ENDPOINT);
    EXPECT(copy_from(ROOT, ep, r), PN_FAILED_LOOKUP, LF_GUARD(1, r, 0, g));
    EXPECT(copy_from(ROOT, ep, g - 1), PN_FAILED_LOOKUP, LF_GUARD(1, g - 1, 0, g));
    EXPECT(copy_from(ROOT, ep | 1ul << 40, 64), PN_FAILED_LOOKUP, LF_GUARD(1, 64, 0, g));
    EXPECT(copy_from(ROOT, 0, 60), PN_FAILED_LOOKUP, LF_DEPTH(1, 60, 64));
    EXPECT(copy_from(ROOT, ep, 0), PN_RANGE_ERROR, 1, 64);
    EXPECT(copy_from(ROOT, ep, 65), PN_RANGE_ERROR, 1, 64);
    /* a syscall (depth 64) lookup ends at a root slot even if it holds a CNode cap */
    pn_word_t cn = obj_new(PN_OBJ_CNODE, 2);
    CHECK_CAP_TYPE(cn, PN_CAP_CNODE);
}

TEST(lookup_flat_root_view)
{
    /* guard size 0: 13 bits reach a root slot; more bits stop early at a non-CNode cap
     * or an empty slot (DepthMismatch, bitsFound 0); fewer bits are a DepthMismatch
     * with bitsFound = radix */
    const pn_word_t r = ROOT_BITS;
    pn_word_t flat = flat_root(), ep = obj_new(PN_OBJ_ENDPOINT, 0), empty = slot_alloc();
    CHECK_TYPE_AT(flat, ep, r, PN_CAP_ENDPOINT);
    CHECK_TYPE_AT(flat, PN_CAP_SLOT_INIT_TCB, r, PN_CAP_THREAD);
    CHECK_TYPE_AT(flat, empty, r, PN_CAP_NULL);
    EXPECT(copy_from(flat, ep << 7, r + 7), PN_FAILED_LOOKUP, LF_DEPTH(1, 7, 0));
    EXPECT(copy_from(flat, empty << 7 | 5, r + 7), PN_FAILED_LOOKUP, LF_DEPTH(1, 7, 0));
    EXPECT(copy_from(flat, ep << (64 - r), 64), PN_FAILED_LOOKUP, LF_DEPTH(1, 64 - r, 0));
    EXPECT(copy_from(flat, ep, r - 1), PN_FAILED_LOOKUP, LF_DEPTH(1, r - 1, r));
    EXPECT(copy_from(flat, 0, 1), PN_FAILED_LOOKUP, LF_DEPTH(1, 1, r));
    /* the same as the destination of a method (source flag 0) */
    EXPECT(call(flat, PN_CNODE_DELETE, W(ep << 7, r + 7), NO_CAPS), PN_FAILED_LOOKUP,
           LF_DEPTH(0, 7, 0));
    EXPECT(call(flat, PN_CNODE_REVOKE, W(ep, r - 1), NO_CAPS), PN_FAILED_LOOKUP,
           LF_DEPTH(0, r - 1, r));
    /* the flat view addresses the same slots */
    pn_word_t dest = slot_alloc();
    EXPECT_OK(call(flat, PN_CNODE_COPY, W(dest, r, ep, r, PN_RIGHTS_ALL), C(flat)));
    CHECK_CAP_TYPE(dest, PN_CAP_ENDPOINT);
    EXPECT_OK(call(flat, PN_CNODE_DELETE, W(dest, r), NO_CAPS));
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
}

TEST(lookup_guard_value_keeps_guard_size_bits)
{
    /* types.md §4: only the low guardSize bits of the guard are kept.  A CNode of
     * radix 4 minted with guard size 3 and guard 0b1101 has guard 0b101. */
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), g1 = slot_alloc();
    mint_ok(g1, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0xd, 3));
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    copy_into(l1, 9, 4, ep);
    CHECK_TYPE_AT(l1, 9, 4, PN_CAP_ENDPOINT);
    CHECK_TYPE_AT(g1, 5 << 4 | 9, 7, PN_CAP_ENDPOINT);
    EXPECT(copy_from(g1, 0xd << 4 | 9, 8), PN_FAILED_LOOKUP, LF_GUARD(1, 8, 5, 3));
    /* guard bits beyond size 0 are all dropped: guard 1 of size 0 is no guard */
    pn_word_t g0 = slot_alloc();
    mint_ok(g0, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(1, 0));
    CHECK_TYPE_AT(g0, 9, 4, PN_CAP_ENDPOINT);
}

TEST(lookup_two_levels)
{
    /* flat root (13 bits) -> g1: radix-4 CNode with guard 0b101 of size 3 */
    const pn_word_t r = ROOT_BITS;
    pn_word_t flat = flat_root();
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), g1 = slot_alloc();
    mint_ok(g1, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(5, 3));
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    const pn_word_t at9 = (g1 << 3 | 5) << 4 | 9; /* depth r + 7 */

    copy_into(flat, at9, r + 7, ep);
    copy_into(g1, 5 << 4 | 2, 7, ntfn);
    /* the same slots through each cap of the path */
    CHECK_TYPE_AT(flat, at9, r + 7, PN_CAP_ENDPOINT);
    CHECK_TYPE_AT(g1, 5 << 4 | 9, 7, PN_CAP_ENDPOINT);
    CHECK_TYPE_AT(l1, 9, 4, PN_CAP_ENDPOINT);
    CHECK_TYPE_AT(l1, 2, 4, PN_CAP_NOTIFICATION);
    CHECK_TYPE_AT(flat, (g1 << 3 | 5) << 4 | 2, r + 7, PN_CAP_NOTIFICATION);
    CHECK_TYPE_AT(flat, (g1 << 3 | 5) << 4 | 3, r + 7, PN_CAP_NULL);
    /* depth r stops at the root slot holding the CNode cap itself */
    CHECK_TYPE_AT(flat, g1, r, PN_CAP_CNODE);

    /* failures at the second level: bitsLeft counts from the level that failed */
    EXPECT(copy_from(flat, (g1 << 3 | 4) << 4 | 9, r + 7), PN_FAILED_LOOKUP,
           LF_GUARD(1, 7, 5, 3));
    EXPECT(copy_from(flat, g1 << 2 | 2, r + 2), PN_FAILED_LOOKUP, LF_GUARD(1, 2, 5, 3));
    EXPECT(copy_from(flat, g1 << 3 | 5, r + 3), PN_FAILED_LOOKUP, LF_DEPTH(1, 3, 7));
    EXPECT(copy_from(flat, (g1 << 3 | 5) << 2 | 1, r + 5), PN_FAILED_LOOKUP,
           LF_DEPTH(1, 5, 7));
    EXPECT(copy_from(flat, at9 << 3, r + 10), PN_FAILED_LOOKUP, LF_DEPTH(1, 3, 0));
    EXPECT(copy_from(flat, ((g1 << 3 | 5) << 4 | 10) << 3, r + 10), PN_FAILED_LOOKUP,
           LF_DEPTH(1, 3, 0));
    /* the same through g1 as the root */
    EXPECT(copy_from(g1, 9, 4), PN_FAILED_LOOKUP, LF_GUARD(1, 4, 5, 3));
    EXPECT(copy_from(g1, 2, 2), PN_FAILED_LOOKUP, LF_GUARD(1, 2, 5, 3));
    EXPECT(copy_from(g1, 5 << 1 | 1, 4), PN_FAILED_LOOKUP, LF_DEPTH(1, 4, 7));
    EXPECT(copy_from(g1, (5 << 4 | 9) << 3, 10), PN_FAILED_LOOKUP, LF_DEPTH(1, 3, 0));
    /* and as the destination of a method (source flag 0) */
    EXPECT(call(g1, PN_CNODE_DELETE, W(9, 4), NO_CAPS), PN_FAILED_LOOKUP,
           LF_GUARD(0, 4, 5, 3));
    EXPECT(call(flat, PN_CNODE_REVOKE, W(g1 << 3 | 5, r + 3), NO_CAPS), PN_FAILED_LOOKUP,
           LF_DEPTH(0, 3, 7));

    /* Delete and Move through two levels */
    EXPECT_OK(call(flat, PN_CNODE_DELETE, W(at9, r + 7), NO_CAPS));
    CHECK_TYPE_AT(l1, 9, 4, PN_CAP_NULL);
    EXPECT_OK(call(g1, PN_CNODE_MOVE, W(5 << 4 | 9, 7, (g1 << 3 | 5) << 4 | 2, r + 7),
                   C(flat)));
    CHECK_TYPE_AT(l1, 9, 4, PN_CAP_NOTIFICATION);
    CHECK_TYPE_AT(l1, 2, 4, PN_CAP_NULL);
}

TEST(lookup_three_levels_depth_64)
{
    /* flat root (r = 13 bits) -> g1 (guard 3 + radix 4) -> slot 3 of l1: a radix-2 CNode
     * minted with a guard of the remaining 64 - r - 7 - 2 bits (42) */
    const pn_word_t r = ROOT_BITS;
    const pn_word_t g2_bits = 64 - r - 7 - 2, g2 = 0x2aaaaaaaaaaul & ((1ul << g2_bits) - 1);
    pn_word_t flat = flat_root();
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), g1 = slot_alloc();
    mint_ok(g1, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(5, 3));
    pn_word_t l2 = obj_new(PN_OBJ_CNODE, 2);
    const pn_word_t to_l1 = (g1 << 3 | 5) << 4; /* | slot, depth r + 7 */
    EXPECT_OK(call(flat, PN_CNODE_MINT,
                   W(to_l1 | 3, r + 7, l2, 64, PN_RIGHTS_ALL,
                     pn_cnode_guard_data(g2, g2_bits)),
                   C(ROOT)));
    CHECK_TYPE_AT(flat, to_l1 | 3, r + 7, PN_CAP_CNODE);

    const pn_word_t to_l2 = ((to_l1 | 3) << g2_bits | g2) << 2; /* | slot, depth 64 */
    pn_word_t ntfn = obj_new(PN_OBJ_NOTIFICATION, 0), ep = obj_new(PN_OBJ_ENDPOINT, 0);
    copy_into(flat, to_l2 | 2, 64, ntfn);
    copy_into(flat, to_l1 | 9, r + 7, ep);
    CHECK_TYPE_AT(flat, to_l2 | 2, 64, PN_CAP_NOTIFICATION);
    CHECK_TYPE_AT(flat, to_l2 | 1, 64, PN_CAP_NULL);
    CHECK_TYPE_AT(l2, 2, 2, PN_CAP_NOTIFICATION);
    CHECK_TYPE_AT(l1, (3ul << g2_bits | g2) << 2 | 2, 4 + g2_bits + 2, PN_CAP_NOTIFICATION);

    /* a wrong bit in the third level's guard: bitsLeft = its guard + radix */
    EXPECT(copy_from(flat, to_l2 ^ (1ul << 30), 64), PN_FAILED_LOOKUP,
           LF_GUARD(1, g2_bits + 2, g2, g2_bits));
    EXPECT(copy_from(flat, (to_l1 | 3) << 40, r + 7 + 40), PN_FAILED_LOOKUP,
           LF_GUARD(1, 40, g2, g2_bits));
    /* guard right, radix missing */
    EXPECT(copy_from(flat, (to_l1 | 3) << g2_bits | g2, r + 7 + g2_bits), PN_FAILED_LOOKUP,
           LF_DEPTH(1, g2_bits, g2_bits + 2));
    /* 64 bits that stop early at the endpoint in l1 slot 9 */
    EXPECT(copy_from(flat, (to_l1 | 9) << (g2_bits + 2), 64), PN_FAILED_LOOKUP,
           LF_DEPTH(1, g2_bits + 2, 0));
    /* a method's destination at depth 64 */
    EXPECT_OK(call(flat, PN_CNODE_DELETE, W(to_l2 | 2, 64), NO_CAPS));
    CHECK_TYPE_AT(l2, 2, 2, PN_CAP_NULL);
}

TEST(lookup_guard_too_big_for_radix)
{
    /* types.md §4: guardSize + radix > 64 makes the derived cap null => IllegalOperation */
    const pn_word_t r = ROOT_BITS;
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), ok = slot_alloc(), bad = slot_alloc();
    EXPECT(cn_mint(bad, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 61)), PN_ILLEGAL_OPERATION);
    EXPECT(cn_mint(bad, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 63)), PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(bad, PN_CAP_NULL);
    EXPECT_OK(cn_mint(ok, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 60)));
    CHECK_CAP_TYPE(ok, PN_CAP_CNODE);
    /* the root CNode: guard size 64 - r fits, one more does not */
    EXPECT(cn_mint(bad, ROOT, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 64 - r + 1)),
           PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(bad, PN_CAP_NULL);
    pn_word_t rootcopy = slot_alloc();
    EXPECT_OK(cn_mint(rootcopy, ROOT, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 64 - r)));
    /* same addressing as the original root */
    CHECK_TYPE_AT(rootcopy, PN_CAP_SLOT_INIT_TCB, 64, PN_CAP_THREAD);
    /* Mutate too; the source stays where it was */
    EXPECT(cn_mutate(bad, ok, pn_cnode_guard_data(0, 61)), PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(ok, PN_CAP_CNODE);
    CHECK_CAP_TYPE(bad, PN_CAP_NULL);
}

TEST(lookup_mutate_changes_guard)
{
    /* Mutate moves the cap and applies the data word; for a CNode that is the guard */
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), g = slot_alloc(), g2 = slot_alloc();
    mint_ok(g, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(5, 3));
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    copy_into(l1, 9, 4, ep);
    CHECK_TYPE_AT(g, 5 << 4 | 9, 7, PN_CAP_ENDPOINT);
    EXPECT_OK(cn_mutate(g2, g, pn_cnode_guard_data(2, 2)));
    CHECK_CAP_TYPE(g, PN_CAP_NULL);
    CHECK_CAP_TYPE(g2, PN_CAP_CNODE);
    CHECK_TYPE_AT(g2, 2 << 4 | 9, 6, PN_CAP_ENDPOINT);
    EXPECT(copy_from(g2, 1 << 4 | 9, 6), PN_FAILED_LOOKUP, LF_GUARD(1, 6, 2, 2));
    /* the old address now reads guard 0b10, slot 12 (empty) and has a bit left over */
    EXPECT(copy_from(g2, 5 << 4 | 9, 7), PN_FAILED_LOOKUP, LF_DEPTH(1, 1, 0));
    /* back to no guard at all (through the library wrapper) */
    CHECK_EQ(pn_cnode_mutate(ROOT, g, 64, ROOT, g2, 64, 0), 0);
    CHECK_TYPE_AT(g, 9, 4, PN_CAP_ENDPOINT);
}

TEST(lookup_invalid_root)
{
    /* a root that is not a CNode cap: FailedLookup(InvalidRoot), for the source (flag 1)
     * of Copy/Mint/Move/Mutate and the pivot/source of Rotate, whatever the depth */
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), dest = slot_alloc(), empty = slot_alloc();
    pn_word_t roots[] = {PN_CAP_SLOT_INIT_TCB, ep, empty, PN_CAP_SLOT_INIT_VSPACE};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(roots); i++) {
        pn_cptr_t bad = roots[i];
        EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 64, PN_RIGHTS_ALL), C(bad)),
               PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
        EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 64, PN_RIGHTS_ALL, 1), C(bad)),
               PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
        EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 64), C(bad)), PN_FAILED_LOOKUP,
               LF_INVALID_ROOT(1));
        EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, ep, 64, 0), C(bad)), PN_FAILED_LOOKUP,
               LF_INVALID_ROOT(1));
        /* the root is checked before the depth (invocations.md §3 preamble, §3.1 step 5) */
        EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 0, PN_RIGHTS_ALL), C(bad)),
               PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
        EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 65), C(bad)), PN_FAILED_LOOKUP,
               LF_INVALID_ROOT(1));
    }
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
}

/* ---- depth-64 syscall lookups through several levels ---- */

/* TCB_Configure (MCS) on the root task itself (invocations.md §3.3): MR0/MR1 root data
 * (0: none), MR2 the IPC buffer address; C[0] CSpace root, C[1] VSpace root, C[2] the IPC
 * buffer frame.  Unlike SetSpace it leaves the fault and timeout handlers alone. */
static reply_t set_own_cspace(pn_cptr_t tcb, pn_cptr_t cspace, pn_cptr_t vspace,
                              pn_cptr_t buffer_frame)
{
    return call(tcb, PN_TCB_CONFIGURE, W(0, 0, pn_bootinfo->ipc_buffer),
                C(cspace, vspace, buffer_frame));
}

TEST(lookup_syscall_depth_64_through_levels)
{
    /* The root task's CSpace root is replaced for a moment by the root CNode with guard
     * size 0: a depth-64 cptr then spends its top 13 bits on a root slot and goes on
     * through CNode caps (types.md §5); a lookup may end early at a non-CNode cap (fine for
     * syscalls).  Root slot s holding a non-CNode cap is s << 51; every root slot,
     * CNode or not, is (r38 << 51) | s through a root view with guard size 38. */
    const pn_word_t r = ROOT_BITS, top = 64 - r;
    pn_word_t flat = flat_root(), r38 = slot_alloc();
    mint_ok(r38, ROOT, PN_RIGHTS_ALL, pn_cnode_guard_data(0, top - r));
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), g1 = slot_alloc(), l2 = obj_new(PN_OBJ_CNODE, 2);
    mint_ok(g1, l1, PN_RIGHTS_ALL, pn_cnode_guard_data(5, 3));
    const pn_word_t rest = top - 7, g2 = 0x2aaaaaaaaaaul & ((1ul << (rest - 2)) - 1);
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), ut = ram_untyped(12);
    copy_into(l1, 9, 4, ep);
    copy_into(l1, 4, 4, ut);
    EXPECT_OK(call(l1, PN_CNODE_MINT, W(3, 4, l2, 64, PN_RIGHTS_ALL,
                                       pn_cnode_guard_data(g2, rest - 2)), C(ROOT)));
    copy_into(l2, 1, 2, PN_CAP_SLOT_INIT_TCB);
    pn_word_t made = slot_alloc();

    const pn_word_t via_g1 = g1 << top | 5ul << (top - 3); /* | slot << rest */
    const pn_word_t l1_ep = via_g1 | 9ul << rest, l1_ut = via_g1 | 4ul << rest;
    const pn_word_t l2_tcb = via_g1 | 3ul << rest | g2 << 2 | 1;
#define AT(s) ((pn_word_t)(s) << top)
#define VIA_R38(s) (AT(r38) | (pn_word_t)(s))

    /* switch, look around, switch back, and only then check */
    reply_t sw = set_own_cspace(PN_CAP_SLOT_INIT_TCB, flat, PN_CAP_SLOT_INIT_VSPACE,
                                PN_CAP_SLOT_INIT_IPC_BUFFER);
    pn_word_t seen[12] = {0};
    reply_t rt = {0};
    if (pn_msginfo_label(sw.info) == PN_NO_ERROR) {
        seen[0] = pn_debug_cap_identify(AT(PN_CAP_SLOT_INIT_TCB));
        seen[1] = pn_debug_cap_identify(PN_CAP_SLOT_INIT_TCB); /* slot 0 now */
        seen[2] = pn_debug_cap_identify(l1_ep);
        seen[3] = pn_debug_cap_identify(l1_ut);
        seen[4] = pn_debug_cap_identify(l2_tcb);
        seen[5] = pn_debug_cap_identify(via_g1 ^ 1ul << (top - 1)); /* l1's guard */
        seen[6] = pn_debug_cap_identify(l2_tcb ^ 1ul << 20);       /* l2's guard */
        seen[7] = pn_debug_cap_identify(AT(PN_CAP_SLOT_INIT_CNODE)); /* too few bits */
        seen[8] = pn_debug_cap_identify(VIA_R38(PN_CAP_SLOT_INIT_CNODE));
        seen[9] = pn_debug_cap_identify(VIA_R38(g1));
        /* an invocation whose cap and extra cap are found at depth 64 through levels */
        rt = call(l1_ut, PN_UNTYPED_RETYPE, W(PN_OBJ_NOTIFICATION, 0, 0, 0, made, 1),
                  C(VIA_R38(PN_CAP_SLOT_INIT_CNODE)));
        seen[10] = pn_debug_cap_identify(AT(made));
        reply_t back = set_own_cspace(AT(PN_CAP_SLOT_INIT_TCB), VIA_R38(PN_CAP_SLOT_INIT_CNODE),
                                      AT(PN_CAP_SLOT_INIT_VSPACE),
                                      AT(PN_CAP_SLOT_INIT_IPC_BUFFER));
        EXPECT_OK(back);
    }
    EXPECT_OK(sw);
    CHECK_CAP_TYPE(PN_CAP_SLOT_INIT_CNODE, PN_CAP_CNODE); /* the old CSpace is back */
    CHECK_EQ(seen[0], PN_CAP_THREAD);
    CHECK_EQ(seen[1], PN_CAP_NULL);
    CHECK_EQ(seen[2], PN_CAP_ENDPOINT);
    CHECK_EQ(seen[3], PN_CAP_UNTYPED);
    CHECK_EQ(seen[4], PN_CAP_THREAD);
    CHECK_EQ(seen[5], PN_CAP_NULL);
    CHECK_EQ(seen[6], PN_CAP_NULL);
    CHECK_EQ(seen[7], PN_CAP_NULL);
    CHECK_EQ(seen[8], PN_CAP_CNODE);
    CHECK_EQ(seen[9], PN_CAP_CNODE);
    EXPECT_OK(rt);
    CHECK_EQ(seen[10], PN_CAP_NOTIFICATION);
    CHECK_CAP_TYPE(made, PN_CAP_NOTIFICATION);
#undef AT
#undef VIA_R38
}
