/* test_deploy_evidence.c -- evidence: reading result JSONs (folder, attached) and judging them */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/result.h"
#include "qgate/sha256.h"
#include "deploy/deploy.h"

#define COMMIT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define COMMIT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_MODEL "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_DATA "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX_OTHER "3333333333333333333333333333333333333333333333333333333333333333"

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-evidence.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* A result document as the gates write it: one check of the given status. */
static void result_json(char *out, size_t n, const char *gate, const char *command,
			const char *status, const char *commit, const char *hex1, const char *hex2)
{
	char arts[512] = "";
	int exit_code = !strcmp(status, "pass") ? 0 : !strcmp(status, "fail") ? 1 : 3;

	if (hex1 && hex2)
		snprintf(
			arts, sizeof(arts),
			"{\"path\": \"a\", \"sha256\": \"%s\", \"bytes\": 1}, {\"path\": \"b\", \"sha256\": \"%s\", \"bytes\": 1}",
			hex1, hex2);
	else if (hex1)
		snprintf(arts, sizeof(arts), "{\"path\": \"a\", \"sha256\": \"%s\", \"bytes\": 1}",
			 hex1);
	snprintf(
		out, n,
		"{\"schema\": \"qgate.result/v1\", \"gate\": \"%s\", \"command\": \"%s\", \"version\": \"0.1.0\",\n"
		" \"status\": \"%s\", \"exit_code\": %d, \"started_at\": \"2026-12-07T01:00:00Z\", \"duration_ms\": 1,\n"
		" \"subject\": {\"commit\": %s%s%s, \"ref\": null, \"dirty\": false, \"artifacts\": [%s]},\n"
		" \"summary\": {\"checks\": 1, \"passed\": %d, \"failed\": %d, \"errors\": 0, \"skipped\": 0},\n"
		" \"checks\": [{\"id\": \"x\", \"status\": \"%s\"}], \"metrics\": {}}\n",
		gate, command, status, exit_code, commit ? "\"" : "", commit ? commit : "null",
		commit ? "\"" : "", arts, !strcmp(status, "pass"), !strcmp(status, "fail"), status);
}

/* A manifest of two layers (model.onnx, train.csv) built by hand. */
static void make_manifest(struct dp_manifest *m, struct dp_annotation ann[2])
{
	memset(m, 0, sizeof(*m));
	m->layers = calloc(2, sizeof(*m->layers));
	assert_non_null(m->layers);
	m->nr_layers = 2;
	snprintf(m->layers[0].digest, DP_DIGEST_SIZE, "sha256:%s", HEX_MODEL);
	snprintf(m->layers[1].digest, DP_DIGEST_SIZE, "sha256:%s", HEX_DATA);
	ann[0].key = "org.opencontainers.image.title";
	ann[0].value = "model.onnx";
	ann[1].key = "org.opencontainers.image.title";
	ann[1].value = "train.csv";
	m->layers[0].ann = &ann[0];
	m->layers[0].nr_ann = 1;
	m->layers[1].ann = &ann[1];
	m->layers[1].nr_ann = 1;
}

static struct qg_check *judge(struct qg_result *r, struct dp_evidence_set *set, const char *gates,
			      const char *commit)
{
	struct qg_strvec req = QG_STRVEC_INIT;
	struct dp_manifest m;
	struct dp_annotation ann[2];
	char buf[64];
	const char *p = gates;

	while (*p) {
		size_t n = strcspn(p, ",");

		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		assert_int_equal(qg_strvec_push(&req, buf), 0);
		p += n + (p[n] == ',');
	}
	make_manifest(&m, ann);
	assert_int_equal(qg_result_init(r, "deploy", "0.1.0"), 0);
	assert_int_equal(dp_evidence_judge(r, set, &req, commit, &m), 0);
	free(m.layers);
	qg_strvec_clear(&req);
	return r->nr_checks ? r->checks[r->nr_checks - 1] : NULL;
}

static void test_deploy_evidence_read_dir(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	char doc[2048];

	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	write_file(f->dir, "model-check.json", doc);
	result_json(doc, sizeof(doc), "data", "validate", "fail", NULL, HEX_DATA, NULL);
	write_file(f->dir, "data-validate.json", doc);
	write_file(f->dir, "model-check.xml", "<testsuites/>"); /* not *.json: not evidence */
	assert_int_equal(dp_evidence_read_dir(&set, f->dir), 0);
	assert_int_equal(set.nr, 2);
	/* sorted by name */
	assert_string_equal(set.items[0].gate, "data");
	assert_string_equal(set.items[0].command, "validate");
	assert_string_equal(set.items[0].status, "fail");
	assert_null(set.items[0].commit);
	assert_int_equal(set.items[0].nr_artifacts, 1);
	assert_string_equal(set.items[1].gate, "model");
	assert_string_equal(set.items[1].status, "pass");
	assert_string_equal(set.items[1].commit, COMMIT_A);
	assert_int_equal(set.items[1].nr_artifacts, 2);
	assert_string_equal(set.items[1].artifacts[0], "sha256:" HEX_MODEL);
	assert_non_null(strstr(set.items[1].source, "model-check.json"));
	{
		char hex[QG_SHA256_HEX];

		assert_int_equal(qg_sha256_hex(hex, doc, strlen(doc)),
				 0); /* doc = data-validate.json's */
		assert_string_equal(set.items[0].digest + 7, hex);
	}
	dp_evidence_release(&set);
	assert_int_equal(set.nr, 0);
}

