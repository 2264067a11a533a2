/* Unit tests of kernel/src/kernel/elf.c against hand-built ELF64 images. */
#include "elf.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define USER_TOP 0x7ffffffff000ull
#define RESERVE 0x2000ull

/* Field offsets in the ELF64 header and program header. */
enum {
    EH_CLASS = 4,
    EH_DATA = 5,
    EH_IDVERSION = 6,
    EH_TYPE = 16,
    EH_MACHINE = 18,
    EH_VERSION = 20,
    EH_ENTRY = 24,
    EH_PHOFF = 32,
    EH_PHENTSIZE = 54,
    EH_PHNUM = 56,
    PH_SIZE = 56,
    PH_TYPE = 0,
    PH_OFFSET = 8,
    PH_VADDR = 16,
    PH_FILESZ = 32,
    PH_MEMSZ = 40,
};

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * The reference image, 0x3000 bytes:
 *   phdr 0: PT_LOAD  offset 0x1000 vaddr 0x400000 filesz 0x123 memsz 0x123  (text)
 *   phdr 1: PT_NOTE  with nonsense offsets (must be ignored)
 *   phdr 2: PT_LOAD  offset 0x2000 vaddr 0x401000 filesz 0x456 memsz 0x1800 (data + bss)
 *   entry 0x400010.  Expected: v_start 0x400000, v_end 0x403000.
 * Segment bytes are a pattern distinct from everything else in the file.
 */
#define IMG_SIZE 0x3000u
#define PHOFF 64u

typedef struct {
    uint8_t *p;
    uint64_t size;
} image_t;

static uint8_t seg_byte(uint64_t off)
{
    return (uint8_t)(0x41 + off * 7 % 191);
}

static void set_phdr(uint8_t *ph, uint32_t type, uint64_t offset, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz)
{
    put(ph + PH_TYPE, type, 4);
    put(ph + 4, 5, 4); /* flags R+X */
    put(ph + PH_OFFSET, offset, 8);
    put(ph + PH_VADDR, vaddr, 8);
    put(ph + 24, vaddr, 8); /* paddr */
    put(ph + PH_FILESZ, filesz, 8);
    put(ph + PH_MEMSZ, memsz, 8);
    put(ph + 48, 0x1000, 8); /* align */
}

/* A fresh heap copy of exactly `size` bytes, so ASan sees any read past the end. */
static image_t make_image(void)
{
    image_t img = {calloc(1, IMG_SIZE), IMG_SIZE};
    CHECK(img.p != NULL);
    uint8_t *p = img.p;
    static const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    memcpy(p, ident, sizeof ident);
    put(p + EH_TYPE, 2, 2);
    put(p + EH_MACHINE, 62, 2);
    put(p + EH_VERSION, 1, 4);
    put(p + EH_ENTRY, 0x400010, 8);
    put(p + EH_PHOFF, PHOFF, 8);
    put(p + 52, 64, 2); /* ehsize */
    put(p + EH_PHENTSIZE, PH_SIZE, 2);
    put(p + EH_PHNUM, 3, 2);
    set_phdr(p + PHOFF, 1, 0x1000, 0x400000, 0x123, 0x123);
    set_phdr(p + PHOFF + PH_SIZE, 4, UINT64_MAX - 3, UINT64_MAX - 3, 0x1000, 0);
    set_phdr(p + PHOFF + 2 * PH_SIZE, 1, 0x2000, 0x401000, 0x456, 0x1800);
    for (uint64_t off = 0x1000; off < IMG_SIZE; off++)
        p[off] = seg_byte(off);
    return img;
}

static uint8_t *phdr(image_t *img, unsigned i)
{
    return img->p + PHOFF + i * PH_SIZE;
}

/* Expects elf_check to accept the image and returns what it found. */
static elf_image_t check_ok(image_t *img, uint64_t user_top, uint64_t reserve)
{
    elf_image_t out;
    const char *why = NULL;
    int r = elf_check(img->p, img->size, user_top, reserve, &out, &why);
    CHECK_MSG(r == 0, "elf_check rejected a valid image: %s", why ? why : "(no reason)");
    return out;
}

