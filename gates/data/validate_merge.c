/* validate_merge.c -- the validator's pieces merged into the result
 *
 * Each piece (a file, or a byte range of one under -j/--shard) keeps its own
 * counts, examples and key sets while it is read; as soon as every piece
 * before it has finished, it is folded into one accumulator in file order
 * (so the examples are the first ones in the data whatever -j is, and ten
 * thousand files cost no more memory than one). After the read the key
 * sets are checked for duplicates between pieces (the lines of repeated
 * integer ids found by validate_locate.c), and every check is worded: its
 * status, message, expected and observed values and locations.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "validate_int.h"

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void describe(struct vrun *v, const struct vcheck *c, struct qg_check *qc, long long n, int partial,
		     const double *omin, const double *omax)
{
	const struct qg_schema_field *f = c->field >= 0 ? &v->S->fields[c->field] : NULL;
	const char *atleast = partial && n ? "at least " : "";

	switch (c->kind) {
	case CK_HEADER:
		if (n)
			qg_check_set_message(qc, "the header does not match the schema (fieldsMatch %s)",
					     data_fields_match_name(v->S->fields_match));
		else if (v->S->no_header)
			qg_check_set_message(qc, "no header (dialect.header false): the schema's fields are the columns");
		else
			qg_check_set_message(qc, "the header matches the schema");
		qg_check_expected_string(qc, "%s", data_fields_match_name(v->S->fields_match));
		break;
	case CK_ROW_SHAPE:
		qg_check_set_message(qc, n ? "%s%lld malformed %s" : "every row has the header's shape", atleast, n,
				     plural(n, "row", "rows"));
		break;
	case CK_ENCODING:
		qg_check_set_message(qc, n ? "%s%lld %s not valid UTF-8 or with a NUL byte" : "all cells are valid UTF-8",
				     atleast, n, plural(n, "cell", "cells"));
		break;
	case CK_TYPE:
		if (n)
			qg_check_set_message(qc, "%s%lld %s not of type %s", atleast, n, plural(n, "value", "values"),
					     data_field_type_name(f->type));
		else
			qg_check_set_message(qc, "all values are of type %s", data_field_type_name(f->type));
		qg_check_expected_string(qc, "%s%s%s", data_field_type_name(f->type), f->format_text ? " format " : "",
					 f->format_text ? f->format_text : "");
		break;
	case CK_REQUIRED:
		qg_check_set_message(qc, n ? "%s%lld missing %s" : "no missing values", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "no missing values");
		break;
	case CK_UNIQUE:
		qg_check_set_message(qc, n ? "%s%lld duplicate %s" : "all values are distinct", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "distinct values");
		break;
	case CK_PRIMARY_KEY:
		qg_check_set_message(qc, n ? "%s%lld %s with a missing or repeated primary key" :
					     "primary key values are present and distinct", atleast, n,
				     plural(n, "row", "rows"));
		qg_check_expected_string(qc, "distinct, present primary keys");
		break;
	case CK_UNIQUE_KEYS:
		qg_check_set_message(qc, n ? "%s%lld %s repeating a unique key" : "every unique key is distinct", atleast,
				     n, plural(n, "row", "rows"));
		qg_check_expected_string(qc, "distinct values of each of %zu unique %s", v->S->nr_unique_keys,
					 plural((long long)v->S->nr_unique_keys, "key", "keys"));
		break;
	case CK_FOREIGN_KEY:
		qg_check_set_message(qc, n ? "%s%lld %s with a foreign key that has no match" :
					     "every foreign key has a match", atleast, n, plural(n, "row", "rows"));
		qg_check_expected_string(qc, "each of %zu foreign %s matched in the referenced fields",
					 v->S->nr_foreign_keys, plural((long long)v->S->nr_foreign_keys, "key", "keys"));
		break;
	case CK_MINIMUM:
	case CK_MAXIMUM:
	case CK_EXMIN:
	case CK_EXMAX: {
		const char *t = c->kind == CK_MINIMUM ? f->min_text : c->kind == CK_MAXIMUM ? f->max_text :
				c->kind == CK_EXMIN ? f->exmin_text : f->exmax_text;
		const char *op = c->kind == CK_MINIMUM ? ">=" : c->kind == CK_MAXIMUM ? "<=" :
				 c->kind == CK_EXMIN ? ">" : "<";
		if (n)
			qg_check_set_message(qc, "%s%lld %s %s %s", atleast, n, plural(n, "value", "values"),
					     vd_bound_word(c->kind), t);
		else
			qg_check_set_message(qc, "all values %s %s", op, t);
		qg_check_expected_string(qc, "%s %s", op, t);
		if (n && (f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_NUMBER || f->type == QG_TYPE_YEAR)) {
			/* the most extreme violating value -- when it violates
			 * this bound: a NaN counted here has no value to show,
			 * and the extreme may belong to the other bound */
			int integral = f->type != QG_TYPE_NUMBER;
			double o = (c->kind == CK_MINIMUM || c->kind == CK_EXMIN) ? *omin : *omax;
			double b = c->kind == CK_MINIMUM ? (integral ? (double)f->imin : f->dmin) :
				   c->kind == CK_MAXIMUM ? (integral ? (double)f->imax : f->dmax) :
				   c->kind == CK_EXMIN ? (integral ? (double)f->iexmin : f->dexmin) :
							 (integral ? (double)f->iexmax : f->dexmax);
			int beyond = c->kind == CK_MINIMUM ? o < b : c->kind == CK_MAXIMUM ? o > b :
				     c->kind == CK_EXMIN ? o <= b : o >= b;
			if (isfinite(o) && beyond)
				qg_check_observed_number(qc, o);
		}
		break;
	}
	case CK_MINLEN:
	case CK_MAXLEN:
		if (n)
			qg_check_set_message(qc, "%s%lld %s %s than %s %lld characters", atleast, n,
					     plural(n, "value", "values"), c->kind == CK_MINLEN ? "shorter" : "longer",
					     c->kind == CK_MINLEN ? "minLength" : "maxLength",
					     c->kind == CK_MINLEN ? f->min_length : f->max_length);
		else
			qg_check_set_message(qc, "all values %s %lld characters", c->kind == CK_MINLEN ? ">=" : "<=",
					     c->kind == CK_MINLEN ? f->min_length : f->max_length);
		qg_check_expected_string(qc, "%s %lld characters", c->kind == CK_MINLEN ? ">=" : "<=",
					 c->kind == CK_MINLEN ? f->min_length : f->max_length);
		break;
	case CK_PATTERN:
		if (n)
			qg_check_set_message(qc, "%s%lld %s not matching /%s/", atleast, n, plural(n, "value", "values"),
					     f->pattern);
		else
			qg_check_set_message(qc, "all values match /%s/", f->pattern);
		qg_check_expected_string(qc, "/%s/", f->pattern);
		break;
	case CK_ENUM:
		qg_check_set_message(qc, n ? "%s%lld %s outside the enum" : "all values are in the enum", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "one of %zu values", f->enum_values.nr);
		break;
	case CK_CATEGORIES:
		qg_check_set_message(qc, n ? "%s%lld %s outside the categories" : "all values are categories", atleast, n,
				     plural(n, "value", "values"));
		qg_check_expected_string(qc, "one of %zu categories", f->categories.nr);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ key duplicates */

