/* Issue "Boot": the type of every cap in the initial CSpace (types.md §8.2), through
 * DebugCapIdentify (syscalls.md §4). */
#include "test.h"

TEST(caps_initial_slots)
{
    static const pn_word_t expected[PN_NUM_INITIAL_CAPS] = {
        [PN_CAP_SLOT_NULL] = PN_CAP_NULL,
        [PN_CAP_SLOT_INIT_TCB] = PN_CAP_THREAD,
        [PN_CAP_SLOT_INIT_CNODE] = PN_CAP_CNODE,
        [PN_CAP_SLOT_INIT_VSPACE] = PN_CAP_PML4,
        [PN_CAP_SLOT_IRQ_CONTROL] = PN_CAP_IRQ_CONTROL,
        [PN_CAP_SLOT_ASID_CONTROL] = PN_CAP_ASID_CONTROL,
        [PN_CAP_SLOT_INIT_ASID_POOL] = PN_CAP_ASID_POOL,
        [PN_CAP_SLOT_IO_PORT_CONTROL] = PN_CAP_IO_PORT_CONTROL,
        [PN_CAP_SLOT_IO_SPACE] = PN_CAP_NULL, /* no IOMMU */
        [PN_CAP_SLOT_BOOTINFO_FRAME] = PN_CAP_FRAME,
        [PN_CAP_SLOT_INIT_IPC_BUFFER] = PN_CAP_FRAME,
        [PN_CAP_SLOT_DOMAIN] = PN_CAP_DOMAIN,
        [PN_CAP_SLOT_SMMU_SID_CONTROL] = PN_CAP_NULL,
        [PN_CAP_SLOT_SMMU_CB_CONTROL] = PN_CAP_NULL,
        [PN_CAP_SLOT_INIT_SC] = PN_CAP_SCHED_CONTEXT,
        [PN_CAP_SLOT_SMC] = PN_CAP_NULL,
    };
    for (pn_word_t slot = 0; slot < PN_NUM_INITIAL_CAPS; slot++)
        CHECK_CAP_TYPE(slot, expected[slot]);
}

TEST(caps_sched_control)
{
    for (pn_word_t s = pn_bootinfo->sched_control.start; s < pn_bootinfo->sched_control.end;
         s++)
        CHECK_CAP_TYPE(s, PN_CAP_SCHED_CONTROL);
    CHECK_CAP_TYPE(PN_NUM_INITIAL_CAPS, PN_CAP_SCHED_CONTROL);
}

TEST(caps_user_image_paging)
{
    expected_layout_t l;
    expected_layout(&l);
    pn_word_t s = pn_bootinfo->user_image_paging.start;
    CHECK_EQ(pn_region_count(pn_bootinfo->user_image_paging), l.n_paging);
    for (pn_word_t i = 0; i < l.n_pdpt; i++)
        CHECK_CAP_TYPE(s++, PN_CAP_PDPT);
    for (pn_word_t i = 0; i < l.n_pd; i++)
        CHECK_CAP_TYPE(s++, PN_CAP_PAGE_DIRECTORY);
    for (pn_word_t i = 0; i < l.n_pt; i++)
        CHECK_CAP_TYPE(s++, PN_CAP_PAGE_TABLE);
}

TEST(caps_extra_bi_pages)
{
    for (pn_word_t s = pn_bootinfo->extra_bi_pages.start; s < pn_bootinfo->extra_bi_pages.end;
         s++)
        CHECK_CAP_TYPE(s, PN_CAP_FRAME);
}

TEST(caps_user_image_frames)
{
    for (pn_word_t s = pn_bootinfo->user_image_frames.start;
         s < pn_bootinfo->user_image_frames.end; s++)
        CHECK_CAP_TYPE(s, PN_CAP_FRAME);
}

TEST(caps_untyped)
{
    for (pn_word_t s = pn_bootinfo->untyped.start; s < pn_bootinfo->untyped.end; s++)
        CHECK_CAP_TYPE(s, PN_CAP_UNTYPED);
}

TEST(caps_empty_region)
{
    CHECK_CMP(pn_bootinfo->empty.start, <, pn_bootinfo->empty.end);
    CHECK_CMP(pn_bootinfo->empty.end, <=, 1ul << PN_CONFIG_ROOT_CNODE_BITS);
    for (pn_word_t s = pn_bootinfo->empty.start; s < pn_bootinfo->empty.end; s++)
        CHECK_CAP_TYPE(s, PN_CAP_NULL);
}

TEST(caps_guard_mismatch)
{
    /* The root CNode has radix r and guard 0 of size 64 - r (types.md §5): a cptr with
     * any bit set at or above r fails the lookup, which DebugCapIdentify reports as 0. */
    const unsigned r = PN_CONFIG_ROOT_CNODE_BITS;
    CHECK_CAP_TYPE(1ul << r, PN_CAP_NULL);
    CHECK_CAP_TYPE((1ul << r) | PN_CAP_SLOT_INIT_TCB, PN_CAP_NULL);
    CHECK_CAP_TYPE((1ul << 63) | PN_CAP_SLOT_INIT_CNODE, PN_CAP_NULL);
    CHECK_CAP_TYPE(~0ul, PN_CAP_NULL);
}
