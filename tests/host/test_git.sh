#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The project's .git as a unit on the host tier (issue 13): the repository cannot be renamed away
# and replaced, its hooks and config are not writable, and ordinary git work keeps going under
# `agent`. Each attack is made outside first (it must work), then inside (refused, recorded).
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=git/
session_setup git
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
# A root-only directory: a log the session's user could write or pre-claim is refused.
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
log=$logdir/audit.jsonl
err=$proj.err
scratch=$(mktemp -d /tmp/cordon-git-outside.XXXXXX)
chown "$USER_NAME:" "$scratch"
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups env HOME="$home" "$@"
}
inside() {
	rm -f "$log"
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy agent --allow-degraded \
		--audit-log "$log" -- "$@" </dev/null 2>"$err"
}
# A record in the audit log: action, layer, errno and a path fragment (all required).
record() { audit_has "$log" "$@"; }
cleanup() { rm -rf "$proj" "$logdir" "$err" "$scratch"; }
trap cleanup EXIT

export GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid
export GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@example.invalid
# A developer's repository: the project (with a local bare "upstream" to clone and fetch from).
make_repo() {
	as_user sh -c "cd '$1' && git -c init.defaultBranch=main init -q && echo a >a.txt &&
		git add a.txt && git commit -qm init && git clone -q --bare . upstream.git"
}
make_repo "$proj"
make_repo "$scratch"
git_dir_ino=$(stat -c %i "$proj/.git")
config0=$(sha256sum <"$proj/.git/config")

# --- outside: every attack works on the scratch repository ------------------------------------
attack_probe='cd "$1" || exit 1
echo ran
if mv .git .git-moved; then
	mkdir .git && echo "[core]" >.git/config && echo moved_ok
	rm -rf .git && mv .git-moved .git
fi
printf "#!/bin/sh\necho hooked\n" >.git/hooks/pre-commit 2>/dev/null && echo hook_ok
rm -f .git/hooks/pre-commit
git config core.hooksPath /tmp/evil-hooks 2>/dev/null && echo hookspath_ok
git config --unset core.hooksPath 2>/dev/null
echo done'
out=$(as_user sh -c "$attack_probe" sh "$scratch")
for a in moved hook hookspath; do
	check "outside_${a}_works" sh -c "echo '$out' | grep -qx ${a}_ok"
done

# --- inside: refused, recorded, nothing half done ----------------------------------------------
out=$(inside sh -c "$attack_probe" sh "$proj")
printf "%s\n" "$out" | sed "s/^/# inside: /"
if ! check inside_ran sh -c "echo '$out' | grep -qx ran && echo '$out' | grep -qx done"; then
	sed 's/^/# cordon: /' "$err"
fi
check git_dir_rename_refused sh -c "! echo '$out' | grep -qx moved_ok"
check git_dir_is_the_same test "$(stat -c %i "$proj/.git")" = "$git_dir_ino"
rename_record() {
	record syscall-renameat2 mount_ns EBUSY "$1" || record syscall-renameat mount_ns EBUSY "$1" ||
		record syscall-rename mount_ns EBUSY "$1"
}
check git_dir_rename_recorded_EBUSY rename_record .git
check hook_write_refused sh -c "! echo '$out' | grep -qx hook_ok && test ! -e $proj/.git/hooks/pre-commit"
check hook_write_recorded_EROFS record syscall-openat mount_ns EROFS .git/hooks/pre-commit
check hookspath_refused sh -c "! echo '$out' | grep -qx hookspath_ok"
check config_unchanged test "$(sha256sum <"$proj/.git/config")" = "$config0"
check config_no_lock_left test ! -e "$proj/.git/config.lock"
# The config write goes through cordon's supervisor (test_git_config.sh has the full suite).
check config_write_recorded_EPERM record git-config-write seccomp EPERM .git/config

# --- the legitimate git suite under agent -------------------------------------------------------
legit='cd "$1" || exit 1
set -e
git status --short >/dev/null && echo status_ok
echo b >b.txt && git add b.txt && git commit -qm second && echo commit_ok
git branch feature && git checkout -q feature && echo checkout_ok
echo c >c.txt && git add c.txt && git commit -qm third && echo branch_commit_ok
git checkout -q main && echo d >d.txt && git add d.txt && git commit -qm fourth
git merge -q --no-ff -m merge feature && echo merge_ok
git checkout -q -b topic HEAD~1 && echo e >e.txt && git add e.txt && git commit -qm fifth
git rebase -q main && echo rebase_ok
echo dirty >>a.txt && git stash -q && git stash pop -q && git checkout -q -- a.txt && echo stash_ok
git fetch -q upstream.git main && echo fetch_ok
git clone -q upstream.git clone && (cd clone && git log --oneline >/dev/null) && echo clone_ok
mkdir fresh && (cd fresh && git -c init.defaultBranch=main init -q && echo x >x && git add x &&
	git commit -qm x) && echo init_ok
git gc -q && echo gc_ok
git tag v1 && echo tag_ok'
out=$(inside sh -c "$legit" sh "$proj" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
for s in status commit checkout branch_commit merge rebase stash fetch clone init gc tag; do
	check "legit_${s}" sh -c "echo '$out' | grep -qx ${s}_ok"
done
check legit_config_still_unchanged test "$(sha256sum <"$proj/.git/config")" = "$config0"

# --- git branch -m: git renames the ref first, then rewrites its config section (always: the
# config write happens whether or not branch.NAME.* exists). The write goes through cordon's
# supervisor: both are done, nothing is left half done -------------------------------------------
as_user sh -c "cd $proj && git branch plain"
out=$(inside sh -c 'cd "$1"; git branch -m plain plain2; echo rc=$?; git branch --list "plain*"' sh "$proj" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
check branch_m_works sh -c "echo '$out' | grep -qx rc=0"
check branch_m_leaves_nothing_half_done sh -c "echo '$out' | grep -q ' plain2\$' &&
	! echo '$out' | grep -q ' plain\$'"
check branch_m_no_lock_left test ! -e "$proj/.git/config.lock"
