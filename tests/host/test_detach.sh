#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Detached sessions (process.lifetime: detached). Through the daemon (MODE=daemon): what the
# agent leaves (a setsid'ed double fork, a loopback server, a terminal reader) runs on after it
# exits, still confined and attributed to the session, without the developer's terminal, until
# `cordon end` kills it all. Root's own run and an unprivileged run without the daemon refuse
# such a policy at the start. Each attack is made outside first, where it must work. TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=detach${MODE:+-$MODE}/
session_setup detach
mode_setup
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
port=$((3000 + $$ % 900))
cat >"$proj/detach.yaml" <<EOF
name: detach-test
extends: agent
process:
  lifetime: detached
EOF
chown -R "$USER_NAME:" "$proj"
cleanup() {
	[[ -n ${SOCK:-} ]] && tmux -L "$SOCK" kill-server 2>/dev/null
	[[ -n ${outside_srv:-} ]] && kill "$outside_srv" 2>/dev/null
	pkill -u "$USER_NAME" -f 'sleep 30[3-9]' 2>/dev/null
	pkill -u "$USER_NAME" -f "detach-server.py" 2>/dev/null
	pkill -u "$USER_NAME" -f "detach-reader" 2>/dev/null
	rm -rf "$proj"
	mode_cleanup
}
trap cleanup EXIT

# --- root's own run, and an unprivileged run without a daemon: refused at the start -----------
if [[ ${MODE:-root} == root ]]; then
	$CORDON run --user "$USER_NAME" --project "$proj" --policy "$proj/detach.yaml" \
		--allow-degraded -- touch "$proj/ran-root" </dev/null 2>"$proj/root.err"
	rc=$?
	sed 's/^/# /' "$proj/root.err" | tail -n 3
	check root_run_refuses_detached_policy test "$rc" -ne 0
	check root_run_says_why grep -q 'detached session (process.lifetime: detached), which only the daemon keeps' "$proj/root.err"
	check root_run_started_nothing test ! -e "$proj/ran-root"
	(cd "$proj" && as_user env CORDON_SOCKET="$proj/no-daemon.sock" "$CORDON" run \
		--policy "$proj/detach.yaml" --allow-degraded -- touch "$proj/ran-user" \
		</dev/null 2>"$proj/user.err")
	rc=$?
	sed 's/^/# /' "$proj/user.err" | tail -n 3
	check unprivileged_run_refuses_detached_policy test "$rc" -ne 0
	check unprivileged_run_says_why grep -q 'only the daemon keeps; without the daemon' "$proj/user.err"
	check unprivileged_run_started_nothing test ! -e "$proj/ran-user"
	# The control: the same agent under a policy that does not ask for it runs.
	sed '/^process:/,$d' "$proj/detach.yaml" >"$proj/plain.yaml"
	$CORDON run --user "$USER_NAME" --project "$proj" --policy "$proj/plain.yaml" \
		--allow-degraded -- touch "$proj/ran-root" </dev/null 2>/dev/null
	check root_run_without_detach_runs test -e "$proj/ran-root"
	exit 0
fi

# --- through the daemon -----------------------------------------------------------------------
command -v tmux >/dev/null || { cannot suite "tmux is not installed"; exit 0; }
audit=$DAEMON_DIR/audit.jsonl
SOCK=cordon-detach-$$
T() { tmux -L "$SOCK" "$@"; }
screen() { T capture-pane -p -J -S -200 -t t; }
wait_for() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	screen | tail -n 15 | sed 's/^/# /'
	return 1
}
keys() { T send-keys -t t "$@"; }
ps_json() { as_user env CORDON_SOCKET="$DAEMON_DIR/run/sock" "$CORDON" ps --json; }

