#!/bin/sh
# tests/bench/bench_profile.sh -- qgate-data profile throughput on one core and with -j 2
#
# Uses the 1 GB typed CSV of tests/bench/gen-data.py (generated once into
# build/bench/data.csv), times `wc -l` (the floor), `qgate-data profile` on one
# core, and with -j 2; prints MB/s and ratios as Markdown (OUT, default stdout).
# Target (issue 4): profile >= 500 MB/s on one core. Run by hand (`make bench`);
# never a timed assertion in the test suite.
# Usage: tests/bench/bench_profile.sh [BIN_DIR]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${1:-$ROOT/build/bin}" && pwd)
OUT=${OUT:-/dev/stdout}
DATA=${BENCH_CSV:-$ROOT/build/bench/data.csv}
mkdir -p "$(dirname "$DATA")"
if [ ! -f "$DATA" ]; then
	/usr/bin/python3 "$ROOT/tests/bench/gen-data.py" --csv "$DATA" --jsonl - || exit 3
fi
BYTES=$(wc -c <"$DATA")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat "$DATA" >/dev/null # warm the page cache

# best of 3 wall-clock seconds
timeit() {
	best=
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then best=$t; fi
	done
	echo "$best"
}
mbs() { echo "scale=0; $BYTES / 1000000 / $1" | bc -l; }

t_wc=$(timeit wc -l "$DATA") || exit 3
t_p1=$(timeit "$BIN/qgate-data" profile "$DATA" --profile-out "$TMP/p1.json" -q) || exit 3
t_p2=$(timeit "$BIN/qgate-data" profile -j 2 "$DATA" --profile-out "$TMP/p2.json" -q) || exit 3
{
	echo "## qgate-data profile ($BYTES bytes, $(nproc) cores)"
	echo
	echo "| command | seconds | MB/s |"
	echo "|---|---:|---:|"
	echo "| wc -l | $t_wc | $(mbs "$t_wc") |"
	echo "| qgate-data profile | $t_p1 | $(mbs "$t_p1") |"
	echo "| qgate-data profile -j 2 | $t_p2 | $(mbs "$t_p2") |"
	echo
	echo "-j 2 speed-up: $(echo "scale=2; $t_p1 / $t_p2" | bc -l)x; profile / wc -l time: $(echo "scale=1; $t_p1 / $t_wc" | bc -l)x"
} >"$OUT"
