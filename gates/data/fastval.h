/* fastval.h -- word-at-a-time acceptors for the validator's hot loop
 *
 * Each function here answers "does this cell certainly pass?" for a cell
 * that is known to be ASCII without NUL bytes and to have QG_TABLE_PAD
 * readable bytes after its text (include/qgate/table.h), so whole 8- or
 * 16-byte words are loaded and the bytes past the end masked off. They are
 * acceptors, not parsers: 0 means "not proven" and the caller sends the cell
 * down the full path (value.c), which decides and reports. Wherever one
 * accepts, the value it computes is bit for bit the value the full path
 * computes (the same Clinger fast path for numbers), so bounds, keys and
 * uniqueness do not depend on which path a cell took.
 *
 * Digits are checked and converted eight at a time with the SWAR tricks of
 * simdjson/fast_float (is_made_of_eight_digits_fast and
 * parse_eight_digits_unrolled); the e-mail acceptor classifies 16 bytes at a
 * time with SSE2 (the x86_64 baseline) and gives up, rather than decide, on
 * anything but the common shape (letters, digits and . _ - + before the '@',
 * letters, digits, '-' and dots after it).
 */
#ifndef QGATE_DATA_FASTVAL_H
#define QGATE_DATA_FASTVAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qgate/cpu.h"
#include "qgate/decimal.h" /* the digit words; numbers are parsed there */
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define QG_FV_LE 1
#else
#define QG_FV_LE 0
#endif

#define QG_FV_INLINE static inline __attribute__((always_inline))

static const uint64_t fv_keep_mask[9] = {
	0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull,
	0xFFFFFFFFFFFFFFull, ~0ull,
};

/* the low n bytes of a word, 0 <= n <= 8 (no branch) */
QG_FV_INLINE uint64_t fv_keep(uint64_t w, size_t n)
{
	return w & fv_keep_mask[n];
}

/* Integer: optional sign and 1..16 digits (the full path takes longer
 * ones). The same value as data_value_int(). */
QG_FV_INLINE int fv_int(const char *p, size_t n, long long *out)
{
	int neg = 0;
	uint64_t v;

	if (!QG_FV_LE || n == 0)
		return 0;
	/* the common cell first: up to 8 digits, no sign (a sign is no digit,
	 * so such a cell falls through to the full parse below) */
	if (n <= 8) {
		uint64_t v8;

		if (qg_dec_digits_n(qg_dec_load8(p), n, &v8)) {
			*out = (long long)v8;
			return 1;
		}
	}
	neg = (int)qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 16 || !qg_dec_digits16(qg_dec_load8(p), qg_dec_load8(p + 8), n, &v))
		return 0;
	*out = (long long)((v ^ -(uint64_t)neg) + (uint64_t)neg);
	return 1;
}

/* An integer's shape without its value: an optional sign and 1..16 digits
 * (what fv_int() accepts); *negp: a '-' sign, *nd: the digits. */
QG_FV_INLINE int fv_int_shape(const char *p, size_t n, unsigned *negp, unsigned *nd)
{
#if QG_SIMD_SSE2
	unsigned all, dig;
	__m128i x;

	if (!QG_FV_LE || n == 0)
		return 0;
	*negp = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 16)
		return 0;
	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	all = (unsigned)((1ul << n) - 1);
	dig = qg_dec_digit_mask16(x);
	*nd = (unsigned)n;
	return (dig & all) == all;
#else
	/* the portable twin: the same answer a byte at a time */
	if (!QG_FV_LE || n == 0)
		return 0;
	*negp = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 16)
		return 0;
	*nd = (unsigned)n;
	for (size_t i = 0; i < n; i++)
		if ((unsigned)(unsigned char)p[i] - '0' > 9u)
			return 0;
	return 1;
#endif
}

/* For integer bounds [lo, hi]: kd[neg] is the largest digit count whose
 * every value with that sign lies inside (|value| <= 10^digits - 1), -1
 * when there is none. */
void fv_int_safe_digits(long long lo, long long hi, int kd[2]);


/* A date's ordered key without day numbers: (y << 9) | (m << 5) | d. */
#define FV_DATE_KEY(y, m, d) (((uint64_t)(y) << 9) | ((uint64_t)(m) << 5) | (uint64_t)(d))

