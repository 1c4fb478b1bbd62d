/* main.c -- qgate-model: gate a candidate model on its metrics
 *
 * Thin by design (git's builtin/ layer): the subcommand table at the end is
 * dispatched by qg_gate_dispatch(); each subcommand is an option table and a
 * run function for qg_gate_run() (gate.h), which parses into struct
 * qg_model_opts and leaves reports and the exit code to qg_gate_finish().
 * `check` gates through the engine in model.c; `metrics` prints the metrics
 * JSON and gates nothing.
 */
#include "qgate/common.h"

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"
#include "qgate/result.h"
#include "qgate/version.h"

#include "model.h"

#define MODEL_INPUT_OPTIONS(o)                                                                                   \
	QG_OPT_GROUP_("input"),                                                                                  \
	QG_OPT_STRING_(0, "predictions", &(o)->predictions, "FILE",                                             \
		       "candidate predictions (CSV, TSV, JSONL; .gz/.zst; '-' = stdin)"),                       \
	QG_OPT_CHOICE_(0, "task", &(o)->task, "binary|multiclass|regression", "what the model predicts"),       \
	QG_OPT_STRING_(0, "label", &(o)->label, "COL", "true label column (default label)"),                    \
	QG_OPT_STRING_(0, "prediction", &(o)->prediction, "COL",                                                \
		       "predicted class/value column (default prediction)"),                                    \
	QG_OPT_STRING_(0, "score", &(o)->score, "COL",                                                          \
		       "positive-class probability (binary) or score_<class> prefix / array column (default score)"), \
	QG_OPT_STRING_(0, "classes", &(o)->classes, "A,B,...", "multiclass class names in score order"),        \
	QG_OPT_DOUBLE_(0, "threshold", &(o)->threshold, "P", 0, 1,                                              \
		       "binary: predict 1 when score >= P, without a prediction column (default 0.5)"),          \
	QG_OPT_CHOICE_(0, "input-format", &(o)->input_format, "csv|tsv|jsonl",                                  \
		       "format when the extension does not tell"),                                              \
	QG_OPT_STRING_(0, "delimiter", &(o)->delimiter, "C", "CSV field separator: one character or 'tab' (default ,)"), \
	QG_OPT_STRING_(0, "pos-label", &(o)->pos_label, "TEXT",                                                 \
		       "binary: the label text of the positive class; one other text is the negative"),        \
	QG_OPT_LIST_(0, "slice", &(o)->slices, "COL", "also compute every metric per value of COL")

static const char *const check_usage[] = {
	"qgate-model check --predictions FILE --task binary|multiclass|regression [--label COL] [--prediction COL] "
	"[--score COL] [--pos-label TEXT] [--delimiter C] [--slice COL]... "
	"[--baseline FILE | --baseline-metrics FILE.json] --require EXPR... "
	"[--alpha 0.05] [--bootstrap N] [--seed S]",
	"qgate-model check --metrics FILE.json [--baseline-metrics FILE.json] --require EXPR...",
	NULL,
};

static const char *const metrics_usage[] = {
	"qgate-model metrics --predictions FILE --task binary|multiclass|regression [--slice COL]...",
	NULL,
};

/* What a run function needs: the parsed options and the positionals. */
struct model_cmd {
	struct qg_model_opts *o;
	struct qg_strvec *args;
};

/* Both subcommands: their table and description in cmd, the rest here. */
static int run_model_cmd(struct qg_gate_cmd *cmd, struct model_cmd *m, int argc, const char **argv)
{
	int ret;

	cmd->common = &m->o->common;
	cmd->args = m->args;
	cmd->data = m;
	model_opts_init(m->o);
	ret = qg_gate_run(cmd, argc, argv);
	qg_strvec_clear(m->args);
	model_opts_release(m->o);
	return ret;
}

static int no_args(const struct model_cmd *m)
{
	if (m->args->nr)
		return qg_error(QG_EUSAGE, "unexpected argument '%s' (inputs are given with --predictions)",
				m->args->v[0]);
	return 0;
}

static int check_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	const struct model_cmd *m = data;
	int err = no_args(m);

	(void)outputs;
	return err ? err : model_run(m->o, r);
}

