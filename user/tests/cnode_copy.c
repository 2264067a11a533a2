/* Issue 3: CNode Copy and Mint (invocations.md §3.2; semantics.md §1, §2; types.md §3,
 * §6).  Check order after the destination lookup: length < 4 or no C[0] => Truncated;
 * destination occupied => DeleteFirst; source lookup in C[0] (flag 1); source empty =>
 * FailedLookup(1, MissingCapability, src depth); only then Copy's 5th / Mint's 6th word;
 * then the new cap (derive errors, null => IllegalOperation). */
#include "captest.h"

/* Every cap type the root task has or can make, with its DebugCapIdentify tag, copied and
 * minted (data ignored for all but EP/NTFN badges and CNode guards). */
TEST(cnode_copy_and_mint_every_copyable_type)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    struct {
        pn_word_t slot, tag;
    } caps[] = {
        {PN_CAP_SLOT_INIT_TCB, PN_CAP_THREAD},
        {PN_CAP_SLOT_INIT_CNODE, PN_CAP_CNODE},
        {PN_CAP_SLOT_INIT_VSPACE, PN_CAP_PML4}, /* mapped (ASID 1) */
        {PN_CAP_SLOT_ASID_CONTROL, PN_CAP_ASID_CONTROL},
        {PN_CAP_SLOT_INIT_ASID_POOL, PN_CAP_ASID_POOL},
        {PN_CAP_SLOT_BOOTINFO_FRAME, PN_CAP_FRAME},
        {PN_CAP_SLOT_INIT_IPC_BUFFER, PN_CAP_FRAME},
        {PN_CAP_SLOT_DOMAIN, PN_CAP_DOMAIN},
        {PN_CAP_SLOT_INIT_SC, PN_CAP_SCHED_CONTEXT},
        {bi->sched_control.start, PN_CAP_SCHED_CONTROL},
        {bi->user_image_paging.start, PN_CAP_PDPT}, /* the initial paging caps are mapped */
        {bi->user_image_paging.end - 1, PN_CAP_PAGE_TABLE},
        {bi->user_image_frames.start, PN_CAP_FRAME},
        {bi->extra_bi_pages.start, PN_CAP_FRAME},
        {ram_untyped(12), PN_CAP_UNTYPED}, /* no children */
        {obj_new(PN_OBJ_ENDPOINT, 0), PN_CAP_ENDPOINT},
        {obj_new(PN_OBJ_NOTIFICATION, 0), PN_CAP_NOTIFICATION},
        {obj_new(PN_OBJ_REPLY, 0), PN_CAP_REPLY},
        {obj_new(PN_OBJ_TCB, 0), PN_CAP_THREAD},
        {obj_new(PN_OBJ_CNODE, 3), PN_CAP_CNODE},
        {obj_new(PN_OBJ_SCHED_CONTEXT, 8), PN_CAP_SCHED_CONTEXT},
        {obj_new(PN_OBJ_X86_4K, 0), PN_CAP_FRAME}, /* frames need not be mapped */
        {obj_new(PN_OBJ_X86_LARGE_PAGE, 0), PN_CAP_FRAME},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(caps); i++) {
        pn_word_t src = caps[i].slot, tag = caps[i].tag;
        CHECK_CAP_TYPE(src, tag);
        /* a chain, each made from the previous one (an untyped copy is a child of its
         * source, so the source cannot be derived from again) */
        pn_word_t c = slot_alloc(), m = slot_alloc(), cc = slot_alloc();
        EXPECT_OK(cn_copy(c, src, PN_RIGHTS_ALL));
        CHECK_CAP_TYPE(c, tag);
        /* badge 0 / guard size 0 keeps every type non-null */
        EXPECT_OK(cn_mint(m, c, PN_RIGHTS_ALL, 0));
        CHECK_CAP_TYPE(m, tag);
        EXPECT_OK(cn_copy(cc, m, PN_RIGHTS_ALL));
        CHECK_CAP_TYPE(cc, tag);
        CHECK_CAP_TYPE(src, tag);
    }
    /* data is ignored for caps other than EP/NTFN/CNode: any word works, even twice */
    pn_word_t tcb2 = slot_alloc(), tcb3 = slot_alloc();
    EXPECT_OK(cn_mint(tcb2, PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL, 0x123456789ul));
    EXPECT_OK(cn_mint(tcb3, tcb2, PN_RIGHTS_ALL, ~0ul));
    CHECK_CAP_TYPE(tcb3, PN_CAP_THREAD);
}

