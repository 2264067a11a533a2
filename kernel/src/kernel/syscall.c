/* System call entry: the API calls, the debug calls, and traps from user mode. */
#include "arch/machine.h"
#include "console.h"
#include "cspace.h"
#include "debug.h"
#include "fastpath.h"
#include "fault.h"
#include "invocation.h"
#include "invariants.h"
#include "ipc.h"
#include "kstring.h"
#include "measure.h"
#include "message.h"
#include "preemption.h"
#include "thread.h"

void msg_kernel_reply(tcb_t *t, word_t label, const word_t *mrs, unsigned n)
{
    pn_ipc_buffer_t *buf = thread_ipc_buffer(t, true);
    unsigned length = 0;
    for (unsigned i = 0; i < n; i++)
        length = msg_set(t, buf, i, mrs[i]);
    t->ctx.rsi = pn_msginfo(label, 0, 0, length);
    t->ctx.rdi = 0;
}

static void reply_result(tcb_t *t, const invocation_result_t *r)
{
    msg_kernel_reply(t, r->error, r->words ? r->words : r->mr, r->length);
}

/* Caps that may not be invoked in the first phase of ReplyRecv/NBSendRecv/NBSendWait. */
static bool refused_in_first_phase(cap_t c)
{
    switch (cap_type(c)) {
    case PN_CAP_THREAD:
    case PN_CAP_CNODE:
    case PN_CAP_DOMAIN:
    case PN_CAP_SCHED_CONTROL:
    case PN_CAP_SCHED_CONTEXT:
        return true;
    default:
        return false;
    }
}

enum send_kind { SEND_CALL, SEND_BLOCKING, SEND_NONBLOCKING, SEND_FIRST_PHASE };

/* Invokes the cap at cptr as a send (syscalls.md §3, invocations.md §1). */
static void send_invocation(tcb_t *t, word_t cptr, word_t info, enum send_kind kind)
{
    bool faults = kind == SEND_CALL || kind == SEND_BLOCKING;
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(t, cptr, &lf);
    if (!slot) {
        if (faults)
            fault_cap(t, cptr, false, &lf);
        return;
    }
    const pn_ipc_buffer_t *buf = thread_ipc_buffer(t, false);
    invocation_t inv = {.caller = t, .slot = slot, .cap = slot->cap,
                        .label = pn_msginfo_label(info), .buffer = buf,
                        .is_call = kind == SEND_CALL, .blocking = faults,
                        .can_donate = kind == SEND_CALL || kind == SEND_FIRST_PHASE};
    inv.length = MIN(pn_msginfo_length(info), PN_MSG_MAX_LENGTH);
    if (!buf)
        inv.length = MIN(inv.length, PN_FAST_MESSAGE_REGISTERS);
    if (buf) {
        inv.extra_caps = pn_msginfo_extra_caps(info);
        for (unsigned i = 0; i < inv.extra_caps; i++) {
            word_t c = buf->caps_or_badges[i];
            inv.extra[i] = cspace_lookup_slot(t, c, &lf);
            if (!inv.extra[i]) {
                if (faults)
                    fault_cap(t, c, false, &lf);
                return;
            }
        }
    }
    if (kind == SEND_FIRST_PHASE && refused_in_first_phase(inv.cap))
        return;
    /* The caller stays in Restart while the operation runs: if it is preempted, the
     * caller re-executes the system call and the operation continues. */
    t->state = TS_RESTART;
    invocation_result_t r = invocation_decode(&inv);
    if (r.error == INV_PREEMPTED) {
        sched_preempted();
        return;
    }
    if (t->state != TS_RESTART)
        return; /* the operation stopped the caller itself: no reply */
    t->state = TS_RUNNING;
    if (kind == SEND_CALL)
        reply_result(t, &r);
}

/* The receive phase (syscalls.md §3): with_reply for the forms that take a reply object
 * in r12 (Recv, NBRecv, ReplyRecv, NBSendRecv). */
