/* Threads and the scheduler: 256 priority queues with a bitmap; the running thread is
 * kept out of the queues (semantics.md §6.1). */
#include "thread.h"
#include "arch/irq.h"
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "console.h"
#include "ipc.h"
#include "kstring.h"
#include "schedcontext.h"

tcb_t *ks_cur;
tcb_t ks_idle = {.state = TS_IDLE, .name = "idle"};
tcb_t *ks_debug_list;

static tcb_t *ready_head[PN_CONFIG_NUM_PRIORITIES], *ready_tail[PN_CONFIG_NUM_PRIORITIES];
static word_t ready_bitmap[PN_CONFIG_NUM_PRIORITIES / 64];

/* What the end of this kernel entry must do about the running thread. */
static enum { RESUME_CURRENT, CHOOSE_NEW, SWITCH_TO } action;
static tcb_t *candidate;

void thread_init(tcb_t *t, const char *name)
{
    machine_context_init_user(&t->ctx);
    machine_fpu_init_state(&t->fpu);
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

static void bitmap_set(unsigned p) { ready_bitmap[p / 64] |= BIT(p % 64); }
static void bitmap_clear(unsigned p) { ready_bitmap[p / 64] &= ~BIT(p % 64); }

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
    for (int i = ARRAY_SIZE(ready_bitmap) - 1; i >= 0; i--)
        if (ready_bitmap[i])
            return i * 64 + 63 - __builtin_clzl(ready_bitmap[i]);
    return -1;
}

void sched_reschedule_required(void)
{
    if (action == SWITCH_TO && thread_is_schedulable(candidate))
        sched_enqueue(candidate);
    action = CHOOSE_NEW;
}

void sched_possible_switch_to(tcb_t *t)
{
    if (!t->sc || !sc_is_active(t->sc))
        return;
    if (action != RESUME_CURRENT) {
        sched_reschedule_required();
        sched_enqueue(t);
    } else {
        action = SWITCH_TO;
        candidate = t;
    }
}

void sched_timeslice_end(void)
{
    if (ks_cur != &ks_idle && thread_is_schedulable(ks_cur))
        sched_append(ks_cur);
    sched_reschedule_required();
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

static void schedule(void)
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
    return irq_any_active();
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
