#!/bin/sh
# bench_model_check.sh -- qgate-model check --baseline (the champion comparison) on many rows
#
# usage: tests/bench/bench_model_check.sh [BIN_DIR] [ROWS] [OLD_BIN_DIR [OLD_REPLICATES]]
# Generates ROWS (default 10,000,000) paired rows "label,score" for a candidate
# and a champion (40% positives, scores with 6 decimals) with awk, then times
# `check --baseline` with four baseline rules (roc_auc, accuracy (McNemar plus
# the bootstrap interval), log_loss, f1) and the default 1000 replicates, end
# to end (both files read), with /usr/bin/time: wall, user and system CPU, peak
# RSS. With OLD_BIN_DIR, the old binary runs the same command right after with
# OLD_REPLICATES (default 1000) replicates and again with --bootstrap 0, in
# the same run: the cost of its 1000 replicates is extrapolated linearly from
# the difference when OLD_REPLICATES < 1000 (a full old run on 10M rows takes
# most of an hour). Driven by hand; never a timed assertion in the test suite.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
ROWS=${2:-10000000}
OLD=${3:-}
OLD_REPS=${4:-1000}
W=$(mktemp -d "${TMPDIR:-/tmp}/qgate-bench-check.XXXXXX")
trap 'rm -rf "$W"' EXIT

awk -v n="$ROWS" -v d="$W" 'BEGIN { srand(1); print "label,score" > (d "/cand.csv"); print "label,score" > (d "/champ.csv");
	for (i = 0; i < n; i++) { y = rand() < 0.4; m = y ? 0.62 : 0.38;
		s = m + (rand() + rand() + rand() - 1.5) * 0.4; if (s < 0) s = 0; if (s > 1) s = 1;
		t = m + (rand() + rand() + rand() - 1.5) * 0.4; if (t < 0) t = 0; if (t > 1) t = 1;
		printf "%d,%.6f\n", y, s > (d "/cand.csv"); printf "%d,%.6f\n", y, t > (d "/champ.csv") } }'
echo "rows: $ROWS, files: $(du -h "$W/cand.csv" | cut -f1) each"
cat "$W/cand.csv" "$W/champ.csv" >/dev/null # warm the page cache

measure() { # measure NAME BIN EXTRA...: prints wall, user, sys, RSS
	name=$1; bin=$2; shift 2
	/usr/bin/time -f '%e %U %S %M' -o "$W/$name.time" "$bin/qgate-model" check --predictions "$W/cand.csv" \
		--baseline "$W/champ.csv" --task binary --require 'roc_auc >= baseline-0.01' --require 'accuracy >= baseline' \
		--require 'log_loss <= baseline+0.01' --require 'f1 >= baseline-0.01' --json "$W/$name.json" "$@" \
		>/dev/null 2>"$W/$name.err" || true
	read -r wall user sys rss <<EOF
$(tail -n 1 "$W/$name.time")
EOF
	printf '%-14s wall %7.2f s  user %7.2f s  sys %5.2f s  peak RSS %4d MiB\n' "$name" "$wall" "$user" "$sys" $((rss / 1024))
	eval "${name}_cpu=\$(echo \"$user + $sys\" | bc)"
}

measure new "$BIN"
/usr/bin/python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["checks"]:
    print("  %-18s %-28s rows/replicate %-8d interval [%+.6f, %+.6f]" % (c["id"], c["method"], c["bootstrap_rows"], *c["interval"]))' "$W/new.json"
if [ -n "$OLD" ]; then
	measure old "$OLD" --bootstrap "$OLD_REPS"
	measure old_noboot "$OLD" --bootstrap 0
	# shellcheck disable=SC2154
	echo "old, 1000 replicates (CPU s, extrapolated from $OLD_REPS): $(echo "scale=1; $old_noboot_cpu + ($old_cpu - $old_noboot_cpu) * 1000 / $OLD_REPS" | bc)"
	echo "new, 1000 replicates (CPU s, measured): $new_cpu"
fi
