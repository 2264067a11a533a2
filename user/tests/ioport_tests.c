/* Issue 3: x86 IO ports (invocations.md §3.8; semantics.md §2, §4, §10).
 *
 * IOPortControl_Issue: MR0 first, MR1 last (low 16 bits of each), MR2 index, MR3 depth;
 * C[0] root.  Order: label, length < 4 / no C[0] (Truncated), last < first
 * (InvalidArgument(1)), any port already issued (RevokeFirst), destination lookup, then
 * the destination must be empty (DeleteFirst).
 *
 * Ports used for real accesses under QEMU's pc machine: COM1's scratch register 0x3ff
 * (8 bits; as the high half of a 16-bit access at 0x3fe, whose low half is the modem
 * status register, read-only) and the PCI configuration-address register 0xcf8 (32 bits,
 * reads back what was written).  The kernel reserves no port (semantics.md §10), so
 * COM1's range can be issued.
 *
 * Each test starts by revoking the IOPortControl cap, which deletes every IOPort cap
 * (each is its revocable child, semantics.md §1) and so frees every range. */
#include "captest.h"

#define IOCTL ((pn_cptr_t)PN_CAP_SLOT_IO_PORT_CONTROL)
#define COM1 0x3f8
#define COM1_SCRATCH 0x3ff
#define PCI_CONFIG_ADDRESS 0xcf8

static void ioports_reset(void)
{
    CHECK_CAP_TYPE(IOCTL, PN_CAP_IO_PORT_CONTROL);
    revoke_ok(IOCTL);
}

static reply_t issue(pn_word_t first, pn_word_t last, pn_word_t dest)
{
    return call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(first, last, dest, 64), C(ROOT));
}

static pn_word_t issue_new(pn_word_t first, pn_word_t last)
{
    pn_word_t s = slot_alloc();
    EXPECT_OK(issue(first, last, s));
    CHECK_CAP_TYPE(s, PN_CAP_IO_PORT);
    return s;
}

static reply_t in(pn_cptr_t cap, pn_word_t label, pn_word_t port)
{
    return call(cap, label, W(port), NO_CAPS);
}

static reply_t out(pn_cptr_t cap, pn_word_t label, pn_word_t port, pn_word_t data)
{
    return call(cap, label, W(port, data), NO_CAPS);
}

/* Reads through In (checked to succeed with exactly one result word). */
static pn_word_t in_ok(pn_cptr_t cap, pn_word_t label, pn_word_t port)
{
    reply_t r = in(cap, label, port);
    if (r.info != pn_msginfo(0, 0, 0, 1) || r.badge != 0)
        FAIL("In (label %lu) port 0x%lx: reply info 0x%lx, expected label 0 length 1",
             label, port, r.info);
    return r.mr[0];
}

TEST(ioport_issue_in_out_8)
{
    ioports_reset();
    pn_word_t p = issue_new(COM1, COM1 + 7);
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0x5a));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x5a);
    /* data is truncated to 8 bits; the result is zero-extended */
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0xffffff00000001a5ul));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0xa5);
    /* only the low 16 bits of the port word count */
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT8, 0x70000ul | COM1_SCRATCH, 0x3c));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN8, 0xabcd0000ul | COM1_SCRATCH), 0x3c);
    /* the library wrappers */
    pn_word_t v = 0;
    CHECK_EQ(pn_ioport_out8(p, COM1_SCRATCH, 0x96), 0);
    CHECK_EQ(pn_ioport_in8(p, COM1_SCRATCH, &v), 0);
    CHECK_EQ(v, 0x96);
    delete_ok(p);
}

TEST(ioport_in_out_16)
{
    ioports_reset();
    pn_word_t p = issue_new(COM1, COM1 + 7);
    /* 0x3fe..0x3ff: the high byte is the scratch register */
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT16, COM1_SCRATCH - 1, 0xc300));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0xc3);
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0x81));
    pn_word_t v = in_ok(p, PN_X86_IOPORT_IN16, COM1_SCRATCH - 1);
    CHECK_EQ(v >> 8, 0x81);
    /* truncated to 16 bits */
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT16, COM1_SCRATCH - 1, 0x12347700ul));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x77);
    CHECK_EQ(pn_ioport_out16(p, COM1_SCRATCH - 1, 0x4200), 0);
    CHECK_EQ(pn_ioport_in16(p, COM1_SCRATCH - 1, &v), 0);
    CHECK_EQ(v >> 8, 0x42);
    delete_ok(p);
}

