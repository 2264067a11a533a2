/* TCB invocations (invocations.md §3.3, semantics.md §7). */
#include "arch/machine.h"
#include "cdt.h"
#include "invocation.h"
#include "ipc.h"
#include "message.h"
#include "objecttype.h"
#include "schedcontext.h"
#include "thread.h"

/* ---- helpers ---- */

/* A fault or timeout handler: a null cap, or an endpoint cap with Send and Grant or
 * GrantReply (faults.md §3). */
static bool valid_handler(cap_t c)
{
    if (cap_is_null(c))
        return true;
    word_t r = cap_rights(c);
    return cap_type(c) == PN_CAP_ENDPOINT && (r & PN_RIGHT_WRITE) &&
           (r & (PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY));
}

/* Deleting this slot's cap could take unbounded time (a final TCB, CNode or zombie). */
static bool long_running_delete(const cte_t *slot)
{
    enum pn_cap_type t = cap_type(slot->cap);
    return (t == PN_CAP_THREAD || t == PN_CAP_CNODE || t == PN_CAP_ZOMBIE) && cdt_is_final(slot);
}

/* Replaces the cap in one of the TCB's slots: the old one is deleted, then new_cap is
 * inserted as a child of src — if src and the invoked TCB cap are still in place. */
static exception_t replace_slot(const invocation_t *inv, enum tcb_slot i, cap_t new_cap, cte_t *src)
{
    tcb_t *t = cap_object(inv->cap);
    exception_t e = cnode_delete(&t->slots[i]);
    if (e != EX_NONE)
        return e;
    if (!cap_is_null(new_cap) && cap_same_object(new_cap, src->cap) &&
        cap_same_object(inv->cap, inv->slot->cap))
        cdt_insert_derived(src, &t->slots[i], new_cap);
    return EX_NONE;
}

static invocation_result_t check_ipc_buffer(cte_t *slot, word_t vaddr, cap_t *out)
{
    derive_result_t d = cap_derive(slot, slot->cap);
    if (d.error != PN_NO_ERROR)
        return inv_error(d.error);
    if (cap_type(d.cap) != PN_CAP_FRAME || cap_frame_is_device(d.cap))
        return inv_error(PN_ILLEGAL_OPERATION);
    if (!IS_ALIGNED(vaddr, PN_IPC_BUFFER_BITS))
        return inv_error(PN_ALIGNMENT_ERROR);
    *out = d.cap;
    return inv_ok();
}

/* CSpace and VSpace roots for Configure and SetSpace. */
static invocation_result_t check_roots(const invocation_t *inv, word_t cdata, cte_t *cslot, cte_t *vslot,
                                       cap_t *croot, cap_t *vroot)
{
    tcb_t *t = cap_object(inv->cap);
    if (long_running_delete(&t->slots[TCB_SLOT_CTABLE]) || long_running_delete(&t->slots[TCB_SLOT_VTABLE]))
        return inv_error(PN_ILLEGAL_OPERATION);
    cap_t c = cslot->cap;
    if (cdata != 0)
        c = cap_update_data(c, false, cdata);
    derive_result_t d = cap_derive(cslot, c);
    if (d.error != PN_NO_ERROR)
        return inv_error(d.error);
    if (cap_type(d.cap) != PN_CAP_CNODE)
        return inv_error(PN_ILLEGAL_OPERATION);
    *croot = d.cap;
    d = cap_derive(vslot, vslot->cap);
    if (d.error != PN_NO_ERROR)
        return inv_error(d.error);
    if (cap_type(d.cap) != PN_CAP_PML4 || cap_mapped_asid(d.cap) == 0)
        return inv_error(PN_ILLEGAL_OPERATION);
    *vroot = d.cap;
    return inv_ok();
}

static exception_t set_buffer(const invocation_t *inv, word_t vaddr, cap_t frame, cte_t *src)
{
    tcb_t *t = cap_object(inv->cap);
    exception_t e = cnode_delete(&t->slots[TCB_SLOT_BUFFER]);
    if (e != EX_NONE)
        return e;
    t->ipc_buffer = vaddr;
    if (vaddr != 0 && cap_same_object(frame, src->cap) && cap_same_object(inv->cap, inv->slot->cap))
        cdt_insert_derived(src, &t->slots[TCB_SLOT_BUFFER], frame);
    if (t == ks_cur)
        sched_reschedule_required();
    return EX_NONE;
}

