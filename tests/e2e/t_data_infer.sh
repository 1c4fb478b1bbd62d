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
expect_eq "id minimum" "$(f id '["constraints"]["minimum"]')" "1"
expect_eq "no maximum on an id (ids grow)" "$(f id '["constraints"].get("maximum")')" "null"
expect_eq "the unique id is the primaryKey" "$(json_get "$T_" 'd.get("primaryKey")')" "id"
expect_eq "the dialect it read is recorded" "$(json_get "$T_" 'd["dialect"]')" '{"delimiter": ",", "header": true}'
expect_eq "qty bounds" "$(f qty '["constraints"]["minimum"]'), $(f qty '["constraints"]["maximum"]')" "0, 40"
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
awk -F, 'BEGIN{OFS=","} NR==2{$3=41} {print}' "$T/d.csv" >"$T/d2.csv"
expect_exit 1 "qty above the inferred maximum fails" qgate-data validate --schema "$T/schema.json" "$T/d2.csv"
sed '$s/^300,/1,/' "$T/d.csv" >"$T/d3.csv"
expect_exit 1 "a repeated id fails the inferred primaryKey" qgate-data validate --schema "$T/schema.json" "$T/d3.csv"
sed '$s/^300,/301,/' "$T/d.csv" >"$T/d4.csv"
expect_exit 0 "a new, larger id passes (no maximum on ids)" qgate-data validate --schema "$T/schema.json" "$T/d4.csv"

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
# ---- issue 12: an infer users can trust
# rows that do not match the header are refused (exit 1, the first such line)
printf 'a,b,c,d,e\n1,2,3,4,5\n' >"$T/ragged.csv"
for i in 1 2 3; do printf '1,2,3,4,5,6,7,8,9,10,11,12,13,14\n' >>"$T/ragged.csv"; done
expect_exit 1 "a file with 14 cells a row under a 5-name header is refused" qgate-data infer "$T/ragged.csv" -o "$T/rg.json"
expect_grep "... naming the first offending line" "ragged.csv':3: row has 14 cells, the header has 5" "$T/err"
expect_no_file "... and no schema is written" "$T/rg.json"
printf 'a,b\n1,2\n3\n' >"$T/short.csv"
expect_exit 1 "a short row is refused too" qgate-data infer "$T/short.csv"
expect_grep "... line 3" "short.csv':3: row has 1 cells, the header has 2" "$T/err"
expect_exit 1 "... with -j 2 as well" qgate-data infer -j 2 "$T/ragged.csv"

# delimiters and header rows are sniffed, said on stderr and recorded
"$DEBIAN_PY" - "$T" <<'EOF2'
import random, sys
random.seed(11)
t = sys.argv[1]
hdr = ["id", "price", "rating", "tier", "day", "note"]
rows = []
for i in range(1, 201):
    rows.append([str(1000 + i), "%.2f" % random.uniform(0, 100), str(random.randint(1, 5)),
                 random.choice(["gold", "silver", "bronze"]), "2024-02-%02d" % random.randint(1, 28),
                 random.choice(["plain", "x y", "z"])])
for name, d in [("comma", ","), ("semi", ";"), ("tab", "\t"), ("pipe", "|")]:
    with open("%s/%s.csv" % (t, name), "w") as f:
        f.write(d.join(hdr) + "\n")
        for r in rows:
            f.write(d.join(r) + "\n")
with open(t + "/semi-decimal.csv", "w") as f:  # ';' file whose text holds commas
    f.write("id;comment;score\n")
    for i in range(1, 60):
        f.write('%d;"a, b, c";%d.5\n' % (i, i))
with open(t + "/nohdr.csv", "w") as f:        # the issue's file: 59,2,32.1 ...
    for i in range(60):
        f.write("%d,%d,%.1f\n" % (59 + i, random.randint(1, 3), random.uniform(10, 40)))
