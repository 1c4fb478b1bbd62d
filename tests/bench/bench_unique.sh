#!/bin/sh
# bench_unique.sh -- unique/primaryKey at growing sizes: time and peak RSS, old vs new
#
# For each row count N, generates (once) a CSV "id,v" of N distinct string
# ids in a scrambled order ("u" + 10 digits, (i * 7919) mod N) with one
# planted duplicate (line 2's id again at 90% of the file), then runs in the
# same loop, interleaved, each under /usr/bin/time (wall seconds, max RSS):
#   base    qgate-data validate with a schema without constraints
#   unique  the same with "unique": true on id
#   pk      the same with "primaryKey": "id"
# for the new binary and, when OLD is set, the old one (OLD_ARGS, default
# "--unique-memory 8192": the old default of 32 MiB cannot hold 1 M string
# ids; with OLD_ARGS empty the old binary runs base too). Old runs are
# capped by OLD_TIMEOUT seconds (default 300). The expected verdict is
# exit 1 (one duplicate) for unique/pk, 0 for base. RUNS (default 1) repeats
# the whole interleaved round; with RUNS > 1 a summary follows: per binary
# and case the median wall and CPU (user + sys) seconds and the ratio to the
# same binary's base run.
#
# Usage: tests/bench/bench_unique.sh [N...]   (default: 1000000 5000000 10000000 20000000)
# Environment: NEW (build/bin/qgate-data), OLD (unset: no old runs),
#              BENCH_DIR (/work/bench/unique: generated data, never in the repo),
#              JOBS (-j for every run, default 1), ARGS (extra flags, new and old),
#              RUNS (rounds, default 1), SETTLE (seconds of sleep before each
#              run, default 0: on a VM that hands freed memory back to its host
#              a run started right after a large one finds warm pages, and the
#              order of the cases then biases them; 5 puts every run in the
#              state of a run started on its own)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NEW=${NEW:-$ROOT/build/bin/qgate-data}
OLD=${OLD:-}
OLD_ARGS=${OLD_ARGS---unique-memory 8192}
OLD_TIMEOUT=${OLD_TIMEOUT:-300}
DIR=${BENCH_DIR:-/work/bench/unique}
JOBS=${JOBS:-1}
ARGS=${ARGS:-}
RUNS=${RUNS:-1}
SETTLE=${SETTLE:-0}
[ $# -gt 0 ] || set -- 1000000 5000000 10000000 20000000
[ -x "$NEW" ] || { echo "bench_unique: $NEW not built" >&2; exit 3; }
mkdir -p "$DIR"
echo '{"fields": [{"name": "id"}, {"name": "v", "type": "integer"}]}' >"$DIR/base.json"
echo '{"fields": [{"name": "id", "constraints": {"unique": true}}, {"name": "v", "type": "integer"}]}' >"$DIR/unique.json"
echo '{"fields": [{"name": "id"}, {"name": "v", "type": "integer"}], "primaryKey": "id"}' >"$DIR/pk.json"

gen() {
	[ -s "$2" ] && return 0
	/usr/bin/python3 - "$1" "$2" <<'EOF' || exit 3
import sys
n, path = int(sys.argv[1]), sys.argv[2]
dup = int(n * 0.9)
with open(path + ".tmp", "w") as f:
    f.write("id,v\n")
    step = 1000000
    for lo in range(0, n, step):
        rows = []
        for i in range(lo, min(n, lo + step)):
            k = 0 if i == dup else (i * 7919) % n
            rows.append("u%010d,%d\n" % (k, i))
        f.write("".join(rows))
import os
os.rename(path + ".tmp", path)
EOF
}

# run LABEL BIN TIMEOUT ARGS...: one line "| label | exit | wall | cpu | rss_mb |"
run() {
	_l=$1; _b=$2; _t=$3; shift 3
	[ "$SETTLE" = 0 ] || sleep "$SETTLE"
	/usr/bin/time -f "%e %U %S %M" -o "$DIR/time.out" timeout "$_t" "$_b" validate --no-hash -j "$JOBS" "$@" >/dev/null 2>"$DIR/err.out"
	_rc=$?
	set -- $(tail -1 "$DIR/time.out")
	printf '| %s | %s | %s | %s | %d |\n' "$_l" "$_rc" "$1" "$(echo "${2:-0} ${3:-0}" | awk '{printf "%.2f", $1 + $2}')" \
		$(( ${4:-0} / 1024 )) | tee -a "$DIR/rows.out"
}

echo "load: $(uptime)"
echo "| rows | case | binary | exit | wall s | CPU s | max RSS MB |"
echo "|---:|---|---|---:|---:|---:|---:|"
: >"$DIR/rows.out"
for n in "$@"; do
	gen "$n" "$DIR/ids.$n.csv"
done
r=0
while [ "$r" -lt "$RUNS" ]; do
	r=$((r + 1))
	for n in "$@"; do
		csv=$DIR/ids.$n.csv
		for c in base unique pk; do
			run "$n | $c | new" "$NEW" 3600 --schema "$DIR/$c.json" $ARGS "$csv"
			if [ -n "$OLD" ] && { [ "$c" != base ] || [ -z "$OLD_ARGS" ]; }; then
				run "$n | $c | old" "$OLD" "$OLD_TIMEOUT" --schema "$DIR/$c.json" $OLD_ARGS $ARGS "$csv"
			fi
		done
	done
done
echo "load: $(uptime)"
if [ "$RUNS" -gt 1 ]; then
	echo
	echo "| rows | binary | case | median wall s | median CPU s | wall / base | CPU / base |"
	echo "|---:|---|---|---:|---:|---:|---:|"
	/usr/bin/python3 - "$DIR/rows.out" <<'EOF'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    f = [x.strip() for x in line.strip().strip('|').split('|')]
    t.setdefault((f[0], f[2], f[1]), []).append((float(f[4]), float(f[5])))
for (n, binary, case), v in sorted(t.items(), key=lambda kv: (int(kv[0][0]), kv[0][1], kv[0][2])):
    w = statistics.median(x[0] for x in v)
    c = statistics.median(x[1] for x in v)
    b = t.get((n, binary, 'base'))
    rw = rc = ''
    if b and case != 'base':
        bw = statistics.median(x[0] for x in b)
        bc = statistics.median(x[1] for x in b)
        rw = '%.1fx' % (w / bw) if bw else '-'
        rc = '%.1fx' % (c / bc) if bc else '-'
    print('| %s | %s | %s | %.2f | %.2f | %s | %s |' % (n, binary, case, w, c, rw, rc))
EOF
fi
rm -f "$DIR/time.out" "$DIR/err.out" "$DIR/rows.out"
