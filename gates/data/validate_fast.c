/* validate_fast.c -- the validator's column loops: most cells proved in a few instructions
 *
 * A field whose checks the acceptors of fastval.h can decide (integers,
 * numbers, ISO dates, strings with lengths, an e-mail format, an enum or a
 * fixed character pattern, booleans) gets a column loop of its own per
 * batch: one out-of-line function per kind and batch shape, each compiled
 * for its type alone, which proves a clean cell passes every check of its
 * field or sends it down vd_check_cell() (validate_cell.c), which decides
 * and reports. The loops only accept: both paths give the same counts, and
 * QG_SIMD=general (include/qgate/cpu.h) runs without them, which the
 * differential test in test_data_fastval.c compares.
 *
 * The record test (ASCII without NUL) runs on a CSV batch's whole run of
 * bytes at once: SSE2, AVX2 when qg_cpu_level() says so, a portable loop
 * below QG_CPU_SSE2 or in a -DQG_SIMD=0 build.
 */
#include "qgate/common.h"

#include <limits.h>
#include <math.h>

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif
#if QG_SIMD_AVX2
#include <immintrin.h>
#endif

#include "qgate/base64.h"
#include "qgate/hash.h"
#include "validate_int.h"

int vd_fast_kind(const struct qg_schema *S, const struct qg_schema_field *f, int pk_int)
{
	unsigned rest = f->constraints & ~(unsigned)QG_C_REQUIRED;
	const unsigned str_ok = QG_C_MINLENGTH | QG_C_MAXLENGTH | QG_C_PATTERN | QG_C_ENUM | QG_C_UNIQUE;

	/* a key field when it is the single integer key (its value is then
	 * the key, see pass 3) or a string (its text's hash is its part of
	 * the key, as vd_check_cell() makes it) */
	if ((f->primary_key && !pk_int && f->type != QG_TYPE_STRING) || f->has_missing || !S->missing_only_empty)
		return FAST_NONE;
	if (f->type == QG_TYPE_INTEGER && !f->group_char && !(rest & ~(unsigned)(BOUNDS | QG_C_UNIQUE)))
		return FAST_INT;
	if (f->type == QG_TYPE_NUMBER && f->decimal_char == '.' && !f->group_char && !(rest & ~(unsigned)BOUNDS))
		return FAST_NUM;
	if (f->type == QG_TYPE_DATE && f->format != QG_FMT_PATTERN && !(rest & ~(unsigned)BOUNDS))
		return FAST_DATE;
	if (f->type == QG_TYPE_STRING && f->format != QG_FMT_PATTERN && !(rest & ~str_ok))
		return FAST_STR;
	if (f->type == QG_TYPE_BOOLEAN && !rest)
		return FAST_BOOL;
	return FAST_NONE;
}

void vd_vf_compile(struct vf *x, const struct qg_schema_field *f)
{
	x->words_ok = 0;
	x->seq_ok = 0;
	memset(&x->words, 0, sizeof(x->words));
	if (x->fast == FAST_BOOL) {
		x->words_ok = 1;
		for (size_t i = 0; i < f->true_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->true_values.keys[i], f->true_values.lens[i]) == 0;
		for (size_t i = 0; i < f->false_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->false_values.keys[i], f->false_values.lens[i]) == 0;
		x->words_ok = x->words_ok && fv_wordset_build(&x->words) == 0;
	}
	if (x->fast == FAST_STR && (f->constraints & QG_C_ENUM)) {
		x->words_ok = 1;
		for (size_t i = 0; i < f->enum_values.nr && x->words_ok; i++)
			x->words_ok = fv_wordset_add(&x->words, f->enum_values.keys[i], f->enum_values.lens[i]) == 0;
		x->words_ok = x->words_ok && fv_wordset_build(&x->words) == 0;
	}
	if (x->fast == FAST_NUM) {
		x->num_all = !(f->constraints & BOUNDS);
		qg_decimal_range_init(&x->nr, f->dlo, f->dhi);
		qg_decimal_safe_digits(f->dlo, f->dhi, x->num_kd);
	}
	if (x->fast == FAST_INT)
		fv_int_safe_digits(f->ilo, f->ihi, x->int_kd);
	if (x->fast == FAST_DATE) {
		fv_date_bounds(f->dlo, f->dhi, &x->dklo, &x->dkhi);
		fv_date_text_bounds(x->dklo, x->dkhi, &x->dtlo, &x->dthi);
	}
	if (x->fast == FAST_STR && (f->constraints & QG_C_PATTERN) && f->pattern)
		x->seq_ok = fv_charseq_compile(&x->seq, f->pattern) == 0;
	x->str = FAST_STR;
	if (x->fast == FAST_STR) {
		const unsigned c = f->constraints & ~(unsigned)QG_C_REQUIRED, len = QG_C_MINLENGTH | QG_C_MAXLENGTH;

		if (f->format == QG_FMT_DEFAULT && c && !(c & ~len))
			x->str = FAST_STR_LEN;
		else if (f->format == QG_FMT_EMAIL && !c)
			x->str = FAST_STR_EMAIL;
		else if (f->format == QG_FMT_DEFAULT && c == QG_C_ENUM && x->words_ok)
			x->str = FAST_STR_ENUM;
		else if (f->format == QG_FMT_DEFAULT && c == QG_C_PATTERN && x->seq_ok)
			x->str = FAST_STR_SEQ;
	}
}

