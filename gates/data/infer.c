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
 * values (and for an integer column that is not an id). The promise, tested
 * end to end: the data validates against the schema inferred from it.
 *
 * Before reading, the head of every CSV input (64 KiB, at most 100 records)
 * is sniffed (infer_sniff.c): the delimiter (',', ';', tab, '|': the one giving the same
 * number of fields, more than one, on every record; --delimiter overrides)
 * and whether the first record is a header (a column whose values are all
 * numbers, dates or booleans under a first cell that is not says "header";
 * first cells of their columns' type say "no header"; nothing typed: a
 * header; --header yes|no overrides). What was decided goes to stderr and
 * into the schema as a CSV Dialect ("dialect": {"delimiter", "header"}). A
 * header-less file's columns are field1..fieldN and its first line is data.
 *
 * Rows that do not have as many cells as the header are refused (exit 1,
 * the first such line): a schema from a misread file would be wrong.
 * Columns named like ids (id, *_id, *Id, key, uuid) get no maximum and no
 * enum; the first such column whose values are all present and distinct
 * (checked on sorted 64-bit hashes, up to 4 M values, 32 MiB a column; past
 * that nothing is proposed) becomes the primaryKey.
 */
#include "qgate/common.h"

#include <math.h>
#include <sys/stat.h>

#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/hash.h"
#include "qgate/json.h"
#include "qgate/stream.h"
#include "qgate/utf8.h"
#include "data.h"
#include "infer_sniff.h"
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
	int id_like;        /* named like an id: no maximum, no enum, maybe the primaryKey */
	int id_dup;         /* a value seen twice (or the set gave up): not a key */
	uint64_t *ids;      /* open addressing set of value hashes (0 = empty) */
	size_t nr_ids, cap_ids;
};

#define IDS_MAX ((size_t)1 << 22) /* values checked for a primaryKey */

struct ipiece {
	struct colstat *cols;
	size_t nr_cols;
	long long bad_line;  /* first record whose cell count is not the header's (0: none) */
	size_t bad_nr;
};

struct irun {
	const struct qg_data_opts *o;
	struct ipiece *ps;
	size_t enum_max;
	int headerless;      /* CSV/TSV: the first line is data */
	struct qg_file_stamp *stamps; /* plan file i as sniffed (local regular files) */
};

static void col_release(struct colstat *c)
{
	free(c->name);
	free(c->distinct);
	free(c->dlen);
	free(c->ids);
}

/* id, ID, user_id, user-id, "user id", userId, key, uuid, guid */
static int name_is_id(const char *name)
{
	size_t n = strlen(name);

	if (!strcasecmp(name, "id") || !strcasecmp(name, "key") || !strcasecmp(name, "uuid") ||
	    !strcasecmp(name, "guid"))
		return 1;
	if (n > 3 && (name[n - 3] == '_' || name[n - 3] == '-' || name[n - 3] == ' ') &&
	    !strcasecmp(name + n - 2, "id"))
		return 1;
	return n > 2 && name[n - 2] == 'I' && name[n - 1] == 'd' && name[n - 3] >= 'a' && name[n - 3] <= 'z';
}

/* Value hashes are appended (a sequential write, cheap) and checked for
 * repeats once, sorted, when the schema is written. Past IDS_MAX values, or
 * when memory runs out, the column gives up (id_dup): no key is proposed. */
static void id_give_up(struct colstat *c)
{
	c->id_dup = 1;
	free(c->ids);
	c->ids = NULL;
	c->nr_ids = c->cap_ids = 0;
}

