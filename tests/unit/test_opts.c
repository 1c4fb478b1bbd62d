/* test_opts.c -- option tables: every parsing rule, strict numbers, --help */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/opts.h"

/* One table exercising every type, as a gate's would. */
struct fixture {
	struct qg_common_opts c;
	const char *task;
	struct qg_strvec require;
	long long bootstrap;
	double alpha;
	int dry_run;
	struct qg_strvec rest;
	struct qg_option options[24];
	struct qg_opts_ctx ctx;
	char dir[64];
};

static const char *const fx_usage[] = {
	"qgate-model check --predictions FILE --require EXPR...",
	"--metrics FILE.json --require EXPR...",
	NULL,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct qg_option opts[] = {
		QG_OPTS_COMMON(&f->c),
		QG_OPT_GROUP_("model options"),
		QG_OPT_CHOICE_('t', "task", &f->task, "binary|multiclass|regression", "what the model predicts"),
		QG_OPT_LIST_('r', "require", &f->require, "EXPR", "a requirement"),
		QG_OPT_INT_('b', "bootstrap", &f->bootstrap, "N", 1, 100000, "bootstrap resamples"),
		QG_OPT_DOUBLE_(0, "alpha", &f->alpha, "X", 0, 1, "significance level"),
		QG_OPT_FLAG_('n', "dry-run", &f->dry_run, NULL),
		QG_OPT_END_(),
	};

	assert_non_null(f);
	assert_true(sizeof(opts) <= sizeof(f->options));
	memcpy(f->options, opts, sizeof(opts));
	qg_strvec_init(&f->require);
	qg_strvec_init(&f->rest);
	f->alpha = 0.05;
	f->ctx.prog = "qgate-model check";
	f->ctx.config_section = "model.check";
	f->ctx.usage = fx_usage;
	f->ctx.description = "Gate a model on its metrics.";
	f->ctx.options = f->options;
	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-opts.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	qg_strvec_clear(&f->require);
	qg_strvec_clear(&f->rest);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* parse a NULL-terminated list of words after a fake argv[0] */
static int parse(struct fixture *f, ...)
{
	const char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "qgate-model";
	va_start(ap, f);
	while ((argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	qg_error_clear();
	return qg_opts_parse(&f->ctx, argc, argv, &f->rest);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_opts_long_forms(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--task=binary", "--bootstrap", "200", "--json", "-", NULL), 0);
	assert_string_equal(f->task, "binary");
	assert_int_equal(f->bootstrap, 200);
	assert_string_equal(f->c.json, "-");
	/* last STRING wins; "=" may carry an empty value or one with '=' */
	assert_int_equal(parse(f, "--junit=a.xml", "--junit=b=c.xml", NULL), 0);
	assert_string_equal(f->c.junit, "b=c.xml");
}

static void test_opts_short_forms(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "-b", "7", "-tregression", NULL), 0);
	assert_int_equal(f->bootstrap, 7);
	assert_string_equal(f->task, "regression");
	/* bundles: flags then one option whose value is the rest of the word */
	assert_int_equal(parse(f, "-qv", NULL), 0);
	assert_int_equal(f->c.quiet, 1);
	assert_int_equal(f->c.verbose, 1);
	f->c.quiet = 0;
	assert_int_equal(parse(f, "-qnb12", NULL), 0);
	assert_int_equal(f->c.quiet, 1);
	assert_int_equal(f->dry_run, 1);
	assert_int_equal(f->bootstrap, 12);
	assert_int_equal(parse(f, "-qr", "f1 >= 0.8", NULL), 0);
	assert_int_equal(f->require.nr, 1);
	assert_string_equal(f->require.v[0], "f1 >= 0.8");
}

static void test_opts_positionals_and_double_dash(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a.csv", "-q", "-", "b.csv", "--", "--task", "-x", NULL), 0);
	assert_int_equal(f->c.quiet, 1);
	assert_null(f->task);
	assert_int_equal(f->rest.nr, 5);
	assert_string_equal(f->rest.v[0], "a.csv");
	assert_string_equal(f->rest.v[1], "-");
	assert_string_equal(f->rest.v[2], "b.csv");
	assert_string_equal(f->rest.v[3], "--task");
	assert_string_equal(f->rest.v[4], "-x");
}

static void test_opts_stop_at_non_option(void **state)
{
	struct fixture *f = *state;

	f->ctx.flags = QG_OPTS_STOP_AT_NON_OPTION;
	assert_int_equal(parse(f, "-q", "make", "-k", "--task", "x", NULL), 0);
	assert_int_equal(f->c.quiet, 1);
	assert_null(f->task);
	assert_int_equal(f->rest.nr, 4);
	assert_string_equal(f->rest.v[0], "make");
	assert_string_equal(f->rest.v[1], "-k");
}

static void test_opts_list_appends(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--require", "a", "-r", "b", "--require=c", "-rd", NULL), 0);
	assert_int_equal(f->require.nr, 4);
	assert_string_equal(f->require.v[0], "a");
	assert_string_equal(f->require.v[3], "d");
}

static void test_opts_strict_integers(void **state)
{
	struct fixture *f = *state;
	long long v = 42;

	assert_int_equal(parse(f, "--bootstrap", "x12", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: 'x12' is not an integer");
	assert_int_equal(qg_exit_for_error(qg_error_code()), 2);
	assert_int_equal(parse(f, "--bootstrap=12x", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: '12x' is not an integer");
	assert_int_equal(parse(f, "--bootstrap=", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: '' is not an integer");
	assert_int_equal(parse(f, "--bootstrap", " 3", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "--bootstrap", "3 ", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "--bootstrap", "1.5", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "--bootstrap", "0x10", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "-b", "99999999999999999999", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "-b: '99999999999999999999' is out of range for an integer");
	/* range from the table */
	assert_int_equal(parse(f, "--bootstrap", "0", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: value 0 below minimum 1");
	assert_int_equal(parse(f, "--bootstrap", "100001", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: value 100001 above maximum 100000");
	assert_int_equal(f->bootstrap, 0); /* nothing stored on failure */

	assert_int_equal(qg_parse_ll(&v, "-9223372036854775808", "n"), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(qg_parse_ll(&v, "+17", "n"), 0);
	assert_int_equal(v, 17);
	assert_int_equal(qg_parse_ll(&v, "9223372036854775808", "n"), QG_EUSAGE);
	assert_int_equal(qg_parse_ll(&v, "-", "n"), QG_EUSAGE);
	assert_int_equal(qg_parse_ll(&v, "", "n"), QG_EUSAGE);
	assert_int_equal(qg_parse_ll(&v, NULL, "n"), QG_EUSAGE);
	assert_int_equal(v, 17);
}

static void test_opts_strict_doubles(void **state)
{
	struct fixture *f = *state;
	double d = 7;
	static const char *const bad[] = { "nan", "NaN", "inf", "-inf", "infinity", "0x1p3", "1,5",
					   "1.5x", " 1", "1 ", "", ".", "-", "e5", "1e", "1e999", "--1" };

	assert_int_equal(parse(f, "--alpha", "0.01", NULL), 0);
	assert_true(f->alpha == 0.01);
	assert_int_equal(parse(f, "--alpha=nan", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--alpha: 'nan' is not a number");
	assert_int_equal(parse(f, "--alpha", "1.5", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--alpha: value 1.5 above maximum 1");
	assert_int_equal(parse(f, "--alpha", "-0.1", NULL), QG_EUSAGE);
	assert_true(f->alpha == 0.01);
	for (size_t i = 0; i < QG_ARRAY_SIZE(bad); i++) {
		d = 7;
		if (qg_parse_double(&d, bad[i], "--x") != QG_EUSAGE)
			fail_msg("'%s' was accepted as a number", bad[i]);
		assert_true(d == 7);
		assert_non_null(strstr(qg_error_last(), "--x: '"));
	}
	assert_int_equal(qg_parse_double(&d, ".5", "--x"), 0);
	assert_true(d == 0.5);
	assert_int_equal(qg_parse_double(&d, "-2e-3", "--x"), 0);
	assert_true(d == -0.002);
	assert_int_equal(qg_parse_double(&d, "+10", "--x"), 0);
	assert_true(d == 10);
	assert_int_equal(qg_parse_double(&d, "1e-320", "--x"), 0); /* subnormal, not overflow */
}

static void test_opts_unknown_option_hints(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--jsn", "x", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '--jsn' (did you mean '--json'?)");
	assert_int_equal(parse(f, "--bootstrp=3", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '--bootstrp' (did you mean '--bootstrap'?)");
	assert_int_equal(parse(f, "--requires", "x", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '--requires' (did you mean '--require'?)");
	assert_int_equal(parse(f, "--x", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '--x' (see 'qgate-model check --help')");
	assert_int_equal(parse(f, "--zzzzzzzzzz", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '--zzzzzzzzzz' (see 'qgate-model check --help')");
	assert_int_equal(parse(f, "-qz", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown option '-z' (see 'qgate-model check --help')");
	assert_string_equal(qg_opts_nearest(f->options, "verbos"), "verbose");
	assert_string_equal(qg_opts_nearest(f->options, "tsak"), "task");
	assert_null(qg_opts_nearest(f->options, "predictions"));
}

static void test_opts_missing_and_extra_values(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--junit", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "option '--junit' requires a value (FILE)");
	assert_int_equal(parse(f, "-q", "-b", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "option '-b' requires a value (N)");
	assert_int_equal(parse(f, "--quiet=1", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "option '--quiet' takes no value (got '1')");
	/* "--name value" takes the next word even when it starts with '-' */
	assert_int_equal(parse(f, "--junit", "-", NULL), 0);
	assert_string_equal(f->c.junit, "-");
}

static void test_opts_choices(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "--format", "json", "--color=never", NULL), 0);
	assert_string_equal(f->c.format, "json");
	assert_string_equal(f->c.color, "never");
	assert_int_equal(parse(f, "--format", "xml", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--format: 'xml' is not one of text|json|github");
	assert_int_equal(parse(f, "--format=jso", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "--format=", NULL), QG_EUSAGE);
	assert_int_equal(parse(f, "--format=text|json", NULL), QG_EUSAGE);
	assert_string_equal(f->c.format, "json");
}

static void test_opts_help_rendering(void **state)
{
	struct fixture *f = *state;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), again = QG_BUF_INIT(QG_CAP_REPORT);
	static const char expected[] =
		"usage: qgate-model check --predictions FILE --require EXPR...\n"
		"   or: qgate-model check --metrics FILE.json --require EXPR...\n"
		"\n"
		"Gate a model on its metrics.\n"
		"\n"
		"common options:\n"
		"  -h, --help                    show this help and exit 0\n"
		"      --version                 print versions and exit 0\n"
		"      --junit FILE              write the JUnit XML report\n"
		"      --json FILE               write the result JSON ('-' = stdout)\n"
		"      --out DIR                 write DIR/<gate>-<command>.json and .xml\n"
		"      --subject FILE            add FILE's SHA-256 to the result's subject.artifacts (repeatable)\n"
		"      --format text|json|github\n"
		"                                what goes to stdout\n"
		"      --config FILE             read this gate's section of a qgate.json\n"
		"  -q, --quiet                   print only the verdict and failures\n"
		"  -v, --verbose                 print passed checks and every location\n"
		"      --color auto|always|never\n"
		"                                colour the text output (NO_COLOR honoured)\n"
		"\n"
		"model options:\n"
		"  -t, --task binary|multiclass|regression\n"
		"                                what the model predicts\n"
		"  -r, --require EXPR            a requirement (repeatable)\n"
		"  -b, --bootstrap N             bootstrap resamples\n"
		"      --alpha X                 significance level\n"
		"  -n, --dry-run\n";

	assert_int_equal(qg_opts_help(&b, &f->ctx), 0);
	assert_string_equal(b.buf, expected);
	assert_int_equal(qg_opts_help(&again, &f->ctx), 0);
	assert_string_equal(b.buf, again.buf); /* stable */
	qg_buf_release(&b);
	qg_buf_release(&again);

	/* no usage lines, no group: defaults */
	{
		int flag = 0;
		const struct qg_option opts[] = { QG_OPT_FLAG_('x', "xx", &flag, "an x"), QG_OPT_END_() };
		const struct qg_opts_ctx ctx = { .prog = "qgate-x", .options = opts };

		assert_int_equal(qg_opts_help(&b, &ctx), 0);
		assert_string_equal(b.buf, "usage: qgate-x [options]\n\noptions:\n  -x, --xx                      an x\n");
		qg_buf_release(&b);
	}
}

static void test_opts_help_flag_sets_help(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "-h", NULL), 0);
	assert_int_equal(f->c.help, 1);
	assert_int_equal(parse(f, "--version", NULL), 0);
	assert_int_equal(f->c.version, 1);
}

static void test_opts_config_then_cli(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/qgate.json", f->dir);
	write_file(path, "{\"model\": {\"task\": \"binary\", \"require\": [\"f1 >= 0.8\", \"accuracy > 0.9\"],"
			 " \"bootstrap\": 1000, \"alpha\": 0.05, \"quiet\": true, \"args\": [\"pred.csv\"],"
			 " \"check\": {\"verbose\": true, \"alpha\": 0.01}}}\n");

	/* the file alone */
	assert_int_equal(parse(f, "--config", path, NULL), 0);
	assert_string_equal(f->task, "binary");
	assert_int_equal(f->bootstrap, 1000);
	assert_true(f->alpha == 0.01); /* the subcommand section comes after the gate's */
	assert_int_equal(f->c.quiet, 1);
	assert_int_equal(f->c.verbose, 1);
	assert_int_equal(f->require.nr, 2);
	assert_string_equal(f->require.v[1], "accuracy > 0.9");
	assert_int_equal(f->rest.nr, 1);
	assert_string_equal(f->rest.v[0], "pred.csv");
	assert_string_equal(f->c.config, path);
	qg_strvec_clear(&f->require);
	qg_strvec_clear(&f->rest);

	/* flags override, LIST and positionals replace, whatever the order */
	assert_int_equal(parse(f, "-r", "recall > 0.5", "--task=regression", "other.csv", "--config", path,
			       "-b", "5", NULL), 0);
	assert_string_equal(f->task, "regression");
	assert_int_equal(f->bootstrap, 5);
	assert_int_equal(f->require.nr, 1);
	assert_string_equal(f->require.v[0], "recall > 0.5");
	assert_int_equal(f->rest.nr, 1);
	assert_string_equal(f->rest.v[0], "other.csv");
}

static void test_opts_config_errors(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/bad.json", f->dir);
	write_file(path, "{\"model\": {\"bootstrap\": \"x12\"}}");
	assert_int_equal(parse(f, "--config", path, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "bad.json': --bootstrap: 'x12' is not an integer"));

	write_file(path, "{\"model\": {\"tresholds\": 1}}");
	assert_int_equal(parse(f, "--config", path, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "unknown key 'model.tresholds' (not a flag of qgate-model check)"));

	/* --help works whatever the file holds, and a bad CLI flag is reported first */
	assert_int_equal(parse(f, "--config", path, "--help", NULL), 0);
	assert_int_equal(f->c.help, 1);
	assert_int_equal(parse(f, "--config", path, "--bootstrap=q", NULL), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "--bootstrap: 'q' is not an integer");

	snprintf(path, sizeof(path), "%s/missing.json", f->dir);
	assert_int_equal(parse(f, "--config", path, NULL), QG_EINPUT);
	assert_int_equal(qg_exit_for_error(QG_EINPUT), 3);
}

/* ---- subcommand entries (git's OPT_SUBCOMMAND) ---- */

static int sub_a(int argc, const char **argv, const struct qg_gate *gate) { return 1; }
static int sub_b(int argc, const char **argv, const struct qg_gate *gate) { return 2; }

static void test_opts_subcommands(void **state)
{
	struct fixture *f = *state;
	qg_subcommand_fn fn = NULL;
	int help = 0;
	const struct qg_option table[] = {
		QG_OPT_SUBCOMMAND_("validate", &fn, sub_a, "check DATA"),
		QG_OPT_SUBCOMMAND_("drift", &fn, sub_b, "compare DATA"),
		QG_OPT_GROUP_("options"),
		QG_OPT_FLAG_('h', "help", &help, "show this help"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = { .prog = "qgate-data", .options = table };
	const char *argv[] = { "qgate-data", "-h", "drift", "--psi-max", "x", "--", "-v", NULL };
	const char *typo[] = { "qgate-data", "drfit", "--x", NULL };
	const char *far[] = { "qgate-data", "zzzz", NULL };
	const char *none[] = { "qgate-data", "-h", NULL };
	const char *flag_as_word[] = { "qgate-data", "--validate", NULL };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	/* options before the word are the table's; from the word on, the subcommand's */
	assert_int_equal(qg_opts_parse(&ctx, 7, argv, &f->rest), 0);
	assert_ptr_equal(fn, sub_b);
	assert_int_equal(help, 1);
	assert_int_equal(f->rest.nr, 5);
	assert_string_equal(f->rest.v[0], "drift");
	assert_string_equal(f->rest.v[2], "x");
	assert_string_equal(f->rest.v[4], "-v");
	qg_strvec_clear(&f->rest);

	fn = NULL;
	assert_int_equal(qg_opts_parse(&ctx, 3, typo, &f->rest), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown command 'drfit' (did you mean 'drift'?)");
	assert_null(fn);
	assert_int_equal(qg_opts_parse(&ctx, 2, far, &f->rest), QG_EUSAGE);
	assert_string_equal(qg_error_last(), "unknown command 'zzzz' (expected validate or drift)");
	assert_int_equal(qg_opts_parse(&ctx, 2, none, &f->rest), 0);
	assert_null(fn); /* no word: the caller decides */
	/* a subcommand is a word, not a --flag */
	assert_int_equal(qg_opts_parse(&ctx, 2, flag_as_word, &f->rest), QG_EUSAGE);
	assert_null(strstr(qg_error_last(), "did you mean"));
	assert_int_equal(f->rest.nr, 0);

	assert_string_equal(qg_opts_nearest_subcommand(table, "valdiate"), "validate");
	assert_null(qg_opts_nearest(table, "valdiate")); /* not an option */
	assert_ptr_equal(qg_opts_find_subcommand(table, "drift"), &table[1]);
	assert_null(qg_opts_find_subcommand(table, "help"));
	assert_int_equal(qg_opts_subcommand_list(&b, table), 0);
	assert_string_equal(b.buf, "validate or drift");
	qg_buf_reset(&b);

	assert_int_equal(qg_opts_help(&b, &ctx), 0);
	assert_string_equal(b.buf, "usage: qgate-data [options]\n"
				   "\n"
				   "commands:\n"
				   "  validate   check DATA\n"
				   "  drift      compare DATA\n"
				   "\n"
				   "options:\n"
				   "  -h, --help                    show this help\n");
	qg_buf_release(&b);
}

/* qgate.json sections are checked against the gate's subcommand table */
static void test_opts_config_sections_against_commands(void **state)
{
	struct fixture *f = *state;
	char path[128];
	const struct qg_option commands[] = {
		QG_OPT_SUBCOMMAND_("check", NULL, sub_a, "gate"),
		QG_OPT_SUBCOMMAND_("metrics", NULL, sub_b, "print"),
		QG_OPT_END_(),
	};

	f->ctx.commands = commands;
	snprintf(path, sizeof(path), "%s/qgate.json", f->dir);
	write_file(path, "{\"model\": {\"chekc\": {\"task\": \"binary\"}}}");
	assert_int_equal(parse(f, "--config", path, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "unknown key 'model.chekc' (not a command or flag of qgate-model; "
						"did you mean 'check'?)"));
	assert_null(f->task);

	/* the other subcommand's section is skipped, ours applies */
	write_file(path, "{\"model\": {\"metrics\": {\"task\": \"regression\"}, \"check\": {\"task\": \"binary\"}}}");
	assert_int_equal(parse(f, "--config", path, NULL), 0);
	assert_string_equal(f->task, "binary");

	/* an object named like nothing at all is still an unknown key */
	write_file(path, "{\"model\": {\"zzzzzzzz\": {}}}");
	assert_int_equal(parse(f, "--config", path, NULL), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "unknown key 'model.zzzzzzzz' (not a flag of qgate-model check)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opts_long_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_short_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_positionals_and_double_dash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_stop_at_non_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_list_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_strict_integers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_strict_doubles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_unknown_option_hints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_missing_and_extra_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_choices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_help_rendering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_help_flag_sets_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_config_then_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_config_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_subcommands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_config_sections_against_commands, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
