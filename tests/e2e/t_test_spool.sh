#!/bin/sh
# t_test_spool.sh -- a big per-test list spooled to a temp file, reports streamed (issue 14)
#
# A JUnit report of 60,000 cases (2,500 of them failing, some names holding
# a secret-looking "token=...") makes qgate-test's tests.passed list pass the
# 1 MiB from which it is spooled to an unlinked temp file in $TMPDIR
# (gates/test/verdict.c) and written into the result JSON and the JUnit
# report from there, streamed (lib/report/result_write.c, junit.c). The
# oracle is the report itself, read here with Python: every passed and
# skipped case listed once, in id order, with its duration; the failures
# beyond the first 1000 in tests.failed; every case a <testcase> of the JUnit
# report; no secret in either file. Then the same run with a $TMPDIR that
# does not exist (no spool: the list stays in memory) gives the same bytes,
# and the spool leaves no file behind in its folder.
. "$(dirname "$0")/lib.sh"
Q=qgate-test

if [ ! -x "$DEBIAN_PY" ]; then
	skip "$DEBIAN_PY is not installed: the spool checks NOT RUN"
	done_testing
	exit
fi

"$DEBIAN_PY" - "$T/big.xml" <<'EOF'
import random, sys
rnd = random.Random(14)
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    i = 0
    for s in range(120):
        f.write('<testsuite name="pkg.s%d">\n' % s)
        for _ in range(500):
            i += 1
            cls = "pkg.s%d.C%d" % (s, i % 9)
            # a secret in some passing cases' names (i % 24 == 5: passed)
            name = "test_%d" % i if i % 96 != 5 else "test_%d[token=s3cr3tvalue%d]" % (i, i)
            head = '<testcase classname="%s" name="%s" time="%.3f"' % (cls, name, rnd.random())
            r = i % 24
            if r == 0:
                f.write(head + '><failure message="assert %d">trace</failure></testcase>\n' % i)
            elif r == 1:
                f.write(head + '><skipped message="not here"/></testcase>\n')
            else:
                f.write(head + '/>\n')
        f.write('</testsuite>\n')
    f.write('</testsuites>\n')
EOF

mkdir -p "$T/tmp"
TMPDIR=$T/tmp expect_exit 1 "60,000 cases, 2,500 failing: exit 1" \
	env TMPDIR="$T/tmp" $Q --junit-in "$T/big.xml" --json "$T/r.json" --junit "$T/r.xml" -q
validate_result "the result" "$T/r.json"
validate_junit "the JUnit report" "$T/r.xml"
n=$(find "$T/tmp" -mindepth 1 | wc -l | tr -d ' ')
expect_eq "the spool left nothing in \$TMPDIR" "$n" 0

# the oracle: the report read here, against the result and the JUnit report
if "$DEBIAN_PY" - "$T/big.xml" "$T/r.json" "$T/r.xml" >"$T/oracle" 2>&1 <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
src, res, rep = sys.argv[1:4]
want_pass, want_fail, all_ids = {}, set(), set()
for tc in ET.parse(src).getroot().iter("testcase"):
    ident = "test.%s.%s" % (tc.get("classname"), tc.get("name"))
    all_ids.add(ident)
    if tc.find("failure") is not None:
        want_fail.add(ident)
    else:
        ms = int(float(tc.get("time")) * 1000 + 0.5)
        want_pass[ident] = ("s" if tc.find("skipped") is not None else "p", ms)
d = json.load(open(res))
checks = {c["id"]: c for c in d["checks"]}
bad = []
def unesc(s):
    return s.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")
def cases(text):
    prefix, out = "", []
    for line in text.split("\n"):
        if not line:
            continue
        f = line.split("\t")
        if f[0] == "c":
            prefix = unesc(f[1])
            continue
        out.append((prefix + unesc(f[2]), f[0], f[1], f[3]))
    return out
got = cases(checks["tests.passed"]["cases"])
ids = [g[0] for g in got]
if len(got) != len(want_pass):
    bad.append("tests.passed lists %d cases, the report has %d" % (len(got), len(want_pass)))
if ids != sorted(ids, key=lambda s: s.encode()):
    bad.append("tests.passed is not in id order")
