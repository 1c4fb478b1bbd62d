#!/bin/sh
# t_data_validate.sh -- qgate-data validate: checks, counts, locations, exit codes, reports
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.json" <<'EOF'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true, "minimum": 1}},
  {"name": "age", "type": "integer", "constraints": {"minimum": 0, "maximum": 120}},
  {"name": "email", "type": "string", "format": "email"},
  {"name": "score", "type": "number", "constraints": {"exclusiveMaximum": 1.0}},
  {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}},
  {"name": "color", "type": "string", "constraints": {"enum": ["red", "green", "blue"]}},
  {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{3}-[0-9]+", "maxLength": 8, "minLength": 5}},
  {"name": "ok", "type": "boolean"}
 ],
 "primaryKey": "id",
 "qgate": {"minRows": 2, "maxRows": 1000, "maxNullFraction": {"age": 0.5}}}
EOF

# a clean file passes
cat >"$T/good.csv" <<'EOF'
id,age,email,score,day,color,code,ok
1,30,a@b.com,0.5,2021-01-02,red,ABC-1,true
2,40,c@d.org,0.25,2020-01-01,blue,XYZ-12,false
3,,e@f.io,0,2022-12-31,green,QQQ-999,1
EOF
expect_exit 0 "clean CSV passes" qgate-data validate --schema "$T/schema.json" "$T/good.csv" --json "$T/good.json" --junit "$T/good.xml"
validate_result "pass result" "$T/good.json"
validate_junit "pass junit" "$T/good.xml"
expect_eq "pass status" "$(json_get "$T/good.json" 'd["status"]')" "pass"
expect_eq "rows metric" "$(json_get "$T/good.json" 'd["metrics"]["rows"]')" "3"
expect_eq "artifact sha256" "$(json_get "$T/good.json" 'd["subject"]["artifacts"][0]["sha256"]')" "$(sha256sum "$T/good.csv" | cut -d' ' -f1)"
expect_eq "one check per constraint" \
	"$(json_get "$T/good.json" '" ".join(c["id"] for c in d["checks"])')" \
	"table.header table.row-shape table.encoding table.rows table.primary-key field.id.type field.id.required field.id.unique field.id.minimum field.age.type field.age.minimum field.age.maximum field.age.maxNullFraction field.email.type field.score.type field.score.exclusiveMaximum field.day.type field.day.minimum field.color.type field.color.enum field.code.type field.code.minLength field.code.maxLength field.code.pattern field.ok.type"

# every kind of violation, with physical lines (a quoted newline makes row 2 span lines 3-4)
cat >"$T/bad.csv" <<'EOF'
id,age,email,score,day,color,code,ok
1,30,a@b.com,0.5,2021-01-02,red,ABC-1,true
2,130,"bad
address",1.0,2019-12-31,pink,abc,maybe
2,,x@y.org,0.25,2020-02-30,blue,ABC-12345,0
,5,c@d.io,0.1,2022-01-01,green,XYZ-9
EOF
expect_exit 1 "violations fail" qgate-data validate --schema "$T/schema.json" "$T/bad.csv" --json "$T/bad.json" --junit "$T/bad.xml"
validate_result "fail result" "$T/bad.json"
validate_junit "fail junit" "$T/bad.xml"
C='[c for c in d["checks"] if c["id"]=="%s"][0]'
chk() { json_get "$T/bad.json" "$(printf "$C" "$1")$2"; }
expect_eq "age.maximum count" "$(chk field.age.maximum '["count"]')" "1"
expect_eq "age.maximum observed" "$(chk field.age.maximum '["observed"]')" "130"
expect_eq "age.maximum location" "$(chk field.age.maximum '["locations"][0]["line"], '"$(printf "$C" field.age.maximum)"'["locations"][0]["column"]')" "[3, 3]"
expect_eq "email type after quoted newline: physical line 3" "$(chk field.email.type '["locations"][0]["line"]')" "3"
expect_eq "line after the quoted newline is 5" "$(chk field.day.type '["locations"][0]["line"]')" "5"
expect_eq "exclusiveMaximum" "$(chk field.score.exclusiveMaximum '["count"]')" "1"
expect_eq "date minimum" "$(chk field.day.minimum '["count"]')" "1"
expect_eq "enum" "$(chk field.color.enum '["count"]')" "1"
expect_eq "pattern (abc)" "$(chk field.code.pattern '["count"]')" "1"
expect_eq "minLength (abc)" "$(chk field.code.minLength '["count"]')" "1"
expect_eq "maxLength (ABC-12345)" "$(chk field.code.maxLength '["count"]')" "1"
expect_eq "boolean type" "$(chk field.ok.type '["count"]')" "1"
expect_eq "unique" "$(chk field.id.unique '["count"]')" "1"
expect_eq "required" "$(chk field.id.required '["count"]')" "1"
expect_eq "required location" "$(chk field.id.required '["locations"][0]["line"]')" "6"
expect_eq "primary key: one repeat and one missing" "$(chk table.primary-key '["count"]')" "2"
expect_eq "row shape (short last row)" "$(chk table.row-shape '["count"]')" "1"
expect_eq "violations metric is the sum of the counts" \
	"$(json_get "$T/bad.json" 'd["metrics"]["violations"] == sum(c.get("count", 0) for c in d["checks"] if c["id"] != "table.rows" and not c["id"].endswith("maxNullFraction"))')" "true"
