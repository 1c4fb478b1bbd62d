/* predictions.c -- read predictions through the table reader into arrays
 *
 * The table reader (lib/io/table.c) splits records; this file turns cells into
 * typed column arrays and checks every value on the way, naming file, line,
 * column and data row for the first bad one (fail closed: one bad row makes
 * the whole file unusable, exit 3). Numbers go through the core's exact
 * parser (include/qgate/decimal.h: its short literals are parsed inline)
 * because a 10-million-row file has 20 million of them. Arrays grow by
 * doubling with realloc, which glibc serves with mremap for large blocks, so
 * growth does not double peak memory.
 *
 * Binary labels are 0/1 (also true/false and 0.0/1.0). Multiclass classes
 * come from the score columns (`score_<class>`, header order), from
 * --classes, or, without either, from the labels and predictions seen
 * (sorted at the end, as sklearn's unique_labels sorts them).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/decimal.h"
#include "qgate/stream.h"
#include "qgate/strmap.h"
#include "qgate/table.h"

#include "diagnose.h"
#include "predictions.h"

/* ---- numbers ---- */

int model_parse_double(double *out, const char *p, size_t len)
{
	double d;

	if (qg_decimal_parse(p, len, &d) != QG_DECIMAL_OK)
		return -1;
	*out = d;
	return 0;
}

/* ---- string map ---- */

long model_str_map_get(struct qg_strmap *m, const char *key, size_t len, int add)
{
	if (!add)
		return qg_strmap_find(m, key, len);
	/* keys are C strings (names in reports and JSON): callers reject
	 * values with a NUL byte with their file and line; this is the
	 * backstop */
	if (memchr(key, '\0', len))
		return qg_error(QG_EPARSE, "a value with a NUL byte cannot be a class or slice name");
	return qg_strmap_add(m, key, len);
}

/* ---- reading ---- */

struct reader {
	struct qg_model_data *d;
	const struct qg_model_read_opts *o;
	struct qg_table *t;
	long label, pred, score, id;   /* column indices, -1 absent */
	long *score_cols;              /* multiclass: per class */
	int score_array;               /* multiclass: one JSON array column */
	long *slice_cols;
	int dynamic_classes;
	size_t ncols;
	char *neg_label;               /* --pos-label: the other label text, once seen */
	int pos_seen;
};

