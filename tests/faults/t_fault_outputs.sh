#!/bin/sh
# t_fault_outputs.sh -- faults of issue 11 on a gate's outputs, through a
# real gate (qgate-data): a file name holding "\n::error::" never starts a
# line of stdout or stderr under GITHUB_ACTIONS=true (workflow-command
# injection); two report flags naming one file are exit 2 before anything
# runs; and when one report cannot be written every output says error (the
# JSON report is not left saying pass, $GITHUB_OUTPUT says error/3, stdout
# says ERROR), as root (a parent that is a regular file) and as an
# unprivileged user (a folder without write permission, setpriv).
. "$(dirname "$0")/../e2e/lib.sh"

cat >"$T/schema.json" <<'JSON'
{"fields": [
  {"name": "id", "type": "integer"},
  {"name": "age", "type": "integer"},
  {"name": "zz", "type": "string"}
]}
JSON
printf 'id,age,zz\n1,2,a\n' >"$T/good.csv"

# --- workflow-command injection: the file name is named by a missing
# column and a bad value (stdout) and by a fatal error (stderr)
evil="$T/a
::error::pwned.csv"
printf 'id,age\n1,x\n' >"$evil"
for fmt in github text json; do
	expect_exit 1 "a newline file name, --format $fmt" env GITHUB_ACTIONS=true qgate-data validate \
		--format "$fmt" --schema "$T/schema.json" "$evil"
	expect_no_grep "no stdout line starts with ::error::pwned ($fmt)" '^::error::pwned' "$T/out"
	expect_no_grep "no stderr line starts with ::error::pwned ($fmt)" '^::error::pwned' "$T/err"
done
for fmt in github text; do
	expect_exit 3 "a newline schema name that cannot be opened, --format $fmt" env GITHUB_ACTIONS=true \
		qgate-data validate --format "$fmt" --schema "$evil.missing" "$T/good.csv"
	expect_no_grep "no stderr line starts with ::error::pwned (fatal, $fmt)" '^::error::pwned' "$T/err"
	expect_grep "the fatal error names the file on one line ($fmt)" 'a(\\n|%0A)::error::pwned' "$T/err"
done
expect_exit 3 "a newline report path that cannot be written" env GITHUB_ACTIONS=true \
	qgate-data validate --schema "$T/schema.json" --json "$evil/r.json" "$T/good.csv"
expect_no_grep "no stderr line starts with ::error::pwned (report path)" '^::error::pwned' "$T/err"
expect_exit 2 "a newline in a bad flag" env GITHUB_ACTIONS=true \
	qgate-data validate "--bogus$evil" --schema "$T/schema.json" "$T/good.csv"
expect_no_grep "no stderr line starts with ::error::pwned (usage error)" '^::error::pwned' "$T/err"

# --- two report flags naming one file: exit 2, both flags named, nothing runs
cd "$T" || exit 1
expect_exit 2 "--json X --junit X" qgate-data validate --schema schema.json --json same --junit same good.csv
expect_grep "both flags are named" "--junit 'same' and --json 'same'" "$T/err"
expect_no_file "nothing was written" "$T/same"
expect_exit 2 "--json ./X --junit X" qgate-data validate --schema schema.json --json ./same --junit same good.csv
mkdir -p "$T/sub"
expect_exit 2 "--json sub/../X --junit X" qgate-data validate --schema schema.json --json sub/../same --junit same good.csv
expect_exit 2 "--out DIR with --json DIR/data-validate.json" \
	qgate-data validate --schema schema.json --out od --json od/./data-validate.json good.csv
expect_grep "--out and --json named" "--json .* and --out .*data-validate.json" "$T/err"
expect_exit 2 "--out DIR with --junit DIR/data-validate.xml" \
	qgate-data validate --schema schema.json --out od --junit "$T/od/data-validate.xml" good.csv
expect_exit 2 "--json - --junit - (two documents on stdout)" qgate-data validate --schema schema.json --json - --junit - good.csv
expect_exit 0 "distinct report files are fine" \
	qgate-data validate --schema schema.json --out od --json r.json --junit r.xml good.csv
expect_exit 2 "profile --profile-out - --json -" qgate-data profile --profile-out - --json - good.csv
n=$(grep -c '^{' "$T/out")
expect_eq "one JSON document on stdout" "$n" 1
expect_exit 2 "profile --profile-out - --format json" qgate-data profile --profile-out - --format json good.csv
cd - >/dev/null || exit 1

