/* The IPC fastpath (kernel/src/kernel/fastpath.c) must be semantically invisible: a
 * baseline passive-server Call / ReplyRecv exchange (every fastpath condition holds), then
 * one test per fall-through condition, each flipping exactly that condition and checking
 * the result the ABI specifies (syscalls.md §3, semantics.md §5.1-§5.6, §6.1, faults.md
 * §2-§4, invocations.md §1, types.md §5).  The same expectations hold on a FASTPATH=0
 * kernel.  docs/testing.md lists the conditions and the test of each. */
#include "tthread.h"
#include <stdbool.h>

#define FP_SENTINEL 0x5e5e5e5e5e5e5e5eul

/* ---- client ----
 * arg[0] endpoint cap, arg[1] rounds (<= 12), arg[2] lengths (4 bits per round, round r in
 * bits 4r..4r+3), arg[3] mask of rounds that send an extra cap (arg[4]; from round 2 on
 * arg[6] instead if not 0), arg[5] log base
 * (0: no log; else logs base+1 before each Call and base+2 after it), arg[7] receive slot
 * for caps in the replies (0: none).
 * Round r calls with label 1000 + 10r + len, words tt_pattern(label, i); the server
 * answers label + 1000, same length, words tt_pattern(label + 1000, i).
 * out[0] rounds completed, out[1] reply words that do not match the pattern of the reply's
 * label, out[2 + 2r] reply message info, out[3 + 2r] reply badge. */
static pn_word_t fp_label(unsigned r, unsigned len) { return 1000 + 10 * r + len; }

static void fp_client(tt_thread_t *t)
{
    pn_ipc_buffer_t *ipc = t->ipc;
    if (t->arg[7]) {
        ipc->receive_cnode = ROOT_CNODE;
        ipc->receive_index = t->arg[7];
        ipc->receive_depth = 64;
    }
    for (unsigned r = 0; r < t->arg[1]; r++) {
        unsigned len = (unsigned)(t->arg[2] >> (4 * r)) & 0xf;
        pn_word_t label = fp_label(r, len), caps = (t->arg[3] >> r) & 1;
        pn_msg_t m;
        m.info = pn_msginfo(label, 0, caps, len);
        for (unsigned i = 0; i < 4; i++)
            m.mr[i] = i < len ? tt_pattern(label, i) : 0;
        for (unsigned i = 4; i < len; i++)
            ipc->msg[i] = tt_pattern(label, i);
        if (caps)
            ipc->caps_or_badges[0] = (r >= 2 && t->arg[6]) ? t->arg[6] : t->arg[4];
        if (t->arg[5])
            tt_log(t->arg[5] + 1);
        pn_word_t badge = pn_call(t->arg[0], &m);
        if (t->arg[5])
            tt_log(t->arg[5] + 2);
        t->out[2 + 2 * r] = m.info;
        t->out[3 + 2 * r] = badge;
        pn_word_t rlabel = pn_msginfo_label(m.info);
        for (unsigned i = 0; i < pn_msginfo_length(m.info); i++)
            if ((i < 4 ? m.mr[i] : ipc->msg[i]) != tt_pattern(rlabel, i))
                t->out[1]++;
        t->out[0] = r + 1;
    }
}

static tt_thread_t *fp_client_new(pn_word_t prio, pn_cptr_t ep, unsigned rounds,
                                  pn_word_t lens, pn_word_t log_base)
{
    tt_thread_t *c = tt_thread(prio, 0, 0);
    c->arg[0] = ep;
    c->arg[1] = rounds;
    c->arg[2] = lens;
    c->arg[5] = log_base;
    return c;
}

/* The client's round r got the server's standard answer (label + 1000, badge 0). */
static void check_client_round(tt_thread_t *c, unsigned r)
{
    unsigned len = (unsigned)(c->arg[2] >> (4 * r)) & 0xf;
    if (c->out[2 + 2 * r] != pn_msginfo(fp_label(r, len) + 1000, 0, 0, len))
        FAIL("client round %u: reply info 0x%lx, expected 0x%lx", r, c->out[2 + 2 * r],
             pn_msginfo(fp_label(r, len) + 1000, 0, 0, len));
    if (c->out[3 + 2 * r] != 0)
        FAIL("client round %u: reply badge 0x%lx, expected 0", r, c->out[3 + 2 * r]);
}

static void check_client(tt_thread_t *c)
{
    CHECK(c->done);
    CHECK_EQ(c->out[0], c->arg[1]);
    CHECK_EQ(c->out[1], 0);
    for (unsigned r = 0; r < c->arg[1]; r++)
        check_client_round(c, r);
}

/* ---- server ----
 * arg[0] endpoint, arg[1] reply object, arg[2] flags, arg[3] root endpoint (SRV_REPORT:
 * Call it after every receive), arg[4] receive slot (0: none), arg[5] reply cptr for the
 * first ReplyRecv instead of arg[1] (0: arg[1]), arg[6] log value at every receive (0: none),
 * arg[7] the cap every reply carries (SRV_CAP).
 * out[0] receives, out[1] words of client messages not matching their pattern or length,
 * out[2 + 3r] badge, out[3 + 3r] info, out[4 + 3r] caps_or_badges[0] of receive r (r < 9),
 * out[30] / out[31] MR0 / MR3 of the last receive. */
enum { SRV_WAIT = 1, SRV_REPORT = 2, SRV_FAULT = 4, SRV_CAP = 8 };

