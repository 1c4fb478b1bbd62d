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
	size_t rows;                 /* rows each replicate drew: n, or the subsample's m */
	double scale;                /* sqrt(m / n); 1 without a subsample */
	int subsample;               /* 1: m-out-of-n on a stratified subsample */
};

/* margin(c, b) orients the rule (see rules.h); ctx is passed through. */
typedef double (*model_margin_fn)(const void *ctx, double cand, double base);
typedef int (*model_margin_ok_fn)(const void *ctx, double margin);

/* The rarest class keeps at least this many rows in a subsample. */
#define MODEL_BOOT_MIN_STRATUM 500

struct qg_boot_opts {
	size_t replicates;
	uint64_t seed;
	double alpha;
	/* Above max_rows rows (0: never) the replicates resample a subsample of
	 * m rows drawn once without replacement, stratified by label, m =
	 * max(max_rows, the size that keeps MODEL_BOOT_MIN_STRATUM rows of the
	 * rarest class); each replicate's value v* becomes
	 * value + sqrt(m/n) (v* - value on the subsample), per model. */
	size_t max_rows;
	double cand_value, base_value; /* the metric on every row (the centre) */
	model_margin_fn margin;
	model_margin_ok_fn ok;
	const void *ctx;
	const char *progress; /* non-NULL: a progress line on stderr with this label */
};

/* Rows each replicate would draw for a view: n, or the subsample's size. */
size_t model_bootstrap_rows(const struct qg_model_view *v, size_t max_rows);

/* Paired bootstrap of `metric` on cand and base (same n, same rows). The
 * full path (n <= max_rows) draws exactly what it always did for a seed. */
int model_bootstrap(struct qg_boot_result *out, const struct qg_model_view *cand,
		       const struct qg_model_view *base, enum qg_metric metric, const struct qg_boot_opts *o);

/* McNemar's test on the discordant pairs: b = candidate right and baseline
 * wrong, c = the reverse. Exact two-sided binomial when b + c < 25, else the
 * chi-square statistic with continuity correction (1 df). *exact tells which. */
double model_mcnemar_p(uint64_t b, uint64_t c, int *exact);

#endif
