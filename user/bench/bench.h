/*
 * Pecan's benchmark root task (docs/benchmarks.md): what the root task (main.c) and the
 * thread programs it starts (threads.c) agree on, and the timing macros.
 *
 * Time is the guest TSC, which under QEMU's -icount shift=0 advances exactly one tick per
 * guest instruction: every figure is a count of instructions, exact and repeatable.
 *
 * Every source file here is compiled with -mgeneral-regs-only: no code in a measured loop
 * touches an SSE register unless a benchmark asks for it (bench_touch_fpu, fpu.S), so a
 * thread's FPU is in use exactly when the benchmark says so.
 */
#ifndef PECAN_BENCH_H
#define PECAN_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <pecan/com1.h>
#include <pecan/pecan.h>

/* ---- sizes: sel4bench's RUNS = 16 samples, each the last of WARMUPS iterations, where
 * WARMUPS = RUNS + CONFIG_FPU_MAX_RESTORES_SINCE_SWITCH (64 by default on seL4 x86: enough
 * iterations that seL4's lazy FPU heuristic has settled) ---- */
#ifndef BENCH_QUICK
#define BENCH_QUICK 0
#endif
#if BENCH_QUICK
#define BENCH_RUNS 3
#define BENCH_WARMUPS 2
#else
#define BENCH_RUNS 16
#define BENCH_WARMUPS (16 + 64)
#endif
#define BENCH_MAX_RUNS 16

/* ---- the processes' address spaces (threads' IPC buffers and stacks: pecan/rootobj.h) ---- */
/* One page shared by the root and every process, at the same address everywhere. */
#define SHARED_VADDR 0x20000000ul
/* Where the root maps and unmaps a frame for the map/unmap benchmark. */
#define MAP_BENCH_VADDR 0x21000000ul

/* ---- a process's CSpace: a 16-slot CNode whose guard makes cptr n = slot n ---- */
enum proc_slot {
    S_EP = 1,          /* the benchmark endpoint (all rights) */
    S_REPLY0 = 2,      /* reply objects, one per thread of the process */
    S_REPLY1 = 3,
    S_REPLY2 = 4,
    S_READY = 5,       /* notification (Write): "the server waits" */
    S_DONE = 6,        /* notification (Write): "the benchmark is over" */
    S_IDLE = 7,        /* notification (Read) nobody signals: where threads park */
    S_NTFN = 8,        /* the notification of the signal benchmark (all rights) */
    S_IRQ_NTFN = 9,    /* the notification the COM1 IRQ handler signals (Read) */
    S_IRQ_HANDLER = 10,
    S_IOPORT = 11,     /* COM1's ports */
    S_FAULT_EP = 12,   /* the fault handler's endpoint (all rights) */
};

/* ---- the programs (threads.c) ---- */
enum bench_prog {
    PROG_CALL_START,     /* client: Call, timestamp before it (sel4bench ipc_call_func2) */
    PROG_CALL_END,       /* client: Call, timestamp after it returns (ipc_call_func) */
    PROG_RR_END,         /* server: ReplyRecv, timestamp after it returns (ipc_replyrecv_func2) */
    PROG_RR_START,       /* server: ReplyRecv, timestamp before it (ipc_replyrecv_func) */
    PROG_SEND_START,     /* Send (ipc_send_func) */
    PROG_RECV_END,       /* Recv (ipc_recv_func) */
    PROG_SIGNAL_START,   /* notification Signal */
    PROG_WAIT_END,       /* notification Wait */
    PROG_IRQ_TRIGGER,    /* enables COM1's transmitter-empty interrupt */
    PROG_IRQ_HANDLER,    /* waits for the interrupt, disables it again, acks */
    PROG_YIELD_ALONE,    /* Yield with nobody else at its priority */
    PROG_YIELD_A,        /* two threads yielding to each other: timestamp after */
    PROG_YIELD_B,        /* ... and before */
    PROG_FAULTER,        /* ud2, restarted past it by its handler */
    PROG_FAULT_HANDLER,
    PROG_PROBE,          /* is there a DebugCounters syscall (measuring kernel)? */
};

/* Pecan's DebugCounters (kernel/include/measure.h): the order of the counters. */
enum kc {
    KC_ENTRIES, KC_KERNEL_INSNS, KC_CR3_WRITES, KC_FPU_SAVES, KC_FPU_RESTORES,
    KC_SYSRET, KC_IRETQ, KC_MSR_WRITES, KC_SWAPGS, KC_COUNT
};
#define PROBE_LABEL 0x77

/* What a thread is told (in the shared page; rdi points at it). */
typedef struct thread_params {
    pn_word_t prog;
    pn_word_t runs, warmups;
    pn_word_t length;       /* message words */
    pn_word_t reply;        /* its reply object's slot */
    pn_word_t ipc_buffer;   /* its IPC buffer's address */
    pn_word_t fpu;          /* 1: execute an SSE instruction first (live FPU state) */
    pn_word_t count;        /* 1: take DebugCounters snapshots around the last sample */
    pn_word_t done;         /* 1: signal S_DONE at the end */
} thread_params_t;

/* The shared page. */
typedef struct shared {
    volatile pn_word_t start[BENCH_MAX_RUNS]; /* timestamp opening sample r */
    volatile pn_word_t end[BENCH_MAX_RUNS];   /* timestamp closing sample r */
    volatile pn_word_t mid[BENCH_MAX_RUNS];   /* fault round trip: the handler's receipt */
    /* DebugCounters snapshots: two back to back before the measured operation (their
     * difference is the cost of one snapshot), one after it. */
    volatile pn_word_t kc[3][KC_COUNT];
    volatile pn_word_t probe_ok;
    thread_params_t tp[4];
} shared_t;
_Static_assert(sizeof(shared_t) <= PN_PAGE_SIZE, "the shared page");

