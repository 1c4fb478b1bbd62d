#!/bin/sh
# t_data_drift.sh -- qgate-data drift: exit codes, GitHub warnings, reports, and
# the PSI/KS/JS numbers cross-checked with numpy/scipy (data_drift_check.py
# states the tolerances: 1e-9 for PSI, JS and the bin fractions, which the
# gate counts exactly; the KLL bound for KS, which comes from the sketches).
. "$(dirname "$0")/lib.sh"
E=$QG_ROOT/tests/e2e

"$DEBIAN_PY" "$E/data_drift_gen.py" "$T" || { not_ok "generate data"; done_testing; exit 1; }
expect_exit 0 "baseline profile" qgate-data profile "$T/base.csv" --profile-out "$T/base.json" -q

# no drift: exit 0, every check passes without a warning
expect_exit 0 "same distribution passes" qgate-data drift --baseline "$T/base.json" "$T/same.csv" \
	--json "$T/same.json" --junit "$T/same.xml"
validate_result "same.json" "$T/same.json"
validate_junit "same.xml" "$T/same.xml"
expect_eq "five drift checks, the id column skipped" "$(json_get "$T/same.json" '[c["status"] for c in d["checks"]]')" '["pass", "pass", "pass", "pass", "skip"]'
expect_eq "none failed" "$(json_get "$T/same.json" 'd["summary"]["failed"]')" 0
expect_eq "details carry psi/ks/js/rows/bins" \
	"$(json_get "$T/same.json" 'sorted(k for k in ("psi","ks","js","baseline_rows","current_rows","bins") if k in [c for c in d["checks"] if c["id"]=="drift.x"][0])')" \
	'["baseline_rows", "bins", "current_rows", "js", "ks", "psi"]'
expect_eq "baseline rows" "$(json_get "$T/same.json" '[c for c in d["checks"] if c["id"]=="drift.x"][0]["baseline_rows"]')" 20000

# a moderate shift: PSI between --psi-warn and --psi-max -> exit 0 with ::warning
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_out GITHUB_STEP_SUMMARY=$T/gh_sum \
	expect_exit 0 "warning level passes" qgate-data drift --baseline "$T/base.json" "$T/warn.csv" --json "$T/warn.json"
expect_grep "github warning annotation for x" '^::warning.*drift\.x' "$T/out"
expect_no_grep "no github error annotation" '^::error' "$T/out"
expect_grep "GITHUB_OUTPUT names the drifted field" '^drifted=.*x' "$T/gh_out"
expect_eq "x psi within warn band" \
	"$(json_get "$T/warn.json" '0.1 < [c for c in d["checks"] if c["id"]=="drift.x"][0]["psi"] <= 0.25')" true
validate_result "warn.json" "$T/warn.json"
if "$DEBIAN_PY" "$E/data_drift_check.py" "$T/warn.json" "$T/base.csv" "$T/warn.csv" >"$T/scipy1" 2>&1; then
	ok "warn.csv: PSI, KS, JS agree with scipy"; else not_ok "warn.csv: scipy disagrees"; fi
sed 's/^/# /' "$T/scipy1"

# a large shift and a new category: exit 1
expect_exit 1 "drift fails" qgate-data drift --baseline "$T/base.json" "$T/drift.csv" --json "$T/drift.json" \
	--junit "$T/drift.xml"
validate_result "drift.json" "$T/drift.json"
validate_junit "drift.xml" "$T/drift.xml"
expect_eq "x fails" "$(json_get "$T/drift.json" '[c["status"] for c in d["checks"] if c["id"]=="drift.x"][0]')" fail
expect_eq "cat fails" "$(json_get "$T/drift.json" '[c["status"] for c in d["checks"] if c["id"]=="drift.cat"][0]')" fail
expect_eq "flag passes" "$(json_get "$T/drift.json" '[c["status"] for c in d["checks"] if c["id"]=="drift.flag"][0]')" pass
expect_eq "new category pooled in other" \
	"$(json_get "$T/drift.json" '[c for c in d["checks"] if c["id"]=="drift.cat"][0]["categories"][-1]')" "(other)"
