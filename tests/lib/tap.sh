# SPDX-License-Identifier: GPL-2.0-only
# TAP for the host tests written in shell (sourced): "ok - NAME" and "not ok - NAME" lines, each
# NAME prefixed with $TAP_PREFIX; a check that runs a command; a required condition that is
# missing (a failure under CI=true, a skip elsewhere); the root the tests need.
ok() { echo "ok - ${TAP_PREFIX:-}$*"; }
notok() { echo "not ok - ${TAP_PREFIX:-}$*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else
		notok "$name"
		return 1
	fi
}
cannot() {
	if [[ ${CI:-} == true ]]; then notok "$1 (could not run: $2)"; else ok "$1 # SKIP $2"; fi
}
# Exit after a skip (or a failure under CI) unless running as root.
need_root() {
	[[ $(id -u) -eq 0 ]] && return 0
	cannot suite "needs root"
	exit 0
}

# A record in audit log @1: action @2, layer @3, errno @4, and @5 within its file.path (fixed
# strings, all required).
audit_has() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
log, action, layer, code, path = sys.argv[1:6]
for line in open(log):
    r = json.loads(line)
    if (r.get("event", {}).get("action") == action and
            r.get("cordon", {}).get("layer") == layer and
            r.get("error", {}).get("code") == code and
            path in (r.get("file", {}).get("path") or "")):
        sys.exit(0)
sys.exit(1)
PY
}

# The common start of a host test of `cordon run`: root, $CORDON (the binary under test), the
# test user $USER_NAME, and $proj, a fresh project directory of that user named after @1.
session_setup() {
	need_root
	O=${O:-build}
	CORDON=$(realpath "${CORDON:-$O/cordon}")
	[[ -x $CORDON ]] || { notok "suite (no $CORDON)"; exit 1; }
	USER_NAME=cordon-tty
	id "$USER_NAME" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$USER_NAME" || exit 1
	proj=$(mktemp -d "/tmp/cordon-$1.XXXXXX")
	chmod 755 "$proj"
	chown "$USER_NAME:" "$proj"
}

# A command as the suite's user ($USER_NAME, which a suite may change), with its home as HOME.
as_user() {
	setpriv --reuid "$USER_NAME" --regid "$USER_NAME" --init-groups \
		env HOME="$(getent passwd "$USER_NAME" | cut -d: -f6)" "$@"
}

# The audit log a suite reads, in $log: its own file in $logdir (a fresh root-owned directory
# named after @1), passed to `cordon run` with "${logopt[@]}" (MODE=root), or the daemon's
# (MODE=daemon, logopt empty). Call after mode_setup.
audit_log_setup() {
	logdir=$(mktemp -d "/var/log/cordon-test-$1.XXXXXX")
	if [[ ${MODE:-root} == daemon ]]; then
		log=$DAEMON_DIR/audit.jsonl
		logopt=()
	else
		log=$logdir/audit.jsonl
		logopt=(--audit-log "$log")
	fi
}

# How a suite starts `cordon run` for $USER_NAME, in $RUN: as root with --user (MODE=root, the
# default), or as the user through a daemon of the suite's own (MODE=daemon), the way an
# ordinary user's `cordon run` goes on a managed machine. Call after session_setup.
# Start the suite's daemon (its socket, pins, cgroup root and policies in $DAEMON_DIR) in the
# background, its output in @1, its pid in $DAEMON_PID; again after a stop, it adopts the pins.
daemon_start() {
	"$CORDON" daemon --config "$DAEMON_DIR/cordon.yaml" --socket "$DAEMON_DIR/run/sock" \
		--run-dir "$DAEMON_DIR/run" --pin-root "$DAEMON_PINS" --cgroup-root "$DAEMON_CGROUP" \
		--policy-dir "$DAEMON_DIR/policies" --floor "$DAEMON_DIR/no-floor.yaml" \
		</dev/null >"$1" 2>&1 &
	DAEMON_PID=$!
}

# True once command @2... succeeds, tried every tenth of a second, @1 times at most (what the
# kernel or a detached cleanup does a moment after cordon returns).
within() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# Wait (10 s at most) for the suite's daemon to answer on its socket; false if it never does.
daemon_ready() {
	for ((i = 0; i < 100; i++)); do
		[[ -S $DAEMON_DIR/run/sock ]] && return 0
		sleep 0.1
	done
	[[ -S $DAEMON_DIR/run/sock ]]
}