expect_eq "violations metric" "$(json_get "$T/bad.json" 'd["metrics"]["violations"]')" "15"
expect_eq "value quoted in the message" "$(chk field.color.enum '["locations"][0]["message"]')" 'value "pink" is not one of the 3 enum values'
expect_eq "newline escaped in a message" "$(chk field.email.type '["locations"][0]["message"]')" 'value "bad\naddress" is not a valid email'
expect_grep "text output names file:line:col" "bad.csv:3:3: value \"130\" above maximum 120" "$T/out" || true
qgate-data validate --schema "$T/schema.json" "$T/bad.csv" >"$T/text" 2>&1
expect_grep "text output locations" 'bad\.csv:3:3: value "130" above maximum 120' "$T/text"

# the first 10 examples, the total count, and --max-errors
{
	echo "id,age,email,score,day,color,code,ok"
	i=1; while [ $i -le 50 ]; do echo "$i,999,a@b.com,0.5,2021-01-02,red,ABC-1,true"; i=$((i + 1)); done
} >"$T/many.csv"
expect_exit 1 "50 violations" qgate-data validate --schema "$T/schema.json" "$T/many.csv" --json "$T/many.json"
expect_eq "count is the total" "$(json_get "$T/many.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["count"]')" "50"
expect_eq "10 locations kept" "$(json_get "$T/many.json" 'len([c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["locations"])')" "10"
expect_eq "first location is line 2" "$(json_get "$T/many.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["locations"][0]["line"]')" "2"
expect_exit 1 "--max-errors stops early" qgate-data validate --schema "$T/schema.json" "$T/many.csv" --max-errors 5 --json "$T/max.json"
expect_eq "--max-errors count" "$(json_get "$T/max.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["count"]')" "5"
expect_eq "--max-errors says so" "$(json_get "$T/max.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["message"]')" "at least 5 values above maximum 120"
expect_eq "--max-errors: rows bound skipped" "$(json_get "$T/max.json" '[c for c in d["checks"] if c["id"]=="table.rows"][0]["status"]')" "skip"
expect_exit 2 "--max-errors 0 is a usage error" qgate-data validate --schema "$T/schema.json" --max-errors 0 "$T/many.csv"
expect_exit 2 "--max-errors junk" qgate-data validate --schema "$T/schema.json" --max-errors 5x "$T/many.csv"

# row-count bounds and null fraction
printf 'id,age,email,score,day,color,code,ok\n1,,a@b.com,0.5,2021-01-02,red,ABC-1,true\n' >"$T/one.csv"
expect_exit 1 "minRows" qgate-data validate --schema "$T/schema.json" "$T/one.csv" --json "$T/one.json"
expect_eq "table.rows fails" "$(json_get "$T/one.json" '[c for c in d["checks"] if c["id"]=="table.rows"][0]["status"]')" "fail"
expect_eq "null fraction 1.0 > 0.5" "$(json_get "$T/one.json" '[c for c in d["checks"] if c["id"]=="field.age.maxNullFraction"][0]["status"]')" "fail"

