#!/bin/sh
# t_reports.sh -- the contract's common behaviour, through a real gate
# (qgate-data, qgate-model): exit codes for bad flags and missing inputs,
# --out file names, one error line per fatal error, qgate.json typos, reports
# left intact when a gate is killed, and the GitHub Actions outputs with
# GitHub's escaping.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.json" <<'JSON'
{"fields": [
  {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
  {"name": "age", "type": "integer", "constraints": {"maximum": 120}}
]}
JSON
printf 'id,age\n1,20\n2,130\n3,x\n' >"$T/bad.csv"
printf 'id,age\n1,20\n2,30\n' >"$T/good.csv"

# --- exit codes of the contract
expect_exit 2 "a bad flag is exit 2" qgate-data validate --no-such-flag --schema "$T/schema.json" "$T/good.csv"
expect_grep "the bad flag is named" "no-such-flag" "$T/err"
expect_exit 2 "trailing junk in a number is exit 2" qgate-data validate --max-errors 10x --schema "$T/schema.json" "$T/good.csv"
expect_exit 3 "a missing input is exit 3" qgate-data validate --schema "$T/schema.json" "$T/nope.csv"
expect_grep "the missing input is named" "nope.csv" "$T/err"
expect_exit 0 "a clean dataset passes" qgate-data validate --schema "$T/schema.json" "$T/good.csv"
expect_exit 1 "violations fail" qgate-data validate --schema "$T/schema.json" "$T/bad.csv"
expect_exit 1 "the front passes the exit status through" qgate data validate --schema "$T/schema.json" "$T/bad.csv"

# --- --out DIR writes DIR/<gate>-<command>.json and .xml, valid against the
# schemas; validate then drift into one folder keeps both (the README's
# Actions example does exactly that)
expect_exit 1 "--out writes reports" qgate-data validate --schema "$T/schema.json" --out "$T/reports/sub" "$T/bad.csv"
expect_file "--out wrote data-validate.json" "$T/reports/sub/data-validate.json"
expect_file "--out wrote data-validate.xml" "$T/reports/sub/data-validate.xml"
validate_junit "--out JUnit" "$T/reports/sub/data-validate.xml"
validate_result "--out result" "$T/reports/sub/data-validate.json"
expect_eq "result status is fail" "$(json_get "$T/reports/sub/data-validate.json" 'd["status"]')" "fail"
expect_eq "result exit_code is 1" "$(json_get "$T/reports/sub/data-validate.json" 'd["exit_code"]')" "1"
expect_eq "result command is validate" "$(json_get "$T/reports/sub/data-validate.json" 'd["command"]')" "validate"
expect_exit 0 "profile --out into the same folder" qgate-data profile --out "$T/reports/sub" \
	--profile-out "$T/base.json" "$T/good.csv"
expect_exit 0 "drift --out into the same folder" qgate-data drift --baseline "$T/base.json" --out "$T/reports/sub" "$T/good.csv"
expect_eq "drift did not overwrite validate's report" \
	"$(json_get "$T/reports/sub/data-validate.json" 'd["command"] + " " + d["status"]')" "validate fail"
expect_eq "drift wrote data-drift.json" "$(json_get "$T/reports/sub/data-drift.json" 'd["command"]')" "drift"
expect_eq "profile wrote data-profile.json" "$(json_get "$T/reports/sub/data-profile.json" 'd["command"]')" "profile"
validate_result "--out drift result" "$T/reports/sub/data-drift.json"
validate_junit "--out drift JUnit" "$T/reports/sub/data-drift.xml"
expect_no_file "no report without the command in its name" "$T/reports/sub/data.json"
expect_no_file "no .junit.xml names" "$T/reports/sub/data-validate.junit.xml"
cat >"$T/model.csv" <<'CSV'
label,score
1,0.9
0,0.2
1,0.7
0,0.4
CSV
expect_exit 0 "model check --out" qgate-model check --predictions "$T/model.csv" --task binary \
	--require 'roc_auc >= 0.5' --bootstrap 0 --out "$T/reports/sub"
expect_eq "model check wrote model-check.json" "$(json_get "$T/reports/sub/model-check.json" 'd["command"]')" "check"
validate_result "--out model result" "$T/reports/sub/model-check.json"
validate_junit "--out model JUnit" "$T/reports/sub/model-check.xml"

# --- a fatal error is printed once, on stderr, whatever the gate and format;
# stdout never repeats it, and the result JSON carries it
for fmt in text json github; do
	for gate in validate drift check; do
		case $gate in
		validate) set -- qgate-data validate --schema "$T/nope-schema.json" "$T/good.csv" ;;
		drift) set -- qgate-data drift --baseline "$T/nope-schema.json" "$T/good.csv" ;;
		check) set -- qgate-model check --predictions "$T/nope-schema.json" --task binary --require 'f1 >= 0.5' ;;
		esac
		expect_exit 3 "$gate --format $fmt: a missing input is exit 3" "$@" --format "$fmt" --json "$T/fatal.json"
		expect_eq "$gate --format $fmt: exactly one line on stderr" "$(wc -l <"$T/err" | tr -d ' ')" "1"
		expect_grep "$gate --format $fmt: the line names the input" 'nope-schema\.json' "$T/err"
		if [ "$fmt" = json ]; then
			# stdout is the result JSON itself, which carries the error
			expect_eq "$gate --format json: stdout is the result" \
				"$(json_get "$T/out" 'd["status"] + " " + str(d["error"]["exit_code"])')" "error 3"
		else
			expect_no_grep "$gate --format $fmt: stdout does not repeat it" 'nope-schema' "$T/out"
			expect_grep "$gate --format $fmt: the verdict on stdout says ERROR" '^qgate-(data|model): ERROR$' "$T/out"
		fi
		expect_grep "$gate --format $fmt: the result JSON carries it" '"message": ".*nope-schema\.json' "$T/fatal.json"
		validate_result "$gate --format $fmt: error result" "$T/fatal.json"
		case $fmt in
		github) expect_grep "$gate: github: the line is an ::error annotation" '^::error title=qgate-(data|model)::' "$T/err" ;;
		*) expect_grep "$gate --format $fmt: qgate-<gate>: error:" '^qgate-(data|model): error: ' "$T/err" ;;
		esac
	done
