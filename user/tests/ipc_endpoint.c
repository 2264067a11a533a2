/* Issue 4: endpoint IPC — every send/receive syscall, message transfer (lengths 0..120,
 * contents, label, badge), reply objects (syscalls.md §3, semantics.md §5.1-§5.5). */
#include "tthread.h"

#define SENTINEL 0x5e5e5e5e5e5e5e5eul

static pn_word_t msg_word(const pn_msg_t *m, const pn_ipc_buffer_t *ipc, unsigned i)
{
    return i < PN_FAST_MESSAGE_REGISTERS ? m->mr[i] : ipc->msg[i];
}

static void set_msg(pn_msg_t *m, pn_ipc_buffer_t *ipc, pn_word_t label, unsigned len,
                    pn_word_t seed)
{
    m->info = pn_msginfo(label, 0, 0, len);
    for (unsigned i = 0; i < 4; i++)
        m->mr[i] = 0;
    for (unsigned i = 0; i < len && i < PN_MSG_MAX_LENGTH; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m->mr[i] = tt_pattern(seed, i);
        else if (ipc)
            ipc->msg[i] = tt_pattern(seed, i);
    }
}

/* Client: for every length 0..127, Call with that many words (label 1000 + len) and check
 * the reply (120 - len words, label 2000 + len); counts mismatches in out[0]. */
static void length_client(tt_thread_t *t)
{
    for (unsigned len = 0; len <= 127; len++) {
        pn_msg_t m;
        set_msg(&m, t->ipc, 1000 + len, len, len);
        for (unsigned i = 4; i < PN_MSG_MAX_LENGTH; i++)
            if (i >= len)
                t->ipc->msg[i] = SENTINEL;
        pn_word_t badge = pn_call(t->arg[0], &m);
        unsigned rlen = len <= 120 ? 120 - len : 0;
        if (badge != 0 || m.info != pn_msginfo(2000 + len, 0, 0, rlen)) {
            t->out[0]++;
            t->out[1] = len;
            t->out[2] = m.info;
            continue;
        }
        for (unsigned i = 0; i < rlen; i++)
            if (msg_word(&m, t->ipc, i) != tt_pattern(500 + len, i)) {
                t->out[0]++;
                t->out[1] = len;
                t->out[3] = i;
            }
    }
}

TEST(ipc_call_message_lengths_0_to_120)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t ep_b = tt_mint(ep, PN_RIGHTS_ALL, 0x1234);
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep_b;
    tt_start(t, length_client);
    for (unsigned len = 0; len <= 127; len++) {
        pn_msg_t m = {SENTINEL, {SENTINEL, SENTINEL, SENTINEL, SENTINEL}};
        pn_word_t badge = pn_recv(ep, &m, reply);
        unsigned got = len <= 120 ? len : 120; /* longer lengths are clamped to 120 */
        CHECK_EQ(badge, 0x1234);
        if (m.info != pn_msginfo(1000 + len, 0, 0, got))
            FAIL("length %u: message info 0x%lx, expected 0x%lx", len, m.info,
                 pn_msginfo(1000 + len, 0, 0, got));
        for (unsigned i = 0; i < got; i++)
            if (msg_word(&m, pn_ipc, i) != tt_pattern(len, i))
                FAIL("length %u: word %u is 0x%lx, expected 0x%lx", len, i,
                     msg_word(&m, pn_ipc, i), tt_pattern(len, i));
        pn_msg_t r;
        set_msg(&r, pn_ipc, 2000 + len, len <= 120 ? 120 - len : 0, 500 + len);
        pn_send(reply, &r);
    }
    tt_settle();
    CHECK(t->done);
    if (t->out[0])
        FAIL("%lu replies arrived wrong (last at length %lu: info 0x%lx, word %lu)", t->out[0],
             t->out[1], t->out[2], t->out[3]);
}

static void sender(tt_thread_t *t)
{
    pn_msg_t m;
    set_msg(&m, t->ipc, t->arg[2], (unsigned)t->arg[3], t->arg[4]);
    tt_log(1);
    if ((long)t->arg[1] == PN_SYS_CALL)
        pn_call(t->arg[0], &m);
    else
        pn_syscall((long)t->arg[1], t->arg[0], &m, 0, 0);
    tt_log(2);
}

