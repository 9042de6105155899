#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the fleet suite on one Debian kernel: a Debian 12 system disk with systemd (debootstrap,
# cached), a second disk with the package and tests/fleet/guest.sh, booted under qemu with or
# without BPF LSM; the console's TAP lines, named fleet-KVER[-nobpf]/..., go to RESULTFILE.
set -euo pipefail

prog=${0##*/}

if [[ $# -ne 4 ]]; then
	printf 'usage: %s 6.1|6.12 bpf|nobpf DEB RESULTFILE\n' "$prog" >&2
	exit 2
fi
kver=$1
mode=$2
deb=$(realpath -- "$3")
result=$4
case $kver in 6.1 | 6.12) ;; *)
	printf '%s: unknown kernel "%s"\n' "$prog" "$kver" >&2
	exit 2
	;;
esac
case $mode in bpf | nobpf) ;; *)
	printf '%s: unknown mode "%s" (bpf or nobpf)\n' "$prog" "$mode" >&2
	exit 2
	;;
esac

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tests/fleet
BUILD=$(realpath -m -- "${BUILD:-$root/build}")
# Under load (a shared 2-CPU machine) the Ansible boot took 800 s; a hung guest still ends here.
VM_TIMEOUT=${VM_TIMEOUT:-1200}
name=fleet-$kver
[[ $mode == nobpf ]] && name+=-nobpf
dir=$BUILD/fleet/$kver-$mode
log=$dir/console.log
start=$SECONDS
out=()

reason() { printf '%s' "$*" | tr '\n#' ' _'; }
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
# A step before the boot failed: a failure under CI, a skip with the reason elsewhere when the
# machine lacks something (no qemu, no mirror).
unavailable() {
	if [[ ${CI:-} == true ]]; then
		out+=("not ok - $name/$1 ($(reason "$2"))")
	else
		out+=("ok - $name/suite # SKIP $(reason "$2")")
	fi
	finish
}
step_failed() {
	out+=("not ok - $name/$1 ($(reason "$2"))")
	finish
}
last_line() { printf '%s\n' "$1" | tail -n 1; }

command -v qemu-system-x86_64 >/dev/null ||
	unavailable qemu "qemu-system-x86_64 not installed (tools/install-deps.sh check)"
for t in debootstrap mkfs.ext4 debugfs dpkg-deb; do
	command -v "$t" >/dev/null || unavailable "$t" "$t not installed (tools/install-deps.sh check)"
done
[[ $EUID -eq 0 ]] || unavailable root "debootstrap needs root"
[[ -f $deb ]] || step_failed package "no package $deb (make deb)"

rm -rf -- "$dir" && mkdir -p -- "$dir/payload/out" "$dir/initrd/modules"

# What the runs share (the kernel, the system disk, the repacked packages) is made by one run at a
# time: the suite boots two guests side by side (tests/run-suite.sh). The lock ends with the script.
exec {prep_lock}>"$BUILD/fleet/.prep.lock"
flock "$prep_lock"

# The kernel, shared with the BPF LSM suite's cache.
kdir=$BUILD/vm/$kver
if ! msg=$("$root/tools/vm/fetch-kernel.sh" "$kver" "$kdir" 2>&1); then
	unavailable fetch-kernel "kernel download failed: $(last_line "$msg")"
fi
printf '# %s: kernel %s\n' "$name" "$(cat "$kdir/release")"

# The system disk (tests/fleet/packages.sh says what is on it). Cached by mkrootfs.sh.
pkgs=$("$here/packages.sh" "$deb")
img=$BUILD/fleet/root.img
# What setup-rootfs.sh puts on the disk changed: the image is remade from the cached tarball.
for f in "$here/setup-rootfs.sh" "$here/fleet-boot"; do
	[[ $f -nt $img ]] && rm -f -- "$img"
done
if ! msg=$(ROOTFS_SETUP=$here/setup-rootfs.sh "$root/tools/vm/mkrootfs.sh" "$BUILD/fleet/cache" \
	"$pkgs" "$img" 2>&1); then
	unavailable rootfs "$(last_line "$msg")"
fi
[[ -n $msg ]] && printf '# %s: %s\n' "$name" "$msg"

