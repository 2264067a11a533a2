/* Kernel console (COM1 on pc99), formatted output and panics. */
#ifndef PECAN_CONSOLE_H
#define PECAN_CONSOLE_H

#include "types.h"

void console_init(void);
void console_putc(char c);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
NORETURN void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define kassert(cond)                                                                   \
    do {                                                                                \
        if (unlikely(!(cond)))                                                          \
            kpanic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);         \
    } while (0)

/* Verdicts written to the isa-debug-exit port before the machine stops. */
enum machine_status {
    STATUS_HALT = 0,       /* DebugHalt: QEMU exits 1 */
    STATUS_DEADLOCK = 2,   /* test build: no thread can ever run again: QEMU exits 5 */
    STATUS_PANIC = 0x7f,   /* kernel panic: QEMU exits 255 */
};
NORETURN void machine_stop(enum machine_status status);

#endif
