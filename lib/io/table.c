/* table.c -- record readers for CSV (RFC 4180), TSV and JSONL/NDJSON: the core
 *
 * The hottest code in qgate: the data gate validates gigabytes through it.
 * The reader owns one buffer (1 MiB to start) that it fills from the stream
 * in large reads; a record is always contiguous in it, and cells point into
 * it. When a record runs past the end of the buffered bytes, the partial
 * record is moved to the front, the rest of the buffer is refilled, and the
 * record is parsed again from its start; a record longer than half the buffer
 * doubles it, up to max_record plus one block, so memory stays bounded and
 * the re-parsing stays linear overall.
 *
 * This file opens a table (format from the extension, else sniffed), owns
 * the buffer, the cells and the column names, and serves the public API;
 * table_csv.c splits CSV/TSV and table_jsonl.c parses JSONL (table_int.h
 * is what they share).
 *
 * Decisions (documented in table.h): a bare quote inside an unquoted CSV
 * field is kept as text, and text after a closing quote is appended to the
 * cell (as Python's csv module does); blank lines are skipped in every
 * format; a JSONL key that repeats wins with its last value; a lone UTF-16
 * surrogate in \uXXXX is written as its 3-byte (WTF-8) form, which the
 * validator's UTF-8 check then reports; a malformed JSONL line is an error
 * for that line only, and the next call continues with the next line.
 */
#include "qgate/common.h"

#include "table_int.h"

const char qg_tbl_empty_text[QG_TABLE_PAD];

/* ------------------------------------------------------------------ */
/* errors */