static void test_deploy_evidence_status_is_derived(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	char doc[2048], *p;

	/* says pass at the top, but its only check failed: counts as failed */
	result_json(doc, sizeof(doc), "model", "check", "fail", COMMIT_A, HEX_MODEL, HEX_DATA);
	p = strstr(doc, "\"status\": \"fail\", \"exit_code\": 1");
	assert_non_null(p);
	memcpy(p, "\"status\": \"pass\", \"exit_code\": 0",
	       strlen("\"status\": \"pass\", \"exit_code\": 0"));
	write_file(f->dir, "model-check.json", doc);
	assert_int_equal(dp_evidence_read_dir(&set, f->dir), 0);
	assert_int_equal(set.nr, 1);
	assert_string_not_equal(set.items[0].status, "pass");
	dp_evidence_release(&set);
}

static void test_deploy_evidence_refuses_other_json(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	int err;

	write_file(f->dir, "package.json", "{\"name\": \"x\"}\n");
	err = dp_evidence_read_dir(&set, f->dir);
	assert_true(err == QG_EPARSE || err == QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "package.json"));
	assert_true(qg_exit_for_error(err) == 3);
	dp_evidence_release(&set);

	{
		char p[256];

		snprintf(p, sizeof(p), "%s/package.json", f->dir);
		assert_int_equal(unlink(p), 0);
	}
	write_file(f->dir, "broken.json", "{\"schema\": \"qgate.result/v1\",");
	err = dp_evidence_read_dir(&set, f->dir);
	assert_true(err < 0);
	assert_non_null(strstr(qg_error_last(), "broken.json"));
	dp_evidence_release(&set);
}

static void test_deploy_evidence_no_escape(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	char doc[2048], outside[256], link[256];
	int err;

	/* a valid result outside the folder, reached through a link inside it */
	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	snprintf(outside, sizeof(outside), "%s.outside.json", f->dir);
	write_file("/", outside + 1, doc);
	snprintf(link, sizeof(link), "%s/model-check.json", f->dir);
	assert_int_equal(symlink(outside, link), 0);
	err = dp_evidence_read_dir(&set, f->dir);
	unlink(outside);
	assert_int_equal(err, QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "symbolic link"));
	assert_int_equal(set.nr, 0);
	assert_int_equal(unlink(link), 0);

	/* a folder named like a result */
	assert_int_equal(mkdir(link, 0700), 0);
	err = dp_evidence_read_dir(&set, f->dir);
	assert_int_equal(err, QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "not a regular file"));
	assert_int_equal(rmdir(link), 0);

	/* an empty folder: most likely the wrong one, not "no evidence" */
	err = dp_evidence_read_dir(&set, f->dir);
	assert_int_equal(err, QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "no qgate result"));

	/* a missing folder */
	err = dp_evidence_read_dir(&set, "/nonexistent/qgate-evidence");
	assert_int_equal(err, QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "/nonexistent/qgate-evidence"));
}

static void test_deploy_evidence_one_file(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	char doc[2048], path[256];

	/* --evidence FILE: a path that is not a folder is one result, whatever its name */
	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	write_file(f->dir, "result.txt", doc);
	snprintf(path, sizeof(path), "%s/result.txt", f->dir);
	assert_int_equal(dp_evidence_read_dir(&set, path), 0);
	assert_int_equal(set.nr, 1);
	assert_string_equal(set.items[0].gate, "model");
	assert_string_equal(set.items[0].source, path);
	dp_evidence_release(&set);

	write_file(f->dir, "bad.json", "[1, 2]");
	snprintf(path, sizeof(path), "%s/bad.json", f->dir);
	assert_true(dp_evidence_read_dir(&set, path) < 0);
	assert_non_null(strstr(qg_error_last(), "bad.json"));
	assert_int_equal(set.nr, 0);
}