static tt_thread_t *start_sender(long syscall, pn_cptr_t ep, pn_word_t label, pn_word_t len,
                                 unsigned opts)
{
    tt_thread_t *t = tt_thread(50, 0, opts);
    t->arg[0] = ep;
    t->arg[1] = (pn_word_t)syscall;
    t->arg[2] = label;
    t->arg[3] = len;
    t->arg[4] = 77;
    tt_start(t, sender);
    return t;
}

/* Send blocks until a receiver comes; the receiver gets the sender's cap badge. */
TEST(ipc_send_blocks_until_received)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    start_sender(PN_SYS_SEND, tt_mint(ep, PN_RIGHT_WRITE, 0xfeed), 7, 6, 0);
    tt_settle();
    CHECK_LOG(1);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_recv(ep, &m, reply), 0xfeed);
    CHECK_EQ(m.info, pn_msginfo(7, 0, 0, 6));
    CHECK_EQ(m.mr[3], tt_pattern(77, 3));
    CHECK_EQ(pn_ipc->msg[5], tt_pattern(77, 5));
    tt_settle();
    CHECK_LOG(1, 2);
}

/* NBSend without a waiting receiver drops the message; NBRecv on an idle endpoint returns
 * badge 0 and writes nothing else. */
TEST(ipc_nbsend_and_nbrecv_without_partner)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    start_sender(PN_SYS_NB_SEND, tt_mint(ep, PN_RIGHT_WRITE, 3), 7, 2, 0);
    tt_settle();
    CHECK_LOG(1, 2);
    pn_msg_t m = {SENTINEL, {SENTINEL + 1, SENTINEL + 2, SENTINEL + 3, SENTINEL + 4}};
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0);
    CHECK_EQ(m.info, SENTINEL);
    CHECK_EQ(m.mr[0], SENTINEL + 1);
    CHECK_EQ(m.mr[3], SENTINEL + 4);
    /* NBSend to a waiting receiver is delivered */
    pn_cptr_t ep2 = tt_new(PN_OBJ_ENDPOINT, 0);
    tt_thread_t *r = tt_thread(50, 0, 0);
    r->arg[0] = ep2;
    r->arg[1] = reply;
    extern void ipc_receiver(tt_thread_t *);
    tt_start(r, ipc_receiver);
    tt_settle();
    pn_msg_t s = tt_msg(9, 2, 11, 12, 0, 0);
    pn_nb_send(tt_mint(ep2, PN_RIGHT_WRITE, 5), &s);
    tt_settle();
    CHECK_EQ(r->out[0], 5);
    CHECK_EQ(r->out[1], pn_msginfo(9, 0, 0, 2));
    CHECK_EQ(r->out[2], 11);
}

/* Receiver thread: Recv on arg[0] with reply arg[1]; out = badge, info, MR0..3. */
void ipc_receiver(tt_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    t->out[0] = pn_recv(t->arg[0], &m, t->arg[1]);
    t->out[1] = m.info;
    for (unsigned i = 0; i < 4; i++)
        t->out[2 + i] = m.mr[i];
    for (unsigned i = 4; i < 8 && t->ipc; i++)
        t->out[2 + i] = t->ipc->msg[i];
}

/* Words beyond MR3 need both IPC buffers (semantics.md §5.4). */
TEST(ipc_without_buffer_truncates_to_4)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *r = tt_thread(60, 0, TT_NO_IPC);
    r->arg[0] = ep;
    r->arg[1] = reply;
    tt_start(r, ipc_receiver);
    tt_settle();
    pn_msg_t m;
    set_msg(&m, pn_ipc, 5, 10, 1);
    pn_send(ep, &m);
    tt_settle();
    CHECK_EQ(r->out[1], pn_msginfo(5, 0, 0, 4));
    CHECK_EQ(r->out[5], tt_pattern(1, 3));
    /* a sender without a buffer */
    start_sender(PN_SYS_SEND, ep, 6, 10, TT_NO_IPC);
    tt_settle();
    pn_msg_t g = {0, {0, 0, 0, 0}};
    pn_recv(ep, &g, reply);
    CHECK_EQ(g.info, pn_msginfo(6, 0, 0, 4));
    CHECK_EQ(g.mr[2], tt_pattern(77, 2));
}

