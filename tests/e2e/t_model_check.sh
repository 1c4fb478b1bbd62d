#!/bin/sh
# t_model_check.sh -- qgate-model check: exit codes, reports, bad input, slices, champion
. "$(dirname "$0")/lib.sh"
M=qgate-model
D=$T/d
mkdir -p "$D"
"$DEBIAN_PY" "$QG_ROOT/tests/e2e/model_gen.py" "$D"

# --- pass / fail / reports
expect_exit 0 "fixed bounds pass" $M check --predictions "$D/cand.csv" --task binary \
	--require 'roc_auc >= 0.7' --require 'f1 > 0.5' --junit "$T/p.xml" --json "$T/p.json"
validate_junit "pass junit" "$T/p.xml"
validate_result "pass json" "$T/p.json"
expect_eq "pass status" "$(json_get "$T/p.json" 'd["status"]')" pass
expect_eq "check id" "$(json_get "$T/p.json" 'd["checks"][0]["id"]')" metric.roc_auc
expect_eq "details method" "$(json_get "$T/p.json" 'd["checks"][0]["method"] if "method" in d["checks"][0] else d["checks"][0]["details"]["method"]')" fixed

expect_exit 1 "fixed bound fails" $M check --predictions "$D/cand.csv" --task binary \
	--require 'roc_auc >= 0.99' --out "$T/outdir"
expect_file "--out json" "$T/outdir/model-check.json"
expect_file "--out junit" "$T/outdir/model-check.xml"
validate_junit "fail junit" "$T/outdir/model-check.xml"
validate_result "fail json" "$T/outdir/model-check.json"
expect_grep "text output has the table" '^\| metric \| baseline \| candidate \| delta \| interval \| verdict \|' "$T/out"
expect_exit 1 "lower-is-better bound fails" $M check --predictions "$D/cand.csv" --task binary --require 'log_loss <= 0.1'

# --- usage errors: 2
expect_exit 2 "bad flag" $M check --predictions "$D/cand.csv" --task binary --require 'f1 > 0' --no-such-flag
expect_exit 2 "bad expression" $M check --predictions "$D/cand.csv" --task binary --require 'f1 >> 0.8'
expect_grep "bad expression named" "bad expression 'f1 >> 0.8'" "$T/err"
expect_exit 2 "unknown metric" $M check --predictions "$D/cand.csv" --task binary --require 'mae < 1'
expect_exit 2 "wrong direction vs baseline" $M check --predictions "$D/cand.csv" --task binary \
	--baseline "$D/champ.csv" --require 'log_loss >= baseline'
expect_exit 2 "no --require" $M check --predictions "$D/cand.csv" --task binary
expect_exit 2 "bad task" $M check --predictions "$D/cand.csv" --task ranking --require 'f1 > 0'
expect_exit 2 "baseline rule without baseline" $M check --predictions "$D/cand.csv" --task binary \
	--require 'f1 >= baseline'
expect_grep "says how to allow it" 'allow-missing-baseline' "$T/err"
expect_exit 2 "bad number" $M check --predictions "$D/cand.csv" --task binary --require 'f1 > 0' --bootstrap 12x
expect_exit 2 "unknown command" $M frobnicate
expect_exit 0 "--help" $M check --help
expect_exit 0 "--version" $M --version

# --- could not evaluate: 3, with file and row
expect_exit 3 "missing file" $M check --predictions "$D/nope.csv" --task binary --require 'f1 > 0' --json "$T/m.json"
expect_grep "missing file named" "nope.csv" "$T/err"
validate_result "missing-file json" "$T/m.json"
expect_eq "missing-file status" "$(json_get "$T/m.json" 'd["status"]')" error
bad() { # bad NAME CONTENT PATTERN [TASK]
	printf "$2" >"$T/bad.csv"
	_rule='accuracy >= 0'
	[ "${4:-binary}" = regression ] && _rule='mae >= 0'
	expect_exit 3 "bad input: $1" $M check --predictions "$T/bad.csv" --task "${4:-binary}" --require "$_rule"
	expect_grep "bad input: $1: file and row in stderr" "$3" "$T/err"
}
bad "non-numeric score" 'label,score\n0,0.2\n1,abc\n' "bad.csv':3:.*row 2.*'abc' is not a finite number"
bad "label outside classes" 'label,score\n0,0.2\n2,0.5\n' "bad.csv':3:.*row 2.*label '2' outside"
bad "probability above 1" 'label,score\n0,0.2\n1,1.5\n' "bad.csv':3:.*row 2.*outside \\[0, 1\\]"
bad "negative probability" 'label,score\n0,-0.1\n' "bad.csv':2:.*row 1.*outside \\[0, 1\\]"
bad "NaN" 'label,score\n0,0.2\n1,0.3\n1,NaN\n' "bad.csv':4:.*row 3.*NaN"
bad "ragged row" 'label,score\n0,0.2\n1,0.3,7\n' "bad.csv':3: row 2: 3 fields, the header has 2"
bad "short row" 'label,score\n0,0.2\n1\n' "bad.csv':3: row 2: 1 fields"
bad "empty file" '' "bad.csv': empty file"
bad "header only" 'label,score\n' "bad.csv': no data rows"
bad "missing label column" 'y,score\n0,0.2\n' "no label column 'label'"
bad "regression non-number" 'label,prediction\n1.5,2\n2.5,x\n' "bad.csv':3:.*row 2.*'x'" regression
bad "multiclass label outside" 'label,score_a,score_b\na,0.2,0.8\nc,0.5,0.5\n' "bad.csv':3:.*row 2.*label 'c' outside" multiclass

