#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two sessions at once (issue 18): a session's file listener and git watch keep deciding its own
# files while a second session starts and runs beside it (the second's view is built, its
# layers mounted, its own listener started, all on the same file systems). Session A waits for
# the developer's .env (written outside while A runs: no mask covers it, the listener refuses it
# by name) and then reads it in a loop while session B is launched, until B's agent runs; then
# renames it (refused by its inode, which the git watch hands over) and plants a git hook by
# rename in a repository it makes, which the watch takes away while both sessions still run.
# Each attack is made outside first. Inside: every read refused, each refusal and the hook's
# removal recorded in A's records with layer fanotify, B's own refusal in B's, both agents ran.
# MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=beside/$MODE/
session_setup beside
mode_setup
audit_log_setup beside
projb=$(mktemp -d /tmp/cordon-besideb.XXXXXX)
chmod 755 "$projb"
chown "$USER_NAME:" "$projb"
marks=$(mktemp -d /tmp/cordon-beside-marks.XXXXXX)
chmod 777 "$marks"
pida='' pidb=''
cleanup() {
	[[ -n $pidb ]] && kill "$pidb" 2>/dev/null && wait "$pidb" 2>/dev/null
	[[ -n $pida ]] && kill "$pida" 2>/dev/null && wait "$pida" 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$projb" "$logdir" "$marks"
}
trap cleanup EXIT
if [[ $MODE == daemon ]]; then
	loga=() logb=()
	logfile_b=$log
else
	loga=("${logopt[@]}")
	logfile_b=$logdir/b.jsonl
	logb=(--audit-log "$logfile_b")
fi

# Until file @1 exists (up to 30 s): 0, else 1.
await() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# Session A's agent ($1: the marks directory). Prints NAME=STATUS lines and RAN.
agent_a='M=$1
w() { i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.05; done; }
touch a_started
w .env
# While B is launched: the developer s .env read again and again until B s agent runs.
n=0; read_ok=0
while [ ! -e b_running ] && [ $n -lt 20000 ]; do
	cat .env >/dev/null 2>&1 && read_ok=$((read_ok + 1)); n=$((n + 1))
done
echo "reads=$n"; echo "read_ok=$read_ok"
cat .env 2>/dev/null; echo "direct=$?"
mv .env renamed.txt; cat renamed.txt 2>/dev/null; echo "rename=$?"
git -c init.defaultBranch=main init -q n1 && git -C n1 -c user.name=a -c user.email=a@x.invalid \
	commit -q --allow-empty -m n && echo n1_init
printf "#!/bin/sh\ntouch $M/a_hook_ran\n" >t && chmod +x t && mv t n1/.git/hooks/pre-commit &&
	echo planted
touch planted
w end
echo RAN'
agent_b='touch b_started
cat .env 2>/dev/null; echo "b_direct=$?"
i=0; while [ ! -e b_end ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.05; done
echo B_RAN'

# --- outside cordon: the .env reads, under another name too; the hook runs -------------------
out=$(cd "$proj" && as_user sh -c 'printf "TOKEN=hunter2\n" >.env && cat .env &&
	mv .env renamed.txt && cat renamed.txt' 2>&1)
check outside_secret_reads grep -qx TOKEN=hunter2 <<<"$out"
check outside_renamed_secret_reads test "$(grep -c hunter2 <<<"$out")" -eq 2
out=$(cd "$proj" && as_user sh -c 'git -c init.defaultBranch=main init -q n1 &&
	printf "#!/bin/sh\ntouch '"$marks"'/outside_hook_ran\n" >t && chmod +x t &&
	mv t n1/.git/hooks/pre-commit && git -C n1 -c user.name=d -c user.email=d@x.invalid \
	commit -q --allow-empty -m o' 2>&1)
check outside_planted_hook_runs test -e "$marks/outside_hook_ran"
rm -rf "${proj:?}"/* "$proj"/.env* "${marks:?}"/*
as_user sh -c "printf 'TOKEN=b\n' >'$projb/.env'"
[[ -n ${KEEP:-} ]] && trap - EXIT

# --- inside: A runs; the developer writes .env; B is launched while A reads it --------------
(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${loga[@]}" -- \
	sh -c "$agent_a" sh "$marks" </dev/null >"$logdir/a.out" 2>"$logdir/a.err") &
pida=$!
check a_started await "$proj/a_started"
as_user sh -c "printf 'TOKEN=hunter2\n' >'$proj/.env.tmp' && mv '$proj/.env.tmp' '$proj/.env'"
(cd "$projb" && $RUN --quiet --policy agent --project "$projb" "${logb[@]}" -- \
	sh -c "$agent_b" </dev/null >"$logdir/b.out" 2>"$logdir/b.err") &
pidb=$!
check b_started await "$projb/b_started"
touch "$proj/b_running"
check a_planted await "$proj/planted"
# The hook is taken away while both sessions run; git outside then runs nothing of A's.
gone=1
for ((i = 0; i < 40; i++)); do
	[[ -e $proj/n1/.git/hooks/pre-commit || -L $proj/n1/.git/hooks/pre-commit ]] || {
		gone=0
		break
	}
	sleep 0.05
done
check hook_gone_while_both_run test "$gone" -eq 0
as_user git -C "$proj/n1" -c user.name=d -c user.email=d@x.invalid commit -q --allow-empty \
	-m inside >/dev/null 2>&1
check hook_not_run_outside_while_both_run test ! -e "$marks/a_hook_ran"
touch "$projb/b_end" "$proj/end"
wait "$pidb"
pidb=
wait "$pida"
pida=
sed 's/^/# a: /' "$logdir/a.out"
sed 's/^/# b: /' "$logdir/b.out"
check a_ran grep -qx RAN "$logdir/a.out"
check b_ran grep -qx B_RAN "$logdir/b.out"
check a_read_while_b_launched sh -c "grep -qx 'reads=[1-9][0-9]*' '$logdir/a.out'"
check a_no_read_while_b_launched grep -qx read_ok=0 "$logdir/a.out"
check a_direct_refused grep -qx direct=1 "$logdir/a.out"
check a_rename_refused grep -qx rename=1 "$logdir/a.out"
check a_secret_never_printed sh -c "! grep -q hunter2 '$logdir/a.out'"
check a_planted grep -qx planted "$logdir/a.out"
check b_refused grep -qx b_direct=1 "$logdir/b.out"
check b_secret_never_printed sh -c "! grep -q TOKEN=b '$logdir/b.out'"

# The records: each by its path, so the daemon's one log holds both sessions' apart.
recorded() {
	/usr/bin/python3 - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
log, action, layer, path = sys.argv[1:5]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == action and c.get("layer") == layer and
            r.get("file", {}).get("path") == path):
        sys.exit(0)
sys.exit(1)
PY
}
check a_refusal_recorded recorded "$log" file-open fanotify "$proj/.env"
check a_rename_refusal_recorded recorded "$log" file-open fanotify "$proj/renamed.txt"
check a_hook_removal_recorded recorded "$log" git-neutralize fanotify \
	"$proj/n1/.git/hooks/pre-commit"
check b_refusal_recorded sh -c "grep -q '\"$projb/.env\"' '$logfile_b'"
