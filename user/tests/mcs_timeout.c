/*
 * Timeout faults (faults.md §2 Timeout, §3; semantics.md §6.3) and passive servers running
 * on a client's donated SC when that budget runs out.
 */
#include "mcs.h"

#define TIMEOUT_BADGE 0x77
#define SC_BADGE 0xbadc0deul

static void spin_forever(mcs_thread_t *t)
{
    mcs_spin(t, 0, ~0ul, ~0ul);
}

static void check_timeout_msg(const char *what, mcs_msg_t m, pn_word_t ep_badge,
                              pn_word_t sc_badge, pn_word_t consumed_us)
{
    if (m.info != pn_msginfo(PN_FAULT_TIMEOUT, 0, 0, 2) || m.badge != ep_badge ||
        m.mr[0] != sc_badge)
        FAIL("%s: expected a Timeout fault (info 0x%lx) with badge %lu and MR0 0x%lx, got "
             "info 0x%lx badge %lu MR0 0x%lx MR1 %lu",
             what, pn_msginfo(PN_FAULT_TIMEOUT, 0, 0, 2), ep_badge, sc_badge, m.info,
             m.badge, m.mr[0], m.mr[1]);
    MCS_NOTE("%s: info 0x%lx badge %lu MR0 0x%lx MR1 %lu at %lu us\n", what, m.info, m.badge,
             m.mr[0], m.mr[1], (m.at - mcs_t0) / mcs_mhz);
    /* MR1: consumed µs, within 2 % (exhaustion means less than MIN_BUDGET = 20 µs of a
     * 1 ms budget was left) */
    pn_word_t tol = consumed_us / 50;
    if (m.mr[1] + tol < consumed_us || m.mr[1] > consumed_us + tol)
        FAIL("%s: consumed (MR1) %lu us, expected %lu +- %lu", what, m.mr[1], consumed_us,
             tol);
}

MCS_TEST(mcs_timeout_fault_message_and_restart)
{
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t tep_badged = mcs_mint(tep, PN_RIGHTS_ALL, TIMEOUT_BADGE);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    pn_cptr_t sc = mcs_sc(1000, 10000, 0, SC_BADGE, 0);
    mcs_thread_t *t = mcs_thread(200, sc);
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(tep_badged)));
    mcs_start(t, spin_forever);
    mcs_t0 = rdtsc();

    /* the budget runs out after 1 ms: Timeout fault to the timeout handler, MR0 = the SC's
     * badge, MR1 = consumed µs, badge = the handler cap's badge */
    mcs_msg_t m = mcs_poll_recv(tep, reply);
    check_timeout_msg("first fault", m, TIMEOUT_BADGE, SC_BADGE, 1000);
    CHECK_NEAR(m.at - mcs_t0, MS(1), US(100));
    CHECK_EQ(t->nburst, 1);
    CHECK_BURST(t, 0, mcs_t0, US(100), MS(1), US(20));
    /* the message reset the SC's consumed counter, and the thread has not run since */
    CHECK_EQ(sc_consumed(sc), 0);

    /* reply label 0: restart; the thread goes on with its next refill (10 ms), no new
     * Timeout fault for the reply itself, and faults again when that is used */
    mcs_reply(reply, 0, 0, NULL);
    m = mcs_poll_recv(tep, reply);
    check_timeout_msg("second fault", m, TIMEOUT_BADGE, SC_BADGE, 1000);
    CHECK_NEAR(m.at - mcs_t0, MS(11), US(220));
    CHECK_EQ(t->nburst, 2);
    CHECK_BURST(t, 1, mcs_t0 + MS(10), US(200), MS(1), US(20));

    /* reply with a non-zero label: the thread becomes inactive, nothing more happens */
    mcs_reply(reply, 1, 0, NULL);
    m = mcs_poll_recv_until(tep, reply, mcs_t0 + MS(32));
    CHECK_EQ(m.info, 0);
    CHECK_EQ(t->nburst, 2);
    CHECK_EQ(sc_consumed(sc), 0);
}

/* where the Timeout reply sends the thread: rdi = t, rsi and rdx from the reply */
static void after_timeout(mcs_thread_t *t, pn_word_t rsi, pn_word_t rdx)
{
    volatile pn_word_t local = 0;
    t->out[0] = rdtsc();
    t->out[1] = rsi;
    t->out[2] = rdx;
    t->out[3] = (pn_word_t)&local;
    t->done = 1;
    mcs_block_forever(t);
}