static int row_fail(struct reader *r, const struct qg_record *rec, long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int row_fail(struct reader *r, const struct qg_record *rec, long col, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	const struct qg_cell *names;
	size_t nn = qg_table_columns(r->t, &names);
	long long column = (col >= 0 && (size_t)col < rec->nr) ? qg_record_cell_column(rec, (size_t)col) : 0;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (err)
		return err; /* ENOMEM, recorded */
	if (col >= 0 && (size_t)col < nn)
		qg_error(QG_EPARSE, "'%s':%lld:%lld: row %lld: column '%.*s': %s", qg_table_name(r->t), rec->line,
			 column ? column : 1, rec->row, (int)names[col].len, names[col].ptr, b.buf);
	else
		qg_error(QG_EPARSE, "'%s':%lld: row %lld: %s", qg_table_name(r->t), rec->line, rec->row, b.buf);
	qg_buf_release(&b);
	return QG_EPARSE;
}

static long find_col(const struct qg_cell *names, size_t n, const char *want)
{
	size_t len = strlen(want);
	for (size_t i = 0; i < n; i++)
		if (names[i].len == len && !memcmp(names[i].ptr, want, len))
			return (long)i;
	return -1;
}

static int grow(struct reader *r)
{
	struct qg_model_data *d = r->d;
	size_t want = d->alloc ? d->alloc * 2 : 4096, k = d->k ? d->k : 1;
	void *p;

	if (want > UINT32_MAX)
		return qg_error(QG_ENOMEM, "'%s': more than %u rows", d->name, UINT32_MAX);
#define GROW(field, mult)                                                               \
	do {                                                                            \
		if (d->field) {                                                         \
			p = realloc(d->field, want * (mult) * sizeof(*d->field));       \
			if (!p)                                                         \
				return qg_error(QG_ENOMEM, "out of memory at row %zu", d->n); \
			d->field = p;                                                   \
		}                                                                       \
	} while (0)
	GROW(ybin, 1);
	GROW(pbin, 1);
	GROW(ycls, 1);
	GROW(pcls, 1);
	GROW(yreg, 1);
	GROW(preg, 1);
	GROW(score, (d->task == QG_TASK_MULTICLASS ? k : 1));
	GROW(id_off, 1);
	for (size_t s = 0; s < d->nslices; s++)
		GROW(slices[s].val, 1);
#undef GROW
	d->alloc = want;
	return 0;
}

static int cell_is_absent(const struct qg_cell *c)
{
	return (c->flags & (QG_CELL_MISSING | QG_CELL_NULL)) != 0;
}

static int parse_binary(int *out, const struct qg_cell *c)
{
	double v;
	if (c->flags & QG_CELL_BOOL) {
		*out = c->len == 4; /* true */
		return 0;
	}
	if ((c->len == 4 && !strncasecmp(c->ptr, "true", 4)) || (c->len == 5 && !strncasecmp(c->ptr, "false", 5))) {
		*out = c->len == 4;
		return 0;
	}
	if (!model_parse_double(&v, c->ptr, c->len) && (v == 0 || v == 1)) {
		*out = v == 1;
		return 0;
	}
	return -1;
}

/* A binary label or prediction: 0/1 (true/false), or with --pos-label that
 * text against one other. A label that fits neither is named with what the
 * label column holds (diagnose.c), so a wrong --task says so. */
static int binary_of(struct reader *r, const struct qg_record *rec, long col, uint8_t *out, const char *what)
{
	const struct qg_cell *c = &rec->cells[col];
	const char *pos = r->o->pos_label;
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *seeds[3] = { NULL, NULL, NULL };
	int v, ret, err, has0 = 0, has1 = 0, pos_found = 0, show = (int)(c->len > 64 ? 64 : c->len);
	size_t k = 0;

	if (pos) {
		if (c->len == strlen(pos) && !memcmp(c->ptr, pos, c->len)) {
			*out = 1;
			r->pos_seen = 1;
			return 0;
		}
		if (memchr(c->ptr, '\0', c->len))
			return row_fail(r, rec, col, "%s has a NUL byte", what);
		if (!r->neg_label) {
			if (!(r->neg_label = qg_strndup(c->ptr, c->len)))
				return qg_error(QG_ENOMEM, "out of memory");
		}
		if (strlen(r->neg_label) == c->len && !memcmp(c->ptr, r->neg_label, c->len)) {
			*out = 0;
			return 0;
		}
		ret = row_fail(r, rec, col, "%s '%.*s' is a third value besides '%s' (--pos-label) and '%s'", what, show,
			       c->ptr, pos, r->neg_label);
		if (r->pos_seen)
			seeds[k++] = pos;
		seeds[k++] = r->neg_label;
	} else {
		if (!parse_binary(&v, c)) {
			*out = (uint8_t)v;
			return 0;
		}
		ret = row_fail(r, rec, col, "%s '%.*s' outside the classes 0 and 1", what, show, c->ptr);
		if (col != r->label)
			return ret;
		for (size_t i = 0; i < r->d->n && !(has0 && has1); i++) {
			has0 |= !r->d->ybin[i];
			has1 |= r->d->ybin[i];
		}
		if (has0)
			seeds[k++] = "0";
		if (has1)
			seeds[k++] = "1";
	}
	/* the row's message, then what the rest of the label column holds */
	if ((err = qg_buf_addstr(&msg, qg_error_last())) ||
	    (err = model_label_survey(&msg, &pos_found, r->t, r->label, seeds, c->ptr, c->len, pos)))
		ret = err;
	else /* a --pos-label that no label has is the flag's fault: usage */
		ret = qg_error(pos && !pos_found ? QG_EUSAGE : QG_EPARSE, "%s", msg.buf);
	qg_buf_release(&msg);
	return ret;
}

static int class_of(struct reader *r, const struct qg_record *rec, long col, int32_t *out, const char *what)
{
	const struct qg_cell *c = &rec->cells[col];
	long k;

	if (memchr(c->ptr, '\0', c->len))
		return row_fail(r, rec, col, "%s has a NUL byte", what);
	k = model_str_map_get(&r->d->classes, c->ptr, c->len, r->dynamic_classes);
	if (k == QG_ENOMEM)
		return QG_ENOMEM;
	if (k < 0) {
		struct qg_buf names = QG_BUF_INIT(QG_CAP_MESSAGE);
		int ret = 0;
		for (size_t i = 0; !ret && i < r->d->classes.nr && i < 20; i++)
			ret = qg_buf_addf(&names, "%s'%s'", i ? ", " : "", r->d->classes.keys[i]);
		if (!ret)
			ret = row_fail(r, rec, col, "%s '%.*s' outside the classes (%s)", what,
				       (int)(c->len > 64 ? 64 : c->len), c->ptr, names.buf);
		qg_buf_release(&names);
		return ret;
	}
	*out = (int32_t)k;
	return 0;
}

static int number_of(struct reader *r, const struct qg_record *rec, long col, double *out, int prob)
{
	const struct qg_cell *c = &rec->cells[col];
	if (cell_is_absent(c))
		return row_fail(r, rec, col, "missing value");
	if (model_parse_double(out, c->ptr, c->len))
		return row_fail(r, rec, col, "'%.*s' is not a finite number", (int)(c->len > 64 ? 64 : c->len), c->ptr);
	if (prob && !(*out >= 0 && *out <= 1))
		return row_fail(r, rec, col, "probability %.*s outside [0, 1]", (int)(c->len > 64 ? 64 : c->len), c->ptr);
	if (*out == 0)
		*out = 0.0; /* -0.0 */
	return 0;
}

static int score_array_of(struct reader *r, const struct qg_record *rec, double *row)
{
	const struct qg_cell *c = &rec->cells[r->score];
	const char *p = c->ptr, *e = c->ptr + c->len;
	size_t k = 0;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= e || *p != '[')
		return row_fail(r, rec, r->score, "expected a JSON array of %zu class probabilities", r->d->k);
	p++;
	for (;;) {
		const char *q;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		q = p;
		while (q < e && *q != ',' && *q != ']' && *q != ' ' && *q != '\t')
			q++;
		if (k >= r->d->k)
			return row_fail(r, rec, r->score, "more than %zu class probabilities", r->d->k);
		if (model_parse_double(&row[k], p, (size_t)(q - p)))
			return row_fail(r, rec, r->score, "probability %zu '%.*s' is not a finite number", k + 1,
					(int)(q - p > 64 ? 64 : q - p), p);
		if (!(row[k] >= 0 && row[k] <= 1))
			return row_fail(r, rec, r->score, "probability %zu (%.*s) outside [0, 1]", k + 1,
					(int)(q - p > 64 ? 64 : q - p), p);
		k++;
		p = q;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p == ']')
			break;
		return row_fail(r, rec, r->score, "malformed JSON array of probabilities");
	}
	if (k != r->d->k)
		return row_fail(r, rec, r->score, "%zu class probabilities, expected %zu", k, r->d->k);
	return 0;
}

