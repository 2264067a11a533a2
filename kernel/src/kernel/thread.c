/* Threads and the scheduler: 256 priority queues with a bitmap; the running thread is
 * kept out of the queues (semantics.md §6.1). */
#include "thread.h"
#include "arch/irq.h"
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "console.h"
#include "invariants.h"
#include "ipc.h"
#include "kstring.h"
#include "fault.h"
#include "refill.h"
#include "schedcontext.h"

tcb_t *ks_cur;
tcb_t ks_idle = {.state = TS_IDLE, .name = "idle"};
tcb_t *ks_debug_list;

word_t ks_cur_time;
sched_context_t *ks_cur_sc;
bool ks_reprogram;
static word_t ks_consumed;   /* time used since it was last charged */
static tcb_t *release_head;  /* threads waiting for a refill, earliest first */

static tcb_t *ready_head[PN_CONFIG_NUM_PRIORITIES], *ready_tail[PN_CONFIG_NUM_PRIORITIES];
word_t ready_bitmap[PN_CONFIG_NUM_PRIORITIES / 64];
word_t ready_bitmap_top; /* bit i: ready_bitmap[i] is not zero */

/* What the end of this kernel entry must do about the running thread. */
static enum { RESUME_CURRENT, CHOOSE_NEW, SWITCH_TO } action;
static tcb_t *candidate;

void thread_init(tcb_t *t, const char *name)
{
    t->fp.cspace_w0 = t->fp.vspace_w0 = ~0ul; /* words no cap has: nothing cached */
    machine_context_init_user(&t->ctx);
    machine_fpu_init_state(&t->fpu);
    machine_thread_state_changed(t);
    size_t n = MIN(strlen(name), sizeof(t->name) - 1);
    memcpy(t->name, name, n);
    t->name[n] = 0;
    t->debug_prev = NULL;
    t->debug_next = ks_debug_list;
    if (ks_debug_list)
        ks_debug_list->debug_prev = t;
    ks_debug_list = t;
}

void thread_set_state(tcb_t *t, enum thread_state s)
{
    t->state = s;
    if (t == ks_cur && action == RESUME_CURRENT && !thread_is_schedulable(t))
        sched_reschedule_required();
}

void thread_forget(tcb_t *t)
{
    sched_dequeue(t);
    sched_release_remove(t);
    if (candidate == t && action == SWITCH_TO)
        action = CHOOSE_NEW;
    if (ks_cur == t)
        action = CHOOSE_NEW;
    machine_forget_thread(t);
    if (t->debug_prev)
        t->debug_prev->debug_next = t->debug_next;
    else if (ks_debug_list == t)
        ks_debug_list = t->debug_next;
    if (t->debug_next)
        t->debug_next->debug_prev = t->debug_prev;
    t->debug_next = t->debug_prev = NULL;
}

paddr_t thread_vspace_root(const tcb_t *t)
{
    cap_t c = t->slots[TCB_SLOT_VTABLE].cap;
    if (cap_type(c) == PN_CAP_PML4 && cap_mapped_asid(c) != 0 &&
        vspace_find_pml4(cap_mapped_asid(c)) == cap_object(c))
        return kptr_to_paddr(cap_object(c));
    return kptr_to_paddr(kernel_pml4); /* no valid VSpace: every user access faults */
}

pn_ipc_buffer_t *thread_ipc_buffer(const tcb_t *t, bool for_write)
{
    cap_t c = t->slots[TCB_SLOT_BUFFER].cap;
    if (cap_type(c) != PN_CAP_FRAME || cap_frame_is_device(c))
        return NULL;
    enum vm_rights r = cap_frame_rights(c);
    if (r == VM_KERNEL_ONLY || (for_write && r != VM_READ_WRITE))
        return NULL;
    word_t offset = t->ipc_buffer & MASK(cap_frame_size_bits(c));
    return paddr_to_kptr(cap_frame_base(c) + offset);
}

/* ---- Suspend and Resume ---- */

void thread_cancel_ipc(tcb_t *t)
{
    t->fault.type = PN_FAULT_NULL;
    switch (t->state) {
    case TS_BLOCKED_ON_SEND:
    case TS_BLOCKED_ON_RECEIVE:
        endpoint_cancel_ipc(t);
        break;
    case TS_BLOCKED_ON_NOTIFICATION:
        notification_cancel_wait(t);
        break;
    case TS_BLOCKED_ON_REPLY:
        reply_remove_tcb(t);
        break;
    default:
        return;
    }
    thread_set_state(t, TS_INACTIVE);
}

void thread_suspend(tcb_t *t)
{
    thread_cancel_ipc(t);
    if (t->state == TS_RUNNING)
        t->ctx.fault_ip = t->ctx.rip; /* resume after the instruction it stopped at */
    thread_set_state(t, TS_INACTIVE);
    sched_dequeue(t);
    sched_release_remove(t);
    sc_cancel_yield_to(t);
}

