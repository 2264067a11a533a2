/* x86-64 paging and ASID invocations (invocations.md §3.7). */
#include "arch/vspace.h"
#include "arch/x86.h"
#include "cdt.h"
#include "invariants.h"
#include "invocation.h"
#include "kstring.h"
#include "objecttype.h"

#define USER_VADDR_LIMIT 0x7fffffffffffull /* the Map methods' bound (not seL4_UserTop) */
#define ASID_POOLS BIT(PN_NUM_ASID_POOLS_BITS)
#define ASIDS_PER_POOL BIT(PN_ASID_POOL_INDEX_BITS)

/* Page-table entry bits for VM attributes (types.md §9): write-through, cache-disabled,
 * and write-combining through PAT entry 4 (programmed at boot). */
static uint64_t attr_bits(word_t attr, bool large)
{
    return ((attr & 1) ? PTE_PWT : 0) | ((attr & 2) ? PTE_PCD : 0) |
           ((attr & 4) ? (large ? BIT(12) : BIT(7)) : 0);
}

static uint64_t rights_bits(enum vm_rights r)
{
    switch (r) {
    case VM_READ_WRITE:
        return PTE_US | PTE_RW;
    case VM_READ_ONLY:
        return PTE_US;
    default:
        return 0; /* kernel only: not user accessible */
    }
}

/* The PML4 named by C[0] after the common checks: it must be a mapped PML4 cap whose
 * ASID still names it. */
typedef struct vspace_check {
    uint64_t *pml4;
    word_t asid;
    invocation_result_t error;
} vspace_check_t;

static vspace_check_t check_vspace_cap(cap_t c)
{
    vspace_check_t r = {NULL, 0, inv_ok()};
    if (cap_type(c) != PN_CAP_PML4 || cap_mapped_asid(c) == 0)
        r.error = inv_error1(PN_INVALID_CAPABILITY, 1);
    else
        r.asid = cap_mapped_asid(c);
    return r;
}

static vspace_check_t find_vspace(vspace_check_t r, cap_t c)
{
    uint64_t *pml4 = vspace_find_pml4(r.asid);
    if (!pml4) {
        lookup_fault_t lf = {.type = PN_LOOKUP_INVALID_ROOT};
        r.error = inv_failed_lookup(false, &lf);
    } else if (pml4 != cap_object(c)) {
        r.error = inv_error1(PN_INVALID_CAPABILITY, 1);
    } else {
        r.pml4 = pml4;
    }
    return r;
}

static invocation_result_t missing_table(word_t bits_left)
{
    lookup_fault_t lf = {.type = PN_LOOKUP_MISSING_CAP, .bits_left = bits_left};
    return inv_failed_lookup(false, &lf);
}

/* The table one level down from entry e, or NULL if e is absent or maps a large page. */
static uint64_t *next_table(uint64_t e)
{
    return (e & PTE_P) && !(e & PTE_PS) ? paddr_to_kptr(e & PTE_ADDR_MASK) : NULL;
}

static unsigned index_at(word_t vaddr, unsigned shift) { return (vaddr >> shift) & 511; }

/* ---- PDPT, page directory and page table: Map and Unmap ---- */

static unsigned table_shift(enum pn_cap_type t)
{
    return t == PN_CAP_PDPT ? 39 : t == PN_CAP_PAGE_DIRECTORY ? 30 : 21;
}

