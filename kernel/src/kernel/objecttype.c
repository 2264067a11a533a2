/* Per-type rules for caps (semantics.md §1–§4).  Architecture caps are handed to arch_*. */
#include "objecttype.h"
#include "arch/irq.h"
#include "arch/x86.h"
#include "cdt.h"
#include "console.h"
#include "kstring.h"
#include "ipc.h"
#include "schedcontext.h"
#include "thread.h"

word_t object_size_bits(word_t type, word_t user_bits)
{
    switch (type) {
    case PN_OBJ_UNTYPED:
    case PN_OBJ_SCHED_CONTEXT:
        return user_bits;
    case PN_OBJ_TCB:
        return PN_TCB_BITS;
    case PN_OBJ_ENDPOINT:
        return PN_ENDPOINT_BITS;
    case PN_OBJ_NOTIFICATION:
        return PN_NOTIFICATION_BITS;
    case PN_OBJ_CNODE:
        return user_bits + PN_SLOT_BITS;
    case PN_OBJ_REPLY:
        return PN_REPLY_BITS;
    default:
        return arch_object_size_bits(type);
    }
}

static paddr_t obj_paddr(cap_t c)
{
    return kptr_to_paddr(cap_object(c));
}

bool cap_region(cap_t c, paddr_t *base, word_t *bits)
{
    switch (cap_type(c)) {
    case PN_CAP_UNTYPED:
        *base = cap_untyped_base(c), *bits = cap_untyped_size_bits(c);
        return true;
    case PN_CAP_ENDPOINT:
        *base = obj_paddr(c), *bits = PN_ENDPOINT_BITS;
        return true;
    case PN_CAP_NOTIFICATION:
        *base = obj_paddr(c), *bits = PN_NOTIFICATION_BITS;
        return true;
    case PN_CAP_REPLY:
        *base = obj_paddr(c), *bits = PN_REPLY_BITS;
        return true;
    case PN_CAP_CNODE:
        *base = obj_paddr(c), *bits = cap_cnode_radix(c) + PN_SLOT_BITS;
        return true;
    case PN_CAP_THREAD:
        *base = obj_paddr(c), *bits = PN_TCB_BITS;
        return true;
    case PN_CAP_SCHED_CONTEXT:
        *base = obj_paddr(c), *bits = cap_sched_context_size_bits(c);
        return true;
    case PN_CAP_ZOMBIE:
        if (cap_zombie_type(c) == ZOMBIE_TCB) {
            *base = ROUND_DOWN(obj_paddr(c), PN_TCB_BITS), *bits = PN_TCB_BITS;
        } else {
            *base = obj_paddr(c), *bits = cap_zombie_type(c) + PN_SLOT_BITS;
        }
        return true;
    default:
        return arch_cap_region(c, base, bits);
    }
}

bool cap_same_region(cap_t a, cap_t b)
{
    enum pn_cap_type ta = cap_type(a), tb = cap_type(b);
    switch (ta) {
    case PN_CAP_UNTYPED: {
        paddr_t ab, bb;
        word_t as, bs;
        if (!cap_region(a, &ab, &as) || !cap_region(b, &bb, &bs))
            return false;
        return ab <= bb && bb + (BIT(bs) - 1) <= ab + (BIT(as) - 1);
    }
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
    case PN_CAP_THREAD:
    case PN_CAP_REPLY:
        return tb == ta && cap_object(a) == cap_object(b);
    case PN_CAP_CNODE:
        return tb == ta && cap_object(a) == cap_object(b) && cap_cnode_radix(a) == cap_cnode_radix(b);
    case PN_CAP_SCHED_CONTEXT:
        return tb == ta && cap_object(a) == cap_object(b) &&
               cap_sched_context_size_bits(a) == cap_sched_context_size_bits(b);
    case PN_CAP_DOMAIN:
    case PN_CAP_SCHED_CONTROL:
    case PN_CAP_ASID_CONTROL:
        return tb == ta;
    case PN_CAP_IRQ_CONTROL:
        return tb == PN_CAP_IRQ_CONTROL || tb == PN_CAP_IRQ_HANDLER;
    case PN_CAP_IRQ_HANDLER:
        return tb == ta && a.w1 == b.w1;
    case PN_CAP_NULL:
    case PN_CAP_ZOMBIE:
        return false;
    default:
        return arch_same_region(a, b);
    }
}

bool cap_same_object(cap_t a, cap_t b)
{
    enum pn_cap_type ta = cap_type(a), tb = cap_type(b);
    if (ta == PN_CAP_UNTYPED)
        return false;
    if (ta == PN_CAP_IRQ_CONTROL && tb == PN_CAP_IRQ_HANDLER)
        return false;
    if (ta == PN_CAP_IO_PORT_CONTROL && tb == PN_CAP_IO_PORT)
        return false;
    if (ta == PN_CAP_FRAME && tb == PN_CAP_FRAME)
        return cap_frame_base(a) == cap_frame_base(b) && cap_frame_size(a) == cap_frame_size(b) &&
               cap_frame_is_device(a) == cap_frame_is_device(b);
    return cap_same_region(a, b);
}

bool cap_is_revocable(cap_t derived, cap_t src)
{
    switch (cap_type(derived)) {
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        return cap_badge(derived) != cap_badge(src);
    case PN_CAP_IRQ_HANDLER:
        return cap_type(src) == PN_CAP_IRQ_CONTROL;
    case PN_CAP_IO_PORT:
        return cap_type(src) == PN_CAP_IO_PORT_CONTROL;
    case PN_CAP_UNTYPED:
        return true;
    default:
        return false;
    }
}

