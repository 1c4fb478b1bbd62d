#!/bin/sh
# t_lint_sarif.sh -- qgate-lint --sarif read by the official SARIF validator
#
# Every SARIF file qgate-lint writes here goes through Microsoft's validator
# (npm @microsoft/sarif-multitool, `validate --rule-kind "Gh;Sarif"`: the
# SARIF spec rules plus GitHub code scanning's ingestion rules) with zero
# errors required, and through the OASIS 2.1.0 JSON Schema in
# ../shared/schemas (Debian's python3-jsonschema, draft 4). Cases: built-in
# findings in a scratch repository (paths with spaces and non-ASCII, a
# secret that must not appear), the baseline (old findings written as
# accepted external suppressions, new ones open), every ingestible peer SARIF
# in ../shared/peer-reports round-tripped through --input --parser sarif
# --sarif with its counts preserved when read back, more than 20 tools
# (merged into the 20th run), 25,001 findings (25,000 written, the rest
# counted in the run), and the logs of the writer's own unit test (limits,
# gzip cap, escaping, random bytes) when that binary is built.
#
# The validator is installed once into build/npm-sarif (QG_NPM_SARIF_DIR).
# It is run once over every log (it takes seconds to start), directly, not
# through `npx sarif-multitool`: the npm wrapper
# (bin.js) passes its arguments through a shell, which splits "Gh;Sarif" at
# the ';'. It exits 0 even when it finds errors, so the errors are counted
# in the SARIF log it writes (-o). Without node, npm or the registry the
# validator checks skip loudly; under QG_REQUIRE_SCHEMAS=1 (.ci/run) a
# missing validator or schema is a failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lint_outputs_repo.sh"

NPM_DIR=${QG_NPM_SARIF_DIR:-$QG_ROOT/build/npm-sarif}
PKG=@microsoft/sarif-multitool@5.7.0
SCHEMA=$SHARED/schemas/sarif-schema-2.1.0.json
PEER=$SHARED/peer-reports

