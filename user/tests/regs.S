/*
 * regs_probe(number, rdi, rsi, out): issue one SYSCALL with known values in every general
 * register the kernel must preserve, and record all registers afterwards in out[], indexed
 * like seL4_UserContext (types.md §7).  The values loaded before the call are the
 * REGS_PROBE_* constants of boot_syscalls.c.
 */
    .text
    .globl regs_probe
    .type regs_probe, @function
regs_probe:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rcx                      /* out */
    movq %rdi, %rax
    movq %rsi, %rdi                 /* cptr / argument */
    movq %rdx, %rsi                 /* message info */
    movq %rax, %rdx                 /* syscall number */
    movabsq $0xa0a0a0a0a0a0a0a0, %rax
    movabsq $0xb0b0b0b0b0b0b0b0, %rbp
    movabsq $0x0808080808080808, %r8
    movabsq $0x0909090909090909, %r9
    movabsq $0x1010101010101010, %r10
    movabsq $0x1212121212121212, %r12
    movabsq $0x1313131313131313, %r13
    movabsq $0x1414141414141414, %r14
    movabsq $0x1515151515151515, %r15
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
    pushq %rax
    movq 8(%rsp), %rax              /* out */
    movq %rbx, 4 * 8(%rax)
    movq %rdx, 6 * 8(%rax)
    movq %rsi, 7 * 8(%rax)
    movq %rdi, 8 * 8(%rax)
    movq %rbp, 9 * 8(%rax)
    movq %r8, 10 * 8(%rax)
    movq %r9, 11 * 8(%rax)
    movq %r10, 12 * 8(%rax)
    movq %r12, 14 * 8(%rax)
    movq %r13, 15 * 8(%rax)
    movq %r14, 16 * 8(%rax)
    movq %r15, 17 * 8(%rax)
    popq %rcx
    movq %rcx, 3 * 8(%rax)          /* rax after the call */
    popq %rcx
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
    .size regs_probe, . - regs_probe

    .section .note.GNU-stack, "", @progbits
