/* Unit tests of kernel/src/kernel/memregion.c. */
#include "memregion.h"
#include "test.h"

#include <string.h>

#define TOP47 ((uint64_t)1 << 47)

/* ---- helpers ---- */

typedef struct {
    uint64_t paddr;
    unsigned bits;
} block_t;

typedef struct {
    block_t b[4096];
    unsigned n;
} blocks_t;

static void collect(void *ctx, uint64_t paddr, unsigned bits)
{
    blocks_t *bl = ctx;
    CHECK_MSG(bl->n < sizeof bl->b / sizeof bl->b[0], "too many blocks emitted");
    bl->b[bl->n].paddr = paddr;
    bl->b[bl->n].bits = bits;
    bl->n++;
}

static blocks_t blocks; /* large: not on the stack */

static unsigned carve(uint64_t start, uint64_t end, unsigned min_bits, unsigned max_bits)
{
    blocks.n = 0;
    unsigned n = memregion_carve(start, end, min_bits, max_bits, collect, &blocks);
    CHECK_EQ(n, blocks.n);
    return n;
}

/* Checks that the list holds exactly the given ranges (pairs start, end). */
static void expect_list(const memregion_list_t *l, unsigned n, const uint64_t *pairs)
{
    CHECK_EQ(l->n, n);
    for (unsigned i = 0; i < n; i++) {
        CHECK_MSG(l->r[i].start == pairs[2 * i] && l->r[i].end == pairs[2 * i + 1],
                  "range %u is [0x%llx, 0x%llx), expected [0x%llx, 0x%llx)", i,
                  (unsigned long long)l->r[i].start, (unsigned long long)l->r[i].end,
                  (unsigned long long)pairs[2 * i], (unsigned long long)pairs[2 * i + 1]);
    }
}

#define EXPECT_LIST(l, ...)                                                             \
    do {                                                                                \
        static const uint64_t expect_[] = {__VA_ARGS__};                                \
        expect_list((l), sizeof expect_ / sizeof expect_[0] / 2, expect_);             \
    } while (0)

static uint64_t find(const memregion_list_t *l, uint64_t size, uint64_t align, uint64_t min)
{
    uint64_t out = 0xdeadbeef;
    CHECK_MSG(memregion_find(l, size, align, min, &out),
              "find(size 0x%llx, align 0x%llx, min 0x%llx) found nothing",
              (unsigned long long)size, (unsigned long long)align, (unsigned long long)min);
    return out;
}

static bool find_fails(const memregion_list_t *l, uint64_t size, uint64_t align, uint64_t min)
{
    uint64_t out = 0xdeadbeef;
    return !memregion_find(l, size, align, min, &out) && out == 0xdeadbeef;
}

/* ---- carving ---- */

TEST(memregion_carve_1m_to_3g)
{
    CHECK_EQ(carve(0x100000, 0xc0000000, 4, 47), 12);
    for (unsigned i = 0; i < 10; i++) {
        CHECK_EQ(blocks.b[i].paddr, (uint64_t)1 << (20 + i));
        CHECK_EQ(blocks.b[i].bits, 20 + i);
    }
    CHECK_EQ(blocks.b[10].paddr, 0x40000000);
    CHECK_EQ(blocks.b[10].bits, 30);
    CHECK_EQ(blocks.b[11].paddr, 0x80000000);
    CHECK_EQ(blocks.b[11].bits, 30);
}

TEST(memregion_carve_small_run)
{
    /* 0x1000 (4K), 0x2000 (8K), 0x4000 (16K), 0x8000 (4K) */
    CHECK_EQ(carve(0x1000, 0x9000, 12, 47), 4);
    static const block_t want[] = {{0x1000, 12}, {0x2000, 13}, {0x4000, 14}, {0x8000, 12}};
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(blocks.b[i].paddr, want[i].paddr);
        CHECK_EQ(blocks.b[i].bits, want[i].bits);
    }
}

