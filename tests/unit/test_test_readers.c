/* test_test_readers.c -- the JUnit, TAP and go test -json readers on real and hostile reports
 *
 * The peer test reads every junit/, tap/ and other-xml/ row of
 * ../shared/peer-reports/MANIFEST.tsv ($QG_SHARED/peer-reports when set)
 * with the reader its format calls for and compares tests, failures,
 * errors and skipped with the manifest (valid=no rows, and the foreign
 * other-xml formats, must fail with QG_EINPUT naming the file). Without
 * ../shared it is skipped loudly. The edge cases that follow are this
 * project's own, written here as small files.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test/test.h"

static const char *root_dir(void)
{
	const char *r = getenv("QG_ROOT");

	return r && *r ? r : ".";
}

/* The counts the contract reports: elements, suite errors, and the declared
 * failures/errors where they exceed what the elements show. */
struct counts {
	long long tests, failures, errors, skipped;
};

static struct counts count(const struct test_results *rs)
{
	struct counts c = { (long long)rs->nr, 0, rs->suite_errors, 0 };

	for (size_t i = 0; i < rs->nr; i++) {
		if (rs->v[i].outcome == TEST_FAIL)
			c.failures++;
		else if (rs->v[i].outcome == TEST_ERROR)
			c.errors++;
		else if (rs->v[i].outcome == TEST_SKIP)
			c.skipped++;
	}
	if (rs->declared_failures + rs->declared_errors > c.failures + c.errors) {
		if (rs->declared_failures > c.failures)
			c.failures = rs->declared_failures;
		if (rs->declared_errors > c.errors)
			c.errors = rs->declared_errors;
	}
	return c;
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/qg-test-readers-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH);
	static const char *const names[] = { "a.xml", "b.xml", "c.tap", "d.json", "e.xml" };

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(names); i++) {
		qg_buf_reset(&b);
		if (qg_buf_addf(&b, "%s/%s", tmpdir, names[i]) == 0)
			unlink(b.buf);
	}
	qg_buf_release(&b);
	rmdir(tmpdir);
	return 0;
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* ---- the peer reports ---------------------------------------------------- */

static int read_as(const char *fmt, const char *path, struct test_results *rs)
{
	if (!strcmp(fmt, "tap"))
		return test_read_tap(path, rs);
	return test_read_junit(path, rs); /* junit, and the foreign XML it must refuse */
}

static void test_test_readers_peer_reports(void **state)
{
	struct qg_buf dir = QG_BUF_INIT(QG_CAP_PATH), path = QG_BUF_INIT(QG_CAP_PATH);
	const char *shared = getenv("QG_SHARED");
	char line[4096];
	FILE *m;
	int rows = 0, bad = 0;

	(void)state;
	if (shared && *shared)
		assert_int_equal(qg_buf_addf(&dir, "%s/peer-reports", shared), 0);
	else
		assert_int_equal(qg_buf_addf(&dir, "%s/../shared/peer-reports", root_dir()), 0);
	assert_int_equal(qg_buf_addstr(&path, dir.buf), 0);
	assert_int_equal(qg_buf_addstr(&path, "/MANIFEST.tsv"), 0);
	m = fopen(path.buf, "r");
	if (!m) {
		qg_buf_release(&dir);
		qg_buf_release(&path);
		skip(); /* loudly: cmocka prints SKIPPED with the test's name */
		return;
	}
	while (fgets(line, sizeof(line), m)) {
		char *f[10] = { 0 }, *p = line;
		struct test_results rs = { .keep_cases = 1 } /* every case a test_case, in order */;
		struct counts want, got;
		int nf = 0, err, foreign, valid;

		line[strcspn(line, "\n")] = '\0';
		while (nf < 10 && p) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (nf < 9 || !strcmp(f[0], "path"))
			continue;
		if (strncmp(f[0], "junit/", 6) && strncmp(f[0], "tap/", 4) && strncmp(f[0], "other-xml/", 10))
			continue;
		rows++;
		foreign = !strncmp(f[0], "other-xml/", 10);
		valid = !strcmp(f[8], "yes") && !foreign;
		qg_buf_reset(&path);
		assert_int_equal(qg_buf_addf(&path, "%s/%s", dir.buf, f[0]), 0);
		err = read_as(f[1], path.buf, &rs);
		if (!valid) {
			if (err != QG_EINPUT || !strstr(qg_error_last(), f[0])) {
				print_error("%s: expected refusal naming the file, got %d '%s'\n", f[0], err,
					    qg_error_last());
				bad++;
			} else if (foreign && !strstr(qg_error_last(), "not JUnit XML")) {
				print_error("%s: foreign report not refused by name: '%s'\n", f[0], qg_error_last());
				bad++;
			} else {
				print_message("# refused %s: %s\n", f[0], qg_error_last());
			}
			test_results_release(&rs);
			continue;
		}
		want.tests = atoll(f[3]), want.failures = atoll(f[4]), want.errors = atoll(f[5]);
		want.skipped = atoll(f[6]);
		if (err) {
			print_error("%s: refused: %s\n", f[0], qg_error_last());
			bad++;
			test_results_release(&rs);
			continue;
		}
		got = count(&rs);
		if (memcmp(&got, &want, sizeof(got))) {
			print_error("%s: got %lld/%lld/%lld/%lld, manifest %lld/%lld/%lld/%lld\n", f[0], got.tests,
				    got.failures, got.errors, got.skipped, want.tests, want.failures, want.errors,
				    want.skipped);
			bad++;
		}
		for (size_t i = 0; i < rs.nr; i++)
			assert_string_equal(rs.v[i].source, path.buf);
		test_results_release(&rs);
	}
	fclose(m);
	print_message("# %d peer reports read, %d mismatches\n", rows, bad);
	assert_true(rows >= 60);
	assert_int_equal(bad, 0);
	qg_buf_release(&dir);
	qg_buf_release(&path);
}

