/* The IPC fastpath (fastpath.c).  A build option: FASTPATH=0 leaves only the general path. */
#ifndef PECAN_FASTPATH_H
#define PECAN_FASTPATH_H

#include "object.h"

#ifndef PN_CONFIG_FASTPATH
#define PN_CONFIG_FASTPATH 1
#endif

/* Each returns only when the general path must handle the call. */
void fastpath_call(tcb_t *t, word_t cptr, word_t info);
void fastpath_reply_recv(tcb_t *t, word_t cptr, word_t info);

#endif
