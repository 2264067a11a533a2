/* Kernel objects: capability slots, threads, scheduling contexts. */
#ifndef PECAN_OBJECT_H
#define PECAN_OBJECT_H

#include "arch/machine.h"
#include "cap.h"
#include "types.h"

/* A capability slot (32 bytes, seL4_SlotBits = 5).  The slots form the capability
 * derivation tree as one doubly linked list in depth-first order; each link word is a
 * slot pointer whose low bits of mdb_next carry flags. */
typedef struct cte {
    cap_t cap;
    word_t mdb_prev;
    word_t mdb_next;
} cte_t;
_Static_assert(sizeof(cte_t) == BIT(PN_SLOT_BITS), "slot size (types.md 9)");

#define MDB_REVOCABLE BIT(0)
#define MDB_FIRST_BADGED BIT(1)
#define MDB_FLAGS (MDB_REVOCABLE | MDB_FIRST_BADGED)
static inline cte_t *mdb_next(const cte_t *s) { return (cte_t *)(s->mdb_next & ~MDB_FLAGS); }
static inline cte_t *mdb_prev(const cte_t *s) { return (cte_t *)s->mdb_prev; }

enum thread_state {
    TS_INACTIVE = 0,
    TS_RUNNING,
    TS_RESTART,
    TS_BLOCKED_ON_RECEIVE,
    TS_BLOCKED_ON_SEND,
    TS_BLOCKED_ON_REPLY,
    TS_BLOCKED_ON_NOTIFICATION,
    TS_IDLE,
};

/* The capability slots every TCB holds. */
enum tcb_slot {
    TCB_SLOT_CTABLE,
    TCB_SLOT_VTABLE,
    TCB_SLOT_BUFFER,
    TCB_SLOT_FAULT_HANDLER,
    TCB_SLOT_TIMEOUT_HANDLER,
    TCB_SLOT_COUNT
};

struct sched_context;
struct endpoint;
struct notification;
struct reply;

typedef enum exception { EX_NONE = 0, EX_PREEMPTED } exception_t;

/* A pending fault, recorded for delivery to the fault handler (faults.md). */
typedef struct fault {
    word_t type;           /* enum pn_fault_type; PN_FAULT_NULL: none */
    word_t addr;           /* CapFault: cptr; VMFault: CR2 */
    word_t code;           /* CapFault: in receive phase; UnknownSyscall: number;
                              UserException: vector; VMFault: error code */
    word_t extra;          /* UserException: CPU error code; VMFault: instruction fetch */
    word_t lookup[4];      /* CapFault: the lookup failure words (faults.md §4) */
    word_t lookup_length;
} fault_t;

#define TCB_FLAG_FPU_DISABLED BIT(0)
#define TCB_FLAGS_VALID TCB_FLAG_FPU_DISABLED

