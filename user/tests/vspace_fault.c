/* Issue 5: VM faults (faults.md §2 VMFault, §3 delivery and reply) and unmapping by
 * Unmap, remap, deletion and revocation (invocations.md §3.7, semantics.md §4).  The
 * prober thread (vmtest.h) makes the accesses; its fault handler is an endpoint the test
 * receives on.
 *
 * The "no switch" tests have the prober itself touch a page (loading its translation),
 * make the invocation that removes or changes the mapping, and touch the page again: the
 * kernel returns straight to the prober, so only the kernel's TLB invalidation can make
 * the second access fault. */
#include "vmtest.h"

#define READ_IP ((pn_word_t)vt_read64_insn)
#define WRITE_IP ((pn_word_t)vt_write64_insn)
#define PF_RO_WRITE (VT_PF_PRESENT | VT_PF_WRITE | VT_PF_USER)

TEST(vspace_vmfault_unmapped_reads_and_writes)
{
    /* MR0 IP of the faulting instruction, MR1 the address, MR2 0 (data access), MR3 the
     * error code: user, not present (+ write) */
    pn_word_t r = vt_region();
    pn_word_t rd = vt_region_pd();
    pn_word_t rt = vt_region_pt();
    pn_word_t addrs[] = {
        0x8,                          /* below the root task's image */
        (pn_word_t)1 << 46,           /* PML4 slot 128: no PDPT */
        r + 3 * VT_PDPT_SPAN + 0x18,  /* PDPT present, no PD */
        rd + 5 * VT_PD_SPAN + 0x20,   /* PD present, no PT */
        rt + 0x5008,                  /* PT present, no page */
        rt + VT_PD_SPAN - 8,          /* last word of the PT's range */
        VT_USER_LIMIT - 7,            /* the last user word */
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(addrs); i++) {
        EXPECT_VMFAULT(vt_probe_read(addrs[i]), READ_IP, addrs[i], 0, VT_PF_USER);
        EXPECT_VMFAULT(vt_probe_write(addrs[i], 1), WRITE_IP, addrs[i], 0,
                       VT_PF_USER | VT_PF_WRITE);
    }
    /* an access that is not 8-byte aligned reports its exact address */
    EXPECT_VMFAULT(vt_probe_read(rt + 0x6003), READ_IP, rt + 0x6003, 0, VT_PF_USER);
}

TEST(vspace_vmfault_instruction_fetch)
{
    /* a jump to an unmapped address: IP = Addr = the target, PrefetchFault = 1 if the
     * error code says instruction fetch (bit 4, reported when NX is on) */
    pn_word_t fetch = vt_cpu_has_nx() ? VT_PF_FETCH : 0;
    pn_word_t rt = vt_region_pt();
    pn_word_t targets[] = {rt + 0x7000, rt + 0x7abc, (pn_word_t)3 << 40};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(targets); i++) {
        vt_job_t job = {.op = VT_EXEC, .addr = targets[i]};
        EXPECT_VMFAULT(vt_probe(&job), targets[i], targets[i], fetch ? 1 : 0,
                       VT_PF_USER | fetch);
    }
}

TEST(vspace_vmfault_protection)
{
    pn_word_t rt = vt_region_pt();
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    /* read-only mapping: reads work, writes fault with present | write | user */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHT_READ, 0));
    CHECK_EQ(vt_read_ok(rt + 0xff0), 0);
    EXPECT_VMFAULT(vt_probe_write(rt + 0xff0, 5), WRITE_IP, rt + 0xff0, 0, PF_RO_WRITE);
    /* kernel-only mapping (no Read right): reads fault with present | user */
    pn_cptr_t k = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(k, PN_CAP_SLOT_INIT_VSPACE, rt + 0x1000, PN_RIGHT_WRITE, 0));
    EXPECT_VMFAULT(vt_probe_read(rt + 0x1010), READ_IP, rt + 0x1010, 0,
                   VT_PF_PRESENT | VT_PF_USER);
}

