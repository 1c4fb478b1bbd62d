#!/bin/sh
# bench_lint.sh -- qgate-lint's built-in checks over a large real tree, beside reading it and its peers (issue 13)
#
# Copies SRC (default /usr/include; more trees in SRCS) once into a scratch
# git repository (BENCH_DIR/lint-tree, committed), then times in the same
# run, under /usr/bin/time (wall, user+sys CPU, peak RSS):
#   read        git ls-files -z | xargs -0 cat >/dev/null     the floor: reading the same files
#   lint -j1    qgate-lint --large-file-kib 1000000 -j 1      every default built-in check, one core
#   lint -j2    the same on two threads
#   peers       git diff --check (empty tree .. HEAD: whitespace), grep -rIl for merge markers
#   sarif       a ~100 MB SARIF 2.1.0 (SARIF_MB; 2 runs, rules, levels, suppressions, written
#               once by python3) read with --input --parser sarif: target under 1 s, RSS under 4x
#               the file (the RSS column against the file's size is printed); then a real
#               scanner's SARIF from ../shared/peer-reports (~370 B a result as json.dump writes it) repeated to the same size
# The page cache is warmed by one untimed read first; each case runs RUNS
# times and the fastest wall time is kept (the machine is shared). The
# verdict of qgate-lint is whatever the tree holds (exit 1 is normal: real
# headers have trailing whitespace and mixed endings); exit 3 is a failure.
#
# Usage: tests/bench/bench_lint.sh [BIN_DIR]   (OUT=file.md for the table)
# Environment: SRCS ("/usr/include"), RUNS (3), BENCH_DIR (build/bench),
# ONLY=sarif (just the two SARIF ingests: no tree copied, read or linted)
set -u
BIN=${1:-build/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN;; esac
SRCS=${SRCS:-/usr/include}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-$ROOT/build/bench}
OUT=${OUT:-/dev/stdout}
QL=$BIN/qgate-lint
[ -x "$QL" ] || { echo "bench_lint: $QL not built" >&2; exit 3; }
TREE=$DIR/lint-tree
ONLY=${ONLY:-}
mkdir -p "$DIR"
if [ "$ONLY" = sarif ]; then
	:
elif [ ! -d "$TREE/.git" ]; then
	rm -rf "$TREE" && mkdir -p "$TREE" || exit 3
	for s in $SRCS; do
		mkdir -p "$TREE/$(basename "$s")" && cp -R "$s/." "$TREE/$(basename "$s")/" 2>/dev/null
	done
	(cd "$TREE" && git init -q . && git add -A . 2>/dev/null &&
		git -c user.name=bench -c user.email=bench@example.com commit -q -m tree) || exit 3
fi
if [ "$ONLY" != sarif ]; then
	cd "$TREE" || exit 3
	files=$(git ls-files | wc -l)
	mb=$(git ls-files -z | xargs -0 cat 2>/dev/null | wc -c | awk '{ printf "%.0f", $1 / 1048576 }')
	git ls-files -z | xargs -0 cat >/dev/null 2>&1 # warm the cache
fi

# best NAME CMD...: the fastest of RUNS, as "wall cpu rss_mb"
best() {
	_name=$1; shift
	_best=
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$DIR/lint.time" "$@" >/dev/null 2>"$DIR/lint.err"
		_rc=$?
		if [ "$_rc" -ge 2 ] && [ "$_name" != grep ] && [ "$_name" != yamllint ] && [ "$_name" != "git diff --check" ]; then
			echo "bench_lint: $_name exited $_rc" >&2; head -3 "$DIR/lint.err" >&2
		fi
		_l=$(tail -1 "$DIR/lint.time" | awk '{ printf "%s %.2f %.1f", $1, $2 + $3, $4 / 1024 }')
		if [ -z "$_best" ] || awk -v a="${_l%% *}" -v b="${_best%% *}" 'BEGIN { exit !(a < b) }'; then _best=$_l; fi
		_i=$((_i + 1))
	done
	echo "$_best"
}

# symbolic links to folders make cat complain: qgate-lint does not read links either
if [ "$ONLY" != sarif ]; then
	read_t=$(best read sh -c 'git ls-files -z | xargs -0 cat >/dev/null 2>&1; exit 0')
	j1=$(best lint "$QL" --large-file-kib 1000000 -j 1 -q)
	j2=$(best lint "$QL" --large-file-kib 1000000 -j 2 -q)
	dc=$(best "git diff --check" git diff --check "$(git hash-object -t tree /dev/null)" HEAD)
	gr=$(best grep grep -rIlE --exclude-dir=.git '^(<<<<<<< |>>>>>>> )' .)
fi
# the SARIF ingest: one generated report (~SARIF_MB MB), read once per run
SARIF=$DIR/lint-big.sarif
SARIF_MB=${SARIF_MB:-100}
if [ ! -s "$SARIF" ]; then
	/usr/bin/python3 - "$SARIF" "$SARIF_MB" <<'PY' || exit 3
