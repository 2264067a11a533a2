/* Preemption points of long-running operations (semantics.md §9). */
#ifndef PECAN_PREEMPTION_H
#define PECAN_PREEMPTION_H

#include "object.h"

#define PREEMPTION_WORK_UNITS 100 /* CONFIG_MAX_NUM_WORK_UNITS_PER_PREEMPTION */

/* Counts one unit of work; every PREEMPTION_WORK_UNITS units, reports EX_PREEMPTED if an
 * interrupt is pending.  The operation must then stop in a state from which
 * re-executing the system call continues it. */
exception_t preemption_point(void);

/* Operations preempted since boot (debug builds report it to user level). */
extern word_t preemption_count;

#endif
