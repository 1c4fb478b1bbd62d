/* table_simple.h -- the CSV splitter's loop for the common records
 *
 * Included by lib/table.c once per instruction set (a template):
 * SIMPLE_NAME is the function defined, SIMPLE_ATTRS its attributes and
 * SIMPLE_BLOCK the block-mask function it calls (csv_block() with SSE2,
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
 */
static SIMPLE_ATTRS void SIMPLE_NAME(struct qg_table *t, struct csv_state *st, size_t pos0, size_t max)
{
	const char *const b = t->buf;
	const size_t len = t->len, ncols = t->ncols, cap = t->cells_alloc, max_record = t->max_record;
	const struct csv_vec *v = &t->vec;
	struct qg_record *const recs = t->recs;
	size_t *const firsts = t->first;
	struct qg_cell *const cells = t->cells;
	size_t pos = st->pos, base = st->base, n = st->n, nrec = st->nrec, i, start, first = st->n;
	uint64_t D = st->D, N = st->N, Q = st->Q;
	int valid = st->valid;
	long long nl = st->nl, row = st->row;

	while (nrec < max && pos - pos0 < BATCH_BYTES && n < BATCH_CELLS) {
		if (pos >= len || (unsigned char)b[pos] <= '\r')
			break; /* the end, or maybe a blank line: csv_batch() */
		first = n;
		start = pos;
		if (valid && pos - base < 64) { /* pos < base wraps around */
			uint64_t keep = ~(uint64_t)0 << (pos - base);

			D &= keep;
			N &= keep;
			Q &= keep;
		} else {
			base = pos;
			SIMPLE_BLOCK(b + base, len - base, v, &D, &N, &Q);
			valid = 1;
		}
		for (;;) {
			uint64_t stop = N | Q, d, sb;

			if (__builtin_expect(cap - n < 66 || n - first > ncols, 0))
				goto undo;
			d = D & ((stop & -stop) - 1); /* all of D when stop is 0 */
			D &= ~d;
			while (d) {
				i = base + (size_t)__builtin_ctzll(d);
				d &= d - 1;
				cells[n].ptr = b + start;
				cells[n].len = i - start;
				cells[n].flags = 0;
				n++;
				start = i + 1;
			}
			if (!stop) {
				base += 64;
				if (base >= len)
					goto undo;
				SIMPLE_BLOCK(b + base, len - base, v, &D, &N, &Q);
				continue;
			}
			sb = stop & -stop;
			if (Q & sb)
				goto undo;
			i = base + (size_t)__builtin_ctzll(sb);
			N &= ~sb;
			break;
		}
		/* i is the '\n': the record is [pos, i), its last cell [start, e) */
		{
			size_t e = i;

			if (e > start && b[e - 1] == '\r')
				e--;
			cells[n].ptr = b + start;
			cells[n].len = e - start;
			cells[n].flags = 0;
			n++;
		}
		if (n - first != ncols || i - pos > max_record)
			goto undo;
		recs[nrec].nr = ncols;
		firsts[nrec] = first;
		recs[nrec].text = b + pos;
		recs[nrec].text_len = i - pos;
		recs[nrec].line = nl + 1;
		recs[nrec].row = ++row;
		recs[nrec].columns = NULL; /* ptr - text + 1 */
		nrec++;
		nl++;
		pos = i + 1;
	}
	if (0) {
undo:
		n = first;
		valid = 0; /* csv_batch() starts the record's masks afresh */
	}
	st->pos = pos;
	st->base = base;
	st->n = n;
	st->nrec = nrec;
	st->D = D;
	st->N = N;
	st->Q = Q;
	st->valid = valid;
	st->nl = nl;
	st->row = row;
}
