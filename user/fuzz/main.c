/*
 * The hostile-syscall fuzzer's root task (issue 8, item 2; docs/fuzzing.md).
 *
 * The root task never makes a random call itself: it builds a world of kernel objects,
 * starts FZ_THREADS fuzz threads in FZ_SPACES address spaces of their own (thread.c), and
 * supervises them:
 *  - every fuzz thread's fault handler is a badged copy of the root's endpoint: the root
 *    counts each fault and restarts the thread at its entry (an UnknownSyscall is sometimes
 *    answered instead, with the thread resumed after its `syscall`);
 *  - a ticker thread (priority 254, a periodic scheduling context) signals the root every
 *    5 ms of (virtual) time; a thread that started no call for two ticks is blocked or
 *    spinning: the root repairs it (scheduling context, CSpace, VSpace, IPC buffer, fault
 *    handler, flags) and restarts it;
 *  - every FZ_EPOCH_CALLS calls (or when no thread can make progress) the world is torn
 *    down (the root revokes its untyped) and built afresh.
 * When the run's count of calls is reached the root prints the summary and halts.
 *
 * Memory: the root's own objects come from untyped P (kept for the whole run), the world's
 * from untyped W (revoked after each epoch).  The global page and the threads' context
 * areas are P frames, mapped in the root's address space (FZ_VIEW) and, through copies of
 * their caps revoked at each epoch's end, in the threads'.
 */
#include "fuzz.h"
#include <pecan/objects.h>

#define ROOT_CNODE ((pn_cptr_t)PN_CAP_SLOT_INIT_CNODE)
#define ROOT_TCB ((pn_cptr_t)PN_CAP_SLOT_INIT_TCB)
#define ROOT_VSPACE ((pn_cptr_t)PN_CAP_SLOT_INIT_VSPACE)

#define P_BITS 21
#define W_BITS 23
#define WINDOW_SLOTS 1536
#define FZ_VIEW 0x30000000ul             /* the root's view of the global page and contexts */
#define VIEW_CTX(i) (FZ_VIEW + 0x10000ul * ((pn_word_t)(i) + 1))
#define TICK_BADGE (1ul << 40)
#define TICK_US 2000
#define EPOCH_CALLS_DEFAULT 4000
#define EPOCH_MAX_TICKS 400
#define STUCK_TICKS 2
#define FAULT_STREAK_REPAIR 40
#define MAX_REPAIRS 6
#define THREAD_BUDGET_US 2000

extern char __pn_rodata_end[];

#define W(...) (const pn_word_t[]){__VA_ARGS__}, \
               (unsigned)(sizeof((const pn_word_t[]){__VA_ARGS__}) / sizeof(pn_word_t))
#define C(...) (const pn_cptr_t[]){__VA_ARGS__}, \
               (unsigned)(sizeof((const pn_cptr_t[]){__VA_ARGS__}) / sizeof(pn_cptr_t))
#define NO_WORDS NULL, 0u
#define NO_CAPS NULL, 0u

static const char *const error_names[] = {
    "NoError", "InvalidArgument", "InvalidCapability", "IllegalOperation", "RangeError",
    "AlignmentError", "FailedLookup", "TruncatedMessage", "DeleteFirst", "RevokeFirst",
    "NotEnoughMemory", "other-label", "no-reply",
};

static const char *const label_names[FZ_LABELS] = {
    "InvalidInvocation", "UntypedRetype", "TCBReadRegisters", "TCBWriteRegisters",
    "TCBCopyRegisters", "TCBConfigure", "TCBSetPriority", "TCBSetMCPriority",
    "TCBSetSchedParams", "TCBSetTimeoutEndpoint", "TCBSetIPCBuffer", "TCBSetSpace",
    "TCBSuspend", "TCBResume", "TCBBindNotification", "TCBUnbindNotification",
    "TCBSetTLSBase", "TCBSetFlags", "CNodeRevoke", "CNodeDelete", "CNodeCancelBadgedSends",
    "CNodeCopy", "CNodeMint", "CNodeMove", "CNodeMutate", "CNodeRotate",
    "IRQIssueIRQHandler", "IRQAckIRQ", "IRQSetIRQHandler", "IRQClearIRQHandler",
    "DomainSetSet", "DomainScheduleConfigure", "DomainScheduleSetStart",
    "SchedControlConfigureFlags", "SchedContextBind", "SchedContextUnbind",
    "SchedContextUnbindObject", "SchedContextConsumed", "SchedContextYieldTo", "X86PDPTMap",
    "X86PDPTUnmap", "X86PageDirectoryMap", "X86PageDirectoryUnmap", "X86PageTableMap",
    "X86PageTableUnmap", "X86PageMap", "X86PageUnmap", "X86PageGetAddress",
    "X86ASIDControlMakePool", "X86ASIDPoolAssign", "X86IOPortControlIssue", "X86IOPortIn8",
    "X86IOPortIn16", "X86IOPortIn32", "X86IOPortOut8", "X86IOPortOut16", "X86IOPortOut32",
    "X86IRQIssueIRQHandlerIOAPIC", "X86IRQIssueIRQHandlerMSI", "(garbage label)",
};

static const char *const kind_names[FZ_K_COUNT] = {
    "Call", "ReplyRecv", "NBSendRecv", "NBSendWait", "Send", "NBSend", "Recv", "NBRecv",
    "Wait", "NBWait", "Yield", "debug", "garbage-syscall", "instruction",
};

/* ---- invocations from the root ---- */

static pn_word_t inv_res[4];
static unsigned build_errors;

static pn_word_t inv(pn_cptr_t cap, pn_word_t label, const pn_word_t *w, unsigned nw,
                     const pn_cptr_t *c, unsigned nc)
{
    inv_res[0] = inv_res[1] = inv_res[2] = inv_res[3] = 0;
    return pn_msginfo_label(pn_invoke(cap, label, w, nw, c, nc, inv_res, 4));
}

/* A world-building step that should succeed; failures are counted and shown (the first
 * few), never fatal: the fuzz threads may have changed things. */
