#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A session's end deletes its rules, and only its (loader.c purge_map: one walk per map, the
# session's keys collected, then deleted). Session A runs while five sessions of the same policy
# start and end beside it: A's allowed loopback connect still connects after their ends (its
# rules are still in the maps: a missing rule would refuse it), its other port is still refused,
# and the rule maps hold what they held with A alone; once A has ended too, what they held before
# either. Both connects work outside cordon first. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=purge_beside/
need_root
command -v bpftool >/dev/null || { notok "suite (no bpftool)"; exit 1; }
session_setup purge
ok_port=47421
no_port=47422
/usr/bin/python3 -c '
import socket, sys, threading
def serve(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(64)
    while True:
        c, _ = s.accept(); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
' "$ok_port" "$no_port" &
listener=$!
a_pid=
cleanup() {
	[[ -n $a_pid ]] && kill "$a_pid" 2>/dev/null
	kill "$listener" 2>/dev/null
	rm -rf "$proj"
}
trap cleanup EXIT
printf 'name: purge-test\nextends: agent\nnetwork:\n  connect: ["127.0.0.1:%s"]\n' "$ok_port" \
	>"$proj/policy.yaml"
cat >"$proj/conn.py" <<'EOF'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()
except OSError:
    sys.exit(1)
EOF
chown -R "$USER_NAME:" "$proj"
sleep 0.3
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
check outside_allowed_port_connects as_user /usr/bin/python3 "$proj/conn.py" "$ok_port"
check outside_other_port_connects as_user /usr/bin/python3 "$proj/conn.py" "$no_port"

run() {
	(cd "$proj" && "$CORDON" run --quiet --user "$USER_NAME" --allow-degraded \
		--policy "$proj/policy.yaml" --project "$proj" -- "$@")
}
# This build's pins (root's run retires every other build's that holds no session), after a run.
out=$(run /bin/echo first)
check first_session_ran test "$out" = first
dir=$(find /sys/fs/bpf/cordon -mindepth 2 -maxdepth 2 -name map-sessions -printf '%h\n' | head -n 1)
check pins_found test -e "$dir/map-net_rules"
# Entries of every map purge_map walks, summed.
rules() {
	local n=0 m
	for m in net_rules bind_rules inode_rules dirent_rules allow_trees unix_rules \
		name_patterns dns_addrs dns_steer ring_use; do
		[[ -e $dir/map-$m ]] || continue
		n=$((n + $(bpftool -j map dump pinned "$dir/map-$m" 2>/dev/null |
			/usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')))
	done
	echo "$n"
}
rules_are() { test "$(rules)" -eq "$1"; }
check first_session_rules_purged within 50 rules_are 0
before=$(rules)

go=$proj/go
a_script="python3 conn.py $ok_port; echo a1=\$?; touch a_started; for i in \$(seq 300); do [ -e $go ] && break; sleep 0.1; done; python3 conn.py $ok_port; echo a2=\$?; python3 conn.py $no_port; echo a_no=\$?"
run /bin/sh -c "$a_script" >"$proj/a.out" 2>"$proj/a.err" &
a_pid=$!
check a_started within 100 test -e "$proj/a_started"
with_a=$(rules)
echo "# rule entries: $before before, $with_a with A alone"
check a_has_rules test "$with_a" -gt "$before"
for i in 1 2 3 4 5; do
	out=$(run /bin/sh -c "python3 conn.py $ok_port; echo b=\$?")
	check "b${i}_connected" test "$out" = b=0
done
check b_sessions_rules_purged within 50 rules_are "$with_a"
touch "$go"
wait "$a_pid"
a_pid=
sed 's/^/# a: /' "$proj/a.out"
check a_connected_before grep -qx a1=0 "$proj/a.out"
check a_connected_after_others_ended grep -qx a2=0 "$proj/a.out"
check a_other_port_still_refused grep -qx 'a_no=[1-9][0-9]*' "$proj/a.out"
check all_rules_purged within 50 rules_are "$before"
