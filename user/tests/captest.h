/*
 * Helpers for the tests of capabilities, CNodes, Untyped and IO ports (issue 3).
 *
 * Every test takes fresh slots and fresh memory (nothing is reused between tests, so a
 * failed test leaves nothing that another test could trip over):
 *   slot_alloc()      a never-used slot of the root CNode (from bootinfo `empty`, counting
 *                     up; the top CAPTEST_TOP_SLOTS_LEFT slots are left to other helpers)
 *   ram_untyped(b)    a new child untyped of 2^b bytes (free index 0) carved from a RAM
 *                     untyped of the bootinfo
 *   device_untyped(b) the same from a device untyped
 *   obj_new(t, b)     one new object of type t in a fresh slot
 * Root-CNode slots are addressed in CNode methods as (slot, depth 64): the root CNode has
 * radix r and guard 0 of size 64 - r (types.md §5, §8.2).
 *
 * call() performs one invocation with Call and returns the whole reply; EXPECT() checks
 * it against the error table of invocations.md §1: label = error code, badge 0, no caps,
 * length = number of error words, and each word.
 */
#ifndef PECAN_TESTS_CAPTEST_H
#define PECAN_TESTS_CAPTEST_H

#include "test.h"

#define ROOT ((pn_cptr_t)PN_CAP_SLOT_INIT_CNODE)
#define ROOT_DEPTH 64
#define ROOT_BITS ((pn_word_t)pn_bootinfo->init_thread_cnode_size_bits)
#define ROOT_SLOTS (1ul << ROOT_BITS)
#define ROOT_GUARD_BITS (64 - ROOT_BITS)

#define CAPTEST_TOP_SLOTS_LEFT 2048

/* ---- raw invocations ---- */

#define REPLY_WORDS 8
typedef struct reply {
    pn_word_t info;  /* message info of the reply */
    pn_word_t badge; /* rdi after the call */
    pn_word_t mr[REPLY_WORDS];
} reply_t;

reply_t call(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
             const pn_cptr_t *caps, unsigned ncaps);

/* Argument lists for call(): W(a, b, ...) / C(x, ...) expand to (array, count). */
#define W(...) (const pn_word_t[]){__VA_ARGS__}, \
               (unsigned)(sizeof((const pn_word_t[]){__VA_ARGS__}) / sizeof(pn_word_t))
#define C(...) (const pn_cptr_t[]){__VA_ARGS__}, \
               (unsigned)(sizeof((const pn_cptr_t[]){__VA_ARGS__}) / sizeof(pn_cptr_t))
#define NO_WORDS NULL, 0u
#define NO_CAPS NULL, 0u

void expect_reply(const char *file, int line, const char *what, reply_t r, pn_word_t code,
                  unsigned n, const pn_word_t *words);

/* EXPECT(r, code, words...): the reply carries exactly these error words. */
#define EXPECT(r, code, ...)                                                            \
    do {                                                                                \
        const pn_word_t e_[] = {0, __VA_ARGS__};                                        \
        expect_reply(__FILE__, __LINE__, #r, (r), (code),                               \
                     (unsigned)(sizeof e_ / sizeof e_[0]) - 1, e_ + 1);                 \
    } while (0)
#define EXPECT_OK(r) EXPECT(r, PN_NO_ERROR)

/* FailedLookup error words (invocations.md §1, faults.md §4): source flag, then the
 * lookup failure. */
#define LF_INVALID_ROOT(src) (src), PN_LOOKUP_INVALID_ROOT
#define LF_MISSING(src, bits_left) (src), PN_LOOKUP_MISSING_CAP, (bits_left)
#define LF_DEPTH(src, bits_left, bits_found) \
    (src), PN_LOOKUP_DEPTH_MISMATCH, (bits_left), (bits_found)
#define LF_GUARD(src, bits_left, guard_found, bits_found) \
    (src), PN_LOOKUP_GUARD_MISMATCH, (bits_left), (guard_found), (bits_found)

/* ---- typed calls returning the whole reply (slots in the root CNode, depth 64) ---- */

reply_t cn_copy(pn_word_t dest, pn_word_t src, pn_word_t rights);
reply_t cn_mint(pn_word_t dest, pn_word_t src, pn_word_t rights, pn_word_t data);
reply_t cn_move(pn_word_t dest, pn_word_t src);
reply_t cn_mutate(pn_word_t dest, pn_word_t src, pn_word_t data);
reply_t cn_delete(pn_word_t slot);
reply_t cn_revoke(pn_word_t slot);
reply_t cn_cancel_badged_sends(pn_word_t slot);
reply_t cn_rotate(pn_word_t dest, pn_word_t dest_data, pn_word_t pivot, pn_word_t pivot_data,
                  pn_word_t src);
/* Untyped_Retype into root slots [slot, slot + n) (node_depth 0: C[0] = root itself). */
reply_t ut_retype(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits, pn_word_t slot,
                  pn_word_t n);

/* ---- the same, checked to succeed (FAIL otherwise) ---- */

void copy_ok(pn_word_t dest, pn_word_t src, pn_word_t rights);
void mint_ok(pn_word_t dest, pn_word_t src, pn_word_t rights, pn_word_t data);
void move_ok(pn_word_t dest, pn_word_t src);
void delete_ok(pn_word_t slot);
void revoke_ok(pn_word_t slot);
void retype_ok(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits, pn_word_t slot,
               pn_word_t n);

/* ---- fresh resources ---- */

pn_word_t slot_alloc(void);
pn_word_t slots_alloc(pn_word_t n); /* n consecutive slots; returns the first */
pn_cptr_t ram_untyped(unsigned size_bits);
pn_cptr_t device_untyped(unsigned size_bits);
pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits);
pn_cptr_t copy_new(pn_word_t src, pn_word_t rights); /* Copy into a fresh slot */

/* A bootinfo RAM untyped of 2^26..2^27 bytes without children (0 if there is none); the
 * helpers here never carve from those.  A Retype from it resets (zeroes) all of it. */
#define UNTOUCHED_MIN_BITS 26
#define UNTOUCHED_MAX_BITS 27
pn_cptr_t untouched_ram_untyped(void);

/* Bytes still free in an untyped, read from a Retype that cannot fit: one 2^46-byte
 * untyped never fits in the ones the tests make, so the kernel answers NotEnoughMemory
 * with MR0 = free bytes (invocations.md §3.1 step 11).  An untyped without children is
 * reset first (step 10), so for it the answer is its whole size. */
pn_word_t untyped_free_bytes(pn_cptr_t untyped);

/* Size in bytes of one object of a type (types.md §9). */
pn_word_t object_bytes(pn_word_t type, pn_word_t size_bits);

#endif
