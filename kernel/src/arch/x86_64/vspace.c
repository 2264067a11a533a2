/* x86-64 page tables: the kernel window and device pages, and the boot-time user
 * mappings of the root task. */
#include "arch/vspace.h"
#include "arch/x86.h"
#include "console.h"
#include "measure.h"

asid_pool_t *x86_asid_table[BIT(PN_NUM_ASID_POOLS_BITS)];
word_t x86_asid_generation;

static uint64_t device_pd[512] ALIGNED(4096);
static uint64_t device_pt[512] ALIGNED(4096);
static unsigned device_pages;

static uint64_t nx_bit(void)
{
    return (rdmsr(MSR_EFER) & BIT(11)) ? PTE_NX : 0;
}

static void flush_tlb_all(void)
{
    word_t cr4 = read_cr4();
    write_cr4(cr4 & ~CR4_PGE); /* also drops global entries */
    write_cr4(cr4);
    write_cr3(read_cr3());
}

/* Without 1 GiB pages the window is built of 2 MiB pages, and so limited in size. */
#define WINDOW_2M_GIB 16
static uint64_t window_pd[WINDOW_2M_GIB][512] ALIGNED(4096);

static bool have_1g_pages(void)
{
    uint32_t r[4];
    cpuid(0x80000001, 0, r);
    return r[3] & BIT(26);
}

word_t vspace_map_kernel_window(paddr_t top)
{
    bool huge = have_1g_pages();
    word_t gib = MIN(ROUND_UP(top, 30) >> 30, huge ? KERNEL_WINDOW_GIB : WINDOW_2M_GIB);
    uint64_t attr = PTE_P | PTE_RW | PTE_PS | PTE_G | nx_bit();
    for (word_t i = 0; i < gib; i++) {
        if (huge) {
            kernel_pdpt[i] = (i << 30) | attr;
            continue;
        }
        for (word_t j = 0; j < 512; j++)
            window_pd[i][j] = ((i << 30) + (j << 21)) | attr;
        kernel_pdpt[i] = kptr_to_paddr(window_pd[i]) | PTE_P | PTE_RW;
    }
    flush_tlb_all();
    return gib << 30;
}

volatile void *vspace_map_device(paddr_t p)
{
    if (device_pages == 0) {
        kernel_pdpt[511] = kptr_to_paddr(device_pd) | PTE_P | PTE_RW;
        device_pd[511] = kptr_to_paddr(device_pt) | PTE_P | PTE_RW;
    }
    if (device_pages == 512)
        kpanic("too many device pages");
    unsigned i = device_pages++;
    device_pt[i] = ROUND_DOWN(p, 12) | PTE_P | PTE_RW | PTE_PCD | PTE_PWT | PTE_G | nx_bit();
    word_t v = KERNEL_DEVICE_BASE + ((word_t)i << 12);
    invlpg(v);
    return (volatile void *)(v + (p & MASK(12)));
}

void vspace_drop_identity_map(void)
{
    kernel_pml4[0] = 0;
    flush_tlb_all();
}

void vspace_init_root(uint64_t *pml4)
{
    pml4[511] = kernel_pml4[511];
}

static uint64_t *next_level(uint64_t *table, word_t vaddr, unsigned shift)
{
    uint64_t e = table[(vaddr >> shift) & 511];
    kassert(e & PTE_P);
    return paddr_to_kptr(e & PTE_ADDR_MASK);
}

static uint64_t *slot_for(uint64_t *pml4, word_t vaddr, unsigned level_shift)
{
    uint64_t *t = pml4;
    for (unsigned shift = 39; shift > level_shift; shift -= 9)
        t = next_level(t, vaddr, shift);
    return &t[(vaddr >> level_shift) & 511];
}

void vspace_install_table(uint64_t *pml4, int table_type, word_t vaddr, void *table)
{
    unsigned shift = table_type == PN_CAP_PDPT ? 39 : table_type == PN_CAP_PAGE_DIRECTORY ? 30 : 21;
    *slot_for(pml4, vaddr, shift) = kptr_to_paddr(table) | PTE_P | PTE_RW | PTE_US;
}

void vspace_map_4k(uint64_t *pml4, word_t vaddr, paddr_t frame)
{
    *slot_for(pml4, vaddr, 12) = frame | PTE_P | PTE_RW | PTE_US;
}