static pn_word_t want(pn_word_t err, const char *what)
{
    if (err) {
        if (build_errors < 20)
            pn_printf("FUZZ note: %s: error %s (%lu) [%lu %lu %lu]\n", what,
                      err < 11 ? error_names[err] : "?", err, inv_res[0], inv_res[1],
                      inv_res[2]);
        build_errors++;
    }
    return err;
}

/* ---- PRNG (root side: splitmix64 for seeds, xorshift for decisions) ---- */

static pn_word_t splitmix(pn_word_t x)
{
    x += 0x9e3779b97f4a7c15ul;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ul;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebul;
    return x ^ (x >> 31);
}

static pn_word_t root_rng;
static pn_word_t rrand(void)
{
    root_rng ^= root_rng << 13;
    root_rng ^= root_rng >> 7;
    root_rng ^= root_rng << 17;
    return root_rng;
}

/* ---- slots and objects ---- */

static pn_cptr_t persist_next, persist_end, window_start, window_next, window_end;

static pn_cptr_t persist_slot(void)
{
    if (persist_next >= persist_end) {
        pn_printf("FUZZ error: out of persistent slots\n");
        pn_debug_halt();
    }
    return persist_next++;
}

static pn_cptr_t window_slot(void)
{
    if (window_next >= window_end) {
        pn_printf("FUZZ error: out of window slots\n");
        pn_debug_halt();
    }
    return window_next++;
}

static pn_cptr_t retype(pn_cptr_t untyped, pn_word_t type, pn_word_t bits, pn_cptr_t slot)
{
    if (want(inv(untyped, PN_UNTYPED_RETYPE, W(type, bits, 0, 0, slot, 1), C(ROOT_CNODE)),
             "Retype"))
        return 0;
    return slot;
}

static pn_cptr_t P, Wut;       /* the root's and the world's untyped */
#define NEW_P(type, bits) retype(P, (type), (bits), persist_slot())
#define NEW_W(type, bits) retype(Wut, (type), (bits), window_slot())

static pn_cptr_t copy_w(pn_cptr_t src, pn_word_t rights, pn_word_t badge)
{
    pn_cptr_t s = window_slot();
    if (badge)
        want(inv(ROOT_CNODE, PN_CNODE_MINT, W(s, 64, src, 64, rights, badge), C(ROOT_CNODE)),
             "Mint");
    else
        want(inv(ROOT_CNODE, PN_CNODE_COPY, W(s, 64, src, 64, rights), C(ROOT_CNODE)), "Copy");
    return s;
}

/* Maps `frame` at vaddr in `pml4`, making missing paging structures from `ut`. */
static void map(pn_cptr_t frame, pn_cptr_t pml4, pn_word_t vaddr, pn_word_t rights,
                pn_cptr_t ut)
{
    for (int tries = 0; tries < 4; tries++) {
        pn_word_t err = inv(frame, PN_X86_PAGE_MAP, W(vaddr, rights, PN_X86_WRITE_BACK),
                            C(pml4));
        if (err != PN_FAILED_LOOKUP) {
            want(err, "Page_Map");
            return;
        }
        pn_word_t type, label;
        switch (inv_res[2]) {
        case 39: type = PN_OBJ_X86_PDPT, label = PN_X86_PDPT_MAP; break;
        case 30: type = PN_OBJ_X86_PAGE_DIRECTORY, label = PN_X86_PAGE_DIRECTORY_MAP; break;
        case 21: type = PN_OBJ_X86_PAGE_TABLE, label = PN_X86_PAGE_TABLE_MAP; break;
        default: want(err, "Page_Map"); return;
        }
        pn_cptr_t s = ut == P ? NEW_P(type, 0) : NEW_W(type, 0);
        if (!s || want(inv(s, label, W(vaddr, PN_X86_WRITE_BACK), C(pml4)), "paging map"))
            return;
    }
}

/* ---- the root's persistent objects ---- */

static pn_cptr_t fault_ep, root_reply, tick_ntfn, ticker_tick_cap, global_frame;
static pn_cptr_t ctx_frames[FZ_THREADS][FZ_CTX_PAGES];
static struct fz_global *g;
static struct fz_ctx *ctxv[FZ_THREADS];
static int have_irq_control = 1;
static pn_word_t irq_control_slot;

static pn_ipc_buffer_t ticker_ipc __attribute__((aligned(4096)));
static char ticker_stack[8192] __attribute__((aligned(16)));

static void ticker(void)
{
    for (;;) {
        pn_yield();
        pn_signal(ticker_tick_cap);
    }
}

static pn_cptr_t image_frame(pn_word_t va)
{
    return pn_bootinfo->user_image_frames.start +
           (va - (pn_word_t)__pn_image_start) / PN_PAGE_SIZE;
}

static void doing(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pn_vsnprintf(g->root_doing, sizeof g->root_doing, fmt, ap);
    va_end(ap);
}

/* Picks P and W out of the bootinfo's RAM untypeds, and a device untyped far from any
 * device (for the fuzzers' device frames). */
static pn_cptr_t device_source;
static int setup_memory(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_cptr_t big = 0;
    unsigned big_bits = 0;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (!d->is_device && d->size_bits > big_bits && d->size_bits <= 40) {
            big_bits = d->size_bits;
            big = bi->untyped.start + k;
        }
        if (d->is_device && d->paddr >= (1ul << 36) && d->size_bits >= 16 && !device_source)
            device_source = bi->untyped.start + k;
    }
    if (big_bits < W_BITS + 1)
        return 0;
    P = retype(big, PN_OBJ_UNTYPED, P_BITS, persist_slot());
    Wut = retype(big, PN_OBJ_UNTYPED, W_BITS, persist_slot());
    return P && Wut;
}

