/* test_sarif.c -- the SARIF writer: structure, escaping, GitHub's limits
 *
 * Every log written here is parsed back with the project's JSON reader and
 * its members checked. With QG_SARIF_KEEP=DIR the logs are also copied to
 * DIR (tests/e2e/t_lint_sarif.sh hands them to the official validator,
 * @microsoft/sarif-multitool, and to the 2.1.0 JSON Schema).
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/sarif.h"

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static char tmpdir[] = "/tmp/test_sarif.XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	const char *argv_rm[] = { "rm", "-rf", tmpdir, NULL };
	pid_t pid;
	int st;

	(void)state;
	if ((pid = fork()) == 0) {
		execvp(argv_rm[0], (char *const *)argv_rm);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid ? 0 : -1;
}

static const char *out_path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

/* Copy a finished log to $QG_SARIF_KEEP for the e2e validator. */
static void keep(const char *path, const char *name)
{
	const char *dir = getenv("QG_SARIF_KEEP");
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	char dst[1024];
	FILE *f;

	if (!dir || !*dir)
		return;
	assert_int_equal(qg_buf_read_file(&b, path), 0);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	f = fopen(dst, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.buf, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	qg_buf_release(&b);
}

static struct qg_json *parse(const char *path)
{
	struct qg_json *j = NULL;

	assert_int_equal(qg_json_parse_file(&j, path), 0);
	return j;
}

static const struct qg_json *get_path(const struct qg_json *j, const char *path)
{
	char key[128];

	while (*path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		assert_true(n < sizeof(key));
		memcpy(key, path, n);
		key[n] = 0;
		if (key[0] >= '0' && key[0] <= '9')
			j = qg_json_at(j, (size_t)atoi(key));
		else
			j = qg_json_get(j, key);
		path += n + (dot ? 1 : 0);
	}
	return j;
}

static const char *str_at(const struct qg_json *j, const char *path)
{
	const char *s = qg_json_string(get_path(j, path));

	if (!s)
		fail_msg("%s: not a string", path);
	return s;
}

static double num_at(const struct qg_json *j, const char *path)
{
	return qg_json_number(get_path(j, path));
}

static const struct qg_sarif_rule rule_tw = { "trailing-whitespace", "Trailing whitespace", NULL, NULL,
					      "https://example.org/rules/tw", QG_SARIF_WARNING };

static void test_sarif_structure(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_stats st;
	struct qg_sarif_opts o = { .srcroot = "/work/my repo" };
	struct qg_sarif_tool tool = { "builtin", "0.1.0", "https://example.org/qgate", "qgate-lint/builtin/" };
	struct qg_sarif_rule r2 = { "secret", "A secret", "A credential in the source", "Remove it and rotate it", NULL,
				    QG_SARIF_ERROR };
	struct qg_sarif_result res = { 0 };
	const char *p = out_path("structure.sarif");
	struct qg_json *j;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, &o), 0);
	assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
	assert_int_equal(qg_sarif_rule(s, &rule_tw), 0);
	assert_int_equal(qg_sarif_rule(s, &r2), 1);
	assert_int_equal(qg_sarif_rule(s, &rule_tw), 0); /* repeated: same index */
	res.rule_id = "trailing-whitespace";
	res.level = QG_SARIF_WARNING;
	res.message = "trailing whitespace";
	res.path = "src/a file#1.c";
	res.start_line = 3;
	res.start_column = 7;
	res.fingerprint = "0123456789abcdef0123456789abcdef";
	assert_int_equal(qg_sarif_result(s, &res), 1);
	/* an unknown rule: no ruleIndex; whole-file finding: startLine 1 */
	memset(&res, 0, sizeof(res));
	res.rule_id = "large-file";
	res.level = QG_SARIF_NOTE;
	res.message = "big";
	res.path = "data/\xff\xfe.bin";
	res.suppression = QG_SARIF_SUPP_EXTERNAL;
	res.justification = "in the baseline";
	assert_int_equal(qg_sarif_result(s, &res), 1);
	/* an absolute path: a file:// URI without uriBaseId */
	memset(&res, 0, sizeof(res));
	res.rule_id = "secret";
	res.level = QG_SARIF_ERROR;
	res.message = "AWS key AKIAIOSFODNN7EXAMPLE found";
	res.path = "/usr/include/stdio.h";
	res.start_line = 10;
	res.end_line = 2; /* before start: becomes start */
	res.start_column = 5;
	res.end_column = 3; /* before start on one line: not written */
	assert_int_equal(qg_sarif_result(s, &res), 1);
	/* rules after results are refused */
	assert_int_equal(qg_sarif_rule(s, &r2), QG_EUSAGE);
	assert_int_equal(qg_sarif_run_end(s, 1, NULL), 0);
	assert_int_equal(qg_sarif_commit(s, &st), 0);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.results, 3);
	assert_true(st.gzip_bytes > 0 && st.gzip_bytes < st.bytes);
	keep(p, "structure.sarif");

	j = parse(p);
	assert_string_equal(str_at(j, "version"), "2.1.0");
	assert_string_equal(str_at(j, "$schema"), QG_SARIF_SCHEMA_URI);
	assert_string_equal(str_at(j, "runs.0.tool.driver.name"), "builtin");
	assert_string_equal(str_at(j, "runs.0.tool.driver.informationUri"), "https://example.org/qgate");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.0.id"), "trailing-whitespace");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.0.fullDescription.text"), "Trailing whitespace");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.0.help.text"),
			    "Trailing whitespace See https://example.org/rules/tw.");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.0.helpUri"), "https://example.org/rules/tw");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.1.defaultConfiguration.level"), "error");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.1.help.text"), "Remove it and rotate it");
	assert_int_equal(qg_json_size(get_path(j, "runs.0.tool.driver.rules")), 2);
	assert_string_equal(str_at(j, "runs.0.automationDetails.id"), "qgate-lint/builtin/");
	assert_string_equal(str_at(j, "runs.0.originalUriBaseIds.%SRCROOT%.uri"), "file:///work/my%20repo/");
	assert_string_equal(str_at(j, "runs.0.columnKind"), "utf16CodeUnits");
	assert_int_equal(qg_json_bool(get_path(j, "runs.0.invocations.0.executionSuccessful")), 1);
	assert_null(get_path(j, "runs.0.properties"));

	assert_int_equal(qg_json_size(get_path(j, "runs.0.results")), 3);
	assert_string_equal(str_at(j, "runs.0.results.0.ruleId"), "trailing-whitespace");
	assert_int_equal((int)num_at(j, "runs.0.results.0.ruleIndex"), 0);
	assert_string_equal(str_at(j, "runs.0.results.0.level"), "warning");
	assert_string_equal(str_at(j, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uri"),
			    "src/a%20file%231.c");
	assert_string_equal(str_at(j, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uriBaseId"),
			    "%SRCROOT%");
	assert_int_equal((int)num_at(j, "runs.0.results.0.locations.0.physicalLocation.region.startLine"), 3);
	assert_int_equal((int)num_at(j, "runs.0.results.0.locations.0.physicalLocation.region.startColumn"), 7);
	assert_int_equal((int)num_at(j, "runs.0.results.0.locations.0.physicalLocation.region.endLine"), 3);
	assert_string_equal(str_at(j, "runs.0.results.0.partialFingerprints.qgateFingerprint/v1"),
			    "0123456789abcdef0123456789abcdef");
	assert_null(get_path(j, "runs.0.results.0.suppressions"));

	assert_null(get_path(j, "runs.0.results.1.ruleIndex"));
	assert_string_equal(str_at(j, "runs.0.results.1.locations.0.physicalLocation.artifactLocation.uri"),
			    "data/%FF%FE.bin");
	assert_int_equal((int)num_at(j, "runs.0.results.1.locations.0.physicalLocation.region.startLine"), 1);
	assert_null(get_path(j, "runs.0.results.1.locations.0.physicalLocation.region.startColumn"));
	assert_string_equal(str_at(j, "runs.0.results.1.suppressions.0.kind"), "external");
	assert_string_equal(str_at(j, "runs.0.results.1.suppressions.0.status"), "accepted");
	assert_string_equal(str_at(j, "runs.0.results.1.suppressions.0.justification"), "in the baseline");
	assert_null(get_path(j, "runs.0.results.1.partialFingerprints"));

	assert_int_equal((int)num_at(j, "runs.0.results.2.ruleIndex"), 1);
	assert_string_equal(str_at(j, "runs.0.results.2.locations.0.physicalLocation.artifactLocation.uri"),
			    "file:///usr/include/stdio.h");
	assert_null(get_path(j, "runs.0.results.2.locations.0.physicalLocation.artifactLocation.uriBaseId"));
	assert_int_equal((int)num_at(j, "runs.0.results.2.locations.0.physicalLocation.region.endLine"), 10);
	assert_null(get_path(j, "runs.0.results.2.locations.0.physicalLocation.region.endColumn"));
	/* the secret never reaches the file */
	assert_null(strstr(str_at(j, "runs.0.results.2.message.text"), "AKIAIOSFODNN7EXAMPLE"));
	assert_non_null(strstr(str_at(j, "runs.0.results.2.message.text"), "[REDACTED]"));
	qg_json_free(j);
}

static void test_sarif_escaping(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_tool tool = { "we\"ird\ttool", NULL, "not a uri", NULL };
	struct qg_sarif_rule rule = { "r\\1", "line1\nline2", NULL, NULL, NULL, QG_SARIF_NOTE };
	struct qg_sarif_result res = { 0 };
	const char *p = out_path("escaping.sarif");
	struct qg_buf big = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf file = QG_BUF_INIT(QG_CAP_FILE);
	struct qg_json *j;
	const char *m;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, NULL), 0);
	assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
	assert_int_equal(qg_sarif_rule(s, &rule), 0);
	res.rule_id = "r\\1";
	res.level = QG_SARIF_NONE;
	res.message = "quote \" backslash \\ bell \a nul-free \x01 bad \xc3\x28 overlong \xc0\xaf end";
	res.path = "x.c";
	res.start_line = 1;
	assert_int_equal(qg_sarif_result(s, &res), 1);
	/* a huge message is cut at a character boundary with a note */
	for (size_t i = 0; i < QG_SARIF_MAX_MESSAGE; i++)
		assert_int_equal(qg_buf_addstr(&big, "\xc3\xa9"), 0);
	res.message = big.buf;
	assert_int_equal(qg_sarif_result(s, &res), 1);
	/* an empty message becomes the rule id */
	res.message = "";
	assert_int_equal(qg_sarif_result(s, &res), 1);
	assert_int_equal(qg_sarif_commit(s, NULL), 0);
	keep(p, "escaping.sarif");

	/* no raw control byte and valid UTF-8 throughout */
	assert_int_equal(qg_buf_read_file(&file, p), 0);
	for (size_t i = 0; i < file.len; i++)
		assert_true((unsigned char)file.buf[i] >= 0x20 || file.buf[i] == '\n');
	assert_null(strstr(file.buf, "\xc3\x28"));
	qg_buf_release(&file);

	j = parse(p);
	assert_string_equal(str_at(j, "runs.0.tool.driver.name"), "we\"ird\ttool");
	assert_null(get_path(j, "runs.0.tool.driver.informationUri")); /* not an absolute URI: left out */
	assert_null(get_path(j, "runs.0.tool.driver.version"));
	assert_string_equal(str_at(j, "runs.0.automationDetails.id"), "we\"ird\ttool/");
	assert_string_equal(str_at(j, "runs.0.tool.driver.rules.0.shortDescription.text"), "line1\nline2");
	assert_string_equal(str_at(j, "runs.0.results.0.level"), "none");
	m = str_at(j, "runs.0.results.0.message.text");
	assert_non_null(strstr(m, "quote \" backslash \\ bell \a"));
	assert_non_null(strstr(m, "bad \xef\xbf\xbd("));
	m = str_at(j, "runs.0.results.1.message.text");
	assert_true(strlen(m) <= QG_SARIF_MAX_MESSAGE + 64);
	assert_non_null(strstr(m, "\xc3\xa9 ... (32768 bytes cut)"));
	assert_string_equal(str_at(j, "runs.0.results.2.message.text"), "r\\1");
	qg_json_free(j);
	qg_buf_release(&big);
}

