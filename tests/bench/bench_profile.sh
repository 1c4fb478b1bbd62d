#!/bin/sh
# tests/bench/bench_profile.sh -- qgate-data profile throughput on one core and with -j 2
#
# Uses the 1 GB typed CSV of tests/bench/gen-data.py (generated once into
# build/bench/data.csv, or BENCH_CSV), times `wc -l` (the floor) and
# `qgate-data profile` with and without the artifacts' SHA-256 (--no-hash;
# hashing runs on a helper thread), on one thread and with -j 2. Each
# command runs RUNS times (default 3); the table gives the median wall
# seconds, the median CPU seconds (user + sys, all threads), MB/s from
# each, the fastest run's CPU seconds (the least disturbed by other load on
# a shared machine) and the largest peak RSS, as Markdown (OUT, default
# stdout).
# The machine is often shared: CPU seconds are the steadier single-core
# figure; wall seconds of -j 2 only mean something when two cores are idle.
# Target (issue 4): profile >= 500 MB/s on one core, -j 2 >= 1.7x, <= 64 MB.
# Run by hand (`make bench`); never a timed assertion in the test suite.
# Usage: tests/bench/bench_profile.sh [BIN_DIR]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${1:-$ROOT/build/bin}" && pwd)
OUT=${OUT:-/dev/stdout}
RUNS=${RUNS:-3}
DATA=${BENCH_CSV:-$ROOT/build/bench/data.csv}
mkdir -p "$(dirname "$DATA")"
if [ ! -f "$DATA" ]; then
	/usr/bin/python3 "$ROOT/tests/bench/gen-data.py" --csv "$DATA" --jsonl - || exit 3
fi
BYTES=$(wc -c <"$DATA")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat "$DATA" >/dev/null # warm the page cache

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# run NAME CMD...: RUNS timings through /usr/bin/time; prints "wall cpu rss_kb"
run() {
	name=$1
	shift
	: >"$TMP/$name.t"
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %U %S %M" -o "$TMP/one" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		cat "$TMP/one" >>"$TMP/$name.t"
	done
	w=$(awk '{print $1}' "$TMP/$name.t" | median)
	c=$(awk '{print $2 + $3}' "$TMP/$name.t" | median)
	m=$(awk 'BEGIN {m = 0} $4 > m {m = $4} END {print m}' "$TMP/$name.t")
	b=$(awk '{print $2 + $3}' "$TMP/$name.t" | sort -n | head -1)
	echo "$w $c $m $b"
}
mbs() { awk -v b="$BYTES" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? b / 1e6 / s : 0)}'; }
row() {
	set -- "$1" $2
	echo "| $1 | $2 | $(mbs "$2") | $3 | $(mbs "$3") | $5 | $(mbs "$5") | $(awk -v k="$4" 'BEGIN {printf "%.1f", k / 1024}') |"
}

P="$BIN/qgate-data profile -q --profile-out $TMP/p.json"
r_wc=$(run wc wc -l "$DATA") || exit 3
r_p1=$(run p1 $P "$DATA") || exit 3
r_n1=$(run n1 $P --no-hash "$DATA") || exit 3
r_p2=$(run p2 $P -j 2 "$DATA") || exit 3
r_n2=$(run n2 $P -j 2 --no-hash "$DATA") || exit 3
w() { echo "$1" | awk '{print $1}'; }
{
	echo "## qgate-data profile ($BYTES bytes, $(nproc) cores, median of $RUNS)"
	echo
	echo "| command | wall s | MB/s (wall) | CPU s | MB/s per core (CPU) | fastest CPU s | MB/s (fastest) | peak RSS MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	row "wc -l" "$r_wc"
	row "qgate-data profile" "$r_p1"
	row "qgate-data profile --no-hash" "$r_n1"
	row "qgate-data profile -j 2" "$r_p2"
	row "qgate-data profile -j 2 --no-hash" "$r_n2"
	echo
	echo "-j 2 speed-up (wall, --no-hash): $(awk -v a="$(w "$r_n1")" -v b="$(w "$r_n2")" 'BEGIN {printf "%.2f", a / b}')x;" \
	     "profile --no-hash / wc -l wall time: $(awk -v a="$(w "$r_n1")" -v b="$(w "$r_wc")" 'BEGIN {printf "%.1f", a / b}')x"
} >"$OUT"
