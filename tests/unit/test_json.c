/* test_json.c -- JSON trees: parsing, errors with positions, deterministic printing */
#include "qgate/common.h"

#include <math.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"

static char *print(const struct qg_json *j, int pretty)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_json_print(&b, j, pretty), 0);
	return qg_buf_detach(&b, NULL);
}

static void expect_number(double v, const char *want)
{
	struct qg_json *a = qg_json_new_array();
	char *s;

	assert_non_null(qg_json_add_number(a, NULL, v));
	s = print(a, 0);
	assert_non_null(s);
	/* "[" want "]" */
	assert_int_equal(strlen(s), strlen(want) + 2);
	assert_memory_equal(s + 1, want, strlen(want));
	free(s);
	qg_json_free(a);
}

static void test_json_number_printing(void **state)
{
	expect_number(0, "0");
	expect_number(-0.0, "0");
	expect_number(42, "42");
	expect_number(-7, "-7");
	expect_number(1e15, "1000000000000000");
	expect_number(9007199254740991.0, "9007199254740991");
	expect_number(9007199254740992.0, "9007199254740992");
	expect_number(1e17, "1e+17");
	expect_number(0.30000000000000004, "0.30000000000000004");
	expect_number(0.1, "0.1");
	expect_number(0.8123456789, "0.8123456789");
	expect_number(1.0 / 3.0, "0.3333333333333333"); /* 16 digits, as Python's repr */
	expect_number(1e-7, "1e-07");
	expect_number(NAN, "null");
	expect_number(INFINITY, "null");
	expect_number(-INFINITY, "null");
}

static void test_json_shortest_round_trip(void **state)
{
	const double vals[] = { 0.1, 0.2 + 0.1, 1.0 / 3, 2.0 / 3, 123456.789, 1e300, 5e-324, 0.9999999999999999 };

	for (size_t i = 0; i < QG_ARRAY_SIZE(vals); i++) {
		struct qg_json *a = qg_json_new_array(), *b;
		char *s;

		qg_json_add_number(a, NULL, vals[i]);
		s = print(a, 0);
		assert_int_equal(qg_json_parse(&b, s, strlen(s), "t"), 0);
		assert_true(qg_json_number(qg_json_at(b, 0)) == vals[i]);
		free(s);
		qg_json_free(a);
		qg_json_free(b);
	}
}

static void test_json_pretty_and_order(void **state)
{
	struct qg_json *o = qg_json_new_object(), *arr, *inner;
	char *s;

	qg_json_add_string(o, "z", "last?");
	qg_json_add_number(o, "a", 1);
	arr = qg_json_add_array(o, "list");
	qg_json_add_bool(arr, NULL, 1);
	qg_json_add_null(arr, NULL);
	inner = qg_json_add_object(o, "empty");
	(void)inner;
	qg_json_add_array(o, "none");
	qg_json_add_number(o, "z", 2); /* replaces in place, no duplicate key */
	s = print(o, 1);
	assert_string_equal(s, "{\n  \"z\": 2,\n  \"a\": 1,\n  \"list\": [\n    true,\n    null\n  ],\n"
			       "  \"empty\": {},\n  \"none\": []\n}\n");
	free(s);
	s = print(o, 0);
	assert_string_equal(s, "{\"z\":2,\"a\":1,\"list\":[true,null],\"empty\":{},\"none\":[]}");
	free(s);
	qg_json_free(o);
}

static void test_json_string_escaping(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_json_quote(&b, "a\"b\\c\n\t\x01/é", 11), 0);
	assert_string_equal(b.buf, "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
	qg_buf_reset(&b);
	/* invalid UTF-8 is replaced, never dropped or passed through */
	assert_int_equal(qg_json_quote(&b, "x\xff" "y\xc3", 4), 0);
	assert_string_equal(b.buf, "\"x\xef\xbf\xbdy\xef\xbf\xbd\"");
	qg_buf_reset(&b);
	/* embedded NUL with explicit length */
	assert_int_equal(qg_json_quote(&b, "a\0b", 3), 0);
	assert_string_equal(b.buf, "\"a\\u0000b\"");
	qg_buf_release(&b);
}

