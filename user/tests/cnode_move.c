/* Issue 3: CNode Move, Mutate and Rotate (invocations.md §3.2; semantics.md §1, §2).
 * Move and Mutate check like Copy (length < 4 / no C[0], destination empty, source lookup
 * with flag 1, source empty) and Mutate then needs its 5th word; neither derives, Move
 * keeps the cap as it is, Mutate applies its data "preserving" (which turns every EP/NTFN
 * cap into null => IllegalOperation).  Rotate has its own order (see cnode_rotate_*). */
#include "captest.h"

static int ep_has_all_rights(pn_word_t slot)
{
    reply_t r = cn_cancel_badged_sends(slot);
    return pn_msginfo_label(r.info) == PN_NO_ERROR;
}

TEST(cnode_move_moves)
{
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0), b = slot_alloc(), c = slot_alloc();
    EXPECT_OK(cn_move(b, a));
    CHECK_CAP_TYPE(a, PN_CAP_NULL);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT);
    move_ok(c, b);
    move_ok(a, c);
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(b, PN_CAP_NULL);
    CHECK_CAP_TYPE(c, PN_CAP_NULL);
    /* caps Copy refuses to derive move fine: IRQControl (and back), an unmapped page
     * table, an untyped with children, a badged endpoint */
    pn_word_t irq = slot_alloc();
    EXPECT_OK(cn_move(irq, PN_CAP_SLOT_IRQ_CONTROL));
    CHECK_CAP_TYPE(irq, PN_CAP_IRQ_CONTROL);
    CHECK_CAP_TYPE(PN_CAP_SLOT_IRQ_CONTROL, PN_CAP_NULL);
    EXPECT_OK(cn_move(PN_CAP_SLOT_IRQ_CONTROL, irq));
    CHECK_CAP_TYPE(PN_CAP_SLOT_IRQ_CONTROL, PN_CAP_IRQ_CONTROL);
    pn_word_t pt = obj_new(PN_OBJ_X86_PAGE_TABLE, 0), pt2 = slot_alloc();
    EXPECT_OK(cn_move(pt2, pt));
    CHECK_CAP_TYPE(pt2, PN_CAP_PAGE_TABLE);
    pn_word_t ut = ram_untyped(12), ut2 = slot_alloc();
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1);
    EXPECT_OK(cn_move(ut2, ut));
    CHECK_CAP_TYPE(ut2, PN_CAP_UNTYPED);
    pn_word_t badged = slot_alloc(), badged2 = slot_alloc();
    mint_ok(badged, a, PN_RIGHTS_ALL, 42);
    EXPECT_OK(cn_move(badged2, badged));
    CHECK_CAP_TYPE(badged2, PN_CAP_ENDPOINT);
    /* still badged: cannot be minted again */
    EXPECT(cn_mint(badged, badged2, PN_RIGHTS_ALL, 0), PN_ILLEGAL_OPERATION);
}

TEST(cnode_move_keeps_rights_and_cdt_position)
{
    /* A = original endpoint, B = copy without GrantReply; move both and revoke A's new
     * slot: B went with its CDT position, so it is revoked; rights stay as they were */
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t b = copy_new(a, PN_RIGHTS_ALL & ~PN_RIGHT_GRANT_REPLY);
    pn_word_t a2 = slot_alloc(), b2 = slot_alloc();
    move_ok(b2, b);
    move_ok(a2, a);
    CHECK(!ep_has_all_rights(b2));
    CHECK(ep_has_all_rights(a2));
    revoke_ok(a2);
    CHECK_CAP_TYPE(b2, PN_CAP_NULL);
    CHECK_CAP_TYPE(a2, PN_CAP_ENDPOINT);
    /* an untyped moved keeps its children: retype continues, revoke finds them */
    pn_word_t ut = ram_untyped(12), obj = slot_alloc(), ut2 = slot_alloc();
    retype_ok(ut, PN_OBJ_TCB, 0, obj, 1);
    move_ok(ut2, ut);
    CHECK_EQ(untyped_free_bytes(ut2), (1ul << 12) - (1ul << PN_TCB_BITS));
    revoke_ok(ut2);
    CHECK_CAP_TYPE(obj, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut2), 1ul << 12);
}

