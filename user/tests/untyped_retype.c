/* Issue 3: Untyped_Retype (invocations.md §3.1; semantics.md §1, §3; types.md §9).
 * Words: MR0 type, MR1 size_bits, MR2 node_index, MR3 node_depth, MR4 node_offset,
 * MR5 num_objects; C[0] the root for node_index.  Checks in the order of §3.1 (steps
 * 1..12), each also provoked together with a later one to show which comes first. */
#include "captest.h"

#define RETYPE(ut, ...) call((ut), PN_UNTYPED_RETYPE, W(__VA_ARGS__), C(ROOT))

static const pn_word_t all_types[] = {
    PN_OBJ_UNTYPED,     PN_OBJ_TCB,           PN_OBJ_ENDPOINT,       PN_OBJ_NOTIFICATION,
    PN_OBJ_CNODE,       PN_OBJ_SCHED_CONTEXT, PN_OBJ_REPLY,          PN_OBJ_X86_PDPT,
    PN_OBJ_X64_PML4,    PN_OBJ_X64_HUGE_PAGE, PN_OBJ_X86_4K,         PN_OBJ_X86_LARGE_PAGE,
    PN_OBJ_X86_PAGE_TABLE, PN_OBJ_X86_PAGE_DIRECTORY,
};

/* ---- decoding errors, in order ---- */

TEST(retype_unknown_label_illegal)
{
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    static const pn_word_t labels[] = {PN_INVALID_INVOCATION, PN_CNODE_COPY, PN_TCB_SUSPEND,
                                       PN_X86_IOPORT_IN8, PN_INVOCATION_LABEL_COUNT};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(labels); i++) {
        EXPECT(call(ut, labels[i], NO_WORDS, NO_CAPS), PN_ILLEGAL_OPERATION);
        EXPECT(call(ut, labels[i], W(PN_OBJ_ENDPOINT, 0, 0, 0, s, 1), C(ROOT)),
               PN_ILLEGAL_OPERATION);
    }
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
}

TEST(retype_truncated)
{
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    EXPECT(call(ut, PN_UNTYPED_RETYPE, NO_WORDS, NO_CAPS), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, NO_WORDS, C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, 0, 0, s), C(ROOT)),
           PN_TRUNCATED_MESSAGE);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, 0, 0, s, 1), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    /* before the type is looked at */
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(99, 0, 0, 0, s), C(ROOT)), PN_TRUNCATED_MESSAGE);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(99, 99, 0, 0, s, 0), NO_CAPS),
           PN_TRUNCATED_MESSAGE);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
}

TEST(retype_invalid_type)
{
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    EXPECT(RETYPE(ut, PN_OBJ_TYPE_COUNT, 0, 0, 0, s, 1), PN_INVALID_ARGUMENT, 0);
    EXPECT(RETYPE(ut, 0xffffff, 0, 0, 0, s, 1), PN_INVALID_ARGUMENT, 0);
    EXPECT(RETYPE(ut, ~0ul, 0, 0, 0, s, 1), PN_INVALID_ARGUMENT, 0);
    /* before the size, the destination, the count */
    EXPECT(RETYPE(ut, PN_OBJ_TYPE_COUNT, 64, 0, 65, ROOT_SLOTS, 0), PN_INVALID_ARGUMENT, 0);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
}

