#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What a session leaves behind when it ends (root's run on pinned programs): a child cgroup made
# in the session's cgroup does not keep the session cgroup (and with it the session's entry,
# its pins and the machine-wide syscall tracepoints) for ever; an entry whose cgroup no longer
# exists (left by a killed launcher that another build swept) no longer keeps the tracepoints
# attached nor an old build's programs pinned, while an entry whose cgroup exists still does
# (fail closed). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=session_leftovers/
need_root
command -v bpftool >/dev/null || { notok "suite (no bpftool)"; exit 1; }
session_setup leftovers
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
stale=$cg2/cordon-stale-test-$$
cleanup() {
	rmdir "$stale" 2>/dev/null
	rm -rf "$proj"
}
trap cleanup EXIT
# Detached when the last session ends, not after the grace period (checked at the end).
export CORDON_TRACE_GRACE=0

run() { "$CORDON" run --quiet --user root --policy offline --project "$proj" -- "$@"; }
# The session's cgroup, entry, rules and tracepoints go in a cleanup process cordon leaves when it
# exits (user/cli/run_end.c): polled with within (tests/lib/tap.sh).
cg_gone() { test ! -e "$1"; }
not_attached() { test ! -e "$dir/link-cordon_sys_openat"; }
count_zero() { test "$(live_count)" = 0; }
# The map key (a cgroup id, 8 bytes little-endian) and a session value, as bpftool's hex words.
hex8() { /usr/bin/python3 -c 'import sys; print(" ".join("%02x" % b for b in int(sys.argv[1]).to_bytes(8, "little")))' "$1"; }
# shellcheck disable=SC2046 # bpftool wants the bytes as separate words
has_entry() { bpftool map lookup pinned "$dir/map-sessions" key hex $(hex8 "$1") >/dev/null 2>&1; }
no_entry() { ! has_entry "$1"; }
# The programs' count of sessions-map entries (map-sessions_live, bpf/lib/session.bpf.h): at 0
# they stop at their first test. Printed as a number; an entry of our own is counted by hand.
live_count() {
	bpftool -j map lookup pinned "$dir/map-sessions_live" key hex 00 00 00 00 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys
v = json.load(sys.stdin)["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little"))' 2>/dev/null || echo none
}
# shellcheck disable=SC2046 # bpftool wants the bytes as separate words
live_set() { bpftool map update pinned "$dir/map-sessions_live" key hex 00 00 00 00 value hex $(hex8 "$1"); }

# 1. A child cgroup in the session's cgroup, made from outside while the agent runs.
run sh -c 'sed -n "s/^0:://p" /proc/self/cgroup >cg.tmp && mv cg.tmp cg; sleep 2' &
runner=$!
for ((i = 0; i < 100; i++)); do
	[[ -s $proj/cg ]] && break
	sleep 0.05
done
session=$(cat "$proj/cg" 2>/dev/null)
check agent_ran test -n "$session"
check in_a_session_cgroup test -d "$cg2$session" -a "$session" != /
id=$(stat -c %i "$cg2$session")
check child_cgroup_made mkdir "$cg2$session/cordon-test-sub"
wait "$runner"
check session_cgroup_removed_with_its_child within 50 cg_gone "$cg2$session"
# This build's pins: root's run retires every other build's that holds no live session.
dir=$(find /sys/fs/bpf/cordon -mindepth 2 -maxdepth 2 -name map-sessions -printf '%h\n' | head -n 1)
check pins_found test -e "$dir/map-sessions"
check session_entry_dropped within 50 no_entry "$id"
check tracepoints_detached_after_last_session within 50 not_attached
check slab_free_tracepoint_detached_after_last_session test ! -e "$dir/link-cordon_names_free" -a -e "$dir/prog-cordon_names_free"
check session_count_zero_after_last_session within 50 count_zero

# 2. Entries no launcher will ever end: one whose cgroup exists (kept, and with it the
#    tracepoints), one whose cgroup is gone (dropped).
mkdir "$stale"
live_id=$(stat -c %i "$stale")
# Session number 0x7ffffe01 (struct cordon_session, 24 bytes), and a rule of it (a DNS steering
# entry, the simplest key).
value=(01 fe ff 7f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00)
# shellcheck disable=SC2046 # bpftool wants the bytes as separate words
check live_entry_counted live_set $(($(live_count) + 1))
check live_entry_inserted bpftool map update pinned "$dir/map-sessions" key hex $(hex8 "$live_id") \
	value hex "${value[@]}"
# shellcheck disable=SC2046
check its_rule_inserted bpftool map update pinned "$dir/map-dns_steer" key hex 01 fe ff 7f \
	value hex $(printf '00 %.0s' {1..24})
rule_gone() { ! bpftool map lookup pinned "$dir/map-dns_steer" key hex 01 fe ff 7f >/dev/null 2>&1; }
out=$(run sh -c 'echo ran')
check session_ran_beside_live_entry test "$out" = ran
check live_entry_kept has_entry "$live_id"
check tracepoints_kept_for_live_entry test -e "$dir/link-cordon_sys_openat"
check slab_free_tracepoint_kept_for_live_entry test -e "$dir/link-cordon_names_free"
check live_entry_rules_kept sh -c "bpftool map lookup pinned $dir/map-dns_steer key hex 01 fe ff 7f >/dev/null"
rmdir "$stale"
out=$(run sh -c 'echo ran')
check session_ran_beside_stale_entry test "$out" = ran
check stale_entry_dropped within 50 no_entry "$live_id"
check tracepoints_detached_despite_stale_entry within 50 not_attached
check stale_entry_rules_purged within 50 rule_gone
check session_count_zero_after_stale_entry_dropped within 50 count_zero

# 3. The grace period: attached for it after the last session (a back-to-back launch finds
#    them), by a detached waiter that leaves nothing of the caller's open; then detached.
attached() { test -e "$dir/link-cordon_sys_openat"; }
# Within @1 tenths of a second (default 40).
grace_gone() {
	for ((i = 0; i < ${1:-40}; i++)); do
		! attached && ! pgrep -x cordon-grace >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# A waiter left by an earlier suite's session (the default grace) would take this session's
# release as its own and wait its own period: let it finish first.
grace_gone 100
out=$(CORDON_TRACE_GRACE=1 run sh -c 'echo ran')
check grace_session_ran test "$out" = ran
check grace_tracepoints_kept_after_last_session attached
check grace_waiter_waits within 5 sh -c "pgrep -x cordon-grace >/dev/null"
check grace_waiter_holds_no_descriptor_of_ours \
	sh -c "test \$(ls /proc/\$(pgrep -x cordon-grace | head -n 1)/fd | wc -l) -le 1"
check grace_tracepoints_detached_after_it grace_gone