TEST(ioport_in_out_32)
{
    ioports_reset();
    pn_word_t p = issue_new(PCI_CONFIG_ADDRESS, PCI_CONFIG_ADDRESS + 7);
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT32, PCI_CONFIG_ADDRESS, 0x80000010));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN32, PCI_CONFIG_ADDRESS), 0x80000010);
    /* truncated to 32 bits, zero-extended */
    EXPECT_OK(out(p, PN_X86_IOPORT_OUT32, PCI_CONFIG_ADDRESS, 0xdeadbeef80000820ul));
    CHECK_EQ(in_ok(p, PN_X86_IOPORT_IN32, PCI_CONFIG_ADDRESS), 0x80000820);
    pn_word_t v = 0;
    CHECK_EQ(pn_ioport_out32(p, PCI_CONFIG_ADDRESS, 0x80000000), 0);
    CHECK_EQ(pn_ioport_in32(p, PCI_CONFIG_ADDRESS, &v), 0);
    CHECK_EQ(v, 0x80000000);
    delete_ok(p);
}

TEST(ioport_access_outside_range)
{
    /* port .. port + width - 1 must lie inside the cap's range, else IllegalOperation
     * (and no access happens) */
    ioports_reset();
    pn_word_t scratch = issue_new(COM1_SCRATCH, COM1_SCRATCH);
    pn_word_t com1 = issue_new(COM1, COM1 + 6); /* everything but the scratch register */
    EXPECT_OK(out(scratch, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0x11));
    EXPECT(out(com1, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0x22), PN_ILLEGAL_OPERATION);
    EXPECT(out(com1, PN_X86_IOPORT_OUT16, COM1_SCRATCH - 1, 0x2200), PN_ILLEGAL_OPERATION);
    EXPECT(out(com1, PN_X86_IOPORT_OUT32, COM1_SCRATCH - 3, 0x22000000), PN_ILLEGAL_OPERATION);
    EXPECT(out(scratch, PN_X86_IOPORT_OUT16, COM1_SCRATCH - 1, 0x3300), PN_ILLEGAL_OPERATION);
    EXPECT(out(scratch, PN_X86_IOPORT_OUT16, COM1_SCRATCH, 0x33), PN_ILLEGAL_OPERATION);
    EXPECT(out(scratch, PN_X86_IOPORT_OUT32, COM1_SCRATCH, 0x33), PN_ILLEGAL_OPERATION);
    EXPECT(out(scratch, PN_X86_IOPORT_OUT8, COM1_SCRATCH + 1, 0x33), PN_ILLEGAL_OPERATION);
    EXPECT(out(scratch, PN_X86_IOPORT_OUT8, COM1_SCRATCH - 1, 0x33), PN_ILLEGAL_OPERATION);
    CHECK_EQ(in_ok(scratch, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x11);
    EXPECT(in(com1, PN_X86_IOPORT_IN8, COM1_SCRATCH), PN_ILLEGAL_OPERATION);
    EXPECT(in(com1, PN_X86_IOPORT_IN16, COM1 + 6), PN_ILLEGAL_OPERATION);
    EXPECT(in(com1, PN_X86_IOPORT_IN32, COM1 + 4), PN_ILLEGAL_OPERATION);
    EXPECT(in(com1, PN_X86_IOPORT_IN8, COM1 - 1), PN_ILLEGAL_OPERATION);
    EXPECT(in(scratch, PN_X86_IOPORT_IN16, COM1_SCRATCH), PN_ILLEGAL_OPERATION);
    EXPECT(in(scratch, PN_X86_IOPORT_IN16, COM1_SCRATCH - 1), PN_ILLEGAL_OPERATION);
    EXPECT(in(scratch, PN_X86_IOPORT_IN32, COM1_SCRATCH - 3), PN_ILLEGAL_OPERATION);
    /* widths that fit at the top of a range */
    in_ok(com1, PN_X86_IOPORT_IN16, COM1 + 5);
    in_ok(com1, PN_X86_IOPORT_IN32, COM1 + 3);
    /* the top of the port space: 0xffff + 1 does not wrap to 0 */
    pn_word_t top = issue_new(0xffff, 0xffff);
    in_ok(top, PN_X86_IOPORT_IN8, 0xffff);
    EXPECT(in(top, PN_X86_IOPORT_IN16, 0xffff), PN_ILLEGAL_OPERATION);
    EXPECT(in(top, PN_X86_IOPORT_IN32, 0xffff), PN_ILLEGAL_OPERATION);
    EXPECT(out(top, PN_X86_IOPORT_OUT16, 0xffff, 0), PN_ILLEGAL_OPERATION);
    delete_ok(scratch);
    delete_ok(com1);
    delete_ok(top);
}

TEST(ioport_method_decode_errors)
{
    ioports_reset();
    pn_word_t p = issue_new(COM1_SCRATCH, COM1_SCRATCH);
    static const pn_word_t ins[] = {PN_X86_IOPORT_IN8, PN_X86_IOPORT_IN16, PN_X86_IOPORT_IN32};
    static const pn_word_t outs[] = {PN_X86_IOPORT_OUT8, PN_X86_IOPORT_OUT16,
                                     PN_X86_IOPORT_OUT32};
    for (unsigned i = 0; i < 3; i++) {
        EXPECT(call(p, ins[i], NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
        EXPECT(call(p, outs[i], NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
        EXPECT(call(p, outs[i], W(COM1_SCRATCH), NO_CAPS), PN_TRUNCATED_MESSAGE);
        /* the length is checked before the range */
        EXPECT(call(p, outs[i], W(0x80), NO_CAPS), PN_TRUNCATED_MESSAGE);
    }
    /* other labels on an IOPort cap */
    static const pn_word_t others[] = {PN_INVALID_INVOCATION, PN_X86_IOPORT_CONTROL_ISSUE,
                                       PN_UNTYPED_RETYPE, PN_CNODE_COPY,
                                       PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                                       PN_INVOCATION_LABEL_COUNT};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(others); i++) {
        EXPECT(call(p, others[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        EXPECT(call(p, others[i], W(COM1_SCRATCH, 0, slot_alloc(), 64), C(ROOT)),
               PN_ILLEGAL_OPERATION);
    }
    /* In/Out on the IOPortControl cap */
    EXPECT(call(IOCTL, PN_X86_IOPORT_IN8, W(COM1_SCRATCH), NO_CAPS), PN_ILLEGAL_OPERATION);
    EXPECT(call(IOCTL, PN_X86_IOPORT_OUT8, W(COM1_SCRATCH, 1), NO_CAPS),
           PN_ILLEGAL_OPERATION);
    delete_ok(p);
}

TEST(ioport_issue_check_order)
{
    ioports_reset();
    pn_word_t dest = slot_alloc(), full = copy_new(PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    /* the label, before the length */
    EXPECT(call(IOCTL, PN_INVALID_INVOCATION, NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
    EXPECT(call(IOCTL, PN_CNODE_COPY, W(0x70, 0x71, dest, 64), C(ROOT)),
           PN_ILLEGAL_OPERATION);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE + 1, NO_WORDS, NO_CAPS),
           PN_ILLEGAL_OPERATION);
    /* length < 4 or no C[0] */
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 64), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x71, 0x70, full), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    /* last < first, compared on the low 16 bits */
    EXPECT(issue(0x71, 0x70, dest), PN_INVALID_ARGUMENT, 1);
    EXPECT(issue(0x70, 0x1006f, dest), PN_INVALID_ARGUMENT, 1);
    EXPECT(issue(0xffff, 0, dest), PN_INVALID_ARGUMENT, 1);
    /* ... before the destination */
    EXPECT(issue(0x71, 0x70, full), PN_INVALID_ARGUMENT, 1);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x71, 0x70, dest, 0), C(ROOT)),
           PN_INVALID_ARGUMENT, 1);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* the destination: CNode-op lookup in C[0], source flag 0, then emptiness */
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 0), C(ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 65), C(ROOT)),
           PN_RANGE_ERROR, 1, 64);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, ROOT_BITS), C(ROOT)),
           PN_FAILED_LOOKUP, LF_GUARD(0, ROOT_BITS, 0, ROOT_GUARD_BITS));
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 64),
                C(PN_CAP_SLOT_INIT_TCB)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(issue(0x70, 0x71, full), PN_DELETE_FIRST);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* none of the failures issued anything: the whole range is still free */
    pn_word_t p = issue_new(0x70, 0x71);
    /* an issued range: RevokeFirst, before the destination */
    EXPECT(issue(0x70, 0x71, dest), PN_REVOKE_FIRST);
    EXPECT(issue(0x70, 0x71, full), PN_REVOKE_FIRST);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 0), C(ROOT)),
           PN_REVOKE_FIRST);
    EXPECT(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x70, 0x71, dest, 64),
                C(PN_CAP_SLOT_INIT_TCB)),
           PN_REVOKE_FIRST);
    /* ... but after last < first */
    EXPECT(issue(0x71, 0x70, dest), PN_INVALID_ARGUMENT, 1);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    /* into another CNode, through its slot */
    pn_word_t cn = obj_new(PN_OBJ_CNODE, 2), t = slot_alloc();
    EXPECT_OK(call(IOCTL, PN_X86_IOPORT_CONTROL_ISSUE, W(0x72, 0x72, 3, 2), C(cn)));
    EXPECT_OK(call(ROOT, PN_CNODE_MOVE, W(t, 64, 3, 2), C(cn)));
    CHECK_CAP_TYPE(t, PN_CAP_IO_PORT);
    delete_ok(p);
    delete_ok(t);
}

