/* Helpers for the MCS scheduling tests (see mcs.h). */
#include "mcs.h"

#define MCS_ARENA_BITS 18          /* 256 KiB of objects per test */
#define MCS_HARD_STOP_MS 400       /* no test waits longer than this (virtual time) */

pn_word_t mcs_mhz;
pn_word_t mcs_t0;
volatile pn_word_t mcs_hard_stop;

static pn_cptr_t arena;            /* untyped of the running test, 0 outside a test */
static int cleaning;

static mcs_thread_t threads[MCS_MAX_THREADS];
static unsigned n_threads;
static pn_ipc_buffer_t buffers[MCS_MAX_THREADS] __attribute__((aligned(4096)));
static char stacks[MCS_MAX_THREADS][MCS_STACK_SIZE] __attribute__((aligned(16)));

void mcs_expect(const char *file, int line, const char *what, reply_t r, pn_word_t code,
                unsigned n, const pn_word_t *words)
{
    char msg[512];
    if (!reply_mismatch(msg, sizeof msg, what, r.info, r.badge, r.mr, REPLY_WORDS, code, n, words))
        return;
    mcs_cleanup();
    test_fail(file, line, "%s", msg);
}

/* ---- test begin / end ---- */

void mcs_begin(void)
{
    const pn_bi_tsc_freq_t *t =
        (const pn_bi_tsc_freq_t *)pn_bootinfo_chunk(pn_bootinfo, PN_BI_CHUNK_X86_TSC_FREQ);
    if (!t || !t->mhz)
        test_fail(__FILE__, __LINE__, "no TSC frequency in the extra bootinfo");
    mcs_mhz = t->mhz;
    /* a test that was ended from outside (e.g. the supervisor after a root-task fault)
     * could not clean up: do it now */
    cleaning = 0;
    mcs_cleanup();
    n_threads = 0;
    arena = ram_untyped(MCS_ARENA_BITS);
    mcs_hard_stop = rdtsc() + MS(MCS_HARD_STOP_MS);
}

void mcs_cleanup(void)
{
    if (cleaning || !arena)
        return;
    cleaning = 1;
    /* back at the top priority first: the revoke then runs without interference */
    reply_t r = call(SELF_TCB, PN_TCB_SET_PRIORITY, W(255), C(SELF_TCB));
    if (r.info != 0)
        pn_printf("# mcs cleanup: SetPriority(255) of the root task: info 0x%lx\n", r.info);
    r = cn_revoke(arena);
    if (r.info != 0)
        pn_printf("# mcs cleanup: revoking the arena: info 0x%lx\n", r.info);
    /* the arena's memory is not reused: the next test takes a fresh one */
    arena = 0;
    n_threads = 0;
}

/* ---- objects ---- */

pn_word_t max_period_us(void)
{
    return (~0ul / mcs_mhz) / 8;
}

pn_cptr_t mcs_new(pn_word_t type, pn_word_t size_bits)
{
    pn_cptr_t s = slot_alloc();
    reply_t r = ut_retype(arena, type, size_bits, s, 1);
    MCS_OK(r);
    return s;
}

pn_cptr_t mcs_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge)
{
    pn_cptr_t s = slot_alloc();
    reply_t r = cn_mint(s, src, rights, badge);
    MCS_OK(r);
    return s;
}

reply_t sc_configure(pn_cptr_t sc, pn_word_t budget_us, pn_word_t period_us,
                     pn_word_t extra_refills, pn_word_t badge, pn_word_t flags)
{
    return call(SCHED_CONTROL, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                W(budget_us, period_us, extra_refills, badge, flags), C(sc));
}

pn_cptr_t mcs_sc(pn_word_t budget_us, pn_word_t period_us, pn_word_t extra_refills,
                 pn_word_t badge, pn_word_t flags)
{
    pn_cptr_t sc = mcs_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    reply_t r = sc_configure(sc, budget_us, period_us, extra_refills, badge, flags);
    MCS_OK(r);
    return sc;
}

pn_word_t sc_consumed(pn_cptr_t sc)
{
    reply_t r = call(sc, PN_SCHED_CONTEXT_CONSUMED, NO_WORDS, NO_CAPS);
    if (r.info != pn_msginfo(0, 0, 0, 1) || r.badge != 0)
        FAIL("SchedContext_Consumed: expected label 0, length 1, got info 0x%lx badge %lu",
             r.info, r.badge);
    return r.mr[0];
}

