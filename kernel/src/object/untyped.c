/* Untyped_Retype (invocations.md §3.1, semantics.md §3): all kernel memory comes from
 * here.  Invariant: the memory of an untyped above its free index is zero. */
#include "arch/x86.h"
#include "cdt.h"
#include "invariants.h"
#include "invocation.h"
#include "kstring.h"
#include "objecttype.h"
#include "preemption.h"

#define RESET_CHUNK_BITS 8 /* CONFIG_RESET_CHUNK_BITS */

/* Zeroes the used part of an untyped with no children, from the top down in chunks,
 * lowering the free index as it goes so that a preempted reset resumes where it was. */
static exception_t reset_untyped(cte_t *slot)
{
    cap_t c = slot->cap;
    word_t used = cap_untyped_free_index(c);
    if (used == 0)
        return EX_NONE;
    invariants_memory_reused(c);
    paddr_t base = cap_untyped_base(c);
    bool device = cap_untyped_is_device(c);
    if (device || cap_untyped_size_bits(c) < RESET_CHUNK_BITS) {
        if (!device)
            memset(paddr_to_kptr(base), 0, used);
        slot->cap = cap_untyped_set_free_index(c, 0);
        return EX_NONE;
    }
    for (word_t chunk = ROUND_DOWN(used - 1, RESET_CHUNK_BITS);; chunk -= BIT(RESET_CHUNK_BITS)) {
        memset(paddr_to_kptr(base + chunk), 0, BIT(RESET_CHUNK_BITS));
        slot->cap = cap_untyped_set_free_index(slot->cap, chunk);
        if (chunk == 0)
            return EX_NONE;
        if (preemption_point() != EX_NONE)
            return EX_PREEMPTED;
    }
}

static bool is_frame_type(word_t type)
{
    return type == PN_OBJ_X86_4K || type == PN_OBJ_X86_LARGE_PAGE || type == PN_OBJ_X64_HUGE_PAGE;
}

invocation_result_t untyped_decode(const invocation_t *inv)
{
    if (inv->label != PN_UNTYPED_RETYPE)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->length < 6 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t type = inv_arg(inv, 0), user_bits = inv_arg(inv, 1);
    word_t node_index = inv_arg(inv, 2), node_depth = inv_arg(inv, 3);
    word_t node_offset = inv_arg(inv, 4), count = inv_arg(inv, 5);
    cap_t root = inv->extra[0]->cap;

    if (type >= PN_OBJ_TYPE_COUNT)
        return inv_error1(PN_INVALID_ARGUMENT, 0);
    if (user_bits >= 64 || object_size_bits(type, user_bits) > PN_MAX_UNTYPED_BITS)
        return inv_error2(PN_RANGE_ERROR, 0, PN_MAX_UNTYPED_BITS);
    if ((type == PN_OBJ_CNODE && user_bits == 0) ||
        (type == PN_OBJ_UNTYPED && user_bits < PN_MIN_UNTYPED_BITS) ||
        (type == PN_OBJ_SCHED_CONTEXT && user_bits < PN_MIN_SCHED_CONTEXT_BITS))
        return inv_error1(PN_INVALID_ARGUMENT, 1);
    word_t obj_bits = object_size_bits(type, user_bits);

    cap_t node = root;
    if (node_depth != 0) {
        slot_lookup_t l = lookup_slot_for_cnode_op(false, root, node_index, node_depth);
        if (!l.slot)
            return l.error;
        node = l.slot->cap;
    }
    if (cap_type(node) != PN_CAP_CNODE) {
        lookup_fault_t lf = {.type = PN_LOOKUP_MISSING_CAP, .bits_left = node_depth};
        return inv_failed_lookup(false, &lf);
    }
    word_t slots = BIT(cap_cnode_radix(node));
    if (node_offset > slots - 1)
        return inv_error2(PN_RANGE_ERROR, 0, slots - 1);
    if (count < 1 || count > PN_CONFIG_RETYPE_FAN_OUT_LIMIT)
        return inv_error2(PN_RANGE_ERROR, 1, PN_CONFIG_RETYPE_FAN_OUT_LIMIT);
    if (count > slots - node_offset)
        return inv_error2(PN_RANGE_ERROR, 1, slots - node_offset);
    cte_t *dest = (cte_t *)cap_object(node) + node_offset;
    for (word_t i = 0; i < count; i++)
        if (!cap_is_null(dest[i].cap))
            return inv_error(PN_DELETE_FIRST);

    cap_t ut = inv->slot->cap;
    bool reset = !cdt_has_children(inv->slot);
    word_t free_index = reset ? 0 : cap_untyped_free_index(ut);
    word_t free_bytes = BIT(cap_untyped_size_bits(ut)) - free_index;
    if ((free_bytes >> obj_bits) < count)
        return inv_error1(PN_NOT_ENOUGH_MEMORY, free_bytes);
    bool device = cap_untyped_is_device(ut);
    if (device && !is_frame_type(type) && type != PN_OBJ_UNTYPED)
        return inv_error1(PN_INVALID_ARGUMENT, 1);

    /* Checked: now it cannot fail, except by being preempted while resetting. */
    if (reset && reset_untyped(inv->slot) != EX_NONE)
        return inv_error(INV_PREEMPTED);
    paddr_t base = cap_untyped_base(ut);
    paddr_t first = ROUND_UP(base + free_index, obj_bits);
    for (word_t i = 0; i < count; i++) {
        cap_t c = object_create(type, first + (i << obj_bits), user_bits, device);
        invariants_memory_reused(c);
        cdt_insert(&dest[i], c, inv->slot, true, true);
    }
    inv->slot->cap = cap_untyped_set_free_index(inv->slot->cap, first + (count << obj_bits) - base);
    return inv_ok();
}