int qg_tbl_fail(struct qg_table *t, int code, long long line, long long col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

int qg_tbl_fail(struct qg_table *t, int code, long long line, long long col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (col > 0)
		return qg_error(code, "'%s':%lld:%lld: %s", t->name, line, col, msg);
	return qg_error(code, "'%s':%lld: %s", t->name, line, msg);
}

/* Make an error sticky: later calls return it again. */
int qg_tbl_stick(struct qg_table *t, int code)
{
	t->err = code;
	snprintf(t->errmsg, sizeof(t->errmsg), "%s", qg_error_last());
	return code;
}

/* ------------------------------------------------------------------ */
/* buffer */

static int table_grow_to(struct qg_table *t, size_t want)
{
	char *nb, *ns;

	nb = realloc(t->buf, want + TABLE_PAD);
	if (!nb)
		return qg_error(QG_ENOMEM, "'%s': out of memory (%zu bytes)", t->name, want);
	t->buf = nb;
	/* the pad and any new bytes are zeroed: a validator reading a word
	 * past the end of a cell (table.h) reads defined bytes */
	memset(nb + t->alloc, 0, want + TABLE_PAD - t->alloc);
	ns = realloc(t->scratch, want + TABLE_PAD);
	if (!ns)
		return qg_error(QG_ENOMEM, "'%s': out of memory (%zu bytes)", t->name, want);
	memset(ns + t->alloc, 0, want + TABLE_PAD - t->alloc);
	t->scratch = ns;
	t->alloc = want;
	return 0;
}

static ssize_t table_read(struct qg_table *t, char *dst, size_t n)
{
	size_t k;

	if (t->s)
		return qg_stream_read(t->s, dst, n);
	k = t->mem_len - t->mem_off;
	if (k > n)
		k = n;
	if (k > t->block)
		k = t->block; /* a memory source behaves like a stream of small reads */
	memcpy(dst, t->mem + t->mem_off, k);
	t->mem_off += k;
	return (ssize_t)k;
}

/* Keep the bytes from pos on (the record being parsed), move them to the
 * front and fill the rest of the buffer. 0 or an error (sticky). */
int qg_tbl_fill(struct qg_table *t)
{
	size_t keep = t->len - t->pos;
	ssize_t r;
	int err;

	if (t->eof)
		return 0;
	if (keep > t->max_record)
		return qg_tbl_stick(t, qg_tbl_fail(t, QG_EPARSE, t->nl + 1, 0,
						 "record longer than %zu bytes (the maximum record size)",
						 t->max_record));
	if (t->pos > 0) {
		memmove(t->buf, t->buf + t->pos, keep);
		t->pos = 0;
		t->len = keep;
	}
	t->svalid = 0;
	if (keep > t->alloc / 2) {
		size_t cap = t->max_record + t->block, want = t->alloc * 2;

		if (want > cap)
			want = cap;
		if (want > t->alloc && (err = table_grow_to(t, want)) < 0)
			return qg_tbl_stick(t, err);
	}
	while (t->len < t->alloc) {
		r = table_read(t, t->buf + t->len, t->alloc - t->len);
		if (r < 0)
			return qg_tbl_stick(t, (int)r);
		if (r == 0) {
			t->eof = 1;
			break;
		}
		t->len += (size_t)r;
	}
	memset(t->buf + t->len, 0, TABLE_PAD);
	return 0;
}

int qg_tbl_cells_grow(struct qg_table *t, size_t nr)
{
	/* a batch: BATCH_CELLS, then one more record of TABLE_MAX_CELLS cells
	 * or padded to the columns (at most TABLE_MAX_CELLS), plus a block */
	if (nr > BATCH_CELLS + 2 * TABLE_MAX_CELLS + 128)
		return qg_error(QG_EPARSE, "record has more than %zu cells", TABLE_MAX_CELLS);
	if (QG_ALLOC_GROW(t->cells, nr, t->cells_alloc) < 0)
		return QG_ENOMEM;
	if (t->colpos_alloc < t->cells_alloc) {
		long long *np = realloc(t->colpos, t->cells_alloc * sizeof(*np));

		if (!np)
			return qg_error(QG_ENOMEM, "out of memory");
		t->colpos = np;
		t->colpos_alloc = t->cells_alloc;
	}
	return 0;
}

long long qg_record_cell_column(const struct qg_record *rec, size_t i)
{
	if (rec->columns)
		return rec->columns[i];
	return (long long)(rec->cells[i].ptr - rec->text) + 1;
}
/* ------------------------------------------------------------------ */
/* columns */

void qg_tbl_cols_clear(struct qg_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		free((char *)t->cols[i].ptr);
	t->ncols = 0;
	qg_strmap_release(&t->names);
}

static int cols_name_put(struct qg_table *t, size_t i);

int qg_tbl_cols_add(struct qg_table *t, const char *p, size_t n)
{
	char *s;

	if (t->ncols >= TABLE_MAX_CELLS)
		return qg_error(QG_EPARSE, "more than %zu columns", TABLE_MAX_CELLS);
	if (QG_ALLOC_GROW(t->cols, t->ncols + 1, t->cols_alloc) < 0)
		return QG_ENOMEM;
	/* 16 zero bytes after the name: the key matcher loads 16 at a time */
	if (n > SIZE_MAX - 17 || !(s = calloc(1, n + 17)))
		return qg_error(QG_ENOMEM, "out of memory");
	memcpy(s, p, n);
	if (QG_ALLOC_GROW(t->plain, t->ncols + 1, t->plain_alloc) < 0) {
		free(s);
		return QG_ENOMEM;
	}
	t->plain[t->ncols] = 1;
	for (size_t k = 0; k < n; k++)
		if (s[k] == '"' || s[k] == '\\' || (unsigned char)s[k] < 0x20)
			t->plain[t->ncols] = 0;
	t->cols[t->ncols].ptr = s;
	t->cols[t->ncols].len = n;
	t->cols[t->ncols].flags = 0;
	t->ncols++;
	if (cols_name_put(t, t->ncols - 1) < 0)
		return QG_ENOMEM;
	return qg_tbl_cells_grow(t, t->ncols);
}

/* Column i's name into the name index: the first of duplicate names gets
 * the values. */
static int cols_name_put(struct qg_table *t, size_t i)
{
	long k = qg_strmap_add(&t->names, t->cols[i].ptr, t->cols[i].len);

	if (k < 0)
		return (int)k;
	if ((size_t)k + 1 == t->names.nr) {
		if (QG_ALLOC_GROW(t->name_col, t->names.nr, t->name_col_alloc) < 0)
			return QG_ENOMEM;
		t->name_col[k] = (long)i;
	}
	return 0;
}

int qg_tbl_cols_index(struct qg_table *t)
{
	qg_strmap_release(&t->names);
	for (size_t i = 0; i < t->ncols; i++)
		if (cols_name_put(t, i) < 0)
			return QG_ENOMEM;
	return 0;
}

/* Index of a key among the columns, or -1. */
long qg_tbl_cols_find(const struct qg_table *t, const char *p, size_t n)
{
	long k = qg_strmap_find(&t->names, p, n);

	return k < 0 ? -1 : t->name_col[k];
}
/* ------------------------------------------------------------------ */
/* opening */

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncasecmp(s + n - k, suffix, k);
}

enum qg_table_format qg_table_format_of(const char *name)
{
	size_t n;
	const char *q;

	if (!name)
		return QG_FORMAT_AUTO;
	n = strlen(name);
	if (strstr(name, "://") && (q = strchr(name, '?')))
		n = (size_t)(q - name); /* URL query */
	if (ends_with(name, n, ".gz"))
		n -= 3;
	else if (ends_with(name, n, ".zst"))
		n -= 4;
	if (ends_with(name, n, ".csv"))
		return QG_FORMAT_CSV;
	if (ends_with(name, n, ".tsv") || ends_with(name, n, ".tab"))
		return QG_FORMAT_TSV;
	if (ends_with(name, n, ".jsonl") || ends_with(name, n, ".ndjson"))
		return QG_FORMAT_JSONL;
	return QG_FORMAT_AUTO;
}

