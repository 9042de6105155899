#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The relative-path audit suite again, with the agent spawned by a daemon for an ordinary user:
# the daemon's stream carries the directories the kernel named alike.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_audit_relpath.sh"
