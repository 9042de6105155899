#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A pin of the daemon's enforcing programs removed from outside (root's rm under
# /sys/fs/bpf/cordon) detaches nothing: the daemon holds each link open, pins it again within a
# second and records pin-restored. The attack first where nothing holds the link (the daemon
# SIGKILLed): the same rm then detaches the program. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=daemon
TAP_PREFIX=daemon_pins/
need_root
command -v bpftool >/dev/null || { notok "suite (no bpftool)"; exit 1; }
session_setup dpins
mode_setup
log=$DAEMON_DIR/audit.jsonl
port=$((20000 + $$ % 20000))
addr=$(hostname -I | tr ' ' '\n' | grep -v -e '^127\.' -e : | head -n 1)
cleanup() {
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
[[ -n $addr ]] || { notok "suite (no non-loopback IPv4 address)"; exit 1; }

dir=$(find "$DAEMON_PINS" -mindepth 1 -maxdepth 1 -type d | head -n 1)
pin=$dir/link-cordon_connect4
link_id() { bpftool -j link show pinned "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
id=$(link_id "$pin")
check connect4_pinned test -n "$id"

# UDP: only the cgroup sendmsg program judges it (Landlock has no UDP rules).
send="/usr/bin/python3 -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"$addr\", $port)); print(\"sent\")
except OSError as e:
    print(\"refused\", e.errno)'"
out=$(eval "$send")
check outside_send_succeeds test "$out" = sent

# The attack, while the daemon holds the links: the programs stay attached.
spin=$dir/link-cordon_sendmsg4
sid=$(link_id "$spin")
rm -f "$pin" "$spin"
check pins_removed test ! -e "$pin" -a ! -e "$spin"
check links_still_exist sh -c "bpftool link show id $sid >/dev/null && bpftool link show id $id >/dev/null"
out=$($RUN --quiet --policy offline --project "$proj" -- sh -c "$send" 2>&1)
check session_ran grep -q -e sent -e refused <<<"$out"
check send_refused_EPERM_after_pins_removed grep -q "refused 1$" <<<"$out"
check send_refusal_recorded grep -q "\"$addr\"" "$log"
for ((i = 0; i < 40; i++)); do
	[[ -e $pin && -e $spin ]] && break
	sleep 0.1
done
check pins_restored test -e "$pin" -a -e "$spin"
check pin_restored_same_link test "$(link_id "$pin")" = "$id" -a "$(link_id "$spin")" = "$sid"
check daemon_log_says grep -q "link-cordon_connect4 was removed from outside" "$DAEMON_DIR/daemon.log"
rec=$(grep '"pin-restored"' "$log" | grep -F "\"pin\":\"$pin\"")
check record_pin_restored test -n "$rec"
check record_validates /usr/bin/python3 "${CORDON_SRC:-$PWD}/tests/lib/validate-audit.py" "$log"

# A daemon that adopts the pins (a restart) holds the links it did not load just the same.
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
daemon_start "$DAEMON_DIR/daemon2.log"
for ((i = 0; i < 100; i++)); do
	grep -q "adopted the BPF programs" "$DAEMON_DIR/daemon2.log" 2>/dev/null && break
	sleep 0.1
done
check restarted_daemon_adopts grep -q "adopted the BPF programs" "$DAEMON_DIR/daemon2.log"
rm -f "$pin"
check adopted_link_still_exists sh -c "bpftool link show id $id >/dev/null"
for ((i = 0; i < 40; i++)); do
	[[ -e $pin ]] && break
	sleep 0.1
done
check adopted_pin_restored_same_link test "$(link_id "$pin")" = "$id"
check adopted_daemon_log_says grep -q "link-cordon_connect4 was removed from outside" "$DAEMON_DIR/daemon2.log"

# Where nothing holds the link (the daemon killed), the same rm detaches the program.
{
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID"
} 2>/dev/null
DAEMON_PID=
rm -f "$pin" "$spin"
check unheld_link_gone_after_rm sh -c "! bpftool link show id $id >/dev/null 2>&1"
check unheld_link_gone_after_rm_sendmsg sh -c "! bpftool link show id $sid >/dev/null 2>&1"
