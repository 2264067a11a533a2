/* Typed wrappers for TCB, SchedControl and SchedContext invocations (see objects.h). */
#include <pecan/objects.h>

pn_word_t pn_invoke_ipc(pn_ipc_buffer_t *ipc, pn_cptr_t cap, pn_word_t label,
                        const pn_word_t *words, unsigned nwords, const pn_cptr_t *caps,
                        unsigned ncaps, pn_word_t *results, unsigned max_results)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    if (nwords > PN_MSG_MAX_LENGTH)
        nwords = PN_MSG_MAX_LENGTH;
    if (!ipc && nwords > PN_FAST_MESSAGE_REGISTERS)
        nwords = PN_FAST_MESSAGE_REGISTERS;
    if (ncaps > PN_MSG_MAX_EXTRA_CAPS || !ipc)
        ncaps = ipc ? PN_MSG_MAX_EXTRA_CAPS : 0;
    for (unsigned i = 0; i < nwords; i++) {
        if (i < PN_FAST_MESSAGE_REGISTERS)
            m.mr[i] = words[i];
        else
            ipc->msg[i] = words[i];
    }
    for (unsigned i = 0; i < ncaps; i++)
        ipc->caps_or_badges[i] = caps[i];
    m.info = pn_msginfo(label, 0, ncaps, nwords);
    pn_call(cap, &m);
    unsigned len = pn_msginfo_length(m.info);
    for (unsigned i = 0; i < len && i < max_results; i++)
        results[i] = i < PN_FAST_MESSAGE_REGISTERS ? m.mr[i] : ipc ? ipc->msg[i] : 0;
    return m.info;
}

static pn_word_t invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words,
                        unsigned nwords, const pn_cptr_t *caps, unsigned ncaps)
{
    return pn_msginfo_label(pn_invoke(cap, label, words, nwords, caps, ncaps, NULL, 0));
}

/* Invokes and, on success, stores up to `n` result words. */
static pn_word_t invoke_results(pn_cptr_t cap, pn_word_t label, const pn_word_t *words,
                                unsigned nwords, const pn_cptr_t *caps, unsigned ncaps,
                                pn_word_t *out, unsigned n)
{
    pn_word_t tmp[PN_MSG_MAX_LENGTH];
    pn_word_t info = pn_invoke(cap, label, words, nwords, caps, ncaps, tmp, n);
    if (pn_msginfo_label(info) == 0 && out)
        for (unsigned i = 0; i < n && i < pn_msginfo_length(info); i++)
            out[i] = tmp[i];
    return pn_msginfo_label(info);
}

/* ---- TCB ---- */

pn_word_t pn_tcb_read_registers(pn_cptr_t tcb, int suspend_source, pn_word_t count,
                                pn_word_t *regs)
{
    pn_word_t w[] = {suspend_source ? 1 : 0, count};
    return invoke_results(tcb, PN_TCB_READ_REGISTERS, w, 2, NULL, 0, regs,
                          count > PN_UC_COUNT ? PN_UC_COUNT : (unsigned)count);
}

pn_word_t pn_tcb_write_registers(pn_cptr_t tcb, int resume_target, pn_word_t count,
                                 const pn_word_t *regs)
{
    pn_word_t w[2 + PN_UC_COUNT];
    if (count > PN_UC_COUNT)
        count = PN_UC_COUNT;
    w[0] = resume_target ? 1 : 0;
    w[1] = count;
    for (pn_word_t i = 0; i < count; i++)
        w[2 + i] = regs[i];
    return invoke(tcb, PN_TCB_WRITE_REGISTERS, w, (unsigned)(2 + count), NULL, 0);
}

pn_word_t pn_tcb_copy_registers(pn_cptr_t tcb, pn_cptr_t source, int suspend_source,
                                int resume_target, int transfer_frame, int transfer_integer)
{
    pn_word_t w[] = {(suspend_source ? PN_COPY_SUSPEND_SOURCE : 0) |
                     (resume_target ? PN_COPY_RESUME_TARGET : 0) |
                     (transfer_frame ? PN_COPY_TRANSFER_FRAME : 0) |
                     (transfer_integer ? PN_COPY_TRANSFER_INTEGER : 0)};
    pn_cptr_t c[] = {source};
    return invoke(tcb, PN_TCB_COPY_REGISTERS, w, 1, c, 1);
}

pn_word_t pn_tcb_configure(pn_cptr_t tcb, pn_cptr_t cspace_root, pn_word_t cspace_root_data,
                           pn_cptr_t vspace_root, pn_word_t vspace_root_data,
                           pn_word_t buffer, pn_cptr_t buffer_frame)
{
    pn_word_t w[] = {cspace_root_data, vspace_root_data, buffer};
    pn_cptr_t c[] = {cspace_root, vspace_root, buffer_frame};
    return invoke(tcb, PN_TCB_CONFIGURE, w, 3, c, 3);
}

pn_word_t pn_tcb_set_mc_priority(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t mcp)
{
    pn_word_t w[] = {mcp};
    pn_cptr_t c[] = {authority};
    return invoke(tcb, PN_TCB_SET_MC_PRIORITY, w, 1, c, 1);
}

