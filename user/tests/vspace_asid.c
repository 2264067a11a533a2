/* Issue 5: ASIDControl_MakePool and ASIDPool_Assign (invocations.md §3.7; types.md §8.2,
 * §9; semantics.md §1, §3, §4): check order, effects, and exhaustion of all 8 pools
 * (pool 0 has 511 usable ASIDs: ASID 0 is never handed out; ASID 1 is the root task's).
 *
 * This file runs before the other vspace_*.c files (which leave ASID-assigned PML4s
 * behind); it expects that no earlier test left a PML4 with an ASID of pool 0 alive. */
#include "vmtest.h"

#define ASID_CONTROL ((pn_cptr_t)PN_CAP_SLOT_ASID_CONTROL)
#define POOL0 ((pn_cptr_t)PN_CAP_SLOT_INIT_ASID_POOL)
#define NUM_POOLS (1u << PN_NUM_ASID_POOLS_BITS)
#define POOL_SIZE (1u << PN_ASID_POOL_INDEX_BITS)

static reply_t make_pool(pn_cptr_t untyped, pn_word_t dest)
{
    return call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, ROOT_DEPTH),
                C(untyped, ROOT));
}

static reply_t assign(pn_cptr_t pool, pn_cptr_t pml4)
{
    return call(pool, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(pml4));
}

TEST(vspace_asid_make_pool_check_order)
{
    pn_word_t dest = slot_alloc();
    pn_cptr_t ut = ram_untyped(12);
    /* the label first, before the length */
    static const pn_word_t bad_labels[] = {PN_INVALID_INVOCATION, PN_X86_ASID_POOL_ASSIGN,
                                           PN_X86_PAGE_MAP, PN_UNTYPED_RETYPE,
                                           PN_X86_IOPORT_CONTROL_ISSUE};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(bad_labels); i++) {
        EXPECT(call(ASID_CONTROL, bad_labels[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        EXPECT(call(ASID_CONTROL, bad_labels[i], W(dest, ROOT_DEPTH), C(ut, ROOT)),
               PN_ILLEGAL_OPERATION);
    }
    /* length < 2 or fewer than 2 caps */
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, NO_WORDS, NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest), C(ut, ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, ROOT_DEPTH), C(ut)),
           PN_TRUNCATED_MESSAGE);
    /* C[0] must be a non-device untyped of exactly 12 bits (checked before the
     * destination) */
    pn_cptr_t with_child = ram_untyped(12);
    retype_ok(with_child, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1);
    pn_cptr_t big_with_child = ram_untyped(13);
    retype_ok(big_with_child, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1);
    pn_cptr_t not_pools[] = {
        ram_untyped(13), ram_untyped(11), ram_untyped(4), device_untyped(12),
        obj_new(PN_OBJ_X86_4K, 0), PN_CAP_SLOT_NULL, ROOT, big_with_child,
        copy_new(PN_CAP_SLOT_INIT_ASID_POOL, PN_RIGHTS_ALL),
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(not_pools); i++) {
        EXPECT(make_pool(not_pools[i], dest), PN_INVALID_CAPABILITY, 1);
        /* before the destination lookup */
        EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, 0),
                    C(not_pools[i], ROOT)),
               PN_INVALID_CAPABILITY, 1);
    }
    /* an untyped with children => RevokeFirst, before the destination */
    EXPECT(make_pool(with_child, dest), PN_REVOKE_FIRST);
    EXPECT(make_pool(with_child, PN_CAP_SLOT_INIT_TCB), PN_REVOKE_FIRST);
    /* the destination: CNode-op lookup in C[1], then it must be empty */
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, 0), C(ut, ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, 65), C(ut, ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, ROOT_DEPTH),
                C(ut, PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(call(ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL, W(dest, 32), C(ut, ROOT)),
           PN_FAILED_LOOKUP, LF_GUARD(0, 32, 0, ROOT_GUARD_BITS));
    EXPECT(make_pool(ut, PN_CAP_SLOT_INIT_TCB), PN_DELETE_FIRST);
    /* none of that consumed the untyped */
    CHECK_EQ(untyped_free_bytes(ut), PN_PAGE_SIZE);
    /* success: an ASID pool cap in dest */
    EXPECT_OK(make_pool(ut, dest));
    CHECK_CAP_TYPE(dest, PN_CAP_ASID_POOL);
    /* the untyped is now full (free index at the end) and has a child */
    EXPECT(ut_retype(ut, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1), PN_NOT_ENOUGH_MEMORY, 0);
    EXPECT(make_pool(ut, slot_alloc()), PN_REVOKE_FIRST);
    /* the new pool works */
    pn_cptr_t pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    EXPECT_OK(assign(dest, pml4));
    EXPECT_OK(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), pml4, 0));
    /* the pool cap is a CDT child of the untyped: revoking the untyped deletes it, and
     * the untyped can make a pool again */
    pn_cptr_t copy = copy_new(dest, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(copy, PN_CAP_ASID_POOL);
    revoke_ok(ut);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(copy, PN_CAP_NULL);
    /* the PML4 lost its ASID with the pool (semantics.md §4) */
    EXPECT(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), pml4, 1ul << 39), PN_FAILED_LOOKUP,
           LF_INVALID_ROOT(0));
    EXPECT_OK(make_pool(ut, dest));
    CHECK_CAP_TYPE(dest, PN_CAP_ASID_POOL);
    delete_ok(dest);
}

