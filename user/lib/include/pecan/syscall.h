/*
 * libpecan system-call stubs (syscalls.md §2).
 *
 * Register roles at the SYSCALL instruction: rdx = syscall number, rdi = cptr (or badge
 * on return), rsi = message info, r10/r8/r9/r15 = MR0..MR3, r12 = reply-object cptr
 * (Recv, NBRecv, ReplyRecv, NBSendRecv) or the send destination of NBSendWait, r13 = the
 * send destination of NBSendRecv.  The kernel returns from SYSCALL with rsp = 0, so every
 * stub parks rsp in rbx (which the kernel preserves) and restores it afterwards.  rcx and
 * r11 are overwritten by the CPU; every other register is preserved by the kernel.
 */
#ifndef PECAN_SYSCALL_H
#define PECAN_SYSCALL_H

#include <pecan/abi.h>

/* The message part of a syscall: message info plus the four register MRs (MR4+ live in
 * the IPC buffer). */
typedef struct pn_msg {
    pn_word_t info;
    pn_word_t mr[PN_FAST_MESSAGE_REGISTERS];
} pn_msg_t;

/* One SYSCALL with every register role.  `cap` goes in rdi and the value of rdi after
 * the call (the badge for receive-type calls) is returned; m->info and m->mr are sent
 * and overwritten with what the kernel returns in those registers. */
static inline pn_word_t pn_syscall(long number, pn_word_t cap, pn_msg_t *m,
                                   pn_word_t reply, pn_word_t nbsend_dest)
{
    register pn_word_t r10 __asm__("r10") = m->mr[0];
    register pn_word_t r8 __asm__("r8") = m->mr[1];
    register pn_word_t r9 __asm__("r9") = m->mr[2];
    register pn_word_t r15 __asm__("r15") = m->mr[3];
    register pn_word_t r12 __asm__("r12") = reply;
    register pn_word_t r13 __asm__("r13") = nbsend_dest;
    pn_word_t rdi = cap, rsi = m->info;
    __asm__ volatile("movq %%rsp, %%rbx\n\t"
                     "syscall\n\t"
                     "movq %%rbx, %%rsp"
                     : "+D"(rdi), "+S"(rsi), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r15)
                     : "d"(number), "r"(r12), "r"(r13)
                     : "rbx", "rcx", "r11", "memory");
    m->info = rsi;
    m->mr[0] = r10;
    m->mr[1] = r8;
    m->mr[2] = r9;
    m->mr[3] = r15;
    return rdi;
}

/* A SYSCALL that passes only rdi (and rdx) and returns rdi: the debug calls. */
static inline pn_word_t pn_syscall_rdi(long number, pn_word_t rdi)
{
    __asm__ volatile("movq %%rsp, %%rbx\n\t"
                     "syscall\n\t"
                     "movq %%rbx, %%rsp"
                     : "+D"(rdi)
                     : "d"(number)
                     : "rbx", "rcx", "r11", "memory");
    return rdi;
}

/* ---- the eleven API syscalls (MCS) ---- */

/* Call: invoke `dest` and wait for the reply; m holds the reply afterwards.  Returns the
 * badge register (0 for kernel replies). */
static inline pn_word_t pn_call(pn_cptr_t dest, pn_msg_t *m)
{
    return pn_syscall(PN_SYS_CALL, dest, m, 0, 0);
}

static inline void pn_send(pn_cptr_t dest, const pn_msg_t *m)
{
    pn_msg_t copy = *m;
    pn_syscall(PN_SYS_SEND, dest, &copy, 0, 0);
}

static inline void pn_nb_send(pn_cptr_t dest, const pn_msg_t *m)
{
    pn_msg_t copy = *m;
    pn_syscall(PN_SYS_NB_SEND, dest, &copy, 0, 0);
}

/* Receive-type calls return the sender's badge; m receives the message.  For a failed
 * non-blocking receive the kernel writes only rdi (= 0): m keeps what it held. */
