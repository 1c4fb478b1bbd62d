#!/bin/sh
# bench_shard.sh -- --shard k/4 of one 1 GB CSV, old binary vs new, shard by shard (issue 12)
#
# Before issue 12 a shard scanned every byte before its range (counting
# newlines and quotes) and hashed the whole file; now it walks the bytes before
# its range for the record boundary and the line count, and hashes nothing.
# Measures, interleaved, for each binary directory given (old first, new
# second): the unsharded validate (--no-hash, the 1 GB/s figure, and with the
# hash), then validate --shard k/4 for k = 1..4 as a user runs it (default
# hash). CPU seconds (user + sys) are the figure to compare; wall times are
# noisy on a shared machine. Fastest of RUNS.
#
# Usage: tests/bench/bench_shard.sh [OLD_BIN_DIR] NEW_BIN_DIR   (OUT=file.md)
# Environment: BENCH_DIR (/work/bench if it exists, else build/bench), RUNS (1)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -d /work/bench ]; then DEF=/work/bench; else DEF=$ROOT/build/bench; fi
DIR=${BENCH_DIR:-$DEF}
RUNS=${RUNS:-1}
OUT=${OUT:-/dev/stdout}
[ $# -ge 1 ] || { echo "usage: bench_shard.sh [OLD_BIN_DIR] NEW_BIN_DIR" >&2; exit 2; }
mkdir -p "$DIR"
CSV=$DIR/data.csv
if [ ! -f "$CSV" ]; then
	/usr/bin/python3 "$ROOT/tests/bench/gen-data.py" --bytes 1000000000 --csv "$CSV" --jsonl - >&2 || exit 3
fi
S=$ROOT/tests/bench/bench_files_schema.json
MB=$(($(wc -c <"$CSV") / 1000000))

# label BIN_DIR ALL...: "old" for the first of two directories, "new" for the second
label() {
	b=$1; shift
	if [ $# -eq 2 ]; then
		if [ "$b" = "$1" ]; then echo old; else echo new; fi
	else
		echo "$b"
	fi
}

measure() {
	label=$1; shift
	best=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		/usr/bin/time -f "%U %S %e %M" -o "$DIR/shard-time.txt" "$@" >/dev/null 2>"$DIR/shard-err.txt"
		rc=$?
		line=$(tail -1 "$DIR/shard-time.txt")
		cpu=$(echo "$line" | awk '{ printf "%.2f", $1 + $2 }')
		wall=$(echo "$line" | awk '{ print $3 }')
		rss=$(echo "$line" | awk '{ print $4 }')
		if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$cpu; bwall=$wall; brss=$rss
		fi
		i=$((i + 1))
	done
	echo "| $label | $best | $bwall | $(awk -v c="$best" -v m="$MB" 'BEGIN { printf "%.0f", (c > 0 ? m / c : 0) }') | $((brss / 1024)) | $rc |"
}

{
	echo "| case ($MB MB CSV) | CPU s | wall s | MB/CPU s (whole file) | max RSS MiB | exit |"
	echo "|---|---:|---:|---:|---:|---:|"
	for b in "$@"; do
		tag=$(label "$b" "$@")
		measure "$tag unsharded --no-hash" "$b/qgate-data" validate --schema "$S" --no-hash "$CSV"
		measure "$tag unsharded (SHA-256)" "$b/qgate-data" validate --schema "$S" "$CSV"
	done
	for k in 1 2 3 4; do
		for b in "$@"; do
			tag=$(label "$b" "$@")
			measure "$tag --shard $k/4" "$b/qgate-data" validate --schema "$S" --shard "$k/4" "$CSV"
		done
	done
} >"$DIR/shard-table.md"
cat "$DIR/shard-table.md" >"$OUT"
