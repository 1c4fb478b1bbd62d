/* test_deploy_health.c -- health.c's decisions without a server: --expect-body
 * matching (substring, JSON pointer and value) and the nearest-rank p95 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/result.h"
#include "deploy/deploy.h"
#include "deploy/health_int.h"

static int match(const char *expect, const char *body, struct qg_buf *why)
{
	return dp_health_body_match(expect, body, strlen(body), why);
}

static void test_deploy_health_body_substring(void **state)
{
	struct qg_buf why = QG_BUF_INIT(QG_CAP_MESSAGE);

	(void)state;
	assert_int_equal(match("ok", "status: ok\n", &why), 1);
	assert_int_equal(match("OK", "status: ok\n", &why), 0); /* case-sensitive */
	assert_string_equal(why.buf, "the body does not contain the text");
	assert_int_equal(match("status: ok\n", "status: ok\n", NULL), 1);
	assert_int_equal(match("status: ok\n!", "status: ok\n", NULL),
			 0); /* longer than the body */
	assert_int_equal(match("x", "", NULL), 0);
	/* a '/' without '=' is text, not a pointer */
	assert_int_equal(match("/healthz", "GET /healthz fine", NULL), 1);
	/* bytes after a NUL in the body are searched too */
	assert_int_equal(dp_health_body_match("tail", "a\0tail", 6, NULL), 1);
	/* no expectation: anything matches */
	assert_int_equal(match(NULL, "whatever", NULL), 1);
	qg_buf_release(&why);
}

static void test_deploy_health_body_pointer(void **state)
{
	struct qg_buf why = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *doc =
		"{\"status\":\"ok\",\"version\":\"1.2\",\"ready\":true,\"load\":0.50,\"n\":3,"
		"\"db\":{\"up\":false,\"a/b\":\"slash\",\"m~n\":\"tilde\",\"eq\":\"x=y\"},"
		"\"list\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"nil\":null,\"obj\":{\"k\":1},\"\":\"empty\"}";

	(void)state;
	assert_int_equal(match("/status=ok", doc, &why), 1);
	assert_int_equal(match("/status=down", doc, &why), 0);
	assert_string_equal(why.buf, "/status is \"ok\"");
	assert_int_equal(match("/version=1.2", doc, NULL), 1);  /* a string by its text */
	assert_int_equal(match("/version=1.20", doc, NULL), 0); /* ... not numerically */
	assert_int_equal(match("/ready=true", doc, NULL), 1);
	assert_int_equal(match("/ready=false", doc, NULL), 0);
	assert_int_equal(match("/ready=\"true\"", doc, NULL), 0);
	assert_int_equal(match("/load=0.5", doc, NULL), 1); /* numbers numerically */
	assert_int_equal(match("/load=5e-1", doc, NULL), 1);
	assert_int_equal(match("/load=0.51", doc, NULL), 0);
	assert_int_equal(match("/load=", doc, NULL), 0); /* an empty VALUE is no number */
	assert_int_equal(match("/load=0.5x", doc, NULL), 0);
	assert_int_equal(match("/n=3", doc, NULL), 1);
	assert_int_equal(match("/db/up=false", doc, NULL), 1);
	assert_int_equal(match("/db/a~1b=slash", doc, NULL), 1); /* RFC 6901 escapes */
	assert_int_equal(match("/db/m~0n=tilde", doc, NULL), 1);
	assert_int_equal(match("/db/eq=x=y", doc, NULL), 1); /* split at the first '=' */
	assert_int_equal(match("/list/1/name=b", doc, NULL), 1);
	assert_int_equal(match("/list/01/name=b", doc, NULL), 0); /* no leading zeros */
	assert_int_equal(match("/list/2/name=b", doc, &why), 0);
	assert_string_equal(why.buf, "no /list/2/name in the body");
	assert_int_equal(match("/list/-/name=b", doc, NULL), 0);
	assert_int_equal(match("/nil=null", doc, NULL), 1);
	assert_int_equal(match("/obj={\"k\":1}", doc, NULL), 1); /* compact JSON */
	assert_int_equal(match("/=empty", doc, NULL), 1);        /* the member named "" */
	assert_int_equal(match("/missing=x", doc, &why), 0);
	assert_string_equal(why.buf, "no /missing in the body");
	assert_int_equal(match("/status/deeper=x", doc, NULL), 0);
	assert_int_equal(match("/status=ok", "not json", &why), 0);
	assert_string_equal(why.buf, "the body is not JSON");
	assert_int_equal(match("/status=ok", "{\"status\":\"ok\"", NULL), 0); /* truncated */
	assert_int_equal(qg_error_code(), QG_OK); /* the parse error is not left behind */
	qg_buf_release(&why);
}

