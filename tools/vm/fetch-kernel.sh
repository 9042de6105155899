#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetches one of Debian's cloud kernels that the VM tests boot (6.1 from bookworm, 6.12 from
# bookworm-backports) into OUTDIR: vmlinuz, release and modules -> the unpacked lib/modules/<release>.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
# Where the system's apt configuration lives; overridable only to test the parser below.
APT_ETC=${APT_ETC:-/etc/apt}

if [[ $# -ne 2 ]]; then
	usage '6.1|6.12 OUTDIR'
fi
kver=$1
# Absolute: apt resolves relative Dir:: paths against its system directories.
outdir=$(realpath -m -- "$2")

# Strict patterns: only the unsigned cloud flavour, never -dbg or the signed-template packages.
case $kver in
6.1)
	suite=bookworm
	glob='linux-image-6.1.0-*-cloud-amd64-unsigned'
	pattern='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
	;;
6.12)
	suite=bookworm-backports
	glob='linux-image-6.12.*+deb12-cloud-amd64-unsigned'
	pattern='^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-cloud-amd64-unsigned$'
	;;
*)
	printf '%s: unknown kernel "%s" (expected 6.1 or 6.12)\n' "$prog" "$kver" >&2
	exit 2
	;;
esac

# Cached: a complete OUTDIR is recognised by release, which is always written last.
if [[ -f $outdir/vmlinuz && -f $outdir/release ]]; then
	exit 0
fi

