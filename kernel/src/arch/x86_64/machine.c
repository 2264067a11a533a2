/* CPU set-up: segments, TSS, interrupt table, SYSCALL, FPU; the console; stopping. */
#include "arch/machine.h"
#include "arch/vspace.h"
#include "arch/x86.h"
#include "asm.h"
#include "console.h"
#include "kstring.h"
#include "measure.h"
#include "arch/switch.h"
#include "thread.h"

_Static_assert(sizeof(struct user_context) == CTX_SIZE, "user_context layout (asm.h)");
_Static_assert(__builtin_offsetof(struct user_context, r15) == CTX_R15, "asm.h");
_Static_assert(__builtin_offsetof(struct user_context, rax) == CTX_RAX, "asm.h");
_Static_assert(__builtin_offsetof(struct user_context, vector) == CTX_VECTOR, "asm.h");
_Static_assert(__builtin_offsetof(struct user_context, rip) == CTX_RIP, "asm.h");
_Static_assert(__builtin_offsetof(struct user_context, ss) == CTX_SS, "asm.h");
_Static_assert(CTX_SIZE % 16 == 0, "the CPU aligns RSP0 to 16 bytes");

struct tss x86_tss ALIGNED(16);
bool x86_in_idle;
uint32_t machine_tsc_mhz;

static uint64_t gdt[8] ALIGNED(16);
static struct PACKED idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} idt[256] ALIGNED(16);
static uint8_t fault_stack[4096] ALIGNED(16);
static struct fpu_state fpu_clean; /* the FPU state every thread starts with */

extern const uint64_t x86_trap_stubs[256];
extern void syscall_entry(void);
extern NORETURN void x86_restore_user_context(struct user_context *ctx);
extern NORETURN void x86_idle(void);

struct PACKED descriptor_pointer {
    uint16_t limit;
    uint64_t base;
};

static void set_gate(unsigned vec, unsigned dpl, unsigned ist)
{
    uint64_t a = x86_trap_stubs[vec];
    idt[vec] = (struct idt_gate){
        .offset_lo = a & 0xffff, .selector = SEL_KCODE, .ist = ist,
        .type = 0x8e | dpl << 5, /* present, 64-bit interrupt gate */
        .offset_mid = (a >> 16) & 0xffff, .offset_hi = a >> 32,
    };
}

static void init_segments(void)
{
    gdt[1] = 0x00af9a000000ffff; /* kernel code */
    gdt[2] = 0x00cf92000000ffff; /* kernel data */
    gdt[3] = 0;                  /* (32-bit user code: unused) */
    gdt[4] = 0x00cff2000000ffff; /* user data, DPL 3 */
    gdt[5] = 0x00affa000000ffff; /* user code, 64-bit, DPL 3 */
    uint64_t base = (uint64_t)&x86_tss, limit = sizeof(x86_tss) - 1;
    gdt[6] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ul << 40 | ((limit >> 16) & 0xf) << 48 |
             ((base >> 24) & 0xff) << 56;
    gdt[7] = base >> 32;
    x86_tss.iomap_base = sizeof(x86_tss); /* no I/O bitmap: user port access needs IOPL */
    x86_tss.ist[0] = (uint64_t)(fault_stack + sizeof(fault_stack));

    struct descriptor_pointer gp = {sizeof(gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1: mov %2, %%ax\n"
                     "mov %%ax, %%ss\n"
                     "xor %%eax, %%eax\n"
                     "mov %%ax, %%ds\n"
                     "mov %%ax, %%es\n"
                     "mov %%ax, %%fs\n"
                     "mov %%ax, %%gs\n"
                     "ltr %w3\n"
                     :
                     : "m"(gp), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
                     : "rax", "memory");

    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0, 0);
    set_gate(2, 0, 1); /* NMI and double fault run on their own stack: entry.S knows */
    set_gate(8, 0, 1);
    set_gate(3, 3, 0); /* int3 is allowed from user level */
    for (unsigned v = 158; v < 256; v++)
        set_gate(v, 3, 0); /* int 158..254 raise UnknownSyscall; int 255 is ignored */
    struct descriptor_pointer ip = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ip));
}

