/*
 * libFuzzer harness for the kernel's invocation decoder and object operations, built for
 * the host with AddressSanitizer and UndefinedBehaviorSanitizer (build/host/invocation-fuzz,
 * docs/testing.md).  The object code (cdt.c, objecttype.c, cspace.c, invocation.c,
 * preemption.c, cnode.c, untyped.c, arch/x86_64/objects.c) runs against host/shim/.
 *
 * Each input starts from the same small world, built once through the kernel's own
 * invocations and restored from a snapshot: a root CNode (its original cap in slot 2, a
 * copy in the caller's CTable slot whose guard the input chooses), IRQ/ASID/IOPort
 * control, Domain and SchedControl caps, five untypeds (one of them device memory, one
 * smaller than a reset chunk), and objects retyped from them: CNodes (one nested in
 * another under a guard, one minted with a guard), endpoints and notifications with
 * badged and read-only copies, a reply, a TCB, a scheduling context, frames (one of
 * device memory), a page table, a PML4, a child untyped and an issued IO port range.
 *
 * The input is then read as a sequence of steps.  A step is an invocation, decoded as the
 * syscall layer does it (syscall.c: service and extra caps looked up in the caller's
 * CSpace with depth 64, a lookup failure ends the step as a cap fault would, the length
 * clamped, no extra caps without an IPC buffer): cap addresses are built by walking the
 * CSpace as it is, then perhaps corrupted; the label is any of the 59 labels, the ones
 * the service cap understands, or garbage; argument words follow the layout of the
 * label's method (addresses, object types and sizes, rights, badges, guards, port
 * numbers) or are raw.  A preempted invocation is re-executed, with an interrupt pending
 * never, always, or by a pattern from the input.  Another kind of step writes into a
 * frame (as its user could).
 *
 * Invocations the shim cannot host (IPC, TCB, SchedContext, IRQ, Domain and paging
 * methods) are skipped: their caps only take part as objects (copied, moved, deleted...).
 *
 * After every step (and, for the structure, after every preempted attempt) the harness
 * checks the kernel's invariants and aborts on the first violation, so libFuzzer reports
 * it with the input:
 *   - every slot reachable (through the caller's CTable, CNode/TCB/zombie caps and the
 *     derivation list) is a slot of a live object; the list links agree both ways; an
 *     empty slot has no links and no garbage; every cap is well formed for its type;
 *   - every object lies inside simulated memory, aligned to its size, inside a boot
 *     untyped (except the root CNode); two objects are disjoint unless one is an untyped
 *     containing the other, or they are the same object;
 *   - every cap to memory inside an untyped is that untyped's descendant, and lies below
 *     its free index; a cap's descendants (the list run cdt_is_parent_of accepts) are
 *     inside it or the same object (IO ports under their control cap);
 *   - cdt_is_final agrees with a count of caps to the same object over every slot; the
 *     caps to one object are one run of the list; every cap's flags obey cdt_flags_valid;
 *   - the kernel's threads are exactly the TCBs that have caps;
 *   - memory of an untyped above its free index is zero, new objects are zero, device
 *     memory is never written;
 *   - an invocation that fails changes no slot; error replies have the shape
 *     invocations.md §1 gives them; the decoder never reads message words beyond the
 *     message length (the rest of the IPC buffer is poisoned for AddressSanitizer); port
 *     I/O stays inside the invoked IO port cap; IOPortControl_Issue refuses exactly the
 *     ranges that overlap a live IO port cap;
 *   - every invocation completes (bounded re-executions).
 *
 * Environment: PECAN_FUZZ_TRACE=1 prints every step; PECAN_FUZZ_STATS=1 prints at exit how
 * many invocations of each label ended with each error code.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "cdt.h"
#include "cspace.h"
#include "host_shim.h"
#include "invocation.h"
#include "objecttype.h"
#include "preemption.h"
#include "test.h"

/* ---- the simulated machine ---- */

#define MEM_BASE 0x100000ul
#define MEM_SIZE 0x80000ul
#define ROOT_RADIX 7
#define ROOT_SLOTS (1u << ROOT_RADIX)
#define ROOT_PADDR MEM_BASE

static const struct {
    paddr_t base;
    unsigned bits;
    bool device;
    unsigned slot;
} boot_untypeds[] = {
    {0x140000, 18, false, 16},
    {0x120000, 17, false, 17},
    {0x110000, 16, false, 18},
    {0x108000, 15, true, 19},
    {0x101000, 7, false, 20},
};
#define NUM_BOOT_UT ARRAY_SIZE(boot_untypeds)
#define DEVICE_BASE 0x108000ul
#define DEVICE_SIZE 0x8000ul

enum {
    S_INIT_CNODE = 2,
    S_IRQ_CONTROL = 4,
    S_ASID_CONTROL = 5,
    S_IOPORT_CONTROL = 7,
    S_DOMAIN = 11,
    S_SCHED_CONTROL = 13,
};
/* Boot caps that are roots of the derivation list. */
#define NUM_ROOTS (6 + NUM_BOOT_UT)

static uint8_t *template_mem;   /* simulated memory at the start of every input */
static tcb_t *caller;
static tcb_t *template_caller;
static tcb_t *template_threads[HOST_MAX_THREADS];
static unsigned template_num_threads;
static pn_ipc_buffer_t *ipcbuf;

/* ---- failing ---- */

#define LOG_LINES 24
static char oplog[LOG_LINES][320];
static unsigned long oplog_n;
static char cur_op[320];
static bool trace;

static void dump_log(void)
{
    unsigned long from = oplog_n > LOG_LINES ? oplog_n - LOG_LINES : 0;
    fprintf(stderr, "invocation-fuzz: last steps:\n");
    for (unsigned long i = from; i < oplog_n; i++)
        fprintf(stderr, "    %s\n", oplog[i % LOG_LINES]);
    fprintf(stderr, "    failing step: %s\n", cur_op);
}

static NORETURN void vfail(const char *file, int line, const char *fmt, va_list ap)
{
    fprintf(stderr, "\nFUZZ VIOLATION %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    dump_log();
    fflush(stderr);
    abort();
}

/* The shim reports kernel panics, failed kasserts and unhosted hooks here. */
void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(file, line, fmt, ap);
}

static NORETURN __attribute__((format(printf, 3, 4))) void fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(file, line, fmt, ap);
}
#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define ENSURE(cond, ...)                                                           \
    do {                                                                            \
        if (!(cond))                                                                \
            FAIL(__VA_ARGS__);                                                      \
    } while (0)

/* ---- reading the input ---- */

static const uint8_t *in_p;
static size_t in_n;

static uint8_t u8(void)
{
    if (!in_n)
        return 0;
    in_n--;
    return *in_p++;
}

static uint16_t u16(void) { return (uint16_t)(u8() | u8() << 8); }

static word_t u64(void)
{
    word_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (word_t)u8() << (8 * i);
    return v;
}

/* ---- slots ---- */

static cte_t *root_slots(void) { return paddr_to_kptr(ROOT_PADDR); }

static bool in_mem(const void *p, word_t n)
{
    uintptr_t v = (uintptr_t)p, m = (uintptr_t)host_phys_mem;
    return v >= m && n <= MEM_SIZE && v - m <= MEM_SIZE - n;
}

static bool is_caller_slot(const cte_t *s)
{
    return s >= &caller->slots[0] && s < &caller->slots[TCB_SLOT_COUNT];
}

/* Granule (8 bytes) index of a slot: of the memory, then the caller's slots. */
#define NGRAN ((unsigned)(MEM_SIZE / 8) + TCB_SLOT_COUNT)
static int gran_of(const cte_t *s)
{
    if (is_caller_slot(s))
        return (int)(MEM_SIZE / 8) + (int)(s - caller->slots);
    if (!in_mem(s, sizeof *s) || ((uintptr_t)s - (uintptr_t)host_phys_mem) % 8)
        return -1;
    return (int)(((uintptr_t)s - (uintptr_t)host_phys_mem) / 8);
}

static const char *slot_name(const cte_t *s)
{
    static char bufs[4][48];
    static unsigned k;
    char *b = bufs[k++ % 4];
    if (is_caller_slot(s))
        snprintf(b, 48, "caller.slot%d", (int)(s - caller->slots));
    else if (in_mem(s, 1) && (uintptr_t)s - (uintptr_t)host_phys_mem < ROOT_SLOTS * sizeof(cte_t))
        snprintf(b, 48, "root[%d]", (int)(s - root_slots()));
    else if (in_mem(s, 1))
        snprintf(b, 48, "slot@%lx", (unsigned long)kptr_to_paddr(s));
    else
        snprintf(b, 48, "%p", (const void *)s);
    return b;
}

