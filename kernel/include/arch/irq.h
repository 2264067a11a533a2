/* Device interrupts delivered to user level. */
#ifndef PECAN_ARCH_IRQ_H
#define PECAN_ARCH_IRQ_H

#include "types.h"

/* A device interrupt arrived on this CPU vector. */
void irq_handle(word_t vector);
/* The last IRQHandler cap for irq is gone. */
void irq_handler_deleted(word_t irq);
/* Some IRQ has a handler: an interrupt may yet wake a thread. */
bool irq_any_active(void);
/* The slots holding the notification cap each IRQ signals (the invariant checker reads
 * them: caps the kernel holds outside any CNode or TCB); *n is their number. */
const struct cte *irq_notification_slots(word_t *n);

#endif
