/*
 * Multiboot entry.  The loader leaves us in 32-bit protected mode with paging off,
 * EAX = multiboot magic, EBX = physical address of the multiboot information.  We clear
 * .bss, build the boot page tables (the kernel image window, plus an identity map of the
 * first GiB that lives only until boot_main has switched to high addresses), enter long
 * mode and call boot_main(mbi_paddr) on the kernel stack.
 */
#include "asm.h"

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x3 /* page-align modules, provide memory information */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

#define PHYS(sym) ((sym) - KERNEL_VMA)

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    cld
    mov $PHYS(boot_stack_top), %esp
    cmp $0x2badb002, %eax
    jne 1f
    mov %ebx, %ebp

    /* Long mode is required. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb 2f
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz 2f
    mov %edx, %esi                      /* remember NX support (bit 20) */

    /* Clear .bss. */
    mov $PHYS(_bss_start), %edi
    mov $PHYS(_bss_end), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    /* kernel_image_pd: 512 x 2 MiB pages covering physical [0, 1 GiB). */
    mov $PHYS(kernel_image_pd), %edi
    mov $0x83, %eax                     /* present | writable | 2 MiB page */
    xor %ecx, %ecx
3:  mov %eax, (%edi, %ecx, 8)
    add $0x200000, %eax
    inc %ecx
    cmp $512, %ecx
    jne 3b

    /* PML4[0] -> identity PDPT -> image PD;  PML4[511] -> kernel PDPT, [510] -> image PD. */
    mov $PHYS(kernel_image_pd) + 3, %eax
    mov %eax, PHYS(boot_identity_pdpt)
    mov %eax, PHYS(kernel_pdpt) + 510 * 8
    mov $PHYS(boot_identity_pdpt) + 3, %eax
    mov %eax, PHYS(kernel_pml4)
    mov $PHYS(kernel_pdpt) + 3, %eax
    mov %eax, PHYS(kernel_pml4) + 511 * 8

    mov %cr4, %eax
    or $(1 << 5), %eax                  /* PAE */
    mov %eax, %cr4
    mov $PHYS(kernel_pml4), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx               /* EFER */
    rdmsr
    or $((1 << 8) | (1 << 0)), %eax     /* LME, SCE */
    test $(1 << 20), %esi
    jz 4f
    or $(1 << 11), %eax                 /* NXE */
4:  wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax /* PG, WP, PE */
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_low

    /* Not booted by multiboot, or no long mode: say so on COM1 and stop. */
1:  mov $msg_no_multiboot, %esi
    jmp 5f
2:  mov $msg_no_long_mode, %esi
5:  mov $0x3f8, %dx
6:  lodsb
    test %al, %al
    jz 7f
    outb %al, %dx
    jmp 6b
7:  mov $0xf4, %dx
    mov $0x7f, %al
    outb %al, %dx
8:  hlt
    jmp 8b

    .code64
long_mode_low:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $kernel_stack_top, %rsp
    mov %ebp, %edi
    movabs $boot_main, %rax
    call *%rax
9:  hlt
    jmp 9b

    .section .boot.data, "aw"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff            /* 0x10: kernel data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
msg_no_multiboot:
    .asciz "pecan: panic: not started by a multiboot loader\r\n"
msg_no_long_mode:
    .asciz "pecan: panic: this CPU cannot run 64-bit code\r\n"
    .align 16
    .space 256
boot_stack_top:

    .bss
    .align 4096
    .global kernel_pml4, kernel_pdpt, kernel_image_pd, boot_identity_pdpt
kernel_pml4:        .space 4096
kernel_pdpt:        .space 4096
kernel_image_pd:    .space 4096
boot_identity_pdpt: .space 4096
    .align 16
    .global kernel_stack_top
kernel_stack:       .space 16384
kernel_stack_top:
