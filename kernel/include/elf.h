/*
 * Checking and loading the root task's ELF image (types.md §8.4).  Pure logic: compiled
 * into the kernel and into the host unit tests.
 */
#ifndef PECAN_ELF_H
#define PECAN_ELF_H

#include <stdint.h>

typedef struct elf_image {
    uint64_t v_start; /* lowest PT_LOAD vaddr (must be 4 KiB aligned) */
    uint64_t v_end;   /* highest PT_LOAD vaddr + memsz, rounded up to 4 KiB */
    uint64_t entry;
} elf_image_t;

/* Validates a 64-bit little-endian x86-64 executable of `size` bytes: ELF header and
 * program headers inside the file, at least one PT_LOAD, every PT_LOAD with
 * filesz <= memsz, file bytes inside the file, no address overflow, v_start 4 KiB
 * aligned, entry inside [v_start, v_end), and v_end + reserve <= user_top.
 * Returns 0 and fills *img, or returns -1 and sets *why to a short reason. */
int elf_check(const void *data, uint64_t size, uint64_t user_top, uint64_t reserve,
              elf_image_t *img, const char **why);

/* Copies a checked image into dst, which covers [v_start, v_end): zero-fills it, then
 * copies each PT_LOAD segment's file bytes to dst + (vaddr - v_start). */
void elf_load(const void *data, const elf_image_t *img, void *dst);

#endif
