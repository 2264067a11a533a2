/* Threads: state, the running thread, the scheduler. */
#ifndef PECAN_THREAD_H
#define PECAN_THREAD_H

#include "object.h"

extern tcb_t *ks_cur;        /* the thread the current kernel entry acts for */
extern tcb_t *ks_debug_list; /* every live thread */

static inline bool thread_is_runnable(const tcb_t *t)
{
    return t->state == TS_RUNNING || t->state == TS_RESTART;
}

/* Runnable and with a configured scheduling context to run on. */
static inline bool thread_is_schedulable(const tcb_t *t)
{
    return thread_is_runnable(t) && t->sc && t->sc->refill_max > 0;
}

void thread_init(tcb_t *t, const char *name);
void thread_set_state(tcb_t *t, enum thread_state s);
/* The TCB object is being destroyed: forget every reference the kernel keeps to it. */
void thread_forget(tcb_t *t);
/* Round robin at the end of a time slice: the thread goes behind its equals. */
void sched_timeslice_end(tcb_t *t);
paddr_t thread_vspace_root(const tcb_t *t);
/* The thread's IPC buffer through the kernel window, or NULL if it has none usable
 * (types.md §2); `for_write` asks for a buffer the kernel may write. */
pn_ipc_buffer_t *thread_ipc_buffer(const tcb_t *t, bool for_write);

void sched_enqueue(tcb_t *t);
void sched_dequeue(tcb_t *t);
void sched_dump(void);

/* Ends a kernel entry: picks the thread to run and returns to it, or idles. */
NORETURN void kernel_exit(void);

#endif
