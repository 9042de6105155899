#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run one test suite (unit, host, vm, fuzz, fleet) and write its results as TAP lines "ok - SUITE/NAME" to
# $O/results/SUITE.tap. A suite that cannot run is a skip, or a failure under CI=true.
set -uo pipefail

suite=${1:?usage: run-suite.sh unit|host|vm|fuzz|fleet}
O=${O:-build}
results="$O/results"
out="$results/$suite.tap"
mkdir -p "$results"
: >"$out"

# wait_lanes LOG...: wait for the background lanes in $pids, in order, printing each one's LOG
# when it ends (lanes run side by side; their messages must not interleave).
wait_lanes() {
	local i=0 log
	for log in "$@"; do
		wait "${pids[$i]}" || true
		cat "$log" >&2
		i=$((i + 1))
	done
}

# take_result FILE NAME: a lane's result lines into the suite's, or a failure when it left none.
take_result() {
	if [ -f "$1" ]; then
		cat "$1" >>"$out"
	else
		echo "not ok - $2/run (no result file)" >>"$out"
	fi
}

# Under CI a required suite that could not run fails; elsewhere it is a skip with the reason.
cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "not ok - $suite/suite (could not run: $1)" >>"$out"
	else
		echo "ok - $suite/suite # SKIP $1" >>"$out"
	fi
}

# Run BIN, normalise its TAP to "ok - PREFIX/NAME", and fail it if it died without saying so.
run_tap() {
	local bin=$1 prefix=$2 log status lines start=$SECONDS
	log=$(mktemp)
	shift 2
	"$@" "$bin" >"$log" 2>&1
	status=$?
	# Each test's time on stderr (the CI log): what the suite's budget is spent on.
	echo "# $prefix: $((SECONDS - start)) s" >&2
	awk -v p="$prefix" '
		/^(not ok|ok)([ \t]|$)/ {
			st = ($1 == "not") ? "not ok" : "ok"
			sub(/^(not ok|ok)( [0-9]+)?( -)?[ \t]*/, "")
			print st " - " p "/" $0
		}' "$log" >>"$out.tmp"
	lines=$(grep -c -E '^(not )?ok' "$out.tmp" || true)
	if [ "$status" -ne 0 ] && ! grep -q '^not ok' "$out.tmp"; then
		echo "not ok - $prefix (exit status $status)" >>"$out.tmp"
	elif [ "$lines" -eq 0 ]; then
		echo "not ok - $prefix (no results)" >>"$out.tmp"
	fi
	grep -v -E '^(not )?ok' "$log" | sed 's/^/  /' >"$log.diag"
	if grep -q '^not ok' "$out.tmp"; then
		cat "$log.diag" >&2
	fi
	cat "$out.tmp" >>"$out"
	rm -f "$log" "$log.diag" "$out.tmp"
}

# The host tests run again against the sanitizer build, each with its reason (those after the
# daemon's two took about 70 s together here; test_X_daemon is test_X through a daemon):
#   test_daemon, test_daemon_proto: the daemon's loop, its clients and forked workers;
#   test_dns: the session resolver, queries and TCP lengths from the agent, answers from an
#     upstream (its epoll set and forked children: an inherited connection kept registered);
#   test_protect_new(_daemon), test_git_hooks_watch_daemon: fanotify events with names and
#     file handles, unaligned in the buffer the kernel fills;
#   test_listener_daemon, test_secret_rename_daemon: the worker's permission listener and
#     its records, sent to the daemon on a socket it checks;
#   test_detach_daemon: sessions that outlive their client and worker in the daemon's lists;
#   test_redteam_daemon, test_agent_e2e_daemon: every kind of record through the daemon's
#     ring reader and attribution, under sessions that come and go.
SAN_HOST_TESTS=${SAN_HOST_TESTS:-test_daemon test_daemon_proto test_dns test_protect_new \
test_protect_new_daemon test_git_hooks_watch_daemon test_listener_daemon test_secret_rename_daemon \
test_detach_daemon test_redteam_daemon test_agent_e2e_daemon}

