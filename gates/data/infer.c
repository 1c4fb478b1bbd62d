/* infer.c -- qgate-data infer: a Table Schema from data
 *
 * One pass over every input (threads and pieces as for validate). For each
 * column we keep which types every non-missing value still fits (integer,
 * number, boolean, date, datetime, time; for strings the uuid/email/uri
 * formats), the typed minimum and maximum with their original text, the
 * missing count, and up to --enum-max distinct values. The schema takes the
 * narrowest type that fits all values, in the order integer, number,
 * boolean, date, datetime, time, string. required is set when a column has
 * values and no missing ones; minimum/maximum are the observed extremes
 * (left out for NaN/infinite numbers); enum is proposed for a string column
 * with at most --enum-max distinct values over at least --enum-min-rows
 * values. The promise, tested end to end: the data validates against the
 * schema inferred from it.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/utf8.h"
#include "data.h"
#include "schema.h"

enum {
	T_INT = 1 << 0, T_NUM = 1 << 1, T_BOOL = 1 << 2, T_DATE = 1 << 3, T_DT = 1 << 4, T_DTANY = 1 << 5,
	T_TIME = 1 << 6, T_UUID = 1 << 7, T_EMAIL = 1 << 8, T_URI = 1 << 9,
	T_ALL = (1 << 10) - 1,
};

#define TEXT_MAX 64

struct bound {
	int set;
	double key;
	long long ikey;
	char text[TEXT_MAX + 1];
};

struct colstat {
	char *name;
	unsigned fits;
	long long values, missing;
	int nan, inf, long_int;
	struct bound imin, imax, nmin, nmax, tmin[3], tmax[3]; /* date, datetime(any), time */
	int enum_over;
	size_t nr_distinct;
	char *distinct;     /* enum_max * (TEXT_MAX + 1) */
	size_t *dlen;
};

struct ipiece {
	struct colstat *cols;
	size_t nr_cols;
};

struct irun {
	const struct qg_data_opts *o;
	struct ipiece *ps;
	size_t enum_max;
};

static void col_release(struct colstat *c)
{
	free(c->name);
	free(c->distinct);
	free(c->dlen);
}

static void piece_reset(void *ctx, struct qg_data_plan *p, size_t piece)
{
	struct irun *r = ctx;
	struct ipiece *ps = &r->ps[piece];

	for (size_t i = 0; i < ps->nr_cols; i++)
		col_release(&ps->cols[i]);
	free(ps->cols);
	memset(ps, 0, sizeof(*ps));
}

