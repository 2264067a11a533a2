/* Local APIC (the kernel's timer) and IOAPICs (lines masked until user level asks). */
#include "arch/apic.h"
#include "arch/irq.h"
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "thread.h"

paddr_t x86_lapic_paddr;
paddr_t x86_ioapic_paddr[X86_MAX_IOAPICS];
unsigned x86_num_ioapics;

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic_regs[X86_MAX_IOAPICS];

#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_IRR 0x200
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LVT_MASKED BIT(16)

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

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
    lapic = vspace_map_device(x86_lapic_paddr);
    lapic_write(LAPIC_SVR, BIT(8) | VECTOR_SPURIOUS); /* software-enable */
    lapic_write(LAPIC_TIMER_DIVIDE, 0xb);               /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);       /* free-running, for calibration */
    for (unsigned i = 0; i < x86_num_ioapics; i++) {
        ioapic_regs[i] = vspace_map_device(x86_ioapic_paddr[i]);
        for (unsigned pin = 0; pin < apic_ioapic_lines(i); pin++)
            ioapic_write(i, 0x10 + 2 * pin, BIT(16)); /* masked */
    }
}

unsigned apic_ioapic_lines(unsigned i)
{
    return ((ioapic_read(i, 1) >> 16) & 0xff) + 1;
}

#define REDIRECTION(pin) (0x10 + 2 * (pin))
#define RTE_LOW_ACTIVE BIT(13)
#define RTE_LEVEL BIT(15)
#define RTE_MASKED BIT(16)

void apic_ioapic_route(unsigned i, unsigned pin, unsigned vector, bool level, bool low)
{
    uint32_t lapic_id = lapic_read(0x20) >> 24;
    ioapic_write(i, REDIRECTION(pin) + 1, lapic_id << 24);
    ioapic_write(i, REDIRECTION(pin), vector | (level ? RTE_LEVEL : 0) | (low ? RTE_LOW_ACTIVE : 0) | RTE_MASKED);
}

void apic_ioapic_mask(unsigned i, unsigned pin, bool masked)
{
    uint32_t v = ioapic_read(i, REDIRECTION(pin));
    ioapic_write(i, REDIRECTION(pin), masked ? v | RTE_MASKED : v & ~RTE_MASKED);
}

uint32_t apic_timer_count(void)
{
    return lapic_read(LAPIC_TIMER_CURRENT);
}

static uint32_t lapic_ticks_per_ms;

void apic_timer_init(uint32_t ticks_per_ms)
{
    lapic_ticks_per_ms = ticks_per_ms;
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
}

/* The kernel's timer fires once at the given TSC time, less the timer's precision
 * (1 µs), as semantics.md §6.1 says; ~0 stops it. */
void machine_set_deadline(word_t deadline)
{
    if (deadline == ~0ul) {
        lapic_write(LAPIC_TIMER_INITIAL, 0);
        return;
    }
    word_t precision = machine_tsc_mhz, now = machine_now();
    word_t delta = deadline > now + precision ? deadline - precision - now : 1;
    word_t ticks = delta * lapic_ticks_per_ms / ((word_t)machine_tsc_mhz * 1000);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)MIN(MAX(ticks, 1ul), 0xfffffffful));
}

bool machine_interrupt_pending(void)
{
    for (unsigned i = 1; i < 8; i++) /* vectors 32..255 */
        if (lapic_read(LAPIC_IRR + 0x10 * i))
            return true;
    return false;
}

void machine_handle_interrupt(word_t vector)
{
    if (vector == VECTOR_SPURIOUS)
        return;
    lapic_write(LAPIC_EOI, 0);
    if (vector == VECTOR_TIMER)
        sched_timer_interrupt();
    else
        irq_handle(vector);
}
