/* A small printf for the debug console (DebugPutChar) and for string buffers. */
#include <pecan/pecan.h>

typedef struct sink {
    char *buf;     /* NULL: write to the console */
    size_t size;   /* buffer capacity (including the NUL) */
    size_t count;  /* characters produced so far */
} sink_t;

static void emit(sink_t *s, char c)
{
    if (!s->buf)
        pn_debug_put_char(c);
    else if (s->count + 1 < s->size)
        s->buf[s->count] = c;
    s->count++;
}

static void emit_padded(sink_t *s, const char *str, size_t len, int width, int left,
                        char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;
    /* zero padding goes after a sign or 0x prefix */
    if (!left && pad == '0' && len && (str[0] == '-' || (len > 1 && str[1] == 'x'))) {
        size_t prefix = str[0] == '-' ? 1 : 2;
        for (size_t i = 0; i < prefix; i++)
            emit(s, str[i]);
        str += prefix;
        len -= prefix;
    }
    if (!left)
        while (fill-- > 0)
            emit(s, pad);
    for (size_t i = 0; i < len; i++)
        emit(s, str[i]);
    if (left)
        while (fill-- > 0)
            emit(s, ' ');
}

/* Formats v in `base` into the end of buf[0..size); returns the first character. */
static char *format_number(char *end, unsigned long long v, unsigned base, int upper,
                           int negative, int hex_prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    if (hex_prefix) {
        *--p = 'x';
        *--p = '0';
    }
    if (negative)
        *--p = '-';
    return p;
}

static void format(sink_t *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(s, *fmt);
            continue;
        }
        fmt++;
        int left = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs += *fmt == 'z' ? 2 : 1;
            fmt++;
        }
        char numbuf[24];
        char *end = numbuf + sizeof numbuf;
        char *str;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);
            unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
            str = format_number(end, mag, 10, 0, v < 0, 0);
            emit_padded(s, str, end - str, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v =
                longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
            str = format_number(end, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, 0);
            emit_padded(s, str, end - str, width, left, pad);
            break;
        }
        case 'p': {
            unsigned long long v = (unsigned long long)(uintptr_t)va_arg(ap, void *);
            str = format_number(end, v, 16, 0, 0, 1);
            emit_padded(s, str, end - str, width, left, pad);
            break;
        }
        case 's': {
            const char *v = va_arg(ap, const char *);
            if (!v)
                v = "(null)";
            emit_padded(s, v, strlen(v), width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_padded(s, &c, 1, width, left, ' ');
            break;
        }
        case '%':
            emit(s, '%');
            break;
        case '\0':
            return;
        default: /* unknown conversion: show it verbatim */
            emit(s, '%');
            emit(s, *fmt);
            break;
        }
    }
}

int pn_vprintf(const char *fmt, va_list ap)
{
    sink_t s = {0};
    format(&s, fmt, ap);
    return (int)s.count;
}

int pn_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = pn_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int pn_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    sink_t s = {buf, size, 0};
    format(&s, fmt, ap);
    if (size)
        buf[s.count < size ? s.count : size - 1] = '\0';
    return (int)s.count;
}

int pn_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = pn_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void pn_puts(const char *s)
{
    while (*s)
        pn_debug_put_char(*s++);
}
