/*
 * What `make run` boots: a root task that builds a small system out of untyped memory
 * and narrates it running.
 *
 *   - a server and two clients, each in its own address space (PML4 with its own ASID)
 *     with its own CSpace (a 16-slot CNode), all retyped from one carved-out untyped;
 *   - the server is passive: it has no scheduling context and runs on its callers';
 *   - client B stores to an unmapped page; its fault handler (the root) maps a frame
 *     there and the client carries on;
 *   - a COM1 interrupt arrives as a notification;
 *   - the root revokes the untyped, destroying the whole system, and halts.
 */
#include <pecan/com1.h>
#include <pecan/rootobj.h>
#include "demo.h"

#define SYSTEM_UNTYPED_BITS 20 /* 1 MiB for the whole system */
#define ROOT_PRIO 255          /* the root's priority (types.md §8.4) */
#define SERVER_PRIO 200
#define CLIENT_A_PRIO 110
#define CLIENT_B_PRIO 100
#define CLIENT_SC_US 5000 /* budget = period: round robin */

/* COM1 (16550 UART) and its interrupt (registers and IRQ: pecan/com1.h) */
#define COM1 PN_COM1_BASE
#define COM1_BADGE (1ul << COM1_IRQ)

/* How a failure (fail(), pecan/rootobj.h) ends the demo: a message, then an unhandled
 * fault rather than DebugHalt, so that the run does not pass. */
void fail_report(const char *fmt, va_list ap)
{
    pn_puts("demo FAILED: ");
    pn_vprintf(fmt, ap);
    pn_puts("\n");
}

/* A process of the demo: one thread, named (for the kernel's debug output and ours). */
typedef struct child {
    process_t proc;
    const char *name;
} child_t;

static void child_create(child_t *c, const char *name)
{
    c->name = name;
    process_create(&c->proc);
    pn_debug_name_thread(thread_create(&c->proc), name);
}

static const char *fault_access(pn_word_t fsr, pn_word_t prefetch)
{
    if (prefetch)
        return "instruction fetch";
    return fsr & 2 ? "store" : "load";
}

/* Receives on the supervisor endpoint until both clients are done, repairing page
 * faults on the way: a fresh frame mapped at the faulting page, then a reply that
 * restarts the faulting instruction. */
static void supervise(pn_cptr_t ep, pn_cptr_t reply, child_t *clients[], unsigned nclients)
{
    unsigned done = 0;
    pn_msg_t m = {0};
    pn_word_t badge = pn_recv(ep, &m, reply);
    for (;;) {
        pn_word_t number = badge & 0xff;
        if (number < 1 || number > nclients)
            fail("message with unknown badge 0x%lx", badge);
        child_t *c = clients[number - 1];
        pn_word_t label = pn_msginfo_label(m.info);
        if ((badge & FAULT_BADGE) && label == PN_FAULT_VM) {
            pn_word_t ip = m.mr[0], addr = m.mr[1], prefetch = m.mr[2], fsr = m.mr[3];
            /* only the scratch page is repaired; any other fault is a bug */
            if (PN_ROUND_DOWN(addr, PN_PAGE_SIZE) != CHILD_SCRATCH || (fsr & 1))
                fail("%s: VM fault at 0x%lx, ip 0x%lx, FSR 0x%lx", c->name, addr, ip, fsr);
            pn_cptr_t frame = obj_new(PN_OBJ_X86_4K, 0);
            map_frame(c->proc.pml4, frame, PN_ROUND_DOWN(addr, PN_PAGE_SIZE), PN_RIGHTS_RW);
            must(invoke(frame, PN_X86_PAGE_GET_ADDRESS, NO_WORDS, NO_CAPS),
                 "X86_Page_GetAddress");
            pn_printf("[root]     VM fault from %s: %s at 0x%lx (ip 0x%lx, page not present);\n"
                      "           the root maps a fresh frame (RAM 0x%lx) there and replies: "
                      "the %s restarts\n",
                      c->name, fault_access(fsr, prefetch), addr, ip, invoke_result[0],
                      fault_access(fsr, prefetch));
            m.info = pn_msginfo(0, 0, 0, 0); /* a VMFault reply restarts the thread */
            badge = pn_reply_recv(ep, &m, reply);
        } else if (!(badge & FAULT_BADGE) && label == MSG_DONE) {
            pn_printf("[root]     %s reports done (and suspends itself)\n", c->name);
            if (++done == nclients)
                return;
            badge = pn_recv(ep, &m, reply);
        } else {
            fail("unexpected message from %s: badge 0x%lx, label %lu", c->name, badge, label);
        }
    }
}