/* 1 when the (clean: ASCII, no NUL; present) cell passes every check of its
 * field; 0 sends it down the full path, which finds and reports why. A
 * unique integer is inserted here only when it extends its interval; any
 * other goes down the full path, which inserts it with its line. `kind` is a constant at every call, so each
 * column loop below is compiled for its type alone. */
/* A field's constants for the fast path, copied into locals once per column
 * run (the compiler cannot keep them in registers across the stores of the
 * loop otherwise). */
struct fq {
	unsigned cons;
	int format;
	long long ilo, ihi;       /* integer bounds */
	long long minl, maxl;     /* string lengths */
};

static inline __attribute__((always_inline)) void fq_init(struct fq *q, const struct qg_schema_field *f)
{
	q->cons = f->constraints;
	q->format = f->format;
	q->ilo = f->ilo;
	q->ihi = f->ihi;
	q->minl = (f->constraints & QG_C_MINLENGTH) ? f->min_length : LLONG_MIN;
	q->maxl = (f->constraints & QG_C_MAXLENGTH) ? f->max_length : LLONG_MAX;
}

static inline __attribute__((always_inline)) int fast_pass(const int kind, const struct vf *x,
							   const struct qg_schema_field *f, const struct fq *q,
							   const char *p, size_t n, struct qg_uniq *u,
							   pcre2_match_data *md, long long *key)
{
	long long ik;
	uint64_t dkey;
	unsigned cons = q->cons;

	switch (kind) {
	case FAST_INT:
		if (!fv_int(p, n, &ik) || ik < q->ilo || ik > q->ihi)
			return 0;
		*key = ik;
		/* a unique key off the consecutive path goes down the full
		 * path, which knows its line */
		return !(cons & QG_C_UNIQUE) || data_uniq_extend(u, ik);
	case FAST_NUM:
	{
		uint64_t m;
		unsigned frac, neg, intd;

		/* few digits before the dot: inside the bounds whatever follows */
		if (qg_decimal_shape(p, n, &neg, &intd) && (int)intd <= x->num_kd[neg])
			return 1;
		/* bounds on the mantissa: no division */
		return qg_decimal_swar(p, n, &m, &frac, &neg) && (x->num_all || qg_decimal_range_has(&x->nr, m, frac, neg));
	}
	case FAST_DATE:
		return fv_date_text(p, n, &dkey) && dkey >= x->dtlo && dkey <= x->dthi;
	case FAST_STR:
		/* ASCII: characters == bytes */
		if ((long long)n < q->minl || (long long)n > q->maxl)
			return 0;
		if (q->format == QG_FMT_EMAIL) {
			if (!fv_email(p, n) && data_value_email(p, n))
				return 0;
		} else if (q->format == QG_FMT_URI) {
			if (data_value_uri(p, n))
				return 0;
		} else if (q->format == QG_FMT_UUID) {
			if (data_value_uuid(p, n))
				return 0;
		} else if (q->format == QG_FMT_BINARY) {
			if (qg_base64_check(p, n, NULL))
				return 0;
		}
		if ((cons & QG_C_ENUM) &&
		    !(x->words_ok ? fv_wordset_has(&x->words, p, n) : qg_strmap_has(&f->enum_values, p, n)))
			return 0;
		if ((cons & QG_C_PATTERN) && !(x->seq_ok && fv_charseq_match(&x->seq, p, n))) {
			int rc = f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, 0, md, NULL)
					   : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, md, NULL);
			if (rc < 0)
				return 0;
		}
		return 1;
	case FAST_BOOL:
		if (x->words_ok)
			return x->words.short8 ? fv_wordset_has8(&x->words, p, n) : fv_wordset_has(&x->words, p, n);
		return qg_strmap_has(&f->true_values, p, n) || qg_strmap_has(&f->false_values, p, n);
	/* FAST_STR with one kind of check (vf_compile says which) */
	case FAST_INT_RANGE: /* neither key nor unique: the value only for bounds */
	{
		unsigned neg, nd;

		if (fv_int_shape(p, n, &neg, &nd) && (int)nd <= x->int_kd[neg])
			return 1;
		return fv_int(p, n, &ik) && ik >= q->ilo && ik <= q->ihi;
	}
	case FAST_NUM_ANY: /* a number without bounds: the syntax alone */
		return qg_decimal_syntax(p, n);
	case FAST_STR_LEN:
		return (long long)n >= q->minl && (long long)n <= q->maxl;
	case FAST_STR_EMAIL:
		return fv_email(p, n) || !data_value_email(p, n);
