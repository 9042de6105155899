#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# process.exec_deny on the host tier: a denied program in an exec tree (base's /usr/bin/chfn)
# is not run by its name, through the dynamic loader (`ld.so PROGRAM` maps it instead of
# executing it) or, as root and through the daemon, through a hard link made in the project
# before the session. Outside cordon each works; inside each fails, and the exec's record names
# the exec_deny rule. Reading the program stays allowed. MODE=root (default, then also an
# unprivileged session without the daemon) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=exec_deny/$MODE/
session_setup execdeny
mode_setup
prog=/usr/bin/chfn
ldso=$(find /lib64 /lib/x86_64-linux-gnu -maxdepth 1 -name 'ld-linux*.so.2' 2>/dev/null | head -n 1)
logdir=$(mktemp -d /var/log/cordon-test-execdeny.XXXXXX)
log=$logdir/audit.jsonl
[[ $MODE == daemon ]] && log=$DAEMON_DIR/audit.jsonl
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir"
}
trap cleanup EXIT
[[ -x $prog && -n $ldso ]] || { notok "suite (no $prog or no dynamic loader)"; exit 1; }
# A hard link under an innocent name, made before the session (root may link another's file).
linked=false
ln "$prog" "$proj/innocent" 2>/dev/null && linked=true
# Other names for the same file: a symlink in the project, and the path through /proc.
ln -s "$prog" "$proj/alias"

# Prints NAME=STATUS for each way of running the program, then its size read, then RAN.
probe="$prog --help >/dev/null 2>&1; echo name=\$?
$ldso $prog --help >/dev/null 2>&1; echo ldso=\$?
./alias --help >/dev/null 2>&1; echo alias=\$?
/proc/self/root$prog --help >/dev/null 2>&1; echo procroot=\$?
[ -e ./innocent ] && { ./innocent --help >/dev/null 2>&1; echo link=\$?; }
echo read=\$(wc -c <$prog)
echo RAN"
size=$(wc -c <"$prog")

out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups sh -c "$probe")
check outside_by_name grep -qx "name=0" <<<"$out"
check outside_through_ldso grep -qx "ldso=0" <<<"$out"
check outside_through_symlink grep -qx "alias=0" <<<"$out"
check outside_through_proc_root grep -qx "procroot=0" <<<"$out"
if $linked; then
	check outside_through_hard_link grep -qx "link=0" <<<"$out"
else
	# The project on another file system than the program: no hard link can be made there.
	cannot outside_through_hard_link "no hard link of $prog can be made in $proj"
fi

extra=()
[[ $MODE == root ]] && extra=(--audit-log "$log")
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${extra[@]}" -- sh -c "$probe" \
	</dev/null 2>/dev/null)
check inside_ran grep -qx RAN <<<"$out"
check inside_by_name_refused grep -qx "name=126" <<<"$out"
check inside_through_ldso_refused grep -qE "^ldso=(12[0-9])$" <<<"$out"
check inside_still_readable grep -qx "read=$size" <<<"$out"
check inside_through_symlink_refused grep -qx "alias=126" <<<"$out"
check inside_through_proc_root_refused grep -qx "procroot=126" <<<"$out"
if ! $linked; then
	cannot inside_through_hard_link_refused "no hard link of $prog can be made in $proj"
else
	check inside_through_hard_link_refused grep -qx "link=126" <<<"$out"
fi
rec=$(grep -F "\"$prog\"" "$log" | grep -F 'process.exec_deny[')
check exec_record_names_rule test -n "$rec"

# Unprivileged, without the daemon: the mask alone, and no gap listed for it.
if [[ $MODE == root ]]; then
	home=$(getent passwd "$USER_NAME" | cut -d: -f6)
	out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" CORDON_SOCKET=/nonexistent \
		"$CORDON" run --verbose --allow-degraded --policy agent --project "$proj" -- \
		sh -c "$probe" </dev/null 2>&1)
	check unprivileged_ran grep -qx RAN <<<"$out"
	check unprivileged_by_name_refused grep -qx "name=126" <<<"$out"
	check unprivileged_through_ldso_refused grep -qE "^ldso=(12[0-9])$" <<<"$out"
	no_gap() { ! grep -q exec_deny <<<"$out"; }
	check unprivileged_no_exec_deny_gap no_gap
fi