TEST(cnode_copy_refused_derivations)
{
    /* semantics.md §2 deriveCap: IRQControl/IOPortControl derive to null =>
     * IllegalOperation; unmapped paging structures => IllegalOperation; an untyped with
     * children => RevokeFirst.  The destination stays empty. */
    pn_word_t dest = slot_alloc();
    struct {
        pn_word_t slot, error;
    } refused[] = {
        {PN_CAP_SLOT_IRQ_CONTROL, PN_ILLEGAL_OPERATION},
        {PN_CAP_SLOT_IO_PORT_CONTROL, PN_ILLEGAL_OPERATION},
        {obj_new(PN_OBJ_X64_PML4, 0), PN_ILLEGAL_OPERATION},
        {obj_new(PN_OBJ_X86_PDPT, 0), PN_ILLEGAL_OPERATION},
        {obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0), PN_ILLEGAL_OPERATION},
        {obj_new(PN_OBJ_X86_PAGE_TABLE, 0), PN_ILLEGAL_OPERATION},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(refused); i++) {
        EXPECT(cn_copy(dest, refused[i].slot, PN_RIGHTS_ALL), refused[i].error);
        EXPECT(cn_mint(dest, refused[i].slot, PN_RIGHTS_ALL, 0), refused[i].error);
        CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    }
    pn_word_t ut = ram_untyped(12);
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1);
    EXPECT(cn_copy(dest, ut, PN_RIGHTS_ALL), PN_REVOKE_FIRST);
    EXPECT(cn_mint(dest, ut, PN_RIGHTS_ALL, 0), PN_REVOKE_FIRST);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* every one of them can still be moved (no derive) */
    pn_word_t pt = refused[5].slot;
    move_ok(dest, pt);
    CHECK_CAP_TYPE(dest, PN_CAP_PAGE_TABLE);
    CHECK_CAP_TYPE(pt, PN_CAP_NULL);
}

TEST(cnode_copy_check_order)
{
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), dest = slot_alloc(), empty = slot_alloc();
    pn_word_t full = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    pn_word_t tcb = PN_CAP_SLOT_INIT_TCB;
    /* length < 4 or no C[0] */
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 64, PN_RIGHTS_ALL), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    /* ... checked before the destination's emptiness */
    EXPECT(call(ROOT, PN_CNODE_COPY, W(full, 64, ep), C(ROOT)), PN_TRUNCATED_MESSAGE);
    /* destination occupied, before anything about the source */
    EXPECT(cn_copy(full, ep, PN_RIGHTS_ALL), PN_DELETE_FIRST);
    EXPECT(cn_copy(full, empty, PN_RIGHTS_ALL), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(full, 64, ep, 64, PN_RIGHTS_ALL), C(tcb)),
           PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(full, 64, ep, 0, PN_RIGHTS_ALL), C(ROOT)),
           PN_DELETE_FIRST);
    EXPECT(cn_copy(ep, ep, PN_RIGHTS_ALL), PN_DELETE_FIRST); /* onto itself */
    /* the source lookup */
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 64, PN_RIGHTS_ALL), C(tcb)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 0, PN_RIGHTS_ALL), C(ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 65, PN_RIGHTS_ALL), C(ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, ROOT_BITS, PN_RIGHTS_ALL), C(ROOT)),
           PN_FAILED_LOOKUP, LF_GUARD(1, ROOT_BITS, 0, ROOT_GUARD_BITS));
    /* empty source: MissingCapability with bitsLeft = the source depth */
    EXPECT(cn_copy(dest, empty, PN_RIGHTS_ALL), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    /* ... found before the rights word is missed */
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, empty, 64), C(ROOT)), PN_FAILED_LOOKUP,
           LF_MISSING(1, 64));
    /* a source and no rights word */
    EXPECT(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 64), C(ROOT)), PN_TRUNCATED_MESSAGE);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* extra words are ignored */
    EXPECT_OK(call(ROOT, PN_CNODE_COPY, W(dest, 64, ep, 64, PN_RIGHTS_ALL, 7, 8), C(ROOT)));
    CHECK_CAP_TYPE(dest, PN_CAP_ENDPOINT);
}

