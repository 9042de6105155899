#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The terminal suite again, with the agent spawned by a daemon for an ordinary user (run0 model).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_terminal.sh"
