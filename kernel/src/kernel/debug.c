/* Debug-build services: the snapshot dump and debug-call misuse. */
#include "debug.h"
#include "console.h"

static const char *const cap_names[32] = {
    [PN_CAP_NULL] = "null", [PN_CAP_FRAME] = "frame", [PN_CAP_UNTYPED] = "untyped",
    [PN_CAP_PAGE_TABLE] = "page_table", [PN_CAP_ENDPOINT] = "endpoint",
    [PN_CAP_PAGE_DIRECTORY] = "page_directory", [PN_CAP_NOTIFICATION] = "notification",
    [PN_CAP_PDPT] = "pdpt", [PN_CAP_REPLY] = "reply", [PN_CAP_PML4] = "pml4",
    [PN_CAP_CNODE] = "cnode", [PN_CAP_ASID_CONTROL] = "asid_control",
    [PN_CAP_THREAD] = "tcb", [PN_CAP_ASID_POOL] = "asid_pool",
    [PN_CAP_IRQ_CONTROL] = "irq_control", [PN_CAP_IO_SPACE] = "io_space",
    [PN_CAP_IRQ_HANDLER] = "irq_handler", [PN_CAP_IO_PAGE_TABLE] = "io_page_table",
    [PN_CAP_ZOMBIE] = "zombie", [PN_CAP_IO_PORT] = "io_port", [PN_CAP_DOMAIN] = "domain",
    [PN_CAP_SCHED_CONTEXT] = "sched_context", [PN_CAP_SCHED_CONTROL] = "sched_control",
    [PN_CAP_IO_PORT_CONTROL] = "io_port_control",
};

NORETURN void debug_halt_with(const char *why)
{
    kpanic("%s", why);
}

void debug_snapshot(const tcb_t *t)
{
    cap_t root = t->slots[TCB_SLOT_CTABLE].cap;
    kprintf("pecan: snapshot of '%s': CSpace root", t->name);
    if (cap_type(root) != PN_CAP_CNODE) {
        kprintf(" is not a CNode\n");
        return;
    }
    const cte_t *slots = cap_object(root);
    kprintf(" (%lu slots)\n", BIT(cap_cnode_radix(root)));
    for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++) {
        cap_t c = slots[i].cap;
        if (cap_is_null(c))
            continue;
        const char *name = cap_names[cap_type(c)];
        kprintf("  %lu: %s @%lx\n", i, name ? name : "?", cap_addr(c));
    }
}
