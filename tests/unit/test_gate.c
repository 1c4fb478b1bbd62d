/* test_gate.c -- qg_gate_finish: reports, stdout formats, GitHub files, fail closed */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/gate.h"
#include "qgate/result.h"

struct fixture {
	char dir[64];
	struct qg_result r;
	struct qg_common_opts c;
	int saved_stdout;
	char out_path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-gate.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	unsetenv("GITHUB_ACTIONS");
	unsetenv("NO_COLOR");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	qg_result_release(&f->r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("GITHUB_ACTIONS");
	unsetenv("GITHUB_OUTPUT");
	unsetenv("GITHUB_STEP_SUMMARY");
	free(f);
	return 0;
}

/* stdout goes to a file while the gate finishes */
static void capture_begin(struct fixture *f)
{
	int fd;

	fflush(stdout);
	snprintf(f->out_path, sizeof(f->out_path), "%s/stdout", f->dir);
	fd = open(f->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	f->saved_stdout = dup(1);
	assert_int_equal(dup2(fd, 1), 1);
	close(fd);
}

static void capture_end(struct fixture *f, struct qg_buf *out)
{
	fflush(stdout);
	dup2(f->saved_stdout, 1);
	close(f->saved_stdout);
	if (out)
		assert_int_equal(qg_buf_read_file(out, f->out_path), 0);
}

static void read_file(struct qg_buf *b, const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	qg_buf_reset(b);
	assert_int_equal(qg_buf_read_file(b, path), 0);
}

static void test_gate_reports_and_exit_codes(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT;
	char junit[160], json[160], out[160];

	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, "fine"));
	assert_non_null(qg_result_add_check(&f->r, "a.two", QG_STATUS_FAIL, "value 130 above maximum 120"));
	snprintf(junit, sizeof(junit), "%s/r.xml", f->dir);
	snprintf(json, sizeof(json), "%s/r.json", f->dir);
	snprintf(out, sizeof(out), "%s/deep/out", f->dir);
	f->c.junit = junit;
	f->c.json = json;
	f->c.out_dir = out;
	f->c.color = "never";
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_FAIL);
	capture_end(f, &b);
	assert_non_null(strstr(b.buf, "a.two"));
	assert_null(strstr(b.buf, "\033[")); /* --color never */

	read_file(&b, f->dir, "r.json");
	assert_non_null(strstr(b.buf, "\"status\": \"fail\""));
	assert_non_null(strstr(b.buf, "\"gate\": \"demo\""));
	read_file(&b, f->dir, "r.xml");
	assert_non_null(strstr(b.buf, "<testsuites>"));
	read_file(&b, f->dir, "deep/out/demo.json");
	assert_non_null(strstr(b.buf, "qgate.result/v1"));
	read_file(&b, f->dir, "deep/out/demo.junit.xml");
	assert_non_null(strstr(b.buf, "classname=\"qgate.demo\""));
	qg_buf_release(&b);
}

static void test_gate_json_to_stdout(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT;

	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	f->c.json = "-";
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_PASS);
	capture_end(f, &b);
	assert_true(b.len > 2 && b.buf[0] == '{');
	assert_non_null(strstr(b.buf, "\"status\": \"pass\""));
	qg_buf_release(&b);
}

static void test_gate_unwritable_report_exits_3(void **state)
{
	struct fixture *f = *state;
	char bad[160];

	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	snprintf(bad, sizeof(bad), "%s/no/such/dir/r.xml", f->dir);
	f->c.junit = bad;
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture_end(f, NULL);

	/* --out over a regular file cannot be created either */
	qg_result_release(&f->r);
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	snprintf(bad, sizeof(bad), "%s/stdout", f->dir);
	f->c.junit = NULL;
	f->c.out_dir = bad;
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture_end(f, NULL);
}

static void test_gate_github_outputs(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT;
	char path[160], summary[160];
	static const char *const outputs[] = { "rows", "12", NULL };

	assert_non_null(qg_result_add_check(&f->r, "a.two", QG_STATUS_FAIL, "broken"));
	snprintf(path, sizeof(path), "%s/gh_output", f->dir);
	snprintf(summary, sizeof(summary), "%s/gh_summary", f->dir);
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_OUTPUT", path, 1);
	setenv("GITHUB_STEP_SUMMARY", summary, 1);
	assert_string_equal(qg_gate_format(&f->c), "github");
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, outputs), QG_EXIT_FAIL);
	capture_end(f, &b);
	assert_non_null(strstr(b.buf, "::error"));
	read_file(&b, f->dir, "gh_output");
	assert_non_null(strstr(b.buf, "status=fail\n"));
	assert_non_null(strstr(b.buf, "exit_code=1\n"));
	assert_non_null(strstr(b.buf, "failed=1\n"));
	assert_non_null(strstr(b.buf, "rows=12\n"));
	read_file(&b, f->dir, "gh_summary");
	assert_true(b.len > 0);

	/* an unwritable $GITHUB_OUTPUT fails the gate closed */
	qg_result_release(&f->r);
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	snprintf(path, sizeof(path), "%s/missing/gh_output", f->dir);
	setenv("GITHUB_OUTPUT", path, 1);
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture_end(f, NULL);
	qg_buf_release(&b);
}

static void test_gate_nothing_evaluated_is_not_a_pass(void **state)
{
	struct fixture *f = *state;

	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture_end(f, NULL);
}

static void test_gate_color_and_format(void **state)
{
	struct qg_common_opts c;

	memset(&c, 0, sizeof(c));
	assert_string_equal(qg_gate_format(&c), "text");
	c.format = "json";
	assert_string_equal(qg_gate_format(&c), "json");
	c.color = "always";
	assert_int_equal(qg_gate_use_color(&c), 1);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(qg_gate_use_color(&c), 1); /* an explicit flag wins */
	c.color = "auto";
	assert_int_equal(qg_gate_use_color(&c), 0);
	setenv("NO_COLOR", "", 1); /* empty: not set */
	assert_int_equal(qg_gate_use_color(&c), isatty(1));
	c.color = "never";
	assert_int_equal(qg_gate_use_color(&c), 0);
	unsetenv("NO_COLOR");
}

static void test_gate_die_codes(void **state)
{
	qg_error(QG_EUSAGE, "--x: bad");
	assert_int_equal(qg_gate_die("qgate-demo", QG_EUSAGE, NULL), 2);
	assert_int_equal(qg_gate_die("qgate-demo", QG_EINPUT, "gone"), 3);
	assert_int_equal(qg_gate_die("qgate-demo", 0, "odd"), 3); /* never a pass */
	assert_int_equal(qg_gate_die("qgate-demo", QG_EXIT_USAGE, "usage"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gate_reports_and_exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_json_to_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_unwritable_report_exits_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_github_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_nothing_evaluated_is_not_a_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_color_and_format, setup, teardown),
		cmocka_unit_test(test_gate_die_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
