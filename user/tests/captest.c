/* Helpers for the capability, CNode, Untyped and IO-port tests (see captest.h). */
#include "captest.h"

/* ---- raw invocations and reply checks ---- */

#define POISON 0x5ca1ab1e0ddba11ul

reply_t call(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
             const pn_cptr_t *caps, unsigned ncaps)
{
    pn_msg_t m = {0};
    for (unsigned i = 0; i < nwords; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m.mr[i] = words[i];
        else
            pn_ipc->msg[i] = words[i];
    }
    /* reply words the kernel should write must not be mistaken for leftovers */
    for (unsigned i = nwords > 4 ? nwords : 4; i < REPLY_WORDS; i++)
        pn_ipc->msg[i] = POISON;
    for (unsigned i = 0; i < ncaps; i++)
        pn_ipc->caps_or_badges[i] = caps[i];
    m.info = pn_msginfo(label, 0, ncaps, nwords);
    reply_t r;
    r.badge = pn_call(cap, &m);
    r.info = m.info;
    for (unsigned i = 0; i < REPLY_WORDS; i++)
        r.mr[i] = i < PN_FAST_MESSAGE_REGISTERS ? m.mr[i] : pn_ipc->msg[i];
    return r;
}

void expect_reply(const char *file, int line, const char *what, reply_t r, pn_word_t code,
                  unsigned n, const pn_word_t *words)
{
    char msg[512];
    if (reply_mismatch(msg, sizeof msg, what, r.info, r.badge, r.mr, REPLY_WORDS, code, n, words))
        test_fail(file, line, "%s", msg);
}

/* ---- typed calls ---- */

reply_t cn_copy(pn_word_t dest, pn_word_t src, pn_word_t rights)
{
    return call(ROOT, PN_CNODE_COPY, W(dest, ROOT_DEPTH, src, ROOT_DEPTH, rights), C(ROOT));
}

reply_t cn_mint(pn_word_t dest, pn_word_t src, pn_word_t rights, pn_word_t data)
{
    return call(ROOT, PN_CNODE_MINT, W(dest, ROOT_DEPTH, src, ROOT_DEPTH, rights, data),
                C(ROOT));
}

reply_t cn_move(pn_word_t dest, pn_word_t src)
{
    return call(ROOT, PN_CNODE_MOVE, W(dest, ROOT_DEPTH, src, ROOT_DEPTH), C(ROOT));
}

reply_t cn_mutate(pn_word_t dest, pn_word_t src, pn_word_t data)
{
    return call(ROOT, PN_CNODE_MUTATE, W(dest, ROOT_DEPTH, src, ROOT_DEPTH, data), C(ROOT));
}

reply_t cn_delete(pn_word_t slot)
{
    return call(ROOT, PN_CNODE_DELETE, W(slot, ROOT_DEPTH), NO_CAPS);
}

reply_t cn_revoke(pn_word_t slot)
{
    return call(ROOT, PN_CNODE_REVOKE, W(slot, ROOT_DEPTH), NO_CAPS);
}

reply_t cn_cancel_badged_sends(pn_word_t slot)
{
    return call(ROOT, PN_CNODE_CANCEL_BADGED_SENDS, W(slot, ROOT_DEPTH), NO_CAPS);
}

reply_t cn_rotate(pn_word_t dest, pn_word_t dest_data, pn_word_t pivot, pn_word_t pivot_data,
                  pn_word_t src)
{
    return call(ROOT, PN_CNODE_ROTATE,
                W(dest, ROOT_DEPTH, dest_data, pivot, ROOT_DEPTH, pivot_data, src, ROOT_DEPTH),
                C(ROOT, ROOT));
}

reply_t ut_retype(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits, pn_word_t slot,
                  pn_word_t n)
{
    return call(untyped, PN_UNTYPED_RETYPE, W(type, size_bits, 0, 0, slot, n), C(ROOT));
}

/* ---- checked versions (through the library's typed wrappers) ---- */

void copy_ok(pn_word_t dest, pn_word_t src, pn_word_t rights)
{
    pn_word_t e = pn_cnode_copy(ROOT, dest, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights);
    if (e)
        FAIL("Copy %lu -> %lu (rights 0x%lx): error %s (%lu)", src, dest, rights,
             error_name(e), e);
}

