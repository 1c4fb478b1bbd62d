#!/bin/sh
# t_report.sh -- qgate report: the example gates' results on one page
#
# The example gates (data, drift, model, lint, test, deploy) run into a
# temporary folder, a `qgate run` stage runs into another; `qgate report`
# renders both as HTML and Markdown. The HTML is loaded in Debian's headless
# Chromium (--dump-dom) and checked for the verdict, the failing check ids,
# their locations and the SVG charts; the file must reference no http(s)
# resource and carry no script. 10,000 failing checks stay under 1 MB, a
# result from a future schema and a result that does not parse are exit 3
# naming the file, a symlink out of the folder is not followed, and the
# GitHub links appear when GITHUB_SERVER_URL, GITHUB_REPOSITORY and
# GITHUB_SHA are set.
. "$(dirname "$0")/lib.sh"

Q=$QG_BIN/qgate
D=$T/demo
mkdir -p "$D"
EX=$QG_ROOT/examples
CHROMIUM=/usr/bin/chromium

# ---- the example gates, each into $D ------------------------------------------------
for s in demo-data.sh demo-drift.sh demo-model.sh lint/demo.sh test/demo.sh deploy/demo.sh; do
	[ -f "$EX/$s" ] || { skip "example $s is missing"; continue; }
	(cd "$EX" && TMPDIR=$T sh "./$s" "$QG_BIN" "$D") >"$T/ex.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "example $s ran (exit 0)"; else
		not_ok "example $s: exit $rc"; tail -5 "$T/ex.log" | sed 's/^/#   /'; fi