static void test_json_parse_and_read(void **state)
{
	const char *text = "{\"s\": \"x\", \"n\": 2.5, \"b\": false, \"z\": null, \"a\": [1, {\"k\": 3}]}";
	struct qg_json *j;
	const struct qg_json *a, *m;
	int n = 0;

	assert_int_equal(qg_json_parse(&j, text, strlen(text), "t.json"), 0);
	assert_int_equal(qg_json_type(j), QG_JSON_OBJECT);
	assert_string_equal(qg_json_string(qg_json_get(j, "s")), "x");
	assert_true(qg_json_number(qg_json_get(j, "n")) == 2.5);
	assert_int_equal(qg_json_bool(qg_json_get(j, "b")), 0);
	assert_int_equal(qg_json_type(qg_json_get(j, "z")), QG_JSON_NULL);
	assert_null(qg_json_get(j, "missing"));
	assert_true(isnan(qg_json_number(qg_json_get(j, "s"))));
	assert_null(qg_json_string(qg_json_get(j, "n")));
	assert_int_equal(qg_json_bool(NULL), -1);
	a = qg_json_get(j, "a");
	assert_int_equal(qg_json_size(a), 2);
	assert_true(qg_json_number(qg_json_get(qg_json_at(a, 1), "k")) == 3);
	assert_null(qg_json_at(a, 2));
	for (m = qg_json_first(j); m; m = qg_json_next(m))
		n++;
	assert_int_equal(n, 5);
	assert_string_equal(qg_json_key(qg_json_first(j)), "s");
	assert_string_equal(qg_json_type_name(qg_json_type(a)), "array");
	qg_json_remove(j, "s");
	assert_null(qg_json_get(j, "s"));
	qg_json_free(j);
}

static void expect_parse_error(const char *text, const char *want_pos, const char *want_expect)
{
	struct qg_json *j = (struct qg_json *)1;

	assert_int_equal(qg_json_parse(&j, text, strlen(text), "cfg.json"), QG_EPARSE);
	assert_null(j);
	if (!strstr(qg_error_last(), want_pos) || !strstr(qg_error_last(), want_expect))
		fail_msg("for %s got: %s (want %s / %s)", text, qg_error_last(), want_pos, want_expect);
}

static void test_json_parse_errors_located(void **state)
{
	expect_parse_error("{\"a\": [1, 2,, 3]}", "'cfg.json':1:13:", "expected a value");
	expect_parse_error("{\"a\" 1}", "'cfg.json':1:6:", "expected ':'");
	expect_parse_error("{\"a\": 1} x", "'cfg.json':1:10:", "expected end of input");
	expect_parse_error("{\n  \"a\": 1,\n  \"b\": 2\n", "'cfg.json':4:1:", "end of input");
	expect_parse_error("[1 2]", "'cfg.json':1:", "expected ',' or ']'");
	expect_parse_error("{\"a\": 1 \"b\": 2}", "'cfg.json':1:", "expected ',' or '}'");
	expect_parse_error("{,}", "'cfg.json':1:", "a string key");
	expect_parse_error("", "'cfg.json':1:1:", "found end of input");
}

/* A NUL byte inside a literal used to make the error locator loop forever. */
static void test_json_parse_error_with_nul_byte(void **state)
{
	static const char text[] = { '{', '"', 'a', '"', ':', '1', '\0', '2', ',', '}', '\0' };
	struct qg_json *j = NULL;

	assert_int_equal(qg_json_parse(&j, text, sizeof(text) - 1, "nul.json"), QG_EPARSE);
	assert_null(j);
	assert_non_null(strstr(qg_error_last(), "'nul.json':1:"));
}

/* cJSON reads 1e999 as an infinity and keeps both members of a repeated key
 * (qg_json_get() saw the first): both are refused where they are written. */
static void test_json_non_finite_number_refused(void **state)
{
	expect_parse_error("{\"accuracy\": 0.9,\n \"f1\": 1e999}", "'cfg.json':2:8:", "number 1e999 is out of range");
	expect_parse_error("[1, -1E400]", "'cfg.json':1:5:", "expected a finite number");
	expect_parse_error("{\"a\": [{\"b\": [0, 2e308]}]}", "'cfg.json':1:18:", "number 2e308");
	/* after a byte-order mark and around whitespace cJSON skips */
	expect_parse_error("\xEF\xBB\xBF\r\n\t[ 1e999 ]", "'cfg.json':2:4:", "out of range");
}

