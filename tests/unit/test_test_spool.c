/* test_test_spool.c -- the per-test list spooled: same result, bounded memory
 *
 * test_compact_check() renders "cases" into a temp file (result.h's spool)
 * once the list is large; the writers stream it from there. The oracle is
 * the list held as a string (spool_min SIZE_MAX) and the older sort +
 * render pair (test_compact_sort(), test_compact_render()): the result
 * JSON and the JUnit report must be the same bytes either way.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/junit.h"
#include "qgate/report.h"
#include "qgate/result.h"

#include "test/test.h"

/* The same pseudo-random list every time: classes shared by runs of
 * cases, names with tabs, backslashes, secrets and UTF-8, every outcome. */
static void fill(struct test_results *rs, size_t n, int failed)
{
	uint32_t x = 14;

	for (size_t i = 0; i < n; i++) {
		char cls[64], name[96];
		enum test_outcome o;
		const char *msg;

		x = x * 1103515245u + 12345u;
		snprintf(cls, sizeof(cls), "pkg.mod%u.Class%u", (x >> 8) % 50, (x >> 16) % 3);
		switch ((x >> 4) % 6) {
		case 0:
			snprintf(name, sizeof(name), "test_%zu[a\tb\\c]", i);
			break;
		case 1:
			snprintf(name, sizeof(name), "test_password=hunter%zu", i);
			break;
		case 2:
			snprintf(name, sizeof(name), "t\xc3\xa9st_%zu", n - i);
			break;
		default:
			snprintf(name, sizeof(name), "test_case_%zu", i);
			break;
		}
		if (failed)
			o = (x >> 12) % 4 ? TEST_FAIL : TEST_ERROR;
		else
			o = (x >> 12) % 10 ? TEST_PASS : TEST_SKIP;
		msg = o == TEST_PASS ? NULL : (x >> 20) % 2 ? "why: token=abcdef123456\nline two" : "not here";
		assert_int_equal(test_results_compact(rs, o, (x >> 3) % 3 ? ((x >> 9) % 5000) / 1000.0 : -1,
						      (x >> 24) % 7 ? cls : "", name, msg), 0);
	}
}

static void render(const struct qg_result *r, struct qg_buf *json, struct qg_buf *xml)
{
	const struct qg_result *one[1] = { r };
	struct qg_sink sj = { json, 0, NULL, NULL }, sx = { xml, 0, NULL, NULL };

	assert_int_equal(qg_result_write_json(&sj, r), 0);
	assert_int_equal(qg_junit_write_sink(&sx, one, 1), 0);
}

static void check_both_ways(size_t n, int failed)
{
	struct test_results a = { 0 }, b = { 0 }, c = { 0 };
	struct qg_result ra, rb;
	struct qg_strmap ids_a = QG_STRMAP_INIT, ids_b = QG_STRMAP_INIT;
	struct qg_buf ja = QG_BUF_INIT(QG_CAP_REPORT), jb = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf xa = QG_BUF_INIT(QG_CAP_REPORT), xb = QG_BUF_INIT(QG_CAP_REPORT);
	long long ka[4] = { 0 }, kb[4] = { 0 };
	char *old;

	fill(&a, n, failed);
	fill(&b, n, failed);
	fill(&c, n, failed);
	a.spool_min = SIZE_MAX; /* held as a string */
	b.spool_min = 1;        /* spooled */
	assert_int_equal(qg_result_init(&ra, "test", "0.1.0"), 0);
	assert_int_equal(qg_result_init(&rb, "test", "0.1.0"), 0);
	rb.started_at_ms = ra.started_at_ms;
	assert_int_equal(test_compact_check(&ra, &a, failed, &ids_a, ka), 0);
	assert_int_equal(test_compact_check(&rb, &b, failed, &ids_b, kb), 0);
	assert_null(ra.checks[0]->spool);
	assert_non_null(rb.checks[0]->spool);
	assert_memory_equal(ka, kb, sizeof(ka));
	assert_int_equal(ka[0] + ka[1] + ka[2] + ka[3], (long long)n);
	assert_int_equal(ids_a.nr, ids_b.nr);
	/* the string is what the older sort + render made */
	assert_int_equal(test_compact_sort(&c), 0);
	old = test_compact_render(&c);
	assert_non_null(old);
	assert_string_equal(qg_json_string(qg_json_get(ra.checks[0]->details, "cases")), old);
	free(old);
	render(&ra, &ja, &xa);
	render(&rb, &jb, &xb);
	assert_int_equal(ja.len, jb.len);
	assert_memory_equal(ja.buf, jb.buf, ja.len);
	assert_int_equal(xa.len, xb.len);
	assert_memory_equal(xa.buf, xb.buf, xa.len);
	assert_null(strstr(ja.buf, "hunter"));  /* redacted on the way out */
	assert_null(strstr(xa.buf, "hunter"));
	/* written twice (a report rewritten after a failure): the same */
	qg_buf_reset(&jb);
	qg_buf_reset(&xb);
	render(&rb, &jb, &xb);
	assert_memory_equal(ja.buf, jb.buf, ja.len);
	assert_memory_equal(xa.buf, xb.buf, xa.len);
	qg_buf_release(&ja);
	qg_buf_release(&jb);
	qg_buf_release(&xa);
	qg_buf_release(&xb);
	qg_strmap_release(&ids_a);
	qg_strmap_release(&ids_b);
	test_results_release(&a);
	test_results_release(&b);
	test_results_release(&c);
	qg_result_release(&ra);
	qg_result_release(&rb);
}

