#!/bin/sh
# examples/pipeline/demo.sh -- qgate run over the bundled examples (run by ../demo.sh)
#
# The "ci" stage of qgate.json runs the data, drift, model, test and lint
# examples as one pipeline, independent steps in parallel. The lint example
# holds findings on purpose, so the stage fails (exit 1) and the step that
# needs lint ("deploy-ready") is skipped with the reason; the others pass.
# Reports: OUT_DIR/run/run.json (qgate.run/v1), OUT_DIR/run/run.xml (one
# JUnit file), OUT_DIR/run/<step>/ (each gate's own reports).
# Usage: demo.sh BIN_DIR [OUT_DIR]
set -u
BIN=${1:-../../build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
cd "$(dirname "$0")" || exit 3
echo "+ qgate run --stage ci -j 2 --out $OUT/run (expect exit 1: the lint example fails on purpose)"
"$BIN/qgate" run --config qgate.json --stage ci -j 2 --out "$OUT/run"
rc=$?
echo "qgate run exit status: $rc (expected 1)"
[ "$rc" -eq 1 ] || exit 3
exit 0
