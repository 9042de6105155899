#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Merges the "cordon: timing: PHASE @MS" lines that CORDON_LAUNCH_TIMING=abs prints (the client's,
# the daemon's from its own log, the spawn worker's on the client's stderr) into one timeline:
# milliseconds since the first line, and since the line before.
#   CORDON_LAUNCH_TIMING=abs cordon run ... 2>client.log   (daemon started with the same variable)
#   tools/bench/timeline.sh client.log daemon.log
# Daemon lines outside the client's first and last line are left out.
set -eu
[ $# -ge 1 ] || { echo "usage: timeline.sh CLIENT_LOG [OTHER_LOG...]" >&2; exit 2; }
client=$1
shift
range=$(sed -n 's/^cordon: timing: .* @\([0-9.]*\) ms$/\1/p' "$client" | sort -n | sed -n '1p;$p' | tr '\n' ' ')
set -- "$client" "$@"
sed -n 's/^cordon: timing: \(.*\) @\([0-9.]*\) ms$/\2 \1/p' "$@" | sort -n |
	awk -v r="$range" 'BEGIN { split(r, b, " ") }
		$1 >= b[1] && $1 <= b[2] + 5 {
			if (!n++) { t0 = $1; p = $1 }
			name = $0; sub(/^[^ ]* /, "", name)
			printf "%8.2f %6.2f  %s\n", $1 - t0, $1 - p, name; p = $1
		}'
