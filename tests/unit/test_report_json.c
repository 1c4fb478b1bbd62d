/* test_report_json.c -- qgate.result/v1: shape, round trip, schema validation */
#include "qgate/common.h"

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/json.h"
#include "qgate/report.h"
#include "qgate/result.h"

static const char *root_dir(void)
{
	const char *r = getenv("QG_ROOT");

	return r && *r ? r : ".";
}

/* fork/exec argv (stdout to /dev/null when quiet); the exit status */
static int run_argv(const char *const *argv, int quiet)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* 0 when the document validates against docs/result.schema.json */
static int validate(const char *doc, size_t len, int quiet)
{
	char path[] = "/tmp/qg-test-result-json-XXXXXX";
	struct qg_buf schema = QG_BUF_INIT(QG_CAP_REPORT), script = QG_BUF_INIT(QG_CAP_REPORT);
	int fd = mkstemp(path), rc;
	const char *argv[5];

	assert_true(fd >= 0);
	close(fd);
	write_file(path, doc, len);
	assert_int_equal(qg_buf_addf(&schema, "%s/docs/result.schema.json", root_dir()), 0);
	assert_int_equal(qg_buf_addf(&script, "%s/tests/validate-json.py", root_dir()), 0);
	argv[0] = "/usr/bin/python3";
	argv[1] = script.buf;
	argv[2] = schema.buf;
	argv[3] = path;
	argv[4] = NULL;
	rc = run_argv(argv, quiet);
	unlink(path);
	qg_buf_release(&schema);
	qg_buf_release(&script);
	return rc;
}

static void build_full(struct qg_result *r)
{
	struct qg_check *c;
	struct qg_json *d;

	assert_int_equal(qg_result_init(r, "data", "0.1.0"), 0);
	r->started_at_ms = 1795662000123LL; /* 2026-11-26T03:00:00.123Z */
	r->duration_ms = 12;
	r->subject.in_repo = 1;
	memcpy(r->subject.commit, "0123456789abcdef0123456789abcdef01234567", 41);
	r->subject.ref = qg_strdup("refs/heads/main");
	r->subject.dirty = 1;
	c = qg_result_add_check(r, "field.age.maximum", QG_STATUS_FAIL, "3 values above maximum 120");
	qg_check_set_count(c, 3);
	qg_check_observed_number(c, 130);
	qg_check_expected_string(c, "<= 120");
	qg_check_add_location(c, "data/train.csv", 17, 3, "value 130 above maximum 120");
	qg_check_add_location(c, "data/train.csv", 18, 0, NULL);
	qg_check_add_location(c, NULL, 0, 0, "somewhere");
	d = qg_check_details(c);
	qg_json_add_number(d, "psi", 0.25);
	qg_json_add_string(qg_json_add_array(d, "tags"), NULL, "x");
	qg_json_add_string(d, "status", "must not override"); /* standard keys win */
	c = qg_result_add_check(r, "metric.f1", QG_STATUS_PASS, "f1 0.91 >= 0.8");
	qg_check_observed_number(c, 0.91);
	qg_check_expected_number(c, 0.8);
	c = qg_result_add_check(r, "metric.flag", QG_STATUS_SKIP, "no labels");
	c->observed.kind = QG_VALUE_BOOL;
	c->observed.boolean = 1;
	c = qg_result_add_check(r, "weird", QG_STATUS_PASS, NULL);
	qg_check_observed_number(c, NAN);
	qg_json_add_number(r->metrics, "f1", 0.91);
	qg_json_add_number(r->metrics, "rows", 1e6);
	qg_json_add_object(r->metrics, "slices");
}

