#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The project's protected .git/config written through the supervisor (issues 13 and 15): git's
# rename of config.lock onto config is handed to cordon by the session's seccomp filter, which
# lets it through only when every key the new file adds or changes is on the allowlist of keys
# that describe the repository. Legitimate commands (remote add, config user.email, branch -m,
# push -u, checkout --track) work and the developer's config shows them after the session;
# planted keys (core.fsmonitor, core.hooksPath, alias, include, includeIf, filter, odd case and
# quoting, a second section in a value, a rename not made by git, RENAME_EXCHANGE) are refused
# with EPERM and a record naming the protect rule and the key, the file unchanged, no lock left.
# Each is made outside first, where it must work. MODE=daemon: through a daemon
# (test_git_config_daemon.sh). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=git_config/${MODE:-root}/
session_setup gitcfg
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
scratch=$(mktemp -d /tmp/cordon-gitcfg-outside.XXXXXX)
marks=$home/cordon-gitcfg-marks
chown "$USER_NAME:" "$scratch"
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups env HOME="$home" "$@"
}
inside() {
	[[ ${MODE:-root} == daemon ]] || rm -f "$log"
	# shellcheck disable=SC2086 # $RUN is a command line
	$RUN --project "$proj" --policy agent --allow-degraded "${logopt[@]}" -- "$@" \
		</dev/null 2>"$err"
}
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$err" "$scratch" "$marks"
}
trap cleanup EXIT

# A refusal of a write of $proj's config with the key that decided (and the rule: protect).
key_record() {
	/usr/bin/python3 - "$log" "$proj/.git/config" "$1" <<'PY'
import json, sys
log, path, key = sys.argv[1:4]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "git-config-write" and
            c.get("layer") == "seccomp" and r.get("error", {}).get("code") == "EPERM" and
            r.get("file", {}).get("path") == path and c.get("git_key") == key and
            c.get("rule", 0) >> 16 == 4):  # POL_RULE_PROTECT
        sys.exit(0)
sys.exit(1)
PY
}

export GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid
export GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@example.invalid
# The developer's repository: an upstream (a local bare repository), a tracking branch `old`,
# and an alias of their own (a key off the allowlist: theirs, kept through every write).
for d in "$proj" "$scratch"; do
	as_user sh -c "cd '$d' && git -c init.defaultBranch=main init -q && echo a >a.txt &&
		git add a.txt && git commit -qm init && git init -q --bare upstream.git &&
		git remote add origin \"\$PWD/upstream.git\" && git push -q origin main &&
		git branch -q --track old origin/main && git config alias.st status" || exit 1
done
as_user mkdir -p "$marks"

# --- legitimate writes: outside, then inside; the developer's config shows them after ------------
legit='cd "$1" || exit 1
echo ran
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@example.invalid GIT_COMMITTER_NAME=a
export GIT_COMMITTER_EMAIL=a@example.invalid
git remote add up2 "$PWD/upstream.git" && echo remote_add_ok
git config user.email dev@example.invalid && echo user_email_ok
git branch -m old new && echo branch_m_ok
echo b >b.txt && git add b.txt && git commit -qm second && git push -q -u origin main &&
	echo push_u_ok
git checkout -q -b topic --track origin/main && echo checkout_track_ok
git checkout -q main && git branch -q side && git branch -q --set-upstream-to=origin/main side &&
	echo set_upstream_ok
# a value with a newline and a section in it: git writes it escaped, one value
git config user.name "$(printf "x\\n[core]\\n\\tfsmonitor = touch /tmp/smuggled")" &&
	echo newline_value_ok
echo done'
out=$(as_user sh -c "$legit" sh "$scratch" 2>&1)
for s in remote_add user_email branch_m push_u checkout_track set_upstream newline_value; do
	check "outside_${s}_works" sh -c "echo '$out' | grep -qx ${s}_ok"
