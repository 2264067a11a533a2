/* Helpers for the paging, ASID, VM-fault and IRQ tests (see vmtest.h). */
#include "vmtest.h"

/* ---- paging invocations ---- */

reply_t vt_pdpt_map(pn_cptr_t pdpt, pn_cptr_t pml4, pn_word_t vaddr)
{
    return call(pdpt, PN_X86_PDPT_MAP, W(vaddr, PN_X86_WRITE_BACK), C(pml4));
}

reply_t vt_pd_map(pn_cptr_t pd, pn_cptr_t pml4, pn_word_t vaddr)
{
    return call(pd, PN_X86_PAGE_DIRECTORY_MAP, W(vaddr, PN_X86_WRITE_BACK), C(pml4));
}

reply_t vt_pt_map(pn_cptr_t pt, pn_cptr_t pml4, pn_word_t vaddr)
{
    return call(pt, PN_X86_PAGE_TABLE_MAP, W(vaddr, PN_X86_WRITE_BACK), C(pml4));
}

reply_t vt_page_map(pn_cptr_t frame, pn_cptr_t pml4, pn_word_t vaddr, pn_word_t rights,
                    pn_word_t attr)
{
    return call(frame, PN_X86_PAGE_MAP, W(vaddr, rights, attr), C(pml4));
}

reply_t vt_unmap(pn_cptr_t cap, pn_word_t label)
{
    return call(cap, label, NO_WORDS, NO_CAPS);
}

pn_word_t vt_paddr(pn_cptr_t frame)
{
    reply_t r = call(frame, PN_X86_PAGE_GET_ADDRESS, NO_WORDS, NO_CAPS);
    if (r.info != pn_msginfo(PN_NO_ERROR, 0, 0, 1) || r.badge != 0)
        FAIL("GetAddress of frame %lu: expected NoError with 1 word, got info 0x%lx", frame,
             r.info);
    return r.mr[0];
}

pn_cptr_t vt_new_pdpt(pn_cptr_t pml4, pn_word_t vaddr)
{
    pn_cptr_t c = obj_new(PN_OBJ_X86_PDPT, 0);
    EXPECT_OK(vt_pdpt_map(c, pml4, vaddr));
    return c;
}

pn_cptr_t vt_new_pd(pn_cptr_t pml4, pn_word_t vaddr)
{
    pn_cptr_t c = obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0);
    EXPECT_OK(vt_pd_map(c, pml4, vaddr));
    return c;
}

pn_cptr_t vt_new_pt(pn_cptr_t pml4, pn_word_t vaddr)
{
    pn_cptr_t c = obj_new(PN_OBJ_X86_PAGE_TABLE, 0);
    EXPECT_OK(vt_pt_map(c, pml4, vaddr));
    return c;
}

pn_cptr_t vt_new_frame(pn_word_t type, pn_cptr_t pml4, pn_word_t vaddr, pn_word_t rights)
{
    pn_cptr_t c = obj_new(type, 0);
    EXPECT_OK(vt_page_map(c, pml4, vaddr, rights, PN_X86_WRITE_BACK));
    return c;
}

/* ---- regions of the root VSpace: PML4 slots 16..127 (slot 0 holds the image; the
 * tests use fixed addresses from slot 128 up) ---- */

static pn_word_t next_pml4_slot = 16;

pn_word_t vt_region(void)
{
    if (next_pml4_slot > 127)
        FAIL("out of fresh PML4 slots in the root VSpace");
    pn_word_t base = next_pml4_slot++ << 39;
    vt_new_pdpt(PN_CAP_SLOT_INIT_VSPACE, base);
    return base;
}

pn_word_t vt_region_pd(void)
{
    pn_word_t base = vt_region();
    vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, base);
    return base;
}

pn_word_t vt_region_pt(void)
{
    pn_word_t base = vt_region_pd();
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, base);
    return base;
}

pn_cptr_t vt_new_vspace(void)
{
    pn_cptr_t pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    EXPECT_OK(call(PN_CAP_SLOT_INIT_ASID_POOL, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(pml4)));
    return pml4;
}

/* ---- threads ---- */

#define VT_BUDGET_US 10000