/* The keys [*klo, *khi] of the dates whose day numbers lie in [lo, hi]
 * (doubles, may be infinite); years outside 0..9999 clamp (fv_date only
 * reads four-digit years). */
void fv_date_bounds(double lo, double hi, uint64_t *klo, uint64_t *khi);

/* ISO date YYYY-MM-DD, valid exactly when data_value_date() says so; *key
 * orders dates as their day numbers do. */
QG_FV_INLINE int fv_date(const char *p, size_t n, uint64_t *key)
{
	static const unsigned char dm[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t w, y;
	unsigned mo, d;

	if (!QG_FV_LE || n != 10)
		return 0;
	w = qg_dec_load8(p);
	/* YYYY-MM- with the dashes turned into '0' */
	if (((w >> 32) & 0xFF) != '-' || ((w >> 56) & 0xFF) != '-')
		return 0;
	w = (w & ~(0xFFull << 32 | 0xFFull << 56)) | ((uint64_t)'0' << 32 | (uint64_t)'0' << 56);
	if (!qg_dec_digits8(w) || (unsigned)(p[8] - '0') > 9u || (unsigned)(p[9] - '0') > 9u)
		return 0;
	w -= 0x3030303030303030ull;
	y = (w & 0xFF) * 1000 + ((w >> 8) & 0xFF) * 100 + ((w >> 16) & 0xFF) * 10 + ((w >> 24) & 0xFF);
	mo = (unsigned)(((w >> 40) & 0xFF) * 10 + ((w >> 48) & 0xFF));
	d = (unsigned)(p[8] - '0') * 10 + (unsigned)(p[9] - '0');
	if (mo - 1 >= 12u || d == 0)
		return 0;
	if (__builtin_expect(d > dm[mo], 0) &&
	    !(mo == 2 && d == 29 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return 0;
	*key = FV_DATE_KEY(y, mo, d);
	return 1;
}

/* The date as its text "YYYYMMDD" read big-endian: ordered as the dates
 * are, without the year's arithmetic. 0 means "not sure": February 29
 * (the leap year needs the year) and anything fv_date refuses; 1 with
 * *key set only for a date fv_date accepts with the same order. */
QG_FV_INLINE int fv_date_text(const char *p, size_t n, uint64_t *key)
{
	/* days in month 0..99 (a month of two digits); February without the 29th */
	static const unsigned char dm[100] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t w, k;
	unsigned mo, d;

	if (!QG_FV_LE || n != 10)
		return 0;
#if QG_SIMD_SSE2
	{
		/* digits <= 9 and dashes == 0 after the subtraction, in one compare
		 * (the 6 bytes after the text are padding: anything goes) */
		const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		const __m128i t = _mm_sub_epi8(x, _mm_setr_epi8('0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 0, 0, 0,
								0, 0, 0));
		const __m128i lim = _mm_setr_epi8(9, 9, 9, 9, 0, 9, 9, 0, 9, 9, -1, -1, -1, -1, -1, -1);

		if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(t, lim), lim)) != 0xFFFF)
			return 0;
		w = qg_dec_load8(p);
	}
#else
	w = qg_dec_load8(p);
	if (((w >> 32) & 0xFF) != '-' || ((w >> 56) & 0xFF) != '-')
		return 0;
	k = (w & ~(0xFFull << 32 | 0xFFull << 56)) | ((uint64_t)'0' << 32 | (uint64_t)'0' << 56);
	if (!qg_dec_digits8(k) || (unsigned)(p[8] - '0') > 9u || (unsigned)(p[9] - '0') > 9u)
		return 0;
#endif
	mo = (unsigned)(p[5] - '0') * 10 + (unsigned)(p[6] - '0');
	d = (unsigned)(p[8] - '0') * 10 + (unsigned)(p[9] - '0');
	if (d - 1 >= dm[mo])
		return 0;
	k = __builtin_bswap64(w); /* Y Y Y Y - M M - */
	*key = (k & 0xFFFFFFFF00000000ull) | ((k << 8) & 0xFFFF0000ull) |
	       (uint64_t)(unsigned char)p[8] << 8 | (uint64_t)(unsigned char)p[9];
	return 1;
}

