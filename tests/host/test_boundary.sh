#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The session boundary on the host tier: another program's socket in /tmp (a tmux server of the
# same user), outside processes of the same user (signal, prlimit, setpriority, affinity, their
# /proc entries) and a setsid'ed, double-forked leftover. Each attack is made outside cordon
# first, where it must work, then inside, where the object must not exist for the agent; the
# leftover must be gone when the agent exits, as root (--user) and unprivileged. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=boundary${MODE:+-$MODE}/
command -v tmux >/dev/null || { notok "suite (tmux is not installed)"; exit 0; }
session_setup boundary
mode_setup
sock=/tmp/cordon-boundary-tmux-$$.sock
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
# Inside: the agent policy without its network, as root drops to the user.
inside() {
	$RUN --project "$proj" --policy offline --allow-degraded \
		-- "$@" </dev/null 2>"$proj/cordon.err"
}
inside_unprivileged() {
	(cd "$proj" && as_user "$CORDON" run --policy offline --allow-degraded -- "$@" \
		</dev/null 2>"$proj/cordon.err")
}
cleanup() {
	as_user tmux -S "$sock" kill-server 2>/dev/null
	pkill -u "$USER_NAME" -x ssh-agent 2>/dev/null
	rm -f "${agent_sock:-}"
	[[ -n ${victim:-} ]] && kill "$victim" 2>/dev/null
	pkill -u "$USER_NAME" -f 'sleep 30[12]' 2>/dev/null
	rm -rf "$proj" "$sock" /root/cordon-boundary-$$
	mode_cleanup
}
trap cleanup EXIT

# --- another program's socket: the developer's tmux server in /tmp ---------------------------
as_user tmux -S "$sock" new-session -d "sleep 600"
check tmux_outside_lists_its_session sh -c "setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups tmux -S $sock list-sessions >/dev/null"
probe='import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("CONNECTED")
except OSError as e:
    print("ERRNO", e.errno)'
out=$(inside /usr/bin/python3 -c "$probe" "$sock")
check tmux_socket_does_not_exist_inside test "$out" = "ERRNO 2"
out=$(inside sh -c "tmux -S $sock list-sessions 2>&1; echo rc=\$?")
check tmux_client_inside_reaches_no_server sh -c "echo '$out' | grep -q 'rc=1' &&
	! echo '$out' | grep -q '^[0-9]*: '"

# --- the developer's ssh-agent in /tmp, named by SSH_AUTH_SOCK in the launcher's environment -
agent_sock=/tmp/cordon-boundary-ssh-$$.sock
as_user ssh-agent -a "$agent_sock" >/dev/null
# ssh-add -l: 0 (keys) or 1 (none) once connected, 2 when it cannot reach the agent.
as_user env SSH_AUTH_SOCK="$agent_sock" ssh-add -l >/dev/null 2>&1
check ssh_agent_outside_answers test $? -le 1
# Named inside too, whatever the environment scrub keeps: only reaching the agent can fail.
inside sh -c "SSH_AUTH_SOCK=$agent_sock ssh-add -l >/dev/null 2>&1; echo rc=\$?" >"$proj/ssh.out"
check ssh_agent_unreachable_inside grep -q '^rc=2$' "$proj/ssh.out"

# --- outside processes of the same user --------------------------------------------------------
setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups sleep 302 &
victim=$!
sleep 0.2
attacks='import os, resource, sys
pid = int(sys.argv[1])
def attempt(name, f):
    try:
        f(); print(name, "OK")
    except OSError as e:
        print(name, "ERRNO", e.errno)
