/* Threads and the scheduler: 256 priority queues, a bitmap to find the highest. */
#include "thread.h"
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "console.h"
#include "kstring.h"

tcb_t *ks_cur;
tcb_t *ks_debug_list;

static tcb_t *ready_head[PN_CONFIG_NUM_PRIORITIES], *ready_tail[PN_CONFIG_NUM_PRIORITIES];
static word_t ready_bitmap[PN_CONFIG_NUM_PRIORITIES / 64];

void thread_init(tcb_t *t, const char *name)
{
    t->debug_prev = NULL;
    machine_context_init_user(&t->ctx);
    machine_fpu_init_state(&t->fpu);
    size_t n = MIN(strlen(name), sizeof(t->name) - 1);
    memcpy(t->name, name, n);
    t->name[n] = 0;
    t->debug_next = ks_debug_list;
    if (ks_debug_list)
        ks_debug_list->debug_prev = t;
    ks_debug_list = t;
}

void thread_set_state(tcb_t *t, enum thread_state s)
{
    t->state = s;
    if (thread_is_schedulable(t))
        sched_enqueue(t);
    else
        sched_dequeue(t);
}

void thread_forget(tcb_t *t)
{
    sched_dequeue(t);
    machine_forget_thread(t);
    if (t->debug_prev)
        t->debug_prev->debug_next = t->debug_next;
    else if (ks_debug_list == t)
        ks_debug_list = t->debug_next;
    if (t->debug_next)
        t->debug_next->debug_prev = t->debug_prev;
    t->debug_next = t->debug_prev = NULL;
}

void sched_timeslice_end(tcb_t *t)
{
    if (t->in_ready_queue) {
        sched_dequeue(t);
        sched_enqueue(t);
    }
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

/* ---- ready queues ---- */

void sched_enqueue(tcb_t *t)
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
    ready_bitmap[p / 64] |= BIT(p % 64);
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
        ready_bitmap[p / 64] &= ~BIT(p % 64);
    t->in_ready_queue = false;
}

static tcb_t *sched_highest(void)
{
    for (int i = ARRAY_SIZE(ready_bitmap) - 1; i >= 0; i--)
        if (ready_bitmap[i])
            return ready_head[i * 64 + 63 - __builtin_clzl(ready_bitmap[i])];
    return NULL;
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

/* Nothing can make a thread runnable again once all are blocked: user level cannot yet
 * be given an interrupt or a timeout to wait for. */
static bool wakeup_possible(void)
{
    return false;
}

NORETURN void kernel_exit(void)
{
    tcb_t *next = sched_highest();
    if (next) {
        ks_cur = next;
        if (next->state == TS_RESTART) {
            next->ctx.rip = next->ctx.fault_ip;
            next->state = TS_RUNNING;
        }
        machine_return_to_user(next);
    }
    ks_cur = NULL;
    if (PN_CONFIG_DEBUG && !wakeup_possible()) {
        kprintf("pecan: no thread can ever run again; stopping\n");
        sched_dump();
        machine_stop(STATUS_DEADLOCK);
    }
    machine_idle();
}
