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
# (refused by cgroup/sendmsg4 inside; Landlock has no UDP rules) is moved out; what reaches the
# listener after the move is what the window let through. With the in-kernel kill (6.13+) it
# is at most a datagram already inside the kernel at the move.
sender=$(pgrep -f -- "^/usr/bin/python3 -c import socket.* udp$$\$" | head -n 1)
if [[ -n $sender ]]; then
	before=$(wc -l <"$udp_log")
	echo "$sender" >"$grab/cgroup.procs"
	check sender_moved_out_killed dies "$sender"
	sleep 0.2
	after=$(wc -l <"$udp_log")
	echo "# window: $((after - before)) datagram(s) reached the listener after the move"
	check udp_refused_before_move test "$before" -eq 0
	if grep -q '"killed_in_kernel":true' "$log" 2>/dev/null; then
		check udp_window_closed_in_kernel test $((after - before)) -le 1
	fi
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
