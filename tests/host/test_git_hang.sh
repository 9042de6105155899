#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A repository whose config never ends (include.path naming a FIFO): git, asked as the user for
# the work tree's hooks directory when the session starts, would wait forever. Outside, git
# hangs on it. Inside, the launch asks git with a bound and goes on (the hooks path is then the
# end-of-session sweep's, and the start says so); through the daemon the walk runs in a child of
# its own, so the daemon answers everyone else meanwhile: `cordon ps` is answered before this
# session is even created. MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=git_hang/$MODE/
session_setup githang
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
cleanup() {
	[[ -n ${bg:-} ]] && kill "$bg" 2>/dev/null && wait "$bg" 2>/dev/null
	# A git left hanging on this suite's FIFO (a failure above) is this suite's own.
	for p in $(pgrep -f -- "git -C $proj " 2>/dev/null); do kill -9 "$p"; done
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
as_user sh -c "cd '$proj' && git init -q && mkfifo never && git config include.path '$proj/never'"

timeout 3 setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups env HOME="$home" \
	git -C "$proj" rev-parse --git-path hooks >/dev/null 2>&1
check outside_git_hangs_on_the_config test $? -eq 124

out=$proj.out
err=$proj.err
(cd "$proj" && $RUN --policy agent --project "$proj" -- sh -c 'echo RAN' </dev/null >"$out" \
	2>"$err") &
bg=$!
if [[ $MODE == daemon ]]; then
	sleep 0.5
	# The walk waits on git (bounded at 3 s): the daemon's loop does not.
	as_user env CORDON_SOCKET="$DAEMON_DIR/run/sock" timeout 10 "$CORDON" ps >/dev/null 2>&1
	ps_rc=$?
	created=$(grep -c "policy agent for uid" "$DAEMON_DIR/daemon.log")
	check daemon_answers_during_the_walk test "$ps_rc" -eq 0
	check answered_before_the_session_was_created test "$created" -eq 0
fi
wait "$bg"
rc=$?
bg=
check session_ran grep -qx RAN "$out"
check session_exit_status test "$rc" -eq 0
check start_says_hooks_unknown grep -q "did not say their hooks directory" "$err" ||
	sed 's/^/# /' "$err"
rm -f "$out" "$err"

# Through the daemon, the session is begun (its cgroup, its sessions-map entry, its state file)
# while the walk runs. A walk that fails (here: the daemon is stopped while git hangs) refuses
# the spawn, says why, and leaves nothing of that session: no cgroup under the daemon's root, no
# state file of a session not ended.
if [[ $MODE == daemon ]]; then
	# The first session's own end (its cgroup emptied) is the daemon's, a moment after.
	for ((i = 0; i < 50; i++)); do
		[[ -z $(find "$DAEMON_CGROUP" -mindepth 1 -type d 2>/dev/null) ]] && break
		sleep 0.1
	done
	(cd "$proj" && $RUN --policy agent --project "$proj" -- sh -c 'echo RAN' </dev/null \
		>"$out" 2>"$err") &
	bg=$!
	sleep 0.5
	during=$(find "$DAEMON_CGROUP" -mindepth 1 -maxdepth 1 -type d | wc -l)
	kill "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	wait "$bg"
	rc=$?
	bg=
	check walk_stopped_session_begun_meanwhile test "$during" -eq 1
	check walk_stopped_refused test "$rc" -ne 0
	check walk_stopped_never_ran test ! -s "$out"
	check walk_stopped_says_why grep -q "the daemon is stopping" "$err" || sed 's/^/# /' "$err"
	left=$(find "$DAEMON_CGROUP" -mindepth 1 -type d | wc -l)
	check walk_stopped_no_cgroup_left test "$left" -eq 0
	check walk_stopped_no_live_state_file \
		test -z "$(grep -L '"ended":true' "$DAEMON_DIR"/run/sessions/*.json 2>/dev/null)"
	# Nor the git the walk waited on (it would hang on the FIFO for ever, holding what it
	# inherited): the walker's process group is killed with it.
	sleep 0.2
	hung=$(pgrep -f -- "git -C $proj " | wc -l)
	check walk_stopped_no_git_left test "$hung" -eq 0
	rm -f "$out" "$err"

	# A daemon killed (SIGKILL) while a walk runs leaves the begun session's state file: the
	# next daemon adopts the session, finds its cgroup empty and ends it. Nothing is left.
	daemon_start "$DAEMON_DIR/daemon2.log"
	daemon_ready
	(cd "$proj" && $RUN --policy agent --project "$proj" -- sh -c 'echo RAN' </dev/null \
		>"$out" 2>"$err") &
	bg=$!
	# Killed once the session is begun and its state written (git hangs for 3 s meanwhile).
	for ((i = 0; i < 20; i++)); do
		[[ -n $(grep -L '"ended":true' "$DAEMON_DIR"/run/sessions/*.json 2>/dev/null) ]] &&
			break
		sleep 0.1
	done
	during=$(find "$DAEMON_CGROUP" -mindepth 1 -maxdepth 1 -type d | wc -l)
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	wait "$bg"
	rc=$?
	bg=
	check walk_crashed_session_begun_meanwhile test "$during" -eq 1
	check walk_crashed_refused test "$rc" -ne 0
	check walk_crashed_never_ran test ! -s "$out"
	# The orphaned walker ends by itself: its git is bounded (3 s), then its write fails.
	for ((i = 0; i < 50; i++)); do
		[[ -z $(pgrep -f -- "git -C $proj ") ]] && break
		sleep 0.1
	done
	rm -f "$DAEMON_DIR/run/sock"
	daemon_start "$DAEMON_DIR/daemon3.log"
	daemon_ready
	left=$(find "$DAEMON_CGROUP" -mindepth 1 -type d | wc -l)
	check walk_crashed_next_daemon_ends_it test "$left" -eq 0 ||
		sed 's/^/# /' "$DAEMON_DIR/daemon3.log"
	check walk_crashed_no_live_state_file \
		test -z "$(grep -L '"ended":true' "$DAEMON_DIR"/run/sessions/*.json 2>/dev/null)"
	rm -f "$out" "$err"
fi
