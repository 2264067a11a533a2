/*
 * The asm threads of the FPU-across-IPC tests (fpu_ipc.h describes what they do).  Only
 * the instructions marked FPU touch the FPU; everything else is general registers, so a
 * thread's FPU state is exactly what the script makes it.  Registers kept: r14 = block,
 * r13 = 1 while the thread holds its own values (checked), rbp = round / receive count,
 * rbx = rsp across SYSCALL (the kernel returns with rsp = 0).
 */
#include "fpu_ipc.h"

    .text

/*
 * fi_check: eax = 0 if the FPU state equals `want` in bytes [0, 28) and [32, 416) of the
 * FXSAVE image (everything but MXCSR_MASK and the unused tail); else 1.  The scratch
 * image starts as a copy of `want`, so bytes FXSAVE does not write compare equal.
 * Clobbers rax, rcx, rsi, rdi.
 */
    .globl fi_fxsave_insn
fi_check:
    leaq FI_WANT(%r14), %rsi
    leaq FI_CHK(%r14), %rdi
    movl $FI_IMAGE / 8, %ecx
    rep movsq
fi_fxsave_insn:                          /* FPU: the first one a check executes */
    fxsave64 FI_CHK(%r14)
    leaq FI_WANT(%r14), %rsi
    leaq FI_CHK(%r14), %rdi
    movl $28, %ecx
    repe cmpsb
    jne 1f
    leaq FI_WANT + 32(%r14), %rsi
    leaq FI_CHK + 32(%r14), %rdi
    movl $416 - 32, %ecx
    repe cmpsb
    jne 1f
    xorl %eax, %eax
    ret
1:  movl $1, %eax
    ret

/* fi_bad (rdx = number of the failed check): the first failure is kept. */
fi_bad:
    cmpq $0, FI_BAD(%r14)
    jne 1f
    movq %rdx, FI_BAD(%r14)
    leaq FI_CHK(%r14), %rsi
    leaq FI_BADIMG(%r14), %rdi
    movl $FI_IMAGE / 8, %ecx
    rep movsq
1:  ret

    .globl fi_client
fi_client:
    movq %rdi, %r14
    xorl %r13d, %r13d
    xorl %ebp, %ebp
    testq $FI_F_FPU, FI_FLAGS(%r14)
    jz 1f
    fxrstor64 FI_WANT(%r14)              /* FPU */
    movl $1, %r13d
1:  cmpq FI_ROUNDS(%r14), %rbp
    jae 9f
    movq FI_SCRIPT(%r14, %rbp, 8), %rax
    btq $FI_C_PEEK_BIT, %rax
    jnc 2f
    fxsave64 FI_GOT(%r14)                /* FPU */
2:  btq $FI_C_LOAD_BIT, %rax
    jnc 3f
    fxrstor64 FI_WANT(%r14)              /* FPU */
    movl $1, %r13d
3:  movl %eax, %esi                      /* label */
    shlq $12, %rsi
    orq $1, %rsi                         /* length 1 */
    movq %rbp, %r10                      /* MR0 = round */
    movq FI_EP(%r14), %rdi
    movq $-1, %rdx                       /* Call */
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
    movq %rsi, FI_INFO(%r14, %rbp, 8)
    movq %r10, FI_MR0(%r14, %rbp, 8)
    testq $FI_F_TLS, FI_FLAGS(%r14)
    jz 4f
    movq FI_FS_OFFSET(%r14), %rax
    movq %fs:(%rax), %rax
    movq %rax, FI_FS(%r14, %rbp, 8)
4:  movq FI_SCRIPT(%r14, %rbp, 8), %rax
    btq $FI_C_YIELD_BIT, %rax
    jnc 5f
    movq $-11, %rdx                      /* Yield */
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
5:  testl %r13d, %r13d
    jz 6f
    call fi_check
    testl %eax, %eax
    jz 6f
    leaq 1(%rbp), %rdx
    call fi_bad
6:  incq %rbp
    movq %rbp, FI_DONE(%r14)
    jmp 1b
9:  movq FI_SELF(%r14), %rdi
    movq FI_SUSPEND_INFO(%r14), %rsi
    movq $-1, %rdx                       /* Call: TCB_Suspend on itself */
    movq %rsp, %rbx
    syscall
    ud2

    .globl fi_server
fi_server:
    movq %rdi, %r14
    xorl %r13d, %r13d
    xorl %ebp, %ebp
    testq $FI_F_FPU, FI_FLAGS(%r14)
    jz 1f
    fxrstor64 FI_WANT(%r14)              /* FPU */
    movl $1, %r13d
1:  movq FI_EP(%r14), %rdi
    movq FI_REPLY(%r14), %r12
    xorl %esi, %esi
    movq $-7, %rdx                       /* Recv */
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
2:  cmpq $FI_MAX_ROUNDS, %rbp
    jae 3f
    movq %rsi, FI_INFO(%r14, %rbp, 8)
    movq %r10, FI_MR0(%r14, %rbp, 8)
3:  incq %rbp
    movq %rbp, FI_DONE(%r14)
    movq %rsi, %r15                      /* the checks clobber rsi */
    testl %r13d, %r13d
    jz 4f
    call fi_check
    testl %eax, %eax
    jz 4f
    movq %rbp, %rdx
    call fi_bad
4:  movq %r15, %rax
    shrq $12, %rax                       /* label */
    cmpq $FI_L_PEEK, %rax
    jne 5f
    fxsave64 FI_GOT(%r14)                /* FPU */
    jmp 7f
5:  cmpq $FI_L_LOAD, %rax
    jne 6f
    fxrstor64 FI_WANT(%r14)              /* FPU */
    movl $1, %r13d
    jmp 7f
6:  cmpq $FI_L_TLS, %rax
    jne 7f
    movq %fs:0, %r10
    jmp 8f
7:  incq %r10
8:  movq %rax, %rsi
    shlq $12, %rsi
    orq $1, %rsi
    movq FI_EP(%r14), %rdi
    movq FI_REPLY(%r14), %r12
    movq $-2, %rdx                       /* ReplyRecv */
    movq %rsp, %rbx
    syscall
    movq %rbx, %rsp
    jmp 2b

    .section .note.GNU-stack, "", @progbits
