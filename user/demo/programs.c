/*
 * The programs the demo's root task starts in their own address spaces.  They run the
 * root's code (shared read-only) but have none of its data: no globals here, and nothing
 * from libpecan that uses pn_ipc or pn_bootinfo.  State lives on their own stacks; caps
 * are the fixed slots of their own CSpaces (demo.h).
 */
#include "demo.h"

/* The server: a passive adding machine.  It tells the root it is ready and waits for
 * its first call in one system call (NBSendRecv), so when the root takes its scheduling
 * context away it is already blocked; from then on it runs only on its callers' time. */
void server_main(void)
{
    pn_word_t total = 0, calls = 0;
    pn_msg_t m = {0};
    pn_word_t badge = pn_nb_send_recv(CS_READY, &m, CS_SERVICE, CS_REPLY);
    for (;;) {
        if (pn_msginfo_label(m.info) == MSG_ADD && pn_msginfo_length(m.info) >= 1) {
            total += m.mr[0];
            calls++;
            pn_printf("[server]   client %c adds %lu: total %lu (on client %c's time)\n",
                      client_letter(badge), m.mr[0], total, client_letter(badge));
            m.info = pn_msginfo(0, 0, 0, 2);
            m.mr[0] = total;
            m.mr[1] = calls;
        } else {
            m.info = pn_msginfo(PN_ILLEGAL_OPERATION, 0, 0, 0);
        }
        badge = pn_reply_recv(CS_SERVICE, &m, CS_REPLY);
    }
}

static pn_word_t add(char me, pn_word_t amount)
{
    pn_msg_t m = {.info = pn_msginfo(MSG_ADD, 0, 0, 1), .mr = {amount}};
    pn_printf("[client %c] calls the server: add %lu\n", me, amount);
    pn_call(CS_SERVICE, &m);
    pn_printf("[client %c] the server replies: total %lu after %lu call%s\n", me, m.mr[0],
              m.mr[1], m.mr[1] == 1 ? "" : "s");
    return m.mr[0];
}

void client_main(pn_word_t number, pn_word_t first, pn_word_t scratch)
{
    char me = client_letter(number);
    pn_word_t total = add(me, first);
    if (scratch) {
        volatile pn_word_t *p = (volatile pn_word_t *)scratch;
        pn_printf("[client %c] stores the total at 0x%lx, where nothing is mapped\n", me,
                  scratch);
        *p = total; /* page fault: the root maps a frame and restarts this instruction */
        pn_printf("[client %c] the store went through; reads back %lu\n", me, *p);
        add(me, *p);
    } else {
        add(me, first + 1);
    }

    pn_msg_t m = {.info = pn_msginfo(MSG_DONE, 0, 0, 0)};
    pn_send(CS_SUPERVISOR, &m);
    m.info = pn_msginfo(PN_TCB_SUSPEND, 0, 0, 0);
    pn_call(CS_SELF, &m); /* suspends this thread: no reply */
    for (;;)
        pn_yield();
}
