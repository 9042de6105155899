#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Attribution of syscall-exit refusals made of state that changes (issue 16): the same call with
# the same arguments by the same process can be another refusal a moment later, so no verdict
# may be reused for a record that looks the same (root's run kept a one-entry cache). A symlink
# the user's own mode-000 file is refused through (file permissions: no cordon refusal) and then
# repointed at a secret must leave the secret's record (the attack: hide a secret read behind a
# refusal that is not cordon's); a relative name opened again after a chdir is named by its new
# directory; two processes interleaving refusals of the same relative name are each named by
# their own directory. Outside cordon the same steps work (the repointed link reads the secret).
# MODE=daemon runs it through a daemon of its own. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=attrib_cache/${MODE:-root}/
session_setup attribcache
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-alog.XXXXXX)
chmod 755 "$logdir"
err=$proj.err
# Outside every allow-list of the agent policy: two directories holding a file of one name.
data=$(mktemp -d /srv/cordon-acache.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-acache.XXXXXX; })
mkdir "$data/a" "$data/b"
echo a-canary >"$data/a/in.txt"
echo b-canary >"$data/b/in.txt"
for n in 1 2; do echo m >"$data/m$n.txt"; done
chmod -R a+rX "$data"
secret=$home/.ssh/id_acache
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
as_user sh -c "echo own >'$proj/own000' && chmod 000 '$proj/own000'"
cleanup() {
	mode_cleanup
	rm -rf "$logdir" "$proj" "$err" "$data" "$secret"
}
trap cleanup EXIT

# One process: open "p" while it points at the user's mode-000 file; repoint it at the secret
# and open "p" again (the same call, next in the stream); open "in.txt" in a/; chdir b/ and open
# "in.txt" again (the same call). Attribution reads the task's state when cordon gets the record
# (issue 17: arguments read at syscall exit), so each state is kept until its record is taken:
# the first of a pair by a pause (were cordon later than that, this could only make the old code
# pass, never a correct one fail), the second by a marker refusal (an absolute name of its own,
# after it in the stream) whose record the test waits for before letting the process go on.
step='import os, sys, time
proj, secret, data = sys.argv[1:4]
def attempt(name):
    try:
        print(os.read(os.open(name, os.O_RDONLY), 100).decode().strip())
    except OSError as e:
        print("refused", e.errno)
def done(n):
    try:
        os.close(os.open("%s/m%d.txt" % (data, n), os.O_RDONLY))
    except OSError:
        pass
    if proj == "-":
        return
    open("%s/s%d.ready" % (proj, n), "w").close()
    for _ in range(300):
        if os.path.exists("%s/s%d.go" % (proj, n)):
            return
        time.sleep(0.05)
home = os.getcwd() if proj == "-" else proj
os.chdir(home)
pause = 0 if proj == "-" else 1
os.symlink("own000", "p")
attempt("p"); time.sleep(pause)
os.symlink(secret, "p.new"); os.replace("p.new", "p")
attempt("p"); done(1)
os.chdir(data + "/a"); attempt("in.txt"); time.sleep(pause)
os.chdir(data + "/b"); attempt("in.txt"); done(2)
os.unlink(home + "/p")'
# Two processes, one in a/ and one in b/, taking turns on "in.txt" (a pipe passes the turn).
pair='import os, sys, time
data = sys.argv[1]
ab, ba = os.pipe(), os.pipe()
pid = os.fork()
mine, turn, other = ("b", ab[0], ba[1]) if pid == 0 else ("a", ba[0], ab[1])
os.chdir(data + "/" + mine)
if mine == "a":
    os.write(other, b"x")
for _ in range(3):
    os.read(turn, 1)
    try:
        os.open("in.txt", os.O_RDONLY); print(mine, "read")
    except OSError as e:
        print(mine, "refused", e.errno)
    sys.stdout.flush()
    os.write(other, b"x")
time.sleep(0.5)
if pid:
    os.waitpid(pid, 0)'
