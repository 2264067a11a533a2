/* The checking build (CHECK=1): the kernel's invariants, checked after every kernel
 * entry; the first violation stops the machine with a report (docs/invariants.md). */
#ifndef PECAN_INVARIANTS_H
#define PECAN_INVARIANTS_H

#include "object.h"

#ifndef PN_CONFIG_CHECK
#define PN_CONFIG_CHECK 0
#endif

#if PN_CONFIG_CHECK
void invariants_check(void);
/* c names memory whose old objects are gone: a new object (c its first cap) or an
 * untyped about to be reset.  The checker forgets the CNodes that were there, and learns
 * c if it is a CNode (the sweep opens every CNode, reachable or not). */
void invariants_memory_reused(cap_t c);
/* An untyped the kernel gives the root task at boot. */
void invariants_boot_untyped(paddr_t base, word_t bits);
/* For thread.c's own checks of the scheduler's private structures. */
NORETURN void invariants_violated(unsigned invariant, const char *what, const void *where);
void sched_check_invariants(void);
void sched_corrupt_bitmap(void);
/* Pecan's DebugCorrupt extension (checking build only): breaks invariant n on purpose,
 * so a test can see the checker report it. */
void invariants_corrupt(word_t n);
#else
static inline void invariants_check(void) {}
static inline void invariants_memory_reused(cap_t c) { (void)c; }
static inline void invariants_boot_untyped(paddr_t base, word_t bits) { (void)base, (void)bits; }
#endif

#endif