TEST(cnode_mint_check_order)
{
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), dest = slot_alloc(), empty = slot_alloc();
    pn_word_t full = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 64, PN_RIGHTS_ALL, 1), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(cn_mint(full, ep, PN_RIGHTS_ALL, 1), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MINT, W(full, 64, ep, 64), C(ROOT)), PN_DELETE_FIRST);
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 64, PN_RIGHTS_ALL, 1),
                C(PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(1));
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 65, PN_RIGHTS_ALL, 1), C(ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(cn_mint(dest, empty, PN_RIGHTS_ALL, 1), PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    /* the source is looked at before the 5th and 6th words are missed */
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, empty, 64, PN_RIGHTS_ALL), C(ROOT)),
           PN_FAILED_LOOKUP, LF_MISSING(1, 64));
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, empty, 64), C(ROOT)), PN_FAILED_LOOKUP,
           LF_MISSING(1, 64));
    /* Mint needs 6 words */
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 64, PN_RIGHTS_ALL), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ROOT, PN_CNODE_MINT, W(dest, 64, ep, 64), C(ROOT)), PN_TRUNCATED_MESSAGE);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    EXPECT_OK(cn_mint(dest, ep, PN_RIGHTS_ALL, 1));
    CHECK_CAP_TYPE(dest, PN_CAP_ENDPOINT);
}

/* CancelBadgedSends needs an endpoint cap with all four rights (invocations.md §1 rights
 * table), which makes an endpoint cap's rights visible. */
static int ep_has_all_rights(pn_word_t slot)
{
    reply_t r = cn_cancel_badged_sends(slot);
    if (pn_msginfo_label(r.info) == PN_NO_ERROR) {
        EXPECT_OK(r);
        return 1;
    }
    EXPECT(r, PN_ILLEGAL_OPERATION);
    return 0;
}

TEST(cnode_copy_masks_rights)
{
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    CHECK(ep_has_all_rights(ep));
    CHECK(ep_has_all_rights(copy_new(ep, PN_RIGHTS_ALL)));
    /* bits above GrantReply are ignored */
    CHECK(ep_has_all_rights(copy_new(ep, ~0ul)));
    CHECK(ep_has_all_rights(copy_new(ep, 0xfff0ul | PN_RIGHTS_ALL)));
    static const pn_word_t fewer[] = {
        0, PN_RIGHT_WRITE, PN_RIGHT_READ, PN_RIGHTS_RW, 0xe /* NoWrite */, 0xd /* NoRead */,
        PN_RIGHTS_ALL & ~PN_RIGHT_GRANT, PN_RIGHTS_ALL & ~PN_RIGHT_GRANT_REPLY, 0xfff0ul,
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(fewer); i++) {
        pn_word_t c = copy_new(ep, fewer[i]);
        CHECK_CAP_TYPE(c, PN_CAP_ENDPOINT);
        if (ep_has_all_rights(c))
            FAIL("a copy with rights 0x%lx has all rights", fewer[i]);
        /* masking can only remove rights: copying it back with all rights gives none back */
        pn_word_t cc = copy_new(c, PN_RIGHTS_ALL);
        if (ep_has_all_rights(cc))
            FAIL("a full-rights copy of a copy with rights 0x%lx has all rights", fewer[i]);
        pn_word_t mm = slot_alloc();
        mint_ok(mm, c, PN_RIGHTS_ALL, 0);
        if (ep_has_all_rights(mm))
            FAIL("a full-rights mint of a copy with rights 0x%lx has all rights", fewer[i]);
    }
    /* Mint masks too */
    pn_word_t m = slot_alloc();
    mint_ok(m, ep, PN_RIGHTS_ALL & ~PN_RIGHT_WRITE, 0);
    CHECK(!ep_has_all_rights(m));
    pn_word_t m2 = slot_alloc();
    mint_ok(m2, ep, PN_RIGHTS_ALL, 0x77);
    CHECK(ep_has_all_rights(m2));
    /* the original keeps its rights */
    CHECK(ep_has_all_rights(ep));
}

