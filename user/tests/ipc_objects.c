/* Issue 4: the passive-server pattern with SC donation, notifications, FPU state, and
 * deleting objects that threads are blocked on (semantics.md §4, §5.2-§5.6, §6.5;
 * faults.md §1 #NM). */
#include "tthread.h"

/* ---- passive server ---- */

static void passive_server(tt_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(t->arg[0], &m, t->arg[1]);
    for (;;) {
        /* tell the root task we run (on the donated SC), wait for its go */
        pn_msg_t r = tt_msg(0, 1, m.mr[0], 0, 0, 0);
        pn_call(t->arg[2], &r);
        m = tt_msg(0, 1, m.mr[0] * 2, 0, 0, 0);
        pn_reply_recv(t->arg[0], &m, t->arg[1]);
    }
}

static void client_call(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(0, 1, t->arg[1], 0, 0, 0);
    pn_call(t->arg[0], &m);
    t->out[0] = m.mr[0];
}

TEST(ipc_passive_server_runs_on_donated_sc)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = tt_thread(60, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = root_ep;
    tt_start(s, passive_server);
    tt_settle(); /* in Recv */
    MUST(pn_sched_context_unbind(s->sc)); /* now passive */
    tt_thread_t *c = tt_thread(50, 0, 0);
    c->arg[0] = ep;
    c->arg[1] = 21;
    tt_start(c, client_call);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &m, root_reply); /* the server runs: on the client's SC */
    CHECK_EQ(m.mr[0], 21);
    EXPECT_ERROR(tt_call(c->sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(c->tcb)),
                 PN_ILLEGAL_OPERATION); /* the client's SC is the server's now */
    EXPECT_ERROR(tt_call(s->sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION); /* the server has an SC */
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &m);
    tt_settle();
    CHECK(c->done);
    CHECK_EQ(c->out[0], 42);
    /* the reply gave the SC back: the server is passive again */
    EXPECT_ERROR(tt_call(c->sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION);
    MUST(pn_sched_context_bind(s->sc, tt_new(PN_OBJ_TCB, 0)));
}

/* Deleting the reply object that holds a donated SC gives the SC back to the caller,
 * which becomes Inactive (semantics.md §4 Reply). */
TEST(delete_reply_object_with_donated_sc)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = tt_thread(60, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = root_ep;
    tt_start(s, passive_server);
    tt_settle();
    MUST(pn_sched_context_unbind(s->sc));
    tt_thread_t *c = tt_thread(50, 0, 0);
    c->arg[0] = ep;
    c->arg[1] = 1;
    tt_start(c, client_call);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &m, root_reply);
    tt_destroy(reply);
    /* the SC is the client's again (the server has none) */
    EXPECT_ERROR(tt_call(c->sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION);
    MUST(pn_sched_context_bind(s->sc, s->tcb));
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &m); /* the server goes on to ReplyRecv with a deleted reply cap */
    tt_settle();
    CHECK(!c->done); /* Inactive: never replied to */
    MUST(pn_tcb_resume(c->tcb)); /* it calls again: the server faults (no handler) */
    tt_settle();
    CHECK(!c->done);
}

/* ---- notifications ---- */

