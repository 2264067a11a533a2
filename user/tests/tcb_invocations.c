/* Issue 4: TCB invocations, their check order, error codes and error words
 * (invocations.md §1, §3.3; semantics.md §3 for a new TCB's state). */
#include "tthread.h"

static char page[4096] __attribute__((aligned(4096)));

#define ROOT_BITS ((pn_word_t)pn_bootinfo->init_thread_cnode_size_bits)

static pn_cptr_t ep_with(pn_cptr_t ep, pn_word_t rights)
{
    return tt_copy(ep, rights);
}

/* A guard that makes guardSize + radix > 64 (types.md §4): the derived cap is null. */
static pn_word_t bad_guard(void)
{
    return pn_cnode_guard_data(0, 64 - ROOT_BITS + 1);
}

TEST(tcb_unknown_labels)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    const pn_word_t labels[] = {PN_INVALID_INVOCATION, PN_UNTYPED_RETYPE, PN_CNODE_REVOKE,
                                PN_SCHED_CONTROL_CONFIGURE_FLAGS, PN_SCHED_CONTEXT_BIND,
                                PN_X86_PAGE_MAP, PN_INVOCATION_LABEL_COUNT, 0x12345};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(labels); i++)
        EXPECT_ERROR(tt_call(tcb, labels[i], NOWORDS, NOCAPS), PN_ILLEGAL_OPERATION);
}

TEST(tcb_read_registers_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_READ_REGISTERS, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 0), NOCAPS), PN_RANGE_ERROR, 1,
                 20);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 21), NOCAPS), PN_RANGE_ERROR,
                 1, 20);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 1ul << 32 | 1), NOCAPS),
                 PN_RANGE_ERROR, 1, 20);
    /* the count is checked before "target is the caller" */
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_READ_REGISTERS, WORDS(0, 0), NOCAPS),
                 PN_RANGE_ERROR, 1, 20);
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_READ_REGISTERS, WORDS(0, 1), NOCAPS),
                 PN_ILLEGAL_OPERATION);
    tt_reply_t r = tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 20), NOCAPS);
    CHECK_EQ(r.info, pn_msginfo(0, 0, 0, 20));
    r = tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 3), NOCAPS);
    CHECK_EQ(r.info, pn_msginfo(0, 0, 0, 3));
}

static void read_all(pn_cptr_t tcb, pn_word_t *regs)
{
    MUST(pn_tcb_read_registers(tcb, 0, PN_UC_COUNT, regs));
}

static void fill_regs(pn_word_t *regs, pn_word_t seed)
{
    for (unsigned i = 0; i < PN_UC_COUNT; i++)
        regs[i] = tt_pattern(seed, i) & 0x00007ffffffffff0ul; /* canonical, user half */
    regs[PN_UC_RFLAGS] = 0x203; /* already sanitised */
}

static void check_regs(const pn_word_t *got, const pn_word_t *want, unsigned from,
                       unsigned to)
{
    for (unsigned i = from; i < to; i++)
        if (got[i] != want[i])
            FAIL("register %u: expected 0x%lx, got 0x%lx", i, want[i], got[i]);
}

TEST(tcb_write_read_registers_round_trip)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_word_t w[PN_UC_COUNT], r[PN_UC_COUNT];
    fill_regs(w, 1);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_WRITE_REGISTERS,
                           WORDS(0, 20, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8],
                                 w[9], w[10], w[11], w[12], w[13], w[14], w[15], w[16], w[17],
                                 w[18], w[19]),
                           NOCAPS));
    read_all(tcb, r);
    check_regs(r, w, 0, PN_UC_COUNT);
    /* a shorter write changes only the first `count` registers */
    pn_word_t w2[PN_UC_COUNT];
    fill_regs(w2, 2);
    MUST(pn_tcb_write_registers(tcb, 0, 5, w2));
    read_all(tcb, r);
    check_regs(r, w2, 0, 5);
    check_regs(r, w, 5, PN_UC_COUNT);
    /* ReadRegisters returns exactly the first `count` words */
    tt_reply_t rr = tt_call(tcb, PN_TCB_READ_REGISTERS, WORDS(0, 7), NOCAPS);
    CHECK_EQ(rr.info, pn_msginfo(0, 0, 0, 7));
    check_regs(rr.mr, r, 0, 7);
}