TEST(vspace_vmfault_reply_restarts_the_access)
{
    /* the reply to a VMFault writes nothing and restarts the faulting instruction
     * (faults.md §3): unanswered the same fault comes back; once the page is mapped the
     * access completes */
    pn_word_t rt = vt_region_pt();
    pn_word_t a = rt + 0x3a8;
    EXPECT_VMFAULT(vt_probe_read(a), READ_IP, a, 0, VT_PF_USER);
    EXPECT_VMFAULT(vt_reply_fault(), READ_IP, a, 0, VT_PF_USER);
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHT_READ);
    /* the frame is read-only for the test as well, so fill it through a second mapping */
    pn_cptr_t c = copy_new(f, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, rt + 0x10000, PN_RIGHTS_RW, 0));
    ((volatile pn_word_t *)(rt + 0x10000))[0x3a8 / 8] = 0xc0ffee;
    vt_outcome_t o = vt_reply_fault();
    CHECK(!o.faulted);
    CHECK_EQ(o.mr[0], 0xc0ffee);
    /* a write fault on the read-only page, answered after a remap read-write */
    EXPECT_VMFAULT(vt_probe_write(a, 0x1234), WRITE_IP, a, 0, PF_RO_WRITE);
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHTS_RW, 0));
    o = vt_reply_fault();
    CHECK(!o.faulted);
    CHECK_EQ(((volatile pn_word_t *)(rt + 0x10000))[0x3a8 / 8], 0x1234);
    /* a reply with a non-zero label and words changes nothing for a VMFault */
    EXPECT_VMFAULT(vt_probe_read(rt + 0x2000), READ_IP, rt + 0x2000, 0, VT_PF_USER);
    pn_msg_t m = {pn_msginfo(0x55, 0, 0, 4), {1, 2, 3, 4}};
    pn_word_t badge = pn_reply_recv(vt_fault_ep(), &m, vt_fault_reply());
    vt_outcome_t again = {1, m.info, badge, {m.mr[0], m.mr[1], m.mr[2], m.mr[3]}};
    EXPECT_VMFAULT(again, READ_IP, rt + 0x2000, 0, VT_PF_USER);
}

/* The prober touches `addr`, makes the invocation, and touches it again. */
static vt_outcome_t touch_invoke_touch(int write, pn_word_t addr, pn_cptr_t cap,
                                       pn_word_t label, vt_job_t *job)
{
    job->op = write ? VT_WRITE_INVOKE_WRITE : VT_READ_INVOKE_READ;
    job->addr = addr;
    job->val = 0x600d;
    job->cap = cap;
    job->label = label;
    job->invoke_info = ~0ul;
    return vt_probe(job);
}

#define CHECK_INVOKED_OK(job) CHECK_EQ((job).invoke_info, pn_msginfo(PN_NO_ERROR, 0, 0, 0))

TEST(vspace_no_switch_page_unmap_faults)
{
    pn_word_t rt = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt + 0x4000,
                               PN_RIGHTS_RW);
    vt_job_t job = {0};
    EXPECT_VMFAULT(touch_invoke_touch(0, rt + 0x4100, f, PN_X86_PAGE_UNMAP, &job), READ_IP,
                   rt + 0x4100, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    /* the same for writes, and for a 2 MiB page */
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rt + 0x4000, PN_RIGHTS_RW, 0));
    EXPECT_VMFAULT(touch_invoke_touch(1, rt + 0x4ff8, f, PN_X86_PAGE_UNMAP, &job), WRITE_IP,
                   rt + 0x4ff8, 0, VT_PF_USER | VT_PF_WRITE);
    CHECK_INVOKED_OK(job);
    pn_word_t v = rt + 4 * VT_PD_SPAN;
    pn_cptr_t l = vt_new_frame(PN_OBJ_X86_LARGE_PAGE, PN_CAP_SLOT_INIT_VSPACE, v,
                               PN_RIGHTS_RW);
    EXPECT_VMFAULT(touch_invoke_touch(0, v + 0x1a2b38, l, PN_X86_PAGE_UNMAP, &job), READ_IP,
                   v + 0x1a2b38, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
}

TEST(vspace_no_switch_remap_read_only_faults)
{
    pn_word_t rt = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt + 0x8000,
                               PN_RIGHTS_RW);
    vt_job_t job = {0};
    job.words[0] = rt + 0x8000;
    job.words[1] = PN_RIGHT_READ;
    job.words[2] = PN_X86_WRITE_BACK;
    job.nwords = 3;
    job.xcap = PN_CAP_SLOT_INIT_VSPACE;
    job.ncaps = 1;
    EXPECT_VMFAULT(touch_invoke_touch(1, rt + 0x8040, f, PN_X86_PAGE_MAP, &job), WRITE_IP,
                   rt + 0x8040, 0, PF_RO_WRITE);
    CHECK_INVOKED_OK(job);
    /* the first write went through */
    CHECK_EQ(vt_read_ok(rt + 0x8040), 0x600d);
}

