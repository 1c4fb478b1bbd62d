/* test_qgate_merge_data.c -- qgate merge re-decides qgate-data validate's table-level checks
 *
 * Shards as gates/data/validate_merge.c writes them (details of table.rows
 * and maxNullFraction), merged in memory (merge_int.h): minRows/maxRows and
 * the empty table over the summed rows, the null fraction over the summed
 * counts, the lowest violating value, the count in a per-cell message, and
 * the refusals (--max-errors reached, shards without the counts).
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "qgate/merge_int.h"

#define FP "sha256:0000000000000000000000000000000000000000000000000000000000000000"

/* shard i/n of a data validate run with these checks and rows */
static char *doc(int i, int n, const char *checks, int rows)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addf(&b,
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"command\":\"validate\",\"version\":\"0.1.0\","
		"\"status\":\"pass\",\"exit_code\":0,\"started_at\":\"2026-12-07T02:00:0%dZ\",\"duration_ms\":%d,"
		"\"subject\":{\"commit\":null,\"ref\":null,\"dirty\":null,\"artifacts\":[]},"
		"\"summary\":{\"checks\":1,\"passed\":1,\"failed\":0,\"errors\":0,\"skipped\":0},"
		"\"checks\":[%s],\"metrics\":{\"rows\":%d,\"violations\":0},"
		"\"invocation\":{\"shard\":\"%d/%d\",\"fingerprint\":\"" FP "\"}}",
		i, 10 * i, checks, rows, i, n), 0);
	return qg_buf_detach(&b, NULL);
}

/* a shard's table.rows as qgate-data writes it under --shard */
static char *rows_check(int rows, int min_rows, int max_rows, int allow_empty, int max_errors, int counted)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addf(&b,
		"{\"id\":\"table.rows\",\"status\":\"%s\",\"message\":\"%d rows read\",\"count\":0,\"observed\":%d,"
		"\"locations\":[],\"rows\":%d,\"minRows\":%d,\"maxRows\":%d,\"allowEmpty\":%s,\"maxErrors\":%d,"
		"\"counted\":%d,\"stopped\":false}",
		min_rows >= 0 || max_rows >= 0 ? "skip" : "pass", rows, rows, rows, min_rows, max_rows,
		allow_empty ? "true" : "false", max_errors, counted), 0);
	return qg_buf_detach(&b, NULL);
}

static int merge2(struct qg_result *out, char *a, char *b)
{
	const char *t[2] = { a, b };
	size_t l[2] = { strlen(a), strlen(b) };
	int err;

	qg_error_clear();
	err = merge_texts(out, t, l, 2);
	free(a);
	free(b);
	return err;
}

static int merge_rows(struct qg_result *out, int r1, int r2, int min_rows, int max_rows, int allow_empty)
{
	char *c1 = rows_check(r1, min_rows, max_rows, allow_empty, 0, 0), *c2 = rows_check(r2, min_rows, max_rows,
											      allow_empty, 0, 0);
	int err = merge2(out, doc(1, 2, c1, r1), doc(2, 2, c2, r2));

	free(c1);
	free(c2);
	return err;
}

static void test_qgate_merge_data_min_rows(void **state)
{
	struct qg_result r;
	struct qg_check *c;

	(void)state;
	/* engineer K's case: minRows 100 over 5 rows in two files */
	assert_int_equal(merge_rows(&r, 3, 2, 100, -1, 0), 0);
	c = qg_result_find_check(&r, "table.rows");
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_string_equal(c->message, "5 rows, fewer than minRows");
	assert_string_equal(c->expected.string, ">= 100 rows");
	assert_true(c->observed.number == 5);
	assert_int_equal(c->count, 1);
	assert_null(c->details); /* the unsharded run's check has none */
	assert_int_equal(qg_result_exit_code(&r), 1);
	qg_result_release(&r);

	assert_int_equal(merge_rows(&r, 3, 2, 1, 5, 0), 0);
	c = qg_result_find_check(&r, "table.rows");
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_string_equal(c->message, "5 rows");
	assert_string_equal(c->expected.string, "1..5 rows");
	assert_int_equal(c->count, 0);
	qg_result_release(&r);

	assert_int_equal(merge_rows(&r, 4, 3, -1, 6, 0), 0);
	c = qg_result_find_check(&r, "table.rows");
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_string_equal(c->message, "7 rows, more than maxRows");
	qg_result_release(&r);
}

static void test_qgate_merge_data_empty_table(void **state)
{
	struct qg_result r;
	struct qg_check *c;

	(void)state;
	assert_int_equal(merge_rows(&r, 0, 0, -1, -1, 0), 0);
	c = qg_result_find_check(&r, "table.rows");
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_non_null(strstr(c->message, "the table is empty"));
	assert_string_equal(c->expected.string, ">= 1 rows");
	assert_int_equal(c->count, 1);
	qg_result_release(&r);

	/* --allow-empty, or "minRows": 0 */
	assert_int_equal(merge_rows(&r, 0, 0, -1, -1, 1), 0);
	assert_int_equal(qg_result_find_check(&r, "table.rows")->status, QG_STATUS_PASS);
	qg_result_release(&r);
	assert_int_equal(merge_rows(&r, 0, 0, 0, -1, 0), 0);
	assert_int_equal(qg_result_find_check(&r, "table.rows")->status, QG_STATUS_PASS);
	qg_result_release(&r);
	/* one empty shard of two is not an empty table */
	assert_int_equal(merge_rows(&r, 0, 4, -1, -1, 0), 0);
	assert_int_equal(qg_result_find_check(&r, "table.rows")->status, QG_STATUS_PASS);
	qg_result_release(&r);
}

