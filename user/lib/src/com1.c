/* COM1 console and QEMU exit through I/O port caps (pecan/com1.h). */
#include <pecan/com1.h>

static pn_cptr_t com1_port;

static void out8(pn_cptr_t cap, pn_word_t port, pn_word_t value)
{
    pn_word_t w[] = {port, value};
    pn_invoke(cap, PN_X86_IOPORT_OUT8, w, 2, NULL, 0, NULL, 0);
}

static pn_word_t in8(pn_cptr_t cap, pn_word_t port)
{
    pn_word_t w[] = {port}, value = 0;
    pn_word_t info = pn_invoke(cap, PN_X86_IOPORT_IN8, w, 1, NULL, 0, &value, 1);
    return pn_msginfo_label(info) == 0 ? value : 0xff;
}

pn_word_t pn_ioport_issue(pn_cptr_t slot, pn_word_t first, pn_word_t last)
{
    pn_word_t w[] = {first, last, slot, 64};
    pn_cptr_t c[] = {PN_CAP_SLOT_INIT_CNODE};
    return pn_msginfo_label(
        pn_invoke(PN_CAP_SLOT_IO_PORT_CONTROL, PN_X86_IOPORT_CONTROL_ISSUE, w, 4, c, 1, NULL, 0));
}

void pn_com1_init(pn_cptr_t ioport)
{
    com1_port = ioport;
    out8(ioport, PN_COM1_BASE + UART_IER, 0);
    out8(ioport, PN_COM1_BASE + UART_LCR, 0x80); /* divisor latch */
    out8(ioport, PN_COM1_BASE + UART_DLL, 1);    /* 115200 baud */
    out8(ioport, PN_COM1_BASE + UART_DLM, 0);
    out8(ioport, PN_COM1_BASE + UART_LCR, 0x03); /* 8N1 */
    out8(ioport, PN_COM1_BASE + UART_FCR, 0x07); /* FIFOs on and cleared */
    out8(ioport, PN_COM1_BASE + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no interrupts */
}

void pn_com1_putc(char c)
{
    if (!com1_port)
        return;
    if (c == '\n')
        pn_com1_putc('\r');
    /* bounded wait for the transmitter (QEMU's is always ready) */
    for (unsigned i = 0; i < 1000 && !(in8(com1_port, PN_COM1_BASE + UART_LSR) & UART_LSR_THRE);
         i++)
        ;
    out8(com1_port, PN_COM1_BASE + UART_THR, (unsigned char)c);
}

void pn_com1_puts(const char *s)
{
    while (*s)
        pn_com1_putc(*s++);
}

int pn_com1_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = pn_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pn_com1_puts(buf);
    return n;
}

void pn_qemu_exit(pn_cptr_t ioport, pn_word_t value)
{
    out8(ioport, PN_QEMU_EXIT_PORT, value);
}