void set_prio(pn_cptr_t tcb, pn_word_t prio)
{
    reply_t r = call(tcb, PN_TCB_SET_PRIORITY, W(prio), C(SELF_TCB));
    MCS_OK(r);
}

void mcs_root_low(void)
{
    set_prio(SELF_TCB, MCS_ROOT_LOW_PRIO);
}

void mcs_root_high(void)
{
    set_prio(SELF_TCB, 255);
}

/* ---- threads ---- */

static void thread_entry(mcs_thread_t *t)
{
    t->fn(t);
    t->done = 1;
    mcs_suspend_self(t);
    for (;;)
        __asm__ volatile("ud2");
}

mcs_thread_t *mcs_thread(pn_word_t prio, pn_cptr_t sc)
{
    if (n_threads == MCS_MAX_THREADS)
        FAIL("more than %d test threads", MCS_MAX_THREADS);
    mcs_thread_t *t = &threads[n_threads];
    memset(t, 0, sizeof *t);
    t->id = (int)n_threads;
    t->ipc = &buffers[n_threads];
    memset(t->ipc, 0, sizeof *t->ipc);
    t->stack_top = (pn_word_t)&stacks[n_threads][MCS_STACK_SIZE];
    n_threads++;
    t->tcb = mcs_new(PN_OBJ_TCB, 0);
    t->sc = sc;
    pn_word_t a = (pn_word_t)t->ipc, start = (pn_word_t)__pn_image_start;
    pn_cptr_t frame = pn_bootinfo->user_image_frames.start + ((a - start) >> PN_PAGE_BITS);
    reply_t r = call(t->tcb, PN_TCB_CONFIGURE, W(0, 0, a), C(ROOT, ROOT_VSPACE, frame));
    MCS_OK(r);
    r = call(t->tcb, PN_TCB_SET_SCHED_PARAMS, W(255, prio), C(SELF_TCB, sc, NULL_CAP));
    MCS_OK(r);
    return t;
}

void mcs_start(mcs_thread_t *t, mcs_fn_t fn)
{
    t->fn = fn;
    /* WriteRegisters: resume_target, count 9 (rip, rsp, rflags, rax..rdi) */
    pn_word_t w[2 + 9] = {1, 9};
    w[2 + PN_UC_RIP] = (pn_word_t)thread_entry;
    w[2 + PN_UC_RSP] = t->stack_top - 8;
    w[2 + PN_UC_RFLAGS] = 0x202;
    w[2 + PN_UC_RDI] = (pn_word_t)t;
    reply_t r = call(t->tcb, PN_TCB_WRITE_REGISTERS, w, 11, NO_CAPS);
    MCS_OK(r);
}

static void new_burst(mcs_thread_t *t, pn_word_t at)
{
    pn_word_t n = t->nburst;
    if (n < MCS_BURSTS) {
        t->burst_start[n] = at;
        t->burst_len[n] = 0;
    }
    t->nburst = n + 1;
}

/* Spins until the TSC reaches `stop` or the thread has run `budget` ticks. */
static pn_word_t loop(mcs_thread_t *t, pn_word_t w0, pn_word_t w1, pn_word_t stop,
                      pn_word_t budget)
{
    pn_word_t last = rdtsc(), ran = 0;
    if (!t->first)
        t->first = last;
    if (!t->prev || last - t->prev >= MCS_BURST_GAP)
        new_burst(t, last);
    for (;;) {
        pn_word_t now = rdtsc(), d = now - last;
        if (d < MCS_GAP) {
            ran += d;
            if (last >= w0 && now <= w1)
                t->run += d;
            pn_word_t n = t->nburst - 1;
            if (n < MCS_BURSTS)
                t->burst_len[n] += d;
        } else {
            t->gaps++;
            if (d >= MCS_BURST_GAP)
                new_burst(t, now);
        }
        last = now;
        t->prev = now;
        if (now >= stop || ran >= budget || now >= mcs_hard_stop)
            return ran;
    }
}

