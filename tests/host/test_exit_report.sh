#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The exit report (issue 15): a session under the agent policy is refused a read, a file
# creation, a loopback connect, a secret and a file with a hostile name — each done first outside,
# where it works. The report names each object with its count, rule and the YAML (or the reason
# none can allow it), escapes the hostile name, and its YAML pasted into a policy allows the read.
# --quiet keeps one line, --json one object, a session refused nothing says nothing.
# MODE=daemon runs it through a daemon of its own (test_exit_report_daemon.sh). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=exit_report/${MODE:-root}/
session_setup report
mode_setup
# Root's own PATH (its pyenv and cargo directories) would be refused on every exec: not this test's subject.
[[ ${MODE:-root} == daemon ]] || RUN="env PATH=/usr/bin:/bin $RUN"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
data=$(mktemp -d /srv/cordon-report.XXXXXX 2>/dev/null || { mkdir -p /srv && mktemp -d /srv/cordon-report.XXXXXX; })
chmod 755 "$data"
echo report-canary >"$data/in.txt"
evil=$data/$'evil\n\e[31mname'
echo evil-canary >"$evil"
chmod 644 "$data/in.txt" "$evil"
mkdir "$data/out"
chown "$USER_NAME:" "$data/out"
secret=$home/.ssh/id_report
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
err=$data/err
# A loopback listener on a port no dev-server range of the agent policy names.
port=47391
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"listener-canary\n"); c.close()
' "$port" &
listener=$!
cleanup() {
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	mode_cleanup
	rm -rf "$proj" "$data" "$secret"
}
trap cleanup EXIT
sleep 0.3
connect="/usr/bin/python3 -c 'import socket; s=socket.create_connection((\"127.0.0.1\", $port)); print(s.recv(64).decode().strip())'"
script="cat $data/in.txt; cat \"\$(printf '$data/evil\\n\\033[31mname')\"; echo new >$data/out/new.txt && echo wrote; cat $secret; $connect; echo ran"
inside() {
	# shellcheck disable=SC2086
	(cd "$proj" && $RUN --project "$proj" --allow-degraded "$@" -- sh -c "$script" </dev/null 2>"$err")
}

out=$(as_user sh -c "$script" 2>&1)
for want in report-canary evil-canary wrote secret-canary listener-canary ran; do
	check "outside_$want" sh -c "echo '$out' | grep -qx '$want'"
done
rm -f "$data/out/new.txt"

out=$(inside)
check inside_ran sh -c "echo '$out' | grep -qx ran"
for refused in report-canary evil-canary wrote secret-canary listener-canary; do
	check "inside_refused_$refused" sh -c "! echo '$out' | grep -q '$refused'"
done
# Each refused object, exactly: its head line, then the entry that allows it.
has() { grep -qxF -- "$1" "$err" || { sed 's/^/# /' "$err"; return 1; }; }
head_of() { grep -F -- "  $1 \"$2\" (" "$err" | grep -q "$3"; }
check report_header grep -qE '^cordon: refused [0-9]+ time\(s\), [0-9]+ object\(s\), in session [0-9a-f]{12}:$' "$err"
check report_read_head head_of read "$data/in.txt" 'time(s), [a-z-]*open[a-z]*): filesystem.read/write: no entry allows it (default deny)$'
check report_read_flag has "    allow it with --allow-read \"$data/in.txt\", or in the policy:"
check report_read_yaml_exact bash -c "grep -A3 -F 'allow it with --allow-read \"$data/in.txt\"' '$err' | tail -3 | diff - <(printf '      filesystem:\n        read:\n          - \"%s\"\n' '$data/in.txt')"
check report_create_is_the_directory has "          - \"$data/out\""
check report_create_head head_of write "$data/out/new.txt" 'time(s), '
check report_connect_head head_of connect "127.0.0.1:$port" 'time(s), [a-z-]*connect): network.connect'
check report_connect_yaml has "          - \"127.0.0.1:$port\""
check report_connect_flag has "    allow it with --allow-connect \"127.0.0.1:$port\", or in the policy:"
check report_secret_not_allowable grep -qF "\"$secret\" (1 time(s)): cannot be allowed: a secret (secrets.files[" "$err"
check report_secret_no_yaml sh -c "! grep -qF -- '- \"$secret\"' '$err'"
check report_hostile_escaped head_of read "$data/evil\\n\\u001B[31mname" 'time(s)'
check report_no_raw_escape sh -c "! grep -q \$'\\e' '$err'"

