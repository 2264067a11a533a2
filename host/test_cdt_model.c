/*
 * The kernel's object code (cdt.c, objecttype.c, cspace.c, invocation.c, preemption.c,
 * cnode.c, untyped.c, arch/x86_64/objects.c) driven through invocation_decode by long
 * random sequences of Untyped_Retype and CNode operations, with optional forced
 * preemption, and checked after every step against a small reference model.
 *
 * The model (semantics.md §1–§3, invocations.md §3.1–§3.2) keeps, per slot, the cap it
 * should hold and an explicit tree: parent, ordered children.  Its rules:
 *   - Retype: each new cap (revocable) becomes the first child of the untyped; the
 *     untyped is reset (free index 0) first if it has no children.
 *   - Copy/Mint: the new cap is the first child of the source if the source is
 *     revocable, else the next sibling of the source.  The new cap is revocable iff it
 *     is an untyped, or an endpoint/notification whose badge differs from the source's.
 *     Copying an untyped makes the source full (seL4's cteInsert does the same).
 *   - Move/Mutate/Rotate: the node moves with the cap.
 *   - Removing a cap: its children take its place, in order, under its parent.
 *   - Revoke: delete the first child until there is none; Delete: see m_delete_exposed
 *     (final CNode/TCB caps become zombies whose slots are deleted last first; a final
 *     CNode/TCB cap met inside a dying object is parked as a zombie in that object's
 *     slot 0, whose old content is deleted instead — seL4's "cyclic zombie").
 * "Final" is computed over every slot, not from list neighbours; descendants are the
 * subtree, not a run of the list.  After every step the test compares every slot's cap
 * (exactly), the kernel's list order with the tree's depth-first order, each cap's run
 * of descendants (cdt_is_parent_of) with its subtree, cdt_has_children and cdt_is_final,
 * the result of the invocation, the threads the kernel knows, and invariants: links
 * consistent both ways, every cap to an object inside an untyped is that untyped's
 * descendant, memory of an untyped above its free index is zero, new objects are zero,
 * device memory is never written.
 *
 * HOST_SEED picks the seed; HOST_CDT_RUNS, HOST_CDT_STEPS and HOST_CDT_FIRST the runs
 * (run i uses seed HOST_SEED + i * 0x9e3779b97f4a7c15 and preemption mode i % 3: never,
 * interrupt pending half of the time, always).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdt.h"
#include "cspace.h"
#include "host_shim.h"
#include "invocation.h"
#include "objecttype.h"
#include "preemption.h"
#include "test.h"

#include <unistd.h>

#define WATCHDOG_SECONDS 60

/* ---- simulated machine ---- */

#define MEM_BASE 0x100000ul
#define MEM_SIZE 0x100000ul
#define ROOT_RADIX 6
#define ROOT_PADDR MEM_BASE
#define TCB_SLOTS_OFFSET offsetof(tcb_t, slots)
_Static_assert(offsetof(tcb_t, slots) % 8 == 0, "slot ids are 8-byte granules");

static const struct {
    paddr_t base;
    unsigned bits;
    bool device;
} boot_untypeds[] = {
    {0x140000, 18, false},
    {0x180000, 16, false},
    {0x190000, 7, false},
    {0x194000, 14, true},
};
#define NUM_BOOT_UT ARRAY_SIZE(boot_untypeds)
#define FIRST_UT_SLOT 3

/* Slot ids: 8-byte granules of the simulated memory, then the caller's CTable slot;
 * two more nodes for the tree: its virtual root and a spare for swaps. */
#define NIDS ((int)(MEM_SIZE / 8) + 1)
#define CALLER_ID (NIDS - 1)
#define VROOT NIDS
#define TMP (NIDS + 1)

typedef struct mcap {
    int type;        /* enum pn_cap_type; PN_CAP_NULL: empty */
    paddr_t obj;     /* the object (a zombie: its slots; a thread: the TCB) */
    unsigned bits;   /* untyped/SC size bits, CNode radix */
    bool device;
    word_t free;     /* untyped free index */
    word_t badge;
    word_t rights;   /* EP/NTFN rights; reply: PN_RIGHT_GRANT; frame: enum vm_rights */
    unsigned gsize;
    word_t guard;
    unsigned ztype;  /* zombie: radix or ZOMBIE_TCB */
    word_t zn;       /* zombie: slots left */
} mcap_t;

typedef struct mnode {
    mcap_t cap;
    bool revocable;
    int parent, first, last, next, prev; /* -1: none; roots' parent is VROOT */
} mnode_t;

typedef struct mobj {
    paddr_t paddr, slots;
    unsigned n;
    bool is_tcb, tcb_alive;
} mobj_t;

#define MAX_OBJS 4096

static uint8_t *saved_device;   /* device memory as it was at the start */
static mnode_t *M;
static mobj_t objs[MAX_OBJS];
static unsigned nobjs;
static int *U;                  /* the universe: every slot of a live object, and the caller's */
static unsigned nU;
static tcb_t *caller;
static pn_ipc_buffer_t ipcbuf;
static rng_t rng, irq_rng;
static unsigned preempt_mode;
static int *stamp;
static unsigned stamp_gen;

static struct {
    unsigned long steps, ok, errors, preemptions, retypes, copies, deletes, revokes_nonempty, zombies,
        parked, resets, final_cnode;
} stats;

/* ---- the op log, shown when a check fails ---- */

#define LOG_LINES 40
static char oplog[LOG_LINES][420];
static unsigned long oplog_n;
static char cur_op[300];
static word_t run_seed;
static unsigned run_index;
static unsigned long cur_step;

static void dump_log(void)
{
    unsigned long from = oplog_n > LOG_LINES ? oplog_n - LOG_LINES : 0;
    printf("    cdt model: run %u seed 0x%lx preemption mode %u, last operations:\n", run_index,
           (unsigned long)run_seed, preempt_mode);
    for (unsigned long i = from; i < oplog_n; i++)
        printf("    %s\n", oplog[i % LOG_LINES]);
    printf("    failing step %lu: %s\n", cur_step, cur_op);
    printf("    reproduce: HOST_SEED=0x%lx HOST_CDT_FIRST=0 HOST_CDT_RUNS=1 HOST_CDT_STEPS=%lu with mode %u"
           " (or HOST_SEED=<base> HOST_CDT_FIRST=%u)\n",
           (unsigned long)run_seed, cur_step + 1, preempt_mode, run_index);
}

#define MFAIL(...)                                                                  \
    do {                                                                            \
        dump_log();                                                                 \
        test_fail(__FILE__, __LINE__, __VA_ARGS__);                                 \
    } while (0)
#define MCHECK(cond, ...)                                                           \
    do {                                                                            \
        if (!(cond))                                                                \
            MFAIL(__VA_ARGS__);                                                     \
    } while (0)

/* ---- slots ---- */

static int id_of_paddr(paddr_t p)
{
    if (p < MEM_BASE || p >= MEM_BASE + MEM_SIZE || (p & 7))
        MFAIL("model: slot address 0x%lx outside memory", (unsigned long)p);
    return (int)((p - MEM_BASE) / 8);
}

static cte_t *slot_ptr(int id)
{
    if (id == CALLER_ID)
        return &caller->slots[TCB_SLOT_CTABLE];
    return paddr_to_kptr(MEM_BASE + (paddr_t)id * 8);
}

/* -1 if p is not a slot of the simulated machine. */
static int id_of_ptr(const cte_t *p)
{
    if (p == &caller->slots[TCB_SLOT_CTABLE])
        return CALLER_ID;
    uintptr_t v = (uintptr_t)p, m = (uintptr_t)host_phys_mem;
    if (v < m || v >= m + MEM_SIZE || (v - m) % 8)
        return -1;
    return (int)((v - m) / 8);
}

static const char *slot_name(int id)
{
    static char bufs[4][64];
    static unsigned k;
    char *b = bufs[k++ % 4];
    if (id == CALLER_ID)
        return "caller.ctable";
    if (id < 0)
        return "(none)";
    paddr_t p = MEM_BASE + (paddr_t)id * 8;
    for (unsigned i = 0; i < nobjs; i++) {
        if (p >= objs[i].slots && p < objs[i].slots + objs[i].n * sizeof(cte_t)) {
            unsigned idx = (unsigned)((p - objs[i].slots) / sizeof(cte_t));
            if (i == 0)
                snprintf(b, 64, "root[%u]", idx);
            else
                snprintf(b, 64, "%s@%lx[%u]", objs[i].is_tcb ? "tcb" : "cnode", (unsigned long)objs[i].paddr, idx);
            return b;
        }
    }
    snprintf(b, 64, "slot@%lx", (unsigned long)p);
    return b;
}

static const char *type_name(int t)
{
    switch (t) {
    case PN_CAP_NULL: return "null";
    case PN_CAP_UNTYPED: return "untyped";
    case PN_CAP_ENDPOINT: return "ep";
    case PN_CAP_NOTIFICATION: return "ntfn";
    case PN_CAP_REPLY: return "reply";
    case PN_CAP_CNODE: return "cnode";
    case PN_CAP_THREAD: return "tcb";
    case PN_CAP_SCHED_CONTEXT: return "sc";
    case PN_CAP_FRAME: return "frame";
    case PN_CAP_PAGE_TABLE: return "pt";
    case PN_CAP_PAGE_DIRECTORY: return "pd";
    case PN_CAP_PDPT: return "pdpt";
    case PN_CAP_PML4: return "pml4";
    case PN_CAP_ZOMBIE: return "zombie";
    default: return "?";
    }
}