static int setup_root(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    fault_ep = NEW_P(PN_OBJ_ENDPOINT, 0);
    root_reply = NEW_P(PN_OBJ_REPLY, 0);
    tick_ntfn = NEW_P(PN_OBJ_NOTIFICATION, 0);
    if (!fault_ep || !root_reply || !tick_ntfn)
        return 0;
    ticker_tick_cap = persist_slot();
    if (want(inv(ROOT_CNODE, PN_CNODE_MINT,
                 W(ticker_tick_cap, 64, tick_ntfn, 64, PN_RIGHTS_ALL, TICK_BADGE),
                 C(ROOT_CNODE)), "Mint tick"))
        return 0;
    if (want(pn_tcb_bind_notification(ROOT_TCB, tick_ntfn), "BindNotification"))
        return 0;

    /* the global page and the context areas, mapped in the root's view */
    global_frame = NEW_P(PN_OBJ_X86_4K, 0);
    if (!global_frame)
        return 0;
    map(global_frame, ROOT_VSPACE, FZ_VIEW, PN_RIGHTS_RW, P);
    g = (struct fz_global *)FZ_VIEW;
    memset(g, 0, sizeof *g);
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        for (unsigned p = 0; p < FZ_CTX_PAGES; p++) {
            ctx_frames[i][p] = NEW_P(PN_OBJ_X86_4K, 0);
            if (!ctx_frames[i][p])
                return 0;
            map(ctx_frames[i][p], ROOT_VSPACE, VIEW_CTX(i) + p * PN_PAGE_SIZE, PN_RIGHTS_RW, P);
        }
        ctxv[i] = (struct fz_ctx *)VIEW_CTX(i);
        memset(ctxv[i], 0, sizeof *ctxv[i]);
    }

    /* the ticker: root's CSpace and VSpace, priority 254, 100 us every TICK_US */
    pn_cptr_t tcb = NEW_P(PN_OBJ_TCB, 0), sc = NEW_P(PN_OBJ_SCHED_CONTEXT, 8);
    if (!tcb || !sc)
        return 0;
    if (want(pn_sched_control_configure_flags(bi->sched_control.start, sc, 100, TICK_US, 0, 0,
                                              0), "ticker SC") ||
        want(pn_tcb_configure(tcb, ROOT_CNODE, 0, ROOT_VSPACE, 0, (pn_word_t)&ticker_ipc,
                              image_frame((pn_word_t)&ticker_ipc)), "ticker Configure") ||
        want(pn_tcb_set_sched_params(tcb, ROOT_TCB, FZ_TICKER_PRIO, FZ_TICKER_PRIO, sc, 0),
             "ticker SetSchedParams"))
        return 0;
    pn_word_t regs[3] = {(pn_word_t)ticker, (pn_word_t)&ticker_stack[sizeof ticker_stack] - 8,
                         0x202};
    if (want(pn_tcb_write_registers(tcb, 1, 3, regs), "ticker start"))
        return 0;
    return 1;
}

/* ---- the world ---- */

struct fthread {
    pn_cptr_t tcb, sc, pml4, ipc_frame, l1, priv, fault_cap;
    pn_word_t prio, budget;
    pn_word_t last_started, stuck, streak, repairs, dead;
};
static struct fthread th[FZ_THREADS];
static pn_cptr_t shared_l2, spaces[FZ_SPACES];
static unsigned space_of[FZ_THREADS] = {0, 0, 1, 2};

/* totals over the run */
static pn_word_t faults[8], restarts, repairs, replies, deaths, epochs, stuck_cancels;

static void give(struct fz_ctx *c, pn_word_t cptr, pn_word_t type)
{
    if (c->nknown < FZ_KNOWN)
        c->known[c->nknown++] = (struct fz_known){cptr, type};
}

/* Copies (or mints) root slot `src` into slot `index` of the level-2 CNode `l2`
 * (addressed with depth FZ_L2_BITS). */
static pn_word_t put(pn_cptr_t l2, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                     pn_word_t badge, const char *what)
{
    if (badge)
        return want(inv(l2, PN_CNODE_MINT, W(index, FZ_L2_BITS, src, 64, rights, badge),
                        C(ROOT_CNODE)), what);
    return want(inv(l2, PN_CNODE_COPY, W(index, FZ_L2_BITS, src, 64, rights), C(ROOT_CNODE)),
                what);
}

/* shared slot numbers and what is in them */
struct shared_item {
    pn_word_t slot, type;
};
static struct shared_item shared_items[128];
static unsigned n_shared;

static void shared_put(pn_cptr_t src, pn_word_t rights, pn_word_t badge, pn_word_t type)
{
    pn_word_t slot = 1 + n_shared;
    if (slot >= FZ_SHARED_FREE || n_shared >= PN_ARRAY_SIZE(shared_items))
        return;
    char what[48];
    pn_snprintf(what, sizeof what, "shared put (cap type %lu)", FZ_TYPE(type));
    if (!src || put(shared_l2, slot, src, rights, badge, what))
        return;
    shared_items[n_shared++] = (struct shared_item){slot, type};
}

static pn_word_t objs_mark_shared(pn_word_t type)
{
    /* a slot for an object the root places into the shared CNode itself (IRQ handler,
     * IO ports, ASID pool): returns the index, recorded as taken */
    pn_word_t slot = 1 + n_shared;
    if (slot >= FZ_SHARED_FREE)
        return 0;
    shared_items[n_shared++] = (struct shared_item){slot, type};
    return slot;
}

/* A new object straight into the shared CNode (unmapped paging structures cannot be
 * copied). */
static void shared_new(pn_word_t type, pn_word_t bits, pn_word_t cap_type)
{
    pn_word_t slot = objs_mark_shared(cap_type);
    if (slot)
        want(inv(Wut, PN_UNTYPED_RETYPE, W(type, bits, 0, 0, slot, 1), C(shared_l2)),
             "Retype into the shared CNode");
}

