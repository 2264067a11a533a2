/* Faults: what a thread did wrong, recorded for delivery to its fault handler. */
#ifndef PECAN_FAULT_H
#define PECAN_FAULT_H

#include "cspace.h"

/* Raises a fault for thread t (which stops running until the fault is handled). */
void fault_raise(tcb_t *t, const fault_t *f);

static inline void fault_cap(tcb_t *t, word_t cptr, bool in_receive, const lookup_fault_t *lf)
{
    fault_t f = {.type = PN_FAULT_CAP, .addr = cptr, .code = in_receive};
    f.lookup_length = lookup_fault_words(lf, f.lookup);
    fault_raise(t, &f);
}

/* The running thread's budget ran out and it has a timeout handler: a Timeout fault to
 * that handler, never donating its SC. */
void fault_raise_timeout(tcb_t *t);

/* The fault message (faults.md §2) for t's recorded fault (reading it resets the SC's
 * consumed time for a Timeout fault). */
unsigned fault_message(tcb_t *t, word_t w[PN_UNKNOWN_SYSCALL_LENGTH]);
/* Applies a handler's reply to a faulted thread (faults.md §3); returns whether the
 * thread restarts (else it becomes Inactive). */
bool fault_handle_reply(tcb_t *t, tcb_t *replier, word_t label, unsigned length);

#endif
