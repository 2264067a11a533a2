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

/* Runnable, with an active scheduling context to run on, not waiting for a refill. */
static inline bool thread_is_schedulable(const tcb_t *t)
{
    return thread_is_runnable(t) && t->sc && sc_is_active(t->sc) && !t->in_release_queue;
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
/* No ready thread has a higher priority than p (two-level bitmap, constant time). */
extern word_t ready_bitmap[PN_CONFIG_NUM_PRIORITIES / 64];
extern word_t ready_bitmap_top;
static inline __attribute__((always_inline)) bool sched_is_highest_priority(unsigned p)
{
    word_t top = ready_bitmap_top;
    if (likely(!top))
        return true; /* nothing is ready */
    unsigned w = 63 - (unsigned)__builtin_clzl(top); /* the highest non-empty word */
    if (w != p / 64)
        return w < p / 64;
    return 63 - (unsigned)__builtin_clzl(ready_bitmap[w]) <= p % 64;
}
/* t has become runnable: run it now if it should preempt, else queue it. */
void sched_possible_switch_to(tcb_t *t);
void sched_dump(void);

/* ---- MCS time (semantics.md §6.3) ---- */
extern word_t ks_cur_time;         /* TSC at this kernel entry */
extern sched_context_t *ks_cur_sc; /* the SC the running thread's time is charged to */
extern bool ks_reprogram;          /* the timer must be set again before leaving */

/* Every kernel entry: reads the clock and accrues the time since the last read. */
void sched_update_timestamp(void);
/* The running thread's budget is not exhausted; if it is, charges it and ends its
 * time slice (a Timeout fault is possible) and returns false. */
bool sched_check_budget(void);
/* As sched_check_budget, and an exhausted caller re-executes its syscall later. */
bool sched_check_budget_restart(void);
/* The running thread's SC still has at least MIN_BUDGET left (preemption points). */
bool sched_budget_left(void);
/* After a preempted long operation (semantics.md §9). */
void sched_preempted(void);
/* Yield (semantics.md §6.5). */
void sched_yield(void);
/* Puts t (schedulable) in the release queue if its head refill is not ready or not
 * sufficient; returns whether it did. */
bool sched_postpone_if_not_ready(tcb_t *t);
void sched_release_remove(tcb_t *t);
/* Sporadic catch-up for an SC whose thread wakes (semantics.md §6.2 unblock_check). */
void sched_note_unblock(sched_context_t *sc);
/* Commits pending consumption if sc is the SC being charged. */
void sched_commit_if_current(sched_context_t *sc);
void sched_sc_deleted(sched_context_t *sc);
/* The timer interrupt. */
void sched_timer_interrupt(void);

/* Ends a kernel entry: picks the thread to run and returns to it, or idles. */
NORETURN void kernel_exit(void);

#endif