/* Server: ReplyRecv loop answering x with x + 1 (first a plain Recv). */
static void server_loop(tt_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_word_t badge = pn_recv(t->arg[0], &m, t->arg[1]);
    for (;;) {
        tt_log(badge);
        m = tt_msg(0, 1, m.mr[0] + 1, 0, 0, 0);
        badge = pn_reply_recv(t->arg[0], &m, t->arg[1]);
    }
}

TEST(ipc_call_and_reply_recv)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = tt_thread(50, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    tt_start(s, server_loop);
    tt_settle();
    for (pn_word_t i = 1; i <= 3; i++) {
        pn_msg_t m = tt_msg(0, 1, 10 * i, 0, 0, 0);
        pn_word_t badge = pn_call(tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, i), &m);
        CHECK_EQ(badge, 0); /* replies carry badge 0 */
        CHECK_EQ(m.info, pn_msginfo(0, 0, 0, 1));
        CHECK_EQ(m.mr[0], 10 * i + 1);
    }
    CHECK_LOG(1, 2, 3);
}

/* A Call through a cap with neither Grant nor GrantReply, or received by Wait (no reply
 * object), leaves the caller Inactive: it is never replied to, and TCB_Resume makes it
 * issue the Call again (semantics.md §5.2, §7). */
TEST(ipc_call_without_grant_makes_caller_inactive)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *c = start_sender(PN_SYS_CALL, tt_copy(ep, PN_RIGHT_WRITE | PN_RIGHT_READ), 4, 1,
                                  0);
    tt_settle();
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply);
    CHECK_EQ(m.info, pn_msginfo(4, 0, 0, 1));
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m); /* nobody is waiting on this reply object */
    tt_settle();
    CHECK_LOG(1);
    MUST(pn_tcb_resume(c->tcb));
    tt_settle();
    CHECK_LOG(1); /* the restarted Call does not run the code before it again */
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0);
    CHECK_EQ(m.info, pn_msginfo(4, 0, 0, 1));
}

TEST(ipc_call_received_by_wait_makes_caller_inactive)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *c = start_sender(PN_SYS_CALL, ep, 4, 1, 0);
    tt_settle();
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_wait(ep, &m);
    CHECK_EQ(m.info, pn_msginfo(4, 0, 0, 1));
    tt_settle();
    CHECK_LOG(1);
    MUST(pn_tcb_resume(c->tcb));
    tt_settle();
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply);
    CHECK_EQ(m.info, pn_msginfo(4, 0, 0, 1));
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK_LOG(1, 2);
}

/* Invoking a reply cap with no caller does nothing; with Call, an empty success reply. */
TEST(ipc_reply_object_without_caller)
{
    pn_cptr_t reply = tt_new(PN_OBJ_REPLY, 0);
    pn_msg_t m = tt_msg(5, 2, 1, 2, 0, 0);
    pn_send(reply, &m);
    pn_nb_send(reply, &m);
    EXPECT_SUCCESS(tt_call(reply, 5, WORDS(1, 2), NOCAPS));
}

/* A receive with a reply object that still holds another caller cancels that caller's
 * IPC: it becomes Inactive (semantics.md §5.5). */
TEST(ipc_reply_object_reused_cancels_old_caller)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *c = start_sender(PN_SYS_CALL, ep, 4, 1, 0);
    tt_settle();
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply); /* c is now waiting on `reply` */
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0); /* reuse: c is cut off */
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK_LOG(1);
    MUST(pn_tcb_resume(c->tcb)); /* Inactive: the Call is made again */
    tt_settle();
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply);
    CHECK_EQ(m.info, pn_msginfo(4, 0, 0, 1));
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK_LOG(1, 2);
}

/* Endpoint rights when invoked (invocations.md §1 rights table). */
TEST(ipc_endpoint_without_send_right)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t ep_ro = tt_copy(ep, PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY);
    pn_cptr_t n_ro = tt_copy(n, PN_RIGHT_READ);
    EXPECT_ERROR(tt_call(ep_ro, 0, WORDS(1), NOCAPS), PN_INVALID_CAPABILITY, 0);
    EXPECT_ERROR(tt_call(n_ro, 0, WORDS(1), NOCAPS), PN_INVALID_CAPABILITY, 0);
    /* Send through them: nothing happens */
    pn_msg_t m = tt_msg(0, 1, 1, 0, 0, 0);
    pn_send(n_ro, &m);
    CHECK_EQ(pn_ntfn_poll(n), 0);
}