TEST(cnode_move_check_order)
{
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), dest = slot_alloc(), empty = slot_alloc();
    pn_word_t full = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 64), NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(full, 64, ep), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(cn_move(full, ep), PN_DELETE_FIRST);
    EXPECT(cn_move(full, empty), PN_DELETE_FIRST);
    EXPECT(cn_move(ep, ep), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(full, 64, ep, 64), C(PN_CAP_SLOT_INIT_TCB)),
           PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 64), C(PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 0), C(ROOT)), PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_MOVE, W(dest, 64, ep, 1), C(ROOT)), PN_FAILED_LOOKUP,
           LF_GUARD(1, 1, 0, ROOT_GUARD_BITS));
    EXPECT(cn_move(dest, empty), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
}

TEST(cnode_mutate_check_order)
{
    pn_word_t tcb = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t dest = slot_alloc(), empty = slot_alloc();
    pn_word_t full = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, tcb), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, tcb, 64, 0), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(cn_mutate(full, tcb, 0), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(full, 64, tcb, 64), C(ROOT)), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, tcb, 64, 0), C(PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, tcb, 65, 0), C(ROOT)), PN_RANGE_ERROR, 1,
           64);
    EXPECT(cn_mutate(dest, empty, 0), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    /* the source is looked at before the 5th word is missed */
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, empty, 64), C(ROOT)), PN_FAILED_LOOKUP,
           LF_MISSING(1, 64));
    EXPECT(call(ROOT, PN_CNODE_MUTATE, W(dest, 64, tcb, 64), C(ROOT)), PN_TRUNCATED_MESSAGE);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(tcb, PN_CAP_THREAD);
    /* other caps: data ignored, the cap moves */
    EXPECT_OK(cn_mutate(dest, tcb, 0xabcdef));
    CHECK_CAP_TYPE(dest, PN_CAP_THREAD);
    CHECK_CAP_TYPE(tcb, PN_CAP_NULL);
}

TEST(cnode_mutate_endpoint_and_notification_fail)
{
    /* a preserving update of an EP/NTFN cap always yields null, whatever the data */
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_word_t badged = slot_alloc(), dest = slot_alloc();
    mint_ok(badged, ep, PN_RIGHTS_ALL, 3);
    pn_word_t srcs[] = {ep, ntfn, badged, copy_new(ep, PN_RIGHTS_ALL)};
    static const pn_word_t data[] = {0, 1, 3, ~0ul};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(srcs); i++) {
        pn_word_t tag = pn_debug_cap_identify(srcs[i]);
        for (unsigned j = 0; j < PN_ARRAY_SIZE(data); j++) {
            EXPECT(cn_mutate(dest, srcs[i], data[j]), PN_ILLEGAL_OPERATION);
            CHECK_CAP_TYPE(dest, PN_CAP_NULL);
            CHECK_CAP_TYPE(srcs[i], tag);
        }
    }
    /* Move works for them */
    move_ok(dest, badged);
    CHECK_CAP_TYPE(dest, PN_CAP_ENDPOINT);
}

/* ---- Rotate ---- */