import json, sys
path, mb = sys.argv[1], int(sys.argv[2])
per = 225  # bytes a result takes, about (a dense log: short messages, no fingerprints)
n = mb * 1024 * 1024 // per // 2
with open(path, "w") as f:
    f.write('{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[')
    for run in range(2):
        f.write(("," if run else "") + json.dumps({"tool": {"driver": {"name": "tool%d" % run, "rules": [
            {"id": "R%03d" % r, "defaultConfiguration": {"level": ["error", "warning", "note"][r % 3]}}
            for r in range(100)]}}})[:-1] + ',"results":[')
        for i in range(n):
            res = {"ruleId": "R%03d" % (i % 100), "message": {"text": "finding %d of run %d: something is off here" % (i, run)},
                   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/dir%d/file%d.c" % (i % 50, i % 997)},
                                                       "region": {"startLine": i % 5000 + 1, "startColumn": i % 80 + 1}}}]}
            if i % 10 == 0:
                res["suppressions"] = [{"kind": "inSource"}]
            f.write(("," if i else "") + json.dumps(res, separators=(",", ":")))
        f.write("]}")
    f.write("]}\n")
PY
fi
sarif_mb=$(wc -c <"$SARIF" | awk '{ printf "%.0f", $1 / 1048576 }')
sa=$(best lint "$QL" --input "$SARIF" --parser sarif --max-errors -1 -q)
# and a real tool's log (a security scanner's, from ../shared/peer-reports: ~750 bytes a result)
# with its results repeated to the same size, lines shifted so they stay distinct
PEER=$ROOT/../shared/peer-reports/sarif/analysis-model__security-scan.sarif
SARIF2=$DIR/lint-peer.sarif
pa=
if [ -f "$PEER" ]; then
	[ -s "$SARIF2" ] || /usr/bin/python3 - "$PEER" "$SARIF2" "$SARIF_MB" <<'PY' || exit 3
import copy, json, os, sys
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(src))
run = d["runs"][0]
base = run["results"]
per = sum(len(json.dumps(r)) for r in base) / max(len(base), 1) + 1
n = int(mb * 1024 * 1024 / per)
out = []
for i in range(n):
    r = copy.deepcopy(base[i % len(base)])
    for loc in r.get("locations", []):
        reg = loc.get("physicalLocation", {}).get("region")
        if reg and "startLine" in reg:
            reg["startLine"] += i // len(base)
            if "endLine" in reg:
                reg["endLine"] += i // len(base)
    out.append(r)
run["results"] = out
json.dump(d, open(dst, "w"))
PY
	peer_mb=$(wc -c <"$SARIF2" | awk '{ printf "%.0f", $1 / 1048576 }')
	pa=$(best lint "$QL" --input "$SARIF2" --parser sarif --max-errors -1 -q)
fi

w() { echo "$1" | awk '{ print $1 }'; }
ratio() { awk -v a="$(w "$1")" -v b="$(w "$2")" 'BEGIN { printf "%.2f", a / b }'; }
cratio() { awk -v a="$(echo "$1" | awk '{ print $2 }')" -v b="$(echo "$2" | awk '{ print $2 }')" 'BEGIN { printf "%.2f", a / b }'; }
{
	if [ "$ONLY" = sarif ]; then
		echo "# bench_lint: the SARIF ingests only, $(nproc) CPUs, best of $RUNS"
	else
		echo "# bench_lint: $files files, $mb MB ($SRCS), $(nproc) CPUs, best of $RUNS"
	fi
	echo
	echo "| case | wall s | cpu s | RSS MB | wall vs read | cpu vs read |"
	echo "| --- | --- | --- | --- | --- | --- |"
	[ "$ONLY" = sarif ] || for row in "read: git ls-files, xargs cat=$read_t" "qgate-lint -j 1, all default checks=$j1" \
		"qgate-lint -j 2=$j2" "git diff --check, whitespace only=$dc" "grep -rIl, merge markers=$gr"; do
		name=${row%%=*}; v=${row#*=}
		echo "| $name | $(echo "$v" | awk '{ print $1 " | " $2 " | " $3 }') | $(ratio "$v" "$read_t") | $(cratio "$v" "$read_t") |"
	done
	echo "| qgate-lint --input ${sarif_mb} MB SARIF | $(echo "$sa" | awk '{ print $1 " | " $2 " | " $3 }') | | |"
	[ -n "$pa" ] && echo "| qgate-lint --input ${peer_mb} MB SARIF (a scanner's log repeated) | $(echo "$pa" | awk '{ print $1 " | " $2 " | " $3 }') | | |"
	echo
	[ "$ONLY" = sarif ] || echo "-j 2 speed-up over -j 1: $(ratio "$j1" "$j2")x (wall), CPU -j 1 $(echo "$j1" | awk '{ print $2 }') s, -j 2 $(echo "$j2" | awk '{ print $2 }') s"
	echo "SARIF: RSS $(echo "$sa" | awk -v mb="$sarif_mb" '{ printf "%.2f", $3 / mb }')x the file (target under 4x), wall $(w "$sa") s (target under 1 s)"
	[ -n "$pa" ] && echo "SARIF (scanner's): RSS $(echo "$pa" | awk -v mb="$peer_mb" '{ printf "%.2f", $3 / mb }')x the file, wall $(w "$pa") s"
	echo "load when done: $(uptime | sed 's/.*load average: //')"
} >"$OUT"