attempt("kill", lambda: os.kill(pid, 0))
attempt("prlimit", lambda: resource.prlimit(pid, resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)))
attempt("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, pid, 5))
attempt("affinity", lambda: os.sched_setaffinity(pid, {0}))
attempt("cmdline", lambda: open("/proc/%d/cmdline" % pid).read())'
out=$(as_user /usr/bin/python3 -c "$attacks" "$victim")
printf "%s\n" "$out" | sed "s/^/# outside: /"
for a in kill prlimit setpriority affinity cmdline; do
	check "${a}_outside_works" sh -c "echo '$out' | grep -q '^$a OK$'"
done
out=$(inside /usr/bin/python3 -c "$attacks" "$victim")
for a in kill prlimit setpriority affinity; do
	check "${a}_of_outside_process_inside_ESRCH" sh -c "echo '$out' | grep -q '^$a ERRNO 3$'"
done
check cmdline_of_outside_process_inside_ENOENT sh -c "echo '$out' | grep -q '^cmdline ERRNO 2$'"
check victim_unharmed kill -0 "$victim"
out=$(inside sh -c 'ps -e -o pid= | wc -l')
check inside_sees_only_its_own_processes test "${out// /}" -le 4

# --- the same, unprivileged where user namespaces are refused (Ubuntu's AppArmor restriction,
# containers): no mount or pid namespace, so the outside process is in sight. Landlock refuses
# the signal; seccomp refuses naming any process but the caller for limits, priority and CPUs;
# its /proc entries stay readable, a gap the start line lists. The agent's own calls still work.
if [[ ${MODE:-root} == root ]]; then
	# The build's, beside the test: $CORDON may be another binary (the sanitizer build's).
	nouserns=$(realpath "$O/tests/host/no_userns")
	own='import os, resource
resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); print("own_setrlimit OK")
os.setpriority(os.PRIO_PROCESS, 0, 3); print("own_nice OK")
os.sched_setaffinity(0, os.sched_getaffinity(0)); print("own_affinity OK")'
	out=$(cd "$proj" && as_user "$nouserns" "$CORDON" run --policy offline --allow-degraded \
		-- sh -c "/usr/bin/python3 -c '$attacks' $victim; /usr/bin/python3 -c '$own'" \
		</dev/null 2>"$proj/cordon.err")
	printf "%s\n" "$out" | sed "s/^/# no userns: /"
	check nouserns_session_has_no_pid_namespace grep -q 'session: its own /tmp, terminals' \
		"$proj/cordon.err"
	check nouserns_kill_of_outside_process_EPERM sh -c "echo '$out' | grep -q '^kill ERRNO 1$'"
	for a in prlimit setpriority affinity; do
		check "nouserns_${a}_of_outside_process_EPERM" \
			sh -c "echo '$out' | grep -q '^$a ERRNO 1$'"
	done
	for a in own_setrlimit own_nice own_affinity; do
		check "nouserns_${a}_works" sh -c "echo '$out' | grep -q '^$a OK$'"
	done
	check nouserns_victim_unharmed kill -0 "$victim"
fi

# --- leftovers: a setsid'ed, double-forked process dies with the agent ------------------------
leftover='(setsid sh -c "sleep 301 & exit" &); sleep 0.3'
as_user sh -c "$leftover"
sleep 0.3
check leftover_outside_survives sh -c "pgrep -u $USER_NAME -f 'sleep 301' >/dev/null"
pkill -u "$USER_NAME" -f 'sleep 301'
inside sh -c "$leftover"
sleep 0.3
check "leftover_killed_at_exit_${MODE:-root}_mode" sh -c "! pgrep -u $USER_NAME -f 'sleep 301'"
pkill -u "$USER_NAME" -f 'sleep 301'
if [[ ${MODE:-root} == root ]]; then
	# Root's own sessions are listed by `cordon ps`, to root and to their user, while they run.
	inside sh -c 'sleep 3' &
	ps_pid=$!
	sleep 1
	check root_session_listed_by_ps sh -c "'$CORDON' ps --json | grep -q '\"root_run\":true'"
	check root_session_listed_to_its_user sh -c \
		"as_user() { setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups \"\$@\"; }; as_user '$CORDON' ps --json | grep -q '\"user\":\"$USER_NAME\"'"
	wait "$ps_pid"
	check root_session_unlisted_after_its_end sh -c "! '$CORDON' ps --json 2>/dev/null | grep -q '\"root_run\":true'"
fi
if [[ ${MODE:-root} == daemon ]]; then
	# A project the user cannot enter (in root's 0700 home) is refused, never entered as root
	# on the user's behalf: outside the user cannot read there, inside the launch fails.
	mkdir -p /root/cordon-boundary-$$ && echo ROOTS-FILE >/root/cordon-boundary-$$/f
	chmod 755 /root/cordon-boundary-$$ && chmod 644 /root/cordon-boundary-$$/f
	check root_home_closed_outside sh -c \
		"! setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups cat /root/cordon-boundary-$$/f 2>/dev/null"
	out=$($RUN --project /root/cordon-boundary-$$ --policy offline --allow-degraded -- cat f \
		</dev/null 2>"$proj/cordon.err")
	check project_user_cannot_enter_is_refused sh -c \
		"[ -z '$out' ] && grep -q 'project directory' '$proj/cordon.err'"
elif inside_unprivileged sh -c "$leftover"; then
	sleep 0.3
	check leftover_killed_at_exit_unprivileged sh -c "! pgrep -u $USER_NAME -f 'sleep 301'"
else
	sed 's/^/# /' "$proj/cordon.err"
	notok "leftover_killed_at_exit_unprivileged (cordon run failed)"
fi
exit 0
