/* test_qgate_merge.c -- the merger of `qgate merge` on documents in memory (merge_int.h) */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "qgate/merge_int.h"

#define FP "sha256:0000000000000000000000000000000000000000000000000000000000000000"

/* A data validate result of shard i/n with one check and metrics. */
static char *doc(int i, int n, const char *check, const char *metrics)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addf(&b,
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"command\":\"validate\",\"version\":\"0.1.0\","
		"\"status\":\"pass\",\"exit_code\":0,\"started_at\":\"2026-12-07T02:00:0%dZ\",\"duration_ms\":%d,"
		"\"subject\":{\"commit\":null,\"ref\":null,\"dirty\":null,\"artifacts\":[]},"
		"\"summary\":{\"checks\":1,\"passed\":1,\"failed\":0,\"errors\":0,\"skipped\":0},"
		"\"checks\":[%s],\"metrics\":%s,"
		"\"invocation\":{\"shard\":\"%d/%d\",\"fingerprint\":\"" FP "\"}}",
		i, 10 * i, check, metrics, i, n), 0);
	return qg_buf_detach(&b, NULL); /* owned by the caller */
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

static void test_qgate_merge_cross_shard_unique_is_an_error(void **state)
{
	struct qg_result r;
	const char *pass = "{\"id\":\"field.id.unique\",\"status\":\"pass\",\"message\":\"all distinct\",\"count\":0,\"locations\":[]}";

	(void)state;
	assert_int_equal(merge2(&r, doc(1, 2, pass, "{}"), doc(2, 2, pass, "{}")), 0);
	assert_int_equal(r.nr_checks, 1);
	assert_int_equal(r.checks[0]->status, QG_STATUS_ERROR);
	assert_non_null(strstr(r.checks[0]->message, "cross-shard uniqueness"));
	assert_int_equal(qg_result_exit_code(&r), 3);
	qg_result_release(&r);
}

static void test_qgate_merge_unique_failed_in_one_shard_fails(void **state)
{
	struct qg_result r;
	const char *pass = "{\"id\":\"table.primary-key\",\"status\":\"pass\",\"message\":\"ok\",\"count\":0,\"locations\":[]}";
	const char *fail = "{\"id\":\"table.primary-key\",\"status\":\"fail\",\"message\":\"2 repeated\",\"count\":2,"
			   "\"locations\":[{\"file\":\"a.csv\",\"line\":9},{\"file\":\"a.csv\",\"line\":4}]}";

	(void)state;
	assert_int_equal(merge2(&r, doc(1, 2, pass, "{}"), doc(2, 2, fail, "{}")), 0);
	assert_int_equal(r.checks[0]->status, QG_STATUS_FAIL);
	assert_int_equal(r.checks[0]->count, 2);
	assert_non_null(strstr(r.checks[0]->message, "at least 2"));
	assert_int_equal(r.checks[0]->nr_locations, 2);
	assert_int_equal(r.checks[0]->locations[0].line, 4); /* ordered by line */
	qg_result_release(&r);
}

static void test_qgate_merge_metrics_and_observed(void **state)
{
	struct qg_result r;
	const char *a = "{\"id\":\"field.v.minimum\",\"status\":\"fail\",\"message\":\"1 below\",\"count\":1,\"observed\":-5,\"locations\":[]}";
	const char *b = "{\"id\":\"field.v.minimum\",\"status\":\"fail\",\"message\":\"2 below\",\"count\":2,\"observed\":-7,\"locations\":[]}";
	const struct qg_json *sh;

	(void)state;
	assert_int_equal(merge2(&r, doc(1, 2, a, "{\"rows\":5,\"violations\":1,\"mode\":\"x\",\"mean\":1.5}"),
				doc(2, 2, b, "{\"rows\":7,\"violations\":2,\"mode\":\"x\",\"mean\":2.5}")), 0);
	assert_int_equal(r.checks[0]->count, 3);
	/* a data validate minimum shows the lowest violating value of all */
	assert_int_equal(r.checks[0]->observed.kind, QG_VALUE_NUMBER);
	assert_true(r.checks[0]->observed.number == -7);
	assert_null(strstr(r.checks[0]->message, "dropped"));
	assert_int_equal((int)qg_json_number(qg_json_get(r.metrics, "rows")), 12);
	assert_int_equal((int)qg_json_number(qg_json_get(r.metrics, "violations")), 3);
	assert_string_equal(qg_json_string(qg_json_get(r.metrics, "mode")), "x");
	assert_null(qg_json_get(r.metrics, "mean"));
	sh = qg_json_get(r.metrics, "shards");
	assert_int_equal(qg_json_size(sh), 2);
	assert_true(qg_json_number(qg_json_get(qg_json_at(sh, 1), "mean")) == 2.5);
	assert_int_equal(r.duration_ms, 20); /* the longest shard */
	qg_result_release(&r);
}

static void test_qgate_merge_refusals(void **state)
{
	struct qg_result r;
	const char *c = "{\"id\":\"table.rows\",\"status\":\"pass\",\"message\":\"1 rows\",\"observed\":1,\"locations\":[]}";
	char *other;

	(void)state;
	assert_int_equal(merge2(&r, doc(1, 3, c, "{}"), doc(3, 3, c, "{}")), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "shard 2/3 missing"));
	assert_int_equal(merge2(&r, doc(1, 2, c, "{}"), doc(1, 2, c, "{}")), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "both are shard 1/2"));
	assert_int_equal(merge2(&r, doc(1, 2, c, "{}"), doc(2, 3, c, "{}")), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "different totals"));
	other = doc(2, 2, c, "{}");
	memcpy(strstr(other, FP) + 7, "1", 1);
	assert_int_equal(merge2(&r, doc(1, 2, c, "{}"), other), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "different arguments or configuration"));
	assert_int_equal(merge2(&r, doc(1, 2, c, "{}"), qg_strdup("{\"schema\":")), QG_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qgate_merge_cross_shard_unique_is_an_error),
		cmocka_unit_test(test_qgate_merge_unique_failed_in_one_shard_fails),
		cmocka_unit_test(test_qgate_merge_metrics_and_observed),
		cmocka_unit_test(test_qgate_merge_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
