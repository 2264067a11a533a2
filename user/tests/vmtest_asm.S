/*
 * The prober's memory accesses (vmtest.h): one load / store each at a global label, so a
 * VMFault's IP can be compared with the exact instruction address.
 *   pn_word_t vt_read64(pn_word_t addr);   void vt_write64(pn_word_t addr, pn_word_t val);
 */
    .text
    .globl vt_read64, vt_read64_insn
    .type vt_read64, @function
vt_read64:
vt_read64_insn:
    movq (%rdi), %rax
    ret
    .size vt_read64, . - vt_read64

    .globl vt_write64, vt_write64_insn
    .type vt_write64, @function
vt_write64:
vt_write64_insn:
    movq %rsi, (%rdi)
    ret
    .size vt_write64, . - vt_write64

    .section .note.GNU-stack, "", @progbits
