/*
 * The run's parameters.  The root task gets no command line, so `make fuzz` (tools/fuzz)
 * copies build/user/fuzz.elf and overwrites this structure in the copy: it finds the magic
 * string in the file and writes seed, count, ... after it (little-endian words).  The
 * values here are those of the short run in `make test`.
 */
#include "fuzz.h"

__attribute__((used, aligned(16))) const volatile struct fz_config fz_config = {
    .magic = "PECAN-FUZZ-CFG:",
    .seed = 1,
    .count = 20000,
    .epoch_calls = 0,
    .verbose = 0,
};
