#!/bin/sh
# bench_junit.sh -- qgate-test's JUnit ingestion beside `xmllint --stream --noout` (issue 14)
#
# Generates (once, into BENCH_DIR) JUnit reports of the sizes asked and reads
# each in the same run with, under /usr/bin/time -v (wall time, peak RSS):
#   xmllint --stream --noout F                    libxml2's streaming reader: the floor
#   qgate-test --junit-in F --json /dev/null      the whole gate: read, verdict, result JSON
# Three shapes, because memory has two parts: the reader itself is flat in
# the file's size (expat streaming, one open element's text, capped), and the
# result names every test (baselines, shard timings and merges need them): a
# plain pass or skip is one line of the tests.passed check (~30 bytes), sorted
# 8 MiB at a time into temp files and merged into a spool (gates/test/sort.c),
# and the result JSON and JUnit report are streamed into their files
# (lib/report/result_write.c); failures beyond the first 2000 are lines
# spilled the same way, so what stays in memory grows only with the distinct
# classnames (each held once):
#   flat-N.xml   ~1 MB of <system-out> per case: RSS is the reader's alone;
#   out-N.xml    output-heavy: ~8 KiB of <system-out> per case (what big
#                real reports are made of), so few cases per MB;
#   cases-N.xml  many small cases (~160 bytes each: 5% failures with text,
#                3% skipped, 20% with a line of output, a class per ~14
#                cases) -- the per-case and per-class costs.
# Each case runs RUNS times and the run with the least CPU time is kept; MB/s
# is of CPU time (user + sys), since the machine is shared, and of wall time:
# the least wall time of the RUNS runs is reported beside it, since a report
# of QG_JUNIT_SPLIT_MIN bytes or more (32 MiB) is read as two pieces at once
# on two CPUs (gates/test/junit_split.c), so its CPU time exceeds its wall
# time. qgate-test's exit is 1 (the generated reports hold failures),
# xmllint's 0.
#
# Usage: tests/bench/bench_junit.sh [BIN_DIR]   (OUT=file.md for the table)
# Environment: SIZES_MB ("100 1000"), SHAPES ("flat out cases"), RUNS (1),
#              BENCH_DIR (build/bench), BEFORE (a directory holding an older
#              qgate-test to measure in the same run, e.g. one built from an
#              earlier commit; BEFORE_MAX_MB (200) skips it on bigger files)
set -u
BIN=${1:-build/bin}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZES_MB=${SIZES_MB:-100 1000}
SHAPES=${SHAPES:-flat out cases}
RUNS=${RUNS:-1}
DIR=${BENCH_DIR:-$ROOT/build/bench}
OUT=${OUT:-/dev/stdout}
QT=$BIN/qgate-test
mkdir -p "$DIR"
[ -x "$QT" ] || { echo "bench_junit: $QT not built" >&2; exit 3; }
command -v xmllint >/dev/null || { echo "bench_junit: xmllint not installed" >&2; exit 3; }