static int read_row(struct reader *r, const struct qg_record *rec)
{
	struct qg_model_data *d = r->d;
	size_t i = d->n;
	int ret;

	if (rec->nr != r->ncols && qg_table_format(r->t) != QG_FORMAT_JSONL)
		return row_fail(r, rec, -1, "%zu fields, the header has %zu (ragged row)", rec->nr, r->ncols);
	if (i >= d->alloc && (ret = grow(r)))
		return ret;
	if (cell_is_absent(&rec->cells[r->label]))
		return row_fail(r, rec, r->label, "missing label");
	if (r->pred >= 0 && cell_is_absent(&rec->cells[r->pred]))
		return row_fail(r, rec, r->pred, "missing prediction");

	switch (d->task) {
	case QG_TASK_BINARY:
		if ((ret = binary_of(r, rec, r->label, &d->ybin[i], "label")))
			return ret;
		if (r->score >= 0 && (ret = number_of(r, rec, r->score, &d->score[i], 1)))
			return ret;
		if (r->pred >= 0 && (ret = binary_of(r, rec, r->pred, &d->pbin[i], "prediction")))
			return ret;
		break;
	case QG_TASK_MULTICLASS: {
		if ((ret = class_of(r, rec, r->label, &d->ycls[i], "label")))
			return ret;
		if (r->pred >= 0 && (ret = class_of(r, rec, r->pred, &d->pcls[i], "prediction")))
			return ret;
		if (d->score) {
			double *row = d->score + i * d->k;
			if (r->score_array) {
				if ((ret = score_array_of(r, rec, row)))
					return ret;
			} else {
				for (size_t c = 0; c < d->k; c++)
					if ((ret = number_of(r, rec, r->score_cols[c], &row[c], 1)))
						return ret;
			}
			if (r->pred < 0) {
				size_t best = 0; /* numpy argmax: the first maximum */
				for (size_t c = 1; c < d->k; c++)
					if (row[c] > row[best])
						best = c;
				d->pcls[i] = (int32_t)best;
			}
		}
		break;
	}
	case QG_TASK_REGRESSION:
		if ((ret = number_of(r, rec, r->label, &d->yreg[i], 0))) {
			struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
			const struct qg_cell *c = &rec->cells[r->label];
			if (!qg_buf_addstr(&msg, qg_error_last()) && !model_regression_label_hint(&msg, c->ptr, c->len))
				ret = qg_error(ret, "%s", msg.buf);
			qg_buf_release(&msg);
			return ret;
		}
		if ((ret = number_of(r, rec, r->pred, &d->preg[i], 0)))
			return ret;
		break;
	}
	if (r->id >= 0) {
		const struct qg_cell *c = &rec->cells[r->id];
		if (cell_is_absent(c))
			return row_fail(r, rec, r->id, "missing id");
		if (memchr(c->ptr, '\0', c->len))
			return row_fail(r, rec, r->id, "id has a NUL byte");
		d->id_off[i] = d->ids.len;
		if (qg_buf_add(&d->ids, c->ptr, c->len) || qg_buf_addch(&d->ids, 0))
			return qg_error(QG_ENOMEM, "out of memory");
	}
	for (size_t s = 0; s < d->nslices; s++) {
		const struct qg_cell *c = &rec->cells[r->slice_cols[s]];
		long v;
		if (!cell_is_absent(c) && memchr(c->ptr, '\0', c->len))
			return row_fail(r, rec, r->slice_cols[s], "slice value has a NUL byte");
		v = model_str_map_get(&d->slices[s].values, c->ptr, cell_is_absent(c) ? 0 : c->len, 1);
		if (v < 0)
			return (int)v;
		d->slices[s].val[i] = (uint32_t)v;
	}
	d->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	double dx, dy;
	/* numeric labels sort as numbers (np.unique on ints), others as text */
	if (!model_parse_double(&dx, x, strlen(x)) && !model_parse_double(&dy, y, strlen(y)) && dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

/* Dynamic classes were numbered in order of appearance: renumber sorted. */
static int sort_classes(struct qg_model_data *d)
{
	size_t k = d->classes.nr;
	char **sorted = malloc((k ? k : 1) * sizeof(*sorted));
	int32_t *remap = malloc((k ? k : 1) * sizeof(*remap));
	struct qg_strmap m = { 0 };

	if (!sorted || !remap) {
		free(sorted);
		free(remap);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	memcpy(sorted, d->classes.keys, k * sizeof(*sorted));
	qsort(sorted, k, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < k; i++)
		if (model_str_map_get(&m, sorted[i], strlen(sorted[i]), 1) < 0) {
			free(sorted);
			free(remap);
			qg_strmap_release(&m);
			return QG_ENOMEM;
		}
	for (size_t i = 0; i < k; i++)
		remap[i] = (int32_t)model_str_map_get(&m, d->classes.keys[i], strlen(d->classes.keys[i]), 0);
	for (size_t i = 0; i < d->n; i++) {
		d->ycls[i] = remap[d->ycls[i]];
		d->pcls[i] = remap[d->pcls[i]];
	}
	qg_strmap_release(&d->classes);
	d->classes = m;
	d->k = k;
	free(sorted);
	free(remap);
	return 0;
}

/* A missing column: the message, then the columns the file does have. */
static int no_column(const struct qg_cell *names, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int no_column(const struct qg_cell *names, size_t n, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!err)
		err = model_columns_found(&b, names, n);
	if (!err)
		err = qg_error(QG_EPARSE, "%s", b.buf);
	qg_buf_release(&b);
	return err;
}

static int setup_columns(struct reader *r)
{
	struct qg_model_data *d = r->d;
	const struct qg_model_read_opts *o = r->o;
	const struct qg_cell *names;
	size_t n = qg_table_columns(r->t, &names);
	const char *label = o->label_col ? o->label_col : "label";
	const char *pred = o->pred_col ? o->pred_col : "prediction";
	const char *score = o->score_col ? o->score_col : "score";
	const char *name = qg_table_name(r->t);

	r->ncols = n;
	if (!n)
		return qg_error(QG_EPARSE, "'%s': empty file (expected a header or a first record)", name);
	r->label = find_col(names, n, label);
	r->pred = find_col(names, n, pred);
	r->score = find_col(names, n, score);
	r->id = o->id_col ? find_col(names, n, o->id_col) : -1;
	if (r->label < 0)
		return no_column(names, n, "'%s':1: no label column '%s'", name, label);
	if (o->pred_given && r->pred < 0)
		return no_column(names, n, "'%s':1: no prediction column '%s'", name, pred);
	if (o->id_col && r->id < 0)
		return no_column(names, n, "'%s':1: no id column '%s'", name, o->id_col);

	switch (d->task) {
	case QG_TASK_BINARY:
		if (o->score_given && r->score < 0)
			return no_column(names, n, "'%s':1: no score column '%s'", name, score);
		if (r->score < 0 && r->pred < 0)
			return no_column(names, n, "'%s':1: neither a prediction column '%s' nor a score column '%s'",
					name, pred, score);
		break;
	case QG_TASK_MULTICLASS: {
		size_t plen = strlen(score);
		for (size_t c = 0; c < o->nr_classes; c++)
			if (model_str_map_get(&d->classes, o->classes[c], strlen(o->classes[c]), 1) < 0)
				return QG_ENOMEM;
		if (r->score >= 0) {
			/* one column of JSON arrays, in --classes order */
			if (!o->nr_classes)
				return qg_error(QG_EUSAGE, "'%s': score column '%s' is one column: for --task multiclass it "
						"holds JSON arrays of class probabilities in --classes order (give --classes), "
						"or the scores are '%s_<class>' columns; one probability per row is --task "
						"binary", name, score, score);
			r->score_array = 1;
		} else {
			/* score_<class> columns */
			size_t found = 0;
			for (size_t i = 0; i < n; i++)
				if (names[i].len > plen + 1 && !memcmp(names[i].ptr, score, plen) && names[i].ptr[plen] == '_')
					found++;
			if (found && !o->nr_classes) {
				for (size_t i = 0; i < n; i++) {
					long k;
					if (names[i].len <= plen + 1 || memcmp(names[i].ptr, score, plen) ||
					    names[i].ptr[plen] != '_')
						continue;
					if (memchr(names[i].ptr, '\0', names[i].len))
						return qg_error(QG_EPARSE, "'%s': score column %zu's name has a NUL byte",
								name, i + 1);
					k = model_str_map_get(&d->classes, names[i].ptr + plen + 1, names[i].len - plen - 1, 1);
					if (k < 0)
						return (int)k;
				}
			}
			if (found) {
				r->score_cols = malloc(d->classes.nr * sizeof(*r->score_cols));
				if (!r->score_cols)
					return qg_error(QG_ENOMEM, "out of memory");
				for (size_t c = 0; c < d->classes.nr; c++) {
					struct qg_buf col = QG_BUF_INIT(QG_CAP_MESSAGE);
					int err = qg_buf_addf(&col, "%s_%s", score, d->classes.keys[c]);
					r->score_cols[c] = err ? -1 : find_col(names, n, col.buf);
					qg_buf_release(&col);
					if (err)
						return err;
					if (r->score_cols[c] < 0)
						return no_column(names, n, "'%s':1: no score column '%s_%s' for class '%s'", name,
								score, d->classes.keys[c], d->classes.keys[c]);
				}
			} else if (o->score_given) {
				return no_column(names, n, "'%s':1: no score column '%s' nor '%s_<class>' columns", name,
						score, score);
			}
			if (found || r->score_array) {
			}
		}
		if (r->score < 0 && !r->score_cols && r->pred < 0)
			return no_column(names, n, "'%s':1: neither a prediction column '%s' nor score columns '%s_<class>'",
					name, pred, score);
		if (d->classes.nr < 2 && (r->score_array || r->score_cols))
			return qg_error(QG_EPARSE, "'%s':1: multiclass scores need at least two classes", name);
		d->k = d->classes.nr;
		r->dynamic_classes = !r->score_array && !r->score_cols && !o->nr_classes;
		break;
	}
	case QG_TASK_REGRESSION:
		if (r->pred < 0)
			return no_column(names, n, "'%s':1: no prediction column '%s'%s", name, pred,
					 r->score >= 0 ? " (regression predicts values; a score column is a classifier's: "
							 "--task binary?)" : "");
		break;
	}

	if (o->nr_slices) {
		d->slices = calloc(o->nr_slices, sizeof(*d->slices));
		r->slice_cols = calloc(o->nr_slices, sizeof(*r->slice_cols));
		if (!d->slices || !r->slice_cols)
			return qg_error(QG_ENOMEM, "out of memory");
		d->nslices = o->nr_slices;
		for (size_t s = 0; s < o->nr_slices; s++) {
			r->slice_cols[s] = find_col(names, n, o->slice_cols[s]);
			if (r->slice_cols[s] < 0)
				return no_column(names, n, "'%s':1: no slice column '%s'", name, o->slice_cols[s]);
			if (!(d->slices[s].col = qg_strdup(o->slice_cols[s])))
				return qg_error(QG_ENOMEM, "out of memory");
			d->slices[s].val = malloc(1);
		}
	}

	/* allocate the arrays this task needs (grown later) */
#define NEED(field) \
	do { if (!(d->field = malloc(sizeof(*d->field)))) return qg_error(QG_ENOMEM, "out of memory"); } while (0)
	switch (d->task) {
	case QG_TASK_BINARY:
		NEED(ybin);
		if (r->pred >= 0)
			NEED(pbin);
		if (r->score >= 0)
			NEED(score);
		break;
	case QG_TASK_MULTICLASS:
		NEED(ycls);
		NEED(pcls);
		if (r->score_array || r->score_cols)
			NEED(score);
		break;
	case QG_TASK_REGRESSION:
		NEED(yreg);
		NEED(preg);
		break;
	}
	if (r->id >= 0)
		NEED(id_off);
#undef NEED
	for (size_t s = 0; s < d->nslices; s++)
		if (!d->slices[s].val)
			return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

int model_data_read_table(struct qg_model_data *d, struct qg_table *t, const struct qg_model_read_opts *o)
{
	struct reader r = { .d = d, .o = o, .t = t, .label = -1, .pred = -1, .score = -1, .id = -1 };
	struct qg_record rec;
	int ret;

	memset(d, 0, sizeof(*d));
	qg_buf_init(&d->ids, QG_CAP_FILE); /* every row's id: as large as the data */
	d->task = o->task;
	d->name = qg_strdup(qg_table_name(t));
	if (!d->name) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if ((ret = setup_columns(&r)))
		goto done;
	while ((ret = qg_table_next(t, &rec)) == 1)
		if ((ret = read_row(&r, &rec)))
			goto done;
	if (ret < 0)
		goto done;
	if (!d->n) {
		ret = qg_error(QG_EPARSE, "'%s': no data rows (empty file)", d->name);
		goto done;
	}
	if (d->task == QG_TASK_MULTICLASS && r.dynamic_classes && (ret = sort_classes(d)))
		goto done;
	if (o->pos_label && !r.pos_seen) {
		/* most likely a typo in the flag: the positive class is never named */
		ret = qg_error(QG_EUSAGE, "--pos-label '%s': no label or prediction in '%s' is '%s'%s%s%s", o->pos_label,
			       d->name, o->pos_label, r.neg_label ? " (the labels are all '" : "",
			       r.neg_label ? r.neg_label : "", r.neg_label ? "')" : "");
		goto done;
	}
	ret = 0;
done:
	free(r.neg_label);
	free(r.score_cols);
	free(r.slice_cols);
	qg_table_free(t);
	if (ret)
		model_data_release(d);
	return ret;
}

int model_data_read(struct qg_model_data *d, const char *path, const struct qg_model_read_opts *o)
{
	struct qg_stream *s;
	struct qg_table *t;
	struct qg_table_opts to = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	if (o->input_format) {
		if (!strcmp(o->input_format, "csv"))
			to.format = QG_FORMAT_CSV;
		else if (!strcmp(o->input_format, "tsv"))
			to.format = QG_FORMAT_TSV;
		else if (!strcmp(o->input_format, "jsonl"))
			to.format = QG_FORMAT_JSONL;
	}
	to.delimiter = o->delimiter;
	if ((ret = qg_stream_open(&s, path, 0)))
		return ret;
	if ((ret = qg_table_open(&t, s, &to)))
		return ret;
	if (o->delimiter && qg_table_format(t) == QG_FORMAT_JSONL) {
		ret = qg_error(QG_EUSAGE, "--delimiter: '%s' is read as JSONL, which has no delimiter", qg_table_name(t));
		qg_table_free(t);
		return ret;
	}
	return model_data_read_table(d, t, o);
}

void model_data_release(struct qg_model_data *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->ybin);
	free(d->pbin);
	free(d->ycls);
	free(d->pcls);
	free(d->yreg);
	free(d->preg);
	free(d->score);
	qg_strmap_release(&d->classes);
	for (size_t s = 0; s < d->nslices; s++) {
		free(d->slices[s].col);
		free(d->slices[s].val);
		qg_strmap_release(&d->slices[s].values);
	}
	free(d->slices);
	qg_buf_release(&d->ids);
	free(d->id_off);
	memset(d, 0, sizeof(*d));
}

const char *model_data_id(const struct qg_model_data *d, size_t i)
{
	return d->ids.buf + d->id_off[i];
}
