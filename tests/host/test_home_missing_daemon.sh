#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The missing-home suite again, with the agent spawned by a daemon.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_home_missing.sh"
