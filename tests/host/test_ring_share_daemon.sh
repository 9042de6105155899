#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The per-session share of the daemon's shared ring buffer, end to end (issue 17): two sessions
# of an ordinary user through a daemon of the suite's own. While the daemon is stopped (its
# reader stalled), session A floods refused connects until the kernel refuses A's records;
# session B then makes N refused connects, each to a port of its own (identical refusals are
# folded into one record and a count). Once the daemon runs again, every one of B's refusals
# must be in the daemon's audit log, B's session-end record must count no record lost, and A's
# must count the records it lost, over its share. Without the share A fills the ring and B's
# refusals are lost. tests/host/test_ring_share.c is the same without the daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=ring_share_daemon/
MODE=daemon
N_B=200
session_setup ring-share-d
mode_setup
a_pid= b_pid=
cleanup() {
	[[ -n ${DAEMON_PID:-} ]] && kill -CONT "$DAEMON_PID" 2>/dev/null
	[[ -n $a_pid ]] && kill -9 "$a_pid" 2>/dev/null
	[[ -n $b_pid ]] && kill -9 "$b_pid" 2>/dev/null
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
log=$DAEMON_DIR/audit.jsonl

# A: waits for $proj/go-a, then refused connects to distinct addresses, one line each in
# a.made, until $proj/stop-a exists.
flood='import os, socket, sys, time
while not os.path.exists(sys.argv[1] + "/go-a"):
    time.sleep(0.02)
f = open(sys.argv[1] + "/a.made", "a", buffering=1)
i = 0
while not (i % 500 == 0 and os.path.exists(sys.argv[1] + "/stop-a")):
    s = socket.socket()
    try:
        s.connect(("192.0.2.%d" % (1 + i // 60000 % 250), 1000 + i % 60000))
    except OSError as e:
        f.write("%d\n" % e.errno)
    s.close()
    i += 1'
# B: waits for $proj/go-b, then $2 refused connects to 198.51.100.7, one port each; "ran N" in
# b.ran.
quiet='import os, socket, sys, time
while not os.path.exists(sys.argv[1] + "/go-b"):
    time.sleep(0.02)
n = 0
for i in range(int(sys.argv[2])):
    s = socket.socket()
    try:
        s.connect(("198.51.100.7", 2000 + i))
    except OSError as e:
        n += e.errno in (1, 13)
    s.close()
open(sys.argv[1] + "/b.ran", "w").write("ran %d\n" % n)'

# Outside every session nobody refuses these (no route: a timeout or a network error, never
# EPERM/EACCES).
out=$(timeout 10 /usr/bin/python3 -c 'import socket
s = socket.socket(); s.settimeout(0.2)
try:
    s.connect(("198.51.100.7", 2000)); print("connected")
except OSError as e:
    print("refused" if e.errno in (1, 13) else "other")')
check connect_outside_not_refused_by_policy test "$out" != refused

# shellcheck disable=SC2086 # $RUN is a command line
$RUN --project "$proj" --policy offline --allow-degraded -- /usr/bin/python3 -c "$flood" \
	"$proj" </dev/null >/dev/null 2>"$proj/a.err" &
a_pid=$!
# shellcheck disable=SC2086
$RUN --project "$proj" --policy offline --allow-degraded -- /usr/bin/python3 -c "$quiet" \
	"$proj" "$N_B" </dev/null >/dev/null 2>"$proj/b.err" &
b_pid=$!
# Both sessions exist (their start records are in the log) before the reader stalls.
for ((i = 0; i < 200; i++)); do
	[[ $(grep -c '"session-start"' "$log" 2>/dev/null) -ge 2 ]] && break
	sleep 0.1
done
check two_sessions_started test "$(grep -c '"session-start"' "$log" 2>/dev/null)" -ge 2

kill -STOP "$DAEMON_PID"
touch "$proj/go-a"
# 30000 refusals: several times the ring (4 MiB) in records, and A's share many times over.
for ((i = 0; i < 600; i++)); do
	[[ $({ wc -l <"$proj/a.made"; } 2>/dev/null || echo 0) -ge 30000 ]] && break
	sleep 0.1
done
touch "$proj/stop-a"
touch "$proj/go-b"
for ((i = 0; i < 300; i++)); do
	[[ -s $proj/b.ran ]] && break
	sleep 0.1
done
check quiet_session_refused_all_while_the_reader_stalled \
	test "$(cat "$proj/b.ran" 2>/dev/null)" = "ran $N_B"
kill -CONT "$DAEMON_PID"
wait "$b_pid"
b_pid=
wait "$a_pid"
a_pid=
made=$(grep -cE '^(1|13)$' "$proj/a.made" 2>/dev/null)
check flooder_refused_many test "${made:-0}" -ge 30000
# Both session-end records written.
for ((i = 0; i < 200; i++)); do
	[[ $(grep -c '"session-end"' "$log" 2>/dev/null) -ge 2 ]] && break
	sleep 0.1
done

# The counts, from the daemon's log: per session (named by the addresses its records carry),
# its connect records to those addresses and its session-end counts.
read -r b_recs b_lost a_recs a_lost a_over < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def sess(prefix):
    for r in recs:
        if (r.get("destination") or {}).get("ip", "").startswith(prefix):
            return r["cordon"]["session"]
def count(name, prefix):
    return sum(1 for r in recs if r.get("cordon", {}).get("session") == name and
               (r.get("destination") or {}).get("ip", "").startswith(prefix))
def end(name, key):
    for r in recs:
        if r.get("event", {}).get("action") == "session-end" and r["cordon"].get("session") == name:
            return r["cordon"].get("counts", {}).get(key, -1)
    return -1
a, b = sess("192.0.2."), sess("198.51.100.7")
print(count(b, "198.51.100.7"), end(b, "events_lost"), count(a, "192.0.2."),
      end(a, "events_lost"), end(a, "events_over_share"))
PY
)
echo "# A: $made refused connects, $a_recs records in the log, ${a_lost} lost (${a_over} over its share); B: $N_B refused, $b_recs in the log, ${b_lost} lost"
check every_refusal_of_the_quiet_session_is_in_the_log test "${b_recs:-0}" -eq "$N_B"
check quiet_session_end_counts_nothing_lost test "${b_lost:--1}" -eq 0
check flooder_lost_records_over_its_share test "${a_over:-0}" -gt 0
check flooder_lost_counted_at_its_end test "${a_lost:-0}" -ge "${a_over:-1}"
# What A's log shows plus what it lost is what it did: each refused connect is one record,
# delivered or counted lost for A (nothing vanished, nothing counted twice). The lost count
# also holds A's few other records made while it was over its share (its python's exit), so
# the sum may exceed the refusals by those: at most 16.
extra=$((${a_recs:-0} + ${a_lost:-0} - ${made:-0}))
check flooder_logged_plus_lost_is_what_it_did test "$extra" -ge 0 -a "$extra" -le 16
