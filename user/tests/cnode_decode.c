/* Issue 3: what every CNode method checks first (invocations.md §1 and the notes of
 * §3.2): the label (IllegalOperation before any length check), then length < 2
 * (TruncatedMessage), then the destination slot MR0/MR1 resolved in the invoked CNode
 * (source flag 0; depth outside 1..64 => RangeError(1, 64); lookup failures as
 * FailedLookup with faults.md §4's words) -- for every method, before anything else it
 * checks. */
#include "captest.h"

static const pn_word_t cnode_methods[] = {
    PN_CNODE_REVOKE, PN_CNODE_DELETE, PN_CNODE_CANCEL_BADGED_SENDS, PN_CNODE_COPY,
    PN_CNODE_MINT,   PN_CNODE_MOVE,   PN_CNODE_MUTATE,             PN_CNODE_ROTATE,
};

/* A complete, otherwise valid argument list for each method, with the destination
 * (index, depth) given; sources are an endpoint in `src` (pivot: `pivot`). */
static reply_t call_method(pn_word_t label, pn_word_t index, pn_word_t depth, pn_word_t src,
                           pn_word_t pivot)
{
    switch (label) {
    case PN_CNODE_COPY:
        return call(ROOT, label, W(index, depth, src, ROOT_DEPTH, PN_RIGHTS_ALL), C(ROOT));
    case PN_CNODE_MINT:
        return call(ROOT, label, W(index, depth, src, ROOT_DEPTH, PN_RIGHTS_ALL, 0), C(ROOT));
    case PN_CNODE_MOVE:
        return call(ROOT, label, W(index, depth, src, ROOT_DEPTH), C(ROOT));
    case PN_CNODE_MUTATE:
        return call(ROOT, label, W(index, depth, src, ROOT_DEPTH, 0), C(ROOT));
    case PN_CNODE_ROTATE:
        return call(ROOT, label, W(index, depth, 0, pivot, ROOT_DEPTH, 0, src, ROOT_DEPTH),
                    C(ROOT, ROOT));
    default:
        return call(ROOT, label, W(index, depth), NO_CAPS);
    }
}

TEST(cnode_invoke_null_cap)
{
    /* invocations.md §1: invoking a null cap => InvalidCapability, MR0 = 0 */
    pn_word_t empty = slot_alloc();
    CHECK_CAP_TYPE(empty, PN_CAP_NULL);
    EXPECT(call(empty, PN_CNODE_COPY, W(slot_alloc(), 64, PN_CAP_SLOT_INIT_TCB, 64, 0xf),
                C(ROOT)),
           PN_INVALID_CAPABILITY, 0);
    EXPECT(call(empty, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, 0, 0, slot_alloc(), 1),
                C(ROOT)),
           PN_INVALID_CAPABILITY, 0);
    EXPECT(call(empty, 0, NO_WORDS, NO_CAPS), PN_INVALID_CAPABILITY, 0);
}