TEST(vspace_asid_pool_assign_check_order)
{
    pn_cptr_t pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    static const pn_word_t bad_labels[] = {PN_INVALID_INVOCATION, PN_X86_ASID_CONTROL_MAKE_POOL,
                                           PN_X86_PAGE_MAP, PN_X86_PDPT_MAP, PN_CNODE_COPY};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(bad_labels); i++) {
        EXPECT(call(POOL0, bad_labels[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        EXPECT(call(POOL0, bad_labels[i], W(0, 0), C(pml4)), PN_ILLEGAL_OPERATION);
    }
    EXPECT(call(POOL0, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(POOL0, PN_X86_ASID_POOL_ASSIGN, W(1, 2, 3), NO_CAPS), PN_TRUNCATED_MESSAGE);
    /* C[0] not a PML4, or one with an ASID already */
    pn_cptr_t not_free[] = {
        PN_CAP_SLOT_NULL,
        PN_CAP_SLOT_INIT_VSPACE, /* ASID 1 */
        obj_new(PN_OBJ_X86_PDPT, 0),
        obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0),
        obj_new(PN_OBJ_X86_4K, 0),
        ram_untyped(12),
        POOL0,
        copy_new(PN_CAP_SLOT_INIT_VSPACE, PN_RIGHTS_ALL),
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(not_free); i++)
        EXPECT(assign(POOL0, not_free[i]), PN_INVALID_CAPABILITY, 1);
    /* success: the cap in the C[0] slot becomes mapped (it can now be copied and
     * used as a VSpace) and cannot be assigned again, through any pool cap */
    EXPECT(cn_copy(slot_alloc(), pml4, PN_RIGHTS_ALL), PN_ILLEGAL_OPERATION);
    pn_cptr_t pool_copy = copy_new(POOL0, PN_RIGHTS_ALL);
    EXPECT_OK(assign(pool_copy, pml4));
    EXPECT(assign(POOL0, pml4), PN_INVALID_CAPABILITY, 1);
    EXPECT(assign(pool_copy, pml4), PN_INVALID_CAPABILITY, 1);
    pn_cptr_t c = copy_new(pml4, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(c, PN_CAP_PML4);
    EXPECT(assign(POOL0, c), PN_INVALID_CAPABILITY, 1);
    EXPECT_OK(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), c, 0));
    /* deleting the PML4's caps releases the ASID; deleting a copy of the pool cap does
     * not free the pool */
    delete_ok(c);
    delete_ok(pml4);
    delete_ok(pool_copy);
    pn_cptr_t again = obj_new(PN_OBJ_X64_PML4, 0);
    EXPECT_OK(assign(POOL0, again));
    delete_ok(again);
}

/* Assigns new PML4s to `pool` until it refuses; returns how many it took.  The PML4s
 * are made 64 at a time in the root-CNode slots [window, window + 64) and moved
 * into the 2^12-slot CNode `store` from index *stored on. */
static pn_word_t fill_pool(pn_cptr_t pool, pn_cptr_t ut, pn_word_t window, pn_cptr_t store,
                           pn_word_t *stored)
{
    pn_word_t n = 0;
    for (;;) {
        pn_word_t batch = 64;
        retype_ok(ut, PN_OBJ_X64_PML4, 0, window, batch);
        for (pn_word_t i = 0; i < batch; i++) {
            reply_t r = assign(pool, window + i);
            if (pn_msginfo_label(r.info) != PN_NO_ERROR) {
                EXPECT(r, PN_DELETE_FIRST);
                for (pn_word_t j = i; j < batch; j++)
                    delete_ok(window + j);
                return n;
            }
            n++;
            if (*stored >= 4096)
                FAIL("pool %lu takes more than 4096 PML4s", pool);
            EXPECT_OK(call(store, PN_CNODE_MOVE, W(*stored, 12, window + i, ROOT_DEPTH),
                           C(ROOT)));
            ++*stored;
        }
    }
}

/* Moves the cap at index `i` of `store` into a fresh root slot. */
static pn_cptr_t take(pn_cptr_t store, pn_word_t i)
{
    pn_word_t s = slot_alloc();
    EXPECT_OK(call(ROOT, PN_CNODE_MOVE, W(s, ROOT_DEPTH, i, 12), C(store)));
    return s;
}

TEST(vspace_asid_exhaustion)
{
    pn_cptr_t pools[NUM_POOLS];
    pools[0] = POOL0;
    /* pools 1..7 */
    for (unsigned k = 1; k < NUM_POOLS; k++) {
        pools[k] = slot_alloc();
        EXPECT_OK(make_pool(ram_untyped(12), pools[k]));
    }
    /* all 8 in use: DeleteFirst, checked before the untyped and the destination */
    pn_word_t extra = slot_alloc();
    EXPECT(make_pool(ram_untyped(12), extra), PN_DELETE_FIRST);
    EXPECT(make_pool(ram_untyped(13), extra), PN_DELETE_FIRST);
    EXPECT(make_pool(PN_CAP_SLOT_NULL, PN_CAP_SLOT_INIT_TCB), PN_DELETE_FIRST);
    CHECK_CAP_TYPE(extra, PN_CAP_NULL);
    /* every pool to exhaustion: 512 ASIDs each, 510 free ones in pool 0 */
    pn_cptr_t store = obj_new(PN_OBJ_CNODE, 12);
    pn_cptr_t ut = ram_untyped(25);
    pn_word_t window = slots_alloc(64);
    pn_word_t stored = 0, first[NUM_POOLS];
    for (unsigned k = 1; k <= NUM_POOLS; k++) {
        unsigned p = k % NUM_POOLS; /* 1..7, then 0 */
        first[p] = stored;
        pn_word_t n = fill_pool(pools[p], ut, window, store, &stored);
        if (n != (p == 0 ? POOL_SIZE - 2 : POOL_SIZE))
            FAIL("pool %u took %lu new PML4s, expected %u", p, n,
                 p == 0 ? POOL_SIZE - 2 : POOL_SIZE);
    }
    /* nothing fits anywhere now */
    pn_word_t spare = slot_alloc();
    retype_ok(ut, PN_OBJ_X64_PML4, 0, spare, 1);
    for (unsigned p = 0; p < NUM_POOLS; p++)
        EXPECT(assign(pools[p], spare), PN_DELETE_FIRST);
    /* deleting one PML4 frees its ASID for exactly one new one */
    EXPECT_OK(call(store, PN_CNODE_DELETE, W(first[3] + 100, 12), NO_CAPS));
    EXPECT_OK(assign(pools[3], spare));
    pn_word_t spare2 = slot_alloc();
    retype_ok(ut, PN_OBJ_X64_PML4, 0, spare2, 1);
    EXPECT(assign(pools[3], spare2), PN_DELETE_FIRST);
    EXPECT(assign(pools[0], spare2), PN_DELETE_FIRST);
    /* deleting pool 5's cap frees its slot in the ASID table: MakePool works again, and
     * the PML4s of the old pool lost their ASIDs.  The new pool hands out the lowest
     * ASID first, the one the old pool's first PML4 had. */
    delete_ok(pools[5]);
    EXPECT_OK(make_pool(ram_untyped(12), pools[5]));
    EXPECT(make_pool(ram_untyped(12), extra), PN_DELETE_FIRST);
    EXPECT_OK(assign(pools[5], spare2));
    pn_cptr_t stale = take(store, first[5]);      /* its ASID now belongs to spare2 */
    pn_cptr_t orphan = take(store, first[5] + 1); /* its ASID has no VSpace */
    /* the Map methods: the ASID lookup (after the vaddr check) */
    pn_word_t v = 1ul << 39;
    struct {
        pn_word_t type, label;
    } maps[] = {
        {PN_OBJ_X86_PDPT, PN_X86_PDPT_MAP},
        {PN_OBJ_X86_PAGE_DIRECTORY, PN_X86_PAGE_DIRECTORY_MAP},
        {PN_OBJ_X86_PAGE_TABLE, PN_X86_PAGE_TABLE_MAP},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(maps); i++) {
        pn_cptr_t o = obj_new(maps[i].type, 0);
        EXPECT(call(o, maps[i].label, W(v, 0), C(orphan)), PN_FAILED_LOOKUP,
               LF_INVALID_ROOT(0));
        EXPECT(call(o, maps[i].label, W(v, 0), C(stale)), PN_INVALID_CAPABILITY, 1);
        EXPECT(call(o, maps[i].label, W(1ul << 47, 0), C(orphan)), PN_INVALID_ARGUMENT, 0);
        EXPECT(call(o, maps[i].label, W(1ul << 47, 0), C(stale)), PN_INVALID_ARGUMENT, 0);
    }
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    EXPECT(vt_page_map(f, orphan, v, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(vt_page_map(f, stale, v, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    /* the ASID checks come before the alignment check, the vaddr limit before them */
    EXPECT(vt_page_map(f, orphan, v + 8, PN_RIGHTS_RW, 0), PN_FAILED_LOOKUP,
           LF_INVALID_ROOT(0));
    EXPECT(vt_page_map(f, stale, v + 8, PN_RIGHTS_RW, 0), PN_INVALID_CAPABILITY, 1);
    EXPECT(vt_page_map(f, orphan, VT_USER_LIMIT + 1, PN_RIGHTS_RW, 0), PN_INVALID_ARGUMENT,
           0);
    /* the new owner of the ASID works */
    EXPECT_OK(vt_pdpt_map(obj_new(PN_OBJ_X86_PDPT, 0), spare2, v));
    /* clean up: every PML4 (their ASIDs), then the pools (their slots) */
    delete_ok(stale);
    delete_ok(orphan);
    delete_ok(spare);
    delete_ok(spare2);
    delete_ok(store);
    revoke_ok(ut);
    for (unsigned k = 1; k < NUM_POOLS; k++)
        delete_ok(pools[k]);
    /* the 7 pool slots and pool 0's ASIDs are free again */
    for (unsigned k = 1; k < NUM_POOLS; k++)
        EXPECT_OK(make_pool(ram_untyped(12), pools[k]));
    EXPECT(make_pool(ram_untyped(12), extra), PN_DELETE_FIRST);
    for (unsigned k = 1; k < NUM_POOLS; k++)
        delete_ok(pools[k]);
    pn_cptr_t last = obj_new(PN_OBJ_X64_PML4, 0);
    EXPECT_OK(assign(POOL0, last));
    delete_ok(last);
}
