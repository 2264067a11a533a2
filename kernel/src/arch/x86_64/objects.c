/* x86-64 caps: frames, page-table levels, ASID pools and I/O ports (semantics.md §1–§4,
 * invocations.md §3.8). */
#include "arch/vspace.h"
#include "arch/x86.h"
#include "cdt.h"
#include "invocation.h"
#include "objecttype.h"

static bool is_table(enum pn_cap_type t)
{
    return t == PN_CAP_PML4 || t == PN_CAP_PDPT || t == PN_CAP_PAGE_DIRECTORY || t == PN_CAP_PAGE_TABLE;
}

word_t arch_object_size_bits(word_t type)
{
    switch (type) {
    case PN_OBJ_X64_HUGE_PAGE:
        return PN_HUGE_PAGE_BITS;
    case PN_OBJ_X86_LARGE_PAGE:
        return PN_LARGE_PAGE_BITS;
    default: /* 4K frames and every table level */
        return PN_PAGE_BITS;
    }
}

bool arch_cap_region(cap_t c, paddr_t *base, word_t *bits)
{
    enum pn_cap_type t = cap_type(c);
    if (t == PN_CAP_FRAME) {
        *base = cap_frame_base(c), *bits = cap_frame_size_bits(c);
        return true;
    }
    if (is_table(t) || t == PN_CAP_ASID_POOL) {
        *base = kptr_to_paddr(cap_object(c)), *bits = PN_PAGE_BITS;
        return true;
    }
    return false;
}

bool arch_same_region(cap_t a, cap_t b)
{
    enum pn_cap_type ta = cap_type(a), tb = cap_type(b);
    switch (ta) {
    case PN_CAP_FRAME: {
        if (tb != PN_CAP_FRAME)
            return false;
        paddr_t ab = cap_frame_base(a), bb = cap_frame_base(b);
        return ab <= bb && bb + BIT(cap_frame_size_bits(b)) - 1 <= ab + BIT(cap_frame_size_bits(a)) - 1;
    }
    case PN_CAP_IO_PORT_CONTROL:
        return tb == PN_CAP_IO_PORT_CONTROL || tb == PN_CAP_IO_PORT;
    case PN_CAP_IO_PORT:
        return tb == PN_CAP_IO_PORT && a.w1 == b.w1;
    default:
        return (is_table(ta) || ta == PN_CAP_ASID_POOL) && tb == ta && cap_object(a) == cap_object(b);
    }
}

cap_t arch_mask_rights(cap_t c, word_t rights)
{
    if (cap_type(c) != PN_CAP_FRAME)
        return c;
    enum vm_rights r = cap_frame_rights(c);
    bool read = rights & PN_RIGHT_READ, write = rights & PN_RIGHT_WRITE;
    if (r == VM_READ_ONLY && read)
        return cap_frame_set_rights(c, VM_READ_ONLY);
    if (r == VM_READ_WRITE && read)
        return cap_frame_set_rights(c, write ? VM_READ_WRITE : VM_READ_ONLY);
    return cap_frame_set_rights(c, VM_KERNEL_ONLY);
}

derive_result_t arch_derive(cap_t c)
{
    enum pn_cap_type t = cap_type(c);
    if (is_table(t))
        return cap_mapped_asid(c) ? (derive_result_t){PN_NO_ERROR, c}
                                  : (derive_result_t){PN_ILLEGAL_OPERATION, cap_null()};
    if (t == PN_CAP_FRAME)
        return (derive_result_t){PN_NO_ERROR, cap_unmapped(c)};
    if (t == PN_CAP_IO_PORT_CONTROL)
        return (derive_result_t){PN_NO_ERROR, cap_null()};
    return (derive_result_t){PN_NO_ERROR, c};
}

finalise_result_t arch_finalise(cap_t c, bool final)
{
    finalise_result_t r = {cap_null(), cap_null()};
    switch (cap_type(c)) {
    case PN_CAP_FRAME:
        if (cap_mapped_asid(c))
            vspace_unmap_frame(cap_mapped_asid(c), cap_mapped_vaddr(c), cap_frame_base(c),
                               cap_frame_size_bits(c));
        break;
    case PN_CAP_PDPT:
    case PN_CAP_PAGE_DIRECTORY:
    case PN_CAP_PAGE_TABLE:
        if (final && cap_mapped_asid(c))
            vspace_unmap_table(cap_type(c), cap_mapped_asid(c), cap_mapped_vaddr(c), cap_object(c));
        break;
    case PN_CAP_PML4:
        if (final && cap_mapped_asid(c))
            vspace_release_asid(cap_mapped_asid(c), cap_object(c));
        break;
    case PN_CAP_ASID_POOL:
        if (final)
            vspace_delete_asid_pool(cap_asid_pool_index(c), cap_object(c));
        break;
    case PN_CAP_IO_PORT:
        if (final)
            r.cleanup = c;
        break;
    default:
        break;
    }
    return r;
}