/* ---- JUnit edge cases ---------------------------------------------------- */

static struct test_results read_junit_text(const char *text, int want_err)
{
	struct test_results rs = { .keep_cases = 1 } /* every case a test_case, in order */;
	const char *p = write_tmp("a.xml", text);

	assert_int_equal(test_read_junit(p, &rs), want_err);
	if (want_err)
		assert_non_null(strstr(qg_error_last(), "a.xml"));
	return rs;
}

static void test_test_readers_junit_outcomes(void **state)
{
	struct test_results rs = read_junit_text(
		"<testsuites><testsuite name='S' tests='99' failures='0'>\n"
		"<testcase classname='c' name='pass' time='0.5' file='t.py' line='12'/>\n"
		"<testcase classname='c' name='fail'><failure message='boom'>trace\nline 2</failure></testcase>\n"
		"<testcase classname='c' name='err'><failure message='f'/><error message='e'>E</error></testcase>\n"
		"<testcase classname='c' name='todo'><skipped type='todo'/><failure message='not yet'/></testcase>\n"
		"<testcase name='dis' status='disabled'/>\n"
		"<testcase classname='c' name='nomsg'><failure>first line\nsecond</failure></testcase>\n"
		"<testcase/>\n"
		"<testcase classname='c' name='skipfail'><skipped/><failure message='x'/></testcase>\n"
		"<error message='Dubious, test returned 3'/>\n"
		"</testsuite></testsuites>\n", 0);
	struct counts c = count(&rs);

	assert_int_equal(rs.nr, 8);
	assert_int_equal(c.failures, 3); /* a plain <skipped/> beside a <failure> is the failure */
	assert_int_equal(c.errors, 2); /* err + the suite-level <error> */
	assert_int_equal(c.skipped, 2);
	assert_string_equal(rs.v[0].name, "pass");
	assert_string_equal(rs.v[0].file, "t.py");
	assert_int_equal(rs.v[0].line, 12);
	assert_true(rs.v[0].time_s == 0.5);
	assert_int_equal(rs.v[1].outcome, TEST_FAIL);
	assert_string_equal(rs.v[1].message, "boom");
	assert_string_equal(rs.v[1].detail, "trace\nline 2");
	assert_int_equal(rs.v[2].outcome, TEST_ERROR);
	assert_string_equal(rs.v[2].message, "e");
	assert_int_equal(rs.v[3].outcome, TEST_SKIP);
	assert_string_equal(rs.v[4].classname, "S"); /* no classname: the suite names it */
	assert_int_equal(rs.v[4].outcome, TEST_SKIP);
	assert_string_equal(rs.v[5].message, "first line");
	assert_string_equal(rs.v[6].name, ""); /* unnamed case kept */
	assert_int_equal(rs.v[7].outcome, TEST_FAIL);
	assert_int_equal(rs.declared_failures, 0);
	test_results_release(&rs);
}

