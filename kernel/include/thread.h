/* Threads and the scheduler (semantics.md §6.1, §7). */
#ifndef PECAN_THREAD_H
#define PECAN_THREAD_H

#include "object.h"

extern tcb_t *ks_cur;        /* the running thread (the idle thread when none) */
extern tcb_t ks_idle;
extern tcb_t *ks_debug_list; /* every live thread */

static inline bool thread_is_runnable(const tcb_t *t)
{
    return t->state == TS_RUNNING || t->state == TS_RESTART;
}

static inline bool sc_is_active(const sched_context_t *sc)
{
    return sc->refill_max > 0;
}

/* Runnable, with an active scheduling context to run on. */
static inline bool thread_is_schedulable(const tcb_t *t)
{
    return thread_is_runnable(t) && t->sc && sc_is_active(t->sc);
}

/* A new thread in zeroed memory: Inactive, priority 0, no name. */
void thread_init(tcb_t *t, const char *name);
/* Changes state; if the running thread can no longer run, a new one will be chosen. */
void thread_set_state(tcb_t *t, enum thread_state s);
/* The TCB object is being destroyed: forget every reference the kernel keeps to it. */
void thread_forget(tcb_t *t);
paddr_t thread_vspace_root(const tcb_t *t);
/* The thread's IPC buffer through the kernel window, or NULL if it has none usable
 * (types.md §2); `for_write` asks for a buffer the kernel may write. */
pn_ipc_buffer_t *thread_ipc_buffer(const tcb_t *t, bool for_write);

/* Suspend and Resume (semantics.md §7). */
void thread_suspend(tcb_t *t);
void thread_restart(tcb_t *t);
/* Stops whatever IPC t is blocked in; t becomes Inactive and its pending fault is cleared. */
void thread_cancel_ipc(tcb_t *t);

/* Ready queues: the running thread is never in one. */
void sched_enqueue(tcb_t *t); /* at the head of its priority */
void sched_append(tcb_t *t);  /* at the tail */
void sched_dequeue(tcb_t *t);
void sched_reschedule_required(void);
/* t has become runnable: run it now if it should preempt, else queue it. */
void sched_possible_switch_to(tcb_t *t);
/* The running thread's time slice is over: behind its equals. */
void sched_timeslice_end(void);
void sched_dump(void);

/* Ends a kernel entry: picks the thread to run and returns to it, or idles. */
NORETURN void kernel_exit(void);

#endif
