/*
 * MCS budgets in action (semantics.md §6): CPU shares of periodic threads and sporadic
 * servers measured with the TSC, budget exhaustion letting lower priorities run,
 * reconfiguring an SC in use, Yield, Consumed and YieldTo (invocations.md §3.6).
 *
 * Under -icount shift=0,sleep=off virtual time is exact, so shares are checked tightly:
 * within 2 % of the measuring window; burst starts within 2 % of the period, burst lengths
 * within 2 % of the budget (MIN_BUDGET is 20 µs of a 1-5 ms budget).
 */
#include "mcs.h"

/* spins counting its run in [arg0, arg1) until arg2 */
static void spin_window(mcs_thread_t *t)
{
    mcs_spin(t, t->arg[0], t->arg[1], t->arg[2]);
}

/* t->arg[0..2] = window and stop */
static void set_window(mcs_thread_t *t, pn_word_t w0, pn_word_t w1, pn_word_t stop)
{
    t->arg[0] = w0;
    t->arg[1] = w1;
    t->arg[2] = stop;
}

#define TOL(window) ((window) / 50) /* 2 % */

MCS_TEST(mcs_periodic_thread_gets_20_percent)
{
    /* 2 ms every 10 ms at priority 200 against a round-robin spinner at 100 */
    mcs_thread_t *h = mcs_thread(200, mcs_sc(2000, 10000, 0, 0, 0));
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    mcs_start(h, spin_window);
    mcs_start(l, spin_window);
    pn_word_t w = MS(50);
    mcs_t0 = rdtsc();
    set_window(h, mcs_t0, mcs_t0 + w, ~0ul);
    set_window(l, mcs_t0, mcs_t0 + w, mcs_t0 + w);
    MCS_WAIT_UNTIL(l->done, "the low-priority spinner");
    mcs_note_bursts(h);
    mcs_note_bursts(l);
    /* 20 % of the CPU within 2 %, the rest to the low-priority thread */
    CHECK_NEAR(h->run, w / 5, TOL(w));
    CHECK_NEAR(l->run, w - w / 5, TOL(w));
    /* exactly one 2 ms burst at the start of every period */
    for (unsigned k = 0; k < 5; k++)
        CHECK_BURST(h, k, mcs_t0 + k * MS(10), TOL(MS(10)), MS(2), TOL(MS(2)));
}

MCS_TEST(mcs_exhausted_high_priority_lets_lower_run)
{
    mcs_thread_t *h = mcs_thread(200, mcs_sc(1000, 10000, 0, 0, 0));
    mcs_thread_t *m = mcs_thread(150, mcs_sc(2000, 10000, 0, 0, 0));
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    mcs_start(h, spin_window);
    mcs_start(m, spin_window);
    mcs_start(l, spin_window);
    pn_word_t w = MS(10);
    mcs_t0 = rdtsc();
    set_window(h, mcs_t0, mcs_t0 + w, ~0ul);
    set_window(m, mcs_t0, mcs_t0 + w, ~0ul);
    set_window(l, mcs_t0, mcs_t0 + w, mcs_t0 + w);
    MCS_WAIT_UNTIL(l->done, "the low-priority spinner");
    mcs_note_bursts(h);
    mcs_note_bursts(m);
    mcs_note_bursts(l);
    /* h runs 1 ms, then m its 2 ms, then l the rest of the period */
    CHECK_BURST(h, 0, mcs_t0, US(100), MS(1), TOL(MS(1)));
    CHECK_BURST(m, 0, mcs_t0 + MS(1), US(100), MS(2), TOL(MS(2)));
    CHECK_BURST(l, 0, mcs_t0 + MS(3), US(100), MS(7), TOL(w));
    CHECK_NEAR(h->run, MS(1), TOL(w));
    CHECK_NEAR(m->run, MS(2), TOL(w));
    CHECK_NEAR(l->run, MS(7), TOL(w));
}

