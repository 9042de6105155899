#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Root's `cordon run` on pinned programs reads its session's records from a ring buffer of a
# pool (bpf/maps.h session_events): a slot is held for the session's life and kept for the next
# launcher, because making and deleting a ring per session cost an RCU grace period at each end
# of every launch. What that must not cost:
#  - records another session left in the slot (its launcher was killed with records unread)
#    never reach the next holder's log or report;
#  - two sessions at once hold two slots, and each log has its own records only;
#  - every record of a session's own still arrives.
# Refusals are connects to TEST-NET addresses, one address per session, made outside first.
# Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=ring_pool/
session_setup ring-pool
logs=$(mktemp -d /var/tmp/cordon-ring-pool.XXXXXX)
chmod 700 "$logs"
cleanup() {
	[[ -n ${launcher:-} ]] && kill -9 "$launcher" 2>/dev/null
	[[ -n ${other:-} ]] && kill -9 "$other" 2>/dev/null
	rm -rf "$proj" "$logs"
}
trap cleanup EXIT

# @2 connects to @1, each to a port of its own (identical refusals are folded into one record
# and a count), each refused; "ran N" in @3 after the last.
connects='import socket, sys
n = 0
for i in range(int(sys.argv[2])):
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect((sys.argv[1], 1000 + i))
    except (PermissionError, OSError) as e:
        n += e.errno in (1, 13)
    s.close()
open(sys.argv[3], "w").write("ran %d\n" % n)'
# As `cordon run` with the log @1 (exec'd: a background one's $! is cordon itself).
run() { # @1 log @2.. command
	local log=$1
	shift
	exec "$CORDON" run --user "$USER_NAME" --project "$proj" --policy offline \
		--allow-degraded --audit-log "$log" -- "$@"
}
# How many connect records of @2 the log @1 holds.
count() {
	jq -c "select(.destination.ip == \"$2\")" "$1" 2>/dev/null | wc -l
}

# Outside the session the same connect is not refused by anyone (it times out or is refused
# by the network: never EPERM/EACCES).
out=$(/usr/bin/python3 -c "$connects" 192.0.2.1 1 /dev/stdout)
check connect_outside_not_refused_by_policy test "$out" = "ran 0"

# A: refused connects in a loop, one line each in a.made, until its launcher is SIGKILLed in
# the middle: what its launcher had not read yet stays in the slot's ring.
burst='import socket, sys
f = open(sys.argv[2], "a", buffering=1)
for i in range(1000000):
    s = socket.socket()
    try:
        s.connect((sys.argv[1], 1000 + i % 60000))
    except OSError as e:
        f.write("%d\n" % e.errno)
    s.close()'
mkfifo "$proj/go"
chown "$USER_NAME:" "$proj/go"
run "$logs/a.jsonl" /usr/bin/python3 -c "$burst" 192.0.2.1 "$proj/a.made" \
	</dev/null >/dev/null 2>"$logs/a.err" &
launcher=$!
for ((i = 0; i < 300; i++)); do
	[[ -f $proj/a.made && $(wc -l <"$proj/a.made") -ge 2000 ]] && break
	sleep 0.05
done
kill -9 "$launcher"
wait "$launcher" 2>/dev/null
launcher=
sleep 0.5
made=$(grep -cE '^(1|13)$' "$proj/a.made" 2>/dev/null)
logged=$(count "$logs/a.jsonl" 192.0.2.1)
echo "# A: $made refused connects made, $logged in its log"
check a_ran_refused test "${made:-0}" -ge 2000
[[ ${made:-0} -ge 2000 ]] || sed "s/^/# /" "$logs/a.err" | tail -5
check a_records_left_unread test "$logged" -lt "${made:-0}"

# B takes the slot A held (the lowest free one): none of A's records, all of its own.
(run "$logs/b.jsonl" /usr/bin/python3 -c "$connects" 192.0.2.2 20 "$proj/b.ran" \
	</dev/null >/dev/null 2>"$logs/b.err")
check b_ran_refused_all test "$(cat "$proj/b.ran" 2>/dev/null)" = "ran 20"
check b_log_has_none_of_a test "$(count "$logs/b.jsonl" 192.0.2.1)" -eq 0
check b_log_has_all_its_own test "$(count "$logs/b.jsonl" 192.0.2.2)" -eq 20
check b_report_counts_its_own sh -c "grep -Eq 'refused 20 ' '$logs/b.err' || grep -q '192.0.2.2' '$logs/b.err'"

# C and D at once: C waits on a fifo while D runs; each its own slot and its own records.
run "$logs/c.jsonl" sh -c "/usr/bin/python3 -c '$connects' 192.0.2.3 10 $proj/c1.ran; \
	read x <$proj/go; /usr/bin/python3 -c '$connects' 192.0.2.3 10 $proj/c2.ran" \
	</dev/null >/dev/null 2>"$logs/c.err" &
other=$!
for ((i = 0; i < 300; i++)); do
	[[ -s $proj/c1.ran ]] && break
	sleep 0.1
done
slots=$(find /run/cordon -maxdepth 1 -name 'ring-*' | wc -l)
(run "$logs/d.jsonl" /usr/bin/python3 -c "$connects" 192.0.2.4 10 "$proj/d.ran" \
	</dev/null >/dev/null 2>"$logs/d.err")
echo go >"$proj/go"
wait "$other"
other=
check c_ran test "$(cat "$proj/c1.ran" "$proj/c2.ran" 2>/dev/null | tr '\n' ' ')" = "ran 10 ran 10 "
check d_ran test "$(cat "$proj/d.ran" 2>/dev/null)" = "ran 10"
check slot_lock_files_exist test "$slots" -ge 1
check c_has_its_own test "$(count "$logs/c.jsonl" 192.0.2.3)" -eq 20
check c_has_none_of_d test "$(count "$logs/c.jsonl" 192.0.2.4)" -eq 0
check d_has_its_own test "$(count "$logs/d.jsonl" 192.0.2.4)" -eq 10
check d_has_none_of_c test "$(count "$logs/d.jsonl" 192.0.2.3)" -eq 0
check d_has_none_of_a test "$(count "$logs/d.jsonl" 192.0.2.1)" -eq 0
