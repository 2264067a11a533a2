/*
 * Pecan's benchmark root task (`make bench`, docs/benchmarks.md).
 *
 * Built to run on the release kernel (build/pecan-bench.elf: no debug system calls), so
 * it prints through its own COM1 driver and ends the run through QEMU's isa-debug-exit
 * port.  On a measuring kernel (MEASURE=1) it also counts, around one operation of each
 * benchmark, the kernel's DebugCounters: kernel entries and instructions, CR3 writes, FPU
 * saves and restores, SYSRET/IRETQ, MSR writes, SWAPGS.
 *
 * Output, one line per benchmark (tools/bench turns them into build/bench/results.json):
 *   BENCH {"name": ..., "unit": "instructions", "samples": N, "min": .., "median": ..,
 *          "max": .., "overhead": .., "raw_median": ..}
 *   BENCHCOUNT {"name": ..., "raw": .., "entries": .., "kernel": .., "cr3_writes": .., ...}
 * and last "BENCH DONE benchmarks=N".
 */
#include <pecan/com1.h>
#include <pecan/rootobj.h>
#include "bench.h"
#include <stdbool.h>

#define SYSTEM_UNTYPED_BITS 22 /* 4 MiB for everything */
#define PRIO_HI 254            /* sel4bench's seL4_MaxPrio - 1; the root is 255 */
#define PRIO_SEND_CLIENT 253   /* sel4bench's Send row: 253 -> 254 */
#define PRIO_LOW 1             /* the signal benchmark's signaller */
#define SC_US 1000000          /* 1 s budgets: no timer interrupt in a benchmark */

#define OVERHEAD_RETRIES 4

static unsigned runs = BENCH_RUNS, warmups = BENCH_WARMUPS;
static bool measuring; /* the kernel has DebugCounters */
static unsigned nbench;

/* ---- the system ---- */
static process_t pa, pb; /* pa: clients (threads 0, 2) and the same-space server (1) */
static pn_cptr_t sc_a, sc_b;
static pn_cptr_t ready, done, fault_ep, root_reply, com1_port;
static pn_cptr_t faulter_fault_ep; /* root slot: badged cap for the faulter's TCB */
static pn_cptr_t exit_port;        /* IOPort cap for QEMU's isa-debug-exit (0 until issued) */

/* How a failure (fail(), pecan/rootobj.h) ends the run: a COM1 message, then a failing
 * QEMU exit status. */
void fail_report(const char *fmt, va_list ap)
{
    char buf[256];
    pn_vsnprintf(buf, sizeof(buf), fmt, ap);
    pn_com1_printf("BENCH FAILED: %s\n", buf);
    if (exit_port)
        pn_qemu_exit(exit_port, 1); /* QEMU status 3: not a normal halt */
}

/* A process with `threads` threads and the shared page. */
static void process_new(process_t *p, unsigned threads, pn_cptr_t shared_frame)
{
    process_create(p);
    map_frame(p->pml4, cap_mint(shared_frame, PN_RIGHTS_RW, 0), SHARED_VADDR, PN_RIGHTS_RW);
    for (unsigned k = 0; k < threads; k++)
        thread_create(p);
}

static void thread_suspend(process_t *p, unsigned k)
{
    must(invoke(p->tcb[k], PN_TCB_SUSPEND, NO_WORDS, NO_CAPS), "TCB_Suspend");
}

/* ---- statistics ---- */
typedef struct stats {
    pn_word_t n, min, median, max;
} stats_t;

static void sort(pn_word_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            pn_word_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static stats_t stats_of(pn_word_t *v, unsigned n)
{
    sort(v, n);
    stats_t s = {n, v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1]};
    return s;
}

/* ---- overheads, as sel4bench measures them: the counter reads around the operation's
 * stub with its system call replaced by a nop; the minimum over the runs after the
 * first; retried up to OVERHEAD_RETRIES times until the runs agree ---- */
