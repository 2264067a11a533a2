/* Reply objects (MCS): who is waiting for a reply, and the call stack along which a
 * scheduling context was donated (semantics.md §5.5). */
#include "fault.h"
#include "ipc.h"
#include "refill.h"
#include "schedcontext.h"
#include "thread.h"

void reply_unlink(reply_t *r, tcb_t *t)
{
    r->tcb = NULL;
    t->reply = NULL;
    thread_set_state(t, TS_INACTIVE);
}

void reply_push(tcb_t *caller, tcb_t *callee, reply_t *r, bool can_donate)
{
    sched_context_t *sc = caller->sc;
    r->tcb = caller;
    caller->reply = r;
    thread_set_state(caller, TS_BLOCKED_ON_REPLY);
    if (!sc || callee->sc || !can_donate)
        return;
    call_stack_push(sc, r);
    sc_donate(sc, callee);
}

static void clear_links(reply_t *r)
{
    r->prev = NULL;
    r->next = NULL;
    r->next_is_sc = false;
}

void reply_remove(reply_t *r, tcb_t *t)
{
    if (r->next && r->next_is_sc) {
        /* The head of a call stack: pop it and give the SC back. */
        sched_context_t *sc = r->next;
        call_stack_pop(sc, r);
        if (!t->sc)
            sc_donate(sc, t);
    } else {
        if (r->next)
            ((reply_t *)r->next)->prev = NULL;
        if (r->prev) {
            r->prev->next = NULL;
            r->prev->next_is_sc = false;
        }
        clear_links(r);
    }
    reply_unlink(r, t);
}

void reply_remove_tcb(tcb_t *t)
{
    reply_t *r = t->reply;
    if (r->next) {
        if (r->next_is_sc)
            ((sched_context_t *)r->next)->reply = NULL;
        else
            ((reply_t *)r->next)->prev = NULL;
    }
    if (r->prev) {
        r->prev->next = NULL;
        r->prev->next_is_sc = false;
    }
    clear_links(r);
    reply_unlink(r, t);
}

void reply_deliver(reply_t *r, tcb_t *replier, bool can_grant)
{
    tcb_t *t = r->tcb;
    if (!t || t->state != TS_BLOCKED_ON_REPLY)
        return;
    reply_remove(r, t);
    if (t->sc && t->sc->sporadic && sc_is_active(t->sc))
        sched_note_unblock(t->sc);
    bool was_timeout = t->fault.type == PN_FAULT_TIMEOUT;
    if (t->fault.type == PN_FAULT_NULL) {
        ipc_transfer(replier, thread_ipc_buffer(replier, false), NULL, 0, can_grant, t);
        thread_set_state(t, TS_RUNNING);
    } else {
        word_t info = replier->ctx.rsi;
        bool restart = fault_handle_reply(t, replier, pn_msginfo_label(info),
                                          MIN(pn_msginfo_length(info), PN_MSG_MAX_LENGTH));
        t->fault.type = PN_FAULT_NULL;
        thread_set_state(t, restart ? TS_RESTART : TS_INACTIVE);
    }
    if (!t->sc || !sc_is_active(t->sc) || !thread_is_runnable(t))
        return;
    if (refill_ready(t->sc, ks_cur_time) && refill_sufficient(t->sc, 0))
        sched_possible_switch_to(t);
    else if (cap_type(t->slots[TCB_SLOT_TIMEOUT_HANDLER].cap) == PN_CAP_ENDPOINT && !was_timeout)
        fault_raise_timeout(t);
    else
        sched_postpone_if_not_ready(t);
}

void reply_finalise(reply_t *r)
{
    tcb_t *t = r->tcb;
    if (!t)
        return;
    if (t->state == TS_BLOCKED_ON_REPLY)
        reply_remove(r, t);
    else
        thread_cancel_ipc(t); /* a receiver waiting with this reply object */
}
