/* Capability addressing (types.md §5, faults.md §4). */
#include "cspace.h"

static inline word_t bits_at(word_t cptr, word_t shift, word_t n)
{
    return n == 0 ? 0 : (cptr >> shift) & MASK(n);
}

cte_t *cspace_resolve(cap_t node, word_t cptr, word_t depth, word_t *bits_left, lookup_fault_t *lf)
{
    word_t n = depth;
    if (cap_type(node) != PN_CAP_CNODE) {
        *lf = (lookup_fault_t){.type = PN_LOOKUP_INVALID_ROOT};
        return NULL;
    }
    for (;;) {
        word_t radix = cap_cnode_radix(node);
        word_t guard_size = cap_cnode_guard_size(node);
        word_t guard = cap_cnode_guard(node);
        if (guard_size > n || bits_at(cptr, n - guard_size, guard_size) != guard) {
            *lf = (lookup_fault_t){PN_LOOKUP_GUARD_MISMATCH, n, guard, guard_size};
            return NULL;
        }
        if (guard_size + radix > n) {
            *lf = (lookup_fault_t){PN_LOOKUP_DEPTH_MISMATCH, n, 0, guard_size + radix};
            return NULL;
        }
        n -= guard_size + radix;
        cte_t *slot = (cte_t *)cap_object(node) + bits_at(cptr, n, radix);
        if (n == 0 || cap_type(slot->cap) != PN_CAP_CNODE) {
            *bits_left = n;
            return slot;
        }
        node = slot->cap;
    }
}

cte_t *cspace_lookup_slot(const tcb_t *t, word_t cptr, lookup_fault_t *lf)
{
    word_t left;
    return cspace_resolve(t->slots[TCB_SLOT_CTABLE].cap, cptr, 64, &left, lf);
}

unsigned lookup_fault_words(const lookup_fault_t *lf, word_t w[4])
{
    w[0] = lf->type;
    switch (lf->type) {
    case PN_LOOKUP_MISSING_CAP:
        w[1] = lf->bits_left;
        return 2;
    case PN_LOOKUP_DEPTH_MISMATCH:
        w[1] = lf->bits_left;
        w[2] = lf->bits_found;
        return 3;
    case PN_LOOKUP_GUARD_MISMATCH:
        w[1] = lf->bits_left;
        w[2] = lf->guard_found;
        w[3] = lf->bits_found;
        return 4;
    default:
        return 1;
    }
}
