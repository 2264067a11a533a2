/* Local APIC and IOAPICs.  For now: map them and keep every IOAPIC line masked. */
#include "arch/apic.h"
#include "arch/vspace.h"

paddr_t x86_lapic_paddr;
paddr_t x86_ioapic_paddr[X86_MAX_IOAPICS];
unsigned x86_num_ioapics;

static volatile uint32_t *ioapic_regs[X86_MAX_IOAPICS];

static uint32_t ioapic_read(unsigned i, uint32_t reg)
{
    ioapic_regs[i][0] = reg;
    return ioapic_regs[i][4];
}

static void ioapic_write(unsigned i, uint32_t reg, uint32_t v)
{
    ioapic_regs[i][0] = reg;
    ioapic_regs[i][4] = v;
}

void apic_init(void)
{
    vspace_map_device(x86_lapic_paddr);
    for (unsigned i = 0; i < x86_num_ioapics; i++) {
        ioapic_regs[i] = vspace_map_device(x86_ioapic_paddr[i]);
        unsigned lines = ((ioapic_read(i, 1) >> 16) & 0xff) + 1;
        for (unsigned pin = 0; pin < lines; pin++)
            ioapic_write(i, 0x10 + 2 * pin, BIT(16)); /* masked */
    }
}
