/* Extra-bootinfo walking (types.md §8.3). */
#include <pecan/pecan.h>

const pn_bootinfo_header_t *pn_bootinfo_chunk(const pn_bootinfo_t *bi, pn_word_t id)
{
    const char *base = pn_bootinfo_extra(bi);
    pn_word_t off = 0;
    while (off + sizeof(pn_bootinfo_header_t) <= bi->extra_len) {
        const pn_bootinfo_header_t *h = (const pn_bootinfo_header_t *)(base + off);
        if (h->len < sizeof(*h) || h->len > bi->extra_len - off)
            return NULL;
        if (h->id == id)
            return h;
        off += h->len;
    }
    return NULL;
}
