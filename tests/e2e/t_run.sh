#!/bin/sh
# t_run.sh -- qgate run: a stage of real gates (qgate-data, qgate-test) from a
# qgate.json pipeline; pass, fail, needs-skip, paths-skip against a real
# two-commit git repository, -j 2 proved parallel by marks the steps write,
# exit codes (worst step; a step's usage error is 2), bad pipelines exit 2
# naming the JSON pointer before anything runs, a missing gate, SIGINT and
# SIGTERM leaving no running step and no run.json; every run.json against
# docs/run.schema.json, every JUnit through validate_junit, every step result
# through validate_result.
. "$(dirname "$0")/lib.sh"

Q=$QG_BIN/qgate
DATA=$QG_ROOT/examples/data
W=$T/w
mkdir -p "$W"
cp "$DATA/train.csv" "$DATA/train.schema.json" "$DATA/batch-bad.csv" "$W/"

validate_run() { # NAME FILE
	if "$DEBIAN_PY" "$QG_ROOT/tests/validate-json.py" "$QG_ROOT/docs/run.schema.json" "$2" >"$T/jsonschema" 2>&1; then
		ok "$1 validates against run.schema.json"
	else
		not_ok "$1 does not validate against run.schema.json"; sed 's/^/#   /' "$T/jsonschema" | head -10
	fi
}
step_get() { # FILE STEP EXPR-over-s
	"$DEBIAN_PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
s=[x for x in d["steps"] if x["name"]==sys.argv[2]][0]
v=eval(sys.argv[3]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2" "$3"
}

# ---- pass, fail, needs-skip ------------------------------------------------
cat >"$W/qgate.json" <<'EOF'
{
  "data": {},
  "pipeline": {
    "ci": [
      {"name": "data", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"]},
      {"name": "bad", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "batch-bad.csv"]},
      {"name": "after-bad", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"],
       "needs": ["bad"]},
      {"name": "after-after", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"],
       "needs": ["after-bad"]},
      {"name": "unit", "gate": "test", "args": ["--", "sh", "-c", "echo $QGATE_RUN_STEP >step-name; echo $QGATE_RUN_DIR >run-dir"], "needs": ["data"]}
    ],
    "pre-push": [
      {"name": "data", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"]}
    ]
  }
}
EOF
expect_exit 0 "a passing stage" "$Q" run --config "$W/qgate.json" --stage pre-push --out "$T/r0"
expect_grep "the summary line says pass" "^qgate run: stage 'pre-push': pass \(exit 0\): 1 passed, 0 failed, 0 errors, 0 skipped" "$T/out"
validate_run "pass run.json" "$T/r0/run.json"
validate_junit "pass run.xml" "$T/r0/run.xml"
validate_result "the data step's result" "$T/r0/data/data-validate.json"
expect_eq "run.json lists the step's reports" "$(step_get "$T/r0/run.json" data 's["reports"]')" \
	'["data/data-validate.json", "data/data-validate.xml"]'
expect_eq "the pass run's status" "$(json_get "$T/r0/run.json" 'd["status"]')" pass

expect_exit 1 "a stage with a failing step exits 1" "$Q" run --config "$W/qgate.json" --stage ci -j 2 --out "$T/r1"
cp "$T/out" "$T/r1.out"
validate_run "fail run.json" "$T/r1/run.json"
validate_junit "fail run.xml" "$T/r1/run.xml"
validate_result "the failing step's result" "$T/r1/bad/data-validate.json"
validate_result "the test step's result" "$T/r1/unit/test.json"
expect_eq "bad: fail, exit 1" "$(step_get "$T/r1/run.json" bad '[s["status"], s["exit_code"]]')" '["fail", 1]'
expect_eq "after-bad: skipped because bad failed" \
	"$(step_get "$T/r1/run.json" after-bad '[s["status"], s["exit_code"], s["reason"]]')" \
	"[\"skip\", null, \"needs 'bad', which failed\"]"
expect_eq "after-after: the skip propagates" "$(step_get "$T/r1/run.json" after-after 's["reason"]')" \
	"needs 'after-bad', which was skipped"
expect_eq "unit (needs data, which passed) ran" "$(step_get "$T/r1/run.json" unit 's["status"]')" pass
expect_eq "the step ran in the config folder with QGATE_RUN_STEP" "$(cat "$W/step-name")" unit
expect_eq "QGATE_RUN_DIR is the absolute --out" "$(cat "$W/run-dir")" "$T/r1"
expect_grep "plain mode prints a failing step's output" 'batch-bad.csv:7:3: value "130" above maximum 120' "$T/r1.out"
expect_no_grep "plain mode keeps a passing step's output in its log" '^qgate-data: PASS' "$T/r1.out"
expect_grep "a passing step's output is in its log" '^qgate-data: PASS \(26 checks\)' "$T/r1/data/output.log"
expect_grep "a skipped step has a line with its reason" "skip +after-bad .*needs 'bad', which failed" "$T/r1.out"
expect_eq "run.json status fail" "$(json_get "$T/r1/run.json" '[d["status"], d["exit_code"]]')" '["fail", 1]'
# the JUnit holds every step: 26 + 26 data checks, the test gate's case, two skipped steps
"$DEBIAN_PY" - "$T/r1/run.xml" >"$T/junit.txt" <<'EOF'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = r.findall("testsuite")
print(len(suites), sum(len(s.findall("testcase")) for s in suites),
      len(r.findall(".//skipped")), len(r.findall(".//failure")))
print(" ".join(s.get("name") for s in suites))
EOF
expect_eq "run.xml: 5 suites, 55 cases, 2 skipped, 6 failures" "$(head -1 "$T/junit.txt")" "5 55 2 6"
expect_eq "run.xml: suites named by step (a skipped step is a suite of its own)" "$(sed -n 2p "$T/junit.txt")" \
	"data/qgate.data bad/qgate.data after-bad/qgate.run.ci after-after/qgate.run.ci unit/qgate.test"

# --only: only those steps; a need outside the list is taken as passed
expect_exit 0 "--only after-bad runs it alone" "$Q" run --config "$W/qgate.json" --stage ci --only after-bad --out "$T/r2"
expect_eq "--only: one step in run.json" "$(json_get "$T/r2/run.json" '[s["name"] for s in d["steps"]]')" '["after-bad"]'
expect_exit 2 "--only with an unknown step" "$Q" run --config "$W/qgate.json" --stage ci --only data,nope --out "$T/r3"
expect_grep "--only names the unknown step" "^qgate: error: --only: unknown step 'nope'" "$T/err"
expect_no_file "--only refused: nothing written" "$T/r3/run.json"

# a second run into the same folder leaves no file of the first one
echo stale >"$T/r1/bad/stale.json"
expect_exit 1 "a second run into the same folder" "$Q" run --config "$W/qgate.json" --stage ci --out "$T/r1"
expect_no_file "an earlier run's files are removed from DIR/<step>/" "$T/r1/bad/stale.json"

# a --out whose step folder holds someone's files: refused, nothing removed
mkdir -p "$T/mine/data" && echo precious >"$T/mine/data/keep.txt"
expect_exit 2 "--out over a folder qgate run did not write" "$Q" run --config "$W/qgate.json" --stage pre-push --out "$T/mine"
expect_grep "the folder is named" "'$T/mine/data' holds files qgate run did not write \\(no output.log\\)" "$T/err"
expect_file "its files are kept" "$T/mine/data/keep.txt"

# ---- exit codes: a step's usage error is 2, a step that cannot evaluate 3 ----
cat >"$W/codes.json" <<'EOF'
{"pipeline": {
  "three": [
    {"name": "missing", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "no-such.csv"]},
    {"name": "bad", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "batch-bad.csv"]}
  ],
  "two": [
    {"name": "usage", "gate": "data", "args": ["validate", "--no-such-flag"]},
    {"name": "missing", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "no-such.csv"]},
    {"name": "crash", "gate": "test", "args": ["--", "sh", "-c", "kill -9 $$"]}
  ]
}}
EOF
expect_exit 3 "exit 3 is worse than 1" "$Q" run --config "$W/codes.json" --stage three --out "$T/c3"
validate_run "exit-3 run.json" "$T/c3/run.json"
validate_junit "exit-3 run.xml" "$T/c3/run.xml"
expect_eq "the step that could not evaluate is an error" "$(step_get "$T/c3/run.json" missing '[s["status"], s["exit_code"]]')" '["error", 3]'
expect_exit 2 "a step's usage error makes the run exit 2" "$Q" run --config "$W/codes.json" --stage two --out "$T/c2"
validate_run "exit-2 run.json" "$T/c2/run.json"
validate_junit "exit-2 run.xml" "$T/c2/run.xml"
expect_eq "run.json: error, exit 2" "$(json_get "$T/c2/run.json" '[d["status"], d["exit_code"]]')" '["error", 2]'

