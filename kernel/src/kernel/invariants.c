/*
 * The checking build's invariant checker (CHECK=1; docs/invariants.md lists the
 * invariants).  After every kernel entry the scheduler's structures and the threads are
 * checked; every SWEEP_INTERVAL entries, also every cap the kernel holds that a thread
 * can reach: the sweep starts from the threads' own slots, opens every CNode (and
 * zombie) a cap it reaches names, once each, and follows the derivation-tree links of
 * every cap it reaches, all from one worklist (no recursion).  It checks each cap, the
 * endpoints and untypeds found there, then, from an index of the caps sorted by object
 * address, the objects the caps name, where their memory came from, and the ASID table
 * with every VSpace it names against the caps that map them.  The first violation stops
 * the machine with a report.
 */
#include "invariants.h"

#if PN_CONFIG_CHECK
#include "arch/irq.h"
#include "arch/vspace.h"
#include "arch/machine.h"
#include "arch/x86.h"
#include "cdt.h"
#include "console.h"
#include "kstring.h"
#include "objecttype.h"
#include "refill.h"
#include "thread.h"

#define SWEEP_INTERVAL 256
/* Invariants 12-16 sort what the sweep reached: after a sweep that checked them over n
 * caps, the next n / SWEEP_CAPS_PER_ENTRY entries' sweeps (if more than one) do not, so
 * what they cost a kernel entry stays bounded however many caps there are. */
#define SWEEP_CAPS_PER_ENTRY 32
/* The sweep's bounds: the caps it reaches (make test's largest CSpaces hold 2^17), the
 * CNodes, TCBs and zombies it opens, and a hash set of those and of the caps reached
 * only through the derivation tree (kept at most half full).  A sweep that reaches more
 * still checks each cap it got to, but not invariants 12-16, and says so once. */
#define SWEEP_MAX_CAPS BIT(18)
#define SWEEP_MAX_SLOT_ARRAYS BIT(14)
#define SEEN_BITS 15
/* DebugCorrupt's argument: the invariant, and this bit to break it in a cap reachable
 * only through nested CNodes. */
#define CORRUPT_NESTED 0x100
/* ... and this bit to break it another way (a second path of its check). */
#define CORRUPT_OTHER 0x200

enum invariant {
    INV_READY = 1,   /* ready queues and their bitmap */
    INV_RELEASE,     /* the release queue */
    INV_THREAD,      /* each thread is in exactly the queues its state allows */
    INV_ENDPOINT,    /* endpoint queues */
    INV_SC,          /* scheduling contexts and their refills */
    INV_REPLY,       /* reply objects and donation chains */
    INV_CDT,         /* the derivation tree's links */
    INV_UNTYPED,     /* untyped watermarks and the objects carved below them */
    INV_ASID,        /* the ASID table and the VSpaces it names */
    INV_CAP,         /* each cap is well formed and names a live object */
    INV_OVERLAP,     /* the objects carved from one untyped are disjoint */
    INV_MAPPING,     /* every user mapping in a VSpace is a cap's recorded mapping */
    INV_ASID_CAP,    /* every ASID table and pool entry is a cap's */
    INV_OBJECT,      /* caps agree on what lies at an address; objects are disjoint */
    INV_ORIGIN,      /* every object lies in an untyped it was derived from */
    INV_ORDER,       /* the caps to one object are one run of the derivation list */
    INV_FLAGS,       /* the derivation tree's revocable and first-badged flags */
};

static const char *const names[] = {
    [INV_READY] = "ready queues", [INV_RELEASE] = "release queue", [INV_THREAD] = "thread state",
    [INV_ENDPOINT] = "endpoint queue", [INV_SC] = "scheduling context", [INV_REPLY] = "reply chain",
    [INV_CDT] = "derivation tree", [INV_UNTYPED] = "untyped", [INV_ASID] = "ASID table",
    [INV_CAP] = "capability", [INV_OVERLAP] = "untyped objects", [INV_MAPPING] = "mappings",
    [INV_ASID_CAP] = "ASID caps", [INV_OBJECT] = "objects", [INV_ORIGIN] = "object origin",
    [INV_ORDER] = "derivation order", [INV_FLAGS] = "derivation flags",
};

NORETURN static void violated(enum invariant i, const char *what, const void *where)
{
    kpanic("invariant %u (%s) violated: %s at %p", i, names[i], what, where);
}

