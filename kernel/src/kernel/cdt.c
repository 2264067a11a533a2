/* The capability derivation tree.  A child always follows its parent in the list, so
 * a slot's descendants are the run of slots after it that it is the parent of. */
#include "cdt.h"
#include "console.h"
#include "objecttype.h"

static void set_next(cte_t *s, cte_t *next)
{
    s->mdb_next = (word_t)next | (s->mdb_next & MDB_FLAGS);
}

#if PN_CONFIG_CHECK
word_t cdt_caps;
#endif

void cdt_insert(cte_t *dest, cap_t cap, cte_t *parent, bool revocable, bool first_badged)
{
    kassert(cap_is_null(dest->cap) && !dest->mdb_prev && !mdb_next(dest));
#if PN_CONFIG_CHECK
    cdt_caps++;
#endif
    word_t flags = (revocable ? MDB_REVOCABLE : 0) | (first_badged ? MDB_FIRST_BADGED : 0);
    dest->cap = cap;
    dest->mdb_prev = (word_t)parent;
    dest->mdb_next = flags;
    if (!parent)
        return;
    cte_t *next = mdb_next(parent);
    set_next(dest, next);
    if (next)
        next->mdb_prev = (word_t)dest;
    set_next(parent, dest);
}

void cdt_insert_derived(cte_t *src, cte_t *dest, cap_t cap)
{
    bool revocable = cap_is_revocable(cap, src->cap);
    /* A copy of an untyped takes over its free memory: the source becomes full, so the
     * two can never hand out the same memory. */
    if (cap_type(cap) == PN_CAP_UNTYPED && cap_type(src->cap) == PN_CAP_UNTYPED &&
        cap_untyped_base(cap) == cap_untyped_base(src->cap) &&
        cap_untyped_size_bits(cap) == cap_untyped_size_bits(src->cap))
        src->cap = cap_untyped_set_free_index(src->cap, BIT(cap_untyped_size_bits(src->cap)));
    cdt_insert(dest, cap, src, revocable, revocable);
}

void cdt_move(cte_t *src, cte_t *dest, cap_t cap)
{
    kassert(cap_is_null(dest->cap));
    dest->cap = cap;
    dest->mdb_prev = src->mdb_prev;
    dest->mdb_next = src->mdb_next;
    if (mdb_prev(dest))
        set_next(mdb_prev(dest), dest);
    if (mdb_next(dest))
        mdb_next(dest)->mdb_prev = (word_t)dest;
    src->cap = cap_null();
    src->mdb_prev = src->mdb_next = 0;
}

void cdt_swap(cte_t *a, cap_t ca, cte_t *b, cap_t cb)
{
    if (a == b)
        return;
    cte_t ta = *a, tb = *b;
    a->cap = cb;
    a->mdb_prev = tb.mdb_prev;
    a->mdb_next = tb.mdb_next;
    b->cap = ca;
    b->mdb_prev = ta.mdb_prev;
    b->mdb_next = ta.mdb_next;
    /* Adjacent slots point at each other: fix those links first. */
    if (mdb_prev(a) == a)
        a->mdb_prev = (word_t)b;
    if (mdb_next(a) == a)
        set_next(a, b);
    if (mdb_prev(b) == b)
        b->mdb_prev = (word_t)a;
    if (mdb_next(b) == b)
        set_next(b, a);
    if (mdb_prev(a))
        set_next(mdb_prev(a), a);
    if (mdb_next(a))
        mdb_next(a)->mdb_prev = (word_t)a;
    if (mdb_prev(b))
        set_next(mdb_prev(b), b);
    if (mdb_next(b))
        mdb_next(b)->mdb_prev = (word_t)b;
}

void cdt_remove(cte_t *s)
{
    cte_t *prev = mdb_prev(s), *next = mdb_next(s);
    if (prev)
        set_next(prev, next);
    if (next) {
        next->mdb_prev = (word_t)prev;
        next->mdb_next |= s->mdb_next & MDB_FIRST_BADGED;
    }
    s->cap = cap_null();
    s->mdb_prev = s->mdb_next = 0;
#if PN_CONFIG_CHECK
    cdt_caps--;
#endif
}

bool cdt_is_parent_of(const cte_t *a, const cte_t *b)
{
    if (!mdb_revocable(a) || !cap_same_region(a->cap, b->cap))
        return false;
    switch (cap_type(a->cap)) {
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION: {
        word_t badge = cap_badge(a->cap);
        return badge == 0 || (badge == cap_badge(b->cap) && !mdb_first_badged(b));
    }
    default:
        return true;
    }
}

bool cdt_has_children(const cte_t *s)
{
    const cte_t *next = mdb_next(s);
    return next && cdt_is_parent_of(s, next);
}

bool cdt_starts_run(const cte_t *s)
{
    const cte_t *prev = mdb_prev(s);
    return !prev || !cap_same_object(prev->cap, s->cap);
}

bool cdt_is_final(const cte_t *s)
{
    const cte_t *next = mdb_next(s);
    return cdt_starts_run(s) && (!next || !cap_same_object(s->cap, next->cap));
}

/* What cdt_is_parent_of relies on (invariant 17, docs/invariants.md): untypeds are
 * revocable; revocable implies first-badged; after a cap to the same object only a
 * badged endpoint or notification cap is revocable (a copy of anything else is its
 * original's child); a badged cap after one with another badge heads its badge's run. */
bool cdt_flags_valid(const cte_t *s)
{
    cap_t c = s->cap;
    enum pn_cap_type t = cap_type(c);
    if (t == PN_CAP_UNTYPED)
        return mdb_revocable(s) && mdb_first_badged(s);
    if (mdb_revocable(s) && !mdb_first_badged(s))
        return false;
    if (cdt_starts_run(s))
        return true;
    bool badged = (t == PN_CAP_ENDPOINT || t == PN_CAP_NOTIFICATION) && cap_badge(c) != 0;
    if (!badged)
        return !mdb_revocable(s);
    return cap_badge(c) == cap_badge(mdb_prev(s)->cap) || mdb_first_badged(s);
}
