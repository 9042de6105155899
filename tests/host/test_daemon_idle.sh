#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A session the daemon spawned costs the daemon nothing while its agent waits: the daemon sleeps
# in epoll_wait until something happens. (A cgroup.events change it woke for and did not read
# again stayed pending: epoll said EPOLLPRI at once, every time, and the daemon spun on a core
# for the whole life of every spawned session: 69% of a core measured here.) The measure is the
# daemon's CPU time (utime + stime from /proc) over two seconds of an agent that sleeps; a
# daemon that sleeps uses a few ticks at most, a spinning one most of them. Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
MODE=daemon
TAP_PREFIX=daemon_idle/
session_setup daemon-idle
mode_setup
cleanup() {
	mode_cleanup
	rm -rf "$proj"
}
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }
hz=$(getconf CLK_TCK)

(cd "$proj" && $RUN --quiet --policy offline --allow-degraded --project "$proj" -- \
	sh -c "echo started >$proj/started; sleep 4; echo done >$proj/done") </dev/null \
	>/dev/null 2>&1 &
client=$!
for ((i = 0; i < 100; i++)); do
	[[ -s $proj/started ]] && break
	sleep 0.1
done
check agent_started test -s "$proj/started"
sleep 0.5
t0=$(ticks)
sleep 2
t1=$(ticks)
used=$((t1 - t0))
echo "# daemon CPU over 2 s of a sleeping agent: $used ticks of $((2 * hz))"
# A tenth of the interval is far above an idle daemon's and far below a spinning one's.
check daemon_sleeps_while_agent_waits test "$used" -lt $((2 * hz / 10))
wait "$client"
check agent_finished test -s "$proj/done"

# The caller's own audit log, passed to the daemon as a descriptor: the daemon has no name for
# it, so it never rotates it. (Its worker once rotated it by a made-up name resolved in the
# daemon's own working directory: root made files there, and the caller's log stopped.)
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
ulog=$home/cordon-idle-$$.jsonl
rm -f "$ulog"
probe='import socket
for i in range(300):
    s = socket.socket()
    try:
        s.connect(("192.0.2.7", 2000 + i))
    except OSError:
        pass
    s.close()
print("RAN")'
out=$(cd "$proj" && $RUN --quiet --policy offline --allow-degraded --project "$proj" \
	--audit-log "$ulog" --audit-max-size 16K --audit-keep 2 -- /usr/bin/python3 -c "$probe" \
	</dev/null 2>&1)
check passed_log_session_ran grep -qx RAN <<<"$out" || sed 's/^/# /' <<<"$out"
check passed_log_has_session_end grep -q '"session-end"' "$ulog"
check passed_log_has_every_refusal test "$(grep -c '"192.0.2.7"' "$ulog")" -eq 300
check passed_log_not_rotated test ! -e "$ulog.1"
check daemon_cwd_has_no_log_of_its_own sh -c "! ls /proc/$DAEMON_PID/cwd/ | grep -q 'audit log'"
rm -f "$ulog" "$ulog".*
