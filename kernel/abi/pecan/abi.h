/*
 * The user/kernel contract: seL4's x86_64 MCS ABI, expressed in Pecan's own names.
 * Every number here comes from ../shared/abi (types.md, syscalls.md, invocations.md,
 * faults.md); both the kernel and the user library include this file, and the tests
 * check the kernel against these values.
 */
#ifndef PECAN_ABI_H
#define PECAN_ABI_H

#include <stdint.h>

typedef uint64_t pn_word_t;
typedef uint64_t pn_cptr_t;

/* ---- build configuration (defaults: the sel4test simulation build) ---- */
#ifndef PN_CONFIG_ROOT_CNODE_BITS
#define PN_CONFIG_ROOT_CNODE_BITS 13
#endif
#ifndef PN_CONFIG_TCB_BITS
#define PN_CONFIG_TCB_BITS 11
#endif
#define PN_CONFIG_MAX_BOOTINFO_UNTYPEDS 230
#define PN_CONFIG_RETYPE_FAN_OUT_LIMIT 256
#define PN_CONFIG_NUM_PRIORITIES 256
#define PN_CONFIG_NUM_DOMAINS 1
#define PN_CONFIG_BOOT_TIME_SLICE_MS 5
#ifndef PN_CONFIG_DANGEROUS_MSR
#define PN_CONFIG_DANGEROUS_MSR 0 /* X86DangerousWRMSR/RDMSR: the sel4bench build */
#endif
#ifndef PN_CONFIG_USER_PMC
#define PN_CONFIG_USER_PMC 0      /* CR4.PCE: user RDPMC, the sel4bench build */
#endif

/* ---- syscall numbers (syscalls.md §1) ---- */
enum pn_syscall {
    PN_SYS_CALL = -1,
    PN_SYS_REPLY_RECV = -2,
    PN_SYS_NB_SEND_RECV = -3,
    PN_SYS_NB_SEND_WAIT = -4,
    PN_SYS_SEND = -5,
    PN_SYS_NB_SEND = -6,
    PN_SYS_RECV = -7,
    PN_SYS_NB_RECV = -8,
    PN_SYS_WAIT = -9,
    PN_SYS_NB_WAIT = -10,
    PN_SYS_YIELD = -11,
    PN_SYS_DEBUG_PUT_CHAR = -12,
    PN_SYS_DEBUG_DUMP_SCHEDULER = -13,
    PN_SYS_DEBUG_HALT = -14,
    PN_SYS_DEBUG_CAP_IDENTIFY = -15,
    PN_SYS_DEBUG_SNAPSHOT = -16,
    PN_SYS_DEBUG_NAME_THREAD = -17,
    PN_SYS_X86_DANGEROUS_WRMSR = -30,
    PN_SYS_X86_DANGEROUS_RDMSR = -31,
    PN_SYS_SET_TLS_BASE = -33,
    /* Pecan's own, debug build only (not in seL4; docs/abi-notes.md): rdi returns how
     * many times a long-running operation has been preempted since boot. */
    PN_SYS_DEBUG_PREEMPTIONS = -64,
    /* Pecan's own, measuring build only (MEASURE=1): writes the kernel's counters into
     * the caller's IPC buffer msg[0..] and returns their number in rdi
     * (docs/benchmarks.md). */
    PN_SYS_DEBUG_COUNTERS = -65,
    /* Pecan's own, checking build only (CHECK=1): breaks kernel invariant rdi on purpose
     * so tests can see the checker report it (docs/invariants.md). */
    PN_SYS_DEBUG_CORRUPT = -66,
};

/* ---- message info word (types.md §1) ---- */
#define PN_MSG_MAX_LENGTH 120
#define PN_MSG_MAX_EXTRA_CAPS 3
#define PN_FAST_MESSAGE_REGISTERS 4

