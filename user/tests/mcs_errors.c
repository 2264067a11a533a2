/*
 * MCS invocation errors (invocations.md §3.5 Domain, §3.6 SchedControl / SchedContext):
 * every error path in the spec's check order, and the valid boundary cases.
 */
#include "mcs.h"

#define MAXP max_period_us()

/* ---- SchedControl_ConfigureFlags ---- */

MCS_TEST(mcs_configure_flags_truncated)
{
    pn_cptr_t sc = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    /* no C[0] is checked before the length */
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(1000, 1000, 0, 0, 0),
                    NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    /* a range error in the words does not come before the missing cap */
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(1, 1, 0, 0, 0),
                    NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    /* length < 5 */
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, NO_WORDS, C(sc)),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(1000, 1000, 0, 0),
                    C(sc)),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(1, 1, 99, 0), C(sc)),
               PN_TRUNCATED_MESSAGE);
    /* five words and the cap: fine */
    MCS_OK(sc_configure(sc, 1000, 1000, 0, 0, 0));
}

MCS_TEST(mcs_configure_flags_ranges)
{
    pn_cptr_t sc = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    pn_word_t maxp = MAXP;
    CHECK_EQ(maxp, (~0ul / mcs_mhz) / 8);
    /* budget_us > MAX_PERIOD_US (before the period checks and budget > period) */
    MCS_EXPECT(sc_configure(sc, maxp + 1, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, ~0ul, ~0ul, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, maxp + 1, 10, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    /* period_us > MAX_PERIOD_US */
    MCS_EXPECT(sc_configure(sc, 1000, maxp + 1, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, 10, ~0ul, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    /* budget below MIN_BUDGET (20 µs) */
    MCS_EXPECT(sc_configure(sc, 19, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, 0, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, 0, 0, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    /* budget too small is checked before budget > period: (20, max), not (20, period) */
    MCS_EXPECT(sc_configure(sc, 10, 5, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    /* period below MIN_BUDGET, before budget > period */
    MCS_EXPECT(sc_configure(sc, 20, 19, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(sc, 1000, 0, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    /* budget > period: RangeError(MIN_BUDGET_US, period_us) */
    MCS_EXPECT(sc_configure(sc, 1001, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, 1000);
    MCS_EXPECT(sc_configure(sc, 21, 20, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, 20);
    MCS_EXPECT(sc_configure(sc, maxp, maxp - 1, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US,
               maxp - 1);
    /* the boundaries themselves are accepted */
    MCS_OK(sc_configure(sc, 20, 20, 0, 0, 0));
    MCS_OK(sc_configure(sc, 20, 21, 0, 0, 0));
    MCS_OK(sc_configure(sc, maxp, maxp, 0, 0, 0));
    MCS_OK(sc_configure(sc, 20, maxp, 0, 0, SPORADIC));
    MCS_OK(sc_configure(sc, 1000, 1000, 0, 0, 0));
}

MCS_TEST(mcs_configure_flags_cap_and_refills)
{
    pn_cptr_t sc = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    pn_cptr_t ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t maxp = MAXP;
    /* the word range checks come before the cap type */
    MCS_EXPECT(sc_configure(ep, 19, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, maxp);
    MCS_EXPECT(sc_configure(ep, 1001, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US, 1000);
    MCS_EXPECT(sc_configure(ROOT, maxp + 1, 1000, 0, 0, 0), PN_RANGE_ERROR, MIN_BUDGET_US,
               maxp);
    /* C[0] not a SchedContext: InvalidCapability(1), before the refill count */
    MCS_EXPECT(sc_configure(ep, 1000, 1000, 0, 0, 0), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(sc_configure(ep, 1000, 2000, 1000, 0, 0), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(sc_configure(SCHED_CONTROL, 1000, 2000, 0, 0, 0), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(sc_configure(SELF_TCB, 1000, 2000, 0, 0, 0), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(sc_configure(NULL_CAP, 1000, 2000, 0, 0, 0), PN_INVALID_CAPABILITY, 1);
    /* extra_refills > max_refills - 2, max_refills = (2^size_bits - 96) / 16 */
    pn_word_t max_extra = ((1ul << SC_BITS) - 96) / 16 - 2; /* 8 */
    MCS_EXPECT(sc_configure(sc, 1000, 2000, max_extra + 1, 0, 0), PN_RANGE_ERROR, 0,
               max_extra);
    MCS_EXPECT(sc_configure(sc, 1000, 2000, ~0ul, 0, 0), PN_RANGE_ERROR, 0, max_extra);
    MCS_OK(sc_configure(sc, 1000, 2000, max_extra, 0, SPORADIC));
    /* the smallest SC (2^7): (128 - 96) / 16 = 2 refills, no extra ones */
    pn_cptr_t small = mcs_new(PN_OBJ_SCHED_CONTEXT, PN_MIN_SCHED_CONTEXT_BITS);
    MCS_EXPECT(sc_configure(small, 1000, 2000, 1, 0, 0), PN_RANGE_ERROR, 0, 0);
    MCS_OK(sc_configure(small, 1000, 2000, 0, 0, SPORADIC));
    /* 2^10: (1024 - 96) / 16 = 58 refills, 56 extra */
    pn_cptr_t big = mcs_new(PN_OBJ_SCHED_CONTEXT, 10);
    MCS_EXPECT(sc_configure(big, 1000, 2000, 57, 0, 0), PN_RANGE_ERROR, 0, 56);
    MCS_OK(sc_configure(big, 1000, 2000, 56, 0, 0));
    /* round robin (budget = period) ignores extra_refills, but the range check still
     * applies (it is part of decoding) */
    MCS_EXPECT(sc_configure(small, 1000, 1000, 1, 0, 0), PN_RANGE_ERROR, 0, 0);
    /* other labels on SchedControl: IllegalOperation */
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(sc)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(SCHED_CONTROL, PN_SCHED_CONTEXT_CONSUMED, NO_WORDS, NO_CAPS),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(SCHED_CONTROL, PN_INVALID_INVOCATION, W(1000, 1000, 0, 0, 0), C(sc)),
               PN_ILLEGAL_OPERATION);
}

/* ---- SchedContext_Bind / Unbind / UnbindObject / Consumed ---- */

static void wait_on_ntfn(mcs_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    t->phase = 1;
    t->out[0] = pn_wait(t->arg[0], &m);
    t->phase = 2;
}

static void spin_to_hard_stop(mcs_thread_t *t)
{
    mcs_spin(t, 0, ~0ul, ~0ul);
}

MCS_TEST(mcs_bind_errors)
{
    pn_cptr_t sc1 = mcs_sc(1000, 1000, 0, 0, 0);
    pn_cptr_t sc2 = mcs_sc(1000, 1000, 0, 0, 0);
    pn_cptr_t ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    mcs_thread_t *t1 = mcs_thread(100, sc1); /* inactive, has sc1 */
    mcs_thread_t *t2 = mcs_thread(100, 0);   /* inactive, no SC */

    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    /* SC already has a TCB */
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)), PN_ILLEGAL_OPERATION);
    /* TCB already has an SC */
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t1->tcb)), PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(SELF_TCB)), PN_ILLEGAL_OPERATION);
    /* neither a TCB nor a notification */
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(ep)), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(ROOT)), PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(sc1)), PN_INVALID_CAPABILITY, 1);
    /* an inactive thread takes an SC, even an unconfigured one (it is not blocked) */
    pn_cptr_t unconf = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    MCS_OK(call(unconf, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)));
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)), PN_ILLEGAL_OPERATION);
    MCS_OK(call(unconf, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS));
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)));
    /* other labels on an SC cap */
    MCS_EXPECT(call(sc2, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(1000, 1000, 0, 0, 0), C(sc2)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc2, PN_TCB_SUSPEND, NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
}

MCS_TEST(mcs_bind_blocked_thread_needs_released_sc)
{
    /* t3 blocks on a notification with its own SC, then loses it: a blocked thread */
    pn_cptr_t ntfn = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t sc3 = mcs_sc(1000, 1000, 0, 0, 0);
    mcs_thread_t *t3 = mcs_thread(100, sc3);
    t3->arg[0] = ntfn;
    mcs_start(t3, wait_on_ntfn);
    MCS_WAIT_UNTIL(t3->phase == 1, "t3 to wait");
    MCS_OK(call(sc3, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t3->tcb)));

    /* an exhausted SC whose next refill is 50 ms away: t4 spins through its 1 ms */
    pn_cptr_t sc4 = mcs_sc(1000, 50000, 0, 0, 0);
    mcs_thread_t *t4 = mcs_thread(100, sc4);
    mcs_start(t4, spin_to_hard_stop);
    MCS_WAIT_UNTIL(t4->first != 0, "t4 to run"); /* the root runs again once t4 is out */
    pn_word_t now = rdtsc();
    CHECK_CMP(now - t4->first, <, MS(25));      /* so sc4's refill is still far away */
    MCS_OK(call(sc4, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t4->tcb)));

    /* blocked thread + SC not released: unconfigured, or head refill not yet due */
    pn_cptr_t unconf = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    MCS_EXPECT(call(unconf, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t3->tcb)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc4, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t3->tcb)), PN_ILLEGAL_OPERATION);
    /* the same rule in SetSchedParams */
    MCS_EXPECT(call(t3->tcb, PN_TCB_SET_SCHED_PARAMS, W(255, 100), C(SELF_TCB, unconf, NULL_CAP)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(t3->tcb, PN_TCB_SET_SCHED_PARAMS, W(255, 100), C(SELF_TCB, sc4, NULL_CAP)),
               PN_ILLEGAL_OPERATION);
    /* a released SC binds, and the thread stays blocked on its notification */
    MCS_OK(call(sc3, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t3->tcb)));
    CHECK_EQ(t3->phase, 1);
    /* the not-yet-released SC binds to a thread that is not blocked */
    mcs_thread_t *t5 = mcs_thread(100, 0);
    MCS_OK(call(sc4, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t5->tcb)));
    MCS_OK(call(unconf, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t4->tcb)));
}