static void init_syscall(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | BIT(0)); /* SCE */
    /* SYSCALL loads CS = 0x08, SS = 0x10; SYSRET loads CS = 0x18 + 16, SS = 0x18 + 8. */
    wrmsr(MSR_STAR, (uint64_t)(SEL_UDATA - 8 - 3) << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Clear IF, TF, DF, NT and AC on entry. */
    wrmsr(MSR_FMASK, BIT(9) | BIT(8) | BIT(10) | BIT(14) | BIT(18));
}

static void init_pic(void)
{
    /* Remap the legacy PICs to vectors 32..47 and mask every line. */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 32);
    outb(0xa1, 40);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void machine_init_cpu(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[3] & BIT(24)) || !(r[3] & BIT(25)))
        kpanic("this CPU lacks FXSAVE or SSE");
    cpuid(0x80000001, 0, r);
    if (!(r[3] & BIT(11)))
        kpanic("this CPU lacks SYSCALL");

    init_segments();
    init_syscall();
    init_pic();
    /* PAT entry 4 (PAT bit set, PCD and PWT clear) becomes write-combining: the
     * WriteCombining VM attribute (paging.c).  The others keep their reset values. */
    wrmsr(MSR_PAT, (rdmsr(MSR_PAT) & ~(0xfful << 32)) | (0x01ul << 32));

    /* FPU: native exceptions, SSE with FXSAVE; never lazy (CR0.TS stays clear). */
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    word_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
    cpuid(0, 0, r);
    if (r[0] >= 7) {
        cpuid(7, 0, r);
        if (r[1] & BIT(7))
            cr4 |= CR4_SMEP; /* the kernel never executes user memory */
        if (r[1] & BIT(20))
            cr4 |= CR4_SMAP; /* nor touches it: IPC buffers are reached through the window */
    }
    if (PN_CONFIG_USER_PMC)
        cr4 |= CR4_PCE; /* user level may use RDPMC (the benchmark build) */
    write_cr4(cr4);
    __asm__ volatile("fninit");
    machine_fpu_init_state(&fpu_clean);
}

void machine_fpu_init_state(struct fpu_state *s)
{
    memset(s, 0, sizeof(*s));
    s->bytes[0] = 0x7f; /* FCW = 0x037f: all x87 exceptions masked */
    s->bytes[1] = 0x03;
    s->bytes[24] = 0x80; /* MXCSR = 0x1f80: all SSE exceptions masked */
    s->bytes[25] = 0x1f;
}

void machine_context_init_user(struct user_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cs = SEL_UCODE;
    ctx->ss = SEL_UDATA;
    ctx->rflags = RFLAGS_IF | BIT(1);
}

/*
 * FPU state.  `fpu_owner` is the thread whose FPU registers are live in the CPU; NULL
 * means the registers hold the clean initial state.  Switching is eager: before a thread
 * runs, the registers hold its own state or the clean state — never another thread's
 * (not even behind CR0.TS, which speculation ignores: the LazyFP leak).
 *
 * A thread that has never used the FPU runs with CR0.TS set on clean registers; its first
 * FPU instruction traps (#NM), which marks it as an FPU user and lets it continue.  So
 * threads that do not use the FPU cost no FPU work at all, and a switch saves state only
 * when a thread with live FPU state is switched away from.  A thread whose FPU is
 * disabled (TCB_SetFlags) also runs with CR0.TS set, and its #NM is a UserException.
 */
struct tcb *fpu_owner;
bool fpu_trapping;

/*
 * The switch key (switch.h) sums up, in one word, the per-thread CPU state beyond the
 * registers and the address space: the FS/GS bases and the FPU.  A thread with zero
 * bases and no live FPU state has key 0, any other thread its own address.
 * x86_loaded_key is the key the CPU's current bases and FPU state serve (0: zero bases,
 * clean FPU registers behind CR0.TS); X86_KEY_NONE when unknown.  A switch between two
 * threads of equal key (the common case: neither uses the FPU or TLS) skips all of it.
 */
word_t x86_loaded_key = X86_KEY_NONE;

word_t machine_switch_key(const struct tcb *t)
{
    bool fpu_live = t->fpu_used && !(t->flags & TCB_FLAG_FPU_DISABLED);
    return (fpu_live || t->ctx.fs_base || t->ctx.gs_base) ? (word_t)t : 0;
}

/* What x86_switch_state needs to know of a thread, in one byte. */
uint8_t machine_switch_flags(const struct tcb *t)
{
    bool fpu_live = t->fpu_used && !(t->flags & TCB_FLAG_FPU_DISABLED);
    return (fpu_live ? SWITCH_FPU : 0) | (t->ctx.fs_base || t->ctx.gs_base ? SWITCH_BASES : 0);
}

