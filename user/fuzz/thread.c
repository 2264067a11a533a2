/*
 * The fuzz thread.  It runs the root task's code, mapped read-only into its own address
 * space, and has none of the root's data: no global variable may be read or written here
 * (only const tables, which live in rodata).  Everything it keeps is in its context area
 * (struct fz_ctx), which the root task also maps, so the root reads its counters and, after
 * a crash, tools/fuzz-report reads its last calls out of the guest's RAM.
 *
 * Each call: take a global sequence number (stop when the run's count is reached), choose a
 * system call and its registers and IPC-buffer contents from the thread's PRNG (biased
 * towards valid capabilities, labels and arguments), record it completely in fz_ctx.cur and
 * briefly in the ring, make it, record what came back.  If the call never returns (a
 * fault, or the supervisor cancelling a thread blocked too long) the thread is restarted
 * at fz_thread_main, which counts the call as aborted.
 */
#include "fuzz.h"

/* registers for fz_do_syscall (probes.S) */
struct fz_regs {
    pn_word_t rdx, rdi, rsi, r10, r8, r9, r15, r12, r13;
};
void fz_do_syscall(struct fz_regs *r, pn_word_t flags);

extern char fz_int_table[];
extern char fz_probe_ud2[], fz_probe_hlt[], fz_probe_cli[], fz_probe_in[], fz_probe_out[],
    fz_probe_rdmsr[], fz_probe_movcr3[], fz_probe_div0[], fz_probe_load0[],
    fz_probe_store_code[], fz_probe_jump0[], fz_probe_noncanon[], fz_probe_kernel_read[],
    fz_probe_kernel_jump[], fz_probe_int3[], fz_probe_icebp[], fz_probe_trap_flag[],
    fz_probe_stack_noncanon[], fz_probe_std_ud2[], fz_probe_sysenter[], fz_probe_lgdt[],
    fz_probe_swapgs[], fz_probe_gp_selector[], fz_probe_wbinvd[], fz_probe_invlpg[],
    fz_probe_ss[], fz_probe_ac[];

static char *const probes[] = {
    fz_probe_ud2, fz_probe_hlt, fz_probe_cli, fz_probe_in, fz_probe_out, fz_probe_rdmsr,
    fz_probe_movcr3, fz_probe_div0, fz_probe_load0, fz_probe_store_code, fz_probe_jump0,
    fz_probe_noncanon, fz_probe_kernel_read, fz_probe_kernel_jump, fz_probe_int3,
    fz_probe_icebp, fz_probe_trap_flag, fz_probe_stack_noncanon, fz_probe_std_ud2,
    fz_probe_sysenter, fz_probe_lgdt, fz_probe_swapgs, fz_probe_gp_selector, fz_probe_wbinvd,
    fz_probe_invlpg, fz_probe_ss, fz_probe_ac,
};
#define N_PROBES (sizeof probes / sizeof probes[0])

/* ---- PRNG: xorshift128+ ---- */

static pn_word_t rnd(struct fz_ctx *c)
{
    pn_word_t s1 = c->rng[0];
    const pn_word_t s0 = c->rng[1];
    c->rng[0] = s0;
    s1 ^= s1 << 23;
    c->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return c->rng[1] + s0;
}

static pn_word_t below(struct fz_ctx *c, pn_word_t n)
{
    return n ? rnd(c) % n : 0;
}

static int pct(struct fz_ctx *c, unsigned p)
{
    return below(c, 100) < p;
}

static pn_word_t pick(struct fz_ctx *c, const pn_word_t *v, unsigned n)
{
    return v[below(c, n)];
}
#define PICK(c, ...) pick((c), (const pn_word_t[]){__VA_ARGS__}, \
                          sizeof((const pn_word_t[]){__VA_ARGS__}) / sizeof(pn_word_t))

/* A random word with a bias towards the interesting ones. */
static pn_word_t any_word(struct fz_ctx *c)
{
    switch (below(c, 6)) {
    case 0: return below(c, 16);
    case 1: return PICK(c, 0, 1, 2, 63, 64, 65, 255, 256, 4095, 4096, ~0ul, 1ul << 63,
                        0x7fffffffffffffff, 0xffffffff, 0x100000000);
    case 2: return 1ul << below(c, 64);
    case 3: return below(c, 65536);
    default: return rnd(c);
    }
}

/* ---- capability pointers ---- */

static pn_word_t known_of(struct fz_ctx *c, pn_word_t type)
{
    unsigned n = (unsigned)c->nknown, hits = 0;
    if (n > FZ_KNOWN)
        n = FZ_KNOWN;
    for (unsigned i = 0; i < n; i++)
        hits += FZ_TYPE(c->known[i].type) == type;
    if (!hits)
        return 0;
    pn_word_t k = below(c, hits);
    for (unsigned i = 0; i < n; i++)
        if (FZ_TYPE(c->known[i].type) == type && k-- == 0)
            return c->known[i].cptr;
    return 0;
}

