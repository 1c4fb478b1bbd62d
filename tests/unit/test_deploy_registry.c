/* test_deploy_registry.c -- the oci:// store: credentials, challenges, and (with a live
 * registry) every store operation
 *
 * Offline: WWW-Authenticate parsing, credentials from the environment and from
 * config.json, refused options. Live, when tests/e2e/t_deploy_registry.sh runs this
 * binary with QG_TEST_REGISTRY=127.0.0.1:PORT (a plain-HTTP docker-registry) and
 * QG_TEST_PROXY (faultproxy.py in front of it, corrupting manifest GETs of
 * team/ops, and playing a Bearer token service when QG_TEST_BEARER is set): blobs
 * (skip, chunked, digest refused), manifests (compare-and-swap,
 * Docker-Content-Digest checked), referrers through the fallback tag, mount (with
 * both repositories' token scopes), tag delete. Without the variables the live tests
 * are skipped.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/sha256.h"
#include "deploy/deploy.h"
#include "deploy/registry_int.h"

static char tmpdir[64];
static char *env_user, *env_pass; /* QGATE_REGISTRY_* as the test was started with */

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/qg-registry.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	unsetenv("QGATE_REGISTRY_USERNAME");
	unsetenv("QGATE_REGISTRY_PASSWORD");
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	(void)state;
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_deploy_registry_challenge(void **state)
{
	struct reg_auth a;
	char *scope = NULL;

	(void)state;
	setenv("DOCKER_CONFIG", tmpdir, 1);
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), 0);
	assert_null(a.user);
	assert_int_equal(
		reg_auth_challenge(
			&a,
			"Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
			"scope=\"repository:team/model:pull,push\"",
			&scope),
		0);
	assert_int_equal(a.scheme, REG_BEARER);
	assert_string_equal(a.realm, "https://auth.example/token");
	assert_string_equal(a.service, "registry.example");
	assert_string_equal(scope, "repository:team/model:pull,push");
	free(scope);
	assert_int_equal(reg_auth_challenge(&a, "Basic realm=\"x\"", NULL), 0);
	assert_int_equal(a.scheme, REG_BASIC);
	assert_int_equal(reg_auth_challenge(&a, "Negotiate abc", NULL), QG_ENET);
	assert_non_null(strstr(qg_error_last(), "reg.example:5000"));
	assert_int_equal(reg_auth_challenge(&a, "", NULL), QG_ENET);
	assert_int_equal(reg_auth_challenge(&a, "Bearer service=\"x\"", NULL), QG_ENET);
	reg_auth_release(&a);
}

static void test_deploy_registry_credentials(void **state)
{
	struct reg_auth a;
	struct qg_buf h = QG_BUF_INIT(4096);

	(void)state;
	setenv("DOCKER_CONFIG", tmpdir, 1);
	/* "user:pa:ss" in base64; the password keeps its colon */
	write_file("config.json",
		   "{\"auths\": {\"other.example\": {\"auth\": \"eDp5\"},"
		   " \"https://reg.example:5000/v1/\": {\"auth\": \"dXNlcjpwYTpzcw==\"}}}");
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), 0);
	assert_string_equal(a.user, "user");
	assert_string_equal(a.pass, "pa:ss");
	assert_non_null(strstr(a.creds_from, "config.json"));
	/* no Authorization until the registry asks */
	assert_int_equal(reg_auth_header(&a, "repository:x:pull", &h), 0);
	assert_int_equal(h.len, 0);
	a.scheme = REG_BASIC;
	assert_int_equal(reg_auth_header(&a, "repository:x:pull", &h), 0);
	assert_string_equal(h.buf, "Authorization: Basic dXNlcjpwYTpzcw==");
	/* an error body echoing the password is masked */
	qg_buf_reset(&h);
	assert_int_equal(qg_buf_addstr(&h, "bad password pa:ss here"), 0);
	assert_int_equal(reg_auth_mask(&a, &h), 0);
	assert_null(strstr(h.buf, "pa:ss"));
	reg_auth_release(&a);

	assert_int_equal(reg_auth_init(&a, "nowhere.example", 0, NULL), 0);
	assert_null(a.user);
	reg_auth_release(&a);

	write_file(
		"config.json",
		"{\"auths\": {\"reg.example:5000\": {\"username\": \"u2\", \"password\": \"p2\"}}}");
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), 0);
	assert_string_equal(a.user, "u2");
	assert_string_equal(a.pass, "p2");
	reg_auth_release(&a);

	setenv("QGATE_REGISTRY_USERNAME", "envuser", 1);
	setenv("QGATE_REGISTRY_PASSWORD", "envpass", 1);
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), 0);
	assert_string_equal(a.user, "envuser");
	assert_string_equal(a.creds_from, "QGATE_REGISTRY_USERNAME");
	reg_auth_release(&a);
	unsetenv("QGATE_REGISTRY_PASSWORD");
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), QG_EUSAGE);
	reg_auth_release(&a);
	unsetenv("QGATE_REGISTRY_USERNAME");

	write_file("config.json",
		   "{\"auths\": {\"reg.example:5000\": {\"auth\": \"not base64!\"}}}");
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "config.json"));
	reg_auth_release(&a);
	write_file("config.json", "{\"auths\": ");
	assert_int_equal(reg_auth_init(&a, "reg.example:5000", 0, NULL), QG_EUSAGE);
	reg_auth_release(&a);
	qg_buf_release(&h);
}

