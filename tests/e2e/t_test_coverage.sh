#!/bin/sh
# t_test_coverage.sh -- qgate-test's coverage against the real tools (issue 14, "Coverage")
#
# A small C project is built with gcc --coverage in a git repository made
# here (a base commit on main, a change on a feature branch), run once, and
# its coverage written three ways from the same .gcda files: gcov's JSON
# (gcov -b --json-format), lcov's tracefile (lcov --capture, branch coverage
# on) and gcovr's Cobertura XML (a static inline function in the header is
# in both objects and runs from one: one file's records from two
# translation units, summed). qgate-test must count exactly what lcov
# --summary and gcovr count (lines and branches; on this project gcc 12's
# gcov, lcov 1.16 and gcovr 5.2 agree, so there is no excluded line to
# explain), decide the thresholds on those counts, and find the same
# uncovered changed lines as an oracle computed here from `git diff -U0`
# and the tracefile's DA lines (diff-cover's rule: changed lines the report
# instruments). Malformed inputs exit 3 naming file:line:column; the
# Cobertura it writes passes xmllint against coverage-04.dtd and reads back.
. "$(dirname "$0")/lib.sh"
Q=qgate-test
LC_ALL=C
export LC_ALL

for tool in gcc gcov lcov gcovr git xmllint; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "$tool is not installed: the coverage cross-checks NOT RUN"
		done_testing
		exit
	fi
done

P=$T/proj
mkdir -p "$P/src"
cd "$P" || exit 1
g() { git -c user.name=qgate -c user.email=qgate@example.invalid -c commit.gpgsign=false "$@"; }
cat >src/calc.c <<'EOF'
#include "calc.h"

int clamp(int v, int lo, int hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

int sign(int v)
{
	if (v > 0 && v != 42)
		return 1;
	else if (v < 0)
		return -1;
	return 0;
}

int unused(int v)
{
	int s = 0;
	for (int i = 0; i < v; i++)
		s += i;
	return half(s);
}
EOF
# half() is compiled into both objects, run from main.o only: its lines are
# one file's records from two translation units, summed
printf 'int clamp(int v, int lo, int hi);\nint sign(int v);\nint unused(int v);\nstatic inline int half(int v)\n{\n\treturn v / 2;\n}\n' >src/calc.h
cat >src/main.c <<'EOF'
#include <stdio.h>
#include "calc.h"

int main(int argc, char **argv)
{
	(void)argv;
	int r = clamp(argc * 5, 0, 3) + sign(argc) + half(argc);
	if (argc > 5)
		printf("many\n");
	printf("%d\n", r);
	return 0;
}
EOF
printf 'build/\n*.info\n*.xml\n*.json\n' >.gitignore
g init -q -b main . && g add . && g commit -q -m base || { not_ok "git repository"; done_testing; exit 1; }
g checkout -q -b feature
cat >>src/calc.c <<'EOF'

int twice(int v)
{
	if (v > 100)
		return 0;
	return v * 2;
}
EOF
sed 's|return lo;|return lo; /* changed */|' src/calc.c >src/calc.c.new && mv src/calc.c.new src/calc.c
echo 'int twice(int v);' >>src/calc.h
sed 's|printf("%d\\n", r);|printf("%d\\n", r + twice(r));|' src/main.c >src/main.c.new && mv src/main.c.new src/main.c
g commit -q -am change

mkdir build
gcc --coverage -O0 -c src/calc.c -o build/calc.o &&
	gcc --coverage -O0 -c src/main.c -o build/main.o &&
	gcc --coverage -o build/prog build/calc.o build/main.o &&
	./build/prog one >/dev/null || { not_ok "build and run the project"; done_testing; exit 1; }
(cd build && gcov -b --json-format -o . ../src/calc.c ../src/main.c >/dev/null 2>&1)
lcov -q --capture --rc lcov_branch_coverage=1 -d build -o cov.info >/dev/null 2>&1
gcovr -r . --xml cov.xml >/dev/null 2>&1
expect_file "gcov wrote its JSON" build/calc.gcov.json.gz
expect_file "lcov wrote the tracefile" cov.info
expect_file "gcovr wrote Cobertura" cov.xml

# --- the tools' own counts
lcov --summary --rc lcov_branch_coverage=1 cov.info >"$T/lsum" 2>&1
L_LINES=$(sed -n 's/.*lines\.*: [0-9.]*% (\([0-9]*\) of \([0-9]*\) lines).*/\1 \2/p' "$T/lsum")
L_BR=$(sed -n 's/.*branches\.*: [0-9.]*% (\([0-9]*\) of \([0-9]*\) branches).*/\1 \2/p' "$T/lsum")
G_ALL=$("$DEBIAN_PY" -c 'import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(r.get("lines-covered"), r.get("lines-valid"), r.get("branches-covered"), r.get("branches-valid"))' cov.xml)
diag "lcov --summary: lines $L_LINES, branches $L_BR; gcovr: $G_ALL"
expect_eq "lcov and gcovr agree on this project" "$L_LINES $L_BR" "$G_ALL"
case $L_LINES in '' | 0\ 0) not_ok "lcov --summary gave no line count" ;; esac

