/* Regression tests for kernel bugs found by the fuzzer (docs/fuzzing.md).  The kernels
 * with those bugs fail these on the checking build (make test's "check" configuration):
 * its invariant check panics as soon as a thread is left in the wrong queue. */
#include "mcs.h"

/* spins for ever, counting in out[0] */
static void spin_count(mcs_thread_t *t)
{
    for (;;)
        t->out[0]++;
}

MCS_TEST(mcs_yield_to_thread_waiting_for_refill)
{
    /* SchedContext_YieldTo on the SC of a thread that used up its budget and waits in the
     * release queue: the thread is not schedulable, so the call returns at once with
     * MR0 = consumed µs (invocations.md §3.6); and the thread runs again at its next
     * refill.  (A kernel once queued it a second time and livelocked.) */
    pn_cptr_t sc = mcs_sc(1000, 50000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(100, sc);
    mcs_start(t, spin_count);
    pn_word_t start = rdtsc();
    MCS_WAIT_UNTIL(rdtsc() - start >= MS(10), "10 ms");
    pn_word_t before = t->out[0];
    CHECK_CMP(before, !=, 0);
    reply_t r = call(sc, PN_SCHED_CONTEXT_YIELD_TO, NO_WORDS, NO_CAPS);
    CHECK_EQ(pn_msginfo_label(r.info), PN_NO_ERROR);
    CHECK_EQ(pn_msginfo_length(r.info), 1);
    CHECK_CMP(r.mr[0], >=, 900);
    CHECK_CMP(r.mr[0], <=, 1100);
    CHECK_EQ(t->out[0], before); /* still waiting for its refill */
    MCS_WAIT_UNTIL(t->out[0] != before, "the next refill");
    CHECK_CMP(rdtsc() - start, >=, MS(45));
}

MCS_TEST(mcs_suspend_thread_waiting_for_refill)
{
    /* TCB_Suspend of a thread that used up its budget and waits in the release queue:
     * it is Inactive, so its next refill must not make it run (a kernel once left it in
     * the release queue and ran it there); Resume makes it run again. */
    pn_cptr_t sc = mcs_sc(1000, 20000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(100, sc);
    mcs_start(t, spin_count);
    pn_word_t start = rdtsc();
    MCS_WAIT_UNTIL(rdtsc() - start >= MS(5), "5 ms");
    CHECK_CMP(t->out[0], !=, 0);
    MCS_OK(call(t->tcb, PN_TCB_SUSPEND, NO_WORDS, NO_CAPS));
    pn_word_t before = t->out[0];
    MCS_WAIT_UNTIL(rdtsc() - start >= MS(65), "three periods");
    CHECK_EQ(t->out[0], before); /* it never ran while suspended */
    MCS_OK(call(t->tcb, PN_TCB_RESUME, NO_WORDS, NO_CAPS));
    MCS_WAIT_UNTIL(t->out[0] != before, "the resumed thread");
}

MCS_TEST(mcs_delete_thread_waiting_for_refill)
{
    /* Deleting the TCB of a thread that waits in the release queue: the kernel must not
     * touch it at its refill time (a kernel once left it queued); its SC is unbound and
     * can drive another thread. */
    pn_cptr_t sc = mcs_sc(1000, 20000, 0, 0, 0);
    mcs_thread_t *t = mcs_thread(100, sc);
    mcs_start(t, spin_count);
    pn_word_t start = rdtsc();
    MCS_WAIT_UNTIL(rdtsc() - start >= MS(5), "5 ms");
    CHECK_CMP(t->out[0], !=, 0);
    MCS_OK(cn_delete(t->tcb));
    pn_word_t before = t->out[0];
    MCS_WAIT_UNTIL(rdtsc() - start >= MS(65), "three periods");
    CHECK_EQ(t->out[0], before);
    mcs_thread_t *t2 = mcs_thread(100, 0);
    MCS_OK(call(sc, PN_SCHED_CONTEXT_BIND, NO_WORDS, C(t2->tcb)));
    mcs_start(t2, spin_count);
    MCS_WAIT_UNTIL(t2->out[0] != 0, "a thread on the freed SC");
}