# The upgrade: the same package rebuilt with a bumped version (dpkg-deb, the contents unchanged:
# what is exercised is the maintainer scripts' upgrade path and the unit's restart).
version=$(dpkg-deb -f "$deb" Version)
up_version=$version+fleet1
up=$BUILD/fleet/cordon_${up_version}_amd64.deb
if [[ ! -f $up || $deb -nt $up ]]; then
	rm -rf -- "$BUILD/fleet/repack"
	if ! { dpkg-deb -R "$deb" "$BUILD/fleet/repack" &&
		sed -i "s/^Version: .*/Version: $up_version/" "$BUILD/fleet/repack/DEBIAN/control" &&
		dpkg-deb -b -Zxz "$BUILD/fleet/repack" "$up.tmp" >/dev/null && mv -- "$up.tmp" "$up"; }; then
		step_failed repack "cannot rebuild $deb as $up_version"
	fi
	rm -rf -- "$BUILD/fleet/repack"
fi

# A corrupted upgrade: the same again, one version up, its daemon binary one that exits 1.
bad_version=$version+fleet2
bad=$BUILD/fleet/cordon_${bad_version}_amd64.deb
if [[ ! -f $bad || $deb -nt $bad ]]; then
	rm -rf -- "$BUILD/fleet/repack"
	if ! { dpkg-deb -R "$deb" "$BUILD/fleet/repack" &&
		sed -i "s/^Version: .*/Version: $bad_version/" "$BUILD/fleet/repack/DEBIAN/control" &&
		printf '#!/bin/sh\necho "corrupted binary" >&2\nexit 1\n' \
			>"$BUILD/fleet/repack/usr/bin/cordon" &&
		sed -i '/ usr\/bin\/cordon$/d' "$BUILD/fleet/repack/DEBIAN/md5sums" &&
		dpkg-deb -b -Zxz "$BUILD/fleet/repack" "$bad.tmp" >/dev/null && mv -- "$bad.tmp" "$bad"; }; then
		step_failed repack "cannot build the corrupted package $bad_version"
	fi
	rm -rf -- "$BUILD/fleet/repack"
fi

flock -u "$prep_lock"

# The test disk: the packages, the guest's scripts, the Ansible example; the guest writes its
# logs to out/ on it, read back here with debugfs.
cp -- "$deb" "$up" "$bad" "$dir/payload/"
cp -- "$here"/{guest.sh,ansible.sh,attack.py,probe.sh,listen.py,journal_check.py,shipped_check.py} \
	"$dir/payload/"
cp -r -- "$root/tools/ansible" "$dir/payload/ansible"
ansible=0
[[ $kver == 6.12 && $mode == bpf ]] && ansible=1
{
	printf 'MODE=%s\nANSIBLE=%s\n' "$mode" "${FLEET_ANSIBLE:-$ansible}"
	printf 'DEB=%s\nDEB_UP=%s\nUP_VERSION=%s\nDEB_BAD=%s\n' "${deb##*/}" "${up##*/}" \
		"$up_version" "${bad##*/}"
} >"$dir/payload/env"
echo $((VM_TIMEOUT - 60)) >"$dir/payload/timeout"
mkfs.ext4 -q -F -L fleet-test -d "$dir/payload" "$dir/payload.img" 256M >/dev/null ||
	step_failed payload "mkfs.ext4 of the test disk failed"

# The initramfs: busybox, the virtio disk driver and what it needs, and overlayfs (modules in
# Debian's cloud kernels), and initrd-init, which mounts the system disk and starts its systemd.
mods=()
add_module() {
	local m=$1 f d
	f=$(find "$kdir/modules/" -name "$m.ko*" -print -quit)
	[[ -z $f ]] && f=$(find "$kdir/modules/" -name "${m//_/-}.ko*" -print -quit)
	[[ -n $f ]] || return 0 # built in
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_module "$d"
	done
	case " ${mods[*]} " in *" ${f##*/} "*) return 0 ;; esac
	case $f in
	*.xz) xz -dc "$f" >"$dir/initrd/modules/${m}.ko" ;;
	*.zst) zstd -qdc "$f" >"$dir/initrd/modules/${m}.ko" ;;
	*) cp -- "$f" "$dir/initrd/modules/${m}.ko" ;;
	esac
	mods+=("${f##*/}")
	echo "${m}.ko" >>"$dir/initrd/modules/order"
}
: >"$dir/initrd/modules/order"
# overlay: the system disk has no modules of this kernel, and filesystem.cache's layers need it
# (a session of a strict policy would refuse to start without it, as it should).
for m in virtio_pci virtio_blk overlay; do
	add_module "$m"