/* Expects elf_check to reject the image with a reason containing `word`. */
static void check_bad(image_t *img, uint64_t user_top, uint64_t reserve, const char *word)
{
    elf_image_t out = {0x1111, 0x2222, 0x3333};
    const char *why = NULL;
    int r = elf_check(img->p, img->size, user_top, reserve, &out, &why);
    free(img->p);
    img->p = NULL;
    CHECK_MSG(r == -1, "elf_check accepted a bad image (returned %d)", r);
    CHECK_MSG(why != NULL && why[0] != '\0', "no reason given");
    CHECK_MSG(strstr(why, word) != NULL, "reason \"%s\" does not mention \"%s\"", why, word);
    CHECK_MSG(out.v_start == 0x1111 && out.v_end == 0x2222 && out.entry == 0x3333,
              "*img written on failure");
}

#define BAD(word) check_bad(&img, USER_TOP, RESERVE, word)

TEST(elf_valid_image)
{
    image_t img = make_image();
    elf_image_t e = check_ok(&img, USER_TOP, RESERVE);
    CHECK_EQ(e.v_start, 0x400000);
    CHECK_EQ(e.v_end, 0x403000);
    CHECK_EQ(e.entry, 0x400010);
    free(img.p);
}

TEST(elf_load_copies_and_zero_fills)
{
    image_t img = make_image();
    elf_image_t e = check_ok(&img, USER_TOP, RESERVE);
    uint64_t len = e.v_end - e.v_start;
    uint8_t *dst = malloc(len);
    CHECK(dst != NULL);
    memset(dst, 0xaa, len);
    elf_load(img.p, &e, dst);
    for (uint64_t a = 0; a < len; a++) {
        uint8_t want = 0;
        if (a < 0x123)
            want = seg_byte(0x1000 + a);
        else if (a >= 0x1000 && a < 0x1000 + 0x456)
            want = seg_byte(0x2000 + (a - 0x1000));
        CHECK_MSG(dst[a] == want, "byte at v_start + 0x%llx is 0x%02x, expected 0x%02x",
                  (unsigned long long)a, dst[a], want);
    }
    free(dst);
    free(img.p);
}

TEST(elf_segments_in_any_order)
{
    image_t img = make_image();
    /* Swap the two PT_LOADs: the bounds and the loaded bytes must not change. */
    uint8_t tmp[PH_SIZE];
    memcpy(tmp, phdr(&img, 0), PH_SIZE);
    memcpy(phdr(&img, 0), phdr(&img, 2), PH_SIZE);
    memcpy(phdr(&img, 2), tmp, PH_SIZE);
    elf_image_t e = check_ok(&img, USER_TOP, RESERVE);
    CHECK_EQ(e.v_start, 0x400000);
    CHECK_EQ(e.v_end, 0x403000);
    uint8_t *dst = malloc(0x3000);
    elf_load(img.p, &e, dst);
    CHECK_EQ(dst[0x10], seg_byte(0x1010));
    CHECK_EQ(dst[0x1010], seg_byte(0x2010));
    CHECK_EQ(dst[0x1456], 0);
    free(dst);
    free(img.p);
}

TEST(elf_misaligned_phdr_table)
{
    /* Program headers at an odd offset: legal, and must be read without faulting. */
    image_t img = make_image();
    memmove(img.p + PHOFF + 3, img.p + PHOFF, 3 * PH_SIZE);
    put(img.p + EH_PHOFF, PHOFF + 3, 8);
    elf_image_t e = check_ok(&img, USER_TOP, RESERVE);
    CHECK_EQ(e.v_end, 0x403000);
    uint8_t *dst = malloc(0x3000);
    elf_load(img.p, &e, dst);
    CHECK_EQ(dst[0x122], seg_byte(0x1122));
    free(dst);
    free(img.p);
}

TEST(elf_entry_edges)
{
    image_t img = make_image();
    put(img.p + EH_ENTRY, 0x400000, 8); /* first byte */
    CHECK_EQ(check_ok(&img, USER_TOP, RESERVE).entry, 0x400000);
    put(img.p + EH_ENTRY, 0x402fff, 8); /* last byte of the rounded-up image */
    CHECK_EQ(check_ok(&img, USER_TOP, RESERVE).entry, 0x402fff);
    put(img.p + EH_ENTRY, 0x403000, 8); /* v_end itself */
    BAD("entry");
}

