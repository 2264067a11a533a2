/*
 * Tests of what only the release kernel in the sel4bench configuration has
 * (build/pecan-bench.elf: DEBUG=0, DANGEROUS_MSR=1, USER_PMC=1; ../shared/abi/README.md,
 * "The two upstream configurations"): the X86DangerousWRMSR / X86DangerousRDMSR system
 * calls (syscalls.md).  No debug calls exist there, so this root task prints through COM1
 * and ends the run through QEMU's isa-debug-exit port, both with IOPort caps, and reports
 * as the test suite does ("PASS name", "FAIL name: why", "TESTS DONE passed=N failed=M").
 * tools/test-all boots it with sel4bench's QEMU CPU (it has RDTSCP).
 */
#include <pecan/com1.h>

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_AUX 0xc0000103
#define APIC_BASE_ENABLE (1ul << 11)
#define APIC_DEFAULT_BASE 0xfee00000ul

static unsigned passed, failed;
static const char *current;
static int current_failed;

static void check(int ok, const char *what, pn_word_t got, pn_word_t want)
{
    if (ok || current_failed)
        return;
    current_failed = 1;
    pn_com1_printf("FAIL %s: %s: 0x%lx vs 0x%lx\n", current, what, got, want);
}
#define CHECK_EQ(got, want) check((got) == (want), #got " == " #want, (got), (want))
#define CHECK(cond, got) check((cond), #cond, (got), 0)

static void run(const char *name, void (*fn)(void))
{
    current = name;
    current_failed = 0;
    fn();
    if (current_failed) {
        failed++;
    } else {
        passed++;
        pn_com1_printf("PASS %s\n", name);
    }
}

/* The registers of one system call: in, and what the kernel left in them. */
struct regs {
    pn_word_t rdi, rsi, r10, r8, r9, r15;
};

static struct regs syscall_regs(long number, struct regs in)
{
    pn_msg_t m = {in.rsi, {in.r10, in.r8, in.r9, in.r15}};
    pn_word_t rdi = pn_syscall(number, in.rdi, &m, 0, 0);
    return (struct regs){rdi, m.info, m.mr[0], m.mr[1], m.mr[2], m.mr[3]};
}

static pn_word_t rdmsr(pn_word_t msr)
{
    return syscall_regs(PN_SYS_X86_DANGEROUS_RDMSR, (struct regs){.rdi = msr}).r10;
}

static void wrmsr(pn_word_t msr, pn_word_t value)
{
    syscall_regs(PN_SYS_X86_DANGEROUS_WRMSR, (struct regs){.rdi = msr, .r10 = value});
}

/* RDMSR: the value in r10 (MR0), message info with length 1 and label 0 in rsi, rdi as
 * it was.  IA32_APIC_BASE: the local APIC is enabled at its default address. */
static void rdmsr_apic_base(void)
{
    struct regs in = {MSR_APIC_BASE, 0xdead0000, 0x1111, 0x2222, 0x3333, 0x4444};
    struct regs out = syscall_regs(PN_SYS_X86_DANGEROUS_RDMSR, in);
    CHECK_EQ(out.rdi, (pn_word_t)MSR_APIC_BASE);
    CHECK_EQ(out.rsi, pn_msginfo(0, 0, 0, 1));
    CHECK_EQ(out.r10 & ~0xffful, APIC_DEFAULT_BASE);
    CHECK(out.r10 & APIC_BASE_ENABLE, out.r10);
}

/* Only the low 32 bits of rdi name the MSR; rdi comes back whole. */
static void rdmsr_uses_low_32_bits(void)
{
    pn_word_t want = rdmsr(MSR_APIC_BASE);
    struct regs out = syscall_regs(PN_SYS_X86_DANGEROUS_RDMSR, (struct regs){.rdi = 0xabcd0000ul << 32 | MSR_APIC_BASE});
    CHECK_EQ(out.rdi, 0xabcd0000ul << 32 | MSR_APIC_BASE);
    CHECK_EQ(out.r10, want);
}

/* WRMSR writes MR0 (r10) to the MSR and changes no register; TSC_AUX is what user-level
 * RDTSCP reads into ecx, so the write is seen without the kernel's help too. */
static void wrmsr_tsc_aux(void)
{
    const pn_word_t value = 0x5a5a1234;
    struct regs in = {MSR_TSC_AUX, 0xdead0000, value, 0x2222, 0x3333, 0x4444};
    struct regs out = syscall_regs(PN_SYS_X86_DANGEROUS_WRMSR, in);
    CHECK_EQ(out.rdi, in.rdi);
    CHECK_EQ(out.rsi, in.rsi);
    CHECK_EQ(out.r10, in.r10);
    CHECK_EQ(out.r8, in.r8);
    CHECK_EQ(out.r9, in.r9);
    CHECK_EQ(out.r15, in.r15);
    CHECK_EQ(rdmsr(MSR_TSC_AUX), value);
    unsigned lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    CHECK_EQ((pn_word_t)aux, value);
    /* only the low 32 bits of rdi name the MSR */
    wrmsr(0xffff0000ul << 32 | MSR_TSC_AUX, 7);
    CHECK_EQ(rdmsr(MSR_TSC_AUX), 7ul);
    wrmsr(MSR_TSC_AUX, 0);
    CHECK_EQ(rdmsr(MSR_TSC_AUX), 0ul);
}

int main(void)
{
    pn_cptr_t com1 = pn_bootinfo->empty.start, exit_port = com1 + 1;
    if (pn_ioport_issue(com1, PN_COM1_BASE, PN_COM1_BASE + PN_COM1_PORTS - 1) ||
        pn_ioport_issue(exit_port, PN_QEMU_EXIT_PORT, PN_QEMU_EXIT_PORT))
        for (;;) /* nothing to print with, nothing to stop with */
            __asm__ volatile("ud2");
    pn_com1_init(com1);
    pn_com1_printf("release-build tests (X86DangerousWRMSR/RDMSR)\n");
    run("dangerous_rdmsr_apic_base", rdmsr_apic_base);
    run("dangerous_rdmsr_uses_low_32_bits", rdmsr_uses_low_32_bits);
    run("dangerous_wrmsr_tsc_aux", wrmsr_tsc_aux);
    pn_com1_printf("TESTS DONE passed=%u failed=%u\n", passed, failed);
    pn_qemu_exit(exit_port, 0);
    return 0;
}
