/* main.c -- qgate-data: validate, infer, profile, drift
 *
 * A thin dispatcher (git's builtin/ layer): each subcommand has one option
 * table (the contract's common flags, its own, and the shared input flags
 * from input.h) and a config section "data.<sub>". validate and infer parse
 * into struct qg_data_opts and call qg_data_validate()/qg_data_infer();
 * profile and drift are handed their argv whole (profile.h).
 */
#include "qgate/common.h"

#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "qgate/version.h"
#include "data.h"
#include "profile.h"

#define PROG "qgate-data"

static const char *const data_subcommands[] = { "validate", "infer", "profile", "drift", NULL };

void qg_data_opts_init(struct qg_data_opts *o)
{
	memset(o, 0, sizeof(*o));
	qg_data_input_opts_init(&o->input);
	qg_strvec_init(&o->data);
	o->unique_memory = QG_DATA_UNIQUE_MEMORY_DEFAULT;
	o->enum_max = 10;
	o->enum_min_rows = 20;
}

void qg_data_opts_release(struct qg_data_opts *o)
{
	qg_strvec_clear(&o->data);
}

static int print_help(const struct qg_opts_ctx *ctx)
{
	struct qg_buf b = QG_BUF_INIT;
	int err = qg_opts_help(&b, ctx);

	if (!err)
		fwrite(b.buf, 1, b.len, stdout);
	qg_buf_release(&b);
	return err ? qg_gate_die(PROG, err, NULL) : QG_EXIT_PASS;
}

/* ------------------------------------------------------------ validate */

static const char *const validate_usage[] = {
	"qgate-data validate --schema SCHEMA.json [--shard I/N] [-j N] [options] DATA...",
	NULL,
};

static int cmd_validate(int argc, const char **argv)
{
	struct qg_data_opts o;
	struct qg_result r;
	char rows[32] = "0", violations[32] = "0";
	const char *outputs[5];
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("validate options"),
		QG_OPT_STRING_(0, "schema", &o.schema, "FILE", "the Frictionless Table Schema to check against"),
		QG_OPT_INT_(0, "max-errors", &o.max_errors, "N", 1, 1e15, "stop after N violations (counts are then lower bounds)"),
		QG_OPT_INT_(0, "unique-memory", &o.unique_memory, "MIB", 1, 65536,
			    "memory cap for unique and primaryKey state (default 32)"),
		QG_OPT_FLAG_(0, "no-hash", &o.no_hash, "do not SHA-256 the inputs for the report's artifacts"),
		QG_DATA_INPUT_OPTIONS(&o.input),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = PROG " validate",
		.config_section = "data.validate",
		.usage = validate_usage,
		.description = "Check DATA (CSV, TSV, JSONL; files, '-', directories, globs, .gz/.zst, https://, "
			       "s3://) against a Table Schema: one check per constraint, with counts and the first examples.",
		.options = options,
		.subcommands = data_subcommands,
	};
	int err, ret;

	qg_data_opts_init(&o);
	if (qg_gate_start(&ret, &ctx, &o.common, argc, argv, &o.data)) {
		qg_data_opts_release(&o);
		return ret;
	}
	if (qg_result_init(&r, "data", QG_VERSION) < 0) {
		qg_data_opts_release(&o);
		return qg_gate_die(PROG, QG_ENOMEM, NULL);
	}
	err = qg_data_validate(&o, &r);
	if (err < 0) {
		int code = qg_exit_for_error(err);

		qg_result_set_error(&r, code, "%s", qg_error_last());
		if (strcmp(qg_gate_format(&o.common), "json") && !(o.common.json && !strcmp(o.common.json, "-")))
			fprintf(stderr, PROG ": error: %s\n", qg_error_last());
	}
	outputs[0] = "rows";
	outputs[1] = rows;
	outputs[2] = "violations";
	outputs[3] = violations;
	outputs[4] = NULL;
	{
		/* the counts for $GITHUB_OUTPUT come from the checks */
		long long v = 0, n = -1;
		for (size_t i = 0; i < r.nr_checks; i++) {
			if (!strcmp(r.checks[i]->id, "table.rows") && r.checks[i]->observed.kind == QG_VALUE_NUMBER)
				n = (long long)r.checks[i]->observed.number;
			else if (r.checks[i]->status == QG_STATUS_FAIL)
				v += r.checks[i]->count;
		}
		snprintf(rows, sizeof(rows), "%lld", n < 0 ? 0 : n);
		snprintf(violations, sizeof(violations), "%lld", v);
	}
	ret = qg_gate_finish(&o.common, &r, outputs);
	qg_result_release(&r);
	qg_data_opts_release(&o);
	return ret;
}

/* ------------------------------------------------------------ infer */

static const char *const infer_usage[] = {
	"qgate-data infer [options] DATA... > SCHEMA.json",
	NULL,
};

