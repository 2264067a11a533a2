/* The refill queue of a scheduling context (semantics.md §6.2): a ring of {release
 * time, amount} whose amounts always add up to the budget.  Round-robin contexts
 * (period 0) have exactly two refills: the budget left (head) and the budget used. */
#ifndef PECAN_REFILL_H
#define PECAN_REFILL_H

#include "object.h"

#define MIN_REFILLS 2
#define WCET_US 10 /* x86 kernel worst-case execution time, CONFIG_KERNEL_WCET_SCALE 1 */
#define MIN_BUDGET_US (2 * WCET_US)

extern word_t refill_min_budget_ticks; /* MIN_BUDGET in ticks, set at boot */
static inline word_t refill_min_budget(void) { return refill_min_budget_ticks; }

static inline refill_t *refill_head(sched_context_t *sc) { return &sc->refills[sc->refill_head]; }
static inline refill_t *refill_tail(sched_context_t *sc)
{
    return &sc->refills[(sc->refill_head + sc->refill_count - 1) % sc->refill_max];
}
static inline bool sc_is_round_robin(const sched_context_t *sc) { return sc->period == 0; }
static inline bool refill_ready(sched_context_t *sc, word_t now) { return refill_head(sc)->release <= now; }
static inline word_t refill_capacity(sched_context_t *sc, word_t usage)
{
    word_t a = refill_head(sc)->amount;
    return usage > a ? 0 : a - usage;
}
static inline bool refill_sufficient(sched_context_t *sc, word_t usage)
{
    return refill_capacity(sc, usage) >= refill_min_budget();
}

void refill_new(sched_context_t *sc, word_t max, word_t budget, word_t period, word_t now);
void refill_update(sched_context_t *sc, word_t period, word_t budget, word_t max, word_t now);
/* Charges usage ticks to a periodic context. */
void refill_budget_check(sched_context_t *sc, word_t usage);
/* Sporadic catch-up when the context's thread wakes: returns whether the head moved. */
bool refill_unblock_check(sched_context_t *sc, word_t now);

#endif
