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
