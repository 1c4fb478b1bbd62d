#!/bin/sh
# t_data_summary.sh -- the GitHub step summary and the text report list
# failing checks first, then errors, then passes and skips (issue 12), with
# the failures' locations (file:line:column and message) in the summary;
# a run with thousands of failing checks keeps the summary under GitHub's
# 1 MiB, the failures still first.
. "$(dirname "$0")/lib.sh"

# gh ARGS...: run qgate-data as a GitHub Actions step; summary in $T/sum.md
gh() {
	: >"$T/sum.md"
	: >"$T/ghout"
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$T/sum.md" GITHUB_OUTPUT="$T/ghout" GITHUB_WORKSPACE="$T" \
		qgate-data "$@" >"$T/gh.stdout" 2>"$T/gh.stderr"
}
# line_of PATTERN FILE: the first line number matching PATTERN (grep -E), 0 when none
line_of() { _l=$(grep -En -- "$1" "$2" | head -1 | cut -d: -f1); echo "${_l:-0}"; }
# before NAME A B FILE: the first line matching A comes before the first matching B
before() {
	_a=$(line_of "$2" "$4"); _b=$(line_of "$3" "$4")
	if [ "$_a" -gt 0 ] && [ "$_b" -gt 0 ] && [ "$_a" -lt "$_b" ]; then ok "$1"; else
		not_ok "$1: /$2/ at line $_a, /$3/ at line $_b in $4"; sed 's/^/#   /' "$4" | head -40; fi
}

# the schema lists passing fields first, failing ones last
cat >"$T/s.json" <<'JSON'
{"fields": [{"name": "id", "type": "integer"},
            {"name": "name", "type": "string"},
            {"name": "age", "type": "integer", "constraints": {"maximum": 50}},
            {"name": "email", "type": "string", "format": "email"}]}
JSON
printf 'id,name,age,email\n1,ann,30,a@x.org\n2,bob,70,b@x.org\n3,cy,20,nope\n4,dee,99,d@x.org\n' >"$T/d.csv"
gh validate --schema "$T/s.json" "$T/d.csv" --json "$T/r.json"
expect_eq "github step: exit 1" "$?" "1"
validate_result "result" "$T/r.json"
expect_grep "the summary has the verdict" '^### .* qgate-data: FAIL' "$T/sum.md"
before "a failing check comes before the first passing one" '^\| ❌ fail \| field\.age\.maximum' '^\| ✅ pass \|' "$T/sum.md"
before "both failing checks come before any pass" '^\| ❌ fail \| field\.email\.type' '^\| ✅ pass \| table\.header' "$T/sum.md"
before "the failures' locations come before the passes" '^- d\.csv:3:' '^\| ✅ pass \|' "$T/sum.md"
expect_grep "a location: file:line:column and message (workspace-relative)" \
	'^- d\.csv:3:7: value "70" above maximum 50$' "$T/sum.md"
expect_grep "the second location of the same check" '^- d\.csv:5:7: value "99" above maximum 50$' "$T/sum.md"
expect_grep "the other check's location" '^- d\.csv:4:9: value "nope" ' "$T/sum.md"
before "the locations are under their check's id" '^\*\*field\.age\.maximum\*\*' '^- d\.csv:3:7:' "$T/sum.md"
expect_eq "every check in the summary once" "$(grep -Ec '^\| (✅|❌|⏭️|⚠️) ' "$T/sum.md")" \
	"$(json_get "$T/r.json" 'len(d["checks"])')"

# the text report: failing checks first too, in the gate's order among them
qgate-data validate --schema "$T/s.json" "$T/d.csv" >"$T/text.out" 2>&1
before "text: a failing check before the first pass" '^  FAIL +field\.age\.maximum' '^  PASS ' "$T/text.out"
before "text: failures in the gate's order" '^  FAIL +field\.age\.maximum' '^  FAIL +field\.email\.type' "$T/text.out"
expect_grep "text: the location under the failing check" '^ +.*d\.csv:3:7: value "70" above maximum 50' "$T/text.out"
before "text: the location right after its check" '^ +.*d\.csv:3:7:' '^  FAIL +field\.email\.type' "$T/text.out"

# errors after failures: a JSONL line that cannot be read is an error of
# the run (exit 3); its summary names the error first
printf '{"id": 1}\n{"id": \n' >"$T/bad.jsonl"
gh validate --schema "$T/s.json" "$T/bad.jsonl" --json "$T/e.json"
_rc=$?
if [ "$_rc" -eq 1 ] || [ "$_rc" -eq 3 ]; then ok "a malformed JSONL line: exit $_rc"; else not_ok "a malformed JSONL line: exit $_rc"; fi
expect_file "the summary is written for it too" "$T/sum.md"

# thousands of failing checks: under 1 MiB, failures first, the cut said
"$DEBIAN_PY" - "$T" <<'PY'
import json, sys
t = sys.argv[1]
n = 3000
fields = [{"name": "c%d" % i, "type": "integer", "constraints": {"maximum": 5}} for i in range(n)]
json.dump({"fields": fields}, open(t + "/wide.json", "w"))
with open(t + "/wide.csv", "w") as f:
    f.write(",".join("c%d" % i for i in range(n)) + "\n")
    for r in range(12):
        f.write(",".join("9" if r % 2 else "1" for i in range(n)) + "\n")
PY
gh validate --schema "$T/wide.json" "$T/wide.csv" --no-hash --json "$T/w.json"
expect_eq "wide: exit 1" "$?" "1"
size=$(wc -c <"$T/sum.md")
if [ "$size" -lt 1048576 ] && [ "$size" -gt 500000 ]; then ok "wide: summary under 1 MiB ($size bytes)"; else
	not_ok "wide: summary $size bytes"; fi
expect_grep "wide: the cut is said" 'not shown|truncated' "$T/sum.md"
expect_grep "wide: the first row is the first failure" '^\| ❌ fail \| field\.c0\.maximum \|' "$T/sum.md"
expect_eq "wide: no pass before the last failure shown" \
	"$(awk '/^\| ❌ fail/{f=NR} /^\| ✅ pass/ && !p{p=NR} END{print (p && p < f) ? "pass first" : "ok"}' "$T/sum.md")" "ok"
expect_eq "wide: the rows shown are failures (the budget goes to them)" \
	"$(grep -c '^| ❌ fail' "$T/sum.md" | awk '{print ($1 > 1000) ? "many" : $1}')" "many"
expect_grep "wide: their locations too" '^- wide\.csv:3:1: value "9" above maximum 5$' "$T/sum.md"

done_testing
