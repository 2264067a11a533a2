/* The runner of host/test.h. */
#include "test.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_TESTS 512

static struct {
    const char *name;
    test_fn_t fn;
} tests[MAX_TESTS];
static unsigned num_tests;

static jmp_buf test_env;
static char fail_reason[512];

void test_register(const char *name, test_fn_t fn)
{
    if (num_tests == MAX_TESTS) {
        fprintf(stderr, "host tests: more than %d test cases\n", MAX_TESTS);
        exit(2);
    }
    tests[num_tests].name = name;
    tests[num_tests].fn = fn;
    num_tests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    int n = snprintf(fail_reason, sizeof fail_reason, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof fail_reason)
        vsnprintf(fail_reason + n, sizeof fail_reason - (size_t)n, fmt, ap);
    va_end(ap);
    longjmp(test_env, 1);
}

uint64_t test_seed(void)
{
    const char *s = getenv("HOST_SEED");
    return s != NULL ? strtoull(s, NULL, 0) : 0x5eed0f9eca11ull;
}

/* Runs one case; true if it passed.  The failure path returns through longjmp. */
static bool run_one(const char *name, test_fn_t fn)
{
    if (setjmp(test_env) == 0) {
        fn();
        printf("PASS %s\n", name);
        return true;
    }
    printf("FAIL %s: %s\n", name, fail_reason);
    return false;
}

int main(void)
{
    unsigned passed = 0, failed = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned i = 0; i < num_tests; i++) {
        if (run_one(tests[i].name, tests[i].fn))
            passed++;
        else
            failed++;
    }
    printf("HOST DONE passed=%u failed=%u\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