#if QG_SIMD_AVX2
	case FAST_STR_EMAIL_AVX2:
		return fv_email_avx2(p, n) || !data_value_email(p, n);
#endif
	case FAST_STR_ENUM:
		return fv_wordset_has(&x->words, p, n);
	case FAST_STR_SEQ:
		if (fv_charseq_match(&x->seq, p, n))
			return 1;
		return (f->re_jit ? pcre2_jit_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, 0, md, NULL)
				  : pcre2_match((const pcre2_code *)f->re, (PCRE2_SPTR)p, n, 0, PCRE2_NO_UTF_CHECK, md,
						NULL)) >= 0;
	}
	return 0;
}

/* A cell the column loop could not prove: the full path decides and reports
 * (vd_check_cell), and a key field's value goes to the row's key (or marks
 * it incomplete). ik is passed by value: the loop's own stays in a register. */
static inline __attribute__((always_inline)) void slow_cell(struct vrun *v, struct piece_state *ps, size_t fi,
							    const struct qg_cell *cell, const struct qg_record *rec,
							    pcre2_match_data *mdf, long long ik, int clean, int pk,
							    unsigned char *pk_ok, long long *pk_i, uint64_t *pk_h)
{
	uint64_t h = 1;

	vd_check_cell(v, ps, fi, cell, rec, mdf, &h, &ik, clean);
	if (pk && *pk_ok) {
		if (!h)
			*pk_ok = 0;
		else if (v->pk_int)
			*pk_i = ik;
		else
			*pk_h = qg_hash_fmix64(*pk_h * 0x9e3779b97f4a7c15ull + h);
	}
}

/* One field over a batch: the fast test for clean present cells, the full
 * path (vd_check_cell) for the rest. `reg` (a constant at every call): the
 * batch is regular -- every record clean and its cells at rc + r * stride --
 * so the loop walks one pointer and tests only the length (a null or
 * missing cell has an empty text, table.h). */
