/* drift.h -- distribution drift between a baseline profile and current data
 *
 * Per field of the baseline, on bins fixed by the baseline:
 *   - numeric: the baseline's quantiles at i/bins (i = 1..bins-1, repeated
 *     values merged) cut the line into bins (-inf,e0) [e0,e1) ... [e_last,+inf);
 *     baseline fractions come from its KLL sketch, current fractions are
 *     exact counts when the data is read, or the current sketch's CDF when a
 *     current profile is given;
 *   - categorical: the baseline's tracked categories (space-saving, k = 64)
 *     plus "other" for everything else (unseen categories pool there).
 * Statistics (nulls excluded):
 *   PSI = sum (c_i - b_i) ln(c_i / b_i), fractions below QG_DRIFT_EPS
 *         raised to it (an empty bin would make PSI infinite);
 *   KS  = sup |F_b - F_c| over the two KLL sketches' CDFs (numeric only):
 *         exact while a sketch still holds every value, else within
 *         eps_b + eps_c (QG_KLL_RANK_ERROR each, 99% confidence);
 *   JS  = Jensen-Shannon distance, base 2 (scipy.spatial.distance.
 *         jensenshannon(b, c, base=2)), on the same bins.
 */
#ifndef QGATE_DATA_DRIFT_H
#define QGATE_DATA_DRIFT_H

#include <stddef.h>

#include "profile.h"

struct qg_result;
struct qg_kll;

#define QG_DRIFT_EPS 1e-4
#define QG_DRIFT_BINS 10

struct qg_drift_opts {
	double psi_warn; /* default 0.1: above it the check passes with a warning */
	double psi_max;  /* default 0.25: above it the check fails */
	double ks_max;   /* numeric fields; < 0 = not checked (default) */
	double js_max;   /* categorical fields; < 0 = not checked (default) */
	long long bins;  /* numeric bins (default 10) */
	int allow_new_fields; /* fields missing from the baseline are skipped, not failed */
};

void data_drift_opts_init(struct qg_drift_opts *o);

/* PSI of current fractions c against baseline fractions b (n bins). */
double data_drift_psi(const double *b, const double *c, size_t n, double eps);
/* Jensen-Shannon distance, base 2; the inputs are normalised first. */
double data_drift_js(const double *b, const double *c, size_t n);
/* KS statistic between two sketches' CDFs. */
double data_drift_ks(struct qg_kll *a, struct qg_kll *b);
/* Inner bin edges from a baseline sketch: quantiles at i/bins, strictly
 * increasing. *edges is malloc'd (may be NULL when *nr == 0). */
int data_drift_edges(double **edges, size_t *nr, struct qg_kll *base, long long bins);
/* Fractions of the sketch's values in the nr+1 bins of `edges`. */
void data_drift_sketch_fractions(struct qg_kll *s, const double *edges, size_t nr, double *out);

/* Before reading current data: give `cur` (empty, initialised) one field per
 * baseline field, fixed to the baseline's kind and binned on its bins. */
int data_drift_prepare(struct qg_profile *cur, struct qg_profile *base, const struct qg_drift_opts *o);

/* Add one `drift.<field>` check per baseline field (and one per field only
 * the current data has: failed, or skipped under allow_new_fields) and the
 * drift metrics. `cur_exact` says
 * the current fractions are exact bin counts (data read) rather than
 * sketch-derived (a current profile). 0 or QG_ENOMEM. */
int data_drift_evaluate(struct qg_result *r, struct qg_profile *base, struct qg_profile *cur,
		      const struct qg_drift_opts *o, int cur_exact);

#endif
