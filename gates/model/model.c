/* model.c -- qgate-model's engine: data in, checks out
 *
 * The flow of `check`: parse every --require rule (a bad one is exit 2
 * before any file is read), decide where baseline numbers come from
 * (baseline predictions, a baseline metrics JSON, or none), read the
 * candidate (and baseline) predictions, then evaluate each rule on its
 * target rows: the whole file, one slice, or every slice of a column. A rule
 * against a fixed bound compares the candidate's value. A rule against the
 * baseline with baseline predictions fails only when the regression is
 * significant: the paired-bootstrap percentile interval of the rule's margin
 * lies entirely on the wrong side of zero (for `accuracy >= baseline`,
 * McNemar's test at --alpha decides). With a baseline metrics JSON there is
 * nothing to resample and the point values are compared.
 *
 * --allow-missing-baseline (first deployment): baseline rules are reported
 * as skipped with the message "no baseline: first deployment", and a loud
 * warning goes to stderr and the report. Skipped is never passed: the run
 * passes only if some other (fixed-bound) rule was evaluated and passed; a
 * run whose every check is skipped is exit 3 (qg_result_exit_code()).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "bootstrap.h"
#include "metrics.h"
#include "model.h"
#include "predictions.h"
#include "rules.h"

void qg_model_opts_init(struct qg_model_opts *o)
{
	memset(o, 0, sizeof(*o));
	qg_strvec_init(&o->slices);
	qg_strvec_init(&o->requires);
	o->alpha = 0.05;
	o->threshold = 0.5;
	o->bootstrap = 1000;
	o->seed = 0;
	o->min_slice_size = 1;
}

void qg_model_opts_release(struct qg_model_opts *o)
{
	qg_strvec_clear(&o->slices);
	qg_strvec_clear(&o->requires);
}

static int task_of(const char *s, enum qg_model_task *out)
{
	if (!s)
		return qg_error(QG_EUSAGE, "--task is required with --predictions (binary, multiclass or regression)");
	if (!strcmp(s, "binary"))
		*out = QG_TASK_BINARY;
	else if (!strcmp(s, "multiclass"))
		*out = QG_TASK_MULTICLASS;
	else if (!strcmp(s, "regression"))
		*out = QG_TASK_REGRESSION;
	else
		return qg_error(QG_EUSAGE, "--task '%s': expected binary, multiclass or regression", s);
	return 0;
}

/* ---- loading ---- */

struct loaded {
	struct qg_model_data d;
	struct qg_strvec slice_cols;
	struct qg_strvec classes;
	int have;
};

static int split_classes(struct qg_strvec *out, const char *s)
{
	const char *p = s;
	while (s && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char *one = qg_strndup(p, len);
		if (!one || qg_strvec_push(out, one)) {
			free(one);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		free(one);
		if (!len)
			return qg_error(QG_EUSAGE, "--classes '%s': empty class name", s);
		p = c ? c + 1 : p + len;
	}
	return 0;
}

static int load(struct loaded *l, const char *path, const struct qg_model_opts *o, enum qg_model_task task,
		const struct qg_strvec *slice_cols, int want_ids)
{
	struct qg_model_read_opts ro = { 0 };
	int ret;

	qg_strvec_init(&l->classes);
	if ((ret = split_classes(&l->classes, o->classes)))
		return ret;
	ro.task = task;
	ro.label_col = o->label;
	ro.pred_col = o->prediction;
	ro.score_col = o->score;
	ro.pred_given = o->prediction != NULL;
	ro.score_given = o->score != NULL;
	ro.id_col = want_ids ? o->id : NULL;
	ro.slice_cols = slice_cols->v;
	ro.nr_slices = slice_cols->nr;
	ro.classes = l->classes.v;
	ro.nr_classes = l->classes.nr;
	ro.threshold = o->threshold;
	ro.input_format = o->input_format;
	ret = qg_model_data_read(&l->d, path, &ro);
	l->have = ret == 0;
	return ret;
}

static void loaded_release(struct loaded *l)
{
	if (l->have)
		qg_model_data_release(&l->d);
	qg_strvec_clear(&l->classes);
	l->have = 0;
}

static void view_all(struct qg_model_view *v, const struct qg_model_data *d, double threshold)
{
	memset(v, 0, sizeof(*v));
	v->task = d->task;
	v->n = d->n;
	v->k = d->k;
	v->ybin = d->ybin;
	v->pbin = d->pbin;
	v->ycls = d->ycls;
	v->pcls = d->pcls;
	v->yreg = d->yreg;
	v->preg = d->preg;
	v->score = d->score;
	v->threshold = threshold;
}

/* The rows of slice s with value index val, copied. */
static int view_slice(struct qg_model_view *v, const struct qg_model_data *d, size_t s, uint32_t val, double threshold)
{
	size_t n = 0, j = 0, k = d->k ? d->k : 1;
	const uint32_t *sv = d->slices[s].val;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < d->n; i++)
		n += sv[i] == val;
	v->task = d->task;
	v->k = d->k;
	v->threshold = threshold;
	v->owned = 1;
#define TAKE(field, mult)                                                                       \
	do {                                                                                    \
		if (d->field) {                                                                 \
			v->field = malloc((n ? n : 1) * (mult) * sizeof(*v->field));            \
			if (!v->field)                                                          \
				return qg_error(QG_ENOMEM, "out of memory");                    \
		}                                                                               \
	} while (0)
	TAKE(ybin, 1);
	TAKE(pbin, 1);
	TAKE(ycls, 1);
	TAKE(pcls, 1);
	TAKE(yreg, 1);
	TAKE(preg, 1);
	TAKE(score, (d->task == QG_TASK_MULTICLASS ? k : 1));
#undef TAKE
	for (size_t i = 0; i < d->n; i++) {
		if (sv[i] != val)
			continue;
		if (d->ybin) v->ybin[j] = d->ybin[i];
		if (d->pbin) v->pbin[j] = d->pbin[i];
		if (d->ycls) v->ycls[j] = d->ycls[i];
		if (d->pcls) v->pcls[j] = d->pcls[i];
		if (d->yreg) v->yreg[j] = d->yreg[i];
		if (d->preg) v->preg[j] = d->preg[i];
		if (d->score) {
			if (d->task == QG_TASK_MULTICLASS)
				memcpy(v->score + j * k, d->score + i * k, k * sizeof(double));
			else
				v->score[j] = d->score[i];
		}
		j++;
	}
	v->n = n;
	return 0;
}

