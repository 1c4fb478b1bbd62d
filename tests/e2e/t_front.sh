#!/bin/sh
# t_front.sh -- the front `qgate`: dispatch to qgate-<gate>, exit status
# passthrough, unknown gates, name checks, --help in step with docs/qgate.1.
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
sed -n '/^\.SH SYNOPSIS/,/^\.SH GATES/p' "$QG_ROOT/docs/qgate.1" | grep -v '^\.' | sed 's/\\-/-/g' >"$T/man.txt"
grep -v '^$' "$T/help" | grep -v '^options:$' >"$T/help.txt"
if cmp -s "$T/man.txt" "$T/help.txt"; then ok "--help matches docs/qgate.1"; else
	not_ok "--help differs from docs/qgate.1"; diff "$T/man.txt" "$T/help.txt" | sed 's/^/#   /'; fi

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
expect_exit 2 "no gate at all" "$Q"
expect_exit 2 "unknown front option" "$Q" --frobnicate

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