enum overhead { OV_CALL, OV_REPLY_RECV, OV_SEND, OV_RECV, OV_WAIT, OV_YIELD, OV_INVOKE, OV_FAULT, OV_COUNT };
static const char *const overhead_names[OV_COUNT] = {
    "call", "reply_recv", "send", "recv", "wait", "yield", "invoke", "fault",
};
static pn_word_t overhead[OV_COUNT];

#define MEASURE_OVERHEAD(id, op)                                                         \
    do {                                                                                 \
        pn_word_t v_[BENCH_MAX_RUNS];                                                    \
        for (unsigned t_ = 0; t_ < OVERHEAD_RETRIES; t_++) {                             \
            bool stable_ = true;                                                         \
            for (unsigned j_ = 0; j_ < runs; j_++) {                                     \
                pn_word_t s_ = 0, e_ = 0;                                                \
                for (unsigned k_ = 0; k_ < warmups; k_++) {                              \
                    BENCH_BEFORE(s_);                                                    \
                    op;                                                                  \
                    BENCH_AFTER(e_);                                                     \
                }                                                                        \
                v_[j_] = e_ - s_;                                                        \
                if (j_ > 1 && v_[j_] != v_[j_ - 1])                                      \
                    stable_ = false;                                                     \
            }                                                                            \
            if (stable_)                                                                 \
                break;                                                                   \
        }                                                                                \
        pn_word_t min_ = v_[runs > 1 ? 1 : 0];                                           \
        for (unsigned j_ = 1; j_ < runs; j_++)                                           \
            if (v_[j_] < min_)                                                           \
                min_ = v_[j_];                                                           \
        overhead[id] = min_;                                                             \
    } while (0)

static void measure_overheads(void)
{
    pn_word_t tag = pn_msginfo(0, 0, 0, 0);
    MEASURE_OVERHEAD(OV_CALL, BENCH_CALL(INSN_NOP, 0, tag));
    MEASURE_OVERHEAD(OV_REPLY_RECV, BENCH_REPLY_RECV(INSN_NOP, 0, tag, 0));
    MEASURE_OVERHEAD(OV_SEND, BENCH_SEND(INSN_NOP, 0, tag));
    MEASURE_OVERHEAD(OV_RECV, BENCH_RECV(INSN_NOP, 0, 0));
    MEASURE_OVERHEAD(OV_WAIT, BENCH_WAIT(INSN_NOP, 0));
    MEASURE_OVERHEAD(OV_YIELD, BENCH_YIELD(INSN_NOP));
    MEASURE_OVERHEAD(OV_INVOKE, BENCH_INVOKE4(INSN_NOP, 0, tag, 0, 0, 0, 0));
    MEASURE_OVERHEAD(OV_FAULT, BENCH_FAULT(INSN_NOP));
    for (unsigned i = 0; i < OV_COUNT; i++)
        pn_com1_printf("overhead %-10s %lu\n", overhead_names[i], overhead[i]);
}

/* ---- reporting ---- */
static void report(const char *name, const char *what, pn_word_t *samples, unsigned n,
                   enum overhead ov, pn_word_t ops)
{
    pn_word_t raw[BENCH_MAX_RUNS];
    for (unsigned i = 0; i < n; i++) {
        raw[i] = samples[i];
        samples[i] = (samples[i] > overhead[ov] ? samples[i] - overhead[ov] : 0) / ops;
    }
    stats_t r = stats_of(raw, n);
    stats_t s = stats_of(samples, n);
    pn_com1_printf("BENCH {\"name\": \"%s\", \"description\": \"%s\", \"unit\": \"instructions\", "
                   "\"samples\": %lu, \"min\": %lu, \"median\": %lu, \"max\": %lu, "
                   "\"overhead\": %lu, \"raw_median\": %lu}\n",
                   name, what, s.n, s.min, s.median, s.max, overhead[ov], r.median);
    nbench++;
}

static const char *const kc_names[KC_COUNT] = {
    "entries", "kernel", "cr3_writes", "fpu_saves", "fpu_restores", "sysret", "iretq",
    "msr_writes", "swapgs",
};