# --- every output tells the same truth
# as root too: a --junit path whose parent is a regular file
: >"$T/afile"
rm -f "$T/r.json" "$T/gho"
expect_exit 3 "a --junit that cannot be written is exit 3" env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gho" \
	qgate-data validate --format text --schema "$T/schema.json" --json "$T/r.json" --junit "$T/afile/r.xml" "$T/good.csv"
expect_grep "the failed report is named" "afile/r.xml" "$T/err"
expect_no_grep "stdout does not say PASS" "PASS \(" "$T/out"
expect_grep "stdout says ERROR" "qgate-data: ERROR" "$T/out"
expect_no_file "no JSON report saying pass is left" "$T/r.json"
expect_grep "GITHUB_OUTPUT says error" "^status=error$" "$T/gho"
expect_grep "GITHUB_OUTPUT says exit code 3" "^exit_code=3$" "$T/gho"
expect_no_grep "GITHUB_OUTPUT never says pass" "^status=pass" "$T/gho"

# --json - on stdout says error too
expect_exit 3 "--json - with a --junit that cannot be written" \
	qgate-data validate --schema "$T/schema.json" --json - --junit "$T/afile/r.xml" "$T/good.csv"
expect_eq "the stdout JSON says error" "$(json_get "$T/out" "d['status']")" error
expect_eq "the stdout JSON says exit code 3" "$(json_get "$T/out" "d['exit_code']")" 3

# a GitHub file that fails after the reports were placed (/dev/full opens,
# then every write is ENOSPC): the placed reports are rewritten saying error
if [ -w /dev/full ]; then
	rm -f "$T/r.json" "$T/r.xml" "$T/gho" "$T/gss"
	expect_exit 3 "a step summary that cannot be written is exit 3" env GITHUB_ACTIONS=true \
		GITHUB_STEP_SUMMARY=/dev/full GITHUB_OUTPUT="$T/gho" qgate-data validate --format text \
		--schema "$T/schema.json" --json "$T/r.json" --junit "$T/r.xml" "$T/good.csv"
	expect_eq "the placed JSON report was rewritten saying error" "$(json_get "$T/r.json" "d['status']")" error
	expect_eq "... with exit code 3" "$(json_get "$T/r.json" "d['exit_code']")" 3
	validate_result "the rewritten JSON report" "$T/r.json"
	validate_junit "the rewritten JUnit report" "$T/r.xml"
	expect_grep "the rewritten JUnit report has the error" "<(error|failure)" "$T/r.xml"
	expect_grep "GITHUB_OUTPUT says exit code 3 after a summary failure" "^exit_code=3$" "$T/gho"
	expect_grep "stdout says ERROR after a summary failure" "qgate-data: ERROR" "$T/out"
	expect_exit 3 "a GITHUB_OUTPUT that cannot be written is exit 3" env GITHUB_ACTIONS=true \
		GITHUB_STEP_SUMMARY="$T/gss" GITHUB_OUTPUT=/dev/full qgate-data validate --format text \
		--schema "$T/schema.json" --json "$T/r.json" "$T/good.csv"
	expect_grep "the step summary ends saying ERROR" "qgate-data: ERROR" "$T/gss"
	expect_eq "the JSON report says error" "$(json_get "$T/r.json" "d['status']")" error
	# stdout itself cannot be written (the last output): the reports and
	# GITHUB_OUTPUT placed before it say error afterwards
	rm -f "$T/r.json" "$T/gho"
	GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gho" GITHUB_STEP_SUMMARY= qgate-data validate --format text \
		--schema "$T/schema.json" --json "$T/r.json" "$T/good.csv" >/dev/full 2>"$T/err"
	expect_eq "stdout on /dev/full is exit 3" "$?" 3
	expect_eq "the JSON report says error after stdout failed" "$(json_get "$T/r.json" "d['status']")" error
	tail -n 5 "$T/gho" >"$T/gho.last"
	expect_grep "the last GITHUB_OUTPUT status is error" "^status=error$" "$T/gho.last"
	expect_grep "the last GITHUB_OUTPUT exit code is 3" "^exit_code=3$" "$T/gho.last"
else
	skip "/dev/full not writable: the late-failure cases NOT RUN"
fi

