#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An agent user whose home does not exist (a system user's /nonexistent): the first-run
# preparation of the home (user/lib/enforce/home.c) says so without forking its child, and the
# session still runs; nothing is made at or above the home, by root or as the user. The variants
# that must still go through the child as the user: a home that exists but is empty (the write
# trees are made, the user's own), a home the user cannot write (the child's mkdir is refused,
# EACCES: root makes nothing for it), and a home that is a dangling symlink (missing like a
# missing home: nothing is made at its target). MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=home_missing/$MODE/
session_setup homemissing
USER_NAME=cordon-nohome
home=/nonexistent-cordon-nohome
target=/tmp/cordon-nohome-target
id "$USER_NAME" >/dev/null 2>&1 || useradd -M -U -d "$home" -s /bin/sh "$USER_NAME" || exit 1
[[ $(getent passwd "$USER_NAME" | cut -d: -f6) == "$home" ]] || {
	notok "suite (the user's home is not $home)"
	exit 1
}
chown "$USER_NAME:" "$proj"
mode_setup
audit_log_setup homemissing
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$home" "$target"
}
trap cleanup EXIT
rm -rf "$home" "$target"

err=$logdir/err
run_agent() {
	(cd "$proj" && $RUN --policy offline "${logopt[@]}" -- /bin/sh -c 'echo RAN' \
		</dev/null 2>"$err")
}
said() { grep -q "preparing the agent's home at '$home/[^']*': $1" "$err"; }

# The home does not exist: the run says it, runs, and nothing is made.
out=$(run_agent)
check missing_home_session_runs grep -qx RAN <<<"$out" || sed 's/^/# /' "$err"
check missing_home_said said "No such file or directory"
check missing_home_not_made test ! -e "$home"

# A dangling symlink as the home: as missing, and nothing is made at its target.
ln -s "$target" "$home"
out=$(run_agent)
check dangling_home_session_runs grep -qx RAN <<<"$out" || sed 's/^/# /' "$err"
check dangling_home_said said "No such file or directory"
check dangling_home_target_not_made test ! -e "$target"
rm -f "$home"

# A home the user cannot write (root's): the child, as the user, is refused; root makes nothing.
mkdir -m 755 "$home"
out=$(run_agent)
check unwritable_home_session_runs grep -qx RAN <<<"$out" || sed 's/^/# /' "$err"
check unwritable_home_refused_as_the_user said "Permission denied"
check unwritable_home_nothing_made test -z "$(ls -A "$home")"

# An empty home of the user's own: the child makes the write trees, the user's, and says nothing.
chown "$USER_NAME:" "$home"
chmod 700 "$home"
out=$(run_agent)
check empty_home_session_runs grep -qx RAN <<<"$out" || sed 's/^/# /' "$err"
check empty_home_not_said sh -c "! grep -q \"preparing the agent's home\" '$err'"
check empty_home_cache_made test -d "$home/.cache"
check empty_home_cache_users test "$(stat -c %U "$home/.cache")" = "$USER_NAME"