/* The counters of one operation: snapshot 2 - snapshot 1 - (snapshot 1 - snapshot 0). */
static void report_counts(const char *name, pn_word_t raw)
{
    if (!measuring)
        return;
    pn_word_t d[KC_COUNT];
    for (unsigned c = 0; c < KC_COUNT; c++)
        d[c] = SHARED->kc[2][c] - 2 * SHARED->kc[1][c] + SHARED->kc[0][c];
    pn_com1_printf("BENCHCOUNT {\"name\": \"%s\", \"raw\": %lu", name, raw);
    for (unsigned c = 0; c < KC_COUNT; c++)
        pn_com1_printf(", \"%s\": %lu", kc_names[c], d[c]);
    pn_com1_printf("}\n");
}

/* Samples from the shared page: |end - start| (as sel4bench). */
static void collect(pn_word_t *samples)
{
    for (unsigned r = 0; r < runs; r++) {
        pn_word_t s = SHARED->start[r], e = SHARED->end[r];
        samples[r] = e > s ? e - s : s - e;
    }
}

static void clear_shared(void)
{
    for (unsigned r = 0; r < BENCH_MAX_RUNS; r++)
        SHARED->start[r] = SHARED->end[r] = SHARED->mid[r] = 0;
    for (unsigned k = 0; k < 3; k++)
        for (unsigned c = 0; c < KC_COUNT; c++)
            SHARED->kc[k][c] = 0;
}

static void wait_ntfn(pn_cptr_t ntfn)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_wait(ntfn, &m);
}

static thread_params_t *params(unsigned i, pn_word_t prog, pn_word_t length, pn_word_t reply,
                               unsigned k, pn_word_t fpu, pn_word_t count, pn_word_t signal_done)
{
    thread_params_t *p = &SHARED->tp[i];
    p->prog = prog;
    p->runs = runs;
    p->warmups = warmups;
    p->length = length;
    p->reply = reply;
    p->ipc_buffer = THREAD_IPC(k);
    p->fpu = fpu;
    p->count = count;
    p->done = signal_done;
    return p;
}

static void unbind_scs(void)
{
    /* either may be unbound already */
    invoke(sc_a, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS);
    invoke(sc_b, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS);
}

/* One two-thread benchmark: the "first" thread (a server, waiter, handler) starts and
 * blocks; optionally made passive; then the "second" starts and, when it is done,
 * signals the root.  first_ready: the first thread signals S_READY once it waits. */
typedef struct role {
    process_t *proc;
    unsigned k;
    pn_word_t prio;
    pn_word_t prog;
    pn_word_t fpu;
    pn_word_t fault_ep;
} role_t;

static void run_two(role_t *first, role_t *second, pn_word_t length, bool first_ready,
                    bool passive)
{
    clear_shared();
    unbind_scs();
    pn_word_t reply1 = S_REPLY0 + first->k, reply2 = S_REPLY0 + second->k;
    params(0, first->prog, length, reply1, first->k, first->fpu, measuring, 0);
    params(1, second->prog, length, reply2, second->k, second->fpu, measuring, 1);
    thread_sched(first->proc, first->k, first->prio, sc_b, first->fault_ep);
    thread_start(first->proc, first->k, bench_thread, (pn_word_t)&SHARED->tp[0], 0, 0);
    if (first_ready) {
        wait_ntfn(ready);
        if (passive)
            must(invoke(sc_b, PN_SCHED_CONTEXT_UNBIND, NO_WORDS, NO_CAPS),
                 "SchedContext_Unbind (passive server)");
    }
    thread_sched(second->proc, second->k, second->prio, sc_a, second->fault_ep);
    thread_start(second->proc, second->k, bench_thread, (pn_word_t)&SHARED->tp[1], 0, 0);
    wait_ntfn(done);
    thread_suspend(second->proc, second->k);
    thread_suspend(first->proc, first->k);
    unbind_scs();
}