static void build_world(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    window_next = window_start;
    n_shared = 0;
    doing("building world %lu", epochs);

    /* address spaces: PML4 with an ASID, the root's code read-only, the global page */
    for (unsigned s = 0; s < FZ_SPACES; s++) {
        spaces[s] = NEW_W(PN_OBJ_X64_PML4, 0);
        want(inv(PN_CAP_SLOT_INIT_ASID_POOL, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(spaces[s])),
             "ASIDPool_Assign");
        for (pn_word_t va = (pn_word_t)__pn_image_start; va < (pn_word_t)__pn_rodata_end;
             va += PN_PAGE_SIZE)
            map(copy_w(image_frame(va), PN_RIGHT_READ, 0), spaces[s], va, PN_RIGHT_READ, Wut);
        map(copy_w(global_frame, PN_RIGHTS_RW, 0), spaces[s], FZ_GLOBAL_VADDR, PN_RIGHTS_RW,
            Wut);
        /* paging structures where the threads' mappings mostly go: a page table for the
         * first 2 MiB of FZ_PLAY_HIGH, a page directory at FZ_PLAY_LOW */
        pn_cptr_t pt = NEW_W(PN_OBJ_X86_PAGE_TABLE, 0), pd = NEW_W(PN_OBJ_X86_PAGE_DIRECTORY, 0);
        pn_cptr_t pdpt = NEW_W(PN_OBJ_X86_PDPT, 0), pd2 = NEW_W(PN_OBJ_X86_PAGE_DIRECTORY, 0);
        want(inv(pdpt, PN_X86_PDPT_MAP, W(FZ_PLAY_HIGH, 0), C(spaces[s])), "play PDPT");
        want(inv(pd, PN_X86_PAGE_DIRECTORY_MAP, W(FZ_PLAY_HIGH, 0), C(spaces[s])), "play PD");
        want(inv(pt, PN_X86_PAGE_TABLE_MAP, W(FZ_PLAY_HIGH, 0), C(spaces[s])), "play PT");
        want(inv(pd2, PN_X86_PAGE_DIRECTORY_MAP, W(FZ_PLAY_LOW, 0), C(spaces[s])), "play PD2");
    }

    /* CNodes */
    shared_l2 = NEW_W(PN_OBJ_CNODE, FZ_L2_BITS);
    pn_cptr_t tiny = NEW_W(PN_OBJ_CNODE, 1);
    pn_cptr_t mid = NEW_W(PN_OBJ_CNODE, 4), leaf = NEW_W(PN_OBJ_CNODE, 4);
    want(inv(mid, PN_CNODE_COPY, W(1, 4, leaf, 64, PN_RIGHTS_ALL), C(ROOT_CNODE)), "mid->leaf");

    /* threads: TCB, SC, context, IPC buffer, stack, CSpace */
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        struct fthread *t = &th[i];
        pn_cptr_t pml4 = spaces[space_of[i]];
        pn_word_t base = FZ_THREAD_BASE(i);
        t->pml4 = pml4;
        t->tcb = NEW_W(PN_OBJ_TCB, 0);
        t->sc = NEW_W(PN_OBJ_SCHED_CONTEXT, 8);
        t->ipc_frame = NEW_W(PN_OBJ_X86_4K, 0);
        t->l1 = NEW_W(PN_OBJ_CNODE, FZ_L1_BITS);
        t->priv = NEW_W(PN_OBJ_CNODE, FZ_L2_BITS);
        t->fault_cap = copy_w(fault_ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, i + 1);
        t->prio = 60 + rrand() % 120;
        t->budget = i == FZ_THREADS - 1 ? THREAD_BUDGET_US / 4 : THREAD_BUDGET_US;
        t->last_started = ctxv[i]->started;
        t->stuck = t->streak = t->repairs = t->dead = 0;
        for (unsigned p = 0; p < FZ_CTX_PAGES; p++)
            map(copy_w(ctx_frames[i][p], PN_RIGHTS_RW, 0), pml4, base + p * PN_PAGE_SIZE,
                PN_RIGHTS_RW, Wut);
        map(t->ipc_frame, pml4, base + FZ_IPC_OFF, PN_RIGHTS_RW, Wut);
        for (unsigned p = 0; p < FZ_STACK_PAGES; p++)
            map(NEW_W(PN_OBJ_X86_4K, 0), pml4, base + FZ_STACK_OFF + p * PN_PAGE_SIZE,
                PN_RIGHTS_RW, Wut);
        want(pn_sched_control_configure_flags(bi->sched_control.start, t->sc, t->budget,
                                              THREAD_BUDGET_US, 0, i + 1, 0), "thread SC");
        /* level 1: private, shared, tiny, the 3-level path */
        want(inv(t->l1, PN_CNODE_COPY, W(1, FZ_L1_BITS, t->priv, 64, PN_RIGHTS_ALL),
                 C(ROOT_CNODE)), "l1 priv");
        want(inv(t->l1, PN_CNODE_COPY, W(2, FZ_L1_BITS, shared_l2, 64, PN_RIGHTS_ALL),
                 C(ROOT_CNODE)), "l1 shared");
        want(inv(t->l1, PN_CNODE_MINT, W(3, FZ_L1_BITS, tiny, 64, PN_RIGHTS_ALL,
                                          pn_cnode_guard_data(0, FZ_L2_BITS - 1)),
                 C(ROOT_CNODE)), "l1 tiny");
        want(inv(t->l1, PN_CNODE_COPY, W(4, FZ_L1_BITS, mid, 64, PN_RIGHTS_ALL),
                 C(ROOT_CNODE)), "l1 mid");
    }

    /* the world's objects, in the shared CNode */
    for (unsigned k = 0; k < 3; k++) {
        pn_cptr_t ep = NEW_W(PN_OBJ_ENDPOINT, 0), nt = NEW_W(PN_OBJ_NOTIFICATION, 0);
        shared_put(ep, PN_RIGHTS_ALL, 0, PN_CAP_ENDPOINT);
        shared_put(ep, PN_RIGHTS_ALL, k + 1, PN_CAP_ENDPOINT);
        shared_put(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x100 + k, PN_CAP_ENDPOINT);
        shared_put(ep, PN_RIGHT_READ, 0, PN_CAP_ENDPOINT);
        shared_put(nt, PN_RIGHTS_ALL, 0, PN_CAP_NOTIFICATION);
        shared_put(nt, PN_RIGHT_WRITE, 1ul << k, PN_CAP_NOTIFICATION);
        shared_put(nt, PN_RIGHT_READ, 0, PN_CAP_NOTIFICATION);
        if (k == 0) {
            want(inv(leaf, PN_CNODE_COPY, W(1, 4, ep, 64, PN_RIGHTS_ALL), C(ROOT_CNODE)),
                 "leaf ep");
            want(inv(leaf, PN_CNODE_COPY, W(2, 4, nt, 64, PN_RIGHTS_ALL), C(ROOT_CNODE)),
                 "leaf ntfn");
        }
    }
    for (unsigned k = 0; k < 4; k++)
        shared_put(NEW_W(PN_OBJ_REPLY, 0), PN_RIGHTS_ALL, 0, PN_CAP_REPLY);
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        shared_put(th[i].tcb, PN_RIGHTS_ALL, 0, PN_CAP_THREAD);
        shared_put(th[i].sc, PN_RIGHTS_ALL, 0, PN_CAP_SCHED_CONTEXT);
        shared_put(th[i].l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0, FZ_GUARD_BITS),
                   FZ_CNODE_TYPE(FZ_STYLE_FULL, FZ_L1_BITS));
    }
    for (unsigned k = 0; k < 2; k++) {
        pn_cptr_t tcb = NEW_W(PN_OBJ_TCB, 0);
        shared_put(tcb, PN_RIGHTS_ALL, 0, PN_CAP_THREAD);
        pn_cptr_t sc = NEW_W(PN_OBJ_SCHED_CONTEXT, 7 + k);
        if (k == 0)
            want(pn_sched_control_configure_flags(bi->sched_control.start, sc, 500, 1000, 0,
                                                  0x77, 0), "spare SC");
        shared_put(sc, PN_RIGHTS_ALL, 0, PN_CAP_SCHED_CONTEXT);
    }
    shared_put(shared_l2, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 64 - FZ_L2_BITS),
               FZ_CNODE_TYPE(FZ_STYLE_L2, FZ_L2_BITS));
    shared_put(tiny, PN_RIGHTS_ALL, 0, FZ_CNODE_TYPE(FZ_STYLE_RAW, 1));
    shared_put(mid, PN_RIGHTS_ALL, 0, FZ_CNODE_TYPE(FZ_STYLE_RAW, 4));
    static const unsigned char ut_bits[] = {12, 12, 14, 16, 18};
    for (unsigned k = 0; k < sizeof ut_bits; k++)
        shared_put(NEW_W(PN_OBJ_UNTYPED, ut_bits[k]), PN_RIGHTS_ALL, 0, PN_CAP_UNTYPED);
    if (device_source) {
        pn_cptr_t dev = window_slot();
        if (!want(inv(device_source, PN_UNTYPED_RETYPE, W(PN_OBJ_UNTYPED, 16, 0, 0, dev, 1),
                      C(ROOT_CNODE)), "device untyped"))
            shared_put(dev, PN_RIGHTS_ALL, 0, PN_CAP_UNTYPED);
    }
    for (unsigned k = 0; k < 4; k++) {
        pn_cptr_t f = NEW_W(PN_OBJ_X86_4K, 0);
        shared_put(f, PN_RIGHTS_ALL, 0, PN_CAP_FRAME);
        shared_put(f, PN_RIGHT_READ, 0, PN_CAP_FRAME);
    }
    shared_put(NEW_W(PN_OBJ_X86_LARGE_PAGE, 0), PN_RIGHTS_ALL, 0, PN_CAP_FRAME);
    for (unsigned k = 0; k < 2; k++)
        shared_new(PN_OBJ_X86_PAGE_TABLE, 0, PN_CAP_PAGE_TABLE);
    shared_new(PN_OBJ_X86_PAGE_DIRECTORY, 0, PN_CAP_PAGE_DIRECTORY);
    shared_new(PN_OBJ_X86_PDPT, 0, PN_CAP_PDPT);
    for (unsigned s = 0; s < FZ_SPACES; s++)
        shared_put(spaces[s], PN_RIGHTS_ALL, 0, PN_CAP_PML4);
    shared_new(PN_OBJ_X64_PML4, 0, PN_CAP_PML4);
    /* control caps (copies; IOPortControl is not given: with it a thread could reach the
     * machine's reset and exit ports) */
    shared_put(PN_CAP_SLOT_ASID_CONTROL, PN_RIGHTS_ALL, 0, PN_CAP_ASID_CONTROL);
    shared_put(PN_CAP_SLOT_DOMAIN, PN_RIGHTS_ALL, 0, PN_CAP_DOMAIN);
    shared_put(bi->sched_control.start, PN_RIGHTS_ALL, 0, PN_CAP_SCHED_CONTROL);
    /* an ASID pool of the world's own, an IRQ handler, IO ports */
    pn_cptr_t pool_ut = NEW_W(PN_OBJ_UNTYPED, 12);
    pn_word_t slot = objs_mark_shared(PN_CAP_ASID_POOL);
    if (pool_ut && slot)
        want(inv(PN_CAP_SLOT_ASID_CONTROL, PN_X86_ASID_CONTROL_MAKE_POOL,
                 W(slot, FZ_L2_BITS), C(pool_ut, shared_l2)), "MakePool");
    slot = objs_mark_shared(PN_CAP_IRQ_HANDLER);
    if (slot && have_irq_control)
        want(inv(PN_CAP_SLOT_IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                 W(slot, FZ_L2_BITS, 0, 10, 0, 0, 10), C(shared_l2)), "IRQ handler");
    if (have_irq_control) {
        /* IRQControl cannot be copied: it is moved in, and back out at the teardown */
        irq_control_slot = objs_mark_shared(PN_CAP_IRQ_CONTROL);
        if (irq_control_slot &&
            want(inv(shared_l2, PN_CNODE_MOVE, W(irq_control_slot, FZ_L2_BITS,
                                                  PN_CAP_SLOT_IRQ_CONTROL, 64), C(ROOT_CNODE)),
                 "moving IRQControl in"))
            irq_control_slot = 0;
    }
    slot = objs_mark_shared(PN_CAP_IO_PORT);
    if (slot)
        want(pn_ioport_control_issue(PN_CAP_SLOT_IO_PORT_CONTROL, 0x80, 0x80, shared_l2, slot,
                                     FZ_L2_BITS), "IOPort 0x80");
    slot = objs_mark_shared(PN_CAP_IO_PORT);
    if (slot)
        want(pn_ioport_control_issue(PN_CAP_SLOT_IO_PORT_CONTROL, 0x2f8, 0x2ff, shared_l2, slot,
                                     FZ_L2_BITS), "IOPort 0x2f8");

    /* private CNodes and the threads' lists of known slots */
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        struct fthread *t = &th[i];
        struct fz_ctx *c = ctxv[i];
        put(t->priv, FZ_P_SELF_TCB, t->tcb, PN_RIGHTS_ALL, 0, "priv tcb");
        put(t->priv, FZ_P_L1, t->l1, PN_RIGHTS_ALL, pn_cnode_guard_data(0, FZ_GUARD_BITS),
            "priv l1");
        put(t->priv, FZ_P_PRIV, t->priv, PN_RIGHTS_ALL, pn_cnode_guard_data(0, 64 - FZ_L2_BITS),
            "priv priv");
        put(t->priv, FZ_P_SHARED, shared_l2, PN_RIGHTS_ALL,
            pn_cnode_guard_data(0, 64 - FZ_L2_BITS), "priv shared");
        put(t->priv, FZ_P_PML4, t->pml4, PN_RIGHTS_ALL, 0, "priv pml4");
        put(t->priv, FZ_P_SC, t->sc, PN_RIGHTS_ALL, 0, "priv sc");
        put(t->priv, FZ_P_IPC_FRAME, t->ipc_frame, PN_RIGHTS_ALL, 0, "priv ipc");
        if (c->magic != FZ_MAGIC) {
            c->magic = FZ_MAGIC;
            c->id = i;
            c->rng[0] = splitmix(g->seed * 2 * FZ_THREADS + 2 * i) | 1;
            c->rng[1] = splitmix(g->seed * 2 * FZ_THREADS + 2 * i + 1);
        }
        c->epoch = epochs;
        c->ipc_vaddr = FZ_THREAD_BASE(i) + FZ_IPC_OFF;
        c->global_vaddr = FZ_GLOBAL_VADDR;
        c->nknown = 0;
        give(c, FZ_CPTR(1, FZ_P_SELF_TCB), PN_CAP_THREAD);
        give(c, FZ_CPTR(1, FZ_P_L1), FZ_CNODE_TYPE(FZ_STYLE_FULL, FZ_L1_BITS));
        give(c, FZ_CPTR(1, FZ_P_PRIV), FZ_CNODE_TYPE(FZ_STYLE_L2, FZ_L2_BITS));
        give(c, FZ_CPTR(1, FZ_P_SHARED), FZ_CNODE_TYPE(FZ_STYLE_L2, FZ_L2_BITS));
        give(c, FZ_CPTR(1, FZ_P_PML4), PN_CAP_PML4);
        give(c, FZ_CPTR(1, FZ_P_SC), PN_CAP_SCHED_CONTEXT);
        give(c, FZ_CPTR(1, FZ_P_IPC_FRAME), PN_CAP_FRAME);
        give(c, FZ_CPTR(4, 0x11), PN_CAP_ENDPOINT);
        give(c, FZ_CPTR(4, 0x12), PN_CAP_NOTIFICATION);
        give(c, FZ_CPTR(3, 0), PN_CAP_NULL);
        for (unsigned k = 0; k < n_shared; k++)
            give(c, FZ_CPTR(2, shared_items[k].slot), shared_items[k].type);
    }
}

