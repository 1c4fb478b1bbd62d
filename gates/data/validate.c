/* validate.c -- qgate-data validate: every record against a Table Schema
 *
 * The schema is compiled once into a check table: one check per constraint
 * present (field.<name>.<constraint>, field.<name>.type, table.*). Each input
 * piece (input.h) is read on a worker thread into its own counters and its
 * first ten examples per check; nothing is allocated per cell, messages are
 * formatted only for kept examples. Pieces are merged in file order, so the
 * examples are the first ones in the data whatever -j is. Records come from
 * the reader in batches of a few hundred and each batch is checked column by
 * column (one field's type and constraints over every record, then the next
 * field), which keeps each type's branches predictable; row-level checks
 * (shape, primary key) run per record. A check fed by several fields
 * (table.encoding) keeps the first ten examples of each batch's columns,
 * reported in line order.
 *
 * The work is in four files (validate_int.h is what they share): this one
 * compiles the checks and reads each piece in passes over a batch
 * (pass_shape, pass_columns, pass_keys); validate_cell.c checks one cell in
 * full and words the violations; validate_fast.c has the column loops that
 * prove most cells pass in a few instructions; validate_merge.c adds the
 * pieces up into the result.
 *
 * Cells are checked in a fixed order: missing value (required, null
 * fraction), UTF-8 (table.encoding: invalid UTF-8 or a NUL byte; the cell's
 * other checks are skipped), type (field.<name>.type; other checks skipped),
 * then bounds, lengths, pattern, enum and uniqueness. A malformed JSONL line
 * counts as a table.row-shape violation and reading goes on; any other read
 * error (unterminated quote, a record over --max-record, truncated gzip,
 * network) is an error of the run: exit 3.
 *
 * Uniqueness (unique, primaryKey): each piece's key sets (uniq.h) take the
 * typed value's hash, or the integer, with its line (integer 7 and 007 are
 * the same key); runs of integer ids are intervals, whose repeats are found
 * while reading. Everything else is checked after the read by
 * vd_merge_results() over every piece at once (data_uniq_check), so a
 * duplicate names both lines whichever pieces they are in. Memory is capped
 * by --unique-memory (default 256 MiB) and keys past it spill to $TMPDIR:
 * any size is checked. Two distinct values collide with probability about
 * n^2/2^65 (n = 10^7 gives 3e-6), reported as a duplicate.
 *
 * Foreign keys (table.foreign-key): each row's referencing key (with its
 * line) and, for a self-reference, its referenced key go into key sets of
 * the same pool; a key into another resource (o->fk_targets, a Data
 * Package) is gathered by a collect run over that resource after this
 * table's read. vd_merge_results() anti-joins them (data_uniq_antijoin);
 * validate_keys.c has the hashing rule (exact integers, else two hashes).
 *
 * Why one long file: it is the driver, and the run's passes (header,
 * pieces, setup, foreign keys, folding, the report) share struct vrun and
 * the per-piece state of validate_int.h; the per-cell, fast-path, key,
 * locate and merge parts are already in validate_*.c along validate_int.h.
 * The next seam is setup (constraints to check slots) into
 * validate_setup.c.
 */
#include "qgate/common.h"

#include <limits.h>
#include <math.h>

#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/hash.h"
#include "validate_int.h"
#include "validate_cell.h"

/* A piece's state, or the run's accumulator (validate_merge.c). */
void vd_piece_release(struct vrun *v, struct piece_state *ps)
{
	if (!ps->used)
		return;
	vd_piece_free_totals(v, ps);
	if (ps->uq)
		for (size_t i = 0; i < v->S->nr_fields; i++)
			data_uniq_release(&ps->uq[i]);
	free(ps->uq);
	data_uniq_release(&ps->pk);
	if (ps->uk)
		for (size_t i = 0; i < v->S->nr_unique_keys; i++)
			data_uniq_release(&ps->uk[i]);
	free(ps->uk);
	for (size_t i = 0; i < 2 * v->S->nr_foreign_keys; i++) {
		if (ps->fks)
			data_uniq_release(&ps->fks[i]);
		if (ps->fkr)
			data_uniq_release(&ps->fkr[i]);
	}
	free(ps->fks);
	free(ps->fkr);
	data_uniq_release(&ps->fkc[0]);
	data_uniq_release(&ps->fkc[1]);
	memset(ps, 0, sizeof(*ps));
}

static void piece_reset(void *ctx, struct qg_data_plan *p, size_t piece)
{
	struct vrun *v = ctx;

	vd_piece_release(v, &v->ps[piece]);
}

/* A piece's state (piece: its index, which its key sets record), or the
 * run's accumulator (piece 0: it never adds keys of its own). */
