#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `cordon run --observe` (issue 16, learn mode): a scripted session connects (TCP), sends (UDP)
# and binds outside the agent policy's network rules, and reads a secret. Outside cordon all of
# it works; under --observe the network steps work too and are recorded as would-refuse with
# their rule while the secret stays refused; without --observe the network steps are refused
# and recorded. `cordon policy suggest` of the observed log gives a policy under which the same
# session is refused nothing but the secret and a planted git hook (explicit denies: never let
# through, never learnt). A site floor refuses --observe. MODE=daemon runs it
# through a daemon of its own (and its allow_observe: false). Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=observe/${MODE:-root}/
session_setup observe
mode_setup
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
logdir=$(mktemp -d /tmp/cordon-olog.XXXXXX)
chmod 755 "$logdir"
err=$proj.err
secret=$home/.ssh/id_observe
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
as_user mkdir -p "$home/.ssh"
as_user sh -c "echo secret-canary >$secret"
# Ports outside every connect and bind rule of the agent policy (3000-3999, 5173-5174,
# 8000-8099 on loopback): a listener of ours to connect to, a UDP port, a port to bind.
tcp_port=$((20000 + RANDOM % 5000))
udp_port=$((tcp_port + 1))
bind_port=$((tcp_port + 2))
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.close()
' "$tcp_port" &
listener=$!
cleanup() {
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	mode_cleanup
	rm -rf "$logdir" "$proj" "$err" "$secret"
}
trap cleanup EXIT
sleep 0.3

# The session's work: each step reported, none stopping the next.
step='import socket, sys
kind, port = sys.argv[1], int(sys.argv[2])
try:
    if kind == "tcp":
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    elif kind == "udp":
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port))
    elif kind == "listen":
        # listen() without bind(): every interface unless cordon binds it to lo.
        s = socket.socket(); s.listen(1)
        dev = s.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16)
        kind += " " + (dev.rstrip(b"\0").decode() or "any"); s.close()
    else:
        s = socket.socket(); s.bind(("127.0.0.1", port)); s.listen(1); s.close()
    print(kind + "-ok")
except OSError as e:
    print(kind + "-refused " + str(e.errno))'
script="python3 -c '$step' tcp $tcp_port; python3 -c '$step' udp $udp_port"
script+="; python3 -c '$step' bind $bind_port; python3 -c '$step' listen 0; cat $secret"
# A git hook planted in a repository of the project (the fanotify listener's on this tier, as
# exec_deny and secret names are): an explicit deny, refused in observe mode too, never learnt.
hook=$proj/r/.git/hooks/pre-commit
script+="; mkdir -p $proj/r/.git/hooks && echo ref >$proj/r/.git/HEAD"
script+=" && (echo '#!/bin/sh' >$hook) 2>/dev/null && echo hook-ok || echo hook-refused"
script+="; rm -rf $proj/r; echo ran"

# The session's records: in the daemon's own log (authoritative) or the run's file.
log=$logdir/audit.jsonl
inside() { # policy, then run options
	local pol=$1
	shift
	rm -f "$log"
	if [[ ${MODE:-root} == daemon ]]; then
		local rc
		$RUN --project "$proj" --policy "$pol" --allow-degraded "$@" -- /bin/sh -c "$script" \
			</dev/null 2>"$err"
		rc=$?
		session_records
		return $rc
	else
		$RUN --project "$proj" --policy "$pol" --allow-degraded --audit-log "$log" "$@" \
			-- /bin/sh -c "$script" </dev/null 2>"$err"
	fi
}
# Network records of the log, one line each: action outcome observed port rule_text layer.
netrecs() {
	/usr/bin/python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    c, e = r.get("cordon", {}), r.get("event", {})
    if c.get("hook") and e.get("outcome") in ("failure", "unknown"):
        print(e["action"], e["outcome"], c.get("observed", False),
              (r.get("destination") or r.get("source") or {}).get("port"),
              (r.get("file") or {}).get("path"), c.get("rule_text"), c.get("layer"))
PY
}
has() { grep -q -- "$2" <<<"$1"; }

