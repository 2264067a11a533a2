/* What the architecture provides to the rest of the kernel (x86-64 / pc99). */
#ifndef PECAN_ARCH_MACHINE_H
#define PECAN_ARCH_MACHINE_H

#include "types.h"

/* Saved user registers; layout shared with entry.S (offsets in asm.h).  Lowest address
 * first; the part from r15 up is pushed on kernel entry, so TSS.RSP0 points at its end. */
struct user_context {
    word_t fs_base, gs_base;
    word_t fault_ip; /* restart PC: the faulting instruction, or the syscall instruction */
    word_t pad;
    word_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    word_t vector;
    word_t error;    /* -1: entered by SYSCALL, so leave by SYSRET */
    word_t rip;      /* NextIP */
    word_t cs, rflags, rsp, ss;
};

/* FXSAVE image (512 bytes, 16-byte aligned). */
struct fpu_state {
    uint8_t bytes[512];
} ALIGNED(16);

struct tcb;

/* Addresses user level hands the kernel for RIP, FS_BASE or GS_BASE: a value in the
 * non-canonical hole becomes 0 (syscalls.md §2), so it can never fault in the kernel. */
static inline word_t machine_sanitise_address(word_t v)
{
    return (word_t)((sword_t)(v << 16) >> 16) == v ? v : 0;
}

void machine_init_cpu(void);
void machine_set_current_context(struct user_context *ctx);
NORETURN void machine_return_to_user(struct tcb *t);
NORETURN void machine_idle(void);
void machine_fpu_init_state(struct fpu_state *s);
void machine_context_init_user(struct user_context *ctx);
/* The dangerous-MSR calls of the benchmark build (syscalls.md §4). */
void machine_write_msr(uint32_t msr, word_t value);
word_t machine_read_msr(uint32_t msr);

/* The current time: TSC ticks. */
word_t machine_now(void);
/* The kernel's timer interrupt comes at TSC time `deadline` (~0: never). */
void machine_set_deadline(word_t deadline);
/* TCB_SetFlags changed t's FPU flag: save or reload its FPU state as needed. */
void machine_fpu_flags_changed(struct tcb *t);
/* t's first FPU instruction trapped: returns false if its FPU is disabled (a fault). */
bool machine_fpu_first_use(struct tcb *t);

/* An interrupt is waiting to be taken (checked with interrupts disabled). */
bool machine_interrupt_pending(void);
/* Handles a device or timer interrupt (vector) that arrived while the kernel was entered. */
void machine_handle_interrupt(word_t vector);

/* t's TLS bases, FPU flags or FPU use changed (the fastpath's switch key). */
void machine_thread_state_changed(struct tcb *t);
/* The switch key t must have, and whether the CPU holds what the loaded key says
 * (both for the invariant checker). */
word_t machine_switch_key(const struct tcb *t);
uint8_t machine_switch_flags(const struct tcb *t);
#define SWITCH_FPU BIT(0)   /* switch_flags: live FPU state */
#define SWITCH_BASES BIT(1) /* switch_flags: a non-zero FS or GS base */
bool machine_switch_state_consistent(void);

/* The thread is going away: drop any CPU state cached for it. */
void machine_forget_thread(struct tcb *t);

extern uint64_t kernel_pml4[512];

extern uint32_t machine_tsc_mhz;
/* The memory of the objects the kernel made for the root task at boot (boot.c): the only
 * objects not carved from an untyped (the invariant checker's 15). */
extern paddr_t boot_objects_start, boot_objects_end;

#endif