static const char *cap_str(cap_t c)
{
    static char bufs[4][160];
    static unsigned k;
    char *b = bufs[k++ % 4];
    int t = cap_type(c);
    switch (t) {
    case PN_CAP_NULL:
        snprintf(b, 160, "null%s", c.w0 || c.w1 ? "(garbage)" : "");
        break;
    case PN_CAP_UNTYPED:
        snprintf(b, 160, "untyped %lx/%u%s free %lx", (unsigned long)cap_untyped_base(c), cap_untyped_size_bits(c),
                 cap_untyped_is_device(c) ? " dev" : "", (unsigned long)cap_untyped_free_index(c));
        break;
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        snprintf(b, 160, "%s %lx rights %lx badge %lx", type_name(t), (unsigned long)kptr_to_paddr(cap_object(c)),
                 (unsigned long)cap_rights(c), (unsigned long)cap_badge(c));
        break;
    case PN_CAP_CNODE:
        snprintf(b, 160, "cnode %lx radix %u guard %lx/%u", (unsigned long)kptr_to_paddr(cap_object(c)),
                 cap_cnode_radix(c), (unsigned long)cap_cnode_guard(c), cap_cnode_guard_size(c));
        break;
    case PN_CAP_ZOMBIE:
        snprintf(b, 160, "zombie %lx type %u n %lu", (unsigned long)kptr_to_paddr(cap_object(c)),
                 cap_zombie_type(c), (unsigned long)cap_zombie_number(c));
        break;
    case PN_CAP_FRAME:
        snprintf(b, 160, "frame %lx vm %u%s", (unsigned long)cap_frame_base(c), cap_frame_rights(c),
                 cap_frame_is_device(c) ? " dev" : "");
        break;
    default:
        snprintf(b, 160, "%s w0 %lx w1 %lx", type_name(t), (unsigned long)c.w0, (unsigned long)c.w1);
        break;
    }
    return b;
}

/* ---- model caps ---- */

static mcap_t m_null(void) { return (mcap_t){.type = PN_CAP_NULL}; }
static bool m_empty(int id) { return M[id].cap.type == PN_CAP_NULL; }

static cap_t m_encode(const mcap_t *c)
{
    switch (c->type) {
    case PN_CAP_NULL:
        return cap_null();
    case PN_CAP_UNTYPED:
        return cap_untyped(c->obj, c->bits, c->device, c->free);
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        return cap_badged(c->type, paddr_to_kptr(c->obj), c->rights, c->badge);
    case PN_CAP_REPLY:
        return cap_reply(paddr_to_kptr(c->obj), c->rights & PN_RIGHT_GRANT);
    case PN_CAP_CNODE:
        return cap_cnode(paddr_to_kptr(c->obj), c->bits, c->gsize, c->guard);
    case PN_CAP_THREAD:
        return cap_thread(paddr_to_kptr(c->obj));
    case PN_CAP_SCHED_CONTEXT:
        return cap_sched_context(paddr_to_kptr(c->obj), c->bits);
    case PN_CAP_FRAME:
        return cap_frame(c->obj, FRAME_4K, (enum vm_rights)c->rights, c->device, 0, 0);
    case PN_CAP_PAGE_TABLE:
    case PN_CAP_PAGE_DIRECTORY:
    case PN_CAP_PDPT:
    case PN_CAP_PML4:
        return cap_table(c->type, paddr_to_kptr(c->obj), 0, 0);
    case PN_CAP_ZOMBIE:
        return cap_zombie(paddr_to_kptr(c->obj), c->ztype, c->zn);
    default:
        MFAIL("model: cannot encode cap type %d", c->type);
    }
}

static bool m_same_object(const mcap_t *a, const mcap_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case PN_CAP_NULL:
    case PN_CAP_UNTYPED:
    case PN_CAP_ZOMBIE:
        return false;
    case PN_CAP_CNODE:
    case PN_CAP_SCHED_CONTEXT:
        return a->obj == b->obj && a->bits == b->bits;
    case PN_CAP_FRAME:
        return a->obj == b->obj && a->device == b->device;
    default:
        return a->obj == b->obj;
    }
}

/* The memory a cap covers. */
static void m_region(const mcap_t *c, paddr_t *base, unsigned *bits)
{
    *base = c->obj;
    switch (c->type) {
    case PN_CAP_UNTYPED: *bits = c->bits; return;
    case PN_CAP_ENDPOINT: *bits = PN_ENDPOINT_BITS; return;
    case PN_CAP_NOTIFICATION: *bits = PN_NOTIFICATION_BITS; return;
    case PN_CAP_REPLY: *bits = PN_REPLY_BITS; return;
    case PN_CAP_CNODE: *bits = c->bits + PN_SLOT_BITS; return;
    case PN_CAP_THREAD: *bits = PN_TCB_BITS; return;
    case PN_CAP_SCHED_CONTEXT: *bits = c->bits; return;
    case PN_CAP_ZOMBIE:
        if (c->ztype == ZOMBIE_TCB) {
            *base = c->obj - TCB_SLOTS_OFFSET;
            *bits = PN_TCB_BITS;
        } else {
            *bits = c->ztype + PN_SLOT_BITS;
        }
        return;
    default: *bits = PN_PAGE_BITS; return; /* 4K frames and tables */
    }
}

/* The slots of a CNode or TCB cap's object. */
static bool m_cap_slots(const mcap_t *c, paddr_t *slots, word_t *n)
{
    if (c->type == PN_CAP_CNODE) {
        *slots = c->obj, *n = BIT(c->bits);
        return true;
    }
    if (c->type == PN_CAP_THREAD) {
        *slots = c->obj + TCB_SLOTS_OFFSET, *n = TCB_SLOT_COUNT;
        return true;
    }
    return false;
}

/* ---- object registry and universe ---- */

static void universe_rebuild(void)
{
    nU = 0;
    for (unsigned i = 0; i < nobjs; i++)
        for (unsigned k = 0; k < objs[i].n; k++)
            U[nU++] = id_of_paddr(objs[i].slots + k * sizeof(cte_t));
    U[nU++] = CALLER_ID;
}

static mobj_t *obj_find(paddr_t paddr)
{
    for (unsigned i = 0; i < nobjs; i++)
        if (objs[i].paddr == paddr)
            return &objs[i];
    return NULL;
}

static void obj_add(paddr_t paddr, paddr_t slots, unsigned n, bool is_tcb)
{
    MCHECK(nobjs < MAX_OBJS, "model: too many objects");
    for (unsigned i = 0; i < nobjs; i++) {
        paddr_t a = objs[i].slots, b = a + objs[i].n * sizeof(cte_t);
        MCHECK(slots + n * sizeof(cte_t) <= a || slots >= b, "model: new object %lx overlaps live object %lx",
               (unsigned long)paddr, (unsigned long)objs[i].paddr);
    }
    objs[nobjs++] = (mobj_t){paddr, slots, n, is_tcb, is_tcb};
    for (unsigned k = 0; k < n; k++) {
        int id = id_of_paddr(slots + k * sizeof(cte_t));
        M[id] = (mnode_t){m_null(), false, -1, -1, -1, -1, -1};
    }
    universe_rebuild();
}

/* Objects no cap refers to any more are gone (their slots must all be empty). */
static void obj_gc(void)
{
    bool changed = false;
    for (unsigned i = 1; i < nobjs;) {
        bool referenced = false;
        for (unsigned k = 0; k < nU && !referenced; k++) {
            const mcap_t *c = &M[U[k]].cap;
            referenced = ((c->type == PN_CAP_CNODE || c->type == PN_CAP_THREAD) && c->obj == objs[i].paddr) ||
                         (c->type == PN_CAP_ZOMBIE && c->obj == objs[i].slots);
        }
        if (referenced) {
            i++;
            continue;
        }
        for (unsigned k = 0; k < objs[i].n; k++)
            MCHECK(m_empty(id_of_paddr(objs[i].slots + k * sizeof(cte_t))),
                   "model: object %lx destroyed with a non-empty slot %u", (unsigned long)objs[i].paddr, k);
        MCHECK(!objs[i].tcb_alive, "model: TCB %lx destroyed without being finalised", (unsigned long)objs[i].paddr);
        objs[i] = objs[--nobjs];
        changed = true;
    }
    if (changed)
        universe_rebuild();
}

/* ---- the tree ---- */

static void t_clear(int id)
{
    M[id] = (mnode_t){m_null(), false, -1, -1, -1, -1, -1};
}

static void t_link_first(int p, int d)
{
    M[d].parent = p;
    M[d].prev = -1;
    M[d].next = M[p].first;
    if (M[p].first >= 0)
        M[M[p].first].prev = d;
    else
        M[p].last = d;
    M[p].first = d;
}

static void t_link_after(int s, int d)
{
    int p = M[s].parent;
    M[d].parent = p;
    M[d].prev = s;
    M[d].next = M[s].next;
    if (M[s].next >= 0)
        M[M[s].next].prev = d;
    else
        M[p].last = d;
    M[s].next = d;
}

/* Empties a slot; its children take its place under its parent. */
static void t_remove(int s)
{
    int p = M[s].parent, c = M[s].first, l = M[s].last, prev = M[s].prev, next = M[s].next;
    for (int x = c; x >= 0; x = M[x].next)
        M[x].parent = p;
    if (c >= 0) {
        M[c].prev = prev;
        M[l].next = next;
    } else {
        c = next;
        l = prev;
    }
    if (prev >= 0)
        M[prev].next = c;
    else
        M[p].first = c;
    if (next >= 0)
        M[next].prev = l;
    else
        M[p].last = l;
    t_clear(s);
}

