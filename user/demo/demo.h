/*
 * The demo system: what the root task (demo.c) and the programs it starts (programs.c)
 * agree on.
 *
 * Every process the root starts (pecan/rootobj.h, one thread each) shares the root's text
 * and rodata (mapped read-only at the same addresses) and has private frames for its IPC
 * buffer and stack.  A process's code must not touch the root's data or bss (they are not
 * mapped there): everything it needs arrives in registers (rdi, rsi, rdx) or in its own
 * CSpace.
 */
#ifndef PECAN_DEMO_H
#define PECAN_DEMO_H

#include <pecan/pecan.h>

/* ---- a process's address space: the root's code, its thread's IPC buffer and stack
 * (thread 0's in pecan/rootobj.h), at first nothing else ---- */
#define CHILD_SCRATCH 0x10100000ul /* left unmapped: client B's page fault */

/* ---- a process's CSpace: a 16-slot CNode, guard so that cptr n = slot n ---- */
enum child_slot {
    CS_SERVICE = 1,    /* server: the service endpoint (Read); client: badged Write */
    CS_REPLY = 2,      /* server: its reply object */
    CS_READY = 3,      /* server: notification telling the root it waits for calls */
    CS_SUPERVISOR = 2, /* client: badged Write to the root's supervisor endpoint */
    CS_SELF = 3,       /* client: its own TCB (to suspend itself when done) */
};

/* ---- messages ---- */
enum demo_label {
    MSG_ADD = 1,     /* client -> server: MR0 = amount; reply MR0 = total, MR1 = calls */
    MSG_DONE = 0xd0, /* client -> root: finished */
};

/* Badges: on the service endpoint the client number (1 = A, 2 = B); on the supervisor
 * endpoint the client number for messages and FAULT_BADGE | number for faults. */
#define FAULT_BADGE 0x100
static inline char client_letter(pn_word_t badge) { return (char)('A' + (badge & 0xff) - 1); }

/* ---- the programs (programs.c): entry points for TCB_WriteRegisters ---- */
__attribute__((noreturn)) void server_main(void);
/* `number` = 1, 2, ...; `first` = the first amount to add; `scratch` != 0: also use
 * that (unmapped) address. */
__attribute__((noreturn)) void client_main(pn_word_t number, pn_word_t first, pn_word_t scratch);

#endif