# ---- fail closed on what a step leaves: a broken JUnit, an exit code no gate uses --
mkdir -p "$T/bin"
cat >"$T/bin/qgate-fakegate" <<'EOF'
#!/bin/sh
# a gate of no release: writes what $FAKE_JUNIT says into --out DIR, exits $1
code=$1; out=
while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
[ -n "$out" ] && [ "$code" = 0 ] && printf '%s' "$FAKE_JUNIT" >"$out/fake.xml"
exit "$code"
EOF
chmod +x "$T/bin/qgate-fakegate"
cat >"$W/fake.json" <<'EOF'
{"pipeline": {"f": [
  {"name": "broken", "gate": "fakegate", "args": ["0"]},
  {"name": "seven", "gate": "fakegate", "args": ["7"]}
]}}
EOF
FAKE_JUNIT='<testsuites><testsuite name="x" tests="1"><testcase name="a">' PATH=$T/bin:$PATH \
	expect_exit 3 "a step whose JUnit does not parse, a step exiting 7: exit 3" "$Q" run --config "$W/fake.json" --out "$T/f"
validate_run "fake-gate run.json" "$T/f/run.json"
validate_junit "fake-gate run.xml" "$T/f/run.xml"
expect_eq "the broken JUnit makes the passing step an error" \
	"$(step_get "$T/f/run.json" broken '[s["status"], s["exit_code"], s["reason"].split(":")[0]]')" \
	'["error", 3, "its JUnit report does not parse"]'