static int cmp_key_str(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

/* Slice value indices of slice s ordered by their text. */
static uint32_t *sorted_values(const struct qg_model_data *d, size_t s)
{
	const struct qg_str_map *m = &d->slices[s].values;
	const char **keys = malloc((m->nr ? m->nr : 1) * sizeof(*keys));
	uint32_t *order = malloc((m->nr ? m->nr : 1) * sizeof(*order));
	if (!keys || !order) {
		free(keys);
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < m->nr; i++)
		keys[i] = m->keys[i];
	qsort(keys, m->nr, sizeof(*keys), cmp_key_str);
	for (size_t i = 0; i < m->nr; i++)
		order[i] = (uint32_t)qg_str_map_get((struct qg_str_map *)m, keys[i], strlen(keys[i]), 0);
	free(keys);
	return order;
}

static void add_metric_values(struct qg_json *obj, const struct qg_metric_values *v)
{
	for (int m = 0; m < QG_M_COUNT; m++)
		if (v->present & (1u << m))
			qg_json_add_number(obj, qg_metric_infos[m].name, v->value[m]);
}

/* ---- metrics command ---- */

int qg_model_metrics_json(const struct qg_model_opts *o, struct qg_buf *out)
{
	struct loaded l = { 0 };
	struct qg_json *root = NULL, *slices;
	struct qg_metric_values v;
	struct qg_model_view view;
	enum qg_model_task task = QG_TASK_BINARY; /* set by task_of() before use */
	int ret;

	if (!o->predictions)
		return qg_error(QG_EUSAGE, "--predictions FILE is required");
	if ((ret = task_of(o->task, &task)))
		return ret;
	if ((ret = load(&l, o->predictions, o, task, &o->slices, 0)))
		goto done;
	root = qg_json_new_object();
	if (!root) {
		ret = QG_ENOMEM;
		goto done;
	}
	qg_json_add_string(root, "task", qg_model_task_name(task));
	qg_json_add_number(root, "rows", (double)l.d.n);
	if (task == QG_TASK_MULTICLASS) {
		struct qg_json *cl = qg_json_add_array(root, "classes");
		for (size_t c = 0; c < l.d.classes.nr; c++)
			qg_json_add_string(cl, NULL, l.d.classes.keys[c]);
	}
	struct qg_json *metrics = qg_json_add_object(root, "metrics");
	slices = qg_json_add_object(root, "slices");
	/* slices first: the whole-data pass may reorder the scores in place */
	for (size_t s = 0; s < l.d.nslices; s++) {
		uint32_t *order = sorted_values(&l.d, s);
		if (!order) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < l.d.slices[s].values.nr; i++) {
			struct qg_buf key = QG_BUF_INIT;
			struct qg_json *so;
			if ((ret = view_slice(&view, &l.d, s, order[i], o->threshold)) ||
			    (ret = qg_model_view_metrics(&v, &view, NULL, QG_MB_CLOBBER))) {
				qg_model_view_release(&view);
				free(order);
				goto done;
			}
			qg_buf_addf(&key, "%s=%s", l.d.slices[s].col, l.d.slices[s].values.keys[order[i]]);
			so = qg_json_add_object(slices, key.buf);
			add_metric_values(so, &v);
			qg_buf_release(&key);
			qg_model_view_release(&view);
		}
		free(order);
	}
	view_all(&view, &l.d, o->threshold);
	if ((ret = qg_model_view_metrics(&v, &view, NULL, QG_MB_CLOBBER)))
		goto done;
	add_metric_values(metrics, &v);
	ret = qg_json_print(out, root, 1);
done:
	qg_json_free(root);
	loaded_release(&l);
	return ret;
}