static void fp_server(tt_thread_t *t)
{
    pn_ipc_buffer_t *ipc = t->ipc;
    if (t->arg[4]) {
        ipc->receive_cnode = ROOT_CNODE;
        ipc->receive_index = t->arg[4];
        ipc->receive_depth = 64;
    }
    ipc->caps_or_badges[0] = FP_SENTINEL;
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_word_t badge = (t->arg[2] & SRV_WAIT) ? pn_wait(t->arg[0], &m)
                                             : pn_recv(t->arg[0], &m, t->arg[1]);
    for (unsigned r = 0;; r++) {
        if (r < 9) {
            t->out[2 + 3 * r] = badge;
            t->out[3 + 3 * r] = m.info;
            t->out[4 + 3 * r] = ipc->caps_or_badges[0];
        }
        t->out[30] = m.mr[0];
        t->out[31] = m.mr[3];
        pn_word_t label = pn_msginfo_label(m.info), len = pn_msginfo_length(m.info);
        if (label >= 1000 && label < 2000) {
            if (len != label % 10)
                t->out[1]++;
            for (unsigned i = 0; i < len; i++)
                if ((i < 4 ? m.mr[i] : ipc->msg[i]) != tt_pattern(label, i))
                    t->out[1]++;
        }
        t->out[0] = r + 1;
        if (t->arg[6])
            tt_log(t->arg[6]);
        if (t->arg[2] & SRV_REPORT) {
            pn_msg_t q = tt_msg(0, 1, r, 0, 0, 0);
            pn_call(t->arg[3], &q);
        }
        ipc->caps_or_badges[0] = (t->arg[2] & SRV_CAP) ? t->arg[7] : FP_SENTINEL;
        pn_msg_t a;
        if (t->arg[2] & SRV_FAULT) {
            a = tt_msg(r == 0 ? 0 : 1, 0, 0, 0, 0, 0); /* restart, then Inactive */
        } else {
            pn_word_t rl = label + 1000;
            a.info = pn_msginfo(rl, 0, (t->arg[2] & SRV_CAP) ? 1 : 0, len);
            for (unsigned i = 0; i < 4; i++)
                a.mr[i] = i < len ? tt_pattern(rl, i) : 0;
            for (unsigned i = 4; i < len; i++)
                ipc->msg[i] = tt_pattern(rl, i);
        }
        pn_cptr_t rc = (r == 0 && t->arg[5]) ? t->arg[5] : t->arg[1];
        m = a;
        badge = pn_reply_recv(t->arg[0], &m, rc);
    }
}

static tt_thread_t *fp_server_new(pn_word_t prio, pn_cptr_t ep, pn_cptr_t reply, pn_word_t flags)
{
    tt_thread_t *s = tt_thread(prio, 0, 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[2] = flags;
    return s;
}

/* Starts the server, lets it block in its first receive, then (passive) takes its SC. */
static void fp_server_go(tt_thread_t *s, bool passive)
{
    tt_start(s, fp_server);
    tt_settle();
    CHECK_EQ(s->out[0], 0);
    if (passive)
        MUST(pn_sched_context_unbind(s->sc));
}

/* The server holds no SC: its own one can be bound to it again (semantics.md §4). */
static void check_passive(tt_thread_t *s)
{
    MUST(pn_sched_context_bind(s->sc, s->tcb));
}

static void check_server_round(tt_thread_t *s, unsigned r, pn_word_t badge, pn_word_t info)
{
    if (s->out[2 + 3 * r] != badge)
        FAIL("server receive %u: badge 0x%lx, expected 0x%lx", r, s->out[2 + 3 * r], badge);
    if (s->out[3 + 3 * r] != info)
        FAIL("server receive %u: info 0x%lx, expected 0x%lx", r, s->out[3 + 3 * r], info);
}

#define LENS_0_TO_4 0x443210ul /* rounds: 0, 1, 2, 3, 4, 4 words */

/* (1) Every fastpath condition holds: passive server (priority above the client) in Recv
 * then ReplyRecv, Write + GrantReply cap, 0..4 words, no caps. */
TEST(ipc_fastpath_baseline_round_trips)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    fp_server_go(s, true);
    tt_thread_t *c =
        fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xb0b), 6,
                      LENS_0_TO_4, 0);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 6);
    CHECK_EQ(s->out[1], 0);
    for (unsigned r = 0; r < 6; r++) {
        unsigned len = (LENS_0_TO_4 >> (4 * r)) & 0xf;
        check_server_round(s, r, 0xb0b, pn_msginfo(fp_label(r, len), 0, 0, len));
    }
    check_passive(s); /* every reply gave the donated SC back */
}

/* Grant (instead of GrantReply) also lets the caller wait for the reply. */
TEST(ipc_fastpath_grant_right_round_trips)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT, 7), 3,
                                   0x413, 0);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 3);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 2, 7, pn_msginfo(fp_label(2, 4), 0, 0, 4));
    check_passive(s);
}

/* (2) Length 5..7: MR4+ go buffer to buffer, both ways (semantics.md §5.4). */
TEST(ipc_fastpath_five_words_use_the_buffer)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 5),
                                   3, 0x475, 0); /* 5, 7, 4 words */
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 3);
    CHECK_EQ(s->out[1], 0); /* words 4.. arrived */
    check_server_round(s, 0, 5, pn_msginfo(fp_label(0, 5), 0, 0, 5));
    check_server_round(s, 1, 5, pn_msginfo(fp_label(1, 7), 0, 0, 7));
    check_server_round(s, 2, 5, pn_msginfo(fp_label(2, 4), 0, 0, 4));
    check_passive(s);
}

/* (3) An extra cap: transferred into the receive slot (extraCaps 1); sent again, the slot
 * is occupied so the receiver has no receive slot: not transferred, extraCaps 0; the
 * endpoint's own cap is unwrapped (its badge, capsUnwrapped bit 0, extraCaps 1); then a
 * cap-less round (semantics.md §5.4, types.md §2). */
TEST(ipc_fastpath_extra_cap_is_transferred)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), rs = tt_slot();
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[4] = rs;
    fp_server_go(s, true);
    pn_cptr_t epc = tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT, 0x55);
    tt_thread_t *c = fp_client_new(50, epc, 4, 0x3412, 0); /* 2, 1, 4, 3 words */
    c->arg[3] = 0x7;                                       /* caps in rounds 0..2 */
    c->arg[4] = tt_mint(n, PN_RIGHT_WRITE, 0x9);
    c->arg[6] = epc;
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 4);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 0, 0x55, pn_msginfo(fp_label(0, 2), 0, 1, 2));
    CHECK_EQ(s->out[4], FP_SENTINEL); /* a transferred cap writes no badge */
    CHECK_CAP_TYPE(rs, PN_CAP_NOTIFICATION);
    pn_signal(rs); /* rights and badge unchanged */
    CHECK_EQ(pn_ntfn_poll(n), 0x9);
    check_server_round(s, 1, 0x55, pn_msginfo(fp_label(1, 1), 0, 0, 1));
    CHECK_EQ(s->out[7], FP_SENTINEL);
    check_server_round(s, 2, 0x55, pn_msginfo(fp_label(2, 4), 1, 1, 4));
    CHECK_EQ(s->out[10], 0x55);
    check_server_round(s, 3, 0x55, pn_msginfo(fp_label(3, 3), 0, 0, 3));
    check_passive(s);
}

/* An extra cap through a cap without Grant (GrantReply only): not transferred, the
 * message is delivered with extraCaps 0, and the caller still gets its reply. */
TEST(ipc_fastpath_extra_cap_without_grant_is_dropped)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), rs = tt_slot();
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[4] = rs;
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 3),
                                   1, 0x2, 0);
    c->arg[3] = 1;
    c->arg[4] = tt_mint(n, PN_RIGHT_WRITE, 0x9);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    check_server_round(s, 0, 3, pn_msginfo(fp_label(0, 2), 0, 0, 2));
    CHECK_EQ(s->out[1], 0);
    CHECK_CAP_TYPE(rs, PN_CAP_NULL);
    check_passive(s);
}

