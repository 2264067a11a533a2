/*
 * Capabilities: two words each, one layout per type, all of it in this file.
 *
 *   w0 bits 63..59  type (enum pn_cap_type: the tags DebugCapIdentify reports)
 *   w0 bits 58..48  eleven type-specific bits ("misc")
 *   w0 bits 47..0   an address: a kernel pointer (sign-extended from bit 47) or a
 *                   physical address (< 2^47); its low alignment bits may hold fields
 *   w1              a type-specific word
 */
#ifndef PECAN_CAP_H
#define PECAN_CAP_H

#include "types.h"

typedef struct cap {
    word_t w0, w1;
} cap_t;

#define CAP_ADDR_BITS 48
#define CAP_MISC_SHIFT 48

static inline enum pn_cap_type cap_type(cap_t c) { return (enum pn_cap_type)(c.w0 >> 59); }
static inline bool cap_is_null(cap_t c) { return cap_type(c) == PN_CAP_NULL; }
static inline word_t cap_addr(cap_t c) { return (word_t)((sword_t)(c.w0 << 16) >> 16); }
static inline word_t cap_misc(cap_t c) { return (c.w0 >> CAP_MISC_SHIFT) & MASK(11); }

static inline cap_t cap_make(enum pn_cap_type type, word_t misc, word_t addr, word_t w1)
{
    cap_t c = {(word_t)type << 59 | (misc & MASK(11)) << CAP_MISC_SHIFT | (addr & MASK(CAP_ADDR_BITS)), w1};
    return c;
}
static inline cap_t cap_null(void) { return (cap_t){0, 0}; }

/* ---- Untyped: addr = physical base; misc = size_bits | is_device << 6; w1 = free index
 * (bytes already used, counted from the base). ---- */
static inline cap_t cap_untyped(paddr_t base, unsigned size_bits, bool device, word_t free_index)
{
    return cap_make(PN_CAP_UNTYPED, size_bits | (word_t)device << 6, base, free_index);
}
static inline paddr_t cap_untyped_base(cap_t c) { return cap_addr(c); }
static inline unsigned cap_untyped_size_bits(cap_t c) { return cap_misc(c) & 63; }
static inline bool cap_untyped_is_device(cap_t c) { return (cap_misc(c) >> 6) & 1; }
static inline word_t cap_untyped_free_index(cap_t c) { return c.w1; }
static inline cap_t cap_untyped_set_free_index(cap_t c, word_t i) { c.w1 = i; return c; }

/* ---- Endpoint and notification: addr = object; misc = rights; w1 = badge. ---- */
static inline cap_t cap_badged(enum pn_cap_type t, void *obj, word_t rights, word_t badge)
{
    return cap_make(t, rights & PN_RIGHTS_ALL, (word_t)obj, badge);
}
static inline word_t cap_rights(cap_t c) { return cap_misc(c) & PN_RIGHTS_ALL; }
static inline word_t cap_badge(cap_t c) { return c.w1; }
static inline cap_t cap_set_rights(cap_t c, word_t rights)
{
    return cap_make(cap_type(c), (cap_misc(c) & ~PN_RIGHTS_ALL) | (rights & PN_RIGHTS_ALL), cap_addr(c), c.w1);
}

/* ---- Reply: addr = object; misc bit 0 = can grant. ---- */
static inline cap_t cap_reply(void *reply, bool can_grant) { return cap_make(PN_CAP_REPLY, can_grant, (word_t)reply, 0); }
static inline bool cap_reply_can_grant(cap_t c) { return cap_misc(c) & 1; }

/* ---- CNode: addr = slots (at least 64-byte aligned) with the guard size in its low six
 * bits; misc = radix; w1 = guard. ---- */
static inline cap_t cap_cnode(void *slots, unsigned radix, unsigned guard_size, word_t guard)
{
    return cap_make(PN_CAP_CNODE, radix, (word_t)slots | guard_size, guard);
}
static inline unsigned cap_cnode_radix(cap_t c) { return cap_misc(c) & 63; }
static inline unsigned cap_cnode_guard_size(cap_t c) { return cap_addr(c) & 63; }
static inline word_t cap_cnode_guard(cap_t c) { return c.w1; }

/* ---- Thread, SchedContext (misc = size bits), PML4 (w1 = ASID, 0 = none), ASID pool
 * (misc = pool index), IRQ handler (w1 = IRQ), IO port (w1 = first | last << 16). ---- */