static int col_init(struct irun *r, struct colstat *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->fits = T_ALL;
	c->name = qg_strdup(name);
	c->distinct = malloc(r->enum_max * (TEXT_MAX + 1) + 1);
	c->dlen = calloc(r->enum_max + 1, sizeof(size_t));
	if (!c->name || !c->distinct || !c->dlen)
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

static void bound_update(struct bound *lo, struct bound *hi, double key, long long ikey, const char *s, size_t n)
{
	size_t k = n > TEXT_MAX ? TEXT_MAX : n;

	if (!lo->set || key < lo->key || (key == lo->key && ikey < lo->ikey)) {
		lo->set = 1;
		lo->key = key;
		lo->ikey = ikey;
		memcpy(lo->text, s, k);
		lo->text[k] = 0;
	}
	if (!hi->set || key > hi->key || (key == hi->key && ikey > hi->ikey)) {
		hi->set = 1;
		hi->key = key;
		hi->ikey = ikey;
		memcpy(hi->text, s, k);
		hi->text[k] = 0;
	}
}

static void add_distinct(struct irun *r, struct colstat *c, const char *s, size_t n)
{
	if (c->enum_over)
		return;
	if (n > TEXT_MAX || memchr(s, 0, n)) {
		c->enum_over = 1;
		return;
	}
	for (size_t i = 0; i < c->nr_distinct; i++)
		if (c->dlen[i] == n && !memcmp(c->distinct + i * (TEXT_MAX + 1), s, n))
			return;
	if (c->nr_distinct >= r->enum_max) {
		c->enum_over = 1;
		return;
	}
	memcpy(c->distinct + c->nr_distinct * (TEXT_MAX + 1), s, n);
	c->distinct[c->nr_distinct * (TEXT_MAX + 1) + n] = 0;
	c->dlen[c->nr_distinct++] = n;
}

static void observe(struct irun *r, struct colstat *c, const struct qg_cell *cell)
{
	const char *s = cell->ptr;
	size_t n = cell->len;
	unsigned f = c->fits;
	long long ik, days;
	double d;

	if ((cell->flags & (QG_CELL_NULL | QG_CELL_MISSING)) || n == 0) {
		c->missing++;
		return;
	}
	c->values++;
	add_distinct(r, c, s, n);
	if (qg_utf8_check(s, n, NULL)) {
		c->fits = 0; /* only a plain string can hold it (and validate reports it) */
		return;
	}
	if (cell->flags & QG_CELL_NESTED) {
		c->fits = 0;
		return;
	}
	if ((f & T_INT) && data_value_int(s, n, 0, &ik) == 0) {
		if (ik > (1LL << 53) || ik < -(1LL << 53))
			c->long_int = 1;
		bound_update(&c->imin, &c->imax, (double)ik, ik, s, n);
	} else {
		f &= ~T_INT;
	}
	if (f & T_NUM) {
		if (data_value_number(s, n, '.', 0, &d) == 0) {
			if (isnan(d))
				c->nan = 1;
			else if (isinf(d))
				c->inf = 1;
			else
				bound_update(&c->nmin, &c->nmax, d, 0, s, n);
		} else {
			f &= ~T_NUM;
		}
	}
	if ((f & T_BOOL) && !(n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4))) &&
	    !(n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5))))
		f &= ~T_BOOL;
	if (f & T_DATE) {
		if (data_value_date(s, n, &days) == 0)
			bound_update(&c->tmin[0], &c->tmax[0], (double)days, 0, s, n);
		else
			f &= ~T_DATE;
	}
	if (f & (T_DT | T_DTANY)) {
		if (data_value_datetime(s, n, 1, &d) != 0)
			f &= ~T_DT;
		if (data_value_datetime(s, n, 0, &d) == 0)
			bound_update(&c->tmin[1], &c->tmax[1], d, 0, s, n);
		else
			f &= ~(T_DT | T_DTANY);
	}
	if (f & T_TIME) {
		if (data_value_time(s, n, &d) == 0)
			bound_update(&c->tmin[2], &c->tmax[2], d, 0, s, n);
		else
			f &= ~T_TIME;
	}
	if ((f & T_UUID) && data_value_uuid(s, n))
		f &= ~T_UUID;
	if ((f & T_EMAIL) && data_value_email(s, n))
		f &= ~T_EMAIL;
	if ((f & T_URI) && data_value_uri(s, n))
		f &= ~T_URI;
	/* JSONL strings are strings even when they look like numbers */
	if (cell->flags & QG_CELL_QUOTED)
		f &= ~(T_INT | T_NUM | T_BOOL);
	if (cell->flags & QG_CELL_BOOL)
		f &= T_BOOL;
	c->fits = f;
}

static int run_piece(void *ctx, struct qg_data_plan *p, size_t piece, int worker)
{
	struct irun *r = ctx;
	struct ipiece *ps = &r->ps[piece];
	struct qg_data_source src;
	struct qg_record rec;
	int err;

	piece_reset(ctx, p, piece);
	if ((err = data_source_open(&src, p, piece, NULL, 0)) < 0)
		return err;
	ps->cols = calloc(src.nr_columns + 1, sizeof(*ps->cols));
	if (!ps->cols) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < src.nr_columns; i++) {
		ps->nr_cols = i + 1;
		if ((err = col_init(r, &ps->cols[i], src.columns[i])) < 0)
			goto done;
	}
	while ((err = qg_table_next(src.table, &rec)) > 0) {
		size_t n = rec.nr < ps->nr_cols ? ps->nr_cols : rec.nr;
		for (size_t i = 0; i < ps->nr_cols && i < n; i++)
			observe(r, &ps->cols[i], &rec.cells[i]);
	}
