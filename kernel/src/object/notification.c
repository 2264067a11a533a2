/* Notifications: asynchronous signals (semantics.md §5.6). */
#include "ipc.h"
#include "schedcontext.h"
#include "tcbqueue.h"
#include "thread.h"

static tcb_queue_t ntfn_queue(const notification_t *n)
{
    return (tcb_queue_t){n->head, n->tail};
}

static void ntfn_set_queue(notification_t *n, tcb_queue_t q)
{
    n->head = q.head;
    n->tail = q.tail;
    n->state = q.head ? NTFN_WAITING : NTFN_IDLE;
}

/* A thread woken by a signal: it may borrow the notification's SC, then run. */
static void wake(tcb_t *t, notification_t *n, word_t badge)
{
    thread_set_state(t, TS_RUNNING);
    t->ctx.rdi = badge;
    sc_maybe_donate_from_notification(t, n);
    if (thread_is_schedulable(t))
        sched_possible_switch_to(t);
}

void notification_signal(notification_t *n, word_t badge)
{
    switch (n->state) {
    case NTFN_IDLE: {
        tcb_t *t = n->bound_tcb;
        if (t && t->state == TS_BLOCKED_ON_RECEIVE) {
            thread_cancel_ipc(t);
            wake(t, n, badge);
        } else {
            n->state = NTFN_ACTIVE;
            n->word = badge;
        }
        return;
    }
    case NTFN_WAITING: {
        tcb_t *t = n->head;
        ntfn_set_queue(n, tcb_queue_remove(ntfn_queue(n), t));
        t->blocked_on = NULL;
        wake(t, n, badge);
        return;
    }
    default:
        n->word |= badge;
        return;
    }
}

void notification_receive(notification_t *n, tcb_t *t, bool blocking)
{
    if (n->state == NTFN_ACTIVE) {
        t->ctx.rdi = n->word;
        n->state = NTFN_IDLE;
        n->word = 0;
        sc_maybe_donate_from_notification(t, n);
        return;
    }
    if (!blocking) {
        t->ctx.rdi = 0;
        return;
    }
    t->blocked_on = n;
    thread_set_state(t, TS_BLOCKED_ON_NOTIFICATION);
    ntfn_set_queue(n, tcb_queue_insert(ntfn_queue(n), t));
    sc_maybe_return_to_notification(t, n);
}

void notification_cancel_wait(tcb_t *t)
{
    notification_t *n = t->blocked_on;
    ntfn_set_queue(n, tcb_queue_remove(ntfn_queue(n), t));
    t->blocked_on = NULL;
}

void notification_cancel_all(notification_t *n)
{
    tcb_t *t = n->head;
    ntfn_set_queue(n, (tcb_queue_t){NULL, NULL});
    while (t) {
        tcb_t *next = t->ep_next;
        t->ep_next = t->ep_prev = NULL;
        t->blocked_on = NULL;
        thread_set_state(t, TS_RESTART);
        if (thread_is_schedulable(t))
            sched_possible_switch_to(t);
        t = next;
    }
    sched_reschedule_required();
}

void notification_requeue(tcb_t *t)
{
    notification_t *n = t->blocked_on;
    ntfn_set_queue(n, tcb_queue_insert(tcb_queue_remove(ntfn_queue(n), t), t));
}

void notification_bind(notification_t *n, tcb_t *t)
{
    n->bound_tcb = t;
    t->bound_notification = n;
}

void notification_unbind(notification_t *n)
{
    if (n->bound_tcb)
        n->bound_tcb->bound_notification = NULL;
    n->bound_tcb = NULL;
}