/* ---- IPC rows (sel4bench's "One way IPC microbenchmarks") ---- */
enum ipc_kind { K_CALL, K_REPLY_RECV, K_SEND };
typedef struct ipc_row {
    const char *name, *what;
    enum ipc_kind kind;
    bool same_space;
    unsigned length;
    bool client_fpu, server_fpu, passive;
} ipc_row_t;

static const ipc_row_t ipc_rows[] = {
    {"ipc_call_diff_0", "Call, 0 words, other AS", K_CALL, false, 0, false, false, true},
    {"ipc_replyrecv_diff_0", "ReplyRecv, 0 words, other AS", K_REPLY_RECV, false, 0, false, false, true},
    {"ipc_call_same_0", "Call, 0 words, same AS", K_CALL, true, 0, false, false, true},
    {"ipc_replyrecv_same_0", "ReplyRecv, 0 words, same AS", K_REPLY_RECV, true, 0, false, false, true},
    {"ipc_call_diff_4", "Call, 4 words, other AS", K_CALL, false, 4, false, false, true},
    {"ipc_replyrecv_diff_4", "ReplyRecv, 4 words, other AS", K_REPLY_RECV, false, 4, false, false, true},
    {"ipc_call_same_4", "Call, 4 words, same AS", K_CALL, true, 4, false, false, true},
    {"ipc_replyrecv_same_4", "ReplyRecv, 4 words, same AS", K_REPLY_RECV, true, 4, false, false, true},
    {"ipc_call_diff_10", "Call, 10 words, other AS, active server", K_CALL, false, 10, false, false, false},
    {"ipc_replyrecv_diff_10", "ReplyRecv, 10 words, other AS, active server", K_REPLY_RECV, false, 10, false, false, false},
    {"ipc_call_same_10", "Call, 10 words, same AS, active server", K_CALL, true, 10, false, false, false},
    {"ipc_replyrecv_same_10", "ReplyRecv, 10 words, same AS, active server", K_REPLY_RECV, true, 10, false, false, false},
    {"ipc_send_diff_0", "Send 253 -> 254, 0 words, other AS", K_SEND, false, 0, false, false, false},
    {"ipc_call_diff_0_clientfpu", "Call, 0 words, other AS, client FPU in use", K_CALL, false, 0, true, false, true},
    {"ipc_replyrecv_diff_0_clientfpu", "ReplyRecv, 0 words, other AS, client FPU in use", K_REPLY_RECV, false, 0, true, false, true},
    {"ipc_call_same_0_clientfpu", "Call, 0 words, same AS, client FPU in use", K_CALL, true, 0, true, false, true},
    {"ipc_replyrecv_same_0_clientfpu", "ReplyRecv, 0 words, same AS, client FPU in use", K_REPLY_RECV, true, 0, true, false, true},
    {"ipc_call_diff_4_clientfpu", "Call, 4 words, other AS, client FPU in use", K_CALL, false, 4, true, false, true},
    {"ipc_replyrecv_diff_4_clientfpu", "ReplyRecv, 4 words, other AS, client FPU in use", K_REPLY_RECV, false, 4, true, false, true},
    {"ipc_call_diff_0_serverfpu", "Call, 0 words, other AS, server FPU in use (sel4bench's (FPU) row)", K_CALL, false, 0, false, true, true},
    {"ipc_replyrecv_diff_0_serverfpu", "ReplyRecv, 0 words, other AS, server FPU in use (sel4bench's (FPU) row)", K_REPLY_RECV, false, 0, false, true, true},
};

/* Threads: clients are pa thread 0 (never touches the FPU) or 2 (FPU rows); servers are
 * pa thread 1 (same address space) or pb thread 0 (pb thread 1 for the server-FPU rows).
 * A thread that used the FPU once stays an FPU user: those threads serve only FPU rows. */
