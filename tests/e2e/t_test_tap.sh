#!/bin/sh
# t_test_tap.sh -- qgate-test --tap-in on TAP real producers write (issue 14)
#
# Perl's Test::More (TAP 13: plan first or last via done_testing, SKIP, TODO, subtests,
# BAIL_OUT, a forgotten plan) and node:test's TAP reporter (TAP 13 with YAML diagnostics and
# indented subtests). Counts are compared with what prove (TAP::Harness) says of the same
# stream where it counts the same way: top-level points, TODO failures not failing. Invalid
# streams (no plan, a plan in the middle, doubled, a count mismatch) are exit 3 naming the line.
. "$(dirname "$0")/lib.sh"
Q=qgate-test
D=$T/d
mkdir -p "$D"
cd "$D" || exit 1

metrics() { # metrics JSON: "tests/failed/errors/skipped"
	json_get "$1" '"%s/%s/%s/%s" % (d["metrics"]["tests"], d["metrics"]["failed"], d["metrics"]["errors"], d["metrics"]["skipped"])'
}

if perl -MTest::More -e 1 2>/dev/null; then
	cat >mix.t <<'PL'
use strict; use warnings;
use Test::More tests => 6;
ok(1, 'passes');
ok(0, 'fails');
SKIP: { skip 'no network', 1; ok(1, 'net') }
TODO: { local $TODO = 'not yet'; ok(0, 'todo fails') }
subtest 'group' => sub { plan tests => 2; ok(1, 'inner ok'); ok(0, 'inner bad') };
is(2, 2, 'is # with a hash');
PL
	perl mix.t >mix.tap 2>/dev/null
	expect_exit 1 "Test::More stream: failures block" $Q --tap-in mix.tap --json "$T/mix.json" --junit "$T/mix.xml"
	validate_result "Test::More result" "$T/mix.json"
	validate_junit "Test::More JUnit out" "$T/mix.xml"
	expect_eq "Test::More counts (todo passes, the subtest is one point)" "$(metrics "$T/mix.json")" "6/2/0/1"
	# prove counts the same failures: "Failed 2/6 subtests"
	prove mix.t >prove.out 2>&1
	expect_grep "prove agrees: 2 of 6 failed" 'Failed 2/6 subtests' prove.out
	expect_grep "the subtest's failing child is in the parent's detail" 'inner bad' "$T/mix.json"
	expect_grep "a TODO failure is a pass with its reason" 'TODO \(failed\): not yet' "$T/mix.json"

	cat >late.t <<'PL'
use Test::More;
ok(1, 'a'); ok(1, 'b');
done_testing;
PL
	perl late.t >late.tap 2>/dev/null
	expect_exit 0 "plan last (done_testing)" $Q --tap-in late.tap --json "$T/late.json"
	expect_eq "plan last: counts" "$(metrics "$T/late.json")" "2/0/0/0"

	cat >noplan.t <<'PL'
use Test::More;
ok(1, 'a'); ok(1, 'b');
PL
	perl noplan.t >noplan.tap 2>/dev/null
	expect_exit 3 "a forgotten plan makes the stream invalid" $Q --tap-in noplan.tap
	expect_grep "no plan: named" "noplan.tap':[0-9]+: no plan" "$T/err"

	cat >bail.t <<'PL'
use Test::More tests => 4;
ok(1, 'a');
BAIL_OUT('database down');
PL
	perl bail.t >bail.tap 2>/dev/null
	expect_exit 3 "Bail out! is an error" $Q --tap-in bail.tap --json "$T/bail.json"
	expect_eq "bail out: one error, the points before it kept" "$(metrics "$T/bail.json")" "1/0/1/0"

	cat >skipall.t <<'PL'
use Test::More skip_all => 'needs a GPU';
PL
	perl skipall.t >skipall.tap 2>/dev/null
	expect_exit 3 "1..0 skip-all is valid but no test ran" $Q --tap-in skipall.tap
	expect_grep "skip-all: no test ran, not a malformed stream" 'no test ran' "$T/err"
else
	skip "perl Test::More not installed: Test::More streams NOT READ"
fi

# node:test's TAP: YAML diagnostics with error:, indented subtests, todo
if command -v node >/dev/null 2>&1 && node --test --test-reporter=tap --help >/dev/null 2>&1; then
	cp "$QG_ROOT/tests/e2e/test_readers_node.mjs" n.test.mjs
	node --test --test-reporter=tap n.test.mjs >node.tap 2>/dev/null
	expect_exit 1 "node:test TAP: failures block" $Q --tap-in node.tap --json "$T/node.json"
	expect_eq "node:test TAP counts (top-level points)" "$(metrics "$T/node.json")" "5/2/0/1"
	expect_grep "YAML error: is the message" 'Expected values to be strictly equal' "$T/node.json"
else
	skip "node with --test-reporter=tap not available: node:test's TAP NOT READ"
fi

# hand-written invalid streams: the line is named
printf '1..2\nok 1\nok 2\n1..2\n' >double.tap
expect_exit 3 "a doubled plan" $Q --tap-in double.tap
expect_grep "doubled plan: line named" "double.tap':4: a second plan" "$T/err"
printf 'ok 1\n1..2\nok 2\n' >mid.tap
expect_exit 3 "a plan in the middle" $Q --tap-in mid.tap
expect_grep "mid plan: line named" "mid.tap':2: the plan is in the middle" "$T/err"
printf '1..3\nok 1\nok 2\n' >short.tap
expect_exit 3 "a count below the plan (a crash mid-run)" $Q --tap-in short.tap
expect_grep "short: named" "short.tap':1: plan 1..3 but 2 test points" "$T/err"
: >empty.tap
expect_exit 3 "an empty stream" $Q --tap-in empty.tap
expect_grep "empty: named" "empty.tap': empty, expected a TAP stream" "$T/err"
done_testing
