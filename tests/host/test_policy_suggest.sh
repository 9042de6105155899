#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `cordon policy suggest` (issue 16): a scripted session refused a read, a file creation and a
# secret under the agent policy; the suggested policy, extending it, runs the same session with
# no refusal but the secret's, which it still refuses. A malformed log is an error with its line.
# Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=suggest/
session_setup suggest
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
log=$logdir/audit.jsonl
err=$proj.err
# Outside every allow-list of the agent policy: a file to read, a directory to create one in.
data=$(mktemp -d /srv/cordon-suggest.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-suggest.XXXXXX; })
chmod 755 "$data"
echo suggest-canary >"$data/in.txt"
chmod 644 "$data/in.txt"
mkdir "$data/out"
chown "$USER_NAME:" "$data/out"
secret=$home/.ssh/id_suggest
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
cleanup() {
	rm -rf "$logdir" "$proj" "$err" "$data" "$secret"
}
trap cleanup EXIT
# The session's work: each step reported, none stopping the next.
script="cat $data/in.txt; echo new >$data/out/new.txt && echo wrote; cat $secret; echo ran"
inside() {
	rm -f "$log"
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$1" --allow-degraded \
		--audit-log "$log" -- sh -c "$script" </dev/null 2>"$err"
}
# Refusal records of the log, one line each: action path rule_text.
refusals() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"].get("outcome") == "failure" and r["cordon"].get("hook"):
        print(r["event"]["action"], (r.get("file") or {}).get("path"), r["cordon"].get("rule_text"))
PY
}

out=$(as_user sh -c "$script" 2>&1)
check outside_all_steps_work sh -c "echo '$out' | grep -qx suggest-canary && echo '$out' | grep -qx wrote && echo '$out' | grep -qx secret-canary"
rm -f "$data/out/new.txt"

out=$(inside agent)
check agent_session_ran sh -c "echo '$out' | grep -qx ran"
check agent_refused_read_and_create sh -c "! echo '$out' | grep -q 'suggest-canary\|wrote'"
check agent_refused_secret sh -c "! echo '$out' | grep -q secret-canary"
refusals >"$logdir/first.txt"
check agent_log_has_three_refusals test "$(wc -l <"$logdir/first.txt")" -ge 3
cp "$log" "$logdir/first.jsonl"

sid=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["cordon"]["session"])' "$logdir/first.jsonl")
check suggest_runs sh -c "'$CORDON' policy suggest '$logdir/first.jsonl' --session '${sid:0:8}' >'$logdir/suggested.yaml' 2>'$logdir/suggest.err'"
check suggest_is_a_valid_policy "$CORDON" policy check "$logdir/suggested.yaml"
check suggest_extends_the_policy_used grep -qx 'extends: agent' "$logdir/suggested.yaml"
check suggest_reads_the_file grep -qx "    - \"$data/in.txt\"" "$logdir/suggested.yaml"
check suggest_writes_the_directory grep -qx "    - \"$data/out\"" "$logdir/suggested.yaml"
check suggest_comments_each_rule grep -q "^    # .*syscall-openat by cat" "$logdir/suggested.yaml"
check suggest_never_allows_the_secret sh -c "! grep -v '^#' '$logdir/suggested.yaml' | grep -q '\.ssh'"
check suggest_lists_the_secret_as_not_suggested grep -q '^# not suggested: .*secrets' "$logdir/suggested.yaml"

chmod 644 "$logdir/suggested.yaml"
out=$(inside "$logdir/suggested.yaml")
check suggested_session_ran sh -c "echo '$out' | grep -qx ran"
check suggested_session_read_and_wrote sh -c "echo '$out' | grep -qx suggest-canary && echo '$out' | grep -qx wrote"
check suggested_still_refuses_secret sh -c "! echo '$out' | grep -q secret-canary"
refusals >"$logdir/second.txt"
check suggested_only_refusal_is_the_secret sh -c "test \$(wc -l <'$logdir/second.txt') -ge 1 && ! grep -v 'secrets\.' '$logdir/second.txt'"

# A malformed log: an error naming the line, nothing on stdout.
{ head -n 2 "$logdir/first.jsonl"; echo '{"event": [truncated'; } >"$logdir/bad.jsonl"
"$CORDON" policy suggest "$logdir/bad.jsonl" >"$logdir/bad.out" 2>"$logdir/bad.err"
check malformed_log_fails test $? -eq 1
check malformed_log_names_line grep -q "^$logdir/bad.jsonl:3:" "$logdir/bad.err"
check malformed_log_writes_no_policy test ! -s "$logdir/bad.out"
