/* table.c -- record readers for CSV (RFC 4180), TSV and JSONL/NDJSON
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
 * CSV is split 64 bytes at a time: SSE2 compares (the x86_64 baseline; a
 * scalar fallback elsewhere) give a bit mask of delimiters, newlines and
 * quotes, and the loop walks the set bits. The common records (no quote,
 * as many cells as columns) take a tighter copy of that loop first
 * (table_simple.h), compiled for AVX2 too and used when the CPU has it. The mask left over at the end of a
 * record is kept for the next one. Quoted cells take a slower path (memchr
 * for the closing quote); they point into the buffer unless they contain a
 * doubled quote, which is undone into a scratch area as large as the buffer
 * (the unescaped text of a record is never longer than the record).
 *
 * JSONL finds each line with memchr, then parses the object by hand; strings
 * are scanned 16 bytes at a time for '"', '\\' and control characters.
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

#include "qgate/stream.h"
#include "qgate/table.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 for the common CSV records when the CPU has it (chosen at run time:
 * the build stays baseline x86_64) */
#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__AVX2__)
#define CSV_AVX2 1
#include <immintrin.h>
#else
#define CSV_AVX2 0
#endif

#define TABLE_PAD QG_TABLE_PAD                 /* readable bytes past the data */
#define TABLE_DEFAULT_BLOCK ((size_t)1 << 20)  /* first buffer size and read size */
#define TABLE_DEFAULT_MAX ((size_t)64 << 20)   /* max_record when 0 */
#define TABLE_MAX_CELLS ((size_t)1 << 18)      /* cells in one record, columns */
#define BATCH_RECORDS 256                      /* records split ahead at most */
#define BATCH_BYTES ((size_t)32 << 10)         /* bytes split ahead (then stop) */
#define BATCH_CELLS ((size_t)16 << 10)         /* cells split ahead (then stop) */
#define JSON_MAX_DEPTH 1024                    /* nesting inside one value */

enum { NEED_MORE = -1000, BLANK = -1001 }; /* internal; below every QG_E* code */

/* The text of missing and null cells: "" followed by readable bytes, so that
 * every cell's text has QG_TABLE_PAD readable bytes after it (table.h). */
static const char empty_text[QG_TABLE_PAD];

/* Bit k of d, n, q: p[k] is the delimiter, '\n', '"' (q only when quoting). */
#if defined(__SSE2__)
struct csv_vec {
	__m128i d, n, q;
	int quoting;
	int avx2;  /* the CPU has AVX2 (and BMI1/2): csv_simple_avx2() */
	int simple; /* the common records' loop first (table_simple.h) */
	char dc;   /* the delimiter */
};

#if CSV_AVX2
/* For the common-record loop, with two 32-byte compares per class: the
 * delimiters, and the stops (newlines and quotes, or newlines only when vs
 * is '\n') in one mask; the constants come in as arguments (kept in
 * registers by the caller) */
static inline __attribute__((target("avx2"), always_inline)) void
csv_block2_avx2(const char *p, size_t avail, __m256i vd, __m256i vn, __m256i vs, uint64_t *d, uint64_t *s)
{
	__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	uint64_t md, ms, keep;

	md = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, vd)) |
	     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, vd)) << 32;
	ms = (uint64_t)(uint32_t)_mm256_movemask_epi8(
		     _mm256_or_si256(_mm256_cmpeq_epi8(x0, vn), _mm256_cmpeq_epi8(x0, vs))) |
	     (uint64_t)(uint32_t)_mm256_movemask_epi8(
		     _mm256_or_si256(_mm256_cmpeq_epi8(x1, vn), _mm256_cmpeq_epi8(x1, vs)))
		     << 32;
	keep = avail < 64 ? ((uint64_t)1 << avail) - 1 : ~(uint64_t)0;
	*d = md & keep;
	*s = ms & keep;
}
#endif

static inline __attribute__((always_inline)) void csv_block_v(const char *p, size_t avail, __m128i vd, __m128i vn,
							     __m128i vq, int quoting, uint64_t *d, uint64_t *n,
							     uint64_t *q)
{
	__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	uint64_t md, mn, mq = 0, keep;

	md = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, vd)) |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, vd)) << 16 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, vd)) << 32 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, vd)) << 48;
	mn = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, vn)) |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, vn)) << 16 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, vn)) << 32 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, vn)) << 48;
	if (quoting) {
		__m128i q0 = _mm_cmpeq_epi8(x0, vq), q1 = _mm_cmpeq_epi8(x1, vq);
		__m128i q2 = _mm_cmpeq_epi8(x2, vq), q3 = _mm_cmpeq_epi8(x3, vq);

		/* quotes are rare: one test for the whole block first */
		if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q0, q1), _mm_or_si128(q2, q3))))
			mq = (uint64_t)(unsigned)_mm_movemask_epi8(q0) |
			     (uint64_t)(unsigned)_mm_movemask_epi8(q1) << 16 |
			     (uint64_t)(unsigned)_mm_movemask_epi8(q2) << 32 |
			     (uint64_t)(unsigned)_mm_movemask_epi8(q3) << 48;
	}
	keep = avail < 64 ? ((uint64_t)1 << avail) - 1 : ~(uint64_t)0;
	*d = md & keep;
	*n = mn & keep;
	*q = mq & keep;
}

static inline void csv_block(const char *p, size_t avail, const struct csv_vec *v, uint64_t *d, uint64_t *n,
			     uint64_t *q)
{
	csv_block_v(p, avail, v->d, v->n, v->q, v->quoting, d, n, q);
}

/* csv_block2_avx2() with SSE2 */
static inline __attribute__((always_inline)) void csv_block2_v(const char *p, size_t avail, __m128i vd, __m128i vn,
							      __m128i vs, uint64_t *d, uint64_t *s)
{
	__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	uint64_t md, ms, keep;

	md = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, vd)) |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, vd)) << 16 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, vd)) << 32 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, vd)) << 48;
	ms = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x0, vn), _mm_cmpeq_epi8(x0, vs))) |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x1, vn), _mm_cmpeq_epi8(x1, vs))) << 16 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x2, vn), _mm_cmpeq_epi8(x2, vs))) << 32 |
	     (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x3, vn), _mm_cmpeq_epi8(x3, vs))) << 48;
	keep = avail < 64 ? ((uint64_t)1 << avail) - 1 : ~(uint64_t)0;
	*d = md & keep;
	*s = ms & keep;
}

