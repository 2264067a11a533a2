/* pn_setjmp / pn_longjmp: save and restore the SysV callee-saved state. */
    .text
    .globl pn_setjmp
    .type pn_setjmp, @function
pn_setjmp:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rax          /* caller's rsp after our return */
    movq %rax, 48(%rdi)
    movq (%rsp), %rax           /* return address */
    movq %rax, 56(%rdi)
    xorl %eax, %eax
    ret
    .size pn_setjmp, . - pn_setjmp

    .globl pn_longjmp
    .type pn_longjmp, @function
pn_longjmp:
    movl %esi, %eax
    testl %eax, %eax
    jnz 1f
    movl $1, %eax               /* setjmp must not appear to return 0 */
1:  movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 16(%rdi), %r12
    movq 24(%rdi), %r13
    movq 32(%rdi), %r14
    movq 40(%rdi), %r15
    movq 48(%rdi), %rsp
    jmpq *56(%rdi)
    .size pn_longjmp, . - pn_longjmp

    .section .note.GNU-stack, "", @progbits
