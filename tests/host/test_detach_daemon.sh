#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The detached-session suite through a daemon of its own (the mode that keeps such sessions).
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_detach.sh"