/* ---- thread control ---- */

static void start_thread(unsigned i)
{
    struct fthread *t = &th[i];
    pn_word_t regs[PN_UC_RDI + 1] = {0};
    regs[PN_UC_RIP] = (pn_word_t)fz_thread_main;
    regs[PN_UC_RSP] = FZ_THREAD_BASE(i) + FZ_STACK_OFF + FZ_STACK_PAGES * PN_PAGE_SIZE - 8;
    regs[PN_UC_RFLAGS] = 0x202;
    regs[PN_UC_RDI] = FZ_THREAD_BASE(i);
    if (pn_tcb_write_registers(t->tcb, 1, PN_UC_RDI + 1, regs)) {
        t->dead = 1;
        deaths++;
    }
}

/* Puts the thread back the way the root made it, and starts it again. */
static void repair_thread(unsigned i)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    struct fthread *t = &th[i];
    doing("repairing thread %u (epoch %lu)", i, epochs);
    repairs++;
    pn_tcb_suspend(t->tcb);
    pn_tcb_set_sched_params(t->tcb, ROOT_TCB, FZ_PRIO_MAX, t->prio, 0, t->fault_cap);
    pn_sched_context_unbind(t->sc);
    pn_sched_control_configure_flags(bi->sched_control.start, t->sc, t->budget,
                                     THREAD_BUDGET_US, 0, i + 1, 0);
    pn_word_t e1 = pn_tcb_configure(t->tcb, t->l1, pn_cnode_guard_data(0, FZ_GUARD_BITS),
                                    t->pml4, 0, FZ_THREAD_BASE(i) + FZ_IPC_OFF, t->ipc_frame);
    pn_word_t e2 = pn_tcb_set_sched_params(t->tcb, ROOT_TCB, FZ_PRIO_MAX, t->prio, t->sc,
                                           t->fault_cap);
    pn_tcb_set_timeout_endpoint(t->tcb, 0);
    pn_tcb_unbind_notification(t->tcb);
    pn_tcb_set_flags(t->tcb, ~0ul, 0, NULL);
    if (e1 || e2 || ++t->repairs > MAX_REPAIRS) {
        pn_tcb_suspend(t->tcb);
        t->dead = 1;
        deaths++;
        return;
    }
    t->streak = 0;
    start_thread(i);
    doing("running epoch %lu", epochs);
}

