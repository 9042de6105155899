#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# filesystem.cache after the session: the overlays of a session's cache trees are unmounted (each
# syncs its upper layer) after cordon has returned, by a detached process holding the project's
# layer slot and its draining lock. The next session of the same project, started right after,
# waits for that slot and finds its layer again (never a cold slot while an overlay with
# unwritten data is let go); two sessions at once still take two slots, and neither waits for
# the other. What the user's own processes can do to the store (hold a slot's locks, move an
# upper directory from a slot in use into another) ends in a bounded wait or a clear refusal,
# never in an upper directory mounted twice: the kernel itself would mount it twice (index=off
# only warns), shown first. MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=cache_drain/$MODE/
session_setup cachedrain
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
tag=cordon-drain-$$
tmp=$(mktemp -d /tmp/cordon-drain-tmp.XXXXXX)
store=$home/.local/state/cordon/layers
holders=()
cleanup() {
	for p in "${holders[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	mode_cleanup
	umount "$tmp/m1" 2>/dev/null
	rm -rf "$proj" "$tmp" "$home/.cache/$tag"
	rm -rf "$store/${proj##*/}"-*
}
trap cleanup EXIT

# The kernel mounts an upper directory already in use a second time (a warning, no error):
# only the store's locks keep two overlays of one project off the same upper directory.
mkdir -p "$tmp"/{lo,up,wk,m1,m2}
mount -t overlay overlay -o "lowerdir=$tmp/lo,upperdir=$tmp/up,workdir=$tmp/wk,index=off" \
	"$tmp/m1"
check kernel_mounts_an_upper_in_use_twice unshare -m mount -t overlay overlay \
	-o "lowerdir=$tmp/lo,upperdir=$tmp/up,workdir=$tmp/wk,index=off" "$tmp/m2"
umount "$tmp/m1"

as_user sh -c "mkdir -p ~/.cache/$tag && echo orig >~/.cache/$tag/marker" ||
	{ notok "suite (cannot prepare the user's cache)"; exit 1; }
run() { (cd "$proj" && $RUN --quiet --policy offline --project "$proj" -- sh -c "$1" </dev/null); }

# A session leaves its layer with 1 GiB not yet written to disk: its overlay's unmount syncs
# them after cordon has returned. The next session, started at once, finds the layer again.
out=$(run "echo first >~/.cache/$tag/marker; dd if=/dev/zero of=\$HOME/.cache/$tag/big bs=1M \
	count=1024 status=none; echo dd=\$?; echo RAN-A" 2>&1)
check first_session_ran grep -qx RAN-A <<<"$out" || sed 's/^/# /' <<<"$out"
check first_session_left_data_to_sync grep -qx dd=0 <<<"$out"
out=$(run "echo seen=\$(cat ~/.cache/$tag/marker); echo RAN-B" 2>&1)
check next_session_ran grep -qx RAN-B <<<"$out" || sed 's/^/# /' <<<"$out"
check next_session_finds_its_layer grep -qx seen=first <<<"$out"
pstore=$(echo "$store/${proj##*/}"-*)
check next_session_took_no_cold_slot test ! -e "$pstore/1"
no_wait_said() { ! grep -q 'still being let go' <<<"$out"; }
check next_session_said_nothing_of_waiting no_wait_said
check host_cache_untouched grep -qx orig "$home/.cache/$tag/marker"
run "rm -f ~/.cache/$tag/big" >/dev/null 2>&1

# Two sessions at once: the second takes slot 1 without waiting for the first's slot.
(run "sleep 4; echo FIRST" >"$tmp/first" 2>&1) &
first=$!
sleep 0.5
out=$(run "echo seen=\$(cat ~/.cache/$tag/marker); echo SECOND" 2>&1)
first_running=no
kill -0 "$first" 2>/dev/null && first_running=yes
wait "$first"
check concurrent_second_session_runs grep -qx SECOND <<<"$out" || sed 's/^/# /' <<<"$out"
check concurrent_second_session_in_its_own_slot grep -qx seen=orig <<<"$out"
check concurrent_second_did_not_wait_for_the_first test "$first_running" = yes
check concurrent_first_session_runs grep -qx FIRST "$tmp/first"

# A process of the user's that takes, in order, each of @2... (flock: "x" exclusive, "s" shared,
# the path) and holds them until killed; @1 names it. Its pid in $holder once all are held.
hold() {
	local ready=$tmp/ready-$1
	rm -f "$ready"
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups /usr/bin/python3 -c '
import fcntl, os, signal, sys, time
signal.alarm(60)
fds = []
for spec in sys.argv[2:]:
    kind, path = spec.split(":", 1)
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX if kind == "x" else fcntl.LOCK_SH)
    fds.append(fd)
open(sys.argv[1], "w").close()
time.sleep(60)' "$ready" "${@:2}" &
	holder=$!
	holders+=("$holder")
	for ((i = 0; i < 200; i++)); do
		[[ -e $ready ]] && return 0
		sleep 0.05
	done
	return 1
}
chmod 777 "$tmp"

# A process of the user's holds slot 0's lock and its draining lock (as a releaser would, for
# ever): the session waits a bounded time, says so, and takes another slot.
check held_draining_lock_setup hold drain "x:$pstore/0" "x:$pstore/0/.draining"
out=$(run "echo seen=\$(cat ~/.cache/$tag/marker); echo RAN-C" 2>&1)
check held_draining_lock_session_runs grep -qx RAN-C <<<"$out" || sed 's/^/# /' <<<"$out"
check held_draining_lock_says_so grep -q "slot 0 of the project is still being let go" <<<"$out"
check held_draining_lock_other_slot grep -qx seen=orig <<<"$out"
kill "$holder"
wait "$holder" 2>/dev/null || :

# While a session runs in slot 0, the user moves its cache tree's upper and work directories
# into slot 1: the next session, in slot 1, is refused and never mounts them a second time.
(run "echo busy >~/.cache/$tag/marker; sleep 3; echo HOLDER" >"$tmp/holder" 2>&1) &
first=$!
sleep 1
tree=$(cd "$pstore/0" && ls -d %*"%.cache" | head -n 1)
moved=no
[[ -n $tree && -d $pstore/1 ]] && as_user sh -c "rm -rf '$pstore/1/$tree' &&
	mv '$pstore/0/$tree' '$pstore/1/$tree'" && moved=yes
check moved_upper_setup test "$moved" = yes
out=$(run "echo SHOULD-NOT-RUN" 2>&1)
rc=$?
wait "$first"
check moved_upper_refused test "$rc" -ne 0
did_not_run() { ! grep -q SHOULD-NOT-RUN <<<"$out"; }
check moved_upper_did_not_run did_not_run
check moved_upper_says_why grep -q "filesystem.cache: a layer directory .* is held by another" \
	<<<"$out" || sed 's/^/# /' <<<"$out"
check moved_upper_holder_ran grep -qx HOLDER "$tmp/holder"
# Once the first session's overlays are gone (its slot's lock free), the moved directories are
# free again: with slot 0 held (not draining), the next session mounts them in slot 1.
check moved_upper_slot0_held hold slot0 "x:$pstore/0"
out=$(run "echo seen=\$(cat ~/.cache/$tag/marker); echo RAN-D" 2>&1)
check moved_upper_after_holder_ran grep -qx RAN-D <<<"$out" || sed 's/^/# /' <<<"$out"
check moved_upper_after_holder_sees_it grep -qx seen=busy <<<"$out"
kill "$holder"
wait "$holder" 2>/dev/null || :
