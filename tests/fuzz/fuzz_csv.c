/* fuzz_csv.c -- libFuzzer target for the CSV/TSV reader
 *
 * The first input byte picks the options (CSV or TSV, header or not, ',' or
 * ';', a tiny max_record, the buffer size); the rest is the file. Besides
 * what the sanitizers catch, the target is its own oracle: the same bytes
 * read with a small buffer (records cross refills, the buffer grows) and
 * with one large enough for everything must give the same records, cells,
 * positions and errors. A difference aborts.
 */
#include "fuzz_table.h"

static void digest(struct qg_buf *o, const uint8_t *data, size_t size, const struct qg_table_opts *opts)
{
	struct qg_table *t;
	struct qg_record rec;
	const struct qg_cell *names;
	size_t nc, i;
	int r, batch = 0;

	if (qg_table_open_memory(&t, data, size, "fuzz.csv", opts) < 0) {
		FUZZ_ADD(qg_buf_addf(o, "open %d %s\n", qg_error_code(), qg_error_last()));
		return;
	}
	nc = qg_table_columns(t, &names);
	for (i = 0; i < nc; i++) {
		FUZZ_ADD(qg_buf_add(o, names[i].ptr, names[i].len));
		FUZZ_ADD(qg_buf_addch(o, '\n'));
	}
	for (;;) {
		const struct qg_record *recs = &rec;

		/* alternate the two ways of reading */
		if (batch++ % 2)
			r = qg_table_next_batch(t, &recs);
		else
			r = qg_table_next(t, &rec);
		if (r <= 0)
			break;
		fuzz_digest_records(o, recs, r, nc, 1);
	}
	FUZZ_ADD(qg_buf_addf(o, "end %d %s lines=%lld\n", r, r < 0 ? qg_error_last() : "", qg_table_line(t)));
	qg_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qg_table_opts o = { 0 };
	struct qg_buf a = QG_BUF_INIT(QG_CAP_REPORT), b = QG_BUF_INIT(QG_CAP_REPORT);
	unsigned ctl;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	o.format = (ctl & 1) ? QG_FORMAT_TSV : QG_FORMAT_CSV;
	o.no_header = !!(ctl & 2);
	o.delimiter = (ctl & 4) ? ';' : 0;
	o.max_record = (ctl & 8) ? 40 : 0;
	o.block_size = 16 + (ctl >> 4) * 5;
	digest(&a, data, size, &o);
	o.block_size = size + 16; /* everything in the first fill */
	digest(&b, data, size, &o);
	fuzz_compare_digests(&a, &b);
	return 0;
}
