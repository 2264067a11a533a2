/*
 * The hostile-syscall fuzzer (issue 8, item 2): a root task that builds a small world of
 * kernel objects and lets fuzz threads, in address spaces of their own, throw random
 * system calls at the kernel.  See docs/fuzzing.md.
 *
 * Address space of a fuzz thread (all inside the first GiB, one page table for the data):
 *   __pn_image_start .. __pn_rodata_end   the root's text and rodata, read-only
 *   FZ_THREAD_BASE(i) + 0                 its context area (struct fz_ctx)
 *   FZ_THREAD_BASE(i) + FZ_IPC_OFF        its IPC buffer (one frame)
 *   FZ_THREAD_BASE(i) + FZ_STACK_OFF ..   its stack (FZ_STACK_PAGES)
 *   FZ_GLOBAL_VADDR                       the global page (struct fz_global)
 *   FZ_PLAY_*                             where its random mappings mostly go
 * Threads sharing an address space use different i, so nothing overlaps.
 *
 * CSpace of a fuzz thread (cptrs resolve with 64 bits: a 52-bit guard, 4 bits in its own
 * level-1 CNode, 8 bits in a level-2 CNode):
 *   0x000..0x0ff  level-1 slot 0: nothing (a missing level: every such cptr fails)
 *   0x100..0x1ff  its private level-2 CNode (own caps low, empty slots from FZ_PRIV_FREE)
 *   0x200..0x2ff  the shared level-2 CNode: the world's objects (empty from FZ_SHARED_FREE)
 *   0x300..0x3ff  a level-2 CNode of 2 slots (guard 6): both null
 *   0x400..0x4ff  a 3-level path: a 16-slot CNode (guard 0) whose slot 1 is a 16-slot CNode
 *   0x500..0xfff  level-1 slots 5..15: empty (Retype / Copy targets at depth 56)
 * The context area lists the slots and what the root put there (fz_ctx.known).
 */
#ifndef PECAN_FUZZ_FUZZ_H
#define PECAN_FUZZ_FUZZ_H

#include <pecan/pecan.h>
#include "fuzzlog.h"

#define FZ_THREADS 4
#define FZ_SPACES 3                     /* threads 0 and 1 share address space 0 */
#define FZ_THREAD_BASE(i) (0x10000000ul + (pn_word_t)(i) * 0x40000ul)
#define FZ_IPC_OFF 0x20000ul
#define FZ_STACK_OFF 0x30000ul
#define FZ_STACK_PAGES 4
#define FZ_GLOBAL_VADDR 0x10100000ul
#define FZ_PLAY_LOW 0x40000000ul        /* PDPT slot 1 of PML4 slot 0 */
#define FZ_PLAY_HIGH 0x8000000000ul     /* PML4 slot 1 */

#define FZ_L1_BITS 4
#define FZ_L2_BITS 8
#define FZ_GUARD_BITS (64 - FZ_L1_BITS - FZ_L2_BITS)
#define FZ_CPTR(l1, l2) (((pn_word_t)(l1) << FZ_L2_BITS) | (pn_word_t)(l2))
#define FZ_PRIV_FREE 0x40               /* first free private slot */
#define FZ_SHARED_FREE 0xc0             /* first free shared slot */

/* private slots */
enum {
    FZ_P_SELF_TCB = 1, FZ_P_L1 = 2, FZ_P_PRIV = 3, FZ_P_SHARED = 4, FZ_P_PML4 = 5,
    FZ_P_SC = 6, FZ_P_IPC_FRAME = 7,
};

#define FZ_PRIO_MAX 200                 /* MCP of every fuzz thread */
#define FZ_TICKER_PRIO 254

/* user/fuzz/thread.c: the fuzz thread (runs the root's code, none of its data). */
void fz_thread_main(struct fz_ctx *c);

/* The configuration patched into the ELF by tools/fuzz (config.c). */
struct fz_config {
    char magic[16];
    uint64_t seed, count;
    uint64_t epoch_calls;  /* calls per world; 0 = default */
    uint64_t verbose;      /* print each epoch */
};
extern const volatile struct fz_config fz_config;

#endif
