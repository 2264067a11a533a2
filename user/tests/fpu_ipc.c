/*
 * FPU state across IPC switches: the fastpath's Call / ReplyRecv between a client and a
 * passive server (kernel/src/kernel/fastpath.c), and the general path (an active server;
 * the FASTPATH=0 build runs all of them through it).  A thread's FPU state is its own: an
 * IPC switch neither loses it nor shows it to the other thread (faults.md §2: FPU state is
 * switched when threads are switched); a thread whose fpuDisabled flag is set gets
 * UserException 7 for an FPU instruction (faults.md §2, invocations.md §3.3 SetFlags) and
 * its state back when the flag is cleared.
 *
 * The threads are asm (fpu_ipc.S, fpu_ipc.h): C test code is compiled with SSE and may
 * become an FPU user at any point.  The values a thread holds differ in every part of the
 * FXSAVE image (x87 control, status and tag words, the eight x87 registers, MXCSR, the
 * sixteen XMM registers), and a check compares all of them.
 *
 * The initial FPU state, which a thread sees at its first FPU instruction, is not written
 * down in ../shared/abi.  We expect what upstream seL4 gives (Arch_initFpu: FINIT, then
 * FXSAVE of the result as every thread's initial state) on a CPU straight out of reset
 * (Intel SDM Vol. 3 §9.1.1, table 9-1): x87 control word 0x037f, status and tag words 0
 * (all registers empty), FOP, FIP and FDP 0, MXCSR 0x1f80 (every exception masked, round
 * to nearest), x87 and XMM registers 0.
 */
#include "tthread.h"
#include "fpu_ipc.h"
#include <stdbool.h>
#include <stdint.h>

/* (FXSAVE and FXRSTOR need 16-byte alignment: every block of the array is aligned) */
typedef struct __attribute__((aligned(64))) fi_block {
    uint8_t want[FI_IMAGE], got[FI_IMAGE], chk[FI_IMAGE], badimg[FI_IMAGE];
    pn_word_t ep, reply, self, suspend_info, rounds, flags, done, bad, fs_offset;
    pn_word_t script[FI_MAX_ROUNDS], mr0[FI_MAX_ROUNDS], info[FI_MAX_ROUNDS],
        fs[FI_MAX_ROUNDS];
} fi_block_t;

_Static_assert(__builtin_offsetof(fi_block_t, got) == FI_GOT, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, chk) == FI_CHK, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, badimg) == FI_BADIMG, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, ep) == FI_EP, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, reply) == FI_REPLY, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, self) == FI_SELF, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, suspend_info) == FI_SUSPEND_INFO, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, rounds) == FI_ROUNDS, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, flags) == FI_FLAGS, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, done) == FI_DONE, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, bad) == FI_BAD, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, fs_offset) == FI_FS_OFFSET, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, script) == FI_SCRIPT, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, mr0) == FI_MR0, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, info) == FI_INFO, "fpu_ipc.h");
_Static_assert(__builtin_offsetof(fi_block_t, fs) == FI_FS, "fpu_ipc.h");
_Static_assert(sizeof(fi_block_t) == (FI_SIZE + 63) / 64 * 64, "fpu_ipc.h");

extern char fi_client[], fi_server[], fi_fxsave_insn[];

#define FI_BLOCKS 4
static fi_block_t fi_blocks[FI_BLOCKS];
static unsigned fi_used; /* blocks handed out in the current test (fi_begin) */

/* ---- FXSAVE images (Intel SDM Vol. 1 §10.5.1, table 10-2) ---- */

#define IMG_FCW 0
#define IMG_FSW 2
#define IMG_FTW 4 /* abridged: one bit per register, 1 = not empty */
#define IMG_FOP 6
#define IMG_FIP 8
#define IMG_FDP 16
#define IMG_MXCSR 24
#define IMG_ST(i) (32 + 16 * (i)) /* 10 bytes each */
#define IMG_XMM(i) (160 + 16 * (i))