TEST(cnode_rotate_three_caps)
{
    /* pivot -> dest, src -> pivot; data ignored for TCB and SC caps */
    pn_word_t pivot = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t src = copy_new(PN_CAP_SLOT_INIT_SC, PN_RIGHTS_ALL);
    pn_word_t dest = slot_alloc();
    EXPECT_OK(cn_rotate(dest, 0x111, pivot, 0x222, src));
    CHECK_CAP_TYPE(dest, PN_CAP_THREAD);
    CHECK_CAP_TYPE(pivot, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(src, PN_CAP_NULL);
    /* through the library wrapper, back again */
    CHECK_EQ(pn_cnode_rotate(ROOT, src, 64, 0, ROOT, pivot, 64, 0, ROOT, dest, 64), 0);
    CHECK_CAP_TYPE(src, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(pivot, PN_CAP_THREAD);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
}

TEST(cnode_rotate_swap)
{
    /* src == dest: the two caps trade places */
    pn_word_t x = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t y = copy_new(PN_CAP_SLOT_INIT_SC, PN_RIGHTS_ALL);
    EXPECT_OK(cn_rotate(x, 0, y, 0, x));
    CHECK_CAP_TYPE(x, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(y, PN_CAP_THREAD);
    /* an untyped with children swaps too (no derive), keeping its children */
    pn_word_t ut = ram_untyped(12), obj = slot_alloc();
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, obj, 1);
    EXPECT_OK(cn_rotate(ut, 0, x, 0, ut));
    CHECK_CAP_TYPE(ut, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(x, PN_CAP_UNTYPED);
    CHECK_EQ(untyped_free_bytes(x), (1ul << 12) - (1ul << PN_ENDPOINT_BITS));
    revoke_ok(x);
    CHECK_CAP_TYPE(obj, PN_CAP_NULL);
}

TEST(cnode_rotate_applies_cnode_guards)
{
    /* MR2 is the data for the cap going pivot -> dest, MR5 for src -> pivot; for CNode
     * caps that is the guard (preserving = as Mint) */
    pn_word_t l1 = obj_new(PN_OBJ_CNODE, 4), l2 = obj_new(PN_OBJ_CNODE, 2);
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    EXPECT_OK(call(l1, PN_CNODE_COPY, W(9, 4, ep, 64, PN_RIGHTS_ALL), C(ROOT)));
    EXPECT_OK(call(l2, PN_CNODE_COPY, W(1, 2, ntfn, 64, PN_RIGHTS_ALL), C(ROOT)));
    pn_word_t pivot = copy_new(l1, PN_RIGHTS_ALL), src = copy_new(l2, PN_RIGHTS_ALL);
    pn_word_t dest = slot_alloc();
    EXPECT_OK(cn_rotate(dest, pn_cnode_guard_data(1, 1), pivot, pn_cnode_guard_data(6, 3),
                        src));
    CHECK_CAP_TYPE(src, PN_CAP_NULL);
    /* dest: l1 with guard 0b1 of size 1 */
    pn_word_t t = slot_alloc();
    EXPECT_OK(call(ROOT, PN_CNODE_COPY, W(t, 64, 1 << 4 | 9, 5, PN_RIGHTS_ALL), C(dest)));
    CHECK_CAP_TYPE(t, PN_CAP_ENDPOINT);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(slot_alloc(), 64, 9, 5, PN_RIGHTS_ALL), C(dest)),
           PN_FAILED_LOOKUP, LF_GUARD(1, 5, 1, 1));
    /* pivot: l2 with guard 0b110 of size 3 */
    pn_word_t u = slot_alloc();
    EXPECT_OK(call(ROOT, PN_CNODE_COPY, W(u, 64, 6 << 2 | 1, 5, PN_RIGHTS_ALL), C(pivot)));
    CHECK_CAP_TYPE(u, PN_CAP_NOTIFICATION);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(slot_alloc(), 64, 1, 2, PN_RIGHTS_ALL), C(pivot)),
           PN_FAILED_LOOKUP, LF_GUARD(1, 2, 6, 3));
    /* a guard too big for the radix makes the moved cap null: nothing moves */
    pn_word_t d2 = slot_alloc();
    EXPECT(cn_rotate(d2, pn_cnode_guard_data(0, 61), dest, 0, pivot), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(d2, 0, dest, pn_cnode_guard_data(0, 63), pivot), PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(d2, PN_CAP_NULL);
    CHECK_CAP_TYPE(dest, PN_CAP_CNODE);
    CHECK_CAP_TYPE(pivot, PN_CAP_CNODE);
}