int vd_piece_alloc(struct vrun *v, struct piece_state *ps, size_t piece)
{
	size_t nf = v->S->nr_fields ? v->S->nr_fields : 1;

	ps->used = 1;
	ps->counts = calloc(v->nr_checks + 1, sizeof(*ps->counts));
	ps->ex = calloc((v->nr_checks + 1) * EXAMPLES, sizeof(*ps->ex));
	ps->nr_ex = calloc(v->nr_checks + 1, 1);
	ps->nulls = calloc(nf, sizeof(*ps->nulls));
	ps->present = calloc(nf, sizeof(*ps->present));
	ps->obs_min = malloc(nf * sizeof(double));
	ps->obs_max = malloc(nf * sizeof(double));
	ps->uq = calloc(nf, sizeof(*ps->uq));
	if (!ps->counts || !ps->ex || !ps->nr_ex || !ps->nulls || !ps->present || !ps->obs_min || !ps->obs_max ||
	    !ps->uq)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->S->nr_fields; i++) {
		enum qg_field_type t = v->S->fields[i].type;
		data_uniq_init(&ps->uq[i], t == QG_TYPE_INTEGER || t == QG_TYPE_YEAR, &v->uniq_pool,
			       piece, v->uniq_share);
	}
	data_uniq_init(&ps->pk, v->pk_int, &v->uniq_pool, piece, v->uniq_share);
	ps->uk = calloc(v->S->nr_unique_keys + 1, sizeof(*ps->uk));
	if (!ps->uk)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->S->nr_unique_keys; i++)
		data_uniq_init(&ps->uk[i], 0, &v->uniq_pool, piece, v->uniq_share);
	ps->fks = calloc(2 * v->S->nr_foreign_keys + 1, sizeof(*ps->fks));
	ps->fkr = calloc(2 * v->S->nr_foreign_keys + 1, sizeof(*ps->fkr));
	if (!ps->fks || !ps->fkr)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < 2 * v->S->nr_foreign_keys; i++) {
		data_uniq_init(&ps->fks[i], 0, &v->uniq_pool, piece, v->uniq_share);
		data_uniq_init(&ps->fkr[i], 0, &v->uniq_pool, piece, v->uniq_share);
	}
	if (v->collect)
		for (int i = 0; i < 2; i++)
			data_uniq_init(&ps->fkc[i], 0, v->collect->pool, piece, v->collect->share);
	for (size_t i = 0; i < nf; i++) {
		ps->obs_min[i] = INFINITY;
		ps->obs_max[i] = -INFINITY;
	}
	return 0;
}

/* ------------------------------------------------------------ header */

static void check_header(struct vrun *v, struct piece_state *ps, const struct qg_data_source *src, long *colmap)
{
	const struct qg_schema *S = v->S;
	long ck = v->tc[CK_HEADER];
	const struct qg_strvec *h = &src->header;
	struct qg_buf miss = QG_BUF_INIT(QG_CAP_MESSAGE), extra = QG_BUF_INIT(QG_CAP_MESSAGE);
	static const char lost[] = "(not listed: out of memory)";
	size_t nmiss = 0, nextra = 0;
	int order = 0, err_miss = 0, err_extra = 0;

	for (size_t i = 0; i < h->nr; i++)
		for (size_t k = i + 1; k < h->nr; k++)
			if (!strcmp(h->v[i], h->v[k])) {
				vd_violation(v, ps, ck, 1, 0, NULL, 0, "column '%s' appears twice in the header (columns %zu and %zu)",
					  h->v[i], i + 1, k + 1);
				break;
			}
	for (size_t i = 0; i < S->nr_fields; i++) {
		if (colmap[i] < 0) {
			if (!err_miss)
				err_miss = qg_buf_addf(&miss, "%s'%s'", nmiss ? ", " : "", S->fields[i].name);
			nmiss++;
		} else if (src->format != QG_FORMAT_JSONL && (size_t)colmap[i] != i) {
			order = 1;
		}
	}
	for (size_t i = 0; i < h->nr; i++) {
		if (data_schema_field_index(S, h->v[i], strlen(h->v[i])) < 0) {
			if (!err_extra)
				err_extra = qg_buf_addf(&extra, "%s'%s'", nextra ? ", " : "", h->v[i]);
			nextra++;
		}
	}
	/* fieldsMatch (schema.h): superset and partial let schema fields be
	 * missing, subset and partial let the data have more columns, exact
	 * also wants the schema's order, partial at least one field */
	if (S->fields_match == QG_MATCH_PARTIAL && nmiss == S->nr_fields && S->nr_fields)
		vd_violation(v, ps, ck, 1, 0, NULL, 0, "none of the schema's fields is in the %s (fieldsMatch 'partial')",
			     src->format == QG_FORMAT_JSONL ? "first object's keys" : "header");
	else if (nmiss && S->fields_match != QG_MATCH_SUPERSET && S->fields_match != QG_MATCH_PARTIAL)
		vd_violation(v, ps, ck, 1, 0, NULL, 0, "schema field%s %s missing from the %s",
			     nmiss > 1 ? "s" : "", err_miss ? lost : miss.buf,
			     src->format == QG_FORMAT_JSONL ? "first object's keys" : "header");
	if (nextra && S->fields_match != QG_MATCH_SUBSET && S->fields_match != QG_MATCH_PARTIAL)
		vd_violation(v, ps, ck, 1, 0, NULL, 0, "column%s %s not in the schema",
			     nextra > 1 ? "s" : "", err_extra ? lost : extra.buf);
	if (order && !nmiss && !nextra && S->fields_match == QG_MATCH_EXACT)
		vd_violation(v, ps, ck, 1, 0, NULL, 0, "columns are not in the schema's order (fieldsMatch 'exact')");
	qg_buf_release(&miss);
	qg_buf_release(&extra);
}

