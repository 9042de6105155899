#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A session task moved out of its session cgroup (by root here; by systemd for a user in the
# fleet suite) is killed at once and recorded (cgroup-escape): the agent's main process, a
# setsid'ed grandchild, and a multi-threaded process moved by one of its threads' ids. A move
# into a child cgroup of the session is legal. Outside cordon the same move leaves the process
# alive. MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=cgroup_move/$MODE/
session_setup cgmove
mode_setup
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[[ -n $cg2 ]] || { notok "suite (no cgroup2 mount)"; exit 1; }
grab=$cg2/cordon-test-grab-$$
# Root's run refuses an audit log in a directory the session's user can write.
logdir=$(mktemp -d /var/log/cordon-test-cgmove.XXXXXX)
log=$logdir/audit.jsonl
[[ $MODE == daemon ]] && log=$DAEMON_DIR/audit.jsonl
err=$proj.err
cleanup() {
	[[ -n ${outside:-} ]] && kill -9 "$outside" 2>/dev/null
	[[ -n ${udp_listener:-} ]] && kill "$udp_listener" 2>/dev/null
	[[ -n ${runner:-} ]] && kill "$runner" 2>/dev/null
	[[ -d $grab ]] && { echo 1 >"$grab/cgroup.kill"; sleep 0.2; rmdir "$grab"; } 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$logdir" "$err" "$proj.udp"
}
trap cleanup EXIT
mkdir "$grab" || { notok "suite (cannot create $grab)"; exit 1; }

