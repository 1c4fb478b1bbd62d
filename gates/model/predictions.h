/* predictions.h -- reading a predictions file into column arrays
 *
 * A predictions file (CSV, TSV or JSONL, optionally .gz/.zst, or "-") has a
 * label column, a prediction column and/or score columns, and optional id and
 * slice columns. Invariants: after a successful read every row was checked
 * (labels within the classes, scores finite and within [0,1] for
 * classifiers, no ragged rows), so metric code never sees bad values; any
 * bad row is QG_EPARSE naming the file, line, column and data row.
 * Arrays are sized to the rows read; only the ones the task needs exist.
 */
#ifndef QG_MODEL_PREDICTIONS_H
#define QG_MODEL_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "qgate/strmap.h"

#include "metrics.h"

struct qg_table;

struct qg_model_read_opts {
	enum qg_model_task task;
	const char *label_col;   /* default "label" */
	const char *pred_col;    /* default "prediction" (optional unless given) */
	const char *score_col;   /* default "score" (multiclass: prefix "score_" or a JSON array) */
	int pred_given, score_given;
	const char *id_col;      /* NULL: none */
	const char *const *slice_cols;
	size_t nr_slices;
	const char *const *classes; /* multiclass class names in score order, or NULL */
	size_t nr_classes;
	double threshold;        /* binary prediction = score >= threshold when no prediction column */
	const char *input_format; /* "csv", "tsv", "jsonl" or NULL (from the extension) */
	char delimiter;          /* CSV/TSV field separator, 0 = the format's */
	const char *pos_label;   /* binary: this label text is class 1, one other text class 0; NULL: 0/1 */
};

struct qg_model_slice {
	char *col;
	uint32_t *val;       /* per row: index into the map's keys */
	struct qg_strmap values;
};

struct qg_model_data {
	enum qg_model_task task;
	char *name;
	size_t n, alloc;
	uint8_t *ybin, *pbin;   /* binary labels / predictions (pbin NULL: from score) */
	int32_t *ycls, *pcls;   /* multiclass */
	double *yreg, *preg;    /* regression */
	double *score;          /* binary: n; multiclass: n*k; NULL without scores */
	size_t k;
	struct qg_strmap classes; /* multiclass class names */
	struct qg_model_slice *slices;
	size_t nslices;
	struct qg_buf ids;      /* NUL-separated ids when id_col is set */
	size_t *id_off;
};

/* Parse a decimal number (the whole of p[0..len)): 0, or -1 when it is not
 * a finite number. Exact: Clinger's fast path when the decimal mantissa fits
 * 53 bits and |exponent| <= 22, strtod otherwise. */
int model_parse_double(double *out, const char *p, size_t len);

/* Read `path`. 0, QG_EINPUT (missing/unreadable, naming it), QG_EPARSE (bad
 * row: file, line, column, row), QG_EUSAGE (bad options), QG_ENOMEM. */
int model_data_read(struct qg_model_data *out, const char *path, const struct qg_model_read_opts *o);
/* The same from an opened table (takes ownership of t). */
int model_data_read_table(struct qg_model_data *out, struct qg_table *t, const struct qg_model_read_opts *o);
void model_data_release(struct qg_model_data *d);

/* Row i's id (requires id_col). */
const char *model_data_id(const struct qg_model_data *d, size_t i);

/* Index of a class or slice value in m (include/qgate/strmap.h), adding it
 * when absent if add != 0: >= 0, -1 when absent and not added, QG_EPARSE
 * for a key with a NUL byte (keys are names in reports), QG_ENOMEM. */
long model_str_map_get(struct qg_strmap *m, const char *key, size_t len, int add);

/* (align.c) Make `base` row-aligned with `cand`: by id (both need ids), or by row order
 * (same length and the same label on every row). On success base's arrays
 * are permuted into cand's row order. QG_EPARSE names the file and row. */
int model_data_align(struct qg_model_data *base, const struct qg_model_data *cand, int by_id);

#endif