static void test_report_json_shape(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_json *j;
	const struct qg_json *c0;

	build_full(&r);
	assert_int_equal(qg_result_to_json(&b, &r), 0);
	assert_int_equal(b.buf[b.len - 1], '\n');
	assert_int_equal(qg_json_parse(&j, b.buf, b.len, "out"), 0);
	assert_string_equal(qg_json_string(qg_json_get(j, "schema")), "qgate.result/v1");
	assert_string_equal(qg_json_string(qg_json_get(j, "status")), "fail");
	assert_true(qg_json_number(qg_json_get(j, "exit_code")) == 1);
	assert_null(qg_json_get(j, "error"));
	assert_null(qg_json_get(j, "report_md"));
	assert_string_equal(qg_json_string(qg_json_get(j, "started_at")), "2026-11-26T03:00:00Z");
	assert_string_equal(qg_json_string(qg_json_get(qg_json_get(j, "subject"), "ref")), "refs/heads/main");
	assert_int_equal(qg_json_bool(qg_json_get(qg_json_get(j, "subject"), "dirty")), 1);
	assert_true(qg_json_number(qg_json_get(qg_json_get(j, "summary"), "skipped")) == 1);
	c0 = qg_json_at(qg_json_get(j, "checks"), 0);
	/* member order: id, status, message, count, observed, expected, locations, details */
	assert_string_equal(qg_json_key(qg_json_at(c0, 0)), "id");
	assert_string_equal(qg_json_key(qg_json_at(c0, 1)), "status");
	assert_string_equal(qg_json_key(qg_json_at(c0, 3)), "count");
	assert_string_equal(qg_json_key(qg_json_at(c0, 6)), "locations");
	assert_string_equal(qg_json_key(qg_json_at(c0, 7)), "psi");
	assert_string_equal(qg_json_string(qg_json_get(c0, "status")), "fail");
	assert_true(qg_json_number(qg_json_get(c0, "count")) == 3);
	assert_null(qg_json_get(qg_json_at(qg_json_get(c0, "locations"), 1), "column"));
	assert_int_equal(qg_json_type(qg_json_get(qg_json_at(qg_json_get(c0, "locations"), 2), "file")), QG_JSON_NULL);
	/* no count without HAS_COUNT, no observed/expected when unset */
	assert_null(qg_json_get(qg_json_at(qg_json_get(j, "checks"), 1), "count"));
	assert_null(qg_json_get(qg_json_at(qg_json_get(j, "checks"), 2), "expected"));
	assert_true(strstr(b.buf, "\"rows\": 1000000,\n") != NULL);
	assert_int_equal(validate(b.buf, b.len, 0), 0);
	qg_json_free(j);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void round_trip(struct qg_result *r)
{
	struct qg_result back;
	struct qg_buf a = QG_BUF_INIT(QG_CAP_REPORT), b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_result_to_json(&a, r), 0);
	assert_int_equal(qg_result_from_json(&back, a.buf, a.len, "a.json"), 0);
	assert_int_equal(qg_result_to_json(&b, &back), 0);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(qg_result_exit_code(&back), qg_result_exit_code(r));
	assert_int_equal(validate(a.buf, a.len, 0), 0);
	qg_result_release(&back);
	qg_buf_release(&a);
	qg_buf_release(&b);
}

static void test_report_json_round_trip_full(void **state)
{
	struct qg_result r;

	build_full(&r);
	round_trip(&r);
	qg_result_release(&r);
}

static void test_report_json_round_trip_gate_error(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_json *j;

	qg_result_init(&r, "model", "0.1.0");
	qg_result_set_error(&r, QG_EXIT_USAGE, "bad --require 'f1 >> 0.8': expected one of >= <= > <");
	qg_result_to_json(&b, &r);
	assert_int_equal(qg_json_parse(&j, b.buf, b.len, "o"), 0);
	assert_string_equal(qg_json_string(qg_json_get(j, "status")), "error");
	assert_true(qg_json_number(qg_json_get(j, "exit_code")) == 2);
	assert_true(qg_json_number(qg_json_get(qg_json_get(j, "error"), "exit_code")) == 2);
	assert_non_null(strstr(qg_json_string(qg_json_get(qg_json_get(j, "error"), "message")), "f1 >> 0.8"));
	assert_int_equal(qg_json_type(qg_json_get(qg_json_get(j, "subject"), "commit")), QG_JSON_NULL);
	qg_json_free(j);
	qg_buf_release(&b);
	round_trip(&r);
	qg_result_release(&r);
}

static void test_report_json_round_trip_nothing_evaluated(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "test", "0.1.0");
	qg_result_add_check(&r, "t1", QG_STATUS_SKIP, "skipped");
	qg_result_to_json(&b, &r);
	assert_non_null(strstr(b.buf, "\"message\": \"every check was skipped\""));
	assert_non_null(strstr(b.buf, "\"exit_code\": 3"));
	round_trip(&r);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_report_json_round_trip_check_error(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "test", "0.1.0");
	qg_result_add_check(&r, "t1", QG_STATUS_ERROR, "killed by SIGSEGV");
	qg_result_add_check(&r, "t2", QG_STATUS_PASS, "ok");
	qg_result_to_json(&b, &r);
	assert_null(strstr(b.buf, "\"error\":")); /* the errored check explains it */
	round_trip(&r);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void test_report_json_redacts_messages(void **state)
{
	struct qg_result r;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	qg_result_init(&r, "deploy", "0.1.0");
	qg_result_add_check(&r, "push", QG_STATUS_FAIL, "401 with Authorization: Bearer abcdefghijklmnop123 key AKIAIOSFODNN7EXAMPLE");
	qg_result_to_json(&b, &r);
	assert_null(strstr(b.buf, "abcdefghijklmnop123"));
	assert_null(strstr(b.buf, "AKIAIOSFODNN7EXAMPLE"));
	assert_non_null(strstr(b.buf, "[REDACTED]"));
	round_trip(&r);
	qg_buf_release(&b);
	qg_result_release(&r);
}