TEST(tcb_write_registers_sanitises)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_word_t w[PN_UC_COUNT], r[PN_UC_COUNT];
    fill_regs(w, 3);
    /* FLAGS: |= 0x2, &= ~0x28, |= 0x200, &= ~0x100, &= 0xfff (syscalls.md §2) */
    w[PN_UC_RFLAGS] = ~0ul;
    w[PN_UC_RIP] = 0x0000800000000000ul;    /* non-canonical: 0 */
    w[PN_UC_FS_BASE] = 0xffff7ffffffff000ul; /* non-canonical: 0 */
    w[PN_UC_GS_BASE] = 0x8000000000000000ul; /* non-canonical: 0 */
    w[PN_UC_RSP] = 0x0000900000000000ul;    /* RSP is not sanitised */
    MUST(pn_tcb_write_registers(tcb, 0, PN_UC_COUNT, w));
    read_all(tcb, r);
    CHECK_EQ(r[PN_UC_RFLAGS], 0xed7);
    CHECK_EQ(r[PN_UC_RIP], 0);
    CHECK_EQ(r[PN_UC_FS_BASE], 0);
    CHECK_EQ(r[PN_UC_GS_BASE], 0);
    CHECK_EQ(r[PN_UC_RSP], 0x0000900000000000ul);
    check_regs(r, w, PN_UC_RAX, PN_UC_FS_BASE);
    w[PN_UC_RFLAGS] = 0;
    w[PN_UC_RIP] = 0xffff800000001000ul;     /* canonical (kernel half): kept */
    w[PN_UC_FS_BASE] = 0x00007ffffffff000ul; /* highest canonical user page: kept */
    MUST(pn_tcb_write_registers(tcb, 0, PN_UC_COUNT, w));
    read_all(tcb, r);
    CHECK_EQ(r[PN_UC_RFLAGS], 0x202);
    CHECK_EQ(r[PN_UC_RIP], 0xffff800000001000ul);
    CHECK_EQ(r[PN_UC_FS_BASE], 0x00007ffffffff000ul);
}

TEST(tcb_write_registers_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_WRITE_REGISTERS, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_WRITE_REGISTERS, WORDS(0), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_WRITE_REGISTERS, WORDS(0, 3, 1, 2), NOCAPS),
                 PN_TRUNCATED_MESSAGE);
    /* truncation is checked before "target is the caller" */
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_WRITE_REGISTERS, WORDS(0, 1), NOCAPS),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_WRITE_REGISTERS, WORDS(0, 0), NOCAPS),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_WRITE_REGISTERS, WORDS(0, 1, 0x401000), NOCAPS),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_WRITE_REGISTERS, WORDS(0, 0), NOCAPS));
    /* counts above 20 are clamped: 25 words written, 20 registers set */
    pn_word_t w[2 + 25];
    w[0] = 0;
    w[1] = 25;
    for (unsigned i = 0; i < 25; i++)
        w[2 + i] = (0x1000ul + i) << 12;
    w[2 + PN_UC_RFLAGS] = 0x202;
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_WRITE_REGISTERS, w, 27, NOCAPS));
    pn_word_t r[PN_UC_COUNT];
    read_all(tcb, r);
    check_regs(r, w + 2, 0, PN_UC_COUNT);
}