TEST(elf_entry_below_image)
{
    image_t img = make_image();
    put(img.p + EH_ENTRY, 0x3fffff, 8);
    BAD("entry");
}

TEST(elf_user_top_boundary)
{
    image_t img = make_image();
    /* v_end + reserve == user_top: fits exactly. */
    CHECK_EQ(check_ok(&img, 0x405000, 0x2000).v_end, 0x403000);
    CHECK_EQ(check_ok(&img, 0x403000, 0).v_end, 0x403000);
    check_bad(&img, 0x404fff, 0x2000, "user top");
}

TEST(elf_reserve_larger_than_user_top)
{
    image_t img = make_image();
    check_bad(&img, USER_TOP, UINT64_MAX, "user top");
}

TEST(elf_too_small)
{
    image_t img = make_image();
    img.size = 63;
    BAD("header");
}

TEST(elf_bad_magic)
{
    image_t img = make_image();
    img.p[1] = 'e';
    BAD("magic");
}

TEST(elf_32bit_class)
{
    image_t img = make_image();
    img.p[EH_CLASS] = 1;
    BAD("64-bit");
}

TEST(elf_big_endian)
{
    image_t img = make_image();
    img.p[EH_DATA] = 2;
    BAD("endian");
}

TEST(elf_bad_version)
{
    image_t img = make_image();
    put(img.p + EH_VERSION, 0, 4);
    BAD("version");
}

TEST(elf_wrong_machine)
{
    image_t img = make_image();
    put(img.p + EH_MACHINE, 3, 2); /* EM_386 */
    BAD("x86-64");
}

TEST(elf_not_exec)
{
    image_t img = make_image();
    put(img.p + EH_TYPE, 3, 2); /* ET_DYN */
    BAD("executable");
}

TEST(elf_bad_phentsize)
{
    image_t img = make_image();
    put(img.p + EH_PHENTSIZE, 32, 2);
    BAD("program header");
}

TEST(elf_phdrs_past_eof)
{
    image_t img = make_image();
    put(img.p + EH_PHOFF, IMG_SIZE - 2 * PH_SIZE, 8); /* three entries do not fit */
    BAD("program headers");
}

TEST(elf_phnum_huge)
{
    image_t img = make_image();
    put(img.p + EH_PHNUM, 0xffff, 2);
    BAD("program headers");
}

TEST(elf_phoff_overflow)
{
    image_t img = make_image();
    put(img.p + EH_PHOFF, UINT64_MAX - 8, 8);
    BAD("program headers");
}

TEST(elf_no_load_segment)
{
    image_t img = make_image();
    put(phdr(&img, 0) + PH_TYPE, 6, 4);
    put(phdr(&img, 2) + PH_TYPE, 6, 4);
    BAD("PT_LOAD");
}

TEST(elf_no_phdrs)
{
    image_t img = make_image();
    put(img.p + EH_PHNUM, 0, 2);
    BAD("PT_LOAD");
}

TEST(elf_filesz_gt_memsz)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_FILESZ, 0x1801, 8);
    BAD("filesz");
}

TEST(elf_segment_past_eof)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_FILESZ, IMG_SIZE - 0x2000 + 1, 8); /* one byte past the end */
    BAD("outside the file");
}

TEST(elf_segment_ends_at_eof)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_FILESZ, IMG_SIZE - 0x2000, 8); /* exactly to the end */
    CHECK_EQ(check_ok(&img, USER_TOP, RESERVE).v_end, 0x403000);
    free(img.p);
}

TEST(elf_segment_offset_overflow)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_OFFSET, UINT64_MAX - 0x10, 8);
    BAD("outside the file");
}

TEST(elf_unaligned_v_start)
{
    image_t img = make_image();
    put(phdr(&img, 0) + PH_VADDR, 0x400010, 8);
    put(img.p + EH_ENTRY, 0x400020, 8);
    BAD("aligned");
}