TEST(memregion_carve_drops_fragments)
{
    CHECK_EQ(carve(0x1001, 0x3fff, 12, 47), 1);
    CHECK_EQ(blocks.b[0].paddr, 0x2000);
    CHECK_EQ(blocks.b[0].bits, 12);
    CHECK_EQ(carve(0x1001, 0x2fff, 12, 47), 0); /* no whole aligned 4K page */
    CHECK_EQ(carve(0x10, 0x1f, 4, 47), 0);
    CHECK_EQ(carve(0x10, 0x20, 4, 47), 1);
}

TEST(memregion_carve_max_bits_caps)
{
    CHECK_EQ(carve(0, 0x10000, 12, 12), 16);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ(blocks.b[i].paddr, (uint64_t)i * 0x1000);
        CHECK_EQ(blocks.b[i].bits, 12);
    }
}

TEST(memregion_carve_at_zero_and_2_47)
{
    CHECK_EQ(carve(0, TOP47, 4, 47), 1);
    CHECK_EQ(blocks.b[0].paddr, 0);
    CHECK_EQ(blocks.b[0].bits, 47);
    CHECK_EQ(carve(0, 2 * TOP47, 4, 47), 2);
    CHECK_EQ(blocks.b[1].paddr, TOP47);
    CHECK_EQ(blocks.b[1].bits, 47);
    /* [2^47 - 4K, 2^47 + 8K): 4K below the boundary, then 8K above it. */
    CHECK_EQ(carve(TOP47 - 0x1000, TOP47 + 0x2000, 12, 47), 2);
    CHECK_EQ(blocks.b[0].paddr, TOP47 - 0x1000);
    CHECK_EQ(blocks.b[0].bits, 12);
    CHECK_EQ(blocks.b[1].paddr, TOP47);
    CHECK_EQ(blocks.b[1].bits, 13);
}

TEST(memregion_carve_min_bits_zero)
{
    /* [3, 9): 3 (1 byte), 4 (4 bytes), 8 (1 byte) */
    CHECK_EQ(carve(3, 9, 0, 63), 3);
    CHECK_EQ(blocks.b[0].paddr, 3);
    CHECK_EQ(blocks.b[0].bits, 0);
    CHECK_EQ(blocks.b[1].paddr, 4);
    CHECK_EQ(blocks.b[1].bits, 2);
    CHECK_EQ(blocks.b[2].paddr, 8);
    CHECK_EQ(blocks.b[2].bits, 0);
}

TEST(memregion_carve_empty_and_degenerate)
{
    CHECK_EQ(carve(0x5000, 0x5000, 12, 47), 0);
    CHECK_EQ(carve(0x6000, 0x5000, 12, 47), 0);
    CHECK_EQ(carve(0x0, 0x100000, 13, 12), 0); /* min_bits > max_bits */
    CHECK_EQ(carve(0x0, 0x100000, 64, 64), 0);
}

TEST(memregion_carve_top_of_address_space)
{
    /* [2^64 - 1M, 2^64 - 1): the end rounds down to 2^64 - 4K; blocks of 2^19 .. 2^12. */
    uint64_t base = (uint64_t)0 - 0x100000;
    CHECK_EQ(carve(base, UINT64_MAX, 12, 63), 8);
    uint64_t at = base;
    for (unsigned i = 0; i < 8; i++) {
        CHECK_EQ(blocks.b[i].paddr, at);
        CHECK_EQ(blocks.b[i].bits, 19 - i);
        at += (uint64_t)1 << (19 - i);
    }
    CHECK_EQ(at, (uint64_t)0 - 0x1000);
    /* Rounding the start up would wrap: nothing. */
    CHECK_EQ(carve(UINT64_MAX - 5, UINT64_MAX, 12, 63), 0);
    /* max_bits above 63 is clamped; [2^63, 2^64 - 1) gives 63 blocks of 2^62 .. 2^0. */
    CHECK_EQ(carve((uint64_t)1 << 63, UINT64_MAX, 0, 70), 63);
    CHECK_EQ(blocks.b[0].bits, 62);
    CHECK_EQ(blocks.b[62].paddr, UINT64_MAX - 1);
    CHECK_EQ(blocks.b[62].bits, 0);
    CHECK_EQ(carve(0, UINT64_MAX, 0, 70), 64);
    CHECK_EQ(blocks.b[0].bits, 63);
}

/* ---- add / remove / total ---- */