TEST(cnode_rotate_check_order)
{
    pn_word_t tcb = PN_CAP_SLOT_INIT_TCB;
    pn_word_t a = copy_new(tcb, PN_RIGHTS_ALL), b = copy_new(PN_CAP_SLOT_INIT_SC, 0);
    pn_word_t full = copy_new(PN_CAP_SLOT_INIT_SC, 0);
    pn_word_t dest = slot_alloc(), empty = slot_alloc(), empty2 = slot_alloc();
    /* words: dest, dest depth, dest data, pivot, pivot depth, pivot data, src, src depth;
     * caps: pivot root, src root */
    /* length < 8 or fewer than 2 caps */
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b), C(ROOT, ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b, 64), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64), C(ROOT, ROOT)), PN_TRUNCATED_MESSAGE);
    /* the source is resolved (in C[1]) before the pivot (in C[0]) */
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b, 0), C(tcb, ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 0, 0, b, 64), C(ROOT, tcb)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b, 64), C(ROOT, tcb)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b, ROOT_BITS), C(ROOT, ROOT)),
           PN_FAILED_LOOKUP, LF_GUARD(1, ROOT_BITS, 0, ROOT_GUARD_BITS));
    /* pivot lookup failures also carry source flag 1 */
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 64, 0, b, 64), C(tcb, ROOT)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, 65, 0, b, 64), C(ROOT, ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, a, ROOT_BITS, 0, b, 64), C(ROOT, ROOT)),
           PN_FAILED_LOOKUP, LF_GUARD(1, ROOT_BITS, 0, ROOT_GUARD_BITS));
    EXPECT(call(ROOT, PN_CNODE_ROTATE, W(dest, 64, 0, 0, 60, 0, b, 64), C(ROOT, ROOT)),
           PN_FAILED_LOOKUP, LF_DEPTH(1, 60, 64));
    /* pivot == src or pivot == dest, before emptiness checks */
    EXPECT(cn_rotate(dest, 0, b, 0, b), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(a, 0, a, 0, b), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(full, 0, full, 0, b), PN_ILLEGAL_OPERATION);  /* dest occupied too */
    EXPECT(cn_rotate(dest, 0, empty, 0, empty), PN_ILLEGAL_OPERATION); /* src empty too */
    EXPECT(cn_rotate(a, 0, a, 0, a), PN_ILLEGAL_OPERATION);
    /* src != dest: dest must be empty, checked before the source's emptiness */
    EXPECT(cn_rotate(full, 0, a, 0, b), PN_DELETE_FIRST);
    EXPECT(cn_rotate(full, 0, a, 0, empty), PN_DELETE_FIRST);
    EXPECT(cn_rotate(full, 0, empty, 0, empty2), PN_DELETE_FIRST);
    /* empty source: FailedLookup(1, MissingCapability, src depth), before the pivot */
    EXPECT(cn_rotate(dest, 0, a, 0, empty), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    EXPECT(cn_rotate(dest, 0, empty2, 0, empty), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    /* empty pivot: source flag 0 */
    EXPECT(cn_rotate(dest, 0, empty, 0, b), PN_FAILED_LOOKUP, LF_MISSING(0, 64));
    /* a swap with an empty pivot */
    EXPECT(cn_rotate(b, 0, empty, 0, b), PN_FAILED_LOOKUP, LF_MISSING(0, 64));
    /* nothing moved */
    CHECK_CAP_TYPE(a, PN_CAP_THREAD);
    CHECK_CAP_TYPE(b, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(full, PN_CAP_SCHED_CONTEXT);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(empty, PN_CAP_NULL);
}

TEST(cnode_rotate_endpoint_or_notification_fails)
{
    /* preserving updates null every EP/NTFN cap: Rotate fails if either moved cap is one */
    pn_word_t tcb = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_word_t dest = slot_alloc();
    EXPECT(cn_rotate(dest, 0, tcb, 0, ep), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(dest, 0, ep, 0, tcb), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(dest, 0, tcb, 0, ntfn), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(dest, 0, ntfn, 0, tcb), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(dest, 0, ep, 0, ntfn), PN_ILLEGAL_OPERATION);
    EXPECT(cn_rotate(tcb, 0, ep, 0, tcb), PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(tcb, PN_CAP_THREAD);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(ntfn, PN_CAP_NOTIFICATION);
}
