#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The git watch with the agent spawned by a daemon for an ordinary user (the watch runs in the
# daemon's worker; its records reach the daemon's log).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_git_hooks_watch.sh"