static const char *cap_str(cap_t c)
{
    static char bufs[4][96];
    static unsigned k;
    char *b = bufs[k++ % 4];
    snprintf(b, 96, "type %d w0 %016lx w1 %016lx", (int)cap_type(c), (unsigned long)c.w0, (unsigned long)c.w1);
    return b;
}

/* ---- caps: what this harness believes about them (independently of objecttype.c) ---- */

static bool is_table_type(int t)
{
    return t == PN_CAP_PML4 || t == PN_CAP_PDPT || t == PN_CAP_PAGE_DIRECTORY || t == PN_CAP_PAGE_TABLE;
}

/* The physical memory a cap's object occupies; false if it has none. */
static bool region(cap_t c, paddr_t *base, unsigned *bits)
{
    uintptr_t p = (uintptr_t)cap_object(c);
    switch ((int)cap_type(c)) {
    case PN_CAP_UNTYPED:
        *base = cap_untyped_base(c), *bits = cap_untyped_size_bits(c);
        return true;
    case PN_CAP_FRAME:
        *base = cap_frame_base(c), *bits = cap_frame_size_bits(c);
        return true;
    case PN_CAP_ENDPOINT: *bits = PN_ENDPOINT_BITS; break;
    case PN_CAP_NOTIFICATION: *bits = PN_NOTIFICATION_BITS; break;
    case PN_CAP_REPLY: *bits = PN_REPLY_BITS; break;
    case PN_CAP_CNODE: *bits = cap_cnode_radix(c) + PN_SLOT_BITS; break;
    case PN_CAP_THREAD: *bits = PN_TCB_BITS; break;
    case PN_CAP_SCHED_CONTEXT: *bits = cap_sched_context_size_bits(c); break;
    case PN_CAP_ASID_POOL: *bits = PN_PAGE_BITS; break;
    case PN_CAP_ZOMBIE:
        if (cap_zombie_type(c) == ZOMBIE_TCB) {
            p -= offsetof(tcb_t, slots);
            *bits = PN_TCB_BITS;
        } else {
            *bits = cap_zombie_type(c) + PN_SLOT_BITS;
        }
        break;
    default:
        if (!is_table_type(cap_type(c)))
            return false;
        *bits = PN_PAGE_BITS;
        break;
    }
    if (*bits >= 40 || !in_mem((void *)p, BIT(*bits)))
        FAIL("cap %s: object %lx/%u outside the simulated memory", cap_str(c), (unsigned long)p, *bits);
    *base = kptr_to_paddr((void *)p);
    return true;
}

/* The kind of object for overlap checks: zombies are the CNodes and TCBs they were. */
static int object_kind(cap_t c)
{
    if (cap_type(c) == PN_CAP_ZOMBIE)
        return cap_zombie_type(c) == ZOMBIE_TCB ? PN_CAP_THREAD : PN_CAP_CNODE;
    return cap_type(c);
}

/* A key such that two caps refer to the same object (seL4's sameObjectAs) iff their keys
 * are equal; untypeds and zombies are never the same object as anything. */
typedef struct okey {
    word_t a, b, c;
} okey_t;

static bool object_key(cap_t c, okey_t *k)
{
    int t = cap_type(c);
    *k = (okey_t){(word_t)t, 0, 0};
    switch (t) {
    case PN_CAP_NULL:
    case PN_CAP_UNTYPED:
    case PN_CAP_ZOMBIE:
        return false;
    case PN_CAP_CNODE:
        k->b = (word_t)cap_object(c), k->c = cap_cnode_radix(c);
        return true;
    case PN_CAP_SCHED_CONTEXT:
        k->b = (word_t)cap_object(c), k->c = cap_sched_context_size_bits(c);
        return true;
    case PN_CAP_FRAME:
        k->b = cap_frame_base(c), k->c = cap_frame_size(c) | (word_t)cap_frame_is_device(c) << 8;
        return true;
    case PN_CAP_IO_PORT:
    case PN_CAP_IRQ_HANDLER:
        k->b = c.w1;
        return true;
    case PN_CAP_IRQ_CONTROL:
    case PN_CAP_IO_PORT_CONTROL:
    case PN_CAP_ASID_CONTROL:
    case PN_CAP_DOMAIN:
    case PN_CAP_SCHED_CONTROL:
        return true;
    default:
        k->b = (word_t)cap_object(c);
        return true;
    }
}

static int key_cmp(const void *x, const void *y)
{
    const okey_t *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return 0;
}

/* A well-formed cap of a type the host world can hold. */
static void check_cap_form(const cte_t *s)
{
    cap_t c = s->cap;
    paddr_t b;
    unsigned bits;
    switch ((int)cap_type(c)) {
    case PN_CAP_UNTYPED:
        ENSURE(cap_untyped_size_bits(c) >= PN_MIN_UNTYPED_BITS && cap_untyped_size_bits(c) <= 40,
               "%s: untyped of %u bits", slot_name(s), cap_untyped_size_bits(c));
        ENSURE(cap_untyped_free_index(c) <= BIT(cap_untyped_size_bits(c)), "%s: untyped %s free index past its end",
               slot_name(s), cap_str(c));
        ENSURE((cap_misc(c) >> 7) == 0, "%s: untyped %s with stray bits", slot_name(s), cap_str(c));
        break;
    case PN_CAP_CNODE:
        ENSURE(cap_cnode_radix(c) >= 1 && cap_cnode_radix(c) + cap_cnode_guard_size(c) <= 64,
               "%s: CNode %s radix/guard", slot_name(s), cap_str(c));
        ENSURE((cap_cnode_guard(c) & ~MASK(cap_cnode_guard_size(c))) == 0, "%s: CNode %s guard wider than its size",
               slot_name(s), cap_str(c));
        break;
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        ENSURE((cap_misc(c) & ~(word_t)PN_RIGHTS_ALL) == 0, "%s: %s stray bits", slot_name(s), cap_str(c));
        if (cap_type(c) == PN_CAP_NOTIFICATION)
            ENSURE((cap_rights(c) & ~(word_t)PN_RIGHTS_RW) == 0, "%s: notification %s with grant rights",
                   slot_name(s), cap_str(c));
        break;
    case PN_CAP_ZOMBIE:
        ENSURE(cap_zombie_type(c) == ZOMBIE_TCB || (cap_zombie_type(c) >= 1 && cap_zombie_type(c) < 40),
               "%s: zombie %s type", slot_name(s), cap_str(c));
        ENSURE(cap_zombie_number(c) <= (cap_zombie_type(c) == ZOMBIE_TCB ? TCB_SLOT_COUNT : BIT(cap_zombie_type(c))),
               "%s: zombie %s with more slots than its object", slot_name(s), cap_str(c));
        break;
    case PN_CAP_FRAME:
        ENSURE(cap_frame_size(c) <= FRAME_1G && cap_frame_rights(c) >= VM_KERNEL_ONLY, "%s: frame %s", slot_name(s),
               cap_str(c));
        ENSURE(c.w1 == 0, "%s: frame %s is mapped", slot_name(s), cap_str(c));
        break;
    case PN_CAP_IO_PORT:
        ENSURE(cap_io_port_first(c) <= cap_io_port_last(c) && (c.w1 >> 32) == 0, "%s: IO port %s", slot_name(s),
               cap_str(c));
        break;
    case PN_CAP_REPLY:
    case PN_CAP_THREAD:
    case PN_CAP_SCHED_CONTEXT:
    case PN_CAP_IRQ_CONTROL:
    case PN_CAP_IO_PORT_CONTROL:
    case PN_CAP_ASID_CONTROL:
    case PN_CAP_DOMAIN:
    case PN_CAP_SCHED_CONTROL:
        break;
    default:
        ENSURE(is_table_type(cap_type(c)), "%s: cap %s of a type the host world never makes", slot_name(s),
               cap_str(c));
        ENSURE(cap_type(c) == PN_CAP_PML4 ? c.w1 == 0 : cap_mapped_asid(c) == 0, "%s: table %s is mapped",
               slot_name(s), cap_str(c));
        break;
    }
    if (region(c, &b, &bits))
        ENSURE(IS_ALIGNED(b, bits), "%s: object of %s not aligned to its size", slot_name(s), cap_str(c));
}

/* ---- the universe: every slot reachable from the caller ---- */