validator=
if [ ! -f "$NPM_DIR/node_modules/@microsoft/sarif-multitool/package.json" ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$NPM_DIR"
	npm install --loglevel=error --no-audit --no-fund --prefix "$NPM_DIR" "$PKG" >"$T/npm.log" 2>&1
fi
if command -v node >/dev/null 2>&1 && [ -f "$NPM_DIR/node_modules/@microsoft/sarif-multitool/package.json" ]; then
	# the platform package's native executable, as the wrapper finds it
	validator=$(node -e 'process.stdout.write(require(process.argv[1]))' \
		"$NPM_DIR/node_modules/@microsoft/sarif-multitool" 2>/dev/null)
	[ -x "$validator" ] || validator=
fi
if [ -z "$validator" ]; then
	why="SARIF validator ($PKG) unavailable (node: $(command -v node || echo missing); npm: $(command -v npm >/dev/null && { grep -m1 'ERR' "$T/npm.log" 2>/dev/null || echo "install failed"; } || echo missing))"
	if [ "${QG_REQUIRE_SCHEMAS:-}" = 1 ]; then
		not_ok "QG_REQUIRE_SCHEMAS=1 and $why"
	else
		skip "$why: OFFICIAL SARIF VALIDATION NOT RUN"
	fi
fi

# sarif_ok NAME FILE: queue FILE for the validator (a copy: later cases
# reuse the names); validate_queued runs it once over all of them (it takes
# seconds to start) and requires zero errors with GitHub's rules for each.
mkdir -p "$T/vq"
_vq=0
sarif_ok() {
	[ -n "$validator" ] || return 0
	_vq=$((_vq + 1))
	cp "$2" "$T/vq/$_vq.sarif"
	printf '%s\t%s\n' "$_vq" "$1" >>"$T/vq.list"
}
validate_queued() {
	[ -n "$validator" ] && [ -s "$T/vq.list" ] || return 0
	rm -f "$T/val.sarif"
	# shellcheck disable=SC2046
	"$validator" validate --rule-kind "Gh;Sarif" --log ForceOverwrite -o "$T/val.sarif" \
		$(cut -f1 "$T/vq.list" | sed "s|^|$T/vq/|; s|\$|.sarif|") >"$T/val.txt" 2>&1
	_vrc=$?
	_scanned=$(sed -n 's/^Done\. \([0-9]*\) files* scanned.*/\1/p' "$T/val.txt")
	expect_eq "sarif-multitool ran (exit 0) over all $_vq logs" "$_vrc $_scanned" "0 $_vq"
	if "$DEBIAN_PY" - "$T/val.sarif" "$T/vq.list" >"$T/val.per" 2>&1 <<'EOP'
import json, sys
from urllib.parse import unquote
d = json.load(open(sys.argv[1]))
errs = {}
for run in d["runs"]:
    for x in run.get("results", []):
        if x.get("level", "warning") != "error":
            continue
        uri = unquote(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        n = uri.rsplit("/", 1)[-1].split(".")[0]
        errs.setdefault(n, []).append(x["ruleId"] + ": " + x["message"].get("text", str(x["message"].get("arguments")))[:240])
for line in open(sys.argv[2]):
    n, name = line.rstrip("\n").split("\t", 1)
    e = errs.get(n, [])
    print(f"{'ok' if not e else 'bad'}\t{name}\t{len(e)}\t{' | '.join(e[:3])}")
EOP
	then :; else
		not_ok "the validator's log is unreadable"; sed 's/^/#   /' "$T/val.per" | head -5; return
	fi
	while IFS='	' read -r _st _name _cnt _what; do
		if [ "$_st" = ok ]; then ok "$_name: sarif-multitool validate --rule-kind Gh;Sarif: 0 errors"
		else not_ok "$_name: sarif-multitool: $_cnt errors: $_what"; fi
	done <"$T/val.per"
}
# schema_ok NAME FILE...: against the OASIS 2.1.0 schema (draft 4).
schema_ok() {
	_name=$1; shift
	if [ ! -f "$SCHEMA" ]; then
		if [ "${QG_REQUIRE_SCHEMAS:-}" = 1 ]; then not_ok "$_name: QG_REQUIRE_SCHEMAS=1 and $SCHEMA is missing"
		else skip "$_name: $SCHEMA not present, SARIF schema validation NOT RUN"; fi
		return
	fi
	if "$DEBIAN_PY" - "$SCHEMA" "$@" >"$T/schema.txt" 2>&1 <<'EOP'
import json, sys, jsonschema
v = jsonschema.Draft4Validator(json.load(open(sys.argv[1])))
bad = 0
for p in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(p))):
        print(f"{p}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
        bad += 1
sys.exit(1 if bad else 0)
EOP
	then ok "$_name: valid against the SARIF 2.1.0 schema"
	else not_ok "$_name: not valid against the SARIF 2.1.0 schema"; head -5 "$T/schema.txt" | sed 's/^/#   /'; fi
}
# py FILE EXPR: evaluate a Python expression over the JSON document d.
py() { json_get "$1" "$2"; }
# counts FILE: "errors warnings notes suppressed" the way the contract counts a SARIF log
counts() {
	"$DEBIAN_PY" - "$1" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
e = w = n = s = 0
for run in d["runs"]:
    rules = run["tool"]["driver"].get("rules", [])
    for r in run.get("results") or []:
        if r.get("kind", "fail") != "fail":
            continue
        if any(x.get("status", "accepted") == "accepted" for x in r.get("suppressions", [])):
            s += 1
            continue
        lv = r.get("level")
        if lv is None and "ruleIndex" in r and r["ruleIndex"] < len(rules):
            lv = rules[r["ruleIndex"]].get("defaultConfiguration", {}).get("level")
        lv = lv or "warning"
        if lv == "error": e += 1
        elif lv == "warning": w += 1
        else: n += 1
print(e, w, n, s)
EOP
}
metrics() { py "$1" '" ".join(str(d["metrics"][k]) for k in ("errors","warnings","notes"))'; }

# 1. built-in findings in a scratch repository
R=$T/repo
planted_repo "$R"
(cd "$R" && qgate-lint --builtin=all --branch nobranch --sarif "$T/b.sarif" --json "$T/b.json") >"$T/out" 2>"$T/err"
expect_eq "builtin: exit 1 on planted problems" "$?" 1
validate_result "builtin" "$T/b.json"
sarif_ok "builtin" "$T/b.sarif"
schema_ok "builtin" "$T/b.sarif"
expect_eq "builtin: SARIF counts = result metrics" "$(counts "$T/b.sarif")" "$(metrics "$T/b.json") 0"
# --out DIR: lint.json, lint.xml and lint.sarif side by side (contract §2)
(cd "$R" && qgate-lint --builtin=all --branch nobranch --out "$T/outdir") >"$T/out" 2>"$T/err"
expect_eq "--out: exit 1 on planted problems" "$?" 1
expect_eq "--out: lint.json, lint.sarif, lint.xml" "$(ls "$T/outdir" | tr '\n' ' ')" "lint.json lint.sarif lint.xml "
schema_ok "--out lint.sarif" "$T/outdir/lint.sarif"
expect_eq "--out: the same results as --sarif" "$(counts "$T/outdir/lint.sarif")" "$(counts "$T/b.sarif")"
# --sarif and --codequality inside a fresh --out DIR: the folder is made first
(cd "$R" && qgate-lint --builtin=all --branch nobranch --out "$T/fresh" --sarif "$T/fresh/x.sarif" \
	--codequality "$T/fresh/cq.json") >"$T/out" 2>"$T/err"
expect_eq "--sarif into a fresh --out DIR: exit 1 on planted problems" "$?" 1
expect_eq "--sarif into a fresh --out DIR: every report written" "$(ls "$T/fresh" | tr '\n' ' ')" \
	"cq.json lint.json lint.sarif lint.xml x.sarif "
expect_eq "builtin: one run, tool builtin" "$(py "$T/b.sarif" '[r["tool"]["driver"]["name"] for r in d["runs"]]')" '["builtin"]'
expect_eq "builtin: automationDetails" "$(py "$T/b.sarif" 'd["runs"][0]["automationDetails"]["id"]')" "qgate-lint/builtin/"
expect_eq "builtin: %SRCROOT% is the work tree" \
	"$(py "$T/b.sarif" 'd["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]')" "file://$(cd "$R" && pwd -P)/"
