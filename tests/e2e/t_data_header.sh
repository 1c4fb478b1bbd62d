#!/bin/sh
# t_data_header.sh -- CSV Dialect `header: false` (issue 12): the schema's
# field names are the columns and every physical line is a data row, with
# row numbers = physical lines; for one file, -j pieces, --shard ranges,
# several files and globs, and Data Package resources (also chunked paths).
# headerRows [] means the same; header true with headerRows [], headerRows
# other than [1] or [], and a headerJoin that is not a string are exit 2
# naming the JSON pointer. A short row names the fields it lacks the way a
# missing value does; a long row says how many cells the schema has.
. "$(dirname "$0")/lib.sh"

chk() { json_get "$1" "[c for c in d['checks'] if c['id']=='$2'][0]$3"; }
# validated CODE NAME SCHEMA DATA BASE: validate with --json $T/BASE.json and
# --junit $T/BASE.xml, the exit code and both reports checked
validated() {
	expect_exit "$1" "$2" qgate-data validate --schema "$3" "$4" --json "$T/$5.json" --junit "$T/$5.xml"
	validate_result "$2: result" "$T/$5.json"
	validate_junit "$2: junit" "$T/$5.xml"
}
locs() { json_get "$1" "[(l['line'], l.get('column', 0), l['message']) for l in [c for c in d['checks'] if c['id']=='$2'][0]['locations']]"; }

cat >"$T/nh.json" <<'JSON'
{"fields": [{"name": "id", "type": "integer", "constraints": {"required": true}},
            {"name": "name", "type": "string"},
            {"name": "age", "type": "integer", "constraints": {"required": true, "maximum": 50}}],
 "dialect": {"header": false}}
JSON
# no header: the first line is a row (an integer id in a header would fail)
printf '1,ann,30\n2,bob,40\n3,cy,20\n' >"$T/ok.csv"
validated 0 "header false: a header-less file passes" "$T/nh.json" "$T/ok.csv" ok.out
expect_eq "every line is a row" "$(chk "$T/ok.out.json" table.rows "['observed']")" "3"
expect_eq "the header check passes on the fields' names" "$(chk "$T/ok.out.json" table.header "['status']")" "pass"
# the same schema without header false reads line 1 as the header
grep -v '"dialect"' "$T/nh.json" | sed 's/}}],$/}}]}/' >"$T/hd.json"
expect_exit 1 "without header false the first row is a header (control)" \
	qgate-data validate --schema "$T/hd.json" "$T/ok.csv" --json "$T/hd.out.json"
validate_result "control result" "$T/hd.out.json"
expect_eq "control: header check fails" "$(chk "$T/hd.out.json" table.header "['status']")" "fail"

# failures at physical lines: a quoted newline makes line 3-4 one record
printf '1,ann,30\n2,bob,40\n"3\n",cy,99\n4,dee\n5,ed,1,2\n6,fay,51\n' >"$T/bad.csv"
validated 1 "header false: bad rows fail" "$T/nh.json" "$T/bad.csv" bad.out
expect_eq "rows counted from line 1" "$(chk "$T/bad.out.json" table.rows "['observed']")" "6"
expect_eq "maximum: physical lines 3 (the record's start) and 7" \
	"$(json_get "$T/bad.out.json" "[l['line'] for l in [c for c in d['checks'] if c['id']=='field.age.maximum'][0]['locations']]")" "[3, 7]"
expect_eq "short and long rows: lines 5 and 6, fewer and more cells than fields" \
	"$(locs "$T/bad.out.json" table.row-shape)" \
	"[[5, 6, \"missing value for field 'age' (short row: 2 of 3 cells, dialect.header false)\"], [6, 8, \"row has 4 cells, the schema has 3 fields (dialect.header false)\"]]"
expect_eq "the short row's required field is a missing value, named the same way" \
	"$(locs "$T/bad.out.json" field.age.required)" \
	"[[5, 6, \"missing value: field 'age' is required (short row: 2 cells)\"]]"
qgate-data validate --schema "$T/nh.json" "$T/bad.csv" >"$T/bad.txt" 2>&1
expect_grep "text: file:line:column and the missing field" "bad.csv:5:6: missing value for field 'age'" "$T/bad.txt"

# TSV and a delimiter from the same dialect
printf '1\tann\t30\n2\tbob\t60\n' >"$T/ok.tsv"
expect_exit 1 "header false: TSV" qgate-data validate --schema "$T/nh.json" "$T/ok.tsv" --json "$T/tsv.json"
expect_eq "TSV: line 2 above maximum" "$(json_get "$T/tsv.json" "[c['locations'][0]['line'] for c in d['checks'] if c['id']=='field.age.maximum'][0]")" "2"
sed 's/"header": false/"header": false, "delimiter": ";"/' "$T/nh.json" >"$T/semi.json"
printf '1;ann;30\n2;bob;70\n' >"$T/semi.csv"
expect_exit 1 "header false with delimiter ';'" qgate-data validate --schema "$T/semi.json" "$T/semi.csv" --json "$T/semi.out.json"
expect_eq "';': line 2 above maximum" "$(json_get "$T/semi.out.json" "[c['locations'][0]['line'] for c in d['checks'] if c['id']=='field.age.maximum'][0]")" "2"