static void csv_vec_init(struct csv_vec *v, char d, int quoting)
{
	v->d = _mm_set1_epi8(d);
	v->n = _mm_set1_epi8('\n');
	v->q = _mm_set1_epi8('"');
	v->quoting = quoting;
	v->dc = d;
	v->avx2 = 0;
	/* QG_CSV_GENERAL in the environment: every record the general way
	 * (the tests compare both) */
	v->simple = !getenv("QG_CSV_GENERAL");
#if CSV_AVX2
	/* QG_NO_AVX2 in the environment: the SSE2 loop (tests, benchmarks) */
	v->avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
		  __builtin_cpu_supports("bmi2") && !getenv("QG_NO_AVX2");
#endif
}
#else
struct csv_vec {
	char d;
	int quoting;
	int avx2; /* always 0 here */
	int simple;
};

static inline void csv_block(const char *p, size_t avail, const struct csv_vec *v, uint64_t *d, uint64_t *n,
			     uint64_t *q)
{
	uint64_t md = 0, mn = 0, mq = 0;
	size_t k, lim = avail < 64 ? avail : 64;

	for (k = 0; k < lim; k++) {
		md |= (uint64_t)(p[k] == v->d) << k;
		mn |= (uint64_t)(p[k] == '\n') << k;
		mq |= (uint64_t)(v->quoting && p[k] == '"') << k;
	}
	*d = md;
	*n = mn;
	*q = mq;
}

static void csv_vec_init(struct csv_vec *v, char d, int quoting)
{
	v->d = d;
	v->quoting = quoting;
	v->avx2 = 0;
	v->simple = !getenv("QG_CSV_GENERAL");
}
#endif

struct qg_table {
	struct qg_stream *s;     /* NULL for a memory source */
	const char *mem;         /* memory source */
	size_t mem_len, mem_off;
	char *name;

	enum qg_table_format fmt;
	char delim;
	int quoting;             /* CSV: 1, TSV: 0 */
	int no_header;
	size_t max_record;
	size_t block;

	char *buf;               /* alloc + TABLE_PAD bytes */
	size_t alloc, pos, len;
	int eof;
	char *scratch;           /* alloc bytes, reset per record */
	size_t scratch_len;

	long long nl;            /* newlines consumed before pos */
	int partial;             /* the last line had no newline and was consumed */
	long long row;
	int started;             /* qg_table_next() called */

	/* CSV: records split ahead (cells of recs[k] start at cells[first[k]]),
	 * and the block masks left over after the last of them */
	struct csv_vec vec;
	struct qg_record *recs;
	size_t *first;           /* records split the general way: their first cell */
	size_t *gen;             /* and which records those are */
	int regular;             /* the last batch: qg_table_batch_regular() */
	size_t bi, bn;
	size_t sbase;
	uint64_t sd, sn, sq;
	int svalid;

	struct qg_cell *cells;
	size_t cells_alloc;
	long long *colpos;       /* the cells' columns where records need them */
	size_t colpos_alloc;

	struct qg_cell *cols;    /* names; each ptr malloc'd, NUL-terminated */
	size_t ncols, cols_alloc;
	int cols_fixed;          /* JSONL: columns known, new keys are extra */
	unsigned char *plain;    /* JSONL: name i is written the same in JSON */
	size_t plain_alloc;
	int *hash;               /* JSONL: open addressing over cols, -1 empty */
	size_t hash_size;

	int err;                 /* sticky error: code, message */
	char errmsg[512];
};

/* ------------------------------------------------------------------ */
/* errors */

