#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: show what cordon can enforce on this machine. The confined agent session (a
# scripted rogue agent under the embedded `agent` policy) arrives with `cordon run`.
set -eu
cordon=${1:-build/cordon}

echo "== cordon doctor: what this kernel lets cordon enforce"
"$cordon" doctor
if ! "$cordon" --help 2>/dev/null | grep -q '^  run '; then
	echo
	echo "cordon run is not built yet: the confined-session demo needs it (see the issue tracker)." >&2
	exit 1
fi