/* (4) A cap with neither Grant nor GrantReply: the message is delivered, the caller
 * becomes Inactive and donates nothing, so the passive server cannot run until it gets an
 * SC; its ReplyRecv then replies to nobody (semantics.md §5.2, §5.5). */
TEST(ipc_fastpath_call_without_grant_caller_inactive)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_READ, 0x11), 1,
                                   0x3, 100);
    tt_start(c, fp_client);
    tt_settle();
    CHECK_LOG(101);
    CHECK_EQ(c->out[0], 0);
    CHECK_EQ(s->out[0], 0); /* no SC was donated */
    check_passive(s);       /* binds its SC: it runs */
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 0, 0x11, pn_msginfo(fp_label(0, 3), 0, 0, 3));
    CHECK_LOG(101);
    CHECK(!c->done);
    CHECK_EQ(c->out[0], 0);
}

/* (5) The server received with Wait (no reply object): the caller becomes Inactive. */
TEST(ipc_fastpath_server_waiting_without_reply_object)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, SRV_WAIT);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHTS_ALL, 0x12), 1, 0x4, 100);
    tt_start(c, fp_client);
    tt_settle();
    CHECK_LOG(101);
    CHECK_EQ(s->out[0], 0); /* no SC was donated */
    check_passive(s);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 0, 0x12, pn_msginfo(fp_label(0, 4), 0, 0, 4));
    CHECK_LOG(101);
    CHECK(!c->done);
    CHECK_EQ(c->out[0], 0);
    MUST(pn_tcb_resume(c->tcb)); /* Inactive: the Call is made again, now with a reply object */
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 2);
    check_server_round(s, 1, 0x12, pn_msginfo(fp_label(0, 4), 0, 0, 4));
    CHECK_LOG(101, 102);
}

/* (6) A server with its own SC (not passive): same results, nothing donated. */
TEST(ipc_fastpath_active_server_same_results)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    fp_server_go(s, false);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xb0b),
                                   6, LENS_0_TO_4, 0);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_EQ(s->out[0], 6);
    CHECK_EQ(s->out[1], 0);
    for (unsigned r = 0; r < 6; r++) {
        unsigned len = (LENS_0_TO_4 >> (4 * r)) & 0xf;
        check_server_round(s, r, 0xb0b, pn_msginfo(fp_label(r, len), 0, 0, len));
    }
    /* the server kept its own SC */
    EXPECT_ERROR(tt_call(s->sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION);
}

static void fp_logger(tt_thread_t *t) { tt_log(t->arg[0]); }

/* (7) A passive server below the client's priority: it runs at its own priority on the
 * donated SC, so a ready thread between the two runs first (semantics.md §6.1). */
TEST(ipc_fastpath_low_priority_server_waits_for_middle_thread)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(40, ep, reply, 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *mid = tt_thread(50, 0, 0);
    mid->arg[0] = 5;
    tt_start(mid, fp_logger);
    tt_thread_t *c = fp_client_new(60, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x2, 100);
    tt_start(c, fp_client);
    tt_settle();
    CHECK_LOG(101, 5, 7, 102);
    check_client(c);
    CHECK(mid->done);
    check_server_round(s, 0, 1, pn_msginfo(fp_label(0, 2), 0, 0, 2));
    check_passive(s);
}

/* The same without the middle thread: nothing outranks the server, it runs at once. */
TEST(ipc_fastpath_low_priority_server_alone)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(40, ep, reply, 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(60, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   3, 0x421, 100);
    tt_start(c, fp_client);
    tt_settle();
    CHECK_LOG(101, 7, 102, 101, 7, 102, 101, 7, 102);
    check_client(c);
    check_server_round(s, 2, 1, pn_msginfo(fp_label(2, 4), 0, 0, 4));
    check_passive(s);
}

/* (8) ReplyRecv while a caller is queued on the endpoint: the reply goes out and the
 * queued message is received at once (semantics.md §5.3). */
TEST(ipc_fastpath_reply_recv_with_queued_sender)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, SRV_REPORT);
    s->arg[3] = root_ep;
    fp_server_go(s, true);
    tt_thread_t *a = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x3, 100);
    tt_start(a, fp_client);
    pn_msg_t q = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply); /* the server has a's message */
    CHECK_EQ(s->out[0], 1);
    check_server_round(s, 0, 1, pn_msginfo(fp_label(0, 3), 0, 0, 3));
    tt_thread_t *b = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 2),
                                   1, 0x4, 200);
    tt_start(b, fp_client);
    tt_settle(); /* b is queued on the endpoint */
    CHECK_LOG(101, 201);
    q = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &q); /* the server goes on to ReplyRecv */
    q = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply); /* b's message came at once */
    CHECK_EQ(q.mr[0], 1);
    CHECK_EQ(s->out[0], 2);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 1, 2, pn_msginfo(fp_label(0, 4), 0, 0, 4));
    q = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &q);
    tt_settle();
    check_client(a);
    check_client(b);
    /* b runs first: a went to the ready queue when the server, at 60 on b's SC, received
     * b's call; the reply to b makes b the switch candidate with the server blocked, and
     * b's priority is the highest ready one (a's), so b runs at once (semantics.md §6.1;
     * on the fastpath, seL4's direct switch needs the same: no ready thread above b). */
    CHECK_LOG(101, 201, 202, 102);
    CHECK_EQ(s->out[0], 2);
    check_passive(s);
}

/* (9) ReplyRecv with a signal pending on the server's bound notification: the reply goes
 * out, then the signal is delivered instead of a message: rdi = the badge, message info
 * and MRs not written (they hold what the server sent) (semantics.md §5.3, §5.6). */
TEST(ipc_fastpath_reply_recv_with_pending_notification)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, SRV_REPORT);
    s->arg[3] = root_ep;
    MUST(pn_tcb_bind_notification(s->tcb, n));
    fp_server_go(s, true);
    tt_thread_t *a = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x2, 100);
    tt_start(a, fp_client);
    pn_msg_t q = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply);
    CHECK_EQ(s->out[0], 1);
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 0x40)); /* server BlockedOnReply: n Active */
    q = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &q);
    tt_settle();
    check_client(a);        /* the reply went out and the SC went back */
    CHECK_EQ(s->out[0], 1); /* woken by the signal, but without an SC */
    check_passive(s);
    q = (pn_msg_t){0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply);
    CHECK_EQ(s->out[0], 2);
    pn_word_t sent = fp_label(0, 2) + 1000;
    check_server_round(s, 1, 0x40, pn_msginfo(sent, 0, 0, 2));
    CHECK_EQ(s->out[30], tt_pattern(sent, 0));
    q = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &q);
    tt_settle();
    /* the signal was consumed: the server (active now) blocks in its next receive; the
     * root task cannot poll n itself, it is bound to the server (semantics.md §5.6) */
    CHECK_EQ(s->out[0], 2);
    CHECK_LOG(101, 102);
}