void mint_ok(pn_word_t dest, pn_word_t src, pn_word_t rights, pn_word_t data)
{
    pn_word_t e = pn_cnode_mint(ROOT, dest, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights, data);
    if (e)
        FAIL("Mint %lu -> %lu (rights 0x%lx, data 0x%lx): error %s (%lu)", src, dest, rights,
             data, error_name(e), e);
}

void move_ok(pn_word_t dest, pn_word_t src)
{
    pn_word_t e = pn_cnode_move(ROOT, dest, ROOT_DEPTH, ROOT, src, ROOT_DEPTH);
    if (e)
        FAIL("Move %lu -> %lu: error %s (%lu)", src, dest, error_name(e), e);
}

void delete_ok(pn_word_t slot)
{
    pn_word_t e = pn_cnode_delete(ROOT, slot, ROOT_DEPTH);
    if (e)
        FAIL("Delete %lu: error %s (%lu)", slot, error_name(e), e);
}

void revoke_ok(pn_word_t slot)
{
    pn_word_t e = pn_cnode_revoke(ROOT, slot, ROOT_DEPTH);
    if (e)
        FAIL("Revoke %lu: error %s (%lu)", slot, error_name(e), e);
}

void retype_ok(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits, pn_word_t slot,
               pn_word_t n)
{
    pn_word_t e = pn_untyped_retype(untyped, type, size_bits, ROOT, 0, 0, slot, n);
    if (e)
        FAIL("Retype untyped %lu -> %lu x type %lu (size_bits %lu) at slot %lu: error %s "
             "(%lu)", untyped, n, type, size_bits, slot, error_name(e), e);
}

/* ---- fresh resources ---- */

static pn_word_t next_slot;

pn_word_t slots_alloc(pn_word_t n)
{
    const pn_word_t end = pn_bootinfo->empty.end - CAPTEST_TOP_SLOTS_LEFT;
    if (next_slot < pn_bootinfo->empty.start)
        next_slot = pn_bootinfo->empty.start;
    if (next_slot > end || n > end - next_slot)
        FAIL("out of empty root-CNode slots (%lu wanted, %lu left)", n,
             next_slot > end ? 0 : end - next_slot);
    pn_word_t s = next_slot;
    next_slot += n;
    return s;
}

pn_word_t slot_alloc(void)
{
    return slots_alloc(1);
}

/* Bootinfo untypeds the helpers carve from: RAM ones of at least 4 MiB, smallest first
 * (the first Retype from each zeroes all of it), device ones of at least 2 GiB (room for a
 * 1 GiB frame). */
#define POOL_MIN_RAM_BITS 22
#define POOL_MIN_DEVICE_BITS 31

static unsigned pool_count[2];
static pn_word_t pool_index[2][PN_CONFIG_MAX_BOOTINFO_UNTYPEDS];
static unsigned char pool_exhausted[2][PN_CONFIG_MAX_BOOTINFO_UNTYPEDS];

static int reserved_for_reset(const pn_untyped_desc_t *d)
{
    return !d->is_device && d->size_bits >= UNTOUCHED_MIN_BITS &&
           d->size_bits <= UNTOUCHED_MAX_BITS;
}

pn_cptr_t untouched_ram_untyped(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t n = pn_region_count(bi->untyped);
    for (pn_word_t k = 0; k < n && k < PN_CONFIG_MAX_BOOTINFO_UNTYPEDS; k++) {
        if (!reserved_for_reset(&bi->untyped_list[k]))
            continue;
        /* someone else's objects in it (a copy would be refused with RevokeFirst)? */
        pn_cptr_t ut = bi->untyped.start + k, tmp = slot_alloc();
        pn_word_t e = pn_cnode_copy(ROOT, tmp, ROOT_DEPTH, ROOT, ut, ROOT_DEPTH,
                                    PN_RIGHTS_ALL);
        if (e == PN_REVOKE_FIRST)
            continue;
        if (e)
            FAIL("Copy of bootinfo untyped %lu: error %s (%lu)", ut, error_name(e), e);
        delete_ok(tmp);
        return ut;
    }
    return 0;
}

