#!/bin/sh
# bench_model.sh -- qgate-model metrics vs pandas + scikit-learn on 10M binary rows
#
# usage: tests/bench/bench_model.sh [BIN_DIR] [ROWS]
# Generates ROWS (default 10,000,000) rows "label,score" (scores with 6
# decimals, 40% positives) with awk, then times both sides end to end
# (reading included) with /usr/bin/time -v in the same run, checks that their
# numbers agree to 1e-9, and prints wall time, peak RSS and the ratios.
# Driven by hand (make bench); never a timed assertion in the test suite.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
ROWS=${2:-10000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/qgate-bench-model.XXXXXX")
trap 'rm -rf "$W"' EXIT
F=$W/preds.csv

awk -v n="$ROWS" 'BEGIN { srand(1); print "label,score";
	for (i = 0; i < n; i++) { y = rand() < 0.4; s = (y ? 0.62 : 0.38) + (rand() + rand() + rand() - 1.5) * 0.4;
		if (s < 0) s = 0; if (s > 1) s = 1; printf "%d,%.6f\n", y, s } }' >"$F"
echo "rows: $ROWS, file: $(du -h "$F" | cut -f1)"

measure() { # measure NAME OUT CMD...: wall seconds and max RSS KiB
	name=$1; out=$2; shift 2
	/usr/bin/time -v "$@" >"$out" 2>"$W/$name.time"
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$W/$name.time")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/$name.time")
	echo "$name: ${wall}s, peak RSS ${rss} KiB"
	eval "${name}_wall=$wall ${name}_rss=$rss"
}

# warm the page cache for both
cat "$F" >/dev/null
measure qgate "$W/qgate.json" "$BIN/qgate-model" metrics --predictions "$F" --task binary
# OPENBLAS_* slow a current numpy down on some CPUs (see the env notes): unset for the peer
measure sklearn "$W/sklearn.json" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$ROOT/tests/bench/bench_model_sklearn.py" "$F"

/usr/bin/python3 - "$W/qgate.json" "$W/sklearn.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["metrics"]; b = json.load(open(sys.argv[2]))["metrics"]
bad = [k for k in b if abs(a[k] - b[k]) > 1e-9 * max(1, abs(b[k]))]
print("agreement: " + ("all %d metrics within 1e-9" % len(b) if not bad else "DIFFER: " + ", ".join(bad)))
sys.exit(1 if bad else 0)
PY
arrays_kib=$((ROWS * 9 / 1024))
awk -v qw="$qgate_wall" -v sw="$sklearn_wall" -v qr="$qgate_rss" -v sr="$sklearn_rss" -v arr="$arrays_kib" 'BEGIN {
	printf "speedup: %.1fx (sklearn %.2fs / qgate %.2fs)\n", sw / qw, sw, qw;
	printf "memory: qgate %.0f MiB = %.2fx the label+score arrays (%.0f MiB at 9 bytes/row); sklearn %.0f MiB\n",
		qr / 1024, qr / arr, arr / 1024, sr / 1024 }'
