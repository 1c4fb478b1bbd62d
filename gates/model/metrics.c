/* metrics.c -- classification and regression metrics, equal to sklearn 1.2.1
 *
 * The formulas follow scikit-learn 1.2.1 line by line where the order of
 * floating-point operations matters: means are numpy's sums (pairwise within
 * blocks of 8192 elements, the blocks added in order, see model_sum) divided
 * by n; f1 is 2*P*R/(P+R) with zero_division=0; log_loss clips to
 * [eps, 1-eps] with eps = DBL_EPSILON (np.finfo(float64).eps, what
 * eps="auto" means in 1.2.1) and then renormalises each row; mape divides by
 * max(|y|, eps). Ranking metrics (roc_auc, average_precision) are computed
 * from the scores of each class sorted in descending order and merged over
 * distinct thresholds, with tied scores forming one step, which is what
 * sklearn's _binary_clf_curve does. ROC AUC is accumulated in exact integer
 * arithmetic (twice the trapezoid area over the counts) and divided once.
 *
 * With bootstrap weights the same formulas are taken with each row counted
 * w[i] times, in ordinary compensated sums: those numbers feed intervals, not
 * the point values that must equal sklearn.
 */
#include "qgate/common.h"

#include <float.h>
#include <math.h>

#include "metrics.h"

__extension__ typedef unsigned __int128 model_u128;

const struct qg_metric_info model_metric_infos[QG_M_COUNT] = {
	[QG_M_ACCURACY] = { "accuracy", QG_TASK_BINARY | QG_TASK_MULTICLASS, 1 },
	[QG_M_PRECISION] = { "precision", QG_TASK_BINARY, 1 },
	[QG_M_RECALL] = { "recall", QG_TASK_BINARY, 1 },
	[QG_M_F1] = { "f1", QG_TASK_BINARY, 1 },
	[QG_M_ROC_AUC] = { "roc_auc", QG_TASK_BINARY, 1 },
	[QG_M_AVERAGE_PRECISION] = { "average_precision", QG_TASK_BINARY, 1 },
	[QG_M_LOG_LOSS] = { "log_loss", QG_TASK_BINARY | QG_TASK_MULTICLASS, -1 },
	[QG_M_BRIER] = { "brier", QG_TASK_BINARY, -1 },
	[QG_M_ECE] = { "ece", QG_TASK_BINARY, -1 },
	[QG_M_F1_MACRO] = { "f1_macro", QG_TASK_MULTICLASS, 1 },
	[QG_M_F1_MICRO] = { "f1_micro", QG_TASK_MULTICLASS, 1 },
	[QG_M_F1_WEIGHTED] = { "f1_weighted", QG_TASK_MULTICLASS, 1 },
	[QG_M_PRECISION_MACRO] = { "precision_macro", QG_TASK_MULTICLASS, 1 },
	[QG_M_RECALL_MACRO] = { "recall_macro", QG_TASK_MULTICLASS, 1 },
	[QG_M_MAE] = { "mae", QG_TASK_REGRESSION, -1 },
	[QG_M_RMSE] = { "rmse", QG_TASK_REGRESSION, -1 },
	[QG_M_R2] = { "r2", QG_TASK_REGRESSION, 1 },
	[QG_M_MAPE] = { "mape", QG_TASK_REGRESSION, -1 },
	[QG_M_MSE] = { "mse", QG_TASK_REGRESSION, -1 },
	[QG_M_BALANCED_ACCURACY] = { "balanced_accuracy", QG_TASK_BINARY | QG_TASK_MULTICLASS, 1 },
	[QG_M_MCC] = { "mcc", QG_TASK_BINARY | QG_TASK_MULTICLASS, 1 },
	[QG_M_ROC_AUC_OVR] = { "roc_auc_ovr", QG_TASK_MULTICLASS, 1 },
	[QG_M_ROC_AUC_OVR_WEIGHTED] = { "roc_auc_ovr_weighted", QG_TASK_MULTICLASS, 1 },
};

int model_metric_lookup(const char *name, unsigned tasks)
{
	for (int m = 0; m < QG_M_COUNT; m++)
		if (!strcmp(model_metric_infos[m].name, name) && (!tasks || (model_metric_infos[m].tasks & tasks)))
			return m;
	return -1;
}

