/*
 * libpecan: console output through COM1 and ending a QEMU run through its isa-debug-exit
 * port, both with I/O port caps.  For root tasks on a release kernel (DEBUG=0), where
 * DebugPutChar and DebugHalt do not exist (../shared/abi/README.md, "The two upstream
 * configurations"): the root task drives the 16550 UART itself, as sel4bench does.
 *
 * Only the thread that called pn_com1_init() may print (the output goes through its IPC
 * buffer, pn_ipc).
 */
#ifndef PECAN_COM1_H
#define PECAN_COM1_H

#include <pecan/pecan.h>

#define PN_COM1_BASE 0x3f8
#define PN_COM1_PORTS 8       /* 0x3f8..0x3ff */
#define PN_QEMU_EXIT_PORT 0xf4 /* -device isa-debug-exit,iobase=0xf4 */

/* The 16550's registers (offsets from PN_COM1_BASE) and the bits used here. */
#define UART_THR 0 /* DLAB 0 */
#define UART_DLL 0 /* DLAB 1 */
#define UART_IER 1
#define UART_DLM 1 /* DLAB 1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_IER_THRE 0x02 /* interrupt when the transmitter is empty */
#define UART_MCR_DTR_RTS 0x03
#define UART_MCR_OUT2 0x08 /* gates the interrupt line on a PC */
#define UART_LSR_THRE 0x20
/* COM1's interrupt: ISA IRQ 4 = IOAPIC 0 pin 4, edge, active high; IRQControl's vector
 * argument (0..107) for it. */
#define COM1_IRQ 4
#define COM1_VECTOR 4

/* Issues an IOPort cap for ports [first, last] from the IOPortControl cap into root slot
 * `slot` (a cptr of the root CNode, depth 64); returns the error code. */
pn_word_t pn_ioport_issue(pn_cptr_t slot, pn_word_t first, pn_word_t last);

/* Starts printing through `ioport`, a cap covering COM1's eight ports: 115200 8N1, FIFOs
 * on, UART interrupts off. */
void pn_com1_init(pn_cptr_t ioport);
void pn_com1_putc(char c);
void pn_com1_puts(const char *s);
int pn_com1_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes `value` to QEMU's isa-debug-exit port through `ioport` (a cap covering 0xf4):
 * QEMU exits with status (value << 1) | 1 — 0 gives 1, which tools/run-qemu reads as a
 * normal halt.  Returns only if the write did not end the run. */
void pn_qemu_exit(pn_cptr_t ioport, pn_word_t value);

#endif