# The secret the server will be asked for, and an outside listener off the allowed ports.
echo 'TOKEN=hunter2' >"$proj/prod.env"
chown "$USER_NAME:" "$proj/prod.env"
chmod 600 "$proj/prod.env"
bad_port=$((port + 1000)) # 4000-4899: no rule of the agent policy allows it
cat >"$proj/detach-server.py" <<'EOF'
import socket, sys
port, bad = int(sys.argv[1]), int(sys.argv[2])
def answer(req):
    try:
        if req == "ping":
            return "pong"
        if req == "secret":
            open("prod.env").read()
            return "secret OK"
        if req == "connect":
            c = socket.create_connection(("127.0.0.1", bad), timeout=2)
            c.close()
            return "connect OK"
    except OSError as e:
        return "%s ERRNO %d" % (req, e.errno)
    return "?"
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4)
print("LISTENING", flush=True)
while True:
    c, _ = s.accept()
    req = c.recv(64).decode().strip()
    c.sendall((answer(req) + "\n").encode())
    c.close()
EOF
chown "$USER_NAME:" "$proj/detach-server.py"
ask() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    c.sendall(sys.argv[2].encode())
    print(c.makefile().readline().strip())
except OSError as e:
    print("ASK ERRNO", e.errno)
EOF
}
/usr/bin/python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $bad_port)); s.listen(8)
while True: s.accept()[0].close()" &
outside_srv=$!

# Outside cordon first: the server answers, reads the secret and reaches the outside listener.
(cd "$proj" && as_user /usr/bin/python3 detach-server.py "$port" "$bad_port" >/dev/null 2>&1 &)
sleep 0.7
check outside_server_answers test "$(ask "$port" ping)" = pong
check outside_server_reads_the_secret test "$(ask "$port" secret)" = "secret OK"
check outside_server_connects_off_the_allowed_ports test "$(ask "$port" connect)" = "connect OK"
pkill -u "$USER_NAME" -f detach-server.py
sleep 0.3

# The reader: reads its stdin (the agent's terminal) line by line into a file, forever.
cat >"$proj/detach-reader" <<EOF
#!/bin/sh
trap '' HUP
while :; do
	if IFS= read -r line; then echo "GOT:\$line" >>"$proj/keys.txt"; else sleep 0.2; fi
done
EOF
chmod 755 "$proj/detach-reader"
chown "$USER_NAME:" "$proj/detach-reader"
agent="(setsid sh -c 'sleep 303 & exit' &); "
agent+="nohup /usr/bin/python3 detach-server.py $port $bad_port >/dev/null 2>&1 & "
# fd 3: a shell's background job gets /dev/null for stdin unless told otherwise.
agent+="exec 3<&0; ./detach-reader <&3 3<&- & "
# A refusal of the agent's own, for the exit report.
agent+="cat prod.env >/dev/null 2>&1; echo AGENT-READY; sleep 4; exit 7"
T new-session -d -s t -x 160 -y 40 -c "$proj" "bash --norc --noprofile -i" || {
	notok "tmux_starts"
	exit 1
}
keys "PS1='outside$ '" Enter
check outside_shell_ready wait_for '^outside\$ ' 300
keys "$RUN --policy detach.yaml --allow-degraded -- sh -c \"$agent\" 2>cordon.err; echo RC=\$?" Enter
check agent_started wait_for '^AGENT-READY' 100
# The control: while the client is attached, the reader reads the session's terminal.
sleep 0.5
keys "typed-while-attached" Enter
check leftover_reads_the_terminal_while_attached sh -c \
	"for i in \$(seq 30); do grep -q '^GOT:typed-while-attached$' '$proj/keys.txt' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
check client_returns_the_agent_status wait_for '^RC=7$' 100
sed 's/^/# cordon: /' "$proj/cordon.err" | tail -n 4
id=$(sed -n 's/^cordon: session \([0-9a-f]*\) is detached: .*/\1/p' "$proj/cordon.err")
check exit_line_names_the_session test -n "$id"
check exit_line_counts_and_says_how grep -Eq "is detached: [3-9] process\(es\) left running, confined; \`cordon ps\` lists it, \`cordon end $id\` ends it" "$proj/cordon.err"
check start_line_says_detachable grep -q "^cordon: session $id (daemon) .* lifetime=detached" "$proj/cordon.err"
# The exit report, then the line.
check exit_report_still_printed sh -c "grep -A100 '^cordon: refused [0-9]* time(s)' '$proj/cordon.err' | grep -q 'is detached'"

