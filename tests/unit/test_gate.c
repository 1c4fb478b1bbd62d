/* test_gate.c -- the gate skeleton: qg_gate_finish (reports, stdout formats,
 * GitHub files, fail closed, one error line), qg_gate_run, qg_gate_dispatch */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/gate.h"
#include "qgate/opts.h"
#include "qgate/result.h"

struct fixture {
	char dir[64];
	struct qg_result r;
	struct qg_common_opts c;
	int saved_stdout, saved_stderr;
	char out_path[128], err_path[128];
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

/* fd (1 or 2) goes to DIR/name until restore() */
static int redirect(const struct fixture *f, int fd, const char *name, char *path, size_t len)
{
	int to, saved;

	fflush(fd == 1 ? stdout : stderr);
	snprintf(path, len, "%s/%s", f->dir, name);
	to = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(to >= 0);
	saved = dup(fd);
	assert_int_equal(dup2(to, fd), fd);
	close(to);
	return saved;
}

static void restore(int fd, int saved, const char *path, struct qg_buf *out)
{
	fflush(fd == 1 ? stdout : stderr);
	dup2(saved, fd);
	close(saved);
	if (out) {
		qg_buf_reset(out);
		assert_int_equal(qg_buf_read_file(out, path), 0);
	}
}

/* stdout goes to a file while the gate finishes */
static void capture_begin(struct fixture *f)
{
	f->saved_stdout = redirect(f, 1, "stdout", f->out_path, sizeof(f->out_path));
}

static void capture_end(struct fixture *f, struct qg_buf *out)
{
	restore(1, f->saved_stdout, f->out_path, out);
}

/* stdout and stderr both, for the error policy */
static void capture2_begin(struct fixture *f)
{
	f->saved_stderr = redirect(f, 2, "stderr", f->err_path, sizeof(f->err_path));
	capture_begin(f);
}

static void capture2_end(struct fixture *f, struct qg_buf *out, struct qg_buf *err)
{
	capture_end(f, out);
	restore(2, f->saved_stderr, f->err_path, err);
}

static size_t count_lines(const struct qg_buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->buf[i] == '\n';
	return n;
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
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
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
	/* a gate without subcommands: DIR/<gate>.json and .xml */
	read_file(&b, f->dir, "deep/out/demo.json");
	assert_non_null(strstr(b.buf, "qgate.result/v1"));
	assert_null(strstr(b.buf, "\"command\""));
	read_file(&b, f->dir, "deep/out/demo.xml");
	assert_non_null(strstr(b.buf, "classname=\"qgate.demo\""));
	qg_buf_release(&b);
}

/* --out DIR keeps each command's reports: <gate>-<command>.json/.xml, so a
 * second command into the same folder does not overwrite the first */
static void test_gate_out_names_carry_the_command(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct stat st;
	char out[160], path[200];

	snprintf(out, sizeof(out), "%s/reports", f->dir);
	f->c.out_dir = out;
	f->c.format = "json";
	assert_int_equal(qg_result_set_command(&f->r, "validate"), 0);
	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_PASS);
	capture_end(f, NULL);
	qg_result_release(&f->r);
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	assert_int_equal(qg_result_set_command(&f->r, "drift"), 0);
	assert_non_null(qg_result_add_check(&f->r, "a.two", QG_STATUS_FAIL, "moved"));
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_FAIL);
	capture_end(f, NULL);

	read_file(&b, f->dir, "reports/demo-validate.json");
	assert_non_null(strstr(b.buf, "\"command\": \"validate\""));
	assert_non_null(strstr(b.buf, "\"status\": \"pass\""));
	read_file(&b, f->dir, "reports/demo-drift.json");
	assert_non_null(strstr(b.buf, "\"command\": \"drift\""));
	assert_non_null(strstr(b.buf, "\"status\": \"fail\""));
	read_file(&b, f->dir, "reports/demo-validate.xml");
	assert_non_null(strstr(b.buf, "<testsuites>"));
	read_file(&b, f->dir, "reports/demo-drift.xml");
	assert_non_null(strstr(b.buf, "a.two"));
	snprintf(path, sizeof(path), "%s/reports/demo.json", f->dir);
	assert_int_equal(stat(path, &st), -1);

	/* a command that is not a word never becomes a path */
	assert_int_equal(qg_result_set_command(&f->r, "../x"), 0);
	capture2_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture2_end(f, NULL, &b);
	snprintf(path, sizeof(path), "%s/demo-../x.json", out);
	assert_int_equal(stat(path, &st), -1);
	qg_buf_release(&b);
}

