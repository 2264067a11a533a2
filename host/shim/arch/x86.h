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

/* Port I/O: host_port_io (host/shim/kernel_shim.c) takes it when a test sets it (the fuzz
 * harness checks the port against the invoked cap); otherwise the test stops. */
extern uint32_t (*host_port_io)(uint16_t port, unsigned width, bool out, uint32_t value);
static inline uint32_t host_port(uint16_t port, unsigned width, bool out, uint32_t value)
{
    if (!host_port_io)
        host_shim_fail(out ? "port output on the host" : "port input on the host", port);
    return host_port_io(port, width, out, value);
}
static inline void outb(uint16_t port, uint8_t v) { host_port(port, 1, true, v); }
static inline void outw(uint16_t port, uint16_t v) { host_port(port, 2, true, v); }
static inline void outl(uint16_t port, uint32_t v) { host_port(port, 4, true, v); }
static inline uint8_t inb(uint16_t port) { return (uint8_t)host_port(port, 1, false, 0); }
static inline uint16_t inw(uint16_t port) { return (uint16_t)host_port(port, 2, false, 0); }
static inline uint32_t inl(uint16_t port) { return host_port(port, 4, false, 0); }

#endif