#define MAX_SLOTS (MEM_SIZE / sizeof(cte_t) + TCB_SLOT_COUNT)
static cte_t *uni[MAX_SLOTS];
static unsigned nuni;
static unsigned *seen, *objslot; /* per granule: generation stamps */
static unsigned gen;
static unsigned *held, held_gen; /* per granule: held a cap before the step */
static unsigned uni_roots;       /* slots with a cap and no list predecessor */
static bool uni_complete;        /* every boot root was reached: every cap was */

static void uni_add(const cte_t *s, const cte_t *from, const char *how)
{
    int g = gran_of(s);
    ENSURE(g >= 0, "%s (%s) %s %p, not a slot of the machine", slot_name(from), cap_str(from->cap), how,
           (const void *)s);
    if (seen[g] == gen)
        return;
    ENSURE(nuni < MAX_SLOTS, "universe overflow");
    seen[g] = gen;
    uni[nuni++] = (cte_t *)s;
}

static void add_object_slots(const cte_t *from, cte_t *slots, word_t n)
{
    ENSURE(in_mem(slots, n * sizeof(cte_t)), "%s (%s): slots outside the machine", slot_name(from),
           cap_str(from->cap));
    for (word_t i = 0; i < n; i++) {
        int g = gran_of(&slots[i]);
        ENSURE(g >= 0, "%s (%s): slot %lu misaligned", slot_name(from), cap_str(from->cap), (unsigned long)i);
        objslot[g] = gen;
        uni_add(&slots[i], from, "holds");
    }
}

static void universe(void)
{
    gen++;
    nuni = 0;
    uni_roots = 0;
    for (unsigned i = 0; i < TCB_SLOT_COUNT; i++) {
        objslot[gran_of(&caller->slots[i])] = gen;
        uni_add(&caller->slots[i], &caller->slots[i], "is");
    }
    for (unsigned k = 0; k < nuni; k++) {
        const cte_t *s = uni[k];
        cap_t c = s->cap;
        if (cap_is_null(c))
            continue;
        if (mdb_next(s))
            uni_add(mdb_next(s), s, "links to");
        if (mdb_prev(s))
            uni_add(mdb_prev(s), s, "back-links to");
        else
            uni_roots++;
        switch ((int)cap_type(c)) {
        case PN_CAP_CNODE:
            ENSURE(cap_cnode_radix(c) >= 1 && cap_cnode_radix(c) <= 20, "%s: CNode %s radix", slot_name(s),
                   cap_str(c));
            add_object_slots(s, cap_object(c), BIT(cap_cnode_radix(c)));
            break;
        case PN_CAP_THREAD: {
            tcb_t *t = cap_object(c);
            ENSURE(in_mem(t, BIT(PN_TCB_BITS)), "%s: TCB %s outside the machine", slot_name(s), cap_str(c));
            add_object_slots(s, t->slots, TCB_SLOT_COUNT);
            break;
        }
        case PN_CAP_ZOMBIE: {
            word_t n = cap_zombie_type(c) == ZOMBIE_TCB ? TCB_SLOT_COUNT
                       : cap_zombie_type(c) <= 20 ? BIT(cap_zombie_type(c)) : 0;
            ENSURE(n, "%s: zombie %s", slot_name(s), cap_str(c));
            add_object_slots(s, cap_object(c), n);
            break;
        }
        default:
            break;
        }
    }
    uni_complete = uni_roots == NUM_ROOTS;
    ENSURE(uni_roots <= NUM_ROOTS, "%u caps without a list predecessor, the boot made %u", uni_roots,
           (unsigned)NUM_ROOTS);
}

/* ---- invariants ---- */

static bool check_memory_now;

static bool zero(paddr_t from, word_t n)
{
    const uint8_t *p = paddr_to_kptr(from);
    static const uint8_t z[4096];
    while (n) {
        word_t k = MIN(n, sizeof z);
        if (memcmp(p, z, k))
            return false;
        p += k, n -= k;
    }
    return true;
}

static int cmp_region(const void *x, const void *y)
{
    const cte_t *a = *(cte_t *const *)x, *b = *(cte_t *const *)y;
    paddr_t ab, bb;
    unsigned as, bs;
    region(a->cap, &ab, &as);
    region(b->cap, &bb, &bs);
    if (ab != bb)
        return ab < bb ? -1 : 1;
    if (as != bs)
        return as > bs ? -1 : 1; /* the larger (the container) first */
    return (cap_type(a->cap) != PN_CAP_UNTYPED) - (cap_type(b->cap) != PN_CAP_UNTYPED);
}

static bool same_object(cap_t a, cap_t b)
{
    okey_t ka, kb;
    return object_key(a, &ka) && object_key(b, &kb) && key_cmp(&ka, &kb) == 0;
}

/* Whether a cap may sit among the descendants of parent. */
static bool may_descend(cap_t parent, cap_t child)
{
    int pt = cap_type(parent), ct = cap_type(child);
    if (pt == PN_CAP_UNTYPED) {
        paddr_t pb, cb;
        unsigned ps, cs;
        region(parent, &pb, &ps);
        return region(child, &cb, &cs) && cb >= pb && cb + BIT(cs) <= pb + BIT(ps);
    }
    if (pt == PN_CAP_IO_PORT_CONTROL && ct == PN_CAP_IO_PORT)
        return true;
    if (pt == PN_CAP_IRQ_CONTROL && ct == PN_CAP_IRQ_HANDLER)
        return true;
    return same_object(parent, child);
}

static void check_structure(const char *when)
{
    universe();
    for (unsigned k = 0; k < nuni; k++) {
        const cte_t *s = uni[k];
        int g = gran_of(s);
        ENSURE(objslot[g] == gen, "%s: %s is linked into the derivation list but is no slot of a live object", when,
               slot_name(s));
        if (cap_is_null(s->cap)) {
            ENSURE(s->cap.w0 == 0 && s->cap.w1 == 0 && s->mdb_prev == 0 && s->mdb_next == 0,
                   "%s: empty %s has garbage %s or links %lx/%lx", when, slot_name(s), cap_str(s->cap),
                   (unsigned long)s->mdb_prev, (unsigned long)s->mdb_next);
            continue;
        }
        check_cap_form(s);
        ENSURE(cdt_flags_valid(s), "%s: %s (%s) has flags revocable=%d first-badged=%d after %s", when, slot_name(s),
               cap_str(s->cap), mdb_revocable(s), mdb_first_badged(s), mdb_prev(s) ? cap_str(mdb_prev(s)->cap) : "nothing");
        ENSURE((s->mdb_next & ~MDB_FLAGS & 7) == 0, "%s: %s next link %lx misaligned", when, slot_name(s),
               (unsigned long)s->mdb_next);
        const cte_t *n = mdb_next(s), *p = mdb_prev(s);
        if (n) {
            ENSURE(mdb_prev(n) == s, "%s: %s -> %s but its back link is %p", when, slot_name(s), slot_name(n),
                   (void *)mdb_prev(n));
            ENSURE(!cap_is_null(n->cap), "%s: %s links to empty %s", when, slot_name(s), slot_name(n));
        }
        if (p)
            ENSURE(mdb_next(p) == s, "%s: %s <- %s but its next is %p", when, slot_name(s), slot_name(p),
                   (void *)mdb_next(p));
    }
    /* Device memory is never written (checked cheaply at every attempt). */
    ENSURE(memcmp(paddr_to_kptr(DEVICE_BASE), template_mem + (DEVICE_BASE - MEM_BASE), DEVICE_SIZE) == 0,
           "%s: the kernel wrote to device memory", when);
}

static cte_t *caps[MAX_SLOTS];
static okey_t keys[MAX_SLOTS];

