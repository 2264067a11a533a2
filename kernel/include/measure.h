/* Counters of the measuring build (MEASURE=1, used by `make bench`): what an instruction
 * count hides.  In other builds they compile away. */
#ifndef PECAN_MEASURE_H
#define PECAN_MEASURE_H

#include "types.h"

#ifndef PN_CONFIG_MEASURE
#define PN_CONFIG_MEASURE 0
#endif

/* The order is the ABI of Pecan's DebugCounters extension (docs/benchmarks.md). */
enum kernel_counter {
    KC_ENTRIES,        /* kernel entries */
    KC_KERNEL_INSNS,   /* instructions executed in the kernel (TSC under -icount shift=0) */
    KC_CR3_WRITES,
    KC_FPU_SAVES,
    KC_FPU_RESTORES,
    KC_SYSRET,
    KC_IRETQ,
    KC_MSR_WRITES,
    KC_SWAPGS,         /* Pecan never uses SWAPGS: always 0 */
    KC_FASTPATH,       /* IPCs completed on the fastpath */
    KC_COUNT
};

extern word_t kernel_counters[KC_COUNT];

#if PN_CONFIG_MEASURE
#define MEASURE_COUNT(c) (kernel_counters[c]++)
void measure_entry(void);
void measure_exit(bool sysret);
#else
#define MEASURE_COUNT(c) ((void)0)
static inline void measure_entry(void) {}
static inline void measure_exit(bool sysret) { (void)sysret; }
#endif

#endif
