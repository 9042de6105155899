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
reserve='import mmap; m = mmap.mmap(-1, 8 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_NORESERVE); print("reserved")'
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
fi