done
# the same for the commands that print their own output, and for usage errors
expect_exit 3 "infer: a missing input is exit 3" qgate-data infer "$T/nope.csv"
expect_eq "infer: exactly one line on stderr" "$(wc -l <"$T/err" | tr -d ' ')" "1"
expect_exit 3 "metrics: a missing input is exit 3" qgate-model metrics --predictions "$T/nope.csv" --task binary
expect_eq "metrics: exactly one line on stderr" "$(wc -l <"$T/err" | tr -d ' ')" "1"
expect_eq "metrics: nothing on stdout" "$(wc -c <"$T/out" | tr -d ' ')" "0"
expect_exit 2 "drift without --baseline is exit 2" qgate-data drift --format text "$T/good.csv"
expect_eq "drift usage error: exactly one line on stderr" "$(wc -l <"$T/err" | tr -d ' ')" "1"
expect_grep "drift usage error: named on stderr" 'needs --baseline' "$T/err"

# --- qgate.json sections are checked against the subcommand table
echo '{"data": {"drfit": {"psi-max": 0.5}}}' >"$T/typo-data.json"
echo '{"model": {"chekc": {"task": "binary"}}}' >"$T/typo-model.json"
expect_exit 2 "data.drfit is exit 2 (drift)" qgate-data drift --config "$T/typo-data.json" --baseline "$T/base.json" "$T/good.csv"
expect_grep "data.drfit: did you mean 'drift'" "did you mean 'drift'" "$T/err"
expect_exit 2 "data.drfit is exit 2 (validate)" qgate-data validate --config "$T/typo-data.json" --schema "$T/schema.json" "$T/good.csv"
expect_grep "data.drfit: did you mean 'drift' (validate)" "did you mean 'drift'" "$T/err"
expect_exit 2 "model.chekc is exit 2" qgate-model check --config "$T/typo-model.json" --predictions "$T/model.csv" \
	--task binary --require 'roc_auc >= 0.5' --bootstrap 0
expect_grep "model.chekc: did you mean 'check'" "did you mean 'check'" "$T/err"
expect_exit 2 "an unknown command is exit 2" qgate-data drfit
expect_grep "an unknown command: did you mean" "unknown command 'drfit' \(did you mean 'drift'\?\)" "$T/err"
expect_exit 2 "model: an unknown command is exit 2" qgate-model chekc
expect_grep "model: an unknown command: did you mean" "did you mean 'check'" "$T/err"

# --- the subject: the repository around the working directory (looked up on
# a thread while the gate runs), null outside any repository
if git -C "$QG_ROOT" rev-parse HEAD >"$T/head" 2>/dev/null; then
	(cd "$QG_ROOT" && qgate-data validate --schema "$T/schema.json" --json "$T/in-repo.json" "$T/good.csv" >/dev/null 2>&1)
	expect_eq "subject.commit is HEAD inside the repository" "$(json_get "$T/in-repo.json" 'd["subject"]["commit"]')" "$(cat "$T/head")"
	expect_grep "subject.ref is a ref or null" '"ref": ("refs/|null)' "$T/in-repo.json"
else
	skip "the source tree is not a git repository: subject inside a repository NOT CHECKED"
