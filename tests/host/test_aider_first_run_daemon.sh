#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Aider's scripted first run again, with the agent spawned by a daemon for an ordinary user.
MODE=daemon exec bash "${CORDON_SRC:-$PWD}/tests/host/test_aider_first_run.sh"