static void test_deploy_health_p95(void **state)
{
	double v[100], one[1] = { 7.5 }, four[4] = { 4, 1, 3, 2 };

	(void)state;
	assert_true(dp_health_p95(NULL, 0) == 0);
	assert_true(dp_health_p95(one, 1) == 7.5);
	/* 1..20 shuffled: rank ceil(0.95 * 20) = 19 exactly, not 20 */
	for (int i = 0; i < 20; i++)
		v[i] = (double)((i * 7) % 20 + 1);
	assert_true(dp_health_p95(v, 20) == 19);
	for (int i = 0; i < 20; i++)
		assert_true(v[i] == i + 1); /* sorted in place */
	/* 1..100: the 95th value; 1..10: rank ceil(9.5) = 10, the maximum */
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;
	assert_true(dp_health_p95(v, 100) == 95);
	for (int i = 0; i < 10; i++)
		v[i] = i + 1;
	assert_true(dp_health_p95(v, 10) == 10);
	/* 21 samples: ceil(19.95) = 20 */
	for (int i = 0; i < 21; i++)
		v[i] = i + 1;
	assert_true(dp_health_p95(v, 21) == 20);
	/* one slow probe among 19 fast ones is at the p95 of 20 only when it is the 19th */
	for (int i = 0; i < 20; i++)
		v[i] = 10;
	v[3] = 900;
	assert_true(dp_health_p95(v, 20) == 10);
	v[5] = 900;
	assert_true(dp_health_p95(v, 20) == 900);
	/* other percentiles */
	assert_true(dp_health_percentile(four, 4, 50) == 2);
	assert_true(dp_health_percentile(four, 4, 100) == 4);
	assert_true(dp_health_percentile(four, 4, 0) == 1);
	assert_true(dp_health_percentile(four, 4, 12.5) == 1);
	assert_true(dp_health_percentile(four, 4, 25.1) == 2);
}

static void test_deploy_health_refuses_and_unreachable(void **state)
{
	struct qg_result r;
	struct dp_health_opts o = { 0 };

	(void)state;
	assert_int_equal(qg_result_init(&r, "deploy", "0"), 0);
	o.url = "ftp://127.0.0.1/x";
	assert_int_equal(dp_health_watch(&r, &o), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "ftp://127.0.0.1/x"));
	o.url = "http://127.0.0.1:1/health";
	o.expect_status = 42;
	assert_int_equal(dp_health_watch(&r, &o), QG_EUSAGE);
	/* port 1 on 127.0.0.1: refused at once; nothing answers for the whole watch */
	o.expect_status = 0;
	o.timeout_s = 0.5;
	o.interval_s = 0.1;
	assert_int_equal(dp_health_watch(&r, &o), QG_ENET);
	assert_non_null(strstr(qg_error_last(), "unreachable"));
	assert_non_null(strstr(qg_error_last(), "http://127.0.0.1:1/health"));
	assert_int_equal((int)r.nr_checks, 0); /* no verdict: exit 3, not 1 */
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deploy_health_body_substring),
		cmocka_unit_test(test_deploy_health_body_pointer),
		cmocka_unit_test(test_deploy_health_p95),
		cmocka_unit_test(test_deploy_health_refuses_and_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
