#!/bin/sh
# t_test_junit.sh -- qgate-test --junit-in on reports real runners write (issue 14), and on hostile ones
#
# pytest (Debian's python3-pytest, --junitxml), node:test (--test-reporter=junit) and ctest
# (--output-junit) run real failing, skipped, erroring and todo tests; qgate-test's metrics are
# compared with the counts each runner prints itself. Hostile and broken reports must be exit 3
# naming file:line:column: an entity-expansion bomb (refused at its first declaration, never expanded),
# nesting 100000 deep, a truncated report, an empty file, a TRX file; a stale report (older than
# the run) with a command is exit 3 "stale report"; a glob matching nothing is exit 3 naming it.
. "$(dirname "$0")/lib.sh"
Q=qgate-test
D=$T/d
mkdir -p "$D"
cd "$D" || exit 1

expect_block() { # expect_block NAME CMD...: exit 1 or 3 (a failure or an error blocks)
	_name=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	_rc=$?
	case $_rc in 1|3) ok "$_name (exit $_rc)";; *) not_ok "$_name: exit $_rc, expected 1 or 3"; sed 's/^/#   /' "$T/err" | head -5;; esac
}

metrics() { # metrics JSON: "tests/failed/errors/skipped"
	json_get "$1" '"%s/%s/%s/%s" % (d["metrics"]["tests"], d["metrics"]["failed"], d["metrics"]["errors"], d["metrics"]["skipped"])'
}

# --- pytest: the counts pytest prints itself
if command -v pytest-3 >/dev/null 2>&1; then
	mkdir -p py
	cat >py/test_mix.py <<'PY'
import pytest

def test_pass():
    assert 1 + 1 == 2

def test_fail():
    assert "a & <b>" == "c"

@pytest.mark.skip(reason="not on this platform")
def test_skip():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_error(broken):
    pass

@pytest.mark.parametrize("n", [1, 2, 3])
def test_param(n):
    assert n != 2
PY
	(cd py && pytest-3 -q -p no:cacheprovider --junitxml=../py.xml test_mix.py >../py.out 2>&1)
	# "3 failed... " -> pytest's own summary line
	summary=$(tail -1 py.out)
	p_failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p;s/^\([0-9]*\) failed.*/\1/p' | head -1)
	p_passed=$(echo "$summary" | sed -n 's/.*\([0-9][0-9]*\) passed.*/\1/p' | head -1)
	p_skipped=$(echo "$summary" | sed -n 's/.*\([0-9][0-9]*\) skipped.*/\1/p' | head -1)
	p_xfailed=$(echo "$summary" | sed -n 's/.*\([0-9][0-9]*\) xfailed.*/\1/p' | head -1)
	p_errors=$(echo "$summary" | sed -n 's/.*\([0-9][0-9]*\) error.*/\1/p' | head -1)
	diag "pytest: $summary"
	expect_block "pytest report: failures and an error block" $Q --junit-in py.xml --json "$T/py.json" --junit "$T/py-out.xml"
	validate_result "pytest result" "$T/py.json"
	validate_junit "pytest JUnit out" "$T/py-out.xml"
	# xfail is a skip in pytest's JUnit (<skipped type="pytest.xfail">)
	want="$((p_passed + p_failed + p_skipped + p_xfailed + p_errors))/$p_failed/$p_errors/$((p_skipped + p_xfailed))"
	expect_eq "pytest counts = pytest's own summary" "$(metrics "$T/py.json")" "$want"
	expect_eq "pytest: 8 tests, 2 failed, 1 error, 2 skipped" "$want" "8/2/1/2"
	expect_grep "pytest failure message kept" 'a &amp; &lt;b&gt;|a & <b>' "$T/py.json"
else
	skip "pytest-3 not installed: pytest's JUnit NOT READ"
fi

# --- node:test's JUnit reporter: todo = <skipped type="todo"> + <failure>, nested suites
if command -v node >/dev/null 2>&1 && node --test --test-reporter=junit --help >/dev/null 2>&1; then
	cp "$QG_ROOT/tests/e2e/test_readers_node.mjs" n.test.mjs
	node --test --test-reporter=junit n.test.mjs >node.xml 2>/dev/null
	expect_exit 1 "node:test report: failures block" $Q --junit-in node.xml --json "$T/node.json"
	validate_result "node result" "$T/node.json"
	# 6 <testcase>: passes, fails, skipped, todo (skipped), child ok, child bad
	expect_eq "node:test counts (todo skipped, nested cases flattened)" "$(metrics "$T/node.json")" "6/2/0/2"
else
	skip "node with --test-reporter=junit not available: node:test's JUnit NOT READ"
fi

