/* Issue 3: CNode Delete, Revoke and CancelBadgedSends (invocations.md §3.2; semantics.md
 * §1, §4, §9), including a revoke long enough to be preempted. */
#include "captest.h"

TEST(cnode_delete_removes_one_cap)
{
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t b = copy_new(a, PN_RIGHTS_ALL), c = copy_new(b, PN_RIGHTS_ALL);
    EXPECT_OK(cn_delete(b));
    CHECK_CAP_TYPE(b, PN_CAP_NULL);
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(c, PN_CAP_ENDPOINT);
    /* an empty slot: no-op success */
    EXPECT_OK(cn_delete(b));
    EXPECT_OK(cn_delete(slot_alloc()));
    /* the library wrapper */
    CHECK_EQ(pn_cnode_delete(ROOT, c, 64), 0);
    CHECK_CAP_TYPE(c, PN_CAP_NULL);
    /* the slot can be reused at once */
    copy_ok(b, a, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT);
    /* deleting the original leaves the copy */
    delete_ok(a);
    CHECK_CAP_TYPE(a, PN_CAP_NULL);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT);
}

TEST(cnode_delete_every_object_type)
{
    /* the last cap of each kind of object: the slot empties; the memory goes back to the
     * untyped once it has no children left (invocations.md §3.1 step 10) */
    static const struct {
        pn_word_t type, size_bits;
    } objs[] = {
        {PN_OBJ_UNTYPED, 8},       {PN_OBJ_TCB, 0},           {PN_OBJ_ENDPOINT, 0},
        {PN_OBJ_NOTIFICATION, 0},  {PN_OBJ_CNODE, 3},         {PN_OBJ_SCHED_CONTEXT, 8},
        {PN_OBJ_REPLY, 0},         {PN_OBJ_X86_PDPT, 0},      {PN_OBJ_X64_PML4, 0},
        {PN_OBJ_X86_4K, 0},        {PN_OBJ_X86_PAGE_TABLE, 0}, {PN_OBJ_X86_PAGE_DIRECTORY, 0},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(objs); i++) {
        pn_word_t ut = ram_untyped(13), s = slots_alloc(2);
        retype_ok(ut, objs[i].type, objs[i].size_bits, s, 2);
        CHECK_CMP(pn_debug_cap_identify(s), !=, PN_CAP_NULL);
        EXPECT_OK(cn_delete(s));
        CHECK_CAP_TYPE(s, PN_CAP_NULL);
        /* one object left: still a child, no reset */
        CHECK_EQ(untyped_free_bytes(ut),
                 (1ul << 13) - 2 * object_bytes(objs[i].type, objs[i].size_bits));
        EXPECT_OK(cn_delete(s + 1));
        CHECK_CAP_TYPE(s + 1, PN_CAP_NULL);
        CHECK_EQ(untyped_free_bytes(ut), 1ul << 13);
    }
}

TEST(cnode_delete_last_cnode_cap_deletes_its_slots)
{
    /* semantics.md §4: deleting the last cap of a CNode deletes every slot in it.  The
     * only cap to a child untyped is moved into a CNode; deleting the CNode must remove
     * it, which leaves the parent untyped without children (so a Retype resets it). */
    pn_word_t parent = ram_untyped(12), child = slot_alloc();
    retype_ok(parent, PN_OBJ_UNTYPED, 12, child, 1);
    CHECK_EQ(untyped_free_bytes(parent), 0);
    pn_word_t cn = obj_new(PN_OBJ_CNODE, 2);
    EXPECT_OK(call(cn, PN_CNODE_MOVE, W(1, 2, child, 64), C(ROOT)));
    CHECK_CAP_TYPE(child, PN_CAP_NULL);
    /* other slots hold copies of objects that live on */
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    EXPECT_OK(call(cn, PN_CNODE_COPY, W(0, 2, ep, 64, PN_RIGHTS_ALL), C(ROOT)));
    EXPECT_OK(call(cn, PN_CNODE_COPY, W(3, 2, PN_CAP_SLOT_INIT_TCB, 64, PN_RIGHTS_ALL),
                   C(ROOT)));
    CHECK_EQ(untyped_free_bytes(parent), 0);
    /* a copy of the CNode cap: deleting one of two caps finalises nothing */
    pn_word_t cn2 = copy_new(cn, PN_RIGHTS_ALL);
    delete_ok(cn);
    CHECK_EQ(untyped_free_bytes(parent), 0);
    delete_ok(cn2);
    CHECK_EQ(untyped_free_bytes(parent), 1ul << 12);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(PN_CAP_SLOT_INIT_TCB, PN_CAP_THREAD);
}

