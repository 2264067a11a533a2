/* Internal interface between the supervisor (supervisor.c) and the thread helpers. */
#ifndef PECAN_TESTS_SUPERVISOR_H
#define PECAN_TESTS_SUPERVISOR_H

#include <pecan/pecan.h>

void tt_framework_init(pn_cptr_t arena_untyped, pn_word_t window_base, pn_word_t window_size);
void tt_reset(void);

#endif
