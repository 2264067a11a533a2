/* DomainSet invocations (invocations.md §3.5).  Pecan is built, like seL4's test
 * configuration, with one domain: the schedule can be edited but domain time is never
 * charged or checked (semantics.md §6.5). */
#include "invocation.h"
#include "thread.h"

#define NUM_DOMAINS PN_CONFIG_NUM_DOMAINS
#define SCHEDULE_LENGTH (NUM_DOMAINS == 1 ? 2 : 100) /* CONFIG_NUM_DOMAIN_SCHEDULES */
#define MAX_DURATION (BIT(56) - 1)

static struct domain_entry {
    word_t domain, duration; /* duration 0: end marker */
} schedule[SCHEDULE_LENGTH] = {{0, MAX_DURATION}};
static word_t schedule_start;

static invocation_result_t set_domain(const invocation_t *inv)
{
    if (inv->length < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t domain = inv_arg(inv, 0);
    if (domain >= NUM_DOMAINS)
        return inv_error1(PN_INVALID_ARGUMENT, 0);
    if (inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cap_t c = inv->extra[0]->cap;
    if (cap_type(c) != PN_CAP_THREAD)
        return inv_error1(PN_INVALID_ARGUMENT, 1);
    tcb_t *t = cap_object(c);
    sched_dequeue(t);
    t->domain = domain;
    if (thread_is_schedulable(t) && t != ks_cur)
        sched_enqueue(t);
    if (t == ks_cur)
        sched_reschedule_required();
    return inv_ok();
}

static invocation_result_t schedule_configure(const invocation_t *inv)
{
    if (inv->length < 3)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t index = inv_arg(inv, 0), domain = inv_arg(inv, 1), duration = inv_arg(inv, 2);
    if (index >= SCHEDULE_LENGTH - 1)
        return inv_error2(PN_RANGE_ERROR, 0, SCHEDULE_LENGTH - 2);
    if (domain >= NUM_DOMAINS)
        return inv_error2(PN_RANGE_ERROR, 0, NUM_DOMAINS - 1);
    if (duration > MAX_DURATION)
        return inv_error1(PN_INVALID_ARGUMENT, 2);
    if (duration == 0 && domain != 0)
        return inv_error1(PN_INVALID_ARGUMENT, 1);
    if (index == schedule_start && duration == 0)
        return inv_error1(PN_INVALID_ARGUMENT, 2);
    schedule[index] = (struct domain_entry){domain, duration};
    return inv_ok();
}

static invocation_result_t schedule_set_start(const invocation_t *inv)
{
    if (inv->length < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t index = inv_arg(inv, 0);
    if (index >= SCHEDULE_LENGTH)
        return inv_error2(PN_RANGE_ERROR, 0, SCHEDULE_LENGTH - 1);
    if (schedule[index].domain == 0 && schedule[index].duration == 0)
        return inv_error1(PN_INVALID_ARGUMENT, 0);
    schedule_start = index;
    return inv_ok();
}

invocation_result_t domain_decode(const invocation_t *inv)
{
    switch (inv->label) {
    case PN_DOMAIN_SET_SET:
        return set_domain(inv);
    case PN_DOMAIN_SCHEDULE_CONFIGURE:
        return schedule_configure(inv);
    case PN_DOMAIN_SCHEDULE_SET_START:
        return schedule_set_start(inv);
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