expect_eq "exit 7 is an error with the reason" "$(step_get "$T/f/run.json" seven '[s["status"], s["exit_code"], s["reason"]]')" \
	"[\"error\", 7, \"exited with 7 (not a gate's exit code)\"]"
expect_exit 0 "qgate run --help" "$Q" run --help
expect_eq "run's usage line is the one qgate --help shows" "$(sed -n 1p "$T/out" | sed 's/^usage: //')" \
	"$("$Q" --help | sed -n 's/^   or: \(qgate run .*\)/\1/p')"
expect_exit 0 "qgate help run" "$Q" help run
expect_grep "qgate help run shows run's help" '^usage: qgate run ' "$T/out"

# ---- bad pipelines: exit 2 naming the pointer, before anything runs ----------
bad_pipeline() { # NAME JSON EXPECTED-MESSAGE-REGEX
	printf '%s\n' "$2" >"$W/bad.json"
	rm -rf "$T/bad"
	expect_exit 2 "bad pipeline: $1" "$Q" run --config "$W/bad.json" --stage ci --out "$T/bad"
	expect_grep "bad pipeline: $1: the message" "$3" "$T/err"
	if [ -e "$T/bad" ]; then not_ok "bad pipeline: $1: $T/bad was created"; else ok "bad pipeline: $1: nothing ran"; fi
}
S='{"name": "test", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "train.csv"]}'
bad_pipeline "duplicate step" "{\"pipeline\": {\"ci\": [$S, $S, {\"name\": \"x\", \"gate\": \"data\", \"needs\": [\"tset\"]}]}}" \
	"^qgate: error: .*bad.json: /pipeline/ci/1/name: duplicate step 'test' \\(first at /pipeline/ci/0\\)\$"