static void start_world(void)
{
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        struct fthread *t = &th[i];
        if (want(pn_tcb_configure(t->tcb, t->l1, pn_cnode_guard_data(0, FZ_GUARD_BITS), t->pml4,
                                  0, FZ_THREAD_BASE(i) + FZ_IPC_OFF, t->ipc_frame),
                 "thread Configure") ||
            want(pn_tcb_set_sched_params(t->tcb, ROOT_TCB, FZ_PRIO_MAX, t->prio, t->sc,
                                         t->fault_cap), "thread SetSchedParams")) {
            t->dead = 1;
            continue;
        }
        start_thread(i);
    }
    doing("running epoch %lu", epochs);
}

/* Moves the IRQControl cap back into the root CNode from wherever in the world's CNodes
 * the fuzz threads put it (0 if it is gone). */
static int rescue_irq_control(void)
{
    if (irq_control_slot)
        inv(ROOT_CNODE, PN_CNODE_MOVE, W(PN_CAP_SLOT_IRQ_CONTROL, 64, irq_control_slot,
                                         FZ_L2_BITS), C(shared_l2));
    if (pn_debug_cap_identify(PN_CAP_SLOT_IRQ_CONTROL) == PN_CAP_IRQ_CONTROL)
        return 1;
    /* the threads put something else in that slot: it is a world cap, away with it */
    inv(ROOT_CNODE, PN_CNODE_DELETE, W(PN_CAP_SLOT_IRQ_CONTROL, 64), NO_CAPS);
    /* search: every slot of every CNode of the world */
    struct cn { pn_cptr_t cnode; unsigned bits; } cn[3 * FZ_THREADS + 1];
    unsigned n = 0;
    cn[n++] = (struct cn){shared_l2, FZ_L2_BITS};
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        cn[n++] = (struct cn){th[i].priv, FZ_L2_BITS};
        cn[n++] = (struct cn){th[i].l1, FZ_L1_BITS};
    }
    pn_cptr_t tmp = window_slot();
    for (unsigned k = 0; k < n; k++)
        for (pn_word_t j = 0; j < (1ul << cn[k].bits); j++) {
            if (inv(ROOT_CNODE, PN_CNODE_MOVE, W(tmp, 64, j, cn[k].bits), C(cn[k].cnode)))
                continue;
            if (pn_debug_cap_identify(tmp) == PN_CAP_IRQ_CONTROL)
                return !inv(ROOT_CNODE, PN_CNODE_MOVE,
                            W(PN_CAP_SLOT_IRQ_CONTROL, 64, tmp, 64), C(ROOT_CNODE));
            inv(cn[k].cnode, PN_CNODE_MOVE, W(j, cn[k].bits, tmp, 64), C(ROOT_CNODE));
        }
    return 0;
}

