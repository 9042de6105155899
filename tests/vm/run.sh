#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the VM suite on one Debian kernel: fetches the kernel, builds the initramfs from STAGEDIR,
# boots it and turns the console log into TAP lines named vm-KVER/... in RESULTFILE.
set -euo pipefail

prog=${0##*/}

if [[ $# -ne 3 ]]; then
	printf 'usage: %s 6.1|6.12 STAGEDIR RESULTFILE\n' "$prog" >&2
	exit 2
fi
kver=$1
stage=$2
result=$3
case $kver in
6.1 | 6.12) ;;
*)
	printf '%s: unknown kernel "%s" (expected 6.1 or 6.12)\n' "$prog" "$kver" >&2
	exit 2
	;;
esac

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath -m -- "${BUILD:-$root/build}")
VM_TIMEOUT=${VM_TIMEOUT:-1300}
if [[ ! $VM_TIMEOUT =~ ^[1-9][0-9]*$ ]]; then
	printf '%s: VM_TIMEOUT must be a number of seconds, not "%s"\n' "$prog" "$VM_TIMEOUT" >&2
	exit 2
fi
vmdir=$BUILD/vm/$kver
initrd=$vmdir/initrd.cpio.gz
# VM_PART=NAME: one of the suite's boots of this kernel (tests/run-suite.sh splits it in two),
# with a console of its own.
part=${VM_PART:-}
[[ $part =~ ^[a-z0-9]*$ ]] || {
	printf '%s: VM_PART must be a lower-case name, not "%s"\n' "$prog" "$part" >&2
	exit 2
}
log=$vmdir/console${part:+-$part}.log
name=vm-$kver
start=$SECONDS
out=()
# A log left by an earlier run must not be mistaken for this one's.
first_log=$vmdir/console${part:+-$part}.first-boot.log
rm -f -- "$log" "$first_log"

