/* Regression tests for kernel bugs found by the fuzzer (docs/fuzzing.md). */
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