static inline pn_word_t pn_recv(pn_cptr_t src, pn_msg_t *m, pn_cptr_t reply)
{
    return pn_syscall(PN_SYS_RECV, src, m, reply, 0);
}

static inline pn_word_t pn_nb_recv(pn_cptr_t src, pn_msg_t *m, pn_cptr_t reply)
{
    return pn_syscall(PN_SYS_NB_RECV, src, m, reply, 0);
}

static inline pn_word_t pn_wait(pn_cptr_t src, pn_msg_t *m)
{
    return pn_syscall(PN_SYS_WAIT, src, m, 0, 0);
}

static inline pn_word_t pn_nb_wait(pn_cptr_t src, pn_msg_t *m)
{
    return pn_syscall(PN_SYS_NB_WAIT, src, m, 0, 0);
}

/* ReplyRecv: send m through `reply`, then receive on `src` with the same reply object. */
static inline pn_word_t pn_reply_recv(pn_cptr_t src, pn_msg_t *m, pn_cptr_t reply)
{
    return pn_syscall(PN_SYS_REPLY_RECV, src, m, reply, 0);
}

/* NBSendRecv: non-blocking send of m to `dest`, then Recv on `src` with `reply`. */
static inline pn_word_t pn_nb_send_recv(pn_cptr_t dest, pn_msg_t *m, pn_cptr_t src,
                                        pn_cptr_t reply)
{
    return pn_syscall(PN_SYS_NB_SEND_RECV, src, m, reply, dest);
}

/* NBSendWait: non-blocking send of m to `dest` (passed in r12), then Wait on `src`. */
static inline pn_word_t pn_nb_send_wait(pn_cptr_t dest, pn_msg_t *m, pn_cptr_t src)
{
    return pn_syscall(PN_SYS_NB_SEND_WAIT, src, m, dest, 0);
}

static inline void pn_yield(void)
{
    __asm__ volatile("movq %%rsp, %%rbx\n\t"
                     "syscall\n\t"
                     "movq %%rbx, %%rsp"
                     :
                     : "d"((long)PN_SYS_YIELD)
                     : "rbx", "rcx", "r11", "memory");
}

/* ---- debug syscalls ---- */

static inline void pn_debug_put_char(char c)
{
    pn_syscall_rdi(PN_SYS_DEBUG_PUT_CHAR, (unsigned char)c);
}

static inline void pn_debug_dump_scheduler(void)
{
    pn_syscall_rdi(PN_SYS_DEBUG_DUMP_SCHEDULER, 0);
}

static inline void pn_debug_snapshot(void)
{
    pn_syscall_rdi(PN_SYS_DEBUG_SNAPSHOT, 0);
}

/* Returns the kernel's cap-type tag (enum pn_cap_type) of the cap at `cptr`; 0 for a
 * null cap or a failed lookup. */
static inline pn_word_t pn_debug_cap_identify(pn_cptr_t cptr)
{
    return pn_syscall_rdi(PN_SYS_DEBUG_CAP_IDENTIFY, cptr);
}

/* Pecan's own debug call (abi.h, docs/abi-notes.md): how many times a long-running
 * operation (revoke, deletion through a zombie, untyped reset) has been preempted since
 * boot. */
static inline pn_word_t pn_debug_preemptions(void)
{
    return pn_syscall_rdi(PN_SYS_DEBUG_PREEMPTIONS, 0);
}

__attribute__((noreturn)) static inline void pn_debug_halt(void)
{
    pn_syscall_rdi(PN_SYS_DEBUG_HALT, 0);
    for (;;)
        __asm__ volatile("" ::: "memory");
}

/* Sets the calling thread's FS base (TLS base). */
static inline void pn_set_tls_base(pn_word_t base)
{
    pn_syscall_rdi(PN_SYS_SET_TLS_BASE, base);
}

#endif