red = 0
for ident, o, ms, msg in got:
    if "[REDACTED]" in ident:
        red += 1
        continue
    w = want_pass.get(ident)
    if not w or w[0] != o or str(w[1]) != ms:
        bad.append("%s: %s %s, expected %s" % (ident, o, ms, w))
        break
if red != sum(1 for i in want_pass if "token=" in i):
    bad.append("%d redacted names, expected %d" % (red, sum(1 for i in want_pass if "token=" in i)))
over = cases(checks["tests.failed"]["cases"])
own = [c for c in checks if c.startswith("test.") and checks[c]["status"] == "fail"]
if len(over) + len(own) != len(want_fail) or len(own) != 1000:
    bad.append("%d failure checks + %d in tests.failed, expected 1000 + %d" % (len(own), len(over), len(want_fail) - 1000))
if d["metrics"]["tests"] != len(all_ids):
    bad.append("metrics.tests %s" % d["metrics"]["tests"])
x = ET.parse(rep).getroot()
n = sum(1 for _ in x.iter("testcase"))
if n != len(all_ids) + (len(d["checks"]) - 1000 - 2):
    bad.append("%d <testcase> elements for %d cases and %d other checks" % (n, len(all_ids), len(d["checks"]) - 1002))
for f in (res, rep):
    if "s3cr3tvalue" in open(f).read():
        bad.append("a secret in " + f)
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
EOF
then
	ok "every case listed once in id order with its outcome and duration, every one a <testcase>, no secret"
else
	not_ok "the result and the JUnit report against the report"
	sed 's/^/#   /' "$T/oracle" | head -20
fi

# no usable $TMPDIR: the list stays in memory, the same bytes
expect_exit 1 "\$TMPDIR missing: exit 1 all the same" \
	env TMPDIR="$T/none" $Q --junit-in "$T/big.xml" --json "$T/m.json" --junit "$T/m.xml" -q
for f in r m; do
	sed -E 's/"(started_at|duration_ms)": [^,]*,//' "$T/$f.json" >"$T/$f.json.cmp"
	sed -E 's/ time="[0-9.]+" timestamp="[^"]*"//; s/ hostname="[^"]*"//' "$T/$f.xml" >"$T/$f.xml.cmp"
done
if cmp -s "$T/r.json.cmp" "$T/m.json.cmp"; then ok "the result in memory is the spooled one"; else
	not_ok "the result in memory differs from the spooled one"; fi
if cmp -s "$T/r.xml.cmp" "$T/m.xml.cmp"; then ok "the JUnit report in memory is the spooled one"; else
	not_ok "the JUnit report in memory differs from the spooled one"; fi

# a merge of the one result reads the spooled list back: the same cases
expect_exit 1 "--merge of the result: exit 1" $Q --merge "$T/r.json" --json "$T/g.json" -q
a=$(json_get "$T/r.json" '[c["cases"] for c in d["checks"] if c["id"] == "tests.passed"][0]' | cksum)
b=$(json_get "$T/g.json" '[c["cases"] for c in d["checks"] if c["id"] == "tests.passed"][0]' | cksum)
expect_eq "the merged result lists the same passed cases" "$b" "$a"

# a failing test whose name carries a token: its check id is redacted in every output
tok=ghp_$(printf 'abcdefghij%.0s' 1 2 3 4 | cut -c1-36)
printf '<testsuite name="s" tests="1" failures="1"><testcase classname="c" name="login[%s]"><failure message="m">x</failure></testcase></testsuite>\n' \
	"$tok" >"$T/tok.xml"
expect_exit 1 "a failing test named with a token: exit 1" $Q --junit-in "$T/tok.xml" --json "$T/tok.json" --junit "$T/tok.out.xml" --format json
expect_eq "  its check id is redacted in the result" \
	"$(json_get "$T/tok.json" '[c["id"] for c in d["checks"] if c["status"] == "fail" and c["id"].startswith("test.")]')" \
	'["test.c.login[[REDACTED]]"]'
cat "$T/tok.json" "$T/tok.out.xml" "$T/out" "$T/err" >"$T/tok.all"
expect_no_grep "  the token is in no output (result, JUnit, stdout, stderr)" "$tok" "$T/tok.all"
done_testing
