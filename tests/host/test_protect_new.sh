#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Protected paths that do not exist when the session starts (issue 13): a project's .vscode/
# (tasks that run when the folder is opened), .mcp.json (servers an agent starts), an rc file
# in the home. No read-only bind can cover a path that is not there, so on the host tier the
# file listener refuses every open at or below one: outside cordon each is written, inside the
# write fails with EPERM and a fanotify record names the protect rule. Other new files in the
# project are written as usual. MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=protect_new/$MODE/
session_setup protnew
mode_setup
logdir=$(mktemp -d /var/log/cordon-test-protnew.XXXXXX)
log=$logdir/audit.jsonl
[[ $MODE == daemon ]] && log=$DAEMON_DIR/audit.jsonl
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$home/.zlogin" "$home"/cordon-protnew-*.jsonl
}
trap cleanup EXIT
rm -f "$home/.zlogin"

# Writes each target (the home's rc file is refused by the read-only view, the project's by
# the listener); prints NAME=STATUS (0 written, else the shell's error status) and RAN.
# The other editors' and agents' project files that run commands are written the same way.
others=".devcontainer/devcontainer.json .devcontainer.json .zed/tasks.json .gemini/settings.json
.continue/config.yaml"
writer='for t in .vscode/tasks.json .mcp.json "$HOME/.zlogin" notes.txt '"${others//$'\n'/ }"'; do
	mkdir -p "$(dirname "$t")" 2>/dev/null
	( printf "{\"tasks\": []}\n" >"$t" ) 2>/dev/null
	echo "$(basename "$t")=$?"
done
echo RAN'

out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
	env HOME="$home" sh -c "$writer")
check outside_writes_tasks_json grep -qx "tasks.json=0" <<<"$out"
check outside_writes_mcp_json grep -qx ".mcp.json=0" <<<"$out"
check outside_writes_zlogin grep -qx ".zlogin=0" <<<"$out"
for t in $others; do
	check "outside_writes_${t//[^a-z]/_}" grep -qx "$(basename "$t")=0" <<<"$out"
	rm -rf "${proj:?}/${t%%/*}"
done
rm -rf "$proj/.vscode" "$proj/.mcp.json" "$proj/notes.txt" "$home/.zlogin"
[[ -n ${KEEP:-} ]] && trap - EXIT

extra=()
[[ $MODE == root ]] && extra=(--audit-log "$log")
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${extra[@]}" -- \
	sh -c "$writer" </dev/null 2>/dev/null)
check inside_ran grep -qx RAN <<<"$out"
check inside_tasks_json_refused grep -qx "tasks.json=2" <<<"$out"
check inside_mcp_json_refused grep -qx ".mcp.json=2" <<<"$out"
check inside_zlogin_refused grep -qx ".zlogin=2" <<<"$out"
check inside_other_file_written grep -qx "notes.txt=0" <<<"$out"
check tasks_json_left_empty sh -c "! test -s '$proj/.vscode/tasks.json' &&
	! test -s '$proj/.vscode.cordon-quarantined/tasks.json'"
check mcp_json_left_empty sh -c "! test -s '$proj/.mcp.json' &&
	! test -s '$proj/.mcp.json.cordon-quarantined'"
# The record: a refusal of that path by @3 (action) in layer @4, naming the protect entry.
recorded() {
	/usr/bin/python3 - "$log" "$1" "$2" "${3:-file-open}" "${4:-fanotify}" <<'PY'
import json, sys
log, path, entry, action, layer = sys.argv[1:6]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == action and c.get("layer") == layer and
            (r.get("file", {}).get("path") or "") == path and
            c.get("rule_text", "").startswith("filesystem.protect") and entry in c.get("rule_text", "")):
        sys.exit(0)
