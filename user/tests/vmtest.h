/*
 * Helpers for the x86 paging, ASID, VM-fault and IRQ tests (issue 5).  Built on captest.h
 * (fresh slots and memory, call()/EXPECT()); every symbol here starts with vt_.
 *
 * Address space: each test takes fresh regions of the root task's own VSpace, one PML4
 * slot (512 GiB) each, from slot 16 to 127 (the image is in slot 0; slots 128..255 are
 * left for fixed addresses):
 *   vt_region()        a fresh 512 GiB-aligned address with a new PDPT mapped there
 *   vt_region_pd()     the same plus a page directory for its first GiB
 *   vt_region_pt()     the same plus a page table for its first 2 MiB
 *
 * Accesses whose outcome is under test are never made by the test itself (a fault would
 * stop the root task): a "prober" thread in the root task's VSpace and CSpace runs a job
 * (read, write, jump, or touch / invoke / touch again with no thread switch in between)
 * and reports with a Call on an endpoint that is also its fault handler, so the test
 * receives either the report or the VMFault message (faults.md §2).
 */
#ifndef PECAN_TESTS_VMTEST_H
#define PECAN_TESTS_VMTEST_H

#include "captest.h"

/* The user-address limit used by every Map method (invocations.md §3.7). */
#define VT_USER_LIMIT 0x00007ffffffffffful
#define VT_PML4_SPAN (1ul << 39)
#define VT_PDPT_SPAN (1ul << 30)
#define VT_PD_SPAN (1ul << 21)

/* x86 page-fault error code bits (the VMFault FSR word). */
#define VT_PF_PRESENT 0x1
#define VT_PF_WRITE 0x2
#define VT_PF_USER 0x4
#define VT_PF_FETCH 0x10

/* ---- paging invocations (reply_t, checked with EXPECT) ---- */
reply_t vt_pdpt_map(pn_cptr_t pdpt, pn_cptr_t pml4, pn_word_t vaddr);
reply_t vt_pd_map(pn_cptr_t pd, pn_cptr_t pml4, pn_word_t vaddr);
reply_t vt_pt_map(pn_cptr_t pt, pn_cptr_t pml4, pn_word_t vaddr);
reply_t vt_page_map(pn_cptr_t frame, pn_cptr_t pml4, pn_word_t vaddr, pn_word_t rights,
                    pn_word_t attr);
reply_t vt_unmap(pn_cptr_t cap, pn_word_t label);
pn_word_t vt_paddr(pn_cptr_t frame); /* GetAddress, checked to succeed with 1 word */

/* New objects mapped into `pml4` at vaddr (checked to succeed); return the cap. */
pn_cptr_t vt_new_pdpt(pn_cptr_t pml4, pn_word_t vaddr);
pn_cptr_t vt_new_pd(pn_cptr_t pml4, pn_word_t vaddr);
pn_cptr_t vt_new_pt(pn_cptr_t pml4, pn_word_t vaddr);
pn_cptr_t vt_new_frame(pn_word_t type, pn_cptr_t pml4, pn_word_t vaddr, pn_word_t rights);

/* Fresh regions of the root VSpace (see above). */
pn_word_t vt_region(void);
pn_word_t vt_region_pd(void);
pn_word_t vt_region_pt(void);

/* A new PML4 assigned an ASID from the initial pool. */
pn_cptr_t vt_new_vspace(void);

/* ---- threads ---- */
typedef struct vt_thread {
    pn_cptr_t tcb, sc;
} vt_thread_t;

/* A new thread at priority `prio` (authority: the root TCB) with its own round-robin
 * SchedContext, the root CNode as CSpace, `vspace` as VSpace, IPC buffer `ipc_frame` at
 * `ipc_vaddr` (0: none) and fault handler `fault_ep` (0: none).  Not started. */
void vt_thread_new(vt_thread_t *t, pn_cptr_t vspace, pn_word_t prio, pn_cptr_t ipc_frame,
                   pn_word_t ipc_vaddr, pn_cptr_t fault_ep);
/* WriteRegisters with resume: rip = fn, rsp = stack_top - 8, rdi/rsi/rdx = args. */
void vt_thread_start(vt_thread_t *t, pn_word_t fn, pn_word_t stack_top, pn_word_t a0,
                     pn_word_t a1, pn_word_t a2);

/* ---- the prober ---- */
enum vt_op {
    VT_READ,              /* value = *addr */
    VT_WRITE,             /* *addr = val */
    VT_EXEC,              /* call addr */
    VT_READ_INVOKE_READ,  /* *addr; invoke; value = *addr */
    VT_WRITE_INVOKE_WRITE /* *addr = val; invoke; *addr = val + 1 */
};

typedef struct vt_job {
    int op;
    pn_word_t addr, val;
    /* the invocation of the *_INVOKE_* jobs, made by the prober itself (Call) */
    pn_cptr_t cap;
    pn_word_t label;
    pn_word_t words[4];
    unsigned nwords;
    pn_cptr_t xcap; /* one extra cap if ncaps = 1 */
    unsigned ncaps;
    pn_word_t invoke_info; /* out: reply info of that invocation */
} vt_job_t;

typedef struct vt_outcome {
    int faulted;      /* 1: the test got a fault message */
    pn_word_t info;   /* message info received */
    pn_word_t badge;
    pn_word_t mr[4];  /* report: mr[0] = value read; fault: the fault words */
} vt_outcome_t;

/* Runs one job on the prober and returns what the test received.  After a fault the
 * prober stays blocked (its fault unanswered) until vt_reply_fault() or the next job. */
vt_outcome_t vt_probe(vt_job_t *job);
/* Answers the prober's fault (empty reply: the faulting instruction is re-executed) and
 * returns what comes next. */
vt_outcome_t vt_reply_fault(void);

/* Shorthands: the value read / nothing; FAIL on a fault. */
pn_word_t vt_read_ok(pn_word_t addr);
void vt_write_ok(pn_word_t addr, pn_word_t val);
/* Expect a fault of the prober with exactly these VMFault words (faults.md §2). */
void vt_expect_vmfault(const char *file, int line, vt_outcome_t o, pn_word_t ip,
                       pn_word_t addr, pn_word_t prefetch, pn_word_t fsr);
#define EXPECT_VMFAULT(o, ip, addr, prefetch, fsr) \
    vt_expect_vmfault(__FILE__, __LINE__, (o), (ip), (addr), (prefetch), (fsr))
vt_outcome_t vt_probe_read(pn_word_t addr);
vt_outcome_t vt_probe_write(pn_word_t addr, pn_word_t val);

/* Address of the faulting instruction of the prober's reads / writes (vmtest_asm.S). */
extern char vt_read64_insn[], vt_write64_insn[];
pn_word_t vt_read64(pn_word_t addr);
void vt_write64(pn_word_t addr, pn_word_t val);

/* 1 if the CPU has NX (CPUID 0x80000001 EDX bit 20): then the kernel's EFER.NXE makes
 * instruction-fetch faults set bit 4 of the error code. */
int vt_cpu_has_nx(void);

/* The root task's shared endpoint and reply object used by the prober. */
pn_cptr_t vt_fault_ep(void);
pn_cptr_t vt_fault_reply(void);

/* A label for the prober's report (any non-fault label works; faults use 1..6). */
#define VT_REPORT_LABEL 0x7e57

#endif
