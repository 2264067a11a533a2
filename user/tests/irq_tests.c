/* Issue 5: IRQControl_Get/GetIOAPIC/GetMSI and IRQHandler Ack/SetNotification/Clear
 * (invocations.md §3.4; semantics.md §4, §10), and a real device interrupt: COM1's
 * transmitter-holding-register-empty interrupt, routed through the IOAPIC (ISA IRQ 4 =
 * IOAPIC 0 pin 4, edge, active high) into a notification.
 *
 * QEMU's pc machine has one IOAPIC with 24 lines (the boot message says "1 IOAPIC(s)").
 * Handlers made only for their caps use pins no QEMU device drives (10, 11, 13) or MSI. */
#include "vmtest.h"

#define IRQ_CONTROL ((pn_cptr_t)PN_CAP_SLOT_IRQ_CONTROL)
#define IOAPIC_LINES 24
#define MAX_VECTOR 107

static reply_t get_ioapic(pn_word_t dest, pn_word_t depth, pn_word_t ioapic, pn_word_t pin,
                          pn_word_t level, pn_word_t polarity, pn_word_t vector)
{
    return call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(dest, depth, ioapic, pin, level, polarity, vector), C(ROOT));
}

static reply_t get_msi(pn_word_t dest, pn_word_t depth, pn_word_t bus, pn_word_t dev,
                       pn_word_t func, pn_word_t handle, pn_word_t vector)
{
    return call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI,
                W(dest, depth, bus, dev, func, handle, vector), C(ROOT));
}

TEST(irq_control_get_and_other_labels)
{
    pn_word_t dest = slot_alloc();
    /* the generic Get: length < 3 or no C[0] => Truncated, else IllegalOperation (IOAPIC
     * configured) */
    EXPECT(call(IRQ_CONTROL, PN_IRQ_ISSUE_IRQ_HANDLER, W(4, dest), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IRQ_CONTROL, PN_IRQ_ISSUE_IRQ_HANDLER, W(4, dest, ROOT_DEPTH), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IRQ_CONTROL, PN_IRQ_ISSUE_IRQ_HANDLER, NO_WORDS, NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    static const pn_word_t irqs[] = {0, 4, 15, 16, 200};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(irqs); i++)
        EXPECT(call(IRQ_CONTROL, PN_IRQ_ISSUE_IRQ_HANDLER, W(irqs[i], dest, ROOT_DEPTH),
                    C(ROOT)),
               PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* other labels on IRQControl, before any length check */
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_UNTYPED_RETYPE,
                                       PN_IRQ_ACK_IRQ,        PN_IRQ_SET_IRQ_HANDLER,
                                       PN_IRQ_CLEAR_IRQ_HANDLER, PN_X86_PAGE_MAP,
                                       PN_X86_IOPORT_CONTROL_ISSUE,
                                       PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI + 1};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++) {
        EXPECT(call(IRQ_CONTROL, others[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        EXPECT(call(IRQ_CONTROL, others[i], W(dest, ROOT_DEPTH, 0, 11, 0, 0, 30), C(ROOT)),
               PN_ILLEGAL_OPERATION);
    }
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
}

TEST(irq_get_ioapic_check_order)
{
    pn_word_t dest = slot_alloc();
    const pn_word_t v = 31; /* IRQ 47 */
    /* length < 7 or no C[0] */
    EXPECT(call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(dest, ROOT_DEPTH, 0, 11, 0, 0), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(dest, ROOT_DEPTH, 0, 11, 0, 0, v), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    /* vector > 107 => RangeError(0, 107), before the destination and the IOAPIC checks */
    static const pn_word_t bad_vectors[] = {MAX_VECTOR + 1, MAX_VECTOR + 2, 140, 1ul << 32,
                                            ~0ul};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(bad_vectors); i++) {
        EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 11, 0, 0, bad_vectors[i]), PN_RANGE_ERROR, 0,
               MAX_VECTOR);
        EXPECT(get_ioapic(PN_CAP_SLOT_INIT_TCB, 0, 5, 99, 7, 7, bad_vectors[i]),
               PN_RANGE_ERROR, 0, MAX_VECTOR);
    }
    /* then the destination slot: depth, root, guard, occupied */
    EXPECT(get_ioapic(dest, 0, 5, 99, 7, 7, v), PN_RANGE_ERROR, 1, 64);
    EXPECT(get_ioapic(dest, 65, 5, 99, 7, 7, v), PN_RANGE_ERROR, 1, 64);
    EXPECT(call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(dest, ROOT_DEPTH, 0, 11, 0, 0, v), C(PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(get_ioapic(dest, 20, 5, 99, 7, 7, v), PN_FAILED_LOOKUP,
           LF_GUARD(0, 20, 0, ROOT_GUARD_BITS));
    EXPECT(get_ioapic(PN_CAP_SLOT_INIT_TCB, ROOT_DEPTH, 5, 99, 7, 7, v), PN_DELETE_FIRST);
    /* then the IOAPIC arguments, in order: ioapic, pin, level, polarity */
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 1, 99, 7, 7, v), PN_RANGE_ERROR, 0, 0);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, ~0ul, 0, 0, 0, v), PN_RANGE_ERROR, 0, 0);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, IOAPIC_LINES, 7, 7, v), PN_RANGE_ERROR, 0,
           IOAPIC_LINES - 1);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 1000, 0, 0, v), PN_RANGE_ERROR, 0,
           IOAPIC_LINES - 1);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 11, 2, 7, v), PN_RANGE_ERROR, 0, 1);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 11, 1, 2, v), PN_RANGE_ERROR, 0, 1);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 11, 0, ~0ul, v), PN_RANGE_ERROR, 0, 1);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* success: an IRQHandler cap */
    EXPECT_OK(get_ioapic(dest, ROOT_DEPTH, 0, 11, 1, 1, v));
    CHECK_CAP_TYPE(dest, PN_CAP_IRQ_HANDLER);
    /* the IRQ has a handler now: RevokeFirst, checked after the vector and before the
     * destination and the IOAPIC arguments, for GetMSI too */
    pn_word_t d2 = slot_alloc();
    EXPECT(get_ioapic(d2, ROOT_DEPTH, 0, 13, 0, 0, v), PN_REVOKE_FIRST);
    EXPECT(get_ioapic(PN_CAP_SLOT_INIT_TCB, 0, 9, 99, 9, 9, v), PN_REVOKE_FIRST);
    EXPECT(get_msi(d2, ROOT_DEPTH, 0, 0, 0, 0, v), PN_REVOKE_FIRST);
    EXPECT(get_ioapic(d2, ROOT_DEPTH, 0, 11, 0, 0, MAX_VECTOR + 1), PN_RANGE_ERROR, 0,
           MAX_VECTOR);
    /* other vectors are independent (the lowest and the highest) */
    EXPECT_OK(get_ioapic(d2, ROOT_DEPTH, 0, 13, 0, 0, 0));
    pn_word_t d3 = slot_alloc();
    EXPECT_OK(get_ioapic(d3, ROOT_DEPTH, 0, 10, 0, 1, MAX_VECTOR));
    /* a copy of a handler cap: the IRQ stays in use until the last cap is gone */
    pn_cptr_t c = copy_new(dest, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(c, PN_CAP_IRQ_HANDLER);
    delete_ok(dest);
    EXPECT(get_ioapic(dest, ROOT_DEPTH, 0, 11, 0, 0, v), PN_REVOKE_FIRST);
    delete_ok(c);
    EXPECT_OK(get_ioapic(dest, ROOT_DEPTH, 0, 11, 0, 0, v));
    delete_ok(dest);
    delete_ok(d2);
    delete_ok(d3);
}

