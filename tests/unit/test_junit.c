/* test_junit.c -- JUnit XML: escaping, structure, both schemas via xmllint */
#include "qgate/common.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/report.h"
#include "qgate/result.h"

static const char *root_dir(void)
{
	const char *r = getenv("QG_ROOT");

	return r && *r ? r : ".";
}

static int run_argv(const char *const *argv)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * Schema conformance. Each structural test hands its XML to validate_both(),
 * which keeps a copy; test_junit_validates_against_both_schemas, the last
 * test, runs xmllint on every copy against both XSDs in ../shared/schemas
 * ($QG_SHARED/schemas when QG_SHARED is set). Without the schemas that one test
 * is skipped loudly, after the copies are freed (a skip() must not leak), and
 * under QG_REQUIRE_SCHEMAS=1 (.ci/run) it fails instead. The structural
 * assertions pass or fail on their own either way.
 */
#define MAX_SAVED 16
static char *saved[MAX_SAVED];
static size_t nr_saved;

static void validate_both(const char *xml)
{
	assert_true(nr_saved < MAX_SAVED);
	saved[nr_saved] = qg_strdup(xml);
	assert_non_null(saved[nr_saved]);
	nr_saved++;
}

static void free_saved(void)
{
	for (size_t i = 0; i < nr_saved; i++) {
		free(saved[i]);
		saved[i] = NULL;
	}
	nr_saved = 0;
}

static int free_saved_teardown(void **state)
{
	free_saved();
	return 0;
}

static void schemas_dir(struct qg_buf *dir)
{
	const char *shared = getenv("QG_SHARED");

	if (shared && *shared)
		assert_int_equal(qg_buf_addf(dir, "%s/schemas", shared), 0);
	else
		assert_int_equal(qg_buf_addf(dir, "%s/../shared/schemas", root_dir()), 0);
}

static int schemas_required(void)
{
	const char *v = getenv("QG_REQUIRE_SCHEMAS");

	return v && !strcmp(v, "1");
}

static int xmllint_one(const char *xsd, const char *xml)
{
	char path[] = "/tmp/qg-test-junit-XXXXXX";
	const char *argv[] = { "xmllint", "--noout", "--schema", xsd, path, NULL };
	int fd = mkstemp(path);
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	rc = run_argv(argv);
	unlink(path);
	return rc;
}

static void test_junit_validates_against_both_schemas(void **state)
{
	static const char *const xsds[] = { "junit-ant.xsd", "junit-jenkins-10.xsd" };
	struct qg_buf dir = QG_BUF_INIT(QG_CAP_REPORT);
	char msg[512];
	struct stat st;
	int bad = 0;

	schemas_dir(&dir);
	if (stat(dir.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, sizeof(msg), "%s absent: JUnit schema validation of %zu documents NOT RUN",
			 dir.buf, nr_saved);
		qg_buf_release(&dir);
		free_saved();
		if (schemas_required())
			fail_msg("QG_REQUIRE_SCHEMAS=1 and %s", msg);
		fprintf(stderr, "WARNING: %s\n", msg);
		printf("# SKIP %s\n", msg);
		fflush(stdout);
		skip();
	}
	assert_true(nr_saved > 0);
	for (size_t i = 0; i < nr_saved; i++) {
		for (size_t j = 0; j < QG_ARRAY_SIZE(xsds); j++) {
			struct qg_buf xsd = QG_BUF_INIT(QG_CAP_REPORT);
			int rc;

			assert_int_equal(qg_buf_addf(&xsd, "%s/%s", dir.buf, xsds[j]), 0);
			rc = xmllint_one(xsd.buf, saved[i]);
			if (rc != 0) {
				fprintf(stderr, "document %zu does not validate against %s (xmllint exit %d):\n%s\n",
					i, xsds[j], rc, saved[i]);
				bad++;
			}
			qg_buf_release(&xsd);
		}
	}
	qg_buf_release(&dir);
	free_saved();
	assert_int_equal(bad, 0);
}

static char *escape(const char *s, size_t len)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_xml_escape(&b, s, len), 0);
	return qg_buf_detach(&b, NULL);
}