static void set_priority(tcb_t *t, word_t prio)
{
    switch (t->state) {
    case TS_RUNNING:
    case TS_RESTART:
        if (t->in_ready_queue || t == ks_cur) {
            sched_dequeue(t);
            t->priority = prio;
            if (thread_is_schedulable(t))
                sched_enqueue(t);
            sched_reschedule_required();
        } else {
            t->priority = prio;
        }
        return;
    case TS_BLOCKED_ON_SEND:
    case TS_BLOCKED_ON_RECEIVE:
        t->priority = prio;
        endpoint_requeue(t);
        return;
    case TS_BLOCKED_ON_NOTIFICATION:
        t->priority = prio;
        notification_requeue(t);
        return;
    default:
        t->priority = prio;
        return;
    }
}

static bool thread_is_blocked(const tcb_t *t)
{
    return t->state >= TS_BLOCKED_ON_RECEIVE && t->state <= TS_BLOCKED_ON_NOTIFICATION;
}

/* ---- registers (types.md §7) ---- */

static word_t *context_reg(struct user_context *c, unsigned i)
{
    word_t *regs[PN_UC_COUNT] = {&c->fault_ip, &c->rsp, &c->rflags, &c->rax, &c->rbx, &c->rcx, &c->rdx,
                                 &c->rsi, &c->rdi, &c->rbp, &c->r8, &c->r9, &c->r10, &c->r11,
                                 &c->r12, &c->r13, &c->r14, &c->r15, &c->fs_base, &c->gs_base};
    return regs[i];
}

static word_t sanitise_reg(unsigned i, word_t v)
{
    switch (i) {
    case PN_UC_RIP:
    case PN_UC_FS_BASE:
    case PN_UC_GS_BASE:
        return machine_sanitise_address(v);
    case PN_UC_RFLAGS:
        v |= 0x2;
        v &= ~(word_t)0x28;
        v |= 0x200;
        v &= ~(word_t)0x100;
        return v & 0xfff;
    default:
        return v;
    }
}