static void test_sarif_result_limit(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_stats st;
	struct qg_sarif_tool tool = { "many", "1.0", NULL, NULL };
	struct qg_sarif_tool tool2 = { "after", "1.0", NULL, NULL };
	struct qg_sarif_rule rule = { "R1", "rule one", NULL, NULL, NULL, QG_SARIF_WARNING };
	struct qg_sarif_result res = { 0 };
	const char *p = out_path("limit.sarif");
	struct qg_json *j;
	char msg[64];
	int written = 0, dropped = 0;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, NULL), 0);
	assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
	assert_int_equal(qg_sarif_rule(s, &rule), 0);
	res.rule_id = "R1";
	res.level = QG_SARIF_WARNING;
	res.message = msg;
	res.path = "f.c";
	for (int i = 0; i < QG_SARIF_MAX_RESULTS + 1; i++) {
		int rc;

		snprintf(msg, sizeof(msg), "finding %d", i);
		res.start_line = i + 1;
		rc = qg_sarif_result(s, &res);
		assert_true(rc == 0 || rc == 1);
		written += rc;
		dropped += !rc;
	}
	assert_int_equal(written, QG_SARIF_MAX_RESULTS);
	assert_int_equal(dropped, 1);
	/* the next run starts counting again */
	assert_int_equal(qg_sarif_run_begin(s, &tool2), 0);
	assert_int_equal(qg_sarif_rule(s, &rule), 0);
	assert_int_equal(qg_sarif_result(s, &res), 1);
	assert_int_equal(qg_sarif_commit(s, &st), 0);
	assert_int_equal(st.results, QG_SARIF_MAX_RESULTS + 1);
	assert_int_equal(st.dropped_limit, 1);
	assert_int_equal(st.dropped_size, 0);
	keep(p, "limit.sarif");

	j = parse(p);
	assert_int_equal(qg_json_size(get_path(j, "runs.0.results")), QG_SARIF_MAX_RESULTS);
	assert_string_equal(str_at(j, "runs.0.results.24999.message.text"), "finding 24999");
	assert_int_equal((int)num_at(j, "runs.0.properties.qgate/resultsDropped"), 1);
	assert_int_equal((int)num_at(j, "runs.0.properties.qgate/resultsDroppedOverLimit"), 1);
	assert_string_equal(str_at(j, "runs.0.invocations.0.toolExecutionNotifications.0.level"), "warning");
	assert_non_null(strstr(str_at(j, "runs.0.invocations.0.toolExecutionNotifications.0.message.text"),
			       "1 results dropped: GitHub code scanning accepts at most 25000 results a run"));
	assert_int_equal(qg_json_size(get_path(j, "runs.1.results")), 1);
	assert_null(get_path(j, "runs.1.properties"));
	assert_null(get_path(j, "runs.1.invocations.0.toolExecutionNotifications"));
	qg_json_free(j);
}