const char *model_task_name(enum qg_model_task t)
{
	switch (t) {
	case QG_TASK_BINARY: return "binary";
	case QG_TASK_MULTICLASS: return "multiclass";
	case QG_TASK_REGRESSION: return "regression";
	}
	return "unknown";
}

void model_metric_values_init(struct qg_metric_values *v)
{
	for (int m = 0; m < QG_M_COUNT; m++) {
		v->value[m] = NAN;
		v->why[m] = NULL;
	}
	v->present = 0;
}

static void set_metric(struct qg_metric_values *v, enum qg_metric m, double x)
{
	v->present |= 1u << m;
	v->value[m] = x;
	v->why[m] = NULL;
}

static void set_undefined(struct qg_metric_values *v, enum qg_metric m, const char *why)
{
	v->present |= 1u << m;
	v->value[m] = NAN;
	v->why[m] = why;
}

/* ---- numpy's summation ---- */

#define NP_PW_BLOCK 128
#define NP_BUFSIZE 8192

static double np_pairwise(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	} else if (n <= NP_PW_BLOCK) {
		double r[8], res;
		size_t i;
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	} else {
		size_t n2 = n / 2;
		n2 -= n2 % 8;
		return np_pairwise(a, n2) + np_pairwise(a + n2, n - n2);
	}
}

double model_sum(const double *a, size_t n)
{
	double total = 0.;
	for (size_t lo = 0; lo < n; lo += NP_BUFSIZE)
		total += np_pairwise(a + lo, n - lo < NP_BUFSIZE ? n - lo : NP_BUFSIZE);
	return total;
}

double model_row_sum(const double *a, size_t n)
{
	return np_pairwise(a, n);
}

int model_proba_row_ok(const double *row, size_t k)
{
	/* np.allclose(1, row.sum()): |1 - s| <= atol + rtol * |s| */
	double s = np_pairwise(row, k);
	return fabs(1.0 - s) <= 1e-8 + 1e-5 * fabs(s);
}

/* A running numpy sum of terms produced one at a time. */
struct np_acc {
	double total;
	size_t nbuf;
	double buf[NP_BUFSIZE];
};

static inline void np_acc_add(struct np_acc *s, double v)
{
	s->buf[s->nbuf++] = v;
	if (s->nbuf == NP_BUFSIZE) {
		s->total += np_pairwise(s->buf, NP_BUFSIZE);
		s->nbuf = 0;
	}
}

static double np_acc_end(struct np_acc *s)
{
	if (s->nbuf)
		s->total += np_pairwise(s->buf, s->nbuf);
	s->nbuf = 0;
	return s->total;
}


/* ---- sorting ---- */

static inline uint64_t dkey(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	if (u == UINT64_C(0x8000000000000000))
		u = 0; /* -0.0 ties with 0.0 */
	return u;
}

