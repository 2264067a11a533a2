/*
 * Isolation (issue 8, item 4): a thread holding no capabilities at all tries everything it
 * can and achieves nothing but errors and faults.
 *
 * Its CSpace is a 2-slot CNode with both slots null (the smallest CNode: size_bits 0 is
 * InvalidArgument), reached through a 63-bit guard of zeros, so cptrs 0 and 1 name a null
 * slot and every other cptr fails the guard.  It runs in the root task's address space
 * (address-space isolation is isolation_vspace.c), with an IPC buffer whose extra-cap
 * words name nothing, and a fault handler (an endpoint of the root task, copied into its
 * TCB; the thread itself cannot name it).  It makes every API syscall with cptrs 0, 1,
 * small, huge and odd ones, the debug calls that neither stop nor print, garbage syscall
 * numbers, and `int N` for every N.  After each fault the test checks the fault message
 * against faults.md and restarts the thread at the next probe; after each call that
 * returns it checks what the thread saw.  At the end nothing else in the system changed.
 */
#include "tthread.h"

struct iso_regs {
    pn_word_t rdx, rdi, rsi, r10, r8, r9, r15, r12, r13;
};
void iso_syscall(struct iso_regs *r);
extern char iso_syscall_insn[], iso_int_table[];

#define ISO_MAX 700
#define ISO_INT_RAX 0x123456ul
#define ISO_GUARD_BITS 63

enum iso_expect {
    X_RETURNS,      /* the call comes back */
    X_INVCAP_REPLY, /* Call on a null cap: InvalidCapability(0) */
    X_IDENT_ZERO,   /* DebugCapIdentify: 0 */
    X_CAPFAULT,     /* CapFault: addr, phase, lookup failure */
    X_UNKNOWN,      /* UnknownSyscall with this number */
    X_EXCEPTION,    /* UserException: vector, error code */
};

struct iso_probe {
    long sysno;       /* syscall number (for `int N`: -1000 - N, for the messages) */
    unsigned intn;    /* N + 1 for `int N`, 0 for a syscall */
    pn_word_t cptr, info, r12, r13;
    int expect;
    pn_word_t addr, phase, lookup; /* X_CAPFAULT */
    pn_word_t number;              /* X_UNKNOWN */
    pn_word_t vector, error;       /* X_EXCEPTION */
};

static struct iso_probe probes[ISO_MAX];
static unsigned nprobes;
static volatile unsigned iso_current;
static volatile pn_word_t iso_out[ISO_MAX][4]; /* rdi, rsi, r10 after the call; returned flag */

static int resolves(pn_word_t cptr)
{
    return cptr < 2; /* 63 guard bits of 0, then 1 bit of index */
}

static void capfault(struct iso_probe *p, pn_word_t addr, pn_word_t phase, int null_slot)
{
    p->expect = X_CAPFAULT;
    p->addr = addr;
    p->phase = phase;
    p->lookup = null_slot ? PN_LOOKUP_MISSING_CAP : PN_LOOKUP_GUARD_MISMATCH;
}

static void add_syscall(long sysno, pn_word_t cptr, pn_word_t ncaps)
{
    if (nprobes == ISO_MAX)
        FAIL("too many probes");
    struct iso_probe *p = &probes[nprobes++];
    memset(p, 0, sizeof *p);
    p->sysno = sysno;
    p->cptr = cptr;
    p->info = pn_msginfo(5, 0, ncaps, 2);
    p->r12 = cptr ^ 0x1000;
    p->r13 = ~cptr;
    switch (sysno) {
    case PN_SYS_CALL:
    case PN_SYS_SEND:
        /* the invoked cap is looked up first, then the extra caps (0, 1, 0x1234) */
        if (!resolves(cptr))
            capfault(p, cptr, 0, 0);
        else if (ncaps == 3)
            capfault(p, 0x1234, 0, 0);
        else
            p->expect = sysno == PN_SYS_CALL ? X_INVCAP_REPLY : X_RETURNS;
        break;
    case PN_SYS_NB_SEND:
    case PN_SYS_YIELD:
    case PN_SYS_SET_TLS_BASE:
        p->expect = X_RETURNS;
        break;
    case PN_SYS_DEBUG_CAP_IDENTIFY:
        p->expect = X_IDENT_ZERO;
        break;
    case PN_SYS_RECV: case PN_SYS_NB_RECV: case PN_SYS_WAIT: case PN_SYS_NB_WAIT:
    case PN_SYS_REPLY_RECV: case PN_SYS_NB_SEND_RECV: case PN_SYS_NB_SEND_WAIT:
        /* a first phase never faults; the receive phase finds nothing to receive on */
        capfault(p, cptr, 1, resolves(cptr));
        break;
    default:
        p->expect = X_UNKNOWN;
        p->number = (pn_word_t)sysno;
        break;
    }
}