static void put(uint8_t *p, pn_word_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static pn_word_t get(const uint8_t *p, unsigned n)
{
    pn_word_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (pn_word_t)p[i] << (8 * i);
    return v;
}

/* The initial state (see the top of the file). */
static void fi_clean_image(uint8_t *img)
{
    memset(img, 0, FI_IMAGE);
    put(img + IMG_FCW, 0x037f, 2);
    put(img + IMG_MXCSR, 0x1f80, 4);
}

/* A thread's own values, all different from the initial state and from the other seeds':
 * control words with other rounding / precision (exceptions still masked), a status word
 * with another stack top and C1, every x87 register in use with a pattern, MXCSR with
 * other rounding, flush-to-zero or sticky flags (no reserved bit, no DAZ), patterns in
 * the XMM registers.  FOP, FIP and FDP stay 0: some CPUs do not save them. */
static void fi_values(uint8_t *img, pn_word_t seed)
{
    static const uint16_t fcw[4] = {0x0f7f, 0x0b7f, 0x077f, 0x0e7f};
    static const uint16_t mxcsr[4] = {0x7f81, 0x9f90, 0x5fa2, 0xbf84};
    memset(img, 0, FI_IMAGE);
    put(img + IMG_FCW, fcw[seed % 4], 2);
    put(img + IMG_FSW, (pn_word_t)(seed % 7 + 1) << 11 | 0x0200, 2);
    put(img + IMG_FTW, 0xff, 1);
    put(img + IMG_MXCSR, mxcsr[seed % 4], 4);
    for (unsigned i = 0; i < 8; i++) {
        put(img + IMG_ST(i), tt_pattern(seed, 100 + i), 8);
        put(img + IMG_ST(i) + 8, tt_pattern(seed, 200 + i), 2);
    }
    for (unsigned i = 0; i < 16; i++) {
        put(img + IMG_XMM(i), tt_pattern(seed, 2 * i), 8);
        put(img + IMG_XMM(i) + 8, tt_pattern(seed, 2 * i + 1), 8);
    }
}

/* Describes the first field in which FXSAVE image `got` differs from `want` (the fields
 * the images define: not MXCSR_MASK, not the reserved bytes); returns 0 if none. */
static int fi_diff(char *buf, size_t size, const uint8_t *got, const uint8_t *want)
{
    static const struct {
        const char *name;
        unsigned offset, size;
    } fields[] = {{"FCW", IMG_FCW, 2}, {"FSW", IMG_FSW, 2}, {"FTW", IMG_FTW, 1},
                  {"FOP", IMG_FOP, 2}, {"FIP", IMG_FIP, 8}, {"FDP", IMG_FDP, 8},
                  {"MXCSR", IMG_MXCSR, 4}};
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        pn_word_t g = get(got + fields[i].offset, fields[i].size);
        pn_word_t w = get(want + fields[i].offset, fields[i].size);
        if (g != w) {
            pn_snprintf(buf, size, "%s 0x%lx, expected 0x%lx", fields[i].name, g, w);
            return 1;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *g = got + IMG_ST(i), *w = want + IMG_ST(i);
        if (memcmp(g, w, 10)) {
            pn_snprintf(buf, size, "ST%u 0x%04lx%016lx, expected 0x%04lx%016lx", i, get(g + 8, 2),
                        get(g, 8), get(w + 8, 2), get(w, 8));
            return 1;
        }
    }
    for (unsigned i = 0; i < 16; i++) {
        const uint8_t *g = got + IMG_XMM(i), *w = want + IMG_XMM(i);
        if (memcmp(g, w, 16)) {
            pn_snprintf(buf, size, "XMM%u 0x%016lx%016lx, expected 0x%016lx%016lx", i,
                        get(g + 8, 8), get(g, 8), get(w + 8, 8), get(w, 8));
            return 1;
        }
    }
    return 0;
}

/* ---- threads ---- */

/* A test starts: its threads are new, the blocks of the last test's are free. */
static void fi_begin(void)
{
    fi_used = 0;
}

static fi_block_t *fi_block(void)
{
    if (fi_used == FI_BLOCKS)
        FAIL("more than %d FPU test threads", FI_BLOCKS);
    fi_block_t *b = &fi_blocks[fi_used++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Starts an asm thread at `entry` with rdi = its block. */
static void fi_go(tt_thread_t *t, fi_block_t *b, char *entry)
{
    b->self = t->tcb;
    b->suspend_info = pn_msginfo(PN_TCB_SUSPEND, 0, 0, 0);
    pn_word_t regs[PN_UC_RDI + 1] = {0};
    regs[PN_UC_RIP] = (pn_word_t)entry;
    regs[PN_UC_RDI] = (pn_word_t)b;
    tt_start_regs(t, regs, PN_UC_RDI + 1);
}

/* A server on a fresh endpoint (in *ep), with its own values of `seed` (held from the
 * start if flags has FI_F_FPU, else loaded by FI_L_LOAD); it waits in Recv, then
 * (passive) its SC is taken away. */
static tt_thread_t *fi_server_start(fi_block_t *b, pn_cptr_t *ep, pn_word_t flags,
                                    pn_word_t seed, pn_cptr_t fault_ep, bool passive)
{
    *ep = tt_new(PN_OBJ_ENDPOINT, 0);
    tt_thread_t *s = tt_thread(60, fault_ep, 0);
    b->ep = *ep;
    b->reply = tt_new(PN_OBJ_REPLY, 0);
    b->flags = flags;
    fi_values(b->want, seed);
    fi_go(s, b, fi_server);
    tt_settle();
    CHECK_EQ(b->done, 0);
    if (passive)
        MUST(pn_sched_context_unbind(s->sc));
    return s;
}

/* A client of endpoint `ep` (Write and GrantReply: the fastpath's cap) doing `rounds`
 * rounds with `label`, its own values of `seed`; started by fi_go(c, b, fi_client). */
static tt_thread_t *fi_client_new(fi_block_t *b, pn_cptr_t ep, pn_word_t flags,
                                  pn_word_t seed, unsigned rounds, pn_word_t label)
{
    tt_thread_t *c = tt_thread(50, 0, 0);
    b->ep = tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0);
    b->flags = flags;
    b->rounds = rounds;
    for (unsigned r = 0; r < rounds; r++)
        b->script[r] = label;
    fi_values(b->want, seed);
    return c;
}

/* ---- checks ---- */

/* The thread's checks of its own values all passed. */
static void fi_check_kept(const char *file, int line, const char *who, const fi_block_t *b)
{
    if (!b->bad)
        return;
    char d[160];
    if (!fi_diff(d, sizeof d, b->badimg, b->want))
        pn_snprintf(d, sizeof d, "a byte FXSAVE does not define");
    test_fail(file, line, "%s: its own FPU state changed, first seen by check %lu: %s", who,
              b->bad, d);
}
#define CHECK_KEPT(who, b) fi_check_kept(__FILE__, __LINE__, who, b)

/* Its peek saw the initial state. */
static void fi_check_clean(const char *file, int line, const char *who, const fi_block_t *b)
{
    uint8_t clean[FI_IMAGE];
    char d[160];
    fi_clean_image(clean);
    if (fi_diff(d, sizeof d, b->got, clean))
        test_fail(file, line, "%s: its first FPU instruction did not see the initial state: %s",
                  who, d);
}
#define CHECK_CLEAN(who, b) fi_check_clean(__FILE__, __LINE__, who, b)

/* Every round of the client got its answer: same label, length 1, MR0 = round + 1 (for
 * FI_L_TLS: `tls`). */
static void fi_check_client(const char *file, int line, const fi_block_t *b, pn_word_t tls)
{
    if (b->done != b->rounds)
        test_fail(file, line, "client: %lu rounds of %lu done (it faulted or is blocked)",
                  b->done, b->rounds);
    for (unsigned r = 0; r < b->rounds; r++) {
        pn_word_t label = b->script[r] & 0xffffffffu;
        pn_word_t mr0 = label == FI_L_TLS ? tls : r + 1;
        if (b->info[r] != pn_msginfo(label, 0, 0, 1) || b->mr0[r] != mr0)
            test_fail(file, line, "client round %u: reply info 0x%lx MR0 0x%lx, expected 0x%lx 0x%lx",
                      r, b->info[r], b->mr0[r], pn_msginfo(label, 0, 0, 1), mr0);
    }
}
#define CHECK_CLIENT(b, tls) fi_check_client(__FILE__, __LINE__, b, tls)

/* The server's receives first .. first + n - 1 were rounds 0 .. n - 1 of client c. */
static void fi_check_served(const char *file, int line, const fi_block_t *s, unsigned first,
                            const fi_block_t *c, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        pn_word_t label = c->script[k] & 0xffffffffu;
        if (s->info[first + k] != pn_msginfo(label, 0, 0, 1) || s->mr0[first + k] != k)
            test_fail(file, line, "server receive %u: info 0x%lx MR0 0x%lx, expected 0x%lx 0x%x",
                      first + k, s->info[first + k], s->mr0[first + k],
                      pn_msginfo(label, 0, 0, 1), k);
    }
}
#define CHECK_SERVED(s, first, c, n) fi_check_served(__FILE__, __LINE__, s, first, c, n)

/* The passive server holds no SC after all its replies: its own one binds again. */
static void fi_check_passive(tt_thread_t *s)
{
    MUST(pn_sched_context_bind(s->sc, s->tcb));
}

#define SEED_A 0xa11ceul
#define SEED_B 0xb0bul
#define SEED_C 0xc0ffe1ul /* (the three differ in every field: fi_values) */

/* ---- the tests ---- */

/* A client holding its own values calls a server that never uses the FPU, 64 rounds:
 * after every reply the client's state is intact. */
TEST(fpu_ipc_client_values_survive_non_fpu_server)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *cb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, 0, 0, 0, true);
    tt_thread_t *c = fi_client_new(cb, ep, FI_F_FPU, SEED_A, FI_MAX_ROUNDS, FI_L_ECHO);
    fi_go(c, cb, fi_client);
    tt_settle();
    CHECK_CLIENT(cb, 0);
    CHECK_KEPT("client", cb);
    CHECK_EQ(sb->done, FI_MAX_ROUNDS);
    CHECK_SERVED(sb, 0, cb, FI_MAX_ROUNDS);
    fi_check_passive(s);
}