# header matching
printf 'age,id,email,score,day,color,code,ok\n30,1,a@b.com,0.5,2021-01-02,red,ABC-1,true\n31,2,a@b.com,0.5,2021-01-02,red,ABC-1,true\n' >"$T/order.csv"
expect_exit 1 "exact header: order matters" qgate-data validate --schema "$T/schema.json" "$T/order.csv"
printf 'id,age,extra\n1,30,x\n2,31,y\n' >"$T/extra.csv"
cat >"$T/super.json" <<'EOF'
{"fields": [{"name": "id", "type": "integer"}, {"name": "age", "type": "integer"}], "qgate": {"header": "superset"}}
EOF
expect_exit 0 "superset header allows extra columns" qgate-data validate --schema "$T/super.json" "$T/extra.csv"
sed 's/superset/exact/' "$T/super.json" >"$T/exact.json"
expect_exit 1 "exact header rejects extra columns" qgate-data validate --schema "$T/exact.json" "$T/extra.csv" --json "$T/x.json"
expect_eq "header message" "$(json_get "$T/x.json" '[c for c in d["checks"] if c["id"]=="table.header"][0]["locations"][0]["message"]')" "column 'extra' not in the schema"
cat >"$T/subset.json" <<'EOF'
{"fields": [{"name": "id", "type": "integer"}, {"name": "age", "type": "integer"}, {"name": "zip", "type": "string"}], "qgate": {"header": "subset"}}
EOF
printf 'id,age\n1,30\n' >"$T/sub.csv"
expect_exit 0 "subset header allows missing schema fields" qgate-data validate --schema "$T/subset.json" "$T/sub.csv"

# JSONL, composite primary key, number formats, datetime/time/year, pattern dates
cat >"$T/s2.json" <<'EOF'
{"fields": [
  {"name": "a", "type": "string"}, {"name": "b", "type": "integer"},
  {"name": "t", "type": "datetime"}, {"name": "h", "type": "time"}, {"name": "y", "type": "year"},
  {"name": "d", "type": "date", "format": "%d/%m/%Y"},
  {"name": "u", "type": "string", "format": "uuid"}, {"name": "w", "type": "string", "format": "uri"},
  {"name": "n", "type": "number", "decimalChar": ",", "groupChar": "."}
 ], "primaryKey": ["a", "b"]}
EOF
cat >"$T/d.jsonl" <<'EOF'
{"a": "x", "b": 1, "t": "2021-01-02T03:04:05Z", "h": "12:30:00", "y": 2021, "d": "31/12/2020", "u": "123e4567-e89b-12d3-a456-426614174000", "w": "https://example.com/x", "n": "1.234,5"}
{"a": "x", "b": 2, "t": "2021-01-02T03:04:05+02:00", "h": "23:59:59.5", "y": "1999", "d": "1/2/2021", "u": "123E4567-E89B-12D3-A456-426614174000", "w": "mailto:a@b", "n": "-0,5"}
EOF
expect_exit 0 "JSONL with typed values passes" qgate-data validate --schema "$T/s2.json" "$T/d.jsonl"
cat >>"$T/d.jsonl" <<'EOF'
{"a": "x", "b": 1, "t": "2021-13-02T03:04:05Z", "h": "25:00:00", "y": 20211, "d": "2020-12-31", "u": "nope", "w": "no scheme", "n": "1,2,3"}
not json at all
{"a": "y", "b": 3, "t": "2021-01-02T03:04:05Z", "h": "12:30:00", "y": 2021, "d": "31/12/2020", "u": "123e4567-e89b-12d3-a456-426614174000", "w": "https://example.com/x", "n": "1", "zzz": 1}
EOF
expect_exit 1 "JSONL violations" qgate-data validate --schema "$T/s2.json" "$T/d.jsonl" --json "$T/j.json"
validate_result "JSONL result" "$T/j.json"
for f in t h y d u w n; do
	expect_eq "JSONL $f type violation" "$(json_get "$T/j.json" '[c for c in d["checks"] if c["id"]=="field.'$f'.type"][0]["count"]')" "1"
done
expect_eq "composite primary key repeat on line 3" "$(json_get "$T/j.json" '[c for c in d["checks"] if c["id"]=="table.primary-key"][0]["locations"][0]["line"]')" "3"
expect_eq "malformed line + extra key are row-shape violations" "$(json_get "$T/j.json" '[c for c in d["checks"] if c["id"]=="table.row-shape"][0]["count"]')" "2"
expect_eq "malformed JSONL line located" "$(json_get "$T/j.json" '[c for c in d["checks"] if c["id"]=="table.row-shape"][0]["locations"][0]["line"]')" "4"