static void teardown_world(void)
{
    doing("tearing down world %lu", epochs);
    for (unsigned i = 0; i < FZ_THREADS; i++)
        pn_tcb_suspend(th[i].tcb);
    if (have_irq_control && !rescue_irq_control()) {
        pn_printf("FUZZ note: the fuzz threads lost the IRQControl cap in epoch %lu\n",
                  epochs);
        have_irq_control = 0;
    }
    /* the copies of P frames and of the root's image frames, the badged fault caps, then
     * everything made from W */
    want(pn_cnode_revoke(ROOT_CNODE, global_frame, 64), "revoke global");
    for (unsigned i = 0; i < FZ_THREADS; i++)
        for (unsigned p = 0; p < FZ_CTX_PAGES; p++)
            want(pn_cnode_revoke(ROOT_CNODE, ctx_frames[i][p], 64), "revoke ctx");
    for (pn_word_t va = (pn_word_t)__pn_image_start; va < (pn_word_t)__pn_rodata_end;
         va += PN_PAGE_SIZE)
        want(pn_cnode_revoke(ROOT_CNODE, image_frame(va), 64), "revoke image frame");
    want(pn_cnode_revoke(ROOT_CNODE, fault_ep, 64), "revoke fault ep");
    want(pn_cnode_revoke(ROOT_CNODE, Wut, 64), "revoke W");
    if (device_source)
        want(pn_cnode_revoke(ROOT_CNODE, device_source, 64), "revoke device untyped");
    for (pn_cptr_t s = window_start; s < window_next; s++)
        if (pn_debug_cap_identify(s) != PN_CAP_NULL) {
            pn_printf("FUZZ note: slot %lu survived the teardown (type %lu)\n", s,
                      pn_debug_cap_identify(s));
            build_errors++;
            want(pn_cnode_revoke(ROOT_CNODE, s, 64), "revoke leftover");
            want(pn_cnode_delete(ROOT_CNODE, s, 64), "delete leftover");
        }
}

/* ---- faults ---- */

static void on_fault(pn_word_t badge, pn_msg_t *m)
{
    pn_word_t label = pn_msginfo_label(m->info);
    faults[label < 7 ? label : 7]++;
    if (badge < 1 || badge > FZ_THREADS)
        return;
    unsigned i = (unsigned)badge - 1;
    struct fthread *t = &th[i];
    if (t->dead)
        return;
    ctxv[i]->restarts++;
    if (ctxv[i]->started != t->last_started) {
        t->last_started = ctxv[i]->started;
        t->streak = 0;
        t->stuck = 0;
    }
    if (++t->streak > FAULT_STREAK_REPAIR) {
        repair_thread(i);
        return;
    }
    if (label == PN_FAULT_UNKNOWN_SYSCALL && pn_msginfo_length(m->info) >= 18 && rrand() % 2) {
        /* answer it: registers back as they were, FaultIP past the syscall instruction */
        pn_ipc->msg[15] += 2;
        m->info = pn_msginfo(0, 0, 0, 18);
        pn_send(root_reply, m);
        replies++;
        return;
    }
    if (label == PN_FAULT_USER_EXCEPTION && m->mr[3] == 7)
        pn_tcb_set_flags(t->tcb, ~0ul, 0, NULL); /* #NM: the FPU was disabled (SetFlags) */
    restarts++;
    start_thread(i);
}

static int all_dead(void)
{
    for (unsigned i = 0; i < FZ_THREADS; i++)
        if (!th[i].dead)
            return 0;
    return 1;
}

static pn_word_t total_started(void)
{
    pn_word_t n = 0;
    for (unsigned i = 0; i < FZ_THREADS; i++)
        n += ctxv[i]->started;
    return n;
}

/* ---- summary ---- */