/* ---- the loaded VSpace, and mappings going away ---- */

paddr_t x86_loaded_root;

void vspace_activate(paddr_t root)
{
    if (root != x86_loaded_root) {
        write_cr3(root);
        MEASURE_COUNT(KC_CR3_WRITES);
        x86_loaded_root = root;
    }
}

static void flush_if_loaded(const uint64_t *pml4, word_t vaddr, bool everything)
{
    if (kptr_to_paddr(pml4) != x86_loaded_root)
        return;
    if (everything)
        write_cr3(x86_loaded_root);
    else
        invlpg(vaddr);
}

void vspace_flush_page(const uint64_t *pml4, word_t vaddr)
{
    flush_if_loaded(pml4, vaddr, false);
}

uint64_t *vspace_find_pml4(word_t asid)
{
    asid_pool_t *pool = x86_asid_table[asid >> PN_ASID_POOL_INDEX_BITS];
    return pool ? pool->pml4[asid & MASK(PN_ASID_POOL_INDEX_BITS)] : NULL;
}

/* The entry for vaddr at the level whose entries map 2^shift bytes, or NULL if a level
 * above is missing or is a large page. */
static uint64_t *find_entry(uint64_t *pml4, word_t vaddr, unsigned shift)
{
    uint64_t *t = pml4;
    for (unsigned s = 39; s > shift; s -= 9) {
        uint64_t e = t[(vaddr >> s) & 511];
        if (!(e & PTE_P) || (e & PTE_PS))
            return NULL;
        t = paddr_to_kptr(e & PTE_ADDR_MASK);
    }
    return &t[(vaddr >> shift) & 511];
}

void vspace_unmap_frame(word_t asid, word_t vaddr, paddr_t frame, unsigned size_bits)
{
    uint64_t *pml4 = vspace_find_pml4(asid);
    uint64_t *e = pml4 ? find_entry(pml4, vaddr, size_bits) : NULL;
    if (!e || !(*e & PTE_P))
        return;
    /* Bit 7 is the large-page bit only above the last level: in a 4 KiB page's entry it
     * is the PAT bit (write-combining). */
    bool large = size_bits > PN_PAGE_BITS;
    if ((large && !(*e & PTE_PS)) || (*e & PTE_ADDR_MASK & ~MASK(size_bits)) != frame)
        return;
    *e = 0;
    flush_if_loaded(pml4, vaddr, false);
}

void vspace_unmap_table(int table_type, word_t asid, word_t vaddr, void *table)
{
    unsigned shift = table_type == PN_CAP_PDPT ? 39 : table_type == PN_CAP_PAGE_DIRECTORY ? 30 : 21;
    uint64_t *pml4 = vspace_find_pml4(asid);
    uint64_t *e = pml4 ? find_entry(pml4, vaddr, shift) : NULL;
    if (!e || !(*e & PTE_P) || (*e & PTE_PS) || (*e & PTE_ADDR_MASK) != kptr_to_paddr(table))
        return;
    *e = 0;
    flush_if_loaded(pml4, vaddr, true);
}

static void forget_vspace(const uint64_t *pml4)
{
    if (kptr_to_paddr(pml4) == x86_loaded_root)
        vspace_activate(kptr_to_paddr(kernel_pml4));
}

void vspace_release_asid(word_t asid, uint64_t *pml4)
{
    asid_pool_t *pool = x86_asid_table[asid >> PN_ASID_POOL_INDEX_BITS];
    if (!pool || pool->pml4[asid & MASK(PN_ASID_POOL_INDEX_BITS)] != pml4)
        return;
    pool->pml4[asid & MASK(PN_ASID_POOL_INDEX_BITS)] = NULL;
    x86_asid_generation++;
    forget_vspace(pml4);
}

void vspace_delete_asid_pool(unsigned index, asid_pool_t *pool)
{
    if (x86_asid_table[index] != pool)
        return;
    for (unsigned i = 0; i < ARRAY_SIZE(pool->pml4); i++)
        if (pool->pml4[i])
            forget_vspace(pool->pml4[i]);
    x86_asid_table[index] = NULL;
    x86_asid_generation++;
}
