#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A dev server that binds every interface (`python3 -m http.server`, IPv4 0.0.0.0 and its
# default ::) on a port the policy allows on loopback: outside, a peer in another network
# namespace reaches it over a veth pair; inside a session it is bound to loopback instead
# (127.0.0.1, ::1), answers on this machine and not to the peer. A port the policy does not
# allow stays refused. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=bind_wildcard/
need_root
session_setup bindany
ns=cordon-bind-$$
host_if=cbh$$
peer_if=cbp$$
net=10.232.$((RANDOM % 250))
port=$((8000 + RANDOM % 90))
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
cleanup() {
	[[ -n ${server:-} ]] && kill "$server" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$host_if" 2>/dev/null
	rm -rf "$proj"
}
trap cleanup EXIT
if ! { ip netns add "$ns" && ip link add "$host_if" type veth peer name "$peer_if" &&
	ip link set "$peer_if" netns "$ns" && ip addr add "$net.1/24" dev "$host_if" &&
	ip link set "$host_if" up && ip -n "$ns" addr add "$net.2/24" dev "$peer_if" &&
	ip -n "$ns" link set "$peer_if" up; } 2>/dev/null; then
	cannot suite "no veth pair or network namespace"
	exit 0
fi
echo served >"$proj/index.txt"
chown -R "$USER_NAME:" "$proj"

# GET /index.txt from @1 (an address) at @2 (a port): "served" or the error.
get='import sys, urllib.request
try:
    print(urllib.request.urlopen("http://%s:%s/index.txt" % (sys.argv[1], sys.argv[2]), timeout=3).read().decode().strip())
except Exception as e:
    print("error", e)'
fetch() { /usr/bin/python3 -c "$get" "$@"; }
peer_fetch() { ip netns exec "$ns" /usr/bin/python3 -c "$get" "$@"; }
# Wait for a listener on port @1 (any address), up to 5 s.
listening() {
	for ((i = 0; i < 50; i++)); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
# serve WHERE [BIND]: start the server (outside or inside a session) in the project.
serve() {
	local where=$1
	shift
	if [[ $where == outside ]]; then
		(cd "$proj" && exec setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
			/usr/bin/python3 -m http.server "$@" "$port") >/dev/null 2>&1 &
	else
		"$CORDON" run --user "$USER_NAME" --quiet --project "$proj" --policy agent -- \
			sh -c 'cd "$0" && exec /usr/bin/python3 -m http.server "$@"' "$proj" "$@" "$port" \
			</dev/null >/dev/null 2>&1 &
	fi
	server=$!
	listening "$port"
}
stop() {
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	server=
	for ((i = 0; i < 50; i++)); do
		ss -Htln "sport = :$port" | grep -q . || return 0
		sleep 0.1
	done
}

for bind in "" "0.0.0.0"; do
	name=${bind:-default}
	args=()
	[[ -n $bind ]] && args=(-b "$bind")
	check "${name}_listens_outside" serve outside "${args[@]}"
	check "${name}_peer_reaches_it_outside" test "$(peer_fetch "$net.1" "$port")" = served
	[[ -n $bind ]] && check "${name}_connect_to_wildcard_outside" test "$(fetch 0.0.0.0 "$port")" = served
	stop
	check "${name}_listens_inside" serve inside "${args[@]}"
	if [[ -z $bind ]]; then
		check "${name}_bound_to_lo6_inside" sh -c "ss -Htln 'sport = :$port' | grep -q '\\[::1\\]:$port'"
		check "${name}_reached_on_loopback_inside" test "$(fetch ::1 "$port")" = served
	else
		check "${name}_bound_to_lo4_inside" sh -c "ss -Htln 'sport = :$port' | grep -q '127.0.0.1:$port'"
		check "${name}_reached_on_loopback_inside" test "$(fetch 127.0.0.1 "$port")" = served
		# A connect to the wildcard address goes to this machine: judged as loopback.
		out=$("$CORDON" run --user "$USER_NAME" --quiet --project "$proj" --policy agent -- \
			/usr/bin/python3 -c "$get" 0.0.0.0 "$port" </dev/null 2>/dev/null)
		check "${name}_connect_to_wildcard_reaches_it_inside" test "$out" = served
	fi
	check "${name}_peer_refused_inside" sh -c "peer=\$(ip netns exec $ns /usr/bin/python3 -c '$get' $net.1 $port); test \"\${peer%% *}\" = error"
	stop
done

# A port the policy does not allow on loopback either: still refused, not rewritten.
out=$(as_user /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 9911)); print("bound")' 2>&1)
check other_port_binds_outside test "$out" = bound
out=$("$CORDON" run --user "$USER_NAME" --quiet --project "$proj" --policy agent -- \
	/usr/bin/python3 -c 'import socket
s = socket.socket()
try:
    s.bind(("0.0.0.0", 9911)); print("bound", s.getsockname())
except OSError as e:
    print("ERRNO", e.errno)' </dev/null 2>/dev/null)
check other_port_refused_inside grep -q "^ERRNO 13$" <<<"$out"