static pn_word_t cptr_any(struct fz_ctx *c);

/* The addressing style of a CNode cap the thread knows about (0: unknown). */
static pn_word_t style_of(struct fz_ctx *c, pn_word_t cptr)
{
    unsigned n = (unsigned)c->nknown;
    if (n > FZ_KNOWN)
        n = FZ_KNOWN;
    for (unsigned i = 0; i < n; i++)
        if (c->known[i].cptr == cptr && FZ_TYPE(c->known[i].type) == PN_CAP_CNODE)
            return c->known[i].type >> 16;
    return 0;
}

/* A slot index for the CNode style of the current call. */
static pn_word_t styled_index(struct fz_ctx *c, int dest)
{
    pn_word_t st = c->style & 0xff, radix = c->style >> 8;
    if (st == FZ_STYLE_L2)
        return dest ? FZ_SHARED_FREE + below(c, 256 - FZ_SHARED_FREE) : cptr_any(c) & 0xff;
    if (st == FZ_STYLE_RAW)
        return below(c, 1ul << radix);
    if (dest)
        return pct(c, 70) ? FZ_CPTR(1, FZ_PRIV_FREE + below(c, 256 - FZ_PRIV_FREE))
                          : FZ_CPTR(2, FZ_SHARED_FREE + below(c, 256 - FZ_SHARED_FREE));
    return cptr_any(c);
}

static pn_word_t cptr_any(struct fz_ctx *c)
{
    unsigned n = (unsigned)c->nknown;
    if (n > FZ_KNOWN)
        n = FZ_KNOWN;
    unsigned r = (unsigned)below(c, 100);
    if (r < 60 && n)
        return c->known[below(c, n)].cptr;
    if (r < 75)
        return below(c, 0x500);
    if (r < 85)
        return below(c, 0x1000);
    if (r < 92)
        return PICK(c, 0, 1, 0xfff, 0x1000, 0x100, 0x200, 0x300, 0x301, 0x302, 0x400, 0x410,
                    0x411, 1ul << 63, ~0ul, 1ul << 12);
    return rnd(c);
}

static pn_word_t cptr_of(struct fz_ctx *c, pn_word_t type)
{
    if (pct(c, 75)) {
        pn_word_t k = known_of(c, type);
        if (k)
            return k;
    }
    return cptr_any(c);
}

/* cap types by invocation family */
enum {
    C_ANY, C_CNODE, C_TCB, C_SC, C_EP, C_NTFN, C_FRAME, C_PML4, C_UNTYPED, C_TCB_NTFN,
    C_REPLY,
};

static pn_word_t cap_arg(struct fz_ctx *c, unsigned kind)
{
    switch (kind) {
    case C_CNODE: return cptr_of(c, PN_CAP_CNODE);
    case C_TCB: return cptr_of(c, PN_CAP_THREAD);
    case C_SC: return pct(c, 15) ? 0 : cptr_of(c, PN_CAP_SCHED_CONTEXT);
    case C_EP: return pct(c, 20) ? 0 : cptr_of(c, PN_CAP_ENDPOINT);
    case C_NTFN: return cptr_of(c, PN_CAP_NOTIFICATION);
    case C_FRAME: return cptr_of(c, PN_CAP_FRAME);
    case C_PML4: return cptr_of(c, PN_CAP_PML4);
    case C_UNTYPED: return cptr_of(c, PN_CAP_UNTYPED);
    case C_TCB_NTFN: return cptr_of(c, pct(c, 50) ? PN_CAP_THREAD : PN_CAP_NOTIFICATION);
    case C_REPLY: return cptr_of(c, PN_CAP_REPLY);
    default: return cptr_any(c);
    }
}

/* ---- word arguments ---- */

enum {
    W_ANY, W_SMALL, W_INDEX, W_DEPTH, W_OBJTYPE, W_SIZEBITS, W_SLOTOFF, W_NOBJ, W_PRIO,
    W_VADDR, W_RIGHTS, W_ATTR, W_BADGE, W_CDATA, W_IPCBUF, W_REGFLAGS, W_REGCOUNT, W_TIME,
    W_PORT, W_PIN, W_VECTOR, W_BOOL, W_DEST, W_DOMAIN,
};

