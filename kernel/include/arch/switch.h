/* Leaving the kernel into a thread, inline for the fastpath: load its address space,
 * TLS bases and FPU state only where they differ from what the CPU holds. */
#ifndef PECAN_ARCH_SWITCH_H
#define PECAN_ARCH_SWITCH_H

#include "arch/machine.h"
#include "arch/x86.h"
#include "invariants.h"
#include "measure.h"
#include "object.h"

struct PACKED tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
extern struct tss x86_tss;

extern paddr_t x86_loaded_root;
extern word_t loaded_fs_base, loaded_gs_base;
extern struct tcb *fpu_owner;
extern bool fpu_trapping;

/* Switch keys (machine.c): x86_loaded_key is the key of the FS/GS bases and FPU state
 * the CPU holds; a thread whose switch_key equals it needs none of them changed. */
#define X86_KEY_NONE ((word_t)1) /* no thread's key: the state must be checked */
extern word_t x86_loaded_key;
/* Loads t's FS/GS bases and FPU state where they differ from the CPU's. */
void x86_switch_state(struct tcb *t);
NORETURN void x86_restore_user_context(struct user_context *ctx);
/* The fastpath's exit: t's context with rdi and rsi given (not yet stored in it). */
NORETURN void x86_fastpath_exit(word_t rdi, word_t rsi, struct user_context *ctx);

/* x86_fastpath_exit by a jump: it never returns, so no call frame is needed. */
static inline __attribute__((always_inline)) NORETURN void fastpath_exit(word_t rdi, word_t rsi,
                                                                        struct user_context *ctx)
{
    __asm__ volatile("jmp x86_fastpath_exit" ::"D"(rdi), "S"(rsi), "d"(ctx) : "memory");
    __builtin_unreachable();
}

/* x86_switch_state, then x86_fastpath_exit. */
NORETURN void x86_switch_state_exit(word_t rdi, word_t rsi, struct tcb *t);

/* The kernel stack for t's next entry and its address space. */
static inline __attribute__((always_inline)) void arch_prepare_switch(tcb_t *t, paddr_t root)
{
    x86_tss.rsp[0] = (word_t)(&t->ctx + 1);
    if (root != x86_loaded_root) {
        write_cr3(root);
        x86_loaded_root = root;
        MEASURE_COUNT(KC_CR3_WRITES);
    }
}

static inline __attribute__((always_inline)) NORETURN void arch_switch_to(tcb_t *t, paddr_t root)
{
    arch_prepare_switch(t, root);
    if (unlikely(t->switch_key != x86_loaded_key))
        x86_switch_state(t);
    invariants_check();
    measure_exit(t->ctx.error == ~0ul);
    x86_restore_user_context(&t->ctx);
}

/* arch_switch_to, with the thread's rdi and rsi (the badge and message info an IPC
 * delivers) passed in registers rather than through its context. */
static inline __attribute__((always_inline)) NORETURN void arch_switch_to_with(tcb_t *t, paddr_t root,
                                                                            word_t rdi, word_t rsi)
{
    arch_prepare_switch(t, root);
    if (unlikely(t->switch_key != x86_loaded_key))
        x86_switch_state_exit(rdi, rsi, t); /* (nothing stays live across this call) */
    invariants_check();
    measure_exit(t->ctx.error == ~0ul);
    fastpath_exit(rdi, rsi, &t->ctx);
}

#endif
