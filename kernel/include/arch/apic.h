/* The local APIC and the IOAPICs (found in the ACPI MADT at boot). */
#ifndef PECAN_ARCH_APIC_H
#define PECAN_ARCH_APIC_H

#include "types.h"

#define X86_MAX_IOAPICS 8
#define VECTOR_TIMER 157    /* the kernel's timer (semantics.md §10) */
#define VECTOR_SPURIOUS 255

extern paddr_t x86_lapic_paddr;
extern paddr_t x86_ioapic_paddr[X86_MAX_IOAPICS];
extern unsigned x86_num_ioapics;

/* Maps the APIC registers, enables the local APIC with its timer counting down freely
 * (for calibration) and masks every IOAPIC line. */
void apic_init(void);
uint32_t apic_timer_count(void);
unsigned apic_ioapic_lines(unsigned ioapic);
/* Routes a pin to a CPU vector (level: level-triggered; low: active low), masked. */
void apic_ioapic_route(unsigned ioapic, unsigned pin, unsigned vector, bool level, bool low);
void apic_ioapic_mask(unsigned ioapic, unsigned pin, bool masked);

/* The timer becomes the kernel's one-shot timer (machine_set_deadline). */
void apic_timer_init(uint32_t ticks_per_ms);

#endif