static void test_test_readers_junit_declared(void **state)
{
	struct test_results rs;
	struct counts c;

	/* attributes only: the declared counts are all there is */
	rs = read_junit_text("<testsuite name='x' tests='5' failures='1' errors='1' skipped='1'/>", 0);
	c = count(&rs);
	assert_int_equal(c.tests, 5);
	assert_int_equal(c.failures, 1);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.skipped, 1);
	test_results_release(&rs);
	/* elements pass, the root declares an error (gotestsum's build failure) */
	rs = read_junit_text("<testsuites tests='2' errors='1'><testsuite name='p' tests='1'>"
			     "<testcase name='a'/></testsuite></testsuites>", 0);
	c = count(&rs);
	assert_int_equal(c.tests, 1);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.failures, 0);
	test_results_release(&rs);
	/* nested suites: the outer total includes the inner, never summed twice */
	rs = read_junit_text("<testsuites><testsuite tests='2' failures='1'><testsuite tests='1' failures='1'>"
			     "<testcase name='a'><failure/></testcase></testsuite><testcase name='b'/>"
			     "</testsuite></testsuites>", 0);
	c = count(&rs);
	assert_int_equal(c.tests, 2);
	assert_int_equal(c.failures, 1);
	test_results_release(&rs);
}

static void test_test_readers_junit_reruns(void **state)
{
	struct test_results rs = read_junit_text(
		"<testsuite name='s'>"
		"<testcase classname='C' name='flaky'><flakyFailure message='m1' type='T'><stackTrace>x</stackTrace>"
		"</flakyFailure><flakyFailure message='m2'/></testcase>"
		"<testcase classname='C' name='red'><failure message='f'/><rerunFailure message='r1'/></testcase>"
		"<testcase classname='C' name='py'><rerun message='again'/></testcase>"
		"<testcase classname='C' name='red'/>" /* gotestsum's appended rerun: counted again */
		"</testsuite>", 0);
	struct counts c = count(&rs);

	assert_int_equal(c.tests, 4);
	assert_int_equal(c.failures, 1);
	assert_true(rs.v[0].flaky);
	assert_int_equal(rs.v[0].outcome, TEST_PASS);
	assert_int_equal(rs.v[0].attempts, 3);
	assert_int_equal(rs.v[0].nr_failed_attempts, 2);
	assert_string_equal(rs.v[0].failed_attempts[0], "flakyFailure: m1");
	assert_false(rs.v[1].flaky);
	assert_int_equal(rs.v[1].attempts, 2);
	assert_true(rs.v[2].flaky);
	test_results_release(&rs);
}

static void test_test_readers_junit_refusals(void **state)
{
	struct test_results rs;

	rs = read_junit_text("<?xml version='1.0'?>\n<TestRun id='1' xmlns='http://microsoft.com/schemas/VisualStudio/TeamTest/2010'/>",
			     QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "a.xml':2:1: a TRX report (root <TestRun>), not JUnit XML"));
	rs = read_junit_text("<assemblies/>", QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "an xUnit.net report (root <assemblies>), not JUnit XML"));
	rs = read_junit_text("<test-results total='1'/>", QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "an NUnit report (root <test-results>), not JUnit XML"));
	rs = read_junit_text("<test-run/>", QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "an NUnit report"));
	rs = read_junit_text("<suites><suite/></suites>", QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "root element <suites>, expected <testsuites> or <testsuite>"));
	rs = read_junit_text("", QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "a.xml': empty, expected an XML document"));
	rs = read_junit_text("<testsuite><testcase name='a'/>", QG_EINPUT); /* truncated */
	assert_non_null(strstr(qg_error_last(), "truncated?"));
	rs = read_junit_text("<!DOCTYPE t [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]><testsuite>&b;</testsuite>",
			     QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "entity declarations are refused"));
	assert_int_equal(rs.nr, 0);
	rs = read_junit_text("<testsuites><testsuite><testcase name='a'/></testsuite></testsuites>trailing", QG_EINPUT);
	assert_int_equal(rs.nr, 0); /* nothing appended from a refused file */
}

