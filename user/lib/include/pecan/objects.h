/*
 * libpecan: typed wrappers for the thread and scheduling objects (invocations.md §3.3 TCB,
 * §3.6 SchedControl / SchedContext) and notification helpers.
 *
 * Every wrapper invokes with Call and returns the error code of the reply (0 = success,
 * enum pn_error); result words are stored through the pointer arguments only on success.
 * They marshal through the calling thread's IPC buffer `pn_ipc`; a thread other than the
 * root task (whose buffer is somewhere else) uses pn_invoke_ipc() with its own buffer.
 */
#ifndef PECAN_OBJECTS_H
#define PECAN_OBJECTS_H

#include <pecan/pecan.h>

/* pn_invoke() through an explicit IPC buffer `ipc` (NULL: a thread without a buffer, so
 * only MR0..3 are sent and no extra caps; reply words >= 4 read as 0). */
pn_word_t pn_invoke_ipc(pn_ipc_buffer_t *ipc, pn_cptr_t cap, pn_word_t label,
                        const pn_word_t *words, unsigned nwords, const pn_cptr_t *caps,
                        unsigned ncaps, pn_word_t *results, unsigned max_results);

/* ---- TCB (invocations.md §3.3) ---- */

/* First `count` words of the target's seL4_UserContext (types.md §7) into regs[]. */
pn_word_t pn_tcb_read_registers(pn_cptr_t tcb, int suspend_source, pn_word_t count,
                                pn_word_t *regs);
/* Writes regs[0..count-1] (seL4_UserContext order); count <= PN_UC_COUNT. */
pn_word_t pn_tcb_write_registers(pn_cptr_t tcb, int resume_target, pn_word_t count,
                                 const pn_word_t *regs);
pn_word_t pn_tcb_copy_registers(pn_cptr_t tcb, pn_cptr_t source, int suspend_source,
                                int resume_target, int transfer_frame, int transfer_integer);
/* MCS Configure: no fault endpoint (it is set by SetSchedParams / SetSpace). */
pn_word_t pn_tcb_configure(pn_cptr_t tcb, pn_cptr_t cspace_root, pn_word_t cspace_root_data,
                           pn_cptr_t vspace_root, pn_word_t vspace_root_data,
                           pn_word_t buffer, pn_cptr_t buffer_frame);
pn_word_t pn_tcb_set_mc_priority(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t mcp);
/* sc = 0 (the null slot) unbinds; fault_ep = 0 empties the fault-handler slot. */
pn_word_t pn_tcb_set_sched_params(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t mcp,
                                  pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep);
pn_word_t pn_tcb_set_timeout_endpoint(pn_cptr_t tcb, pn_cptr_t ep);
pn_word_t pn_tcb_set_ipc_buffer(pn_cptr_t tcb, pn_word_t buffer, pn_cptr_t frame);
pn_word_t pn_tcb_set_space(pn_cptr_t tcb, pn_cptr_t fault_ep, pn_cptr_t cspace_root,
                           pn_word_t cspace_root_data, pn_cptr_t vspace_root,
                           pn_word_t vspace_root_data);
pn_word_t pn_tcb_suspend(pn_cptr_t tcb);
pn_word_t pn_tcb_resume(pn_cptr_t tcb);
pn_word_t pn_tcb_bind_notification(pn_cptr_t tcb, pn_cptr_t ntfn);
pn_word_t pn_tcb_unbind_notification(pn_cptr_t tcb);
pn_word_t pn_tcb_set_tls_base(pn_cptr_t tcb, pn_word_t base);
/* flags = (flags & ~clear) | set; the resulting flags are stored in *flags (may be NULL). */
pn_word_t pn_tcb_set_flags(pn_cptr_t tcb, pn_word_t clear, pn_word_t set, pn_word_t *flags);
#define PN_TCB_FLAG_FPU_DISABLED 1ul

/* ReadRegisters / WriteRegisters MR0: suspend_source or resume_target (bit 0) and the
 * arch flags (bits 8..15).  CopyRegisters MR0 bits: */
#define PN_COPY_SUSPEND_SOURCE 1ul
#define PN_COPY_RESUME_TARGET 2ul
#define PN_COPY_TRANSFER_FRAME 4ul
#define PN_COPY_TRANSFER_INTEGER 8ul

/* ---- SchedControl / SchedContext (invocations.md §3.6) ---- */

/* budget and period in µs; flags bit 0 = sporadic. */
pn_word_t pn_sched_control_configure_flags(pn_cptr_t sched_control, pn_cptr_t sc,
                                           pn_word_t budget_us, pn_word_t period_us,
                                           pn_word_t extra_refills, pn_word_t badge,
                                           pn_word_t flags);
pn_word_t pn_sched_context_bind(pn_cptr_t sc, pn_cptr_t tcb_or_ntfn);
pn_word_t pn_sched_context_unbind(pn_cptr_t sc);
pn_word_t pn_sched_context_unbind_object(pn_cptr_t sc, pn_cptr_t tcb_or_ntfn);
pn_word_t pn_sched_context_consumed(pn_cptr_t sc, pn_word_t *consumed_us);
pn_word_t pn_sched_context_yield_to(pn_cptr_t sc, pn_word_t *consumed_us);

/* ---- notifications (syscalls.md §2: libsel4's Signal is Send, length 1, label 0) ---- */

static inline void pn_signal(pn_cptr_t ntfn)
{
    pn_msg_t m = {pn_msginfo(0, 0, 0, 1), {0, 0, 0, 0}};
    pn_syscall(PN_SYS_SEND, ntfn, &m, 0, 0);
}

/* Wait on a notification; returns the notification word (the badge register). */
static inline pn_word_t pn_ntfn_wait(pn_cptr_t ntfn)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    return pn_syscall(PN_SYS_WAIT, ntfn, &m, 0, 0);
}

/* Non-blocking: 0 if the notification was not active. */
static inline pn_word_t pn_ntfn_poll(pn_cptr_t ntfn)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    return pn_syscall(PN_SYS_NB_WAIT, ntfn, &m, 0, 0);
}

/* The TSC frequency from the extra bootinfo (types.md §8.3), 0 if absent. */
pn_word_t pn_tsc_mhz(void);

#endif
