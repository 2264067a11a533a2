/* The IPC fastpath (fastpath.c).  A build option: FASTPATH=0 leaves only the general path. */
#ifndef PECAN_FASTPATH_H
#define PECAN_FASTPATH_H

#include "object.h"

#ifndef PN_CONFIG_FASTPATH
#define PN_CONFIG_FASTPATH 1
#endif

/* Entered from the syscall entry for Call and ReplyRecv; each hands the call to the
 * general path (c_handle_syscall) when its conditions do not hold. */
NORETURN void fastpath_call(word_t cptr, word_t info);
NORETURN void fastpath_reply_recv(word_t cptr, word_t info);

#endif
