/*
 * The checking build's invariant checker (CHECK=1; docs/invariants.md lists the
 * invariants).  After every kernel entry the scheduler's structures and the threads are
 * checked; every SWEEP_INTERVAL entries, also every CSpace the threads can name (their
 * root CNodes, one level) with the derivation-tree lists through them, the endpoints and
 * untypeds found there, and the ASID table.  The first violation stops the machine with
 * a report.
 */
#include "invariants.h"

#if PN_CONFIG_CHECK
#include "arch/vspace.h"
#include "arch/x86.h"
#include "cdt.h"
#include "console.h"
#include "objecttype.h"
#include "refill.h"
#include "thread.h"

#define SWEEP_INTERVAL 256
#define MAX_SWEPT_CNODES 64

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
};

static const char *const names[] = {
    [INV_READY] = "ready queues", [INV_RELEASE] = "release queue", [INV_THREAD] = "thread state",
    [INV_ENDPOINT] = "endpoint queue", [INV_SC] = "scheduling context", [INV_REPLY] = "reply chain",
    [INV_CDT] = "derivation tree", [INV_UNTYPED] = "untyped", [INV_ASID] = "ASID table",
    [INV_CAP] = "capability", [INV_OVERLAP] = "untyped objects",
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

static void sweep(void)
{
    const cte_t *swept[MAX_SWEPT_CNODES];
    unsigned n_swept = 0;
    for (tcb_t *t = ks_debug_list; t; t = t->debug_next) {
        for (unsigned i = 0; i < TCB_SLOT_COUNT; i++)
            check_slot_links(&t->slots[i]);
        cap_t root = t->slots[TCB_SLOT_CTABLE].cap;
        if (cap_type(root) != PN_CAP_CNODE)
            continue;
        const cte_t *slots = cap_object(root);
        unsigned k = 0;
        while (k < n_swept && swept[k] != slots)
            k++;
        if (k < n_swept)
            continue; /* a CSpace many threads share is swept once */
        if (n_swept < MAX_SWEPT_CNODES)
            swept[n_swept++] = slots;
        for (word_t i = 0; i < BIT(cap_cnode_radix(root)); i++)
            check_cap(&slots[i]);
    }
    for (unsigned p = 0; p < ARRAY_SIZE(x86_asid_table); p++) {
        const asid_pool_t *pool = x86_asid_table[p];
        for (unsigned i = 0; pool && i < ARRAY_SIZE(pool->pml4); i++)
            if (pool->pml4[i])
                REQUIRE(INV_ASID, pool->pml4[i][511] == kernel_pml4[511], pool->pml4[i]);
    }
}

void invariants_check_all(void);

void invariants_check(void)
{
    static word_t entries;
    sched_check_invariants();
    for (tcb_t *t = ks_debug_list; t; t = t->debug_next)
        check_thread(t);
    REQUIRE(INV_THREAD, machine_switch_state_consistent(), ks_cur);
    REQUIRE(INV_SC, ks_cur == &ks_idle || ks_cur->sc == ks_cur_sc, ks_cur);
    if (++entries % SWEEP_INTERVAL == 0)
        sweep();
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

void invariants_corrupt(word_t n)
{
    tcb_t *t = ks_cur;
    cte_t *s;
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
        if ((s = find_cap(PN_CAP_ENDPOINT, false)))
            s->cap = cap_badged(PN_CAP_ENDPOINT, (char *)cap_object(s->cap) + 8, cap_rights(s->cap), cap_badge(s->cap));
        break;
    case INV_OVERLAP: {
        /* the newest object of the first untyped with children moves onto the next one */
        cte_t *first, *second;
        if ((s = find_cap(PN_CAP_UNTYPED, true)) && (first = mdb_next(s)) && (second = mdb_next(first)) &&
            cap_type(first->cap) == PN_CAP_REPLY && cap_type(second->cap) == PN_CAP_ENDPOINT)
            first->cap = cap_reply(cap_object(second->cap), cap_misc(first->cap) & 1);
        break;
    }
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
    sweep();
}
#endif
