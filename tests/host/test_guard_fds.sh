#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fanotify guard (enforce/fanotify.c: a child of the launcher outside the session, which
# outlives it by its own exit) holds none of the caller's descriptors: a caller reading cordon's
# output through a pipe gets EOF when cordon exits, not when the guard's exit has waited for the
# fanotify group's teardown. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=guard_fds/
session_setup guardfds
mode_setup
out=$(mktemp -u /tmp/cordon-guardfds.XXXXXX)
mkfifo "$out"
cleanup() {
	[[ -n ${launcher:-} ]] && kill "$launcher" 2>/dev/null
	rm -rf "$proj" "$out"
}
trap cleanup EXIT

# The caller's stdout and stderr: one pipe (a fifo, read below), the agent asleep meanwhile.
$RUN --policy offline --project "$proj" -- sh -c 'echo started; sleep 3' >"$out" 2>&1 &
launcher=$!
exec 3<"$out"
# cordon's own lines on stderr come first.
line=
while read -r -t 10 line <&3 && [[ $line != started ]]; do :; done
check agent_ran test "$line" = started
pipe=$(readlink "/proc/$launcher/fd/1")
check launcher_writes_the_pipe test "$pipe" = "$out"

# The guard: the launcher's child outside the session's cgroup (the session's init is inside).
guard=
for c in $(pgrep -P "$launcher"); do
	grep -q '/cordon/' "/proc/$c/cgroup" 2>/dev/null || guard=$c
done
check guard_found test -n "$guard"
held=$(for f in /proc/"$guard"/fd/*; do readlink "$f"; done 2>/dev/null | grep -cxF "$pipe")
check guard_holds_no_caller_pipe test "$held" = 0
check guard_holds_fanotify_group sh -c "ls -l /proc/$guard/fd | grep -q 'anon_inode:\[fanotify\]'"
wait "$launcher"
check launcher_status_0 test $? = 0
launcher=
exec 3<&-
