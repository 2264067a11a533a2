/*
 * Helpers for the MCS scheduling tests (issue 6): scheduling contexts, budgets, sporadic
 * servers, timeout faults, Consumed / YieldTo and the DomainSet cap.
 *
 * Every test is `MCS_TEST(name) { ... }`.  It gets a fresh 2^MCS_ARENA_BITS untyped (from
 * the issue-3 helpers' pools, slots from slot_alloc()); every object of the test is
 * retyped from it, and after the test -- also when a check fails, because FAIL is
 * redefined below to clean up first -- the arena is revoked (which deletes every thread
 * the test made) and the root task is put back at priority 255.  So no test leaves a
 * thread behind that could steal time from later tests.
 *
 * Time: the TSC (readable at user level) is the kernel's time base (semantics.md §6.1);
 * under -icount shift=0,sleep=off it runs at 1000 MHz of exact virtual time.  The tests
 * take the frequency from the TSC_FREQ bootinfo chunk and convert µs with US().
 *
 * Threads run in the root task's CSpace and VSpace (root CNode, PML4), with a stack and a
 * 1 KiB IPC buffer from static arrays of the image (IPC-buffer frame caps are bootinfo
 * userImageFrames).  Thread code never uses pn_ipc (the root task's buffer) or the CHECK
 * macros: it only makes register-only syscalls and writes its results to its mcs_thread_t.
 * Every spinning loop of a thread stops at mcs_hard_stop, so even a kernel that does not
 * enforce budgets cannot make the suite hang.
 *
 * Waiting: the root task runs at 255.  To let the test threads run it lowers itself to
 * MCS_ROOT_LOW_PRIO (2, below every test thread) and spins until a condition holds
 * (MCS_WAIT_UNTIL), then raises itself back to 255; it therefore runs only when no test
 * thread can.
 */
#ifndef PECAN_TESTS_MCS_H
#define PECAN_TESTS_MCS_H

#include "captest.h"

/* ---- tests with cleanup ---- */

void mcs_begin(void);
void mcs_cleanup(void);

#define MCS_TEST(name)                                                                  \
    static void mcs_body_##name(void);                                                  \
    TEST(name)                                                                          \
    {                                                                                   \
        mcs_begin();                                                                    \
        mcs_body_##name();                                                              \
        mcs_cleanup();                                                                  \
    }                                                                                   \
    static void mcs_body_##name(void)

/* Every CHECK* in the MCS test files cleans up before reporting the failure. */
#undef FAIL
#define FAIL(...) (mcs_cleanup(), test_fail(__FILE__, __LINE__, __VA_ARGS__))

/* Diagnostics: `# ...` lines, only when built with MCS_VERBOSE. */
#ifdef MCS_VERBOSE
#define MCS_NOTE(...) pn_printf("# " __VA_ARGS__)
#else
#define MCS_NOTE(...) ((void)0)
#endif

/* ---- replies ---- */

/* MCS_EXPECT(r, code, words...): as captest's EXPECT (label = code, badge 0, length =
 * number of words, each word), cleaning up on failure. */
void mcs_expect(const char *file, int line, const char *what, reply_t r, pn_word_t code,
                unsigned n, const pn_word_t *words);
#define MCS_EXPECT(r, code, ...)                                                        \
    do {                                                                                \
        const pn_word_t e_[] = {0, ##__VA_ARGS__};                                      \
        mcs_expect(__FILE__, __LINE__, #r, (r), (code),                                 \
                   (unsigned)(sizeof e_ / sizeof e_[0]) - 1, e_ + 1);                   \
    } while (0)
#define MCS_OK(r, ...) MCS_EXPECT(r, PN_NO_ERROR, ##__VA_ARGS__)

/* ---- time ---- */

static inline pn_word_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (pn_word_t)hi << 32 | lo;
}

extern pn_word_t mcs_mhz;               /* TSC MHz from the bootinfo */
#define US(us) ((pn_word_t)(us) * mcs_mhz)  /* µs -> TSC ticks */
#define MS(ms) US((pn_word_t)(ms) * 1000)
extern volatile pn_word_t mcs_hard_stop; /* every thread loop ends here (TSC) */
extern pn_word_t mcs_t0;                 /* a test's time origin (messages show T0 + x) */

