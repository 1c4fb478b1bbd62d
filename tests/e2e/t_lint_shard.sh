#!/bin/sh
# t_lint_shard.sh -- qgate-lint --shard I/N, and qgate merge of its shards
#
# A real repository with planted problems (trailing whitespace in 40 files, so
# more findings than the 10 locations kept; files without a final newline;
# broken JSON; mixed line endings; a case conflict; a protected branch) and a
# --run linter that reports over the whole tree (warnings and errors in gcc
# format): the unsharded run against 3 shards merged by qgate merge gives the
# same checks in the same order, statuses, counts, messages, first locations,
# metrics and verdict; the same with --baseline and --changed-since (new findings only) and with
# error and warning budgets each shard is within but the whole is not. Every
# finding is in exactly one shard. Refused: a missing shard (exit 3), shards
# of other arguments (exit 2), --write-baseline with --shard, a bad I/N (exit 2).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! command -v git >/dev/null 2>&1; then
	skip "git is not installed: no repository to lint"
	done_testing
	exit $?
fi
mkdir repo && cd repo || exit 1
git init -q -b main . 2>/dev/null || { git init -q . && git checkout -q -b main; }
git config user.email t@example.org
git config user.name t
i=1
while [ $i -le 40 ]; do
	printf 'line one  \nline two\nline three \n' >"f$i.txt"
	i=$((i + 1))
done
printf 'no newline' >n1.txt
printf 'no newline either' >n2.txt
printf '{"a": 1,}\n' >bad.json
printf '{"ok": true}\n' >good.json
printf 'x\r\ny\n' >crlf.txt
printf 'readme\n' >README.md
printf 'readme\n' >readme.md
# a linter over the whole tree: a warning on line 2 of every f*.txt, an error in bad.json
cat >lintall.sh <<'S'
#!/bin/sh
for f in f*.txt; do echo "$f:2:1: warning: the second line [W2]"; done
echo "bad.json:1:9: error: trailing comma [E1]"
exit 1
S
chmod +x lintall.sh
git add -A && git commit -qm "planted problems"
# the baseline: today's findings; then new problems on top
qgate-lint --builtin=default,no-commit-to-branch --run 'sh lintall.sh' --parser gcc --write-baseline ../base.json -q >/dev/null 2>&1
i=1
while [ $i -le 12 ]; do
	printf 'new  \n' >>"f$i.txt"
	i=$((i + 1))
done
printf 'z\r\n' >>f7.txt
git add -A && git commit -qm "new problems"

CMP='[(c["id"], c["status"], c.get("count"), c.get("message"), c.get("flags"), [(l.get("file"), l.get("line"), l.get("column"), l.get("message")) for l in c.get("locations", [])], c.get("tool"), c.get("rule"), c.get("level"), c.get("fixed")) for c in d["checks"]]'
MET='[d["metrics"][k] for k in ("errors", "warnings", "notes", "new", "total", "baseline", "suppressed", "filtered")] + [d["summary"], d["status"], d["exit_code"]]'

# run NAME ARGS...: the unsharded run into NAME, its 3 shards into NAME.1..3
run() {
	_name=$1
	shift
	qgate-lint --builtin=default,no-commit-to-branch --run 'sh lintall.sh' --parser gcc "$@" --out "../$_name" -q >/dev/null 2>&1
	echo $? >"../$_name.rc"
	for _k in 1 2 3; do
		qgate-lint --builtin=default,no-commit-to-branch --run 'sh lintall.sh' --parser gcc "$@" --shard $_k/3 --out "../$_name.$_k" -q \
			>/dev/null 2>&1
	done
}

# same NAME WHAT: merge NAME.1..3 and compare with NAME
same() {
	expect_exit "$(cat "../$1.rc")" "$2: 3 shards merged exit as the unsharded run does" \
		qgate merge --out "../$1.m" "../$1.1" "../$1.2" "../$1.3"
	expect_eq "  the same checks, order, statuses, counts, messages, locations, details" \
		"$(json_get "../$1.m/lint.json" "$CMP")" "$(json_get "../$1/lint.json" "$CMP")"
	expect_eq "  the same metrics (errors, warnings, notes, new, total, baseline...), summary and verdict" \
		"$(json_get "../$1.m/lint.json" "$MET")" "$(json_get "../$1/lint.json" "$MET")"
	validate_result "  the merged result" "../$1.m/lint.json"
	validate_junit "  the merged JUnit" "../$1.m/lint.xml"
}

# --- the plain run
run plain
expect_eq "the unsharded run finds what was planted" \
	"$(json_get ../plain/lint.json '[d["exit_code"], d["metrics"]["errors"], d["metrics"]["warnings"]]')" "[1, 100, 40]"