done:
	data_source_close(&src);
	return err;
}

static void merge_bound(struct bound *lo, struct bound *hi, const struct bound *olo, const struct bound *ohi)
{
	if (olo->set && (!lo->set || olo->key < lo->key || (olo->key == lo->key && olo->ikey < lo->ikey)))
		*lo = *olo;
	if (ohi->set && (!hi->set || ohi->key > hi->key || (ohi->key == hi->key && ohi->ikey > hi->ikey)))
		*hi = *ohi;
}

static void merge_col(struct irun *r, struct colstat *a, const struct colstat *b)
{
	a->fits &= b->fits;
	a->values += b->values;
	a->missing += b->missing;
	a->nan |= b->nan;
	a->inf |= b->inf;
	a->long_int |= b->long_int;
	merge_bound(&a->imin, &a->imax, &b->imin, &b->imax);
	merge_bound(&a->nmin, &a->nmax, &b->nmin, &b->nmax);
	for (int k = 0; k < 3; k++)
		merge_bound(&a->tmin[k], &a->tmax[k], &b->tmin[k], &b->tmax[k]);
	a->enum_over |= b->enum_over;
	for (size_t i = 0; i < b->nr_distinct && !a->enum_over; i++)
		add_distinct(r, a, b->distinct + i * (TEXT_MAX + 1), b->dlen[i]);
}