void machine_thread_state_changed(struct tcb *t)
{
    t->switch_key = machine_switch_key(t);
    t->switch_flags = machine_switch_flags(t);
    x86_loaded_key = X86_KEY_NONE;
}

static void fpu_set_trapping(bool on)
{
    if (on != fpu_trapping) {
        write_cr0(on ? read_cr0() | CR0_TS : read_cr0() & ~CR0_TS);
        fpu_trapping = on;
    }
}

/* Saves the owner's live state and leaves clean registers behind. */
static void fpu_release(void)
{
    if (!fpu_owner)
        return;
    fpu_set_trapping(false);
    __asm__ volatile("fxsave64 %0" : "=m"(fpu_owner->fpu));
    MEASURE_COUNT(KC_FPU_SAVES);
    __asm__ volatile("fxrstor64 %0" ::"m"(fpu_clean));
    MEASURE_COUNT(KC_FPU_RESTORES);
    fpu_owner = NULL;
}

/* The FPU registers already hold what t may run with: its own live state, or (for a
 * thread without live FPU state) the clean state behind CR0.TS. */
static bool fpu_ready_for(const struct tcb *t)
{
    if (t->fpu_used && !(t->flags & TCB_FLAG_FPU_DISABLED))
        return fpu_owner == t && !fpu_trapping;
    return !fpu_owner && fpu_trapping;
}

word_t loaded_fs_base, loaded_gs_base;
static uint8_t loaded_bases; /* SWITCH_BASES if loaded_fs_base or loaded_gs_base is not 0, else 0 */

static void load_bases(const struct user_context *ctx)
{
    if (ctx->fs_base != loaded_fs_base) {
        wrmsr(MSR_FS_BASE, ctx->fs_base);
        MEASURE_COUNT(KC_MSR_WRITES);
        loaded_fs_base = ctx->fs_base;
    }
    if (ctx->gs_base != loaded_gs_base) {
        wrmsr(MSR_GS_BASE, ctx->gs_base);
        MEASURE_COUNT(KC_MSR_WRITES);
        loaded_gs_base = ctx->gs_base;
    }
    loaded_bases = loaded_fs_base || loaded_gs_base ? SWITCH_BASES : 0;
}

/* CR0.TS set: the next FPU instruction traps. */
static inline __attribute__((always_inline)) void fpu_trap(void)
{
    write_cr0(read_cr0() | CR0_TS);
    fpu_trapping = true;
}

/*
 * The FPU part of a switch to t, short on the two common cases of a switch between an FPU
 * user and a thread without live FPU state: away from the FPU user (its state saved,
 * clean registers, CR0.TS set) and back to it (CR0.TS cleared, its state loaded).  An FPU
 * owner never runs with CR0.TS set.
 */
static inline __attribute__((always_inline)) void switch_fpu(struct tcb *t)
{
    struct tcb *owner = fpu_owner;
    if (!(t->switch_flags & SWITCH_FPU)) {
        if (likely(owner)) {
            __asm__ volatile("fxsave64 %0" : "=m"(owner->fpu));
            MEASURE_COUNT(KC_FPU_SAVES);
            __asm__ volatile("fxrstor64 %0" ::"m"(fpu_clean));
            MEASURE_COUNT(KC_FPU_RESTORES);
            fpu_owner = NULL;
            fpu_trap();
        } else if (!fpu_trapping) {
            fpu_trap();
        }
    } else if (owner != t) {
        /* (likely: back to the FPU user from a thread without FPU state) */
        if (likely(fpu_trapping)) {
            __asm__ volatile("clts");
            fpu_trapping = false;
        }
        if (unlikely(owner)) {
            __asm__ volatile("fxsave64 %0" : "=m"(owner->fpu));
            MEASURE_COUNT(KC_FPU_SAVES);
        }
        __asm__ volatile("fxrstor64 %0" ::"m"(t->fpu));
        MEASURE_COUNT(KC_FPU_RESTORES);
        fpu_owner = t;
    }
}

/* Called when t's switch key differs from the loaded one. */
void x86_switch_state(struct tcb *t)
{
    if ((t->switch_flags | loaded_bases) & SWITCH_BASES)
        load_bases(&t->ctx);
    switch_fpu(t);
    x86_loaded_key = t->switch_key;
}

