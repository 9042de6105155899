# SPDX-License-Identifier: GPL-2.0-only
# TAP for the host tests written in shell (sourced): "ok - NAME" and "not ok - NAME" lines, each
# NAME prefixed with $TAP_PREFIX; a check that runs a command; a required condition that is
# missing (a failure under CI=true, a skip elsewhere); the root the tests need.
ok() { echo "ok - ${TAP_PREFIX:-}$*"; }
notok() { echo "not ok - ${TAP_PREFIX:-}$*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
cannot() {
	if [[ ${CI:-} == true ]]; then notok "$1 (could not run: $2)"; else ok "$1 # SKIP $2"; fi
}
# Exit after a skip (or a failure under CI) unless running as root.
need_root() {
	[[ $(id -u) -eq 0 ]] && return 0
	cannot suite "needs root"
	exit 0
}

# The common start of a host test of `cordon run`: root, $CORDON (the binary under test), the
# test user $USER_NAME, and $proj, a fresh project directory of that user named after @1.
session_setup() {
	need_root
	O=${O:-build}
	CORDON=$(realpath "${CORDON:-$O/cordon}")
	[[ -x $CORDON ]] || { notok "suite (no $CORDON)"; exit 1; }
	USER_NAME=cordon-tty
	id "$USER_NAME" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$USER_NAME" || exit 1
	proj=$(mktemp -d "/tmp/cordon-$1.XXXXXX")
	chmod 755 "$proj"
	chown "$USER_NAME:" "$proj"
}