TEST(ioport_issue_overlaps)
{
    ioports_reset();
    pn_word_t a = issue_new(0x70, 0x71);
    static const pn_word_t overlapping[][2] = {
        {0x70, 0x70}, {0x71, 0x71}, {0x71, 0x72}, {0x6f, 0x70}, {0x60, 0x80}, {0, 0xffff},
        {0x10070, 0x10070}, /* low 16 bits only */
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(overlapping); i++)
        EXPECT(issue(overlapping[i][0], overlapping[i][1], slot_alloc()), PN_REVOKE_FIRST);
    /* neighbours and single ports are fine */
    pn_word_t b = issue_new(0x72, 0x72), c = issue_new(0x6f, 0x6f);
    pn_word_t d = issue_new(0x10060, 0x6e); /* 0x60..0x6e */
    EXPECT(issue(0x60, 0x60, slot_alloc()), PN_REVOKE_FIRST);
    EXPECT(issue(0x6e, 0x6e, slot_alloc()), PN_REVOKE_FIRST);
    pn_word_t e = issue_new(0x5f, 0x5f);
    /* the port space ends: 0xffff alone, and 0..x */
    pn_word_t f = issue_new(0xffff, 0xffff), g = issue_new(0, 1);
    EXPECT(issue(0xfff0, 0xffff, slot_alloc()), PN_REVOKE_FIRST);
    EXPECT(issue(1, 1, slot_alloc()), PN_REVOKE_FIRST);
    pn_word_t caps[] = {a, b, c, d, e, f, g};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(caps); i++)
        delete_ok(caps[i]);
}

