/* Issue "Boot": the syscall interface basics (syscalls.md §2, §4; invocations.md §1).
 * These stay true forever: unknown labels, null caps, register preservation. */
#include "test.h"

#define UNKNOWN_LABEL 0x7ff /* no object has a method with this label */

void regs_probe(long number, pn_word_t rdi, pn_word_t rsi, pn_word_t out[PN_UC_COUNT]);

static const struct {
    int index;
    const char *name;
    pn_word_t value;
} probe_values[] = {
    {PN_UC_RAX, "rax", 0xa0a0a0a0a0a0a0a0ul}, {PN_UC_RBP, "rbp", 0xb0b0b0b0b0b0b0b0ul},
    {PN_UC_R8, "r8", 0x0808080808080808ul},   {PN_UC_R9, "r9", 0x0909090909090909ul},
    {PN_UC_R10, "r10", 0x1010101010101010ul}, {PN_UC_R12, "r12", 0x1212121212121212ul},
    {PN_UC_R13, "r13", 0x1313131313131313ul}, {PN_UC_R14, "r14", 0x1414141414141414ul},
    {PN_UC_R15, "r15", 0x1515151515151515ul},
};

/* Checks that the probe's registers came back unchanged; `skip_mrs` leaves out the
 * message registers (r10, r8, r9, r15), which a reply may carry. */
static void check_preserved(const pn_word_t *out, int skip_mrs)
{
    for (unsigned i = 0; i < PN_ARRAY_SIZE(probe_values); i++) {
        int idx = probe_values[i].index;
        if (skip_mrs && (idx == PN_UC_R8 || idx == PN_UC_R9 || idx == PN_UC_R10 ||
                         idx == PN_UC_R15))
            continue;
        if (out[idx] != probe_values[i].value)
            FAIL("%s not preserved: expected 0x%lx, got 0x%lx", probe_values[i].name,
                 probe_values[i].value, out[idx]);
    }
}

/* Call `cap` with a label and no arguments; returns the reply info, badge in *badge. */
static pn_word_t call_label(pn_cptr_t cap, pn_word_t label, pn_msg_t *m, pn_word_t *badge)
{
    m->info = pn_msginfo(label, 0, 0, 0);
    m->mr[0] = m->mr[1] = m->mr[2] = m->mr[3] = 0x5555;
    *badge = pn_call(cap, m);
    return m->info;
}

static void check_illegal_operation(pn_cptr_t cap)
{
    pn_msg_t m;
    pn_word_t badge;
    pn_word_t info = call_label(cap, UNKNOWN_LABEL, &m, &badge);
    CHECK_EQ(pn_msginfo_label(info), PN_ILLEGAL_OPERATION);
    CHECK_EQ(pn_msginfo_length(info), 0);
    CHECK_EQ(pn_msginfo_extra_caps(info), 0);
    CHECK_EQ(pn_msginfo_unwrapped(info), 0);
    CHECK_EQ(badge, 0);
}

static void check_invalid_capability(pn_cptr_t cap)
{
    pn_msg_t m;
    pn_word_t badge;
    pn_word_t info = call_label(cap, UNKNOWN_LABEL, &m, &badge);
    CHECK_EQ(pn_msginfo_label(info), PN_INVALID_CAPABILITY);
    CHECK_EQ(pn_msginfo_length(info), 1);
    CHECK_EQ(pn_msginfo_extra_caps(info), 0);
    CHECK_EQ(m.mr[0], 0); /* the invoked cap itself */
    CHECK_EQ(badge, 0);
}

TEST(invoke_unknown_label_tcb)
{
    check_illegal_operation(PN_CAP_SLOT_INIT_TCB);
}

TEST(invoke_unknown_label_cnode)
{
    check_illegal_operation(PN_CAP_SLOT_INIT_CNODE);
}

