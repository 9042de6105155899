#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# limits.memory on a host without a cgroup v2 memory controller for the session (issue 15): an
# AddressSanitizer build runs (it reserves terabytes of shadow it never touches, which an
# address-space rlimit would refuse), and a session that really uses more than the limit is
# killed, and says so. Where the controller is the session's, the kernel's memory.max does it.
# Prints TAP.
set -uo pipefail

# shellcheck source=tests/lib/tap.sh
. "${CORDON_SRC:-$PWD}/tests/lib/tap.sh"
TAP_PREFIX=limits/
session_setup limits
err=$proj.err
pol=$proj.limits.yaml
cleanup() { rm -rf "$proj" "$err" "$pol"; }
trap cleanup EXIT
printf 'name: limits\nextends: builtin:offline\nlimits:\n  memory: 96M\n' >"$pol"
as_user() { setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups "$@"; }
inside() {
	"$CORDON" run --user "$USER_NAME" --project "$proj" --policy "$pol" --allow-degraded \
		-- "$@" </dev/null 2>"$err"
}

# --- a sanitizer build runs under the limit -------------------------------------------------------
printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void){char *p=malloc(64);p[0]=1;printf("asan-ran %%d\\n",p[0]);free(p);return 0;}\n' >"$proj/hello.c"
if gcc -fsanitize=address -o "$proj/hello" "$proj/hello.c" 2>/dev/null; then
	chown "$USER_NAME:" "$proj/hello"
	check asan_outside_runs sh -c "as_user() { setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups \"\$@\"; }; as_user $proj/hello | grep -qx 'asan-ran 1'"
	out=$(inside "$proj/hello")
	sed 's/^/# stderr: /' "$err"
	check asan_inside_runs test "$out" = "asan-ran 1"
else
	cannot asan_inside_runs "gcc cannot build with -fsanitize=address here"
fi

# --- a reservation much larger than the limit, never touched, is no use of memory -----------------
reserve='import mmap; m = mmap.mmap(-1, 8 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000); print("reserved")'
check reserve_outside as_user /usr/bin/python3 -c "$reserve"
out=$(inside /usr/bin/python3 -c "$reserve")
check reserve_inside test "$out" = reserved

# --- memory really used past the limit: the session is killed, and it says so --------------------
use='import time; print("started", flush=True); b = bytearray(400 << 20); time.sleep(5); print("survived")'
check use_outside_survives sh -c "setpriv --reuid $USER_NAME --regid $USER_NAME --init-groups /usr/bin/python3 -c '$use' | grep -qx survived"
out=$(inside /usr/bin/python3 -c "$use")
rc=$?
sed 's/^/# stderr: /' "$err"
check use_inside_ran sh -c "echo '$out' | grep -qx started"
check use_inside_killed sh -c "test $rc -ne 0 && ! echo '$out' | grep -qx survived"
if grep -q "rss-watch" "$err"; then
	check use_inside_says_why grep -q "used more than limits.memory" "$err"
elif grep -q "limits=cgroup-v1" "$err"; then
	check use_inside_says_why grep -q "reached limits.memory (96 MiB): the kernel killed" "$err"
fi

# --- pids and cpu on a hybrid host: the session's own cgroup v1 groups (cgroup_v1.c) -------------
# RLIMIT_NPROC counts every process of the user, not of the session; limits.cpu had nothing.
# Where cgroup v2 has the controllers, the kernel's pids.max/cpu.max do it (test_cgroup_*).
if findmnt -n -t cgroup -o OPTIONS | grep -qw pids && ! grep -qw pids "$(findmnt -n -t cgroup2 -o TARGET | head -n 1)/cgroup.controllers"; then
	printf 'name: limits2\nextends: builtin:offline\nlimits:\n  pids: 16\n  cpu: 10\n' >"$pol"
	forks='import os, sys, time
n = 0
for i in range(40):
    try:
        if os.fork() == 0:
            time.sleep(3); os._exit(0)
        n += 1
    except OSError as e:
        print("fork refused", e.errno); break
print("forked", n)'
	out=$(as_user /usr/bin/python3 -c "$forks")
	check pids_outside_forks_40 grep -qx "forked 40" <<<"$out"
	out=$(inside /usr/bin/python3 -c "$forks")
	sed 's/^/# stderr: /' "$err"
	echo "# inside: $out"
	check pids_v1_named grep -q "limits=cgroup-v1" "$err"
	check pids_inside_ran grep -q "^forked" <<<"$out"
	check pids_inside_refused_with_EAGAIN grep -q "fork refused 11" <<<"$out"
	# The agent burns 0.3 s of CPU time, which a 10% quota (10 ms per 100 ms) can only give it
	# throttled, whatever the machine's load; then it waits while its group is read from outside.
	burn="sed -n 's/^[0-9]*:cpu[,:].*:\\(.*\\)/\\1/p;s/^[0-9]*:cpu:\\(.*\\)/\\1/p' /proc/self/cgroup | head -n 1 >$proj/cg; /usr/bin/python3 -c 'import time; any(time.process_time() > 0.3 for _ in iter(int, 1))'; touch $proj/burned; sleep 3"
	inside sh -c "$burn" &
	agent=$!
	for _ in $(seq 300); do [[ -e $proj/burned ]] && break; sleep 0.1; done
	cpu=$(findmnt -n -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /(^|,)cpu(,|$)/ {print $1; exit}')
	grp=$cpu$(cat "$proj/cg" 2>/dev/null)
	echo "# cpu group: $grp: quota $(cat "$grp/cpu.cfs_quota_us" 2>&1), $(grep nr_throttled "$grp/cpu.stat" 2>&1)"
	check cpu_inside_ran test -e "$proj/burned"
	check cpu_group_is_the_sessions grep -q "/cordon/" "$proj/cg"
	check cpu_quota_is_10_percent test "$(cat "$grp/cpu.cfs_quota_us" 2>/dev/null)" = 10000
	check cpu_burn_throttled sh -c "test \"\$(awk '/^nr_throttled/ {print \$2}' $grp/cpu.stat)\" -gt 0"
	wait "$agent"
	# Removed by the cleanup process root's run leaves when it exits (user/cli/run_end.c): a
	# moment after cordon returns, the session's processes long gone.
	check cpu_group_removed_after_session within 50 test ! -e "$grp"
else
	cannot pids_cpu_v1 "no cgroup v1 pids hierarchy, or cgroup v2 has the controllers"
fi
