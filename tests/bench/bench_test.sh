#!/bin/sh
# bench_test.sh -- qgate-test running N trivial test programs beside `xargs -P` (issue 14)
#
# Makes N programs (a #!/bin/sh script that exits 0, and the same N as a
# list), then, in the same run, each RUNS times (the fastest wall time kept):
#   xargs -P J -n 1 env < list              the floor: exec each (through env), wait
#   qgate-test --list list -j J --json F    each in its own process group, output
#                                           captured, orphans reaped, one check per
#                                           test, the result JSON written
# The issue's bar: qgate-test within 1.3x of xargs at N=2000, J=2.
#
# Usage: tests/bench/bench_test.sh [BIN_DIR]   (OUT=file.md for the table)
# Environment: N (2000), JOBS (2), RUNS (3), BENCH_DIR (build/bench)
set -u
BIN=${1:-build/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN;; esac
N=${N:-2000}
J=${JOBS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-$ROOT/build/bench}/bench_test
OUT=${OUT:-/dev/stdout}
QT=$BIN/qgate-test
[ -x "$QT" ] || { echo "bench_test: $QT not built" >&2; exit 3; }
rm -rf "$DIR"
mkdir -p "$DIR/t" || exit 3
cd "$DIR" || exit 3
i=0
while [ "$i" -lt "$N" ]; do
	printf '#!/bin/sh\nexit 0\n' >"t/t$i.sh"
	echo "t/t$i.sh"
	i=$((i + 1))
done >list
chmod +x t/*.sh

now() { date +%s.%N; }
best() { # best CMD...: the fastest of RUNS wall times, in seconds
	_best=
	_r=0
	while [ "$_r" -lt "$RUNS" ]; do
		_t0=$(now)
		"$@" >/dev/null 2>&1
		_rc=$?
		_t1=$(now)
		[ "$_rc" -eq 0 ] || { echo "bench_test: $* exited $_rc" >&2; exit 3; }
		_t=$(echo "$_t1 - $_t0" | bc -l)
		if [ -z "$_best" ] || [ "$(echo "$_t < $_best" | bc -l)" = 1 ]; then _best=$_t; fi
		_r=$((_r + 1))
	done
	printf '%.3f' "$_best"
}
x=$(best sh -c "xargs -P $J -n 1 env <list")
q=$(best "$QT" --list list -j "$J" --json "$DIR/result.json")
tests=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["tests"])' "$DIR/result.json")
[ "$tests" = "$N" ] || { echo "bench_test: qgate-test counted $tests tests, not $N" >&2; exit 3; }
ratio=$(printf '%.2f' "$(echo "$q / $x" | bc -l)")
{
	echo "| $N trivial programs, -j $J | wall (best of $RUNS) |"
	echo "|---|---:|"
	echo "| xargs -P $J | ${x} s |"
	echo "| qgate-test --list -j $J | ${q} s |"
	echo "| ratio | ${ratio}x (bar: 1.3x) |"
} >"$OUT"