TEST(memregion_add_merges)
{
    memregion_list_t l;
    memregion_init(&l);
    CHECK_EQ(l.n, 0);
    CHECK(memregion_add(&l, 0x10, 0x20));
    EXPECT_LIST(&l, 0x10, 0x20);
    CHECK(memregion_add(&l, 0x30, 0x40));
    EXPECT_LIST(&l, 0x10, 0x20, 0x30, 0x40);
    CHECK(memregion_add(&l, 0x20, 0x30)); /* touches both: one range */
    EXPECT_LIST(&l, 0x10, 0x40);
    CHECK(memregion_add(&l, 0x5, 0x10)); /* adjacent below */
    EXPECT_LIST(&l, 0x5, 0x40);
    CHECK(memregion_add(&l, 0x40, 0x41)); /* adjacent above */
    EXPECT_LIST(&l, 0x5, 0x41);
    CHECK(memregion_add(&l, 0x60, 0x70));
    CHECK(memregion_add(&l, 0x80, 0x90));
    CHECK(memregion_add(&l, 0x1, 0x2));
    EXPECT_LIST(&l, 0x1, 0x2, 0x5, 0x41, 0x60, 0x70, 0x80, 0x90);
    CHECK(memregion_add(&l, 0x65, 0x85)); /* overlaps two */
    EXPECT_LIST(&l, 0x1, 0x2, 0x5, 0x41, 0x60, 0x90);
    CHECK(memregion_add(&l, 0x6, 0x7)); /* inside: no change */
    EXPECT_LIST(&l, 0x1, 0x2, 0x5, 0x41, 0x60, 0x90);
    CHECK(memregion_add(&l, 0x0, 0x1000)); /* swallows all */
    EXPECT_LIST(&l, 0x0, 0x1000);
    CHECK_EQ(memregion_total(&l), 0x1000);
}

TEST(memregion_add_empty_is_noop)
{
    memregion_list_t l;
    memregion_init(&l);
    CHECK(memregion_add(&l, 0x10, 0x20));
    CHECK(memregion_add(&l, 0x30, 0x30));
    CHECK(memregion_add(&l, 0x40, 0x35));
    CHECK(memregion_add(&l, 0x20, 0x20)); /* empty, even though adjacent */
    EXPECT_LIST(&l, 0x10, 0x20);
}

TEST(memregion_remove_splits_and_trims)
{
    memregion_list_t l;
    memregion_init(&l);
    CHECK(memregion_add(&l, 0, 0x100));
    CHECK(memregion_remove(&l, 0x10, 0x20));
    EXPECT_LIST(&l, 0, 0x10, 0x20, 0x100);
    CHECK(memregion_remove(&l, 0x8, 0x28)); /* trims both sides */
    EXPECT_LIST(&l, 0, 0x8, 0x28, 0x100);
    CHECK(memregion_remove(&l, 0x8, 0x28)); /* nothing there */
    EXPECT_LIST(&l, 0, 0x8, 0x28, 0x100);
    CHECK(memregion_remove(&l, 0xf0, 0x200)); /* tail */
    EXPECT_LIST(&l, 0, 0x8, 0x28, 0xf0);
    CHECK(memregion_remove(&l, 0x0, 0x1)); /* head, at address 0 */
    EXPECT_LIST(&l, 0x1, 0x8, 0x28, 0xf0);
    CHECK(memregion_add(&l, 0x100, 0x110));
    CHECK(memregion_add(&l, 0x120, 0x130));
    CHECK(memregion_remove(&l, 0x7, 0x125)); /* across four ranges */
    EXPECT_LIST(&l, 0x1, 0x7, 0x125, 0x130);
    CHECK(memregion_remove(&l, 0x30, 0x20)); /* empty */
    EXPECT_LIST(&l, 0x1, 0x7, 0x125, 0x130);
    CHECK_EQ(memregion_total(&l), 0x6 + 0xb);
    CHECK(memregion_remove(&l, 0x1, 0x130)); /* exactly everything */
    CHECK_EQ(l.n, 0);
    CHECK_EQ(memregion_total(&l), 0);
    CHECK(memregion_remove(&l, 0, UINT64_MAX)); /* from an empty list */
    CHECK_EQ(l.n, 0);
}