MCS_TEST(mcs_bind_notification_errors)
{
    pn_cptr_t n1 = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t n2 = mcs_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t sc1 = mcs_sc(1000, 1000, 0, 0, 0);
    pn_cptr_t sc2 = mcs_sc(1000, 1000, 0, 0, 0);
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n1)));
    /* SC already has a notification */
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n2)), PN_ILLEGAL_OPERATION);
    /* notification already has an SC */
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n1)), PN_ILLEGAL_OPERATION);
    /* UnbindObject: wrong notification, wrong cap type, missing cap */
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(n2)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(n1)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    pn_cptr_t ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(ep)),
               PN_INVALID_CAPABILITY, 1);
    /* an SC may have a TCB and a notification at once */
    mcs_thread_t *t = mcs_thread(100, 0);
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t->tcb)));
    /* unbind the notification: it can take another SC, the SC another notification */
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(n1)));
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n1)));
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n2)));
    /* Unbind drops both the TCB and the notification */
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS));
    pn_cptr_t sc3 = mcs_sc(1000, 1000, 0, 0, 0);
    MCS_OK(call(sc3, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(n2)));
    MCS_OK(call(sc3, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t->tcb)));
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t->tcb)),
               PN_ILLEGAL_OPERATION);
}

MCS_TEST(mcs_unbind_errors)
{
    pn_cptr_t sc1 = mcs_sc(1000, 1000, 0, 0, 0);
    pn_cptr_t sc2 = mcs_sc(1000, 1000, 0, 0, 0);
    mcs_thread_t *t1 = mcs_thread(100, sc1);
    mcs_thread_t *t2 = mcs_thread(100, 0);
    /* Unbind: the SC's TCB is the caller */
    MCS_EXPECT(call(ROOT_SC, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
    /* Unbind of an SC with nothing bound: nothing to check, success */
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS));
    /* UnbindObject: missing cap, not the SC's TCB, the caller, other cap types */
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t2->tcb)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc2, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t1->tcb)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(SELF_TCB)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(ROOT_SC, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(SELF_TCB)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(ROOT)),
               PN_INVALID_CAPABILITY, 1);
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(sc2)),
               PN_INVALID_CAPABILITY, 1);
    /* the right TCB: unbound, so both are free again */
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t1->tcb)));
    MCS_EXPECT(call(sc1, PN_SCHED_CONTEXT_UNBIND_OBJECT, NO_WORDS, C(t1->tcb)),
               PN_ILLEGAL_OPERATION);
    MCS_OK(call(sc1, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)));
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t1->tcb)));
    /* Unbind of an SC bound to another thread */
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS));
    MCS_OK(call(sc2, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t1->tcb)));
}

