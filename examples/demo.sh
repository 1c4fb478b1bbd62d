#!/bin/sh
# examples/demo.sh -- the main job on the bundled examples (`make demo`)
#
# Runs every gate that exists on its example project, the way a CI job would:
# validate the data, check drift against the training baseline, then gate the
# candidate model against the champion, lint the example tree (planted
# problems), run the example C project's tests, and push, promote, health-check and roll
# back the example model in an OCI layout (deploy/), run the whole "ci" pipeline with
# qgate run (pipeline/), go around the whole MLOps loop (mlops/: data, training with
# scikit-learn, model gate against the champion, push, staging, health, production, a
# drift that triggers a retrain, audit, its own report in build/demo/mlops/report.html) and
# render every result with qgate report. Every report lands in build/demo/
# (the same names --out gives: data-validate.json, model-check.json, ...) and
# nothing is written into the source tree (tests/e2e/t_demo.sh checks both).
# Usage: examples/demo.sh BIN_DIR
set -u
BIN=$(cd "${1:-build/bin}" && pwd)
cd "$(dirname "$0")"
PATH=$BIN:$PATH
export PATH
mkdir -p ../build/demo
# absolute, so steps that cd into a project folder write here too
OUT=$(cd ../build/demo && pwd)
status=0
for step in demo-data.sh demo-drift.sh demo-model.sh lint/demo.sh test/demo.sh deploy/demo.sh pipeline/demo.sh mlops/demo.sh; do
	[ -f "$step" ] || continue
	echo "== $step"
	sh "./$step" "$BIN" "$OUT"
	rc=$?
	echo "== $step: exit $rc"
	[ "$rc" -gt "$status" ] && status=$rc
done
# every result above on one page (qgate report reads the whole folder)
echo "== qgate report"
qgate report "$OUT" --html "$OUT/report.html" --markdown "$OUT/report.md"
rc=$?
echo "== qgate report: exit $rc"
[ "$rc" -gt "$status" ] && status=$rc
echo "reports: build/demo/ (the page: build/demo/report.html)"
exit "$status"