TEST(cnode_unknown_label_illegal)
{
    static const pn_word_t labels[] = {
        PN_INVALID_INVOCATION,   PN_UNTYPED_RETYPE,           PN_TCB_SET_FLAGS,
        PN_IRQ_ISSUE_IRQ_HANDLER, PN_X86_IOPORT_CONTROL_ISSUE, PN_X86_IOPORT_IN8,
        PN_INVOCATION_LABEL_COUNT, 0xfffff,
    };
    pn_word_t dest = slot_alloc();
    for (unsigned i = 0; i < PN_ARRAY_SIZE(labels); i++) {
        /* no words at all: the label is checked before the length */
        EXPECT(call(ROOT, labels[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        /* a full Copy-like message changes nothing */
        EXPECT(call(ROOT, labels[i], W(dest, 64, PN_CAP_SLOT_INIT_TCB, 64, 0xf, 0), C(ROOT)),
               PN_ILLEGAL_OPERATION);
    }
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
}

TEST(cnode_short_message_truncated)
{
    pn_word_t dest = slot_alloc();
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cnode_methods); i++) {
        pn_word_t l = cnode_methods[i];
        EXPECT(call(ROOT, l, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
        EXPECT(call(ROOT, l, W(dest), NO_CAPS), PN_TRUNCATED_MESSAGE);
        /* extra caps do not make up for missing words */
        EXPECT(call(ROOT, l, W(dest), C(ROOT, ROOT)), PN_TRUNCATED_MESSAGE);
    }
}

TEST(cnode_dest_depth_out_of_range)
{
    pn_word_t dest = slot_alloc(), ep = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t pivot = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    static const pn_word_t bad_depths[] = {0, 65, 128, 1ul << 32, ~0ul};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cnode_methods); i++) {
        pn_word_t l = cnode_methods[i];
        for (unsigned d = 0; d < PN_ARRAY_SIZE(bad_depths); d++) {
            EXPECT(call_method(l, dest, bad_depths[d], ep, pivot), PN_RANGE_ERROR, 1, 64);
            /* the destination is resolved before the method's own length check */
            EXPECT(call(ROOT, l, W(dest, bad_depths[d]), NO_CAPS), PN_RANGE_ERROR, 1, 64);
        }
    }
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(pivot, PN_CAP_THREAD);
}

TEST(cnode_dest_lookup_failures)
{
    /* The root CNode: radix r, guard 0 of size 64 - r (types.md §5), so only depth 64
     * reaches its slots. */
    const pn_word_t r = ROOT_BITS, g = ROOT_GUARD_BITS;
    pn_word_t dest = slot_alloc(), ep = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t pivot = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cnode_methods); i++) {
        pn_word_t l = cnode_methods[i];
        /* fewer bits than the guard: GuardMismatch(bitsLeft = depth, guard 0, size g) */
        EXPECT(call_method(l, dest, r, ep, pivot), PN_FAILED_LOOKUP, LF_GUARD(0, r, 0, g));
        EXPECT(call_method(l, dest, 1, ep, pivot), PN_FAILED_LOOKUP, LF_GUARD(0, 1, 0, g));
        EXPECT(call_method(l, dest, g - 1, ep, pivot), PN_FAILED_LOOKUP,
               LF_GUARD(0, g - 1, 0, g));
        /* a guard bit set */
        EXPECT(call_method(l, dest | 1ul << r, 64, ep, pivot), PN_FAILED_LOOKUP,
               LF_GUARD(0, 64, 0, g));
        EXPECT(call_method(l, dest | 1ul << 63, 64, ep, pivot), PN_FAILED_LOOKUP,
               LF_GUARD(0, 64, 0, g));
        /* guard matched (index 0: the top 51 of the low `depth` bits are 0) but too few
         * bits for guard + radix: DepthMismatch(depth, 64) */
        EXPECT(call_method(l, 0, g, ep, pivot), PN_FAILED_LOOKUP, LF_DEPTH(0, g, 64));
        EXPECT(call_method(l, 0, 63, ep, pivot), PN_FAILED_LOOKUP, LF_DEPTH(0, 63, 64));
        /* at depth 51 the whole index is guard: a non-zero index mismatches */
        EXPECT(call_method(l, 1, g, ep, pivot), PN_FAILED_LOOKUP, LF_GUARD(0, g, 0, g));
        /* and before the method's own length check */
        EXPECT(call(ROOT, l, W(dest, r), NO_CAPS), PN_FAILED_LOOKUP, LF_GUARD(0, r, 0, g));
        EXPECT(call(ROOT, l, W(0, 63), NO_CAPS), PN_FAILED_LOOKUP, LF_DEPTH(0, 63, 64));
    }
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    CHECK_CAP_TYPE(ep, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(pivot, PN_CAP_THREAD);
}

TEST(cnode_invoke_with_send_and_nbsend)
{
    /* invocations.md §1: Send and NBSend invoke like Call but produce no reply; errors
     * are discarded */
    pn_word_t ep = obj_new(PN_OBJ_ENDPOINT, 0), a = slot_alloc(), b = slot_alloc();
    pn_msg_t m = {.info = pn_msginfo(PN_CNODE_COPY, 0, 1, 5),
                  .mr = {a, 64, ep, 64}};
    pn_ipc->msg[4] = PN_RIGHTS_ALL;
    pn_ipc->caps_or_badges[0] = ROOT;
    pn_send(ROOT, &m);
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    m.mr[0] = b;
    pn_nb_send(ROOT, &m);
    CHECK_CAP_TYPE(b, PN_CAP_ENDPOINT);
    /* a failing one (destination occupied) does nothing, and nothing is reported */
    pn_word_t c = slot_alloc();
    m.mr[2] = c;
    m.info = pn_msginfo(PN_CNODE_MOVE, 0, 1, 4);
    m.mr[0] = a;
    pn_send(ROOT, &m);
    pn_nb_send(ROOT, &m);
    CHECK_CAP_TYPE(a, PN_CAP_ENDPOINT);
    /* an untyped retypes through Send too */
    pn_word_t ut = ram_untyped(12), t = slot_alloc();
    pn_msg_t r = {.info = pn_msginfo(PN_UNTYPED_RETYPE, 0, 1, 6),
                  .mr = {PN_OBJ_NOTIFICATION, 0, 0, 0}};
    pn_ipc->msg[4] = t;
    pn_ipc->msg[5] = 1;
    pn_ipc->caps_or_badges[0] = ROOT;
    pn_nb_send(ut, &r);
    CHECK_CAP_TYPE(t, PN_CAP_NOTIFICATION);
}
