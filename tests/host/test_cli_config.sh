#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The user's defaults for `cordon run` (~/.config/cordon/cordon.yaml), --quiet and --verbose, and
# the line about a daemon socket nothing answers on (issue 15, item 3). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=cli_config/
session_setup cliconfig
home=$(mktemp -d /tmp/cordon-cfghome.XXXXXX)
chown "$USER_NAME:" "$home"
cfg=$home/.config/cordon/cordon.yaml
err=$proj.err
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" "$@"
}
cleanup() { rm -rf "$proj" "$err" "$home"; }
trap cleanup EXIT
as_user mkdir -p "$home/.config/cordon"
write_cfg() { as_user sh -c "printf '$1' >$cfg"; }
# Root's run for the user, root's defaults from the same file (HOME names it).
run_root() {
	HOME=$home "$CORDON" run --user "$USER_NAME" --project "$proj" "$@" </dev/null 2>"$err"
}

# --- a malformed file: FILE:LINE:COL for each error, usage exit, nothing runs -------------------
write_cfg 'policy: offline\nquiet: yes\nbogus: 1\n'
out=$(run_root -- sh -c 'echo ran')
rc=$?
sed 's/^/# stderr: /' "$err"
check malformed_exit_2 test "$rc" = 2
check malformed_nothing_ran test -z "$out"
check malformed_bad_bool_line_col grep -q "^$cfg:2:8: must be true or false" "$err"
check malformed_unknown_key_line_col grep -q "^$cfg:3:1: unknown key" "$err"

# --- policy and quiet from the file; the command line overrides the policy ------------------------
write_cfg 'policy: offline\n'
out=$(run_root --allow-degraded -- sh -c 'echo ran')
check config_policy_ran test "$out" = ran
check config_policy_used grep -q "(root) policy offline from builtin:offline" "$err"
out=$(run_root --allow-degraded --policy agent -- sh -c 'echo ran')
check command_line_policy_overrides grep -q "(root) policy agent from builtin:agent" "$err"
write_cfg 'policy: offline\nquiet: true\n'
out=$(run_root --allow-degraded -- sh -c 'echo ran')
check quiet_ran test "$out" = ran
check quiet_no_start_line sh -c "! grep -q 'cordon: session' '$err'"
write_cfg 'allow_degraded: true\n'

# --- unenforced rules: grouped by reason with a count; all of them with --verbose; a count only
# with --quiet — never nothing (an unprivileged run without the daemon has gaps) -------------------
(cd "$proj" && as_user "$CORDON" run --policy agent -- true </dev/null 2>"$err")
check grouped_counts_the_rest grep -q "and [0-9]* more (--verbose lists them)" "$err"
grouped=$(grep -c "not enforced here" "$err")
(cd "$proj" && as_user "$CORDON" run --verbose --policy agent -- true </dev/null 2>"$err")
check verbose_lists_every_rule sh -c "! grep -q 'more (--verbose' '$err' && grep -q '@registry-crates' '$err'"
check verbose_same_reasons test "$(grep -c 'not enforced here' "$err")" = "$grouped"
(cd "$proj" && as_user "$CORDON" run --quiet --policy agent -- true </dev/null 2>"$err")
check quiet_still_counts_gaps grep -q "^cordon: [0-9]* rule(s) of the policy not enforced" "$err"
check quiet_lists_none sh -c "! grep -q 'not enforced here' '$err'"

# --- a daemon socket nothing answers on: said, then the run goes on without the daemon -----------
sock=$home/dead.sock
/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1])' "$sock"
chmod 777 "$sock"
out=$(cd "$proj" && as_user env CORDON_SOCKET="$sock" "$CORDON" run --policy agent -- sh -c 'echo ran' </dev/null 2>"$err")
check dead_socket_said grep -q "the daemon's socket is there but nothing answers" "$err"
check dead_socket_run_goes_on test "$out" = ran