done
install -m 0755 "$here/initrd-init" "$dir/initrd/init"
if ! msg=$("$root/tools/vm/mkinitramfs.sh" "$dir/initrd" "$dir/initrd.cpio.gz" 2>&1); then
	step_failed initramfs "$(last_line "$msg")"
fi

# Booted with an explicit LSM list: Debian's default with bpf, or without it (the host tier). One
# vCPU: the daemon attaches and detaches its tracepoints while systemd runs (see tools/vm/boot.sh).
lsm=landlock,lockdown,yama,integrity,apparmor
[[ $mode == bpf ]] && lsm+=,bpf
boot=0
VM_SMP=1 VM_MEM=1536 VM_APPEND="lsm=$lsm" "$root/tools/vm/boot.sh" "$kdir/vmlinuz" "$dir/initrd.cpio.gz" \
	"$log" "$VM_TIMEOUT" \
	-drive "file=$img,format=raw,if=virtio,snapshot=on" \
	-drive "file=$dir/payload.img,format=raw,if=virtio" || boot=$?

# TAP lines between the markers; "E P F S" for the end marker (see tests/vm/run.sh).
# shellcheck disable=SC2016 # an awk program, not shell
parsed=$(tr -d '\r' <"$log" 2>/dev/null | awk -v pfx="$name/" '
!begun { if (/^CORDON-VM-BEGIN/) { begun = 1; print "B" }; next }
/^CORDON-VM-END pass=[0-9]+ fail=[0-9]+ skip=[0-9]+$/ {
	split($0, kv, /[ =]/); print "E", kv[3], kv[5], kv[7]; exit
}
/^ok - / { sub(/^ok - /, "ok - " pfx); print "T " $0; next }
/^not ok - / { sub(/^not ok - /, "not ok - " pfx); print "T " $0; next }
/^# / { print "D " $0 }
') || true
begun=0 ended=0 pass=0 fail=0 skip=0
while IFS= read -r line; do
	case $line in
	B) begun=1 ;;
	E\ *)
		ended=1
		read -r _ end_pass end_fail end_skip <<<"$line"
		;;
	D\ *) printf '# %s: %s\n' "$name" "${line#D \# }" >&2 ;;
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

# The audit file the daemon wrote, validated against the schema as the other suites do.
if debugfs -R "dump /out/audit.jsonl $dir/audit.jsonl" "$dir/payload.img" >/dev/null 2>&1 &&
	[[ -s $dir/audit.jsonl ]]; then
	if msg=$("${CORDON_PYTHON:-/usr/bin/python3}" "$root/tests/lib/validate-audit.py" \
		<"$dir/audit.jsonl" 2>&1); then
		out+=("ok - $name/audit_file_validates_against_the_schema ($(reason "$msg"))")
	else
		out+=("not ok - $name/audit_file_validates_against_the_schema ($(reason "$msg"))")
	fi
fi
debugfs -R "rdump /out $dir" "$dir/payload.img" >/dev/null 2>&1 || true

crashed=$(tr -d '\r' <"$log" 2>/dev/null |
	grep -c -E '^\[ *[0-9]+\.[0-9]+\] (.* )?(Kernel panic|Oops|BUG:|PANIC:)' || true)
why=
if [[ $begun -eq 0 ]]; then
	why="no CORDON-VM-BEGIN line"
elif [[ $ended -eq 0 ]]; then
	why="no CORDON-VM-END line"
elif [[ $end_pass -ne $pass || $end_fail -ne $fail || $end_skip -ne $skip ]]; then
	why="the VM counted pass=$end_pass fail=$end_fail skip=$end_skip, the console shows"
	why+=" pass=$pass fail=$fail skip=$skip"
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
	out+=("not ok - $name/boot ($(reason "$why"); see ${log#"$root"/})")
	{
		printf '# %s: last 30 lines of %s:\n' "$name" "$log"
		tail -n 30 "$log" 2>/dev/null | tr -d '\r' | sed 's/^/# /'
	} >&2
fi
finish
