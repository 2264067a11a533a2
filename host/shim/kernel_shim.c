/*
 * The host shim for the arch-independent object code (cdt.c, objecttype.c, cspace.c,
 * invocation.c, preemption.c, cnode.c, untyped.c, arch/x86_64/objects.c): console and
 * panics end the current test case, the machine and thread hooks are recorded, and the
 * paging operations that need a real address space stop the test if ever reached.
 *
 * No thread ever runs or blocks in the host tests, so the IPC and scheduling hooks the
 * finalisation code calls must find their objects idle and unbound (they check it), and
 * the invocations of other objects (IPC, TCB, SchedContext) are never reached.
 */
#include <stdarg.h>
#include <stdio.h>

#include "host_shim.h"
#include "arch/vspace.h"
#include "console.h"
#include "invocation.h"
#include "ipc.h"
#include "schedcontext.h"
#include "test.h"
#include "thread.h"

uint8_t *host_phys_mem;
paddr_t host_phys_base;
word_t host_phys_size;
bool (*host_interrupt_pending)(void);
uint32_t (*host_port_io)(uint16_t port, unsigned width, bool out, uint32_t value);
tcb_t *host_threads[HOST_MAX_THREADS];
unsigned host_num_threads;

void host_shim_fail(const char *what, word_t value)
{
    test_fail(__FILE__, __LINE__, "%s (0x%lx)", what, (unsigned long)value);
}

/* ---- console ---- */

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void kpanic(const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    test_fail(__FILE__, __LINE__, "kernel panic: %s", buf);
}

void machine_stop(enum machine_status status)
{
    test_fail(__FILE__, __LINE__, "machine_stop(%d)", (int)status);
}

/* ---- machine ---- */

bool machine_interrupt_pending(void)
{
    return host_interrupt_pending && host_interrupt_pending();
}

/* ---- threads: the object code only creates and destroys them ---- */

static int thread_index(const tcb_t *t)
{
    for (unsigned i = 0; i < host_num_threads; i++)
        if (host_threads[i] == t)
            return (int)i;
    return -1;
}

void thread_init(tcb_t *t, const char *name)
{
    (void)name;
    if (thread_index(t) >= 0)
        host_shim_fail("thread_init of a live thread", (word_t)t);
    if (host_num_threads == HOST_MAX_THREADS)
        host_shim_fail("too many threads", host_num_threads);
    host_threads[host_num_threads++] = t;
    /* What the real one leaves in the object: user context and FPU defaults. */
    t->ctx.rflags = 0x202;
    t->fpu.bytes[24] = 0x80;
    t->fpu.bytes[25] = 0x1f;
}

void thread_set_state(tcb_t *t, enum thread_state s)
{
    t->state = s;
}

void thread_suspend(tcb_t *t)
{
    if (t->state != TS_INACTIVE || t->blocked_on || t->in_ready_queue)
        host_shim_fail("thread_suspend: a thread that is doing something", (word_t)t);
}

void thread_forget(tcb_t *t)
{
    int i = thread_index(t);
    if (i < 0)
        host_shim_fail("thread_forget of an unknown thread", (word_t)t);
    host_threads[i] = host_threads[--host_num_threads];
}

/* Preemption points: the current thread always has budget; interrupts are the test's. */
void sched_update_timestamp(void)
{
}

bool sched_budget_left(void)
{
    return true;
}

void sched_enqueue(tcb_t *t)
{
    host_shim_fail("sched_enqueue: no thread runs in the host tests", (word_t)t);
}

void sched_dequeue(tcb_t *t)
{
    if (t->in_ready_queue)
        host_shim_fail("sched_dequeue: no thread runs in the host tests", (word_t)t);
}

/* ---- x86 address spaces (objects.c): nothing is ever mapped in the host tests ---- */

void vspace_init_root(uint64_t *pml4)
{
    for (int i = 256; i < 512; i++)
        pml4[i] = HOST_KERNEL_PML4E;
}