static void test_deploy_registry_bad_options(void **state)
{
	struct dp_ref ref;
	struct dp_store *s = NULL;
	struct dp_store_opts o = { .ca_file = "/nonexistent/ca.pem" };

	(void)state;
	assert_int_equal(dp_ref_parse(&ref, "oci://127.0.0.1:9/team/model", 0), 0);
	assert_int_equal(dp_store_oci_open(&s, &ref, &o), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "/nonexistent/ca.pem"));
	assert_null(s);
	o.ca_file = NULL;
	o.chunk_size = -1;
	assert_int_equal(dp_store_oci_open(&s, &ref, &o), QG_EUSAGE);
	dp_ref_release(&ref);
}

/* ---------------------------------------------------------------- live */

static struct dp_store *open_live(const char *env, const char *repo)
{
	const char *host = getenv(env);
	struct dp_store_opts o = { .insecure = 1, .chunk_size = 1000 };
	struct dp_store *s = NULL;
	struct dp_ref ref;
	char text[256];

	if (!host || !*host)
		return NULL;
	if (env_user && env_pass) { /* setup() cleared them for the offline tests */
		setenv("QGATE_REGISTRY_USERNAME", env_user, 1);
		setenv("QGATE_REGISTRY_PASSWORD", env_pass, 1);
	}
	snprintf(text, sizeof(text), "oci://%s/%s", host, repo);
	assert_int_equal(dp_ref_parse(&ref, text, 0), 0);
	if (dp_store_oci_open(&s, &ref, &o) < 0)
		fail_msg("open %s: %s", text, qg_error_last());
	dp_ref_release(&ref);
	return s;
}

static void digest_of(char out[DP_DIGEST_SIZE], const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];

	assert_int_equal(qg_sha256_hex(hex, data, len), 0);
	snprintf(out, DP_DIGEST_SIZE, "sha256:%s", hex);
}

static const char *layer = "hello from the registry test\n";

/* A manifest of the {} config and the layer, annotated with n. */
static void manifest_text(struct qg_buf *b, const char *note)
{
	char cfg[DP_DIGEST_SIZE], lay[DP_DIGEST_SIZE];

	digest_of(cfg, "{}", 2);
	digest_of(lay, layer, strlen(layer));
	qg_buf_reset(b);
	assert_int_equal(
		qg_buf_addf(
			b,
			"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
			"\"digest\":\"%s\",\"size\":2},\"layers\":[{\"mediaType\":\"text/plain\","
			"\"digest\":\"%s\",\"size\":%zu}],\"annotations\":{\"note\":\"%s\"}}",
			DP_MT_MANIFEST, DP_MT_EMPTY, cfg, lay, strlen(layer), note),
		0);
}

