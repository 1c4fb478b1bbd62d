/* test_github.c -- annotations, escaping, step summary cap, outputs (redaction: test_redact.c) */
#include "qgate/common.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/report.h"
#include "qgate/result.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_github_escape_data_and_property(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_github_escape_data(&b, "100% a:b,c\r\nd");
	assert_string_equal(b.buf, "100%25 a:b,c%0D%0Ad");
	qg_buf_reset(&b);
	qg_github_escape_property(&b, "100% a:b,c\r\nd");
	assert_string_equal(b.buf, "100%25 a%3Ab%2Cc%0D%0Ad");
	qg_buf_release(&b);
}

static void test_github_annotation_format(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_check *c;

	qg_result_init(&r, "data", "0.1.0");
	c = qg_result_add_check(&r, "field.age.maximum", QG_STATUS_FAIL, "too big");
	qg_check_add_location(c, "dir,x/train:1.csv", 17, 3, "%s", "value 130%\nabove 120");
	c = qg_result_add_check(&r, "drift.age", QG_STATUS_PASS, "psi 0.15 above warn 0.1");
	c->flags |= QG_CHECK_WARNING;
	qg_result_add_check(&r, "table.rows", QG_STATUS_PASS, "ok");
	qg_result_add_check(&r, "t.err", QG_STATUS_ERROR, "crashed");
	assert_int_equal(qg_github_annotations(&b, &r), 0);
	assert_string_equal(b.buf,
			    "::error file=dir%2Cx/train%3A1.csv,line=17,col=3,title=qgate-data%3A field.age.maximum::value 130%25%0Aabove 120\n"
			    "::warning title=qgate-data%3A drift.age::psi 0.15 above warn 0.1\n"
			    "::error title=qgate-data%3A t.err::crashed\n");
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_github_annotation_cap_and_more_notice(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "lint", "0.1.0");
	for (int i = 0; i < 25; i++) {
		struct qg_check *c = qg_result_add_check(&r, "rule", QG_STATUS_FAIL, "bad %d", i);

		qg_check_add_location(c, "a.c", i + 1, 1, NULL);
	}
	for (int i = 0; i < 12; i++)
		qg_result_add_check(&r, "w", QG_STATUS_PASS, "warn %d", i)->flags |= QG_CHECK_WARNING;
	assert_int_equal(qg_github_annotations(&b, &r), 0);
	assert_int_equal(count(b.buf, "::error "), 10);
	assert_int_equal(count(b.buf, "::warning "), 10);
	assert_non_null(strstr(b.buf, "::notice title=qgate-lint::15 more error annotations not shown"));
	assert_non_null(strstr(b.buf, "::notice title=qgate-lint::2 more warning annotations not shown"));
	assert_null(strstr(b.buf, "bad 10"));
	qg_buf_reset(&b);
	assert_int_equal(qg_github_summary(&b, &r), 0);
	assert_non_null(strstr(b.buf, "15 more error and 2 more warning annotations were not shown"));
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_github_gate_error_annotated(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "model", "0.1.0");
	qg_result_set_error(&r, QG_EXIT_USAGE, "bad flag '--x'");
	qg_github_annotations(&b, &r);
	assert_string_equal(b.buf, "::error title=qgate-model::bad flag '--x'\n");
	qg_buf_reset(&b);
	qg_github_summary(&b, &r);
	assert_non_null(strstr(b.buf, "qgate-model: ERROR"));
	assert_non_null(strstr(b.buf, "**Error:** bad flag '--x'"));
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_github_summary_table(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_check *c;

	qg_result_init(&r, "model", "0.1.0");
	c = qg_result_add_check(&r, "metric.f1", QG_STATUS_FAIL, "f1 | pipe\nnewline <b>");
	qg_check_observed_number(c, 0.75);
	qg_check_expected_string(c, ">= 0.8");
	qg_check_set_count(c, 1);
	qg_result_add_markdown(&r, "## Metrics\n\n| m | v |\n");
	qg_github_summary(&b, &r);
	assert_non_null(strstr(b.buf, "### ❌ qgate-model: FAIL\n"));
	assert_non_null(strstr(b.buf, "| ❌ fail | metric.f1 | f1 \\| pipe<br>newline &lt;b&gt; | 1 | 0.75 | &gt;= 0.8 |\n"));
	assert_non_null(strstr(b.buf, "## Metrics\n\n| m | v |\n"));
	qg_buf_release(&b);
	qg_result_release(&r);
}

static int valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;

		if (!n || i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

static void test_github_summary_capped_20000_checks(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char msg[200];

	memset(msg, 0, sizeof(msg));
	for (size_t i = 0; i + 2 < sizeof(msg) - 1; i += 2)
		memcpy(msg + i, "é", 2); /* multi-byte everywhere: a cut must not split one */
	qg_result_init(&r, "test", "0.1.0");
	for (int i = 0; i < 20000; i++)
		qg_result_add_check(&r, "suite.case", i % 3 ? QG_STATUS_PASS : QG_STATUS_FAIL, "%s %d", msg, i);
	assert_int_equal(qg_github_summary(&b, &r), 0);
	assert_true(b.len < 1024 * 1024);
	assert_true(b.len > 900 * 1024);
	assert_non_null(strstr(b.buf, "more checks not shown"));
	assert_true(valid_utf8(b.buf, b.len));
	qg_buf_release(&b);
	/* a huge Markdown block alone is truncated with a note */
	qg_result_release(&r);
	qg_result_init(&r, "test", "0.1.0");
	qg_result_add_check(&r, "a", QG_STATUS_PASS, NULL);
	for (int i = 0; i < 2 * 1024 * 1024 / 4; i++)
		qg_result_add_markdown(&r, "€x");
	assert_int_equal(qg_github_summary(&b, &r), 0);
	assert_true(b.len < 1024 * 1024);
	assert_non_null(strstr(b.buf, "summary truncated"));
	assert_true(valid_utf8(b.buf, b.len));
	qg_buf_release(&b);
	qg_result_release(&r);
}

/* $GITHUB_OUTPUT is an output like any other: a value naming a URL is
 * redacted (one line and heredoc alike) */
static void test_github_output_line_redacted(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_github_output_line(&b, "input", "https://u:pw@h/x.csv?X-Amz-Signature=abc&part=1"), 0);
	assert_string_equal(b.buf, "input=https://[REDACTED]@h/x.csv?X-Amz-Signature=[REDACTED]&part=1\n");
	qg_buf_reset(&b);
	assert_int_equal(qg_github_output_line(&b, "inputs", "a.csv\nhttps://h/y.csv?token=s3cr3t"), 0);
	assert_null(strstr(b.buf, "s3cr3t"));
	assert_non_null(strstr(b.buf, "\nhttps://h/y.csv?token=[REDACTED]\n"));
	qg_buf_release(&b);
}

static void test_github_output_line_delimiter(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), d1 = QG_BUF_INIT(QG_CAP_REPORT);
	const char *nl;

	assert_int_equal(qg_github_output_line(&b, "status", "pass"), 0);
	assert_string_equal(b.buf, "status=pass\n");
	qg_buf_reset(&b);
	assert_int_equal(qg_github_output_line(&b, "report", "line1\nline2"), 0);
	assert_true(!strncmp(b.buf, "report<<ghadelimiter_", 21));
	nl = strchr(b.buf, '\n');
	assert_int_equal(qg_buf_add(&d1, b.buf + 8, (size_t)(nl - b.buf - 8)), 0); /* the delimiter */
	assert_true(d1.len > 20);
	/* value, then the same delimiter closing it */
	{
		struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT);

		assert_int_equal(qg_buf_addf(&want, "report<<%s\nline1\nline2\n%s\n", d1.buf, d1.buf), 0);
		assert_string_equal(b.buf, want.buf);
		qg_buf_release(&want);
	}
	/* random: two calls differ */
	{
		struct qg_buf b2 = QG_BUF_INIT(QG_CAP_REPORT);

		qg_github_output_line(&b2, "report", "line1\nline2");
		assert_string_not_equal(b.buf, b2.buf);
		qg_buf_release(&b2);
	}
	assert_int_equal(qg_github_output_line(&b, "bad=key", "x"), QG_EUSAGE);
	assert_int_equal(qg_github_output_line(&b, "", "x"), QG_EUSAGE);
	qg_buf_release(&b);
	qg_buf_release(&d1);
}

