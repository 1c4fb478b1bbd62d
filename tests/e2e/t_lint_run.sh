#!/bin/sh
# t_lint_run.sh -- qgate-lint --run 'CMD': real linters run without a shell, fail closed
#
# shellcheck, gcc and yamllint run through --run (quotes in CMD, a file name
# with a space, gcc's findings on stderr, exit 1 with findings is normal);
# then the ways a linter fails: killed by a signal, hanging past --timeout
# (the whole process group dies), exiting 2 with nothing parsable (exit 3
# quoting its stderr tail, secrets redacted), not found; and shell syntax in
# CMD refused with exit 2 naming the character, never run. Last, a SARIF from
# a real analyzer (clang --analyze --analyzer-output sarif) against the same
# analyzer's text diagnostics.
. "$(dirname "$0")/lib.sh"

W=$T/w
mkdir -p "$W"
cd "$W" || exit 1
git init -q . && git config user.email t@e && git config user.name t

counts() {
	"$DEBIAN_PY" -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; print("%d/%d/%d" % (m["errors"], m["warnings"], m["notes"]))' "$1"
}

printf '#!/bin/sh\nx=$1\necho $x\ncd /tmp\nls `pwd`\nif [ $x == 1 ]; then echo y; fi\n' >'my script.sh'
SC_WANT=$(shellcheck -f json1 'my script.sh' | "$DEBIAN_PY" -c '
import json,sys
l=[x["level"] for x in json.load(sys.stdin)["comments"]]
print("%d/%d/%d" % (l.count("error"), l.count("warning"), l.count("info")+l.count("style")))')
diag "shellcheck's own json1 says $SC_WANT"

expect_exit 0 "--run shellcheck -f gcc on a quoted name (shellcheck exits 1: findings, not a failure)" \
	qgate-lint --run "shellcheck -f gcc 'my script.sh'" --parser gcc --json "$T/r.json"
expect_eq "shellcheck via --run: counts" "$(counts "$T/r.json")" "$SC_WANT"
expect_eq "the tool is named after argv[0]" "$(json_get "$T/r.json" 'sorted(set(c.get("tool","") for c in d["checks"] if c["id"].startswith("lint.shellcheck.")))')" '["shellcheck"]'
expect_eq "paths are the file's" "$(json_get "$T/r.json" 'sorted(set(l["file"] for c in d["checks"] for l in c.get("locations",[])))')" '["my script.sh"]'
validate_result "--run result" "$T/r.json"
expect_exit 0 "--run with double quotes and auto" qgate-lint --run 'shellcheck -f checkstyle "my script.sh"' --parser auto --json "$T/r.json"
expect_eq "checkstyle via --run: counts" "$(counts "$T/r.json")" "$SC_WANT"
expect_exit 0 "--run with a backslash-escaped space" qgate-lint --run 'shellcheck -f gcc my\ script.sh' --parser gcc --json "$T/r.json"
expect_eq "backslash: counts" "$(counts "$T/r.json")" "$SC_WANT"

# from a subfolder: the command runs there, its paths become repository-relative
mkdir -p sub && cp 'my script.sh' sub/x.sh
(cd sub && qgate-lint --run 'shellcheck -f gcc x.sh' --parser gcc --json "$T/r.json" >/dev/null 2>&1)
expect_eq "--run from a subfolder: paths relative to the repository" \
	"$(json_get "$T/r.json" 'sorted(set(l["file"] for c in d["checks"] for l in c.get("locations",[])))')" '["sub/x.sh"]'

# gcc writes its diagnostics to stderr and exits 0 on warnings
printf 'int f(int a)\n{\n\tint unused;\n\treturn a;\n}\n' >w.c
expect_exit 0 "--run gcc: findings read from stderr" \
	qgate-lint --run 'gcc -Wall -Wextra -fno-diagnostics-color -c w.c -o /dev/null' --parser gcc --json "$T/r.json"
expect_eq "gcc via --run: one warning" "$(counts "$T/r.json")" "0/1/0"
expect_eq "gcc via --run: the rule" "$(json_get "$T/r.json" '[c["id"] for c in d["checks"] if c["id"].startswith("lint.gcc.")]')" '["lint.gcc.-Wunused-variable"]'

# cppcheck --xml writes the XML to stderr, progress to stdout
printf 'int g(void) { int *p = 0; return *p; }\n' >n.c
CCE=$(cppcheck --xml n.c 2>&1 >/dev/null | grep -c 'severity="error"')
expect_exit 1 "--run cppcheck --xml: the report on stderr is found" qgate-lint --run 'cppcheck --xml n.c' --parser auto --json "$T/r.json"
expect_eq "cppcheck via --run: its errors" "$(json_get "$T/r.json" 'd["metrics"]["errors"]')" "$CCE"
expect_eq "cppcheck via --run: named cppcheck" "$(json_get "$T/r.json" 'sorted(set(c["tool"] for c in d["checks"] if "tool" in c))')" '["cppcheck"]'

printf 'a: 1\na: 2\n' >y.yaml
expect_exit 1 "--run yamllint -f parsable: an error fails the gate" qgate-lint --run 'yamllint -f parsable y.yaml' --parser gcc --json "$T/r.json"
expect_eq "yamllint via --run: counts" "$(json_get "$T/r.json" 'd["metrics"]["errors"]')" 1

# failing tools: exit 3, never a pass
expect_exit 3 "a linter killed by a signal is exit 3" qgate-lint --run "sh -c 'echo about to crash >&2; kill -SEGV \$\$'" --parser gcc
expect_grep "the signal is named" 'killed by SIGSEGV' "$T/err"
expect_grep "the stderr tail is quoted" 'about to crash' "$T/err"

cat >hang.sh <<'S'
#!/bin/sh
sleep 60 &
echo $! >child.pid
wait
S
chmod +x hang.sh
t0=$(date +%s)
expect_exit 3 "a hanging linter past --timeout is exit 3" qgate-lint --run ./hang.sh --parser gcc --timeout 1
t1=$(date +%s)
expect_grep "the timeout is named" 'timed out after 1s' "$T/err"
expect_eq "the timeout is enforced (under 15 s)" "$([ $((t1 - t0)) -lt 15 ] && echo yes)" yes
sleep 0.3
# (a zombie is dead: in a container nobody may reap it)
if [ -s child.pid ] && ps -o stat= -p "$(cat child.pid)" 2>/dev/null | grep -qv '^Z'; then
	not_ok "the hanging linter's child survived"; kill "$(cat child.pid)"
else
	ok "the hanging linter's children died with it"
fi

expect_exit 3 "exit 2 with nothing parsable is exit 3" \
	qgate-lint --run "sh -c 'echo first line >&2; echo config error: password=hunter2hunter2 >&2; exit 2'" --parser gcc
expect_grep "the exit status is named" 'exited with 2' "$T/err"
expect_grep "the stderr tail is quoted" 'config error' "$T/err"
expect_no_grep "a secret in stderr is redacted" 'hunter2hunter2' "$T/err"
expect_no_grep "nothing on stdout says pass" 'PASS' "$T/out"
expect_exit 3 "exit 1 with nothing parsable is exit 3 too" qgate-lint --run "sh -c 'exit 1'" --parser gcc
expect_exit 0 "exit 0 with nothing is a clean pass" qgate-lint --run "sh -c 'exit 0'" --parser gcc
expect_exit 3 "unparsable SARIF from a tool is exit 3" qgate-lint --run "echo '{\"runs\": ['" --parser sarif
expect_grep "the SARIF error names stdout:line:column" "stdout'?:[0-9]+:[0-9]+: malformed JSON" "$T/err"
expect_exit 3 "a tool that does not exist is exit 3" qgate-lint --run 'no-such-linter-xyz --check' --parser gcc
expect_grep "the missing tool is named" 'no-such-linter-xyz' "$T/err"

# shell syntax is refused, and nothing runs
for c in 'shellcheck x.sh; touch pwned' 'shellcheck x.sh | tee pwned' 'shellcheck x.sh && touch pwned' \
	'touch $HOME/pwned' 'touch `echo pwned`' 'touch pwned*' 'touch pwned > x' 'touch "$(pwned)"'; do
	expect_exit 2 "refused: $c" qgate-lint --run "$c" --parser gcc
	expect_grep "refusal names the character: $c" "'[;|&\$\`*>]'.* at offset [0-9]+" "$T/err"
done
expect_no_file "nothing refused ran" pwned
expect_exit 2 "an unterminated quote is exit 2" qgate-lint --run "shellcheck 'x.sh" --parser gcc
expect_exit 2 "an empty command is exit 2" qgate-lint --run "   " --parser gcc

# --- a SARIF written by a real tool: clang's static analyzer (--analyzer-output sarif),
# checked against the same analyzer's own text diagnostics (rule, line, column)
if command -v clang >/dev/null 2>&1; then
	printf '#include <stdlib.h>\nint f(int *p) { int *q = malloc(4); if (!p) return *p; return 0; }\n' >an.c
	LC_ALL=C clang --analyze --analyzer-output sarif -o an.sarif an.c 2>an.txt
	WANT=$(sed -n 's/^an\.c:\([0-9]*\):\([0-9]*\): warning: .* \[\([a-zA-Z.]*\)\]$/\3:\1:\2/p' an.txt | sort | tr '\n' ' ')
	diag "clang's text says: $WANT"
	expect_eq "clang found its three" "$(echo "$WANT" | wc -w | tr -d ' ')" 3
	expect_exit 0 "clang --analyze SARIF through --input" qgate-lint --input an.sarif --parser sarif --json "$T/an.json"
	validate_result "clang SARIF result" "$T/an.json"
	rl() { json_get "$1" '" ".join(sorted("%s:%s:%s" % (c["id"][len("lint.clang."):], l["line"], l["column"]) for c in d["checks"] if c["id"].startswith("lint.clang.") for l in c.get("locations", []))) + " "'; }
	expect_eq "clang SARIF: the text's rules, lines and columns" "$(rl "$T/an.json")" "$WANT"
	expect_eq "clang SARIF: file:// URIs made repository-relative" "$(json_get "$T/an.json" 'sorted(set(l["file"] for c in d["checks"] for l in c.get("locations", [])))')" '["an.c"]'
	expect_exit 0 "clang --analyze through --run (SARIF on stdout)" \
		qgate-lint --run 'clang --analyze --analyzer-output sarif -o /dev/stdout an.c' --parser sarif --json "$T/an2.json"
	expect_eq "clang via --run: counts" "$(counts "$T/an2.json")" "0/3/0"
else
	skip "clang not installed: no SARIF from a real analyzer"
fi

done_testing