TEST(elf_v_end_plus_reserve_above_user_top)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_VADDR, USER_TOP - 0x1000, 8); /* ends past USER_TOP - RESERVE */
    BAD("user top");
}

TEST(elf_vaddr_plus_memsz_overflow)
{
    image_t img = make_image();
    put(phdr(&img, 2) + PH_VADDR, 0xfffffffffffff000ull, 8);
    put(phdr(&img, 2) + PH_MEMSZ, 0x2000, 8);
    BAD("overflow");
}

TEST(elf_v_end_rounding_overflow)
{
    /* vaddr + memsz fits but rounding it up to a page would wrap. */
    image_t img = make_image();
    put(phdr(&img, 2) + PH_VADDR, 0xfffffffffffff000ull, 8);
    put(phdr(&img, 2) + PH_MEMSZ, 0xff8, 8);
    put(phdr(&img, 2) + PH_FILESZ, 0x10, 8);
    BAD("overflow");
}

TEST(elf_image_at_top_of_address_space)
{
    /* Near-top image: no overflow, rejected only by user_top. */
    image_t img = make_image();
    put(phdr(&img, 0) + PH_VADDR, 0xffffffffffffd000ull, 8);
    put(phdr(&img, 2) + PH_VADDR, 0xffffffffffffe000ull, 8);
    put(phdr(&img, 2) + PH_MEMSZ, 0x1000, 8);
    put(img.p + EH_ENTRY, 0xffffffffffffd000ull, 8);
    CHECK_EQ(check_ok(&img, UINT64_MAX, 0).v_end, 0xfffffffffffff000ull);
    BAD("user top");
}

/* Random corruption of the headers: elf_check must never read outside the file (ASan
 * watches) and whatever it accepts must satisfy the contract and load without faults. */
TEST(elf_random_header_corruption)
{
    rng_t r = {test_seed() + 0xe1f};
    unsigned accepted = 0;
    for (unsigned iter = 0; iter < 30000; iter++) {
        image_t img = make_image();
        unsigned edits = 1 + (unsigned)rng_below(&r, 4);
        for (unsigned k = 0; k < edits; k++) {
            unsigned at = (unsigned)rng_below(&r, PHOFF + 3 * PH_SIZE);
            switch (rng_below(&r, 4)) {
            case 0:
                img.p[at] ^= (uint8_t)(1u << rng_below(&r, 8));
                break;
            case 1:
                img.p[at] = (uint8_t)rng_next(&r);
                break;
            case 2: { /* an aligned 8-byte field gets an edge value */
                static const uint64_t edge[] = {0, 1, 0xfff, 0x1000, IMG_SIZE, IMG_SIZE - 1,
                                                UINT64_MAX, UINT64_MAX - 0xfff,
                                                0x8000000000000000ull, USER_TOP};
                put(img.p + (at & ~7u), edge[rng_below(&r, 10)], 8);
                break;
            }
            default:
                img.size = rng_below(&r, IMG_SIZE + 1);
                break;
            }
        }
        /* Shrinking: copy to an exact-size buffer so ASan catches overreads. */
        uint8_t *exact = malloc(img.size ? img.size : 1);
        memcpy(exact, img.p, img.size);
        free(img.p);
        img.p = exact;

        elf_image_t e;
        const char *why = NULL;
        if (elf_check(img.p, img.size, USER_TOP, RESERVE, &e, &why) == 0) {
            accepted++;
            CHECK(e.v_start % 0x1000 == 0 && e.v_end % 0x1000 == 0);
            CHECK(e.v_start < e.v_end);
            CHECK(e.entry >= e.v_start && e.entry < e.v_end);
            CHECK(e.v_end + RESERVE <= USER_TOP);
            if (e.v_end - e.v_start <= (1u << 24)) {
                uint8_t *dst = malloc(e.v_end - e.v_start);
                elf_load(img.p, &e, dst);
                free(dst);
            }
        } else {
            CHECK(why != NULL && why[0] != '\0');
        }
        free(img.p);
    }
    CHECK_MSG(accepted > 100, "only %u corrupted images were accepted: weak coverage",
              accepted);
}