void mcs_spin(mcs_thread_t *t, pn_word_t w0, pn_word_t w1, pn_word_t stop)
{
    loop(t, w0, w1, stop, ~0ul);
}

void mcs_burn(mcs_thread_t *t, pn_word_t ticks)
{
    loop(t, 0, ~0ul, ~0ul, ticks);
}

void check_burst(const char *file, int line, mcs_thread_t *t, unsigned k, pn_word_t start,
                 pn_word_t tol_start, pn_word_t len, pn_word_t tol_len)
{
    pn_word_t n = t->nburst;
    if (k >= n || k >= MCS_BURSTS) {
        mcs_cleanup();
        test_fail(file, line, "thread %d: burst %u expected (at T0 + %lu us), it had %lu bursts",
                  t->id, k, (start - mcs_t0) / mcs_mhz, n);
    }
    pn_word_t s = t->burst_start[k], l = t->burst_len[k];
    pn_word_t ds = s > start ? s - start : start - s, dl = l > len ? l - len : len - l;
    if (ds > tol_start || dl > tol_len) {
        mcs_cleanup();
        test_fail(file, line,
                  "thread %d burst %u: expected start %lu us (+-%lu) length %lu us (+-%lu), "
                  "got start %lu us length %lu us (ticks %lu, %lu)",
                  t->id, k, (start - mcs_t0) / mcs_mhz, tol_start / mcs_mhz, len / mcs_mhz,
                  tol_len / mcs_mhz, (s - mcs_t0) / mcs_mhz, l / mcs_mhz, s - mcs_t0, l);
    }
}

void mcs_suspend_self(mcs_thread_t *t)
{
    pn_msg_t m = {pn_msginfo(PN_TCB_SUSPEND, 0, 0, 0), {0, 0, 0, 0}};
    pn_call(t->tcb, &m);
}

void mcs_block_forever(mcs_thread_t *t)
{
    for (;;)
        mcs_suspend_self(t);
}

/* ---- messages ---- */

mcs_msg_t mcs_poll_recv_until(pn_cptr_t ep, pn_cptr_t reply, pn_word_t deadline)
{
    mcs_msg_t r;
    memset(&r, 0, sizeof r);
    mcs_root_low();
    for (;;) {
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_word_t badge = pn_nb_recv(ep, &m, reply);
        if (m.info != 0) {
            r.at = rdtsc();
            r.info = m.info;
            r.badge = badge;
            for (unsigned i = 0; i < 4; i++)
                r.mr[i] = m.mr[i];
            break;
        }
        pn_word_t now = rdtsc();
        if (now >= deadline)
            break;
        if (now >= mcs_hard_stop)
            FAIL("timed out waiting for a message on endpoint %lu", ep);
    }
    mcs_root_high();
    return r;
}

mcs_msg_t mcs_poll_recv(pn_cptr_t ep, pn_cptr_t reply)
{
    return mcs_poll_recv_until(ep, reply, ~0ul);
}

void mcs_reply(pn_cptr_t reply, pn_word_t label, unsigned n, const pn_word_t *words)
{
    pn_msg_t m = {pn_msginfo(label, 0, 0, n), {0, 0, 0, 0}};
    for (unsigned i = 0; i < n; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m.mr[i] = words[i];
        else
            pn_ipc->msg[i] = words[i];
    }
    pn_syscall(PN_SYS_SEND, reply, &m, 0, 0);
}

void mcs_signal(pn_cptr_t ntfn)
{
    pn_msg_t m = {pn_msginfo(0, 0, 0, 1), {0, 0, 0, 0}};
    pn_syscall(PN_SYS_SEND, ntfn, &m, 0, 0);
}

void mcs_note_bursts(mcs_thread_t *t)
{
    (void)t;
#ifdef MCS_VERBOSE
    pn_printf("# thread %d: run %lu us, %lu gaps, %lu bursts:", t->id, t->run / mcs_mhz,
              t->gaps, t->nburst);
    for (pn_word_t k = 0; k < t->nburst && k < MCS_BURSTS; k++)
        pn_printf(" %lu+%lu", (t->burst_start[k] - mcs_t0) / mcs_mhz,
                  t->burst_len[k] / mcs_mhz);
    pn_printf("\n");
#endif
}
