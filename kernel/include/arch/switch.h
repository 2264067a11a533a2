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
void x86_load_bases(const struct user_context *ctx);
void fpu_switch_to(struct tcb *t);
NORETURN void x86_restore_user_context(struct user_context *ctx);

/* The FPU registers already hold what t may run with: its own live state, or (for a
 * thread without live FPU state) the clean state behind CR0.TS. */
static inline __attribute__((always_inline)) bool fpu_ready_for(const tcb_t *t)
{
    if (t->fpu_used && !(t->flags & TCB_FLAG_FPU_DISABLED))
        return fpu_owner == t && !fpu_trapping;
    return !fpu_owner && fpu_trapping;
}

static inline __attribute__((always_inline)) NORETURN void arch_switch_to(tcb_t *t, paddr_t root)
{
    struct user_context *ctx = &t->ctx;
    x86_tss.rsp[0] = (word_t)(ctx + 1);
    if (root != x86_loaded_root) {
        write_cr3(root);
        x86_loaded_root = root;
        MEASURE_COUNT(KC_CR3_WRITES);
    }
    if (unlikely(ctx->fs_base != loaded_fs_base || ctx->gs_base != loaded_gs_base))
        x86_load_bases(ctx);
    if (unlikely(!fpu_ready_for(t)))
        fpu_switch_to(t);
    invariants_check();
    measure_exit(ctx->error == ~0ul);
    x86_restore_user_context(ctx);
}

#endif