done
out=$(inside sh -c "$legit" sh "$proj" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
if ! check legit_ran sh -c "echo '$out' | grep -qx ran && echo '$out' | grep -qx done"; then
	sed 's/^/# cordon: /' "$err"
fi
for s in remote_add user_email branch_m push_u checkout_track set_upstream newline_value; do
	check "legit_${s}" sh -c "echo '$out' | grep -qx ${s}_ok"
done
cfg() { as_user git -C "$proj" config "$@"; }
check after_remote_add test "$(cfg remote.up2.url)" = "$proj/upstream.git"
check after_user_email test "$(cfg user.email)" = dev@example.invalid
# branch -m: the ref AND its config section renamed, nothing half done
check after_branch_m_ref sh -c "as_ref() { setpriv --reuid $USER_NAME --regid $USER_NAME \
	--init-groups git -C '$proj' rev-parse -q --verify \"refs/heads/\$1\"; }
	as_ref new >/dev/null && ! as_ref old >/dev/null"
check after_branch_m_config sh -c "test \"\$(setpriv --reuid $USER_NAME --regid $USER_NAME \
	--init-groups git -C '$proj' config branch.new.merge)\" = refs/heads/main &&
	! setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups \
	git -C '$proj' config branch.old.merge"
check after_push_u test "$(cfg branch.main.remote)" = origin
check after_checkout_track test "$(cfg branch.topic.merge)" = refs/heads/main
check after_set_upstream test "$(cfg branch.side.remote)" = origin
check developers_alias_kept test "$(cfg alias.st)" = status
check newline_value_stays_a_value sh -c "! setpriv --reuid $USER_NAME --regid $USER_NAME \
	--init-groups git -C '$proj' config core.fsmonitor >/dev/null &&
	setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups \
	git -C '$proj' config user.name | grep -q fsmonitor"
check legit_no_lock_left test ! -e "$proj/.git/config.lock"
check legit_nothing_refused sh -c "! grep -q git-config-write '$log'"

# --- planted keys: outside each lands (and runs); inside each is refused --------------------------
# One line per attack: NAME KEY COMMAND. The commands run in the repository, as the agent would.
attacks='fsmonitor|core.fsmonitor|git config core.fsmonitor "touch $M/fsmonitor"
hookspath|core.hookspath|git config core.hooksPath "$M/hooks"
alias|alias.st|git config alias.st "!touch $M/alias"
alias_new|alias.x|git config alias.x "!touch $M/alias"
include|include.path|git config include.path "$M/inc"
includeif|includeif.gitdir:/.path|git config "includeIf.gitdir:/.path" "$M/inc"
filter|filter.x.clean|git config filter.x.clean "touch $M/filter"
odd_case|core.fsmonitor|{ cat .git/config; printf "[CoRe]\n\tFsMonitor = touch $M/odd\n"; } >.git/config.lock && mv .git/config.lock .git/config
odd_quoting|core.x.fsmonitor|{ cat .git/config; printf "[core.x]\n\tfsmonitor = a\n"; } >.git/config.lock && mv .git/config.lock .git/config
header_line|core.sshcommand|{ cat .git/config; printf "[user] name = a\n[core] sshCommand = touch $M/ssh\n"; } >.git/config.lock && mv .git/config.lock .git/config
comment_continued|core.pager|{ cat .git/config; printf "[user]\n\tname = a ; \\\\\n[core] pager = touch $M/pager\n"; } >.git/config.lock && mv .git/config.lock .git/config
second_section|core.fsmonitor|{ cat .git/config; printf "[user]\n\tname = x\n[core]\n\tfsmonitor = touch $M/second\n"; } >.git/config.lock && mv .git/config.lock .git/config
not_git|core.fsmonitor|{ cat .git/config; printf "[core]\n\tfsmonitor = touch $M/notgit\n"; } >.git/planted && mv .git/planted .git/config
from_outside|(source not a file of the same .git)|cp .git/config planted && mv planted .git/config
exchange|(rename exchange)|cp .git/config .git/swap && python3 -c "import ctypes,os,sys; l=ctypes.CDLL(None,use_errno=True); r=l.renameat2(-100,b\".git/swap\",-100,b\".git/config\",2); sys.exit(ctypes.get_errno() if r else 0)"'
probe='cd "$1" || exit 1
echo ran
M=$2
while IFS="|" read -r name key cmd; do
	if sh -c "M=$M; $cmd" >/dev/null 2>"$3.$name"; then echo "${name}_ok"; fi
	# git removes its own lock when its rename fails (a hand-made one stays)
	case $cmd in git\ *) [ -e .git/config.lock ] && echo "${name}_lock_left" ;; esac
	rm -f .git/planted .git/swap planted .git/config.lock
done <"$3"
echo done'
atk=$(mktemp /tmp/cordon-gitcfg-attacks.XXXXXX)
printf "%s\n" "$attacks" >"$atk"
chmod 644 "$atk"
out=$(as_user sh -c "$probe" sh "$scratch" "$marks" "$atk" 2>&1)
names=$(cut -d'|' -f1 "$atk")
for a in $names; do
	check "outside_${a}_works" sh -c "echo '$out' | grep -qx ${a}_ok"
done
# Planted outside, the keys run at the developer's next git command there.
as_user sh -c "cd '$scratch' && git status >/dev/null 2>&1; git st >/dev/null 2>&1"
check outside_planted_keys_run sh -c "test -n \"\$(ls -A '$marks')\""
rm -rf "${marks:?}"/*

cfg0=$(sha256sum <"$proj/.git/config")
# The agent's side of the attack file: in its own /tmp (the session's private one is empty).
cp "$atk" "$proj/.attacks" && chown "$USER_NAME:" "$proj/.attacks"
out=$(inside sh -c "$probe" sh "$proj" "$marks" "$proj/.attacks" 2>&1)
printf "%s\n" "$out" | sed "s/^/# inside: /"
if ! check attacks_ran sh -c "echo '$out' | grep -qx ran && echo '$out' | grep -qx done"; then
	sed 's/^/# cordon: /' "$err"
fi
while IFS="|" read -r name key cmd; do
	check "${name}_refused" sh -c "! echo '$out' | grep -qx ${name}_ok"
	check "${name}_recorded_with_key" key_record "$key"
done <"$atk"
check config_unchanged test "$(sha256sum <"$proj/.git/config")" = "$cfg0"
check no_lock_left sh -c "! echo '$out' | grep -q _lock_left"
# git's own message, readable: its config write failed, with the refusal's errno
check git_says_why grep -q "Operation not permitted" "$proj/.attacks.fsmonitor"
sed 's/^/# git: /' "$proj/.attacks.fsmonitor"
# Nothing planted runs at the developer's next git commands.
as_user sh -c "cd '$proj' && git status >/dev/null 2>&1; git st >/dev/null 2>&1; git x >/dev/null 2>&1"
check nothing_planted_runs sh -c "test -z \"\$(ls -A '$marks')\""
check exit_report_names_key grep -q "core.fsmonitor" "$err"
rm -f "$atk" "$proj"/.attacks*

# --- a session of many renames (a build's temporaries) still works --------------------------------
out=$(inside sh -c 'cd "$1" && mkdir -p build && i=0 && while [ $i -lt 2000 ]; do
	echo $i >build/t.tmp && mv build/t.tmp build/t.$((i % 10)) || exit 1; i=$((i + 1)); done &&
	echo renames_ok' sh "$proj" 2>&1)
check many_renames_work sh -c "echo '$out' | grep -qx renames_ok"
check many_renames_content test "$(cat "$proj/build/t.9")" = 1999