/* (10) ReplyRecv naming another reply object, one with no caller: nothing is replied
 * (no error), the server receives with that object and keeps the donated SC; replying
 * through the caller's reply object later returns it (semantics.md §5.5). */
TEST(ipc_fastpath_reply_recv_with_reply_object_without_caller)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t reply2 = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[5] = reply2;
    fp_server_go(s, true);
    tt_thread_t *a = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x1, 100);
    tt_start(a, fp_client);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK_EQ(a->out[0], 0);
    CHECK(!a->done);
    CHECK_LOG(101);
    /* the server holds a's SC */
    EXPECT_ERROR(tt_call(s->sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION);
    pn_msg_t m = tt_msg(77, 2, tt_pattern(77, 0), tt_pattern(77, 1), 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK(a->done);
    CHECK_EQ(a->out[1], 0);
    CHECK_EQ(a->out[2], pn_msginfo(77, 0, 0, 2));
    CHECK_EQ(a->out[3], 0);
    CHECK_LOG(101, 102);
    check_passive(s);
}

/* ReplyRecv naming an empty slot: phase 1 is ignored, phase 2 raises a receive-phase
 * CapFault (faults.md §2-§3); the caller is not replied to. */
TEST(ipc_fastpath_reply_recv_with_empty_reply_slot)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t empty = tt_slot();
    tt_thread_t *s = tt_thread(60, tt_mint(fep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xfa), 0);
    s->arg[0] = ep;
    s->arg[1] = reply;
    s->arg[5] = empty;
    fp_server_go(s, true);
    tt_thread_t *a = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x2, 100);
    tt_start(a, fp_client);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK(!a->done);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_recv(fep, &m, root_reply), 0xfa);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_CAP, 0, 0, 5));
    CHECK_EQ(m.mr[1], empty);
    CHECK_EQ(m.mr[2], 1); /* receive phase */
    CHECK_EQ(m.mr[3], 2); /* MissingCapability + 1 */
    CHECK_EQ(pn_ipc->msg[4], 0);
    CHECK(!a->done);
    m = tt_msg(33, 1, tt_pattern(33, 0), 0, 0, 0);
    pn_send(reply, &m); /* the caller's reply object still holds it */
    tt_settle();
    CHECK(a->done);
    CHECK_EQ(a->out[1], 0);
    CHECK_EQ(a->out[2], pn_msginfo(33, 0, 0, 1));
    CHECK_LOG(101, 102);
}

/* (11) ReplyRecv to a thread waiting for a fault reply: fault-reply semantics (faults.md
 * §3): label 0 restarts the faulting syscall (a second fault), label 1 makes the thread
 * Inactive; both give the donated SC back. */
static void fp_faulter(tt_thread_t *t __attribute__((unused)))
{
    pn_msg_t m = tt_msg(0, 0, 0, 0, 0, 0);
    tt_log(1);
    pn_syscall(0x1234, 0, &m, 0, 0);
    tt_log(2);
}

TEST(ipc_fastpath_reply_recv_to_faulted_caller)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, SRV_FAULT);
    s->arg[6] = 5;
    fp_server_go(s, true);
    tt_thread_t *f = tt_thread(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xfa), 0);
    tt_start(f, fp_faulter);
    tt_settle();
    CHECK_LOG(1, 5, 5);
    CHECK_EQ(s->out[0], 2);
    check_server_round(s, 0, 0xfa, pn_msginfo(PN_FAULT_UNKNOWN_SYSCALL, 0, 0, 19));
    check_server_round(s, 1, 0xfa, pn_msginfo(PN_FAULT_UNKNOWN_SYSCALL, 0, 0, 19));
    CHECK_EQ(s->out[31], 0x1234); /* MR3 = RDX */
    CHECK(!f->done);
    check_passive(s);
    /* Inactive with its SC back: Resume makes it fault again, to the now active server */
    MUST(pn_tcb_resume(f->tcb));
    tt_settle();
    CHECK_EQ(s->out[0], 3);
    CHECK(!f->done);
}

/* ---- state the fastpath's switch needs beyond the registers ----
 * The receiver's TLS base (and FPU use) may change while it waits in Recv; the fastpath
 * must still load it.  The server answers each call with the word at %fs:0 if the label
 * is 1, else 0 (its base is 0 until the root sets one). */
static volatile pn_word_t fp_tls_word = 0x71500f5e7ul;

static void fp_tls_server(tt_thread_t *t)
{
    pn_msg_t m = {0, {0, 0, 0, 0}};
    pn_recv(t->arg[0], &m, t->arg[1]);
    for (;;) {
        pn_word_t v = 0;
        if (pn_msginfo_label(m.info) == 1)
            __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
        t->out[0]++;
        m = tt_msg(0, 1, v, 0, 0, 0);
        pn_reply_recv(t->arg[0], &m, t->arg[1]);
    }
}

/* arg[0] endpoint, arg[1] label: one Call of that label; out[0] = the reply's MR0. */
static void fp_tls_client(tt_thread_t *t)
{
    pn_msg_t m = tt_msg(t->arg[1], 0, 0, 0, 0, 0);
    pn_call(t->arg[0], &m);
    t->out[0] = m.mr[0];
}

static void fp_tls_round(pn_cptr_t ep, pn_word_t label, pn_word_t expect)
{
    tt_thread_t *c = tt_thread(50, 0, 0);
    c->arg[0] = ep;
    c->arg[1] = label;
    tt_start(c, fp_tls_client);
    tt_settle();
    CHECK(c->done);
    CHECK_EQ(c->out[0], expect);
}

/* Passive server, base 0, serves a call; the root sets its TLS base while it waits in
 * ReplyRecv: the next call (fastpath conditions all hold) runs it with the new base; then
 * with the base set back to 0 through TCB_WriteRegisters (its next exit restores every
 * register, as written: RIP past its ReplyRecv), it serves a last call without reading
 * the base. */
