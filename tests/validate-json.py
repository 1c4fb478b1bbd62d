#!/usr/bin/python3
"""validate-json.py SCHEMA FILE... -- validate JSON documents with Debian's python3-jsonschema."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema) if hasattr(jsonschema, "Draft202012Validator") else jsonschema.Draft7Validator(schema)
bad = 0
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except Exception as e:  # noqa: BLE001 - report any parse failure
        print(f"{path}: not JSON: {e}")
        bad += 1
        continue
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        print(f"{path}: {'/'.join(str(p) for p in err.path)}: {err.message}")
        bad += 1
sys.exit(1 if bad else 0)