/* fv_date_bounds' keys as fv_date_text keys (the same dates). */
void fv_date_text_bounds(uint64_t klo, uint64_t khi, uint64_t *tlo, uint64_t *thi);

#if QG_SIMD_SSE2
/* bytes of x in [lo, hi] (ASCII: signed compares are fine) */
QG_FV_INLINE __m128i fv_range(__m128i x, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), x));
}
#endif

/* E-mail, the common shape only (see above); 1 when data_value_email() would
 * accept it too: one '@' after 1..64 bytes of letters, digits and . _ - +
 * not starting or ending with '.', then a domain of letters, digits, '-'
 * and '.' with at least one dot, none first, last or doubled, and at least
 * 3 bytes. */
#if QG_SIMD_SSE2
/* fv_email's byte classes of 16 bytes: '@', '.', the domain's characters
 * (letters, digits, '-', '.') and the local part's extra '_' and '+'. */
QG_FV_INLINE void fv_email_classes(__m128i x, unsigned *at, unsigned *dot, unsigned *dom, unsigned *loc)
{
	__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i isdot = _mm_cmpeq_epi8(x, _mm_set1_epi8('.'));
	__m128i d = _mm_or_si128(_mm_or_si128(fv_range(l, 'a', 'z'), fv_range(x, '0', '9')),
				 _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')), isdot));
	__m128i e = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')), _mm_cmpeq_epi8(x, _mm_set1_epi8('+')));

	*at = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('@')));
	*dot = (unsigned)_mm_movemask_epi8(isdot);
	*dom = (unsigned)_mm_movemask_epi8(d);
	*loc = (unsigned)_mm_movemask_epi8(e);
}
#endif

QG_FV_INLINE int fv_email(const char *p, size_t n)
{
	uint64_t at = 0, dot = 0, dom = 0, loc = 0, all, lo_m, dm;
	size_t k, a;

	if (n < 5 || n > 64)
		return 0;
#if QG_SIMD_SSE2
	if (n <= 32) {
		/* the common length: two blocks, no loop (the text is padded) */
		unsigned a0, t0, d0, l0, a1, t1, d1, l1;

		fv_email_classes(_mm_loadu_si128((const __m128i *)(const void *)p), &a0, &t0, &d0, &l0);
		fv_email_classes(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), &a1, &t1, &d1, &l1);
		at = a0 | (uint64_t)a1 << 16;
		dot = t0 | (uint64_t)t1 << 16;
		dom = d0 | (uint64_t)d1 << 16;
		loc = l0 | (uint64_t)l1 << 16;
	} else {
		for (k = 0; k < n; k += 16) {
			unsigned ak, tk, dk, lk;

			fv_email_classes(_mm_loadu_si128((const __m128i *)(const void *)(p + k)), &ak, &tk, &dk, &lk);
			at |= (uint64_t)ak << k;
			dot |= (uint64_t)tk << k;
			dom |= (uint64_t)dk << k;
			loc |= (uint64_t)lk << k;
		}
	}
#else
	/* the portable twin of fv_email_classes(), a byte at a time */
	for (k = 0; k < n; k++) {
		unsigned c = (unsigned char)p[k], l = c | 0x20;
		uint64_t bit = (uint64_t)1 << k;

		at |= c == '@' ? bit : 0;
		dot |= c == '.' ? bit : 0;
		dom |= (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ? bit : 0;
		loc |= c == '_' || c == '+' ? bit : 0;
	}
#endif
	all = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
	at &= all;
	if (!at || (at & (at - 1)))
		return 0;
	a = (size_t)__builtin_ctzll(at);
	if (a == 0 || a + 4 > n || p[0] == '.' || p[a - 1] == '.')
		return 0;
	lo_m = at - 1;           /* the local part */
	dm = all & ~(lo_m | at); /* the domain */
	if ((lo_m & ~(dom | loc)) || (dm & ~dom))
		return 0;
	dot &= dm;
	/* a dot in the domain, not first, not last, never two in a row */
	return dot && !(dot & (at << 1)) && !(dot >> (n - 1)) && !(dot & (dot >> 1));
}