static void receive(tcb_t *t, word_t cptr, bool blocking, bool with_reply)
{
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(t, cptr, &lf);
    if (!slot) {
        fault_cap(t, cptr, true, &lf);
        return;
    }
    cap_t c = slot->cap;
    lookup_fault_t wrong_cap = {.type = PN_LOOKUP_MISSING_CAP, .bits_left = 0};
    if (cap_type(c) == PN_CAP_ENDPOINT && (cap_rights(c) & PN_RIGHT_READ)) {
        reply_t *reply = NULL;
        if (with_reply) {
            word_t rptr = t->ctx.r12;
            cte_t *rslot = cspace_lookup_slot(t, rptr, &lf);
            if (!rslot) {
                fault_cap(t, rptr, true, &lf);
                return;
            }
            if (cap_type(rslot->cap) != PN_CAP_REPLY) {
                fault_cap(t, rptr, true, &wrong_cap);
                return;
            }
            reply = cap_object(rslot->cap);
        }
        endpoint_receive(cap_object(c), t, blocking, reply);
        return;
    }
    if (cap_type(c) == PN_CAP_NOTIFICATION && (cap_rights(c) & PN_RIGHT_READ)) {
        notification_t *n = cap_object(c);
        if (!n->bound_tcb || n->bound_tcb == t) {
            notification_receive(n, t, blocking);
            return;
        }
    }
    fault_cap(t, cptr, true, &wrong_cap);
}

static void handle_api_syscall(tcb_t *t, sword_t n, word_t cptr, word_t info)
{
    switch (n) {
    case PN_SYS_CALL:
        send_invocation(t, cptr, info, SEND_CALL);
        break;
    case PN_SYS_SEND:
        send_invocation(t, cptr, info, SEND_BLOCKING);
        break;
    case PN_SYS_NB_SEND:
        send_invocation(t, cptr, info, SEND_NONBLOCKING);
        break;
    case PN_SYS_REPLY_RECV:
        send_invocation(t, t->ctx.r12, info, SEND_FIRST_PHASE);
        if (t->state == TS_RUNNING) /* not preempted */
            receive(t, cptr, true, true);
        break;
    case PN_SYS_NB_SEND_RECV:
        send_invocation(t, t->ctx.r13, info, SEND_FIRST_PHASE);
        if (t->state == TS_RUNNING)
            receive(t, cptr, true, true);
        break;
    case PN_SYS_NB_SEND_WAIT:
        send_invocation(t, t->ctx.r12, info, SEND_FIRST_PHASE);
        if (t->state == TS_RUNNING)
            receive(t, cptr, true, false);
        break;
    case PN_SYS_RECV:
        receive(t, cptr, true, true);
        break;
    case PN_SYS_NB_RECV:
        receive(t, cptr, false, true);
        break;
    case PN_SYS_WAIT:
        receive(t, cptr, true, false);
        break;
    case PN_SYS_NB_WAIT:
        receive(t, cptr, false, false);
        break;
    case PN_SYS_YIELD:
        sched_yield();
        break;
    }
}

#if PN_CONFIG_DEBUG
static void debug_name_thread(tcb_t *t, word_t cptr)
{
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(t, cptr, &lf);
    if (!slot || cap_type(slot->cap) != PN_CAP_THREAD)
        debug_halt_with("DebugNameThread: the cap is not a TCB");
    const pn_ipc_buffer_t *buf = thread_ipc_buffer(t, false);
    if (!buf)
        debug_halt_with("DebugNameThread: the caller has no IPC buffer");
    const char *name = (const char *)&buf->msg[0];
    size_t max = sizeof(buf->msg);
    size_t len = 0;
    while (len < max && name[len])
        len++;
    if (len == max)
        debug_halt_with("DebugNameThread: the name is not NUL-terminated");
    tcb_t *target = cap_object(slot->cap);
    size_t n = MIN(len, sizeof(target->name) - 1);
    memcpy(target->name, name, n);
    target->name[n] = 0;
}
#endif

/* The debug calls and the dangerous-MSR calls are serviced before the budget check
 * (syscalls.md §1). */
