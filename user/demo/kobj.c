/* The root task's object toolkit (kobj.h). */
#include "kobj.h"

pn_word_t invoke_result[4];
unsigned obj_count[PN_OBJ_TYPE_COUNT];

/* CNode cap data (types.md §4): guard size in bits 5..0, guard value (0) from bit 6 */
#define CHILD_CSPACE_GUARD (64 - CHILD_CNODE_BITS)

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

const char *error_name(pn_word_t err)
{
    static const char *const names[] = {
        "NoError",         "InvalidArgument", "InvalidCapability", "IllegalOperation",
        "RangeError",      "AlignmentError",  "FailedLookup",      "TruncatedMessage",
        "DeleteFirst",     "RevokeFirst",     "NotEnoughMemory",
    };
    return err < PN_ARRAY_SIZE(names) ? names[err] : "unknown error";
}

void demo_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pn_puts("demo FAILED: ");
    pn_vprintf(fmt, ap);
    pn_puts("\n");
    va_end(ap);
    /* An unhandled fault rather than DebugHalt, so that the run does not pass. */
    for (;;)
        __asm__ volatile("ud2");
}

void must(pn_word_t err, const char *what)
{
    if (err)
        demo_fail("%s: %s (%lu, MRs %lu %lu %lu)", what, error_name(err), err,
                  invoke_result[0], invoke_result[1], invoke_result[2]);
}

/* ---- slots and objects ---- */

pn_cptr_t slot_alloc(void)
{
    if (!next_slot)
        next_slot = pn_bootinfo->empty.start;
    if (next_slot >= pn_bootinfo->empty.end)
        demo_fail("out of slots in the root CNode");
    return next_slot++;
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

/* ---- processes ---- */

void process_give(process_t *p, pn_word_t index, pn_cptr_t src, pn_word_t rights,
                  pn_word_t badge)
{
    if (badge)
        must(invoke(p->cnode, PN_CNODE_MINT,
                    W(index, CHILD_CNODE_BITS, src, 64, rights, badge), C(ROOT_CNODE)),
             "CNode_Mint into a process's CNode");
    else
        must(invoke(p->cnode, PN_CNODE_COPY, W(index, CHILD_CNODE_BITS, src, 64, rights),
                    C(ROOT_CNODE)),
             "CNode_Copy into a process's CNode");
}

void process_map(process_t *p, pn_cptr_t frame, pn_word_t vaddr, pn_word_t rights)
{
    for (;;) {
        pn_word_t err = invoke(frame, PN_X86_PAGE_MAP, W(vaddr, rights, PN_X86_WRITE_BACK),
                               C(p->pml4));
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
        must(invoke(obj_new(type, 0), label, W(vaddr, PN_X86_WRITE_BACK), C(p->pml4)),
             "mapping a paging structure");
    }
}

void process_create(process_t *p, const char *name)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    p->name = name;

    /* CSpace: 16 slots; the guard (60 zero bits) makes cptr n resolve to slot n */
    p->cnode = obj_new(PN_OBJ_CNODE, CHILD_CNODE_BITS);

    /* VSpace: a PML4 with an ASID from the root's pool */
    p->pml4 = obj_new(PN_OBJ_X64_PML4, 0);
    must(invoke(PN_CAP_SLOT_INIT_ASID_POOL, PN_X86_ASID_POOL_ASSIGN, NO_WORDS, C(p->pml4)),
         "X86_ASIDPool_Assign");

    /* the root's text and rodata, read-only, through copies of its frame caps */
    pn_word_t start = (pn_word_t)__pn_image_start;
    for (pn_word_t va = start; va < (pn_word_t)__pn_rodata_end; va += PN_PAGE_SIZE) {
        pn_cptr_t frame = bi->user_image_frames.start + (va - start) / PN_PAGE_SIZE;
        process_map(p, cap_mint(frame, PN_RIGHT_READ, 0), va, PN_RIGHT_READ);
    }

    /* private IPC buffer and stack */
    p->ipc_frame = obj_new(PN_OBJ_X86_4K, 0);
    process_map(p, p->ipc_frame, CHILD_IPC_BUFFER, PN_RIGHTS_RW);
    for (unsigned i = 0; i < CHILD_STACK_PAGES; i++)
        process_map(p, obj_new(PN_OBJ_X86_4K, 0), CHILD_STACK_BASE + i * PN_PAGE_SIZE,
                    PN_RIGHTS_RW);

    /* the thread */
    p->tcb = obj_new(PN_OBJ_TCB, 0);
    must(invoke(p->tcb, PN_TCB_CONFIGURE,
                W(CHILD_CSPACE_GUARD, 0, CHILD_IPC_BUFFER),
                C(p->cnode, p->pml4, p->ipc_frame)),
         "TCB_Configure");
    pn_debug_name_thread(p->tcb, name);
}

void process_sched(process_t *p, pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep)
{
    must(invoke(p->tcb, PN_TCB_SET_SCHED_PARAMS, W(0, prio),
                C(PN_CAP_SLOT_INIT_TCB, sc, fault_ep)),
         "TCB_SetSchedParams");
}

void process_start(process_t *p, void *entry, pn_word_t a0, pn_word_t a1, pn_word_t a2)
{
    pn_word_t regs[2 + PN_UC_COUNT] = {1 /* resume */, PN_UC_COUNT};
    pn_word_t *uc = regs + 2;
    uc[PN_UC_RIP] = (pn_word_t)entry;
    uc[PN_UC_RSP] = CHILD_STACK_TOP - 8; /* as if called: rsp + 8 is 16-byte aligned */
    uc[PN_UC_RFLAGS] = 0x202;
    uc[PN_UC_RDI] = a0;
    uc[PN_UC_RSI] = a1;
    uc[PN_UC_RDX] = a2;
    must(invoke(p->tcb, PN_TCB_WRITE_REGISTERS, regs, PN_ARRAY_SIZE(regs), NO_CAPS),
         "TCB_WriteRegisters");
}

pn_cptr_t sc_new(pn_word_t budget_us, pn_word_t period_us, pn_word_t badge)
{
    pn_cptr_t sc = obj_new(PN_OBJ_SCHED_CONTEXT, 8);
    must(invoke(pn_bootinfo->sched_control.start, PN_SCHED_CONTROL_CONFIGURE_FLAGS,
                W(budget_us, period_us, 0, badge, 0), C(sc)),
         "SchedControl_ConfigureFlags");
    return sc;
}
