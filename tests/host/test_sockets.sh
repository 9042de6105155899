#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Socket kinds, source routes and listeners on the host tier (issues 17 and 12): each attack
# works outside first, then inside a session it is refused with its errno and an audit record
# naming what was refused; the legitimate variants (TCP, UDP, unix, getifaddrs, a dev server
# on loopback) keep working. A listener made without bind() is reached from another network
# namespace over a veth pair outside, and not inside (bound to lo). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=sockets/
session_setup sockets
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
log=$logdir/audit.jsonl
ns=cordon-net-$$
host_if=cnh$$
peer_if=cnp$$
net=10.231.$((RANDOM % 250))
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip link del "$host_if" 2>/dev/null
	rm -rf "$logdir" "$proj"
}
trap cleanup EXIT
[[ -n ${KEEP:-} ]] && trap - EXIT

# A UDP port the test policy allows, so that only the source route refuses the datagram.
cat >"$proj/sockets.yaml" <<POL
name: sockets-test
extends: agent
network:
  connect:
    - "127.0.0.1:9190-9199/udp"
    - "[::1]:9190-9199/udp"
POL

# One probe per attack: prints "OK detail" or "ERRNO n".
cat >"$proj/probe.py" <<'PY'
import errno, os, socket, sys, time
def sock(f, t, p):
    socket.socket(f, t, p).close()
def reach(f, p, addr):
    # A datagram of protocol p that no connect hook judges reaches a receiver of the same kind.
    r = socket.socket(f, socket.SOCK_DGRAM, p); r.bind((addr, 0)); r.settimeout(3)
    s = socket.socket(f, socket.SOCK_DGRAM, p); s.connect(r.getsockname()[:2]); s.send(b"leak")
    return r.recv(8).decode()
