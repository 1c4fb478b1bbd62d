/* test_deploy_ref.c -- qgate-deploy's TARGET[:TAG|@sha256:HEX] references (gates/deploy/ref.c)
 *
 * Every spelling a user may type: the three schemes with and without a tag or
 * digest, ports that are not tags, layout folders holding ':', and the malformed
 * ones that must be usage errors (exit 2) naming what was expected.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "deploy/deploy.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_deploy_ref_layout(void **state)
{
	struct dp_ref r;

	(void)state;
	assert_int_equal(dp_ref_parse(&r, "oci-layout:/tmp/x:v1", 1), 0);
	assert_int_equal(r.kind, DP_LAYOUT);
	assert_string_equal(r.dir, "/tmp/x");
	assert_string_equal(r.tag, "v1");
	assert_string_equal(r.digest, "");
	assert_string_equal(r.text, "oci-layout:/tmp/x:v1");
	dp_ref_release(&r);

	/* a folder may hold ':'; the last one after the last '/' is the tag */
	assert_int_equal(dp_ref_parse(&r, "oci-layout:a:b/c:d:prod_1.0-rc", 1), 0);
	assert_string_equal(r.dir, "a:b/c:d");
	assert_string_equal(r.tag, "prod_1.0-rc");
	dp_ref_release(&r);

	/* no tag: fine when none is needed */
	assert_int_equal(dp_ref_parse(&r, "oci-layout:./store", 0), 0);
	assert_string_equal(r.dir, "./store");
	assert_null(r.tag);
	dp_ref_release(&r);
	assert_int_equal(dp_ref_parse(&r, "oci-layout:./store", 1), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "no tag"));

	/* a digest, and tag@digest (the digest is kept beside the tag) */
	assert_int_equal(dp_ref_parse(&r, "oci-layout:d@sha256:" HEX, 1), 0);
	assert_string_equal(r.dir, "d");
	assert_null(r.tag);
	assert_string_equal(r.digest, "sha256:" HEX);
	dp_ref_release(&r);
	assert_int_equal(dp_ref_parse(&r, "oci-layout:d:v2@sha256:" HEX, 1), 0);
	assert_string_equal(r.tag, "v2");
	assert_string_equal(r.digest, "sha256:" HEX);
	dp_ref_release(&r);

	/* '@' that is not a digest stays part of the folder */
	assert_int_equal(dp_ref_parse(&r, "oci-layout:me@host/d:v1", 1), 0);
	assert_string_equal(r.dir, "me@host/d");
	dp_ref_release(&r);
}

static void test_deploy_ref_oci(void **state)
{
	struct dp_ref r;

	(void)state;
	assert_int_equal(dp_ref_parse(&r, "oci://127.0.0.1:5000/team/model:v1", 1), 0);
	assert_int_equal(r.kind, DP_OCI);
	assert_string_equal(r.host, "127.0.0.1:5000");
	assert_string_equal(r.repo, "team/model");
	assert_string_equal(r.tag, "v1");
	dp_ref_release(&r);

	/* the port is never a tag */
	assert_int_equal(dp_ref_parse(&r, "oci://localhost:5000/m", 0), 0);
	assert_string_equal(r.host, "localhost:5000");
	assert_string_equal(r.repo, "m");
	assert_null(r.tag);
	dp_ref_release(&r);

	assert_int_equal(dp_ref_parse(&r, "oci://[::1]:5000/a.b/c__d/e-f@sha256:" HEX, 1), 0);
	assert_string_equal(r.host, "[::1]:5000");
	assert_string_equal(r.repo, "a.b/c__d/e-f");
	assert_string_equal(r.digest, "sha256:" HEX);
	dp_ref_release(&r);
}

static void test_deploy_ref_s3(void **state)
{
	struct dp_ref r;

	(void)state;
	assert_int_equal(dp_ref_parse(&r, "s3://my-bucket/models/churn:prod", 1), 0);
	assert_int_equal(r.kind, DP_S3);
	assert_string_equal(r.host, "my-bucket");
	assert_string_equal(r.repo, "models/churn");
	assert_string_equal(r.tag, "prod");
	dp_ref_release(&r);

	assert_int_equal(dp_ref_parse(&r, "s3://bucket:staging", 1), 0);
	assert_string_equal(r.host, "bucket");
	assert_string_equal(r.repo, "");
	assert_string_equal(r.tag, "staging");
	dp_ref_release(&r);
}

static void expect_usage(const char *text, int need_tag, const char *words)
{
	struct dp_ref r;

	assert_int_equal(dp_ref_parse(&r, text, need_tag), QG_EUSAGE);
	if (!strstr(qg_error_last(), words))
		fail_msg("'%s': message '%s' lacks '%s'", text, qg_error_last(), words);
	/* the struct is left released */
	assert_null(r.text);
	assert_null(r.dir);
	assert_null(r.tag);
}

