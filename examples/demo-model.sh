#!/bin/sh
# demo-model.sh -- run qgate-model on examples/model (called by `make demo` as demo-model.sh BIN_DIR OUT_DIR)
#
# Prints what it runs; exits with the gate's status (0 pass, 1 fail, 2 usage, 3 error).
# Reports go to OUT_DIR (default build/demo).
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
OUT=${2:-$(dirname "$0")/../build/demo}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3
cd "$(dirname "$0")/model" || exit 3
echo "+ qgate-model metrics --predictions candidate.csv --task binary --slice region"
"$BIN/qgate-model" metrics --predictions candidate.csv --task binary --slice region || exit $?
echo "+ qgate-model check --config qgate.json --out $OUT"
"$BIN/qgate-model" check --config qgate.json --out "$OUT"
rc=$?
echo "qgate-model exit status: $rc (reports in $OUT)"
exit $rc