TEST(notification_signal_wait_poll)
{
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t a = tt_mint(n, PN_RIGHT_WRITE, 0x1), b = tt_mint(n, PN_RIGHT_WRITE, 0x30);
    pn_msg_t m = {0x5e5e, {1, 2, 3, 4}};
    CHECK_EQ(pn_nb_wait(n, &m), 0);
    CHECK_EQ(m.info, 0x5e5e);
    CHECK_EQ(m.mr[0], 1);
    pn_signal(a);
    pn_signal(b);
    pn_signal(b);
    m = (pn_msg_t){0x5e5e, {1, 2, 3, 4}};
    CHECK_EQ(pn_wait(n, &m), 0x31); /* the badges are OR-ed */
    CHECK_EQ(m.info, 0x5e5e);       /* message info and MRs are not written */
    CHECK_EQ(m.mr[3], 4);
    CHECK_EQ(pn_ntfn_poll(n), 0);
    /* Call on a notification signals and gets an empty success reply */
    EXPECT_SUCCESS(tt_call(b, 9, WORDS(1, 2), NOCAPS));
    CHECK_EQ(pn_ntfn_poll(n), 0x30);
    /* NBSend signals too; a waiting thread receives the badge */
    tt_thread_t *w = tt_thread(50, 0, 0);
    extern void ntfn_waiter(tt_thread_t *);
    w->arg[0] = n;
    tt_start(w, ntfn_waiter);
    tt_settle();
    pn_nb_send(a, &m);
    tt_settle();
    CHECK(w->done);
    CHECK_EQ(w->out[0], 1);
}

void ntfn_waiter(tt_thread_t *t)
{
    t->out[0] = pn_ntfn_wait(t->arg[0]);
}

static void bound_receiver(tt_thread_t *t)
{
    for (int i = 0; i < 2; i++) {
        pn_msg_t m = {0x5e5e, {0, 0, 0, 0}};
        t->out[2 * i] = pn_recv(t->arg[0], &m, t->arg[1]);
        t->out[2 * i + 1] = m.info;
    }
}

/* A signal to a bound notification wakes its TCB from an endpoint receive (badge only);
 * an active bound notification is delivered at the next receive (semantics.md §5.3, §5.6). */
TEST(notification_bound_to_receiving_thread)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep;
    t->arg[1] = reply;
    MUST(pn_tcb_bind_notification(t->tcb, n));
    tt_start(t, bound_receiver);
    tt_settle();
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 0x44));
    tt_settle();
    CHECK_EQ(t->out[0], 0x44);
    CHECK_EQ(t->out[1], 0x5e5e);
    /* the thread is in Recv again; an endpoint message still arrives normally */
    pn_msg_t m = tt_msg(3, 1, 9, 0, 0, 0);
    pn_send(tt_mint(ep, PN_RIGHT_WRITE, 0x55), &m);
    tt_settle();
    CHECK(t->done);
    CHECK_EQ(t->out[2], 0x55);
    CHECK_EQ(t->out[3], pn_msginfo(3, 0, 0, 1));
    /* active before the receive: delivered at once */
    tt_thread_t *u = tt_thread(50, 0, 0);
    pn_cptr_t n2 = tt_new(PN_OBJ_NOTIFICATION, 0);
    u->arg[0] = ep;
    u->arg[1] = reply;
    MUST(pn_tcb_bind_notification(u->tcb, n2));
    pn_signal(tt_mint(n2, PN_RIGHT_WRITE, 0x66));
    tt_start(u, bound_receiver);
    tt_settle();
    CHECK_EQ(u->out[0], 0x66);
    CHECK_EQ(u->out[1], 0x5e5e);
}

/* ---- FPU ---- */

static void fpu_pingpong(tt_thread_t *t)
{
    ((void (*)(pn_word_t, pn_word_t, volatile pn_word_t *))(void *)tt_fpu_pingpong)(
        t->arg[0], 20, &t->out[0]);
}

/* Two threads keep different values in xmm0/xmm7/xmm15 while yielding to each other. */
TEST(fpu_state_kept_apart_between_threads)
{
    tt_thread_t *a = tt_thread(50, 0, 0), *b = tt_thread(50, 0, 0);
    a->arg[0] = 0x1111222233334444ul;
    b->arg[0] = 0x5555666677778888ul;
    tt_start(a, fpu_pingpong);
    tt_start(b, fpu_pingpong);
    tt_settle();
    if (a->out[0] != 1 || b->out[0] != 1)
        FAIL("FPU registers changed across a switch (results %lu, %lu; 1 = kept)", a->out[0],
             b->out[0]);
}

