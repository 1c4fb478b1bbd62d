/* table_csv.c -- the table reader's CSV (RFC 4180) and TSV splitter
 *
 * CSV is split 64 bytes at a time: SSE2 compares (the x86_64 baseline; a
 * portable twin elsewhere, with QG_SIMD=0 and in a -DQG_SIMD=0 build) give
 * a bit mask of delimiters, newlines and quotes, and the loop walks the set
 * bits. The common records (no quote, as many cells as columns) take a
 * tighter copy of that loop first (table_simple.h), compiled for AVX2 too
 * and used when qg_cpu_level() says so (include/qgate/cpu.h). The mask left
 * over at the end of a record is kept for the next one. Quoted cells take a
 * slower path (memchr for the closing quote); they point into the buffer
 * unless they contain a doubled quote, which is undone into a scratch area
 * as large as the buffer (the unescaped text of a record is never longer
 * than the record).
 */
#include "qgate/common.h"

#include "table_int.h"

#if QG_SIMD_AVX2
#include <immintrin.h>
#endif

#if QG_SIMD_SSE2
#if QG_SIMD_AVX2
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

#endif

/* The portable twin of csv_block_v(): the same masks, a byte at a time. */
static inline void csv_block_scalar(const char *p, size_t avail, const struct csv_vec *v, uint64_t *d, uint64_t *n,
				    uint64_t *q)
{
	uint64_t md = 0, mn = 0, mq = 0;
	size_t k, lim = avail < 64 ? avail : 64;

	for (k = 0; k < lim; k++) {
		md |= (uint64_t)(p[k] == v->dc) << k;
		mn |= (uint64_t)(p[k] == '\n') << k;
		mq |= (uint64_t)(v->quoting && p[k] == '"') << k;
	}
	*d = md;
	*n = mn;
	*q = mq;
}

/* inlined into csv_batch: the level test is one predictable branch a block */
static inline __attribute__((always_inline)) void csv_block(const char *p, size_t avail, const struct csv_vec *v,
							     uint64_t *d, uint64_t *n, uint64_t *q)
{
#if QG_SIMD_SSE2
	if (v->sse2) {
		csv_block_v(p, avail, v->d, v->n, v->q, v->quoting, d, n, q);
		return;
	}
#endif
	csv_block_scalar(p, avail, v, d, n, q);
}

/* The loops to use, from qg_cpu_level() (include/qgate/cpu.h): QG_SIMD in
 * the environment lowers it (the tests compare every level's records). */
void qg_tbl_csv_init(struct csv_vec *v, char d, int quoting)
{
	enum qg_cpu_level l = qg_cpu_level();

#if QG_SIMD_SSE2
	v->d = _mm_set1_epi8(d);
	v->n = _mm_set1_epi8('\n');
	v->q = _mm_set1_epi8('"');
#endif
	v->quoting = quoting;
	v->dc = d;
	v->simple = l >= QG_CPU_SCALAR;
	v->sse2 = QG_SIMD_SSE2 && l >= QG_CPU_SSE2;
	v->avx2 = QG_SIMD_AVX2 && l >= QG_CPU_AVX2;
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
				r.status = qg_tbl_fail(t, QG_EPARSE, rnl + 1, 0,
						      "record longer than %zu bytes (the maximum record size)",
						      t->max_record);
			else
				r.status = qg_tbl_fail(t, QG_EPARSE, nl + 1, (long long)(i - ls + 1),
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

/* the portable loop: csv_block_scalar() */
#define SIMPLE_NAME csv_simple_scalar
#define SIMPLE_ATTRS __attribute__((noinline))
#define SIMPLE_INIT(v) const struct csv_vec *const sv = (v)
#define SIMPLE_BLOCK(p, avail, d, s)                            \
	do {                                                    \
		uint64_t n_, q_;                                \
		csv_block_scalar(p, avail, sv, d, &n_, &q_);    \
		*(s) = n_ | q_;                                 \
	} while (0)
#include "table_simple.h"
#undef SIMPLE_NAME
#undef SIMPLE_ATTRS
#undef SIMPLE_INIT
#undef SIMPLE_BLOCK
#if QG_SIMD_SSE2
#define SIMPLE_NAME csv_simple
#define SIMPLE_ATTRS __attribute__((noinline))
#define SIMPLE_INIT(v) \
	const __m128i sv_d = (v)->d, sv_n = (v)->n, sv_s = (v)->quoting ? (v)->q : (v)->n
#define SIMPLE_BLOCK(p, avail, d, s) csv_block2_v(p, avail, sv_d, sv_n, sv_s, d, s)
#include "table_simple.h"
#undef SIMPLE_NAME
#undef SIMPLE_ATTRS
#undef SIMPLE_INIT
#undef SIMPLE_BLOCK
#endif
#if QG_SIMD_AVX2
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

#if QG_SIMD_AVX2
			if (v->avx2)
				csv_simple_avx2(t, &st, pos0, max);
			else
#endif
#if QG_SIMD_SSE2
			if (v->sse2)
				csv_simple(t, &st, pos0, max);
			else
#endif
				csv_simple_scalar(t, &st, pos0, max);
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
					r = qg_tbl_fail(t, QG_EPARSE, rnl + 1, 0, "record has more than %zu cells",
						       TABLE_MAX_CELLS);
					goto bad;
				}
				if ((r = qg_tbl_cells_grow(t, n + 66)) < 0)
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
		/* the length without the '\n': the test qg_tbl_fill() makes */
		if (__builtin_expect(end_pos - pos - !partial > t->max_record, 0)) {
			r = qg_tbl_fail(t, QG_EPARSE, rnl + 1, 0, "record longer than %zu bytes (the maximum record size)",
				       t->max_record);
			goto bad;
		}
		if (__builtin_expect(n - first > TABLE_MAX_CELLS, 0)) {
			r = qg_tbl_fail(t, QG_EPARSE, rnl + 1, 0, "record has more than %zu cells", TABLE_MAX_CELLS);
			goto bad;
		}
		t->recs[nrec].nr = n - first;
		irregular |= n - first != ncols;
		if (n - first < ncols) {
			long long col = (long long)(end_pos - 1) + coloff;

			if (cap < first + ncols) {
				if ((r = qg_tbl_cells_grow(t, first + ncols + 66)) < 0)
					goto bad;
				cells_moved(t, nrec, cells);
				cells = t->cells;
				cap = t->cells_alloc;
			}
			for (; n < first + ncols; n++) {
				cells[n].ptr = qg_tbl_empty_text;
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
int qg_tbl_csv_split(struct qg_table *t, size_t max)
{
	int r;

	for (;;) {
		r = csv_batch(t, max);
		if (r == NEED_MORE) {
			if ((r = qg_tbl_fill(t)) < 0)
				return r;
			continue;
		}
		if (r < 0)
			return qg_tbl_stick(t, r);
		return r;
	}
}
