#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The git watch (issue 13): a hook the agent places in a repository of its write trees — one it
# makes with `git init`, a hand-made git directory that becomes one, a prepared one (not a
# repository at the start: its HEAD missing) moved into place, a hooks directory swapped in — by
# rename, hard link, symlink or creation, and a config key that runs programs, are made inert
# *while the session still runs*, so git run outside the session meanwhile runs nothing of the
# agent's. A repository that exists at the start (sub/) is protected as the project's .git is:
# the same plants there fail at once (read-only hooks), with a record. Each plant is
# made outside first: there git runs it. Inside, the agent waits (until the test says go) while
# git runs outside in each repository; the records name the rule and layer fanotify; the
# developer's own hook made outside meanwhile stays; git init, commit, worktree add and clone
# still work in the session. Then a protected path whose parent is missing too (a/b/.mcp.json).
# MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=git_hooks_watch/$MODE/
session_setup githookw
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
audit_log_setup githookw
marks=$home/cordon-githookw-marks
err=$logdir/run.err
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$marks"
}
trap cleanup EXIT
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups env HOME="$home" \
		GIT_AUTHOR_NAME=d GIT_AUTHOR_EMAIL=d@example.invalid GIT_COMMITTER_NAME=d \
		GIT_COMMITTER_EMAIL=d@example.invalid "$@"
}
q=.cordon-quarantined

