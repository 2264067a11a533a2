/* Endpoints: synchronous IPC (semantics.md §5.1–§5.4). */
#include "cdt.h"
#include "fault.h"
#include "invocation.h"
#include "ipc.h"
#include "message.h"
#include "objecttype.h"
#include "schedcontext.h"
#include "tcbqueue.h"
#include "thread.h"

static tcb_queue_t ep_queue(const endpoint_t *ep)
{
    return (tcb_queue_t){endpoint_head(ep), ep->tail};
}

static void ep_set(endpoint_t *ep, tcb_queue_t q, enum endpoint_state s)
{
    ep->head_state = (word_t)q.head | (q.head ? s : EP_IDLE);
    ep->tail = q.tail;
}

/* ---- message transfer (§5.4) ---- */

/* The receiver's receive slot (types.md §2), or NULL. */
static cte_t *receive_slot(tcb_t *r, const pn_ipc_buffer_t *rbuf)
{
    lookup_fault_t lf;
    cte_t *cnode = cspace_lookup_slot(r, rbuf->receive_cnode, &lf);
    if (!cnode)
        return NULL;
    word_t depth = rbuf->receive_depth, left;
    if (cap_type(cnode->cap) != PN_CAP_CNODE || depth < 1 || depth > 64)
        return NULL;
    cte_t *slot = cspace_resolve(cnode->cap, rbuf->receive_index, depth, &left, &lf);
    return slot && left == 0 && cap_is_null(slot->cap) ? slot : NULL;
}

/* Transfers the extra caps; returns the message info's extraCaps and sets *unwrapped. */
static unsigned transfer_caps(tcb_t *s, const pn_ipc_buffer_t *sbuf, unsigned count, endpoint_t *ep,
                              tcb_t *r, pn_ipc_buffer_t *rbuf, unsigned *unwrapped)
{
    cte_t *src[PN_MSG_MAX_EXTRA_CAPS];
    lookup_fault_t lf;
    if (count == 0)
        return 0;
    for (unsigned i = 0; i < count; i++)
        if (!(src[i] = cspace_lookup_slot(s, sbuf->caps_or_badges[i], &lf)))
            return 0; /* caps that cannot be found are not sent; the message still is */
    cte_t *dest = receive_slot(r, rbuf);
    unsigned i;
    for (i = 0; i < count; i++) {
        cap_t c = src[i]->cap;
        if (ep && cap_type(c) == PN_CAP_ENDPOINT && cap_object(c) == ep) {
            rbuf->caps_or_badges[i] = cap_badge(c);
            *unwrapped |= BIT(i);
            continue;
        }
        if (!dest)
            break;
        derive_result_t d = cap_derive(src[i], c);
        if (d.error != PN_NO_ERROR || cap_is_null(d.cap))
            break;
        cdt_insert_derived(src[i], dest, d.cap);
        dest = NULL;
    }
    return i;
}

static void normal_transfer(tcb_t *s, const pn_ipc_buffer_t *sbuf, endpoint_t *ep, word_t badge,
                            bool can_grant, tcb_t *r)
{
    word_t info = s->ctx.rsi;
    pn_ipc_buffer_t *rbuf = thread_ipc_buffer(r, true);
    unsigned length = MIN(pn_msginfo_length(info), PN_MSG_MAX_LENGTH);
    if (!sbuf || !rbuf)
        length = MIN(length, PN_FAST_MESSAGE_REGISTERS);
    switch (MIN(length, PN_FAST_MESSAGE_REGISTERS)) {
    case 4: r->ctx.r15 = s->ctx.r15; /* fall through */
    case 3: r->ctx.r9 = s->ctx.r9;   /* fall through */
    case 2: r->ctx.r8 = s->ctx.r8;   /* fall through */
    case 1: r->ctx.r10 = s->ctx.r10; /* fall through */
    default: break;
    }
    for (unsigned i = PN_FAST_MESSAGE_REGISTERS; i < length; i++)
        rbuf->msg[i] = sbuf->msg[i]; /* length > 4 only when both buffers exist */
    unsigned extra = 0, unwrapped = 0;
    if (can_grant && sbuf && rbuf)
        extra = transfer_caps(s, sbuf, pn_msginfo_extra_caps(info), ep, r, rbuf, &unwrapped);
    r->ctx.rsi = pn_msginfo(pn_msginfo_label(info), unwrapped, extra, length);
    r->ctx.rdi = badge;
}

static void fault_transfer(tcb_t *s, word_t badge, tcb_t *r)
{
    word_t w[PN_UNKNOWN_SYSCALL_LENGTH];
    unsigned n = fault_message(s, w);
    pn_ipc_buffer_t *rbuf = thread_ipc_buffer(r, true);
    unsigned length = 0;
    for (unsigned i = 0; i < n; i++)
        length = msg_set(r, rbuf, i, w[i]);
    r->ctx.rsi = pn_msginfo(s->fault.type, 0, 0, length);
    r->ctx.rdi = badge;
}

void ipc_transfer(tcb_t *sender, const pn_ipc_buffer_t *sbuf, endpoint_t *ep, word_t badge, bool can_grant,
                  tcb_t *receiver)
{
    if (sender->fault.type == PN_FAULT_NULL)
        normal_transfer(sender, sbuf, ep, badge, can_grant, receiver);
    else
        fault_transfer(sender, badge, receiver);
}

/* ---- send and receive (§5.2, §5.3) ---- */

