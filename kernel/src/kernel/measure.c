/* The measuring build's counters (measure.h). */
#include "measure.h"
#include "arch/machine.h"

word_t kernel_counters[KC_COUNT];

#if PN_CONFIG_MEASURE
/* Instructions of the assembly entry and exit paths that the C timestamps cannot see:
 * SYSCALL, the register saves and the fastpath dispatch before the C handler (27), and the register loads up
 * to and including SYSRETQ (19) or IRETQ (20) — counted from entry.S. */
#define ENTRY_STUB_INSNS 27
#define SYSRET_STUB_INSNS 19
#define IRETQ_STUB_INSNS 20

static word_t entered_at;

void measure_entry(void)
{
    entered_at = machine_now();
    kernel_counters[KC_ENTRIES]++;
}

void measure_exit(bool sysret)
{
    kernel_counters[KC_KERNEL_INSNS] += machine_now() - entered_at + ENTRY_STUB_INSNS +
                                        (sysret ? SYSRET_STUB_INSNS : IRETQ_STUB_INSNS);
    kernel_counters[sysret ? KC_SYSRET : KC_IRETQ]++;
}
#endif
