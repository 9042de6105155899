#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Relative paths in refusal records are made absolute in the kernel, at the refused call (issue
# 16), for commands that exit at once, so that /proc can no longer tell where they were: a .env
# read by `cd sub && exec cat .env`, `../.env` from below, an openat(dirfd, "in.txt"), a hook
# planted from a cwd on the session's read-only bind of .git/hooks, a file read from a cwd below
# a symlinked directory (named by the directory the task is in), a descriptor whose directory
# was renamed before the call. Each record names the absolute path, the rule and the layer, and
# says the kernel named the directory (cordon.dir_kernel). A path too long for the record stays
# relative and says so (cordon.dir_too_long), never cut. Outside cordon the same opens work.
# MODE=daemon runs it through a daemon of its own. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=relpath/${MODE:-root}/
session_setup relpath
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-rlog.XXXXXX)
chmod 755 "$logdir"
err=$proj.err
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
# Outside every allow-list of the agent policy: a directory to open by descriptor (O_PATH, which
# Landlock does not judge) and a file in it; and a directory so deep that its path and a name
# do not fit in a record's 255 bytes.
data=$(mktemp -d /srv/cordon-relpath.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-relpath.XXXXXX; })
chmod 755 "$data"
mkdir "$data/a"
echo relpath-canary >"$data/a/in.txt"
echo link-canary >"$data/a/via-link.txt"
deep=$data/$(printf 'd%.0s' {1..100})/$(printf 'e%.0s' {1..100})/$(printf 'f%.0s' {1..40})
mkdir -p "$deep"
echo deep-canary >"$deep/in.txt"
chmod -R a+rX "$data"
# The project: a .env below a subdirectory and at its top, .git/hooks (the session protects
# them with read-only binds), and a symlink to the directory outside the allow-lists.
as_user mkdir -p "$proj/sub" "$proj/.git/hooks" "$home/.ssh"
as_user sh -c "echo env-canary >'$proj/sub/.env' && echo top-canary >'$proj/.env'"
as_user ln -s "$data/a" "$proj/outside"
cleanup() {
	mode_cleanup
	rm -rf "$logdir" "$proj" "$err" "$data"
}
trap cleanup EXIT

# openat(dirfd, rel) and exit at once: dirfd from an O_PATH open of @1 (after the test renamed
# it, when @3 names a sync file prefix).
step='import os, sys, time
d, rel, wait = sys.argv[1], sys.argv[2], sys.argv[3]
dfd = os.open(d, os.O_PATH | os.O_DIRECTORY)
if wait != "-":
    open(wait + ".ready", "w").close()
    for _ in range(100):
        if os.path.exists(wait + ".go"):
            break
        time.sleep(0.1)
try:
    print(os.read(os.open(rel, os.O_RDONLY, dir_fd=dfd), 100).decode().strip())
except OSError as e:
    print("refused", e.errno)'
log=$logdir/audit.jsonl
# The refused open records: path | rule_text | layer | how the directory was named.
opens() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"].get("action") == "syscall-openat" and r["event"].get("outcome") == "failure":
        c = r["cordon"]
        how = [k for k in ("dir_kernel", "dir_proc", "dir_too_long", "dir_unreachable", "dir_changed") if c.get(k)]
        print((r.get("file") or {}).get("path"), "|", c.get("rule_text"), "|", c.get("layer"),
              "|", ",".join(how) or "-")
PY
}

# Outside cordon every one of these opens works.
out=$(as_user sh -c "cd '$proj/sub' && exec cat .env")
check outside_cd_env_works test "$out" = env-canary
out=$(as_user sh -c "cd '$proj/sub' && exec cat ../.env")
check outside_dotdot_env_works test "$out" = top-canary
out=$(as_user /usr/bin/python3 -c "$step" "$data/a" in.txt - 2>&1)
check outside_dirfd_open_works test "$out" = relpath-canary
out=$(as_user sh -c "cd '$proj/.git/hooks' && echo '#!/bin/sh' >pre-commit && echo planted && rm pre-commit")
check outside_hook_plant_works test "$out" = planted
out=$(as_user sh -c "cd '$proj/outside' && exec cat via-link.txt")
check outside_symlinked_cwd_works test "$out" = link-canary
out=$(as_user /usr/bin/python3 -c "$step" "$deep" in.txt - 2>&1)
check outside_deep_open_works test "$out" = deep-canary

# Each command reports its status after it ran; the python steps print "refused 13".
out=$(run_recorded "sh -c 'cd $proj/sub && exec cat .env'; echo cd_env=\$?;
	sh -c 'cd $proj/sub && exec cat ../.env'; echo dotdot_env=\$?;
	/usr/bin/python3 -c '$step' $data/a in.txt -;
	sh -c 'cd $proj/.git/hooks && echo x >pre-commit'; echo hook=\$?;
	sh -c 'cd $proj/outside && exec cat via-link.txt'; echo symlinked=\$?;
	/usr/bin/python3 -c '$step' $deep in.txt -; echo ran")
echo "$out" | sed 's/^/# out: /'
sed 's/^/# err: /' "$err"
check session_ran grep -qx ran <<<"$out"
check cd_env_cat_ran_and_was_refused grep -qx cd_env=1 <<<"$out"
check dotdot_env_cat_ran_and_was_refused grep -qx dotdot_env=1 <<<"$out"
check hook_plant_ran_and_was_refused grep -qx hook=[12] <<<"$out"
check symlinked_cat_ran_and_was_refused grep -qx symlinked=1 <<<"$out"
check dirfd_and_deep_opens_refused test "$(grep -c '^refused 13$' <<<"$out")" = 2
check no_canary_reached_the_session sh -c "! echo '$out' | grep -q canary"
check cat_saw_permission_denied grep -q "cat: .env: Permission denied" "$err"
recs=$(opens)
echo "$recs" | sed 's/^/# /'
# The secrets' masks refuse a .env that existed at start (layer mount_ns, the pattern's rule).
check cd_env_absolute_by_kernel grep -Eq "^$proj/sub/\.env \| secrets\.patterns\[[0-9]+\]: \*\.env \| mount_ns \| dir_kernel$" <<<"$recs"
check dotdot_env_absolute_by_kernel grep -Eq "^$proj/\.env \| secrets\.patterns\[[0-9]+\]: \*\.env \| mount_ns \| dir_kernel$" <<<"$recs"
check dirfd_absolute_by_kernel grep -q "^$data/a/in.txt | filesystem.read/write: no entry allows it (default deny) | landlock | dir_kernel$" <<<"$recs"
check hook_absolute_by_kernel grep -Eq "^$proj/\.git/hooks/pre-commit \| filesystem\.protect\[[0-9]+\]: $proj/\.git/hooks \| mount_ns \| dir_kernel$" <<<"$recs"
# The kernel names the directory the task is in, not the symlink's name it went through.
check symlinked_cwd_names_the_directory grep -q "^$data/a/via-link.txt | filesystem.read/write: no entry allows it (default deny) | landlock | dir_kernel$" <<<"$recs"
check deep_flagged_too_long_not_cut grep -q "^in.txt | [^|]* | landlock | dir_too_long$" <<<"$recs"
check no_other_relative_record test "$(grep -c '^[^/]' <<<"$recs")" = 1

# The directory renamed between the descriptor's open and the call: its new name, although the
# task exits at once after the refused call.
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
check renamed_record_names_new_directory grep -q "^$data/b/in.txt | filesystem.read/write: no entry allows it (default deny) | landlock | dir_kernel$" <<<"$recs"
