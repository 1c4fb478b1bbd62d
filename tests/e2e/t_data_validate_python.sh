#!/bin/sh
# t_data_validate_python.sh -- violation counts agree with an independent Python count
#
# Generates 2 MB of the benchmark's typed data (CSV and the same rows as
# JSONL), validates both against a schema with tight bounds, an enum that
# leaves a value out, a length limit, a date minimum and a pattern, at -j 1
# and -j 3, and compares every failing check's count with the same rules
# computed by Python's csv and re modules.
. "$(dirname "$0")/lib.sh"

"$DEBIAN_PY" "$QG_ROOT/tests/bench/gen-data.py" --bytes 2000000 --csv "$T/d.csv" --jsonl "$T/d.jsonl" >/dev/null 2>&1
expect_file "CSV generated" "$T/d.csv"
cat >"$T/s.json" <<'S'
{"fields": [
 {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true, "minimum": 1}},
 {"name": "x", "type": "number", "constraints": {"minimum": -900, "maximum": 900}},
 {"name": "y", "type": "number"},
 {"name": "amount", "type": "integer", "constraints": {"minimum": 0, "maximum": 990000}},
 {"name": "name", "type": "string", "constraints": {"maxLength": 12}},
 {"name": "email", "type": "string", "format": "email"},
 {"name": "status", "type": "string", "constraints": {"enum": ["active", "pending", "suspended", "closed"]}},
 {"name": "day", "type": "date", "constraints": {"minimum": "2016-01-01"}},
 {"name": "active", "type": "boolean"},
 {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z0-9]{5}[A-Z]"}}
], "primaryKey": "id"}
S
"$DEBIAN_PY" - "$T/d.csv" >"$T/expected" <<'PY'
import csv, re, sys
c = {"field.x.minimum": 0, "field.x.maximum": 0, "field.amount.maximum": 0, "field.name.maxLength": 0,
     "field.status.enum": 0, "field.day.minimum": 0, "field.code.pattern": 0}
rx = re.compile(r"[A-Z0-9]{5}[A-Z]\Z")
for r in csv.DictReader(open(sys.argv[1], newline="")):
    x = float(r["x"])
    c["field.x.minimum"] += x < -900
    c["field.x.maximum"] += x > 900
    c["field.amount.maximum"] += int(r["amount"]) > 990000
    c["field.name.maxLength"] += len(r["name"]) > 12
    c["field.status.enum"] += r["status"] not in ("active", "pending", "suspended", "closed")
    c["field.day.minimum"] += r["day"] < "2016-01-01"
    c["field.code.pattern"] += not rx.match(r["code"])
import json
print(json.dumps(sorted([k, v] for k, v in c.items() if v)))
PY
expect_eq "the data has violations of every kind" "$(grep -c 'field.code.pattern' "$T/expected")" "1"
for f in d.csv d.jsonl; do
	for j in 1 3; do
		expect_exit 1 "$f -j $j" qgate-data validate --schema "$T/s.json" -j $j --json "$T/r.json" "$T/$f"
		expect_eq "$f -j $j: counts equal Python's" \
			"$(json_get "$T/r.json" 'sorted((c["id"], c["count"]) for c in d["checks"] if c["status"] == "fail")')" \
			"$(cat "$T/expected")"
	done
done
done_testing
