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
 *
 * Reading the inputs into views is load.c's (shared with `metrics`). Every
 * detail, message and table row a check carries is checked as it is added:
 * one that cannot be added makes the run an error, never a check without it.
 */
#include "qgate/common.h"

#include <math.h>
#include <unistd.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "bootstrap.h"
#include "metrics.h"
#include "load.h"
#include "model.h"
#include "predictions.h"
#include "rules.h"

void model_opts_init(struct qg_model_opts *o)
{
	memset(o, 0, sizeof(*o));
	qg_strvec_init(&o->slices);
	qg_strvec_init(&o->requires);
	o->alpha = 0.05;
	o->threshold = 0.5;
	o->bootstrap = 1000;
	o->bootstrap_rows = 50000;
	o->seed = 0;
	o->min_slice_size = 1;
}

void model_opts_release(struct qg_model_opts *o)
{
	qg_strvec_clear(&o->slices);
	qg_strvec_clear(&o->requires);
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
	struct model_loaded cand, base;
	struct metrics_file mcand, mbase;
	int have_mcand, have_mbase;
	int baseline_kind; /* 0 none, 1 predictions, 2 metrics file */
	size_t skipped_first_deploy;
	struct qg_buf md;
	int md_rows;
	int progress; /* a bootstrap progress line on stderr (a terminal, not --quiet, not GitHub) */
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

/* The first failure of a run of builder calls sticks in *err: a check must
 * not go out without a detail, a message or a table row that could not be
 * added (each builder records its own message). */
static void keep(int *err, int ret)
{
	if (!*err && ret < 0)
		*err = ret;
}

static void put(int *err, const struct qg_json *added)
{
	if (!*err && !added)
		*err = QG_ENOMEM;
}

static int md_row(struct ctx *c, const char *metric, const char *slice, double base, double cand, double delta,
		  const double *iv, const char *verdict)
{
	char b1[32], b2[32], b3[32], b4[32];
	int err = 0;
	if (!c->md_rows++)
		err = qg_buf_addstr(&c->md, "| metric | baseline | candidate | delta | interval | verdict |\n"
					    "|---|---|---|---|---|---|\n");
	if (!err)
		err = qg_buf_addf(&c->md, "| %s%s%s | %s | %s | %s | %s | %s |\n", metric, slice ? "@" : "",
				  slice ? slice : "", fmt_num(b1, sizeof(b1), base), fmt_num(b2, sizeof(b2), cand),
				  isnan(delta) ? "-" : (snprintf(b3, sizeof(b3), "%+.4f", delta), b3),
				  iv ? (snprintf(b4, sizeof(b4), "[%+.4f, %+.4f]", iv[0], iv[1]), b4) : "-",
				  verdict ? verdict : "");
	return err;
}

static double margin_cb(const void *ctx, double cand, double base)
{
	return model_rule_margin(ctx, cand, base);
}

static int margin_ok_cb(const void *ctx, double m)
{
	return model_rule_margin_ok(ctx, m);
}

/* A new check "metric.NAME[@SLICE]", "#2", "#3"... when the id is taken.
 * NULL with the message recorded when the id cannot be built or added. */
static struct qg_check *new_check(struct ctx *c, const struct qg_model_rule *rule, const char *slice)
{
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_check *ck = NULL;
	size_t base_len;

	if (qg_buf_addf(&id, "metric.%s%s%s", rule->metric, slice ? "@" : "", slice ? slice : ""))
		goto done;
	base_len = id.len;
	for (size_t k = 2; qg_result_find_check(c->r, id.buf); k++) {
		qg_buf_setlen(&id, base_len);
		if (qg_buf_addf(&id, "#%zu", k))
			goto done; /* the same id again would be found forever */
	}
	ck = qg_result_add_check(c->r, id.buf, QG_STATUS_ERROR, NULL);
done:
	qg_buf_release(&id);
	return ck;
}

static void details_num(int *err, struct qg_json *d, const char *key, double v)
{
	put(err, isnan(v) ? qg_json_add_null(d, key) : qg_json_add_number(d, key, v));
}

/* " p=0.0123", or " p < 1/N" when no bootstrap replicate held the rule (the
 * estimate 0 only says p is below the resolution of N replicates) */
static const char *fmt_p(char *buf, size_t len, double p, size_t replicates)
{
	if (isnan(p))
		snprintf(buf, len, "%s", "");
	else if (p == 0 && replicates)
		snprintf(buf, len, "p < 1/%zu", replicates);
	else
		snprintf(buf, len, "p=%.3g", p);
	return buf;
}

/* McNemar's discordant pairs on the target's rows (binary or multiclass). */
static void discordant(const struct target *t, uint64_t *b01, uint64_t *b10)
{
	*b01 = *b10 = 0;
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
		*b01 += cr && !brt;
		*b10 += !cr && brt;
	}
}