/* Each field's fast path, as every piece starts from it. */
static int compile_fields(struct vrun *v)
{
	const struct qg_schema *S = v->S;

	v->vft = calloc(S->nr_fields ? S->nr_fields : 1, sizeof(*v->vft));
	if (!v->vft)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < S->nr_fields; i++) {
		const struct qg_schema_field *f = &S->fields[i];
		struct vf *x = &v->vft[i];

		x->fi = i;
		x->pk = f->primary_key;
		/* QG_SIMD=general: every cell through the full path */
		x->trivial = v->level > QG_CPU_GENERAL && (f->type == QG_TYPE_STRING || f->type == QG_TYPE_ANY) &&
			     f->format == QG_FMT_DEFAULT && !f->constraints && !f->primary_key && !f->has_missing &&
			     S->missing_only_empty;
		x->fast = v->level > QG_CPU_GENERAL ? vd_fast_kind(S, f, v->pk_int) : FAST_NONE;
		vd_vf_compile(x, f);
	}
	return 0;
}

/* ------------------------------------------------------------ a piece */

/* Open the piece's source, map fields to columns, check the header (the
 * piece holding the file's start) and compile the fields' fast paths. */
static int piece_open(struct vpiece *vp, struct qg_data_plan *p, size_t piece)
{
	struct vrun *v = vp->v;
	const struct qg_schema *S = v->S;
	const struct qg_data_piece *pc = &p->pieces[piece];
	size_t nf = S->nr_fields;
	int err;

	vp->jsonl = p->files[pc->file].format == QG_FORMAT_JSONL;
	err = data_source_open(&vp->src, p, piece, vp->jsonl ? (const char *const *)v->field_names : NULL,
				  vp->jsonl ? nf : 0);
	if (err < 0)
		return err;
	vp->src_open = 1;
	vp->colmap = malloc((nf ? nf : 1) * sizeof(*vp->colmap));
	if (!vp->colmap)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < nf; i++) {
		vp->colmap[i] = -1;
		if (vp->jsonl) {
			vp->colmap[i] = (long)i;
			continue;
		}
		for (size_t k = 0; k < vp->src.nr_columns; k++)
			if (!strcmp(vp->src.columns[k], S->fields[i].name)) {
				vp->colmap[i] = (long)k;
				break;
			}
	}
	if (pc->offset == 0) {
		long *hmap = vp->colmap;
		long *jmap = NULL;

		if (vp->jsonl) { /* header check on the first object's keys */
			jmap = malloc((nf ? nf : 1) * sizeof(*jmap));
			if (!jmap)
				return qg_error(QG_ENOMEM, "out of memory");
			for (size_t i = 0; i < nf; i++) {
				jmap[i] = -1;
				for (size_t k = 0; k < vp->src.header.nr; k++)
					if (!strcmp(vp->src.header.v[k], S->fields[i].name))
						jmap[i] = (long)k;
			}
			hmap = jmap;
		}
		if (!vp->jsonl || vp->src.header.nr)
			check_header(v, vp->ps, &vp->src, hmap);
		vp->ps->header_seen = 1;
		free(jmap);
	}
	vp->ncols = vp->src.nr_columns;
	vp->vfs = malloc((nf ? nf : 1) * sizeof(*vp->vfs));
	if (!vp->vfs)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < nf; i++) {
		const struct qg_schema_field *f = &S->fields[i];
		struct vf *x = &vp->vfs[vp->nvf];

		if (vp->colmap[i] < 0) {
			vp->pk_absent |= f->primary_key;
			continue;
		}
		/* compiled once per run (compile_fields): ten thousand small
		 * files compiled their bounds and word sets ten thousand times */
		*x = v->vft[i];
		x->col = (size_t)vp->colmap[i];
		vp->nvf++;
	}
	return 0;
}

static void piece_close(struct vpiece *vp)
{
	free(vp->colmap);
	free(vp->vfs);
	free(vp->bclean);
	free(vp->bpk);
	free(vp->bpk_i);
	free(vp->bpk_ok);
	if (vp->src_open)
		data_source_close(&vp->src);
}

/* A read error: a malformed JSONL line is that line's table.row-shape
 * violation (1: reading goes on); anything else ends the piece (0). A
 * sticky error repeats the same message: reported once. */
static int row_error(struct vpiece *vp, int err)
{
	struct vrun *v = vp->v;
	const char *m, *tn;
	long long l = 0;

	if (!vp->jsonl || err != QG_EPARSE || !strcmp(vp->last_err, qg_error_last()))
		return 0;
	m = qg_error_last();
	tn = qg_table_name(vp->src.table);
	snprintf(vp->last_err, sizeof(vp->last_err), "%s", m);
	/* "'f':LINE:COL: msg" -> keep msg, locate by LINE */
	if (*m == '\'' && !strncmp(m + 1, tn, strlen(tn))) {
		const char *q = m + 1 + strlen(tn);
		if (*q == '\'' && q[1] == ':') {
			char *end;
			l = strtoll(q + 2, &end, 10);
			if (*end == ':') {
				long long col = strtoll(end + 1, &end, 10);
				if (*end == ':' && end[1] == ' ') {
					vd_violation(v, vp->ps, v->tc[CK_ROW_SHAPE], l, col, NULL, 0,
						     "malformed JSON line: %s", end + 2);
					return 1;
				}
			}
		}
	}
	vd_violation(v, vp->ps, v->tc[CK_ROW_SHAPE], l, 0, NULL, 0, "malformed JSON line: %s", m);
	return 1;
}

