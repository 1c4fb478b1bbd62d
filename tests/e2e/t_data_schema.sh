#!/bin/sh
# t_data_schema.sh -- the Table Schema reader ignores nothing (issue 12)
#
# Every key Table Schema v1/v2 and CSV Dialect define is honoured or refused
# with exit 2 naming the JSON pointer; unknown keys are exit 2 with "did you
# mean"; a constraint the spec does not allow on a type is exit 2; v2
# fieldsMatch with the spec's meanings; v2 missingValues objects; a header
# with no rows fails table.rows unless allowed. Each of these passed (exit 0,
# the key ignored) before.
. "$(dirname "$0")/lib.sh"

printf 'id,age\n1,30\n2,40\n' >"$T/a.csv"
printf 'id,age\n' >"$T/empty.csv"

# refused SCHEMA_JSON NAME MESSAGE-REGEX: validate exits 2 and stderr names it
refused() {
	printf '%s\n' "$1" >"$T/s.json"
	expect_exit 2 "$2" qgate-data validate --schema "$T/s.json" "$T/a.csv"
	expect_grep "$2: message" "$3" "$T/err"
}
F='{"name": "id", "type": "integer"}, {"name": "age", "type": "integer"}'

# ---- unknown keys: did you mean
refused "{\"fields\": [$F], \"primarykey\": \"id\"}" "primarykey" \
	"'.*s.json': /primarykey: unknown key \(did you mean 'primaryKey'\?\)"
refused "{\"fields\": [$F], \"minRows\": 5}" "top-level minRows" \
	"/minRows: unknown key \(qgate's own options go under \"qgate\""
refused '{"fields": [{"name": "id", "tpye": "integer"}, {"name": "age"}]}' "unknown field key" \
	"/fields/0/tpye: unknown field key \(did you mean 'type'\?\)"
refused "{\"fields\": [{\"name\": \"id\", \"constraints\": {\"maximun\": 3}}, {\"name\": \"age\"}]}" "unknown constraint" \
	"/fields/0/constraints/maximun: unknown constraint \(did you mean 'maximum'\?\)"
refused "{\"fields\": [$F], \"qgate\": {\"minrows\": 1}}" "unknown qgate option" \
	"/qgate/minrows: unknown qgate option \(did you mean 'minRows'\?\)"
refused '{"fields": [{"name": "id", "type": "strng"}, {"name": "age"}]}' "unknown type" \
	"/fields/0/type: unknown type \(did you mean 'string'\?\)"
refused "{\"fields\": [$F], \"dialect\": {\"delimeter\": \";\"}}" "unknown dialect key" \
	"/dialect/delimeter: unknown dialect key \(did you mean 'delimiter'\?\)"

# ---- --allow-unknown-keys accepts custom metadata (top level and fields)
printf '{"fields": [{"name": "id", "type": "integer", "x-unit": "n"}, {"name": "age"}], "x-owner": "me"}\n' >"$T/u.json"
expect_exit 2 "custom keys refused by default" qgate-data validate --schema "$T/u.json" "$T/a.csv"
expect_exit 0 "custom keys with --allow-unknown-keys" qgate-data validate --allow-unknown-keys --schema "$T/u.json" "$T/a.csv"
expect_exit 0 "profile --allow-unknown-keys" qgate-data profile --allow-unknown-keys --schema "$T/u.json" \
	--profile-out "$T/p.json" "$T/a.csv"
expect_exit 2 "profile refuses custom keys by default" qgate-data profile --schema "$T/u.json" \
	--profile-out "$T/p.json" "$T/a.csv"
# descriptive keys are known
printf '{"$schema": "https://datapackage.org/profiles/2.0/tableschema.json", "name": "t", "title": "T", "description": "d", "fields": [{"name": "id", "type": "integer", "title": "Id", "description": "x", "example": "1", "rdfType": "http://schema.org/identifier"}, {"name": "age", "type": "integer"}]}\n' >"$T/d.json"
expect_exit 0 "descriptive keys are known" qgate-data validate --schema "$T/d.json" "$T/a.csv"

# ---- constraints the spec does not allow on a type
refused '{"fields": [{"name": "id", "type": "any", "constraints": {"minLength": 1}}, {"name": "age"}]}' \
	"minLength on any" "/fields/0/constraints/minLength: not allowed on type 'any'"
refused '{"fields": [{"name": "id", "type": "integer", "constraints": {"pattern": "[0-9]+"}}, {"name": "age"}]}' \
	"pattern on integer" "/fields/0/constraints/pattern: not allowed on type 'integer'"