TEST(cnode_delete_nested_cnodes)
{
    /* A CNode holding the last cap of another CNode holding the last cap of an untyped.
     * Deleting the outer CNode's last cap empties its slot; whatever deletion leaves of
     * the inner CNode (upstream seL4 parks it as a zombie in its own first slot, which the
     * spec does not describe) is a descendant of the untyped both CNodes came from, so
     * revoking that untyped deletes the inner CNode's slots: the child untyped is gone
     * and its parent can be reset. */
    pn_word_t parent = ram_untyped(12), child = slot_alloc();
    retype_ok(parent, PN_OBJ_UNTYPED, 12, child, 1);
    pn_word_t cnodes = ram_untyped(12), outer = slots_alloc(2), inner = outer + 1;
    retype_ok(cnodes, PN_OBJ_CNODE, 2, outer, 2);
    EXPECT_OK(call(inner, PN_CNODE_MOVE, W(2, 2, child, 64), C(ROOT)));
    EXPECT_OK(call(outer, PN_CNODE_MOVE, W(0, 2, inner, 64), C(ROOT)));
    CHECK_CAP_TYPE(inner, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(parent), 0);
    delete_ok(outer);
    CHECK_CAP_TYPE(outer, PN_CAP_NULL);
    revoke_ok(cnodes);
    CHECK_EQ(untyped_free_bytes(parent), 1ul << 12);
    CHECK_EQ(untyped_free_bytes(cnodes), 1ul << 12);
}

TEST(cnode_delete_check_order)
{
    EXPECT(call(ROOT, PN_CNODE_DELETE, W(slot_alloc()), NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_DELETE, W(slot_alloc(), 0), NO_CAPS), PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_DELETE, W(0, 60), NO_CAPS), PN_FAILED_LOOKUP,
           LF_DEPTH(0, 60, 64));
    /* extra words and caps are ignored */
    pn_word_t a = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    EXPECT_OK(call(ROOT, PN_CNODE_DELETE, W(a, 64, 1, 2, 3), C(ROOT)));
    CHECK_CAP_TYPE(a, PN_CAP_NULL);
}

TEST(cnode_revoke_deletes_descendants)
{
    /* the original endpoint cap (made by Retype: revocable) is parent of its copies,
     * copies of copies and badged children with their own copies */
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t b = copy_new(a, PN_RIGHTS_ALL), c = copy_new(b, PN_RIGHTS_ALL);
    pn_word_t d = slot_alloc();
    mint_ok(d, a, PN_RIGHTS_ALL, 77);
    pn_word_t e = copy_new(d, PN_RIGHTS_RW);
    pn_word_t moved = slot_alloc();
    move_ok(moved, c);
    EXPECT_OK(cn_revoke(a));
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(b, PN_CAP_NULL);
    CHECK_CAP_TYPE(moved, PN_CAP_NULL);
    CHECK_CAP_TYPE(d, PN_CAP_NULL);
    CHECK_CAP_TYPE(e, PN_CAP_NULL);
    /* revoking again: nothing left to do */
    EXPECT_OK(cn_revoke(a));
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    /* the wrapper */
    pn_word_t f = copy_new(a, PN_RIGHTS_ALL);
    CHECK_EQ(pn_cnode_revoke(ROOT, a, 64), 0);
    CHECK_CAP_TYPE(f, PN_CAP_NULL);
}

TEST(cnode_revoke_noop_cases)
{
    /* semantics.md §1: Revoke of an empty slot or of a non-revocable cap (an unbadged
     * copy) does nothing, even when later caps in the CDT refer to the same object */
    EXPECT_OK(cn_revoke(slot_alloc()));
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t b = copy_new(a, PN_RIGHTS_ALL), c = copy_new(b, PN_RIGHTS_ALL);
    EXPECT_OK(cn_revoke(b));
    CHECK_CAP_TYPE(c, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT);
    /* copies of boot caps are not revocable either */
    pn_word_t t1 = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t t2 = copy_new(t1, PN_RIGHTS_ALL);
    EXPECT_OK(cn_revoke(t1));
    CHECK_CAP_TYPE(t2, PN_CAP_THREAD);
}