static inline pn_word_t pn_msginfo(pn_word_t label, pn_word_t unwrapped,
                                   pn_word_t extra_caps, pn_word_t length)
{
    return label << 12 | (unwrapped & 7) << 9 | (extra_caps & 3) << 7 | (length & 0x7f);
}
static inline pn_word_t pn_msginfo_label(pn_word_t mi) { return mi >> 12; }
static inline pn_word_t pn_msginfo_unwrapped(pn_word_t mi) { return (mi >> 9) & 7; }
static inline pn_word_t pn_msginfo_extra_caps(pn_word_t mi) { return (mi >> 7) & 3; }
static inline pn_word_t pn_msginfo_length(pn_word_t mi) { return mi & 0x7f; }

/* ---- IPC buffer (types.md §2): 1024 bytes, 1024-aligned ---- */
#define PN_IPC_BUFFER_BITS 10
typedef struct pn_ipc_buffer {
    pn_word_t tag;
    pn_word_t msg[PN_MSG_MAX_LENGTH];
    pn_word_t user_data;
    pn_word_t caps_or_badges[PN_MSG_MAX_EXTRA_CAPS];
    pn_cptr_t receive_cnode;
    pn_cptr_t receive_index;
    pn_word_t receive_depth;
} pn_ipc_buffer_t;

/* ---- rights (types.md §3) ---- */
#define PN_RIGHT_WRITE 0x1
#define PN_RIGHT_READ 0x2
#define PN_RIGHT_GRANT 0x4
#define PN_RIGHT_GRANT_REPLY 0x8
#define PN_RIGHTS_ALL 0xf
#define PN_RIGHTS_RW 0x3

/* ---- errors (invocations.md §1) ---- */
enum pn_error {
    PN_NO_ERROR = 0,
    PN_INVALID_ARGUMENT = 1,
    PN_INVALID_CAPABILITY = 2,
    PN_ILLEGAL_OPERATION = 3,
    PN_RANGE_ERROR = 4,
    PN_ALIGNMENT_ERROR = 5,
    PN_FAILED_LOOKUP = 6,
    PN_TRUNCATED_MESSAGE = 7,
    PN_DELETE_FIRST = 8,
    PN_REVOKE_FIRST = 9,
    PN_NOT_ENOUGH_MEMORY = 10,
};

/* ---- lookup failures (faults.md §4) ---- */
enum pn_lookup_failure {
    PN_LOOKUP_NO_FAILURE = 0,
    PN_LOOKUP_INVALID_ROOT = 1,
    PN_LOOKUP_MISSING_CAP = 2,
    PN_LOOKUP_DEPTH_MISMATCH = 3,
    PN_LOOKUP_GUARD_MISMATCH = 4,
};

/* ---- fault labels (faults.md §1) ---- */
enum pn_fault_type {
    PN_FAULT_NULL = 0,
    PN_FAULT_CAP = 1,
    PN_FAULT_UNKNOWN_SYSCALL = 2,
    PN_FAULT_USER_EXCEPTION = 3,
    PN_FAULT_TIMEOUT = 5,
    PN_FAULT_VM = 6,
};
#define PN_UNKNOWN_SYSCALL_LENGTH 19
#define PN_USER_EXCEPTION_LENGTH 5
#define PN_VM_FAULT_LENGTH 4

