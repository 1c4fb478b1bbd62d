#!/bin/sh
# bench_run.sh -- what `qgate run` adds over the gates it runs (issue 16: under 2 ms a step)
#
# A stage of STEPS trivial steps (qgate-data validate of a 3-row CSV; each
# step needs the one before it, so both sides run one gate at a time), run
#   1. by a shell script calling the same gates with the same --out folders, and
#   2. by `qgate run -j 1`,
# best of RUNS wall times each, in the same run. The overhead per step is
# (qgate run - script) / STEPS: loading the pipeline, the folders, the
# process groups, the logs, reading each step's JUnit into run.xml, run.json.
#
# Usage: tests/bench/bench_run.sh [BIN_DIR]
# Environment: STEPS (20), RUNS (5), BENCH_DIR (${TMPDIR:-/tmp}/qgate-bench)
set -u
BIN=${1:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STEPS=${STEPS:-20}
RUNS=${RUNS:-5}
# outside any git repository: each gate looks up the repository it runs in
# (commit, dirty state), which in a large work tree would drown what is measured
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/qgate-bench}/run
PY=/usr/bin/python3
[ -x "$BIN/qgate" ] && [ -x "$BIN/qgate-data" ] || { echo "bench_run: $BIN/qgate or qgate-data not built" >&2; exit 3; }
rm -rf "$DIR" && mkdir -p "$DIR" || exit 3
cd "$DIR" || exit 3
printf 'id,name\n1,a\n2,b\n3,c\n' >d.csv
printf '{"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}\n' >s.json
{
	printf '{"pipeline": {"bench": [\n'
	i=1
	while [ $i -le "$STEPS" ]; do
		[ $i -gt 1 ] && printf ',\n'
		if [ $i -gt 1 ]; then need="\"needs\": [\"s$((i - 1))\"], "; else need=; fi
		printf '  {"name": "s%d", "gate": "data", %s"args": ["validate", "-q", "--schema", "s.json", "d.csv"]}' $i "$need"
		i=$((i + 1))
	done
	printf '\n]}}\n'
} >qgate.json
{
	echo 'set -e'
	# the folders in one mkdir (qgate run makes them without a process)
	printf 'mkdir -p'
	i=1
	while [ $i -le "$STEPS" ]; do printf ' sh-out/s%d' $i; i=$((i + 1)); done
	echo
	i=1
	while [ $i -le "$STEPS" ]; do
		echo "\"$BIN/qgate-data\" validate -q --schema s.json d.csv --out sh-out/s$i/ >sh-out/s$i/output.log 2>&1"
		i=$((i + 1))
	done
} >script.sh

best() { # CMD...: the best wall time of RUNS, in ms
	b=
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$("$PY" -c 'import time; print(time.monotonic_ns())')
		"$@" >/dev/null 2>&1 || { echo "bench_run: '$*' failed" >&2; exit 3; }
		t1=$("$PY" -c 'import time; print(time.monotonic_ns())')
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
		r=$((r + 1))
	done
	echo "$b"
}
# the timer's own cost (two python starts) is in both figures and cancels out
sh_ms=$(best sh script.sh)
run_ms=$(best "$BIN/qgate" run --config qgate.json --stage bench -j 1 --out run-out)
echo "bench_run: $STEPS steps (qgate-data validate, one at a time), best of $RUNS:"
echo "  shell script:      $sh_ms ms"
echo "  qgate run -j 1:    $run_ms ms"
"$PY" -c "import sys; s, r, n = map(int, sys.argv[1:]); print('  overhead: %.2f ms a step (%+.1f%%)' % ((r - s) / n, 100.0 * (r - s) / s))" "$sh_ms" "$run_ms" "$STEPS"
# the same from inside the last run: what qgate run spent between its steps
"$PY" -c "
import json, sys
d = json.load(open(sys.argv[1])); n = len(d['steps']); s = sum(x['duration_ms'] for x in d['steps'])
print('  last run: %d ms from first start to last end, %d ms in the steps: %.2f ms a step between steps' % (d['duration_ms'], s, (d['duration_ms'] - s) / n))
" run-out/run.json
