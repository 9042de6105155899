#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install exactly the Debian packages cordon's build, tests or benchmarks need and that are
# missing. Idempotent and silent when nothing is missing.
# Usage: install-deps.sh [build|check|analyze|bench|package|fleet|ansible]...
set -eu

build="make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libseccomp-dev
	libjansson-dev libfyaml-dev nettle-dev libldns-dev pkg-config"
# The day-of-work suite (tests/host/test_daily.sh) debugs with gdb and runs pytest in a venv
# (python3-venv: Debian's python3 has no ensurepip without it).
check="$build libcmocka-dev libclang-rt-14-dev clang-format qemu-system-x86 busybox-static cpio
	kmod iproute2 git ca-certificates python3-minimal python3-jsonschema tmux screen libssl-dev
	openssh-client btrfs-progs e2fsprogs xz-utils zstd npm curl gdb python3-venv python3-pytest"
bench="$build hyperfine bubblewrap firejail"
# `make deb` and its test (tests/host/test_package.sh): the package's build dependencies, lintian,
# a debootstrap root to install it in, procps for the unit's /bin/kill (systemd-analyze verify).
package="$build debhelper dpkg-dev fakeroot lintian debootstrap debian-archive-keyring procps
	python3-minimal"
# `make analyze`: clang-tidy and cppcheck.
analyze="clang-tidy cppcheck"
# `make fleet-check` (tests/fleet): the system disk (debootstrap, mkfs.ext4 -d, read back with
# debugfs), the kernel's modules for its initramfs (xz), and the Ansible role's syntax check on
# this machine (the role itself is applied inside the VM, from the disk's own ansible-core).
fleet="debootstrap debian-archive-keyring e2fsprogs xz-utils kmod qemu-system-x86 busybox-static
	cpio ansible-core"
check="$check $package $analyze $fleet"
# tools/ansible: the example role's syntax check and lint.
ansible="ansible ansible-lint"

want=""
[ $# -gt 0 ] || set -- check
for group in "$@"; do
	case "$group" in
	build) want="$want $build" ;;
	check) want="$want $check" ;;
	analyze) want="$want $analyze" ;;
	bench) want="$want $bench" ;;
	package) want="$want $package" ;;
	fleet) want="$want $fleet" ;;
	ansible) want="$want $ansible" ;;
	*) echo "install-deps.sh: unknown group '$group' (build, check, analyze, bench, package, fleet, ansible)" >&2
		exit 2 ;;
	esac
done

missing=""
for p in $(printf '%s\n' $want | sort -u); do
	# Node.js distributions other than Debian's (NodeSource) ship npm inside their nodejs: an npm
	# on PATH will do (tests/host/test_agent_e2e.sh installs the agent CLIs with it).
	[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: missing packages and not root:$missing" >&2
		echo "Hint: run as root, or: apt-get install$missing" >&2
		exit 1
	fi
else
	SUDO=""
fi

export DEBIAN_FRONTEND=noninteractive
# Try with the current package lists first; refresh them only if that fails (e.g. a fresh image).
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	$SUDO apt-get update -q >/dev/null
	$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
