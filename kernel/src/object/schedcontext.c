/* Scheduling contexts: binding and donation, SchedControl_ConfigureFlags and the
 * SchedContext methods (invocations.md §3.6, semantics.md §6). */
#include "schedcontext.h"
#include "arch/machine.h"
#include "arch/x86.h"
#include "ipc.h"
#include "message.h"
#include "refill.h"
#include "thread.h"

static word_t us_to_ticks(word_t us) { return us * machine_tsc_mhz; }
static word_t max_period_us(void) { return (~0ul / machine_tsc_mhz) / 8; }

static word_t sc_max_refills(unsigned size_bits)
{
    return (BIT(size_bits) - sizeof(sched_context_t)) / sizeof(refill_t);
}

void sc_init_round_robin(sched_context_t *sc, word_t budget)
{
    refill_new(sc, MIN_REFILLS, budget, 0, machine_now());
}

/* The consumed time in µs since it was last read; the counter restarts (the sub-µs
 * remainder is dropped). */
word_t sc_take_consumed_us(sched_context_t *sc)
{
    word_t us = sc->consumed / machine_tsc_mhz;
    sc->consumed = 0;
    return us;
}

/* ---- binding and donation ---- */

void sc_donate(sched_context_t *sc, tcb_t *t)
{
    tcb_t *from = sc->tcb;
    if (from) {
        sched_dequeue(from);
        sched_release_remove(from);
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
    if (sc->sporadic && sc_is_active(sc))
        sched_note_unblock(sc);
    if (thread_is_schedulable(t) && !sched_postpone_if_not_ready(t)) {
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
    sched_release_remove(t);
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
    if (!t->sc && sc && !sc->tcb) {
        sc_donate(sc, t);
        if (sc->sporadic)
            sched_note_unblock(sc);
        if (thread_is_schedulable(t))
            sched_postpone_if_not_ready(t);
    }
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
    if (sc->yield_from)
        sc_complete_yield_to(sc->yield_from);
    sched_sc_deleted(sc);
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

/* The yielder gets MR0 = the consumed µs of the SC it yielded to (a one-word reply). */
void sc_complete_yield_to(tcb_t *t)
{
    sched_context_t *sc = t->yield_to;
    if (!sc)
        return;
    word_t consumed = sc_take_consumed_us(sc);
    msg_kernel_reply(t, 0, &consumed, 1);
    sc_cancel_yield_to(t);
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
    if (budget_us > max_us || period_us > max_us || us_to_ticks(budget_us) < refill_min_budget() ||
        us_to_ticks(period_us) < refill_min_budget())
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
    if (t) {
        sched_release_remove(t);
        sched_dequeue(t);
        sched_commit_if_current(sc);
    }
    word_t budget = us_to_ticks(budget_us), period = us_to_ticks(period_us), now = machine_now();
    if (budget == period)
        refill_new(sc, MIN_REFILLS, budget, 0, now);
    else if (sc_is_active(sc) && t && thread_is_runnable(t))
        refill_update(sc, period, budget, extra + MIN_REFILLS, now);
    else
        refill_new(sc, extra + MIN_REFILLS, budget, period, now);
    if (t && thread_is_schedulable(t) && !sched_postpone_if_not_ready(t)) {
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
bool sc_released(sched_context_t *sc)
{
    return sc_is_active(sc) && refill_ready(sc, machine_now());
}

/* SchedContext_YieldTo (invocations.md §3.6). */
static invocation_result_t yield_to(const invocation_t *inv, sched_context_t *sc)
{
    tcb_t *caller = inv->caller, *t = sc->tcb;
    if (!t || t == caller || t->priority > caller->mcp || caller->yield_to)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (sc->yield_from)
        sc_complete_yield_to(sc->yield_from);
    if (thread_is_schedulable(t) && !sched_postpone_if_not_ready(t)) {
        if (t->priority < caller->priority) {
            sched_dequeue(t);
            sched_enqueue(t);
        } else {
            caller->yield_to = sc;
            sc->yield_from = caller;
            sched_dequeue(t);
            sched_enqueue(t);
            sched_append(caller);
            sched_reschedule_required();
            return inv_ok();
        }
    }
    return inv_result1(sc_take_consumed_us(sc));
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
    case PN_SCHED_CONTEXT_CONSUMED:
        return inv_result1(sc_take_consumed_us(sc));
    case PN_SCHED_CONTEXT_YIELD_TO:
        return yield_to(inv, sc);
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
