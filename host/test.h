/*
 * A minimal unit-test framework for host builds.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ(a, b); }
 *
 * Tests register themselves at start-up and run in registration order (file link order,
 * then source order).  The first failed check ends its test case (longjmp back to the
 * runner) and becomes the reason on the FAIL line.  Output, one line per case:
 *   PASS <name>   |   FAIL <name>: <reason>
 * and finally `HOST DONE passed=N failed=M`; the exit status is non-zero on any failure.
 */
#ifndef PECAN_HOST_TEST_H
#define PECAN_HOST_TEST_H

#include <stdint.h>

typedef void (*test_fn_t)(void);

void test_register(const char *name, test_fn_t fn);
_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Seed for randomized tests: HOST_SEED from the environment, else a fixed value. */
uint64_t test_seed(void);

#define TEST(name)                                                                  \
    static void test_##name(void);                                                  \
    __attribute__((constructor)) static void test_register_##name(void)            \
    {                                                                               \
        test_register(#name, test_##name);                                          \
    }                                                                               \
    static void test_##name(void)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond))                                                                \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                      \
    } while (0)

#define CHECK_MSG(cond, ...)                                                        \
    do {                                                                            \
        if (!(cond))                                                                \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                             \
    } while (0)

/* Compares two integers (as uint64_t) and reports both values in hex. */
#define CHECK_EQ(a, b)                                                              \
    do {                                                                            \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                \
        if (check_a_ != check_b_)                                                   \
            test_fail(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", #a, #b,     \
                      (unsigned long long)check_a_, (unsigned long long)check_b_);  \
    } while (0)

/* Deterministic pseudo-random numbers (splitmix64). */
typedef struct {
    uint64_t s;
} rng_t;

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0.  (The modulo bias is irrelevant here.) */
static inline uint64_t rng_below(rng_t *r, uint64_t n)
{
    return rng_next(r) % n;
}

#endif
