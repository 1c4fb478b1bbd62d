#!/bin/sh
# t_skips.sh -- a skip is a skip: tests/run counts TAP "# SKIP" lines (lib.sh's
# "ok N - # SKIP why" and cmocka's "not ok N # SKIP name") apart, prints them,
# and ends "N passed, N failed, N skipped"; the JUnit schema checks skip without
# ../shared/schemas (test_junit frees before it skips: no leak under ASan) and
# fail instead under QG_REQUIRE_SCHEMAS=1, in the unit test and in lib.sh.
. "$(dirname "$0")/lib.sh"

# --- tests/run's counting, on fake test binaries in a build dir of our own
FAKE=$T/fake
mkdir -p "$FAKE/tests/unit"
fake() { # fake NAME EXIT TAP-LINE...
	_f=$FAKE/tests/unit/test_zzfake_$1; _rc=$2; shift 2
	{ echo '#!/bin/sh'; for _l in "$@"; do printf "echo '%s'\n" "$_l"; done; echo "exit $_rc"; } >"$_f"
	chmod +x "$_f"
}
REL=$(realpath --relative-to="$QG_ROOT" "$FAKE")
runner() { env -u QG_BIN -u QG_BUILD B="$REL" "$QG_ROOT/tests/run" "$1" >"$T/run.out" 2>&1; }

fake a_pass 0 '1..2' 'ok 1 - first' 'ok 2 - second'
fake b_skip 0 '1..3' 'ok 1 - fine' 'ok 2 - # SKIP nginx missing: HTTPS NOT RUN' '# SKIP schemas absent' 'not ok 3 # SKIP test_schemas'
runner zzfake
expect_eq "passes and skips: exit 0" "$?" "0"
expect_eq "last line counts skips apart" "$(tail -1 "$T/run.out")" "3 passed, 0 failed, 2 skipped"
expect_grep "a lib.sh skip is printed with its reason" 'SKIPPED: ok 2 - # SKIP nginx missing: HTTPS NOT RUN' "$T/run.out"
expect_grep "a cmocka skip is printed with its name" 'SKIPPED: not ok 3 # SKIP test_schemas' "$T/run.out"
expect_no_grep "no skip is a failure" '^FAIL' "$T/run.out"

fake c_fail 1 '1..2' 'ok 1 - x' 'not ok 2 - y'
runner zzfake
expect_eq "a failure: exit 1" "$?" "1"
expect_eq "a failure is counted" "$(tail -1 "$T/run.out")" "4 passed, 1 failed, 2 skipped"
rm -f "$FAKE"/tests/unit/test_zzfake_*

fake d_leak 86 '1..1' 'ok 1 - leaks'
runner zzfake
expect_eq "a non-zero exit with all ok is a failure" "$(tail -1 "$T/run.out")" "1 passed, 1 failed, 0 skipped"
rm -f "$FAKE"/tests/unit/test_zzfake_*

fake e_skip_only 0 '1..1' 'ok 1 - # skip nothing here'
runner zzfake
expect_eq "only skips: exit 1 (nothing passed)" "$?" "1"
expect_eq "only skips are counted as skips" "$(tail -1 "$T/run.out")" "0 passed, 0 failed, 1 skipped"

# --- the unit test without schemas: skip, freed; with QG_REQUIRE_SCHEMAS=1: fail
UT=$QG_BUILD/tests/unit/test_junit
if [ -x "$UT" ]; then
	env -u QG_REQUIRE_SCHEMAS QG_SHARED="$T/none" CMOCKA_MESSAGE_OUTPUT=TAP "$UT" >"$T/ut.out" 2>&1
	expect_eq "test_junit without schemas exits 0 (skip frees: no leak report)" "$?" "0"
	expect_grep "test_junit reports the schema test as skipped" '^not ok [0-9]+ # SKIP test_junit_validates_against_both_schemas' "$T/ut.out"
	expect_grep "test_junit says why, loudly" '^WARNING: .*none/schemas absent: JUnit schema validation of [1-9][0-9]* documents NOT RUN' "$T/ut.out"
	expect_no_grep "no leak report" 'LeakSanitizer|ERROR: AddressSanitizer' "$T/ut.out"
	QG_REQUIRE_SCHEMAS=1 QG_SHARED="$T/none" CMOCKA_MESSAGE_OUTPUT=TAP "$UT" >"$T/ut.out" 2>&1
	_rc=$?
	if [ "$_rc" -ne 0 ]; then ok "test_junit with QG_REQUIRE_SCHEMAS=1 and no schemas fails (exit $_rc)"; else
		not_ok "test_junit with QG_REQUIRE_SCHEMAS=1 and no schemas exited 0"; fi
	expect_grep "... as a failed test, not a skip" '^not ok [0-9]+ - test_junit_validates_against_both_schemas' "$T/ut.out"
	if [ -d "$SHARED/schemas" ]; then
		QG_REQUIRE_SCHEMAS=1 CMOCKA_MESSAGE_OUTPUT=TAP "$UT" >"$T/ut.out" 2>&1
		expect_eq "test_junit with the schemas present passes" "$?" "0"
		expect_grep "... and validated" '^ok [0-9]+ - test_junit_validates_against_both_schemas' "$T/ut.out"
	fi
else
	not_ok "$UT not built"
fi

# --- lib.sh's validate_junit, both directions
printf '<testsuites/>\n' >"$T/j.xml"
cat >"$T/sub.sh" <<EOS
. "$QG_ROOT/tests/e2e/lib.sh"
validate_junit "sub" "$T/j.xml"
done_testing
EOS
env -u QG_REQUIRE_SCHEMAS QG_SHARED="$T/none" sh "$T/sub.sh" >"$T/sub.out" 2>&1
expect_eq "validate_junit without schemas: exit 0" "$?" "0"
expect_grep "validate_junit without schemas: a TAP skip naming the folder" '^ok 1 - # SKIP sub: .*/none/schemas not present' "$T/sub.out"
QG_REQUIRE_SCHEMAS=1 QG_SHARED="$T/none" sh "$T/sub.sh" >"$T/sub.out" 2>&1
expect_eq "validate_junit under QG_REQUIRE_SCHEMAS=1 without schemas: exit 1" "$?" "1"
expect_grep "... as not ok" '^not ok 1 - sub: QG_REQUIRE_SCHEMAS=1 and .*/none/schemas is missing' "$T/sub.out"

# --- the JUnit consumers from npm: unreachable registry -> skip, or fail when required
for req in "" 1; do
	env -u QG_REQUIRE_SCHEMAS ${req:+QG_REQUIRE_SCHEMAS=1} QG_NPM_JUNIT_DIR="$T/npm-empty" \
		npm_config_registry=http://127.0.0.1:9/ npm_config_fetch_retries=0 \
		sh "$QG_ROOT/tests/e2e/t_junit_consumers.sh" >"$T/jc.out" 2>&1
	_rc=$?
	if [ -z "$req" ]; then
		expect_eq "consumers unavailable: exit 0" "$_rc" "0"
		expect_grep "... a loud skip" '^ok 1 - # SKIP JUnit consumers from npm .* NOT RUN' "$T/jc.out"
	else
		expect_eq "consumers unavailable under QG_REQUIRE_SCHEMAS=1: exit 1" "$_rc" "1"
		expect_grep "... a failure" '^not ok 1 - QG_REQUIRE_SCHEMAS=1 and JUnit consumers' "$T/jc.out"
	fi
done
done_testing