static int table_fail(struct qg_table *t, int code, long long line, long long col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int table_fail(struct qg_table *t, int code, long long line, long long col, const char *fmt, ...)
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
static int table_stick(struct qg_table *t, int code)
{
	t->err = code;
	snprintf(t->errmsg, sizeof(t->errmsg), "%s", qg_error_last());
	return code;
}

static const char *describe(const char *p, const char *e, char tmp[16])
{
	unsigned char c;

	if (p >= e)
		return "end of line";
	c = (unsigned char)*p;
	if (c >= 0x20 && c < 0x7f)
		snprintf(tmp, 16, "'%c'", c);
	else
		snprintf(tmp, 16, "byte 0x%02x", c);
	return tmp;
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
static int table_fill(struct qg_table *t)
{
	size_t keep = t->len - t->pos;
	ssize_t r;
	int err;

	if (t->eof)
		return 0;
	if (keep > t->max_record)
		return table_stick(t, table_fail(t, QG_EPARSE, t->nl + 1, 0,
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
			return table_stick(t, err);
	}
	while (t->len < t->alloc) {
		r = table_read(t, t->buf + t->len, t->alloc - t->len);
		if (r < 0)
			return table_stick(t, (int)r);
		if (r == 0) {
			t->eof = 1;
			break;
		}
		t->len += (size_t)r;
	}
	memset(t->buf + t->len, 0, TABLE_PAD);
	return 0;
}

static int cells_grow(struct qg_table *t, size_t nr)
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
/* CSV / TSV */

struct quoted {
	int status;        /* 0, NEED_MORE or a QG_E* code */
	int kind;          /* what ended the cell: 0 delimiter, 1 newline, 2 end of data */
	size_t term;       /* position of the delimiter or '\n' */
	const char *ptr;
	size_t len;
	size_t ls;         /* start of the physical line after the cell */
	long long nl;
};

/* A quoted cell opening at b[i], in the record that starts at rstart after
 * rnl newlines; ls is the start of the quote's line, after nl newlines. */
static struct quoted csv_quoted(struct qg_table *t, size_t rstart, long long rnl, size_t i, size_t ls,
				long long nl)
{
	struct quoted r = { 0, 0, 0, NULL, 0, ls, nl };
	char *b = t->buf;
	size_t len = t->len, q = i + 1, close, k;
	int doubled = 0;
	const char *f;
	char *out;

	for (;;) {
		f = memchr(b + q, '"', len - q);
		if (!f) {
			if (!t->eof) {
				r.status = NEED_MORE;
				return r;
			}
			if (len - rstart > t->max_record) /* the same error whatever the buffer size */
				r.status = table_fail(t, QG_EPARSE, rnl + 1, 0,
						      "record longer than %zu bytes (the maximum record size)",
						      t->max_record);
			else
				r.status = table_fail(t, QG_EPARSE, nl + 1, (long long)(i - ls + 1),
					      "unterminated quoted field (opened here)");
			return r;
		}
		k = (size_t)(f - b);
		if (k + 1 >= len && !t->eof) {
			r.status = NEED_MORE; /* cannot tell "" from the closing quote yet */
			return r;
		}
		if (k + 1 < len && b[k + 1] == '"') {
			doubled = 1;
			q = k + 2;
			continue;
		}
		close = k;
		break;
	}
	/* newlines inside the quotes */
	for (q = i + 1; q < close; q++) {
		f = memchr(b + q, '\n', close - q);
		if (!f)
			break;
		q = (size_t)(f - b);
		r.nl++;
		r.ls = q + 1;
	}
	r.ptr = b + i + 1;
	r.len = close - i - 1;
	out = t->scratch + t->scratch_len; /* only committed when used */
	if (doubled) {
		char *o = out;
		const char *s = b + i + 1, *e = b + close;

		while (s < e) {
			const char *qq = memchr(s, '"', (size_t)(e - s));
			size_t n = qq ? (size_t)(qq - s) + 1 : (size_t)(e - s);

			memcpy(o, s, n);
			o += n;
			s += n + (qq ? 1 : 0); /* skip the second quote of "" */
		}
		r.ptr = out;
		r.len = (size_t)(o - out);
	}
	k = close + 1;
	if (k >= len) { /* t->eof here */
		r.kind = 2;
		r.term = len;
		goto out;
	}
	if (b[k] == t->delim) {
		r.term = k;
		goto out;
	}
	if (b[k] == '\n') {
		r.kind = 1;
		r.term = k;
		goto out;
	}
	/* Text after the closing quote: keep it, as Python's csv does. */
	{
		size_t e = k, tl;

		while (e < len && b[e] != t->delim && b[e] != '\n')
			e++;
		if (e >= len && !t->eof) {
			r.status = NEED_MORE;
			return r;
		}
		tl = e - k;
		if (e < len && b[e] == '\n' && tl > 0 && b[e - 1] == '\r')
			tl--;
		else if (e >= len && tl > 0 && b[e - 1] == '\r')
			tl--;
		if (tl > 0) {
			if (r.ptr != out)
				memcpy(out, r.ptr, r.len);
			memcpy(out + r.len, b + k, tl);
			r.ptr = out;
			r.len += tl;
		}
		r.term = e;
		r.kind = e >= len ? 2 : (b[e] == '\n' ? 1 : 0);
	}
out:
	if (r.ptr == out)
		t->scratch_len += r.len;
	return r;
}

/* The splitter's state between records, handed to csv_simple_*(). */
struct csv_state {
	size_t pos, base, n, nrec;
	uint64_t D, N, Q;
	int valid;
	long long nl, row;
};

#define SIMPLE_NAME csv_simple
#define SIMPLE_ATTRS __attribute__((noinline))
#if defined(__SSE2__)
#define SIMPLE_INIT(v) \
	const __m128i sv_d = (v)->d, sv_n = (v)->n, sv_s = (v)->quoting ? (v)->q : (v)->n
#define SIMPLE_BLOCK(p, avail, d, s) csv_block2_v(p, avail, sv_d, sv_n, sv_s, d, s)
#else
#define SIMPLE_INIT(v) const struct csv_vec *const sv = (v)
#define SIMPLE_BLOCK(p, avail, d, s)                            \
	do {                                                    \
		uint64_t n_, q_;                                \
		csv_block(p, avail, sv, d, &n_, &q_);           \
		*(s) = n_ | q_;                                 \
	} while (0)
#endif
#include "table_simple.h"
#undef SIMPLE_NAME
#undef SIMPLE_ATTRS
#undef SIMPLE_INIT
#undef SIMPLE_BLOCK
#if CSV_AVX2
#define SIMPLE_NAME csv_simple_avx2
#define SIMPLE_ATTRS __attribute__((noinline, target("avx2,bmi,bmi2")))
#define SIMPLE_INIT(v) \
	__m256i sv_d = _mm256_set1_epi8((v)->dc), sv_n = _mm256_set1_epi8('\n'); \
	__m256i sv_s = _mm256_set1_epi8((v)->quoting ? '"' : '\n'); \
	/* opaque: kept in registers, not rebuilt from immediates per block */ \
	__asm__("" : "+x"(sv_d), "+x"(sv_n), "+x"(sv_s))
#define SIMPLE_BLOCK(p, avail, d, s) csv_block2_avx2(p, avail, sv_d, sv_n, sv_s, d, s)
#include "table_simple.h"
#undef SIMPLE_NAME
#undef SIMPLE_ATTRS
#undef SIMPLE_INIT
#undef SIMPLE_BLOCK
#endif

/* The cells array grew (moved) in the middle of a batch: the records the
 * common-record loop split so far point at their cells (csv_simple()); make
 * them point into the new array. */
static void cells_moved(struct qg_table *t, size_t nrec, const struct qg_cell *old)
{
	uintptr_t o = (uintptr_t)old; /* freed: only its address is used */

	if ((uintptr_t)t->cells == o)
		return;
	for (size_t i = 0; i < nrec; i++)
		if (!t->recs[i].columns)
			t->recs[i].cells = t->cells + ((uintptr_t)t->recs[i].cells - o) / sizeof(*t->cells);
}

/* Split records ahead into t->recs, as many as the budget allows (at most
 * `max`): the count (> 0), 0 at the end, NEED_MORE when the next record runs
 * past the buffered bytes (none split), or an error. An error after some
 * records is not reported yet: those records are returned, and the next call
 * starts at the bad record and meets the error again.
 *
 * The block masks D (delimiters), N (newlines) and Q (quotes) hold the bits
 * not consumed yet. Every delimiter below the first newline or quote ends a
 * plain cell, so those are emitted in a tight loop with no test of the byte;
 * only a newline (end of record) or a quote stops it. */
static int csv_batch(struct qg_table *t, size_t max)
{
	char *const b = t->buf;
	const size_t len = t->len, pos0 = t->pos, ncols = t->ncols;
	const struct csv_vec *v = &t->vec;
	size_t pos = t->pos, start, rstart, base = t->sbase, n = 0, i, cap = t->cells_alloc, end_pos, first, nrec = 0;
	long long nl = t->nl, rnl = t->nl, coloff, row = t->row;
	struct qg_cell *cells = t->cells;
	uint64_t D = t->sd, N = t->sn, Q = t->sq;
	int valid = t->svalid, partial = 0, r = 0;
	size_t ngen = 0;
	int irregular = 0;

	t->bi = t->bn = 0;
	t->scratch_len = 0;
	t->regular = 0;
	while (nrec < max && pos - pos0 < BATCH_BYTES && n < BATCH_CELLS) {
		/* the common records first, then one record the general way */
		if (v->simple && ncols && t->delim != '\n' && t->delim != '"' && cap - n >= 66 + ncols) {
			struct csv_state st = { pos, base, n, nrec, D, N, Q, valid, nl, row };

#if CSV_AVX2
			if (v->avx2)
				csv_simple_avx2(t, &st, pos0, max);
			else
#endif
				csv_simple(t, &st, pos0, max);
			pos = st.pos;
			base = st.base;
			n = st.n;
			nrec = st.nrec;
			D = st.D;
			N = st.N;
			Q = st.Q;
			valid = st.valid;
			nl = st.nl;
			row = st.row;
			if (!(nrec < max && pos - pos0 < BATCH_BYTES && n < BATCH_CELLS))
				break;
		}
		/* blank lines */
		if (pos >= len) {
			r = t->eof ? 0 : NEED_MORE;
			break;
		}
		if (__builtin_expect(b[pos] == '\n' || b[pos] == '\r', 0)) {
			if (b[pos] == '\n') {
				pos++;
				nl++;
				continue;
			}
			if (pos + 1 >= len) {
				if (!t->eof) {
					r = NEED_MORE;
					break;
				}
				pos++;
				continue;
			}
			if (b[pos + 1] == '\n') {
				pos += 2;
				nl++;
				continue;
			}
		}
		first = n;
		rstart = start = pos;
		coloff = 1 - (long long)pos; /* a cell's column is its offset + coloff */
		rnl = nl;
		if (valid && pos >= base && pos - base < 64) {
			uint64_t keep = ~(uint64_t)0 << (pos - base);

			D &= keep;
			N &= keep;
			Q &= keep;
		} else {
			base = pos;
			csv_block(b + base, len - base, v, &D, &N, &Q);
			valid = 1;
		}

		for (;;) {
			uint64_t stop = N | Q, d, sb;

			if (__builtin_expect(cap - n < 66, 0)) {
				if (n - first > TABLE_MAX_CELLS) {
					r = table_fail(t, QG_EPARSE, rnl + 1, 0, "record has more than %zu cells",
						       TABLE_MAX_CELLS);
					goto bad;
				}
				if ((r = cells_grow(t, n + 66)) < 0)
					goto bad;
				cells_moved(t, nrec, cells);
				cells = t->cells;
				cap = t->cells_alloc;
			}
			d = stop ? D & ((stop & -stop) - 1) : D;
			D &= ~d;
			while (d) {
				i = base + (size_t)__builtin_ctzll(d);
				d &= d - 1;
				cells[n].ptr = b + start;
				cells[n].len = i - start;
				cells[n].flags = 0;
				t->colpos[n] = (long long)start + coloff;
				n++;
				start = i + 1;
			}
			if (!stop) {
				base += 64;
				if (base >= len)
					goto at_end;
				csv_block(b + base, len - base, v, &D, &N, &Q);
				continue;
			}
			sb = stop & -stop;
			i = base + (size_t)__builtin_ctzll(sb);
			if (N & sb) {
				size_t e = i;

				N &= ~sb;
				if (e > start && b[e - 1] == '\r')
					e--;
				cells[n].ptr = b + start;
				cells[n].len = e - start;
				cells[n].flags = 0;
				t->colpos[n] = (long long)start + coloff;
				n++;
				end_pos = i + 1;
				nl++;
				goto done;
			}
			/* a quote: only one at the start of a cell opens a quoted field */
			Q &= ~sb;
			if (i != start)
				continue;
			{
				struct quoted qr = csv_quoted(t, rstart, rnl, i, (size_t)(1 - coloff), nl);

				if (qr.status) {
					r = qr.status;
					goto bad;
				}
				cells[n].ptr = qr.ptr;
				cells[n].len = qr.len;
				cells[n].flags = QG_CELL_QUOTED;
				t->colpos[n] = (long long)i + coloff;
				n++;
				coloff = 1 - (long long)qr.ls;
				nl = qr.nl;
				if (qr.kind == 0) {
					start = qr.term + 1;
					base = start;
					if (start < len)
						csv_block(b + base, len - base, v, &D, &N, &Q);
					else
						D = N = Q = 0;
					continue;
				}
				valid = 0;
				if (qr.kind == 1) {
					end_pos = qr.term + 1;
					nl++;
					goto done;
				}
				end_pos = len;
				partial = 1;
				goto done;
			}
		}

at_end:
		if (!t->eof) {
			r = NEED_MORE;
			goto bad;
		}
		{
			size_t e = len;

			if (e > start && b[e - 1] == '\r')
				e--;
			cells[n].ptr = b + start;
			cells[n].len = e - start;
			cells[n].flags = 0;
			t->colpos[n] = (long long)start + coloff;
			n++;
		}
		end_pos = len;
		partial = 1;
		valid = 0;

done:
		/* the length without the '\n': the test table_fill() makes */
		if (__builtin_expect(end_pos - pos - !partial > t->max_record, 0)) {
			r = table_fail(t, QG_EPARSE, rnl + 1, 0, "record longer than %zu bytes (the maximum record size)",
				       t->max_record);
			goto bad;
		}
		if (__builtin_expect(n - first > TABLE_MAX_CELLS, 0)) {
			r = table_fail(t, QG_EPARSE, rnl + 1, 0, "record has more than %zu cells", TABLE_MAX_CELLS);
			goto bad;
		}
		t->recs[nrec].nr = n - first;
		irregular |= n - first != ncols;
		if (n - first < ncols) {
			long long col = (long long)(end_pos - 1) + coloff;

			if (cap < first + ncols) {
				if ((r = cells_grow(t, first + ncols + 66)) < 0)
					goto bad;
				cells_moved(t, nrec, cells);
				cells = t->cells;
				cap = t->cells_alloc;
			}
			for (; n < first + ncols; n++) {
				cells[n].ptr = empty_text;
				cells[n].len = 0;
				cells[n].flags = QG_CELL_MISSING;
				t->colpos[n] = col > 0 ? col : 1;
			}
		}
		t->first[nrec] = first;
		t->gen[ngen++] = nrec;
		t->recs[nrec].text = b + rstart;
		t->recs[nrec].text_len = end_pos - rstart - !partial;
		t->recs[nrec].line = rnl + 1;
		t->recs[nrec].row = ++row;
		t->recs[nrec].extra_keys = 0;
		t->recs[nrec].columns = (const long long *)t; /* set below */
		nrec++;
		pos = end_pos;
		if (partial) {
			t->partial = 1;
			break;
		}
	}
	if (0) {
bad:
		nl = rnl; /* the bad record is not consumed */
		valid = 0;
	}
	t->pos = pos;
	t->nl = nl;
	t->row = row;
	t->sbase = base;
	t->sd = D;
	t->sn = N;
	t->sq = Q;
	t->svalid = valid;
	if (!nrec)
		return r;
	/* the common records point at their cells already (cells_moved());
	 * those split the general way get theirs */
	/* every record ncols cells, appended one after the other */
	t->regular = !irregular;
	for (i = 0; i < ngen; i++) {
		size_t k = t->gen[i];

		t->recs[k].cells = cells + t->first[k];
		t->recs[k].columns = t->colpos + t->first[k];
	}
	t->bn = nrec;
	return (int)nrec;
}

/* Split the next batch, refilling as needed: count, 0 or an error (sticky). */
static int csv_split(struct qg_table *t, size_t max)
{
	int r;

	for (;;) {
		r = csv_batch(t, max);
		if (r == NEED_MORE) {
			if ((r = table_fill(t)) < 0)
				return r;
			continue;
		}
		if (r < 0)
			return table_stick(t, r);
		return r;
	}
}

/* ------------------------------------------------------------------ */
/* columns */

static void cols_clear(struct qg_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		free((char *)t->cols[i].ptr);
	t->ncols = 0;
	free(t->hash);
	t->hash = NULL;
	t->hash_size = 0;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static int cols_index(struct qg_table *t);
static void cols_hash_put(struct qg_table *t, size_t i);

static int cols_add(struct qg_table *t, const char *p, size_t n)
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
	if (!t->hash || t->ncols * 2 > t->hash_size) {
		if (cols_index(t) < 0)
			return QG_ENOMEM;
	} else {
		cols_hash_put(t, t->ncols - 1);
	}
	return cells_grow(t, t->ncols);
}

static void cols_hash_put(struct qg_table *t, size_t i)
{
	size_t size = t->hash_size, h = (size_t)hash_bytes(t->cols[i].ptr, t->cols[i].len) & (size - 1);

	while (t->hash[h] >= 0) {
		const struct qg_cell *c = &t->cols[t->hash[h]];

		if (c->len == t->cols[i].len && !memcmp(c->ptr, t->cols[i].ptr, c->len))
			return; /* the first of duplicate names gets the values */
		h = (h + 1) & (size - 1);
	}
	t->hash[h] = (int)i;
}

static int cols_index(struct qg_table *t)
{
	size_t size = 16, i;

	free(t->hash);
	t->hash = NULL;
	while (size < t->ncols * 2)
		size *= 2;
	if (!(t->hash = malloc(size * sizeof(*t->hash))))
		return qg_error(QG_ENOMEM, "out of memory");
	t->hash_size = size;
	for (i = 0; i < size; i++)
		t->hash[i] = -1;
	for (i = 0; i < t->ncols; i++)
		cols_hash_put(t, i);
	return 0;
}

/* Index of a key among the columns, or -1. */
static long cols_find(const struct qg_table *t, const char *p, size_t n)
{
	size_t h;

	if (!t->hash)
		return -1;
	h = (size_t)hash_bytes(p, n) & (t->hash_size - 1);
	while (t->hash[h] >= 0) {
		const struct qg_cell *c = &t->cols[t->hash[h]];

		if (c->len == n && !memcmp(c->ptr, p, n))
			return t->hash[h];
		h = (h + 1) & (t->hash_size - 1);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* JSONL */

struct jctx {
	struct qg_table *t;
	const char *line;   /* start of the physical line */
	const char *e;      /* end of the line ('\n' or end of data) */
	long long lineno;
	int err;
};

static int jfail(struct jctx *j, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int jfail(struct jctx *j, const char *at, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->err = qg_error(QG_EPARSE, "'%s':%lld:%lld: %s", j->t->name, j->lineno,
			  (long long)(at - j->line) + 1, msg);
	return j->err;
}

/* The byte at a line's end e is its '\n' or, for a last line without one,
 * the zeroed padding after the data: neither is whitespace, a digit or any
 * other byte the scanners below continue on, so they need no bound test. */
static inline const char *jws(const char *p, const char *e)
{
	(void)e;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* p just after an opening quote: the closing quote, or NULL after jfail.
 * *esc is set when a backslash was seen. */
static inline __attribute__((always_inline)) const char *jstr_end(struct jctx *j, const char *p, int *esc)
{
	const char *e = j->e, *open = p - 1;

#if defined(__SSE2__)
	const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vc = _mm_set1_epi8(0x1f);

	for (;;) {
		/* loads may pass e: the buffer has TABLE_PAD readable bytes after the data */
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)),
					   _mm_cmpeq_epi8(_mm_max_epu8(x, vc), vc));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (!mask) {
			p += 16;
			if (p >= e)
				break;
			continue;
		}
		p += __builtin_ctz(mask);
		if (p >= e)
			break;
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 >= e)
				break;
			p += 2;
			if (p >= e)
				break;
			continue;
		}
		jfail(j, p, "control character 0x%02x in a string (expected it escaped)", (unsigned char)*p);
		return NULL;
	}
#else
	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c == '\\') {
			*esc = 1;
			if (++p >= e)
				break;
		} else if (c < 0x20) {
			jfail(j, p, "control character 0x%02x in a string (expected it escaped)", c);
			return NULL;
		}
	}
#endif
	jfail(j, open, "unterminated string (expected a closing '\"')");
	return NULL;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		unsigned char c = (unsigned char)p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Unescape [s, close) into the scratch area; NULL after jfail. The output is
 * never longer than the input (\uXXXX: 6 bytes in, at most 3 out; a pair: 12
 * in, 4 out). */
static const char *junescape(struct jctx *j, const char *s, const char *close, size_t *out_len)
{
	struct qg_table *t = j->t;
	char *out = t->scratch + t->scratch_len, *o = out;

	while (s < close) {
		const char *bs = memchr(s, '\\', (size_t)(close - s));
		size_t n = bs ? (size_t)(bs - s) : (size_t)(close - s);
		unsigned cp, lo;

		memcpy(o, s, n);
		o += n;
		if (!bs)
			break;
		s = bs + 1; /* bs + 1 < close: jstr_end skipped the escaped byte */
		switch (*s) {
		case '"': *o++ = '"'; s++; break;
		case '\\': *o++ = '\\'; s++; break;
		case '/': *o++ = '/'; s++; break;
		case 'b': *o++ = '\b'; s++; break;
		case 'f': *o++ = '\f'; s++; break;
		case 'n': *o++ = '\n'; s++; break;
		case 'r': *o++ = '\r'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'u':
			if (close - s < 5 || hex4(s + 1, &cp) < 0) {
				jfail(j, bs, "invalid \\u escape (expected 4 hex digits)");
				return NULL;
			}
			s += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && close - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
			    hex4(s + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			/* a lone surrogate comes out as 3 bytes (WTF-8): invalid UTF-8
			 * that the validator reports, rather than a silent change */
			o = put_utf8(o, cp);
			break;
		default:
			if (*s > 0x20 && *s < 0x7f)
				jfail(j, bs, "invalid escape '\\%c' in a string (expected one of \"\\/bfnrtu after '\\')", *s);
			else
				jfail(j, bs, "invalid escape: byte 0x%02x after '\\' (expected one of \"\\/bfnrtu)",
				      (unsigned char)*s);
			return NULL;
		}
	}
	*out_len = (size_t)(o - out);
	t->scratch_len += *out_len;
	return out;
}

/* p at a '"': the string's text (unescaped), p advanced past it. */
static inline __attribute__((always_inline)) const char *jstring(struct jctx *j, const char **pp, size_t *len)
{
	const char *p = *pp + 1, *close;
	int esc = 0;

	if (!(close = jstr_end(j, p, &esc)))
		return NULL;
	*pp = close + 1;
	if (!esc) {
		*len = (size_t)(close - p);
		return p;
	}
	return junescape(j, p, close, len);
}

static inline __attribute__((always_inline)) const char *jnumber(struct jctx *j, const char *p)
{
	const char *e = j->e, *s = p;
	char tmp[16];

	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		jfail(j, p, "expected a digit in the number starting at column %lld, found %s",
		      (long long)(s - j->line) + 1, describe(p, e, tmp));
		return NULL;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9') {
			jfail(j, p, "expected a digit after '.', found %s", describe(p, e, tmp));
			return NULL;
		}
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9') {
			jfail(j, p, "expected a digit in the exponent, found %s", describe(p, e, tmp));
			return NULL;
		}
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *jliteral(struct jctx *j, const char *p, const char *word, size_t n)
{
	if ((size_t)(j->e - p) < n || memcmp(p, word, n)) {
		jfail(j, p, "invalid literal (expected %s)", word);
		return NULL;
	}
	return p + n;
}

/* Skip a scalar; for nested values see jnested(). */
static const char *jscalar(struct jctx *j, const char *p)
{
	char tmp[16];
	int esc = 0;
	const char *q;

	switch (*p) {
	case '"':
		q = jstr_end(j, p + 1, &esc);
		return q ? q + 1 : NULL;
	case 't':
		return jliteral(j, p, "true", 4);
	case 'f':
		return jliteral(j, p, "false", 5);
	case 'n':
		return jliteral(j, p, "null", 4);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return jnumber(j, p);
	}
	jfail(j, p, "expected a value, found %s", describe(p, j->e, tmp));
	return NULL;
}

/* An object or array at p, validated without recursion: the end of it. */
static const char *jnested(struct jctx *j, const char *p)
{
	char stack[JSON_MAX_DEPTH];
	const char *e = j->e;
	int depth = 0;
	char tmp[16];

	for (;;) {
		/* at a value */
		if (p < e && (*p == '{' || *p == '[')) {
			if (depth == JSON_MAX_DEPTH) {
				jfail(j, p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
				return NULL;
			}
			stack[depth++] = *p;
			p = jws(p + 1, e);
			if (p < e && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto key;
			continue;
		}
		if (p >= e) {
			jfail(j, p, "expected a value, found end of line");
			return NULL;
		}
		if (!(p = jscalar(j, p)))
			return NULL;
after_value:
		if (depth == 0)
			return p;
		p = jws(p, e);
		if (p < e && *p == ',') {
			p = jws(p + 1, e);
			if (stack[depth - 1] == '[')
				continue;
			goto key;
		}
		if (p < e && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
			p++;
			depth--;
			goto after_value;
		}
		jfail(j, p, "expected ',' or '%c', found %s", stack[depth - 1] == '{' ? '}' : ']',
		      describe(p, e, tmp));
		return NULL;
key:
		if (p >= e || *p != '"') {
			jfail(j, p, "expected a string key, found %s", describe(p, e, tmp));
			return NULL;
		}
		{
			int esc = 0;
			const char *q = jstr_end(j, p + 1, &esc);

			if (!q)
				return NULL;
			p = jws(q + 1, e);
		}
		if (p >= e || *p != ':') {
			jfail(j, p, "expected ':' after a key, found %s", describe(p, e, tmp));
			return NULL;
		}
		p = jws(p + 1, e);
	}
}

/* Is the JSON string at p (its opening quote) exactly the plain name c,
 * with no escapes? Names carry 16 zero bytes of padding, and the line has
 * at least TABLE_PAD readable bytes after e. */
static inline int key_is(const char *p, const char *e, const struct qg_cell *c)
{
	size_t n = c->len;

	if ((size_t)(e - p) < n + 2 || p[n + 1] != '"')
		return 0;
#if defined(__SSE2__)
	if (n <= 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)c->ptr);
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b));

		return ((eq | ~((1u << n) - 1)) & 0xffff) == 0xffff;
	}
