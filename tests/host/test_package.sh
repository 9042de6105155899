#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package, end to end: `make deb`, its contents and lintian, then dpkg -i into a
# throwaway Debian root (debootstrap, cached as a tarball under build/), cordon run there, the
# packaged daemon started there, and an unprivileged `cordon run` confined through it.
# Prints TAP ("ok - NAME"); run by the host suite like the compiled tests.
set -uo pipefail

SRC=${CORDON_SRC:-$PWD}
O=${O:-build}
case $O in /*) ;; *) O=$SRC/$O ;; esac
WORK=$O/pkgtest

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
diag() { sed 's/^/# /'; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
# A required tool or condition is missing: a failure under CI, a skip elsewhere.
cannot() {
	if [[ ${CI:-} == true ]]; then
		notok "$1 (could not run: $2)"
	else
		ok "$1 # SKIP $2"
	fi
}

# --- the inner half: run inside a private mount namespace, the Debian root pivoted to / ---------

if [[ ${1:-} == --inner ]]; then
	root=$2 cgroot=$3
	# Everything mounted here disappears with the namespace. bpffs is a fresh instance, so
	# what the daemon pins never reaches the host's /sys/fs/bpf.
	mount --bind "$root" "$root" &&
		mount -t proc proc "$root/proc" &&
		mount --rbind /sys "$root/sys" &&
		mount -t bpf bpf "$root/sys/fs/bpf" &&
		mount --rbind /dev "$root/dev" &&
		cd "$root" && mkdir -p .oldroot && pivot_root . .oldroot &&
		umount -l /.oldroot && rmdir /.oldroot ||
		{
			notok "package/namespace_and_pivot_root"
			exit 1
		}
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
	cd /

	deb=/tmp/cordon.deb
	check "package/dpkg_i_succeeds" sh -c "dpkg -i $deb >/tmp/dpkg.log 2>&1 ||
		{ cat /tmp/dpkg.log; exit 1; }"
	for f in /usr/bin/cordon /lib/systemd/system/cordon.service /usr/lib/tmpfiles.d/cordon.conf \
		/etc/logrotate.d/cordon /etc/cordon/cordon.yaml /etc/cordon/floor.yaml.example \
		/usr/share/bash-completion/completions/cordon /usr/share/man/man8/cordon-daemon.8.gz; do
		check "package/installed:$f" test -e "$f"
	done
	check "package/floor_not_active" test ! -e /etc/cordon/floor.yaml
	# deb-systemd-helper enables the unit even where systemd is not running.
	check "package/unit_enabled" test -L /etc/systemd/system/multi-user.target.wants/cordon.service
	# The postinst ran systemd-tmpfiles: the directories exist with their modes.
	check "package/tmpfiles_created_dirs" sh -c \
		'[ "$(stat -c %a:%G /var/log/cordon)" = 750:adm ] && [ "$(stat -c %a /run/cordon)" = 755 ]'
	check "package/unit_verifies" sh -c 'systemd-analyze verify --man=no \
		/lib/systemd/system/cordon.service >/tmp/verify.log 2>&1 || { cat /tmp/verify.log; exit 1; }'
	systemd-analyze security --offline=true /lib/systemd/system/cordon.service 2>/dev/null |
		tail -n 1 | diag
	check "package/logrotate_config_parses" sh -c '! command -v logrotate >/dev/null ||
		logrotate -d /etc/logrotate.d/cordon >/tmp/logrotate.log 2>&1'

	cordon version >/tmp/version.out 2>&1
	echo $? >/tmp/version.rc
	cordon doctor --json >/tmp/doctor.json 2>/tmp/doctor.err
	echo $? >/tmp/doctor.rc
	check "package/floor_example_is_valid" cordon policy check /etc/cordon/floor.yaml.example

	if ! cordon daemon --help >/dev/null 2>&1; then
		# Until the daemon exists (issue 7): the only accepted skip of this test.
		ok "package/daemon_starts # SKIP cordon daemon does not exist yet"
		exit 0
	fi

	# An ordinary user with a secret outside everything the policy allows.
	useradd -m -s /bin/sh cordon-pkgtest >/dev/null 2>&1
	home=/home/cordon-pkgtest
	install -d -o cordon-pkgtest -m 0700 "$home/proj" "$home/.ssh"
	echo not-for-agents >"$home/secret.txt"
	echo -----BEGIN >"$home/.ssh/id_rsa"
	chown cordon-pkgtest "$home/secret.txt" "$home/.ssh/id_rsa"
	check "package/control_user_reads_secret_unconfined" \
		sh -c "runuser -u cordon-pkgtest -- cat $home/secret.txt >/dev/null"

	# The packaged daemon with the packaged configuration; only its cgroup root is the test's
	# own, so that it never meets the sessions of other tests on this machine.
	NOTIFY_SOCKET=/run/pkgtest-notify.sock cordon daemon --cgroup-root "$cgroot" \
		>/tmp/daemon.log 2>&1 &
	dpid=$!
	cleanup() {
		kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
		if [[ -d $cgroot ]]; then
			find "$cgroot" -mindepth 1 -name cgroup.kill -exec sh -c 'echo 1 >"$1"' sh {} \; \
				2>/dev/null
			sleep 0.2
			find "$cgroot" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
			rmdir "$cgroot" 2>/dev/null
		fi
	}
	trap cleanup EXIT
	for _ in $(seq 100); do
		[[ -S /run/cordon/cordon.sock ]] && cordon ps >/dev/null 2>&1 && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! check "package/daemon_starts_and_serves" sh -c 'cordon ps >/dev/null'; then
		diag </tmp/daemon.log
		exit 1
	fi
	check "package/daemon_socket_mode_0666" sh -c '[ "$(stat -c %a /run/cordon/cordon.sock)" = 666 ]'

	# The same forbidden read, now in a session the daemon made for an unprivileged user.
	# --allow-degraded: without BPF LSM the shipped policy's secret name patterns are not
	# enforceable, and the strict policy would refuse to start; the read is refused by Landlock.
	(cd "$home/proj" && runuser -u cordon-pkgtest -- cordon run --allow-degraded -- \
		sh -c "cat $home/secret.txt; echo \"cat=\$?\"; cat $home/.ssh/id_rsa; echo \"ssh=\$?\"") \
		>/tmp/run.out 2>/tmp/run.err
	echo $? >/tmp/run.rc
	check "package/run_session_made_by_daemon" grep -q 'cgroup_bpf=on' /tmp/run.err
	check "package/run_forbidden_read_refused" sh -c \
		'grep -q "^cat=1" /tmp/run.out && grep -q "secret.txt: Permission denied" /tmp/run.err'
	check "package/run_secret_key_refused" sh -c \
		'grep -q "^ssh=1" /tmp/run.out && ! grep -q BEGIN /tmp/run.out'
	session=$(sed -n 's/^cordon: session \([0-9a-f]*\) .*/\1/p' /tmp/run.err | head -n 1)
	sleep 0.5
	check "package/daemon_audit_records_the_session" sh -c \
		"[ -n '$session' ] && grep -q '\"session\":\"$session' /var/log/cordon/audit.jsonl"
	check "package/daemon_audit_records_the_refusal" sh -c \
		"grep '\"session\":\"$session' /var/log/cordon/audit.jsonl | grep '\"outcome\":\"failure\"' |
		grep -q secret.txt"
	# SIGHUP reloads (and reopens the audit file); SIGTERM stops without error.
	kill -HUP "$dpid"
	sleep 0.3
	check "package/daemon_survives_sighup" kill -0 "$dpid"
	kill -TERM "$dpid"
	wait "$dpid"
	check "package/daemon_stops_cleanly_on_sigterm" test $? -eq 0
	{
		echo "-- run stderr:"
		cat /tmp/run.err
		echo "-- daemon log:"
		cat /tmp/daemon.log
	} | diag
	exit 0
