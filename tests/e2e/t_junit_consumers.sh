#!/bin/sh
# t_junit_consumers.sh -- qgate's JUnit read back by real consumers from npm
#
# junit2json and test-results-parser parse the reports of qgate-data and
# qgate-model runs on examples/ (pass, fail, skipped checks, gate errors, a run
# with every check skipped), and junit-report-merger merges them; the counts
# each consumer sees (suite attributes and the testcases it parsed) must equal
# the result JSON's summary (plus the one "gate" testcase an error run gets).
# The packages are installed once into build/npm-junit (QG_NPM_JUNIT_DIR). Without node, npm or
# the registry the test skips loudly; under QG_REQUIRE_SCHEMAS=1 (.ci/run) a
# missing consumer is a failure.
. "$(dirname "$0")/lib.sh"

NPM_DIR=${QG_NPM_JUNIT_DIR:-$QG_ROOT/build/npm-junit}
PKGS="junit2json@4.0.0 test-results-parser@0.4.6 junit-report-merger@9.0.4"
have_pkgs() {
	for _p in junit2json test-results-parser junit-report-merger; do
		[ -f "$NPM_DIR/node_modules/$_p/package.json" ] || return 1
	done
}
if ! have_pkgs && command -v npm >/dev/null 2>&1; then
	mkdir -p "$NPM_DIR"
	# shellcheck disable=SC2086
	npm install --loglevel=error --no-audit --no-fund --prefix "$NPM_DIR" $PKGS >"$T/npm.log" 2>&1
fi
if ! command -v node >/dev/null 2>&1 || ! have_pkgs; then
	why="JUnit consumers from npm ($PKGS) unavailable (node: $(command -v node || echo missing); npm: $(command -v npm >/dev/null && { grep -m1 'ERR' "$T/npm.log" || echo "install failed"; } || echo missing)): JUnit CONSUMER CHECKS NOT RUN"
	if [ "${QG_REQUIRE_SCHEMAS:-}" = 1 ]; then
		not_ok "QG_REQUIRE_SCHEMAS=1 and $why"
	else
		skip "$why"
	fi
	done_testing
	exit
fi

EX=$QG_ROOT/examples
R=$T/reports
mkdir -p "$R"
cases=""
# run_case NAME WANT-EXIT DIR GATE ARGS...: run a gate in DIR writing NAME.json/.xml
run_case() {
	_name=$1; _want=$2; _dir=$3; shift 3
	(cd "$_dir" && "$@" --json "$R/$_name.json" --junit "$R/$_name.xml") >"$T/out" 2>"$T/err"
	_rc=$?
	expect_eq "$_name: exit $_want" "$_rc" "$_want"
	validate_result "$_name" "$R/$_name.json"
	validate_junit "$_name" "$R/$_name.xml"
	cases="$cases $_name"
}
run_case data-pass 0 "$EX/data" qgate-data validate --schema train.schema.json train.csv
run_case data-fail 1 "$EX/data" qgate-data validate --schema train.schema.json batch-bad.csv
run_case data-error 3 "$EX/data" qgate-data validate --schema train.schema.json "$T/no-such.csv"
run_case data-drift 1 "$EX/data" qgate-data drift --baseline baseline-profile.json current.csv
run_case model-pass-skip 0 "$EX/model" qgate-model check --config qgate.json
run_case model-fail 1 "$EX/model" qgate-model check --predictions candidate.csv --task binary \
	--require 'roc_auc >= 0.99' --require 'accuracy >= 0.5'
run_case model-error 2 "$EX/model" qgate-model check --predictions candidate.csv --task binary
run_case model-all-skipped 3 "$EX/model" qgate-model check --predictions candidate.csv --task binary \
	--require 'f1@region=* >= 0.1' --min-slice-size 100000

# What a JUnit reader must see, from the result JSON: one testcase per check,
# plus one "gate" testcase with <error> when the run is an error that no
# errored check explains (lib/report/junit.c).
expected() { # expected FILE.json [cases]
	"$DEBIAN_PY" - "$1" "${2:-}" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
extra = 1 if d["status"] == "error" and ("error" in d or s["errors"] == 0) else 0
t, f, e, k = s["checks"] + extra, s["failed"], s["errors"] + extra, s["skipped"]
if sys.argv[2] == "fail-merged":  # test-results-parser marks <error> cases FAIL too
	f, e = f + e, 0
print(f"tests={t} failures={f} errors={e} skipped={k}")
EOP
}
files=""
for c in $cases; do files="$files $R/$c.xml"; done
# shellcheck disable=SC2086
node "$QG_ROOT/tests/e2e/junit_consumers.cjs" "$NPM_DIR" "$R/merged.xml" $files >"$T/seen" 2>"$T/node.err"
expect_eq "the consumers ran" "$?" "0"
sed 's/^/#   /' "$T/node.err" | head -10
seen() { sed -n "s|^$1 $2 ||p" "$T/seen"; }
tt=0; tf=0; te=0; tk=0
for c in $cases; do
	want=$(expected "$R/$c.json")
	expect_eq "$c: junit2json reads the suite's counts as the result JSON's" "$(seen "$R/$c.xml" junit2json)" "$want"
	expect_eq "$c: junit2json's testcases add up to them" "$(seen "$R/$c.xml" junit2json-cases)" "$want"
	expect_eq "$c: test-results-parser's totals" "$(seen "$R/$c.xml" test-results-parser)" "$want"
	expect_eq "$c: test-results-parser's testcase statuses" "$(seen "$R/$c.xml" test-results-parser-cases)" \
		"$(expected "$R/$c.json" fail-merged)"
	set -- $(echo "$want" | tr '=' ' ')
	tt=$((tt + $2)); tf=$((tf + $4)); te=$((te + $6)); tk=$((tk + $8))
done
expect_eq "junit-report-merger's merged totals are the sums" "$(seen MERGED junit-report-merger)" \
	"tests=$tt failures=$tf errors=$te skipped=$tk"
# (merged.xml is junit-report-merger's own output, not qgate's: not schema-checked)
# The cases cover what a consumer can get wrong: failures, errors, skips.
expect_eq "the cases hold failures, errors and skips" \
	"$([ "$tf" -gt 0 ] && [ "$te" -gt 0 ] && [ "$tk" -gt 0 ] && echo yes)" "yes"
done_testing