static void check_all(void)
{
    check_structure("after the step");
    /* Order: the caps to one object are one run of the derivation list. */
    unsigned nr = 0;
    for (unsigned k = 0; k < nuni; k++)
        if (!cap_is_null(uni[k]->cap) && cdt_starts_run(uni[k]) && object_key(uni[k]->cap, &keys[nr]))
            nr++;
    qsort(keys, nr, sizeof keys[0], key_cmp);
    for (unsigned k = 1; k < nr; k++)
        ENSURE(key_cmp(&keys[k - 1], &keys[k]) != 0, "order: the caps to one object (type %lu, %#lx) are two runs",
               (unsigned long)keys[k].a, (unsigned long)keys[k].b);

    unsigned nc = 0, nk = 0;
    for (unsigned k = 0; k < nuni; k++) {
        cte_t *s = uni[k];
        paddr_t b;
        unsigned bits;
        if (cap_is_null(s->cap))
            continue;
        if (object_key(s->cap, &keys[nk]))
            nk++;
        if (!region(s->cap, &b, &bits))
            continue;
        caps[nc++] = s;
        /* objects come from the boot untypeds, except the root CNode */
        bool inside = b == ROOT_PADDR && object_kind(s->cap) == PN_CAP_CNODE && bits == ROOT_RADIX + PN_SLOT_BITS;
        for (unsigned i = 0; i < NUM_BOOT_UT && !inside; i++)
            inside = b >= boot_untypeds[i].base &&
                     b + BIT(bits) <= boot_untypeds[i].base + BIT(boot_untypeds[i].bits);
        ENSURE(inside, "%s (%s): object outside every boot untyped", slot_name(s), cap_str(s->cap));
    }

    /* Finality: cdt_is_final against a count over every slot. */
    qsort(keys, nk, sizeof keys[0], key_cmp);
    for (unsigned k = 0; k < nuni; k++) {
        cte_t *s = uni[k];
        okey_t key;
        if (cap_is_null(s->cap))
            continue;
        bool final = true;
        if (object_key(s->cap, &key)) {
            okey_t *f = bsearch(&key, keys, nk, sizeof keys[0], key_cmp);
            ENSURE(f, "finality: key lost");
            final = !((f > keys && key_cmp(f - 1, f) == 0) || (f + 1 < keys + nk && key_cmp(f + 1, f) == 0));
        }
        if (uni_complete || !final)
            ENSURE(cdt_is_final(s) == final, "%s (%s): cdt_is_final says %d, but %s", slot_name(s), cap_str(s->cap),
                   cdt_is_final(s), final ? "no other cap refers to its object" : "other caps refer to its object");
        /* Descendants lie inside, or are the same object. */
        for (const cte_t *x = mdb_next(s); x && cdt_is_parent_of(s, x); x = mdb_next(x))
            ENSURE(may_descend(s->cap, x->cap), "%s (%s) has descendant %s (%s) outside it", slot_name(s),
                   cap_str(s->cap), slot_name(x), cap_str(x->cap));
    }

    /* Objects: disjoint, or nested in an untyped, or the same object. */
    qsort(caps, nc, sizeof caps[0], cmp_region);
    for (unsigned i = 0; i < nc; i++) {
        paddr_t ab, bb;
        unsigned as, bs;
        region(caps[i]->cap, &ab, &as);
        for (unsigned j = i + 1; j < nc; j++) {
            region(caps[j]->cap, &bb, &bs);
            if (bb >= ab + BIT(as))
                break;
            cap_t a = caps[i]->cap, b = caps[j]->cap;
            if (cap_type(a) == PN_CAP_UNTYPED && bb + BIT(bs) <= ab + BIT(as))
                continue;
            if (ab == bb && as == bs && object_kind(a) == object_kind(b))
                continue;
            FAIL("objects overlap: %s (%s) and %s (%s)", slot_name(caps[i]), cap_str(a), slot_name(caps[j]),
                 cap_str(b));
        }
    }

    /* Untypeds: every cap inside is a descendant, below the free index. */
    for (unsigned i = 0; i < nc; i++) {
        cte_t *u = caps[i];
        if (cap_type(u->cap) != PN_CAP_UNTYPED)
            continue;
        paddr_t ub, xb;
        unsigned us, xs;
        region(u->cap, &ub, &us);
        word_t free_index = cap_untyped_free_index(u->cap);
        gen++;
        for (const cte_t *x = mdb_next(u); x && cdt_is_parent_of(u, x); x = mdb_next(x)) {
            seen[gran_of(x)] = gen;
            if (region(x->cap, &xb, &xs) && !(cap_type(x->cap) == PN_CAP_UNTYPED && xb == ub && xs == us))
                ENSURE(xb + BIT(xs) <= ub + free_index, "%s (%s): descendant %s (%s) above the free index",
                       slot_name(u), cap_str(u->cap), slot_name(x), cap_str(x->cap));
        }
        for (unsigned j = 0; j < nc; j++) {
            cte_t *x = caps[j];
            if (x == u)
                continue;
            region(x->cap, &xb, &xs);
            if (xb < ub || xb + BIT(xs) > ub + BIT(us))
                continue;
            if (cap_type(x->cap) == PN_CAP_UNTYPED && xb == ub && xs == us)
                continue;
            ENSURE(seen[gran_of(x)] == gen, "%s (%s) lies inside untyped %s (%s) but is not its descendant",
                   slot_name(x), cap_str(x->cap), slot_name(u), cap_str(u->cap));
        }
        if (check_memory_now && !cap_untyped_is_device(u->cap))
            ENSURE(zero(ub + free_index, BIT(us) - free_index),
                   "%s (%s): memory above the free index is not zero", slot_name(u), cap_str(u->cap));
    }

    /* Threads: the kernel knows exactly the TCBs that have caps. */
    for (unsigned k = 0; k < nuni; k++) {
        cte_t *s = uni[k];
        if (cap_type(s->cap) != PN_CAP_THREAD && cap_type(s->cap) != PN_CAP_ZOMBIE)
            continue;
        if (cap_type(s->cap) == PN_CAP_ZOMBIE && cap_zombie_type(s->cap) != ZOMBIE_TCB)
            continue;
        tcb_t *t = cap_type(s->cap) == PN_CAP_THREAD
                       ? cap_object(s->cap)
                       : (tcb_t *)((uintptr_t)cap_object(s->cap) - offsetof(tcb_t, slots));
        bool known = false;
        for (unsigned i = 0; i < host_num_threads && !known; i++)
            known = host_threads[i] == t;
        if (cap_type(s->cap) == PN_CAP_THREAD) {
            ENSURE(known, "%s: TCB %lx has a cap but the kernel forgot the thread", slot_name(s),
                   (unsigned long)kptr_to_paddr(t));
        } else {
            ENSURE(!known, "%s: zombie TCB %lx still a thread", slot_name(s), (unsigned long)kptr_to_paddr(t));
        }
    }
    if (uni_complete) {
        unsigned distinct = 0;
        for (unsigned i = 0; i < nk; i++)
            if (keys[i].a == PN_CAP_THREAD && (i == 0 || key_cmp(&keys[i - 1], &keys[i]) != 0))
                distinct++;
        ENSURE(distinct == host_num_threads, "the kernel knows %u threads, %u TCBs have caps", host_num_threads,
               distinct);
    }
}

/* ---- the world ---- */

static word_t mr_words[PN_MSG_MAX_LENGTH];

enum preempt_mode { PM_NEVER, PM_ALWAYS, PM_PATTERN };
static enum preempt_mode pmode;
static uint32_t ppattern;
static unsigned pbit;

static bool irq_pending(void)
{
    switch (pmode) {
    case PM_ALWAYS: return true;
    case PM_PATTERN: return (ppattern >> (pbit++ % 32)) & 1;
    default: return false;
    }
}

static const invocation_t *cur_inv;

/* Port I/O reaches the machine only inside the invoked IO port cap. */
static uint32_t port_io(uint16_t port, unsigned width, bool out, uint32_t value)
{
    (void)out, (void)value;
    ENSURE(cur_inv && cap_type(cur_inv->cap) == PN_CAP_IO_PORT, "port I/O at %x outside an IO port invocation", port);
    ENSURE(port >= cap_io_port_first(cur_inv->cap) && (word_t)port + width - 1 <= cap_io_port_last(cur_inv->cap),
           "port I/O at %x width %u outside the cap's ports %x..%x", port, width, cap_io_port_first(cur_inv->cap),
           cap_io_port_last(cur_inv->cap));
    return 0xa5c3e1f7u ^ port;
}

/* Sets the message (MR0..3 in the caller's registers, the rest in the IPC buffer, whose
 * other words are poisoned: the decoder must not read past the length). */
static void set_message(const word_t *mr, unsigned length)
{
    ASAN_UNPOISON_MEMORY_REGION(ipcbuf, sizeof *ipcbuf);
    memset(ipcbuf, 0xbd, sizeof *ipcbuf);
    word_t *regs[4] = {&caller->ctx.r10, &caller->ctx.r8, &caller->ctx.r9, &caller->ctx.r15};
    for (unsigned i = 0; i < 4; i++)
        *regs[i] = mr[i];
    for (unsigned i = 4; i < length; i++)
        ipcbuf->msg[i] = mr[i];
    ASAN_POISON_MEMORY_REGION(ipcbuf, offsetof(pn_ipc_buffer_t, msg[4]));
    if (length < PN_MSG_MAX_LENGTH) {
        unsigned from = MAX(length, 4u);
        ASAN_POISON_MEMORY_REGION(&ipcbuf->msg[from], sizeof *ipcbuf - offsetof(pn_ipc_buffer_t, msg[from]));
    }
}