cap_t arch_object_create(word_t type, paddr_t paddr, bool device)
{
    void *obj = paddr_to_kptr(paddr);
    switch (type) {
    case PN_OBJ_X86_4K:
        return cap_frame(paddr, FRAME_4K, VM_READ_WRITE, device, 0, 0);
    case PN_OBJ_X86_LARGE_PAGE:
        return cap_frame(paddr, FRAME_2M, VM_READ_WRITE, device, 0, 0);
    case PN_OBJ_X64_HUGE_PAGE:
        return cap_frame(paddr, FRAME_1G, VM_READ_WRITE, device, 0, 0);
    case PN_OBJ_X86_PAGE_TABLE:
        return cap_table(PN_CAP_PAGE_TABLE, obj, 0, 0);
    case PN_OBJ_X86_PAGE_DIRECTORY:
        return cap_table(PN_CAP_PAGE_DIRECTORY, obj, 0, 0);
    case PN_OBJ_X86_PDPT:
        return cap_table(PN_CAP_PDPT, obj, 0, 0);
    default: /* PML4 */
        vspace_init_root(obj);
        return cap_table(PN_CAP_PML4, obj, 0, 0);
    }
}

/* ---- I/O ports ---- */

static uint8_t issued_ports[65536 / 8];

static bool port_issued(word_t p) { return issued_ports[p / 8] & BIT(p % 8); }

static void set_ports(word_t first, word_t last, bool issued)
{
    for (word_t p = first; p <= last; p++) {
        if (issued)
            issued_ports[p / 8] |= BIT(p % 8);
        else
            issued_ports[p / 8] &= ~BIT(p % 8);
    }
}

void arch_post_deletion(cap_t cleanup)
{
    if (cap_type(cleanup) == PN_CAP_IO_PORT)
        set_ports(cap_io_port_first(cleanup), cap_io_port_last(cleanup), false);
}

static invocation_result_t ioport_control_issue(const invocation_t *inv)
{
    if (inv->label != PN_X86_IOPORT_CONTROL_ISSUE)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->length < 4 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t first = inv_arg(inv, 0) & 0xffff, last = inv_arg(inv, 1) & 0xffff;
    if (last < first)
        return inv_error1(PN_INVALID_ARGUMENT, 1);
    for (word_t p = first; p <= last; p++)
        if (port_issued(p))
            return inv_error(PN_REVOKE_FIRST);
    slot_lookup_t dest = lookup_slot_for_cnode_op(false, inv->extra[0]->cap, inv_arg(inv, 2), inv_arg(inv, 3));
    if (!dest.slot)
        return dest.error;
    if (!cap_is_null(dest.slot->cap))
        return inv_error(PN_DELETE_FIRST);
    set_ports(first, last, true);
    cdt_insert_derived(inv->slot, dest.slot, cap_io_port(first, last));
    return inv_ok();
}

static invocation_result_t ioport_access(const invocation_t *inv)
{
    word_t width;
    bool out;
    switch (inv->label) {
    case PN_X86_IOPORT_IN8: width = 1, out = false; break;
    case PN_X86_IOPORT_IN16: width = 2, out = false; break;
    case PN_X86_IOPORT_IN32: width = 4, out = false; break;
    case PN_X86_IOPORT_OUT8: width = 1, out = true; break;
    case PN_X86_IOPORT_OUT16: width = 2, out = true; break;
    case PN_X86_IOPORT_OUT32: width = 4, out = true; break;
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
    if (inv->length < (out ? 2u : 1u))
        return inv_error(PN_TRUNCATED_MESSAGE);
    word_t port = inv_arg(inv, 0) & 0xffff;
    if (port < cap_io_port_first(inv->cap) || port + width - 1 > cap_io_port_last(inv->cap))
        return inv_error(PN_ILLEGAL_OPERATION);
    if (out) {
        word_t v = inv_arg(inv, 1);
        if (width == 1)
            outb(port, (uint8_t)v);
        else if (width == 2)
            outw(port, (uint16_t)v);
        else
            outl(port, (uint32_t)v);
        return inv_ok();
    }
    return inv_result1(width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port));
}

invocation_result_t arch_decode(const invocation_t *inv)
{
    switch (cap_type(inv->cap)) {
    case PN_CAP_IO_PORT_CONTROL:
        return ioport_control_issue(inv);
    case PN_CAP_IO_PORT:
        return ioport_access(inv);
    default:
        return x86_paging_decode(inv);
    }
}