static void run_ipc_row(const ipc_row_t *row)
{
    role_t client = {&pa, row->client_fpu ? 2 : 0, PRIO_HI, 0, row->client_fpu, 0};
    role_t server = {row->same_space ? &pa : &pb, row->same_space ? 1 : row->server_fpu ? 1 : 0,
                     PRIO_HI, 0, row->server_fpu, 0};
    enum overhead ov;
    switch (row->kind) {
    case K_CALL:
        client.prog = PROG_CALL_START, server.prog = PROG_RR_END, ov = OV_CALL;
        break;
    case K_REPLY_RECV:
        client.prog = PROG_CALL_END, server.prog = PROG_RR_START, ov = OV_REPLY_RECV;
        break;
    default:
        client.prog = PROG_SEND_START, server.prog = PROG_RECV_END, ov = OV_SEND;
        client.prio = PRIO_SEND_CLIENT;
        break;
    }
    run_two(&server, &client, row->length, row->kind != K_SEND, row->passive);
    pn_word_t samples[BENCH_MAX_RUNS];
    collect(samples);
    pn_word_t last = samples[runs - 1];
    report(row->name, row->what, samples, runs, ov, 1);
    report_counts(row->name, last);
}

/* ---- the other two-thread benchmarks ---- */
static void run_signal(void)
{
    role_t waiter = {&pb, 0, PRIO_HI, PROG_WAIT_END, 0, 0};
    role_t signaller = {&pa, 0, PRIO_LOW, PROG_SIGNAL_START, 0, 0};
    run_two(&waiter, &signaller, 0, false, false);
    pn_word_t samples[BENCH_MAX_RUNS];
    collect(samples);
    pn_word_t last = samples[runs - 1];
    report("signal_diff", "Signal to a higher-priority waiter (1 -> 254), other AS", samples,
           runs, OV_SEND, 1);
    report_counts("signal_diff", last);
}

static void com1_out(pn_word_t reg, pn_word_t value)
{
    must(invoke(com1_port, PN_X86_IOPORT_OUT8, W(COM1 + reg, value), NO_CAPS), "X86_IOPort_Out8");
}

static void run_irq(void)
{
    com1_out(UART_IER, 0);
    com1_out(UART_MCR, 0x0b); /* DTR, RTS, OUT2: the UART's interrupt reaches the IOAPIC */
    role_t handler = {&pb, 0, PRIO_HI, PROG_IRQ_HANDLER, 0, 0};
    role_t trigger = {&pa, 0, PRIO_HI - 1, PROG_IRQ_TRIGGER, 0, 0};
    run_two(&handler, &trigger, 0, false, false);
    com1_out(UART_IER, 0);
    com1_out(UART_MCR, 0x03);
    pn_word_t samples[BENCH_MAX_RUNS];
    collect(samples);
    pn_word_t last = samples[runs - 1];
    report("irq_user_diff",
           "COM1 interrupt: Out8 enabling it -> handler after Wait (IOAPIC pin 4), other AS",
           samples, runs, OV_INVOKE, 1);
    report_counts("irq_user_diff", last);
}

static void run_yield(void)
{
    /* alone: one thread, nobody else at its priority */
    clear_shared();
    unbind_scs();
    params(1, PROG_YIELD_ALONE, 0, S_REPLY0, 0, 0, measuring, 1);
    thread_sched(&pa, 0, PRIO_HI, sc_a, 0);
    thread_start(&pa, 0, bench_thread, (pn_word_t)&SHARED->tp[1], 0, 0);
    wait_ntfn(done);
    thread_suspend(&pa, 0);
    unbind_scs();
    pn_word_t samples[BENCH_MAX_RUNS];
    collect(samples);
    pn_word_t last = samples[runs - 1];
    report("yield_alone", "Yield, no other thread at the priority", samples, runs, OV_YIELD, 1);
    report_counts("yield_alone", last);

    /* two threads in two address spaces yielding to each other: A first, then B */
    role_t a = {&pa, 0, PRIO_HI, PROG_YIELD_A, 0, 0};
    role_t b = {&pb, 0, PRIO_HI, PROG_YIELD_B, 0, 0};
    clear_shared();
    unbind_scs();
    params(0, PROG_YIELD_A, 0, S_REPLY0, 0, 0, measuring, 1);
    params(1, PROG_YIELD_B, 0, S_REPLY0, 0, 0, measuring, 0);
    thread_sched(a.proc, a.k, a.prio, sc_a, 0);
    thread_sched(b.proc, b.k, b.prio, sc_b, 0);
    thread_start(a.proc, a.k, bench_thread, (pn_word_t)&SHARED->tp[0], 0, 0);
    thread_start(b.proc, b.k, bench_thread, (pn_word_t)&SHARED->tp[1], 0, 0);
    wait_ntfn(done);
    thread_suspend(a.proc, a.k);
    thread_suspend(b.proc, b.k);
    unbind_scs();
    collect(samples);
    last = samples[runs - 1];
    report("yield_switch_diff", "Yield to a thread of the same priority, other AS", samples, runs,
           OV_YIELD, 1);
    report_counts("yield_switch_diff", last);
}