void thread_restart(tcb_t *t)
{
    if (thread_is_runnable(t))
        return;
    thread_cancel_ipc(t);
    thread_set_state(t, TS_RESTART);
    if (thread_is_schedulable(t))
        sched_possible_switch_to(t);
}

/* ---- ready queues ---- */

static void bitmap_set(unsigned p)
{
    ready_bitmap[p / 64] |= BIT(p % 64);
    ready_bitmap_top |= BIT(p / 64);
}

static void bitmap_clear(unsigned p)
{
    ready_bitmap[p / 64] &= ~BIT(p % 64);
    if (!ready_bitmap[p / 64])
        ready_bitmap_top &= ~BIT(p / 64);
}

void sched_enqueue(tcb_t *t)
{
    if (t->in_ready_queue)
        return;
    unsigned p = t->priority;
    t->sched_prev = NULL;
    t->sched_next = ready_head[p];
    if (ready_head[p])
        ready_head[p]->sched_prev = t;
    else
        ready_tail[p] = t;
    ready_head[p] = t;
    bitmap_set(p);
    t->in_ready_queue = true;
}

void sched_append(tcb_t *t)
{
    if (t->in_ready_queue)
        return;
    unsigned p = t->priority;
    t->sched_next = NULL;
    t->sched_prev = ready_tail[p];
    if (ready_tail[p])
        ready_tail[p]->sched_next = t;
    else
        ready_head[p] = t;
    ready_tail[p] = t;
    bitmap_set(p);
    t->in_ready_queue = true;
}

void sched_dequeue(tcb_t *t)
{
    if (!t->in_ready_queue)
        return;
    unsigned p = t->priority;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        ready_head[p] = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        ready_tail[p] = t->sched_prev;
    if (!ready_head[p])
        bitmap_clear(p);
    t->in_ready_queue = false;
}

static int highest_ready_priority(void)
{
    if (!ready_bitmap_top)
        return -1;
    int i = 63 - __builtin_clzl(ready_bitmap_top);
    return i * 64 + 63 - __builtin_clzl(ready_bitmap[i]);
}

void sched_reschedule_required(void)
{
    if (action == SWITCH_TO && thread_is_schedulable(candidate))
        sched_enqueue(candidate);
    action = CHOOSE_NEW;
}

static void switch_to_if_possible(tcb_t *t)
{
    if (action != RESUME_CURRENT) {
        sched_reschedule_required();
        sched_enqueue(t);
    } else {
        action = SWITCH_TO;
        candidate = t;
    }
}

void sched_possible_switch_to(tcb_t *t)
{
    if (!t->sc || !sc_is_active(t->sc) || t->in_release_queue)
        return;
    if (t->sc->sporadic)
        sched_note_unblock(t->sc);
    if (!sched_postpone_if_not_ready(t))
        switch_to_if_possible(t);
}

/* ---- MCS time: the release queue, charging, the timer (semantics.md §6) ---- */

void sched_update_timestamp(void)
{
    word_t now = machine_now();
    ks_consumed += now - ks_cur_time;
    ks_cur_time = now;
}

static void release_enqueue(tcb_t *t)
{
    word_t when = refill_head(t->sc)->release;
    tcb_t *prev = NULL, *next = release_head;
    while (next && refill_head(next->sc)->release <= when) {
        prev = next;
        next = next->sched_next;
    }
    t->sched_prev = prev;
    t->sched_next = next;
    if (next)
        next->sched_prev = t;
    if (prev)
        prev->sched_next = t;
    else
        release_head = t;
    t->in_release_queue = true;
}

void sched_release_remove(tcb_t *t)
{
    if (!t->in_release_queue)
        return;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        release_head = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    t->sched_next = t->sched_prev = NULL;
    t->in_release_queue = false;
    ks_reprogram = true;
}

static void postpone(tcb_t *t)
{
    sched_dequeue(t);
    sched_release_remove(t); /* (re-sorted if it was there already) */
    release_enqueue(t);
    ks_reprogram = true;
}

bool sched_postpone_if_not_ready(tcb_t *t)
{
    if (refill_ready(t->sc, ks_cur_time) && refill_sufficient(t->sc, 0))
        return false;
    postpone(t);
    return true;
}

void sched_note_unblock(sched_context_t *sc)
{
    if (sc != ks_cur_sc && refill_unblock_check(sc, ks_cur_time))
        ks_reprogram = true;
}

