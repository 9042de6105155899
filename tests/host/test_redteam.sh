#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An adversarial review of the host tier (no BPF LSM) under the default policy: each attack
# that worked against main is made outside cordon first (it must work there, or the check
# proves nothing), then inside a session, where it must be refused — the confined command
# must have run, the attacker's goal must not be reached, and where cordon refuses an object
# that exists, a record must name the rule. Attacks whose fix is not in yet are open_check:
# a TAP comment says whether each still works ("not ok" with CORDON_OPEN_BYPASSES=1).
# Classes: a secret read under another name (renamed or linked during the session), git
# hooks planted through core.hooksPath or .git/commondir, a nested repository's config or
# hooks live while the session runs, credentials in the trees the policy reads, System V IPC
# shared with the host, memory the limit does not see, and the developer's terminal handed
# to the agent. MODE=root (default) or MODE=daemon (test_redteam_daemon.sh). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=redteam/$MODE/
session_setup redteam
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /var/log/cordon-test-redteam.XXXXXX)
log=$logdir/audit.jsonl
[[ $MODE == daemon ]] && log=$DAEMON_DIR/audit.jsonl
# Where a hook that ran outside the session leaves its mark (the session's /tmp is its own).
mark=$(mktemp -d /tmp/cordon-redteam-mark.XXXXXX)
chmod 1777 "$mark"
tmux_sock=/tmp/cordon-redteam-tmux-$$.sock
ipc_key=$((0x52540000 + $$ % 65536))
gitc() { as_user git -c user.email=rt@example.org -c user.name=rt "$@"; }
cleanup() {
	tmux -S "$tmux_sock" kill-server 2>/dev/null
	ipcrm -M "$ipc_key" 2>/dev/null
	ipcrm -Q "$((ipc_key + 1))" 2>/dev/null
	as_user git config --global --unset core.hooksPath 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$proj.err" "$logdir" "$mark" "$tmux_sock" "$home/.cache/cordon-redteam" \
		"$home/.cache/huggingface/token" "$home/.config/git/credentials"
}
trap cleanup EXIT

extra=()
[[ $MODE == root ]] && extra=(--audit-log "$log")
# Root's own PATH (its pyenv and cargo directories) would be refused on every exec.
[[ $MODE == root ]] && RUN="env PATH=/usr/bin:/bin $RUN"
# One session of the default policy in the project running `sh -c @1`; stderr in $proj.err.
inside() {
	(cd "$proj" && $RUN --quiet --project "$proj" "${extra[@]}" "${@:2}" -- sh -c "$1" \
		</dev/null 2>>"$proj.err")
}
# A refusal in the log of @1 (a path, exactly) by a rule whose text starts with @2.
recorded() {
	/usr/bin/python3 - "$log" "$1" "$2" <<'PY'
import json, sys
log, path, rule = sys.argv[1:4]
try:
    lines = open(log).readlines()
except OSError:
    sys.exit(1)
for line in lines:
    r = json.loads(line)
    if ((r.get("file", {}).get("path") or "") == path and
            r.get("cordon", {}).get("rule_text", "").startswith(rule)):
        sys.exit(0)
sys.exit(1)
PY
}

