/* bootstrap.h -- paired bootstrap intervals and McNemar's test
 *
 * Invariants: results depend only on the data, the seed and the number of
 * replicates: the generator is xoshiro256** seeded through splitmix64, and
 * indices are drawn with Lemire's unbiased multiply-and-reject method in
 * integer arithmetic, so every machine draws the same rows. Candidate and
 * baseline are resampled with the same indices (paired).
 */
#ifndef QG_MODEL_BOOTSTRAP_H
#define QG_MODEL_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

struct qg_rng {
	uint64_t s[4];
};

void model_rng_seed(struct qg_rng *r, uint64_t seed);
uint64_t model_rng_next(struct qg_rng *r);
/* Uniform in [0, n), n > 0. */
uint64_t model_rng_below(struct qg_rng *r, uint64_t n);

/* The rows a metric is computed from: borrowed pointers (a whole data set)
 * or owned copies (a slice). */
struct qg_model_view {
	enum qg_model_task task;
	size_t n, k;
	uint8_t *ybin, *pbin;
	int32_t *ycls, *pcls;
	double *yreg, *preg;
	double *score;
	double threshold;
	int owned;
};

void model_view_release(struct qg_model_view *v);
/* Every metric of the task on the view (flags as model_binary_metrics). */
int model_view_metrics(struct qg_metric_values *out, const struct qg_model_view *v, const uint32_t *w,
			  unsigned flags);

/* Linear-interpolated quantile (numpy's default) of sorted a[0..n). */
double model_quantile_sorted(const double *a, size_t n, double q);

struct qg_boot_result {
	double delta_lo, delta_hi;   /* percentile interval of cand - base */
	double margin_lo, margin_hi; /* percentile interval of the rule margin */
	size_t margin_ok;            /* replicates in which the rule held */
	size_t replicates;           /* replicates with both metrics defined */
};

/* margin(c, b) orients the rule (see rules.h); ctx is passed through. */
typedef double (*model_margin_fn)(const void *ctx, double cand, double base);
typedef int (*model_margin_ok_fn)(const void *ctx, double margin);

/* Paired bootstrap of `metric` on cand and base (same n, same rows). */
int model_bootstrap(struct qg_boot_result *out, const struct qg_model_view *cand,
		       const struct qg_model_view *base, enum qg_metric metric, size_t replicates,
		       uint64_t seed, double alpha, model_margin_fn margin, model_margin_ok_fn ok, const void *ctx);

/* McNemar's test on the discordant pairs: b = candidate right and baseline
 * wrong, c = the reverse. Exact two-sided binomial when b + c < 25, else the
 * chi-square statistic with continuity correction (1 df). *exact tells which. */
double model_mcnemar_p(uint64_t b, uint64_t c, int *exact);

#endif
