/* test_qgate_merge_lint.c -- qgate merge of qgate-lint shards in memory (merge_int.h)
 *
 * Two shards each within --max-errors 1 (one error each, so each passes
 * with a warning) merge into a run over the budget: the rule and
 * lint.max-errors fail, as the unsharded run would. A rule or tool quiet in
 * one shard but with findings in the other is not also a passing check.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/result.h"

#include "qgate/merge_int.h"

#define FP "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static char *lint_doc(int i, int n, const char *checks, long long errors)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addf(&b,
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"lint\",\"version\":\"0.1.0\","
		"\"status\":\"pass\",\"exit_code\":0,\"started_at\":\"2026-12-07T02:00:0%dZ\",\"duration_ms\":%d,"
		"\"subject\":{\"commit\":null,\"ref\":null,\"dirty\":null,\"artifacts\":[]},"
		"\"summary\":{\"checks\":3,\"passed\":3,\"failed\":0,\"errors\":0,\"skipped\":0},"
		"\"checks\":[%s,{\"id\":\"lint.max-errors\",\"status\":\"pass\",\"message\":\"%lld errors, 1 allowed\","
		"\"observed\":%lld,\"expected\":1}],"
		"\"metrics\":{\"errors\":%lld,\"warnings\":0,\"notes\":0,\"new\":%lld,\"total\":%lld,\"baseline\":0},"
		"\"invocation\":{\"shard\":\"%d/%d\",\"fingerprint\":\"" FP "\"}}",
		i, 10 * i, checks, errors, errors, errors, errors, errors, i, n), 0);
	return qg_buf_detach(&b, NULL);
}

static const struct qg_check *find(const struct qg_result *r, const char *id, size_t *at)
{
	for (size_t i = 0; i < r->nr_checks; i++)
		if (!strcmp(r->checks[i]->id, id)) {
			if (at)
				*at = i;
			return r->checks[i];
		}
	return NULL;
}

static void test_qgate_merge_lint_budget_over_the_sum(void **state)
{
	const char *c1 =
		"{\"id\":\"lint.builtin.end-of-file\",\"status\":\"pass\",\"message\":\"1 error: no newline at end of "
		"file\",\"count\":1,\"locations\":[{\"file\":\"z.txt\",\"line\":3,\"message\":\"no newline at end of file\"}],"
		"\"tool\":\"builtin\",\"rule\":\"end-of-file\",\"level\":\"error\"},"
		"{\"id\":\"lint.builtin.json\",\"status\":\"pass\",\"message\":\"no findings\"},"
		"{\"id\":\"lint.sh\",\"status\":\"pass\",\"message\":\"no findings\"}";
	const char *c2 =
		"{\"id\":\"lint.builtin.end-of-file\",\"status\":\"pass\",\"message\":\"1 error: missing final newline\","
		"\"count\":1,\"locations\":[{\"file\":\"a.txt\",\"line\":7,\"message\":\"missing final newline\"}],"
		"\"tool\":\"builtin\",\"rule\":\"end-of-file\",\"level\":\"error\"},"
		"{\"id\":\"lint.sh.W2\",\"status\":\"pass\",\"message\":\"2 warnings: second line\",\"count\":2,"
		"\"locations\":[{\"file\":\"b.txt\",\"line\":2,\"message\":\"second line\"}],"
		"\"tool\":\"sh\",\"rule\":\"W2\",\"level\":\"warning\"},"
		"{\"id\":\"lint.builtin.json\",\"status\":\"pass\",\"message\":\"no findings\"}";
	char *a = lint_doc(1, 2, c1, 1), *b = lint_doc(2, 2, c2, 1);
	const char *t[2] = { a, b };
	size_t l[2] = { strlen(a), strlen(b) }, at = 0;
	const struct qg_check *c;
	struct qg_result r;

	(void)state;
	qg_error_clear();
	if (merge_texts(&r, t, l, 2) < 0)
		fail_msg("%s", qg_error_last());
	/* the rules with findings first, by tool and rule */
	c = find(&r, "lint.builtin.end-of-file", &at);
	assert_non_null(c);
	assert_int_equal(at, 0);
	assert_int_equal(c->status, QG_STATUS_FAIL); /* 2 errors, 1 allowed */
	assert_int_equal(c->count, 2);
	assert_string_equal(c->message, "2 errors: missing final newline"); /* a.txt's comes first */
	assert_int_equal(c->nr_locations, 2);
	assert_string_equal(c->locations[0].file, "a.txt");
	c = find(&r, "lint.sh.W2", &at);
	assert_non_null(c);
	assert_int_equal(at, 1);
	assert_int_equal(c->status, QG_STATUS_PASS); /* no warning budget */
	assert_true(c->flags & QG_CHECK_WARNING);
	/* quiet in shard 1 only: not a passing check */
	assert_null(find(&r, "lint.sh", NULL));
	assert_non_null(find(&r, "lint.builtin.json", &at));
	assert_int_equal(at, 2);
	c = find(&r, "lint.max-errors", &at);
	assert_non_null(c);
	assert_int_equal(at, r.nr_checks - 1);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_true(c->observed.number == 2);
	assert_int_equal(qg_result_exit_code(&r), 1);
	qg_result_release(&r);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qgate_merge_lint_budget_over_the_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