/* A fatal error is printed exactly once, on stderr, in every format, and
 * stdout never repeats it; the result JSON carries it. */
static void test_gate_fatal_error_printed_once(void **state)
{
	struct fixture *f = *state;
	static const char *const formats[] = { "text", "json", "github" };
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);
	const char *msg = "'nope.json': cannot open: No such file or directory";

	for (size_t i = 0; i < 3; i++) {
		qg_result_release(&f->r);
		assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
		assert_non_null(qg_result_add_check(&f->r, "a.done", QG_STATUS_PASS, "before the error"));
		assert_non_null(qg_result_add_check(&f->r, "a.bad", QG_STATUS_FAIL, "130 above 120"));
		qg_result_set_error(&f->r, QG_EXIT_ERROR, "%s", msg);
		f->c.format = formats[i];
		f->c.color = "never";
		capture2_begin(f);
		assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
		capture2_end(f, &out, &err);
		assert_int_equal(count_lines(&err), 1);
		assert_non_null(strstr(err.buf, msg));
		if (!strcmp(formats[i], "github")) {
			assert_true(!strncmp(err.buf, "::error title=qgate-demo::", 26));
			/* the checks' annotations stay on stdout */
			assert_non_null(strstr(out.buf, "::error title=qgate-demo%3A a.bad::130 above 120\n"));
		}
		else
			assert_true(!strncmp(err.buf, "qgate-demo: error: ", 19));
		if (!strcmp(formats[i], "json")) {
			/* the JSON carries it, exactly once */
			const char *m = strstr(out.buf, "nope.json");

			assert_non_null(m);
			assert_null(strstr(m + 1, "nope.json"));
			assert_non_null(strstr(out.buf, "\"error\": {"));
		} else {
			assert_null(strstr(out.buf, "nope.json"));
			assert_non_null(strstr(out.buf, "qgate-demo: ERROR\n"));
		}
	}

	/* a message with a line break is still one line */
	qg_result_release(&f->r);
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	qg_result_set_error(&f->r, QG_EXIT_ERROR, "server said:\nno\r\nway");
	f->c.format = "text";
	capture2_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture2_end(f, &out, &err);
	assert_string_equal(err.buf, "qgate-demo: error: server said:\\nno\\r\\nway\n");

	/* user data cannot start a line (workflow-command injection): a file
	 * name holding "\n::error::" stays on the one line, in every format */
	for (size_t i = 0; i < 3; i++) {
		qg_result_release(&f->r);
		assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
		qg_result_set_error(&f->r, QG_EXIT_ERROR, "'a\n::error::pwned\x1b.csv': cannot open");
		f->c.format = formats[i];
		capture2_begin(f);
		assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
		capture2_end(f, &out, &err);
		assert_int_equal(count_lines(&err), 1);
		assert_null(strstr(err.buf, "\n::"));
		assert_null(strstr(out.buf, "\n::error::pwned"));
		assert_null(strchr(err.buf, '\x1b'));
		if (!strcmp(formats[i], "github"))
			assert_non_null(strstr(err.buf, "'a%0A::error::pwned"));
		else
			assert_non_null(strstr(err.buf, "'a\\n::error::pwned\\x1b.csv'"));
	}
	f->c.format = "text";
	qg_result_release(&f->r);
	assert_int_equal(qg_result_init(&f->r, "demo", "0.1.0"), 0);
	qg_result_set_error(&f->r, QG_EXIT_ERROR, "server said:\nno\r\nway");

	/* --json - is the JSON on stdout: the line goes to stderr all the same */
	f->c.format = NULL;
	f->c.json = "-";
	capture2_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture2_end(f, &out, &err);
	assert_int_equal(count_lines(&err), 1);
	assert_true(out.buf[0] == '{');
	qg_buf_release(&out);
	qg_buf_release(&err);
}