static pn_word_t vaddr(struct fz_ctx *c, unsigned page_bits)
{
    pn_word_t align = 1ul << page_bits;
    switch (below(c, 10)) {
    case 0: case 1: case 2: case 3:
        return FZ_PLAY_HIGH + below(c, 1ul << (page_bits == 30 ? 2 : 9)) * align;
    case 4: case 5:
        return FZ_PLAY_LOW + below(c, 1ul << (page_bits == 30 ? 2 : 9)) * align;
    case 6:
        /* the thread's own harness region: remapping it breaks the thread */
        return pct(c, 10) ? PICK(c, 0x400000, FZ_THREAD_BASE(c->id), FZ_GLOBAL_VADDR,
                                 FZ_THREAD_BASE(c->id) + FZ_STACK_OFF)
                          : FZ_PLAY_HIGH + below(c, 1ul << 20) * 4096;
    case 7:
        return PICK(c, 0, 0x7ffffffff000, 0x7fffffffe000, 0x7fffffe00000, 0x7fffc0000000,
                    0x800000000000, 0xffff800000000000, ~0ul & ~0xffful, 0x1000,
                    0xffffffff80000000);
    case 8:
        return FZ_PLAY_HIGH + below(c, 1ul << 22);
    default:
        return rnd(c) & (pct(c, 50) ? 0x7ffffffff000ul : ~0ul);
    }
}

static pn_word_t word_arg(struct fz_ctx *c, unsigned kind, const pn_word_t *prev)
{
    if (pct(c, 7))
        return any_word(c);
    switch (kind) {
    case W_SMALL: return below(c, 4);
    case W_INDEX: {
        if (c->style && pct(c, 75))
            return styled_index(c, 0);
        pn_word_t k = cptr_any(c);
        return pct(c, 30) ? k & 0xff : k;
    }
    case W_DEST:
        if (c->style && pct(c, 75))
            return styled_index(c, 1);
        switch (below(c, 6)) {
        case 0: case 1: return FZ_CPTR(1, FZ_PRIV_FREE + below(c, 256 - FZ_PRIV_FREE));
        case 2: return FZ_CPTR(2, FZ_SHARED_FREE + below(c, 256 - FZ_SHARED_FREE));
        case 3: return FZ_PRIV_FREE + below(c, 256 - FZ_PRIV_FREE);
        case 4: return FZ_CPTR(5 + below(c, 11), 0);
        default: return cptr_any(c);
        }
    case W_DEPTH:
        if ((c->style & 0xff) == FZ_STYLE_RAW && pct(c, 75))
            return c->style >> 8;
        return pct(c, 75) ? 64 : PICK(c, 0, 1, 4, 8, 12, 52, 56, 60, 63, 65, 128);
    case W_OBJTYPE: return below(c, 10) ? below(c, PN_OBJ_TYPE_COUNT) : below(c, 32);
    case W_SIZEBITS:
        if (prev) {
            switch (*prev) {
            case PN_OBJ_UNTYPED: return 4 + below(c, 14);
            case PN_OBJ_CNODE: return below(c, 9);
            case PN_OBJ_SCHED_CONTEXT: return 6 + below(c, 5);
            default: break;
            }
        }
        return below(c, 72);
    case W_SLOTOFF: return pct(c, 50) ? below(c, 16) : below(c, 300);
    case W_NOBJ: return pct(c, 85) ? 1 + below(c, 3) : PICK(c, 0, 256, 257, 16, 1000);
    case W_PRIO: return pct(c, 85) ? below(c, FZ_PRIO_MAX + 1) : below(c, 300);
    case W_VADDR: return vaddr(c, (unsigned)PICK(c, 12, 12, 12, 21, 30, 39));
    case W_RIGHTS: return below(c, 16);
    case W_ATTR: return below(c, 6);
    case W_BADGE: return PICK(c, 0, 0, 1, 2, 3, below(c, 1024), rnd(c), 1ul << 63);
    case W_CDATA:
        return pct(c, 60) ? 0 : ((below(c, 16) << 6) | PICK(c, 0, 1, 52, 56, 60, 64, below(c, 64)));
    case W_IPCBUF:
        return PICK(c, 0, c->ipc_vaddr, c->ipc_vaddr, vaddr(c, 10), vaddr(c, 12) + 512,
                    FZ_PLAY_HIGH + 1024 * below(c, 8));
    case W_REGFLAGS: return pct(c, 80) ? below(c, 2) : below(c, 0x10000);
    case W_REGCOUNT: return pct(c, 80) ? 1 + below(c, PN_UC_COUNT) : PICK(c, 0, 21, 100, ~0ul);
    case W_TIME: return PICK(c, 0, 1, 19, 20, 100, 1000, 5000, below(c, 100000), rnd(c));
    case W_PORT: return PICK(c, 0x80, 0x2f8, 0x2f8 + below(c, 8), 0x7f, 0x81, 0x2f7, 0x300,
                             0xf4, 0x3f8, below(c, 0x10000));
    case W_PIN: return pct(c, 80) ? below(c, 24) : below(c, 300);
    case W_VECTOR: return pct(c, 80) ? below(c, 108) : below(c, 300);
    case W_BOOL: return pct(c, 80) ? below(c, 2) : below(c, 5);
    case W_DOMAIN: return pct(c, 80) ? 0 : below(c, 4);
    default: return any_word(c);
    }
}

/* ---- invocation argument specifications (invocations.md §3) ---- */