/* Charges the pending consumption to the SC that used it (no exhaustion). */
static void commit_time(void)
{
    sched_context_t *sc = ks_cur_sc;
    if (sc && sc_is_active(sc) && sc->tcb && ks_consumed > 0) {
        if (sc_is_round_robin(sc)) {
            word_t used = MIN(ks_consumed, refill_head(sc)->amount);
            refill_head(sc)->amount -= used;
            refill_tail(sc)->amount += used;
        } else {
            refill_budget_check(sc, ks_consumed);
        }
    }
    if (sc)
        sc->consumed += ks_consumed;
    ks_consumed = 0;
}

void sched_commit_if_current(sched_context_t *sc)
{
    if (sc == ks_cur_sc)
        commit_time();
}

void sched_sc_deleted(sched_context_t *sc)
{
    if (sc == ks_cur_sc) {
        ks_consumed = 0;
        ks_cur_sc = NULL;
    }
}

static bool has_timeout_handler(const tcb_t *t)
{
    return cap_type(t->slots[TCB_SLOT_TIMEOUT_HANDLER].cap) == PN_CAP_ENDPOINT;
}

/* The running thread's time slice is over (its SC was just charged). */
static void end_timeslice(bool can_timeout_fault)
{
    sched_context_t *sc = ks_cur_sc;
    if (can_timeout_fault && !sc_is_round_robin(sc) && has_timeout_handler(ks_cur))
        fault_raise_timeout(ks_cur);
    else if (refill_ready(sc, ks_cur_time) && refill_sufficient(sc, 0))
        sched_append(ks_cur);
    else
        postpone(ks_cur);
}

static void charge_budget(word_t consumed, bool can_timeout_fault)
{
    sched_context_t *sc = ks_cur_sc;
    if (sc_is_round_robin(sc)) {
        refill_head(sc)->amount += refill_tail(sc)->amount;
        refill_tail(sc)->amount = 0;
    } else {
        refill_budget_check(sc, consumed);
    }
    sc->consumed += consumed;
    ks_consumed = 0;
    if (ks_cur != &ks_idle && ks_cur->sc == sc && thread_is_schedulable(ks_cur)) {
        end_timeslice(can_timeout_fault);
        sched_reschedule_required();
        ks_reprogram = true;
    }
}

bool sched_check_budget(void)
{
    sched_context_t *sc = ks_cur_sc;
    if (ks_cur == &ks_idle || !sc || !sc_is_active(sc) || refill_sufficient(sc, ks_consumed))
        return true;
    charge_budget(ks_consumed, true);
    return false;
}

bool sched_check_budget_restart(void)
{
    if (sched_check_budget())
        return true;
    if (thread_is_runnable(ks_cur))
        thread_set_state(ks_cur, TS_RESTART);
    return false;
}

bool sched_budget_left(void)
{
    sched_context_t *sc = ks_cur_sc;
    return !sc || (sc_is_active(sc) && refill_sufficient(sc, ks_consumed));
}

void sched_preempted(void)
{
    if (ks_cur != &ks_idle && thread_is_schedulable(ks_cur))
        sched_check_budget();
    else if (ks_cur_sc && sc_is_active(ks_cur_sc))
        charge_budget(ks_consumed, false);
    else
        ks_consumed = 0;
}

void sched_yield(void)
{
    sched_context_t *sc = ks_cur_sc;
    word_t consumed = sc->consumed + ks_consumed;
    charge_budget(refill_head(sc)->amount, false);
    sc->consumed = consumed;
}

void sched_timer_interrupt(void)
{
    ks_reprogram = true;
}

/* Threads whose refill has come due become ready. */
static void awaken(void)
{
    while (release_head && refill_ready(release_head->sc, ks_cur_time)) {
        tcb_t *t = release_head;
        sched_release_remove(t);
        switch_to_if_possible(t);
    }
}

/* The SC the new thread runs on becomes the one charged; the timer is set again if
 * anything it depends on changed. */
static void switch_sched_context(void)
{
    sched_context_t *next = ks_cur == &ks_idle ? NULL : ks_cur->sc;
    if (next != ks_cur_sc) {
        ks_reprogram = true;
        if (next && !next->sporadic)
            refill_unblock_check(next, ks_cur_time);
    }
    if (ks_reprogram)
        commit_time();
    ks_cur_sc = next;
    if (!ks_reprogram)
        return;
    word_t deadline = ~0ul;
    if (next)
        deadline = ks_cur_time + refill_head(next)->amount;
    if (release_head)
        deadline = MIN(deadline, refill_head(release_head->sc)->release);
    machine_set_deadline(deadline);
    ks_reprogram = false;
}

static void choose_new_thread(void)
{
    int p = highest_ready_priority();
    if (p < 0) {
        ks_cur = &ks_idle;
        return;
    }
    ks_cur = ready_head[p];
    sched_dequeue(ks_cur);
}