/* A server that has not used the FPU gets calls from a client with live values: 8
 * without an FPU instruction, then one in which its first FPU instruction (FXSAVE) sees
 * the initial state, never the client's.  Then it loads its own values, and for 22 more
 * rounds both keep theirs. */
TEST(fpu_ipc_server_first_fpu_use_sees_initial_state)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *cb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, 0, SEED_B, 0, true);
    tt_thread_t *c = fi_client_new(cb, ep, FI_F_FPU, SEED_A, 32, FI_L_ECHO);
    cb->script[8] = FI_L_PEEK;
    cb->script[9] = FI_L_LOAD;
    fi_go(c, cb, fi_client);
    tt_settle();
    CHECK_CLIENT(cb, 0);
    CHECK_CLEAN("server", sb);
    CHECK_KEPT("client", cb);
    CHECK_KEPT("server", sb);
    CHECK_EQ(sb->done, 32);
    CHECK_SERVED(sb, 0, cb, 32);
    fi_check_passive(s);
}

/* The reverse: a server with live values, a client that does not use the FPU for 32
 * rounds; the server's values survive, and the client's first FPU instruction then sees
 * the initial state.  It loads its own values and both keep theirs for 16 more rounds. */
TEST(fpu_ipc_server_values_survive_non_fpu_client)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *cb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, FI_F_FPU, SEED_B, 0, true);
    tt_thread_t *c = fi_client_new(cb, ep, 0, SEED_A, 48, FI_L_ECHO);
    cb->script[32] |= 1ul << FI_C_PEEK_BIT | 1ul << FI_C_LOAD_BIT;
    fi_go(c, cb, fi_client);
    tt_settle();
    CHECK_CLIENT(cb, 0);
    CHECK_KEPT("server", sb);
    CHECK_CLEAN("client", cb);
    CHECK_KEPT("client", cb);
    CHECK_EQ(sb->done, 48);
    CHECK_SERVED(sb, 0, cb, 48);
    fi_check_passive(s);
}