TEST(vspace_no_switch_overwrite_shows_new_frame)
{
    /* mapping another frame over an existing 4 KiB entry: the next access sees the new
     * frame, not the old translation */
    pn_word_t rt = vt_region_pt();
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHTS_RW);
    ((volatile pn_word_t *)rt)[3] = 0x01d;
    pn_cptr_t g = obj_new(PN_OBJ_X86_4K, 0);
    vt_job_t job = {0};
    job.words[0] = rt;
    job.words[1] = PN_RIGHTS_RW;
    job.words[2] = PN_X86_WRITE_BACK;
    job.nwords = 3;
    job.xcap = PN_CAP_SLOT_INIT_VSPACE;
    job.ncaps = 1;
    vt_outcome_t o = touch_invoke_touch(0, rt + 0x18, g, PN_X86_PAGE_MAP, &job);
    CHECK_INVOKED_OK(job);
    CHECK(!o.faulted);
    CHECK_EQ(o.mr[0], 0); /* g is a new (zeroed) frame */
    (void)f;
}

TEST(vspace_no_switch_paging_structure_unmap_faults)
{
    vt_job_t job = {0};
    /* page table */
    pn_word_t rd = vt_region_pd();
    pn_cptr_t pt = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd + VT_PD_SPAN);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + VT_PD_SPAN + 0x9000,
                 PN_RIGHTS_RW);
    EXPECT_VMFAULT(touch_invoke_touch(0, rd + VT_PD_SPAN + 0x9008, pt,
                                      PN_X86_PAGE_TABLE_UNMAP, &job),
                   READ_IP, rd + VT_PD_SPAN + 0x9008, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    /* page directory (with a 4 KiB page below a PT and a 2 MiB page) */
    pn_word_t r = vt_region();
    pn_cptr_t pd = vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN);
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN, PN_RIGHTS_RW);
    vt_new_frame(PN_OBJ_X86_LARGE_PAGE, PN_CAP_SLOT_INIT_VSPACE,
                 r + VT_PDPT_SPAN + 7 * VT_PD_SPAN, PN_RIGHTS_RW);
    CHECK_EQ(vt_read_ok(r + VT_PDPT_SPAN + 7 * VT_PD_SPAN), 0);
    EXPECT_VMFAULT(touch_invoke_touch(0, r + VT_PDPT_SPAN + 0x10, pd,
                                      PN_X86_PAGE_DIRECTORY_UNMAP, &job),
                   READ_IP, r + VT_PDPT_SPAN + 0x10, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    EXPECT_VMFAULT(vt_probe_read(r + VT_PDPT_SPAN + 7 * VT_PD_SPAN), READ_IP,
                   r + VT_PDPT_SPAN + 7 * VT_PD_SPAN, 0, VT_PF_USER);
    /* PDPT */
    pn_word_t base = (pn_word_t)200 << 39; /* a PML4 slot the regions do not reach */
    pn_cptr_t pdpt = vt_new_pdpt(PN_CAP_SLOT_INIT_VSPACE, base);
    vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, base);
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, base);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base + 0x2000, PN_RIGHTS_RW);
    EXPECT_VMFAULT(touch_invoke_touch(1, base + 0x2080, pdpt, PN_X86_PDPT_UNMAP, &job),
                   WRITE_IP, base + 0x2080, 0, VT_PF_USER | VT_PF_WRITE);
    CHECK_INVOKED_OK(job);
}

