/* A root task's object toolkit (pecan/rootobj.h). */
#include <pecan/rootobj.h>

pn_word_t invoke_result[4];
unsigned obj_count[PN_OBJ_TYPE_COUNT];

/* CNode cap data (types.md §4): guard size in bits 5..0, guard value (0) from bit 6 */
#define PROCESS_CSPACE_GUARD (64 - PROCESS_CNODE_BITS)

/* End of the root's text and rodata (user/lib/root-task.ld). */
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

void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_report(fmt, ap);
    va_end(ap);
    for (;;)
        __asm__ volatile("ud2");
}

void must(pn_word_t err, const char *what)
{
    if (err)
        fail("%s: %s (%lu, MRs %lu %lu %lu)", what, pn_error_name(err), err, invoke_result[0],
             invoke_result[1], invoke_result[2]);
}

/* ---- slots and objects ---- */

pn_cptr_t slot_alloc(void)
{
    if (!next_slot)
        next_slot = pn_bootinfo->empty.start;
    if (next_slot >= pn_bootinfo->empty.end)
        fail("out of slots in the root CNode");
    return next_slot++;
}

pn_cptr_t ram_untyped(unsigned bits, const pn_untyped_desc_t **desc)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_cptr_t best = 0;
    const pn_untyped_desc_t *best_desc = NULL;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (d->is_device || d->size_bits < bits)
            continue;
        if (!best || d->size_bits < best_desc->size_bits) {
            best = bi->untyped.start + k;
            best_desc = d;
        }
    }
    if (!best)
        fail("no RAM untyped of 2^%u bytes", bits);
    if (desc)
        *desc = best_desc;
    return best;
}

void objects_from(pn_cptr_t ut) { untyped = ut; }

pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits)
{
    pn_cptr_t slot = slot_alloc();
    must(invoke(untyped, PN_UNTYPED_RETYPE, W(type, size_bits, 0, 0, slot, 1), C(ROOT_CNODE)),
         "Untyped_Retype");
    obj_count[type]++;
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
        /* MR1 = MissingCapability, MR2 = the bits left: which level is missing */
        pn_word_t type, label;
        switch (invoke_result[2]) {
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

pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us, pn_word_t badge)
{
    pn_cptr_t sc = obj_new(PN_OBJ_SCHED_CONTEXT, 8);
    must(invoke(pn_bootinfo->sched_control.start, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                W(budget_us, period_us, 0, badge, 0), C(sc)),
         "SchedControl_ConfigureFlags");
    return sc;
}

/* ---- processes ---- */

void process_create(process_t *p)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    p->threads = 0;

    /* CSpace: 16 slots; the guard (60 zero bits) makes cptr n resolve to slot n */
    p->cnode = obj_new(PN_OBJ_CNODE, PROCESS_CNODE_BITS);

    /* VSpace: a PML4 with an ASID from the root's pool */
    p->pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    must(invoke(PN_CAP_SLOT_INIT_ASID_POOL, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(p->pml4)),
         "X86_ASIDPool_Assign");

    /* the root's text and rodata, read-only, through copies of its frame caps */
    pn_word_t start = (pn_word_t)__pn_image_start;
    for (pn_word_t va = start; va < (pn_word_t)__pn_rodata_end; va += PN_PAGE_SIZE) {
        pn_cptr_t frame = bi->user_image_frames.start + (va - start) / PN_PAGE_SIZE;
        map_frame(p->pml4, cap_mint(frame, PN_RIGHT_READ, 0), va, PN_RIGHT_READ);
    }
}

pn_cptr_t thread_create(process_t *p)
{
    unsigned k = p->threads;
    if (k >= PROCESS_MAX_THREADS)
        fail("more than %u threads in a process", PROCESS_MAX_THREADS);

    /* private IPC buffer and stack */
    pn_cptr_t ipc = obj_new(PN_OBJ_X86_4K, 0);
    map_frame(p->pml4, ipc, THREAD_IPC(k), PN_RIGHTS_RW);
    for (unsigned i = 0; i < THREAD_STACK_PAGES; i++)
        map_frame(p->pml4, obj_new(PN_OBJ_X86_4K, 0), THREAD_STACK_BASE(k) + i * PN_PAGE_SIZE,
                  PN_RIGHTS_RW);

    /* the thread */
    p->tcb[k] = obj_new(PN_OBJ_TCB, 0);
    must(invoke(p->tcb[k], PN_TCB_CONFIGURE, W(PROCESS_CSPACE_GUARD, 0, THREAD_IPC(k)),
                C(p->cnode, p->pml4, ipc)),
         "TCB_Configure");
    p->threads++;
    return p->tcb[k];
}

void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge)
{
    if (badge)
        must(invoke(p->cnode, PN_CNODE_MINT,
                    W(index, PROCESS_CNODE_BITS, src, 64, rights, badge), C(ROOT_CNODE)),
             "CNode_Mint into a process's CNode");
    else
        must(invoke(p->cnode, PN_CNODE_COPY, W(index, PROCESS_CNODE_BITS, src, 64, rights),
                    C(ROOT_CNODE)),
             "CNode_Copy into a process's CNode");
}

void thread_sched(process_t *p, unsigned k, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep)
{
    must(invoke(p->tcb[k], PN_TCB_SET_SCHED_PARAMS, W(0, prio),
                C(PN_CAP_SLOT_INIT_TCB, sc, fault_ep)),
         "TCB_SetSchedParams");
}

void thread_start(process_t *p, unsigned k, void *entry, pn_word_t a0, pn_word_t a1,
                  pn_word_t a2)
{
    pn_word_t regs[2 + PN_UC_COUNT] = {1 /* resume */, PN_UC_COUNT};
    pn_word_t *uc = regs + 2;
    uc[PN_UC_RIP] = (pn_word_t)entry;
    uc[PN_UC_RSP] = THREAD_STACK_TOP(k) - 8; /* as if called: rsp + 8 is 16-byte aligned */
    uc[PN_UC_RFLAGS] = 0x202;
    uc[PN_UC_RDI] = a0;
    uc[PN_UC_RSI] = a1;
    uc[PN_UC_RDX] = a2;
    must(invoke(p->tcb[k], PN_TCB_WRITE_REGISTERS, regs, PN_ARRAY_SIZE(regs), NO_CAPS),
         "TCB_WriteRegisters");
}
