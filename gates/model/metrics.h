/* metrics.h -- model-quality metrics that equal scikit-learn 1.2.1's
 *
 * Invariants: every metric is computed from plain arrays the caller owns; a
 * metric that cannot be computed on the data (roc_auc with one class present,
 * r2 on fewer than two rows) is NaN in `value` and `why[m]` says why. Sums
 * that sklearn takes with numpy follow numpy's pairwise summation exactly
 * (model_sum), so results agree with sklearn to the last few ulps.
 * Optional weights (`w`, counts of a bootstrap resample) make every metric
 * the weighted one; with w == NULL each row counts once.
 */
#ifndef QG_MODEL_METRICS_H
#define QG_MODEL_METRICS_H

#include <stddef.h>
#include <math.h>
#include <stdint.h>

enum qg_model_task { QG_TASK_BINARY = 1, QG_TASK_MULTICLASS = 2, QG_TASK_REGRESSION = 4 };

enum qg_metric {
	QG_M_ACCURACY = 0,
	QG_M_PRECISION,
	QG_M_RECALL,
	QG_M_F1,
	QG_M_ROC_AUC,
	QG_M_AVERAGE_PRECISION,
	QG_M_LOG_LOSS,
	QG_M_BRIER,
	QG_M_ECE,
	QG_M_F1_MACRO,
	QG_M_F1_MICRO,
	QG_M_F1_WEIGHTED,
	QG_M_PRECISION_MACRO,
	QG_M_RECALL_MACRO,
	QG_M_MAE,
	QG_M_RMSE,
	QG_M_R2,
	QG_M_MAPE,
	QG_M_MSE,
	QG_M_BALANCED_ACCURACY,
	QG_M_MCC,
	QG_M_ROC_AUC_OVR,
	QG_M_ROC_AUC_OVR_WEIGHTED,
	QG_M_COUNT
};

struct qg_metric_info {
	const char *name;
	unsigned tasks;   /* QG_TASK_* mask */
	int direction;    /* +1 higher is better, -1 lower is better */
};

extern const struct qg_metric_info model_metric_infos[QG_M_COUNT];

/* The metric named `name` for `tasks` (mask; 0 = any), or -1. */
int model_metric_lookup(const char *name, unsigned tasks);
/* "binary", "multiclass", "regression". */
const char *model_task_name(enum qg_model_task t);

#define QG_ECE_BINS 15

struct qg_metric_values {
	double value[QG_M_COUNT];     /* NaN when not computed */
	const char *why[QG_M_COUNT];  /* static reason when NaN, NULL when not applicable */
	unsigned present;             /* bitmask of metrics that apply to the task */
};

void model_metric_values_init(struct qg_metric_values *v);

/* numpy's pairwise sum (np.add.reduce on a contiguous float64 array):
 * a[0] + pairwise(a[1..n)), blocks of 128 with 8 accumulators. */
double model_sum(const double *a, size_t n);

/* Binary classification. y: 0/1 labels; pred: 0/1 predictions or NULL to
 * use p >= threshold; p: positive-class probabilities in [0,1] or NULL (then
 * the ranking and probability metrics are NaN). w: weights or NULL.
 * flags: QG_MB_CLOBBER (w == NULL only): p may be reordered in place (saves
 * a copy for very large inputs); otherwise the inputs are left unchanged.
 * QG_MB_NO_RANK: skip roc_auc and average_precision (they stay NaN).
 * 0 or QG_ENOMEM. */
enum { QG_MB_CLOBBER = 1 << 0, QG_MB_NO_RANK = 1 << 1 };
int model_binary_metrics(struct qg_metric_values *out, const uint8_t *y, const uint8_t *pred,
			    double *p, size_t n, double threshold, const uint32_t *w, unsigned flags);

/* Multiclass: y and pred are class indices in [0, k); proba is n*k
 * row-major or NULL. flags: QG_MB_NO_RANK skips roc_auc_ovr and
 * roc_auc_ovr_weighted (they stay NaN). 0 or QG_ENOMEM. */
int model_multiclass_metrics(struct qg_metric_values *out, const int32_t *y, const int32_t *pred,
				const double *proba, size_t n, size_t k, const uint32_t *w, unsigned flags);

/* One-vs-rest ROC AUC of multiclass probabilities (ovr.c), as sklearn's
 * roc_auc_score(multi_class='ovr', average='macro' and 'weighted'): the AUC
 * of each class against the rest, averaged plainly and weighted by the
 * class's true count. Undefined (NaN, *why set) when a class has no true
 * label or when a row's probabilities do not sum to 1 (np.allclose), the
 * cases sklearn refuses. w: weights or NULL. 0 or QG_ENOMEM. */
int model_ovr_auc(double *macro, double *weighted, const char **why, const int32_t *y, const double *proba,
		     size_t n, size_t k, const uint32_t *w);
/* numpy's sum of one short row (one pairwise block, no 8192 split): what
 * log_loss renormalises a row of probabilities by. */
double model_row_sum(const double *a, size_t n);
/* 1 when a row of probabilities sums to 1 as np.allclose(1, sum) decides. */
int model_proba_row_ok(const double *row, size_t k);

/* Regression. 0 or QG_ENOMEM. */
int model_regression_metrics(struct qg_metric_values *out, const double *y, const double *pred,
				size_t n, const uint32_t *w);

/* ROC AUC and average precision from scores already split by class and
 * sorted in descending order (wpos/wneg optional weights aligned with them).
 * Exposed for the bootstrap, which sorts once and reweights per replicate. */
void model_rank_metrics(double *auc_out, double *ap_out, const double *pos, const uint32_t *wpos,
			   size_t npos, const double *neg, const uint32_t *wneg, size_t nneg);

/* Sort doubles >= 0 (no NaN) in descending order; radix sort on the bits.
 * tmp must hold n doubles (may be NULL: then allocated). 0 or QG_ENOMEM. */
int model_sort_desc(double *a, size_t n, double *tmp);
/* Sort idx[0..n) by key[idx[i]] descending (stable). 0 or QG_ENOMEM. */
int model_sort_index_desc(uint32_t *idx, size_t n, const double *key);

/* The ECE bin of a probability in [0,1]: bins (i/15, (i+1)/15], 0 in bin 0. */
int model_ece_bin(double p);

/* Neumaier's compensated sum, for weighted (bootstrap) metrics. */
struct model_ksum {
	double s, c;
};

static inline void model_ksum_add(struct model_ksum *k, double x)
{
	double t = k->s + x;
	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double model_ksum_get(const struct model_ksum *k) { return k->s + k->c; }

#endif
