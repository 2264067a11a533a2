/* The benchmark root task's object toolkit (kobj.h). */
#include <pecan/com1.h>
#include "kobj.h"

pn_cptr_t exit_port;
pn_word_t invoke_result[4];

#define PROC_CSPACE_GUARD (64 - PROC_CNODE_BITS)

extern char __pn_rodata_end[];

static pn_cptr_t next_slot;
static pn_cptr_t untyped;

pn_word_t invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                 const pn_cptr_t *caps, unsigned ncaps)
{
    for (unsigned i = 0; i < PN_ARRAY_SIZE(invoke_result); i++)
        invoke_result[i] = 0;
    return pn_msginfo_label(pn_invoke(cap, label, words, nwords, caps, ncaps, invoke_result,
                                      PN_ARRAY_SIZE(invoke_result)));
}

void bench_fail(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    pn_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pn_com1_printf("BENCH FAILED: %s\n", buf);
    if (exit_port)
        pn_qemu_exit(exit_port, 1); /* QEMU status 3: not a normal halt */
    for (;;)
        __asm__ volatile("ud2");
}

void must(pn_word_t err, const char *what)
{
    if (err)
        bench_fail("%s: error %lu (MRs %lu %lu %lu)", what, err, invoke_result[0],
                   invoke_result[1], invoke_result[2]);
}

pn_cptr_t slot_alloc(void)
{
    if (!next_slot)
        next_slot = pn_bootinfo->empty.start;
    if (next_slot >= pn_bootinfo->empty.end)
        bench_fail("out of slots in the root CNode");
    return next_slot++;
}

void objects_from(pn_cptr_t ut) { untyped = ut; }

pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits)
{
    pn_cptr_t slot = slot_alloc();
    must(invoke(untyped, PN_UNTYPED_RETYPE, W(type, size_bits, 0, 0, slot, 1), C(ROOT_CNODE)),
         "Untyped_Retype");
    return slot;
}

pn_cptr_t cap_mint(pn_cptr_t src, pn_word_t rights, pn_word_t badge)
{
    pn_cptr_t slot = slot_alloc();
    if (badge)
        must(invoke(ROOT_CNODE, PN_CNODE_MINT, W(slot, 64, src, 64, rights, badge),
                    C(ROOT_CNODE)),
             "CNode_Mint");
    else
        must(invoke(ROOT_CNODE, PN_CNODE_COPY, W(slot, 64, src, 64, rights), C(ROOT_CNODE)),
             "CNode_Copy");
    return slot;
}

void map_frame(pn_cptr_t vspace, pn_cptr_t frame, pn_word_t vaddr, pn_word_t rights)
{
    for (;;) {
        pn_word_t err = invoke(frame, PN_X86_PAGE_MAP, W(vaddr, rights, PN_X86_WRITE_BACK),
                               C(vspace));
        if (err != PN_FAILED_LOOKUP) {
            must(err, "X86_Page_Map");
            return;
        }
        pn_word_t type, label;
        switch (invoke_result[2]) { /* bits left: which level is missing */
        case 39:
            type = PN_OBJ_X86_PDPT, label = PN_X86_PDPT_MAP;
            break;
        case 30:
            type = PN_OBJ_X86_PAGE_DIRECTORY, label = PN_X86_PAGE_DIRECTORY_MAP;
            break;
        case 21:
            type = PN_OBJ_X86_PAGE_TABLE, label = PN_X86_PAGE_TABLE_MAP;
            break;
        default:
            must(err, "X86_Page_Map");
            return;
        }
        must(invoke(obj_new(type, 0), label, W(vaddr, PN_X86_WRITE_BACK), C(vspace)),
             "mapping a paging structure");
    }
}

void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge)
{
    if (badge)
        must(invoke(p->cnode, PN_CNODE_MINT, W(index, PROC_CNODE_BITS, src, 64, rights, badge),
                    C(ROOT_CNODE)),
             "CNode_Mint into a process");
    else
        must(invoke(p->cnode, PN_CNODE_COPY, W(index, PROC_CNODE_BITS, src, 64, rights),
                    C(ROOT_CNODE)),
             "CNode_Copy into a process");
}

void process_create(process_t *p, unsigned threads, pn_cptr_t shared_frame)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    p->threads = threads;
    p->cnode = obj_new(PN_OBJ_CNODE, PROC_CNODE_BITS);
    p->pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    must(invoke(PN_CAP_SLOT_INIT_ASID_POOL, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(p->pml4)),
         "X86_ASIDPool_Assign");

    pn_word_t start = (pn_word_t)__pn_image_start;
    for (pn_word_t va = start; va < (pn_word_t)__pn_rodata_end; va += PN_PAGE_SIZE) {
        pn_cptr_t frame = bi->user_image_frames.start + (va - start) / PN_PAGE_SIZE;
        map_frame(p->pml4, cap_mint(frame, PN_RIGHT_READ, 0), va, PN_RIGHT_READ);
    }
    map_frame(p->pml4, cap_mint(shared_frame, PN_RIGHTS_RW, 0), SHARED_VADDR, PN_RIGHTS_RW);

    for (unsigned k = 0; k < threads; k++) {
        pn_cptr_t ipc = obj_new(PN_OBJ_X86_4K, 0);
        map_frame(p->pml4, ipc, THREAD_IPC(k), PN_RIGHTS_RW);
        for (unsigned i = 0; i < THREAD_STACK_PAGES; i++)
            map_frame(p->pml4, obj_new(PN_OBJ_X86_4K, 0), THREAD_STACK_BASE(k) + i * PN_PAGE_SIZE,
                      PN_RIGHTS_RW);
        p->tcb[k] = obj_new(PN_OBJ_TCB, 0);
        must(invoke(p->tcb[k], PN_TCB_CONFIGURE, W(PROC_CSPACE_GUARD, 0, THREAD_IPC(k)),
                    C(p->cnode, p->pml4, ipc)),
             "TCB_Configure");
    }
}

void thread_sched(process_t *p, unsigned k, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep)
{
    must(invoke(p->tcb[k], PN_TCB_SET_SCHED_PARAMS, W(0, prio),
                C(PN_CAP_SLOT_INIT_TCB, sc, fault_ep)),
         "TCB_SetSchedParams");
}

void thread_start(process_t *p, unsigned k, thread_params_t *params)
{
    pn_word_t regs[2 + PN_UC_COUNT] = {1 /* resume */, PN_UC_COUNT};
    pn_word_t *uc = regs + 2;
    uc[PN_UC_RIP] = (pn_word_t)bench_thread;
    uc[PN_UC_RSP] = THREAD_STACK_TOP(k) - 8; /* as if called */
    uc[PN_UC_RFLAGS] = 0x202;
    uc[PN_UC_RDI] = (pn_word_t)params;
    must(invoke(p->tcb[k], PN_TCB_WRITE_REGISTERS, regs, PN_ARRAY_SIZE(regs), NO_CAPS),
         "TCB_WriteRegisters");
}

void thread_suspend(process_t *p, unsigned k)
{
    must(invoke(p->tcb[k], PN_TCB_SUSPEND, NO_WORDS, NO_CAPS), "TCB_Suspend");
}

pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us)
{
    pn_cptr_t sc = obj_new(PN_OBJ_SCHED_CONTEXT, 8);
    must(invoke(pn_bootinfo->sched_control.start, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                W(budget_us, period_us, 0, 0, 0), C(sc)),
         "SchedControl_ConfigureFlags");
    return sc;
}
