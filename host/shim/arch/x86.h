/*
 * Host replacement for kernel/include/arch/x86.h (host builds put host/shim first on the
 * include path, and use the same include guard, so the kernel's arch-independent code
 * gets this one).  Physical memory is a simulated array (host/shim/host_shim.h); the
 * instructions that only make sense on the real machine stop the test.
 */
#ifndef PECAN_ARCH_X86_H
#define PECAN_ARCH_X86_H

#include <stdint.h>
#include "types.h"

/* Simulated physical memory: physical [host_phys_base, host_phys_base + host_phys_size)
 * lives at host_phys_mem. */
extern uint8_t *host_phys_mem;
extern paddr_t host_phys_base;
extern word_t host_phys_size;
NORETURN void host_shim_fail(const char *what, word_t value);

static inline void *paddr_to_kptr(paddr_t p)
{
    if (p < host_phys_base || p - host_phys_base > host_phys_size)
        host_shim_fail("paddr_to_kptr: address outside the simulated memory", p);
    return host_phys_mem + (p - host_phys_base);
}

static inline paddr_t kptr_to_paddr(const void *p)
{
    uintptr_t v = (uintptr_t)p, m = (uintptr_t)host_phys_mem;
    if (v < m || v - m > host_phys_size)
        host_shim_fail("kptr_to_paddr: pointer outside the simulated memory", v);
    return host_phys_base + (v - m);
}

static inline void outb(uint16_t port, uint8_t v) { (void)v; host_shim_fail("outb on the host", port); }
static inline void outw(uint16_t port, uint16_t v) { (void)v; host_shim_fail("outw on the host", port); }
static inline void outl(uint16_t port, uint32_t v) { (void)v; host_shim_fail("outl on the host", port); }
static inline uint8_t inb(uint16_t port) { host_shim_fail("inb on the host", port); }
static inline uint16_t inw(uint16_t port) { host_shim_fail("inw on the host", port); }
static inline uint32_t inl(uint16_t port) { host_shim_fail("inl on the host", port); }

#endif