TEST(tcb_copy_registers)
{
    pn_cptr_t a = tt_new(PN_OBJ_TCB, 0), b = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    const pn_word_t all = PN_COPY_TRANSFER_FRAME | PN_COPY_TRANSFER_INTEGER;
    EXPECT_ERROR(tt_call(b, PN_TCB_COPY_REGISTERS, NOWORDS, CAPS(a)), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(all), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(all), CAPS(ep)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(all), CAPS(NULL_SLOT)),
                 PN_INVALID_CAPABILITY, 1);
    pn_word_t wa[PN_UC_COUNT], wb[PN_UC_COUNT], r[PN_UC_COUNT];
    fill_regs(wa, 10);
    fill_regs(wb, 11);
    MUST(pn_tcb_write_registers(a, 0, PN_UC_COUNT, wa));
    MUST(pn_tcb_write_registers(b, 0, PN_UC_COUNT, wb));
    /* frame registers are seL4_UserContext 0..17, the integer group fs/gs base */
    EXPECT_SUCCESS(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(PN_COPY_TRANSFER_FRAME), CAPS(a)));
    read_all(b, r);
    check_regs(r, wa, 0, PN_UC_FS_BASE);
    check_regs(r, wb, PN_UC_FS_BASE, PN_UC_COUNT);
    EXPECT_SUCCESS(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(PN_COPY_TRANSFER_INTEGER), CAPS(a)));
    read_all(b, r);
    check_regs(r, wa, 0, PN_UC_COUNT);
    /* neither group: nothing copied */
    MUST(pn_tcb_write_registers(b, 0, PN_UC_COUNT, wb));
    EXPECT_SUCCESS(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(0), CAPS(a)));
    read_all(b, r);
    check_regs(r, wb, 0, PN_UC_COUNT);
    /* source == target is allowed */
    EXPECT_SUCCESS(tt_call(b, PN_TCB_COPY_REGISTERS, WORDS(all), CAPS(b)));
    read_all(b, r);
    check_regs(r, wb, 0, PN_UC_COUNT);
}

TEST(tcb_configure_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t frame = tt_image_frame(page);
    pn_word_t buf = (pn_word_t)page + 1024;
    pn_cptr_t pml4 = tt_new(PN_OBJ_X64_PML4, 0); /* not mapped (no ASID) */
    pn_cptr_t dev = tt_device_frame();
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, frame)), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf), CAPS(ROOT_CNODE, ROOT_VSPACE)),
                 PN_TRUNCATED_MESSAGE);
    /* the IPC buffer is checked first: derive, frame type, device, alignment */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf + 8),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, tt_arena())), PN_REVOKE_FIRST);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf + 8),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, ep)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf + 8),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, dev)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf + 8),
                         CAPS(ep, ep, frame)), PN_ALIGNMENT_ERROR);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, dev)), PN_ILLEGAL_OPERATION);
    /* CSpace root: not a CNode, or a guard that makes the cap null */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf), CAPS(ep, ROOT_VSPACE, frame)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(bad_guard(), 0, buf),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, frame)), PN_ILLEGAL_OPERATION);
    /* VSpace root: not a PML4, or a PML4 without an ASID */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf), CAPS(ROOT_CNODE, ep, frame)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf),
                         CAPS(ROOT_CNODE, pml4, frame)), PN_ILLEGAL_OPERATION);
    /* buffer address 0: C[2] is not examined */
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, 0),
                           CAPS(ROOT_CNODE, ROOT_VSPACE, ep)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_CONFIGURE,
                           WORDS(pn_cnode_guard_data(0, 64 - ROOT_BITS), 0, buf),
                           CAPS(ROOT_CNODE, ROOT_VSPACE, frame)));
}

/* A TCB whose CSpace root is the last cap to its CNode (semantics.md §1 "long running
 * delete"): Configure and SetSpace fail with IllegalOperation, after the buffer checks. */
TEST(tcb_configure_and_set_space_final_cspace)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t cn = tt_new(PN_OBJ_CNODE, 4);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t ntfn = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t frame = tt_image_frame(page);
    pn_word_t buf = (pn_word_t)page;
    MUST(pn_tcb_configure(tcb, cn, 0, ROOT_VSPACE, 0, 0, NULL_SLOT));
    tt_delete(cn);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf + 8),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, frame)), PN_ALIGNMENT_ERROR);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_CONFIGURE, WORDS(0, 0, buf),
                         CAPS(ROOT_CNODE, ROOT_VSPACE, frame)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0), CAPS(ep, ROOT_CNODE, ROOT_VSPACE)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                         CAPS(ntfn, ROOT_CNODE, ROOT_VSPACE)), PN_ILLEGAL_OPERATION);
    /* SetIPCBuffer does not look at the CSpace */
    MUST(pn_tcb_set_ipc_buffer(tcb, buf, frame));
}