static void choose(void)
{
    bool was_runnable = ks_cur != &ks_idle && thread_is_schedulable(ks_cur);
    if (action == RESUME_CURRENT && (was_runnable || ks_cur == &ks_idle)) {
        if (ks_cur == &ks_idle)
            choose_new_thread();
        return;
    }
    if (action == SWITCH_TO && !thread_is_schedulable(candidate))
        action = CHOOSE_NEW;
    if (action == SWITCH_TO) {
        tcb_t *c = candidate;
        if (was_runnable)
            sched_enqueue(ks_cur);
        bool fastfail = ks_cur == &ks_idle || c->priority < ks_cur->priority;
        if (fastfail && (int)c->priority < highest_ready_priority()) {
            sched_enqueue(c);
            choose_new_thread();
        } else if (was_runnable && c->priority == ks_cur->priority) {
            sched_append(c);
            choose_new_thread();
        } else {
            sched_dequeue(c);
            ks_cur = c;
        }
    } else {
        if (was_runnable)
            sched_enqueue(ks_cur);
        choose_new_thread();
    }
    action = RESUME_CURRENT;
}

static void schedule(void)
{
    awaken();
    choose();
    switch_sched_context();
}

#if PN_CONFIG_CHECK
#define SCHED_REQUIRE(i, cond, where)                                                   \
    do {                                                                                \
        if (unlikely(!(cond)))                                                          \
            invariants_violated(i, #cond, where);                                       \
    } while (0)

/* Invariants 1 and 2 (docs/invariants.md): the ready queues agree with their bitmap and
 * hold only schedulable threads of their priority; the release queue is sorted. */
void sched_check_invariants(void)
{
    for (unsigned p = 0; p < PN_CONFIG_NUM_PRIORITIES; p++) {
        bool bit = ready_bitmap[p / 64] & BIT(p % 64);
        SCHED_REQUIRE(1, bit == (ready_head[p] != NULL), &ready_head[p]);
        SCHED_REQUIRE(1, !!(ready_bitmap_top & BIT(p / 64)) == !!ready_bitmap[p / 64], &ready_bitmap_top);
        const tcb_t *prev = NULL;
        for (const tcb_t *t = ready_head[p]; t; prev = t, t = t->sched_next) {
            SCHED_REQUIRE(1, t->in_ready_queue && t->priority == p && t->sched_prev == prev, t);
            SCHED_REQUIRE(1, thread_is_schedulable(t) && t != ks_cur, t);
        }
        SCHED_REQUIRE(1, ready_tail[p] == prev, &ready_tail[p]);
    }
    const tcb_t *prev = NULL;
    for (const tcb_t *t = release_head; t; prev = t, t = t->sched_next) {
        SCHED_REQUIRE(2, t->in_release_queue && !t->in_ready_queue && t->sched_prev == prev, t);
        SCHED_REQUIRE(2, t->sc && sc_is_active(t->sc), t);
        SCHED_REQUIRE(2, !prev || refill_head(prev->sc)->release <= refill_head(t->sc)->release, t);
    }
    for (const tcb_t *t = ks_debug_list; t; t = t->debug_next)
        SCHED_REQUIRE(2, !t->in_release_queue || t->sched_prev || t == release_head, t);
}

void sched_corrupt_bitmap(void)
{
    for (unsigned p = 1; p < PN_CONFIG_NUM_PRIORITIES; p++)
        if (!ready_head[p]) {
            bitmap_set(p);
            return;
        }
}
#endif

static const char *state_name(enum thread_state s)
{
    static const char *const names[] = {"inactive", "running", "restart", "blocked-recv",
                                        "blocked-send", "blocked-reply", "blocked-ntfn", "idle"};
    return s < ARRAY_SIZE(names) ? names[s] : "?";
}

void sched_dump(void)
{
    kprintf("pecan: threads (name, state, priority, restart PC):\n");
    for (tcb_t *t = ks_debug_list; t; t = t->debug_next)
        kprintf("  %s%s %s prio %u ip %lx\n", t == ks_cur ? "*" : " ", t->name,
                state_name(t->state), t->priority, t->ctx.fault_ip);
}

/* Whether something other than a thread could make a thread runnable again. */
static bool wakeup_possible(void)
{
    return irq_any_active() || release_head != NULL;
}

NORETURN void kernel_exit(void)
{
    schedule();
    tcb_t *t = ks_cur;
    if (t == &ks_idle) {
        if (PN_CONFIG_DEBUG && !wakeup_possible()) {
            kprintf("pecan: no thread can ever run again; stopping\n");
            sched_dump();
            machine_stop(STATUS_DEADLOCK);
        }
        machine_idle();
    }
    if (t->state == TS_RESTART) {
        t->ctx.rip = t->ctx.fault_ip;
        t->state = TS_RUNNING;
    }
    sc_complete_yield_to(t);
    machine_return_to_user(t);
}
