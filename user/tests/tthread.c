/* Helpers for the thread, IPC, fault and scheduling tests (see tthread.h). */
#include "tthread.h"
#include "supervisor.h"

/* ---- replies ---- */

#define POISON 0x5ca1ab1e0ddba11ul

tt_reply_t tt_call(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                   const pn_cptr_t *caps, unsigned ncaps)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    for (unsigned i = 0; i < nwords; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m.mr[i] = words[i];
        else
            pn_ipc->msg[i] = words[i];
    }
    for (unsigned i = nwords > 4 ? nwords : 4; i < TT_REPLY_WORDS; i++)
        pn_ipc->msg[i] = POISON;
    for (unsigned i = 0; i < ncaps; i++)
        pn_ipc->caps_or_badges[i] = caps[i];
    m.info = pn_msginfo(label, 0, ncaps, nwords);
    tt_reply_t r;
    r.badge = pn_call(cap, &m);
    r.info = m.info;
    for (unsigned i = 0; i < TT_REPLY_WORDS; i++)
        r.mr[i] = i < PN_FAST_MESSAGE_REGISTERS ? m.mr[i] : pn_ipc->msg[i];
    return r;
}

const char *tt_error_name(pn_word_t code)
{
    return error_name(code);
}

void tt_expect(const char *file, int line, const char *what, tt_reply_t r, pn_word_t code,
               unsigned n, const pn_word_t *words)
{
    char msg[512];
    if (reply_mismatch(msg, sizeof msg, what, r.info, r.badge, r.mr, TT_REPLY_WORDS, code, n, words))
        test_fail(file, line, "%s", msg);
}

/* ---- resources ---- */

static pn_cptr_t arena;              /* untyped, revoked after every test */
static pn_word_t window_base, window_size, window_used;
static pn_cptr_t dev_untyped;        /* a small device untyped for device frames */

void tt_framework_init(pn_cptr_t arena_untyped, pn_word_t base, pn_word_t size)
{
    arena = arena_untyped;
    window_base = base;
    window_size = size;
    const pn_bootinfo_t *bi = pn_bootinfo;
    unsigned best = 64;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (d->is_device && d->size_bits >= 12 && d->size_bits < 31 && d->size_bits < best) {
            best = d->size_bits;
            dev_untyped = bi->untyped.start + k;
        }
    }
}

pn_cptr_t tt_arena(void)
{
    return arena;
}

pn_cptr_t tt_slot(void)
{
    if (!arena)
        FAIL("the supervisor did not start (no test arena)");
    if (window_used == window_size)
        FAIL("out of test slots (%lu)", window_size);
    return window_base + window_used++;
}

pn_cptr_t tt_new(pn_word_t type, pn_word_t size_bits)
{
    pn_cptr_t s = tt_slot();
    MUST(pn_untyped_retype(arena, type, size_bits, ROOT_CNODE, 0, 0, s, 1));
    return s;
}

pn_cptr_t tt_copy(pn_cptr_t src, pn_word_t rights)
{
    pn_cptr_t s = tt_slot();
    MUST(pn_cnode_copy(ROOT_CNODE, s, 64, ROOT_CNODE, src, 64, rights));
    return s;
}

pn_cptr_t tt_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge)
{
    pn_cptr_t s = tt_slot();
    tt_reply_t r = tt_call(ROOT_CNODE, PN_CNODE_MINT, WORDS(s, 64, src, 64, rights, badge),
                           CAPS(ROOT_CNODE));
    EXPECT_SUCCESS(r);
    return s;
}

void tt_delete(pn_cptr_t slot)
{
    MUST(pn_cnode_delete(ROOT_CNODE, slot, 64));
}

void tt_revoke(pn_cptr_t slot)
{
    tt_reply_t r = tt_call(ROOT_CNODE, PN_CNODE_REVOKE, WORDS(slot, 64), NOCAPS);
    EXPECT_SUCCESS(r);
}

void tt_destroy(pn_cptr_t slot)
{
    tt_revoke(slot);
    tt_delete(slot);
}

pn_cptr_t tt_sched_control(void)
{
    return pn_bootinfo->sched_control.start;
}

pn_cptr_t tt_sc_new(void)
{
    pn_cptr_t sc = tt_new(PN_OBJ_SCHED_CONTEXT, SC_BITS);
    MUST(pn_sched_control_configure_flags(tt_sched_control(), sc, TT_BUDGET_US, TT_BUDGET_US,
                                          0, 0, 0));
    return sc;
}

pn_cptr_t tt_image_frame(const void *addr)
{
    pn_word_t a = (pn_word_t)addr, start = (pn_word_t)__pn_image_start;
    if (a < start || a >= (pn_word_t)__pn_image_end)
        FAIL("address 0x%lx is not in the image", a);
    return pn_bootinfo->user_image_frames.start + ((a - start) >> PN_PAGE_BITS);
}

pn_cptr_t tt_device_frame(void)
{
    if (!dev_untyped)
        FAIL("no small device untyped in the bootinfo");
    pn_cptr_t s = tt_slot();
    MUST(pn_untyped_retype(dev_untyped, PN_OBJ_X86_4K, 0, ROOT_CNODE, 0, 0, s, 1));
    return s;
}

/* ---- threads ---- */

