/* test_text.c -- the human report */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/report.h"
#include "qgate/result.h"

static char *render(const struct qg_result *r, unsigned flags)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_text_render(&b, r, flags), 0);
	return qg_buf_detach(&b, NULL);
}

static const char *last_line(const char *s)
{
	size_t n = strlen(s);

	assert_true(n > 1 && s[n - 1] == '\n');
	for (n -= 1; n && s[n - 1] != '\n'; n--)
		;
	return s + n;
}

static void test_text_pass_verdict_and_alignment(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "model", "0.1.0");
	for (int i = 0; i < 5; i++)
		qg_result_add_check(&r, i ? "metric.f1" : "metric.roc_auc", QG_STATUS_PASS, "ok %d", i);
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-model: PASS (5 checks)\n");
	assert_non_null(strstr(s, "  PASS   metric.roc_auc  ok 0\n"));
	assert_non_null(strstr(s, "  PASS   metric.f1       ok 1\n")); /* ids padded to one column */
	assert_non_null(strstr(s, "5 checks: 5 passed, 0 failed, 0 errors, 0 skipped\n"));
	assert_null(strstr(s, "\033[")); /* no colour unless asked */
	free(s);
	qg_result_release(&r);

	qg_result_init(&r, "data", "0.1.0");
	qg_result_add_check(&r, "drift.e", QG_STATUS_SKIP, "no values");
	s = render(&r, 0);
	assert_non_null(strstr(s, "\n1 check: 0 passed, 0 failed, 0 errors, 1 skipped\n"));
	free(s);
	qg_result_release(&r);
}

static void test_text_fail_with_locations(void **state)
{
	struct qg_result r;
	struct qg_check *c;
	char *s;

	qg_result_init(&r, "data", "0.1.0");
	c = qg_result_add_check(&r, "field.age.maximum", QG_STATUS_FAIL, "values above maximum");
	qg_check_set_count(c, 12);
	qg_check_observed_number(c, 130);
	qg_check_expected_string(c, "<= 120");
	for (int i = 1; i <= 5; i++)
		qg_check_add_location(c, "train.csv", 10 + i, 3, "value %d", 120 + i);
	qg_result_add_check(&r, "table.rows", QG_STATUS_PASS, "ok");
	s = render(&r, 0);
	assert_non_null(strstr(s, "  FAIL   field.age.maximum  values above maximum [count 12, observed 130, expected <= 120]\n"));
	assert_non_null(strstr(s, "         train.csv:11:3: value 121\n"));
	assert_non_null(strstr(s, "         train.csv:13:3: value 123\n"));
	assert_null(strstr(s, "train.csv:14:3")); /* first three only */
	assert_non_null(strstr(s, "... and 9 more\n"));
	assert_string_equal(last_line(s), "qgate-data: FAIL (1 of 2 checks failed)\n");
	free(s);
	s = render(&r, QG_TEXT_VERBOSE);
	assert_non_null(strstr(s, "train.csv:15:3: value 125\n"));
	assert_non_null(strstr(s, "... and 7 more\n"));
	free(s);
	s = render(&r, QG_TEXT_QUIET);
	assert_null(strstr(s, "table.rows"));
	assert_non_null(strstr(s, "field.age.maximum"));
	assert_null(strstr(s, "checks: "));
	free(s);
	qg_result_release(&r);
}

static void test_text_error_verdict(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "data", "0.1.0");
	qg_result_set_error(&r, QG_EXIT_ERROR, "'train.csv': cannot open: No such file or directory");
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-data: ERROR: 'train.csv': cannot open: No such file or directory\n");
	free(s);
	qg_result_release(&r);
	qg_result_init(&r, "data", "0.1.0");
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-data: ERROR: no check was evaluated\n");
	free(s);
	qg_result_release(&r);
}

static void test_text_color_only_when_asked(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "lint", "0.1.0");
	qg_result_add_check(&r, "x", QG_STATUS_FAIL, "bad");
	s = render(&r, QG_TEXT_COLOR);
	assert_non_null(strstr(s, "\033[31mFAIL \033[0m"));
	free(s);
	qg_result_release(&r);
}

