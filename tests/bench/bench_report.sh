#!/bin/sh
# bench_report.sh -- `qgate report` over 100 results (issue 16: under 100 ms)
#
# Builds (once, into BENCH_DIR/report-N) a folder of N results copied from
# the example gates' real results (data validate/drift, model check, lint,
# test, deploy; run into a temporary folder first by the examples' own
# scripts), each in its own step folder as `qgate run` lays them out. Then,
# in the same run, the best and the median of RUNS wall times of:
#   cat DIR/*/*.json > /dev/null                    the floor: reading the bytes
#   python3 (json.load of every file)               a straightforward reader, no rendering
#   qgate report DIR                                the text summary
#   qgate report DIR --html F --markdown F          both documents, written atomically
#
# Usage: tests/bench/bench_report.sh [BIN_DIR]
# Environment: RESULTS (100), RUNS (21), BENCH_DIR (build/bench)
set -u
BIN=${1:-build/bin}
BIN=$(cd "$BIN" && pwd) || exit 3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${RESULTS:-100}
RUNS=${RUNS:-21}
DIR=${BENCH_DIR:-$ROOT/build/bench}
PY=/usr/bin/python3
Q=$BIN/qgate
[ -x "$Q" ] || { echo "bench_report: $Q not built" >&2; exit 3; }
mkdir -p "$DIR"
R=$DIR/report-$N
if [ ! -d "$R" ]; then
	SRC=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX") || exit 3
	for s in demo-data.sh demo-drift.sh demo-model.sh lint/demo.sh test/demo.sh deploy/demo.sh; do
		(cd "$ROOT/examples" && sh "./$s" "$BIN" "$SRC") >/dev/null 2>&1
	done
	"$PY" - "$SRC" "$R" "$N" <<'EOF' || exit 3
import glob, json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = []
for f in sorted(glob.glob(os.path.join(src, "*.json"))):
    d = json.load(open(f))
    if d.get("schema") == "qgate.result/v1":
        docs.append((os.path.basename(f), d))
for i in range(n):
    name, d = docs[i % len(docs)]
    os.makedirs(os.path.join(out, "step%03d" % i))
    json.dump(d, open(os.path.join(out, "step%03d" % i, name), "w"), indent=2)
EOF
	rm -rf "$SRC"
fi
echo "bench_report: $(find "$R" -name '*.json' | wc -l) results, $(du -sk "$R" | cut -f1) KiB in $R; best and median of $RUNS"

# time_it NAME CMD...: best and median wall milliseconds of RUNS runs
time_it() {
	_name=$1
	shift
	_i=0
	: >"$DIR/report-times"
	while [ "$_i" -lt "$RUNS" ]; do
		_a=$(date +%s%N)
		"$@" >/dev/null 2>&1
		_b=$(date +%s%N)
		echo $(((_b - _a) / 1000)) >>"$DIR/report-times"
		_i=$((_i + 1))
	done
	sort -n "$DIR/report-times" | awk -v name="$_name" '{ v[NR] = $1 } END {
		printf "  %-44s best %7.1f ms   median %7.1f ms\n", name, v[1] / 1000, v[int((NR + 1) / 2)] / 1000 }'
}

time_it "cat (the floor)" sh -c "cat '$R'/*/*.json"
time_it "python3 json.load of every file" "$PY" -c "
import glob, json
for f in sorted(glob.glob('$R/*/*.json')): json.load(open(f))"
time_it "qgate report DIR" "$Q" report "$R"
time_it "qgate report DIR --html --markdown" "$Q" report "$R" --html "$DIR/report.html" --markdown "$DIR/report.md"
echo "  report.html $(wc -c <"$DIR/report.html") bytes, report.md $(wc -c <"$DIR/report.md") bytes"