/* The batch's per-record arrays hold nb records. */
static int batch_reserve(struct vpiece *vp, int nb)
{
	size_t nc = (size_t)nb * 2;
	unsigned char *c2, *o2;
	uint64_t *h2;
	long long *i2;

	if ((size_t)nb <= vp->bcap)
		return 0;
	if (!(c2 = realloc(vp->bclean, nc)))
		return qg_error(QG_ENOMEM, "out of memory");
	vp->bclean = c2;
	if (!(h2 = realloc(vp->bpk, nc * sizeof(*vp->bpk))))
		return qg_error(QG_ENOMEM, "out of memory");
	vp->bpk = h2;
	if (!(i2 = realloc(vp->bpk_i, nc * sizeof(*vp->bpk_i))))
		return qg_error(QG_ENOMEM, "out of memory");
	vp->bpk_i = i2;
	if (!(o2 = realloc(vp->bpk_ok, nc)))
		return qg_error(QG_ENOMEM, "out of memory");
	vp->bpk_ok = o2;
	vp->bcap = nc;
	return 0;
}

/* Pass 1, per record: the shape, the record-wide ASCII test (clean records
 * need no UTF-8 check per cell) and whether the batch is regular (every
 * record clean, its cells ncols apart in one array: vp->rc). */
static void pass_shape(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	struct piece_state *ps = vp->ps;
	const struct qg_schema *S = v->S;
	const struct qg_record *batch = vp->batch;
	const int nb = vp->nb, jsonl = vp->jsonl;
	const size_t ncols = vp->ncols;
	unsigned char *bclean = vp->bclean;
	int all_clean;

	/* a CSV batch is one run of the buffer: one test for all of it */
	all_clean = !jsonl && batch[nb - 1].text >= batch[0].text;
	if (all_clean)
		all_clean = vd_batch_clean(v, batch[0].text,
					   (size_t)(batch[nb - 1].text - batch[0].text) + batch[nb - 1].text_len);
	ps->pk_run = 0;
	if (all_clean) {
		const struct qg_cell *rc = ncols ? batch[0].cells : NULL;

		/* the common CSV batch: the per-record flags at once, and the
		 * regular test in the same loop as the shape */
		ps->rows += nb;
		memset(bclean, 1, (size_t)nb);
		memset(vp->bpk_ok, !vp->pk_absent, (size_t)nb);
		memset(vp->bpk_i, 0, (size_t)nb * sizeof(*vp->bpk_i));
		if (!v->pk_int)
			for (int r = 0; r < nb; r++)
				vp->bpk[r] = 0x12345;
		/* the reader knows when every record has ncols cells in
		 * one array; otherwise each record says */
		if (!qg_table_batch_regular(vp->src.table))
			for (int r = 0; r < nb; r++) {
				const struct qg_record *rec = &batch[r];

				if (rec->nr != ncols)
					vd_row_shape(vp, rec);
				if (rc && rec->cells != rc + (size_t)r * ncols)
					rc = NULL;
			}
		vp->rc = rc;
		return;
	}
	for (int r = 0; r < nb; r++) {
		const struct qg_record *rec = &batch[r];

		ps->rows++;
		vp->bpk[r] = 0x12345;
		vp->bpk_i[r] = 0;
		vp->bpk_ok[r] = !vp->pk_absent;
		bclean[r] = (unsigned char)vd_record_clean(v, rec->text, rec->text_len, jsonl);
		if (jsonl) {
			if (rec->extra_keys && S->fields_match != QG_MATCH_SUBSET && S->fields_match != QG_MATCH_PARTIAL)
				vd_violation(v, ps, v->tc[CK_ROW_SHAPE], rec->line, 1, NULL, 0,
					     "object has %zu key%s not in the schema", rec->extra_keys,
					     rec->extra_keys > 1 ? "s" : "");
		} else if (rec->nr != ncols) {
			vd_row_shape(vp, rec);
		}
	}
	/* regular batch: every record clean, its cells ncols apart in one
	 * array (a row with more cells than the header breaks it); only
	 * JSONL can be regular here (an unclean CSV batch never is) */
	vp->rc = NULL;
	if (ncols && jsonl) {
		const struct qg_cell *rc = batch[0].cells;
		int r = 0;

		for (; r < nb; r++)
			if (!bclean[r] || batch[r].cells != rc + (size_t)r * ncols)
				break;
		if (r == nb)
			vp->rc = rc;
	}
}

static void key_violation(struct vrun *v, struct piece_state *ps, long long line, const char *what)
{
	const struct qg_schema *S = v->S;

	vd_violation(v, ps, v->tc[CK_PRIMARY_KEY], line, 0, NULL, 0, "primary key (%s%s) %s",
		     S->fields[S->primary_key[0]].name, S->nr_primary_key > 1 ? ", ..." : "", what);
}

