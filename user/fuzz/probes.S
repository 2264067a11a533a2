/*
 * Instructions a fuzz thread executes on purpose (FZ_K_INSN): each probe is a function
 * that runs one instruction that faults (or, for a few, does not) and returns.  After a
 * fault the supervisor restarts the thread at its entry, so nothing after the instruction
 * needs to work.
 */
    .text

/* fz_int_table + 8*N: `int $N; ret` */
    .globl fz_int_table
    .balign 8
fz_int_table:
    .set n, 0
    .rept 256
    .balign 8
    int $n
    ret
    .set n, n + 1
    .endr

#define PROBE(name) .globl name; .type name, @function; .balign 16; name:

PROBE(fz_probe_ud2)
    ud2
    ret
PROBE(fz_probe_hlt)
    hlt
    ret
PROBE(fz_probe_cli)
    cli
    ret
PROBE(fz_probe_in)
    movl $0x80, %edx
    inb %dx, %al
    ret
PROBE(fz_probe_out)
    movl $0xf4, %edx
    xorl %eax, %eax
    outb %al, %dx
    ret
PROBE(fz_probe_rdmsr)
    movl $0x10, %ecx
    rdmsr
    ret
PROBE(fz_probe_movcr3)
    movq %cr3, %rax
    ret
PROBE(fz_probe_div0)
    xorl %ecx, %ecx
    movl $1, %eax
    xorl %edx, %edx
    divl %ecx
    ret
PROBE(fz_probe_load0)
    movq 0, %rax
    ret
PROBE(fz_probe_store_code)
    leaq fz_probe_store_code(%rip), %rax
    movq $0, (%rax)
    ret
PROBE(fz_probe_jump0)
    xorl %eax, %eax
    jmp *%rax
PROBE(fz_probe_noncanon)
    movabsq $0x8000000000000000, %rax
    movq (%rax), %rax
    ret
PROBE(fz_probe_kernel_read)
    movabsq $0xffffffff80100000, %rax
    movq (%rax), %rax
    ret
PROBE(fz_probe_kernel_jump)
    movabsq $0xffffffff80100000, %rax
    jmp *%rax
PROBE(fz_probe_int3)
    int3
    ret
PROBE(fz_probe_icebp)
    .byte 0xf1
    ret
PROBE(fz_probe_trap_flag)
    pushfq
    orq $0x100, (%rsp)
    popfq
    nop
    ret
PROBE(fz_probe_stack_noncanon)
    pushq %rbx
    movq %rsp, %rbx
    movabsq $0x8000000000001000, %rsp
    pushq %rax
    movq %rbx, %rsp
    popq %rbx
    ret
PROBE(fz_probe_std_ud2)
    std
    ud2
    cld
    ret
PROBE(fz_probe_sysenter)
    sysenter
    ret
PROBE(fz_probe_lgdt)
    subq $16, %rsp
    lgdt (%rsp)
    addq $16, %rsp
    ret
PROBE(fz_probe_swapgs)
    swapgs
    ret
PROBE(fz_probe_gp_selector)
    movl $0x10, %eax
    movl %eax, %ds
    ret
PROBE(fz_probe_wbinvd)
    wbinvd
    ret
PROBE(fz_probe_invlpg)
    invlpg (%rsp)
    ret
PROBE(fz_probe_ss)
    movl $0x8, %eax
    movl %eax, %ss
    ret
PROBE(fz_probe_ac)
    pushfq
    orq $0x40000, (%rsp)
    popfq
    movq %rsp, %rax
    movq 1(%rax), %rax
    pushfq
    andq $~0x40000, (%rsp)
    popfq
    ret

/* fz_do_syscall(struct fz_regs *r, flags): one SYSCALL with every register role taken
 * from *r (rdx, rdi, rsi, r10, r8, r9, r15, r12, r13 at offsets 0..64); rdi, rsi and the
 * four MR registers are stored back.  flags bit 0: the direction flag is set across the
 * SYSCALL; bit 1: the alignment-check flag (AC) is. */
PROBE(fz_do_syscall)
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rdi, %r14          /* r14: the struct (the kernel preserves it) */
    movq %rsi, %rbp          /* rbp: flags */
    testq $2, %rbp
    jz 1f
    pushfq
    orq $0x40000, (%rsp)
    popfq
1:  movq 0(%r14), %rdx
    movq 8(%r14), %rdi
    movq 16(%r14), %rsi
    movq 24(%r14), %r10
    movq 32(%r14), %r8
    movq 40(%r14), %r9
    movq 48(%r14), %r15
    movq 56(%r14), %r12
    movq 64(%r14), %r13
    testq $1, %rbp
    jz 2f
    std
2:  movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
    cld
    pushfq
    andq $~0x40000, (%rsp)
    popfq
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
