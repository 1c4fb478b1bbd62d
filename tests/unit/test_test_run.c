/* test_test_run.c -- qgate-test's runner side: the result list, quarantine lists, shards, merge
 *
 * Merging is checked the way the front will use it: a set of tests judged
 * whole by test_verdict() and the same tests split over shards, each judged
 * alone, then test_merge_results(): the merged checks (ids, order, status)
 * and counting metrics equal the whole run's.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/report.h"
#include "qgate/result.h"

#include "test/test.h"

static char tmpdir[] = "/tmp/qg-test-run.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static const char *const written[] = { "q.txt", "q.json", "bad1.txt", "bad2.txt", "bad3.json" };

static int teardown(void **state)
{
	char path[512];

	(void)state;
	for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, written[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_test_run_results(void **state)
{
	struct test_results a = { 0 }, b = { 0 };
	struct qg_buf id = QG_BUF_INIT(4096);
	struct test_case *c;

	(void)state;
	assert_non_null(test_results_add(&a, "pkg.Cls", "one", TEST_PASS, NULL, "r.xml"));
	assert_non_null(c = test_results_add(&a, NULL, "two", TEST_FAIL, "boom", NULL));
	assert_string_equal(c->classname, "");
	assert_int_equal(c->attempts, 1);
	assert_true(c->time_s < 0);
	assert_int_equal(test_case_add_failed_attempt(c, "attempt 1: exit 1"), 0);
	assert_non_null(test_results_add(&b, "x", "three", TEST_SKIP, NULL, NULL));
	b.declared_failures = 2;
	assert_int_equal(test_results_move(&a, &b), 0);
	assert_int_equal(a.nr, 3);
	assert_int_equal(b.nr, 0);
	assert_int_equal(a.declared_failures, 2);
	assert_int_equal(test_case_ident(&id, &a.v[0]), 0);
	assert_string_equal(id.buf, "pkg.Cls.one");
	qg_buf_reset(&id);
	assert_int_equal(test_case_ident(&id, &a.v[1]), 0);
	assert_string_equal(id.buf, "two");
	test_results_remove(&a, 0);
	assert_int_equal(a.nr, 2);
	assert_string_equal(a.v[0].name, "two");
	assert_string_equal(a.v[0].failed_attempts[0], "attempt 1: exit 1");
	assert_string_equal(test_outcome_name(TEST_ERROR), "error");
	qg_buf_release(&id);
	test_results_release(&a);
	test_results_release(&b);
}

static void test_test_run_quarantine(void **state)
{
	struct test_quarantine q;
	const struct test_quarantine_entry *e;

	(void)state;
	assert_int_equal(test_quarantine_load(&q, write_file("q.txt", "# known flaky\n\n"
								     "t/net.t expires=2030-01-31 mirror is slow\n"
								     "  pkg.C.x expires=2001-01-01\r\n")), 0);
	assert_int_equal(q.nr, 2);
	assert_non_null(e = test_quarantine_find(&q, "t/net.t"));
	assert_string_equal(e->expires, "2030-01-31");
	assert_string_equal(e->reason, "mirror is slow");
	assert_int_equal(e->line, 3);
	assert_non_null(e = test_quarantine_find(&q, "pkg.C.x"));
	assert_null(e->reason);
	assert_int_equal(e->expires_day, 11323); /* 2001-01-01 */
	assert_null(test_quarantine_find(&q, "t/net"));
	test_quarantine_release(&q);

	assert_int_equal(test_quarantine_load(&q, write_file("q.json", "{\"tests\": [{\"name\": \"test.a.b\", "
								      "\"expires\": \"2030-02-28\"}]}")), 0);
	assert_non_null(test_quarantine_find(&q, "a.b")); /* the check id names it too */
	test_quarantine_release(&q);

	assert_int_equal(test_quarantine_load(&q, write_file("bad1.txt", "x\ny 2030-01-01\n")), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "bad1.txt':1:2: expected 'NAME expires=YYYY-MM-DD"));
	test_quarantine_release(&q);
	assert_int_equal(test_quarantine_load(&q, write_file("bad2.txt", "x expires=2030-13-01\n")), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "bad2.txt':1:11: expires '2030-13-01' is not a date"));
	test_quarantine_release(&q);
	assert_int_equal(test_quarantine_load(&q, write_file("bad3.json", "[{\"name\": \"x\"}]")), QG_EUSAGE);
	test_quarantine_release(&q);
}

static void test_test_run_shard(void **state)
{
	const char *names[40];
	char buf[40][16];
	unsigned char keep[40];
	int owner[40];

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(buf[i], sizeof(buf[i]), "t/%02d.t", i);
		names[i] = buf[i];
		owner[i] = 0;
	}
	for (long long k = 1; k <= 3; k++) {
		struct qg_shard s = { k, 3 };
		int got = 0;

		assert_int_equal(test_shard_pick(keep, names, 40, &s, NULL), 0);
		for (int i = 0; i < 40; i++)
			if (keep[i]) {
				owner[i]++;
				got++;
			}
		assert_true(got > 0);
	}
	for (int i = 0; i < 40; i++)
		assert_int_equal(owner[i], 1); /* disjoint, and covering */
}

/* One run's verdict over `cases` (name, outcome) as a result. */
static void judge(struct qg_result *r, const char *const *names, const enum test_outcome *oc, size_t n)
{
	struct test_results rs = { 0 };
	struct test_run_info info;
	struct test_verdict_opts vo = { .min_tests = -1, .max_skipped = -1, .expect_tests = 1 };

	memset(&info, 0, sizeof(info));
	assert_int_equal(qg_result_init(r, "test", "0"), 0);
	for (size_t i = 0; i < n; i++) {
		struct test_case *c = test_results_add(&rs, "", names[i], oc[i], oc[i] ? "why" : NULL, names[i]);

		assert_non_null(c);
		c->time_s = 0.001 * (double)(names[i][2] - 'a' + 1); /* "t/b.t": 2 ms, in every shard */
	}
	assert_int_equal(test_verdict(&vo, &info, &rs, r), 0);
	test_results_release(&rs);
}

