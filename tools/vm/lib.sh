# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the VM scripts: the error exit and the usage message, named after the calling script
# (tests/vm/run.sh strips that "NAME: " prefix from what it reports).

prog=${0##*/}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

# usage ARGUMENTS...: the script's usage line on stderr, then exit 2.
usage() {
	printf 'usage: %s %s\n' "$prog" "$*" >&2
	exit 2
}