bad_pipeline "unknown step in needs" "{\"pipeline\": {\"ci\": [$S, {\"name\": \"b\", \"gate\": \"data\"}, {\"name\": \"x\", \"gate\": \"data\", \"needs\": [\"tset\"]}]}}" \
	"^qgate: error: .*bad.json: /pipeline/ci/2/needs/0: unknown step 'tset' \\(did you mean 'test'\\?\\)\$"
bad_pipeline "unknown key" '{"pipeline": {"ci": [{"name": "a", "gate": "data", "nedds": []}]}}' \
	"^qgate: error: .*bad.json: /pipeline/ci/0/nedds: unknown key 'nedds' \\(did you mean 'needs'\\?\\)\$"
bad_pipeline "cycle" '{"pipeline": {"ci": [{"name": "a", "gate": "data", "needs": ["c"]}, {"name": "b", "gate": "data", "needs": ["a"]}, {"name": "c", "gate": "data", "needs": ["b"]}]}}' \
	"^qgate: error: .*bad.json: /pipeline/ci/[0-9]/needs/0: cycle in needs: 'a' -> 'c' -> 'b' -> 'a'\$"
bad_pipeline "self need" '{"pipeline": {"ci": [{"name": "a", "gate": "data", "needs": ["a"]}]}}' \
	"/pipeline/ci/0/needs/0: cycle in needs: 'a' -> 'a'\$"
bad_pipeline "gate name" '{"pipeline": {"ci": [{"name": "a", "gate": "../bin/sh"}]}}' \
	"/pipeline/ci/0/gate: '../bin/sh' is not a gate name"
bad_pipeline "step name" '{"pipeline": {"ci": [{"name": "../x", "gate": "data"}]}}' \
	"/pipeline/ci/0/name: step name '../x' is not a folder name"
bad_pipeline "args type" '{"pipeline": {"ci": [{"name": "a", "gate": "data", "args": ["x", 3]}]}}' \
	"/pipeline/ci/0/args/1: expected a string, found number"
bad_pipeline "a broken other stage" "{\"pipeline\": {\"ci\": [$S], \"nightly\": [{\"name\": \"a\"}]}}" \
	"/pipeline/nightly/0: step 'a' needs a \"gate\""
bad_pipeline "--out in args" '{"pipeline": {"ci": [{"name": "a", "gate": "data", "args": ["validate", "--out", "x"]}]}}' \
	"/pipeline/ci/0/args/1: '--out' is set by qgate run"
bad_pipeline "unknown stage" "{\"pipeline\": {\"cd\": [$S]}}" \
	"bad.json: /pipeline: no stage 'ci' \\(did you mean 'cd'\\?\\)"
bad_pipeline "an empty stage" '{"pipeline": {"ci": []}}' "bad.json: /pipeline/ci: stage 'ci' has no steps"
bad_pipeline "no pipeline section" '{"data": {}}' 'bad.json: /: no "pipeline" section'
bad_pipeline "not JSON" '{"pipeline": ' 'bad.json'
bad_pipeline "missing gate" "{\"pipeline\": {\"ci\": [$S, {\"name\": \"x\", \"gate\": \"nosuchgate\"}]}}" \
	"/pipeline/ci/1/gate: gate 'nosuchgate' is not installed \\(no qgate-nosuchgate next to qgate or on PATH\\)"
