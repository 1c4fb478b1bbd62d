/* validate_keys.c -- v2 uniqueKeys: each record's composite keys into key sets
 *
 * A unique key (Table Schema v2 "uniqueKeys": a list of lists of field
 * names) is checked like the primary key: the typed values of its fields
 * are hashed together and the hash goes, with the record's line, into the
 * piece's key set for that key (uniq.h); vd_merge_results() then finds every
 * repeat across all pieces and names both lines (check table.unique-keys).
 * Unlike the primary key, a record missing a part of a unique key is not a
 * violation and is not compared (as SQL treats NULL in a UNIQUE
 * constraint).
 */
#include "qgate/common.h"

#include "qgate/hash.h"
#include "validate_int.h"

static int cell_missing(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c)
{
	if (c->flags & (QG_CELL_NULL | QG_CELL_MISSING))
		return 1;
	if (f->has_missing)
		return qg_strmap_has(&f->missing_values, c->ptr, c->len);
	if (S->missing_only_empty)
		return c->len == 0;
	return qg_strmap_has(&S->missing_values, c->ptr, c->len);
}

uint64_t vd_cell_key(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c)
{
	long long ik = 0;
	double dk = 0;
	uint64_t bits;

	if (cell_missing(S, f, c))
		return 0;
	switch (f->type) {
	case QG_TYPE_INTEGER:
	case QG_TYPE_YEAR:
	case QG_TYPE_BOOLEAN:
		if (data_field_parse(f, c->ptr, c->len, &ik, &dk))
			break; /* not of its type: the bytes (field.<name>.type fails) */
		return qg_hash_fmix64((uint64_t)ik ^ 0x5bd1e995u) | 1;
	case QG_TYPE_NUMBER:
	case QG_TYPE_DATE:
	case QG_TYPE_DATETIME:
	case QG_TYPE_TIME:
		if (data_field_parse(f, c->ptr, c->len, &ik, &dk))
			break;
		if (dk == 0)
			dk = 0; /* -0 == 0 */
		memcpy(&bits, &dk, 8);
		return qg_hash_fmix64(bits ^ 0x9e3779b97f4a7c15ull) | 1;
	default:
		break;
	}
	return qg_hash_bytes(c->ptr, c->len, 0x51ed27u) | 1;
}

void vd_pass_unique_keys(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	const struct qg_schema *S = v->S;
	struct piece_state *ps = vp->ps;

	for (size_t k = 0; k < S->nr_unique_keys; k++) {
		const struct qg_unique_key *key = &S->unique_keys[k];

		for (int r = 0; r < vp->nb; r++) {
			const struct qg_record *rec = &vp->batch[r];
			uint64_t h = 0x243f6a8885a308d3ull;
			size_t i = 0;

			for (; i < key->nr; i++) {
				long col = vp->colmap[key->fields[i]];
				uint64_t part;

				if (col < 0 || (size_t)col >= rec->nr)
					break;
				part = vd_cell_key(S, &S->fields[key->fields[i]], &rec->cells[col]);
				if (!part)
					break;
				h = qg_hash_fmix64(h * 0x9e3779b97f4a7c15ull + part);
			}
			if (i < key->nr)
				continue; /* a part is missing: not compared */
			if (data_uniq_add_hash(&ps->uk[k], h, rec->line) < 0)
				return; /* the pool failed: run_piece stops the run */
		}
	}
}