static void add_int(unsigned n)
{
    struct iso_probe *p = &probes[nprobes++];
    memset(p, 0, sizeof *p);
    p->sysno = -1000 - (long)n;
    p->intn = n + 1;
    if (n == 255) {
        p->expect = X_RETURNS;
    } else if (n == 3) {
        p->expect = X_EXCEPTION;
        p->vector = 3;
        p->error = 0;
    } else if (n >= 158) {
        p->expect = X_UNKNOWN;
        p->number = (pn_word_t)n << 24 | ISO_INT_RAX;
    } else {
        p->expect = X_EXCEPTION;
        p->vector = 13;
        p->error = n * 8 + 2;
    }
}

static void capless_main(tt_thread_t *t)
{
    for (unsigned k = (unsigned)t->arg[0]; k < nprobes; k++) {
        iso_current = k;
        const struct iso_probe *p = &probes[k];
        if (p->intn) {
            ((void (*)(void))(iso_int_table + 16 * (p->intn - 1)))();
        } else {
            struct iso_regs r = {(pn_word_t)p->sysno, p->cptr, p->info, 0x1111, 0x2222, 0x3333,
                                 0x4444, p->r12, p->r13};
            iso_syscall(&r);
            iso_out[k][0] = r.rdi;
            iso_out[k][1] = r.rsi;
            iso_out[k][2] = r.r10;
        }
        iso_out[k][3] = 1;
    }
    iso_current = nprobes;
    for (;;)
        __asm__ volatile("ud2");
}

static pn_word_t count_root_caps(void)
{
    pn_word_t n = 0;
    for (pn_word_t s = 0; s < (1ul << pn_bootinfo->init_thread_cnode_size_bits); s++)
        n += pn_debug_cap_identify(s) != PN_CAP_NULL;
    return n;
}

static void check_fault(unsigned k, pn_word_t badge, const pn_msg_t *m,
                        const pn_ipc_buffer_t *ipc)
{
    const struct iso_probe *p = &probes[k];
    pn_word_t label = pn_msginfo_label(m->info), len = pn_msginfo_length(m->info);
    pn_word_t mr[20];
    for (unsigned i = 0; i < 20; i++)
        mr[i] = i < 4 ? m->mr[i] : ipc->msg[i];
    CHECK_EQ(badge, 0x15);
    switch (p->expect) {
    case X_CAPFAULT: {
        if (label != PN_FAULT_CAP)
            FAIL("probe %u (syscall %ld, cptr 0x%lx): expected a cap fault, got label %lu", k,
                 p->sysno, p->cptr, label);
        CHECK_EQ(mr[0], (pn_word_t)iso_syscall_insn);
        CHECK_EQ(mr[1], p->addr);
        CHECK_EQ(mr[2], p->phase);
        CHECK_EQ(mr[3], p->lookup);
        if (p->lookup == PN_LOOKUP_MISSING_CAP) {
            CHECK_EQ(len, 5);
            CHECK_EQ(mr[4], 0);
        } else {
            /* the guard of the only level: 64 bits left, guard 0 of 63 bits */
            CHECK_EQ(len, 7);
            CHECK_EQ(mr[4], 64);
            CHECK_EQ(mr[5], 0);
            CHECK_EQ(mr[6], ISO_GUARD_BITS);
        }
        break;
    }
    case X_UNKNOWN:
        if (label != PN_FAULT_UNKNOWN_SYSCALL)
            FAIL("probe %u (syscall %ld): expected UnknownSyscall, got label %lu", k, p->sysno,
                 label);
        CHECK_EQ(len, PN_UNKNOWN_SYSCALL_LENGTH);
        CHECK_EQ(mr[18], p->number);
        if (!p->intn) {
            CHECK_EQ(mr[15], (pn_word_t)iso_syscall_insn);
            CHECK_EQ(mr[3], p->number); /* RDX */
            CHECK_EQ(mr[5], p->cptr);   /* RDI */
        } else {
            CHECK_EQ(mr[15], (pn_word_t)iso_int_table + 16 * (pn_word_t)(p->intn - 1) + 5);
        }
        break;
    case X_EXCEPTION:
        if (label != PN_FAULT_USER_EXCEPTION)
            FAIL("probe %u (int %ld): expected UserException, got label %lu", k,
                 -1000 - p->sysno, label);
        if (len != PN_USER_EXCEPTION_LENGTH || mr[3] != p->vector)
            FAIL("int %u: expected UserException vector %lu error %lu, got length %lu, IP 0x%lx "
                 "(table + 0x%lx), vector %lu, error %lu",
                 p->intn - 1, p->vector, p->error, len, mr[0],
                 mr[0] - (pn_word_t)iso_int_table, mr[3], mr[4]);
        if (p->vector == 13)
            CHECK_EQ(mr[0], (pn_word_t)iso_int_table + 16 * (pn_word_t)(p->intn - 1) + 5);
        break;
    default:
        FAIL("probe %u (syscall %ld, cptr 0x%lx): expected it to return, got fault label %lu "
             "(MR0..3 0x%lx 0x%lx 0x%lx 0x%lx)",
             k, p->sysno, p->cptr, label, mr[0], mr[1], mr[2], mr[3]);
    }
}

