/* The capability derivation tree: one list of slots in depth-first order. */
#ifndef PECAN_CDT_H
#define PECAN_CDT_H

#include "object.h"

/* Puts cap into the empty slot dest, as the first child of parent (NULL: a new root). */
void cdt_insert(cte_t *dest, cap_t cap, cte_t *parent, bool revocable, bool first_badged);

#endif
