#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Root's `cordon run` names the agent's user (issue 15, item 5): without --user it is refused
# before anything is set up (exit 2, the fix named, no record, nothing ran); --user root runs a
# root agent on purpose; under sudo the message names $SUDO_USER. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=root_user/
session_setup rootuser
logdir=$(mktemp -d /tmp/cordon-rootuser-log.XXXXXX)
log=$logdir/audit.jsonl
err=$logdir/err
marker=$proj/RAN
cleanup() { rm -rf "$proj" "$logdir"; }
trap cleanup EXIT
# No user configuration of root's leaks in: the file names a policy only.
export XDG_CONFIG_HOME=$logdir/config

# --- without --user: refused, exit 2, the fix named, nothing ran, nothing recorded ------------------
out=$(cd "$proj" && env -u SUDO_USER "$CORDON" run --allow-degraded --policy offline \
	--audit-log "$log" -- sh -c "touch '$marker'; echo ran" </dev/null 2>"$err")
rc=$?
sed 's/^/# stderr: /' "$err"
check no_user_exit_2 test "$rc" = 2
check no_user_nothing_ran sh -c "[ -z '$out' ] && [ ! -e '$marker' ]"
check no_user_no_record test ! -e "$log"
check no_user_message_names_fix grep -q -- "--user NAME" "$err"
check no_user_message_names_user_root grep -q -- "--user root" "$err"
check no_user_no_sudo_hint_without_sudo sh -c "! grep -q 'sudo' '$err'"
check no_user_no_session_line sh -c "! grep -q 'cordon: session' '$err'"

# --- the same under sudo: the hint names the user who typed it ------------------------------------
out=$(cd "$proj" && env SUDO_USER="$USER_NAME" "$CORDON" run --allow-degraded --policy offline \
	-- sh -c "touch '$marker'; echo ran" </dev/null 2>"$err")
rc=$?
check sudo_exit_2 test "$rc" = 2
check sudo_nothing_ran test ! -e "$marker"
check sudo_hint_names_user grep -q "did you mean --user $USER_NAME?" "$err"

# --- a dry run is the same command line: refused too (it plans for a user) ------------------------
(cd "$proj" && env -u SUDO_USER "$CORDON" run --dry-run --policy offline -- true </dev/null \
	>/dev/null 2>"$err")
check dry_run_without_user_exit_2 test "$?" = 2
# --help still answers.
"$CORDON" run --help >/dev/null 2>&1
check help_still_works test "$?" = 0

# --- --user root: the root agent on purpose runs, recorded, as uid 0 ------------------------------
out=$(cd "$proj" && "$CORDON" run --user root --allow-degraded --policy offline --audit-log "$log" \
	-- sh -c "touch '$marker'; id -u" </dev/null 2>"$err")
rc=$?
sed 's/^/# stderr: /' "$err" | head -5
check user_root_exit_0 test "$rc" = 0
check user_root_ran test -e "$marker"
check user_root_agent_is_root test "$out" = 0
check user_root_session_recorded grep -q '"action":"session-start"' "$log"

# --- --user NAME: that user ----------------------------------------------------------------------
rm -f "$marker"
out=$(cd "$proj" && "$CORDON" run --user "$USER_NAME" --allow-degraded --policy offline \
	-- sh -c "touch '$marker'; id -un" </dev/null 2>"$err")
check user_name_runs_as_user sh -c "[ '$out' = '$USER_NAME' ] && [ -e '$marker' ]"
