/* Issue 4: capability transfer in messages (semantics.md §5.4): Grant, unwrapping of caps
 * to the receiving endpoint, the receive slot, one cap per message, extraCaps and
 * capsUnwrapped, transfer at receive time, caps in replies. */
#include "tthread.h"

static void cap_sender(tt_thread_t *t)
{
    unsigned n = (unsigned)t->arg[1];
    for (unsigned i = 0; i < n; i++)
        t->ipc->caps_or_badges[i] = t->arg[2 + i];
    pn_msg_t m = {pn_msginfo(0x77, 0, n, 1), {0xabc, 0, 0, 0}};
    pn_send(t->arg[0], &m);
}

static tt_thread_t *start_cap_sender(pn_cptr_t ep, unsigned n, pn_cptr_t c0, pn_cptr_t c1,
                                     pn_cptr_t c2)
{
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep;
    t->arg[1] = n;
    t->arg[2] = c0;
    t->arg[3] = c1;
    t->arg[4] = c2;
    tt_start(t, cap_sender);
    return t;
}

static void set_receive_slot(pn_cptr_t cnode, pn_word_t index, pn_word_t depth)
{
    pn_ipc->receive_cnode = cnode;
    pn_ipc->receive_index = index;
    pn_ipc->receive_depth = depth;
}

typedef struct {
    pn_cptr_t ep, reply, ep_grant, rs;
} setup_t;

static setup_t setup(void)
{
    setup_t s;
    s.ep = tt_new(PN_OBJ_ENDPOINT, 0);
    s.reply = tt_new(PN_OBJ_REPLY, 0);
    s.ep_grant = tt_copy(s.ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT);
    s.rs = tt_slot();
    set_receive_slot(ROOT_CNODE, s.rs, 64);
    return s;
}

/* Receives one message on s->ep (the sender is started first and runs when we block). */
static pn_msg_t receive(setup_t *s, pn_word_t expect_badge)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    for (unsigned i = 0; i < 3; i++)
        pn_ipc->caps_or_badges[i] = 0xdead;
    pn_word_t badge = pn_recv(s->ep, &m, s->reply);
    CHECK_EQ(badge, expect_badge);
    CHECK_EQ(m.mr[0], 0xabc);
    return m;
}

TEST(ipc_cap_transfer_with_grant)
{
    setup_t s = setup();
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t nb = tt_mint(n, PN_RIGHT_WRITE, 0x55);
    start_cap_sender(s.ep_grant, 1, nb, 0, 0);
    pn_msg_t m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_NOTIFICATION);
    /* badge and rights unchanged: it signals with 0x55 and cannot be waited on */
    pn_signal(s.rs);
    CHECK_EQ(pn_ntfn_poll(n), 0x55);
    EXPECT_ERROR(tt_call(tt_new(PN_OBJ_TCB, 0), PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(s.rs)),
                 PN_ILLEGAL_OPERATION);
    /* the received cap is a CDT child of the sender's slot */
    tt_revoke(nb);
    CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
}

TEST(ipc_cap_transfer_without_grant)
{
    setup_t s = setup();
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    start_cap_sender(tt_copy(s.ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY), 1, n, 0, 0);
    pn_msg_t m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 0, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
    /* not even unwrapping happens without Grant */
    start_cap_sender(tt_mint(s.ep, PN_RIGHT_WRITE, 3), 1, tt_mint(s.ep, PN_RIGHT_WRITE, 4), 0, 0);
    m = receive(&s, 3);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 0, 1));
}

TEST(ipc_cap_unwrapping)
{
    setup_t s = setup();
    pn_cptr_t sender_ep = tt_mint(s.ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT, 0x42);
    start_cap_sender(sender_ep, 1, tt_mint(s.ep, PN_RIGHT_WRITE, 0x99), 0, 0);
    pn_msg_t m = receive(&s, 0x42);
    CHECK_EQ(m.info, pn_msginfo(0x77, 1, 1, 1));
    CHECK_EQ(pn_ipc->caps_or_badges[0], 0x99);
    CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
    /* an unbadged cap to the same endpoint unwraps to badge 0; no receive slot needed */
    set_receive_slot(0, 0, 0);
    start_cap_sender(s.ep_grant, 3, s.ep, tt_mint(s.ep, PN_RIGHT_READ, 6),
                     tt_mint(s.ep, PN_RIGHT_WRITE, 7));
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 7, 3, 1));
    CHECK_EQ(pn_ipc->caps_or_badges[0], 0);
    CHECK_EQ(pn_ipc->caps_or_badges[1], 6);
    CHECK_EQ(pn_ipc->caps_or_badges[2], 7);
    /* a cap to another endpoint is transferred, not unwrapped */
    set_receive_slot(ROOT_CNODE, s.rs, 64);
    pn_cptr_t other = tt_mint(tt_new(PN_OBJ_ENDPOINT, 0), PN_RIGHTS_ALL, 8);
    start_cap_sender(s.ep_grant, 1, other, 0, 0);
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_ENDPOINT);
}

