#!/bin/sh
# examples/demo-drift.sh -- qgate-data drift on the bundled batch (run by demo.sh)
#
# data/baseline-profile.json was made by the gate from data/baseline.csv:
#   qgate-data profile data/baseline.csv --profile-out data/baseline-profile.json
# data/current.csv is a later batch whose age and plan mix moved (drift: exit 1)
# and whose income moved a little (a warning: passes). The demo shows the
# failure and then the same comparison with looser limits passing.
# Usage: demo-drift.sh BIN_DIR OUT_DIR
set -u
BIN=$1
OUT=$2
PATH=$BIN:$PATH
cd "$(dirname "$0")"
echo "-- qgate-data drift --baseline data/baseline-profile.json data/current.csv (expect exit 1)"
qgate-data drift --baseline data/baseline-profile.json data/current.csv \
	--json "$OUT/data-drift.json" --junit "$OUT/data-drift.junit.xml"
rc=$?
[ "$rc" -eq 1 ] || { echo "demo-drift: expected exit 1 (drift), got $rc"; exit 3; }
echo "-- the same with --psi-max 0.5 (expect exit 0 with warnings)"
qgate-data drift --baseline data/baseline-profile.json data/current.csv --psi-max 0.5 -q
rc=$?
[ "$rc" -eq 0 ] || { echo "demo-drift: expected exit 0, got $rc"; exit 3; }
exit 0