/* The node (cap and tree position) of src goes to the empty slot dst. */
static void t_rename(int src, int dst)
{
    M[dst] = M[src];
    if (M[dst].cap.type != PN_CAP_NULL) {
        int p = M[dst].parent;
        if (M[dst].prev >= 0)
            M[M[dst].prev].next = dst;
        else
            M[p].first = dst;
        if (M[dst].next >= 0)
            M[M[dst].next].prev = dst;
        else
            M[p].last = dst;
        for (int x = M[dst].first; x >= 0; x = M[x].next)
            M[x].parent = dst;
    }
    t_clear(src);
}

static void t_swap(int a, int b)
{
    if (a == b)
        return;
    t_rename(a, TMP);
    t_rename(b, a);
    t_rename(TMP, b);
}

/* Depth-first successor (the next cap in the kernel's list). */
static int t_succ(int s)
{
    if (M[s].first >= 0)
        return M[s].first;
    for (int x = s; x != VROOT; x = M[x].parent)
        if (M[x].next >= 0)
            return M[x].next;
    return -1;
}

static unsigned t_subtree_size(int s)
{
    unsigned n = 0;
    for (int x = M[s].first; x >= 0; x = M[x].next)
        n += 1 + t_subtree_size(x);
    return n;
}

/* ---- model rules ---- */

static bool m_final(int s)
{
    for (unsigned k = 0; k < nU; k++)
        if (U[k] != s && m_same_object(&M[U[k]].cap, &M[s].cap))
            return false;
    return true;
}

static int zslot(const mcap_t *z, word_t i)
{
    return id_of_paddr(z->obj + i * sizeof(cte_t));
}

/* A final CNode or TCB cap is finalised into a zombie (a TCB is forgotten first). */
static mcap_t m_make_zombie(const mcap_t *c)
{
    paddr_t slots;
    word_t n;
    m_cap_slots(c, &slots, &n);
    if (c->type == PN_CAP_THREAD) {
        mobj_t *o = obj_find(c->obj);
        MCHECK(o && o->tcb_alive, "model: finalising a dead TCB %lx", (unsigned long)c->obj);
        o->tcb_alive = false;
    } else {
        stats.final_cnode++;
    }
    stats.zombies++;
    return (mcap_t){.type = PN_CAP_ZOMBIE, .obj = slots, .ztype = c->type == PN_CAP_THREAD ? ZOMBIE_TCB : c->bits, .zn = n};
}

static bool is_slot_object_cap(const mcap_t *c)
{
    return c->type == PN_CAP_CNODE || c->type == PN_CAP_THREAD;
}

/* Deleting a slot inside an object being destroyed. */
static void m_delete_unexposed(int t)
{
    for (;;) {
        if (m_empty(t))
            return;
        if (is_slot_object_cap(&M[t].cap) && m_final(t))
            M[t].cap = m_make_zombie(&M[t].cap);
        mcap_t *c = &M[t].cap;
        if (c->type != PN_CAP_ZOMBIE) {
            t_remove(t);
            return;
        }
        int first = zslot(c, 0);
        if (c->zn == 0 || (c->zn == 1 && first == t)) {
            t_remove(t);
            return;
        }
        if (first == t)
            return; /* parked in its own first slot */
        t_swap(t, first);
        stats.parked++;
    }
}

/* Delete (and each step of Revoke). */
static void m_delete_exposed(int s)
{
    for (;;) {
        if (m_empty(s))
            return;
        if (is_slot_object_cap(&M[s].cap) && m_final(s)) {
            M[s].cap = m_make_zombie(&M[s].cap);
            continue;
        }
        mcap_t c = M[s].cap;
        if (c.type != PN_CAP_ZOMBIE) {
            t_remove(s);
            return;
        }
        if (c.zn == 0 || (c.zn == 1 && zslot(&c, 0) == s)) {
            t_remove(s);
            return;
        }
        m_delete_unexposed(zslot(&c, c.zn - 1));
        mcap_t *now = &M[s].cap;
        if (now->type == PN_CAP_ZOMBIE && now->obj == c.obj && now->zn == c.zn && now->ztype == c.ztype)
            now->zn--;
    }
}

static void m_revoke(int s)
{
    while (!m_empty(s) && M[s].first >= 0)
        m_delete_exposed(M[s].first);
}

static mcap_t m_mask_rights(mcap_t c, word_t rights)
{
    switch (c.type) {
    case PN_CAP_ENDPOINT:
        c.rights &= rights;
        break;
    case PN_CAP_NOTIFICATION:
        c.rights &= rights & PN_RIGHTS_RW;
        break;
    case PN_CAP_REPLY:
        c.rights &= rights & PN_RIGHT_GRANT;
        break;
    case PN_CAP_FRAME: {
        bool r = rights & PN_RIGHT_READ, w = rights & PN_RIGHT_WRITE;
        if (c.rights == VM_READ_WRITE && r)
            c.rights = w ? VM_READ_WRITE : VM_READ_ONLY;
        else if (c.rights == VM_READ_ONLY && r)
            c.rights = VM_READ_ONLY;
        else
            c.rights = VM_KERNEL_ONLY;
        break;
    }
    default:
        break;
    }
    return c;
}

static mcap_t m_update_data(mcap_t c, bool preserve, word_t data)
{
    switch (c.type) {
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        if (preserve || c.badge != 0)
            return m_null();
        c.badge = data;
        return c;
    case PN_CAP_CNODE: {
        unsigned gs = data & 63;
        if (gs + c.bits > 64)
            return m_null();
        c.gsize = gs;
        c.guard = gs == 0 ? 0 : (data >> 6) & MASK(gs);
        return c;
    }
    default:
        return c;
    }
}

static bool m_is_revocable(const mcap_t *derived, const mcap_t *src)
{
    switch (derived->type) {
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        return derived->badge != src->badge;
    case PN_CAP_UNTYPED:
        return true;
    default:
        return false;
    }
}

/* ---- results ---- */

typedef struct mres {
    word_t error;
    unsigned length;
    word_t mr[5];
} mres_t;

static mres_t r_ok(void) { return (mres_t){PN_NO_ERROR, 0, {0}}; }
static mres_t r_err(word_t e) { return (mres_t){e, 0, {0}}; }
static mres_t r_err1(word_t e, word_t a) { return (mres_t){e, 1, {a}}; }
static mres_t r_err2(word_t e, word_t a, word_t b) { return (mres_t){e, 2, {a, b}}; }

static mres_t r_lookup(bool source, word_t type, word_t a, word_t b, word_t c)
{
    mres_t r = {PN_FAILED_LOOKUP, 2, {source, type}};
    switch (type) {
    case PN_LOOKUP_MISSING_CAP:
        r.mr[2] = a, r.length = 3;
        break;
    case PN_LOOKUP_DEPTH_MISMATCH:
        r.mr[2] = a, r.mr[3] = b, r.length = 4;
        break;
    case PN_LOOKUP_GUARD_MISMATCH:
        r.mr[2] = a, r.mr[3] = b, r.mr[4] = c, r.length = 5;
        break;
    default:
        break;
    }
    return r;
}

static word_t bits_at(word_t x, word_t shift, word_t n)
{
    return n == 0 ? 0 : (x >> shift) & MASK(n);
}

/* A CNode-op slot lookup (types.md §5); -1 and *err on failure. */
static int m_resolve(const mcap_t *root, word_t index, word_t depth, bool source, mres_t *err)
{
    if (root->type != PN_CAP_CNODE) {
        *err = r_lookup(source, PN_LOOKUP_INVALID_ROOT, 0, 0, 0);
        return -1;
    }
    if (depth < 1 || depth > 64) {
        *err = r_err2(PN_RANGE_ERROR, 1, 64);
        return -1;
    }
    mcap_t node = *root;
    word_t n = depth;
    for (;;) {
        word_t g = node.gsize, r = node.bits;
        if (g > n || bits_at(index, n - g, g) != node.guard) {
            *err = r_lookup(source, PN_LOOKUP_GUARD_MISMATCH, n, node.guard, g);
            return -1;
        }
        if (g + r > n) {
            *err = r_lookup(source, PN_LOOKUP_DEPTH_MISMATCH, n, g + r, 0);
            return -1;
        }
        n -= g + r;
        int id = id_of_paddr(node.obj + bits_at(index, n, r) * sizeof(cte_t));
        if (n == 0)
            return id;
        if (M[id].cap.type != PN_CAP_CNODE) {
            *err = r_lookup(source, PN_LOOKUP_DEPTH_MISMATCH, n, 0, 0);
            return -1;
        }
        node = M[id].cap;
    }
}

/* ---- the operations ---- */

typedef struct op {
    int service;       /* slot id of the invoked cap */
    word_t label;
    unsigned length;
    word_t mr[8];
    unsigned nextra;
    int extra[2];      /* slot ids */
    int scribble;      /* not an invocation: user writes to this frame (slot id), or -1 */
} op_t;

static int new_objects[300];
static unsigned num_new_objects;

