/* ovr.c -- multiclass ROC AUC, one class against the rest
 *
 * sklearn 1.2.1's roc_auc_score(y, proba, multi_class='ovr') binarises the
 * labels per class (class c positive, every other class negative), takes the
 * binary ROC AUC of column c of the probabilities, and averages the k AUCs:
 * plainly ('macro', np.mean) or weighted by each class's true count
 * ('weighted', np.average). It refuses two inputs, which are undefined here
 * too: a class without a true label (its binary AUC has no positives), and
 * rows whose probabilities do not sum to 1 (np.allclose(1, row sums)).
 *
 * Each class's AUC is the binary one (model_rank_metrics: scores of each
 * side sorted in descending order, exact integer area), so the macro and
 * weighted averages equal sklearn's to the last few ulps. With weights (a
 * bootstrap resample) rows are counted w[i] times.
 */
#include "qgate/common.h"

#include <math.h>

#include "metrics.h"

static const char *const why_missing_class = "a class has no true label (one-vs-rest needs every class)";
static const char *const why_not_proba = "scores do not sum to 1 over the classes (one-vs-rest needs probabilities)";

/* The AUC of class c against the rest. sorted/tmp/idx/ws: n scratch each. */
static int class_auc(double *auc, const int32_t *y, const double *proba, size_t n, size_t k, size_t c,
		     const uint32_t *w, double *sorted, double *tmp, uint32_t *idx, uint32_t *ws)
{
	size_t np_ = 0, nn = 0;
	double ap;

	if (!w) {
		for (size_t i = 0; i < n; i++)
			if (y[i] == (int32_t)c)
				sorted[np_++] = proba[i * k + c];
		for (size_t i = 0; i < n; i++)
			if (y[i] != (int32_t)c)
				sorted[np_ + nn++] = proba[i * k + c];
		if (model_sort_desc(sorted, np_, tmp) || model_sort_desc(sorted + np_, nn, tmp))
			return QG_ENOMEM;
		model_rank_metrics(auc, &ap, sorted, NULL, np_, sorted + np_, NULL, nn);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = proba[i * k + c];
	for (size_t i = 0; i < n; i++)
		if (y[i] == (int32_t)c)
			idx[np_++] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		if (y[i] != (int32_t)c)
			idx[np_ + nn++] = (uint32_t)i;
	if (model_sort_index_desc(idx, np_, tmp) || model_sort_index_desc(idx + np_, nn, tmp))
		return QG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		sorted[i] = tmp[idx[i]];
		ws[i] = w[idx[i]];
	}
	model_rank_metrics(auc, &ap, sorted, ws, np_, sorted + np_, ws + np_, nn);
	return 0;
}

int model_ovr_auc(double *macro, double *weighted, const char **why, const int32_t *y, const double *proba,
		     size_t n, size_t k, const uint32_t *w)
{
	uint64_t *count = calloc(k ? k : 1, sizeof(*count)), total = 0;
	double *auc = calloc(k ? k : 1, sizeof(*auc)), *prod = calloc(k ? k : 1, sizeof(*prod));
	double *sorted = NULL, *tmp = NULL;
	uint32_t *idx = NULL, *ws = NULL;
	int ret = 0;

	*macro = *weighted = NAN;
	*why = NULL;
	if (!count || !auc || !prod) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t wi = w ? w[i] : 1;
		if (!wi)
			continue;
		count[y[i]] += wi;
		total += wi;
		if (!model_proba_row_ok(proba + i * k, k)) {
			*why = why_not_proba;
			goto done;
		}
	}
	if (!total) {
		*why = "no rows";
		goto done;
	}
	for (size_t c = 0; c < k; c++)
		if (!count[c]) {
			*why = why_missing_class;
			goto done;
		}
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (w) {
		idx = malloc((n ? n : 1) * sizeof(*idx));
		ws = malloc((n ? n : 1) * sizeof(*ws));
	}
	if (!sorted || !tmp || (w && (!idx || !ws))) {
		ret = qg_error(QG_ENOMEM, "out of memory sorting %zu scores", n);
		goto done;
	}
	for (size_t c = 0; c < k; c++) {
		if ((ret = class_auc(&auc[c], y, proba, n, k, c, w, sorted, tmp, idx, ws)))
			goto done;
		prod[c] = auc[c] * (double)count[c];
	}
	/* np.mean(score); np.average(score, weights=count) = sum(score * count) / sum(count) */
	*macro = model_sum(auc, k) / (double)k;
	*weighted = model_sum(prod, k) / (double)total;
done:
	free(count);
	free(auc);
	free(prod);
	free(sorted);
	free(tmp);
	free(idx);
	free(ws);
	return ret;
}