# many files and globs: each file's line 1 is data
mkdir -p "$T/many"
printf '1,a,1\n2,b,2\n' >"$T/many/p1.csv"
printf '3,c,3\n4,d,77\n' >"$T/many/p2.csv"
expect_exit 1 "header false: two files by glob" \
	qgate-data validate --schema "$T/nh.json" "$T/many/*.csv" --json "$T/many.json"
validate_result "glob result" "$T/many.json"
expect_eq "glob: 4 rows (no line taken as a header)" "$(chk "$T/many.json" table.rows "['observed']")" "4"
expect_eq "glob: p2.csv line 2" \
	"$(json_get "$T/many.json" "[(l['file'].split('/')[-1], l['line']) for c in d['checks'] if c['id']=='field.age.maximum' for l in c['locations']]")" \
	'[["p2.csv", 2]]'
expect_exit 1 "header false: a directory" qgate-data validate --schema "$T/nh.json" "$T/many" --json "$T/dir.json"
expect_eq "directory: 4 rows" "$(chk "$T/dir.json" table.rows "['observed']")" "4"

# -j pieces and --shard ranges of a large file: the same rows and lines
"$DEBIAN_PY" - "$T/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1, 1200001):
        age = 99 if i in (7, 600001, 1199999) else i % 50
        f.write("%d,name%d,%d\n" % (i, i, age))
PY
expect_exit 1 "big: one job" qgate-data validate --schema "$T/nh.json" "$T/big.csv" --no-hash --json "$T/b1.json"
expect_eq "big: rows" "$(chk "$T/b1.json" table.rows "['observed']")" "1200000"
expect_eq "big: the planted values' lines" \
	"$(json_get "$T/b1.json" "[l['line'] for c in d['checks'] if c['id']=='field.age.maximum' for l in c['locations']]")" "[7, 600001, 1199999]"
expect_exit 1 "big: -j 2" qgate-data validate --schema "$T/nh.json" "$T/big.csv" --no-hash -j 2 --json "$T/b2.json"
expect_eq "-j 2: same lines" \
	"$(json_get "$T/b2.json" "[l['line'] for c in d['checks'] if c['id']=='field.age.maximum' for l in c['locations']]")" "[7, 600001, 1199999]"
expect_eq "-j 2: same rows" "$(chk "$T/b2.json" table.rows "['observed']")" "1200000"
for s in 1 2; do
	expect_exit 1 "big: --shard $s/2" qgate-data validate --schema "$T/nh.json" "$T/big.csv" --shard "$s/2" --json "$T/s$s.json"
done
expect_eq "shards: lines split, physical" \
	"$(json_get "$T/s1.json" "[l['line'] for c in d['checks'] if c['id']=='field.age.maximum' for l in c['locations']]") $(json_get "$T/s2.json" "[l['line'] for c in d['checks'] if c['id']=='field.age.maximum' for l in c['locations']]")" \
	"[7, 600001] [1199999]"
expect_eq "shards: rows add up" \
	"$(($(chk "$T/s1.json" table.rows "['observed']") + $(chk "$T/s2.json" table.rows "['observed']")))" "1200000"
rm -f "$T/big.csv"

# headerRows [] is header false; contradictions and other rows are exit 2
sed 's/"header": false/"headerRows": []/' "$T/nh.json" >"$T/hr.json"
expect_exit 0 "headerRows [] reads no header" qgate-data validate --schema "$T/hr.json" "$T/ok.csv"
# refused NAME REPLACEMENT PATTERN: header false replaced, exit 2 naming the pointer
refused() {
	sed "s/\"header\": false/$2/" "$T/nh.json" >"$T/ref.json"
	expect_exit 2 "$1 is exit 2" qgate-data validate --schema "$T/ref.json" "$T/ok.csv"
	expect_grep "$1: the message names the pointer" "$3" "$T/err"
}
refused "header true with headerRows []" '"header": true, "headerRows": []' "/dialect/headerRows: .*contradicts /dialect/header true"
refused "headerRows [1, 2]" '"headerRows": [1, 2]' "/dialect/headerRows: not supported"
refused 'header "no"' '"header": "no"' "/dialect/header: expected true or false"
refused "headerJoin 3" '"headerJoin": 3' "/dialect/headerJoin: expected a string"
sed 's/"header": false/"headerJoin": " ", "header": true/' "$T/nh.json" >"$T/hk.json"
printf 'id,name,age\n1,a,2\n' >"$T/hk.csv"
expect_exit 0 "headerJoin with one header row is honoured (nothing to join)" \
	qgate-data validate --schema "$T/hk.json" "$T/hk.csv"