struct spec {
    unsigned char nw, nc;
    unsigned char w[8];   /* word kinds (words beyond 8: W_ANY) */
    unsigned char c[3];   /* cap kinds */
};

static const struct spec specs[PN_INVOCATION_LABEL_COUNT] = {
    [PN_UNTYPED_RETYPE] = {6, 1, {W_OBJTYPE, W_SIZEBITS, W_INDEX, W_DEPTH, W_SLOTOFF, W_NOBJ},
                           {C_CNODE}},
    [PN_TCB_READ_REGISTERS] = {2, 0, {W_REGFLAGS, W_REGCOUNT}, {0}},
    [PN_TCB_WRITE_REGISTERS] = {22, 0, {W_REGFLAGS, W_REGCOUNT}, {0}},
    [PN_TCB_COPY_REGISTERS] = {1, 1, {W_SMALL}, {C_TCB}},
    [PN_TCB_CONFIGURE] = {3, 3, {W_CDATA, W_SMALL, W_IPCBUF}, {C_CNODE, C_PML4, C_FRAME}},
    [PN_TCB_SET_PRIORITY] = {1, 1, {W_PRIO}, {C_TCB}},
    [PN_TCB_SET_MC_PRIORITY] = {1, 1, {W_PRIO}, {C_TCB}},
    [PN_TCB_SET_SCHED_PARAMS] = {2, 3, {W_PRIO, W_PRIO}, {C_TCB, C_SC, C_EP}},
    [PN_TCB_SET_TIMEOUT_ENDPOINT] = {0, 1, {0}, {C_EP}},
    [PN_TCB_SET_IPC_BUFFER] = {1, 1, {W_IPCBUF}, {C_FRAME}},
    [PN_TCB_SET_SPACE] = {2, 3, {W_CDATA, W_SMALL}, {C_EP, C_CNODE, C_PML4}},
    [PN_TCB_SUSPEND] = {0, 0, {0}, {0}},
    [PN_TCB_RESUME] = {0, 0, {0}, {0}},
    [PN_TCB_BIND_NOTIFICATION] = {0, 1, {0}, {C_NTFN}},
    [PN_TCB_UNBIND_NOTIFICATION] = {0, 0, {0}, {0}},
    [PN_TCB_SET_TLS_BASE] = {1, 0, {W_ANY}, {0}},
    [PN_TCB_SET_FLAGS] = {2, 0, {W_SMALL, W_SMALL}, {0}},
    [PN_CNODE_REVOKE] = {2, 0, {W_INDEX, W_DEPTH}, {0}},
    [PN_CNODE_DELETE] = {2, 0, {W_INDEX, W_DEPTH}, {0}},
    [PN_CNODE_CANCEL_BADGED_SENDS] = {2, 0, {W_INDEX, W_DEPTH}, {0}},
    [PN_CNODE_COPY] = {5, 1, {W_DEST, W_DEPTH, W_INDEX, W_DEPTH, W_RIGHTS}, {C_CNODE}},
    [PN_CNODE_MINT] = {6, 1, {W_DEST, W_DEPTH, W_INDEX, W_DEPTH, W_RIGHTS, W_BADGE}, {C_CNODE}},
    [PN_CNODE_MOVE] = {4, 1, {W_DEST, W_DEPTH, W_INDEX, W_DEPTH}, {C_CNODE}},
    [PN_CNODE_MUTATE] = {5, 1, {W_DEST, W_DEPTH, W_INDEX, W_DEPTH, W_CDATA}, {C_CNODE}},
    [PN_CNODE_ROTATE] = {8, 2, {W_DEST, W_DEPTH, W_CDATA, W_INDEX, W_DEPTH, W_CDATA, W_INDEX,
                                W_DEPTH},
                         {C_CNODE, C_CNODE}},
    [PN_IRQ_ISSUE_IRQ_HANDLER] = {3, 1, {W_PIN, W_DEST, W_DEPTH}, {C_CNODE}},
    [PN_IRQ_ACK_IRQ] = {0, 0, {0}, {0}},
    [PN_IRQ_SET_IRQ_HANDLER] = {0, 1, {0}, {C_NTFN}},
    [PN_IRQ_CLEAR_IRQ_HANDLER] = {0, 0, {0}, {0}},
    [PN_DOMAIN_SET_SET] = {1, 1, {W_DOMAIN}, {C_TCB}},
    [PN_DOMAIN_SCHEDULE_CONFIGURE] = {3, 0, {W_SMALL, W_DOMAIN, W_TIME}, {0}},
    [PN_DOMAIN_SCHEDULE_SET_START] = {1, 0, {W_SMALL}, {0}},
    [PN_SCHED_CONTROL_CONFIGURE_FLAGS] = {5, 1, {W_TIME, W_TIME, W_SMALL, W_BADGE, W_BOOL},
                                          {C_SC}},
    [PN_SCHED_CONTEXT_BIND] = {0, 1, {0}, {C_TCB_NTFN}},
    [PN_SCHED_CONTEXT_UNBIND] = {0, 0, {0}, {0}},
    [PN_SCHED_CONTEXT_UNBIND_OBJECT] = {0, 1, {0}, {C_TCB_NTFN}},
    [PN_SCHED_CONTEXT_CONSUMED] = {0, 0, {0}, {0}},
    [PN_SCHED_CONTEXT_YIELD_TO] = {0, 0, {0}, {0}},
    [PN_X86_PDPT_MAP] = {2, 1, {W_VADDR, W_ATTR}, {C_PML4}},
    [PN_X86_PDPT_UNMAP] = {0, 0, {0}, {0}},
    [PN_X86_PAGE_DIRECTORY_MAP] = {2, 1, {W_VADDR, W_ATTR}, {C_PML4}},
    [PN_X86_PAGE_DIRECTORY_UNMAP] = {0, 0, {0}, {0}},
    [PN_X86_PAGE_TABLE_MAP] = {2, 1, {W_VADDR, W_ATTR}, {C_PML4}},
    [PN_X86_PAGE_TABLE_UNMAP] = {0, 0, {0}, {0}},
    [PN_X86_PAGE_MAP] = {3, 1, {W_VADDR, W_RIGHTS, W_ATTR}, {C_PML4}},
    [PN_X86_PAGE_UNMAP] = {0, 0, {0}, {0}},
    [PN_X86_PAGE_GET_ADDRESS] = {0, 0, {0}, {0}},
    [PN_X86_ASID_CONTROL_MAKE_POOL] = {2, 2, {W_DEST, W_DEPTH}, {C_UNTYPED, C_CNODE}},
    [PN_X86_ASID_POOL_ASSIGN] = {0, 1, {0}, {C_PML4}},
    [PN_X86_IOPORT_CONTROL_ISSUE] = {4, 1, {W_PORT, W_PORT, W_DEST, W_DEPTH}, {C_CNODE}},
    [PN_X86_IOPORT_IN8] = {1, 0, {W_PORT}, {0}},
    [PN_X86_IOPORT_IN16] = {1, 0, {W_PORT}, {0}},
    [PN_X86_IOPORT_IN32] = {1, 0, {W_PORT}, {0}},
    [PN_X86_IOPORT_OUT8] = {2, 0, {W_PORT, W_ANY}, {0}},
    [PN_X86_IOPORT_OUT16] = {2, 0, {W_PORT, W_ANY}, {0}},
    [PN_X86_IOPORT_OUT32] = {2, 0, {W_PORT, W_ANY}, {0}},
    [PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC] = {7, 1, {W_DEST, W_DEPTH, W_SMALL, W_PIN, W_BOOL,
                                                    W_BOOL, W_VECTOR},
                                             {C_CNODE}},
    [PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI] = {7, 1, {W_DEST, W_DEPTH, W_SMALL, W_PIN, W_SMALL,
                                                 W_ANY, W_VECTOR},
                                          {C_CNODE}},
};