static void test_test_readers_junit_bounded_text(void **state)
{
	struct qg_buf d = QG_BUF_INIT(QG_CAP_REPORT);
	struct test_results rs;

	assert_int_equal(qg_buf_addstr(&d, "<testsuite><testcase name='big'><failure message='m'>"), 0);
	for (int i = 0; i < 200000; i++)
		assert_int_equal(qg_buf_addch(&d, 'x'), 0);
	assert_int_equal(qg_buf_addstr(&d, "</failure><system-out>"), 0);
	for (int i = 0; i < 200000; i++)
		assert_int_equal(qg_buf_addch(&d, 'y'), 0);
	assert_int_equal(qg_buf_addstr(&d, "</system-out></testcase></testsuite>"), 0);
	rs = read_junit_text(d.buf, 0);
	assert_int_equal(rs.nr, 1);
	assert_true(strlen(rs.v[0].detail) <= (64 << 10) + 16);
	assert_non_null(strstr(rs.v[0].detail, "[truncated]"));
	test_results_release(&rs);
	/* a failure without text of its own: the case's output is the detail */
	rs = read_junit_text("<testsuite><testcase name='c'><failure message='Failed'/><system-out>broken here</system-out>"
			     "<system-err>err line</system-err></testcase>"
			     "<testcase name='p'><system-out>a pass keeps none</system-out></testcase>"
			     "<testcase name='f'><failure>own text</failure><system-out>not used</system-out></testcase>"
			     "</testsuite>", 0);
	assert_int_equal(rs.nr, 3);
	assert_string_equal(rs.v[0].detail, "broken here\nerr line");
	assert_null(rs.v[1].detail);
	assert_string_equal(rs.v[2].detail, "own text");
	test_results_release(&rs);
	qg_buf_release(&d);
}

/* A plain pass or skip read without keep_cases is one compact line (test.h):
 * identity escaped, the time in ms, a skip's reason; the rest stay cases. */
static void test_test_readers_junit_compact(void **state)
{
	struct test_results rs = { 0 };
	const char *p = write_tmp("k.xml", "<testsuite name='S'><testcase classname='c' name='b' time='0.25'/>"
				  "<testcase classname='c' name='a&#9;x\\y'/><testcase name='s'><skipped message='why'/>"
				  "</testcase><testcase classname='c' name='f'><failure message='m'/></testcase>"
				  "<testcase classname='c' name='fl'><rerun message='r'/></testcase></testsuite>");
	struct test_compact_line l;
	struct test_cases_iter it;
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	char *cases;

	(void)state;
	assert_int_equal(test_read_junit(p, &rs), 0);
	assert_int_equal(rs.nr, 2); /* the failure and the flaky case */
	assert_string_equal(rs.v[0].name, "f");
	assert_true(rs.v[1].flaky);
	assert_int_equal(rs.nr_compact, 3);
	/* prefixes interned: test.c. is 0, test.S. is 1 */
	assert_string_equal(rs.compact, "p\t250\t0\tb\t\np\t-\t0\ta\\tx\\\\y\t\ns\t-\t1\ts\twhy\n");
	assert_int_equal(rs.prefixes.nr, 2);
	assert_int_equal(test_compact_sort(&rs), 0);
	assert_string_equal(rs.compact, "s\t-\t1\ts\twhy\np\t-\t0\ta\\tx\\\\y\t\np\t250\t0\tb\t\n");
	assert_int_equal(test_compact_parse(&rs, &l, rs.compact, strcspn(rs.compact, "\n")), 0);
	assert_int_equal(l.outcome, 's');
	assert_true(l.ms < 0);
	assert_int_equal(l.prefix_len, 7);
	assert_int_equal(l.name_len, 1);
	assert_int_equal(l.msg_len, 3);
	assert_int_equal(test_compact_parse(&rs, &l, "x\t1\t0\tid\t", 9), -1);
	assert_int_equal(test_compact_parse(&rs, &l, "p\t1\t0\tid", 8), -1);
	assert_int_equal(test_compact_parse(&rs, &l, "p\t1\t2\tid\t", 9), -1); /* no prefix 2 */
	/* as a result lists them: grouped by prefix, and read back */
	cases = test_compact_render(&rs);
	assert_non_null(cases);
	assert_string_equal(cases, "c\ttest.S.\ns\t-\ts\twhy\nc\ttest.c.\np\t-\ta\\tx\\\\y\t\np\t250\tb\t\n");
	test_cases_begin(&it, cases);
	assert_int_equal(test_cases_next(&it, &l), 1);
	assert_int_equal(test_compact_id(&id, &l), 0);
	assert_string_equal(id.buf, "test.S.s");
	assert_int_equal(test_cases_next(&it, &l), 1);
	assert_int_equal(test_compact_id(&id, &l), 0);
	assert_string_equal(id.buf, "test.c.a\tx\\y");
	assert_int_equal(test_cases_next(&it, &l), 1);
	assert_true(l.ms == 250);
	assert_int_equal(test_cases_next(&it, &l), 0);
	test_cases_begin(&it, "p\t1\tfull.id\t\nc\tx\ty\n");
	assert_int_equal(test_cases_next(&it, &l), 1); /* no prefix yet: the name is the id */
	assert_int_equal(test_compact_id(&id, &l), 0);
	assert_string_equal(id.buf, "full.id");
	assert_int_equal(test_cases_next(&it, &l), -1);
	assert_int_equal(it.line, 2);
	free(cases);
	qg_buf_release(&id);
	test_results_release(&rs);
}

