#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Pathname unix sockets are default deny on the host tier (cgroup connect_unix/sendmsg_unix
# programs, kernel 6.7+): other programs' servers in places the session's view shows (tmux,
# screen, an ssh-agent, a credential cache under ~/.cache, a socket in a directory the agent
# cannot list, a datagram socket), under every spelling (relative, non-canonical, a symlink in the
# private /tmp); an allowed socket and the session's own ones in /tmp keep working. Each server
# answers outside first; inside, the refusal is EPERM with a record naming the path. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=unix/
session_setup unix
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
# Sockets live where the view shows them: the user's home (not the private /tmp).
dir="$home/.cache/cordon-unix-$$"
# A root-only directory: a log the session's user could write or pre-claim is refused.
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
log=$logdir/audit.jsonl
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
servers=()
cleanup() {
	rm -rf "$logdir"
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
	as_user tmux -S "$dir/tmux.sock" kill-server 2>/dev/null
	as_user screen -S cordon-unix-$$ -X quit 2>/dev/null
	[[ -n ${agent_pid:-} ]] && kill "$agent_pid" 2>/dev/null
	rm -rf "$proj" "$dir" "$log" "$home/.allowed-$$" "$proj/../cordon-unix-$$.err"
}
trap cleanup EXIT
as_user mkdir -p "$dir" "$dir/hidden"

# A tiny server answering a token: stream (default) or datagram (dgram: echo back).
server='import os, socket, sys
path, kind = sys.argv[1], sys.argv[2]
try: os.unlink(path)
except OSError: pass
if kind == "dgram":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path)
    while True:
        d, a = s.recvfrom(64)
        if a: s.sendto(b"TOKEN", a)
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"TOKEN"); c.close()'
serve() {
	# setpriv execs the server: $! is its pid; no output, so no reader of ours waits on it.
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
		/usr/bin/python3 -c "$server" "$1" "${2:-stream}" >/dev/null 2>&1 &
	servers+=($!)
	for _ in $(seq 50); do [[ -S $1 ]] && return 0; sleep 0.1; done
	return 1
}
# Connect (or sendto, for dgram) and print CONNECTED TOKEN or ERRNO n; @2: a directory to chdir to.
probe='import os, socket, sys
path, cwd, kind = sys.argv[1], sys.argv[2], sys.argv[3]
if cwd != "-": os.chdir(cwd)
try:
    if kind == "dgram":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("")
        s.settimeout(3); s.sendto(b"hi", path); print("CONNECTED", s.recv(64).decode())
    else:
        s = socket.socket(socket.AF_UNIX); s.connect(path); print("CONNECTED", s.recv(64).decode())
except OSError as e:
    print("ERRNO", e.errno)'
outside() { as_user /usr/bin/python3 -c "$probe" "$1" "${2:--}" "${3:-stream}" 2>&1; }
# Inside: root drops to the user, with the session's audit stream in $log. @1: policy.
inside_pol() {
	local pol=$1
	shift
	rm -f "$log"
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$pol" --allow-degraded \
		--audit-log "$log" -- "$@" </dev/null 2>"$proj/../cordon-unix-$$.err"
}
inside() { inside_pol offline "$@"; }
# The audit record of a refusal naming path @1 (and reason @2, as a number).
recorded() {
	/usr/bin/python3 - "$log" "$1" "$2" <<'EOF'
import json, sys
log, path, reason = sys.argv[1], sys.argv[2], int(sys.argv[3])
for line in open(log):
    r = json.loads(line)
    if r.get("file", {}).get("path") == path and r["cordon"].get("unix_reason") == reason:
        sys.exit(0)
sys.exit(1)
EOF
}

if ! "$CORDON" doctor --json | grep -q '"cgroup_unix": *true'; then
	cannot suite "the kernel has no cgroup unix connect/sendmsg programs (6.7+)"
	exit 0
fi

# Each server outside first (must answer), then inside (EPERM, record with path and reason).
# reason 1: default deny, 3: relative, 4: not canonical.
attack() {
	local name=$1 path=$2 cwd=${3:--} kind=${4:-stream} reason=${5:-1} shown=${6:-$2} out
	out=$(outside "$path" "$cwd" "$kind")
	check "${name}_outside_answers" test "$out" = "CONNECTED TOKEN"
	out=$(inside sh -c "/usr/bin/python3 -c '$probe' '$path' '$cwd' '$kind'; echo RAN")
	check "${name}_refused_inside_eperm" sh -c "echo '$out' | grep -qx 'ERRNO 1'"
	check "${name}_confined_command_ran" sh -c "echo '$out' | grep -qx RAN"
	check "${name}_record_names_path" recorded "$shown" "$reason"
}

serve "$dir/cred.sock" || notok "credential server did not start"
attack credential_cache "$dir/cred.sock"
attack relative_path "cred.sock" "$dir" stream 3
attack double_slash "${dir/.cache/.cache/}/cred.sock" - stream 4
attack dot_component "$dir/./cred.sock" - stream 4
attack dotdot_component "$dir/hidden/../cred.sock" - stream 4

# A socket in a directory the agent cannot list (mode 0711: search only).
serve "$dir/hidden/tool.sock" || notok "hidden server did not start"
chmod 0711 "$dir/hidden"
attack unlistable_dir "$dir/hidden/tool.sock"