/* ---- check command ---- */

struct metrics_file {
	struct qg_json *root;
	const struct qg_json *metrics; /* name -> number */
	const struct qg_json *slices;  /* "col=value" -> object, may be NULL */
	const char *path;
};

static int metrics_file_load(struct metrics_file *mf, const char *path)
{
	int ret;
	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	if ((ret = qg_json_parse_file(&mf->root, path)))
		return ret;
	if (qg_json_type(mf->root) != QG_JSON_OBJECT)
		return qg_error(QG_EPARSE, "'%s': expected a JSON object of metric name -> number", path);
	mf->metrics = qg_json_get(mf->root, "metrics");
	if (qg_json_type(mf->metrics) == QG_JSON_OBJECT) {
		mf->slices = qg_json_get(mf->root, "slices");
	} else {
		mf->metrics = mf->root;
	}
	for (const struct qg_json *m = qg_json_first(mf->metrics); m; m = qg_json_next(m)) {
		enum qg_json_type t = qg_json_type(m);
		if (mf->metrics == mf->root && t != QG_JSON_NUMBER && t != QG_JSON_NULL)
			continue; /* flat files may carry other keys ("task", "rows") */
		if (t != QG_JSON_NUMBER && t != QG_JSON_NULL)
			return qg_error(QG_EPARSE, "'%s': metric '%s' is %s, expected a number", path, qg_json_key(m),
					qg_json_type_name(t));
	}
	return 0;
}

/* NaN when absent or null; *found says whether the key exists */
static double metrics_file_value(const struct metrics_file *mf, const char *slice, const char *name, int *found)
{
	const struct qg_json *obj = slice ? qg_json_get(mf->slices, slice) : mf->metrics, *v;
	v = qg_json_get(obj, name);
	*found = qg_json_type(v) == QG_JSON_NUMBER;
	return *found ? qg_json_number(v) : NAN;
}

struct ctx {
	const struct qg_model_opts *o;
	struct qg_result *r;
	enum qg_model_task task;
	struct loaded cand, base;
	struct metrics_file mcand, mbase;
	int have_mcand, have_mbase;
	int baseline_kind; /* 0 none, 1 predictions, 2 metrics file */
	size_t skipped_first_deploy;
	struct qg_buf md;
	int md_rows;
};

struct target {
	const char *slice;  /* "col=value" or NULL */
	struct qg_model_view *cv, *bv; /* predictions mode; bv NULL without baseline predictions */
	struct qg_metric_values *cm, *bm;
};

static const char *fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4f", v);
	return buf;
}

static void md_row(struct ctx *c, const char *metric, const char *slice, double base, double cand, double delta,
		   const double *iv, const char *verdict)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];
	if (!c->md_rows++)
		qg_buf_addstr(&c->md, "| metric | baseline | candidate | delta | interval | verdict |\n"
				      "|---|---|---|---|---|---|\n");
	qg_buf_addf(&c->md, "| %s%s%s | %s | %s | %s | %s | %s |\n", metric, slice ? "@" : "", slice ? slice : "",
		    fmt_num(b1, sizeof(b1), base), fmt_num(b2, sizeof(b2), cand),
		    isnan(delta) ? "-" : (snprintf(b3, sizeof(b3), "%+.4f", delta), b3),
		    iv ? (snprintf(b4, sizeof(b4), "[%+.4f, %+.4f]", iv[0], iv[1]), b4) : "-",
		    verdict ? verdict : (b5[0] = 0, b5));
}

static double margin_cb(const void *ctx, double cand, double base)
{
	return qg_model_rule_margin(ctx, cand, base);
}

static int margin_ok_cb(const void *ctx, double m)
{
	return qg_model_rule_margin_ok(ctx, m);
}