# The developer's project, a repository in it (sub/) and a git directory prepared earlier
# (prep/: what an earlier session could have left, old times inside, its HEAD put aside so
# that it is no repository when the session starts), all before the session.
setup() {
	rm -rf "${proj:?}"/* "$proj"/.??* "$marks"
	as_user mkdir -p "$marks"
	as_user sh -c "cd '$proj' && git -c init.defaultBranch=main init -q && echo a >a.txt &&
		git add a.txt && git commit -qm init &&
		git -c init.defaultBranch=main init -q sub && git -C sub commit -q --allow-empty -m s &&
		git clone -q --bare sub prep && printf '#!/bin/sh\ntouch $marks/n3_moved\n' \
		>prep/hooks/pre-commit && chmod +x prep/hooks/pre-commit && mv prep/HEAD prep/HEAD.x &&
		printf '#!/bin/sh\ntouch $marks/sub_developer_old\n' >sub/.git/hooks/reference-transaction &&
		chmod +x sub/.git/hooks/reference-transaction"
}

# The plants, in the project ($1: the marks directory). Prints what it did.
plant='M=$1
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@example.invalid GIT_COMMITTER_NAME=a
export GIT_COMMITTER_EMAIL=a@example.invalid
hook() { printf "#!/bin/sh\ntouch $M/%s\n" "$1"; }
# sub/ (the developer s): a rename, a hard link, a symlink, a creation
hook sub_rename >t1 && chmod +x t1 && mv t1 sub/.git/hooks/pre-commit && echo sub_rename
hook sub_hardlink >t2 && chmod +x t2 && ln t2 sub/.git/hooks/commit-msg && echo sub_hardlink
hook sub_symlink >t3 && chmod +x t3 && ln -s "$PWD/t3" sub/.git/hooks/post-commit && echo sub_symlink
( hook sub_create >sub/.git/hooks/prepare-commit-msg ) 2>/dev/null; chmod +x sub/.git/hooks/prepare-commit-msg
# n1/, made now: a renamed hook and a core.hooksPath
git -c init.defaultBranch=main init -q n1 && git -C n1 commit -q --allow-empty -m n && echo n1_init
hook n1_rename >t4 && chmod +x t4 && mv t4 n1/.git/hooks/pre-commit && echo n1_rename
mkdir hp && hook n1_hookspath >hp/pre-commit && chmod +x hp/pre-commit &&
	git -C n1 config core.hooksPath "$PWD/hp" && echo n1_hookspath
# n2/: a directory that becomes a git directory after its hook is in place
mkdir -p n2/.git/hooks && hook n2_becomes >t5 && chmod +x t5 && mv t5 n2/.git/hooks/pre-commit &&
	git -C sub rev-parse HEAD >/dev/null && mkdir -p n2/.git/objects n2/.git/refs/heads &&
	echo "ref: refs/heads/main" >n2/.git/HEAD && echo n2_becomes
# n3/: the git directory prepared earlier, moved into place (its hook has old times)
mkdir n3 && mv prep/HEAD.x prep/HEAD && mv prep n3/.git && git -C n3 config core.bare false &&
	echo n3_moved
# n1 again: its hooks directory swapped for one of the agent s
mkdir hk && hook n1_hooksdir >hk/post-commit && chmod +x hk/post-commit &&
	mv n1/.git/hooks n1/.git/hooks.old && mv hk n1/.git/hooks && echo n1_hooksdir
echo PLANTED'

# Commits outside the session (as the developer) in each repository: their hooks run.
commit_all() {
	for r in sub n1 n2 n3; do
		as_user git -C "$proj/$r" commit -q --allow-empty -m "outside $1" >/dev/null 2>&1
	done
}

# --- outside cordon: every plant is there and runs ---------------------------------------------
setup
out=$(cd "$proj" && as_user sh -c "$plant" sh "$marks" 2>&1)
check outside_planted grep -qx PLANTED <<<"$out"
commit_all outside
for m in sub_rename sub_hardlink sub_symlink sub_create n1_hookspath n2_becomes n3_moved \
	sub_developer_old; do
	check "outside_${m}_runs" test -e "$marks/$m"
done
# n1's own hooks are not run while core.hooksPath points elsewhere; without it they are.
as_user git -C "$proj/n1" config --unset core.hooksPath
as_user git -C "$proj/n1" commit -q --allow-empty -m x >/dev/null 2>&1
check outside_n1_hooksdir_runs test -e "$marks/n1_hooksdir"
[[ -n ${KEEP:-} ]] && trap - EXIT

# --- inside: the agent plants, then waits while git runs outside --------------------------------
setup
agent="$plant
( hook sub_abs >\"\$PWD/sub/.git/hooks/post-merge\" ) 2>/dev/null; echo sub_abs=\$?
touch planted; i=0; while [ ! -e go ] && [ \$i -lt 600 ]; do i=\$((i + 1)); sleep 0.05; done
echo WAITED
# ordinary git work in repositories of the session goes on
git -c init.defaultBranch=main init -q w && echo x >w/x && git -C w add x &&
	git -C w commit -qm w && echo GIT_INIT_COMMIT
git -C w worktree add -q ../w2 -b b2 && echo GIT_WORKTREE_ADD
git clone -q w w3 && git -C w3 log --oneline | grep -q w && echo GIT_CLONE
git -C w remote add up ../w3 && git -C w config user.email x@example.invalid && echo GIT_CONFIG
echo RAN"
# The developer, outside while the session runs: a hook of theirs in sub/, made by a process
# that is alive when cordon reads the event (it stays until the test says go).
developer='import os, sys, time
p = sys.argv[1]
for i in range(600):
    if os.path.exists(p + "/planted"): break
    time.sleep(0.05)
open(p + "/dev.tmp", "w").write("#!/bin/sh\ntouch " + sys.argv[2] + "/sub_developer_new\n")
os.chmod(p + "/dev.tmp", 0o755)
os.rename(p + "/dev.tmp", p + "/sub/.git/hooks/pre-push")
for i in range(600):
    if os.path.exists(p + "/go"): break
    time.sleep(0.05)'
# The test's own side while the agent waits: each plant gone (2 s at most), then git outside.
gone() {
	local i
	for ((i = 0; i < 40; i++)); do
		[[ -e $1 || -L $1 ]] || return 0
		sleep 0.05
	done
	return 1
}
during=$logdir/during
(
	for ((i = 0; i < 600; i++)); do
		[[ -e $proj/planted ]] && break
		sleep 0.05
	done
	sleep 0.2
	for h in sub/.git/hooks/pre-commit sub/.git/hooks/commit-msg sub/.git/hooks/post-commit \
		sub/.git/hooks/prepare-commit-msg n1/.git/hooks/pre-commit n2/.git/hooks/pre-commit \
		n3/.git/hooks/pre-commit n1/.git/hooks/post-commit; do
		gone "$proj/$h"
		echo "${h//\//_}=$?"
	done
	echo "hookspath=$(as_user git -C "$proj/n1" config core.hooksPath)"
	commit_all inside
	ls "$marks" | sed 's/^/mark=/'
	test -x "$proj/sub/.git/hooks/pre-push" && echo developer_hook_during=0
	touch "$proj/go"
) >"$during" 2>&1 &
watcher=$!
(as_user /usr/bin/python3 -c "$developer" "$proj" "$marks") &
devpid=$!
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${logopt[@]}" -- \
	sh -c "$agent" sh "$marks" </dev/null 2>"$err")
wait "$watcher" "$devpid"
sed 's/^/# during: /' "$during"
printf "%s\n" "$out" | sed 's/^/# /'
check inside_planted grep -qx PLANTED <<<"$out"
check inside_waited grep -qx WAITED <<<"$out"
check inside_ran grep -qx RAN <<<"$out"
for h in sub/.git/hooks/pre-commit sub/.git/hooks/commit-msg sub/.git/hooks/post-commit \
	sub/.git/hooks/prepare-commit-msg n1/.git/hooks/pre-commit n2/.git/hooks/pre-commit \
	n3/.git/hooks/pre-commit n1/.git/hooks/post-commit; do
	check "inside_gone_during_session_${h//\//_}" grep -qx "${h//\//_}=0" "$during"
done
check inside_hookspath_defused_during_session grep -qx "hookspath=" "$during"
for m in sub_rename sub_hardlink sub_symlink sub_create n1_rename n1_hookspath n1_hooksdir \
	n2_becomes n3_moved; do
	check "inside_${m}_not_run_outside_during_session" sh -c "! grep -qx 'mark=$m' '$during'"
done
check developer_old_hook_runs_during_session grep -qx mark=sub_developer_old "$during"
check developer_new_hook_kept_during_session grep -qx developer_hook_during=0 "$during"
check developer_new_hook_kept_after_session test -x "$proj/sub/.git/hooks/pre-push"
# sub/ was a repository at the start: its hooks directory is read-only in the session, so none
# of the plants got there (a rename or link across the read-only bind is EXDEV, a creation
# EROFS), and a write by its full path is recorded with the protect entry as its rule.
has_line() { grep -qx -- "$1" <<<"$out"; }
for m in sub_rename sub_hardlink sub_symlink; do
	check "inside_${m}_refused" eval "! has_line $m"
done
check inside_sub_abs_ran grep -q '^sub_abs=' <<<"$out"
check inside_sub_abs_refused eval '! has_line sub_abs=0'
check recorded_sub_hook_write_refused /usr/bin/python3 - "$log" "$proj/sub/.git/hooks/post-merge" <<'PY'
import json, sys
log, path = sys.argv[1:3]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if ((r.get("file", {}).get("path") or "") == path and c.get("layer") == "mount_ns" and
            c.get("rule_text", "").startswith("filesystem.protect")):
        sys.exit(0)
sys.exit(1)
PY
check quarantined_kept sh -c "test -f '$proj/n2/.git/hooks/pre-commit$q' &&
	test -f '$proj/n3/.git/hooks/pre-commit$q'"
for g in GIT_INIT_COMMIT GIT_WORKTREE_ADD GIT_CLONE GIT_CONFIG; do
	check "inside_${g,,}_works" grep -qx "$g" <<<"$out"
done
check inside_new_repo_config_kept as_user sh -c "git -C '$proj/w' config remote.up.url >/dev/null &&
	test \"\$(git -C '$proj/w' config user.email)\" = x@example.invalid"
# The records: made inert by the watch (layer fanotify), the rule text the sweep uses.
watched() {
	/usr/bin/python3 - "$log" "$1" "$2" <<'PY'
import json, sys
log, path, rule = sys.argv[1:4]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "git-neutralize" and c.get("layer") == "fanotify" and
            (r.get("file", {}).get("path") or "") == path and c.get("rule_text", "") == rule):
        sys.exit(0)
sys.exit(1)
PY
}
hooks_rule="git: hooks of a repository in a write tree"
for h in n1/.git/hooks/pre-commit n2/.git/hooks/pre-commit n1/.git/hooks/post-commit; do
	check "recorded_fanotify_${h//\//_}" watched "$proj/$h" "$hooks_rule"
done
# prep/ became a git directory when its HEAD came back, before it was moved: taken there.
check recorded_fanotify_n3_.git_hooks_pre-commit eval 'watched "$proj/prep/hooks/pre-commit" \
	"$hooks_rule" || watched "$proj/n3/.git/hooks/pre-commit" "$hooks_rule"'
check recorded_fanotify_n1_config watched "$proj/n1/.git/config" \
	"git: config keys that run programs, in a repository of a write tree"

# --- a protected path whose parent is missing too: the mark moves down as directories appear ---
if [[ $MODE == root ]]; then
	setup
	pol=$logdir/deep.yaml
	cat >"$pol" <<EOF
name: deep
extends: agent
filesystem:
  protect:
    - \${PROJECT}/a/b/.mcp.json
EOF
	deep='gone() { i=0; while [ -e "$1" ] || [ -L "$1" ]; do
	i=$((i + 1)); [ $i -gt 40 ] && return 1; sleep 0.05; done; }
echo "{}" >t; mkdir -p a/b; mv t a/b/.mcp.json; gone a/b/.mcp.json; echo "deep_mv=$?"
rm -rf a*; mkdir -p s/b; echo "{}" >s/b/.mcp.json; mv s a; gone a/b/.mcp.json; echo "deep_dir_mv=$?"
rm -rf a*; mkdir -p r/b; echo "{}" >r/b/.mcp.json; ln -s r a; gone a; echo "deep_symlink_on_way=$?"
rm -rf a*; mkdir a; echo "{}" >t; ln -s t a/b; gone a/b; echo "deep_symlink_parent=$?"
rm -rf a* r; mkdir -p a/b; echo "{}" >t2; ln t2 a/b/.mcp.json; gone a/b/.mcp.json; echo "deep_hardlink=$?"
echo RAN'
	out=$(cd "$proj" && as_user sh -c "$deep" 2>&1)
	check outside_deep_in_place sh -c "test -f '$proj/a/b/.mcp.json'"
	rm -rf "$proj"/a* "$proj"/r "$proj"/t*
	out=$(cd "$proj" && $RUN --quiet --policy "$pol" --project "$proj" "${logopt[@]}" -- \
		sh -c "$deep" </dev/null 2>"$err")
	printf "%s\n" "$out" | sed 's/^/# /'
	check deep_ran grep -qx RAN <<<"$out"
	for v in deep_mv deep_dir_mv deep_symlink_on_way deep_symlink_parent deep_hardlink; do
		check "inside_${v}_quarantined_within_2s" grep -qx "$v=0" <<<"$out"
	done
	check deep_recorded /usr/bin/python3 - "$log" "$proj/a/b/.mcp.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "protect-quarantine" and c.get("layer") == "fanotify"
            and r.get("file", {}).get("path") == sys.argv[2]
            and "a/b/.mcp.json" in c.get("rule_text", "")):
        sys.exit(0)
sys.exit(1)
PY
fi