static void test_test_spool_passed_same_as_string(void **state)
{
	(void)state;
	check_both_ways(1, 0);
	check_both_ways(20000, 0); /* several pieces */
}

static void test_test_spool_failed_same_as_string(void **state)
{
	(void)state;
	check_both_ways(3000, 1);
}

/* The "cases" text of a list, through test_compact_check(). */
static char *cases_of(struct test_results *rs, long long counts[4])
{
	struct qg_result r;
	char *out;

	rs->spool_min = SIZE_MAX;
	assert_int_equal(qg_result_init(&r, "test", "0.1.0"), 0);
	assert_int_equal(test_compact_check(&r, rs, 0, NULL, counts), 0);
	out = strdup(qg_json_string(qg_json_get(r.checks[0]->details, "cases")));
	assert_non_null(out);
	qg_result_release(&r);
	return out;
}

/* Lists past run_bytes spill sorted runs to temp files and merge them: the
 * same cases as one list sorted in memory; failures stay in memory. */
static void test_test_spool_runs_merge_in_order(void **state)
{
	struct test_results a = { 0 }, b = { 0 };
	long long ka[4] = { 0 }, kb[4] = { 0 };
	char *ca, *cb;

	(void)state;
	b.run_bytes = 4096; /* a run every ~100 lines */
	fill(&a, 30000, 0);
	fill(&b, 30000, 0);
	assert_true(b.nr_runs > 50);
	assert_int_equal(b.nr_spilled + b.nr_compact, 30000);
	fill(&a, 500, 1); /* failures among them: half a run of them spills too */
	fill(&b, 500, 1);
	assert_true(test_results_has_failure_runs(&b));
	assert_int_equal(b.nr_spilled + b.nr_compact, 30500);
	ca = cases_of(&a, ka);
	cb = cases_of(&b, kb);
	assert_string_equal(ca, cb);
	assert_memory_equal(ka, kb, sizeof(ka));
	assert_null(b.runs);
	free(ca);
	free(cb);
	test_results_release(&a);
	test_results_release(&b);
}

/* Lists with runs moved into another (several reports): each run keeps its
 * prefix numbers, mapped to the list's; the same as one list of it all. */
static void test_test_spool_runs_moved(void **state)
{
	struct test_results one = { 0 }, all = { 0 }, part = { 0 };
	char *c1, *c2;

	(void)state;
	one.run_bytes = 1 << 20;
	fill(&one, 700, 0);                 /* dst holds lines and prefixes */
	assert_int_equal(test_results_move(&all, &one), 0);
	part.run_bytes = 8192;
	fill(&part, 9000, 0);               /* a list with runs into a non-empty one */
	assert_true(part.nr_runs > 2);
	assert_int_equal(test_results_move(&all, &part), 0);
	test_results_release(&part);
	memset(&part, 0, sizeof(part));
	part.run_bytes = 8192;
	fill(&part, 5000, 1);               /* failures: no runs, renumbered lines */
	assert_int_equal(test_results_move(&all, &part), 0);
	test_results_release(&part);
	memset(&part, 0, sizeof(part));
	part.run_bytes = 8192;
	fill(&part, 4000, 0);
	assert_int_equal(test_results_move(&all, &part), 0);
	/* the same cases in one list, in memory */
	test_results_release(&one);
	memset(&one, 0, sizeof(one));
	one.run_bytes = SIZE_MAX;
	fill(&one, 700, 0);
	fill(&one, 9000, 0);
	fill(&one, 5000, 1);
	fill(&one, 4000, 0);
	c1 = cases_of(&one, NULL);
	c2 = cases_of(&all, NULL);
	assert_string_equal(c1, c2);
	free(c1);
	free(c2);
	test_results_release(&one);
	test_results_release(&all);
	test_results_release(&part);
}

