/* test_redact.c -- qg_redact, qg_redact_value and qg_redact_url: each form
 * of secret named in redact.h, the words that must stay, idempotence */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/redact.h"

static void expect_redacted(const char *in, const char *want)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_redact(&b, in), 0);
	if (strcmp(b.buf, want))
		fail_msg("redact(%s) = '%s', want '%s'", in, b.buf, want);
	qg_buf_reset(&b);
	/* redacting the redacted text changes nothing */
	assert_int_equal(qg_redact(&b, want), 0);
	if (strcmp(b.buf, want))
		fail_msg("redact(redact(%s)) = '%s', want '%s'", in, b.buf, want);
	qg_buf_release(&b);
}

static void test_redact_keys_and_tokens(void **state)
{
	expect_redacted("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED] used");
	expect_redacted("ASIAIOSFODNN7EXAMPLE", "[REDACTED]");
	expect_redacted("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			"aws_secret_access_key=[REDACTED]");
	expect_redacted("secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!", "secret: [REDACTED]!");
	expect_redacted("url?password=hunter2&x=1", "url?password=[REDACTED]&x=1");
	expect_redacted("GITHUB_TOKEN=ghp_abc TOKEN='s3cr3t'", "GITHUB_TOKEN=[REDACTED] TOKEN='[REDACTED]'");
	expect_redacted("token ghp_0123456789abcdefghijABCDEFGHIJ0123 here", "token [REDACTED] here");
}

static void test_redact_url_userinfo(void **state)
{
	/* the whole userinfo goes: the user is often the token */
	expect_redacted("https://user:pa55@registry.example.com/v2/", "https://[REDACTED]@registry.example.com/v2/");
	expect_redacted("cannot fetch 'http://bob:s3cr3t%40x@127.0.0.1:9000/b/k.csv': 404",
			"cannot fetch 'http://[REDACTED]@127.0.0.1:9000/b/k.csv': 404");
	expect_redacted("https://0123456789abcdef0123@github.com/o/r.git", "https://[REDACTED]@github.com/o/r.git");
	expect_redacted("ssh://git@github.com/o/r.git", "ssh://[REDACTED]@github.com/o/r.git");
	/* the last '@' of the authority ends it (a password holding '@') */
	expect_redacted("http://u:p@ss@h/x", "http://[REDACTED]@h/x");
	/* a password with characters that end a word elsewhere */
	expect_redacted("http://u:p'a\"s<s>@h/x", "http://[REDACTED]@h/x");
	/* an '@' after the authority is not userinfo */
	expect_redacted("https://h/p/a@b.csv", "https://h/p/a@b.csv");
	expect_redacted("https://h?mail=a@b", "https://h?mail=a@b");
	expect_redacted("https://h#x@y", "https://h#x@y");
	expect_redacted("see https://h/x and mail a@b", "see https://h/x and mail a@b");
	/* an empty userinfo, and the redacted form itself */
	expect_redacted("http://@h/x", "http://@h/x");
	expect_redacted("s3://bucket/key.csv", "s3://bucket/key.csv");
}

static void test_redact_presigned_query(void **state)
{
	expect_redacted("GET https://b.s3.amazonaws.com/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
			"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
			"&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
			"&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F&X-Amz-Signature="
			"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 failed",
			"GET https://b.s3.amazonaws.com/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
			"&X-Amz-Credential=[REDACTED]"
			"&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
			"&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED] failed");
	/* Azure SAS and Google signed URLs, AWS query auth v2 */
	expect_redacted("https://a.blob.core.windows.net/c/x.csv?sv=2022-11-02&sp=r&sig=abc%2Bdef%3D",
			"https://a.blob.core.windows.net/c/x.csv?sv=2022-11-02&sp=r&sig=[REDACTED]");
	expect_redacted("x.csv?X-Goog-Signature=0a1b2c&X-Goog-Credential=sa%40p.iam",
			"x.csv?X-Goog-Signature=[REDACTED]&X-Goog-Credential=[REDACTED]");
	expect_redacted("k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=vjbyPxybdZ%2B",
			"k?AWSAccessKeyId=[REDACTED]&Expires=1&Signature=[REDACTED]");
	expect_redacted("https://h/p?access_token=abc.def", "https://h/p?access_token=[REDACTED]");
}

static void test_redact_authorization_header(void **state)
{
	expect_redacted("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: [REDACTED]");
	/* SigV4: the whole value, signature included, not only the credential */
	expect_redacted("Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
			"aws4_request, SignedHeaders=host;x-amz-date, Signature="
			"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404\nnext line",
			"Authorization: [REDACTED]\nnext line");
	expect_redacted("authorization:token abc123", "authorization:[REDACTED]");
	expect_redacted("Authorization: Basic dXNlcjpwYXNz", "Authorization: [REDACTED]");
	expect_redacted("Authorization: Digest username=\"u\", response=\"6629fae4\"\r\nHost: h",
			"Authorization: [REDACTED]\r\nHost: h");
	expect_redacted("Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: [REDACTED]");
	expect_redacted("x-amz-security-token: FwoGZXIvYXdzEBY x-amz-date: 20240101T000000Z",
			"x-amz-security-token: [REDACTED] x-amz-date: 20240101T000000Z");
	expect_redacted("Cookie: session=abc; theme=dark", "Cookie: [REDACTED]");
	/* a Bearer credential outside a header */
	expect_redacted("sent Bearer abcdefghijklmnop123 twice", "sent Bearer [REDACTED] twice");
}

static void test_redact_leaves_ordinary_text(void **state)
{
	expect_redacted("commit=0123456789abcdef0123456789abcdef01234567",
			"commit=0123456789abcdef0123456789abcdef01234567");
	expect_redacted("'train.csv':17:3: value 130 above maximum 120", "'train.csv':17:3: value 130 above maximum 120");
	expect_redacted("tokens=5 passed", "tokens=5 passed");
	expect_redacted("AKIA is a prefix", "AKIA is a prefix");
	expect_redacted("design=a signal=2 sigma=0.5", "design=a signal=2 sigma=0.5");
	expect_redacted("authorization failed: HTTP 403", "authorization failed: HTTP 403");
	expect_redacted("", "");
}

static void test_redact_value(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addstr(&b, "<Msg>key s3cr3tVALUE and s3cr3tVALUE again</Msg>"), 0);
	assert_int_equal(qg_redact_value(&b, "s3cr3tVALUE"), 0);
	assert_string_equal(b.buf, "<Msg>key [REDACTED] and [REDACTED] again</Msg>");
	assert_int_equal(b.len, strlen(b.buf));
	/* short values would hit ordinary text: left alone */
	assert_int_equal(qg_redact_value(&b, "key"), 0);
	assert_int_equal(qg_redact_value(&b, NULL), 0);
	assert_string_equal(b.buf, "<Msg>key [REDACTED] and [REDACTED] again</Msg>");
	/* a value longer than the mask, and one that the mask itself contains */
	qg_buf_reset(&b);
	assert_int_equal(qg_buf_addstr(&b, "x=abcdefghijklmnopqrstuvwxyz;"), 0);
	assert_int_equal(qg_redact_value(&b, "abcdefghijklmnopqrstuvwxyz"), 0);
	assert_string_equal(b.buf, "x=[REDACTED];");
	assert_int_equal(qg_redact_value(&b, "REDACTED"), 0);
	assert_string_equal(b.buf, "x=[[REDACTED]];");
	qg_buf_release(&b);
}