static void test_json_finite_extremes_accepted(void **state)
{
	static const char text[] = "{\"max\": 1.7976931348623157e308, \"tiny\": 5e-324, \"under\": 1e-999, "
				   "\"a\": {\"x\": 1}, \"b\": {\"x\": 2}, \"A\": 3, \"s\": \"a\\\"b\", \"t\": \"a\\\\\"}";
	struct qg_json *j = NULL;

	assert_int_equal(qg_json_parse(&j, text, strlen(text), "ok.json"), 0);
	assert_true(qg_json_number(qg_json_get(j, "max")) > 1e308);
	assert_true(qg_json_number(qg_json_get(j, "under")) == 0);
	assert_string_equal(qg_json_string(qg_json_get(j, "t")), "a\\");
	qg_json_free(j);
}

static void test_json_duplicate_key_refused(void **state)
{
	expect_parse_error("{\"accuracy\": 0.9,\n \"accuracy\": 0.1}", "'cfg.json':2:2:", "duplicate key \"accuracy\" (first at 1:2)");
	/* nested, and the same key written with an escape */
	expect_parse_error("{\"m\": {\"x\": 1, \"y\": 2,\n\"\\u0078\": 3}}", "'cfg.json':2:1:", "(first at 1:8)");
	/* the first repeat in the text is the one named */
	expect_parse_error("{\"b\":1,\"a\":1,\"a\":2,\"b\":2}", "'cfg.json':1:14:", "duplicate key \"a\"");
	expect_parse_error("[{\"k\":1}, {\"k\":1, \"k\":[]}]", "'cfg.json':1:19:", "expected each key once");
}

static void test_json_duplicate_key_in_file(void **state)
{
	char path[] = "/tmp/qg-test-json-XXXXXX";
	int fd = mkstemp(path);
	struct qg_json *j = NULL;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"k\": 1, \"k\": 2}\n", 17), 17);
	close(fd);
	assert_int_equal(qg_json_parse_file(&j, path), QG_EPARSE);
	assert_null(j);
	assert_non_null(strstr(qg_error_last(), ":1:10: duplicate key"));
	assert_non_null(strstr(qg_error_last(), path));
	unlink(path);
}

static void test_json_parse_file_errors(void **state)
{
	struct qg_json *j;

	assert_int_equal(qg_json_parse_file(&j, "/nonexistent/q.json"), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "/nonexistent/q.json"));
}

static void test_json_dup_and_attach(void **state)
{
	struct qg_json *o = qg_json_new_object(), *sub = qg_json_new_object(), *d;
	char *s;

	qg_json_add_number(sub, "x", 1);
	assert_int_equal(qg_json_attach(o, "sub", sub), 0);
	d = qg_json_dup(qg_json_get(o, "sub")); /* a member copied becomes a root */
	assert_non_null(d);
	qg_json_add_number(d, "y", 2);
	assert_int_equal(qg_json_attach(o, "copy", d), 0);
	s = print(o, 0);
	assert_string_equal(s, "{\"sub\":{\"x\":1},\"copy\":{\"x\":1,\"y\":2}}");
	free(s);
	/* attaching to a non-container fails and leaves ownership with the caller */
	d = qg_json_new_array();
	assert_true(qg_json_attach((struct qg_json *)qg_json_get(qg_json_get(o, "sub"), "x"), "k", d) < 0);
	assert_null(qg_json_add_number(o, NULL, 1)); /* object member without a key */
	qg_json_free(d);
	qg_json_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_number_printing),
		cmocka_unit_test(test_json_shortest_round_trip),
		cmocka_unit_test(test_json_pretty_and_order),
		cmocka_unit_test(test_json_string_escaping),
		cmocka_unit_test(test_json_parse_and_read),
		cmocka_unit_test(test_json_parse_errors_located),
		cmocka_unit_test(test_json_parse_error_with_nul_byte),
		cmocka_unit_test(test_json_non_finite_number_refused),
		cmocka_unit_test(test_json_finite_extremes_accepted),
		cmocka_unit_test(test_json_duplicate_key_refused),
		cmocka_unit_test(test_json_duplicate_key_in_file),
		cmocka_unit_test(test_json_parse_file_errors),
		cmocka_unit_test(test_json_dup_and_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