static int cmd_infer(int argc, const char **argv)
{
	struct qg_data_opts o;
	struct qg_buf out = QG_BUF_INIT;
	const char *output = NULL;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("infer options"),
		QG_OPT_STRING_('o', "output", &output, "FILE", "write the schema to FILE (atomically) instead of stdout"),
		QG_OPT_INT_(0, "enum-max", &o.enum_max, "N", 1, 1000, "most distinct values for an enum (default 10)"),
		QG_OPT_INT_(0, "enum-min-rows", &o.enum_min_rows, "N", 1, 1e15,
			    "fewest values before an enum is proposed (default 20)"),
		QG_OPT_FLAG_(0, "no-bounds", &o.no_bounds, "leave out minimum and maximum"),
		QG_DATA_INPUT_OPTIONS(&o.input),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = PROG " infer",
		.config_section = "data.infer",
		.usage = infer_usage,
		.description = "Infer a Table Schema (types, required, bounds, enums, formats) from DATA. "
			       "The data validates against the schema inferred from it. The report flags "
			       "(--json, --junit, --out) do not apply: the output is the schema.",
		.options = options,
		.subcommands = data_subcommands,
	};
	int err;

	qg_data_opts_init(&o);
	err = qg_opts_parse(&ctx, argc, argv, &o.data);
	if (err < 0)
		goto die;
	if (o.common.help) {
		qg_data_opts_release(&o);
		return print_help(&ctx);
	}
	if (o.common.version) {
		qg_data_opts_release(&o);
		return qg_version_print("data");
	}
	if (o.common.json || o.common.junit || o.common.out_dir) {
		err = qg_error(QG_EUSAGE, "infer writes a schema, not a result: --json, --junit and --out do not apply");
		goto die;
	}
	err = qg_data_infer(&o, &out);
	if (err < 0)
		goto die;
	if (output) {
		err = qg_file_write_atomic(output, out.buf, out.len);
		if (err < 0)
			goto die;
	} else if (fwrite(out.buf, 1, out.len, stdout) != out.len) {
		err = qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
		goto die;
	}
	qg_buf_release(&out);
	qg_data_opts_release(&o);
	return QG_EXIT_PASS;
die:
	qg_buf_release(&out);
	qg_data_opts_release(&o);
	return qg_gate_die(PROG, err, NULL);
}

/* ------------------------------------------------------------ dispatch */

/* Weak stand-ins so that qgate-data links before cmd_profile.c/cmd_drift.c
 * exist; their real definitions (strong symbols) replace these. */
__attribute__((weak)) int qg_data_cmd_profile(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return qg_gate_die(PROG, QG_EXIT_ERROR, "profile is not built into this qgate-data");
}

__attribute__((weak)) int qg_data_cmd_drift(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return qg_gate_die(PROG, QG_EXIT_ERROR, "drift is not built into this qgate-data");
}

static const char *const top_usage =
	"usage: qgate-data validate --schema SCHEMA.json [--shard I/N] [-j N] DATA...\n"
	"   or: qgate-data infer DATA... > SCHEMA.json\n"
	"   or: qgate-data profile DATA... --profile-out PROFILE.json\n"
	"   or: qgate-data drift --baseline PROFILE.json [--psi-max X] [--ks-max X] DATA...\n"
	"\n"
	"Datasets against a Table Schema, and drift against a baseline profile.\n"
	"DATA is a path, '-', a directory or glob, optionally .gz/.zst; https://...; or s3://bucket/key.\n"
	"Run 'qgate-data <command> --help' for a command's options; see qgate-data(1).\n"
	"\n"
	"commands:\n"
	"  validate   check DATA against a Table Schema\n"
	"  infer      print a Table Schema inferred from DATA\n"
	"  profile    write a mergeable statistical profile of DATA\n"
	"  drift      compare DATA (or a profile) with a baseline profile\n"
	"\n"
	"options:\n"
	"  -h, --help   show this help and exit 0\n"
	"  --version    print versions and exit 0\n";

static int cmd_data(int argc, const char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		fputs(top_usage, stderr);
		return qg_gate_die(PROG, QG_EXIT_USAGE, "no command given (expected validate, infer, profile or drift)");
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		fputs(top_usage, stdout);
		return QG_EXIT_PASS;
	}
	if (!strcmp(sub, "--version"))
		return qg_version_print("data");
	if (!strcmp(sub, "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(sub, "infer"))
		return cmd_infer(argc - 1, argv + 1);
	if (!strcmp(sub, "profile"))
		return qg_data_cmd_profile(argc - 1, argv + 1);
	if (!strcmp(sub, "drift"))
		return qg_data_cmd_drift(argc - 1, argv + 1);
	qg_error(QG_EUSAGE, "unknown command '%s' (expected validate, infer, profile or drift)", sub);
	return qg_gate_die(PROG, QG_EXIT_USAGE, NULL);
}

int main(int argc, char **argv)
{
	return qg_main(argc, argv, cmd_data);
}
