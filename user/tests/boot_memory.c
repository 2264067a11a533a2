/* Issue "Boot": the root task's initial mappings (types.md §8.4): image pages, IPC buffer,
 * bootinfo and extra bootinfo are mapped readable and writable at the predicted places. */
#include "test.h"

/* For each page of [start, end): writes a pattern over the page's last word, reads it
 * back and restores the old value (faults if a page is unmapped or read-only). */
static void touch_pages(pn_word_t start, pn_word_t end)
{
    for (pn_word_t va = start; va < end; va += PN_PAGE_SIZE) {
        volatile pn_word_t *p = (volatile pn_word_t *)(va + PN_PAGE_SIZE - 8);
        pn_word_t v = *p;
        *p = v ^ 0x5a5a5a5a5a5a5a5aul;
        pn_word_t back = *p;
        *p = v;
        if (back != (v ^ 0x5a5a5a5a5a5a5a5aul) || *p != v)
            FAIL("page at 0x%lx does not keep a written value", va);
    }
}

TEST(memory_image_pages)
{
    expected_layout_t l;
    expected_layout(&l);
    touch_pages(l.v_start, l.v_end);
}

TEST(memory_ipc_buffer)
{
    expected_layout_t l;
    expected_layout(&l);
    CHECK_EQ((pn_word_t)pn_ipc, l.ipc_buffer);
    /* the buffer's user_data word belongs to user level */
    volatile pn_word_t *ud = &pn_ipc->user_data;
    pn_word_t old = *ud;
    *ud = 0x0123456789abcdeful;
    CHECK_EQ(*ud, 0x0123456789abcdeful);
    *ud = old;
    touch_pages(l.ipc_buffer, l.ipc_buffer + PN_PAGE_SIZE);
}

TEST(memory_bootinfo_page)
{
    expected_layout_t l;
    expected_layout(&l);
    touch_pages(l.bootinfo, l.bootinfo + PN_PAGE_SIZE);
}

TEST(memory_extra_bootinfo)
{
    expected_layout_t l;
    expected_layout(&l);
    touch_pages(l.extra, l.extra + l.extra_size);
}