static struct qg_check *new_check(struct ctx *c, const struct qg_model_rule *rule, const char *slice)
{
	struct qg_buf id = QG_BUF_INIT;
	struct qg_check *ck;
	qg_buf_addf(&id, "metric.%s%s%s", rule->metric, slice ? "@" : "", slice ? slice : "");
	if (qg_result_find_check(c->r, id.buf)) {
		size_t base_len = id.len;
		for (int k = 2;; k++) {
			qg_buf_setlen(&id, base_len);
			qg_buf_addf(&id, "#%d", k);
			if (!qg_result_find_check(c->r, id.buf))
				break;
		}
	}
	ck = qg_result_add_check(c->r, id.buf, QG_STATUS_ERROR, NULL);
	qg_buf_release(&id);
	return ck;
}

static void details_num(struct qg_json *d, const char *key, double v)
{
	if (isnan(v))
		qg_json_add_null(d, key);
	else
		qg_json_add_number(d, key, v);
}

static int eval_target(struct ctx *c, const struct qg_model_rule *rule, const struct target *t)
{
	const struct qg_model_opts *o = c->o;
	struct qg_check *ck = new_check(c, rule, t->slice);
	struct qg_json *d;
	char bound[96], pbuf[32] = "";
	double cand = NAN, base = NAN, delta = NAN, iv[2] = { NAN, NAN }, p = NAN, thr;
	const char *method = "fixed", *why = NULL, *name = rule->metric;
	int found = 1, have_iv = 0;
	size_t rows = t->cv ? t->cv->n : 0;

	if (!ck || !(d = qg_check_details(ck)))
		return QG_ENOMEM;
	qg_model_rule_bound_text(rule, bound, sizeof(bound));

	/* candidate value */
	if (c->have_mcand) {
		cand = metrics_file_value(&c->mcand, t->slice, name, &found);
		if (!found) {
			qg_check_set_message(ck, "%s%s%s not in '%s' (or null): cannot evaluate '%s'", name,
					     t->slice ? "@" : "", t->slice ? t->slice : "", c->mcand.path, rule->text);
			md_row(c, name, t->slice, NAN, NAN, NAN, NULL, "error");
			return 0;
		}
	} else {
		cand = t->cm->value[rule->metric_id];
		why = t->cm->why[rule->metric_id];
		if (isnan(cand)) {
			qg_check_set_message(ck, "%s cannot be computed%s%s: %s", name, t->slice ? " on " : "",
					     t->slice ? t->slice : "", why ? why : "undefined on these rows");
			qg_json_add_number(d, "rows", (double)rows);
			md_row(c, name, t->slice, NAN, NAN, NAN, NULL, "error");
			return 0;
		}
	}
	qg_check_observed_number(ck, cand);
	details_num(d, "candidate", cand);

	if (!rule->relative) {
		thr = rule->bound;
		qg_check_expected_string(ck, "%s %s", qg_rule_op_name(rule->op), bound);
		ck->status = qg_model_rule_holds(rule, cand, NAN) ? QG_STATUS_PASS : QG_STATUS_FAIL;
		qg_check_set_message(ck, "%s%s%s = %.6g, required %s %s", name, t->slice ? "@" : "",
				     t->slice ? t->slice : "", cand, qg_rule_op_name(rule->op), bound);
		qg_json_add_null(d, "baseline");
		qg_json_add_null(d, "delta");
		qg_json_add_null(d, "interval");
		qg_json_add_null(d, "p_value");
		details_num(d, "alpha", o->alpha);
		qg_json_add_string(d, "method", method);
		qg_json_add_number(d, "threshold", thr);
		if (rows)
			qg_json_add_number(d, "rows", (double)rows);
		md_row(c, name, t->slice, NAN, cand, NAN, NULL, qg_status_name(ck->status));
		return 0;
	}

	/* baseline-relative */
	if (c->baseline_kind == 0) {
		ck->status = QG_STATUS_SKIP;
		qg_check_set_message(ck, "no baseline: first deployment: '%s' not evaluated (--allow-missing-baseline)",
				     rule->text);
		qg_check_expected_string(ck, "%s %s", qg_rule_op_name(rule->op), bound);
		qg_json_add_null(d, "baseline");
		qg_json_add_string(d, "method", "no baseline: first deployment");
		c->skipped_first_deploy++;
		md_row(c, name, t->slice, NAN, cand, NAN, NULL, "skipped: no baseline (first deployment)");
		return 0;
	}
	if (c->baseline_kind == 2) {
		base = metrics_file_value(&c->mbase, t->slice, name, &found);
		if (!found) {
			qg_check_set_message(ck, "%s%s%s not in the baseline metrics '%s' (or null): cannot evaluate '%s'",
					     name, t->slice ? "@" : "", t->slice ? t->slice : "", c->mbase.path, rule->text);
			md_row(c, name, t->slice, NAN, cand, NAN, NULL, "error");
			return 0;
		}
	} else {
		base = t->bm->value[rule->metric_id];
		if (isnan(base)) {
			qg_check_set_message(ck, "baseline %s cannot be computed%s%s: %s", name, t->slice ? " on " : "",
					     t->slice ? t->slice : "",
					     t->bm->why[rule->metric_id] ? t->bm->why[rule->metric_id] : "undefined");
			md_row(c, name, t->slice, NAN, cand, NAN, NULL, "error");
			return 0;
		}
	}
	delta = cand - base;
	thr = qg_model_rule_threshold(rule, base);
	qg_check_expected_string(ck, "%s %s (%.6g)", qg_rule_op_name(rule->op), bound, thr);
	details_num(d, "baseline", base);
	details_num(d, "delta", delta);

	if (qg_model_rule_holds(rule, cand, base)) {
		ck->status = QG_STATUS_PASS;
	} else if (c->baseline_kind == 2 || o->bootstrap == 0) {
		ck->status = QG_STATUS_FAIL; /* point values: nothing to test */
	} else {
		ck->status = QG_STATUS_PASS; /* decided below */
	}
	if (c->baseline_kind == 2) {
		method = "point (baseline metrics file)";
	} else if (o->bootstrap > 0) {
		struct qg_boot_result br;
		int ret = qg_model_bootstrap(&br, t->cv, t->bv, (enum qg_metric)rule->metric_id, (size_t)o->bootstrap,
					     (uint64_t)o->seed, o->alpha, margin_cb, margin_ok_cb, rule);
		if (ret)
			return ret;
		method = "paired-bootstrap-percentile";
		if (br.replicates) {
			iv[0] = br.delta_lo;
			iv[1] = br.delta_hi;
			have_iv = 1;
			p = fmin(1.0, 2.0 * (double)br.margin_ok / (double)br.replicates);
			struct qg_json *mi = qg_json_add_array(d, "margin_interval");
			qg_json_add_number(mi, NULL, br.margin_lo);
			qg_json_add_number(mi, NULL, br.margin_hi);
		}
		qg_json_add_number(d, "bootstrap_replicates", (double)br.replicates);
		int mcnemar = rule->metric_id == QG_M_ACCURACY && rule->bound == 0, significant;
		if (mcnemar) {
			/* McNemar on the discordant pairs decides `accuracy >= baseline` */
			uint64_t b01 = 0, b10 = 0;
			int exact;
			for (size_t i = 0; i < t->cv->n; i++) {
				int cr, brt;
				if (t->cv->task == QG_TASK_BINARY) {
					int cp = t->cv->pbin ? t->cv->pbin[i] : t->cv->score[i] >= t->cv->threshold;
					int bp = t->bv->pbin ? t->bv->pbin[i] : t->bv->score[i] >= t->bv->threshold;
					cr = cp == t->cv->ybin[i];
					brt = bp == t->bv->ybin[i];
				} else {
					cr = t->cv->pcls[i] == t->cv->ycls[i];
					brt = t->bv->pcls[i] == t->bv->ycls[i];
				}
				b01 += cr && !brt;
				b10 += !cr && brt;
			}
			p = qg_mcnemar_p(b01, b10, &exact);
			method = exact ? "mcnemar-exact" : "mcnemar-chi2-cc";
			qg_json_add_number(d, "discordant_candidate_right", (double)b01);
			qg_json_add_number(d, "discordant_baseline_right", (double)b10);
		}
		if (ck->status == QG_STATUS_PASS && !qg_model_rule_holds(rule, cand, base)) {
			if (mcnemar)
				significant = p < o->alpha;
			else
				significant = !br.replicates || !qg_model_rule_margin_ok(rule, br.margin_hi);
			if (significant) {
				ck->status = QG_STATUS_FAIL;
			} else {
				ck->status = QG_STATUS_PASS;
				ck->flags |= QG_CHECK_WARNING;
			}
		}
	}
	if (have_iv) {
		struct qg_json *ia = qg_json_add_array(d, "interval");
		qg_json_add_number(ia, NULL, iv[0]);
		qg_json_add_number(ia, NULL, iv[1]);
	} else {
		qg_json_add_null(d, "interval");
	}
	details_num(d, "p_value", p);
	details_num(d, "alpha", o->alpha);
	qg_json_add_string(d, "method", method);
	qg_json_add_number(d, "threshold", thr);
	if (rows)
		qg_json_add_number(d, "rows", (double)rows);
	if (ck->status == QG_STATUS_FAIL)
		qg_check_set_message(ck, "%s%s%s regressed: %.6g vs baseline %.6g (delta %+.6g%s%s), required %s %s%s",
				     name, t->slice ? "@" : "", t->slice ? t->slice : "", cand, base, delta,
				     isnan(p) ? "" : ", p=", isnan(p) ? "" : (snprintf(pbuf, sizeof(pbuf), "%.3g", p), pbuf),
				     qg_rule_op_name(rule->op), bound, c->baseline_kind == 1 ? ", significant" : "");
	else if (ck->flags & QG_CHECK_WARNING)
		qg_check_set_message(ck, "%s%s%s below its bound (%.6g vs %.6g) but not significantly (p=%.3g, alpha %g)",
				     name, t->slice ? "@" : "", t->slice ? t->slice : "", cand, thr, p, o->alpha);
	else
		qg_check_set_message(ck, "%s%s%s = %.6g, baseline %.6g (delta %+.6g), required %s %s", name,
				     t->slice ? "@" : "", t->slice ? t->slice : "", cand, base, delta,
				     qg_rule_op_name(rule->op), bound);
	md_row(c, name, t->slice, base, cand, delta, have_iv ? iv : NULL,
	       ck->status == QG_STATUS_FAIL ? "fail" : (ck->flags & QG_CHECK_WARNING ? "pass (not significant)" : "pass"));
	return 0;
}

