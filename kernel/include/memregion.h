/*
 * Physical memory as sorted lists of disjoint half-open ranges [start, end), and the
 * carving of a range into naturally aligned power-of-two blocks (untyped objects).
 * Pure logic: compiled into the kernel and into the host unit tests.
 */
#ifndef PECAN_MEMREGION_H
#define PECAN_MEMREGION_H

#include <stdbool.h>
#include <stdint.h>

#define MEMREGION_MAX 64

typedef struct memregion {
    uint64_t start;
    uint64_t end; /* exclusive; start < end for every stored region */
} memregion_t;

typedef struct memregion_list {
    memregion_t r[MEMREGION_MAX]; /* sorted by start, disjoint, non-adjacent (merged) */
    unsigned n;
} memregion_list_t;

void memregion_init(memregion_list_t *l);

/* Adds [start, end) to the set (union; merges overlapping and adjacent ranges). Empty
 * ranges (start >= end) are ignored.  Returns false, leaving the list unchanged, if the
 * result would need more than MEMREGION_MAX ranges. */
bool memregion_add(memregion_list_t *l, uint64_t start, uint64_t end);

/* Removes [start, end) from the set (may split a range).  Returns false, leaving the list
 * unchanged, if the result would need more than MEMREGION_MAX ranges. */
bool memregion_remove(memregion_list_t *l, uint64_t start, uint64_t end);

/* Total bytes in the set. */
uint64_t memregion_total(const memregion_list_t *l);

/* Lowest address a with a % align == 0 (align a power of two), a >= min, such that
 * [a, a + size) lies inside one range of the set.  Returns false if there is none. */
bool memregion_find(const memregion_list_t *l, uint64_t size, uint64_t align, uint64_t min,
                    uint64_t *out);

/* Splits [start, end) into the fewest naturally aligned blocks of 2^bits bytes,
 * min_bits <= bits <= max_bits, in ascending address order, calling emit for each.
 * Sub-2^min_bits fragments at either end are dropped.  Returns the number of blocks. */
typedef void (*memregion_emit_fn)(void *ctx, uint64_t paddr, unsigned bits);
unsigned memregion_carve(uint64_t start, uint64_t end, unsigned min_bits, unsigned max_bits,
                         memregion_emit_fn emit, void *ctx);

#endif