/* Gzip a whole file with zlib's defaults, as an uploader would. */
static unsigned long long gzip_size(const char *path)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	z_stream zs = { 0 };
	unsigned char out[16384];
	unsigned long long total = 0;
	int zr;

	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_int_equal(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)b.buf;
	zs.avail_in = (uInt)b.len;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zr = deflate(&zs, Z_FINISH);
		total += sizeof(out) - zs.avail_out;
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
	qg_buf_release(&b);
	return total;
}

static void test_sarif_gzip_cap(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_stats st;
	struct qg_sarif_opts o = { .max_gzip = 200000, .gzip_reserve = 4096 };
	struct qg_sarif_tool tool = { "noisy", "2", NULL, NULL };
	struct qg_sarif_tool tool2 = { "later", "2", NULL, NULL };
	struct qg_sarif_rule rule = { "N", "noise", NULL, NULL, NULL, QG_SARIF_NOTE };
	struct qg_sarif_result res = { 0 };
	const char *p = out_path("gzip.sarif");
	uint64_t x = 88172645463325252ull;
	char msg[401];
	size_t written = 0;
	struct qg_json *j;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, &o), 0);
	assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
	assert_int_equal(qg_sarif_rule(s, &rule), 0);
	res.rule_id = "N";
	res.level = QG_SARIF_NOTE;
	res.message = msg;
	res.path = "noise.txt";
	/* incompressible messages: 2000 x 400 random letters = 800 KB raw,
	 * ~ 500 KB gzipped, far over a 200 KB cap */
	for (int i = 0; i < 2000; i++) {
		for (size_t k = 0; k < sizeof(msg) - 1; k++) {
			xorshift(&x);
			msg[k] = (char)('a' + x % 26);
		}
		msg[sizeof(msg) - 1] = 0;
		res.start_line = i + 1;
		written += (size_t)qg_sarif_result(s, &res);
	}
	assert_int_equal(qg_sarif_run_begin(s, &tool2), 0);
	assert_int_equal(qg_sarif_rule(s, &rule), 0);
	res.message = "short";
	assert_int_equal(qg_sarif_result(s, &res), 0); /* dropped from the end: the cap was reached */
	assert_int_equal(qg_sarif_commit(s, &st), 0);
	assert_true(written > 100 && written < 2000);
	assert_int_equal(st.results, written);
	assert_int_equal(st.dropped_size, 2000 - written + 1);
	assert_true(st.gzip_bytes <= o.max_gzip);
	/* the real gzip of the file (one stream, no sync flushes) is under the
	 * cap too, and the estimate did not waste much of it */
	assert_true(gzip_size(p) <= o.max_gzip);
	assert_true(gzip_size(p) > o.max_gzip * 8 / 10);
	keep(p, "gzip.sarif");

	j = parse(p);
	assert_int_equal(qg_json_size(get_path(j, "runs.0.results")), written);
	assert_int_equal((size_t)num_at(j, "runs.0.properties.qgate/resultsDroppedOverSize"), 2000 - written);
	assert_non_null(strstr(str_at(j, "runs.0.invocations.0.toolExecutionNotifications.0.message.text"),
			       "bytes of gzipped SARIF"));
	assert_int_equal((int)num_at(j, "runs.1.properties.qgate/resultsDropped"), 1);
	assert_int_equal(qg_json_size(get_path(j, "runs.1.results")), 0);
	qg_json_free(j);
}

