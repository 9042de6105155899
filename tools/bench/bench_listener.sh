#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: the host tier's file listener (fanotify permission events on the session's own
# mounts). An open loop over a project tree of small files, outside cordon and inside a root
# session of the default policy: the first pass inside is the cold tree (every inode decided by
# the listener), the later ones the warm tree (decided inodes carry ignore marks). Then the same
# loop outside while a session runs, against none: the listener's marks are on the session's
# mounts, so outside processes should pay nothing. Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
O=${O:-build}
files=${BENCH_LISTENER_FILES:-2000}
passes=${BENCH_LISTENER_PASSES:-6}
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
run=("$cordon" run --user root --quiet --policy agent --project "$proj" --)

# Median of the passes after the first (the warm ones), from one line of bench_open.
warm() { tr ' ' '\n' <<<"${1#* }" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cold() { echo "${1%% *}"; }

out_alone=$("$proj/bench_open" "$proj/tree" "$passes")
in_session=$("${run[@]}" "$proj/bench_open" "$proj/tree" "$passes")
"${run[@]}" sleep 600 &
sleeper=$!
sleep 1
out_beside=$("$proj/bench_open" "$proj/tree" "$passes")

echo
echo "== file listener: open/close of $files files, ns per open (cold: first pass, warm: median of the rest)"
awk -v oc="$(cold "$out_alone")" -v ow="$(warm "$out_alone")" \
	-v ic="$(cold "$in_session")" -v iw="$(warm "$in_session")" \
	-v bc="$(cold "$out_beside")" -v bw="$(warm "$out_beside")" 'BEGIN {
	printf "  %-44s %7s %7s %7s\n", "", "cold", "warm", "warm x"
	printf "  %-44s %7d %7d %7.2f\n", "outside, no session", oc, ow, 1
	printf "  %-44s %7d %7d %7.2f\n", "inside a root session (policy agent)", ic, iw, iw / ow
	printf "  %-44s %7d %7d %7.2f\n", "outside, while a session runs", bc, bw, bw / ow
}'
