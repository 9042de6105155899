#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Audit throughput: records/s from decoded ring-buffer records to the JSON-lines file sink (no
# kernel), then, as root, the whole path under a flood of a million refusals with loss counted.
set -euo pipefail
O=${O:-build}
cc -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Iuser/lib -Ibpf -I"$O" -o "$O/bench_audit" \
	tools/bench/bench_audit.c "$O/libcordon.a" -ljansson -lnettle -lbpf -lelf -lz
echo
echo "== audit: ring buffer -> JSON file sink (target >= 500k records/s)"
"$O/bench_audit" 300000
if [ "$(id -u)" -eq 0 ] && [ -x "$O/tests/host/test_audit_flood" ]; then
	# Loss at a set rate and at the generators' maximum, one refusal repeated (folded) and every
	# refusal distinct (each one formatted and written); two generators of each kind.
	for shape in "0 0" "500000 0" "0 1" "500000 1"; do
		set -- $shape
		echo "-- flood: rate ${1/#0/max}, distinct objects: $2"
		CORDON_FLOOD_PROCS=2 CORDON_FLOOD_RATE=$1 CORDON_FLOOD_DISTINCT=$2 \
			"$O/tests/host/test_audit_flood" | grep -E '^# flood|^not ok' || true
	done
else
	echo "audit flood: needs root and $O/tests/host/test_audit_flood (make tests)"
fi