# missingValues, trueValues, TSV and --delimiter, dialect delimiter
cat >"$T/s3.json" <<'EOF'
{"fields": [{"name": "k", "type": "integer", "constraints": {"required": true}},
            {"name": "v", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}],
 "missingValues": ["", "NA"], "dialect": {"delimiter": ";"}}
EOF
printf 'k;v\n1;yes\n2;no\n' >"$T/semi.csv"
expect_exit 0 "dialect delimiter from the schema" qgate-data validate --schema "$T/s3.json" "$T/semi.csv"
printf 'k;v\nNA;yes\n3;true\n' >"$T/semi2.csv"
expect_exit 1 "NA is missing, true is not a trueValue" qgate-data validate --schema "$T/s3.json" "$T/semi2.csv" --json "$T/s3r.json"
expect_eq "NA missing -> required" "$(json_get "$T/s3r.json" '[c for c in d["checks"] if c["id"]=="field.k.required"][0]["count"]')" "1"
printf 'k\tv\n1\tyes\n' >"$T/t.tsv"
expect_exit 0 "TSV by extension" qgate-data validate --schema "$T/s3.json" "$T/t.tsv"
printf 'k|v\n1|yes\n' >"$T/pipe.txt"
expect_exit 0 "--delimiter and --input-format" qgate-data validate --schema "$T/s3.json" --input-format csv --delimiter '|' "$T/pipe.txt"
expect_exit 2 "unknown extension without --input-format" qgate-data validate --schema "$T/s3.json" "$T/pipe.txt"
expect_exit 2 "bad --delimiter" qgate-data validate --schema "$T/s3.json" --delimiter ab "$T/semi.csv"

# stdin, gzip, zstd, directories
expect_exit 0 "stdin with --input-format" sh -c "qgate-data validate --schema '$T/schema.json' --input-format csv - <'$T/good.csv'"
gzip -c "$T/good.csv" >"$T/good.csv.gz"
expect_exit 0 "gzip input" qgate-data validate --schema "$T/schema.json" "$T/good.csv.gz"
if command -v zstd >/dev/null 2>&1; then
	zstd -q -c "$T/good.csv" >"$T/good.csv.zst"
	expect_exit 0 "zstd input" qgate-data validate --schema "$T/schema.json" "$T/good.csv.zst"
else
	skip "zstd not installed"
fi
mkdir -p "$T/dir"
cp "$T/good.csv" "$T/dir/a.csv"
cp "$T/bad.csv" "$T/dir/b.csv"
expect_exit 1 "directory: both files" qgate-data validate --schema "$T/schema.json" "$T/dir" --json "$T/dir.json"
expect_eq "directory: two artifacts" "$(json_get "$T/dir.json" 'len(d["subject"]["artifacts"])')" "2"
expect_eq "directory: location names b.csv" "$(json_get "$T/dir.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["locations"][0]["file"]')" "$T/dir/b.csv"

# configuration errors: exit 2
expect_exit 2 "no --schema" qgate-data validate "$T/good.csv"
expect_exit 2 "unknown flag" qgate-data validate --schema "$T/schema.json" --bogus "$T/good.csv"
expect_exit 2 "no DATA" qgate-data validate --schema "$T/schema.json"
expect_exit 2 "unknown subcommand" qgate-data frobnicate
expect_exit 2 "no subcommand" qgate-data
cat >"$T/bad-schema.json" <<'EOF'
{"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"},
  {"name": "age", "type": "integer", "constraints": {"minimum": "ten"}}]}