MCS_TEST(mcs_sporadic_servers_together)
{
    /* three sporadic servers at once (55 % of the CPU) and a round-robin background */
    mcs_thread_t *a = mcs_thread(200, mcs_sc(1000, 5000, 3, 1, SPORADIC));
    mcs_thread_t *b = mcs_thread(190, mcs_sc(2000, 10000, 3, 2, SPORADIC));
    mcs_thread_t *c = mcs_thread(180, mcs_sc(3000, 20000, 3, 3, SPORADIC));
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    mcs_thread_t *all[] = {a, b, c, l};
    for (unsigned i = 0; i < 4; i++)
        mcs_start(all[i], spin_window);
    pn_word_t w = MS(40); /* two periods of the slowest server */
    mcs_t0 = rdtsc();
    for (unsigned i = 0; i < 3; i++)
        set_window(all[i], mcs_t0, mcs_t0 + w, ~0ul);
    set_window(l, mcs_t0, mcs_t0 + w, mcs_t0 + w);
    MCS_WAIT_UNTIL(l->done, "the background spinner");
    for (unsigned i = 0; i < 4; i++)
        mcs_note_bursts(all[i]);
    /* each server gets its budget once per period */
    CHECK_NEAR(a->run, MS(8), TOL(w));
    CHECK_NEAR(b->run, MS(8), TOL(w));
    CHECK_NEAR(c->run, MS(6), TOL(w));
    CHECK_NEAR(l->run, MS(18), TOL(w));
    /* the highest one is never interrupted: 1 ms every 5 ms */
    for (unsigned k = 0; k < 8; k++)
        CHECK_BURST(a, k, mcs_t0 + k * MS(5), TOL(MS(5)), MS(1), TOL(MS(1)));
    /* b runs right after a at 0, 10, 20 and 30 ms */
    for (unsigned k = 0; k < 4; k++)
        CHECK_BURST(b, k, mcs_t0 + k * MS(10) + MS(1), TOL(MS(10)), MS(2), TOL(MS(2)));
}

/* ---- reconfiguring in use ---- */

/* l: spins to arg2, waits for the root's signal on arg3, spins to arg4 */
static void spin_pause_spin(mcs_thread_t *t)
{
    mcs_spin(t, t->arg[0], t->arg[1], t->arg[2]);
    t->phase = 1;
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_wait(t->arg[3], &m);
    t->phase = 2;
    mcs_spin(t, t->arg[0], t->arg[1], t->arg[4]);
}

MCS_TEST(mcs_reconfigure_in_use)
{
    pn_cptr_t ntfn = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t hsc = mcs_sc(1000, 10000, 0, 0, 0);
    mcs_thread_t *h = mcs_thread(200, hsc);
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    mcs_start(h, spin_window);
    mcs_start(l, spin_pause_spin);
    pn_word_t t0 = mcs_t0 = rdtsc();
    set_window(h, t0 + MS(50), t0 + MS(60), t0 + MS(60));
    set_window(l, 0, 0, t0 + MS(15));
    l->arg[3] = ntfn;
    l->arg[4] = t0 + MS(47);

    /* h: 1 ms at 0 and 10 ms; at 15 ms it waits in the release queue for 20 ms */
    MCS_WAIT_UNTIL(l->phase == 1, "the spinner's first phase");
    pn_word_t now = rdtsc();
    CHECK_CMP(now - t0, <, MS(19));
    /* 5 ms every 10 ms while its thread is runnable: update() keeps the head refill
     * (1 ms at 20 ms) and adds the 4 ms more one period later (semantics.md §6.2); after
     * the 20 ms refill is used it merges into the tail: 5 ms at 30 ms, 40 ms, ... */
    MCS_OK(sc_configure(hsc, 5000, 10000, 0, 0, 0));
    mcs_signal(ntfn);
    MCS_WAIT_UNTIL(l->done, "the spinner's second phase");
    now = rdtsc();
    CHECK_CMP(now - t0, <, MS(49));
    /* round robin now (budget = period): h keeps the CPU */
    MCS_OK(sc_configure(hsc, 2000, 2000, 0, 0, 0));
    pn_word_t rr = rdtsc();
    MCS_WAIT_UNTIL(h->done, "the reconfigured thread");

    MCS_NOTE("reconfigured to round robin at %lu us\n", (rr - t0) / mcs_mhz);
    mcs_note_bursts(h);
    mcs_note_bursts(l);
    CHECK_BURST(h, 0, t0, TOL(MS(10)), MS(1), TOL(MS(1)));
    CHECK_BURST(h, 1, t0 + MS(10), TOL(MS(10)), MS(1), TOL(MS(1)));
    CHECK_BURST(h, 2, t0 + MS(20), TOL(MS(10)), MS(1), TOL(MS(1)));
    CHECK_BURST(h, 3, t0 + MS(30), TOL(MS(10)), MS(5), TOL(MS(5)));
    CHECK_BURST(h, 4, t0 + MS(40), TOL(MS(10)), MS(5), TOL(MS(5)));
    CHECK_BURST(h, 5, rr, US(100), t0 + MS(60) - rr, TOL(MS(10)));
    CHECK_NEAR(h->run, MS(10), TOL(MS(10)));
}

