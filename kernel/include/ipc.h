/* Message passing: endpoints, notifications, reply objects (semantics.md §5). */
#ifndef PECAN_IPC_H
#define PECAN_IPC_H

#include "object.h"

/* ---- endpoints ---- */
typedef struct send_params {
    word_t badge;
    bool can_grant, can_grant_reply;
    bool blocking; /* queue the sender if nobody waits */
    bool is_call;
    bool can_donate;
    const pn_ipc_buffer_t *buffer; /* the sender's IPC buffer (thread_ipc_buffer; faults: unused) */
} send_params_t;

void endpoint_send(endpoint_t *ep, tcb_t *sender, const send_params_t *p);
/* reply: the reply object the receiver supplied (NULL for Wait forms). */
void endpoint_receive(endpoint_t *ep, tcb_t *receiver, bool blocking, reply_t *reply);
void endpoint_cancel_ipc(tcb_t *t);
void endpoint_cancel_all(endpoint_t *ep);
void endpoint_cancel_badged_sends(endpoint_t *ep, word_t badge);
/* Re-sorts a queued thread after its priority changed. */
void endpoint_requeue(tcb_t *t);

/* Moves a message from sender to receiver: the sender's MRs and caps, or its fault. */
/* sbuf: the sender's IPC buffer as thread_ipc_buffer(sender, false) gives it. */
void ipc_transfer(tcb_t *sender, const pn_ipc_buffer_t *sbuf, endpoint_t *ep, word_t badge, bool can_grant,
                  tcb_t *receiver);

/* ---- notifications ---- */
void notification_signal(notification_t *n, word_t badge);
void notification_receive(notification_t *n, tcb_t *t, bool blocking);
void notification_cancel_wait(tcb_t *t);
void notification_cancel_all(notification_t *n);
void notification_bind(notification_t *n, tcb_t *t);
void notification_unbind(notification_t *n);
void notification_requeue(tcb_t *t);

/* ---- reply objects ---- */
/* The call stack along which an SC was donated (semantics.md §5.5; object.h, reply_t):
 * r becomes its head. */
static inline void call_stack_push(sched_context_t *sc, reply_t *r)
{
    reply_t *older = sc->reply;
    r->prev = older;
    if (older) {
        older->next = r;
        older->next_is_sc = false;
    }
    r->next = sc;
    r->next_is_sc = true;
    sc->reply = r;
}

/* Takes the head r off sc's call stack and clears its links. */
static inline void call_stack_pop(sched_context_t *sc, reply_t *r)
{
    reply_t *prev = r->prev;
    sc->reply = prev;
    if (prev) {
        prev->next = sc;
        prev->next_is_sc = true;
    }
    r->prev = NULL;
    r->next = NULL;
    r->next_is_sc = false;
}

/* caller is now BlockedOnReply on reply, received by callee; donates caller's SC if
 * allowed and callee has none. */
void reply_push(tcb_t *caller, tcb_t *callee, reply_t *reply, bool can_donate);
/* Takes a thread blocked on the reply off it: a head reply gives the SC back. */
void reply_remove(reply_t *reply, tcb_t *t);
/* Cuts a BlockedOnReply thread out of its call stack, giving no SC back. */
void reply_remove_tcb(tcb_t *t);
/* Detaches the reply object from its thread (which becomes Inactive). */
void reply_unlink(reply_t *reply, tcb_t *t);
/* Reply through a reply cap (semantics.md §5.5, faults.md §3). */
void reply_deliver(reply_t *reply, tcb_t *replier, bool can_grant);
void reply_finalise(reply_t *reply);

#endif
