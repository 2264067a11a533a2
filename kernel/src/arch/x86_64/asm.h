/* Constants shared by the assembly files (and checked against C in machine.c). */
#ifndef PECAN_ARCH_ASM_H
#define PECAN_ARCH_ASM_H

#define KERNEL_VMA 0xffffffff80000000
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23 /* GDT slot 4, RPL 3 */
#define SEL_UCODE 0x2b /* GDT slot 5, RPL 3 */
#define SEL_TSS 0x30

/* struct user_context (arch/x86_64 context.h): byte offsets. */
#define CTX_FS_BASE 0
#define CTX_GS_BASE 8
#define CTX_FAULT_IP 16
#define CTX_R15 32 /* after fs_base, gs_base, fault_ip and one pad word */
#define CTX_VECTOR (CTX_R15 + 15 * 8)
#define CTX_ERROR (CTX_VECTOR + 8)
#define CTX_RIP (CTX_ERROR + 8)
#define CTX_RFLAGS (CTX_RIP + 16)
#define CTX_RSP (CTX_RIP + 24)
#define CTX_SS (CTX_RIP + 32)
#define CTX_SIZE (CTX_RIP + 40) /* a multiple of 16: the CPU aligns RSP0 */

/* GPR offsets: pushed rax first, so r15 is lowest. */
#define CTX_R14 (CTX_R15 + 8)
#define CTX_R13 (CTX_R15 + 16)
#define CTX_R12 (CTX_R15 + 24)
#define CTX_R11 (CTX_R15 + 32)
#define CTX_R10 (CTX_R15 + 40)
#define CTX_R9 (CTX_R15 + 48)
#define CTX_R8 (CTX_R15 + 56)
#define CTX_RBP (CTX_R15 + 64)
#define CTX_RDI (CTX_R15 + 72)
#define CTX_RSI (CTX_R15 + 80)
#define CTX_RDX (CTX_R15 + 88)
#define CTX_RCX (CTX_R15 + 96)
#define CTX_RBX (CTX_R15 + 104)
#define CTX_RAX (CTX_R15 + 112)
#define CTX_CS (CTX_RIP + 8)

#define TSS_RSP0 4

#endif