/* The first EXAMPLES duplicates data_uniq_check() found, in data order. */
struct dupex {
	uint64_t pos, first;
	int has_value;
	long long value;
	size_t key;      /* table.unique-keys: which unique key */
};
struct dups {
	struct dupex ex[EXAMPLES];
	size_t n;
	size_t cur_key;  /* the unique key being checked */
};

static void dup_found(void *ctx, uint64_t pos, uint64_t first, int has_value, long long value)
{
	struct dups *d = ctx;
	size_t k = d->n;

	/* a line found twice (by the check and by vd_locate_int_repeats())
	 * is one duplicate; the known first line wins */
	for (size_t i = 0; i < d->n; i++)
		if (d->ex[i].pos == pos && d->ex[i].key == d->cur_key) {
			if (d->ex[i].first == UINT64_MAX)
				d->ex[i].first = first;
			return;
		}
	if (k == EXAMPLES && d->ex[k - 1].pos <= pos)
		return;
	if (k < EXAMPLES)
		d->n++;
	else
		k--;
	while (k > 0 && d->ex[k - 1].pos > pos) {
		d->ex[k] = d->ex[k - 1];
		k--;
	}
	d->ex[k].pos = pos;
	d->ex[k].first = first;
	d->ex[k].has_value = has_value;
	d->ex[k].value = value;
	d->ex[k].key = d->cur_key;
}