/* MIN_BUDGET_US and MAX_PERIOD_US of invocations.md §3.6. */
#define MIN_BUDGET_US 20ul
pn_word_t max_period_us(void);

/* ---- objects (from the test's arena, in fresh root-CNode slots) ---- */

#define SCHED_CONTROL ((pn_cptr_t)pn_bootinfo->sched_control.start)
#define SELF_TCB ((pn_cptr_t)PN_CAP_SLOT_INIT_TCB)
#define ROOT_VSPACE ((pn_cptr_t)PN_CAP_SLOT_INIT_VSPACE)
#define ROOT_SC ((pn_cptr_t)PN_CAP_SLOT_INIT_SC)
#define DOMAIN_CAP ((pn_cptr_t)PN_CAP_SLOT_DOMAIN)
#define NULL_CAP ((pn_cptr_t)PN_CAP_SLOT_NULL)
#define SC_BITS 8 /* 256 bytes: max_refills = (256 - 96) / 16 = 10 */

pn_cptr_t mcs_new(pn_word_t type, pn_word_t size_bits);
pn_cptr_t mcs_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge);

/* SchedControl_ConfigureFlags (label 33) on `sc`: the whole reply. */
reply_t sc_configure(pn_cptr_t sc, pn_word_t budget_us, pn_word_t period_us,
                     pn_word_t extra_refills, pn_word_t badge, pn_word_t flags);
#define SPORADIC 1ul
/* A new SC (2^SC_BITS) configured as given (checked). */
pn_cptr_t mcs_sc(pn_word_t budget_us, pn_word_t period_us, pn_word_t extra_refills,
                 pn_word_t badge, pn_word_t flags);

/* SchedContext_Consumed (label 37) from the root task: MR0 in µs (checked: label 0,
 * length 1). */
pn_word_t sc_consumed(pn_cptr_t sc);

/* TCB_SetPriority of `tcb` with the root task as authority (checked). */
void set_prio(pn_cptr_t tcb, pn_word_t prio);

/* ---- threads ---- */

#define MCS_MAX_THREADS 8
#define MCS_STACK_SIZE 8192
#define MCS_BURSTS 16

typedef struct mcs_thread mcs_thread_t;
typedef void (*mcs_fn_t)(mcs_thread_t *);
struct mcs_thread {
    int id;
    pn_cptr_t tcb;
    pn_cptr_t sc;          /* 0: none */
    pn_ipc_buffer_t *ipc;
    pn_word_t stack_top;
    mcs_fn_t fn;
    pn_word_t arg[8];      /* set by the test */
    /* results, written by the thread */
    volatile pn_word_t run;      /* TSC ticks this thread ran inside its window */
    volatile pn_word_t first;    /* TSC when it first ran */
    volatile pn_word_t gaps;     /* times it was seen to be interrupted */
    volatile pn_word_t out[16];
    /* bursts: stretches of running separated by interruptions of >= MCS_BURST_GAP */
    volatile pn_word_t prev;                       /* last TSC read in a loop */
    volatile pn_word_t nburst;
    volatile pn_word_t burst_start[MCS_BURSTS];    /* TSC at its first instruction */
    volatile pn_word_t burst_len[MCS_BURSTS];      /* ticks run in it */
    volatile int phase;
    volatile int done;           /* fn returned (the thread then suspends itself) */
};

/* A thread with the root's CSpace/VSpace, its IPC buffer, MCP 255, priority `prio`, the
 * SC `sc` (0: none) and no fault handler.  It does not run until mcs_start(). */
mcs_thread_t *mcs_thread(pn_word_t prio, pn_cptr_t sc);
/* WriteRegisters with resume_target: fn(t) runs; when it returns the thread suspends. */
void mcs_start(mcs_thread_t *t, mcs_fn_t fn);

