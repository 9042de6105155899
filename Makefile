# SPDX-License-Identifier: GPL-2.0-only
# One non-recursive build, ordered by subject: settings, BPF, the userspace library and binaries,
# tests, checks, demo and bench, install and package. Everything generated goes to $(O).
# `make V=1` shows commands; `make BPF_DEBUG=1` keeps bpf_printk.

# === settings ===================================================================================

O ?= build
V ?= 0
BPF_DEBUG ?= 0
SANITIZE ?= address,undefined
CI ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
CLANG_FORMAT ?= clang-format
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

# The BPF target architecture (bpf_tracing.h's __TARGET_ARCH_*), from the build machine's; `:=`
# so that an ARCH in the environment (a kernel build's x86_64) does not leak in; make ARCH=arm64.
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/i.86/x86/' -e 's/aarch64/arm64/' \
	-e 's/arm.*/arm/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/' \
	-e 's/loongarch64/loongarch/')

# Hardening flags of a distribution build (dpkg-buildflags), added to the userspace ones.
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
.DEFAULT_GOAL := all

LIBS := -lbpf -lelf -lz -lseccomp -ljansson -lfyaml -lnettle $(EXTRA_LDFLAGS)
# libldns is not linked: the resolver loads it at its first use (user/lib/dns/dns_ldns.h: with
# libssl and libcrypto behind it, it cost every cordon process ~1 ms before main()). Its SONAME,
# the one these headers describe, is what the resolver asks for. Programs that call it themselves
# (the DNS tests' tools) link it.
LDNS_SONAME := $(shell objdump -p "$$($(CC) -print-file-name=libldns.so)" 2>/dev/null | \
	sed -n 's/^ *SONAME *//p')
TEST_LIBS := $(LIBS) -lldns
# The VM's static programs link it, and give its functions to the resolver
# (dns/static/dns_ldns_linked.c); libldns.a's DNSSEC objects need libcrypto's archive too.
LDNS_LINKED_OBJ := $(O)/obj/user/lib/dns/static/dns_ldns_linked.o
STATIC_LIBS := $(LIBS) -lldns -lcrypto -lpthread
# `cordon` links its libraries shared, as the Debian package does: a security update of one of
# them (jansson and libfyaml parse what users send the daemon) applies without a rebuild.
# LINK_STATIC=1 links these archives in and leaves libc shared (LINK_SHARED="z": kept shared);
# libldns is loaded by the resolver either way. Opt-in for a site that rebuilds cordon with its
# libraries' updates.
LINK_STATIC ?= 0
LINK_SHARED ?=
ifeq ($(LINK_STATIC),1)
CORDON_LIBS := -Wl,-Bstatic \
	$(filter-out $(addprefix -l,$(LINK_SHARED)),$(filter -l%,$(LIBS))) \
	-Wl,-Bdynamic $(addprefix -l,$(LINK_SHARED)) $(EXTRA_LDFLAGS) \
	$(shell echo 'int main(void){return 0;}' | $(CC) -Wl,-z,pack-relative-relocs -x c \
		-o /dev/null - >/dev/null 2>&1 && echo -Wl,-z,pack-relative-relocs)
else
CORDON_LIBS := $(LIBS)
endif
CPPFLAGS := -D_GNU_SOURCE -Iuser/lib -Iuser/cli -Iuser/daemon -Ibpf -I$(O)
WARN_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2
CFLAGS := $(WARN_CFLAGS) -O2 -g -fno-strict-aliasing -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -MMD -MP $(EXTRA_CFLAGS)
SAN_CFLAGS := $(WARN_CFLAGS) -O1 -g -MMD -MP -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -MMD -MP \
	-I$(O) -Ibpf
ifneq ($(BPF_DEBUG),1)
BPF_CFLAGS += -DNDEBUG
endif

