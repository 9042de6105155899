#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A secret-named file is the secret by its inode, not its name (issue 13): a .env that appears
# while the session runs (the developer's, written outside) is not masked by the view; the file
# listener refuses it by name, and a rename or a hard link to an innocent name raises no
# permission event. So the listener learns the inode when the name appears and refuses every
# later open of it under any name. Outside first (the renamed file reads), then inside: each
# variant refused with a record naming the secrets pattern, the agent's own files still read.
# Then a .env in a layered cache (filesystem.cache): refused by name, and renamed or linked in
# the session's layer (a copy-up) refused by its inode, known from the start; the host's copy
# stays untouched.
# MODE=root (default) or MODE=daemon. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=${MODE:-root}
TAP_PREFIX=secret_rename/$MODE/
session_setup secren
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
audit_log_setup secren
cache=$home/.cache/cordon-secren
cleanup() {
	mode_cleanup
	rm -rf "$proj" "$logdir" "$cache"
}
trap cleanup EXIT

# The agent: waits for the developer's .env, then each way to read it under another name.
# Prints NAME=STATUS (0: read, and the content printed) and RAN.
agent='i=0; while [ ! -s .env ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
r() { out=$(cat "$2" 2>/dev/null); s=$?; echo "$1=$s"; [ -n "$out" ] && echo "content $1: $out"; }
r direct .env
ln .env linked; r hardlink linked
mv .env renamed; r rename renamed
mv renamed again.txt; r rename_twice again.txt
echo mine >own.txt; r own_file own.txt
echo RAN'
developer='for i in $(seq 200); do [ -e started ] && break; sleep 0.05; done
printf "TOKEN=hunter2\n" >.env.tmp && mv .env.tmp .env'

# --- outside: every variant reads the secret ----------------------------------------------------
out=$(cd "$proj" && as_user sh -c "touch started; $developer; $agent" 2>&1)
for v in direct hardlink rename rename_twice own_file; do
	check "outside_${v}_reads" grep -qx "$v=0" <<<"$out"
done
rm -rf "${proj:?}"/* "$proj"/.env*
[[ -n ${KEEP:-} ]] && trap - EXIT

# --- inside: the developer writes .env outside while the session runs ------------------------
(cd "$proj" && as_user sh -c "$developer") &
devpid=$!
out=$(cd "$proj" && $RUN --quiet --policy agent --project "$proj" "${logopt[@]}" -- \
	sh -c "touch started; $agent" </dev/null 2>"$logdir/err")
wait "$devpid"
printf "%s\n" "$out" | sed 's/^/# /'
check inside_ran grep -qx RAN <<<"$out"
not_printed() { ! grep -q "$1" <<<"$out"; }
check inside_secret_never_printed not_printed hunter2
for v in direct hardlink rename rename_twice; do
	check "inside_${v}_refused" grep -qx "$v=1" <<<"$out"
done
check inside_own_file_reads grep -qx "own_file=0" <<<"$out"
refused() {
	/usr/bin/python3 - "$log" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("cordon", {})
    if (r.get("event", {}).get("action") == "file-open" and c.get("layer") == "fanotify" and
            r.get("file", {}).get("path") == sys.argv[2] and
            c.get("rule_text", "").startswith("secrets.patterns")):
        sys.exit(0)
sys.exit(1)
PY
}
for f in .env linked renamed again.txt; do
	check "refusal_recorded_$f" refused "$proj/$f"
done

# --- a .env in a layered cache (agent: ~/.cache is filesystem.cache), renamed in the layer ----
# Outside first: the rename reads.
as_user mkdir -p "$cache"
as_user sh -c "printf 'TOKEN=hunter3\n' >'$cache/.env' && mv '$cache/.env' '$cache/moved'"
check outside_cache_rename_reads grep -q hunter3 "$cache/moved"
rm -f "$cache/moved"
{
	as_user mkdir -p "$cache"
	as_user sh -c "printf 'TOKEN=hunter3\n' >'$cache/.env'"
	cagent="cd '$cache' || exit 1
r() { out=\$(cat \"\$2\" 2>/dev/null); s=\$?; echo \"\$1=\$s\"; [ -n \"\$out\" ] && echo \"content \$1: \$out\"; }
r cache_direct .env
mv .env moved; r cache_rename moved
ln moved linked; r cache_link linked
echo RAN"
	out=$($RUN --quiet --policy agent --project "$proj" "${logopt[@]}" -- sh -c "$cagent" \
		</dev/null 2>"$logdir/err")
	printf "%s\n" "$out" | sed 's/^/# cache: /'
	check cache_ran grep -qx RAN <<<"$out"
	check cache_direct_refused grep -qx "cache_direct=1" <<<"$out"
	check cache_direct_never_printed not_printed "content cache_direct"
	check cache_rename_refused grep -qx "cache_rename=1" <<<"$out"
	check cache_link_refused grep -qx "cache_link=1" <<<"$out"
	check cache_secret_never_printed not_printed hunter3
	check cache_rename_recorded refused "$cache/moved"
	check cache_link_recorded refused "$cache/linked"
	check cache_host_copy_untouched grep -q hunter3 "$cache/.env"
}
