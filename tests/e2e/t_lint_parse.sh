#!/bin/sh
# t_lint_parse.sh -- qgate-lint --input: real linters' output and the peer reports
#
# Real tools run here on files with known problems (shellcheck -f gcc,
# -f checkstyle, -f json1 and -f json; cppcheck --xml; gcc -Wall -Wextra as
# text and as -fdiagnostics-format=json; yamllint -f parsable) and their
# output goes through qgate-lint --input with the format's parser and with
# auto. The expected counts come from each tool's own structured output (or
# its text, grepped), not from qgate. Then every sarif/, checkstyle/ and gcc/
# report in ../shared/peer-reports against MANIFEST.tsv (skipped loudly
# without ../shared), a SARIF qgate-lint wrote itself, and malformed reports
# (exit 3 naming file:line:column or the JSON pointer).
. "$(dirname "$0")/lib.sh"

W=$T/w
mkdir -p "$W"
cd "$W" || exit 1
git init -q . && git config user.email t@e && git config user.name t

# counts FILE: "errors/warnings/notes" of a result JSON
counts() {
	"$DEBIAN_PY" -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; print("%d/%d/%d" % (m["errors"], m["warnings"], m["notes"]))' "$1"
}
# ingest NAME WANT EXIT FILE PARSER: qgate-lint --input FILE --parser PARSER, counts WANT
# (parsers main.c does not accept yet are skipped, loudly)
ingest() {
	i_nm=$1; i_want=$2; i_rc=$3; i_f=$4; i_p=$5
	rm -f "$T/r.json"
	if qgate-lint --input /dev/null --parser "$i_p" 2>&1 | grep -q "parser: '.*' is not"; then
		skip "$i_nm: qgate-lint does not accept --parser $i_p yet (main.c's list)"
		return
	fi
	expect_exit "$i_rc" "$i_nm: --input --parser $i_p" qgate-lint --input "$i_f" --parser "$i_p" --max-errors -1 --json "$T/r.json"
	if [ -s "$T/r.json" ]; then
		expect_eq "$i_nm ($i_p): errors/warnings/notes" "$(counts "$T/r.json")" "$i_want"
	else
		not_ok "$i_nm ($i_p): no result JSON"
	fi
}