/* ---- invocation labels, primary configuration (invocations.md §2) ---- */
enum pn_invocation_label {
    PN_INVALID_INVOCATION = 0,
    PN_UNTYPED_RETYPE,
    PN_TCB_READ_REGISTERS,
    PN_TCB_WRITE_REGISTERS,
    PN_TCB_COPY_REGISTERS,
    PN_TCB_CONFIGURE,
    PN_TCB_SET_PRIORITY,
    PN_TCB_SET_MC_PRIORITY,
    PN_TCB_SET_SCHED_PARAMS,
    PN_TCB_SET_TIMEOUT_ENDPOINT,
    PN_TCB_SET_IPC_BUFFER,
    PN_TCB_SET_SPACE,
    PN_TCB_SUSPEND,
    PN_TCB_RESUME,
    PN_TCB_BIND_NOTIFICATION,
    PN_TCB_UNBIND_NOTIFICATION,
    PN_TCB_SET_TLS_BASE,
    PN_TCB_SET_FLAGS,
    PN_CNODE_REVOKE,
    PN_CNODE_DELETE,
    PN_CNODE_CANCEL_BADGED_SENDS,
    PN_CNODE_COPY,
    PN_CNODE_MINT,
    PN_CNODE_MOVE,
    PN_CNODE_MUTATE,
    PN_CNODE_ROTATE,
    PN_IRQ_ISSUE_IRQ_HANDLER,
    PN_IRQ_ACK_IRQ,
    PN_IRQ_SET_IRQ_HANDLER,
    PN_IRQ_CLEAR_IRQ_HANDLER,
    PN_DOMAIN_SET_SET,
    PN_DOMAIN_SCHEDULE_CONFIGURE,
    PN_DOMAIN_SCHEDULE_SET_START,
    PN_SCHED_CONTROL_CONFIGURE_FLAGS,
    PN_SCHED_CONTEXT_BIND,
    PN_SCHED_CONTEXT_UNBIND,
    PN_SCHED_CONTEXT_UNBIND_OBJECT,
    PN_SCHED_CONTEXT_CONSUMED,
    PN_SCHED_CONTEXT_YIELD_TO,
    PN_X86_PDPT_MAP,
    PN_X86_PDPT_UNMAP,
    PN_X86_PAGE_DIRECTORY_MAP,
    PN_X86_PAGE_DIRECTORY_UNMAP,
    PN_X86_PAGE_TABLE_MAP,
    PN_X86_PAGE_TABLE_UNMAP,
    PN_X86_PAGE_MAP,
    PN_X86_PAGE_UNMAP,
    PN_X86_PAGE_GET_ADDRESS,
    PN_X86_ASID_CONTROL_MAKE_POOL,
    PN_X86_ASID_POOL_ASSIGN,
    PN_X86_IOPORT_CONTROL_ISSUE,
    PN_X86_IOPORT_IN8,
    PN_X86_IOPORT_IN16,
    PN_X86_IOPORT_IN32,
    PN_X86_IOPORT_OUT8,
    PN_X86_IOPORT_OUT16,
    PN_X86_IOPORT_OUT32,
    PN_X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
    PN_X86_IRQ_ISSUE_IRQ_HANDLER_MSI,
    PN_INVOCATION_LABEL_COUNT
};

/* ---- object types and sizes (types.md §9) ---- */
enum pn_object_type {
    PN_OBJ_UNTYPED = 0,
    PN_OBJ_TCB = 1,
    PN_OBJ_ENDPOINT = 2,
    PN_OBJ_NOTIFICATION = 3,
    PN_OBJ_CNODE = 4,
    PN_OBJ_SCHED_CONTEXT = 5,
    PN_OBJ_REPLY = 6,
    PN_OBJ_X86_PDPT = 7,
    PN_OBJ_X64_PML4 = 8,
    PN_OBJ_X64_HUGE_PAGE = 9,
    PN_OBJ_X86_4K = 10,
    PN_OBJ_X86_LARGE_PAGE = 11,
    PN_OBJ_X86_PAGE_TABLE = 12,
    PN_OBJ_X86_PAGE_DIRECTORY = 13,
    PN_OBJ_TYPE_COUNT = 14,
};
#define PN_SLOT_BITS 5
#define PN_TCB_BITS PN_CONFIG_TCB_BITS
#define PN_ENDPOINT_BITS 4
#define PN_NOTIFICATION_BITS 6
#define PN_REPLY_BITS 5
#define PN_MIN_SCHED_CONTEXT_BITS 7
#define PN_CORE_SCHED_CONTEXT_BYTES 128
#define PN_REFILL_SIZE_BYTES 16
#define PN_PAGE_BITS 12
#define PN_LARGE_PAGE_BITS 21
#define PN_HUGE_PAGE_BITS 30
#define PN_PAGE_TABLE_BITS 12
#define PN_PAGE_SIZE (1ul << PN_PAGE_BITS)
#define PN_ASID_POOL_BITS 12
#define PN_NUM_ASID_POOLS_BITS 3
#define PN_ASID_POOL_INDEX_BITS 9
#define PN_MIN_UNTYPED_BITS 4
#define PN_MAX_UNTYPED_BITS 47
#define PN_USER_TOP 0x00007ffffffff000ul