static void summary(void)
{
    pn_word_t by_kind[FZ_K_COUNT] = {0}, calls = total_started();
    for (unsigned i = 0; i < FZ_THREADS; i++)
        for (unsigned k = 0; k < FZ_K_COUNT; k++)
            by_kind[k] += ctxv[i]->by_kind[k];
    pn_printf("FUZZ SUMMARY seed=%lu calls=%lu epochs=%lu\n", g->seed, calls, epochs);
    pn_printf("FUZZ faults: cap=%lu unknown-syscall=%lu user-exception=%lu timeout=%lu "
              "vm=%lu other=%lu; restarts=%lu answered=%lu repairs=%lu stuck=%lu "
              "given-up=%lu root-notes=%u\n",
              faults[PN_FAULT_CAP], faults[PN_FAULT_UNKNOWN_SYSCALL],
              faults[PN_FAULT_USER_EXCEPTION], faults[PN_FAULT_TIMEOUT], faults[PN_FAULT_VM],
              faults[0] + faults[4] + faults[7], restarts, replies, repairs, stuck_cancels,
              deaths, build_errors);
    pn_printf("FUZZ syscalls:");
    for (unsigned k = 0; k < FZ_K_COUNT; k++)
        pn_printf(" %s=%lu", kind_names[k], by_kind[k]);
    pn_printf("\n");
    pn_printf("FUZZ Call on kernel objects, per label: calls, successes, then the errors\n");
    unsigned reached = 0;
    for (unsigned l = 0; l < FZ_LABELS; l++) {
        pn_word_t row[FZ_RESULTS] = {0}, sum = 0;
        for (unsigned i = 0; i < FZ_THREADS; i++)
            for (unsigned r = 0; r < FZ_RESULTS; r++)
                row[r] += ctxv[i]->by_label[l][r];
        for (unsigned r = 0; r < FZ_RESULTS; r++)
            sum += row[r];
        reached += row[0] != 0;
        char line[400];
        int at = pn_snprintf(line, sizeof line, "FUZZ %2u %-28s %7lu ok %6lu", l,
                             label_names[l], sum, row[0]);
        for (unsigned r = 1; r < FZ_RESULTS && at < (int)sizeof line - 40; r++)
            if (row[r])
                at += pn_snprintf(line + at, sizeof line - at, " %s=%lu", error_names[r],
                                  row[r]);
        pn_printf("%s\n", line);
    }
    pn_printf("FUZZ labels with a success: %u of %u\n", reached, PN_INVOCATION_LABEL_COUNT - 1);
}

/* ---- main ---- */

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t seed = fz_config.seed, count = fz_config.count;
    pn_word_t epoch_calls = fz_config.epoch_calls ? fz_config.epoch_calls : EPOCH_CALLS_DEFAULT;
    root_rng = splitmix(seed ^ 0x5eed) | 1;

    persist_next = bi->empty.start;
    persist_end = persist_next + 128;
    window_start = persist_end;
    window_end = window_start + WINDOW_SLOTS;
    if (window_end > bi->empty.end || !setup_memory()) {
        pn_printf("FUZZ error: not enough slots or memory\n");
        return 0;
    }
    if (!setup_root()) {
        pn_printf("FUZZ error: cannot set up the supervisor\n");
        return 0;
    }
    g->magic = FZ_GLOBAL_MAGIC;
    g->seed = seed;
    g->count = count;
    inv(global_frame, PN_X86_PAGE_GET_ADDRESS, NO_WORDS, NO_CAPS);
    pn_printf("FUZZ start seed=%lu count=%lu threads=%u spaces=%u epoch=%lu\n", seed, count,
              FZ_THREADS, FZ_SPACES, epoch_calls);
    pn_printf("FUZZ log: global 0x%lx\n", inv_res[0]);
    for (unsigned i = 0; i < FZ_THREADS; i++) {
        inv(ctx_frames[i][0], PN_X86_PAGE_GET_ADDRESS, NO_WORDS, NO_CAPS);
        pn_word_t first = inv_res[0];
        for (unsigned p = 1; p < FZ_CTX_PAGES; p++) {
            inv(ctx_frames[i][p], PN_X86_PAGE_GET_ADDRESS, NO_WORDS, NO_CAPS);
            if (inv_res[0] != first + p * PN_PAGE_SIZE)
                pn_printf("FUZZ note: context %u is not contiguous in RAM\n", i);
        }
        pn_printf("FUZZ log: thread %u ctx 0x%lx pages %lu\n", i, first, FZ_CTX_PAGES);
    }

    pn_word_t next_progress = 100000;
    for (;;) {
        epochs++;
        g->epoch = epochs;
        build_world();
        start_world();
        pn_word_t epoch_start = total_started(), ticks = 0;
        int done = 0;
        for (;;) {
            pn_msg_t m = {0, {0, 0, 0, 0}};
            pn_word_t badge = pn_recv(fault_ep, &m, root_reply);
            if (!(badge & TICK_BADGE)) {
                on_fault(badge, &m);
                continue;
            }
            ticks++;
            if (__atomic_load_n(&g->seq, __ATOMIC_SEQ_CST) >= count) {
                done = 1;
                break;
            }
            for (unsigned i = 0; i < FZ_THREADS; i++) {
                struct fthread *t = &th[i];
                if (t->dead)
                    continue;
                if (ctxv[i]->started != t->last_started) {
                    t->last_started = ctxv[i]->started;
                    t->stuck = 0;
                    t->repairs = 0;
                } else if (++t->stuck >= STUCK_TICKS) {
                    /* blocked (or spinning): restart it; if that did not help, repair */
                    stuck_cancels++;
                    if (t->stuck >= 2 * STUCK_TICKS) {
                        t->stuck = 0;
                        repair_thread(i);
                    } else {
                        restarts++;
                        start_thread(i);
                    }
                }
            }
            if (total_started() - epoch_start >= epoch_calls || all_dead() ||
                ticks >= EPOCH_MAX_TICKS)
                break;
        }
        teardown_world();
        pn_word_t calls = total_started();
        if (fz_config.verbose || calls >= next_progress) {
            pn_printf("FUZZ progress calls=%lu epochs=%lu\n", calls, epochs);
            while (next_progress <= calls)
                next_progress += 100000;
        }
        if (done)
            break;
    }
    doing("summary");
    summary();
    pn_printf("FUZZ DONE\n");
    pn_printf("PASS fuzz-seed-%lu\n", seed);
    pn_printf("TESTS DONE passed=1 failed=0\n");
    return 0;
}