# Run host test @1 against the sanitizer build. ASan writes its reports to files of a directory
# of the test's own (the agent's user writes there too: the daemon's clients run as that user,
# their output often discarded); one there fails the test. UBSan, combined with ASan, writes to
# stderr whatever log_path says: the tests look for its reports where stderr goes (the daemon's
# log: tests/lib/tap.sh mode_cleanup, test_daemon, test_daemon_proto).
run_san() {
	local t=$1 rep
	if [ ! -x "$O/san/cordon" ] || [ ! -x "$O/tests/host/$t" ]; then
		echo "not ok - host-san/$t (no $O/san/cordon or test: make tests)" >>"$out"
		return
	fi
	rep=$(mktemp -d /tmp/cordon-san-reports.XXXXXX)
	chmod 1777 "$rep"
	ASAN_OPTIONS=detect_leaks=0:log_path=$rep/asan UBSAN_OPTIONS=print_stacktrace=1 \
		CORDON_BIN="$O/san/cordon" CORDON="$O/san/cordon" run_tap "$O/tests/host/$t" \
		"host-san/$t"
	if compgen -G "$rep/asan.*" >/dev/null; then
		echo "not ok - host-san/$t/no_sanitizer_report" >>"$out"
		head -n 60 "$rep"/asan.* | sed 's/^/  /' >&2
	fi
	rm -rf "$rep"
}

start=$(date +%s)
case "$suite" in
unit)
	for t in "$O"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run_tap "$t" "unit/$(basename "$t")"
	done
	;;
host)
	if [ "$(id -u)" -ne 0 ]; then
		cannot_run "needs root"
	else
		for t in "$O"/tests/host/test_*; do
			[ -x "$t" ] || continue
			CORDON_BIN="$O/cordon" run_tap "$t" "host/$(basename "$t")"
		done
		# Again against the build with ASan and UBSan ($O/san/cordon): the daemon's tests
		# (its long-lived loop is where a use after free hides: a heap corrupted now and
		# then, a test failing once in ten), and the tests of what parses buffers from the
		# kernel or from a peer, or lives beside forked children (SAN_HOST_TESTS).
		for t in $SAN_HOST_TESTS; do
			run_san "$t"
		done
	fi
	;;
vm)
	if ! command -v qemu-system-x86_64 >/dev/null; then
		cannot_run "qemu-system-x86_64 missing"
	else
		# One lane per kernel, side by side, each two boots one after the other: every test
		# but test_trace_race on one vCPU, then test_trace_race, whose threads must run at
		# once, on two. One vCPU because qemu's multi-threaded TCG can run a stale
		# translation of kernel code another vCPU is patching (text_poke_bp(): a static key
		# or tracepoint flipped). The 6.12 guest died of it twice with two vCPUs: "Oops:
		# int3" at boot, and in kmem_cache_free while a test's tracepoint was detached. A
		# guest that dies before its tests begin boots again (tests/vm/run.sh). Each lane's
		# messages are printed when it ends, so they do not interleave.
		race="test_trace_race"
		read -r -a kernels <<<"${VM_KERNELS:-6.1 6.12}"
		pids=()
		for k in "${kernels[@]}"; do
			rm -f "$results/vm-$k.tap" "$results/vm-$k-race.tap"
			(
				VM_SMP=1 VM_EXCEPT=$race BUILD="$O" tests/vm/run.sh "$k" "$O/vm/stage" \
					"$results/vm-$k.tap"
				VM_SMP=2 VM_ONLY=$race VM_PART=race BUILD="$O" tests/vm/run.sh "$k" \
					"$O/vm/stage" "$results/vm-$k-race.tap"
			) >"$results/vm-$k.log" 2>&1 &
			pids+=($!)
		done
		logs=()
		for k in "${kernels[@]}"; do logs+=("$results/vm-$k.log"); done
		wait_lanes "${logs[@]}"
		for k in "${kernels[@]}"; do
			take_result "$results/vm-$k.tap" "vm-$k"
			take_result "$results/vm-$k-race.tap" "vm-$k-race"
		done
	fi
	;;
