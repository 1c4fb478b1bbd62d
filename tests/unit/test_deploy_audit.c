/* test_deploy_audit.c -- the audit log: appends (chain, signatures, the
 * copy in an oci-layout, concurrent writers, a cut log refused) and
 * dp_audit_check on tampered logs (each problem named by line), plus the
 * Ed25519 key loading and RFC 8032's first test vector */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qgate/crypto.h"
#include "qgate/sha256.h"
#include "deploy/deploy.h"

/* RFC 8032 7.1 TEST 1 as PEM (PKCS#8 and SPKI) */
static const char priv_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			       "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
			       "-----END PRIVATE KEY-----\n";
static const char pub_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			      "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
			      "-----END PUBLIC KEY-----\n";

struct fx {
	char dir[64];
	char log[128], priv[128], pub[128];
};

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->log, sizeof(f->log), "%s/audit.jsonl", f->dir);
	snprintf(f->priv, sizeof(f->priv), "%s/key.pem", f->dir);
	snprintf(f->pub, sizeof(f->pub), "%s/pub.pem", f->dir);
	write_file(f->priv, priv_pem, strlen(priv_pem));
	write_file(f->pub, pub_pem, strlen(pub_pem));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void read_all(const char *path, struct qg_buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	qg_buf_reset(out);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(qg_buf_add(out, chunk, (size_t)n), 0);
	close(fd);
}

static void append_n(const char *log, const char *key, int n, const char *tag)
{
	static const char *const ev[] = {
		"sha256:1111111111111111111111111111111111111111111111111111111111111111", NULL
	};
	struct dp_audit_opts o = { .log = log, .sign_key = key };
	struct dp_audit_entry e = {
		.action = "promote", .target = "oci-layout:/srv/m \"quoted\"", .tag = tag,
		.digest_before = "sha256:2222222222222222222222222222222222222222222222222222222222222222",
		.digest_after = "sha256:3333333333333333333333333333333333333333333333333333333333333333",
		.verdict = "pass", .evidence = ev, .nr_evidence = 1,
	};

	for (int i = 0; i < n; i++)
		assert_int_equal(dp_audit_append(&o, NULL, &e), 0);
}

/* check `text`, expecting the problems' "line:message" to contain `want`
 * (NULL: none) */
static void expect_problem(const char *text, size_t len, const struct qg_ed25519_key *key, long long line,
			   const char *want)
{
	struct dp_audit_report rep;
	int found = 0;

	assert_int_equal(dp_audit_check(&rep, text, len, "log", key), 0);
	if (!want) {
		assert_int_equal((int)(rep.nr_chain + rep.nr_signature), 0);
	} else {
		for (size_t i = 0; i < rep.nr_problems; i++)
			if (rep.problems[i].line == line && strstr(rep.problems[i].message, want))
				found = 1;
		if (!found)
			for (size_t i = 0; i < rep.nr_problems; i++)
				print_message("problem %lld: %s\n", rep.problems[i].line, rep.problems[i].message);
		assert_true(found);
	}
	dp_audit_report_release(&rep);
}