static void test_deploy_registry_blobs(void **state)
{
	struct dp_store *s = open_live("QG_TEST_REGISTRY", "team/ops");
	struct dp_source src = { .data = layer, .len = strlen(layer) };
	struct dp_desc d = { 0 };
	struct qg_buf b = QG_BUF_INIT(1 << 20);
	char path[256], want[DP_DIGEST_SIZE], big[5000], bad[DP_DIGEST_SIZE];
	long long size = 0;
	int skipped = -1, fd;

	(void)state;
	if (!s)
		skip();
	digest_of(want, layer, strlen(layer));
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	assert_string_equal(d.digest, want);
	assert_int_equal(d.size, (long long)strlen(layer));
	assert_int_equal(s->ops->blob_put(s, &src, want, &d, &skipped), 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(s->ops->blob_has(s, want, &size), 0);
	assert_int_equal(size, (long long)strlen(layer));
	assert_int_equal(s->ops->blob_get(s, want, &b, 0), 0);
	assert_string_equal(b.buf, layer);
	qg_buf_reset(&b);
	assert_int_equal(s->ops->blob_get(s, want, &b, 4), QG_ETOOBIG);

	/* the {} config for the manifests below */
	src.data = "{}";
	src.len = 2;
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);

	/* a file above the chunk size (1000): POST + PATCHes + PUT */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + getpid());
	snprintf(path, sizeof(path), "%s/big.bin", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	digest_of(want, big, sizeof(big));
	src = (struct dp_source){ .path = path };
	assert_int_equal(s->ops->blob_put(s, &src, NULL, &d, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_string_equal(d.digest, want);
	snprintf(path, sizeof(path), "%s/back.bin", tmpdir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(s->ops->blob_to_fd(s, want, fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)sizeof(big));
	close(fd);

	/* a wrong expected digest: refused, nothing committed under it */
	memcpy(bad, want, sizeof(bad));
	bad[DP_DIGEST_LEN - 1] = bad[DP_DIGEST_LEN - 1] == '0' ? '1' : '0';
	big[0] ^= 1;
	snprintf(path, sizeof(path), "%s/big.bin", tmpdir);
	src = (struct dp_source){ .data = big, .len = sizeof(big) };
	assert_int_equal(s->ops->blob_put(s, &src, bad, &d, &skipped), QG_EINPUT);
	src = (struct dp_source){ .path = path };
	assert_int_equal(s->ops->blob_put(s, &src, bad, &d, &skipped), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "nothing committed"));
	assert_int_equal(s->ops->blob_has(s, bad, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->blob_get(s, bad, &b, 0), QG_EINPUT);

	/* mount into another repository of the same registry */
	{
		struct dp_store *s2 = open_live("QG_TEST_REGISTRY", "team/ops-mounted");

		digest_of(want, layer, strlen(layer));
		assert_int_equal(s2->ops->blob_mount(s2, want, "team/ops"), 0);
		assert_int_equal(s2->ops->blob_has(s2, want, NULL), 0);
		assert_int_equal(s2->ops->blob_mount(s2, bad, "team/ops"), QG_ENOTFOUND);
		dp_store_close(s2);
	}
	qg_buf_release(&b);
	dp_store_close(s);
}

static void test_deploy_registry_manifests(void **state)
{
	struct dp_store *s = open_live("QG_TEST_REGISTRY", "team/ops");
	struct qg_buf m1 = QG_BUF_INIT(1 << 20), m2 = QG_BUF_INIT(1 << 20),
		      got = QG_BUF_INIT(1 << 20);
	struct qg_buf mt = QG_BUF_INIT(1024);
	char d1[DP_DIGEST_SIZE], d2[DP_DIGEST_SIZE], d[DP_DIGEST_SIZE], tag[32];

	(void)state;
	if (!s)
		skip();
	snprintf(tag, sizeof(tag), "t%d", (int)getpid());
	manifest_text(&m1, "one");
	manifest_text(&m2, "two");
	digest_of(d1, m1.buf, m1.len);
	digest_of(d2, m2.buf, m2.len);
	assert_int_equal(s->ops->manifest_get(s, tag, &got, d, NULL), QG_ENOTFOUND);
	assert_int_equal(s->ops->manifest_put(s, tag, m1.buf, m1.len, DP_MT_MANIFEST, ""), 0);
	/* "" = must not exist: it does now */
	assert_int_equal(s->ops->manifest_put(s, tag, m2.buf, m2.len, DP_MT_MANIFEST, ""),
			 QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_put(s, tag, m2.buf, m2.len, DP_MT_MANIFEST, d2),
			 QG_ECONFLICT);
	assert_int_equal(s->ops->manifest_get(s, tag, &got, d, &mt), 0);
	assert_string_equal(d, d1);
	assert_int_equal(got.len, m1.len);
	assert_memory_equal(got.buf, m1.buf, m1.len);
	assert_string_equal(mt.buf, DP_MT_MANIFEST);
	assert_int_equal(s->ops->manifest_put(s, tag, m2.buf, m2.len, DP_MT_MANIFEST, d1), 0);
	assert_int_equal(s->ops->manifest_get(s, tag, NULL, d, NULL), 0);
	assert_string_equal(d, d2);
	assert_int_equal(s->ops->manifest_get(s, d1, &got, d, NULL), 0); /* by digest */
	assert_string_equal(d, d1);

	/* referrers: the registry (distribution 2.x) has no API: the fallback tag */
	{
		struct dp_desc r = { .digest = "", .size = 0 }, *out = NULL;
		struct qg_buf rm = QG_BUF_INIT(1 << 20);
		char cfg[DP_DIGEST_SIZE], lay[DP_DIGEST_SIZE];
		size_t nr = 0;

		digest_of(cfg, "{}", 2);
		digest_of(lay, layer, strlen(layer));
		assert_int_equal(
			qg_buf_addf(
				&rm,
				"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":\"%s\","
				"\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2},"
				"\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"%s\",\"size\":%zu}],"
				"\"subject\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}}",
				DP_MT_MANIFEST, DP_AT_EVIDENCE, DP_MT_EMPTY, cfg, lay,
				strlen(layer), DP_MT_MANIFEST, d2, m2.len),
			0);
		assert_int_equal(s->ops->manifest_put(s, NULL, rm.buf, rm.len, DP_MT_MANIFEST,
						      NULL),
				 0);
		digest_of(r.digest, rm.buf, rm.len);
		r.size = (long long)rm.len;
		r.media_type = strdup(DP_MT_MANIFEST);
		r.artifact_type = strdup(DP_AT_EVIDENCE);
		assert_int_equal(dp_desc_annotate(&r, "org.example.kind", "test"), 0);
		assert_int_equal(s->ops->referrer_add(s, d2, &r), 0);
		assert_int_equal(s->ops->referrer_add(s, d2, &r), 0); /* once only */
		assert_int_equal(s->ops->referrers(s, d2, DP_AT_EVIDENCE, &out, &nr), 0);
		assert_int_equal(nr, 1);
		assert_string_equal(out[0].digest, r.digest);
		assert_string_equal(out[0].artifact_type, DP_AT_EVIDENCE);
		assert_string_equal(dp_desc_annotation(&out[0], "org.example.kind"), "test");
		assert_int_equal(s->ops->referrers(s, d2, DP_AT_INTOTO, &out, &nr), 0);
		assert_int_equal(nr, 1); /* nothing of that type added */
		assert_int_equal(s->ops->referrers(s, d1, NULL, &out, &nr), 0);
		assert_int_equal(nr, 1); /* no referrers of d1 */
		for (size_t i = 0; i < nr; i++)
			dp_desc_release(&out[i]);
		free(out);
		dp_desc_release(&r);
		qg_buf_release(&rm);
	}

	/* distribution 2.x refuses DELETE of a tag: said, not done by digest */
	assert_int_equal(s->ops->tag_delete(s, "no-such-tag"), QG_ENOTFOUND);
	{
		int err = s->ops->tag_delete(s, tag);

		if (err < 0) {
			assert_int_not_equal(err, QG_ENOTFOUND);
			assert_non_null(strstr(qg_error_last(), "does not delete tags"));
			assert_int_equal(s->ops->manifest_get(s, tag, NULL, d, NULL), 0);
		} else {
			assert_int_equal(s->ops->manifest_get(s, tag, NULL, d, NULL), QG_ENOTFOUND);
		}
	}

	/* through the proxy that corrupts manifest bodies: the digest check refuses them */
	{
		struct dp_store *p = open_live("QG_TEST_PROXY", "team/ops");

		if (p) {
			assert_int_equal(p->ops->manifest_get(p, tag, &got, d, NULL), QG_EINPUT);
			assert_non_null(strstr(qg_error_last(), "Docker-Content-Digest"));
			dp_store_close(p);
		}
	}
	qg_buf_release(&m1);
	qg_buf_release(&m2);
	qg_buf_release(&got);
	qg_buf_release(&mt);
	dp_store_close(s);
}

/* Through faultproxy.py acting as a Bearer token service (QG_TEST_BEARER, its
 * stats file in QG_TEST_BEARER_STATS, credentials in QGATE_REGISTRY_*): a
 * mount asks one token for both repositories' scopes. */
static void test_deploy_registry_bearer_mount(void **state)
{
	struct dp_store *s = NULL;
	const char *stats = getenv("QG_TEST_BEARER_STATS");
	struct qg_buf b = QG_BUF_INIT(1 << 20);
	char want[DP_DIGEST_SIZE];

	(void)state;
	(void)s;
	if (!getenv("QG_TEST_BEARER") || !stats || !env_user || !env_pass)
		skip();
	s = open_live("QG_TEST_BEARER", "team/ops-bearer");
	digest_of(want, layer, strlen(layer));
	assert_int_equal(s->ops->blob_mount(s, want, "team/ops"), 0);
	assert_int_equal(s->ops->blob_has(s, want, NULL), 0);
	assert_int_equal(s->ops->blob_get(s, want, &b, 0), 0);
	assert_string_equal(b.buf, layer);
	{
		char path[256];
		int fd;

		snprintf(path, sizeof(path), "%s/bearer.bin", tmpdir);
		fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(s->ops->blob_to_fd(s, want, fd), 0);
		assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)strlen(layer));
		close(fd);
	}
	qg_buf_reset(&b);
	assert_int_equal(qg_buf_read_file(&b, stats), 0);
	assert_non_null(strstr(b.buf, "\"repository:team/ops:pull\""));
	assert_non_null(strstr(b.buf, "\"repository:team/ops-bearer:pull,push\""));
	qg_buf_release(&b);
	dp_store_close(s);
}

/* A registry with the referrers API (faultproxy.py answering GET
 * /v2/team/refapi/referrers/... with an index of two referrers, whatever the
 * artifactType asked): the answer is filtered here again, and referrer_add
 * writes no fallback tag. */
#define REF_EVIDENCE "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define REF_INTOTO "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define REF_SUBJECT "sha256:3333333333333333333333333333333333333333333333333333333333333333"
static void test_deploy_registry_referrers_api(void **state)
{
	struct dp_store *p = open_live("QG_TEST_PROXY", "team/refapi");
	struct dp_store *d = open_live("QG_TEST_REGISTRY", "team/refapi");
	struct dp_desc *out = NULL, m = { .size = 10 };
	size_t nr = 0;
	char dg[DP_DIGEST_SIZE];

	(void)state;
	if (!p || !d)
		skip();
	assert_int_equal(p->ops->referrers(p, REF_SUBJECT, DP_AT_EVIDENCE, &out, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(out[0].digest, REF_EVIDENCE);
	assert_int_equal(p->ops->referrers(p, REF_SUBJECT, NULL, &out, &nr), 0);
	assert_int_equal(nr, 2); /* the evidence once, the in-toto statement added */
	assert_string_equal(out[1].digest, REF_INTOTO);
	for (size_t i = 0; i < nr; i++)
		dp_desc_release(&out[i]);
	free(out);
	snprintf(m.digest, sizeof(m.digest), "%s", REF_EVIDENCE);
	assert_int_equal(p->ops->referrer_add(p, REF_SUBJECT, &m), 0);
	assert_int_equal(
		d->ops->manifest_get(
			d,
			"sha256-3333333333333333333333333333333333333333333333333333333333333333",
			NULL, dg, NULL),
		QG_ENOTFOUND);
	dp_store_close(p);
	dp_store_close(d);
}

int main(void)
{
	env_user = qg_strdup(getenv("QGATE_REGISTRY_USERNAME"));
	env_pass = qg_strdup(getenv("QGATE_REGISTRY_PASSWORD"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deploy_registry_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_manifests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_bearer_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_registry_referrers_api, setup,
						teardown),
	};

	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(env_user);
	free(env_pass);
	return ret;
}
