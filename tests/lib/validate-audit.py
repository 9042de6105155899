#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# Validate audit records (JSON lines) against docs/audit-schema.json with Debian's
# python3-jsonschema, for the tests: in files or on stdin, or one answer per line (--each).
"""Usage: validate-audit.py [--schema FILE] [FILE|-]...   every line of every FILE (stdin
when none); prints the first invalid record's FILE:LINE and error, exit status 1 if any.
Without --schema, a record with a class_uid is checked against docs/audit-ocsf-schema.json
(the OCSF serialisation), any other against docs/audit-schema.json (ECS names).
       validate-audit.py [--schema FILE] --each   reads records on stdin and answers each at
once with "ok" or "invalid: /path: message" (the tests' C helper keeps one such process)."""

import json
import os
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

# Keywords that only annotate, or that the validator reads through another keyword.
ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary",
               "title", "description", "default", "examples", "deprecated", "readOnly",
               "writeOnly", "then", "else"}
# Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
SUB_ONE = {"items", "additionalProperties", "not", "if", "then", "else", "contains",
           "propertyNames", "additionalItems", "unevaluatedItems", "unevaluatedProperties"}
SUB_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
SUB_MAP = {"properties", "patternProperties", "$defs", "dependentSchemas"}


def unknown_keywords(schema, where="#"):
    """Keywords jsonschema would silently ignore (a typo such as "requird" would otherwise let
    every record through): the schema may use only what the draft defines."""
    if not isinstance(schema, dict):
        return []
    known = set(Draft202012Validator.VALIDATORS) | ANNOTATIONS
    bad = [f"{where}/{k}" for k in schema if k not in known]
    for k, v in schema.items():
        if k in SUB_ONE:
            bad += unknown_keywords(v, f"{where}/{k}")
        elif k in SUB_LIST and isinstance(v, list):
            for i, s in enumerate(v):
                bad += unknown_keywords(s, f"{where}/{k}/{i}")
        elif k in SUB_MAP and isinstance(v, dict):
            for n, s in v.items():
                bad += unknown_keywords(s, f"{where}/{k}/{n}")
    return bad


def load_validator(path):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    bad = unknown_keywords(schema)
    if bad:
        sys.exit(f"{path}: keywords outside JSON Schema 2020-12: {', '.join(bad)}")
    # "format" asserts too, so a format added to the schema is checked rather than only noted.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class ByFormat:
    """The ECS validator, or the OCSF one for records that carry OCSF's class_uid."""

    def __init__(self, ecs, ocsf):
        self.ecs, self.ocsf = ecs, ocsf

    def pick(self, rec):
        return self.ocsf if isinstance(rec, dict) and "class_uid" in rec else self.ecs


def problem(validator, line):
    """None when @line is one valid record, else "/path: message"."""
    try:
        rec = json.loads(line)
    except ValueError as e:
        return f"/: not JSON ({e})"
    if isinstance(validator, ByFormat):
        validator = validator.pick(rec)
    if validator.is_valid(rec):
        return None
    err = best_match(validator.iter_errors(rec))
    if err is None:
        return None
    return "/" + "/".join(str(p) for p in err.absolute_path) + ": " + err.message


def each(validator):
    for line in sys.stdin:
        why = problem(validator, line)
        # One line, short enough for the C helper's answer buffer.
        print("ok" if why is None else f"invalid: {why[:2000]}".replace("\n", " "), flush=True)
    return 0


def files(validator, names):
    count = 0
    for name in names or ["-"]:
        f = sys.stdin if name == "-" else open(name, encoding="utf-8")
        with f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                count += 1
                why = problem(validator, line)
                if why is not None:
                    print(f"{name}:{n}: {why} in {line.strip()[:300]}", file=sys.stderr)
                    return 1
    print(f"{count} valid records")
    return 0


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    docs = os.path.join(here, "..", "..", "docs")
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["--schema"] and len(argv) > 1:
        validator, argv = load_validator(argv[1]), argv[2:]
    else:
        validator = ByFormat(load_validator(os.path.join(docs, "audit-schema.json")),
                             load_validator(os.path.join(docs, "audit-ocsf-schema.json")))
    if argv == ["--each"]:
        return each(validator)
    return files(validator, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