void vt_thread_new(vt_thread_t *t, pn_cptr_t vspace, pn_word_t prio, pn_cptr_t ipc_frame,
                   pn_word_t ipc_vaddr, pn_cptr_t fault_ep)
{
    t->tcb = obj_new(PN_OBJ_TCB, 0);
    t->sc = obj_new(PN_OBJ_SCHED_CONTEXT, PN_MIN_SCHED_CONTEXT_BITS);
    EXPECT_OK(call(pn_bootinfo->sched_control.start, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                   W(VT_BUDGET_US, VT_BUDGET_US, 0, 0, 0), C(t->sc)));
    EXPECT_OK(call(t->tcb, PN_TCB_CONFIGURE, W(0, 0, ipc_vaddr),
                   C(ROOT, vspace, ipc_vaddr ? ipc_frame : PN_CAP_SLOT_NULL)));
    EXPECT_OK(call(t->tcb, PN_TCB_SET_SCHED_PARAMS, W(0, prio),
                   C(PN_CAP_SLOT_INIT_TCB, t->sc, fault_ep)));
}

void vt_thread_start(vt_thread_t *t, pn_word_t fn, pn_word_t stack_top, pn_word_t a0,
                     pn_word_t a1, pn_word_t a2)
{
    pn_word_t w[2 + PN_UC_COUNT] = {0};
    w[0] = 1; /* resume_target */
    w[1] = PN_UC_COUNT;
    pn_word_t *regs = w + 2;
    regs[PN_UC_RIP] = fn;
    regs[PN_UC_RSP] = stack_top - 8; /* as if called: rsp + 8 is 16-byte aligned */
    regs[PN_UC_RFLAGS] = 0x202;
    regs[PN_UC_RDI] = a0;
    regs[PN_UC_RSI] = a1;
    regs[PN_UC_RDX] = a2;
    pn_word_t info = pn_invoke(t->tcb, PN_TCB_WRITE_REGISTERS, w, 2 + PN_UC_COUNT, NULL, 0,
                               NULL, 0);
    if (pn_msginfo_label(info) != PN_NO_ERROR)
        FAIL("WriteRegisters of TCB %lu: error %lu", t->tcb, pn_msginfo_label(info));
}

/* ---- the prober ---- */

#define PROBER_PRIO 200
#define PROBER_STACK 16384

static vt_thread_t prober;
static pn_cptr_t prober_ep, prober_reply;
static pn_ipc_buffer_t *prober_ipc;
static char prober_stack[PROBER_STACK] __attribute__((aligned(16)));

/* Runs in the prober: Call with the job's invocation through the prober's own IPC buffer
 * (MR0..3 in registers, the extra cap in the buffer). */
static pn_word_t prober_invoke(vt_job_t *job)
{
    pn_msg_t m = {0};
    for (unsigned i = 0; i < job->nwords && i < 4; i++)
        m.mr[i] = job->words[i];
    if (job->ncaps)
        prober_ipc->caps_or_badges[0] = job->xcap;
    m.info = pn_msginfo(job->label, 0, job->ncaps, job->nwords);
    pn_call(job->cap, &m);
    return m.info;
}

static void __attribute__((noreturn, used)) prober_main(vt_job_t *job)
{
    pn_word_t v = 0;
    switch (job->op) {
    case VT_READ:
        v = vt_read64(job->addr);
        break;
    case VT_WRITE:
        vt_write64(job->addr, job->val);
        break;
    case VT_EXEC:
        ((void (*)(void))job->addr)();
        break;
    case VT_READ_INVOKE_READ:
        vt_read64(job->addr);
        job->invoke_info = prober_invoke(job);
        v = vt_read64(job->addr);
        break;
    case VT_WRITE_INVOKE_WRITE:
        vt_write64(job->addr, job->val);
        job->invoke_info = prober_invoke(job);
        vt_write64(job->addr, job->val + 1);
        break;
    }
    pn_msg_t m = {pn_msginfo(VT_REPORT_LABEL, 0, 0, 1), {v, 0, 0, 0}};
    pn_call(prober_ep, &m);
    /* nobody answers reports; should the Call ever return, stop here */
    m.info = pn_msginfo(PN_TCB_SUSPEND, 0, 0, 0);
    pn_call(prober.tcb, &m);
    for (;;)
        pn_yield();
}