static inline __attribute__((always_inline)) void fast_column(const int kind, const int reg, struct vrun *v,
							      struct piece_state *ps, const struct vf *x,
							      const struct qg_record *batch, int nb,
							      const struct qg_cell *rc, size_t stride,
							      const unsigned char *bclean, long long *bpk_i, uint64_t *bpk,
							      unsigned char *bpk_ok, pcre2_match_data *mdf, int max_errors)
{
	const struct qg_schema_field *f = &v->S->fields[x->fi];
	const size_t col = x->col, fi = x->fi;
	const int pk = x->pk;
	struct qg_uniq *u = &ps->uq[fi];
	struct fq q;
	const struct qg_cell *cell = reg ? rc + col : NULL;

	fq_init(&q, f);
	if (kind == FAST_INT && reg && (q.cons & QG_C_UNIQUE)) {
		/* a unique integer column (an id): the interval extension of
		 * data_uniq_add_int_fast() with its end kept in a register --
		 * u->fnext and the interval's end are written back (flushed)
		 * before anything else reads the set and after the loop */
		long long nx = u->fnext, lim = u->flim;
		int all_next = 1; /* every row took the consecutive path */

#define UNIQ_FLUSH()                                           \
	do {                                                   \
		if (nx != u->fnext) {                          \
			u->iv[u->hint][1] = nx - 1;            \
			u->fnext = nx;                         \
		}                                              \
	} while (0)
		for (int r = 0; r < nb; r++, cell += stride) {
			long long ik = 0;

			if (__builtin_expect(cell->len != 0 && fv_int(cell->ptr, cell->len, &ik) && ik >= q.ilo &&
						     ik <= q.ihi,
					     1)) {
				if (__builtin_expect(ik == nx && ik < lim, 1)) {
					nx = ik + 1;
					if (pk)
						bpk_i[r] = ik;
					continue;
				}
				all_next = 0;
				UNIQ_FLUSH();
				if (data_uniq_add_int(u, ik, batch[r].line) != 0) {
					nx = u->fnext;
					lim = u->flim;
					if (pk)
						bpk_i[r] = ik;
					continue;
				}
			} else {
				all_next = 0;
				UNIQ_FLUSH();
				ik = 0;
			}
			/* missing, failing or a repeat: the full path says why */
			slow_cell(v, ps, fi, cell, &batch[r], mdf, ik, 1, pk, &bpk_ok[r], &bpk_i[r], &bpk[r]);
			nx = u->fnext;
			lim = u->flim;
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		UNIQ_FLUSH();
#undef UNIQ_FLUSH
		if (pk)
			ps->pk_run = all_next && nb > 0;
		return;
	}
	if (kind == FAST_STR && ((q.cons & QG_C_UNIQUE) || pk)) {
		/* a unique or key string column (an id): a passing cell's hash,
		 * as vd_check_cell() makes it, goes into the set here with its
		 * line, and into the row's key; the others take the full path,
		 * which does both */
		const int uniq = (q.cons & QG_C_UNIQUE) != 0;

		for (int r = 0; r < nb; r++, cell += reg ? stride : 0) {
			if (!reg)
				cell = &batch[r].cells[col];
			if (__builtin_expect(reg ? cell->len != 0
						 : bclean[r] && cell->len && !(cell->flags & (QG_CELL_NULL | QG_CELL_MISSING)),
					     1) &&
			    __builtin_expect(fast_pass(kind, x, f, &q, cell->ptr, cell->len, u, mdf, NULL), 1)) {
				uint64_t h = vd_hash_text(cell->ptr, cell->len, 0x51ed27u);

				if (uniq)
					data_uniq_add_hash(u, h, batch[r].line);
				if (pk && bpk_ok[r])
					bpk[r] = qg_hash_fmix64(bpk[r] * 0x9e3779b97f4a7c15ull + (h | 1));
				continue;
			}
			slow_cell(v, ps, fi, cell, &batch[r], mdf, 0, reg ? 1 : bclean[r], pk, &bpk_ok[r], &bpk_i[r], &bpk[r]);
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		return;
	}
	if (reg && kind != FAST_INT) {
		/* one induction variable: the row is worked out on the slow path */
		const struct qg_cell *const first = cell, *const end = cell + (size_t)nb * stride;

		for (; cell != end; cell += stride) {
			long long ik = 0;
			int r;

			if (__builtin_expect(cell->len != 0, 1) &&
			    __builtin_expect(fast_pass(kind, x, f, &q, cell->ptr, cell->len, u, mdf, &ik), 1))
				continue;
			r = (int)((size_t)(cell - first) / stride);
			slow_cell(v, ps, fi, cell, &batch[r], mdf, ik, 1, pk, &bpk_ok[r], &bpk_i[r], &bpk[r]);
			if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
				break;
		}
		return;
	}
	for (int r = 0; r < nb; r++, cell += reg ? stride : 0) {
		long long ik = 0;

		if (!reg)
			cell = &batch[r].cells[col];
		if (__builtin_expect(reg ? cell->len != 0
					 : bclean[r] && cell->len && !(cell->flags & (QG_CELL_NULL | QG_CELL_MISSING)),
				     1) &&
		    __builtin_expect(fast_pass(kind, x, f, &q, cell->ptr, cell->len, u, mdf, &ik), 1)) {
			if (kind == FAST_INT && pk)
				bpk_i[r] = ik;
			continue;
		}
		/* missing, unclean or failing: the full path says why */
		slow_cell(v, ps, fi, cell, &batch[r], mdf, ik, reg ? 1 : bclean[r], pk, &bpk_ok[r], &bpk_i[r], &bpk[r]);
		if (max_errors && atomic_load_explicit(&v->stop, memory_order_relaxed))
			break;
	}
}

/* One out-of-line function per type and batch shape: each column loop gets
 * the registers to itself instead of sharing them with run_piece(). */
#define FAST_COLUMN_FN(name, kind, reg)                                                                      \
	static __attribute__((noinline)) void name(struct vrun *v, struct piece_state *ps, const struct vf *x, \
						   const struct qg_record *batch, int nb, const struct qg_cell *rc, \
						   size_t stride, const unsigned char *bclean, long long *bpk_i,  \
						   uint64_t *bpk, unsigned char *bpk_ok, pcre2_match_data *mdf,   \
						   int max_errors)                                                \
	{                                                                                                    \
		fast_column(kind, reg, v, ps, x, batch, nb, rc, stride, bclean, bpk_i, bpk, bpk_ok, mdf,       \
			    max_errors);                                                                     \
	}
FAST_COLUMN_FN(fast_int_r, FAST_INT, 1)
FAST_COLUMN_FN(fast_int, FAST_INT, 0)
FAST_COLUMN_FN(fast_num_r, FAST_NUM, 1)
FAST_COLUMN_FN(fast_num, FAST_NUM, 0)
FAST_COLUMN_FN(fast_date_r, FAST_DATE, 1)
FAST_COLUMN_FN(fast_date, FAST_DATE, 0)
FAST_COLUMN_FN(fast_str_r, FAST_STR, 1)
FAST_COLUMN_FN(fast_str, FAST_STR, 0)
FAST_COLUMN_FN(fast_bool_r, FAST_BOOL, 1)
FAST_COLUMN_FN(fast_bool, FAST_BOOL, 0)
FAST_COLUMN_FN(fast_irange_r, FAST_INT_RANGE, 1)
FAST_COLUMN_FN(fast_irange, FAST_INT_RANGE, 0)
FAST_COLUMN_FN(fast_nany_r, FAST_NUM_ANY, 1)
FAST_COLUMN_FN(fast_nany, FAST_NUM_ANY, 0)
FAST_COLUMN_FN(fast_slen_r, FAST_STR_LEN, 1)
FAST_COLUMN_FN(fast_slen, FAST_STR_LEN, 0)
FAST_COLUMN_FN(fast_semail_r, FAST_STR_EMAIL, 1)
FAST_COLUMN_FN(fast_semail, FAST_STR_EMAIL, 0)
FAST_COLUMN_FN(fast_senum_r, FAST_STR_ENUM, 1)
FAST_COLUMN_FN(fast_senum, FAST_STR_ENUM, 0)
#if QG_SIMD_AVX2
/* the e-mail loop compiled for AVX2 (one 32-byte block per cell) */
static __attribute__((noinline, target("avx2"))) void
fast_semail_avx2_r(struct vrun *v, struct piece_state *ps, const struct vf *x, const struct qg_record *batch, int nb,
		   const struct qg_cell *rc, size_t stride, const unsigned char *bclean, long long *bpk_i, uint64_t *bpk,
		   unsigned char *bpk_ok, pcre2_match_data *mdf, int max_errors)
{
	fast_column(FAST_STR_EMAIL_AVX2, 1, v, ps, x, batch, nb, rc, stride, bclean, bpk_i, bpk, bpk_ok, mdf, max_errors);
}
#endif
FAST_COLUMN_FN(fast_sseq_r, FAST_STR_SEQ, 1)
FAST_COLUMN_FN(fast_sseq, FAST_STR_SEQ, 0)

/* 1 when the record's raw bytes are all ASCII without NUL (and, for JSONL,
 * without a backslash: then no string was unescaped), so that every cell
 * is clean: no UTF-8 check, characters == bytes. */
static int record_clean_scalar(const char *p, size_t n, int jsonl)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] - 1u >= 0x7fu || (jsonl && p[i] == '\\'))
			return 0;
	return 1;
}