TEST(vspace_no_switch_delete_and_revoke_fault)
{
    vt_job_t job = {0};
    pn_word_t rt = vt_region_pt();
    /* deleting the (final) cap of a mapped frame */
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt + 0xa000,
                               PN_RIGHTS_RW);
    job.words[0] = f;
    job.words[1] = ROOT_DEPTH;
    job.nwords = 2;
    EXPECT_VMFAULT(touch_invoke_touch(0, rt + 0xa008, ROOT, PN_CNODE_DELETE, &job), READ_IP,
                   rt + 0xa008, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    CHECK_CAP_TYPE(f, PN_CAP_NULL);
    /* revoking the untyped a mapped frame came from (two mapped caps to it) */
    pn_cptr_t ut = ram_untyped(16);
    pn_word_t s = slot_alloc();
    retype_ok(ut, PN_OBJ_X86_4K, 0, s, 1);
    EXPECT_OK(vt_page_map(s, PN_CAP_SLOT_INIT_VSPACE, rt + 0xb000, PN_RIGHTS_RW, 0));
    pn_cptr_t c = copy_new(s, PN_RIGHTS_ALL);
    EXPECT_OK(vt_page_map(c, PN_CAP_SLOT_INIT_VSPACE, rt + 0xc000, PN_RIGHT_READ, 0));
    CHECK_EQ(vt_read_ok(rt + 0xc000), 0);
    job.words[0] = ut;
    EXPECT_VMFAULT(touch_invoke_touch(1, rt + 0xb010, ROOT, PN_CNODE_REVOKE, &job), WRITE_IP,
                   rt + 0xb010, 0, VT_PF_USER | VT_PF_WRITE);
    CHECK_INVOKED_OK(job);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    CHECK_CAP_TYPE(c, PN_CAP_NULL);
    EXPECT_VMFAULT(vt_probe_read(rt + 0xc000), READ_IP, rt + 0xc000, 0, VT_PF_USER);
    /* deleting the final cap of a page table unlinks it (semantics.md §4) */
    pn_word_t rd = vt_region_pd();
    pn_cptr_t pt = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x1000, PN_RIGHTS_RW);
    job.words[0] = pt;
    EXPECT_VMFAULT(touch_invoke_touch(0, rd + 0x1ff8, ROOT, PN_CNODE_DELETE, &job), READ_IP,
                   rd + 0x1ff8, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    /* ... and the PD entry is free again */
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd);
    /* revoking the untyped of a mapped page directory */
    pn_word_t r = vt_region();
    pn_cptr_t ut2 = ram_untyped(16);
    pn_word_t pds = slot_alloc();
    retype_ok(ut2, PN_OBJ_X86_PAGE_DIRECTORY, 0, pds, 1);
    EXPECT_OK(vt_pd_map(pds, PN_CAP_SLOT_INIT_VSPACE, r));
    vt_new_frame(PN_OBJ_X86_LARGE_PAGE, PN_CAP_SLOT_INIT_VSPACE, r + VT_PD_SPAN,
                 PN_RIGHTS_RW);
    job.words[0] = ut2;
    EXPECT_VMFAULT(touch_invoke_touch(0, r + VT_PD_SPAN + 0x40, ROOT, PN_CNODE_REVOKE, &job),
                   READ_IP, r + VT_PD_SPAN + 0x40, 0, VT_PF_USER);
    CHECK_INVOKED_OK(job);
    vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, r);
}

TEST(vspace_unmapped_table_is_zeroed)
{
    /* PageTable_Unmap zeroes the table: mapped again, the frames below are gone, while
     * their caps still say "mapped" (invocations.md §3.7) */
    pn_word_t rd = vt_region_pd();
    pn_cptr_t pt = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd);
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x3000,
                               PN_RIGHTS_RW);
    ((volatile pn_word_t *)(rd + 0x3000))[0] = 0x77;
    EXPECT_OK(vt_unmap(pt, PN_X86_PAGE_TABLE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(rd + 0x3000), READ_IP, rd + 0x3000, 0, VT_PF_USER);
    /* unmapping an unmapped final cap succeeds */
    EXPECT_OK(vt_unmap(pt, PN_X86_PAGE_TABLE_UNMAP));
    EXPECT_OK(vt_pt_map(pt, PN_CAP_SLOT_INIT_VSPACE, rd + VT_PD_SPAN));
    EXPECT_VMFAULT(vt_probe_read(rd + VT_PD_SPAN + 0x3000), READ_IP, rd + VT_PD_SPAN + 0x3000,
                   0, VT_PF_USER);
    /* the frame cap is still mapped (at its old address): a different address is refused */
    EXPECT(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rd + VT_PD_SPAN + 0x4000, PN_RIGHTS_RW, 0),
           PN_INVALID_ARGUMENT, 0);
    /* Unmap of it succeeds; then it maps anywhere, contents kept */
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rd + VT_PD_SPAN + 0x4000, PN_RIGHTS_RW,
                          0));
    CHECK_EQ(vt_read_ok(rd + VT_PD_SPAN + 0x4000), 0x77);
    /* the same for a page directory: the PT below it is gone after Unmap + Map */
    pn_word_t r = vt_region();
    pn_cptr_t pd = vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, r);
    pn_cptr_t pt2 = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, r, PN_RIGHTS_RW);
    EXPECT_OK(vt_unmap(pd, PN_X86_PAGE_DIRECTORY_UNMAP));
    EXPECT_OK(vt_pd_map(pd, PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN));
    EXPECT_VMFAULT(vt_probe_read(r + VT_PDPT_SPAN), READ_IP, r + VT_PDPT_SPAN, 0, VT_PF_USER);
    /* the PT cap still says mapped: mapping it again is InvalidCapability(0) */
    EXPECT(vt_pt_map(pt2, PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN), PN_INVALID_CAPABILITY,
           0);
    /* a new PT fits where the old one was */
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r + VT_PDPT_SPAN);
}