/* the n-th line (1-based) of text as [start, end) */
static void line_at(const char *text, int n, const char **start, const char **end)
{
	const char *p = text;

	for (int i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	*start = p;
	*end = strchr(p, '\n') + 1;
}

static void test_deploy_audit_append_chain(void **state)
{
	struct fx *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	struct dp_audit_report rep;

	append_n(f->log, NULL, 5, "prod");
	read_all(f->log, &b);
	assert_int_equal(dp_audit_check(&rep, b.buf, b.len, f->log, NULL), 0);
	assert_int_equal((int)rep.entries, 5);
	assert_int_equal((int)rep.nr_problems, 0);
	assert_int_equal((int)rep.signed_entries, 0);
	/* the first entry links to the genesis hash, the quote in the target is escaped */
	assert_non_null(strstr(b.buf, "\"seq\":1,"));
	assert_non_null(strstr(b.buf, "\"prev\":\"" DP_AUDIT_GENESIS "\"}\n"));
	assert_non_null(strstr(b.buf, "\"target\":\"oci-layout:/srv/m \\\"quoted\\\"\""));
	assert_non_null(strstr(b.buf, "\"evidence\":[\"sha256:1111"));
	assert_non_null(strstr(b.buf, "\"seq\":5,"));
	dp_audit_report_release(&rep);
	qg_buf_release(&b);
}

static void test_deploy_audit_tamper(void **state)
{
	struct fx *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE), t = QG_BUF_INIT(QG_CAP_FILE);
	const char *s2, *e2, *s3, *e3, *s4, *e4, *p;

	append_n(f->log, NULL, 5, "prod");
	read_all(f->log, &b);
	expect_problem(b.buf, b.len, NULL, 0, NULL);
	line_at(b.buf, 2, &s2, &e2);
	line_at(b.buf, 3, &s3, &e3);
	line_at(b.buf, 4, &s4, &e4);

	/* edit line 3: named as entry 3 edited (at line 3) */
	assert_int_equal(qg_buf_add(&t, b.buf, b.len), 0);
	p = strstr(t.buf + (s3 - b.buf), "\"tag\":\"prod\"");
	t.buf[p - t.buf + 8] = 'P';
	expect_problem(t.buf, t.len, NULL, 3, "entry 3 was edited");

	/* delete line 3 */
	qg_buf_reset(&t);
	assert_int_equal(qg_buf_add(&t, b.buf, (size_t)(s3 - b.buf)), 0);
	assert_int_equal(qg_buf_add(&t, e3, b.len - (size_t)(e3 - b.buf)), 0);
	expect_problem(t.buf, t.len, NULL, 3, "entry 3 is missing before entry 4");

	/* swap lines 3 and 4 */
	qg_buf_reset(&t);
	assert_int_equal(qg_buf_add(&t, b.buf, (size_t)(s3 - b.buf)), 0);
	assert_int_equal(qg_buf_add(&t, s4, (size_t)(e4 - s4)), 0);
	assert_int_equal(qg_buf_add(&t, s3, (size_t)(e3 - s3)), 0);
	assert_int_equal(qg_buf_add(&t, e4, b.len - (size_t)(e4 - b.buf)), 0);
	expect_problem(t.buf, t.len, NULL, 3, "reordered");

	/* insert a copy of line 2 after line 2 */
	qg_buf_reset(&t);
	assert_int_equal(qg_buf_add(&t, b.buf, (size_t)(e2 - b.buf)), 0);
	assert_int_equal(qg_buf_add(&t, s2, (size_t)(e2 - s2)), 0);
	assert_int_equal(qg_buf_add(&t, e2, b.len - (size_t)(e2 - b.buf)), 0);
	expect_problem(t.buf, t.len, NULL, 3, "line 2 was inserted or moved");

	/* the last line cut, or only its newline */
	expect_problem(b.buf, b.len - 30, NULL, 5, "cut off");
	expect_problem(b.buf, b.len - 1, NULL, 5, "no newline");

	/* a line made a fresh chain start */
	qg_buf_reset(&t);
	assert_int_equal(qg_buf_add(&t, s3, b.len - (size_t)(s3 - b.buf)), 0);
	expect_problem(t.buf, t.len, NULL, 1, "entries 1-2 are missing");
	qg_buf_release(&b);
	qg_buf_release(&t);
}

static void test_deploy_audit_signed(void **state)
{
	struct fx *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	struct qg_ed25519_key *pub = NULL, *priv = NULL;
	struct dp_audit_report rep;
	char *p;

	append_n(f->log, f->priv, 3, "staging");
	read_all(f->log, &b);
	assert_int_equal(qg_ed25519_key_load(&pub, f->pub, 0), 0);
	assert_int_equal(qg_ed25519_key_load(&priv, f->priv, 1), 0);
	/* the same key id from either half */
	assert_string_equal(qg_ed25519_key_id(pub), qg_ed25519_key_id(priv));
	assert_int_equal(dp_audit_check(&rep, b.buf, b.len, "log", pub), 0);
	assert_int_equal((int)rep.signed_entries, 3);
	assert_int_equal((int)rep.nr_problems, 0);
	dp_audit_report_release(&rep);
	/* an edit of the last line: only the signature can tell */
	p = strrchr(b.buf, '\n');
	while (p > b.buf && p[-1] != '\n')
		p--;
	p = strstr(p, "staging");
	p[0] = 'S';
	expect_problem(b.buf, b.len, NULL, 0, NULL);
	expect_problem(b.buf, b.len, pub, 3, "entry 3: bad signature");
	qg_ed25519_key_free(pub);
	qg_ed25519_key_free(priv);
	qg_buf_release(&b);
}