static void test_deploy_evidence_judge(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	struct qg_result r;
	struct qg_check *c;
	char doc[2048];

	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	write_file(f->dir, "model-check.json", doc);
	result_json(doc, sizeof(doc), "data", "validate", "pass", COMMIT_A, HEX_DATA, HEX_MODEL);
	write_file(f->dir, "data-validate.json", doc);
	assert_int_equal(dp_evidence_read_dir(&set, f->dir), 0);

	/* both pass, for this commit, naming both layers */
	c = judge(&r, &set, "data,model", COMMIT_A);
	assert_int_equal(r.nr_checks, 2);
	assert_string_equal(r.checks[0]->id, "promote.evidence.data");
	assert_int_equal(r.checks[0]->status, QG_STATUS_PASS);
	assert_string_equal(c->id, "promote.evidence.model");
	assert_int_equal(c->status, QG_STATUS_PASS);
	assert_int_equal(qg_result_exit_code(&r), 0);
	qg_result_release(&r);

	/* gate-command spelling */
	c = judge(&r, &set, "data-validate", NULL);
	assert_int_equal(c->status, QG_STATUS_PASS);
	qg_result_release(&r);
	c = judge(&r, &set, "data-drift", NULL);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	qg_result_release(&r);

	/* a gate without a result */
	c = judge(&r, &set, "data,lint", COMMIT_A);
	assert_string_equal(c->id, "promote.evidence.lint");
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_string_equal(c->message, "no result for gate 'lint'");
	assert_int_equal(qg_result_exit_code(&r), 1);
	qg_result_release(&r);

	/* another commit */
	c = judge(&r, &set, "model", COMMIT_B);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_non_null(strstr(
		c->message,
		"model-check.json: commit aaaaaaaaaaaa is not the artifact's commit bbbbbbbbbbbb"));
	qg_result_release(&r);
	dp_evidence_release(&set);
}

static void test_deploy_evidence_judge_failures(void **state)
{
	struct fx *f = *state;
	struct dp_evidence_set set = { 0 };
	struct qg_result r;
	struct qg_check *c;
	char doc[2048];

	/* failed */
	result_json(doc, sizeof(doc), "model", "check", "fail", COMMIT_A, HEX_MODEL, HEX_DATA);
	write_file(f->dir, "model-check.json", doc);
	/* passed, but judged other bytes than train.csv */
	result_json(doc, sizeof(doc), "data", "validate", "pass", COMMIT_A, HEX_OTHER, HEX_MODEL);
	write_file(f->dir, "data-validate.json", doc);
	/* passed, outside a repository */
	result_json(doc, sizeof(doc), "lint", "check", "pass", NULL, HEX_DATA, HEX_MODEL);
	write_file(f->dir, "lint.json", doc);
	assert_int_equal(dp_evidence_read_dir(&set, f->dir), 0);
	assert_int_equal(set.nr, 3);

	c = judge(&r, &set, "model", COMMIT_A);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_non_null(strstr(c->message, "model-check.json: status fail"));
	assert_int_equal(c->count, 1);
	assert_int_equal(c->nr_locations, 1);
	assert_non_null(strstr(c->locations[0].file, "model-check.json"));
	qg_result_release(&r);

	c = judge(&r, &set, "data", COMMIT_A);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_non_null(strstr(c->message,
			       "data-validate.json does not name layer train.csv (sha256:" HEX_DATA
			       ")"));
	assert_null(strstr(c->message, "model.onnx"));
	qg_result_release(&r);

	/* no commit to compare with: any commit is fine; with one, a result without is not */
	c = judge(&r, &set, "lint", NULL);
	assert_int_equal(c->status, QG_STATUS_PASS);
	qg_result_release(&r);
	c = judge(&r, &set, "lint", COMMIT_A);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	assert_non_null(strstr(c->message, "no commit"));
	qg_result_release(&r);

	/* every result of a gate counts: one failing result blocks even beside a passing one */
	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	write_file(f->dir, "model-check-2.json", doc);
	dp_evidence_release(&set);
	assert_int_equal(dp_evidence_read_dir(&set, f->dir), 0);
	c = judge(&r, &set, "model", COMMIT_A);
	assert_int_equal(c->status, QG_STATUS_FAIL);
	qg_result_release(&r);
	dp_evidence_release(&set);
}

/* ---- attached evidence through a store of three in-memory objects */

struct memstore {
	struct dp_store base;
	const char *subject;
	char ev_digest[DP_DIGEST_SIZE];
	char *ev_manifest;
	char res_digest[DP_DIGEST_SIZE];
	char *res_body;
	int blob_missing;
};

static int mem_referrers(struct dp_store *s, const char *digest, const char *at,
			 struct dp_desc **out, size_t *nr)
{
	struct memstore *ms = (struct memstore *)s;
	struct dp_desc *d;