TEST(vspace_vmfault_to_badged_handler_set_by_set_space)
{
    /* the fault handler given with TCB_SetSpace (C[0]), minted with a badge: the VMFault
     * arrives with that badge (faults.md §1, §3); the thread has no IPC buffer */
    pn_word_t rt = vt_region_pt();
    pn_cptr_t ep = obj_new(PN_OBJ_ENDPOINT, 0), reply = obj_new(PN_OBJ_REPLY, 0);
    pn_cptr_t badged = slot_alloc();
    mint_ok(badged, ep, PN_RIGHTS_ALL, 0xbad);
    vt_thread_t t;
    vt_thread_new(&t, PN_CAP_SLOT_INIT_VSPACE, 200, PN_CAP_SLOT_NULL, 0, PN_CAP_SLOT_NULL);
    EXPECT_OK(call(t.tcb, PN_TCB_SET_SPACE, W(0, 0),
                   C(badged, ROOT, PN_CAP_SLOT_INIT_VSPACE)));
    static char stack[4096] __attribute__((aligned(16)));
    vt_thread_start(&t, (pn_word_t)vt_read64, (pn_word_t)(stack + sizeof stack), rt + 0x1230,
                    0, 0);
    pn_msg_t m = {0};
    pn_word_t badge = pn_recv(ep, &m, reply);
    vt_outcome_t o = {1, m.info, badge, {m.mr[0], m.mr[1], m.mr[2], m.mr[3]}};
    CHECK_EQ(badge, 0xbad);
    o.badge = 0;
    EXPECT_VMFAULT(o, READ_IP, rt + 0x1230, 0, VT_PF_USER);
    delete_ok(t.tcb);
}

TEST(vspace_deletion_unmaps_only_what_it_maps)
{
    /* a frame's deletion removes its entry only if the entry still maps it
     * (semantics.md §4): A mapped, B mapped over it, A deleted => B stays */
    pn_word_t rt = vt_region_pt();
    pn_cptr_t a = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHTS_RW);
    pn_cptr_t b = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rt, PN_RIGHTS_RW);
    ((volatile pn_word_t *)rt)[1] = 0xb;
    delete_ok(a);
    CHECK_EQ(vt_read_ok(rt + 8), 0xb);
    delete_ok(b);
    EXPECT_VMFAULT(vt_probe_read(rt + 8), READ_IP, rt + 8, 0, VT_PF_USER);
    /* paging structures are unlinked when their final cap goes, not before */
    static const struct {
        pn_word_t type, label;
    } levels[] = {
        {PN_OBJ_X86_PAGE_TABLE, PN_X86_PAGE_TABLE_MAP},
        {PN_OBJ_X86_PAGE_DIRECTORY, PN_X86_PAGE_DIRECTORY_MAP},
        {PN_OBJ_X86_PDPT, PN_X86_PDPT_MAP},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(levels); i++) {
        pn_word_t base = (pn_word_t)(130 + i) << 39; /* fixed slots above the regions */
        pn_cptr_t s[3] = {0, 0, 0};
        s[2] = vt_new_pdpt(PN_CAP_SLOT_INIT_VSPACE, base);
        s[1] = vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, base);
        s[0] = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, base);
        vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, base + 0x6000, PN_RIGHTS_RW);
        pn_cptr_t c = copy_new(s[i], PN_RIGHTS_ALL);
        delete_ok(s[i]);
        CHECK_EQ(vt_read_ok(base + 0x6000), 0);
        delete_ok(c);
        EXPECT_VMFAULT(vt_probe_read(base + 0x6000), READ_IP, base + 0x6000, 0, VT_PF_USER);
        /* its slot in the level above is free again */
        EXPECT_OK(call(obj_new(levels[i].type, 0), levels[i].label, W(base, 0),
                       C(PN_CAP_SLOT_INIT_VSPACE)));
    }
}