log=$logdir/audit.jsonl
# The refused open records, in order: pid path | rule_text | layer (folded repeats counted).
opens() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"].get("action") == "syscall-openat" and r["event"].get("outcome") == "failure":
        n = r["cordon"].get("repeated", 1)
        for _ in range(n if isinstance(n, int) and n > 0 else 1):
            print(r["process"]["pid"], (r.get("file") or {}).get("path"), "|",
                  r["cordon"].get("rule_text"), "|", r["cordon"].get("layer"))
PY
}

out=$(cd "$proj" && as_user /usr/bin/python3 -c "$step" - "$secret" "$data" 2>&1)
check outside_own000_refused_by_permissions test "$(sed -n 1p <<<"$out")" = "refused 13"
check outside_repointed_link_reads_secret test "$(sed -n 2p <<<"$out")" = secret-canary
check outside_relative_reads_work test "$(sed -n 3,4p <<<"$out" | tr '\n' ' ')" = "a-canary b-canary "
out=$(as_user /usr/bin/python3 -c "$pair" "$data" 2>&1)
check outside_pair_reads_work test "$(grep -c ' read$' <<<"$out")" = 6

# The log cordon writes: the run's file, or the daemon's own.
livelog() { if [[ ${MODE:-root} == daemon ]]; then echo "$DAEMON_DIR/audit.jsonl"; else echo "$log"; fi; }
rm -f "$proj"/s*.ready "$proj"/s*.go
run_recorded "/usr/bin/python3 -c '$step' $proj $secret $data; echo ran" >"$logdir/out" &
run=$!
synced=0
for n in 1 2; do
	for ((i = 0; i < 200; i++)); do
		[[ -e $proj/s$n.ready ]] && grep -q "\"$data/m$n.txt\"" "$(livelog)" 2>/dev/null && break
		sleep 0.05
	done
	((i < 200)) && synced=$((synced + 1))
	touch "$proj/s$n.go"
done
wait "$run"
out=$(cat "$logdir/out")
check each_step_recorded_before_the_next test "$synced" = 2
check session_ran grep -qx ran <<<"$out"
check inside_all_four_refused test "$(grep -c '^refused 13$' <<<"$out")" = 4
check inside_secret_not_read sh -c "! echo '$out' | grep -q canary"
recs=$(opens)
echo "$recs" | sed 's/^/# /'
check own000_not_a_cordon_refusal sh -c "! echo '$recs' | grep -q own000"
# The repointed link: the secret's rule (by the file the name reaches), never dropped.
check repointed_link_secret_recorded grep -q "^[0-9]* $proj/p | secrets.files\[[0-9]*\]: $home/.ssh | mount_ns" <<<"$recs"
check chdir_first_named_a grep -q "^[0-9]* $data/a/in.txt | filesystem.read" <<<"$recs"
check chdir_second_named_b grep -q "^[0-9]* $data/b/in.txt | filesystem.read" <<<"$recs"
check three_records_besides_markers test "$(grep -vc "$data/m[0-9].txt" <<<"$recs")" = 3

out=$(run_recorded "/usr/bin/python3 -c '$pair' $data; echo ran")
check pair_session_ran grep -qx ran <<<"$out"
check pair_all_six_refused test "$(grep -c ' refused 13$' <<<"$out")" = 6
recs=$(opens)
echo "$recs" | sed 's/^/# pair: /'
# Each process's records name its own directory (identical refusals may be folded: the daemon
# writes a fold's count when its window ends, so records, not attempts, are compared).
check pair_a_named_a grep -q " $data/a/in.txt | filesystem.read" <<<"$recs"
check pair_b_named_b grep -q " $data/b/in.txt | filesystem.read" <<<"$recs"
check pair_each_pid_one_path test "$(awk '{print $1, $2}' <<<"$recs" | sort -u | wc -l)" = 2
check pair_only_its_paths sh -c "! echo '$recs' | grep -v ' $data/[ab]/in.txt | '"
check log_validates /usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py" "$log"
