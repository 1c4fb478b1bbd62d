/* model.h -- qgate-model: options and the two commands' engines
 *
 * cmd_model (main.c) parses flags into struct qg_model_opts; model_run()
 * evaluates every --require rule into checks of a struct qg_result, and
 * model_metrics_json() renders `qgate-model metrics`. Both fail closed: a
 * gate-level problem is recorded with qg_result_set_error() (check) or
 * returned as a negative QG_E* code, never turned into a pass.
 */
#ifndef QG_MODEL_MODEL_H
#define QG_MODEL_MODEL_H

#include "qgate/opts.h"
#include "qgate/strvec.h"

struct qg_result;
struct qg_buf;

struct qg_model_opts {
	struct qg_common_opts common;
	const char *predictions;
	const char *metrics_file;
	const char *baseline;
	const char *baseline_metrics;
	const char *task;
	const char *label;
	const char *prediction;
	const char *score;
	const char *id;
	const char *classes;      /* comma-separated, multiclass */
	const char *input_format;
	const char *delimiter;    /* CSV field separator: one character or "tab" */
	const char *pos_label;    /* binary: the label text of the positive class */
	struct qg_strvec slices;
	struct qg_strvec requires;
	double alpha;
	double threshold;
	long long bootstrap;
	long long bootstrap_rows;  /* above this many rows, bootstrap a subsample (0: never) */
	long long seed;
	long long min_slice_size;
	int allow_missing_baseline;
};

void model_opts_init(struct qg_model_opts *o);
void model_opts_release(struct qg_model_opts *o);

/* Evaluate the rules. Returns 0 when the result holds the verdict (checks
 * or a gate-level error already recorded in r); a negative QG_E* only for
 * ENOMEM-like failures. Messages for gate-level errors also go to stderr. */
int model_run(const struct qg_model_opts *o, struct qg_result *r);

/* The metrics JSON of `qgate-model metrics`. 0 or QG_E* (message recorded). */
int model_metrics_json(const struct qg_model_opts *o, struct qg_buf *out);

#endif
