/* Object invocations, dispatched on the invoked cap's type (invocations.md). */
#include "invocation.h"
#include "ipc.h"
#include "message.h"
#include "schedcontext.h"

word_t inv_arg(const invocation_t *inv, unsigned i)
{
    return msg_get(inv->caller, inv->buffer, i);
}

invocation_result_t inv_failed_lookup(bool is_source, const lookup_fault_t *lf)
{
    invocation_result_t r = {PN_FAILED_LOOKUP, 1, {is_source}, NULL};
    r.length += lookup_fault_words(lf, &r.mr[1]);
    return r;
}

slot_lookup_t lookup_slot_for_cnode_op(bool is_source, cap_t root, word_t index, word_t depth)
{
    slot_lookup_t r = {NULL, {0}};
    lookup_fault_t lf;
    if (cap_type(root) != PN_CAP_CNODE) {
        lf = (lookup_fault_t){.type = PN_LOOKUP_INVALID_ROOT};
        r.error = inv_failed_lookup(is_source, &lf);
        return r;
    }
    if (depth < 1 || depth > 64) {
        r.error = inv_error2(PN_RANGE_ERROR, 1, 64);
        return r;
    }
    word_t left;
    cte_t *slot = cspace_resolve(root, index, depth, &left, &lf);
    if (!slot) {
        r.error = inv_failed_lookup(is_source, &lf);
        return r;
    }
    if (left != 0) {
        lf = (lookup_fault_t){.type = PN_LOOKUP_DEPTH_MISMATCH, .bits_left = left, .bits_found = 0};
        r.error = inv_failed_lookup(is_source, &lf);
        return r;
    }
    r.slot = slot;
    return r;
}

invocation_result_t invocation_decode(const invocation_t *inv)
{
    switch (cap_type(inv->cap)) {
    case PN_CAP_NULL:
    case PN_CAP_ZOMBIE:
        return inv_error1(PN_INVALID_CAPABILITY, 0);
    case PN_CAP_ENDPOINT: {
        cap_t c = inv->cap;
        if (!(cap_rights(c) & PN_RIGHT_WRITE))
            return inv_error1(PN_INVALID_CAPABILITY, 0);
        send_params_t p = {.badge = cap_badge(c),
                           .can_grant = cap_rights(c) & PN_RIGHT_GRANT,
                           .can_grant_reply = cap_rights(c) & PN_RIGHT_GRANT_REPLY,
                           .blocking = inv->blocking,
                           .is_call = inv->is_call,
                           .can_donate = inv->can_donate,
                           .buffer = inv->buffer};
        endpoint_send(cap_object(c), inv->caller, &p);
        return inv_ok();
    }
    case PN_CAP_NOTIFICATION:
        if (!(cap_rights(inv->cap) & PN_RIGHT_WRITE))
            return inv_error1(PN_INVALID_CAPABILITY, 0);
        notification_signal(cap_object(inv->cap), cap_badge(inv->cap));
        return inv_ok();
    case PN_CAP_REPLY:
        reply_deliver(cap_object(inv->cap), inv->caller, cap_reply_can_grant(inv->cap));
        return inv_ok();
    case PN_CAP_THREAD:
        return tcb_decode(inv);
    case PN_CAP_SCHED_CONTROL:
        return sched_control_decode(inv);
    case PN_CAP_SCHED_CONTEXT:
        return sched_context_decode(inv);
    case PN_CAP_CNODE:
        return cnode_decode(inv);
    case PN_CAP_UNTYPED:
        return untyped_decode(inv);
    case PN_CAP_IRQ_CONTROL:
    case PN_CAP_IRQ_HANDLER:
        return irq_decode(inv);
    case PN_CAP_DOMAIN:
        return domain_decode(inv);
    default:
        return arch_decode(inv);
    }
}
