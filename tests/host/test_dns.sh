#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The session's resolver: an upstream of the test's own on loopback (dns_tool serve, a zone file
# it re-reads, a log of every query it gets) stands in for the system's, named by a resolv.conf
# of the test's own (CORDON_RESOLV_CONF, root only). Each refusal is first shown to work outside
# cordon. Inside: allowed names resolve (DNS addressed anywhere is steered, UDP and TCP) and
# connect; refused names, record types and tunnelling patterns get REFUSED, a dns-refused record
# and no packet upstream; a rotated address works and the old one stops after TTL + grace; DoT
# is refused; a missing resolv.conf runs the session; launch does not wait for DNS. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=dns/
session_setup dns
TOOL=$(realpath "$O/tests/host/dns_tool")
work=$(mktemp -d /tmp/cordon-dns-work.XXXXXX)
UP=127.0.0.153 # the test's upstream
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$proj" "$work"
}
trap cleanup EXIT

install -m 0755 "$TOOL" "$proj/dns_tool"
cat >"$work/zone" <<'EOF'
allowed.test. A 127.0.0.2 1
allowed.test. TXT hello 60
a.wild.test. A 127.0.0.6 60
evil.test. A 127.0.0.2 60
EOF
for i in $(seq 1 100); do echo "big.test. A 127.1.0.$i 60"; done >>"$work/zone"
echo "nameserver $UP" >"$work/resolv.conf"
: >"$work/log"
chmod 644 "$work/zone"
cat >"$proj/policy.yaml" <<'EOF'
name: dns-test
extends: agent
network:
  connect:
    - "allowed.test:8443"
    - "*.wild.test:8443"
    - "big.test:8443"
EOF
chown -R "$USER_NAME:" "$proj"

"$TOOL" serve "$UP" "$work/zone" "$work/log" >"$work/serve.out" 2>&1 &
pids+=($!)
/usr/bin/python3 - "$work/listen.out" <<'EOF' &
import socket, sys, threading
def serve(addr):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8443)); s.listen(64)
    while True:
        c, _ = s.accept(); c.close()
for a in ("127.0.0.2", "127.0.0.5", "127.0.0.4"):
    threading.Thread(target=serve, args=(a,), daemon=True).start()
# A DNS server the session must never reach: it counts what arrives on 127.0.0.9:53.
def sink_udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.9", 53))
    while True:
        s.recv(4096); open(sys.argv[1] + ".sink", "a").write("udp\n")
def sink_tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.9", 53)); s.listen(16)
    while True:
        c, _ = s.accept(); open(sys.argv[1] + ".sink", "a").write("tcp\n"); c.close()
threading.Thread(target=sink_udp, daemon=True).start()
threading.Thread(target=sink_tcp, daemon=True).start()
open(sys.argv[1], "w").write("ready\n")
threading.Event().wait()
EOF
pids+=($!)
for _ in $(seq 50); do
	[[ -s $work/serve.out && -s $work/listen.out ]] && break
	sleep 0.1
done
grep -q ready "$work/serve.out" || { notok "suite (upstream did not start: $(cat "$work/serve.out"))"; exit 1; }

# --- outside cordon: every query and connect the session is refused works here ---
out=$("$TOOL" query "$UP" allowed.test TXT)
check outside_txt_answered grep -q '"hello"' <<<"$out"
out=$("$TOOL" query "$UP" evil.test A)
check outside_unlisted_name_answered grep -q '127.0.0.2' <<<"$out"
check outside_connect_unanswered_address "$TOOL" connect 127.0.0.4 8443
"$TOOL" query 127.0.0.9 allowed.test A >/dev/null 2>&1
"$TOOL" query 127.0.0.9 allowed.test A tcp >/dev/null 2>&1
sleep 0.2
check outside_other_dns_server_reached_udp grep -q udp "$work/listen.out.sink"
check outside_other_dns_server_reached_tcp grep -q tcp "$work/listen.out.sink"
: >"$work/listen.out.sink"
: >"$work/log"

run() {
	env CORDON_RESOLV_CONF="$work/resolv.conf" CORDON_DNS_GRACE=1 "$CORDON" run --user "$USER_NAME" \
		--project "$proj" --policy "$proj/policy.yaml" --allow-degraded \
		--audit-log "$work/audit.jsonl" -- "$@"
}