counts() { json_get "$1" '"%d %d %d %d" % (d["metrics"]["lines_covered"], d["metrics"]["lines_valid"], d["metrics"]["branches_covered"], d["metrics"]["branches_valid"])'; }

expect_exit 0 "lcov tracefile read" $Q --coverage cov.info --json "$T/l.json" --junit "$T/l.xml"
validate_result "lcov result" "$T/l.json"
validate_junit "lcov JUnit" "$T/l.xml"
expect_eq "lcov: the counts of lcov --summary" "$(counts "$T/l.json")" "$L_LINES $L_BR"
expect_exit 0 "gcov JSON folder read" $Q --gcov build --json "$T/g.json"
expect_eq "gcov JSON: the same counts" "$(counts "$T/g.json")" "$L_LINES $L_BR"
expect_exit 0 "gcovr Cobertura read" $Q --cobertura cov.xml --json "$T/c.json"
expect_eq "Cobertura: gcovr's counts" "$(counts "$T/c.json")" "$G_ALL"
expect_eq "artifacts: the gcov files hashed" "$(json_get "$T/g.json" 'sorted(a["path"] for a in d["subject"]["artifacts"])')" \
	'["build/calc.gcov.json.gz", "build/main.gcov.json.gz"]'
# the percentages: covered/valid floored to two decimals
set -- $L_LINES
PCT=$("$DEBIAN_PY" -c "import sys; print((int(sys.argv[1]) * 10000 // int(sys.argv[2])) / 100)" "$1" "$2")
expect_eq "line_coverage in percent" "$(json_get "$T/l.json" 'd["metrics"]["line_coverage"]')" "$PCT"
expect_eq "a coverage-only run has the coverage checks only" "$(json_get "$T/l.json" '[c["id"] for c in d["checks"]]')" '["coverage.lines"]'

# --- thresholds: exit 0 at the figure, 1 above it, decided on the counts
LOW=$("$DEBIAN_PY" -c "import sys; print(int(sys.argv[1]) * 100 // int(sys.argv[2]))" "$1" "$2")
HIGH=$((LOW + 1))
expect_exit 0 "--coverage-min $LOW passes" $Q --coverage cov.info --coverage-min "$LOW"
expect_exit 1 "--coverage-min $HIGH fails" $Q --gcov build --coverage-min "$HIGH" --json "$T/f.json"
expect_eq "the failed check: observed, expected, uncovered count" \
	"$(json_get "$T/f.json" '[(c["status"], c["observed"], c["expected"], c["count"]) for c in d["checks"]]')" \
	"[[\"fail\", $PCT, \">= $HIGH\", $(($2 - $1))]]"
set -- $L_BR
BLOW=$(($1 * 100 / $2))
expect_exit 0 "--branch-coverage-min $BLOW passes" $Q --cobertura cov.xml --branch-coverage-min "$BLOW"
expect_exit 1 "--branch-coverage-min $((BLOW + 1)) fails" $Q --coverage cov.info --branch-coverage-min $((BLOW + 1))
lcov -q --capture -d build -o nobranch.info >/dev/null 2>&1
expect_exit 3 "--branch-coverage-min on a tracefile without branches cannot evaluate" \
	$Q --coverage nobranch.info --branch-coverage-min 10 --json "$T/nb.json"
expect_eq "... as an errored check" "$(json_get "$T/nb.json" '[c["status"] for c in d["checks"] if c["id"] == "coverage.branches"]')" '["error"]'
expect_exit 2 "a threshold above 100 is a usage error" $Q --coverage cov.info --coverage-min 101
expect_exit 2 "--diff-coverage-min without --base" $Q --coverage cov.info --diff-coverage-min 50
expect_exit 2 "--coverage-min without coverage input" $Q --coverage-min 50

# --- diff coverage: the oracle from git diff -U0 and the tracefile
g diff -U0 main >"$T/diff"
awk '
	/^\+\+\+ b\// { f = substr($0, 7); next }
	/^@@/ { split($3, a, ","); s = substr(a[1], 2); n = (a[2] == "") ? 1 : a[2];
		for (i = 0; i < n; i++) print f ":" s + i; next }' "$T/diff" | sort >"$T/changed"