/* The methods of a cap type: [first, last] label ranges (up to 3). */
static unsigned label_for_type(struct fz_ctx *c, pn_word_t type)
{
    static const unsigned char ranges[][6] = {
        [PN_CAP_UNTYPED] = {1, 1},
        [PN_CAP_THREAD] = {2, 17},
        [PN_CAP_CNODE] = {18, 25},
        [PN_CAP_IRQ_CONTROL] = {26, 26, 57, 58},
        [PN_CAP_IRQ_HANDLER] = {27, 29},
        [PN_CAP_DOMAIN] = {30, 32},
        [PN_CAP_SCHED_CONTROL] = {33, 33},
        [PN_CAP_SCHED_CONTEXT] = {34, 38},
        [PN_CAP_PDPT] = {39, 40},
        [PN_CAP_PAGE_DIRECTORY] = {41, 42},
        [PN_CAP_PAGE_TABLE] = {43, 44},
        [PN_CAP_FRAME] = {45, 47},
        [PN_CAP_ASID_CONTROL] = {48, 48},
        [PN_CAP_ASID_POOL] = {49, 49},
        [PN_CAP_IO_PORT_CONTROL] = {50, 50},
        [PN_CAP_IO_PORT] = {51, 56},
    };
    if (type >= sizeof ranges / sizeof ranges[0] || !ranges[type][0])
        return (unsigned)below(c, PN_INVOCATION_LABEL_COUNT);
    unsigned n = ranges[type][2] ? (ranges[type][4] ? 3 : 2) : 1;
    unsigned k = (unsigned)below(c, n);
    unsigned lo = ranges[type][2 * k], hi = ranges[type][2 * k + 1];
    return lo + (unsigned)below(c, hi - lo + 1);
}

static int is_ipc_type(pn_word_t t)
{
    return t == PN_CAP_ENDPOINT || t == PN_CAP_NOTIFICATION || t == PN_CAP_REPLY;
}

