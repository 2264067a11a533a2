/* Capability addressing: resolving a CPtr through a tree of CNodes (types.md §5). */
#ifndef PECAN_CSPACE_H
#define PECAN_CSPACE_H

#include "object.h"

typedef struct lookup_fault {
    word_t type; /* enum pn_lookup_failure */
    word_t bits_left;
    word_t guard_found;
    word_t bits_found;
} lookup_fault_t;

/* Resolves the low `depth` bits of cptr starting at the CNode cap `root`.  On success
 * returns the slot reached and the bits left unresolved (non-zero when the walk met a
 * non-CNode cap early).  On failure returns NULL and describes it in *lf. */
cte_t *cspace_resolve(cap_t root, word_t cptr, word_t depth, word_t *bits_left, lookup_fault_t *lf);

/* A syscall's lookup: depth 64 through the thread's CSpace root; ending early is fine. */
cte_t *cspace_lookup_slot(const tcb_t *t, word_t cptr, lookup_fault_t *lf);

/* The lookup failure as message words (faults.md §4): the failure type, then its
 * fields.  Returns how many words were written (1..4). */
unsigned lookup_fault_words(const lookup_fault_t *lf, word_t w[4]);

#endif
