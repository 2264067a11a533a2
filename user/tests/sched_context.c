/* Issue 4: SchedControl_ConfigureFlags and SchedContext Bind / Unbind / UnbindObject
 * (invocations.md §3.6; semantics.md §6). */
#include "tthread.h"

static pn_word_t max_period_us(void)
{
    pn_word_t mhz = pn_tsc_mhz();
    if (!mhz)
        FAIL("no TSC frequency in the extra bootinfo");
    return (~0ul / mhz) / 8;
}

#define MIN_BUDGET_US 20

static tt_reply_t configure(pn_cptr_t sc, pn_word_t budget, pn_word_t period, pn_word_t extra)
{
    return tt_call(tt_sched_control(), PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                   WORDS(budget, period, extra, 0, 0), CAPS(sc));
}

TEST(sched_control_configure_check_order)
{
    pn_cptr_t ctl = tt_sched_control();
    pn_cptr_t sc = tt_new(PN_OBJ_SCHED_CONTEXT, 8), sc7 = tt_new(PN_OBJ_SCHED_CONTEXT, 7);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t max = max_period_us();
    EXPECT_ERROR(tt_call(ctl, PN_SCHED_CONTROL_CONFIGURE_FLAGS, NOWORDS, NOCAPS),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(ctl, PN_SCHED_CONTROL_CONFIGURE_FLAGS, WORDS(1000, 1000, 0, 0, 0),
                         NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(ctl, PN_SCHED_CONTROL_CONFIGURE_FLAGS, WORDS(1000, 1000, 0, 0),
                         CAPS(sc)), PN_TRUNCATED_MESSAGE);
    /* the range checks come before the cap type check */
    EXPECT_ERROR(configure(ep, max + 1, 1000, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(sc, max + 1, max + 1, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(sc, 1000, max + 1, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(sc, ~0ul, 1000, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(ep, MIN_BUDGET_US - 1, 1000, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(sc, 0, 1000, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(sc, 1000, MIN_BUDGET_US - 1, 0), PN_RANGE_ERROR, MIN_BUDGET_US, max);
    EXPECT_ERROR(configure(ep, 2000, 1000, 0), PN_RANGE_ERROR, MIN_BUDGET_US, 1000);
    EXPECT_ERROR(configure(sc, 1001, 1000, 9), PN_RANGE_ERROR, MIN_BUDGET_US, 1000);
    EXPECT_ERROR(configure(ep, 1000, 1000, 0), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(configure(NULL_SLOT, 1000, 2000, 0), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(configure(SELF_TCB, 1000, 1000, 0), PN_INVALID_CAPABILITY, 1);
    /* extra refills: max_refills = (2^size_bits - 96) / 16, minus the 2 minimum refills;
     * checked even for round robin (budget == period) */
    EXPECT_ERROR(configure(sc, 1000, 2000, 9), PN_RANGE_ERROR, 0, (256 - 96) / 16 - 2);
    EXPECT_ERROR(configure(sc, 1000, 1000, 9), PN_RANGE_ERROR, 0, (256 - 96) / 16 - 2);
    EXPECT_ERROR(configure(sc7, 1000, 2000, 1), PN_RANGE_ERROR, 0, (128 - 96) / 16 - 2);
    EXPECT_SUCCESS(configure(sc, 1000, 2000, 8));
    EXPECT_SUCCESS(configure(sc7, 1000, 2000, 0));
    EXPECT_SUCCESS(configure(sc, MIN_BUDGET_US, MIN_BUDGET_US, 0));
    EXPECT_SUCCESS(configure(sc, max, max, 0));
    EXPECT_SUCCESS(configure(sc, MIN_BUDGET_US, max, 0));
    EXPECT_SUCCESS(tt_call(ctl, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                           WORDS(1000, 1000, 0, 0xbadbadbadul, 1), CAPS(sc)));
    /* every other label */
    const pn_word_t labels[] = {0, PN_SCHED_CONTEXT_BIND, PN_TCB_SUSPEND, PN_CNODE_COPY,
                                PN_SCHED_CONTROL_CONFIGURE_FLAGS + 100};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(labels); i++)
        EXPECT_ERROR(tt_call(ctl, labels[i], WORDS(1000, 1000, 0, 0, 0), CAPS(sc)),
                     PN_ILLEGAL_OPERATION);
}

TEST(sched_context_unknown_labels)
{
    pn_cptr_t sc = tt_sc_new();
    const pn_word_t labels[] = {0, PN_SCHED_CONTROL_CONFIGURE_FLAGS, PN_TCB_SUSPEND,
                                PN_X86_PAGE_MAP, PN_INVOCATION_LABEL_COUNT};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(labels); i++)
        EXPECT_ERROR(tt_call(sc, labels[i], NOWORDS, NOCAPS), PN_ILLEGAL_OPERATION);
}

TEST(sched_context_bind_check_order)
{
    pn_cptr_t sc = tt_sc_new(), sc2 = tt_sc_new();
    pn_cptr_t t1 = tt_new(PN_OBJ_TCB, 0), t3 = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), n2 = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t2 = tt_thread(50, 0, 0); /* has an SC, not started */
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(ep)), PN_INVALID_CAPABILITY,
                 1);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(NULL_SLOT)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(sc2)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t2->tcb)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_BIND, WORDS(1, 2), CAPS(t1)));
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t3)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t1)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc2, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t1)), PN_ILLEGAL_OPERATION);
    /* one notification per SC and one SC per notification, independent of the TCB */
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(n)));
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(n2)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc2, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(n)), PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(sc2, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(n2)));
    EXPECT_SUCCESS(tt_call(sc2, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t3)));
}

