/*
 * fuzz-report RAMFILE CONSOLE-LOG: after a failed fuzz run (tools/fuzz), prints from the
 * guest's RAM (a file: QEMU's memory backend) what the fuzz threads and the root task were
 * doing: the last calls of every thread, oldest first, and the call in flight with the
 * highest sequence number in full.  The addresses of the structures come from the console
 * log's "FUZZ log:" lines.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../user/fuzz/fuzzlog.h"

static const char *const kinds[FZ_K_COUNT] = {
    "Call", "ReplyRecv", "NBSendRecv", "NBSendWait", "Send", "NBSend", "Recv", "NBRecv",
    "Wait", "NBWait", "Yield", "debug", "garbage", "instruction",
};
static const char *const states[] = {"-", "issued", "returned", "never returned"};

static FILE *ram;

static int readat(uint64_t paddr, void *buf, size_t n)
{
    return fseeko(ram, (off_t)paddr, SEEK_SET) == 0 && fread(buf, 1, n, ram) == n;
}

static const char *kind_name(uint64_t k) { return k < FZ_K_COUNT ? kinds[k] : "?"; }
static const char *state_name(uint64_t s) { return s < 4 ? states[s] : "?"; }

static void print_call(const struct fz_call *k)
{
    printf("    seq %" PRIu64 " %s (%s): rdx=%" PRId64 " rdi=0x%" PRIx64 " (cap type %" PRIu64
           ") rsi=0x%" PRIx64 " [label %" PRIu64 " caps %" PRIu64 " length %" PRIu64 "]\n",
           k->seq, kind_name(k->kind), state_name(k->state), k->sysno, k->cptr, k->cap_type,
           k->info, k->info >> 12, (k->info >> 7) & 3, k->info & 0x7f);
    printf("      MR0..3 = 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
           "  r12=0x%" PRIx64 " r13=0x%" PRIx64 "\n",
           k->mr[0], k->mr[1], k->mr[2], k->mr[3], k->r12, k->r13);
    printf("      extra caps 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
           "  receive slot (0x%" PRIx64 ", 0x%" PRIx64 ", %" PRIu64 ")\n",
           k->caps[0], k->caps[1], k->caps[2], k->recv[0], k->recv[1], k->recv[2]);
    if (k->nwords > 4) {
        printf("      IPC buffer msg[4..%" PRIu64 "]:", k->nwords - 1);
        for (uint64_t i = 4; i < k->nwords && i < FZ_IPC_WORDS; i++)
            printf(" 0x%" PRIx64, k->ipc[i]);
        printf("\n");
    }
    if (k->state == 2)
        printf("      returned: badge 0x%" PRIx64 " info 0x%" PRIx64 " (label %" PRIu64
               ") MR0 0x%" PRIx64 "\n",
               k->out_badge, k->out_info, k->out_info >> 12, k->out_mr0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz-report RAMFILE CONSOLE-LOG\n");
        return 2;
    }
    ram = fopen(argv[1], "rb");
    FILE *log = fopen(argv[2], "rb");
    if (!ram || !log) {
        perror("fuzz-report");
        return 2;
    }
    uint64_t global = 0, ctx[FZ_MAX_THREADS] = {0};
    char line[512];
    while (fgets(line, sizeof line, log)) {
        unsigned i;
        uint64_t a;
        if (sscanf(line, "FUZZ log: global 0x%" SCNx64, &a) == 1)
            global = a;
        else if (sscanf(line, "FUZZ log: thread %u ctx 0x%" SCNx64, &i, &a) == 2 &&
                 i < FZ_MAX_THREADS)
            ctx[i] = a;
    }
    struct fz_global g;
    if (!global || !readat(global, &g, sizeof g) || g.magic != FZ_GLOBAL_MAGIC) {
        printf("fuzz-report: no fuzzer state in RAM (did the root task start?)\n");
        return 1;
    }
    g.root_doing[sizeof g.root_doing - 1] = 0;
    printf("fuzz state: seed %" PRIu64 ", %" PRIu64 " calls begun of %" PRIu64
           ", epoch %" PRIu64 "; the root task was %s\n",
           g.seed, g.seq, g.count, g.epoch, g.root_doing[0] ? g.root_doing : "(nothing yet)");
    static struct fz_ctx c[FZ_MAX_THREADS];
    int best = -1;
    for (unsigned i = 0; i < FZ_MAX_THREADS; i++) {
        if (!ctx[i] || !readat(ctx[i], &c[i], sizeof c[i]) || c[i].magic != FZ_MAGIC) {
            ctx[i] = 0;
            continue;
        }
        printf("thread %u: %" PRIu64 " calls begun, %" PRIu64 " returned, %" PRIu64
               " restarts, %s\n",
               i, c[i].started, c[i].returned, c[i].restarts,
               c[i].in_call ? "a call in flight" : "no call in flight");
        printf("  last calls (oldest first):\n");
        for (uint64_t n = FZ_RING - 12; n < FZ_RING; n++) {
            const struct fz_brief *b = &c[i].ring[(c[i].ring_next + 1 + n) % FZ_RING];
            if (!b->state)
                continue;
            printf("    seq %7" PRIu64 " %-11s %-14s rdx=%-4" PRId64 " rdi=0x%-5" PRIx64
                   " type %2" PRIu64 " label %-5" PRIu64 " len %3" PRIu64 " -> label %" PRIu64
                   "\n",
                   b->seq, kind_name(b->kind), state_name(b->state), b->sysno, b->cptr,
                   b->cap_type, b->info >> 12, b->info & 0x7f,
                   b->state == 2 ? b->out_info >> 12 : 0);
        }
        if (c[i].in_call && (best < 0 || c[i].cur.seq > c[best].cur.seq))
            best = (int)i;
    }
    if (best >= 0) {
        printf("last call made (the newest call in flight): thread %d\n", best);
        print_call(&c[best].cur);
    }
    for (unsigned i = 0; i < FZ_MAX_THREADS; i++)
        if (ctx[i] && c[i].in_call && (int)i != best) {
            printf("also in flight: thread %u\n", i);
            print_call(&c[i].cur);
        }
    return 0;
}