# --- inside: one session runs the whole sequence, one result line per step ---
cat >"$proj/inside.sh" <<'EOF'
q() { ./dns_tool query "$@" 2>&1 | tr '\n' ' '; echo; }
echo "allowed_udp: $(q 10.9.9.9 allowed.test A)"
echo "connect_allowed: $(./dns_tool connect 127.0.0.2 8443; echo $?)"
echo "connect_unanswered: $(./dns_tool connect 127.0.0.4 8443; echo $?)"
echo "allowed_tcp: $(q 192.0.2.1 allowed.test A tcp)"
echo "big_udp: $(q 10.9.9.9 big.test A)"
echo "big_tcp: $(./dns_tool query 10.9.9.9 big.test A tcp | grep -c 'IN.A')"
echo "other_server_udp: $(q 127.0.0.9 allowed.test A)"
echo "other_server_tcp: $(q 127.0.0.9 evil.test A tcp)"
echo "getent: $(getent hosts allowed.test | tr '\n' ' ')"
echo "txt: $(q 10.9.9.9 allowed.test TXT)"
echo "any: $(q 10.9.9.9 allowed.test ANY)"
echo "unlisted: $(q 10.9.9.9 evil.test A)"
echo "unlisted_tcp: $(q 10.9.9.9 evil.test A tcp)"
echo "wild: $(q 10.9.9.9 a.wild.test A)"
echo "wild_long: $(q 10.9.9.9 6578666974726174656420736563726574206461746120686572652e2e2e.wild.test A)"
echo "wild_many: $(q 10.9.9.9 a.b.c.d.e.wild.test A)"
echo "localhost_aaaa: $(q 10.9.9.9 localhost AAAA)"
echo "localhost_sub: $(q 10.9.9.9 app.localhost A)"
echo "localhost_port_still_judged: $(./dns_tool connect 127.0.0.1 8443; echo $?)"
echo "dot: $(q 8.8.8.8 allowed.test A udp 853)"
echo "dot_connect: $(./dns_tool connect 1.1.1.1 853; echo $?)"
# the address rotates: the test changes the zone while the session waits for it
echo rotate >"$PWD/rotate.req"
for i in $(seq 100); do [ -e "$PWD/rotate.done" ] && break; sleep 0.1; done
sleep 1.2
echo "rotated: $(q 10.9.9.9 allowed.test A)"
echo "connect_new: $(./dns_tool connect 127.0.0.5 8443; echo $?)"
echo "connect_old_in_grace: $(./dns_tool connect 127.0.0.2 8443; echo $?)"
sleep 6.5
echo "connect_old_expired: $(./dns_tool connect 127.0.0.2 8443; echo $?)"
echo "connect_new_renewed: $(./dns_tool query 10.9.9.9 allowed.test A >/dev/null; ./dns_tool connect 127.0.0.5 8443; echo $?)"
EOF
chmod 755 "$proj/inside.sh"
(
	for _ in $(seq 200); do
		[[ -e $proj/rotate.req ]] && break
		sleep 0.1
	done
	sed -i 's/^allowed.test. A 127.0.0.2 1$/allowed.test. A 127.0.0.5 1/' "$work/zone"
	touch "$proj/rotate.done"
) &
pids+=($!)
res=$(run /bin/sh ./inside.sh 2>"$work/run.err")
rc=$?
echo "$res" | sed 's/^/# /'
check session_ran test "$rc" -eq 0
line() { grep "^$1: " <<<"$res" | head -1 | cut -d' ' -f2-; }
has() { grep -q -- "$2" <<<"$(line "$1")"; }

check allowed_name_resolves_steered has allowed_udp 'NOERROR.*127.0.0.2'
check allowed_name_connects has connect_allowed '^0$'
check unanswered_address_refused has connect_unanswered '^1$'
check tcp53_steered_and_answered has allowed_tcp 'NOERROR.*127.0.0.2'
check big_answer_over_udp_truncated has big_udp 'NOERROR'
check big_answer_over_tcp_whole has big_tcp '^100$'
check big_answer_fetched_upstream_over_tcp grep -q '^tcp big.test' "$work/log"
check other_server_udp_answered_by_cordon has other_server_udp 'NOERROR.*127.0.0.2'
check other_server_tcp_refused_by_cordon has other_server_tcp REFUSED
check other_dns_server_never_reached bash -c "! test -s '$work/listen.out.sink'"
check glibc_lookup_works has getent '127.0.0.2'
check txt_refused has txt REFUSED
check any_refused has any REFUSED
check unlisted_name_refused has unlisted REFUSED
check unlisted_name_refused_tcp has unlisted_tcp REFUSED
check wildcard_name_resolves has wild 'NOERROR.*127.0.0.6'
check wildcard_long_label_refused has wild_long REFUSED
check wildcard_many_labels_refused has wild_many REFUSED
# RFC 6761: localhost names answered by the resolver itself (no refusal, nothing upstream), and
# the answer opens no loopback port (outside, the same connect reaches the closed port: 111).
check localhost_aaaa_answered_locally has localhost_aaaa 'NOERROR.*::1'
check localhost_subdomain_answered_locally has localhost_sub 'NOERROR.*127.0.0.1'
check outside_localhost_port_closed test "$("$TOOL" connect 127.0.0.1 8443; echo $?)" = 111
check localhost_answer_opens_no_port has localhost_port_still_judged '^1$'
check dot_send_refused has dot 'not permitted'
check dot_connect_refused has dot_connect '^1$\|^13$'
check rotated_address_answered has rotated 'NOERROR.*127.0.0.5'
check rotated_new_address_connects has connect_new '^0$'
check old_address_works_within_grace has connect_old_in_grace '^0$'
check old_address_refused_after_ttl_and_grace has connect_old_expired '^1$'
check new_address_after_lookup_again has connect_new_renewed '^0$'