static void test_deploy_audit_rfc8032(void **state)
{
	static const char want[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
				   "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
	struct fx *f = *state;
	struct qg_ed25519_key *k = NULL, *pub = NULL;
	unsigned char sig[QG_ED25519_SIG];
	char hex[2 * QG_ED25519_SIG + 1];

	assert_int_equal(qg_ed25519_key_load(&k, f->priv, 1), 0);
	assert_int_equal(qg_ed25519_sign(k, "", 0, sig), 0);
	for (int i = 0; i < QG_ED25519_SIG; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	assert_string_equal(hex, want);
	assert_int_equal(qg_ed25519_key_load(&pub, f->pub, 0), 0);
	assert_int_equal(qg_ed25519_verify(pub, "", 0, sig), 1);
	assert_int_equal(qg_ed25519_verify(pub, "x", 1, sig), 0);
	/* a public key cannot sign, nor be given where a private one is needed */
	assert_int_equal(qg_ed25519_sign(pub, "", 0, sig), QG_EUSAGE);
	qg_ed25519_key_free(pub);
	pub = NULL;
	assert_int_equal(qg_ed25519_key_load(&pub, f->pub, 1), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "PUBLIC KEY"));
	assert_null(pub);
	qg_ed25519_key_free(k);
}

static void test_deploy_audit_copy_and_refusals(void **state)
{
	struct fx *f = *state;
	struct dp_store s;
	struct dp_audit_opts o = { .log = f->log };
	struct dp_audit_entry e = { .action = "push", .target = "oci-layout:x", .tag = "v1" };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE), path = QG_BUF_INIT(QG_CAP_PATH);
	struct dp_audit_report rep;

	memset(&s, 0, sizeof(s));
	s.ref.kind = DP_LAYOUT;
	s.ref.dir = f->dir;
	assert_int_equal(dp_audit_append(&o, &s, &e), 0);
	assert_int_equal(dp_audit_append(NULL, &s, &e), 0); /* the copy alone */
	assert_int_equal(qg_buf_addf(&path, "%s/%s", f->dir, DP_AUDIT_LAYOUT_FILE), 0);
	read_all(path.buf, &b);
	assert_int_equal(dp_audit_check(&rep, b.buf, b.len, path.buf, NULL), 0);
	assert_int_equal((int)rep.entries, 2);
	dp_audit_report_release(&rep);
	/* --audit-log naming the copy itself: one entry per append, not two */
	{
		struct dp_audit_opts same = { .log = path.buf };

		assert_int_equal(dp_audit_append(&same, &s, &e), 0);
		read_all(path.buf, &b);
		assert_int_equal(dp_audit_check(&rep, b.buf, b.len, path.buf, NULL), 0);
		assert_int_equal((int)rep.entries, 3);
		dp_audit_report_release(&rep);
	}
	/* what the caller hands in is checked */
	e.digest_after = "sha256:12";
	assert_int_equal(dp_audit_append(&o, NULL, &e), QG_ERROR);
	e.digest_after = NULL;
	e.verdict = "maybe";
	assert_int_equal(dp_audit_append(&o, NULL, &e), QG_ERROR);
	e.verdict = NULL;
	/* a log whose last line is cut is refused, not extended */
	read_all(f->log, &b);
	write_file(f->log, b.buf, b.len - 5);
	assert_int_equal(dp_audit_append(&o, NULL, &e), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "incomplete"));
	/* ... and one whose last line is not an entry */
	write_file(f->log, "{\"a\":1}\n", 8);
	assert_int_equal(dp_audit_append(&o, NULL, &e), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "not an audit entry"));
	qg_buf_release(&b);
	qg_buf_release(&path);
}

static void test_deploy_audit_not_a_log(void **state)
{
	struct dp_audit_report rep;
	static const char *const bad[] = {
		"", "hello\n", "{}\n", "[1]\n", "{\"schema\":\"qgate.audit/v1\"}\n",
		"{\"schema\":\"qgate.audit/v1\",\"seq\":01}\n", "{\"schema\":\"qgate.audit/v1\",\"schema\":\"x\"}\n",
		"{\"schema\":\"qgate.audit/v1\",\"seq\":1,\"time\":\"2026-12-07 01:00:00\"}\n",
		"{\"a\":\"\\q\"}\n", "{\"a\":\"\xff\"}\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dp_audit_check(&rep, bad[i], strlen(bad[i]), "x.jsonl", NULL), QG_EPARSE);
		assert_non_null(strstr(qg_error_last(), "x.jsonl"));
	}
	assert_non_null(strstr(qg_error_last(), "'x.jsonl':1: not an audit entry"));
}

