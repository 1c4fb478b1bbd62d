/* test_config.c -- qgate.json sections mapped onto flags */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/config.h"
#include "qgate/opts.h"

static struct qg_common_opts common;
static const char *schema, *task;
static struct qg_strvec require;
static long long rows;
static double psi;
static int strict;

static const struct qg_option options[] = {
	QG_OPTS_COMMON(&common),
	QG_OPT_STRING_(0, "schema", &schema, "FILE", "the schema"),
	QG_OPT_CHOICE_(0, "task", &task, "binary|regression", "the task"),
	QG_OPT_LIST_('r', "require", &require, "EXPR", "a requirement"),
	QG_OPT_INT_(0, "rows", &rows, "N", 0, 0, "rows"),
	QG_OPT_DOUBLE_(0, "psi-max", &psi, "X", 0, 0, "psi bound"),
	QG_OPT_FLAG_(0, "strict", &strict, "be strict"),
	QG_OPT_END_(),
};

struct fixture {
	char dir[64];
	char path[128];
	struct qg_strvec argv, args;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-config.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/qgate.json", f->dir);
	qg_strvec_init(&f->argv);
	qg_strvec_init(&f->args);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	qg_strvec_clear(&f->argv);
	qg_strvec_clear(&f->args);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int load(struct fixture *f, const char *section, const char *json)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(json, fp);
	assert_int_equal(fclose(fp), 0);
	qg_strvec_clear(&f->argv);
	qg_strvec_clear(&f->args);
	qg_error_clear();
	return qg_config_to_argv(&f->argv, &f->args, f->path, section, options);
}

/* the words joined by '|' for one comparison */
static const char *joined(const struct qg_strvec *sv)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sv->nr; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "|" : "", sv->v[i]);
	return buf;
}

static void test_config_maps_values_to_flags(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "data",
			      "{\"data\": {\"schema\": \"s.json\", \"rows\": 1000, \"psi-max\": 0.05,"
			      " \"strict\": true, \"quiet\": false, \"require\": [\"a >= 1\", 2],"
			      " \"args\": [\"x.csv\", \"y.csv\"]},"
			      " \"model\": {\"task\": \"binary\"}}"),
			 0);
	assert_string_equal(joined(&f->argv),
			    "--schema=s.json|--rows=1000|--psi-max=0.05|--strict|--require=a >= 1|--require=2");
	assert_string_equal(joined(&f->args), "x.csv|y.csv");
}

static void test_config_numbers_round_trip(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "data", "{\"data\": {\"psi-max\": 0.1, \"rows\": -3, \"schema\": 1e21}}"), 0);
	assert_string_equal(joined(&f->argv), "--psi-max=0.1|--rows=-3|--schema=1e+21");
	assert_int_equal(load(f, "data", "{\"data\": {\"psi-max\": 0.30000000000000004}}"), 0);
	assert_string_equal(joined(&f->argv), "--psi-max=0.30000000000000004");
}

static void test_config_unknown_key_is_usage_error(void **state)
{
	struct fixture *f = *state;
	int err;

	err = load(f, "model.check", "{\"model\": {\"task\": \"binary\", \"tresholds\": 0.8}}");
	assert_int_equal(err, QG_EUSAGE);
	assert_int_equal(qg_exit_for_error(err), 2);
	assert_true(strstr(qg_error_last(), "qgate.json': unknown key 'model.tresholds' (not a flag of qgate-model check)") != NULL);

	err = load(f, "model.check", "{\"model\": {\"check\": {\"requires\": [\"x\"]}}}");
	assert_int_equal(err, QG_EUSAGE);
	assert_true(strstr(qg_error_last(),
			   "unknown key 'model.check.requires' (not a flag of qgate-model check; did you mean 'require'?)") != NULL);

	/* without a subcommand an object member is not a section */
	err = load(f, "test", "{\"test\": {\"coverage\": {\"min\": 80}}}");
	assert_int_equal(err, QG_EUSAGE);
	assert_true(strstr(qg_error_last(), "unknown key 'test.coverage' (not a flag of qgate-test)") != NULL);
}

