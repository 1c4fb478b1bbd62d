/* test_deploy_s3.c -- the s3:// store (gates/deploy/store_s3.c) against a real S3 server
 *
 * A driver: tests/e2e/t_deploy_s3.sh starts s3rver and runs it with
 * AWS_ENDPOINT_URL, the credentials and QG_TEST_S3_BUCKET set; each test uses
 * its own prefix. Without QG_TEST_S3_BUCKET (a plain `make check`) nothing
 * runs here and one skip says why. It drives the store through its ops:
 * opening (refused without a layout, created with one), blobs (skipped when
 * present, multipart past the part size, a wrong claimed digest commits
 * nothing, a damaged object is refused on read), tags (compare-and-swap,
 * delete, a manifest naming a missing blob is refused) and referrers.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/http.h"
#include "qgate/s3.h"
#include "qgate/sha256.h"
#include "deploy/deploy.h"

static const char *bucket(void)
{
	const char *b = getenv("QG_TEST_S3_BUCKET");

	return b && *b ? b : NULL;
}

/* A store on s3://BUCKET/<prefix><pid> (fresh each run). */
static int open_store(struct dp_store **s, const char *prefix, int create, long long chunk)
{
	struct dp_ref ref;
	struct dp_store_opts o = { .create = create, .chunk_size = chunk };
	char text[512];
	int err;

	snprintf(text, sizeof(text), "s3://%s/%s-%ld", bucket(), prefix, (long)getpid());
	assert_int_equal(dp_ref_parse(&ref, text, 0), 0);
	err = dp_store_open(s, &ref, &o);
	dp_ref_release(&ref);
	return err;
}

static void digest_of(char out[DP_DIGEST_SIZE], const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];

	assert_int_equal(qg_sha256_hex(hex, data, len), 0);
	snprintf(out, DP_DIGEST_SIZE, "sha256:%s", hex);
}

static char *random_bytes(size_t n, unsigned seed)
{
	char *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (char)(seed >> 16);
	}
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* The object under the store's prefix, straight from S3 (not through the store). */
static int raw_get(struct qg_buf *out, const char *prefix, const char *rel)
{
	struct qg_http_resp resp;
	char key[512];
	int err;

	snprintf(key, sizeof(key), "%s-%ld/%s", prefix, (long)getpid(), rel);
	qg_http_resp_init(&resp);
	err = qg_s3_request(&resp, "GET", bucket(), key, NULL, NULL, NULL, 0,
			    QG_HTTP_ACCEPT_ANY_STATUS);
	if (!err && resp.status == 404)
		err = QG_ENOTFOUND;
	else if (!err && resp.status != 200)
		err = QG_ENET;
	if (!err)
		assert_int_equal(qg_buf_add(out, resp.body.buf, resp.body.len), 0);
	qg_http_resp_release(&resp);
	return err;
}

static void raw_put(const char *prefix, const char *rel, const void *data, size_t len)
{
	struct qg_http_resp resp;
	char key[512];

	snprintf(key, sizeof(key), "%s-%ld/%s", prefix, (long)getpid(), rel);
	qg_http_resp_init(&resp);
	assert_int_equal(qg_s3_request(&resp, "PUT", bucket(), key, NULL, NULL, data, len, 0), 0);
	qg_http_resp_release(&resp);
}

static void test_deploy_s3_open(void **state)
{
	struct dp_store *s = NULL;
	struct qg_buf b = QG_BUF_INIT(1 << 20);

	(void)state;
	/* nothing there and no create: refused naming the object */
	assert_int_equal(open_store(&s, "open", 0, 0), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "oci-layout': missing"));
	assert_null(s);
	/* create: oci-layout and an empty index.json */
	assert_int_equal(open_store(&s, "open", 1, 0), 0);
	dp_store_close(s);
	assert_int_equal(raw_get(&b, "open", "oci-layout"), 0);
	assert_string_equal(b.buf, "{\"imageLayoutVersion\":\"1.0.0\"}");
	qg_buf_reset(&b);
	assert_int_equal(raw_get(&b, "open", "index.json"), 0);
	assert_non_null(strstr(b.buf, "\"manifests\":[]"));
	/* now it opens without create */
	assert_int_equal(open_store(&s, "open", 0, 0), 0);
	dp_store_close(s);
	/* a chunk size S3 cannot take is a usage error */
	assert_int_equal(open_store(&s, "open", 0, 100), QG_EUSAGE);
	/* a layout version we do not know is refused */
	raw_put("open", "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}", 30);
	assert_int_equal(open_store(&s, "open", 0, 0), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "imageLayoutVersion '2.0.0'"));
	qg_buf_release(&b);
}