TEST(vspace_stale_caps_unmap_only_their_own_entries)
{
    /* a cap still saying "mapped" after its parent table was unmapped (zeroed) and
     * refilled: its Unmap or deletion clears the entry only if the entry still points at
     * its object (invocations.md §3.7, semantics.md §4) */
    pn_word_t rd = vt_region_pd();
    pn_cptr_t pd = obj_new(PN_OBJ_X86_PAGE_DIRECTORY, 0);
    /* frames: F in PT T; T unmapped and mapped again at the same place; G where F was */
    pn_cptr_t t = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd);
    pn_cptr_t f = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x2000,
                               PN_RIGHTS_RW);
    EXPECT_OK(vt_unmap(t, PN_X86_PAGE_TABLE_UNMAP));
    EXPECT_OK(vt_pt_map(t, PN_CAP_SLOT_INIT_VSPACE, rd));
    pn_cptr_t g = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x2000,
                               PN_RIGHTS_RW);
    ((volatile pn_word_t *)(rd + 0x2000))[0] = 0x99;
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    CHECK_EQ(vt_read_ok(rd + 0x2000), 0x99);
    pn_cptr_t f2 = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x3000,
                                PN_RIGHTS_RW);
    EXPECT_OK(vt_unmap(t, PN_X86_PAGE_TABLE_UNMAP));
    EXPECT_OK(vt_pt_map(t, PN_CAP_SLOT_INIT_VSPACE, rd));
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, rd + 0x3000, PN_RIGHTS_RW);
    ((volatile pn_word_t *)(rd + 0x3000))[0] = 0x98;
    delete_ok(f2);
    CHECK_EQ(vt_read_ok(rd + 0x3000), 0x98);
    (void)g;
    /* page tables: T in PD D; D unmapped and mapped again; T2 where T was */
    pn_word_t r = vt_region();
    EXPECT_OK(vt_pd_map(pd, PN_CAP_SLOT_INIT_VSPACE, r));
    pn_cptr_t t1 = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r);
    EXPECT_OK(vt_unmap(pd, PN_X86_PAGE_DIRECTORY_UNMAP));
    EXPECT_OK(vt_pd_map(pd, PN_CAP_SLOT_INIT_VSPACE, r));
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, r + 0x1000, PN_RIGHTS_RW);
    EXPECT_OK(vt_unmap(t1, PN_X86_PAGE_TABLE_UNMAP));
    CHECK_EQ(vt_read_ok(r + 0x1000), 0);
    /* the stale cap is unmapped now: it maps elsewhere */
    EXPECT_OK(vt_pt_map(t1, PN_CAP_SLOT_INIT_VSPACE, r + VT_PD_SPAN));
    /* deletion of a stale page table cap */
    pn_cptr_t t3 = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r + 2 * VT_PD_SPAN);
    EXPECT_OK(vt_unmap(pd, PN_X86_PAGE_DIRECTORY_UNMAP));
    EXPECT_OK(vt_pd_map(pd, PN_CAP_SLOT_INIT_VSPACE, r));
    vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, r + 2 * VT_PD_SPAN);
    vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE, r + 2 * VT_PD_SPAN, PN_RIGHTS_RW);
    delete_ok(t3);
    CHECK_EQ(vt_read_ok(r + 2 * VT_PD_SPAN), 0);
    /* page directories: D in PDPT P; P unmapped and mapped again; D2 where D was */
    pn_word_t base = (pn_word_t)140 << 39;
    pn_cptr_t p = vt_new_pdpt(PN_CAP_SLOT_INIT_VSPACE, base);
    pn_cptr_t d1 = vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, base);
    EXPECT_OK(vt_unmap(p, PN_X86_PDPT_UNMAP));
    EXPECT_OK(vt_pdpt_map(p, PN_CAP_SLOT_INIT_VSPACE, base));
    vt_new_pd(PN_CAP_SLOT_INIT_VSPACE, base);
    vt_new_frame(PN_OBJ_X86_LARGE_PAGE, PN_CAP_SLOT_INIT_VSPACE, base, PN_RIGHTS_RW);
    EXPECT_OK(vt_unmap(d1, PN_X86_PAGE_DIRECTORY_UNMAP));
    CHECK_EQ(vt_read_ok(base + 0x100000), 0);
}