static void test_test_run_merge(void **state)
{
	static const char *const names[] = { "t/e.t", "t/a.t", "t/d.t", "t/b.t", "t/c.t" };
	static const enum test_outcome oc[] = { TEST_PASS, TEST_FAIL, TEST_SKIP, TEST_PASS, TEST_PASS };
	struct qg_result whole, s1, s2, merged;
	const struct qg_result *parts[2] = { &s1, &s2 };
	static const char *const keys[] = { "tests", "passed", "failed", "errors", "skipped", "flaky" };

	(void)state;
	judge(&whole, names, oc, 5);
	judge(&s1, names, oc, 2);          /* e, a */
	judge(&s2, names + 2, oc + 2, 3);  /* d, b, c */
	assert_int_equal(qg_result_init(&merged, "test", "0"), 0);
	assert_int_equal(test_merge_results(&merged, parts, 2), 0);
	assert_int_equal(merged.nr_checks, whole.nr_checks);
	for (size_t i = 0; i < whole.nr_checks; i++) {
		const char *a = qg_json_string(qg_json_get(merged.checks[i]->details, "cases"));
		const char *b = qg_json_string(qg_json_get(whole.checks[i]->details, "cases"));

		assert_string_equal(merged.checks[i]->id, whole.checks[i]->id);
		assert_int_equal(merged.checks[i]->status, whole.checks[i]->status);
		/* tests.passed: the same case list, line for line */
		assert_int_equal(!a, !b);
		if (a)
			assert_string_equal(a, b);
	}
	assert_string_equal(merged.checks[1]->id, "tests.passed");
	assert_string_equal(merged.checks[0]->id, "test.t/a.t");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		assert_true(qg_json_number(qg_json_get(merged.metrics, keys[k])) ==
			    qg_json_number(qg_json_get(whole.metrics, keys[k])));
	assert_int_equal(qg_result_exit_code(&merged), qg_result_exit_code(&whole));
	qg_result_release(&whole);
	qg_result_release(&s1);
	qg_result_release(&s2);
	qg_result_release(&merged);
}

/* Passing and skipped tests are one check, tests.passed, listing them; the
 * JUnit report still has a testcase for each, and a flaky test's failed
 * attempts beside it (valid under both schemas: t_test_junit checks). */
static void test_test_run_compact_verdict(void **state)
{
	struct test_results rs = { 0 };
	struct test_run_info info;
	struct test_verdict_opts vo = { .min_tests = -1, .max_skipped = -1, .expect_tests = 1 };
	struct qg_buf x = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_result r;
	const struct qg_check *c;
	struct test_case *f;

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_int_equal(qg_result_init(&r, "test", "0"), 0);
	assert_int_equal(test_results_compact(&rs, TEST_PASS, 0.5, "k", "b", NULL), 0);
	assert_int_equal(test_results_compact(&rs, TEST_SKIP, -1, "", "a<", "no <x>"), 0);
	assert_non_null(test_results_add(&rs, "k", "c", TEST_PASS, NULL, "src"));
	assert_non_null(f = test_results_add(&rs, "k", "fl", TEST_PASS, NULL, "src"));
	f->flaky = 1;
	f->attempts = 2;
	assert_int_equal(test_case_add_failed_attempt(f, "boom"), 0);
	assert_int_equal(test_verdict(&vo, &info, &rs, &r), 0);
	assert_int_equal(r.nr_checks, 2);
	assert_string_equal(r.checks[0]->id, "test.k.fl");
	c = r.checks[1];
	assert_string_equal(c->id, "tests.passed");
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_string_equal(qg_json_string(qg_json_get(c->details, "cases")),
			    "c\ttest.\ns\t-\ta<\tno <x>\nc\ttest.k.\np\t500\tb\t\np\t-\tc\t\n");
	assert_true(qg_json_number(qg_json_get(r.metrics, "tests")) == 4);
	assert_true(qg_json_number(qg_json_get(r.metrics, "passed")) == 2);
	assert_true(qg_json_number(qg_json_get(r.metrics, "skipped")) == 1);
	assert_true(qg_json_number(qg_json_get(r.metrics, "flaky")) == 1);
	assert_int_equal(qg_result_exit_code(&r), 0);
	{
		const struct qg_result *one[1] = { &r };

		assert_int_equal(qg_junit_write(&x, one, 1), 0);
	}
	assert_non_null(strstr(x.buf, "tests=\"5\" failures=\"0\" errors=\"0\" skipped=\"2\""));
	assert_non_null(strstr(x.buf, "name=\"test.k.b\" time=\"0.500\"/>"));
	assert_non_null(strstr(x.buf, "name=\"test.a&lt;\" time=\"0.000\">\n      <skipped message=\"no &lt;x&gt;\"/>"));
	assert_non_null(strstr(x.buf, "name=\"test.k.fl [attempt 1 of 2 failed]\""));
	assert_null(strstr(x.buf, "tests.passed"));
	qg_buf_release(&x);
	test_results_release(&rs);
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_test_run_results),
		cmocka_unit_test(test_test_run_quarantine),
		cmocka_unit_test(test_test_run_shard),
		cmocka_unit_test(test_test_run_merge),
		cmocka_unit_test(test_test_run_compact_verdict),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
