/* test_result_write.c -- the streaming result writers, whatever their chunk size
 *
 * qg_result_write_json() flushing every 1, 7, 4096 or 64 Ki bytes must write
 * exactly what it renders into one buffer (qg_result_to_json(), which was a
 * separate cJSON tree writer until this writer had matched it byte for byte
 * on these cases), and qg_junit_write_sink() what qg_junit_write() does:
 * redaction and escaping may not depend on where chunks end. On results holding every
 * kind of member (values, locations, nested details, repeated keys from a
 * parsed document, secrets, long strings with secrets across many lines,
 * invalid UTF-8, control characters, deep nesting, a gate-level error).
 */
#include "qgate/common.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/junit.h"
#include "qgate/report.h"
#include "qgate/result.h"

struct collect {
	struct qg_buf all;
	size_t calls;
	size_t fail_at; /* 0: never; else the call that fails */
};

static int collect_flush(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	if (c->fail_at && ++c->calls >= c->fail_at)
		return qg_error(QG_EIO, "'out.json': cannot write: No space left on device");
	return qg_buf_add(&c->all, data, len);
}

/* The streamed JSON of r with a sink flushing every `chunk` bytes, equal to
 * the one-buffer render. */
static void assert_same_json(const struct qg_result *r, size_t chunk)
{
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT), part = QG_BUF_INIT(QG_CAP_REPORT);
	struct collect c = { QG_BUF_INIT(QG_CAP_REPORT), 0, 0 };
	struct qg_sink sink = { &part, chunk, collect_flush, &c };

	assert_int_equal(qg_result_to_json(&want, r), 0);
	assert_int_equal(qg_result_write_json(&sink, r), 0);
	assert_int_equal(part.len, 0); /* everything handed on */
	if (c.all.len != want.len || memcmp(c.all.buf, want.buf, want.len)) {
		size_t i = 0;

		while (i < want.len && i < c.all.len && want.buf[i] == c.all.buf[i])
			i++;
		fail_msg("chunk %zu: differ at byte %zu (want %zu bytes, got %zu):\nwant: %.80s\ngot:  %.80s", chunk, i,
			 want.len, c.all.len, want.buf + (i > 20 ? i - 20 : 0), c.all.buf + (i > 20 ? i - 20 : 0));
	}
	qg_buf_release(&want);
	qg_buf_release(&part);
	qg_buf_release(&c.all);
}

static void assert_same_junit(const struct qg_result *r, size_t chunk)
{
	const struct qg_result *one[1] = { r };
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT), part = QG_BUF_INIT(QG_CAP_REPORT);
	struct collect c = { QG_BUF_INIT(QG_CAP_REPORT), 0, 0 };
	struct qg_sink sink = { &part, chunk, collect_flush, &c };

	assert_int_equal(qg_junit_write(&want, one, 1), 0);
	assert_int_equal(qg_junit_write_sink(&sink, one, 1), 0);
	assert_int_equal(part.len, 0);
	assert_int_equal(c.all.len, want.len);
	assert_memory_equal(c.all.buf, want.buf, want.len);
	qg_buf_release(&want);
	qg_buf_release(&part);
	qg_buf_release(&c.all);
}

static void assert_same_everywhere(const struct qg_result *r)
{
	static const size_t chunks[] = { 1, 7, 4096, 0 };

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		assert_same_json(r, chunks[i]);
		assert_same_junit(r, chunks[i]);
	}
}

/* A long text: many lines, some holding secrets (a key=value, a token, a
 * URL's userinfo, a header), tabs, invalid UTF-8, a control character. */
static char *long_text(size_t lines)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int err = 0;

	for (size_t i = 0; !err && i < lines; i++) {
		switch (i % 9) {
		case 0:
			err = qg_buf_addf(&b, "p\t%zu\tpkg.Class%zu.test_%zu\t\n", i % 1000, i % 13, i);
			break;
		case 1:
			err = qg_buf_addf(&b, "s\t-\ttest_%zu\tneeds password=hunter%zu here\n", i, i);
			break;
		case 2:
			err = qg_buf_addf(&b, "f\t3\tt%zu\tfetch https://user:pw%zu@example.com/x failed\n", i, i);
			break;
		case 3:
			err = qg_buf_addf(&b, "e\t1\tt%zu\tAuthorization: Bearer abcdefghijklmnop%zu\n", i, i);
			break;
		case 4:
			err = qg_buf_addf(&b, "p\t2\tghp_%s%zu\t\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i);
			break;
		case 5:
			err = qg_buf_addf(&b, "p\t2\tAKIA" "IOSFODNN7EXAMPLE\tbad \xff\xfe utf-8 \x01 ctl\n");
			break;
		case 6:
			err = qg_buf_addf(&b, "c\tclass \"quoted\" \\ back\\\\slash.\n");
			break;
		case 7:
			err = qg_buf_addf(&b, "p\t1\tunicode \xc3\xa9\xe2\x82\xac %zu\tkey: %s\n", i,
					  "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd");
			break;
		default:
			err = qg_buf_addf(&b, "p\t-\tplain_%zu\tsecret_token=s3cr3t%zu\n", i, i);
			break;
		}
	}
	assert_int_equal(err, 0);
	return qg_buf_detach(&b, NULL);
}

