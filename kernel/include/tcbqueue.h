/* Priority-ordered queues of threads blocked in an endpoint or notification
 * (semantics.md §5.1): a thread goes behind every queued thread of its priority or
 * higher, so equal priorities are FIFO. */
#ifndef PECAN_TCBQUEUE_H
#define PECAN_TCBQUEUE_H

#include "object.h"

typedef struct tcb_queue {
    tcb_t *head, *tail;
} tcb_queue_t;

static inline tcb_queue_t tcb_queue_insert(tcb_queue_t q, tcb_t *t)
{
    tcb_t *before = q.tail;
    while (before && before->priority < t->priority)
        before = before->ep_prev;
    t->ep_prev = before;
    t->ep_next = before ? before->ep_next : q.head;
    if (t->ep_next)
        t->ep_next->ep_prev = t;
    else
        q.tail = t;
    if (before)
        before->ep_next = t;
    else
        q.head = t;
    return q;
}

static inline tcb_queue_t tcb_queue_remove(tcb_queue_t q, tcb_t *t)
{
    if (t->ep_prev)
        t->ep_prev->ep_next = t->ep_next;
    else
        q.head = t->ep_next;
    if (t->ep_next)
        t->ep_next->ep_prev = t->ep_prev;
    else
        q.tail = t->ep_prev;
    t->ep_next = t->ep_prev = NULL;
    return q;
}

#endif