#if QG_SIMD_SSE2
static int record_clean(const char *p, size_t n, int jsonl)
{
	size_t i = 0;

	const __m128i zero = _mm_setzero_si128(), bs = _mm_set1_epi8(jsonl ? '\\' : 0);
	__m128i acc = zero;

	if (!jsonl) {
		/* CSV: the high bits OR-ed, NUL as the byte minimum: three
		 * operations per 16 bytes */
		__m128i lo = _mm_set1_epi8((char)0xff);

		for (; i + 64 <= n; i += 64) {
			__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
			__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32));
			__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48));

			acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(x0, x1), _mm_or_si128(x2, x3)));
			lo = _mm_min_epu8(lo, _mm_min_epu8(_mm_min_epu8(x0, x1), _mm_min_epu8(x2, x3)));
		}
		acc = _mm_or_si128(acc, _mm_cmpeq_epi8(lo, zero));
	}

	/* no branch per chunk; the last one is read whole (the text is
	 * followed by QG_TABLE_PAD readable bytes) and masked */
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		acc = _mm_or_si128(acc, _mm_or_si128(x, _mm_or_si128(_mm_cmpeq_epi8(x, zero), _mm_cmpeq_epi8(x, bs))));
	}
	if (i < n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(x, _mm_or_si128(_mm_cmpeq_epi8(x, zero),
										   _mm_cmpeq_epi8(x, bs))));
		if (m & ((1u << (n - i)) - 1))
			return 0;
	}
	return !_mm_movemask_epi8(acc);
}
#endif