sys.exit(1)
PY
}
# mkdir -p made .vscode/ (no open): the watch may rename it away before the file's open, which
# then fails with ENOENT; either way the file is not written and a record names the rule.
tasks_recorded() {
	recorded "$proj/.vscode/tasks.json" .vscode ||
		recorded "$proj/.vscode" .vscode protect-quarantine fanotify
}
check tasks_json_recorded tasks_recorded
check mcp_json_recorded recorded "$proj/.mcp.json" .mcp.json
# The home is no write tree of agent: the read-only view refuses it (EROFS) before any open.
check zlogin_recorded recorded "$home/.zlogin" .zlogin syscall-openat mount_ns
recorded_or_quarantined() {
	recorded "$proj/$1" "${1%%/*}" || recorded "$proj/${1%%/*}" "${1%%/*}" protect-quarantine fanotify
}
# Each: refused, left empty, recorded under its own entry (a directory made by mkdir -p may be
# renamed away before the file's open, as for .vscode above).
for t in $others; do
	n=${t//[^a-z]/_}
	check "inside_${n}_refused" grep -qx "$(basename "$t")=2" <<<"$out"
	check "${n}_left_empty" sh -c "! test -s '$proj/$t'"
	check "${n}_recorded" recorded_or_quarantined "$t"
done

# --- renamed, linked or symlinked in: no open of the protected path happens (issue 13) --------
# The watch (a fanotify notification group on the parent directory) renames what the session
# made there to NAME.cordon-quarantined at once; the sweep at the session's end again. Each
# attack, then a poll until the name no longer resolves (0: gone within 2 s, 1: still there).
rm -rf "$proj"/.vscode* "$proj"/.mcp.json* "$proj/notes.txt"
attacks='echo "{\"mcpServers\": {\"x\": {\"command\": \"sh\"}}}" >y1; mv y1 .mcp.json; gone .mcp.json
echo "mcp_mv=$?"
echo x >y2; ln y2 .idea; gone .idea; echo "idea_hardlink=$?"
echo "{}" >notes.json; ln -s notes.json .cursor; gone .cursor; echo "cursor_symlink=$?"
mkdir d; echo "{}" >d/tasks.json; mv d .vscode; gone .vscode; echo "vscode_dir_mv=$?"
mkdir sd; ln -s sd .claude; gone .claude; echo "claude_dir_symlink=$?"
echo legit >src.txt'
out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
	sh -c "gone() { :; }; $attacks")
check outside_mv_file_in_place grep -q mcpServers "$proj/.mcp.json"
check outside_hardlink_in_place test "$(stat -c %h "$proj/.idea")" = 2
check outside_symlink_in_place test "$(readlink "$proj/.cursor")" = notes.json
check outside_dir_mv_in_place test -f "$proj/.vscode/tasks.json"
check outside_dir_symlink_in_place test -L "$proj/.claude" -a -d "$proj/.claude"
rm -rf "$proj"/.mcp.json "$proj"/.idea "$proj"/.cursor "$proj"/.vscode "$proj"/.claude \
	"$proj"/y2 "$proj"/sd "$proj"/notes.json "$proj"/src.txt

# The same inside; then the developer's own .vscode/ made outside while the session runs (its
# creator alive outside the session: it stays), and a file the session moves into it afterwards.
dev='import os, sys, time
for i in range(100):
    if os.path.exists("started"): break
    time.sleep(0.05)
os.mkdir(".vscode")
time.sleep(0.3)  # what appears in it before cordon watches it is quarantined too
open(".vscode/settings.json", "w").write("{}\n")
open("go", "w").close()
for i in range(60):  # alive (outside the session) until the session is done with it
    if os.path.exists("done"): break
    time.sleep(0.05)'
agent="gone() { i=0; while [ -e \"\$1\" ] || [ -L \"\$1\" ]; do
	i=\$((i + 1)); [ \$i -gt 40 ] && return 1; sleep 0.05; done; }
$attacks
echo '{}' >evil.json; touch started; i=0; while [ ! -e go ] && [ \$i -lt 60 ]; do
	i=\$((i + 1)); sleep 0.05; done
mv evil.json .vscode/tasks.json; gone .vscode/tasks.json; echo \"into_dev_dir=\$?\"
touch done; echo RAN"
(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
	/usr/bin/python3 -c "$dev") &
devpid=$!
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${extra[@]}" -- \
	sh -c "$agent" </dev/null 2>/dev/null)
wait "$devpid"
printf "%s\n" "$out" | sed 's/^/# /'
check inside_attacks_ran grep -qx RAN <<<"$out"
for a in mcp_mv idea_hardlink cursor_symlink vscode_dir_mv claude_dir_symlink into_dev_dir; do
	check "inside_${a}_quarantined_within_2s" grep -qx "$a=0" <<<"$out"
done
q=.cordon-quarantined
check mv_file_kept_quarantined grep -q mcpServers "$proj/.mcp.json$q"
check hardlink_kept_quarantined test "$(stat -c %h "$proj/.idea$q")" = 2
check symlink_kept_quarantined test "$(readlink "$proj/.cursor$q")" = notes.json
check dir_mv_kept_quarantined test -f "$proj/.vscode$q/tasks.json"
check dir_symlink_kept_quarantined test "$(readlink "$proj/.claude$q")" = sd
check legit_file_untouched test "$(cat "$proj/src.txt")" = legit
check link_target_untouched test -f "$proj/notes.json"
check developer_vscode_stays test -f "$proj/.vscode/settings.json"
check session_file_in_developer_dir_quarantined \
	sh -c "test ! -e '$proj/.vscode/tasks.json' && test -f '$proj/.vscode/tasks.json$q'"
for e in .mcp.json .idea .cursor .vscode .claude; do
	check "quarantine_recorded_$e" recorded "$proj/$e" "$e" protect-quarantine fanotify
done
check quarantine_in_developer_dir_recorded \
	recorded "$proj/.vscode/tasks.json" .vscode protect-quarantine fanotify

