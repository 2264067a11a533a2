/*
 * libpecan: a root task's toolkit for building processes out of kernel objects (used by
 * the demo, user/demo, and the benchmarks, user/bench).  Objects are retyped from one
 * untyped (objects_from), every cap lands in the next free slot of the root CNode, and
 * any error ends the run through fail().
 *
 * How a failed run ends is the program's business: it defines fail_report(), which says
 * what failed (on the debug console, on COM1, ...) and may end the run itself (QEMU's
 * isa-debug-exit); if it returns, fail() ends the run with an unhandled fault (ud2), so
 * that it does not pass.
 *
 * The names are short, for the call sites' sake, and not pn_-prefixed: a program that
 * uses this toolkit must not define them itself (the test suite has helpers of its own,
 * user/tests, and does not use it).
 */
#ifndef PECAN_ROOTOBJ_H
#define PECAN_ROOTOBJ_H

#include <pecan/pecan.h>

/* Word and cap argument lists: invoke(cap, label, W(1, 2), C(cap)). */
#define W(...) (const pn_word_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_word_t[]){__VA_ARGS__}))
#define C(...) (const pn_cptr_t[]){__VA_ARGS__}, PN_ARRAY_SIZE(((const pn_cptr_t[]){__VA_ARGS__}))
#define NO_WORDS NULL, 0
#define NO_CAPS NULL, 0

#define ROOT_CNODE PN_CAP_SLOT_INIT_CNODE

/* ---- invoking, failing ---- */

/* Invokes `cap`; returns the error code, the reply words (up to 4) in invoke_result[]. */
extern pn_word_t invoke_result[4];
pn_word_t invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                 const pn_cptr_t *caps, unsigned ncaps);
/* Ends the run if `err` is not 0, saying what failed, the error and invoke_result[]. */
void must(pn_word_t err, const char *what);
/* Ends the run: fail_report(fmt, ...), then an unhandled fault. */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);
/* Defined by the program (see above). */
void fail_report(const char *fmt, va_list ap);

/* ---- slots and objects ---- */

/* The next free slot of the root CNode (bootinfo `empty`, counting up). */
pn_cptr_t slot_alloc(void);
/* The smallest bootinfo RAM untyped of at least 2^bits bytes (fail() if there is none);
 * its descriptor in *desc unless desc is NULL. */
pn_cptr_t ram_untyped(unsigned bits, const pn_untyped_desc_t **desc);
/* All further objects come from `untyped` (a cap in the root CNode). */
void objects_from(pn_cptr_t untyped);
/* One object in a new root slot; obj_count[type] counts them. */
pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits);
extern unsigned obj_count[PN_OBJ_TYPE_COUNT];
/* A copy of `src` with `rights` and `badge` (0: a plain copy) in a new root slot. */
pn_cptr_t cap_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge);
/* Maps `frame` at `vaddr` in `vspace`, creating the paging structures it lacks. */
void map_frame(pn_cptr_t vspace, pn_cptr_t frame, pn_word_t vaddr, pn_word_t rights);
/* A scheduling context with the given budget and period (µs) and badge. */
pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us, pn_word_t badge);

/* ---- processes ----
 * A process has a 16-slot CNode whose guard makes cptr n resolve to slot n, a PML4 with
 * its own ASID, the root's text and rodata mapped read-only at the same addresses, and up
 * to PROCESS_MAX_THREADS threads; thread k has a private IPC buffer at THREAD_IPC(k) and a
 * stack below THREAD_STACK_TOP(k), a guard page between them.  Its code must not touch
 * the root's data or bss (not mapped there): what it needs arrives in registers, in its
 * CSpace, or in frames the root maps into it. */
#define PROCESS_CNODE_BITS 4
#define PROCESS_MAX_THREADS 4
#define THREAD_IPC(k) (0x10000000ul + (k) * 0x100000ul)
#define THREAD_STACK_BASE(k) (THREAD_IPC(k) + 0x2000ul)
#define THREAD_STACK_PAGES 4
#define THREAD_STACK_TOP(k) (THREAD_STACK_BASE(k) + THREAD_STACK_PAGES * PN_PAGE_SIZE)

typedef struct process {
    pn_cptr_t cnode, pml4;
    pn_cptr_t tcb[PROCESS_MAX_THREADS];
    unsigned threads;
} process_t;

/* A new process without threads: its CNode, its PML4 and the root's code in it. */
void process_create(process_t *p);
/* Thread p->threads of `p`: its IPC buffer and stack, and a TCB using them and the
 * process's spaces (not running yet).  Returns the TCB (= p->tcb[k]). */
pn_cptr_t thread_create(process_t *p);
/* Puts a copy of root slot `src` (with `rights`, badged if `badge` != 0) into slot
 * `index` of the process's CNode. */
void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge);
/* Priority, scheduling context (0: none) and fault endpoint (0: none) of thread k. */
void thread_sched(process_t *p, unsigned k, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep);
/* Sets thread k's rip = entry, rsp (as if called), rdi/rsi/rdx = a0..a2 and resumes it. */
void thread_start(process_t *p, unsigned k, void *entry, pn_word_t a0, pn_word_t a1,
                  pn_word_t a2);

#endif
