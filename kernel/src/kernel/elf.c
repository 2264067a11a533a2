/*
 * Checking and loading the root task's ELF image.  Every field of the image is untrusted:
 * headers are copied out with memcpy (the file may be misaligned) and all arithmetic on
 * them is checked for overflow before use.
 */
#include "elf.h"
#include "kstring.h"

#define PAGE_SIZE 4096u

/* ELF64 file header and program header, as laid out in the file (little-endian). */
typedef struct {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
} elf64_ehdr_t;

typedef struct {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
} elf64_phdr_t;

_Static_assert(sizeof(elf64_ehdr_t) == 64, "ELF64 header layout");
_Static_assert(sizeof(elf64_phdr_t) == 56, "ELF64 program header layout");

enum {
    EI_CLASS = 4,
    EI_DATA = 5,
    EI_VERSION = 6,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    EV_CURRENT = 1,
    ET_EXEC = 2,
    EM_X86_64 = 62,
    PT_LOAD = 1,
};

static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

/* Only valid after the header and program-header table have been bounds-checked. */
static void read_phdr(const void *data, const elf64_ehdr_t *eh, unsigned i, elf64_phdr_t *ph)
{
    memcpy(ph, (const uint8_t *)data + eh->phoff + (uint64_t)i * sizeof *ph, sizeof *ph);
}

static int fail(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

static int check_header(const void *data, uint64_t size, elf64_ehdr_t *eh, const char **why)
{
    if (size < sizeof *eh)
        return fail(why, "file smaller than an ELF header");
    memcpy(eh, data, sizeof *eh);
    if (memcmp(eh->ident, elf_magic, sizeof elf_magic) != 0)
        return fail(why, "bad ELF magic");
    if (eh->ident[EI_CLASS] != ELFCLASS64)
        return fail(why, "not a 64-bit ELF");
    if (eh->ident[EI_DATA] != ELFDATA2LSB)
        return fail(why, "not little-endian");
    if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
        return fail(why, "unknown ELF version");
    if (eh->machine != EM_X86_64)
        return fail(why, "not an x86-64 ELF");
    if (eh->type != ET_EXEC)
        return fail(why, "not an executable");
    if (eh->phentsize != sizeof(elf64_phdr_t))
        return fail(why, "bad program header size");
    /* phnum * 56 < 2^22: no overflow in the product, only in the sum. */
    uint64_t table = (uint64_t)eh->phnum * sizeof(elf64_phdr_t);
    if (eh->phoff > size || table > size - eh->phoff)
        return fail(why, "program headers outside the file");
    return 0;
}

/* Checks one PT_LOAD and widens [*lo, *hi) (hi unrounded) to cover it. */
static int check_load(const elf64_phdr_t *ph, uint64_t size, uint64_t *lo, uint64_t *hi,
                      const char **why)
{
    if (ph->filesz > ph->memsz)
        return fail(why, "segment filesz > memsz");
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return fail(why, "segment bytes outside the file");
    if (ph->vaddr > UINT64_MAX - ph->memsz)
        return fail(why, "segment address overflow");
    if (ph->vaddr < *lo)
        *lo = ph->vaddr;
    if (ph->vaddr + ph->memsz > *hi)
        *hi = ph->vaddr + ph->memsz;
    return 0;
}

int elf_check(const void *data, uint64_t size, uint64_t user_top, uint64_t reserve,
              elf_image_t *img, const char **why)
{
    elf64_ehdr_t eh;
    if (check_header(data, size, &eh, why) != 0)
        return -1;

    uint64_t lo = UINT64_MAX, hi = 0;
    unsigned loads = 0;
    for (unsigned i = 0; i < eh.phnum; i++) {
        elf64_phdr_t ph;
        read_phdr(data, &eh, i, &ph);
        if (ph.type != PT_LOAD)
            continue;
        if (check_load(&ph, size, &lo, &hi, why) != 0)
            return -1;
        loads++;
    }
    if (loads == 0)
        return fail(why, "no PT_LOAD segment");
    if (lo % PAGE_SIZE != 0)
        return fail(why, "image start not 4 KiB aligned");
    if (hi > UINT64_MAX - (PAGE_SIZE - 1))
        return fail(why, "segment address overflow");
    hi = (hi + (PAGE_SIZE - 1)) & ~(uint64_t)(PAGE_SIZE - 1);
    if (eh.entry < lo || eh.entry >= hi)
        return fail(why, "entry point outside the image");
    if (reserve > user_top || hi > user_top - reserve)
        return fail(why, "image does not fit below the user top");

    img->v_start = lo;
    img->v_end = hi;
    img->entry = eh.entry;
    return 0;
}

void elf_load(const void *data, const elf_image_t *img, void *dst)
{
    elf64_ehdr_t eh;
    memcpy(&eh, data, sizeof eh);
    memset(dst, 0, img->v_end - img->v_start);
    for (unsigned i = 0; i < eh.phnum; i++) {
        elf64_phdr_t ph;
        read_phdr(data, &eh, i, &ph);
        if (ph.type == PT_LOAD && ph.filesz != 0)
            memcpy((uint8_t *)dst + (ph.vaddr - img->v_start),
                   (const uint8_t *)data + ph.offset, ph.filesz);
    }
}