static void expect_from_json_error(const char *doc, const char *want)
{
	struct qg_result r;
	int err = qg_result_from_json(&r, doc, strlen(doc), "in.json");

	assert_int_equal(err, QG_EPARSE);
	if (!strstr(qg_error_last(), want))
		fail_msg("got '%s', want '%s'", qg_error_last(), want);
	assert_null(r.gate); /* released */
}

static void test_report_json_from_json_rejects(void **state)
{
	expect_from_json_error("[]", "expected an object");
	expect_from_json_error("{\"schema\": \"other/v2\"}", "expected 'qgate.result/v1'");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"ok\"}", "status");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\", \"exit_code\": 9, \"checks\": []}", "exit_code");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\", \"checks\": [{\"id\": \"a\", \"status\": \"warn\"}]}", "checks[0]");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\"}", "checks");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\",", "'in.json':1:");
	/* started_at: exactly YYYY-MM-DDTHH:MM:SS[.sss]Z, from 1970, each field
	 * in range (fuzz_result: "0303-..." read, was written "303-..." and did
	 * not read back; sscanf alone also took signs and spaces) */
	static const char *const times[] = {
		"0303-11-26T09:02:07Z", "+026-11-26T09:02:07Z", " 2026-11-26T09:02:07Z", "2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T09:60:00Z",
		"2026-1-26T09:02:07Z", "2026-11-26 09:02:07Z", "2026-11-26T09:02:07",
	};
	for (size_t i = 0; i < QG_ARRAY_SIZE(times); i++) {
		char doc[256];
		snprintf(doc, sizeof(doc),
			 "{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\", \"started_at\": \"%s\", "
			 "\"checks\": []}",
			 times[i]);
		expect_from_json_error(doc, "started_at");
	}
	{
		const char *ok = "{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\", "
				 "\"started_at\": \"2024-02-29T23:59:59.5Z\", \"checks\": []}";
		struct qg_result r;
		assert_int_equal(qg_result_from_json(&r, ok, strlen(ok), "ok"), 0);
		qg_result_release(&r);
	}
}

static void test_report_json_from_json_fails_closed(void **state)
{
	/* claims pass while a check failed: the derivation wins (1) */
	const char *a = "{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"pass\", \"exit_code\": 0,"
			"\"checks\": [{\"id\": \"c\", \"status\": \"fail\", \"message\": \"m\", \"locations\": []}]}";
	/* claims error while every check passed: stays an error (3) */
	const char *b = "{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"status\": \"error\", \"exit_code\": 3,"
			"\"checks\": [{\"id\": \"c\", \"status\": \"pass\", \"message\": \"m\", \"locations\": []}]}";
	struct qg_result r;

	assert_int_equal(qg_result_from_json(&r, a, strlen(a), "a"), 0);
	assert_int_equal(qg_result_exit_code(&r), 1);
	qg_result_release(&r);
	assert_int_equal(qg_result_from_json(&r, b, strlen(b), "b"), 0);
	assert_int_equal(qg_result_exit_code(&r), 3);
	qg_result_release(&r);
}

/* "command" names the subcommand; results without it (written before it,
 * coming back from CI shards) still read, and write back without it */