static void test_gate_json_to_stdout(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

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
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char bad[160], good[160];
	struct stat st;

	assert_non_null(qg_result_add_check(&f->r, "a.one", QG_STATUS_PASS, NULL));
	snprintf(bad, sizeof(bad), "%s/no/such/dir/r.xml", f->dir);
	snprintf(good, sizeof(good), "%s/r.json", f->dir);
	f->c.junit = bad;
	f->c.json = good;
	capture_begin(f);
	assert_int_equal(qg_gate_finish(&f->c, &f->r, NULL), QG_EXIT_ERROR);
	capture_end(f, &b);
	/* the --json report beside it is not left saying pass, stdout says ERROR */
	assert_int_equal(stat(good, &st), -1);
	assert_non_null(strstr(b.buf, "qgate-demo: ERROR"));
	assert_null(strstr(b.buf, "PASS ("));
	assert_string_equal(qg_status_name(qg_result_status(&f->r)), "error");
	f->c.json = NULL;
	qg_buf_release(&b);

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
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
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

/* qg_gate_die takes exit codes only: 2 and 3 pass through, anything else
 * (0, 1, a QG_E* error code) is 3 */
static void test_gate_die_codes(void **state)
{
	qg_error(QG_EUSAGE, "--x: bad");
	assert_int_equal(qg_gate_die("qgate-demo", QG_EXIT_USAGE, NULL), 2);
	assert_int_equal(qg_gate_die("qgate-demo", QG_EXIT_ERROR, "gone"), 3);
	assert_int_equal(qg_gate_die("qgate-demo", 0, "odd"), 3); /* never a pass */
	assert_int_equal(qg_gate_die("qgate-demo", QG_EXIT_FAIL, "odd"), 3);
	assert_int_equal(qg_gate_die("qgate-demo", QG_EUSAGE, "an error code, not an exit code"), 3);
	assert_int_equal(qg_gate_die("qgate-demo", QG_EINPUT, "gone"), 3);
}

/* A usage error naming user data is one line too (qg_gate_die). */
static void test_gate_die_one_line(void **state)
{
	struct fixture *f = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);

	capture2_begin(f);
	assert_int_equal(qg_gate_die("qgate-demo", QG_EXIT_USAGE, "unknown option '--x\n::error::pwned'"), 2);
	capture2_end(f, &out, &err);
	assert_string_equal(err.buf, "qgate-demo: error: unknown option '--x\\n::error::pwned'\n");
	qg_buf_release(&out);
	qg_buf_release(&err);
}


/* ---- qg_gate_run and qg_gate_dispatch ---- */

struct demo_cmd {
	struct qg_common_opts common;
	struct qg_strvec args;
	const char *mode;
	int ran;
};

static int demo_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct demo_cmd *d = data;

	d->ran++;
	if (!r) /* QG_GATE_NO_RESULT */
		return d->mode && !strcmp(d->mode, "bad") ? qg_error(QG_EINPUT, "'in': gone") : 0;
	assert_string_equal(r->gate, "demo");
	assert_string_equal(r->command, "check");
	if (d->mode && !strcmp(d->mode, "usage"))
		return qg_error(QG_EUSAGE, "--mode usage: not a mode");
	if (!qg_result_add_check(r, "a.one", d->mode && !strcmp(d->mode, "fail") ? QG_STATUS_FAIL : QG_STATUS_PASS,
				 "one") ||
	    qg_strvec_push(outputs, "rows") < 0 || qg_strvec_push(outputs, "7") < 0)
		return QG_ENOMEM;
	return 0;
}

static int demo_subcommand(int argc, const char **argv, const struct qg_gate *gate);

static const struct qg_option demo_commands[] = {
	QG_OPT_SUBCOMMAND_("check", NULL, demo_subcommand, "check things"),
	QG_OPT_SUBCOMMAND_("drift", NULL, demo_subcommand, "drift things"),
	QG_OPT_END_(),
};

static const struct qg_gate demo_gate = { "demo", NULL, "a gate for tests", demo_commands };
static const char *const demo_usage[] = { "check [--mode M]", NULL };

static int demo_command(struct demo_cmd *d, unsigned flags, int argc, const char **argv)
{
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&d->common),
		QG_OPT_STRING_(0, "mode", &d->mode, "M", "pass, fail, usage or bad"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = &demo_gate, .name = "check", .usage = demo_usage, .options = options, .flags = flags,
		.common = &d->common, .args = &d->args, .run = demo_run, .data = d,
	};

	return qg_gate_run(&cmd, argc, argv);
}

static int demo_subcommand(int argc, const char **argv, const struct qg_gate *gate)
{
	struct demo_cmd d;
	int ret;

	assert_ptr_equal(gate, &demo_gate);
	assert_true(argc >= 1);
	memset(&d, 0, sizeof(d));
	/* argv[0] is the subcommand's own name */
	ret = demo_command(&d, 0, argc, argv);
	qg_strvec_clear(&d.args);
	return ret + (strcmp(argv[0], "drift") ? 0 : 10);
}