int model_sort_desc(double *a, size_t n, double *tmp)
{
	enum { BITS = 11, NB = 1 << BITS, PASSES = 6 };
	size_t (*hist)[NB];
	double *own = NULL, *src = a, *dst;

	if (n < 2)
		return 0;
	if (!tmp) {
		own = tmp = malloc(n * sizeof(*tmp));
		if (!own)
			return qg_error(QG_ENOMEM, "out of memory sorting %zu scores", n);
	}
	hist = calloc(PASSES, sizeof(*hist));
	if (!hist) {
		free(own);
		return qg_error(QG_ENOMEM, "out of memory sorting %zu scores", n);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t k = dkey(a[i]);
		for (int p = 0; p < PASSES; p++)
			hist[p][(k >> (p * BITS)) & (NB - 1)]++;
	}
	dst = tmp;
	for (int p = 0; p < PASSES; p++) {
		size_t off = 0, *h = hist[p];
		int shift = p * BITS, trivial = 0;
		/* a digit shared by every key leaves the order unchanged */
		for (int d = 0; d < NB; d++)
			if (h[d] == n)
				trivial = 1;
		if (trivial)
			continue;
		/* descending: the highest digit goes first */
		for (int d = NB - 1; d >= 0; d--) {
			size_t c = h[d];
			h[d] = off;
			off += c;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t k = dkey(src[i]);
			dst[h[(k >> shift) & (NB - 1)]++] = src[i];
		}
		double *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(hist);
	free(own);
	return 0;
}

struct idx_key {
	double k;
	uint32_t i;
};

static int cmp_idx_key(const void *pa, const void *pb)
{
	const struct idx_key *a = pa, *b = pb;
	if (a->k > b->k)
		return -1;
	if (a->k < b->k)
		return 1;
	return (a->i > b->i) - (a->i < b->i);
}

int model_sort_index_desc(uint32_t *idx, size_t n, const double *key)
{
	struct idx_key *t;

	if (n < 2)
		return 0;
	t = malloc(n * sizeof(*t));
	if (!t)
		return qg_error(QG_ENOMEM, "out of memory sorting %zu scores", n);
	for (size_t i = 0; i < n; i++) {
		t[i].k = key[idx[i]] == 0 ? 0.0 : key[idx[i]];
		t[i].i = idx[i];
	}
	qsort(t, n, sizeof(*t), cmp_idx_key);
	for (size_t i = 0; i < n; i++)
		idx[i] = t[i].i;
	free(t);
	return 0;
}

/* ---- ranking metrics ---- */

void model_rank_metrics(double *auc_out, double *ap_out, const double *pos, const uint32_t *wpos,
			   size_t npos, const double *neg, const uint32_t *wneg, size_t nneg)
{
	size_t i = 0, j = 0;
	uint64_t tp = 0, fp = 0, tp_prev = 0, fp_prev = 0, P = 0, N = 0;
	model_u128 area2 = 0; /* twice the area under the step curve, in counts */
	struct model_ksum ap = { 0, 0 };

	for (size_t a = 0; a < npos; a++)
		P += wpos ? wpos[a] : 1;
	for (size_t a = 0; a < nneg; a++)
		N += wneg ? wneg[a] : 1;
	while (i < npos || j < nneg) {
		double t;
		if (i < npos && (j >= nneg || pos[i] >= neg[j]))
			t = pos[i];
		else
			t = neg[j];
		while (i < npos && pos[i] == t)
			tp += wpos ? wpos[i++] : (i++, 1);
		while (j < nneg && neg[j] == t)
			fp += wneg ? wneg[j++] : (j++, 1);
		if (tp == tp_prev && fp == fp_prev)
			continue; /* a threshold whose rows all have weight 0 */
		area2 += (model_u128)(fp - fp_prev) * (tp + tp_prev);
		if (P && tp != tp_prev)
			model_ksum_add(&ap, ((double)tp / (double)P - (double)tp_prev / (double)P) *
					      ((double)tp / (double)(tp + fp)));
		tp_prev = tp;
		fp_prev = fp;
	}
	*auc_out = (P && N) ? (double)area2 / (2.0 * (double)P * (double)N) : NAN;
	*ap_out = P ? model_ksum_get(&ap) : NAN;
}

/* ---- balanced accuracy and MCC ---- */

/* balanced_accuracy and mcc from the confusion matrix's margins, as sklearn
 * 1.2.1: balanced accuracy is the mean recall over the classes present in
 * y_true (np.mean of diag(C) / C.sum(axis=1), NaN rows dropped); MCC is
 * cov(yt, yp) / sqrt(cov(yt, yt) * cov(yp, yp)) over the margins in float64,
 * 0.0 when the denominator is 0 (counts are exact in doubles below 2^53, so
 * the order of numpy's dot products does not matter). ts/ps: true and
 * predicted count per class, tp: correct per class; recall: k doubles. */
static void confusion_scores(struct qg_metric_values *out, const uint64_t *tp, const uint64_t *ts,
			     const uint64_t *ps, size_t k, uint64_t total, double *recall)
{
	size_t L = 0;
	double n = (double)total, correct = 0, dot_tp = 0, dot_pp = 0, dot_tt = 0;
	double cov_ytyp, cov_ypyp, cov_ytyt;

	for (size_t c = 0; c < k; c++) {
		double t = (double)ts[c], p = (double)ps[c];
		if (ts[c])
			recall[L++] = (double)tp[c] / t;
		correct += (double)tp[c];
		dot_tp += t * p;
		dot_pp += p * p;
		dot_tt += t * t;
	}
	set_metric(out, QG_M_BALANCED_ACCURACY, model_sum(recall, L) / (double)L);
	cov_ytyp = correct * n - dot_tp;
	cov_ypyp = n * n - dot_pp;
	cov_ytyt = n * n - dot_tt;
	set_metric(out, QG_M_MCC, cov_ypyp * cov_ytyt == 0 ? 0.0 : cov_ytyp / sqrt(cov_ytyt * cov_ypyp));
}

/* ---- binary ---- */

int model_ece_bin(double p)
{
	/* numpy: edges = linspace(0, 1, 16) = i * (1/15), last edge exactly 1;
	 * bin = searchsorted(edges, p, 'left') - 1, clipped to 0 */
	static const double step = 1.0 / QG_ECE_BINS;
	int b = (int)(p * QG_ECE_BINS);
	if (b > QG_ECE_BINS)
		b = QG_ECE_BINS;
	if (b < 0)
		b = 0;
	/* smallest i with edge[i] >= p, then minus one */
	while (b > 0 && (b == QG_ECE_BINS ? 1.0 : b * step) >= p)
		b--;
	while (b < QG_ECE_BINS && (b + 1 == QG_ECE_BINS ? 1.0 : (b + 1) * step) < p)
		b++;
	return b;
}

static const char *const why_one_class = "only one class present in the labels";
static const char *const why_no_pos = "no positive labels";
static const char *const why_no_scores = "no score column";

int model_binary_metrics(struct qg_metric_values *out, const uint8_t *y, const uint8_t *pred,
			    double *p, size_t n, double threshold, const uint32_t *w, unsigned flags)
{
	int clobber = (flags & QG_MB_CLOBBER) != 0;
	const double eps = DBL_EPSILON;
	uint64_t tp = 0, fp = 0, fn = 0, tn = 0, npos = 0, total = 0;
	uint64_t bin_n[QG_ECE_BINS] = { 0 }, bin_pos[QG_ECE_BINS] = { 0 };
	struct model_ksum bin_p[QG_ECE_BINS];
	struct np_acc *ll = NULL, *br = NULL;
	struct model_ksum kll = { 0, 0 }, kbr = { 0, 0 };
	double *sorted = NULL, *tmp = NULL;
	int ret = 0;

	model_metric_values_init(out);
	memset(bin_p, 0, sizeof(bin_p));
	if (!w && p) {
		ll = malloc(sizeof(*ll));
		br = malloc(sizeof(*br));
		if (!ll || !br) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		ll->total = br->total = 0;
		ll->nbuf = br->nbuf = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w ? w[i] : 1;
		int yi = y[i], pi;
		if (!wi)
			continue;
		pi = pred ? pred[i] : (p[i] >= threshold);
		total += wi;
		npos += yi ? wi : 0;
		if (yi)
			*(pi ? &tp : &fn) += wi;
		else
			*(pi ? &fp : &tn) += wi;
		if (p) {
			double pc = p[i] < eps ? eps : (p[i] > 1 - eps ? 1 - eps : p[i]);
			double s = (1 - pc) + pc;
			double q = yi ? pc / s : (1 - pc) / s;
			double l = -log(q);
			double d = (double)yi - p[i];
			int b = model_ece_bin(p[i]);
			bin_n[b] += wi;
			bin_pos[b] += yi ? wi : 0;
			if (w) {
				model_ksum_add(&kll, (double)wi * l);
				model_ksum_add(&kbr, (double)wi * d * d);
				model_ksum_add(&bin_p[b], (double)wi * p[i]);
			} else {
				np_acc_add(ll, l);
				np_acc_add(br, d * d);
				model_ksum_add(&bin_p[b], p[i]);
			}
		}
	}
	if (!total) {
		for (int m = QG_M_ACCURACY; m <= QG_M_ECE; m++)
			set_undefined(out, m, "no rows");
		set_undefined(out, QG_M_BALANCED_ACCURACY, "no rows");
		set_undefined(out, QG_M_MCC, "no rows");
		goto done;
	}
	{
		double T = (double)total;
		double prec = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
		double rec = tp + fn ? (double)tp / (double)(tp + fn) : 0.0;
		double den = prec + rec;
		set_metric(out, QG_M_ACCURACY, (double)(tp + tn) / T);
		set_metric(out, QG_M_PRECISION, prec);
		set_metric(out, QG_M_RECALL, rec);
		set_metric(out, QG_M_F1, 2 * prec * rec / (den == 0.0 ? 1.0 : den));
		{
			/* class 0 then class 1, as sklearn's sorted labels */
			uint64_t ctp[2] = { tn, tp }, cts[2] = { tn + fp, fn + tp }, cps[2] = { tn + fn, fp + tp };
			double recall[2];
			confusion_scores(out, ctp, cts, cps, 2, total, recall);
		}
		if (!p) {
			for (int m = QG_M_ROC_AUC; m <= QG_M_ECE; m++)
				set_undefined(out, m, why_no_scores);
			goto done;
		}
		if (npos == 0 || npos == total)
			set_undefined(out, QG_M_LOG_LOSS, why_one_class);
		else
			set_metric(out, QG_M_LOG_LOSS, (w ? model_ksum_get(&kll) : np_acc_end(ll)) / T);
		set_metric(out, QG_M_BRIER, (w ? model_ksum_get(&kbr) : np_acc_end(br)) / T);
		double ece = 0;
		for (int b = 0; b < QG_ECE_BINS; b++)
			if (bin_n[b]) {
				double nb = (double)bin_n[b];
				ece += fabs((double)bin_pos[b] / nb - model_ksum_get(&bin_p[b]) / nb) * (nb / T);
			}
		set_metric(out, QG_M_ECE, ece);
	}

	/* ranking metrics: split the scores by class, sort each descending */
	if (npos == 0 || npos == total) {
		set_undefined(out, QG_M_ROC_AUC, why_one_class);
		if (npos == 0)
			set_undefined(out, QG_M_AVERAGE_PRECISION, why_no_pos);
	}
	if (npos == 0 || (flags & QG_MB_NO_RANK))
		goto done;
	if (w) {
		/* weighted: sort (index) once, then reweight */
		uint32_t *idx = malloc(n * sizeof(*idx)), *wp, *wn;
		double *sp, *sn;
		size_t np_ = 0, nn = 0;
		if (!idx) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < n; i++)
			if (y[i])
				idx[np_++] = (uint32_t)i;
		for (size_t i = 0; i < n; i++)
			if (!y[i])
				idx[np_ + nn++] = (uint32_t)i;
		sorted = malloc(n * sizeof(*sorted));
		wp = malloc(n * sizeof(*wp));
		if (!sorted || !wp || model_sort_index_desc(idx, np_, p) ||
		    model_sort_index_desc(idx + np_, nn, p)) {
			free(idx);
			free(wp);
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			sorted[i] = p[idx[i]];
			wp[i] = w[idx[i]];
		}
		sp = sorted;
		sn = sorted + np_;
		wn = wp + np_;
		double auc, ap;
		model_rank_metrics(&auc, &ap, sp, wp, np_, sn, wn, nn);
		free(idx);
		free(wp);
		if (npos != total)
			set_metric(out, QG_M_ROC_AUC, auc);
		set_metric(out, QG_M_AVERAGE_PRECISION, ap);
		goto done;
	}
	{
		double *arr, auc, ap;
		size_t np_ = 0, nn;
		if (clobber) {
			arr = p;
		} else {
			arr = sorted = malloc(n * sizeof(*arr));
			if (!arr) {
				ret = qg_error(QG_ENOMEM, "out of memory copying %zu scores", n);
				goto done;
			}
			memcpy(arr, p, n * sizeof(*arr));
		}
		/* positives to [0, np_), negatives to [np_, n) (the order within
		 * each part does not matter: it is sorted next); tmp, reused by the
		 * sort, holds the negatives meanwhile */
		for (size_t i = 0; i < n; i++)
			np_ += y[i] != 0;
		tmp = malloc((n - np_ > np_ ? n - np_ : np_) * sizeof(*tmp) + 1);
		if (!tmp) {
			ret = qg_error(QG_ENOMEM, "out of memory sorting %zu scores", n);
			goto done;
		}
		{
			size_t wpos = 0, k = 0;
			for (size_t i = 0; i < n; i++) {
				if (y[i])
					arr[wpos++] = arr[i];
				else
					tmp[k++] = arr[i];
			}
			memcpy(arr + np_, tmp, k * sizeof(*arr));
		}
		nn = n - np_;
		if (model_sort_desc(arr, np_, tmp) || model_sort_desc(arr + np_, nn, tmp)) {
			ret = QG_ENOMEM;
			goto done;
		}
		model_rank_metrics(&auc, &ap, arr, NULL, np_, arr + np_, NULL, nn);
		if (nn)
			set_metric(out, QG_M_ROC_AUC, auc);
		set_metric(out, QG_M_AVERAGE_PRECISION, ap);
	}
done:
	free(ll);
	free(br);
	free(sorted);
	free(tmp);
	return ret;
}