/* Client and server both with live values: each keeps its own, passive server (the
 * fastpath's case) ... */
TEST(fpu_ipc_two_fpu_users_keep_their_own)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *cb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, FI_F_FPU, SEED_B, 0, true);
    tt_thread_t *c = fi_client_new(cb, ep, FI_F_FPU, SEED_A, FI_MAX_ROUNDS, FI_L_ECHO);
    fi_go(c, cb, fi_client);
    tt_settle();
    CHECK_CLIENT(cb, 0);
    CHECK_KEPT("client", cb);
    CHECK_KEPT("server", sb);
    CHECK_EQ(sb->done, FI_MAX_ROUNDS);
    CHECK_SERVED(sb, 0, cb, FI_MAX_ROUNDS);
    fi_check_passive(s);
}

/* ... and a server with its own SC (the general path's switch). */
TEST(fpu_ipc_two_fpu_users_active_server)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *cb = fi_block();
    fi_server_start(sb, &ep, FI_F_FPU, SEED_B, 0, false);
    tt_thread_t *c = fi_client_new(cb, ep, FI_F_FPU, SEED_A, FI_MAX_ROUNDS, FI_L_ECHO);
    fi_go(c, cb, fi_client);
    tt_settle();
    CHECK_CLIENT(cb, 0);
    CHECK_KEPT("client", cb);
    CHECK_KEPT("server", sb);
    CHECK_EQ(sb->done, FI_MAX_ROUNDS);
}

