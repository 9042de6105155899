#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Repositories created, cloned or touched during the session (issue 13): whatever the agent
# plants in them to run later outside the session (hooks written or renamed in, core.hooksPath,
# filter drivers, include.path, a hand-made or separate or bare or linked git directory) runs
# nothing once the session is over; the direct write of a hook is refused in the session; every
# neutralization is recorded; ordinary git work in new repositories keeps going and its config
# survives. Each attack is made outside first: there the planted code RUNS at the next git
# command. MODE=daemon runs the same through a daemon (test_git_new_daemon.sh). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=git_new/${MODE:-root}/
session_setup gitnew
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-log.XXXXXX)
if [[ ${MODE:-root} == daemon ]]; then
	log=$DAEMON_DIR/audit.jsonl
	logopt=()
else
	log=$logdir/audit.jsonl
	logopt=(--audit-log "$log")
fi
err=$proj.err
scratch=$(mktemp -d /tmp/cordon-gitnew-outside.XXXXXX)
marks=$home/cordon-gitnew-marks
chown "$USER_NAME:" "$scratch"
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups env HOME="$home" "$@"
}
inside() {
	# shellcheck disable=SC2086 # $RUN is a command line
	$RUN --project "$proj" --policy agent --allow-degraded "${logopt[@]}" -- "$@" \
		</dev/null 2>"$err"
}
record() { audit_has "$log" "$@"; }
# Made inert at once by the watch (root, daemon: layer fanotify) or at the end by the sweep.
# (The watch takes n6's hook while its directory is still stash6/: a git directory already.)
neutralized() {
	record git-neutralize fanotify EPERM "$1" || record git-neutralize git_sweep EPERM "$1" ||
		{ [[ $1 == n6/.git/* ]] && record git-neutralize fanotify EPERM "stash6/${1#n6/.git/}"; }
}
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$err" "$scratch" "$marks" "${fresh:-}"
}
trap cleanup EXIT

export GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid
export GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@example.invalid
ident='export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@example.invalid GIT_COMMITTER_NAME=a
export GIT_COMMITTER_EMAIL=a@example.invalid'
# The developer's project and a local bare upstream, made before any session.
for d in "$proj" "$scratch"; do
	as_user sh -c "cd '$d' && git -c init.defaultBranch=main init -q && echo a >a.txt &&
		git add a.txt && git commit -qm init && git clone -q --bare . upstream.git &&
		git config core.pager 'less -R' && git config alias.co checkout"
done
as_user mkdir -p "$marks"
rm -f "$home/.gitconfig"
projcfg0=$(sha256sum <"$proj/.git/config")

# --- the plants: a direct write first, renames for the rest (the listener refuses the former) ---
plant='cd "$1" || exit 1
M=$2
eval "$3"
echo ran
# Written where it is innocent, then renamed into place: no open of the hook by its name.
hook() { printf "#!/bin/sh\ntouch %s/%s\n" "$M" "$1" >h.tmp && chmod +x h.tmp && mv h.tmp "$2"; }
init() { git -c init.defaultBranch=main init -q "$@"; }
init n1 && printf "#!/bin/sh\ntouch $M/n1_direct\n" >n1/.git/hooks/pre-commit &&
	chmod +x n1/.git/hooks/pre-commit && echo n1_planted
git clone -q upstream.git n2 && hook n2_rename n2/.git/hooks/pre-commit && echo n2_planted
init n3 && mkdir n3hooks && hook n3_hookspath n3hooks/pre-commit &&
	git -C n3 config core.hooksPath "$PWD/n3hooks" && echo n3_planted
init n4 && git -C n4 config filter.x.clean "sh -c \"touch $M/n4_filter; cat\"" &&
	echo "* filter=x" >n4/.gitattributes && echo n4_planted
init n5 && mkdir n5hooks && hook n5_include n5hooks/pre-commit &&
	printf "[core]\n\thooksPath = %s\n" "$PWD/n5hooks" >n5inc &&
	git -C n5 config include.path "$PWD/n5inc" && echo n5_planted
mkdir -p n6 stash6/hooks stash6/objects stash6/refs/heads && echo "ref: refs/heads/main" >stash6/HEAD &&
	printf "[core]\n\trepositoryformatversion = 0\n" >stash6/config &&
	hook n6_handmade stash6/hooks/pre-commit && mv stash6 n6/.git && echo n6_planted
init --separate-git-dir="$PWD/n7sep" n7 && hook n7_separate n7sep/hooks/pre-commit && echo n7_planted
init --bare n8.git && hook n8_bare n8.git/hooks/pre-receive && echo n8_planted
init n9 && mv n9/.git n9real && ln -s ../n9real n9/.git && hook n9_symlink n9real/hooks/pre-commit &&
	echo n9_planted
init n10 && mv n10/.git n10real && echo "gitdir: ../n10real" >n10/.git &&
	hook n10_gitdirfile n10real/hooks/pre-commit && echo n10_planted
git config --global core.hooksPath "$PWD/n3hooks" 2>/dev/null && echo global_planted
echo done'
# The developer's next git commands in each repository.
trigger='cd "$1" || exit 1
eval "$2"
for n in n1 n2 n3 n5 n6 n7 n9 n10; do git -C $n commit -q --allow-empty -m t >/dev/null 2>&1; done
(cd n4 && echo x >x && git add x) >/dev/null 2>&1
git -C n2 push -q ../n8.git HEAD:refs/heads/x >/dev/null 2>&1
true'
attacks="n1_direct n2_rename n3_hookspath n4_filter n5_include n6_handmade n7_separate n8_bare
n9_symlink n10_gitdirfile"

# --- outside: every plant works and its code runs at the developer's next git command --------
out=$(as_user env HOME="$scratch" sh -c "$plant" sh "$scratch" "$marks" "$ident")
as_user sh -c "$trigger" sh "$scratch" "$ident"
for a in $attacks; do
	check "outside_${a}_runs" test -e "$marks/$a"
done
check outside_global_config_writable sh -c "echo '$out' | grep -qx global_planted"
rm -f "$marks"/*

# --- inside: planted during the session -------------------------------------------------------
out=$(inside sh -c "$plant" sh "$proj" "$marks" "$ident")
printf "%s\n" "$out" | sed "s/^/# inside: /"
if ! check inside_ran sh -c "echo '$out' | grep -qx ran && echo '$out' | grep -qx done"; then
	sed 's/^/# cordon: /' "$err"
fi
sed 's/^/# cordon: /' "$err" | grep -i git
check direct_hook_write_refused sh -c "! echo '$out' | grep -qx n1_planted"
check direct_hook_write_recorded record file-open fanotify EPERM n1/.git/hooks/pre-commit
check global_config_refused sh -c "! echo '$out' | grep -qx global_planted && test ! -e '$home/.gitconfig'"
check sweep_reported grep -q "cordon: git: .* made inert" "$err"
# --- after the session: the developer's git runs none of it ----------------------------------
as_user sh -c "$trigger" sh "$proj" "$ident"
for a in $attacks; do
	check "after_${a}_runs_nothing" test ! -e "$marks/$a"
done
for p in n1/.git/hooks/pre-commit n2/.git/hooks/pre-commit n6/.git/hooks/pre-commit \
	n7sep/hooks/pre-commit n8.git/hooks/pre-receive n9real/hooks/pre-commit \
	n10real/hooks/pre-commit; do
	check "neutralized_recorded_${p%%/*}" neutralized "$p"
	check "quarantined_${p%%/*}" test -e "$proj/$p.cordon-quarantined" -a ! -x "$proj/$p.cordon-quarantined"
done
check neutralize_records_valid sh -c "grep -h '\"git-neutralize\"' '$log' |
	/usr/bin/python3 '${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py' -"
for n in n3 n4 n5; do
	check "config_defused_recorded_$n" neutralized "$n/.git/config"
done
check config_defused_keeps_the_lines grep -q '^# cordon: .*hooksPath' "$proj/n3/.git/config"
if ! check project_config_untouched test "$(sha256sum <"$proj/.git/config")" = "$projcfg0"; then
	sed 's/^/# project config: /' "$proj/.git/config"
fi
# A second look at the same trees finds nothing left (the quarantine is stable). The daemon's
# log grows across sessions: only the lines after this point count.
seen=$(wc -l <"$log")
inside true
check second_session_neutralizes_nothing sh -c "! tail -n +$((seen + 1)) '$log' | grep -q git-neutralize"

# --- the legitimate git work in repositories made during the session -------------------------
legit='cd "$1" || exit 1
eval "$2"
set -e
git -c init.defaultBranch=main init -q l1 && cd l1
echo a >a && git add a && git commit -qm a && echo commit_ok
git branch f && git checkout -q f && echo b >b && git add b && git commit -qm b && echo branch_ok
git checkout -q main && git merge -q --no-ff -m m f && echo merge_ok
git remote add up ../upstream.git && git fetch -q up && echo fetch_ok
git config user.email dev@example.invalid && echo config_ok
git stash list >/dev/null && echo x >>a && git stash -q && git stash pop -q && echo stash_ok
git worktree add -q -b f2 ../l1wt && echo worktree_ok
cd .. && git clone -q upstream.git l2 && git -C l2 pull -q && echo clone_ok'
seen=$(wc -l <"$log")
out=$(inside sh -c "$legit" sh "$proj" "$ident" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
for s in commit branch merge fetch config stash worktree clone; do
	check "legit_${s}" sh -c "echo '$out' | grep -qx ${s}_ok"
done
check legit_remote_kept as_user git -C "$proj/l1" config remote.up.url
check legit_user_kept test "$(as_user git -C "$proj/l1" config user.email)" = dev@example.invalid
check legit_repos_untouched sh -c "! tail -n +$((seen + 1)) '$log' | grep -q git-neutralize"
check legit_log_outside as_user git -C "$proj/l1" log --oneline

# --- a project with no repository at start: `git init` at its root works ---------------------
# (base protects ${PROJECT}/.git/hooks and .git/config; missing at start, they are the git
# guard's, not the listener's: refusing every open below them broke git init's sample hooks.)
fresh=$(mktemp -d /tmp/cordon-gitfresh.XXXXXX)
chmod 755 "$fresh" && chown "$USER_NAME:" "$fresh"
fresh_work='cd "$1" && eval "$2" && git -c init.defaultBranch=main init -q . &&
echo a >a && git add a && git commit -qm a && echo fresh_ok
printf "#!/bin/sh\necho planted\n" >.git/hooks/pre-commit 2>/dev/null || echo plant_refused'
# shellcheck disable=SC2086 # $RUN is a command line
out=$($RUN --project "$fresh" --policy agent --allow-degraded "${logopt[@]}" -- \
	sh -c "$fresh_work" sh "$fresh" "$ident" </dev/null 2>"$err")
printf "%s\n" "$out" | sed "s/^/# fresh: /"
check fresh_project_git_init_and_commit grep -qx fresh_ok <<<"$out"
check fresh_project_hook_plant_refused grep -qx plant_refused <<<"$out"
check fresh_project_log_outside as_user git -C "$fresh" log --oneline
check fresh_project_no_live_hook test ! -s "$fresh/.git/hooks/pre-commit"
