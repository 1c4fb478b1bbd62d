/* test_deploy_manifest.c -- OCI manifests and indexes (gates/deploy/manifest.c)
 *
 * The writer is canonical (fixed member order, sorted annotations, no
 * whitespace: one struct, one digest) and what it writes reads back equal; the
 * reader takes what other tools write (skopeo, oras: no mediaType, platform and
 * urls members) and refuses, naming the file and the JSON pointer, everything it
 * cannot vouch for.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "qgate/sha256.h"

#include "deploy/deploy.h"

#define H1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void set_desc(struct dp_desc *d, const char *mt, const char *digest, long long size)
{
	d->media_type = qg_strdup(mt);
	memcpy(d->digest, digest, DP_DIGEST_SIZE);
	d->size = size;
}

static void build(struct dp_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->media_type = qg_strdup(DP_MT_MANIFEST);
	m->artifact_type = qg_strdup(DP_AT_MODEL);
	set_desc(&m->config, DP_MT_EMPTY, H1, 2);
	m->layers = calloc(2, sizeof(*m->layers));
	m->nr_layers = 2;
	set_desc(&m->layers[0], "application/vnd.onnx", H2, 1234);
	assert_int_equal(dp_desc_annotate(&m->layers[0], "org.opencontainers.image.title",
					  "model.onnx"),
			 0);
	set_desc(&m->layers[1], "text/csv", H3, 0);
	/* annotations added out of order: written sorted */
	assert_int_equal(dp_manifest_annotate(m, "z.last", "1"), 0);
	assert_int_equal(dp_manifest_annotate(m, "org.opencontainers.image.revision", "abc"), 0);
	assert_int_equal(dp_manifest_annotate(m, "a.first", "quote \" and \\ and \n"), 0);
	assert_int_equal(dp_manifest_annotate(m, "z.last", "2"), 0); /* replaced, not added */
}

static void test_deploy_manifest_canonical(void **state)
{
	struct dp_manifest m, back;
	struct qg_buf out = QG_BUF_INIT(1 << 20), again = QG_BUF_INIT(1 << 20);
	const char *expect =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"artifactType\":\"application/vnd.qgate.artifact.v1\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" H1
		"\",\"size\":2},"
		"\"layers\":[{\"mediaType\":\"application/vnd.onnx\",\"digest\":\"" H2
		"\",\"size\":1234,"
		"\"annotations\":{\"org.opencontainers.image.title\":\"model.onnx\"}},"
		"{\"mediaType\":\"text/csv\",\"digest\":\"" H3 "\",\"size\":0}],"
		"\"annotations\":{\"a.first\":\"quote \\\" and \\\\ and \\n\","
		"\"org.opencontainers.image.revision\":\"abc\",\"z.last\":\"2\"}}";

	(void)state;
	build(&m);
	assert_int_equal(m.nr_ann, 3);
	assert_string_equal(dp_manifest_annotation(&m, "z.last"), "2");
	assert_null(dp_manifest_annotation(&m, "missing"));
	assert_int_equal(dp_manifest_write(&m, &out), 0);
	assert_string_equal(out.buf, expect);

	/* reads back equal, and writes the same bytes again */
	assert_int_equal(dp_manifest_parse(&back, out.buf, out.len, "m.json"), 0);
	assert_false(back.is_index);
	assert_string_equal(back.artifact_type, DP_AT_MODEL);
	assert_int_equal(back.nr_layers, 2);
	assert_string_equal(back.layers[0].digest, H2);
	assert_int_equal(back.layers[0].size, 1234);
	assert_string_equal(dp_desc_annotation(&back.layers[0], "org.opencontainers.image.title"),
			    "model.onnx");
	assert_string_equal(dp_manifest_annotation(&back, "a.first"), "quote \" and \\ and \n");
	assert_null(back.subject);
	assert_int_equal(dp_manifest_write(&back, &again), 0);
	assert_string_equal(again.buf, out.buf);
	dp_manifest_release(&back);

	/* with a subject */
	m.subject = calloc(1, sizeof(*m.subject));
	set_desc(m.subject, DP_MT_MANIFEST, H3, 99);
	qg_buf_reset(&out);
	assert_int_equal(dp_manifest_write(&m, &out), 0);
	assert_non_null(strstr(out.buf, "],\"subject\":{\"mediaType\":\"" DP_MT_MANIFEST
					"\",\"digest\":\"" H3 "\",\"size\":99},\"annotations\""));
	assert_int_equal(dp_manifest_parse(&back, out.buf, out.len, "m.json"), 0);
	assert_non_null(back.subject);
	assert_string_equal(back.subject->digest, H3);
	dp_manifest_release(&back);

	dp_manifest_release(&m);
	dp_manifest_release(&m); /* released twice: harmless */
	qg_buf_release(&out);
	qg_buf_release(&again);
}

