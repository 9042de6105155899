#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Paths relative to a directory descriptor (issue 16): an openat(dirfd, "in.txt") refused by
# Landlock, and an openat(dirfd, ".ssh/id_x") of a secret, are recorded with the absolute path
# (the descriptor's directory, read from /proc while the task lives) and the secret's rule; a
# directory renamed after its descriptor was opened is named by its new name. A secret opened by
# a cwd-relative name is named absolute with the mask as its layer, and the user's own file that
# file permissions refuse is no cordon refusal, in both modes alike. Outside cordon
# the same opens work. MODE=daemon runs it through a daemon of its own. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=dirfd/${MODE:-root}/
session_setup dirfd
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-dlog.XXXXXX)
chmod 755 "$logdir"
err=$proj.err
# Outside every allow-list of the agent policy: a directory to open by descriptor (O_PATH, which
# Landlock does not judge) and a file in it to open relative to that descriptor.
data=$(mktemp -d /srv/cordon-dirfd.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-dirfd.XXXXXX; })
chmod 755 "$data"
mkdir "$data/a"
chmod 755 "$data/a"
echo dirfd-canary >"$data/a/in.txt"
chmod 644 "$data/a/in.txt"
secret=$home/.ssh/id_dirfd
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
# A secret opened by a cwd-relative name, and the user's own unreadable file in the project (file
# permissions, not cordon).
rel_secret=$home/.ssh/id_dirfd_rel
as_user sh -c "echo secret-canary >$rel_secret"
as_user sh -c "echo own >'$proj/own000' && chmod 000 '$proj/own000'"
cleanup() {
	mode_cleanup
	rm -rf "$logdir" "$proj" "$err" "$data" "$secret" "$rel_secret"
}
trap cleanup EXIT

# The session's work: open the directory by descriptor, wait for the test to rename it (when
# asked), then open a file relative to the descriptor; then a secret relative to the home.
step='import os, sys, time
d, rel, wait = sys.argv[1], sys.argv[2], sys.argv[3]
dfd = None if d == "." else os.open(d, os.O_PATH | os.O_DIRECTORY)  # ".": the cwd
if wait != "-":
    open(wait + ".ready", "w").close()
    for _ in range(100):
        if os.path.exists(wait + ".go"):
            break
        time.sleep(0.1)
try:
    print(os.read(os.open(rel, os.O_RDONLY, dir_fd=dfd), 100).decode().strip())
except OSError as e:
    print("refused", e.errno)
time.sleep(0.5)  # alive while cordon reads its descriptor'
log=$logdir/audit.jsonl
# The refused open records: path rule_text layer.
opens() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"].get("action") == "syscall-openat" and r["event"].get("outcome") == "failure":
        print((r.get("file") or {}).get("path"), "|", r["cordon"].get("rule_text"), "|", r["cordon"].get("layer"))
PY
}

out=$(as_user /usr/bin/python3 -c "$step" "$data/a" in.txt - 2>&1)
check outside_dirfd_open_works test "$out" = dirfd-canary
out=$(as_user /usr/bin/python3 -c "$step" "$home" .ssh/id_dirfd - 2>&1)
check outside_dirfd_secret_works test "$out" = secret-canary

out=$(as_user /usr/bin/python3 -c "$step" "$home" .ssh/id_dirfd_rel - 2>&1)
check outside_relative_secret_works test "$out" = secret-canary
out=$(as_user /usr/bin/python3 -c "$step" / "$proj/own000" - 2>&1)
check outside_own000_refused_by_permissions test "$out" = "refused 13"

out=$(run_recorded "/usr/bin/python3 -c '$step' $data/a in.txt -; /usr/bin/python3 -c '$step' $home .ssh/id_dirfd -;
	cd $home && /usr/bin/python3 -c '$step' . .ssh/id_dirfd_rel -; cd /;
	/usr/bin/python3 -c '$step' / $proj/own000 -; echo ran")
check session_ran grep -qx ran <<<"$out"
check relative_secret_and_own000_refused test "$(grep -c '^refused 13$' <<<"$out")" = 4
check dirfd_open_refused grep -qx "refused 13" <<<"$out"
check dirfd_secret_refused sh -c "! echo '$out' | grep -q canary"
recs=$(opens)
echo "$recs" | sed 's/^/# /'
check dirfd_record_absolute grep -q "^$data/a/in.txt | filesystem.read" <<<"$recs"
check dirfd_secret_record_absolute_and_named grep -q "^$secret | secrets.files\[[0-9]*\]: $home/.ssh" <<<"$recs"
check dirfd_no_relative_record sh -c "! echo '$recs' | grep -q '^in.txt\|^.ssh'"
# Root's run and the daemon attribute alike: the mask named as the layer, a cwd-relative name
# made absolute, file permissions not cordon's.
check dirfd_secret_layer_is_the_mask grep -q "^$secret | secrets.files\[[0-9]*\]: $home/.ssh | mount_ns" <<<"$recs"
check cwd_relative_secret_absolute_mask grep -q "^$rel_secret | secrets.files\[[0-9]*\]: $home/.ssh | mount_ns" <<<"$recs"
check own000_not_a_cordon_refusal sh -c "! echo '$recs' | grep -q own000"

# The directory renamed between the descriptor's open and the call: its new name.
rm -f "$proj/sync.ready" "$proj/sync.go"
run_recorded "/usr/bin/python3 -c '$step' $data/a in.txt $proj/sync; echo ran" >"$logdir/out" &
run=$!
for ((i = 0; i < 100; i++)); do
	[[ -e $proj/sync.ready ]] && break
	sleep 0.1
done
mv "$data/a" "$data/b"
touch "$proj/sync.go"
wait "$run"
out=$(cat "$logdir/out")
check renamed_session_ran grep -qx ran <<<"$out"
check renamed_dirfd_open_refused grep -qx "refused 13" <<<"$out"
recs=$(opens)
echo "$recs" | sed 's/^/# renamed: /'
check renamed_record_names_new_directory grep -q "^$data/b/in.txt | " <<<"$recs"
