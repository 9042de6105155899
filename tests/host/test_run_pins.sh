#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Root's `cordon run` on the pins of its build (no daemon) adopts them without opening the BPF
# object, and still notices what was done to them between two runs: a link pin removed (the
# program detached with it), a link detached in place (`bpftool link detach`: the pin stays,
# attached to nothing), a tracing program's pin removed. Each time the next run loads the
# programs again and its new links replace the pins: the attack (an unrefused UDP send) fails
# inside the session that follows. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=root
TAP_PREFIX=run_pins/
need_root
command -v bpftool >/dev/null || { notok "suite (no bpftool)"; exit 1; }
session_setup rpins
mode_setup
logdir=$(mktemp -d /var/tmp/cordon-rpins-log.XXXXXX)
log=$logdir/audit.jsonl
port=$((20000 + $$ % 20000))
addr=$(hostname -I | tr ' ' '\n' | grep -v -e '^127\.' -e : | head -n 1)
cleanup() {
	rm -rf "$proj" "$logdir"
}
trap cleanup EXIT
[[ -n $addr ]] || { notok "suite (no non-loopback IPv4 address)"; exit 1; }

# This build's pin directory, named as loader.c's cordon_bpf_pin_name() names it: the object's
# digest and the cgroup root, hashed with the string's NUL.
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
digest=$(sed -n 's/^#define CORDON_OBJ_SHA256 "\(.*\)"$/\1/p' "$O/cordon_digest.h")
name=$(printf '%s %s\0' "$digest" "$cg2/cordon" | sha256sum | cut -c1-16)
dir=/sys/fs/bpf/cordon/$name
spin=$dir/link-cordon_sendmsg4
link_id() { bpftool -j link show pinned "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# The cgroup a pinned cgroup link is attached to (0: detached).
link_cgroup() { bpftool -j link show pinned "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("cgroup_id", 0))'; }

# UDP: only the cgroup sendmsg program judges it (Landlock has no UDP rules).
send="/usr/bin/python3 -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"$addr\", $port)); print(\"sent\")
except OSError as e:
    print(\"refused\", e.errno)'"
out=$(eval "$send")
check outside_send_succeeds test "$out" = sent

# One session sending; "$1": the check names' stem. The send is refused with EPERM and recorded.
session_refuses() {
	rm -f "$log"
	out=$($RUN --quiet --policy offline --project "$proj" --audit-log "$log" -- sh -c "$send" 2>&1)
	check "$1_session_ran" grep -q -e sent -e refused <<<"$out"
	check "$1_send_refused_EPERM" grep -q "refused 1$" <<<"$out" || echo "# $out"
	check "$1_refusal_recorded" grep -q "\"$addr\"" "$log"
}

session_refuses first
check pins_made test -e "$spin"
id=$(link_id "$spin")
check sendmsg4_pinned test -n "$id"
session_refuses adopted
check adopted_same_link test "$(link_id "$spin")" = "$id"

# The attack: the link's pin removed. Nothing holds the link between runs: the program is gone.
rm -f "$spin"
# The last reference goes from a workqueue: a moment after the unlink.
for ((i = 0; i < 40; i++)); do
	bpftool link show id "$id" >/dev/null 2>&1 || break
	sleep 0.05
done
check removed_link_gone sh -c "! bpftool link show id $id >/dev/null 2>&1"
out=$(eval "$send")
check removed_outside_send_succeeds test "$out" = sent
session_refuses removed
check removed_pin_replaced test -n "$(link_id "$spin")" -a "$(link_id "$spin")" != "$id"

# Detached in place: the pin is still there, its link attached to nothing.
id=$(link_id "$spin")
bpftool link detach pinned "$spin"
check detached_pin_stays test -e "$spin"
check detached_link_has_no_cgroup test "$(link_cgroup "$spin")" = 0
session_refuses detached
check detached_pin_replaced test "$(link_id "$spin")" != "$id" -a "$(link_cgroup "$spin")" != 0

# A tracing program's pin removed (its link comes and goes with the sessions): loaded again.
tpin=$(find "$dir" -maxdepth 1 -name 'prog-cordon_trace_*' | head -n 1)
check trace_prog_pinned test -n "$tpin"
rm -f "$tpin"
id=$(link_id "$spin")
session_refuses trace_removed
check trace_prog_pin_restored test -e "$tpin"
check trace_removed_reloaded test "$(link_id "$spin")" != "$id"
