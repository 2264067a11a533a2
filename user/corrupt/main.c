/*
 * Breaks kernel invariant INVARIANT on purpose through Pecan's DebugCorrupt call (the
 * checking build only) and expects the invariant checker to stop the machine with a
 * report naming it (tools/test-all checks the console).  Built once per invariant, and
 * with NESTED for a few invariants broken where only the sweep's descent into nested
 * CNodes can see it: in a CNode B named only from a CNode A that also names itself, and
 * with OTHER for a few broken a second way (invariants_corrupt says how).
 */
#include <pecan/pecan.h>

#ifndef INVARIANT
#error "build with -DINVARIANT=n"
#endif
#ifndef NESTED
#define NESTED 0
#endif
#ifndef OTHER
#define OTHER 0
#endif
#define CORRUPT_NESTED 0x100 /* DebugCorrupt: break it two CNodes down */
#define CORRUPT_OTHER 0x200  /* DebugCorrupt: break it another way */

int main(void)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t slot = bi->empty.start;
    /* Objects some invariants need: a child untyped, an endpoint with a copy of its cap and
     * a reply object. */
    for (pn_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const pn_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device || u->size_bits < 16)
            continue;
        pn_word_t ut = bi->untyped.start + i;
        pn_untyped_retype(ut, PN_OBJ_UNTYPED, 12, PN_CAP_SLOT_INIT_CNODE, 0, 0, slot++, 1);
        pn_word_t ep = slot++;
        pn_untyped_retype(ut, PN_OBJ_ENDPOINT, 0, PN_CAP_SLOT_INIT_CNODE, 0, 0, ep, 1);
        if (pn_cnode_copy(PN_CAP_SLOT_INIT_CNODE, slot++, 64, PN_CAP_SLOT_INIT_CNODE, ep, 64, PN_RIGHTS_ALL)) {
            pn_printf("corrupt: could not copy the endpoint cap\n");
            return 1;
        }
        pn_untyped_retype(ut, PN_OBJ_REPLY, 0, PN_CAP_SLOT_INIT_CNODE, 0, 0, slot++, 1);
        if (NESTED) {
            /* The root's scheduling context cap (a derivation tree of its own) moves to
             * B[2]; B moves to A[1]; A gets a copy of itself in A[0]. */
            const pn_word_t depth = 64, a = slot++, b = slot++;
            pn_untyped_retype(ut, PN_OBJ_CNODE, 4, PN_CAP_SLOT_INIT_CNODE, 0, 0, a, 1);
            pn_untyped_retype(ut, PN_OBJ_CNODE, 4, PN_CAP_SLOT_INIT_CNODE, 0, 0, b, 1);
            if (pn_cnode_move(b, 2, 4, PN_CAP_SLOT_INIT_CNODE, PN_CAP_SLOT_INIT_SC, depth) ||
                pn_cnode_move(a, 1, 4, PN_CAP_SLOT_INIT_CNODE, b, depth) ||
                pn_cnode_copy(a, 0, 4, PN_CAP_SLOT_INIT_CNODE, a, depth, PN_RIGHTS_ALL)) {
                pn_printf("corrupt: could not build the nested CNodes\n");
                return 1;
            }
        }
        break;
    }
    /* A copy of the domain cap (a cap that names no memory), right after the original. */
    if (pn_cnode_copy(PN_CAP_SLOT_INIT_CNODE, slot++, 64, PN_CAP_SLOT_INIT_CNODE, PN_CAP_SLOT_DOMAIN, 64,
                      PN_RIGHTS_ALL)) {
        pn_printf("corrupt: could not copy the domain cap\n");
        return 1;
    }
    pn_printf("corrupt: breaking invariant %d%s\n", INVARIANT,
              NESTED ? " in a nested CNode" : OTHER ? " another way" : "");
    pn_syscall_rdi(PN_SYS_DEBUG_CORRUPT, INVARIANT | (NESTED ? CORRUPT_NESTED : 0) | (OTHER ? CORRUPT_OTHER : 0));
    pn_printf("corrupt: the checker did not notice\n");
    return 0;
}
