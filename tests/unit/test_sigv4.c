/* test_sigv4.c -- the AWS SigV4 signer against AWS's published S3 examples
 *
 * The four examples of the S3 "Signature Calculations for the Authorization
 * Header" page: GET Object with a Range header, PUT Object with a body and
 * extra headers, GET Bucket lifecycle (?lifecycle) and GET Bucket with query
 * parameters (given out of order here, so the sort is exercised).
 */
#include "qgate/common.h"
#include "qgate/sigv4.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define EX_KEY "AKIAIOSFODNN7EXAMPLE"
#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EX_TIME ((time_t)1369353600) /* 2013-05-24T00:00:00Z */
#define CRED "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"

static const struct qg_sigv4_key ex_key = { EX_KEY, EX_SECRET, NULL, "us-east-1", "s3" };

static const char *find_header(const struct qg_strvec *v, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < v->nr; i++)
		if (!strncasecmp(v->v[i], name, n) && v->v[i][n] == ':')
			return v->v[i] + n + 2;
	return NULL;
}

static void test_sigv4_get_object(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	const char *hdrs[] = { "Range: bytes=0-9", NULL };

	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "GET", "https://examplebucket.s3.amazonaws.com/test.txt",
				       hdrs, QG_SIGV4_EMPTY_SHA256, EX_TIME),
			 0);
	assert_string_equal(find_header(&out, "Authorization"),
			    CRED "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
				 "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	assert_string_equal(find_header(&out, "x-amz-date"), "20130524T000000Z");
	assert_string_equal(find_header(&out, "x-amz-content-sha256"), QG_SIGV4_EMPTY_SHA256);
	assert_string_equal(find_header(&out, "Range"), "bytes=0-9");
	assert_null(find_header(&out, "x-amz-security-token"));
	/* the secret is never part of what is sent */
	for (size_t i = 0; i < out.nr; i++)
		assert_null(strstr(out.v[i], EX_SECRET));
	qg_strvec_clear(&out);
}

static void test_sigv4_put_object(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	struct qg_buf url = QG_BUF_INIT(QG_CAP_REPORT);
	const char *hdrs[] = { "Date: Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class: REDUCED_REDUNDANCY",
			       NULL };
	const char *body = "Welcome to Amazon S3.";
	char sha[65];

	assert_int_equal(qg_sigv4_sha256_hex(sha, body, strlen(body)), 0);
	assert_string_equal(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	assert_int_equal(qg_buf_addstr(&url, "https://examplebucket.s3.amazonaws.com/"), 0);
	assert_int_equal(qg_sigv4_uri_encode(&url, "test$file.text", 1), 0);
	assert_string_equal(url.buf, "https://examplebucket.s3.amazonaws.com/test%24file.text");
	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "PUT", url.buf, hdrs, sha, EX_TIME), 0);
	assert_string_equal(find_header(&out, "Authorization"),
			    CRED "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
				 "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	qg_strvec_clear(&out);
	qg_buf_release(&url);
}

static void test_sigv4_lifecycle_and_list(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;

	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "GET", "https://examplebucket.s3.amazonaws.com/?lifecycle",
				       NULL, QG_SIGV4_EMPTY_SHA256, EX_TIME),
			 0);
	assert_string_equal(find_header(&out, "Authorization"),
			    CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
				 "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	qg_strvec_clear(&out);

	/* the port 443 is the default and is not part of the signed host */
	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "GET",
				       "https://examplebucket.s3.amazonaws.com:443?prefix=J&max-keys=2", NULL,
				       QG_SIGV4_EMPTY_SHA256, EX_TIME),
			 0);
	assert_string_equal(find_header(&out, "Authorization"),
			    CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
				 "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	qg_strvec_clear(&out);
}

static void test_sigv4_session_token_and_wrong_secret(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;
	struct qg_sigv4_key k = ex_key;
	const char *hdrs[] = { "Range: bytes=0-9", NULL };

	k.session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
	assert_int_equal(qg_sigv4_sign(&out, &k, "GET", "https://examplebucket.s3.amazonaws.com/test.txt", hdrs,
				       QG_SIGV4_EMPTY_SHA256, EX_TIME),
			 0);
	assert_string_equal(find_header(&out, "x-amz-security-token"), "FQoGZXIvYXdzEXAMPLETOKEN");
	assert_non_null(strstr(find_header(&out, "Authorization"),
			       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
	qg_strvec_clear(&out);

	/* a different secret gives a different signature */
	k.session_token = NULL;
	k.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ";
	assert_int_equal(qg_sigv4_sign(&out, &k, "GET", "https://examplebucket.s3.amazonaws.com/test.txt", hdrs,
				       QG_SIGV4_EMPTY_SHA256, EX_TIME),
			 0);
	assert_null(strstr(find_header(&out, "Authorization"),
			   "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
	qg_strvec_clear(&out);
}

static void test_sigv4_uri_encode(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_sigv4_uri_encode(&b, "a b/c+d~e_f.g-h/\xc3\xa9*", 1), 0);
	assert_string_equal(b.buf, "a%20b/c%2Bd~e_f.g-h/%C3%A9%2A");
	qg_buf_reset(&b);
	assert_int_equal(qg_sigv4_uri_encode(&b, "x/y=z&", 0), 0);
	assert_string_equal(b.buf, "x%2Fy%3Dz%26");
	qg_buf_release(&b);
}

static void test_sigv4_bad_url(void **state)
{
	struct qg_strvec out = QG_STRVEC_INIT;

	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "GET", "no-scheme/x", NULL, NULL, EX_TIME), QG_EUSAGE);
	assert_int_equal(qg_sigv4_sign(&out, &ex_key, "GET", "https:///x", NULL, NULL, EX_TIME), QG_EUSAGE);
	assert_int_equal(out.nr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigv4_get_object),
		cmocka_unit_test(test_sigv4_put_object),
		cmocka_unit_test(test_sigv4_lifecycle_and_list),
		cmocka_unit_test(test_sigv4_session_token_and_wrong_secret),
		cmocka_unit_test(test_sigv4_uri_encode),
		cmocka_unit_test(test_sigv4_bad_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
