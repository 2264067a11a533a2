/*
 * Sets of physical address ranges and their carving into untyped-sized blocks.
 *
 * Invariant of a memregion_list_t: r[0..n) sorted by start, every range non-empty, and
 * r[i].end < r[i + 1].start (disjoint and never adjacent: adjacent ranges are merged).
 * Every operation either keeps the invariant and succeeds or leaves the list untouched.
 */
#include "memregion.h"
#include "kstring.h"

void memregion_init(memregion_list_t *l)
{
    l->n = 0;
}

/* Opens a gap of one entry at index i. The caller has checked there is room. */
static void open_slot(memregion_list_t *l, unsigned i)
{
    memmove(&l->r[i + 1], &l->r[i], (l->n - i) * sizeof l->r[0]);
    l->n++;
}

/* Deletes entries [i, j). */
static void close_slots(memregion_list_t *l, unsigned i, unsigned j)
{
    memmove(&l->r[i], &l->r[j], (l->n - j) * sizeof l->r[0]);
    l->n -= j - i;
}

bool memregion_add(memregion_list_t *l, uint64_t start, uint64_t end)
{
    if (start >= end)
        return true;

    /* [i, j) = the ranges that overlap or touch [start, end). */
    unsigned i = 0;
    while (i < l->n && l->r[i].end < start)
        i++;
    unsigned j = i;
    while (j < l->n && l->r[j].start <= end)
        j++;

    if (i == j) {
        if (l->n == MEMREGION_MAX)
            return false;
        open_slot(l, i);
        l->r[i].start = start;
        l->r[i].end = end;
        return true;
    }
    if (l->r[i].start < start)
        start = l->r[i].start;
    if (l->r[j - 1].end > end)
        end = l->r[j - 1].end;
    l->r[i].start = start;
    l->r[i].end = end;
    close_slots(l, i + 1, j);
    return true;
}

bool memregion_remove(memregion_list_t *l, uint64_t start, uint64_t end)
{
    if (start >= end)
        return true;

    unsigned i = 0;
    while (i < l->n && l->r[i].end <= start)
        i++;
    if (i == l->n || l->r[i].start >= end)
        return true; /* nothing overlaps */

    if (l->r[i].start < start && l->r[i].end > end) {
        /* Strictly inside one range: the only case that needs a new entry. */
        if (l->n == MEMREGION_MAX)
            return false;
        open_slot(l, i + 1);
        l->r[i + 1].start = end;
        l->r[i + 1].end = l->r[i].end;
        l->r[i].end = start;
        return true;
    }

    if (l->r[i].start < start) {
        l->r[i].end = start; /* keep the head of the first range */
        i++;
    }
    unsigned j = i;
    while (j < l->n && l->r[j].end <= end)
        j++; /* [i, j) are covered entirely */
    if (j < l->n && l->r[j].start < end)
        l->r[j].start = end; /* keep the tail of the last range */
    close_slots(l, i, j);
    return true;
}

uint64_t memregion_total(const memregion_list_t *l)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < l->n; i++)
        total += l->r[i].end - l->r[i].start;
    return total;
}

bool memregion_find(const memregion_list_t *l, uint64_t size, uint64_t align, uint64_t min,
                    uint64_t *out)
{
    if (size == 0 || align == 0 || (align & (align - 1)) != 0)
        return false;

    for (unsigned i = 0; i < l->n; i++) {
        uint64_t lo = l->r[i].start > min ? l->r[i].start : min;
        if (lo >= l->r[i].end)
            continue;
        uint64_t mis = lo & (align - 1);
        if (mis != 0) {
            if (lo > UINT64_MAX - (align - mis))
                return false; /* no aligned address at or above lo exists */
            lo += align - mis;
        }
        if (lo < l->r[i].end && l->r[i].end - lo >= size) {
            *out = lo;
            return true;
        }
    }
    return false;
}

/* Number of trailing zero bits; 64 for 0 (address 0 is aligned to everything). */
static unsigned ctz64(uint64_t x)
{
    return x == 0 ? 64 : (unsigned)__builtin_ctzll(x);
}

/* floor(log2(x)) for x > 0. */
static unsigned log2_floor(uint64_t x)
{
    return 63u - (unsigned)__builtin_clzll(x);
}

unsigned memregion_carve(uint64_t start, uint64_t end, unsigned min_bits, unsigned max_bits,
                         memregion_emit_fn emit, void *ctx)
{
    if (max_bits > 63)
        max_bits = 63;
    if (min_bits > max_bits)
        return 0;

    uint64_t mask = ((uint64_t)1 << min_bits) - 1;
    if (start > UINT64_MAX - mask)
        return 0;
    start = (start + mask) & ~mask;
    end &= ~mask;

    /* Greedy: at each step the largest block that is aligned here and fits. Any cover
     * with naturally aligned blocks must start with a block no larger than this one, and
     * taking the largest leaves a suffix that needs no more blocks, so this is minimal. */
    unsigned count = 0;
    while (start < end) {
        unsigned bits = ctz64(start);
        unsigned fit = log2_floor(end - start);
        if (bits > fit)
            bits = fit;
        if (bits > max_bits)
            bits = max_bits;
        emit(ctx, start, bits);
        count++;
        start += (uint64_t)1 << bits;
    }
    return count;
}