expect_eq "the shards' findings add up to the whole, none twice" \
	"$(for k in 1 2 3; do json_get ../plain.$k/lint.json 'd["metrics"]["total"]'; done | awk '{s+=$1} END {print s}')" \
	"$(json_get ../plain/lint.json 'd["metrics"]["total"]')"
expect_eq "every shard has some of the findings (the split spreads them)" \
	"$(for k in 1 2 3; do json_get ../plain.$k/lint.json 'd["metrics"]["total"] > 0'; done | tr '\n' ' ')" "true true true "
expect_eq "a shard records --shard in its invocation, with the unsharded run's fingerprint" \
	"$(json_get ../plain.2/lint.json '[d["invocation"]["shard"], d["invocation"]["fingerprint"]]')" \
	"$(json_get ../plain/lint.json '["2/3", d["invocation"]["fingerprint"]]')"
expect_eq "the repository-wide finding (no-commit-to-branch, no file) is shard 1's alone" \
	"$(for k in 1 2 3; do json_get ../plain.$k/lint.json '[c["status"] for c in d["checks"] if c["id"] == "lint.builtin.no-commit-to-branch"][0]'; done | tr '\n' ' ')" \
	"fail pass pass "
validate_result "a shard's result" ../plain.3/lint.json
expect_eq "trailing-whitespace has more findings than locations kept" \
	"$(json_get ../plain/lint.json '[(c["count"], len(c["locations"])) for c in d["checks"] if c["id"] == "lint.builtin.trailing-whitespace"][0]')" \
	"[92, 10]"
same plain "plain"
expect_eq "  the merged invocation is the unsharded run's (shard null)" \
	"$(json_get ../plain.m/lint.json '[d["invocation"]["shard"], d["invocation"]["fingerprint"]]')" \
	"$(json_get ../plain/lint.json '[None, d["invocation"]["fingerprint"]]')"

# --- new findings only (--baseline)
run base --baseline ../base.json
expect_eq "with --baseline: only the new findings count" \
	"$(json_get ../base/lint.json '[d["metrics"]["new"], d["metrics"]["baseline"]]')" "[25, 115]"
same base "--baseline"

# --- only what changed since the first commit (--changed-since, --filter added)
run changed --changed-since HEAD~1
expect_eq "with --changed-since: the findings on added lines only" \
	"$(json_get ../changed/lint.json '[d["metrics"]["new"], d["metrics"]["filtered"] > 0]')" "[14, true]"
same changed "--changed-since"

# --- budgets each shard is within, the whole is not
run budget --max-errors 60 --max-warnings 30
expect_eq "budgets: the unsharded run is over both" \
	"$(json_get ../budget/lint.json '[c["status"] for c in d["checks"] if c["id"] in ("lint.max-errors", "lint.max-warnings")]')" \
	'["fail", "fail"]'
expect_eq "  while every shard is within them" \
	"$(for k in 1 2 3; do json_get ../budget.$k/lint.json 'd["exit_code"]'; done | tr '\n' ' ')" "0 0 0 "
same budget "budgets over the summed counts"
run within --max-errors 1000 --max-warnings 1000
same within "budgets the whole is within (pass, findings as warnings)"

# --- the built-in checks alone, on named paths
run named f1.txt f2.txt f3.txt n1.txt bad.json
same named "named PATHs"

# --- refusals
expect_exit 3 "a missing shard" qgate merge --out ../x ../plain.1 ../plain.3
expect_grep "  named" "shard 2/3 missing" "$T/err"
expect_no_file "  nothing written" ../x/lint.json
expect_exit 2 "shards of different arguments (budgets)" qgate merge --out ../x ../plain.1 ../budget.2 ../plain.3
expect_grep "  says why" "different arguments or configuration" "$T/err"
expect_exit 2 "shards of different totals" sh -c "qgate-lint --builtin --shard 2/2 --out ../two -q >/dev/null 2>&1; qgate merge --out ../x ../plain.1 ../two ../plain.3"
expect_exit 2 "--write-baseline with --shard" qgate-lint --builtin --shard 1/3 --write-baseline ../b.json
expect_grep "  says why" "only this shard's findings" "$T/err"
expect_exit 2 "--shard 4/3" qgate-lint --builtin --shard 4/3
expect_grep "  names the flag" "--shard: expected I/N" "$T/err"
expect_exit 2 "--shard 0/3" qgate-lint --builtin --shard 0/3
expect_exit 1 "--shard 1/1 is the whole run" qgate-lint --builtin=default,no-commit-to-branch --run 'sh lintall.sh' --parser gcc --shard 1/1 --out ../one -q
expect_eq "  with the same checks" "$(json_get ../one/lint.json "$CMP")" "$(json_get ../plain/lint.json "$CMP")"

done_testing
