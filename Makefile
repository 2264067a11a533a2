# Pecan — top-level build.  `make` builds the kernel, the user library and the root tasks;
# `make run` boots the demo; `make test` runs every test.  Build options (defaults = the
# configuration seL4's test suite uses, ../shared/abi/README.md):
#   ROOT_CNODE_BITS=13  TCB_BITS=11  DEBUG=1  FASTPATH=1
ROOT_CNODE_BITS ?= 13
TCB_BITS ?= 11
DEBUG ?= 1
FASTPATH ?= 1
DANGEROUS_MSR ?= 0
USER_PMC ?= 0
MEASURE ?= 0
CHECK ?= 0

BUILD := build
CC := gcc
OBJCOPY := objcopy
WARN := -Wall -Wextra -Werror
CONFIG_DEFS := -DPN_CONFIG_ROOT_CNODE_BITS=$(ROOT_CNODE_BITS) -DPN_CONFIG_TCB_BITS=$(TCB_BITS) \
               -DPN_CONFIG_DEBUG=$(DEBUG) -DPN_CONFIG_FASTPATH=$(FASTPATH) \
               -DPN_CONFIG_DANGEROUS_MSR=$(DANGEROUS_MSR) -DPN_CONFIG_USER_PMC=$(USER_PMC) \
               -DPN_CONFIG_MEASURE=$(MEASURE) -DPN_CONFIG_CHECK=$(CHECK)
FREESTANDING := -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-builtin \
                -fno-asynchronous-unwind-tables -nostdlib -O2 -g $(WARN) $(CONFIG_DEFS)

# ---- kernel ----
KERNEL_CFLAGS := $(FREESTANDING) -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
                 -Ikernel/include -Ikernel/abi
