#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ROOTFS_SETUP of tools/vm/mkrootfs.sh for the fleet suite: the settings of a headless test
# machine on the unpacked Debian tree ROOT, and fleet-test.service that runs the suite at boot.
set -euo pipefail

root=$1
here=$(dirname -- "${BASH_SOURCE[0]}")

echo fleet >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tfleet\n::1\tlocalhost\n' >"$root/etc/hosts"
# The root is mounted read-write by the initramfs; nothing else is mounted from a disk here.
: >"$root/etc/fstab"
# What a test machine without a terminal, a network or a clock source does not need, and what
# would start at a random moment during the test (apt's timers).
for u in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-timesyncd.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
install -m 0755 "$here/fleet-boot" "$root/usr/local/sbin/fleet-boot"
cat >"$root/etc/systemd/system/fleet-test.service" <<'UNIT'
[Unit]
Description=cordon fleet suite
After=multi-user.target

[Service]
Type=simple
ExecStart=/usr/local/sbin/fleet-boot

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/fleet-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/fleet-test.service"