MCS_TEST(mcs_timeout_fault_reply_sets_registers)
{
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    pn_cptr_t sc = mcs_sc(2000, 10000, 0, 5, 0);
    mcs_thread_t *t = mcs_thread(200, sc);
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(tep)));
    mcs_start(t, spin_forever);
    mcs_t0 = rdtsc();
    mcs_msg_t m = mcs_poll_recv(tep, reply);
    check_timeout_msg("fault", m, 0, 5, 2000);

    /* reply words: FaultIP, RSP, FLAGS, RAX, RBX, RCX, RDX, RSI, RDI (faults.md §3); words
     * 4.. come from the replier's IPC buffer; the thread was stopped by the timer, so it
     * resumes through iretq with all of them */
    pn_word_t sp = t->stack_top - 4096 - 8;
    pn_word_t w[9] = {(pn_word_t)after_timeout, sp, 0x202, 0, 0, 0, 0xd00d, 0x5151,
                      (pn_word_t)t};
    mcs_reply(reply, 0, 9, w);
    MCS_WAIT_UNTIL(t->done, "the thread at its new address");
    /* it waited for its next refill */
    CHECK_NEAR(t->out[0] - mcs_t0, MS(10), US(200));
    CHECK_EQ(t->out[1], 0x5151);
    CHECK_EQ(t->out[2], 0xd00d);
    CHECK_CMP(t->out[3], <, sp);
    CHECK_CMP(t->out[3], >, sp - 512);
    m = mcs_poll_recv_until(tep, reply, rdtsc());
    CHECK_EQ(m.info, 0);
}

static void spin_until_arg0(mcs_thread_t *t)
{
    mcs_spin(t, t->arg[1], t->arg[0], t->arg[0]);
}

MCS_TEST(mcs_no_timeout_fault_round_robin)
{
    /* a round-robin SC never raises Timeout faults: the budget just comes back */
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    mcs_thread_t *t = mcs_thread(200, mcs_sc(1000, 1000, 0, 9, 0));
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(tep)));
    mcs_start(t, spin_until_arg0);
    mcs_t0 = rdtsc();
    t->arg[0] = mcs_t0 + MS(5);
    t->arg[1] = mcs_t0;
    MCS_WAIT_UNTIL(t->done, "the round-robin thread");
    CHECK_NEAR(t->run, MS(5), US(100));
    mcs_msg_t m = mcs_poll_recv_until(tep, reply, rdtsc());
    CHECK_EQ(m.info, 0);
}

/* ---- passive servers ---- */

/* arg0 endpoint, arg1 reply object, arg2 work per request (ticks) */
static void server(mcs_thread_t *s)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    s->phase = 1;
    pn_recv(s->arg[0], &m, s->arg[1]);
    for (;;) {
        s->out[0] = rdtsc();
        mcs_burn(s, s->arg[2]);
        s->out[1] = rdtsc();
        s->phase++;
        pn_word_t req = m.mr[0];
        m.info = pn_msginfo(0, 0, 0, 1);
        m.mr[0] = req + 1;
        pn_reply_recv(s->arg[0], &m, s->arg[1]);
    }
}

/* arg0 endpoint */
static void client(mcs_thread_t *c)
{
    pn_msg_t m = {pn_msginfo(0, 0, 0, 1), {41, 0, 0, 0}};
    c->out[0] = rdtsc();
    pn_call(c->arg[0], &m);
    c->out[1] = rdtsc();
    c->out[2] = m.info;
    c->out[3] = m.mr[0];
}

#define CLIENT_BADGE 0xc11e

typedef struct passive {
    mcs_thread_t *s, *c;
    pn_cptr_t ep, c_sc;
} passive_t;

/* A passive server at 200 (its SC taken away while it waits in Recv) and a client at 150
 * with a sporadic 1 ms / 20 ms SC; the server needs 1.5 ms per request. */
static passive_t passive_setup(pn_cptr_t server_timeout_ep)
{
    passive_t p;
    p.ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t s_sc = mcs_sc(1000, 1000, 0, 0, 0);
    p.s = mcs_thread(200, s_sc);
    p.s->arg[0] = p.ep;
    p.s->arg[1] = mcs_new(PN_OBJ_REPLY, 0);
    p.s->arg[2] = US(1500);
    if (server_timeout_ep)
        MCS_OK(call(p.s->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(server_timeout_ep)));
    mcs_start(p.s, server);
    MCS_WAIT_UNTIL(p.s->phase == 1, "the server to wait");
    MCS_OK(call(s_sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(p.s->tcb)));
    p.c_sc = mcs_sc(1000, 20000, 2, CLIENT_BADGE, SPORADIC);
    p.c = mcs_thread(150, p.c_sc);
    p.c->arg[0] = p.ep;
    return p;
}

