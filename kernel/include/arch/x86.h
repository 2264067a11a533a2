/* x86-64 instructions and machine constants. */
#ifndef PECAN_ARCH_X86_H
#define PECAN_ARCH_X86_H

#include "types.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
#define DEFINE_CR(n)                                                                       \
    static inline word_t read_cr##n(void) { word_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(word_t v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(3)
DEFINE_CR(4)
static inline word_t read_cr2(void) { word_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline void invlpg(word_t vaddr) { __asm__ volatile("invlpg (%0)" ::"r"(vaddr) : "memory"); }

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE 0x1b
#define MSR_PAT 0x277

#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_NE BIT(5)
#define CR4_PGE BIT(7)
#define CR4_PCE BIT(8)
#define CR4_OSFXSR BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)

#define RFLAGS_IF BIT(9)

/* Page-table entry bits. */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)
#define PTE_G BIT(8)
#define PTE_NX BIT(63)
#define PTE_ADDR_MASK 0x000ffffffffff000ul

/* Virtual memory layout. */
#define KERNEL_WINDOW_BASE 0xffffff8000000000ul  /* physical address 0, PML4 slot 511 */
#define KERNEL_WINDOW_GIB 510                    /* PDPT slots 0..509 */
#define KERNEL_IMAGE_BASE 0xffffffff80000000ul   /* PDPT slot 510: physical [0, 1 GiB) */
#define KERNEL_DEVICE_BASE 0xffffffffffe00000ul  /* last 2 MiB: MMIO pages, uncached */

static inline void *paddr_to_kptr(paddr_t p) { return (void *)(p + KERNEL_WINDOW_BASE); }
static inline paddr_t kptr_to_paddr(const void *p)
{
    word_t v = (word_t)p;
    return v >= KERNEL_IMAGE_BASE ? v - KERNEL_IMAGE_BASE : v - KERNEL_WINDOW_BASE;
}

#endif
