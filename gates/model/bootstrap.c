/* bootstrap.c -- paired bootstrap over rows, and McNemar's test
 *
 * A replicate draws n row indices with replacement and turns them into
 * per-row counts; every metric then has a weighted form (metrics.c), so a
 * replicate costs O(n) and never copies rows. For the ranking metrics the
 * rows are sorted by score once per model; a replicate only gathers the
 * counts into that order. Both models see the same counts (paired), so the
 * interval is about their difference on the same population, which is much
 * narrower than two independent intervals.
 *
 * Generator: xoshiro256** (Blackman and Vigna), state seeded from splitmix64
 * of --seed; bounded draws by Lemire's method (64x64->128 multiply, reject
 * the low part below 2^64 mod n), all integer, hence identical everywhere.
 */
#include "qgate/common.h"

#include <math.h>

#include "bootstrap.h"

__extension__ typedef unsigned __int128 model_u128b;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void model_rng_seed(struct qg_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t model_rng_next(struct qg_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t model_rng_below(struct qg_rng *r, uint64_t n)
{
	model_u128b m = (model_u128b)model_rng_next(r) * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = (0 - n) % n;
		while (l < t) {
			m = (model_u128b)model_rng_next(r) * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

void model_view_release(struct qg_model_view *v)
{
	if (!v)
		return;
	if (v->owned) {
		free(v->ybin);
		free(v->pbin);
		free(v->ycls);
		free(v->pcls);
		free(v->yreg);
		free(v->preg);
		free(v->score);
	}
	memset(v, 0, sizeof(*v));
}

int model_view_metrics(struct qg_metric_values *out, const struct qg_model_view *v, const uint32_t *w,
			  unsigned flags)
{
	switch (v->task) {
	case QG_TASK_BINARY:
		return model_binary_metrics(out, v->ybin, v->pbin, v->score, v->n, v->threshold, w, flags);
	case QG_TASK_MULTICLASS:
		return model_multiclass_metrics(out, v->ycls, v->pcls, v->score, v->n, v->k, w, flags);
	case QG_TASK_REGRESSION:
		return model_regression_metrics(out, v->yreg, v->preg, v->n, w);
	}
	return qg_error(QG_ERROR, "unknown task");
}

double model_quantile_sorted(const double *a, size_t n, double q)
{
	double pos, frac;
	size_t lo;
	if (!n)
		return NAN;
	pos = q * (double)(n - 1);
	lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return a[n - 1];
	frac = pos - (double)lo;
	return a[lo] + (a[lo + 1] - a[lo]) * frac;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* Sorted-by-score orders for the ranking metrics of one model. */
struct rank_prep {
	uint32_t *idx; /* positives then negatives, each by score descending */
	double *sorted;
	uint32_t *w;
	size_t npos, nneg;
};

/* y: 0/1 labels, score: n scores (binary, or one class's column) */
static int rank_prepare_arrays(struct rank_prep *rp, const uint8_t *y, const double *score, size_t n)
{
	size_t np_ = 0, nn = 0;
	memset(rp, 0, sizeof(*rp));
	rp->idx = malloc((n ? n : 1) * sizeof(*rp->idx));
	rp->sorted = malloc((n ? n : 1) * sizeof(*rp->sorted));
	rp->w = malloc((n ? n : 1) * sizeof(*rp->w));
	if (!rp->idx || !rp->sorted || !rp->w)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (y[i])
			rp->idx[np_++] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		if (!y[i])
			rp->idx[np_ + nn++] = (uint32_t)i;
	if (model_sort_index_desc(rp->idx, np_, score) || model_sort_index_desc(rp->idx + np_, nn, score))
		return QG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		rp->sorted[i] = score[rp->idx[i]];
	rp->npos = np_;
	rp->nneg = nn;
	return 0;
}

static int rank_prepare(struct rank_prep *rp, const struct qg_model_view *v)
{
	return rank_prepare_arrays(rp, v->ybin, v->score, v->n);
}

static void rank_release(struct rank_prep *rp)
{
	free(rp->idx);
	free(rp->sorted);
	free(rp->w);
}

/* One-vs-rest: one rank_prep per class (class c against the rest). */
struct ovr_prep {
	struct rank_prep *cls;
	size_t k;
	double *auc, *prod;
};

static void ovr_release(struct ovr_prep *op)
{
	for (size_t c = 0; op->cls && c < op->k; c++)
		rank_release(&op->cls[c]);
	free(op->cls);
	free(op->auc);
	free(op->prod);
	memset(op, 0, sizeof(*op));
}

static int ovr_prepare(struct ovr_prep *op, const struct qg_model_view *v)
{
	size_t n = v->n, k = v->k;
	uint8_t *y = malloc(n ? n : 1);
	double *col = malloc((n ? n : 1) * sizeof(*col));
	int ret = 0;

	memset(op, 0, sizeof(*op));
	op->cls = calloc(k ? k : 1, sizeof(*op->cls));
	op->auc = malloc((k ? k : 1) * sizeof(*op->auc));
	op->prod = malloc((k ? k : 1) * sizeof(*op->prod));
	if (!y || !col || !op->cls || !op->auc || !op->prod) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	op->k = k;
	for (size_t c = 0; c < k && !ret; c++) {
		for (size_t i = 0; i < n; i++) {
			y[i] = v->ycls[i] == (int32_t)c;
			col[i] = v->score[i * k + c];
		}
		ret = rank_prepare_arrays(&op->cls[c], y, col, n);
	}
done:
	free(y);
	free(col);
	return ret;
}

static double rank_metric(struct rank_prep *rp, const uint32_t *w, enum qg_metric m)
{
	double auc, ap;
	uint64_t P = 0, N = 0;
	for (size_t i = 0; i < rp->npos + rp->nneg; i++) {
		rp->w[i] = w[rp->idx[i]];
		if (i < rp->npos)
			P += rp->w[i];
		else
			N += rp->w[i];
	}
	model_rank_metrics(&auc, &ap, rp->sorted, rp->w, rp->npos, rp->sorted + rp->npos, rp->w + rp->npos,
			      rp->nneg);
	if (m == QG_M_ROC_AUC)
		return (P && N) ? auc : NAN;
	return P ? ap : NAN;
}

/* roc_auc_ovr (macro) or roc_auc_ovr_weighted of one replicate; NaN when a
 * class has no row in it (sklearn refuses that data). */
static double ovr_metric(struct ovr_prep *op, const uint32_t *w, enum qg_metric m)
{
	uint64_t total = 0;
	for (size_t c = 0; c < op->k; c++) {
		struct rank_prep *rp = &op->cls[c];
		uint64_t P = 0;
		double ap;
		for (size_t i = 0; i < rp->npos + rp->nneg; i++) {
			rp->w[i] = w[rp->idx[i]];
			if (i < rp->npos)
				P += rp->w[i];
		}
		if (!P)
			return NAN;
		model_rank_metrics(&op->auc[c], &ap, rp->sorted, rp->w, rp->npos, rp->sorted + rp->npos,
				      rp->w + rp->npos, rp->nneg);
		if (isnan(op->auc[c]))
			return NAN;
		op->prod[c] = op->auc[c] * (double)P;
		total += P;
	}
	if (m == QG_M_ROC_AUC_OVR)
		return model_sum(op->auc, op->k) / (double)op->k;
	return model_sum(op->prod, op->k) / (double)total;
}

int model_bootstrap(struct qg_boot_result *out, const struct qg_model_view *cand,
		       const struct qg_model_view *base, enum qg_metric metric, size_t replicates,
		       uint64_t seed, double alpha, model_margin_fn margin, model_margin_ok_fn ok, const void *ctx)
{
	size_t n = cand->n, got = 0;
	uint32_t *w = malloc((n ? n : 1) * sizeof(*w));
	double *deltas = malloc((replicates ? replicates : 1) * sizeof(*deltas));
	double *margins = malloc((replicates ? replicates : 1) * sizeof(*margins));
	struct rank_prep rc, rb;
	struct ovr_prep oc, ob;
	int ranking = metric == QG_M_ROC_AUC || metric == QG_M_AVERAGE_PRECISION;
	int ovr = metric == QG_M_ROC_AUC_OVR || metric == QG_M_ROC_AUC_OVR_WEIGHTED;
	struct qg_rng rng;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	memset(&rc, 0, sizeof(rc));
	memset(&rb, 0, sizeof(rb));
	memset(&oc, 0, sizeof(oc));
	memset(&ob, 0, sizeof(ob));
	if (!w || !deltas || !margins) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (ranking && ((ret = rank_prepare(&rc, cand)) || (ret = rank_prepare(&rb, base))))
		goto done;
	if (ovr && ((ret = ovr_prepare(&oc, cand)) || (ret = ovr_prepare(&ob, base))))
		goto done;
	model_rng_seed(&rng, seed);
	for (size_t b = 0; b < replicates; b++) {
		double c, bv;
		memset(w, 0, n * sizeof(*w));
		for (size_t i = 0; i < n; i++)
			w[model_rng_below(&rng, n)]++;
		if (ranking) {
			c = rank_metric(&rc, w, metric);
			bv = rank_metric(&rb, w, metric);
		} else if (ovr) {
			c = ovr_metric(&oc, w, metric);
			bv = ovr_metric(&ob, w, metric);
		} else {
			struct qg_metric_values vc, vb;
			if ((ret = model_view_metrics(&vc, cand, w, QG_MB_NO_RANK)) ||
			    (ret = model_view_metrics(&vb, base, w, QG_MB_NO_RANK)))
				goto done;
			c = vc.value[metric];
			bv = vb.value[metric];
		}
		if (isnan(c) || isnan(bv))
			continue; /* e.g. a resample with one class: no AUC */
		deltas[got] = c - bv;
		margins[got] = margin(ctx, c, bv);
		out->margin_ok += ok(ctx, margins[got]) ? 1 : 0;
		got++;
	}
	out->replicates = got;
	qsort(deltas, got, sizeof(*deltas), cmp_double);
	qsort(margins, got, sizeof(*margins), cmp_double);
	out->delta_lo = model_quantile_sorted(deltas, got, alpha / 2);
	out->delta_hi = model_quantile_sorted(deltas, got, 1 - alpha / 2);
	out->margin_lo = model_quantile_sorted(margins, got, alpha / 2);
	out->margin_hi = model_quantile_sorted(margins, got, 1 - alpha / 2);
done:
	free(w);
	free(deltas);
	free(margins);
	rank_release(&rc);
	rank_release(&rb);
	ovr_release(&oc);
	ovr_release(&ob);
	return ret;
}

double model_mcnemar_p(uint64_t b, uint64_t c, int *exact)
{
	uint64_t n = b + c, k = b < c ? b : c;
	if (n == 0) {
		*exact = 1;
		return 1.0;
	}
	if (n < 25) {
		/* two-sided exact binomial: 2 * P(X <= min(b, c)), X ~ Bin(n, 1/2) */
		double term = ldexp(1.0, -(int)n), sum = 0; /* C(n,0) / 2^n */
		for (uint64_t i = 0; i <= k; i++) {
			sum += term;
			term = term * (double)(n - i) / (double)(i + 1);
		}
		*exact = 1;
		return fmin(1.0, 2 * sum);
	}
	{
		double d = fabs((double)b - (double)c) - 1;
		double chi2 = d > 0 ? d * d / (double)n : 0;
		*exact = 0;
		return erfc(sqrt(chi2 / 2)); /* survival function of chi-square, 1 df */
	}
}