static unsigned m_obj_bits(word_t type, word_t ub)
{
    switch (type) {
    case PN_OBJ_UNTYPED:
    case PN_OBJ_SCHED_CONTEXT: return (unsigned)ub;
    case PN_OBJ_TCB: return PN_TCB_BITS;
    case PN_OBJ_ENDPOINT: return PN_ENDPOINT_BITS;
    case PN_OBJ_NOTIFICATION: return PN_NOTIFICATION_BITS;
    case PN_OBJ_CNODE: return (unsigned)ub + PN_SLOT_BITS;
    case PN_OBJ_REPLY: return PN_REPLY_BITS;
    case PN_OBJ_X64_HUGE_PAGE: return PN_HUGE_PAGE_BITS;
    case PN_OBJ_X86_LARGE_PAGE: return PN_LARGE_PAGE_BITS;
    default: return PN_PAGE_BITS;
    }
}

static bool is_frame_obj(word_t t)
{
    return t == PN_OBJ_X86_4K || t == PN_OBJ_X86_LARGE_PAGE || t == PN_OBJ_X64_HUGE_PAGE;
}

static mcap_t m_new_cap(word_t type, paddr_t p, word_t ub, bool device)
{
    mcap_t c = {.obj = p};
    switch (type) {
    case PN_OBJ_UNTYPED: c.type = PN_CAP_UNTYPED, c.bits = (unsigned)ub, c.device = device; break;
    case PN_OBJ_TCB: c.type = PN_CAP_THREAD; break;
    case PN_OBJ_ENDPOINT: c.type = PN_CAP_ENDPOINT, c.rights = PN_RIGHTS_ALL; break;
    case PN_OBJ_NOTIFICATION: c.type = PN_CAP_NOTIFICATION, c.rights = PN_RIGHTS_RW; break;
    case PN_OBJ_CNODE: c.type = PN_CAP_CNODE, c.bits = (unsigned)ub; break;
    case PN_OBJ_SCHED_CONTEXT: c.type = PN_CAP_SCHED_CONTEXT, c.bits = (unsigned)ub; break;
    case PN_OBJ_REPLY: c.type = PN_CAP_REPLY, c.rights = PN_RIGHT_GRANT; break;
    case PN_OBJ_X86_4K: c.type = PN_CAP_FRAME, c.rights = VM_READ_WRITE, c.device = device; break;
    case PN_OBJ_X86_PAGE_TABLE: c.type = PN_CAP_PAGE_TABLE; break;
    case PN_OBJ_X86_PAGE_DIRECTORY: c.type = PN_CAP_PAGE_DIRECTORY; break;
    case PN_OBJ_X86_PDPT: c.type = PN_CAP_PDPT; break;
    case PN_OBJ_X64_PML4: c.type = PN_CAP_PML4; break;
    default: MFAIL("model: object type %lu cannot be created here", (unsigned long)type);
    }
    return c;
}

static mres_t m_retype(const op_t *op)
{
    if (op->label != PN_UNTYPED_RETYPE)
        return r_err(PN_ILLEGAL_OPERATION);
    if (op->length < 6 || op->nextra < 1)
        return r_err(PN_TRUNCATED_MESSAGE);
    word_t type = op->mr[0], ub = op->mr[1], idx = op->mr[2], depth = op->mr[3], offset = op->mr[4],
           count = op->mr[5];
    if (type >= PN_OBJ_TYPE_COUNT)
        return r_err1(PN_INVALID_ARGUMENT, 0);
    if (ub >= 64 || m_obj_bits(type, ub) > 47)
        return r_err2(PN_RANGE_ERROR, 0, 47);
    if ((type == PN_OBJ_CNODE && ub == 0) || (type == PN_OBJ_UNTYPED && ub < 4) ||
        (type == PN_OBJ_SCHED_CONTEXT && ub < 7))
        return r_err1(PN_INVALID_ARGUMENT, 1);
    unsigned ob = m_obj_bits(type, ub);
    mcap_t node = M[op->extra[0]].cap;
    if (depth != 0) {
        mres_t err;
        int id = m_resolve(&node, idx, depth, false, &err);
        if (id < 0)
            return err;
        node = M[id].cap;
    }
    if (node.type != PN_CAP_CNODE)
        return r_lookup(false, PN_LOOKUP_MISSING_CAP, depth, 0, 0);
    word_t slots = BIT(node.bits);
    if (offset > slots - 1)
        return r_err2(PN_RANGE_ERROR, 0, slots - 1);
    if (count < 1 || count > 256)
        return r_err2(PN_RANGE_ERROR, 1, 256);
    if (count > slots - offset)
        return r_err2(PN_RANGE_ERROR, 1, slots - offset);
    for (word_t i = 0; i < count; i++)
        if (!m_empty(id_of_paddr(node.obj + (offset + i) * sizeof(cte_t))))
            return r_err(PN_DELETE_FIRST);
    int u = op->service;
    mcap_t *ut = &M[u].cap;
    bool reset = M[u].first < 0;
    word_t free = reset ? 0 : ut->free;
    word_t free_bytes = BIT(ut->bits) - free;
    if ((free_bytes >> ob) < count)
        return r_err1(PN_NOT_ENOUGH_MEMORY, free_bytes);
    if (ut->device && !is_frame_obj(type) && type != PN_OBJ_UNTYPED)
        return r_err1(PN_INVALID_ARGUMENT, 1);

    if (reset) {
        if (ut->free)
            stats.resets++;
        ut->free = 0;
    }
    paddr_t first = ROUND_UP(ut->obj + free, ob);
    num_new_objects = 0;
    for (word_t i = 0; i < count; i++) {
        int d = id_of_paddr(node.obj + (offset + i) * sizeof(cte_t));
        paddr_t p = first + (i << ob);
        M[d].cap = m_new_cap(type, p, ub, ut->device);
        M[d].revocable = true;
        t_link_first(u, d);
        new_objects[num_new_objects++] = d;
    }
    ut->free = first + (count << ob) - ut->obj;
    for (word_t i = 0; i < count; i++) {
        paddr_t p = first + (i << ob);
        if (type == PN_OBJ_CNODE)
            obj_add(p, p, (unsigned)BIT(ub), false);
        else if (type == PN_OBJ_TCB)
            obj_add(p, p + TCB_SLOTS_OFFSET, TCB_SLOT_COUNT, true);
    }
    stats.retypes++;
    return r_ok();
}

static mres_t m_copy_family(const op_t *op, int dest)
{
    if (op->length < 4 || op->nextra < 1)
        return r_err(PN_TRUNCATED_MESSAGE);
    if (!m_empty(dest))
        return r_err(PN_DELETE_FIRST);
    mres_t err;
    int src = m_resolve(&M[op->extra[0]].cap, op->mr[2], op->mr[3], true, &err);
    if (src < 0)
        return err;
    if (m_empty(src))
        return r_lookup(true, PN_LOOKUP_MISSING_CAP, op->mr[3], 0, 0);
    mcap_t c = M[src].cap;
    switch (op->label) {
    case PN_CNODE_COPY:
    case PN_CNODE_MINT: {
        if (op->length < (op->label == PN_CNODE_MINT ? 6u : 5u))
            return r_err(PN_TRUNCATED_MESSAGE);
        c = m_mask_rights(c, op->mr[4]);
        if (op->label == PN_CNODE_MINT)
            c = m_update_data(c, false, op->mr[5]);
        switch (c.type) { /* deriveCap (semantics.md §2) */
        case PN_CAP_ZOMBIE:
            c = m_null();
            break;
        case PN_CAP_UNTYPED:
            if (M[src].first >= 0)
                return r_err(PN_REVOKE_FIRST);
            break;
        case PN_CAP_PAGE_TABLE:
        case PN_CAP_PAGE_DIRECTORY:
        case PN_CAP_PDPT:
        case PN_CAP_PML4:
            return r_err(PN_ILLEGAL_OPERATION); /* never mapped here */
        default:
            break;
        }
        if (c.type == PN_CAP_NULL)
            return r_err(PN_ILLEGAL_OPERATION);
        M[dest].cap = c;
        M[dest].revocable = m_is_revocable(&c, &M[src].cap);
        if (c.type == PN_CAP_UNTYPED)
            M[src].cap.free = BIT(M[src].cap.bits);
        if (M[src].revocable)
            t_link_first(src, dest);
        else
            t_link_after(src, dest);
        stats.copies++;
        return r_ok();
    }
    case PN_CNODE_MUTATE:
        if (op->length < 5)
            return r_err(PN_TRUNCATED_MESSAGE);
        c = m_update_data(c, true, op->mr[4]);
        if (c.type == PN_CAP_NULL)
            return r_err(PN_ILLEGAL_OPERATION);
        t_rename(src, dest);
        M[dest].cap = c;
        return r_ok();
    default: /* Move */
        t_rename(src, dest);
        return r_ok();
    }
}