/* Thread side: spins until the TSC reaches `stop` (or mcs_hard_stop), adding to t->run
 * every interval between two TSC reads that is shorter than MCS_GAP and lies inside
 * [w0, w1): the time this thread itself ran in that window. */
#define MCS_GAP 1500ul /* ticks: far longer than one loop iteration */
#define MCS_BURST_GAP US(10)
void mcs_spin(mcs_thread_t *t, pn_word_t w0, pn_word_t w1, pn_word_t stop);
/* Thread side: spins until it has itself run `ticks` (counting as above) or hard stop. */
void mcs_burn(mcs_thread_t *t, pn_word_t ticks);
/* Both also log the thread's bursts (burst_start/burst_len). */

/* Root side: prints t's bursts (MCS_VERBOSE only). */
void mcs_note_bursts(mcs_thread_t *t);
/* Root side: burst k of t started at `start` +- tol_start and ran `len` +- tol_len. */
void check_burst(const char *file, int line, mcs_thread_t *t, unsigned k, pn_word_t start,
                 pn_word_t tol_start, pn_word_t len, pn_word_t tol_len);
#define CHECK_BURST(t, k, start, tol_start, len, tol_len)                               \
    check_burst(__FILE__, __LINE__, (t), (k), (start), (tol_start), (len), (tol_len))
/* Thread side: TCB_Suspend on itself. */
void mcs_suspend_self(mcs_thread_t *t);
/* Thread side: blocks for good (Wait on a notification nobody signals). */
void mcs_block_forever(mcs_thread_t *t);

/* ---- the root task waiting ---- */

#define MCS_ROOT_LOW_PRIO 2
void mcs_root_low(void);  /* root to MCS_ROOT_LOW_PRIO */
void mcs_root_high(void); /* root back to 255 */
/* Lowers the root task, spins until cond holds (FAIL at mcs_hard_stop), raises it again. */
#define MCS_WAIT_UNTIL(cond, what)                                                      \
    do {                                                                                \
        mcs_root_low();                                                                 \
        while (!(cond)) {                                                               \
            if (rdtsc() >= mcs_hard_stop)                                               \
                FAIL("timed out waiting for %s", what);                                 \
        }                                                                               \
        mcs_root_high();                                                                \
    } while (0)

/* ---- messages ---- */

typedef struct mcs_msg {
    pn_word_t info;  /* 0: nothing arrived */
    pn_word_t badge;
    pn_word_t mr[4];
    pn_word_t at;    /* TSC when the root task got it */
} mcs_msg_t;

/* Root side: NBRecv on `ep` with reply object `reply`, polled at MCS_ROOT_LOW_PRIO until a
 * message arrives (FAIL at mcs_hard_stop) or, for mcs_poll_recv_until, until the TSC
 * reaches `deadline` (then info = 0). */
mcs_msg_t mcs_poll_recv(pn_cptr_t ep, pn_cptr_t reply);
mcs_msg_t mcs_poll_recv_until(pn_cptr_t ep, pn_cptr_t reply, pn_word_t deadline);
/* Root side: Send on a reply cap: label, n words (MR4+ from the root's IPC buffer). */
void mcs_reply(pn_cptr_t reply, pn_word_t label, unsigned n, const pn_word_t *words);
/* Either side: Send on a notification (a signal, syscalls.md §2). */
void mcs_signal(pn_cptr_t ntfn);

/* |actual - expected| <= tol, all in ticks, reported in µs. */
#define CHECK_NEAR(actual, expected, tol)                                               \
    do {                                                                                \
        pn_word_t a_ = (pn_word_t)(actual), e_ = (pn_word_t)(expected),                 \
                  t_ = (pn_word_t)(tol);                                                \
        pn_word_t d_ = a_ > e_ ? a_ - e_ : e_ - a_;                                     \
        if (d_ > t_)                                                                    \
            FAIL("%s: expected %lu us +- %lu us, got %lu us (ticks: %lu vs %lu)",       \
                 #actual, e_ / mcs_mhz, t_ / mcs_mhz, a_ / mcs_mhz, a_, e_);            \
    } while (0)

#endif
