#!/bin/sh
# bench_data.sh -- qgate-data validate against its peers on a generated 1 GB CSV and JSONL
#
# Generates (once) a CSV of BENCH_BYTES bytes with ten typed columns and a
# JSONL file with the same rows (tests/bench/gen-data.py), then measures in
# the same run, each with /usr/bin/time -v (wall time, CPU time, peak RSS):
#   wc -l                                  the floor: reading the bytes
#   qgate-data validate CSV   -j 1 and -j 2 (--no-hash: no SHA-256 of the input)
#   qgate-data validate CSV   -j 1 with the artifact hash (the default)
#   qgate-data validate JSONL -j 1
#   mlr --icsv --ojson cat > /dev/null     Miller reading and re-emitting every record (slice)
#   csvclean -n                            csvkit's row-shape check (dry run)
#   python3-jsonschema                     each JSONL line against an equivalent JSON Schema
# Miller and the Python peers are slow; by default they read the first PEER_BYTES of
# the same files (whole lines) and their MB/s is compared. Each fast case
# runs RUNS times and the fastest run is kept (the machine is shared).
#
# Usage: tests/bench/bench_data.sh [BIN_DIR]   (OUT=file.md for the table)
# Environment: BENCH_BYTES (1000000000), PEER_BYTES (100000000), RUNS (3),
#              BENCH_DIR (build/bench)
set -u
BIN=${1:-build/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_BYTES=${BENCH_BYTES:-1000000000}
PEER_BYTES=${PEER_BYTES:-100000000}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-$ROOT/build/bench}
OUT=${OUT:-/dev/stdout}
QD=$BIN/qgate-data
mkdir -p "$DIR"
CSV=$DIR/data.csv
JSONL=$DIR/data.jsonl
[ -x "$QD" ] || { echo "bench_data: $QD not built" >&2; exit 3; }

size_of() { wc -c <"$1" | tr -d ' '; }
if [ ! -f "$CSV" ] || [ ! -f "$JSONL" ] || [ "$(size_of "$CSV")" -lt "$BENCH_BYTES" ]; then
	/usr/bin/python3 "$ROOT/tests/bench/gen-data.py" --bytes "$BENCH_BYTES" --csv "$CSV" --jsonl "$JSONL" >&2 || exit 3
fi
# whole-line prefixes for the slow peers
head -c "$PEER_BYTES" "$CSV" | sed '$d' >"$DIR/peer.csv"
head -c "$PEER_BYTES" "$JSONL" | sed '$d' >"$DIR/peer.jsonl"

cat >"$DIR/schema.json" <<'EOF'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true, "minimum": 1}},
  {"name": "x", "type": "number", "constraints": {"minimum": -1000, "maximum": 1000}},
  {"name": "y", "type": "number"},
  {"name": "amount", "type": "integer", "constraints": {"minimum": 0, "maximum": 1000000}},
  {"name": "name", "type": "string", "constraints": {"maxLength": 64}},
  {"name": "email", "type": "string", "format": "email"},
  {"name": "status", "type": "string", "constraints": {"enum": ["active", "pending", "suspended", "closed", "trial"]}},
  {"name": "day", "type": "date", "constraints": {"minimum": "2015-01-01"}},
  {"name": "active", "type": "boolean"},
  {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z0-9]{6}"}}
 ], "primaryKey": "id"}