TEST(tcb_set_space_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t ntfn = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t pml4 = tt_new(PN_OBJ_X64_PML4, 0);
    pn_cptr_t ep_send = ep_with(ep, PN_RIGHT_WRITE);
    pn_cptr_t ep_nosend = ep_with(ep, PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY);
    pn_cptr_t ep_gr = ep_with(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY);
    pn_cptr_t ep_g = ep_with(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0), CAPS(ep, ROOT_CNODE, ROOT_VSPACE)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0), CAPS(ep, ROOT_CNODE)),
                 PN_TRUNCATED_MESSAGE);
    /* the fault handler is checked last */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0), CAPS(ntfn, ep, ROOT_VSPACE)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(bad_guard(), 0),
                         CAPS(ntfn, ROOT_CNODE, ROOT_VSPACE)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0), CAPS(ntfn, ROOT_CNODE, ep)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0), CAPS(ntfn, ROOT_CNODE, pml4)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                         CAPS(ntfn, ROOT_CNODE, ROOT_VSPACE)), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                         CAPS(ep_send, ROOT_CNODE, ROOT_VSPACE)), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                         CAPS(ep_nosend, ROOT_CNODE, ROOT_VSPACE)), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                         CAPS(ROOT_CNODE, ROOT_CNODE, ROOT_VSPACE)), PN_INVALID_CAPABILITY, 1);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                           CAPS(ep_gr, ROOT_CNODE, ROOT_VSPACE)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                           CAPS(ep_g, ROOT_CNODE, ROOT_VSPACE)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SPACE, WORDS(0, 0),
                           CAPS(NULL_SLOT, ROOT_CNODE, ROOT_VSPACE)));
}

TEST(tcb_set_priority_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0), fresh = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, NOWORDS, CAPS(SELF_TCB)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(10), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(300), CAPS(ep)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(10), CAPS(NULL_SLOT)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(256), CAPS(SELF_TCB)),
                 PN_RANGE_ERROR, 0, 255);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(1ul << 32 | 5), CAPS(SELF_TCB)),
                 PN_RANGE_ERROR, 0, 255);
    /* a new TCB has MCP 0 */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(1), CAPS(fresh)), PN_RANGE_ERROR, 0, 0);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(0), CAPS(fresh)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(255), CAPS(SELF_TCB)));
    MUST(pn_tcb_set_mc_priority(fresh, SELF_TCB, 100));
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(101), CAPS(fresh)), PN_RANGE_ERROR, 0,
                 100);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_PRIORITY, WORDS(100), CAPS(fresh)));
}

TEST(tcb_set_mc_priority)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0), other = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, NOWORDS, CAPS(SELF_TCB)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(10), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(300), CAPS(ep)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(256), CAPS(SELF_TCB)),
                 PN_RANGE_ERROR, 0, 255);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(1), CAPS(other)), PN_RANGE_ERROR, 0,
                 0);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(50), CAPS(SELF_TCB)));
    /* the new MCP bounds what the TCB may grant as an authority */
    EXPECT_ERROR(tt_call(other, PN_TCB_SET_PRIORITY, WORDS(51), CAPS(tcb)), PN_RANGE_ERROR, 0,
                 50);
    EXPECT_ERROR(tt_call(other, PN_TCB_SET_MC_PRIORITY, WORDS(51), CAPS(tcb)), PN_RANGE_ERROR,
                 0, 50);
    EXPECT_SUCCESS(tt_call(other, PN_TCB_SET_MC_PRIORITY, WORDS(50), CAPS(tcb)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_MC_PRIORITY, WORDS(0), CAPS(SELF_TCB)));
    EXPECT_ERROR(tt_call(other, PN_TCB_SET_PRIORITY, WORDS(1), CAPS(tcb)), PN_RANGE_ERROR, 0, 0);
}

