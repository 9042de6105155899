#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: ratios measured within one run. Part 1: launch latency of `cordon run` against
# the bare command, bubblewrap and firejail. (Hook, audit and daemon benchmarks join as the
# issues that build those parts land.)
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
O=${O:-build}
runs=${BENCH_RUNS:-200}
# Root names the agent's user: root's `cordon run` without --user is refused.
as=()
((EUID == 0)) && as=(--user root)

cc -O2 -Wall -Wextra -Werror -o "$O/bench_launch" tools/bench/bench_launch.c
proj=$(mktemp -d /tmp/cordon-bench.XXXXXX)
trap 'rm -rf "$proj"' EXIT

echo "== launch latency: $runs runs each, one machine, one run ($(nproc) CPUs, $(uname -r))"
args=("$runs" "bare /bin/true" -- /bin/true ";;")
command -v bwrap >/dev/null && args+=("bwrap --ro-bind / / (no netns)" -- bwrap --ro-bind / / /bin/true ";;")
command -v firejail >/dev/null && args+=("firejail --noprofile" -- firejail --quiet --noprofile /bin/true ";;")
args+=("cordon run --policy offline" -- "$cordon" run "${as[@]}" --allow-degraded --policy offline \
	--project "$proj" -- /bin/true)
"$O/bench_launch" "${args[@]}"
echo "Note: root's cordon run adopts the programs pinned in /sys/fs/bpf/cordon/<build> (the"
echo "daemon's, or the first run's, which loads and pins them); the first run after a build or a"
echo "boot pays the load, every run above after the first adopts."
# Host names: no DNS at launch (agent vs offline), the resolver's added latency per query.
O="$O" tools/bench/bench_dns.sh "$cordon"
O="$O" tools/bench/bench_audit.sh
O="$O" tools/bench/bench_daemon.sh "$cordon"
tools/bench/bench_pty.sh "$cordon"
# The host tier's file listener: open loop inside a session (cold and warm tree) and beside one.
O="$O" tools/bench/bench_listener.sh "$cordon"
# A launch beside another session (issue 18): per-phase medians, alone and beside.
tools/bench/bench_beside.sh "$cordon"
# A real build inside a session against outside (issue 18: within 5%).
tools/bench/bench_build.sh "$cordon"

# Part 2: hook costs. On the host: the cgroup programs (BPF LSM is refused here); in the 6.12
# VM: BPF LSM and cgroup programs, under software emulation, so ratios only.
echo
echo "== hooks on the host (not loaded / loaded untagged / tagged)"
"$O/bench_hooks" | grep '^# bench:' | sed 's/^# bench: /  /'
echo
echo "== hooks in the Debian 6.12 VM"
BUILD=$O tests/vm/run.sh 6.12 "$O/vm/bench-stage" "$O/results/bench-6.12.tap" >/dev/null 2>&1 || true
if grep -q '^not ok' "$O/results/bench-6.12.tap" 2>/dev/null || ! grep -q '# bench:' "$O/vm/6.12/console.log"; then
	echo "bench: the VM hook benchmark did not complete; see $O/vm/6.12/console.log" >&2
	exit 1
fi
tr -d '\r' <"$O/vm/6.12/console.log" | grep '^# bench:' | sed 's/^# bench: /  /'
