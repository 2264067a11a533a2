/*
 * The IPC fastpath: Call to a passive server waiting in Recv or ReplyRecv, and
 * ReplyRecv back to a caller whose SC was donated — the common case of client/server
 * IPC — done with a direct switch to the other thread, without the scheduler.  Any
 * condition that does not hold sends the call to the general path (c_handle_syscall),
 * which gives the same result: the fastpath only gets there faster.  Every condition is
 * checked before anything is changed.  The syscall entry (entry.S) jumps to these two
 * on the kernel stack, with the caller's registers saved in its TCB.
 *
 * Hot data: of each TCB, the context and the block of fields after it (object.h: state,
 * priority, switch key, SC, blocked_on, reply, queue links, fault type, the root-cap
 * cache and the CTable and VTable caps: the first eight cache lines); the endpoint's two
 * words; the reply object's links; the SC's reply and TCB pointers.
 */
#include "fastpath.h"
#include "arch/switch.h"
#include "arch/vspace.h"
#include "cspace.h"
#include "ipc.h"
#include "thread.h"

#if PN_CONFIG_FASTPATH

NORETURN void c_handle_syscall(word_t cptr, word_t info, word_t number);

/* What a failed lookup gives: an empty slot, which no fastpath check accepts. */
static cte_t no_slot;

/* The slot cptr names in t's CSpace: one level inline (the common case of a root CNode
 * whose guard and radix take all 64 bits), otherwise the general walk. */
static cte_t *lookup_slot_uncached(tcb_t *t, word_t cptr)
{
    cap_t root = t->slots[TCB_SLOT_CTABLE].cap;
    word_t radix = cap_cnode_radix(root), guard_size = cap_cnode_guard_size(root);
    if (cap_type(root) == PN_CAP_CNODE && radix + guard_size == 64) {
        t->fp.cspace_w0 = root.w0;
        t->fp.cspace_w1 = root.w1;
        t->fp.cspace_guard = cap_cnode_guard(root) << radix; /* radix < 64: a CNode's size */
        t->fp.cspace_mask = MASK(radix);
        t->fp.cspace_slots = (cte_t *)(cap_addr(root) & ~MASK(6));
        if ((cptr >> radix) != cap_cnode_guard(root))
            return &no_slot;
        return t->fp.cspace_slots + (cptr & MASK(radix));
    }
    lookup_fault_t lf;
    cte_t *slot = cspace_lookup_slot(t, cptr, &lf);
    return slot ? slot : &no_slot;
}

/* The cache of t's one-level CSpace root is current. */
static inline __attribute__((always_inline)) bool cspace_cached(const tcb_t *t)
{
    cap_t root = t->slots[TCB_SLOT_CTABLE].cap;
    return likely(root.w0 == t->fp.cspace_w0 && root.w1 == t->fp.cspace_w1);
}

/* The slot cptr names, through the cache (valid: cspace_cached(t)).  The guard sits
 * above the radix bits, so cptr ^ guard keeps the index and is at most the mask exactly
 * when the guard matches. */
static inline __attribute__((always_inline)) cte_t *lookup_slot_cached(const tcb_t *t, word_t cptr)
{
    word_t index = cptr ^ t->fp.cspace_guard;
    if (unlikely(index > t->fp.cspace_mask))
        return &no_slot;
    return t->fp.cspace_slots + index;
}

static inline __attribute__((always_inline)) cte_t *lookup_slot(tcb_t *t, word_t cptr)
{
    return likely(cspace_cached(t)) ? lookup_slot_cached(t, cptr) : lookup_slot_uncached(t, cptr);
}

/* The PML4 the thread runs in (thread_vspace_root, inline). */
static paddr_t vspace_root_uncached(tcb_t *t)
{
    cap_t c = t->slots[TCB_SLOT_VTABLE].cap;
    t->fp.vspace_w0 = c.w0;
    t->fp.vspace_w1 = c.w1;
    t->fp.vspace_generation = x86_asid_generation;
    return t->fp.vspace_root = thread_vspace_root(t);
}

static inline __attribute__((always_inline)) paddr_t vspace_root(tcb_t *t)
{
    cap_t c = t->slots[TCB_SLOT_VTABLE].cap;
    if (likely(c.w0 == t->fp.vspace_w0 && c.w1 == t->fp.vspace_w1 &&
               t->fp.vspace_generation == x86_asid_generation))
        return t->fp.vspace_root;
    return vspace_root_uncached(t);
}

/* No ready thread outranks priority p.  Out of line for the Call (where it is the rare
 * case of a lower-priority receiver), saving every register it uses, so the caller keeps
 * its values in registers across it. */
static __attribute__((noinline, no_caller_saved_registers)) bool highest_priority_call(unsigned p)
{
    return sched_is_highest_priority(p);
}

/* The message registers of a message whose info word is `info` (length 0..4). */
static inline __attribute__((always_inline)) void copy_message(const tcb_t *from, tcb_t *to, word_t info)
{
    if (likely(!(info & 0x7f))) /* the length field: nothing to copy */
        return;
    switch (pn_msginfo_length(info)) {
    case 4: to->ctx.r15 = from->ctx.r15; /* fall through */
    case 3: to->ctx.r9 = from->ctx.r9;   /* fall through */
    case 2: to->ctx.r8 = from->ctx.r8;   /* fall through */
    case 1: to->ctx.r10 = from->ctx.r10; /* fall through */
    default: break;
    }
}

