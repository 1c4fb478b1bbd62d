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
 * Above --bootstrap-rows rows a replicate would cost a pass over millions of
 * rows (1000 of them: minutes), so the replicates resample a subsample of m
 * rows drawn once (stratified by label, at least MODEL_BOOT_MIN_STRATUM rows
 * of the rarest class) and each replicate value is mapped back to n rows:
 * v + sqrt(m/n) (v* - v_m), the m-out-of-n bootstrap, valid for metrics that
 * are asymptotically normal. Replicates of count metrics sum the weights per
 * confusion cell, and log_loss and brier sum per-row terms computed once,
 * so no replicate takes a logarithm; the values are the same numbers the
 * weighted metrics of metrics.c give. A progress line goes to stderr when
 * the caller asks (a terminal).
 *
 * Generator: xoshiro256** (Blackman and Vigna), state seeded from splitmix64
 * of --seed; bounded draws by Lemire's method (64x64->128 multiply, reject
 * the low part below 2^64 mod n), all integer, hence identical everywhere.
 */
#include "qgate/common.h"

#include <float.h>
#include <math.h>
#include <time.h>

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
	size_t npos, nneg;
	/* the two lists merged, by score descending, positives first within a
	 * tie: row index, and flags RANK_POS (a positive) and RANK_END (the last
	 * row of its score: a threshold of the curve ends there) */
	uint32_t *midx;
	uint8_t *mflag;
};

enum { RANK_POS = 1, RANK_END = 2 };

/* y: 0/1 labels, score: n scores (binary, or one class's column) */
static int rank_prepare_arrays(struct rank_prep *rp, const uint8_t *y, const double *score, size_t n)
{
	size_t np_ = 0, nn = 0;
	memset(rp, 0, sizeof(*rp));
	rp->idx = malloc((n ? n : 1) * sizeof(*rp->idx));
	rp->sorted = malloc((n ? n : 1) * sizeof(*rp->sorted));
	if (!rp->idx || !rp->sorted)
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
	/* the merge of model_rank_metrics, done once */
	rp->midx = malloc((n ? n : 1) * sizeof(*rp->midx));
	rp->mflag = malloc(n ? n : 1);
	if (!rp->midx || !rp->mflag)
		return qg_error(QG_ENOMEM, "out of memory");
	{
		const double *pos = rp->sorted, *neg = rp->sorted + np_;
		size_t i = 0, j = 0, k = 0;
		while (i < np_ || j < nn) {
			double t = i < np_ && (j >= nn || pos[i] >= neg[j]) ? pos[i] : neg[j];
			while (i < np_ && pos[i] == t) {
				rp->midx[k] = rp->idx[i++];
				rp->mflag[k++] = RANK_POS;
			}
			while (j < nn && neg[j] == t) {
				rp->midx[k] = rp->idx[np_ + j++];
				rp->mflag[k++] = 0;
			}
			rp->mflag[k - 1] |= RANK_END;
		}
	}
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
	free(rp->midx);
	free(rp->mflag);
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

/* roc_auc or average_precision of one replicate: model_rank_metrics's
 * walk over the thresholds (the same sums in the same order, hence the same
 * numbers) along the merged order, one pass and only the metric asked for. */
static double rank_auc(const struct rank_prep *rp, const uint32_t *w, uint64_t *P)
{
	size_t n = rp->npos + rp->nneg;
	const uint32_t *midx = rp->midx;
	const uint8_t *mflag = rp->mflag;
	uint64_t tp = 0, fp = 0, tp_prev = 0, fp_prev = 0;
	model_u128b area2 = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t wk = w[midx[k]], pos = mflag[k] & RANK_POS;
		tp += pos ? wk : 0;
		fp += pos ? 0 : wk;
		if (mflag[k] & RANK_END) {
			area2 += (model_u128b)(fp - fp_prev) * (tp + tp_prev);
			tp_prev = tp;
			fp_prev = fp;
		}
	}
	*P = tp;
	return tp && fp ? (double)area2 / (2.0 * (double)tp * (double)fp) : NAN;
}