/* No usable extension: '{' first means JSONL, a first line with tabs and no
 * commas TSV, anything else CSV. */
static enum qg_table_format sniff(const struct qg_table *t)
{
	const char *p = t->buf + t->pos, *e = t->buf + t->len, *nl;
	size_t tabs = 0, commas = 0;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < e && *p == '{')
		return QG_FORMAT_JSONL;
	p = t->buf + t->pos;
	nl = memchr(p, '\n', (size_t)(e - p));
	if (!nl)
		nl = e;
	for (; p < nl; p++) {
		tabs += *p == '\t';
		commas += *p == ',';
	}
	return tabs && !commas ? QG_FORMAT_TSV : QG_FORMAT_CSV;
}

static int table_setup(struct qg_table *t, const struct qg_table_opts *o)
{
	struct qg_table_opts def = { 0 };
	int err;

	if (!o)
		o = &def;
	t->max_record = o->max_record ? o->max_record : TABLE_DEFAULT_MAX;
	if (t->max_record > (size_t)UINT32_MAX - 2 * 1024 * 1024)
		t->max_record = (size_t)UINT32_MAX - 2 * 1024 * 1024; /* cell lengths are 32-bit */
	t->block = o->block_size ? o->block_size : TABLE_DEFAULT_BLOCK;
	if (t->block < 16)
		t->block = 16;
	t->no_header = o->no_header;
	if (!t->name)
		return qg_error(QG_ENOMEM, "out of memory");
	/* a reopened table keeps its buffer when it is large enough */
	if (t->alloc < t->block && (err = table_grow_to(t, t->block)) < 0)
		return err;
	if ((err = qg_tbl_fill(t)) < 0)
		return err;
	if (t->len >= 3 && !memcmp(t->buf, "\xef\xbb\xbf", 3))
		t->pos = 3;

	t->fmt = o->format;
	if (t->fmt == QG_FORMAT_AUTO)
		t->fmt = qg_table_format_of(t->name);
	if (t->fmt == QG_FORMAT_AUTO)
		t->fmt = sniff(t);
	if (t->fmt != QG_FORMAT_CSV && t->fmt != QG_FORMAT_TSV && t->fmt != QG_FORMAT_JSONL)
		return qg_error(QG_EUSAGE, "'%s': unknown table format %d", t->name, (int)t->fmt);
	t->delim = o->delimiter ? o->delimiter : (t->fmt == QG_FORMAT_TSV ? '\t' : ',');
	t->quoting = t->fmt == QG_FORMAT_CSV;
	if (t->fmt != QG_FORMAT_JSONL && (t->delim == '\n' || t->delim == '\r' || t->delim == '"'))
		return qg_error(QG_EUSAGE, "'%s': invalid delimiter 0x%02x (expected any byte but a quote or a line break)",
				t->name, (unsigned char)t->delim);
	if ((err = qg_tbl_cells_grow(t, 256)) < 0)
		return err;
	if (!t->recs)
		t->recs = calloc(BATCH_RECORDS, sizeof(*t->recs));
	if (!t->first)
		t->first = calloc(BATCH_RECORDS, sizeof(*t->first));
	if (!t->gen)
		t->gen = calloc(BATCH_RECORDS, sizeof(*t->gen));
	if (!t->recs || !t->first || !t->gen)
		return qg_error(QG_ENOMEM, "out of memory");
	qg_tbl_csv_init(&t->vec, t->delim, t->quoting);

	if (t->fmt == QG_FORMAT_JSONL)
		return qg_tbl_jsonl_peek(t);
	if (!t->no_header) {
		size_t i;
		int r = qg_tbl_csv_split(t, 1);

		if (r < 0)
			return r;
		if (r == 1) {
			const struct qg_record *h = &t->recs[0];

			/* no reallocation of h->cells: qg_tbl_cols_add grows cells to
			 * ncols <= h->nr, which they already hold */
			for (i = 0; i < h->nr; i++)
				if ((err = qg_tbl_cols_add(t, h->cells[i].ptr, h->cells[i].len)) < 0)
					return err;
		}
		t->bi = t->bn = 0;
		t->row = 0;
	}
	return 0;
}