static void test_config_subcommand_sections(void **state)
{
	struct fixture *f = *state;
	const char *json = "{\"data\": {\"strict\": true, \"validate\": {\"schema\": \"s.json\", \"args\": [\"v.csv\"]},"
			   " \"drift\": {\"psi-max\": 0.2}}}";

	assert_int_equal(load(f, "data.validate", json), 0);
	assert_string_equal(joined(&f->argv), "--strict|--schema=s.json");
	assert_string_equal(joined(&f->args), "v.csv");
	assert_int_equal(load(f, "data.drift", json), 0);
	assert_string_equal(joined(&f->argv), "--strict|--psi-max=0.2");
	assert_int_equal(f->args.nr, 0);
	/* sections nest one level only */
	assert_int_equal(load(f, "data.drift", "{\"data\": {\"drift\": {\"x\": {}}}}"), QG_EUSAGE);
	assert_true(strstr(qg_error_last(), "'data.drift.x'") != NULL);
}

static int load_sub(struct fixture *f, const char *section, const char *json)
{
	static const char *const subs[] = { "check", "metrics", NULL };
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(json, fp);
	assert_int_equal(fclose(fp), 0);
	qg_strvec_clear(&f->argv);
	qg_strvec_clear(&f->args);
	return qg_config_to_argv_sub(&f->argv, &f->args, f->path, section, options, subs);
}

static void test_config_known_subcommands_catch_typos(void **state)
{
	struct fixture *f = *state;
	const char *typo = "{\"model\": {\"task\": \"binary\", \"tresholds\": {\"f1\": 0.8}}}";

	/* not knowing the subcommands, an object member may be another one's */
	assert_int_equal(load(f, "model.check", typo), 0);
	assert_string_equal(joined(&f->argv), "--task=binary");
	/* knowing them, it is an unknown key */
	assert_int_equal(load_sub(f, "model.check", typo), QG_EUSAGE);
	assert_true(strstr(qg_error_last(), "unknown key 'model.tresholds' (not a flag of qgate-model check)") != NULL);
	assert_int_equal(load_sub(f, "model.check", "{\"model\": {\"metrics\": {\"task\": \"x\"}, \"check\": {\"strict\": true}}}"), 0);
	assert_string_equal(joined(&f->argv), "--strict");
}

static int sub_fn(int argc, const char **argv, const struct qg_gate *gate) { return 0; }

/* The gate's subcommand table (QG_OPT_SUBCOMMAND_ entries) checks the
 * sections: a misspelt subcommand is exit 2 with "did you mean" (it was
 * silently skipped when nothing told config.c the subcommands) */
static void test_config_sections_checked_against_the_table(void **state)
{
	struct fixture *f = *state;
	static const struct qg_option data_cmds[] = {
		QG_OPT_SUBCOMMAND_("validate", NULL, sub_fn, NULL), QG_OPT_SUBCOMMAND_("infer", NULL, sub_fn, NULL),
		QG_OPT_SUBCOMMAND_("profile", NULL, sub_fn, NULL), QG_OPT_SUBCOMMAND_("drift", NULL, sub_fn, NULL),
		QG_OPT_END_(),
	};
	const char *typo = "{\"data\": {\"strict\": true, \"drfit\": {\"psi-max\": 0.5}}}";
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(typo, fp);
	assert_int_equal(fclose(fp), 0);
	for (int i = 0; i < 2; i++) {
		qg_strvec_clear(&f->argv);
		assert_int_equal(qg_config_to_argv_cmds(&f->argv, &f->args, f->path, i ? "data.drift" : "data.validate",
							options, data_cmds), QG_EUSAGE);
		assert_true(strstr(qg_error_last(), "unknown key 'data.drfit' (not a command or flag of qgate-data; "
						    "did you mean 'drift'?)") != NULL);
	}
	/* the subcommand entries are not flags: {"data": {"drift": 1}} is no flag either */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("{\"data\": {\"drift\": 1}}", fp);
	assert_int_equal(fclose(fp), 0);
	qg_strvec_clear(&f->argv);
	assert_int_equal(qg_config_to_argv_cmds(&f->argv, &f->args, f->path, "data.validate", options, data_cmds),
			 QG_EUSAGE);
	/* a real section of another subcommand is skipped, ours applies */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("{\"data\": {\"drift\": {\"psi-max\": 0.5}, \"validate\": {\"strict\": true}}}", fp);
	assert_int_equal(fclose(fp), 0);
	qg_strvec_clear(&f->argv);
	assert_int_equal(qg_config_to_argv_cmds(&f->argv, &f->args, f->path, "data.validate", options, data_cmds), 0);
	assert_string_equal(joined(&f->argv), "--strict");
}