static void test_deploy_manifest_index(void **state)
{
	/* an index as skopeo writes index.json: no artifactType, platform ignored */
	const char *idx =
		"{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n    {\"mediaType\": \"" DP_MT_MANIFEST
		"\", \"digest\": \"" H1 "\", \"size\": 500, \"platform\": {\"os\": \"linux\"},"
		" \"annotations\": {\"org.opencontainers.image.ref.name\": \"v1\"}},\n"
		"    {\"mediaType\": \"" DP_MT_MANIFEST "\", \"artifactType\": \"" DP_AT_EVIDENCE
		"\", \"digest\": \"" H2 "\", \"size\": 7}\n  ]\n}\n";
	struct dp_manifest m;
	struct qg_buf out = QG_BUF_INIT(1 << 20);

	(void)state;
	assert_int_equal(dp_manifest_parse(&m, idx, strlen(idx), "index.json"), 0);
	assert_true(m.is_index);
	assert_string_equal(m.media_type, DP_MT_INDEX);
	assert_int_equal(m.nr_layers, 2);
	assert_string_equal(dp_desc_annotation(&m.layers[0], "org.opencontainers.image.ref.name"),
			    "v1");
	assert_string_equal(m.layers[1].artifact_type, DP_AT_EVIDENCE);
	assert_int_equal(dp_manifest_write(&m, &out), 0);
	assert_string_equal(out.buf,
			    "{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX "\",\"manifests\":["
			    "{\"mediaType\":\"" DP_MT_MANIFEST "\",\"digest\":\"" H1
			    "\",\"size\":500,"
			    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}},"
			    "{\"mediaType\":\"" DP_MT_MANIFEST
			    "\",\"artifactType\":\"" DP_AT_EVIDENCE "\",\"digest\":\"" H2
			    "\",\"size\":7}]}");
	dp_manifest_release(&m);

	/* an empty index */
	assert_int_equal(dp_manifest_parse(&m,
					   "{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX
					   "\",\"manifests\":[]}",
					   strlen("{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX
						  "\",\"manifests\":[]}"),
					   "i"),
			 0);
	assert_true(m.is_index);
	assert_int_equal(m.nr_layers, 0);
	dp_manifest_release(&m);
	qg_buf_release(&out);
}

static void refused(const char *body, const char *words)
{
	struct dp_manifest m;
	int err = dp_manifest_parse(&m, body, strlen(body), "blobs/x");

	if (err != QG_EINPUT)
		fail_msg("'%s': %d, expected QG_EINPUT", body, err);
	if (!strstr(qg_error_last(), "'blobs/x'") || !strstr(qg_error_last(), words))
		fail_msg("'%s': message '%s' lacks '%s'", body, qg_error_last(), words);
	assert_null(m.layers);
	assert_null(m.media_type);
}

#define CFG "\"config\":{\"mediaType\":\"x/y\",\"digest\":\"" H1 "\",\"size\":2}"

