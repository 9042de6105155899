#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`, part 4 (issue 7): the daemon. Session creation and `hello` round trips, `cordon
# run` with the daemon against standalone and bare, daemon start cold and warm, daemon RSS. A
# daemon of its own (socket, pins, cgroup root under /tmp, /sys/fs/bpf and cgroupfs), removed
# at the end. Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
O=${O:-build}

cc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Itests/lib -o "$O/bench_daemon" tools/bench/bench_daemon.c \
	tests/lib/rmtree.c
echo
"$O/bench_daemon" "$cordon" "${BENCH_SESSIONS:-200}" "${BENCH_DAEMON_RUNS:-50}"