/* A location to report: a piece's example (msg borrowed) or a duplicate
 * found after the read (msg owned). */
struct kloc {
	size_t piece;
	long long line, column;
	char *msg;
	int owned;
};

static int kloc_cmp(const void *a, const void *b)
{
	const struct kloc *x = a, *y = b;

	if (x->piece != y->piece)
		return x->piece < y->piece ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

/* "the line of the first occurrence", naming the file when it differs */
static int first_words(struct qg_buf *b, struct qg_data_plan *p, size_t piece, uint64_t first)
{
	size_t fp;

	if (first == UINT64_MAX)
		return qg_buf_addstr(b, " (its first line is not kept: it is in a run of consecutive ids)");
	fp = DATA_UNIQ_POS_PIECE(first);
	if (p->pieces[fp].file != p->pieces[piece].file)
		return qg_buf_addf(b, " (first in '%s' on line %lld)", p->files[p->pieces[fp].file].spec,
				   DATA_UNIQ_POS_LINE(first) + data_plan_line_base(p, fp));
	return qg_buf_addf(b, " (first on line %lld)", DATA_UNIQ_POS_LINE(first) + data_plan_line_base(p, fp));
}

/* The unique/primaryKey check's locations: the pieces' examples (repeats
 * of integer intervals, missing keys) and the duplicates found after the
 * read, in data order. */
static int key_locations(struct vrun *v, struct qg_data_plan *p, const struct vcheck *c, size_t ci,
			 const struct dups *d, struct qg_check *qc)
{
	const struct qg_schema *S = v->S;
	struct kloc *L;
	size_t n = d ? d->n : 0, k = 0;
	int err = 0;

	n += v->acc.nr_ex[ci];
	L = calloc(n ? n : 1, sizeof(*L));
	if (!L)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t x = 0; x < v->acc.nr_ex[ci]; x++) {
		const struct example *e = &v->acc.ex[ci * EXAMPLES + x];
		L[k++] = (struct kloc){ e->piece, e->line, e->column, e->msg, 0 };
	}
	for (size_t x = 0; d && x < d->n && !err; x++) {
		const struct dupex *e = &d->ex[x];
		size_t pi = DATA_UNIQ_POS_PIECE(e->pos);
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);

		if (c->kind == CK_FOREIGN_KEY) {
			const struct qg_foreign_key *fk = &S->foreign_keys[e->key];

			err = qg_buf_addstr(&b, "foreign key (");
			for (size_t f = 0; f < fk->nr && !err; f++)
				err = qg_buf_addf(&b, "%s%s", f ? ", " : "", S->fields[fk->fields[f]].name);
			if (!err && e->has_value)
				err = qg_buf_addf(&b, ")=(%lld", e->value);
			if (!err)
				err = qg_buf_addf(&b, ") has no match in %s%s%s(", fk->resource ? "'" : "",
						  fk->resource ? fk->resource : "", fk->resource ? "' " : "");
			for (size_t f = 0; f < fk->nr && !err; f++)
				err = qg_buf_addf(&b, "%s%s", f ? ", " : "", fk->ref_fields[f]);
			if (!err)
				err = qg_buf_addstr(&b, ")");
		} else if (c->kind == CK_UNIQUE_KEYS) {
			const struct qg_unique_key *uk = &S->unique_keys[e->key];

			err = qg_buf_addstr(&b, "unique key (");
			for (size_t f = 0; f < uk->nr && !err; f++)
				err = qg_buf_addf(&b, "%s%s", f ? ", " : "", S->fields[uk->fields[f]].name);
			if (!err)
				err = qg_buf_addstr(&b, ") repeats an earlier row");
		} else if (c->kind == CK_PRIMARY_KEY) {
			err = qg_buf_addf(&b, "primary key (%s%s) ", S->fields[S->primary_key[0]].name,
					  S->nr_primary_key > 1 ? ", ..." : "");
			if (!err && e->has_value)
				err = qg_buf_addf(&b, "%lld ", e->value);
			if (!err)
				err = qg_buf_addstr(&b, "repeats an earlier row");
		} else if (e->has_value) {
			err = qg_buf_addf(&b, "value %lld appears more than once", e->value);
		} else {
			err = qg_buf_addstr(&b, "duplicate value");
		}
		if (!err && c->kind != CK_FOREIGN_KEY)
			err = first_words(&b, p, pi, e->first);
		if (!err && !(L[k].msg = qg_buf_detach(&b, NULL)))
			err = qg_error(QG_ENOMEM, "out of memory");
		qg_buf_release(&b);
		if (err)
			break;
		L[k].piece = pi;
		L[k].line = DATA_UNIQ_POS_LINE(e->pos);
		L[k].owned = 1;
		k++;
	}
	if (!err) {
		qsort(L, k, sizeof(*L), kloc_cmp);
		for (size_t x = 0; x < k && qc->nr_locations < EXAMPLES; x++) {
			const struct kloc *l = &L[x];
			if (qg_check_add_location(qc, p->files[p->pieces[l->piece].file].spec,
						  l->line ? l->line + data_plan_line_base(p, l->piece) : 0, l->column, "%s",
						  l->msg) < 0) {
				err = QG_ENOMEM;
				break;
			}
		}
	}
	for (size_t x = 0; x < k; x++)
		if (L[x].owned)
			free(L[x].msg);
	free(L);
	return err;
}