TEST(ipc_fastpath_receiver_tls_base_set_while_waiting)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    tt_start(s, fp_tls_server);
    tt_settle();
    MUST(pn_sched_context_unbind(s->sc));
    pn_cptr_t epc = tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1);
    fp_tls_round(epc, 0, 0);
    CHECK_EQ(s->out[0], 1);
    MUST(pn_tcb_set_tls_base(s->tcb, (pn_word_t)&fp_tls_word));
    fp_tls_round(epc, 1, 0x71500f5e7ul);
    fp_tls_round(epc, 1, 0x71500f5e7ul);
    CHECK_EQ(s->out[0], 3);
    pn_word_t r[PN_UC_COUNT];
    MUST(pn_tcb_read_registers(s->tcb, 0, PN_UC_COUNT, r));
    CHECK_EQ(r[PN_UC_FS_BASE], (pn_word_t)&fp_tls_word);
    r[PN_UC_FS_BASE] = 0;
    r[PN_UC_RIP] += 2; /* RIP reads as the syscall instruction: resume after it */
    MUST(pn_tcb_write_registers(s->tcb, 0, PN_UC_COUNT, r));
    fp_tls_round(epc, 0, 0);
    CHECK_EQ(s->out[0], 4);
    MUST(pn_tcb_read_registers(s->tcb, 0, PN_UC_COUNT, r));
    CHECK_EQ(r[PN_UC_FS_BASE], 0);
    check_passive(s);
}

/* ---- Call: the cap the caller names ---- */

#define FP_ROOT_RADIX ((pn_word_t)pn_bootinfo->init_thread_cnode_size_bits)

/* arg[0] cptr, arg[1] message info, arg[2] log base: logs base+1, one Call at
 * tt_probe_syscall_insn (MRs 0), logs base+2; out[0] = the badge register after it. */
static void fp_probe_call(tt_thread_t *t)
{
    tt_log(t->arg[2] + 1);
    t->out[0] = tt_probe_syscall(PN_SYS_CALL, t->arg[0], t->arg[1], 0);
    tt_log(t->arg[2] + 2);
}

/* A passive server waits (every condition on its side holds) and a cptr whose guard does
 * not match names the endpoint's cap in its low bits: a send-phase CapFault, GuardMismatch
 * at the root CNode (faults.md §2, §4), the server gets nothing.  The restart (a CapFault
 * reply restarts whatever the label, faults.md §3) makes the same Call again, now through
 * the caller's cached CSpace root: the same fault. */
TEST(ipc_fastpath_call_guard_mismatch_cap_fault)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), fault_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    pn_cptr_t epc = tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x31);
    pn_word_t far = epc | 1ul << 63;
    tt_thread_t *c = tt_thread(50, tt_mint(fep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xfa), 0);
    c->arg[0] = far;
    c->arg[1] = pn_msginfo(1001, 0, 0, 1);
    c->arg[2] = 100;
    tt_start(c, fp_probe_call);
    for (unsigned i = 0; i < 2; i++) {
        tt_settle(); /* the fault waits on fep */
        pn_msg_t m = {0, {0, 0, 0, 0}};
        if (pn_nb_recv(fep, &m, fault_reply) != 0xfa)
            FAIL("Call %u: no fault message (the server has had %lu messages)", i, s->out[0]);
        CHECK_EQ(m.info, pn_msginfo(PN_FAULT_CAP, 0, 0, 7));
        CHECK_EQ(m.mr[0], (pn_word_t)tt_probe_syscall_insn);
        CHECK_EQ(m.mr[1], far);
        CHECK_EQ(m.mr[2], 0); /* send phase */
        CHECK_EQ(m.mr[3], 4); /* GuardMismatch + 1 */
        CHECK_EQ(pn_ipc->msg[4], 64);
        CHECK_EQ(pn_ipc->msg[5], 0);
        CHECK_EQ(pn_ipc->msg[6], 64 - FP_ROOT_RADIX);
        CHECK_EQ(s->out[0], 0);
        CHECK_LOG(101);
        m = tt_msg(0, 0, 0, 0, 0, 0);
        if (i == 0)
            pn_send(fault_reply, &m);
    }
    /* the server was ready all along: the right cptr reaches it */
    tt_thread_t *c2 = fp_client_new(50, epc, 1, 0x2, 200);
    tt_start(c2, fp_client);
    tt_settle();
    check_client(c2);
    CHECK_EQ(s->out[0], 1);
    check_server_round(s, 0, 0x31, pn_msginfo(fp_label(0, 2), 0, 0, 2));
    CHECK_LOG(101, 201, 7, 202);
    check_passive(s);
}

/* arg[0] cptr, arg[1] message info (MR0 0x11, MR1 0x22): one Call; out[0] badge, out[1]
 * message info, out[2] MR0 of the answer. */
static void fp_call_once(tt_thread_t *t)
{
    pn_msg_t m = {t->arg[1], {0x11, 0x22, 0, 0}};
    t->out[0] = pn_call(t->arg[0], &m);
    t->out[1] = m.info;
    t->out[2] = m.mr[0];
}

/* A passive server waits; Calls on caps that are not an endpoint cap with Write: an empty
 * slot (a null cap) and an endpoint cap without Write give InvalidCapability, MR0 0
 * (invocations.md §1); an Untyped cap (2^13 bytes, label 1002: not a method) gives
 * IllegalOperation; a notification cap signals (its word ORs the badge) and the caller
 * gets an empty success reply (semantics.md §5.6).  The server gets nothing. */
TEST(ipc_fastpath_call_on_caps_that_are_not_a_writable_endpoint)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 0x1)); /* n Active */
    const pn_word_t invalid_cap = pn_msginfo(PN_INVALID_CAPABILITY, 0, 0, 1);
    const struct {
        pn_cptr_t cap;
        pn_word_t info;
    } cases[] = {
        {tt_slot(), invalid_cap},
        {tt_mint(ep, PN_RIGHT_READ | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY, 0x5), invalid_cap},
        {tt_new(PN_OBJ_UNTYPED, 13), pn_msginfo(PN_ILLEGAL_OPERATION, 0, 0, 0)},
        {tt_mint(n, PN_RIGHT_WRITE, 0x2), pn_msginfo(0, 0, 0, 0)},
    };
    for (unsigned i = 0; i < PN_ARRAY_SIZE(cases); i++) {
        tt_thread_t *c = tt_thread(50, 0, 0);
        c->arg[0] = cases[i].cap;
        c->arg[1] = pn_msginfo(1002, 0, 0, 2);
        tt_start(c, fp_call_once);
        tt_settle();
        if (!c->done)
            FAIL("case %u: the caller did not get an answer", i);
        if (c->out[0] != 0 || c->out[1] != cases[i].info)
            FAIL("case %u: badge 0x%lx info 0x%lx, expected badge 0 info 0x%lx", i, c->out[0],
                 c->out[1], cases[i].info);
        if (cases[i].info == invalid_cap && c->out[2] != 0)
            FAIL("case %u: MR0 0x%lx, expected 0", i, c->out[2]);
        CHECK_EQ(s->out[0], 0);
    }
    CHECK_EQ(pn_ntfn_poll(n), 0x3);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x6),
                                   1, 0x1, 100);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    check_server_round(s, 0, 0x6, pn_msginfo(fp_label(0, 1), 0, 0, 1));
    CHECK_LOG(101, 7, 102);
    check_passive(s);
}