fi

# --- the outer half ----------------------------------------------------------------------------

start=$(date +%s)
if [[ $(id -u) -ne 0 ]]; then
	cannot "package/suite" "needs root"
	exit 0
fi
for t in dpkg-buildpackage debootstrap lintian unshare pivot_root; do
	if ! command -v "$t" >/dev/null; then
		cannot "package/suite" "$t missing (tools/install-deps.sh check)"
		exit 0
	fi
done
if [[ ! -f $SRC/packaging/debian/control ]]; then
	notok "package/suite (no packaging/debian/control in '$SRC')"
	exit 1
fi
mkdir -p "$WORK"

# 1. The package, built the way a platform team builds it.
if ! make -C "$SRC" --no-print-directory -s O="$O" deb >"$WORK/make-deb.log" 2>&1; then
	notok "package/make_deb"
	diag <"$WORK/make-deb.log"
	exit 1
fi
deb=$(ls -t "$O"/deb/cordon_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
check "package/make_deb" test -f "$deb"
echo "make deb: $(($(date +%s) - start)) s" | diag

# 2. Its contents and metadata.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/contents"
for f in /usr/bin/cordon /lib/systemd/system/cordon.service /usr/lib/tmpfiles.d/cordon.conf \
	/etc/logrotate.d/cordon /etc/cordon/cordon.yaml /etc/cordon/floor.yaml.example \
	/etc/cordon/policies/ /usr/share/bash-completion/completions/cordon \
	/usr/share/doc/cordon/copyright /usr/share/doc/cordon/policy.md.gz \
	/usr/share/man/man1/cordon.1.gz /usr/share/man/man1/cordon-run.1.gz \
	/usr/share/man/man1/cordon-doctor.1.gz /usr/share/man/man1/cordon-policy.1.gz \
	/usr/share/man/man1/cordon-audit.1.gz /usr/share/man/man1/cordon-ps.1.gz \
	/usr/share/man/man5/cordon-policy.5.gz /usr/share/man/man5/cordon.yaml.5.gz \
	/usr/share/man/man8/cordon-daemon.8.gz; do
	check "package/contains:$f" grep -qxF "$f" "$WORK/contents"
done
check "package/no_active_floor_shipped" sh -c "! grep -qx /etc/cordon/floor.yaml '$WORK/contents'"
dpkg-deb -f "$deb" Depends >"$WORK/depends"
check "package/depends_from_shlibs" grep -q 'libbpf1' "$WORK/depends"
dpkg-deb -I "$deb" conffiles >"$WORK/conffiles" 2>/dev/null
check "package/config_is_conffile" grep -qx /etc/cordon/cordon.yaml "$WORK/conffiles"
dpkg-deb -I "$deb" postinst >"$WORK/postinst" 2>/dev/null
check "package/postinst_enables_and_starts_unit" sh -c "grep -q \"deb-systemd-helper enable 'cordon.service'\" '$WORK/postinst' &&
	grep -q 'deb-systemd-invoke \"\$action\" cordon.service' '$WORK/postinst'"
# The daemon stops on removal (the prerm: debhelper's own stop went with its start).
dpkg-deb -I "$deb" prerm >"$WORK/prerm" 2>/dev/null
check "package/prerm_stops_unit_on_remove" sh -c "grep -q 'deb-systemd-invoke stop cordon.service' '$WORK/prerm'"
changes=${deb%.deb}.changes
lintian --fail-on error "$changes" >"$WORK/lintian.log" 2>&1
check "package/lintian_no_errors" test $? -eq 0
grep -E '^[EW]:' "$WORK/lintian.log" | diag

# 3. A Debian 12 root with the package's dependencies and systemd (for tmpfiles and the unit
#    check): the fleet suite's system, from the mirror the apt sources name, cached as a tarball
#    that the fleet suite's disk is then made from (one debootstrap a day for both).
if ! tarball=$("$SRC/tools/vm/mkrootfs.sh" --tarball "$O/fleet/cache" \
	"$("$SRC/tests/fleet/packages.sh" "$deb")" 2>"$WORK/debootstrap.log"); then
	if grep -q "no deb source" "$WORK/debootstrap.log"; then
		cannot "package/debootstrap_root" "$(tail -n 1 "$WORK/debootstrap.log")"
		exit 0
	fi
	notok "package/debootstrap_root"
	tail -n 20 "$WORK/debootstrap.log" | diag
	exit 1
fi
diag <"$WORK/debootstrap.log"
check "package/debootstrap_root" test -f "$tarball"
root=$WORK/root
rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$tarball" || {
	notok "package/unpack_root"
	exit 1
}
cp "$deb" "$root/tmp/cordon.deb"

