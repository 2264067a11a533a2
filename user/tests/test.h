/*
 * The in-QEMU test suite's framework.  A test is `TEST(name) { ... }` in any file of
 * user/tests; the runner executes every test in (file, line) order and prints, per test,
 * exactly one line: `PASS <name>` or `FAIL <name>: <reason>`, then
 * `TESTS DONE passed=N failed=M`, then halts through DebugHalt.
 *
 * Checks end the test at the first failure (a non-local jump back to the runner), so they
 * may be used in helper functions too.  Every expected value must come from the ABI
 * specification (../shared/abi), never from what the kernel happens to do.
 */
#ifndef PECAN_TESTS_TEST_H
#define PECAN_TESTS_TEST_H

#include <pecan/pecan.h>

typedef struct pn_test {
    const char *name;
    void (*fn)(void);
    const char *file;
    int line;
} pn_test_t;

#define TEST(name)                                                                      \
    static void test_##name(void);                                                      \
    static const pn_test_t test_desc_##name                                             \
        __attribute__((used, section("pn_tests"), aligned(8))) = {#name, test_##name,   \
                                                                  __FILE__, __LINE__};  \
    static void test_##name(void)

/* Ends the current test with `FAIL <name>: <file>:<line>: <message>`. */
__attribute__((noreturn, format(printf, 3, 4))) void test_fail(const char *file, int line,
                                                               const char *fmt, ...);

#define FAIL(...) test_fail(__FILE__, __LINE__, __VA_ARGS__)

/* Ends the current test with `SKIP <name>: <reason>` (counted neither as passed nor as
 * failed): only for a test the machine configuration cannot run at all. */
__attribute__((noreturn, format(printf, 1, 2))) void test_skip(const char *fmt, ...);

/* The supervisor (supervisor.c): set up once before the first test after the boot tests
 * (boot_*.c, which check the initial state), so that from then on a test whose
 * root task faults or hangs fails alone; test_cleanup() runs after every test (passed or
 * failed) and deletes what the issue-4 helpers (tthread.h) made for it. */
void supervisor_init(void);
void test_cleanup(void);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond))                                                                    \
            FAIL("%s", #cond);                                                          \
    } while (0)

/* Word comparison showing both values in decimal and hex. */
#define CHECK_EQ(actual, expected)                                                      \
    do {                                                                                \
        pn_word_t a_ = (pn_word_t)(actual), e_ = (pn_word_t)(expected);                 \
        if (a_ != e_)                                                                   \
            FAIL("%s: expected %lu (0x%lx), got %lu (0x%lx)", #actual, e_, e_, a_, a_); \
    } while (0)

/* a OP b for unsigned words, e.g. CHECK_CMP(x, <=, 230). */
#define CHECK_CMP(a, op, b)                                                             \
    do {                                                                                \
        pn_word_t a_ = (pn_word_t)(a), b_ = (pn_word_t)(b);                             \
        if (!(a_ op b_))                                                                \
            FAIL("%s %s %s: %lu (0x%lx) vs %lu (0x%lx)", #a, #op, #b, a_, a_, b_, b_);  \
    } while (0)

/* Cap type of a slot via DebugCapIdentify, with the slot named in the failure. */
#define CHECK_CAP_TYPE(slot, expected_type)                                             \
    do {                                                                                \
        pn_word_t s_ = (pn_word_t)(slot);                                               \
        pn_word_t t_ = pn_debug_cap_identify(s_), e_ = (pn_word_t)(expected_type);      \
        if (t_ != e_)                                                                   \
            FAIL("slot %lu: expected cap type %s (%lu), got %s (%lu)", s_,              \
                 cap_type_name(e_), e_, cap_type_name(t_), t_);                         \
    } while (0)

const char *cap_type_name(pn_word_t tag);
/* The name of an ABI error code (invocations.md §1), or "?". */
const char *error_name(pn_word_t code);
/* "[w0, w1, ...]" into buf. */
void format_words(char *buf, size_t size, const pn_word_t *w, unsigned n);
/* Whether a reply (info, badge, its first `max` words in mr) is not exactly error `code`
 * with words[0..n): if so, describes the difference in msg (for test_fail) and returns 1. */
int reply_mismatch(char *msg, size_t size, const char *what, pn_word_t info, pn_word_t badge,
                   const pn_word_t *mr, unsigned max, pn_word_t code, unsigned n,
                   const pn_word_t *words);

/* ---- the initial layout the spec predicts (types.md §8) ---- */

typedef struct expected_layout {
    pn_word_t v_start, v_end;      /* root task image (v_end = linker end, page aligned) */
    pn_word_t image_pages;
    pn_word_t ipc_buffer;          /* v_end */
    pn_word_t bootinfo;            /* v_end + 4 KiB */
    pn_word_t extra;               /* v_end + 8 KiB */
    pn_word_t extra_len;           /* sum of the chunks QEMU's multiboot boot yields */
    pn_word_t extra_size;          /* extra_len rounded up to a power of two >= 4 KiB */
    pn_word_t extra_pages;
    pn_word_t n_pdpt, n_pd, n_pt;  /* paging structures covering [v_start, extra end) */
    pn_word_t n_paging;
    pn_word_t cnode_slots;         /* 2^PN_CONFIG_ROOT_CNODE_BITS */
} expected_layout_t;

void expected_layout(expected_layout_t *l);

/* Untyped memory: the fixture map matching the mmap chunk (FAILs if none matches). */
struct qemu_mmap_fixture;
const struct qemu_mmap_fixture *matching_fixture(void);

#endif
