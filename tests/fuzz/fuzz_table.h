/* fuzz_table.h -- what the CSV and JSONL fuzz targets share
 *
 * Both targets read the same bytes twice (a small buffer and one that holds
 * everything) and compare digests of what came out; these are the digest of
 * a batch of records and the comparison. Included by one .c file each.
 */
#ifndef QGATE_FUZZ_TABLE_H
#define QGATE_FUZZ_TABLE_H

#include "qgate/common.h"
#include "qgate/table.h"

/* An append that fails leaves a cut digest, which would compare as a false
 * difference: stop there, a harness failure rather than a hidden one. */
#define FUZZ_ADD(call) \
	do { \
		if ((call) < 0) \
			__builtin_trap(); \
	} while (0)

/* Append records[0..nr) to o: positions, shape, every cell with its column,
 * flags and text. Touches the QG_TABLE_PAD bytes table.h promises after every
 * cell and record (ASan catches a short pad) and traps on a column below
 * min_column. */
static void fuzz_digest_records(struct qg_buf *o, const struct qg_record *recs, int nr, size_t ncols,
				long long min_column)
{
	for (int k = 0; k < nr; k++) {
		const struct qg_record *x = &recs[k];
		volatile char touch;
		size_t i;

		touch = x->text[x->text_len + QG_TABLE_PAD - 1];
		for (i = 0; i < x->nr || i < ncols; i++)
			touch = x->cells[i].ptr[x->cells[i].len + QG_TABLE_PAD - 1];
		(void)touch;

		FUZZ_ADD(qg_buf_addf(o, "%lld/%lld/%zu:", x->line, x->row, x->nr));
		for (i = 0; i < x->nr || i < ncols; i++) {
			const struct qg_cell *c = &x->cells[i];

			if (qg_record_cell_column(x, i) < min_column)
				__builtin_trap();
			FUZZ_ADD(qg_buf_addf(o, "%lld,%u,%u=", qg_record_cell_column(x, i), c->flags, c->len));
			FUZZ_ADD(qg_buf_add(o, c->ptr, c->len));
		}
		FUZZ_ADD(qg_buf_addch(o, '\n'));
	}
}

/* The two reads must agree exactly; frees both digests. */
static void fuzz_compare_digests(struct qg_buf *a, struct qg_buf *b)
{
	if (a->len != b->len || memcmp(a->buf, b->buf, a->len)) {
		fprintf(stderr, "small buffer:\n%s\nlarge buffer:\n%s\n", a->buf, b->buf);
		abort();
	}
	qg_buf_release(a);
	qg_buf_release(b);
}

#endif