static invocation_result_t table_map(const invocation_t *inv)
{
    if (inv->length < 2 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cap_t c = inv->cap;
    if (cap_mapped_asid(c))
        return inv_error1(PN_INVALID_CAPABILITY, 0);
    cap_t root = inv->extra[0]->cap;
    vspace_check_t v = check_vspace_cap(root);
    if (v.error.error)
        return v.error;
    unsigned shift = table_shift(cap_type(c));
    word_t vaddr = ROUND_DOWN(inv_arg(inv, 0), shift);
    if (vaddr > USER_VADDR_LIMIT)
        return inv_error1(PN_INVALID_ARGUMENT, 0);
    v = find_vspace(v, root);
    if (v.error.error || !v.pml4)
        return v.error;
    uint64_t *table = v.pml4;
    for (unsigned s = 39; s > shift; s -= 9) {
        table = next_table(table[index_at(vaddr, s)]);
        if (!table)
            return missing_table(s);
    }
    uint64_t *e = &table[index_at(vaddr, shift)];
    if (*e & PTE_P)
        return inv_error(PN_DELETE_FIRST);
    *e = kptr_to_paddr(cap_object(c)) | PTE_P | PTE_RW | PTE_US;
    inv->slot->cap = cap_table(cap_type(c), cap_object(c), v.asid, vaddr);
    return inv_ok();
}

static invocation_result_t table_unmap(const invocation_t *inv)
{
    if (!cdt_is_final(inv->slot))
        return inv_error(PN_REVOKE_FIRST);
    cap_t c = inv->cap;
    if (cap_mapped_asid(c)) {
        vspace_unmap_table(cap_type(c), cap_mapped_asid(c), cap_mapped_vaddr(c), cap_object(c));
        memset(cap_object(c), 0, BIT(PN_PAGE_TABLE_BITS));
    }
    inv->slot->cap = cap_unmapped(c);
    return inv_ok();
}

/* ---- frames ---- */

static invocation_result_t page_map(const invocation_t *inv)
{
    if (inv->length < 3 || inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cap_t c = inv->cap, root = inv->extra[0]->cap;
    vspace_check_t v = check_vspace_cap(root);
    if (v.error.error)
        return v.error;
    word_t vaddr = inv_arg(inv, 0);
    unsigned bits = cap_frame_size_bits(c);
    if (cap_mapped_asid(c)) {
        if (cap_mapped_asid(c) != v.asid)
            return inv_error1(PN_INVALID_CAPABILITY, 1);
        if (cap_mapped_vaddr(c) != vaddr)
            return inv_error1(PN_INVALID_ARGUMENT, 0);
    } else if (vaddr > USER_VADDR_LIMIT || vaddr + BIT(bits) > USER_VADDR_LIMIT) {
        return inv_error1(PN_INVALID_ARGUMENT, 0);
    }
    v = find_vspace(v, root);
    if (v.error.error || !v.pml4)
        return v.error;
    enum vm_rights rights = cap_frame_rights(cap_mask_rights(c, inv_arg(inv, 1)));
    if (!IS_ALIGNED(vaddr, bits))
        return inv_error(PN_ALIGNMENT_ERROR);

    uint64_t *pdpt = next_table(v.pml4[index_at(vaddr, 39)]);
    if (!pdpt)
        return missing_table(39);
    uint64_t *e;
    if (bits == PN_HUGE_PAGE_BITS) {
        e = &pdpt[index_at(vaddr, 30)];
        if (next_table(*e))
            return inv_error(PN_DELETE_FIRST);
    } else {
        uint64_t *pd = next_table(pdpt[index_at(vaddr, 30)]);
        if (!pd)
            return missing_table(30);
        if (bits == PN_LARGE_PAGE_BITS) {
            e = &pd[index_at(vaddr, 21)];
            if (next_table(*e))
                return inv_error(PN_DELETE_FIRST);
        } else {
            uint64_t *pt = next_table(pd[index_at(vaddr, 21)]);
            if (!pt)
                return missing_table(21);
            e = &pt[index_at(vaddr, 12)];
        }
    }
    bool large = bits != PN_PAGE_BITS;
    *e = cap_frame_base(c) | PTE_P | rights_bits(rights) | attr_bits(inv_arg(inv, 2), large) |
         (large ? PTE_PS : 0);
    vspace_flush_page(v.pml4, vaddr);
    inv->slot->cap = cap_frame(cap_frame_base(c), cap_frame_size(c), cap_frame_rights(c),
                               cap_frame_is_device(c), v.asid, vaddr);
    return inv_ok();
}

static invocation_result_t frame_decode(const invocation_t *inv)
{
    cap_t c = inv->cap;
    switch (inv->label) {
    case PN_X86_PAGE_MAP:
        return page_map(inv);
    case PN_X86_PAGE_UNMAP:
        if (cap_mapped_asid(c))
            vspace_unmap_frame(cap_mapped_asid(c), cap_mapped_vaddr(c), cap_frame_base(c),
                               cap_frame_size_bits(c));
        inv->slot->cap = cap_unmapped(c);
        return inv_ok();
    case PN_X86_PAGE_GET_ADDRESS:
        return inv_result1(cap_frame_base(c));
    default:
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}

/* ---- ASIDs ---- */

static invocation_result_t asid_control_make_pool(const invocation_t *inv)
{
    if (inv->label != PN_X86_ASID_CONTROL_MAKE_POOL)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->length < 2 || inv->extra_caps < 2)
        return inv_error(PN_TRUNCATED_MESSAGE);
    unsigned pool;
    for (pool = 0; pool < ASID_POOLS && x86_asid_table[pool]; pool++)
        ;
    if (pool == ASID_POOLS)
        return inv_error(PN_DELETE_FIRST);
    cte_t *ut = inv->extra[0];
    cap_t u = ut->cap;
    if (cap_type(u) != PN_CAP_UNTYPED || cap_untyped_is_device(u) || cap_untyped_size_bits(u) != PN_ASID_POOL_BITS)
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    if (cdt_has_children(ut))
        return inv_error(PN_REVOKE_FIRST);
    slot_lookup_t dest = lookup_slot_for_cnode_op(false, inv->extra[1]->cap, inv_arg(inv, 0), inv_arg(inv, 1));
    if (!dest.slot)
        return dest.error;
    if (!cap_is_null(dest.slot->cap))
        return inv_error(PN_DELETE_FIRST);
    ut->cap = cap_untyped_set_free_index(u, BIT(PN_ASID_POOL_BITS));
    asid_pool_t *p = paddr_to_kptr(cap_untyped_base(u));
    memset(p, 0, sizeof(*p));
    x86_asid_table[pool] = p;
    cap_t pool_cap = cap_asid_pool(p, pool);
    invariants_memory_reused(pool_cap);
    cdt_insert(dest.slot, pool_cap, ut, false, false);
    return inv_ok();
}

static invocation_result_t asid_pool_assign(const invocation_t *inv)
{
    if (inv->label != PN_X86_ASID_POOL_ASSIGN)
        return inv_error(PN_ILLEGAL_OPERATION);
    if (inv->extra_caps < 1)
        return inv_error(PN_TRUNCATED_MESSAGE);
    cte_t *slot = inv->extra[0];
    if (cap_type(slot->cap) != PN_CAP_PML4 || cap_mapped_asid(slot->cap) != 0)
        return inv_error1(PN_INVALID_CAPABILITY, 1);
    unsigned index = cap_asid_pool_index(inv->cap);
    asid_pool_t *p = cap_object(inv->cap);
    if (!x86_asid_table[index]) {
        lookup_fault_t lf = {.type = PN_LOOKUP_INVALID_ROOT};
        return inv_failed_lookup(false, &lf);
    }
    if (x86_asid_table[index] != p)
        return inv_error1(PN_INVALID_CAPABILITY, 0);
    unsigned i;
    for (i = index == 0 ? 1 : 0; i < ASIDS_PER_POOL && p->pml4[i]; i++)
        ;
    if (i == ASIDS_PER_POOL)
        return inv_error(PN_DELETE_FIRST);
    uint64_t *pml4 = cap_object(slot->cap);
    p->pml4[i] = pml4;
    slot->cap = cap_table(PN_CAP_PML4, pml4, index * ASIDS_PER_POOL + i, 0);
    return inv_ok();
}

invocation_result_t x86_paging_decode(const invocation_t *inv)
{
    switch (cap_type(inv->cap)) {
    case PN_CAP_FRAME:
        return frame_decode(inv);
    case PN_CAP_PDPT:
        if (inv->label == PN_X86_PDPT_MAP)
            return table_map(inv);
        return inv->label == PN_X86_PDPT_UNMAP ? table_unmap(inv) : inv_error(PN_ILLEGAL_OPERATION);
    case PN_CAP_PAGE_DIRECTORY:
        if (inv->label == PN_X86_PAGE_DIRECTORY_MAP)
            return table_map(inv);
        return inv->label == PN_X86_PAGE_DIRECTORY_UNMAP ? table_unmap(inv) : inv_error(PN_ILLEGAL_OPERATION);
    case PN_CAP_PAGE_TABLE:
        if (inv->label == PN_X86_PAGE_TABLE_MAP)
            return table_map(inv);
        return inv->label == PN_X86_PAGE_TABLE_UNMAP ? table_unmap(inv) : inv_error(PN_ILLEGAL_OPERATION);
    case PN_CAP_ASID_CONTROL:
        return asid_control_make_pool(inv);
    case PN_CAP_ASID_POOL:
        return asid_pool_assign(inv);
    default: /* a PML4 has no methods */
        return inv_error(PN_ILLEGAL_OPERATION);
    }
}