typedef struct attempt_info {
    unsigned attempts;
} attempt_info_t;

/* Decodes as the syscall layer does, re-executing a preempted invocation. */
static invocation_result_t invoke(invocation_t *inv, attempt_info_t *ai)
{
    ai->attempts = 0;
    for (;;) {
        inv->cap = inv->slot->cap;
        cur_inv = inv;
        caller->state = TS_RESTART;
        invocation_result_t r = invocation_decode(inv);
        cur_inv = NULL;
        ai->attempts++;
        if (r.error != INV_PREEMPTED) {
            ENSURE(caller->state == TS_RESTART, "an invocation changed the caller's state to %d", caller->state);
            caller->state = TS_RUNNING;
            return r;
        }
        ENSURE(ai->attempts < 200000, "the invocation never completes (preempted %u times)", ai->attempts);
        check_structure("after a preempted attempt");
    }
}

/* Setup: invoke a slot directly, with no interrupts; it must succeed. */
static void setup_invoke(cte_t *service, word_t label, const word_t *args, unsigned n, cte_t *e0, cte_t *e1)
{
    word_t mr[PN_MSG_MAX_LENGTH] = {0};
    memcpy(mr, args, n * sizeof(word_t));
    set_message(mr, n);
    invocation_t inv = {.caller = caller, .slot = service, .label = label, .length = n, .buffer = ipcbuf,
                        .extra_caps = e1 ? 2 : e0 ? 1 : 0, .extra = {e0, e1},
                        .is_call = true, .blocking = true, .can_donate = true};
    attempt_info_t ai;
    invocation_result_t r = invoke(&inv, &ai);
    ENSURE(r.error == PN_NO_ERROR, "setup: label %lu on %s failed with %lu (%lx %lx)", (unsigned long)label,
           slot_name(service), (unsigned long)r.error, (unsigned long)r.mr[0], (unsigned long)r.mr[1]);
}

/* The IO port caps of the world are issued at the start of every input (after the
 * kernel's table of issued ports is cleared, clear_issued_ports). */
static void issue_world_ports(void)
{
    cte_t *root = root_slots();
    pmode = PM_NEVER;
    setup_invoke(&root[S_IOPORT_CONTROL], PN_X86_IOPORT_CONTROL_ISSUE, (word_t[]){0x3f8, 0x3ff, 44, ROOT_RADIX}, 4,
                 &root[S_INIT_CNODE], NULL);
    setup_invoke(&root[S_IOPORT_CONTROL], PN_X86_IOPORT_CONTROL_ISSUE, (word_t[]){0x60, 0x60, 45, ROOT_RADIX}, 4,
                 &root[S_INIT_CNODE], NULL);
}

static void build_world(void)
{
    host_phys_mem = aligned_alloc(MEM_SIZE, MEM_SIZE);
    template_mem = malloc(MEM_SIZE);
    host_phys_base = MEM_BASE;
    host_phys_size = MEM_SIZE;
    ENSURE(host_phys_mem && template_mem, "out of memory");
    rng_t rng = {0x9ec4a11f00d5eedull};
    for (word_t i = 0; i < MEM_SIZE; i++)
        host_phys_mem[i] = (uint8_t)rng_next(&rng);
    memset(host_phys_mem, 0, ROOT_SLOTS * sizeof(cte_t));
    memcpy(template_mem, host_phys_mem, MEM_SIZE); /* the device memory to compare with */
    caller = aligned_alloc(BIT(PN_TCB_BITS), BIT(PN_TCB_BITS));
    template_caller = malloc(BIT(PN_TCB_BITS));
    ipcbuf = aligned_alloc(BIT(PN_IPC_BUFFER_BITS), BIT(PN_IPC_BUFFER_BITS));
    seen = calloc(NGRAN, sizeof *seen);
    objslot = calloc(NGRAN, sizeof *objslot);
    held = calloc(NGRAN, sizeof *held);
    ENSURE(caller && template_caller && ipcbuf && seen && objslot && held, "out of memory");
    memset(caller, 0, BIT(PN_TCB_BITS));
    host_num_threads = 0;
    host_interrupt_pending = irq_pending;
    host_port_io = port_io;
    pmode = PM_NEVER;

    cte_t *root = root_slots();
    cap_t rc = cap_cnode(root, ROOT_RADIX, 0, 0);
    cdt_insert(&root[S_INIT_CNODE], rc, NULL, true, true);
    cdt_insert_derived(&root[S_INIT_CNODE], &caller->slots[TCB_SLOT_CTABLE],
                       cap_cnode(root, ROOT_RADIX, 64 - ROOT_RADIX, 0));
    cdt_insert(&root[S_IRQ_CONTROL], cap_simple(PN_CAP_IRQ_CONTROL), NULL, true, true);
    cdt_insert(&root[S_ASID_CONTROL], cap_simple(PN_CAP_ASID_CONTROL), NULL, true, true);
    cdt_insert(&root[S_IOPORT_CONTROL], cap_simple(PN_CAP_IO_PORT_CONTROL), NULL, true, true);
    cdt_insert(&root[S_DOMAIN], cap_simple(PN_CAP_DOMAIN), NULL, true, true);
    cdt_insert(&root[S_SCHED_CONTROL], cap_simple(PN_CAP_SCHED_CONTROL), NULL, true, true);
    for (unsigned i = 0; i < NUM_BOOT_UT; i++)
        cdt_insert(&root[boot_untypeds[i].slot],
                   cap_untyped(boot_untypeds[i].base, boot_untypeds[i].bits, boot_untypeds[i].device,
                               BIT(boot_untypeds[i].bits)),
                   NULL, true, true);
    /* the device untyped's memory stays as it is: its content is what the template says */
    cte_t *rootcap = &root[S_INIT_CNODE];
#define RETYPE(ut, type, bits, slot, count)                                             \
    setup_invoke(&root[ut], PN_UNTYPED_RETYPE, (word_t[]){type, bits, 0, 0, slot, count}, 6, rootcap, NULL)
    RETYPE(17, PN_OBJ_CNODE, 4, 24, 1);             /* CNode A, 16 slots */
    RETYPE(17, PN_OBJ_CNODE, 2, 25, 1);             /* CNode B, 4 slots */
    RETYPE(17, PN_OBJ_ENDPOINT, 0, 26, 2);          /* 26, 27 */
    RETYPE(17, PN_OBJ_NOTIFICATION, 0, 28, 2);      /* 28, 29 */
    RETYPE(17, PN_OBJ_REPLY, 0, 30, 1);
    RETYPE(17, PN_OBJ_TCB, 0, 31, 1);
    RETYPE(17, PN_OBJ_SCHED_CONTEXT, 8, 32, 1);
    RETYPE(18, PN_OBJ_X86_4K, 0, 33, 1);
    RETYPE(18, PN_OBJ_X86_PAGE_TABLE, 0, 34, 1);
    RETYPE(18, PN_OBJ_X64_PML4, 0, 35, 1);
    RETYPE(16, PN_OBJ_UNTYPED, 12, 36, 1);          /* a child untyped */
    RETYPE(19, PN_OBJ_X86_4K, 0, 37, 1);            /* a device frame */
#undef RETYPE
    /* Mint(dest index, depth, src index, depth, rights, data) through the root CNode */
#define MINT(dest_cnode, dest, ddepth, src, rights, data)                               \
    setup_invoke(dest_cnode, PN_CNODE_MINT, (word_t[]){dest, ddepth, src, ROOT_RADIX, rights, data}, 6, rootcap, NULL)
    MINT(rootcap, 40, ROOT_RADIX, 26, PN_RIGHTS_ALL, 0x42);                   /* badged endpoint */
    MINT(rootcap, 41, ROOT_RADIX, 28, PN_RIGHTS_RW, 7);                       /* badged notification */
    MINT(rootcap, 42, ROOT_RADIX, 27, PN_RIGHT_READ, 0);                      /* endpoint, no send */
    MINT(rootcap, 43, ROOT_RADIX, 24, PN_RIGHTS_ALL, 5u << 6 | 3);            /* CNode A, guard 5/3 */
    MINT(&root[24], 3, 4, 25, PN_RIGHTS_ALL, 1u << 6 | 2);                    /* B in A[3], guard 1/2 */
    setup_invoke(&root[25], PN_CNODE_COPY, (word_t[]){1, 2, 40, ROOT_RADIX, PN_RIGHTS_ALL}, 5, rootcap,
                 NULL);                                                       /* badged ep in B[1] */
    MINT(&root[24], 5, 4, 29, PN_RIGHT_READ, 0);                              /* read-only ntfn in A[5] */
#undef MINT
    memcpy(template_mem, host_phys_mem, MEM_SIZE);
    memcpy(template_caller, caller, BIT(PN_TCB_BITS));
    memcpy(template_threads, host_threads, sizeof host_threads);
    template_num_threads = host_num_threads;
    issue_world_ports();
    check_memory_now = true;
    check_all();
    ENSURE(uni_complete, "setup: the world is not complete");
}

