#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The directory-descriptor audit suite again, with the agent spawned by a daemon for an ordinary
# user: the daemon's stream makes the same relative paths absolute.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_audit_dirfd.sh"
