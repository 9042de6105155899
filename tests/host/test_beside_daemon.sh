#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two sessions at once with both agents spawned by a daemon for an ordinary user (each
# session's listener and git watch run in its own spawn worker).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_beside.sh"
