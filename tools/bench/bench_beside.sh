#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench` (issue 18): root's launch alone against the same launch while another session
# runs (`sleep` in a project of its own), in alternating batches; per batch the median of each
# CORDON_LAUNCH_TIMING phase's own time and of the wall time. Root's own launch only (no daemon
# mode yet). Reported, never asserted.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
runs=${BENCH_BESIDE_RUNS:-11}
batches=${BENCH_BESIDE_BATCHES:-2}
policy=${BENCH_BESIDE_POLICY:-offline}
dir=$(mktemp -d /tmp/cordon-bench-beside.XXXXXX)
other=
cleanup() {
	if [[ -n $other ]]; then
		kill "$other" 2>/dev/null || true
		wait "$other" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
chmod 755 "$dir"
mkdir -p "$dir/proj" "$dir/other"
run=("$cordon" run --user root --quiet --allow-degraded --policy "$policy")

# One batch of @1 launches; each launch's phases (the time since the previous phase) and wall
# time appended to $dir/phases.@2 as "PHASE MS" lines.
batch() {
	local i t0 t1
	for ((i = 0; i < $1; i++)); do
		t0=$(date +%s%N)
		CORDON_LAUNCH_TIMING=1 "${run[@]}" --project "$dir/proj" -- /bin/true \
			</dev/null >/dev/null 2>"$dir/err" || {
			sed 's/^/# /' "$dir/err" >&2
			return 1
		}
		t1=$(date +%s%N)
		awk -v wall=$(((t1 - t0) / 1000)) '
			/^cordon: timing: / { ms = $(NF - 1) + 0; name = $3
				for (k = 4; k < NF - 1; k++) name = name "_" $k
				printf "%s %.3f\n", name, ms - prev; prev = ms }
			END { printf "wall %.3f\n", wall / 1000 }' "$dir/err" >>"$dir/phases.$2"
	done
}

# The other session: launched, its agent running (the phase "launched" printed), or fail.
start_other() {
	CORDON_LAUNCH_TIMING=1 "${run[@]}" --project "$dir/other" -- sleep 3600 \
		</dev/null >/dev/null 2>"$dir/other.err" &
	other=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'timing: launched' "$dir/other.err" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: the other session did not start" >&2
	sed 's/^/# /' "$dir/other.err" >&2
	return 1
}

stop_other() {
	kill "$other"
	wait "$other" || true
	other=
}

# Median per phase of @1, one "PHASE MEDIAN" line each, in the order phases first appear.
medians() {
	awk '{ if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 }
	     END { for (i = 1; i <= k; i++) { p = order[i]; m = n[p]
		   for (a = 1; a <= m; a++) s[a] = v[p, a]
		   for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++)
			if (s[b] < s[a]) { t = s[a]; s[a] = s[b]; s[b] = t }
		   printf "%s %.2f\n", p, s[int((m + 1) / 2)] } }' "$1"
}

echo "== launch beside another session: $runs runs per batch, $batches batch pairs," \
	"policy $policy ($(nproc) CPUs, $(uname -r))"
"${run[@]}" --project "$dir/proj" -- /bin/true </dev/null >/dev/null 2>&1 # pins, warm caches
for ((b = 1; b <= batches; b++)); do
	batch "$runs" "alone.$b"
	start_other
	batch "$runs" "beside.$b"
	stop_other
done
cols=()
for ((b = 1; b <= batches; b++)); do
	medians "$dir/phases.alone.$b" >"$dir/m.alone.$b"
	medians "$dir/phases.beside.$b" >"$dir/m.beside.$b"
	cols+=("$dir/m.alone.$b" "$dir/m.beside.$b")
done
printf '%-26s' "phase (ms, median)"
for ((b = 1; b <= batches; b++)); do printf '%10s%10s' "alone" "beside"; done
echo
awk '{ print $1 }' "$dir/m.alone.1" | while read -r p; do
	printf '%-26s' "$p"
	for f in "${cols[@]}"; do printf '%10s' "$(awk -v p="$p" '$1 == p { print $2 }' "$f")"; done
	echo
done