TEST(memregion_edges_at_0_and_top)
{
    memregion_list_t l;
    memregion_init(&l);
    CHECK(memregion_add(&l, 0, 1));
    CHECK(memregion_add(&l, TOP47 - 0x1000, TOP47));
    CHECK(memregion_add(&l, UINT64_MAX - 0x10, UINT64_MAX));
    EXPECT_LIST(&l, 0, 1, TOP47 - 0x1000, TOP47, UINT64_MAX - 0x10, UINT64_MAX);
    CHECK_EQ(memregion_total(&l), 1 + 0x1000 + 0x10);
    CHECK_EQ(find(&l, 0x1000, 0x1000, 0), TOP47 - 0x1000);
    CHECK_EQ(find(&l, 1, 1, 0), 0);
    CHECK_EQ(find(&l, 1, 1, 1), TOP47 - 0x1000);
    CHECK(find_fails(&l, 0x1000, TOP47, 1));
    CHECK(find_fails(&l, 1, (uint64_t)1 << 63, UINT64_MAX - 5)); /* aligning would wrap */
    CHECK_EQ(find(&l, 0xf, 0x10, TOP47), UINT64_MAX - 0xf);
    CHECK(find_fails(&l, 0x10, 0x10, TOP47)); /* would end at 2^64 */
    CHECK(memregion_add(&l, TOP47, TOP47 + 1)); /* adjacent to the range below 2^47 */
    EXPECT_LIST(&l, 0, 1, TOP47 - 0x1000, TOP47 + 1, UINT64_MAX - 0x10, UINT64_MAX);
    CHECK(memregion_remove(&l, 0, TOP47));
    EXPECT_LIST(&l, TOP47, TOP47 + 1, UINT64_MAX - 0x10, UINT64_MAX);
    CHECK(memregion_add(&l, 0, UINT64_MAX));
    EXPECT_LIST(&l, 0, UINT64_MAX);
    CHECK_EQ(memregion_total(&l), UINT64_MAX);
}

TEST(memregion_find_alignment)
{
    memregion_list_t l;
    memregion_init(&l);
    CHECK(memregion_add(&l, 0x1000, 0x5000));
    CHECK(memregion_add(&l, 0x10000, 0x30000));
    CHECK_EQ(find(&l, 0x2000, 0x1000, 0), 0x1000);
    CHECK_EQ(find(&l, 0x2000, 0x2000, 0), 0x2000);
    CHECK_EQ(find(&l, 0x1000, 0x4000, 0), 0x4000);
    CHECK_EQ(find(&l, 0x2000, 0x4000, 0), 0x10000); /* [0x4000, 0x6000) is not inside */
    CHECK_EQ(find(&l, 0x4000, 0x1000, 0), 0x1000);  /* exactly the first range */
    CHECK_EQ(find(&l, 0x4001, 0x1, 0), 0x10000);
    CHECK_EQ(find(&l, 0x20000, 0x10000, 0), 0x10000);
    CHECK(find_fails(&l, 0x20001, 1, 0));
    CHECK(find_fails(&l, 0x20000, 0x20000, 0)); /* 0x20000 + 0x20000 > 0x30000 */
    CHECK_EQ(find(&l, 0x1000, 0x1000, 0x2000), 0x2000);
    CHECK_EQ(find(&l, 0x1000, 0x1000, 0x2001), 0x3000);
    CHECK_EQ(find(&l, 0x800, 0x800, 0x4800), 0x4800);
    CHECK_EQ(find(&l, 0x800, 0x800, 0x4801), 0x10000);
    CHECK_EQ(find(&l, 0x1000, 0x1000, 0x2f000), 0x2f000);
    CHECK(find_fails(&l, 0x1000, 0x1000, 0x2f001));
    CHECK(find_fails(&l, 0, 0x1000, 0));      /* size 0 */
    CHECK(find_fails(&l, 0x1000, 0, 0));      /* align 0 */
    CHECK(find_fails(&l, 0x1000, 0x3000, 0)); /* align not a power of two */
    memregion_init(&l);
    CHECK(find_fails(&l, 1, 1, 0));
}