/* Ports issued in earlier inputs: the kernel's table (static in objects.c) is cleared by
 * deleting a cap to every port, which the kernel does through its own code. */
static void clear_issued_ports(void)
{
    static cte_t scratch;
    cdt_insert(&scratch, cap_io_port(0, 0xffff), NULL, false, false);
    pmode = PM_NEVER;
    ENSURE(cnode_delete(&scratch) == EX_NONE && cap_is_null(scratch.cap), "clearing the issued ports");
}

/* The preemption work counter (static in preemption.c) carries over between inputs: run
 * it to its next preemption point with an interrupt pending, where it restarts at 0. */
static void reset_work_units(void)
{
    pmode = PM_ALWAYS;
    for (unsigned i = 0; i <= PREEMPTION_WORK_UNITS; i++)
        if (preemption_point() == EX_PREEMPTED)
            break;
    pmode = PM_NEVER;
}

/* ---- building addresses from the input ---- */

/* A slot index of a CNode of radix r: b < 0x80 names it, else b picks a slot that holds
 * a cap (b < 0xc0) or an empty one. */
static word_t pick_slot(const cte_t *slots, word_t r, uint8_t b)
{
    if (b < 0x80 || r > 12)
        return b & MASK(r);
    bool want_full = b < 0xc0;
    word_t n = BIT(r), count = 0;
    for (word_t i = 0; i < n; i++)
        count += cap_is_null(slots[i].cap) != want_full;
    if (!count)
        return b & MASK(r);
    word_t k = (b & 0x3f) % count;
    for (word_t i = 0; i < n; i++)
        if (cap_is_null(slots[i].cap) != want_full && k-- == 0)
            return i;
    return 0;
}

/* Walks up to `levels` CNodes from cap c, choosing slot indices from the input: the
 * index and depth that name the slot reached. */
static void walk(cap_t c, unsigned levels, word_t *index, word_t *depth)
{
    word_t idx = 0, d = 0;
    for (unsigned l = 0; l < levels && cap_type(c) == PN_CAP_CNODE; l++) {
        word_t r = cap_cnode_radix(c), gs = cap_cnode_guard_size(c), g = cap_cnode_guard(c);
        if (r == 0 || d + gs + r > 64)
            break;
        word_t i = pick_slot((const cte_t *)cap_object(c), r, u8());
        word_t level = (gs ? (g & MASK(gs)) << r : 0) | i;
        idx = gs + r == 64 ? level : (idx << (gs + r)) | level;
        d += gs + r;
        const cte_t *slot = (const cte_t *)cap_object(c) + i;
        c = slot->cap;
    }
    *index = idx, *depth = d;
}

/* Maybe corrupts an address. */
static void mutate_addr(word_t *index, word_t *depth)
{
    uint8_t m = u8();
    switch (m & 15) {
    case 1: *index ^= BIT(u8() & 63); break;
    case 2: *depth += 1 + (m >> 4); break;
    case 3: *depth -= MIN(*depth, 1u + (m >> 4)); break;
    case 4: *depth = u8(); break;
    case 5: *index = u64(); break;
    case 6: *index = u8(), *depth = u8() % 70; break;
    default: break;
    }
}

/* An address (index, depth) relative to cap c, for a CNode method's argument words. */
static void gen_addr(cap_t c, word_t *index, word_t *depth)
{
    uint8_t b = u8();
    walk(c, 1 + (b & 1) + ((b >> 1) & 1), index, depth); /* 1..3 levels */
    mutate_addr(index, depth);
}

static cap_t ctable(void) { return caller->slots[TCB_SLOT_CTABLE].cap; }

/* A cptr the caller's CSpace resolves with depth 64. */
static word_t gen_cptr(void)
{
    uint8_t b = u8();
    if (b == 0xff)
        return u64();
    word_t index, depth;
    walk(ctable(), 1 + (b & 3), &index, &depth);
    if (b & 0x40)
        index ^= BIT(u8() & 63);
    return depth == 0 ? 0 : depth >= 64 ? index : index << (64 - depth);
}

/* ---- steps ---- */

static unsigned long hist[64][12];
static unsigned long step_no, n_steps, n_skipped, n_lookup_failed, n_preempted;

static bool hosted(cap_t c)
{
    switch ((int)cap_type(c)) {
    case PN_CAP_NULL:
    case PN_CAP_ZOMBIE:
    case PN_CAP_CNODE:
    case PN_CAP_UNTYPED:
    case PN_CAP_IO_PORT_CONTROL:
    case PN_CAP_IO_PORT:
        return true;
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        return !(cap_rights(c) & PN_RIGHT_WRITE); /* refused before any IPC */
    default:
        return false;
    }
}

static word_t gen_label(cap_t service)
{
    uint8_t b = u8();
    if (b == 0xff)
        return u64() >> 12; /* any label a message info can carry */
    if (b < 0xc0)
        return b % 64;      /* the 59 labels and a few garbage ones */
    switch ((int)cap_type(service)) {
    case PN_CAP_UNTYPED: return PN_UNTYPED_RETYPE;
    case PN_CAP_CNODE: return PN_CNODE_REVOKE + b % 8;
    case PN_CAP_IO_PORT_CONTROL: return PN_X86_IOPORT_CONTROL_ISSUE;
    case PN_CAP_IO_PORT: return PN_X86_IOPORT_IN8 + b % 6;
    default: return b % (PN_INVOCATION_LABEL_COUNT + 2);
    }
}

static word_t gen_small(void)
{
    uint8_t b = u8();
    switch (b >> 6) {
    case 0: return b & 63;
    case 1: return (b & 63) + 64 * (word_t)u8();
    case 2: return BIT(b & 63) - (b & 1);
    default: return u64();
    }
}

static word_t gen_rights(void)
{
    uint8_t b = u8();
    return b < 0xf0 ? b & PN_RIGHTS_ALL : u64();
}

/* Mint/Mutate/Rotate data: a badge or a CNode guard (size | guard << 6). */
static word_t gen_data(void)
{
    uint8_t b = u8();
    switch (b & 3) {
    case 0: return b >> 2;
    case 1: { word_t gs = u8() % 66; return gs | (gen_small() << 6); }
    case 2: return u64();
    default: return 0;
    }
}

/* The argument words of an invocation with this label (the layout of invocations.md §3),
 * built from the input against the CSpace as it is. */