static void fill_rich(struct qg_result *r)
{
	struct qg_check *c;
	struct qg_json *d, *o, *a, *parsed = NULL;
	static const char doc[] = "{\"b\": 1, \"a\": {\"x\": 1, \"y\": \"two\"}, \"c\": \"last password=pw\", "
				  "\"message\": \"hidden\", \"z\": [1, 2.5, null, true, false, \"AKIA" "IOSFODNN7EXAMPLE\"]}";
	char *text = long_text(9000);

	assert_int_equal(qg_result_set_command(r, "run"), 0);
	r->started_at_ms = 1765000000123LL;
	r->duration_ms = 4321;
	r->subject.in_repo = 1;
	memcpy(r->subject.commit, "0123456789abcdef0123456789abcdef01234567", 41);
	r->subject.ref = qg_strdup("refs/heads/main");
	r->subject.dirty = 1;
	assert_int_equal(qg_result_add_artifact(r, "https://u:p@host/x.csv?X-Amz-Signature=abc&y=1"), 0);
	assert_int_equal(qg_result_add_artifact(r, "-"), 0);

	c = qg_result_add_check(r, "a.pass", QG_STATUS_PASS, "fine, token=abcdef123456");
	qg_check_observed_number(c, 0.1);
	qg_check_expected_number(c, NAN);
	c = qg_result_add_check(r, "b.fail", QG_STATUS_FAIL, "bad \"quote\" <xml> & \t tab\nline");
	qg_check_set_count(c, 12345678901LL);
	assert_int_equal(qg_check_observed_string(c, "password=pw \xff"), 0);
	assert_int_equal(qg_check_expected_string(c, ">= %d", 3), 0);
	for (int i = 0; i < 12; i++)
		assert_true(qg_check_add_location(c, i % 2 ? "f.py" : NULL, i, i % 3, i % 4 ? "at %d" : NULL, i) >= 0);
	c = qg_result_add_check(r, "c.skip", QG_STATUS_SKIP, NULL);
	c->observed.kind = QG_VALUE_BOOL;
	c->observed.boolean = 1;
	c = qg_result_add_check(r, "d.error", QG_STATUS_ERROR, "broke");
	d = qg_check_details(c);
	assert_non_null(qg_json_add_number(d, "duration_ms", 1500));
	assert_non_null(qg_json_add_bool(d, "flaky", 1));
	a = qg_json_add_array(d, "failed_attempts");
	assert_non_null(qg_json_add_string(a, NULL, "attempt one\nsecond line password=x"));
	assert_non_null(qg_json_add_number(d, "attempts", 3));
	o = qg_json_add_object(d, "nested");
	for (int i = 0; i < 40; i++) { /* deep */
		o = qg_json_add_object(o, "in");
		assert_non_null(o);
	}
	assert_non_null(qg_json_add_array(d, "empty_array"));
	assert_non_null(qg_json_add_object(d, "empty_object"));
	assert_non_null(qg_json_add_number(d, "big", 1e300));
	assert_non_null(qg_json_add_number(d, "neg", -0.0));
	assert_non_null(qg_json_add_number(d, "inf", INFINITY));
	/* a parsed document, with a member the check's own keys hide */
	assert_int_equal(qg_json_parse(&parsed, doc, strlen(doc), "doc"), 0);
	assert_int_equal(qg_json_attach(d, "parsed", parsed), 0);
	c = qg_result_add_check(r, "tests.passed", QG_STATUS_PASS, "many");
	d = qg_check_details(c);
	assert_non_null(qg_json_add_number(d, "passed", 9000));
	assert_non_null(qg_json_add_string(d, "cases", text));
	free(text);
	/* a wide details object, and members named like the check's own */
	c = qg_result_add_check(r, "e.wide", QG_STATUS_PASS, "wide");
	{
		struct qg_buf w = QG_BUF_INIT(QG_CAP_MESSAGE);
		struct qg_json *wide = NULL;

		assert_int_equal(qg_buf_addch(&w, '{'), 0);
		for (int i = 0; i < 40; i++)
			assert_int_equal(qg_buf_addf(&w, "%s\"k%d\": %d", i ? ", " : "", i, i), 0);
		assert_int_equal(qg_buf_addch(&w, '}'), 0);
		assert_int_equal(qg_json_parse(&wide, w.buf, w.len, "wide"), 0);
		assert_int_equal(qg_json_attach(qg_check_details(c), "wide", wide), 0);
		assert_non_null(qg_json_add_string(qg_check_details(c), "message", "hidden by the check's own"));
		assert_non_null(qg_json_add_number(qg_check_details(c), "after", 1));
		qg_buf_release(&w);
	}
	assert_non_null(qg_json_add_number(r->metrics, "tests", 9000));
	assert_non_null(qg_json_add_string(r->metrics, "where", "s3://b/k?X-Amz-Credential=AKIA" "IOSFODNN7EXAMPLE"));
	r->invocation = qg_json_new_object();
	assert_non_null(qg_json_add_null(r->invocation, "shard"));
	assert_non_null(qg_json_add_string(r->invocation, "fingerprint", "sha256:00"));
	assert_int_equal(qg_result_add_markdown(r, "**md** password=pw\n"), 0);
}