static void prober_init(void)
{
    if (prober.tcb)
        return;
    prober_ep = obj_new(PN_OBJ_ENDPOINT, 0);
    prober_reply = obj_new(PN_OBJ_REPLY, 0);
    pn_word_t base = vt_region_pt();
    pn_cptr_t ipc = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_RW);
    prober_ipc = (pn_ipc_buffer_t *)base;
    vt_thread_new(&prober, PN_CAP_SLOT_INIT_VSPACE, PROBER_PRIO, ipc, base, prober_ep);
}

pn_cptr_t vt_fault_ep(void)
{
    prober_init();
    return prober_ep;
}

pn_cptr_t vt_fault_reply(void)
{
    prober_init();
    return prober_reply;
}

static vt_outcome_t outcome_of(pn_word_t badge, const pn_msg_t *m)
{
    vt_outcome_t o;
    o.info = m->info;
    o.badge = badge;
    for (unsigned i = 0; i < 4; i++)
        o.mr[i] = m->mr[i];
    o.faulted = pn_msginfo_label(m->info) != VT_REPORT_LABEL;
    return o;
}

vt_outcome_t vt_probe(vt_job_t *job)
{
    prober_init();
    vt_thread_start(&prober, (pn_word_t)prober_main,
                    (pn_word_t)(prober_stack + PROBER_STACK), (pn_word_t)job, 0, 0);
    pn_msg_t m = {0};
    pn_word_t badge = pn_recv(prober_ep, &m, prober_reply);
    return outcome_of(badge, &m);
}

vt_outcome_t vt_reply_fault(void)
{
    pn_msg_t m = {pn_msginfo(0, 0, 0, 0), {0}};
    pn_word_t badge = pn_reply_recv(prober_ep, &m, prober_reply);
    return outcome_of(badge, &m);
}

static const char *outcome_text(char *buf, size_t size, vt_outcome_t o)
{
    if (!o.faulted)
        pn_snprintf(buf, size, "no fault (value 0x%lx)", o.mr[0]);
    else
        pn_snprintf(buf, size, "fault label %lu length %lu: [0x%lx, 0x%lx, 0x%lx, 0x%lx]",
                    pn_msginfo_label(o.info), pn_msginfo_length(o.info), o.mr[0], o.mr[1],
                    o.mr[2], o.mr[3]);
    return buf;
}

vt_outcome_t vt_probe_read(pn_word_t addr)
{
    vt_job_t job = {.op = VT_READ, .addr = addr};
    return vt_probe(&job);
}

vt_outcome_t vt_probe_write(pn_word_t addr, pn_word_t val)
{
    vt_job_t job = {.op = VT_WRITE, .addr = addr, .val = val};
    return vt_probe(&job);
}

pn_word_t vt_read_ok(pn_word_t addr)
{
    vt_outcome_t o = vt_probe_read(addr);
    char buf[128];
    if (o.faulted)
        FAIL("reading 0x%lx: expected no fault, got %s", addr,
             outcome_text(buf, sizeof buf, o));
    return o.mr[0];
}

void vt_write_ok(pn_word_t addr, pn_word_t val)
{
    vt_outcome_t o = vt_probe_write(addr, val);
    char buf[128];
    if (o.faulted)
        FAIL("writing 0x%lx: expected no fault, got %s", addr,
             outcome_text(buf, sizeof buf, o));
}

void vt_expect_vmfault(const char *file, int line, vt_outcome_t o, pn_word_t ip,
                       pn_word_t addr, pn_word_t prefetch, pn_word_t fsr)
{
    if (o.faulted && o.info == pn_msginfo(PN_FAULT_VM, 0, 0, PN_VM_FAULT_LENGTH) &&
        o.badge == 0 && o.mr[0] == ip && o.mr[1] == addr && o.mr[2] == prefetch &&
        o.mr[3] == fsr)
        return;
    char buf[128];
    test_fail(file, line,
              "expected VMFault [IP 0x%lx, addr 0x%lx, prefetch %lu, FSR 0x%lx], got %s "
              "(info 0x%lx, badge %lu)",
              ip, addr, prefetch, fsr, outcome_text(buf, sizeof buf, o), o.info, o.badge);
}

int vt_cpu_has_nx(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000001u)
        return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    return (d >> 20) & 1;
}