static void test_sarif_runs_and_rules_limits(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_opts o = { .max_rules = 2 };
	struct qg_sarif_tool tool = { "t", NULL, NULL, NULL };
	struct qg_sarif_rule r = { "a", NULL, NULL, NULL, NULL, QG_SARIF_WARNING };
	struct qg_sarif_result res = { 0 };
	struct qg_sarif_stats st;
	const char *p = out_path("runs.sarif");
	struct qg_json *j;
	char name[16];

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, &o), 0);
	/* a result outside a run is refused */
	res.rule_id = "a";
	res.message = "m";
	assert_int_equal(qg_sarif_result(s, &res), QG_EUSAGE);
	for (int i = 0; i < QG_SARIF_MAX_RUNS; i++) {
		snprintf(name, sizeof(name), "tool%d", i);
		tool.name = name;
		assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
		if (i == 0) {
			r.id = "a";
			assert_int_equal(qg_sarif_rule(s, &r), 0);
			r.id = "b";
			assert_int_equal(qg_sarif_rule(s, &r), 1);
			r.id = "c";
			assert_int_equal(qg_sarif_rule(s, &r), -1); /* past max_rules */
			res.rule_id = "c";
			assert_int_equal(qg_sarif_result(s, &res), 1);
		}
		if (i == 1)
			assert_int_equal(qg_sarif_run_end(s, 0, "the tool crashed: signal 11"), 0);
	}
	tool.name = "one-too-many";
	assert_int_equal(qg_sarif_run_begin(s, &tool), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "more than 20 runs"));
	assert_int_equal(qg_sarif_commit(s, &st), 0);
	assert_int_equal(st.runs, QG_SARIF_MAX_RUNS);
	assert_int_equal(st.rules_dropped, 1);
	keep(p, "runs.sarif");

	j = parse(p);
	assert_int_equal(qg_json_size(get_path(j, "runs")), QG_SARIF_MAX_RUNS);
	assert_int_equal(qg_json_size(get_path(j, "runs.0.tool.driver.rules")), 2);
	assert_null(get_path(j, "runs.0.results.0.ruleIndex"));
	assert_int_equal((int)num_at(j, "runs.0.properties.qgate/rulesDropped"), 1);
	assert_int_equal(qg_json_bool(get_path(j, "runs.1.invocations.0.executionSuccessful")), 0);
	assert_string_equal(str_at(j, "runs.1.invocations.0.toolExecutionNotifications.0.level"), "error");
	assert_int_equal(qg_json_size(get_path(j, "runs.19.results")), 0);
	assert_int_equal(qg_json_size(get_path(j, "runs.19.tool.driver.rules")), 0);
	qg_json_free(j);
}