cap_t cap_mask_rights(cap_t c, word_t rights)
{
    switch (cap_type(c)) {
    case PN_CAP_ENDPOINT:
        return cap_set_rights(c, cap_rights(c) & rights);
    case PN_CAP_NOTIFICATION:
        return cap_set_rights(c, cap_rights(c) & rights & PN_RIGHTS_RW);
    case PN_CAP_REPLY:
        return cap_reply(cap_object(c), cap_reply_can_grant(c) && (rights & PN_RIGHT_GRANT));
    default:
        return arch_mask_rights(c, rights);
    }
}

cap_t cap_update_data(cap_t c, bool preserve, word_t data)
{
    switch (cap_type(c)) {
    case PN_CAP_ENDPOINT:
    case PN_CAP_NOTIFICATION:
        if (preserve || cap_badge(c) != 0)
            return cap_null();
        return cap_badged(cap_type(c), cap_object(c), cap_rights(c), data);
    case PN_CAP_CNODE: {
        word_t guard_size = data & 63;
        if (guard_size + cap_cnode_radix(c) > 64)
            return cap_null();
        word_t guard = (data >> 6) & MASK(guard_size);
        return cap_cnode(cap_object(c), cap_cnode_radix(c), guard_size, guard);
    }
    default:
        return c;
    }
}

derive_result_t cap_derive(const cte_t *slot, cap_t c)
{
    switch (cap_type(c)) {
    case PN_CAP_ZOMBIE:
    case PN_CAP_IRQ_CONTROL:
        return (derive_result_t){PN_NO_ERROR, cap_null()};
    case PN_CAP_UNTYPED:
        if (cdt_has_children(slot))
            return (derive_result_t){PN_REVOKE_FIRST, cap_null()};
        return (derive_result_t){PN_NO_ERROR, c};
    default:
        return arch_derive(c);
    }
}

/* ---- finalisation ---- */

static void tcb_finalise(tcb_t *t)
{
    if (t->bound_notification)
        notification_unbind(t->bound_notification);
    if (t->sc) {
        sched_context_t *sc = t->sc;
        sc_unbind_tcb(sc);
        if (sc->yield_from)
            sc_complete_yield_to(sc->yield_from);
    }
    thread_suspend(t);
    thread_forget(t);
}

static void notification_finalise(notification_t *n)
{
    notification_unbind(n);
    if (n->sc)
        sc_unbind_notification(n->sc);
    notification_cancel_all(n);
}

finalise_result_t cap_finalise(cap_t c, bool final)
{
    finalise_result_t r = {cap_null(), cap_null()};
    switch (cap_type(c)) {
    case PN_CAP_ENDPOINT:
        if (final)
            endpoint_cancel_all(cap_object(c));
        return r;
    case PN_CAP_NOTIFICATION:
        if (final)
            notification_finalise(cap_object(c));
        return r;
    case PN_CAP_REPLY:
        if (final)
            reply_finalise(cap_object(c));
        return r;
    case PN_CAP_CNODE:
        if (final)
            r.remainder = cap_zombie(cap_object(c), cap_cnode_radix(c), BIT(cap_cnode_radix(c)));
        return r;
    case PN_CAP_THREAD:
        if (final) {
            tcb_t *t = cap_object(c);
            tcb_finalise(t);
            r.remainder = cap_zombie(t->slots, ZOMBIE_TCB, TCB_SLOT_COUNT);
        }
        return r;
    case PN_CAP_ZOMBIE:
        r.remainder = c;
        return r;
    case PN_CAP_SCHED_CONTEXT:
        if (final)
            sc_finalise(cap_object(c));
        return r;
    case PN_CAP_IRQ_HANDLER:
        if (final)
            r.cleanup = c;
        return r;
    case PN_CAP_NULL:
    case PN_CAP_UNTYPED:
    case PN_CAP_DOMAIN:
    case PN_CAP_SCHED_CONTROL:
    case PN_CAP_IRQ_CONTROL:
        return r;
    default:
        return arch_finalise(c, final);
    }
}

void cap_post_deletion(cap_t cleanup)
{
    switch (cap_type(cleanup)) {
    case PN_CAP_NULL:
        return;
    case PN_CAP_IRQ_HANDLER:
        irq_handler_deleted(cleanup.w1);
        return;
    default:
        arch_post_deletion(cleanup);
        return;
    }
}

cap_t object_create(word_t type, paddr_t paddr, word_t user_bits, bool device)
{
    void *obj = paddr_to_kptr(paddr);
    switch (type) {
    case PN_OBJ_UNTYPED:
        return cap_untyped(paddr, user_bits, device, 0);
    case PN_OBJ_TCB: {
        tcb_t *t = obj;
        thread_init(t, "");
        t->domain = 0;
        return cap_thread(t);
    }
    case PN_OBJ_ENDPOINT:
        return cap_badged(PN_CAP_ENDPOINT, obj, PN_RIGHTS_ALL, 0);
    case PN_OBJ_NOTIFICATION:
        return cap_badged(PN_CAP_NOTIFICATION, obj, PN_RIGHTS_RW, 0);
    case PN_OBJ_CNODE:
        return cap_cnode(obj, user_bits, 0, 0);
    case PN_OBJ_SCHED_CONTEXT:
        return cap_sched_context(obj, user_bits);
    case PN_OBJ_REPLY:
        return cap_reply(obj, true);
    default:
        return arch_object_create(type, paddr, device);
    }
}