/* ---- TAP ------------------------------------------------------------------ */

/* Feed text to a TAP parser in pieces of `step` bytes; 0 or the error. */
static int tap_text(const char *text, size_t step, struct test_results *rs)
{
	struct test_tap *t;
	size_t len = strlen(text);
	int err;

	assert_int_equal(test_tap_new(&t, "s.tap", "cls"), 0);
	err = 0;
	for (size_t off = 0; !err && off < len; off += step)
		err = test_tap_feed(t, text + off, len - off < step ? len - off : step);
	if (!err)
		err = test_tap_finish(t, rs);
	test_tap_free(t);
	return err;
}

static void test_test_readers_tap_points(void **state)
{
	static const char tap[] = "TAP version 14\r\n"
				  "1..9\r\n"
				  "ok 1 - passes\r\n"
				  "not ok 2 - fails\n"
				  "  ---\n"
				  "  message: 'boom here'\n"
				  "  severity: fail\n"
				  "  ...\n"
				  "ok 3 - skipped # SKIP no network\n"
				  "not ok 4 - todo # TODO later\n"
				  "ok 5 - title#todo is a title\n"
				  "ok 6 - escaped \\# TODO not a directive\n"
				  "not ok 7 # skip not a failure under TAP 14\n"
				  "ok - unnumbered\n"
				  "pragma +strict\n"
				  "this line is junk\n"
				  "# Subtest: parent\n"
				  "    ok 1 - child a\n"
				  "    not ok 2 - child b broke\n"
				  "    1..2\n"
				  "not ok 9 - parent\n";
	struct test_results whole = { 0 }, piece = { 0 };
	struct counts c;

	(void)state;
	assert_int_equal(tap_text(tap, sizeof(tap), &whole), 0);
	assert_int_equal(tap_text(tap, 1, &piece), 0);
	assert_int_equal(whole.nr, 9);
	assert_int_equal(piece.nr, 9);
	for (size_t i = 0; i < whole.nr; i++) {
		assert_string_equal(whole.v[i].name, piece.v[i].name);
		assert_int_equal(whole.v[i].outcome, piece.v[i].outcome);
		assert_string_equal(whole.v[i].classname, "cls");
	}
	c = count(&whole);
	assert_int_equal(c.failures, 2); /* 2 and the parent 9 */
	assert_int_equal(c.skipped, 2);  /* 3 and 7 */
	assert_string_equal(whole.v[0].name, "passes");
	assert_string_equal(whole.v[1].message, "boom here");
	assert_non_null(strstr(whole.v[1].detail, "severity: fail"));
	assert_string_equal(whole.v[2].message, "SKIP: no network");
	assert_int_equal(whole.v[3].outcome, TEST_PASS); /* a TODO failure does not fail */
	assert_string_equal(whole.v[3].message, "TODO (failed): later");
	assert_string_equal(whole.v[4].name, "title#todo is a title");
	assert_null(whole.v[4].message);
	assert_string_equal(whole.v[5].name, "escaped # TODO not a directive");
	assert_int_equal(whole.v[5].outcome, TEST_PASS);
	assert_string_equal(whole.v[7].name, "unnumbered");
	assert_non_null(strstr(whole.v[8].detail, "not ok 2 - child b broke"));
	test_results_release(&whole);
	test_results_release(&piece);
}

