/* drift.c -- PSI, KS and Jensen-Shannon drift checks against a baseline profile
 *
 * The baseline fixes the bins (drift.h); the current side is either data read
 * in this run -- binned exactly while profiling, see data_prof_field_bin_* -- or
 * another profile, whose sketches give the fractions. Each baseline field
 * becomes one check `drift.<field>`: fail above --psi-max (or --ks-max for
 * numbers, --js-max for categories), pass with QG_CHECK_WARNING above
 * --psi-warn, pass otherwise. The numbers, the bins and both sides'
 * fractions go into the check's details so that a reader can recompute them.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "drift.h"

void data_drift_opts_init(struct qg_drift_opts *o)
{
	o->psi_warn = 0.1;
	o->psi_max = 0.25;
	o->ks_max = -1;
	o->js_max = -1;
	o->bins = QG_DRIFT_BINS;
}

double data_drift_psi(const double *b, const double *c, size_t n, double eps)
{
	double psi = 0;
	for (size_t i = 0; i < n; i++) {
		double p = b[i] < eps ? eps : b[i], q = c[i] < eps ? eps : c[i];
		psi += (q - p) * log(q / p);
	}
	return psi;
}

double data_drift_js(const double *b, const double *c, size_t n)
{
	double sb = 0, sc = 0, js = 0;

	for (size_t i = 0; i < n; i++) {
		sb += b[i];
		sc += c[i];
	}
	if (!(sb > 0) || !(sc > 0))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double p = b[i] / sb, q = c[i] / sc, m = (p + q) / 2;
		if (p > 0)
			js += p * log(p / m);
		if (q > 0)
			js += q * log(q / m);
	}
	js = js / 2 / log(2.0);
	return sqrt(js < 0 ? 0 : js);
}

double data_drift_ks(struct qg_kll *a, struct qg_kll *b)
{
	const double *ia, *ib;
	const uint64_t *ca, *cb;
	size_t na = data_kll_sorted(a, &ia, &ca), nb = data_kll_sorted(b, &ib, &cb), i = 0, j = 0;
	double d = 0;

	if (!na || !nb)
		return NAN;
	/* walk the union of retained values; at each value both CDFs are
	 * "weight <= v" (right-continuous), as in scipy's ks_2samp */
	while (i < na || j < nb) {
		double v = j >= nb || (i < na && ia[i] <= ib[j]) ? ia[i] : ib[j], fa, fb;
		while (i < na && ia[i] <= v)
			i++;
		while (j < nb && ib[j] <= v)
			j++;
		fa = i ? (double)ca[i - 1] / (double)a->n : 0;
		fb = j ? (double)cb[j - 1] / (double)b->n : 0;
		if (fabs(fa - fb) > d)
			d = fabs(fa - fb);
	}
	return d;
}

int data_drift_edges(double **edges, size_t *nr, struct qg_kll *base, long long bins)
{
	double *e;
	size_t k = 0;

	*edges = NULL;
	*nr = 0;
	if (bins < 2 || !base->n)
		return 0;
	e = malloc((size_t)(bins - 1) * sizeof(double));
	if (!e)
		return qg_error(QG_ENOMEM, "out of memory");
	for (long long i = 1; i < bins; i++) {
		double q = data_kll_quantile(base, (double)i / (double)bins);
		if (!k || q > e[k - 1])
			e[k++] = q;
	}
	*edges = e;
	*nr = k;
	return 0;
}

void data_drift_sketch_fractions(struct qg_kll *s, const double *edges, size_t nr, double *out)
{
	double prev = 0;
	for (size_t i = 0; i < nr; i++) {
		double r = data_kll_rank_lt(s, edges[i]);
		out[i] = r - prev;
		prev = r;
	}
	out[nr] = 1 - prev;
}