# `cordon explain`, asked by the user about the same objects: refused, by the rule the report
# named (exit 1), with the same entry to allow them; an allowed path names its entry (exit 0).
explain() {
	local sock=()
	[[ -n ${DAEMON_DIR:-} ]] && sock=("CORDON_SOCKET=$DAEMON_DIR/run/sock")
	(cd "$proj" && as_user env -i PATH=/usr/bin:/bin HOME="$home" "${sock[@]}" "$CORDON" explain --project "$proj" "$@")
}
report_rule() { grep -F -- "  $1 \"$2\" (" "$err" | sed -E 's/^[^(]*\([0-9]+ time\(s\)(, [a-z0-9-]+)?\): //'; }
explained() { # @1 exit code wanted, @2 first line wanted, @3 the rule line wanted, then explain's arguments
	local want=$1 first=$2 rule=$3 out rc
	shift 3
	out=$(explain "$@" 2>&1)
	rc=$?
	[[ $rc == "$want" && $(sed -n 1p <<<"$out") == "$first" && $(sed -n 2p <<<"$out") == "  rule: $rule" ]] || {
		echo "# rc=$rc (want $want)"
		sed 's/^/# /' <<<"$out"
		return 1
	}
}
rule=$(report_rule read "$data/in.txt")
check explain_read_refused explained 1 "refused: read \"$data/in.txt\"" "\"$rule\"" "$data/in.txt"
check explain_read_allow_flag sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --project '$proj' '$data/in.txt' | grep -qxF '  allow it with --allow-read \"$data/in.txt\", or in the policy:'"
check explain_secret_refused explained 1 "refused: read \"$secret\"" "$(report_rule syscall-openat "$secret" | sed 's/^cannot be allowed: a secret (\(.*\) at \(.*\)): no allow entry lifts it$/"\1" at "\2"/')" "$secret"
check explain_secret_cannot_be_allowed sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --project '$proj' '$secret' | grep -q '^  cannot be allowed: \"a secret'"
rule=$(report_rule connect "127.0.0.1:$port")
check explain_connect_refused explained 1 "refused: connect \"127.0.0.1:$port\"" "\"${rule%% at *}\"" "127.0.0.1:$port"
check explain_create_refused sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --project '$proj' --write '$data/out/new.txt' | grep -qxF '  allow it with --allow-write \"$data/out\", or in the policy:'"
check explain_allowed sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --project '$proj' --exec /usr/bin/cat | sed -n 2p | grep -qE '^  rule: \"filesystem.exec\[[0-9]+\]: /usr\" at \"builtin:base:[0-9]+\"$'"
check explain_json sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --json --project '$proj' '$data/in.txt' | /usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin); assert not o[\"allowed\"] and o[\"allow_flag\"]==\"--allow-read\" and o[\"enforced\"], o'"
explain nonsense:port >/dev/null 2>&1
check explain_bad_input_exit_2 test $? = 2

# The YAML as printed, pasted under a policy extending agent: the read is allowed.
pol=$data/pasted.yaml
{
	echo "name: pasted"
	echo "extends: agent"
	grep -A3 -F "allow it with --allow-read \"$data/in.txt\"" "$err" | tail -3 | sed "s/^      //"
} >"$pol"
chmod 644 "$pol"
check pasted_policy_is_valid "$CORDON" policy check "$pol"
out=$(inside --policy "$pol")
check pasted_policy_allows_the_read sh -c "echo '$out' | grep -qx report-canary && echo '$out' | grep -qx ran"
check explain_pasted_policy_allows sh -c "cd '$proj'; setpriv --reuid '$USER_NAME' --regid '$USER_NAME' --init-groups env -i PATH=/usr/bin:/bin HOME='$home' '$CORDON' explain --project '$proj' --policy '$pol' '$data/in.txt' | sed -n 2p | grep -qE '^  rule: \"filesystem.read\[[0-9]+\]: $data/in.txt\" at \"$pol:5\"$'"
check pasted_policy_report_no_longer_names_it sh -c "! grep -qF '  read \"$data/in.txt\"' '$err'"

out=$(inside --quiet)
check quiet_ran sh -c "echo '$out' | grep -qx ran"
check quiet_one_line sh -c "test \$(grep -c '^cordon: refused [0-9]* time' '$err') = 1 && ! grep -q 'allow it\|filesystem:\|cannot be allowed' '$err'"
check quiet_names_audit grep -qE '^cordon: refused [0-9]+ time\(s\), [0-9]+ object\(s\), in session [0-9a-f]{12}: see `cordon audit --session [0-9a-f]{12}`$' "$err"

out=$(inside --json)
check json_ran sh -c "echo '$out' | grep -qx ran"
check json_report /usr/bin/python3 - "$err" "$data/in.txt" "$secret" <<'PY'
import json, sys
err, path, secret = sys.argv[1:4]
reps = [json.loads(l) for l in open(err) if l.startswith('{"report"')]
assert len(reps) == 1, reps
r = reps[0]
assert r["report"] == "refusals" and r["refusals"] >= 5, r
objs = {o["object"]: o for o in r["objects"]}
o = objs[path]
assert o["allow_flag"] == "--allow-read" and o["allow_list"] == "read" and o["allow_entry"] == path, o
assert o["allow_yaml"] == 'filesystem:\n  read:\n    - "%s"\n' % path, o
assert o["count"] >= 1 and o["rule_text"].startswith("filesystem.read"), o
assert "allow_yaml" not in objs[secret] and objs[secret]["not_allowed"].startswith("a secret"), objs[secret]
PY

# Bounded: ten objects named, the rest counted, with where to read them all.
for i in $(seq 1 13); do echo "f$i" >"$data/f$i"; done
chmod 644 "$data"/f*
script="for i in \$(seq 1 13); do cat $data/f\$i; done 2>/dev/null; echo ran"
out=$(inside)
check bounded_ran sh -c "echo '$out' | grep -qx ran"
check bounded_names_ten test "$(grep -cE '^  [a-z-]+ "' "$err")" = 10
check bounded_counts_the_rest grep -qE '^  and [0-9]+ more object\(s\); see `cordon audit --session [0-9a-f]{12}`$' "$err"

# glibc's nscd probe (every passwd/group/hosts lookup): refused and audited, never in the report.
# A stand-in nscd where none runs, so that the connect outside succeeds; removed at the end.
nscd=/run/nscd/socket
if [[ ! -S $nscd ]]; then
	mkdir -p /run/nscd && chmod 755 /run/nscd
	/usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666); s.listen(8)
