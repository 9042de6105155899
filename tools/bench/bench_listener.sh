#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: the host tier's file listener (fanotify permission events on the session's own
# mounts). An open loop over a project tree of small files, outside cordon and inside a root
# session of the default policy: the first pass inside is the cold tree (every inode decided by
# the listener), the later ones the warm tree (decided inodes carry ignore marks). Then the same
# loop outside while a session runs, against none: the listener's marks are on the session's
# mounts, but the syscall tracepoints run for every task while a session exists. Rounds are
# interleaved (outside, inside, beside, then again), each row's figure the median over rounds of
# each round's warm median; wall time and the process's CPU time per open side by side (the CPU
# time does not move when the shared machine deschedules a pass; a warm pass waits for no
# listener). Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
O=${O:-build}
files=${BENCH_LISTENER_FILES:-2000}
passes=${BENCH_LISTENER_PASSES:-8}
rounds=${BENCH_LISTENER_ROUNDS:-3}
proj=$(mktemp -d /tmp/cordon-bench-listener.XXXXXX)
sleeper=
cleanup() {
	[[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null
	rm -rf "$proj"
}
trap cleanup EXIT
chmod 755 "$proj"
cc -O2 -Wall -Wextra -Werror -Itools/bench -o "$proj/bench_open" tools/bench/bench_open.c
for ((d = 0; d < 20; d++)); do
	mkdir -p "$proj/tree/d$d"
	for ((f = 0; f < files / 20; f++)); do
		: >"$proj/tree/d$d/f$f.c"
	done
done
# The tracing programs stay attached for a grace period after a session (loader.h): one second
# here, and each "no session" round waits it out, so that row is measured with them detached.
export CORDON_TRACE_GRACE=1
run=("$cordon" run --user root --quiet --policy agent --project "$proj" --)

# Tracing programs of any cordon build attached now (another engineer's session makes the
# "no session" row pay them too: said beside the table, not hidden).
traced() {
	command -v bpftool >/dev/null || {
		echo "?"
		return
	}
	bpftool -j link show 2>/dev/null | python3 -c '
import json, subprocess, sys
progs = {p["id"]: p.get("name", "") for p in json.loads(subprocess.run(
    ["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout or "[]")}
links = json.loads(sys.stdin.read() or "[]")
print(sum(1 for l in links if l.get("type") in ("perf_event", "raw_tracepoint", "tracing")
          and progs.get(l.get("prog_id"), "").startswith("cordon")))'
}

# Median of numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Of one bench_open line: the first pass (cold), the median of the rest (warm).
cold() { echo "${1%% *}"; }
warm() { tr ' ' '\n' <<<"${1#* }" | median; }

declare -A cold_w warm_w warm_c
record() { # ROW OUTPUT(two lines: wall, cpu)
	local wall=${2%%$'\n'*} cpu=${2#*$'\n'}
	cold_w[$1]+="$(cold "$wall") "
	warm_w[$1]+="$(warm "$wall") "
	warm_c[$1]+="$(warm "$cpu") "
}
med_of() { tr ' ' '\n' <<<"$1" | grep . | median; }

stray=
for ((r = 0; r < rounds; r++)); do
	sleep 2 # past the grace period of the previous round's sessions
	stray+="$(traced) "
	# Each output taken into a variable first: a failed loop stops the bench (set -e).
	o=$("$proj/bench_open" "$proj/tree" "$passes")
	record out "$o"
	o=$("${run[@]}" "$proj/bench_open" "$proj/tree" "$passes")
	record in "$o"
	"${run[@]}" sleep 600 &
	sleeper=$!
	sleep 1
	o=$("$proj/bench_open" "$proj/tree" "$passes")
	record beside "$o"
	kill "$sleeper" 2>/dev/null
	wait "$sleeper" 2>/dev/null || true
	sleeper=
done

echo
echo "== file listener: open/close of $files files, ns per open; $rounds interleaved rounds of"
echo "   $passes passes (cold: first pass; warm: median of the rest; each figure the median of the"
echo "   rounds' figures). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
ow=$(med_of "${warm_w[out]}")
oc=$(med_of "${warm_c[out]}")
printf "  %-40s %7s %7s %7s %7s %7s\n" "" "cold" "warm" "x" "cpu" "cpu x"
for row in out in beside; do
	case $row in
	out) label="outside, no session" ;;
	in) label="inside a root session (policy agent)" ;;
	beside) label="outside, while a session runs" ;;
	esac
	w=$(med_of "${warm_w[$row]}")
	c=$(med_of "${warm_c[$row]}")
	awk -v l="$label" -v cw="$(med_of "${cold_w[$row]}")" -v w="$w" -v c="$c" -v ow="$ow" \
		-v oc="$oc" 'BEGIN { printf "  %-40s %7d %7d %7.2f %7d %7.2f\n", l, cw, w, w / ow, c, c / oc }'
done
echo "  per round, warm wall: outside ${warm_w[out]}| inside ${warm_w[in]}| beside ${warm_w[beside]}"
echo "  cordon tracing programs attached during the \"no session\" rounds (any build): $stray"