/* ---- VM attributes (types.md §9) ---- */
#define PN_X86_WRITE_BACK 0
#define PN_X86_WRITE_THROUGH 1
#define PN_X86_CACHE_DISABLED 2
#define PN_X86_UNCACHEABLE 3
#define PN_X86_WRITE_COMBINING 4

/* ---- seL4_UserContext order (types.md §7) ---- */
enum pn_user_context_index {
    PN_UC_RIP, PN_UC_RSP, PN_UC_RFLAGS, PN_UC_RAX, PN_UC_RBX, PN_UC_RCX, PN_UC_RDX,
    PN_UC_RSI, PN_UC_RDI, PN_UC_RBP, PN_UC_R8, PN_UC_R9, PN_UC_R10, PN_UC_R11,
    PN_UC_R12, PN_UC_R13, PN_UC_R14, PN_UC_R15, PN_UC_FS_BASE, PN_UC_GS_BASE,
    PN_UC_COUNT
};

/* ---- capability type tags reported by DebugCapIdentify (syscalls.md §4) ---- */
enum pn_cap_type {
    PN_CAP_NULL = 0,
    PN_CAP_FRAME = 1,
    PN_CAP_UNTYPED = 2,
    PN_CAP_PAGE_TABLE = 3,
    PN_CAP_ENDPOINT = 4,
    PN_CAP_PAGE_DIRECTORY = 5,
    PN_CAP_NOTIFICATION = 6,
    PN_CAP_PDPT = 7,
    PN_CAP_REPLY = 8,
    PN_CAP_PML4 = 9,
    PN_CAP_CNODE = 10,
    PN_CAP_ASID_CONTROL = 11,
    PN_CAP_THREAD = 12,
    PN_CAP_ASID_POOL = 13,
    PN_CAP_IRQ_CONTROL = 14,
    PN_CAP_IO_SPACE = 15,
    PN_CAP_IRQ_HANDLER = 16,
    PN_CAP_IO_PAGE_TABLE = 17,
    PN_CAP_ZOMBIE = 18,
    PN_CAP_IO_PORT = 19,
    PN_CAP_DOMAIN = 20,
    PN_CAP_SCHED_CONTEXT = 22,
    PN_CAP_SCHED_CONTROL = 24,
    PN_CAP_IO_PORT_CONTROL = 31,
};

/* ---- initial CSpace (types.md §8.2) ---- */
enum pn_initial_slot {
    PN_CAP_SLOT_NULL = 0,
    PN_CAP_SLOT_INIT_TCB = 1,
    PN_CAP_SLOT_INIT_CNODE = 2,
    PN_CAP_SLOT_INIT_VSPACE = 3,
    PN_CAP_SLOT_IRQ_CONTROL = 4,
    PN_CAP_SLOT_ASID_CONTROL = 5,
    PN_CAP_SLOT_INIT_ASID_POOL = 6,
    PN_CAP_SLOT_IO_PORT_CONTROL = 7,
    PN_CAP_SLOT_IO_SPACE = 8,
    PN_CAP_SLOT_BOOTINFO_FRAME = 9,
    PN_CAP_SLOT_INIT_IPC_BUFFER = 10,
    PN_CAP_SLOT_DOMAIN = 11,
    PN_CAP_SLOT_SMMU_SID_CONTROL = 12,
    PN_CAP_SLOT_SMMU_CB_CONTROL = 13,
    PN_CAP_SLOT_INIT_SC = 14,
    PN_CAP_SLOT_SMC = 15,
    PN_NUM_INITIAL_CAPS = 16
};