/* fpuDisabled makes an FPU instruction raise UserException 7; the FPU state survives
 * (invocations.md §3.3 SetFlags, faults.md §2). */
TEST(fpu_disabled_raises_user_exception_7)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), done = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t = tt_thread(50, tt_mint(ep, PN_RIGHTS_ALL, 7), 0);
    tt_probe_prepare(t, tt_mint(done, PN_RIGHT_WRITE, 1));
    pn_word_t regs[PN_UC_RDI + 1] = {0};
    regs[PN_UC_RIP] = (pn_word_t)tt_fpu_entry;
    regs[PN_UC_RDI] = 0xf00dfacecafebeeful;
    regs[PN_UC_RSI] = n;
    tt_start_regs(t, regs, PN_UC_RDI + 1);
    tt_settle(); /* xmm1 set, waiting on n */
    EXPECT_SUCCESS(tt_call(t->tcb, PN_TCB_SET_FLAGS, WORDS(0, PN_TCB_FLAG_FPU_DISABLED), NOCAPS),
                   PN_TCB_FLAG_FPU_DISABLED);
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 1));
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_recv(ep, &m, reply), 7);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_USER_EXCEPTION, 0, 0, 5));
    CHECK_EQ(m.mr[0], (pn_word_t)tt_fpu_nm_insn);
    CHECK_EQ(m.mr[3], 7);
    CHECK_EQ(pn_ipc->msg[4], 0);
    EXPECT_SUCCESS(tt_call(t->tcb, PN_TCB_SET_FLAGS, WORDS(PN_TCB_FLAG_FPU_DISABLED, 0), NOCAPS),
                   0);
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m); /* restart the instruction */
    tt_settle();
    CHECK_EQ(pn_ntfn_poll(done), 1);
    CHECK_EQ(tt_probe_regs[PN_UC_RAX], 0xf00dfacecafebeeful);
}

/* ---- deletion while threads are blocked (semantics.md §4) ---- */

static void blocked_op(tt_thread_t *t)
{
    t->out[0] = tt_probe_syscall((long)t->arg[0], t->arg[1], t->arg[2], t->arg[3]);
    tt_log(t->id);
}

static tt_thread_t *blocked(pn_cptr_t handler, long sys, pn_cptr_t cap, pn_word_t info,
                            pn_cptr_t r12)
{
    tt_thread_t *t = tt_thread(50, handler, 0);
    t->arg[0] = (pn_word_t)sys;
    t->arg[1] = cap;
    t->arg[2] = info;
    t->arg[3] = r12;
    tt_start(t, blocked_op);
    tt_settle();
    return t;
}

static void expect_restart_fault(pn_cptr_t fep, pn_cptr_t freply, pn_cptr_t cptr, int recv)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(fep, &m, freply), 0xfe);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_CAP, 0, 0, 5));
    CHECK_EQ(m.mr[0], (pn_word_t)tt_probe_syscall_insn);
    CHECK_EQ(m.mr[1], cptr);
    CHECK_EQ(m.mr[2], (pn_word_t)recv);
    CHECK_EQ(m.mr[3], PN_LOOKUP_MISSING_CAP);
}

/* Endpoint: blocked senders and receivers restart and fault on the missing cap. */
TEST(delete_endpoint_with_blocked_threads)
{
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), freply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t handler = tt_mint(fep, PN_RIGHTS_ALL, 0xfe);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), ep2 = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t reply = tt_new(PN_OBJ_REPLY, 0);
    blocked(handler, PN_SYS_CALL, ep, 0, 0);
    blocked(handler, PN_SYS_SEND, ep, 0, 0);
    blocked(handler, PN_SYS_RECV, ep2, 0, reply);
    tt_destroy(ep);
    tt_settle();
    /* Send/Call to an empty slot: a null cap, no fault, the syscall just fails (the
     * order in which the two restarted threads run is not checked here) */
    CHECK_EQ(tt_log_n, 2);
    CHECK_EQ(tt_log_buf[0] + tt_log_buf[1], 1);
    tt_destroy(ep2);
    tt_settle();
    expect_restart_fault(fep, freply, ep2, 1);
    /* the receiver's reply object was detached: it can be used again */
    pn_cptr_t ep3 = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(ep3, &m, reply), 0);
}

