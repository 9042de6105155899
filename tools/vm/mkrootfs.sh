#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the fleet suite's Debian 12 system disk: debootstrap (from the mirror the system's apt
# sources name for bookworm) with systemd and PACKAGES, as a raw ext4 image, cached by content.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# With --tarball, only the cached tree is made and its path printed (the package test unpacks
# it as a chroot: one debootstrap a day serves both suites).
tarball_only=false
if [[ ${1:-} == --tarball ]]; then
	tarball_only=true
	shift
fi
if [[ $# -ne 3 && ! ( $tarball_only == true && $# -eq 2 ) ]]; then
	usage '[--tarball] CACHEDIR "PACKAGE,PACKAGE..." [OUT.img]'
fi
cache=$(realpath -m -- "$1")
packages=$2
out=${3:-}
suite=bookworm
# The image's size: the system is about 600 MiB; the rest is room for the package, the journal
# and the audit log. Sparse, so only what is written takes space.
size=${ROOTFS_SIZE:-3G}

for t in debootstrap mkfs.ext4; do
	command -v "$t" >/dev/null || die "$t not found (tools/install-deps.sh check installs it)"
done
[[ $EUID -eq 0 ]] || die "debootstrap needs root"

# The mirror apt already uses for plain bookworm, never a name written here.
# shellcheck disable=SC2016 # apt's format, not shell
mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
	awk -v s="$suite" '$2 == s && $3 == "deb" { print $1; exit }') || true
[[ -n $mirror ]] || die "no deb source for $suite in the system's apt sources"

# The cache key: suite, mirror, package list and the date, so that a day's runs share one
# tarball and the next day's picks up security and point-release updates.
key=$(printf '%s %s %s %s\n' "$suite" "$mirror" "$packages" "$(date +%Y-%m-%d)" | sha256sum |
	cut -c1-16)
tarball=$cache/rootfs-$suite-$key.tar
mkdir -p -- "$cache"
exec 9>"$cache/lock"
flock -w 1800 9 || die "timed out waiting for the lock on $cache"

if [[ ! -f $tarball ]]; then
	work=$(mktemp -d "$cache/debootstrap.XXXXXX")
	trap 'rm -rf -- "$work"' EXIT
	t0=$SECONDS
	# The downloaded packages are kept too: tomorrow's tarball fetches only what changed.
	mkdir -p -- "$cache/debs"
	if ! debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$packages" "$suite" \
		"$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		tail -n 5 "$cache/debootstrap.log" >&2
		die "debootstrap failed (see $cache/debootstrap.log)"
	fi
	rm -f -- "$work"/root/var/cache/apt/archives/*.deb
	# Only today's tarball is kept: older ones are a previous day's packages.
	rm -f -- "$cache"/rootfs-*.tar
	tar -C "$work/root" -cf "$tarball.tmp" . && mv -- "$tarball.tmp" "$tarball"
	rm -rf -- "$work"
	printf '%s: debootstrap %s: %s s\n' "$prog" "$suite" $((SECONDS - t0)) >&2
fi
if [[ $tarball_only == true ]]; then
	printf '%s\n' "$tarball"
	exit 0
fi

# The image is made from the tarball with the system's settings on top (mkfs.ext4 -d: no loop
# mount, no root beyond reading the tree). Remade when the tarball is newer.
if [[ -f $out && $out -nt $tarball && ${ROOTFS_SETUP:-} -ot $out ]]; then
	exit 0
fi
work=$(mktemp -d "$cache/image.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
tar -C "$work" -xf "$tarball"
if [[ -n ${ROOTFS_SETUP:-} ]]; then
	"$ROOTFS_SETUP" "$work" || die "$ROOTFS_SETUP failed"
fi
rm -f -- "$out.tmp"
mkfs.ext4 -q -F -L fleet-root -d "$work" "$out.tmp" "$size" >/dev/null || die "mkfs.ext4 -d failed"
mv -- "$out.tmp" "$out"
