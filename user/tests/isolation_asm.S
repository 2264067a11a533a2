/*
 * Probes for the isolation tests (isolation_caps.c): `int N` for every N, and one SYSCALL
 * with every register role taken from memory.
 */
    .text

/* iso_int_table + 16*N: eax = 0x123456; int $N; ret.  The int instruction is at +5. */
    .globl iso_int_table
    .balign 16
iso_int_table:
    .set n, 0
    .rept 256
    .balign 16
    movl $0x123456, %eax
    int $n
    ret
    .set n, n + 1
    .endr

/* iso_syscall(struct iso_regs *r): rdx, rdi, rsi, r10, r8, r9, r15, r12, r13 from r[0..8];
 * rdi, rsi, r10, r8, r9, r15 stored back after the SYSCALL. */
    .globl iso_syscall, iso_syscall_insn
    .type iso_syscall, @function
iso_syscall:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rdi, %r14
    movq 0(%r14), %rdx
    movq 8(%r14), %rdi
    movq 16(%r14), %rsi
    movq 24(%r14), %r10
    movq 32(%r14), %r8
    movq 40(%r14), %r9
    movq 48(%r14), %r15
    movq 56(%r14), %r12
    movq 64(%r14), %r13
    movq %rsp, %rbx
iso_syscall_insn:
    syscall
    movq %rbx, %rsp
    movq %rdi, 8(%r14)
    movq %rsi, 16(%r14)
    movq %r10, 24(%r14)
    movq %r8, 32(%r14)
    movq %r9, 40(%r14)
    movq %r15, 48(%r14)
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret
    .section .note.GNU-stack, "", @progbits