/* Pass 3, per record: the primary key. A single integer key extends its
 * interval with the end in a register (as the column loops do); any other
 * key is the hash of its parts. */
static void pass_keys(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	struct piece_state *ps = vp->ps;
	const struct qg_record *batch = vp->batch;
	const int nb = vp->nb;
	const unsigned char *bpk_ok = vp->bpk_ok;
	const long long *bpk_i = vp->bpk_i;

	if (!v->S->nr_primary_key)
		return;
	if (v->pk_int) {
		struct qg_uniq *pu = &ps->pk;
		long long nx = pu->fnext, lim = pu->flim;
		int r = 0;

		/* the key column's values are one run (pk_run): the whole
		 * batch extends the interval at once when the run goes on
		 * from its end, exactly as the loop below would */
		if (ps->pk_run && bpk_ok[0] && bpk_i[0] == nx && bpk_i[nb - 1] < lim) {
			nx = bpk_i[nb - 1] + 1;
			r = nb;
		}
		for (; r < nb; r++) {
			long long k = bpk_i[r];

			if (__builtin_expect(bpk_ok[r] && k == nx && k < lim, 1)) {
				nx = k + 1;
				continue;
			}
			if (nx != pu->fnext) {
				pu->iv[pu->hint][1] = nx - 1;
				pu->fnext = nx;
			}
			if (!bpk_ok[r])
				key_violation(v, ps, batch[r].line, "is missing a value");
			else if (data_uniq_add_int(pu, k, batch[r].line) == 0)
				key_violation(v, ps, batch[r].line, "repeats an earlier row");
			nx = pu->fnext;
			lim = pu->flim;
		}
		if (nx != pu->fnext) {
			pu->iv[pu->hint][1] = nx - 1;
			pu->fnext = nx;
		}
		return;
	}
	for (int r = 0; r < nb; r++) {
		if (!bpk_ok[r])
			key_violation(v, ps, batch[r].line, "is missing a value");
		else if (data_uniq_add_hash(&ps->pk, vp->bpk[r], batch[r].line) == 0)
			key_violation(v, ps, batch[r].line, "repeats an earlier row");
	}
}

/* One piece: batches of records through the three passes. */
static int run_piece(void *ctx, struct qg_data_plan *p, size_t piece, int worker)
{
	struct vrun *v = ctx;
	struct vpiece vp;
	size_t nf = v->S->nr_fields;
	int err;

	memset(&vp, 0, sizeof(vp));
	vp.v = v;
	vp.ps = &v->ps[piece];
	vp.md = v->md + (size_t)worker * (nf ? nf : 1);
	vp.max_errors = v->o->max_errors > 0;
	piece_reset(ctx, p, piece);
	if ((err = vd_piece_alloc(v, vp.ps, piece)) < 0)
		return err;
	if ((err = piece_open(&vp, p, piece)) < 0)
		goto done;
	for (;;) {
		if (stopping(v)) {
			vp.ps->stopped = 1;
			break;
		}
		err = vp.nb = qg_table_next_batch(vp.src.table, &vp.batch);
		if (err == 0)
			break;
		if (err < 0) {
			if (row_error(&vp, err))
				continue;
			goto done;
		}
		vp.last_err[0] = 0;
		if ((err = batch_reserve(&vp, vp.nb)) < 0)
			goto done;
		pass_shape(&vp);
		vd_pass_columns(&vp);
		pass_keys(&vp);
		if (v->S->nr_unique_keys)
			vd_pass_unique_keys(&vp);
		if (v->S->nr_foreign_keys)
			vd_pass_foreign_keys(&vp);
		if (v->collect) {
			vd_pass_fk_collect(&vp);
			if (atomic_load_explicit(&v->collect->pool->failed, memory_order_relaxed)) {
				err = data_uniq_pool_error(v->collect->pool);
				goto done;
			}
		}
		/* a key set the system refused memory for (or a spill file
		 * that cannot be written) stops the run at once */
		if (atomic_load_explicit(&v->uniq_pool.failed, memory_order_relaxed)) {
			err = data_uniq_pool_error(&v->uniq_pool);
			goto done;
		}
	}
	err = 0;
	for (size_t i = 0; i < nf; i++)
		vp.ps->present[i] = vp.colmap[i] >= 0 ? vp.ps->rows : 0;
done:
	piece_close(&vp);
	vd_fold_done(v, p, piece, err == 0);
	return err;
}

/* ------------------------------------------------------------ setup */