# After the client left: typed keys reach the developer's shell, never the leftover reader.
keys "echo typed-after-exit" Enter
check typed_after_exit_reaches_the_shell wait_for '^typed-after-exit$'
sleep 0.5
check reader_still_running pgrep -u "$USER_NAME" -f detach-reader
check leftover_cannot_read_the_terminal_after_exit sh -c "! grep -q 'typed-after-exit' '$proj/keys.txt'"

# ps: listed, detached, its processes counted.
out=$(ps_json)
check ps_lists_it_detached /usr/bin/python3 -c "
import json, sys
s = [x for x in json.loads(sys.argv[1]) if x['session'].startswith(sys.argv[2])]
sys.exit(not (len(s) == 1 and s[0]['detached'] is True and len(s[0]['pids']) >= 4 and s[0]['age_s'] >= 0))" "$out" "${id:-none}"
check ps_table_marks_it sh -c "as_user() { setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups \"\$@\"; }; as_user env CORDON_SOCKET=$DAEMON_DIR/run/sock '$CORDON' ps | grep '^${id:0:12}' | grep -q '(detached)'"

# The leftovers run on, confined: the server answers, its refusals are the session's.
check setsid_leftover_survives_the_agent pgrep -u "$USER_NAME" -f 'sleep 303'
check server_still_answers test "$(ask "$port" ping)" = pong
out=$(ask "$port" secret)
echo "# secret: $out"
check server_secret_refused_after_detach sh -c "echo '$out' | grep -Eq '^secret ERRNO (1|2|13)$'"
out=$(ask "$port" connect)
echo "# connect: $out"
check server_connect_refused_after_detach sh -c "echo '$out' | grep -Eq '^connect ERRNO (1|13)$'"
sleep 1
records() {
	/usr/bin/python3 - "$audit" "${id:-none}" "$@" <<'EOF'
import json, sys
log, sid, what = sys.argv[1], sys.argv[2], sys.argv[3]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if not c.get("session", "").startswith(sid):
        continue
    a = r.get("event", {}).get("action")
    if what == "secret" and "prod.env" in (r.get("file", {}).get("path") or "") and r.get("event", {}).get("outcome") == "failure":
        sys.exit(0)
    # Landlock (ABI 4+) refuses first, a syscall-connect record; else the cgroup program's connect.
    if what == "connect" and a in ("connect", "syscall-connect") and r.get("destination", {}).get("port") == int(sys.argv[4]) and r.get("event", {}).get("outcome") == "failure":
        sys.exit(0)
    if what == "end" and a == "session-end" and c.get("detached") is True and c.get("reason") == sys.argv[4]:
        sys.exit(0)
sys.exit(1)
EOF
}
check secret_refusal_recorded_for_the_session records secret
check connect_refusal_recorded_for_the_session records connect "$bad_port" || grep "${id:-none}" "$audit" | /usr/bin/python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); print('#', r['event'].get('action'), r['event'].get('outcome'), r.get('cordon', {}).get('layer'), r.get('destination'), r.get('file', {}).get('path'))"

# cordon end PREFIX kills them all (the setsid'ed double fork included) and writes session-end.
check cordon_end_by_prefix as_user env CORDON_SOCKET="$DAEMON_DIR/run/sock" "$CORDON" end "${id:0:8}"
sleep 0.5
check end_killed_the_setsid_leftover sh -c "! pgrep -u $USER_NAME -f 'sleep 303'"
check end_killed_the_server sh -c "! pgrep -u $USER_NAME -f detach-server.py"
check end_killed_the_reader sh -c "! pgrep -u $USER_NAME -f detach-reader"
check server_gone test "$(ask "$port" ping)" != pong
check ps_no_longer_lists_it sh -c "! echo '$(ps_json)' | grep -q '${id:-none}'"
check session_end_detached_and_who_ended_it records end "ended by uid $(id -u "$USER_NAME")"