/* ---- multi-level CSpaces: the fastpath resolves cptrs with the general walk ----
 * L1 has 16 slots and no guard (it takes 4 bits); L1[0] holds L2, 16 slots under a guard
 * of 56 zero bits (the other 60 bits).  A cptr k < 16 names L2[k], through L1[0] (types.md
 * §5); read as a one-level CSpace (L1 alone) it would name L1[k], so each test puts a
 * decoy there. */
typedef struct fp_cspace2 {
    pn_cptr_t l1, l2;
} fp_cspace2_t;

static fp_cspace2_t fp_cspace2(void)
{
    fp_cspace2_t c = {tt_new(PN_OBJ_CNODE, 4), tt_new(PN_OBJ_CNODE, 4)};
    MUST(pn_cnode_mint(c.l1, 0, 4, ROOT_CNODE, c.l2, 64, PN_RIGHTS_ALL,
                       pn_cnode_guard_data(0, 56)));
    return c;
}

/* Root slot src into slot k of cnode (the L1 or L2 of an fp_cspace2). */
static void fp_put(pn_cptr_t cnode, pn_word_t k, pn_cptr_t src)
{
    MUST(pn_cnode_copy(cnode, k, 4, ROOT_CNODE, src, 64, PN_RIGHTS_ALL));
}

/* t's CSpace root becomes L1 (its VSpace stays the root task's, no fault handler). */
static void fp_set_cspace(tt_thread_t *t, fp_cspace2_t c)
{
    MUST(pn_tcb_set_space(t->tcb, NULL_SLOT, c.l1, 0, ROOT_VSPACE, 0));
}

/* The caller's CSpace has two levels; a passive server (root CSpace) waits.  Its three
 * Calls through cptr 1 (L2[1]) reach the server as through a one-level CSpace.  A second
 * passive server waits on the decoy endpoint in L1[1], so that a Call sent there would
 * be taken too. */
TEST(ipc_fastpath_call_through_two_level_cspace)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t decoy = tt_new(PN_OBJ_ENDPOINT, 0), decoy_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *d = fp_server_new(60, decoy, decoy_reply, 0);
    d->arg[6] = 8;
    fp_server_go(d, true);
    fp_cspace2_t cs = fp_cspace2();
    tt_thread_t *c = fp_client_new(50, 1, 3, 0x421, 100);
    fp_put(cs.l2, 1, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x2c));
    fp_put(cs.l1, 1, tt_mint(decoy, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xdec));
    fp_put(cs.l2, 2, c->tcb);
    fp_set_cspace(c, cs);
    tt_start(c, fp_client);
    c->tcb = 2; /* its own TCB cap as it names it: tt_entry suspends it through this */
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102, 101, 7, 102, 101, 7, 102);
    CHECK_EQ(s->out[0], 3);
    CHECK_EQ(s->out[1], 0);
    for (unsigned r = 0; r < 3; r++) {
        unsigned len = (0x421 >> (4 * r)) & 0xf;
        check_server_round(s, r, 0x2c, pn_msginfo(fp_label(r, len), 0, 0, len));
    }
    CHECK_EQ(d->out[0], 0);
    check_passive(s);
}

/* The server's CSpace has two levels: it receives on cptr 1 (L2[1]) with the reply object
 * at cptr 2 (L2[2]), and every ReplyRecv waits on that endpoint again.  L1[1] holds a
 * decoy endpoint (idle) and L1[2] the same reply object, so that a one-level reading
 * would find both caps a ReplyRecv needs. */
TEST(ipc_fastpath_reply_recv_in_two_level_cspace)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t decoy = tt_new(PN_OBJ_ENDPOINT, 0);
    fp_cspace2_t cs = fp_cspace2();
    fp_put(cs.l2, 1, ep);
    fp_put(cs.l1, 1, decoy);
    fp_put(cs.l2, 2, reply);
    fp_put(cs.l1, 2, reply);
    tt_thread_t *s = fp_server_new(60, 1, 2, 0);
    s->arg[6] = 7;
    fp_set_cspace(s, cs);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x2d),
                                   3, 0x421, 100);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102, 101, 7, 102, 101, 7, 102);
    CHECK_EQ(s->out[0], 3);
    CHECK_EQ(s->out[1], 0);
    check_server_round(s, 2, 0x2d, pn_msginfo(fp_label(2, 4), 0, 0, 4));
    check_passive(s);
}

/* ---- ReplyRecv: the reply ---- */

/* The server's replies carry a cap (extraCaps 1; reply caps from Retype have Grant): the
 * first is transferred into the caller's receive slot (extraCaps 1); the second finds the
 * slot occupied, so the caller has no receive slot: nothing transferred, extraCaps 0
 * (semantics.md §5.4, §5.5). */
TEST(ipc_fastpath_reply_with_extra_cap)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0), rs = tt_slot();
    tt_thread_t *s = fp_server_new(60, ep, reply, SRV_CAP);
    s->arg[7] = tt_mint(n, PN_RIGHT_WRITE, 0x9);
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x41),
                                   2, 0x31, 0); /* 1, 3 words */
    c->arg[7] = rs;
    tt_start(c, fp_client);
    tt_settle();
    CHECK(c->done);
    CHECK_EQ(c->out[0], 2);
    CHECK_EQ(c->out[1], 0);
    CHECK_EQ(c->out[2], pn_msginfo(fp_label(0, 1) + 1000, 0, 1, 1));
    CHECK_EQ(c->out[3], 0);
    CHECK_EQ(c->out[4], pn_msginfo(fp_label(1, 3) + 1000, 0, 0, 3));
    CHECK_EQ(c->out[5], 0);
    CHECK_CAP_TYPE(rs, PN_CAP_NOTIFICATION);
    pn_signal(rs); /* rights and badge unchanged */
    CHECK_EQ(pn_ntfn_poll(n), 0x9);
    CHECK_EQ(s->out[0], 2);
    check_server_round(s, 1, 0x41, pn_msginfo(fp_label(1, 3), 0, 0, 3));
    check_passive(s);
}

