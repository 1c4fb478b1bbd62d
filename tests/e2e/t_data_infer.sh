#!/bin/sh
# t_data_infer.sh -- qgate-data infer: a schema whose data validates against it
. "$(dirname "$0")/lib.sh"

# a varied CSV: integers, floats, booleans, dates, datetimes, emails, uuids,
# a low-cardinality enum, a column with missing values, quoted text
"$DEBIAN_PY" - "$T/d.csv" "$T/d.jsonl" <<'EOF'
import csv, json, random, sys, uuid
random.seed(7)
rows = []
for i in range(1, 301):
    rows.append({
        "id": i,
        "price": round(random.uniform(-5, 500), 3),
        "qty": random.randint(0, 40),
        "flag": random.choice(["true", "false"]),
        "day": "20%02d-%02d-%02d" % (random.randint(10, 24), random.randint(1, 12), random.randint(1, 28)),
        "ts": "2024-01-%02dT%02d:00:00Z" % (random.randint(1, 28), random.randint(0, 23)),
        "mail": "u%d@example.com" % random.randint(1, 99),
        "uid": str(uuid.UUID(int=random.getrandbits(128))),
        "tier": random.choice(["gold", "silver", "bronze"]),
        "note": random.choice(["", "plain", 'with, comma', 'with "quote"']),
        "big": random.randint(-10**17, 10**17),
    })
with open(sys.argv[1], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
with open(sys.argv[2], "w") as f:
    for r in rows:
        r = dict(r)
        r["flag"] = r["flag"] == "true"
        r["note"] = r["note"] or None
        f.write(json.dumps(r) + "\n")
EOF

expect_exit 0 "infer CSV" qgate-data infer "$T/d.csv"
cp "$T/out" "$T/schema.json"
T_=$T/schema.json
f() { json_get "$T_" '[x for x in d["fields"] if x["name"]=="'$1'"][0]'"$2"; }
expect_eq "id integer" "$(f id '["type"]')" "integer"
expect_eq "id required" "$(f id '["constraints"]["required"]')" "true"
expect_eq "id bounds" "$(f id '["constraints"]["minimum"], '"$(printf '%s' '[x for x in d["fields"] if x["name"]=="id"][0]')"'["constraints"]["maximum"]')" "[1, 300]"
expect_eq "price number" "$(f price '["type"]')" "number"
expect_eq "flag boolean" "$(f flag '["type"]')" "boolean"
expect_eq "day date" "$(f day '["type"]')" "date"
expect_eq "ts datetime" "$(f ts '["type"]')" "datetime"
expect_eq "mail email" "$(f mail '["format"]')" "email"
expect_eq "uid uuid" "$(f uid '["format"]')" "uuid"
expect_eq "tier enum" "$(f tier '["constraints"]["enum"]')" '["bronze", "gold", "silver"]'
expect_eq "note not required" "$(f note '["constraints"].get("required", False)')" "false"
expect_eq "big integer bounds kept exact" "$(f big '["type"]')" "integer"
validate_schema_json() { "$DEBIAN_PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }
expect_exit 0 "inferred schema is JSON" validate_schema_json "$T/schema.json"

expect_exit 0 "CSV validates against its inferred schema" qgate-data validate --schema "$T/schema.json" "$T/d.csv" --json "$T/r.json"
validate_result "result" "$T/r.json"
expect_exit 0 "CSV with -j 2 too" qgate-data validate --schema "$T/schema.json" -j 2 "$T/d.csv"

# an out-of-range row now fails: the bounds are real
sed '$s/^300,/301,/' "$T/d.csv" >"$T/d2.csv"
expect_exit 1 "id above the inferred maximum fails" qgate-data validate --schema "$T/schema.json" "$T/d2.csv"

expect_exit 0 "infer JSONL" qgate-data infer "$T/d.jsonl" -o "$T/js.json"
T_=$T/js.json
expect_eq "JSONL flag boolean" "$(f flag '["type"]')" "boolean"
expect_eq "JSONL id integer" "$(f id '["type"]')" "integer"
expect_eq "JSONL note (null) not required" "$(f note '["constraints"].get("required", False)')" "false"
expect_exit 0 "JSONL validates against its inferred schema" qgate-data validate --schema "$T/js.json" "$T/d.jsonl"

# options
expect_exit 0 "--no-bounds" qgate-data infer --no-bounds "$T/d.csv"
expect_no_grep "--no-bounds has no minimum" '"minimum"' "$T/out"
expect_exit 0 "--enum-max 2: tier is no enum" qgate-data infer --enum-max 2 "$T/d.csv" -o "$T/e2.json"
T_=$T/e2.json
expect_eq "--enum-max 2" "$(f tier '.get("constraints", {}).get("enum")')" "null"
expect_exit 0 "--enum-min-rows 1000: no enum for 300 rows" qgate-data infer --enum-min-rows 1000 "$T/d.csv" -o "$T/e3.json"
T_=$T/e3.json
expect_eq "--enum-min-rows" "$(f tier '.get("constraints", {}).get("enum")')" "null"
expect_exit 2 "infer rejects --json" qgate-data infer --json "$T/x.json" "$T/d.csv"
expect_exit 3 "infer of a missing file" qgate-data infer "$T/nope.csv"
: >"$T/empty.csv"
expect_exit 3 "infer of an empty file" qgate-data infer "$T/empty.csv"
expect_exit 0 "infer --help" qgate-data infer --help
expect_grep "infer usage" "qgate-data infer" "$T/out"

done_testing
