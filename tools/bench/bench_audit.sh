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
	"$O/tests/host/test_audit_flood" | grep '^# flood' || true
else
	echo "audit flood: needs root and $O/tests/host/test_audit_flood (make tests)"
fi