static double rank_metric(struct rank_prep *rp, const uint32_t *w, enum qg_metric m)
{
	size_t n = rp->npos + rp->nneg;
	const uint32_t *midx = rp->midx;
	const uint8_t *mflag = rp->mflag;
	uint64_t tp = 0, fp = 0, tp_prev = 0, fp_prev = 0, P = 0;

	if (m == QG_M_ROC_AUC)
		return rank_auc(rp, w, &P);
	{
		struct model_ksum ap = { 0, 0 };
		for (size_t i = 0; i < rp->npos; i++)
			P += w[rp->idx[i]];
		if (!P)
			return NAN;
		for (size_t k = 0; k < n; k++) {
			uint64_t wk = w[midx[k]], pos = mflag[k] & RANK_POS;
			tp += pos ? wk : 0;
			fp += pos ? 0 : wk;
			if ((mflag[k] & RANK_END) && (tp != tp_prev || fp != fp_prev)) {
				if (tp != tp_prev)
					model_ksum_add(&ap, ((double)tp / (double)P - (double)tp_prev / (double)P) *
							      ((double)tp / (double)(tp + fp)));
				tp_prev = tp;
				fp_prev = fp;
			}
		}
		return model_ksum_get(&ap);
	}
}

/* roc_auc_ovr (macro) or roc_auc_ovr_weighted of one replicate; NaN when a
 * class has no row in it (sklearn refuses that data). */
static double ovr_metric(struct ovr_prep *op, const uint32_t *w, enum qg_metric m)
{
	uint64_t total = 0;
	for (size_t c = 0; c < op->k; c++) {
		uint64_t P;
		op->auc[c] = rank_auc(&op->cls[c], w, &P);
		if (isnan(op->auc[c]))
			return NAN; /* no row of the class, or of the rest */
		op->prod[c] = op->auc[c] * (double)P;
		total += P;
	}
	if (m == QG_M_ROC_AUC_OVR)
		return model_sum(op->auc, op->k) / (double)op->k;
	return model_sum(op->prod, op->k) / (double)total;
}

/* ---- the subsample (m-out-of-n) ---- */

/* Strata of the stratified subsample: the label classes (one stratum for a
 * regression). */
static size_t strata(const struct qg_model_view *v)
{
	return v->task == QG_TASK_BINARY ? 2 : v->task == QG_TASK_MULTICLASS ? (v->k ? v->k : 1) : 1;
}

static inline size_t stratum_of(const struct qg_model_view *v, size_t i)
{
	return v->task == QG_TASK_BINARY ? v->ybin[i] : v->task == QG_TASK_MULTICLASS ? (size_t)v->ycls[i] : 0;
}

static int stratum_counts(uint64_t **out, const struct qg_model_view *v)
{
	size_t ns = strata(v);
	uint64_t *cnt = calloc(ns, sizeof(*cnt));
	if (!cnt)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->n; i++)
		cnt[stratum_of(v, i)]++;
	*out = cnt;
	return 0;
}

size_t model_bootstrap_rows(const struct qg_model_view *v, size_t max_rows)
{
	size_t n = v->n, ns = strata(v);
	uint64_t *cnt = NULL, nmin = n;
	model_u128b want;

	if (!max_rows || n <= max_rows)
		return n;
	if (stratum_counts(&cnt, v))
		return n; /* out of memory: the full bootstrap (fails there too) */
	for (size_t c = 0; c < ns; c++)
		if (cnt[c] && cnt[c] < nmin)
			nmin = cnt[c];
	free(cnt);
	/* at least MODEL_BOOT_MIN_STRATUM rows of the rarest class */
	want = ((model_u128b)n * MODEL_BOOT_MIN_STRATUM + nmin - 1) / nmin;
	if (want < max_rows)
		want = max_rows;
	return want >= n ? n : (size_t)want;
}

/* *rows: about `target` distinct row indices in increasing order, every
 * class kept in its proportion (round(n_c * target / n) of class c), drawn
 * by sequential selection (Knuth's algorithm S) per stratum, in integers. */
static int subsample_rows(uint32_t **rows_out, size_t *m_out, const struct qg_model_view *v, size_t target,
			  struct qg_rng *rng)
{
	size_t n = v->n, ns = strata(v), m = 0, j = 0;
	uint64_t *left = NULL, *need = calloc(ns, sizeof(*need));
	uint32_t *rows = NULL;
	int ret;