/* One demo command (argv NULL-terminated) with stdout and stderr captured;
 * its exit code. d starts zeroed; its args are the caller's to clear. */
static int run_demo(struct fixture *f, struct demo_cmd *d, unsigned flags, const char **argv,
		    struct qg_buf *out, struct qg_buf *err)
{
	int argc = 0, ret;

	while (argv[argc])
		argc++;
	memset(d, 0, sizeof(*d));
	capture2_begin(f);
	ret = demo_command(d, flags, argc, argv);
	capture2_end(f, out, err);
	return ret;
}

/* Two report flags naming one file: exit 2 before the run, both named. */
static void test_gate_same_report_file(void **state)
{
	struct fixture *f = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);
	struct demo_cmd d;
	char json[200], junit[200];
	const char *argv[] = { "check", "--json", json, "--junit", junit, NULL };
	struct stat st;

	memset(&d, 0, sizeof(d));
	snprintf(json, sizeof(json), "%s/r.json", f->dir);
	snprintf(junit, sizeof(junit), "%s/./sub/../r.json", f->dir);
	assert_int_equal(run_demo(f, &d, 0, argv, &out, &err), QG_EXIT_USAGE);
	assert_int_equal(d.ran, 0);
	assert_non_null(strstr(err.buf, "--junit '"));
	assert_non_null(strstr(err.buf, "and --json '"));
	assert_int_equal(stat(json, &st), -1);
	qg_buf_release(&out);
	qg_buf_release(&err);
}

/* qg_gate_dispatch with stdout and stderr captured; its exit code. */
static int dispatch(struct fixture *f, const char **argv, struct qg_buf *out, struct qg_buf *err)
{
	int argc = 0, ret;

	while (argv[argc])
		argc++;
	capture2_begin(f);
	ret = qg_gate_dispatch(&demo_gate, argc, argv);
	capture2_end(f, out, err);
	return ret;
}

static void test_gate_run_sequence(void **state)
{
	struct fixture *f = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);
	struct demo_cmd d;
	char json[160], cfg[160];
	const char *pass[] = { "check", "--format", "text", "x.csv", NULL };
	const char *fail[] = { "check", "--mode", "fail", "--json", json, "--color", "never", NULL };
	const char *usage[] = { "check", "--mode", "usage", "--json", json, NULL };
	const char *badflag[] = { "check", "--mdoe", "x", "--json", json, NULL };
	const char *typo[] = { "check", "--config", cfg, NULL };
	FILE *fp;

	assert_int_equal(run_demo(f, &d, 0, pass, &out, &err), QG_EXIT_PASS);
	assert_int_equal(d.ran, 1);
	assert_int_equal(d.args.nr, 1);
	assert_string_equal(d.args.v[0], "x.csv");
	assert_non_null(strstr(out.buf, "qgate-demo: PASS"));
	assert_int_equal(err.len, 0);
	qg_strvec_clear(&d.args);

	snprintf(json, sizeof(json), "%s/r.json", f->dir);
	assert_int_equal(run_demo(f, &d, 0, fail, &out, &err), QG_EXIT_FAIL);
	read_file(&out, f->dir, "r.json");
	assert_non_null(strstr(out.buf, "\"gate\": \"demo\""));
	assert_non_null(strstr(out.buf, "\"command\": \"check\""));

	/* run's error: recorded (exit 2 for a usage error), printed once, reported */
	assert_int_equal(run_demo(f, &d, 0, usage, &out, &err), QG_EXIT_USAGE);
	assert_string_equal(err.buf, "qgate-demo: error: --mode usage: not a mode\n");
	assert_null(strstr(out.buf, "not a mode"));
	read_file(&out, f->dir, "r.json");
	assert_non_null(strstr(out.buf, "\"exit_code\": 2"));
	assert_non_null(strstr(out.buf, "not a mode"));

	/* a bad flag: exit 2 before anything runs, one line naming the command */
	assert_int_equal(run_demo(f, &d, 0, badflag, &out, &err), QG_EXIT_USAGE);
	assert_int_equal(d.ran, 0);
	assert_int_equal(count_lines(&err), 1);
	assert_non_null(strstr(err.buf, "qgate-demo check: error: unknown option '--mdoe' (did you mean '--mode'?)"));

	/* the config section is checked against the gate's subcommand table */
	snprintf(cfg, sizeof(cfg), "%s/qgate.json", f->dir);
	fp = fopen(cfg, "w");
	assert_non_null(fp);
	fputs("{\"demo\": {\"drfit\": {\"mode\": \"x\"}}}", fp);
	fclose(fp);
	assert_int_equal(run_demo(f, &d, 0, typo, &out, &err), QG_EXIT_USAGE);
	assert_int_equal(d.ran, 0);
	assert_non_null(strstr(err.buf, "did you mean 'drift'?"));
	/* ... and the other subcommand's section is accepted, ours applies */
	fp = fopen(cfg, "w");
	assert_non_null(fp);
	fputs("{\"demo\": {\"drift\": {\"mode\": \"x\"}, \"check\": {\"mode\": \"fail\"}}}", fp);
	fclose(fp);
	assert_int_equal(run_demo(f, &d, 0, typo, &out, &err), QG_EXIT_FAIL);
	assert_string_equal(d.mode, "fail");
	qg_buf_release(&out);
	qg_buf_release(&err);
}