# A detached session also ends by itself when its last leftover exits.
keys "$RUN --policy detach.yaml --allow-degraded -- sh -c '(sleep 2 &); exit 0' 2>cordon2.err; echo RC2=\$?" Enter
check short_leftover_client_returns wait_for '^RC2=0$' 100
id2=$(sed -n 's/^cordon: session \([0-9a-f]*\) is detached: .*/\1/p' "$proj/cordon2.err")
check short_leftover_detached test -n "$id2"
sleep 3
check short_leftover_session_ended sh -c "! echo '$(ps_json)' | grep -q '${id2:-none}'"
id=$id2 check session_end_empty_detached records end empty

# Nothing left: no detach line, the session ends with its agent.
keys "$RUN --policy detach.yaml --allow-degraded -- true 2>cordon3.err; echo RC3=\$?" Enter
check nothing_left_client_returns wait_for '^RC3=0$' 100
check nothing_left_no_detach_line sh -c "! grep -q 'is detached' '$proj/cordon3.err'"

# Half a terminal (stdin a terminal, stdout a pipe): the pty stands in for stdin, so nothing of
# the session holds the developer's terminal and the run goes ahead (it was refused when only
# both ends together got a pty); the same command with a pipe on both ends runs too.
keys "$RUN --policy detach.yaml --allow-degraded -- sh -c 'test -t 0 && touch ran-tty' 2>cordon6.err | cat; echo RC6=\${PIPESTATUS[0]}" Enter
check half_terminal_client_returns wait_for '^RC6=0$' 100
check half_terminal_not_refused sh -c "! grep -q 'would keep your terminal' '$proj/cordon6.err'"
check half_terminal_agent_ran_on_a_pty test -e "$proj/ran-tty"
keys "echo | $RUN --policy detach.yaml --allow-degraded -- touch ran-pipe 2>/dev/null | cat; echo RC7=\${PIPESTATUS[1]}" Enter
check no_terminal_runs wait_for '^RC7=0$' 100
check no_terminal_agent_ran test -e "$proj/ran-pipe"

# Non-detached (the agent policy): leftovers are killed when the agent exits.
keys "$RUN --policy agent --allow-degraded -- sh -c \"(setsid sh -c 'sleep 304 & exit' &); sleep 0.3\" 2>cordon4.err; echo RC4=\$?" Enter
check plain_client_returns wait_for '^RC4=0$' 100
sleep 0.5
check plain_policy_kills_leftovers sh -c "! pgrep -u $USER_NAME -f 'sleep 304'"
check plain_policy_no_detach_line sh -c "! grep -q 'is detached' '$proj/cordon4.err'"

# A site floor with process.lifetime: agent forbids detaching: the leftover dies with the agent.
printf 'name: floor\nprocess:\n  lifetime: agent\n' >"$DAEMON_DIR/no-floor.yaml"
kill -HUP "$DAEMON_PID" # the daemon takes the policy set and floor anew on SIGHUP
sleep 1
keys "$RUN --policy detach.yaml --allow-degraded -- sh -c \"(setsid sh -c 'sleep 305 & exit' &); sleep 0.3\" 2>cordon5.err; echo RC5=\$?" Enter
check floor_client_returns wait_for '^RC5=0$' 100
sleep 0.5
check floor_agent_lifetime_kills_leftovers sh -c "! pgrep -u $USER_NAME -f 'sleep 305'"
check floor_no_detach_line sh -c "! grep -q 'is detached' '$proj/cordon5.err'"
rm -f "$DAEMON_DIR/no-floor.yaml"
check daemon_audit_log_validates /usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py" "$audit"
