/* align.c -- make a baseline's rows line up with the candidate's
 *
 * A champion's predictions are compared row by row with the candidate's
 * (paired bootstrap, McNemar), so its arrays are permuted into the
 * candidate's row order: by --id, or by row order, which then must agree on
 * the length and on the label of every row. Multiclass class indices are
 * mapped onto the candidate's classes by name first. Any mismatch names the
 * file and the row.
 */
#include "qgate/common.h"

#include "qgate/strmap.h"

#include "predictions.h"

static int label_equal(const struct qg_model_data *a, size_t i, const struct qg_model_data *b, size_t j)
{
	switch (a->task) {
	case QG_TASK_BINARY: return a->ybin[i] == b->ybin[j];
	case QG_TASK_MULTICLASS: return !strcmp(a->classes.keys[a->ycls[i]], b->classes.keys[b->ycls[j]]);
	case QG_TASK_REGRESSION: return a->yreg[i] == b->yreg[j];
	}
	return 0;
}

#define PERMUTE(field, mult)                                                          \
	do {                                                                          \
		if (base->field) {                                                    \
			void *np_ = malloc(n * (mult) * sizeof(*base->field) + 1);    \
			if (!np_) {                                                   \
				ret = qg_error(QG_ENOMEM, "out of memory");           \
				goto done;                                            \
			}                                                             \
			for (size_t i = 0; i < n; i++)                                \
				memcpy((char *)np_ + i * (mult) * sizeof(*base->field), \
				       base->field + (size_t)perm[i] * (mult),        \
				       (mult) * sizeof(*base->field));                \
			free(base->field);                                            \
			base->field = np_;                                            \
		}                                                                     \
	} while (0)

int model_data_align(struct qg_model_data *base, const struct qg_model_data *cand, int by_id)
{
	size_t n = cand->n;
	uint32_t *perm = NULL;
	struct qg_strmap ids = { 0 };
	int ret = 0;

	if (base->task == QG_TASK_MULTICLASS) {
		/* remap baseline class indices onto the candidate's classes */
		for (size_t i = 0; i < base->n; i++) {
			long y = model_str_map_get((struct qg_strmap *)&cand->classes, base->classes.keys[base->ycls[i]],
						strlen(base->classes.keys[base->ycls[i]]), 0);
			long p = model_str_map_get((struct qg_strmap *)&cand->classes, base->classes.keys[base->pcls[i]],
						strlen(base->classes.keys[base->pcls[i]]), 0);
			if (y < 0 || p < 0)
				return qg_error(QG_EPARSE, "'%s': row %zu: class '%s' does not occur in '%s'", base->name,
						i + 1, base->classes.keys[y < 0 ? base->ycls[i] : base->pcls[i]], cand->name);
		}
	}
	if (!by_id) {
		if (base->n != cand->n)
			return qg_error(QG_EPARSE, "'%s' has %zu rows but '%s' has %zu: a baseline joined by row order "
					"must have the same rows (or use --id COL)", base->name, base->n, cand->name, cand->n);
		for (size_t i = 0; i < n; i++)
			if (!label_equal(cand, i, base, i))
				return qg_error(QG_EPARSE, "'%s': row %zu: label differs from '%s' row %zu: the files are "
						"not the same rows in the same order (use --id COL to join by id)",
						base->name, i + 1, cand->name, i + 1);
	} else {
		if (base->n != cand->n)
			return qg_error(QG_EPARSE, "'%s' has %zu rows but '%s' has %zu: every id must appear in both",
					base->name, base->n, cand->name, cand->n);
		perm = malloc((n ? n : 1) * sizeof(*perm));
		if (!perm)
			return qg_error(QG_ENOMEM, "out of memory");
		for (size_t j = 0; j < base->n; j++) {
			const char *id = model_data_id(base, j);
			long before = (long)ids.nr, k = model_str_map_get(&ids, id, strlen(id), 1);
			if (k < 0) {
				ret = (int)k;
				goto done;
			}
			if (k < before) {
				ret = qg_error(QG_EPARSE, "'%s': row %zu: duplicate id '%s'", base->name, j + 1, id);
				goto done;
			}
		}
		for (size_t i = 0; i < n; i++) {
			const char *id = model_data_id(cand, i);
			long k = model_str_map_get(&ids, id, strlen(id), 0);
			if (k < 0) {
				ret = qg_error(QG_EPARSE, "'%s': row %zu: id '%s' not in the baseline '%s'", cand->name, i + 1,
					       id, base->name);
				goto done;
			}
			if (!label_equal(cand, i, base, (size_t)k)) {
				ret = qg_error(QG_EPARSE, "'%s': row %ld (id '%s'): label differs from '%s' row %zu",
					       base->name, k + 1, id, cand->name, i + 1);
				goto done;
			}
			perm[i] = (uint32_t)k;
		}
		/* a candidate id seen twice maps two rows onto one baseline row */
		{
			uint8_t *seen = calloc(n ? n : 1, 1);
			if (!seen) {
				ret = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			for (size_t i = 0; i < n; i++) {
				if (seen[perm[i]]++) {
					ret = qg_error(QG_EPARSE, "'%s': row %zu: duplicate id '%s'", cand->name, i + 1,
						       model_data_id(cand, i));
					free(seen);
					goto done;
				}
			}
			free(seen);
		}
		PERMUTE(ybin, 1);
		PERMUTE(pbin, 1);
		PERMUTE(ycls, 1);
		PERMUTE(pcls, 1);
		PERMUTE(yreg, 1);
		PERMUTE(preg, 1);
		PERMUTE(score, (base->task == QG_TASK_MULTICLASS ? base->k : 1));
	}
	if (base->task == QG_TASK_MULTICLASS) {
		/* class indices and score columns in the candidate's class order */
		for (size_t i = 0; i < n; i++) {
			base->ycls[i] = cand->ycls[i];
			base->pcls[i] = (int32_t)model_str_map_get((struct qg_strmap *)&cand->classes,
							      base->classes.keys[base->pcls[i]],
							      strlen(base->classes.keys[base->pcls[i]]), 0);
		}
		if (base->score && base->k != cand->k) {
			ret = qg_error(QG_EPARSE, "'%s' has %zu classes but '%s' has %zu", base->name, base->k, cand->name,
				       cand->k);
			goto done;
		}
		if (base->score) {
			int32_t *map = malloc(base->k * sizeof(*map));
			double *row = malloc(base->k * sizeof(*row));
			if (!map || !row) {
				free(map);
				free(row);
				ret = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			for (size_t c = 0; c < base->k; c++) {
				long m = model_str_map_get((struct qg_strmap *)&cand->classes, base->classes.keys[c],
							strlen(base->classes.keys[c]), 0);
				map[c] = (int32_t)m;
			}
			for (size_t i = 0; i < n; i++) {
				double *r = base->score + i * base->k;
				for (size_t c = 0; c < base->k; c++)
					row[map[c] < 0 ? c : (size_t)map[c]] = r[c];
				memcpy(r, row, base->k * sizeof(*row));
			}
			free(map);
			free(row);
		}
	}
done:
	free(perm);
	qg_strmap_release(&ids);
	return ret;
}