/* A queued fault IPC is not restarted when its endpoint goes: the faulter is Inactive. */
TEST(delete_endpoint_with_queued_fault)
{
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t handler = tt_mint(fep, PN_RIGHTS_ALL, 0xfe);
    pn_cptr_t slot = tt_slot(), n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t = blocked(handler, PN_SYS_WAIT, slot, 0, 0); /* fault queued on fep */
    MUST(pn_cnode_copy(ROOT_CNODE, slot, 64, ROOT_CNODE, n, 64, PN_RIGHTS_ALL));
    tt_destroy(fep);
    tt_settle();
    /* if it had been restarted, it would be waiting on n now and take this signal */
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 5));
    tt_settle();
    CHECK_LOG();
    CHECK_EQ(pn_ntfn_poll(n), 5);
    MUST(pn_tcb_resume(t->tcb));
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 6));
    tt_settle();
    CHECK_LOG(0);
}

/* Notification: waiters restart (and fault on the missing cap); binding goes away. */
TEST(delete_notification_with_waiters)
{
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), freply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t handler = tt_mint(fep, PN_RIGHTS_ALL, 0xfe);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), sc = tt_sc_new();
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    MUST(pn_tcb_bind_notification(tcb, n));
    MUST(pn_sched_context_bind(sc, n));
    blocked(handler, PN_SYS_WAIT, n, 0, 0);
    tt_destroy(n);
    tt_settle();
    expect_restart_fault(fep, freply, n, 1);
    MUST(pn_tcb_bind_notification(tcb, tt_new(PN_OBJ_NOTIFICATION, 0)));
    MUST(pn_sched_context_bind(sc, tt_new(PN_OBJ_NOTIFICATION, 0)));
}

/* Reply object: a receiver blocked with it is made Inactive (no restart, no fault); a
 * caller waiting on it becomes Inactive. */
TEST(delete_reply_object_with_blocked_threads)
{
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), freply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t handler = tt_mint(fep, PN_RIGHTS_ALL, 0xfe);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *r = blocked(handler, PN_SYS_RECV, ep, 0, reply);
    tt_destroy(reply);
    tt_settle();
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(fep, &m, freply), 0); /* no restart, so no fault */
    pn_msg_t s = tt_msg(0, 1, 1, 0, 0, 0);
    pn_nb_send(ep, &s); /* and no longer queued */
    tt_settle();
    CHECK_LOG();
    MUST(pn_tcb_resume(r->tcb)); /* restarted: its Recv faults on the deleted reply cap */
    tt_settle();
    CHECK_EQ(pn_nb_recv(fep, &m, freply), 0xfe);
    CHECK_EQ(m.mr[1], reply);
    CHECK_EQ(m.mr[2], 1);
    /* a caller */
    pn_cptr_t reply2 = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *c = blocked(handler, PN_SYS_CALL, ep, 0, 0);
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply2);
    tt_destroy(reply2);
    tt_settle();
    CHECK(!c->done);
    MUST(pn_tcb_resume(c->tcb)); /* Inactive: the Call again */
    tt_settle();
    pn_cptr_t reply3 = tt_new(PN_OBJ_REPLY, 0);
    CHECK_EQ(pn_nb_recv(ep, &m, reply3), 0);
}