/* Two clients with different values share a server that does not use the FPU, yielding
 * to each other after every round: switches between the three by IPC and by the
 * scheduler, none of them shows one client's values to the other or loses them. */
TEST(fpu_ipc_two_fpu_clients_share_non_fpu_server)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *ab = fi_block(), *bb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, 0, 0, 0, true);
    tt_thread_t *a = fi_client_new(ab, ep, FI_F_FPU, SEED_A, 32, FI_L_ECHO);
    tt_thread_t *b = fi_client_new(bb, ep, FI_F_FPU, SEED_C, 32, FI_L_ECHO);
    for (unsigned r = 0; r < 32; r++) {
        ab->script[r] |= 1ul << FI_C_YIELD_BIT;
        bb->script[r] |= 1ul << FI_C_YIELD_BIT;
    }
    fi_go(a, ab, fi_client);
    fi_go(b, bb, fi_client);
    tt_settle();
    CHECK_CLIENT(ab, 0);
    CHECK_CLIENT(bb, 0);
    CHECK_KEPT("client A", ab);
    CHECK_KEPT("client B", bb);
    CHECK_EQ(sb->done, 64);
    fi_check_passive(s);
}

/* fpuDisabled set on a server with live values while it waits in Recv: the first FPU
 * instruction after the next call is UserException 7 to its fault handler (FaultIP that
 * instruction, error code 0); with the flag cleared again and the fault answered, the
 * instruction runs and sees the server's values as they were; both threads go on keeping
 * theirs. */
