#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent's terminal, driven as a developer would through tmux (send-keys, capture-pane): an
# interactive shell under `cordon run` has a pty of its own with job control; Ctrl-C reaches the
# foreground job inside `bash -c` and `make`, Ctrl-Z stops the job and never cordon, a resize
# reaches a grandchild, TIOCSTI is refused, the exit status comes back. Prints TAP.
set -uo pipefail

# Run from `make check`: the make under test is not a sub-make of it.
unset MAKELEVEL MAKEFLAGS MFLAGS
SOCK=cordon-term-$$

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=terminal${MODE:+-$MODE}/
need_root
command -v tmux >/dev/null || { cannot suite "tmux is not installed"; exit 0; }
session_setup term
mode_setup
shm_marker=$(mktemp /dev/shm/cordon-term.XXXXXX)
chmod 644 "$shm_marker"
# cordon's own messages (the agent's stderr is its pty): shown when the session did not start.
errlog=$(mktemp /tmp/cordon-term-err.XXXXXX)
chmod 666 "$errlog"
printf 'all:\n\tsleep 300\n\techo MAKE-NOT-INTERRUPTED\n' >"$proj/Makefile"
chown -R "$USER_NAME:" "$proj"
T() { tmux -L "$SOCK" "$@"; }
cleanup() {
	T kill-server 2>/dev/null
	pkill -u "$USER_NAME" -f 'sleep (200|300)' 2>/dev/null
	rm -rf "$proj" "$shm_marker" "$errlog"
	mode_cleanup
}
trap cleanup EXIT

screen() { T capture-pane -p -J -S -200 -t t; }
# Wait until the pane shows a line matching the extended regex $1 (5 s by default).
wait_for() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	# The pane's trailing blank rows say nothing: show the last lines written.
	screen | grep -v '^[[:space:]]*$' | tail -n 15 | sed 's/^/# /'
	return 1
}
keys() { T send-keys -t t "$@"; }
# Type a command line and wait for the marker it echoes.
run_line() { keys "$1; echo MARK-$2-\$?" Enter && wait_for "^MARK-$2-"; }

T new-session -d -s t -x 120 -y 40 -c "$proj" "bash --norc --noprofile -i" || {
	notok "tmux_starts"
	exit 1
}
keys "PS1='outside$ '" Enter
# The shell is up before anything is typed at it (a loaded machine starts it slowly).
check outside_shell_ready wait_for '^outside\$ ' 300

# Outside cordon first: the developer's other terminals are listed (a second tmux window is one),
# TIOCSTI into the own terminal works (dev.tty.legacy_tiocsti is 1 on this host; it injects a
# harmless space), so the refusals below prove something.
T new-window -d -t t: "sleep 600"
n=$(ls /dev/pts | grep -c '^[0-9]')
[[ $n =~ ^[0-9]+$ ]] && ((n >= 2)) && ok "outside_lists_host_terminals ($n)" ||
	notok "outside_lists_host_terminals ($n)"
sti='import fcntl, sys, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b" ")
    print("STI-OK")
except OSError as e:
    print("STI-ERRNO-%d" % e.errno)'
printf '%s\n' "$sti" >"$proj/sti.py"
# The result goes to a file as well as to the screen: the check must not depend on reading a pane
# that a loaded machine redraws late.
run_line '/usr/bin/python3 sti.py | tee sti.out' outside-sti
wait_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# $2: $(cat "$2" 2>&1)"
	screen | grep -v '^[[:space:]]*$' | tail -n 15 | sed 's/^/# /'
	return 1
}
check outside_tiocsti_works wait_file '^STI-OK$' "$proj/sti.out"

# The agent: an interactive bash under cordon.
# cordon's own lines go to $errlog; the agent's stderr stays the terminal (its prompt is
# there): a redirected stderr is the agent's too, and the pty stands only for the terminals.
keys "cd $proj; $RUN --policy offline --allow-degraded -- sh -c 'exec bash --norc -i 2>/dev/tty' 2>$errlog; echo CORDON-EXIT-\$?" Enter
keys "PS1='agent$ '" Enter
check shell_starts wait_for '^agent\$ ' 100
# Everything below must run inside the session: its cgroup and its seccomp filter say so.
run_line 'grep -c "^Seccomp:[[:space:]]*2" /proc/self/status; grep -oE "/cordon[^/]*/[0-9a-f]+" /proc/self/cgroup' confined
check shell_is_confined wait_for '^/cordon[^/]*/[0-9a-f]+' || sed 's/^/# cordon: /' "$errlog"