TEST(retype_size_out_of_range)
{
    /* size_bits >= 64, or an object bigger than 2^47 => RangeError(0, 47) */
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    for (unsigned i = 0; i < PN_ARRAY_SIZE(all_types); i++) {
        EXPECT(RETYPE(ut, all_types[i], 64, 0, 0, s, 1), PN_RANGE_ERROR, 0, 47);
        EXPECT(RETYPE(ut, all_types[i], ~0ul, 0, 0, s, 1), PN_RANGE_ERROR, 0, 47);
    }
    EXPECT(RETYPE(ut, PN_OBJ_UNTYPED, 48, 0, 0, s, 1), PN_RANGE_ERROR, 0, 47);
    EXPECT(RETYPE(ut, PN_OBJ_SCHED_CONTEXT, 48, 0, 0, s, 1), PN_RANGE_ERROR, 0, 47);
    EXPECT(RETYPE(ut, PN_OBJ_CNODE, 43, 0, 0, s, 1), PN_RANGE_ERROR, 0, 47); /* 2^48 */
    /* before the destination and the count */
    EXPECT(RETYPE(ut, PN_OBJ_UNTYPED, 48, 0, 65, ROOT_SLOTS, 0), PN_RANGE_ERROR, 0, 47);
    /* the largest sizes pass this check (and then do not fit) */
    EXPECT(RETYPE(ut, PN_OBJ_UNTYPED, 47, 0, 0, s, 1), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    EXPECT(RETYPE(ut, PN_OBJ_SCHED_CONTEXT, 47, 0, 0, s, 1), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    EXPECT(RETYPE(ut, PN_OBJ_CNODE, 42, 0, 0, s, 1), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    /* fixed-size types ignore any size_bits below 64 */
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 63, 0, 0, s, 1));
    CHECK_CAP_TYPE(s, PN_CAP_ENDPOINT);
    CHECK_EQ(untyped_free_bytes(ut), (1ul << 12) - 16);
}

TEST(retype_size_too_small)
{
    /* CNode size_bits 0, Untyped < 4, SchedContext < 7 => InvalidArgument(1) */
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    EXPECT(RETYPE(ut, PN_OBJ_CNODE, 0, 0, 0, s, 1), PN_INVALID_ARGUMENT, 1);
    for (pn_word_t b = 0; b < PN_MIN_UNTYPED_BITS; b++)
        EXPECT(RETYPE(ut, PN_OBJ_UNTYPED, b, 0, 0, s, 1), PN_INVALID_ARGUMENT, 1);
    for (pn_word_t b = 0; b < PN_MIN_SCHED_CONTEXT_BITS; b++)
        EXPECT(RETYPE(ut, PN_OBJ_SCHED_CONTEXT, b, 0, 0, s, 1), PN_INVALID_ARGUMENT, 1);
    /* before the destination and the count */
    EXPECT(RETYPE(ut, PN_OBJ_CNODE, 0, 0, 65, ROOT_SLOTS, 0), PN_INVALID_ARGUMENT, 1);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_UNTYPED, 3, 0, 0, s, 1),
                C(PN_CAP_SLOT_INIT_TCB)),
           PN_INVALID_ARGUMENT, 1);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    /* the smallest allowed sizes */
    pn_word_t t = slots_alloc(3);
    EXPECT_OK(RETYPE(ut, PN_OBJ_CNODE, 1, 0, 0, t, 1));
    EXPECT_OK(RETYPE(ut, PN_OBJ_UNTYPED, 4, 0, 0, t + 1, 1));
    EXPECT_OK(RETYPE(ut, PN_OBJ_SCHED_CONTEXT, 7, 0, 0, t + 2, 1));
    CHECK_CAP_TYPE(t, PN_CAP_CNODE);
    CHECK_CAP_TYPE(t + 1, PN_CAP_UNTYPED);
    CHECK_CAP_TYPE(t + 2, PN_CAP_SCHED_CONTEXT);
}

