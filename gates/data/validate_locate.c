/* validate_locate.c -- where repeated integer ids are: a second, narrow read
 *
 * Integer keys are kept as intervals (uniq.h), which carry no lines: when
 * the intervals of two pieces (files, threads' byte ranges) overlap, the
 * check counts the repeats but cannot say where they are. Only then, on a
 * run that already fails, the inputs are read again, the key column alone,
 * and every line holding one of the first repeated values is handed to the
 * check's duplicate callback with the line of the value's first occurrence,
 * so the report names both lines as it does for every other duplicate.
 * A repeat that a piece's own intervals caught while reading knows its
 * line but not the value's first one: vd_locate_first_lines() reads that
 * piece's key column twice up to the repeat (the values on the repeats'
 * lines, then their first lines) and completes the message.
 * Inputs that cannot be read twice (stdin, URLs) keep the count only; a
 * file that changed in between is caught by the artifact check (exit 3).
 */
#include "qgate/common.h"

#include <limits.h>

#include "qgate/result.h"
#include "qgate/stream.h"
#include "validate_int.h"

static int rereadable(const struct qg_data_plan *p)
{
	for (size_t i = 0; i < p->nr_files; i++)
		if (!strcmp(p->files[i].spec, "-") || qg_stream_is_url(p->files[i].spec))
			return 0;
	return 1;
}

/* Read piece pi's key column (field f) up to line `last` (LLONG_MAX: to
 * the end), calling fn with each integer value and its line. A read error
 * here was reported by the first read: the piece simply gives no more. */
static int scan_piece(struct vrun *v, struct qg_data_plan *p, size_t pi, const struct qg_schema_field *f,
		      long long last, void (*fn)(void *ctx, long long line, long long value), void *ctx)
{
	struct qg_data_source src;
	const struct qg_record *recs;
	int jsonl = p->files[p->pieces[pi].file].format == QG_FORMAT_JSONL, n, err, done = 0;
	long col = -1;

	memset(&src, 0, sizeof(src));
	err = data_source_open(&src, p, pi, jsonl ? (const char *const *)v->field_names : NULL,
			       jsonl ? v->S->nr_fields : 0);
	if (err < 0)
		return err;
	for (size_t k = 0; k < src.nr_columns; k++)
		if (!strcmp(src.columns[k], f->name)) {
			col = (long)k;
			break;
		}
	while (!done && col >= 0 && (n = qg_table_next_batch(src.table, &recs)) > 0) {
		for (int r = 0; r < n; r++) {
			const struct qg_cell *c;
			long long ik = 0;
			double dk = 0;

			if (recs[r].line > last) {
				done = 1;
				break;
			}
			if ((size_t)col >= recs[r].nr)
				continue;
			c = &recs[r].cells[col];
			if (f->bare_number ? data_value_int(c->ptr, c->len, f->group_char, &ik)
					   : data_field_parse(f, c->ptr, c->len, &ik, &dk))
				continue;
			fn(ctx, recs[r].line, ik);
		}
	}
	data_source_close(&src);
	return 0;
}

struct repeats {
	size_t pi;
	const long long *vals;
	size_t nv;
	uint64_t *first;
	data_uniq_dup_fn fn;
	void *ctx;
};

/* Every occurrence after a value's first goes to the check's callback. */
static void take_repeats(void *ctx, long long line, long long value)
{
	struct repeats *rp = ctx;
	uint64_t pos = DATA_UNIQ_POS(rp->pi, line);

	for (size_t x = 0; x < rp->nv; x++) {
		if (rp->vals[x] != value)
			continue;
		if (rp->first[x] == UINT64_MAX)
			rp->first[x] = pos;
		else
			rp->fn(rp->ctx, pos, rp->first[x], 1, value);
	}
}

int vd_locate_int_repeats(struct vrun *v, struct qg_data_plan *p, size_t fi, const long long *vals, size_t nv,
			  data_uniq_dup_fn fn, void *ctx)
{
	uint64_t first[EXAMPLES];
	struct repeats rp = { 0, vals, nv, first, fn, ctx };
	int err = 0;

	if (!nv || nv > EXAMPLES || !rereadable(p))
		return 0;
	for (size_t x = 0; x < nv; x++)
		first[x] = UINT64_MAX;
	for (size_t pi = 0; pi < p->nr_pieces && !err; pi++) {
		if (p->pieces[pi].dropped)
			continue;
		rp.pi = pi;
		err = scan_piece(v, p, pi, &v->S->fields[fi], LLONG_MAX, take_repeats, &rp);
	}
	return err;
}

/* ---------------------------------------------------- first occurrences */

/* A repeat that the piece's own intervals caught while reading: its line
 * is known, the value's first line is not (intervals keep none). */
struct repeat {
	long long line;
	long long value;
	int has_value;
	long long first;
	struct example *ex;
};

struct scan {
	struct repeat *rep;
	size_t nr;
};

static void take_values(void *ctx, long long line, long long value)
{
	struct scan *s = ctx;

	for (size_t i = 0; i < s->nr; i++)
		if (s->rep[i].line == line) {
			s->rep[i].value = value;
			s->rep[i].has_value = 1;
		}
}

static void take_firsts(void *ctx, long long line, long long value)
{
	struct scan *s = ctx;

	for (size_t i = 0; i < s->nr; i++)
		if (s->rep[i].has_value && !s->rep[i].first && s->rep[i].value == value && line < s->rep[i].line)
			s->rep[i].first = line;
}

int vd_locate_first_lines(struct vrun *v, struct qg_data_plan *p, size_t ci, size_t fi, const char *marker)
{
	struct piece_state *a = &v->acc;
	struct repeat rep[EXAMPLES];
	int err = 0;

	if (!rereadable(p))
		return 0;
	/* the check's examples in data order, grouped by piece */
	for (size_t k = 0; k < a->nr_ex[ci] && !err;) {
		size_t pi = a->ex[ci * EXAMPLES + k].piece, nr = 0;
		struct scan s = { rep, 0 };
		long long last = 0;

		for (; k < a->nr_ex[ci] && a->ex[ci * EXAMPLES + k].piece == pi; k++) {
			struct example *e = &a->ex[ci * EXAMPLES + k];

			if (!e->msg || !strstr(e->msg, marker) || strstr(e->msg, "(first"))
				continue;
			rep[nr] = (struct repeat){ e->line, 0, 0, 0, e };
			if (e->line > last)
				last = e->line;
			nr++;
		}
		if (!nr)
			continue;
		s.nr = nr;
		err = scan_piece(v, p, pi, &v->S->fields[fi], last, take_values, &s);
		if (!err)
			err = scan_piece(v, p, pi, &v->S->fields[fi], last, take_firsts, &s);
		for (size_t i = 0; i < nr && !err; i++) {
			struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
			char *m;

			if (!rep[i].first)
				continue;
			err = qg_buf_addf(&b, "%s (first on line %lld)", rep[i].ex->msg,
					  rep[i].first + data_plan_line_base(p, pi));
			if (!err && !(m = qg_buf_detach(&b, NULL)))
				err = qg_error(QG_ENOMEM, "out of memory");
			qg_buf_release(&b);
			if (!err) {
				free(rep[i].ex->msg);
				rep[i].ex->msg = m;
			}
		}
	}
	return err;
}