static void id_seen(struct colstat *c, uint64_t h)
{
	if (c->id_dup)
		return;
	if (c->nr_ids == c->cap_ids) {
		size_t cap = c->cap_ids ? 2 * c->cap_ids : 1024;
		uint64_t *t;

		if (c->nr_ids >= IDS_MAX || !(t = realloc(c->ids, cap * sizeof(*t)))) {
			id_give_up(c);
			return;
		}
		c->ids = t;
		c->cap_ids = cap;
	}
	c->ids[c->nr_ids++] = h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* LSD radix sort, 8 passes of a byte (qsort when the buffer cannot be had). */
static void sort_u64(uint64_t *v, size_t n)
{
	uint64_t *tmp = n > 64 ? malloc(n * sizeof(*tmp)) : NULL, *a = v, *b = tmp, *t;
	size_t count[256];

	if (!tmp) {
		qsort(v, n, sizeof(*v), cmp_u64);
		return;
	}
	for (int shift = 0; shift < 64; shift += 8) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(a[i] >> shift) & 255]++;
		for (int k = 0; k < 256; k++) {
			size_t c = count[k];

			count[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[(a[i] >> shift) & 255]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* 8 passes: the sorted values are back in v */
	free(tmp);
}

/* 1 when no value hash repeats (sorts the hashes). */
static int ids_distinct(struct colstat *c)
{
	if (c->id_dup)
		return 0;
	sort_u64(c->ids, c->nr_ids);
	for (size_t i = 1; i < c->nr_ids; i++)
		if (c->ids[i] == c->ids[i - 1])
			return 0;
	return 1;
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
	c->id_like = name_is_id(name);
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
	if (c->id_like && !c->id_dup) {
		/* integers by value ("01" and "1" are one); a string column
		 * holding both then proposes no key, which is safe */
		if (data_value_int(s, n, 0, &ik) == 0)
			id_seen(c, qg_hash_fmix64((uint64_t)ik ^ 0x9e3779b97f4a7c15ULL));
		else
			id_seen(c, qg_hash64(s, n));
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
	int err, csv;

	piece_reset(ctx, p, piece);
	if ((err = data_source_open(&src, p, piece, NULL, 0)) < 0)
		return err;
	ps->cols = calloc(src.nr_columns + 1, sizeof(*ps->cols));
	if (!ps->cols) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	csv = src.format != QG_FORMAT_JSONL;
	for (size_t i = 0; i < src.nr_columns; i++) {
		char name[32];

		ps->nr_cols = i + 1;
		snprintf(name, sizeof(name), "field%zu", i + 1);
		if ((err = col_init(r, &ps->cols[i], csv && r->headerless ? name : src.columns[i])) < 0)
			goto done;
	}
	/* a header-less file's first line is its first row */
	if (csv && r->headerless && p->pieces[piece].offset == 0)
		for (size_t i = 0; i < ps->nr_cols && i < src.header.nr; i++) {
			struct qg_cell cell = { .ptr = src.header.v[i], .len = (unsigned)strlen(src.header.v[i]) };

			observe(r, &ps->cols[i], &cell);
		}
	while ((err = qg_table_next(src.table, &rec)) > 0) {
		if (csv && rec.nr != ps->nr_cols) {
			ps->bad_line = rec.line;
			ps->bad_nr = rec.nr;
			break;
		}
		for (size_t i = 0; i < ps->nr_cols && i < rec.nr; i++)
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

static void merge_col(struct irun *r, struct colstat *a, struct colstat *b)
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
	if (b->id_dup)
		a->id_dup = 1;
	if (!a->id_dup && !a->ids && b->ids) { /* the first piece: take its hashes */
		a->ids = b->ids;
		a->nr_ids = b->nr_ids;
		a->cap_ids = b->cap_ids;
		b->ids = NULL;
		b->nr_ids = b->cap_ids = 0;
	}
	for (size_t i = 0; i < b->nr_ids && !a->id_dup; i++)
		id_seen(a, b->ids[i]);
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

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* An integer column's distinct values as a sorted enum (deduplicated by
 * value); long integers as strings so they stay exact. */
static int add_int_enum(struct qg_json *cons, const struct colstat *c)
{
	struct qg_json *e = qg_json_add_array(cons, "enum");
	long long *v = calloc(c->nr_distinct + 1, sizeof(*v));
	size_t n = 0;

	if (!e || !v) {
		free(v);
		return QG_ENOMEM;
	}
	for (size_t d = 0; d < c->nr_distinct; d++)
		if (data_value_int(c->distinct + d * (TEXT_MAX + 1), c->dlen[d], 0, &v[n]) == 0)
			n++;
	qsort(v, n, sizeof(*v), cmp_ll);
	for (size_t d = 0; d < n; d++) {
		char tmp[32];

		if (d && v[d] == v[d - 1])
			continue;
		snprintf(tmp, sizeof(tmp), "%lld", v[d]);
		if (!(c->long_int ? qg_json_add_string(e, NULL, tmp) : qg_json_add_number(e, NULL, (double)v[d]))) {
			free(v);
			return QG_ENOMEM;
		}
	}
	free(v);
	return 0;
}

static int emit(struct irun *r, struct colstat *cols, size_t nr, struct qg_buf *out, char delim, int csv)
{
	struct qg_json *root = qg_json_new_object(), *fields;
	const char *key = NULL;
	int err = 0;

	if (!root)
		return qg_error(QG_ENOMEM, "out of memory");
	fields = qg_json_add_array(root, "fields");
	for (size_t i = 0; fields && i < nr; i++) {
		struct colstat *c = &cols[i];
		struct qg_json *f = qg_json_add_object(fields, NULL), *cons;
		unsigned fits = c->values ? c->fits : 0;
		const char *type = "string", *format = NULL;
		int k = -1, int_enum;

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
		/* the first id-like column with every value present and distinct */
		if (!key && c->id_like && !c->id_dup && c->values && !c->missing &&
		    ((fits & T_INT) || !strcmp(type, "string")) && ids_distinct(c))
			key = c->name;
		int_enum = (fits & T_INT) && !c->id_like && !c->enum_over && c->nr_distinct &&
			   c->values >= r->o->enum_min_rows;
		if (int_enum && (err = add_int_enum(cons, c)) < 0)
			break;
		if (!r->o->no_bounds && !int_enum) {
			if ((fits & T_INT) && c->imin.set) {
				/* ids grow: a maximum would fail next month's data */
				add_int_bound(cons, "minimum", &c->imin, c->long_int);
				if (!c->id_like)
					add_int_bound(cons, "maximum", &c->imax, c->long_int);
			} else if (!(fits & T_INT) && (fits & T_NUM) && c->nmin.set && !c->nan && !c->inf) {
				qg_json_add_number(cons, "minimum", c->nmin.key);
				qg_json_add_number(cons, "maximum", c->nmax.key);
			} else if (k >= 0 && c->tmin[k].set) {
				qg_json_add_string(cons, "minimum", c->tmin[k].text);
				qg_json_add_string(cons, "maximum", c->tmax[k].text);
			}
		}
		if (!strcmp(type, "string") && !format && !c->enum_over && c->nr_distinct && !c->id_like &&
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
		if (key && !qg_json_add_string(root, "primaryKey", key))
			err = QG_ENOMEM;
		if (csv) { /* what was decided, so that validate reads the file alike */
			struct qg_json *d = qg_json_add_object(root, "dialect");
			char dl[2] = { delim, 0 };

			if (!d || !qg_json_add_string(d, "delimiter", dl) ||
			    !qg_json_add_bool(d, "header", !r->headerless))
				err = QG_ENOMEM;
		}
		if (!err)
			err = qg_json_print(out, root, 1);
	}
	qg_json_free(root);
	return err < 0 ? err : (err ? qg_error(QG_ENOMEM, "out of memory") : 0);
}

/* Decide the dialect of every CSV/TSV input (stdin, FIFOs and devices are
 * not sniffed: their bytes cannot be read twice), refuse inputs that disagree, and say what
 * was decided. *delim_out is 0 when no CSV file was sniffed. */
static int decide_dialect(struct irun *r, const struct qg_data_plan *plan, char *delim_out, int *csv_out)
{
	const struct qg_data_opts *o = r->o;
	char given = 0, tmp[8], tmp2[8];
	struct data_sniff first = { 0 }, cur = { 0 };
	const char *first_name = NULL, *csv_name = NULL;
	char csv_delim = 0;
	int err;

	*delim_out = 0;
	*csv_out = 0;
	if (o->input.delimiter)
		given = plan->table_opts.delimiter;
	for (size_t i = 0; i < plan->nr_files; i++) {
		const struct qg_data_file *f = &plan->files[i];

		if (f->format == QG_FORMAT_JSONL)
			continue;
		*csv_out = 1;
		if (!strcmp(f->spec, "-") || !data_sniffable(f->spec)) {
			cur.delim = given ? given : f->format == QG_FORMAT_TSV ? '\t' : ',';
			cur.header = !(o->infer_header && !strcmp(o->infer_header, "no"));
			cur.records = 0;
		} else if ((err = data_sniff_file(&cur, f->spec, given ? given : f->format == QG_FORMAT_TSV ? '\t' : 0,
					     o->infer_header, &r->stamps[i])) < 0) {
			return err;
		}
		if (f->format == QG_FORMAT_CSV) {
			if (csv_name && cur.delim != csv_delim)
				return qg_error(QG_EUSAGE, "'%s' (delimiter %s) and '%s' (delimiter %s) differ: one "
						"schema has one dialect (give --delimiter)", csv_name,
						data_delim_name(csv_delim, tmp), f->spec, data_delim_name(cur.delim, tmp2));
			if (!csv_name) {
				csv_name = f->spec;
				csv_delim = cur.delim;
			}
		}
		if (!first_name) {
			first = cur;
			first_name = f->spec;
		} else if (cur.header != first.header && cur.records > 1 && first.records > 1) {
			return qg_error(QG_EUSAGE, "'%s' (header row %s) and '%s' (header row %s) differ: one schema "
					"has one dialect (give --header yes or no)", first_name,
					first.header ? "yes" : "no", f->spec, cur.header ? "yes" : "no");
		}
	}
	if (!first_name)
		return 0;
	if (csv_name)
		first.delim = csv_delim;
	*delim_out = first.delim;
	r->headerless = !first.header;
	if (!o->common.quiet)
		qg_gate_note("qgate-data infer", "'%s': delimiter %s%s, header row %s%s", first_name,
			data_delim_name(first.delim, tmp), given ? " (--delimiter)" :
			!strcmp(first_name, "-") ? " (stdin: not sniffed)" :
			!data_sniffable(first_name) ? " (not a regular file: not sniffed)" :
			!csv_name ? " (TSV)" : " (sniffed)",
			first.header ? "yes" : "no (columns field1..fieldN)",
			o->infer_header && strcmp(o->infer_header, "auto") ? " (--header)" :
			!strcmp(first_name, "-") || !data_sniffable(first_name) ? "" : " (sniffed; --header yes|no overrides)");
	return 0;
}

int data_infer(const struct qg_data_opts *o, struct qg_buf *out)
{
	struct qg_data_plan plan;
	struct irun r;
	struct colstat *cols = NULL;
	size_t nr = 0;
	char delim = 0;
	int err, csv = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.enum_max = o->enum_max > 0 ? (size_t)o->enum_max : 10;
	if ((err = data_plan_build(&plan, &o->input, &o->data)) < 0)
		return err;
	r.stamps = calloc(plan.nr_files + 1, sizeof(*r.stamps));
	if (!r.stamps) {
		data_plan_release(&plan);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	if ((err = decide_dialect(&r, &plan, &delim, &csv)) < 0) {
		free(r.stamps);
		data_plan_release(&plan);
		return err;
	}
	if (delim && delim != ',' && !o->input.delimiter) {
		/* read again with the sniffed delimiter (CSV files; TSV keeps tab) */
		struct qg_data_input_opts in = o->input;

		in.default_delimiter = delim;
		data_plan_release(&plan);
		if ((err = data_plan_build(&plan, &in, &o->data)) < 0) {
			free(r.stamps);
			return err;
		}
	}
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
	for (size_t i = 0; i < plan.nr_pieces; i++)
		if (!plan.pieces[i].dropped && r.ps[i].bad_line) {
			const struct qg_data_file *f = &plan.files[plan.pieces[i].file];
			char tmp[8];

			qg_error(QG_EPARSE, "'%s':%lld: row has %zu cells, the header has %zu: infer needs rows that "
				 "match the header (delimiter %s; give --delimiter if it is another)", f->spec,
				 r.ps[i].bad_line + data_plan_line_base(&plan, i), r.ps[i].bad_nr, r.ps[i].nr_cols,
				 data_delim_name(data_plan_table_opts(&plan, plan.pieces[i].file).delimiter ?
					    data_plan_table_opts(&plan, plan.pieces[i].file).delimiter : ',', tmp));
			err = QG_EXIT_FAIL;
			goto done;
		}
	/* a sniffed file is read twice: both reads must have seen one file */
	for (size_t i = 0; i < plan.nr_files; i++)
		if (qg_file_stamp_changed(&r.stamps[i], plan.files[i].spec)) {
			err = qg_error(QG_EIO, "'%s': changed while being read", plan.files[i].spec);
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
	err = emit(&r, cols, nr, out, delim ? delim : ',', csv);
done:
	for (size_t i = 0; i < nr; i++)
		col_release(&cols[i]);
	free(cols);
	if (r.ps)
		for (size_t i = 0; i < plan.nr_pieces; i++)
			piece_reset(&r, &plan, i);
	free(r.ps);
	free(r.stamps);
	data_plan_release(&plan);
	return err;
}