static mres_t m_rotate(const op_t *op, int dest)
{
    if (op->length < 8 || op->nextra < 2)
        return r_err(PN_TRUNCATED_MESSAGE);
    mres_t err;
    int src = m_resolve(&M[op->extra[1]].cap, op->mr[6], op->mr[7], true, &err);
    if (src < 0)
        return err;
    int pivot = m_resolve(&M[op->extra[0]].cap, op->mr[3], op->mr[4], true, &err);
    if (pivot < 0)
        return err;
    if (pivot == src || pivot == dest)
        return r_err(PN_ILLEGAL_OPERATION);
    if (src != dest && !m_empty(dest))
        return r_err(PN_DELETE_FIRST);
    if (m_empty(src))
        return r_lookup(true, PN_LOOKUP_MISSING_CAP, op->mr[7], 0, 0);
    if (m_empty(pivot))
        return r_lookup(false, PN_LOOKUP_MISSING_CAP, op->mr[4], 0, 0);
    mcap_t new_src = m_update_data(M[src].cap, true, op->mr[5]);
    if (new_src.type == PN_CAP_NULL)
        return r_err(PN_ILLEGAL_OPERATION);
    mcap_t new_pivot = m_update_data(M[pivot].cap, true, op->mr[2]);
    if (new_pivot.type == PN_CAP_NULL)
        return r_err(PN_ILLEGAL_OPERATION);
    if (src == dest) {
        t_swap(src, pivot);
        M[src].cap = new_pivot;
        M[pivot].cap = new_src;
    } else {
        t_rename(pivot, dest);
        M[dest].cap = new_pivot;
        t_rename(src, pivot);
        M[pivot].cap = new_src;
    }
    return r_ok();
}

static mres_t m_cnode(const op_t *op)
{
    if (op->label < PN_CNODE_REVOKE || op->label > PN_CNODE_ROTATE)
        return r_err(PN_ILLEGAL_OPERATION);
    if (op->length < 2)
        return r_err(PN_TRUNCATED_MESSAGE);
    mres_t err;
    int dest = m_resolve(&M[op->service].cap, op->mr[0], op->mr[1], false, &err);
    if (dest < 0)
        return err;
    switch (op->label) {
    case PN_CNODE_REVOKE:
        if (M[dest].first >= 0)
            stats.revokes_nonempty++;
        m_revoke(dest);
        return r_ok();
    case PN_CNODE_DELETE:
        if (!m_empty(dest))
            stats.deletes++;
        m_delete_exposed(dest);
        return r_ok();
    case PN_CNODE_CANCEL_BADGED_SENDS:
        if (M[dest].cap.type != PN_CAP_ENDPOINT || M[dest].cap.rights != PN_RIGHTS_ALL)
            return r_err(PN_ILLEGAL_OPERATION);
        return r_ok();
    case PN_CNODE_ROTATE:
        return m_rotate(op, dest);
    default:
        return m_copy_family(op, dest);
    }
}

static mres_t m_invoke(const op_t *op)
{
    num_new_objects = 0;
    switch (M[op->service].cap.type) {
    case PN_CAP_NULL:
    case PN_CAP_ZOMBIE:
        return r_err1(PN_INVALID_CAPABILITY, 0);
    case PN_CAP_CNODE:
        return m_cnode(op);
    case PN_CAP_UNTYPED:
        return m_retype(op);
    default:
        MFAIL("driver: invoking a %s cap", type_name(M[op->service].cap.type));
    }
}

/* ---- the kernel side ---- */

static bool irq_pending(void)
{
    switch (preempt_mode) {
    case 1: return rng_below(&irq_rng, 2) == 0;
    case 2: return true;
    default: return false;
    }
}

static void check_structure(const char *when);

static invocation_result_t k_invoke(const op_t *op)
{
    word_t *regs[4] = {&caller->ctx.r10, &caller->ctx.r8, &caller->ctx.r9, &caller->ctx.r15};
    for (unsigned i = 0; i < 8; i++) {
        if (i < 4)
            *regs[i] = op->mr[i];
        ipcbuf.msg[i] = i < 4 ? 0xdeadbeef : op->mr[i];
    }
    for (unsigned attempt = 0;; attempt++) {
        cte_t *slot = slot_ptr(op->service);
        invocation_t inv = {.caller = caller, .slot = slot, .cap = slot->cap, .label = op->label,
                            .length = op->length, .buffer = &ipcbuf, .extra_caps = op->nextra,
                            .is_call = true, .blocking = true, .can_donate = true};
        for (unsigned i = 0; i < op->nextra; i++)
            inv.extra[i] = slot_ptr(op->extra[i]);
        invocation_result_t r = invocation_decode(&inv);
        if (r.error != INV_PREEMPTED)
            return r;
        stats.preemptions++;
        MCHECK(attempt < 100000, "operation never completes (preempted %u times)", attempt);
        check_structure("after a preempted attempt");
    }
}

/* ---- checks ---- */

/* The kernel's list links: consistent both ways, between slots of the machine. */
static void check_structure(const char *when)
{
    for (unsigned k = 0; k < nU; k++) {
        int id = U[k];
        const cte_t *s = slot_ptr(id);
        if (cap_is_null(s->cap)) {
            MCHECK(s->mdb_prev == 0 && s->mdb_next == 0 && s->cap.w1 == 0,
                   "%s: empty slot %s has links %lx/%lx or garbage", when, slot_name(id), (unsigned long)s->mdb_prev,
                   (unsigned long)s->mdb_next);
            continue;
        }
        const cte_t *n = mdb_next(s), *p = mdb_prev(s);
        if (n) {
            MCHECK(id_of_ptr(n) >= 0, "%s: %s links to %p, not a slot", when, slot_name(id), (const void *)n);
            MCHECK(mdb_prev(n) == s, "%s: %s -> %s but back link is %p", when, slot_name(id), slot_name(id_of_ptr(n)),
                   (void *)mdb_prev(n));
            MCHECK(!cap_is_null(n->cap), "%s: %s links to empty %s", when, slot_name(id), slot_name(id_of_ptr(n)));
        }
        if (p) {
            MCHECK(id_of_ptr(p) >= 0, "%s: %s back links to %p, not a slot", when, slot_name(id), (const void *)p);
            MCHECK(mdb_next(p) == s, "%s: %s <- %s but its next is %p", when, slot_name(id), slot_name(id_of_ptr(p)),
                   (void *)mdb_next(p));
        }
    }
}

static int cmp_key(const void *a, const void *b)
{
    const mcap_t *x = &M[*(const int *)a].cap, *y = &M[*(const int *)b].cap;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->obj != y->obj)
        return x->obj < y->obj ? -1 : 1;
    if (x->bits != y->bits)
        return x->bits < y->bits ? -1 : 1;
    return (int)x->device - (int)y->device;
}

static void check_all(void)
{
    static int sorted[MEM_SIZE / 32 + 16];
    static bool final[NIDS];
    unsigned ns = 0;

    check_structure("after the operation");
    /* Finality from the model, by grouping caps to the same object. */
    for (unsigned k = 0; k < nU; k++)
        if (!m_empty(U[k]))
            sorted[ns++] = U[k];
    qsort(sorted, ns, sizeof sorted[0], cmp_key);
    for (unsigned i = 0; i < ns; i++) {
        final[sorted[i]] = true;
        if ((i > 0 && m_same_object(&M[sorted[i]].cap, &M[sorted[i - 1]].cap)) ||
            (i + 1 < ns && m_same_object(&M[sorted[i]].cap, &M[sorted[i + 1]].cap)))
            final[sorted[i]] = false;
    }

    for (unsigned k = 0; k < nU; k++) {
        int id = U[k];
        cte_t *s = slot_ptr(id);
        cap_t want = m_encode(&M[id].cap);
        MCHECK(s->cap.w0 == want.w0 && s->cap.w1 == want.w1, "%s holds %s, model says %s", slot_name(id),
               cap_str(s->cap), cap_str(want));
        if (m_empty(id))
            continue;
        MCHECK(mdb_revocable(s) == M[id].revocable, "%s (%s): revocable flag %d, model %d", slot_name(id),
               cap_str(s->cap), mdb_revocable(s), M[id].revocable);
        /* list order = depth-first order of the model's tree */
        int succ = t_succ(id);
        const cte_t *n = mdb_next(s);
        if (n) {
            MCHECK(id_of_ptr(n) == succ, "list: after %s (%s) comes %s (%s), model says %s", slot_name(id),
                   cap_str(s->cap), slot_name(id_of_ptr(n)), cap_str(n->cap), slot_name(succ));
        } else {
            MCHECK(succ < 0 || mdb_prev(slot_ptr(succ)) == NULL,
                   "list: %s (%s) ends a list, model says %s (%s) follows", slot_name(id), cap_str(s->cap),
                   slot_name(succ), cap_str(slot_ptr(succ)->cap));
        }
        /* descendants: the run after the slot vs the subtree */
        unsigned run = 0;
        for (const cte_t *x = mdb_next(s); x && cdt_is_parent_of(s, x); x = mdb_next(x))
            run++;
        unsigned sub = t_subtree_size(id);
        MCHECK(run == sub, "%s (%s): %u descendants in the kernel, %u in the model (first kernel child %s)",
               slot_name(id), cap_str(s->cap), run, sub, n ? slot_name(id_of_ptr(n)) : "-");
        MCHECK(cdt_has_children(s) == (sub > 0), "%s: cdt_has_children %d, model %u descendants", slot_name(id),
               cdt_has_children(s), sub);
        MCHECK(cdt_is_final(s) == final[id], "%s (%s): cdt_is_final %d, model %d", slot_name(id), cap_str(s->cap),
               cdt_is_final(s), final[id]);
    }

    /* Every cap to memory inside an untyped is its descendant (copies of the same
     * untyped are each other's ancestor or descendant: checked through the tree). */
    for (unsigned k = 0; k < nU; k++) {
        int v = U[k];
        if (M[v].cap.type != PN_CAP_UNTYPED)
            continue;
        stamp_gen++;
        const cte_t *s = slot_ptr(v);
        for (const cte_t *x = mdb_next(s); x && cdt_is_parent_of(s, x); x = mdb_next(x))
            stamp[id_of_ptr(x)] = (int)stamp_gen;
        paddr_t vb = M[v].cap.obj, xb;
        unsigned vs = M[v].cap.bits, xs;
        for (unsigned j = 0; j < nU; j++) {
            int x = U[j];
            if (x == v || m_empty(x))
                continue;
            m_region(&M[x].cap, &xb, &xs);
            if (xb < vb || xb + BIT(xs) > vb + BIT(vs))
                continue;
            if (M[x].cap.type == PN_CAP_UNTYPED && xb == vb && xs == vs)
                continue;
            MCHECK(stamp[x] == (int)stamp_gen, "%s (%s) lies inside untyped %s (%s) but is not its descendant",
                   slot_name(x), cap_str(slot_ptr(x)->cap), slot_name(v), cap_str(s->cap));
        }
    }

    /* The threads the kernel knows are the TCBs not yet finalised. */
    unsigned alive = 0;
    for (unsigned i = 0; i < nobjs; i++)
        if (objs[i].is_tcb && objs[i].tcb_alive)
            alive++;
    MCHECK(alive == host_num_threads, "kernel knows %u threads, model %u live TCBs", host_num_threads, alive);
    for (unsigned i = 0; i < host_num_threads; i++) {
        mobj_t *o = obj_find(kptr_to_paddr(host_threads[i]));
        MCHECK(o && o->is_tcb && o->tcb_alive, "kernel knows thread %lx, the model does not",
               (unsigned long)kptr_to_paddr(host_threads[i]));
    }
}

