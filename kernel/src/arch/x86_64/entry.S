/*
 * Kernel entry and exit.  The kernel runs with interrupts disabled on one kernel stack.
 * User registers are saved straight into the current thread's struct user_context:
 * TSS.RSP0 points just past it, so an interrupt or exception from user mode makes the
 * CPU push its frame there, and the SYSCALL path points RSP there itself.
 */
#include "asm.h"

    .text

/* SYSCALL: RCX = return RIP, R11 = RFLAGS, RSP still the user's (it is not saved: the
 * ABI has user level keep it in RBX).  The registers are stored straight into the
 * context RSP0 points just past; the RCX, R11, RSP, CS, SS and vector slots are left as
 * they were (CS and SS always hold the user selectors; the UnknownSyscall fault reports
 * the stale RCX, R11 and RSP values).  FaultIP is the syscall instruction. */
#define U(off) ((off) - CTX_SIZE)(%rsp)
    .global syscall_entry
syscall_entry:
    mov x86_tss + TSS_RSP0(%rip), %rsp
    mov %r11, U(CTX_RFLAGS)
    mov %rcx, U(CTX_RIP)
    sub $2, %rcx
    mov %rcx, U(CTX_FAULT_IP)
    movq $-1, U(CTX_ERROR)              /* entered by syscall: leave by sysret */
    mov %rax, U(CTX_RAX)
    mov %rbx, U(CTX_RBX)
    mov %rdx, U(CTX_RDX)
    mov %rsi, U(CTX_RSI)
    mov %rdi, U(CTX_RDI)
    mov %rbp, U(CTX_RBP)
    mov %r8, U(CTX_R8)
    mov %r9, U(CTX_R9)
    mov %r10, U(CTX_R10)
    mov %r12, U(CTX_R12)
    mov %r13, U(CTX_R13)
    mov %r14, U(CTX_R14)
    mov %r15, U(CTX_R15)
    lea kernel_stack_top - 8(%rip), %rsp /* as if called: the C ABI's alignment */
    /* rdi = cptr, rsi = message info, rdx = syscall number: still as the user set them. */
#if PN_CONFIG_FASTPATH
    cmp $-1, %rdx
    je fastpath_call
    cmp $-2, %rdx
    je fastpath_reply_recv
#endif
    jmp c_handle_syscall
#undef U

/* Exception and interrupt stubs: each pushes a zero error code if the CPU did not,
 * then its vector number. */
.macro STUB vec, has_error
    .align 16
stub_\vec:
    .if \has_error == 0
    push $0
    .endif
    push $\vec
    jmp trap_common
.endm

.altmacro
.macro STUB_FOR vec
    .if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    STUB \vec, 1
    .else
    STUB \vec, 0
    .endif
.endm

.set i, 0
.rept 256
    STUB_FOR %i
    .set i, i + 1
.endr

trap_common:
    cld
    cmpq $2, (%rsp)
    je nmi                              /* NMI (on its own stack): nothing to do */
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cmpq $8, (CTX_VECTOR - CTX_R15)(%rsp)
    je 1f                               /* a double fault is always the kernel's */
    testb $3, (CTX_CS - CTX_R15)(%rsp)
    jz from_kernel
    lea kernel_stack_top(%rip), %rsp
    call c_handle_trap
    ud2
from_kernel:
    /* Only the idle loop runs with interrupts enabled; anything else is a kernel bug. */
    mov (CTX_VECTOR - CTX_R15)(%rsp), %rdi
    cmpb $0, x86_in_idle(%rip)
    je 1f
    cmp $32, %rdi
    jb 1f
    lea kernel_stack_top(%rip), %rsp
    call c_handle_idle_interrupt
    ud2
1:  lea -CTX_R15(%rsp), %rdi            /* a user_context-shaped view of the frame */
    call c_handle_kernel_fault
    ud2
nmi:
    add $16, %rsp                       /* vector, error */
    iretq

.macro STUB_ADDRESS vec
    .quad stub_\vec
.endm

    .section .rodata
    .align 8
    .global x86_trap_stubs
x86_trap_stubs:
.set i, 0
.rept 256
    STUB_ADDRESS %i
    .set i, i + 1
.endr

    .text
/* void x86_restore_user_context(struct user_context *ctx) -- does not return.
 * A context saved by SYSCALL (error == -1) leaves through SYSRET; any other one
 * through IRETQ, which restores every register. */
    .global x86_restore_user_context
x86_restore_user_context:
    cmpq $-1, CTX_ERROR(%rdi)
    jne iret_exit
    mov %rdi, %rdx
    mov CTX_RSI(%rdx), %rsi
    mov CTX_RDI(%rdx), %rdi
    /* fall through */
/* SYSRET to the context at rdx, with rdi and rsi already loaded. */
sysret_exit:
    mov CTX_RIP(%rdx), %rcx
    mov CTX_RFLAGS(%rdx), %r11
    mov CTX_RAX(%rdx), %rax
    mov CTX_RBX(%rdx), %rbx
    mov CTX_RBP(%rdx), %rbp
    mov CTX_R8(%rdx), %r8
    mov CTX_R9(%rdx), %r9
    mov CTX_R10(%rdx), %r10
    mov CTX_R12(%rdx), %r12
    mov CTX_R13(%rdx), %r13
    mov CTX_R14(%rdx), %r14
    mov CTX_R15(%rdx), %r15
    mov CTX_RDX(%rdx), %rdx
    xor %esp, %esp
    sysretq

/* void x86_fastpath_exit(word_t rdi, word_t rsi, struct user_context *ctx) -- does not
 * return.  x86_restore_user_context for the fastpath: rdi and rsi come in registers.
 * A context written by TCB_WriteRegisters (error != -1) still leaves through IRETQ. */
    .global x86_fastpath_exit
x86_fastpath_exit:
    cmpq $-1, CTX_ERROR(%rdx)
    je sysret_exit
    mov %rdi, CTX_RDI(%rdx)
    mov %rsi, CTX_RSI(%rdx)
    mov %rdx, %rdi
    /* fall through */
/* IRETQ to the context at rdi: every register from it. */
iret_exit:
    lea CTX_R15(%rdi), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                       /* vector, error */
    iretq

/* void x86_idle(void) -- waits for an interrupt on the kernel stack with interrupts
 * enabled; the interrupt enters through from_kernel above and never comes back here. */
    .global x86_idle
x86_idle:
    movb $1, x86_in_idle(%rip)
    lea kernel_stack_top(%rip), %rsp
1:  sti
    hlt
    jmp 1b
