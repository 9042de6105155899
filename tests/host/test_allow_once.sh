#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# One-off allows (issue 15): a read, a file created, a program run, a port bound and a loopback
# connect, each done first outside (it works), refused in a session under the agent policy, and
# done with --allow-read/--allow-write/--allow-exec/--allow-bind/--allow-connect, all five named
# in session-start. A one-off allow of a secret or a denied program, or one the site floor does
# not allow, is an error naming the option, exit 2, and nothing runs. MODE=daemon runs it
# through a daemon of its own (test_allow_once_daemon.sh; its floor is the daemon's). TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=allow_once/${MODE:-root}/
session_setup allowonce
mode_setup
# Root's own PATH (its pyenv and cargo directories) would be refused on every exec: not this test's subject.
[[ ${MODE:-root} == daemon ]] || RUN="env PATH=/usr/bin:/bin $RUN"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
data=$(mktemp -d /srv/cordon-once.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-once.XXXXXX; })
chmod 755 "$data"
echo once-canary >"$data/in.txt"
chmod 644 "$data/in.txt"
mkdir "$data/out"
chown "$USER_NAME:" "$data/out"
cp /usr/bin/true "$data/mytrue"
chmod 755 "$data/mytrue"
secret=$home/.ssh/id_once
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
err=$data/err
logdir=$(mktemp -d /var/tmp/cordon-once-log.XXXXXX)
# Through the daemon the user opens the log (marked untrusted); as root, a root-owned directory.
[[ ${MODE:-root} == daemon ]] && chown "$USER_NAME:" "$logdir"
log=$logdir/audit.jsonl
cport=47393
bport=47394
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"listener-canary\n"); c.close()
' "$cport" &
listener=$!
cleanup() {
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$data" "$secret" "$logdir"
}
trap cleanup EXIT
sleep 0.3
py=/usr/bin/python3
script="cat $data/in.txt; echo new >$data/out/new.txt && echo wrote; $data/mytrue && echo exec-ran"
script+="; $py -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", $bport)); print(\"bound\")'"
script+="; $py -c 'import socket; s=socket.create_connection((\"127.0.0.1\", $cport)); print(s.recv(64).decode().strip())'"
script+="; echo ran"
wants="once-canary wrote exec-ran bound listener-canary"
inside() {
	rm -f "$log" "$data/out/new.txt"
	# shellcheck disable=SC2086
	(cd "$proj" && $RUN --project "$proj" --allow-degraded "$@" -- sh -c "$script" </dev/null 2>"$err")
}
has_all() { for w in $wants ran; do grep -qx "$w" <<<"$1" || return 1; done; }

out=$(as_user sh -c "$script" 2>&1)
check outside_all_work has_all "$out"

out=$(inside)
check without_flags_ran sh -c "echo '$out' | grep -qx ran"
for w in $wants; do
	check "without_flags_refused_$w" sh -c "! echo '$out' | grep -qx '$w'"
done

flags=(--allow-read "$data/in.txt" --allow-write "$data/out" --allow-exec "$data/mytrue"
	--allow-bind "$bport" --allow-connect "127.0.0.1:$cport")
out=$(inside "${flags[@]}" --audit-log "$log")
for w in $wants ran; do
	check "with_flags_$w" sh -c "echo '$out' | grep -qx '$w' || { sed 's/^/# /' '$err'; false; }"
done
# The client's session-start, and through the daemon the daemon's own (its log is authoritative).
check session_start_names_them /usr/bin/python3 - "$log" "$data" "$bport" "$cport" "${DAEMON_DIR:+$DAEMON_DIR/audit.jsonl}" <<'PY'
import json, sys
log, data, bport, cport, dlog = sys.argv[1:6]
starts = [r for r in map(json.loads, open(log)) if r["event"]["action"] == "session-start"]
sid = starts[0]["cordon"]["session"] if starts else None
if dlog:
    d = [r for r in map(json.loads, open(dlog)) if r["event"]["action"] == "session-start"
         and r["cordon"].get("daemon") and r["cordon"]["session"] == sid]
    assert d, "no daemon session-start for %s" % sid
    starts += d
want = {"--allow-read %s/in.txt" % data, "--allow-write %s/out" % data,
        "--allow-exec %s/mytrue" % data, "--allow-bind %s" % bport,
        "--allow-connect 127.0.0.1:%s" % cport}
assert starts, "no session-start"
for r in starts:
    got = set(r["cordon"].get("one_off_allows", []))
    assert got == want, (got, want)
PY

# Never a way around a deny entry: refused before anything runs (exit 2, the option named).
refused() { # @1 name, @2 the message wanted on stderr, then the flags
	local name=$1 msg=$2 rc
	shift 2
	rm -f "$data/out/marker"
	(cd "$proj" && $RUN --project "$proj" --allow-degraded "$@" -- sh -c "echo ran >$data/out/marker" </dev/null 2>"$err")
	rc=$?
	check "${name}_exit_2" test "$rc" = 2
	check "${name}_says_why" grep -qF -- "$msg" "$err"
	check "${name}_nothing_ran" test ! -e "$data/out/marker"
}
# The same flags allow the marker's directory: what stops the run is the refused one alone.
ok_flags=(--allow-write "$data/out")
refused secret "--allow-read:1:2: '$secret' is a secret (secrets.files): '$home/.ssh' at" "${ok_flags[@]}" --allow-read "$secret"
refused exec_deny "--allow-exec:1:2: '/usr/bin/sudo' is a denied program (process.exec_deny)" "${ok_flags[@]}" --allow-exec /usr/bin/sudo
refused relative "--allow-read:1:2: 'in.txt' is not an absolute path" "${ok_flags[@]}" --allow-read in.txt
(cd "$proj" && $RUN --project "$proj" --allow-degraded "${ok_flags[@]}" -- sh -c "echo ran >$data/out/marker" </dev/null 2>"$err")
check marker_runs_without_the_refused_flag test -e "$data/out/marker"

# The site floor (root's test floor; the daemon has its own): a one-off allow cannot widen it.
if [[ ${MODE:-root} != daemon ]]; then
	floor=$data/floor.yaml
	cat >"$floor" <<EOF
name: test-floor
filesystem:
  read: ["/usr", "/etc", "/lib", "/lib64", "/bin", "/sbin", "/proc", "/dev", "/sys", "/run", "/home", "/tmp", "/var", "/opt", "$proj", "$data/out"]
network:
  connect: ["127.0.0.1:8000-8099"]
EOF
	chmod 644 "$floor"
	RUN="env CORDON_FLOOR=$floor $RUN"
	refused floor_read "--allow-read:1:2: '$data/in.txt' is outside what the site floor allows" "${ok_flags[@]}" --allow-read "$data/in.txt"
	refused floor_connect "--allow-connect:1:1: '127.0.0.1:$cport' is outside what the site floor allows" "${ok_flags[@]}" --allow-connect "127.0.0.1:$cport"
fi