static void passive_check(passive_t p, pn_word_t consumed_us)
{
    /* the server ran 1 ms on the client's SC, waited for its refill at 20 ms, finished
     * the remaining 0.5 ms and replied */
    MCS_NOTE("client back at %lu us\n",
             (p.c->out[1] - mcs_t0) / mcs_mhz);
    mcs_note_bursts(p.s);
    CHECK_EQ(p.c->out[2], pn_msginfo(0, 0, 0, 1));
    CHECK_EQ(p.c->out[3], 42);
    CHECK_BURST(p.s, 0, mcs_t0, US(100), MS(1), US(40));
    CHECK_BURST(p.s, 1, mcs_t0 + MS(20), US(400), US(500), US(40));
    CHECK_NEAR(p.c->out[1] - mcs_t0, MS(20) + US(500), US(400));
    pn_word_t c = sc_consumed(p.c_sc);
    CHECK_CMP(c, >=, consumed_us);
    CHECK_CMP(c, <=, consumed_us + 60);
}

MCS_TEST(mcs_passive_server_client_out_of_budget)
{
    passive_t p = passive_setup(0);
    mcs_start(p.c, client);
    mcs_t0 = rdtsc();
    MCS_WAIT_UNTIL(p.c->done, "the client's reply");
    passive_check(p, 1500);
    CHECK_EQ(p.s->phase, 2); /* waiting for the next request */
}

MCS_TEST(mcs_passive_server_timeout_fault)
{
    /* the server has a timeout handler: it is the running thread when the client's
     * (donated) budget runs out, so it gets the Timeout fault, with the client SC's
     * badge and consumed time */
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t tep_badged = mcs_mint(tep, PN_RIGHTS_ALL, 0x55);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    passive_t p = passive_setup(tep_badged);
    mcs_start(p.c, client);
    mcs_t0 = rdtsc();
    mcs_msg_t m = mcs_poll_recv(tep, reply);
    check_timeout_msg("server's fault", m, 0x55, CLIENT_BADGE, 1000);
    CHECK_NEAR(m.at - mcs_t0, MS(1), US(100));
    CHECK_EQ(p.c->done, 0);
    /* restart the server: it keeps the client's SC and goes on at the next refill */
    mcs_reply(reply, 0, 0, NULL);
    MCS_WAIT_UNTIL(p.c->done, "the client's reply");
    /* the fault message reset the consumed counter: only the last 0.5 ms count */
    passive_check(p, 500);
    m = mcs_poll_recv_until(tep, reply, rdtsc());
    CHECK_EQ(m.info, 0);
}

/* ---- budget checks at kernel entry ---- */

/* burns arg0, then signals arg1 (a syscall), then spins */
static void burn_then_signal(mcs_thread_t *t)
{
    mcs_burn(t, t->arg[0]);
    t->out[0] = rdtsc();
    mcs_signal(t->arg[1]);
    t->out[1] = rdtsc();
    mcs_spin(t, 0, ~0ul, ~0ul);
}

static pn_word_t ntfn_poll(pn_cptr_t ntfn)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    return pn_syscall(PN_SYS_NB_WAIT, ntfn, &m, 0, 0);
}

MCS_TEST(mcs_budget_checked_at_syscall)
{
    /* a syscall made with less than MIN_BUDGET (20 µs) left is not processed: the budget
     * is exhausted, the thread restarts the syscall at its next refill */
    pn_cptr_t ntfn = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t ntfn_badged = mcs_mint(ntfn, PN_RIGHTS_ALL, 3);
    mcs_thread_t *t = mcs_thread(200, mcs_sc(1000, 10000, 0, 0, 0));
    t->arg[0] = US(990);
    t->arg[1] = ntfn_badged;
    mcs_start(t, burn_then_signal);
    mcs_t0 = rdtsc();
    MCS_WAIT_UNTIL(t->out[0] != 0, "the thread's syscall");
    CHECK_CMP(t->out[0] - mcs_t0, <, MS(1));
    /* the root only runs once t is out of budget; the signal has not been sent */
    CHECK_EQ(ntfn_poll(ntfn), 0);
    CHECK_EQ(t->out[1], 0);
    MCS_WAIT_UNTIL(t->out[1] != 0, "the restarted syscall");
    CHECK_NEAR(t->out[1] - mcs_t0, MS(10), US(200));
    CHECK_EQ(ntfn_poll(ntfn), 3);
}