def srh():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    # RFC 8754 segment routing header, one segment (::1): delivered to the segment, not the
    # destination, where the network supports it.
    s.setsockopt(41, 57, bytes([17, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "::1"))
def rthdr2292():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(41, 5, bytes([17, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "::1"))
def ipopt():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(0, 4, bytes([131, 7, 4, 127, 0, 0, 1, 1]))
def cmsg_lsrr():
    # IP_RETOPTS as ancillary data: a loose source route through 127.0.0.1.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendmsg([b"x"], [(0, 7, bytes([131, 7, 4, 127, 0, 0, 1, 1]))], 0, ("127.0.0.1", 9191))
def bindtodevice():
    socket.socket().setsockopt(socket.SOL_SOCKET, 25, b"lo\0")
def plain_udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("127.0.0.1", 9191))
def tcp_loopback():
    s = socket.socket(); s.bind(("127.0.0.1", 3123)); s.listen(1)
    c = socket.create_connection(("127.0.0.1", 3123), timeout=3); a, _ = s.accept()
    c.sendall(b"hi"); return a.recv(2).decode()
def getifaddrs():
    return str(len(socket.if_nameindex()))
def listen_nobind():
    # The test connects from this machine (loopback) and from a peer in another network
    # namespace; the count of accepted connections is printed.
    s = socket.socket(); s.listen(4)
    dev = s.getsockopt(socket.SOL_SOCKET, 25, 16).rstrip(b"\0").decode() or "-"
    with open(sys.argv[2], "w") as f: f.write(str(s.getsockname()[1]))
    s.settimeout(5)
    n = 0
    try:
        while n < 2:
            s.accept(); n += 1
    except socket.timeout:
        pass
    return "%s %d" % (dev, n)
cases = {
    "udplite": lambda: reach(socket.AF_INET, 136, "127.0.0.1"),
    "udplite6": lambda: reach(socket.AF_INET6, 136, "::1"),
    "vsock": lambda: sock(40, socket.SOCK_STREAM, 0),
    "packet": lambda: sock(17, socket.SOCK_DGRAM, 0),
    "netlink_diag": lambda: sock(16, socket.SOCK_RAW, 4),
    "srh": srh, "rthdr2292": rthdr2292, "ipopt": ipopt, "cmsg_lsrr": cmsg_lsrr,
    "bindtodevice": bindtodevice, "plain_udp": plain_udp, "tcp_loopback": tcp_loopback,
    "getifaddrs": getifaddrs, "listen_nobind": listen_nobind,
    "netlink_route": lambda: sock(16, socket.SOCK_RAW, 0),
    "unix_pair": lambda: socket.socketpair() and None,
}
try:
    r = cases[sys.argv[1]]()
    print("OK", r if r is not None else "")
except OSError as e:
    print("ERRNO", e.errno)
PY
chown -R "$USER_NAME:" "$proj"
probe() { /usr/bin/python3 "$proj/probe.py" "$@" 2>&1; }
outside() { as_user /usr/bin/python3 "$proj/probe.py" "$@" 2>&1; }
inside() {
	rm -f "$log"
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$proj/sockets.yaml" \
		--allow-degraded --audit-log "$log" -- \
		sh -c '/usr/bin/python3 "$0/probe.py" "$@"; echo RAN' "$proj" "$@" </dev/null 2>/dev/null
}
# The record: action @1, and key=value pairs of the cordon or destination objects.
recorded() {
	/usr/bin/python3 - "$log" "$@" <<'PY'
import json, sys
log, action, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
for line in open(log):
    r = json.loads(line)
    if r.get("event", {}).get("action") != action:
        continue
    flat = dict(r.get("cordon", {}))
    flat.update({"dst." + k: v for k, v in r.get("destination", {}).items()})
    if all(str(flat.get(k)) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}
# attack NAME ERRNO ACTION [key=value...]: outside OK, inside ERRNO, the command ran, recorded.
attack() {
	local name=$1 err=$2 action=$3 out
	shift 3
	out=$(outside "$name")
	check "${name}_works_outside" sh -c "echo '$out' | grep -q '^OK'"
	out=$(inside "$name")
	check "${name}_refused_inside_errno_$err" sh -c "echo '$out' | grep -qx 'ERRNO $err'"
	check "${name}_confined_command_ran" sh -c "echo '$out' | grep -qx RAN"
	check "${name}_recorded" recorded "$action" "$@"
}
legit() {
	local name=$1 out
	out=$(inside "$name")
	check "${name}_works_inside" sh -c "echo '$out' | grep -q '^OK' && echo '$out' | grep -qx RAN"
}

# Socket kinds: seccomp refuses them at socket(); the record names the family and, in the
# upper 32 bits of arg, the protocol.
attack udplite 1 syscall-socket arg=$((2 | 136 << 32)) layer=seccomp
attack udplite6 1 syscall-socket arg=$((10 | 136 << 32)) layer=seccomp
if outside vsock | grep -q '^OK'; then
	attack vsock 1 syscall-socket arg=40
else
	cannot vsock "no AF_VSOCK on this kernel"
fi
attack netlink_diag 1 syscall-socket arg=$((16 | 4 << 32))

# Source routes as socket options (seccomp, EPERM; arg = optname | level << 32).
attack srh 1 syscall-setsockopt arg=$((57 | 41 << 32))
attack rthdr2292 1 syscall-setsockopt arg=$((5 | 41 << 32))
attack bindtodevice 1 syscall-setsockopt arg=$((25 | 1 << 32))
# IPv4 source routes need privilege on this kernel (EPERM for an ordinary user): root's own
# probe is the control, and a root-run session the attack.
as_root() { # NAME ERRNO ACTION [key=value...]
	local name=$1 err=$2 action=$3 out
	shift 3
	out=$(probe "$name")
	check "${name}_works_outside_as_root" sh -c "echo '$out' | grep -q '^OK'"
	rm -f "$log"
	out=$("$CORDON" run --user root --project "$proj" --policy "$proj/sockets.yaml" --allow-degraded \
		--audit-log "$log" -- sh -c '/usr/bin/python3 "$0/probe.py" "$1"; echo RAN' "$proj" \
		"$name" </dev/null 2>/dev/null)
	check "${name}_refused_inside_root_errno_$err" sh -c "echo '$out' | grep -qx 'ERRNO $err'"
	check "${name}_confined_command_ran" sh -c "echo '$out' | grep -qx RAN"
	check "${name}_recorded" recorded "$action" "$@"
}
as_root ipopt 1 syscall-setsockopt arg=4
# AF_PACKET needs CAP_NET_RAW outside as well.
as_root packet 1 syscall-socket arg=17
# ... and as ancillary data: the packet is dropped at egress (EPERM), its destination recorded.
as_root cmsg_lsrr 1 source-route layer=cgroup_bpf dst.ip=127.0.0.1

legit plain_udp
legit tcp_loopback
legit getifaddrs
legit netlink_route
legit unix_pair

# listen() without bind(): a peer in another network namespace reaches it outside, not inside.
if ip netns add "$ns" 2>/dev/null && ip link add "$host_if" type veth peer name "$peer_if" &&
	ip link set "$peer_if" netns "$ns" && ip addr add "$net.1/24" dev "$host_if" &&
	ip link set "$host_if" up && ip -n "$ns" addr add "$net.2/24" dev "$peer_if" &&
	ip -n "$ns" link set "$peer_if" up; then
	peer='import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); print("CONNECTED")
except OSError as e:
    print("ERRNO", e.errno)'
	listen_case() { # @1: outside|inside; prints the probe's line and the peer's
		local portf=$proj/port.$1 port res
		rm -f "$portf"
		if [[ $1 == outside ]]; then
			outside listen_nobind "$portf" >"$proj/out.$1" &
		else
			inside listen_nobind "$portf" >"$proj/out.$1" &
		fi
		local bg=$!
		for _ in $(seq 50); do [[ -s $portf ]] && break; sleep 0.1; done
		port=$(cat "$portf" 2>/dev/null)
		res=$(/usr/bin/python3 -c "$peer" 127.0.0.1 "${port:-1}")
		res="$res / $(ip netns exec "$ns" /usr/bin/python3 -c "$peer" "$net.1" "${port:-1}")"
		wait "$bg"
		echo "$(head -1 "$proj/out.$1") / $res"
	}
	out=$(listen_case outside)
	check listen_nobind_reached_from_peer_outside \
		sh -c "echo '$out' | grep -qx 'OK - 2 / CONNECTED / CONNECTED'"
	out=$(listen_case inside)
	check listen_nobind_bound_to_lo_inside sh -c "echo '$out' | grep -q '^OK lo '"
	check listen_nobind_loopback_still_works sh -c "echo '$out' | grep -q '^OK lo 1 / CONNECTED / '"
	check listen_nobind_peer_refused_inside sh -c "echo '$out' | grep -q ' / ERRNO [0-9]*$'"
	check listen_nobind_recorded recorded listen hook=tcp_listen dst.ip=0.0.0.0 confined_to=lo
	# The listen worked (on loopback): the record says what was done, not a refusal.
	listen_record_is_no_refusal() {
		/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("cordon", {}).get("hook") != "tcp_listen":
        continue
    e = r.get("event", {})
    ok = (e.get("outcome") == "success" and e.get("type") == ["allowed"] and
          "error" not in r and "rule" not in r["cordon"])
    print(json.dumps(r)) if not ok else None
    sys.exit(0 if ok else 1)
sys.exit(1)
PY
	}
	check listen_nobind_record_says_allowed_confined listen_record_is_no_refusal
else
	cannot listen_nobind "no veth pair or network namespace"
fi
