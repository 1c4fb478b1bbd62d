#!/bin/sh
# t_test_junit_split.sh -- a big JUnit report read as two pieces at once gives what one parse gives (issue 14)
#
# qgate-test reads a report of QG_JUNIT_SPLIT_MIN bytes or more (default 32 MiB) on two threads:
# the second from the first <testcase> after the middle, behind a prefix that reopens the suites
# open there, and takes it only if the first parse confirms the cut (gates/test/junit_in.c). Here
# QG_JUNIT_SPLIT_MIN=1 forces the attempt on small reports and QG_JUNIT_SPLIT_MIN=0 forbids it;
# for each report the two runs must agree byte for byte: the result JSON (its clock fields
# aside), the JUnit report, the text on stdout and stderr, the exit. `-v` says which way the
# report was read, and each report says which way it must be read: two pieces where the cut is
# clean (one suite, suites under <testsuites>, a bare <testsuite> root, CRLF and multibyte text,
# 2,600 failures across the cut, reruns, declared counts), one piece where it is not (a
# <testcase> in a comment or in CDATA at the middle, a DOCTYPE, another encoding, nested suites,
# the failure-text budget). Broken reports -- malformed, truncated, nested too deep, all on one
# line after a byte order mark -- must name the same file:line:column whichever piece met it.
. "$(dirname "$0")/lib.sh"
Q=qgate-test
D=$T/d
mkdir -p "$D"
cd "$D" || exit 1

gen() { # gen KIND FILE: a report of that kind (gen.py below)
	"$DEBIAN_PY" "$D/gen.py" "$1" "$2" || not_ok "generating $1"
}

cat >"$D/gen.py" <<'PY'
import sys
kind, path = sys.argv[1], sys.argv[2]
nl = "\r\n" if kind == "crlf" else "" if kind == "bad-oneline" else "\n"
def case(i, cls, extra=""):
    r = i % 29
    head = '<testcase classname="%s" name="test_%d" time="0.%03d" file="t/test_%d.py" line="%d"' % (cls, i, i % 1000, i % 7, 10 + i)
    if kind == "failures" and i % 3 == 0 or r == 3:
        return head + '><failure message="assert %d == 0">Traceback line %d%s  assert x</failure><system-out>out %d</system-out></testcase>' % (i, i, nl, i)
    if r == 5:
        return head + '><error message="boom" type="RuntimeError"/></testcase>'
    if r == 7:
        return head + '><skipped message="not here"/></testcase>'
    if r == 11:
        return head + '><rerunFailure message="flaky once" type="AssertionError"/><system-out>retried</system-out></testcase>'
    if r == 13:
        return head + ' status="disabled"/>'
    if r == 17:
        return head + '><system-out><![CDATA[raw <b> & stuff %d]]></system-out></testcase>' % i
    return head + extra + '/>'