EOF
# the same constraints as a JSON Schema, for python3-jsonschema
cat >"$DIR/jsonschema_check.py" <<'EOF'
import json, sys
import jsonschema
schema = {
    "type": "object",
    "required": ["id", "x", "y", "amount", "name", "email", "status", "day", "active", "code"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "x": {"type": "number", "minimum": -1000, "maximum": 1000},
        "y": {"type": "number"},
        "amount": {"type": "integer", "minimum": 0, "maximum": 1000000},
        "name": {"type": "string", "maxLength": 64},
        "email": {"type": "string", "format": "email"},
        "status": {"enum": ["active", "pending", "suspended", "closed", "trial"]},
        "day": {"type": "string", "format": "date"},
        "active": {"type": "boolean"},
        "code": {"type": "string", "pattern": "^[A-Z0-9]{6}$"},
    },
}
cls = jsonschema.validators.validator_for(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = rows = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        rows += 1
        for _ in v.iter_errors(json.loads(line)):
            bad += 1
print("rows", rows, "violations", bad)
EOF

# measure NAME BYTES CMD...: fastest of RUNS (1 for slow peers); prints a row
results=$DIR/results.txt
: >"$results"
measure() {
	name=$1; bytes=$2; runs=$3; shift 3
	best=
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -v -o "$DIR/time.txt" "$@" >"$DIR/cmd.out" 2>"$DIR/cmd.err"
		rc=$?
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time.txt" |
			awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
		user=$(sed -n 's/.*User time (seconds): //p' "$DIR/time.txt")
		sys=$(sed -n 's/.*System time (seconds): //p' "$DIR/time.txt")
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")
		cpu=$(echo "$user $sys" | awk '{ printf "%.2f", $1 + $2 }')
		if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall; bcpu=$cpu; brss=$rss; brc=$rc
		fi
		i=$((i + 1))
	done
	echo "$name|$bytes|$best|$bcpu|$brss|$brc" >>"$results"
	echo "bench_data: $name: ${best}s wall, ${bcpu}s cpu, ${brss} KiB, exit $brc" >&2
}

CB=$(size_of "$CSV"); JB=$(size_of "$JSONL")
PCB=$(size_of "$DIR/peer.csv"); PJB=$(size_of "$DIR/peer.jsonl")
cat "$CSV" "$JSONL" >/dev/null # warm the page cache: every case reads from memory
measure "wc -l (CSV)" "$CB" "$RUNS" wc -l "$CSV"
measure "qgate-data validate CSV -j1 --no-hash" "$CB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" -j 1 "$CSV"
measure "qgate-data validate CSV -j2 --no-hash" "$CB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" -j 2 "$CSV"
measure "qgate-data validate CSV -j1 (with SHA-256)" "$CB" "$RUNS" "$QD" validate -q --schema "$DIR/schema.json" -j 1 "$CSV"
measure "qgate-data validate JSONL -j1 --no-hash" "$JB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" -j 1 "$JSONL"
measure "qgate-data validate JSONL -j2 --no-hash" "$JB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" -j 2 "$JSONL"
measure "wc -l (JSONL)" "$JB" "$RUNS" wc -l "$JSONL"
measure "qgate-data validate CSV -j1 --no-hash (peer slice)" "$PCB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" "$DIR/peer.csv"
measure "qgate-data validate JSONL -j1 --no-hash (peer slice)" "$PJB" "$RUNS" "$QD" validate -q --no-hash --schema "$DIR/schema.json" "$DIR/peer.jsonl"
if command -v mlr >/dev/null 2>&1; then
	measure "mlr --icsv --ojson cat (peer slice)" "$PCB" 1 sh -c 'mlr --icsv --ojson cat "$1" >/dev/null' sh "$DIR/peer.csv"
fi
if command -v csvclean >/dev/null 2>&1; then
	measure "csvclean -n (peer slice)" "$PCB" 1 csvclean -n "$DIR/peer.csv"
fi
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	measure "python3-jsonschema (peer slice)" "$PJB" 1 /usr/bin/python3 "$DIR/jsonschema_check.py" "$DIR/peer.jsonl"
fi

# the table: MB/s by wall time and by CPU time, ratios against qgate on the same bytes
awk -F'|' -v out="$OUT" '
function mbs(b, t) { return t > 0 ? b / t / 1e6 : 0 }
function rate(b, t) { return t > 0 ? sprintf("%.0f", b / t / 1e6) : "(too fast to time)" }
{ name[NR] = $1; bytes[NR] = $2; wall[NR] = $3; cpu[NR] = $4; rss[NR] = $5; rc[NR] = $6; n = NR
  if ($1 == "qgate-data validate CSV -j1 --no-hash") qcsv = NR
  if ($1 == "qgate-data validate CSV -j1 --no-hash (peer slice)") qcsvp = NR
  if ($1 == "qgate-data validate JSONL -j1 --no-hash (peer slice)") qjsp = NR
  if ($1 == "qgate-data validate JSONL -j1 --no-hash") qjs = NR }
END {
  print "| case | MB | wall s | MB/s (wall) | CPU s | MB/s (CPU) | peak RSS MiB | exit |" > out
  print "|---|---:|---:|---:|---:|---:|---:|---:|" > out
  for (i = 1; i <= n; i++)
    printf "| %s | %.0f | %.2f | %s | %.2f | %s | %.1f | %s |\n", name[i], bytes[i] / 1e6, wall[i],
      rate(bytes[i], wall[i]), cpu[i], rate(bytes[i], cpu[i]), rss[i] / 1024, rc[i] > out
  print "" > out
  for (i = 1; i <= n; i++) {
    ref = (name[i] ~ /peer slice/) ? (name[i] ~ /JSONL|jsonschema/ ? qjsp : qcsvp) : (name[i] ~ /JSONL/ ? qjs : qcsv)
    if (ref && i != ref && cpu[i] > 0 && wall[i] > 0 && cpu[ref] > 0)
      printf "- qgate-data vs %s: %.2fx its speed by wall time, %.2fx by CPU time (same bytes)\n", name[i],
        mbs(bytes[ref], wall[ref]) / mbs(bytes[i], wall[i]), mbs(bytes[ref], cpu[ref]) / mbs(bytes[i], cpu[i]) > out
  }
}' "$results"