/* ---- Yield ---- */

static void burn_yield(mcs_thread_t *t)
{
    mcs_burn(t, t->arg[0]);
    t->out[0] = rdtsc();
    pn_yield();
    t->out[1] = rdtsc();
}

MCS_TEST(mcs_yield_forfeits_periodic_budget)
{
    pn_cptr_t sc = mcs_sc(2000, 10000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(200, sc);
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    t->arg[0] = US(500);
    mcs_start(t, burn_yield);
    mcs_start(l, spin_window);
    mcs_t0 = rdtsc();
    set_window(l, mcs_t0, mcs_t0 + MS(10), mcs_t0 + MS(12));
    MCS_WAIT_UNTIL(l->done && t->done, "the threads");
    MCS_NOTE("yield at %lu us, back at %lu us\n", (t->out[0] - mcs_t0) / mcs_mhz,
             (t->out[1] - mcs_t0) / mcs_mhz);
    mcs_note_bursts(l);
    /* Yield charges the whole head refill: t is back only at its next period, and the
     * low-priority thread runs in between */
    CHECK_NEAR(t->out[0] - mcs_t0, US(500), US(100));
    CHECK_NEAR(t->out[1] - mcs_t0, MS(10), TOL(MS(10)));
    CHECK_NEAR(l->first - mcs_t0, US(500), US(100));
    CHECK_NEAR(l->run, MS(10) - US(500), TOL(MS(10)));
    /* Consumed reflects the time used, not the forfeited remainder */
    pn_word_t c = sc_consumed(sc);
    CHECK_CMP(c, >=, 500);
    CHECK_CMP(c, <=, 500 + 50);
}

MCS_TEST(mcs_yield_round_robin)
{
    /* alone at its priority: the full budget comes back at once and it goes on */
    pn_cptr_t sc = mcs_sc(5000, 5000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(150, sc);
    mcs_thread_t *l = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    t->arg[0] = US(300);
    mcs_start(t, burn_yield);
    mcs_start(l, spin_window);
    mcs_t0 = rdtsc();
    set_window(l, mcs_t0, mcs_t0 + MS(2), mcs_t0 + MS(2));
    MCS_WAIT_UNTIL(l->done && t->done, "the threads");
    CHECK_CMP(t->out[1] - t->out[0], <, US(20));
    CHECK_CMP(l->first, >, t->out[1]);
    pn_word_t c = sc_consumed(sc);
    CHECK_CMP(c, >=, 300);
    CHECK_CMP(c, <=, 300 + 50);
}

/* ---- Consumed ---- */

static void burn_arg(mcs_thread_t *t)
{
    mcs_burn(t, t->arg[0]);
    t->out[0] = rdtsc();
}

MCS_TEST(mcs_consumed_returns_time_used)
{
    pn_cptr_t sc1 = mcs_sc(10000, 10000, 0, 0, 0);
    mcs_thread_t *t1 = mcs_thread(150, sc1);
    t1->arg[0] = MS(3);
    CHECK_EQ(sc_consumed(sc1), 0);
    mcs_start(t1, burn_arg);
    MCS_WAIT_UNTIL(t1->done, "the thread");
    pn_word_t c = sc_consumed(sc1);
    CHECK_CMP(c, >=, 3000);
    CHECK_CMP(c, <=, 3000 + 60);
    /* reset by the query; the thread does not run any more */
    CHECK_EQ(sc_consumed(sc1), 0);

    /* a sporadic 1 ms / 10 ms thread using 2.5 ms: three refills, done at 20.5 ms */
    pn_cptr_t sc2 = mcs_sc(1000, 10000, 2, 0, SPORADIC);
    mcs_thread_t *t2 = mcs_thread(150, sc2);
    t2->arg[0] = US(2500);
    mcs_start(t2, burn_arg);
    mcs_t0 = rdtsc();
    MCS_WAIT_UNTIL(t2->done, "the sporadic thread");
    MCS_NOTE("consumed %lu us\n", c);
    mcs_note_bursts(t2);
    CHECK_BURST(t2, 0, mcs_t0, US(100), MS(1), TOL(MS(1)));
    CHECK_BURST(t2, 1, mcs_t0 + MS(10), TOL(MS(10)), MS(1), TOL(MS(1)));
    CHECK_BURST(t2, 2, mcs_t0 + MS(20), TOL(MS(10)), US(500), TOL(MS(1)));
    CHECK_NEAR(t2->out[0] - mcs_t0, MS(20) + US(500), TOL(MS(20)));
    c = sc_consumed(sc2);
    CHECK_CMP(c, >=, 2500);
    CHECK_CMP(c, <=, 2500 + 60);
}

/* ---- YieldTo ---- */

static volatile pn_word_t order_log[8];
static volatile unsigned order_n;

static void log_id(mcs_thread_t *t)
{
    unsigned n = order_n;
    if (n < 8)
        order_log[n] = (pn_word_t)t->id;
    order_n = n + 1;
}

MCS_TEST(mcs_yield_to_lower_priority_goes_first)
{
    order_n = 0;
    mcs_thread_t *t[3];
    for (unsigned i = 0; i < 3; i++)
        t[i] = mcs_thread(100, mcs_sc(1000, 1000, 0, 0, 0));
    for (unsigned i = 0; i < 3; i++)
        mcs_start(t[i], log_id);
    /* the target (priority 100) is below the caller (255): it goes to the head of its
     * queue and the caller gets MR0 = its SC's consumed time (0: it never ran) at once */
    reply_t r = call(t[1]->sc, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS);
    MCS_OK(r, 0);
    CHECK_EQ(order_n, 0);
    MCS_WAIT_UNTIL(t[0]->done && t[1]->done && t[2]->done, "the threads");
    CHECK_EQ(order_n, 3);
    CHECK_EQ(order_log[0], t[1]->id);
}

MCS_TEST(mcs_yield_to_equal_priority_runs_target)
{
    pn_cptr_t sc = mcs_sc(5000, 5000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(255, sc);
    t->arg[0] = MS(1);
    mcs_start(t, burn_arg);
    CHECK_EQ(t->first, 0);
    /* same priority as the caller: the target runs first, and when the caller runs again
     * its reply is overwritten with MR0 = the target SC's consumed µs (length 1) */
    reply_t r = call(sc, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS);
    MCS_NOTE("yield_to reply info 0x%lx mr0 %lu\n", r.info, r.mr[0]);
    CHECK_EQ(t->done, 1);
    CHECK_EQ(r.info, pn_msginfo(0, 0, 0, 1));
    CHECK_EQ(r.badge, 0);
    CHECK_CMP(r.mr[0], >=, 1000);
    CHECK_CMP(r.mr[0], <=, 1000 + 60);
}