# deb822 sources: stanzas separated by blank lines, continuation lines start with white space.
# Prints "URI<TAB>SIGNED-BY" of the first enabled deb stanza whose suites include plain bookworm.
# shellcheck disable=SC2016 # an awk program, not shell
deb822_awk='
function flush() {
	if (!done && uris != "" && types ~ / deb / && suites ~ / bookworm / && tolower(enabled) != "no") {
		split(uris, u, " ")
		print u[1] "\t" (signed ~ /^\// ? signed : "")
		done = 1
	}
	types = suites = uris = signed = enabled = key = ""
}
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
{ gsub(/[ \t]+/, " ") }
/^ / {
	if (key == "uris") uris = uris $0
	else if (key == "suites") suites = suites substr($0, 2) " "
	else if (key == "types") types = types substr($0, 2) " "
	next
}
{
	i = index($0, ":")
	key = tolower(substr($0, 1, i - 1))
	val = substr($0, i + 1)
	sub(/^ /, "", val)
	sub(/ $/, "", val)
	if (key == "types") types = " " val " "
	else if (key == "suites") suites = " " val " "
	else if (key == "uris") uris = val
	else if (key == "signed-by") signed = val
	else if (key == "enabled") enabled = val
}
END { flush() }'

# One-line sources: "deb [opt=val ...] URI SUITE COMPONENT...". Same output.
# shellcheck disable=SC2016
oneline_awk='
{ sub(/#.*/, "") }
$1 == "deb" {
	n = 2
	signed = ""
	if ($2 ~ /^\[/) {
		for (; n <= NF; n++) {
			if ($n ~ /^\[?signed-by=/) {
				s = $n
				sub(/^\[?signed-by=/, "", s)
				sub(/\]$/, "", s)
				signed = s
			}
			if ($n ~ /\]$/) {
				n++
				break
			}
		}
	}
	if ($(n + 1) == "bookworm") {
		print $n "\t" (signed ~ /^\// ? signed : "")
		exit
	}
}'

# The mirror the system already uses for plain "bookworm" (not -security, -updates or
# -backports), looked up in apt's own reading order.
find_mirror() {
	local f found
	for f in "$APT_ETC/sources.list" "$APT_ETC"/sources.list.d/*; do
		[[ -f $f ]] || continue
		case $f in
		*.sources) found=$(awk "$deb822_awk" "$f") ;;
		*.list) found=$(awk "$oneline_awk" "$f") ;;
		*) continue ;;
		esac
		if [[ -n $found ]]; then
			printf '%s\n' "$found"
			return 0
		fi
	done
	return 1
}

# Retry network steps a couple of times: a mirror hiccup must not fail the whole test run.
retry() {
	local i
	for i in 1 2 3; do
		"$@" && return 0
		if [[ $i -lt 3 ]]; then
			sleep $((i * 5))
		fi
	done
	return 1
}

mirror=$(find_mirror) ||
	die "no \"deb\" source for suite bookworm in $APT_ETC/sources.list or $APT_ETC/sources.list.d/"
uri=${mirror%%$'\t'*}
signed_by=${mirror#*$'\t'}
opts=
if [[ -n $signed_by ]]; then
	opts="[signed-by=$signed_by] "
fi

# A private apt configuration next to OUTDIR, shared by both kernels: the system's sources, lists
# and caches are never written to.
aptdir=$(dirname -- "$outdir")/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$outdir" ||
	die "cannot create $aptdir or $outdir"
apt_opts=(
	-o "Dir::Etc::SourceList=$aptdir/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o Acquire::Retries=3
)

# The 6.1 and 6.12 fetches may run in parallel (make -j): one apt run at a time on the shared dir.
exec 9>"$aptdir/lock"
flock -w 900 9 || die "timed out waiting for the lock on $aptdir"
# Whoever held the lock may have fetched this very kernel; leftovers of a killed run go.
if [[ -f $outdir/vmlinuz && -f $outdir/release ]]; then
	exit 0
fi
rm -rf -- "$outdir"/.fetch.*

printf 'deb %s%s bookworm main\ndeb %s%s bookworm-backports main\n' \
	"$opts" "$uri" "$opts" "$uri" >"$aptdir/sources.list"

# --error-on=any: by default an unreachable mirror is only a warning and update succeeds.
retry apt-get -qq --error-on=any "${apt_opts[@]}" update >"$aptdir/update.log" 2>&1 ||
	die "apt-get update of the private sources failed (see $aptdir/update.log)"

pkg=$(apt-cache "${apt_opts[@]}" pkgnames linux-image- | grep -E -- "$pattern" | sort -V | tail -n 1) ||
	true
[[ -n $pkg ]] || die "no $glob package in $suite"

# Assemble in a temporary directory inside OUTDIR and move the pieces in afterwards, release last,
# so an interrupted fetch never leaves an OUTDIR that looks cached.
tmp=$(mktemp -d "$outdir/.fetch.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
# apt-get download drops privileges to _apt, which must be able to write here.
chmod 0755 "$tmp"
if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then
	chown _apt "$tmp"
fi

(cd "$tmp" && retry apt-get -q "${apt_opts[@]}" download "$pkg") >"$aptdir/download.log" 2>&1 ||
	die "apt-get download $pkg failed (see $aptdir/download.log)"
debs=("$tmp"/*.deb)
[[ -f ${debs[0]} ]] || die "apt-get download $pkg produced no .deb"
dpkg -x "${debs[0]}" "$tmp/root" || die "cannot unpack ${debs[0]##*/}"

release=${pkg#linux-image-}
release=${release%-unsigned}
[[ -f $tmp/root/boot/vmlinuz-$release ]] || die "$pkg has no boot/vmlinuz-$release"
moddir=
for d in lib/modules usr/lib/modules; do
	if [[ -d $tmp/root/$d/$release ]]; then
		moddir=$d/$release
	fi
done
[[ -n $moddir ]] || die "$pkg has no lib/modules/$release"

rm -rf -- "$outdir/root" "$outdir/modules" "$outdir/vmlinuz" "$outdir/release" "$outdir"/*.deb
mv -- "$tmp/root" "${debs[0]}" "$outdir/"
ln -s "root/$moddir" "$outdir/modules"
cp -- "$outdir/root/boot/vmlinuz-$release" "$outdir/vmlinuz.tmp"
mv -- "$outdir/vmlinuz.tmp" "$outdir/vmlinuz"
printf '%s\n' "$release" >"$outdir/release.tmp"
mv -- "$outdir/release.tmp" "$outdir/release"
printf '%s: %s (%s) in %s\n' "$prog" "$pkg" "$release" "$outdir"