static void test_deploy_ref_malformed(void **state)
{
	(void)state;
	expect_usage("ftp://host/x:v1", 1,
		     "unknown target scheme 'ftp' (expected oci-layout:, oci://, s3://)");
	expect_usage("docker://x:v1", 1, "unknown target scheme 'docker'");
	expect_usage("just-a-name", 1, "not a target");
	expect_usage("", 1, "empty target");
	expect_usage("oci-layout:", 0, "layout folder is empty");
	expect_usage("oci-layout::v1", 1, "layout folder is empty");
	expect_usage("oci-layout:d:", 1, "malformed tag ''");
	expect_usage("oci-layout:d:-bad", 1, "malformed tag '-bad'");
	expect_usage("oci-layout:d:a+b", 1, "malformed tag");
	expect_usage("oci-layout:d@sha256:abc", 1, "malformed digest");
	expect_usage("oci-layout:d@sha256:"
		     "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		     1, "malformed digest");
	expect_usage("oci://host", 1, "expected oci://HOST[:PORT]/REPO");
	expect_usage("oci:///repo:v1", 1, "expected oci://HOST");
	expect_usage("oci://host:99999/r:v1", 1, "malformed registry host");
	expect_usage("oci://host:/r:v1", 1, "malformed registry host");
	expect_usage("oci://host/Upper:v1", 1, "malformed repository 'Upper'");
	expect_usage("oci://host/a//b:v1", 1, "malformed repository");
	expect_usage("oci://host/a-:v1", 1, "malformed repository");
	expect_usage("s3://ab/x:v1", 1, "malformed bucket 'ab'");
	expect_usage("s3://Bucket/x:v1", 1, "malformed bucket");
	expect_usage("s3://bucket/../x:v1", 1, "malformed prefix");
	expect_usage("s3://bucket/a//b:v1", 1, "malformed prefix");
	expect_usage("oci-layout:d\n:v1", 1, "control character");
	{
		char tag[200];
		char text[260];
		memset(tag, 'a', 129);
		tag[129] = '\0';
		snprintf(text, sizeof(text), "oci-layout:d:%s", tag);
		expect_usage(text, 1, "malformed tag");
		tag[128] = '\0'; /* 128 characters is the longest tag */
		snprintf(text, sizeof(text), "oci-layout:d:%s", tag);
		struct dp_ref r;
		assert_int_equal(dp_ref_parse(&r, text, 1), 0);
		dp_ref_release(&r);
	}
}

static void test_deploy_ref_store_and_digest(void **state)
{
	struct dp_ref a, b;
	struct qg_buf out = QG_BUF_INIT(1024);

	(void)state;
	assert_true(dp_digest_valid("sha256:" HEX));
	assert_false(dp_digest_valid("sha256:" HEX "0"));
	assert_false(dp_digest_valid("sha512:" HEX));
	assert_false(dp_digest_valid(NULL));
	assert_false(dp_digest_valid("sha256:"));

	assert_int_equal(dp_ref_parse(&a, "oci://h:5000/r:staging", 1), 0);
	assert_int_equal(dp_ref_parse(&b, "oci://h:5000/r:prod", 1), 0);
	assert_true(dp_ref_same_store(&a, &b));
	assert_int_equal(dp_ref_format_store(&a, &out), 0);
	assert_string_equal(out.buf, "oci://h:5000/r");
	dp_ref_release(&b);
	assert_int_equal(dp_ref_parse(&b, "oci://h:5001/r:prod", 1), 0);
	assert_false(dp_ref_same_store(&a, &b));
	dp_ref_release(&a);
	dp_ref_release(&b);

	/* one folder spelled two ways */
	assert_int_equal(dp_ref_parse(&a, "oci-layout:/tmp:a", 1), 0);
	assert_int_equal(dp_ref_parse(&b, "oci-layout:/tmp/./:b", 1), 0);
	assert_true(dp_ref_same_store(&a, &b));
	qg_buf_reset(&out);
	assert_int_equal(dp_ref_format_store(&a, &out), 0);
	assert_string_equal(out.buf, "oci-layout:/tmp");
	dp_ref_release(&b);
	assert_int_equal(dp_ref_parse(&b, "s3://bucket:x", 1), 0);
	assert_false(dp_ref_same_store(&a, &b));
	qg_buf_reset(&out);
	assert_int_equal(dp_ref_format_store(&b, &out), 0);
	assert_string_equal(out.buf, "s3://bucket");
	dp_ref_release(&a);
	dp_ref_release(&b);
	qg_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deploy_ref_layout),
		cmocka_unit_test(test_deploy_ref_oci),
		cmocka_unit_test(test_deploy_ref_s3),
		cmocka_unit_test(test_deploy_ref_malformed),
		cmocka_unit_test(test_deploy_ref_store_and_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
