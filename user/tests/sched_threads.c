/* Issue 4: threads, the scheduler's priority order and round robin (semantics.md §6.1,
 * §5.1, §5.6). */
#include "tthread.h"

static void log_id(tt_thread_t *t)
{
    tt_log(t->arg[0]);
}

TEST(thread_runs_in_root_address_space)
{
    tt_thread_t *t = tt_thread(100, 0, 0);
    t->arg[0] = 7;
    tt_start(t, log_id);
    tt_settle();
    CHECK(t->done);
    CHECK_LOG(7);
}

static tt_thread_t *logger(pn_word_t prio, pn_word_t id)
{
    tt_thread_t *t = tt_thread(prio, 0, 0);
    t->arg[0] = id;
    return t;
}

/* The highest priority runs first (semantics.md §6.1). */
TEST(ready_queue_priority_order)
{
    tt_thread_t *a = logger(20, 20), *b = logger(40, 40), *c = logger(30, 30);
    tt_start(a, log_id);
    tt_start(b, log_id);
    tt_start(c, log_id);
    tt_settle();
    CHECK_LOG(40, 30, 20);
}

/* Threads made runnable while a higher-priority thread runs go to the head of their
 * queue (semantics.md §6.1: the switch candidate is not of the highest ready priority),
 * so at equal priority the last one resumed runs first. */
TEST(ready_queue_equal_priority_resume_order)
{
    tt_thread_t *a = logger(30, 1), *b = logger(30, 2), *c = logger(30, 3);
    tt_start(a, log_id);
    tt_start(b, log_id);
    tt_start(c, log_id);
    tt_settle();
    CHECK_LOG(3, 2, 1);
}

static void log_and_yield(tt_thread_t *t)
{
    for (int i = 0; i < 3; i++) {
        tt_log(t->arg[0]);
        pn_yield();
    }
}

/* Yield puts the thread at the tail of its priority queue. */
TEST(round_robin_with_yield)
{
    tt_thread_t *a = logger(30, 1), *b = logger(30, 2);
    tt_start(a, log_and_yield);
    tt_start(b, log_and_yield);
    tt_settle();
    CHECK_LOG(2, 1, 2, 1, 2, 1);
}

static volatile int rr_flag;

static void spin_until_flag(tt_thread_t *t)
{
    pn_word_t i;
    for (i = 0; i < 200000000ul && !rr_flag; i++)
        __asm__ volatile("" ::: "memory");
    t->out[0] = rr_flag;
    t->out[1] = i;
}

static void set_flag(tt_thread_t *t)
{
    (void)t;
    rr_flag = 1;
}

/* A thread that never blocks shares the CPU with an equal-priority thread once its
 * round-robin budget is used (semantics.md §6.1, §6.3). */
TEST(round_robin_by_budget)
{
    rr_flag = 0;
    tt_thread_t *b = logger(30, 2), *a = logger(30, 1);
    tt_start(b, set_flag);
    tt_start(a, spin_until_flag); /* a runs first (head of the queue) */
    tt_settle();
    CHECK(a->done);
    CHECK(b->done);
    if (!a->out[0])
        FAIL("the spinning thread was never preempted for its equal-priority peer");
    CHECK_CMP(a->out[1], >, 0);
}

static void send_id(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(0, 1, t->arg[0], 0, 0, 0);
    pn_send(t->arg[1], &m);
}

static tt_thread_t *queued_sender(pn_word_t prio, pn_word_t id, pn_cptr_t ep)
{
    tt_thread_t *t = logger(prio, id);
    t->arg[1] = ep;
    tt_start(t, send_id);
    tt_settle();
    return t;
}

static void check_receive_order(pn_cptr_t ep, const pn_word_t *ids, unsigned n)
{
    pn_cptr_t reply = tt_new(PN_OBJ_REPLY, 0);
    for (unsigned i = 0; i < n; i++) {
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_word_t badge = pn_nb_recv(ep, &m, reply);
        CHECK_EQ(badge, 0);
        if (m.mr[0] != ids[i])
            FAIL("message %u came from sender %lu, expected sender %lu", i, m.mr[0], ids[i]);
    }
}

/* MCS endpoint queues are ordered by priority, FIFO among equals (semantics.md §5.1). */
TEST(endpoint_queue_priority_order)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    queued_sender(20, 1, ep);
    queued_sender(40, 2, ep);
    queued_sender(30, 3, ep);
    queued_sender(40, 4, ep);
    queued_sender(20, 5, ep);
    const pn_word_t order[] = {2, 4, 3, 1, 5};
    check_receive_order(ep, order, 5);
}

/* A queued thread whose priority changes is re-inserted behind its new equals. */
TEST(endpoint_queue_reordered_by_set_priority)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    tt_thread_t *a = queued_sender(20, 1, ep);
    queued_sender(20, 2, ep);
    tt_thread_t *c = queued_sender(20, 3, ep);
    queued_sender(20, 4, ep);
    MUST(pn_tcb_set_priority(a->tcb, SELF_TCB, 25));
    MUST(pn_tcb_set_priority(a->tcb, SELF_TCB, 20)); /* a: behind 2, 3, 4 */
    MUST(pn_tcb_set_sched_params(c->tcb, SELF_TCB, 255, 30, c->sc, NULL_SLOT)); /* c first */
    const pn_word_t order[] = {3, 2, 4, 1};
    check_receive_order(ep, order, 4);
}

static void wait_and_log(tt_thread_t *t)
{
    pn_ntfn_wait(t->arg[1]);
    tt_log(t->arg[0]);
}

/* Notification waiters are woken in priority order (semantics.md §5.6). */
TEST(notification_queue_priority_order)
{
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    const pn_word_t prios[] = {20, 40, 30, 40};
    for (unsigned i = 0; i < 4; i++) {
        tt_thread_t *t = logger(prios[i], i + 1);
        t->arg[1] = n;
        tt_start(t, wait_and_log);
        tt_settle();
    }
    for (unsigned i = 0; i < 4; i++) {
        pn_signal(n);
        tt_settle();
    }
    CHECK_LOG(2, 4, 3, 1);
}
