#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A spawn worker is a fork of the daemon, made while other sessions run: it must not hold their
# descriptors. Held, the resolver of a session that has ended kept its port bound (and its TCP
# clients connected) for as long as a later session's worker lived. Session B runs, with a
# resolver (policy agent); session A starts while B runs; B ends: nothing holds B's resolver's
# ports any more, while A still runs. Daemon mode only. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=daemon
TAP_PREFIX=daemon_child_fds/
session_setup dchildfd
mode_setup
a= b=
cleanup() {
	for p in $a $b; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
sessions() { grep -c "policy agent for uid" "$DAEMON_DIR/daemon.log"; }
wait_for() { for ((i = 0; i < 100; i++)); do eval "$1" && return 0; sleep 0.1; done; return 1; }
# The UDP ports the daemon itself holds on loopback (its sessions' resolvers).
daemon_ports() { ss -Hulnp | grep "pid=$DAEMON_PID," | awk '{ sub(/.*:/, "", $4); print $4 }' | sort -u; }

(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sleep 3 </dev/null >/dev/null 2>&1) &
b=$!
check session_b_started wait_for '[ "$(sessions)" -ge 1 ]'
wait_for '[ -n "$(daemon_ports)" ]'
ports=$(daemon_ports)
check session_b_has_a_resolver test -n "$ports"
(cd "$proj" && $RUN --quiet --policy agent --project "$proj" -- sleep 20 </dev/null >/dev/null 2>&1) &
a=$!
check session_a_started wait_for '[ "$(sessions)" -ge 2 ]'
wait "$b"
b=
check session_b_ended wait_for 'grep -q "(agent, uid [0-9]*) ended" "$DAEMON_DIR/daemon.log"'
check session_a_still_runs kill -0 "$a"
held=
for p in $ports; do
	# B's ports: no longer the daemon's (B ended), and no one else's (A's worker).
	if ! daemon_ports | grep -qx "$p"; then
		held+=$(ss -Hulnp "sport = :$p")
	fi
done
check ended_session_resolver_ports_released test -z "$held" || echo "# still held: $held"