# as an unprivileged user: a folder without write permission (as root the
# case drops to nobody with setpriv; the [user] run of tests/faults is
# unprivileged already)
if [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null 2>&1; then
	U="$T/user"
	mkdir -p "$U/ro"
	cp "$T/schema.json" "$T/good.csv" "$U/"
	chmod 555 "$U/ro"
	if [ "$(id -u)" = 0 ]; then
		chown -R 65534:65534 "$U"
		chmod 755 "$T"
		set -- setpriv --reuid=65534 --regid=65534 --clear-groups
	else
		set --
	fi
	expect_exit 3 "as an unprivileged user, --junit in a read-only folder is exit 3" \
		"$@" env GITHUB_ACTIONS=true GITHUB_OUTPUT="$U/gho" \
		"$QG_BIN/qgate-data" validate --format text --schema "$U/schema.json" --json "$U/r.json" \
		--junit "$U/ro/r.xml" --out "$U/od" "$U/good.csv"
	expect_grep "the read-only report is named" "ro/r.xml" "$T/err"
	expect_grep "stdout says ERROR (unprivileged)" "qgate-data: ERROR" "$T/out"
	expect_no_file "no --json report left saying pass (unprivileged)" "$U/r.json"
	expect_no_file "no --out report left saying pass (unprivileged)" "$U/od/data-validate.json"
	expect_grep "GITHUB_OUTPUT says error (unprivileged)" "^status=error$" "$U/gho"
	expect_grep "GITHUB_OUTPUT says exit code 3 (unprivileged)" "^exit_code=3$" "$U/gho"
	ls -a "$U/ro" >"$T/ls"
	expect_no_grep "no temp file left in the read-only folder" "tmp" "$T/ls"
else
	skip "root without setpriv: the unprivileged read-only folder case NOT RUN"
fi

# --- a usage error (exit 2) and a report that cannot be written (exit 3):
# the process and every output say the same exit code, 3
printf '{"fields": 5}\n' >"$T/badschema.json"
rm -f "$T/gho"
expect_exit 3 "a bad schema and a --junit that cannot be written is exit 3" env GITHUB_ACTIONS=true \
	GITHUB_OUTPUT="$T/gho" qgate-data validate --schema "$T/badschema.json" --json - \
	--junit "$T/afile/r.xml" "$T/good.csv"
expect_eq "the stdout JSON says exit code 3, as the process" "$(json_get "$T/out" "d['exit_code']")" 3
expect_eq "its error object says exit code 3" "$(json_get "$T/out" "d['error']['exit_code']")" 3
expect_eq "the stdout JSON still names the first cause" \
	"$(json_get "$T/out" "'expected an array of field objects' in d['error']['message']")" true
expect_grep "GITHUB_OUTPUT says exit code 3 (usage error then a report)" "^exit_code=3$" "$T/gho"
if [ -w /dev/full ]; then
	rm -f "$T/r.json"
	expect_exit 3 "a bad schema and a step summary that cannot be written is exit 3" env GITHUB_ACTIONS=true \
		GITHUB_STEP_SUMMARY=/dev/full qgate-data validate --schema "$T/badschema.json" --json "$T/r.json" \
		"$T/good.csv"
	expect_eq "the rewritten JSON report says exit code 3, as the process" "$(json_get "$T/r.json" "d['exit_code']")" 3
	validate_result "the rewritten JSON report (usage error then a summary)" "$T/r.json"

	# --- stdout that cannot be written is said once on stderr
	for how in "--json -" "--format json" "--format text"; do
		# shellcheck disable=SC2086
		qgate-data validate $how --schema "$T/schema.json" "$T/good.csv" >/dev/full 2>"$T/err"
		expect_eq "$how, stdout on /dev/full is exit 3" "$?" 3
		expect_eq "$how, 'cannot write to stdout' is said once" "$(grep -c 'cannot write to stdout' "$T/err")" 1
	done
	qgate-data validate --schema "$T/schema.json" --json /dev/full "$T/good.csv" >"$T/out" 2>"$T/err"
	expect_eq "--json /dev/full is exit 3" "$?" 3
	expect_eq "--json /dev/full is said once" "$(grep -c '/dev/full' "$T/err")" 1
	expect_eq "... and stdout is not said to fail" "$(grep -c 'stdout' "$T/err")" 0
else
	skip "/dev/full not writable: the late usage-error and stdout-once cases NOT RUN"
fi

done_testing