awk -v root="$P/" '
	/^SF:/ { f = substr($0, 4); sub("^" root, "", f); next }
	/^DA:/ { split(substr($0, 4), a, ","); print f ":" a[1] " " (a[2] > 0 ? "hit" : "miss") }' cov.info | sort >"$T/da"
join "$T/changed" "$T/da" >"$T/joined"
DV=$(wc -l <"$T/joined" | tr -d ' ')
DC=$(grep -c ' hit$' "$T/joined")
MISS=$(sed -n 's/ miss$//p' "$T/joined" | sort -t: -k1,1 -k2,2n | tr '\n' ' ')
diag "changed instrumented lines: $DV, covered $DC, uncovered: $MISS"
expect_exit 1 "--diff-coverage-min 100 fails on the uncovered changed lines" \
	$Q --coverage cov.info --diff-coverage-min 100 --base main --json "$T/d.json" --junit "$T/d.xml"
validate_result "diff coverage result" "$T/d.json"
validate_junit "diff coverage JUnit" "$T/d.xml"
expect_eq "diff coverage counts = the oracle's" \
	"$(json_get "$T/d.json" '"%d %d" % (d["metrics"]["diff_lines_covered"], d["metrics"]["diff_lines_valid"])')" "$DC $DV"
expect_eq "the uncovered changed lines are the locations" \
	"$(json_get "$T/d.json" '"".join("%s:%d " % (l["file"], l["line"]) for c in d["checks"] if c["id"] == "coverage.diff" for l in c["locations"])')" \
	"$MISS"
expect_eq "... counted" "$(json_get "$T/d.json" '[c["count"] for c in d["checks"] if c["id"] == "coverage.diff"]')" "[$((DV - DC))]"
case $MISS in '') not_ok "the change leaves some line uncovered (the test needs one)" ;; *) ok "the change leaves lines uncovered" ;; esac
expect_grep "the locations are in the JUnit text" 'src/calc.c:[0-9]+' "$T/d.xml"
DP=$("$DEBIAN_PY" -c "import sys; print(int(sys.argv[1]) * 100 // int(sys.argv[2]))" "$DC" "$DV")
expect_exit 0 "--diff-coverage-min $DP passes" $Q --gcov build --diff-coverage-min "$DP" --base main --json "$T/dp.json"
expect_eq "... count 0, the uncovered lines kept as notes" \
	"$(json_get "$T/dp.json" '[(c["count"], len(c["locations"])) for c in d["checks"] if c["id"] == "coverage.diff"]')" "[[0, $((DV - DC))]]"
expect_exit 1 "--diff-coverage-min $((DP + 1)) fails" $Q --cobertura cov.xml --diff-coverage-min $((DP + 1)) --base main
(cd build && $Q --coverage ../cov.info --diff-coverage-min 100 --base main --json "$T/sub.json" >/dev/null 2>&1)
expect_eq "run from a subfolder: the same repository-relative locations" \
	"$(json_get "$T/sub.json" '"".join("%s:%d " % (l["file"], l["line"]) for c in d["checks"] if c["id"] == "coverage.diff" for l in c["locations"])')" \
	"$MISS"
expect_exit 0 "no change since the base: passes with a note" $Q --coverage cov.info --diff-coverage-min 90 --base HEAD --json "$T/n.json"
expect_grep "... saying nothing was measured" 'no instrumentable line changed' "$T/n.json"
echo '/* a comment, not instrumented */' >>src/calc.c
expect_exit 0 "a comment-only change: passes with a note" $Q --coverage cov.info --diff-coverage-min 90 --base HEAD --json "$T/n2.json"
expect_eq "... 0 changed lines measured" "$(json_get "$T/n2.json" 'd["metrics"]["diff_lines_valid"]')" 0
g checkout -q src/calc.c
sed "s|^SF:$P/|SF:/elsewhere/ci/|" cov.info >"$T/moved.info"
expect_exit 3 "diff coverage of a report built in another checkout cannot evaluate" \
	$Q --coverage "$T/moved.info" --diff-coverage-min 90 --base main
expect_grep "... saying why" "no file of the coverage data is inside the repository" "$T/err"
expect_exit 2 "an unknown --base is a usage error" $Q --coverage cov.info --diff-coverage-min 90 --base no-such-ref