# Nothing the session was refused reached the upstream.
check no_txt_upstream bash -c "! grep -q 'TXT' '$work/log'"
check no_any_upstream bash -c "! grep -q 'ANY' '$work/log'"
check no_unlisted_upstream bash -c "! grep -q 'evil.test' '$work/log'"
check no_tunnel_upstream bash -c "! grep -q '6578666974' '$work/log'"
check no_localhost_upstream bash -c "! grep -q 'localhost' '$work/log'"
check no_localhost_refusal bash -c "! grep '\"dns-refused\"' '$work/audit.jsonl' | grep -q localhost"
check allowed_went_upstream grep -q '^allowed.test' "$work/log"

# The records.
rec() { grep '"dns-refused"' "$work/audit.jsonl" | grep -c -- "$1"; }
check record_unlisted test "$(rec '"name":"evil.test","type":"A"},"type":"query"}')" -ge 1
check record_unlisted_reason bash -c "grep '\"dns-refused\"' '$work/audit.jsonl' | grep 'evil.test' | grep -q 'not-allowed'"
check record_txt bash -c "grep '\"dns-refused\"' '$work/audit.jsonl' | grep '\"TXT\"' | grep -q record-type"
check record_label_length bash -c "grep -q '\"label-length\"' '$work/audit.jsonl'"
check record_label_count bash -c "grep -q '\"label-count\"' '$work/audit.jsonl'"
check record_expired_connect bash -c "grep '\"connect\"' '$work/audit.jsonl' | grep '\"denied\"' | grep -q '127.0.0.2'"
check record_expired_connect_named bash -c "grep '\"connect\"' '$work/audit.jsonl' | grep '\"denied\"' | grep '127.0.0.2' | grep -q '\"domain\":\"allowed.test\"'"
check record_allowed_connect_named bash -c "grep '\"connect\"' '$work/audit.jsonl' | grep '\"allowed\"' | grep '127.0.0.5' | grep -q '\"domain\":\"allowed.test\"'"

