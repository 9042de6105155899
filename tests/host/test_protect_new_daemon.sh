#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The protected-paths-created-later suite again, with the agent spawned by a daemon.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_protect_new.sh"
