#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A repeated flood that loses records says so: the session's reader (root's `cordon run`) is
# stopped while the agent refuses the same open 200,000 times, far more than its 4 MiB ring
# buffer holds, so the kernel must drop records. Every refusal is then in the log as a record,
# folded into a summary's cordon.repeated, or counted lost (events-lost records), and the
# session-end record's refused_file + events_lost is the agent's own count: nothing lost
# silently. The loss must be real (events_lost > 0), or the test proves nothing. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=audit_flood_loss/
session_setup audit-flood-loss
work=$(mktemp -d /tmp/cordon-flood-loss.XXXXXX)
chmod 755 "$work"
mkdir -p /srv
secret=$(mktemp -d /srv/cordon-flood-loss.XXXXXX)
chmod 755 "$secret"
echo x >"$secret/f1"
chmod 644 "$secret/f1"
cpid=
trap '[[ -n $cpid ]] && kill -CONT "$cpid" 2>/dev/null; rm -rf "$proj" "$work" "$secret"' EXIT
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }

N=200000
# Outside cordon the agent's user reads the file: the refusals below are cordon's.
check readable_outside as_user grep -qx x "$secret/f1"

mkdir -m 755 "$work/log"
log=$work/log/a.jsonl
# The agent says it is ready, waits for the go, refuses N opens, counts them, says done.
"$CORDON" run --user "$USER_NAME" --project "$proj" --policy offline --allow-degraded \
	--audit-log "$log" -- /usr/bin/python3 -c "
import os, time
open('$proj/ready', 'w').close()
while not os.path.exists('$proj/go'):
    time.sleep(0.01)
n = 0
for _ in range($N):
    try:
        open('$secret/f1').close()
    except PermissionError:
        n += 1
open('$proj/done', 'w').close()
print(n)" >"$work/out" 2>"$work/err" </dev/null &
cpid=$!
for _ in $(seq 1 3000); do
	[[ -e $proj/ready ]] && break
	sleep 0.01
done
check agent_started [ -e "$proj/ready" ]
# The reader stops (all of root's supervisor); the flood runs with nobody draining the ring.
kill -STOP "$cpid"
touch "$proj/go"
for _ in $(seq 1 6000); do
	[[ -e $proj/done ]] && break
	sleep 0.01
done
check flood_ran_while_reader_stopped [ -e "$proj/done" ]
kill -CONT "$cpid"
wait "$cpid"
check run_exited_zero [ $? -eq 0 ]
check every_open_refused grep -qx "$N" "$work/out"

LOG=$log REFUSED=$(tail -n1 "$work/out") P=$secret/f1 /usr/bin/python3 - <<'PY' >"$work/count.txt"
import json, os
log, refused, path = os.environ["LOG"], int(os.environ["REFUSED"] or 0), os.environ["P"]
represented = lost = summaries = lost_records = 0
end = None
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if r.get("file", {}).get("path") == path and r["event"].get("outcome") == "failure":
        represented += c.get("repeated", 1)
        summaries += "repeated" in c
    if r["event"]["action"] == "events-lost":
        lost += c["events_lost"]["delta"]
        lost_records += 1
    if r["event"]["action"] == "session-end":
        end = c["counts"]
# The lost count is exact but not by kind: a record of the session's own exec or exits that the
# full ring dropped is in it too (as test_audit_integrity.sh counts them).
other = 0 if end is None else max(0, 3 - end.get("exec", 0) - end.get("exit", 0))
print("lost", lost, "records", lost_records, "summaries", summaries)
print("exact", represented + lost - other == refused, represented, lost, other, refused)
print("end", end is not None and end["events_lost"] == lost and
      end["refused_file"] + end["events_lost"] - other == refused)
PY
check records_were_lost grep -Eq '^lost [1-9][0-9]* records [1-9]' "$work/count.txt"
check repeats_folded grep -Eq 'summaries [1-9]' "$work/count.txt"
check every_refusal_logged_folded_or_counted_lost grep -q "^exact True" "$work/count.txt"
check session_end_counts_the_loss grep -q "^end True" "$work/count.txt"
sed 's/^/# /' "$work/count.txt"