static void recv_forever(tt_thread_t *t)
{
    for (;;) {
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_recv(t->arg[0], &m, t->arg[1]);
        tt_log(m.mr[0]);
    }
}

TEST(tcb_set_sched_params_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0), low = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), ntfn = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t sc = tt_sc_new();
    pn_cptr_t ep_send = ep_with(ep, PN_RIGHT_WRITE | PN_RIGHT_READ);
    pn_cptr_t ep_nosend = ep_with(ep, PN_RIGHT_READ | PN_RIGHT_GRANT);
    MUST(pn_tcb_set_mc_priority(low, SELF_TCB, 100));
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0), CAPS(SELF_TCB, sc, NULL_SLOT)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0), CAPS(SELF_TCB, sc)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(300, 300), CAPS(ep, ep, ntfn)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(256, 0), CAPS(SELF_TCB, ep, ntfn)),
                 PN_RANGE_ERROR, 0, 255);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 256), CAPS(SELF_TCB, ep, ntfn)),
                 PN_RANGE_ERROR, 0, 255);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(101, 0), CAPS(low, sc, NULL_SLOT)),
                 PN_RANGE_ERROR, 0, 100);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 101), CAPS(low, sc, NULL_SLOT)),
                 PN_RANGE_ERROR, 0, 100);
    /* C[1]: neither an SC nor null; checked before C[2] */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0), CAPS(SELF_TCB, ep, ntfn)),
                 PN_INVALID_CAPABILITY, 2);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                         CAPS(SELF_TCB, SELF_TCB, NULL_SLOT)), PN_INVALID_CAPABILITY, 2);
    /* C[2]: a fault handler needs Send and Grant or GrantReply */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0), CAPS(SELF_TCB, sc, ntfn)),
                 PN_INVALID_CAPABILITY, 3);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                         CAPS(SELF_TCB, sc, ep_send)), PN_INVALID_CAPABILITY, 3);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                         CAPS(SELF_TCB, sc, ep_nosend)), PN_INVALID_CAPABILITY, 3);
    /* the SC checks come before the handler check */
    tt_thread_t *other = tt_thread(50, 0, 0); /* has its own SC, not started */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                         CAPS(SELF_TCB, other->sc, ntfn)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(other->tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                         CAPS(SELF_TCB, sc, ntfn)), PN_ILLEGAL_OPERATION);
    /* null SC on the caller itself */
    EXPECT_ERROR(tt_call(SELF_TCB, PN_TCB_SET_SCHED_PARAMS, WORDS(255, ROOT_PRIO),
                         CAPS(SELF_TCB, NULL_SLOT, NULL_SLOT)), PN_ILLEGAL_OPERATION);
    /* success: MCP, priority, SC and handler set (the MCP is seen through RangeError) */
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(77, 60), CAPS(SELF_TCB, sc, ep)));
    EXPECT_ERROR(tt_call(low, PN_TCB_SET_PRIORITY, WORDS(78), CAPS(tcb)), PN_RANGE_ERROR, 0, 77);
    /* the SC is now tcb's: binding it elsewhere fails; the same SC again is fine */
    EXPECT_ERROR(tt_call(low, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0), CAPS(SELF_TCB, sc, NULL_SLOT)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(77, 60),
                           CAPS(SELF_TCB, sc, NULL_SLOT)));
    /* a null SC unbinds: the SC can then go to another TCB */
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                           CAPS(SELF_TCB, NULL_SLOT, NULL_SLOT)));
    EXPECT_SUCCESS(tt_call(low, PN_TCB_SET_SCHED_PARAMS, WORDS(0, 0),
                           CAPS(SELF_TCB, sc, NULL_SLOT)));
}