static void test_gate_run_without_result(void **state)
{
	struct fixture *f = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);
	struct demo_cmd d;
	const char *ok[] = { "check", NULL };
	const char *bad[] = { "check", "--mode", "bad", "--format", "json", NULL };

	assert_int_equal(run_demo(f, &d, QG_GATE_NO_RESULT, ok, &out, &err), QG_EXIT_PASS);
	assert_int_equal(d.ran, 1);
	assert_int_equal(out.len, 0); /* no verdict: the command prints its own output */
	assert_int_equal(run_demo(f, &d, QG_GATE_NO_RESULT, bad, &out, &err), QG_EXIT_ERROR);
	assert_string_equal(err.buf, "qgate-demo: error: 'in': gone\n");
	assert_int_equal(out.len, 0);
	qg_buf_release(&out);
	qg_buf_release(&err);
}

static void test_gate_dispatch(void **state)
{
	struct fixture *f = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT), err = QG_BUF_INIT(QG_CAP_REPORT);
	const char *none[] = { "qgate-demo", NULL };
	const char *help[] = { "qgate-demo", "--help", NULL };
	const char *helpword[] = { "qgate-demo", "help", NULL };
	const char *typo[] = { "qgate-demo", "chekc", "--mode", "x", NULL };
	const char *far[] = { "qgate-demo", "zzzzzz", NULL };
	const char *drift[] = { "qgate-demo", "drift", "--format", "json", NULL };
	const char *badopt[] = { "qgate-demo", "--mode", "x", NULL };

	assert_int_equal(dispatch(f, none, &out, &err), QG_EXIT_USAGE);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(err.buf, "  check   check things\n"));
	assert_non_null(strstr(err.buf, "qgate-demo: error: no command given (expected check or drift)\n"));

	for (int i = 0; i < 2; i++) {
		assert_int_equal(dispatch(f, i ? helpword : help, &out, &err), QG_EXIT_PASS);
		assert_non_null(strstr(out.buf, "commands:\n  check   check things\n  drift   drift things\n"));
		assert_non_null(strstr(out.buf, "a gate for tests"));
		assert_int_equal(err.len, 0);
	}

	assert_int_equal(dispatch(f, typo, &out, &err), QG_EXIT_USAGE);
	assert_string_equal(err.buf, "qgate-demo: error: unknown command 'chekc' (did you mean 'check'?)\n");
	assert_int_equal(dispatch(f, far, &out, &err), QG_EXIT_USAGE);
	assert_string_equal(err.buf, "qgate-demo: error: unknown command 'zzzzzz' (expected check or drift)\n");
	assert_int_equal(dispatch(f, badopt, &out, &err), QG_EXIT_USAGE);
	assert_int_equal(count_lines(&err), 1);

	/* the subcommand gets argv from its own name on, and the gate */
	assert_int_equal(dispatch(f, drift, &out, &err), 10 + QG_EXIT_PASS);
	assert_non_null(strstr(out.buf, "\"command\": \"check\""));
	qg_buf_release(&out);
	qg_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gate_reports_and_exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_out_names_carry_the_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_fatal_error_printed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_run_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_run_without_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_json_to_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_unwritable_report_exits_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_github_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_nothing_evaluated_is_not_a_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_color_and_format, setup, teardown),
		cmocka_unit_test(test_gate_die_codes),
		cmocka_unit_test_setup_teardown(test_gate_die_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_same_report_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