#endif
	return !memcmp(p + 1, c->ptr, n);
}

/* Parse the line [p, e) into rec. 1, BLANK, or QG_EPARSE (j->err). */
static int jsonl_line(struct qg_table *t, const char *line, const char *e, long long lineno,
		      struct qg_record *rec, size_t off)
{
	struct jctx j = { t, line, e, lineno, 0 };
	const char *p = jws(line, e);
	struct qg_cell *cells;
	long long *cp;
	size_t i, extra = 0, next = 0;
	char tmp[16];

	if (p >= e)
		return BLANK;
	if (*p != '{')
		return jfail(&j, p, "expected '{' at the start of a record, found %s", describe(p, e, tmp));
	if (t->cells_alloc < off + t->ncols && cells_grow(t, off + t->ncols) < 0)
		return QG_ENOMEM;
	cells = t->cells + off;
	cp = t->colpos + off;
	for (i = 0; i < t->ncols; i++) {
		cells[i].ptr = empty_text;
		cells[i].len = 0;
		cells[i].flags = QG_CELL_MISSING; /* its column: at the end */
	}
	p = jws(p + 1, e);
	if (p < e && *p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		const char *key, *v;
		size_t klen;
		long idx;

		if (p >= e || *p != '"')
			return jfail(&j, p, "expected a string key, found %s", describe(p, e, tmp));
		/* the key usually comes where the previous record had it */
		if (next < t->ncols && t->plain[next] && key_is(p, e, &t->cols[next])) {
			key = p + 1;
			klen = t->cols[next].len;
			p += klen + 2;
			idx = (long)next;
			p = jws(p, e);
			if (*p != ':')
				return jfail(&j, p, "expected ':' after key \"%.*s\", found %s",
					     (int)(klen > 40 ? 40 : klen), key, describe(p, e, tmp));
			p = jws(p + 1, e);
			goto value;
		}
		if (!(key = jstring(&j, &p, &klen)))
			return j.err;
		p = jws(p, e);
		if (p >= e || *p != ':')
			return jfail(&j, p, "expected ':' after key \"%.*s\", found %s",
				     (int)(klen > 40 ? 40 : klen), key, describe(p, e, tmp));
		p = jws(p + 1, e);
		/* the key usually comes where the previous record had it */
		if (next < t->ncols && t->cols[next].len == klen && !memcmp(t->cols[next].ptr, key, klen)) {
			idx = (long)next;
		} else {
			idx = cols_find(t, key, klen);
			if (idx < 0 && !t->cols_fixed) {
				if (cols_add(t, key, klen) < 0)
					return j.err = qg_error_code();
				cells = t->cells + off; /* off is 0: columns grow only in the first object */
				cp = t->colpos + off;
				idx = (long)t->ncols - 1;
				cells[idx].ptr = empty_text;
				cells[idx].len = 0;
				cells[idx].flags = QG_CELL_MISSING;
			}
		}
value:
		if (idx < 0)
			extra++;
		else
			next = (size_t)idx + 1;
		v = p;
		if (p >= e)
			return jfail(&j, p, "expected a value, found end of line");
		{
			const char *text = p;
			size_t tlen = 0;
			unsigned flags;

			switch (*p) {
			case '"':
				if (!(text = jstring(&j, &p, &tlen)))
					return j.err;
				flags = QG_CELL_QUOTED;
				break;
			case '{':
			case '[':
				if (!(p = jnested(&j, p)))
					return j.err;
				tlen = (size_t)(p - text);
				flags = QG_CELL_NESTED;
				break;
			case 'n':
				if (e - p < 4 || memcmp(p, "null", 4))
					return jfail(&j, p, "invalid literal (expected null)");
				p += 4;
				flags = QG_CELL_NULL;
				break;
			case 't':
				if (e - p < 4 || memcmp(p, "true", 4))
					return jfail(&j, p, "invalid literal (expected true)");
				p += 4;
				tlen = 4;
				flags = QG_CELL_BOOL;
				break;
			case 'f':
				if (e - p < 5 || memcmp(p, "false", 5))
					return jfail(&j, p, "invalid literal (expected false)");
				p += 5;
				tlen = 5;
				flags = QG_CELL_BOOL;
				break;
			default:
				if (*p != '-' && (*p < '0' || *p > '9'))
					return jfail(&j, p, "expected a value, found %s", describe(p, e, tmp));
				if (!(p = jnumber(&j, p)))
					return j.err;
				tlen = (size_t)(p - text);
				flags = QG_CELL_NUMBER;
				break;
			}
			if (idx >= 0) {
				cells[idx].ptr = text;
				cells[idx].len = tlen;
				cells[idx].flags = flags;
				cp[idx] = (long long)(v - line) + 1;
			}
		}
		p = jws(p, e);
		if (p < e && *p == ',') {
			p = jws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		return jfail(&j, p, "expected ',' or '}' after a value, found %s", describe(p, e, tmp));
	}
end:
	p = jws(p, e);
	if (p < e)
		return jfail(&j, p, "expected the end of the line after the object, found %s", describe(p, e, tmp));
	t->cols_fixed = 1;
	for (i = 0; i < t->ncols; i++)
		if (cells[i].flags & QG_CELL_MISSING)
			cp[i] = (long long)(p - line); /* where the key was expected: the '}' */
	rec->cells = cells;
	rec->columns = cp;
	rec->nr = t->ncols;
	rec->text = line;
	rec->text_len = (size_t)(e - line);
	rec->line = lineno;
	rec->extra_keys = extra;
	return 1;
}

static int jsonl_next(struct qg_table *t, struct qg_record *rec)
{
	for (;;) {
		const char *b = t->buf, *nlp;
		size_t lend;
		int r;

		if (t->pos >= t->len) {
			if (t->eof)
				return 0;
			if ((r = table_fill(t)) < 0)
				return r;
			continue;
		}
		nlp = memchr(b + t->pos, '\n', t->len - t->pos);
		if (!nlp && !t->eof) {
			if ((r = table_fill(t)) < 0)
				return r;
			continue;
		}
		lend = nlp ? (size_t)(nlp - b) : t->len;
		if (lend - t->pos > t->max_record)
			return table_stick(t, table_fail(t, QG_EPARSE, t->nl + 1, 0,
							 "record longer than %zu bytes (the maximum record size)",
							 t->max_record));
		t->scratch_len = 0;
		r = jsonl_line(t, b + t->pos, b + lend, t->nl + 1, rec, 0);
		t->pos = nlp ? lend + 1 : lend;
		if (nlp)
			t->nl++;
		else
			t->partial = 1;
		if (r == BLANK)
			continue;
		if (r < 0 && !t->cols_fixed)
			cols_clear(t); /* the first good object names the columns */
		if (r == 1)
			rec->row = ++t->row;
		else if (r == QG_ENOMEM)
			return table_stick(t, r);
		return r; /* a malformed line: the next call goes on with the next line */
	}
}

/* The next JSONL records into t->recs, once the columns are known: as many
 * whole lines as the buffer holds (no refill in the middle: earlier records
 * point into it), each record's cells at their own offset in t->cells. A
 * malformed line after some good ones ends the batch without being
 * consumed, so the next call meets it first and reports it alone, exactly
 * as jsonl_next() does. */
static int jsonl_batch(struct qg_table *t)
{
	size_t max = BATCH_RECORDS, k = 0, nc = t->ncols;

	t->regular = 0; /* not worked out for JSONL */
	if (!t->cols_fixed || !nc) {
		int r = jsonl_next(t, &t->recs[0]);
		return r;
	}
	if (max * nc > BATCH_CELLS)
		max = BATCH_CELLS / nc ? BATCH_CELLS / nc : 1;
	if (t->cells_alloc < max * nc && cells_grow(t, max * nc) < 0)
		return table_stick(t, QG_ENOMEM);
	t->scratch_len = 0;
	while (k < max) {
		const char *b = t->buf, *nlp;
		size_t lend;
		int r;

		if (t->pos >= t->len || !(nlp = memchr(b + t->pos, '\n', t->len - t->pos))) {
			if (t->pos >= t->len && t->eof)
				break;
			if (k || !t->eof)
				break; /* the rest waits for a refill, by jsonl_next() */
			nlp = NULL;
		}
		lend = nlp ? (size_t)(nlp - b) : t->len;
		if (lend - t->pos > t->max_record)
			break;
		r = jsonl_line(t, b + t->pos, b + lend, t->nl + 1, &t->recs[k], k * nc);
		if (r != 1 && r != BLANK)
			break; /* not consumed: reported by the next call */
		t->pos = nlp ? lend + 1 : lend;
		if (nlp)
			t->nl++;
		else
			t->partial = 1;
		if (r == 1) {
			t->recs[k].row = ++t->row;
			k++;
		}
	}
	if (k)
		return (int)k;
	/* nothing whole in the buffer, the end, or a bad line first */
	t->scratch_len = 0;
	return jsonl_next(t, &t->recs[0]);
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
	if ((err = table_grow_to(t, t->block)) < 0)
		return err;
	if ((err = table_fill(t)) < 0)
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
	if ((err = cells_grow(t, 256)) < 0)
		return err;
	t->recs = calloc(BATCH_RECORDS, sizeof(*t->recs));
	t->first = calloc(BATCH_RECORDS, sizeof(*t->first));
	t->gen = calloc(BATCH_RECORDS, sizeof(*t->gen));
	if (!t->recs || !t->first || !t->gen)
		return qg_error(QG_ENOMEM, "out of memory");
	csv_vec_init(&t->vec, t->delim, t->quoting);

	if (t->fmt == QG_FORMAT_JSONL) {
		/* Peek at the first object for the column names, consuming
		 * nothing; a malformed first line is left for qg_table_next()
		 * to report, and the first good object then names the columns. */
		for (;;) {
			const char *p = t->buf + t->pos, *e = t->buf + t->len, *nlp, *le;
			long long lineno = t->nl + 1;
			struct qg_record rec;

			for (;;) {
				nlp = memchr(p, '\n', (size_t)(e - p));
				le = nlp ? nlp : e;
				if (!nlp || jws(p, le) < le || (size_t)(le - p) > t->max_record)
					break; /* a record, or too long: next() reports it */
				p = nlp + 1;
				lineno++;
			}
			/* blank lines are consumed: they do not count towards the
			 * first record's length when the buffer is refilled */
			t->pos = (size_t)(p - t->buf);
			t->nl = lineno - 1;
			if (!nlp && !t->eof) {
				if ((err = table_fill(t)) < 0) {
					if (err != QG_EPARSE)
						return err;
					break; /* too long: qg_table_next() says so */
				}
				continue;
			}
			if ((size_t)(le - p) > t->max_record || (t->scratch_len = 0, jsonl_line(t, p, le, lineno, &rec, 0)) != 1) {
				cols_clear(t);
				t->cols_fixed = 0;
			}
			break;
		}
		qg_error_clear();
		if (t->err) /* keep the sticky message for qg_table_next() */
			qg_error(t->err, "%s", t->errmsg);
		return 0;
	}
	if (!t->no_header) {
		size_t i;
		int r = csv_split(t, 1);

		if (r < 0)
			return r;
		if (r == 1) {
			const struct qg_record *h = &t->recs[0];

			/* no reallocation of h->cells: cols_add grows cells to
			 * ncols <= h->nr, which they already hold */
			for (i = 0; i < h->nr; i++)
				if ((err = cols_add(t, h->cells[i].ptr, h->cells[i].len)) < 0)
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
	cols_clear(t);
	for (i = 0; i < nr; i++)
		if ((err = cols_add(t, names[i], strlen(names[i]))) < 0)
			return err;
	t->cols_fixed = 1;
	return cols_index(t);
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
		return jsonl_next(t, rec);
	if ((r = csv_split(t, BATCH_RECORDS)) <= 0)
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
		if ((r = jsonl_batch(t)) > 0) {
			*recs = t->recs;
			t->bi = t->bn = (size_t)r;
		}
		return r;
	}
	if ((r = csv_split(t, BATCH_RECORDS)) <= 0)
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
	cols_clear(t);
	free(t->cols);
	free(t->plain);
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