/* A blocked target cannot get an SC that is not configured (not "released"). */
TEST(tcb_set_sched_params_blocked_target)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep;
    t->arg[1] = reply;
    tt_start(t, recv_forever);
    tt_settle(); /* t is blocked in Recv */
    MUST(pn_sched_context_unbind(t->sc));
    pn_cptr_t unconfigured = tt_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    EXPECT_ERROR(tt_call(t->tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(255, 50),
                         CAPS(SELF_TCB, unconfigured, NULL_SLOT)), PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(unconfigured, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(t->tcb)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(t->tcb, PN_TCB_SET_SCHED_PARAMS, WORDS(255, 50),
                           CAPS(SELF_TCB, t->sc, NULL_SLOT)));
    /* it still receives */
    pn_msg_t m = tt_msg(0, 1, 42, 0, 0, 0);
    pn_send(ep, &m);
    tt_settle();
    CHECK_LOG(42);
}

TEST(tcb_set_timeout_endpoint)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), ntfn = tt_new(PN_OBJ_NOTIFICATION, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS, NOCAPS),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS, CAPS(ntfn)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS,
                         CAPS(ep_with(ep, PN_RIGHT_WRITE))), PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS,
                         CAPS(ep_with(ep, PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY))),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS, CAPS(SELF_TCB)),
                 PN_INVALID_CAPABILITY, 1);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, WORDS(1, 2, 3), CAPS(ep)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS,
                           CAPS(ep_with(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY))));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NOWORDS, CAPS(NULL_SLOT)));
}

TEST(tcb_set_ipc_buffer_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t frame = tt_image_frame(page), dev = tt_device_frame();
    pn_word_t buf = (pn_word_t)page + 2048;
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(0), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, NOWORDS, CAPS(frame)),
                 PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf + 8), CAPS(tt_arena())),
                 PN_REVOKE_FIRST);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf + 8), CAPS(ep)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf + 8), CAPS(dev)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf + 8), CAPS(frame)),
                 PN_ALIGNMENT_ERROR);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf + 512), CAPS(frame)),
                 PN_ALIGNMENT_ERROR);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(buf), CAPS(frame)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(0), CAPS(ep)));
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_IPC_BUFFER, WORDS(0), CAPS(NULL_SLOT)));
}

static void wait_ntfn(tt_thread_t *t)
{
    t->out[0] = pn_ntfn_wait(t->arg[0]);
}

TEST(tcb_bind_notification_check_order)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0), tcb2 = tt_new(PN_OBJ_TCB, 0);
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), n2 = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t n_wo = tt_copy(n2, PN_RIGHT_WRITE | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(ep)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(NULL_SLOT)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n_wo)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_UNBIND_NOTIFICATION, NOWORDS, NOCAPS),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS,
                           CAPS(tt_copy(n, PN_RIGHT_READ))));
    /* already bound (the TCB, or the notification to another TCB) */
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n2)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(ep)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_ERROR(tt_call(tcb2, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n)),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_UNBIND_NOTIFICATION, NOWORDS, NOCAPS));
    EXPECT_ERROR(tt_call(tcb, PN_TCB_UNBIND_NOTIFICATION, NOWORDS, NOCAPS),
                 PN_ILLEGAL_OPERATION);
    EXPECT_SUCCESS(tt_call(tcb2, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n)));
    /* a notification with a waiting thread cannot be bound */
    tt_thread_t *w = tt_thread(50, 0, 0);
    w->arg[0] = n2;
    tt_start(w, wait_ntfn);
    tt_settle();
    EXPECT_ERROR(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n2)),
                 PN_ILLEGAL_OPERATION);
    pn_signal(n2);
    tt_settle();
    CHECK(w->done);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_BIND_NOTIFICATION, NOWORDS, CAPS(n2)));
}

static volatile pn_word_t tls_probe_word = 0x7153ba5e;

