/*
 * The benchmark root task's toolkit for building processes out of kernel objects (as
 * user/demo's): objects retyped from one untyped, caps in the next free root slots, and
 * any error ends the run with a message and a failing QEMU exit status.
 */
#ifndef PECAN_BENCH_KOBJ_H
#define PECAN_BENCH_KOBJ_H

#include "bench.h"

#define W(...) (const pn_word_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_word_t[]){__VA_ARGS__}))
#define C(...) (const pn_cptr_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_cptr_t[]){__VA_ARGS__}))
#define NO_WORDS NULL, 0
#define NO_CAPS NULL, 0
#define ROOT_CNODE PN_CAP_SLOT_INIT_CNODE

extern pn_cptr_t exit_port; /* IOPort cap for QEMU's isa-debug-exit (0 until issued) */

extern pn_word_t invoke_result[4];
pn_word_t invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                 const pn_cptr_t *caps, unsigned ncaps);
void must(pn_word_t err, const char *what);
__attribute__((noreturn)) void bench_fail(const char *fmt, ...);

pn_cptr_t slot_alloc(void);
void objects_from(pn_cptr_t untyped);
pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits);
pn_cptr_t cap_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge);
/* Maps `frame` at `vaddr` in `vspace`, creating the paging structures it lacks. */
void map_frame(pn_cptr_t vspace, pn_cptr_t frame, pn_word_t vaddr, pn_word_t rights);

typedef struct process {
    pn_cptr_t cnode, pml4;
    pn_cptr_t tcb[THREADS_PER_PROC];
    unsigned threads;
} process_t;

/* A process: 16-slot CNode, PML4 with its own ASID, the root's text and rodata mapped
 * read-only, the shared page, and `threads` threads each with an IPC buffer and stack. */
void process_create(process_t *p, unsigned threads, pn_cptr_t shared_frame);
void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge);
/* Priority, SC (0: none) and fault endpoint (0: none) of thread k. */
void thread_sched(process_t *p, unsigned k, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep);
/* Starts thread k at bench_thread(params). */
void thread_start(process_t *p, unsigned k, thread_params_t *params);
void thread_suspend(process_t *p, unsigned k);

pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us);

#endif