	*rows_out = NULL;
	if (!need)
		return qg_error(QG_ENOMEM, "out of memory");
	if ((ret = stratum_counts(&left, v)))
		goto done;
	for (size_t c = 0; c < ns; c++) {
		need[c] = (uint64_t)(((model_u128b)left[c] * target + n / 2) / n);
		m += need[c];
	}
	rows = malloc((m ? m : 1) * sizeof(*rows));
	if (!rows) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n && j < m; i++) {
		size_t c = stratum_of(v, i);
		if (need[c] && model_rng_below(rng, left[c]) < need[c]) {
			rows[j++] = (uint32_t)i;
			need[c]--;
		}
		left[c]--;
	}
	*rows_out = rows;
	*m_out = j;
	rows = NULL;
done:
	free(rows);
	free(left);
	free(need);
	return ret;
}

/* dst: the rows[0..m) of src, owned copies */
static int view_subset(struct qg_model_view *dst, const struct qg_model_view *src, const uint32_t *rows, size_t m)
{
	size_t k = src->task == QG_TASK_MULTICLASS && src->k ? src->k : 1;

	memset(dst, 0, sizeof(*dst));
	dst->task = src->task;
	dst->k = src->k;
	dst->n = m;
	dst->threshold = src->threshold;
	dst->owned = 1;
#define SUBSET(field, mult)                                                                     \
	do {                                                                                    \
		if (src->field) {                                                               \
			dst->field = malloc((m ? m : 1) * (mult) * sizeof(*dst->field));         \
			if (!dst->field)                                                        \
				return qg_error(QG_ENOMEM, "out of memory");                    \
			for (size_t j = 0; j < m; j++)                                          \
				memcpy(dst->field + j * (mult), src->field + (size_t)rows[j] * (mult), \
				       (mult) * sizeof(*dst->field));                           \
		}                                                                               \
	} while (0)
	SUBSET(ybin, 1);
	SUBSET(pbin, 1);
	SUBSET(ycls, 1);
	SUBSET(pcls, 1);
	SUBSET(yreg, 1);
	SUBSET(preg, 1);
	SUBSET(score, k);
#undef SUBSET
	return 0;
}

/* ---- progress on a terminal ---- */