TEST(retype_destination_cnode_lookup)
{
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    pn_word_t tcb = PN_CAP_SLOT_INIT_TCB, ep = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_word_t empty = slot_alloc();
    /* node_depth 0: C[0] itself must be a CNode, else MissingCapability(bitsLeft 0) */
    pn_cptr_t not_cnodes[] = {tcb, ep, empty, PN_CAP_SLOT_INIT_VSPACE};
    for (unsigned i = 0; i < PN_ARRAY_SIZE(not_cnodes); i++)
        EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, 0, 0, s, 1),
                    C(not_cnodes[i])),
               PN_FAILED_LOOKUP, LF_MISSING(0, 0));
    /* node_depth != 0: a CNode-op lookup of node_index in C[0] */
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, ROOT, 64, s, 1), C(tcb)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, ROOT, 65, s, 1), C(tcb)),
           PN_FAILED_LOOKUP, LF_INVALID_ROOT(0));
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ROOT, 65, s, 1), PN_RANGE_ERROR, 1, 64);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ROOT, ~0ul, s, 1), PN_RANGE_ERROR, 1, 64);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ROOT, ROOT_BITS, s, 1), PN_FAILED_LOOKUP,
           LF_GUARD(0, ROOT_BITS, 0, ROOT_GUARD_BITS));
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 60, s, 1), PN_FAILED_LOOKUP, LF_DEPTH(0, 60, 64));
    /* the slot found must hold a CNode: MissingCapability(bitsLeft = node_depth) */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ep, 64, s, 1), PN_FAILED_LOOKUP, LF_MISSING(0, 64));
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, empty, 64, s, 1), PN_FAILED_LOOKUP,
           LF_MISSING(0, 64));
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, tcb, 64, s, 1), PN_FAILED_LOOKUP,
           LF_MISSING(0, 64));
    /* before the offset and the count */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ep, 64, ROOT_SLOTS, 0), PN_FAILED_LOOKUP,
           LF_MISSING(0, 64));
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 1ul << 12);

    /* found: the root CNode through its own slot */
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 0, ROOT, 64, s, 1));
    CHECK_CAP_TYPE(s, PN_CAP_ENDPOINT);
}

TEST(retype_into_other_cnodes)
{
    /* a small CNode as the destination: through its root slot (depth 64), directly as
     * C[0] (depth 0), and two levels down through a guard-0 view of the root */
    pn_word_t ut = ram_untyped(12), cn = obj_new(PN_OBJ_CNODE, 2);
    pn_word_t flat = slot_alloc(), t = slot_alloc();
    mint_ok(flat, ROOT, PN_RIGHTS_ALL, 0);
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 0, cn, 64, 0, 2));
    EXPECT_OK(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_NOTIFICATION, 0, 0, 0, 2, 1), C(cn)));
    EXPECT_OK(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_REPLY, 0, cn, ROOT_BITS, 3, 1), C(flat)));
    static const pn_word_t expect[] = {PN_CAP_ENDPOINT, PN_CAP_ENDPOINT, PN_CAP_NOTIFICATION,
                                       PN_CAP_REPLY};
    for (pn_word_t i = 0; i < 4; i++) {
        EXPECT_OK(call(ROOT, PN_CNODE_MOVE, W(t, 64, i, 2), C(cn)));
        CHECK_CAP_TYPE(t, expect[i]);
        delete_ok(t);
    }
    /* the small CNode's size bounds the offset and count */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, cn, 64, 4, 1), PN_RANGE_ERROR, 0, 3);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, cn, 64, 1, 4), PN_RANGE_ERROR, 1, 3);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, cn, 64, 0, 5), PN_RANGE_ERROR, 1, 4);
    EXPECT(call(ut, PN_UNTYPED_RETYPE, W(PN_OBJ_ENDPOINT, 0, 0, 0, 3, 2), C(cn)),
           PN_RANGE_ERROR, 1, 1);
}

TEST(retype_offset_and_count_ranges)
{
    pn_word_t ut = ram_untyped(12), s = slot_alloc();
    const pn_word_t n = ROOT_SLOTS;
    /* node_offset > slots - 1 => RangeError(0, slots - 1) */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, n, 1), PN_RANGE_ERROR, 0, n - 1);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, ~0ul, 1), PN_RANGE_ERROR, 0, n - 1);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, n, 0), PN_RANGE_ERROR, 0, n - 1);
    /* num_objects outside 1..256 => RangeError(1, 256) */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, 0), PN_RANGE_ERROR, 1, 256);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, PN_CONFIG_RETYPE_FAN_OUT_LIMIT + 1),
           PN_RANGE_ERROR, 1, 256);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, ~0ul), PN_RANGE_ERROR, 1, 256);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, n - 1, 300), PN_RANGE_ERROR, 1, 256);
    /* more objects than slots from the offset on => RangeError(1, slots - offset) */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, n - 2, 3), PN_RANGE_ERROR, 1, 2);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, n - 1, 256), PN_RANGE_ERROR, 1, 1);
    /* before occupancy and memory: the last slots may hold anything */
    EXPECT(RETYPE(ut, PN_OBJ_TCB, 0, 0, 0, n - 1, 3), PN_RANGE_ERROR, 1, 1);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 1ul << 12);
}