static void run_fault(void)
{
    role_t handler = {&pb, 0, PRIO_HI, PROG_FAULT_HANDLER, 0, 0};
    role_t faulter = {&pa, 0, PRIO_HI - 1, PROG_FAULTER, 0, faulter_fault_ep};
    run_two(&handler, &faulter, 0, false, false);
    pn_word_t samples[BENCH_MAX_RUNS];
    collect(samples);
    pn_word_t last = samples[runs - 1];
    report("fault_roundtrip_diff",
           "ud2 -> UserException to a handler in another AS -> reply -> resumed", samples, runs,
           OV_FAULT, 1);
    report_counts("fault_roundtrip_diff", last);
}

/* ---- benchmarks in the root task itself ---- */
/* One timed invocation with MR0..3 in registers (more words and the extra caps are set
 * in the IPC buffer beforehand).  Returns the sample; *err = the reply's label. */
static pn_word_t timed_invoke(pn_cptr_t cap, pn_word_t tag, pn_word_t w0, pn_word_t w1,
                              pn_word_t w2, pn_word_t w3, pn_word_t *err)
{
    pn_word_t s, e, info = tag, c = cap;
    register pn_word_t r10 __asm__("r10") = w0;
    register pn_word_t r8 __asm__("r8") = w1;
    register pn_word_t r9 __asm__("r9") = w2;
    register pn_word_t r15 __asm__("r15") = w3;
    BENCH_BEFORE(s);
    __asm__ volatile("movq %%rsp, %%rbx\n\tsyscall\n\tmovq %%rbx, %%rsp"
                     : "+S"(info), "+D"(c), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r15)
                     : "d"((pn_word_t)PN_SYS_CALL)
                     : "rcx", "rbx", "r11", "memory");
    BENCH_AFTER(e);
    *err = pn_msginfo_label(info);
    return e - s;
}

static void run_retype(pn_cptr_t ut, unsigned n, pn_word_t type, pn_word_t bits,
                       const char *name, const char *what)
{
    pn_cptr_t first = slot_alloc();
    for (unsigned i = 1; i < n; i++)
        slot_alloc();
    pn_word_t samples[BENCH_MAX_RUNS + 1];
    for (unsigned r = 0; r <= runs; r++) { /* sample 0: warm-up, dropped */
        must(invoke(ROOT_CNODE, PN_CNODE_REVOKE, W(ut, 64), NO_CAPS), "CNode_Revoke");
        pn_ipc->msg[4] = first;
        pn_ipc->msg[5] = n;
        pn_ipc->caps_or_badges[0] = ROOT_CNODE;
        pn_word_t err;
        samples[r] = timed_invoke(ut, pn_msginfo(PN_UNTYPED_RETYPE, 0, 1, 6), type, bits, 0, 0, &err);
        must(err, "Untyped_Retype (timed)");
    }
    must(invoke(ROOT_CNODE, PN_CNODE_REVOKE, W(ut, 64), NO_CAPS), "CNode_Revoke");
    report(name, what, samples + 1, runs, OV_INVOKE, 1);
}