if "$DEBIAN_PY" "$E/data_drift_check.py" "$T/drift.json" "$T/base.csv" "$T/drift.csv" >"$T/scipy2" 2>&1; then
	ok "drift.csv: PSI, KS, JS agree with scipy"; else not_ok "drift.csv: scipy disagrees"; fi
sed 's/^/# /' "$T/scipy2"

# thresholds
expect_exit 0 "--psi-max raised: passes" qgate-data drift --baseline "$T/base.json" "$T/warn.csv" --psi-warn 0.3 --psi-max 0.5
expect_exit 1 "--ks-max below the observed KS fails" qgate-data drift --baseline "$T/base.json" "$T/warn.csv" \
	--psi-max 10 --psi-warn 10 --ks-max 0.05
expect_exit 1 "--js-max on categories" qgate-data drift --baseline "$T/base.json" "$T/drift.csv" --psi-max 1000 \
	--psi-warn 1000 --js-max 0.01 --json "$T/js.json"
expect_eq "JS fails the shifted categories, not the flag" \
	"$(json_get "$T/js.json" '["drift.cat" in f and "drift.flag" not in f for f in [[c["id"] for c in d["checks"] if c["status"]=="fail"]]][0]')" true

# a current profile instead of data (sketch-derived fractions)
expect_exit 0 "current profile" qgate-data profile "$T/drift.csv" --profile-out "$T/cur.json" -q
expect_exit 1 "drift from --current-profile" qgate-data drift --baseline "$T/base.json" --current-profile "$T/cur.json"
expect_exit 0 "no drift from a profile of same.csv" sh -c \
	"qgate-data profile '$T/same.csv' --profile-out '$T/same.prof.json' -q && qgate-data drift --baseline '$T/base.json' --current-profile '$T/same.prof.json'"

# sharded drift (-j and --shard) decides the same
expect_exit 1 "drift with -j 2" qgate-data drift --baseline "$T/base.json" -j 2 "$T/drift.csv" --json "$T/j2.json"
expect_eq "-j 2 gives the same PSI" "$(json_get "$T/j2.json" '[round(c["psi"],12) for c in d["checks"] if c["id"]=="drift.x"][0]')" \
	"$(json_get "$T/drift.json" '[round(c["psi"],12) for c in d["checks"] if c["id"]=="drift.x"][0]')"

# usage and bad baselines
expect_exit 2 "--psi-warn above --psi-max" qgate-data drift --baseline "$T/base.json" --psi-warn 0.5 --psi-max 0.2 "$T/same.csv"
expect_exit 2 "no DATA" qgate-data drift --baseline "$T/base.json"
expect_exit 2 "DATA and --current-profile" qgate-data drift --baseline "$T/base.json" --current-profile "$T/cur.json" "$T/same.csv"
expect_exit 2 "no --baseline" qgate-data drift "$T/same.csv"
expect_exit 2 "bad number" qgate-data drift --baseline "$T/base.json" --psi-max 0.2x "$T/same.csv"
expect_exit 3 "missing baseline" qgate-data drift --baseline "$T/nope.json" "$T/same.csv"
cat "$T/out" "$T/err" >"$T/both"
expect_grep "message names the baseline" "nope.json" "$T/both"
printf '{"schema": "qgate.result/v1"}\n' >"$T/notprof.json"
expect_exit 3 "not a profile" qgate-data drift --baseline "$T/notprof.json" "$T/same.csv" --json "$T/bad.json"
cat "$T/out" "$T/err" >"$T/both"
expect_grep "message says what a profile is" "qgate.profile/v1" "$T/both"
validate_result "error result" "$T/bad.json"
printf '{"schema": "qgate.profile/v1", "rows": ' >"$T/trunc.json"
expect_exit 3 "malformed baseline JSON" qgate-data drift --baseline "$T/trunc.json" "$T/same.csv"
expect_exit 3 "missing DATA" qgate-data drift --baseline "$T/base.json" "$T/none.csv"
done_testing