TEST(retype_destination_occupied)
{
    pn_word_t ut = ram_untyped(12), s = slots_alloc(3);
    copy_ok(s + 1, PN_CAP_SLOT_INIT_TCB, PN_RIGHTS_ALL);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, 3), PN_DELETE_FIRST);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s + 1, 1), PN_DELETE_FIRST);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, PN_CAP_SLOT_INIT_TCB, 1), PN_DELETE_FIRST);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    CHECK_CAP_TYPE(s + 2, PN_CAP_NULL);
    /* before memory: too many objects, or a device untyped and a kernel object */
    EXPECT(RETYPE(ut, PN_OBJ_TCB, 0, 0, 0, s, 3), PN_DELETE_FIRST);
    pn_word_t dev = device_untyped(12);
    EXPECT(RETYPE(dev, PN_OBJ_TCB, 0, 0, 0, s, 2), PN_DELETE_FIRST);
    CHECK_EQ(untyped_free_bytes(ut), 1ul << 12);
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, 1));
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s + 2, 1));
}

TEST(retype_not_enough_memory)
{
    /* (2^size - free offset) >> object bits < num_objects => NotEnoughMemory(free bytes) */
    pn_word_t ut = ram_untyped(12), s = slots_alloc(256);
    EXPECT(RETYPE(ut, PN_OBJ_TCB, 0, 0, 0, s, 3), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    EXPECT(RETYPE(ut, PN_OBJ_NOTIFICATION, 0, 0, 0, s, 65), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    EXPECT(RETYPE(ut, PN_OBJ_X86_LARGE_PAGE, 0, 0, 0, s, 1), PN_NOT_ENOUGH_MEMORY,
           1ul << 12);
    EXPECT(RETYPE(ut, PN_OBJ_UNTYPED, 13, 0, 0, s, 1), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    /* exactly full fits */
    EXPECT_OK(RETYPE(ut, PN_OBJ_NOTIFICATION, 0, 0, 0, s, 64));
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s + 64, 1), PN_NOT_ENOUGH_MEMORY, 0);
    /* memory is checked before the device restriction */
    pn_word_t dev = device_untyped(12);
    EXPECT(RETYPE(dev, PN_OBJ_TCB, 0, 0, 0, s + 64, 3), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
    EXPECT(RETYPE(dev, PN_OBJ_X86_PDPT, 0, 0, 0, s + 64, 2), PN_NOT_ENOUGH_MEMORY, 1ul << 12);
}

TEST(retype_device_untyped_restrictions)
{
    /* only frames and untypeds from a device untyped; anything else => InvalidArgument(1) */
    pn_word_t dev = device_untyped(22), s = slot_alloc();
    static const struct {
        pn_word_t type, size_bits;
    } refused[] = {
        {PN_OBJ_TCB, 0},        {PN_OBJ_ENDPOINT, 0},       {PN_OBJ_NOTIFICATION, 0},
        {PN_OBJ_CNODE, 1},      {PN_OBJ_SCHED_CONTEXT, 7},  {PN_OBJ_REPLY, 0},
        {PN_OBJ_X86_PDPT, 0},   {PN_OBJ_X64_PML4, 0},       {PN_OBJ_X86_PAGE_TABLE, 0},
        {PN_OBJ_X86_PAGE_DIRECTORY, 0},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(refused); i++)
        EXPECT(RETYPE(dev, refused[i].type, refused[i].size_bits, 0, 0, s, 1),
               PN_INVALID_ARGUMENT, 1);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(dev), 1ul << 22);
    pn_word_t t = slots_alloc(3);
    EXPECT_OK(RETYPE(dev, PN_OBJ_UNTYPED, 12, 0, 0, t, 1));
    EXPECT_OK(RETYPE(dev, PN_OBJ_X86_4K, 0, 0, 0, t + 1, 1));
    EXPECT_OK(RETYPE(dev, PN_OBJ_X86_LARGE_PAGE, 0, 0, 0, t + 2, 1));
    CHECK_CAP_TYPE(t, PN_CAP_UNTYPED);
    CHECK_CAP_TYPE(t + 1, PN_CAP_FRAME);
    CHECK_CAP_TYPE(t + 2, PN_CAP_FRAME);
    /* untyped [0, 4K), 4K frame [4K, 8K), large frame [2M, 4M): full */
    CHECK_EQ(untyped_free_bytes(dev), 0);
    /* the same on a bootinfo device untyped itself (the helpers only carve from device
     * untypeds of 2^31 bytes and more) */
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_cptr_t bdev = 0;
    for (pn_word_t k = 0; !bdev && k < pn_region_count(bi->untyped); k++)
        if (bi->untyped_list[k].is_device && bi->untyped_list[k].size_bits >= 12 &&
            bi->untyped_list[k].size_bits <= 30)
            bdev = bi->untyped.start + k;
    if (!bdev)
        FAIL("no device untyped of 2^12..2^30 bytes in the bootinfo");
    for (unsigned i = 0; i < PN_ARRAY_SIZE(refused); i++)
        EXPECT(RETYPE(bdev, refused[i].type, refused[i].size_bits, 0, 0, s, 1),
               PN_INVALID_ARGUMENT, 1);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    EXPECT_OK(RETYPE(bdev, PN_OBJ_X86_4K, 0, 0, 0, s, 1));
    CHECK_CAP_TYPE(s, PN_CAP_FRAME);
    /* a huge frame */
    pn_word_t big = device_untyped(31), h = slot_alloc();
    EXPECT_OK(RETYPE(big, PN_OBJ_X64_HUGE_PAGE, 0, 0, 0, h, 1));
    CHECK_CAP_TYPE(h, PN_CAP_FRAME);
    CHECK_EQ(untyped_free_bytes(big), 1ul << 30);
}

/* Object sizes and alignment (types.md §9): after a first small object, two objects of a
 * type go to the next multiple of their size, back to back. */
static void check_placement(int device, pn_word_t type, pn_word_t size_bits, pn_word_t tag)
{
    pn_word_t bytes = object_bytes(type, size_bits);
    unsigned bits = (unsigned)__builtin_ctzl(bytes) + 2;
    pn_word_t ut = device ? device_untyped(bits) : ram_untyped(bits);
    pn_word_t first_type = device ? PN_OBJ_X86_4K : PN_OBJ_ENDPOINT;
    pn_word_t first = object_bytes(first_type, 0), s = slots_alloc(3);
    retype_ok(ut, first_type, 0, s, 1);
    reply_t r = RETYPE(ut, type, size_bits, 0, 0, s + 1, 2);
    if (pn_msginfo_label(r.info) != PN_NO_ERROR)
        FAIL("type %lu size_bits %lu: error %lu", type, size_bits, pn_msginfo_label(r.info));
    EXPECT_OK(r);
    if (pn_debug_cap_identify(s + 1) != tag || pn_debug_cap_identify(s + 2) != tag)
        FAIL("type %lu: cap types %lu, %lu, expected %lu", type, pn_debug_cap_identify(s + 1),
             pn_debug_cap_identify(s + 2), tag);
    pn_word_t end = PN_ROUND_UP(first, bytes) + 2 * bytes;
    pn_word_t got = untyped_free_bytes(ut);
    if (got != (1ul << bits) - end)
        FAIL("type %lu size_bits %lu (%lu bytes) after a %lu-byte object in 2^%u: %lu bytes "
             "free, expected %lu", type, size_bits, bytes, first, bits, got,
             (1ul << bits) - end);
}

TEST(retype_every_type_size_alignment_and_cap)
{
    check_placement(0, PN_OBJ_UNTYPED, 4, PN_CAP_UNTYPED);
    check_placement(0, PN_OBJ_UNTYPED, 12, PN_CAP_UNTYPED);
    check_placement(0, PN_OBJ_TCB, 0, PN_CAP_THREAD);
    check_placement(0, PN_OBJ_ENDPOINT, 0, PN_CAP_ENDPOINT);
    check_placement(0, PN_OBJ_NOTIFICATION, 0, PN_CAP_NOTIFICATION);
    check_placement(0, PN_OBJ_CNODE, 1, PN_CAP_CNODE);
    check_placement(0, PN_OBJ_CNODE, 6, PN_CAP_CNODE);
    check_placement(0, PN_OBJ_SCHED_CONTEXT, 7, PN_CAP_SCHED_CONTEXT);
    check_placement(0, PN_OBJ_SCHED_CONTEXT, 10, PN_CAP_SCHED_CONTEXT);
    check_placement(0, PN_OBJ_REPLY, 0, PN_CAP_REPLY);
    check_placement(0, PN_OBJ_X86_PDPT, 0, PN_CAP_PDPT);
    check_placement(0, PN_OBJ_X64_PML4, 0, PN_CAP_PML4);
    check_placement(0, PN_OBJ_X86_4K, 0, PN_CAP_FRAME);
    check_placement(0, PN_OBJ_X86_LARGE_PAGE, 0, PN_CAP_FRAME);
    check_placement(0, PN_OBJ_X86_PAGE_TABLE, 0, PN_CAP_PAGE_TABLE);
    check_placement(0, PN_OBJ_X86_PAGE_DIRECTORY, 0, PN_CAP_PAGE_DIRECTORY);
    check_placement(1, PN_OBJ_X86_4K, 0, PN_CAP_FRAME);
    check_placement(1, PN_OBJ_X86_LARGE_PAGE, 0, PN_CAP_FRAME);
    check_placement(1, PN_OBJ_X64_HUGE_PAGE, 0, PN_CAP_FRAME);
    check_placement(1, PN_OBJ_UNTYPED, 16, PN_CAP_UNTYPED);
}

TEST(retype_watermark_advances)
{
    /* the free index moves past each object, aligned up to the object's size */
    pn_word_t ut = ram_untyped(12), s = slots_alloc(6);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, s, 1); /* [0, 16) */
    CHECK_EQ(untyped_free_bytes(ut), 4096 - 16);
    retype_ok(ut, PN_OBJ_NOTIFICATION, 0, s + 1, 1); /* [64, 128) */
    CHECK_EQ(untyped_free_bytes(ut), 4096 - 128);
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, s + 2, 1); /* [128, 144) */
    CHECK_EQ(untyped_free_bytes(ut), 4096 - 144);
    retype_ok(ut, PN_OBJ_CNODE, 1, s + 3, 1); /* [192, 256) */
    CHECK_EQ(untyped_free_bytes(ut), 4096 - 256);
    retype_ok(ut, PN_OBJ_TCB, 0, s + 4, 1); /* [2048, 4096) */
    CHECK_EQ(untyped_free_bytes(ut), 0);
    /* the gaps below the free index are not reused */
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s + 5, 1), PN_NOT_ENOUGH_MEMORY, 0);
    CHECK_CAP_TYPE(s + 5, PN_CAP_NULL);
}