TEST(cnode_revoke_retyped_cap_revokes_copies)
{
    /* Retype makes revocable caps; their copies are their descendants (any type) */
    pn_word_t objs[] = {obj_new(PN_OBJ_TCB, 0), obj_new(PN_OBJ_CNODE, 2),
                        obj_new(PN_OBJ_SCHED_CONTEXT, 7), obj_new(PN_OBJ_X86_4K, 0),
                        obj_new(PN_OBJ_REPLY, 0), obj_new(PN_OBJ_NOTIFICATION, 0)};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(objs); i++) {
        pn_word_t tag = pn_debug_cap_identify(objs[i]);
        pn_word_t c1 = copy_new(objs[i], PN_RIGHTS_ALL);
        pn_word_t c2 = copy_new(c1, PN_RIGHTS_ALL);
        revoke_ok(objs[i]);
        CHECK_CAP_TYPE(c1, PN_CAP_NULL);
        CHECK_CAP_TYPE(c2, PN_CAP_NULL);
        CHECK_CAP_TYPE(objs[i], tag);
    }
}

TEST(cnode_revoke_check_order)
{
    EXPECT(call(ROOT, PN_CNODE_REVOKE, W(slot_alloc()), NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_REVOKE, W(slot_alloc(), 65), NO_CAPS), PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_REVOKE, W(slot_alloc(), 2), NO_CAPS), PN_FAILED_LOOKUP,
           LF_GUARD(0, 2, 0, ROOT_GUARD_BITS));
}

/* ---- CancelBadgedSends ---- */

TEST(cnode_cancel_badged_sends_needs_full_rights_endpoint)
{
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), badged = slot_alloc();
    mint_ok(badged, ep, PN_RIGHTS_ALL, 9);
    EXPECT_OK(cn_cancel_badged_sends(ep));     /* badge 0: no-op */
    EXPECT_OK(cn_cancel_badged_sends(badged)); /* nobody queued */
    CHECK_EQ(pn_cnode_cancel_badged_sends(ROOT, badged, 64), 0);
    /* any missing right */
    static const pn_word_t rights[] = {PN_RIGHTS_ALL & ~PN_RIGHT_WRITE,
                                       PN_RIGHTS_ALL & ~PN_RIGHT_READ,
                                       PN_RIGHTS_ALL & ~PN_RIGHT_GRANT,
                                       PN_RIGHTS_ALL & ~PN_RIGHT_GRANT_REPLY, 0};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(rights); i++) {
        EXPECT(cn_cancel_badged_sends(copy_new(ep, rights[i])), PN_ILLEGAL_OPERATION);
        EXPECT(cn_cancel_badged_sends(copy_new(badged, rights[i])), PN_ILLEGAL_OPERATION);
    }
    /* not an endpoint, or empty */
    pn_word_t others[] = {slot_alloc(), obj_new(PN_OBJ_NOTIFICATION, 0), PN_CAP_SLOT_INIT_TCB,
                          ROOT, obj_new(PN_OBJ_REPLY, 0), PN_CAP_SLOT_IO_PORT_CONTROL};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(cn_cancel_badged_sends(others[i]), PN_ILLEGAL_OPERATION);
    /* the caps are untouched */
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(badged, PN_CAP_ENDPOINT);
}

TEST(cnode_cancel_badged_sends_check_order)
{
    EXPECT(call(ROOT, PN_CNODE_CANCEL_BADGED_SENDS, W(slot_alloc()), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_CANCEL_BADGED_SENDS, W(slot_alloc(), 0), NO_CAPS),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_CANCEL_BADGED_SENDS, W(1ul << 20, 64), NO_CAPS),
           PN_FAILED_LOOKUP, LF_GUARD(0, 64, 0, ROOT_GUARD_BITS));
}

/* ---- a revoke that must be preempted ---- */

#define BIG_CNODE_BITS 16

