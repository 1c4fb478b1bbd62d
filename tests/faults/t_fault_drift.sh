#!/bin/sh
# t_fault_drift.sh -- a check that did not run is not a pass: fields in the
# data that the baseline does not cover fail drift.<field> ("not in the
# baseline") unless --allow-new-fields, where they stay skipped.
. "$(dirname "$0")/../e2e/lib.sh"

# the baseline covers only a; the data has a..e
{ echo a; i=0; while [ $i -lt 200 ]; do echo $((i % 10)); i=$((i + 1)); done; } >"$T/base.csv"
{ echo a,b,c,d,e; i=0; while [ $i -lt 200 ]; do echo "$((i % 10)),$i,x$((i % 3)),$((i % 7)),y"; i=$((i + 1)); done; } >"$T/data.csv"
expect_exit 0 "baseline of one field" qgate-data profile "$T/base.csv" --profile-out "$T/base.json" -q

expect_exit 1 "four uncovered fields fail" qgate-data drift --baseline "$T/base.json" "$T/data.csv" \
	--json "$T/strict.json" --junit "$T/strict.xml"
validate_result "strict.json" "$T/strict.json"
validate_junit "strict.xml" "$T/strict.xml"
expect_eq "a passes, b..e fail" \
	"$(json_get "$T/strict.json" '[[c["id"], c["status"]] for c in d["checks"]]')" \
	'[["drift.a", "pass"], ["drift.b", "fail"], ["drift.c", "fail"], ["drift.d", "fail"], ["drift.e", "fail"]]'
expect_eq "the message says why" \
	"$(json_get "$T/strict.json" '[c for c in d["checks"] if c["id"]=="drift.b"][0]["message"]')" \
	"field 'b' is not in the baseline"
expect_eq "nothing skipped" "$(json_get "$T/strict.json" 'd["summary"]["skipped"]')" 0

expect_exit 0 "--allow-new-fields: they are skipped" qgate-data drift --baseline "$T/base.json" "$T/data.csv" \
	--allow-new-fields --json "$T/allow.json"
validate_result "allow.json" "$T/allow.json"
expect_eq "b..e skipped with the reason" \
	"$(json_get "$T/allow.json" '[[c["status"], c["message"]] for c in d["checks"] if c["id"]=="drift.e"][0]')" \
	"[\"skip\", \"field 'e' is not in the baseline (--allow-new-fields)\"]"
expect_eq "four skipped" "$(json_get "$T/allow.json" 'd["summary"]["skipped"]')" 4

# the same from a current profile
expect_exit 0 "current profile" qgate-data profile "$T/data.csv" --profile-out "$T/cur.json" -q
expect_exit 1 "uncovered fields fail from --current-profile" qgate-data drift --baseline "$T/base.json" \
	--current-profile "$T/cur.json"
expect_exit 0 "and are skipped with --allow-new-fields" qgate-data drift --baseline "$T/base.json" \
	--current-profile "$T/cur.json" --allow-new-fields
done_testing