static void test_deploy_audit_concurrent(void **state)
{
	struct fx *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	struct dp_audit_report rep;
	pid_t pids[4];
	int st;

	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (!pids[i]) {
			struct dp_audit_opts o = { .log = f->log };
			struct dp_audit_entry e = { .action = "health", .target = "t", .verdict = "pass" };

			for (int k = 0; k < 25; k++)
				if (dp_audit_append(&o, NULL, &e) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	read_all(f->log, &b);
	assert_int_equal(dp_audit_check(&rep, b.buf, b.len, f->log, NULL), 0);
	assert_int_equal((int)rep.entries, 100);
	assert_int_equal((int)rep.nr_problems, 0);
	dp_audit_report_release(&rep);
	qg_buf_release(&b);
}

/* ------------------------------------------------------------ the copy kept in a remote store */

/* A store in memory, enough for the audit artifact: blobs by digest, one tag,
 * and `conflicts` compare-and-swaps lost on purpose (another writer). */
#define MEM_BLOBS 64
struct memstore {
	struct dp_store base;
	char digest[MEM_BLOBS][DP_DIGEST_SIZE];
	struct qg_buf data[MEM_BLOBS];
	int nr;
	char tag[DP_DIGEST_SIZE]; /* "" = no qgate-audit tag */
	int conflicts, puts, expect_empty;
};

static int mem_find(struct memstore *m, const char *digest)
{
	for (int i = 0; i < m->nr; i++)
		if (!strcmp(m->digest[i], digest))
			return i;
	return -1;
}

static int mem_add(struct memstore *m, const void *p, size_t len, char out[DP_DIGEST_SIZE])
{
	char hex[QG_SHA256_HEX];
	int i;

	assert_int_equal(qg_sha256_hex(hex, p, len), 0);
	snprintf(out, DP_DIGEST_SIZE, "sha256:%s", hex);
	if (mem_find(m, out) >= 0)
		return 1;
	assert_true(m->nr < MEM_BLOBS);
	i = m->nr++;
	memcpy(m->digest[i], out, DP_DIGEST_SIZE);
	m->data[i] = (struct qg_buf)QG_BUF_INIT(QG_CAP_FILE);
	assert_int_equal(qg_buf_add(&m->data[i], p, len), 0);
	return 0;
}

static int mem_blob_put(struct dp_store *s, const struct dp_source *src, const char *expect, struct dp_desc *out,
			int *skipped)
{
	assert_null(src->path);
	*skipped = mem_add((struct memstore *)s, src->data, src->len, out->digest);
	out->size = (long long)src->len;
	return 0;
}

static int mem_blob_get(struct dp_store *s, const char *digest, struct qg_buf *out, size_t max)
{
	struct memstore *m = (struct memstore *)s;
	int i = mem_find(m, digest);

	if (i < 0)
		return QG_ENOTFOUND;
	if (m->data[i].len > max)
		return QG_ETOOBIG;
	qg_buf_reset(out);
	return qg_buf_add(out, m->data[i].buf, m->data[i].len);
}

static int mem_manifest_get(struct dp_store *s, const char *tag, struct qg_buf *body, char digest[DP_DIGEST_SIZE],
			    struct qg_buf *media_type)
{
	struct memstore *m = (struct memstore *)s;

	assert_string_equal(tag, DP_AUDIT_TAG);
	if (!m->tag[0])
		return QG_ENOTFOUND;
	memcpy(digest, m->tag, DP_DIGEST_SIZE);
	return body ? mem_blob_get(s, m->tag, body, QG_CAP_FILE) : 0;
}

static int mem_manifest_put(struct dp_store *s, const char *tag, const void *body, size_t len, const char *media_type,
			    const char *expect_old)
{
	struct memstore *m = (struct memstore *)s;
	char d[DP_DIGEST_SIZE];

	assert_string_equal(tag, DP_AUDIT_TAG);
	assert_string_equal(media_type, DP_MT_MANIFEST);
	assert_non_null(expect_old);
	m->puts++;
	if (!m->tag[0])
		m->expect_empty++;
	if (strcmp(expect_old, m->tag))
		return QG_ECONFLICT;
	if (m->conflicts > 0) {
		m->conflicts--;
		return QG_ECONFLICT;
	}
	mem_add(m, body, len, d);
	memcpy(m->tag, d, DP_DIGEST_SIZE);
	return 0;
}

static const struct dp_store_ops mem_ops = {
	.scheme = "oci",
	.blob_put = mem_blob_put,
	.blob_get = mem_blob_get,
	.manifest_get = mem_manifest_get,
	.manifest_put = mem_manifest_put,
};

static void mem_release(struct memstore *m)
{
	for (int i = 0; i < m->nr; i++)
		qg_buf_release(&m->data[i]);
	dp_ref_release(&m->base.ref);
}

static void test_deploy_audit_store_copy(void **state)
{
	struct fx *f = *state;
	struct memstore *m = calloc(1, sizeof(*m));
	struct dp_audit_opts o = { .log = f->log };
	struct dp_audit_entry e = { .action = "push", .target = "oci://example.test/team/m", .tag = "v1" };
	struct qg_buf log = QG_BUF_INIT(QG_CAP_FILE), file = QG_BUF_INIT(QG_CAP_FILE);
	struct dp_audit_report rep;
	struct dp_manifest man;
	char digest[DP_DIGEST_SIZE];
	int fd;

	assert_non_null(m);
	m->base.ops = &mem_ops;
	assert_int_equal(dp_ref_parse(&m->base.ref, "oci://example.test/team/m", 0), 0);
	/* no tag yet */
	assert_int_equal(dp_audit_store_read(&m->base, &log, digest), QG_ENOTFOUND);
	/* without --audit-log a remote store keeps nothing */
	assert_int_equal(dp_audit_append(&(struct dp_audit_opts){ 0 }, &m->base, &e), 0);
	assert_int_equal(m->puts, 0);
	/* three appends: the first one creates the tag (expect_old "") */
	for (int i = 0; i < 3; i++)
		assert_int_equal(dp_audit_append(&o, &m->base, &e), 0);
	assert_int_equal(m->expect_empty, 1);
	assert_int_equal(dp_audit_store_read(&m->base, &log, digest), 0);
	assert_string_equal(digest, m->tag);
	assert_int_equal(dp_audit_check(&rep, log.buf, log.len, "mem", NULL), 0);
	assert_int_equal((int)rep.entries, 3);
	assert_int_equal((int)rep.nr_problems, 0);
	dp_audit_report_release(&rep);
	/* the same entries as the --audit-log file (same time, actor, commit) */
	fd = open(f->log, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(qg_buf_grow(&file, 65536), 0);
	qg_buf_setlen(&file, (size_t)read(fd, file.buf, 65536));
	close(fd);
	assert_int_equal((int)file.len, (int)log.len);
	/* the manifest: the audit artifact, the empty config, one layer */
	{
		struct qg_buf body = QG_BUF_INIT(QG_CAP_FILE);

		assert_int_equal(mem_blob_get(&m->base, m->tag, &body, QG_CAP_FILE), 0);
		assert_int_equal(dp_manifest_parse(&man, body.buf, body.len, "mem"), 0);
		assert_string_equal(man.artifact_type, DP_AT_AUDIT);
		assert_string_equal(man.config.media_type, DP_MT_EMPTY);
		assert_int_equal(man.config.size, 2);
		assert_int_equal((int)man.nr_layers, 1);
		assert_string_equal(man.layers[0].media_type, DP_MT_AUDIT);
		assert_int_equal(man.layers[0].size, (long long)log.len);
		dp_manifest_release(&man);
		qg_buf_release(&body);
	}
	/* another writer wins 7 times: the 8th round lands, the chain holds */
	m->conflicts = 7;
	m->puts = 0;
	assert_int_equal(dp_audit_append(&o, &m->base, &e), 0);
	assert_int_equal(m->puts, 8);
	assert_int_equal(dp_audit_store_read(&m->base, &log, digest), 0);
	assert_int_equal(dp_audit_check(&rep, log.buf, log.len, "mem", NULL), 0);
	assert_int_equal((int)rep.entries, 4);
	assert_int_equal((int)rep.nr_problems, 0);
	dp_audit_report_release(&rep);
	/* 8 lost in a row: refused, naming the target */
	m->conflicts = 8;
	assert_true(dp_audit_append(&o, &m->base, &e) < 0);
	assert_non_null(strstr(qg_error_last(), "oci://example.test/team/m"));
	qg_buf_release(&log);
	qg_buf_release(&file);
	mem_release(m);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deploy_audit_append_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_audit_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_audit_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_audit_rfc8032, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_audit_copy_and_refusals, setup, teardown),
		cmocka_unit_test(test_deploy_audit_not_a_log),
		cmocka_unit_test_setup_teardown(test_deploy_audit_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploy_audit_store_copy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
