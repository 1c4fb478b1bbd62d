#!/bin/sh
# bench_files.sh -- many small files vs the same bytes in one file, old binary vs new (issue 12)
#
# Cuts the benchmark CSV (gen-data.py's, BENCH_DIR/data.csv) into FILES files
# of about FILE_BYTES bytes each (whole lines, each with the header) and one
# file holding the same rows once (tests/bench/gen-files.py), then measures in
# the same run, interleaved, each binary directory given (old first, new
# second; one directory measures one build):
#   validate --no-hash DIR/   vs   validate --no-hash ONE.csv
#   profile  --no-hash DIR/   vs   profile  --no-hash ONE.csv
# and max RSS of validate over the first SMALL and the first LARGE files
# (memory per file). CPU seconds (user + sys) are the figure to compare: the
# machine is shared, wall times are noisy. Each case runs RUNS times, the
# fastest is kept.
#
# Usage: tests/bench/bench_files.sh [OLD_BIN_DIR] NEW_BIN_DIR   (OUT=file.md)
# Environment: BENCH_DIR (/work/bench if it exists, else build/bench), FILES
#              (10000), FILE_BYTES (10240), SMALL (500), LARGE (5000), RUNS (1)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -d /work/bench ]; then DEF=/work/bench; else DEF=$ROOT/build/bench; fi
DIR=${BENCH_DIR:-$DEF}
FILES=${FILES:-10000}
FILE_BYTES=${FILE_BYTES:-10240}
SMALL=${SMALL:-500}
LARGE=${LARGE:-5000}
RUNS=${RUNS:-1}
OUT=${OUT:-/dev/stdout}
[ $# -ge 1 ] || { echo "usage: bench_files.sh [OLD_BIN_DIR] NEW_BIN_DIR" >&2; exit 2; }
mkdir -p "$DIR"
CSV=$DIR/data.csv
if [ ! -f "$CSV" ]; then
	/usr/bin/python3 "$ROOT/tests/bench/gen-data.py" --bytes 1000000000 --csv "$CSV" --jsonl - >&2 || exit 3
fi
FD=$DIR/files/d$FILES
ONE=$DIR/files/c$FILES.csv
if [ ! -d "$FD" ] || [ ! -f "$ONE" ]; then
	rm -rf "$FD"
	/usr/bin/python3 "$ROOT/tests/bench/gen-files.py" "$CSV" "$FD" "$FILES" "$FILE_BYTES" "$ONE" || exit 3
fi
for n in "$SMALL" "$LARGE"; do
	if [ ! -d "$DIR/files/first$n" ]; then
		mkdir -p "$DIR/files/first$n"
		ls "$FD" | head -n "$n" | while read -r f; do ln -f "$FD/$f" "$DIR/files/first$n/$f"; done
	fi
done
cp "$ROOT/tests/bench/bench_files_schema.json" "$DIR/files/schema.json" 2>/dev/null ||
	cp "$DIR/schema.json" "$DIR/files/schema.json" 2>/dev/null || {
	echo "bench_files: no schema (run bench_data.sh once, or add $DIR/files/schema.json)" >&2; exit 3; }
S=$DIR/files/schema.json

# measure LABEL CMD...: "label cpu_s wall_s rss_kb exit" (fastest of RUNS)
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
		/usr/bin/time -f "%U %S %e %M" -o "$DIR/files/time.txt" "$@" >/dev/null 2>"$DIR/files/err.txt"
		rc=$?
		line=$(tail -1 "$DIR/files/time.txt")
		cpu=$(echo "$line" | awk '{ printf "%.2f", $1 + $2 }')
		wall=$(echo "$line" | awk '{ print $3 }')
		rss=$(echo "$line" | awk '{ print $4 }')
		if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$cpu; bwall=$wall; brss=$rss
		fi
		i=$((i + 1))
	done
	echo "| $label | $best | $bwall | $brss | $rc |"
}

{
	echo "| case | CPU s | wall s | max RSS KiB | exit |"
	echo "|---|---:|---:|---:|---:|"
	for cmd in validate profile; do
		for b in "$@"; do
			tag=$(label "$b" "$@")
			if [ "$cmd" = validate ]; then
				extra="--schema $S --no-hash"
			else
				extra="--schema $S --no-hash --profile-out $DIR/files/p.json"
			fi
			# shellcheck disable=SC2086 # extra is flags without spaces
			measure "$tag $cmd $FILES files" "$b/qgate-data" $cmd $extra "$FD"
			# shellcheck disable=SC2086
			measure "$tag $cmd one file, same rows" "$b/qgate-data" $cmd $extra "$ONE"
		done
	done
	for b in "$@"; do
		tag=$(label "$b" "$@")
		for n in "$SMALL" "$LARGE"; do
			measure "$tag validate first $n files (RSS)" "$b/qgate-data" validate --schema "$S" --no-hash "$DIR/files/first$n"
		done
	done
} >"$DIR/files/table.md"
cat "$DIR/files/table.md" >"$OUT"
