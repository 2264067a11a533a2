/*
 * Helpers for the tests of threads, IPC, faults and scheduling (issue 4).
 *
 * Threads run in the root task's address space and CSpace (the root CNode, slot 2, and
 * PML4, slot 3), each with its own stack and 1 KiB IPC buffer from static arrays of the
 * image (so their frame caps are bootinfo userImageFrames).  Thread code must never use
 * `pn_ipc` (that is the root task's buffer): it uses t->ipc, pn_invoke_ipc() and the raw
 * syscall stubs.  Threads report to the root through t->out[] / the event log; only the
 * root task calls CHECK/FAIL.
 *
 * Every test gets fresh resources, all reclaimed after the test (test_cleanup in
 * supervisor.c): slots from a window at the top of the root CNode's empty region (the
 * issue-3 helpers count up from the bottom), kernel objects from an arena untyped that is
 * revoked after each test (which also deletes every thread the test made).
 *
 * The root task runs at priority 255.  Test threads use priorities 10..250: the
 * supervisor's helpers run at 254 (handles the root task's faults) and 1 (runs only when
 * every test thread and the root task are blocked: it ends tt_settle(), or fails a test
 * whose root task is blocked with nothing left to run).
 */
#ifndef PECAN_TESTS_TTHREAD_H
#define PECAN_TESTS_TTHREAD_H

#include "test.h"
#include <pecan/objects.h>

#define SELF_TCB ((pn_cptr_t)PN_CAP_SLOT_INIT_TCB)
#define ROOT_CNODE ((pn_cptr_t)PN_CAP_SLOT_INIT_CNODE)
#define ROOT_VSPACE ((pn_cptr_t)PN_CAP_SLOT_INIT_VSPACE)
#define ROOT_SC ((pn_cptr_t)PN_CAP_SLOT_INIT_SC)
#define NULL_SLOT ((pn_cptr_t)PN_CAP_SLOT_NULL)

#define SC_BITS 8          /* 256-byte scheduling contexts */
#define TT_BUDGET_US 1000  /* round robin: budget = period */
#define FLAGS_DEFAULT 0x202ul

/* ---- full replies ---- */

#define TT_REPLY_WORDS 24
typedef struct tt_reply {
    pn_word_t info;
    pn_word_t badge;
    pn_word_t mr[TT_REPLY_WORDS];
} tt_reply_t;

/* One invocation with Call from the root task; the kernel's whole reply. */
tt_reply_t tt_call(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                   const pn_cptr_t *caps, unsigned ncaps);

#define WORDS(...) (const pn_word_t[]){__VA_ARGS__}, \
                   (unsigned)(sizeof((const pn_word_t[]){__VA_ARGS__}) / sizeof(pn_word_t))
#define CAPS(...) (const pn_cptr_t[]){__VA_ARGS__}, \
                  (unsigned)(sizeof((const pn_cptr_t[]){__VA_ARGS__}) / sizeof(pn_cptr_t))
#define NOWORDS NULL, 0u
#define NOCAPS NULL, 0u

const char *tt_error_name(pn_word_t code);
void tt_expect(const char *file, int line, const char *what, tt_reply_t r, pn_word_t code,
               unsigned n, const pn_word_t *words);

/* EXPECT_ERROR(reply, code, error words...): label = code, badge 0, no caps, length =
 * number of words, each word as given (invocations.md §1). */