static void expect_url(const char *in, const char *want)
{
	char *got = qg_redact_url(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* qg_redact_url is qg_redact on a URL: one form in messages and reports,
 * which still names the file (scheme, host, port, path, harmless query). */
static void test_redact_url_form(void **state)
{
	/* a secret value runs to '&' or a space: a '#' after it goes too (in
	 * text outside URLs a password may hold one) */
	expect_url("https://user:pw@host:8443/a/b.csv?X-Amz-Signature=abc#f",
		   "https://[REDACTED]@host:8443/a/b.csv?X-Amz-Signature=[REDACTED]");
	expect_url("https://tok@host/a", "https://[REDACTED]@host/a");
	expect_url("s3://bucket/key.csv", "s3://bucket/key.csv");
	expect_url("http://h/p#frag", "http://h/p#frag");
	expect_url("plain/path?x", "plain/path?x");
	expect_url("", "");
	/* every secret query value, the harmless ones kept in place */
	expect_url("https://b.s3.amazonaws.com/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
		   "%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600"
		   "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=IQoJb3&X-Amz-Signature=aeeed9bb&part=3",
		   "https://b.s3.amazonaws.com/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]"
		   "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600"
		   "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=[REDACTED]&X-Amz-Signature=[REDACTED]&part=3");
	expect_url("https://h/p?token=a&sig=b&auth=d&jwt=f&access_token=h&api_key=i&password=j&apiKey=k",
		   "https://h/p?token=[REDACTED]&sig=[REDACTED]&auth=[REDACTED]"
		   "&jwt=[REDACTED]&access_token=[REDACTED]&api_key=[REDACTED]&password=[REDACTED]&apiKey=[REDACTED]");
	/* a Google API key by its shape; `key` and `policy` name columns too */
	expect_url("https://maps.googleapis.com/x?key=AIzaSyA1234567890abcdefghijklmnopqrstuv&q=1",
		   "https://maps.googleapis.com/x?key=[REDACTED]&q=1");
	expect_redacted("accuracy@key=eu below 0.9, policy=gold", "accuracy@key=eu below 0.9, policy=gold");
	/* a secret value that is empty, the first parameter, a fragment */
	expect_url("https://h/p?sig=&x=1", "https://h/p?sig=&x=1");
	expect_url("https://h/p#access_token=abc&x=1", "https://h/p#access_token=[REDACTED]&x=1");
	/* two files differing by path or a harmless parameter stay apart;
	 * differing only by secrets, they are one file */
	expect_url("https://u:p@h/a.csv?part=1&sig=x", "https://[REDACTED]@h/a.csv?part=1&sig=[REDACTED]");
	expect_url("https://u:q@h/a.csv?part=2&sig=y", "https://[REDACTED]@h/a.csv?part=2&sig=[REDACTED]");
	/* idempotent */
	expect_url("https://[REDACTED]@h/a.csv?sig=[REDACTED]", "https://[REDACTED]@h/a.csv?sig=[REDACTED]");
}

/* an error body echoing what the request sent: the URL's own secrets go,
 * as written, decoded and as a Basic credential; other words stay */
static void test_redact_url_secrets(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_addstr(&b, "user alice pass p@ss w0rd! cred YWxpY2U6cEBzcyB3MHJkIQ== "
					 "sig SIGVALUE99 tok tok/en+1 part 1234 ok"), 0);
	assert_int_equal(qg_redact_url_secrets(&b, "https://alice:p%40ss%20w0rd%21@h/x.csv?X-Amz-Signature=SIGVALUE99"
						   "&token=tok%2Fen%2B1&part=1234#frag"), 0);
	assert_string_equal(b.buf, "user [REDACTED] pass [REDACTED] cred [REDACTED] sig [REDACTED] tok [REDACTED] "
				   "part 1234 ok");
	/* no userinfo, no query, short values, NULL: nothing to mask */
	qg_buf_reset(&b);
	assert_int_equal(qg_buf_addstr(&b, "a b abc"), 0);
	assert_int_equal(qg_redact_url_secrets(&b, "https://a:b@h/p?sig=abc"), 0);
	assert_int_equal(qg_redact_url_secrets(&b, "plain/path"), 0);
	assert_int_equal(qg_redact_url_secrets(&b, NULL), 0);
	assert_string_equal(b.buf, "a b abc");
	qg_buf_release(&b);
}

static void test_redact_dup(void **state)
{
	char *s = qg_redact_dup("http://a:b@h/x?token=t");

	assert_non_null(s);
	assert_string_equal(s, "http://[REDACTED]@h/x?token=[REDACTED]");
	free(s);
	s = qg_redact_dup(NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_keys_and_tokens),
		cmocka_unit_test(test_redact_url_userinfo),
		cmocka_unit_test(test_redact_presigned_query),
		cmocka_unit_test(test_redact_authorization_header),
		cmocka_unit_test(test_redact_leaves_ordinary_text),
		cmocka_unit_test(test_redact_value),
		cmocka_unit_test(test_redact_url_form),
		cmocka_unit_test(test_redact_dup),
		cmocka_unit_test(test_redact_url_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