static pn_word_t com1_in(pn_cptr_t port, unsigned reg)
{
    must(invoke(port, PN_X86_IOPORT_IN8, W(COM1 + reg), NO_CAPS), "X86_IOPort_In8");
    return invoke_result[0];
}

static void com1_out(pn_cptr_t port, unsigned reg, pn_word_t value)
{
    must(invoke(port, PN_X86_IOPORT_OUT8, W(COM1 + reg, value), NO_CAPS), "X86_IOPort_Out8");
}

/* Lets the UART raise its "transmitter empty" interrupt once and takes it as a
 * notification signal. */
static void com1_interrupt(void)
{
    pn_cptr_t port = slot_alloc(), handler = slot_alloc();
    must(invoke(PN_CAP_SLOT_IO_PORT_CONTROL, PN_X86_IOPORT_CONTROL_ISSUE,
                W(COM1, COM1 + 7, port, 64), C(ROOT_CNODE)),
         "X86_IOPortControl_Issue");
    pn_cptr_t ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    must(invoke(PN_CAP_SLOT_IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(handler, 64, 0, COM1_IRQ, 0 /* edge */, 0 /* active high */, COM1_VECTOR),
                C(ROOT_CNODE)),
         "IRQControl_GetIOAPIC");
    must(invoke(handler, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS,
                C(cap_mint(ntfn, PN_RIGHT_WRITE, COM1_BADGE))),
         "IRQHandler_SetNotification");

    com1_out(port, UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
    com1_out(port, UART_IER, UART_IER_THRE); /* the transmitter is empty: fires at once */
    pn_msg_t m = {0};
    pn_word_t word = pn_wait(ntfn, &m);
    pn_word_t iir = com1_in(port, UART_IIR);
    com1_out(port, UART_IER, 0);
    com1_out(port, UART_MCR, UART_MCR_DTR_RTS);
    must(invoke(handler, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS), "IRQHandler_Ack");
    pn_printf("[root]     COM1 interrupt (ISA IRQ %u, IOAPIC 0 pin %u) arrives as a notification, "
              "word 0x%lx;\n           UART IIR 0x%lx (%s); the root acks the IRQ, UART "
              "interrupt off again\n",
              COM1_IRQ, COM1_IRQ, word, iir,
              (iir & 0xf) == 0x2 ? "transmitter empty" : "not the transmitter");

    must(invoke(ROOT_CNODE, PN_CNODE_DELETE, W(handler, 64), NO_CAPS), "deleting the IRQHandler");
    must(invoke(ROOT_CNODE, PN_CNODE_DELETE, W(port, 64), NO_CAPS), "deleting the IOPort cap");
}

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_printf("Pecan demo: the root task builds a small system and watches it run.\n");

    /* ---- memory: one untyped for everything ---- */
    const pn_untyped_desc_t *d = NULL;
    pn_cptr_t boot_ut = ram_untyped(SYSTEM_UNTYPED_BITS, &d);
    pn_cptr_t ut = slot_alloc();
    must(invoke(boot_ut, PN_UNTYPED_RETYPE,
                W(PN_OBJ_UNTYPED, SYSTEM_UNTYPED_BITS, 0, 0, ut, 1), C(ROOT_CNODE)),
         "carving the system's untyped");
    objects_from(ut);
    pn_cptr_t first_slot = ut + 1;

    /* ---- the system ---- */
    pn_cptr_t service = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t supervisor = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t ready = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t root_reply = obj_new(PN_OBJ_REPLY, 0);

    child_t server, client_a, client_b;
    child_t *clients[] = {&client_a, &client_b};
    child_create(&server, "server");
    child_create(&client_a, "client A");
    child_create(&client_b, "client B");

    process_give(&server.proc, CS_SERVICE, service, PN_RIGHT_READ, 0);
    process_give(&server.proc, CS_REPLY, obj_new(PN_OBJ_REPLY, 0), PN_RIGHTS_ALL, 0);
    process_give(&server.proc, CS_READY, ready, PN_RIGHT_WRITE, 0);
    for (unsigned i = 0; i < PN_ARRAY_SIZE(clients); i++) {
        process_t *c = &clients[i]->proc;
        process_give(c, CS_SERVICE, service, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, i + 1);
        process_give(c, CS_SUPERVISOR, supervisor, PN_RIGHT_WRITE, i + 1);
        process_give(c, CS_SELF, c->tcb[0], PN_RIGHTS_ALL, 0);
    }
    pn_cptr_t server_sc = sc_new(CLIENT_SC_US, CLIENT_SC_US, 0);
    pn_cptr_t sc_a = sc_new(CLIENT_SC_US, CLIENT_SC_US, 1);
    pn_cptr_t sc_b = sc_new(CLIENT_SC_US, CLIENT_SC_US, 2);

    pn_printf("[root]     carves a 1 MiB untyped out of boot untyped %lu (RAM at 0x%lx) and "
              "retypes it\n           into %u TCBs, %u CNodes, %u scheduling contexts, %u "
              "endpoints, %u notification,\n           %u replies, %u paging structures "
              "and %u frames\n",
              boot_ut, d->paddr, obj_count[PN_OBJ_TCB], obj_count[PN_OBJ_CNODE],
              obj_count[PN_OBJ_SCHED_CONTEXT], obj_count[PN_OBJ_ENDPOINT],
              obj_count[PN_OBJ_NOTIFICATION], obj_count[PN_OBJ_REPLY],
              obj_count[PN_OBJ_X64_PML4] + obj_count[PN_OBJ_X86_PDPT] +
                  obj_count[PN_OBJ_X86_PAGE_DIRECTORY] + obj_count[PN_OBJ_X86_PAGE_TABLE],
              obj_count[PN_OBJ_X86_4K]);
    pn_printf("[root]     3 processes (server, client A, client B), each with its own CNode, "
              "PML4 (own ASID),\n           stack and IPC buffer; the root's code is mapped "
              "read-only into each\n");

    /* ---- the server: started on an SC of its own, made passive once it waits ---- */
    thread_sched(&server.proc, 0, SERVER_PRIO, server_sc, 0);
    thread_start(&server.proc, 0, server_main, 0, 0, 0);
    pn_msg_t m = {0};
    pn_wait(ready, &m);
    must(invoke(server_sc, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS), "SchedContext_Unbind");
    must(invoke(server_sc, PN_SCHED_CONTEXT_CONSUMED, NO_WORDS, NO_CAPS),
         "SchedContext_Consumed"); /* restarts its count of consumed time */
    pn_printf("[root]     the server started on its own scheduling context and now waits for "
              "calls;\n           the root unbinds that SC: the server is passive\n");

    /* ---- the clients: own SCs; the root is their fault handler ---- */
    thread_sched(&client_a.proc, 0, CLIENT_A_PRIO, sc_a,
                 cap_mint(supervisor, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, FAULT_BADGE | 1));
    thread_sched(&client_b.proc, 0, CLIENT_B_PRIO, sc_b,
                 cap_mint(supervisor, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, FAULT_BADGE | 2));
    thread_start(&client_a.proc, 0, client_main, 1, 5, 0);
    thread_start(&client_b.proc, 0, client_main, 2, 10, CHILD_SCRATCH);
    pn_printf("[root]     clients A (priority %u) and B (priority %u) start on their own "
              "%u ms SCs;\n           the root is their fault handler\n",
              CLIENT_A_PRIO, CLIENT_B_PRIO, CLIENT_SC_US / 1000);
    supervise(supervisor, root_reply, clients, PN_ARRAY_SIZE(clients));
    must(invoke(server_sc, PN_SCHED_CONTEXT_CONSUMED, NO_WORDS, NO_CAPS),
         "SchedContext_Consumed");
    pn_printf("[root]     meanwhile the server's own SC was charged %lu us: it ran on its "
              "callers' SCs\n",
              invoke_result[0]);

    /* ---- a device interrupt ---- */
    com1_interrupt();

    /* ---- tear the system down ---- */
    pn_cptr_t last_slot = slot_alloc();
    unsigned caps = 0;
    for (pn_cptr_t s = first_slot; s < last_slot; s++)
        caps += pn_debug_cap_identify(s) != PN_CAP_NULL;
    /* first the copies of the root's own frames (mapped in the processes), then all the
     * objects, with every cap to them */
    for (pn_cptr_t f = bi->user_image_frames.start; f < bi->user_image_frames.end; f++)
        must(invoke(ROOT_CNODE, PN_CNODE_REVOKE, W(f, 64), NO_CAPS), "revoking the copies of a code frame");
    must(invoke(ROOT_CNODE, PN_CNODE_REVOKE, W(ut, 64), NO_CAPS), "revoking the system's untyped");
    unsigned left = 0, objects = 0;
    for (pn_cptr_t s = first_slot; s < last_slot; s++)
        left += pn_debug_cap_identify(s) != PN_CAP_NULL;
    for (unsigned t = 0; t < PN_OBJ_TYPE_COUNT; t++)
        objects += obj_count[t];
    must(invoke(ROOT_CNODE, PN_CNODE_DELETE, W(ut, 64), NO_CAPS), "deleting the system's untyped");
    pn_printf("[root]     revokes the untyped: its %u objects are destroyed, %u of the root's "
              "%u caps\n           to them are gone, and the system with them\n",
              objects, caps - left, caps);
    if (left)
        fail("%u caps survived the revoke", left);
    pn_printf("Demo done.\n");
    return 0;
}
