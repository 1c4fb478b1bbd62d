/* table_simple.h -- the CSV splitter's loop for the common records
 *
 * Included by lib/io/table_csv.c once per instruction set (a template):
 * SIMPLE_NAME is the function defined, SIMPLE_ATTRS its attributes and
 * SIMPLE_BLOCK the block-mask function it calls (csv_block_scalar(), csv_block2_v() with SSE2,
 * csv_block_avx2() with AVX2 -- inlined either way, which is the point:
 * the AVX2 compares only pay off inside a function compiled for AVX2).
 *
 * The common records -- no quote, not blank, ending with '\n' inside the
 * buffer, exactly as many cells as the columns, not longer than max_record
 * -- are split here with the state in registers (csv_batch() keeps too much
 * alive for that). It stops at the first record that is anything else, or
 * at the batch's budget, with that record's cells undone; csv_batch() then
 * splits it the general way. Every record split here comes out exactly as
 * csv_batch() would split it (cells, text, line, row); their columns are
 * the cells' offsets in the text (rec->columns NULL).
 *
 * SIMPLE_INIT declares the block function's constants as locals (loaded
 * once: the stores into the cells would otherwise make the compiler reload
 * them for every block) and SIMPLE_BLOCK(p, avail, &D, &S) uses them: D the
 * delimiters, S the stops -- newlines and quotes in one mask (with quoting;
 * newlines only without), a quote told apart by its byte.
 * The cell loop walks pointers (the cell, its start, the block) so that a
 * cell costs a bit scan, two stores and pointer steps.
 */
#ifndef SIMPLE_LEN_FLAGS0
/* c->len = n, c->flags = 0 as one 8-byte store (n < 4 GiB: max_record) */
#define SIMPLE_LEN_FLAGS0(c, n)                                                    \
	do {                                                                       \
		uint64_t lf_ = (uint64_t)(n);                                      \
		_Static_assert(offsetof(struct qg_cell, flags) ==                  \
				       offsetof(struct qg_cell, len) + sizeof(unsigned), \
			       "len, then flags");                                 \
		memcpy(&(c)->len, &lf_, sizeof(lf_));                              \
	} while (0)
#endif
static SIMPLE_ATTRS void SIMPLE_NAME(struct qg_table *t, struct csv_state *st, size_t pos0, size_t max)
{
	/* pointers rather than indexes, so that the loop's state fits in the
	 * registers: p the record's start, bb the block's, c the next cell */
	const char *const b = t->buf, *const end = b + t->len;
	const size_t ncols = t->ncols, max_record = t->max_record;
	struct qg_record *const recs = t->recs;
	struct qg_record *rp = recs + st->nrec, *rp_end = rp;
	struct qg_cell *const cells = t->cells, *const cells_end = t->cells + t->cells_alloc - 66;
	struct qg_cell *c = cells + st->n, *cfirst = c;
	const char *p = b + st->pos, *bb = b + st->base, *pe;
	/* D the delimiters, S the stops (newlines and, with quoting, quotes) */
	uint64_t D = st->D, S = st->N | st->Q;
	/* no blank line is skipped here: row - nl stays as it is */
	const long long row_nl = st->row - st->nl;
	long long nl = st->nl;
	SIMPLE_INIT(&t->vec);

	/* a record start at least 64 bytes past bb means "no block loaded":
	 * valid (st->valid) is bb <= p < bb + 64 from here on */
	if (!st->valid)
		bb = p + 64;
	/* the cell budget as a record count: each record adds ncols cells */
	if (st->n < BATCH_CELLS)
		rp_end += (BATCH_CELLS - st->n + ncols - 1) / ncols;
	if (rp_end > recs + max)
		rp_end = recs + max;
	/* the byte budget and the buffered bytes: either ends the loop */
	pe = pos0 + BATCH_BYTES < t->len ? b + pos0 + BATCH_BYTES : end;
	/* the masks from csv_batch() may hold bits before p; after a record
	 * of this loop they never do (its cells, its newline and no quote
	 * were consumed), so this is done once */
	if ((uintptr_t)(p - bb) < 64) { /* p < bb wraps around */
		uint64_t keep = ~(uint64_t)0 << (p - bb);

		D &= keep;
		S &= keep;
	}
	while (rp < rp_end && p < pe) {
		const char *sp = p, *q;

		if ((unsigned char)*p <= '\r')
			break; /* maybe a blank line: csv_batch() */
		cfirst = c;
		if ((uintptr_t)(p - bb) >= 64) {
			bb = p;
			SIMPLE_BLOCK(bb, (size_t)(end - bb), &D, &S);
		}
		for (;;) {
			uint64_t stop = S, d;

			/* room for this block's cells and the last one; a record
			 * with too many cells is found at its end (then undone) */
			if (__builtin_expect(c > cells_end, 0))
				goto undo;
			d = D & ((stop & -stop) - 1); /* all of D when stop is 0 */
			D &= ~d;
			while (d) {
				q = bb + __builtin_ctzll(d);
				d &= d - 1;
				c->ptr = sp;
				SIMPLE_LEN_FLAGS0(c, q - sp);
				c++;
				sp = q + 1;
			}
			if (!stop) {
				bb += 64;
				if (bb >= end)
					goto undo;
				SIMPLE_BLOCK(bb, (size_t)(end - bb), &D, &S);
				continue;
			}
			stop &= -stop;
			q = bb + __builtin_ctzll(stop);
			if (*q == '"')
				goto undo; /* a quote (only quoting puts one in S) */
			S &= ~stop;
			break;
		}
		/* q is the '\n': the record is [p, q), its last cell [sp, e) */
		{
			const char *e = q;

			if (e > sp && e[-1] == '\r')
				e--;
			c->ptr = sp;
			SIMPLE_LEN_FLAGS0(c, e - sp);
			c++;
		}
		if ((size_t)(c - cfirst) != ncols || __builtin_expect((size_t)(q - p) > max_record, 0))
			goto undo;
		rp->nr = ncols;
		rp->cells = cfirst; /* csv_batch() moves it if the cells move */
		rp->text = p;
		rp->text_len = (size_t)(q - p);
		rp->line = ++nl;
		rp->row = nl + row_nl;
		rp->columns = NULL; /* ptr - text + 1 */
		rp++;
		p = q + 1;
	}
	if (0) {
undo:
		c = cfirst;
	}
	/* S mixes newlines and quotes: csv_batch() starts its masks afresh */
	st->pos = (size_t)(p - b);
	st->base = (size_t)(bb - b);
	st->n = (size_t)(c - cells);
	st->nrec = (size_t)(rp - recs);
	st->D = D;
	st->N = st->Q = 0;
	st->valid = 0;
	st->nl = nl;
	st->row = nl + row_nl;
}
