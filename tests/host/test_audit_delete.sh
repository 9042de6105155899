#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Deletes and creations refused by the session (issue 16): unlink, unlinkat, rmdir, mkdir,
# mkdirat, symlink, symlinkat and mknodat of a read-only tree (EROFS), of protected files in the
# project (EROFS in .git/hooks, EBUSY for the .git/config mount point) and of a masked secret
# (EACCES) are refused and recorded with the absolute path (a dirfd-relative name included), the
# layer and the rule; a delete file permissions refuse is not cordon's. Each is done outside
# first (it must work). MODE=daemon runs it through a daemon of its own. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=delete/${MODE:-root}/
session_setup delete
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-delog.XXXXXX)
chmod 755 "$logdir"
log=$logdir/audit.jsonl
err=$proj.err
# Outside every write tree (the view is read-only there): the user's own directory, with a copy
# for the outside run.
data=$(mktemp -d /srv/cordon-delete.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-delete.XXXXXX; })
outside=$data/outside
inside_dir=$data/inside
secret=$home/.ssh/id_delete
cleanup() {
	mode_cleanup
	rm -rf "$logdir" "$proj" "$err" "$data" "$secret"
}
trap cleanup EXIT
fill() { # a directory with the objects the probe deletes
	as_user sh -c "mkdir -p '$1' && touch '$1/f1' '$1/f2' && mkdir -p '$1/e1' '$1/e2'"
}
chmod 755 "$data"
chown "$USER_NAME:" "$data"
fill "$outside"
fill "$inside_dir"
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
export GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid
export GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@example.invalid
as_user sh -c "cd '$proj' && git -c init.defaultBranch=main init -q &&
	printf '#!/bin/sh\n' >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit"
# A directory of root's in the project: the user's delete there is refused by file permissions,
# outside and inside alike.
mkdir "$proj/rootdir"
touch "$proj/rootdir/rootfile"
chmod 755 "$proj/rootdir"

# Every call of the family on directory $1 (by path and relative to a descriptor), then the
# protected and secret objects when $2 is "all". Prints "NAME ok" or "NAME refused ERRNO".
probe='import os, sys, time
def t(name, f):
    try:
        f()
        print(name, "ok")
    except OSError as e:
        print(name, "refused", e.errno)
d, what, proj, secret = sys.argv[1:5]
dfd = os.open(d, os.O_PATH | os.O_DIRECTORY)
t("unlink", lambda: os.unlink(d + "/f1"))
t("unlinkat", lambda: os.unlink("f2", dir_fd=dfd))
t("mkdir", lambda: os.mkdir(d + "/n1"))
t("mkdirat", lambda: os.mkdir("n2", dir_fd=dfd))
t("rmdir", lambda: os.rmdir(d + "/e1"))
t("rmdirat", lambda: os.rmdir("e2", dir_fd=dfd))
t("symlink", lambda: os.symlink("x", d + "/l1"))
t("symlinkat", lambda: os.symlink("x", "l2", dir_fd=dfd))
t("mknodat", lambda: os.mkfifo("p1", dir_fd=dfd))
if what == "all":
    hooks = os.open(proj + "/.git/hooks", os.O_PATH | os.O_DIRECTORY)
    t("hook_unlinkat", lambda: os.unlink("pre-commit", dir_fd=hooks))
    t("hook_mkdir", lambda: os.mkdir(proj + "/.git/hooks/pre-commit.d"))
    t("config_unlink", lambda: os.unlink(proj + "/.git/config"))
    t("secret_unlink", lambda: os.unlink(secret))
    t("rootfile_unlink", lambda: os.unlink(proj + "/rootdir/rootfile"))
time.sleep(0.5)  # alive while cordon reads its descriptors
print("ran")'

# A refusal record: action, errno code, layer, the exact path, the start of the rule text and
# (when given) the start of the rule's source ("FILE:LINE").
refusal() {
	/usr/bin/python3 - "$log" "$@" <<'PY'
import json, re, sys
log, action, code, layer, path, rule = sys.argv[1:7]
source = sys.argv[7] if len(sys.argv) > 7 else None
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r["event"].get("action") == action and r["event"].get("outcome") == "failure" and
            (r.get("error") or {}).get("code") == code and c.get("layer") == layer and
            (r.get("file") or {}).get("path") == path and
            (c.get("rule_text") or "").startswith(rule) and
            (source is None or re.fullmatch(re.escape(source) + r"[0-9]+", c.get("rule_source") or ""))):
        sys.exit(0)
sys.exit(1)
PY
}
no_record_of() { ! grep -qF "\"path\":\"$1\"" "$log"; }

# --- outside: every call works ---------------------------------------------------------------
out=$(as_user /usr/bin/python3 -c "$probe" "$outside" all "$proj" "$secret" 2>&1)
printf "%s\n" "$out" | sed "s/^/# outside: /"
for c in unlink unlinkat mkdir mkdirat rmdir rmdirat symlink symlinkat mknodat hook_unlinkat \
	hook_mkdir config_unlink secret_unlink; do
	check "outside_${c}_works" grep -qx "$c ok" <<<"$out"
