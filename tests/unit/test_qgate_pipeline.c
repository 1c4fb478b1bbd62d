/* test_qgate_pipeline.c -- the pipeline loader (gates/qgate/pipeline.c) and its globs */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/run_int.h"

static int load(struct run_stage *s, const char *text, const char *stage)
{
	qg_error_clear();
	return run_pipeline_parse(s, text, strlen(text), "qgate.json", stage);
}

/* The error for text, exactly. */
static void expect_error(const char *text, const char *stage, const char *msg)
{
	struct run_stage s;
	int err = load(&s, text, stage);

	assert_int_equal(err, QG_EUSAGE);
	assert_string_equal(qg_error_last(), msg);
	assert_int_equal(s.nr, 0);
	run_stage_release(&s);
}

static void test_qgate_pipeline_loads_a_stage_in_order(void **state)
{
	struct run_stage s;
	const char *text =
		"{\"data\": {}, \"pipeline\": {\"ci\": ["
		"{\"name\": \"model\", \"gate\": \"model\", \"args\": [\"check\"], \"needs\": [\"data\", \"lint\"]},"
		"{\"name\": \"data\", \"gate\": \"data\", \"paths\": [\"data/**\"]},"
		"{\"name\": \"lint\", \"gate\": \"lint\", \"needs\": [\"data\"]}],"
		"\"pre-push\": [{\"name\": \"x\", \"gate\": \"test\"}]}}";
	size_t pos[3];

	(void)state;
	assert_int_equal(load(&s, text, "ci"), 0);
	assert_string_equal(s.name, "ci");
	assert_int_equal(s.nr, 3);
	assert_string_equal(s.steps[0].gate, "model");
	assert_int_equal(s.steps[0].args.nr, 1);
	assert_string_equal(s.steps[0].args.v[0], "check");
	assert_int_equal(s.steps[0].needs.nr, 2);
	assert_int_equal(s.steps[0].need_idx[0], 1);
	assert_int_equal(s.steps[0].need_idx[1], 2);
	assert_true(s.steps[1].has_paths);
	assert_false(s.steps[0].has_paths);
	assert_string_equal(s.steps[2].pointer, "/pipeline/ci/2");
	for (size_t i = 0; i < 3; i++)
		pos[s.order[i]] = i;
	assert_true(pos[1] < pos[2]); /* data before lint */
	assert_true(pos[2] < pos[0]); /* lint before model */
	assert_int_equal(run_stage_find(&s, "lint"), 2);
	assert_int_equal(run_stage_find(&s, "nope"), -1);
	run_stage_release(&s);
	run_stage_release(&s); /* twice is harmless */
}

static void test_qgate_pipeline_only_stage_is_the_default(void **state)
{
	struct run_stage s;

	(void)state;
	assert_int_equal(
		load(&s, "{\"pipeline\": {\"pre-push\": [{\"name\": \"a\", \"gate\": \"data\"}]}}",
		     NULL),
		0);
	assert_string_equal(s.name, "pre-push");
	run_stage_release(&s);
	expect_error("{\"pipeline\": {\"a\": [], \"b\": []}}", NULL,
		     "qgate.json: /pipeline: several stages (a, b): choose one with --stage");
}

