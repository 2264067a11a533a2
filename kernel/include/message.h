/* Message registers: MR0..3 travel in r10, r8, r9, r15; the rest in the IPC buffer. */
#ifndef PECAN_MESSAGE_H
#define PECAN_MESSAGE_H

#include "object.h"

static inline word_t *msg_reg(tcb_t *t, unsigned i)
{
    switch (i) {
    case 0: return &t->ctx.r10;
    case 1: return &t->ctx.r8;
    case 2: return &t->ctx.r9;
    default: return &t->ctx.r15;
    }
}

/* MR i of a message being sent; buf may be NULL (then only MR0..3 exist). */
static inline word_t msg_get(tcb_t *t, const pn_ipc_buffer_t *buf, unsigned i)
{
    if (i < PN_FAST_MESSAGE_REGISTERS)
        return *msg_reg(t, i);
    return buf ? buf->msg[i] : 0;
}

/* Writes MR i of a message being received; returns the message length that includes
 * it (i + 1), or 4 if it had to be dropped for want of an IPC buffer. */
static inline unsigned msg_set(tcb_t *t, pn_ipc_buffer_t *buf, unsigned i, word_t v)
{
    if (i < PN_FAST_MESSAGE_REGISTERS) {
        *msg_reg(t, i) = v;
        return i + 1;
    }
    if (!buf)
        return PN_FAST_MESSAGE_REGISTERS;
    buf->msg[i] = v;
    return i + 1;
}

/* Delivers a kernel reply (label = error code or 0, badge 0) to thread t. */
void msg_kernel_reply(tcb_t *t, word_t label, const word_t *mrs, unsigned n);

#endif