static void test_github_append_env_file(void **state)
{
	char path[] = "/tmp/qg-test-gh-XXXXXX";
	int fd = mkstemp(path);
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_true(fd >= 0);
	close(fd);
	unsetenv("QG_TEST_GH_FILE");
	assert_int_equal(qg_github_append_env_file("QG_TEST_GH_FILE", "x", 1), 0); /* unset: nothing */
	setenv("QG_TEST_GH_FILE", path, 1);
	assert_int_equal(qg_github_append_env_file("QG_TEST_GH_FILE", "a=1\n", 4), 0);
	assert_int_equal(qg_github_append_env_file("QG_TEST_GH_FILE", "b=2\n", 4), 0);
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, "a=1\nb=2\n");
	setenv("QG_TEST_GH_FILE", "/nonexistent/dir/out", 1);
	assert_int_equal(qg_github_append_env_file("QG_TEST_GH_FILE", "x", 1), QG_EIO);
	unsetenv("QG_TEST_GH_FILE");
	unlink(path);
	qg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github_escape_data_and_property),
		cmocka_unit_test(test_github_annotation_format),
		cmocka_unit_test(test_github_annotation_cap_and_more_notice),
		cmocka_unit_test(test_github_gate_error_annotated),
		cmocka_unit_test(test_github_summary_table),
		cmocka_unit_test(test_github_summary_capped_20000_checks),
		cmocka_unit_test(test_github_output_line_delimiter),
		cmocka_unit_test(test_github_output_line_redacted),
		cmocka_unit_test(test_github_append_env_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