/* Fills the list with MEMREGION_MAX ranges [16k, 16k + 8). */
static void fill(memregion_list_t *l)
{
    memregion_init(l);
    for (uint64_t k = 0; k < MEMREGION_MAX; k++)
        CHECK(memregion_add(l, 16 * k, 16 * k + 8));
    CHECK_EQ(l->n, MEMREGION_MAX);
}

TEST(memregion_list_full)
{
    memregion_list_t l, before;
    fill(&l);
    before = l;
    CHECK(!memregion_add(&l, 0x10000, 0x10001)); /* a 65th range */
    CHECK(memcmp(&l, &before, sizeof l) == 0);
    CHECK(!memregion_add(&l, 9, 10)); /* a new range between two */
    CHECK(memcmp(&l, &before, sizeof l) == 0);
    CHECK(!memregion_remove(&l, 0x22, 0x24)); /* a split */
    CHECK(memcmp(&l, &before, sizeof l) == 0);

    CHECK(memregion_add(&l, 8, 10)); /* extends a range: still 64 */
    CHECK_EQ(l.n, MEMREGION_MAX);
    CHECK_EQ(l.r[0].end, 10);
    CHECK(memregion_remove(&l, 0x20, 0x22)); /* trims: still 64 */
    CHECK_EQ(l.n, MEMREGION_MAX);
    CHECK_EQ(l.r[2].start, 0x22);
    CHECK(memregion_add(&l, 0x8, 0x10)); /* joins two: 63 */
    CHECK_EQ(l.n, MEMREGION_MAX - 1);
    CHECK(memregion_add(&l, 0x10000, 0x10001)); /* now there is room */
    CHECK_EQ(l.n, MEMREGION_MAX);
    CHECK(!memregion_add(&l, 0x20000, 0x20001));

    fill(&l);
    CHECK(memregion_remove(&l, 16 * 5, 16 * 5 + 8)); /* deletes one */
    CHECK_EQ(l.n, MEMREGION_MAX - 1);
    CHECK(memregion_remove(&l, 0x22, 0x24)); /* split fits now */
    CHECK_EQ(l.n, MEMREGION_MAX);
    CHECK_EQ(memregion_total(&l), 8 * MEMREGION_MAX - 8 - 2);
}

/* ---- randomized, against brute-force reference models ---- */

/* The reference set: a bitmap of SPACE units; unit u is [base + u*scale, base + (u+1)*scale). */
#define SPACE 1024

typedef struct {
    uint64_t base, scale;
    bool bit[SPACE];
} model_t;

static uint64_t addr_of(const model_t *m, unsigned u)
{
    return m->base + (uint64_t)u * m->scale;
}

/* Runs of set units = the ranges a merged list must hold. Returns how many. */
static unsigned model_runs(const model_t *m, uint64_t *pairs)
{
    unsigned n = 0;
    for (unsigned u = 0; u < SPACE;) {
        if (!m->bit[u]) {
            u++;
            continue;
        }
        unsigned v = u;
        while (v < SPACE && m->bit[v])
            v++;
        if (pairs != NULL && n < 2 * SPACE) {
            pairs[2 * n] = addr_of(m, u);
            pairs[2 * n + 1] = addr_of(m, v);
        }
        n++;
        u = v;
    }
    return n;
}

static void check_against_model(const memregion_list_t *l, const model_t *m)
{
    static uint64_t pairs[2 * SPACE];
    unsigned n = model_runs(m, pairs);
    expect_list(l, n, pairs);
    uint64_t total = 0;
    for (unsigned u = 0; u < SPACE; u++)
        total += m->bit[u] ? m->scale : 0;
    CHECK_EQ(memregion_total(l), total);
}

/* Brute-force find over unit boundaries (every candidate is one when align >= scale). */
static bool model_find(const model_t *m, unsigned size_units, uint64_t align, uint64_t min,
                       uint64_t *out)
{
    for (unsigned u = 0; u + size_units <= SPACE; u++) {
        uint64_t a = addr_of(m, u);
        if (a < min || a % align != 0)
            continue;
        unsigned k = 0;
        while (k < size_units && m->bit[u + k])
            k++;
        if (k == size_units) {
            *out = a;
            return true;
        }
    }
    return false;
}