TEST(cnode_rights_ignored_for_other_caps)
{
    /* invocations.md §1: CNode, Untyped, ... caps carry no rights; every method works on
     * any copy */
    pn_word_t cn = copy_new(ROOT, 0);
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), dest = slot_alloc();
    EXPECT_OK(call(cn, PN_CNODE_COPY, W(dest, 64, ep, 64, PN_RIGHTS_ALL), C(cn)));
    CHECK_CAP_TYPE(dest, PN_CAP_ENDPOINT);
    pn_word_t ut = copy_new(ram_untyped(12), 0), obj = slot_alloc();
    EXPECT_OK(ut_retype(ut, PN_OBJ_NOTIFICATION, 0, obj, 1));
    CHECK_CAP_TYPE(obj, PN_CAP_NOTIFICATION);
}

TEST(cnode_mint_badge_only_once)
{
    /* types.md §6, semantics.md §2: a badge can be set once, on an unbadged cap; any Mint
     * of a badged EP/NTFN cap yields null => IllegalOperation, whatever the data */
    pn_word_t objs[] = {obj_new(PN_OBJ_ENDPOINT, 0), obj_new(PN_OBJ_NOTIFICATION, 0)};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(objs); i++) {
        pn_word_t a = objs[i], tag = pn_debug_cap_identify(a);
        pn_word_t d = slot_alloc(), x = slot_alloc();
        EXPECT_OK(cn_mint(d, a, PN_RIGHTS_ALL, 5));
        CHECK_CAP_TYPE(d, tag);
        EXPECT(cn_mint(x, d, PN_RIGHTS_ALL, 7), PN_ILLEGAL_OPERATION);
        EXPECT(cn_mint(x, d, PN_RIGHTS_ALL, 5), PN_ILLEGAL_OPERATION);
        EXPECT(cn_mint(x, d, PN_RIGHTS_ALL, 0), PN_ILLEGAL_OPERATION);
        CHECK_CAP_TYPE(x, PN_CAP_NULL);
        /* a Copy keeps the badge: minting the copy fails too */
        pn_word_t e = copy_new(d, PN_RIGHTS_ALL);
        CHECK_CAP_TYPE(e, tag);
        EXPECT(cn_mint(x, e, PN_RIGHTS_ALL, 9), PN_ILLEGAL_OPERATION);
        /* a full-word badge */
        pn_word_t w = slot_alloc();
        EXPECT_OK(cn_mint(w, a, PN_RIGHTS_ALL, ~0ul));
        EXPECT(cn_mint(x, w, PN_RIGHTS_ALL, 1), PN_ILLEGAL_OPERATION);
        /* badge 0 is "unbadged": that copy can still be minted */
        pn_word_t u = slot_alloc(), ub = slot_alloc();
        EXPECT_OK(cn_mint(u, a, PN_RIGHTS_ALL, 0));
        EXPECT_OK(cn_mint(ub, u, PN_RIGHTS_ALL, 3));
        EXPECT(cn_mint(x, ub, PN_RIGHTS_ALL, 3), PN_ILLEGAL_OPERATION);
        CHECK_CAP_TYPE(x, PN_CAP_NULL);
        /* the original stays unbadged */
        EXPECT_OK(cn_mint(x, a, PN_RIGHTS_ALL, 11));
    }
}