void vspace_unmap_frame(word_t asid, word_t vaddr, paddr_t frame, unsigned size_bits)
{
    (void)vaddr, (void)frame, (void)size_bits;
    host_shim_fail("vspace_unmap_frame", asid);
}

void vspace_unmap_table(int table_type, word_t asid, word_t vaddr, void *table)
{
    (void)table_type, (void)vaddr, (void)table;
    host_shim_fail("vspace_unmap_table", asid);
}

void vspace_release_asid(word_t asid, uint64_t *pml4)
{
    (void)pml4;
    host_shim_fail("vspace_release_asid", asid);
}

void vspace_delete_asid_pool(unsigned index, asid_pool_t *pool)
{
    (void)pool;
    host_shim_fail("vspace_delete_asid_pool", index);
}

/* ---- IPC and scheduling contexts: every object is idle ---- */

void endpoint_cancel_all(endpoint_t *ep)
{
    if (ep->head_state || ep->tail)
        host_shim_fail("endpoint_cancel_all: endpoint not idle", (word_t)ep);
}

void endpoint_cancel_badged_sends(endpoint_t *ep, word_t badge)
{
    (void)badge;
    if (ep->head_state || ep->tail)
        host_shim_fail("endpoint_cancel_badged_sends: endpoint not idle", (word_t)ep);
}

void notification_cancel_all(notification_t *n)
{
    if (n->head || n->tail || n->state == NTFN_WAITING)
        host_shim_fail("notification_cancel_all: threads wait", (word_t)n);
}

void notification_unbind(notification_t *n)
{
    if (n->bound_tcb)
        host_shim_fail("notification_unbind: bound", (word_t)n);
}

void reply_finalise(reply_t *r)
{
    if (r->tcb || r->prev || r->next)
        host_shim_fail("reply_finalise: reply in use", (word_t)r);
}

void sc_unbind_tcb(sched_context_t *sc)
{
    host_shim_fail("sc_unbind_tcb: no SC is ever bound", (word_t)sc);
}

void sc_unbind_notification(sched_context_t *sc)
{
    host_shim_fail("sc_unbind_notification: no SC is ever bound", (word_t)sc);
}

void sc_finalise(sched_context_t *sc)
{
    if (sc->tcb || sc->notification || sc->reply || sc->yield_from)
        host_shim_fail("sc_finalise: SC in use", (word_t)sc);
}

/* Invocations the host tests never make (they invoke CNode, Untyped, null and zombie caps). */
void endpoint_send(endpoint_t *ep, tcb_t *sender, const send_params_t *p)
{
    (void)sender, (void)p;
    host_shim_fail("endpoint_send", (word_t)ep);
}

void notification_signal(notification_t *n, word_t badge)
{
    (void)badge;
    host_shim_fail("notification_signal", (word_t)n);
}

void reply_deliver(reply_t *reply, tcb_t *replier, bool can_grant)
{
    (void)replier, (void)can_grant;
    host_shim_fail("reply_deliver", (word_t)reply);
}

invocation_result_t tcb_decode(const invocation_t *inv)
{
    host_shim_fail("tcb_decode", inv->label);
}

invocation_result_t sched_control_decode(const invocation_t *inv)
{
    host_shim_fail("sched_control_decode", inv->label);
}

invocation_result_t sched_context_decode(const invocation_t *inv)
{
    host_shim_fail("sched_context_decode", inv->label);
}

invocation_result_t irq_decode(const invocation_t *inv)
{
    host_shim_fail("irq_decode", inv->label);
}

invocation_result_t x86_paging_decode(const invocation_t *inv)
{
    host_shim_fail("x86_paging_decode", inv->label);
}

void irq_handler_deleted(word_t irq)
{
    host_shim_fail("irq_handler_deleted: no IRQ handler caps in the host tests", irq);
}

void sc_complete_yield_to(tcb_t *t)
{
    host_shim_fail("sc_complete_yield_to: no SC is ever bound", (word_t)t);
}

invocation_result_t domain_decode(const invocation_t *inv)
{
    host_shim_fail("domain_decode", inv->label);
}
