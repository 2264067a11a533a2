/* Decoding and performing object invocations (invocations.md). */
#ifndef PECAN_INVOCATION_H
#define PECAN_INVOCATION_H

#include "cspace.h"

/* The reply an invocation produces: an error code with its message words, or success
 * with results.  Only a Call delivers it. */
typedef struct invocation_result {
    word_t error; /* enum pn_error, or INV_PREEMPTED */
    unsigned length;
    word_t mr[5];         /* the longest error (FailedLookup) has 5 words */
    const word_t *words;  /* when set, the results are here instead of in mr */
} invocation_result_t;

/* Not an ABI error: the operation was preempted and the caller will re-execute it. */
#define INV_PREEMPTED 0x100

typedef struct invocation {
    tcb_t *caller;
    cte_t *slot;            /* the invoked cap's slot */
    cap_t cap;
    word_t label;
    unsigned length;        /* message words available */
    const pn_ipc_buffer_t *buffer; /* caller's IPC buffer for MR4.., or NULL */
    unsigned extra_caps;
    cte_t *extra[PN_MSG_MAX_EXTRA_CAPS];
    bool is_call;    /* a Call: the caller waits for a reply */
    bool blocking;   /* Send or Call (not NBSend or a first phase) */
    bool can_donate; /* Call or a first phase may donate the caller's SC */
} invocation_t;

static inline invocation_result_t inv_error(word_t error) { return (invocation_result_t){error, 0, {0}, NULL}; }
static inline invocation_result_t inv_error1(word_t error, word_t a) { return (invocation_result_t){error, 1, {a}, NULL}; }
static inline invocation_result_t inv_preempted(void) { return inv_error(INV_PREEMPTED); }
static inline invocation_result_t inv_error2(word_t error, word_t a, word_t b) { return (invocation_result_t){error, 2, {a, b}, NULL}; }
static inline invocation_result_t inv_ok(void) { return (invocation_result_t){PN_NO_ERROR, 0, {0}, NULL}; }
static inline invocation_result_t inv_result1(word_t v) { return (invocation_result_t){PN_NO_ERROR, 1, {v}, NULL}; }
static inline invocation_result_t inv_status(exception_t e) { return e == EX_PREEMPTED ? inv_error(INV_PREEMPTED) : inv_ok(); }

/* Argument word i (types.md §1: MR0..3 in registers, the rest in the IPC buffer). */
word_t inv_arg(const invocation_t *inv, unsigned i);

/* A slot named by index and depth, for CNode operations (types.md §5): the failure is
 * returned as a FailedLookup/RangeError result with the given source flag. */
typedef struct slot_lookup {
    cte_t *slot;
    invocation_result_t error; /* valid when slot is NULL */
} slot_lookup_t;
slot_lookup_t lookup_slot_for_cnode_op(bool is_source, cap_t root, word_t index, word_t depth);
invocation_result_t inv_failed_lookup(bool is_source, const lookup_fault_t *lf);

invocation_result_t invocation_decode(const invocation_t *inv);
invocation_result_t cnode_decode(const invocation_t *inv);
invocation_result_t untyped_decode(const invocation_t *inv);
invocation_result_t arch_decode(const invocation_t *inv);
invocation_result_t tcb_decode(const invocation_t *inv);
invocation_result_t domain_decode(const invocation_t *inv);
invocation_result_t x86_paging_decode(const invocation_t *inv);
invocation_result_t irq_decode(const invocation_t *inv);

/* Deleting and revoking (cnode.c): preemptible, EX_PREEMPTED when interrupted. */
exception_t cnode_delete(cte_t *slot);
exception_t cnode_revoke(cte_t *slot);

#endif