expect_eq "builtin: every enabled check is a rule with help" \
	"$(py "$T/b.sarif" 'all(r["help"]["text"] and r["fullDescription"]["text"] for r in d["runs"][0]["tool"]["driver"]["rules"]) and len(d["runs"][0]["tool"]["driver"]["rules"]) >= 17')" true
expect_eq "builtin: paths percent-encoded, relative to %SRCROOT%" \
	"$(py "$T/b.sarif" 'sorted({l["physicalLocation"]["artifactLocation"]["uri"] for x in d["runs"][0]["results"] for l in x["locations"] if l["physicalLocation"]["artifactLocation"].get("uriBaseId") == "%SRCROOT%"})')" \
	'["a.txt", "caf%C3%A9.txt", "d.json", "s.cfg", "sub%20dir/sp%20ace.txt"]'
expect_eq "builtin: ruleIndex points at the rule" \
	"$(py "$T/b.sarif" 'all(d["runs"][0]["tool"]["driver"]["rules"][x["ruleIndex"]]["id"] == x["ruleId"] for x in d["runs"][0]["results"])')" true
expect_eq "builtin: every result has a qgate fingerprint" \
	"$(py "$T/b.sarif" 'all(len(x["partialFingerprints"]["qgateFingerprint/v1"]) >= 16 for x in d["runs"][0]["results"])')" true
expect_eq "builtin: trailing whitespace at line 1 column 6" \
	"$(py "$T/b.sarif" '[(l["physicalLocation"]["region"]["startLine"], l["physicalLocation"]["region"].get("startColumn")) for x in d["runs"][0]["results"] for l in x["locations"] if x["ruleId"] == "trailing-whitespace" and l["physicalLocation"]["artifactLocation"]["uri"] == "a.txt"]')" '[[1, 6]]'
# the built-in checks count bytes; SARIF columns are UTF-16 code units:
# "café " has its space at byte 6 = unit 5, U+1F600 (4 bytes, 2 units) + "x"
# puts the tab at byte 6 = unit 4
expect_eq "builtin: byte columns become UTF-16 columns" \
	"$(py "$T/b.sarif" '[l["physicalLocation"]["region"].get("startColumn") for x in d["runs"][0]["results"] for l in x["locations"] if l["physicalLocation"]["artifactLocation"]["uri"] == "caf%C3%A9.txt"]')" '[5, 4]'
