#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A session's records read back by the daemon (the spawn worker's `audit` op at the session's
# end: its exit report; `cordon audit --session`) start where the audit file stood when the
# session began, and skip the files rotated before it (daemon_ctl.c send_records). Here the file
# rotates several times while session A runs: A is refused one read before another session
# floods the log with distinct refusals, and one after. A's report still counts both, and names
# both objects; so does `cordon audit`. Each read works outside cordon first. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
need_root
TAP_PREFIX=daemon_audit_rotation/
MODE=daemon
session_setup rotation
mode_setup
data=$(mktemp -d /srv/cordon-rotation.XXXXXX 2>/dev/null ||
	{ mkdir -p /srv && mktemp -d /srv/cordon-rotation.XXXXXX; })
a_pid=
cleanup() {
	[[ -n $a_pid ]] && kill "$a_pid" 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$data"
}
trap cleanup EXIT
chmod 755 "$data"

# The suite's daemon again, with a small audit file kept in many rotations.
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
printf 'audit:\n  file: %s\n  max_size: 16384\n  keep: 40\n' "$DAEMON_DIR/audit.jsonl" \
	>"$DAEMON_DIR/cordon.yaml"
rm -f "$DAEMON_DIR/run/sock"
daemon_start "$DAEMON_DIR/daemon.log"
check daemon_restarted daemon_ready || exit 1

echo first-canary >"$data/first.txt"
echo second-canary >"$data/second.txt"
for i in $(seq 1 120); do echo "$i" >"$data/flood-$i"; done
chmod 644 "$data"/*
go=$proj/go
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
out=$(as_user cat "$data/first.txt" "$data/second.txt" "$data/flood-120" 2>&1)
check outside_reads_work test "$out" = "$(printf 'first-canary\nsecond-canary\n120')"

# Session A: one refused read, then (once the log has rotated) another.
a_script="cat $data/first.txt; echo a-started; for i in \$(seq 300); do [ -e $go ] && break; sleep 0.1; done; cat $data/second.txt; echo a-ran"
(cd "$proj" && $RUN --project "$proj" --allow-degraded -- sh -c "$a_script" </dev/null \
	>"$data/a.out" 2>"$data/a.err") &
a_pid=$!
for ((i = 0; i < 100; i++)); do
	grep -q a-started "$data/a.out" 2>/dev/null && break
	sleep 0.1
done
check a_started grep -q a-started "$data/a.out" || exit 1
a_id=$(grep -o '"session":"[0-9a-f]*"' "$DAEMON_DIR/audit.jsonl" | tail -n 1 | cut -d'"' -f4)
# Session B: 120 distinct refused reads (distinct objects are never folded into one record).
b_script="for i in \$(seq 120); do cat $data/flood-\$i 2>/dev/null; done; echo b-ran"
b_out=$(cd "$proj" && $RUN --project "$proj" --allow-degraded -- sh -c "$b_script" </dev/null 2>/dev/null)
check b_ran grep -q b-ran <<<"$b_out"
touch "$go"
wait "$a_pid"
a_rc=$?
a_pid=
sed 's/^/# a: /' "$data/a.err" | head -12
check a_ran grep -q a-ran "$data/a.out"
check a_exit_ok test "$a_rc" -eq 0
check a_refused_both_reads bash -c "! grep -q canary '$data/a.out'"
# A's first record is in a file rotated away while it ran: the skip has something to skip and
# something to keep.
first_file=$(grep -l "\"session\":\"$a_id\"" "$DAEMON_DIR"/audit.jsonl* | sort -t. -k3 -n | tail -n 1)
echo "# A's session: $a_id; its oldest record in ${first_file##*/}; files: $(ls "$DAEMON_DIR" | grep -c '^audit.jsonl')"
check log_rotated_during_a test -e "$DAEMON_DIR/audit.jsonl.3"
check a_records_span_rotations test "$first_file" != "$DAEMON_DIR/audit.jsonl"
check a_report_counts_both grep -qE "^cordon: refused 2 time\(s\), 2 object\(s\)" "$data/a.err"
check a_report_names_first grep -qF "read \"$data/first.txt\" (1 time(s)" "$data/a.err"
check a_report_names_second grep -qF "read \"$data/second.txt\" (1 time(s)" "$data/a.err"
# Read back after the end (the session is gone from the daemon's memory: the whole log).
aud=$(cd "$proj" && as_user env CORDON_SOCKET="$DAEMON_DIR/run/sock" "$CORDON" audit \
	--session "${a_id:0:12}" 2>&1)
check audit_names_first grep -qF "$data/first.txt" <<<"$aud"
check audit_names_second grep -qF "$data/second.txt" <<<"$aud"
