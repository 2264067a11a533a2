/*
 * The FPU-across-IPC tests (fpu_ipc.c) and their asm threads (fpu_ipc.S): the layout of
 * the parameter block a thread gets in rdi, shared by C and asm.
 *
 * The threads are asm only, so the FPU state they hold is exactly what they load: a
 * thread without FI_F_FPU never executes an FPU instruction until its script says so.
 *
 * Client (fi_client): `rounds` Calls on `ep`, round r with label script[r] & 0xffffffff,
 * length 1, MR0 = r; before the Call the actions of script[r]'s FI_C_* bits; after the
 * reply it records the reply's info and MR0 (info[r], mr0[r]), the word at %fs:fs_offset
 * (fs[r], FI_F_TLS),
 * then checks its FPU state if it holds its own values; done = rounds completed.  At the
 * end it suspends itself (TCB_Suspend on `self`).
 * Server (fi_server): Recv on `ep` with `reply`, then for ever: records the message
 * (info[k], mr0[k] of receive k), done = receives, checks its FPU state if it holds its
 * own values, acts on the label (FI_L_*), answers with ReplyRecv: same label, length 1,
 * MR0 = the received MR0 + 1 (FI_L_TLS: the word at %fs:0).
 * Checking: the thread's FPU state (FXSAVE image, fields the image defines) equals `want`;
 * the first check that fails stores its number (client: round + 1, server: receive
 * number) in `bad` and the state seen in `badimg`.
 */
#ifndef PECAN_TESTS_FPU_IPC_H
#define PECAN_TESTS_FPU_IPC_H

#define FI_IMAGE 512 /* an FXSAVE image */
#define FI_MAX_ROUNDS 64

/* offsets in the block */
#define FI_WANT 0       /* the thread's own FPU values (FXRSTOR image) */
#define FI_GOT 512      /* FPU state seen by a peek (FXSAVE) */
#define FI_CHK 1024     /* scratch image of the checks */
#define FI_BADIMG 1536  /* the state seen by the first failed check */
#define FI_EP 2048
#define FI_REPLY 2056
#define FI_SELF 2064
#define FI_SUSPEND_INFO 2072
#define FI_ROUNDS 2080
#define FI_FLAGS 2088
#define FI_DONE 2096
#define FI_BAD 2104
#define FI_FS_OFFSET 2112
#define FI_SCRIPT 2120
#define FI_MR0 (FI_SCRIPT + 8 * FI_MAX_ROUNDS)
#define FI_INFO (FI_MR0 + 8 * FI_MAX_ROUNDS)
#define FI_FS (FI_INFO + 8 * FI_MAX_ROUNDS)
#define FI_SIZE (FI_FS + 8 * FI_MAX_ROUNDS)

/* flags */
#define FI_F_FPU 1 /* load `want` first and check it after every round / receive */
#define FI_F_TLS 2 /* client: record the word at %fs:fs_offset after every reply */

/* server labels */
#define FI_L_ECHO 1 /* no FPU instruction */
#define FI_L_PEEK 2 /* FXSAVE into `got` */
#define FI_L_LOAD 3 /* FXRSTOR `want`, and check it from now on */
#define FI_L_TLS 4  /* answer with the word at %fs:0 */

/* client actions before a round's Call: bits of script[r] */
#define FI_C_PEEK_BIT 32  /* FXSAVE into `got` */
#define FI_C_LOAD_BIT 33  /* FXRSTOR `want`, and check it from now on */
#define FI_C_YIELD_BIT 34 /* (after the reply) Yield */

#endif
