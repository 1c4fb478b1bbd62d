#!/bin/sh
# demo-model.sh -- run qgate-model on examples/model (called by `make demo` as demo-model.sh BIN_DIR)
#
# Prints what it runs; exits with the gate's status (0 pass, 1 fail, 2 usage, 3 error).
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
cd "$(dirname "$0")/model" || exit 3
OUT=${TMPDIR:-/tmp}/qgate-demo-model
echo "+ qgate-model metrics --predictions candidate.csv --task binary --slice region"
"$BIN/qgate-model" metrics --predictions candidate.csv --task binary --slice region || exit $?
echo "+ qgate-model check --config qgate.json --out $OUT"
"$BIN/qgate-model" check --config qgate.json --out "$OUT"
rc=$?
echo "qgate-model exit status: $rc (reports in $OUT)"
exit $rc
