/* Scheduling contexts: binding and donation, SchedControl_ConfigureFlags and the
 * SchedContext methods (invocations.md §3.6, semantics.md §6). */
#include "schedcontext.h"
#include "arch/machine.h"
#include "arch/x86.h"
#include "ipc.h"
#include "thread.h"

#define WCET_US 10 /* x86 kernel WCET, CONFIG_KERNEL_WCET_SCALE 1 */
#define MIN_BUDGET_US (2 * WCET_US)
#define MIN_REFILLS 2

static word_t us_to_ticks(word_t us) { return us * machine_tsc_mhz; }
static word_t min_budget(void) { return us_to_ticks(MIN_BUDGET_US); }
static word_t max_period_us(void) { return (~0ul / machine_tsc_mhz) / 8; }

static word_t sc_max_refills(unsigned size_bits)
{
    return (BIT(size_bits) - sizeof(sched_context_t)) / sizeof(refill_t);
}

/* ---- refills (semantics.md §6.2): the parts binding and configuring need ---- */

static void refill_new(sched_context_t *sc, word_t max, word_t budget, word_t period)
{
    word_t now = rdtsc();
    sc->period = period;
    sc->refill_max = max;
    sc->refill_head = 0;
    sc->refills[0] = (refill_t){now, budget};
    sc->refill_count = 1;
    if (period == 0) {
        sc->refills[1] = (refill_t){now, 0};
        sc->refill_count = 2;
    }
}

static void refill_update(sched_context_t *sc, word_t period, word_t budget, word_t max)
{
    refill_t head = sc->refills[sc->refill_head];
    word_t now = rdtsc();
    sc->refill_head = 0;
    sc->refill_count = 1;
    sc->refill_max = max;
    sc->period = period;
    if (head.release <= now)
        head.release = now;
    if (head.amount >= budget) {
        head.amount = budget;
        sc->refills[0] = head;
        return;
    }
    sc->refills[0] = head;
    sc->refills[1] = (refill_t){head.release + period, budget - head.amount};
    sc->refill_count = 2;
}

void sc_init_round_robin(sched_context_t *sc, word_t budget)
{
    refill_new(sc, MIN_REFILLS, budget, 0);
}

/* ---- binding and donation ---- */

void sc_donate(sched_context_t *sc, tcb_t *t)
{
    tcb_t *from = sc->tcb;
    if (from) {
        sched_dequeue(from);
        from->sc = NULL;
        if (from == ks_cur)
            sched_reschedule_required();
    }
    sc->tcb = t;
    t->sc = sc;
}

void sc_bind_tcb(sched_context_t *sc, tcb_t *t)
{
    sc->tcb = t;
    t->sc = sc;
    if (thread_is_schedulable(t)) {
        sched_enqueue(t);
        sched_reschedule_required();
    }
}

void sc_unbind_tcb(sched_context_t *sc)
{
    tcb_t *t = sc->tcb;
    if (!t)
        return;
    sched_dequeue(t);
    t->sc = NULL;
    sc->tcb = NULL;
    if (t == ks_cur)
        sched_reschedule_required();
}

void sc_bind_notification(sched_context_t *sc, notification_t *n)
{
    sc->notification = n;
    n->sc = sc;
}

void sc_unbind_notification(sched_context_t *sc)
{
    if (sc->notification)
        sc->notification->sc = NULL;
    sc->notification = NULL;
}

static void sc_unbind_reply(sched_context_t *sc)
{
    if (sc->reply) {
        sc->reply->next = NULL;
        sc->reply->next_is_sc = false;
        sc->reply = NULL;
    }
}

void sc_maybe_donate_from_notification(tcb_t *t, notification_t *n)
{
    sched_context_t *sc = n->sc;
    if (!t->sc && sc && !sc->tcb)
        sc_donate(sc, t);
}

void sc_maybe_return_to_notification(tcb_t *t, notification_t *n)
{
    sched_context_t *sc = n->sc;
    if (sc && sc == t->sc) {
        t->sc = NULL;
        sc->tcb = NULL;
        if (t == ks_cur)
            sched_reschedule_required();
    }
}

void sc_finalise(sched_context_t *sc)
{
    sc_unbind_tcb(sc);
    sc_unbind_notification(sc);
    sc_unbind_reply(sc);
    sc->refill_max = sc->refill_count = sc->refill_head = 0;
    sc->sporadic = 0;
}

void sc_cancel_yield_to(tcb_t *t)
{
    if (t->yield_to) {
        t->yield_to->yield_from = NULL;
        t->yield_to = NULL;
    }
}

void sc_complete_yield_to(tcb_t *t)
{
    (void)t; /* SchedContext_YieldTo arrives with the MCS scheduler */
}

