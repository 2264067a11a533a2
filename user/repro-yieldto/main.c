/*
 * Reproduction of a kernel bug found by the fuzzer (user/fuzz, seed 1): SchedContext_YieldTo
 * on the scheduling context of a thread that is runnable but waiting in the release queue
 * (its budget used up) puts that thread into the release queue a second time.  The queue
 * then links the thread to itself; when its refill comes due the kernel loops for ever in
 * awaken() (thread.c), and the checking build stops with "invariant 2 (release queue)".
 *
 * Not part of `make all` or `make test`: build and run it by hand,
 *   make build/user/repro-yieldto.elf
 *   tools/run-qemu --icount --no-results --timeout 20 build/pecan.elf build/user/repro-yieldto.elf
 * A fixed kernel prints "repro-yieldto: survived" and halts; the bug hangs it (timeout), or
 * the checking kernel (build/pecan-check.elf) panics.
 *
 * Expected by the ABI (invocations.md §3.6, SchedContext_YieldTo): the SC's thread is not
 * schedulable (no ready refill), so the call returns at once with MR0 = consumed µs.
 */
#include <pecan/pecan.h>
#include <pecan/objects.h>

static pn_ipc_buffer_t spin_ipc __attribute__((aligned(4096)));
static char spin_stack[4096] __attribute__((aligned(16)));
static volatile unsigned long spins;

static void spin(void)
{
    for (;;)
        spins++;
}

static pn_cptr_t slot = 0;
static pn_cptr_t new_obj(pn_cptr_t ut, pn_word_t type, pn_word_t bits)
{
    pn_cptr_t s = slot++;
    if (pn_untyped_retype(ut, type, bits, PN_CAP_SLOT_INIT_CNODE, 0, 0, s, 1))
        pn_printf("repro-yieldto: retype failed\n");
    return s;
}

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_cptr_t ut = 0;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++)
        if (!bi->untyped_list[k].is_device && bi->untyped_list[k].size_bits >= 20) {
            ut = bi->untyped.start + k;
            break;
        }
    slot = bi->empty.start;
    pn_cptr_t tcb = new_obj(ut, PN_OBJ_TCB, 0), sc = new_obj(ut, PN_OBJ_SCHED_CONTEXT, 8);
    pn_word_t frame = bi->user_image_frames.start +
                      (((pn_word_t)&spin_ipc - (pn_word_t)__pn_image_start) >> PN_PAGE_BITS);
    /* 1 ms of budget every 50 ms: not round robin, so an exhausted thread is released later */
    pn_word_t e = pn_sched_control_configure_flags(bi->sched_control.start, sc, 1000, 50000, 0,
                                                   0, 0);
    e |= pn_tcb_configure(tcb, PN_CAP_SLOT_INIT_CNODE, 0, PN_CAP_SLOT_INIT_VSPACE, 0,
                          (pn_word_t)&spin_ipc, frame);
    e |= pn_tcb_set_sched_params(tcb, PN_CAP_SLOT_INIT_TCB, 100, 100, sc, 0);
    pn_word_t regs[3] = {(pn_word_t)spin, (pn_word_t)&spin_stack[sizeof spin_stack] - 8, 0x202};
    e |= pn_tcb_write_registers(tcb, 1, 3, regs);
    /* the root task (priority 255) gives the spinner the CPU: a 10 ms notification wait is
     * not available, so the root drops its own priority below the spinner's and back */
    e |= pn_tcb_set_priority(PN_CAP_SLOT_INIT_TCB, PN_CAP_SLOT_INIT_TCB, 50);
    /* here the spinner runs for its 1 ms budget, then waits in the release queue; the
     * root (priority 50) runs again */
    pn_printf("repro-yieldto: spinner ran %s; YieldTo on its SC\n", spins ? "yes" : "no");
    pn_word_t consumed = 0;
    pn_word_t err = pn_sched_context_yield_to(sc, &consumed);
    pn_printf("repro-yieldto: YieldTo returned error %lu, consumed %lu us\n", err, consumed);
    /* wait past the spinner's next refill: the kernel then releases it */
    unsigned long before = spins;
    for (int i = 0; i < 200; i++)
        pn_yield();
    pn_word_t t0;
    __asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t0)::"rdx");
    for (;;) {
        pn_word_t t1;
        __asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t1)::"rdx");
        if (t1 - t0 > 200000000ul) /* 200 ms of TSC (1 GHz under icount) */
            break;
    }
    pn_tcb_suspend(tcb);
    pn_printf("repro-yieldto: survived (errors %lu, the spinner ran again: %s)\n", e,
              spins != before ? "yes" : "no");
    return 0;
}
