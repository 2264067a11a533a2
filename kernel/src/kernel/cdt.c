/* The capability derivation tree.  A child always follows its parent in the list, so
 * a slot's descendants are the run of slots after it that are deeper than it. */
#include "cdt.h"
#include "console.h"

void cdt_insert(cte_t *dest, cap_t cap, cte_t *parent, bool revocable, bool first_badged)
{
    kassert(cap_is_null(dest->cap) && !dest->mdb_prev && !mdb_next(dest));
    word_t flags = (revocable ? MDB_REVOCABLE : 0) | (first_badged ? MDB_FIRST_BADGED : 0);
    dest->cap = cap;
    if (!parent) {
        dest->mdb_prev = 0;
        dest->mdb_next = flags;
        return;
    }
    cte_t *next = mdb_next(parent);
    dest->mdb_prev = (word_t)parent;
    dest->mdb_next = (word_t)next | flags;
    if (next)
        next->mdb_prev = (word_t)dest;
    parent->mdb_next = (word_t)dest | (parent->mdb_next & MDB_FLAGS);
}