static void random_ops(uint64_t base, uint64_t scale, unsigned steps, uint64_t seed)
{
    static model_t m;
    rng_t r = {seed};
    memregion_list_t l;
    memregion_init(&l);
    memset(&m, 0, sizeof m);
    m.base = base;
    m.scale = scale;
    unsigned full_rejections = 0, max_n = 0;

    for (unsigned step = 0; step < steps; step++) {
        bool add = rng_below(&r, 100) < 50;
        unsigned s = (unsigned)rng_below(&r, SPACE + 1);
        unsigned len = rng_below(&r, 50) == 0 ? (unsigned)rng_below(&r, 300)
                                              : (unsigned)rng_below(&r, 8);
        unsigned e = s + len > SPACE ? SPACE : s + len;
        if (rng_below(&r, 20) == 0)
            e = s > 0 ? s - 1 : 0; /* an empty range, reversed */

        static model_t saved;
        saved = m;
        for (unsigned u = s; u < e; u++)
            m.bit[u] = add;
        bool want_ok = model_runs(&m, NULL) <= MEMREGION_MAX;
        if (!want_ok)
            m = saved;

        memregion_list_t before = l;
        bool ok = add ? memregion_add(&l, addr_of(&m, s), addr_of(&m, e))
                      : memregion_remove(&l, addr_of(&m, s), addr_of(&m, e));
        CHECK_MSG(ok == want_ok, "seed 0x%llx step %u: %s [%u, %u) returned %d",
                  (unsigned long long)seed, step, add ? "add" : "remove", s, e, ok);
        if (!ok) {
            CHECK(memcmp(&l, &before, sizeof l) == 0);
            full_rejections++;
        }
        check_against_model(&l, &m);
        if (l.n > max_n)
            max_n = l.n;

        for (unsigned q = 0; q < 4; q++) {
            unsigned size_units = 1 + (unsigned)rng_below(&r, rng_below(&r, 4) == 0 ? 200 : 16);
            uint64_t align = scale << rng_below(&r, 8);
            uint64_t min = addr_of(&m, (unsigned)rng_below(&r, SPACE));
            if (rng_below(&r, 4) == 0)
                min += rng_below(&r, scale); /* not on a unit boundary */
            if (rng_below(&r, 10) == 0)
                min = rng_below(&r, 2) ? 0 : UINT64_MAX;
            uint64_t want = 0, got = 0;
            bool want_found = model_find(&m, size_units, align, min, &want);
            bool found = memregion_find(&l, (uint64_t)size_units * scale, align, min, &got);
            CHECK_MSG(found == want_found && (!found || got == want),
                      "seed 0x%llx step %u: find(0x%llx, 0x%llx, 0x%llx) = %d 0x%llx, "
                      "expected %d 0x%llx",
                      (unsigned long long)seed, step, (unsigned long long)size_units * scale,
                      (unsigned long long)align, (unsigned long long)min, found,
                      (unsigned long long)got, want_found, (unsigned long long)want);
        }
    }
    /* The sequence must have exercised the full-list path. */
    CHECK_MSG(full_rejections > 0 && max_n == MEMREGION_MAX,
              "weak coverage: %u rejections, max %u ranges", full_rejections, max_n);
}

TEST(memregion_random_vs_bitmap_unit_scale)
{
    random_ops(0, 1, 20000, test_seed());
}

TEST(memregion_random_vs_bitmap_pages)
{
    random_ops(0x100000, 0x1000, 20000, test_seed() + 1);
}

TEST(memregion_random_vs_bitmap_at_2_47)
{
    random_ops(TOP47 - (SPACE / 2) * 0x1000, 0x1000, 20000, test_seed() + 2);
}

TEST(memregion_random_vs_bitmap_at_2_64)
{
    /* The last unit ends at 2^64 - 4K: the largest exclusive end below 2^64. */
    random_ops((uint64_t)0 - (uint64_t)(SPACE + 1) * 0x1000, 0x1000, 20000, test_seed() + 3);
}

/* Minimum number of naturally aligned blocks (min_bits..max_bits) that exactly cover
 * [s, e), by dynamic programming; s and e are multiples of 2^min_bits, e <= 512. */