KERNEL_SRCS := $(wildcard kernel/src/kernel/*.c kernel/src/object/*.c kernel/src/arch/x86_64/*.c)
KERNEL_ASMS := $(wildcard kernel/src/arch/x86_64/*.S)
KERNEL_OBJS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRCS) $(KERNEL_ASMS))

# ---- user library and root tasks ----
USER_CFLAGS := $(FREESTANDING) -mno-red-zone -Iuser/lib/include -Ikernel/abi
USER_LIB_SRCS := $(wildcard user/lib/src/*.c user/lib/src/*.S)
USER_LIB_OBJS := $(patsubst %,$(BUILD)/%.o,$(USER_LIB_SRCS))
ROOT_TASKS := tests demo faults bench fuzz release
ROOT_TASK_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(ROOT_TASKS))
INVARIANTS := 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17
NESTED_INVARIANTS := 7 10
OTHER_INVARIANTS := 16
CHECK_ELFS := $(BUILD)/pecan-check.elf $(BUILD)/pecan-nofastpath.elf $(patsubst %,$(BUILD)/user/corrupt-%.elf,$(INVARIANTS)) \
              $(patsubst %,$(BUILD)/user/corrupt-nested-%.elf,$(NESTED_INVARIANTS)) \
              $(patsubst %,$(BUILD)/user/corrupt-other-%.elf,$(OTHER_INVARIANTS))

# ---- host-compiled unit tests of arch-independent code ----
# host/shim comes first: its arch/x86.h (simulated physical memory) replaces the kernel's.
HOST_CFLAGS := -std=c11 -O1 -g $(WARN) $(CONFIG_DEFS) -DPN_HOST -Ihost/shim -Ikernel/include -Ikernel/abi \
               -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_KERNEL_SRCS := kernel/src/kernel/memregion.c kernel/src/kernel/elf.c \
                    kernel/src/kernel/cdt.c kernel/src/kernel/objecttype.c kernel/src/kernel/cspace.c \
                    kernel/src/kernel/invocation.c kernel/src/kernel/preemption.c \
                    kernel/src/object/cnode.c kernel/src/object/untyped.c \
                    kernel/src/arch/x86_64/objects.c
HOST_TEST_SRCS := $(wildcard host/*.c host/shim/*.c)
# `make fuzz-host`: the randomized host tests for longer (FUZZ_RUNS runs of FUZZ_STEPS steps
# of the CDT model test; HOST_SEED=... picks another seed).
FUZZ_RUNS ?= 300
FUZZ_STEPS ?= 4000
# The libFuzzer harness of the invocation decoder and object operations (host/fuzz/,
# docs/testing.md), built with clang: the kernel code and the shim instrumented for
# coverage (the harness is not: libFuzzer follows the kernel's coverage only), everything
# with ASan/UBSan.  `make fuzz-host` runs it for FUZZ_TIME seconds
# (0: not at all) on build/host/fuzz-corpus, which starts as a copy of host/fuzz/corpus.
FUZZ_TIME ?= 3600
FUZZ_CC := clang
HOST_FUZZ_SRCS := host/shim/kernel_shim.c $(filter-out %/memregion.c %/elf.c,$(HOST_KERNEL_SRCS))
HOST_FUZZ_OPTS := -max_len=1024 -timeout=20 -print_final_stats=1

.PHONY: all run test lint host-test fuzz-host qemu-test clean deps bench fuzz FORCE
all: $(BUILD)/pecan.elf $(ROOT_TASK_ELFS) $(BUILD)/host/unit-tests $(BUILD)/pecan-bench.elf $(CHECK_ELFS) \
     $(BUILD)/pecan-bench-measure.elf $(BUILD)/user/bench-quick.elf

# The kernel as upstream sel4bench needs it (../shared/abi/README.md, "The two upstream
# configurations"): release build, 2^15-slot root CNode, 4 KiB TCBs, user RDPMC, the
# dangerous-MSR syscalls.
BENCH_KERNEL_OPTS := ROOT_CNODE_BITS=15 TCB_BITS=12 DEBUG=0 DANGEROUS_MSR=1 USER_PMC=1
$(BUILD)/pecan-bench.elf: FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/cfg-bench $(BENCH_KERNEL_OPTS) $(BUILD)/cfg-bench/pecan.elf
	@cp $(BUILD)/cfg-bench/pecan.elf $@

# The same kernel with the measuring counters (MEASURE=1, DebugCounters): the counting
# pass of `make bench` (docs/benchmarks.md).
$(BUILD)/pecan-bench-measure.elf: FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/cfg-bench-measure $(BENCH_KERNEL_OPTS) MEASURE=1 \
	    $(BUILD)/cfg-bench-measure/pecan.elf
	@cp $(BUILD)/cfg-bench-measure/pecan.elf $@

$(BUILD)/kernel64.elf: $(KERNEL_OBJS) kernel/src/arch/x86_64/kernel.ld
	$(CC) $(KERNEL_CFLAGS) -static -Wl,--no-dynamic-linker -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,--build-id=none -T kernel/src/arch/x86_64/kernel.ld -o $@ $(KERNEL_OBJS)

# QEMU's multiboot loader takes only 32-bit ELF images.
$(BUILD)/pecan.elf: $(BUILD)/kernel64.elf
	$(OBJCOPY) -O elf32-i386 $< $@

# The fastpath never returns, so saving callee-saved registers on its way in is wasted
# work: keep the compiler from using them there at all.
FASTPATH_CFLAGS := -ffixed-rbx -ffixed-rbp -ffixed-r12 -ffixed-r13 -ffixed-r14 -ffixed-r15
$(BUILD)/kernel/src/kernel/fastpath.c.o: KERNEL_CFLAGS += $(FASTPATH_CFLAGS)

$(BUILD)/kernel/%.c.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/kernel/%.S.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/user/%.c.o: user/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/user/%.S.o: user/%.S
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

# The archive is rebuilt when its list of members changes too (a source removed or added).
$(BUILD)/user/libpecan.members: FORCE
	@mkdir -p $(dir $@)
	@echo '$(USER_LIB_OBJS)' | cmp -s - $@ || echo '$(USER_LIB_OBJS)' > $@
$(BUILD)/user/libpecan.a: $(USER_LIB_OBJS) $(BUILD)/user/libpecan.members
	rm -f $@ && ar rcs $@ $(USER_LIB_OBJS)

.SECONDARY:
.SECONDEXPANSION:
# (no '%' inside the expansion: make would replace it with the stem before expanding)
$(BUILD)/user/%.elf: $$(addprefix $(BUILD)/,$$(addsuffix .o,$$(wildcard user/$$*/*.c user/$$*/*.S))) \
                     $(BUILD)/user/libpecan.a user/lib/root-task.ld
	$(CC) $(USER_CFLAGS) -static -Wl,--no-dynamic-linker -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -Wl,--build-id=none -T user/lib/root-task.ld -o $@ \
	    $(filter %.o,$^) $(BUILD)/user/libpecan.a

# The benchmark root task keeps SSE registers out of its code (a thread's FPU is in use
# only when a benchmark says so); bench-quick.elf is the same with a few iterations, for
# `make test` (tools/test-all) to check that the benchmarks run and report.
$(BUILD)/user/bench/%.o: USER_CFLAGS += -mgeneral-regs-only
BENCH_SRCS := $(wildcard user/bench/*.c user/bench/*.S)
BENCH_QUICK_OBJS := $(patsubst user/bench/%,$(BUILD)/user/bench-quick/%.o,$(BENCH_SRCS))
$(BUILD)/user/bench-quick/%.o: user/bench/%
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -mgeneral-regs-only -DBENCH_QUICK=1 -MMD -MP -c $< -o $@
$(BUILD)/user/bench-quick.elf: $(BENCH_QUICK_OBJS) $(BUILD)/user/libpecan.a user/lib/root-task.ld
	$(CC) $(USER_CFLAGS) -static -Wl,--no-dynamic-linker -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -Wl,--build-id=none -T user/lib/root-task.ld -o $@ \
	    $(BENCH_QUICK_OBJS) $(BUILD)/user/libpecan.a

# The checking build (CHECK=1: invariants checked after every kernel entry), and one root
# task per invariant that breaks it on purpose (tools/test-all, docs/invariants.md), and
# for a few, one that breaks it in a nested CNode.
$(BUILD)/pecan-check.elf: FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/cfg-check CHECK=1 $(BUILD)/cfg-check/pecan.elf
	@cp $(BUILD)/cfg-check/pecan.elf $@
# The normal build without the IPC fastpath: make test runs the whole suite on it too.
$(BUILD)/pecan-nofastpath.elf: FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/cfg-nofastpath FASTPATH=0 $(BUILD)/cfg-nofastpath/pecan.elf
	@cp $(BUILD)/cfg-nofastpath/pecan.elf $@
# corrupt-N.elf, corrupt-nested-N.elf, corrupt-other-N.elf: N is the stem's last word.
$(BUILD)/user/corrupt-nested-%.elf: CORRUPT_FLAGS := -DNESTED=1
$(BUILD)/user/corrupt-other-%.elf: CORRUPT_FLAGS := -DOTHER=1
$(BUILD)/user/corrupt-%.elf: user/corrupt/main.c $(BUILD)/user/libpecan.a user/lib/root-task.ld
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -DINVARIANT=$(lastword $(subst -, ,$*)) $(CORRUPT_FLAGS) -static -Wl,--no-dynamic-linker \
	    -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none -T user/lib/root-task.ld -o $@ $< \
	    $(BUILD)/user/libpecan.a

# The hostile-syscall fuzzer (user/fuzz, docs/fuzzing.md): `make fuzz SEED=... COUNT=...`
# runs it under QEMU (tools/fuzz) on FUZZ_KERNEL, by default the checking build;
# fuzz-report reads a failed run's fuzzer log out of the guest's RAM.
SEED ?= 1
COUNT ?= 100000
FUZZ_KERNEL ?= $(BUILD)/pecan-check.elf
$(BUILD)/tools/fuzz-report: tools/fuzz-report.c user/fuzz/fuzzlog.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 $(WARN) -o $@ $<

# Generator of bad root-task images for the panic tests (tools/test-all).
$(BUILD)/tools/mkbadelf: tools/mkbadelf.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 $(WARN) -o $@ $<

$(BUILD)/host/unit-tests: $(HOST_TEST_SRCS) $(HOST_KERNEL_SRCS) \
                         $(wildcard host/*.h host/shim/*.h host/shim/arch/*.h kernel/include/*.h \
                                    kernel/include/arch/*.h kernel/abi/pecan/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ihost -o $@ $(HOST_TEST_SRCS) $(HOST_KERNEL_SRCS)

$(BUILD)/host/invocation-fuzz: host/fuzz/invocation_fuzz.c $(HOST_FUZZ_SRCS) \
                               $(wildcard host/*.h host/shim/*.h host/shim/arch/*.h kernel/include/*.h \
                                          kernel/include/arch/*.h kernel/abi/pecan/*.h)
	@mkdir -p $(BUILD)/host/fuzz-objs
	for f in $(HOST_FUZZ_SRCS); do \
	    $(FUZZ_CC) $(HOST_CFLAGS) -Ihost -fsanitize=fuzzer-no-link -c $$f -o $(BUILD)/host/fuzz-objs/$$(basename $$f .c).o || exit 1; \
	done
	$(FUZZ_CC) $(HOST_CFLAGS) -Ihost -c host/fuzz/invocation_fuzz.c -o $(BUILD)/host/fuzz-objs/harness.o
	$(FUZZ_CC) $(HOST_CFLAGS) -fsanitize=fuzzer -o $@ $(BUILD)/host/fuzz-objs/harness.o \
	    $(patsubst %.c,$(BUILD)/host/fuzz-objs/%.o,$(notdir $(HOST_FUZZ_SRCS)))

# ---- running ----
deps:
	@tools/ensure-deps

run: deps $(BUILD)/pecan.elf $(BUILD)/user/demo.elf
	tools/run-qemu --no-results --mem 512M $(BUILD)/pecan.elf $(BUILD)/user/demo.elf

test: deps all $(BUILD)/host/invocation-fuzz $(BUILD)/tools/mkbadelf $(BUILD)/tools/fuzz-report
	tools/test-all

# Benchmarks (docs/benchmarks.md): the timing pass on the release kernel, the counting
# pass on the measuring one; prints a table and writes build/bench/results.json.
bench: deps $(BUILD)/pecan-bench.elf $(BUILD)/pecan-bench-measure.elf $(BUILD)/user/bench.elf
	tools/bench

host-test: $(BUILD)/host/unit-tests $(BUILD)/host/invocation-fuzz
	tools/test-all --host-only

fuzz-host: $(BUILD)/host/unit-tests $(BUILD)/host/invocation-fuzz
	HOST_CDT_RUNS=$(FUZZ_RUNS) HOST_CDT_STEPS=$(FUZZ_STEPS) $(BUILD)/host/unit-tests
	@mkdir -p $(BUILD)/host/fuzz-corpus $(BUILD)/host/fuzz-artifacts
	cp -n host/fuzz/corpus/* $(BUILD)/host/fuzz-corpus/
	[ "$(FUZZ_TIME)" = 0 ] || PECAN_FUZZ_STATS=1 $(BUILD)/host/invocation-fuzz $(HOST_FUZZ_OPTS) \
	    -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(BUILD)/host/fuzz-artifacts/ $(BUILD)/host/fuzz-corpus

qemu-test: deps $(BUILD)/pecan.elf $(BUILD)/user/tests.elf $(BUILD)/tools/mkbadelf $(BUILD)/tools/fuzz-report $(BUILD)/user/fuzz.elf
	tools/test-all --qemu-only

lint:
	tools/lint

fuzz: deps $(FUZZ_KERNEL) $(BUILD)/user/fuzz.elf $(BUILD)/tools/fuzz-report
	tools/fuzz --seed $(SEED) --count $(COUNT) --kernel $(FUZZ_KERNEL)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