	if (strcmp(digest, ms->subject))
		return 0;
	assert_string_equal(at, DP_AT_EVIDENCE);
	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->media_type = qg_strdup(DP_MT_MANIFEST);
	d->artifact_type = qg_strdup(DP_AT_EVIDENCE);
	memcpy(d->digest, ms->ev_digest, DP_DIGEST_SIZE);
	d->size = (long long)strlen(ms->ev_manifest);
	*out = d;
	*nr = 1;
	return 0;
}

static int mem_manifest_get(struct dp_store *s, const char *ref, struct qg_buf *body,
			    char digest[DP_DIGEST_SIZE], struct qg_buf *mt)
{
	struct memstore *ms = (struct memstore *)s;

	if (strcmp(ref, ms->ev_digest))
		return QG_ENOTFOUND;
	memcpy(digest, ms->ev_digest, DP_DIGEST_SIZE);
	return body ? qg_buf_addstr(body, ms->ev_manifest) : 0;
}

static int mem_blob_get(struct dp_store *s, const char *digest, struct qg_buf *out, size_t max)
{
	struct memstore *ms = (struct memstore *)s;

	if (ms->blob_missing || strcmp(digest, ms->res_digest))
		return QG_ENOTFOUND;
	return qg_buf_addstr(out, ms->res_body);
}

static const struct dp_store_ops mem_ops = {
	.scheme = "mem",
	.referrers = mem_referrers,
	.manifest_get = mem_manifest_get,
	.blob_get = mem_blob_get,
};

static void test_deploy_evidence_attached(void **state)
{
	struct memstore ms = { 0 };
	struct dp_evidence_set set = { 0 };
	struct qg_result r;
	struct qg_check *c;
	char doc[2048], hex[QG_SHA256_HEX], subject[DP_DIGEST_SIZE];
	struct qg_buf man = QG_BUF_INIT(1 << 20);
	int err;

	(void)state;
	snprintf(subject, sizeof(subject), "sha256:%s", HEX_OTHER);
	result_json(doc, sizeof(doc), "model", "check", "pass", COMMIT_A, HEX_MODEL, HEX_DATA);
	assert_int_equal(qg_sha256_hex(hex, doc, strlen(doc)), 0);
	ms.base.ops = &mem_ops;
	ms.base.ref.text = "oci-layout:mem";
	ms.subject = subject;
	ms.res_body = doc;
	snprintf(ms.res_digest, sizeof(ms.res_digest), "sha256:%s", hex);
	assert_int_equal(
		qg_buf_addf(
			&man,
			"{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_MANIFEST
			"\",\"artifactType\":\"" DP_AT_EVIDENCE "\","
			"\"config\":{\"mediaType\":\"" DP_MT_EMPTY
			"\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
			"\"layers\":[{\"mediaType\":\"" DP_MT_RESULT
			"\",\"digest\":\"%s\",\"size\":%zu,"
			"\"annotations\":{\"org.opencontainers.image.title\":\"model-check.json\"}}],"
			"\"subject\":{\"mediaType\":\"" DP_MT_MANIFEST
			"\",\"digest\":\"%s\",\"size\":10}}",
			ms.res_digest, strlen(doc), subject),
		0);
	ms.ev_manifest = man.buf;
	assert_int_equal(qg_sha256_hex(hex, man.buf, man.len), 0);
	snprintf(ms.ev_digest, sizeof(ms.ev_digest), "sha256:%s", hex);

	assert_int_equal(dp_evidence_read_attached(&set, &ms.base, subject), 0);
	assert_int_equal(set.nr, 1);
	assert_string_equal(set.items[0].gate, "model");
	assert_string_equal(set.items[0].source, "model-check.json");
	assert_string_equal(set.items[0].digest, ms.res_digest);
	c = judge(&r, &set, "model", COMMIT_A);
	assert_int_equal(c->status, QG_STATUS_PASS);
	qg_result_release(&r);
	dp_evidence_release(&set);

	/* another artifact has no evidence: an empty set, and the judge says so */
	assert_int_equal(dp_evidence_read_attached(&set, &ms.base, "sha256:" HEX_MODEL), 0);
	assert_int_equal(set.nr, 0);
	c = judge(&r, &set, "model", COMMIT_A);
	assert_string_equal(c->message, "no result for gate 'model'");
	qg_result_release(&r);

	/* a listed blob that is gone: exit 3, never "no evidence" */
	ms.blob_missing = 1;
	err = dp_evidence_read_attached(&set, &ms.base, subject);
	assert_int_equal(err, QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "missing"));
	dp_evidence_release(&set);
	qg_buf_release(&man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deploy_evidence_read_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_status_is_derived, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_refuses_other_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_no_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_one_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_judge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_evidence_judge_failures, setup,
						teardown),
		cmocka_unit_test(test_deploy_evidence_attached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