TEST(ioport_final_cap_frees_range)
{
    ioports_reset();
    pn_word_t a = issue_new(COM1, COM1 + 7);
    /* IOPort caps copy freely (rights ignored) and work through any copy */
    pn_word_t b = copy_new(a, 0), m = slot_alloc();
    CHECK_CAP_TYPE(b, PN_CAP_IO_PORT);
    mint_ok(m, a, PN_RIGHTS_ALL, 0x1234);
    CHECK_CAP_TYPE(m, PN_CAP_IO_PORT);
    EXPECT_OK(out(b, PN_X86_IOPORT_OUT8, COM1_SCRATCH, 0x6b));
    CHECK_EQ(in_ok(m, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x6b);
    delete_ok(a);
    EXPECT(issue(COM1 + 7, COM1 + 7, slot_alloc()), PN_REVOKE_FIRST);
    CHECK_EQ(in_ok(b, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x6b);
    delete_ok(m);
    EXPECT(issue(COM1, COM1, slot_alloc()), PN_REVOKE_FIRST);
    delete_ok(b);
    /* the last cap is gone: the range can be issued again (the library wrapper) */
    pn_word_t again = slot_alloc();
    CHECK_EQ(pn_ioport_control_issue(IOCTL, COM1, COM1 + 7, ROOT, again, 64), 0);
    CHECK_CAP_TYPE(again, PN_CAP_IO_PORT);
    CHECK_EQ(in_ok(again, PN_X86_IOPORT_IN8, COM1_SCRATCH), 0x6b);
    delete_ok(again);
    /* moving the only cap does not free the range */
    pn_word_t x = issue_new(0x80, 0x8f), y = slot_alloc();
    move_ok(y, x);
    EXPECT(issue(0x80, 0x80, slot_alloc()), PN_REVOKE_FIRST);
    delete_ok(y);
    delete_ok(issue_new(0x80, 0x8f));
}

TEST(ioport_revoke_control_frees_everything)
{
    ioports_reset();
    pn_word_t a = issue_new(0x80, 0x81), b = issue_new(0x90, 0x9f);
    pn_word_t ac = copy_new(a, PN_RIGHTS_ALL), bc = copy_new(b, PN_RIGHTS_ALL);
    revoke_ok(IOCTL);
    CHECK_CAP_TYPE(a, PN_CAP_NULL);
    CHECK_CAP_TYPE(b, PN_CAP_NULL);
    CHECK_CAP_TYPE(ac, PN_CAP_NULL);
    CHECK_CAP_TYPE(bc, PN_CAP_NULL);
    CHECK_CAP_TYPE(IOCTL, PN_CAP_IO_PORT_CONTROL);
    pn_word_t all = issue_new(0, 0xffff);
    /* an issued IOPort cap is revocable (its source is the control cap): its copies
     * are its children; a copy is not revocable: revoking it does nothing */
    pn_word_t allc = copy_new(all, PN_RIGHTS_ALL), allcc = copy_new(allc, PN_RIGHTS_ALL);
    revoke_ok(allc);
    CHECK_CAP_TYPE(allcc, PN_CAP_IO_PORT);
    revoke_ok(all);
    CHECK_CAP_TYPE(allc, PN_CAP_NULL);
    CHECK_CAP_TYPE(allcc, PN_CAP_NULL);
    CHECK_CAP_TYPE(all, PN_CAP_IO_PORT);
    EXPECT(issue(0x80, 0x80, slot_alloc()), PN_REVOKE_FIRST);
    revoke_ok(IOCTL);
    CHECK_CAP_TYPE(all, PN_CAP_NULL);
    delete_ok(issue_new(0, 0xffff));
}

TEST(ioport_control_cannot_be_copied)
{
    /* IOPortControl derives to null: Copy and Mint fail; Move works */
    ioports_reset();
    pn_word_t dest = slot_alloc();
    EXPECT(cn_copy(dest, IOCTL, PN_RIGHTS_ALL), PN_ILLEGAL_OPERATION);
    EXPECT(cn_mint(dest, IOCTL, PN_RIGHTS_ALL, 0), PN_ILLEGAL_OPERATION);
    CHECK_CAP_TYPE(dest, PN_CAP_NULL);
    reply_t mv = cn_move(dest, IOCTL);
    pn_word_t moved_type = pn_debug_cap_identify(dest), left = pn_debug_cap_identify(IOCTL);
    reply_t iss = call(dest, PN_X86_IOPORT_CONTROL_ISSUE, W(0x80, 0x80, slot_alloc(), 64),
                       C(ROOT));
    /* put it back before checking anything, for the tests after this one */
    if (pn_msginfo_label(mv.info) == PN_NO_ERROR)
        move_ok(IOCTL, dest);
    EXPECT_OK(mv);
    CHECK_EQ(moved_type, PN_CAP_IO_PORT_CONTROL);
    CHECK_EQ(left, PN_CAP_NULL);
    EXPECT_OK(iss);
    CHECK_CAP_TYPE(IOCTL, PN_CAP_IO_PORT_CONTROL);
    /* the IOPort cap issued through the moved control cap is its child still */
    revoke_ok(IOCTL);
    delete_ok(issue_new(0x80, 0x80));
}