#if QG_SIMD_AVX2
#include <immintrin.h>
/* fv_email() for a CPU with AVX2 (the caller checks): a cell of at most 32
 * bytes is classified in one 32-byte block; longer ones as fv_email(). The
 * same answer for every cell. Not always_inline: it is inlined only into
 * functions compiled for AVX2. */
static inline __attribute__((target("avx2"))) int fv_email_avx2(const char *p, size_t n)
{
	__m256i x;
	uint64_t at, dot, dom, loc, all, lo_m, dm;

	if (n < 5 || n > 32)
		return fv_email(p, n);
	/* one class bit per byte from two nibble lookups: 0 digit, 1 letter
	 * (hi 4/6, lo 1-F), 2 letter (hi 5/7, lo 0-A), 3 '@', 4 '.', 5 '-',
	 * 6 '+', 7 '_'; anything else (non-ASCII too: pshufb gives 0) none */
	{
		const __m256i hit = _mm256_setr_epi8(0, 0, 0x70, 0x01, 0x0A, (char)0x84, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0,
						     0, 0, 0, 0x70, 0x01, 0x0A, (char)0x84, 0x02, 0x04, 0, 0, 0, 0, 0, 0,
						     0, 0);
		const __m256i lot = _mm256_setr_epi8(0x0D, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x06,
						     0x42, 0x02, 0x22, 0x12, (char)0x82, 0x0D, 0x07, 0x07, 0x07, 0x07,
						     0x07, 0x07, 0x07, 0x07, 0x07, 0x06, 0x42, 0x02, 0x22, 0x12,
						     (char)0x82);
		const __m256i nib = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
		__m256i cls;

		x = _mm256_loadu_si256((const __m256i *)(const void *)p);
		cls = _mm256_and_si256(_mm256_shuffle_epi8(hit, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)),
				       _mm256_shuffle_epi8(lot, _mm256_and_si256(x, nib)));
		all = ((uint64_t)1 << n) - 1;
		at = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(cls, 4)) & all;
		dot = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(cls, 3));
		/* dom: any of 0, 1, 2, 4, 5; loc: the domain's or '+', '_' */
		dom = ~(uint64_t)(uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_and_si256(cls, _mm256_set1_epi8(0x37)), zero));
		loc = ~(uint64_t)(uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_and_si256(cls, _mm256_set1_epi8((char)0xC0)), zero));
	}
	/* from here as fv_email() (the dots before the '@' and at 0 from the
	 * dot mask) */
	if (!at || (at & (at - 1)))
		return 0;
	lo_m = at - 1;
	if ((at & 1) || (at >> (n - 3)) || (dot & (1 | (at >> 1))))
		return 0;
	dm = all & ~(lo_m | at);
	if ((lo_m & ~(dom | loc)) || (dm & ~dom))
		return 0;
	dot &= dm;
	return dot && !(dot & (at << 1)) && !(dot >> (n - 1)) && !(dot & (dot >> 1));
}
#endif

/* A small set of short strings (enum values, booleans), each <= 16 bytes,
 * in a table with a perfect hash found when the schema is compiled: one
 * multiply, one slot, three compares, no branch on the data. */
#define FV_WORDSET_MAX 64
#define FV_WORDSET_SLOTS 256
struct fv_word {
	uint64_t a, b;
	uint64_t len; /* 17 in an empty slot: never equal to a cell's length */
};
struct fv_wordset {
	size_t nr;
	struct fv_word in[FV_WORDSET_MAX]; /* as added */
	uint64_t mul;
	unsigned shift;
	int short8; /* every word <= 8 bytes (booleans): one word per cell */
	struct fv_word slot[FV_WORDSET_SLOTS];
};

QG_FV_INLINE uint64_t fv_word_hash(uint64_t a, uint64_t b, uint64_t n, uint64_t mul)
{
	return ((a ^ (b * 0x9E3779B97F4A7C15ull) ^ n) * mul);
}

/* 0, or -1 when a value does not fit (the caller keeps the hashed set). */
int fv_wordset_add(struct fv_wordset *s, const char *v, size_t n);

/* Find a multiplier that puts every word in its own slot: 0, or -1 (the
 * caller keeps the hashed set). Deterministic (a fixed sequence). */
int fv_wordset_build(struct fv_wordset *s);

