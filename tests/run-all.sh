#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every suite and end with one line "N passed, N failed, N skipped" covering all of them.
# Exit status: 0 only if nothing failed.
set -uo pipefail

O=${O:-build}
suites=${SUITES:-unit fuzz host vm fleet}

for s in $suites; do
	O="$O" tests/run-suite.sh "$s"
done

cat_results() {
	for s in $suites; do cat "$O/results/$s.tap"; done
}
pass=$(cat_results | grep -c -E '^ok' | tr -d ' ')
skip=$(cat_results | grep -c -E '^ok.*# SKIP' | tr -d ' ')
fail=$(cat_results | grep -c -E '^not ok' | tr -d ' ')
echo "$((pass - skip)) passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