serve "$dir/dgram.sock" dgram || notok "datagram server did not start"
attack datagram_sendto "$dir/dgram.sock" - dgram

# tmux and screen servers of the same user, in a directory the view shows.
if command -v tmux >/dev/null; then
	as_user tmux -S "$dir/tmux.sock" new-session -d "sleep 600"
	check tmux_outside_lists_session as_user tmux -S "$dir/tmux.sock" list-sessions >/dev/null
	out=$(inside sh -c "tmux -S $dir/tmux.sock list-sessions >/dev/null 2>&1; echo rc=\$?; echo RAN")
	check tmux_unreachable_inside sh -c "echo '$out' | grep -qx rc=1 && echo '$out' | grep -qx RAN"
	check tmux_record_names_path recorded "$dir/tmux.sock" 1
else
	cannot tmux "tmux is not installed"
fi
if command -v screen >/dev/null; then
	as_user env SCREENDIR="$dir/screen" screen -dmS cordon-unix-$$ sleep 600
	sleep 0.5
	ssock=$(ls "$dir"/screen/*cordon-unix-$$ 2>/dev/null | head -1)
	conn='import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("CONNECTED")
except OSError as e:
    print("ERRNO", e.errno)'
	out=$(as_user /usr/bin/python3 -c "$conn" "$ssock")
	check screen_socket_connects_outside test "$out" = CONNECTED
	out=$(inside /usr/bin/python3 -c "$conn" "$ssock")
	check screen_socket_refused_inside test "$out" = "ERRNO 1"
	check screen_record_names_path recorded "$ssock" 1
else
	cannot screen "screen is not installed"
fi

# An ssh-agent socket outside /tmp, with SSH_AUTH_SOCK set in the launcher's environment and not.
agent_sock="$dir/ssh-agent.sock"
eval "$(as_user ssh-agent -a "$agent_sock" -s)" >/dev/null
agent_pid=$SSH_AGENT_PID
as_user env SSH_AUTH_SOCK="$agent_sock" ssh-add -l >/dev/null 2>&1
check ssh_agent_outside_answers test $? -le 1
for env in with without; do
	if [[ $env == with ]]; then export SSH_AUTH_SOCK=$agent_sock; else unset SSH_AUTH_SOCK; fi
	out=$(inside sh -c "SSH_AUTH_SOCK=$agent_sock ssh-add -l >/dev/null 2>&1; echo rc=\$?")
	check "ssh_agent_unreachable_inside_${env}_env" test "$out" = "rc=2"
done
unset SSH_AUTH_SOCK

# The symlink attack: a link in the session's private /tmp to an outside socket. /tmp sockets
# are allowed by path, so the link itself must be impossible to make.
out=$(inside sh -c "ln -s $dir/cred.sock /tmp/link 2>/dev/null; echo ln=\$?;
	/usr/bin/python3 -c '$probe' /tmp/link - stream")
check symlink_in_private_tmp_refused sh -c "echo '$out' | grep -qx ln=1"
check symlink_target_unreachable sh -c "! echo '$out' | grep -q CONNECTED"

# The session's own server and client in /tmp (tests, dev servers) keep working.
own='import os, socket, threading
p = "/tmp/own.sock"
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
threading.Thread(target=lambda: s.accept()[0].sendall(b"OWN")).start()
c = socket.socket(socket.AF_UNIX); c.connect(p); print(c.recv(8).decode())
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind("/tmp/own.dgram")
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); e.sendto(b"DG", "/tmp/own.dgram")
print(d.recv(8).decode())'
out=$(inside /usr/bin/python3 -c "$own")
check own_sockets_in_private_tmp_work test "$out" = "$(printf 'OWN\nDG')"

# An allowed socket (network.unix.allow) answers inside; a policy cannot allow one in a write
# tree (the agent could swap it for a symlink).
mkdir -p "$home/.allowed-$$" && chown "$USER_NAME:" "$home/.allowed-$$"
serve "$home/.allowed-$$/ok.sock" || notok "allowed server did not start"
cat >"$proj/../cordon-unix-$$.yaml" <<EOF
name: unix-allow
extends: offline
network:
  unix:
    allow:
      - $home/.allowed-$$/
EOF
out=$(inside_pol "$proj/../cordon-unix-$$.yaml" /usr/bin/python3 -c "$probe" \
	"$home/.allowed-$$/ok.sock" - stream)
check allowed_socket_answers_inside test "$out" = "CONNECTED TOKEN"
cat >"$proj/../cordon-unix-$$.yaml" <<EOF
name: unix-allow-bad
extends: offline
network:
  unix:
    allow:
      - \${PROJECT}/dev.sock
EOF
"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$proj/../cordon-unix-$$.yaml" \
	-- true >/dev/null 2>"$proj/../cordon-unix-$$.err" </dev/null
check allow_in_write_tree_is_an_error_not_a_start test $? -ne 0
check allow_in_write_tree_error_has_position \
	grep -q "cordon-unix-$$.yaml:6:9: network.unix.allow: .* is inside the write tree" \
	"$proj/../cordon-unix-$$.err"
rm -f "$proj/../cordon-unix-$$.yaml"