static void run_map(void)
{
    pn_cptr_t frame = obj_new(PN_OBJ_X86_4K, 0);
    map_frame(PN_CAP_SLOT_INIT_VSPACE, frame, MAP_BENCH_VADDR, PN_RIGHTS_RW); /* paging structures */
    must(invoke(frame, PN_X86_PAGE_UNMAP, NO_WORDS, NO_CAPS), "X86_Page_Unmap");
    pn_word_t map[BENCH_MAX_RUNS + 1], unmap[BENCH_MAX_RUNS + 1], err;
    for (unsigned r = 0; r <= runs; r++) { /* sample 0: warm-up, dropped */
        pn_ipc->caps_or_badges[0] = PN_CAP_SLOT_INIT_VSPACE;
        map[r] = timed_invoke(frame, pn_msginfo(PN_X86_PAGE_MAP, 0, 1, 3), MAP_BENCH_VADDR,
                              PN_RIGHTS_RW, PN_X86_WRITE_BACK, 0, &err);
        must(err, "X86_Page_Map (timed)");
        unmap[r] = timed_invoke(frame, pn_msginfo(PN_X86_PAGE_UNMAP, 0, 0, 0), 0, 0, 0, 0, &err);
        must(err, "X86_Page_Unmap (timed)");
    }
    report("frame_map", "X86_Page_Map of a 4 KiB frame (page table present)", map + 1, runs,
           OV_INVOKE, 1);
    report("frame_unmap", "X86_Page_Unmap of a 4 KiB frame", unmap + 1, runs, OV_INVOKE, 1);
}

/* ---- set-up ---- */
/* Is this a measuring kernel?  A thread tries DebugCounters; the root is its fault
 * handler and hears either its message or its UnknownSyscall fault. */
static bool probe_measuring(void)
{
    SHARED->probe_ok = 0;
    params(0, PROG_PROBE, 0, S_REPLY0, 0, 0, 0, 0);
    thread_sched(&pa, 0, PRIO_HI, sc_a, faulter_fault_ep);
    thread_start(&pa, 0, bench_thread, (pn_word_t)&SHARED->tp[0], 0, 0);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(fault_ep, &m, root_reply);
    thread_suspend(&pa, 0);
    unbind_scs();
    return pn_msginfo_label(m.info) == PROBE_LABEL && SHARED->probe_ok;
}

