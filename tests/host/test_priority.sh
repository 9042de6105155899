#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# cordon's readers run ahead of the sessions they record (enforce.h CORDON_SUPERVISOR_NICE), and
# the agent keeps the priority of whoever started it: `nice -n 7 cordon run` runs the agent at 7
# (root's run, and through the daemon, whose own priority is raised), never at cordon's -10.
# MODE=daemon for the daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=priority/$MODE/
need_root
session_setup priority
mode_setup
cleanup() {
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
nice_of() { awk '{print $19}' "/proc/$1/stat" 2>/dev/null; }

# The agent writes its own nice value, then waits until the test has read cordon's.
(cd "$proj" && nice -n 7 $RUN --quiet --policy offline --allow-degraded --project "$proj" -- \
	sh -c "awk '{print \$19}' /proc/self/stat >$proj/agent-nice; sleep 3") </dev/null \
	>/dev/null 2>"$proj.err" &
client=$!
reader=
for ((i = 0; i < 100; i++)); do
	[[ -s $proj/agent-nice ]] && break
	sleep 0.1
done
check agent_ran test -s "$proj/agent-nice"
check agent_at_its_callers_priority test "$(cat "$proj/agent-nice" 2>/dev/null)" = 7
if [[ $MODE == daemon ]]; then
	reader=$DAEMON_PID
	# The spawn worker supervising this agent: the daemon's child, in no session.
	worker=$(pgrep -P "$DAEMON_PID" | head -n 1)
	check worker_ahead_of_its_agent test "$(nice_of "$worker")" = -10
else
	# root's cordon run itself (nice execs it), not the session's init it forked (also cordon)
	exe=$(readlink -f "$CORDON")
	for p in $(pgrep -f -- "--project $proj --"); do
		parent=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
		[[ $(readlink "/proc/$p/exe") == "$exe" && $(readlink "/proc/$parent/exe") != "$exe" ]] &&
			reader=$p
	done
fi
echo "# reader $reader at $(nice_of "$reader"), agent at $(cat "$proj/agent-nice" 2>/dev/null)"
check reader_ahead_of_the_session test "$(nice_of "$reader")" = -10
wait "$client"
rc=$?
sed 's/^/# stderr: /' "$proj.err"
check session_ended_cleanly test "$rc" -eq 0
rm -f "$proj.err"