static void test_report_json_command(void **state)
{
	static const char old[] =
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"version\":\"0.1.0\",\"status\":\"fail\",\"exit_code\":1,"
		"\"started_at\":\"2026-11-26T03:00:00Z\",\"duration_ms\":1,\"subject\":{\"commit\":null,\"ref\":null,"
		"\"dirty\":null,\"artifacts\":[]},\"summary\":{\"checks\":1,\"passed\":0,\"failed\":1,\"errors\":0,"
		"\"skipped\":0},\"checks\":[{\"id\":\"a\",\"status\":\"fail\",\"message\":\"x\",\"locations\":[]}],\"metrics\":{}}";
	struct qg_result r, back;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_json *j;

	build_full(&r);
	assert_int_equal(qg_result_set_command(&r, "validate"), 0);
	assert_int_equal(qg_result_to_json(&b, &r), 0);
	assert_int_equal(qg_json_parse(&j, b.buf, b.len, "out"), 0);
	/* right after "gate", as in the contract */
	assert_string_equal(qg_json_key(qg_json_at(j, 2)), "command");
	assert_string_equal(qg_json_string(qg_json_get(j, "command")), "validate");
	qg_json_free(j);
	round_trip(&r);
	assert_int_equal(qg_result_from_json(&back, b.buf, b.len, "b.json"), 0);
	assert_string_equal(back.command, "validate");
	qg_result_release(&back);
	assert_int_equal(qg_result_set_command(&r, NULL), 0);
	assert_null(r.command);
	qg_result_release(&r);

	assert_int_equal(qg_result_from_json(&back, old, strlen(old), "old.json"), 0);
	assert_null(back.command);
	assert_int_equal(qg_result_exit_code(&back), 1);
	qg_buf_reset(&b);
	assert_int_equal(qg_result_to_json(&b, &back), 0);
	assert_null(strstr(b.buf, "\"command\""));
	assert_int_equal(validate(old, strlen(old), 0), 0);
	qg_result_release(&back);
	qg_buf_release(&b);

	/* it names report files: a word, never a path or an empty string */
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"command\": \"../up\", "
			       "\"status\": \"pass\", \"checks\": []}", "command");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"command\": \"\", "
			       "\"status\": \"pass\", \"checks\": []}", "command");
	expect_from_json_error("{\"schema\": \"qgate.result/v1\", \"gate\": \"x\", \"command\": 7, "
			       "\"status\": \"pass\", \"checks\": []}", "command");
}

static void test_report_json_schema_catches_mistakes(void **state)
{
	const char *bad[] = {
		/* missing summary */
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"version\":\"0.1.0\",\"status\":\"pass\",\"exit_code\":0,"
		"\"started_at\":\"2026-11-26T03:00:00Z\",\"duration_ms\":1,\"subject\":{\"commit\":null,\"ref\":null,"
		"\"dirty\":null,\"artifacts\":[]},\"checks\":[],\"metrics\":{}}",
		/* status and exit code disagree */
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"version\":\"0.1.0\",\"status\":\"pass\",\"exit_code\":1,"
		"\"started_at\":\"2026-11-26T03:00:00Z\",\"duration_ms\":1,\"subject\":{\"commit\":null,\"ref\":null,"
		"\"dirty\":null,\"artifacts\":[]},\"summary\":{\"checks\":0,\"passed\":0,\"failed\":0,\"errors\":0,\"skipped\":0},"
		"\"checks\":[],\"metrics\":{}}",
		/* a command that is not a word */
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"command\":\"Val idate\",\"version\":\"0.1.0\","
		"\"status\":\"pass\",\"exit_code\":0,"
		"\"started_at\":\"2026-11-26T03:00:00Z\",\"duration_ms\":1,\"subject\":{\"commit\":null,\"ref\":null,"
		"\"dirty\":null,\"artifacts\":[]},\"summary\":{\"checks\":0,\"passed\":0,\"failed\":0,\"errors\":0,\"skipped\":0},"
		"\"checks\":[],\"metrics\":{}}",
		/* bad sha256 and an unknown top-level key */
		"{\"schema\":\"qgate.result/v1\",\"gate\":\"data\",\"version\":\"0.1.0\",\"status\":\"pass\",\"exit_code\":0,"
		"\"started_at\":\"2026-11-26T03:00:00Z\",\"duration_ms\":1,\"subject\":{\"commit\":null,\"ref\":null,"
		"\"dirty\":null,\"artifacts\":[{\"path\":\"a\",\"sha256\":\"XYZ\",\"bytes\":1}]},\"summary\":{\"checks\":0,"
		"\"passed\":0,\"failed\":0,\"errors\":0,\"skipped\":0},\"checks\":[],\"metrics\":{},\"extra\":1}",
	};

	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++)
		assert_int_not_equal(validate(bad[i], strlen(bad[i]), 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_json_shape),
		cmocka_unit_test(test_report_json_round_trip_full),
		cmocka_unit_test(test_report_json_round_trip_gate_error),
		cmocka_unit_test(test_report_json_round_trip_nothing_evaluated),
		cmocka_unit_test(test_report_json_round_trip_check_error),
		cmocka_unit_test(test_report_json_redacts_messages),
		cmocka_unit_test(test_report_json_from_json_rejects),
		cmocka_unit_test(test_report_json_from_json_fails_closed),
		cmocka_unit_test(test_report_json_command),
		cmocka_unit_test(test_report_json_schema_catches_mistakes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
