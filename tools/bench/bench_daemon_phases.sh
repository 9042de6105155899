#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Where a daemon's `create` (or any request) spends its time: per phase mark, the time since the
# mark before within the same request (from "daemon: received"), median and p95 over every
# request in the log, in microseconds.
#   CORDON_LAUNCH_TIMING=abs BENCH_DAEMON_LOG=/tmp/d.log BENCH_DAEMON_ONLY=create \
#       build/bench_daemon build/cordon 200
#   tools/bench/bench_daemon_phases.sh /tmp/d.log
set -eu
[ $# -eq 1 ] || { echo "usage: bench_daemon_phases.sh DAEMON_LOG" >&2; exit 2; }
sed -n 's/^cordon: timing: \(.*\) @\([0-9.]*\) ms$/\2\t\1/p' "$1" |
	awk -F '\t' '
		$2 == "daemon: received" { prev = $1; t0 = $1; next }
		prev == "" { next }
		{
			if (!($2 in n)) order[++k] = $2
			v[$2, ++n[$2]] = ($1 - prev) * 1000; prev = $1
			if ($2 == "daemon: replied") { tot[++nt] = ($1 - t0) * 1000; prev = "" }
		}
		function pick(a, m, p,   i, j, t, s) {
			for (i = 1; i <= m; i++) s[i] = a[i]
			for (i = 2; i <= m; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
			return s[int((m - 1) * p / 100) + 1]
		}
		END {
			printf "%-40s %5s %9s %9s\n", "phase (us since the mark before)", "n", "median", "p95"
			for (i = 1; i <= k; i++) {
				m = n[order[i]]; delete a
				for (j = 1; j <= m; j++) a[j] = v[order[i], j]
				printf "%-40s %5d %9.0f %9.0f\n", order[i], m, pick(a, m, 50), pick(a, m, 95)
			}
			if (nt) printf "%-40s %5d %9.0f %9.0f\n", "received to replied", nt, pick(tot, nt, 50), pick(tot, nt, 95)
		}'
