/* rules.h -- `--require` expressions: METRIC[@COL=VALUE] OP BOUND
 *
 * OP is one of >= <= > <; BOUND a finite number, or `baseline`,
 * `baseline+X`, `baseline-X`, `baseline+X%`, `baseline-X%`. VALUE may be `*`
 * (every slice of COL). Invariants: a parsed rule owns its strings; a rule
 * relative to the baseline always has an operator that points the metric's
 * good way (`log_loss >= baseline` is rejected), so "the candidate regressed"
 * has one meaning: the margin is on the wrong side of zero.
 */
#ifndef QG_MODEL_RULES_H
#define QG_MODEL_RULES_H

enum qg_rule_op { QG_OP_GE = 0, QG_OP_LE, QG_OP_GT, QG_OP_LT };

struct qg_model_rule {
	char *text;        /* the expression as given */
	char *metric;      /* metric name */
	int metric_id;     /* enum qg_metric, or -1 (a name from a metrics file) */
	char *slice_col;   /* NULL: the whole data */
	char *slice_value; /* "*" for every slice */
	enum qg_rule_op op;
	int relative;      /* the bound refers to the baseline */
	int percent;       /* offset is a percentage of the baseline */
	double bound;      /* fixed bound, or the offset (signed) when relative */
};

/* Parse expr. tasks: the task mask whose metric names are allowed (0 =
 * any name made of [A-Za-z0-9_.-], for --metrics files). 0, or QG_EUSAGE
 * naming the expression and what was expected. */
int model_rule_parse(struct qg_model_rule *out, const char *expr, unsigned tasks);
void model_rule_release(struct qg_model_rule *r);

const char *model_rule_op_name(enum qg_rule_op op);
/* The bound the candidate is held to: the fixed bound, or derived from base. */
double model_rule_threshold(const struct qg_model_rule *r, double base);
/* 1 when value OP threshold holds. */
int model_rule_holds(const struct qg_model_rule *r, double value, double base);
/* Margin of the rule, oriented so that >= 0 (> 0 for strict ops) means
 * it holds: cand - threshold for >=/>, threshold - cand for <=/<. */
double model_rule_margin(const struct qg_model_rule *r, double cand, double base);
/* 1 when a margin value satisfies the rule (>= 0, or > 0 for strict ops). */
int model_rule_margin_ok(const struct qg_model_rule *r, double margin);
/* "baseline-0.01", "baseline+2%", "0.8": the bound as written, in buf. */
const char *model_rule_bound_text(const struct qg_model_rule *r, char *buf, size_t len);

#endif
