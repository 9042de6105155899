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
	rm -rf "$proj" "$logdir" "$home/.zlogin"
}
trap cleanup EXIT
rm -f "$home/.zlogin"

# Writes each target (the home's rc file is refused by the read-only view, the project's by
# the listener); prints NAME=STATUS (0 written, else the shell's error status) and RAN.
writer='for t in .vscode/tasks.json .mcp.json "$HOME/.zlogin" notes.txt; do
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
check tasks_json_left_empty test ! -s "$proj/.vscode/tasks.json"
check mcp_json_left_empty test ! -s "$proj/.mcp.json"
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
check tasks_json_recorded recorded "$proj/.vscode/tasks.json" .vscode
check mcp_json_recorded recorded "$proj/.mcp.json" .mcp.json
# The home is no write tree of agent: the read-only view refuses it (EROFS) before any open.
check zlogin_recorded recorded "$home/.zlogin" .zlogin syscall-openat mount_ns