static void test_qgate_merge_data_null_fraction(void **state)
{
	struct qg_result r;
	struct qg_check *c;
	const char *a = "{\"id\":\"field.v.maxNullFraction\",\"status\":\"fail\",\"message\":\"2 of 2 values missing (1)\","
			"\"count\":2,\"observed\":1,\"expected\":\"<= 0.3\",\"locations\":[],"
			"\"nulls\":2,\"values\":2,\"maxNullFraction\":0.3}";
	const char *b = "{\"id\":\"field.v.maxNullFraction\",\"status\":\"pass\",\"message\":\"0 of 6 values missing (0)\","
			"\"count\":0,\"observed\":0,\"expected\":\"<= 0.3\",\"locations\":[],"
			"\"nulls\":0,\"values\":6,\"maxNullFraction\":0.3}";
	const char *old = "{\"id\":\"field.v.maxNullFraction\",\"status\":\"pass\",\"message\":\"0 of 6 values missing (0)\","
			  "\"count\":0,\"observed\":0,\"expected\":\"<= 0.3\",\"locations\":[],\"nulls\":0,\"values\":6}";

	(void)state;
	/* engineer K's case: 2 of 2 missing and 0 of 6 under 0.3 is 2/8 = 0.25 */
	assert_int_equal(merge2(&r, doc(1, 2, a, 2), doc(2, 2, b, 6)), 0);
	c = qg_result_find_check(&r, "field.v.maxNullFraction");
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_string_equal(c->message, "2 of 8 values missing (0.25)");
	assert_true(c->observed.number == 0.25);
	assert_string_equal(c->expected.string, "<= 0.3");
	assert_int_equal(c->count, 0);
	assert_true(qg_json_number(qg_json_get(c->details, "nulls")) == 2);
	assert_true(qg_json_number(qg_json_get(c->details, "values")) == 8);
	assert_null(qg_json_get(c->details, "maxNullFraction"));
	assert_int_equal(qg_result_exit_code(&r), 0);
	qg_result_release(&r);

	/* a shard without the bound recorded: refused, naming the check */
	assert_int_equal(merge2(&r, doc(1, 2, a, 2), doc(2, 2, old, 6)), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "field.v.maxNullFraction"));
}

static void test_qgate_merge_data_refusals(void **state)
{
	struct qg_result r;
	char *c1 = rows_check(5, -1, -1, 0, 10, 4), *c2 = rows_check(5, -1, -1, 0, 10, 6);
	const char *old = "{\"id\":\"table.rows\",\"status\":\"pass\",\"message\":\"5 rows\",\"count\":0,\"observed\":5,"
			  "\"locations\":[]}";

	(void)state;
	/* 4 + 6 violations reach --max-errors 10: the unsharded run stopped */
	assert_int_equal(merge2(&r, doc(1, 2, c1, 5), doc(2, 2, c2, 5)), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "--max-errors 10"));
	free(c2);
	c2 = rows_check(5, -1, -1, 0, 11, 6);
	free(c1);
	c1 = rows_check(5, -1, -1, 0, 11, 4);
	assert_int_equal(merge2(&r, doc(1, 2, c1, 5), doc(2, 2, c2, 5)), 0);
	qg_result_release(&r);
	/* table.rows without the counts: written by an older qgate-data */
	assert_int_equal(merge2(&r, doc(1, 2, c1, 5), doc(2, 2, old, 5)), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "table.rows records no"));
	free(c1);
	free(c2);
}

static void test_qgate_merge_data_count_message(void **state)
{
	struct qg_result r;
	struct qg_check *c;
	const char *a = "{\"id\":\"field.v.minimum\",\"status\":\"fail\",\"message\":\"1 value below minimum 0\","
			"\"count\":1,\"observed\":-5,\"expected\":\">= 0\",\"locations\":[]}";
	const char *b = "{\"id\":\"field.v.minimum\",\"status\":\"fail\",\"message\":\"2 values below minimum 0\","
			"\"count\":2,\"observed\":-7,\"expected\":\">= 0\",\"locations\":[]}";
	const char *s1 = "{\"id\":\"table.row-shape\",\"status\":\"fail\",\"message\":\"1 malformed row\","
			 "\"count\":1,\"locations\":[]}";

	(void)state;
	assert_int_equal(merge2(&r, doc(1, 2, a, 4), doc(2, 2, b, 4)), 0);
	c = qg_result_find_check(&r, "field.v.minimum");
	assert_string_equal(c->message, "3 values below minimum 0");
	assert_true(c->observed.number == -7);
	qg_result_release(&r);
	assert_int_equal(merge2(&r, doc(1, 2, s1, 4), doc(2, 2, s1, 4)), 0);
	assert_string_equal(qg_result_find_check(&r, "table.row-shape")->message, "2 malformed rows");
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qgate_merge_data_min_rows),
		cmocka_unit_test(test_qgate_merge_data_empty_table),
		cmocka_unit_test(test_qgate_merge_data_null_fraction),
		cmocka_unit_test(test_qgate_merge_data_refusals),
		cmocka_unit_test(test_qgate_merge_data_count_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
