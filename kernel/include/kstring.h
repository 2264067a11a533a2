/* The few C library routines the kernel needs (and the compiler may emit calls to). */
#ifndef PECAN_KSTRING_H
#define PECAN_KSTRING_H

#ifdef PN_HOST
#include <string.h>
#else
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

#endif