# --- baseline joins
head -n 600 "$D/champ.csv" >"$T/short.csv"
expect_exit 3 "baseline length mismatch" $M check --predictions "$D/cand.csv" --task binary \
	--baseline "$T/short.csv" --require 'roc_auc >= baseline-0.05'
expect_grep "length mismatch named" "short.csv' has 599 rows but .*cand.csv' has 1200" "$T/err"
expect_exit 3 "row order join: labels differ" $M check --predictions "$D/cand.csv" --task binary \
	--baseline "$D/shuffled.csv" --require 'roc_auc >= baseline-0.05'
expect_grep "differing row named" "shuffled.csv': row [0-9]+: label differs" "$T/err"
expect_exit 0 "join by --id" $M check --predictions "$D/cand.csv" --task binary \
	--baseline "$D/shuffled.csv" --id id --require 'roc_auc >= baseline-0.05' --json "$T/id.json"
validate_result "id join json" "$T/id.json"

# --- champion significance
expect_exit 0 "tiny noisy difference passes" $M check --predictions "$D/cand.csv" --task binary \
	--baseline "$D/champ.csv" --require 'roc_auc >= baseline' --require 'accuracy >= baseline' \
	--require 'log_loss <= baseline' --json "$T/c.json" --junit "$T/c.xml"
validate_result "champion json" "$T/c.json"
validate_junit "champion junit" "$T/c.xml"
for k in candidate baseline delta interval p_value alpha method; do
	expect_eq "details has $k" "$(json_get "$T/c.json" "\"$k\" in d[\"checks\"][0][\"details\"] if \"details\" in d[\"checks\"][0] else \"$k\" in d[\"checks\"][0]")" true
done
expect_exit 1 "truly worse candidate fails" $M check --predictions "$D/worse.csv" --task binary \
	--baseline "$D/champ.csv" --require 'roc_auc >= baseline-0.01' --require 'accuracy >= baseline' \
	--json "$T/w.json"
validate_result "worse json" "$T/w.json"
expect_eq "worse: roc_auc failed" "$(json_get "$T/w.json" '[c["status"] for c in d["checks"]]')" '["fail", "fail"]'
expect_eq "worse: mcnemar decides accuracy" "$(json_get "$T/w.json" '(d["checks"][1].get("details") or d["checks"][1])["method"]')" mcnemar-chi2-cc
# determinism
$M check --predictions "$D/cand.csv" --task binary --baseline "$D/champ.csv" --require 'f1 >= baseline' \
	--seed 42 --json "$T/s1.json" >/dev/null 2>&1
$M check --predictions "$D/cand.csv" --task binary --baseline "$D/champ.csv" --require 'f1 >= baseline' \
	--seed 42 --json "$T/s2.json" >/dev/null 2>&1
$M check --predictions "$D/cand.csv" --task binary --baseline "$D/champ.csv" --require 'f1 >= baseline' \
	--seed 43 --json "$T/s3.json" >/dev/null 2>&1
iv() { json_get "$1" '(d["checks"][0].get("details") or d["checks"][0])["interval"]'; }
expect_eq "same seed, same interval" "$(iv "$T/s1.json")" "$(iv "$T/s2.json")"
if [ "$(iv "$T/s1.json")" != "$(iv "$T/s3.json")" ]; then ok "another seed, another interval"; else not_ok "seed ignored"; fi
# baseline metrics file: point comparison
printf '{"roc_auc": 0.99, "f1": 0.1}\n' >"$T/bm.json"
expect_exit 1 "baseline metrics: point comparison fails" $M check --predictions "$D/cand.csv" --task binary \
	--baseline-metrics "$T/bm.json" --require 'roc_auc >= baseline-0.01'