static bool is_debug_syscall(sword_t n)
{
    return (PN_CONFIG_DEBUG && ((n <= PN_SYS_DEBUG_PUT_CHAR && n >= PN_SYS_DEBUG_NAME_THREAD) ||
                                n == PN_SYS_DEBUG_PREEMPTIONS)) ||
           (PN_CONFIG_DANGEROUS_MSR && (n == PN_SYS_X86_DANGEROUS_WRMSR || n == PN_SYS_X86_DANGEROUS_RDMSR)) ||
           (PN_CONFIG_MEASURE && n == PN_SYS_DEBUG_COUNTERS) ||
           (PN_CONFIG_CHECK && n == PN_SYS_DEBUG_CORRUPT);
}

static void handle_unknown_syscall(tcb_t *t, sword_t n, word_t arg)
{
    switch (n) {
#if PN_CONFIG_DEBUG
    case PN_SYS_DEBUG_PUT_CHAR:
        console_putc((char)arg);
        return;
    case PN_SYS_DEBUG_DUMP_SCHEDULER:
        sched_dump();
        return;
    case PN_SYS_DEBUG_HALT:
        kprintf("pecan: halted by DebugHalt from '%s'\n", t->name);
        machine_stop(STATUS_HALT);
    case PN_SYS_DEBUG_CAP_IDENTIFY: {
        lookup_fault_t lf;
        cte_t *slot = cspace_lookup_slot(t, arg, &lf);
        t->ctx.rdi = slot ? cap_type(slot->cap) : PN_CAP_NULL;
        return;
    }
    case PN_SYS_DEBUG_SNAPSHOT:
        debug_snapshot(t);
        return;
    case PN_SYS_DEBUG_NAME_THREAD:
        debug_name_thread(t, arg);
        return;
    case PN_SYS_DEBUG_PREEMPTIONS:
        t->ctx.rdi = preemption_count;
        return;
#endif
#if PN_CONFIG_DANGEROUS_MSR
    case PN_SYS_X86_DANGEROUS_WRMSR:
        machine_write_msr((uint32_t)arg, t->ctx.r10);
        return;
    case PN_SYS_X86_DANGEROUS_RDMSR:
        t->ctx.r10 = machine_read_msr((uint32_t)arg);
        t->ctx.rsi = pn_msginfo(0, 0, 0, 1);
        return;
#endif
#if PN_CONFIG_CHECK
    case PN_SYS_DEBUG_CORRUPT:
        invariants_corrupt(arg);
        return;
#endif
#if PN_CONFIG_MEASURE
    case PN_SYS_DEBUG_COUNTERS: {
        pn_ipc_buffer_t *buf = thread_ipc_buffer(t, true);
        for (unsigned i = 0; buf && i < KC_COUNT; i++)
            buf->msg[i] = kernel_counters[i];
        t->ctx.rdi = buf ? KC_COUNT : 0;
        return;
    }
#endif
    case PN_SYS_SET_TLS_BASE:
        t->ctx.fs_base = machine_sanitise_address(arg);
        machine_thread_state_changed(t);
        return;
    default: {
        fault_t f = {.type = PN_FAULT_UNKNOWN_SYSCALL, .code = (word_t)n};
        fault_raise(t, &f);
        return;
    }
    }
}

NORETURN void c_handle_syscall(word_t cptr, word_t info, word_t number)
{
    tcb_t *t = ks_cur;
    sword_t n = (sword_t)number;
    if (!PN_CONFIG_FASTPATH || (n != PN_SYS_CALL && n != PN_SYS_REPLY_RECV))
        measure_entry(); /* (the fastpath has counted this entry already) */
    /* (syscall_entry has set FaultIP to the syscall instruction) */

    sched_update_timestamp();
    if (!is_debug_syscall(n) && !sched_check_budget_restart())
        kernel_exit(); /* out of budget: the call is made again when it next runs */
    if (n >= PN_SYS_YIELD && n <= PN_SYS_CALL)
        handle_api_syscall(t, n, cptr, info);
    else
        handle_unknown_syscall(t, n, cptr);
    kernel_exit();
}