# --- ctest --output-junit: a failing test, a passing one, a disabled one
if command -v ctest >/dev/null 2>&1 && command -v cmake >/dev/null 2>&1; then
	mkdir -p ct
	cat >ct/CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.16)
project(qgt NONE)
enable_testing()
add_test(NAME good COMMAND sh -c "exit 0")
add_test(NAME bad COMMAND sh -c "echo broken >&2; exit 1")
add_test(NAME off COMMAND sh -c "exit 0")
set_tests_properties(off PROPERTIES DISABLED TRUE)
CM
	if (cd ct && cmake -S . -B b >/dev/null 2>&1); then
		(cd ct/b && ctest --output-junit ../../ct.xml >../../ct.out 2>&1)
		diag "ctest: $(grep 'tests passed' ct.out)"
		expect_exit 1 "ctest report: the failure blocks" $Q --junit-in ct.xml --json "$T/ct.json"
		validate_result "ctest result" "$T/ct.json"
		expect_eq "ctest counts (disabled = skipped)" "$(metrics "$T/ct.json")" "3/1/0/1"
		# ctest writes message="" and the test's output in <system-out>
		expect_eq "ctest: the failure's message is its output's first line" \
			"$(json_get "$T/ct.json" '[c["message"] for c in d["checks"] if c["status"] == "fail"][0]')" "broken"
	else
		skip "cmake could not configure: ctest's JUnit NOT READ"
	fi
else
	skip "cmake/ctest not installed: ctest's JUnit NOT READ"
fi

# --- hostile and broken reports: exit 3, file:line:column named
cat >bomb.xml <<'X'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite><testcase name="&lol9;"/></testsuite>
X
expect_exit 3 "billion laughs refused" $Q --junit-in bomb.xml
expect_grep "bomb: named with line and column, not expanded" "bomb.xml':3:[0-9]+: entity declarations are refused" "$T/err"
/usr/bin/python3 -c 'import sys; sys.stdout.write("<testsuite>" + "<a>" * 100000 + "</a>" * 100000 + "</testsuite>")' >deep.xml
expect_exit 3 "deep nesting refused" $Q --junit-in deep.xml
expect_grep "deep: named" "deep.xml':1:[0-9]+: elements nested deeper than 256 levels are refused" "$T/err"
printf '<testsuites>\n<testsuite name="s">\n<testcase name="a"/>\n<testcase name="b">' >cut.xml
expect_exit 3 "truncated report refused" $Q --junit-in cut.xml
expect_grep "truncated: line and column named" "cut.xml':4:[0-9]+: .*truncated\\?" "$T/err"
: >empty.xml
expect_exit 3 "empty report refused" $Q --junit-in empty.xml
expect_grep "empty: named" "empty.xml': empty, expected an XML document" "$T/err"
printf '<?xml version="1.0"?>\n<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"/>\n' >r.trx
expect_exit 3 "TRX refused" $Q --junit-in r.trx
expect_grep "TRX refused by name" "r.trx':2:1: a TRX report \\(root <TestRun>\\), not JUnit XML" "$T/err"
expect_exit 3 "a glob matching nothing" $Q --junit-in 'nothing-*.xml'
expect_grep "the glob is named" "'nothing-\\*.xml': no JUnit report matches" "$T/err"

# --- a stale report: written before the command ran
printf '<testsuite><testcase name="old"/></testsuite>\n' >stale.xml
touch -d '2020-01-01 00:00:00' stale.xml
expect_exit 3 "a report older than the run is stale" $Q --junit-in stale.xml -- true
expect_grep "stale: named" "stale.xml': stale report \\(written before this run started\\)" "$T/err"
expect_exit 0 "the same report rewritten by the command is read" \
	$Q --junit-in stale.xml -- sh -c 'printf "<testsuite><testcase name=\"new\"/></testsuite>\n" >stale.xml'

# --- 1 MB of failure text in one case: bounded, still exit 1 (not 3)
/usr/bin/python3 -c 'import sys; sys.stdout.write("<testsuite><testcase name=\"big\"><failure message=\"m\">" + "x" * 1000000 + "</failure></testcase></testsuite>")' >big.xml
expect_exit 1 "a huge failure text is bounded, the failure still counts" $Q --junit-in big.xml --json "$T/big.json"
expect_eq "big: counted" "$(metrics "$T/big.json")" "1/1/0/0"
# --- a report where everything broke: the first 1000 failures (by identity)
# are checks of their own, the rest one tests.failed check listing each;
# every test is still in the JUnit report, and a baseline still names them
/usr/bin/python3 -c '
import sys
w = sys.stdout.write
w("<testsuites><testsuite name=\"s\">")
for i in range(1200):
    w("<testcase classname=\"k\" name=\"f%04d\" time=\"0.5\"><failure message=\"boom %d\">trace %d</failure></testcase>" % (i, i, i))