out=$(as_user sh -c "$script" 2>&1)
check outside_all_steps_work sh -c "echo '$out' | grep -qx tcp-ok && echo '$out' | grep -qx udp-ok && echo '$out' | grep -qx bind-ok && echo '$out' | grep -qx 'listen any-ok' && echo '$out' | grep -qx secret-canary && echo '$out' | grep -qx hook-ok"

# Observed: the network steps work, each recorded as would-refuse with its rule.
out=$(inside agent --observe)
check observe_session_ran has "$out" '^ran$'
check observe_network_steps_work sh -c "echo '$out' | grep -qx tcp-ok && echo '$out' | grep -qx udp-ok && echo '$out' | grep -qx bind-ok"
# A listener off loopback: left on every interface, recorded as what would have been done.
check observe_listener_left_on_every_interface has "$out" '^listen any-ok$'
check observe_secret_still_refused sh -c "! echo '$out' | grep -q secret-canary"
check observe_planted_hook_still_refused has "$out" '^hook-refused$'
check observe_start_line_says_so grep -q '^cordon: observe mode: .*still refused: landlock, seccomp, mount_ns' "$err"
# The end line the same through the daemon: counted from the daemon's records of the session.
check observe_end_line_counts grep -q '^cordon: observe mode let through 4 operation' "$err"
if [[ ${MODE:-root} != daemon ]]; then
	check observe_end_record_counts /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"]["action"] == "session-end":
        sys.exit(0 if r["cordon"]["counts"]["observed"] == 4 and r["cordon"]["counts"]["refused_connect"] == 0 else 1)
sys.exit(1)' "$log"
fi
recs=$(netrecs)
echo "$recs" | sed 's/^/# observed: /'
check observe_connect_recorded has "$recs" "^connect unknown True $tcp_port None network.connect"
check observe_send_recorded has "$recs" "^connect unknown True $udp_port None network.connect"
check observe_bind_recorded has "$recs" "^bind unknown True $bind_port None network.bind"
check observe_listen_recorded_would_confine has "$recs" "^listen unknown True [0-9]* None None cgroup_bpf$"
check observe_secret_recorded_refused sh -c "echo '$recs' | grep -q 'failure False None .*id_observe'"
check observe_planted_hook_recorded_refused has "$recs" "failure False None $hook git: hooks"
check observe_session_start_lists_refusing_layers /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"]["action"] == "session-start":
        o = r["cordon"]["observe"]
        sys.exit(0 if "landlock" in o["still_refused"] and "cgroup_bpf" in o["observed"] else 1)
sys.exit(1)' "$log"
check observe_log_validates /usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py" "$log"
cp "$log" "$logdir/observed.jsonl"

# OCSF: an observed refusal is a Detection Finding, allowed and detected.
if [[ ${MODE:-root} != daemon ]]; then
	inside agent --observe --audit-format ocsf >/dev/null
	check observe_ocsf_finding_allowed /usr/bin/python3 -c '
import json, sys
titles = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("class_uid") == 2004 and r.get("action_id") == 1:
        if r.get("disposition_id") != 15:
            sys.exit(1)
        titles.append(r["finding_info"]["title"])
sys.exit(0 if any(t.startswith("cordon would refuse") for t in titles) and
         "cordon would confine listen to lo" in titles else 1)' "$log"
fi

# Not observed: the same steps are refused and recorded as refusals.
out=$(inside agent)
check enforced_session_ran has "$out" '^ran$'
check enforced_tcp_refused has "$out" '^tcp-refused'
check enforced_udp_refused has "$out" '^udp-refused 1$'
check enforced_bind_refused has "$out" '^bind-refused'
# The listener is confined, not refused: it works, on lo, and is no refusal record.
check enforced_listener_confined_to_lo has "$out" '^listen lo-ok$'
recs=$(netrecs)
echo "$recs" | sed 's/^/# enforced: /'
# TCP: Landlock's port rules refuse first (syscall-connect); UDP is the cgroup program's.
check enforced_connect_recorded has "$recs" "connect failure False $tcp_port None network.connect"
check enforced_send_recorded has "$recs" "^connect failure False $udp_port None network.connect"
check enforced_nothing_observed sh -c "! echo '$recs' | grep -q ' True '"
check enforced_listen_is_no_refusal sh -c "! echo '$recs' | grep -q '^listen '"
check enforced_listen_recorded_confined /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("cordon", {}).get("hook") == "tcp_listen":
        sys.exit(0 if r["event"]["outcome"] == "success" and r["cordon"].get("confined_to") == "lo" else 1)
