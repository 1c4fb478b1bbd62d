/* test_deploy_layout.c -- the oci-layout store through struct dp_store_ops (gates/deploy/store_layout.c)
 *
 * What promote, rollback and the copies rely on: blobs committed only under the
 * digest they hash to, read back verified, the tag compare-and-swap (absent,
 * matching, moved), tags deleted, referrers found by subject, artifacts copied
 * between two layouts without sending a blob twice, and the temporary files of
 * a process that died cleaned up.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qgate/sha256.h"

#include "deploy/deploy.h"

struct fx {
	char dir[64];
	char path[256];
	struct dp_ref ref;
	struct dp_store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dp_store_opts o = { .create = 1 };
	char text[300];

	snprintf(f->dir, sizeof(f->dir), "/tmp/qgate-layout.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/L", f->dir);
	snprintf(text, sizeof(text), "oci-layout:%s", f->path);
	if (dp_ref_parse(&f->ref, text, 0) || dp_store_open(&f->s, &f->ref, &o))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	dp_store_close(f->s);
	dp_ref_release(&f->ref);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void digest_of(char out[DP_DIGEST_SIZE], const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];

	assert_int_equal(qg_sha256_hex(hex, data, len), 0);
	snprintf(out, DP_DIGEST_SIZE, "sha256:%s", hex);
}

static void put(struct dp_store *s, const char *data, struct dp_desc *out)
{
	struct dp_source src = { .data = data, .len = strlen(data) };
	int skipped;

	memset(out, 0, sizeof(*out));
	assert_int_equal(s->ops->blob_put(s, &src, NULL, out, &skipped), 0);
}

/* A manifest of one layer holding `content`, its body in *body. */
static void make_manifest(struct dp_store *s, const char *content, const char *subject,
			  struct qg_buf *body, char digest[DP_DIGEST_SIZE])
{
	struct dp_manifest m = { 0 };
	struct dp_desc cfg, layer;

	put(s, "{}", &cfg);
	put(s, content, &layer);
	m.media_type = qg_strdup(DP_MT_MANIFEST);
	m.artifact_type = qg_strdup(subject ? DP_AT_EVIDENCE : DP_AT_MODEL);
	m.config = cfg;
	m.config.media_type = qg_strdup(DP_MT_EMPTY);
	m.layers = calloc(1, sizeof(*m.layers));
	m.layers[0] = layer;
	m.layers[0].media_type = qg_strdup("text/plain");
	m.nr_layers = 1;
	if (subject) {
		m.subject = calloc(1, sizeof(*m.subject));
		m.subject->media_type = qg_strdup(DP_MT_MANIFEST);
		memcpy(m.subject->digest, subject, DP_DIGEST_SIZE);
		m.subject->size = 10;
	}
	qg_buf_reset(body);
	assert_int_equal(dp_manifest_write(&m, body), 0);
	digest_of(digest, body->buf, body->len);
	dp_manifest_release(&m);
}

static void test_deploy_layout_open(void **state)
{
	struct fx *f = *state;
	struct dp_store *s = NULL;
	struct dp_ref r;
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/oci-layout", f->path);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/index.json", f->path);
	assert_int_equal(stat(p, &st), 0);
	/* a missing folder without create: exit 3 naming it */
	snprintf(p, sizeof(p), "oci-layout:%s/missing", f->dir);
	assert_int_equal(dp_ref_parse(&r, p, 0), 0);
	assert_int_equal(dp_store_open(&s, &r, NULL), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "/missing"));
	assert_null(s);
	dp_ref_release(&r);
	assert_string_equal(f->s->ops->scheme, "oci-layout");
}