#if QG_SIMD_AVX2
/* record_clean(p, n, 0) with 32-byte loads: the same answer, about half the
 * instructions (a CSV batch is scanned whole before anything else) */
static __attribute__((noinline, target("avx2"))) int csv_clean_avx2(const char *p, size_t n)
{
	__m256i acc = _mm256_setzero_si256(), lo = _mm256_set1_epi8((char)0xff);
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));

		acc = _mm256_or_si256(acc, _mm256_or_si256(x0, x1));
		lo = _mm256_min_epu8(lo, _mm256_min_epu8(x0, x1));
	}
	if (_mm256_movemask_epi8(_mm256_or_si256(acc, _mm256_cmpeq_epi8(lo, _mm256_setzero_si256()))))
		return 0;
	return record_clean(p + i, n - i, 0);
}
#endif

int vd_record_clean(const struct vrun *v, const char *p, size_t n, int jsonl)
{
#if QG_SIMD_SSE2
	if (v->level >= QG_CPU_SSE2)
		return record_clean(p, n, jsonl);
#endif
	return record_clean_scalar(p, n, jsonl);
}

int vd_batch_clean(const struct vrun *v, const char *p, size_t n)
{
#if QG_SIMD_AVX2
	if (v->level >= QG_CPU_AVX2)
		return csv_clean_avx2(p, n);
#endif
	return vd_record_clean(v, p, n, 0);
}

/* ------------------------------------------------------------ dispatch */

/* Field x over a batch with its column loop: rc (when not NULL) the regular
 * batch's cells, ncols apart; the key's parts into bpk_i/bpk_ok. */
