/* The local APIC and the IOAPICs (found in the ACPI MADT at boot). */
#ifndef PECAN_ARCH_APIC_H
#define PECAN_ARCH_APIC_H

#include "types.h"

#define X86_MAX_IOAPICS 8

extern paddr_t x86_lapic_paddr;
extern paddr_t x86_ioapic_paddr[X86_MAX_IOAPICS];
extern unsigned x86_num_ioapics;

/* Maps the APIC registers (uncached) and masks every IOAPIC line. */
void apic_init(void);

#endif
