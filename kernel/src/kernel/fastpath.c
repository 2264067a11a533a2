/*
 * The IPC fastpath: Call to a passive server waiting in Recv, and ReplyRecv back to a
 * caller whose SC was donated — the common case of client/server IPC — done with a
 * direct switch to the other thread, without the scheduler.  Every condition below
 * falls through to the general path (syscall.c), which gives the same result; the
 * fastpath only gets there faster.  Conditions are checked before anything changes.
 */
#include "fastpath.h"
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "cspace.h"
#include "message.h"
#include "refill.h"
#include "thread.h"

#if PN_CONFIG_FASTPATH

/* The cap at cptr in t's CSpace, or a null cap. */
static inline cap_t lookup_cap(const tcb_t *t, word_t cptr)
{
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(t, cptr, &lf);
    return slot ? slot->cap : cap_null();
}

/* The receiver may run at once: nothing ready outranks it (one domain). */
static inline bool can_switch_to(const tcb_t *cur, const tcb_t *next)
{
    return next->priority >= cur->priority || sched_is_highest_priority(next->priority);
}

static inline void copy_message(tcb_t *from, tcb_t *to, word_t length)
{
    switch (length) {
    case 4: to->ctx.r15 = from->ctx.r15; /* fall through */
    case 3: to->ctx.r9 = from->ctx.r9;   /* fall through */
    case 2: to->ctx.r8 = from->ctx.r8;   /* fall through */
    case 1: to->ctx.r10 = from->ctx.r10; /* fall through */
    default: break;
    }
}

/* Call: returns only if the general path must handle it. */
void fastpath_call(tcb_t *t, word_t cptr, word_t info)
{
    word_t length = pn_msginfo_length(info);
    if ((info & 0x1ff) > PN_FAST_MESSAGE_REGISTERS) /* extraCaps and length: caps or > 4 words */
        return;
    cap_t ep_cap = lookup_cap(t, cptr);
    word_t rights = cap_rights(ep_cap);
    if (cap_type(ep_cap) != PN_CAP_ENDPOINT || !(rights & PN_RIGHT_WRITE) ||
        !(rights & (PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY)))
        return;
    endpoint_t *ep = cap_object(ep_cap);
    if (endpoint_state(ep) != EP_RECV)
        return;
    tcb_t *dest = endpoint_head(ep);
    reply_t *reply = dest->reply;
    sched_context_t *sc = t->sc;
    if (!reply || dest->sc || !sc || sc != ks_cur_sc || !can_switch_to(t, dest) ||
        thread_vspace_root(dest) == kptr_to_paddr(kernel_pml4))
        return;

    /* Checked: from here on the call cannot fall back. */
    tcb_t *next = dest->ep_next;
    ep->head_state = next ? (word_t)next | EP_RECV : EP_IDLE;
    if (next)
        next->ep_prev = NULL;
    else
        ep->tail = NULL;
    dest->ep_next = NULL;
    dest->blocked_on = NULL;

    /* The reply object moves from the receiver to the caller, which donates its SC. */
    dest->reply = NULL;
    reply->tcb = t;
    t->reply = reply;
    t->state = TS_BLOCKED_ON_REPLY;
    reply_t *older = sc->reply;
    reply->prev = older;
    if (older) {
        older->next = reply;
        older->next_is_sc = false;
    }
    reply->next = sc;
    reply->next_is_sc = true;
    sc->reply = reply;
    sc->tcb = dest;
    dest->sc = sc;
    t->sc = NULL;

    copy_message(t, dest, length);
    dest->ctx.rsi = info & ~(word_t)0xf80; /* label and length; no caps */
    dest->ctx.rdi = cap_badge(ep_cap);
    dest->state = TS_RUNNING;
    ks_cur = dest;
    machine_return_to_user(dest);
}

/* ReplyRecv: returns only if the general path must handle it. */
void fastpath_reply_recv(tcb_t *t, word_t cptr, word_t info)
{
    word_t length = pn_msginfo_length(info);
    if ((info & 0x1ff) > PN_FAST_MESSAGE_REGISTERS)
        return;
    cap_t ep_cap = lookup_cap(t, cptr);
    if (cap_type(ep_cap) != PN_CAP_ENDPOINT || !(cap_rights(ep_cap) & PN_RIGHT_READ))
        return;
    endpoint_t *ep = cap_object(ep_cap);
    enum endpoint_state es = endpoint_state(ep);
    if (es == EP_SEND || (es == EP_RECV && ep->tail->priority < t->priority))
        return; /* a sender waits, or the queue order needs the general path */
    if (t->bound_notification && t->bound_notification->state == NTFN_ACTIVE)
        return;
    cap_t reply_cap = lookup_cap(t, t->ctx.r12);
    if (cap_type(reply_cap) != PN_CAP_REPLY)
        return;
    reply_t *reply = cap_object(reply_cap);
    tcb_t *caller = reply->tcb;
    sched_context_t *sc = t->sc;
    if (!caller || caller->state != TS_BLOCKED_ON_REPLY || caller->fault.type != PN_FAULT_NULL ||
        caller->sc || !reply->next_is_sc || reply->next != sc || sc != ks_cur_sc ||
        !refill_ready(sc, ks_cur_time) || !refill_sufficient(sc, 0) ||
        !sched_is_highest_priority(caller->priority) ||
        thread_vspace_root(caller) == kptr_to_paddr(kernel_pml4))
        return;

    /* Checked.  The reply pops the call stack: the SC goes back to the caller. */
    sc->reply = reply->prev;
    if (reply->prev) {
        reply->prev->next = sc;
        reply->prev->next_is_sc = true;
    }
    reply->prev = NULL;
    caller->reply = NULL;
    sc->tcb = caller;
    caller->sc = sc;
    t->sc = NULL;

    /* The server waits again, with the same reply object, behind the queue. */
    reply->next = NULL;
    reply->next_is_sc = false;
    reply->tcb = t;
    t->reply = reply;
    t->state = TS_BLOCKED_ON_RECEIVE;
    t->blocked_on = ep;
    t->ep_next = NULL;
    t->ep_prev = es == EP_RECV ? ep->tail : NULL;
    if (es == EP_RECV)
        ep->tail->ep_next = t;
    else
        ep->head_state = (word_t)t | EP_RECV;
    ep->tail = t;

    copy_message(t, caller, length);
    caller->ctx.rsi = info & ~(word_t)0xf80;
    caller->ctx.rdi = 0;
    caller->state = TS_RUNNING;
    ks_cur = caller;
    machine_return_to_user(caller);
}

#endif