# An attack that still works on this tier (issue 13: git and secrets; issue 12: limits). Run
# with CORDON_OPEN_BYPASSES=1 it is a check like the others and fails; in `make check` its
# outcome is printed as a TAP comment, so the attack keeps running and what it does stays in
# every log, but a known, reported bypass does not hold back the fixes that land with it.
open_check() { # @1 issue @2 name @3.. command
	local issue=$1 name=$2
	shift 2
	if [[ ${CORDON_OPEN_BYPASSES:-} == 1 ]]; then
		check "$name" "$@"
	elif "$@" >/dev/null 2>&1; then
		echo "# open bypass (issue $issue) $name: holds now (make it a check)"
	else
		echo "# open bypass (issue $issue) $name: still works"
	fi
}
recorded_either() { recorded "$1" "$3" || recorded "$2" "$3"; }
# @2 (a command's output) has no line matching @1 / equal to @1.
lacks() { ! grep -q -- "$1" <<<"$2"; }
lacks_line() { ! grep -qx -- "$1" <<<"$2"; }
# Wait (up to 10 s) for file @1.
wait_for() {
	for ((i = 0; i < 100; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# --- a secret made while the session runs, read under another name -------------------------
# Secret names are masked when the session starts; one the developer makes later (`.env.local`
# from `vercel env pull`) is refused by the listener by its name at open. A rename or a hard
# link needs no open, and the listener then sees an innocent name.
echo "rename-canary-$$" >"$proj/.env.local"
echo "link-canary-$$" >"$proj/.env.production"
chown "$USER_NAME:" "$proj/.env.local" "$proj/.env.production"
out=$(cd "$proj" && as_user sh -c 'mv .env.local renamed.txt && cat renamed.txt;
	ln .env.production linked.txt && cat linked.txt')
check outside_renamed_secret_read grep -q "rename-canary-$$" <<<"$out"
check outside_linked_secret_read grep -q "link-canary-$$" <<<"$out"
rm -f "$proj"/renamed.txt "$proj"/linked.txt "$proj"/.env.production
(
	wait_for "$proj/ready" &&
		as_user sh -c "echo rename-canary-$$ >$proj/.env.local; echo link-canary-$$ >$proj/.env.production"
	touch "$proj/made"
) &
# Only this helper: in MODE=daemon the suite's daemon is a child of this shell too.
helper=$!
out=$(inside 'touch ready; i=0; while [ ! -e made ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	mv .env.local renamed.txt; cat renamed.txt
	ln .env.production linked.txt; cat linked.txt; echo RAN')
wait "$helper"
check inside_ran grep -qx RAN <<<"$out"
check renamed_secret_not_read_inside lacks rename-canary-$$ "$out"
check linked_secret_not_read_inside lacks link-canary-$$ "$out"
check renamed_secret_recorded recorded_either "$proj/renamed.txt" "$proj/.env.local" secrets.patterns
rm -f "$proj"/ready "$proj"/made "$proj"/renamed.txt "$proj"/linked.txt "$proj"/.env.*

# The same in a cache tree the session writes through its layer (~/.cache): a secret name
# there when the session starts is not masked (the walk covers the project), and a rename in
# the layer copies it up under an innocent name. The listener knows its inode from the start
# (a walk of the cache trees for secret names): the copy keeps it. Then the next tries: a hard
# link of the renamed copy, and the directory renamed with the secret's own name inside.
as_user mkdir -p "$home/.cache/cordon-redteam/sub"
as_user sh -c "echo cache-canary-$$ >$home/.cache/cordon-redteam/deploy.pem;
	echo cache-deep-canary-$$ >$home/.cache/cordon-redteam/sub/.env"
check outside_cache_secret_read grep -q "cache-canary-$$" "$home/.cache/cordon-redteam/deploy.pem"
out=$(inside "cd $home/.cache/cordon-redteam && mv deploy.pem moved.txt; cat moved.txt
	ln moved.txt linked.txt && cat linked.txt; mv sub renamed && mv renamed/.env renamed/notes &&
	cat renamed/notes; echo RAN")
check cache_inside_ran grep -qx RAN <<<"$out"
check cache_renamed_secret_not_read_inside lacks cache-canary-$$ "$out"
check cache_renamed_secret_recorded recorded_either "$home/.cache/cordon-redteam/moved.txt" \
	"$home/.cache/cordon-redteam/deploy.pem" secrets.patterns
check cache_linked_secret_recorded recorded "$home/.cache/cordon-redteam/linked.txt" secrets.patterns
check cache_renamed_dir_secret_not_read_inside lacks cache-deep-canary-$$ "$out"
# (an overlay without redirect_dir refuses to rename a lower directory: mv copies it instead,
# and that read of sub/.env is the refusal)
check cache_renamed_dir_secret_recorded recorded_either "$home/.cache/cordon-redteam/renamed/notes" \
	"$home/.cache/cordon-redteam/sub/.env" secrets.patterns
check cache_host_copy_intact test -s "$home/.cache/cordon-redteam/deploy.pem"
check cache_host_dir_intact test -s "$home/.cache/cordon-redteam/sub/.env"

# --- credentials in the trees the policy reads -----------------------------------------------
# git's credential store reads ${XDG_CONFIG_HOME}/git/credentials too, and the policy reads
# that directory; Hugging Face keeps its token in ~/.cache. Both are secrets.files now.
as_user mkdir -p "$home/.config/git" "$home/.cache/huggingface"
as_user sh -c "umask 077; echo https://rt:ghp_canary$$@github.com >$home/.config/git/credentials;
	echo hf_canary$$ >$home/.cache/huggingface/token"
out=$(as_user sh -c "cat $home/.config/git/credentials $home/.cache/huggingface/token")
check outside_git_credentials_read grep -q "ghp_canary$$" <<<"$out"
check outside_hf_token_read grep -q "hf_canary$$" <<<"$out"
out=$(inside "cat $home/.config/git/credentials; cat $home/.cache/huggingface/token; echo RAN")
check creds_inside_ran grep -qx RAN <<<"$out"
check git_credentials_not_read_inside lacks ghp_canary$$ "$out"
check hf_token_not_read_inside lacks hf_canary$$ "$out"
check git_credentials_recorded recorded "$home/.config/git/credentials" secrets.files
check hf_token_recorded recorded "$home/.cache/huggingface/token" secrets.files
rm -f "$home/.config/git/credentials" "$home/.cache/huggingface/token"

# --- git hooks planted in the project's repository -------------------------------------------
gitc init -q "$proj"
echo hello >"$proj/README"
chown "$USER_NAME:" "$proj/README"
gitc -C "$proj" add README
gitc -C "$proj" commit -qm init
hook='#!/bin/sh
touch '"$mark"'/$(basename "$0")-$(pwd | tr / _)
'
printf '%s' "$hook" >"$proj/hook.sh"
chown "$USER_NAME:" "$proj/hook.sh"
commit() { # the developer's next commit in repository @1, outside cordon
	echo "$RANDOM" >>"$1/README"
	chown "$USER_NAME:" "$1/README"
	gitc -C "$1" commit -qam next >/dev/null 2>&1
}

# core.hooksPath pointing into the project (husky: `.husky/_`, lefthook, simple-git-hooks):
# the hooks git runs are ordinary project files, not .git/hooks.
gitc -C "$proj" config core.hooksPath .husky
as_user mkdir "$proj/.husky"
as_user sh -c "cp $proj/hook.sh $proj/.husky/pre-commit; chmod +x $proj/.husky/pre-commit"
commit "$proj"
check outside_hookspath_hook_runs sh -c "ls $mark | grep -q pre-commit"
rm -f "${mark:?}"/* "$proj/.husky/pre-commit"
# The directory core.hooksPath names is the repository's hooks directory: read-only in the
# session as .git/hooks is. The next try: a file made elsewhere and renamed into it. (The write
# names the path in full: a refused relative path is made absolute in the kernel at the call,
# from the process's cwd, even for a process gone by the time its record is read.)
out=$(inside 'cp hook.sh "$PWD/.husky/pre-commit"; echo write=$?; chmod +x .husky/pre-commit
	cp hook.sh h2 && chmod +x h2 && mv h2 .husky/pre-commit; echo rename=$?; echo RAN')
check hookspath_inside_ran grep -qx RAN <<<"$out"
check hookspath_hook_write_refused lacks_line write=0 "$out"
check hookspath_hook_rename_refused lacks_line rename=0 "$out"
commit "$proj"
check hookspath_hook_not_run_after_session sh -c "! ls $mark | grep -q pre-commit"
check hookspath_hook_recorded recorded "$proj/.husky/pre-commit" filesystem.protect
rm -rf "${mark:?}"/* "$proj/.husky"
gitc -C "$proj" config --unset core.hooksPath

# The same set in the developer's ~/.gitconfig, absolute, naming a directory of the project
# that does not exist yet: made by the session (by mkdir, or a directory renamed into place)
# while it runs, it is renamed away at once, and git outside meanwhile runs nothing from it.
as_user git config --global core.hooksPath "$proj/.githooks"
as_user sh -c "mkdir $proj/.githooks && cp $proj/hook.sh $proj/.githooks/pre-commit &&
	chmod +x $proj/.githooks/pre-commit"
commit "$proj"
check outside_global_hookspath_hook_runs sh -c "ls $mark | grep -q pre-commit"
rm -rf "${mark:?}"/* "$proj/.githooks"
(
	wait_for "$proj/ready" && commit "$proj"
	touch "$proj/done"
) &
helper=$!
out=$(inside 'mkdir hk && cp hook.sh hk/pre-commit && chmod +x hk/pre-commit && mv hk .githooks
	echo moved=$?; touch ready
	i=0; while [ ! -e done ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	mkdir -p .githooks; cp hook.sh .githooks/pre-commit; echo write=$?; echo RAN')
wait "$helper"
check global_hookspath_inside_ran grep -qx RAN <<<"$out"
check global_hookspath_hook_not_run_during_session sh -c "! ls $mark | grep -q pre-commit"
check global_hookspath_write_refused lacks_line write=0 "$out"
commit "$proj"
check global_hookspath_hook_not_run_after_session sh -c "! ls $mark | grep -q pre-commit"
check global_hookspath_recorded recorded "$proj/.githooks" filesystem.protect
rm -rf "${mark:?}"/* "$proj"/.githooks* "$proj/ready" "$proj/done"
as_user git config --global --unset core.hooksPath

# .git/commondir: git takes config, hooks, refs and objects from the directory it names, in any
# repository. The hooks, config and the directory .git itself are guarded; commondir is not.
plant_commondir='mkdir -p alt/hooks && cp hook.sh alt/hooks/pre-commit && chmod +x alt/hooks/pre-commit &&
	ln -s ../.git/objects alt/objects && cp -r .git/refs alt/refs && cp .git/config alt/config'
as_user sh -c "cd $proj && { $plant_commondir; } && echo ../alt >.git/commondir"
commit "$proj"
check outside_commondir_hook_runs sh -c "ls $mark | grep -q pre-commit"
rm -rf "${mark:?}"/* "$proj/alt" "$proj/.git/commondir"
out=$(inside "{ $plant_commondir; }; echo ../alt >.git/commondir; echo commondir=\$?; echo RAN")
check commondir_inside_ran grep -qx RAN <<<"$out"
check commondir_write_refused lacks_line commondir=0 "$out"
commit "$proj"
check commondir_hook_not_run_after_session sh -c "! ls $mark | grep -q pre-commit"
check commondir_recorded recorded "$proj/.git/commondir" filesystem.protect
rm -rf "${mark:?}"/* "$proj/alt" "$proj"/.git/commondir*
# The next try: the file written under another name in .git and renamed into place (no open
# of the protected name), and config.worktree the same way. Renamed away at once: the
# developer's commit while the session still runs takes no hook from alt/.
(
	wait_for "$proj/ready" && commit "$proj"
	ls -a "$proj/.git" >"$proj.gitls"
	touch "$proj/done"
) &
helper=$!
out=$(inside "{ $plant_commondir; }; echo ../alt >.git/cd.tmp && mv .git/cd.tmp .git/commondir
	echo renamed=\$?; echo '[core] hooksPath = ../alt/hooks' >.git/cw.tmp &&
	mv .git/cw.tmp .git/config.worktree; touch ready
	i=0; while [ ! -e done ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done; echo RAN")
wait "$helper"
check commondir_rename_inside_ran grep -qx RAN <<<"$out"
check commondir_renamed_made grep -qx renamed=0 <<<"$out"
check commondir_renamed_hook_not_run_during_session sh -c "! ls $mark | grep -q pre-commit"
check commondir_renamed_gone_during_session sh -c "! grep -qx commondir $proj.gitls"
check config_worktree_renamed_gone_during_session sh -c "! grep -qx config.worktree $proj.gitls"
check commondir_renamed_recorded recorded "$proj/.git/commondir" filesystem.protect
check config_worktree_renamed_recorded recorded "$proj/.git/config.worktree" filesystem.protect
rm -rf "${mark:?}"/* "$proj/alt" "$proj"/.git/commondir* "$proj"/.git/config.worktree* \
	"$proj/ready" "$proj/done" "$proj.gitls"

# --- a nested repository, live while the session runs ----------------------------------------
# Hooks and config of repositories in a write tree are made inert when the session ends; the
# developer's git (a prompt's `git status`, an editor's git view polling every repository of
# the folder) runs them before that. core.fsmonitor is run by `git status`. The repositories
# found at the start (sub/, and a submodule's .git/modules/mod) are protected as the project's
# .git is: their config read-only (git's own writes of it go through cordon), their .git
# pinned (it cannot be renamed away and replaced).
as_user mkdir "$proj/sub"
gitc init -q "$proj/sub"
as_user sh -c "echo a >$proj/sub/README"
gitc -C "$proj/sub" add README
gitc -C "$proj/sub" commit -qm init
gitc clone -q "$proj/sub" "$proj/smsrc"
gitc -C "$proj" -c protocol.file.allow=always submodule add -q ./smsrc mod >/dev/null 2>&1
gitc -C "$proj" commit -qm submodule
fsmon="touch $mark/fsmonitor-ran; false"
fsmon_mod="touch $mark/fsmonitor-mod; false"
as_user git -C "$proj/sub" config core.fsmonitor "$fsmon"
as_user git -C "$proj/sub" status >/dev/null 2>&1
check outside_fsmonitor_runs test -e "$mark/fsmonitor-ran"
as_user git -C "$proj/mod" config core.fsmonitor "$fsmon_mod"
as_user git -C "$proj/mod" status >/dev/null 2>&1
check outside_submodule_fsmonitor_runs test -e "$mark/fsmonitor-mod"
as_user git -C "$proj/sub" config --unset core.fsmonitor
as_user git -C "$proj/mod" config --unset core.fsmonitor
rm -f "${mark:?}"/*
(
	wait_for "$proj/ready" && as_user git -C "$proj/sub" status >/dev/null 2>&1
	as_user git -C "$proj/mod" status >/dev/null 2>&1
	wait_for "$proj/ready2" && commit "$proj/sub2"
	touch "$proj/done"
) &
helper=$!
out=$(inside "printf '[core]\n\tfsmonitor = \"%s\"\n' '$fsmon' >>sub/.git/config; echo config=\$?
	printf '[core]\n\tfsmonitor = \"%s\"\n' '$fsmon_mod' >>.git/modules/mod/config
	echo modconfig=\$?
	mv sub/.git sub/old.git; echo gitmv=\$?
	mv .git/modules/mod .git/modules/old; echo modmv=\$?
	git -C sub config user.email sub@example.org; echo gitconfig=\$?
	git -C sub branch -m renamed-branch; echo branchm=\$?
	git -C sub -c user.name=a commit -q --allow-empty -m inside; echo commit=\$?
	git -C mod config user.email mod@example.org; echo modgitconfig=\$?
	git -c protocol.file.allow=always submodule -q update; echo smupdate=\$?
	touch ready
	git init -q sub2 && echo a >sub2/README && git -C sub2 add README &&
	git -C sub2 -c user.email=a@b -c user.name=a commit -qm i
	rm -rf sub2/.git/hooks && mkdir hooks2 && cp hook.sh hooks2/pre-commit &&
	chmod +x hooks2/pre-commit && ln -s ../../hooks2 sub2/.git/hooks; echo hooks=\$?
	touch ready2
	i=0; while [ ! -e done ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done; echo RAN")
wait "$helper"
check nested_inside_ran grep -qx RAN <<<"$out"
check nested_config_write_refused lacks_line config=0 "$out"
check submodule_config_write_refused lacks_line modconfig=0 "$out"
check nested_gitdir_rename_refused lacks_line gitmv=0 "$out"
check submodule_gitdir_rename_refused lacks_line modmv=0 "$out"
check nested_config_fsmonitor_not_run_during_session test ! -e "$mark/fsmonitor-ran"
check submodule_fsmonitor_not_run_during_session test ! -e "$mark/fsmonitor-mod"
check nested_symlinked_hooks_not_run_during_session sh -c "! ls $mark | grep -q pre-commit"
check nested_config_recorded recorded "$proj/sub/.git/config" filesystem.protect
check submodule_config_recorded recorded "$proj/.git/modules/mod/config" filesystem.protect
# git's own work in them goes on (its config writes through cordon, no EBUSY)
check nested_git_config_works grep -qx gitconfig=0 <<<"$out"
check nested_git_config_written grep -qx sub@example.org \
	<<<"$(as_user git -C "$proj/sub" config --get user.email)"
check nested_git_branch_rename_works grep -qx branchm=0 <<<"$out"
check nested_git_branch_renamed as_user git -C "$proj/sub" show-ref --verify -q \
	refs/heads/renamed-branch
check nested_git_commit_works grep -qx commit=0 <<<"$out"
check submodule_git_config_works grep -qx modgitconfig=0 <<<"$out"
check submodule_update_works grep -qx smupdate=0 <<<"$out"
# (the refused renames of sub/.git and .git/modules/mod above are mv's "cannot move")
check nested_git_no_ebusy lacks "Device or resource busy" "$(grep -v "cannot move" "$proj.err")"
rm -rf "${mark:?}"/* "$proj"/ready* "$proj/done" "$proj/sub" "$proj/sub2" "$proj/hooks2" \
	"$proj/mod" "$proj/smsrc" "$proj/.gitmodules" "$proj/.git/modules"

# --- System V IPC: keyed per IPC namespace, not by path ---------------------------------------
ipc='import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
key, op = int(sys.argv[1]), sys.argv[2]
if op == "make":
    i = libc.shmget(key, 4096, 0o1600)
    p = libc.shmat(i, None, 0)
    ctypes.memmove(p, sys.argv[3].encode() + b"\0", len(sys.argv[3]) + 1)
    print("made", i)
elif op == "read":
    i = libc.shmget(key, 0, 0)
    if i < 0:
        print("shm ERRNO", ctypes.get_errno())
    else:
        print("shm", ctypes.string_at(libc.shmat(i, None, 0o10000)).decode())
elif op == "queue":
    i = libc.msgget(key, 0o1600)
    print("queue", i, "ERRNO" if i < 0 else "", ctypes.get_errno() if i < 0 else "")'
as_user /usr/bin/python3 -c "$ipc" "$ipc_key" make "shm-canary-$$" >/dev/null
out=$(as_user /usr/bin/python3 -c "$ipc" "$ipc_key" read)
check outside_shm_segment_read grep -q "shm-canary-$$" <<<"$out"
out=$(inside "/usr/bin/python3 -c '$ipc' $ipc_key read; /usr/bin/python3 -c '$ipc' $((ipc_key + 1)) queue; echo RAN")
printf "%s\n" "$out" | sed 's/^/# inside: /'
check ipc_inside_ran grep -qx RAN <<<"$out"
check host_shm_segment_absent_inside grep -qx "shm ERRNO 2" <<<"$out"
check session_queue_made_inside grep -q "^queue [0-9]" <<<"$out"
check session_queue_gone_with_session sh -c "! ipcs -q | grep -qi '0x$(printf %08x $((ipc_key + 1)))'"
ipcrm -M "$ipc_key" 2>/dev/null
ipcrm -Q "$((ipc_key + 1))" 2>/dev/null

# --- limits.memory where cgroup v2 has no memory controller (a hybrid host) ----------------------
# Resident minus shared (the old rss-watch) missed shared anonymous memory, a memfd and the
# session's own tmpfs /tmp: 256M were held under 64M. The session's cgroup v1 memory group
# (cgroup_v1.c) charges every page it faults in; the kernel kills inside it, and session-end
# says how many.
printf 'name: redteam-mem\nextends: agent\nlimits:\n  memory: 64M\n' >"$proj/mem.yaml"
chmod 644 "$proj/mem.yaml"
mem='import mmap, os, sys, time
n = 256 << 20
print("started", sys.argv[1], flush=True)
if sys.argv[1] == "shared":
    m = mmap.mmap(-1, n, mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    for i in range(0, n, 4096): m[i] = 1
elif sys.argv[1] == "memfd":
    fd = os.memfd_create("x")
    for i in range(256): os.write(fd, b"x" * (1 << 20))
else:
    with open("/tmp/big", "wb") as f:
        for i in range(256): f.write(b"x" * (1 << 20))
time.sleep(1.5)
print("held 256M", sys.argv[1])'
retry() { # @1 tries, 0.1 s apart, of @2..
	local n=$1
	shift
	for ((; n > 0; n--)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# The last session-end of the log names limits.memory and a count of processes killed.
memory_kills_recorded() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
end = None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("cordon", {}).get("action", r.get("event", {}).get("action")) == "session-end":
        end = r
lim = (end or {}).get("cordon", {}).get("limits", {})
sys.exit(0 if lim.get("rule") == "limits.memory" and lim.get("memory_kills", 0) >= 1 else 1)
PY
}
out=$(as_user /usr/bin/python3 -c "$mem" shared)
check outside_holds_256M_shared grep -qx "held 256M shared" <<<"$out"
for kind in shared memfd tmpfs; do
	out=$(inside "/usr/bin/python3 -c '$mem' $kind; echo RAN" --policy "$proj/mem.yaml")
	printf "%s\n" "$out" | sed 's/^/# inside: /'
	check "memory_${kind}_ran" grep -qx "started $kind" <<<"$out"
	check "memory_${kind}_256M_not_held_past_64M_limit" lacks "held 256M" "$out"
	# the daemon writes session-end once the session's cgroup is empty, after the worker's exit
	check "memory_${kind}_kill_recorded" retry 50 memory_kills_recorded
	rm -f /tmp/big
done

# --- the developer's terminal, when stdin is not one ------------------------------------------
# `echo task | cordon run -- agent &`: stdout and stderr are the developer's terminal, opened
# read-write, and the agent runs in a session of its own (setsid), where job control no longer
# stops a read of that terminal: it takes the keys typed into the developer's shell.
if command -v tmux >/dev/null; then
	reader='import os, signal
got = b""
def done(*_):
    open(os.environ.get("OUT", "tty.out"), "w").write(repr(got))
    os._exit(0)
signal.signal(signal.SIGALRM, done)
signal.alarm(5)
while b"\r" not in got and b"\n" not in got:
    try:
        d = os.read(1, 100)
    except OSError as e:
        got += b"ERRNO %d" % e.errno
        break
    if not d:
        break
    got += d
done()'
	printf '%s\n' "$reader" >"$proj/ttyread.py"
	chmod 644 "$proj/ttyread.py"
	tmux -S "$tmux_sock" new-session -d -x 150 -y 40 "bash --norc"
	keys() { # start @1 in the background in the pane, then type a line into the shell
		tmux -S "$tmux_sock" send-keys "$1 </dev/null 2>/dev/null &" Enter
		sleep 2.5
		tmux -S "$tmux_sock" send-keys "echo typed-canary-$$" Enter
		sleep 4
	}
	# Outside, a background job that reads its controlling terminal is stopped (SIGTTIN); a
	# process of a session of its own holding the terminal, as cordon's agent is, is not.
	keys "setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups env OUT=$proj/tty-outside.out setsid /usr/bin/python3 $proj/ttyread.py"
	check outside_new_session_reads_typed_keys grep -q "typed-canary-$$" "$proj/tty-outside.out"
	keys "cd $proj && $RUN --quiet --project $proj ${extra[*]} -- /usr/bin/python3 ttyread.py"
	check terminal_inside_ran test -e "$proj/tty.out"
	check typed_keys_not_read_inside sh -c "test -e $proj/tty.out && ! grep -q typed-canary-$$ $proj/tty.out"
	tmux -S "$tmux_sock" kill-server 2>/dev/null
else
	cannot terminal "tmux is not installed"
fi