static void pools_init(void)
{
    if (pool_count[0] || pool_count[1])
        return;
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t n = pn_region_count(bi->untyped);
    for (pn_word_t k = 0; k < n && k < PN_CONFIG_MAX_BOOTINFO_UNTYPEDS; k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        unsigned dev = d->is_device ? 1 : 0;
        if (reserved_for_reset(d))
            continue;
        if (d->size_bits < (dev ? POOL_MIN_DEVICE_BITS : POOL_MIN_RAM_BITS))
            continue;
        unsigned i = pool_count[dev]++;
        for (; i > 0 && bi->untyped_list[pool_index[dev][i - 1]].size_bits > d->size_bits; i--)
            pool_index[dev][i] = pool_index[dev][i - 1];
        pool_index[dev][i] = k;
    }
}

/* One object retyped from a pool untyped into a fresh slot. */
static pn_cptr_t pool_retype(unsigned dev, pn_word_t type, pn_word_t size_bits)
{
    pools_init();
    pn_word_t bytes = object_bytes(type, size_bits);
    pn_word_t slot = slot_alloc();
    for (unsigned i = 0; i < pool_count[dev]; i++) {
        pn_word_t k = pool_index[dev][i];
        if (pool_exhausted[dev][i] || (1ul << pn_bootinfo->untyped_list[k].size_bits) < bytes)
            continue;
        pn_cptr_t ut = pn_bootinfo->untyped.start + k;
        reply_t r = ut_retype(ut, type, size_bits, slot, 1);
        if (pn_msginfo_label(r.info) == PN_NO_ERROR) {
            CHECK_CMP(pn_debug_cap_identify(slot), !=, PN_CAP_NULL);
            return slot;
        }
        if (pn_msginfo_label(r.info) != PN_NOT_ENOUGH_MEMORY)
            EXPECT(r, PN_NO_ERROR);
        if (r.mr[0] < (1ul << 16))
            pool_exhausted[dev][i] = 1;
    }
    FAIL("no %s untyped in the bootinfo has room for 2^%lu bytes", dev ? "device" : "RAM",
         (pn_word_t)__builtin_ctzl(bytes));
}

pn_cptr_t ram_untyped(unsigned size_bits)
{
    return pool_retype(0, PN_OBJ_UNTYPED, size_bits);
}

pn_cptr_t device_untyped(unsigned size_bits)
{
    return pool_retype(1, PN_OBJ_UNTYPED, size_bits);
}

pn_cptr_t obj_new(pn_word_t type, pn_word_t size_bits)
{
    return pool_retype(0, type, size_bits);
}

pn_cptr_t copy_new(pn_word_t src, pn_word_t rights)
{
    pn_word_t s = slot_alloc();
    copy_ok(s, src, rights);
    return s;
}

pn_word_t untyped_free_bytes(pn_cptr_t untyped)
{
    reply_t r = ut_retype(untyped, PN_OBJ_UNTYPED, PN_MAX_UNTYPED_BITS, slot_alloc(), 1);
    if (pn_msginfo_label(r.info) != PN_NOT_ENOUGH_MEMORY || pn_msginfo_length(r.info) != 1)
        FAIL("probing untyped %lu for free bytes: expected NotEnoughMemory with 1 word, "
             "got info 0x%lx", untyped, r.info);
    return r.mr[0];
}

pn_word_t object_bytes(pn_word_t type, pn_word_t size_bits)
{
    switch (type) {
    case PN_OBJ_UNTYPED: return 1ul << size_bits;
    case PN_OBJ_TCB: return 1ul << PN_TCB_BITS;
    case PN_OBJ_ENDPOINT: return 1ul << PN_ENDPOINT_BITS;
    case PN_OBJ_NOTIFICATION: return 1ul << PN_NOTIFICATION_BITS;
    case PN_OBJ_CNODE: return 1ul << (PN_SLOT_BITS + size_bits);
    case PN_OBJ_SCHED_CONTEXT: return 1ul << size_bits;
    case PN_OBJ_REPLY: return 1ul << PN_REPLY_BITS;
    case PN_OBJ_X64_HUGE_PAGE: return 1ul << PN_HUGE_PAGE_BITS;
    case PN_OBJ_X86_LARGE_PAGE: return 1ul << PN_LARGE_PAGE_BITS;
    case PN_OBJ_X86_PDPT:
    case PN_OBJ_X64_PML4:
    case PN_OBJ_X86_4K:
    case PN_OBJ_X86_PAGE_TABLE:
    case PN_OBJ_X86_PAGE_DIRECTORY: return 1ul << PN_PAGE_BITS;
    default: FAIL("object_bytes: no such type %lu", type);
    }
}