static void test_sarif_abort_leaves_nothing(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_tool tool = { "t", NULL, NULL, NULL };
	const char *p = out_path("aborted.sarif");
	struct stat sb;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, NULL), 0);
	assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
	qg_sarif_abort(s);
	assert_int_equal(stat(p, &sb), -1);
	/* a folder cannot take the log */
	assert_int_not_equal(qg_sarif_open(&s, tmpdir, NULL), 0);
}

static void test_sarif_uri_and_columns(void **state)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH);

	(void)state;
	assert_int_equal(qg_sarif_uri_append(&b, "a b/%c?d#e/\xc3\xa9/x-y_z.~(1)"), 0);
	assert_string_equal(b.buf, "a%20b/%25c%3Fd%23e/%C3%A9/x-y_z.~(1)");
	qg_buf_release(&b);
	/* byte column -> UTF-16 code units */
	assert_int_equal(qg_sarif_utf16_column("abc", 3, 3), 3);
	assert_int_equal(qg_sarif_utf16_column("\xc3\xa9x", 3, 3), 2);          /* é is 2 bytes, 1 unit */
	assert_int_equal(qg_sarif_utf16_column("\xf0\x9f\x98\x80x", 5, 5), 3); /* U+1F600 is 2 units */
	assert_int_equal(qg_sarif_utf16_column("\xff" "a", 2, 2), 2);           /* invalid byte: 1 unit */
	assert_int_equal(qg_sarif_utf16_column("ab", 2, 5), 5);                 /* past the end */
	assert_int_equal(qg_sarif_utf16_column("ab", 2, 0), 0);
}