/* TCB: deleted while queued on an endpoint or notification, it leaves the queue. */
TEST(delete_tcb_blocked_in_queues)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s1 = blocked(0, PN_SYS_SEND, ep, pn_msginfo(0, 0, 0, 0), 0);
    blocked(0, PN_SYS_SEND, ep, 0, 0);
    tt_thread_t *w1 = blocked(0, PN_SYS_WAIT, n, 0, 0);
    tt_thread_t *w2 = blocked(0, PN_SYS_WAIT, n, 0, 0);
    tt_destroy(s1->tcb);
    tt_destroy(w1->tcb);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0); /* the second sender (unbadged) */
    tt_settle();
    CHECK_LOG(1);
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 2));
    tt_settle();
    CHECK(w2->done);
    CHECK_LOG(1, 3);
    /* a receiver */
    tt_thread_t *r = blocked(0, PN_SYS_RECV, ep, 0, reply);
    tt_destroy(r->tcb);
    pn_msg_t x = tt_msg(0, 0, 0, 0, 0, 0);
    pn_nb_send(ep, &x); /* nobody receives */
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0);
}

/* TCB: a caller waiting for a reply is deleted: replying does nothing.  A server holding
 * a donated SC is deleted: the SC is unbound, the caller stays blocked. */
TEST(delete_tcb_in_call_chain)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *c = blocked(0, PN_SYS_CALL, ep, 0, 0);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply);
    tt_destroy(c->tcb);
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(reply, &m);
    EXPECT_SUCCESS(tt_call(reply, 0, NOWORDS, NOCAPS));
    /* passive server */
    tt_thread_t *s = tt_thread(60, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = root_ep;
    tt_start(s, passive_server);
    tt_settle();
    MUST(pn_sched_context_unbind(s->sc));
    tt_thread_t *cl = tt_thread(50, 0, 0);
    cl->arg[0] = ep;
    cl->arg[1] = 3;
    tt_start(cl, client_call);
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(root_ep, &m, root_reply);
    tt_destroy(s->tcb);
    tt_settle();
    CHECK(!cl->done);
    /* the client's SC is bound to nothing now */
    MUST(pn_sched_context_bind(cl->sc, tt_new(PN_OBJ_TCB, 0)));
}

/* SchedContext: its thread stays in its state but cannot run until it gets another SC. */
TEST(delete_sched_context_of_blocked_thread)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t = blocked(0, PN_SYS_RECV, ep, 0, reply);
    MUST(pn_sched_context_bind(t->sc, n));
    tt_destroy(t->sc);
    pn_msg_t m = tt_msg(0, 1, 0, 0, 0, 0);
    pn_nb_send(ep, &m); /* still receiving */
    tt_settle();
    CHECK(!t->done); /* received, but no SC to run on */
    CHECK_EQ(pn_nb_recv(ep, &m, tt_new(PN_OBJ_REPLY, 0)), 0);
    MUST(pn_sched_context_bind(tt_sc_new(), t->tcb));
    tt_settle();
    CHECK(t->done);
    MUST(pn_sched_context_bind(tt_sc_new(), n)); /* the notification was unbound */
}

/* SchedContext donated to a passive server: deleting it stops the server; the client
 * stays blocked on the reply. */
TEST(delete_donated_sched_context)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = tt_thread(60, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = root_ep;
    tt_start(s, passive_server);
    tt_settle();
    MUST(pn_sched_context_unbind(s->sc));
    tt_thread_t *c = tt_thread(50, 0, 0);
    c->arg[0] = ep;
    c->arg[1] = 5;
    tt_start(c, client_call);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &m, root_reply);
    tt_destroy(c->sc);
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &m); /* the server is runnable but has no SC */
    tt_settle();
    CHECK(!c->done);
    MUST(pn_sched_context_bind(s->sc, s->tcb)); /* now it replies */
    tt_settle();
    CHECK(!c->done); /* the client has no SC either */
    MUST(pn_sched_context_bind(tt_sc_new(), c->tcb));
    tt_settle();
    CHECK(c->done);
    CHECK_EQ(c->out[0], 10);
}