def body(n, per_suite, cls_fmt, indent="  "):
    out, i = [], 0
    for s in range(0, n, per_suite):
        out.append('<testsuite name="suite.%d" tests="%d" failures="1" errors="0" skipped="0" hostname="ci">' % (s // per_suite, per_suite))
        for j in range(per_suite):
            i += 1
            out.append(indent + case(i, cls_fmt % (i % 5, s // per_suite)))
        out.append('</testsuite>')
    return out
decl = '<?xml version="1.0" encoding="UTF-8"?>'
lines = []
if kind in ("plain", "crlf", "failures", "budget"):
    n = 7800 if kind == "failures" else 4000
    root = '<testsuites name="all" tests="%d"%s>' % (n, ' failures="999999"' if kind == "plain" else "")
    lines = [decl, root] + body(n, 400, "pkg.m%d.C%d") + ['</testsuites>']
elif kind == "onesuite":
    lines = [decl, '<testsuites><testsuite name="pytest" tests="3000">'] + ["  " + case(i, "tests.test_mod%d" % (i % 9)) for i in range(3000)] + ['</testsuite></testsuites>']
elif kind == "bare":
    lines = [decl, '<testsuite name="surefire" tests="3000" failures="3" errors="2">'] + ["  " + case(i, "org.example.T%d" % (i % 11)) for i in range(3000)] + ['</testsuite>']
elif kind == "utf8":
    lines = [decl, '<testsuites><testsuite name="\u00fcnicode \u6d4b\u8bd5">'] + ['  ' + case(i, "t.\u00e9t\u00e9.\u6d4b\u8bd5%d" % (i % 4), ' note="\u2603 \U0001F600"') for i in range(3000)] + ['</testsuite></testsuites>']
elif kind == "nested":
    lines = [decl, '<testsuites><testsuite name="outer">']
    for s in range(40):
        lines.append('<testsuite name="inner%d">' % s)
        lines += ['  ' + case(s * 100 + i, "n.C%d" % s) for i in range(100)]
        lines.append('</testsuite>')
    lines += ['</testsuite></testsuites>']
elif kind in ("comment", "cdata"):
    half = ["  " + case(i, "c.C%d" % (i % 3)) for i in range(2000)]
    if kind == "comment":
        trap = '<!-- ' + '<testcase name="in a comment"/> ' * 40 + '-->'
    else:
        trap = '<testcase classname="c.T" name="holder"><system-out><![CDATA[' + '<testcase name="in cdata"/> ' * 40 + ']]></system-out></testcase>'
    body_ = half[:1000] + [trap] * 30 + half[1000:]
    lines = [decl, '<testsuites><testsuite name="s">'] + body_ + ['</testsuite></testsuites>']
    # put the traps at the middle: pad the head so the middle falls inside them
    text = nl.join(lines) + nl
    first = text.find(trap)
    pad = max(0, 2 * (first + 200) - len(text.encode()))
    lines[1] = '<testsuites><!--' + ' ' * pad + '--><testsuite name="s">' if pad else lines[1]
elif kind == "doctype":
    lines = [decl, '<!DOCTYPE testsuites>', '<testsuites><testsuite name="d">'] + ["  " + case(i, "d.C") for i in range(3000)] + ['</testsuite></testsuites>']
elif kind == "latin1":
    lines = ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<testsuites><testsuite name="l">'] + ["  " + case(i, "l.C") for i in range(3000)] + ['</testsuite></testsuites>']
elif kind.startswith("bad-"):
    lines = [decl, '<testsuites><testsuite name="b">'] + ["  " + case(i, "b.C\u00e9%d" % (i % 3)) for i in range(3000)] + ['</testsuite></testsuites>']
    k = int(len(lines) * (0.8 if kind != "bad-both" else 0.7))
    if kind in ("bad-tag", "bad-both"):
        lines[k] = lines[k].replace('<testcase ', '<testcase <oops ', 1)
        if kind == "bad-both":
            lines[len(lines) // 5] = lines[len(lines) // 5].replace('name=', 'name', 1)
    elif kind == "bad-attr":
        lines[k] = lines[k].replace('time="', 'time="<', 1)
    elif kind == "bad-deep":
        lines[k] = '<testcase name="deep">' + '<x>' * 300 + '</x>' * 300 + '</testcase>'
    elif kind == "bad-trunc":
        lines = lines[:k]
    elif kind == "bad-oneline":
        lines[k] = lines[k].replace('<testcase ', '<testcase <oops ', 1)
        lines[0] = "\ufeff" + lines[0]
with open(path, "w", encoding="iso-8859-1" if kind == "latin1" else "utf-8", newline="") as f:
    f.write(nl.join(lines) + nl)
PY

# both RUN-NAME WAY FILE: the report read with the cut forced and forbidden; WAY is "two" or
# "one" (which way -v must say it was read with the cut forced)
both() {
	_name=$1; _way=$2; _f=$3
	for _m in 1 0; do
		QG_JUNIT_SPLIT_MIN=$_m "$Q" --junit-in "$_f" --json "r$_m.json" --junit "j$_m.xml" -v >"o$_m" 2>"e$_m"
		echo $? >"rc$_m"
	done
	expect_eq "$_name: the same exit" "$(cat rc1)" "$(cat rc0)"
	validate_result "$_name: the result" r1.json
	"$DEBIAN_PY" - r1.json r0.json <<'PY' >cmp.out 2>&1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d.pop("started_at", None); d.pop("duration_ms", None)
sys.exit(0 if a == b else 1)
PY
	if [ $? -eq 0 ] && [ -s r1.json ]; then ok "$_name: the same result JSON"; else not_ok "$_name: the result JSON differs"; fi
	# the run's own clock (the suite's timestamp= and time=) aside
	for _j in j1 j0; do sed -E '/<testsuite /s/ (timestamp|time)="[^"]*"//g' $_j.xml >$_j.cmp; done
	if cmp -s j1.cmp j0.cmp && [ -s j1.xml ]; then ok "$_name: the same JUnit report"; else not_ok "$_name: the JUnit report differs"; fi
	if cmp -s o1 o0; then ok "$_name: the same stdout"; else not_ok "$_name: stdout differs"; diff o1 o0 | head -5 | sed 's/^/#   /'; fi
	grep -v "read as" e1 >e1.rest; grep -v "read as" e0 >e0.rest
	if cmp -s e1.rest e0.rest; then ok "$_name: the same stderr"; else not_ok "$_name: stderr differs"; diff e1.rest e0.rest | head -5 | sed 's/^/#   /'; fi
	case $_way in
	two) expect_grep "$_name: read as two pieces" "read as two pieces at once \(split at byte [0-9]+\)" e1;;
	one) expect_grep "$_name: read as one piece" "read as one piece \(split at byte [0-9]+: " e1;;
	esac
	expect_no_grep "$_name: without the cut, no attempt" "read as" e0
}

for k in plain crlf onesuite bare utf8 failures; do
	gen $k $k.xml
	both "$k" two $k.xml
done
# the cut taken where it should be: the 2,600 failures of `failures` are counted whole and the
# first 1000 by identity have checks of their own
expect_eq "failures: every failure counted" "$(json_get r1.json 'd["metrics"]["failed"]')" "$(grep -c '<failure' failures.xml)"
expect_eq "failures: 1000 of them as checks" \
	"$(json_get r1.json 'len([c for c in d["checks"] if c["id"].startswith("test.") and c["status"] in ("fail", "error")])')" 1000
# declarations: the root's failures="999999" outweigh the cases, so failed + errors reach it
both "declared" two plain.xml
expect_eq "declared: the root's failures= outweigh the cases" "$(json_get r1.json 'd["metrics"]["failed"] + d["metrics"]["errors"]')" 999999

for k in nested comment cdata doctype latin1; do
	gen $k $k.xml
	both "$k" one $k.xml
done

# the failure-text budget (64 MiB over a run) reached: one piece; 1,400 failures of 60 KiB each
"$DEBIAN_PY" - budget.xml <<'PY'
import sys
t = "x" * 60000
with open(sys.argv[1], "w") as f:
    f.write('<testsuites><testsuite name="b">\n')
    for i in range(1400):
        f.write('<testcase classname="b.C" name="t%d"><failure message="m">%s</failure></testcase>\n' % (i, t))
    f.write('</testsuite></testsuites>\n')
PY
both "budget" one budget.xml

# broken reports: exit 3 and the same message, file:line:column, from whichever piece
for k in bad-tag bad-attr bad-deep bad-trunc bad-oneline bad-both; do
	gen $k $k.xml
	for m in 1 0; do
		QG_JUNIT_SPLIT_MIN=$m "$Q" --junit-in "$k.xml" --json "r$m.json" >"o$m" 2>"e$m"
		echo $? >"rc$m"
	done
	expect_eq "$k: exit 3 with the cut forced" "$(cat rc1)" 3
	expect_eq "$k: exit 3 without" "$(cat rc0)" 3
	if cmp -s e1 e0 && grep -q "$k.xml':[0-9][0-9]*:[0-9][0-9]*: " e1; then
		ok "$k: the same message, naming line and column: $(head -1 e1 | cut -c1-120)"
	else
		not_ok "$k: messages differ"; sed 's/^/#   split: /' e1 | head -3; sed 's/^/#   whole: /' e0 | head -3
	fi
done
# the error is in the second half (the piece met it): its line is past the middle
QG_JUNIT_SPLIT_MIN=1 "$Q" --junit-in bad-tag.xml --json /dev/null >/dev/null 2>e.tag
L=$(sed -n "s/.*bad-tag.xml':\([0-9]*\):.*/\1/p" e.tag | head -1)
expect_eq "bad-tag: the error is past the middle (line $L of $(wc -l <bad-tag.xml))" \
	"$([ "${L:-0}" -gt "$(($(wc -l <bad-tag.xml) / 2))" ] && echo yes)" yes

# a report through a pipe is opened once and read as a stream (the same counts as the file)
mkfifo pipe.xml
cat plain.xml >pipe.xml &
QG_JUNIT_SPLIT_MIN=1 timeout 60 "$Q" --junit-in pipe.xml --json rp.json >/dev/null 2>ep
_rc=$?
wait
"$Q" --junit-in plain.xml --json rfile.json >/dev/null 2>&1
expect_eq "a pipe: read whole, as the file is (exit $_rc)" \
	"$(json_get rp.json '"%s/%s" % (d["metrics"]["tests"], d["metrics"]["failed"])' 2>/dev/null)" \
	"$(json_get rfile.json '"%s/%s" % (d["metrics"]["tests"], d["metrics"]["failed"])')"

# the setting itself: a value that is not a byte count is exit 2 naming it
expect_exit 2 "QG_JUNIT_SPLIT_MIN=lots is a usage error" env QG_JUNIT_SPLIT_MIN=lots "$Q" --junit-in plain.xml --json /dev/null
expect_grep "the message names the variable" "QG_JUNIT_SPLIT_MIN" "$T/err"
# the default (32 MiB): a small report is one parse, no attempt
"$Q" --junit-in plain.xml --json /dev/null -v >/dev/null 2>e.def
expect_no_grep "below the default size: no attempt" "read as" e.def

done_testing