EOF
expect_exit 2 "invalid schema" qgate-data validate --schema "$T/bad-schema.json" "$T/good.csv"
expect_grep "schema error names the JSON pointer" "^qgate-data: error: '.*bad-schema.json': /fields/3/constraints/minimum: expected an integer, found \"ten\"" "$T/err"
echo '{"fields": [{"name": "x", "type": "integr"}]}' >"$T/bs2.json"
expect_exit 2 "unknown type" qgate-data validate --schema "$T/bs2.json" "$T/good.csv"
expect_grep "unknown type pointer" "/fields/0/type: unknown type \(did you mean 'integer'\?\)" "$T/err"
echo '{"fields": [{"name": "x", "constraints": {"maximun": 3}}]}' >"$T/bs3.json"
expect_exit 2 "typo in a constraint" qgate-data validate --schema "$T/bs3.json" "$T/good.csv"
expect_grep "typo pointer" "/fields/0/constraints/maximun: unknown constraint" "$T/err"
echo '{"fields": [{"name": "x", "constraints": {"pattern": "(a"}}]}' >"$T/bs4.json"
expect_exit 2 "bad regex" qgate-data validate --schema "$T/bs4.json" "$T/good.csv"
expect_grep "regex pointer" "/fields/0/constraints/pattern: invalid regular expression" "$T/err"
echo '{"fields": [' >"$T/bs5.json"
expect_exit 2 "malformed schema JSON" qgate-data validate --schema "$T/bs5.json" "$T/good.csv"
echo '{"fields": [{"name": "x"}], "primaryKey": ["y"]}' >"$T/bs6.json"
expect_exit 2 "primaryKey names a missing field" qgate-data validate --schema "$T/bs6.json" "$T/good.csv"
expect_grep "primaryKey pointer" "/primaryKey/0: no such field" "$T/err"
expect_exit 2 "bad schema with --json writes an error result" qgate-data validate --schema "$T/bs6.json" "$T/good.csv" --json "$T/e.json"
expect_eq "error result status" "$(json_get "$T/e.json" 'd["status"]')" "error"
expect_exit 3 "missing schema file" qgate-data validate --schema "$T/nope.json" "$T/good.csv"

# inputs that cannot be read: exit 3, never 0
expect_exit 3 "missing data file" qgate-data validate --schema "$T/schema.json" "$T/nope.csv"
head -c 100 "$T/good.csv.gz" >"$T/trunc.csv.gz"
dd if=/dev/urandom bs=1k count=64 2>/dev/null | gzip -c | head -c 20000 >"$T/trunc2.csv.gz"
expect_exit 3 "truncated gzip" qgate-data validate --schema "$T/schema.json" "$T/trunc2.csv.gz"
expect_grep "truncated gzip names the file" "trunc2.csv.gz" "$T/err"
printf 'id,age,email,score,day,color,code,ok\n1,30,"a@b.com,0.5\n' >"$T/unterminated.csv"
expect_exit 3 "unterminated quote at EOF" qgate-data validate --schema "$T/schema.json" "$T/unterminated.csv"
expect_grep "unterminated quote named" "unterminated" "$T/err"

# bad bytes: violations, not crashes
printf 'id,age,email,score,day,color,code,ok\n1,30,a@b.com,0.5,2021-01-02,r\377d,ABC-1,true\n2,30,a@b.com,0.5,2021-01-02,r\000d,ABC-2,true\n' >"$T/bytes.csv"
expect_exit 1 "invalid UTF-8 and NUL are violations" qgate-data validate --schema "$T/schema.json" "$T/bytes.csv" --json "$T/bytes.json" --junit "$T/bytes.xml"
expect_eq "table.encoding count" "$(json_get "$T/bytes.json" '[c for c in d["checks"] if c["id"]=="table.encoding"][0]["count"]')" "2"
expect_eq "invalid byte escaped" "$(json_get "$T/bytes.json" '[c for c in d["checks"] if c["id"]=="table.encoding"][0]["locations"][0]["message"]')" 'value "r\xffd" is not valid UTF-8'
validate_junit "bad bytes junit" "$T/bytes.xml"
validate_result "bad bytes result" "$T/bytes.json"
printf '{"a": "ok", "b": 1}\n{"a": "x\\u0000y", "b": 2}\n{"a": "\377\376", "b": 3}\n{"a": "\\ud800", "b": 4}\n' >"$T/enc.jsonl"
echo '{"fields": [{"name": "a"}, {"name": "b", "type": "integer"}]}' >"$T/enc.json"
expect_exit 1 "JSONL: \\u0000, invalid bytes and a lone surrogate are encoding violations" qgate-data validate --schema "$T/enc.json" "$T/enc.jsonl" --json "$T/enc.out.json"
expect_eq "JSONL encoding count" "$(json_get "$T/enc.out.json" '[c for c in d["checks"] if c["id"]=="table.encoding"][0]["count"]')" "3"
expect_eq "JSONL NUL message" "$(json_get "$T/enc.out.json" '[c for c in d["checks"] if c["id"]=="table.encoding"][0]["locations"][0]["message"]')" 'value "x\x00y" contains a NUL byte'
"$DEBIAN_PY" -c 'import sys; sys.stdout.write("id,age,email,score,day,color,code,ok\n1,30,a@b.com,0.5,2021-01-02,red," + "A"*(100*1024*1024) + ",true\n")' >"$T/long.csv"
expect_exit 3 "a 100 MB line is over the record cap" qgate-data validate --schema "$T/schema.json" "$T/long.csv"
expect_grep "record cap message" "long.csv" "$T/err"
expect_exit 1 "a 100 MB line within a raised --max-record is checked" qgate-data validate --schema "$T/schema.json" --max-record 200000000 "$T/long.csv" --json "$T/long.json"
expect_eq "long value truncated in the message" "$(json_get "$T/long.json" 'len([c for c in d["checks"] if c["id"]=="field.code.maxLength"][0]["locations"][0]["message"]) < 200')" "true"
rm -f "$T/long.csv"

