/* The test-suite root task: runs every registered test, reports, halts. */
#include "test.h"

extern const pn_test_t __pn_tests_start[], __pn_tests_end[];

#define MAX_TESTS 1024

static const pn_test_t *current;
static pn_jmp_buf test_exit;

static const char *basename(const char *path)
{
    const char *base = path;
    for (; *path; path++)
        if (*path == '/')
            base = path + 1;
    return base;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    pn_vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    /* the runner reads one line per test: keep the reason on it */
    for (char *p = reason; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    pn_printf("FAIL %s: %s:%d: %s\n", current->name, basename(file), line, reason);
    pn_longjmp(test_exit, 1);
}

static int before(const pn_test_t *a, const pn_test_t *b)
{
    int c = strcmp(a->file, b->file);
    return c < 0 || (c == 0 && a->line < b->line);
}

/* Runs one test; returns 1 if it passed. */
static int run(const pn_test_t *t)
{
    current = t;
    if (pn_setjmp(test_exit) != 0)
        return 0;
    t->fn();
    pn_printf("PASS %s\n", t->name);
    return 1;
}

int main(void)
{
    static const pn_test_t *order[MAX_TESTS];
    unsigned n = 0, passed = 0, failed = 0;

    pn_printf("Pecan test suite\n");
    for (const pn_test_t *t = __pn_tests_start; t < __pn_tests_end; t++) {
        if (n == MAX_TESTS) {
            pn_printf("FAIL test_registry: more than %d tests\n", MAX_TESTS);
            failed++;
            break;
        }
        unsigned i = n++;
        for (; i > 0 && before(t, order[i - 1]); i--)
            order[i] = order[i - 1];
        order[i] = t;
    }
    for (unsigned i = 0; i < n; i++) {
        if (run(order[i]))
            passed++;
        else
            failed++;
    }
    pn_printf("TESTS DONE passed=%u failed=%u\n", passed, failed);
    return 0;
}