expect_eq "builtin: the result JSON keeps byte columns" \
	"$(py "$T/b.json" '[l["column"] for c in d["checks"] for l in c.get("locations", []) if l["file"].startswith("caf")]')" '[6, 6]'
expect_no_grep "builtin: the secret is not in the SARIF" 'AKIAIOSFODNN7EXAMPLE' "$T/b.sarif"

# 2. the baseline: old findings are accepted suppressions, a new one is open
(cd "$R" && qgate-lint --builtin --branch nobranch --write-baseline "$T/base.json" --json "$T/b0.json") >/dev/null 2>&1
printf 'new  \n' >>"$R/a.txt"
git -C "$R" add a.txt
(cd "$R" && qgate-lint --builtin --branch nobranch --baseline "$T/base.json" --sarif "$T/bl.sarif" --json "$T/bl.json") >"$T/out" 2>"$T/err"
expect_eq "baseline: exit 1 (one new finding)" "$?" 1
sarif_ok "baseline" "$T/bl.sarif"
schema_ok "baseline" "$T/bl.sarif"
old=$(py "$T/b0.json" 'd["metrics"]["errors"] + d["metrics"]["warnings"] + d["metrics"]["notes"]')
expect_eq "baseline: the new one is open, the $old old ones accepted" "$(counts "$T/bl.sarif")" "$(metrics "$T/bl.json") $old"
expect_eq "baseline: suppressions are external/accepted with a justification" \
	"$(py "$T/bl.sarif" 'sorted({(s["kind"], s["status"], "baseline" in s["justification"]) for x in d["runs"][0]["results"] for s in x.get("suppressions", [])})')" \
	'[["external", "accepted", true]]'
expect_eq "baseline: the open one is a.txt line 3" \
	"$(py "$T/bl.sarif" '[(x["ruleId"], x["locations"][0]["physicalLocation"]["region"]["startLine"]) for x in d["runs"][0]["results"] if not x.get("suppressions")]')" \
	'[["trailing-whitespace", 3]]'

# 3. peer SARIF round trip: ingest, write, validate, read back the same counts
if [ ! -d "$PEER/sarif" ]; then
	if [ "${QG_REQUIRE_SCHEMAS:-}" = 1 ]; then not_ok "QG_REQUIRE_SCHEMAS=1 and $PEER is missing"
	else skip "$PEER not present: PEER SARIF ROUND TRIP NOT RUN"; fi
