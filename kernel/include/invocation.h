/* Decoding and performing object invocations (invocations.md). */
#ifndef PECAN_INVOCATION_H
#define PECAN_INVOCATION_H

#include "object.h"

/* The reply an invocation produces: an error code with its message words, or success
 * with results.  Only a Call delivers it. */
typedef struct invocation_result {
    word_t error; /* enum pn_error */
    unsigned length;
    word_t mr[4];
} invocation_result_t;

typedef struct invocation {
    tcb_t *caller;
    cte_t *slot;            /* the invoked cap's slot */
    cap_t cap;
    word_t label;
    unsigned length;        /* message words available */
    const pn_ipc_buffer_t *buffer; /* caller's IPC buffer for MR4.., or NULL */
    unsigned extra_caps;
    cte_t *extra[PN_MSG_MAX_EXTRA_CAPS];
} invocation_t;

static inline invocation_result_t inv_error(word_t error) { return (invocation_result_t){error, 0, {0}}; }
static inline invocation_result_t inv_error1(word_t error, word_t a) { return (invocation_result_t){error, 1, {a}}; }
static inline invocation_result_t inv_ok(void) { return (invocation_result_t){PN_NO_ERROR, 0, {0}}; }

invocation_result_t invocation_decode(const invocation_t *inv);

#endif