static void gen_args(word_t label, cap_t service, cap_t e0, cap_t e1, word_t *mr)
{
    switch (label) {
    case PN_UNTYPED_RETYPE: {
        uint8_t t = u8();
        mr[0] = t < 0xf0 ? t % (PN_OBJ_TYPE_COUNT + 1) : u64();
        uint8_t b = u8();
        mr[1] = b < 0xe0 ? b % 26 : b < 0xf8 ? b : u64();
        uint8_t d = u8();
        if (d & 1) {
            mr[2] = u8(), mr[3] = 0;
        } else {
            gen_addr(e0, &mr[2], &mr[3]);
        }
        mr[4] = u8() % (ROOT_SLOTS + 4);
        uint8_t n = u8();
        mr[5] = n < 0xf0 ? n % 6 : n < 0xfc ? 1u << (n & 15) : u64();
        break;
    }
    case PN_CNODE_REVOKE:
    case PN_CNODE_DELETE:
    case PN_CNODE_CANCEL_BADGED_SENDS:
    case PN_CNODE_COPY:
    case PN_CNODE_MINT:
    case PN_CNODE_MOVE:
    case PN_CNODE_MUTATE:
        gen_addr(service, &mr[0], &mr[1]);
        gen_addr(e0, &mr[2], &mr[3]);
        mr[4] = label == PN_CNODE_MUTATE ? gen_data() : gen_rights();
        mr[5] = gen_data();
        break;
    case PN_CNODE_ROTATE:
        gen_addr(service, &mr[0], &mr[1]);
        mr[2] = gen_data();
        gen_addr(e0, &mr[3], &mr[4]);
        mr[5] = gen_data();
        gen_addr(e1, &mr[6], &mr[7]);
        break;
    case PN_X86_IOPORT_CONTROL_ISSUE: {
        uint8_t b = u8();
        mr[0] = b & 1 ? 0x3f0 + (b >> 1) % 24 : u16();
        mr[1] = b & 2 ? mr[0] + u8() % 16 - 2 : u16();
        if (b & 4)
            mr[0] |= u64() << 16; /* bits the kernel must ignore */
        gen_addr(e0, &mr[2], &mr[3]);
        break;
    }
    case PN_X86_IOPORT_IN8:
    case PN_X86_IOPORT_IN16:
    case PN_X86_IOPORT_IN32:
    case PN_X86_IOPORT_OUT8:
    case PN_X86_IOPORT_OUT16:
    case PN_X86_IOPORT_OUT32: {
        uint8_t b = u8();
        mr[0] = b < 0xe0 ? (word_t)cap_io_port_first(service) + b % 16 - 4 : u64();
        mr[0] &= b & 0x10 ? ~0ul : 0xffff;
        mr[1] = u64();
        break;
    }
    default:
        for (unsigned i = 0; i < 8; i++)
            mr[i] = gen_small();
        break;
    }
}

static const char *label_name(word_t l)
{
    static const char *names[] = {
        [PN_UNTYPED_RETYPE] = "Retype", [PN_CNODE_REVOKE] = "Revoke", [PN_CNODE_DELETE] = "Delete",
        [PN_CNODE_CANCEL_BADGED_SENDS] = "CancelBadgedSends", [PN_CNODE_COPY] = "Copy", [PN_CNODE_MINT] = "Mint",
        [PN_CNODE_MOVE] = "Move", [PN_CNODE_MUTATE] = "Mutate", [PN_CNODE_ROTATE] = "Rotate",
        [PN_X86_IOPORT_CONTROL_ISSUE] = "IOPortIssue", [PN_X86_IOPORT_IN8] = "In8", [PN_X86_IOPORT_IN16] = "In16",
        [PN_X86_IOPORT_IN32] = "In32", [PN_X86_IOPORT_OUT8] = "Out8", [PN_X86_IOPORT_OUT16] = "Out16",
        [PN_X86_IOPORT_OUT32] = "Out32",
    };
    static char b[24];
    if (l < ARRAY_SIZE(names) && names[l])
        return names[l];
    snprintf(b, sizeof b, "label%lu", (unsigned long)l);
    return b;
}

/* A copy of every reachable slot, to show that a failed invocation changed nothing. */
static struct saved_slot {
    cte_t *at;
    cte_t was;
} saved[MAX_SLOTS];
static unsigned nsaved;

static void save_slots(void)
{
    nsaved = nuni;
    held_gen++;
    for (unsigned k = 0; k < nuni; k++) {
        saved[k] = (struct saved_slot){uni[k], *uni[k]};
        if (!cap_is_null(uni[k]->cap))
            held[gran_of(uni[k])] = held_gen;
    }
}

static void check_unchanged(void)
{
    for (unsigned k = 0; k < nsaved; k++)
        ENSURE(memcmp(saved[k].at, &saved[k].was, sizeof(cte_t)) == 0,
               "a failed invocation changed %s from %s to %s", slot_name(saved[k].at), cap_str(saved[k].was.cap),
               cap_str(saved[k].at->cap));
    ENSURE(nuni == nsaved, "a failed invocation changed the reachable slots (%u -> %u)", nsaved, nuni);
}

/* The error reply has the shape of invocations.md §1. */
static void check_result(const invocation_result_t *r, unsigned length)
{
    switch (r->error) {
    case PN_NO_ERROR:
        ENSURE(r->length <= 1, "success with %u result words", r->length);
        break;
    case PN_INVALID_ARGUMENT:
        ENSURE(r->length == 1 && r->mr[0] < MAX(length, 8u), "InvalidArgument with %u words, MR0 %lu", r->length,
               (unsigned long)r->mr[0]);
        break;
    case PN_INVALID_CAPABILITY:
        ENSURE(r->length == 1 && r->mr[0] <= PN_MSG_MAX_EXTRA_CAPS, "InvalidCapability with %u words, MR0 %lu",
               r->length, (unsigned long)r->mr[0]);
        break;
    case PN_RANGE_ERROR:
        ENSURE(r->length == 2 && r->mr[0] <= r->mr[1], "RangeError with %u words: %lu..%lu", r->length,
               (unsigned long)r->mr[0], (unsigned long)r->mr[1]);
        break;
    case PN_FAILED_LOOKUP: {
        static const unsigned words[] = {0, 1, 2, 3, 4};
        ENSURE(r->length >= 2 && r->mr[0] <= 1 && r->mr[1] >= PN_LOOKUP_INVALID_ROOT &&
                   r->mr[1] <= PN_LOOKUP_GUARD_MISMATCH && r->length == 1 + words[r->mr[1]],
               "FailedLookup with %u words: %lu %lu", r->length, (unsigned long)r->mr[0], (unsigned long)r->mr[1]);
        if (r->mr[1] != PN_LOOKUP_INVALID_ROOT)
            ENSURE(r->mr[2] <= 64, "FailedLookup with %lu bits left", (unsigned long)r->mr[2]);
        break;
    }
    case PN_NOT_ENOUGH_MEMORY:
        ENSURE(r->length == 1, "NotEnoughMemory with %u words", r->length);
        break;
    case PN_ILLEGAL_OPERATION:
    case PN_ALIGNMENT_ERROR:
    case PN_TRUNCATED_MESSAGE:
    case PN_DELETE_FIRST:
    case PN_REVOKE_FIRST:
        ENSURE(r->length == 0, "error %lu with %u words", (unsigned long)r->error, r->length);
        break;
    default:
        FAIL("error code %lu", (unsigned long)r->error);
    }
}

/* New objects of a successful Retype are zero (those the kernel initialises aside). */
static void check_new_objects(void)
{
    for (unsigned k = 0; k < nuni; k++) {
        cte_t *s = uni[k];
        if (held[gran_of(s)] == held_gen || cap_is_null(s->cap))
            continue;
        int t = cap_type(s->cap);
        paddr_t b;
        unsigned bits;
        if (t == PN_CAP_THREAD || t == PN_CAP_PML4 || t == PN_CAP_UNTYPED || !region(s->cap, &b, &bits))
            continue;
        if (t == PN_CAP_FRAME && cap_frame_is_device(s->cap))
            continue;
        ENSURE(zero(b, BIT(bits)), "%s: new %s is not zero", slot_name(s), cap_str(s->cap));
    }
}

/* IOPortControl_Issue must refuse exactly the ranges overlapping a live IO port cap. */
static int issue_overlap(const word_t *mr)
{
    if (!uni_complete)
        return -1;
    word_t first = mr[0] & 0xffff, last = mr[1] & 0xffff;
    for (unsigned k = 0; k < nuni; k++)
        if (cap_type(uni[k]->cap) == PN_CAP_IO_PORT && cap_io_port_first(uni[k]->cap) <= last &&
            cap_io_port_last(uni[k]->cap) >= first)
            return 1;
    return 0;
}

static void log_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_step(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cur_op, sizeof cur_op, fmt, ap);
    va_end(ap);
}

static void finish_step(const char *result)
{
    char *line = oplog[oplog_n++ % LOG_LINES];
    snprintf(line, sizeof oplog[0], "%s -> %s", cur_op, result);
    if (trace)
        fprintf(stderr, "  %s\n", line);
}