/* ---- SchedControl_ConfigureFlags ---- */

invocation_result_t sched_control_decode(const invocation_t *inv)
{
    if (inv->label != PN_SCHED_CONTROL_CONFIGURE_FLAGS)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->extra_caps < 1 || inv->length < 5)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t budget_us = inv_arg(inv, 0), period_us = inv_arg(inv, 1);
    word_t extra = inv_arg(inv, 2), badge = inv_arg(inv, 3), flags = inv_arg(inv, 4);
    word_t max_us = max_period_us();
    if (budget_us > max_us || period_us > max_us || us_to_ticks(budget_us) < min_budget() ||
        us_to_ticks(period_us) < min_budget())
        return inv_error2(PN_RANGE_ERROR, MIN_BUDGET_US, max_us);
    if (budget_us > period_us)
        return inv_error2(PN_RANGE_ERROR, MIN_BUDGET_US, period_us);
    cap_t c = inv->extra[0]->cap;
    if (cap_type(c) != PN_CAP_SCHED_CONTEXT)
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    word_t max_refills = sc_max_refills(cap_sched_context_size_bits(c));
    if (extra > max_refills - MIN_REFILLS)
        return inv_error2(PN_RANGE_ERROR, 0, max_refills - MIN_REFILLS);

    sched_context_t *sc = cap_object(c);
    tcb_t *t = sc->tcb;
    if (t)
        sched_dequeue(t);
    word_t budget = us_to_ticks(budget_us), period = us_to_ticks(period_us);
    if (budget == period)
        refill_new(sc, MIN_REFILLS, budget, 0);
    else if (sc_is_active(sc) && t && thread_is_runnable(t))
        refill_update(sc, period, budget, extra + MIN_REFILLS);
    else
        refill_new(sc, extra + MIN_REFILLS, budget, period);
    if (t && thread_is_schedulable(t)) {
        if (t == inv->caller)
            sched_reschedule_required();
        else
            sched_possible_switch_to(t);
    }
    sc->badge = badge;
    sc->sporadic = flags & 1;
    return inv_ok();
}

/* ---- SchedContext methods ---- */

static bool thread_is_blocked(const tcb_t *t)
{
    return t->state >= TS_BLOCKED_ON_RECEIVE && t->state <= TS_BLOCKED_ON_NOTIFICATION;
}

/* Active and with its head refill due. */
static bool sc_released(const sched_context_t *sc)
{
    return sc_is_active(sc) && sc->refills[sc->refill_head].release <= rdtsc();
}

invocation_result_t sched_context_decode(const invocation_t *inv)
{
    sched_context_t *sc = cap_object(inv->cap);
    switch (inv->label) {
    case PN_SCHED_CONTEXT_BIND: {
        if (inv->extra_caps < 1)
            return inv_error(PN_TRUNCATED_MESSAGE);
        cap_t c = inv->extra[0]->cap;
        if (cap_type(c) == PN_CAP_THREAD) {
            tcb_t *t = cap_object(c);
            if (sc->tcb || t->sc || (thread_is_blocked(t) && !sc_released(sc)))
                return inv_error(PN_ILLEGAL_OPERATION);
            sc_bind_tcb(sc, t);
            return inv_ok();
        }
        if (cap_type(c) == PN_CAP_NOTIFICATION) {
            notification_t *n = cap_object(c);
            if (sc->notification || n->sc)
                return inv_error(PN_ILLEGAL_OPERATION);
            sc_bind_notification(sc, n);
            return inv_ok();
        }
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    }
    case PN_SCHED_CONTEXT_UNBIND:
        if (sc->tcb && sc->tcb == inv->caller)
            return inv_error(PN_ILLEGAL_OPERATION);
        sc_unbind_tcb(sc);
        sc_unbind_notification(sc);
        sc_unbind_reply(sc);
        return inv_ok();
    case PN_SCHED_CONTEXT_UNBIND_OBJECT: {
        if (inv->extra_caps < 1)
            return inv_error(PN_TRUNCATED_MESSAGE);
        cap_t c = inv->extra[0]->cap;
        if (cap_type(c) == PN_CAP_THREAD) {
            tcb_t *t = cap_object(c);
            if (sc->tcb != t || t == inv->caller)
                return inv_error(PN_ILLEGAL_OPERATION);
            sc_unbind_tcb(sc);
            return inv_ok();
        }
        if (cap_type(c) == PN_CAP_NOTIFICATION) {
            if (sc->notification != cap_object(c))
                return inv_error(PN_ILLEGAL_OPERATION);
            sc_unbind_notification(sc);
            return inv_ok();
        }
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    }
    default:
        /* Consumed and YieldTo arrive with the MCS scheduler. */
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