expect_exit 2 "a missing config file" "$Q" run --config "$W/none.json" --stage ci --out "$T/bad"
expect_grep "a missing config file is named" "none.json" "$T/err"
expect_exit 2 "several stages and no --stage" "$Q" run --config "$W/qgate.json" --out "$T/bad"
expect_grep "several stages are listed" "several stages \\(ci, pre-push\\): choose one with --stage" "$T/err"
expect_exit 2 "-j 0 is refused" "$Q" run --config "$W/qgate.json" --stage ci -j 0 --out "$T/bad"

# ---- -j 2 runs two slow steps at once; -j 1 one after the other --------------
cat >"$W/par.json" <<'EOF'
{"pipeline": {"par": [
  {"name": "one", "gate": "test", "args": ["--", "sh", "-c", "echo start >>marks; sleep 1; echo end >>marks"]},
  {"name": "two", "gate": "test", "args": ["--", "sh", "-c", "echo start >>marks; sleep 1; echo end >>marks"]},
  {"name": "three", "gate": "test", "args": ["--", "sh", "-c", "echo after >>marks"], "needs": ["one", "two"]}
]}}
EOF
rm -f "$W/marks"
expect_exit 0 "-j 2: two slow steps" "$Q" run --config "$W/par.json" -j 2 --out "$T/p2"
expect_eq "-j 2: both started before either ended, the needing step after both" \
	"$(tr '\n' ' ' <"$W/marks")" "start start end end after "
validate_run "-j 2 run.json" "$T/p2/run.json"
validate_junit "-j 2 run.xml" "$T/p2/run.xml"
rm -f "$W/marks"
expect_exit 0 "-j 1: two slow steps" "$Q" run --config "$W/par.json" -j 1 --out "$T/p1"
expect_eq "-j 1: one after the other" "$(tr '\n' ' ' <"$W/marks")" "start end start end after "

# ---- paths: --changed-since against a real two-commit repository -------------
if command -v git >/dev/null 2>&1; then
	G=$T/repo
	mkdir -p "$G/data" "$G/src"
	cp "$DATA/train.csv" "$DATA/train.schema.json" "$G/data/"
	echo 'int main(void) { return 0; }' >"$G/src/main.c"
	cat >"$G/qgate.json" <<'EOF'
{"pipeline": {"pre-push": [
  {"name": "data", "gate": "data", "args": ["validate", "--schema", "data/train.schema.json", "data/train.csv"],
   "paths": ["data/**"]},
  {"name": "code", "gate": "test", "args": ["--", "true"], "paths": ["src/*.c", "**/*.h"]},
  {"name": "always", "gate": "test", "args": ["--", "true"]},
  {"name": "after-code", "gate": "test", "args": ["--", "true"], "needs": ["code"]}
]}}
EOF
	(cd "$G" && git init -q && git config user.email t@example.com && git config user.name t &&
		git add . && git commit -qm one && echo '1,x' >>src/main.c && git commit -qam two) >"$T/git.log" 2>&1
	expect_exit 0 "--changed-since HEAD~1 (src changed)" "$Q" run --config "$G/qgate.json" --changed-since HEAD~1 --out "$T/g1"
	validate_run "--changed-since run.json" "$T/g1/run.json"
	validate_junit "--changed-since run.xml" "$T/g1/run.xml"
	expect_eq "data: no changed file matches its paths" "$(step_get "$T/g1/run.json" data '[s["status"], s["reason"]]')" \
		'["skip", "no changed file matches paths"]'
	expect_eq "code: src/main.c changed, it runs" "$(step_get "$T/g1/run.json" code 's["status"]')" pass
	expect_eq "always (no paths) runs" "$(step_get "$T/g1/run.json" always 's["status"]')" pass
	expect_eq "run.json records the base" "$(json_get "$T/g1/run.json" 'd["base"]')" "$(cd "$G" && git rev-parse HEAD~1)"
	# an uncommitted change to the data counts too; a paths skip does not skip what needs it
	echo "$(tail -1 "$G/data/train.csv")" >>"$G/data/train.csv"
	expect_exit 1 "--changed-since HEAD: the work tree's change to data runs data" \
		"$Q" run --config "$G/qgate.json" --changed-since HEAD --out "$T/g2"
	expect_eq "data ran (and failed: the row repeats)" "$(step_get "$T/g2/run.json" data 's["status"]')" fail
	expect_eq "code skipped for its paths" "$(step_get "$T/g2/run.json" code 's["status"]')" skip
	expect_eq "after-code runs: a paths skip counts as passed" "$(step_get "$T/g2/run.json" after-code 's["status"]')" pass
	expect_exit 2 "--changed-since an unknown ref" "$Q" run --config "$G/qgate.json" --changed-since no-such-ref --out "$T/g3"
	expect_grep "the unknown ref is named" "no-such-ref" "$T/err"
