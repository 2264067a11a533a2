/*
 * mmap-probe: a 32-bit multiboot (v1) kernel that prints the memory map QEMU's
 * multiboot loader hands over, one entry per line on COM1, then ends QEMU through
 * the isa-debug-exit device (port 0xf4).  It exists to derive the memory-map
 * fixture of the test suite (user/tests/qemu_mmap_fixture.h) independently of
 * the Pecan kernel.  Output format:
 *     MMAP-BEGIN flags=XXXXXXXX
 *     E base=XXXXXXXXXXXXXXXX len=XXXXXXXXXXXXXXXX type=XXXXXXXX size=XXXXXXXX
 *     MMAP-END bytes=XXXXXXXX
 * (all numbers hexadecimal; "bytes" is the multiboot mmap_length).
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003 /* page-align modules, want memory info */
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .code32
    .globl _start
_start:
    mov $stack_top, %esp
    mov %ebx, %ebp              /* multiboot info */
    cmp $0x2badb002, %eax
    jne fail

    mov $s_begin, %esi
    call puts
    mov (%ebp), %eax            /* flags */
    call puthex32
    call newline

    testl $0x40, (%ebp)         /* bit 6: mmap_* valid */
    jz fail
    mov 48(%ebp), %edi          /* mmap_addr */
    mov 44(%ebp), %ecx          /* mmap_length */
    lea (%edi,%ecx), %ebx       /* end of map */
1:  cmp %ebx, %edi
    jae 2f
    mov $s_base, %esi
    call puts
    mov 8(%edi), %eax           /* base high */
    call puthex32
    mov 4(%edi), %eax           /* base low */
    call puthex32
    mov $s_len, %esi
    call puts
    mov 16(%edi), %eax
    call puthex32
    mov 12(%edi), %eax
    call puthex32
    mov $s_type, %esi
    call puts
    mov 20(%edi), %eax
    call puthex32
    mov $s_size, %esi
    call puts
    mov (%edi), %eax
    call puthex32
    call newline
    mov (%edi), %eax
    lea 4(%edi,%eax), %edi      /* next entry: size field excludes itself */
    jmp 1b
2:  mov $s_end, %esi
    call puts
    mov 44(%ebp), %eax
    call puthex32
    call newline
    mov $0, %al                 /* QEMU exit status (0 << 1) | 1 = 1 */
    out %al, $DEBUG_EXIT
    jmp halt
fail:
    mov $s_fail, %esi
    call puts
    mov $1, %al                 /* exit status 3 */
    out %al, $DEBUG_EXIT
halt:
    cli
    hlt
    jmp halt

/* putc: %al -> COM1 (waits for the transmit holding register to empty) */
putc:
    push %edx
    push %eax
    mov $COM1 + 5, %dx
3:  in %dx, %al
    test $0x20, %al
    jz 3b
    pop %eax
    mov $COM1, %dx
    out %al, %dx
    pop %edx
    ret

/* puts: NUL-terminated string at %esi */
puts:
    push %eax
4:  lodsb
    test %al, %al
    jz 5f
    call putc
    jmp 4b
5:  pop %eax
    ret

newline:
    push %eax
    mov $'\n', %al
    call putc
    pop %eax
    ret

/* puthex32: %eax as 8 hex digits */
puthex32:
    push %ecx
    push %edx
    mov %eax, %edx
    mov $8, %ecx
6:  rol $4, %edx
    mov %edx, %eax
    and $0xf, %eax
    mov hexdigits(%eax), %al
    call putc
    loop 6b
    pop %edx
    pop %ecx
    ret

    .section .rodata
hexdigits: .ascii "0123456789abcdef"
s_begin: .asciz "MMAP-BEGIN flags="
s_base:  .asciz "E base="
s_len:   .asciz " len="
s_type:  .asciz " type="
s_size:  .asciz " size="
s_end:   .asciz "MMAP-END bytes="
s_fail:  .asciz "MMAP-PROBE FAILED (no multiboot mmap)\n"

    .bss
    .align 16
    .space 4096
stack_top:
