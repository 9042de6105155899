#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots a kernel and initramfs under qemu with software emulation, the serial console written to
# LOGFILE, and kills the VM after TIMEOUT_SECONDS. QEMU_ARGS... (disks, say) are passed on to
# qemu; VM_APPEND is added to the kernel command line, VM_MEM (MiB) replaces the 1024 default.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 4 || ! $4 =~ ^[1-9][0-9]*$ ]]; then
	usage 'VMLINUZ INITRD LOGFILE TIMEOUT_SECONDS [QEMU_ARGS...]'
fi
kernel=$1
initrd=$2
log=$3
secs=$4
shift 4
mem=${VM_MEM:-1024}
[[ $mem =~ ^[1-9][0-9]*$ ]] || die "VM_MEM must be a number of MiB, not \"$mem\""
smp=${VM_SMP:-2}
[[ $smp =~ ^[1-9]$ ]] || die "VM_SMP must be a number of vCPUs from 1 to 9, not \"$smp\""

[[ -f $kernel ]] || die "kernel $kernel not found"
[[ -f $initrd ]] || die "initramfs $initrd not found"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (install qemu-system-x86)"
: >"$log" || die "cannot write $log"

# TCG, never KVM: Debian's kernels die with an emulation failure under this host's KVM.
# cx16=off: with two vCPUs, Debian 12's qemu (7.2) TCG corrupts EFLAGS after the kernel's per-CPU
# "cmpxchg16b %gs:" (SLUB fast path), and 6.12 then oopses or double-faults in about one boot in
# three; without CMPXCHG16B the kernel takes its locked fallback and boots every time.
# VM_SMP=1 where the guest toggles static keys while other vCPUs run hot syscall paths (a systemd
# boot): TCG can run a stale translation of a site text_poke_bp() has finished patching, and the
# guest dies with "Oops: int3" in syscall_exit_to_user_mode_prepare (seen once in the fleet suite).
# A soft lockup panics the guest at once, with every CPU's backtrace on the console
# (loglevel=5 lets the traces through "quiet"), instead of hanging until the host's timeout.
# No NIC: the tests only need loopback. stdin is /dev/null so qemu never reads the terminal.
# Commas are doubled because qemu's option parser splits on them.
status=0
timeout --kill-after=10 "$secs" \
	qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max,cx16=off -m "$mem" -smp "$smp" \
	-display none -monitor none -serial "file:${log//,/,,}" -nic none \
	-no-reboot \
	-kernel "$kernel" -initrd "$initrd" "$@" \
	-append "console=ttyS0 panic=-1 quiet loglevel=5 softlockup_panic=1 softlockup_all_cpu_backtrace=1${VM_APPEND:+ $VM_APPEND}" \
	</dev/null || status=$?

# 124: timeout sent SIGTERM; 137: it had to follow with SIGKILL (or something else killed qemu).
if [[ $status -eq 124 || ($status -eq 137 && $SECONDS -ge $secs) ]]; then
	printf '%s: VM timed out after %ss\n' "$prog" "$secs" >&2
	exit 124
fi
if [[ $status -ne 0 ]]; then
	printf '%s: qemu-system-x86_64 exited with status %s\n' "$prog" "$status" >&2
fi
exit "$status"