TEST(fpu_ipc_fpu_disabled_server_faults_and_keeps_its_state)
{
    fi_begin();
    pn_cptr_t ep, fep = tt_new(PN_OBJ_ENDPOINT, 0), freply = tt_new(PN_OBJ_REPLY, 0);
    fi_block_t *sb = fi_block(), *ab = fi_block(), *bb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, FI_F_FPU, SEED_B, tt_mint(fep, PN_RIGHTS_ALL, 0xfd), true);
    tt_thread_t *a = fi_client_new(ab, ep, FI_F_FPU, SEED_A, 8, FI_L_ECHO);
    fi_go(a, ab, fi_client);
    tt_settle();
    CHECK_CLIENT(ab, 0);
    CHECK_KEPT("client A", ab);
    CHECK_KEPT("server", sb);
    CHECK_EQ(sb->done, 8);

    EXPECT_SUCCESS(tt_call(s->tcb, PN_TCB_SET_FLAGS, WORDS(0, PN_TCB_FLAG_FPU_DISABLED), NOCAPS),
                   PN_TCB_FLAG_FPU_DISABLED);
    tt_thread_t *b = fi_client_new(bb, ep, FI_F_FPU, SEED_C, 8, FI_L_ECHO);
    fi_go(b, bb, fi_client);
    tt_settle(); /* the server got round 0 and faulted at its check */
    CHECK_EQ(sb->done, 9);
    CHECK_EQ(bb->done, 0);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_recv(fep, &m, freply), 0xfd);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_USER_EXCEPTION, 0, 0, 5));
    CHECK_EQ(m.mr[0], (pn_word_t)fi_fxsave_insn);
    CHECK_EQ(m.mr[3], 7);
    CHECK_EQ(pn_ipc->msg[4], 0);

    EXPECT_SUCCESS(tt_call(s->tcb, PN_TCB_SET_FLAGS, WORDS(PN_TCB_FLAG_FPU_DISABLED, 0), NOCAPS),
                   0);
    m = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(freply, &m); /* restart the instruction */
    tt_settle();
    CHECK_CLIENT(bb, 0);
    CHECK_KEPT("server", sb);
    CHECK_KEPT("client B", bb);
    CHECK_EQ(sb->done, 16);
    CHECK_SERVED(sb, 8, bb, 8);
    fi_check_passive(s);
}

/* The word at %fs:fs_offset for each round of a client. */
static void fi_check_fs(const char *file, int line, const fi_block_t *b, pn_word_t want)
{
    for (unsigned r = 0; r < b->rounds; r++)
        if (b->fs[r] != want)
            test_fail(file, line, "client round %u: the word at %%fs:0x%lx is 0x%lx, expected 0x%lx",
                      r, b->fs_offset, b->fs[r], want);
}
#define CHECK_FS(b, want) fi_check_fs(__FILE__, __LINE__, b, want)

/* A server with a TLS base that does not use the FPU, called by a client with live FPU
 * values and FS base 0, then by one with a TLS base of its own: every round the server
 * reads its own word at %fs:0, the clients theirs through their own bases (client A at
 * %fs:&word), and the clients' FPU values survive. */
static volatile pn_word_t fi_server_tls = 0x5e7e7715ul, fi_a_word = 0xaaaa7715ul,
                          fi_b_tls = 0xbbbb7715ul;

TEST(fpu_ipc_tls_server_without_fpu)
{
    fi_begin();
    pn_cptr_t ep;
    fi_block_t *sb = fi_block(), *ab = fi_block(), *bb = fi_block();
    tt_thread_t *s = fi_server_start(sb, &ep, 0, 0, 0, true);
    MUST(pn_tcb_set_tls_base(s->tcb, (pn_word_t)&fi_server_tls));
    tt_thread_t *a = fi_client_new(ab, ep, FI_F_FPU | FI_F_TLS, SEED_A, 32, FI_L_TLS);
    ab->fs_offset = (pn_word_t)&fi_a_word;
    fi_go(a, ab, fi_client);
    tt_settle();
    CHECK_CLIENT(ab, fi_server_tls);
    CHECK_FS(ab, fi_a_word);
    CHECK_KEPT("client A", ab);

    tt_thread_t *b = fi_client_new(bb, ep, FI_F_FPU | FI_F_TLS, SEED_C, 32, FI_L_TLS);
    MUST(pn_tcb_set_tls_base(b->tcb, (pn_word_t)&fi_b_tls));
    fi_go(b, bb, fi_client);
    tt_settle();
    CHECK_CLIENT(bb, fi_server_tls);
    CHECK_FS(bb, fi_b_tls);
    CHECK_KEPT("client B", bb);
    CHECK_EQ(sb->done, 64);
    fi_check_passive(s);
}