TEST(vspace_write_combining_4k_page_unmaps)
{
    /* bit 7 of a 4 KiB page's entry is its PAT bit (write-combining), where an entry
     * one level up has its large-page bit: Unmap and deletion still remove the mapping
     * (the kernel once took such an entry for a large page's, left it mapped and
     * cleared the cap's mapping; found by invariant 12 of the checking build) */
    pn_word_t rt = vt_region_pt();
    pn_cptr_t f = obj_new(PN_OBJ_X86_4K, 0);
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rt + 0xd000, PN_RIGHTS_RW,
                          PN_X86_WRITE_COMBINING));
    CHECK_EQ(vt_read_ok(rt + 0xd010), 0);
    EXPECT_OK(vt_unmap(f, PN_X86_PAGE_UNMAP));
    EXPECT_VMFAULT(vt_probe_read(rt + 0xd010), READ_IP, rt + 0xd010, 0, VT_PF_USER);
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, rt + 0xd000, PN_RIGHTS_RW,
                          PN_X86_WRITE_COMBINING));
    CHECK_EQ(vt_read_ok(rt + 0xd010), 0);
    delete_ok(f);
    EXPECT_VMFAULT(vt_probe_read(rt + 0xd010), READ_IP, rt + 0xd010, 0, VT_PF_USER);
}

/* A frame stays mapped while a cap to it exists, even one nothing can reach any more: in
 * a CNode whose only cap is in itself, carved from a bootinfo untyped whose cap is then
 * deleted (a legal state; the objects live until their caps go).  The checking build's
 * sweep cannot see those caps, so it must not take the mapping for one no cap backs
 * (docs/invariants.md, "Caps nothing reaches"); deleting the page table still unmaps. */
TEST(vspace_mapping_behind_unreachable_cnode)
{
    /* a small RAM bootinfo untyped the pools and the reset tests leave alone (captest.c),
     * nothing carved from it: its derivation tree is its own */
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_cptr_t ut = 0;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped) && !ut; k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (d->is_device || d->size_bits < PN_PAGE_BITS + 1 || d->size_bits >= 22)
            continue;
        pn_cptr_t tmp = slot_alloc();
        pn_word_t e = pn_cnode_copy(ROOT, tmp, ROOT_DEPTH, ROOT, bi->untyped.start + k, ROOT_DEPTH,
                                    PN_RIGHTS_ALL);
        if (e == PN_REVOKE_FIRST)
            continue;
        CHECK_EQ(e, PN_NO_ERROR);
        delete_ok(tmp);
        ut = bi->untyped.start + k;
    }
    if (!ut)
        FAIL("no RAM bootinfo untyped of 2^13..2^21 bytes is free");
    pn_cptr_t f = slot_alloc(), a = slot_alloc();
    retype_ok(ut, PN_OBJ_X86_4K, 0, f, 1);
    retype_ok(ut, PN_OBJ_CNODE, 2, a, 1);
    pn_word_t rd = vt_region_pd(), va = rd + 0x3000;
    pn_cptr_t pt = vt_new_pt(PN_CAP_SLOT_INIT_VSPACE, rd);
    EXPECT_OK(vt_page_map(f, PN_CAP_SLOT_INIT_VSPACE, va, PN_RIGHTS_RW, PN_X86_WRITE_BACK));
    vt_write_ok(va + 0x10, 0x5eed);
    /* A[0] holds A, A[1] the frame; the root's caps to A and to the untyped go */
    CHECK_EQ(pn_cnode_copy(a, 0, 2, ROOT, a, ROOT_DEPTH, PN_RIGHTS_ALL), PN_NO_ERROR);
    CHECK_EQ(pn_cnode_move(a, 1, 2, ROOT, f, ROOT_DEPTH), PN_NO_ERROR);
    delete_ok(a);
    delete_ok(ut);
    CHECK_EQ(pn_debug_cap_identify(f), PN_CAP_NULL);
    /* kernel entries enough for the checking build to sweep with its index several times */
    for (int i = 0; i < 4096; i++)
        pn_yield();
    CHECK_EQ(vt_read_ok(va + 0x10), 0x5eed);
    delete_ok(pt);
    EXPECT_VMFAULT(vt_probe_read(va + 0x10), READ_IP, va + 0x10, 0, VT_PF_USER);
}