static invocation_result_t read_registers(const invocation_t *inv, tcb_t *t)
{
    if (inv->length < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t flags = inv_arg(inv, 0), count = inv_arg(inv, 1);
    if (count < 1 || count > PN_UC_COUNT)
        return inv_error2(PN_RANGE_ERROR, 1, PN_UC_COUNT);
    if (t == inv->caller)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (flags & 1)
        thread_suspend(t);
    static word_t regs[PN_UC_COUNT]; /* copied into the reply before the next invocation */
    for (unsigned i = 0; i < count; i++)
        regs[i] = *context_reg(&t->ctx, i);
    return (invocation_result_t){PN_NO_ERROR, (unsigned)count, {0}, regs};
}

static invocation_result_t write_registers(const invocation_t *inv, tcb_t *t)
{
    if (inv->length < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t flags = inv_arg(inv, 0), count = inv_arg(inv, 1);
    if (inv->length - 2 < count)
        return inv_error(PN_TRUNCATED_MESSAGE);
    if (t == inv->caller)
        return inv_error(PN_ILLEGAL_OPERATION);
    for (unsigned i = 0; i < MIN(count, PN_UC_COUNT); i++)
        *context_reg(&t->ctx, i) = sanitise_reg(i, inv_arg(inv, 2 + i));
    t->ctx.rip = t->ctx.fault_ip;
    t->ctx.error = 0; /* leave through IRETQ: every written register takes effect */
    machine_thread_state_changed(t);
    if (flags & 1)
        thread_restart(t);
    return inv_ok();
}

static invocation_result_t copy_registers(const invocation_t *inv, tcb_t *t)
{
    if (inv->length < 1 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cap_t sc = inv->extra[0]->cap;
    if (cap_type(sc) != PN_CAP_THREAD)
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    tcb_t *src = cap_object(sc);
    word_t flags = inv_arg(inv, 0);
    if (flags & 1)
        thread_suspend(src);
    if (flags & 2)
        thread_restart(t);
    if (flags & 4) {
        for (unsigned i = PN_UC_RIP; i <= PN_UC_R15; i++)
            *context_reg(&t->ctx, i) = *context_reg(&src->ctx, i);
        t->ctx.rip = t->ctx.fault_ip;
    }
    if (flags & 8) {
        t->ctx.fs_base = src->ctx.fs_base;
        t->ctx.gs_base = src->ctx.gs_base;
        machine_thread_state_changed(t);
    }
    if (t != inv->caller)
        t->ctx.error = 0;
    else
        sched_reschedule_required();
    return inv_ok();
}

/* ---- the methods ---- */

static invocation_result_t configure(const invocation_t *inv)
{
    if (inv->length < 3 || inv->extra_caps < 3)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t buffer = inv_arg(inv, 2);
    cap_t frame = cap_null();
    if (buffer != 0) {
        invocation_result_t r = check_ipc_buffer(inv->extra[2], buffer, &frame);
        if (r.error != PN_NO_ERROR)
            return r;
    }
    cap_t croot, vroot;
    invocation_result_t r = check_roots(inv, inv_arg(inv, 0), inv->extra[0], inv->extra[1], &croot, &vroot);
    if (r.error != PN_NO_ERROR)
        return r;
    exception_t e = replace_slot(inv, TCB_SLOT_CTABLE, croot, inv->extra[0]);
    if (e == EX_NONE)
        e = replace_slot(inv, TCB_SLOT_VTABLE, vroot, inv->extra[1]);
    if (e == EX_NONE)
        e = set_buffer(inv, buffer, frame, inv->extra[2]);
    return inv_status(e);
}

static invocation_result_t set_space(const invocation_t *inv)
{
    if (inv->length < 2 || inv->extra_caps < 3)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cap_t croot, vroot;
    invocation_result_t r = check_roots(inv, inv_arg(inv, 0), inv->extra[1], inv->extra[2], &croot, &vroot);
    if (r.error != PN_NO_ERROR)
        return r;
    cap_t handler = inv->extra[0]->cap;
    if (!valid_handler(handler))
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    exception_t e = replace_slot(inv, TCB_SLOT_FAULT_HANDLER, handler, inv->extra[0]);
    if (e == EX_NONE)
        e = replace_slot(inv, TCB_SLOT_CTABLE, croot, inv->extra[1]);
    if (e == EX_NONE)
        e = replace_slot(inv, TCB_SLOT_VTABLE, vroot, inv->extra[2]);
    return inv_status(e);
}

static invocation_result_t set_ipc_buffer(const invocation_t *inv)
{
    if (inv->length < 1 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t buffer = inv_arg(inv, 0);
    cap_t frame = cap_null();
    if (buffer != 0) {
        invocation_result_t r = check_ipc_buffer(inv->extra[0], buffer, &frame);
        if (r.error != PN_NO_ERROR)
            return r;
    }
    return inv_status(set_buffer(inv, buffer, frame, inv->extra[0]));
}

/* The authority TCB of SetPriority / SetMCPriority / SetSchedParams. */
static invocation_result_t check_priority(const invocation_t *inv, word_t value, const tcb_t **auth)
{
    cap_t a = inv->extra[0]->cap;
    if (cap_type(a) != PN_CAP_THREAD)
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    *auth = cap_object(a);
    if (value > (*auth)->mcp)
        return inv_error2(PN_RANGE_ERROR, 0, (*auth)->mcp);
    return inv_ok();
}

static invocation_result_t set_priority_method(const invocation_t *inv, tcb_t *t, bool mcp)
{
    if (inv->length < 1 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    const tcb_t *auth;
    word_t value = inv_arg(inv, 0);
    invocation_result_t r = check_priority(inv, value, &auth);
    if (r.error != PN_NO_ERROR)
        return r;
    if (mcp)
        t->mcp = value;
    else
        set_priority(t, value);
    return inv_ok();
}

static invocation_result_t set_sched_params(const invocation_t *inv, tcb_t *t)
{
    if (inv->length < 2 || inv->extra_caps < 3)
        return inv_error(PN_TRUNCATED_MESSAGE);
    const tcb_t *auth;
    word_t mcp = inv_arg(inv, 0), prio = inv_arg(inv, 1);
    invocation_result_t r = check_priority(inv, mcp, &auth);
    if (r.error != PN_NO_ERROR)
        return r;
    if (prio > auth->mcp)
        return inv_error2(PN_RANGE_ERROR, 0, auth->mcp);
    cap_t scc = inv->extra[1]->cap;
    sched_context_t *sc = NULL;
    if (cap_type(scc) == PN_CAP_SCHED_CONTEXT) {
        sc = cap_object(scc);
        if (sc != t->sc && (t->sc || sc->tcb))
            return inv_error(PN_ILLEGAL_OPERATION);
        if (thread_is_blocked(t) && !sc_released(sc))
            return inv_error(PN_ILLEGAL_OPERATION);
    } else if (cap_is_null(scc)) {
        if (t == inv->caller)
            return inv_error(PN_ILLEGAL_OPERATION);
    } else {
        return inv_error1(PN_INVALID_CAPABILITY, 2);
    }
    cap_t handler = inv->extra[2]->cap;
    if (!valid_handler(handler))
        return inv_error1(PN_INVALID_CAPABILITY, 3);

    exception_t e = replace_slot(inv, TCB_SLOT_FAULT_HANDLER, handler, inv->extra[2]);
    if (e != EX_NONE)
        return inv_preempted();
    t->mcp = mcp;
    set_priority(t, prio);
    if (sc && sc != t->sc)
        sc_bind_tcb(sc, t);
    else if (!sc && t->sc)
        sc_unbind_tcb(t->sc);
    return inv_ok();
}

static invocation_result_t bind_notification(const invocation_t *inv, tcb_t *t)
{
    if (inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    if (t->bound_notification)
        return inv_error(PN_ILLEGAL_OPERATION);
    cap_t c = inv->extra[0]->cap;
    if (cap_type(c) != PN_CAP_NOTIFICATION || !(cap_rights(c) & PN_RIGHT_READ))
        return inv_error(PN_ILLEGAL_OPERATION);
    notification_t *n = cap_object(c);
    if (n->head || n->bound_tcb)
        return inv_error(PN_ILLEGAL_OPERATION);
    notification_bind(n, t);
    return inv_ok();
}

static invocation_result_t set_flags(const invocation_t *inv, tcb_t *t)
{
    if (inv->length < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    t->flags = (t->flags & ~inv_arg(inv, 0)) | (inv_arg(inv, 1) & TCB_FLAGS_VALID);
    machine_fpu_flags_changed(t);
    return inv_result1(t->flags);
}

invocation_result_t tcb_decode(const invocation_t *inv)
{
    tcb_t *t = cap_object(inv->cap);
    switch (inv->label) {
    case PN_TCB_READ_REGISTERS:
        return read_registers(inv, t);
    case PN_TCB_WRITE_REGISTERS:
        return write_registers(inv, t);
    case PN_TCB_COPY_REGISTERS:
        return copy_registers(inv, t);
    case PN_TCB_CONFIGURE:
        return configure(inv);
    case PN_TCB_SET_PRIORITY:
        return set_priority_method(inv, t, false);
    case PN_TCB_SET_MC_PRIORITY:
        return set_priority_method(inv, t, true);
    case PN_TCB_SET_SCHED_PARAMS:
        return set_sched_params(inv, t);
    case PN_TCB_SET_TIMEOUT_ENDPOINT: {
        if (inv->extra_caps < 1)
            return inv_error(PN_TRUNCATED_MESSAGE);
        cap_t h = inv->extra[0]->cap;
        if (!valid_handler(h))
            return inv_error1(PN_INVALID_CAPABILITY, 1);
        return inv_status(replace_slot(inv, TCB_SLOT_TIMEOUT_HANDLER, h, inv->extra[0]));
    }
    case PN_TCB_SET_IPC_BUFFER:
        return set_ipc_buffer(inv);
    case PN_TCB_SET_SPACE:
        return set_space(inv);
    case PN_TCB_SUSPEND:
        thread_suspend(t);
        return inv_ok();
    case PN_TCB_RESUME:
        thread_restart(t);
        return inv_ok();
    case PN_TCB_BIND_NOTIFICATION:
        return bind_notification(inv, t);
    case PN_TCB_UNBIND_NOTIFICATION:
        if (!t->bound_notification)
            return inv_error(PN_ILLEGAL_OPERATION);
        notification_unbind(t->bound_notification);
        return inv_ok();
    case PN_TCB_SET_TLS_BASE:
        if (inv->length < 1)
            return inv_error(PN_TRUNCATED_MESSAGE);
        t->ctx.fs_base = machine_sanitise_address(inv_arg(inv, 0));
        machine_thread_state_changed(t);
        if (t == inv->caller)
            sched_reschedule_required();
        return inv_ok();
    case PN_TCB_SET_FLAGS:
        return set_flags(inv, t);
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