# Sources. The library is everything in user/lib/<stage>/; commands and daemon link it.
LIB_SRCS := $(sort $(wildcard user/lib/*/*.c))
CLI_SRCS := $(sort $(wildcard user/cli/*.c) $(wildcard user/daemon/*.c))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HOST_SRCS := $(sort $(wildcard tests/host/test_*.c))
VM_SRCS := $(sort $(wildcard tests/vm/test_*.c))
ESCAPE_SRCS := $(sort $(wildcard tests/escape/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FORMAT_SRCS := $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null)

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/obj/%.o)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(O)/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(O)/san/%.o)
BPF_OBJS := $(BPF_SRCS:%.c=$(O)/%.o)

CORDON := $(O)/cordon
SKEL := $(O)/cordon.skel.h

.PHONY: all deps clean
all: $(CORDON)

# Installs the Debian packages the build and the tests need, only the missing ones.
deps:
	$(Q)tools/install-deps.sh

clean:
	$(Q)rm -rf $(O)

# === BPF: one object per source, linked into one object, one skeleton for all programs ==========

$(O)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/cordon.bpf.o: $(BPF_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# With it the object's digest, which names this build's pins (loader.c: cordon_bpf_pin_name):
# computed here once, not over the ~900 KB object on every launch.
$(O)/cordon_digest.h: $(O)/cordon.bpf.o
	$(call msg,GEN,$@)
	$(Q)printf '#define CORDON_OBJ_SHA256 "%s"\n' "$$(sha256sum <$< | cut -c1-64)" >$@.tmp && \
		mv $@.tmp $@

# And its table (programs, sections, types; maps and their shapes), read from the object itself:
# adopting pins needs their names, not the object (loader.c: adopt_pins).
$(O)/tools/objtable: tools/gen/objtable.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(WARN_CFLAGS) -O2 -o $@ $< -lbpf -lelf -lz

$(O)/cordon_objtable.h: $(O)/cordon.bpf.o $(O)/tools/objtable
	$(call msg,GEN,$@)
	$(Q)$(O)/tools/objtable $< >$@.tmp && mv $@.tmp $@

$(SKEL): $(O)/cordon.bpf.o | $(O)/cordon_digest.h $(O)/cordon_objtable.h
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name cordon > $@.tmp && mv $@.tmp $@

# === userspace: the library, build/cordon (commands and daemon) ================================

$(O)/obj/%.o: %.c | $(SKEL) $(O)/cordon_digest.h $(O)/cordon_objtable.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The same sources with the sanitizers, for the unit tests.
$(O)/san/%.o: %.c | $(SKEL) $(O)/cordon_digest.h $(O)/cordon_objtable.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(SAN_CFLAGS) -c $< -o $@

$(O)/obj/user/lib/dns/dns_ldns.o $(O)/san/user/lib/dns/dns_ldns.o \
	$(O)/fuzz/obj/user/lib/dns/dns_ldns.o: CPPFLAGS += -DCORDON_LDNS_SONAME='"$(LDNS_SONAME)"'

# The shipped policies are compiled into the binary with .incbin, which -MMD cannot see.
POLICY_YAMLS := $(sort $(wildcard policies/*.yaml))
$(O)/obj/user/lib/policy/policy_embedded.o $(O)/san/user/lib/policy/policy_embedded.o \
	$(O)/fuzz/obj/user/lib/policy/policy_embedded.o: $(POLICY_YAMLS)

$(O)/libcordon.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CORDON): $(CLI_OBJS) $(O)/libcordon.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(CLI_OBJS) $(O)/libcordon.a $(CORDON_LIBS)

# The same command with the sanitizers: the host suite runs the daemon's tests against it
# (tests/run-suite.sh), so a use after free in its long-lived loop (clients, sessions, forked
# workers sharing its descriptors) fails a test instead of corrupting a heap now and then.
SAN_CORDON := $(O)/san/cordon
SAN_CLI_OBJS := $(CLI_SRCS:%.c=$(O)/san/%.o)
$(SAN_CORDON): $(SAN_CLI_OBJS) $(SAN_LIB_OBJS)
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

# === tests ======================================================================================
# tests/lib holds what the test programs share (TAP, spawn, fork, files, cgroups, attacks);
# tests/run-suite.sh runs one suite and writes its TAP results to $(O)/results.

UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
HOST_SH_SRCS := $(sort $(wildcard tests/host/test_*.sh))
HOST_BINS := $(HOST_SRCS:%.c=$(O)/%) $(HOST_SH_SRCS:%.sh=$(O)/%)
ESCAPE_BINS := $(ESCAPE_SRCS:%.c=$(O)/%)
VM_STAGE := $(O)/vm/stage
VM_BINS := $(VM_SRCS:tests/vm/%.c=$(VM_STAGE)/tests/vm/%)
VM_BENCH_STAGE := $(O)/vm/bench-stage
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(O)/%)
# The attack primitives, the only part of tests/lib without the cordon library.
ATTACK_OBJ := $(O)/obj/tests/lib/attack.o

.PHONY: tests unit-check host-check vm-check vm-stage vm-bench-stage fuzz-check fuzz-ctl-check \
	fuzz-dns-check fleet-check
tests: $(CORDON) $(SAN_CORDON) $(UNIT_BINS) $(HOST_BINS) $(ESCAPE_BINS) vm-stage

unit-check: $(UNIT_BINS)
	$(Q)O=$(O) tests/run-suite.sh unit

host-check: $(CORDON) $(SAN_CORDON) $(HOST_BINS) $(ESCAPE_BINS)
	$(Q)O=$(O) tests/run-suite.sh host

vm-check: vm-stage
	$(Q)O=$(O) tests/run-suite.sh vm

# The package under a real systemd in a VM (tests/fleet): a Debian 12 system disk made with
# debootstrap (cached under $(O)/fleet/cache), booted on 6.12 with and without BPF LSM and on 6.1
# with it, two guests of one vCPU side by side (FLEET_LANES, default "6.12:bpf;6.12:nobpf 6.1:bpf").
fleet-check: $(DEB)
	$(Q)O=$(O) FLEET_DEB=$(DEB) tests/run-suite.sh fleet

# --- unit: cmocka, linked with the sanitized library ---

$(O)/tests/unit/%: tests/unit/%.c $(SAN_LIB_OBJS) $(O)/san/tests/lib/audit_valid.o | $(SKEL)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(SAN_CFLAGS) -o $@ $< $(SAN_LIB_OBJS) \
		$(O)/san/tests/lib/audit_valid.o -lcmocka $(TEST_LIBS)

# --- host: TAP programs run as root on this kernel ---

$(O)/tests/host/%: tests/host/%.c $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -o $@ $< $(TESTLIB_OBJS) $(O)/libcordon.a $(TEST_LIBS)

# Host tests written in shell (the package, the terminal through tmux, stdio) run in the host
# suite like the compiled ones.
$(O)/tests/host/test_%: tests/host/test_%.sh
	$(Q)mkdir -p $(@D)
	$(Q)$(INSTALL) -m 0755 $< $@

# Host tests that run the attack program (tests/host/test_run_attacks.c copies it to /tmp;
# tests/host/test_daemon_proto.c starts a daemon of its own and runs it).
$(O)/tests/host/test_run_attacks $(O)/tests/host/test_daemon_proto: $(O)/tests/escape/attack
# The resolver's test runs an upstream and a client of its own (tests/host/dns_tool.c).
$(O)/tests/host/test_dns: $(O)/tests/host/dns_tool
# The boundary's test runs cordon where user namespaces are refused (tests/host/no_userns.c).
$(O)/tests/host/test_boundary: $(O)/tests/host/no_userns

# --- escape: attack programs, each performs one forbidden action and exits with the errno it
# got. No cordon library: they run as the agent.

$(O)/tests/escape/%: tests/escape/%.c $(ATTACK_OBJ)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -D_GNU_SOURCE -Itests/lib $(CFLAGS) -o $@ $< $(ATTACK_OBJ)

# --- vm: a stage of statically linked programs (the VM has no libraries) booted by tests/vm/run.sh

$(VM_STAGE)/bin/cordon: $(CLI_OBJS) $(LDNS_LINKED_OBJ) $(O)/libcordon.a
	$(call msg,LD-STAT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -o $@ $(CLI_OBJS) $(LDNS_LINKED_OBJ) $(O)/libcordon.a $(STATIC_LIBS)

$(VM_STAGE)/tests/vm/%: tests/vm/%.c $(LDNS_LINKED_OBJ) $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D) $(O)/obj/tests/vm
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -MF $(O)/obj/tests/vm/$*.d -static -o $@ $< \
		$(TESTLIB_OBJS) $(LDNS_LINKED_OBJ) $(O)/libcordon.a $(STATIC_LIBS)

$(VM_STAGE)/init $(VM_BENCH_STAGE)/init: tests/vm/init
	$(Q)mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

# The resolver's VM test runs the host test's upstream and client (tests/host/dns_tool.c).
$(VM_STAGE)/bin/dns_tool: tests/host/dns_tool.c
	$(call msg,LD-STAT,$@)
	$(Q)mkdir -p $(@D) $(O)/obj/tests/vm
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MF $(O)/obj/tests/vm/dns_tool.d -static -o $@ $< \
		$(STATIC_LIBS)

# A btrfs filesystem for tests/vm/test_lsm_fs.c, which the VM cannot make (no mkfs.btrfs there):
# 16 MiB with mixed block groups, the smallest btrfs-progs makes, nearly all zeros in the archive.
MKFS_BTRFS ?= $(firstword $(wildcard /usr/sbin/mkfs.btrfs /sbin/mkfs.btrfs) mkfs.btrfs)
$(VM_STAGE)/images/btrfs.img:
	$(call msg,MKFS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)command -v $(MKFS_BTRFS) >/dev/null || \
		{ echo "mkfs.btrfs not found (tools/install-deps.sh installs btrfs-progs)" >&2; exit 1; }
	$(Q)rm -f $@.tmp && truncate -s 16M $@.tmp && $(MKFS_BTRFS) -q -f --mixed $@.tmp >/dev/null
	$(Q)mv $@.tmp $@

# An ext4 filesystem with the casefold feature for tests/vm/test_lsm_edges.c, which marks a
# directory case-insensitive (chattr +F) inside the guest: 8 MiB, nearly all zeros.
MKFS_EXT4 ?= $(firstword $(wildcard /usr/sbin/mkfs.ext4 /sbin/mkfs.ext4) mkfs.ext4)
$(VM_STAGE)/images/casefold.img:
	$(call msg,MKFS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)command -v $(MKFS_EXT4) >/dev/null || \
		{ echo "mkfs.ext4 not found (tools/install-deps.sh installs e2fsprogs)" >&2; exit 1; }
	$(Q)rm -f $@.tmp && truncate -s 8M $@.tmp && $(MKFS_EXT4) -q -F -O casefold $@.tmp
	$(Q)mv $@.tmp $@

vm-stage: $(VM_STAGE)/bin/cordon $(VM_STAGE)/bin/dns_tool $(VM_BINS) $(VM_STAGE)/init \
	$(VM_STAGE)/images/btrfs.img $(VM_STAGE)/images/casefold.img

# `make bench` boots a stage of its own whose only test is the hook benchmark.
$(VM_BENCH_STAGE)/tests/vm/test_bench_hooks: tests/vm/bench/bench_hooks.c $(LDNS_LINKED_OBJ) \
		$(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D) $(O)/obj/tests/vm
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -MF $(O)/obj/tests/vm/bench_hooks.d -static \
		-o $@ $< $(TESTLIB_OBJS) $(LDNS_LINKED_OBJ) $(O)/libcordon.a $(STATIC_LIBS)

$(O)/bench_hooks: tests/vm/bench/bench_hooks.c $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -o $@ $< $(TESTLIB_OBJS) $(O)/libcordon.a $(LIBS)

vm-bench-stage: $(VM_BENCH_STAGE)/tests/vm/test_bench_hooks $(VM_BENCH_STAGE)/init $(O)/bench_hooks

# --- fuzz: libFuzzer on the policy parser (fuzz-check, FUZZ_POLICY_SECONDS) and on the control
# protocol and daemon configuration parsers (fuzz-ctl-check, FUZZ_CTL_SECONDS); any crash, leak,
# trap or timeout fails. Each prints executions per second and the total. The defaults are a
# smoke run that keeps `make check` within its CI budget; a longer campaign sets them higher.
#
# The fuzzers link a sanitized library archive of their own, $(O)/fuzz/libcordon.a, built like
# $(O)/san but by clang with -fsanitize=fuzzer-no-link: libFuzzer's coverage feedback only comes
# from code clang instrumented for it, which the gcc-built $(O)/san objects are not (and gcc's
# ASan runtime is not clang's, which libFuzzer links). -fsanitize=fuzzer (libFuzzer's main) goes
# on the fuzz target only. Linking the archive pulls in exactly the objects a fuzzer uses.
FUZZ_CC ?= clang
FUZZ_POLICY_SECONDS ?= 20
FUZZ_CTL_SECONDS ?= 10
FUZZ_CFLAGS := $(WARN_CFLAGS) -O1 -g -MMD -MP -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(O)/fuzz/obj/%.o)

$(O)/fuzz/obj/%.o: %.c | $(SKEL) $(O)/cordon_digest.h $(O)/cordon_objtable.h
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

$(O)/fuzz/libcordon.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The control-protocol fuzzer also drives the daemon's configuration parser.
$(O)/tests/fuzz/fuzz_ctl: $(O)/fuzz/obj/user/daemon/daemon_config.o

$(O)/tests/fuzz/%: tests/fuzz/%.c $(O)/fuzz/libcordon.a
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(filter %.o,$^) \
		$(O)/fuzz/libcordon.a $(LIBS)

fuzz-check: $(O)/tests/fuzz/fuzz_policy
	$(Q)rm -rf $(O)/fuzz/policy-corpus && mkdir -p $(O)/fuzz/policy-corpus
	$(Q)cp tests/fuzz/corpus/policy/* policies/*.yaml $(O)/fuzz/policy-corpus/
	$(Q)cp tests/unit/policies/*.yaml $(O)/fuzz/policy-corpus/ 2>/dev/null || true
	$(Q)$(O)/tests/fuzz/fuzz_policy -max_total_time=$(FUZZ_POLICY_SECONDS) -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(O)/fuzz/ $(O)/fuzz/policy-corpus \
		2> $(O)/fuzz/policy.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR)' \
		$(O)/fuzz/policy.log; \
	if [ $$rc -ne 0 ]; then tail -40 $(O)/fuzz/policy.log; echo "fuzz-check: FAILED"; \
		exit 1; fi; echo "fuzz-check: ok"

fuzz-ctl-check: $(O)/tests/fuzz/fuzz_ctl
	$(Q)rm -rf $(O)/fuzz/ctl-corpus && mkdir -p $(O)/fuzz/ctl-corpus
	$(Q)cp tests/fuzz/corpus/ctl/* $(O)/fuzz/ctl-corpus/
	$(Q)$(O)/tests/fuzz/fuzz_ctl -max_total_time=$(FUZZ_CTL_SECONDS) -timeout=5 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(O)/fuzz/ctl- \
		$(O)/fuzz/ctl-corpus 2> $(O)/fuzz/ctl.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY)' \
		$(O)/fuzz/ctl.log; \
	if [ $$rc -ne 0 ]; then tail -40 $(O)/fuzz/ctl.log; echo "fuzz-ctl-check: FAILED"; \
		exit 1; fi; echo "fuzz-ctl-check: ok"

# The session resolver's message handling (FUZZ_DNS_SECONDS): queries and upstream answers.
FUZZ_DNS_SECONDS ?= 10
fuzz-dns-check: $(O)/tests/fuzz/fuzz_dns
	$(Q)rm -rf $(O)/fuzz/dns-corpus && mkdir -p $(O)/fuzz/dns-corpus
	$(Q)cp tests/fuzz/corpus/dns/* $(O)/fuzz/dns-corpus/
	$(Q)$(O)/tests/fuzz/fuzz_dns -max_total_time=$(FUZZ_DNS_SECONDS) -timeout=5 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(O)/fuzz/dns- \
		$(O)/fuzz/dns-corpus 2> $(O)/fuzz/dns.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY)' \
		$(O)/fuzz/dns.log; \
	if [ $$rc -ne 0 ]; then tail -40 $(O)/fuzz/dns.log; echo "fuzz-dns-check: FAILED"; \
		exit 1; fi; echo "fuzz-dns-check: ok"

# === checks: format, static analysis, `make check` ===============================================

.PHONY: check format format-check analyze compile-commands

# `make check`: what is missing installed first (the README's one command on a fresh machine;
# quiet and instant when nothing is), then format, static analysis, build, every suite and one
# summary line. Not a prerequisite on `deps`: `make -j check` must not race the install.
check:
	$(Q)tools/install-deps.sh check
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory analyze
	$(Q)$(MAKE) --no-print-directory tests deb
	$(Q)O=$(O) FLEET_DEB=$(DEB) tests/run-all.sh

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(call msg,FORMAT,check)
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS)

# $(O)/compile_commands.json for editors and clang-tidy, written from the flags above (no
# interception tool needed): one entry per C source, with the flags its rule compiles it with.
COMPDB := $(O)/compile_commands.json
compdb_cflags = $(filter-out -MMD -MP,$(1))
compdb_entries = for f in $(2); do \
	printf '  { "directory": "%s", "file": "%s", "command": "%s -c %s" },\n' \
	"$(CURDIR)" "$$f" "$(strip $(1))" "$$f"; done;

compile-commands: | $(SKEL)
	$(call msg,GEN,$(COMPDB))
	$(Q)mkdir -p $(O)
	$(Q){ echo '['; { \
	$(call compdb_entries,$(CC) $(CPPFLAGS) -Itests/lib $(call compdb_cflags,$(CFLAGS)), \
		$(LIB_SRCS) $(CLI_SRCS) $(TESTLIB_SRCS) $(HOST_SRCS) $(VM_SRCS) \
		tests/vm/bench/bench_hooks.c) \
	$(call compdb_entries,$(CC) $(CPPFLAGS) -Itests/lib $(call compdb_cflags,$(SAN_CFLAGS)), \
		$(UNIT_SRCS)) \
	$(call compdb_entries,$(CC) -D_GNU_SOURCE -Itests/lib $(call compdb_cflags,$(CFLAGS)), \
		$(ESCAPE_SRCS)) \
	$(call compdb_entries,$(FUZZ_CC) $(CPPFLAGS) $(call compdb_cflags,$(FUZZ_CFLAGS)), \
		$(FUZZ_SRCS)) \
	} | sed '$$ s/,$$//'; echo ']'; } > $(COMPDB).tmp && mv $(COMPDB).tmp $(COMPDB)

# `make analyze`: clang-tidy (checks in .clang-tidy) and cppcheck (options here, suppressions in
# tools/analyze/) over the userspace sources and tests/lib; any finding fails.
ANALYZE_SRCS := $(LIB_SRCS) $(CLI_SRCS) $(TESTLIB_SRCS)
ANALYZE_JOBS ?= 2
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --inline-suppr --std=c11 --language=c \
	--enable=warning,performance,portability --library=posix --platform=unix64 \
	--suppressions-list=tools/analyze/cppcheck.supp --include=tools/analyze/cppcheck-macros.h \
	--cppcheck-build-dir=$(O)/cppcheck \
	-D_GNU_SOURCE -D__linux__ -Iuser/lib -Iuser/cli -Iuser/daemon -Ibpf -Itests/lib -j$(ANALYZE_JOBS)

# Both tools run even when the first finds something, so one run shows every finding.
analyze: compile-commands
	$(call msg,ANALYZE,$(words $(ANALYZE_SRCS)) files: clang-tidy then cppcheck)
	$(Q)mkdir -p $(O)/cppcheck; rc=0; \
	printf '%s\n' $(ANALYZE_SRCS) | xargs -P$(ANALYZE_JOBS) -n4 \
		$(CLANG_TIDY) -p $(O) --quiet 2>/dev/null || rc=1; \
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(ANALYZE_SRCS) || rc=1; \
	[ $$rc -eq 0 ] && echo "analyze: clean" || { echo "analyze: FAILED"; exit 1; }

# === demo and bench ===============================================================================

.PHONY: demo bench
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(CORDON)

bench: deps
	$(Q)tools/install-deps.sh bench
	$(Q)$(MAKE) --no-print-directory all vm-bench-stage $(O)/tests/host/dns_tool
	$(Q)tools/bench.sh $(CORDON)

# === install, uninstall, package ===================================================================

# `make install` (PREFIX, DESTDIR), `make uninstall`, `make deb` (build/deb/cordon_*.deb, built
# with dpkg-buildpackage in a copy of the tree: packaging/debian becomes its debian/).
# /etc/cordon is not under PREFIX: the binary reads its policies and floor there.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/cordon
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR ?= /etc
DESTDIR ?=
INSTALL ?= install

MAN_PAGES := $(sort $(wildcard docs/man/*.[158]))
INSTALL_DOCS := README.md $(sort $(wildcard docs/*.md)) docs/audit-schema.json

.PHONY: install uninstall deb
install: $(CORDON)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -D -m 0755 $(CORDON) $(DESTDIR)$(BINDIR)/cordon
	$(Q)for s in 1 5 8; do \
		pages=$$(ls docs/man/*.$$s 2>/dev/null) || continue; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$pages $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	$(Q)$(INSTALL) -D -m 0644 packaging/cordon.bash-completion $(DESTDIR)$(BASHCOMPDIR)/cordon
	$(Q)$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR)
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' packaging/cordon.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/cordon.service
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/cordon.service
	$(Q)$(INSTALL) -D -m 0644 packaging/cordon.tmpfiles $(DESTDIR)$(TMPFILESDIR)/cordon.conf
	$(Q)$(INSTALL) -D -m 0644 packaging/cordon.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/cordon
	$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/cordon/policies
	$(Q)# The configuration is the site's once installed: never overwritten here.
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/cordon/cordon.yaml ] || \
		$(INSTALL) -m 0644 packaging/cordon.yaml $(DESTDIR)$(SYSCONFDIR)/cordon/cordon.yaml
	$(Q)$(INSTALL) -m 0644 packaging/floor.yaml.example \
		$(DESTDIR)$(SYSCONFDIR)/cordon/floor.yaml.example
	$(Q)$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	$(Q)$(INSTALL) -D -m 0644 packaging/rsyslog-cordon.conf \
		$(DESTDIR)$(DOCDIR)/examples/rsyslog-cordon.conf

# Leaves /etc/cordon (the site's configuration and policies) and /var/log/cordon (audit).
uninstall:
	$(call msg,UNINST,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(BINDIR)/cordon $(DESTDIR)$(BASHCOMPDIR)/cordon \
		$(DESTDIR)$(SYSTEMDUNITDIR)/cordon.service $(DESTDIR)$(TMPFILESDIR)/cordon.conf \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/cordon \
		$(DESTDIR)$(SYSCONFDIR)/cordon/floor.yaml.example \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MAN_PAGES)))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(filter %.5,$(MAN_PAGES)))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(filter %.8,$(MAN_PAGES))))
	$(Q)rm -rf $(DESTDIR)$(DOCDIR)

# The package is rebuilt when a file of the tree (tracked, or new and not ignored) changes. The
# copy holds exactly those files, so nothing of build/ or an editor's leftovers gets in (outside
# a git checkout: every file but $(O)).
DEB_VERSION = $(shell dpkg-parsechangelog -l packaging/debian/changelog -S Version 2>/dev/null)
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB_SRCS := $(wildcard $(shell git ls-files --cached --others --exclude-standard 2>/dev/null))
DEB_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
DEB := $(O)/deb/cordon_$(DEB_VERSION)_$(DEB_ARCH).deb

deb: $(DEB)

$(DEB): $(DEB_SRCS)
	$(call msg,DEB,$@)
	$(Q)v=$$(sed -n 's/^#define CORDON_VERSION "\(.*\)"/\1/p' user/cli/cli.h); \
	if [ "$$v" != "$(DEB_VERSION)" ]; then \
		echo "deb: packaging/debian/changelog is at $(DEB_VERSION), cordon at $$v" >&2; \
		echo "Hint: add a changelog entry (dch -v $$v)" >&2; exit 1; fi
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb/cordon-$(DEB_VERSION)
	$(Q){ git ls-files -z --cached --others --exclude-standard 2>/dev/null || \
		find . -path ./.git -prune -o -path ./$(O) -prune -o -type f -print0; } | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar -c --null -T - -f - | tar -x -C $(O)/deb/cordon-$(DEB_VERSION)
	$(Q)cp -a packaging/debian $(O)/deb/cordon-$(DEB_VERSION)/debian
	$(Q)# The copy builds with its own settings: nothing of this make (O above all, which its
	$(Q)# `make clean` would remove) may leak into it through the environment.
	$(Q)cd $(O)/deb/cordon-$(DEB_VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O -u V \
		-u BPF_DEBUG -u SANITIZE -u PREFIX -u DESTDIR -u EXTRA_CFLAGS -u EXTRA_LDFLAGS \
		dpkg-buildpackage -b -us -uc -j$(DEB_JOBS) > ../build.log 2>&1 || \
		{ tail -40 ../build.log; echo "deb: dpkg-buildpackage failed (see $(O)/deb/build.log)" >&2; \
		  exit 1; }
	$(Q)rm -rf $(O)/deb/cordon-$(DEB_VERSION)
	$(Q)test -f $@


# Dependency files of our own objects only (the package and fleet tests keep whole Debian roots
# under $(O)).
-include $(shell find $(O) \( -path $(O)/pkgtest -o -path $(O)/deb -o -path $(O)/fleet \) -prune -o -name '*.d' -type f -print 2>/dev/null)
