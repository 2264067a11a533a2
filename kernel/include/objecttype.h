/* What the kernel knows about each cap type: regions, derivation, rights, badges and
 * guards, finalisation, creation (semantics.md §1–§4). */
#ifndef PECAN_OBJECTTYPE_H
#define PECAN_OBJECTTYPE_H

#include "object.h"

/* Size of an object of the given type (types.md §9); user_bits is the caller's
 * size_bits (used by Untyped, CNode and SchedContext). */
word_t object_size_bits(word_t type, word_t user_bits);

/* The physical memory a cap covers, if it refers to memory. */
bool cap_region(cap_t c, paddr_t *base, word_t *size_bits);

bool cap_same_region(cap_t a, cap_t b);
bool cap_same_object(cap_t a, cap_t b);
bool cap_is_revocable(cap_t derived, cap_t src);

/* Copy and Mint: rights masking, badge/guard data (semantics.md §2). */
cap_t cap_mask_rights(cap_t c, word_t rights);
cap_t cap_update_data(cap_t c, bool preserve, word_t data);

typedef struct derive_result {
    word_t error; /* PN_NO_ERROR, PN_REVOKE_FIRST or PN_ILLEGAL_OPERATION */
    cap_t cap;    /* may be null */
} derive_result_t;
derive_result_t cap_derive(const cte_t *slot, cap_t c);

/* Finalising a cap being deleted: what stays in the slot (null, or a zombie whose
 * slots must still be deleted) and what to clean up once the slot is empty. */
typedef struct finalise_result {
    cap_t remainder;
    cap_t cleanup;
} finalise_result_t;
finalise_result_t cap_finalise(cap_t c, bool final);
void cap_post_deletion(cap_t cleanup);

/* A cap to a new object of the given type at paddr (Untyped_Retype). */
cap_t object_create(word_t type, paddr_t paddr, word_t user_bits, bool device);

/* Architecture part (x86-64): frames, page tables, ASID pools, I/O ports. */
bool arch_cap_region(cap_t c, paddr_t *base, word_t *size_bits);
bool arch_same_region(cap_t a, cap_t b);
cap_t arch_mask_rights(cap_t c, word_t rights);
derive_result_t arch_derive(cap_t c);
finalise_result_t arch_finalise(cap_t c, bool final);
void arch_post_deletion(cap_t cleanup);
cap_t arch_object_create(word_t type, paddr_t paddr, bool device);
word_t arch_object_size_bits(word_t type);

#endif
