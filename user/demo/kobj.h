/*
 * The root task's toolkit for building the demo system out of kernel objects: every
 * object is retyped from one untyped, every cap lands in the next free slot of the root
 * CNode, and any error ends the demo with a message (kobj.c).
 */
#ifndef PECAN_DEMO_KOBJ_H
#define PECAN_DEMO_KOBJ_H

#include "demo.h"

/* Word and cap argument lists: invoke(cap, label, W(1, 2), C(cap)). */
#define W(...) (const pn_word_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_word_t[]){__VA_ARGS__}))
#define C(...) (const pn_cptr_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_cptr_t[]){__VA_ARGS__}))
#define NO_WORDS NULL, 0
#define NO_CAPS NULL, 0

#define ROOT_CNODE PN_CAP_SLOT_INIT_CNODE

/* Invokes `cap`; returns the error code, the reply words (up to 4) in invoke_result[]. */
extern pn_word_t invoke_result[4];
pn_word_t invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                 const pn_cptr_t *caps, unsigned ncaps);
/* Ends the demo if `err` is not 0: prints what failed and stops the machine. */
void must(pn_word_t err, const char *what);
__attribute__((noreturn)) void demo_fail(const char *fmt, ...);
const char *error_name(pn_word_t err);

/* ---- slots and objects ---- */
pn_cptr_t slot_alloc(void);
/* All further objects come from `untyped` (a cap in the root CNode). */
void objects_from(pn_cptr_t untyped);
pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits);
extern unsigned obj_count[PN_OBJ_TYPE_COUNT];
/* A copy of `src` with `rights` and `badge` (0: a plain copy) in a new root slot. */
pn_cptr_t cap_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge);

/* ---- processes ---- */
typedef struct process {
    const char *name;
    pn_cptr_t cnode, pml4, tcb, ipc_frame;
} process_t;

/* A new process: a CNode (16 slots), a PML4 with its own ASID, the root's text and
 * rodata mapped read-only, a private IPC buffer and stack, a TCB using all of them. */
void process_create(process_t *p, const char *name);
/* Puts a copy of root slot `src` (with `rights`, badged if `badge` != 0) into slot
 * `index` of the process's CNode. */
void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge);
/* Maps `frame` at `vaddr` in the process, creating the paging structures it lacks. */
void process_map(process_t *p, pn_cptr_t frame, pn_word_t vaddr, pn_word_t rights);
/* Priority, scheduling context (0: none) and fault handler endpoint (0: none). */
void process_sched(process_t *p, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep);
/* Sets rip = entry, rsp, rdi/rsi/rdx = a0..a2 and resumes the thread. */
void process_start(process_t *p, void *entry, pn_word_t a0, pn_word_t a1, pn_word_t a2);

/* A scheduling context with the given budget and period (µs) and badge. */
pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us, pn_word_t badge);

#endif