static void test_text_sanitizes_and_redacts(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "deploy", "0.1.0");
	qg_result_add_check(&r, "push", QG_STATUS_FAIL, "evil \033[2J\nline password=hunter2 \xff");
	qg_result_add_markdown(&r, "## md\nkeeps newlines\n");
	s = render(&r, 0);
	assert_null(strstr(s, "\033"));
	assert_null(strstr(s, "hunter2"));
	assert_non_null(strstr(s, "evil \xef\xbf\xbd[2J\xef\xbf\xbdline password=[REDACTED] \xef\xbf\xbd"));
	assert_non_null(strstr(s, "## md\nkeeps newlines\n"));
	free(s);
	qg_result_release(&r);
	/* overlong forms and surrogates are invalid UTF-8 too (the shared decoder) */
	qg_result_init(&r, "deploy", "0.1.0");
	qg_result_add_check(&r, "push", QG_STATUS_FAIL, "a\xe0\x80\xaf" "b\xed\xa0\x80" "c \xc3\xa9");
	s = render(&r, 0);
	assert_non_null(strstr(s, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b"));
	assert_null(strstr(s, "\xe0\x80\xaf"));
	assert_null(strstr(s, "\xed\xa0\x80"));
	assert_non_null(strstr(s, " \xc3\xa9"));
	free(s);
	qg_result_release(&r);
}

static void test_text_many_passed_collapsed(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "test", "0.1.0");
	for (int i = 0; i < 200; i++)
		qg_result_add_check(&r, "t", QG_STATUS_PASS, NULL);
	s = render(&r, 0);
	assert_non_null(strstr(s, "(200 passed checks not listed; -v lists them)"));
	assert_null(strstr(s, "PASS   t"));
	free(s);
	s = render(&r, QG_TEXT_VERBOSE);
	assert_non_null(strstr(s, "PASS   t"));
	free(s);
	qg_result_release(&r);
}

/* The verdict line counts the checks that ran: skipped ones are not in
 * "N checks" nor in "F of N checks failed", and are named apart. */
static void test_text_verdict_counts_checks_that_ran(void **state)
{
	struct qg_result r;
	char *s;

	qg_result_init(&r, "model", "0.1.0");
	qg_result_add_check(&r, "metric.f1", QG_STATUS_PASS, "ok");
	qg_result_add_check(&r, "metric.roc_auc", QG_STATUS_SKIP, "no baseline");
	qg_result_add_check(&r, "metric.mcc", QG_STATUS_PASS, "ok");
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-model: PASS (2 checks, 1 skipped)\n");
	free(s);
	qg_result_add_check(&r, "metric.ece", QG_STATUS_FAIL, "too high");
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-model: FAIL (1 of 3 checks failed, 1 skipped)\n");
	free(s);
	qg_result_release(&r);

	qg_result_init(&r, "model", "0.1.0");
	qg_result_add_check(&r, "metric.f1", QG_STATUS_FAIL, "low");
	s = render(&r, 0);
	assert_string_equal(last_line(s), "qgate-model: FAIL (1 of 1 check failed)\n");
	free(s);
	qg_result_release(&r);
}

/* Text rounds observed numbers to 6 significant digits; integers stay whole
 * and the JSON keeps every digit (test_report_json). */
static void test_text_observed_six_digits(void **state)
{
	struct qg_result r;
	struct qg_check *c;
	char *s;

	qg_result_init(&r, "model", "0.1.0");
	c = qg_result_add_check(&r, "metric.f1", QG_STATUS_PASS, "ok");
	qg_check_observed_number(c, 0.8123456789012345);
	c = qg_result_add_check(&r, "metric.rows", QG_STATUS_PASS, "ok");
	qg_check_observed_number(c, 12345678);
	c = qg_result_add_check(&r, "metric.mse", QG_STATUS_PASS, "ok");
	qg_check_observed_number(c, 1234.56789);
	s = render(&r, 0);
	assert_non_null(strstr(s, "[observed 0.812346]"));
	assert_non_null(strstr(s, "[observed 12345678]"));
	assert_non_null(strstr(s, "[observed 1234.57]"));
	assert_null(strstr(s, "0.8123456789"));
	free(s);
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_pass_verdict_and_alignment),
		cmocka_unit_test(test_text_fail_with_locations),
		cmocka_unit_test(test_text_error_verdict),
		cmocka_unit_test(test_text_color_only_when_asked),
		cmocka_unit_test(test_text_sanitizes_and_redacts),
		cmocka_unit_test(test_text_many_passed_collapsed),
		cmocka_unit_test(test_text_verdict_counts_checks_that_ran),
		cmocka_unit_test(test_text_observed_six_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