pn_word_t pn_tcb_set_sched_params(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t mcp,
                                  pn_word_t prio, pn_cptr_t sc, pn_cptr_t fault_ep)
{
    pn_word_t w[] = {mcp, prio};
    pn_cptr_t c[] = {authority, sc, fault_ep};
    return invoke(tcb, PN_TCB_SET_SCHED_PARAMS, w, 2, c, 3);
}

pn_word_t pn_tcb_set_timeout_endpoint(pn_cptr_t tcb, pn_cptr_t ep)
{
    pn_cptr_t c[] = {ep};
    return invoke(tcb, PN_TCB_SET_TIMEOUT_ENDPOINT, NULL, 0, c, 1);
}

pn_word_t pn_tcb_set_ipc_buffer(pn_cptr_t tcb, pn_word_t buffer, pn_cptr_t frame)
{
    pn_word_t w[] = {buffer};
    pn_cptr_t c[] = {frame};
    return invoke(tcb, PN_TCB_SET_IPC_BUFFER, w, 1, c, 1);
}

pn_word_t pn_tcb_set_space(pn_cptr_t tcb, pn_cptr_t fault_ep, pn_cptr_t cspace_root,
                           pn_word_t cspace_root_data, pn_cptr_t vspace_root,
                           pn_word_t vspace_root_data)
{
    pn_word_t w[] = {cspace_root_data, vspace_root_data};
    pn_cptr_t c[] = {fault_ep, cspace_root, vspace_root};
    return invoke(tcb, PN_TCB_SET_SPACE, w, 2, c, 3);
}

pn_word_t pn_tcb_suspend(pn_cptr_t tcb)
{
    return invoke(tcb, PN_TCB_SUSPEND, NULL, 0, NULL, 0);
}

pn_word_t pn_tcb_resume(pn_cptr_t tcb)
{
    return invoke(tcb, PN_TCB_RESUME, NULL, 0, NULL, 0);
}

pn_word_t pn_tcb_bind_notification(pn_cptr_t tcb, pn_cptr_t ntfn)
{
    pn_cptr_t c[] = {ntfn};
    return invoke(tcb, PN_TCB_BIND_NOTIFICATION, NULL, 0, c, 1);
}

pn_word_t pn_tcb_unbind_notification(pn_cptr_t tcb)
{
    return invoke(tcb, PN_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
}

pn_word_t pn_tcb_set_tls_base(pn_cptr_t tcb, pn_word_t base)
{
    pn_word_t w[] = {base};
    return invoke(tcb, PN_TCB_SET_TLS_BASE, w, 1, NULL, 0);
}

pn_word_t pn_tcb_set_flags(pn_cptr_t tcb, pn_word_t clear, pn_word_t set, pn_word_t *flags)
{
    pn_word_t w[] = {clear, set};
    return invoke_results(tcb, PN_TCB_SET_FLAGS, w, 2, NULL, 0, flags, flags ? 1 : 0);
}

/* ---- SchedControl / SchedContext ---- */

pn_word_t pn_sched_control_configure_flags(pn_cptr_t sched_control, pn_cptr_t sc,
                                           pn_word_t budget_us, pn_word_t period_us,
                                           pn_word_t extra_refills, pn_word_t badge,
                                           pn_word_t flags)
{
    pn_word_t w[] = {budget_us, period_us, extra_refills, badge, flags};
    pn_cptr_t c[] = {sc};
    return invoke(sched_control, PN_SCHED_CONTROL_CONFIGURE_FLAGS, w, 5, c, 1);
}

pn_word_t pn_sched_context_bind(pn_cptr_t sc, pn_cptr_t tcb_or_ntfn)
{
    pn_cptr_t c[] = {tcb_or_ntfn};
    return invoke(sc, PN_SCHED_CONTEXT_BIND, NULL, 0, c, 1);
}

pn_word_t pn_sched_context_unbind(pn_cptr_t sc)
{
    return invoke(sc, PN_SCHED_CONTEXT_UNBIND, NULL, 0, NULL, 0);
}

pn_word_t pn_sched_context_unbind_object(pn_cptr_t sc, pn_cptr_t tcb_or_ntfn)
{
    pn_cptr_t c[] = {tcb_or_ntfn};
    return invoke(sc, PN_SCHED_CONTEXT_UNBIND_OBJECT, NULL, 0, c, 1);
}

pn_word_t pn_sched_context_consumed(pn_cptr_t sc, pn_word_t *consumed_us)
{
    return invoke_results(sc, PN_SCHED_CONTEXT_CONSUMED, NULL, 0, NULL, 0, consumed_us,
                          consumed_us ? 1 : 0);
}

pn_word_t pn_sched_context_yield_to(pn_cptr_t sc, pn_word_t *consumed_us)
{
    return invoke_results(sc, PN_SCHED_CONTEXT_YIELD_TO, NULL, 0, NULL, 0, consumed_us,
                          consumed_us ? 1 : 0);
}

pn_word_t pn_tsc_mhz(void)
{
    const pn_bi_tsc_freq_t *t = (const pn_bi_tsc_freq_t *)pn_bootinfo_chunk(
        pn_bootinfo, PN_BI_CHUNK_X86_TSC_FREQ);
    return t ? t->mhz : 0;
}