static bool expects_reply(const tcb_t *sender, bool is_call)
{
    return is_call || sender->fault.type != PN_FAULT_NULL;
}

void endpoint_send(endpoint_t *ep, tcb_t *t, const send_params_t *p)
{
    tcb_queue_t q = ep_queue(ep);
    if (endpoint_state(ep) != EP_RECV) {
        if (!p->blocking)
            return;
        t->ipc_badge = p->badge;
        t->ipc_can_grant = p->can_grant;
        t->ipc_can_grant_reply = p->can_grant_reply;
        t->ipc_is_call = p->is_call;
        t->blocked_on = ep;
        thread_set_state(t, TS_BLOCKED_ON_SEND);
        ep_set(ep, tcb_queue_insert(q, t), EP_SEND);
        return;
    }
    tcb_t *dest = q.head;
    ep_set(ep, tcb_queue_remove(q, dest), EP_RECV);
    dest->blocked_on = NULL;
    ipc_transfer(t, p->buffer, ep, p->badge, p->can_grant, dest);
    reply_t *reply = dest->reply;
    if (reply)
        reply_unlink(reply, dest);
    if (expects_reply(t, p->is_call)) {
        if (reply && (p->can_grant || p->can_grant_reply))
            reply_push(t, dest, reply, p->can_donate);
        else
            thread_set_state(t, TS_INACTIVE);
    } else if (p->can_donate && t->sc && !dest->sc) {
        sc_donate(t->sc, dest);
    }
    thread_set_state(dest, TS_RUNNING);
    sched_possible_switch_to(dest);
}

void endpoint_receive(endpoint_t *ep, tcb_t *t, bool blocking, reply_t *reply)
{
    if (reply && reply->tcb && reply->tcb != t)
        thread_cancel_ipc(reply->tcb);
    notification_t *bound = t->bound_notification;
    if (bound && bound->state == NTFN_ACTIVE) {
        notification_receive(bound, t, false);
        return;
    }
    if (bound && blocking)
        sc_maybe_return_to_notification(t, bound);

    tcb_queue_t q = ep_queue(ep);
    if (endpoint_state(ep) != EP_SEND) {
        if (!blocking) {
            t->ctx.rdi = 0;
            return;
        }
        t->blocked_on = ep;
        t->reply = reply;
        if (reply)
            reply->tcb = t;
        thread_set_state(t, TS_BLOCKED_ON_RECEIVE);
        ep_set(ep, tcb_queue_insert(q, t), EP_RECV);
        return;
    }
    tcb_t *sender = q.head;
    ep_set(ep, tcb_queue_remove(q, sender), EP_SEND);
    sender->blocked_on = NULL;
    ipc_transfer(sender, thread_ipc_buffer(sender, false), ep, sender->ipc_badge, sender->ipc_can_grant, t);
    if (expects_reply(sender, sender->ipc_is_call)) {
        if (reply && (sender->ipc_can_grant || sender->ipc_can_grant_reply))
            reply_push(sender, t, reply, sender->sc && sender->fault.type != PN_FAULT_TIMEOUT);
        else
            thread_set_state(sender, TS_INACTIVE);
    } else {
        thread_set_state(sender, TS_RUNNING);
        sched_possible_switch_to(sender);
    }
}

/* ---- cancelling ---- */

void endpoint_cancel_ipc(tcb_t *t)
{
    endpoint_t *ep = t->blocked_on;
    ep_set(ep, tcb_queue_remove(ep_queue(ep), t), endpoint_state(ep));
    t->blocked_on = NULL;
    if (t->state == TS_BLOCKED_ON_RECEIVE && t->reply)
        reply_unlink(t->reply, t);
}

/* A thread whose blocked send or receive was cancelled re-executes its system call,
 * unless it was delivering a fault (then it stops). */
static void restart_cancelled(tcb_t *t)
{
    t->blocked_on = NULL;
    if (t->fault.type == PN_FAULT_NULL) {
        thread_set_state(t, TS_RESTART);
        if (thread_is_schedulable(t))
            sched_possible_switch_to(t);
    } else {
        thread_set_state(t, TS_INACTIVE);
    }
}

void endpoint_cancel_all(endpoint_t *ep)
{
    tcb_t *t = endpoint_head(ep);
    ep_set(ep, (tcb_queue_t){NULL, NULL}, EP_IDLE);
    while (t) {
        tcb_t *next = t->ep_next;
        t->ep_next = t->ep_prev = NULL;
        if (t->state == TS_BLOCKED_ON_RECEIVE && t->reply)
            reply_unlink(t->reply, t);
        restart_cancelled(t);
        t = next;
    }
    sched_reschedule_required();
}

void endpoint_cancel_badged_sends(endpoint_t *ep, word_t badge)
{
    if (endpoint_state(ep) != EP_SEND)
        return;
    tcb_queue_t q = ep_queue(ep);
    for (tcb_t *t = q.head, *next; t; t = next) {
        next = t->ep_next;
        if (t->ipc_badge != badge)
            continue;
        q = tcb_queue_remove(q, t);
        restart_cancelled(t);
    }
    ep_set(ep, q, EP_SEND);
    sched_reschedule_required();
}

void endpoint_requeue(tcb_t *t)
{
    endpoint_t *ep = t->blocked_on;
    enum endpoint_state s = endpoint_state(ep);
    ep_set(ep, tcb_queue_insert(tcb_queue_remove(ep_queue(ep), t), t), s);
}
