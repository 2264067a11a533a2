/*
 * The programs the benchmark root task starts.  They run the root's code (mapped
 * read-only in every process) but none of its data: everything they use is in their
 * registers, on their own stacks, in their CSpaces (bench.h) or in the shared page.
 *
 * The IPC programs follow sel4bench's IPC benchmark (apps/ipc): each of `runs` samples is
 * the last of `warmups` iterations of "read the counter, do the operation, read the
 * counter"; the sending side keeps the counter read before its system call, the receiving
 * side the one after its own system call returns, so a sample is one one-way operation
 * from the sender's user code to the receiver's.  Results go to the shared page after
 * the sample, outside every measured window.
 */
#include "bench.h"

#define LAST(p, r, i) ((r) + 1 == (p)->runs && (i) + 1 == (p)->warmups)

static inline pn_word_t tag_of(const thread_params_t *p)
{
    return pn_msginfo(0, 0, 0, p->length);
}

/* DebugCounters snapshot k (0, 1: just before the operation; 2: just after). */
static void snapshot(const thread_params_t *p, unsigned k)
{
    pn_syscall_rdi(PN_SYS_DEBUG_COUNTERS, 0);
    const volatile pn_word_t *msg = ((pn_ipc_buffer_t *)p->ipc_buffer)->msg;
    for (unsigned c = 0; c < KC_COUNT; c++)
        SHARED->kc[k][c] = msg[c];
}

static inline void snapshot_before(const thread_params_t *p, pn_word_t r, pn_word_t i)
{
    if (p->count && LAST(p, r, i)) {
        snapshot(p, 0);
        snapshot(p, 1);
    }
}

static inline void snapshot_after(const thread_params_t *p, pn_word_t r, pn_word_t i)
{
    if (p->count && LAST(p, r, i))
        snapshot(p, 2);
}

__attribute__((noreturn)) static void finish(const thread_params_t *p)
{
    if (p->done) {
        pn_msg_t m = {pn_msginfo(0, 0, 0, 1), {0, 0, 0, 0}};
        pn_syscall(PN_SYS_SEND, S_DONE, &m, 0, 0);
    }
    for (;;) {
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_syscall(PN_SYS_WAIT, S_IDLE, &m, 0, 0);
    }
}

/* Server start: tell the root "waiting" and wait for the first call in one system call,
 * so a server made passive right after is already blocked (as sel4bench's MCS servers). */
static void server_first_recv(const thread_params_t *p)
{
    pn_msg_t m = {tag_of(p), {0, 0, 0, 0}};
    pn_nb_send_recv(S_READY, &m, S_EP, p->reply);
}

static void call_start(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = tag_of(p);
    pn_msg_t m = {tag, {0, 0, 0, 0}};
    pn_call(S_EP, &m); /* answered by the server's first ReplyRecv */
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_CALL(INSN_SYSCALL, S_EP, tag);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
}

static void call_end(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = tag_of(p);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_CALL(INSN_SYSCALL, S_EP, tag);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->end[r] = e;
    }
    /* one more call: the server's last ReplyRecv receives it and records its sample */
    pn_msg_t m = {tag, {0, 0, 0, 0}};
    pn_call(S_EP, &m);
    (void)s;
}

__attribute__((noreturn)) static void serve_forever(const thread_params_t *p)
{
    for (;;) {
        pn_msg_t m = {tag_of(p), {0, 0, 0, 0}};
        pn_reply_recv(S_EP, &m, p->reply);
    }
}

static void rr_end(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = tag_of(p);
    server_first_recv(p);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_REPLY_RECV(INSN_SYSCALL, S_EP, tag, p->reply);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->end[r] = e;
    }
    (void)s;
    serve_forever(p);
}

static void rr_start(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = tag_of(p);
    server_first_recv(p);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_REPLY_RECV(INSN_SYSCALL, S_EP, tag, p->reply);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
    serve_forever(p);
}

static void send_start(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = tag_of(p);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_SEND(INSN_SYSCALL, S_EP, tag);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
}

static void recv_end(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_RECV(INSN_SYSCALL, S_EP, p->reply);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->end[r] = e;
    }
    (void)s;
    for (;;)
        BENCH_RECV(INSN_SYSCALL, S_EP, p->reply);
}

static void signal_start(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = pn_msginfo(0, 0, 0, 1); /* libsel4's seL4_Signal */
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_SEND(INSN_SYSCALL, S_NTFN, tag);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
}

static void wait_end(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_WAIT(INSN_SYSCALL, S_NTFN);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->end[r] = e;
    }
    (void)s;
}

/* The interrupt: the trigger's X86_IOPort_Out8 turns on COM1's transmitter-empty
 * interrupt; the transmitter is empty, so the UART raises IRQ 4 during that system call
 * and it is taken as the kernel returns to user level.  The handler, higher priority and
 * in another address space, receives it as a notification. */
