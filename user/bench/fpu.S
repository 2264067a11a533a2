/* bench_touch_fpu: one SSE instruction.  A thread's first one traps once and makes it an
 * FPU user (its FPU state is live from then on); the benchmarks "with the FPU in use"
 * call this before their loops. */
    .text
    .globl bench_touch_fpu
    .type bench_touch_fpu, @function
bench_touch_fpu:
    pxor %xmm0, %xmm0
    ret
    .size bench_touch_fpu, . - bench_touch_fpu
    .section .note.GNU-stack, "", @progbits
