/* Scheduling contexts: binding, donation, SchedControl/SchedContext methods. */
#ifndef PECAN_SCHEDCONTEXT_H
#define PECAN_SCHEDCONTEXT_H

#include "invocation.h"

/* Gives sc to t (taking it from its current thread, if any). */
void sc_donate(sched_context_t *sc, tcb_t *t);
void sc_bind_tcb(sched_context_t *sc, tcb_t *t);
void sc_unbind_tcb(sched_context_t *sc);
void sc_bind_notification(sched_context_t *sc, notification_t *n);
void sc_unbind_notification(sched_context_t *sc);
/* A thread woken by a notification with no SC borrows the notification's. */
void sc_maybe_donate_from_notification(tcb_t *t, notification_t *n);
/* A passive server blocking again gives the notification's SC back. */
void sc_maybe_return_to_notification(tcb_t *t, notification_t *n);
/* The root task's SC: round robin, budget = period = `budget` ticks. */
void sc_init_round_robin(sched_context_t *sc, word_t budget);
void sc_finalise(sched_context_t *sc);

/* The SC's consumed time in µs since last read (the counter restarts). */
word_t sc_take_consumed_us(sched_context_t *sc);
/* Active with its head refill due (SchedContext_Bind, SetSchedParams). */
bool sc_released(sched_context_t *sc);

/* SchedContext_YieldTo bookkeeping. */
void sc_cancel_yield_to(tcb_t *t);
void sc_complete_yield_to(tcb_t *t);

invocation_result_t sched_control_decode(const invocation_t *inv);
invocation_result_t sched_context_decode(const invocation_t *inv);

#endif
