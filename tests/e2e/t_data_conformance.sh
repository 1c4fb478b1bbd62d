#!/bin/sh
# t_data_conformance.sh -- qgate-data against the Table Schema conformance
# corpus in tests/conformance/ (issue 12): single cells of every type and
# format from the spec text and from frictionless-py's own field tests, and
# whole schemas (keys honoured or refused). One TAP line per case; run.py says
# how the cases are laid out. Where the spec and frictionless-py disagree the
# case follows the spec and its source column says so (qgate-data(1) lists
# those differences).
. "$(dirname "$0")/lib.sh"
# run.py prints the test points; the plan follows them (TAP readers, and
# tests/run's qgate-test pass, need one)
"$DEBIAN_PY" "$QG_ROOT/tests/conformance/run.py" "$QG_BIN/qgate-data" "$T/scratch" >"$T/conformance.tap"
rc=$?
cat "$T/conformance.tap"
echo "1..$(grep -cE '^(not )?ok [0-9]' "$T/conformance.tap")"
exit "$rc"
