/*
 * libpecan: Pecan's own user-level library for the seL4-compatible ABI.
 * Everything a root task needs: syscall stubs, the start-up environment (bootinfo and
 * IPC buffer), invocation marshalling, console output and bootinfo helpers.
 */
#ifndef PECAN_PECAN_H
#define PECAN_PECAN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pecan/abi.h>
#include <pecan/syscall.h>

/* ---- start-up environment (set by the runtime before main) ---- */

extern pn_bootinfo_t *pn_bootinfo;   /* the rdi value the kernel started us with */
extern pn_ipc_buffer_t *pn_ipc;      /* = pn_bootinfo->ipc_buffer */

/* Registers as the kernel handed them to _start (types.md §8.4), saved before any
 * instruction changed them.  Indices are enum pn_user_context_index; PN_UC_FS_BASE and
 * PN_UC_GS_BASE are not recorded (left 0). */
extern pn_word_t pn_start_regs[PN_UC_COUNT];

/* The root task's image bounds from the linker script: [start, end), end page aligned. */
extern char __pn_image_start[], __pn_image_end[];

/* Provided by the program; if it returns, the runtime halts the machine (DebugHalt). */
int main(void);

/* ---- debug calls needing the IPC buffer ---- */

/* Copies `name` (NUL-terminated, truncated to fit) into the IPC buffer from byte offset
 * 8 and names the thread `tcb` (syscalls.md §4). */
void pn_debug_name_thread(pn_cptr_t tcb, const char *name);

/* ---- invocations ---- */

/* Invokes `cap` with Call: label, `nwords` argument words (MR0..3 in registers, the rest
 * in the IPC buffer) and `ncaps` extra caps (ipc->caps_or_badges).  Up to `max_results`
 * reply words are stored in `results` (may be NULL).  Returns the reply's message info:
 * pn_msginfo_label() is the error code (0 = success), pn_msginfo_length() the number of
 * reply words. */
pn_word_t pn_invoke(pn_cptr_t cap, pn_word_t label, const pn_word_t *words, unsigned nwords,
                    const pn_cptr_t *caps, unsigned ncaps, pn_word_t *results,
                    unsigned max_results);

/* The name of an error code (enum pn_error): "InvalidCapability" etc., "?" if none. */
const char *pn_error_name(pn_word_t err);

/* IPC-buffer message words msg[i]; the kernel reads/writes only i >= 4 (MR0..3 travel
 * in registers). */
static inline void pn_set_mr(unsigned i, pn_word_t v) { pn_ipc->msg[i] = v; }
static inline pn_word_t pn_get_mr(unsigned i) { return pn_ipc->msg[i]; }

/* A few typed wrappers; each returns the error code (0 = success). */
pn_word_t pn_tcb_set_priority(pn_cptr_t tcb, pn_cptr_t authority, pn_word_t prio);
pn_word_t pn_cnode_copy(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                        pn_word_t rights);
pn_word_t pn_cnode_delete(pn_cptr_t root, pn_word_t index, pn_word_t depth);
pn_word_t pn_untyped_retype(pn_cptr_t untyped, pn_word_t type, pn_word_t size_bits,
                            pn_cptr_t root, pn_word_t node_index, pn_word_t node_depth,
                            pn_word_t node_offset, pn_word_t num_objects);

/* CNode methods (invocations.md §3.2).  Each slot is an (index, depth) pair resolved in
 * the named root CNode cap (types.md §5); the destination always in the invoked `root`. */
pn_word_t pn_cnode_revoke(pn_cptr_t root, pn_word_t index, pn_word_t depth);
pn_word_t pn_cnode_cancel_badged_sends(pn_cptr_t root, pn_word_t index, pn_word_t depth);
pn_word_t pn_cnode_mint(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                        pn_word_t rights, pn_word_t data);
pn_word_t pn_cnode_move(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                        pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth);
pn_word_t pn_cnode_mutate(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                          pn_cptr_t src_root, pn_word_t src_index, pn_word_t src_depth,
                          pn_word_t data);
/* pivot -> dest (with dest_badge), then src -> pivot (with pivot_badge); src == dest
 * swaps the two caps. */
pn_word_t pn_cnode_rotate(pn_cptr_t root, pn_word_t dest_index, pn_word_t dest_depth,
                          pn_word_t dest_badge, pn_cptr_t pivot_root, pn_word_t pivot_index,
                          pn_word_t pivot_depth, pn_word_t pivot_badge, pn_cptr_t src_root,
                          pn_word_t src_index, pn_word_t src_depth);

/* CNode cap data word (types.md §4): guard size in bits 5..0, guard from bit 6. */
static inline pn_word_t pn_cnode_guard_data(pn_word_t guard, pn_word_t guard_size)
{
    return guard << 6 | (guard_size & 0x3f);
}

/* x86 IO ports (invocations.md §3.8): an IOPort cap for ports [first, last] is issued
 * from the IOPortControl cap into slot (index, depth) of `root`. */
pn_word_t pn_ioport_control_issue(pn_cptr_t control, pn_word_t first_port,
                                  pn_word_t last_port, pn_cptr_t root, pn_word_t index,
                                  pn_word_t depth);
/* The In wrappers store the value read in *value (left alone on an error). */
pn_word_t pn_ioport_in8(pn_cptr_t ioport, pn_word_t port, pn_word_t *value);
pn_word_t pn_ioport_in16(pn_cptr_t ioport, pn_word_t port, pn_word_t *value);
pn_word_t pn_ioport_in32(pn_cptr_t ioport, pn_word_t port, pn_word_t *value);
pn_word_t pn_ioport_out8(pn_cptr_t ioport, pn_word_t port, pn_word_t data);
pn_word_t pn_ioport_out16(pn_cptr_t ioport, pn_word_t port, pn_word_t data);
pn_word_t pn_ioport_out32(pn_cptr_t ioport, pn_word_t port, pn_word_t data);

/* ---- console output through DebugPutChar ---- */

/* printf subset: %d %i %u %x %X %p %s %c %%, length modifiers l ll z, flags '-' and '0',
 * a field width (number or '*'). */
int pn_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pn_vprintf(const char *fmt, va_list ap);
int pn_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pn_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void pn_puts(const char *s); /* no newline added */

/* ---- bootinfo helpers ---- */

/* Start of the extra-bootinfo region: the page after the bootinfo frame. */
static inline const char *pn_bootinfo_extra(const pn_bootinfo_t *bi)
{
    return (const char *)bi + PN_PAGE_SIZE;
}

/* First extra-bootinfo chunk with the given id (enum pn_bootinfo_chunk_id), or NULL.
 * The walk stops at a malformed header (len < header size or past extra_len). */
const pn_bootinfo_header_t *pn_bootinfo_chunk(const pn_bootinfo_t *bi, pn_word_t id);

static inline pn_word_t pn_region_count(pn_slot_region_t r) { return r.end - r.start; }

/* ---- small freestanding helpers ---- */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Non-local jumps (callee-saved registers, rsp, return address). */
typedef pn_word_t pn_jmp_buf[8];
int pn_setjmp(pn_jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void pn_longjmp(pn_jmp_buf env, int val);

#define PN_ROUND_UP(x, a) (((x) + (a) - 1) / (a) * (a))
#define PN_ROUND_DOWN(x, a) ((x) / (a) * (a))
#define PN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