static void test_result_write_rich_equals_tree(void **state)
{
	struct qg_result r;

	(void)state;
	assert_int_equal(qg_result_init(&r, "test", "0.1.0"), 0);
	fill_rich(&r);
	assert_same_everywhere(&r);
	/* the same document read back (strings from a file, as merge has them) */
	{
		struct qg_buf j = QG_BUF_INIT(QG_CAP_REPORT);
		struct qg_result back;

		assert_int_equal(qg_result_to_json(&j, &r), 0);
		assert_int_equal(qg_result_from_json(&back, j.buf, j.len, "r.json"), 0);
		assert_same_everywhere(&back);
		qg_result_release(&back);
		qg_buf_release(&j);
	}
	qg_result_release(&r);
}

static void test_result_write_error_and_empty(void **state)
{
	struct qg_result r;

	(void)state;
	assert_int_equal(qg_result_init(&r, "data", "0.1.0"), 0);
	assert_same_everywhere(&r); /* no check: an error document */
	qg_result_set_error(&r, QG_EXIT_USAGE, "'x.csv': bad --flag password=pw\nsecond line");
	assert_same_everywhere(&r);
	qg_json_free(r.metrics);
	r.metrics = NULL; /* metrics missing: {} */
	assert_same_everywhere(&r);
	qg_result_release(&r);
}

/* A string longer than a chunk is redacted a run of lines at a time: the
 * same as whole, with secrets on every line and lines of every length,
 * one longer than a chunk among them. */
static void test_result_write_long_string_redacted_by_lines(void **state)
{
	struct qg_result r;
	struct qg_buf t = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_check *c;

	(void)state;
	assert_int_equal(qg_result_init(&r, "test", "0.1.0"), 0);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(qg_buf_addf(&t, "%*s password=x%d Bearer abcdefghij%d ://u:p@h/ AKIA" "IOSFODNN7EXAMPLE\n",
					     i % 50, "", i, i), 0);
	for (int i = 0; i < 70000; i++) /* one line longer than a chunk */
		assert_int_equal(qg_buf_addstr(&t, i % 1000 ? "x" : " token=abc "), 0);
	assert_int_equal(qg_buf_addstr(&t, "\nlast line without newline ghp_aaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	c = qg_result_add_check(&r, "big", QG_STATUS_FAIL, "%s", t.buf);
	assert_non_null(qg_json_add_string(qg_check_details(c), "text", t.buf));
	assert_same_json(&r, 0);
	assert_same_json(&r, 100);
	qg_buf_release(&t);
	qg_result_release(&r);
}

/* A flush that fails: its error comes back, nothing claims success. */
static void test_result_write_flush_error_returned(void **state)
{
	struct qg_result r;
	struct qg_buf part = QG_BUF_INIT(QG_CAP_REPORT);
	struct collect c = { QG_BUF_INIT(QG_CAP_REPORT), 0, 2 };
	struct qg_sink sink = { &part, 1, collect_flush, &c };
	const struct qg_result *one[1] = { &r };

	(void)state;
	assert_int_equal(qg_result_init(&r, "test", "0.1.0"), 0);
	fill_rich(&r);
	assert_int_equal(qg_result_write_json(&sink, &r), QG_EIO);
	assert_non_null(strstr(qg_error_last(), "No space left"));
	c.calls = 0;
	qg_buf_reset(&part);
	assert_int_equal(qg_junit_write_sink(&sink, one, 1), QG_EIO);
	qg_buf_release(&part);
	qg_buf_release(&c.all);
	qg_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_write_rich_equals_tree),
		cmocka_unit_test(test_result_write_error_and_empty),
		cmocka_unit_test(test_result_write_long_string_redacted_by_lines),
		cmocka_unit_test(test_result_write_flush_error_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