/* ---- multiclass ---- */

int model_multiclass_metrics(struct qg_metric_values *out, const int32_t *y, const int32_t *pred,
				const double *proba, size_t n, size_t k, const uint32_t *w, unsigned flags)
{
	const double eps = DBL_EPSILON;
	uint64_t *tp = calloc(k ? k : 1, sizeof(*tp)), *ps = calloc(k ? k : 1, sizeof(*ps));
	uint64_t *ts = calloc(k ? k : 1, sizeof(*ts)), total = 0, correct = 0;
	double *row = malloc((k ? k : 1) * sizeof(*row));
	double *pc = calloc(k ? k : 1, sizeof(*pc)), *fc = calloc(k ? k : 1, sizeof(*fc));
	double *rc = calloc(k ? k : 1, sizeof(*rc)), *wt = calloc(k ? k : 1, sizeof(*wt));
	double *fw = calloc(k ? k : 1, sizeof(*fw));
	struct np_acc *ll = NULL;
	struct model_ksum kll = { 0, 0 };
	int ret = 0;

	model_metric_values_init(out);
	if (!tp || !ps || !ts || !row || !pc || !fc || !rc || !wt || !fw) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (proba && !w) {
		ll = malloc(sizeof(*ll));
		if (!ll) {
			ret = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		ll->total = 0;
		ll->nbuf = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w ? w[i] : 1;
		if (!wi)
			continue;
		total += wi;
		ts[y[i]] += wi;
		ps[pred[i]] += wi;
		if (y[i] == pred[i]) {
			tp[y[i]] += wi;
			correct += wi;
		}
		if (proba) {
			const double *r = proba + i * k;
			for (size_t c = 0; c < k; c++)
				row[c] = r[c] < eps ? eps : (r[c] > 1 - eps ? 1 - eps : r[c]);
			double s = np_pairwise(row, k);
			double l = -log(row[y[i]] / s);
			if (w)
				model_ksum_add(&kll, (double)wi * l);
			else
				np_acc_add(ll, l);
		}
	}
	if (!total) {
		for (int m = QG_M_F1_MACRO; m <= QG_M_RECALL_MACRO; m++)
			set_undefined(out, m, "no rows");
		set_undefined(out, QG_M_ACCURACY, "no rows");
		set_undefined(out, QG_M_LOG_LOSS, "no rows");
		set_undefined(out, QG_M_BALANCED_ACCURACY, "no rows");
		set_undefined(out, QG_M_MCC, "no rows");
		set_undefined(out, QG_M_ROC_AUC_OVR, "no rows");
		set_undefined(out, QG_M_ROC_AUC_OVR_WEIGHTED, "no rows");
		goto done;
	}
	{
		/* labels: the sorted union of classes seen in y and pred (sklearn's
		 * unique_labels); classes in neither do not enter the averages */
		size_t L = 0;
		uint64_t tps = 0, pss = 0, tss = 0, nclass_true = 0;
		for (size_t c = 0; c < k; c++) {
			if (!ts[c] && !ps[c])
				continue;
			double P = ps[c] ? (double)tp[c] / (double)ps[c] : 0.0;
			double R = ts[c] ? (double)tp[c] / (double)ts[c] : 0.0;
			double den = P + R;
			pc[L] = P;
			rc[L] = R;
			fc[L] = 2 * P * R / (den == 0.0 ? 1.0 : den);
			wt[L] = (double)ts[c];
			fw[L] = fc[L] * wt[L];
			tps += tp[c];
			pss += ps[c];
			tss += ts[c];
			nclass_true += ts[c] ? 1 : 0;
			L++;
		}
		set_metric(out, QG_M_ACCURACY, (double)correct / (double)total);
		set_metric(out, QG_M_PRECISION_MACRO, model_sum(pc, L) / (double)L);
		set_metric(out, QG_M_RECALL_MACRO, model_sum(rc, L) / (double)L);
		set_metric(out, QG_M_F1_MACRO, model_sum(fc, L) / (double)L);
		{
			double P = pss ? (double)tps / (double)pss : 0.0;
			double R = tss ? (double)tps / (double)tss : 0.0;
			double den = P + R;
			set_metric(out, QG_M_F1_MICRO, 2 * P * R / (den == 0.0 ? 1.0 : den));
		}
		set_metric(out, QG_M_F1_WEIGHTED, model_sum(fw, L) / model_sum(wt, L));
		if (!proba)
			set_undefined(out, QG_M_LOG_LOSS, why_no_scores);
		else if (nclass_true < 2)
			set_undefined(out, QG_M_LOG_LOSS, why_one_class);
		else
			set_metric(out, QG_M_LOG_LOSS, (w ? model_ksum_get(&kll) : np_acc_end(ll)) / (double)total);
		confusion_scores(out, tp, ts, ps, k, total, row);
	}
	if (!proba) {
		set_undefined(out, QG_M_ROC_AUC_OVR, why_no_scores);
		set_undefined(out, QG_M_ROC_AUC_OVR_WEIGHTED, why_no_scores);
	} else if (!(flags & QG_MB_NO_RANK)) {
		double macro, weighted;
		const char *why = NULL;
		if ((ret = model_ovr_auc(&macro, &weighted, &why, y, proba, n, k, w)))
			goto done;
		if (why) {
			set_undefined(out, QG_M_ROC_AUC_OVR, why);
			set_undefined(out, QG_M_ROC_AUC_OVR_WEIGHTED, why);
		} else {
			set_metric(out, QG_M_ROC_AUC_OVR, macro);
			set_metric(out, QG_M_ROC_AUC_OVR_WEIGHTED, weighted);
		}
	}
done:
	free(tp);
	free(ps);
	free(ts);
	free(row);
	free(pc);
	free(fc);
	free(rc);
	free(wt);
	free(fw);
	free(ll);
	return ret;
}

/* ---- regression ---- */

int model_regression_metrics(struct qg_metric_values *out, const double *y, const double *pred,
				size_t n, const uint32_t *w)
{
	const double eps = DBL_EPSILON;
	struct np_acc *acc = malloc(5 * sizeof(*acc));
	struct np_acc *ae = acc, *se = acc + 1, *pe = acc + 2, *sy = acc + 3, *dv = acc + 4;
	struct model_ksum k_ae = { 0, 0 }, k_se = { 0, 0 }, k_pe = { 0, 0 }, k_sy = { 0, 0 }, k_dv = { 0, 0 };
	uint64_t total = 0;
	double T, mean, num, den;

	model_metric_values_init(out);
	if (!acc)
		return qg_error(QG_ENOMEM, "out of memory");
	for (int a = 0; a < 5; a++) {
		acc[a].total = 0;
		acc[a].nbuf = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w ? w[i] : 1;
		if (!wi)
			continue;
		total += wi;
		double d = y[i] - pred[i];
		double a = fabs(pred[i] - y[i]);
		double ay = fabs(y[i]);
		double pe_i = a / (ay > eps ? ay : eps);
		if (w) {
			model_ksum_add(&k_ae, (double)wi * a);
			model_ksum_add(&k_se, (double)wi * d * d);
			model_ksum_add(&k_pe, (double)wi * pe_i);
			model_ksum_add(&k_sy, (double)wi * y[i]);
		} else {
			np_acc_add(ae, a);
			np_acc_add(se, d * d);
			np_acc_add(pe, pe_i);
			np_acc_add(sy, y[i]);
		}
	}
	if (!total) {
		for (int m = QG_M_MAE; m <= QG_M_MAPE; m++)
			set_undefined(out, m, "no rows");
		set_undefined(out, QG_M_MSE, "no rows");
		free(acc);
		return 0;
	}
	T = (double)total;
	mean = (w ? model_ksum_get(&k_sy) : np_acc_end(sy)) / T;
	num = w ? model_ksum_get(&k_se) : np_acc_end(se);
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w ? w[i] : 1;
		if (!wi)
			continue;
		double d = y[i] - mean;
		if (w)
			model_ksum_add(&k_dv, (double)wi * d * d);
		else
			np_acc_add(dv, d * d);
	}
	den = w ? model_ksum_get(&k_dv) : np_acc_end(dv);
	set_metric(out, QG_M_MAE, (w ? model_ksum_get(&k_ae) : np_acc_end(ae)) / T);
	set_metric(out, QG_M_MSE, num / T);
	set_metric(out, QG_M_RMSE, sqrt(num / T));
	set_metric(out, QG_M_MAPE, (w ? model_ksum_get(&k_pe) : np_acc_end(pe)) / T);
	if (total < 2)
		set_undefined(out, QG_M_R2, "r2 needs at least two rows");
	else if (num == 0.0)
		set_metric(out, QG_M_R2, 1.0);
	else if (den == 0.0)
		set_metric(out, QG_M_R2, 0.0);
	else
		set_metric(out, QG_M_R2, 1 - num / den);
	free(acc);
	return 0;
}
