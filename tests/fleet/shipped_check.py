#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# Every record of the audit file AUDIT (a snapshot) arrived, parsed and unchanged, at the head of
# the shipper's sink SHIPPED, in order: JSON objects compared as values, not as text.
import json
import sys


def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


audit, shipped = records(sys.argv[1]), records(sys.argv[2])
if len(shipped) < len(audit):
    sys.exit(f"{len(shipped)} of {len(audit)} records shipped")
for i, (a, s) in enumerate(zip(audit, shipped)):
    if a != s:
        sys.exit(f"record {i + 1} differs: {json.dumps(a)[:200]} / {json.dumps(s)[:200]}")
print(f"{len(audit)} records shipped and parsed")