static void test_deploy_layout_blobs(void **state)
{
	struct fx *f = *state;
	struct dp_store *s = f->s;
	struct dp_source src = { .data = "hello", .len = 5 };
	struct dp_desc d = { 0 };
	struct qg_buf b = QG_BUF_INIT(1 << 20);
	char want[DP_DIGEST_SIZE], p[512];
	long long size = -1;
	int skipped = -1;
	FILE *fp;

	digest_of(want, "hello", 5);
	assert_int_equal(s->ops->blob_has(s, want, NULL), QG_ENOTFOUND);
	/* a wrong expected digest commits nothing */
	assert_int_equal(
		s->ops->blob_put(
			s, &src,
			"sha256:0000000000000000000000000000000000000000000000000000000000000000",
			&d, &skipped),
		QG_EINPUT);
	assert_int_equal(s->ops->blob_has(s, want, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->blob_put(s, &src, want, &d, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_string_equal(d.digest, want);
	assert_int_equal(d.size, 5);
	assert_int_equal(s->ops->blob_has(s, want, &size), 0);
	assert_int_equal(size, 5);
	/* present: skipped */
	assert_int_equal(s->ops->blob_put(s, &src, want, &d, &skipped), 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(s->ops->blob_get(s, want, &b, 100), 0);
	assert_string_equal(b.buf, "hello");
	qg_buf_reset(&b);
	assert_int_equal(s->ops->blob_get(s, want, &b, 4), QG_ETOOBIG);
	/* nothing left behind in the temporary folder */
	snprintf(p, sizeof(p), "rmdir '%s/.qgate/tmp'", f->path);
	assert_int_equal(system(p), 0);
	/* damaged: same size, other bytes */
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f->path, want + 7);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("HELLO", fp);
	fclose(fp);
	qg_buf_reset(&b);
	assert_int_equal(s->ops->blob_get(s, want, &b, 100), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "digest mismatch"));
	assert_non_null(strstr(qg_error_last(), want + 7));
	/* and a push of the right bytes refuses to skip over it */
	assert_int_equal(s->ops->blob_put(s, &src, want, &d, &skipped), QG_EINPUT);
	assert_int_equal(s->ops->blob_has(s, "sha256:bad", NULL), QG_EUSAGE);
	qg_buf_release(&b);
}

static void test_deploy_layout_tags(void **state)
{
	struct fx *f = *state;
	struct dp_store *s = f->s;
	struct qg_buf b1 = QG_BUF_INIT(1 << 20), b2 = QG_BUF_INIT(1 << 20),
		      got = QG_BUF_INIT(1 << 20), mt = QG_BUF_INIT(256);
	char d1[DP_DIGEST_SIZE], d2[DP_DIGEST_SIZE], d[DP_DIGEST_SIZE];

	make_manifest(s, "one", NULL, &b1, d1);
	make_manifest(s, "two", NULL, &b2, d2);
	assert_int_equal(s->ops->manifest_get(s, "prod", NULL, d, NULL), QG_ENOTFOUND);
	/* "" = must not exist */
	assert_int_equal(s->ops->manifest_put(s, "prod", b1.buf, b1.len, DP_MT_MANIFEST, ""), 0);
	assert_int_equal(s->ops->manifest_put(s, "prod", b2.buf, b2.len, DP_MT_MANIFEST, ""),
			 QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_get(s, "prod", &got, d, &mt), 0);
	assert_string_equal(d, d1);
	assert_string_equal(mt.buf, DP_MT_MANIFEST);
	assert_int_equal(got.len, b1.len);
	/* the digest it still points at: swapped */
	assert_int_equal(s->ops->manifest_put(s, "prod", b2.buf, b2.len, NULL, d1), 0);
	/* a stale expectation: production moved */
	assert_int_equal(s->ops->manifest_put(s, "prod", b1.buf, b1.len, NULL, d1), QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_get(s, "prod", NULL, d, NULL), 0);
	assert_string_equal(d, d2);
	/* expecting a tag that does not exist */
	assert_int_equal(s->ops->manifest_put(s, "staging", b1.buf, b1.len, NULL, d1),
			 QG_ECONFLICT);
	/* no check */
	assert_int_equal(s->ops->manifest_put(s, "staging", b1.buf, b1.len, NULL, NULL), 0);
	/* by digest */
	qg_buf_reset(&got);
	assert_int_equal(s->ops->manifest_get(s, d1, &got, d, NULL), 0);
	assert_memory_equal(got.buf, b1.buf, b1.len);
	assert_int_equal(
		s->ops->manifest_get(
			s,
			"sha256:0000000000000000000000000000000000000000000000000000000000000000",
			NULL, d, NULL),
		QG_ENOTFOUND);
	/* delete */
	assert_int_equal(s->ops->tag_delete(s, "staging"), 0);
	assert_int_equal(s->ops->manifest_get(s, "staging", NULL, d, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->tag_delete(s, "staging"), QG_ENOTFOUND);
	assert_int_equal(s->ops->manifest_put(s, "bad tag", b1.buf, b1.len, NULL, NULL), QG_EUSAGE);
	/* a manifest naming a blob the layout lacks is not tagged */
	{
		const char *m =
			"{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_MANIFEST
			"\",\"config\":{\"mediaType\":\"a/b\","
			"\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
			"\"size\":2},\"layers\":[]}";
		assert_int_equal(s->ops->manifest_put(s, "x", m, strlen(m), NULL, NULL), QG_EINPUT);
		assert_non_null(strstr(qg_error_last(), "is not in the layout"));
		assert_int_equal(s->ops->manifest_get(s, "x", NULL, d, NULL), QG_ENOTFOUND);
	}
	qg_buf_release(&b1);
	qg_buf_release(&b2);
	qg_buf_release(&got);
	qg_buf_release(&mt);
}

static void test_deploy_layout_referrers_and_copy(void **state)
{
	struct fx *f = *state;
	struct dp_store *s = f->s, *dst = NULL;
	struct qg_buf base = QG_BUF_INIT(1 << 20), ref = QG_BUF_INIT(1 << 20);
	struct dp_desc *out = NULL;
	struct dp_store_opts o = { .create = 1 };
	struct dp_ref r;
	char db[DP_DIGEST_SIZE], dr[DP_DIGEST_SIZE], d[DP_DIGEST_SIZE], text[512];
	size_t nr = 0, i;

	make_manifest(s, "model", NULL, &base, db);
	assert_int_equal(s->ops->manifest_put(s, "v1", base.buf, base.len, NULL, NULL), 0);
	make_manifest(s, "evidence", db, &ref, dr);
	assert_int_equal(s->ops->manifest_put(s, NULL, ref.buf, ref.len, NULL, NULL), 0);
	assert_int_equal(s->ops->referrer_add(s, db, NULL), 0);
	assert_int_equal(s->ops->referrers(s, db, NULL, &out, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(out[0].digest, dr);
	assert_string_equal(out[0].artifact_type, DP_AT_EVIDENCE);
	for (i = 0; i < nr; i++)
		dp_desc_release(&out[i]);
	free(out);
	out = NULL;
	nr = 0;
	assert_int_equal(s->ops->referrers(s, db, DP_AT_INTOTO, &out, &nr), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(s->ops->referrers(s, dr, NULL, &out, &nr), 0);
	assert_int_equal(nr, 0);
	free(out);

	/* copy the artifact into a second layout, twice */
	snprintf(text, sizeof(text), "oci-layout:%s/copy", f->dir);
	assert_int_equal(dp_ref_parse(&r, text, 0), 0);
	assert_int_equal(dp_store_open(&dst, &r, &o), 0);
	assert_int_equal(dp_artifact_copy(dst, s, db, "prod", ""), 0);
	assert_int_equal(dst->ops->manifest_get(dst, "prod", NULL, d, NULL), 0);
	assert_string_equal(d, db);
	assert_int_equal(dst->blobs_sent >= 2, 1);
	long long before = dst->blobs_skipped;
	assert_int_equal(dp_artifact_copy(dst, s, db, "prod", db), 0);
	assert_int_equal(dst->blobs_skipped - before >= 2, 1); /* config and layer not sent again */
	assert_int_equal(dp_artifact_copy(dst, s, db, "prod", ""), QG_ECONFLICT);
	/* a damaged blob in the source is not copied, and the tag does not move */
	{
		char w3[DP_DIGEST_SIZE], p3[1024], d3[DP_DIGEST_SIZE];
		struct qg_buf b3 = QG_BUF_INIT(1 << 20);
		FILE *fp;
		make_manifest(s, "third", NULL, &b3, d3);
		assert_int_equal(s->ops->manifest_put(s, NULL, b3.buf, b3.len, NULL, NULL), 0);
		digest_of(w3, "third", 5);
		snprintf(p3, sizeof(p3), "%s/blobs/sha256/%s", f->path, w3 + 7);
		fp = fopen(p3, "w");
		assert_non_null(fp);
		fputs("THIRD", fp);
		fclose(fp);
		assert_int_equal(dp_artifact_copy(dst, s, d3, "prod", NULL), 0 + QG_EINPUT);
		assert_non_null(strstr(qg_error_last(), "hashes to"));
		assert_int_equal(dst->ops->manifest_get(dst, "prod", NULL, d, NULL), 0);
		assert_string_equal(d, db);
		qg_buf_release(&b3);
	}
	dp_store_close(dst);
	dp_ref_release(&r);
	qg_buf_release(&base);
	qg_buf_release(&ref);
}

static void test_deploy_layout_stale_temp(void **state)
{
	struct fx *f = *state;
	struct dp_store *s = NULL;
	struct dp_store_opts o = { .create = 1 };
	char p[512];
	pid_t pid = fork();
	FILE *fp;
	struct stat st;

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* a temporary file of a process that is gone, and one of ours */
	snprintf(p, sizeof(p), "mkdir -p '%s/.qgate/tmp'", f->path);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/.qgate/tmp/blob-%ld-1", f->path, (long)pid);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("half", fp);
	fclose(fp);
	assert_int_equal(dp_store_open(&s, &f->ref, &o), 0);
	assert_int_equal(stat(p, &st), -1);
	dp_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deploy_layout_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_layout_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_layout_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_layout_referrers_and_copy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deploy_layout_stale_temp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
