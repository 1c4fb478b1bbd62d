#!/bin/sh
# t_deploy_example.sh -- examples/deploy/demo.sh, the qgate-deploy step of `make demo`
#
# The example is copied into a fresh git repository (push records its commit, the gates'
# results too) and run against the built gates with TMPDIR pointing at an empty folder:
# every step gives the status it expects (the sick release rolled back by itself: exit 1),
# production ends on the first model, the reports are valid, the audit log verifies and
# names every step, nothing is written into the source tree and TMPDIR is empty again.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 not installed: the example's health endpoint cannot start, example NOT run"
	done_testing
	exit
fi
R=$T/repo
mkdir -p "$R/examples" "$T/tmp" "$T/reports"
cp -R "$QG_ROOT/examples/deploy" "$R/examples/deploy"
(
	cd "$R" && git init -q . && git add -A . &&
		git -c user.name=t -c user.email=t@example.com commit -q -m example
) >"$T/git.log" 2>&1
expect_eq "a repository of the example" "$?" 0

expect_exit 0 "examples/deploy/demo.sh runs every step" \
	env TMPDIR="$T/tmp" sh "$R/examples/deploy/demo.sh" "$QG_BIN" "$T/reports"
cp "$T/out" "$T/demo.out"
expect_grep "the sick release was rolled back by itself (exit 1 expected)" '^exit status: 1 \(expected 1\)$' "$T/demo.out"
expect_eq "no step gave an unexpected status" \
	"$(grep -c '^exit status:' "$T/demo.out")" "$(grep -Ec '^exit status: ([0-9]+) \(expected \1\)$' "$T/demo.out")"
expect_grep "pin changed one line of the deployment (the diff's only hunk)" '^19c19$' "$T/demo.out"
expect_grep "to production's digest" '^>  +image: registry\.example\.com/ml/churn@sha256:[0-9a-f]{64}   # pin rewrites this line only$' "$T/demo.out"
expect_grep "production ends on the first model" '^production is sha256:[0-9a-f]{64} \(model\.json\)$' "$T/demo.out"
PROD=$(sed -n 's/^production is \(sha256:[0-9a-f]*\) .*/\1/p' "$T/demo.out")
expect_grep "the pinned digest is production's" "churn@$PROD " "$T/demo.out"
expect_eq "git status --porcelain is empty after the demo" "$(git -C "$R" status --porcelain)" ""
expect_eq "nothing left in TMPDIR" "$(ls -A "$T/tmp")" ""

O=$T/reports
for f in deploy-promote.json deploy-promote-sick.json deploy-rollback.json deploy-pin.json deploy-audit.json; do
	validate_result "$f" "$O/$f"
done
for f in deploy-promote.xml deploy-rollback.xml; do
	validate_junit "$f" "$O/$f"
done
expect_eq "the sick promotion's rollback check passed" \
	"$(json_get "$O/deploy-promote-sick.json" '[c["status"] for c in d["checks"] if c["id"]=="promote.rollback"][0]')" pass
expect_eq "the promotion judged both gates" \
	"$(json_get "$O/deploy-promote.json" '" ".join(sorted(c["id"] for c in d["checks"] if c["id"].startswith("promote.evidence.")))')" \
	"promote.evidence.data promote.evidence.model"
expect_eq "the audit log names every step" \
	"$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["action"] for l in open(sys.argv[1])))' "$O/deploy-audit.jsonl")" \
	"push promote health push promote health rollback promote health health rollback"
expect_exit 0 "audit verify accepts it" qgate-deploy audit verify "$O/deploy-audit.jsonl"
# an edited entry is caught: the log is evidence, not decoration
sed 's/"verdict":"fail"/"verdict":"pass"/' "$O/deploy-audit.jsonl" >"$T/edited.jsonl"
expect_exit 1 "audit verify catches an edited verdict" qgate-deploy audit verify "$T/edited.jsonl"

done_testing
