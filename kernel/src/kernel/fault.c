/* Fault delivery (faults.md §3).  A thread whose fault-handler slot is empty stops: the
 * debug build says why, and the thread becomes Inactive. */
#include "fault.h"
#include "console.h"
#include "thread.h"

static void describe(const tcb_t *t, const fault_t *f)
{
    kprintf("pecan: thread '%s' ", t->name);
    switch (f->type) {
    case PN_FAULT_CAP:
        kprintf("cap fault on cptr %lx (%s phase, lookup failure %lu) at ip %lx", f->addr,
                f->code ? "receive" : "send", f->lookup.type, t->ctx.fault_ip);
        break;
    case PN_FAULT_UNKNOWN_SYSCALL:
        kprintf("made unknown syscall %ld at ip %lx", (sword_t)f->code, t->ctx.fault_ip);
        break;
    case PN_FAULT_USER_EXCEPTION:
        kprintf("raised exception %lu (error code %lx) at ip %lx", f->code, f->extra,
                t->ctx.fault_ip);
        break;
    case PN_FAULT_VM:
        kprintf("page fault at address %lx (error code %lx) at ip %lx", f->addr, f->code,
                t->ctx.fault_ip);
        break;
    default:
        kprintf("fault %u", f->type);
        break;
    }
    kprintf(" and has no fault handler: suspended\n");
}

void fault_raise(tcb_t *t, const fault_t *f)
{
    if (PN_CONFIG_DEBUG)
        describe(t, f);
    thread_set_state(t, TS_INACTIVE);
}