/* ---- boot information (types.md §8.1): 3864 bytes ---- */
typedef struct pn_slot_region {
    pn_word_t start; /* first slot */
    pn_word_t end;   /* one past the last slot */
} pn_slot_region_t;

typedef struct pn_untyped_desc {
    pn_word_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t padding[6];
} pn_untyped_desc_t;

typedef struct pn_bootinfo {
    pn_word_t extra_len;
    pn_word_t node_id;
    pn_word_t num_nodes;
    pn_word_t num_iopt_levels;
    pn_word_t ipc_buffer; /* user address of the root task's IPC buffer */
    pn_slot_region_t empty;
    pn_slot_region_t shared_frames;
    pn_slot_region_t user_image_frames;
    pn_slot_region_t user_image_paging;
    pn_slot_region_t io_space_caps;
    pn_slot_region_t extra_bi_pages;
    pn_word_t init_thread_cnode_size_bits;
    pn_word_t init_thread_domain;
    pn_slot_region_t sched_control;
    pn_slot_region_t untyped;
    pn_untyped_desc_t untyped_list[PN_CONFIG_MAX_BOOTINFO_UNTYPEDS];
} pn_bootinfo_t;

_Static_assert(sizeof(pn_bootinfo_t) == 3864, "bootinfo layout (types.md 8.1)");
_Static_assert(sizeof(pn_ipc_buffer_t) == 1024, "IPC buffer layout (types.md 2)");
_Static_assert(__builtin_offsetof(pn_bootinfo_t, untyped_list) == 184, "bootinfo layout");

/* ---- extra bootinfo chunks (types.md §8.3) ---- */
enum pn_bootinfo_chunk_id {
    PN_BI_CHUNK_PADDING = 0,
    PN_BI_CHUNK_X86_VBE = 1,
    PN_BI_CHUNK_X86_MBMMAP = 2,
    PN_BI_CHUNK_X86_ACPI_RSDP = 3,
    PN_BI_CHUNK_X86_FRAMEBUFFER = 4,
    PN_BI_CHUNK_X86_TSC_FREQ = 5,
};

typedef struct pn_bootinfo_header {
    pn_word_t id;
    pn_word_t len; /* bytes, header included */
} pn_bootinfo_header_t;

#define PN_BI_MMAP_ENTRIES 50
typedef struct __attribute__((packed)) pn_bi_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t length;
    uint32_t type;
} pn_bi_mmap_entry_t;

typedef struct __attribute__((packed)) pn_bi_mmap {
    pn_bootinfo_header_t header;
    uint32_t mmap_length; /* bytes of valid entries */
    pn_bi_mmap_entry_t entries[PN_BI_MMAP_ENTRIES];
} pn_bi_mmap_t;

typedef struct __attribute__((packed)) pn_bi_rsdp {
    pn_bootinfo_header_t header;
    uint8_t rsdp[36];
} pn_bi_rsdp_t;

typedef struct __attribute__((packed)) pn_bi_tsc_freq {
    pn_bootinfo_header_t header;
    uint32_t mhz;
} pn_bi_tsc_freq_t;

_Static_assert(sizeof(pn_bi_mmap_t) == 1220, "mmap chunk (types.md 8.3)");
_Static_assert(sizeof(pn_bi_rsdp_t) == 52, "RSDP chunk (types.md 8.3)");
_Static_assert(sizeof(pn_bi_tsc_freq_t) == 20, "TSC chunk (types.md 8.3)");

#endif