/* The message info the receiver gets: label and length, no caps. */
#define INFO_KEEP (~(word_t)0xf80)
/* extraCaps and length together above 4: caps to transfer, or words in the buffer. */
#define INFO_SLOW(info) (((info) & 0x1ff) > PN_FAST_MESSAGE_REGISTERS)

NORETURN void fastpath_call(word_t cptr, word_t info)
{
    tcb_t *t = ks_cur;
    measure_entry();
    if (unlikely(INFO_SLOW(info)))
        goto slow;
    cap_t ep_cap = lookup_slot(t, cptr)->cap;
    /* An endpoint cap with Write, and Grant or GrantReply: its top 16 bits hold the type
     * and the rights (cap.h). */
    word_t top = ep_cap.w0 >> CAP_MISC_SHIFT;
    if (unlikely((top & (MASK(5) << 11 | PN_RIGHT_WRITE)) != ((word_t)PN_CAP_ENDPOINT << 11 | PN_RIGHT_WRITE) ||
                 !(top & (PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY))))
        goto slow;
    endpoint_t *ep = (endpoint_t *)cap_addr(ep_cap);
    word_t head_state = ep->head_state;
    if (unlikely((head_state & 3) != EP_RECV))
        goto slow;
    tcb_t *dest = (tcb_t *)(head_state & ~(word_t)3);
    reply_t *reply = dest->reply;
    sched_context_t *sc = t->sc;
    if (unlikely(!reply || dest->sc ||
                 (dest->priority < t->priority && !highest_priority_call(dest->priority))))
        goto slow;

    /* Checked: from here on the call cannot fall back. */
    tcb_t *next = dest->ep_next;
    ep->head_state = next ? (word_t)next | EP_RECV : EP_IDLE;
    if (next)
        next->ep_prev = NULL;
    else
        ep->tail = NULL;
    dest->ep_next = NULL;
    dest->blocked_on = NULL;

    /* The reply object moves from the receiver to the caller, which donates its SC. */
    dest->reply = NULL;
    reply->tcb = t;
    t->reply = reply;
    t->state = TS_BLOCKED_ON_REPLY;
    call_stack_push(sc, reply);
    sc->tcb = dest;
    dest->sc = sc;
    t->sc = NULL;

    copy_message(t, dest, info);
    dest->state = TS_RUNNING;
    ks_cur = dest;
    MEASURE_COUNT(KC_FASTPATH);
    arch_switch_to_with(dest, vspace_root(dest), cap_badge(ep_cap), info & INFO_KEEP);
slow:
    c_handle_syscall(t->ctx.rdi, t->ctx.rsi, (word_t)PN_SYS_CALL);
}

NORETURN void fastpath_reply_recv(word_t cptr, word_t info)
{
    tcb_t *t = ks_cur;
    measure_entry();
    if (unlikely(INFO_SLOW(info)))
        goto slow;
    cte_t *slot, *reply_slot;
    if (likely(cspace_cached(t))) {
        slot = lookup_slot_cached(t, cptr);
        reply_slot = lookup_slot_cached(t, t->ctx.r12);
    } else {
        slot = lookup_slot_uncached(t, cptr);
        reply_slot = lookup_slot_uncached(t, t->ctx.r12);
    }
    cap_t ep_cap = slot->cap;
    if (unlikely(cap_type(ep_cap) != PN_CAP_ENDPOINT || !(cap_rights(ep_cap) & PN_RIGHT_READ)))
        goto slow;
    endpoint_t *ep = (endpoint_t *)cap_addr(ep_cap);
    word_t es = ep->head_state & 3;
    if (unlikely(es == EP_SEND || (es == EP_RECV && ep->tail->priority < t->priority)))
        goto slow; /* a sender waits, or the queue order needs the general path */
    notification_t *bound = t->bound_notification;
    if (unlikely(bound && bound->state == NTFN_ACTIVE))
        goto slow;
    if (unlikely(cap_type(reply_slot->cap) != PN_CAP_REPLY))
        goto slow;
    reply_t *reply = (reply_t *)cap_addr(reply_slot->cap);
    tcb_t *caller = reply->tcb;
    sched_context_t *sc = t->sc;
    /* The reply heads the call stack of the server's SC (next is an SC pointer only at
     * the head), so its caller waits on it (invariant 6).  The SC's head refill is ready
     * and sufficient, as for every running thread's (invariant 5): the caller may run on it. */
    if (unlikely(!caller || caller->fault.type != PN_FAULT_NULL || caller->sc || reply->next != sc ||
                 !sched_is_highest_priority(caller->priority)))
        goto slow;

    /* Checked.  The reply pops the call stack: the SC goes back to the caller. */
    call_stack_pop(sc, reply);
    caller->reply = NULL;
    sc->tcb = caller;
    caller->sc = sc;
    t->sc = NULL;

    /* The server waits again, with the same reply object, at the back of the queue. */
    reply->tcb = t;
    t->reply = reply;
    t->state = TS_BLOCKED_ON_RECEIVE;
    t->blocked_on = ep;
    t->ep_next = NULL;
    if (es == EP_RECV) {
        t->ep_prev = ep->tail;
        ep->tail->ep_next = t;
    } else {
        t->ep_prev = NULL;
        ep->head_state = (word_t)t | EP_RECV;
    }
    ep->tail = t;

    copy_message(t, caller, info);
    caller->state = TS_RUNNING;
    ks_cur = caller;
    MEASURE_COUNT(KC_FASTPATH);
    arch_switch_to_with(caller, vspace_root(caller), 0, info & INFO_KEEP);
slow:
    c_handle_syscall(t->ctx.rdi, t->ctx.rsi, (word_t)PN_SYS_REPLY_RECV);
}

#endif
