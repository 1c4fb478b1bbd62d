/* main.c -- qgate-data: validate, infer, profile, drift
 *
 * A thin dispatcher (git's builtin/ layer): the table below names the
 * subcommands, and qg_gate_dispatch() picks one (with "did you mean" for a
 * typo) and handles --help and --version. The same table checks qgate.json:
 * {"data": {"drfit": {...}}} is an error, not a section nobody reads. Each
 * subcommand lives in cmd_<name>.c.
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"
#include "data.h"

static const char *const data_usage[] = {
	"validate --schema SCHEMA.json [--shard I/N] [-j N] DATA...",
	"infer DATA... > SCHEMA.json",
	"profile DATA... --profile-out PROFILE.json",
	"drift --baseline PROFILE.json [--psi-max X] [--ks-max X] DATA...",
	NULL,
};

static const struct qg_option data_commands[] = {
	QG_OPT_SUBCOMMAND_("validate", NULL, data_cmd_validate, "check DATA against a Table Schema"),
	QG_OPT_SUBCOMMAND_("infer", NULL, data_cmd_infer, "print a Table Schema inferred from DATA"),
	QG_OPT_SUBCOMMAND_("profile", NULL, data_cmd_profile, "write a mergeable statistical profile of DATA"),
	QG_OPT_SUBCOMMAND_("drift", NULL, data_cmd_drift, "compare DATA (or a profile) with a baseline profile"),
	QG_OPT_END_(),
};

static const struct qg_gate data_gate = {
	.name = "data",
	.usage = data_usage,
	.description = "Datasets against a Table Schema, and drift against a baseline profile.\n"
		       "DATA is a path, '-', a directory or glob, optionally .gz/.zst; https://...; or s3://bucket/key.\n"
		       "Run 'qgate-data <command> --help' for a command's options; see qgate-data(1).",
	.commands = data_commands,
};

int main(int argc, char **argv)
{
	return qg_main_gate(argc, argv, &data_gate);
}