/* ---- ReplyRecv: the receive phase ---- */

/* A passive server reporting to the root task (SRV_REPORT) receives through cptr x (a
 * copy of the endpoint's cap) and the client's Call; returns with the server blocked in
 * its report, the root task holding its answer in root_reply. */
static void fp_report_setup(pn_cptr_t x, pn_cptr_t root_ep, pn_cptr_t root_reply, tt_thread_t *s,
                            tt_thread_t *c)
{
    s->arg[0] = x;
    s->arg[2] |= SRV_REPORT;
    s->arg[3] = root_ep;
    fp_server_go(s, true);
    tt_start(c, fp_client);
    pn_msg_t q = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply); /* the server has c's message */
    CHECK_EQ(s->out[0], 1);
}

/* Replaces the cap in root slot x by a copy of src with the given rights. */
static void fp_replace(pn_cptr_t x, pn_cptr_t src, pn_word_t rights)
{
    tt_delete(x);
    MUST(pn_cnode_copy(ROOT_CNODE, x, 64, ROOT_CNODE, src, 64, rights));
}

static void fp_answer(pn_cptr_t root_reply)
{
    pn_msg_t q = tt_msg(0, 0, 0, 0, 0, 0);
    pn_send(root_reply, &q);
}

/* ReplyRecv naming an endpoint cap without Read: phase 1 replies (the caller gets its
 * answer and its SC back), phase 2 raises a receive-phase CapFault, MissingCapability with
 * bitsLeft 0, to the server's fault handler (syscalls.md §3, faults.md §2-§3).  Given the
 * Read right back and restarted (and an SC: it has none after the reply), the server
 * waits on the endpoint again. */
TEST(ipc_fastpath_reply_recv_without_read_right)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t fep = tt_new(PN_OBJ_ENDPOINT, 0), fault_reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t x = tt_copy(ep, PN_RIGHTS_ALL);
    tt_thread_t *s = tt_thread(60, tt_mint(fep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0xfa), 0);
    s->arg[1] = reply;
    s->arg[6] = 7;
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x51),
                                   1, 0x3, 100);
    fp_report_setup(x, root_ep, root_reply, s, c);
    fp_replace(x, ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT | PN_RIGHT_GRANT_REPLY);
    fp_answer(root_reply); /* the server goes on to ReplyRecv */
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102);
    pn_msg_t m = {0, {0, 0, 0, 0}};
    CHECK_EQ(pn_nb_recv(fep, &m, fault_reply), 0xfa);
    CHECK_EQ(m.info, pn_msginfo(PN_FAULT_CAP, 0, 0, 5));
    CHECK_EQ(m.mr[1], x);
    CHECK_EQ(m.mr[2], 1); /* receive phase */
    CHECK_EQ(m.mr[3], 2); /* MissingCapability + 1 */
    CHECK_EQ(pn_ipc->msg[4], 0);
    fp_replace(x, ep, PN_RIGHTS_ALL);
    fp_answer(fault_reply); /* restart */
    check_passive(s);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    tt_thread_t *c2 = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x52),
                                    1, 0x1, 200);
    tt_start(c2, fp_client);
    pn_msg_t q = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply);
    CHECK_EQ(s->out[0], 2);
    check_server_round(s, 1, 0x52, pn_msginfo(fp_label(0, 1), 0, 0, 1));
    fp_answer(root_reply);
    tt_settle();
    check_client(c2);
    CHECK_LOG(101, 7, 102, 201, 7, 202);
}

/* ReplyRecv naming a notification cap (with Read): phase 1 replies, phase 2 waits on the
 * notification (syscalls.md §3 Recv); a signal wakes the server with the badge, and it
 * runs once it has an SC again (semantics.md §5.6, §6.5). */
TEST(ipc_fastpath_reply_recv_on_notification)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t n = tt_new(PN_OBJ_NOTIFICATION, 0);
    pn_cptr_t x = tt_copy(ep, PN_RIGHTS_ALL);
    tt_thread_t *s = fp_server_new(60, x, reply, 0);
    s->arg[6] = 7;
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x53),
                                   1, 0x2, 100);
    fp_report_setup(x, root_ep, root_reply, s, c);
    fp_replace(x, n, PN_RIGHTS_RW);
    fp_answer(root_reply);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102);
    CHECK_EQ(s->out[0], 1);
    pn_signal(tt_mint(n, PN_RIGHT_WRITE, 0x40));
    tt_settle();
    CHECK_EQ(s->out[0], 1); /* woken, but without an SC */
    check_passive(s);
    tt_settle(); /* it runs and reports */
    CHECK_EQ(s->out[0], 2);
    CHECK_EQ(s->out[2 + 3], 0x40);
    CHECK_LOG(101, 7, 102, 7);
}

/* ---- ReplyRecv: where the server waits (semantics.md §5.1: MCS endpoint queues are in
 * priority order, equal priorities FIFO) ---- */

/* A lower-priority server R waits on the endpoint behind S: after each ReplyRecv, S is
 * queued ahead of R again, so S takes every Call. */
TEST(ipc_fastpath_reply_recv_ahead_of_lower_receiver)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *r = fp_server_new(50, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    r->arg[6] = 8;
    fp_server_go(r, true);
    tt_thread_t *c = fp_client_new(40, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x61),
                                   3, 0x321, 100);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102, 101, 7, 102, 101, 7, 102);
    CHECK_EQ(s->out[0], 3);
    CHECK_EQ(r->out[0], 0);
    check_passive(s);
}

/* Two servers of equal priority: each ReplyRecv queues the server behind the other, so
 * the Calls alternate between them. */
TEST(ipc_fastpath_reply_recv_behind_equal_receiver)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *r = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    r->arg[6] = 8;
    fp_server_go(r, true);
    tt_thread_t *c = fp_client_new(40, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x62),
                                   4, 0x4321, 100);
    tt_start(c, fp_client);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102, 101, 8, 102, 101, 7, 102, 101, 8, 102);
    CHECK_EQ(s->out[0], 2);
    CHECK_EQ(r->out[0], 2);
    check_server_round(s, 1, 0x62, pn_msginfo(fp_label(2, 3), 0, 0, 3));
    check_server_round(r, 1, 0x62, pn_msginfo(fp_label(3, 4), 0, 0, 4));
    check_passive(s);
    check_passive(r);
}

/* A higher-priority server R starts waiting while S serves the first Call: S's ReplyRecv
 * queues it behind R, which then takes the other Calls (its own ReplyRecv queues it ahead
 * of S again). */