int qg_table_open(struct qg_table **out, struct qg_stream *s, const struct qg_table_opts *o)
{
	struct qg_table *t;
	int err;

	*out = NULL;
	if (!(t = calloc(1, sizeof(*t)))) {
		qg_stream_free(s);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	t->s = s;
	t->name = qg_strdup(qg_stream_name(s) ? qg_stream_name(s) : "-");
	if ((err = table_setup(t, o)) < 0) {
		qg_table_free(t);
		return err;
	}
	*out = t;
	return 0;
}

int qg_table_reopen(struct qg_table *t, struct qg_stream *s, const struct qg_table_opts *o)
{
	/* everything but the allocations goes back to what calloc gave */
	qg_stream_free(t->s);
	t->s = s;
	t->mem = NULL;
	t->mem_len = t->mem_off = 0;
	free(t->name);
	t->name = qg_strdup(qg_stream_name(s) ? qg_stream_name(s) : "-");
	t->fmt = QG_FORMAT_AUTO;
	t->delim = 0;
	t->quoting = t->no_header = 0;
	t->max_record = t->block = 0;
	t->pos = t->len = 0;
	t->eof = 0;
	t->scratch_len = 0;
	t->nl = 0;
	t->partial = 0;
	t->row = 0;
	t->started = 0;
	memset(&t->vec, 0, sizeof(t->vec));
	t->regular = 0;
	t->bi = t->bn = 0;
	t->sbase = 0;
	t->sd = t->sn = t->sq = 0;
	t->svalid = 0;
	qg_tbl_cols_clear(t);
	t->cols_fixed = 0;
	t->err = 0;
	t->errmsg[0] = 0;
	return table_setup(t, o);
}

int qg_table_open_memory(struct qg_table **out, const void *data, size_t len, const char *name,
			 const struct qg_table_opts *o)
{
	struct qg_table *t;
	int err;

	*out = NULL;
	if (!(t = calloc(1, sizeof(*t))))
		return qg_error(QG_ENOMEM, "out of memory");
	t->mem = data ? data : "";
	t->mem_len = data ? len : 0;
	t->name = qg_strdup(name ? name : "<memory>");
	if ((err = table_setup(t, o)) < 0) {
		qg_table_free(t);
		return err;
	}
	*out = t;
	return 0;
}

size_t qg_table_columns(const struct qg_table *t, const struct qg_cell **names)
{
	*names = t->cols;
	return t->ncols;
}

int qg_table_set_columns(struct qg_table *t, const char *const *names, size_t nr)
{
	size_t i;
	int err;

	if (t->started)
		return qg_error(QG_EUSAGE, "'%s': columns must be set before the first record is read", t->name);
	if (t->fmt != QG_FORMAT_JSONL && !t->no_header)
		return qg_error(QG_EUSAGE, "'%s': the columns of a file with a header come from the header",
				t->name);
	qg_tbl_cols_clear(t);
	for (i = 0; i < nr; i++)
		if ((err = qg_tbl_cols_add(t, names[i], strlen(names[i]))) < 0)
			return err;
	t->cols_fixed = 1;
	return qg_tbl_cols_index(t);
}

int qg_table_next(struct qg_table *t, struct qg_record *rec)
{
	int r;

	if (t->bi < t->bn) {
		*rec = t->recs[t->bi++];
		return 1;
	}
	if (t->err)
		return qg_error(t->err, "%s", t->errmsg);
	t->started = 1;
	if (t->fmt == QG_FORMAT_JSONL)
		return qg_tbl_jsonl_next(t, rec);
	if ((r = qg_tbl_csv_split(t, BATCH_RECORDS)) <= 0)
		return r;
	t->bi = 1;
	*rec = t->recs[0];
	return 1;
}

int qg_table_next_batch(struct qg_table *t, const struct qg_record **recs)
{
	int r;

	*recs = NULL;
	if (t->bi < t->bn) {
		r = (int)(t->bn - t->bi);
		*recs = t->recs + t->bi;
		t->bi = t->bn;
		return r;
	}
	if (t->err)
		return qg_error(t->err, "%s", t->errmsg);
	t->started = 1;
	if (t->fmt == QG_FORMAT_JSONL) {
		if ((r = qg_tbl_jsonl_batch(t)) > 0) {
			*recs = t->recs;
			t->bi = t->bn = (size_t)r;
		}
		return r;
	}
	if ((r = qg_tbl_csv_split(t, BATCH_RECORDS)) <= 0)
		return r;
	t->bi = t->bn;
	*recs = t->recs;
	return r;
}

int qg_table_batch_regular(const struct qg_table *t)
{
	return t->regular;
}

long long qg_table_line(const struct qg_table *t)
{
	return t->nl + t->partial;
}

const char *qg_table_name(const struct qg_table *t)
{
	return t->name;
}

enum qg_table_format qg_table_format(const struct qg_table *t)
{
	return t->fmt;
}

void qg_table_free(struct qg_table *t)
{
	if (!t)
		return;
	qg_tbl_cols_clear(t);
	free(t->cols);
	free(t->plain);
	free(t->name_col);
	free(t->cells);
	free(t->recs);
	free(t->first);
	free(t->gen);
	free(t->buf);
	free(t->scratch);
	free(t->colpos);
	free(t->name);
	qg_stream_free(t->s);
	free(t);
}