static void step_invoke(void)
{
    word_t cptr = gen_cptr();
    uint8_t flags = u8();
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(caller, cptr, &lf);
    word_t label = gen_label(slot ? slot->cap : cap_null());
    uint8_t lb = u8();
    bool with_buffer = !(flags & 0x80);
    unsigned length = lb < 0xf0 ? lb % 16 : lb % (PN_MSG_MAX_LENGTH + 8);
    unsigned extra = (flags >> 4) & 3;
    word_t ecptr[PN_MSG_MAX_EXTRA_CAPS];
    cte_t *eslot[PN_MSG_MAX_EXTRA_CAPS] = {0};
    for (unsigned i = 0; i < extra; i++)
        ecptr[i] = gen_cptr();
    uint8_t p = u8();
    pmode = p % 4 == 3 ? PM_NEVER : (enum preempt_mode)(p % 4);
    ppattern = (uint32_t)p * 0x01010101u ^ 0x5a5a5a5au;
    pbit = 0;
    log_step("step %lu: invoke cptr %lx label %s length %u extra %u buffer %d preempt %d", step_no, (unsigned long)cptr,
             label_name(label), length, extra, with_buffer, pmode);
    if (!slot) {
        n_lookup_failed++;
        finish_step("cap fault (service lookup)");
        return;
    }
    /* syscall.c: the length is clamped; without an IPC buffer, at most 4 words and no caps */
    length = MIN(length, (unsigned)PN_MSG_MAX_LENGTH);
    if (!with_buffer) {
        length = MIN(length, (unsigned)PN_FAST_MESSAGE_REGISTERS);
        extra = 0;
    }
    for (unsigned i = 0; i < extra; i++) {
        eslot[i] = cspace_lookup_slot(caller, ecptr[i], &lf);
        if (!eslot[i]) {
            n_lookup_failed++;
            finish_step("cap fault (extra cap lookup)");
            return;
        }
    }
    if (!hosted(slot->cap)) {
        n_skipped++;
        finish_step("skipped (not hosted)");
        return;
    }
    cap_t c0 = extra > 0 ? eslot[0]->cap : ctable(), c1 = extra > 1 ? eslot[1]->cap : ctable();
    memset(mr_words, 0, sizeof mr_words);
    gen_args(label, slot->cap, c0, c1, mr_words);
    if (u8() == 0xfe)
        for (unsigned i = 0; i < PN_MSG_MAX_LENGTH; i++)
            mr_words[i] = i < 8 ? mr_words[i] ^ u64() : u64();
    for (unsigned i = 8; i < PN_MSG_MAX_LENGTH; i++)
        if (!mr_words[i])
            mr_words[i] = 0xdead0000u + i;
    size_t n = strlen(cur_op);
    snprintf(cur_op + n, sizeof cur_op - n, " on %s (%s) args %lx %lx %lx %lx %lx %lx %lx %lx", slot_name(slot),
             cap_str(slot->cap), (unsigned long)mr_words[0], (unsigned long)mr_words[1], (unsigned long)mr_words[2],
             (unsigned long)mr_words[3], (unsigned long)mr_words[4], (unsigned long)mr_words[5],
             (unsigned long)mr_words[6], (unsigned long)mr_words[7]);

    int overlap = label == PN_X86_IOPORT_CONTROL_ISSUE && cap_type(slot->cap) == PN_CAP_IO_PORT_CONTROL &&
                          length >= 4 && extra >= 1 && (mr_words[1] & 0xffff) >= (mr_words[0] & 0xffff)
                      ? issue_overlap(mr_words)
                      : -1;
    bool retype = label == PN_UNTYPED_RETYPE && cap_type(slot->cap) == PN_CAP_UNTYPED;
    save_slots();
    set_message(mr_words, length);
    invocation_t inv = {.caller = caller, .slot = slot, .label = label, .length = length,
                        .buffer = with_buffer ? ipcbuf : NULL, .extra_caps = extra,
                        .is_call = flags & 1 ? false : true, .blocking = !(flags & 2), .can_donate = !(flags & 4)};
    memcpy(inv.extra, eslot, sizeof eslot);
    attempt_info_t ai;
    invocation_result_t r = invoke(&inv, &ai);
    ASAN_UNPOISON_MEMORY_REGION(ipcbuf, sizeof *ipcbuf);
    n_preempted += ai.attempts - 1;
    hist[label < 64 ? label : 63][r.error < 11 ? r.error : 11]++;
    char res[96];
    snprintf(res, sizeof res, "error %lu (%u: %lx %lx %lx) after %u attempts", (unsigned long)r.error, r.length,
             (unsigned long)r.mr[0], (unsigned long)r.mr[1], (unsigned long)r.mr[2], ai.attempts);
    finish_step(res);

    check_result(&r, length);
    if (overlap == 1)
        ENSURE(r.error != PN_NO_ERROR, "IOPortControl_Issue granted ports that a live IO port cap holds");
    if (overlap == 0 && r.error == PN_REVOKE_FIRST)
        FAIL("IOPortControl_Issue refused ports no live IO port cap holds (issued ports leaked)");
    if (r.error == PN_NO_ERROR && r.length == 1) {
        ENSURE(cap_type(slot->cap) == PN_CAP_IO_PORT && label >= PN_X86_IOPORT_IN8 && label <= PN_X86_IOPORT_IN32,
               "a result word from label %lu", (unsigned long)label);
        word_t port = mr_words[0] & 0xffff, w = label - PN_X86_IOPORT_IN8;
        ENSURE(r.mr[0] == ((0xa5c3e1f7u ^ port) & MASK(8u << w)), "In%u returned %lx", 8u << w,
               (unsigned long)r.mr[0]);
    }
    check_memory_now = r.error == PN_NO_ERROR || ai.attempts > 1;
    check_all();
    if (r.error != PN_NO_ERROR && ai.attempts == 1)
        check_unchanged();
    if (retype && r.error == PN_NO_ERROR)
        check_new_objects();
}

/* The frame's user writes into it. */
static void step_scribble(void)
{
    word_t cptr = gen_cptr();
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(caller, cptr, &lf);
    uint8_t n = u8() % 16;
    log_step("step %lu: write %u bytes into the frame at cptr %lx", step_no, n, (unsigned long)cptr);
    if (!slot || cap_type(slot->cap) != PN_CAP_FRAME || cap_frame_is_device(slot->cap)) {
        finish_step("no frame");
        return;
    }
    uint8_t *p = paddr_to_kptr(cap_frame_base(slot->cap));
    for (unsigned i = 0; i < n; i++) {
        word_t off = u16() % BIT(cap_frame_size_bits(slot->cap));
        p[off] = u8() | 1;
    }
    finish_step("written");
}

/* ---- libFuzzer entry points ---- */

static void print_stats(void)
{
    fprintf(stderr, "invocation-fuzz: %lu steps, %lu preempted attempts, %lu skipped (not hosted), %lu cap faults\n",
            n_steps, n_preempted, n_skipped, n_lookup_failed);
    for (unsigned l = 0; l < 64; l++) {
        unsigned long total = 0;
        for (unsigned e = 0; e < 12; e++)
            total += hist[l][e];
        if (!total)
            continue;
        fprintf(stderr, "  %-18s", l == 63 ? "label>=63" : label_name(l));
        for (unsigned e = 0; e < 12; e++)
            if (hist[l][e])
                fprintf(stderr, " e%u:%lu", e, hist[l][e]);
        fprintf(stderr, "\n");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    trace = getenv("PECAN_FUZZ_TRACE") != NULL;
    if (getenv("PECAN_FUZZ_STATS"))
        atexit(print_stats);
    strcpy(cur_op, "building the world");
    build_world();
    return 0;
}

#define MAX_STEPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_p = data, in_n = size;
    oplog_n = 0;
    strcpy(cur_op, "restoring the world");
    memcpy(host_phys_mem, template_mem, MEM_SIZE);
    memcpy(caller, template_caller, BIT(PN_TCB_BITS));
    memcpy(host_threads, template_threads, sizeof host_threads);
    host_num_threads = template_num_threads;
    clear_issued_ports();
    issue_world_ports();
    reset_work_units();

    /* The caller's CTable cap: guard 0/57 (cptr = slot); guard 0/50, so that a lookup
     * goes on through a CNode cap in the root (cptr = slot << 7 | slot in that CNode); no
     * guard (cptr = slot << 57: a lookup goes on through every CNode cap it meets). */
    uint8_t v = u8();
    cte_t *ct = &caller->slots[TCB_SLOT_CTABLE];
    switch (v % 3) {
    case 1: ct->cap = cap_cnode(root_slots(), ROOT_RADIX, 64 - 2 * ROOT_RADIX, 0); break;
    case 2: ct->cap = cap_cnode(root_slots(), ROOT_RADIX, 0, 0); break;
    default: break;
    }
    if (trace)
        fprintf(stderr, "input of %zu bytes, CSpace variant %u\n", size, v % 3);
    universe();
    for (step_no = 0; step_no < MAX_STEPS && in_n; step_no++, n_steps++) {
        uint8_t k = u8();
        if (k % 16 == 15)
            step_scribble();
        else
            step_invoke();
    }
    return 0;
}