static int slice_index(const struct qg_model_data *d, const char *col)
{
	for (size_t s = 0; s < d->nslices; s++)
		if (!strcmp(d->slices[s].col, col))
			return (int)s;
	return -1;
}

static int eval_slice_value(struct ctx *c, const struct qg_model_rule *rule, size_t s, uint32_t val)
{
	const struct qg_model_data *cd = &c->cand.d;
	struct qg_model_view cv, bv;
	struct qg_metric_values cm, bm;
	struct qg_buf label = QG_BUF_INIT;
	struct target t = { 0 };
	int ret;

	qg_buf_addf(&label, "%s=%s", cd->slices[s].col, cd->slices[s].values.keys[val]);
	memset(&bv, 0, sizeof(bv));
	if ((ret = view_slice(&cv, cd, s, val, c->o->threshold)))
		goto done;
	if (c->o->min_slice_size > 1 && (long long)cv.n < c->o->min_slice_size) {
		struct qg_check *ck = new_check(c, rule, label.buf);
		if (!ck) {
			ret = QG_ENOMEM;
			goto done;
		}
		ck->status = QG_STATUS_SKIP;
		qg_check_set_message(ck, "slice %s has %zu rows, fewer than --min-slice-size %lld: not evaluated",
				     label.buf, cv.n, c->o->min_slice_size);
		qg_json_add_number(qg_check_details(ck), "rows", (double)cv.n);
		md_row(c, rule->metric, label.buf, NAN, NAN, NAN, NULL, "skipped: slice too small");
		goto done;
	}
	if ((ret = qg_model_view_metrics(&cm, &cv, NULL, 0)))
		goto done;
	t.slice = label.buf;
	t.cv = &cv;
	t.cm = &cm;
	if (c->baseline_kind == 1) {
		/* the baseline is row-aligned with the candidate: same slice rows */
		struct qg_model_data tmp = c->base.d;
		tmp.slices = cd->slices;
		tmp.nslices = cd->nslices;
		if ((ret = view_slice(&bv, &tmp, s, val, c->o->threshold)) ||
		    (ret = qg_model_view_metrics(&bm, &bv, NULL, 0)))
			goto done;
		t.bv = &bv;
		t.bm = &bm;
	}
	ret = eval_target(c, rule, &t);
done:
	qg_model_view_release(&cv);
	qg_model_view_release(&bv);
	qg_buf_release(&label);
	return ret;
}

