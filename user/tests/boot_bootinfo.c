/* Issue "Boot": every seL4_BootInfo field and the root task's start state (types.md §8). */
#include "test.h"

TEST(start_registers)
{
    /* types.md §8.4: rdi = bootinfo vaddr, rsp = 0, all other GPRs 0, RFLAGS = 0x202 */
    static const struct { int index; const char *name; } zero[] = {
        {PN_UC_RSP, "rsp"}, {PN_UC_RAX, "rax"}, {PN_UC_RBX, "rbx"}, {PN_UC_RCX, "rcx"},
        {PN_UC_RDX, "rdx"}, {PN_UC_RSI, "rsi"}, {PN_UC_RBP, "rbp"}, {PN_UC_R8, "r8"},
        {PN_UC_R9, "r9"}, {PN_UC_R10, "r10"}, {PN_UC_R11, "r11"}, {PN_UC_R12, "r12"},
        {PN_UC_R13, "r13"}, {PN_UC_R14, "r14"}, {PN_UC_R15, "r15"},
    };
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(pn_start_regs[PN_UC_RDI], l.bootinfo);
    for (unsigned i = 0; i < PN_ARRAY_SIZE(zero); i++)
        if (pn_start_regs[zero[i].index] != 0)
            FAIL("%s at entry: expected 0, got 0x%lx", zero[i].name,
                 pn_start_regs[zero[i].index]);
    CHECK_EQ(pn_start_regs[PN_UC_RFLAGS], 0x202);
}

TEST(bootinfo_address)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ((pn_word_t)pn_bootinfo, l.bootinfo);
    CHECK_EQ(pn_bootinfo->ipc_buffer + PN_PAGE_SIZE, (pn_word_t)pn_bootinfo);
}

TEST(bootinfo_ipc_buffer)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(pn_bootinfo->ipc_buffer, l.ipc_buffer);
    CHECK_EQ(pn_bootinfo->ipc_buffer % (1u << PN_IPC_BUFFER_BITS), 0);
}

TEST(bootinfo_nodes)
{
    CHECK_EQ(pn_bootinfo->node_id, 0);
    CHECK_EQ(pn_bootinfo->num_nodes, 1);
}

TEST(bootinfo_iopt_levels)
{
    /* no IOMMU in the simulation configuration: all ones */
    CHECK_EQ(pn_bootinfo->num_iopt_levels, ~0ul);
}

TEST(bootinfo_cnode_size_bits)
{
    CHECK_EQ(pn_bootinfo->init_thread_cnode_size_bits, PN_CONFIG_ROOT_CNODE_BITS);
}

TEST(bootinfo_domain)
{
    CHECK_EQ(pn_bootinfo->init_thread_domain, 0);
}

TEST(bootinfo_shared_frames)
{
    CHECK_EQ(pn_bootinfo->shared_frames.start, 0);
    CHECK_EQ(pn_bootinfo->shared_frames.end, 0);
}

TEST(bootinfo_io_space_caps)
{
    CHECK_EQ(pn_bootinfo->io_space_caps.start, 0);
    CHECK_EQ(pn_bootinfo->io_space_caps.end, 0);
}

TEST(bootinfo_sched_control)
{
    CHECK_EQ(pn_bootinfo->sched_control.start, PN_NUM_INITIAL_CAPS);
    CHECK_EQ(pn_bootinfo->sched_control.end, PN_NUM_INITIAL_CAPS + 1);
}

TEST(bootinfo_user_image_paging)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(l.n_pdpt, 1); /* sanity of the computation for an image at 4 MiB */
    CHECK_EQ(l.n_pd, 1);
    CHECK_EQ(pn_region_count(pn_bootinfo->user_image_paging), l.n_paging);
}

TEST(bootinfo_extra_bi_pages)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(pn_region_count(pn_bootinfo->extra_bi_pages), l.extra_pages);
}

TEST(bootinfo_user_image_frames)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(pn_region_count(pn_bootinfo->user_image_frames), l.image_pages);
}

TEST(bootinfo_untyped_count)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    CHECK_CMP(bi->untyped.start, <=, bi->untyped.end);
    CHECK_CMP(pn_region_count(bi->untyped), >, 0);
    CHECK_CMP(pn_region_count(bi->untyped), <=, PN_CONFIG_MAX_BOOTINFO_UNTYPEDS);
}

/* types.md §8.2: slots from 16 in creation order: SchedControl → paging (PDPT, PD, PT) →
 * extra-bootinfo frames → user-image frames → untypeds; then empty up to 2^bits. */
TEST(bootinfo_slot_order)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    expected_layout_t l;
    expected_layout(&l);
    pn_word_t next = PN_NUM_INITIAL_CAPS;
    CHECK_EQ(bi->sched_control.start, next);
    next += 1;
    CHECK_EQ(bi->sched_control.end, next);
    CHECK_EQ(bi->user_image_paging.start, next);
    next += l.n_paging;
    CHECK_EQ(bi->user_image_paging.end, next);
    CHECK_EQ(bi->extra_bi_pages.start, next);
    next += l.extra_pages;
    CHECK_EQ(bi->extra_bi_pages.end, next);
    CHECK_EQ(bi->user_image_frames.start, next);
    next += l.image_pages;
    CHECK_EQ(bi->user_image_frames.end, next);
    CHECK_EQ(bi->untyped.start, next);
    CHECK_CMP(bi->untyped.end, >=, next);
    CHECK_EQ(bi->empty.start, bi->untyped.end);
    CHECK_EQ(bi->empty.end, l.cnode_slots);
}

TEST(bootinfo_extra_len)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ(pn_bootinfo->extra_len, l.extra_len);
}