TEST(sched_context_unbind_object_check_order)
{
    pn_cptr_t sc = tt_sc_new(), sc2 = tt_sc_new();
    pn_cptr_t t1 = tt_new(PN_OBJ_TCB, 0), t2 = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), n2 = tt_new(PN_OBJ_NOTIFICATION, 0);
    MUST(pn_sched_context_bind(sc, t1));
    MUST(pn_sched_context_bind(sc, n));
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, NOCAPS),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(ep)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(t2)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc2, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(t1)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(SELF_TCB)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(ROOT_SC, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(SELF_TCB)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(n2)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(sc2, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(n)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(n)));
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(n)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(t1)));
    EXPECT_ERROR(tt_call(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NOWORDS, CAPS(t1)),
                 PN_ILLEGAL_OPERATION);
    /* both are free again */
    MUST(pn_sched_context_bind(sc2, t1));
    MUST(pn_sched_context_bind(sc2, n));
    MUST(pn_sched_context_bind(sc, t2));
}

TEST(sched_context_unbind)
{
    pn_cptr_t sc = tt_sc_new(), sc2 = tt_sc_new();
    pn_cptr_t t1 = tt_new(PN_OBJ_TCB, 0), n = tt_new(PN_OBJ_NOTIFICATION, 0);
    EXPECT_ERROR(tt_call(ROOT_SC, PN_SCHED_CONTEXT_UNBIND, NOWORDS, NOCAPS),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_UNBIND, NOWORDS, NOCAPS));
    MUST(pn_sched_context_bind(sc, t1));
    MUST(pn_sched_context_bind(sc, n));
    EXPECT_SUCCESS(tt_call(sc, PN_SCHED_CONTEXT_UNBIND, WORDS(5), CAPS(t1)));
    MUST(pn_sched_context_bind(sc2, t1));
    MUST(pn_sched_context_bind(sc2, n));
}

static void log_and_wait(tt_thread_t *t)
{
    for (;;) {
        tt_log(t->arg[1]);
        pn_ntfn_wait(t->arg[0]);
    }
}

/* A runnable thread without an SC does not run until one is bound (semantics.md §6.5). */
TEST(sched_context_bind_makes_runnable_thread_run)
{
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *t = tt_thread(50, 0, TT_NO_SC);
    t->arg[0] = n;
    t->arg[1] = 1;
    tt_start(t, log_and_wait);
    tt_settle();
    CHECK_LOG();
    pn_cptr_t sc = tt_sc_new();
    MUST(pn_sched_context_bind(sc, t->tcb));
    tt_settle();
    CHECK_LOG(1);
    /* unbinding stops it: a signal makes it runnable, but it has no SC */
    MUST(pn_sched_context_unbind(sc));
    pn_signal(n);
    tt_settle();
    CHECK_LOG(1);
    MUST(pn_tcb_set_sched_params(t->tcb, SELF_TCB, 255, 50, sc, NULL_SLOT));
    tt_settle();
    CHECK_LOG(1, 1);
    MUST(pn_sched_context_unbind_object(sc, t->tcb));
    pn_signal(n);
    tt_settle();
    CHECK_LOG(1, 1);
    MUST(pn_sched_context_bind(sc, t->tcb));
    tt_settle();
    CHECK_LOG(1, 1, 1);
}