MCS_TEST(mcs_consumed_no_checks)
{
    /* Consumed has no error cases: an unconfigured or never-run SC reports 0 */
    pn_cptr_t unconf = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    CHECK_EQ(sc_consumed(unconf), 0);
    pn_cptr_t sc = mcs_sc(1000, 5000, 2, 7, SPORADIC);
    CHECK_EQ(sc_consumed(sc), 0);
    mcs_thread_t *t = mcs_thread(100, sc);
    (void)t;
    CHECK_EQ(sc_consumed(sc), 0);
    /* extra words and caps are ignored */
    reply_t r = call(sc, PN_SCHED_CONTEXT_CONSUMED, W(1, 2, 3, 4, 5), C(ROOT));
    MCS_OK(r, 0);
    /* the root task's own SC: what it used since the last query, reset each time */
    pn_word_t t0 = rdtsc();
    sc_consumed(ROOT_SC);
    pn_word_t a = sc_consumed(ROOT_SC);
    pn_word_t t1 = rdtsc();
    CHECK_CMP(a, <=, (t1 - t0) / mcs_mhz);
}

/* ---- SchedContext_YieldTo errors ---- */

static void yield_to_from_thread(mcs_thread_t *t)
{
    for (unsigned i = 0; i < 2; i++) {
        pn_msg_t m = {pn_msginfo(PN_SCHED_CONTEXT_YIELD_TO, 0, 0, 0), {0, 0, 0, 0}};
        t->out[2 * i + 1] = pn_call(t->arg[i], &m); /* badge */
        t->out[2 * i] = m.info;
        t->out[4 + i] = m.mr[0];
    }
}