TEST(irq_get_msi_check_order)
{
    pn_word_t dest = slot_alloc();
    const pn_word_t v = 33;
    EXPECT(call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI, W(dest, ROOT_DEPTH, 0, 0, 0, 0),
                C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI,
                W(dest, ROOT_DEPTH, 0, 0, 0, 0, v), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(get_msi(dest, ROOT_DEPTH, 999, 99, 99, 0, MAX_VECTOR + 1), PN_RANGE_ERROR, 0,
           MAX_VECTOR);
    EXPECT(get_msi(dest, 0, 999, 99, 99, 0, v), PN_RANGE_ERROR, 1, 64);
    EXPECT(get_msi(PN_CAP_SLOT_INIT_TCB, ROOT_DEPTH, 999, 99, 99, 0, v), PN_DELETE_FIRST);
    /* bus, device, function, in that order */
    EXPECT(get_msi(dest, ROOT_DEPTH, 256, 32, 8, 0, v), PN_RANGE_ERROR, 0, 255);
    EXPECT(get_msi(dest, ROOT_DEPTH, 255, 32, 8, 0, v), PN_RANGE_ERROR, 0, 31);
    EXPECT(get_msi(dest, ROOT_DEPTH, 255, 31, 8, 0, v), PN_RANGE_ERROR, 0, 7);
    EXPECT(get_msi(dest, ROOT_DEPTH, 0, 0, ~0ul, 0, v), PN_RANGE_ERROR, 0, 7);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* any handle works */
    EXPECT_OK(get_msi(dest, ROOT_DEPTH, 255, 31, 7, ~0ul, v));
    CHECK_CAP_TYPE(dest, PN_CAP_IRQ_HANDLER);
    EXPECT(get_msi(slot_alloc(), ROOT_DEPTH, 0, 0, 0, 0, v), PN_REVOKE_FIRST);
    EXPECT(get_ioapic(slot_alloc(), ROOT_DEPTH, 0, 11, 0, 0, v), PN_REVOKE_FIRST);
    delete_ok(dest);
    EXPECT_OK(get_msi(dest, ROOT_DEPTH, 0, 0, 0, 0, v));
    delete_ok(dest);
}

TEST(irq_handler_methods)
{
    pn_word_t h = slot_alloc();
    EXPECT_OK(get_ioapic(h, ROOT_DEPTH, 0, 13, 1, 1, 35));
    /* Ack and Clear: no checks */
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS));
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, W(1, 2, 3, 4, 5), C(ROOT)));
    EXPECT_OK(call(h, PN_IRQ_CLEAR_IRQ_HANDLER, NO_WORDS, NO_CAPS));
    EXPECT_OK(call(h, PN_IRQ_CLEAR_IRQ_HANDLER, W(9), C(ROOT)));
    /* SetNotification: no C[0] => Truncated; not a notification with Send =>
     * InvalidCapability(0) (sic: index 0) */
    EXPECT(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(h, PN_IRQ_SET_IRQ_HANDLER, W(1, 2), NO_CAPS), PN_TRUNCATED_MESSAGE);
    pn_cptr_t n = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t not_ok[] = {
        PN_CAP_SLOT_NULL,
        obj_new(PN_OBJ_ENDPOINT, 0),
        copy_new(n, PN_RIGHT_READ),
        copy_new(n, PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY),
        h,
        ROOT,
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(not_ok); i++)
        EXPECT(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(not_ok[i])), PN_INVALID_CAPABILITY,
               0);
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(n)));
    /* a Send-only badged copy; replacing the previous one */
    pn_cptr_t b = slot_alloc();
    mint_ok(b, n, PN_RIGHT_WRITE, 0x99);
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(b)));
    EXPECT_OK(call(h, PN_IRQ_CLEAR_IRQ_HANDLER, NO_WORDS, NO_CAPS));
    /* the cap in the IRQ's slot was a copy: the notification's caps are unaffected, and
     * deleting the notification while it is set is fine */
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(b)));
    delete_ok(b);
    delete_ok(n);
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS));
    /* other labels */
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_IRQ_ISSUE_IRQ_HANDLER,
                                       PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                                       PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI, PN_CNODE_COPY,
                                       PN_X86_IOPORT_IN8, PN_INVOCATION_LABEL_COUNT};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++)
        EXPECT(call(h, others[i], W(0, 0, 0, 0, 0, 0, 0), C(ROOT)), PN_ILLEGAL_OPERATION);
    delete_ok(h);
}