static void test_deploy_s3_blobs(void **state)
{
	struct dp_store *s = NULL;
	struct dp_desc d = { 0 };
	struct dp_source src = { 0 };
	struct qg_buf b = QG_BUF_INIT((size_t)16 << 20);
	char path[] = "/tmp/qgate-s3-blob-XXXXXX", dig[DP_DIGEST_SIZE], dig2[DP_DIGEST_SIZE],
	     wrong[DP_DIGEST_SIZE];
	const size_t big = 300000;
	char *data = random_bytes(big, 7), *data2 = random_bytes(big, 8);
	long long size = -1;
	int skipped = -1, fd;

	(void)state;
	assert_int_equal(open_store(&s, "blobs", 1, 65536), 0);
	/* small, in memory: one PUT, then skipped */
	src.data = "hello\n";
	src.len = 6;
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	digest_of(dig, "hello\n", 6);
	assert_string_equal(d.digest, dig);
	assert_int_equal(d.size, 6);
	assert_int_equal(skipped, 0);
	assert_int_equal(s->ops->blob_put(s, &src, dig, &d, &skipped), 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(s->ops->blob_has(s, dig, &size), 0);
	assert_int_equal(size, 6);
	/* a file larger than the part size (64 KiB): multipart, both passes */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, data, big);
	src.data = NULL;
	src.path = path;
	digest_of(dig, data, big);
	assert_int_equal(s->ops->blob_has(s, dig, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	assert_string_equal(d.digest, dig);
	assert_int_equal(d.size, (long long)big);
	assert_int_equal(skipped, 0);
	assert_int_equal(s->ops->blob_get(s, dig, &b, (size_t)16 << 20), 0);
	assert_int_equal(b.len, big);
	assert_memory_equal(b.buf, data, big);
	/* read back under a cap smaller than the blob: QG_ETOOBIG */
	qg_buf_reset(&b);
	assert_int_equal(s->ops->blob_get(s, dig, &b, 1000), QG_ETOOBIG);
	/* again: skipped, nothing read past the HEAD */
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	assert_int_equal(skipped, 1);
	/* a claimed digest the bytes do not have: refused, nothing under either name */
	write_file(path, data2, big);
	digest_of(dig2, data2, big);
	memcpy(wrong, dig2, sizeof(wrong));
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	assert_int_equal(s->ops->blob_put(s, &src, wrong, &d, &skipped), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "hashes to"));
	assert_int_equal(s->ops->blob_has(s, wrong, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->blob_has(s, dig2, NULL), QG_ENOTFOUND);
	/* the right claimed digest: one pass, committed */
	assert_int_equal(s->ops->blob_put(s, &src, dig2, &d, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_int_equal(s->ops->blob_has(s, dig2, &size), 0);
	assert_int_equal(size, (long long)big);
	/* to a file descriptor */
	fd = open(path, O_RDWR | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(s->ops->blob_to_fd(s, dig2, fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)big);
	close(fd);
	/* an object damaged in the bucket is refused on read */
	{
		char rel[100];

		snprintf(rel, sizeof(rel), "blobs/sha256/%s", dig2 + 7);
		raw_put("blobs", rel, "not the bytes", 13);
		qg_buf_reset(&b);
		assert_int_equal(s->ops->blob_get(s, dig2, &b, (size_t)16 << 20), QG_EINPUT);
		assert_non_null(strstr(qg_error_last(), "digest mismatch"));
		/* and a put of the right bytes replaces it (its size differs) */
		src.path = NULL;
		src.data = data2;
		src.len = big;
		assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
		assert_int_equal(skipped, 0);
		qg_buf_reset(&b);
		assert_int_equal(s->ops->blob_get(s, dig2, &b, (size_t)16 << 20), 0);
	}
	/* missing */
	memcpy(wrong, dig, sizeof(wrong));
	wrong[9] = wrong[9] == 'a' ? 'b' : 'a';
	fd = open("/dev/null", O_WRONLY);
	assert_int_equal(s->ops->blob_to_fd(s, wrong, fd), QG_EINPUT);
	close(fd);
	assert_non_null(strstr(qg_error_last(), "not found"));
	assert_true(s->blobs_skipped >= 2);
	unlink(path);
	dp_store_close(s);
	free(data);
	free(data2);
	qg_buf_release(&b);
}

/* A manifest with the {} config and one layer of `layer` bytes; subject optional. */
static void make_manifest(struct qg_buf *out, struct dp_store *s, const char *layer,
			  const char *artifact_type, const char *subject, long long subject_size)
{
	struct dp_source src = { .data = layer, .len = strlen(layer) };
	struct dp_source cfg = { .data = "{}", .len = 2 };
	struct dp_desc d = { 0 }, c = { 0 };
	int skipped;

	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	assert_int_equal(s->ops->blob_put(s, &cfg, NULL, &c, &skipped), 0);
	qg_buf_reset(out);
	assert_int_equal(
		qg_buf_addf(
			out,
			"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":\"%s\","
			"\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2},"
			"\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"%s\",\"size\":%lld}]",
			DP_MT_MANIFEST, artifact_type, DP_MT_EMPTY, c.digest, d.digest, d.size),
		0);
	if (subject)
		assert_int_equal(
			qg_buf_addf(
				out,
				",\"subject\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}",
				DP_MT_MANIFEST, subject, subject_size),
			0);
	assert_int_equal(qg_buf_addch(out, '}'), 0);
}

static void test_deploy_s3_tags(void **state)
{
	struct dp_store *s = NULL;
	struct qg_buf m1 = QG_BUF_INIT(1 << 20), m2 = QG_BUF_INIT(1 << 20),
		      ev = QG_BUF_INIT(1 << 20), got = QG_BUF_INIT(1 << 20), mt = QG_BUF_INIT(1024),
		      idx = QG_BUF_INIT(1 << 20);
	char d1[DP_DIGEST_SIZE], d2[DP_DIGEST_SIZE], de[DP_DIGEST_SIZE], rd[DP_DIGEST_SIZE];
	struct dp_desc *refs = NULL;
	size_t nr = 0;

	(void)state;
	assert_int_equal(open_store(&s, "tags", 1, 0), 0);
	make_manifest(&m1, s, "one\n", DP_AT_MODEL, NULL, 0);
	make_manifest(&m2, s, "two\n", DP_AT_MODEL, NULL, 0);
	digest_of(d1, m1.buf, m1.len);
	digest_of(d2, m2.buf, m2.len);
	assert_int_equal(s->ops->manifest_get(s, "v1", NULL, rd, NULL), QG_ENOTFOUND);
	/* "" = the tag must not exist */
	assert_int_equal(s->ops->manifest_put(s, "v1", m1.buf, m1.len, DP_MT_MANIFEST, ""), 0);
	assert_int_equal(s->ops->manifest_get(s, "v1", &got, rd, &mt), 0);
	assert_string_equal(rd, d1);
	assert_string_equal(mt.buf, DP_MT_MANIFEST);
	assert_int_equal(got.len, m1.len);
	assert_memory_equal(got.buf, m1.buf, m1.len);
	/* by digest too */
	qg_buf_reset(&got);
	assert_int_equal(s->ops->manifest_get(s, d1, &got, rd, NULL), 0);
	assert_string_equal(rd, d1);
	/* compare-and-swap: the tag exists, or points elsewhere: QG_ECONFLICT, unchanged */
	assert_int_equal(s->ops->manifest_put(s, "v1", m2.buf, m2.len, NULL, ""), QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_put(s, "v1", m2.buf, m2.len, NULL, d2), QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_get(s, "v1", NULL, rd, NULL), 0);
	assert_string_equal(rd, d1);
	assert_int_equal(s->ops->manifest_put(s, "v1", m2.buf, m2.len, NULL, d1), 0);
	assert_int_equal(s->ops->manifest_get(s, "v1", NULL, rd, NULL), 0);
	assert_string_equal(rd, d2);
	/* no check: moves */
	assert_int_equal(s->ops->manifest_put(s, "prod", m1.buf, m1.len, NULL, NULL), 0);
	/* one entry per tag in index.json, the layout's annotation */
	assert_int_equal(raw_get(&idx, "tags", "index.json"), 0);
	assert_non_null(strstr(idx.buf, "\"org.opencontainers.image.ref.name\":\"v1\""));
	assert_null(strstr(strstr(idx.buf, "ref.name\":\"v1\"") + 1, "ref.name\":\"v1\""));
	/* a manifest naming a blob that is not there cannot be tagged */
	{
		struct qg_buf bad = QG_BUF_INIT(1 << 20);
		char missing[DP_DIGEST_SIZE];

		digest_of(missing, "never stored", 12);
		assert_int_equal(
			qg_buf_addf(
				&bad,
				"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
				"\"digest\":\"%s\",\"size\":12},\"layers\":[]}",
				DP_MT_MANIFEST, DP_MT_EMPTY, missing),
			0);
		assert_int_equal(s->ops->manifest_put(s, "bad", bad.buf, bad.len, NULL, NULL),
				 QG_EINPUT);
		assert_non_null(strstr(qg_error_last(), "is not in the bucket"));
		assert_int_equal(s->ops->manifest_get(s, "bad", NULL, rd, NULL), QG_ENOTFOUND);
		/* not JSON: refused before anything is written */
		assert_int_equal(s->ops->manifest_put(s, "bad", "{", 1, NULL, NULL), QG_EINPUT);
		qg_buf_release(&bad);
	}
	/* referrers: an untagged manifest whose subject is d1 */
	make_manifest(&ev, s, "evidence\n", DP_AT_EVIDENCE, d1, (long long)m1.len);
	digest_of(de, ev.buf, ev.len);
	assert_int_equal(s->ops->manifest_put(s, NULL, ev.buf, ev.len, DP_MT_MANIFEST, NULL), 0);
	assert_int_equal(s->ops->referrer_add(s, d1, NULL), 0);
	assert_int_equal(s->ops->referrers(s, d1, DP_AT_EVIDENCE, &refs, &nr), 0);
	assert_int_equal((int)nr, 1);
	assert_string_equal(refs[0].digest, de);
	assert_string_equal(refs[0].artifact_type, DP_AT_EVIDENCE);
	for (size_t i = 0; i < nr; i++)
		dp_desc_release(&refs[i]);
	free(refs);
	refs = NULL;
	nr = 0;
	assert_int_equal(s->ops->referrers(s, d1, DP_AT_INTOTO, &refs, &nr), 0);
	assert_int_equal((int)nr, 0);
	assert_int_equal(s->ops->referrers(s, d2, NULL, &refs, &nr), 0);
	assert_int_equal((int)nr, 0);
	free(refs);
	/* delete */
	assert_int_equal(s->ops->tag_delete(s, "v1"), 0);
	assert_int_equal(s->ops->tag_delete(s, "v1"), QG_ENOTFOUND);
	assert_int_equal(s->ops->manifest_get(s, "v1", NULL, rd, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->manifest_get(s, "prod", NULL, rd, NULL), 0);
	assert_string_equal(rd, d1);
	/* malformed names */
	assert_int_equal(s->ops->manifest_get(s, "-bad", NULL, rd, NULL), QG_EUSAGE);
	assert_int_equal(s->ops->manifest_get(s, "sha256:12", NULL, rd, NULL), QG_EUSAGE);
	dp_store_close(s);
	qg_buf_release(&m1);
	qg_buf_release(&m2);
	qg_buf_release(&ev);
	qg_buf_release(&got);
	qg_buf_release(&mt);
	qg_buf_release(&idx);
}

static void test_deploy_s3_wrong_secret(void **state)
{
	struct dp_store *s = NULL;
	char *saved = qg_strdup(getenv("AWS_SECRET_ACCESS_KEY"));

	(void)state;
	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789", 1);
	assert_int_equal(open_store(&s, "tags", 0, 0), QG_ENET);
	assert_null(strstr(qg_error_last(), "not-the-secret"));
	assert_non_null(strstr(qg_error_last(), "403"));
	setenv("AWS_SECRET_ACCESS_KEY", saved, 1);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deploy_s3_open),
		cmocka_unit_test(test_deploy_s3_blobs),
		cmocka_unit_test(test_deploy_s3_tags),
		cmocka_unit_test(test_deploy_s3_wrong_secret),
	};
	if (!bucket()) {
		/* a plain `make check`: t_deploy_s3.sh runs this against s3rver */
		printf("1..1\nok 1 # SKIP test_deploy_s3: QG_TEST_S3_BUCKET not set (t_deploy_s3.sh runs it "
		       "against s3rver)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
