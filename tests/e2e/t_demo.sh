#!/bin/sh
# t_demo.sh -- `make demo` (examples/demo.sh) writes every report under
# build/demo/ and nothing into the source tree
#
# The examples are copied into a fresh git repository with the project's
# .gitignore; the demo runs there against the built gates ($QG_BIN) with
# TMPDIR pointing at an empty folder. Afterwards `git status --porcelain`
# must be what it was (empty: nothing new, nothing changed), the only ignored
# path must be build/, build/ must hold nothing but build/demo/, TMPDIR must
# be empty again, and build/demo/ must hold each step's reports, valid.
. "$(dirname "$0")/lib.sh"

R=$T/repo
mkdir -p "$R" "$T/tmp"
cp -R "$QG_ROOT/examples" "$R/examples"
cp "$QG_ROOT/.gitignore" "$R/.gitignore"
# a copy never holds a demo's leftovers from the real tree
rm -rf "$R/build"
(
	cd "$R" && git init -q . && git add -A . &&
		git -c user.name=t -c user.email=t@example.com commit -q -m examples
) >"$T/git.log" 2>&1
expect_eq "a repository of the examples" "$?" 0
git -C "$R" status --porcelain >"$T/before"
expect_eq "the copy starts clean" "$(wc -c <"$T/before")" 0

# the MLOps loop trains with Debian's scikit-learn; without it mlops/demo.sh skips
# those stages loudly and exits 3, and so does the demo
mlops_rc=0
if ! "$DEBIAN_PY" -c 'import sklearn' 2>/dev/null; then
	mlops_rc=3
	diag "scikit-learn is missing from $DEBIAN_PY: mlops/demo.sh is expected to exit 3 (training SKIPPED)"
fi
expect_exit "$mlops_rc" "examples/demo.sh runs every step" env TMPDIR="$T/tmp" sh "$R/examples/demo.sh" "$QG_BIN"
expect_grep "the demo ran the data step" '^== demo-data.sh: exit 0$' "$T/out"
expect_grep "the demo ran the drift step" '^== demo-drift.sh: exit 0$' "$T/out"
expect_grep "the demo ran the model step" '^== demo-model.sh: exit 0$' "$T/out"
expect_grep "the demo ran the lint step" '^== lint/demo.sh: exit 0$' "$T/out"
expect_grep "the demo ran the test step" '^== test/demo.sh: exit 0$' "$T/out"
expect_grep "the demo ran the deploy step" '^== deploy/demo.sh: exit 0$' "$T/out"
expect_grep "the demo ran the pipeline" '^== pipeline/demo.sh: exit 0$' "$T/out"
expect_grep "the demo ran the MLOps loop" "^== mlops/demo.sh: exit $mlops_rc\$" "$T/out"
expect_grep "the demo rendered the report" '^== qgate report: exit 0$' "$T/out"

git -C "$R" status --porcelain >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "git status --porcelain unchanged after the demo"; else
	not_ok "the demo changed the source tree"; sed 's/^/#   /' "$T/after"; fi
git -C "$R" status --porcelain --ignored >"$T/ignored"
expect_eq "the only ignored path is build/" "$(cat "$T/ignored")" "!! build/"
expect_eq "build/ holds only build/demo/" "$(ls -A "$R/build")" "demo"
expect_eq "nothing left in TMPDIR" "$(ls -A "$T/tmp")" ""

D=$R/build/demo
for f in data-validate.json data-validate-bad.json data-drift.json; do
	expect_file "build/demo/$f" "$D/$f"
done
# qgate-model's --out report: model-check.json (model.json before --out named commands)
model=$(ls "$D"/model*.json 2>/dev/null | head -1)
expect_eq "build/demo holds the model report" "$([ -n "$model" ] && echo yes)" yes
[ -n "$model" ] && expect_eq "the model report is the model gate's" "$(json_get "$model" 'd["gate"]')" model
for j in "$D"/*.json; do
	case $j in *inferred*) continue;; esac
	validate_result "build/demo/$(basename "$j")" "$j"
done
for x in "$D"/*.xml; do
	[ -f "$x" ] || continue
	validate_junit "build/demo/$(basename "$x")" "$x"
done
expect_file "the inferred schema is under build/demo" "$D/train.inferred.json"
expect_file "the run summary is under build/demo" "$D/run/run.json"
expect_file "the HTML report is under build/demo" "$D/report.html"
expect_file "the Markdown report is under build/demo" "$D/report.md"
expect_grep "the report shows the run's verdict" 'fail' "$D/report.md"
# the examples hold planted failures (lint, the bad batch): the page's banner
# is FAIL whichever run.json sorts first (mlops/02-* comes before run/)
expect_grep "the page's verdict is FAIL" '<title>qgate report: FAIL' "$D/report.html"
expect_grep "the MLOps page's verdict is FAIL (the drift and the blocked candidate)" \
	'<title>qgate report: FAIL' "$D/mlops/report.html"
expect_file "the MLOps loop's page is under build/demo/mlops" "$D/mlops/report.html"
if [ "$mlops_rc" -eq 0 ]; then
	expect_file "the MLOps loop's audit log is under build/demo/mlops" "$D/mlops/audit.jsonl"
else
	skip "the MLOps loop's audit log: scikit-learn missing, nothing was deployed"
fi

done_testing
