/* Preemption points (semantics.md §9).  The work counter carries over between system
 * calls, as upstream's does. */
#include "preemption.h"
#include "arch/machine.h"
#include "thread.h"

static word_t work_units;
word_t preemption_count;

exception_t preemption_point(void)
{
    if (++work_units < PREEMPTION_WORK_UNITS)
        return EX_NONE;
    work_units = 0;
    sched_update_timestamp();
    if (!machine_interrupt_pending() && sched_budget_left())
        return EX_NONE;
    preemption_count++;
    return EX_PREEMPTED;
}