/* ---- COM1's THRE interrupt ---- */

#define COM1 0x3f8
#define COM1_IER (COM1 + 1)
#define COM1_IIR (COM1 + 2)
#define COM1_MCR (COM1 + 4)
#define IER_THRE 0x02
#define MCR_OUT2 0x08
#define COM1_PIN 4
#define COM1_VECTOR 20
#define IRQ_BADGE 0x10
#define SEND_BADGE 0x100

static pn_cptr_t com1_port;

static void out8(pn_word_t port, pn_word_t v)
{
    EXPECT_OK(call(com1_port, PN_X86_IOPORT_OUT8, W(port, v), NO_CAPS));
}

static pn_word_t in8(pn_word_t port)
{
    reply_t r = call(com1_port, PN_X86_IOPORT_IN8, W(port), NO_CAPS);
    CHECK_EQ(r.info, pn_msginfo(PN_NO_ERROR, 0, 0, 1));
    return r.mr[0];
}

/* An edge on the UART's interrupt line without printing anything: THRE interrupt off
 * (line low), then on again (the holding register is empty: line high). */
static void edge(void)
{
    out8(COM1_IER, 0);
    out8(COM1_IER, IER_THRE);
}

/* A thread that makes one edge with the IOPort cap in `port` and then waits forever on
 * `park`; it uses only register arguments, so it needs no IPC buffer. */
static void __attribute__((noreturn, used)) edge_thread(pn_cptr_t port, pn_cptr_t park)
{
    pn_msg_t m = {pn_msginfo(PN_X86_IOPORT_OUT8, 0, 0, 2), {COM1_IER, 0, 0, 0}};
    pn_call(port, &m);
    m = (pn_msg_t){pn_msginfo(PN_X86_IOPORT_OUT8, 0, 0, 2), {COM1_IER, IER_THRE, 0, 0}};
    pn_call(port, &m);
    for (;;) {
        pn_msg_t w = {0};
        pn_wait(park, &w);
    }
}

static char edge_stack[4096] __attribute__((aligned(16)));