with open(t + "/nohdr-semi.csv", "w") as f:
    for i in range(60):
        f.write("%d;2024-03-%02d;%d\n" % (i, 1 + i % 28, random.randint(100, 999)))
with open(t + "/dup-id.csv", "w") as f:       # an id with a duplicate is no key
    f.write("user_id,v\n")
    for i in list(range(1, 50)) + [7]:
        f.write("%d,%d\n" % (i, i % 3))
with open(t + "/ids.csv", "w") as f:          # string ids; an enum of integers
    f.write("orderId,code,qty\n")
    for i in range(1, 80):
        f.write("ORD-%05d,%d,%d\n" % (i, [10, 20, 30][i % 3], i))
EOF2
for k in comma semi tab pipe; do
	expect_exit 0 "infer $k.csv" qgate-data infer "$T/$k.csv" -o "$T/$k.json"
	T_=$T/$k.json
	expect_eq "$k: six columns" "$(json_get "$T_" 'len(d["fields"])')" "6"
	expect_eq "$k: the id column is named id" "$(json_get "$T_" 'd["fields"][0]["name"]')" "id"
	expect_exit 0 "$k.csv validates against what infer wrote" qgate-data validate --schema "$T/$k.json" "$T/$k.csv"
done
qgate-data infer "$T/semi.csv" >/dev/null 2>"$T/err"
expect_grep "stderr says the delimiter it decided" "'.*semi.csv': delimiter ';' \(sniffed\), header row yes" "$T/err"
expect_eq "semi: dialect recorded" "$(json_get "$T/semi.json" 'd["dialect"]')" '{"delimiter": ";", "header": true}'
expect_eq "tab: dialect recorded" "$(json_get "$T/tab.json" 'd["dialect"]["delimiter"]')" "	"
expect_eq "pipe: dialect recorded" "$(json_get "$T/pipe.json" 'd["dialect"]["delimiter"]')" "|"
expect_eq "rating: an enum of integers" "$(json_get "$T/semi.json" 'd["fields"][2]["constraints"]["enum"]')" "[1, 2, 3, 4, 5]"
expect_eq "rating: no bounds beside its enum" "$(json_get "$T/semi.json" 'd["fields"][2]["constraints"].get("maximum")')" "null"
expect_eq "tier: an enum of strings" "$(json_get "$T/semi.json" 'd["fields"][3]["constraints"]["enum"]')" '["bronze", "gold", "silver"]'
expect_eq "id: primaryKey" "$(json_get "$T/semi.json" 'd.get("primaryKey")')" "id"
expect_eq "id: no maximum" "$(json_get "$T/semi.json" 'd["fields"][0]["constraints"].get("maximum")')" "null"
expect_eq "id: no enum" "$(json_get "$T/semi.json" 'd["fields"][0]["constraints"].get("enum")')" "null"
expect_exit 0 "a ';' file with commas in quoted text" qgate-data infer "$T/semi-decimal.csv" -o "$T/sd.json"
expect_eq "... is read with ';'" "$(json_get "$T/sd.json" '[x["name"] for x in d["fields"]]')" '["id", "comment", "score"]'
expect_exit 0 "... and validates" qgate-data validate --schema "$T/sd.json" "$T/semi-decimal.csv"
expect_exit 0 "--delimiter overrides the sniffing" qgate-data infer --delimiter , "$T/semi.csv" -o "$T/forced.json"
expect_eq "... one column then" "$(json_get "$T/forced.json" 'len(d["fields"])')" "1"

