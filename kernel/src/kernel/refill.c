/* Refill arithmetic, exactly as semantics.md §6.2 gives it. */
#include "refill.h"
#include "arch/machine.h"

word_t refill_min_budget_ticks;

static bool refill_single(const sched_context_t *sc) { return sc->refill_count == 1; }
static bool refill_full(const sched_context_t *sc) { return sc->refill_count == sc->refill_max; }

static refill_t refill_pop_head(sched_context_t *sc)
{
    refill_t r = *refill_head(sc);
    sc->refill_head = (sc->refill_head + 1) % sc->refill_max;
    sc->refill_count--;
    return r;
}

static void refill_append(sched_context_t *sc, refill_t r)
{
    sc->refill_count++;
    *refill_tail(sc) = r;
}

void refill_new(sched_context_t *sc, word_t max, word_t budget, word_t period, word_t now)
{
    sc->period = period;
    sc->budget = budget;
    sc->refill_max = max;
    sc->refill_head = 0;
    sc->refill_count = 1;
    sc->refills[0] = (refill_t){now, budget};
    if (period == 0)
        refill_append(sc, (refill_t){now, 0});
}

void refill_update(sched_context_t *sc, word_t period, word_t budget, word_t max, word_t now)
{
    refill_t head = *refill_head(sc);
    sc->refill_head = 0;
    sc->refill_count = 1;
    sc->refill_max = max;
    sc->period = period;
    sc->budget = budget;
    if (head.release <= now)
        head.release = now;
    if (head.amount >= budget) {
        head.amount = budget;
        sc->refills[0] = head;
        return;
    }
    sc->refills[0] = head;
    refill_append(sc, (refill_t){head.release + period, budget - head.amount});
}

/* Adds a used chunk at the tail (semantics.md §6.2 schedule_used). */
static void schedule_used(sched_context_t *sc, refill_t r)
{
    refill_t *tail = refill_tail(sc);
    if (tail->release + tail->amount >= r.release) {
        tail->amount += r.amount;
    } else if (!refill_full(sc)) {
        refill_append(sc, r);
    } else {
        tail->release = r.release - tail->amount;
        tail->amount += r.amount;
    }
}

void refill_budget_check(sched_context_t *sc, word_t usage)
{
    while (refill_head(sc)->amount <= usage) {
        usage -= refill_head(sc)->amount;
        if (refill_single(sc)) {
            refill_head(sc)->release += sc->period;
        } else {
            refill_t old = refill_pop_head(sc);
            old.release += sc->period;
            schedule_used(sc, old);
        }
    }
    if (usage > 0) {
        refill_t used = {refill_head(sc)->release + sc->period, usage};
        refill_head(sc)->amount -= usage;
        refill_head(sc)->release += usage;
        schedule_used(sc, used);
    }
    while (refill_head(sc)->amount < refill_min_budget() && !refill_single(sc)) {
        refill_t head = refill_pop_head(sc);
        refill_head(sc)->amount += head.amount;
        refill_head(sc)->release -= head.amount;
    }
}

bool refill_unblock_check(sched_context_t *sc, word_t now)
{
    if (sc_is_round_robin(sc) || !refill_ready(sc, now))
        return false;
    refill_head(sc)->release = now;
    while (sc->refill_count > 1) {
        refill_t *second = &sc->refills[(sc->refill_head + 1) % sc->refill_max];
        refill_t *head = refill_head(sc);
        if (second->release > head->release + head->amount)
            break;
        word_t amount = head->amount;
        refill_pop_head(sc);
        refill_head(sc)->amount += amount;
        refill_head(sc)->release = now;
    }
    return true;
}
