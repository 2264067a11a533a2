/*
 * The hostile-syscall fuzzer's shared memory layout (issue 8, item 2).  Plain fixed-size
 * types only: this header is also compiled on the host by tools/fuzz-report.c, which reads
 * these structures out of the guest's RAM (a file, see tools/fuzz) after a failed run.
 *
 * Every fuzz thread has one context area (struct fz_ctx, FZ_CTX_PAGES pages) mapped both
 * in its own address space and in the root task's: its PRNG state, its record of the call
 * it is making, a ring of its last calls and its counters.  One global page (struct
 * fz_global) is shared by all of them.
 */
#ifndef PECAN_FUZZ_FUZZLOG_H
#define PECAN_FUZZ_FUZZLOG_H

#include <stdint.h>

#define FZ_MAGIC 0x5a5a4e4345504e46ull /* "FNPECNZZ": the start of every context area */
#define FZ_GLOBAL_MAGIC 0x4c424f4c47465a50ull

#define FZ_MAX_THREADS 4
#define FZ_LABELS 60        /* 0..58: invocation labels; 59: any larger (garbage) label */
#define FZ_RESULTS 13       /* 0..10 error codes, 11 other reply label, 12 no reply (aborted) */
#define FZ_RES_OTHER 11
#define FZ_RES_ABORTED 12
#define FZ_SYSCALLS 16      /* see fz_syscall_kind */
#define FZ_RING 32          /* compact records of the last calls */
#define FZ_KNOWN 96         /* slots the root told the thread about */
#define FZ_IPC_WORDS 120

/* What a fuzz call is (fz_call.kind). */
enum fz_syscall_kind {
    FZ_K_CALL, FZ_K_REPLY_RECV, FZ_K_NB_SEND_RECV, FZ_K_NB_SEND_WAIT, FZ_K_SEND,
    FZ_K_NB_SEND, FZ_K_RECV, FZ_K_NB_RECV, FZ_K_WAIT, FZ_K_NB_WAIT, FZ_K_YIELD,
    FZ_K_DEBUG,       /* a harmless debug call: CapIdentify, Preemptions, SetTLSBase */
    FZ_K_GARBAGE,     /* any other syscall number: an UnknownSyscall fault */
    FZ_K_INSN,        /* an instruction: int N, ud2, hlt, privileged, bad memory */
    FZ_K_COUNT
};

/* One call, as made (fz_ctx.cur holds the complete current call). */
struct fz_call {
    uint64_t seq;          /* global sequence number */
    uint64_t state;        /* 1 = issued, 2 = returned */
    uint64_t kind;         /* enum fz_syscall_kind */
    int64_t sysno;         /* rdx (for FZ_K_INSN: the instruction's number) */
    uint64_t cptr;         /* rdi */
    uint64_t info;         /* rsi */
    uint64_t mr[4];        /* r10 r8 r9 r15 */
    uint64_t r12, r13;
    uint64_t cap_type;     /* DebugCapIdentify of cptr just before the call */
    uint64_t out_badge, out_info, out_mr0; /* what came back */
    /* the IPC buffer as sent: msg[4..length) (only those), extra caps, receive slot */
    uint64_t caps[3];
    uint64_t recv[3];      /* receive_cnode, receive_index, receive_depth */
    uint64_t nwords;       /* words of ipc[] that are valid (= max(length, 4)) */
    uint64_t ipc[FZ_IPC_WORDS];
};

/* Compact record for the ring. */
struct fz_brief {
    uint64_t seq, state, kind;
    int64_t sysno;
    uint64_t cptr, info, mr0, cap_type, out_info;
};

struct fz_known {
    uint64_t cptr, type; /* type: enum pn_cap_type the root put there (bits 0..15); for a
                          * CNode cap how to address its slots (FZ_STYLE_*, bits 16..23)
                          * and its radix (bits 24..31) */
};
#define FZ_TYPE(t) ((t) & 0xffff)
#define FZ_STYLE(t) (((t) >> 16) & 0xff)
#define FZ_RADIX(t) (((t) >> 24) & 0xff)
#define FZ_STYLE_FULL 1   /* index = a whole cptr of the thread's CSpace, depth 64 */
#define FZ_STYLE_L2 2     /* index = a slot number, depth 64 (guard of 56 bits) */
#define FZ_STYLE_RAW 3    /* index = a slot number, depth = radix */
#define FZ_CNODE_TYPE(style, radix) (10u | (style) << 16 | (uint64_t)(radix) << 24)

struct fz_ctx {
    uint64_t magic;
    uint64_t id;                /* thread number */
    uint64_t epoch;
    uint64_t rng[2];            /* xorshift128+ state */
    uint64_t started;           /* calls begun (progress) */
    uint64_t returned;          /* calls that returned */
    uint64_t in_call;           /* 1 while a call is in flight (cur) */
    uint64_t ipc_vaddr;         /* its IPC buffer in its own address space */
    uint64_t global_vaddr;      /* struct fz_global in its own address space */
    uint64_t restarts;
    uint64_t nknown;
    uint64_t style;             /* addressing style of the CNode the current call names */
    struct fz_known known[FZ_KNOWN];
    /* counters */
    uint64_t by_kind[FZ_K_COUNT];
    uint64_t by_label[FZ_LABELS][FZ_RESULTS];  /* Call on a kernel object: reply label */
    uint64_t ring_next;
    struct fz_brief ring[FZ_RING];
    struct fz_call cur;
};

struct fz_global {
    uint64_t magic;
    uint64_t seed;
    uint64_t count;             /* calls to make in all */
    uint64_t seq;               /* calls begun in all (atomic) */
    uint64_t epoch;
    /* what the root task itself is doing (a kernel crash may happen during its own
     * invocations: building or tearing down a world, restarting a thread) */
    char root_doing[96];
};

#define FZ_PAGE 4096
#define FZ_CTX_PAGES ((sizeof(struct fz_ctx) + FZ_PAGE - 1) / FZ_PAGE)

/* Which reply label column a Call result goes in. */
static inline unsigned fz_result_column(uint64_t reply_label)
{
    return reply_label <= 10 ? (unsigned)reply_label : FZ_RES_OTHER;
}

#endif
