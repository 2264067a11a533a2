/* Invocation marshalling (invocations.md §1) and typed wrappers. */
#include <pecan/pecan.h>

pn_word_t pn_invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                    const pn_cptr_t *caps, unsigned ncaps, pn_word_t *results,
                    unsigned max_results)
{
    pn_msg_t m = {0};
    if (nwords > PN_MSG_MAX_LENGTH)
        nwords = PN_MSG_MAX_LENGTH;
    if (ncaps > PN_MSG_MAX_EXTRA_CAPS)
        ncaps = PN_MSG_MAX_EXTRA_CAPS;
    for (unsigned i = 0; i < nwords; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m.mr[i] = words[i];
        else
            pn_ipc->msg[i] = words[i];
    }
    for (unsigned i = 0; i < ncaps; i++)
        pn_ipc->caps_or_badges[i] = caps[i];
    m.info = pn_msginfo(label, 0, ncaps, nwords);
    pn_call(cap, &m);
    unsigned len = pn_msginfo_length(m.info);
    for (unsigned i = 0; i < len && i < max_results; i++)
        results[i] = i < PN_FAST_MESSAGE_REGISTERS ? m.mr[i] : pn_ipc->msg[i];
    return m.info;
}

const char *pn_error_name(pn_word_t err)
{
    static const char *const names[] = {
        "NoError",     "InvalidArgument", "InvalidCapability", "IllegalOperation",
        "RangeError",  "AlignmentError",  "FailedLookup",      "TruncatedMessage",
        "DeleteFirst", "RevokeFirst",     "NotEnoughMemory",
    };
    return err < PN_ARRAY_SIZE(names) ? names[err] : "?";
}

static pn_word_t invoke_error(pn_cptr_t cap, pn_word_t label, const pn_word_t *words,
                              unsigned nwords, const pn_cptr_t *caps, unsigned ncaps)
{
    return pn_msginfo_label(pn_invoke(cap, label, words, nwords, caps, ncaps, NULL, 0));
}

pn_word_t pn_tcb_set_priority(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t prio)
{
    pn_word_t w[] = {prio};
    pn_cptr_t c[] = {authority};
    return invoke_error(tcb, PN_TCB_SET_PRIORITY, w, 1, c, 1);
}

pn_word_t pn_cnode_copy(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                        pn_word_t rights)
{
    pn_word_t w[] = {dest_index, dest_depth, src_index, src_depth, rights};
    pn_cptr_t c[] = {src_root};
    return invoke_error(root, PN_CNODE_COPY, w, 5, c, 1);
}

pn_word_t pn_cnode_delete(pn_cptr_t root, pn_word_t index, pn_word_t depth)
{
    pn_word_t w[] = {index, depth};
    return invoke_error(root, PN_CNODE_DELETE, w, 2, NULL, 0);
}

pn_word_t pn_untyped_retype(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits,
                            pn_cptr_t root, pn_word_t node_index, pn_word_t node_depth,
                            pn_word_t node_offset, pn_word_t num_objects)
{
    pn_word_t w[] = {type, size_bits, node_index, node_depth, node_offset, num_objects};
    pn_cptr_t c[] = {root};
    return invoke_error(untyped, PN_UNTYPED_RETYPE, w, 6, c, 1);
}

pn_word_t pn_cnode_revoke(pn_cptr_t root, pn_word_t index, pn_word_t depth)
{
    pn_word_t w[] = {index, depth};
    return invoke_error(root, PN_CNODE_REVOKE, w, 2, NULL, 0);
}

pn_word_t pn_cnode_cancel_badged_sends(pn_cptr_t root, pn_word_t index, pn_word_t depth)
{
    pn_word_t w[] = {index, depth};
    return invoke_error(root, PN_CNODE_CANCEL_BADGED_SENDS, w, 2, NULL, 0);
}

pn_word_t pn_cnode_mint(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                        pn_word_t rights, pn_word_t data)
{
    pn_word_t w[] = {dest_index, dest_depth, src_index, src_depth, rights, data};
    pn_cptr_t c[] = {src_root};
    return invoke_error(root, PN_CNODE_MINT, w, 6, c, 1);
}

pn_word_t pn_cnode_move(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth)
{
    pn_word_t w[] = {dest_index, dest_depth, src_index, src_depth};
    pn_cptr_t c[] = {src_root};
    return invoke_error(root, PN_CNODE_MOVE, w, 4, c, 1);
}

pn_word_t pn_cnode_mutate(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                          pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                          pn_word_t data)
{
    pn_word_t w[] = {dest_index, dest_depth, src_index, src_depth, data};
    pn_cptr_t c[] = {src_root};
    return invoke_error(root, PN_CNODE_MUTATE, w, 5, c, 1);
}

pn_word_t pn_cnode_rotate(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                          pn_word_t dest_badge, pn_cptr_t pivot_root, pn_word_t pivot_index,
                          pn_word_t pivot_depth, pn_word_t pivot_badge, pn_cptr_t src_root,
                          pn_word_t src_index, pn_word_t src_depth)
{
    pn_word_t w[] = {dest_index,  dest_depth,  dest_badge, pivot_index,
                     pivot_depth, pivot_badge, src_index,  src_depth};
    pn_cptr_t c[] = {pivot_root, src_root};
    return invoke_error(root, PN_CNODE_ROTATE, w, 8, c, 2);
}

pn_word_t pn_ioport_control_issue(pn_cptr_t control, pn_word_t first_port,
                                  pn_word_t last_port, pn_cptr_t root, pn_word_t index,
                                  pn_word_t depth)
{
    pn_word_t w[] = {first_port, last_port, index, depth};
    pn_cptr_t c[] = {root};
    return invoke_error(control, PN_X86_IOPORT_CONTROL_ISSUE, w, 4, c, 1);
}

static pn_word_t ioport_in(pn_cptr_t ioport, pn_word_t label, pn_word_t port,
                           pn_word_t *value)
{
    pn_word_t w[] = {port}, result = 0;
    pn_word_t info = pn_invoke(ioport, label, w, 1, NULL, 0, &result, 1);
    if (pn_msginfo_label(info) == 0)
        *value = result;
    return pn_msginfo_label(info);
}

pn_word_t pn_ioport_in8(pn_cptr_t ioport, pn_word_t port, pn_word_t *value)
{
    return ioport_in(ioport, PN_X86_IOPORT_IN8, port, value);
}

pn_word_t pn_ioport_in16(pn_cptr_t ioport, pn_word_t port, pn_word_t *value)
{
    return ioport_in(ioport, PN_X86_IOPORT_IN16, port, value);
}

pn_word_t pn_ioport_in32(pn_cptr_t ioport, pn_word_t port, pn_word_t *value)
{
    return ioport_in(ioport, PN_X86_IOPORT_IN32, port, value);
}

static pn_word_t ioport_out(pn_cptr_t ioport, pn_word_t label, pn_word_t port, pn_word_t data)
{
    pn_word_t w[] = {port, data};
    return invoke_error(ioport, label, w, 2, NULL, 0);
}

pn_word_t pn_ioport_out8(pn_cptr_t ioport, pn_word_t port, pn_word_t data)
{
    return ioport_out(ioport, PN_X86_IOPORT_OUT8, port, data);
}

pn_word_t pn_ioport_out16(pn_cptr_t ioport, pn_word_t port, pn_word_t data)
{
    return ioport_out(ioport, PN_X86_IOPORT_OUT16, port, data);
}

pn_word_t pn_ioport_out32(pn_cptr_t ioport, pn_word_t port, pn_word_t data)
{
    return ioport_out(ioport, PN_X86_IOPORT_OUT32, port, data);
}