static int eval_rule(struct ctx *c, const struct qg_model_rule *rule, struct target *whole)
{
	if (!rule->slice_col)
		return eval_target(c, rule, whole);
	if (c->have_mcand) {
		/* slices of a metrics file: keys "col=value" under "slices" */
		struct qg_buf key = QG_BUF_INIT;
		size_t n = 0;
		int ret = 0;
		qg_buf_addf(&key, "%s=", rule->slice_col);
		for (const struct qg_json *m = qg_json_first(c->mcand.slices); m && !ret; m = qg_json_next(m)) {
			const char *k = qg_json_key(m);
			struct target t = { 0 };
			if (strncmp(k, key.buf, key.len))
				continue;
			if (strcmp(rule->slice_value, "*") && strcmp(k + key.len, rule->slice_value))
				continue;
			t.slice = k;
			ret = eval_target(c, rule, &t);
			n++;
		}
		if (!ret && !n) {
			struct qg_check *ck = new_check(c, rule, NULL);
			if (!ck)
				ret = QG_ENOMEM;
			else
				qg_check_set_message(ck, "no slice %s=%s in '%s': cannot evaluate '%s'", rule->slice_col,
						     rule->slice_value, c->mcand.path, rule->text);
		}
		qg_buf_release(&key);
		return ret;
	}
	{
		const struct qg_model_data *cd = &c->cand.d;
		int s = slice_index(cd, rule->slice_col);
		int ret = 0;
		if (s < 0)
			return qg_error(QG_ERROR, "internal: slice column '%s' not loaded", rule->slice_col);
		if (!strcmp(rule->slice_value, "*")) {
			uint32_t *order = sorted_values(cd, (size_t)s);
			if (!order)
				return qg_error(QG_ENOMEM, "out of memory");
			for (size_t i = 0; i < cd->slices[s].values.nr && !ret; i++)
				ret = eval_slice_value(c, rule, (size_t)s, order[i]);
			free(order);
			return ret;
		}
		long v = qg_str_map_get((struct qg_str_map *)&cd->slices[s].values, rule->slice_value,
					strlen(rule->slice_value), 0);
		if (v < 0) {
			struct qg_buf lab = QG_BUF_INIT;
			struct qg_check *ck;
			qg_buf_addf(&lab, "%s=%s", rule->slice_col, rule->slice_value);
			ck = new_check(c, rule, lab.buf);
			qg_buf_release(&lab);
			if (!ck)
				return QG_ENOMEM;
			qg_check_set_message(ck, "no rows with %s=%s in '%s': cannot evaluate '%s'", rule->slice_col,
					     rule->slice_value, cd->name, rule->text);
			md_row(c, rule->metric, rule->slice_value, NAN, NAN, NAN, NULL, "error: no such slice");
			return 0;
		}
		return eval_slice_value(c, rule, (size_t)s, (uint32_t)v);
	}
}