# Paths in messages are relative to the repository root when they are inside it.
show() {
	case $1 in
	"$root"/*) printf '%s' "${1#"$root"/}" ;;
	*) printf '%s' "$1" ;;
	esac
}
shown_log=$(show "$log")

# A reason goes inside a TAP line: one line, and no "#", which would start a TAP directive.
reason() {
	printf '%s' "$*" | tr '\n#' ' _'
}

finish() {
	local tmp
	mkdir -p -- "$(dirname -- "$result")"
	tmp=$(mktemp "$result.XXXXXX")
	if [[ ${#out[@]} -gt 0 ]]; then
		printf '%s\n' "${out[@]}" >"$tmp"
	fi
	mv -- "$tmp" "$result"
	printf '# %s: %s s\n' "$name" $((SECONDS - start))
	exit 0
}

# The machine cannot run the suite (no qemu, no mirror): a failure in CI, where the suite is
# required, and a visible skip on a developer's machine.
unavailable() {
	local step=$1 why
	why=$(reason "$2")
	if [[ ${CI:-} == true ]]; then
		out+=("not ok - $name/$step ($why)")
	else
		out+=("ok - $name/suite # SKIP $why")
	fi
	finish
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	unavailable qemu "qemu-system-x86_64 not installed (tools/install-deps.sh installs qemu-system-x86)"
fi

if ! msg=$("$root/tools/vm/fetch-kernel.sh" "$kver" "$vmdir" 2>&1); then
	msg=$(printf '%s\n' "$msg" | tail -n 1)
	unavailable fetch-kernel "kernel download failed: ${msg#fetch-kernel.sh: }"
fi
printf '# %s: kernel %s\n' "$name" "$(cat "$vmdir/release")"

# Filesystems whose device numbers the hooks and stat() disagree on (tests/vm/test_lsm_fs.c).
if ! msg=$(KMODDIR=$vmdir/modules KMODULES="loop overlay btrfs" \
	"$root/tools/vm/mkinitramfs.sh" "$stage" "$initrd" 2>&1); then
	msg=$(printf '%s\n' "$msg" | tail -n 1)
	out+=("not ok - $name/initramfs ($(reason "${msg#mkinitramfs.sh: }"))")
	finish
fi

# test_names VAR: VAR's value, checked to be test names separated by spaces, joined by commas.
test_names() {
	[[ ${!1} =~ ^[a-z0-9_\ ]+$ ]] || {
		printf '%s: %s must be test names separated by spaces\n' "$prog" "$1" >&2
		exit 2
	}
	tr -s ' ' ',' <<<"${!1}"
}

# VM_TESTS="test_a test_b": only those tests (a developer's shortcut; the result says so).
if [[ -n ${VM_TESTS:-} ]]; then
	list=$(test_names VM_TESTS)
	export VM_APPEND="${VM_APPEND:+$VM_APPEND }cordon.tests=$list"
	out+=("ok - $name/only_some_tests # SKIP VM_TESTS=$VM_TESTS")
fi
# The suite's split (VM_PART): VM_ONLY runs only those tests, VM_EXCEPT all others; the suite
# runs the rest in its other boot, so neither is a skip.
if [[ -n ${VM_ONLY:-} ]]; then
	list=$(test_names VM_ONLY)
	export VM_APPEND="${VM_APPEND:+$VM_APPEND }cordon.tests=$list"
fi
if [[ -n ${VM_EXCEPT:-} ]]; then
	list=$(test_names VM_EXCEPT)
	export VM_APPEND="${VM_APPEND:+$VM_APPEND }cordon.except=$list"
fi
# kernel_crashed FILE: the number of kernel lines (they carry a timestamp) that report a crash.
# (grep -c, not -q: an early exit would fail the pipeline under pipefail.)
kernel_crashed() {
	tr -d '\r' 2>/dev/null <"$1" |
		grep -c -E '^\[ *[0-9]+\.[0-9]+\] (.* )?(Kernel panic|Oops|BUG:|PANIC:)' || true
}

boot=0
"$root/tools/vm/boot.sh" "$vmdir/vmlinuz" "$initrd" "$log" "$VM_TIMEOUT" || boot=$?
# A guest kernel that dies before init prints its begin line has run none of cordon (init only
# mounts and loads modules before it): an emulation fault of the boot, not a result. It boots
# once more, the first console kept beside the second and the retry said in the results; a
# crash after the begin line, or on both boots, fails the run below.
if ! grep -q '^CORDON-VM-BEGIN ' "$log" 2>/dev/null && [[ $(kernel_crashed "$log") -gt 0 ]]; then
	mv -- "$log" "$first_log"
	first=$(tr -d '\r' <"$first_log" |
		grep -m 1 -E '(Kernel panic|Oops|BUG:|PANIC:)' | sed 's/^\[ *[0-9.]*\] //')
	msg="the guest kernel crashed before the tests began ($first); booting again,"
	msg+=" the first console is in $(show "$first_log")"
	printf '# %s: %s\n' "$name" "$msg" >&2
	out+=("# $name: $(reason "$msg")")
	boot=0
	"$root/tools/vm/boot.sh" "$vmdir/vmlinuz" "$initrd" "$log" "$VM_TIMEOUT" || boot=$?
fi

# The console interleaves kernel messages with the tests' output and ends lines with \r\n: only
# lines that start with a TAP result count, between the begin and end markers. Output: "B" once
# the begin marker is seen, "T <line>" per result (renamed), "E P F S" for the end marker.
# shellcheck disable=SC2016 # an awk program, not shell
parsed=$(awk -v pfx="$name/" '
{ gsub(/\r/, "") }
!begun {
	if ($0 ~ /^CORDON-VM-BEGIN /) {
		begun = 1
		print "B"
	}
	next
}
/^CORDON-VM-END pass=[0-9]+ fail=[0-9]+ skip=[0-9]+$/ {
	split($0, kv, /[ =]/)
	print "E", kv[3], kv[5], kv[7]
	exit
}
/^ok - / { sub(/^ok - /, "ok - " pfx); print "T " $0; next }
/^not ok - / { sub(/^not ok - /, "not ok - " pfx); print "T " $0 }
' "$log" 2>/dev/null) || true

begun=0
ended=0
pass=0
fail=0
skip=0
while IFS= read -r line; do
	case $line in
	B) begun=1 ;;
	E\ *)
		ended=1
		read -r _ end_pass end_fail end_skip <<<"$line"
		;;
	T\ *)
		line=${line#T }
		out+=("$line")
		case $line in
		not\ ok\ -\ *) fail=$((fail + 1)) ;;
		*'# SKIP'*) skip=$((skip + 1)) ;;
		*) pass=$((pass + 1)) ;;
		esac
		;;
	esac
done <<<"$parsed"

# The VM has no Python: the audit records test_audit_lsm prints ("# audit-record: JSON") are
# validated here against docs/audit-schema.json by python3-jsonschema, as the host tests do.
# A kernel message (a clocksource warning under TCG, say) can land in the middle of a long
# record on the console: it starts with its "[ seconds]" stamp and ends the console line, and
# the record goes on on the next one. The two halves are joined again.
# shellcheck disable=SC2016 # an awk program, not shell
records=$(tr -d '\r' 2>/dev/null <"$log" | awk '
{
	if (pending != "") {
		line = pending $0
		pending = ""
	} else if (/^# audit-record: /) {
		line = substr($0, 17)
	} else {
		next
	}
	if (match(line, /\[ *[0-9]+\.[0-9]+\] /)) {
		pending = substr(line, 1, RSTART - 1)
		next
	}
	print line
}') || true
if [[ -n $records ]]; then
	if msg=$(printf '%s\n' "$records" |
		"${CORDON_PYTHON:-/usr/bin/python3}" "$root/tests/lib/validate-audit.py" 2>&1); then
		out+=("ok - $name/audit_lsm_records_validate_against_the_schema ($(reason "$msg"))")
	else
		out+=("not ok - $name/audit_lsm_records_validate_against_the_schema ($(reason "$msg"))")
	fi
fi

# A kernel oops fails the run even when every test passed: it may have hit a process the tests
# did not check.
crashed=$(kernel_crashed "$log")

why=
if [[ $begun -eq 0 ]]; then
	why="no CORDON-VM-BEGIN line"
elif [[ $ended -eq 0 ]]; then
	why="no CORDON-VM-END line"
elif [[ $end_pass -ne $pass || $end_fail -ne $fail || $end_skip -ne $skip ]]; then
	why="the VM counted pass=$end_pass fail=$end_fail skip=$end_skip but the console shows"
	why+=" pass=$pass fail=$fail skip=$skip"
elif [[ $((pass + fail + skip)) -eq 0 ]]; then
	why="the VM ran no tests"
fi
if [[ $boot -eq 124 ]]; then
	why=${why:+$why, }"VM timed out after $VM_TIMEOUT s"
elif [[ $boot -ne 0 ]]; then
	why=${why:+$why, }"boot.sh exited with status $boot"
fi
if [[ ${crashed:-0} -gt 0 ]]; then
	why=${why:+$why, }"the guest kernel crashed"
fi

if [[ -n $why ]]; then
	out+=("not ok - $name/boot${part:+-$part} ($(reason "$why"); see $shown_log)")
	{
		printf '# %s: last 30 lines of %s:\n' "$name" "$shown_log"
		tail -n 30 "$log" 2>/dev/null | tr -d '\r' | sed 's/^/# /'
	} >&2
fi
finish
