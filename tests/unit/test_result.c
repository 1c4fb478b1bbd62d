/* test_result.c -- the result model and the one place the verdict is derived */
#include "qgate/common.h"

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/result.h"

static int setup(void **state)
{
	struct qg_result *r = calloc(1, sizeof(*r));

	if (!r || qg_result_init(r, "data", "0.1.0"))
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	qg_result_release(*state);
	free(*state);
	return 0;
}

static void test_result_zero_checks_is_error(void **state)
{
	struct qg_result *r = *state;

	assert_int_equal(qg_result_exit_code(r), 3);
	assert_int_equal(qg_result_status(r), QG_STATUS_ERROR);
	assert_string_equal(qg_result_error_reason(r), "no check was evaluated");
}

static void test_result_all_skipped_is_error(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_SKIP, "not applicable");
	qg_result_add_check(r, "b", QG_STATUS_SKIP, NULL);
	assert_int_equal(qg_result_exit_code(r), 3);
	assert_int_equal(qg_result_status(r), QG_STATUS_ERROR);
	assert_string_equal(qg_result_error_reason(r), "every check was skipped");
}

static void test_result_pass(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_PASS, "ok");
	qg_result_add_check(r, "b", QG_STATUS_SKIP, "skipped");
	assert_int_equal(qg_result_exit_code(r), 0);
	assert_int_equal(qg_result_status(r), QG_STATUS_PASS);
	assert_null(qg_result_error_reason(r));
}

static void test_result_fail_beats_pass(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_PASS, "ok");
	qg_result_add_check(r, "b", QG_STATUS_FAIL, "bad");
	assert_int_equal(qg_result_exit_code(r), 1);
	assert_int_equal(qg_result_status(r), QG_STATUS_FAIL);
}

static void test_result_only_fail(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "b", QG_STATUS_FAIL, "bad");
	assert_int_equal(qg_result_exit_code(r), 1);
}

static void test_result_check_error_beats_fail(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_FAIL, "bad");
	qg_result_add_check(r, "b", QG_STATUS_ERROR, "tool crashed");
	qg_result_add_check(r, "c", QG_STATUS_PASS, "ok");
	assert_int_equal(qg_result_exit_code(r), 3);
	assert_int_equal(qg_result_status(r), QG_STATUS_ERROR);
	assert_string_equal(qg_result_error_reason(r), "tool crashed");
}

static void test_result_out_of_range_status_fails_closed(void **state)
{
	struct qg_result *r = *state;
	struct qg_summary s;

	qg_result_add_check(r, "a", QG_STATUS_PASS, "ok");
	qg_result_add_check(r, "b", (enum qg_status)42, "corrupt");
	qg_result_summary(r, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(qg_result_exit_code(r), 3);
}

static void test_result_gate_error_usage(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_PASS, "ok");
	qg_result_set_error(r, QG_EXIT_USAGE, "bad threshold '%s'", "f1>>1");
	qg_result_set_error(r, QG_EXIT_ERROR, "a consequence"); /* first one wins */
	assert_int_equal(qg_result_exit_code(r), 2);
	assert_int_equal(qg_result_status(r), QG_STATUS_ERROR);
	assert_string_equal(r->error_message, "bad threshold 'f1>>1'");
	assert_string_equal(qg_result_error_reason(r), "bad threshold 'f1>>1'");
}

static void test_result_gate_error_other_codes_become_3(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_check(r, "a", QG_STATUS_FAIL, "bad");
	qg_result_set_error(r, 0, "a zero must not pass"); /* 0 is not an error code */
	assert_int_equal(qg_result_exit_code(r), 3);
	assert_int_equal(r->error_exit, 3);
}

static void test_result_gate_error_1_becomes_3(void **state)
{
	struct qg_result *r = *state;

	qg_result_set_error(r, 1, "x");
	assert_int_equal(qg_result_exit_code(r), 3);
}