TEST(cnode_mint_badge_cdt)
{
    /* semantics.md §1: a Mint that sets a badge makes a revocable cap, parent of its
     * same-badge copies only; the unbadged original is parent of everything.
     * CDT order after each insert (new caps go right after their source):
     *   B = Copy(A): A B;  D = Mint(A, 5): A D B;  E = Copy(D): A D E B */
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t b = copy_new(a, PN_RIGHTS_ALL), d = slot_alloc();
    mint_ok(d, a, PN_RIGHTS_ALL, 5);
    pn_word_t e = copy_new(d, PN_RIGHTS_ALL);
    revoke_ok(d);
    CHECK_CAP_TYPE(e, PN_CAP_NULL);
    CHECK_CAP_TYPE(d, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT); /* badge 0 != 5: not D's descendant */
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    revoke_ok(a);
    CHECK_CAP_TYPE(d, PN_CAP_NULL);
    CHECK_CAP_TYPE(b, PN_CAP_NULL);
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);

    /* a badge-0 Mint is an unbadged, non-revocable copy: revoking it does nothing */
    pn_word_t u = slot_alloc();
    mint_ok(u, a, PN_RIGHTS_ALL, 0);
    pn_word_t v = copy_new(u, PN_RIGHTS_ALL);
    revoke_ok(u);
    CHECK_CAP_TYPE(v, PN_CAP_ENDPOINT);
    revoke_ok(a);
    CHECK_CAP_TYPE(u, PN_CAP_NULL);
    CHECK_CAP_TYPE(v, PN_CAP_NULL);

    /* notifications follow the same rules */
    pn_word_t n = obj_new(PN_OBJ_NOTIFICATION, 0), nb = slot_alloc();
    pn_word_t nc = copy_new(n, PN_RIGHTS_ALL);
    mint_ok(nb, n, PN_RIGHTS_ALL, 1);
    pn_word_t nbc = copy_new(nb, PN_RIGHTS_ALL);
    revoke_ok(nb);
    CHECK_CAP_TYPE(nbc, PN_CAP_NULL);
    CHECK_CAP_TYPE(nc, PN_CAP_NOTIFICATION);
    revoke_ok(n);
    CHECK_CAP_TYPE(nb, PN_CAP_NULL);
    CHECK_CAP_TYPE(nc, PN_CAP_NULL);
    CHECK_CAP_TYPE(n, PN_CAP_NOTIFICATION);
}

TEST(cnode_mint_first_badged)
{
    /* semantics.md §1: a badged cap is parent only of same-badge caps that are not
     * "firstBadged"; a Mint that sets a badge makes a firstBadged cap, so an independently
     * minted cap with the same badge is not revoked with another.  CDT orders:
     *   D = Mint(A, 5): A D;  E = Copy(D): A D E;  F = Mint(A, 5): A F D E */
    pn_word_t a = obj_new(PN_OBJ_ENDPOINT, 0), d = slot_alloc(), f = slot_alloc();
    mint_ok(d, a, PN_RIGHTS_ALL, 5);
    pn_word_t e = copy_new(d, PN_RIGHTS_ALL);
    mint_ok(f, a, PN_RIGHTS_ALL, 5);
    revoke_ok(f);
    CHECK_CAP_TYPE(d, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(e, PN_CAP_ENDPOINT);
    revoke_ok(d);
    CHECK_CAP_TYPE(e, PN_CAP_NULL);
    CHECK_CAP_TYPE(f, PN_CAP_ENDPOINT);

    /* When a slot is emptied its firstBadged flag passes to the next entry: after
     * deleting D2, its copy E2 is firstBadged, so revoking a later F2 = Mint(A2, 7)
     * (order A2 F2 E2) leaves E2 alone. */
    pn_word_t a2 = obj_new(PN_OBJ_ENDPOINT, 0), d2 = slot_alloc(), f2 = slot_alloc();
    mint_ok(d2, a2, PN_RIGHTS_ALL, 7);
    pn_word_t e2 = copy_new(d2, PN_RIGHTS_ALL);
    delete_ok(d2);
    mint_ok(f2, a2, PN_RIGHTS_ALL, 7);
    pn_word_t g2 = copy_new(f2, PN_RIGHTS_ALL); /* A2 F2 G2 E2 */
    revoke_ok(f2);
    CHECK_CAP_TYPE(g2, PN_CAP_NULL);
    CHECK_CAP_TYPE(e2, PN_CAP_ENDPOINT);
    revoke_ok(a2);
    CHECK_CAP_TYPE(f2, PN_CAP_NULL);
    CHECK_CAP_TYPE(e2, PN_CAP_NULL);
}