TEST(retype_fan_out_limit)
{
    pn_word_t ut = ram_untyped(12), s = slots_alloc(PN_CONFIG_RETYPE_FAN_OUT_LIMIT + 1);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, PN_CONFIG_RETYPE_FAN_OUT_LIMIT + 1),
           PN_RANGE_ERROR, 1, 256);
    CHECK_CAP_TYPE(s, PN_CAP_NULL);
    EXPECT_OK(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, s, PN_CONFIG_RETYPE_FAN_OUT_LIMIT));
    for (pn_word_t i = 0; i < PN_CONFIG_RETYPE_FAN_OUT_LIMIT; i++)
        CHECK_CAP_TYPE(s + i, PN_CAP_ENDPOINT);
    CHECK_CAP_TYPE(s + PN_CONFIG_RETYPE_FAN_OUT_LIMIT, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 0); /* 256 x 16 bytes */
    /* all 256 are children: revoking the untyped deletes every one */
    revoke_ok(ut);
    for (pn_word_t i = 0; i < PN_CONFIG_RETYPE_FAN_OUT_LIMIT; i++)
        CHECK_CAP_TYPE(s + i, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
}

TEST(retype_reuse_after_delete_and_revoke)
{
    /* while any child is left the free index stays; with none left the next Retype
     * starts again at 0 (step 10) */
    pn_word_t ut = ram_untyped(12), s = slots_alloc(64);
    for (int round = 0; round < 3; round++) {
        retype_ok(ut, PN_OBJ_TCB, 0, s, 2);
        CHECK_EQ(untyped_free_bytes(ut), 0);
        delete_ok(s);
        CHECK_EQ(untyped_free_bytes(ut), 0);
        delete_ok(s + 1);
        CHECK_EQ(untyped_free_bytes(ut), 4096);
        retype_ok(ut, PN_OBJ_NOTIFICATION, 0, s, 64);
        CHECK_EQ(untyped_free_bytes(ut), 0);
        revoke_ok(ut);
        for (pn_word_t i = 0; i < 64; i++)
            CHECK_CAP_TYPE(s + i, PN_CAP_NULL);
        CHECK_EQ(untyped_free_bytes(ut), 4096);
        /* and one object of the whole size */
        retype_ok(ut, PN_OBJ_X86_4K, 0, s, 1);
        CHECK_EQ(untyped_free_bytes(ut), 0);
        revoke_ok(ut);
        CHECK_CAP_TYPE(s, PN_CAP_NULL);
    }
    /* copies of the children keep them alive: deleting the retyped caps is not enough */
    retype_ok(ut, PN_OBJ_ENDPOINT, 0, s, 1);
    pn_word_t c = copy_new(s, PN_RIGHTS_ALL);
    delete_ok(s);
    CHECK_EQ(untyped_free_bytes(ut), 4096 - 16);
    delete_ok(c);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
}

