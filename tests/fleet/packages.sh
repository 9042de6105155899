#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian 12 system the fleet suite boots and the package test installs into, as debootstrap's
# comma-separated --include list: what package DEB depends on, systemd, and what the test and
# Ansible's modules use (python3-apt for the apt module; python3-cffi-backend provides the virtual
# package python3-cryptography needs, which debootstrap does not resolve). One list, so one
# cached debootstrap a day serves both suites.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: ${0##*/} DEB" >&2; exit 2; }
{
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/[|(].*//; s/ //g'
	printf '%s\n' systemd systemd-sysv dbus dbus-user-session libpam-systemd python3 python3-apt \
		python3-cffi-backend ansible-core rsyslog
} | grep -v '^$' | sort -u | paste -sd, -