static int eval_target(struct ctx *c, const struct qg_model_rule *rule, const struct target *t)
{
	const struct qg_model_opts *o = c->o;
	struct qg_check *ck = new_check(c, rule, t->slice);
	struct qg_json *d;
	char bound[96], pbuf[48] = "";
	double cand = NAN, base = NAN, delta = NAN, iv[2] = { NAN, NAN }, p = NAN, thr;
	const char *method = "fixed", *why = NULL, *name = rule->metric;
	const char *at = t->slice ? "@" : "", *slice = t->slice ? t->slice : "";
	int found = 1, have_iv = 0, err = 0;
	size_t rows = t->cv ? t->cv->n : 0, replicates = 0;

	if (!ck || !(d = qg_check_details(ck)))
		return QG_ENOMEM;
	model_rule_bound_text(rule, bound, sizeof(bound));

	/* candidate value */
	if (c->have_mcand) {
		cand = metrics_file_value(&c->mcand, t->slice, name, &found);
		if (!found) {
			keep(&err, qg_check_set_message(ck, "%s%s%s not in '%s' (or null): cannot evaluate '%s'", name, at,
							slice, c->mcand.path, rule->text));
			keep(&err, md_row(c, name, t->slice, NAN, NAN, NAN, NULL, "error"));
			return err;
		}
	} else {
		cand = t->cm->value[rule->metric_id];
		why = t->cm->why[rule->metric_id];
		if (isnan(cand)) {
			keep(&err, qg_check_set_message(ck, "%s cannot be computed%s%s: %s", name, t->slice ? " on " : "",
							slice, why ? why : "undefined on these rows"));
			put(&err, qg_json_add_number(d, "rows", (double)rows));
			keep(&err, md_row(c, name, t->slice, NAN, NAN, NAN, NULL, "error"));
			return err;
		}
	}
	qg_check_observed_number(ck, cand);
	details_num(&err, d, "candidate", cand);

	if (!rule->relative) {
		thr = rule->bound;
		keep(&err, qg_check_expected_string(ck, "%s %s", model_rule_op_name(rule->op), bound));
		ck->status = model_rule_holds(rule, cand, NAN) ? QG_STATUS_PASS : QG_STATUS_FAIL;
		keep(&err, qg_check_set_message(ck, "%s%s%s = %.6g, required %s %s", name, at, slice, cand,
						model_rule_op_name(rule->op), bound));
		put(&err, qg_json_add_null(d, "baseline"));
		put(&err, qg_json_add_null(d, "delta"));
		put(&err, qg_json_add_null(d, "interval"));
		put(&err, qg_json_add_null(d, "p_value"));
		details_num(&err, d, "alpha", o->alpha);
		put(&err, qg_json_add_string(d, "method", method));
		put(&err, qg_json_add_number(d, "threshold", thr));
		if (rows)
			put(&err, qg_json_add_number(d, "rows", (double)rows));
		keep(&err, md_row(c, name, t->slice, NAN, cand, NAN, NULL, qg_status_name(ck->status)));
		return err;
	}

	/* baseline-relative */
	if (c->baseline_kind == 0) {
		ck->status = QG_STATUS_SKIP;
		keep(&err, qg_check_set_message(ck, "no baseline: first deployment: '%s' not evaluated "
						    "(--allow-missing-baseline)", rule->text));
		keep(&err, qg_check_expected_string(ck, "%s %s", model_rule_op_name(rule->op), bound));
		put(&err, qg_json_add_null(d, "baseline"));
		put(&err, qg_json_add_string(d, "method", "no baseline: first deployment"));
		c->skipped_first_deploy++;
		keep(&err, md_row(c, name, t->slice, NAN, cand, NAN, NULL, "skipped: no baseline (first deployment)"));
		return err;
	}
	if (c->baseline_kind == 2) {
		base = metrics_file_value(&c->mbase, t->slice, name, &found);
		if (!found) {
			keep(&err, qg_check_set_message(ck, "%s%s%s not in the baseline metrics '%s' (or null): cannot "
							    "evaluate '%s'", name, at, slice, c->mbase.path, rule->text));
			keep(&err, md_row(c, name, t->slice, NAN, cand, NAN, NULL, "error"));
			return err;
		}
	} else {
		base = t->bm->value[rule->metric_id];
		if (isnan(base)) {
			keep(&err, qg_check_set_message(ck, "baseline %s cannot be computed%s%s: %s", name,
							t->slice ? " on " : "", slice,
							t->bm->why[rule->metric_id] ? t->bm->why[rule->metric_id]
										    : "undefined"));
			keep(&err, md_row(c, name, t->slice, NAN, cand, NAN, NULL, "error"));
			return err;
		}
	}
	delta = cand - base;
	thr = model_rule_threshold(rule, base);
	keep(&err, qg_check_expected_string(ck, "%s %s (%.6g)", model_rule_op_name(rule->op), bound, thr));
	details_num(&err, d, "baseline", base);
	details_num(&err, d, "delta", delta);

	if (model_rule_holds(rule, cand, base)) {
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
		struct qg_boot_opts bo = { 0 };
		char label[160];
		int mcnemar = rule->metric_id == QG_M_ACCURACY && rule->bound == 0, significant, ret;
		snprintf(label, sizeof(label), "%s%s%s", name, at, slice);
		bo.replicates = (size_t)o->bootstrap;
		bo.seed = (uint64_t)o->seed;
		bo.alpha = o->alpha;
		bo.max_rows = (size_t)o->bootstrap_rows;
		bo.cand_value = cand;
		bo.base_value = base;
		bo.margin = margin_cb;
		bo.ok = margin_ok_cb;
		bo.ctx = rule;
		bo.progress = c->progress ? label : NULL;
		if ((ret = model_bootstrap(&br, t->cv, t->bv, (enum qg_metric)rule->metric_id, &bo)))
			return ret;
		method = br.subsample ? "paired-bootstrap-subsample" : "paired-bootstrap-percentile";
		if (br.replicates) {
			struct qg_json *mi = qg_json_add_array(d, "margin_interval");
			iv[0] = br.delta_lo;
			iv[1] = br.delta_hi;
			have_iv = 1;
			p = fmin(1.0, 2.0 * (double)br.margin_ok / (double)br.replicates);
			replicates = br.replicates;
			put(&err, mi);
			put(&err, qg_json_add_number(mi, NULL, br.margin_lo));
			put(&err, qg_json_add_number(mi, NULL, br.margin_hi));
		}
		put(&err, qg_json_add_number(d, "bootstrap_replicates", (double)br.replicates));
		put(&err, qg_json_add_number(d, "bootstrap_rows", (double)br.rows));
		put(&err, qg_json_add_number(d, "bootstrap_scale", br.scale));
		if (mcnemar) {
			/* McNemar on the discordant pairs decides `accuracy >= baseline` */
			uint64_t b01, b10;
			int exact;
			discordant(t, &b01, &b10);
			p = model_mcnemar_p(b01, b10, &exact);
			replicates = 0;
			method = exact ? "mcnemar-exact" : "mcnemar-chi2-cc";
			put(&err, qg_json_add_number(d, "discordant_candidate_right", (double)b01));
			put(&err, qg_json_add_number(d, "discordant_baseline_right", (double)b10));
		}
		if (ck->status == QG_STATUS_PASS && !model_rule_holds(rule, cand, base)) {
			if (mcnemar)
				significant = p < o->alpha;
			else
				significant = !br.replicates || !model_rule_margin_ok(rule, br.margin_hi);
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
		put(&err, ia);
		put(&err, qg_json_add_number(ia, NULL, iv[0]));
		put(&err, qg_json_add_number(ia, NULL, iv[1]));
	} else {
		put(&err, qg_json_add_null(d, "interval"));
	}
	details_num(&err, d, "p_value", p);
	details_num(&err, d, "alpha", o->alpha);
	put(&err, qg_json_add_string(d, "method", method));
	put(&err, qg_json_add_number(d, "threshold", thr));
	if (rows)
		put(&err, qg_json_add_number(d, "rows", (double)rows));
	fmt_p(pbuf, sizeof(pbuf), p, replicates);
	if (ck->status == QG_STATUS_FAIL)
		keep(&err, qg_check_set_message(ck, "%s%s%s regressed: %.6g vs baseline %.6g (delta %+.6g%s%s), "
						    "required %s %s%s", name, at, slice, cand, base, delta,
						*pbuf ? ", " : "", pbuf, model_rule_op_name(rule->op), bound,
						c->baseline_kind == 1 ? ", significant" : ""));
	else if (ck->flags & QG_CHECK_WARNING)
		keep(&err, qg_check_set_message(ck, "%s%s%s below its bound (%.6g vs %.6g) but not significantly "
						    "(%s, alpha %g)", name, at, slice, cand, thr, pbuf, o->alpha));
	else
		keep(&err, qg_check_set_message(ck, "%s%s%s = %.6g, baseline %.6g (delta %+.6g), required %s %s", name,
						at, slice, cand, base, delta, model_rule_op_name(rule->op), bound));
	keep(&err, md_row(c, name, t->slice, base, cand, delta, have_iv ? iv : NULL,
			  ck->status == QG_STATUS_FAIL ? "fail"
						       : (ck->flags & QG_CHECK_WARNING ? "pass (not significant)" : "pass")));
	return err;
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
	struct qg_buf label = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct target t = { 0 };
	int ret;

	memset(&cv, 0, sizeof(cv));
	memset(&bv, 0, sizeof(bv));
	if ((ret = qg_buf_addf(&label, "%s=%s", cd->slices[s].col, cd->slices[s].values.keys[val])) ||
	    (ret = model_view_slice(&cv, cd, s, val, c->o->threshold)))
		goto done;
	if (c->o->min_slice_size > 1 && (long long)cv.n < c->o->min_slice_size) {
		struct qg_check *ck = new_check(c, rule, label.buf);
		if (!ck) {
			ret = QG_ENOMEM;
			goto done;
		}
		ck->status = QG_STATUS_SKIP;
		keep(&ret, qg_check_set_message(ck, "slice %s has %zu rows, fewer than --min-slice-size %lld: not "
						    "evaluated", label.buf, cv.n, c->o->min_slice_size));
		put(&ret, qg_json_add_number(qg_check_details(ck), "rows", (double)cv.n));
		keep(&ret, md_row(c, rule->metric, label.buf, NAN, NAN, NAN, NULL, "skipped: slice too small"));
		goto done;
	}
	if ((ret = model_view_metrics(&cm, &cv, NULL, 0)))
		goto done;
	t.slice = label.buf;
	t.cv = &cv;
	t.cm = &cm;
	if (c->baseline_kind == 1) {
		/* the baseline is row-aligned with the candidate: same slice rows */
		struct qg_model_data tmp = c->base.d;
		tmp.slices = cd->slices;
		tmp.nslices = cd->nslices;
		if ((ret = model_view_slice(&bv, &tmp, s, val, c->o->threshold)) ||
		    (ret = model_view_metrics(&bm, &bv, NULL, 0)))
			goto done;
		t.bv = &bv;
		t.bm = &bm;
	}
	ret = eval_target(c, rule, &t);
done:
	model_view_release(&cv);
	model_view_release(&bv);
	qg_buf_release(&label);
	return ret;
}

static int eval_rule(struct ctx *c, const struct qg_model_rule *rule, struct target *whole)
{
	if (!rule->slice_col)
		return eval_target(c, rule, whole);
	if (c->have_mcand) {
		/* slices of a metrics file: keys "col=value" under "slices" */
		struct qg_buf key = QG_BUF_INIT(QG_CAP_MESSAGE);
		size_t n = 0;
		int ret = qg_buf_addf(&key, "%s=", rule->slice_col);
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
				ret = qg_check_set_message(ck, "no slice %s=%s in '%s': cannot evaluate '%s'",
							   rule->slice_col, rule->slice_value, c->mcand.path, rule->text);
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
			uint32_t *order = model_sorted_values(cd, (size_t)s);
			if (!order)
				return QG_ENOMEM;
			for (size_t i = 0; i < cd->slices[s].values.nr && !ret; i++)
				ret = eval_slice_value(c, rule, (size_t)s, order[i]);
			free(order);
			return ret;
		}
		long v = model_str_map_get((struct qg_strmap *)&cd->slices[s].values, rule->slice_value,
					strlen(rule->slice_value), 0);
		if (v < 0) {
			struct qg_buf lab = QG_BUF_INIT(QG_CAP_MESSAGE);
			struct qg_check *ck = NULL;
			if (!(ret = qg_buf_addf(&lab, "%s=%s", rule->slice_col, rule->slice_value)) &&
			    !(ck = new_check(c, rule, lab.buf)))
				ret = QG_ENOMEM;
			qg_buf_release(&lab);
			if (ret)
				return ret;
			keep(&ret, qg_check_set_message(ck, "no rows with %s=%s in '%s': cannot evaluate '%s'",
							rule->slice_col, rule->slice_value, cd->name, rule->text));
			keep(&ret, md_row(c, rule->metric, rule->slice_value, NAN, NAN, NAN, NULL, "error: no such slice"));
			return ret;
		}
		return eval_slice_value(c, rule, (size_t)s, (uint32_t)v);
	}
}

