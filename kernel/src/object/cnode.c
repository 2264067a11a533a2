/*
 * CNode invocations (invocations.md §3.2) and deletion (semantics.md §1, §9).
 *
 * Deleting the final cap of a CNode or TCB turns it into a zombie whose slots are then
 * deleted one at a time, from the last, with a preemption point after each.  A slot
 * inside the dying object that holds another final CNode or TCB is not followed
 * recursively: that inner object is made a zombie and swapped into its own first slot
 * ("cyclic"), where it stays until something deletes it — so the kernel stack never
 * grows with the depth of a CSpace.
 */
#include "cdt.h"
#include "console.h"
#include "invocation.h"
#include "ipc.h"
#include "objecttype.h"
#include "preemption.h"

/* ---- deletion ---- */

static exception_t delete_slot(cte_t *slot, bool exposed);

static bool cap_removable(cap_t c, const cte_t *slot)
{
    if (cap_is_null(c))
        return true;
    word_t n = cap_zombie_number(c);
    return n == 0 || (n == 1 && (const cte_t *)cap_object(c) == slot);
}

static bool cap_cyclic_zombie(cap_t c, const cte_t *slot)
{
    return cap_type(c) == PN_CAP_ZOMBIE && (const cte_t *)cap_object(c) == slot;
}

/* One step of a zombie: delete its last remaining slot (immediate), or, for a zombie
 * met while deleting another object's slot, swap it into its own first slot. */
static exception_t reduce_zombie(cte_t *slot, bool immediate)
{
    cap_t z = slot->cap;
    cte_t *slots = cap_object(z);
    word_t n = cap_zombie_number(z);
    if (!immediate) {
        cdt_swap(slots, slots->cap, slot, slot->cap);
        return EX_NONE;
    }
    exception_t e = delete_slot(&slots[n - 1], false);
    if (e != EX_NONE)
        return e;
    cap_t now = slot->cap;
    if (cap_type(now) == PN_CAP_ZOMBIE && cap_object(now) == slots && cap_zombie_number(now) == n &&
        cap_zombie_type(now) == cap_zombie_type(z))
        slot->cap = cap_zombie_set_number(now, n - 1);
    return EX_NONE;
}

typedef struct finalise_slot_result {
    exception_t status;
    bool success; /* the slot may now be emptied */
    cap_t cleanup;
} finalise_slot_result_t;

static finalise_slot_result_t finalise_slot(cte_t *slot, bool immediate)
{
    while (!cap_is_null(slot->cap)) {
        bool final = cdt_is_final(slot);
        finalise_result_t f = cap_finalise(slot->cap, final);
        if (cap_removable(f.remainder, slot))
            return (finalise_slot_result_t){EX_NONE, true, f.cleanup};
        slot->cap = f.remainder;
        if (!immediate && cap_cyclic_zombie(f.remainder, slot))
            return (finalise_slot_result_t){EX_NONE, false, f.cleanup};
        exception_t e = reduce_zombie(slot, immediate);
        if (e == EX_NONE)
            e = preemption_point();
        if (e != EX_NONE)
            return (finalise_slot_result_t){e, false, cap_null()};
    }
    return (finalise_slot_result_t){EX_NONE, true, cap_null()};
}

static void empty_slot(cte_t *slot, cap_t cleanup)
{
    if (cap_is_null(slot->cap))
        return;
    cdt_remove(slot);
    cap_post_deletion(cleanup);
}

static exception_t delete_slot(cte_t *slot, bool exposed)
{
    finalise_slot_result_t r = finalise_slot(slot, exposed);
    if (r.status != EX_NONE)
        return r.status;
    if (exposed || r.success)
        empty_slot(slot, r.cleanup);
    return EX_NONE;
}

exception_t cnode_delete(cte_t *slot)
{
    return delete_slot(slot, true);
}

exception_t cnode_revoke(cte_t *slot)
{
    for (cte_t *next = mdb_next(slot); next && cdt_is_parent_of(slot, next); next = mdb_next(slot)) {
        exception_t e = delete_slot(next, true);
        if (e == EX_NONE)
            e = preemption_point();
        if (e != EX_NONE)
            return e;
    }
    return EX_NONE;
}

/* ---- invocations ---- */

static invocation_result_t missing_source(bool is_source, word_t depth)
{
    lookup_fault_t lf = {.type = PN_LOOKUP_MISSING_CAP, .bits_left = depth};
    return inv_failed_lookup(is_source, &lf);
}