else
	skip "git not installed: --changed-since NOT TESTED"
fi

# ---- GITHUB_STEP_SUMMARY ----------------------------------------------------
: >"$T/summary.md"
GITHUB_STEP_SUMMARY=$T/summary.md expect_exit 1 "with GITHUB_STEP_SUMMARY" "$Q" run --config "$W/qgate.json" --stage ci --out "$T/s1"
expect_grep "the step summary has the table" '^\| bad \| data \| .* fail \|' "$T/summary.md"
expect_grep "the step summary has the verdict" '^### qgate run `ci`: fail \(exit 1' "$T/summary.md"
: >"$T/summary2.md"
GITHUB_STEP_SUMMARY=$T/summary2.md expect_exit 0 "--only with GITHUB_STEP_SUMMARY (steps left out have no status)" "$Q" run --config "$W/qgate.json" --stage ci --only after-bad --out "$T/s2"
expect_grep "the step summary lists the step run" '^\| after-bad \|' "$T/summary2.md"
expect_no_grep "and not the steps left out" '^\| bad \|' "$T/summary2.md"

# ---- on a terminal: one line per step, redrawn in place ---------------------------
if command -v script >/dev/null 2>&1; then
	cat >"$W/live.json" <<'EOF'
{"pipeline": {"s": [
 {"name": "first", "gate": "test", "args": ["--", "sh", "-c", "sleep 0.3"]},
 {"name": "second", "gate": "data", "args": ["validate", "--schema", "train.schema.json", "batch-bad.csv"], "needs": ["first"]},
 {"name": "third", "gate": "test", "args": ["--", "true"], "needs": ["second"]}
]}}
EOF
	(cd "$W" && TERM=xterm NO_COLOR=1 script -qc "env -u CI -u GITHUB_ACTIONS '$Q' run --config live.json --out '$T/live'" /dev/null) >"$T/live.txt" 2>&1
	tr -d '\r' <"$T/live.txt" >"$T/live.plain"
	expect_grep "live: the lines are redrawn (cursor up 3)" "$(printf '\033')\\[3A" "$T/live.plain"
	expect_grep "live: a running step shows its elapsed time" 'running first +0\.[0-9]s' "$T/live.plain"
	expect_grep "live: the final verdicts" "skip +third +needs 'second', which failed" "$T/live.plain"
	expect_grep "live: the failing step's output follows" '^--- second \(fail\): .*/second/output.log' "$T/live.plain"
	expect_eq "live: run.json as in plain mode" "$(json_get "$T/live/run.json" '[s["status"] for s in d["steps"]]')" \
		'["pass", "fail", "skip"]'
else
	skip "script(1) missing: the live lines on a terminal NOT TESTED"
fi

