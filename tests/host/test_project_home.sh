#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The home directory as the project (`cordon run --project ~`, issue 13): the project's secret
# walk then enters ~/.ssh, which is a secret directory masked whole, and found id_* there; the
# mount over that file failed (the path is gone once its parent is masked) and the session did
# not start. Outside: the key reads and ~/.bashrc is writable. Inside: the session starts, the
# key (by its name, and by a hard link made before the session elsewhere in the home) is
# refused with a record naming the secret rule, the rc file stays read-only, and an ordinary
# file of the home is written. MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=project_home/$MODE/
session_setup projhome
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
audit_log_setup projhome
key=$home/.ssh/id_cordon_projhome
link=$home/.cache/cordon-projhome-notes.txt
made_ssh=
[[ -d $home/.ssh ]] || made_ssh=1
cleanup() {
	mode_cleanup
	rm -f "$key" "$link" "$home/cordon-projhome-own.txt"
	[[ -n $made_ssh ]] && rmdir "$home/.ssh" 2>/dev/null
	rm -rf "$proj" "$logdir"
}
trap cleanup EXIT
as_user mkdir -p "$home/.ssh" "$home/.cache"
as_user sh -c "printf 'KEY-projhome\n' >'$key' && chmod 600 '$key' && ln -f '$key' '$link'"
touch "$home/.bashrc"
chown "$USER_NAME:" "$home/.bashrc"

agent="r() { out=\$(cat \"\$2\" 2>/dev/null); echo \"\$1=\$?\"; }
r key '$key'; r link '$link'
( echo '# planted' >>'$home/.bashrc' ) 2>/dev/null; echo \"bashrc=\$?\"
echo mine >'$home/cordon-projhome-own.txt'; echo \"own=\$?\"
echo RAN"

out=$(cd "$home" && as_user sh -c "$agent" 2>&1)
check outside_key_reads grep -qx "key=0" <<<"$out"
check outside_link_reads grep -qx "link=0" <<<"$out"
check outside_bashrc_writable grep -qx "bashrc=0" <<<"$out"
sed -i '/# planted/d' "$home/.bashrc"
rm -f "$home/cordon-projhome-own.txt"

err=$logdir/err
out=$(cd "$home" && $RUN --policy agent --project "$home" "${logopt[@]}" -- sh -c "$agent" \
	</dev/null 2>"$err")
check session_starts_with_home_as_project grep -qx RAN <<<"$out" || sed 's/^/# /' "$err"
check inside_key_refused grep -qx "key=1" <<<"$out"
check inside_hardlink_refused grep -qx "link=1" <<<"$out"
check inside_bashrc_refused grep -qx "bashrc=2" <<<"$out"
check inside_own_file_written grep -qx "own=0" <<<"$out"
check bashrc_unchanged sh -c "! grep -q '# planted' '$home/.bashrc'"
# The record: the key's open, refused under the secret rule of ~/.ssh (mask or listener).
recorded() {
	/usr/bin/python3 - "$log" "$1" "$2" <<'PY'
import json, sys
log, path, rule = sys.argv[1:4]
for line in open(log):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("outcome") == "failure" and
            r.get("file", {}).get("path") == path and rule in c.get("rule_text", "")):
        sys.exit(0)
sys.exit(1)
PY
}
check key_refusal_recorded recorded "$key" "secrets.files"
check hardlink_refusal_recorded recorded "$link" "secrets"
