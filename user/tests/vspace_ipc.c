/* Issue 5: IPC between address spaces.  A server thread runs in a new VSpace (a PML4
 * assigned an ASID) holding copies of the root task's image frames (bootinfo
 * userImageFrames, types.md §8.1) mapped at the same addresses, plus a private stack and
 * IPC buffer; the IPC buffer sits at the root task's IPC-buffer address, so the library's
 * pn_ipc names each thread's own buffer.  A frame mapped in both address spaces (at
 * different addresses) shows the same bytes. */
#include "vmtest.h"

#define SERVER_STACK 0x40000000ul /* one page below this address */
#define SHARED_ROOT_OFF 0x5000ul  /* in a region of the root VSpace */
#define SHARED_SERVER 0x3f000000ul
#define REQ_LABEL 0x321
#define OP_ECHO 1
#define OP_READ 2

/* The server: answers each request with label + 1 and 8 words:
 * MR0 badge, MR1 shared[0], MR2 MR1 + MR2 of the request, MR3 the vaddr of its own IPC
 * buffer, MR4..7 twice the request's MR4..7; it stores the request's MR3 in shared[1].
 * OP_READ (sent, not called) first reads the address in MR1 into shared[2]. */
static void __attribute__((noreturn, used)) ipc_server(pn_cptr_t ep, pn_cptr_t reply)
{
    volatile pn_word_t *shared = (volatile pn_word_t *)SHARED_SERVER;
    pn_msg_t m = {0};
    pn_word_t badge = pn_recv(ep, &m, reply);
    for (;;) {
        if (m.mr[0] == OP_READ)
            shared[2] = vt_read64(m.mr[1]);
        pn_word_t label = pn_msginfo_label(m.info);
        shared[1] = m.mr[3];
        pn_word_t a = m.mr[1], b = m.mr[2];
        for (unsigned i = 4; i < 8; i++)
            pn_ipc->msg[i] = 2 * pn_ipc->msg[i];
        pn_ipc->msg[100] = 0xb0ffe7;
        m.mr[0] = badge;
        m.mr[1] = shared[0];
        m.mr[2] = a + b;
        m.mr[3] = (pn_word_t)pn_ipc;
        m.info = pn_msginfo(label + 1, 0, 0, 8);
        badge = pn_reply_recv(ep, &m, reply);
    }
}

/* Maps a copy of each root-task image frame at its own address into vs, with the page
 * tables needed for [v_start, end). */
static void map_image_copy(pn_cptr_t vs, pn_word_t end)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t v_start = (pn_word_t)__pn_image_start;
    vt_new_pdpt(vs, 0);
    vt_new_pd(vs, 0);
    for (pn_word_t v = PN_ROUND_DOWN(v_start, VT_PD_SPAN); v < end; v += VT_PD_SPAN)
        vt_new_pt(vs, v);
    pn_word_t n = pn_region_count(bi->user_image_frames);
    for (pn_word_t i = 0; i < n; i++) {
        pn_cptr_t c = copy_new(bi->user_image_frames.start + i, PN_RIGHTS_ALL);
        EXPECT_OK(vt_page_map(c, vs, v_start + i * PN_PAGE_SIZE, PN_RIGHTS_RW, 0));
    }
}

