/* What the host shim (host/shim/) offers the host tests of the object code. */
#ifndef PECAN_HOST_SHIM_H
#define PECAN_HOST_SHIM_H

#include "object.h"
#include "arch/x86.h"

/* machine_interrupt_pending() asks this (NULL: never pending). */
extern bool (*host_interrupt_pending)(void);

/* Threads the kernel created with thread_init and has not yet forgotten. */
#define HOST_MAX_THREADS 4096
extern tcb_t *host_threads[HOST_MAX_THREADS];
extern unsigned host_num_threads;

/* What the shim's vspace_init_root writes into the kernel half of a new PML4. */
#define HOST_KERNEL_PML4E 0x0000000000abc003ul

#endif
