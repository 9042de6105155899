# SPDX-License-Identifier: GPL-2.0-only
# One non-recursive build: BPF objects -> one skeleton -> build/cordon; tests, VM images, checks.
# Everything generated goes to $(O). `make V=1` shows commands; `make BPF_DEBUG=1` keeps bpf_printk.

O ?= build
V ?= 0
BPF_DEBUG ?= 0
SANITIZE ?= address,undefined
CI ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
CLANG_FORMAT ?= clang-format
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

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

LIBS := -lbpf -lelf -lz -lseccomp -ljansson -lfyaml
CPPFLAGS := -D_GNU_SOURCE -Iuser/lib -Iuser/cli -Iuser/daemon -Ibpf -I$(O)
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 -fno-strict-aliasing \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -MMD -MP
SAN_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 -MMD -MP \
	-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -mcpu=v3 -D__TARGET_ARCH_x86 -MMD -MP \
	-I$(O) -Ibpf
ifneq ($(BPF_DEBUG),1)
BPF_CFLAGS += -DNDEBUG
endif

# Sources. The library is everything in user/lib/<stage>/; commands and daemon link it.
LIB_SRCS := $(sort $(wildcard user/lib/*/*.c))
CLI_SRCS := $(sort $(wildcard user/cli/*.c) $(wildcard user/daemon/*.c))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
HOST_SRCS := $(sort $(wildcard tests/host/test_*.c))
VM_SRCS := $(sort $(wildcard tests/vm/test_*.c))
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/obj/%.o)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(O)/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(O)/san/%.o)
BPF_OBJS := $(BPF_SRCS:%.c=$(O)/%.o)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
HOST_BINS := $(HOST_SRCS:%.c=$(O)/%)
VM_STAGE := $(O)/vm/stage
VM_BINS := $(VM_SRCS:tests/vm/%.c=$(VM_STAGE)/tests/vm/%)
FORMAT_SRCS := $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null)

CORDON := $(O)/cordon
SKEL := $(O)/cordon.skel.h

.PHONY: all deps check unit-check host-check vm-check format format-check demo bench clean \
	tests vm-stage vm-bench-stage

all: $(CORDON)

deps:
	$(Q)tools/install-deps.sh

# --- BPF: one object per source, linked into one object, one skeleton for all programs ---------

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

$(SKEL): $(O)/cordon.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name cordon > $@.tmp && mv $@.tmp $@

# --- userspace ----------------------------------------------------------------------------------

$(O)/obj/%.o: %.c | $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(O)/san/%.o: %.c | $(SKEL)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(SAN_CFLAGS) -c $< -o $@

$(O)/libcordon.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CORDON): $(CLI_OBJS) $(O)/libcordon.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(CLI_OBJS) $(O)/libcordon.a $(LIBS)

# --- tests --------------------------------------------------------------------------------------

$(O)/tests/unit/%: tests/unit/%.c $(SAN_LIB_OBJS) | $(SKEL)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(SAN_CFLAGS) -o $@ $< $(SAN_LIB_OBJS) -lcmocka $(LIBS)

$(O)/tests/host/%: tests/host/%.c $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -o $@ $< $(TESTLIB_OBJS) $(O)/libcordon.a $(LIBS)

# The VM has no libraries: its binaries are linked statically.
$(VM_STAGE)/bin/cordon: $(CLI_OBJS) $(O)/libcordon.a
	$(call msg,LD-STAT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -o $@ $(CLI_OBJS) $(O)/libcordon.a $(LIBS)

$(VM_STAGE)/tests/vm/%: tests/vm/%.c $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)mkdir -p $(O)/obj/tests/vm
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -MF $(O)/obj/tests/vm/$*.d -static -o $@ $< \
		$(TESTLIB_OBJS) $(O)/libcordon.a $(LIBS)

$(VM_STAGE)/init: tests/vm/init
	$(Q)mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

vm-stage: $(VM_STAGE)/bin/cordon $(VM_BINS) $(VM_STAGE)/init

# `make bench` boots a stage of its own whose only test is the hook benchmark.
VM_BENCH_STAGE := $(O)/vm/bench-stage
$(VM_BENCH_STAGE)/tests/vm/test_bench_hooks: tests/vm/bench/bench_hooks.c $(O)/libcordon.a \
		$(TESTLIB_OBJS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D) $(O)/obj/tests/vm
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -MF $(O)/obj/tests/vm/bench_hooks.d -static \
		-o $@ $< $(TESTLIB_OBJS) $(O)/libcordon.a $(LIBS)

$(O)/bench_hooks: tests/vm/bench/bench_hooks.c $(O)/libcordon.a $(TESTLIB_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -o $@ $< $(TESTLIB_OBJS) $(O)/libcordon.a $(LIBS)

$(VM_BENCH_STAGE)/init: tests/vm/init
	$(Q)mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

vm-bench-stage: $(VM_BENCH_STAGE)/tests/vm/test_bench_hooks $(VM_BENCH_STAGE)/init $(O)/bench_hooks

tests: $(CORDON) $(UNIT_BINS) $(HOST_BINS) vm-stage

unit-check: $(UNIT_BINS)
	$(Q)O=$(O) tests/run-suite.sh unit

host-check: $(CORDON) $(HOST_BINS)
	$(Q)O=$(O) tests/run-suite.sh host

vm-check: vm-stage
	$(Q)O=$(O) tests/run-suite.sh vm

# `make check`: install what is missing, build, then every suite and one summary line.
check: deps
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)O=$(O) tests/run-all.sh

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(call msg,FORMAT,check)
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(CORDON)

bench: deps
	$(Q)tools/install-deps.sh bench
	$(Q)$(MAKE) --no-print-directory all vm-bench-stage
	$(Q)tools/bench.sh $(CORDON)

clean:
	$(Q)rm -rf $(O)

# Dependency files of our own objects only (the package test keeps a whole chroot under $(O)).
-include $(shell find $(O) \( -path $(O)/pkgtest -o -path $(O)/deb \) -prune -o -name '*.d' -type f -print 2>/dev/null)

# --- policy (issue 3) ---
# The shipped policies are compiled into the binary with .incbin, which -MMD cannot see.
POLICY_YAMLS := $(sort $(wildcard policies/*.yaml))
$(O)/obj/user/lib/policy/policy_embedded.o $(O)/san/user/lib/policy/policy_embedded.o: $(POLICY_YAMLS)

# `make fuzz-check`: the policy parser fuzzed for 30 s on a copy of the seed corpus; any crash,
# leak or timeout fails the target. Prints executions per second and the total.
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -Iuser/lib -Ibpf -I$(O)
FUZZ_POLICY_SRCS := $(sort $(wildcard user/lib/policy/*.c user/lib/compile/*.c))

$(O)/tests/fuzz/fuzz_policy: tests/fuzz/fuzz_policy.c $(FUZZ_POLICY_SRCS) $(POLICY_YAMLS) \
		$(wildcard user/lib/policy/*.h user/lib/compile/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_policy.c $(FUZZ_POLICY_SRCS) \
		-lfyaml -ljansson -lseccomp

.PHONY: fuzz-check
fuzz-check: $(O)/tests/fuzz/fuzz_policy
	$(Q)rm -rf $(O)/fuzz/policy-corpus && mkdir -p $(O)/fuzz/policy-corpus
	$(Q)cp tests/fuzz/corpus/policy/* policies/*.yaml $(O)/fuzz/policy-corpus/
	$(Q)cp tests/unit/policies/*.yaml $(O)/fuzz/policy-corpus/ 2>/dev/null || true
	$(Q)$(O)/tests/fuzz/fuzz_policy -max_total_time=30 -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(O)/fuzz/ $(O)/fuzz/policy-corpus \
		2> $(O)/fuzz/policy.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR)' \
		$(O)/fuzz/policy.log; \
	if [ $$rc -ne 0 ]; then tail -40 $(O)/fuzz/policy.log; echo "fuzz-check: FAILED"; \
		exit 1; fi; echo "fuzz-check: ok"
# --- end policy ---

# --- escape (issue 4) ---
# Attack programs for tests/host/test_run_attacks.c: each one performs a forbidden action and
# exits with the errno it got. Plain binaries (no cordon library): they run as the agent.
ESCAPE_SRCS := $(sort $(wildcard tests/escape/*.c))
ESCAPE_BINS := $(ESCAPE_SRCS:%.c=$(O)/%)

$(O)/tests/escape/%: tests/escape/%.c
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -D_GNU_SOURCE $(CFLAGS) -o $@ $<

tests: $(ESCAPE_BINS)
host-check: $(ESCAPE_BINS)
# --- end escape ---

# --- deployment (issue 7) ---
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
# Hardening flags of a distribution build (dpkg-buildflags), added to the userspace ones.
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS += $(EXTRA_CFLAGS)
LIBS += $(EXTRA_LDFLAGS)

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

# The package test (tests/host/test_package.sh) runs in the host suite like the compiled tests.
$(O)/tests/host/test_package: tests/host/test_package.sh
	$(Q)mkdir -p $(@D)
	$(Q)$(INSTALL) -m 0755 $< $@

tests: $(O)/tests/host/test_package
host-check: $(O)/tests/host/test_package

# Host tests written in shell (the terminal through tmux, stdio) run like the compiled ones.
$(O)/tests/host/test_%: tests/host/test_%.sh
	$(Q)mkdir -p $(@D)
	$(Q)$(INSTALL) -m 0755 $< $@

tests: $(O)/tests/host/test_terminal $(O)/tests/host/test_stdio
host-check: $(O)/tests/host/test_terminal $(O)/tests/host/test_stdio
# --- end deployment ---

# --- daemon protocol fuzzing, test and bench (issue 7, parts 2 and 7) ---
# `make fuzz-ctl-check`: the control-protocol parser and the daemon configuration parser fuzzed
# for 20 s (FUZZ_CTL_SECONDS) on a copy of tests/fuzz/corpus/ctl; any crash, leak, trap or timeout
# fails. Prints executions per second and the total, like fuzz-check.
FUZZ_CTL_SECONDS ?= 20
FUZZ_CTL_SRCS := user/lib/sys/ctl_proto.c user/daemon/daemon_config.c user/lib/policy/policy_yaml.c \
	user/lib/policy/policy_errors.c user/lib/policy/policy_util.c

$(O)/tests/fuzz/fuzz_ctl: tests/fuzz/fuzz_ctl.c $(FUZZ_CTL_SRCS) user/lib/sys/sys.h \
		user/daemon/daemon.h user/lib/policy/policy.h | $(SKEL)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -Iuser/daemon -o $@ tests/fuzz/fuzz_ctl.c $(FUZZ_CTL_SRCS) \
		-lfyaml -ljansson

.PHONY: fuzz-ctl-check
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

# tests/host/test_daemon_proto.c starts a daemon of its own and needs the attack program.
$(O)/tests/host/test_daemon_proto: $(O)/tests/escape/attack
# --- end daemon protocol ---