# 4. Inside it. A test cgroup root of our own, under the host's cgroup v2 mount.
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
rm -f "$root/run/pkgtest-notify.sock" "$WORK/notify.log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
try:
    while True:
        m = s.recv(4096).decode(errors="replace")
        open(sys.argv[2], "a").write(m + "\n")
        if "READY=1" in m:
            break
except socket.timeout:
    pass
' "$root/run/pkgtest-notify.sock" "$WORK/notify.log" &
listener=$!
sleep 0.2
unshare --mount --propagation private -- "$0" --inner "$root" "$cg2/cordon-pkgtest-$$"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# What the inner half left for the host's tools to judge.
check "package/cordon_version_matches_package" sh -c "[ \"\$(cat '$root/tmp/version.rc')\" = 0 ] &&
	grep -qx 'cordon $(dpkg-deb -f "$deb" Version)' '$root/tmp/version.out'"
check "package/cordon_doctor_json_runs" sh -c "[ \"\$(cat '$root/tmp/doctor.rc')\" = 0 ] &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d else 1)' \
	'$root/tmp/doctor.json'"
if [[ -f $root/tmp/daemon.log ]]; then
	check "package/daemon_notifies_systemd_ready" grep -q READY=1 "$WORK/notify.log"
fi
echo "package test: $(($(date +%s) - start)) s" | diag
rm -rf "$root"