/* Fills in an invocation of `cap` (type `type`): label, words, extra caps. */
static void make_invocation(struct fz_ctx *c, struct fz_regs *r, pn_ipc_buffer_t *ipc,
                            struct fz_call *rec, pn_word_t type)
{
    pn_word_t label;
    unsigned u = (unsigned)below(c, 100);
    if (is_ipc_type(type))
        label = u < 70 ? below(c, 8) : (u < 90 ? below(c, PN_INVOCATION_LABEL_COUNT) : rnd(c) >> 12);
    else if (u < 70)
        label = label_for_type(c, type);
    else if (u < 92)
        label = below(c, PN_INVOCATION_LABEL_COUNT);
    else
        label = PICK(c, PN_INVOCATION_LABEL_COUNT, PN_INVOCATION_LABEL_COUNT + 1, 0xfff,
                     rnd(c) >> 12);
    const struct spec *s = label < PN_INVOCATION_LABEL_COUNT ? &specs[label] : &specs[0];
    /* CNode methods name slots of the invoked CNode (and of C[0], C[1], which are mostly
     * the same cap here); other methods name slots of C[0] */
    pn_word_t target = rec->cptr;
    pn_word_t first_cap = target;
    if (!(label >= PN_CNODE_REVOKE && label <= PN_CNODE_ROTATE && type == PN_CAP_CNODE))
        first_cap = s->nc && s->c[0] == C_CNODE ? cap_arg(c, C_CNODE) : 0;
    c->style = style_of(c, first_cap);
    c->style = (c->style & 0xff) | (c->style >> 8 & 0xff) << 8;
    pn_word_t words[FZ_IPC_WORDS];
    unsigned nw = s->nw, nc = s->nc;
    if (pct(c, 15))
        nw = (unsigned)below(c, 128);
    else if (pct(c, 5) && nw)
        nw--;
    if (pct(c, 12))
        nc = (unsigned)below(c, 4);
    unsigned fill = nw > FZ_IPC_WORDS ? FZ_IPC_WORDS : nw;
    for (unsigned i = 0; i < fill; i++) {
        unsigned kind = i < 8 && i < s->nw ? s->w[i] : W_ANY;
        if (label == PN_TCB_WRITE_REGISTERS && i >= 2) {
            /* a register image: an address in the thread's code or stack, flags, or noise */
            unsigned reg = i - 2;
            if (reg == PN_UC_RIP)
                words[i] = PICK(c, (pn_word_t)fz_thread_main, (pn_word_t)fz_int_table,
                                (pn_word_t)fz_probe_ud2, 0, 0x800000000000, rnd(c));
            else if (reg == PN_UC_RSP)
                words[i] = PICK(c, FZ_THREAD_BASE(c->id) + FZ_STACK_OFF + 0x2000, 0, rnd(c));
            else if (reg == PN_UC_RFLAGS)
                words[i] = PICK(c, 0x202, 0x2, 0x302, 0x40202, 0x3202, rnd(c));
            else
                words[i] = any_word(c);
            continue;
        }
        words[i] = word_arg(c, kind, i ? &words[i - 1] : NULL);
    }
    for (unsigned i = 0; i < 3; i++) {
        pn_word_t cap = cap_arg(c, i < s->nc ? s->c[i] : C_ANY);
        if (i < s->nc && s->c[i] == C_CNODE && first_cap && pct(c, 70))
            cap = first_cap;
        ipc->caps_or_badges[i] = rec->caps[i] = cap;
    }
    for (unsigned i = 4; i < fill; i++)
        ipc->msg[i] = words[i];
    r->r10 = fill > 0 ? words[0] : any_word(c);
    r->r8 = fill > 1 ? words[1] : any_word(c);
    r->r9 = fill > 2 ? words[2] : any_word(c);
    r->r15 = fill > 3 ? words[3] : any_word(c);
    pn_word_t unwrapped = pct(c, 95) ? 0 : below(c, 8);
    r->rsi = pn_msginfo(label, unwrapped, nc, nw);
    if (pct(c, 2))
        r->rsi = rnd(c);
}

/* ---- one call ---- */

static void brief(struct fz_ctx *c, const struct fz_call *k)
{
    struct fz_brief *b = &c->ring[c->ring_next % FZ_RING];
    b->seq = k->seq;
    b->state = k->state;
    b->kind = k->kind;
    b->sysno = k->sysno;
    b->cptr = k->cptr;
    b->info = k->info;
    b->mr0 = k->mr[0];
    b->cap_type = k->cap_type;
    b->out_info = k->out_info;
}

static void count_call_result(struct fz_ctx *c, const struct fz_call *k, unsigned column)
{
    /* only calls on a capability to a kernel object (not to nothing, not to an IPC
     * object, whose label is just message data) */
    if (k->kind != FZ_K_CALL || k->cap_type == PN_CAP_NULL || is_ipc_type(k->cap_type))
        return;
    pn_word_t label = pn_msginfo_label(k->info);
    c->by_label[label < FZ_LABELS - 1 ? label : FZ_LABELS - 1][column]++;
}