#define EXPECT_ERROR(r, code, ...)                                                      \
    do {                                                                                \
        const pn_word_t e_[] = {0, ##__VA_ARGS__};                                      \
        tt_expect(__FILE__, __LINE__, #r, (r), (code),                                  \
                  (unsigned)(sizeof e_ / sizeof e_[0]) - 1, e_ + 1);                    \
    } while (0)
#define EXPECT_SUCCESS(r, ...) EXPECT_ERROR(r, PN_NO_ERROR, ##__VA_ARGS__)

/* A library call returning an error code must succeed. */
#define MUST(expr)                                                                      \
    do {                                                                                \
        pn_word_t err_ = (expr);                                                        \
        if (err_)                                                                       \
            FAIL("%s: error %s (%lu)", #expr, tt_error_name(err_), err_);              \
    } while (0)

/* ---- fresh resources (reclaimed after the test) ---- */

pn_cptr_t tt_slot(void);
pn_cptr_t tt_new(pn_word_t type, pn_word_t size_bits);            /* from the arena */
pn_cptr_t tt_copy(pn_cptr_t src, pn_word_t rights);
pn_cptr_t tt_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge);
void tt_delete(pn_cptr_t slot);
void tt_revoke(pn_cptr_t slot);
/* Revoke then delete: the object goes away even if TCB slots hold copies of the cap. */
void tt_destroy(pn_cptr_t slot);
pn_cptr_t tt_sched_control(void);
pn_cptr_t tt_sc_new(void);                  /* SC of 2^SC_BITS, configured RR TT_BUDGET_US */
pn_cptr_t tt_image_frame(const void *addr); /* bootinfo frame cap of an image address */
pn_cptr_t tt_device_frame(void);            /* a 4 KiB device frame */
pn_cptr_t tt_arena(void);                   /* the arena untyped (it has children) */

/* ---- threads ---- */

#define TT_MAX_THREADS 24
#define TT_STACK_SIZE 8192
#define TT_OUT_WORDS 32

typedef struct tt_thread tt_thread_t;
typedef void (*tt_fn_t)(tt_thread_t *);
struct tt_thread {
    int id;
    pn_cptr_t tcb;
    pn_cptr_t sc;          /* 0: none */
    pn_ipc_buffer_t *ipc;  /* NULL: none */
    pn_word_t stack_top;
    tt_fn_t fn;
    pn_word_t arg[8];      /* set by the test before starting */
    volatile pn_word_t out[TT_OUT_WORDS];
    volatile int done;     /* fn returned */
};

enum { TT_NO_SC = 1, TT_NO_IPC = 2 };

/* Creates a configured thread (root CSpace and VSpace, its IPC buffer unless TT_NO_IPC,
 * a round-robin SC unless TT_NO_SC, MCP 255, priority `prio`, fault handler `fault_ep`
 * (0 = none)); it does not run until started. */
tt_thread_t *tt_thread(pn_word_t prio, pn_cptr_t fault_ep, unsigned opts);
/* Starts fn(t) (WriteRegisters with resume); when fn returns the thread suspends itself. */
void tt_start(tt_thread_t *t, tt_fn_t fn);
/* Starts at `rip` with registers regs[0..count-1] (seL4_UserContext order) where
 * regs[PN_UC_RIP] and regs[PN_UC_RSP] are filled in if 0. */
void tt_start_regs(tt_thread_t *t, pn_word_t *regs, unsigned count);

/* Blocks the root task until no test thread can run (all blocked, inactive or without an
 * SC), i.e. lets every thread run as far as it can. */
void tt_settle(void);

/* The event log: threads append small numbers, the root task checks the order. */
#define TT_LOG_MAX 256
extern volatile unsigned tt_log_n;
extern volatile pn_word_t tt_log_buf[TT_LOG_MAX];
void tt_log(pn_word_t v);
/* CHECK_LOG(a, b, ...): the log holds exactly these values. */
void tt_check_log(const char *file, int line, unsigned n, const pn_word_t *want);
#define CHECK_LOG(...)                                                                  \
    do {                                                                                \
        const pn_word_t l_[] = {__VA_ARGS__};                                           \
        tt_check_log(__FILE__, __LINE__, (unsigned)(sizeof l_ / sizeof l_[0]), l_);     \
    } while (0)

/* ---- messages ---- */

static inline pn_msg_t tt_msg(pn_word_t label, pn_word_t length, pn_word_t mr0, pn_word_t mr1,
                              pn_word_t mr2, pn_word_t mr3)
{
    pn_msg_t m = {pn_msginfo(label, 0, 0, length), {mr0, mr1, mr2, mr3}};
    return m;
}

/* A distinct word for (message seed, index): used to check message contents. */
static inline pn_word_t tt_pattern(pn_word_t seed, unsigned i)
{
    return (seed * 0x9e3779b97f4a7c15ul) ^ ((pn_word_t)i * 0x0101010101010101ul) ^ i;
}

/* The root task's current TCB priority is 255 and MCP 255 (types.md §8.4). */
#define ROOT_PRIO 255

/* ---- probes (tprobe.S) ---- */

extern pn_word_t tt_probe_regs[PN_UC_COUNT]; /* registers at the probe's end */
/* Before starting a probe thread: where it finishes (signal done_ntfn if not 0, then
 * suspend itself on its own stack). */
void tt_probe_prepare(tt_thread_t *t, pn_cptr_t done_ntfn);
extern char tt_usp_entry[], tt_usp_insn[], tt_int_entry[], tt_int_insn[], tt_int255_entry[],
    tt_gp_entry[], tt_gp_insn[], tt_ud2_entry[], tt_ud2_insn[], tt_div_entry[],
    tt_div_insn[], tt_hlt_entry[], tt_hlt_insn[], tt_fpu_entry[], tt_fpu_nm_insn[],
    tt_fpu_pingpong[], tt_probe_syscall_insn[];
pn_word_t tt_probe_syscall(long number, pn_cptr_t cap, pn_word_t info, pn_cptr_t r12);
#endif