TEST(ipc_cap_transfer_only_one_cap)
{
    setup_t s = setup();
    pn_cptr_t n1 = tt_new(PN_OBJ_NOTIFICATION, 0), n2 = tt_new(PN_OBJ_ENDPOINT, 0);
    /* [cap, cap]: the first is transferred, the second finds no slot: extraCaps 1 */
    start_cap_sender(s.ep_grant, 2, n1, n2, 0);
    pn_msg_t m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_NOTIFICATION);
    /* [cap, same endpoint]: transferred, then unwrapped */
    s.rs = tt_slot();
    set_receive_slot(ROOT_CNODE, s.rs, 64);
    start_cap_sender(s.ep_grant, 2, n2, tt_mint(s.ep, PN_RIGHT_WRITE, 7), 0);
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 2, 2, 1));
    CHECK_EQ(pn_ipc->caps_or_badges[1], 7);
    CHECK_CAP_TYPE(s.rs, PN_CAP_ENDPOINT);
    /* [same endpoint, cap, cap]: unwrapped, transferred, then stop */
    s.rs = tt_slot();
    set_receive_slot(ROOT_CNODE, s.rs, 64);
    start_cap_sender(s.ep_grant, 3, tt_mint(s.ep, PN_RIGHT_WRITE, 5), n1, n2);
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 1, 2, 1));
    CHECK_EQ(pn_ipc->caps_or_badges[0], 5);
    CHECK_CAP_TYPE(s.rs, PN_CAP_NOTIFICATION);
    /* [cap, cap, same endpoint]: the stop at the second cap ends processing */
    s.rs = tt_slot();
    set_receive_slot(ROOT_CNODE, s.rs, 64);
    start_cap_sender(s.ep_grant, 3, n2, n1, tt_mint(s.ep, PN_RIGHT_WRITE, 9));
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_ENDPOINT);
}

/* No usable receive slot: processing stops at the first cap to transfer. */
TEST(ipc_cap_transfer_receive_slot_absent_or_invalid)
{
    setup_t s = setup();
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t occupied = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t small = tt_new(PN_OBJ_CNODE, 2);
    struct {
        pn_cptr_t cnode;
        pn_word_t index, depth;
    } cases[] = {
        {0, 0, 0},                       /* receiveCNode is the null slot */
        {ROOT_CNODE, s.rs, 0},           /* depth 0 */
        {ROOT_CNODE, occupied, 64},      /* occupied */
        {occupied, 0, 64},               /* not a CNode */
        {ROOT_CNODE, s.rs, 65},          /* depth > 64 */
        {ROOT_CNODE, s.rs, 63},          /* depth mismatch at the root CNode */
        {small, 0, 3},                   /* depth beyond the CNode: depth mismatch */
        {ROOT_CNODE | (1ul << 40), 0, 64}, /* receiveCNode lookup fails */
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cases); i++) {
        set_receive_slot(cases[i].cnode, cases[i].index, cases[i].depth);
        start_cap_sender(s.ep_grant, 2, n, tt_mint(s.ep, PN_RIGHT_WRITE, 1), 0);
        pn_msg_t m = receive(&s, 0);
        if (m.info != pn_msginfo(0x77, 0, 0, 1))
            FAIL("receive slot case %u: message info 0x%lx, expected 0x%lx", i, m.info,
                 pn_msginfo(0x77, 0, 0, 1));
        CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
        CHECK_CAP_TYPE(occupied, PN_CAP_ENDPOINT);
    }
    /* a slot in another CNode, depth = its radix */
    set_receive_slot(small, 3, 2);
    start_cap_sender(s.ep_grant, 1, n, 0, 0);
    pn_msg_t m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    pn_cptr_t moved = tt_slot();
    MUST(pn_cnode_move(ROOT_CNODE, moved, 64, small, 3, 2));
    CHECK_CAP_TYPE(moved, PN_CAP_NOTIFICATION);
}

