/* Exceptions and interrupts (faults.md §2: UserException, VMFault, int N). */
#include "arch/apic.h"
#include "arch/machine.h"
#include "arch/x86.h"
#include "console.h"
#include "fault.h"
#include "measure.h"
#include "thread.h"

extern bool x86_in_idle;

#define VECTOR_DEVICE_NOT_AVAILABLE 7
#define VECTOR_PAGE_FAULT 14
#define VECTOR_FIRST_IRQ 32
#define VECTOR_FIRST_SOFTWARE 158
#define VECTOR_IGNORED 255 /* int 255 from user level is ignored; also the APIC's spurious vector */

NORETURN void c_handle_trap(void)
{
    measure_entry();
    tcb_t *t = ks_cur;
    struct user_context *c = &t->ctx;
    word_t v = c->vector;
    c->fault_ip = c->rip;
    sched_update_timestamp();
    if (v == VECTOR_DEVICE_NOT_AVAILABLE && machine_fpu_first_use(t))
        kernel_exit(); /* retry the FPU instruction, now with the FPU on */
    bool is_fault = v < VECTOR_FIRST_IRQ || (v >= VECTOR_FIRST_SOFTWARE && v < VECTOR_IGNORED);
    if (is_fault && !sched_check_budget_restart())
        kernel_exit(); /* out of budget: the instruction is retried when it next runs */
    if (!is_fault)
        sched_check_budget();
    if (v < VECTOR_FIRST_IRQ) {
        fault_t f;
        if (v == VECTOR_PAGE_FAULT)
            f = (fault_t){.type = PN_FAULT_VM, .addr = read_cr2(), .code = c->error,
                          .extra = (c->error >> 4) & 1};
        else
            f = (fault_t){.type = PN_FAULT_USER_EXCEPTION, .code = v, .extra = c->error};
        fault_raise(t, &f);
    } else if (v >= VECTOR_FIRST_SOFTWARE && v < VECTOR_IGNORED) {
        c->fault_ip = c->rip - 2; /* the int instruction */
        fault_t f = {.type = PN_FAULT_UNKNOWN_SYSCALL, .code = v << 24 | (c->rax & 0xffffff)};
        fault_raise(t, &f);
    } else if (v != VECTOR_IGNORED) {
        machine_handle_interrupt(v);
    }
    kernel_exit();
}

NORETURN void c_handle_idle_interrupt(word_t vector)
{
    x86_in_idle = false;
    measure_entry();
    sched_update_timestamp();
    machine_handle_interrupt(vector);
    kernel_exit();
}

NORETURN void c_handle_kernel_fault(const struct user_context *frame)
{
    kpanic("kernel exception %lu (error %lx) at %lx, cr2 %lx, rsp %lx", frame->vector,
           frame->error, frame->rip, read_cr2(), frame->rsp);
}