expect_exit 0 "infer a header-less file" qgate-data infer "$T/nohdr.csv" -o "$T/nh.json"
expect_grep "stderr says there is no header row" "header row no" "$T/err"
expect_eq "no column named after a value" "$(json_get "$T/nh.json" '[x["name"] for x in d["fields"]]')" '["field1", "field2", "field3"]'
expect_eq "the first line is data (minimum 59)" "$(json_get "$T/nh.json" 'd["fields"][0]["constraints"]["minimum"]')" "59"
expect_eq "dialect header false" "$(json_get "$T/nh.json" 'd["dialect"]["header"]')" "false"
# validate honours dialect.header false: the round trip of a header-less
# file holds, every line counted as a row (no line taken as a header)
roundtrip() { # NAME SCHEMA DATA
	expect_exit 0 "$1" qgate-data validate --schema "$2" "$3" --json "$T/rt.json"
	validate_result "$1: result" "$T/rt.json"
	expect_eq "$1: every line is a row" \
		"$(json_get "$T/rt.json" '[c["observed"] for c in d["checks"] if c["id"]=="table.rows"][0]')" \
		"$(wc -l <"$3" | tr -d ' ')"
}
roundtrip "the header-less file validates against what infer wrote" "$T/nh.json" "$T/nohdr.csv"
expect_exit 0 "a header-less ';' file" qgate-data infer "$T/nohdr-semi.csv" -o "$T/nhs.json"
expect_eq "... three fields, a date among them" "$(json_get "$T/nhs.json" '[x["type"] for x in d["fields"]]')" '["integer", "date", "integer"]'
roundtrip "... validates" "$T/nhs.json" "$T/nohdr-semi.csv"
expect_exit 0 "infer --header no" qgate-data infer --header no "$T/nohdr.csv" -o "$T/nhn.json"
expect_eq "... dialect header false" "$(json_get "$T/nhn.json" 'd["dialect"]["header"]')" "false"
roundtrip "... its data validates against what it wrote" "$T/nhn.json" "$T/nohdr.csv"
expect_exit 0 "--header yes overrides" qgate-data infer --header yes "$T/nohdr.csv" -o "$T/nhy.json"
expect_eq "... the first line is names then" "$(json_get "$T/nhy.json" 'd["fields"][0]["name"]')" "59"
expect_exit 2 "--header maybe is exit 2" qgate-data infer --header maybe "$T/nohdr.csv"
expect_exit 2 "files of different delimiters are exit 2" qgate-data infer "$T/semi.csv" "$T/comma.csv"
expect_grep "... naming both" "semi.csv' \(delimiter ';'\) and '.*comma.csv' \(delimiter ','\) differ" "$T/err"

expect_exit 0 "infer an id with a duplicate" qgate-data infer "$T/dup-id.csv" -o "$T/dup.json"
expect_eq "... proposes no primaryKey" "$(json_get "$T/dup.json" 'd.get("primaryKey")')" "null"
expect_eq "... and no maximum for it" "$(json_get "$T/dup.json" 'd["fields"][0]["constraints"].get("maximum")')" "null"
expect_exit 0 "... validates" qgate-data validate --schema "$T/dup.json" "$T/dup-id.csv"
expect_exit 0 "infer string ids and an integer enum" qgate-data infer "$T/ids.csv" -o "$T/ids.json"
expect_eq "orderId is the primaryKey" "$(json_get "$T/ids.json" 'd.get("primaryKey")')" "orderId"
expect_eq "code is an enum of integers" "$(json_get "$T/ids.json" 'd["fields"][1]["constraints"]["enum"]')" "[10, 20, 30]"
expect_eq "qty (79 values) is no enum" "$(json_get "$T/ids.json" 'd["fields"][2]["constraints"].get("enum")')" "null"
expect_exit 0 "... validates" qgate-data validate --schema "$T/ids.json" "$T/ids.csv"
printf 'orderId,code,qty\nORD-99999,40,1\n' >"$T/ids2.csv"
expect_exit 1 "a code outside the integer enum fails" qgate-data validate --schema "$T/ids.json" "$T/ids2.csv"
expect_exit 0 "infer with -j 2 gives the same schema" qgate-data infer -j 2 "$T/ids.csv" -o "$T/ids-j2.json"
expect_exit 0 "... byte for byte" cmp "$T/ids.json" "$T/ids-j2.json"

expect_exit 0 "infer --help" qgate-data infer --help
expect_grep "infer usage" "qgate-data infer" "$T/out"

done_testing