sys.exit(1)' "$log"
check enforced_log_validates /usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py" "$log"

# The observed session's log, suggested: the same session runs refused only the secret.
check suggest_runs sh -c "'$CORDON' policy suggest '$logdir/observed.jsonl' >'$logdir/suggested.yaml' 2>'$logdir/suggest.err'"
sed 's/^/# /' "$logdir/suggested.yaml"
check suggest_is_a_valid_policy "$CORDON" policy check "$logdir/suggested.yaml"
check suggest_has_connect grep -q "127.0.0.1:$tcp_port\"" "$logdir/suggested.yaml"
check suggest_has_udp grep -q "127.0.0.1:$udp_port/udp\"" "$logdir/suggested.yaml"
check suggest_has_bind grep -q "127.0.0.1:$bind_port\"" "$logdir/suggested.yaml"
check suggest_never_allows_the_secret sh -c "! grep -v '^ *#' '$logdir/suggested.yaml' | grep -q '\.ssh'"
chmod 644 "$logdir/suggested.yaml"
if [[ ${MODE:-root} == daemon ]]; then
	cp "$logdir/suggested.yaml" "$proj/suggested.yaml"
	chown "$USER_NAME:" "$proj/suggested.yaml"
	pol=$proj/suggested.yaml
else
	pol=$logdir/suggested.yaml
fi
out=$(inside "$pol")
check suggested_session_ran has "$out" '^ran$'
check suggested_network_steps_work sh -c "echo '$out' | grep -qx tcp-ok && echo '$out' | grep -qx udp-ok && echo '$out' | grep -qx bind-ok && echo '$out' | grep -qx 'listen lo-ok'"
check suggested_still_refuses_secret sh -c "! echo '$out' | grep -q secret-canary"
recs=$(netrecs)
echo "$recs" | sed 's/^/# suggested: /'
check suggested_only_refusals_are_the_explicit_denies sh -c "test -n '$recs' && ! echo '$recs' | grep -v 'secrets\.\|git: '"
check suggested_still_refuses_planted_hook has "$out" '^hook-refused$'

# A site floor is never relaxed: --observe under one is refused, before anything runs.
if [[ ${MODE:-root} == daemon ]]; then
	echo "name: site-floor" >"$DAEMON_DIR/no-floor.yaml"
	out=$(inside agent --observe)
	rc=$?
	rm -f "$DAEMON_DIR/no-floor.yaml"
else
	echo "name: site-floor" >"$logdir/floor.yaml"
	out=$(CORDON_FLOOR=$logdir/floor.yaml inside agent --observe)
	rc=$?
fi
check floor_refuses_observe sh -c "test $rc -ne 0 && ! echo '$out' | grep -q ran && grep -q 'site floor.* is in effect' '$err'"
sed 's/^/# /' "$err"

# The daemon's site configuration may forbid observe mode: refused, nothing runs.
if [[ ${MODE:-root} == daemon ]]; then
	echo "{audit: {file: $DAEMON_DIR/audit.jsonl}, allow_observe: false}" >"$DAEMON_DIR/cordon.yaml"
	kill -HUP "$DAEMON_PID"
	sleep 0.5
	out=$(inside agent --observe)
	rc=$?
	check config_forbids_observe sh -c "test $rc -ne 0 && ! echo '$out' | grep -q ran && grep -q 'allow_observe: false' '$err'"
	sed 's/^/# /' "$err"
	out=$(inside agent)
	check config_still_runs_enforced has "$out" '^ran$'
fi