# --- no resolv.conf: the session runs; names fail with a record ---
rm -f "$work/audit.jsonl"
out=$(env CORDON_RESOLV_CONF=/nonexistent/resolv.conf "$CORDON" run --user "$USER_NAME" \
	--project "$proj" --policy "$proj/policy.yaml" --allow-degraded \
	--audit-log "$work/audit.jsonl" -- ./dns_tool query 10.9.9.9 allowed.test A 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check no_resolv_conf_session_runs test "$rc" -eq 0
check no_resolv_conf_servfail grep -q SERVFAIL <<<"$out"
check no_resolv_conf_record grep -q '"no-upstream"' "$work/audit.jsonl"
out=$(env CORDON_RESOLV_CONF=/nonexistent/resolv.conf "$CORDON" run --user "$USER_NAME" \
	--project "$proj" --allow-degraded -- /bin/true 2>&1)
check no_resolv_conf_agent_policy_runs test $? -eq 0

# --- launch: no DNS wait with an upstream that never answers (median of 5, agent vs offline) ---
echo "nameserver 127.0.0.154" >"$work/dead.conf"
launch_ms() {
	local t=() s e
	for _ in 1 2 3 4 5; do
		s=$(date +%s%N)
		env CORDON_RESOLV_CONF="$work/dead.conf" "$CORDON" run --user "$USER_NAME" \
			--project "$proj" --policy "$1" --allow-degraded -- /bin/true >/dev/null 2>&1
		e=$(date +%s%N)
		t+=($(((e - s) / 1000000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}
agent=$(launch_ms agent)
offline=$(launch_ms offline)
echo "# launch median: agent ${agent} ms, offline ${offline} ms"
check launch_agent_no_dns_wait test "$agent" -le $((offline * 3 / 2 + 30))

# --- through the daemon: an ordinary user's session has the same resolver, and the user's own
# host sets (hosts.yaml in their policy directory) and --allow-connect apply there too ---
mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ddir=$(mktemp -d /opt/cordon-dns-daemon.XXXXXX)
pin=/sys/fs/bpf/cordon-dns-$$
cg=$mnt/cordon-dns-$$
uhome=$(getent passwd "$USER_NAME" | cut -d: -f6)
udir=$uhome/.config/cordon/policies
dpid=
daemon_cleanup() {
	[[ -n $dpid ]] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$pin" "$ddir" "$udir/hosts.yaml"
	rmdir "$cg" 2>/dev/null
	cleanup
}
trap daemon_cleanup EXIT
chmod 755 "$ddir"
mkdir -p "$ddir/policies" "$ddir/bin" "$udir"
install -m 0755 "$CORDON" "$ddir/bin/cordon"
printf 'audit:\n  file: %s\n' "$ddir/audit.jsonl" >"$ddir/cordon.yaml"
env CORDON_RESOLV_CONF="$work/resolv.conf" "$CORDON" daemon --config "$ddir/cordon.yaml" \
	--socket "$ddir/sock" --run-dir "$ddir/run" --pin-root "$pin" --cgroup-root "$cg" \
	--policy-dir "$ddir/policies" --floor "$ddir/floor.yaml" >"$ddir/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [[ -S $ddir/sock ]] && break; sleep 0.1; done
# As docs/policy.md says: a user's hosts.yaml shadows the shipped one, so it extends it.
printf 'name: hosts\nextends: builtin:hosts\nnetwork:\n  hosts:\n    mine: [allowed.test]\n' \
	>"$udir/hosts.yaml"
chown -R "$USER_NAME:" "$uhome/.config"
printf 'name: dns-daemon\nextends: agent\nnetwork:\n  connect: ["@mine:8443"]\n' \
	>"$proj/daemon-policy.yaml"
chown "$USER_NAME:" "$proj/daemon-policy.yaml"
cat >"$proj/daemon-inside.sh" <<'EOF'
echo "d_allowed: $(./dns_tool query 10.9.9.9 allowed.test A | tr '\n' ' ')"
echo "d_connect: $(./dns_tool connect 127.0.0.5 8443; echo $?)"
echo "d_other_port: $(./dns_tool connect 127.0.0.5 9443; echo $?)"
echo "d_cli_rule: $(./dns_tool query 10.9.9.9 a.wild.test A | tr '\n' ' ')"
echo "d_unlisted: $(./dns_tool query 10.9.9.9 evil.test A | tr '\n' ' ')"
echo "d_txt: $(./dns_tool query 10.9.9.9 allowed.test TXT | tr '\n' ' ')"
EOF
chmod 755 "$proj/daemon-inside.sh"
res=$(cd "$proj" && setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
	env HOME="$uhome" CORDON_SOCKET="$ddir/sock" PATH=/usr/bin:/bin "$ddir/bin/cordon" run \
	--allow-degraded --policy "$proj/daemon-policy.yaml" --allow-connect "a.wild.test:8443" \
	-- /bin/sh ./daemon-inside.sh 2>"$work/drun.err")
echo "$res" | sed 's/^/# /'
sed 's/^/# stderr: /' "$work/drun.err" | head -5
# (the zone answers the rotated address by now)
check daemon_user_host_set_resolves has d_allowed 'NOERROR.*127.0.0.5'
check daemon_user_host_set_connects has d_connect '^0$'
check daemon_allow_connect_name_resolves has d_cli_rule 'NOERROR'
check daemon_unlisted_refused has d_unlisted REFUSED
check daemon_txt_refused has d_txt REFUSED
check daemon_refused_record bash -c "grep '\"dns-refused\"' '$ddir/audit.jsonl' | grep -q 'evil.test'"
check daemon_other_port_refused has d_other_port '^[1-9]'

# --- the DNS library is loaded when the first resolver opens (user/lib/dns/dns_ldns.h): one that
# cannot be loaded means no resolver and so no session, never a session without one. A library of
# that name without ldns's functions, found first through LD_LIBRARY_PATH, stands in for it.
mkdir -p "$work/badlib"
echo 'int cordon_not_ldns;' | cc -shared -fPIC -x c -o "$work/badlib/libldns.so.3" -
rm -f "$proj/ran-good" "$proj/ran-bad"
run /bin/touch "$proj/ran-good" >/dev/null 2>&1
check without_broken_library_the_run_works test -e "$proj/ran-good"
LD_LIBRARY_PATH="$work/badlib" run /bin/touch "$proj/ran-bad" >/dev/null 2>"$work/badlib.err"
brc=$?
sed 's/^/# broken library: /' "$work/badlib.err" | head -3
check broken_library_refuses_the_session test "$brc" -ne 0
check broken_library_nothing_ran test ! -e "$proj/ran-bad"
check broken_library_said grep -q "the DNS library.*has no ldns_" "$work/badlib.err"