static __attribute__((noinline, cold)) NORETURN void switch_state_exit_with_bases(word_t rdi, word_t rsi, struct tcb *t)
{
    x86_switch_state(t);
    invariants_check();
    measure_exit(t->ctx.error == ~0ul);
    fastpath_exit(rdi, rsi, &t->ctx);
}

NORETURN void x86_switch_state_exit(word_t rdi, word_t rsi, struct tcb *t)
{
    if (unlikely((t->switch_flags | loaded_bases) & SWITCH_BASES))
        switch_state_exit_with_bases(rdi, rsi, t);
    switch_fpu(t);
    x86_loaded_key = t->switch_key;
    invariants_check();
    measure_exit(t->ctx.error == ~0ul);
    fastpath_exit(rdi, rsi, &t->ctx);
}

bool machine_switch_state_consistent(void)
{
    if (loaded_bases != (loaded_fs_base || loaded_gs_base ? SWITCH_BASES : 0) || (fpu_owner && fpu_trapping))
        return false;
    word_t k = x86_loaded_key;
    if (k == X86_KEY_NONE)
        return true;
    if (k == 0)
        return !loaded_fs_base && !loaded_gs_base && !fpu_owner && fpu_trapping;
    const struct tcb *t = (const struct tcb *)k;
    return t->switch_key == k && loaded_fs_base == t->ctx.fs_base && loaded_gs_base == t->ctx.gs_base &&
           fpu_ready_for(t);
}

bool machine_fpu_first_use(struct tcb *t)
{
    if (t->flags & TCB_FLAG_FPU_DISABLED)
        return false;
    /* The registers are clean (switch_fpu), which is this thread's initial state
     * unless its saved state was written since; load that to be exact. */
    t->fpu_used = true;
    fpu_set_trapping(false);
    __asm__ volatile("fxrstor64 %0" ::"m"(t->fpu));
    MEASURE_COUNT(KC_FPU_RESTORES);
    fpu_owner = t;
    machine_thread_state_changed(t);
    return true;
}

void machine_fpu_flags_changed(struct tcb *t)
{
    if ((t->flags & TCB_FLAG_FPU_DISABLED) && fpu_owner == t)
        fpu_release();
    /* Otherwise the state is loaded when t next runs. */
    machine_thread_state_changed(t);
}

#if PN_CONFIG_DANGEROUS_MSR
/* Whatever user level asks: a #GP for a bad MSR is a kernel fault.  This build is for
 * benchmarks only (syscalls.md §4), never for systems that need isolation. */
void machine_write_msr(uint32_t msr, word_t value)
{
    wrmsr(msr, value);
}

word_t machine_read_msr(uint32_t msr)
{
    return rdmsr(msr);
}
#endif

word_t machine_now(void)
{
    return rdtsc();
}
void machine_set_current_context(struct user_context *ctx)
{
    x86_tss.rsp[0] = (uint64_t)(ctx + 1);
}

NORETURN void machine_return_to_user(struct tcb *t)
{
    arch_switch_to(t, thread_vspace_root(t));
}

void machine_forget_thread(struct tcb *t)
{
    if (fpu_owner == t) { /* its state must not outlive it in the registers */
        fpu_set_trapping(false);
        __asm__ volatile("fxrstor64 %0" ::"m"(fpu_clean));
        MEASURE_COUNT(KC_FPU_RESTORES);
        fpu_owner = NULL;
    }
    x86_loaded_key = X86_KEY_NONE; /* t's address may name a new thread */
}

NORETURN void machine_idle(void)
{
    invariants_check();
    vspace_activate(kptr_to_paddr(kernel_pml4));
    x86_idle();
}

/* ---- console: COM1 ---- */
#define COM1 0x3f8

void console_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* divisor latch */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xc7); /* FIFO on */
    outb(COM1 + 4, 0x03);
}

static void serial_put(char c)
{
    for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        ;
    outb(COM1, (uint8_t)c);
}

void console_putc(char c)
{
    if (c == '\n')
        serial_put('\r');
    serial_put(c);
}

NORETURN void machine_stop(enum machine_status status)
{
    outb(0xf4, (uint8_t)status); /* QEMU's isa-debug-exit; harmless elsewhere */
    for (;;)
        __asm__ volatile("cli; hlt");
}