done
check outside_rootfile_refused_by_permissions grep -qx "rootfile_unlink refused 13" <<<"$out"
# Put back what the outside run deleted.
as_user sh -c "cd '$proj' && rmdir .git/hooks/pre-commit.d && printf '#!/bin/sh\n' >.git/hooks/pre-commit &&
	git -c init.defaultBranch=main init -q && echo secret-canary >$secret"
check outside_restored test -f "$proj/.git/config" -a -f "$secret" -a -f "$proj/.git/hooks/pre-commit"
# The end-of-session git sweep counts inode changes from 100 ms before the launch as the
# session's (run_git.c): the hook restored just now must be older than that.
sleep 0.5

# --- inside: refused with the errno, recorded by absolute path, layer and rule ----------------
rm -f "$log"
if [[ ${MODE:-root} == daemon ]]; then
	$RUN --project "$proj" --allow-degraded -- /usr/bin/python3 -c "$probe" \
		"$inside_dir" all "$proj" "$secret" </dev/null >"$logdir/out" 2>"$err"
	session_records
else
	$RUN --project "$proj" --allow-degraded --audit-log "$log" -- /usr/bin/python3 -c "$probe" \
		"$inside_dir" all "$proj" "$secret" </dev/null >"$logdir/out" 2>"$err"
fi
out=$(cat "$logdir/out")
printf "%s\n" "$out" | sed "s/^/# inside: /"
if ! check inside_ran grep -qx ran <<<"$out"; then
	sed 's/^/# cordon: /' "$err"
fi
for c in unlink unlinkat mkdir mkdirat rmdir rmdirat symlink symlinkat mknodat hook_unlinkat \
	hook_mkdir; do
	check "inside_${c}_refused_EROFS" grep -qx "$c refused 30" <<<"$out"
done
check inside_config_unlink_refused_EBUSY grep -qx "config_unlink refused 16" <<<"$out"
check inside_secret_unlink_refused_EACCES grep -qx "secret_unlink refused 13" <<<"$out"
check inside_rootfile_refused_EACCES grep -qx "rootfile_unlink refused 13" <<<"$out"
check inside_nothing_deleted test -f "$inside_dir/f1" -a -f "$inside_dir/f2" -a -d "$inside_dir/e1" \
	-a -d "$inside_dir/e2" -a -f "$proj/.git/config" -a -f "$secret" -a -f "$proj/.git/hooks/pre-commit"
check inside_nothing_created test ! -e "$inside_dir/n1" -a ! -e "$inside_dir/n2" -a ! -L "$inside_dir/l1" \
	-a ! -L "$inside_dir/l2" -a ! -e "$inside_dir/p1" -a ! -e "$proj/.git/hooks/pre-commit.d"

grep -h '"outcome":"failure"' "$log" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("#", r["event"]["action"], (r.get("error") or {}).get("code"), (r.get("file") or {}).get("path"),
          "|", r["cordon"].get("layer"), "|", r["cordon"].get("rule_text"), "|", r["cordon"].get("rule_source"))'
view="view: read-only outside filesystem.write"
d=$inside_dir
check record_unlink refusal syscall-unlink EROFS mount_ns "$d/f1" "$view"
check record_unlinkat_dirfd_absolute refusal syscall-unlinkat EROFS mount_ns "$d/f2" "$view"
check record_mkdir refusal syscall-mkdir EROFS mount_ns "$d/n1" "$view"
check record_mkdirat_dirfd_absolute refusal syscall-mkdirat EROFS mount_ns "$d/n2" "$view"
check record_rmdir refusal syscall-rmdir EROFS mount_ns "$d/e1" "$view"
check record_unlinkat_removedir_dirfd_absolute refusal syscall-unlinkat EROFS mount_ns "$d/e2" "$view"
check record_symlink refusal syscall-symlink EROFS mount_ns "$d/l1" "$view"
check record_symlinkat_dirfd_absolute refusal syscall-symlinkat EROFS mount_ns "$d/l2" "$view"
check record_mknodat_dirfd_absolute refusal syscall-mknodat EROFS mount_ns "$d/p1" "$view"
check record_hook_unlinkat_protect refusal syscall-unlinkat EROFS mount_ns \
	"$proj/.git/hooks/pre-commit" "filesystem.protect[" builtin:base:
check record_hook_mkdir_protect refusal syscall-mkdir EROFS mount_ns \
	"$proj/.git/hooks/pre-commit.d" "filesystem.protect[" builtin:base:
check record_config_unlink_protect_EBUSY refusal syscall-unlink EBUSY mount_ns \
	"$proj/.git/config" "filesystem.protect[" builtin:base:
# The mask refused it, named as the layer: root's run and the daemon attribute alike.
check record_secret_unlink_mask refusal syscall-unlink EACCES mount_ns "$secret" "secrets.files[" builtin:base:
check record_no_relative_path sh -c "! grep -h '\"outcome\":\"failure\"' '$log' | grep -q '\"path\":\"[^/]'"
# File permissions refused it, outside too: no cordon refusal, in either mode.
check rootfile_not_a_cordon_refusal no_record_of "$proj/rootdir/rootfile"
