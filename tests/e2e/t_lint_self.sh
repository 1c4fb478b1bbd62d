#!/bin/sh
# t_lint_self.sh -- qgate-lint passes on this repository with its own qgate.json: every
# default built-in check over the tracked files (fuzz corpora, fault fixtures and the planted
# examples/lint tree are excluded there), so a trailing blank line or a script committed
# without its executable bit fails `make check`.
. "$(dirname "$0")/lib.sh"

if ! git -C "$QG_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	skip "not a git checkout: $QG_ROOT (qgate-lint checks the files git tracks)"
	done_testing
	exit 0
fi
cd "$QG_ROOT" || exit 1
expect_exit 0 "qgate-lint --config qgate.json passes on the repository" \
	"$QG_BIN/qgate-lint" --config qgate.json --json "$T/lint.json" -q
sed "s/^/#   /" "$T/out" | head -30
validate_result "the repository's lint result" "$T/lint.json"
expect_eq "every default built-in check ran" \
	"$(json_get "$T/lint.json" 'len([c for c in d["checks"] if c["id"].startswith("lint.builtin.")]) >= 15')" true
done_testing
