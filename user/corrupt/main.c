/*
 * Breaks kernel invariant INVARIANT on purpose through Pecan's DebugCorrupt call (the
 * checking build only) and expects the invariant checker to stop the machine with a
 * report naming it (tools/test-all checks the console).  Built once per invariant.
 */
#include <pecan/pecan.h>

#ifndef INVARIANT
#error "build with -DINVARIANT=n"
#endif

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t slot = bi->empty.start;
    /* Objects some invariants need: a child untyped, an endpoint and a reply object. */
    for (pn_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const pn_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device || u->size_bits < 16)
            continue;
        pn_word_t ut = bi->untyped.start + i;
        pn_untyped_retype(ut, PN_OBJ_UNTYPED, 12, PN_CAP_SLOT_INIT_CNODE, 0, 0, slot++, 1);
        pn_untyped_retype(ut, PN_OBJ_ENDPOINT, 0, PN_CAP_SLOT_INIT_CNODE, 0, 0, slot++, 1);
        pn_untyped_retype(ut, PN_OBJ_REPLY, 0, PN_CAP_SLOT_INIT_CNODE, 0, 0, slot++, 1);
        break;
    }
    pn_printf("corrupt: breaking invariant %d\n", INVARIANT);
    pn_syscall_rdi(PN_SYS_DEBUG_CORRUPT, INVARIANT);
    pn_printf("corrupt: the checker did not notice\n");
    return 0;
}