TEST(invoke_unknown_label_short_message)
{
    /* the label is decoded before the length: IllegalOperation even with args missing */
    pn_word_t info = pn_invoke(PN_CAP_SLOT_INIT_TCB, UNKNOWN_LABEL, NULL, 0, NULL, 0, NULL, 0);
    CHECK_EQ(pn_msginfo_label(info), PN_ILLEGAL_OPERATION);
    info = pn_invoke(PN_CAP_SLOT_INIT_CNODE, PN_INVALID_INVOCATION, NULL, 0, NULL, 0, NULL, 0);
    CHECK_EQ(pn_msginfo_label(info), PN_ILLEGAL_OPERATION);
}

TEST(invoke_null_cap)
{
    check_invalid_capability(PN_CAP_SLOT_NULL);
}

TEST(invoke_empty_slot)
{
    check_invalid_capability(pn_bootinfo->empty.start);
    check_invalid_capability(pn_bootinfo->empty.end - 1);
}

TEST(invoke_with_pn_invoke)
{
    /* the library path: result words come back through pn_invoke */
    pn_word_t results[4] = {~0ul, ~0ul, ~0ul, ~0ul};
    pn_word_t info = pn_invoke(pn_bootinfo->empty.start, PN_TCB_SET_PRIORITY, NULL, 0, NULL,
                               0, results, 4);
    CHECK_EQ(pn_msginfo_label(info), PN_INVALID_CAPABILITY);
    CHECK_EQ(pn_msginfo_length(info), 1);
    CHECK_EQ(results[0], 0);
    CHECK_EQ(results[1], ~0ul);
}

TEST(syscall_preserves_registers_debug)
{
    pn_word_t out[PN_UC_COUNT] = {0};
    pn_word_t info = pn_msginfo(0x123, 0, 0, 3);
    regs_probe(PN_SYS_DEBUG_CAP_IDENTIFY, PN_CAP_SLOT_INIT_CNODE, info, out);
    CHECK_EQ(out[PN_UC_RDI], PN_CAP_CNODE);
    CHECK_EQ(out[PN_UC_RSI], info);
    CHECK_EQ(out[PN_UC_RDX], (pn_word_t)PN_SYS_DEBUG_CAP_IDENTIFY);
    check_preserved(out, 0);
}

TEST(syscall_preserves_registers_call)
{
    pn_word_t out[PN_UC_COUNT] = {0};
    regs_probe(PN_SYS_CALL, PN_CAP_SLOT_INIT_TCB, pn_msginfo(UNKNOWN_LABEL, 0, 0, 0), out);
    CHECK_EQ(out[PN_UC_RSI], pn_msginfo(PN_ILLEGAL_OPERATION, 0, 0, 0));
    CHECK_EQ(out[PN_UC_RDI], 0);
    CHECK_EQ(out[PN_UC_RDX], (pn_word_t)PN_SYS_CALL);
    check_preserved(out, 1);
}

TEST(debug_name_thread)
{
    /* returns normally for a TCB cap and a NUL-terminated name (syscalls.md §4) */
    pn_debug_name_thread(PN_CAP_SLOT_INIT_TCB, "pecan-tests");
    CHECK_CAP_TYPE(PN_CAP_SLOT_INIT_TCB, PN_CAP_THREAD);
}

static pn_word_t read_fs0(void)
{
    pn_word_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v) : : "memory");
    return v;
}

TEST(set_tls_base)
{
    static volatile pn_word_t first = 0x7e57f5ba5e000001ul, second = 0x7e57f5ba5e000002ul;
    pn_set_tls_base((pn_word_t)&first);
    CHECK_EQ(read_fs0(), first);
    pn_set_tls_base((pn_word_t)&second);
    CHECK_EQ(read_fs0(), second);
    /* the FS base survives other kernel entries */
    CHECK_EQ(pn_debug_cap_identify(PN_CAP_SLOT_INIT_TCB), PN_CAP_THREAD);
    CHECK_EQ(read_fs0(), second);
    pn_word_t badge;
    pn_msg_t m;
    call_label(PN_CAP_SLOT_INIT_TCB, UNKNOWN_LABEL, &m, &badge);
    CHECK_EQ(read_fs0(), second);
    pn_set_tls_base(0);
}