static void setup(void)
{
    pn_cptr_t boot_ut = ram_untyped(SYSTEM_UNTYPED_BITS, NULL);
    pn_cptr_t ut = slot_alloc();
    must(invoke(boot_ut, PN_UNTYPED_RETYPE, W(PN_OBJ_UNTYPED, SYSTEM_UNTYPED_BITS, 0, 0, ut, 1),
                C(ROOT_CNODE)),
         "carving the benchmarks' untyped");
    objects_from(ut);

    /* the root's own SC: a long budget, so no timer interrupt falls into a benchmark */
    pn_word_t err = invoke(pn_bootinfo->sched_control.start, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                           W(SC_US, SC_US, 0, 0, 0), C(PN_CAP_SLOT_INIT_SC));
    if (err)
        pn_com1_printf("note: the root's SC keeps its budget (error %lu)\n", err);

    pn_cptr_t shared_frame = obj_new(PN_OBJ_X86_4K, 0);
    map_frame(PN_CAP_SLOT_INIT_VSPACE, shared_frame, SHARED_VADDR, PN_RIGHTS_RW);

    pn_cptr_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    ready = obj_new(PN_OBJ_NOTIFICATION, 0);
    done = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t idle = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t irq_ntfn = obj_new(PN_OBJ_NOTIFICATION, 0);
    fault_ep = obj_new(PN_OBJ_ENDPOINT, 0);
    root_reply = obj_new(PN_OBJ_REPLY, 0);
    faulter_fault_ep = cap_mint(fault_ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1);

    /* COM1's interrupt, delivered to irq_ntfn */
    pn_cptr_t irq_handler = slot_alloc();
    must(invoke(PN_CAP_SLOT_IRQ_CONTROL, PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
                W(irq_handler, 64, 0, COM1_IRQ, 0 /* edge */, 0 /* active high */, COM1_VECTOR),
                C(ROOT_CNODE)),
         "IRQControl_GetIOAPIC (COM1)");
    must(invoke(irq_handler, PN_IRQ_SET_IRQ_HANDLER, NO_WORDS,
                C(cap_mint(irq_ntfn, PN_RIGHT_WRITE, 1ul << COM1_IRQ))),
         "IRQHandler_SetNotification");

    process_new(&pa, 3, shared_frame);
    process_new(&pb, 2, shared_frame);
    process_t *procs[] = {&pa, &pb};
    for (unsigned i = 0; i < 2; i++) {
        process_t *p = procs[i];
        process_give(p, S_EP, ep, PN_RIGHTS_ALL, 0);
        for (unsigned k = 0; k < p->threads; k++)
            process_give(p, S_REPLY0 + k, obj_new(PN_OBJ_REPLY, 0), PN_RIGHTS_ALL, 0);
        process_give(p, S_READY, ready, PN_RIGHT_WRITE, 0);
        process_give(p, S_DONE, done, PN_RIGHT_WRITE, 0);
        process_give(p, S_IDLE, idle, PN_RIGHT_READ, 0);
        process_give(p, S_NTFN, ntfn, PN_RIGHTS_ALL, 0);
        process_give(p, S_IRQ_NTFN, irq_ntfn, PN_RIGHT_READ, 0);
        process_give(p, S_IRQ_HANDLER, irq_handler, PN_RIGHTS_ALL, 0);
        process_give(p, S_IOPORT, com1_port, PN_RIGHTS_ALL, 0);
        process_give(p, S_FAULT_EP, fault_ep, PN_RIGHTS_ALL, 0);
    }
    sc_a = sc_new(SC_US, SC_US, 0);
    sc_b = sc_new(SC_US, SC_US, 0);
}

int main(void)
{
    com1_port = slot_alloc();
    pn_cptr_t exit_slot = slot_alloc();
    if (pn_ioport_issue(com1_port, COM1, COM1 + 7) || pn_ioport_issue(exit_slot, 0xf4, 0xf4))
        for (;;) /* nothing to print with, nothing to stop with */
            __asm__ volatile("ud2");
    exit_port = exit_slot;
    pn_com1_init(com1_port);
    pn_com1_printf("Pecan benchmarks: %u samples, each the last of %u iterations%s\n", runs,
                   warmups, BENCH_QUICK ? " (quick mode: figures not meaningful)" : "");

    setup();
    measuring = probe_measuring();
    pn_com1_printf("kernel: %s\n", measuring ? "measuring build (DebugCounters present)"
                                            : "no DebugCounters (release build)");
    measure_overheads();

    for (unsigned i = 0; i < PN_ARRAY_SIZE(ipc_rows); i++)
        run_ipc_row(&ipc_rows[i]);
    run_signal();
    run_irq();
    run_yield();
    run_fault();

    pn_cptr_t rut = slot_alloc();
    must(invoke(ram_untyped(20, NULL), PN_UNTYPED_RETYPE, W(PN_OBJ_UNTYPED, 20, 0, 0, rut, 1),
                C(ROOT_CNODE)),
         "the retype benchmark's untyped");
    run_retype(rut, 1, PN_OBJ_ENDPOINT, 0, "retype_1_endpoint", "Untyped_Retype of 1 endpoint");
    run_retype(rut, 16, PN_OBJ_ENDPOINT, 0, "retype_16_endpoints",
               "Untyped_Retype of 16 endpoints");
    run_retype(rut, 16, PN_OBJ_X86_4K, 0, "retype_16_frames",
               "Untyped_Retype of 16 4 KiB frames");
    run_retype(rut, 1, PN_OBJ_TCB, 0, "retype_1_tcb", "Untyped_Retype of 1 TCB");
    run_map();

    pn_com1_printf("BENCH DONE benchmarks=%u\n", nbench);
    pn_qemu_exit(exit_port, 0);
    fail("QEMU did not exit");
}