static void test_test_readers_tap_plans(void **state)
{
	struct test_results rs = { 0 };

	(void)state;
	/* plan last, skip-all, bail out */
	assert_int_equal(tap_text("ok 1\nok 2\n1..2\n", 3, &rs), 0);
	assert_int_equal(rs.nr, 2);
	assert_int_equal(tap_text("1..0 # SKIP nothing to do here\n", 5, &rs), 0);
	assert_int_equal(rs.nr, 2);
	assert_int_equal(tap_text("1..5\nok 1\nBail out! database down\nok 2\nnot ok 3\n", 4, &rs), 0);
	assert_int_equal(rs.nr, 3);
	assert_int_equal(rs.suite_errors, 1);
	/* a bail out inside a subtest ends the whole stream (TAP 14) */
	assert_int_equal(tap_text("1..3\nok 1\n# Subtest: s\n    ok 1\n    Bail out! disk full\nok 2\n", 64, &rs), 0);
	assert_int_equal(rs.nr, 4);
	assert_int_equal(rs.suite_errors, 2);
	test_results_release(&rs);
	/* invalid streams name the line */
	assert_int_equal(tap_text("ok 1\nok 2\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'s.tap':2: no plan"));
	assert_int_equal(tap_text("1..2\nok 1\nok 2\n1..2\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'s.tap':4: a second plan (the first was on line 1)"));
	assert_int_equal(tap_text("ok 1\n1..2\nok 2\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'s.tap':2: the plan is in the middle"));
	assert_int_equal(tap_text("1..3\nok 1\nok 2\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "plan 1..3 but 2 test points"));
	assert_int_equal(tap_text("1..2\nok 1\nok 1\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "test point number 1 appears more than once"));
	assert_int_equal(tap_text("1..2\nok 0\nok 1\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "test point number 0 outside the plan 1..2"));
	assert_int_equal(tap_text("2..3\nok 2\nok 3\n", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "does not start at 1"));
	assert_int_equal(tap_text("", 64, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "'s.tap': empty"));
	assert_int_equal(rs.nr, 0); /* nothing appended from an invalid stream */
	/* a stream without a final newline still counts its last line */
	assert_int_equal(tap_text("1..1\nok 1 - last", 2, &rs), 0);
	assert_int_equal(rs.nr, 1);
	assert_string_equal(rs.v[0].name, "last");
	test_results_release(&rs);
}

/* ---- go test -json --------------------------------------------------------- */

static void test_test_readers_gotest(void **state)
{
	struct test_results rs = { 0 };
	const char *p;

	(void)state;
	p = write_tmp("d.json",
		      "{\"Action\":\"start\",\"Package\":\"ex/a\"}\n"
		      "{\"Action\":\"run\",\"Package\":\"ex/a\",\"Test\":\"TestOK\"}\n"
		      "{\"Action\":\"output\",\"Package\":\"ex/a\",\"Test\":\"TestOK\",\"Output\":\"=== RUN TestOK\\n\"}\n"
		      "{\"Action\":\"pass\",\"Package\":\"ex/a\",\"Test\":\"TestOK\",\"Elapsed\":0.25}\n"
		      "{\"Action\":\"run\",\"Package\":\"ex/a\",\"Test\":\"TestBad\"}\n"
		      "{\"Action\":\"output\",\"Package\":\"ex/a\",\"Test\":\"TestBad\",\"Output\":\"    a_test.go:9: want 1\\n\"}\n"
		      "{\"Action\":\"fail\",\"Package\":\"ex/a\",\"Test\":\"TestBad\"}\n"
		      "{\"Action\":\"run\",\"Package\":\"ex/a\",\"Test\":\"TestBad/sub\"}\n"
		      "{\"Action\":\"skip\",\"Package\":\"ex/a\",\"Test\":\"TestBad/sub\"}\n"
		      "{\"Action\":\"run\",\"Package\":\"ex/a\",\"Test\":\"TestHang\"}\n"
		      "{\"Action\":\"fail\",\"Package\":\"ex/a\",\"Elapsed\":1}\n"
		      "# ex/b [build failed]\n"
		      "{\"Action\":\"fail\",\"Package\":\"ex/b\",\"Elapsed\":0}\n");
	assert_int_equal(test_read_gotest_json(p, &rs), 0);
	assert_int_equal(rs.nr, 5);
	assert_string_equal(rs.v[0].classname, "ex/a");
	assert_string_equal(rs.v[0].name, "TestOK");
	assert_int_equal(rs.v[0].outcome, TEST_PASS);
	assert_true(rs.v[0].time_s == 0.25);
	assert_int_equal(rs.v[1].outcome, TEST_FAIL);
	assert_non_null(strstr(rs.v[1].detail, "a_test.go:9: want 1"));
	assert_int_equal(rs.v[2].outcome, TEST_SKIP);
	assert_int_equal(rs.v[3].outcome, TEST_ERROR); /* started, never ended */
	assert_string_equal(rs.v[4].classname, "ex/b"); /* package failed with no failing test */
	assert_int_equal(rs.v[4].outcome, TEST_ERROR);
	test_results_release(&rs);
	p = write_tmp("d.json", "ok  \tex/a\t0.1s\n");
	assert_int_equal(test_read_gotest_json(p, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "no go test -json event"));
	p = write_tmp("d.json", "{\"Action\":\"pass\"\n");
	assert_int_equal(test_read_gotest_json(p, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "d.json':1:"));
	assert_int_equal(rs.nr, 0);
}

/* ---- reports: globs and stale files ------------------------------------------ */

static void test_test_readers_reports(void **state)
{
	struct test_results rs = { .keep_cases = 1 } /* every case a test_case, in order */;
	struct qg_buf g = QG_BUF_INIT(QG_CAP_PATH), t = QG_BUF_INIT(QG_CAP_PATH), none = QG_BUF_INIT(QG_CAP_PATH);
	const char *jg[2], *tg[1];
	struct timespec ts;
	long long now_ms;

	(void)state;
	write_tmp("a.xml", "<testsuite><testcase name='a'/></testsuite>");
	write_tmp("b.xml", "<testsuite><testcase name='b'><failure/></testcase></testsuite>");
	write_tmp("c.tap", "1..1\nok 1 - c\n");
	assert_int_equal(qg_buf_addf(&g, "%s/*.xml", tmpdir), 0);
	assert_int_equal(qg_buf_addf(&t, "%s/c.tap", tmpdir), 0);
	assert_int_equal(qg_buf_addf(&none, "%s/nothing-*.xml", tmpdir), 0);
	jg[0] = g.buf, jg[1] = g.buf; /* the same file twice is read once */
	tg[0] = t.buf;
	assert_int_equal(test_read_reports(jg, 2, tg, 1, 0, &rs), 0);
	assert_int_equal(rs.nr, 3);
	assert_string_equal(rs.v[0].name, "a"); /* sorted */
	assert_string_equal(rs.v[1].name, "b");
	assert_string_equal(rs.v[2].name, "c");
	test_results_release(&rs);
	rs.keep_cases = 1;
	jg[1] = none.buf;
	assert_int_equal(test_read_reports(jg, 2, NULL, 0, 0, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "nothing-*.xml': no JUnit report matches"));
	assert_int_equal(rs.nr, 0);
	/* written before the run started: stale */
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	assert_int_equal(test_read_reports(jg, 1, NULL, 0, now_ms + 60000, &rs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "a.xml': stale report (written before this run started)"));
	assert_int_equal(rs.nr, 0);
	assert_int_equal(test_read_reports(jg, 1, NULL, 0, now_ms - 60000, &rs), 0);
	assert_int_equal(rs.nr, 2);
	test_results_release(&rs);
	qg_buf_release(&g);
	qg_buf_release(&t);
	qg_buf_release(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_test_readers_peer_reports),
		cmocka_unit_test(test_test_readers_junit_outcomes),
		cmocka_unit_test(test_test_readers_junit_declared),
		cmocka_unit_test(test_test_readers_junit_reruns),
		cmocka_unit_test(test_test_readers_junit_refusals),
		cmocka_unit_test(test_test_readers_junit_bounded_text),
		cmocka_unit_test(test_test_readers_tap_points),
		cmocka_unit_test(test_test_readers_tap_plans),
		cmocka_unit_test(test_test_readers_gotest),
		cmocka_unit_test(test_test_readers_reports),
		cmocka_unit_test(test_test_readers_junit_compact),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