QG_FV_INLINE int fv_wordset_has(const struct fv_wordset *s, const char *p, size_t n)
{
	uint64_t a, b;
	const struct fv_word *w;

	if (n > 16)
		return 0;
	a = fv_keep(qg_dec_load8(p), n < 8 ? n : 8);
	b = fv_keep(qg_dec_load8(p + 8), n > 8 ? n - 8 : 0);
	w = &s->slot[fv_word_hash(a, b, n, s->mul) >> s->shift];
	return (w->len == n) & (w->a == a) & (w->b == b);
}

/* fv_wordset_has() for a set with short8 set (booleans): b is 0 for every
 * word, so the same hash and slot with one load */
QG_FV_INLINE int fv_wordset_has8(const struct fv_wordset *s, const char *p, size_t n)
{
	uint64_t a;
	const struct fv_word *w;

	if (n > 8)
		return 0;
	a = fv_keep(qg_dec_load8(p), n);
	w = &s->slot[fv_word_hash(a, 0, n, s->mul) >> s->shift];
	return (w->len == n) & (w->a == a);
}

/* A pattern that is a fixed-length sequence of ASCII characters and
 * bracket classes: bit i of allow[c] is set when character c may stand at
 * position i (len <= 64). */
struct fv_charseq {
	size_t len;
	uint64_t allow[128];
	/* the same class at every position, as at most FV_CHARSEQ_RANGES
	 * ranges inside 1..126, and len <= 16: one SSE2 test of the cell */
	int uni;
	unsigned nrange;
	char lo[4], hi[4];
	/* lo - 1 and hi + 1 in every byte: the vector test's operands, loaded
	 * instead of broadcast per cell */
	char vlo[4][16], vhi[4][16];
};
#define FV_CHARSEQ_RANGES 4

/* A pattern PCRE2 would match (anchored at both ends) exactly when the
 * subject is a fixed sequence of single characters and bracket classes, in
 * the subset written here: literal characters that are not metacharacters,
 * [...] with single characters and ranges (optionally negated), each
 * optionally followed by {n}. Anything else (escapes, alternation, groups,
 * other quantifiers, POSIX classes, '-' in unclear places, options) is -1:
 * the pattern then goes through PCRE2 only. On ASCII subjects without NUL
 * bytes (the only ones the fast path sees) this decides exactly what PCRE2
 * decides, in UTF mode or not. */
int fv_charseq_compile(struct fv_charseq *cs, const char *pat);

#if QG_SIMD_SSE2
/* The bytes of x inside one of the first nr ranges of s (0xff) */
static inline __attribute__((always_inline)) __m128i fv_charseq_in(const struct fv_charseq *s, __m128i x, unsigned nr)
{
	__m128i in = _mm_setzero_si128();

	for (unsigned r = 0; r < nr; r++)
		in = _mm_or_si128(in, _mm_and_si128(_mm_cmpgt_epi8(x, _mm_loadu_si128((const __m128i *)(const void *)s->vlo[r])),
						    _mm_cmpgt_epi8(_mm_loadu_si128((const __m128i *)(const void *)s->vhi[r]), x)));
	return in;
}
#endif

QG_FV_INLINE int fv_charseq_match(const struct fv_charseq *s, const char *p, size_t n)
{
	uint64_t bad = 0;

	if (n != s->len)
		return 0;
#if QG_SIMD_SSE2
	if (s->uni) {
		/* the cell is followed by readable bytes (QG_TABLE_PAD) */
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p), in;
		unsigned all = (1u << n) - 1;

		/* unrolled for each number of ranges */
		switch (s->nrange) {
		case 0:
			in = _mm_setzero_si128();
			break;
		case 1:
			in = fv_charseq_in(s, x, 1);
			break;
		case 2:
			in = fv_charseq_in(s, x, 2);
			break;
		case 3:
			in = fv_charseq_in(s, x, 3);
			break;
		default:
			in = fv_charseq_in(s, x, FV_CHARSEQ_RANGES);
			break;
		}
		return ((unsigned)_mm_movemask_epi8(in) & all) == all;
	}
#endif
	for (size_t i = 0; i < n; i++)
		bad |= ~s->allow[(unsigned char)p[i] & 127] & ((uint64_t)1 << i);
	return !bad;
}

#endif
