#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: the relay of the agent's terminal. `cat` of 100 MB to a terminal (script(1)
# makes one) without cordon and under `cordon run`, whose agent gets a pty of its own that
# cordon relays: the ratio is what the second hop costs. Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
mb=${BENCH_PTY_MB:-100}
runs=${BENCH_PTY_RUNS:-3}
# Root names the agent's user: root's `cordon run` without --user is refused.
as=()
((EUID == 0)) && as=(--user root)
proj=$(mktemp -d /tmp/cordon-bench-pty.XXXXXX)
trap 'rm -rf "$proj"' EXIT
chmod 755 "$proj"
head -c "$((mb * 1024 * 1024))" /dev/zero | tr '\0' 'x' | fold -w 79 >"$proj/data"

# Seconds for one `script` run of COMMAND, its terminal output discarded.
timed() {
	local t0 t1
	t0=$(date +%s%N)
	script -qfec "$1" /dev/null >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
best() {
	local b=999999999 t
	for ((i = 0; i < runs; i++)); do
		t=$(timed "$1")
		((t < b)) && b=$t
	done
	echo "$b"
}
bare=$(best "cat $proj/data")
run="$cordon run ${as[*]} --policy offline --allow-degraded --project $proj --"
conf=$(best "$run cat $proj/data")
# cordon's own start and end, measured alone, are not the relay's.
start=$(best "$run true")
echo
echo "== terminal relay: cat of $mb MB to a pty (best of $runs)"
awk -v mb="$mb" -v b="$bare" -v c="$conf" -v s="$start" 'BEGIN {
	r = c - s > 0 ? c - s : 1
	printf "  %-40s %6d ms  %7.1f MB/s\n", "bare (one pty)", b, mb * 1000 / b
	printf "  %-40s %6d ms\n", "cordon run -- true (start and end)", s
	printf "  %-40s %6d ms  %7.1f MB/s  %.2fx\n", "cordon run -- cat, less start and end", r,
		mb * 1000 / r, r / b
}'