TEST(tcb_set_tls_base)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_TLS_BASE, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_TLS_BASE, WORDS(0x12345000), NOCAPS));
    pn_word_t r[PN_UC_COUNT];
    MUST(pn_tcb_read_registers(tcb, 0, PN_UC_COUNT, r));
    CHECK_EQ(r[PN_UC_FS_BASE], 0x12345000);
    /* on the caller itself: the new base is in use when the call returns */
    EXPECT_SUCCESS(tt_call(SELF_TCB, PN_TCB_SET_TLS_BASE, WORDS((pn_word_t)&tls_probe_word),
                           NOCAPS));
    pn_word_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
    MUST(pn_tcb_set_tls_base(SELF_TCB, 0));
    CHECK_EQ(v, 0x7153ba5e);
}

TEST(tcb_set_flags)
{
    pn_cptr_t tcb = tt_new(PN_OBJ_TCB, 0);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_FLAGS, NOWORDS, NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_ERROR(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(0), NOCAPS), PN_TRUNCATED_MESSAGE);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(0, 0), NOCAPS), 0);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(0, PN_TCB_FLAG_FPU_DISABLED), NOCAPS),
                   PN_TCB_FLAG_FPU_DISABLED);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(0, 0), NOCAPS),
                   PN_TCB_FLAG_FPU_DISABLED);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(PN_TCB_FLAG_FPU_DISABLED, 0), NOCAPS),
                   0);
    /* bits outside the valid mask (only fpuDisabled on x86) are not set */
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(0, ~0ul), NOCAPS),
                   PN_TCB_FLAG_FPU_DISABLED);
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(~0ul, 0), NOCAPS), 0);
    /* clear then set: set wins */
    EXPECT_SUCCESS(tt_call(tcb, PN_TCB_SET_FLAGS, WORDS(1, 1), NOCAPS), 1);
}

/* Suspend cancels a blocked receive; Resume restarts the syscall (semantics.md §7). */
TEST(tcb_suspend_and_resume_blocked_receiver)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep;
    t->arg[1] = reply;
    tt_start(t, recv_forever);
    tt_settle();
    EXPECT_ERROR(tt_call(t->tcb, PN_TCB_SUSPEND, WORDS(1, 2), CAPS(ep)), PN_NO_ERROR);
    pn_msg_t m = tt_msg(0, 1, 5, 0, 0, 0);
    pn_nb_send(ep, &m); /* no receiver any more: dropped */
    tt_settle();
    CHECK_LOG();
    EXPECT_SUCCESS(tt_call(t->tcb, PN_TCB_RESUME, NOWORDS, NOCAPS));
    tt_settle(); /* back in Recv */
    m = tt_msg(0, 1, 6, 0, 0, 0);
    pn_nb_send(ep, &m);
    tt_settle();
    CHECK_LOG(6);
    /* Resume of a thread that is blocked (not inactive) also restarts it */
    EXPECT_SUCCESS(tt_call(t->tcb, PN_TCB_RESUME, NOWORDS, NOCAPS));
    tt_settle();
    m = tt_msg(0, 1, 7, 0, 0, 0);
    pn_nb_send(ep, &m);
    tt_settle();
    CHECK_LOG(6, 7);
}

static void call_once(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(0, 1, t->arg[1], 0, 0, 0);
    pn_call(t->arg[0], &m);
    tt_log(100 + m.mr[0]);
}

/* Suspend of a thread waiting for a reply, then Resume: the Call is made again. */
TEST(tcb_suspend_and_resume_caller)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *t = tt_thread(50, 0, 0);
    t->arg[0] = ep;
    t->arg[1] = 9;
    tt_start(t, call_once);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply);
    CHECK_EQ(m.mr[0], 9);
    MUST(pn_tcb_suspend(t->tcb));
    /* the reply object no longer leads to t: replying does nothing */
    m = tt_msg(0, 1, 1, 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK_LOG();
    MUST(pn_tcb_resume(t->tcb));
    m = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(ep, &m, reply); /* the Call again */
    CHECK_EQ(m.mr[0], 9);
    m = tt_msg(0, 1, 2, 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK_LOG(102);
}