TEST(irq_com1_thre_interrupt_delivered)
{
    /* COM1's ports (the IO-port tests may have left them issued: revoke first) */
    com1_port = slot_alloc();
    reply_t r = call(PN_CAP_SLOT_IO_PORT_CONTROL, PN_X86_IOPORT_CONTROL_ISSUE,
                     W(COM1, COM1 + 7, com1_port, ROOT_DEPTH), C(ROOT));
    if (pn_msginfo_label(r.info) == PN_REVOKE_FIRST) {
        revoke_ok(PN_CAP_SLOT_IO_PORT_CONTROL);
        r = call(PN_CAP_SLOT_IO_PORT_CONTROL, PN_X86_IOPORT_CONTROL_ISSUE,
                 W(COM1, COM1 + 7, com1_port, ROOT_DEPTH), C(ROOT));
    }
    EXPECT_OK(r);
    pn_cptr_t n = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t irq_cap = slot_alloc(), send_cap = slot_alloc();
    mint_ok(irq_cap, n, PN_RIGHT_WRITE, IRQ_BADGE);
    mint_ok(send_cap, n, PN_RIGHT_WRITE, SEND_BADGE);
    pn_word_t h = slot_alloc();
    /* ISA IRQ 4 = IOAPIC 0 pin 4, edge (level 0), active high (polarity 0) */
    EXPECT_OK(get_ioapic(h, ROOT_DEPTH, 0, COM1_PIN, 0, 0, COM1_VECTOR));
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(irq_cap)));
    pn_word_t mcr = in8(COM1_MCR);
    out8(COM1_MCR, mcr | MCR_OUT2);
    out8(COM1_IER, 0);
    in8(COM1_IIR);
    pn_msg_t m = {0};
    CHECK_EQ(pn_nb_wait(n, &m), 0);
    /* 1. enabling the interrupt with an empty holding register raises it at once: the
     * notification is signalled with the handler cap's badge */
    out8(COM1_IER, IER_THRE);
    CHECK_EQ(pn_wait(n, &m), IRQ_BADGE);
    /* 2. masked until Ack: more edges deliver nothing */
    edge();
    edge();
    CHECK_EQ(pn_nb_wait(n, &m), 0);
    /* 3. after Ack, the next edge wakes a thread blocked on the notification; the
     * interrupt's badge is OR-ed into what is pending */
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS));
    pn_nb_wait(n, &m); /* (whether an edge while masked is remembered is the IOAPIC's
                        * business) */
    pn_msg_t s = {pn_msginfo(0, 0, 0, 0), {0}};
    pn_send(send_cap, &s);
    edge();
    CHECK_EQ(pn_wait(n, &m), IRQ_BADGE | SEND_BADGE);
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS));
    pn_nb_wait(n, &m);
    pn_cptr_t park = obj_new(PN_OBJ_NOTIFICATION, 0);
    vt_thread_t t;
    vt_thread_new(&t, PN_CAP_SLOT_INIT_VSPACE, 100, PN_CAP_SLOT_NULL, 0, PN_CAP_SLOT_NULL);
    vt_thread_start(&t, (pn_word_t)edge_thread, (pn_word_t)(edge_stack + sizeof edge_stack),
                    com1_port, park, 0);
    CHECK_EQ(pn_wait(n, &m), IRQ_BADGE);
    /* 4. a new notification set on the handler gets the next interrupt */
    pn_cptr_t n2 = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t irq_cap2 = slot_alloc();
    mint_ok(irq_cap2, n2, PN_RIGHTS_ALL, 0x4000);
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(irq_cap2)));
    EXPECT_OK(call(h, PN_IRQ_ACK_IRQ, NO_WORDS, NO_CAPS));
    pn_nb_wait(n2, &m);
    edge();
    CHECK_EQ(pn_wait(n2, &m), 0x4000);
    CHECK_EQ(pn_nb_wait(n, &m), 0);
    /* 5. deleting the handler cap empties the IRQ's slot and masks it: nothing arrives;
     * a new handler for it is unmasked at once (no Ack needed) */
    delete_ok(h);
    edge();
    CHECK_EQ(pn_nb_wait(n2, &m), 0);
    EXPECT_OK(get_ioapic(h, ROOT_DEPTH, 0, COM1_PIN, 0, 0, COM1_VECTOR));
    EXPECT_OK(call(h, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS, C(irq_cap2)));
    pn_nb_wait(n2, &m);
    edge();
    CHECK_EQ(pn_wait(n2, &m), 0x4000);
    /* clean up: interrupt off, handler deleted */
    out8(COM1_IER, 0);
    in8(COM1_IIR);
    out8(COM1_MCR, mcr);
    delete_ok(t.tcb);
    delete_ok(h);
    delete_ok(com1_port);
}