/* Caps that do not derive stop the transfer (semantics.md §2, §5.4). */
TEST(ipc_cap_transfer_underivable_caps)
{
    setup_t s = setup();
    const pn_cptr_t caps[] = {PN_CAP_SLOT_IRQ_CONTROL, PN_CAP_SLOT_IO_PORT_CONTROL, tt_arena(),
                              NULL_SLOT};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(caps); i++) {
        start_cap_sender(s.ep_grant, 2, caps[i], tt_mint(s.ep, PN_RIGHT_WRITE, 1), 0);
        pn_msg_t m = receive(&s, 0);
        if (m.info != pn_msginfo(0x77, 0, 0, 1))
            FAIL("cap %u: message info 0x%lx, expected 0x%lx", i, m.info,
                 pn_msginfo(0x77, 0, 0, 1));
        CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
    }
}

/* A receiver without an IPC buffer gets no caps. */
TEST(ipc_cap_transfer_receiver_without_buffer)
{
    setup_t s = setup();
    extern void ipc_receiver(tt_thread_t *);
    tt_thread_t *r = tt_thread(60, 0, TT_NO_IPC);
    r->arg[0] = s.ep;
    r->arg[1] = s.reply;
    tt_start(r, ipc_receiver);
    tt_settle();
    start_cap_sender(s.ep_grant, 1, tt_new(PN_OBJ_NOTIFICATION, 0), 0, 0);
    tt_settle();
    CHECK(r->done);
    CHECK_EQ(r->out[1], pn_msginfo(0x77, 0, 0, 1));
}

/* A queued sender's extra caps are looked up when the message is transferred: a cap
 * deleted meanwhile is not sent, the message is (semantics.md §5.4). */
TEST(ipc_cap_transfer_looked_up_at_transfer_time)
{
    setup_t s = setup();
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t c = tt_copy(n, PN_RIGHTS_ALL);
    start_cap_sender(s.ep_grant, 1, c, 0, 0);
    tt_settle(); /* queued */
    tt_delete(c);
    pn_msg_t m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 0, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
    /* and a cap put in the slot meanwhile is sent */
    start_cap_sender(s.ep_grant, 1, c, 0, 0);
    tt_settle();
    MUST(pn_cnode_copy(ROOT_CNODE, c, 64, ROOT_CNODE, n, 64, PN_RIGHTS_ALL));
    m = receive(&s, 0);
    CHECK_EQ(m.info, pn_msginfo(0x77, 0, 1, 1));
    CHECK_CAP_TYPE(s.rs, PN_CAP_NOTIFICATION);
}

static void cap_replier(tt_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(t->arg[0], &m, t->arg[1]);
    t->ipc->caps_or_badges[0] = t->arg[3];
    m = (pn_msg_t){pn_msginfo(0, 0, 1, 1), {0xabc, 0, 0, 0}};
    pn_send(t->arg[2], &m);
}

/* Caps in a reply need the reply cap's Grant; an endpoint cap in a reply is transferred,
 * never unwrapped. */
TEST(ipc_cap_transfer_in_reply)
{
    for (unsigned round = 0; round < 3; round++) {
        setup_t s = setup();
        tt_thread_t *t = tt_thread(50, 0, 0);
        t->arg[0] = s.ep;
        t->arg[1] = s.reply;
        t->arg[2] = round == 1 ? tt_copy(s.reply, PN_RIGHT_WRITE | PN_RIGHT_READ) : s.reply;
        t->arg[3] = round == 2 ? s.ep : tt_new(PN_OBJ_NOTIFICATION, 0);
        tt_start(t, cap_replier);
        tt_settle();
        pn_msg_t m = tt_msg(0, 1, 0, 0, 0, 0);
        pn_word_t badge = pn_call(s.ep, &m);
        CHECK_EQ(badge, 0);
        CHECK_EQ(m.mr[0], 0xabc);
        if (round == 1) {
            CHECK_EQ(m.info, pn_msginfo(0, 0, 0, 1));
            CHECK_CAP_TYPE(s.rs, PN_CAP_NULL);
        } else {
            CHECK_EQ(m.info, pn_msginfo(0, 0, 1, 1));
            CHECK_CAP_TYPE(s.rs, round == 2 ? PN_CAP_ENDPOINT : PN_CAP_NOTIFICATION);
        }
    }
}
