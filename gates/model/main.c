/* main.c -- qgate-model: gate a candidate model on its metrics
 *
 * Thin by design (git's builtin/ layer): parse the subcommand's option
 * table into struct qg_model_opts, call the engine in model.c, and leave
 * reports and the exit code to qg_gate_finish(). `check` gates; `metrics`
 * prints the metrics JSON and gates nothing.
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
	QG_OPT_LIST_(0, "slice", &(o)->slices, "COL", "also compute every metric per value of COL")

static const char *const check_usage[] = {
	"qgate-model check --predictions FILE --task binary|multiclass|regression [--label COL] [--prediction COL] "
	"[--score COL] [--slice COL]... [--baseline FILE | --baseline-metrics FILE.json] --require EXPR... "
	"[--alpha 0.05] [--bootstrap N] [--seed S]",
	"qgate-model check --metrics FILE.json [--baseline-metrics FILE.json] --require EXPR...",
	NULL,
};

static const char *const metrics_usage[] = {
	"qgate-model metrics --predictions FILE --task binary|multiclass|regression [--slice COL]...",
	NULL,
};

static int cmd_check(int argc, const char **argv)
{
	struct qg_model_opts o;
	struct qg_result r;
	struct qg_strvec rest = QG_STRVEC_INIT;
	int ret = QG_EXIT_ERROR;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		MODEL_INPUT_OPTIONS(&o),
		QG_OPT_STRING_(0, "metrics", &o.metrics_file, "FILE.json",
			       "candidate metrics from a JSON object (name -> number) instead of predictions"),
		QG_OPT_GROUP_("rules"),
		QG_OPT_LIST_(0, "require", &o.requires, "EXPR",
			     "METRIC[@COL=VALUE] OP BOUND, OP >= <= > <, BOUND a number or baseline[+-X[%]]"),
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
		QG_OPT_INT_(0, "seed", &o.seed, "S", 0, 9.2e18, "bootstrap seed (default 0)"),
		QG_OPT_END_(),
	};
	struct qg_opts_ctx ctx = {
		.prog = "qgate-model check",
		.config_section = "model.check",
		.usage = check_usage,
		.description = "Gate a candidate model: every --require rule becomes a check. Rules against the "
			       "baseline fail only on a significant regression (paired bootstrap; McNemar for "
			       "accuracy). Exit 0 pass, 1 fail, 2 usage, 3 could not evaluate.",
		.options = options,
	};

	qg_model_opts_init(&o);
	if (qg_gate_start(&ret, &ctx, &o.common, argc, argv, &rest))
		goto done;
	if (rest.nr) {
		ret = qg_gate_die("qgate-model check", QG_EUSAGE, "unexpected argument (inputs are given with --predictions)");
		goto done;
	}
	if (qg_result_init(&r, "model", QG_VERSION)) {
		ret = qg_gate_die("qgate-model check", QG_ENOMEM, NULL);
		goto done;
	}
	if (qg_model_run(&o, &r) < 0)
		qg_result_set_error(&r, QG_EXIT_ERROR, "%s", qg_error_last());
	ret = qg_gate_finish(&o.common, &r, NULL);
	qg_result_release(&r);
done:
	qg_strvec_clear(&rest);
	qg_model_opts_release(&o);
	return ret;
}

static int cmd_metrics(int argc, const char **argv)
{
	struct qg_model_opts o;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct qg_buf out = QG_BUF_INIT;
	int ret = QG_EXIT_ERROR, err;
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		MODEL_INPUT_OPTIONS(&o),
		QG_OPT_END_(),
	};
	struct qg_opts_ctx ctx = {
		.prog = "qgate-model metrics",
		.config_section = "model.metrics",
		.usage = metrics_usage,
		.description = "Print every metric of the task (and per slice) as JSON on stdout; gates nothing "
			       "(exit 0, or 3 when the input cannot be read, 2 on usage errors).",
		.options = options,
	};

	qg_model_opts_init(&o);
	if (qg_gate_start(&ret, &ctx, &o.common, argc, argv, &rest))
		goto done;
	if (rest.nr) {
		ret = qg_gate_die("qgate-model metrics", QG_EUSAGE, "unexpected argument (inputs are given with --predictions)");
		goto done;
	}
	if (o.common.junit || o.common.out_dir || (o.common.json && strcmp(o.common.json, "-"))) {
		ret = qg_gate_die("qgate-model metrics", QG_EUSAGE,
				  "metrics writes no reports: its JSON goes to stdout (use 'check' to gate)");
		goto done;
	}
	err = qg_model_metrics_json(&o, &out);
	if (err) {
		ret = qg_gate_die("qgate-model metrics", err, NULL);
		goto done;
	}
	fwrite(out.buf, 1, out.len, stdout);
	ret = QG_EXIT_PASS;
done:
	qg_buf_release(&out);
	qg_strvec_clear(&rest);
	qg_model_opts_release(&o);
	return ret;
}

static const char toplevel_help[] =
	"usage: qgate-model check --predictions FILE --task binary|multiclass|regression --require EXPR... [options]\n"
	"       qgate-model check --metrics FILE.json [--baseline-metrics FILE.json] --require EXPR...\n"
	"       qgate-model metrics --predictions FILE --task ... [--slice COL]...\n"
	"\n"
	"Gate a candidate model on its metrics: fixed bounds, the champion, slices, significance.\n"
	"'qgate-model check --help' and 'qgate-model metrics --help' list every option; see qgate-model(1).\n";

static int cmd_model(int argc, const char **argv)
{
	if (argc < 2) {
		fputs(toplevel_help, stderr);
		return QG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(toplevel_help, stdout);
		return QG_EXIT_PASS;
	}
	if (!strcmp(argv[1], "--version"))
		return qg_version_print("qgate-model");
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "metrics"))
		return cmd_metrics(argc - 1, argv + 1);
	fprintf(stderr, "qgate-model: error: unknown command '%s' (expected check or metrics)\n", argv[1]);
	return QG_EXIT_USAGE;
}

int main(int c, char **v) { return qg_main(c, v, cmd_model); }