static int cmd_check(int argc, const char **argv, const struct qg_gate *gate)
{
	struct qg_model_opts o;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct model_cmd m = { &o, &rest };
	struct qg_fetch_opts fetch = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		MODEL_INPUT_OPTIONS(&o),
		QG_OPT_STRING_(0, "metrics", &o.metrics_file, "FILE.json",
			       "candidate metrics from a JSON object (name -> number) instead of predictions"),
		QG_OPT_GROUP_("rules"),
		QG_OPT_LIST_ADD_(0, "require", &o.requires, "EXPR",
			     "METRIC[@COL=VALUE] OP BOUND, OP >= <= > <, BOUND a number or baseline[+-X[%]] (adds to the config file's)"),
		QG_OPT_INT_(0, "min-slice-size", &o.min_slice_size, "N", 1, 1e12,
			    "skip (never pass) slice checks on fewer than N rows"),
		QG_OPT_GROUP_("champion comparison"),
		QG_OPT_STRING_(0, "baseline", &o.baseline, "FILE", "the champion's predictions on the same rows"),
		QG_OPT_STRING_(0, "id", &o.id, "COL", "join baseline rows by this column (default: row order, checked)"),
		QG_OPT_STRING_(0, "baseline-metrics", &o.baseline_metrics, "FILE.json",
			       "fixed baseline numbers (point comparison, no significance test)"),
		QG_OPT_FLAG_(0, "allow-missing-baseline", &o.allow_missing_baseline,
			     "first deployment: skip baseline rules loudly instead of exit 2"),
		QG_OPT_DOUBLE_(0, "alpha", &o.alpha, "A", 1e-9, 0.5, "significance level (default 0.05)"),
		QG_OPT_INT_(0, "bootstrap", &o.bootstrap, "N", 0, 1000000,
			    "paired bootstrap replicates (default 1000; 0 = compare point values)"),
		QG_OPT_INT_(0, "bootstrap-rows", &o.bootstrap_rows, "N", 0, 4294967295.0,
			    "above N rows, replicates resample a stratified subsample, interval scaled by sqrt(m/n) "
			    "(default 50000; 0 = every row)"),
		QG_OPT_INT_(0, "seed", &o.seed, "S", 0, 9.2e18, "bootstrap seed (default 0)"),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_END_(),
	};
	struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "check",
		.usage = check_usage,
		.description = "Gate a candidate model: every --require rule becomes a check. Rules against the "
			       "baseline fail only on a significant regression (paired bootstrap; McNemar for "
			       "accuracy). Exit 0 pass, 1 fail, 2 usage, 3 could not evaluate.",
		.options = options,
		.run = check_run,
		.fetch = &fetch,
	};

	return run_model_cmd(&cmd, &m, argc, argv);
}

/* metrics prints its JSON: no result, no reports (QG_GATE_NO_RESULT) */
static int metrics_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	const struct model_cmd *m = data;
	const struct qg_common_opts *c = &m->o->common;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	int err = no_args(m);

	(void)r;
	(void)outputs;
	if (err)
		return err;
	if (c->junit || c->out_dir || (c->json && strcmp(c->json, "-")))
		return qg_error(QG_EUSAGE, "metrics writes no reports: its JSON goes to stdout (use 'check' to gate)");
	err = model_metrics_json(m->o, &out);
	if (!err && out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
		err = qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
	qg_buf_release(&out);
	return err;
}

static int cmd_metrics(int argc, const char **argv, const struct qg_gate *gate)
{
	struct qg_model_opts o;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct model_cmd m = { &o, &rest };
	struct qg_fetch_opts fetch = { 0 };
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		MODEL_INPUT_OPTIONS(&o),
		QG_OPTS_FETCH(&fetch),
		QG_OPT_END_(),
	};
	struct qg_gate_cmd cmd = {
		.gate = gate,
		.name = "metrics",
		.usage = metrics_usage,
		.description = "Print every metric of the task (and per slice) as JSON on stdout; gates nothing "
			       "(exit 0, or 3 when the input cannot be read, 2 on usage errors).",
		.options = options,
		.flags = QG_GATE_NO_RESULT,
		.run = metrics_run,
		.fetch = &fetch,
	};

	return run_model_cmd(&cmd, &m, argc, argv);
}

static const char *const model_usage[] = {
	"check --predictions FILE --task binary|multiclass|regression --require EXPR... [options]",
	"check --metrics FILE.json [--baseline-metrics FILE.json] --require EXPR...",
	"metrics --predictions FILE --task ... [--slice COL]...",
	NULL,
};

static const struct qg_option model_commands[] = {
	QG_OPT_SUBCOMMAND_("check", NULL, cmd_check, "gate a candidate model on its metrics"),
	QG_OPT_SUBCOMMAND_("metrics", NULL, cmd_metrics, "print every metric as JSON; gates nothing"),
	QG_OPT_END_(),
};

static const struct qg_gate model_gate = {
	.name = "model",
	.usage = model_usage,
	.description = "Gate a candidate model on its metrics: fixed bounds, the champion, slices, significance.\n"
		       "'qgate-model check --help' and 'qgate-model metrics --help' list every option; see qgate-model(1).",
	.commands = model_commands,
};

int main(int argc, char **argv)
{
	return qg_main_gate(argc, argv, &model_gate);
}