# JSONL has no header line: header false changes nothing
printf '{"id": 1, "name": "a", "age": 3}\n{"id": 2, "name": "b", "age": 80}\n' >"$T/nh.jsonl"
expect_exit 1 "JSONL under header false: objects by key" qgate-data validate --schema "$T/nh.json" "$T/nh.jsonl" --json "$T/jl.json"
expect_eq "JSONL: 2 rows, line 2" "$(chk "$T/jl.json" table.rows "['observed']") $(json_get "$T/jl.json" "[c['locations'][0]['line'] for c in d['checks'] if c['id']=='field.age.maximum'][0]")" "2 2"

# Data Package: the resource's dialect, one path and a chunked path
P=$T/pkg
mkdir -p "$P"
printf '1,ann,30\n2,bob,40\n' >"$P/a.csv"
printf '3,cy,20\n4,dee,90\n' >"$P/b.csv"
cat >"$P/datapackage.json" <<'JSON'
{"name": "nh", "resources": [
 {"name": "one", "path": "a.csv", "dialect": {"header": false},
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name"},
                        {"name": "age", "type": "integer", "constraints": {"maximum": 50}}]}},
 {"name": "chunks", "path": ["a.csv", "b.csv"], "dialect": {"header": false},
  "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name"},
                        {"name": "age", "type": "integer", "constraints": {"maximum": 50}}]}},
 {"name": "refs", "path": "r.csv", "dialect": {"header": false},
  "schema": {"fields": [{"name": "pid", "type": "integer"}],
             "foreignKeys": [{"fields": "pid", "reference": {"resource": "one", "fields": "id"}}]}}]}
JSON
printf '2\n5\n1\n' >"$P/r.csv"
expect_exit 1 "package: header-less resources" qgate-data validate "$P/datapackage.json" --json "$T/pkg.json" --junit "$T/pkg.xml"
validate_result "package result" "$T/pkg.json"
validate_junit "package junit" "$T/pkg.xml"
expect_eq "package: rows of each resource (every line of every chunk)" \
	"$(json_get "$T/pkg.json" '[c["observed"] for c in d["checks"] if c["id"].endswith(".table.rows")]')" "[2, 4, 3]"
expect_eq "package: resource one passes its maximum" \
	"$(chk "$T/pkg.json" resource.one.field.age.maximum "['status']")" "pass"
expect_eq "package: the chunked resource fails at b.csv line 2" \
	"$(json_get "$T/pkg.json" "[(l['file'].split('/')[-1], l['line']) for c in d['checks'] if c['id']=='resource.chunks.field.age.maximum' for l in c['locations']]")" \
	'[["b.csv", 2]]'
expect_eq "package: a foreign key into a header-less resource (line 1 of a.csv is a key)" \
	"$(json_get "$T/pkg.json" "[(l['file'].split('/')[-1], l['line'], l['message']) for c in d['checks'] if c['id']=='resource.refs.table.foreign-key' for l in c['locations']]")" \
	'[["r.csv", 2, "foreign key (pid)=(5) has no match in '"'"'one'"'"' (id)"]]'

# infer --package on a header-less file writes a descriptor whose data validates
mkdir -p "$T/ip"
printf '59,2,32.1\n60,3,30.5\n61,1,29.0\n62,2,31.2\n' >"$T/ip/nohdr.csv"
expect_exit 0 "infer --package on a header-less file" qgate-data infer --package "$T/ip/nohdr.csv" -o "$T/ip/datapackage.json"
expect_exit 0 "... its data validates against it" qgate-data validate "$T/ip/datapackage.json" --json "$T/ip.json"
validate_result "infer --package round trip result" "$T/ip.json"
expect_eq "... four rows (line 1 is data)" \
	"$(json_get "$T/ip.json" '[c["observed"] for c in d["checks"] if c["id"].endswith(".table.rows")]')" "[4]"

# profile reads the same dialect: every line a row, the schema's names
printf '1,a\n2,b\n3,c\n' >"$T/nhp.csv"
echo '{"fields": [{"name": "id", "type": "integer"}, {"name": "v"}], "dialect": {"header": false}}' >"$T/nhp.json"
expect_exit 0 "profile --schema with header false" qgate-data profile --schema "$T/nhp.json" --profile-out "$T/nhp.prof.json" "$T/nhp.csv"
expect_eq "profile: 3 rows, columns id and v" "$(json_get "$T/nhp.prof.json" '(d["rows"], sorted(d["fields"]) if isinstance(d["fields"], dict) else [f["name"] for f in d["fields"]])')" '[3, ["id", "v"]]'
expect_exit 0 "validate: header false" qgate-data validate --schema "$T/nhp.json" --json "$T/nhp.v.json" "$T/nhp.csv"
expect_eq "table.header says there is no header" "$(json_get "$T/nhp.v.json" '[c["message"] for c in d["checks"] if c["id"] == "table.header"][0]')" "no header (dialect.header false): the schema's fields are the columns"

done_testing
