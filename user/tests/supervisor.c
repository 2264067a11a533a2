/*
 * The supervisor: keeps one test's failure from taking the suite down.
 *
 *  - The root task's fault handler is an endpoint served by the "rescuer" thread
 *    (priority 254).  When the root task faults during a test, the rescuer reports the
 *    fault and restarts the root task (TCB_WriteRegisters with resume) in sv_recover,
 *    which fails the current test; the runner then goes on with the next one.
 *  - The "idle agent" thread (priority 1, below every test thread) runs only when the root
 *    task and every test thread are blocked.  If the root task asked for that
 *    (tt_settle) it is woken; otherwise, if that lasts HANG_MS (a test may wait for an
 *    interrupt), the test has hung and is failed the same way.
 *  - After every test, test_cleanup() revokes the test arena and empties the test slot
 *    window, which deletes every object and thread the test made.
 *
 * If the supervisor cannot be set up the suite still runs, without that protection.
 */
#include "tthread.h"
#include "supervisor.h"

#define FW_SLOTS 16
#define WINDOW_SLOTS 1024
#define ARENA_BITS 22
#define FW_BITS 20
#define RESCUER_PRIO 254
#define AGENT_PRIO 1

static int sv_ok;
static pn_cptr_t fw_slot_next, fw_slot_end;
static pn_cptr_t fw_untyped, fault_ep, rescuer_reply, settle_ntfn;
static volatile int sv_settling;
static char sv_reason[256];

static pn_ipc_buffer_t sv_buffers[2] __attribute__((aligned(4096)));
static char sv_stacks[3][8192] __attribute__((aligned(16)));
#define RESCUER 0
#define AGENT 1
#define RECOVERY 2

static pn_cptr_t fw_slot(void)
{
    return fw_slot_next < fw_slot_end ? fw_slot_next++ : 0;
}

static pn_cptr_t fw_new(pn_cptr_t untyped, pn_word_t type, pn_word_t bits)
{
    pn_cptr_t s = fw_slot();
    if (!s || pn_untyped_retype(untyped, type, bits, ROOT_CNODE, 0, 0, s, 1) != 0)
        return 0;
    return s;
}

/* Runs in the root task after a rescue, on its own stack. */
static __attribute__((noreturn)) void sv_recover(void)
{
    test_fail(__FILE__, __LINE__, "%s", sv_reason);
}

/* Restarts the root task in sv_recover (from a supervisor thread). */
static void rescue_root(pn_ipc_buffer_t *ipc)
{
    pn_word_t w[] = {1, 3, (pn_word_t)sv_recover,
                     (pn_word_t)&sv_stacks[RECOVERY][sizeof sv_stacks[RECOVERY]] - 8,
                     FLAGS_DEFAULT};
    pn_word_t info = pn_invoke_ipc(ipc, SELF_TCB, PN_TCB_WRITE_REGISTERS, w, 5, NULL, 0,
                                   NULL, 0);
    if (pn_msginfo_label(info))
        pn_printf("# supervisor: cannot restart the root task (error %lu)\n",
                  pn_msginfo_label(info));
}

static const char *fault_name(pn_word_t label)
{
    switch (label) {
    case PN_FAULT_CAP: return "cap fault";
    case PN_FAULT_UNKNOWN_SYSCALL: return "unknown syscall";
    case PN_FAULT_USER_EXCEPTION: return "user exception";
    case PN_FAULT_TIMEOUT: return "timeout fault";
    case PN_FAULT_VM: return "VM fault";
    default: return "fault";
    }
}

static void rescuer(void)
{
    pn_ipc_buffer_t *ipc = &sv_buffers[RESCUER];
    for (;;) {
        pn_msg_t m = {0, {0, 0, 0, 0}};
        pn_recv(fault_ep, &m, rescuer_reply);
        pn_word_t label = pn_msginfo_label(m.info);
        pn_word_t mr4 = pn_msginfo_length(m.info) > 4 ? ipc->msg[4] : 0;
        pn_snprintf(sv_reason, sizeof sv_reason,
                    "the root task took a %s (label %lu): MR0..4 = 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx",
                    fault_name(label), label, m.mr[0], m.mr[1], m.mr[2], m.mr[3], mr4);
        rescue_root(ipc);
    }
}

static inline pn_word_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (pn_word_t)hi << 32 | lo;
}

/* A test may block the root task until an interrupt arrives: the agent declares a hang
 * only after running alone for HANG_MS (any gap in its own running, i.e. another thread
 * ran, starts the wait again). */
#define HANG_MS 200
#define GAP_US 5