static int example_cmp(const void *a, const void *b)
{
	const struct example *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

/* ------------------------------------------------------------ folding */

void vd_piece_free_totals(struct vrun *v, struct piece_state *ps)
{
	if (ps->ex)
		for (size_t i = 0; i < v->nr_checks * EXAMPLES; i++)
			free(ps->ex[i].msg);
	free(ps->counts);
	free(ps->ex);
	free(ps->nr_ex);
	free(ps->nulls);
	free(ps->present);
	free(ps->obs_min);
	free(ps->obs_max);
	ps->counts = NULL;
	ps->ex = NULL;
	ps->nr_ex = NULL;
	ps->nulls = ps->present = NULL;
	ps->obs_min = ps->obs_max = NULL;
}

/* Add piece pi's counts, field totals and first examples (in data order)
 * to acc, then free them: the piece keeps only its key sets. */
static void fold_piece(struct vrun *v, size_t pi)
{
	struct piece_state *a = &v->acc, *ps = &v->ps[pi];

	a->rows += ps->rows;
	a->header_seen |= ps->header_seen;
	a->stopped |= ps->stopped;
	for (size_t i = 0; i < v->S->nr_fields; i++) {
		a->nulls[i] += ps->nulls[i];
		a->present[i] += ps->present[i];
		if (ps->obs_min[i] < a->obs_min[i])
			a->obs_min[i] = ps->obs_min[i];
		if (ps->obs_max[i] > a->obs_max[i])
			a->obs_max[i] = ps->obs_max[i];
	}
	for (size_t ci = 0; ci < v->nr_checks; ci++) {
		struct example *ex = &ps->ex[ci * EXAMPLES];

		a->counts[ci] += ps->counts[ci];
		/* a batch is checked field by field: put a check shared by
		 * fields (table.encoding) back in line order */
		qsort(ex, ps->nr_ex[ci], sizeof(*ex), example_cmp);
		for (size_t k = 0; k < ps->nr_ex[ci] && a->nr_ex[ci] < EXAMPLES; k++) {
			struct example *d = &a->ex[ci * EXAMPLES + a->nr_ex[ci]++];

			*d = ex[k];
			d->piece = pi;
			ex[k].msg = NULL;
		}
	}
	vd_piece_free_totals(v, ps);
	/* unique, primaryKey, uniqueKeys: the keys join acc's sets (a failure
	 * is the pool's, reported by the check) */
	for (size_t i = 0; ps->uq && i < v->S->nr_fields; i++)
		if (v->S->fields[i].constraints & QG_C_UNIQUE)
			data_uniq_absorb(&a->uq[i], &ps->uq[i]);
	free(ps->uq);
	ps->uq = NULL;
	if (v->S->nr_primary_key)
		data_uniq_absorb(&a->pk, &ps->pk);
	for (size_t i = 0; ps->uk && i < v->S->nr_unique_keys; i++)
		data_uniq_absorb(&a->uk[i], &ps->uk[i]);
	free(ps->uk);
	ps->uk = NULL;
	/* foreign keys stay with their piece (the anti-join reads them) */
	for (size_t i = 0; i < 2 * v->S->nr_foreign_keys; i++) {
		if (ps->fks)
			data_uniq_shrink(&ps->fks[i]);
		if (ps->fkr)
			data_uniq_shrink(&ps->fkr[i]);
	}
	data_uniq_shrink(&ps->fkc[0]);
	data_uniq_shrink(&ps->fkc[1]);
	ps->folded = 1;
}

/* Fold the finished front of the plan. A cut file's parts go together and
 * only when all were read: a failed part makes the whole file run again
 * (data_plan_run), so from then on folding waits for the end. */
static void fold_front(struct vrun *v, struct qg_data_plan *p)
{
	while (!v->fold_stuck && v->folded < p->nr_pieces) {
		size_t i = v->folded, n = 1;
		const struct qg_data_piece *pc = &p->pieces[i];

		if (pc->nr_parts > 1 && pc->part == 0 && i + pc->nr_parts <= p->nr_pieces)
			n = pc->nr_parts;
		for (size_t k = i; k < i + n; k++) {
			if (v->ps[k].finished < 0)
				v->fold_stuck = 1;
			if (v->ps[k].finished <= 0)
				return;
		}
		for (size_t k = i; k < i + n; k++)
			fold_piece(v, k);
		v->folded = i + n;
	}
}

void vd_fold_done(struct vrun *v, struct qg_data_plan *p, size_t piece, int ok)
{
	pthread_mutex_lock(&v->fold_lock);
	v->ps[piece].finished = ok ? 1 : -1;
	fold_front(v, p);
	pthread_mutex_unlock(&v->fold_lock);
}

void vd_fold_rest(struct vrun *v, struct qg_data_plan *p)
{
	for (size_t pi = 0; pi < p->nr_pieces; pi++)
		if (!p->pieces[pi].dropped && v->ps[pi].used && !v->ps[pi].folded)
			fold_piece(v, pi);
	v->folded = p->nr_pieces;
}

int vd_merge_results(struct vrun *v, struct qg_data_plan *p, struct qg_result *r)
{
	const struct qg_schema *S = v->S;
	size_t nf = S->nr_fields;
	long long rows = 0, *nulls = calloc(nf + 1, sizeof(long long)), *present = calloc(nf + 1, sizeof(long long));
	double *omin = malloc((nf + 1) * sizeof(double)), *omax = malloc((nf + 1) * sizeof(double));
	long long *xdup = calloc(nf + 1, sizeof(long long)), total_violations = 0;
	int stopped = atomic_load(&v->stop), header_seen = 0, err = 0;
	struct dups *dset = NULL, ukd = { .n = 0 }, fkd = { .n = 0 };
	struct qg_uniq **rsets = NULL;
	long long xfk = 0;
	struct qg_uniq **sets = NULL;
	long long xuk = 0;

	if (!nulls || !present || !omin || !omax || !xdup) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nf; i++) {
		omin[i] = INFINITY;
		omax[i] = -INFINITY;
	}
	vd_fold_rest(v, p);
	rows = v->acc.rows;
	header_seen = v->acc.header_seen;
	for (size_t i = 0; i < nf; i++) {
		nulls[i] = v->acc.nulls[i];
		present[i] = v->acc.present[i];
		omin[i] = v->acc.obs_min[i];
		omax[i] = v->acc.obs_max[i];
	}
	/* every key set of a check at once: duplicates inside and between
	 * pieces (threads, byte ranges, files), with both lines */
	if (!(dset = calloc(nf + 1, sizeof(*dset))) || !(sets = calloc(p->nr_pieces + 1, sizeof(*sets))) ||
	    !(rsets = calloc(p->nr_pieces + 1, sizeof(*rsets)))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i <= nf; i++) {
		int is_pk = i == nf;
		size_t ns = 0, nov;
		long long hd = 0, ivd = 0, ov[EXAMPLES];

		if (is_pk ? !S->nr_primary_key : !(S->fields[i].constraints & QG_C_UNIQUE))
			continue;
		/* every piece is folded: its keys are in acc's sets */
		sets[ns++] = is_pk ? &v->acc.pk : &v->acc.uq[i];
		nov = sets[0]->ints ? data_uniq_overlaps(sets, ns, ov, EXAMPLES) : 0;
		if ((err = data_uniq_check(&v->uniq_pool, sets, ns, dup_found, &dset[i], &hd, &ivd)) < 0)
			goto done;
		/* repeats between intervals have no lines: find them */
		if (nov && (err = vd_locate_int_repeats(v, p, is_pk ? S->primary_key[0] : i, ov, nov, dup_found,
							&dset[i])) < 0)
			goto done;
		xdup[i] = hd + ivd;
	}
	/* v2 uniqueKeys: one check for all of them */
	for (size_t k = 0; k < S->nr_unique_keys; k++) {
		size_t ns = 0;
		long long hd = 0, ivd = 0;

		sets[ns++] = &v->acc.uk[k];
		ukd.cur_key = k;
		if ((err = data_uniq_check(&v->uniq_pool, sets, ns, dup_found, &ukd, &hd, &ivd)) < 0)
			goto done;
		xuk += hd + ivd;
	}
	/* foreign keys to the same table: referencing keys anti-joined with
	 * the referenced keys of every piece; a hashed key twice (two
	 * independent hashes: a violation is hidden only when both collide) */
	for (size_t k = 0; k < S->nr_foreign_keys; k++) {
		struct vfk *vf = &v->fks[k];
		int exact = vf->exact, self = !S->foreign_keys[k].resource;
		long long miss[2] = { 0, 0 };

		fkd.cur_key = k;
		for (int pass = 0; pass < (exact ? 1 : 2); pass++) {
			size_t ns = 0, nr = 0;

			for (size_t pi = 0; pi < p->nr_pieces; pi++) {
				struct piece_state *ps = &v->ps[pi];

				if (!p->pieces[pi].dropped && ps->used) {
					if (self)
						rsets[nr++] = &ps->fkr[2 * k + (size_t)pass];
					sets[ns++] = &ps->fks[2 * k + (size_t)pass];
				}
			}
			if (!self) {
				/* another resource's keys: as many sets as its pieces */
				struct qg_uniq **x = realloc(rsets, (p->nr_pieces + vf->nr_ext + 1) * sizeof(*x));

				if (!x) {
					err = qg_error(QG_ENOMEM, "out of memory");
					goto done;
				}
				rsets = x;
				for (size_t j = (size_t)pass; j < vf->nr_ext; j += 2)
					rsets[nr++] = &vf->ext[j];
			}
			if ((err = data_uniq_antijoin(&v->uniq_pool, sets, ns, rsets, nr, pass ? NULL : dup_found, &fkd,
						      exact, &miss[pass])) < 0)
				goto done;
		}
		if (!exact && miss[0] != miss[1]) {
			err = qg_error(QG_EIO, "'%s': /foreignKeys/%zu: the two hashes of the foreign key check disagree "
					       "(%lld and %lld rows without a match: a 64-bit hash collision); the check "
					       "cannot decide", v->o->schema, k, miss[0], miss[1]);
			goto done;
		}
		xfk += miss[0];
	}
	{
		long long spilled = data_uniq_pool_spilled(&v->uniq_pool);
		if (spilled)
			qg_json_add_number(r->metrics, "unique_spilled_bytes", (double)spilled);
	}
	for (size_t ci = 0; ci < v->nr_checks; ci++) {
		const struct vcheck *c = &v->checks[ci];
		struct qg_check *qc;
		long long n = 0, cross = 0;
		size_t fi = c->field >= 0 ? (size_t)c->field : 0;

		n = v->acc.counts[ci];
		if (c->kind == CK_UNIQUE)
			cross = xdup[fi];
		else if (c->kind == CK_PRIMARY_KEY)
			cross = xdup[nf];
		else if (c->kind == CK_UNIQUE_KEYS)
			cross = xuk;
		else if (c->kind == CK_FOREIGN_KEY)
			cross = xfk;
		n += cross;
		total_violations += n;
		qc = qg_result_add_check(r, c->id, n ? QG_STATUS_FAIL : QG_STATUS_PASS, NULL);
		if (!qc) {
			err = QG_ENOMEM;
			goto done;
		}
		/* repeats an integer interval caught while reading: their
		 * first lines, by reading those pieces again */
		if (v->acc.nr_ex[ci] && c->kind == CK_UNIQUE && v->acc.uq[fi].ints &&
		    (err = vd_locate_first_lines(v, p, ci, fi, "appears more than once")) < 0)
			goto done;
		if (v->acc.nr_ex[ci] && c->kind == CK_PRIMARY_KEY && v->pk_int &&
		    (err = vd_locate_first_lines(v, p, ci, S->primary_key[0], "repeats an earlier row")) < 0)
			goto done;
		/* examples in data order */
		if (c->kind == CK_UNIQUE || c->kind == CK_PRIMARY_KEY || c->kind == CK_UNIQUE_KEYS ||
		    c->kind == CK_FOREIGN_KEY) {
			if ((err = key_locations(v, p, c, ci,
						 c->kind == CK_UNIQUE_KEYS ? &ukd : c->kind == CK_FOREIGN_KEY ? &fkd :
						 &dset[c->kind == CK_UNIQUE ? fi : nf],
						 qc)) < 0)
				goto done;
		}
		for (size_t k = 0; k < v->acc.nr_ex[ci] && qc->nr_locations < EXAMPLES && c->kind != CK_UNIQUE &&
				   c->kind != CK_PRIMARY_KEY && c->kind != CK_UNIQUE_KEYS && c->kind != CK_FOREIGN_KEY;
		     k++) {
			const struct example *e = &v->acc.ex[ci * EXAMPLES + k];

			if (qg_check_add_location(qc, p->files[p->pieces[e->piece].file].spec,
						  e->line ? e->line + data_plan_line_base(p, e->piece) : 0, e->column,
						  "%s", e->msg) < 0) {
				err = QG_ENOMEM;
				goto done;
			}
		}
		if (c->kind == CK_ROWS) {
			int has = S->min_rows >= 0 || S->max_rows >= 0;
			int bad = (S->min_rows >= 0 && rows < S->min_rows) || (S->max_rows >= 0 && rows > S->max_rows);
			/* empty is not valid: a header and no rows fails unless the
			 * schema allows it ("qgate": {"minRows": 0}) or --allow-empty
			 * (one shard of several may be empty: not judged there) */
			int empty = !rows && S->min_rows < 0 && !v->o->allow_empty && !stopped && p->shard_count <= 1;

			if (empty) {
				qg_check_observed_number(qc, 0);
				qg_check_expected_string(qc, ">= 1 rows");
				qc->status = QG_STATUS_FAIL;
				qg_check_set_message(qc, "0 rows: the table is empty (allow it with \"qgate\": "
							 "{\"minRows\": 0} or --allow-empty)");
				qg_check_set_count(qc, 1);
				continue;
			}

			qg_check_observed_number(qc, (double)rows);
			if (p->shard_count > 1) {
				/* what `qgate merge` needs to decide the bounds and
				 * the empty table over every shard's rows */
				struct qg_json *d = qg_check_details(qc);

				if (!d || !qg_json_add_number(d, "rows", (double)rows) ||
				    !qg_json_add_number(d, "minRows", (double)S->min_rows) ||
				    !qg_json_add_number(d, "maxRows", (double)S->max_rows) ||
				    !qg_json_add_bool(d, "allowEmpty", v->o->allow_empty) ||
				    !qg_json_add_number(d, "maxErrors", (double)v->o->max_errors) ||
				    !qg_json_add_number(d, "counted", (double)atomic_load(&v->violations)) ||
				    !qg_json_add_bool(d, "stopped", stopped)) {
					err = qg_error(QG_ENOMEM, "out of memory");
					goto done;
				}
			}
			if (S->min_rows >= 0 && S->max_rows >= 0)
				qg_check_expected_string(qc, "%lld..%lld rows", S->min_rows, S->max_rows);
			else if (S->min_rows >= 0)
				qg_check_expected_string(qc, ">= %lld rows", S->min_rows);
			else if (S->max_rows >= 0)
				qg_check_expected_string(qc, "<= %lld rows", S->max_rows);
			if (has && (stopped || p->shard_count > 1)) {
				qc->status = QG_STATUS_SKIP;
				qg_check_set_message(qc, "%lld rows read; the row-count bounds are not checked %s", rows,
						     stopped ? "after --max-errors stopped the run" :
							       "on one shard (merge the shards' counts)");
			} else {
				qc->status = bad ? QG_STATUS_FAIL : QG_STATUS_PASS;
				qg_check_set_message(qc, "%lld %s%s", rows, plural(rows, "row", "rows"),
						     bad ? (rows < S->min_rows ? ", fewer than minRows" : ", more than maxRows") : "");
			}
			qg_check_set_count(qc, bad && qc->status == QG_STATUS_FAIL ? 1 : 0);
			continue;
		}
		if (c->kind == CK_NULLFRAC) {
			const struct qg_schema_field *f = &S->fields[fi];
			double frac = present[fi] ? (double)nulls[fi] / (double)present[fi] : 0;

			qg_check_observed_number(qc, frac);
			qg_check_expected_string(qc, "<= %g", f->max_null_fraction);
			if (stopped) {
				qc->status = QG_STATUS_SKIP;
				qg_check_set_message(qc, "not checked: --max-errors stopped the run");
			} else {
				qc->status = frac > f->max_null_fraction ? QG_STATUS_FAIL : QG_STATUS_PASS;
				qg_check_set_message(qc, "%lld of %lld values missing (%.4g)", nulls[fi], present[fi], frac);
			}
			qg_check_set_count(qc, qc->status == QG_STATUS_FAIL ? nulls[fi] : 0);
			{
				struct qg_json *d = qg_check_details(qc);
				if (d) {
					qg_json_add_number(d, "nulls", (double)nulls[fi]);
					qg_json_add_number(d, "values", (double)present[fi]);
					/* the bound exactly (expected is "<= %g"): `qgate
					 * merge` decides the fraction of the summed counts */
					if (p->shard_count > 1)
						qg_json_add_number(d, "maxNullFraction", f->max_null_fraction);
				}
			}
			continue;
		}
		qg_check_set_count(qc, n);
		if (c->kind == CK_HEADER && !header_seen) {
			qc->status = QG_STATUS_SKIP;
			qg_check_set_message(qc, "no header in this shard (it is checked by the shard holding the file's start)");
			continue;
		}
		if (c->field >= 0 && c->kind != CK_REQUIRED && !n && present[fi] == 0 && rows > 0) {
			qc->status = QG_STATUS_SKIP;
			qg_check_set_message(qc, "column '%s' is not in the data", S->fields[fi].name);
			continue;
		}
		if (c->field >= 0 && c->kind == CK_REQUIRED && present[fi] == 0 && rows > 0) {
			/* a required column absent from the data: every row misses it */
			qc->status = QG_STATUS_FAIL;
			qg_check_set_count(qc, rows);
			qg_check_set_message(qc, "column '%s' is required but not in the data (%lld rows)",
					     S->fields[fi].name, rows);
			/* `qgate merge`: the unsharded run fails these rows only
			 * when no shard has the column */
			if (p->shard_count > 1) {
				struct qg_json *d = qg_check_details(qc);

				if (!d || !qg_json_add_bool(d, "columnAbsent", 1)) {
					err = qg_error(QG_ENOMEM, "out of memory");
					goto done;
				}
			}
			continue;
		}
		describe(v, c, qc, n, stopped, &omin[fi], &omax[fi]);
		(void)cross;
	}
	qg_json_add_number(r->metrics, "rows", (double)rows);
	qg_json_add_number(r->metrics, "violations", (double)total_violations);
	if (stopped) {
		/* said in the JSON too (the markdown is not in it): counts are
		 * lower bounds, and `qgate merge` refuses such a shard */
		qg_json_add_bool(r->metrics, "stopped", 1);
		qg_result_add_markdown(r, "Stopped early after %lld violations (--max-errors); counts are lower bounds.\n",
				       v->o->max_errors);
	}
done:
	free(nulls);
	free(present);
	free(omin);
	free(omax);
	free(xdup);
	free(dset);
	free(sets);
	free(rsets);
	return err;
}
