#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`, names on the network: the launch of the agent policy (host names, no DNS at
# launch) against the offline one with an upstream that never answers, and the session
# resolver's added latency per query against asking the same loopback upstream directly.
set -euo pipefail
cordon=$(realpath "${1:-build/cordon}")
O=${O:-build}
runs=${BENCH_RUNS:-200}
# Root names the agent's user: root's `cordon run` without --user is refused.
as=()
((EUID == 0)) && as=(--user root)
tool=$(realpath "$O/tests/host/dns_tool")
work=$(mktemp -d /tmp/cordon-bench-dns.XXXXXX)
up=127.0.0.153
"$tool" serve "$up" "$work/zone" "$work/log" >"$work/serve.out" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; rm -rf "$work"' EXIT
echo "bench.test. A 127.0.0.2 300" >"$work/zone"
echo "nameserver 127.0.0.154" >"$work/dead.conf" # nothing listens there
echo "nameserver $up" >"$work/resolv.conf"
cp "$tool" "$work/dns_tool"
for _ in $(seq 50); do grep -q ready "$work/serve.out" 2>/dev/null && break; sleep 0.1; done

echo
echo "== launch: agent (host names, answered on demand) vs offline, upstream unreachable"
CORDON_RESOLV_CONF="$work/dead.conf" "$O/bench_launch" "$runs" \
	"cordon run --policy offline" -- "$cordon" run "${as[@]}" --allow-degraded --policy offline \
	--project "$work" -- /bin/true ";;" \
	"cordon run --policy agent" -- "$cordon" run "${as[@]}" --allow-degraded --policy agent \
	--project "$work" -- /bin/true

echo
echo "== resolver: median round trip of one A query, 2000 in a row (µs)"
direct=$("$tool" bench "$up" bench.test 2000)
cat >"$work/policy.yaml" <<'P'
name: bench-dns
extends: agent
network:
  connect: ["bench.test:443"]
P
steered=$(CORDON_RESOLV_CONF="$work/resolv.conf" "$cordon" run "${as[@]}" --allow-degraded \
	--policy "$work/policy.yaml" --project "$work" -- ./dns_tool bench 10.9.9.9 bench.test 2000 \
	2>/dev/null | tail -1)
echo "  upstream directly            $direct"
echo "  through the session resolver $steered"
awk -v a="$direct" -v b="$steered" 'BEGIN { printf "  added per query              %.1f µs (target <= 100)\n", b - a }'