/* The whole verdict over a list whose passes and failures were spilled
 * into runs: the same result as the list kept in memory (the failures
 * beyond the first 1000 in tests.failed, counts, every case listed). */
static void test_test_spool_verdict_same_with_runs(void **state)
{
	struct test_verdict_opts o = { -1, -1, NULL, NULL, 1, 1 };
	struct test_run_info info;
	struct test_results a = { 0 }, b = { 0 };
	struct qg_result ra, rb;
	struct qg_buf ja = QG_BUF_INIT(QG_CAP_REPORT), jb = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf xa = QG_BUF_INIT(QG_CAP_REPORT), xb = QG_BUF_INIT(QG_CAP_REPORT);

	(void)state;
	memset(&info, 0, sizeof(info));
	b.run_bytes = 4096;
	fill(&a, 20000, 0);
	fill(&a, 3000, 1);
	fill(&a, 5000, 0);
	fill(&b, 20000, 0);
	fill(&b, 3000, 1);
	fill(&b, 5000, 0);
	assert_true(test_results_has_failure_runs(&b));
	assert_int_equal(qg_result_init(&ra, "test", "0.1.0"), 0);
	assert_int_equal(qg_result_init(&rb, "test", "0.1.0"), 0);
	rb.started_at_ms = ra.started_at_ms;
	assert_int_equal(test_verdict(&o, &info, &a, &ra), 0);
	assert_int_equal(test_verdict(&o, &info, &b, &rb), 0);
	render(&ra, &ja, &xa);
	render(&rb, &jb, &xb);
	assert_non_null(strstr(ja.buf, "\"tests.failed\""));
	assert_int_equal(ja.len, jb.len);
	assert_memory_equal(ja.buf, jb.buf, ja.len);
	assert_int_equal(xa.len, xb.len);
	assert_memory_equal(xa.buf, xb.buf, xa.len);
	qg_buf_release(&ja);
	qg_buf_release(&jb);
	qg_buf_release(&xa);
	qg_buf_release(&xb);
	test_results_release(&a);
	test_results_release(&b);
	qg_result_release(&ra);
	qg_result_release(&rb);
}

/* The spool itself: pieces end after a newline, the last may not; a line
 * longer than a piece comes whole; rewinding reads it all again. */
static void test_test_spool_pieces(void **state)
{
	struct qg_spool *s;
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT), got = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf piece = QG_BUF_INIT(QG_CAP_REPORT);
	int more;

	(void)state;
	for (int i = 0; i < 30000; i++)
		assert_int_equal(qg_buf_addf(&want, "line %d %.*s\n", i, i % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), 0);
	for (int i = 0; i < 200000; i++)
		assert_int_equal(qg_buf_addch(&want, 'y'), 0);
	assert_int_equal(qg_buf_addstr(&want, "\nno newline at the end"), 0);
	assert_int_equal(qg_spool_open(&s), 0);
	for (size_t off = 0; off < want.len; off += 1000)
		assert_int_equal(qg_spool_write(s, want.buf + off, want.len - off < 1000 ? want.len - off : 1000), 0);
	assert_int_equal(qg_spool_size(s), want.len);
	for (int round = 0; round < 2; round++) {
		qg_buf_reset(&got);
		assert_int_equal(qg_spool_rewind(s), 0);
		while ((more = qg_spool_next(s, &piece)) > 0) {
			if (got.len + piece.len < want.len)
				assert_int_equal(piece.buf[piece.len - 1], '\n');
			assert_int_equal(qg_buf_add(&got, piece.buf, piece.len), 0);
			qg_buf_reset(&piece);
		}
		assert_int_equal(more, 0);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.buf, want.buf, want.len);
	}
	qg_spool_free(s);
	qg_spool_free(NULL);
	qg_buf_release(&want);
	qg_buf_release(&got);
	qg_buf_release(&piece);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_test_spool_passed_same_as_string),
		cmocka_unit_test(test_test_spool_failed_same_as_string),
		cmocka_unit_test(test_test_spool_pieces),
		cmocka_unit_test(test_test_spool_runs_merge_in_order),
		cmocka_unit_test(test_test_spool_runs_moved),
		cmocka_unit_test(test_test_spool_verdict_same_with_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
