/*
 * Instruction-exact probes for the fault and FPU tests (issue 4).  Each probe is a thread
 * entry point (started with TCB_WriteRegisters) or a C-callable function whose faulting
 * instruction carries a global label, so a fault handler can check the reported IP.
 *
 * Thread probes end in tt_probe_finish: they store every register in tt_probe_regs
 * (seL4_UserContext order; the rip slot is left alone), switch to the stack in
 * tt_probe_stack and call tt_probe_done() (C), which never returns.
 */
#define UC(i) (tt_probe_regs + 8 * i)(%rip)

    .text

/* Stores the registers as left by the kernel, then finishes on a real stack. */
    .globl tt_probe_finish
tt_probe_finish:
    movq %rsp, UC(1)
    movq %rax, UC(3)
    movq %rbx, UC(4)
    movq %rcx, UC(5)
    movq %rdx, UC(6)
    movq %rsi, UC(7)
    movq %rdi, UC(8)
    movq %rbp, UC(9)
    movq %r8, UC(10)
    movq %r9, UC(11)
    movq %r10, UC(12)
    movq %r11, UC(13)
    movq %r12, UC(14)
    movq %r13, UC(15)
    movq %r14, UC(16)
    movq %r15, UC(17)
    movq tt_probe_stack(%rip), %rsp
    pushfq
    popq UC(2)
    andq $-16, %rsp
    call tt_probe_done
    ud2

/* Every register but rcx, r11 and rsp set to the USP_* constants (tfault.c), then an
 * unknown syscall (rdx = USP_NUMBER). */
    .globl tt_usp_entry, tt_usp_insn
tt_usp_entry:
    movabsq $0x1111111111111111, %rax
    movabsq $0x2222222222222222, %rbx
    movabsq $0x0000000000004242, %rdx
    movabsq $0x4444444444444444, %rsi
    movabsq $0x5555555555555555, %rdi
    movabsq $0x6666666666666666, %rbp
    movabsq $0x0808080808080808, %r8
    movabsq $0x0909090909090909, %r9
    movabsq $0x1010101010101010, %r10
    movabsq $0x1212121212121212, %r12
    movabsq $0x1313131313131313, %r13
    movabsq $0x1414141414141414, %r14
    movabsq $0x1515151515151515, %r15
tt_usp_insn:
    syscall
    jmp tt_probe_finish

/* int 200 with a known rax: an UnknownSyscall fault numbered (200 << 24) | (rax & 0xffffff). */
    .globl tt_int_entry, tt_int_insn
tt_int_entry:
    movabsq $0x1122334455667788, %rax
tt_int_insn:
    int $200
    jmp tt_probe_finish

/* int 255 is ignored (returns to the next instruction). */
    .globl tt_int255_entry
tt_int255_entry:
    movabsq $0x7777777777777777, %rax
    int $255
    jmp tt_probe_finish

/* int 0x80 (no user gate): #GP with error code 0x80 * 8 + 2. */
    .globl tt_gp_entry, tt_gp_insn
tt_gp_entry:
tt_gp_insn:
    int $0x80
    jmp tt_probe_finish

    .globl tt_ud2_entry, tt_ud2_insn
tt_ud2_entry:
    movabsq $0x3333333333333333, %rax
tt_ud2_insn:
    ud2
    jmp tt_probe_finish

/* divide by zero: vector 0 */
    .globl tt_div_entry, tt_div_insn
tt_div_entry:
    xorl %ecx, %ecx
    xorl %edx, %edx
    movl $1, %eax
tt_div_insn:
    divq %rcx
    jmp tt_probe_finish

/* hlt in user mode: #GP(0) */
    .globl tt_hlt_entry, tt_hlt_insn
tt_hlt_entry:
tt_hlt_insn:
    hlt
    jmp tt_probe_finish

/*
 * FPU probe (rdi = value, rsi = notification cptr): xmm1 := value while the FPU is
 * enabled, Wait on the notification, then read xmm1 back into rax (the instruction at
 * tt_fpu_nm_insn raises #NM if the FPU was disabled meanwhile).
 */
    .globl tt_fpu_entry, tt_fpu_nm_insn
tt_fpu_entry:
    movq %rdi, %xmm1
    movq %rsi, %rdi
    movq $-9, %rdx          /* Wait */
    xorl %esi, %esi
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
tt_fpu_nm_insn:
    movq %xmm1, %rax
    jmp tt_probe_finish

/*
 * FPU ping-pong (rdi = value, rsi = rounds, rdx = address of the result word): set xmm0,
 * xmm7 and xmm15 to `value` (and its complement / negation), then `rounds` times: Yield
 * and check the three registers.  Result word: 1 = every check passed, 2 = a register
 * changed.  C-callable (returns normally).
 */
    .globl tt_fpu_pingpong
tt_fpu_pingpong:
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    movq %rdi, %r12
    movq %rsi, %r13
    movq %rdx, %r14
    movq %r12, %xmm0
    movq %r12, %rax
    notq %rax
    movq %rax, %xmm7
    movq %r12, %rax
    negq %rax
    movq %rax, %xmm15
1:  movq $-11, %rdx         /* Yield */
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
    movq %xmm0, %rax
    cmpq %r12, %rax
    jne 2f
    movq %xmm7, %rax
    notq %rax
    cmpq %r12, %rax
    jne 2f
    movq %xmm15, %rax
    negq %rax
    cmpq %r12, %rax
    jne 2f
    decq %r13
    jnz 1b
    movq $1, (%r14)
    jmp 3f
2:  movq $2, (%r14)
3:  popq %r14
    popq %r13
    popq %r12
    popq %rbx
    ret

/*
 * pn_word_t tt_probe_syscall(long number, pn_cptr_t cap, pn_word_t info, pn_cptr_t r12):
 * one syscall whose instruction is at tt_probe_syscall_insn (MR registers 0); returns rdi.
 */
    .globl tt_probe_syscall, tt_probe_syscall_insn
tt_probe_syscall:
    pushq %rbx
    pushq %r12
    pushq %r15
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rax, %rdx
    movq %rcx, %r12
    xorl %r10d, %r10d
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r15d, %r15d
    movq %rsp, %rbx
tt_probe_syscall_insn:
    syscall
    movq %rbx, %rsp
    movq %rdi, %rax
    popq %r15
    popq %r12
    popq %rbx
    ret

    .section .note.GNU-stack, "", @progbits
