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

/* Ends the current test with `SKIP <name>: <reason>`: neither passed nor failed. */
void test_skip(const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    pn_vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    for (char *p = reason; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    pn_printf("SKIP %s: %s\n", current->name, reason);
    pn_longjmp(test_exit, 2);
}

static int before(const pn_test_t *a, const pn_test_t *b)
{
    int c = strcmp(a->file, b->file);
    return c < 0 || (c == 0 && a->line < b->line);
}

/* Runs one test; returns 1 if it passed, 0 if it failed, -1 if it was skipped. */
static int run(const pn_test_t *t)
{
    /* the boot tests (boot_*.c, first in order) see the initial state; the supervisor's
     * objects and slots appear after them */
    static int supervised;
    const char *file = basename(t->file);
    if (!supervised && !(file[0] == 'b' && file[1] == 'o' && file[2] == 'o' &&
                         file[3] == 't' && file[4] == '_')) {
        supervised = 1;
        supervisor_init();
    }
    current = t;
    int jumped = pn_setjmp(test_exit);
    if (jumped != 0) {
        test_cleanup();
        return jumped == 2 ? -1 : 0;
    }
    t->fn();
    test_cleanup();
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
        int r = run(order[i]);
        if (r > 0)
            passed++;
        else if (r == 0)
            failed++;
    }
    pn_printf("TESTS DONE passed=%u failed=%u\n", passed, failed);
    return 0;
}
