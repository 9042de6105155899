#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the VM tests' initramfs: a static busybox with its applet links, a minimal /etc and the
# directories init mounts on, with STAGEDIR (/init, the cordon binary, the tests) copied on top.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Timestamps of every entry, for a reproducible archive.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

if [[ $# -ne 2 ]]; then
	usage 'STAGEDIR OUT.cpio.gz'
fi
stage=$1
out=$2

[[ -d $stage ]] || die "$stage is not a directory"
[[ -f $stage/init && -x $stage/init ]] || die "$stage/init is missing or not executable"
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found (install busybox-static)"

# The initramfs holds no libraries, so busybox must be static: an ELF without a PT_INTERP
# program header. Read the ELF64 header fields by offset (e_phoff 32, e_phentsize 54, e_phnum 56).
is_static_elf64() {
	local f=$1 magic phoff phentsize phnum i type
	magic=$(od -An -c -N 5 -- "$f" | tr -d ' ')
	[[ $magic == '177ELF002' ]] || return 1
	read -r phoff < <(od -An -t u8 -j 32 -N 8 -- "$f")
	read -r phentsize phnum < <(od -An -t u2 -j 54 -N 4 -- "$f")
	for ((i = 0; i < phnum; i++)); do
		read -r type < <(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 -- "$f")
		[[ $type -ne 3 ]] || return 1 # PT_INTERP
	done
}
is_static_elf64 "$BUSYBOX" || die "$BUSYBOX is not a statically linked 64-bit ELF (install busybox-static)"

# Applets init and the tests rely on: fail here rather than with "not found" inside the VM.
required=(sh mount mkdir cat ls ip poweroff timeout sleep echo grep sed id chmod ln rm env uname head
	tail wc sort mknod seq tr cut printf test '[' true false kill ps)
mapfile -t applets < <("$BUSYBOX" --list)
declare -A have=()
for a in "${applets[@]}"; do
	have[$a]=1
done
for a in "${required[@]}"; do
	[[ -n ${have[$a]:-} ]] || die "$BUSYBOX lacks the applet $a"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
root=$tmp/root

mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,run,root,home/agent}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp -- "$BUSYBOX" "$root/bin/busybox"
# Relative links: "busybox --install" would point them at this build machine's path.
for a in "${applets[@]}"; do
	[[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
agent:x:1000:1000:agent:/home/agent:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
agent:x:1000:
nogroup:x:65534:
EOF

# The kernel opens /dev/console for init before anything is mounted; Debian's kernels carry one
# in their built-in initramfs, but only root can create the node, so it is best effort.
if [[ $EUID -eq 0 ]]; then
	mknod -m 0600 "$root/dev/console" c 5 1
fi

# --remove-destination: a staged file named like an applet must replace the link, not busybox.
cp -a --remove-destination -- "$stage/." "$root/"

# Kernel modules the tests need (KMODULES, names) from the kernel's tree (KMODDIR), with what
# they depend on, decompressed (busybox insmod reads plain ELF) and listed in load order in
# /lib/cordon-modules/order, which init loads before any test: btrfs's BTF must be there when
# the BPF programs load (bpf/lib/inode.bpf.h).
declare -A mod_done=()
add_module() {
	local name=$1 f dep deps
	[[ -z ${mod_done[$name]:-} ]] || return 0
	mod_done[$name]=1
	f=$(find "$KMODDIR/kernel" \( -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" \) \
		-print -quit)
	if [[ -z $f ]]; then
		f=$(find "$KMODDIR/kernel" \( -name "${name//_/-}.ko" -o -name "${name//_/-}.ko.xz" \
			-o -name "${name//_/-}.ko.zst" \) -print -quit)
	fi
	# Built in: nothing to load.
	[[ -n $f ]] || return 0
	case $f in
	*.xz) xz -dc -- "$f" >"$root/lib/cordon-modules/$name.ko" ;;
	*.zst) zstd -qdc -- "$f" >"$root/lib/cordon-modules/$name.ko" ;;
	*) cp -- "$f" "$root/lib/cordon-modules/$name.ko" ;;
	esac
	deps=$(tr '\0' '\n' <"$root/lib/cordon-modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	printf '%s\n' "$name" >>"$root/lib/cordon-modules/order"
}
if [[ -n ${KMODULES:-} ]]; then
	[[ -d ${KMODDIR:-}/kernel ]] || die "KMODDIR ($KMODDIR) has no kernel/ directory"
	mkdir -p "$root/lib/cordon-modules"
	: >"$root/lib/cordon-modules/order"
	for m in $KMODULES; do
		add_module "$m"
	done
fi

# Scripts written for a normal system find /usr/bin/env and friends.
for l in sbin usr/bin usr/sbin; do
	if [[ ! -e $root/$l && ! -L $root/$l ]]; then
		mkdir -p "$(dirname -- "$root/$l")"
		ln -s "$(realpath -m --relative-to="$(dirname -- "$root/$l")" "$root/bin")" "$root/$l"
	fi
done

cpio_owner=()
if [[ $EUID -eq 0 ]]; then
	chown -R -h 0:0 "$root"
	chown 1000:1000 "$root/home/agent"
else
	cpio_owner=(--owner=0:0)
fi
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p -- "$(dirname -- "$out")"
out_tmp=$(mktemp "$out.XXXXXX")
trap 'rm -rf -- "$tmp" "$out_tmp"' EXIT
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio -o -0 -H newc --quiet --reproducible "${cpio_owner[@]}") | gzip -n -9 >"$out_tmp" ||
	die "cannot write the archive"
chmod 0644 "$out_tmp"
mv -- "$out_tmp" "$out"
