#!/bin/sh
# t_front.sh -- the front `qgate`: dispatch to qgate-<gate>, exit status
# passthrough, unknown, planned and uninstalled gates, name checks, the gate
# list of --help, --help in step with docs/qgate.1.
. "$(dirname "$0")/lib.sh"

Q=$QG_BIN/qgate
mkdir -p "$T/bin" "$T/self"
for code in 0 1 3; do
	printf '#!/bin/sh\necho "fake%s: $*"\nexit %s\n' "$code" "$code" >"$T/bin/qgate-fake$code"
done
# gate names are letters only: give the fakes letter names
mv "$T/bin/qgate-fake0" "$T/bin/qgate-fakepass"
mv "$T/bin/qgate-fake1" "$T/bin/qgate-fake"
mv "$T/bin/qgate-fake3" "$T/bin/qgate-fakeerror"
printf '#!/bin/sh\nexit 0\n' >"$T/bin/qgate-notexec"
chmod +x "$T/bin/qgate-fakepass" "$T/bin/qgate-fake" "$T/bin/qgate-fakeerror"
PATH=$T/bin:$PATH
export PATH

expect_exit 0 "qgate --help" "$Q" --help
expect_grep "--help shows the usage" '^usage: qgate <gate> \[ARGS\.\.\.\]$' "$T/out"
cp "$T/out" "$T/help"
expect_exit 0 "qgate -h" "$Q" -h
expect_exit 0 "qgate help (no gate)" "$Q" help

# --help and the man page say the same: the .nf blocks of SYNOPSIS,
# DESCRIPTION and OPTIONS against the help text without blank lines/headings.
# The gate list that ends --help depends on what is installed: cut it off.
sed -n '/^\.SH SYNOPSIS/,/^\.SH GATES/p' "$QG_ROOT/docs/qgate.1" | grep -v '^\.' | sed 's/\\-/-/g' >"$T/man.txt"
sed '/^gates found next to qgate, then on PATH:$/,$d' "$T/help" | grep -v '^$' | grep -v '^options:$' >"$T/help.txt"
if cmp -s "$T/man.txt" "$T/help.txt"; then ok "--help matches docs/qgate.1"; else
	not_ok "--help differs from docs/qgate.1"; diff "$T/man.txt" "$T/help.txt" | sed 's/^/#   /'; fi

# --help ends with the gates found (beside qgate, then PATH), a line each
expect_grep "--help lists the gates found" '^gates found next to qgate, then on PATH:$' "$T/help"
expect_grep "--help describes the data gate" '^  data      datasets against a Table Schema' "$T/help"
expect_grep "--help describes the model gate" '^  model     model metrics against thresholds' "$T/help"
expect_grep "--help lists a qgate-* that is not ours with its path" "^  fake      not a gate of this release \\($T/bin/qgate-fake\\)\$" "$T/help"
expect_no_grep "--help names no planned gate (deploy ships)" '^planned, not in this release' "$T/help"
expect_grep "--help describes the deploy gate" '^  deploy    push, promote on evidence, health-check' "$T/help"
expect_grep "--help describes the lint gate" '^  lint      linters and built-in checks' "$T/help"
expect_grep "--help describes the test gate" '^  test      run tests with timeouts and retries' "$T/help"
expect_no_grep "--help lists no non-executable qgate-*" 'notexec' "$T/help"

# no gate named: the usage on stderr, exit 2
expect_exit 2 "no gate at all" "$Q"
expect_grep "no gate: says so" '^qgate: error: no gate named$' "$T/err"
expect_grep "no gate: prints the usage" '^usage: qgate <gate> \[ARGS\.\.\.\]$' "$T/err"
expect_grep "no gate: lists the gates" '^  data      datasets' "$T/err"
expect_eq "no gate: nothing on stdout" "$(wc -c <"$T/out")" 0

expect_exit 0 "qgate --version" "$Q" --version
expect_eq "--version first line" "$(head -1 "$T/out")" "qgate 0.1.0"
expect_grep "--version names linked libraries" '^zlib [0-9]' "$T/out"
expect_grep "--version marks dlopen'ed libraries" '^libgit2 [0-9.]+ \(loaded on use\)$' "$T/out"

# exit status passes through, arguments arrive unchanged
expect_exit 1 "a failing gate's 1 passes through" "$Q" fake --flag 'two words' -
expect_eq "arguments pass through" "$(cat "$T/out")" "fake1: --flag two words -"
expect_exit 0 "a passing gate's 0 passes through" "$Q" fakepass
expect_exit 3 "a gate's 3 passes through" "$Q" fakeerror
expect_exit 1 "qgate help <gate> runs the gate's --help" "$Q" help fake
expect_eq "help <gate> passes --help" "$(cat "$T/out")" "fake1: --help"