static tt_thread_t threads[TT_MAX_THREADS];
static unsigned n_threads;
static pn_ipc_buffer_t tt_buffers[TT_MAX_THREADS] __attribute__((aligned(4096)));
static char tt_stacks[TT_MAX_THREADS][TT_STACK_SIZE] __attribute__((aligned(16)));

volatile unsigned tt_log_n;
volatile pn_word_t tt_log_buf[TT_LOG_MAX];

static void tt_entry(tt_thread_t *t)
{
    t->fn(t);
    t->done = 1;
    pn_msg_t m = tt_msg(PN_TCB_SUSPEND, 0, 0, 0, 0, 0);
    pn_call(t->tcb, &m);
    for (;;)
        __asm__ volatile("ud2");
}

tt_thread_t *tt_thread(pn_word_t prio, pn_cptr_t fault_ep, unsigned opts)
{
    if (n_threads == TT_MAX_THREADS)
        FAIL("more than %d test threads", TT_MAX_THREADS);
    tt_thread_t *t = &threads[n_threads];
    memset(t, 0, sizeof *t);
    t->id = (int)n_threads;
    t->stack_top = (pn_word_t)&tt_stacks[n_threads][TT_STACK_SIZE];
    n_threads++;
    t->tcb = tt_new(PN_OBJ_TCB, 0);
    if (!(opts & TT_NO_IPC)) {
        t->ipc = &tt_buffers[t->id];
        memset(t->ipc, 0, sizeof *t->ipc);
    }
    MUST(pn_tcb_configure(t->tcb, ROOT_CNODE, 0, ROOT_VSPACE, 0, (pn_word_t)t->ipc,
                          t->ipc ? tt_image_frame(t->ipc) : NULL_SLOT));
    if (!(opts & TT_NO_SC))
        t->sc = tt_sc_new();
    MUST(pn_tcb_set_sched_params(t->tcb, SELF_TCB, 255, prio, t->sc, fault_ep));
    return t;
}

void tt_start_regs(tt_thread_t *t, pn_word_t *regs, unsigned count)
{
    if (count < 3)
        FAIL("tt_start_regs: count %u", count);
    if (!regs[PN_UC_RSP])
        regs[PN_UC_RSP] = t->stack_top - 8;
    if (!regs[PN_UC_RFLAGS])
        regs[PN_UC_RFLAGS] = FLAGS_DEFAULT;
    MUST(pn_tcb_write_registers(t->tcb, 1, count, regs));
}

void tt_start(tt_thread_t *t, tt_fn_t fn)
{
    t->fn = fn;
    pn_word_t regs[PN_UC_RDI + 1] = {0};
    regs[PN_UC_RIP] = (pn_word_t)tt_entry;
    regs[PN_UC_RDI] = (pn_word_t)t;
    tt_start_regs(t, regs, PN_UC_RDI + 1);
}

void tt_log(pn_word_t v)
{
    unsigned n = tt_log_n;
    if (n < TT_LOG_MAX)
        tt_log_buf[n] = v;
    tt_log_n = n + 1;
}

void tt_check_log(const char *file, int line, unsigned n, const pn_word_t *want)
{
    unsigned got_n = tt_log_n;
    int ok = got_n == n;
    for (unsigned i = 0; ok && i < n; i++)
        ok = tt_log_buf[i] == want[i];
    if (ok)
        return;
    char w[300], g[300];
    format_words(w, sizeof w, want, n);
    pn_word_t copy[TT_LOG_MAX];
    for (unsigned i = 0; i < got_n && i < TT_LOG_MAX; i++)
        copy[i] = tt_log_buf[i];
    format_words(g, sizeof g, copy, got_n < TT_LOG_MAX ? got_n : TT_LOG_MAX);
    test_fail(file, line, "event log: expected %s, got %s", w, g);
}

/* After every test: everything the test made goes away. */
void tt_reset(void)
{
    if (!arena)
        return;
    pn_word_t e = pn_cnode_revoke(ROOT_CNODE, arena, 64);
    if (e)
        pn_printf("# test cleanup: revoking the arena: error %lu\n", e);
    for (pn_word_t i = window_used; i > 0; i--) {
        e = pn_cnode_delete(ROOT_CNODE, window_base + i - 1, 64);
        if (e)
            pn_printf("# test cleanup: deleting slot %lu: error %lu\n", window_base + i - 1, e);
    }
    window_used = 0;
    n_threads = 0;
    tt_log_n = 0;
    pn_ipc->receive_cnode = 0;
    pn_ipc->receive_index = 0;
    pn_ipc->receive_depth = 0;
}

/* ---- probes (tprobe.S) ---- */

pn_word_t tt_probe_regs[PN_UC_COUNT];
pn_word_t tt_probe_stack;
pn_cptr_t tt_probe_ntfn, tt_probe_tcb;

void tt_probe_done(void)
{
    if (tt_probe_ntfn)
        pn_signal(tt_probe_ntfn);
    pn_msg_t m = tt_msg(PN_TCB_SUSPEND, 0, 0, 0, 0, 0);
    pn_call(tt_probe_tcb, &m);
    for (;;)
        __asm__ volatile("ud2");
}

void tt_probe_prepare(tt_thread_t *t, pn_cptr_t done_ntfn)
{
    memset(tt_probe_regs, 0, sizeof tt_probe_regs);
    tt_probe_stack = t->stack_top;
    tt_probe_ntfn = done_ntfn;
    tt_probe_tcb = t->tcb;
}