done
for f in "$D"/*.json; do
	case $(json_get "$f" 'd.get("schema","")' 2>/dev/null) in
	qgate.result/v1) validate_result "$(basename "$f")" "$f" ;;
	esac
done

# ---- usage ------------------------------------------------------------------------------
expect_exit 2 "no folder is a usage error" "$Q" report
expect_grep "no folder: says so" "no folder named" "$T/err"
expect_exit 2 "two folders are a usage error" "$Q" report "$D" "$D"
expect_exit 2 "an unknown option is a usage error" "$Q" report "$D" --htlm x.html
expect_exit 2 "--html naming a folder is refused up front" "$Q" report "$D" --html "$T"
expect_exit 3 "a missing folder is exit 3" "$Q" report "$T/nowhere"
expect_grep "a missing folder: named" "nowhere" "$T/err"
expect_exit 0 "qgate report --help" "$Q" report --help
expect_grep "--help: the usage line" "^usage: qgate report DIR \[--html FILE\] \[--markdown FILE\]" "$T/out"
mkdir -p "$T/empty"
expect_exit 3 "a folder without results is exit 3" "$Q" report "$T/empty"
expect_grep "no results: says so" "no qgate results" "$T/err"

# ---- the text summary -----------------------------------------------------------------
expect_exit 0 "report with neither --html nor --markdown prints a summary (exit 0 on a failing verdict)" \
	"$Q" report "$D"
expect_grep "summary: the verdict" "^qgate report: .*: FAIL \(exit 1\)" "$T/out"
expect_grep "summary: where to ask for HTML" "--html" "$T/out"
expect_grep "summary: a failing check" "field.age.maximum" "$T/out"

# ---- HTML and Markdown ----------------------------------------------------------------
H=$T/report.html
M=$T/report.md
(unset GITHUB_SERVER_URL GITHUB_REPOSITORY GITHUB_SHA; "$Q" report "$D" --html "$H" --markdown "$M" >"$T/out" 2>"$T/err")
expect_eq "report --html --markdown exits 0" "$?" 0
expect_file "the HTML file is written" "$H"
expect_file "the Markdown file is written" "$M"
expect_grep "the HTML has the verdict banner" 'id="verdict"[^>]*>&#10008; FAIL' "$H"
expect_no_grep "the HTML has no script" "<script" "$H"
expect_no_grep "the HTML loads nothing: no src=/href= to http(s) without GitHub env" '(src|href|xlink:href)="https?:' "$H"
expect_no_grep "the HTML has no <link>, @import or url()" '<link|@import|url\(' "$H"
expect_no_grep "no GitHub links without the env" 'github.com' "$H"
expect_grep "Markdown: the verdict" '^# qgate report: .*FAIL' "$M"
expect_grep "Markdown: a failing check with its location" 'field.age.maximum.*data/batch-bad.csv:7' "$M"
expect_grep "Markdown: the model against the champion" '^## Model against the champion' "$M"
expect_grep "Markdown: drift per field" 'drift.age.*FAIL' "$M"
expect_grep "Markdown: lint by rule" 'lint.builtin.merge-conflict' "$M"
expect_grep "Markdown: flaky tests" 'test.bin/test_flaky.gcd_under_load' "$M"

if [ -f "$D/deploy-audit.jsonl" ]; then
	expect_grep "Markdown: the audit log's entries" '^\| 1 \| .* \| push \| .*\| staging \|' "$M"
	expect_grep "HTML: the audit log" '<h3>Audit log <code>deploy-audit.jsonl</code></h3>' "$H"
	mkdir -p "$T/audit2"
	sed 's#"qgate.audit/v1"#"qgate.audit/v2"#' "$D/deploy-audit.jsonl" >"$T/audit2/audit.jsonl"
	expect_exit 3 "an audit log of a future schema is exit 3" "$Q" report "$T/audit2"
	expect_grep "future audit log: named" "audit2/audit.jsonl':1: schema 'qgate.audit/v2'" "$T/err"
else
	skip "the deploy example wrote no audit log: audit history checks NOT RUN"
fi

if [ -x "$CHROMIUM" ]; then
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --dump-dom "file://$H" >"$T/dom.html" 2>"$T/chromium.err"
	expect_eq "chromium --dump-dom loads the report" "$?" 0
	expect_grep "dom: the verdict" "FAIL — a gate blocked this change" "$T/dom.html"
	for id in field.age.maximum field.plan.enum table.primary-key drift.age lint.builtin.merge-conflict \
		test.bin/test_flaky.gcd_under_load; do
		expect_grep "dom: failing check $id" ">$id<" "$T/dom.html"
	done
	expect_grep "dom: a location file:line:col" "data/batch-bad.csv:7:3" "$T/dom.html"
	expect_grep "dom: the model chart (SVG)" '<svg role="img" id="model-chart"' "$T/dom.html"
	expect_grep "dom: the model chart names a rule" 'metric.accuracy' "$T/dom.html"
	expect_grep "dom: drift charts per field" '<svg role="img" class="drift-chart"' "$T/dom.html"
	expect_grep "dom: drift statistic per field" 'id="drift-stats"' "$T/dom.html"
	expect_grep "dom: statuses in words beside colours" 'class="s s-fail">✘ FAIL' "$T/dom.html"
	expect_grep "dom: the deploy history" 'Deploy and audit history' "$T/dom.html"
else
	skip "$CHROMIUM is missing: headless Chromium checks NOT RUN (install the chromium package)"
fi

expect_exit 0 "the page's folder is made when missing" "$Q" report "$D" --html "$T/new/a/r.html" --markdown "$T/new/b/r.md"
expect_file "--html into a new folder" "$T/new/a/r.html"
expect_file "--markdown into a new folder" "$T/new/b/r.md"

# ---- GitHub links -------------------------------------------------------------------------
SHA=0123456789abcdef0123456789abcdef01234567
GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=octo/repo GITHUB_SHA=$SHA \
	expect_exit 0 "report with the GitHub env" "$Q" report "$D" --html "$T/gh.html" --markdown "$T/gh.md"
expect_grep "HTML links a location to its file and line on GitHub" \
	"href=\"https://github.com/octo/repo/blob/$SHA/data/batch-bad.csv#L7\"" "$T/gh.html"
expect_grep "Markdown links a location to its file and line on GitHub" \
	"\]\(https://github.com/octo/repo/blob/$SHA/data/batch-bad.csv#L7\)" "$T/gh.md"
expect_no_grep "with the env, still no src= to http(s)" '(src|xlink:href)="https?:' "$T/gh.html"

# ---- a qgate run folder -------------------------------------------------------------------
W=$T/pipe
mkdir -p "$W"
cp "$EX/data/train.csv" "$EX/data/batch-bad.csv" "$EX/data/train.schema.json" "$W/"
cat >"$W/qgate.json" <<'EOF'
{
  "pipeline": {
    "ci": [
      {"name": "data", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"]},
      {"name": "bad", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "batch-bad.csv"]},
      {"name": "after-bad", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"],
       "needs": ["bad"]}
    ]
  }
}
EOF
(cd "$W" && "$Q" run --config qgate.json --stage ci --out "$T/run") >"$T/run.log" 2>&1
rc=$?
if [ -f "$T/run/run.json" ]; then
	expect_eq "qgate run: exit 1 (a step failed)" "$rc" 1
	expect_exit 0 "report over a qgate run folder" "$Q" report "$T/run" --html "$T/run.html" --markdown "$T/run.md"
	expect_grep "run: the steps table" '<h2 id="steps">Steps</h2>' "$T/run.html"
	expect_grep "run: a step's reports in their own column" \
		'<td>bad</td>.*<td><code>bad/data-validate.json</code> <code>bad/data-validate.xml</code> </td><td>[^<]*</td></tr>' "$T/run.html"
	expect_grep "run: the skipped step with its reason" "after-bad .* skip .*needs .bad., which failed" "$T/run.md"
	expect_grep "run: the failing step's checks" 'field.age.maximum' "$T/run.md"
	expect_grep "run: a step report found as DIR/<step>/<gate>-<command>.json" 'bad/data-validate.json' "$T/run.md"
	# run.json names a report that is not there: exit 3 naming it
	cp -R "$T/run" "$T/run2"
	rm -f "$T/run2/bad/data-validate.json"
	expect_exit 3 "a report run.json lists is missing: exit 3" "$Q" report "$T/run2"
	expect_grep "missing step report: named" "bad/data-validate.json" "$T/err"
	# two runs in one folder: the page's verdict is the worst of them, whatever
	# their order, and each stage has its table
	cat >"$W/pass.json" <<'EOF'
{"pipeline": {"pre": [{"name": "ok", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"]}]}}
EOF
	(cd "$W" && "$Q" run --config pass.json --stage pre --out "$T/multi/a-first") >"$T/run.log" 2>&1
	expect_eq "a passing run: exit 0" "$?" 0
	cp -R "$T/run" "$T/multi/z-second"
	expect_exit 0 "report over two runs" "$Q" report "$T/multi" --html "$T/multi.html" --markdown "$T/multi.md"
	expect_grep "two runs: FAIL though the first one passed" '<title>qgate report: FAIL' "$T/multi.html"
	expect_grep "two runs: the passing stage's table" 'Stage <code>pre</code>' "$T/multi.html"
	expect_grep "two runs: the failing stage's table" 'Stage <code>ci</code>' "$T/multi.html"
	expect_grep "two runs: both stages in the Markdown" 'Stage `ci`' "$T/multi.md"
else
	skip "qgate run wrote no run.json (exit $rc): run-folder checks NOT RUN"
	sed 's/^/#   /' "$T/run.log" | head -5
fi

# ---- slowest tests from qgate-test's case lines -------------------------------------------------
mkdir -p "$T/slow"
cat >"$T/slow/j.xml" <<'EOF'
<testsuites><testsuite name="s" tests="3" failures="0"><testcase classname="pkg.A" name="fast" time="0.010"/><testcase classname="pkg.A" name="slow" time="2.5"/><testcase classname="pkg.B" name="mid" time="0.3"/></testsuite></testsuites>
EOF
expect_exit 0 "qgate-test reads a JUnit report with times" qgate-test --junit-in "$T/slow/j.xml" --out "$T/slow/out"
validate_result "the timed test result" "$T/slow/out/test.json"
expect_exit 0 "report over the timed tests" "$Q" report "$T/slow/out" --markdown "$T/slow.md" --html "$T/slow.html"
expect_eq "Markdown: slowest tests, slowest first" \
	"$(grep -E '^\| `test\.pkg' "$T/slow.md" | tr -d ' ' | tr '\n' ';')" \
	'|`test.pkg.A.slow`|2500|;|`test.pkg.B.mid`|300|;|`test.pkg.A.fast`|10|;'
expect_grep "HTML: the slowest tests table" '<h3>Slowest tests</h3>' "$T/slow.html"
expect_grep "HTML: verdict PASS" 'id="verdict"[^>]*>&#10004; PASS' "$T/slow.html"

# ---- bad input: exit 3 naming the file -------------------------------------------------------
mkdir -p "$T/future"
sed 's#"qgate.result/v1"#"qgate.result/v2"#' "$D/model-check.json" >"$T/future/model-check.json"
expect_exit 3 "a result from a future schema is exit 3" "$Q" report "$T/future" --html "$T/future.html"
expect_grep "future schema: names the file and the schema" "future/model-check.json.*qgate.result/v2" "$T/err"
expect_no_file "future schema: no HTML written" "$T/future.html"
mkdir -p "$T/broken"
head -c 200 "$D/model-check.json" >"$T/broken/model-check.json"
expect_exit 3 "a result that does not parse is exit 3" "$Q" report "$T/broken"
expect_grep "cut result: names the file" "broken/model-check.json" "$T/err"
mkdir -p "$T/other"
cp "$D/model-check.json" "$T/other/"
echo '{"fields": []}' >"$T/other/schema.json"
echo '{"schema": "qgate.profile/v1"}' >"$T/other/profile.json"
expect_exit 0 "other JSON and other qgate documents are skipped" "$Q" report "$T/other"
expect_grep "other JSON skipped: one result" "1 result," "$T/out"

# ---- paths cannot escape the folder: symlinks are not followed ---------------------------------
mkdir -p "$T/links/sub"
cp "$D/model-check.json" "$T/links/sub/"
ln -s "$T/future/model-check.json" "$T/links/evil.json"
ln -s "$T/broken" "$T/links/evil-dir"
expect_exit 0 "symlinks to a file and a folder outside are not followed" "$Q" report "$T/links"
expect_grep "symlinks: only the real result is read" "1 result," "$T/out"

# ---- 10,000 checks: the page stays under 1 MB ---------------------------------------------------
mkdir -p "$T/big"
"$DEBIAN_PY" - "$D/data-validate-bad.json" "$T/big/data-validate.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["checks"] = [{"id": "field.f%05d.maximum" % i, "status": "fail", "count": 7,
                "message": "7 values above maximum <120> & \"more\"",
                "locations": [{"file": "data/big.csv", "line": i * 10 + k + 1, "column": 3,
                               "message": "value %d above maximum" % (130 + k)} for k in range(5)]}
               for i in range(10000)]
d["summary"] = {"checks": 10000, "passed": 0, "failed": 10000, "errors": 0, "skipped": 0}
json.dump(d, open(sys.argv[2], "w"))
EOF
validate_result "the 10,000-check result" "$T/big/data-validate.json"
expect_exit 0 "report over 10,000 failing checks" "$Q" report "$T/big" --html "$T/big.html" --markdown "$T/big.md"
hb=$(wc -c <"$T/big.html")
mb=$(wc -c <"$T/big.md")
if [ "$hb" -lt 1000000 ]; then ok "10,000 checks: HTML $hb bytes < 1 MB"; else not_ok "10,000 checks: HTML $hb bytes"; fi
if [ "$mb" -lt 1048576 ]; then ok "10,000 checks: Markdown $mb bytes < 1 MiB"; else not_ok "10,000 checks: Markdown $mb bytes"; fi
expect_grep "10,000 checks: the capped list says how many more" "9900 more failing checks" "$T/big.html"
expect_grep "10,000 checks: locations capped too" "2 more locations" "$T/big.html"
expect_grep "messages are HTML-escaped" "above maximum &lt;120&gt; &amp; &quot;more&quot;" "$T/big.html"
expect_no_grep "no raw markup from a message" "<120>" "$T/big.html"

done_testing