TEST(vspace_ipc_between_address_spaces)
{
    const pn_bootinfo_t *bi = pn_bootinfo;
    pn_word_t v_end = PN_ROUND_UP((pn_word_t)__pn_image_end, PN_PAGE_SIZE);
    CHECK_EQ(bi->ipc_buffer, v_end);
    CHECK_EQ(pn_region_count(bi->user_image_frames),
             (v_end - (pn_word_t)__pn_image_start) / PN_PAGE_SIZE);
    pn_cptr_t vs = vt_new_vspace();
    map_image_copy(vs, v_end + PN_PAGE_SIZE);
    /* private IPC buffer at the root task's buffer address, stack, shared frame */
    pn_cptr_t ipc = vt_new_frame(PN_OBJ_X86_4K, vs, bi->ipc_buffer, PN_RIGHTS_RW);
    vt_new_pt(vs, SERVER_STACK - VT_PD_SPAN);
    vt_new_frame(PN_OBJ_X86_4K, vs, SERVER_STACK - PN_PAGE_SIZE, PN_RIGHTS_RW);
    vt_new_pt(vs, SHARED_SERVER);
    pn_word_t rt = vt_region_pt();
    pn_cptr_t shared = vt_new_frame(PN_OBJ_X86_4K, PN_CAP_SLOT_INIT_VSPACE,
                                    rt + SHARED_ROOT_OFF, PN_RIGHTS_RW);
    EXPECT_OK(vt_page_map(copy_new(shared, PN_RIGHTS_ALL), vs, SHARED_SERVER, PN_RIGHTS_RW,
                          0));
    volatile pn_word_t *sh = (volatile pn_word_t *)(rt + SHARED_ROOT_OFF);
    sh[0] = 0x5ca1ab1e;

    pn_cptr_t ep = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t fault_ep = obj_new(PN_OBJ_ENDPOINT, 0);
    pn_cptr_t server_reply = obj_new(PN_OBJ_REPLY, 0);
    pn_cptr_t badged = slot_alloc();
    mint_ok(badged, ep, PN_RIGHTS_ALL, 0x42);
    vt_thread_t server;
    vt_thread_new(&server, vs, 200, ipc, bi->ipc_buffer, fault_ep);
    vt_thread_start(&server, (pn_word_t)ipc_server, SERVER_STACK, ep, server_reply, 0);

    for (pn_word_t round = 0; round < 3; round++) {
        sh[0] = 0x5ca1ab1e + round;
        for (unsigned i = 4; i < 8; i++)
            pn_set_mr(i, 1000 * round + i);
        pn_set_mr(100, 0x1234);
        pn_msg_t m = {pn_msginfo(REQ_LABEL, 0, 0, 8), {OP_ECHO, 40 + round, 2, 0x77 + round}};
        pn_word_t badge = pn_call(badged, &m);
        CHECK_EQ(badge, 0);
        CHECK_EQ(m.info, pn_msginfo(REQ_LABEL + 1, 0, 0, 8));
        CHECK_EQ(m.mr[0], 0x42);               /* the server got our badge */
        CHECK_EQ(m.mr[1], 0x5ca1ab1e + round); /* and the shared frame's bytes */
        CHECK_EQ(m.mr[2], 42 + round);
        CHECK_EQ(m.mr[3], bi->ipc_buffer); /* its buffer is at our buffer's address... */
        for (unsigned i = 4; i < 8; i++)
            CHECK_EQ(pn_get_mr(i), 2 * (1000 * round + i));
        CHECK_EQ(pn_get_mr(100), 0x1234); /* ...but it is not our buffer */
        CHECK_EQ(sh[1], 0x77 + round);    /* the server's write, seen through our mapping */
    }
    /* the server's VSpace has none of the root task's other mappings: a read of the
     * shared frame's address in the root VSpace faults there */
    pn_msg_t m = {pn_msginfo(REQ_LABEL, 0, 0, 2), {OP_READ, rt + SHARED_ROOT_OFF + 8, 0, 0}};
    pn_send(badged, &m);
    pn_cptr_t r = obj_new(PN_OBJ_REPLY, 0);
    pn_msg_t f = {0};
    pn_word_t badge = pn_recv(fault_ep, &f, r);
    vt_outcome_t o = {1, f.info, badge, {f.mr[0], f.mr[1], f.mr[2], f.mr[3]}};
    EXPECT_VMFAULT(o, (pn_word_t)vt_read64_insn, rt + SHARED_ROOT_OFF + 8, 0, VT_PF_USER);
    /* mapped there as well (read-only) and the fault answered, the server re-executes
     * the read, stores the value in shared[2] and serves the next call */
    vt_new_pdpt(vs, rt);
    vt_new_pd(vs, rt);
    vt_new_pt(vs, rt);
    EXPECT_OK(vt_page_map(copy_new(shared, PN_RIGHTS_ALL), vs, rt + SHARED_ROOT_OFF,
                          PN_RIGHT_READ, 0));
    sh[1] = 0xfeed;
    pn_msg_t empty = {pn_msginfo(0, 0, 0, 0), {0}};
    pn_send(r, &empty);
    pn_msg_t m2 = {pn_msginfo(REQ_LABEL, 0, 0, 4), {OP_ECHO, 1, 2, 3}};
    pn_call(badged, &m2);
    CHECK_EQ(m2.info, pn_msginfo(REQ_LABEL + 1, 0, 0, 8));
    CHECK_EQ(sh[2], 0xfeed);
    CHECK_EQ(m2.mr[2], 3);
    delete_ok(server.tcb);
}