static void test_deploy_manifest_fail_closed(void **state)
{
	(void)state;
	refused("{", "");
	refused("", "");
	refused("[]", "expected a JSON object");
	refused("{\"schemaVersion\":1," CFG ",\"layers\":[]}", "/schemaVersion: expected 2");
	refused("{\"schemaVersion\":\"2\"," CFG ",\"layers\":[]}", "/schemaVersion: expected 2");
	refused("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"," CFG
		",\"layers\":[]}",
		"/mediaType: unknown media type");
	refused("{\"schemaVersion\":2,\"mediaType\":7," CFG ",\"layers\":[]}",
		"/mediaType: expected a string");
	refused("{\"schemaVersion\":2,\"layers\":[]}", "/config: missing");
	refused("{\"schemaVersion\":2}", "neither an index");
	refused("{\"schemaVersion\":2," CFG ",\"manifests\":[]}", "neither an index");
	refused("{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX "\"}", "/manifests: missing");
	refused("{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX "\",\"manifests\":[]," CFG "}",
		"index with 'config'");
	refused("{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_MANIFEST "\"," CFG ",\"layers\":{}}",
		"/layers: expected an array");
	refused("{\"schemaVersion\":2," CFG
		",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"sha256:12\",\"size\":1}]}",
		"/layers/0/digest: expected sha256");
	refused("{\"schemaVersion\":2," CFG
		",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"md5:" H1 "\",\"size\":1}]}",
		"/layers/0/digest");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"size\":1}]}",
		"/layers/0/digest: missing");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\"}]}",
		"/layers/0/size: missing");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\",\"size\":-1}]}",
		"/layers/0/size: expected a non-negative integer");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\",\"size\":1.5}]}",
		"/layers/0/size");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\",\"size\":1e300}]}",
		"/layers/0/size");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\",\"size\":\"1\"}]}",
		"/layers/0/size");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"digest\":\"" H2 "\",\"size\":1}]}",
		"/layers/0: descriptor without");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[3]}", "/layers/0: expected a descriptor");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[],\"annotations\":{\"k\":1}}",
		"/annotations/k: expected a string");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[],\"annotations\":[]}",
		"/annotations: expected an object");
	/* the JSON pointer escapes '/' and '~' (RFC 6901) */
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[],\"annotations\":{\"a/b~c\":1}}",
		"/annotations/a~1b~0c: expected a string");
	refused("{\"schemaVersion\":2," CFG
		",\"layers\":[],\"subject\":{\"mediaType\":\"a/b\",\"size\":1}}",
		"/subject/digest: missing");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[],\"artifactType\":[]}",
		"/artifactType: expected a string");
	/* duplicated members: two parsers could read two manifests */
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[],\"layers\":[]}",
		"duplicate key \"layers\"");
	refused("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" H2
		"\",\"digest\":\"" H3 "\",\"size\":1}]}",
		"duplicate key \"digest\"");
	refused("{\"schemaVersion\":2," CFG
		",\"layers\":[],\"annotations\":{\"k\":\"1\",\"k\":\"2\"}}",
		"duplicate key \"k\"");
}

static void test_deploy_manifest_digest_is_of_bytes(void **state)
{
	/* two builds of the same struct hash alike: the manifest digest is stable */
	struct dp_manifest a, b;
	struct qg_buf x = QG_BUF_INIT(1 << 20), y = QG_BUF_INIT(1 << 20);
	char hx[QG_SHA256_HEX], hy[QG_SHA256_HEX];

	(void)state;
	build(&a);
	build(&b);
	assert_int_equal(dp_manifest_write(&a, &x), 0);
	assert_int_equal(dp_manifest_write(&b, &y), 0);
	assert_int_equal(qg_sha256_hex(hx, x.buf, x.len), 0);
	assert_int_equal(qg_sha256_hex(hy, y.buf, y.len), 0);
	assert_string_equal(hx, hy);
	/* an incomplete descriptor is not written */
	b.layers[1].digest[0] = '\0';
	qg_buf_reset(&y);
	assert_int_equal(dp_manifest_write(&b, &y), QG_EUSAGE);
	/* an empty annotation key is refused */
	assert_int_equal(dp_manifest_annotate(&a, "", "v"), QG_EUSAGE);
	dp_manifest_release(&a);
	dp_manifest_release(&b);
	qg_buf_release(&x);
	qg_buf_release(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deploy_manifest_canonical),
		cmocka_unit_test(test_deploy_manifest_index),
		cmocka_unit_test(test_deploy_manifest_fail_closed),
		cmocka_unit_test(test_deploy_manifest_digest_is_of_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