# --- writes into a quarantined copy: the listener judges NAME.cordon-quarantined[.N] as NAME in
# every component of the path, so a directory the watch renamed away (or one the agent names so
# itself) takes no file either: a race of `mkdir -p .zed; write .zed/tasks.json` with the watch
# lands there, and a rename back is quarantined again, but a write must not get through at all.
rm -rf "$proj"/.??* "$proj"/*
intoq='( echo "{\"tasks\": 1}" >.zed.cordon-quarantined/tasks.json ) 2>/dev/null; echo "into_q=$?"
mkdir -p .gemini.cordon-quarantined.7
( echo "{\"hooks\": 1}" >.gemini.cordon-quarantined.7/settings.json ) 2>/dev/null; echo "own_q=$?"
echo RAN'
out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
	sh -c "mkdir .zed.cordon-quarantined; $intoq")
check outside_writes_into_quarantine_names grep -qx "into_q=0" <<<"$out"
check outside_writes_into_own_quarantine_name grep -qx "own_q=0" <<<"$out"
rm -rf "$proj"/.??*
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${extra[@]}" -- \
	sh -c "mkdir .zed; i=0; while [ -e .zed ] && [ \$i -lt 40 ]; do i=\$((i + 1)); sleep 0.05;
	done; $intoq" </dev/null 2>/dev/null)
check inside_quarantine_ran grep -qx RAN <<<"$out"
check inside_write_into_quarantined_dir_refused grep -qx "into_q=2" <<<"$out"
check inside_write_into_own_quarantine_name_refused grep -qx "own_q=2" <<<"$out"
check quarantined_dir_left_empty sh -c "! test -s '$proj/.zed.cordon-quarantined/tasks.json' &&
	! test -s '$proj/.gemini.cordon-quarantined.7/settings.json'"
check write_into_quarantined_dir_recorded recorded "$proj/.zed/tasks.json" .zed
check write_into_own_quarantine_name_recorded recorded "$proj/.gemini/settings.json" .gemini

# --- unprivileged, without the daemon (no listener, no watch): the gap is listed at start, and
# the sweep at the session's end, as the user, renames each planted object away. Once (root mode).
if [[ $MODE == root ]]; then
	rm -rf "$proj"/.??* "$proj"/*
	ulog=$home/cordon-protnew-$$.jsonl
	uerr=$logdir/unpriv.err
	out=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" USER="$USER_NAME" \
		CORDON_SOCKET=/nonexistent/cordon.sock "$CORDON" run --policy agent \
		--allow-degraded --audit-log "$ulog" -- \
		sh -c "gone() { :; }; $attacks; git init -q && echo GIT_INIT; echo RAN" \
		</dev/null 2>"$uerr")
	check unpriv_ran grep -qx RAN <<<"$out"
	check unpriv_gap_listed grep -q "filesystem.protect: paths in a write tree that do not exist" \
		"$uerr"
	# No git watch either: what the session places in a repository stays until it ends.
	check unpriv_git_gap_listed grep -q "git: hooks and config placed in a repository" "$uerr"
	check unpriv_mv_file_quarantined_at_end sh -c "test ! -e '$proj/.mcp.json' &&
		grep -q mcpServers '$proj/.mcp.json$q'"
	check unpriv_hardlink_quarantined_at_end sh -c "test ! -e '$proj/.idea' &&
		test \$(stat -c %h '$proj/.idea$q') = 2"
	check unpriv_symlink_quarantined_at_end sh -c "test ! -L '$proj/.cursor' &&
		test \$(readlink '$proj/.cursor$q') = notes.json"
	check unpriv_dir_mv_quarantined_at_end sh -c "test ! -e '$proj/.vscode' &&
		test -f '$proj/.vscode$q/tasks.json'"
	check unpriv_dir_symlink_quarantined_at_end sh -c "test ! -L '$proj/.claude' &&
		test \$(readlink '$proj/.claude$q') = sd"
	check unpriv_legit_file_untouched test "$(cat "$proj/src.txt")" = legit
	# .git/hooks and .git/config are protect entries missing here: a repository made in the
	# session is the git sweep's (config kept, defused), not renamed away whole.
	check unpriv_git_init_ran grep -qx GIT_INIT <<<"$out"
	check unpriv_new_repository_config_kept sh -c "test -f '$proj/.git/config' &&
		test -d '$proj/.git/hooks' && ! test -e '$proj/.git/config$q' &&
		! test -e '$proj/.git/hooks$q'"
	for e in .mcp.json .idea .cursor .vscode .claude; do
		check "unpriv_quarantine_recorded_$e" /usr/bin/python3 - "$ulog" "$proj/$e" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "protect-quarantine" and
            c.get("layer") == "git_sweep" and r.get("file", {}).get("path") == sys.argv[2] and
            c.get("rule_text", "").startswith("filesystem.protect")):
        sys.exit(0)
sys.exit(1)
PY
	done
	rm -f "$ulog"
fi
