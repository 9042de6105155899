#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What a refusal record costs in the kernel, and what an untagged open costs beside a session.
# As root: a session refuses N opens of its .env by a relative name ("cd sub; open .env": the
# exit tracepoint names the directory) and N by an absolute one; with kernel.bpf_stats_enabled,
# the openat exit program's run time over each loop, per refusal. Then bench_open over a tree by
# a process outside any session while one exists (the tracepoints attached). Usage:
# bench_refusal.sh CORDON [N]
set -euo pipefail
cordon=$(realpath "$1")
n=${2:-100000}
user="cordon-tty"
id "$user" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$user"
work=$(mktemp -d /tmp/cordon-bref.XXXXXX)
chmod 755 "$work"
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$work"
}
trap cleanup EXIT
proj=$work/project
install -d -o "$user" "$proj" "$proj/sub"
echo x | install -m 600 -o "$user" /dev/stdin "$proj/sub/.env"
cc -O2 -Wall -Wextra -Werror -Itools/bench -o "$work/bench_open" tools/bench/bench_open.c
mkdir -p "$work/tree"
for i in $(seq 1 2000); do echo "$i" >"$work/tree/f$i"; done
chmod -R a+rX "$work"

# run_time_ns and run_cnt of every program named @1: "id ns cnt" lines.
stats() {
	bpftool -j prog show name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["id"], p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}
# The program (@4) whose count grew most between @1 and @2 (stats lines): its run time per run,
# and per refusal of the loop (@3 of them; an upper bound: other tasks' opens run it too).
per_run() {
	/usr/bin/python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
n = int(sys.argv[3])
a = {l.split()[0]: list(map(int, l.split()[1:])) for l in sys.argv[1].splitlines() if l.strip()}
b = {l.split()[0]: list(map(int, l.split()[1:])) for l in sys.argv[2].splitlines() if l.strip()}
d = max(((b[k][0] - a.get(k, [0, 0])[0], b[k][1] - a.get(k, [0, 0])[1]) for k in b), key=lambda x: x[1])
print(sys.argv[4] + ": %.0f ns per run over %d runs; %.0f ns per refusal (all its time / %d)"
      % (d[0] / max(d[1], 1), d[1], d[0] / n, n))
PY
}
# One session: @1 the name to open N times, from $proj/sub; the loop's stats printed.
loop='import os, sys, time
name, n, sync = sys.argv[1], int(sys.argv[2]), sys.argv[3]
refused = 0
open(sync + ".ready", "w").close()
while not os.path.exists(sync + ".go"):
    time.sleep(0.01)
t0 = time.perf_counter_ns()
for _ in range(n):
    try:
        os.close(os.open(name, os.O_RDONLY))
    except PermissionError:
        refused += 1
t = time.perf_counter_ns() - t0
print("%d refused, %.0f ns per refused open in the session (python loop)" % (refused, t / n))
open(sync + ".done", "w").close()
time.sleep(1)'
session() {
	local before after before_in after_in
	rm -f "$proj"/sync.*
	"$cordon" run --user "$user" --project "$proj" --allow-degraded -- \
		/bin/sh -c "cd $proj/sub && exec /usr/bin/python3 -c '$loop' '$1' $n $proj/sync" \
		2>/dev/null &
	local pid=$!
	for ((i = 0; i < 300; i++)); do
		[[ -e $proj/sync.ready ]] && break
		sleep 0.1
	done
	# The window holds the loop and little else: other tasks' opens leave the program early.
	before=$(stats cordon_sys_openat)
	before_in=$(stats cordon_sys_enter_openat)
	touch "$proj/sync.go"
	for ((i = 0; i < 600; i++)); do
		[[ -e $proj/sync.done ]] && break
		sleep 0.05
	done
	after=$(stats cordon_sys_openat)
	after_in=$(stats cordon_sys_enter_openat)
	wait "$pid" || true
	per_run "$before_in" "$after_in" "$n" "openat entry program"
	per_run "$before" "$after" "$n" "openat exit program"
}
sysctl -qw kernel.bpf_stats_enabled=1
echo "== openat programs, $n refusals of .env by a relative name (the directory walked):"
session .env
echo "== the same by an absolute name (no walk):"
session "$proj/sub/.env"
sysctl -qw kernel.bpf_stats_enabled="$stats_was"

echo "== bench_open (ns per open+close, 7 passes) of 2000 files, outside any session:"
echo "   cordon idle:    $("$work/bench_open" "$work/tree" 7)"
"$cordon" run --user "$user" --project "$proj" --allow-degraded -- /bin/sleep 8 2>/dev/null &
spid=$!
sleep 2
echo "   session alive:  $("$work/bench_open" "$work/tree" 7)"
wait "$spid" || true
