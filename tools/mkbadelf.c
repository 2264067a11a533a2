/*
 * mkbadelf KIND OUT: writes a root-task image the kernel must refuse (with a panic) to OUT.
 *   elf32     a well-formed 32-bit i386 executable
 *   huge      a well-formed x86-64 executable whose one segment has a 1 GiB memsz (bss):
 *             accepted by the ELF checks, but it cannot fit in 512 MiB of RAM
 *   badentry  an x86-64 executable whose entry point lies outside its segments
 * Used by tools/test-all; built for the host by the Makefile.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char buf[0x2000];

static void put(size_t at, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        buf[at + i] = (unsigned char)(v >> (8 * i));
}

/* Code at file offset 0x1000: `1: pause; jmp 1b` (never reached; any bytes would do). */
static void put_code(void)
{
    static const unsigned char spin[] = {0xf3, 0x90, 0xeb, 0xfc};
    memcpy(buf + 0x1000, spin, sizeof spin);
}

/* ELF64 header + one PT_LOAD (offset 0x1000, vaddr 0x400000, filesz 0x10). */
static size_t make64(uint64_t memsz, uint64_t entry)
{
    static const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    memcpy(buf, ident, sizeof ident);
    put(16, 2, 2);      /* ET_EXEC */
    put(18, 62, 2);     /* EM_X86_64 */
    put(20, 1, 4);      /* EV_CURRENT */
    put(24, entry, 8);
    put(32, 64, 8);     /* phoff */
    put(52, 64, 2);     /* ehsize */
    put(54, 56, 2);     /* phentsize */
    put(56, 1, 2);      /* phnum */
    put(64, 1, 4);      /* PT_LOAD */
    put(68, 7, 4);      /* RWX */
    put(72, 0x1000, 8); /* offset */
    put(80, 0x400000, 8);
    put(88, 0x400000, 8);
    put(96, 0x10, 8);   /* filesz */
    put(104, memsz, 8);
    put(112, 0x1000, 8);
    put_code();
    return 0x1010;
}

/* ELF32 header + one PT_LOAD, i386. */
static size_t make32(void)
{
    static const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    memcpy(buf, ident, sizeof ident);
    put(16, 2, 2);      /* ET_EXEC */
    put(18, 3, 2);      /* EM_386 */
    put(20, 1, 4);
    put(24, 0x400000, 4); /* entry */
    put(28, 52, 4);     /* phoff */
    put(40, 52, 2);     /* ehsize */
    put(42, 32, 2);     /* phentsize */
    put(44, 1, 2);      /* phnum */
    put(52, 1, 4);      /* PT_LOAD */
    put(56, 0x1000, 4); /* offset */
    put(60, 0x400000, 4);
    put(64, 0x400000, 4);
    put(68, 0x10, 4);   /* filesz */
    put(72, 0x10, 4);   /* memsz */
    put(76, 5, 4);      /* R+X */
    put(80, 0x1000, 4);
    put_code();
    return 0x1010;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkbadelf elf32|huge|badentry OUT\n");
        return 2;
    }
    size_t size;
    if (strcmp(argv[1], "elf32") == 0)
        size = make32();
    else if (strcmp(argv[1], "huge") == 0)
        size = make64(1ull << 30, 0x400000);
    else if (strcmp(argv[1], "badentry") == 0)
        size = make64(0x1000, 0x500000);
    else {
        fprintf(stderr, "mkbadelf: unknown kind %s\n", argv[1]);
        return 2;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
