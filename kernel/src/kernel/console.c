/* Formatted console output.  The byte sink is the architecture's (COM1 on pc99). */
#include <stdarg.h>
#include "console.h"
#include "arch/machine.h"

static void put_uint(word_t v, unsigned base, int width, char pad)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (width-- > n)
        console_putc(pad);
    while (n)
        console_putc(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            console_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0')
            pad = '0';
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        bool is_long = false;
        while (*fmt == 'l' || *fmt == 'z') {
            is_long = true;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            sword_t v = is_long ? va_arg(ap, sword_t) : va_arg(ap, int);
            if (v < 0) {
                console_putc('-');
                v = -v;
            }
            put_uint((word_t)v, 10, width, pad);
            break;
        }
        case 'u':
            put_uint(is_long ? va_arg(ap, word_t) : va_arg(ap, unsigned), 10, width, pad);
            break;
        case 'x':
            put_uint(is_long ? va_arg(ap, word_t) : va_arg(ap, unsigned), 16, width, pad);
            break;
        case 'p':
            console_putc('0');
            console_putc('x');
            put_uint((word_t)va_arg(ap, void *), 16, 16, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            for (s = s ? s : "(null)"; *s; s++)
                console_putc(*s);
            break;
        }
        case 'c':
            console_putc((char)va_arg(ap, int));
            break;
        case '%':
            console_putc('%');
            break;
        default:
            console_putc('?');
            break;
        }
    }
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void kpanic(const char *fmt, ...)
{
    va_list ap;
    kprintf("\npecan: panic: ");
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    kprintf("\n");
    machine_stop(STATUS_PANIC);
}