MCS_TEST(mcs_timeout_fault_at_syscall_entry)
{
    /* the same with a timeout handler: the exhausted syscall raises a Timeout fault; a
     * label-0 reply restarts the syscall, which then runs at the next refill */
    pn_cptr_t ntfn = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    mcs_thread_t *t = mcs_thread(200, mcs_sc(1000, 10000, 0, 44, 0));
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(tep)));
    t->arg[0] = US(990);
    t->arg[1] = mcs_mint(ntfn, PN_RIGHTS_ALL, 3);
    mcs_start(t, burn_then_signal);
    mcs_t0 = rdtsc();
    mcs_msg_t m = mcs_poll_recv(tep, reply);
    check_timeout_msg("fault", m, 0, 44, 1000);
    CHECK_CMP(t->out[0], !=, 0);
    CHECK_CMP(t->out[0] - mcs_t0, <, MS(1));
    CHECK_EQ(t->out[1], 0);
    CHECK_EQ(ntfn_poll(ntfn), 0);
    mcs_reply(reply, 0, 0, NULL);
    MCS_WAIT_UNTIL(t->out[1] != 0, "the restarted syscall");
    CHECK_NEAR(t->out[1] - mcs_t0, MS(10), US(200));
    CHECK_EQ(ntfn_poll(ntfn), 3);
}

/* burns arg0, then executes ud2 */
static void burn_then_ud2(mcs_thread_t *t)
{
    mcs_burn(t, t->arg[0]);
    t->out[0] = rdtsc();
    __asm__ volatile("ud2");
}

MCS_TEST(mcs_timeout_fault_at_fault_entry)
{
    /* a user fault taken with less than MIN_BUDGET left: Timeout fault first; after the
     * restart the instruction faults again at the next refill and the fault handler gets
     * the UserException (faults.md §2: MR3 = vector 6) */
    pn_cptr_t tep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t fep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    pn_cptr_t sc = mcs_sc(1000, 10000, 0, 45, 0);
    mcs_thread_t *t = mcs_thread(200, sc);
    MCS_OK(call(t->tcb, PN_TCB_SET_SCHED_PARAMS, W(255, 200), C(SELF_TCB, sc, fep)));
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(tep)));
    t->arg[0] = US(990);
    mcs_start(t, burn_then_ud2);
    mcs_t0 = rdtsc();
    mcs_msg_t m = mcs_poll_recv(tep, reply);
    check_timeout_msg("timeout fault", m, 0, 45, 1000);
    CHECK_CMP(t->out[0], !=, 0);
    CHECK_CMP(t->out[0] - mcs_t0, <, MS(1));
    /* (another reply object: receiving with `reply` would cancel the faulter's wait for
     * its reply, semantics.md §5.5) */
    pn_cptr_t reply2 = mcs_new(PN_OBJ_REPLY, 0);
    m = mcs_poll_recv_until(fep, reply2, rdtsc());
    CHECK_EQ(m.info, 0);
    mcs_reply(reply, 0, 0, NULL);
    m = mcs_poll_recv(fep, reply2);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_USER_EXCEPTION, 0, 0, 5));
    CHECK_EQ(m.mr[3], 6);
    CHECK_NEAR(m.at - mcs_t0, MS(10), US(200));
}

MCS_TEST(mcs_timeout_endpoint_errors_and_clear)
{
    pn_cptr_t ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t ntfn = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t reply = mcs_new(PN_OBJ_REPLY, 0);
    mcs_thread_t *t = mcs_thread(200, mcs_sc(1000, 10000, 0, 0, 0));
    MCS_EXPECT(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    /* an endpoint with Send and (Grant or GrantReply), or a null cap */
    pn_cptr_t send_only = mcs_mint(ep, PN_RIGHT_WRITE, 0);
    pn_cptr_t no_send = mcs_mint(ep, PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY, 0);
    pn_cptr_t send_gr = mcs_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0);
    pn_cptr_t send_g = mcs_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT, 0);
    MCS_EXPECT(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(send_only)),
               PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(no_send)),
               PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(ntfn)),
               PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(ROOT)),
               PN_INVALID_CAPABILITY, 1);
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(send_g)));
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(send_gr)));
    /* a null cap empties the slot: then no Timeout fault is ever raised, the thread just
     * waits for its next refill */
    MCS_OK(call(t->tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NO_WORDS, C(NULL_CAP)));
    mcs_start(t, spin_forever);
    mcs_t0 = rdtsc();
    mcs_msg_t m = mcs_poll_recv_until(ep, reply, mcs_t0 + MS(15));
    CHECK_EQ(m.info, 0);
    mcs_note_bursts(t);
    CHECK_BURST(t, 0, mcs_t0, US(100), MS(1), US(20));
    CHECK_BURST(t, 1, mcs_t0 + MS(10), US(200), MS(1), US(20));
}
