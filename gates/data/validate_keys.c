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
 *
 * Foreign keys to the same table (vd_pass_foreign_keys) use the same sets:
 * each record adds its referencing key with its line to the piece's
 * "source" set and its referenced key to the "target" set, and
 * vd_merge_results() anti-joins them (data_uniq_antijoin). A key of one
 * integer field referencing an integer field is stored exactly (fmix64 of
 * the value: a bijection, the value shown again). Any other key is hashed
 * twice, with independent seeds, into two pairs of sets: a row is a
 * violation when its key is missing under either hash. A violation is
 * therefore hidden only when both 64-bit hashes of its key collide with
 * those of one referenced key (about n^2/2^128); a difference between the
 * two counts (one hash collided) fails the check closed (exit 3).
 * When a referencing and a referenced field have different types their
 * values are compared as text; a value that is not of its integer field's
 * type is not compared (field.<name>.type fails already).
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

static uint64_t cell_key_seeded(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c,
				uint64_t seed)
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
		return qg_hash_fmix64(((uint64_t)ik ^ 0x5bd1e995u) + seed) | 1;
	case QG_TYPE_NUMBER:
	case QG_TYPE_DATE:
	case QG_TYPE_DATETIME:
	case QG_TYPE_TIME:
		if (data_field_parse(f, c->ptr, c->len, &ik, &dk))
			break;
		if (dk == 0)
			dk = 0; /* -0 == 0 */
		memcpy(&bits, &dk, 8);
		return qg_hash_fmix64((bits ^ 0x9e3779b97f4a7c15ull) + seed) | 1;
	default:
		break;
	}
	return qg_hash_bytes(c->ptr, c->len, 0x51ed27u + seed) | 1;
}

uint64_t vd_cell_key(const struct qg_schema *S, const struct qg_schema_field *f, const struct qg_cell *c)
{
	return cell_key_seeded(S, f, c, 0);
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

/* The key of fields idx[] in rec (other[]: the type on the other side): 1
 * and *h, or 0 when a part is missing (or, exact, not an integer). */
static int fk_key(const struct qg_schema *S, const long *colmap, const size_t *idx,
		  const enum qg_field_type *other, size_t n, int exact, uint64_t seed, const struct qg_record *rec,
		  uint64_t *h)
{
	uint64_t acc = 0x243f6a8885a308d3ull ^ seed;

	for (size_t i = 0; i < n; i++) {
		const struct qg_schema_field *f = &S->fields[idx[i]];
		long col = colmap[idx[i]];
		const struct qg_cell *c;
		uint64_t part;

		if (col < 0 || (size_t)col >= rec->nr)
			return 0;
		c = &rec->cells[col];
		if (cell_missing(S, f, c))
			return 0;
		if (exact) {
			long long ik = 0;
			double dk = 0;

			if (data_field_parse(f, c->ptr, c->len, &ik, &dk))
				return 0;
			*h = qg_hash_fmix64((uint64_t)ik);
			return 1;
		}
		if (f->type == other[i])
			part = cell_key_seeded(S, f, c, seed);
		else
			part = qg_hash_bytes(c->ptr, c->len, 0x7f4a7c15u + seed) | 1;
		acc = qg_hash_fmix64(acc * 0x9e3779b97f4a7c15ull + part);
	}
	*h = acc;
	return 1;
}

#define FK_SEED2 0xc2b2ae3d27d4eb4full

void vd_pass_foreign_keys(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	const struct qg_schema *S = v->S;
	struct piece_state *ps = vp->ps;

	for (size_t k = 0; k < S->nr_foreign_keys; k++) {
		const struct vfk *fk = &v->fks[k];
		int self = !S->foreign_keys[k].resource;

		for (int pass = 0; pass < (fk->exact ? 1 : 2); pass++) {
			uint64_t seed = pass ? FK_SEED2 : 0;
			struct qg_uniq *src = &ps->fks[2 * k + (size_t)pass], *dst = &ps->fkr[2 * k + (size_t)pass];

			for (int r = 0; r < vp->nb; r++) {
				const struct qg_record *rec = &vp->batch[r];
				uint64_t h;

				if (fk_key(S, vp->colmap, fk->src, fk->src_other, fk->nr, fk->exact, seed, rec, &h) &&
				    data_uniq_add_hash(src, h, rec->line) < 0)
					return;
				if (self &&
				    fk_key(S, vp->colmap, fk->ref, fk->ref_other, fk->nr, fk->exact, seed, rec, &h) &&
				    data_uniq_add_hash(dst, h, rec->line) < 0)
					return;
			}
		}
	}
}

void vd_pass_fk_collect(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	const struct vfk *fk = v->collect->fk;
	struct piece_state *ps = vp->ps;

	for (int pass = 0; pass < (fk->exact ? 1 : 2); pass++) {
		uint64_t seed = pass ? FK_SEED2 : 0;

		for (int r = 0; r < vp->nb; r++) {
			const struct qg_record *rec = &vp->batch[r];
			uint64_t h;

			if (fk_key(v->S, vp->colmap, fk->ref, fk->ref_other, fk->nr, fk->exact, seed, rec, &h) &&
			    data_uniq_add_hash(&ps->fkc[pass], h, rec->line) < 0)
				return;
		}
	}
}