# --- --cobertura-out: DTD-valid, its counts, read back
cat >"$T/coverage-04.dtd" <<'EOF'
<!ELEMENT coverage (sources?,packages)>
<!ATTLIST coverage line-rate        CDATA #REQUIRED>
<!ATTLIST coverage branch-rate      CDATA #REQUIRED>
<!ATTLIST coverage lines-covered    CDATA #REQUIRED>
<!ATTLIST coverage lines-valid      CDATA #REQUIRED>
<!ATTLIST coverage branches-covered CDATA #REQUIRED>
<!ATTLIST coverage branches-valid   CDATA #REQUIRED>
<!ATTLIST coverage complexity       CDATA #REQUIRED>
<!ATTLIST coverage version          CDATA #REQUIRED>
<!ATTLIST coverage timestamp        CDATA #REQUIRED>
<!ELEMENT sources (source*)>
<!ELEMENT source (#PCDATA)>
<!ELEMENT packages (package*)>
<!ELEMENT package (classes)>
<!ATTLIST package name        CDATA #REQUIRED>
<!ATTLIST package line-rate   CDATA #REQUIRED>
<!ATTLIST package branch-rate CDATA #REQUIRED>
<!ATTLIST package complexity  CDATA #REQUIRED>
<!ELEMENT classes (class*)>
<!ELEMENT class (methods,lines)>
<!ATTLIST class name        CDATA #REQUIRED>
<!ATTLIST class filename    CDATA #REQUIRED>
<!ATTLIST class line-rate   CDATA #REQUIRED>
<!ATTLIST class branch-rate CDATA #REQUIRED>
<!ATTLIST class complexity  CDATA #REQUIRED>
<!ELEMENT methods (method*)>
<!ELEMENT method (lines)>
<!ATTLIST method name        CDATA #REQUIRED>
<!ATTLIST method signature   CDATA #REQUIRED>
<!ATTLIST method line-rate   CDATA #REQUIRED>
<!ATTLIST method branch-rate CDATA #REQUIRED>
<!ATTLIST method complexity  CDATA #REQUIRED>
<!ELEMENT lines (line*)>
<!ELEMENT line (conditions*)>
<!ATTLIST line number CDATA #REQUIRED>
<!ATTLIST line hits   CDATA #REQUIRED>
<!ATTLIST line branch CDATA "false">
<!ATTLIST line condition-coverage CDATA "100%">
<!ELEMENT conditions (condition*)>
<!ELEMENT condition EMPTY>
<!ATTLIST condition number   CDATA #REQUIRED>
<!ATTLIST condition type     CDATA #REQUIRED>
<!ATTLIST condition coverage CDATA #REQUIRED>
EOF
expect_exit 0 "--cobertura-out from gcov JSON" $Q --gcov build --cobertura-out "$T/out.xml"
if xmllint --noout "$T/out.xml" 2>"$T/xl"; then ok "--cobertura-out is well-formed"; else not_ok "--cobertura-out is not well-formed"; sed 's/^/#   /' "$T/xl"; fi
if xmllint --noout --dtdvalid "$T/coverage-04.dtd" "$T/out.xml" 2>"$T/xl"; then ok "--cobertura-out is valid against coverage-04.dtd"; else
	not_ok "--cobertura-out is not valid against coverage-04.dtd"; sed 's/^/#   /' "$T/xl" | head -10; fi
OUT=$("$DEBIAN_PY" -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
lines = r.findall("./packages/package/classes/class/lines/line")
cov = sum(1 for l in lines if int(l.get("hits")) > 0)
bt = bc = 0
for l in lines:
    if l.get("branch") == "true":
        a, b = l.get("condition-coverage").split("(")[1].rstrip(")").split("/")
        bc += int(a); bt += int(b)
print(r.get("lines-covered"), r.get("lines-valid"), r.get("branches-covered"), r.get("branches-valid"), cov, len(lines), bc, bt,
      sorted(c.get("filename") for c in r.iter("class")))' "$T/out.xml")
expect_eq "--cobertura-out: totals and elements agree with lcov" "$OUT" "$L_LINES $L_BR $L_LINES $L_BR ['src/calc.c', 'src/calc.h', 'src/main.c']"
expect_exit 0 "--cobertura-out read back" $Q --cobertura "$T/out.xml" --json "$T/rb.json"
expect_eq "... the same counts" "$(counts "$T/rb.json")" "$L_LINES $L_BR"
expect_exit 2 "--cobertura-out into a folder is a usage error" $Q --coverage cov.info --cobertura-out "$T"

# --- gzip: lcov.info.gz and a plain .gcov.json
gzip -c cov.info >"$T/cov.info.gz"
expect_exit 0 "a gzipped tracefile" $Q --coverage "$T/cov.info.gz" --json "$T/z.json"
expect_eq "... the same counts" "$(counts "$T/z.json")" "$L_LINES $L_BR"
mkdir "$T/plain"
gzip -dc build/calc.gcov.json.gz >"$T/plain/calc.gcov.json"
gzip -dc build/main.gcov.json.gz >"$T/plain/main.gcov.json"
expect_exit 0 "plain .gcov.json files" $Q --gcov "$T/plain" --json "$T/p.json"
expect_eq "... the same counts" "$(counts "$T/p.json")" "$L_LINES $L_BR"

# --- coverage.py's Cobertura (when Debian's python3-coverage is there)
if "$DEBIAN_PY" -c 'import coverage' 2>/dev/null; then
	mkdir "$T/py" && cd "$T/py" || exit 1
	printf 'def f(x):\n    if x > 1:\n        return 1\n    return 0\n\n\ndef g():\n    return 2\n\n\nf(3)\n' >m.py
	"$DEBIAN_PY" -m coverage run --branch m.py >/dev/null 2>&1
	"$DEBIAN_PY" -m coverage xml -o cov.xml >/dev/null 2>&1
	"$DEBIAN_PY" -m coverage json -o cov.json >/dev/null 2>&1
	PYC=$(json_get cov.json '"%d %d %d %d" % (d["totals"]["covered_lines"], d["totals"]["num_statements"], d["totals"]["covered_branches"], d["totals"]["num_branches"])')
	diag "coverage.py: lines and branches $PYC"
	expect_exit 0 "coverage.py's Cobertura read" $Q --cobertura cov.xml --json "$T/py.json"
	expect_eq "... coverage.py's own totals" "$(counts "$T/py.json")" "$PYC"
	cd "$P" || exit 1
else
	skip "python3-coverage is not installed: coverage.py's Cobertura NOT cross-checked (unit test and fuzz seed cover its shape)"
fi

# --- malformed inputs: exit 3, file:line:column
head -n 5 cov.info >"$T/trunc.info"
expect_exit 3 "a truncated tracefile" $Q --coverage "$T/trunc.info"
expect_grep "... named with its line" "trunc.info':6:1: end of file inside the record" "$T/err"
N=$(grep -n '^DA:' cov.info | sed -n '3s/:.*//p')
sed "${N}s/^DA:\([0-9]*\),.*/DA:\1,many/" cov.info >"$T/bad.info"
expect_exit 3 "a count that is not a number" $Q --coverage "$T/bad.info"
expect_grep "... named file:line:column" "bad.info':$N:[0-9]+: count 'many' is not an integer" "$T/err"
expect_grep "... one error line" '^qgate-test: error: ' "$T/err"
head -c 300 cov.xml >"$T/trunc.xml"
expect_exit 3 "a truncated Cobertura file" $Q --cobertura "$T/trunc.xml"
expect_grep "... named file:line:column" "trunc.xml':[0-9]+:[0-9]+:" "$T/err"
printf '<testsuites><testsuite name="x" tests="0"/></testsuites>\n' >"$T/junit.xml"
expect_exit 3 "a JUnit file given as Cobertura" $Q --cobertura "$T/junit.xml"
expect_grep "... refused by name" "junit.xml':1:1: root element <testsuites> is not <coverage>" "$T/err"
mkdir "$T/badg"
gzip -dc build/calc.gcov.json.gz | head -c 400 | gzip -c >"$T/badg/calc.gcov.json.gz"
expect_exit 3 "a truncated gcov JSON" $Q --gcov "$T/badg"
expect_grep "... named with line and column" "calc.gcov.json.gz'?:[0-9]+:[0-9]+" "$T/err"
mkdir "$T/empty"
expect_exit 3 "a gcov folder without JSON" $Q --gcov "$T/empty"
expect_exit 3 "a missing tracefile" $Q --coverage "$T/missing.info"
expect_grep "... named" "missing.info" "$T/err"

# --- a large tracefile: 100 files x 1,000 DA lines read exactly
awk -v p="$P" 'BEGIN { for (f = 0; f < 100; f++) { print "SF:" p "/gen/f" f ".c";
	for (l = 1; l <= 1000; l++) print "DA:" l "," ((l % 4) ? l : 0); print "end_of_record" } }' >"$T/big.info"
expect_exit 0 "a 100k-line tracefile" $Q --coverage "$T/big.info" --json "$T/big.json"
expect_eq "... counted exactly" "$(json_get "$T/big.json" '"%d %d %s" % (d["metrics"]["lines_covered"], d["metrics"]["lines_valid"], d["metrics"]["line_coverage"])')" "75000 100000 75"

done_testing