struct progress {
	const char *label; /* NULL: silent */
	size_t total, rows, of;
	double last;
	int shown;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "\rqgate-model: bootstrap roc_auc 340/1000 ...", at most five times a
 * second, the first after 0.2 s (a short bootstrap prints nothing); control
 * characters of the label (a slice value from the data) are shown as '?' */
static void progress_tick(struct progress *p, size_t done)
{
	double t;
	if (!p->label || (done & 7))
		return;
	t = now_s();
	if (t - p->last < 0.2)
		return;
	p->last = t;
	p->shown = 1;
	fputs("\rqgate-model: bootstrap ", stderr);
	for (const char *s = p->label; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stderr);
	fprintf(stderr, " %zu/%zu", done, p->total);
	if (p->rows < p->of)
		fprintf(stderr, " (subsample of %zu of %zu rows)", p->rows, p->of);
	fputs("\033[K", stderr);
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

/* ---- the replicates ---- */

/* What a replicate recomputes of the metrics that need neither a sort nor a
 * logarithm per replicate: confusion-count metrics are taken from the
 * predicted classes alone (no probability, hence no log per row), log_loss
 * and brier are weighted means of per-row terms computed once. The sums are
 * the ones metrics.c takes with weights (Neumaier, w_i * term_i in row
 * order), so a replicate's value is the same number as before. */
enum fast_kind { FAST_NONE, FAST_COUNTS, FAST_TERMS };
enum { FAST_MAX_K = 64 };      /* multiclass log_loss terms: classes held on the stack */
enum { FAST_MAX_CELLK = 256 }; /* multiclass counts: at most 65536 confusion cells */

struct fast_prep {
	enum fast_kind kind;
	uint32_t *cell;   /* counts: row i's confusion cell, y * k + pred */
	size_t ncell;     /* k * k (binary: 4) */
	uint32_t *cw;     /* a replicate's weight in each cell */
	uint8_t *ybin, *pbin; /* the cells as rows: true and predicted class */
	int32_t *ycls, *pcls;
	double *term;     /* terms: per-row log loss or squared error */
};

static enum fast_kind fast_kind_of(const struct qg_model_view *v, enum qg_metric m)
{
	switch (m) {
	case QG_M_ACCURACY:
	case QG_M_PRECISION:
	case QG_M_RECALL:
	case QG_M_F1:
	case QG_M_BALANCED_ACCURACY:
	case QG_M_MCC:
	case QG_M_F1_MACRO:
	case QG_M_F1_MICRO:
	case QG_M_F1_WEIGHTED:
	case QG_M_PRECISION_MACRO:
	case QG_M_RECALL_MACRO:
		return v->task == QG_TASK_BINARY || (v->task == QG_TASK_MULTICLASS && v->k <= FAST_MAX_CELLK) ? FAST_COUNTS
										 : FAST_NONE;
	case QG_M_LOG_LOSS:
		return v->score && (v->task == QG_TASK_BINARY || v->k <= FAST_MAX_K) ? FAST_TERMS : FAST_NONE;
	case QG_M_BRIER:
		return v->task == QG_TASK_BINARY && v->score ? FAST_TERMS : FAST_NONE;
	default:
		return FAST_NONE;
	}
}

static void fast_release(struct fast_prep *f)
{
	free(f->cell);
	free(f->cw);
	free(f->ybin);
	free(f->pbin);
	free(f->ycls);
	free(f->pcls);
	free(f->term);
	memset(f, 0, sizeof(*f));
}

static int fast_prepare(struct fast_prep *f, const struct qg_model_view *v, enum qg_metric m)
{
	const double eps = DBL_EPSILON;
	size_t n = v->n, k = v->k ? v->k : 1;

	memset(f, 0, sizeof(*f));
	f->kind = fast_kind_of(v, m);
	if (f->kind == FAST_COUNTS) {
		/* a replicate's confusion matrix is the weights summed per cell;
		 * the metric is then taken on the cells as rows weighted by them */
		size_t kk = v->task == QG_TASK_BINARY ? 2 : k;
		f->ncell = kk * kk;
		f->cell = malloc((n ? n : 1) * sizeof(*f->cell));
		f->cw = malloc(f->ncell * sizeof(*f->cw));
		if (v->task == QG_TASK_BINARY) {
			f->ybin = malloc(f->ncell);
			f->pbin = malloc(f->ncell);
		} else {
			f->ycls = malloc(f->ncell * sizeof(*f->ycls));
			f->pcls = malloc(f->ncell * sizeof(*f->pcls));
		}
		if (!f->cell || !f->cw || (!(f->ybin && f->pbin) && !(f->ycls && f->pcls)))
			return qg_error(QG_ENOMEM, "out of memory");
		for (size_t c = 0; c < f->ncell; c++) {
			if (f->ybin) {
				f->ybin[c] = (uint8_t)(c / kk);
				f->pbin[c] = (uint8_t)(c % kk);
			} else {
				f->ycls[c] = (int32_t)(c / kk);
				f->pcls[c] = (int32_t)(c % kk);
			}
		}
		for (size_t i = 0; i < n; i++) {
			if (v->task == QG_TASK_BINARY)
				f->cell[i] = (uint32_t)v->ybin[i] * 2 +
					     (v->pbin ? v->pbin[i] : (uint32_t)(v->score[i] >= v->threshold));
			else
				f->cell[i] = (uint32_t)v->ycls[i] * (uint32_t)kk + (uint32_t)v->pcls[i];
		}
		return 0;
	}
	if (f->kind != FAST_TERMS)
		return 0;
	if (!(f->term = malloc((n ? n : 1) * sizeof(*f->term))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (v->task == QG_TASK_BINARY) {
			/* as model_binary_metrics: clip, renormalise, -log */
			double p = v->score[i], pc = p < eps ? eps : (p > 1 - eps ? 1 - eps : p);
			double s = (1 - pc) + pc, d = (double)v->ybin[i] - p;
			f->term[i] = m == QG_M_BRIER ? d * d : -log(v->ybin[i] ? pc / s : (1 - pc) / s);
		} else {
			/* as model_multiclass_metrics */
			const double *r = v->score + i * k;
			double row[FAST_MAX_K], sum;
			for (size_t c = 0; c < k; c++)
				row[c] = r[c] < eps ? eps : (r[c] > 1 - eps ? 1 - eps : r[c]);
			sum = model_row_sum(row, k);
			f->term[i] = -log(row[v->ycls[i]] / sum);
		}
	}
	return 0;
}

/* One replicate's value from the prepared terms; NaN where the full
 * computation says undefined. */
static int fast_value(double *out, const struct fast_prep *f, const struct qg_model_view *v, enum qg_metric m,
		      const uint32_t *w)
{
	struct qg_metric_values mv;
	int ret;

	if (f->kind == FAST_COUNTS) {
		memset(f->cw, 0, f->ncell * sizeof(*f->cw));
		for (size_t i = 0; i < v->n; i++)
			f->cw[f->cell[i]] += w[i];
		if (f->ybin)
			ret = model_binary_metrics(&mv, f->ybin, f->pbin, NULL, f->ncell, v->threshold, f->cw, QG_MB_NO_RANK);
		else
			ret = model_multiclass_metrics(&mv, f->ycls, f->pcls, NULL, f->ncell, v->k, f->cw, QG_MB_NO_RANK);
		*out = mv.value[m];
		return ret;
	}
	{
		struct model_ksum sum = { 0, 0 };
		uint64_t total = 0, npos = 0;
		size_t k = v->k ? v->k : 1, nclass = 0;
		uint64_t seen[FAST_MAX_K] = { 0 };
		for (size_t i = 0; i < v->n; i++) {
			uint64_t wi = w[i];
			if (!wi)
				continue;
			total += wi;
			if (v->task == QG_TASK_BINARY)
				npos += v->ybin[i] ? wi : 0;
			else
				seen[v->ycls[i]] += wi;
			model_ksum_add(&sum, (double)wi * f->term[i]);
		}
		if (v->task == QG_TASK_MULTICLASS)
			for (size_t c = 0; c < k; c++)
				nclass += seen[c] != 0;
		if (!total || (m == QG_M_LOG_LOSS && (v->task == QG_TASK_BINARY ? (npos == 0 || npos == total) : nclass < 2)))
			*out = NAN;
		else
			*out = model_ksum_get(&sum) / (double)total;
	}
	return 0;
}

/* cval/bval[b]: the metric of each model on replicate b (NaN when undefined) */
static int run_replicates(double *cval, double *bval, const struct qg_model_view *cand,
			  const struct qg_model_view *base, enum qg_metric metric, size_t replicates,
			  struct qg_rng *rng, struct progress *pg)
{
	size_t n = cand->n;
	uint32_t *w = malloc((n ? n : 1) * sizeof(*w));
	struct rank_prep rc, rb;
	struct ovr_prep oc, ob;
	struct fast_prep fc, fb;
	int ranking = metric == QG_M_ROC_AUC || metric == QG_M_AVERAGE_PRECISION;
	int ovr = metric == QG_M_ROC_AUC_OVR || metric == QG_M_ROC_AUC_OVR_WEIGHTED;
	int ret = 0;

	memset(&fc, 0, sizeof(fc));
	memset(&fb, 0, sizeof(fb));
	memset(&rc, 0, sizeof(rc));
	memset(&rb, 0, sizeof(rb));
	memset(&oc, 0, sizeof(oc));
	memset(&ob, 0, sizeof(ob));
	if (!w) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (ranking && ((ret = rank_prepare(&rc, cand)) || (ret = rank_prepare(&rb, base))))
		goto done;
	if (ovr && ((ret = ovr_prepare(&oc, cand)) || (ret = ovr_prepare(&ob, base))))
		goto done;
	if (!ranking && !ovr && ((ret = fast_prepare(&fc, cand, metric)) || (ret = fast_prepare(&fb, base, metric))))
		goto done;
	for (size_t b = 0; b < replicates; b++) {
		memset(w, 0, n * sizeof(*w));
		for (size_t i = 0; i < n; i++)
			w[model_rng_below(rng, n)]++;
		if (ranking) {
			cval[b] = rank_metric(&rc, w, metric);
			bval[b] = rank_metric(&rb, w, metric);
		} else if (ovr) {
			cval[b] = ovr_metric(&oc, w, metric);
			bval[b] = ovr_metric(&ob, w, metric);
		} else if (fc.kind != FAST_NONE && fb.kind != FAST_NONE) {
			if ((ret = fast_value(&cval[b], &fc, cand, metric, w)) ||
			    (ret = fast_value(&bval[b], &fb, base, metric, w)))
				goto done;
		} else {
			struct qg_metric_values vc, vb;
			if ((ret = model_view_metrics(&vc, cand, w, QG_MB_NO_RANK)) ||
			    (ret = model_view_metrics(&vb, base, w, QG_MB_NO_RANK)))
				goto done;
			cval[b] = vc.value[metric];
			bval[b] = vb.value[metric];
		}
		progress_tick(pg, b + 1);
	}
done:
	free(w);
	rank_release(&rc);
	rank_release(&rb);
	ovr_release(&oc);
	ovr_release(&ob);
	fast_release(&fc);
	fast_release(&fb);
	return ret;
}

int model_bootstrap(struct qg_boot_result *out, const struct qg_model_view *cand,
		       const struct qg_model_view *base, enum qg_metric metric, const struct qg_boot_opts *o)
{
	size_t n = cand->n, B = o->replicates, m = n, target, got = 0;
	double *cval = malloc((B ? B : 1) * sizeof(*cval)), *bval = malloc((B ? B : 1) * sizeof(*bval));
	double *deltas = malloc((B ? B : 1) * sizeof(*deltas)), *margins = malloc((B ? B : 1) * sizeof(*margins));
	double scale = 1, c0 = NAN, b0 = NAN;
	const struct qg_model_view *vc = cand, *vb = base;
	struct qg_model_view sc, sb;
	struct progress pg;
	struct qg_rng rng;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	memset(&sc, 0, sizeof(sc));
	memset(&sb, 0, sizeof(sb));
	if (!cval || !bval || !deltas || !margins) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	model_rng_seed(&rng, o->seed);
	target = model_bootstrap_rows(cand, o->max_rows);
	if (target < n && !isnan(o->cand_value) && !isnan(o->base_value)) {
		struct qg_metric_values mc, mb;
		uint32_t *rows = NULL;
		if ((ret = subsample_rows(&rows, &m, cand, target, &rng)))
			goto done;
		if (!(ret = view_subset(&sc, cand, rows, m)))
			ret = view_subset(&sb, base, rows, m);
		free(rows);
		if (ret || (ret = model_view_metrics(&mc, &sc, NULL, 0)) || (ret = model_view_metrics(&mb, &sb, NULL, 0)))
			goto done;
		c0 = mc.value[metric];
		b0 = mb.value[metric];
		if (!isnan(c0) && !isnan(b0)) {
			vc = &sc;
			vb = &sb;
			scale = sqrt((double)m / (double)n);
		} else {
			m = n; /* undefined on the subsample: every row (never seen with the class floor) */
		}
	}
	pg.label = o->progress;
	pg.total = B;
	pg.rows = m;
	pg.of = n;
	pg.last = now_s();
	pg.shown = 0;
	ret = run_replicates(cval, bval, vc, vb, metric, B, &rng, &pg);
	progress_end(&pg);
	if (ret)
		goto done;
	for (size_t b = 0; b < B; b++) {
		double c = cval[b], bv = bval[b];
		if (isnan(c) || isnan(bv))
			continue; /* e.g. a resample with one class: no AUC */
		if (vc != cand) {
			/* m-out-of-n: the deviation from the subsample's value, shrunk
			 * to what it is on n rows, around the value on every row */
			c = o->cand_value + scale * (c - c0);
			bv = o->base_value + scale * (bv - b0);
		}
		deltas[got] = c - bv;
		margins[got] = o->margin(o->ctx, c, bv);
		out->margin_ok += o->ok(o->ctx, margins[got]) ? 1 : 0;
		got++;
	}
	out->replicates = got;
	out->rows = vc->n;
	out->scale = scale;
	out->subsample = vc != cand;
	qsort(deltas, got, sizeof(*deltas), cmp_double);
	qsort(margins, got, sizeof(*margins), cmp_double);
	out->delta_lo = model_quantile_sorted(deltas, got, o->alpha / 2);
	out->delta_hi = model_quantile_sorted(deltas, got, 1 - o->alpha / 2);
	out->margin_lo = model_quantile_sorted(margins, got, o->alpha / 2);
	out->margin_hi = model_quantile_sorted(margins, got, 1 - o->alpha / 2);
done:
	free(cval);
	free(bval);
	free(deltas);
	free(margins);
	model_view_release(&sc);
	model_view_release(&sb);
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