static inline void fast_column_of(struct vrun *v, struct piece_state *ps, const struct vf *x,
				  const struct qg_record *batch, int nb, const struct qg_cell *rc, size_t ncols,
				  const unsigned char *bclean, long long *bpk_i, uint64_t *bpk, unsigned char *bpk_ok,
				  pcre2_match_data *mdf, int max_errors)
{
	const struct qg_schema_field *f = &v->S->fields[x->fi];

/* a column loop: the regular-batch copy (fn_r, one cell pointer) when the
 * cells are one array, else the per-record one */
#define COLUMN_LOOP(fn)                                                                               \
	do {                                                                                          \
		if (rc)                                                                               \
			fn##_r(v, ps, x, batch, nb, rc, ncols, bclean, bpk_i, bpk, bpk_ok, mdf, max_errors); \
		else                                                                                  \
			fn(v, ps, x, batch, nb, NULL, 0, bclean, bpk_i, bpk, bpk_ok, mdf, max_errors);       \
	} while (0)
	switch (x->fast) {
	case FAST_INT:
		if (!x->pk && !(f->constraints & QG_C_UNIQUE))
			COLUMN_LOOP(fast_irange);
		else
			COLUMN_LOOP(fast_int);
		break;
	case FAST_NUM:
		if (x->num_all)
			COLUMN_LOOP(fast_nany);
		else
			COLUMN_LOOP(fast_num);
		break;
	case FAST_DATE:
		COLUMN_LOOP(fast_date);
		break;
	case FAST_STR:
		/* a key string: the general loop, which hashes it */
		switch (x->pk ? FAST_STR : x->str) {
		case FAST_STR_LEN:
			COLUMN_LOOP(fast_slen);
			break;
		case FAST_STR_EMAIL:
#if QG_SIMD_AVX2
			if (rc && v->level >= QG_CPU_AVX2) {
				fast_semail_avx2_r(v, ps, x, batch, nb, rc, ncols, bclean, bpk_i, bpk, bpk_ok, mdf, max_errors);
				break;
			}
#endif
			COLUMN_LOOP(fast_semail);
			break;
		case FAST_STR_ENUM:
			COLUMN_LOOP(fast_senum);
			break;
		case FAST_STR_SEQ:
			COLUMN_LOOP(fast_sseq);
			break;
		default:
			COLUMN_LOOP(fast_str);
			break;
		}
		break;
	case FAST_BOOL:
		COLUMN_LOOP(fast_bool);
		break;
	}
#undef COLUMN_LOOP
}

/* Pass 2, column by column: one field's checks over the whole batch keep
 * the branches of its type predictable. */
void vd_pass_columns(struct vpiece *vp)
{
	struct vrun *v = vp->v;
	struct piece_state *ps = vp->ps;
	const struct qg_record *batch = vp->batch;
	const int nb = vp->nb, max_errors = vp->max_errors;
	const unsigned char *bclean = vp->bclean;

	for (size_t k = 0; k < vp->nvf; k++) {
		const struct vf *x = &vp->vfs[k];
		const size_t col = x->col, fi = x->fi;
		pcre2_match_data *mdf = vp->md[fi];

		if (x->trivial) {
			long long nulls = 0;
			for (int r = 0; r < nb; r++) {
				const struct qg_cell *cell = &batch[r].cells[col];
				uint64_t h = 1;
				long long ik = 0;

				/* plain string in a clean record: only the missing count */
				if (bclean[r] && !(cell->flags & (QG_CELL_NULL | QG_CELL_MISSING))) {
					nulls += cell->len == 0;
					continue;
				}
				vd_check_cell(v, ps, fi, cell, &batch[r], mdf, &h, &ik, bclean[r]);
			}
			ps->nulls[fi] += nulls;
			continue;
		}
		if (x->fast) {
			fast_column_of(v, ps, x, batch, nb, vp->rc, vp->ncols, bclean, vp->bpk_i, vp->bpk, vp->bpk_ok,
				       mdf, max_errors);
			if (max_errors && stopping(v))
				break;
			continue;
		}
		for (int r = 0; r < nb; r++) {
			uint64_t h = 1;
			long long ik = 0;

			vd_check_cell(v, ps, fi, &batch[r].cells[col], &batch[r], mdf, &h, &ik, bclean[r]);
			if (x->pk && vp->bpk_ok[r]) {
				if (!h)
					vp->bpk_ok[r] = 0;
				else if (v->pk_int)
					vp->bpk_i[r] = ik;
				else
					vp->bpk[r] = qg_hash_fmix64(vp->bpk[r] * 0x9e3779b97f4a7c15ull + h);
			}
			if (max_errors && stopping(v))
				break;
		}
		if (max_errors && stopping(v))
			break;
	}
}
