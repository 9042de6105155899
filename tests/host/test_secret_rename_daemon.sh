#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A secret renamed or linked to another name, with the agent spawned by a daemon for an
# ordinary user (the listener and the watch run in the daemon's worker).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_secret_rename.sh"