# --- shellcheck: a script with known problems ---------------------------------
printf '#!/bin/sh\nx=$1\necho $x\ncd /tmp\nls `pwd`\nif [ $x == 1 ]; then echo y; fi\nfor f in $(ls *.txt); do echo "$f"; done\necho "unterminated\n' >bad.sh
printf '#!/bin/sh\nx=$1\necho $x\ncd /tmp\nls `pwd`\nif [ $x == 1 ]; then echo y; fi\n' >s.sh
shellcheck -f json1 s.sh >sc.json1
shellcheck -f json s.sh >sc.json
shellcheck -f gcc s.sh >sc.gcc
shellcheck -f checkstyle s.sh >sc.xml
SC_WANT=$("$DEBIAN_PY" -c '
import json,sys
c=json.load(open(sys.argv[1]))["comments"]
l=[x["level"] for x in c]
print("%d/%d/%d" % (l.count("error"), l.count("warning"), l.count("info")+l.count("style")))' sc.json1)
diag "shellcheck's own json1 says $SC_WANT"
expect_eq "shellcheck found problems at all" "$(echo "$SC_WANT" | grep -c '^0/0/0$')" 0
for p in gcc auto; do ingest "shellcheck -f gcc" "$SC_WANT" 0 sc.gcc $p; done
for p in checkstyle auto; do ingest "shellcheck -f checkstyle" "$SC_WANT" 0 sc.xml $p; done
for p in shellcheck-json auto; do ingest "shellcheck -f json1" "$SC_WANT" 0 sc.json1 $p; ingest "shellcheck -f json" "$SC_WANT" 0 sc.json $p; done
qgate-lint --input sc.json1 --parser auto --max-errors -1 --json "$T/r.json" >/dev/null 2>&1
expect_eq "shellcheck json1: rule SC2086 on s.sh:3:6" \
	"$(json_get "$T/r.json" '[(l["file"],l["line"],l["column"]) for c in d["checks"] if c["id"]=="lint.shellcheck.SC2086" for l in c["locations"]][0]')" \
	'["s.sh", 3, 6]'
validate_result "shellcheck json1 result" "$T/r.json"
# a real error too (unterminated string), with --max-errors 0: exit 1
shellcheck -f gcc bad.sh >bad.gcc
BAD_E=$(grep -c ': error: ' bad.gcc)
expect_eq "shellcheck reports an error in bad.sh" "$([ "$BAD_E" -gt 0 ] && echo yes)" yes
expect_exit 1 "an error finding fails the gate" qgate-lint --input bad.gcc --parser gcc --json "$T/r.json"
expect_eq "bad.sh errors counted" "$(json_get "$T/r.json" 'd["metrics"]["errors"]')" "$BAD_E"

# a report on stdin, and one whose name has a space
expect_exit 0 "--input - reads stdin" sh -c 'qgate-lint --input - --parser gcc --max-errors -1 --json "$1" <sc.gcc' sh "$T/r.json"
expect_eq "stdin: counts" "$(counts "$T/r.json")" "$SC_WANT"
cp sc.json1 'sc report.json'
ingest "a report name with a space" "$SC_WANT" 0 'sc report.json' auto

# --- cppcheck --xml (version 2 goes to stderr) ------------------------------------
cat >c.c <<'C'
#include <stdlib.h>
int f(int *p) { int a[10]; a[10] = 1; return *p; }
int g(void) { int *p = 0; return *p; }
void h(void) { char *m = malloc(10); m[0] = 0; }
int u(int x) { int unused; if (x == x) return 1; return 0; }
C
cppcheck --quiet --xml --enable=warning,style,performance,portability c.c 2>cc.xml
CC_WANT=$("$DEBIAN_PY" -c '
import sys, xml.etree.ElementTree as E
es=E.parse(sys.argv[1]).getroot().iter("error")
s=[e.get("severity") for e in es]
print("%d/%d/%d" % (s.count("error"), s.count("warning"), sum(s.count(k) for k in ("style","performance","portability","information"))))' cc.xml)
diag "cppcheck's XML says $CC_WANT"
expect_eq "cppcheck found errors" "$(echo "$CC_WANT" | cut -d/ -f1 | grep -c '^0$')" 0
for p in cppcheck auto; do ingest "cppcheck --xml" "$CC_WANT" 0 cc.xml $p; done

# --- gcc -Wall -Wextra: text and JSON -----------------------------------------------
cat >w.c <<'C'
#include "w.h"
int f(int a, int b)
{
	int unused;
	if (a = b)
		return 1;
	return (unsigned)a < -1;
}
int g(void) { return undeclared_thing; }
C
printf 'static int helper(int x) { int y; return x; }\n' >w.h
LC_ALL=C gcc -Wall -Wextra -fno-diagnostics-color -c w.c -o /dev/null 2>gcc.txt
LC_ALL=C gcc -Wall -Wextra -fdiagnostics-format=json -c w.c -o /dev/null 2>gcc.json
GE=$(grep -cE '^[^ ].*:[0-9]+:([0-9]+:)? (fatal )?error: ' gcc.txt)
GW=$(grep -cE '^[^ ].*:[0-9]+:([0-9]+:)? warning: ' gcc.txt)
diag "gcc says $GE errors, $GW warnings (its notes are attached to them)"
expect_eq "gcc reported an error and warnings" "$([ "$GE" -gt 0 ] && [ "$GW" -gt 2 ] && echo yes)" yes
for p in gcc auto; do ingest "gcc -Wall -Wextra" "$GE/$GW/0" 0 gcc.txt $p; done
for p in gcc-json auto; do ingest "gcc -fdiagnostics-format=json" "$GE/$GW/0" 0 gcc.json $p; done
qgate-lint --input gcc.txt --parser gcc --max-errors -1 --json "$T/r.json" -v >"$T/out" 2>&1
expect_grep "gcc: -Wunused-variable is a rule" 'lint\.gcc\.-Wunused-variable' "$T/out"
expect_eq "gcc: the include chain is attached to the header's warning" \
	"$(json_get "$T/r.json" '[l["message"] for c in d["checks"] for l in c.get("locations",[]) if l.get("file")=="w.h" and "unused variable" in l["message"]][0]')" \
	"unused variable 'y' (included from w.c:1)"

# a header outside the repository (a system include): kept as given, flagged
printf '/usr/include/stdio.h:10:2: warning: outside the tree [-Wsys]\nw.c:1:1: warning: inside [-Wsys]\n' >out.gcc
expect_exit 0 "gcc: a finding outside the repository" qgate-lint --input out.gcc --parser gcc --json "$T/out.json"
expect_eq "gcc: outside kept and flagged, inside not" \
	"$(json_get "$T/out.json" 'sorted([l["file"], l["message"]] for c in d["checks"] for l in c.get("locations",[]))')" \
	'[["/usr/include/stdio.h", "outside the tree (outside the repository)"], ["w.c", "inside"]]'

# --- yamllint -f parsable ----------------------------------------------------------
printf 'a: 1\nb: [1,2 ]\na: 2\nc:   x   \nd: "this line is definitely far too long for the default yamllint line-length rule of eighty"\n' >y.yaml
yamllint -f parsable y.yaml >yl.txt
YE=$(grep -c ' \[error\] ' yl.txt); YW=$(grep -c ' \[warning\] ' yl.txt)
diag "yamllint says $YE errors, $YW warnings"
ingest "yamllint -f parsable" "$YE/$YW/0" 0 yl.txt gcc
qgate-lint --input yl.txt --parser gcc --max-errors -1 --json "$T/r.json" >/dev/null 2>&1
expect_eq "yamllint: key-duplicates at y.yaml:3:1" \
	"$(json_get "$T/r.json" '[(l["line"],l["column"]) for c in d["checks"] if c["id"]=="lint.gcc.key-duplicates" for l in c["locations"]]')" '[[3, 1]]'

# --- a SARIF written by a real tool: qgate-lint's own --sarif ---------------------
printf 'x \n' >ws.txt
printf '{"a": 1, "a": 2}\n' >dup.json
git add ws.txt dup.json s.sh
qgate-lint --builtin --sarif own.sarif --max-errors -1 --json "$T/own.json" >/dev/null 2>&1
OWN=$(counts "$T/own.json")
ingest "qgate-lint's own SARIF" "$OWN" 0 own.sarif sarif
expect_eq "own SARIF found the planted json duplicate" "$(json_get "$T/r.json" '[c["id"] for c in d["checks"] if c["id"]=="lint.builtin.json"]')" '["lint.builtin.json"]'

# --- the peer reports ---------------------------------------------------------
PR=$SHARED/peer-reports
if [ ! -f "$PR/MANIFEST.tsv" ]; then
	skip "$PR/MANIFEST.tsv not present: peer reports NOT CHECKED"
else
	tab=$(printf '\t')
	grep -E "^(sarif|checkstyle|gcc)/" "$PR/MANIFEST.tsv" >"$T/rows"
	while IFS="$tab" read -r path fmt src tests fail errs skipped findings valid notes; do
		case $notes in *tool_error*|*"without a results property"*) valid=tool_error ;; esac
		want=$findings
		[ "$fmt" = gcc ] && want=$(echo "$findings" | sed 's|/[0-9]*$|/0|') # notes attach to their warning
		if [ "$valid" = yes ]; then
			ingest "peer $path" "$want" 0 "$PR/$path" "$fmt"
			ingest "peer $path" "$want" 0 "$PR/$path" auto
		else
			expect_exit 3 "peer $path ($valid) is refused" qgate-lint --input "$PR/$path" --parser "$fmt" --json "$T/r.json"
			expect_grep "peer $path: the error names the report" "$(basename "$path" | sed 's/[.]/[.]/g')" "$T/err"
		fi
	done <"$T/rows"
	expect_eq "every sarif/checkstyle/gcc manifest row was read" "$(wc -l <"$T/rows" | tr -d ' ')" 26
fi

# --- malformed reports --------------------------------------------------------------
printf '{"version": "2.1.0",\n "runs": [ {"tool": {"driver": {"name": "x"}}, "results": [ {"ruleId": 1,, } ] } ]\n' >bad.sarif
expect_exit 3 "malformed SARIF is exit 3" qgate-lint --input bad.sarif --parser sarif
expect_grep "malformed SARIF names file:line:column" "bad\.sarif'?:2:" "$T/err"
printf '{"runs": {"tool": 1}}' >types.sarif
expect_exit 3 "SARIF runs not an array is exit 3" qgate-lint --input types.sarif --parser sarif
expect_grep "wrong type names its JSON pointer" '/runs: expected an array' "$T/err"
printf '<checkstyle>\n<file name="a">\n<error line="1"\n' >bad.xml
expect_exit 3 "truncated checkstyle is exit 3" qgate-lint --input bad.xml --parser checkstyle
expect_grep "truncated checkstyle names file:line" "bad\.xml'?:[0-9]+:[0-9]+" "$T/err"
printf '<junit/>' >j.xml
expect_exit 3 "another XML root is exit 3" qgate-lint --input j.xml --parser checkstyle
expect_grep "the root is named" 'expected the root element <checkstyle>, found <junit>' "$T/err"
expect_exit 3 "a missing report is exit 3" qgate-lint --input nothere.sarif --parser sarif
expect_grep "a missing report is named" "nothere\.sarif" "$T/err"
: >empty.sarif
expect_exit 3 "an empty SARIF is exit 3" qgate-lint --input empty.sarif --parser sarif
expect_exit 2 "an unknown parser is exit 2" qgate-lint --input sc.gcc --parser pylint
expect_exit 2 "a regex without a file group is exit 2" qgate-lint --input sc.gcc --parser 'regex:(?<message>.*)'
expect_exit 2 "a regex that does not compile is exit 2" qgate-lint --input sc.gcc --parser 'regex:(?<file>[a-'
expect_grep "the regex error names the offset" 'at offset [0-9]+' "$T/err"
ingest "regex:PATTERN on shellcheck -f gcc" "0/3/3" 0 sc.gcc \
	'regex:^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<severity>\w+): (?<message>.*) \[(?<rule>SC\d+)\]$'

done_testing