expect_exit 0 "baseline metrics: point comparison passes" $M check --predictions "$D/cand.csv" --task binary \
	--baseline-metrics "$T/bm.json" --require 'f1 >= baseline+10%'
# metrics file as the candidate
printf '{"accuracy": 0.91, "custom_score": 3}\n' >"$T/cm.json"
expect_exit 0 "--metrics file passes" $M check --metrics "$T/cm.json" --require 'accuracy >= 0.9' --require 'custom_score > 2'
expect_exit 3 "--metrics file: missing metric is an error" $M check --metrics "$T/cm.json" --require 'f1 >= 0.9'

# --- first deployment
expect_exit 0 "allow-missing-baseline: fixed rules decide" $M check --predictions "$D/cand.csv" --task binary \
	--allow-missing-baseline --require 'roc_auc >= baseline' --require 'roc_auc >= 0.7' --json "$T/fd.json"
expect_grep "loud first-deployment warning" 'NO BASELINE: FIRST DEPLOYMENT' "$T/err"
expect_eq "baseline rule skipped, not passed" "$(json_get "$T/fd.json" '[c["status"] for c in d["checks"]]')" '["skip", "pass"]'
expect_exit 3 "allow-missing-baseline: only skipped checks is exit 3" $M check --predictions "$D/cand.csv" \
	--task binary --allow-missing-baseline --require 'roc_auc >= baseline'

# --- slices
expect_exit 0 "slice rule" $M check --predictions "$D/cand.csv" --task binary --require 'roc_auc@region=eu >= 0.7' --json "$T/sl.json"
expect_eq "slice check id" "$(json_get "$T/sl.json" 'd["checks"][0]["id"]')" 'metric.roc_auc@region=eu'
expect_exit 0 "every slice, small one skipped" $M check --predictions "$D/cand.csv" --task binary \
	--require 'roc_auc@region=* >= 0.6' --min-slice-size 30 --json "$T/ss.json"
expect_eq "slice statuses" "$(json_get "$T/ss.json" '[(c["id"], c["status"]) for c in d["checks"]]')" \
	'[["metric.roc_auc@region=apac", "skip"], ["metric.roc_auc@region=eu", "pass"], ["metric.roc_auc@region=us", "pass"]]'
expect_grep "skip says why" 'fewer than --min-slice-size 30' "$T/ss.json"
expect_exit 3 "only a too-small slice: exit 3, never pass" $M check --predictions "$D/cand.csv" --task binary \
	--require 'roc_auc@region=apac >= 0.6' --min-slice-size 30
expect_exit 3 "unknown slice value is an error" $M check --predictions "$D/cand.csv" --task binary \
	--require 'roc_auc@region=mars >= 0.6'
printf 'label,score,g\n1,0.9,a\n1,0.8,a\n0,0.1,b\n1,0.7,b\n' >"$T/oc.csv"
expect_exit 3 "roc_auc with one class in a slice is an error" $M check --predictions "$T/oc.csv" --task binary \
	--require 'roc_auc@g=a >= 0.5' --json "$T/oc.json"
expect_grep "one-class message" 'only one class present' "$T/oc.json"

# --- GitHub mode
: >"$T/summary.md"
: >"$T/output.txt"
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$T/summary.md" GITHUB_OUTPUT="$T/output.txt" \
	expect_exit 1 "github mode" $M check --predictions "$D/worse.csv" --task binary --baseline "$D/champ.csv" \
	--require 'roc_auc >= baseline-0.01'
expect_grep "github annotation" '^::error' "$T/out"
expect_grep "summary table" '\| metric \| baseline \| candidate \| delta \| interval \| verdict \|' "$T/summary.md"
expect_grep "summary row" '\| roc_auc \| 0\.[0-9]+ \| 0\.[0-9]+ \| -0\.[0-9]+ \| \[' "$T/summary.md"
expect_grep "github output status" '^status=fail' "$T/output.txt"

# --- config file
printf '{"model": {"check": {"task": "binary", "require": ["roc_auc >= 0.7"]}}}\n' >"$T/qgate.json"
expect_exit 0 "--config section model.check" $M check --config "$T/qgate.json" --predictions "$D/cand.csv"
done_testing
