#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The protected .git/config suite again, with the agent spawned by a daemon for an ordinary user
# (the daemon's worker answers the session's renames; its records reach the daemon's log).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_git_config.sh"