while True: s.accept()[0].close()
' "$nscd" &
	fake_nscd=$!
	for _ in $(seq 50); do [[ -S $nscd ]] && break; sleep 0.1; done
fi
probe="/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX)
try: s.connect(\"/var/run/nscd/socket\"); print(\"nscd-connected\")
except OSError as e: print(\"nscd-errno\", e.errno)'"
# The same session does what other ordinary work does, each refused (or confined) and audited
# but not in the report (docs/policy.md, "The exit report"): getaddrinfo's address-sorting UDP
# connect to a destination the policy allows over TCP, a debugger's write to /proc/PID/mem,
# node's read of its cgroup memory limit, and a listener on every interface's ephemeral port
# (bound to loopback) next to bind(::1, 0) as urllib3 probes IPv6. A UDP connect to a port TCP
# does not allow either stays in the report: the only object.
cgfile=$(ls /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cgroup.controllers 2>/dev/null | head -1)
cat >"$proj/daily.py" <<PY
import socket
def t(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "errno", e.errno)
t("udp-sort", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("127.0.0.1", 8000)))
t("udp-other", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("127.0.0.1", $port)))
t("proc-mem", lambda: open("/proc/self/mem", "r+b").close())
t("cgroup-read", lambda: open("$cgfile").read())
def listen_any():
    s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen()
    socket.socket(socket.AF_INET6).bind(("::1", 0))
t("listen-any", listen_any)
PY
chmod 644 "$proj/daily.py"
script="id -un; ls -l $data/in.txt >/dev/null && echo listed; $probe; /usr/bin/python3 $proj/daily.py; echo ran"
out=$(as_user sh -c "$script" 2>&1)
check nscd_outside_connects sh -c "echo '$out' | grep -qx nscd-connected"
for w in udp-sort udp-other proc-mem cgroup-read listen-any; do
	check "daily_outside_$w" grep -qx "$w ok" <<<"$out"
done
nlog=$data/nscd.jsonl
[[ ${MODE:-root} == daemon ]] && nlog=$DAEMON_DIR/audit.jsonl
alog=()
[[ ${MODE:-root} == daemon ]] || alog=(--audit-log "$nlog")
out=$(inside "${alog[@]}")
if [[ -n ${fake_nscd:-} ]]; then
	kill "$fake_nscd"
	wait "$fake_nscd" 2>/dev/null
	rm -f "$nscd"
	rmdir /run/nscd 2>/dev/null
fi
check nscd_ran sh -c "echo '$out' | grep -qx ran && echo '$out' | grep -qx listed"
check nscd_lookups_work sh -c "echo '$out' | grep -qx '$USER_NAME'"
check nscd_refused_inside sh -c "echo '$out' | grep -qxE 'nscd-errno (1|13)'"
check nscd_audited grep -q '"action":"unix-connect".*"/var/run/nscd/socket"' "$nlog"
check nscd_not_in_report sh -c "! grep -q 'nscd' '$err' || { sed 's/^/# /' '$err'; false; }"
check daily_udp_sort_refused grep -qx "udp-sort errno 1" <<<"$out"
check daily_udp_other_refused grep -qx "udp-other errno 1" <<<"$out"
check daily_proc_mem_refused grep -qxE "proc-mem errno (1|13|30)" <<<"$out"
check daily_cgroup_read_refused grep -qxE "cgroup-read errno (1|13)" <<<"$out"
check daily_listen_any_works grep -qx "listen-any ok" <<<"$out"
check daily_udp_sort_audited grep -q '"action":"connect".*"destination":{"ip":"127.0.0.1","port":8000},"network":{"type":"ipv4","transport":"udp"}' "$nlog"
check daily_proc_mem_audited grep -q '"path":"/proc/self/mem"' "$nlog"
check daily_cgroup_read_audited grep -qF "\"path\":\"$cgfile\"" "$nlog"
check daily_report_names_only_the_real_refusal sh -c "grep -q '^cordon: refused [0-9]* time(s), 1 object(s)' '$err' &&
	grep -qF '  connect \"127.0.0.1:$port\" (' '$err' || { sed 's/^/# /' '$err'; false; }"

script="echo ran"
out=$(inside)
check silent_ran sh -c "echo '$out' | grep -qx ran"
check silent_without_refusals sh -c "! grep -q 'refused' '$err'"