typedef struct tcb {
    struct user_context ctx; /* first: entry code saves registers here */
    /* What the IPC fastpath reads and writes (fastpath.c), together after the registers:
     * with the fault type and the two root caps below, the TCB's first eight cache lines. */
    enum thread_state state;
    uint8_t priority, mcp, domain;
    uint8_t switch_flags;    /* the arch's switch needs of it (machine_thread_state_changed) */
    word_t switch_key;       /* the arch's summary of its TLS/FPU state */
    struct sched_context *sc;
    struct notification *bound_notification;
    /* IPC in progress: what it waits in, and what a queued sender sends with. */
    void *blocked_on;        /* endpoint or notification */
    struct reply *reply;     /* BlockedOnReceive: its reply object; BlockedOnReply: the one holding it */
    struct tcb *ep_next, *ep_prev; /* endpoint / notification queue */
    fault_t fault;           /* (the fastpath reads fault.type of a caller it replies to) */
    /* The fastpath's decodings of the CTable and VTable caps, valid while those caps
     * still have these exact words (and, for the VSpace, no ASID was released since). */
    struct fastpath_cache {
        word_t cspace_w0, cspace_w1, cspace_guard, cspace_mask; /* guard << radix, MASK(radix) */
        struct cte *cspace_slots;
        word_t vspace_w0, vspace_w1, vspace_generation;
        paddr_t vspace_root;
    } fp;
    cte_t slots[TCB_SLOT_COUNT]; /* (the fastpath reads the first two, CTable and VTable) */
    word_t flags;            /* TCB_FLAG_* (TCB_SetFlags) */
    word_t ipc_buffer;       /* user address of the IPC buffer */
    word_t ipc_badge;
    bool ipc_can_grant, ipc_can_grant_reply, ipc_is_call;
    struct sched_context *yield_to; /* SchedContext_YieldTo in progress */
    bool fpu_used;           /* has executed an FPU instruction: its FPU state is live */
    bool in_ready_queue;
    bool in_release_queue;   /* waiting for its SC's next refill (linked by sched_next/prev) */
    struct tcb *sched_next, *sched_prev; /* ready queue */
    struct tcb *debug_next, *debug_prev; /* every thread, for DebugDumpScheduler */
    char name[64];
    struct fpu_state fpu;
} tcb_t;
_Static_assert(__builtin_offsetof(tcb_t, slots) + 2 * sizeof(cte_t) <= 8 * 64,
               "the fastpath's TCB fields and root caps lie in the first eight cache lines");
_Static_assert(sizeof(tcb_t) <= BIT(PN_TCB_BITS), "TCB must fit its object size");

/* Endpoint (16 bytes): a queue of threads all sending or all receiving; the queue's
 * kind lives in the low bits of the head pointer (TCBs are at least 2 KiB aligned). */
enum endpoint_state { EP_IDLE = 0, EP_SEND = 1, EP_RECV = 2 };
typedef struct endpoint {
    word_t head_state;
    tcb_t *tail;
} endpoint_t;
_Static_assert(sizeof(endpoint_t) <= BIT(PN_ENDPOINT_BITS), "endpoint object size");
static inline tcb_t *endpoint_head(const endpoint_t *e) { return (tcb_t *)(e->head_state & ~(word_t)3); }
static inline enum endpoint_state endpoint_state(const endpoint_t *e) { return (enum endpoint_state)(e->head_state & 3); }

/* Notification (64 bytes). */
enum notification_state { NTFN_IDLE = 0, NTFN_WAITING = 1, NTFN_ACTIVE = 2 };
typedef struct notification {
    word_t state;
    word_t word; /* pending badge bits */
    tcb_t *head, *tail;
    tcb_t *bound_tcb;
    struct sched_context *sc;
} notification_t;
_Static_assert(sizeof(notification_t) <= BIT(PN_NOTIFICATION_BITS), "notification object size");

/* Reply object (32 bytes): the link between a caller and the thread that received its
 * call.  Replies whose calls donated a scheduling context form a call stack: `prev` is
 * the older reply, `next` the newer one or, for the newest (the head), the SC itself. */
typedef struct reply {
    tcb_t *tcb;
    struct reply *prev;
    void *next;        /* reply_t * or, if next_is_sc, sched_context_t * */
    word_t next_is_sc;
} reply_t;
_Static_assert(sizeof(reply_t) <= BIT(PN_REPLY_BITS), "reply object size");

/* Scheduling context: a 96-byte core followed by the refill ring (types.md §9). */
typedef struct refill {
    word_t release; /* time the amount becomes available, in TSC ticks */
    word_t amount;
} refill_t;

typedef struct sched_context {
    word_t period;
    word_t consumed;
    word_t badge;
    tcb_t *tcb;
    struct notification *notification;
    reply_t *reply;          /* head of the call stack it was donated along */
    tcb_t *yield_from;
    word_t refill_max;
    word_t refill_head;
    word_t refill_count;
    word_t sporadic;
    word_t budget;           /* what the refills always add up to */
    refill_t refills[];
} sched_context_t;
_Static_assert(sizeof(sched_context_t) == 96, "scheduling context core (types.md 9)");

#endif