MCS_TEST(mcs_yield_to_errors)
{
    /* SC without a TCB */
    pn_cptr_t lone = mcs_sc(1000, 1000, 0, 0, 0);
    MCS_EXPECT(call(lone, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
    pn_cptr_t unconf = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    MCS_EXPECT(call(unconf, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS),
               PN_ILLEGAL_OPERATION);
    /* the SC's TCB is the caller */
    MCS_EXPECT(call(ROOT_SC, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS),
               PN_ILLEGAL_OPERATION);

    /* target priority > caller's MCP (not its priority): a caller at priority 50 with
     * MCP 100 may yield to a priority-100 thread but not to a priority-101 one */
    pn_cptr_t sc_hi = mcs_sc(1000, 1000, 0, 0, 0);
    pn_cptr_t sc_eq = mcs_sc(1000, 1000, 0, 0, 0);
    mcs_thread_t *hi = mcs_thread(101, sc_hi); /* never started: not schedulable */
    mcs_thread_t *eq = mcs_thread(100, sc_eq);
    (void)hi;
    (void)eq;
    mcs_thread_t *y = mcs_thread(50, mcs_sc(1000, 1000, 0, 0, 0));
    MCS_OK(call(y->tcb, PN_TCB_SET_MC_PRIORITY, W(100), C(SELF_TCB)));
    y->arg[0] = sc_hi;
    y->arg[1] = sc_eq;
    mcs_start(y, yield_to_from_thread);
    MCS_WAIT_UNTIL(y->done, "the yielding thread");
    CHECK_EQ(y->out[0], pn_msginfo(PN_ILLEGAL_OPERATION, 0, 0, 0));
    CHECK_EQ(y->out[1], 0);
    /* allowed; the target is not schedulable (inactive): immediate return with the
     * target SC's consumed time, 0 (it never ran) */
    CHECK_EQ(y->out[2], pn_msginfo(0, 0, 0, 1));
    CHECK_EQ(y->out[3], 0);
    CHECK_EQ(y->out[5], 0);
}

/* ---- DomainSet (single domain) ---- */

static void note_run(mcs_thread_t *t)
{
    t->out[0] = 1;
}

MCS_TEST(mcs_domain_set_set)
{
    mcs_thread_t *t = mcs_thread(100, mcs_sc(1000, 1000, 0, 0, 0));
    pn_cptr_t ep = mcs_new(PN_OBJ_ENDPOINT, 0);
    /* length 0 first (even with a TCB), then the domain, then C[0] */
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, NO_WORDS, C(t->tcb)), PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(1), C(t->tcb)), PN_INVALID_ARGUMENT, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(1), NO_CAPS), PN_INVALID_ARGUMENT, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(1), C(ep)), PN_INVALID_ARGUMENT, 0);
    /* the whole word is compared */
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0x100), C(t->tcb)), PN_INVALID_ARGUMENT,
               0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(~0ul), C(t->tcb)), PN_INVALID_ARGUMENT,
               0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), NO_CAPS), PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), C(ep)), PN_INVALID_ARGUMENT, 1);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), C(ROOT)), PN_INVALID_ARGUMENT, 1);
    /* domain 0 works, for another thread and for the caller itself */
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), C(t->tcb)));
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), C(SELF_TCB)));
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0, 1, 2), C(t->tcb, ep)));
    /* the thread still runs (single domain) */
    mcs_start(t, note_run);
    MCS_WAIT_UNTIL(t->done, "the thread in domain 0");
    CHECK_EQ(t->out[0], 1);
    /* and so does a running thread moved to domain 0 */
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SET_SET, W(0), C(SELF_TCB)));
    /* other labels on the DomainSet cap */
    MCS_EXPECT(call(DOMAIN_CAP, PN_INVALID_INVOCATION, W(0), C(t->tcb)), PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(DOMAIN_CAP, PN_SCHED_CONTROL_CONFIGURE_FLAGS, W(0), C(t->tcb)),
               PN_ILLEGAL_OPERATION);
    MCS_EXPECT(call(DOMAIN_CAP, PN_TCB_SET_PRIORITY, W(0), C(t->tcb)), PN_ILLEGAL_OPERATION);
}