for i in range(3):
    w("<testcase classname=\"k\" name=\"p%d\"/>" % i)
w("<testcase classname=\"k\" name=\"zz\"><error message=\"died\"/></testcase>")
w("</testsuite></testsuites>")' >many.xml
expect_exit 3 "1200 failures and an error: the error makes it 3" $Q --junit-in many.xml --json "$T/many.json" --junit "$T/many.xml"
validate_result "many failures: result" "$T/many.json"
validate_junit "many failures: JUnit" "$T/many.xml"
expect_eq "many: counted" "$(metrics "$T/many.json")" "1204/1200/1/0"
expect_eq "many: 1000 test checks (the first by identity), tests.passed, tests.failed" \
	"$(json_get "$T/many.json" '[len([c for c in d["checks"] if c["id"].startswith("test.")]), d["checks"][999]["id"], [c["id"] for c in d["checks"][1000:]]]')" \
	'[1000, "test.k.f0999", ["tests.passed", "tests.failed"]]'
expect_eq "many: tests.failed counts and lists the rest, the error among them" \
	"$(json_get "$T/many.json" '[(c["status"], c["count"], c["failed"], c["errors"], len(c["cases"].splitlines()), c["cases"].splitlines()[:2], c["locations"][0]["message"], len(c["locations"])) for c in d["checks"] if c["id"] == "tests.failed"][0]')" \
	'["error", 201, 200, 1, 202, ["c\ttest.k.", "f\t500\tf1000\tboom 1000"], "k.f1000: boom 1000", 10]'
expect_eq "many: the JUnit report has all 1204 testcases, 1200 failures" \
	"$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E; t = list(E.parse(sys.argv[1]).iter("testcase")); print(len(t), sum(1 for c in t if c.find("failure") is not None), sum(1 for c in t if c.find("error") is not None))' "$T/many.xml")" \
	'1204 1200 1'
/usr/bin/python3 -c 'import sys; sys.stdout.write("<testsuite><testcase classname=\"k\" name=\"p0\"/></testsuite>")' >few.xml
expect_exit 1 "many as the baseline: the vanished include the listed ones" $Q --junit-in few.xml --baseline "$T/many.json" --json "$T/few.json"
expect_eq "few: 1203 gone" "$(json_get "$T/few.json" '[c["count"] for c in d["checks"] if c["id"] == "tests.vanished"]')" '[1203]'
validate_result "few: result" "$T/few.json"
# 5000 failures in one report: the reader keeps the first 1000 (by identity)
# whole as it goes and the rest as lines; one of those is quarantined and
# comes back as its own (passing) check; the result is the same as above
/usr/bin/python3 -c '
import sys
w = sys.stdout.write
w("<testsuite name=\"s\">")
for i in reversed(range(5000)):
    w("<testcase classname=\"k\" name=\"f%04d\"><failure message=\"boom %d\">trace %d</failure></testcase>" % (i, i, i))
w("<testcase classname=\"k\" name=\"p\"/></testsuite>")' >broke.xml
printf 'k.f4321 expires=2999-01-01 known\n' >broke.quarantine
expect_exit 1 "everything broke: 5000 failures" $Q --junit-in broke.xml --quarantine broke.quarantine --json "$T/broke.json" --junit "$T/broke.xml"
validate_result "broke: result" "$T/broke.json"
validate_junit "broke: JUnit" "$T/broke.xml"
expect_eq "broke: counted (the quarantined failure among them)" "$(json_get "$T/broke.json" '[d["metrics"][k] for k in ("tests","failed","quarantined")]')" '[5001, 5000, 1]'
expect_eq "broke: the first 1000 by identity are checks, and the quarantined one, tests.failed has the other 3999" \
	"$(json_get "$T/broke.json" '[[c["id"] for c in d["checks"] if c["id"].startswith("test.")][i] for i in (0, 999, 1000)] + [[(c["count"], len(c["cases"].splitlines())) for c in d["checks"] if c["id"] == "tests.failed"], [c["status"] for c in d["checks"] if c["id"] == "test.k.f4321"]]')" \
	'["test.k.f0000", "test.k.f0999", "test.k.f4321", [[3999, 4000]], ["pass"]]'
expect_eq "broke: the JUnit report has all 5001" \
	"$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E; t = list(E.parse(sys.argv[1]).iter("testcase")); print(len(t), sum(1 for c in t if c.find("failure") is not None))' "$T/broke.xml")" \
	'5001 4999'

done_testing