# -j gives the same answer
expect_exit 1 "-j 4 on a directory" qgate-data validate --schema "$T/schema.json" -j 4 "$T/dir" --json "$T/dirj.json"
expect_eq "-j same checks" "$(json_get "$T/dirj.json" '[(c["id"], c["status"], c.get("count")) for c in d["checks"]]')" "$(json_get "$T/dir.json" '[(c["id"], c["status"], c.get("count")) for c in d["checks"]]')"

# unique state is bounded: past the cap it spills (t_data_unique.sh)
"$DEBIAN_PY" -c '
import random
random.seed(1)
print("k")
for i in random.sample(range(10**12), 300000): print("s%d" % i)' >"$T/keys.csv"
echo '{"fields": [{"name": "k", "constraints": {"unique": true}}]}' >"$T/uk.json"
expect_exit 0 "300k distinct strings fit in the default cap" qgate-data validate --schema "$T/uk.json" "$T/keys.csv"
expect_exit 0 "keys over --unique-memory spill to TMPDIR and are checked" qgate-data validate --schema "$T/uk.json" --unique-memory 1 "$T/keys.csv" --json "$T/uk.out.json"
expect_eq "unique message" "$(json_get "$T/uk.out.json" '[c for c in d["checks"] if c["id"]=="field.k.unique"][0]["message"]')" "all values are distinct"

# qgate.json: the "data" gate's "validate" section, flags on the command line win
cat >"$T/qgate.json" <<EOF
{"data": {"validate": {"schema": "$T/schema.json", "max-errors": 3, "args": ["$T/many.csv"]}}}
EOF
expect_exit 1 "--config supplies --schema, --max-errors and DATA" qgate-data validate --config "$T/qgate.json" --json "$T/cfg.json"
expect_eq "--config max-errors applied" "$(json_get "$T/cfg.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["count"]')" "3"
expect_exit 1 "a flag overrides the config" qgate-data validate --config "$T/qgate.json" --max-errors 7 --json "$T/cfg2.json"
expect_eq "override" "$(json_get "$T/cfg2.json" '[c for c in d["checks"] if c["id"]=="field.age.maximum"][0]["count"]')" "7"
echo '{"data": {"validate": {"schemaa": "x"}}}' >"$T/badcfg.json"
expect_exit 2 "unknown key in the config" qgate-data validate --config "$T/badcfg.json" "$T/good.csv"
expect_exit 1 "--out DIR writes data-validate.json and data-validate.xml" qgate-data validate --schema "$T/schema.json" "$T/bad.csv" --out "$T/outdir"
validate_result "--out result" "$T/outdir/data-validate.json"
validate_junit "--out junit" "$T/outdir/data-validate.xml"

# GitHub mode
GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" GITHUB_STEP_SUMMARY="$T/gh.md" \
	qgate-data validate --schema "$T/schema.json" "$T/bad.csv" >"$T/gh.txt" 2>&1
expect_grep "annotation with file and line" '^::error file=.*bad.csv,line=3,col=3' "$T/gh.txt"
expect_grep "status output" '^status=fail' "$T/gh.out"
expect_grep "violations output" '^violations=' "$T/gh.out"

done_testing
