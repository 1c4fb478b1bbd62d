/* validate_locate.c -- where repeated integer ids are: a second, narrow read
 *
 * Integer keys are kept as intervals (uniq.h), which carry no lines: when
 * the intervals of two pieces (files, threads' byte ranges) overlap, the
 * check counts the repeats but cannot say where they are. Only then, on a
 * run that already fails, the inputs are read again, the key column alone,
 * and every line holding one of the first repeated values is handed to the
 * check's duplicate callback with the line of the value's first occurrence,
 * so the report names both lines as it does for every other duplicate.
 * Inputs that cannot be read twice (stdin, URLs) keep the count only; a
 * file that changed in between is caught by the artifact check (exit 3).
 */
#include "qgate/common.h"

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

/* One piece: the cells of column col equal to one of vals. */
static int locate_piece(struct vrun *v, struct qg_data_plan *p, size_t pi, const struct qg_schema_field *f,
			const long long *vals, size_t nv, uint64_t *first, data_uniq_dup_fn fn, void *ctx)
{
	struct qg_data_source src;
	const struct qg_record *recs;
	int jsonl = p->files[p->pieces[pi].file].format == QG_FORMAT_JSONL, n, err;
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
	/* a read error here was reported by the first read: this piece
	 * simply gives no more lines */
	while (col >= 0 && (n = qg_table_next_batch(src.table, &recs)) > 0) {
		for (int r = 0; r < n; r++) {
			const struct qg_cell *c;
			long long ik = 0;
			double dk = 0;

			if ((size_t)col >= recs[r].nr)
				continue;
			c = &recs[r].cells[col];
			if (f->bare_number ? data_value_int(c->ptr, c->len, f->group_char, &ik)
					   : data_field_parse(f, c->ptr, c->len, &ik, &dk))
				continue;
			for (size_t x = 0; x < nv; x++) {
				uint64_t pos = DATA_UNIQ_POS(pi, recs[r].line);

				if (vals[x] != ik)
					continue;
				if (first[x] == UINT64_MAX)
					first[x] = pos;
				else
					fn(ctx, pos, first[x], 1, ik);
			}
		}
	}
	data_source_close(&src);
	return 0;
}

int vd_locate_int_repeats(struct vrun *v, struct qg_data_plan *p, size_t fi, const long long *vals, size_t nv,
			  data_uniq_dup_fn fn, void *ctx)
{
	uint64_t first[EXAMPLES];
	int err = 0;

	if (!nv || nv > EXAMPLES || !rereadable(p))
		return 0;
	for (size_t x = 0; x < nv; x++)
		first[x] = UINT64_MAX;
	for (size_t pi = 0; pi < p->nr_pieces && !err; pi++)
		if (!p->pieces[pi].dropped)
			err = locate_piece(v, p, pi, &v->S->fields[fi], vals, nv, first, fn, ctx);
	return err;
}
