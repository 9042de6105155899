#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Root's `cordon run` SIGKILLed mid-session must fail closed: its agent dies with it, the
# session's rules stay in force for anything left in (or put into) its cgroup, and the next
# launch sweeps the session away. The refused connect is made outside first (it must work).
# Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=launcher_kill/
session_setup launcher-kill
port=$((20000 + $$ % 20000))
pins=/sys/fs/bpf/cordon
connect='import socket, sys
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print("CONNECTED")
except OSError as e:
    print("ERRNO", e.errno)'
cleanup() {
	[[ -n ${listener:-} ]] && kill "$listener" 2>/dev/null
	[[ -n ${launcher:-} ]] && kill -9 "$launcher" 2>/dev/null
	rm -rf "$proj"
}
trap cleanup EXIT

/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' "$port" &
listener=$!
sleep 0.3
out=$(/usr/bin/python3 -c "$connect" "$port")
check connect_outside_succeeds test "$out" = CONNECTED

# The agent records each connect attempt until it is killed.
agent="while :; do /usr/bin/python3 -c '$connect' $port >>$proj/attempts; echo x >$proj/ran; sleep 0.05; done"
"$CORDON" run --user "$USER_NAME" --project "$proj" --policy offline --allow-degraded \
	-- sh -c "$agent" </dev/null >/dev/null 2>"$proj/cordon.err" &
launcher=$!
for ((i = 0; i < 300; i++)); do
	[[ -s $proj/attempts ]] && break
	sleep 0.1
done
check agent_ran test -s "$proj/ran"
[[ -s $proj/ran ]] || sed 's/^/# /' "$proj/cordon.err"
# Landlock (network rules, ABI 4+) refuses first with EACCES, else the cgroup program: EPERM.
check connect_inside_refused sh -c "grep -Eq '^ERRNO (1|13)$' $proj/attempts && ! grep -q CONNECTED $proj/attempts"
session=$(cd /run/cordon/local && grep -l "\"pid\":$launcher[,}]" ./*.json 2>/dev/null | head -n 1)
session=${session#./}
session=${session%.json}
check session_registered test -n "$session"
cgroup=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)/cordon/$session

kill -9 "$launcher"
wait "$launcher" 2>/dev/null
launcher=
# The agent dies with its launcher (PR_SET_PDEATHSIG on the session's init).
gone=no
for ((i = 0; i < 50; i++)); do
	if [[ ! -s $cgroup/cgroup.procs ]]; then
		gone=yes
		break
	fi
	sleep 0.1
done
check agent_dies_with_launcher test "$gone" = yes
check no_connect_after_kill sh -c "! grep -q CONNECTED $proj/attempts"

# The rules outlive the launcher: a process put into the session's cgroup is still refused.
check session_cgroup_kept test -d "$cgroup"
cgroup_id=$(stat -c %i "$cgroup" 2>/dev/null)
out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec /usr/bin/python3 -c "$2" "$3"' \
	_ "$cgroup" "$connect" "$port")
check connect_refused_after_launcher_killed test "$out" = "ERRNO 1"

# The next launch sweeps the killed session: its cgroup, record and session entry go.
"$CORDON" run --user "$USER_NAME" --project "$proj" --policy offline --allow-degraded \
	-- true </dev/null >/dev/null 2>&1
check next_launch_removes_cgroup test ! -d "$cgroup"
check next_launch_removes_record test ! -e "/run/cordon/local/$session.json"
if command -v bpftool >/dev/null; then
	left=$(for m in "$pins"/*/map-sessions; do bpftool -j map dump pinned "$m"; done 2>/dev/null |
		grep -c "\"key\":${cgroup_id:-none}[,}]")
	check next_launch_drops_session_entry test "$left" -eq 0
else
	cannot next_launch_drops_session_entry "bpftool is not installed"
fi