/* Random bytes everywhere a string goes: the log must parse as JSON and
 * hold every result. */
static void test_sarif_fuzz_strings(void **state)
{
	struct qg_sarif *s;
	struct qg_sarif_stats st;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	const char *p = out_path("fuzz.sarif");
	char bufs[5][300];
	struct qg_json *j;
	size_t total = 0;

	(void)state;
	assert_int_equal(qg_sarif_open(&s, p, &(struct qg_sarif_opts){ .srcroot = "/tmp/r\xff t" }), 0);
	for (int run = 0; run < 5; run++) {
		struct qg_sarif_tool tool = { bufs[0], bufs[1], bufs[2], NULL };

		for (int k = 0; k < 5; k++) {
			size_t n;

			xorshift(&x);
			n = 1 + x % (sizeof(bufs[k]) - 1);
			for (size_t i = 0; i < n; i++) {
				xorshift(&x);
				bufs[k][i] = (char)(1 + x % 255);
			}
			bufs[k][n] = 0;
		}
		assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
		for (int r = 0; r < 20; r++) {
			struct qg_sarif_rule rule = { bufs[r % 5], bufs[(r + 1) % 5], bufs[(r + 2) % 5], NULL,
						      bufs[(r + 3) % 5], (enum qg_sarif_level)(r % 4) };

			assert_true(qg_sarif_rule(s, &rule) >= 0);
		}
		for (int r = 0; r < 200; r++) {
			struct qg_sarif_result res = { 0 };

			xorshift(&x);
			res.rule_id = bufs[x % 5];
			res.level = (enum qg_sarif_level)(x % 4);
			res.message = bufs[(x >> 8) % 5];
			res.path = bufs[(x >> 16) % 5];
			res.start_line = (long long)(x >> 40) - 1000;
			res.start_column = (long long)((x >> 20) % 300) - 5;
			res.end_line = (long long)((x >> 30) % 1000000);
			res.end_column = (long long)((x >> 50) % 300);
			res.fingerprint = bufs[(x >> 24) % 5];
			res.suppression = (enum qg_sarif_suppression)((x >> 33) % 3);
			res.justification = bufs[(x >> 35) % 5];
			assert_int_equal(qg_sarif_result(s, &res), 1);
			total++;
		}
		qg_sarif_run_end(s, (int)(x & 1), (x & 2) ? bufs[3] : NULL);
	}
	assert_int_equal(qg_sarif_commit(s, &st), 0);
	assert_int_equal(st.results, total);
	keep(p, "fuzz.sarif");
	j = parse(p);
	assert_int_equal(qg_json_size(get_path(j, "runs")), 5);
	for (size_t r = 0; r < 5; r++)
		assert_int_equal(qg_json_size(qg_json_get(qg_json_at(qg_json_get(j, "runs"), r), "results")), 200);
	qg_json_free(j);
}