static void add_int_bound(struct qg_json *cons, const char *key, const struct bound *b, int long_int)
{
	if (long_int) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "%lld", b->ikey);
		qg_json_add_string(cons, key, tmp);
	} else {
		qg_json_add_number(cons, key, (double)b->ikey);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int emit(struct irun *r, struct colstat *cols, size_t nr, struct qg_buf *out)
{
	struct qg_json *root = qg_json_new_object(), *fields;
	int err = 0;

	if (!root)
		return qg_error(QG_ENOMEM, "out of memory");
	fields = qg_json_add_array(root, "fields");
	for (size_t i = 0; fields && i < nr; i++) {
		struct colstat *c = &cols[i];
		struct qg_json *f = qg_json_add_object(fields, NULL), *cons;
		unsigned fits = c->values ? c->fits : 0;
		const char *type = "string", *format = NULL;
		int k = -1;

		if (!f) {
			err = QG_ENOMEM;
			break;
		}
		qg_json_add_string(f, "name", c->name);
		if (fits & T_INT)
			type = "integer";
		else if (fits & T_NUM)
			type = "number";
		else if (fits & T_BOOL)
			type = "boolean";
		else if (fits & T_DATE)
			type = "date", k = 0;
		else if (fits & (T_DT | T_DTANY))
			type = "datetime", k = 1, format = fits & T_DT ? NULL : "any";
		else if (fits & T_TIME)
			type = "time", k = 2;
		else if (fits & T_UUID)
			format = "uuid";
		else if (fits & T_EMAIL)
			format = "email";
		else if (fits & T_URI)
			format = "uri";
		qg_json_add_string(f, "type", type);
		if (format)
			qg_json_add_string(f, "format", format);
		cons = qg_json_add_object(f, "constraints");
		if (!cons) {
			err = QG_ENOMEM;
			break;
		}
		if (c->values && !c->missing)
			qg_json_add_bool(cons, "required", 1);
		if (!r->o->no_bounds) {
			if ((fits & T_INT) && c->imin.set) {
				add_int_bound(cons, "minimum", &c->imin, c->long_int);
				add_int_bound(cons, "maximum", &c->imax, c->long_int);
			} else if (!(fits & T_INT) && (fits & T_NUM) && c->nmin.set && !c->nan && !c->inf) {
				qg_json_add_number(cons, "minimum", c->nmin.key);
				qg_json_add_number(cons, "maximum", c->nmax.key);
			} else if (k >= 0 && c->tmin[k].set) {
				qg_json_add_string(cons, "minimum", c->tmin[k].text);
				qg_json_add_string(cons, "maximum", c->tmax[k].text);
			}
		}
		if (!strcmp(type, "string") && !format && !c->enum_over && c->nr_distinct &&
		    c->values >= r->o->enum_min_rows) {
			struct qg_json *e = qg_json_add_array(cons, "enum");
			const char **sorted = calloc(c->nr_distinct, sizeof(char *));

			if (!sorted) {
				err = QG_ENOMEM;
				break;
			}
			for (size_t d = 0; d < c->nr_distinct; d++)
				sorted[d] = c->distinct + d * (TEXT_MAX + 1);
			qsort(sorted, c->nr_distinct, sizeof(char *), cmp_str);
			for (size_t d = 0; e && d < c->nr_distinct; d++)
				qg_json_add_string(e, NULL, sorted[d]);
			free(sorted);
		}
		if (qg_json_size(cons) == 0)
			qg_json_remove(f, "constraints");
	}
	if (!err) {
		struct qg_json *mv = qg_json_add_array(root, "missingValues");
		if (mv)
			qg_json_add_string(mv, NULL, "");
		err = qg_json_print(out, root, 1);
	}
	qg_json_free(root);
	return err < 0 ? err : (err ? qg_error(QG_ENOMEM, "out of memory") : 0);
}

int data_infer(const struct qg_data_opts *o, struct qg_buf *out)
{
	struct qg_data_plan plan;
	struct irun r;
	struct colstat *cols = NULL;
	size_t nr = 0;
	int err;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.enum_max = o->enum_max > 0 ? (size_t)o->enum_max : 10;
	if ((err = data_plan_build(&plan, &o->input, &o->data)) < 0)
		return err;
	r.ps = calloc(plan.nr_pieces + 1, sizeof(*r.ps));
	if (!r.ps) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = data_plan_run(&plan, run_piece, piece_reset, &r)) < 0)
		goto done;
	for (size_t i = 0; i < plan.nr_pieces; i++)
		if (plan.pieces[i].status && !plan.pieces[i].dropped) {
			err = qg_error(plan.pieces[i].status, "%s", data_plan_piece_error(&plan, i));
			goto done;
		}
	/* merge columns by name, in order of first appearance */
	for (size_t pi = 0; pi < plan.nr_pieces; pi++) {
		struct ipiece *ps = &r.ps[pi];
		if (plan.pieces[pi].dropped)
			continue;
		for (size_t i = 0; i < ps->nr_cols; i++) {
			size_t k;
			for (k = 0; k < nr; k++)
				if (!strcmp(cols[k].name, ps->cols[i].name))
					break;
			if (k == nr) {
				struct colstat *nc = realloc(cols, (nr + 1) * sizeof(*cols));
				if (!nc) {
					err = qg_error(QG_ENOMEM, "out of memory");
					goto done;
				}
				cols = nc;
				if ((err = col_init(&r, &cols[nr++], ps->cols[i].name)) < 0)
					goto done;
			}
			merge_col(&r, &cols[k], &ps->cols[i]);
		}
	}
	if (!nr) {
		err = qg_error(QG_EINPUT, "no columns found in the input (empty data?)");
		goto done;
	}
	err = emit(&r, cols, nr, out);
done:
	for (size_t i = 0; i < nr; i++)
		col_release(&cols[i]);
	free(cols);
	if (r.ps)
		for (size_t i = 0; i < plan.nr_pieces; i++)
			piece_reset(&r, &plan, i);
	free(r.ps);
	data_plan_release(&plan);
	return err;
}