int data_drift_prepare(struct qg_profile *cur, struct qg_profile *base, const struct qg_drift_opts *o)
{
	for (size_t i = 0; i < base->nr_fields; i++) {
		struct qg_prof_field *bf = &base->fields[i];
		enum qg_prof_kind k = data_prof_field_kind(bf);
		long ci = data_profile_field(cur, bf->name, strlen(bf->name));
		int ret = 0;

		if (ci < 0)
			return (int)ci;
		if (k == QG_PROF_NUMERIC) {
			double *edges;
			size_t nr;
			ret = data_drift_edges(&edges, &nr, &bf->kll, o->bins);
			if (!ret)
				ret = data_prof_field_bin_numeric(&cur->fields[ci], edges, nr);
			free(edges);
		} else if (k == QG_PROF_CATEGORICAL) {
			ret = data_prof_field_bin_categories(&cur->fields[ci], &bf->topk);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int add_numbers(struct qg_json *parent, const char *key, const double *v, size_t n)
{
	struct qg_json *a = qg_json_add_array(parent, key);
	if (!a)
		return QG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!qg_json_add_number(a, NULL, v[i]))
			return QG_ENOMEM;
	return 0;
}

struct drift_eval {
	double psi, ks, js;
	size_t nbins;
	double *b, *c;
	uint64_t base_n, cur_n;
};

/* Numeric field: bins from the baseline sketch, current from exact counts
 * (data) or its sketch (profile). */
static int eval_numeric(struct drift_eval *e, struct qg_json *d, struct qg_prof_field *bf,
			struct qg_prof_field *cf, const struct qg_drift_opts *o, int cur_exact)
{
	double *edges = NULL;
	size_t nr = 0;
	int ret;

	if (cur_exact && cf->edges) {
		/* the very edges the data was binned on */
		edges = malloc((cf->nr_edges ? cf->nr_edges : 1) * sizeof(double));
		if (!edges)
			return qg_error(QG_ENOMEM, "out of memory");
		memcpy(edges, cf->edges, cf->nr_edges * sizeof(double));
		nr = cf->nr_edges;
	} else if ((ret = data_drift_edges(&edges, &nr, &bf->kll, o->bins))) {
		return ret;
	}
	e->nbins = nr + 1;
	e->b = calloc(e->nbins, sizeof(double));
	e->c = calloc(e->nbins, sizeof(double));
	if (!e->b || !e->c) {
		free(edges);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	data_drift_sketch_fractions(&bf->kll, edges, nr, e->b);
	if (cur_exact && cf->bin_counts) {
		uint64_t tot = 0;
		for (size_t i = 0; i <= nr; i++)
			tot += cf->bin_counts[i];
		for (size_t i = 0; i <= nr; i++)
			e->c[i] = tot ? (double)cf->bin_counts[i] / (double)tot : 0;
	} else {
		data_drift_sketch_fractions(&cf->kll, edges, nr, e->c);
	}
	e->base_n = bf->mom.n;
	e->cur_n = cf->mom.n;
	e->psi = data_drift_psi(e->b, e->c, e->nbins, QG_DRIFT_EPS);
	e->js = data_drift_js(e->b, e->c, e->nbins);
	e->ks = data_drift_ks(&bf->kll, &cf->kll);
	ret = add_numbers(d, "edges", edges, nr);
	free(edges);
	if (ret)
		return ret;
	if (!qg_json_add_number(d, "ks_bound", (bf->kll.n == data_kll_retained(&bf->kll) ? 0 : QG_KLL_RANK_ERROR) +
							   (cf->kll.n == data_kll_retained(&cf->kll) ? 0 : QG_KLL_RANK_ERROR)))
		return QG_ENOMEM;
	return 0;
}

static int eval_categorical(struct drift_eval *e, struct qg_json *d, struct qg_prof_field *bf,
			    struct qg_prof_field *cf, int cur_exact)
{
	const struct qg_topk *bt = &bf->topk;
	uint32_t order[QG_TOPK_K];
	size_t nr = data_topk_sorted(bt, order);
	struct qg_json *cats;
	double sb = 0, sc = 0;

	e->nbins = nr + 1;
	e->b = calloc(e->nbins, sizeof(double));
	e->c = calloc(e->nbins, sizeof(double));
	if (!e->b || !e->c || !(cats = qg_json_add_array(d, "categories")))
		return qg_error(QG_ENOMEM, "out of memory");
	e->base_n = bf->count;
	e->cur_n = cf->count;
	for (size_t i = 0; i < nr; i++) {
		const struct qg_topk_item *it = &bt->items[order[i]];
		double cc = 0;
		if (!qg_json_add_string(cats, NULL, it->val))
			return QG_ENOMEM;
		e->b[i] = bf->count ? (double)it->count / (double)bf->count : 0;
		if (cur_exact && cf->cats) {
			int k = data_topk_find(cf->cats, it->val, it->len, it->hash);
			cc = k >= 0 ? (double)cf->cat_counts[k] : 0;
		} else {
			int k = data_topk_find(&cf->topk, it->val, it->len, it->hash);
			cc = k >= 0 ? (double)cf->topk.items[k].count : 0;
		}
		e->c[i] = cf->count ? cc / (double)cf->count : 0;
		sb += e->b[i];
		sc += e->c[i];
	}
	if (!qg_json_add_string(cats, NULL, "(other)"))
		return QG_ENOMEM;
	/* space-saving counts may overestimate: "other" never goes negative */
	e->b[nr] = sb < 1 ? 1 - sb : 0;
	e->c[nr] = sc < 1 ? 1 - sc : 0;
	e->psi = data_drift_psi(e->b, e->c, e->nbins, QG_DRIFT_EPS);
	e->js = data_drift_js(e->b, e->c, e->nbins);
	e->ks = NAN;
	return 0;
}

static int field_check(struct qg_result *r, struct qg_profile *base, struct qg_prof_field *bf,
		       struct qg_profile *cur, struct qg_prof_field *cf, const struct qg_drift_opts *o,
		       int cur_exact, double *max_psi, size_t *warned)
{
	enum qg_prof_kind kind = data_prof_field_kind(bf);
	struct drift_eval e = { NAN, NAN, NAN, 0, NULL, NULL, 0, 0 };
	struct qg_check *c;
	struct qg_json *d;
	char id[512];
	int ret = 0, fail_psi, fail_ks = 0, fail_js = 0;

	snprintf(id, sizeof(id), "drift.%s", bf->name);
	if (kind == QG_PROF_AUTO) {
		c = qg_result_add_check(r, id, QG_STATUS_SKIP, "field '%s' has no values in the baseline", bf->name);
		return c ? 0 : QG_ENOMEM;
	}
	if (!cf) {
		c = qg_result_add_check(r, id, QG_STATUS_FAIL, "field '%s' of the baseline is missing from the data",
					bf->name);
		return c ? 0 : QG_ENOMEM;
	}
	if (kind == QG_PROF_NUMERIC && (cf->invalid || (!cur_exact && data_prof_field_kind(cf) == QG_PROF_CATEGORICAL))) {
		c = qg_result_add_check(r, id, QG_STATUS_FAIL,
					"field '%s' is numeric in the baseline but %llu current values are not numbers",
					bf->name, (unsigned long long)(cf->invalid ? cf->invalid : cf->count));
		if (c)
			qg_check_set_count(c, (long long)(cf->invalid ? cf->invalid : cf->count));
		return c ? 0 : QG_ENOMEM;
	}
	if (kind == QG_PROF_CATEGORICAL && bf->topk.nr == QG_TOPK_K) {
		/* identifiers and free text: when the 64 tracked values hold less
		 * than half of the baseline for sure, category shares are noise */
		uint64_t sure = 0;
		for (uint32_t i = 0; i < bf->topk.nr; i++)
			sure += bf->topk.items[i].count - bf->topk.items[i].error;
		if (2 * sure < bf->count) {
			c = qg_result_add_check(r, id, QG_STATUS_SKIP,
						"field '%s' has about %.0f distinct values: too many categories for drift",
						bf->name, data_hll_estimate(&bf->hll));
			return c ? 0 : QG_ENOMEM;
		}
	}
	if ((kind == QG_PROF_NUMERIC && !cf->mom.n) || !cf->count) {
		c = qg_result_add_check(r, id, QG_STATUS_FAIL, "field '%s' has no values in the current data", bf->name);
		return c ? 0 : QG_ENOMEM;
	}
	c = qg_result_add_check(r, id, QG_STATUS_PASS, NULL);
	if (!c || !(d = qg_check_details(c)))
		return QG_ENOMEM;
	ret = kind == QG_PROF_NUMERIC ? eval_numeric(&e, d, bf, cf, o, cur_exact)
				      : eval_categorical(&e, d, bf, cf, cur_exact);
	if (ret)
		goto done;
	ret = QG_ENOMEM;
	if (!qg_json_add_string(d, "type", kind == QG_PROF_NUMERIC ? "numeric" : "categorical") ||
	    !qg_json_add_number(d, "psi", e.psi) || !qg_json_add_number(d, "ks", e.ks) ||
	    !qg_json_add_number(d, "js", e.js) || !qg_json_add_number(d, "baseline_rows", (double)base->rows) ||
	    !qg_json_add_number(d, "current_rows", (double)cur->rows) ||
	    !qg_json_add_number(d, "baseline_values", (double)e.base_n) ||
	    !qg_json_add_number(d, "current_values", (double)e.cur_n) ||
	    !qg_json_add_number(d, "bins", (double)e.nbins) ||
	    !qg_json_add_string(d, "current_from", cur_exact ? "data (exact bin counts)" : "profile (sketch)"))
		goto done;
	if ((ret = add_numbers(d, "baseline_fractions", e.b, e.nbins)) ||
	    (ret = add_numbers(d, "current_fractions", e.c, e.nbins)))
		goto done;
	fail_psi = e.psi > o->psi_max;
	if (kind == QG_PROF_NUMERIC && o->ks_max >= 0 && e.ks > o->ks_max)
		fail_ks = 1;
	if (kind == QG_PROF_CATEGORICAL && o->js_max >= 0 && e.js > o->js_max)
		fail_js = 1;
	qg_check_observed_number(c, e.psi);
	ret = qg_check_expected_string(c, "psi <= %g", o->psi_max);
	if (ret)
		goto done;
	if (e.psi > *max_psi)
		*max_psi = e.psi;
	if (fail_psi || fail_ks || fail_js) {
		c->status = QG_STATUS_FAIL;
		qg_check_set_count(c, 1);
	} else if (e.psi > o->psi_warn) {
		c->flags |= QG_CHECK_WARNING;
		(*warned)++;
	}
	if (kind == QG_PROF_NUMERIC)
		ret = qg_check_set_message(c, "%s%s: PSI %.4f%s, KS %.4f%s (%zu bins; %llu baseline vs %llu current values)",
					   fail_psi || fail_ks ? "drift" : c->flags & QG_CHECK_WARNING ? "drift warning" : "no drift",
					   "", e.psi, fail_psi ? " above --psi-max" : e.psi > o->psi_warn ? " above --psi-warn" : "",
					   e.ks, fail_ks ? " above --ks-max" : "", e.nbins,
					   (unsigned long long)e.base_n, (unsigned long long)e.cur_n);
	else
		ret = qg_check_set_message(c, "%s: PSI %.4f%s, JS %.4f%s (%zu categories incl. other; %llu baseline vs %llu current values)",
					   fail_psi || fail_js ? "drift" : c->flags & QG_CHECK_WARNING ? "drift warning" : "no drift",
					   e.psi, fail_psi ? " above --psi-max" : e.psi > o->psi_warn ? " above --psi-warn" : "",
					   e.js, fail_js ? " above --js-max" : "", e.nbins,
					   (unsigned long long)e.base_n, (unsigned long long)e.cur_n);
done:
	free(e.b);
	free(e.c);
	return ret;
}

int data_drift_evaluate(struct qg_result *r, struct qg_profile *base, struct qg_profile *cur,
		      const struct qg_drift_opts *o, int cur_exact)
{
	double max_psi = 0;
	size_t warned = 0;
	struct qg_json *m;
	int ret;

	if ((ret = data_profile_flush(base)) || (ret = data_profile_flush(cur)))
		return ret;
	for (size_t i = 0; i < base->nr_fields; i++) {
		struct qg_prof_field *bf = &base->fields[i], *cf = NULL;
		for (size_t j = 0; j < cur->nr_fields; j++)
			if (!strcmp(cur->fields[j].name, bf->name))
				cf = &cur->fields[j];
		/* a field prepared from the baseline but absent from every input */
		if (cf && cur_exact && !cf->count && cf->nulls == 0 && cur->rows > 0)
			cf = NULL;
		if ((ret = field_check(r, base, bf, cur, cf, o, cur_exact, &max_psi, &warned)))
			return ret;
	}
	for (size_t j = 0; j < cur->nr_fields; j++) {
		int found = 0;
		for (size_t i = 0; i < base->nr_fields && !found; i++)
			found = !strcmp(cur->fields[j].name, base->fields[i].name);
		if (!found) {
			char id[512];
			snprintf(id, sizeof(id), "drift.%s", cur->fields[j].name);
			/* a field the baseline never saw was not checked: not a pass */
			struct qg_check *c = qg_result_add_check(r, id, o->allow_new_fields ? QG_STATUS_SKIP : QG_STATUS_FAIL,
								 o->allow_new_fields ? "field '%s' is not in the baseline (--allow-new-fields)"
										     : "field '%s' is not in the baseline",
								 cur->fields[j].name);
			if (!c)
				return QG_ENOMEM;
			if (!o->allow_new_fields)
				qg_check_set_count(c, 1);
		}
	}
	m = qg_json_add_object(r->metrics, "drift");
	if (!m || !qg_json_add_number(m, "fields", (double)base->nr_fields) ||
	    !qg_json_add_number(m, "max_psi", max_psi) || !qg_json_add_number(m, "warnings", (double)warned) ||
	    !qg_json_add_number(m, "baseline_rows", (double)base->rows) ||
	    !qg_json_add_number(m, "current_rows", (double)cur->rows))
		return QG_ENOMEM;
	return 0;
}