alive() { kill -0 "$1" 2>/dev/null && [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]; }
# Wait up to 5 s for pid @1 to be gone.
dies() {
	for ((i = 0; i < 100; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}
# The process whose command line is exactly @1 (a marker argument makes it unique).
pid_of() { pgrep -xf -- "$1" | head -n 1; }
# A cgroup-escape record for pid @1 that says it was killed and names the destination @2.
escape_record() {
	/usr/bin/python3 - "$log" "$1" "$2" <<'PY'
import json, sys
log, pid, dest = sys.argv[1:4]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "cgroup-escape" and
            str(r.get("process", {}).get("pid")) == pid and c.get("killed") is True and
            (c.get("cgroup_path") or "").endswith(dest)):
        sys.exit(0)
sys.exit(1)
PY
}

# --- outside cordon: the same move works and the process lives ----------------------------------
sleep 300 &
outside=$!
check outside_move_works sh -c "echo $outside >$grab/cgroup.procs"
sleep 0.5
check outside_process_lives alive "$outside"
kill -9 "$outside" 2>/dev/null
wait "$outside" 2>/dev/null
outside=

# A UDP listener outside, logging each datagram (the window test below).
udp_port=$((20000 + $$ % 20000))
udp_log=$proj.udp
: >"$udp_log"
/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
f = open(sys.argv[2], "a", buffering=1)
while True:
    s.recv(64); f.write("x\n")' "$udp_port" "$udp_log" &
udp_listener=$!
sleep 0.2
check udp_outside_reaches_listener sh -c "/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"127.0.0.1\", $udp_port))' && sleep 0.2 && test -s $udp_log"
: >"$udp_log"

# --- inside: one session holding every kind of target ---------------------------------------------
tag=.$$
# The agent: a grandchild that left its session (setsid, double fork), a child that will move
# inside the session, a multi-threaded process, then the agent's own shell waits.
agent="setsid sh -c 'sleep 301$tag & exit 0'; sleep 302$tag & "
agent+="/usr/bin/python3 -c 'import threading, time; [threading.Thread(target=time.sleep, args=(300,), daemon=True).start() for _ in range(3)]; time.sleep(300)' cgm$$ & "
agent+="/usr/bin/python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try: s.sendto(b\"x\", (\"127.0.0.1\", int(sys.argv[1])))
    except OSError: pass' $udp_port udp$$ & "
agent+="echo ran >$proj/ran; exec sleep 303$tag"
if [[ $MODE == daemon ]]; then
	$RUN --project "$proj" --policy offline --allow-degraded -- sh -c "$agent" \
		</dev/null >/dev/null 2>"$err" &
else
	$RUN --project "$proj" --policy offline --allow-degraded --audit-log "$log" \
		-- sh -c "$agent" </dev/null >/dev/null 2>"$err" &
fi
runner=$!
for ((i = 0; i < 200; i++)); do
	[[ -n $(pid_of "sleep 303$tag") && -n $(pid_of "sleep 301$tag") ]] && break
	sleep 0.05
done
check agent_ran test -s "$proj/ran"
main=$(pid_of "sleep 303$tag")
grandchild=$(pid_of "sleep 301$tag")
child=$(pid_of "sleep 302$tag")
threaded=$(pgrep -f -- "^/usr/bin/python3 -c import threading.* cgm$$\$" | head -n 1)
[[ -n $main && -n $grandchild && -n $child && -n $threaded ]] || {
	sed 's/^/# stderr: /' "$err"
	notok "targets_found (main=$main grandchild=$grandchild child=$child threaded=$threaded)"
	exit 1
}
session=$(sed -n 's/^0:://p' "/proc/$main/cgroup")
check main_in_session_cgroup test -n "$session" -a "$session" != /

# A child cgroup of the session: moves inside the session's subtree stay legal.
sub=$cg2$session/cordon-test-sub
if mkdir "$sub" 2>/dev/null; then
	check move_inside_session_works sh -c "echo $child >$sub/cgroup.procs"
	sleep 0.5
	check move_inside_session_lives alive "$child"
else
	ok "move_inside_session # SKIP the session cgroup takes no child cgroup"
fi

# The grandchild (setsid'ed, reparented): moved out, killed.
echo "$grandchild" >"$grab/cgroup.procs"
check grandchild_moved_out_killed dies "$grandchild"
check grandchild_escape_recorded escape_record "$grandchild" "${grab##*/}"

# A thread's id in cgroup.procs moves its whole process: killed, every thread.
thread=$(ls "/proc/$threaded/task" | grep -vx "$threaded" | head -n 1)
check thread_found test -n "$thread"
echo "$thread" >"$grab/cgroup.procs"
check threaded_moved_out_killed dies "$threaded"
check threaded_escape_recorded escape_record "$threaded" "${grab##*/}"

# The window between the move and the kill: a process sending UDP datagrams in a tight loop
# (refused by cgroup/sendmsg4 inside; Landlock has no UDP rules) is moved out. The kill lands
# after the move (the tracepoint fires once the move is done; before 6.13 the supervisor sends
# it), but a socket made inside the session stays judged by the session's rules whoever holds
# it: no datagram reaches the listener after the move either.
sender=$(pgrep -f -- "^/usr/bin/python3 -c import socket.* udp$$\$" | head -n 1)
if [[ -n $sender ]]; then
	# The sender's socket taken out of the session (pidfd_getfd, as root) is still the
	# session's: a datagram from a process outside is refused and recorded with the session's
	# rule, while a socket
	# made outside reaches the same listener (udp_outside_reaches_listener).
	stolen=$(/usr/bin/python3 - "$sender" "$udp_port" <<'PY'
import ctypes, errno, os, socket, sys
pid, port = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
pfd = os.pidfd_open(pid)
for fd in range(3, 64):
    n = libc.syscall(438, pfd, fd, 0)  # pidfd_getfd
    if n < 0:
        continue
    try:
        s = socket.socket(fileno=n)
    except OSError:
        os.close(n)
        continue
    if s.family == socket.AF_INET and s.type == socket.SOCK_DGRAM:
        break
else:
    print("no-socket", os.getpid())
    sys.exit(0)
try:
    s.sendto(b"y", ("127.0.0.1", port))
    print("sent", os.getpid())
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno), os.getpid())
PY
	)
	echo "# session socket used outside: $stolen"
	[[ -n ${CGMOVE_SHOW:-} ]] && grep "\"pid\":${stolen#* }" "$log"
	check session_socket_refused_outside test "${stolen% *}" = EPERM
	check session_socket_refusal_recorded /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r.get("event", {}).get("action") == "connect" and r["event"].get("outcome") == "failure"
            and str(r.get("process", {}).get("pid")) == sys.argv[2]
            and r.get("destination", {}).get("port") == int(sys.argv[3])
            and r.get("cordon", {}).get("rule_text", "").startswith("network.connect")):
        sys.exit(0)
sys.exit(1)' "$log" "${stolen#* }" "$udp_port"
	before=$(wc -l <"$udp_log")
	echo "$sender" >"$grab/cgroup.procs"
	check sender_moved_out_killed dies "$sender"
	sleep 0.2
	after=$(wc -l <"$udp_log")
	echo "# window: $((after - before)) datagram(s) reached the listener after the move"
	check udp_refused_before_move test "$before" -eq 0
	check udp_refused_after_move test "$after" -eq "$before"
else
	notok "udp_sender_found"
fi

# The agent's main process: killed, and the session ends with it.
echo "$main" >"$grab/cgroup.procs"
check main_moved_out_killed dies "$main"
for ((i = 0; i < 100; i++)); do
	alive "$runner" || break
	sleep 0.05
done
check session_ended sh -c "! kill -0 $runner 2>/dev/null"
wait "$runner" 2>/dev/null
runner=
check main_escape_recorded escape_record "$main" "${grab##*/}"
check nothing_left_in_grab test ! -s "$grab/cgroup.procs"
[[ -s $grab/cgroup.procs ]] && sed 's/^/# left: /' "$grab/cgroup.procs"
grep -q cgroup-escape "$log" 2>/dev/null || sed 's/^/# stderr: /' "$err"
if [[ -n ${CGMOVE_SHOW:-} ]]; then
	grep cgroup-escape "$log" | grep -o "\"cordon\":{[^}]*}"
fi
exit 0