run_line 'tty' tty
check agent_has_a_pty_of_its_own wait_for '^/dev/pts/0$'
run_line 'ls /dev/pts | tr "\n" " "; echo' pts
check other_terminals_are_not_visible wait_for '^0 ptmx $'
# /dev/shm is the session's own: the host's shared memory is not there, its own works.
check host_shm_visible_outside test -e "$shm_marker"
run_line "test ! -e $shm_marker && echo x > /dev/shm/mine && cat /dev/shm/mine" shm
check shm_is_private wait_for '^MARK-shm-0$'
run_line 'test -t 0 && test -t 1 && test -t 2 && [[ $- == *m* ]]' jobctl
check job_control_on wait_for '^MARK-jobctl-0$'

# The markers are assembled at run time, so the typed command line never matches them.
keys "bash -c 'sleep 300; echo BASH-C-NOT-\"INTERRUPTED\"'" Enter
sleep 0.7
keys C-c
check ctrl_c_stops_sleep_inside_bash_c run_line 'true' after-bash-c
check ctrl_c_stopped_it_before_its_end sh -c \
	"! tmux -L $SOCK capture-pane -p -J -S -200 -t t | grep -q '^BASH-C-NOT-INTERRUPTED$'"

keys "make" Enter
sleep 0.7
keys C-c
check ctrl_c_stops_make run_line 'true' after-make
check make_reports_it_stopped wait_for '^(\^C)?make(\[[0-9]+\])?: \*\*\* '
check make_did_not_go_on sh -c \
	"! tmux -L $SOCK capture-pane -p -J -S -200 -t t | grep -q '^MAKE-NOT-INTERRUPTED$'"

keys "sleep 200" Enter
sleep 0.5
keys C-z
check ctrl_z_stops_the_job wait_for 'Stopped +sleep 200'
run_line 'echo SHELL-ALIVE' alive
check cordon_itself_is_not_stopped wait_for '^SHELL-ALIVE$'
keys "fg" Enter
check fg_resumes_the_job wait_for '^sleep 200$'
sleep 0.3
keys C-c
run_line 'jobs | wc -l' jobs
check job_ended_after_fg_and_ctrl_c wait_for '^0$'

T resize-window -t t -x 91 -y 27
sleep 0.5
run_line "bash -c 'bash -c \"stty size\"'" size
check resize_reaches_a_grandchild wait_for '^27 91$'

run_line '/usr/bin/python3 sti.py' inside-sti
check tiocsti_is_refused wait_for '^STI-ERRNO-1$'
check tiocsti_inside_ran_confined sh -c \
	"tmux -L $SOCK capture-pane -p -J -S -200 -t t | grep -B3 '^MARK-inside-sti-' | grep -q STI-ERRNO"

keys "exit 7" Enter
check exit_status_is_the_agents wait_for '^CORDON-EXIT-7$'
T resize-window -t t -x 120 -y 40

# Without a terminal on stdin, stdin stays the pipe it is (stdout, the terminal, is the pty).
run_line "echo | $RUN --policy offline --allow-degraded -- sh -c 'test -t 0 || echo NO-TTY-STDIN' 2>/dev/null" nopty
check no_pty_without_a_terminal wait_for '^NO-TTY-STDIN$'

# A signal sent to cordon reaches the agent's whole process group, not only its main process:
# the shell's child `sleep` dies at once, the shell runs its trap and goes on. Were only the
# shell signalled, it would wait for `sleep` for 300 s before running the trap.
$RUN --project "$proj" --policy offline --allow-degraded -- \
	sh -c 'trap "echo TRAPPED" TERM; sleep 300; echo AFTER-SLEEP-$?' </dev/null \
	>"$proj/sig.out" 2>/dev/null &
cpid=$!
for ((i = 0; i < 50; i++)); do
	pgrep -u "$USER_NAME" -fx 'sleep 300' >/dev/null && break
	sleep 0.1
done
pgrep -u "$USER_NAME" -fx 'sleep 300' >/dev/null && ok "signal_target_started" ||
	notok "signal_target_started"
kill -TERM "$cpid"
for ((i = 0; i < 50; i++)); do
	kill -0 "$cpid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$cpid" 2>/dev/null && kill -KILL "$cpid"
wait "$cpid" 2>/dev/null
check sigterm_to_cordon_reaches_the_agents_job grep -q '^AFTER-SLEEP-143$' "$proj/sig.out"
exit 0
