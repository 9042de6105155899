#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A long-running session of the fleet suite: writes its pid, then runs the attacks again each
# time the test creates go-N (results in res-N), until stop appears.
echo $$ >pid.tmp && mv pid.tmp pid
n=1
while [ ! -e stop ]; do
	if [ -e go-$n ]; then
		python3 attack.py >res-$n.tmp 2>&1
		mv res-$n.tmp res-$n
		n=$((n + 1))
	fi
	sleep 0.3
done