static void gate_error(struct qg_result *r, int code)
{
	const char *msg = qg_error_last();
	int exit_code = qg_exit_for_error(code);
	/* printed once, on stderr, by qg_gate_finish() */
	qg_result_set_error(r, exit_code ? exit_code : QG_EXIT_ERROR, "%s", msg && *msg ? msg : "unknown error");
}

int model_run(const struct qg_model_opts *o, struct qg_result *r)
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
	qg_buf_init(&c.md, QG_CAP_REPORT);

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
		if ((ret = model_task_of(o->task, &c.task)))
			goto fail;
		tasks = c.task;
	} else if (o->task && (ret = model_task_of(o->task, &c.task))) {
		goto fail;
	}
	c.baseline_kind = o->baseline ? 1 : o->baseline_metrics ? 2 : 0;
	{
		const char *gh = getenv("GITHUB_ACTIONS");
		c.progress = isatty(STDERR_FILENO) && !o->common.quiet && !(gh && !strcmp(gh, "true"));
	}

	/* rules: all parsed before any data is read */
	rules = calloc(nrules, sizeof(*rules));
	if (!rules) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nrules; i++) {
		if ((ret = model_rule_parse(&rules[i], o->requires.v[i], tasks)))
			goto fail;
		nrel += rules[i].relative;
		if (rules[i].slice_col) {
			int seen = 0;
			for (size_t s = 0; s < slice_cols.nr; s++)
				seen |= !strcmp(slice_cols.v[s], rules[i].slice_col);
			if (!seen && qg_strvec_push(&slice_cols, rules[i].slice_col)) {
				ret = qg_error(QG_ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
	for (size_t s = 0; s < o->slices.nr; s++) {
		int seen = 0;
		for (size_t k = 0; k < slice_cols.nr; k++)
			seen |= !strcmp(slice_cols.v[k], o->slices.v[s]);
		if (!seen && qg_strvec_push(&slice_cols, o->slices.v[s])) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (nrel && !c.baseline_kind && !o->allow_missing_baseline) {
		/* one message, naming the first rule that needs a baseline */
		size_t i = 0;
		while (!rules[i].relative)
			i++;
		ret = qg_error(QG_EUSAGE, "'%s' compares with the baseline but no --baseline or --baseline-metrics "
				   "was given (--allow-missing-baseline for a first deployment)", rules[i].text);
		goto fail;
	}

	/* inputs */
	/* inputs: the evidence names every file judged, so an artifact that
	 * cannot be recorded (hashed) is an error, not a report without it */
	if (o->metrics_file) {
		if ((ret = qg_result_add_artifact(r, o->metrics_file)) ||
		    (ret = metrics_file_load(&c.mcand, o->metrics_file)))
			goto fail;
		c.have_mcand = 1;
	} else {
		if ((ret = qg_result_add_artifact(r, o->predictions)) ||
		    (ret = model_load(&c.cand, o->predictions, o, c.task, &slice_cols, o->baseline && o->id)))
			goto fail;
	}
	if (o->baseline) {
		if ((ret = qg_result_add_artifact(r, o->baseline)) ||
		    (ret = model_load(&c.base, o->baseline, o, c.task, &no_slices, o->id != NULL)) ||
		    (ret = model_data_align(&c.base.d, &c.cand.d, o->id != NULL)))
			goto fail;
	} else if (o->baseline_metrics) {
		if ((ret = qg_result_add_artifact(r, o->baseline_metrics)) ||
		    (ret = metrics_file_load(&c.mbase, o->baseline_metrics)))
			goto fail;
		c.have_mbase = 1;
	}

	/* whole-data metrics */
	memset(&cview, 0, sizeof(cview));
	memset(&bview, 0, sizeof(bview));
	if (!c.have_mcand) {
		model_view_all(&cview, &c.cand.d, o->threshold);
		if ((ret = model_view_metrics(&cm, &cview, NULL, 0)))
			goto fail;
		whole.cv = &cview;
		whole.cm = &cm;
		if (!qg_json_add_number(r->metrics, "rows", (double)c.cand.d.n)) {
			ret = QG_ENOMEM;
			goto fail;
		}
		if ((ret = model_add_metric_values(r->metrics, &cm)))
			goto fail;
		if (c.baseline_kind == 1) {
			struct qg_json *bj;
			model_view_all(&bview, &c.base.d, o->threshold);
			if ((ret = model_view_metrics(&bm, &bview, NULL, 0)))
				goto fail;
			whole.bv = &bview;
			whole.bm = &bm;
			if (!(bj = qg_json_add_object(r->metrics, "baseline"))) {
				ret = QG_ENOMEM;
				goto fail;
			}
			if ((ret = model_add_metric_values(bj, &bm)))
				goto fail;
		}
	}

	for (size_t i = 0; i < nrules; i++)
		if ((ret = eval_rule(&c, &rules[i], &whole)))
			goto fail;

	if (c.skipped_first_deploy) {
		fprintf(stderr, "qgate-model: warning: NO BASELINE: FIRST DEPLOYMENT: %zu baseline rule check(s) "
				"skipped, not passed (--allow-missing-baseline)\n", c.skipped_first_deploy);
		if ((ret = qg_result_add_markdown(r, "> **No baseline: first deployment.** %zu baseline rule check(s) "
						      "were skipped (--allow-missing-baseline); only fixed-bound rules "
						      "decide this run.\n\n", c.skipped_first_deploy)))
			goto fail;
	}
	if (c.md.len && (ret = qg_result_add_markdown(r, "%s", c.md.buf)))
		goto fail;
	ret = 0;
	goto done;
fail:
	gate_error(r, ret);
	ret = 0;
done:
	for (size_t i = 0; rules && i < nrules; i++)
		model_rule_release(&rules[i]);
	free(rules);
	qg_strvec_clear(&slice_cols);
	model_loaded_release(&c.cand);
	model_loaded_release(&c.base);
	qg_json_free(c.mcand.root);
	qg_json_free(c.mbase.root);
	qg_buf_release(&c.md);
	return ret;
}
