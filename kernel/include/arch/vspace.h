/* x86-64 address spaces: the kernel's mappings, user page tables, ASIDs. */
#ifndef PECAN_ARCH_VSPACE_H
#define PECAN_ARCH_VSPACE_H

#include "types.h"

extern uint64_t kernel_pml4[512];
extern uint64_t kernel_pdpt[512];

/* An ASID pool object: the PML4 (kernel pointer) of each of its 512 ASIDs. */
typedef struct asid_pool {
    uint64_t *pml4[BIT(PN_ASID_POOL_INDEX_BITS)];
} asid_pool_t;
_Static_assert(sizeof(asid_pool_t) == BIT(PN_ASID_POOL_BITS), "ASID pool object size");

extern asid_pool_t *x86_asid_table[BIT(PN_NUM_ASID_POOLS_BITS)];
/* Grows whenever an ASID stops naming a VSpace (caches of ASID lookups check it). */
extern word_t x86_asid_generation;

/* Maps physical [0, top) (rounded up to 1 GiB) at KERNEL_WINDOW_BASE, as far as the
 * window reaches (510 GiB, or 16 GiB on a CPU without 1 GiB pages); returns the end of
 * what it mapped. */
word_t vspace_map_kernel_window(paddr_t top);
/* Maps one page of device registers, uncached; returns its kernel address. */
volatile void *vspace_map_device(paddr_t p);
/* Removes the boot-time identity map of the first GiB. */
void vspace_drop_identity_map(void);

/* A fresh user PML4 (zeroed memory): gets the kernel's half. */
void vspace_init_root(uint64_t *pml4);
/* Boot only: links a zeroed PDPT, PD or page table (cap type) in at vaddr. */
void vspace_install_table(uint64_t *pml4, int table_type, word_t vaddr, void *table);
/* Boot only: maps a 4 KiB user page read-write through existing tables. */
void vspace_map_4k(uint64_t *pml4, word_t vaddr, paddr_t frame);

/* Loads the address space whose PML4 is at root (if it is not loaded already). */
void vspace_activate(paddr_t root);
/* The PML4 the ASID names, or NULL. */
uint64_t *vspace_find_pml4(word_t asid);
/* A mapping at vaddr in this VSpace changed: drop it from the TLB if it is loaded. */
void vspace_flush_page(const uint64_t *pml4, word_t vaddr);
/* Removes a mapping of a frame if the VSpace of the ASID still maps it at vaddr. */
void vspace_unmap_frame(word_t asid, word_t vaddr, paddr_t frame, unsigned size_bits);
/* Unlinks a PDPT, PD or page table from its parent if it is still linked there. */
void vspace_unmap_table(int table_type, word_t asid, word_t vaddr, void *table);
/* The ASID stops naming the PML4 (if it still does). */
void vspace_release_asid(word_t asid, uint64_t *pml4);
/* Every ASID of the pool stops naming its PML4, and the pool leaves the ASID table. */
void vspace_delete_asid_pool(unsigned index, asid_pool_t *pool);

#endif