static void gate_error(struct qg_result *r, int code)
{
	const char *msg = qg_error_last();
	int exit_code = qg_exit_for_error(code);
	fprintf(stderr, "qgate-model: error: %s\n", msg && *msg ? msg : "unknown error");
	qg_result_set_error(r, exit_code ? exit_code : QG_EXIT_ERROR, "%s", msg && *msg ? msg : "unknown error");
}

int qg_model_run(const struct qg_model_opts *o, struct qg_result *r)
{
	struct ctx c;
	struct qg_model_rule *rules = NULL;
	size_t nrules = o->requires.nr, nrel = 0;
	struct qg_strvec slice_cols = QG_STRVEC_INIT, no_slices = QG_STRVEC_INIT;
	struct qg_model_view cview, bview;
	struct qg_metric_values cm, bm;
	struct target whole = { 0 };
	unsigned tasks = 0;
	int ret = 0;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.r = r;
	qg_buf_init(&c.md, 0);

	/* options */
	if (!!o->predictions == !!o->metrics_file) {
		ret = qg_error(QG_EUSAGE, "give exactly one of --predictions FILE and --metrics FILE.json");
		goto fail;
	}
	if (o->baseline && o->baseline_metrics) {
		ret = qg_error(QG_EUSAGE, "--baseline and --baseline-metrics exclude each other");
		goto fail;
	}
	if (o->baseline && !o->predictions) {
		ret = qg_error(QG_EUSAGE, "--baseline FILE needs --predictions FILE (use --baseline-metrics with --metrics)");
		goto fail;
	}
	if (!nrules) {
		ret = qg_error(QG_EUSAGE, "nothing to check: give at least one --require EXPR");
		goto fail;
	}
	if (o->predictions) {
		if ((ret = task_of(o->task, &c.task)))
			goto fail;
		tasks = c.task;
	} else if (o->task && (ret = task_of(o->task, &c.task))) {
		goto fail;
	}
	c.baseline_kind = o->baseline ? 1 : o->baseline_metrics ? 2 : 0;

	/* rules: all parsed before any data is read */
	rules = calloc(nrules, sizeof(*rules));
	if (!rules) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nrules; i++) {
		if ((ret = qg_model_rule_parse(&rules[i], o->requires.v[i], tasks)))
			goto fail;
		nrel += rules[i].relative;
		if (rules[i].slice_col) {
			int seen = 0;
			for (size_t s = 0; s < slice_cols.nr; s++)
				seen |= !strcmp(slice_cols.v[s], rules[i].slice_col);
			if (!seen && qg_strvec_push(&slice_cols, rules[i].slice_col)) {
				ret = QG_ENOMEM;
				goto fail;
			}
		}
	}
	for (size_t s = 0; s < o->slices.nr; s++) {
		int seen = 0;
		for (size_t k = 0; k < slice_cols.nr; k++)
			seen |= !strcmp(slice_cols.v[k], o->slices.v[s]);
		if (!seen && qg_strvec_push(&slice_cols, o->slices.v[s])) {
			ret = QG_ENOMEM;
			goto fail;
		}
	}
	if (nrel && !c.baseline_kind && !o->allow_missing_baseline) {
		ret = qg_error(QG_EUSAGE, "%zu rule(s) compare with the baseline (e.g. '%s') but no --baseline or "
				   "--baseline-metrics was given (--allow-missing-baseline for a first deployment)",
			       nrel, o->requires.v[0]);
		for (size_t i = 0; i < nrules; i++)
			if (rules[i].relative) {
				ret = qg_error(QG_EUSAGE, "'%s' compares with the baseline but no --baseline or "
						   "--baseline-metrics was given (--allow-missing-baseline for a first "
						   "deployment)", rules[i].text);
				break;
			}
		goto fail;
	}

	/* inputs */
	if (o->metrics_file) {
		qg_result_add_artifact(r, o->metrics_file);
		if ((ret = metrics_file_load(&c.mcand, o->metrics_file)))
			goto fail;
		c.have_mcand = 1;
	} else {
		qg_result_add_artifact(r, o->predictions);
		if ((ret = load(&c.cand, o->predictions, o, c.task, &slice_cols, o->baseline && o->id)))
			goto fail;
	}
	if (o->baseline) {
		qg_result_add_artifact(r, o->baseline);
		if ((ret = load(&c.base, o->baseline, o, c.task, &no_slices, o->id != NULL)))
			goto fail;
		if ((ret = qg_model_data_align(&c.base.d, &c.cand.d, o->id != NULL)))
			goto fail;
	} else if (o->baseline_metrics) {
		qg_result_add_artifact(r, o->baseline_metrics);
		if ((ret = metrics_file_load(&c.mbase, o->baseline_metrics)))
			goto fail;
		c.have_mbase = 1;
	}

	/* whole-data metrics */
	memset(&cview, 0, sizeof(cview));
	memset(&bview, 0, sizeof(bview));
	if (!c.have_mcand) {
		view_all(&cview, &c.cand.d, o->threshold);
		if ((ret = qg_model_view_metrics(&cm, &cview, NULL, 0)))
			goto fail;
		whole.cv = &cview;
		whole.cm = &cm;
		qg_json_add_number(r->metrics, "rows", (double)c.cand.d.n);
		add_metric_values(r->metrics, &cm);
		if (c.baseline_kind == 1) {
			view_all(&bview, &c.base.d, o->threshold);
			if ((ret = qg_model_view_metrics(&bm, &bview, NULL, 0)))
				goto fail;
			whole.bv = &bview;
			whole.bm = &bm;
			struct qg_json *bj = qg_json_add_object(r->metrics, "baseline");
			add_metric_values(bj, &bm);
		}
	}

	for (size_t i = 0; i < nrules; i++)
		if ((ret = eval_rule(&c, &rules[i], &whole)))
			goto fail;

	if (c.skipped_first_deploy) {
		fprintf(stderr, "qgate-model: warning: NO BASELINE: FIRST DEPLOYMENT: %zu baseline rule check(s) "
				"skipped, not passed (--allow-missing-baseline)\n", c.skipped_first_deploy);
		qg_result_add_markdown(r, "> **No baseline: first deployment.** %zu baseline rule check(s) were skipped "
				       "(--allow-missing-baseline); only fixed-bound rules decide this run.\n\n",
				       c.skipped_first_deploy);
	}
	if (c.md.len)
		qg_result_add_markdown(r, "%s", c.md.buf);
	ret = 0;
	goto done;
fail:
	if (ret == QG_ENOMEM) {
		fprintf(stderr, "qgate-model: error: %s\n", qg_error_last());
		qg_result_set_error(r, QG_EXIT_ERROR, "%s", qg_error_last());
	} else {
		gate_error(r, ret);
	}
	ret = 0;
done:
	for (size_t i = 0; rules && i < nrules; i++)
		qg_model_rule_release(&rules[i]);
	free(rules);
	qg_strvec_clear(&slice_cols);
	loaded_release(&c.cand);
	loaded_release(&c.base);
	qg_json_free(c.mcand.root);
	qg_json_free(c.mbase.root);
	qg_buf_release(&c.md);
	return ret;
}
