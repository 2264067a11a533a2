/* The capability derivation tree: one list of slots in depth-first order
 * (semantics.md §1).  A slot's descendants are the run of slots after it of which it is
 * the parent. */
#ifndef PECAN_CDT_H
#define PECAN_CDT_H

#include "object.h"

/* Puts cap into the empty slot dest, right after parent (NULL: a new root). */
void cdt_insert(cte_t *dest, cap_t cap, cte_t *parent, bool revocable, bool first_badged);
/* Puts a cap derived from src's into the empty slot dest, as src's child (cteInsert). */
void cdt_insert_derived(cte_t *src, cte_t *dest, cap_t cap);
/* Moves src's cap, replaced by cap, to the empty slot dest, with its tree position. */
void cdt_move(cte_t *src, cte_t *dest, cap_t cap);
/* Exchanges the caps (replaced by ca and cb) and tree positions of slots a and b. */
void cdt_swap(cte_t *a, cap_t ca, cte_t *b, cap_t cb);
/* Unlinks and empties a slot (no finalisation). */
void cdt_remove(cte_t *s);
#if PN_CONFIG_CHECK
/* The checking build: how many slots hold a cap (cdt_insert adds one, cdt_remove takes
 * one away; moves, swaps and in-place changes keep the number). */
extern word_t cdt_caps;
#endif

bool cdt_is_parent_of(const cte_t *a, const cte_t *b);
bool cdt_has_children(const cte_t *s);
/* No other slot in the tree refers to the same object. */
bool cdt_is_final(const cte_t *s);
/* The slot's cap is the first of a run of caps to its object (untypeds: always). */
bool cdt_starts_run(const cte_t *s);
/* The slot's revocable and first-badged flags agree with its cap and its predecessor. */
bool cdt_flags_valid(const cte_t *s);

static inline bool mdb_revocable(const cte_t *s) { return s->mdb_next & MDB_REVOCABLE; }
static inline bool mdb_first_badged(const cte_t *s) { return s->mdb_next & MDB_FIRST_BADGED; }

#endif