static void agent(void)
{
    pn_word_t mhz = pn_tsc_mhz() ? pn_tsc_mhz() : 1000;
    pn_word_t start = rdtsc(), last = start;
    for (;;) {
        pn_word_t now = rdtsc();
        if (now - last > GAP_US * mhz)
            start = now;
        last = now;
        if (sv_settling) {
            sv_settling = 0;
            pn_signal(settle_ntfn);
            start = last = rdtsc();
        } else if (now - start > HANG_MS * 1000 * mhz) {
            pn_snprintf(sv_reason, sizeof sv_reason,
                        "hung: the root task is blocked and no test thread can run");
            rescue_root(&sv_buffers[AGENT]);
            start = last = rdtsc();
        }
    }
}

void tt_settle(void)
{
    if (!sv_ok)
        FAIL("tt_settle needs the supervisor, which did not start");
    sv_settling = 1;
    pn_ntfn_wait(settle_ntfn);
}

static int start_thread(pn_cptr_t untyped, int which, void (*fn)(void), pn_word_t prio,
                        pn_word_t budget_us)
{
    pn_cptr_t tcb = fw_new(untyped, PN_OBJ_TCB, 0), sc = fw_new(untyped, PN_OBJ_SCHED_CONTEXT, SC_BITS);
    if (!tcb || !sc)
        return 0;
    pn_ipc_buffer_t *ipc = &sv_buffers[which];
    if (pn_tcb_configure(tcb, ROOT_CNODE, 0, ROOT_VSPACE, 0, (pn_word_t)ipc,
                         pn_bootinfo->user_image_frames.start +
                             (((pn_word_t)ipc - (pn_word_t)__pn_image_start) >> PN_PAGE_BITS)) ||
        pn_sched_control_configure_flags(pn_bootinfo->sched_control.start, sc, budget_us,
                                         budget_us, 0, 0, 0) ||
        pn_tcb_set_sched_params(tcb, SELF_TCB, prio, prio, sc, NULL_SLOT))
        return 0;
    pn_word_t regs[] = {(pn_word_t)fn, (pn_word_t)&sv_stacks[which][sizeof sv_stacks[which]] - 8,
                        FLAGS_DEFAULT};
    return pn_tcb_write_registers(tcb, 1, 3, regs) == 0;
}

void supervisor_init(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    if (pn_region_count(bi->empty) < FW_SLOTS + WINDOW_SLOTS + 256) {
        pn_printf("# supervisor: not enough empty slots\n");
        return;
    }
    fw_slot_next = bi->empty.end - FW_SLOTS;
    fw_slot_end = bi->empty.end;
    /* the smallest RAM untyped with room for the arena and the supervisor's objects */
    pn_cptr_t source = 0;
    unsigned best = 64;
    for (pn_word_t k = 0; k < pn_region_count(bi->untyped); k++) {
        const pn_untyped_desc_t *d = &bi->untyped_list[k];
        if (!d->is_device && d->size_bits > ARENA_BITS && d->size_bits < best) {
            best = d->size_bits;
            source = bi->untyped.start + k;
        }
    }
    pn_cptr_t arena = source ? fw_new(source, PN_OBJ_UNTYPED, ARENA_BITS) : 0;
    fw_untyped = source ? fw_new(source, PN_OBJ_UNTYPED, FW_BITS) : 0;
    if (!arena || !fw_untyped) {
        pn_printf("# supervisor: no memory\n");
        return;
    }
    tt_framework_init(arena, bi->empty.end - FW_SLOTS - WINDOW_SLOTS, WINDOW_SLOTS);
    fault_ep = fw_new(fw_untyped, PN_OBJ_ENDPOINT, 0);
    rescuer_reply = fw_new(fw_untyped, PN_OBJ_REPLY, 0);
    settle_ntfn = fw_new(fw_untyped, PN_OBJ_NOTIFICATION, 0);
    if (!fault_ep || !rescuer_reply || !settle_ntfn ||
        !start_thread(fw_untyped, RESCUER, rescuer, RESCUER_PRIO, TT_BUDGET_US) ||
        /* a long round-robin budget: no budget interrupts while it watches */
        !start_thread(fw_untyped, AGENT, agent, AGENT_PRIO, 10 * 1000 * 1000) ||
        pn_tcb_set_sched_params(SELF_TCB, SELF_TCB, 255, ROOT_PRIO, ROOT_SC, fault_ep)) {
        pn_printf("# supervisor: set-up failed; tests run without fault isolation\n");
        return;
    }
    sv_ok = 1;
}

void test_cleanup(void)
{
    tt_reset();
}
