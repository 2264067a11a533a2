/* Faults: what a thread did wrong, recorded for delivery to its fault handler. */
#ifndef PECAN_FAULT_H
#define PECAN_FAULT_H

#include "cspace.h"

typedef struct fault {
    enum pn_fault_type type;
    word_t addr;          /* CapFault: cptr; VMFault: CR2 */
    word_t code;          /* CapFault: in receive phase; UnknownSyscall: number;
                             UserException: vector; VMFault: error code */
    word_t extra;         /* UserException: CPU error code; VMFault: instruction fetch */
    lookup_fault_t lookup; /* CapFault */
} fault_t;

/* Raises a fault for thread t (which stops running until the fault is handled). */
void fault_raise(tcb_t *t, const fault_t *f);

static inline void fault_cap(tcb_t *t, word_t cptr, bool in_receive, const lookup_fault_t *lf)
{
    fault_t f = {.type = PN_FAULT_CAP, .addr = cptr, .code = in_receive, .lookup = *lf};
    fault_raise(t, &f);
}

#endif