static void test_result_summary_counts(void **state)
{
	struct qg_result *r = *state;
	struct qg_summary s;
	struct qg_check *c;

	qg_result_add_check(r, "p1", QG_STATUS_PASS, NULL);
	c = qg_result_add_check(r, "p2", QG_STATUS_PASS, NULL);
	c->flags |= QG_CHECK_WARNING;
	qg_result_add_check(r, "f", QG_STATUS_FAIL, NULL);
	qg_result_add_check(r, "e", QG_STATUS_ERROR, NULL);
	qg_result_add_check(r, "s", QG_STATUS_SKIP, NULL);
	qg_result_summary(r, &s);
	assert_int_equal(s.checks, 5);
	assert_int_equal(s.passed, 2);
	assert_int_equal(s.failed, 1);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.warnings, 1);
}

static void test_result_check_pointers_stable(void **state)
{
	struct qg_result *r = *state;
	struct qg_check *first = qg_result_add_check(r, "first", QG_STATUS_PASS, "m %d", 1);

	for (int i = 0; i < 500; i++)
		assert_non_null(qg_result_add_check(r, "x", QG_STATUS_PASS, NULL));
	assert_string_equal(first->id, "first");
	assert_string_equal(first->message, "m 1");
	assert_ptr_equal(qg_result_find_check(r, "first"), first);
	assert_null(qg_result_find_check(r, "nope"));
}

static void test_result_locations_capped(void **state)
{
	struct qg_result *r = *state;
	struct qg_check *c = qg_result_add_check(r, "field.age.maximum", QG_STATUS_FAIL, "too big");
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	for (int i = 1; i <= 25; i++)
		assert_int_equal(qg_check_add_location(c, "train.csv", i, 3, "row %d", i), i <= QG_LOCATIONS_MAX ? 1 : 0);
	qg_check_set_count(c, 25);
	assert_int_equal(c->nr_locations, QG_LOCATIONS_MAX);
	assert_int_equal(c->count, 25);
	assert_true(c->flags & QG_CHECK_HAS_COUNT);
	assert_int_equal(qg_location_format(&b, c, &c->locations[0]), 0);
	assert_string_equal(b.buf, "train.csv:1:3: row 1");
	assert_int_equal(qg_check_add_location(c, NULL, 0, 0, NULL), 0); /* full: dropped */
	qg_buf_release(&b);
}

static void test_result_location_format_partial(void **state)
{
	struct qg_result *r = *state;
	struct qg_check *c = qg_result_add_check(r, "x", QG_STATUS_FAIL, "check msg");
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_check_add_location(c, "f.csv", 0, 0, NULL);
	qg_check_add_location(c, "f.csv", 7, 0, "m");
	qg_check_add_location(c, NULL, 0, 0, "only");
	qg_location_format(&b, c, &c->locations[0]);
	assert_string_equal(b.buf, "f.csv: check msg");
	qg_buf_reset(&b);
	qg_location_format(&b, c, &c->locations[1]);
	assert_string_equal(b.buf, "f.csv:7: m");
	qg_buf_reset(&b);
	qg_location_format(&b, c, &c->locations[2]);
	assert_string_equal(b.buf, "only");
	qg_buf_release(&b);
}

static void test_result_values(void **state)
{
	struct qg_result *r = *state;
	struct qg_check *c = qg_result_add_check(r, "m", QG_STATUS_PASS, NULL);
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_check_observed_string(c, "abc");
	qg_check_observed_number(c, 0.1); /* replaces the string without leaking it */
	qg_check_expected_string(c, ">= %.2f", 0.5);
	qg_value_format(&b, &c->observed);
	assert_string_equal(b.buf, "0.1");
	qg_buf_reset(&b);
	qg_value_format(&b, &c->expected);
	assert_string_equal(b.buf, ">= 0.50");
	qg_buf_reset(&b);
	qg_check_observed_number(c, 130);
	qg_value_format(&b, &c->observed);
	assert_string_equal(b.buf, "130");
	qg_check_set_message(c, "now %s", "set");
	assert_string_equal(c->message, "now set");
	assert_non_null(qg_check_details(c));
	assert_ptr_equal(qg_check_details(c), c->details);
	qg_buf_release(&b);
}