# unknown and uninstalled gates: 2 with the list of what exists
expect_exit 2 "unknown gate" "$Q" nosuchgate
expect_grep "unknown gate is named" "'nosuchgate' is not a qgate command" "$T/err"
expect_grep "available gates are listed" '^available gates:.* fake .*fakeerror fakepass' "$T/err"
expect_no_grep "non-executable qgate-* files are not listed" 'notexec' "$T/err"
expect_exit 2 "a non-executable qgate-notexec is not a gate" "$Q" notexec
expect_no_grep "an unknown name far from any gate gets no suggestion" 'did you mean' "$T/err"
expect_exit 2 "unknown gate near a real one" "$Q" dta
expect_grep "did you mean the nearest gate" "^qgate: error: 'dta' is not a qgate command \\(did you mean 'data'\\?\\)\$" "$T/err"
expect_exit 2 "unknown gate near a found one" "$Q" fakeerorr
expect_grep "did you mean a found gate" "did you mean 'fakeerror'" "$T/err"
expect_exit 2 "unknown front option" "$Q" --frobnicate

# deploy ships: a typo of it is suggested, its --help comes from qgate-deploy
expect_exit 2 "a typo of the deploy gate" "$Q" delpoy
expect_grep "a typo of deploy suggests it" "did you mean 'deploy'" "$T/err"
expect_exit 0 "qgate help deploy runs qgate-deploy --help" "$Q" help deploy
expect_grep "help deploy is qgate-deploy's usage" '^usage: qgate-deploy push ' "$T/out"

# a gate of this release that is not installed: qgate alone in a folder
mkdir -p "$T/alone"
cp "$Q" "$T/alone/qgate"
expect_exit 2 "a shipped gate that is not installed" env PATH=/usr/bin:/bin "$T/alone/qgate" model
expect_grep "uninstalled gate says so" "^qgate: error: 'model' is a gate of this release that is not installed" "$T/err"
expect_exit 0 "--help with no gate installed" env PATH=/usr/bin:/bin "$T/alone/qgate" --help
expect_grep "--help says none was found" '^  \(none: no qgate-<gate> executable next to qgate or on PATH\)$' "$T/out"
expect_grep "--help names the gates not installed" '^of this release, not installed: data, model, lint, test, deploy$' "$T/out"
expect_exit 2 "deploy, a gate of this release, not installed" env PATH=/usr/bin:/bin "$T/alone/qgate" deploy
expect_grep "uninstalled deploy says so" "^qgate: error: 'deploy' is a gate of this release that is not installed" "$T/err"

# PATH as POSIX reads it: an empty entry is the working folder
mkdir -p "$T/cwd"
printf '#!/bin/sh\necho from-cwd\nexit 0\n' >"$T/cwd/qgate-here"
chmod +x "$T/cwd/qgate-here"
expect_exit 0 "an empty PATH entry is the working folder" sh -c 'cd "$1" && PATH=/usr/bin:/bin: exec "$2" here' sh "$T/cwd" "$T/alone/qgate"
expect_eq "the gate in the working folder ran" "$(cat "$T/out")" "from-cwd"
expect_exit 2 "without the empty entry it is not found" sh -c 'cd "$1" && PATH=/usr/bin:/bin exec "$2" here' sh "$T/cwd" "$T/alone/qgate"

# names that could be paths are refused before any lookup
expect_exit 2 "gate name with .. is refused" "$Q" ../fakepass
expect_exit 2 "gate name with / is refused" "$Q" bin/fakepass
expect_exit 2 "gate name with a dash is refused" "$Q" fake-pass
expect_exit 2 "upper-case gate name is refused" "$Q" FAKE
expect_exit 2 "empty gate name is refused" "$Q" ''
expect_grep "refusal says why" 'is not a gate name' "$T/err"

# next to qgate wins over PATH
cp "$Q" "$T/self/qgate"
printf '#!/bin/sh\necho beside\nexit 0\n' >"$T/self/qgate-fake"
chmod +x "$T/self/qgate-fake"
expect_exit 0 "qgate-<gate> beside qgate is preferred to PATH" "$T/self/qgate" fake
expect_eq "the one beside ran" "$(cat "$T/out")" "beside"

done_testing