else
	for f in "$PEER"/sarif/*; do
		b=$(basename "$f")
		row=$(grep -F "sarif/$b	" "$PEER/MANIFEST.tsv")
		[ "$(printf '%s' "$row" | cut -f9)" = yes ] || continue
		case $(printf '%s' "$row" | cut -f10) in *tool_error*) continue ;; esac
		want=$(printf '%s' "$row" | cut -f8 | tr / ' ')
		(cd "$R" && qgate-lint --input "$f" --parser sarif --sarif "$T/p.sarif" --json "$T/p.json") >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -eq 3 ]; then
			# the reader refuses it (t_lint_parse judges that): nothing to write
			diag "peer $b: qgate-lint refuses it (exit 3), not round-tripped: $(head -c 160 "$T/err")"
			continue
		fi
		first=$(counts "$T/p.sarif")
		expect_eq "peer $b: written SARIF counts $want (manifest)" "${first% *}" "$want"
		sarif_ok "peer $b" "$T/p.sarif"
		schema_ok "peer $b" "$T/p.sarif"
		(cd "$R" && qgate-lint --input "$T/p.sarif" --parser sarif --json "$T/p2.json") >"$T/out" 2>"$T/err"
		expect_eq "peer $b: read back, exit $rc again" "$?" "$rc"
		expect_eq "peer $b: read back, same counts" "$(metrics "$T/p2.json")" "$(metrics "$T/p.json")"
		expect_eq "peer $b: read back, same rules" \
			"$(py "$T/p2.json" 'sorted(c["id"] for c in d["checks"])')" "$(py "$T/p.json" 'sorted(c["id"] for c in d["checks"])')"
	done
fi

# 4. 21 tools: the first 19 keep their runs, the rest share the 20th
args=
i=1
while [ "$i" -le 21 ]; do
	cat >"$T/tool$i.sarif" <<EOF
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "tool$i", "version": "1.$i",
 "rules": [{"id": "R$i", "shortDescription": {"text": "rule $i"}, "defaultConfiguration": {"level": "warning"}}]}},
 "results": [{"ruleId": "R$i", "ruleIndex": 0, "message": {"text": "finding of tool $i"},
  "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.txt"}, "region": {"startLine": 1}}}]}]}]}
EOF
	args="$args --input $T/tool$i.sarif --parser sarif"
	i=$((i + 1))
done
# shellcheck disable=SC2086
(cd "$R" && qgate-lint $args --max-warnings 100 --sarif "$T/m.sarif" --json "$T/m.json") >"$T/out" 2>"$T/err"
expect_eq "21 tools: exit 0 (warnings within budget)" "$?" 0
sarif_ok "21 tools" "$T/m.sarif"
schema_ok "21 tools" "$T/m.sarif"
expect_eq "21 tools: 20 runs, the last merged" \
	"$(py "$T/m.sarif" '(len(d["runs"]), d["runs"][18]["tool"]["driver"]["name"], d["runs"][19]["tool"]["driver"]["name"])')" \
	'[20, "tool19", "qgate-lint"]'
expect_eq "21 tools: merged rules keep their tool" \
	"$(py "$T/m.sarif" 'sorted(r["id"] for r in d["runs"][19]["tool"]["driver"]["rules"])')" '["tool20/R20", "tool21/R21"]'
expect_eq "21 tools: every finding written" "$(counts "$T/m.sarif")" "0 21 0 0"

# 5. 25,001 findings of one tool: 25,000 written, one counted
awk 'BEGIN { for (i = 1; i <= 25001; i++) printf "a.txt:%d:1: warning: finding %d [-Wmany]\n", i, i }' >"$T/many.txt"
(cd "$R" && qgate-lint --input "$T/many.txt" --parser gcc --max-warnings 30000 --sarif "$T/many.sarif" --json "$T/many.json") >"$T/out" 2>"$T/err"
expect_eq "25,001 findings: exit 0" "$?" 0
expect_eq "25,001 findings: 25,000 results, 1 dropped and said so" \
	"$(py "$T/many.sarif" '(len(d["runs"][0]["results"]), d["runs"][0]["properties"]["qgate/resultsDropped"], d["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["level"])')" \
	'[25000, 1, "warning"]'
expect_grep "25,001 findings: a warning on stderr" "1 SARIF results left out" "$T/err"
# the official validator takes minutes on 25,000 results; the schema is enough here
schema_ok "25,001 findings" "$T/many.sarif"

# 6. the writer's own logs (tests/unit/test_sarif): limits, gzip cap, escaping, random bytes
UT=${QG_BUILD:-$QG_ROOT/build}/tests/unit/test_sarif
if [ -x "$UT" ]; then
	mkdir -p "$T/keep"
	QG_SARIF_KEEP=$T/keep "$UT" >"$T/ut.out" 2>&1
	expect_eq "test_sarif runs" "$?" 0
	for f in structure escaping runs gzip fuzz; do
		sarif_ok "test_sarif $f.sarif" "$T/keep/$f.sarif"
	done
	schema_ok "test_sarif logs" "$T/keep"/*.sarif
else
	skip "$UT not built: the writer's own logs NOT VALIDATED"
fi

validate_queued

# 7. the validator catches a bad log (the checks above can fail)
if [ -n "$validator" ] && [ -f "$PEER/sarif/sarif-tutorials__Suppressions.sarif" ]; then
	"$validator" validate --rule-kind "Gh;Sarif" --log ForceOverwrite -o "$T/val.sarif" \
		"$PEER/sarif/sarif-tutorials__Suppressions.sarif" >/dev/null 2>&1
	expect_eq "the validator reports errors in a log GitHub would refuse" \
		"$(py "$T/val.sarif" 'sum(1 for x in d["runs"][0]["results"] if x.get("level") == "error") > 0')" true
fi

done_testing