static void nbsendrecv_server(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(0, 1, 0, 0, 0, 0);
    /* phase 1: signal arg[2]; phase 2: Recv on arg[0] */
    pn_word_t badge = pn_nb_send_recv(t->arg[2], &m, t->arg[0], t->arg[1]);
    t->out[0] = badge;
    t->out[1] = m.mr[0];
    m = tt_msg(0, 1, 0, 0, 0, 0);
    /* NBSendWait: phase 1 signals arg[3] (in r12), phase 2 Wait on arg[0] */
    badge = pn_nb_send_wait(t->arg[3], &m, t->arg[0]);
    t->out[2] = badge;
    t->out[3] = m.mr[0];
}

TEST(ipc_nb_send_recv_and_nb_send_wait)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *s = tt_thread(50, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = tt_mint(n, PN_RIGHT_WRITE, 0x10);
    s->arg[3] = tt_mint(n, PN_RIGHT_WRITE, 0x20);
    tt_start(s, nbsendrecv_server);
    tt_settle();
    CHECK_EQ(pn_ntfn_poll(n), 0x10);
    pn_msg_t m = tt_msg(0, 1, 111, 0, 0, 0);
    pn_send(tt_mint(ep, PN_RIGHT_WRITE, 1), &m);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK_EQ(s->out[1], 111);
    CHECK_EQ(pn_ntfn_poll(n), 0x20);
    m = tt_msg(0, 1, 222, 0, 0, 0);
    pn_send(tt_mint(ep, PN_RIGHT_WRITE, 2), &m);
    tt_settle();
    CHECK(s->done);
    CHECK_EQ(s->out[2], 2);
    CHECK_EQ(s->out[3], 222);
}

static void first_phase_probe(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(t->arg[3], 0, 0, 0, 0, 0);
    pn_nb_send_recv(t->arg[2], &m, t->arg[0], t->arg[1]);
    t->out[0] = m.mr[0];
}

/* In a first phase TCB, CNode, SchedControl and SchedContext caps are rejected: a
 * TCB_Suspend label sent there does nothing; phase 2 still runs (syscalls.md §3). */
TEST(ipc_first_phase_rejects_tcb_caps)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t ep2 = tt_new(PN_OBJ_ENDPOINT, 0), reply2 = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *victim = tt_thread(40, 0, 0);
    victim->arg[0] = ep2;
    victim->arg[1] = reply2;
    tt_start(victim, ipc_receiver);
    tt_settle();
    const pn_cptr_t targets[] = {victim->tcb, victim->sc, ROOT_CNODE, tt_sched_control(),
                                 tt_new(PN_OBJ_TCB, 0), 0x7ff /* empty slot */};
    const pn_word_t labels[] = {PN_TCB_SUSPEND, PN_SCHED_CONTEXT_UNBIND, PN_CNODE_DELETE,
                                PN_SCHED_CONTROL_CONFIGURE_FLAGS, PN_TCB_RESUME, 0};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(targets); i++) {
        tt_thread_t *t = tt_thread(50, 0, 0);
        t->arg[0] = ep;
        t->arg[1] = reply;
        t->arg[2] = targets[i];
        t->arg[3] = labels[i];
        tt_start(t, first_phase_probe);
        tt_settle();
        pn_msg_t m = tt_msg(0, 1, 300 + i, 0, 0, 0);
        pn_nb_send(ep, &m); /* phase 2 was reached: t receives this */
        tt_settle();
        if (!t->done || t->out[0] != 300 + i)
            FAIL("first phase to cap %u: the receive phase did not run", i);
    }
    /* the victim was neither suspended nor unbound: it still receives */
    pn_msg_t m = tt_msg(0, 1, 55, 0, 0, 0);
    pn_nb_send(ep2, &m);
    tt_settle();
    CHECK(victim->done);
    CHECK_EQ(victim->out[2], 55);
}