TEST(cnode_revoke_is_preemptible)
{
    /* 2^16 copies of one endpoint cap in a CNode of 2^16 slots: revoking the original is
     * one Call that the kernel preempts (semantics.md §9: a preemption point after each
     * deleted descendant) and restarts transparently; Pecan's debug counter shows it */
    const pn_word_t n = 1ul << BIG_CNODE_BITS;
    pn_word_t cn = obj_new(PN_OBJ_CNODE, BIG_CNODE_BITS), ep = obj_new(PN_OBJ_ENDPOINT, 0);
    for (pn_word_t i = 0; i < n; i++) {
        pn_word_t e = pn_cnode_copy(cn, i, BIG_CNODE_BITS, ROOT, ep, 64, PN_RIGHTS_ALL);
        if (e)
            FAIL("copy %lu of %lu: error %lu", i, n, e);
    }
    pn_word_t before = pn_debug_preemptions();
    reply_t r = cn_revoke(ep);
    pn_word_t after = pn_debug_preemptions();
    EXPECT_OK(r);
    CHECK_CMP(after, >, before);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    /* every copy is gone: Retype can fill all 2^16 slots again (it refuses with
     * DeleteFirst if any slot of a batch is occupied) */
    pn_word_t ut = ram_untyped(BIG_CNODE_BITS + PN_ENDPOINT_BITS);
    for (pn_word_t i = 0; i < n; i += PN_CONFIG_RETYPE_FAN_OUT_LIMIT) {
        reply_t f = call(ut, PN_UNTYPED_RETYPE,
                         W(PN_OBJ_ENDPOINT, 0, 0, 0, i, PN_CONFIG_RETYPE_FAN_OUT_LIMIT), C(cn));
        if (f.info != 0)
            FAIL("slots %lu..%lu of the big CNode after the revoke: Retype error %lu", i,
                 i + PN_CONFIG_RETYPE_FAN_OUT_LIMIT - 1, pn_msginfo_label(f.info));
    }
    pn_word_t tmp = slot_alloc();
    /* and the endpoint is still usable as a source */
    copy_ok(tmp, ep, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(tmp, PN_CAP_ENDPOINT);
}

TEST(cnode_delete_is_preemptible)
{
    /* deleting the last cap of a CNode full of caps goes through a zombie with a
     * preemption point after each slot (semantics.md §9): 2^16 endpoints (the only caps
     * to them, made by Retype straight into the CNode) outlast the root task's budget.
     * Afterwards the endpoints' untyped has no children left. */
    const pn_word_t n = 1ul << BIG_CNODE_BITS;
    pn_word_t ut = ram_untyped(BIG_CNODE_BITS + PN_ENDPOINT_BITS);
    pn_word_t cn = obj_new(PN_OBJ_CNODE, BIG_CNODE_BITS);
    for (pn_word_t i = 0; i < n; i += PN_CONFIG_RETYPE_FAN_OUT_LIMIT) {
        reply_t r = call(ut, PN_UNTYPED_RETYPE,
                         W(PN_OBJ_ENDPOINT, 0, 0, 0, i, PN_CONFIG_RETYPE_FAN_OUT_LIMIT), C(cn));
        EXPECT_OK(r);
    }
    CHECK_EQ(untyped_free_bytes(ut), 0);
    pn_word_t before = pn_debug_preemptions();
    reply_t r = cn_delete(cn);
    pn_word_t after = pn_debug_preemptions();
    EXPECT_OK(r);
    CHECK_CMP(after, >, before);
    CHECK_CAP_TYPE(cn, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), n << PN_ENDPOINT_BITS);
}

TEST(cnode_revoke_untyped_is_preemptible)
{
    /* revoking an untyped with 2^16 children (semantics.md §9) */
    const pn_word_t n = 1ul << BIG_CNODE_BITS;
    pn_word_t ut = ram_untyped(BIG_CNODE_BITS + PN_NOTIFICATION_BITS);
    pn_word_t cn = obj_new(PN_OBJ_CNODE, BIG_CNODE_BITS);
    for (pn_word_t i = 0; i < n; i += PN_CONFIG_RETYPE_FAN_OUT_LIMIT) {
        reply_t r = call(ut, PN_UNTYPED_RETYPE,
                         W(PN_OBJ_NOTIFICATION, 0, 0, 0, i, PN_CONFIG_RETYPE_FAN_OUT_LIMIT),
                         C(cn));
        EXPECT_OK(r);
    }
    pn_word_t before = pn_debug_preemptions();
    reply_t r = cn_revoke(ut);
    pn_word_t after = pn_debug_preemptions();
    EXPECT_OK(r);
    CHECK_CMP(after, >, before);
    /* no child left: every one of the 2^16 caps is gone (and the untyped resets) */
    CHECK_EQ(untyped_free_bytes(ut), n << PN_NOTIFICATION_BITS);
    CHECK_CAP_TYPE(ut, PN_CAP_UNTYPED);
}