#define SHARED ((shared_t *)SHARED_VADDR)

/* ---- timing, as sel4bench reads the counter on x86-64 ----
 * Before the operation: cpuid (serialises), rdtsc.  After: rdtscp, then cpuid.  The value
 * read is kept in two 32-bit registers, as there.  A sample is (after - before) of one
 * operation; sel4bench then subtracts the overhead: the same two reads around the same
 * operation macro with its system call replaced by a two-byte nop. */
#define BENCH_BEFORE(var)                                                                \
    do {                                                                                 \
        uint32_t lo_, hi_;                                                               \
        __asm__ volatile("cpuid\n\trdtsc\n\tmovl %%edx, %0\n\tmovl %%eax, %1"            \
                         : "=r"(hi_), "=r"(lo_)                                          \
                         :                                                               \
                         : "rax", "rbx", "rcx", "rdx");                                  \
        (var) = (uint64_t)hi_ << 32 | lo_;                                               \
    } while (0)

#define BENCH_AFTER(var)                                                                 \
    do {                                                                                 \
        uint32_t lo_, hi_;                                                               \
        __asm__ volatile("rdtscp\n\tmovl %%edx, %0\n\tmovl %%eax, %1\n\tcpuid"           \
                         : "=r"(hi_), "=r"(lo_)                                          \
                         :                                                               \
                         : "rax", "rbx", "rcx", "rdx");                                  \
        (var) = (uint64_t)hi_ << 32 | lo_;                                               \
    } while (0)

#define INSN_SYSCALL "syscall"
#define INSN_NOP ".byte 0x66, 0x90"

/* The system call stubs of the measured loops: rsp parked in rbx around the SYSCALL, the
 * four message registers clobbered (a receive overwrites them). */
#define BENCH_CLOBBERS "rcx", "rbx", "r11", "r8", "r9", "r10", "r15", "memory"

#define BENCH_CALL(insn, ep, tag)                                                        \
    do {                                                                                 \
        pn_word_t ep_ = (ep), tag_ = (tag);                                              \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(ep_)                                         \
                         : "d"((pn_word_t)PN_SYS_CALL)                                   \
                         : BENCH_CLOBBERS);                                              \
    } while (0)

#define BENCH_REPLY_RECV(insn, ep, tag, reply)                                           \
    do {                                                                                 \
        pn_word_t ep_ = (ep), tag_ = (tag);                                              \
        register pn_word_t ro_ __asm__("r12") = (reply);                                 \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(ep_)                                         \
                         : "d"((pn_word_t)PN_SYS_REPLY_RECV), "r"(ro_)                   \
                         : BENCH_CLOBBERS);                                              \
    } while (0)

#define BENCH_SEND(insn, ep, tag)                                                        \
    do {                                                                                 \
        pn_word_t ep_ = (ep), tag_ = (tag);                                              \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(ep_)                                         \
                         : "d"((pn_word_t)PN_SYS_SEND)                                   \
                         : BENCH_CLOBBERS);                                              \
    } while (0)

#define BENCH_RECV(insn, ep, reply)                                                      \
    do {                                                                                 \
        pn_word_t ep_ = (ep), tag_ = 0;                                                  \
        register pn_word_t ro_ __asm__("r12") = (reply);                                 \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(ep_)                                         \
                         : "d"((pn_word_t)PN_SYS_RECV), "r"(ro_)                         \
                         : BENCH_CLOBBERS);                                              \
    } while (0)

#define BENCH_WAIT(insn, ntfn)                                                           \
    do {                                                                                 \
        pn_word_t ep_ = (ntfn), tag_ = 0;                                                \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(ep_)                                         \
                         : "d"((pn_word_t)PN_SYS_WAIT)                                   \
                         : BENCH_CLOBBERS);                                              \
    } while (0)

#define BENCH_YIELD(insn)                                                                \
    do {                                                                                 \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         :                                                               \
                         : "d"((pn_word_t)PN_SYS_YIELD)                                  \
                         : "rdi", "rsi", BENCH_CLOBBERS);                                \
    } while (0)

/* An invocation with up to four words, all in registers (MR0..MR3). */
#define BENCH_INVOKE4(insn, cap, tag, w0, w1, w2, w3)                                    \
    do {                                                                                 \
        pn_word_t cap_ = (cap), tag_ = (tag);                                            \
        register pn_word_t r10_ __asm__("r10") = (w0);                                   \
        register pn_word_t r8_ __asm__("r8") = (w1);                                     \
        register pn_word_t r9_ __asm__("r9") = (w2);                                     \
        register pn_word_t r15_ __asm__("r15") = (w3);                                   \
        __asm__ volatile("movq %%rsp, %%rbx\n\t" insn "\n\tmovq %%rbx, %%rsp"            \
                         : "+S"(tag_), "+D"(cap_), "+r"(r10_), "+r"(r8_), "+r"(r9_),     \
                           "+r"(r15_)                                                    \
                         : "d"((pn_word_t)PN_SYS_CALL)                                   \
                         : "rcx", "rbx", "r11", "memory");                               \
    } while (0)

/* The fault benchmark's faulting instruction (ud2, two bytes) or its nop stand-in. */
#define INSN_UD2 "ud2"
#define BENCH_FAULT(insn) __asm__ volatile(insn ::: "memory")

/* fpu.S: executes one SSE instruction (the first makes the thread an FPU user). */
void bench_touch_fpu(void);

/* threads.c: every program starts here, rdi = its parameters. */
__attribute__((noreturn)) void bench_thread(thread_params_t *p);

#define COM1 PN_COM1_BASE /* (registers and IRQ: pecan/com1.h) */

#endif