static void irq_trigger(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0, tag = pn_msginfo(PN_X86_IOPORT_OUT8, 0, 0, 2);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_INVOKE4(INSN_SYSCALL, S_IOPORT, tag, COM1 + UART_IER, UART_IER_THRE, 0, 0);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
}

static void irq_handler(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    pn_word_t out8 = pn_msginfo(PN_X86_IOPORT_OUT8, 0, 0, 2), ack = pn_msginfo(PN_IRQ_ACK_IRQ, 0, 0, 0);
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_WAIT(INSN_SYSCALL, S_IRQ_NTFN);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
            /* interrupt off (the line drops: the next enable is a new edge), then ack */
            BENCH_INVOKE4(INSN_SYSCALL, S_IOPORT, out8, COM1 + UART_IER, 0, 0, 0);
            BENCH_INVOKE4(INSN_SYSCALL, S_IRQ_HANDLER, ack, 0, 0, 0, 0);
        }
        SHARED->end[r] = e;
    }
    (void)s;
}

static void yield_alone(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_YIELD(INSN_SYSCALL);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->start[r] = s;
        SHARED->end[r] = e;
    }
}

/* Two threads at one priority.  B waits until A has signalled, so A yields first and B's
 * Yield number i resumes A's Yield number i: end (A, after) - start (B, before) is one
 * switch from B to A. */
static void yield_a(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    pn_msg_t m = {pn_msginfo(0, 0, 0, 1), {0, 0, 0, 0}};
    pn_syscall(PN_SYS_SEND, S_NTFN, &m, 0, 0); /* B may start */
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            BENCH_BEFORE(s);
            BENCH_YIELD(INSN_SYSCALL);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->end[r] = e;
    }
    (void)s;
    BENCH_YIELD(INSN_SYSCALL); /* lets B record its last sample */
}

static void yield_b(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_syscall(PN_SYS_WAIT, S_NTFN, &m, 0, 0); /* whichever runs first, A yields first */
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_YIELD(INSN_SYSCALL);
            BENCH_AFTER(e);
        }
        SHARED->start[r] = s;
    }
    (void)e;
}

/* ud2 raises a UserException; the handler replies with FaultIP + 2 (and the same RSP
 * and FLAGS), so the faulter resumes right after it. */
static void faulter(const thread_params_t *p)
{
    pn_word_t s = 0, e = 0;
    for (pn_word_t r = 0; r < p->runs; r++) {
        for (pn_word_t i = 0; i < p->warmups; i++) {
            snapshot_before(p, r, i);
            BENCH_BEFORE(s);
            BENCH_FAULT(INSN_UD2);
            BENCH_AFTER(e);
            snapshot_after(p, r, i);
        }
        SHARED->start[r] = s;
        SHARED->end[r] = e;
    }
}

static void fault_handler(const thread_params_t *p)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(S_FAULT_EP, &m, p->reply);
    for (;;) {
        m.info = pn_msginfo(0, 0, 0, 3); /* FaultIP, RSP, FLAGS */
        m.mr[0] += 2;
        pn_reply_recv(S_FAULT_EP, &m, p->reply);
    }
}

/* Is there a DebugCounters system call?  On a kernel without it this is an unknown
 * system call: a fault, which the root receives (it is the fault handler). */
static void probe(const thread_params_t *p)
{
    pn_syscall_rdi(PN_SYS_DEBUG_COUNTERS, 0);
    SHARED->probe_ok = 1;
    pn_msg_t m = {pn_msginfo(PROBE_LABEL, 0, 0, 0), {0, 0, 0, 0}};
    pn_syscall(PN_SYS_SEND, S_FAULT_EP, &m, 0, 0);
    (void)p;
}

void bench_thread(thread_params_t *p)
{
    if (p->fpu)
        bench_touch_fpu();
    switch (p->prog) {
    case PROG_CALL_START: call_start(p); break;
    case PROG_CALL_END: call_end(p); break;
    case PROG_RR_END: rr_end(p); break;
    case PROG_RR_START: rr_start(p); break;
    case PROG_SEND_START: send_start(p); break;
    case PROG_RECV_END: recv_end(p); break;
    case PROG_SIGNAL_START: signal_start(p); break;
    case PROG_WAIT_END: wait_end(p); break;
    case PROG_IRQ_TRIGGER: irq_trigger(p); break;
    case PROG_IRQ_HANDLER: irq_handler(p); break;
    case PROG_YIELD_ALONE: yield_alone(p); break;
    case PROG_YIELD_A: yield_a(p); break;
    case PROG_YIELD_B: yield_b(p); break;
    case PROG_FAULTER: faulter(p); break;
    case PROG_FAULT_HANDLER: fault_handler(p); break;
    case PROG_PROBE: probe(p); break;
    }
    finish(p);
}
