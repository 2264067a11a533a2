/* C side of the root-task start-up: record the environment, run main, halt. */
#include <pecan/pecan.h>

pn_bootinfo_t *pn_bootinfo;
pn_ipc_buffer_t *pn_ipc;
pn_word_t pn_start_regs[PN_UC_COUNT];

__attribute__((noreturn)) void pn_runtime_start(pn_bootinfo_t *bi);

void pn_runtime_start(pn_bootinfo_t *bi)
{
    pn_bootinfo = bi;
    pn_ipc = (pn_ipc_buffer_t *)bi->ipc_buffer;
    main();
    pn_debug_halt();
}

void pn_debug_name_thread(pn_cptr_t tcb, const char *name)
{
    char *dst = (char *)&pn_ipc->msg[0];
    size_t max = sizeof(pn_ipc->msg) - 1;
    size_t i;
    for (i = 0; i < max && name[i]; i++)
        dst[i] = name[i];
    dst[i] = '\0';
    pn_syscall_rdi(PN_SYS_DEBUG_NAME_THREAD, tcb);
}