fleet)
	# The package under systemd in a VM, one boot per KERNEL:MODE; FLEET_DEB is `make deb`'s.
	deb=${FLEET_DEB:-}
	if [ -z "$deb" ]; then
		for f in "$O"/deb/cordon_*_amd64.deb; do deb=$f; done
	fi
	if ! command -v qemu-system-x86_64 >/dev/null; then
		cannot_run "qemu-system-x86_64 missing"
	elif [ "$(id -u)" -ne 0 ]; then
		cannot_run "needs root (debootstrap)"
	elif [ ! -f "$deb" ]; then
		cannot_run "no package in $O/deb (make deb)"
	else
		# The role's syntax on this machine, before the VM applies it.
		if ! command -v ansible-playbook >/dev/null; then
			cannot_run "ansible-playbook missing (tools/install-deps.sh fleet)"
		elif (cd tools/ansible && ansible-playbook --syntax-check site.yml) >/dev/null 2>&1; then
			echo "ok - fleet/ansible_role_syntax_check" >>"$out"
		else
			echo "not ok - fleet/ansible_role_syntax_check" >>"$out"
		fi
		# Three boots of software emulation: 6.12 with BPF LSM (and the Ansible role), 6.12
		# without it, and 6.1 with it (about 8, 4 and 4 minutes on a 2-CPU machine). Each
		# guest has one vCPU, so two lanes run side by side, the long boot alone in the
		# first: FLEET_LANES lists the lanes, separated by ";". Each lane's messages are
		# printed when it ends, so they do not interleave.
		lanes=${FLEET_LANES:-6.12:bpf;6.12:nobpf 6.1:bpf}
		IFS=';' read -r -a lane_list <<<"$lanes"
		for r in ${lanes//;/ }; do
			rm -f "$results/fleet-${r%:*}-${r#*:}.tap"
		done
		pids=()
		for i in "${!lane_list[@]}"; do
			(
				for r in ${lane_list[$i]}; do
					BUILD="$O" tests/fleet/run.sh "${r%:*}" "${r#*:}" "$deb" \
						"$results/fleet-${r%:*}-${r#*:}.tap"
				done
			) >"$results/fleet-lane$i.log" 2>&1 &
			pids+=($!)
		done
		logs=()
		for i in "${!lane_list[@]}"; do logs+=("$results/fleet-lane$i.log"); done
		wait_lanes "${logs[@]}"
		for r in ${lanes//;/ }; do
			take_result "$results/fleet-${r%:*}-${r#*:}.tap" "fleet-${r%:*}-${r#*:}"
		done
	fi
	;;
fuzz)
	# Each fuzzer runs for a bounded time; a crash, leak or timeout fails it.
	for f in policy:fuzz-check:policy_parser_clean ctl:fuzz-ctl-check:ctl_config_parser_clean \
		dns:fuzz-dns-check:dns_messages_clean; do
		IFS=: read -r name target check <<<"$f"
		log=$(mktemp)
		if make --no-print-directory O="$O" "$target" >"$log" 2>&1; then
			stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" |
				tr '\n' ' ')
			echo "ok - fuzz/$check # $stats" | sed 's/ # / /' >>"$out"
			echo "# fuzz/$name: $stats" >&2
		else
			echo "not ok - fuzz/$check" >>"$out"
			tail -40 "$log" >&2
		fi
		rm -f "$log"
	done
	;;
*)
	echo "run-suite.sh: unknown suite '$suite'" >&2
	exit 2
	;;
esac

pass=$(grep -c -E '^ok' "$out" | tr -d ' ')
skip=$(grep -c -E '^ok.*# SKIP' "$out" | tr -d ' ')
fail=$(grep -c -E '^not ok' "$out" | tr -d ' ')
grep -E '^not ok|# SKIP' "$out" >&2
printf '%-6s %3d passed, %d failed, %d skipped (%ds)\n' "$suite:" $((pass - skip)) "$fail" "$skip" \
	$(($(date +%s) - start))
[ "$fail" -eq 0 ]
