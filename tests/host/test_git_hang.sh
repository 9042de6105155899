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