TEST(ipc_fastpath_reply_recv_behind_higher_receiver)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    s->arg[6] = 7;
    tt_thread_t *c = fp_client_new(40, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 0x63),
                                   3, 0x321, 100);
    fp_report_setup(ep, root_ep, root_reply, s, c);
    tt_thread_t *r = fp_server_new(70, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    r->arg[6] = 8;
    fp_server_go(r, true); /* S is still blocked in its report */
    fp_answer(root_reply);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102, 101, 8, 102, 101, 8, 102);
    CHECK_EQ(s->out[0], 1);
    CHECK_EQ(r->out[0], 2);
    check_server_round(r, 1, 0x63, pn_msginfo(fp_label(2, 3), 0, 0, 3));
    check_passive(s);
    check_passive(r);
}

/* ---- ReplyRecv: who runs after the reply (semantics.md §6.1) ---- */

/* A passive server (60) replies to its caller (50) while a thread of priority `prio`,
 * made ready while the server ran, waits to run; it logs 5.  The log says who ran first. */
static void fp_reply_with_ready_thread(pn_word_t prio)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    s->arg[6] = 7;
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x2, 100);
    fp_report_setup(ep, root_ep, root_reply, s, c);
    tt_thread_t *other = tt_thread(prio, 0, 0);
    other->arg[0] = 5;
    tt_start(other, fp_logger);
    fp_answer(root_reply);
    tt_settle();
    check_client(c);
    CHECK(other->done);
    check_passive(s);
}

/* The ready thread at 55: the server blocks, the caller becomes the switch candidate but
 * is not of the highest ready priority, so the thread at 55 runs first. */
TEST(ipc_fastpath_reply_recv_higher_ready_thread_runs_first)
{
    fp_reply_with_ready_thread(55);
    CHECK_LOG(101, 7, 5, 102);
}

/* The ready thread at the caller's priority: the caller is of the highest ready priority
 * and the server does not stay runnable, so the caller runs at once. */
TEST(ipc_fastpath_reply_recv_equal_ready_thread_runs_after)
{
    fp_reply_with_ready_thread(50);
    CHECK_LOG(101, 7, 102, 5);
}

/* ---- ReplyRecv: the reply object and the SC ---- */

/* ReplyRecv naming a reply object that another (passive) server W holds while it waits in
 * Recv on another endpoint: phase 1 does nothing (its thread is not BlockedOnReply);
 * phase 2 cancels W's receive (W dequeued, Inactive) and waits with that object.  The
 * server keeps the donated SC; the caller's own reply object still answers it
 * (semantics.md §5.5). */
TEST(ipc_fastpath_reply_recv_with_reply_object_of_a_receiver)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0), reply = tt_new(PN_OBJ_REPLY, 0);
    pn_cptr_t ep2 = tt_new(PN_OBJ_ENDPOINT, 0), reply2 = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *w = fp_server_new(60, ep2, reply2, 0);
    w->arg[6] = 8;
    fp_server_go(w, true);
    tt_thread_t *s = fp_server_new(60, ep, reply, 0);
    s->arg[5] = reply2;
    s->arg[6] = 7;
    fp_server_go(s, true);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x1, 100);
    tt_start(c, fp_client);
    tt_settle();
    CHECK_EQ(s->out[0], 1);
    CHECK(!c->done);
    CHECK_LOG(101, 7);
    EXPECT_ERROR(tt_call(s->sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION); /* the server holds c's SC */
    /* W no longer waits on ep2: a Call there is queued, W does not run */
    tt_thread_t *x = fp_client_new(45, tt_mint(ep2, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 2),
                                   1, 0x1, 300);
    tt_start(x, fp_client);
    tt_settle();
    CHECK_LOG(101, 7, 301);
    CHECK_EQ(w->out[0], 0);
    pn_msg_t m = tt_msg(77, 1, tt_pattern(77, 0), 0, 0, 0);
    pn_send(reply, &m);
    tt_settle();
    CHECK(c->done);
    CHECK_EQ(c->out[1], 0);
    CHECK_EQ(c->out[2], pn_msginfo(77, 0, 0, 1));
    CHECK_LOG(101, 7, 301, 102);
    check_passive(s);
    CHECK_EQ(w->out[0], 0);
}

/* The caller got an SC of its own while it waited for the reply (SchedContext_Bind: it is
 * blocked and the SC released): the reply does not give the donated SC back, the server
 * keeps it (semantics.md §5.5) and waits with it; the caller runs on its new SC. */
TEST(ipc_fastpath_reply_recv_to_caller_with_own_sc)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), 0);
    s->arg[6] = 7;
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x3, 100);
    fp_report_setup(ep, root_ep, root_reply, s, c);
    MUST(pn_sched_context_bind(tt_sc_new(), c->tcb));
    fp_answer(root_reply);
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102);
    CHECK_EQ(s->out[0], 1);
    /* c's first SC is still the server's */
    MUST(pn_sched_context_unbind_object(c->sc, s->tcb));
    check_passive(s);
}

/* An active server (its own SC, nothing donated) and a caller whose SC is unbound while it
 * waits for the reply: the reply leaves the server's SC where it is; the caller is Running
 * without an SC, so it runs only once its SC is bound again (semantics.md §5.5, §6.5). */
TEST(ipc_fastpath_reply_recv_to_caller_without_sc)
{
    pn_cptr_t ep = tt_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t root_ep = tt_new(PN_OBJ_ENDPOINT, 0), root_reply = tt_new(PN_OBJ_REPLY, 0);
    tt_thread_t *s = fp_server_new(60, ep, tt_new(PN_OBJ_REPLY, 0), SRV_REPORT);
    s->arg[3] = root_ep;
    s->arg[6] = 7;
    fp_server_go(s, false);
    tt_thread_t *c = fp_client_new(50, tt_mint(ep, PN_RIGHT_WRITE | PN_RIGHT_GRANT_REPLY, 1),
                                   1, 0x3, 100);
    tt_start(c, fp_client);
    pn_msg_t q = {0, {0, 0, 0, 0}};
    pn_recv(root_ep, &q, root_reply);
    CHECK_EQ(s->out[0], 1);
    MUST(pn_sched_context_unbind(c->sc));
    fp_answer(root_reply);
    tt_settle();
    CHECK_LOG(101, 7);
    CHECK(!c->done);
    EXPECT_ERROR(tt_call(s->sc, PN_SCHED_CONTEXT_BIND, NOWORDS, CAPS(s->tcb)),
                 PN_ILLEGAL_OPERATION); /* the server kept its SC */
    MUST(pn_sched_context_bind(c->sc, c->tcb));
    tt_settle();
    check_client(c);
    CHECK_LOG(101, 7, 102);
}