static inline cap_t cap_thread(void *tcb) { return cap_make(PN_CAP_THREAD, 0, (word_t)tcb, 0); }
static inline cap_t cap_sched_context(void *sc, unsigned size_bits) { return cap_make(PN_CAP_SCHED_CONTEXT, size_bits, (word_t)sc, 0); }
static inline unsigned cap_sched_context_size_bits(cap_t c) { return cap_misc(c) & 63; }
static inline cap_t cap_asid_pool(void *pool, unsigned index) { return cap_make(PN_CAP_ASID_POOL, index, (word_t)pool, 0); }
static inline unsigned cap_asid_pool_index(cap_t c) { return cap_misc(c); }
static inline cap_t cap_irq_handler(word_t irq) { return cap_make(PN_CAP_IRQ_HANDLER, 0, 0, irq); }
static inline cap_t cap_io_port(uint16_t first, uint16_t last) { return cap_make(PN_CAP_IO_PORT, 0, 0, first | (word_t)last << 16); }
static inline uint16_t cap_io_port_first(cap_t c) { return c.w1 & 0xffff; }
static inline uint16_t cap_io_port_last(cap_t c) { return (c.w1 >> 16) & 0xffff; }
static inline cap_t cap_simple(enum pn_cap_type t) { return cap_make(t, 0, 0, 0); }

/* ---- Paging structures (PML4, PDPT, PD, PT): addr = table; w1 = mapped vaddr | ASID in
 * the low 12 bits (ASID 0 is never handed out, so 0 there means "not mapped"; for a PML4
 * it means "no ASID assigned"). ---- */
static inline cap_t cap_table(enum pn_cap_type t, void *table, word_t asid, word_t vaddr)
{
    return cap_make(t, 0, (word_t)table, (vaddr & ~MASK(12)) | asid);
}
static inline word_t cap_mapped_asid(cap_t c) { return c.w1 & MASK(12); }
static inline word_t cap_mapped_vaddr(cap_t c) { return c.w1 & ~MASK(12); }

/* ---- Frame: addr = physical base with, in its low 12 bits, the size class (0 4K, 1 2M,
 * 2 1G), VM rights (bits 2..3) and the device flag (bit 4); w1 as for tables. ---- */
enum frame_size { FRAME_4K = 0, FRAME_2M = 1, FRAME_1G = 2 };
enum vm_rights { VM_KERNEL_ONLY = 1, VM_READ_ONLY = 2, VM_READ_WRITE = 3 };
static inline cap_t cap_frame(paddr_t base, enum frame_size size, enum vm_rights rights,
                              bool device, word_t asid, word_t vaddr)
{
    return cap_make(PN_CAP_FRAME, 0, base | size | rights << 2 | (word_t)device << 4,
                    (vaddr & ~MASK(12)) | asid);
}
static inline paddr_t cap_frame_base(cap_t c) { return cap_addr(c) & ~MASK(12); }
static inline enum frame_size cap_frame_size(cap_t c) { return (enum frame_size)(cap_addr(c) & 3); }
static inline unsigned cap_frame_size_bits(cap_t c) { return 12 + 9 * cap_frame_size(c); }
static inline enum vm_rights cap_frame_rights(cap_t c) { return (enum vm_rights)((cap_addr(c) >> 2) & 3); }
static inline bool cap_frame_is_device(cap_t c) { return (cap_addr(c) >> 4) & 1; }
static inline cap_t cap_frame_set_rights(cap_t c, enum vm_rights r)
{
    return cap_make(PN_CAP_FRAME, 0, (cap_addr(c) & ~(word_t)0xc) | r << 2, c.w1);
}
/* Drops the mapping recorded in a frame or table cap. */
static inline cap_t cap_unmapped(cap_t c) { c.w1 = 0; return c; }

/* ---- Zombie (a CNode or TCB being destroyed): addr = its slots; misc = the CNode's
 * radix, or ZOMBIE_TCB; w1 = how many of its slots are still to be deleted. ---- */
#define ZOMBIE_TCB 64
static inline cap_t cap_zombie(void *slots, unsigned type, word_t n) { return cap_make(PN_CAP_ZOMBIE, type, (word_t)slots, n); }
static inline unsigned cap_zombie_type(cap_t c) { return cap_misc(c); }
static inline word_t cap_zombie_number(cap_t c) { return c.w1; }
static inline cap_t cap_zombie_set_number(cap_t c, word_t n) { c.w1 = n; return c; }

/* The object a cap refers to, for the pointer-carrying types. */
static inline void *cap_object(cap_t c)
{
    switch (cap_type(c)) {
    case PN_CAP_CNODE:
        return (void *)(cap_addr(c) & ~MASK(6));
    case PN_CAP_PML4:
    case PN_CAP_PDPT:
    case PN_CAP_PAGE_DIRECTORY:
    case PN_CAP_PAGE_TABLE:
        return (void *)(cap_addr(c) & ~MASK(12));
    default:
        return (void *)cap_addr(c);
    }
}

#endif