mode_setup() {
	if [[ ${MODE:-root} != daemon ]]; then
		RUN="$CORDON run --user $USER_NAME"
		return 0
	fi
	local cg2 home
	cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	[[ -n $cg2 ]] || { notok "daemon (no cgroup2 mount)"; exit 1; }
	# No dot in the name: bpffs refuses one in a pin path.
	DAEMON_DIR=$(mktemp -d /opt/cordon-tdaemon-XXXXXX)
	chmod 755 "$DAEMON_DIR"
	mkdir -p "$DAEMON_DIR/run" "$DAEMON_DIR/policies"
	chmod 755 "$DAEMON_DIR/run"
	echo "audit: {file: $DAEMON_DIR/audit.jsonl}" >"$DAEMON_DIR/cordon.yaml"
	DAEMON_PINS=/sys/fs/bpf/${DAEMON_DIR##*/}
	DAEMON_CGROUP=$cg2/${DAEMON_DIR##*/}
	daemon_start "$DAEMON_DIR/daemon.log"
	daemon_ready || {
		sed 's/^/# /' "$DAEMON_DIR/daemon.log"
		notok "daemon_starts"
		exit 1
	}
	home=$(getent passwd "$USER_NAME" | cut -d: -f6)
	RUN="setpriv --reuid=$USER_NAME --regid=$USER_NAME --init-groups env -i PATH=/usr/bin:/bin"
	RUN+=" HOME=$home USER=$USER_NAME TERM=${TERM:-xterm} CORDON_SOCKET=$DAEMON_DIR/run/sock"
	# Against the sanitizer build (tests/run-suite.sh), the client's reports go where the
	# daemon's do: the suite's options survive the clean environment.
	[[ -n ${ASAN_OPTIONS:-} ]] && RUN+=" ASAN_OPTIONS=$ASAN_OPTIONS"
	[[ -n ${UBSAN_OPTIONS:-} ]] && RUN+=" UBSAN_OPTIONS=$UBSAN_OPTIONS"
	RUN+=" $CORDON run"
}

# Stop the suite's daemon and remove what it left (call from the suite's cleanup).
mode_cleanup() {
	[[ -n ${DAEMON_PID:-} ]] || return 0
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	# A report the daemon printed (the sanitizer build, tests/run-suite.sh) fails the suite:
	# its log goes with the directory below. UBSan writes to stderr whatever log_path says.
	if grep -q -E 'Sanitizer|runtime error:' "$DAEMON_DIR/daemon.log" 2>/dev/null; then
		sed 's/^/# /' "$DAEMON_DIR/daemon.log"
		notok "daemon_no_sanitizer_report"
	fi
	# The whole subtree (sessions may have child cgroups), deepest first, once its tasks are
	# gone: a killed task leaves its cgroup a moment after the kill.
	[[ -d $DAEMON_CGROUP ]] && echo 1 >"$DAEMON_CGROUP/cgroup.kill" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		find "$DAEMON_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
		[[ -d $DAEMON_CGROUP ]] || break
		sleep 0.1
	done
	rm -rf "$DAEMON_PINS" "$DAEMON_DIR"
}

# The records of the suite's last session into $log: the daemon's file holds every session's,
# so the last session-start's id picks them (MODE=root: $log is the session's own file).
session_records() {
	[[ ${MODE:-root} == daemon ]] || return 0
	/usr/bin/python3 - "$DAEMON_DIR/audit.jsonl" >"$log" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
sid = None
for line in lines:
    r = json.loads(line)
    if r.get("event", {}).get("action") == "session-start":
        sid = r["cordon"]["session"]
for line in lines:
    if json.loads(line).get("cordon", {}).get("session") == sid:
        print(line)
PY
}

# Script @1 run by `sh -c` in a session of $proj ($RUN, --allow-degraded), its records in $log
# and its stderr in $err (the suite sets both).
run_recorded() {
	rm -f "$log"
	if [[ ${MODE:-root} == daemon ]]; then
		$RUN --project "$proj" --allow-degraded -- /bin/sh -c "$1" </dev/null 2>"$err"
		session_records
	else
		$RUN --project "$proj" --allow-degraded --audit-log "$log" -- /bin/sh -c "$1" \
			</dev/null 2>"$err"
	fi
}