static bool zero(paddr_t from, word_t n)
{
    const uint8_t *p = paddr_to_kptr(from);
    for (word_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Memory above an untyped's free index is zero; device memory is never written. */
static void check_memory(void)
{
    for (unsigned i = 0; i < NUM_BOOT_UT; i++)
        if (boot_untypeds[i].device)
            MCHECK(memcmp(paddr_to_kptr(boot_untypeds[i].base), saved_device, BIT(boot_untypeds[i].bits)) == 0,
                   "the kernel wrote to device memory");
    for (unsigned k = 0; k < nU; k++) {
        const mcap_t *c = &M[U[k]].cap;
        if (c->type != PN_CAP_UNTYPED || c->device)
            continue;
        MCHECK(zero(c->obj + c->free, BIT(c->bits) - c->free), "%s (untyped %lx/%u free %lx): memory above the free "
               "index is not zero", slot_name(U[k]), (unsigned long)c->obj, c->bits, (unsigned long)c->free);
    }
}

static void check_new_objects(void)
{
    for (unsigned i = 0; i < num_new_objects; i++) {
        const mcap_t *c = &M[new_objects[i]].cap;
        paddr_t b;
        unsigned bits;
        m_region(c, &b, &bits);
        if (c->device || c->type == PN_CAP_THREAD || c->type == PN_CAP_PML4 || c->type == PN_CAP_UNTYPED)
            continue;
        MCHECK(zero(b, BIT(bits)), "new %s at %lx is not zero", type_name(c->type), (unsigned long)b);
    }
}

/* ---- generating operations ---- */

typedef struct addr {
    word_t index, depth;
} addr_t;

enum pref { ANY, EMPTY, FULL };

static addr_t cand_addr[8192];
static int cand_id[8192];

/* An address relative to the CNode cap `base`: one of its slots, a slot of a CNode it
 * holds (unless shallow), or garbage. */
static addr_t gen_addr(const mcap_t *base, enum pref pref, bool shallow)
{
    if (base->type != PN_CAP_CNODE || rng_below(&rng, 100) < 3) {
        static const word_t depths[] = {0, 1, 2, 5, 7, 13, 63, 64, 65, 200};
        word_t d = rng_below(&rng, 3) ? depths[rng_below(&rng, ARRAY_SIZE(depths))] : rng_below(&rng, 70);
        return (addr_t){rng_below(&rng, 2) ? rng_next(&rng) : rng_below(&rng, 4096), d};
    }
    unsigned nc = 0;
    word_t top = base->guard << base->bits;
    word_t d1 = base->gsize + base->bits;
    for (word_t j = 0; j < BIT(base->bits); j++) {
        int id = id_of_paddr(base->obj + j * sizeof(cte_t));
        cand_addr[nc] = (addr_t){top | j, d1};
        cand_id[nc++] = id;
        const mcap_t *c = &M[id].cap;
        if (shallow || c->type != PN_CAP_CNODE || d1 + c->gsize + c->bits > 64)
            continue;
        word_t d2 = c->gsize + c->bits;
        for (word_t k = 0; k < BIT(c->bits) && nc < ARRAY_SIZE(cand_addr); k++) {
            cand_addr[nc] = (addr_t){((top | j) << d2) | (c->guard << c->bits) | k, d1 + d2};
            cand_id[nc++] = id_of_paddr(c->obj + k * sizeof(cte_t));
        }
    }
    unsigned pick = (unsigned)rng_below(&rng, nc);
    if (pref != ANY && rng_below(&rng, 100) < 95) {
        for (unsigned tries = 0; tries < 256; tries++) {
            unsigned k = (unsigned)rng_below(&rng, nc);
            if (m_empty(cand_id[k]) == (pref == EMPTY)) {
                pick = k;
                break;
            }
        }
    }
    addr_t a = cand_addr[pick];
    if (rng_below(&rng, 100) < 1) /* a wrong guard or depth */
        a.index ^= BIT(rng_below(&rng, a.depth ? a.depth : 1));
    return a;
}

/* Root slots holding a cap of the given type (-1 if none). */
static int pick_root_slot(int type)
{
    int found[BIT(ROOT_RADIX)], n = 0;
    for (unsigned j = 0; j < BIT(ROOT_RADIX); j++) {
        int id = id_of_paddr(ROOT_PADDR + j * sizeof(cte_t));
        if (type < 0 || M[id].cap.type == type)
            found[n++] = id;
    }
    return n ? found[rng_below(&rng, (uint64_t)n)] : -1;
}

/* Slots holding an untyped cap, in the root CNode or a CNode one level below. */
static int pick_untyped(void)
{
    int found[2048], n = 0;
    for (unsigned j = 0; j < BIT(ROOT_RADIX); j++) {
        int id = id_of_paddr(ROOT_PADDR + j * sizeof(cte_t));
        const mcap_t *c = &M[id].cap;
        if (c->type == PN_CAP_UNTYPED)
            found[n++] = id;
        if (c->type == PN_CAP_CNODE && c->obj != ROOT_PADDR)
            for (word_t k = 0; k < BIT(c->bits) && n < 2048; k++) {
                int x = id_of_paddr(c->obj + k * sizeof(cte_t));
                if (M[x].cap.type == PN_CAP_UNTYPED)
                    found[n++] = x;
            }
    }
    return n ? found[rng_below(&rng, (uint64_t)n)] : -1;
}

static word_t gen_rights(void)
{
    return rng_below(&rng, 10) < 6 ? PN_RIGHTS_ALL : rng_below(&rng, 16);
}

static word_t gen_data(void)
{
    switch (rng_below(&rng, 10)) {
    case 0: return 0;
    case 1: return rng_next(&rng);
    case 2: return 60 + rng_below(&rng, 4); /* guard too big for most radices */
    case 3: case 4: case 5: return 1 + rng_below(&rng, 3); /* a small badge; guard size 1..3, guard 0 */
    default: {
        word_t gs = rng_below(&rng, 4);
        return gs | rng_below(&rng, 16) << 6;
    }
    }
}

static unsigned gen_length(unsigned full)
{
    return rng_below(&rng, 100) < 4 ? (unsigned)rng_below(&rng, full + 1) : full;
}

static void gen_retype(op_t *op)
{
    static const word_t types[] = {
        PN_OBJ_UNTYPED, PN_OBJ_UNTYPED, PN_OBJ_UNTYPED, PN_OBJ_UNTYPED, PN_OBJ_ENDPOINT, PN_OBJ_ENDPOINT,
        PN_OBJ_ENDPOINT, PN_OBJ_NOTIFICATION, PN_OBJ_NOTIFICATION, PN_OBJ_CNODE, PN_OBJ_CNODE, PN_OBJ_CNODE,
        PN_OBJ_CNODE, PN_OBJ_TCB, PN_OBJ_SCHED_CONTEXT, PN_OBJ_REPLY, PN_OBJ_X86_4K, PN_OBJ_X86_4K,
        PN_OBJ_X86_PAGE_TABLE, PN_OBJ_X86_PAGE_DIRECTORY, PN_OBJ_X86_PDPT, PN_OBJ_X64_PML4,
        PN_OBJ_X86_LARGE_PAGE, PN_OBJ_X64_HUGE_PAGE, PN_OBJ_TYPE_COUNT};
    int u = rng_below(&rng, 40) ? pick_untyped() : -1;
    if (u < 0) {
        u = pick_root_slot(-1);
        int t = M[u].cap.type;
        if (t != PN_CAP_NULL && t != PN_CAP_ZOMBIE && t != PN_CAP_UNTYPED && t != PN_CAP_CNODE)
            u = CALLER_ID; /* a CNode: Retype is not one of its methods */
    }
    op->service = u;
    op->label = rng_below(&rng, 100) < 2 ? rng_below(&rng, 30) : PN_UNTYPED_RETYPE;
    op->length = gen_length(6);
    op->nextra = rng_below(&rng, 100) < 3 ? 0 : 1;
    op->extra[0] = rng_below(&rng, 100) < 85 ? CALLER_ID : pick_root_slot(-1);
    word_t type = 0, ub = 0;
    /* mostly a type that fits in what the untyped has left */
    word_t avail = 0;
    if (M[u].cap.type == PN_CAP_UNTYPED)
        avail = BIT(M[u].cap.bits) - (M[u].first < 0 ? 0 : M[u].cap.free);
    for (unsigned tries = 0; tries < 12; tries++) {
        type = types[rng_below(&rng, ARRAY_SIZE(types))];
        switch (type) {
        case PN_OBJ_UNTYPED: ub = 4 + rng_below(&rng, 11); break;
        case PN_OBJ_CNODE: ub = 1 + rng_below(&rng, 4); break;
        case PN_OBJ_SCHED_CONTEXT: ub = 7 + rng_below(&rng, 2); break;
        default: ub = rng_below(&rng, 3); break;
        }
        if (type < PN_OBJ_TYPE_COUNT && BIT(m_obj_bits(type, ub)) <= avail &&
            (!M[u].cap.device || type == PN_OBJ_UNTYPED || is_frame_obj(type)))
            break;
        if (rng_below(&rng, 100) < 10)
            break;
    }
    if (rng_below(&rng, 100) < 3)
        ub = rng_below(&rng, 2) ? rng_below(&rng, 8) : 40 + rng_below(&rng, 30);
    /* the destination CNode: C[0] itself, a CNode in the root, or garbage */
    mcap_t node = M[op->extra[0]].cap;
    word_t idx = 0, depth = 0;
    unsigned r = (unsigned)rng_below(&rng, 100);
    if (r < 25) {
        int c = pick_root_slot(PN_CAP_CNODE);
        if (c >= 0 && op->extra[0] == CALLER_ID) {
            idx = (word_t)(c - id_of_paddr(ROOT_PADDR)) / (sizeof(cte_t) / 8);
            depth = ROOT_RADIX;
            node = M[c].cap;
        }
    } else if (r < 32) {
        addr_t a = gen_addr(&node, ANY, false);
        idx = a.index, depth = a.depth;
        node = m_null();
    }
    word_t slots = node.type == PN_CAP_CNODE ? BIT(node.bits) : 64;
    word_t count = rng_below(&rng, 10) < 7 ? 1 : 1 + rng_below(&rng, 4);
    word_t offset = rng_below(&rng, slots);
    if (node.type == PN_CAP_CNODE) /* prefer an empty run */
        for (unsigned tries = 0; tries < 16; tries++) {
            word_t o = rng_below(&rng, slots);
            bool empty = o + count <= slots;
            for (word_t i = 0; empty && i < count; i++)
                empty = m_empty(id_of_paddr(node.obj + (o + i) * sizeof(cte_t)));
            if (empty) {
                offset = o;
                break;
            }
        }
    switch (rng_below(&rng, 40)) {
    case 0: count = 0; break;
    case 1: count = 257 + rng_below(&rng, 3); break;
    case 2: offset = slots + rng_below(&rng, 3); break;
    case 3: count = slots; break;
    default: break;
    }
    word_t mr[6] = {type, ub, idx, depth, offset, count};
    memcpy(op->mr, mr, sizeof mr);
}

static void gen_cnode_op(op_t *op, word_t label)
{
    /* Revoke with preemption through a nested path could destroy the path before the
     * re-executed call gets there again (the call then fails): keep those shallow. */
    bool shallow = preempt_mode != 0 && label == PN_CNODE_REVOKE;
    op->service = CALLER_ID;
    if (!shallow && rng_below(&rng, 100) < 12) {
        int c = pick_root_slot(PN_CAP_CNODE);
        if (c >= 0)
            op->service = c;
    }
    if (rng_below(&rng, 200) == 0)
        op->service = pick_root_slot(PN_CAP_NULL) >= 0 ? pick_root_slot(PN_CAP_NULL) : op->service;
    op->label = label;
    const mcap_t *svc = &M[op->service].cap;
    enum pref dpref = label == PN_CNODE_REVOKE || label == PN_CNODE_DELETE ||
                      label == PN_CNODE_CANCEL_BADGED_SENDS ? FULL : EMPTY;
    addr_t d = gen_addr(svc, dpref, shallow);
    /* Deleting a boot untyped loses its memory for the rest of the run: rarely. */
    for (unsigned tries = 0; label == PN_CNODE_DELETE && tries < 8; tries++) {
        mres_t err;
        int t = m_resolve(svc, d.index, d.depth, false, &err);
        if (t < 0 || M[t].cap.type != PN_CAP_UNTYPED || M[t].parent != VROOT || rng_below(&rng, 100) < 3)
            break;
        d = gen_addr(svc, dpref, shallow);
    }
    op->mr[0] = d.index, op->mr[1] = d.depth;
    for (unsigned i = 0; i < 2; i++) {
        op->extra[i] = CALLER_ID;
        if (rng_below(&rng, 100) < 10) {
            int c = rng_below(&rng, 3) ? pick_root_slot(PN_CAP_CNODE) : pick_root_slot(-1);
            op->extra[i] = c >= 0 ? c : CALLER_ID;
        }
    }
    switch (label) {
    case PN_CNODE_REVOKE:
    case PN_CNODE_DELETE:
    case PN_CNODE_CANCEL_BADGED_SENDS:
        op->length = gen_length(2);
        op->nextra = 0;
        return;
    case PN_CNODE_ROTATE: {
        op->length = gen_length(8);
        op->nextra = rng_below(&rng, 100) < 3 ? 1 : 2;
        addr_t p = gen_addr(&M[op->extra[0]].cap, FULL, false);
        addr_t s = gen_addr(&M[op->extra[1]].cap, FULL, false);
        if (rng_below(&rng, 2) && op->extra[1] == CALLER_ID && op->service == CALLER_ID)
            s = gen_addr(&M[op->extra[1]].cap, FULL, false), d = s; /* swap */
        op->mr[0] = d.index, op->mr[1] = d.depth;
        op->mr[2] = gen_data();
        op->mr[3] = p.index, op->mr[4] = p.depth;
        op->mr[5] = gen_data();
        op->mr[6] = s.index, op->mr[7] = s.depth;
        return;
    }
    default: {
        unsigned full = label == PN_CNODE_MINT ? 6 : label == PN_CNODE_MOVE ? 4 : 5;
        op->length = gen_length(full);
        op->nextra = rng_below(&rng, 100) < 3 ? 0 : 1;
        addr_t s = gen_addr(&M[op->extra[0]].cap, FULL, false);
        /* badges are where the tree is subtle: often copy an endpoint or notification
         * of the root CNode, minting one of two badges */
        int ep = rng_below(&rng, 2) ? pick_root_slot(PN_CAP_ENDPOINT) : pick_root_slot(PN_CAP_NOTIFICATION);
        if (op->extra[0] == CALLER_ID && ep >= 0 && rng_below(&rng, 100) < 40)
            s = (addr_t){(word_t)(ep - id_of_paddr(ROOT_PADDR)) / (sizeof(cte_t) / 8), ROOT_RADIX};
        op->mr[2] = s.index, op->mr[3] = s.depth;
        op->mr[4] = label == PN_CNODE_MUTATE ? gen_data() : gen_rights();
        op->mr[5] = rng_below(&rng, 2) ? 1 + rng_below(&rng, 2) : gen_data();
        return;
    }
    }
}

static void gen_op(op_t *op)
{
    memset(op, 0, sizeof *op);
    op->scribble = -1;
    unsigned r = (unsigned)rng_below(&rng, 100);
    if (r < 24) {
        gen_retype(op);
    } else if (r < 36) {
        gen_cnode_op(op, PN_CNODE_COPY);
    } else if (r < 48) {
        gen_cnode_op(op, PN_CNODE_MINT);
    } else if (r < 55) {
        gen_cnode_op(op, PN_CNODE_MOVE);
    } else if (r < 59) {
        gen_cnode_op(op, PN_CNODE_MUTATE);
    } else if (r < 65) {
        gen_cnode_op(op, PN_CNODE_ROTATE);
    } else if (r < 80) {
        gen_cnode_op(op, PN_CNODE_DELETE);
    } else if (r < 91) {
        gen_cnode_op(op, PN_CNODE_REVOKE);
    } else if (r < 93) {
        gen_cnode_op(op, PN_CNODE_CANCEL_BADGED_SENDS);
    } else if (r < 94) {
        gen_cnode_op(op, rng_below(&rng, 2) ? rng_below(&rng, 18) : 26 + rng_below(&rng, 10));
    } else {
        /* the user writes to one of its frames */
        int found[256], n = 0;
        for (unsigned k = 0; k < nU && n < 256; k++)
            if (M[U[k]].cap.type == PN_CAP_FRAME && !M[U[k]].cap.device)
                found[n++] = U[k];
        if (n == 0) {
            gen_retype(op);
            return;
        }
        op->scribble = found[rng_below(&rng, (uint64_t)n)];
    }
}

static const char *label_name(word_t l)
{
    switch (l) {
    case PN_UNTYPED_RETYPE: return "Retype";
    case PN_CNODE_REVOKE: return "Revoke";
    case PN_CNODE_DELETE: return "Delete";
    case PN_CNODE_CANCEL_BADGED_SENDS: return "CancelBadgedSends";
    case PN_CNODE_COPY: return "Copy";
    case PN_CNODE_MINT: return "Mint";
    case PN_CNODE_MOVE: return "Move";
    case PN_CNODE_MUTATE: return "Mutate";
    case PN_CNODE_ROTATE: return "Rotate";
    default: return "label?";
    }
}

static void describe(const op_t *op, char *b, size_t n)
{
    if (op->scribble >= 0) {
        snprintf(b, n, "user writes to the frame in %s", slot_name(op->scribble));
        return;
    }
    int k = snprintf(b, n, "%s(%lu) on %s [%s] len %u", label_name(op->label), (unsigned long)op->label,
                     slot_name(op->service), cap_str(slot_ptr(op->service)->cap), op->length);
    for (unsigned i = 0; i < 8 && k > 0 && (size_t)k < n; i++)
        k += snprintf(b + k, n - (size_t)k, " %lx", (unsigned long)op->mr[i]);
    for (unsigned i = 0; i < op->nextra && k > 0 && (size_t)k < n; i++)
        k += snprintf(b + k, n - (size_t)k, " C%u=%s", i, slot_name(op->extra[i]));
}

/* ---- a run ---- */

static void setup(word_t seed, unsigned mode)
{
    rng.s = seed;
    irq_rng.s = seed ^ 0x1234567;
    preempt_mode = mode;
    host_interrupt_pending = irq_pending;
    memset(&stats, 0, sizeof stats);
    oplog_n = 0;
    run_seed = seed;

    free(host_phys_mem);
    host_phys_mem = aligned_alloc(MEM_SIZE, MEM_SIZE); /* keeps every alignment below 1 MiB */
    CHECK(host_phys_mem != NULL);
    host_phys_base = MEM_BASE;
    host_phys_size = MEM_SIZE;
    for (word_t i = 0; i < MEM_SIZE; i++)
        host_phys_mem[i] = (uint8_t)rng_next(&rng);
    memset(paddr_to_kptr(ROOT_PADDR), 0, BIT(ROOT_RADIX) * sizeof(cte_t));
    for (unsigned i = 0; i < NUM_BOOT_UT; i++)
        if (boot_untypeds[i].device) {
            free(saved_device);
            saved_device = malloc(BIT(boot_untypeds[i].bits));
            memcpy(saved_device, paddr_to_kptr(boot_untypeds[i].base), BIT(boot_untypeds[i].bits));
        }
    free(caller);
    caller = aligned_alloc(BIT(PN_TCB_BITS), BIT(PN_TCB_BITS));
    memset(caller, 0, BIT(PN_TCB_BITS));
    host_num_threads = 0;

    free(M);
    M = malloc(sizeof(mnode_t) * (size_t)(NIDS + 2));
    for (int i = 0; i < NIDS + 2; i++)
        t_clear(i);
    free(U);
    U = malloc(sizeof(int) * (MEM_SIZE / 32 + 16));
    free(stamp);
    stamp = calloc((size_t)NIDS, sizeof(int));
    stamp_gen = 0;
    nobjs = 0;
    obj_add(ROOT_PADDR, ROOT_PADDR, BIT(ROOT_RADIX), false);

    /* The boot CSpace: the root CNode's original cap in the caller's CTable slot, a copy
     * in root slot 1, the untypeds (full, as at boot) from slot FIRST_UT_SLOT. */
    cte_t *root = paddr_to_kptr(ROOT_PADDR);
    cap_t rc = cap_cnode(root, ROOT_RADIX, 0, 0);
    cdt_insert(&caller->slots[TCB_SLOT_CTABLE], rc, NULL, true, true);
    cdt_insert_derived(&caller->slots[TCB_SLOT_CTABLE], &root[1], rc);
    M[CALLER_ID].cap = (mcap_t){.type = PN_CAP_CNODE, .obj = ROOT_PADDR, .bits = ROOT_RADIX};
    M[CALLER_ID].revocable = true;
    t_link_first(VROOT, CALLER_ID);
    int r1 = id_of_paddr(ROOT_PADDR + sizeof(cte_t));
    M[r1].cap = M[CALLER_ID].cap;
    t_link_first(CALLER_ID, r1);
    int last = CALLER_ID;
    for (unsigned i = 0; i < NUM_BOOT_UT; i++) {
        word_t size = BIT(boot_untypeds[i].bits);
        cdt_insert(&root[FIRST_UT_SLOT + i], cap_untyped(boot_untypeds[i].base, boot_untypeds[i].bits,
                                                         boot_untypeds[i].device, size), NULL, true, true);
        int id = id_of_paddr(ROOT_PADDR + (FIRST_UT_SLOT + i) * sizeof(cte_t));
        M[id].cap = (mcap_t){.type = PN_CAP_UNTYPED, .obj = boot_untypeds[i].base, .bits = boot_untypeds[i].bits,
                             .device = boot_untypeds[i].device, .free = size};
        M[id].revocable = true;
        t_link_after(last, id);
        last = id;
    }
    check_all();
}

static unsigned long hist[32][16];

static void step(unsigned long i, unsigned mem_every)
{
    op_t op;
    cur_step = i;
    gen_op(&op);
    describe(&op, cur_op, sizeof cur_op);
    stats.steps++;
    if (op.scribble >= 0) {
        uint8_t *p = paddr_to_kptr(M[op.scribble].cap.obj);
        unsigned n = 1 + (unsigned)rng_below(&rng, 64);
        for (unsigned k = 0; k < n; k++)
            p[rng_below(&rng, PN_PAGE_SIZE)] = (uint8_t)(rng_next(&rng) | 1);
        snprintf(oplog[oplog_n++ % LOG_LINES], sizeof oplog[0], "%lu: %s", i, cur_op);
        return;
    }
    /* The kernel first: its preempted attempts are checked against the model's state
     * from before the operation. */
    invocation_result_t got = k_invoke(&op);
    mres_t want = m_invoke(&op);
    int k = snprintf(oplog[oplog_n % LOG_LINES], sizeof oplog[0], "%lu: %s -> %lu", i, cur_op,
                     (unsigned long)got.error);
    for (unsigned j = 0; j < got.length && j < 5 && k > 0 && (size_t)k < sizeof oplog[0]; j++)
        k += snprintf(oplog[oplog_n % LOG_LINES] + k, sizeof oplog[0] - (size_t)k, " %lx", (unsigned long)got.mr[j]);
    oplog_n++;
    bool same = got.error == want.error && got.length == want.length;
    for (unsigned j = 0; same && j < want.length; j++)
        same = got.mr[j] == want.mr[j];
    MCHECK(same, "result: kernel %lu (length %u: %lx %lx %lx %lx %lx), model %lu (length %u: %lx %lx %lx %lx %lx)",
           (unsigned long)got.error, got.length, (unsigned long)got.mr[0], (unsigned long)got.mr[1],
           (unsigned long)got.mr[2], (unsigned long)got.mr[3], (unsigned long)got.mr[4], (unsigned long)want.error,
           want.length, (unsigned long)want.mr[0], (unsigned long)want.mr[1], (unsigned long)want.mr[2],
           (unsigned long)want.mr[3], (unsigned long)want.mr[4]);
    hist[op.label < 32 ? op.label : 31][want.error < 16 ? want.error : 15]++;
    if (getenv("HOST_CDT_TRACE"))
        printf("    %s\n", oplog[(oplog_n - 1) % LOG_LINES]);
    if (want.error == PN_NO_ERROR)
        stats.ok++;
    else
        stats.errors++;
    check_new_objects();
    obj_gc();
    check_all();
    if (mem_every && i % mem_every == 0)
        check_memory();
}

/* A kernel operation that never returns would hang `make test`: give each run a time
 * limit, and report the operation being executed when it expires. */
static void watchdog(int sig)
{
    (void)sig;
    dump_log();
    printf("FAIL cdt_model_random_operations: no progress for %u seconds (a kernel loop?) at step %lu\n",
           WATCHDOG_SECONDS, cur_step);
    fflush(stdout);
    _exit(1);
}

static unsigned long env_num(const char *name, unsigned long dflt)
{
    const char *s = getenv(name);
    return s ? strtoul(s, NULL, 0) : dflt;
}

TEST(cdt_model_random_operations)
{
    unsigned long runs = env_num("HOST_CDT_RUNS", 12), steps = env_num("HOST_CDT_STEPS", 800),
                  first = env_num("HOST_CDT_FIRST", 0);
    unsigned long total[12] = {0};
    for (unsigned long r = first; r < first + runs; r++) {
        run_index = (unsigned)r;
        signal(SIGALRM, watchdog);
        alarm(WATCHDOG_SECONDS);
        setup(test_seed() + r * 0x9e3779b97f4a7c15ull, (unsigned)(r % 3));
        for (unsigned long i = 0; i < steps; i++)
            step(i, 8);
        check_memory();
        alarm(0);
        unsigned long *s = &stats.steps;
        for (unsigned j = 0; j < 12; j++)
            total[j] += s[j];
    }
    printf("    cdt model: %lu runs, %lu steps: %lu succeeded, %lu failed as predicted, %lu preemptions, "
           "%lu retypes (%lu resets), %lu copies, %lu deletes, %lu revokes with descendants, %lu zombies "
           "(%lu final CNodes), %lu parked\n",
           runs, total[0], total[1], total[2], total[3], total[4], total[10], total[5], total[6], total[7], total[8],
           total[11], total[9]);
    if (getenv("HOST_CDT_HIST"))
        for (unsigned l = 0; l < 32; l++)
            for (unsigned e = 0; e < 16; e++)
                if (hist[l][e])
                    printf("    %s error %u: %lu\n", label_name(l), e, hist[l][e]);
}