static void test_result_artifact_hashed(void **state)
{
	struct qg_result *r = *state;
	char path[] = "/tmp/qg-test-result-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(qg_result_add_artifact(r, path), 0);
	assert_int_equal(qg_result_add_artifact(r, "-"), 0);
	assert_int_equal(qg_result_add_artifact(r, "https://example.com/x.csv"), 0);
	assert_int_equal(r->subject.nr_artifacts, 3);
	assert_string_equal(r->subject.artifacts[0].sha256,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(r->subject.artifacts[0].bytes, 3);
	assert_string_equal(r->subject.artifacts[1].sha256, "");
	assert_int_equal(r->subject.artifacts[1].bytes, -1);
	assert_int_equal(r->subject.artifacts[2].bytes, -1);
	unlink(path);
}

/* An input rewritten after it was hashed: the digest names bytes the gate
 * did not judge, so the run is an error (qg_gate_run calls the check). */
static void test_result_artifact_rewritten(void **state)
{
	struct qg_result *r = *state;
	char path[] = "/tmp/qg-test-result-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(qg_result_add_artifact(r, path), 0);
	assert_int_equal(qg_result_add_artifact(r, "https://example.com/x.csv"), 0);
	assert_int_equal(qg_result_check_artifacts(r), 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "d", 1), 1);
	close(fd);
	assert_int_equal(qg_result_check_artifacts(r), QG_EIO);
	assert_non_null(strstr(qg_error_last(), "changed while being read"));
	assert_non_null(strstr(qg_error_last(), path));
	unlink(path);
	assert_int_equal(qg_result_check_artifacts(r), QG_EIO);
}

static void test_result_markdown_appends(void **state)
{
	struct qg_result *r = *state;

	qg_result_add_markdown(r, "# a %d\n", 1);
	qg_result_add_markdown(r, "b\n");
	assert_string_equal(r->report_md, "# a 1\nb\n");
}

static void test_result_clock(void **state)
{
	struct qg_result *r = *state;

	assert_true(r->started_at_ms > 1600000000000LL);
	usleep(20000);
	qg_result_finish(r);
	assert_true(r->duration_ms >= 15);
	assert_true(r->duration_ms < 5000);
}

static void test_result_status_names(void **state)
{
	assert_string_equal(qg_status_name(QG_STATUS_PASS), "pass");
	assert_string_equal(qg_status_name(QG_STATUS_FAIL), "fail");
	assert_string_equal(qg_status_name(QG_STATUS_ERROR), "error");
	assert_string_equal(qg_status_name(QG_STATUS_SKIP), "skip");
	qg_result_release(NULL);
}

/* the command starts unset (a gate without subcommands), is copied, replaced
 * and cleared, and is released with the result (ASan checks the frees) */
static void test_result_command(void **state)
{
	struct qg_result *r = *state;
	char name[] = "validate";

	assert_null(r->command);
	assert_int_equal(qg_result_set_command(r, name), 0);
	name[0] = 'X';
	assert_string_equal(r->command, "validate");
	assert_int_equal(qg_result_set_command(r, "drift"), 0);
	assert_string_equal(r->command, "drift");
	assert_int_equal(qg_result_set_command(r, NULL), 0);
	assert_null(r->command);
	assert_int_equal(qg_result_set_command(r, "check"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_result_zero_checks_is_error),
		T(test_result_artifact_rewritten),
		T(test_result_all_skipped_is_error),
		T(test_result_pass),
		T(test_result_fail_beats_pass),
		T(test_result_only_fail),
		T(test_result_check_error_beats_fail),
		T(test_result_out_of_range_status_fails_closed),
		T(test_result_gate_error_usage),
		T(test_result_gate_error_other_codes_become_3),
		T(test_result_gate_error_1_becomes_3),
		T(test_result_summary_counts),
		T(test_result_check_pointers_stable),
		T(test_result_locations_capped),
		T(test_result_location_format_partial),
		T(test_result_values),
		T(test_result_artifact_hashed),
		T(test_result_markdown_appends),
		T(test_result_clock),
		T(test_result_status_names),
		T(test_result_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