#define DURATION_MAX ((1ul << 56) - 1)

static void burn_arg0(mcs_thread_t *t)
{
    mcs_burn(t, t->arg[0]);
    t->out[0] = rdtsc();
}

MCS_TEST(mcs_domain_schedule)
{
    /* ScheduleConfigure: length < 3; index >= schedLen - 1 (= 1); domain >= 1; duration
     * > 2^56 - 1; the current start entry (0) with duration 0 */
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0), NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(1, 0, 1000), NO_CAPS),
               PN_RANGE_ERROR, 0, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(~0ul, 5, 0), NO_CAPS),
               PN_RANGE_ERROR, 0, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 1, 1000), NO_CAPS),
               PN_RANGE_ERROR, 0, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 1, 1ul << 56), NO_CAPS),
               PN_RANGE_ERROR, 0, 0);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, 1ul << 56), NO_CAPS),
               PN_INVALID_ARGUMENT, 2);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, ~0ul), NO_CAPS),
               PN_INVALID_ARGUMENT, 2);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, 0), NO_CAPS),
               PN_INVALID_ARGUMENT, 2);
    /* ScheduleSetStart: length 0; index >= schedLen (2); an end marker (entry 1) */
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, NO_WORDS, NO_CAPS),
               PN_TRUNCATED_MESSAGE);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, W(2), NO_CAPS),
               PN_RANGE_ERROR, 0, 1);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, W(~0ul), NO_CAPS),
               PN_RANGE_ERROR, 0, 1);
    MCS_EXPECT(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, W(1), NO_CAPS),
               PN_INVALID_ARGUMENT, 0);
    /* the valid forms: entry 0 = domain 0 with the boot duration, start at entry 0 */
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, DURATION_MAX), NO_CAPS));
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, W(0), NO_CAPS));

    /* a short entry-0 duration changes nothing with one domain: domain time is never
     * charged or checked (semantics.md §6.5), so a thread runs 2 ms uninterrupted */
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, US(100)), NO_CAPS));
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_SET_START, W(0), NO_CAPS));
    mcs_thread_t *t = mcs_thread(100, mcs_sc(5000, 5000, 0, 0, 0));
    t->arg[0] = MS(2);
    mcs_start(t, burn_arg0);
    MCS_WAIT_UNTIL(t->done, "the thread");
    MCS_OK(call(DOMAIN_CAP, PN_DOMAIN_SCHEDULE_CONFIGURE, W(0, 0, DURATION_MAX), NO_CAPS));
    CHECK_CMP(t->out[0] - t->first, <=, MS(2) + US(100));
}