TEST(retype_child_untypeds)
{
    /* child untypeds start empty (free index 0); their objects are descendants of the
     * parent too (inside its range) */
    pn_word_t ut = ram_untyped(12), c = slots_alloc(2), obj = slot_alloc();
    retype_ok(ut, PN_OBJ_UNTYPED, 11, c, 2);
    CHECK_CAP_TYPE(c, PN_CAP_UNTYPED);
    CHECK_CAP_TYPE(c + 1, PN_CAP_UNTYPED);
    CHECK_EQ(untyped_free_bytes(ut), 0);
    CHECK_EQ(untyped_free_bytes(c), 2048);
    retype_ok(c, PN_OBJ_TCB, 0, obj, 1);
    CHECK_EQ(untyped_free_bytes(c), 0);
    CHECK_EQ(untyped_free_bytes(c + 1), 2048);
    /* grandchildren */
    pn_word_t g = slots_alloc(2);
    retype_ok(c + 1, PN_OBJ_UNTYPED, 10, g, 2);
    retype_ok(g + 1, PN_OBJ_ENDPOINT, 0, slot_alloc(), 1);
    CHECK_EQ(untyped_free_bytes(g + 1), 1024 - 16);
    /* a child with children cannot be derived */
    EXPECT(cn_copy(slot_alloc(), c, PN_RIGHTS_ALL), PN_REVOKE_FIRST);
    /* revoking a child frees only the child */
    revoke_ok(c);
    CHECK_CAP_TYPE(obj, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(c), 2048);
    CHECK_CAP_TYPE(g, PN_CAP_UNTYPED);
    /* revoking the parent deletes children, grandchildren and their objects */
    revoke_ok(ut);
    CHECK_CAP_TYPE(c, PN_CAP_NULL);
    CHECK_CAP_TYPE(c + 1, PN_CAP_NULL);
    CHECK_CAP_TYPE(g, PN_CAP_NULL);
    CHECK_CAP_TYPE(g + 1, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
}

TEST(retype_untyped_copies)
{
    /* An untyped copy is revocable and lies inside the original's range: it is a child
     * of the original (semantics.md §1), so the original then has children: it cannot be
     * derived again (RevokeFirst) and is not reset by a Retype. */
    pn_word_t ut = ram_untyped(12);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
    pn_word_t cp = copy_new(ut, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(cp, PN_CAP_UNTYPED);
    EXPECT(cn_copy(slot_alloc(), ut, PN_RIGHTS_ALL), PN_REVOKE_FIRST);
    EXPECT(cn_mint(slot_alloc(), ut, PN_RIGHTS_ALL, 0), PN_REVOKE_FIRST);
    /* the copy has no children yet: it resets and allocates from its start */
    CHECK_EQ(untyped_free_bytes(cp), 4096);
    pn_word_t obj = slot_alloc();
    retype_ok(cp, PN_OBJ_TCB, 0, obj, 1);
    CHECK_EQ(untyped_free_bytes(cp), 2048);
    EXPECT(cn_copy(slot_alloc(), cp, PN_RIGHTS_ALL), PN_REVOKE_FIRST);
    /* revoking the original deletes the copy and what was made from it */
    revoke_ok(ut);
    CHECK_CAP_TYPE(cp, PN_CAP_NULL);
    CHECK_CAP_TYPE(obj, PN_CAP_NULL);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
    pn_word_t cp2 = copy_new(ut, PN_RIGHTS_ALL);
    CHECK_CAP_TYPE(cp2, PN_CAP_UNTYPED);
}

TEST(retype_copied_untyped_leaves_original_full)
{
    /* Upstream seL4 inserts an untyped copy with setUntypedCapAsFull: the source's free
     * index goes to the end, so the source (which now has a child, so is not reset)
     * offers no memory until the copy is gone.  ABI spec gap: the spec does not state
     * this; the rule is upstream's cteInsert (see the report of issue 3). */
    pn_word_t ut = ram_untyped(12);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
    pn_word_t cp = copy_new(ut, PN_RIGHTS_ALL);
    CHECK_EQ(untyped_free_bytes(ut), 0);
    EXPECT(RETYPE(ut, PN_OBJ_ENDPOINT, 0, 0, 0, slot_alloc(), 1), PN_NOT_ENOUGH_MEMORY, 0);
    CHECK_EQ(untyped_free_bytes(cp), 4096);
    delete_ok(cp);
    CHECK_EQ(untyped_free_bytes(ut), 4096);
}

TEST(retype_reset_is_preemptible)
{
    /* A Retype from a boot-time untyped without children resets (zeroes) all of it in
     * 256-byte chunks with a preemption point after each (invocations.md §3.1 step 10,
     * semantics.md §3, §9): boot untypeds start with their free index at the end.
     * 2^26 bytes take far longer than the root task's 5 ms budget, so the reset is
     * preempted and the Call restarted transparently. */
    pn_cptr_t ut = untouched_ram_untyped();
    if (!ut)
        FAIL("no RAM untyped of 2^%d..2^%d bytes without children in the bootinfo",
             UNTOUCHED_MIN_BITS, UNTOUCHED_MAX_BITS);
    pn_word_t bits = pn_bootinfo->untyped_list[ut - pn_bootinfo->untyped.start].size_bits;
    pn_word_t s = slot_alloc();
    pn_word_t before = pn_debug_preemptions();
    reply_t r = RETYPE(ut, PN_OBJ_X86_4K, 0, 0, 0, s, 1);
    pn_word_t after = pn_debug_preemptions();
    EXPECT_OK(r);
    CHECK_CMP(after, >, before);
    CHECK_CAP_TYPE(s, PN_CAP_FRAME);
    CHECK_EQ(untyped_free_bytes(ut), (1ul << bits) - PN_PAGE_SIZE);
}
