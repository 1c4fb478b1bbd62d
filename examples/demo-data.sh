#!/bin/sh
# examples/demo-data.sh -- qgate-data validate and infer on the bundled dataset (run by demo.sh)
#
# data/train.csv (300 rows) must pass data/train.schema.json; data/batch-bad.csv
# is a later batch with five kinds of problems (an age of 130, a plan outside
# the enum, a repeated id, 2025-02-30, a missing e-mail) and must fail with
# each one located. Then a schema is inferred from train.csv and the data
# validates against it.
# Usage: demo-data.sh BIN_DIR [OUT_DIR]
set -u
BIN=$1
OUT=${2:-../build/demo}
PATH=$BIN:$PATH
cd "$(dirname "$0")"
mkdir -p "$OUT"
echo "-- qgate-data validate --schema data/train.schema.json data/train.csv (expect exit 0)"
qgate-data validate --schema data/train.schema.json data/train.csv \
	--json "$OUT/data-validate.json" --junit "$OUT/data-validate.junit.xml"
rc=$?
[ "$rc" -eq 0 ] || { echo "demo-data: expected exit 0, got $rc"; exit 3; }
echo "-- qgate-data validate --schema data/train.schema.json data/batch-bad.csv (expect exit 1)"
qgate-data validate -q --schema data/train.schema.json data/batch-bad.csv --json "$OUT/data-validate-bad.json"
rc=$?
[ "$rc" -eq 1 ] || { echo "demo-data: expected exit 1, got $rc"; exit 3; }
echo "-- qgate-data infer data/train.csv, then validate against the inferred schema (expect exit 0)"
qgate-data infer data/train.csv -o "$OUT/train.inferred.json" || exit 3
qgate-data validate -q --schema "$OUT/train.inferred.json" data/train.csv
rc=$?
[ "$rc" -eq 0 ] || { echo "demo-data: expected exit 0 against the inferred schema, got $rc"; exit 3; }
# ==== DRIFT: the drift part of the demo lives in demo-drift.sh (data-profile
# engineer): a baseline profile in data/baseline-profile.json, checked with
# qgate-data drift. demo.sh runs it after this script.
exit 0