refused '{"fields": [{"name": "id", "type": "boolean", "constraints": {"minimum": 1}}, {"name": "age"}]}' \
	"minimum on boolean" "/fields/0/constraints/minimum: not allowed on type 'boolean'"
refused '{"fields": [{"name": "id", "type": "integer", "trueValues": ["y"]}, {"name": "age"}]}' \
	"trueValues on integer" "/fields/0/trueValues: not allowed on type 'integer'"
refused '{"fields": [{"name": "id", "type": "object", "constraints": {"jsonSchema": {}}}, {"name": "age"}]}' \
	"jsonSchema refused" "/fields/0/constraints/jsonSchema: not supported"
refused '{"fields": [{"name": "id", "type": "integer", "format": "email"}, {"name": "age"}]}' \
	"format not of the type" "/fields/0/format: not a format of type 'integer'"

# ---- dialect: honoured or refused, never ignored
# (header false is honoured: t_data_header.sh)
refused "{\"fields\": [$F], \"dialect\": {\"headerRows\": [2]}}" "dialect headerRows [2]" \
	"/dialect/headerRows: not supported"
refused "{\"fields\": [$F], \"dialect\": {\"header\": 0}}" "dialect header 0" \
	"/dialect/header: expected true or false"
refused "{\"fields\": [$F], \"dialect\": {\"quoteChar\": \"'\"}}" "dialect quoteChar" "/dialect/quoteChar: not supported"
refused "{\"fields\": [$F], \"dialect\": {\"commentChar\": \"#\"}}" "dialect commentChar" "/dialect/commentChar: not supported"
refused "{\"fields\": [$F], \"dialect\": {\"skipInitialSpace\": true}}" "dialect skipInitialSpace" \
	"/dialect/skipInitialSpace: not supported"
refused "{\"fields\": [$F], \"dialect\": {\"doubleQuote\": false}}" "dialect doubleQuote false" "/dialect/doubleQuote: not supported"
refused "{\"fields\": [$F], \"dialect\": {\"escapeChar\": \"\\\\\\\\\"}}" "dialect escapeChar" "/dialect/escapeChar: not supported"
printf 'id;age\n1;30\n' >"$T/semi.csv"
printf '{"fields": [%s], "dialect": {"delimiter": ";", "header": true, "quoteChar": "\\"", "doubleQuote": true, "lineTerminator": "\\r\\n", "skipInitialSpace": false, "csvddfVersion": 1.2}}\n' "$F" >"$T/dia.json"
expect_exit 0 "dialect defaults honoured" qgate-data validate --schema "$T/dia.json" "$T/semi.csv"

# ---- foreignKeys and uniqueKeys: parsed (bad ones exit 2); a key into another resource is refused outside a Data Package
refused "{\"fields\": [$F], \"foreignKeys\": [{\"fields\": \"id\", \"reference\": {\"resource\": \"\", \"fields\": \"nope\"}}]}" \
	"foreign key to a missing field" "/foreignKeys/0/reference/fields: no such field"
refused "{\"fields\": [$F], \"foreignKeys\": [{\"fields\": [\"id\", \"age\"], \"reference\": {\"resource\": \"o\", \"fields\": \"x\"}}]}" \
	"foreign key field counts differ" "/foreignKeys/0/reference/fields: expected 2 field names"
refused "{\"fields\": [$F], \"uniqueKeys\": [[\"id\", \"nope\"]]}" "unique key of a missing field" \
	"/uniqueKeys/0/1: no such field"
refused "{\"fields\": [$F], \"foreignKeys\": [{\"fields\": \"id\", \"reference\": {\"resource\": \"o\", \"fields\": \"x\"}}]}" \
	"a foreign key into another resource: refused outside a Data Package" "/foreignKeys/0/reference/resource: \"o\" names another resource"