/* Many small logs with random limits and random text: every one parses,
 * and written + dropped = offered in each run, as the file itself says. */
static void test_sarif_fuzz_limits(void **state)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	const char *p = out_path("fuzz_limits.sarif");
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);

	(void)state;
#define NEXT() xorshift(&x)
	for (int iter = 0; iter < 40; iter++) {
		struct qg_sarif_opts o = { .gzip_reserve = 512 };
		size_t runs, offered[4] = { 0 };
		struct qg_sarif_stats st;
		struct qg_sarif *s;
		struct qg_json *j;

		o.max_results = 1 + NEXT() % 30;
		o.max_gzip = 2000 + NEXT() % 20000;
		runs = 1 + NEXT() % 4;
		assert_int_equal(qg_sarif_open(&s, p, &o), 0);
		for (size_t r = 0; r < runs; r++) {
			struct qg_sarif_tool tool = { "t", NULL, NULL, NULL };
			struct qg_sarif_rule rule = { "R", NULL, NULL, NULL, NULL, QG_SARIF_ERROR };
			size_t n = NEXT() % 60;

			assert_int_equal(qg_sarif_run_begin(s, &tool), 0);
			assert_int_equal(qg_sarif_rule(s, &rule), 0);
			for (size_t k = 0; k < n; k++) {
				struct qg_sarif_result res = { .rule_id = "R", .level = QG_SARIF_ERROR, .path = "f" };
				size_t len = NEXT() % 4 == 0 ? NEXT() % 5000 : NEXT() % 80;

				qg_buf_reset(&msg);
				for (size_t i = 0; i < len; i++)
					assert_int_equal(qg_buf_addch(&msg, (int)(1 + NEXT() % 255)), 0);
				res.message = msg.buf;
				res.start_line = (long long)k + 1;
				assert_true(qg_sarif_result(s, &res) >= 0);
				offered[r]++;
			}
		}
		assert_int_equal(qg_sarif_commit(s, &st), 0);
		assert_true(st.gzip_bytes <= o.max_gzip);
		j = parse(p);
		for (size_t r = 0; r < runs; r++) {
			const struct qg_json *run = qg_json_at(qg_json_get(j, "runs"), r);
			size_t written = qg_json_size(qg_json_get(run, "results"));
			double dropped = qg_json_number(get_path(run, "properties.qgate/resultsDropped"));

			assert_true(written <= o.max_results);
			assert_int_equal(written + (dropped == dropped ? (size_t)dropped : 0), offered[r]);
		}
		qg_json_free(j);
	}
#undef NEXT
	qg_buf_release(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sarif_structure),
		cmocka_unit_test(test_sarif_escaping),
		cmocka_unit_test(test_sarif_result_limit),
		cmocka_unit_test(test_sarif_gzip_cap),
		cmocka_unit_test(test_sarif_runs_and_rules_limits),
		cmocka_unit_test(test_sarif_abort_leaves_nothing),
		cmocka_unit_test(test_sarif_uri_and_columns),
		cmocka_unit_test(test_sarif_fuzz_strings),
		cmocka_unit_test(test_sarif_fuzz_limits),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