# ---- the bundled example: examples/pipeline, stage ci ---------------------------
if command -v cc >/dev/null 2>&1 && [ -f /usr/include/cmocka.h ]; then
	expect_exit 1 "examples/pipeline ci (the lint example fails on purpose)" \
		"$Q" run --config "$QG_ROOT/examples/pipeline/qgate.json" --stage ci -j 2 --out "$T/ex"
	validate_run "example run.json" "$T/ex/run.json"
	validate_junit "example run.xml" "$T/ex/run.xml"
	expect_eq "example: every step's verdict" \
		"$(json_get "$T/ex/run.json" '" ".join(s["name"] + "=" + s["status"] for s in d["steps"])')" \
		"data=pass drift=pass model=pass test=pass lint=fail deploy-ready=skip"
	for f in "$T"/ex/*/*.json; do validate_result "example step result ${f#$T/ex/}" "$f"; done
else
	skip "cc or cmocka missing: examples/pipeline NOT RUN"
fi

# ---- signals: every step group killed, no run.json, exit by the signal ------
cat >"$W/slow.json" <<'EOF'
{"pipeline": {"slow": [
  {"name": "a", "gate": "test", "args": ["--", "sh", "-c", "echo up >>up-a; sleep 3017 & wait; echo never >>up-a"]},
  {"name": "b", "gate": "test", "args": ["--", "sh", "-c", "echo up >>up-b; exec sleep 3018"]},
  {"name": "c", "gate": "test", "args": ["--", "true"], "needs": ["a"]}
]}}
EOF
for sig in INT TERM; do
	rm -f "$W/up-a" "$W/up-b"
	rm -rf "$T/k"
	# started with SIGINT at its default: a background job of a
	# non-interactive shell would inherit it ignored (and keep it ignored)
	"$DEBIAN_PY" -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$Q" run --config "$W/slow.json" -j 2 --out "$T/k" >"$T/k.out" 2>"$T/k.err" &
	waiter=$!
	i=0
	while [ ! -s "$W/up-a" ] || [ ! -s "$W/up-b" ]; do
		i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
	done
	kill -"$sig" "$waiter"
	wait $waiter
	rc=$?
	if [ "$sig" = INT ]; then want=130; else want=143; fi
	expect_eq "SIG$sig: qgate run ends by the signal" "$rc" "$want"
	if pgrep -f 'sleep 301[78]' >/dev/null; then
		not_ok "SIG$sig: a step's process is left running"; pgrep -af 'sleep 301[78]' | sed 's/^/#   /'
		for p in $(pgrep -f 'sleep 301[78]'); do kill "$p"; done
	else
		ok "SIG$sig: no step process is left (the grandchild sleep too)"
	fi
	expect_no_file "SIG$sig: no run.json" "$T/k/run.json"
	expect_no_file "SIG$sig: no run.xml" "$T/k/run.xml"
	expect_grep "SIG$sig: says why" "^qgate: stopped by .*no summary written" "$T/k.err"
	expect_no_grep "SIG$sig: the step that needed a stopped one never ran" never "$W/up-a"
done

# a gate that puts its child in a session of its own and ignores SIGTERM: the
# step's group is killed after the grace, and the child, orphaned to qgate run
# (its subreaper), is killed too
cat >"$T/bin/qgate-stubborn" <<'EOF'
#!/bin/sh
trap '' TERM
setsid sleep 3020 &
echo up >>up-s
wait
EOF
chmod +x "$T/bin/qgate-stubborn"
printf '{"pipeline": {"s": [{"name": "s", "gate": "stubborn"}]}}\n' >"$W/stubborn.json"
rm -f "$W/up-s"
PATH=$T/bin:$PATH "$Q" run --config "$W/stubborn.json" --out "$T/st" >"$T/st.out" 2>&1 &
waiter=$!
i=0
while [ ! -s "$W/up-s" ]; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1; done
sleep 0.2
kill -TERM "$waiter"
wait $waiter
expect_eq "a stubborn gate: qgate run still ends by SIGTERM" "$?" 143
if pgrep -f 'sleep 3020' >/dev/null; then
	not_ok "the stubborn gate's setsid child is left running"
	for p in $(pgrep -f 'sleep 3020'); do kill -KILL "$p"; done
else
	ok "the stubborn gate's setsid child was killed (orphan of a step)"
fi
expect_no_file "a stubborn gate: no run.json" "$T/st/run.json"

done_testing