gen() { # gen SHAPE MB FILE
	/usr/bin/python3 - "$1" "$2" "$3" <<'EOF' || exit 3
import random, sys
shape, mb, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
target = mb * 1000 * 1000
rnd = random.Random(14)
out_line = "captured output &amp; more: &lt;ok&gt; line %d\n"
with open(path + ".tmp", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
    size, i, suite = 0, 0, 0
    while size < target:
        parts = ['  <testsuite name="pkg.mod%d" timestamp="2026-12-06T22:00:00" hostname="ci">\n' % suite]
        for _ in range(10 if shape == "flat" else 100):
            i += 1
            cls = "pkg.mod%d.TestClass%d" % (suite, i % 7)
            head = '    <testcase classname="%s" name="test_case_%d" time="%.4f" file="tests/test_mod%d.py" line="%d"' % (
                cls, i, rnd.random(), suite, 10 + i % 900)
            r = rnd.random()
            if shape == "flat":
                parts.append(head + '><system-out>' + (out_line % 0) * 26000 + '</system-out></testcase>\n')
            elif shape == "out":
                text = "".join(out_line % k for k in range(200))
                if r < 0.05:
                    parts.append(head + '><failure message="assert 1 == 2">Traceback\n' + "".join(out_line % k for k in range(25)) +
                                 '</failure><system-out>' + text + '</system-out></testcase>\n')
                else:
                    parts.append(head + '><system-out><![CDATA[' + text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") + ']]></system-out></testcase>\n')
            else:
                if r < 0.05:
                    parts.append(head + '><failure message="assert x == y" type="AssertionError">Traceback (most recent call last):\n'
                                 '  File "tests/test_mod.py", line 12, in test\n    assert x == y\nAssertionError: 1 != 2</failure></testcase>\n')
                elif r < 0.08:
                    parts.append(head + '><skipped message="not on this platform"/></testcase>\n')
                elif r < 0.28:
                    parts.append(head + '><system-out>' + (out_line % i) + '</system-out></testcase>\n')
                else:
                    parts.append(head + '/>\n')
        parts.append('  </testsuite>\n')
        chunk = "".join(parts)
        f.write(chunk)
        size += len(chunk)
        suite += 1
    f.write('</testsuites>\n')
import os
os.rename(path + ".tmp", path)
EOF
}

# measure CMD...: the fastest of RUNS runs (by CPU time: the machine is
# shared, so wall time says more about the neighbours), as
# "cpu_seconds wall_seconds max_rss_kb exit_code best_wall_seconds"
measure() {
	_best=
	_bw=
	_r=0
	while [ "$_r" -lt "$RUNS" ]; do
		_r=$((_r + 1))
		/usr/bin/time -v "$@" >/dev/null 2>"$DIR/time.txt"
		_rc=$?
		_w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time.txt" |
			awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
		_m=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")
		_u=$(sed -n 's/.*User time (seconds): //p' "$DIR/time.txt")
		_s=$(sed -n 's/.*System time (seconds): //p' "$DIR/time.txt")
		_c=$(awk "BEGIN { print $_u + $_s }")
		if [ -z "$_best" ] || awk "BEGIN { exit !($_c < ${_best%% *}) }"; then _best="$_c $_w $_m $_rc"; fi
		if [ -z "$_bw" ] || awk "BEGIN { exit !($_w < $_bw) }"; then _bw=$_w; fi
	done
	echo "$_best $_bw"
}

{
	echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(nproc 2>/dev/null) CPUs"
	echo
	echo "| file | MB | cases | tool | CPU s (user+sys) | wall s | MB/s (of CPU time) | MB/s (of wall time) | best wall s | MB/s (of best wall) | max RSS (MB) | exit |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"
for mb in $SIZES_MB; do
	for shape in $SHAPES; do
		F=$DIR/junit-$shape-$mb.xml
		[ -f "$F" ] || gen "$shape" "$mb" "$F"
		bytes=$(wc -c <"$F" | tr -d ' ')
		cases=$(grep -c '<testcase ' "$F")
		tools="xmllint qgate-test"
		[ -n "${BEFORE:-}" ] && [ "$mb" -le "${BEFORE_MAX_MB:-200}" ] && tools="xmllint qgate-test-before qgate-test"
		for tool in $tools; do
			case $tool in
			xmllint) set -- xmllint --stream --noout "$F" ;;
			qgate-test-before) set -- "$BEFORE/qgate-test" --junit-in "$F" --json /dev/null -q ;;
			*) set -- "$QT" --junit-in "$F" --json /dev/null -q ;;
			esac
			m=$(measure "$@")
			set -- $m
			awk -v f="$(basename "$F")" -v b="$bytes" -v c="$cases" -v t="$tool" -v s="$1" -v w="$2" -v r="$3" -v rc="$4" -v bw="$5" \
				'BEGIN { printf "| %s | %.0f | %d | %s | %.2f | %.2f | %.0f | %.0f | %.2f | %.0f | %.1f | %s |\n", f, b / 1e6, c, t, s, w, (s > 0 ? b / 1e6 / s : 0), (w > 0 ? b / 1e6 / w : 0), bw, (bw > 0 ? b / 1e6 / bw : 0), r / 1024, rc }' >>"$OUT"
		done
	done
done