static unsigned dp_min_blocks(unsigned s, unsigned e, unsigned min_bits, unsigned max_bits)
{
    unsigned best[513];
    best[e] = 0;
    for (unsigned x = e; x-- > s;) {
        best[x] = ~0u;
        if (x % (1u << min_bits) != 0)
            continue;
        for (unsigned b = min_bits; b <= max_bits; b++) {
            unsigned sz = 1u << b;
            if (x % sz == 0 && x + sz <= e && best[x + sz] != ~0u && best[x + sz] + 1 < best[x])
                best[x] = best[x + sz] + 1;
        }
    }
    return best[s];
}

/* The blocks just emitted cover [start rounded up, end rounded down) exactly, in order,
 * each naturally aligned with min_bits <= bits <= max_bits. */
static void check_blocks(uint64_t start, uint64_t end, unsigned min_bits, unsigned max_bits)
{
    uint64_t mask = ((uint64_t)1 << min_bits) - 1;
    uint64_t lo = start > UINT64_MAX - mask ? UINT64_MAX : (start + mask) & ~mask;
    uint64_t hi = end & ~mask;
    uint64_t at = lo;
    for (unsigned i = 0; i < blocks.n; i++) {
        const block_t *b = &blocks.b[i];
        CHECK_MSG(b->paddr == at, "block %u at 0x%llx, expected 0x%llx", i,
                  (unsigned long long)b->paddr, (unsigned long long)at);
        CHECK(b->bits >= min_bits && b->bits <= max_bits && b->bits <= 63);
        CHECK(b->paddr % ((uint64_t)1 << b->bits) == 0);
        CHECK(hi - at >= (uint64_t)1 << b->bits);
        at += (uint64_t)1 << b->bits;
    }
    CHECK(blocks.n == 0 ? lo >= hi : at == hi);
}

TEST(memregion_carve_random_vs_dp)
{
    rng_t r = {test_seed() + 4};
    for (unsigned iter = 0; iter < 20000; iter++) {
        unsigned min_bits = (unsigned)rng_below(&r, 4);
        unsigned max_bits = min_bits + (unsigned)rng_below(&r, 8);
        unsigned s = (unsigned)rng_below(&r, 513), e = (unsigned)rng_below(&r, 513);
        unsigned n = carve(s, e, min_bits, max_bits);
        check_blocks(s, e, min_bits, max_bits);
        unsigned m = 1u << min_bits;
        unsigned lo = (s + m - 1) / m * m, hi = e / m * m;
        unsigned want = lo < hi ? dp_min_blocks(lo, hi, min_bits, max_bits) : 0;
        CHECK_MSG(n == want, "carve(%u, %u, %u, %u) gave %u blocks, minimum is %u", s, e,
                  min_bits, max_bits, n, want);
    }
}

TEST(memregion_carve_random_large)
{
    rng_t r = {test_seed() + 5};
    for (unsigned iter = 0; iter < 20000; iter++) {
        unsigned min_bits = (unsigned)rng_below(&r, 30);
        unsigned max_bits = min_bits + (unsigned)rng_below(&r, 40);
        uint64_t s = rng_next(&r) >> rng_below(&r, 64);
        uint64_t len = rng_next(&r) >> rng_below(&r, 64);
        if (max_bits + 6 < 64)
            len &= ((uint64_t)1 << (max_bits + 6)) - 1; /* bounds the number of blocks */
        uint64_t e = s + len; /* may wrap: then e < s and there is nothing to carve */
        carve(s, e, min_bits, max_bits);
        check_blocks(s, e, min_bits, max_bits > 63 ? 63 : max_bits);
        /* Greedy maximality: no block could have been doubled in place. */
        for (unsigned i = 0; i < blocks.n; i++) {
            const block_t *b = &blocks.b[i];
            if (b->bits >= max_bits || b->bits >= 63)
                continue;
            uint64_t twice = (uint64_t)1 << (b->bits + 1);
            bool could = b->paddr % twice == 0 && (e & ~(((uint64_t)1 << min_bits) - 1)) -
                                                          b->paddr >= twice;
            CHECK_MSG(!could, "block %u (0x%llx, %u bits) could be larger", i,
                      (unsigned long long)b->paddr, b->bits);
        }
    }
}
