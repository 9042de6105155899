# SPDX-License-Identifier: GPL-2.0-only
# Checks `journalctl -u cordon -o json` output (FILE) for SESSION: its records come from the
# unit, carry the CORDON_* fields and the JSON record as MESSAGE, refusals at warning priority.
import json
import sys

path, session = sys.argv[1], sys.argv[2]
records = refusals = 0
for line in open(path):
    e = json.loads(line)
    if not e.get("CORDON_SESSION", "").startswith(session):
        continue
    records += 1
    assert e.get("_SYSTEMD_UNIT") == "cordon.service", e.get("_SYSTEMD_UNIT")
    assert e.get("SYSLOG_IDENTIFIER") == "cordon", e
    for k in ("CORDON_ACTION", "CORDON_OUTCOME", "CORDON_POLICY"):
        assert k in e, (k, e)
    msg = json.loads(e["MESSAGE"])
    assert msg["cordon"]["session"].startswith(session), msg
    if e["CORDON_OUTCOME"] == "failure":
        refusals += 1
        assert e["PRIORITY"] == "4", e
        assert e.get("CORDON_LAYER"), e
    else:
        assert e["PRIORITY"] == "6", e
print(f"{records} records, {refusals} refusals")
sys.exit(0 if records and refusals else 1)
