/* Interrupts for user-level drivers (invocations.md §3.4, semantics.md §10): IRQ
 * numbers 16..123 are CPU vectors 48..155, routed from an IOAPIC pin or an MSI.  A
 * device interrupt signals the handler's notification and stays masked until Ack. */
#include "arch/apic.h"
#include "arch/irq.h"
#include "cdt.h"
#include "console.h"
#include "invocation.h"
#include "ipc.h"

#define IRQ_FIRST_USER 16
#define IRQ_VECTOR_MAX 107 /* the user's `vector` argument: IRQ = vector + 16 */
#define NUM_IRQS (IRQ_FIRST_USER + IRQ_VECTOR_MAX + 1)
#define IRQ_TO_CPU_VECTOR 32

static struct irq_state {
    bool active;     /* a handler cap has been issued */
    bool ioapic;     /* routed through an IOAPIC pin (else an MSI) */
    uint8_t ioapic_index, pin;
} irqs[NUM_IRQS];

/* The notification cap each IRQ signals (IRQHandler_SetNotification). */
static cte_t irq_slots[NUM_IRQS];

static void mask(word_t irq, bool masked)
{
    if (irqs[irq].ioapic)
        apic_ioapic_mask(irqs[irq].ioapic_index, irqs[irq].pin, masked);
}

const cte_t *irq_notification_slots(word_t *n)
{
    *n = NUM_IRQS;
    return irq_slots;
}

bool irq_any_active(void)
{
    for (word_t i = IRQ_FIRST_USER; i < NUM_IRQS; i++)
        if (irqs[i].active)
            return true;
    return false;
}

void irq_handle(word_t vector)
{
    word_t irq = vector - IRQ_TO_CPU_VECTOR;
    if (irq < IRQ_FIRST_USER || irq >= NUM_IRQS)
        return;
    mask(irq, true);
    if (!irqs[irq].active)
        return;
    cap_t c = irq_slots[irq].cap;
    if (cap_type(c) == PN_CAP_NOTIFICATION && (cap_rights(c) & PN_RIGHT_WRITE))
        notification_signal(cap_object(c), cap_badge(c));
    else if (PN_CONFIG_DEBUG)
        kprintf("pecan: IRQ %lu has no notification to signal\n", irq);
}

void irq_handler_deleted(word_t irq)
{
    cnode_delete(&irq_slots[irq]); /* a notification cap: never preempted */
    irqs[irq].active = false;
    mask(irq, true);
}

static invocation_result_t issue_handler(const invocation_t *inv)
{
    bool msi = inv->label == PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI;
    if (inv->length < 7 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t vector = inv_arg(inv, 6);
    if (vector > IRQ_VECTOR_MAX)
        return inv_error2(PN_RANGE_ERROR, 0, IRQ_VECTOR_MAX);
    word_t irq = vector + IRQ_FIRST_USER;
    if (irqs[irq].active)
        return inv_error(PN_REVOKE_FIRST);
    slot_lookup_t dest = lookup_slot_for_cnode_op(false, inv->extra[0]->cap, inv_arg(inv, 0), inv_arg(inv, 1));
    if (!dest.slot)
        return dest.error;
    if (!cap_is_null(dest.slot->cap))
        return inv_error(PN_DELETE_FIRST);
    word_t a = inv_arg(inv, 2), b = inv_arg(inv, 3), c = inv_arg(inv, 4), d = inv_arg(inv, 5);
    if (msi) {
        if (a > 255)
            return inv_error2(PN_RANGE_ERROR, 0, 255);
        if (b > 31)
            return inv_error2(PN_RANGE_ERROR, 0, 31);
        if (c > 7)
            return inv_error2(PN_RANGE_ERROR, 0, 7);
        irqs[irq] = (struct irq_state){.active = true};
    } else {
        if (x86_num_ioapics == 0)
            return inv_error(PN_ILLEGAL_OPERATION);
        if (a >= x86_num_ioapics)
            return inv_error2(PN_RANGE_ERROR, 0, x86_num_ioapics - 1);
        unsigned lines = apic_ioapic_lines(a);
        if (b >= lines)
            return inv_error2(PN_RANGE_ERROR, 0, lines - 1);
        if (c > 1 || d > 1)
            return inv_error2(PN_RANGE_ERROR, 0, 1);
        irqs[irq] = (struct irq_state){.active = true, .ioapic = true, .ioapic_index = a, .pin = b};
        apic_ioapic_route(a, b, irq + IRQ_TO_CPU_VECTOR, c, d);
    }
    cdt_insert_derived(inv->slot, dest.slot, cap_irq_handler(irq));
    mask(irq, false);
    return inv_ok();
}

invocation_result_t irq_decode(const invocation_t *inv)
{
    if (cap_type(inv->cap) == PN_CAP_IRQ_CONTROL) {
        switch (inv->label) {
        case PN_IRQ_ISSUE_IRQ_HANDLER:
            /* The PIC form: with IOAPICs in use it is refused (after the length check). */
            if (inv->length < 3 || inv->extra_caps < 1)
                return inv_error(PN_TRUNCATED_MESSAGE);
            return inv_error(PN_ILLEGAL_OPERATION);
        case PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC:
        case PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI:
            return issue_handler(inv);
        default:
            return inv_error(PN_ILLEGAL_OPERATION);
        }
    }
    word_t irq = inv->cap.w1;
    switch (inv->label) {
    case PN_IRQ_ACK_IRQ:
        mask(irq, false);
        return inv_ok();
    case PN_IRQ_SET_IRQ_HANDLER: {
        if (inv->extra_caps < 1)
            return inv_error(PN_TRUNCATED_MESSAGE);
        cap_t n = inv->extra[0]->cap;
        if (cap_type(n) != PN_CAP_NOTIFICATION || !(cap_rights(n) & PN_RIGHT_WRITE))
            return inv_error1(PN_INVALID_CAPABILITY, 0);
        if (cnode_delete(&irq_slots[irq]) != EX_NONE)
            return inv_preempted();
        cdt_insert_derived(inv->extra[0], &irq_slots[irq], n);
        return inv_ok();
    }
    case PN_IRQ_CLEAR_IRQ_HANDLER:
        return inv_status(cnode_delete(&irq_slots[irq]));
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