static void test_junit_escape_specials(void **state)
{
	char *s = escape("a&b<c>d\"e'f", 11);

	assert_string_equal(s, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	free(s);
	s = escape("tab\tlf\ncr\r", 10); /* kept through attribute normalisation */
	assert_string_equal(s, "tab&#9;lf&#10;cr&#13;");
	free(s);
}

static void test_junit_escape_control_chars_replaced(void **state)
{
	char in[] = "a\x01" "b\x1b" "c\x7f" "d";
	char *s = escape(in, strlen(in));

	/* C0 controls become U+FFFD (one per character, never dropped); DEL is legal XML */
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\x7f" "d");
	free(s);
	s = escape("x\0y", 3);
	assert_string_equal(s, "x\xef\xbf\xbdy");
	free(s);
	/* U+FFFE and U+FFFF are not XML characters */
	s = escape("\xef\xbf\xbe\xef\xbf\xbf", 6);
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}

static void test_junit_escape_invalid_utf8_replaced(void **state)
{
	const char *cases[][2] = {
		{ "\xff", "\xef\xbf\xbd" },                   /* never valid */
		{ "\xc3", "\xef\xbf\xbd" },                   /* truncated */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },   /* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
		{ "é€😀", "é€😀" },                            /* valid multi-byte kept */
	};

	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++) {
		char *s = escape(cases[i][0], strlen(cases[i][0]));

		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void build(struct qg_result *r)
{
	struct qg_check *c;

	qg_result_init(r, "data", "0.1.0");
	r->started_at_ms = 1795662000123LL;
	r->duration_ms = 1234;
	c = qg_result_add_check(r, "field.age.maximum", QG_STATUS_FAIL, "value 130 > 120 & \"quoted\" <tag> \x01\xff");
	qg_check_set_count(c, 12);
	qg_check_observed_number(c, 130);
	qg_check_expected_string(c, "<= 120");
	qg_check_add_location(c, "data/train.csv", 17, 3, "value 130 above maximum 120");
	qg_check_add_location(c, "data/train.csv", 18, 0, NULL);
	qg_result_add_check(r, "table.rows", QG_STATUS_PASS, "ok");
	qg_result_add_check(r, "table.primary-key", QG_STATUS_ERROR, "cannot read 'x.csv'");
	qg_result_add_check(r, "drift.age", QG_STATUS_SKIP, "no baseline");
	qg_result_add_markdown(r, "## Profile\n| a | b |\n& <done>\n");
}

static void test_junit_structure(void **state)
{
	struct qg_result r;
	const struct qg_result *rs[] = { &r };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	build(&r);
	assert_int_equal(qg_junit_write(&b, rs, 1), 0);
	assert_non_null(strstr(b.buf, "<testsuites>\n")); /* no attributes */
	assert_non_null(strstr(b.buf, "<testsuite name=\"qgate.data\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"1.234\" timestamp=\"2026-11-26T03:00:00\" hostname=\""));
	assert_non_null(strstr(b.buf, "id=\"0\" package=\"qgate\">"));
	assert_non_null(strstr(b.buf, "<testcase classname=\"qgate.data\" name=\"field.age.maximum\" time=\"0.000\">"));
	assert_non_null(strstr(b.buf, "<failure message=\"value 130 &gt; 120 &amp; &quot;quoted&quot; &lt;tag&gt; \xef\xbf\xbd\xef\xbf\xbd\" type=\"qgate.fail\">"));
	assert_non_null(strstr(b.buf, "\ndata/train.csv:17:3: value 130 above maximum 120\n"));
	assert_non_null(strstr(b.buf, "\ndata/train.csv:18: value 130"));
	assert_non_null(strstr(b.buf, "<error message=\"cannot read &apos;x.csv&apos;\" type=\"qgate.error\">"));
	assert_non_null(strstr(b.buf, "<skipped message=\"no baseline\"/>"));
	assert_non_null(strstr(b.buf, "<system-out>## Profile\n| a | b |\n&amp; &lt;done&gt;\n</system-out>"));
	/* Ant's order: properties, testcases, system-out, system-err */
	assert_true(strstr(b.buf, "<properties>") < strstr(b.buf, "<testcase "));
	assert_true(strstr(b.buf, "</testcase>") < strstr(b.buf, "<system-out>"));
	assert_true(strstr(b.buf, "<system-out>") < strstr(b.buf, "<system-err>"));
	validate_both(b.buf);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_junit_gate_error_becomes_testcase(void **state)
{
	struct qg_result r;
	const struct qg_result *rs[] = { &r };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "model", "0.1.0");
	qg_result_set_error(&r, QG_EXIT_ERROR, "'pred.csv': cannot open: No such file or directory");
	assert_int_equal(qg_junit_write(&b, rs, 1), 0);
	assert_non_null(strstr(b.buf, "tests=\"1\" failures=\"0\" errors=\"1\""));
	assert_non_null(strstr(b.buf, "<testcase classname=\"qgate.model\" name=\"gate\""));
	assert_non_null(strstr(b.buf, "<error message=\"&apos;pred.csv&apos;: cannot open"));
	validate_both(b.buf);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_junit_nothing_evaluated_is_error(void **state)
{
	struct qg_result r;
	const struct qg_result *rs[] = { &r };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "test", "0.1.0");
	qg_result_add_check(&r, "t", QG_STATUS_SKIP, NULL);
	assert_int_equal(qg_junit_write(&b, rs, 1), 0);
	assert_non_null(strstr(b.buf, "tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"1\""));
	assert_non_null(strstr(b.buf, "every check was skipped"));
	validate_both(b.buf);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_junit_several_suites_deterministic(void **state)
{
	struct qg_result a, c;
	const struct qg_result *rs[] = { &a, &c };
	struct qg_buf b1 = QG_BUF_INIT(QG_CAP_REPORT), b2 = QG_BUF_INIT(QG_CAP_REPORT);

	build(&a);
	qg_result_init(&c, "lint", "0.1.0");
	qg_result_add_check(&c, "builtin.trailing-space", QG_STATUS_PASS, NULL);
	c.subject.in_repo = 1;
	memcpy(c.subject.commit, "0123456789abcdef0123456789abcdef01234567", 41);
	assert_int_equal(qg_junit_write(&b1, rs, 2), 0);
	assert_int_equal(qg_junit_write(&b2, rs, 2), 0);
	assert_string_equal(b1.buf, b2.buf);
	assert_non_null(strstr(b1.buf, "id=\"1\" package=\"qgate\""));
	assert_non_null(strstr(b1.buf, "<property name=\"qgate.commit\" value=\"0123456789abcdef0123456789abcdef01234567\"/>"));
	validate_both(b1.buf);
	qg_buf_release(&b1);
	qg_buf_release(&b2);
	qg_result_release(&a);
	qg_result_release(&c);
}

static void test_junit_hostile_ids_validate(void **state)
{
	struct qg_result r;
	const struct qg_result *rs[] = { &r };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char all[256];

	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	qg_result_init(&r, "lint", "0.1.0");
	qg_result_add_check(&r, all, QG_STATUS_FAIL, "%s", all);
	qg_result_add_check(&r, "  spaced   name  ", QG_STATUS_PASS, NULL);
	qg_result_add_check(&r, "]]>", QG_STATUS_ERROR, "]]> <![CDATA[ x");
	assert_int_equal(qg_junit_write(&b, rs, 1), 0);
	validate_both(b.buf);
	qg_buf_release(&b);
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junit_escape_specials),
		cmocka_unit_test(test_junit_escape_control_chars_replaced),
		cmocka_unit_test(test_junit_escape_invalid_utf8_replaced),
		cmocka_unit_test(test_junit_structure),
		cmocka_unit_test(test_junit_gate_error_becomes_testcase),
		cmocka_unit_test(test_junit_nothing_evaluated_is_error),
		cmocka_unit_test(test_junit_several_suites_deterministic),
		cmocka_unit_test(test_junit_hostile_ids_validate),
		/* last: validates what the tests above produced */
		cmocka_unit_test(test_junit_validates_against_both_schemas),
	};
	return cmocka_run_group_tests(tests, NULL, free_saved_teardown);
}