static void test_qgate_pipeline_errors_name_the_pointer(void **state)
{
	(void)state;
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"test\", \"gate\": \"test\"}, {\"name\": \"x\", \"gate\": \"data\", "
		"\"needs\": [\"test\", \"tset\"]}]}}",
		"ci",
		"qgate.json: /pipeline/ci/1/needs/1: unknown step 'tset' (did you mean 'test'?)");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\", \"pahts\": []}]}}",
		"ci",
		"qgate.json: /pipeline/ci/0/pahts: unknown key 'pahts' (did you mean 'paths'?)");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\", \"a/~b\": []}]}}",
		"ci",
		"qgate.json: /pipeline/ci/0/a~1~0b: unknown key 'a/~b' (a step has name, gate, args, needs, paths)");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"Data\"}]}}", "ci",
		"qgate.json: /pipeline/ci/0/gate: 'Data' is not a gate name (lowercase letters only: data, model, "
		"lint, test, deploy)");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\"}, {\"name\": \"a\", \"gate\": \"lint\"}]}}",
		"ci",
		"qgate.json: /pipeline/ci/1/name: duplicate step 'a' (first at /pipeline/ci/0)");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\", \"needs\": [\"b\"]}, "
		"{\"name\": \"b\", \"gate\": \"data\", \"needs\": [\"a\"]}]}}",
		"ci", "qgate.json: /pipeline/ci/1/needs/0: cycle in needs: 'a' -> 'b' -> 'a'");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\", \"paths\": [\"/etc/*\"]}]}}",
		"ci", "qgate.json: /pipeline/ci/0/paths/0: '/etc/*' is not a relative glob");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \".hidden\", \"gate\": \"data\"}]}}", "ci",
		"qgate.json: /pipeline/ci/0/name: step name '.hidden' is not a folder name (letters, digits, '.', "
		"'_', '-', not starting with '.', at most 128)");
	expect_error("{\"pipeline\": {\"ci\": {}}}", "ci",
		     "qgate.json: /pipeline/ci: expected an array of steps, found object");
	expect_error(
		"{\"pipeline\": {\"ci\": [3]}}", "ci",
		"qgate.json: /pipeline/ci/0: expected a step object {\"name\", \"gate\", \"args\", \"needs\", \"paths\"}, "
		"found number");
	expect_error("{\"pipeline\": {\"ci\": [{\"gate\": \"data\"}]}}", "ci",
		     "qgate.json: /pipeline/ci/0: a step needs a \"name\"");
	expect_error(
		"{\"pipeline\": {\"ci\": [{\"name\": \"a\", \"gate\": \"data\", \"needs\": \"b\"}]}}",
		"ci",
		"qgate.json: /pipeline/ci/0/needs: expected an array of strings, found string");
	expect_error("{\"pipeline\": {\"ci\": []}}", "cd",
		     "qgate.json: /pipeline: no stage 'cd' (did you mean 'ci'?)");
	expect_error("{\"pipeline\": {}}", "ci", "qgate.json: /pipeline: no stage defined");
	expect_error("[]", "ci", "qgate.json: /: expected an object, found array");
	expect_error(
		"{\"pipeline\": {\"ci\": [], \"x y\": []}}", "ci",
		"qgate.json: /pipeline/x y: stage name 'x y' is not a plain name (letters, digits, '.', '_', '-')");
}

static void test_qgate_pipeline_not_json_is_a_usage_error(void **state)
{
	struct run_stage s;

	(void)state;
	assert_int_equal(load(&s, "{\"pipeline\": ", "ci"), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "qgate.json"));
	run_stage_release(&s);
}

static void test_qgate_pipeline_globs(void **state)
{
	(void)state;
	assert_true(run_glob_match("data/**", "data/a/b.csv"));
	assert_true(run_glob_match("data/**", "data/x"));
	assert_false(run_glob_match("data/**", "database/x"));
	assert_true(run_glob_match("**/*.h", "a.h"));
	assert_true(run_glob_match("**/*.h", "src/x/a.h"));
	assert_false(run_glob_match("**/*.h", "src/a.c"));
	assert_true(run_glob_match("src/*.c", "src/main.c"));
	assert_false(run_glob_match("src/*.c", "src/sub/main.c"));
	assert_true(run_glob_match("a/**/b", "a/b"));
	assert_true(run_glob_match("a/**/b", "a/x/y/b"));
	assert_false(run_glob_match("a/**/b", "a/xb"));
	assert_true(run_glob_match("file?.txt", "file1.txt"));
	assert_false(run_glob_match("a?b", "a/b"));
	assert_true(run_glob_match("[abc].csv", "b.csv"));
	assert_false(run_glob_match("[!abc].csv", "b.csv"));
	assert_true(run_glob_match("[!abc].csv", "d.csv"));
	assert_true(run_glob_match("x\\*", "x*"));
	assert_false(run_glob_match("x\\*", "xy"));
	assert_true(run_glob_match("[", "["));
	assert_true(run_glob_match("*", "")); /* as fnmatch */
	assert_false(run_glob_match("?", ""));
	assert_true(run_glob_match("**", "any/thing"));
	assert_false(run_glob_match("*.csv", "data/a.csv"));
	/* many stars do not take exponential time */
	assert_false(run_glob_match("*a*a*a*a*a*a*a*a*a*a*a*b",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qgate_pipeline_loads_a_stage_in_order),
		cmocka_unit_test(test_qgate_pipeline_only_stage_is_the_default),
		cmocka_unit_test(test_qgate_pipeline_errors_name_the_pointer),
		cmocka_unit_test(test_qgate_pipeline_not_json_is_a_usage_error),
		cmocka_unit_test(test_qgate_pipeline_globs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
