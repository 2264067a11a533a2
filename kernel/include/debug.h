/* Debug-build services behind the debug syscalls. */
#ifndef PECAN_DEBUG_H
#define PECAN_DEBUG_H

#include "object.h"

/* Stops the machine after misuse of a debug call (as upstream does): failing status. */
NORETURN void debug_halt_with(const char *why);
/* Prints the caller's CSpace root: every non-empty slot and what it holds. */
void debug_snapshot(const tcb_t *t);

#endif