static void test_config_missing_section_is_fine(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "lint", "{\"data\": {\"strict\": true}}"), 0);
	assert_int_equal(f->argv.nr, 0);
	assert_int_equal(load(f, "lint", "{}"), 0);
	assert_int_equal(f->argv.nr, 0);
}

static void test_config_wrong_types(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *json, *needle;
	} cases[] = {
		{ "{\"data\": {\"schema\": {\"a\": 1}}}", "key 'data.schema' must be a string, not object" },
		{ "{\"data\": {\"require\": [[\"x\"]]}}", "key 'data.require' must be an array of strings, found array" },
		{ "{\"data\": {\"require\": [{}]}}", "key 'data.require' must be an array of strings, found object" },
		{ "{\"data\": {\"schema\": [\"a\", \"b\"]}}", "key 'data.schema' takes one value, not an array" },
		{ "{\"data\": {\"schema\": true}}", "key 'data.schema' must be a string, not bool" },
		{ "{\"data\": {\"strict\": \"yes\"}}", "key 'data.strict' must be true or false, not string" },
		{ "{\"data\": {\"strict\": 1}}", "key 'data.strict' must be true or false, not number" },
		{ "{\"data\": {\"rows\": null}}", "key 'data.rows' must be an integer, not null" },
		{ "{\"data\": {\"args\": [1]}}", "key 'data.args' must be an array of strings, found number" },
		{ "{\"data\": {\"config\": \"other.json\"}}", "key 'data.config' cannot name another config file" },
		{ "{\"data\": [1]}", "key 'data' must be an object, not array" },
		{ "[1]", "expected an object at the top level, found array" },
	};

	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++) {
		int err = load(f, "data", cases[i].json);

		if (err != QG_EUSAGE || !strstr(qg_error_last(), cases[i].needle))
			fail_msg("%s: got %d '%s', wanted '%s'", cases[i].json, err, qg_error_last(), cases[i].needle);
		assert_true(strstr(qg_error_last(), "qgate.json'") != NULL);
	}
}

static void test_config_malformed_and_missing_files(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "data", "{\"data\": {\"strict\": tru}}"), QG_EUSAGE);
	assert_true(strstr(qg_error_last(), "qgate.json") != NULL);
	unlink(f->path);
	qg_error_clear();
	assert_int_equal(qg_config_to_argv(&f->argv, &f->args, f->path, "data", options), QG_EINPUT);
	assert_int_equal(qg_exit_for_error(QG_EINPUT), 3);
}

static void test_config_cli_overrides_config(void **state)
{
	struct fixture *f = *state;
	struct qg_strvec rest = QG_STRVEC_INIT;
	const struct qg_opts_ctx ctx = { .prog = "qgate-data", .options = options };
	const char *argv[] = { "qgate-data", "--config", f->path, "--rows=7", "-r", "cli", NULL };

	assert_int_equal(load(f, "data", "{\"data\": {\"rows\": 100, \"psi-max\": 0.5, \"require\": [\"a\", \"b\"],"
				 " \"args\": [\"cfg.csv\"]}}"),
			 0);
	rows = 0;
	psi = 0;
	assert_int_equal(qg_opts_parse(&ctx, 6, argv, &rest), 0);
	assert_int_equal(rows, 7);
	assert_true(psi == 0.5);
	assert_string_equal(joined(&require), "cli");
	assert_string_equal(joined(&rest), "cfg.csv"); /* no CLI positionals: the file's stay */
	qg_strvec_clear(&require);
	qg_strvec_clear(&rest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_maps_values_to_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_numbers_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_unknown_key_is_usage_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_subcommand_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_known_subcommands_catch_typos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_missing_section_is_fine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_sections_checked_against_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_malformed_and_missing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_cli_overrides_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