fi
mkdir -p "$T/norepo"
(cd "$T/norepo" && GIT_CEILING_DIRECTORIES="$T" qgate-data validate --schema "$T/schema.json" --json "$T/no-repo.json" "$T/good.csv" >/dev/null 2>&1)
expect_eq "subject.commit is null outside a repository" "$(json_get "$T/no-repo.json" 'd["subject"]["commit"]')" "null"
expect_eq "subject.dirty is null outside a repository" "$(json_get "$T/no-repo.json" 'd["subject"]["dirty"]')" "null"
validate_result "result outside a repository" "$T/no-repo.json"

# --- a gate killed before it finishes leaves the previous report intact and
# no temp file behind (it reads from a FIFO that never ends, then gets TERM)
mkdir -p "$T/kill"
echo '{"previous": true}' >"$T/kill/r.json"
cp "$T/kill/r.json" "$T/kill/r.orig"
mkfifo "$T/fifo"
qgate-data validate --schema "$T/schema.json" --json "$T/kill/r.json" --junit "$T/kill/r.xml" - <"$T/fifo" >/dev/null 2>&1 &
pid=$!
exec 7>"$T/fifo"
printf 'id,age\n1,20\n' >&7
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
exec 7>&-
expect_eq "the killed gate reports death by SIGTERM (143)" "$rc" "143"
if cmp -s "$T/kill/r.json" "$T/kill/r.orig"; then ok "the previous report is intact"; else not_ok "the previous report changed"; fi
expect_no_file "no JUnit report was half-written" "$T/kill/r.xml"
left=$(ls -A "$T/kill" | grep -v '^r\.json$' | grep -v '^r\.orig$' | wc -l)
expect_eq "no temp file is left behind" "$left" "0"

# --- GitHub Actions: annotations escaped, summary and outputs written
weird="$T/we,ird:na%me.csv"
cp "$T/bad.csv" "$weird"
: >"$T/gh_out"; : >"$T/gh_sum"
GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh_out" GITHUB_STEP_SUMMARY="$T/gh_sum" \
	qgate-data validate --schema "$T/schema.json" "$weird" >"$T/gh_stdout" 2>"$T/gh_stderr"
expect_eq "github mode: exit 1" "$?" "1"
expect_grep "an ::error annotation per violation" '^::error file=.*,line=3,col=3,title=' "$T/gh_stdout"
expect_grep "',' ':' '%' in the file property are escaped" 'we%2Cird%3Ana%25me\.csv' "$T/gh_stdout"
expect_no_grep "no raw ',' inside the file property" '^::error file=[^,]*we,ird' "$T/gh_stdout"
expect_grep "the step summary has the verdict" 'qgate-data: FAIL' "$T/gh_sum"
expect_grep "the step summary has a checks table" '^\| .*field\.age\.maximum' "$T/gh_sum"
expect_grep "GITHUB_OUTPUT has status=fail" '^status=fail$' "$T/gh_out"
expect_grep "GITHUB_OUTPUT has exit_code=1" '^exit_code=1$' "$T/gh_out"

# A value with a newline never starts a second workflow command (the gate
# escapes values; GitHub's own %0A escaping is unit-tested in test_github).
printf 'id,age\n1,"12\n0"\n' >"$T/nl.csv"
GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh_out2" GITHUB_STEP_SUMMARY="$T/gh_sum2" \
	qgate-data validate --schema "$T/schema.json" "$T/nl.csv" >"$T/gh2" 2>&1
expect_eq "github mode with a newline value: exit 1" "$?" "1"
expect_no_grep "a value's newline does not start a line of its own" '^0"' "$T/gh2"
expect_grep "a value's newline is shown escaped in the annotation" '^::error .*12\\n0' "$T/gh2"

# At most 10 annotations of a kind, then one line counting the rest.
{ echo 'id,age'; i=1; while [ $i -le 30 ]; do echo "$i,999"; i=$((i + 1)); done; } >"$T/many.csv"
GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh_out3" GITHUB_STEP_SUMMARY="$T/gh_sum3" \
	qgate-data validate --schema "$T/schema.json" "$T/many.csv" >"$T/gh3" 2>&1
n=$(grep -c '^::error ' "$T/gh3")
expect_eq "at most 10 ::error annotations" "$n" "10"
expect_grep "the rest are counted" 'more' "$T/gh3"
# Annotation paths are made relative to $GITHUB_WORKSPACE, or GitHub does not
# attach them to the file.
GITHUB_ACTIONS=true GITHUB_WORKSPACE="$T" GITHUB_OUTPUT="$T/gh_out4" GITHUB_STEP_SUMMARY="$T/gh_sum4" \
	qgate-data validate --schema "$T/schema.json" "$T/bad.csv" >"$T/gh4" 2>&1
expect_grep "annotation paths are relative to GITHUB_WORKSPACE" '^::error file=bad\.csv,line=' "$T/gh4"
done_testing