static int add_check(struct vrun *v, enum check_kind k, long field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_check(struct vrun *v, enum check_kind k, long field, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct vcheck *c;
	va_list ap;
	int err;

	c = realloc(v->checks, (v->nr_checks + 1) * sizeof(*c));
	if (!c)
		return qg_error(QG_ENOMEM, "out of memory");
	v->checks = c;
	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (err) {
		qg_buf_release(&b);
		return err;
	}
	c = &v->checks[v->nr_checks];
	c->id = qg_buf_detach(&b, NULL);
	c->kind = k;
	c->field = field;
	if (!c->id)
		return qg_error(QG_ENOMEM, "out of memory");
	if (field >= 0)
		v->fc[field][k] = (long)v->nr_checks;
	else
		v->tc[k] = (long)v->nr_checks;
	v->nr_checks++;
	return 0;
}

static int build_checks(struct vrun *v)
{
	const struct qg_schema *S = v->S;
	static const struct { unsigned bit; enum check_kind kind; const char *name; } cons[] = {
		{ QG_C_REQUIRED, CK_REQUIRED, "required" },
		{ QG_C_UNIQUE, CK_UNIQUE, "unique" },
		{ QG_C_MINIMUM, CK_MINIMUM, "minimum" },
		{ QG_C_MAXIMUM, CK_MAXIMUM, "maximum" },
		{ QG_C_EXMINIMUM, CK_EXMIN, "exclusiveMinimum" },
		{ QG_C_EXMAXIMUM, CK_EXMAX, "exclusiveMaximum" },
		{ QG_C_MINLENGTH, CK_MINLEN, "minLength" },
		{ QG_C_MAXLENGTH, CK_MAXLEN, "maxLength" },
		{ QG_C_PATTERN, CK_PATTERN, "pattern" },
		{ QG_C_ENUM, CK_ENUM, "enum" },
		{ QG_C_CATEGORIES, CK_CATEGORIES, "categories" },
	};
	int err;

	for (size_t k = 0; k < QG_ARRAY_SIZE(v->tc); k++)
		v->tc[k] = -1;
	if ((err = add_check(v, CK_HEADER, -1, "table.header")) < 0 ||
	    (err = add_check(v, CK_ROW_SHAPE, -1, "table.row-shape")) < 0 ||
	    (err = add_check(v, CK_ENCODING, -1, "table.encoding")) < 0 ||
	    (err = add_check(v, CK_ROWS, -1, "table.rows")) < 0)
		return err;
	if (S->nr_primary_key && (err = add_check(v, CK_PRIMARY_KEY, -1, "table.primary-key")) < 0)
		return err;
	if (S->nr_unique_keys && (err = add_check(v, CK_UNIQUE_KEYS, -1, "table.unique-keys")) < 0)
		return err;
	if (S->nr_foreign_keys && (err = add_check(v, CK_FOREIGN_KEY, -1, "table.foreign-key")) < 0)
		return err;
	for (size_t i = 0; i < S->nr_fields; i++) {
		const struct qg_schema_field *f = &S->fields[i];

		for (size_t k = 0; k <= CK_NULLFRAC; k++)
			v->fc[i][k] = -1;
		/* every field has a type check, even a plain string (it then
		 * passes): the report shows each field was looked at */
		if ((err = add_check(v, CK_TYPE, (long)i, "field.%s.type", f->name)) < 0)
			return err;
		for (size_t k = 0; k < QG_ARRAY_SIZE(cons); k++)
			if ((f->constraints & cons[k].bit) &&
			    (err = add_check(v, cons[k].kind, (long)i, "field.%s.%s", f->name, cons[k].name)) < 0)
				return err;
		if (f->max_null_fraction >= 0 &&
		    (err = add_check(v, CK_NULLFRAC, (long)i, "field.%s.maxNullFraction", f->name)) < 0)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------ foreign keys */

static int is_int_type(enum qg_field_type t)
{
	return t == QG_TYPE_INTEGER || t == QG_TYPE_YEAR;
}

static const struct data_fk_target *fk_target(const struct qg_data_opts *o, const char *name)
{
	for (size_t i = 0; i < o->nr_fk_targets; i++)
		if (o->fk_targets[i].name && !strcmp(o->fk_targets[i].name, name))
			return &o->fk_targets[i];
	return NULL;
}

static int target_schema(struct qg_schema *T, const struct qg_data_opts *to)
{
	unsigned fl = to->allow_unknown_keys ? DATA_SCHEMA_ALLOW_UNKNOWN : 0;

	if (to->schema_text)
		return data_schema_parse_flags(T, to->schema_text, to->schema_len, to->schema, fl);
	return data_schema_load_flags(T, to->schema, fl);
}

static void release_fks(struct vrun *v, size_t n)
{
	for (size_t k = 0; v->fks && k < n; k++) {
		struct vfk *x = &v->fks[k];

		free(x->src);
		free(x->ref);
		free(x->src_other);
		free(x->ref_other);
		for (size_t j = 0; j < x->nr_ext; j++)
			data_uniq_release(&x->ext[j]);
		free(x->ext);
	}
	free(v->fks);
	v->fks = NULL;
}

/* v->fks from the schema: indexes and types of both sides; a reference to
 * another resource resolved among o->fk_targets (a Data Package), else
 * refused (exit 2, never ignored). */
static int setup_fks(struct vrun *v, const struct qg_schema *S, const struct qg_data_opts *o)
{
	v->fks = calloc(S->nr_foreign_keys + 1, sizeof(*v->fks));
	if (!v->fks)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t k = 0; k < S->nr_foreign_keys; k++) {
		const struct qg_foreign_key *fk = &S->foreign_keys[k];
		struct vfk *x = &v->fks[k];
		const struct data_fk_target *t = NULL;
		struct qg_schema T;
		int err;

		x->nr = fk->nr;
		x->src = calloc(fk->nr + 1, sizeof(*x->src));
		x->ref = calloc(fk->nr + 1, sizeof(*x->ref));
		x->src_other = calloc(fk->nr + 1, sizeof(*x->src_other));
		x->ref_other = calloc(fk->nr + 1, sizeof(*x->ref_other));
		if (!x->src || !x->ref || !x->src_other || !x->ref_other)
			return qg_error(QG_ENOMEM, "out of memory");
		if (fk->resource && !(t = fk_target(o, fk->resource)))
			return qg_error(QG_EUSAGE,
					"'%s': /foreignKeys/%zu/reference/resource: \"%s\" names another resource: only "
					"checked inside a Data Package (qgate-data validate datapackage.json) that has "
					"it; a self-reference has resource \"\"", o->schema, k, fk->resource);
		if (t && (err = target_schema(&T, t->opts)) < 0)
			return err;
		for (size_t i = 0; i < fk->nr; i++) {
			x->src[i] = fk->fields[i];
			x->ref_other[i] = S->fields[fk->fields[i]].type;
			if (!t) {
				x->ref[i] = (size_t)fk->ref_index[i];
				x->src_other[i] = S->fields[x->ref[i]].type;
				continue;
			}
			for (x->ref[i] = 0; x->ref[i] < T.nr_fields; x->ref[i]++)
				if (!strcmp(T.fields[x->ref[i]].name, fk->ref_fields[i]))
					break;
			if (x->ref[i] == T.nr_fields) {
				err = qg_error(QG_EUSAGE, "'%s': /foreignKeys/%zu/reference/fields/%zu: resource '%s' has no "
							  "field '%s'", o->schema, k, i, fk->resource, fk->ref_fields[i]);
				data_schema_release(&T);
				return err;
			}
			x->src_other[i] = T.fields[x->ref[i]].type;
		}
		if (t)
			data_schema_release(&T);
		x->exact = fk->nr == 1 && is_int_type(S->fields[x->src[0]].type) && is_int_type(x->src_other[0]);
	}
	return 0;
}

/* After this table's read: every other resource a foreign key names is read
 * once more for its referenced keys (a collect run: its result discarded,
 * its own checks are its own run's). */
static int collect_fks(struct vrun *v, const struct qg_schema *S, const struct qg_data_opts *o,
		       const struct qg_result *r)
{
	for (size_t k = 0; k < S->nr_foreign_keys; k++) {
		const struct qg_foreign_key *fk = &S->foreign_keys[k];
		const struct data_fk_target *t;
		struct vfk_collect req;
		struct qg_data_opts to;
		struct qg_result sub;
		int err;

		if (!fk->resource || !(t = fk_target(o, fk->resource)))
			continue;
		memset(&req, 0, sizeof(req));
		req.fk = &v->fks[k];
		req.pool = &v->uniq_pool;
		req.share = v->uniq_share;
		to = *t->opts;
		to.fk_collect = &req;
		to.fk_targets = NULL;
		to.nr_fk_targets = 0;
		to.no_hash = 1;
		to.max_errors = 0;
		if ((err = qg_result_init(&sub, r->gate, r->version)) < 0)
			return err;
		err = data_validate(&to, &sub);
		qg_result_release(&sub);
		v->fks[k].ext = req.out;
		v->fks[k].nr_ext = req.nr_out;
		if (err < 0)
			return err;
	}
	return 0;
}

int data_validate(const struct qg_data_opts *o, struct qg_result *r)
{
	struct qg_schema S;
	struct qg_data_plan plan;
	struct qg_data_input_opts in = o->input;
	struct vrun v;
	struct qg_data_hasher hasher;
	size_t nf;
	int err, ret2, hashing = 0;
	size_t nfk_saved = 0;

	memset(&v, 0, sizeof(v));
	memset(&plan, 0, sizeof(plan));
	pthread_mutex_init(&v.fold_lock, NULL);
	if (!o->schema)
		return qg_error(QG_EUSAGE, "validate needs --schema SCHEMA.json");
	if (o->schema_text)
		err = data_schema_parse_flags(&S, o->schema_text, o->schema_len, o->schema,
					      o->allow_unknown_keys ? DATA_SCHEMA_ALLOW_UNKNOWN : 0);
	else
		err = data_schema_load_flags(&S, o->schema, o->allow_unknown_keys ? DATA_SCHEMA_ALLOW_UNKNOWN : 0);
	if (err < 0)
		return err;
	/* a collect run reads another table only for a caller's keys: its
	 * own foreign keys are not checked here (they are in its own run) */
	v.collect = o->fk_collect;
	nfk_saved = S.nr_foreign_keys;
	if (v.collect)
		S.nr_foreign_keys = 0;
	if ((err = setup_fks(&v, &S, o)) < 0) {
		release_fks(&v, S.nr_foreign_keys);
		S.nr_foreign_keys = nfk_saved;
		data_schema_release(&S);
		return err;
	}
	nf = S.nr_fields;
	v.o = o;
	v.S = &S;
	v.level = qg_cpu_level();
	atomic_init(&v.violations, 0);
	atomic_init(&v.stop, 0);
	data_input_from_schema(&in, &S); /* dialect: delimiter, header false */
	if ((err = data_uniq_pool_init(&v.uniq_pool, o->unique_memory << 20)) < 0) {
		data_schema_release(&S);
		return err;
	}
	if ((err = data_plan_build(&plan, &in, &o->data)) < 0)
		goto done;
	if (S.nr_foreign_keys && plan.shard_count > 1) {
		/* a shard does not hold the rows the others reference */
		err = qg_error(QG_EUSAGE, "'%s': /foreignKeys: cannot be checked on one shard (--shard %s): the "
					  "referenced rows may be in another; validate the whole table", o->schema,
			       o->input.shard);
		goto done;
	}
	{
		/* each key set of a running piece gets an equal share of the
		 * cap; a finished piece's sets keep what they hold, charged to
		 * the pool, and later sets spill sooner */
		long long nsets = (S.nr_primary_key ? 1 : 0) + (long long)S.nr_unique_keys +
				  4 * (long long)S.nr_foreign_keys;

		for (size_t i = 0; i < nf; i++)
			nsets += (S.fields[i].constraints & QG_C_UNIQUE) != 0;
		v.uniq_share = (o->unique_memory << 20) / ((nsets ? nsets : 1) * (plan.jobs > 0 ? plan.jobs : 1));
	}
	v.jobs = plan.jobs;
	v.fc = calloc(nf + 1, sizeof(*v.fc));
	v.field_names = calloc(nf + 1, sizeof(char *));
	v.ps = calloc(plan.nr_pieces + 1, sizeof(*v.ps));
	v.md = calloc((size_t)plan.jobs * (nf ? nf : 1), sizeof(*v.md));
	if (!v.fc || !v.field_names || !v.ps || !v.md) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nf; i++) {
		v.field_names[i] = S.fields[i].name;
		for (int w = 0; w < plan.jobs; w++) {
			if (!S.fields[i].re)
				continue;
			v.md[(size_t)w * nf + i] = pcre2_match_data_create_from_pattern((const pcre2_code *)S.fields[i].re, NULL);
			if (!v.md[(size_t)w * nf + i]) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	v.pk_int = S.nr_primary_key == 1 && (S.fields[S.primary_key[0]].type == QG_TYPE_INTEGER ||
					      S.fields[S.primary_key[0]].type == QG_TYPE_YEAR);
	if ((err = build_checks(&v)) < 0 || (err = vd_piece_alloc(&v, &v.acc, 0)) < 0 || (err = compile_fields(&v)) < 0)
		goto done;
	if ((err = data_hasher_start(&hasher, &plan, !o->no_hash)) < 0)
		goto done;
	hashing = 1;
	err = data_plan_run(&plan, run_piece, piece_reset, &v);
	hashing = 0;
	if ((ret2 = data_hasher_finish(&hasher, r)) < 0 && !err)
		err = ret2;
	if (err < 0)
		goto done;
	for (size_t i = 0; i < plan.nr_pieces; i++) {
		if (plan.pieces[i].status && !plan.pieces[i].dropped) {
			err = qg_error(plan.pieces[i].status, "%s", data_plan_piece_error(&plan, i));
			goto done;
		}
	}
	if ((err = collect_fks(&v, &S, o, r)) < 0)
		goto done;
	if (v.collect) {
		/* hand the referenced keys to the caller (its pool's sets) */
		for (size_t i = 0; i < plan.nr_pieces; i++) {
			struct piece_state *ps = &v.ps[i];
			struct qg_uniq *x;

			if (plan.pieces[i].dropped || !ps->used)
				continue;
			x = realloc(v.collect->out, (v.collect->nr_out + 2) * sizeof(*x));
			if (!x) {
				err = qg_error(QG_ENOMEM, "out of memory");
				goto done;
			}
			v.collect->out = x;
			x[v.collect->nr_out++] = ps->fkc[0];
			x[v.collect->nr_out++] = ps->fkc[1];
			memset(ps->fkc, 0, sizeof(ps->fkc));
		}
		goto done;
	}
	err = vd_merge_results(&v, &plan, r);
	if (!err && plan.shard_count > 1) {
		/* normalised like invocation.shard: `0+1/4` ran shard "1/4" */
		char sh[48];

		snprintf(sh, sizeof(sh), "%lld/%lld", plan.shard_index, plan.shard_count);
		qg_json_add_string(r->metrics, "shard", sh);
	}
done:
	if (hashing)
		data_hasher_finish(&hasher, NULL);
	if (v.ps)
		for (size_t i = 0; i < plan.nr_pieces; i++)
			piece_reset(&v, &plan, i);
	vd_piece_release(&v, &v.acc);
	pthread_mutex_destroy(&v.fold_lock);
	for (size_t i = 0; v.checks && i < v.nr_checks; i++)
		free(v.checks[i].id);
	free(v.checks);
	if (v.md)
		for (size_t i = 0; i < (size_t)(plan.jobs ? plan.jobs : 1) * (nf ? nf : 1); i++)
			pcre2_match_data_free(v.md[i]);
	free(v.md);
	release_fks(&v, S.nr_foreign_keys); /* 0 in a collect run: its fks were not set up */
	data_uniq_pool_release(&v.uniq_pool);
	free(v.fc);
	free(v.vft);
	free(v.field_names);
	free(v.ps);
	data_plan_release(&plan);
	S.nr_foreign_keys = nfk_saved;
	data_schema_release(&S);
	return err;
}