static void one_call(struct fz_ctx *c, pn_word_t seq)
{
    pn_ipc_buffer_t *ipc = (pn_ipc_buffer_t *)c->ipc_vaddr;
    struct fz_call *k = &c->cur;
    struct fz_regs r = {0};
    pn_word_t flags = 0;

    memset(k, 0, offsetof(struct fz_call, ipc));
    k->seq = seq;

    /* the syscall */
    static const unsigned char weights[FZ_K_COUNT] = {
        [FZ_K_CALL] = 42, [FZ_K_REPLY_RECV] = 5, [FZ_K_NB_SEND_RECV] = 5,
        [FZ_K_NB_SEND_WAIT] = 4, [FZ_K_SEND] = 7, [FZ_K_NB_SEND] = 8, [FZ_K_RECV] = 4,
        [FZ_K_NB_RECV] = 5, [FZ_K_WAIT] = 2, [FZ_K_NB_WAIT] = 4, [FZ_K_YIELD] = 2,
        [FZ_K_DEBUG] = 4, [FZ_K_GARBAGE] = 3, [FZ_K_INSN] = 5,
    };
    unsigned w = (unsigned)below(c, 100), kind = 0;
    while (kind < FZ_K_COUNT - 1 && w >= weights[kind])
        w -= weights[kind++];
    k->kind = kind;

    /* the IPC buffer: receive slot, and leftovers from the previous call stay */
    ipc->receive_cnode = pct(c, 70) ? FZ_CPTR(1, FZ_P_L1) : cptr_any(c);
    ipc->receive_index = pct(c, 70) ? FZ_CPTR(1, FZ_PRIV_FREE + below(c, 256 - FZ_PRIV_FREE))
                                    : word_arg(c, W_DEST, NULL);
    ipc->receive_depth = word_arg(c, W_DEPTH, NULL);
    if (pct(c, 10))
        ipc->msg[below(c, FZ_IPC_WORDS)] = any_word(c);

    pn_word_t target = 0;
    switch (kind) {
    case FZ_K_CALL: case FZ_K_SEND: case FZ_K_NB_SEND:
        target = cptr_any(c);
        r.rdi = target;
        break;
    case FZ_K_REPLY_RECV:
        target = r.r12 = cptr_of(c, pct(c, 80) ? PN_CAP_REPLY : PN_CAP_ENDPOINT);
        r.rdi = cptr_of(c, pct(c, 80) ? PN_CAP_ENDPOINT : PN_CAP_NOTIFICATION);
        break;
    case FZ_K_NB_SEND_RECV:
        target = r.r13 = cptr_any(c);
        r.rdi = cptr_of(c, pct(c, 80) ? PN_CAP_ENDPOINT : PN_CAP_NOTIFICATION);
        r.r12 = cptr_of(c, PN_CAP_REPLY);
        break;
    case FZ_K_NB_SEND_WAIT:
        target = r.r12 = cptr_any(c);
        r.rdi = cptr_of(c, pct(c, 70) ? PN_CAP_NOTIFICATION : PN_CAP_ENDPOINT);
        break;
    case FZ_K_RECV: case FZ_K_NB_RECV:
        r.rdi = cptr_of(c, pct(c, 70) ? PN_CAP_ENDPOINT : PN_CAP_NOTIFICATION);
        r.r12 = cptr_of(c, PN_CAP_REPLY);
        break;
    case FZ_K_WAIT: case FZ_K_NB_WAIT:
        r.rdi = cptr_of(c, pct(c, 70) ? PN_CAP_NOTIFICATION : PN_CAP_ENDPOINT);
        r.r12 = any_word(c);
        break;
    default:
        break;
    }

    switch (kind) {
    case FZ_K_CALL: case FZ_K_SEND: case FZ_K_NB_SEND: case FZ_K_REPLY_RECV:
    case FZ_K_NB_SEND_RECV: case FZ_K_NB_SEND_WAIT:
        k->cap_type = pn_debug_cap_identify(target);
        k->cptr = target;
        make_invocation(c, &r, ipc, k, k->cap_type);
        r.rdx = (pn_word_t)(long)(kind == FZ_K_CALL ? PN_SYS_CALL
                                  : kind == FZ_K_SEND ? PN_SYS_SEND
                                  : kind == FZ_K_NB_SEND ? PN_SYS_NB_SEND
                                  : kind == FZ_K_REPLY_RECV ? PN_SYS_REPLY_RECV
                                  : kind == FZ_K_NB_SEND_RECV ? PN_SYS_NB_SEND_RECV
                                                              : PN_SYS_NB_SEND_WAIT);
        break;
    case FZ_K_RECV: case FZ_K_NB_RECV: case FZ_K_WAIT: case FZ_K_NB_WAIT:
        r.rsi = pct(c, 80) ? 0 : rnd(c);
        r.r10 = any_word(c);
        r.rdx = (pn_word_t)(long)(kind == FZ_K_RECV ? PN_SYS_RECV
                                  : kind == FZ_K_NB_RECV ? PN_SYS_NB_RECV
                                  : kind == FZ_K_WAIT ? PN_SYS_WAIT
                                                      : PN_SYS_NB_WAIT);
        break;
    case FZ_K_YIELD:
        r.rdx = (pn_word_t)(long)PN_SYS_YIELD;
        r.rdi = any_word(c);
        break;
    case FZ_K_DEBUG:
        r.rdx = (pn_word_t)PICK(c, (pn_word_t)(long)PN_SYS_DEBUG_CAP_IDENTIFY,
                                (pn_word_t)(long)PN_SYS_DEBUG_CAP_IDENTIFY,
                                (pn_word_t)(long)PN_SYS_SET_TLS_BASE,
                                (pn_word_t)(long)PN_SYS_DEBUG_PREEMPTIONS);
        r.rdi = r.rdx == (pn_word_t)(long)PN_SYS_SET_TLS_BASE ? any_word(c) : cptr_any(c);
        break;
    case FZ_K_GARBAGE: {
        /* never a debug call that stops or prints (-12..-17), nor the MSR calls (-30, -31),
         * nor the checking build's DebugCorrupt (-66), which breaks invariants on purpose */
        long n;
        do {
            n = (long)PICK(c, (pn_word_t)(-18 - (long)below(c, 16)), below(c, 64), rnd(c),
                           (pn_word_t)(-34 - (long)below(c, 100)), (pn_word_t)(long)-64,
                           (pn_word_t)(long)-65, 1ul << 63, 0x7fffffffffffffff, 0);
        } while ((n >= -17 && n <= -1) || n == -30 || n == -31 || n == -33 || n == PN_SYS_DEBUG_CORRUPT);
        r.rdx = (pn_word_t)n;
        r.rdi = any_word(c);
        r.rsi = any_word(c);
        break;
    }
    default:
        break;
    }
    if (kind != FZ_K_INSN && pct(c, 3))
        flags = 1 + below(c, 3); /* DF and/or AC set across the SYSCALL */

    k->sysno = (int64_t)r.rdx;
    k->cptr = r.rdi;
    k->info = r.rsi;
    k->mr[0] = r.r10;
    k->mr[1] = r.r8;
    k->mr[2] = r.r9;
    k->mr[3] = r.r15;
    k->r12 = r.r12;
    k->r13 = r.r13;
    for (unsigned i = 0; i < 3; i++)
        k->caps[i] = ipc->caps_or_badges[i];
    k->recv[0] = ipc->receive_cnode;
    k->recv[1] = ipc->receive_index;
    k->recv[2] = ipc->receive_depth;
    unsigned len = (unsigned)pn_msginfo_length(r.rsi);
    k->nwords = len > FZ_IPC_WORDS ? FZ_IPC_WORDS : len;
    for (unsigned i = 4; i < k->nwords; i++)
        k->ipc[i] = ipc->msg[i];

    pn_word_t probe = 0;
    if (kind == FZ_K_INSN) {
        probe = pct(c, 60) ? below(c, 256) : 256 + below(c, N_PROBES);
        k->sysno = (int64_t)probe;
    }

    c->by_kind[kind]++;
    k->state = 1;
    brief(c, k);
    c->in_call = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);

    if (kind == FZ_K_INSN) {
        void (*fn)(void) = probe < 256 ? (void (*)(void))(fz_int_table + 8 * probe)
                                       : (void (*)(void))probes[probe - 256];
        fn();
    } else {
        fz_do_syscall(&r, flags);
    }

    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    c->in_call = 0;
    k->state = 2;
    k->out_badge = r.rdi;
    k->out_info = r.rsi;
    k->out_mr0 = r.r10;
    c->returned++;
    brief(c, k);
    c->ring_next++;
    if (kind == FZ_K_CALL)
        count_call_result(c, k, fz_result_column(pn_msginfo_label(r.rsi)));
}

void fz_thread_main(struct fz_ctx *c)
{
    struct fz_global *g = (struct fz_global *)c->global_vaddr;
    if (c->in_call) {
        /* restarted: the call in flight never came back */
        c->in_call = 0;
        c->cur.state = 3;
        brief(c, &c->cur);
        c->ring_next++;
        count_call_result(c, &c->cur, FZ_RES_ABORTED);
    }
    for (;;) {
        pn_word_t seq = __atomic_fetch_add(&g->seq, 1, __ATOMIC_SEQ_CST);
        if (seq >= g->count)
            for (;;)
                pn_yield();
        c->started++;
        one_call(c, seq);
    }
}
