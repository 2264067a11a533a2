/*
 * Isolation (issue 8, item 4): one address space cannot read or write another's memory
 * without a mapping cap.
 *
 * Address space A has a frame holding a secret; the root task maps the same frame too.  A
 * thread in address space B (its own PML4 with an ASID; the root's text and rodata mapped
 * read-only, a private stack) reads and writes A's address of the frame, the root task's
 * address of it, the root task's data, and the frame's address in the kernel window.  Each
 * access is a VMFault with the words faults.md gives (nothing mapped there in B: not
 * present; the kernel window: present but supervisor-only), and the secret is unchanged.
 */
#include "vmtest.h"

extern char __pn_rodata_end[];
extern char iso_read64_insn[], iso_write64_insn[];

#define ISO_A_ADDR 0x10001000ul   /* where A maps the secret frame */
#define ISO_STACK 0x10200000ul    /* B's stack page */
#define ISO_SECRET 0x5ec7e75ec7e7ul
#define KERNEL_WINDOW 0xffffff8000000000ul

static pn_word_t root_secret_copy = ISO_SECRET; /* root data: B must not see it either */

/* B's code: read or write one word (iso_asm below), then report through a Call on its
 * fault handler endpoint is not possible (it holds no caps): every access here faults. */
__asm__(".text\n"
        ".globl iso_read64, iso_read64_insn\n"
        "iso_read64:\n"
        "iso_read64_insn: movq (%rdi), %rax\n"
        "    ud2\n"
        ".globl iso_write64, iso_write64_insn\n"
        "iso_write64:\n"
        "iso_write64_insn: movq %rsi, (%rdi)\n"
        "    ud2\n");
void iso_read64(pn_word_t addr);
void iso_write64(pn_word_t addr, pn_word_t val);

/* (the PML4 caps made here are the only ones: deleting them frees their ASIDs) */
static pn_cptr_t new_space_with_code(void)
{
    pn_cptr_t pml4 = vt_new_vspace();
    vt_new_pdpt(pml4, 0);
    vt_new_pd(pml4, 0);
    vt_new_pt(pml4, (pn_word_t)__pn_image_start);
    vt_new_pt(pml4, ISO_STACK & ~(VT_PD_SPAN - 1));
    if ((pn_word_t)__pn_rodata_end - (pn_word_t)__pn_image_start > VT_PD_SPAN)
        FAIL("the image's text and rodata do not fit in one page table");
    for (pn_word_t va = (pn_word_t)__pn_image_start; va < (pn_word_t)__pn_rodata_end;
         va += PN_PAGE_SIZE) {
        pn_cptr_t f = pn_bootinfo->user_image_frames.start +
                      (va - (pn_word_t)__pn_image_start) / PN_PAGE_SIZE;
        EXPECT_OK(vt_page_map(copy_new(f, PN_RIGHT_READ), pml4, va, PN_RIGHT_READ,
                              PN_X86_WRITE_BACK));
    }
    return pml4;
}

TEST(isolation_address_spaces_cannot_touch_each_other)
{
    /* A: the secret frame at ISO_A_ADDR; the root maps it as well */
    pn_cptr_t a = vt_new_vspace();
    vt_new_pdpt(a, 0);
    vt_new_pd(a, 0);
    vt_new_pt(a, ISO_A_ADDR & ~(VT_PD_SPAN - 1));
    pn_cptr_t secret = obj_new(PN_OBJ_X86_4K, 0);
    EXPECT_OK(vt_page_map(secret, a, ISO_A_ADDR, PN_RIGHTS_RW, PN_X86_WRITE_BACK));
    pn_word_t root_addr = vt_region_pt();
    EXPECT_OK(vt_page_map(copy_new(secret, PN_RIGHTS_RW), PN_CAP_SLOT_INIT_VSPACE, root_addr,
                          PN_RIGHTS_RW, PN_X86_WRITE_BACK));
    volatile pn_word_t *s = (volatile pn_word_t *)root_addr;
    s[0] = ISO_SECRET;
    pn_word_t kaddr = KERNEL_WINDOW + vt_paddr(secret);

    /* B: code, a stack, no IPC buffer; the root's endpoint is its fault handler */
    pn_cptr_t b = new_space_with_code();
    EXPECT_OK(vt_page_map(obj_new(PN_OBJ_X86_4K, 0), b, ISO_STACK, PN_RIGHTS_RW,
                          PN_X86_WRITE_BACK));
    pn_cptr_t ep = obj_new(PN_OBJ_ENDPOINT, 0), reply = obj_new(PN_OBJ_REPLY, 0);
    pn_cptr_t handler = slot_alloc();
    mint_ok(handler, ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xb);
    vt_thread_t t;
    vt_thread_new(&t, b, 100, 0, 0, handler);

    const struct {
        pn_word_t addr;
        pn_word_t fsr; /* user access; +write; +present for the kernel window */
    } targets[] = {
        {ISO_A_ADDR, VT_PF_USER},
        {root_addr, VT_PF_USER},
        {(pn_word_t)&root_secret_copy, VT_PF_USER},
        {(pn_word_t)pn_bootinfo, VT_PF_USER},
        {kaddr, VT_PF_USER | VT_PF_PRESENT},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(targets); i++) {
        for (int write = 0; write < 2; write++) {
            vt_thread_start(&t, write ? (pn_word_t)iso_write64 : (pn_word_t)iso_read64,
                            ISO_STACK + PN_PAGE_SIZE, targets[i].addr, 0xbad, 0);
            pn_msg_t m = {0, {0, 0, 0, 0}};
            pn_word_t badge = pn_recv(ep, &m, reply);
            CHECK_EQ(badge, 0xb);
            if (pn_msginfo_label(m.info) != PN_FAULT_VM)
                FAIL("%s of 0x%lx from another address space: expected a VMFault, got label "
                     "%lu (MR0..3 0x%lx 0x%lx 0x%lx 0x%lx)",
                     write ? "write" : "read", targets[i].addr, pn_msginfo_label(m.info),
                     m.mr[0], m.mr[1], m.mr[2], m.mr[3]);
            CHECK_EQ(pn_msginfo_length(m.info), PN_VM_FAULT_LENGTH);
            CHECK_EQ(m.mr[0], write ? (pn_word_t)iso_write64_insn : (pn_word_t)iso_read64_insn);
            CHECK_EQ(m.mr[1], targets[i].addr);
            CHECK_EQ(m.mr[2], 0);
            CHECK_EQ(m.mr[3], targets[i].fsr | (write ? VT_PF_WRITE : 0));
        }
    }
    CHECK_EQ(s[0], ISO_SECRET);
    CHECK_EQ(root_secret_copy, ISO_SECRET);
    /* give the two ASIDs back (later tests count the free ones): the thread, then the
     * only caps to the PML4s */
    delete_ok(t.tcb);
    delete_ok(a);
    delete_ok(b);
}
