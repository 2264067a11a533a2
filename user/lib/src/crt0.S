/*
 * Root-task entry (types.md §8.4): the kernel starts us with rsp = 0, rdi = bootinfo
 * address, every other GPR 0 and RFLAGS = 0x202.  Record those registers for the tests
 * (before anything changes them), switch to a static stack and enter the C runtime.
 */
#define STACK_SIZE (64 * 1024)

    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    /* seL4_UserContext order (types.md §7); mov does not touch the flags */
    movq %rsp, pn_start_regs + 1 * 8(%rip)
    movq %rax, pn_start_regs + 3 * 8(%rip)
    movq %rbx, pn_start_regs + 4 * 8(%rip)
    movq %rcx, pn_start_regs + 5 * 8(%rip)
    movq %rdx, pn_start_regs + 6 * 8(%rip)
    movq %rsi, pn_start_regs + 7 * 8(%rip)
    movq %rdi, pn_start_regs + 8 * 8(%rip)
    movq %rbp, pn_start_regs + 9 * 8(%rip)
    movq %r8, pn_start_regs + 10 * 8(%rip)
    movq %r9, pn_start_regs + 11 * 8(%rip)
    movq %r10, pn_start_regs + 12 * 8(%rip)
    movq %r11, pn_start_regs + 13 * 8(%rip)
    movq %r12, pn_start_regs + 14 * 8(%rip)
    movq %r13, pn_start_regs + 15 * 8(%rip)
    movq %r14, pn_start_regs + 16 * 8(%rip)
    movq %r15, pn_start_regs + 17 * 8(%rip)
    leaq _start(%rip), %rax
    movq %rax, pn_start_regs + 0 * 8(%rip)

    leaq pn_stack_top(%rip), %rsp
    pushfq
    popq pn_start_regs + 2 * 8(%rip)
    xorl %ebp, %ebp
    /* rdi still holds the bootinfo pointer; rsp is 16-byte aligned before the call */
    call pn_runtime_start
    ud2
    .size _start, . - _start

    .bss
    .balign 16
pn_stack:
    .space STACK_SIZE
pn_stack_top:

    .section .note.GNU-stack, "", @progbits