TEST(isolation_capless_thread_achieves_nothing)
{
    /* the world it must not change */
    pn_cptr_t ntfn = tt_new(PN_OBJ_NOTIFICATION, 0), ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t fault_ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t handler = tt_mint(fault_ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x15);
    pn_cptr_t empty = tt_new(PN_OBJ_CNODE, 1);

    /* the probes */
    nprobes = 0;
    static const pn_word_t cptrs[] = {0, 1, 2, 3, 0x10, 0xfff, 1ul << 32, 1ul << 63, ~0ul,
                                      0x5a5a5a5a5a5a5a5aul};
    for (long s = PN_SYS_CALL; s >= PN_SYS_YIELD; s--)
        for (unsigned i = 0; i < PN_ARRAY_SIZE(cptrs); i++)
            add_syscall(s, cptrs[i], 0);
    for (long s = PN_SYS_CALL; s >= PN_SYS_YIELD; s--)
        add_syscall(s, 0, 3); /* extra caps 0, 1, 0x1234 in the IPC buffer */
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cptrs); i++)
        add_syscall(PN_SYS_DEBUG_CAP_IDENTIFY, cptrs[i], 0);
    add_syscall(PN_SYS_SET_TLS_BASE, 0x1234000, 0);
    /* every number that is neither an API syscall nor a debug call of this build
     * (DebugPutChar, DumpScheduler, Halt, Snapshot, NameThread print or stop the machine;
     * -64/-65 are Pecan's own debug calls, present in some builds only) */
    static const long garbage[] = {0, 1, 2, 5, 11, 100, 1000, -18, -19, -20, -21, -22, -23,
                                   -24, -25, -26, -27, -28, -29, -30, -31, -32, -34, -35, -63,
                                   -66, -100, -999, (long)(1ul << 40), (long)(1ul << 63),
                                   0x7fffffffffffffffl, 0x12345678};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(garbage); i++)
        add_syscall(garbage[i], 0, 0);
    for (unsigned n = 0; n < 256; n++)
        add_int(n);

    /* the thread: no caps (CSpace = the empty CNode behind a 63-bit guard) */
    tt_thread_t *t = tt_thread(100, handler, 0);
    pn_word_t caps_before = count_root_caps();
    MUST(pn_tcb_configure(t->tcb, empty, pn_cnode_guard_data(0, ISO_GUARD_BITS), ROOT_VSPACE, 0,
                          (pn_word_t)t->ipc, tt_image_frame(t->ipc)));
    t->ipc->caps_or_badges[0] = 0;
    t->ipc->caps_or_badges[1] = 1;
    t->ipc->caps_or_badges[2] = 0x1234;
    t->ipc->receive_cnode = 1;
    t->ipc->receive_index = 0;
    t->ipc->receive_depth = 64;
    for (unsigned k = 0; k < nprobes; k++)
        iso_out[k][3] = 0;

    unsigned next = 0, faults = 0;
    for (;;) {
        t->arg[0] = next;
        tt_start(t, capless_main);
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_word_t badge = pn_recv(fault_ep, &m, reply);
        unsigned k = iso_current;
        if (k >= nprobes) {
            /* the final ud2 */
            CHECK_EQ(pn_msginfo_label(m.info), PN_FAULT_USER_EXCEPTION);
            CHECK_EQ(m.mr[3], 6);
            break;
        }
        if (iso_out[k][3])
            FAIL("probe %u returned and then faulted", k);
        check_fault(k, badge, &m, pn_ipc);
        faults++;
        next = k + 1;
    }
    MUST(pn_tcb_suspend(t->tcb));

    /* what the calls that came back returned */
    for (unsigned k = 0; k < nprobes; k++) {
        const struct iso_probe *p = &probes[k];
        int faulting = p->expect == X_CAPFAULT || p->expect == X_UNKNOWN ||
                       p->expect == X_EXCEPTION;
        if (faulting)
            continue;
        if (!iso_out[k][3])
            FAIL("probe %u (syscall %ld, cptr 0x%lx) neither returned nor faulted", k, p->sysno,
                 p->cptr);
        if (p->expect == X_INVCAP_REPLY) {
            CHECK_EQ(iso_out[k][1], pn_msginfo(PN_INVALID_CAPABILITY, 0, 0, 1));
            CHECK_EQ(iso_out[k][2], 0);
            CHECK_EQ(iso_out[k][0], 0);
        } else if (p->expect == X_IDENT_ZERO) {
            CHECK_EQ(iso_out[k][0], PN_CAP_NULL);
        }
    }
    CHECK_CMP(faults, >, 300);

    /* nothing changed: the notification is not signalled, nobody sends on the endpoint, the
     * root CNode holds the same caps, the thread's CNode is still empty */
    CHECK_EQ(pn_ntfn_poll(ntfn), 0);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(ep, &m, reply), 0);
    CHECK_EQ(count_root_caps(), caps_before);
    for (pn_word_t i = 0; i < 2; i++) {
        pn_cptr_t s = tt_slot();
        tt_reply_t r = tt_call(ROOT_CNODE, PN_CNODE_MOVE, WORDS(s, 64, i, 1), CAPS(empty));
        EXPECT_ERROR(r, PN_FAILED_LOOKUP, 1, PN_LOOKUP_MISSING_CAP, 1);
    }
}