#define REQUIRE(i, cond, where)                                                         \
    do {                                                                                \
        if (unlikely(!(cond)))                                                          \
            violated(i, #cond, where);                                                  \
    } while (0)

/* ---- threads, endpoints, notifications, scheduling contexts, replies ---- */

static void check_queue(const tcb_t *head, const tcb_t *tail, const tcb_t *t, const void *obj)
{
    bool found = false;
    const tcb_t *prev = NULL;
    for (const tcb_t *q = head; q; prev = q, q = q->ep_next) {
        REQUIRE(INV_ENDPOINT, q->ep_prev == prev, q);
        REQUIRE(INV_ENDPOINT, q->blocked_on == obj, q);
        REQUIRE(INV_ENDPOINT, !prev || prev->priority >= q->priority, q);
        found |= q == t;
    }
    REQUIRE(INV_ENDPOINT, tail == prev, obj);
    REQUIRE(INV_THREAD, found, t);
}

static void check_sc(sched_context_t *sc)
{
    if (!sc_is_active(sc))
        return;
    REQUIRE(INV_SC, sc->refill_count >= 1 && sc->refill_count <= sc->refill_max, sc);
    REQUIRE(INV_SC, sc->refill_head < sc->refill_max, sc);
    REQUIRE(INV_SC, !sc_is_round_robin(sc) || sc->refill_count == 2, sc);
    word_t sum = 0;
    for (word_t i = 0; i < sc->refill_count; i++) {
        const refill_t *r = &sc->refills[(sc->refill_head + i) % sc->refill_max];
        sum += r->amount;
        if (i > 0 && !sc_is_round_robin(sc))
            REQUIRE(INV_SC, r->release >= sc->refills[(sc->refill_head + i - 1) % sc->refill_max].release, sc);
    }
    REQUIRE(INV_SC, sum == sc->budget, sc);
    REQUIRE(INV_SC, !sc->tcb || sc->tcb->sc == sc, sc);
    /* The call stack it was donated along. */
    const reply_t *r = sc->reply;
    if (r)
        REQUIRE(INV_REPLY, r->next == sc && r->next_is_sc, r);
    for (; r; r = r->prev) {
        REQUIRE(INV_REPLY, !r->tcb || r->tcb->state == TS_BLOCKED_ON_REPLY, r);
        REQUIRE(INV_REPLY, !r->prev || (r->prev->next == r && !r->prev->next_is_sc), r);
    }
}

static void check_thread(tcb_t *t)
{
    switch (t->state) {
    case TS_BLOCKED_ON_SEND:
    case TS_BLOCKED_ON_RECEIVE: {
        const endpoint_t *ep = t->blocked_on;
        REQUIRE(INV_THREAD, ep != NULL, t);
        enum endpoint_state want = t->state == TS_BLOCKED_ON_SEND ? EP_SEND : EP_RECV;
        REQUIRE(INV_ENDPOINT, endpoint_state(ep) == want, ep);
        check_queue(endpoint_head(ep), ep->tail, t, ep);
        if (t->state == TS_BLOCKED_ON_RECEIVE && t->reply)
            REQUIRE(INV_REPLY, t->reply->tcb == t, t);
        break;
    }
    case TS_BLOCKED_ON_NOTIFICATION: {
        const notification_t *n = t->blocked_on;
        REQUIRE(INV_THREAD, n != NULL, t);
        REQUIRE(INV_ENDPOINT, n->state == NTFN_WAITING, n);
        check_queue(n->head, n->tail, t, n);
        break;
    }
    case TS_BLOCKED_ON_REPLY:
        REQUIRE(INV_THREAD, t->blocked_on == NULL, t);
        REQUIRE(INV_REPLY, t->reply && t->reply->tcb == t, t);
        break;
    default:
        REQUIRE(INV_THREAD, t->blocked_on == NULL && !t->ep_next && !t->ep_prev, t);
        break;
    }
    REQUIRE(INV_THREAD, !(t->in_ready_queue && t->in_release_queue), t);
    REQUIRE(INV_THREAD, !t->in_ready_queue || (thread_is_schedulable(t) && t != ks_cur), t);
    REQUIRE(INV_THREAD, !t->in_release_queue || (t->sc && thread_is_runnable(t)), t);
    if (t->sc) {
        REQUIRE(INV_SC, t->sc->tcb == t, t);
        check_sc(t->sc);
    }
    if (t->bound_notification)
        REQUIRE(INV_THREAD, t->bound_notification->bound_tcb == t, t);
    REQUIRE(INV_THREAD, t->switch_key == machine_switch_key(t) && t->switch_flags == machine_switch_flags(t), t);
}

/* ---- the sweep: CSpaces, the derivation tree, untypeds, endpoints, ASIDs ---- */

static void check_slot_links(const cte_t *s)
{
    if (cap_is_null(s->cap)) {
        REQUIRE(INV_CDT, !s->mdb_prev && !mdb_next(s), s);
        return;
    }
    REQUIRE(INV_CDT, !mdb_next(s) || mdb_prev(mdb_next(s)) == s, s);
    REQUIRE(INV_CDT, !mdb_prev(s) || mdb_next(mdb_prev(s)) == s, s);
}

/* Retype puts each new object's cap right after the untyped's, and objects are carved
 * upwards, so the untyped's descendants list its objects from the highest address down;
 * between them come what lies inside an object listed before (copies of its cap, or what
 * a child untyped holds). */
static void check_untyped(const cte_t *s)
{
    cap_t u = s->cap;
    paddr_t base = cap_untyped_base(u);
    word_t free = cap_untyped_free_index(u);
    REQUIRE(INV_UNTYPED, free <= BIT(cap_untyped_size_bits(u)) && IS_ALIGNED(free, 4), s);
    const cte_t *prev = NULL; /* the last object listed that is not inside another */
    paddr_t pb = 0;
    word_t pbits = 0;
    for (const cte_t *d = mdb_next(s); d && cdt_is_parent_of(s, d); d = mdb_next(d)) {
        paddr_t b;
        word_t bits;
        if (!cap_region(d->cap, &b, &bits))
            continue;
        if (cap_type(d->cap) != PN_CAP_UNTYPED)
            REQUIRE(INV_UNTYPED, b >= base && b + BIT(bits) <= base + free, d);
        if (prev && ((cap_type(prev->cap) == PN_CAP_UNTYPED && b >= pb && b + BIT(bits) <= pb + BIT(pbits)) ||
                     (cap_type(d->cap) == cap_type(prev->cap) && b == pb && bits == pbits)))
            continue; /* inside the previous object: a copy, or carved from a child untyped */
        REQUIRE(INV_OVERLAP, !prev || b + BIT(bits) <= pb, d);
        prev = d, pb = b, pbits = bits;
    }
}

static bool is_live_tcb(const tcb_t *t)
{
    for (const tcb_t *u = ks_debug_list; u; u = u->debug_next)
        if (u == t)
            return true;
    return false;
}

/* The cap's fields are in range, its object is aligned to its size, and a thread cap
 * names a thread the kernel knows. */
static void check_cap_form(const cte_t *s)
{
    cap_t c = s->cap;
    paddr_t base;
    word_t bits;
    switch (cap_type(c)) {
    case PN_CAP_CNODE:
        REQUIRE(INV_CAP, cap_cnode_radix(c) >= 1 && cap_cnode_radix(c) + cap_cnode_guard_size(c) <= 64, s);
        break;
    case PN_CAP_SCHED_CONTEXT:
        REQUIRE(INV_CAP, cap_sched_context_size_bits(c) >= PN_MIN_SCHED_CONTEXT_BITS, s);
        break;
    case PN_CAP_THREAD:
        REQUIRE(INV_CAP, is_live_tcb(cap_object(c)), s);
        break;
    default:
        break;
    }
    if (cap_region(c, &base, &bits))
        REQUIRE(INV_CAP, bits < 64 && IS_ALIGNED(base, bits), s);
}

static void check_cap(const cte_t *s)
{
    check_slot_links(s);
    cap_t c = s->cap;
    if (cap_is_null(c))
        return;
    check_cap_form(s);
    REQUIRE(INV_FLAGS, cdt_flags_valid(s), s);
    switch (cap_type(c)) {
    case PN_CAP_UNTYPED:
        check_untyped(s);
        break;
    case PN_CAP_ENDPOINT: {
        const endpoint_t *ep = cap_object(c);
        REQUIRE(INV_ENDPOINT, (endpoint_state(ep) == EP_IDLE) == (endpoint_head(ep) == NULL), ep);
        REQUIRE(INV_ENDPOINT, (ep->tail == NULL) == (endpoint_head(ep) == NULL), ep);
        break;
    }
    default:
        break;
    }
}

/* ---- reaching every cap: a worklist of slots, and the CNodes they name ---- */

/* A slot and a word. */
struct slot_word {
    const cte_t *slot;
    word_t w;
};
/* What one sweep reached: each slot holding a cap, with (after sort_found) the base of
 * the object the cap names in w, ~0 for an untyped or a cap that names no memory. */
static struct slot_word found[SWEEP_MAX_CAPS];
static word_t n_found;
/* The slot arrays opened (CNodes, TCBs, zombies): first slot and length, sorted by
 * address once the first pass is over. */
static struct slot_word opened[SWEEP_MAX_SLOT_ARRAYS];
static word_t n_opened;
/* Open addressing: the first slots of the arrays opened (bit 0 set), and the slots
 * reached only through the derivation tree. */
static word_t seen[BIT(SEEN_BITS)];
static word_t n_seen;
static bool second_pass, incomplete;

static bool slot_before(const struct slot_word *a, const struct slot_word *b)
{
    return a->slot < b->slot;
}

static bool word_before(const struct slot_word *a, const struct slot_word *b)
{
    return a->w < b->w || (a->w == b->w && a->slot < b->slot);
}

typedef bool before_fn(const struct slot_word *, const struct slot_word *);

static void sift_down(struct slot_word *a, word_t root, word_t n, before_fn *before)
{
    for (word_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && before(&a[child], &a[child + 1]))
            child++;
        if (!before(&a[root], &a[child]))
            return;
        struct slot_word t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

/* Heapsort: in place, no recursion, n log n whatever the order. */
static void heapsort(struct slot_word *a, word_t n, before_fn *before)
{
    for (word_t i = n / 2; i-- > 0;)
        sift_down(a, i, n, before);
    for (word_t end = n; end-- > 1;) {
        struct slot_word t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end, before);
    }
}

/* Adds key to the set of what this sweep has reached: false if it was there already, or
 * if the set is full (the sweep is then incomplete). */
static bool mark_seen(word_t key)
{
    word_t h = (key * 0x9e3779b97f4a7c15ul) >> (64 - SEEN_BITS);
    for (; seen[h]; h = (h + 1) & MASK(SEEN_BITS))
        if (seen[h] == key)
            return false;
    if (n_seen >= BIT(SEEN_BITS) / 2) {
        incomplete = true;
        return false;
    }
    seen[h] = key;
    n_seen++;
    return true;
}

static void add_found(const cte_t *s)
{
    if (n_found == SWEEP_MAX_CAPS)
        incomplete = true;
    else
        found[n_found++] = (struct slot_word){s, 0};
}

/* The n slots of a CNode, a TCB or a zombie, once per sweep: the empty ones are checked
 * here, the others join the worklist (in the second pass only if the derivation tree
 * has not brought them already). */
static void open_slots(const cte_t *slots, word_t n)
{
    if (!mark_seen((word_t)slots | 1))
        return;
    if (n_opened == SWEEP_MAX_SLOT_ARRAYS) {
        incomplete = true;
        return;
    }
    opened[n_opened++] = (struct slot_word){slots, n};
    for (word_t i = 0; i < n; i++) {
        if (cap_is_null(slots[i].cap))
            check_slot_links(&slots[i]);
        else if (!second_pass || mark_seen((word_t)&slots[i]))
            add_found(&slots[i]);
    }
}

/* Checks a reached cap, then opens the slots it names. */
static void take(const cte_t *s)
{
    check_cap(s);
    cap_t c = s->cap;
    if (cap_type(c) == PN_CAP_CNODE)
        open_slots(cap_object(c), BIT(cap_cnode_radix(c)));
    else if (cap_type(c) == PN_CAP_ZOMBIE)
        open_slots(cap_object(c), cap_zombie_type(c) == ZOMBIE_TCB ? TCB_SLOT_COUNT : BIT(cap_zombie_type(c)));
}

/* Every CNode the kernel has made whose memory neither a newer object nor an untyped
 * reset has taken: first slot and number of slots.  A CNode's slots are all empty once
 * it is destroyed, so opening a dead one finds nothing; the sweep opens them all, and so
 * reaches the caps in a CNode nothing names any more (a legal state: one holding the only
 * cap to itself, its untyped's cap gone).  More CNodes than fit: the sweep is incomplete. */
static struct slot_word cnodes[SWEEP_MAX_SLOT_ARRAYS];
static word_t n_cnodes;
static bool cnodes_overflow;

void invariants_memory_reused(cap_t c)
{
    paddr_t base;
    word_t bits;
    if (!cap_region(c, &base, &bits))
        return;
    for (word_t i = 0; i < n_cnodes;) {
        paddr_t cb = kptr_to_paddr(cnodes[i].slot);
        if (cb < base + BIT(bits) && base < cb + cnodes[i].w * sizeof(cte_t))
            cnodes[i] = cnodes[--n_cnodes];
        else
            i++;
    }
    if (cap_type(c) != PN_CAP_CNODE)
        return;
    if (n_cnodes == ARRAY_SIZE(cnodes))
        cnodes_overflow = true;
    else
        cnodes[n_cnodes++] = (struct slot_word){cap_object(c), BIT(cap_cnode_radix(c))};
}

/* Whether the slot lies in a slot array opened in the first pass. */
static bool in_opened(const cte_t *s, word_t n_first)
{
    word_t lo = 0, hi = n_first;
    while (lo < hi) { /* the first array that starts above s */
        word_t mid = lo + (hi - lo) / 2;
        if (opened[mid].slot <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && s < opened[lo - 1].slot + opened[lo - 1].w;
}

/* A slot linked to a reached one in the derivation tree. */
static void follow(const cte_t *s, word_t n_first)
{
    if (s && !cap_is_null(s->cap) && !in_opened(s, n_first) && mark_seen((word_t)s))
        add_found(s);
}

/* Every cap the threads can reach.  First pass: their slots and the slots of every CNode
 * or zombie a reached cap names.  Second: every slot linked to a reached one in the
 * derivation tree, and what those name (caps in CNodes no thread can name any more,
 * where something derived from them can be; rare).  Each cap is checked (check_cap) as
 * it is taken off the worklist, before what it names is opened. */
static void reach_all(void)
{
    memset(seen, 0, sizeof(seen));
    n_seen = n_found = n_opened = 0;
    second_pass = incomplete = false;
    for (const tcb_t *t = ks_debug_list; t; t = t->debug_next)
        open_slots(t->slots, TCB_SLOT_COUNT);
    word_t n_irq;
    const cte_t *irq = irq_notification_slots(&n_irq);
    open_slots(irq, n_irq);
    for (word_t i = 0; i < n_cnodes; i++)
        open_slots(cnodes[i].slot, cnodes[i].w);
    incomplete |= cnodes_overflow;
    for (word_t i = 0; i < n_found; i++)
        take(found[i].slot);
    word_t n_first = n_opened, n_taken = n_found;
    heapsort(opened, n_first, slot_before);
    second_pass = true;
    for (word_t i = 0; i < n_found; i++) {
        const cte_t *s = found[i].slot;
        if (i >= n_taken)
            take(s);
        follow(mdb_prev(s), n_first);
        follow(mdb_next(s), n_first);
    }
}

/* Sorts the index by the base of the object each cap names (untypeds last, with the
 * caps that name no memory: the index is of objects). */
static void sort_found(void)
{
    for (word_t i = 0; i < n_found; i++) {
        cap_t c = found[i].slot->cap;
        paddr_t base;
        word_t bits;
        found[i].w = cap_type(c) != PN_CAP_UNTYPED && cap_region(c, &base, &bits) ? base : ~0ul;
    }
    heapsort(found, n_found, word_before);
}

/* The first index entry for an object at base (n_found if none). */
static word_t found_find(paddr_t base)
{
    word_t lo = 0, hi = n_found;
    while (lo < hi) {
        word_t mid = lo + (hi - lo) / 2;
        if (found[mid].w < base)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- objects: what the caps name, and where their memory came from ---- */

/* Caps that name the same address agree on the object's type and size, and the objects
 * the caps name (untypeds aside) are pairwise disjoint.  Objects are aligned to their
 * size (10), so in address order each need only be compared with the one before. */
static void check_objects(void)
{
    const cte_t *prev = NULL;
    paddr_t pb = 0;
    word_t pbits = 0;
    for (word_t i = 0; i < n_found && found[i].w != ~0ul; i++) {
        const cte_t *s = found[i].slot;
        paddr_t b;
        word_t bits;
        cap_region(s->cap, &b, &bits);
        if (prev && b == pb) {
            REQUIRE(INV_OBJECT, cap_type(s->cap) == cap_type(prev->cap) && bits == pbits, s);
            continue;
        }
        REQUIRE(INV_OBJECT, !prev || b >= pb + BIT(pbits), s);
        prev = s, pb = b, pbits = bits;
    }
}

/* The caps to one object (untypeds aside) are one run of the derivation list, so that
 * a cap's neighbours tell whether it is the object's last (cdt_is_final): among the caps
 * with one key in found[from, to) exactly one does not follow a cap to the same object. */
static void check_order(word_t from, word_t to)
{
    for (word_t i = from, runs = 0; i < to; i++) {
        runs += cdt_starts_run(found[i].slot);
        if (i + 1 == to || found[i + 1].w != found[i].w) { /* the object's last cap */
            REQUIRE(INV_ORDER, runs == 1, found[i].slot);
            runs = 0;
        }
    }
}

/* 16 for the caps that name no memory (IRQ handlers, I/O port ranges, the control caps),
 * which sort_found put after the objects with the untypeds: keyed by type and, for an IRQ
 * handler or a port range, its number or range (what cap_same_object compares), sorted
 * and checked.  Run last: the index is no longer sorted by address afterwards. */
static void check_order_no_memory(void)
{
    word_t from = found_find(~0ul), to = from;
    for (word_t i = from; i < n_found; i++) {
        cap_t c = found[i].slot->cap;
        enum pn_cap_type t = cap_type(c);
        if (t == PN_CAP_UNTYPED)
            continue;
        word_t id = t == PN_CAP_IRQ_HANDLER || t == PN_CAP_IO_PORT ? c.w1 : 0;
        found[to++] = (struct slot_word){found[i].slot, (word_t)t << 56 | (id & MASK(56))};
    }
    heapsort(found + from, to - from, word_before);
    check_order(from, to);
}

/* The untypeds the kernel made at boot, by base, and whether a cap reached in this sweep
 * still names each.  Deleting an untyped's cap leaves what was carved from it, so the
 * objects of a boot untyped no cap names have no untyped ancestor any more. */
static struct boot_untyped {
    paddr_t base;
    word_t bits;
    bool named;
} boot_untypeds[PN_CONFIG_MAX_BOOTINFO_UNTYPEDS];
static word_t n_boot_untypeds;

void invariants_boot_untyped(paddr_t base, word_t bits)
{
    word_t i = n_boot_untypeds++;
    for (; i > 0 && boot_untypeds[i - 1].base > base; i--)
        boot_untypeds[i] = boot_untypeds[i - 1];
    boot_untypeds[i] = (struct boot_untyped){base, bits, false};
}

/* The boot untyped whose memory holds [b, b + 2^bits), or NULL. */
static struct boot_untyped *boot_untyped_at(paddr_t b, word_t bits)
{
    word_t lo = 0, hi = n_boot_untypeds;
    while (lo < hi) { /* the first that starts above b */
        word_t mid = lo + (hi - lo) / 2;
        if (boot_untypeds[mid].base <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct boot_untyped *u = lo ? &boot_untypeds[lo - 1] : NULL;
    return u && b + BIT(bits) <= u->base + BIT(u->bits) ? u : NULL;
}

/* The memory of an object without an untyped ancestor: one the kernel made for the root
 * task at boot, or one carved from a boot untyped that no cap names any more. */
static bool orphan_allowed(paddr_t b, word_t bits)
{
    if (b >= boot_objects_start && b + BIT(bits) <= boot_objects_end)
        return true;
    const struct boot_untyped *u = boot_untyped_at(b, bits);
    return u && !u->named;
}

/* Every cap to an object other than an untyped is a descendant of an untyped, or
 * orphan_allowed.  Walks each derivation list once, from its head: a slot has an
 * untyped ancestor exactly when it lies in the descendant run of the first untyped
 * opened since the last slot that had none (untypeds are parents by containment, so
 * their runs nest). */
static void check_origin(void)
{
    for (word_t i = 0; i < n_boot_untypeds; i++)
        boot_untypeds[i].named = false;
    for (word_t i = 0; i < n_found; i++) {
        cap_t c = found[i].slot->cap;
        struct boot_untyped *u;
        if (cap_type(c) == PN_CAP_UNTYPED &&
            (u = boot_untyped_at(cap_untyped_base(c), cap_untyped_size_bits(c))) &&
            u->base == cap_untyped_base(c) && u->bits == cap_untyped_size_bits(c))
            u->named = true;
    }
    for (word_t i = 0; i < n_found; i++) {
        const cte_t *outer = NULL;
        const cte_t *d = found[i].slot;
        if (mdb_prev(d))
            continue;
        for (word_t steps = 0; d && steps <= n_found; d = mdb_next(d), steps++) {
            if (outer && !cdt_is_parent_of(outer, d))
                outer = NULL;
            paddr_t b;
            word_t bits;
            if (cap_type(d->cap) == PN_CAP_UNTYPED) {
                if (!outer && mdb_revocable(d))
                    outer = d;
            } else if (!outer && cap_region(d->cap, &b, &bits)) {
                REQUIRE(INV_ORIGIN, orphan_allowed(b, bits), d);
            }
        }
    }
}

/* ---- address spaces: the ASID table and the paging structures against the caps ---- */

/* A cap of the type (and, for a frame, of 2^bits bytes) to the object at base records
 * the mapping at vaddr in the VSpace of asid (for a PML4: that it has the ASID). */
static bool mapping_backed(paddr_t base, enum pn_cap_type type, word_t bits, word_t asid, word_t vaddr)
{
    for (word_t i = found_find(base); i < n_found && found[i].w == base; i++) {
        cap_t c = found[i].slot->cap;
        if (cap_type(c) == type && (type != PN_CAP_FRAME || cap_frame_size_bits(c) == bits) &&
            cap_mapped_asid(c) == asid && cap_mapped_vaddr(c) == vaddr)
            return true;
    }
    return false;
}

static bool pool_backed(const asid_pool_t *pool, unsigned pool_index)
{
    paddr_t base = kptr_to_paddr(pool);
    for (word_t i = found_find(base); i < n_found && found[i].w == base; i++) {
        cap_t c = found[i].slot->cap;
        if (cap_type(c) == PN_CAP_ASID_POOL && cap_asid_pool_index(c) == pool_index)
            return true;
    }
    return false;
}

/* A page directory pointer table (shift 30), page directory (21) or page table (12) of
 * the VSpace of asid, mapping from vaddr: each present entry is a frame or the next
 * level's table whose cap records that very mapping. */
static void check_table(const uint64_t *table, unsigned shift, word_t asid, word_t vaddr)
{
    for (word_t i = 0; i < 512; i++) {
        uint64_t e = table[i];
        if (!(e & PTE_P))
            continue;
        word_t v = vaddr + (i << shift);
        if (shift == PN_PAGE_BITS || (e & PTE_PS)) {
            /* (bit 12 of a large page's entry is its PAT bit) */
            REQUIRE(INV_MAPPING, mapping_backed(e & PTE_ADDR_MASK & ~MASK(shift), PN_CAP_FRAME, shift, asid, v), &table[i]);
            continue;
        }
        enum pn_cap_type t = shift == 30 ? PN_CAP_PAGE_DIRECTORY : PN_CAP_PAGE_TABLE;
        REQUIRE(INV_MAPPING, mapping_backed(e & PTE_ADDR_MASK, t, 0, asid, v), &table[i]);
        check_table(paddr_to_kptr(e & PTE_ADDR_MASK), shift - 9, asid, v);
    }
}

static void check_vspace(const uint64_t *pml4, word_t asid)
{
    REQUIRE(INV_ASID_CAP, mapping_backed(kptr_to_paddr(pml4), PN_CAP_PML4, 0, asid, 0), pml4);
    for (word_t i = 0; i < 511; i++) { /* 511: the kernel's (9) */
        uint64_t e = pml4[i];
        if (!(e & PTE_P))
            continue;
        REQUIRE(INV_MAPPING, !(e & PTE_PS) && mapping_backed(e & PTE_ADDR_MASK, PN_CAP_PDPT, 0, asid, i << 39), &pml4[i]);
        check_table(paddr_to_kptr(e & PTE_ADDR_MASK), 30, asid, i << 39);
    }
}

static void check_asids(bool complete)
{
    for (unsigned p = 0; p < ARRAY_SIZE(x86_asid_table); p++) {
        const asid_pool_t *pool = x86_asid_table[p];
        if (!pool)
            continue;
        if (complete)
            REQUIRE(INV_ASID_CAP, pool_backed(pool, p), pool);
        for (unsigned i = 0; i < ARRAY_SIZE(pool->pml4); i++) {
            const uint64_t *pml4 = pool->pml4[i];
            if (!pml4)
                continue;
            REQUIRE(INV_ASID, pml4[511] == kernel_pml4[511], pml4);
            if (complete)
                check_vspace(pml4, (word_t)p << PN_ASID_POOL_INDEX_BITS | i);
        }
    }
}

static void sweep(bool with_index)
{
    static bool told, told_unreached;
    reach_all();
    if (!with_index || incomplete) {
        if (incomplete && !told)
            kprintf("pecan: invariant checker: a sweep reached more than %lu caps or %lu CNodes and "
                    "TCBs: invariants 12-16 not checked\n", SWEEP_MAX_CAPS, SWEEP_MAX_SLOT_ARRAYS);
        told |= incomplete;
        check_asids(false);
        return;
    }
    /* The sweep reaches every cap the kernel holds (the list of CNodes and the
     * derivation links see to it).  Should it miss some, a present mapping or ASID entry
     * may be backed by one of them: 12 and 13 are then left out, and it says so (the rest
     * need only the caps reached). */
    REQUIRE(INV_CDT, n_found <= cdt_caps, &cdt_caps);
    bool all_reached = n_found == cdt_caps;
    if (!all_reached && !told_unreached)
        kprintf("pecan: invariant checker: %lu caps nothing can reach: invariants 12 and 13 not checked "
                "while such caps exist\n", cdt_caps - n_found);
    told_unreached |= !all_reached;
    sort_found();
    check_objects();
    check_order(0, found_find(~0ul));
    check_origin();
    check_asids(all_reached);
    check_order_no_memory();
}

void invariants_check_all(void);

void invariants_check(void)
{
    static word_t entries, next_index = SWEEP_INTERVAL;
    sched_check_invariants();
    for (tcb_t *t = ks_debug_list; t; t = t->debug_next)
        check_thread(t);
    REQUIRE(INV_THREAD, machine_switch_state_consistent(), ks_cur);
    REQUIRE(INV_SC, ks_cur == &ks_idle || ks_cur->sc == ks_cur_sc, ks_cur);
    REQUIRE(INV_SC, ks_cur == &ks_idle || (refill_ready(ks_cur_sc, ks_cur_time) && refill_sufficient(ks_cur_sc, 0)),
            ks_cur_sc);
    if (++entries % SWEEP_INTERVAL == 0) {
        bool with_index = entries >= next_index;
        sweep(with_index);
        if (with_index)
            next_index = entries + n_found / SWEEP_CAPS_PER_ENTRY;
    }
}

/* Scheduler structures live in thread.c; it reports through here. */
NORETURN void invariants_violated(unsigned i, const char *what, const void *where)
{
    violated((enum invariant)i, what, where);
}

/* ---- DebugCorrupt: break invariant n in the caller's own world ---- */

static cte_t *find_cap(enum pn_cap_type type, bool with_next)
{
    cap_t root = ks_cur->slots[TCB_SLOT_CTABLE].cap;
    if (cap_type(root) != PN_CAP_CNODE)
        return NULL;
    cte_t *slots = cap_object(root);
    for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++)
        if (cap_type(slots[i].cap) == type && (!with_next || (mdb_next(&slots[i]) && cdt_has_children(&slots[i]))))
            return &slots[i];
    return NULL;
}

/* In the caller's root CNode: a copy of a cap of the type, right after a cap to the same
 * object in the derivation list. */
static cte_t *find_copy(enum pn_cap_type type)
{
    cap_t root = ks_cur->slots[TCB_SLOT_CTABLE].cap;
    cte_t *slots = cap_object(root);
    for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++)
        if (cap_type(slots[i].cap) == type && !cdt_starts_run(&slots[i]))
            return &slots[i];
    return NULL;
}

/* A cap of the type two CNodes down from the caller's root CNode: in a CNode B that a
 * CNode A there names (user/corrupt puts one there).  Found without the sweep, so that
 * the test also shows a sweep that does not descend missing it. */
static cte_t *find_nested_cap(enum pn_cap_type type)
{
    cap_t root = ks_cur->slots[TCB_SLOT_CTABLE].cap;
    const cte_t *rs = cap_object(root);
    for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++) {
        cap_t a = rs[i].cap;
        if (cap_type(a) != PN_CAP_CNODE || cap_object(a) == rs)
            continue;
        const cte_t *as = cap_object(a);
        for (word_t j = 0; j < BIT(cap_cnode_radix(a)); j++) {
            cap_t b = as[j].cap;
            if (cap_type(b) != PN_CAP_CNODE || cap_object(b) == as || cap_object(b) == rs)
                continue;
            cte_t *bs = cap_object(b);
            for (word_t k = 0; k < BIT(cap_cnode_radix(b)); k++)
                if (cap_type(bs[k].cap) == type)
                    return &bs[k];
        }
    }
    return NULL;
}

/* In the caller's root CNode: a mapped frame cap, or an untyped the kernel made at boot
 * that nothing has been carved from. */
static cte_t *find_root_cap(bool mapped_frame)
{
    cap_t root = ks_cur->slots[TCB_SLOT_CTABLE].cap;
    cte_t *slots = cap_object(root);
    for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++) {
        cap_t c = slots[i].cap;
        if (mapped_frame ? cap_type(c) == PN_CAP_FRAME && cap_mapped_asid(c)
                         : cap_type(c) == PN_CAP_UNTYPED && !cap_untyped_is_device(c) && !mdb_prev(&slots[i]) &&
                               !cdt_has_children(&slots[i]) && cap_untyped_size_bits(c) >= PN_REPLY_BITS)
            return &slots[i];
    }
    return NULL;
}

static void corrupt_nested(word_t n)
{
    cte_t *s = find_nested_cap(PN_CAP_SCHED_CONTEXT);
    if (!s)
        return;
    if (n == INV_CDT && cap_is_null(s[1].cap))
        s[1].mdb_prev = (word_t)s; /* an empty slot with a link */
    else if (n == INV_CAP)
        s->cap = cap_sched_context(cap_object(s->cap), PN_MIN_SCHED_CONTEXT_BITS - 1);
}

void invariants_corrupt(word_t n)
{
    tcb_t *t = ks_cur;
    cte_t *s, *w;
    if (n & CORRUPT_NESTED)
        corrupt_nested(n & ~(word_t)CORRUPT_NESTED);
    switch (n) {
    case INV_READY:
        sched_corrupt_bitmap();
        break;
    case INV_RELEASE:
        t->in_release_queue = true;
        break;
    case INV_THREAD:
        t->blocked_on = t;
        break;
    case INV_ENDPOINT:
        if ((s = find_cap(PN_CAP_ENDPOINT, false)))
            ((endpoint_t *)cap_object(s->cap))->head_state = EP_RECV;
        break;
    case INV_SC:
        if (t->sc)
            refill_head(t->sc)->amount++;
        break;
    case INV_REPLY:
        if (t->sc && (s = find_cap(PN_CAP_REPLY, false)))
            t->sc->reply = cap_object(s->cap);
        break;
    case INV_CDT:
        if ((s = find_cap(PN_CAP_UNTYPED, true)))
            mdb_next(s)->mdb_prev = 0;
        break;
    case INV_UNTYPED:
        if ((s = find_cap(PN_CAP_UNTYPED, true)))
            s->cap = cap_untyped_set_free_index(s->cap, 0);
        break;
    case INV_CAP:
        /* the root task's scheduling-context cap (alone in its derivation tree) names a
         * misaligned object; the nested case breaks its size instead */
        if ((s = find_cap(PN_CAP_SCHED_CONTEXT, false)))
            s->cap = cap_sched_context((char *)cap_object(s->cap) + 8, cap_sched_context_size_bits(s->cap));
        break;
    case INV_OVERLAP: {
        /* the newest object of the first untyped with children moves onto the next one */
        cte_t *first, *second;
        if ((s = find_cap(PN_CAP_UNTYPED, true)) && (first = mdb_next(s)) && (second = mdb_next(first)) &&
            cap_type(first->cap) == PN_CAP_REPLY && cap_type(second->cap) == PN_CAP_ENDPOINT)
            first->cap = cap_reply(cap_object(second->cap), cap_misc(first->cap) & 1);
        break;
    }
    case INV_MAPPING:
        /* the record of a mapped frame moves on a page: its mapping is nobody's */
        if ((s = find_root_cap(true)))
            s->cap = cap_frame(cap_frame_base(s->cap), cap_frame_size(s->cap), cap_frame_rights(s->cap),
                               cap_frame_is_device(s->cap), cap_mapped_asid(s->cap),
                               cap_mapped_vaddr(s->cap) + BIT(cap_frame_size_bits(s->cap)));
        break;
    case INV_ASID_CAP:
        if ((s = find_cap(PN_CAP_ASID_POOL, false)))
            s->cap = cap_asid_pool(cap_object(s->cap), (cap_asid_pool_index(s->cap) + 1) % ARRAY_SIZE(x86_asid_table));
        break;
    case INV_OBJECT:
        /* a reply cap names the caller's own TCB */
        if ((s = find_cap(PN_CAP_REPLY, false)))
            s->cap = cap_reply(t, cap_reply_can_grant(s->cap));
        break;
    case INV_ORIGIN:
        /* a reply cap names memory of an untyped it does not descend from */
        if ((s = find_cap(PN_CAP_REPLY, false)) && (w = find_root_cap(false)))
            s->cap = cap_reply(paddr_to_kptr(cap_untyped_base(w->cap)), cap_reply_can_grant(s->cap));
        break;
    case INV_ORDER:
        /* an endpoint cap's copy trades places in the derivation list with the IRQ
         * control cap (alone in its tree): the endpoint's caps are two runs */
        if ((s = find_copy(PN_CAP_ENDPOINT)) && (w = find_cap(PN_CAP_IRQ_CONTROL, false)) && !mdb_prev(w) &&
            !mdb_next(w))
            cdt_swap(s, w->cap, w, s->cap);
        break;
    case INV_ORDER | CORRUPT_OTHER:
        /* the same with caps that name no memory: the domain cap's copy and the ASID
         * control cap */
        if ((s = find_copy(PN_CAP_DOMAIN)) && (w = find_cap(PN_CAP_ASID_CONTROL, false)) && !mdb_prev(w) &&
            !mdb_next(w))
            cdt_swap(s, w->cap, w, s->cap);
        break;
    case INV_FLAGS:
        /* an endpoint cap's copy (same badge) becomes revocable: its original's child */
        if ((s = find_copy(PN_CAP_ENDPOINT)))
            s->mdb_next |= MDB_REVOCABLE | MDB_FIRST_BADGED;
        break;
    case INV_ASID:
        for (unsigned i = 0; i < ARRAY_SIZE(x86_asid_table[0]->pml4); i++)
            if (x86_asid_table[0] && x86_asid_table[0]->pml4[i]) {
                x86_asid_table[0]->pml4[i][511] |= PTE_PWT; /* harmless, but not the kernel's */
                break;
            }
        break;
    default:
        break;
    }
    invariants_check_all();
}

void invariants_check_all(void)
{
    sched_check_invariants();
    for (tcb_t *t = ks_debug_list; t; t = t->debug_next)
        check_thread(t);
    sweep(true);
}
#endif