static invocation_result_t copy_family(const invocation_t *inv, cte_t *dest)
{
    if (inv->length < 4 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    if (!cap_is_null(dest->cap))
        return inv_error(PN_DELETE_FIRST);
    word_t src_depth = inv_arg(inv, 3);
    slot_lookup_t src = lookup_slot_for_cnode_op(true, inv->extra[0]->cap, inv_arg(inv, 2), src_depth);
    if (!src.slot)
        return src.error;
    if (cap_is_null(src.slot->cap))
        return missing_source(true, src_depth);

    cap_t c = src.slot->cap;
    switch (inv->label) {
    case PN_CNODE_COPY:
    case PN_CNODE_MINT: {
        if (inv->length < (inv->label == PN_CNODE_MINT ? 6u : 5u))
            return inv_error(PN_TRUNCATED_MESSAGE);
        c = cap_mask_rights(c, inv_arg(inv, 4));
        if (inv->label == PN_CNODE_MINT)
            c = cap_update_data(c, false, inv_arg(inv, 5));
        derive_result_t d = cap_derive(src.slot, c);
        if (d.error != PN_NO_ERROR)
            return inv_error(d.error);
        if (cap_is_null(d.cap))
            return inv_error(PN_ILLEGAL_OPERATION);
        cdt_insert_derived(src.slot, dest, d.cap);
        return inv_ok();
    }
    case PN_CNODE_MUTATE:
        if (inv->length < 5)
            return inv_error(PN_TRUNCATED_MESSAGE);
        c = cap_update_data(c, true, inv_arg(inv, 4));
        if (cap_is_null(c))
            return inv_error(PN_ILLEGAL_OPERATION);
        cdt_move(src.slot, dest, c);
        return inv_ok();
    default: /* Move */
        cdt_move(src.slot, dest, c);
        return inv_ok();
    }
}

static invocation_result_t rotate(const invocation_t *inv, cte_t *dest)
{
    if (inv->length < 8 || inv->extra_caps < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t pivot_depth = inv_arg(inv, 4), src_depth = inv_arg(inv, 7);
    slot_lookup_t src = lookup_slot_for_cnode_op(true, inv->extra[1]->cap, inv_arg(inv, 6), src_depth);
    if (!src.slot)
        return src.error;
    slot_lookup_t pivot = lookup_slot_for_cnode_op(true, inv->extra[0]->cap, inv_arg(inv, 3), pivot_depth);
    if (!pivot.slot)
        return pivot.error;
    if (pivot.slot == src.slot || pivot.slot == dest)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (src.slot != dest && !cap_is_null(dest->cap))
        return inv_error(PN_DELETE_FIRST);
    if (cap_is_null(src.slot->cap))
        return missing_source(true, src_depth);
    if (cap_is_null(pivot.slot->cap))
        return missing_source(false, pivot_depth);
    cap_t new_src = cap_update_data(src.slot->cap, true, inv_arg(inv, 5));
    if (cap_is_null(new_src))
        return inv_error(PN_ILLEGAL_OPERATION);
    cap_t new_pivot = cap_update_data(pivot.slot->cap, true, inv_arg(inv, 2));
    if (cap_is_null(new_pivot))
        return inv_error(PN_ILLEGAL_OPERATION);
    if (src.slot == dest) {
        cdt_swap(src.slot, new_src, pivot.slot, new_pivot);
    } else {
        cdt_move(pivot.slot, dest, new_pivot);
        cdt_move(src.slot, pivot.slot, new_src);
    }
    return inv_ok();
}

static invocation_result_t cancel_badged_sends(cte_t *slot)
{
    cap_t c = slot->cap;
    if (cap_type(c) != PN_CAP_ENDPOINT || cap_rights(c) != PN_RIGHTS_ALL)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (cap_badge(c) != 0)
        endpoint_cancel_badged_sends(cap_object(c), cap_badge(c));
    return inv_ok();
}

invocation_result_t cnode_decode(const invocation_t *inv)
{
    if (inv->label < PN_CNODE_REVOKE || inv->label > PN_CNODE_ROTATE)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->length < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    slot_lookup_t dest = lookup_slot_for_cnode_op(false, inv->cap, inv_arg(inv, 0), inv_arg(inv, 1));
    if (!dest.slot)
        return dest.error;
    switch (inv->label) {
    case PN_CNODE_REVOKE:
        return inv_status(cnode_revoke(dest.slot));
    case PN_CNODE_DELETE:
        return inv_status(cnode_delete(dest.slot));
    case PN_CNODE_CANCEL_BADGED_SENDS:
        return cancel_badged_sends(dest.slot);
    case PN_CNODE_ROTATE:
        return rotate(inv, dest.slot);
    default:
        return copy_family(inv, dest.slot);
    }
}