# ---- fieldsMatch with the spec's meanings (schema id, age)
printf 'age,id\n30,1\n' >"$T/swap.csv"
printf 'id,age,extra\n1,30,x\n' >"$T/more.csv"
printf 'id\n1\n' >"$T/fewer.csv"
printf 'zz\n1\n' >"$T/none.csv"
fm() { # MODE FILE CODE
	printf '{"fields": [%s], "fieldsMatch": "%s"}\n' "$F" "$1" >"$T/fm.json"
	expect_exit "$3" "fieldsMatch $1 on $(basename "$2")" qgate-data validate --schema "$T/fm.json" "$2"
}
fm exact "$T/a.csv" 0;     fm exact "$T/swap.csv" 1;  fm exact "$T/more.csv" 1;  fm exact "$T/fewer.csv" 1
fm equal "$T/swap.csv" 0;  fm equal "$T/more.csv" 1;  fm equal "$T/fewer.csv" 1
fm subset "$T/more.csv" 0; fm subset "$T/swap.csv" 0; fm subset "$T/fewer.csv" 1
fm superset "$T/fewer.csv" 0; fm superset "$T/swap.csv" 0; fm superset "$T/more.csv" 1
fm partial "$T/fewer.csv" 0; fm partial "$T/more.csv" 0; fm partial "$T/none.csv" 1
refused "{\"fields\": [$F], \"fieldsMatch\": \"loose\"}" "fieldsMatch unknown value" "/fieldsMatch: expected one of"
# qgate's header: mapped (its subset = the spec's superset), must agree with fieldsMatch
printf '{"fields": [%s], "qgate": {"header": "subset"}}\n' "$F" >"$T/qh.json"
expect_exit 0 "qgate header subset = fieldsMatch superset" qgate-data validate --schema "$T/qh.json" "$T/fewer.csv"
expect_exit 1 "qgate header subset refuses extra columns" qgate-data validate --schema "$T/qh.json" "$T/more.csv"
refused "{\"fields\": [$F], \"fieldsMatch\": \"subset\", \"qgate\": {\"header\": \"subset\"}}" \
	"qgate header contradicting fieldsMatch" "/qgate/header: disagrees with /fieldsMatch"

# ---- v2 missingValues objects
printf 'id,age\n1,NA\n2,40\n' >"$T/na.csv"
printf '{"fields": [%s], "missingValues": ["", {"value": "NA", "label": "not asked"}]}\n' "$F" >"$T/mv.json"
expect_exit 0 "missingValues objects honoured" qgate-data validate --schema "$T/mv.json" "$T/na.csv"
refused "{\"fields\": [$F], \"missingValues\": [{\"label\": \"x\"}]}" "missingValues object without value" \
	"/missingValues/0/value: expected a string"

# ---- v2 categories: field.<name>.categories
printf 'id,c\n1,a\n2,b\n3,z\n' >"$T/cat.csv"
printf '{"fields": [{"name": "id", "type": "integer", "categories": [1, {"value": 2, "label": "two"}]}, {"name": "c", "categories": ["a", "b", "z"], "categoriesOrdered": true}]}\n' >"$T/cat.json"
expect_exit 1 "categories checked" qgate-data validate --schema "$T/cat.json" --json "$T/cat.out.json" "$T/cat.csv"
validate_result "categories result" "$T/cat.out.json"
expect_eq "field.id.categories fails once" "$(json_get "$T/cat.out.json" '[c["count"] for c in d["checks"] if c["id"]=="field.id.categories"][0]')" "1"
expect_eq "field.c.categories passes" "$(json_get "$T/cat.out.json" '[c["status"] for c in d["checks"] if c["id"]=="field.c.categories"][0]')" "pass"
expect_eq "the offending line" "$(json_get "$T/cat.out.json" '[c["locations"][0]["line"] for c in d["checks"] if c["id"]=="field.id.categories"][0]')" "4"
refused '{"fields": [{"name": "id", "type": "number", "categories": [1]}, {"name": "age"}]}' \
	"categories on number" "/fields/0/categories: not allowed on type 'number'"

# ---- empty is not valid
printf '{"fields": [{"name": "id", "type": "integer", "constraints": {"required": true}}, {"name": "age"}]}\n' >"$T/req.json"
expect_exit 1 "header-only file fails" qgate-data validate --schema "$T/req.json" --json "$T/e.json" --junit "$T/e.xml" "$T/empty.csv"
validate_result "empty result" "$T/e.json"
validate_junit "empty junit" "$T/e.xml"
expect_eq "table.rows fails" "$(json_get "$T/e.json" '[c["status"] for c in d["checks"] if c["id"]=="table.rows"][0]')" "fail"
expect_exit 0 "--allow-empty" qgate-data validate --allow-empty --schema "$T/req.json" "$T/empty.csv"
printf '{"fields": [{"name": "id"}, {"name": "age"}], "qgate": {"minRows": 0}}\n' >"$T/min0.json"
expect_exit 0 "minRows 0 allows empty" qgate-data validate --schema "$T/min0.json" "$T/empty.csv"
expect_exit 0 "a file with rows still passes" qgate-data validate --schema "$T/req.json" "$T/a.csv"

done_testing
