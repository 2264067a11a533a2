/* Faults as IPC (faults.md): the message a fault handler receives, and what its reply
 * does to the faulted thread. */
#include "fault.h"
#include "arch/machine.h"
#include "console.h"
#include "ipc.h"
#include "message.h"
#include "schedcontext.h"
#include "thread.h"

static void describe(const tcb_t *t, const fault_t *f)
{
    kprintf("pecan: thread '%s' ", t->name);
    switch (f->type) {
    case PN_FAULT_CAP:
        kprintf("cap fault on cptr %lx (%s phase, lookup failure %lu) at ip %lx", f->addr,
                f->code ? "receive" : "send", f->lookup[0], t->ctx.fault_ip);
        break;
    case PN_FAULT_UNKNOWN_SYSCALL:
        kprintf("made unknown syscall %ld at ip %lx", (sword_t)f->code, t->ctx.fault_ip);
        break;
    case PN_FAULT_USER_EXCEPTION:
        kprintf("raised exception %lu (error code %lx) at ip %lx", f->code, f->extra, t->ctx.fault_ip);
        break;
    case PN_FAULT_VM:
        kprintf("page fault at address %lx (error code %lx) at ip %lx", f->addr, f->code, t->ctx.fault_ip);
        break;
    default:
        kprintf("fault %lu", f->type);
        break;
    }
    kprintf(" and has no fault handler: suspended\n");
}

void fault_raise(tcb_t *t, const fault_t *f)
{
    cap_t handler = t->slots[TCB_SLOT_FAULT_HANDLER].cap;
    if (cap_type(handler) != PN_CAP_ENDPOINT) {
        if (PN_CONFIG_DEBUG)
            describe(t, f);
        thread_set_state(t, TS_INACTIVE);
        return;
    }
    t->fault = *f;
    send_params_t p = {
        .badge = cap_badge(handler),
        .can_grant = cap_rights(handler) & PN_RIGHT_GRANT,
        .can_grant_reply = cap_rights(handler) & PN_RIGHT_GRANT_REPLY,
        .blocking = true,
        .is_call = false,
        .can_donate = t->sc != NULL,
    };
    endpoint_send(cap_object(handler), t, &p);
}

void fault_raise_timeout(tcb_t *t)
{
    cap_t handler = t->slots[TCB_SLOT_TIMEOUT_HANDLER].cap;
    t->fault = (fault_t){.type = PN_FAULT_TIMEOUT, .code = t->sc->badge};
    send_params_t p = {
        .badge = cap_badge(handler),
        .can_grant = cap_rights(handler) & PN_RIGHT_GRANT,
        .can_grant_reply = cap_rights(handler) & PN_RIGHT_GRANT_REPLY,
        .blocking = true,
    };
    endpoint_send(cap_object(handler), t, &p);
}

unsigned fault_message(tcb_t *t, word_t w[PN_UNKNOWN_SYSCALL_LENGTH])
{
    const fault_t *f = &t->fault;
    const struct user_context *c = &t->ctx;
    switch (f->type) {
    case PN_FAULT_CAP:
        w[0] = c->fault_ip;
        w[1] = f->addr;
        w[2] = f->code;
        for (unsigned i = 0; i < f->lookup_length; i++)
            w[3 + i] = f->lookup[i];
        return 3 + f->lookup_length;
    case PN_FAULT_UNKNOWN_SYSCALL: {
        const word_t regs[] = {c->rax, c->rbx, c->rcx, c->rdx, c->rsi, c->rdi, c->rbp,
                               c->r8,  c->r9,  c->r10, c->r11, c->r12, c->r13, c->r14,
                               c->r15, c->fault_ip, c->rsp, c->rflags, f->code};
        for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
            w[i] = regs[i];
        return ARRAY_SIZE(regs);
    }
    case PN_FAULT_USER_EXCEPTION:
        w[0] = c->fault_ip;
        w[1] = c->rsp;
        w[2] = c->rflags;
        w[3] = f->code;
        w[4] = f->extra;
        return PN_USER_EXCEPTION_LENGTH;
    case PN_FAULT_TIMEOUT:
        w[0] = f->code;
        if (!t->sc)
            return 1;
        w[1] = sc_take_consumed_us(t->sc);
        return 2;
    default: /* VMFault */
        w[0] = c->fault_ip;
        w[1] = f->addr;
        w[2] = f->extra;
        w[3] = f->code;
        return PN_VM_FAULT_LENGTH;
    }
}

/* RFLAGS a user may set (syscalls.md §2). */
static word_t sanitise_flags(word_t v)
{
    v |= 0x2;
    v &= ~(word_t)0x28;
    v |= 0x200;
    v &= ~(word_t)0x100;
    return v & 0xfff;
}

bool fault_handle_reply(tcb_t *t, tcb_t *replier, word_t label, unsigned length)
{
    const pn_ipc_buffer_t *buf = thread_ipc_buffer(replier, false);
    if (!buf)
        length = MIN(length, PN_FAST_MESSAGE_REGISTERS);
    struct user_context *c = &t->ctx;
    switch (t->fault.type) {
    case PN_FAULT_UNKNOWN_SYSCALL: {
        word_t *regs[] = {&c->rax, &c->rbx, &c->rcx, &c->rdx, &c->rsi, &c->rdi, &c->rbp,
                          &c->r8,  &c->r9,  &c->r10, &c->r11, &c->r12, &c->r13, &c->r14,
                          &c->r15, &c->fault_ip, &c->rsp, &c->rflags};
        for (unsigned i = 0; i < MIN(length, ARRAY_SIZE(regs)); i++)
            *regs[i] = msg_get(replier, buf, i);
        break;
    }
    case PN_FAULT_USER_EXCEPTION: {
        word_t *regs[] = {&c->fault_ip, &c->rsp, &c->rflags};
        for (unsigned i = 0; i < MIN(length, ARRAY_SIZE(regs)); i++)
            *regs[i] = msg_get(replier, buf, i);
        break;
    }
    case PN_FAULT_TIMEOUT: {
        word_t *regs[] = {&c->fault_ip, &c->rsp, &c->rflags, &c->rax, &c->rbx, &c->rcx, &c->rdx,
                          &c->rsi, &c->rdi, &c->rbp, &c->r8, &c->r9, &c->r10, &c->r11,
                          &c->r12, &c->r13, &c->r14, &c->r15, &c->fs_base};
        for (unsigned i = 0; i < MIN(length, ARRAY_SIZE(regs)); i++)
            *regs[i] = msg_get(replier, buf, i);
        c->fs_base = machine_sanitise_address(c->fs_base);
        machine_thread_state_changed(t);
        break;
    }
    default: /* CapFault, VMFault: restart whatever the reply says */
        return true;
    }
    c->rflags = sanitise_flags(c->rflags);
    c->fault_ip = machine_sanitise_address(c->fault_ip);
    return label == 0;
}
