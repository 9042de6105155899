#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The priority checks with the agent spawned by a daemon for an ordinary user.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_priority.sh"
