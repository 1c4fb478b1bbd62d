/* decimal.h -- the one decimal-number parser, exact, with its fast paths
 *
 * Invariants:
 * - Exact: every value returned is the double nearest to the decimal text
 *   (round half to even), bit for bit what a correctly rounded strtod gives.
 *   Short literals take Clinger's fast path (a mantissa m <= 2^53 and a power
 *   of ten <= 10^22 are both exact, so one IEEE multiply or divide is
 *   correctly rounded); the rest go to the out-of-line slow path
 *   (lib/core/decimal.c), which is exact through glibc's strtod.
 * - The syntax is [+-]digits[.digits][(e|E)[+-]digits] with at least one
 *   digit in the mantissa ("1.", ".5" and "+.5" are numbers; ".", "e5",
 *   "0x10", " 1" and "1e" are not). No locale, no NUL terminator needed:
 *   every parser takes (ptr, len).
 * - NaN and infinity spellings are the callers' policy (they differ by
 *   format), not this parser's: the text "inf" is not a decimal.
 * - The word-at-a-time acceptors (qg_decimal_swar/_sse/_shape) need
 *   QG_TABLE_PAD readable bytes after the text (include/qgate/table.h) and
 *   answer "proven" or "not proven" (0): on a 0 the caller asks
 *   qg_decimal_parse(). Where they accept, qg_decimal_value() of their
 *   (m, frac, neg) is exactly qg_decimal_parse()'s value.
 *
 * The digits are checked and converted eight at a time with the SWAR tricks
 * of simdjson/fast_float (is_made_of_eight_digits_fast and
 * parse_eight_digits_unrolled); the gates' per-cell acceptors for integers
 * and dates (gates/data/fastval.h) use the same digit words.
 */
#ifndef QGATE_DECIMAL_H
#define QGATE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qgate/cpu.h"
#if QG_SIMD_SSE2
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define QG_DEC_LE 1
#else
#define QG_DEC_LE 0
#endif

#define QG_DEC_INLINE static inline __attribute__((always_inline))

/* ---- the exact parser ---------------------------------------------------- */

/* Results of the parsers below: a finite value, or a literal too large for a
 * double (*out is then +-infinity; underflow to 0 or a subnormal is a value). */
enum { QG_DECIMAL_OK = 0, QG_DECIMAL_RANGE = 1, QG_DECIMAL_SYNTAX = -1 };

/* 10^0 .. 10^22, each exact in a double. */
static const double qg_dec_pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The whole of s[0..n) as a number with '.' as the decimal point and no
 * group character: QG_DECIMAL_OK and *out, QG_DECIMAL_RANGE and *out =
 * +-infinity, or QG_DECIMAL_SYNTAX (*out untouched). */
static inline int qg_decimal_parse(const char *s, size_t n, double *out);

/* qg_decimal_parse() for the literals its inline part does not finish
 * (exponents, more than 19 digits, mantissas above 2^53). */
int qg_decimal_parse_slow(const char *s, size_t n, double *out);

/* The same with another decimal character and an optional group character
 * (0: none) that may stand between two digits of the integer part
 * ("1.234,5" with ',' and '.'); a '.' that is neither is a syntax error.
 * qg_decimal_parse_sep(s, n, '.', 0, out) == qg_decimal_parse(s, n, out). */
int qg_decimal_parse_sep(const char *s, size_t n, char decimal, char group, double *out);

static inline int qg_decimal_parse(const char *s, size_t n, double *out)
{
	/* the common spellings, [-+]digits[.digits] with at most 19 digits,
	 * in one pass without per-digit bookkeeping */
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *d0;
	uint64_t m = 0;
	size_t ndig, frac = 0;
	int neg = 0;

	if (p < e && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	d0 = p;
	while (p < e && (unsigned)(*p - '0') < 10)
		m = m * 10 + (unsigned)(*p++ - '0');
	ndig = (size_t)(p - d0);
	if (p < e && *p == '.') {
		const unsigned char *f0 = ++p;
		while (p < e && (unsigned)(*p - '0') < 10)
			m = m * 10 + (unsigned)(*p++ - '0');
		frac = (size_t)(p - f0);
		ndig += frac;
	}
	if (p != e || !ndig || ndig > 19 || m > ((uint64_t)1 << 53) || frac > 22)
		return qg_decimal_parse_slow(s, n, out);
	{
		double d = (double)m;
		if (frac)
			d /= qg_dec_pow10_exact[frac];
		*out = neg ? -d : d;
	}
	return QG_DECIMAL_OK;
}

/* ---- digit words ---------------------------------------------------------- */

QG_DEC_INLINE uint64_t qg_dec_load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* A leading '-' or '+' stepped over without a branch (random signs would
 * mispredict): 1 for '-'. n >= 1. */
QG_DEC_INLINE unsigned qg_dec_skip_sign(const char **p, size_t *n)
{
	unsigned neg = **p == '-';
	size_t sg = (size_t)(neg | (**p == '+'));

	*p += sg;
	*n -= sg;
	return neg;
}

/* 1 when all 8 bytes are '0'..'9' */
QG_DEC_INLINE int qg_dec_digits8(uint64_t w)
{
	return ((w & 0xF0F0F0F0F0F0F0F0ull) | (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
	       0x3333333333333333ull;
}

/* the value of 8 digit characters, the first in the lowest byte */
QG_DEC_INLINE uint32_t qg_dec_parse8(uint64_t w)
{
	const uint64_t mask = 0x000000FF000000FFull, mul1 = 0x000F424000000064ull, mul2 = 0x0000271000000001ull;

	w -= 0x3030303030303030ull;
	w = (w * 10) + (w >> 8);
	w = (((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32;
	return (uint32_t)w;
}

/* The first d (1..8) bytes of w as digits, left-padded with '0': 1 and *v
 * when they are all digits. */
QG_DEC_INLINE int qg_dec_digits_n(uint64_t w, size_t d, uint64_t *v)
{
	unsigned sh = (unsigned)(8 * (8 - d));
	uint64_t x = (w << sh) | (0x3030303030303030ull >> 1 >> (63 - sh));

	if (!qg_dec_digits8(x))
		return 0;
	*v = qg_dec_parse8(x);
	return 1;
}

/* d (1..16) digits held in two words (the first digit in the lowest byte of
 * a); 1 and *v when they are all digits. */
QG_DEC_INLINE int qg_dec_digits16(uint64_t a, uint64_t b, size_t d, uint64_t *v)
{
	uint64_t hi, lo, w;

	if (d <= 8)
		return qg_dec_digits_n(a, d, v);
	if (d == 16) {
		w = b;
	} else {
		w = (a >> (8 * (d - 8))) | (b << (8 * (16 - d)));
	}
	/* the first d-8 digits are the low bytes of a */
	if (!qg_dec_digits_n(a, d - 8, &hi) || !qg_dec_digits8(w))
		return 0;
	lo = qg_dec_parse8(w);
	*v = hi * 100000000u + lo;
	return 1;
}

/* ---- short decimals a word at a time ------------------------------------ */

/* qg_decimal_swar() without the value: 1 when the text is an optional sign and
 * 1..15 bytes of digits with at most one '.' and at least one digit -- a
 * subset of what qg_decimal_swar() accepts (at most 15 digits: always m <=
 * 2^53), so every cell it passes is a number the full parser accepts.
 * *negp: a '-' sign; *intd: the digits before the dot. */
#if QG_SIMD_SSE2
/* Bit i set when byte i of the 16 at x is '0'..'9'. */
QG_DEC_INLINE unsigned qg_dec_digit_mask16(__m128i x)
{
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
							 _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), x)));
}
#endif

QG_DEC_INLINE int qg_decimal_shape(const char *p, size_t n, unsigned *negp, unsigned *intd)
{
#if QG_SIMD_SSE2
	unsigned all, dig, dots;
	__m128i x;

	if (!QG_DEC_LE || n == 0)
		return 0;
	*negp = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 15)
		return 0;
	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	all = (1u << n) - 1;
	dig = qg_dec_digit_mask16(x) & all;
	dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))) & all;
	/* the digits before the dot (leading zeros included) */
	*intd = dots ? (unsigned)__builtin_ctz(dots) : (unsigned)n;
	/* every byte a digit or a dot, one dot at most, a digit at least */
	return (dig | dots) == all && !(dots & (dots - 1)) && dig;
#else
	/* the portable twin: the same answer a byte at a time */
	unsigned dots = 0, dig = 0;

	if (!QG_DEC_LE || n == 0)
		return 0;
	*negp = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 15)
		return 0;
	*intd = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (dots++)
				return 0;
			*intd = (unsigned)i;
		} else if ((unsigned)(unsigned char)p[i] - '0' > 9u) {
			return 0;
		} else {
			dig++;
		}
	}
	return dig != 0;
#endif
}

QG_DEC_INLINE int qg_decimal_syntax(const char *p, size_t n)
{
	unsigned neg, intd;

	return qg_decimal_shape(p, n, &neg, &intd);
}

/* For bounds [lo, hi] (inclusive doubles): kd[neg] is the largest count of
 * digits before the dot such that every number of qg_decimal_shape() with
 * that sign and at most that many such digits lies inside (|value| <
 * 10^digits, and 10^digits is exact), -1 when there is none. */
void qg_decimal_safe_digits(double lo, double hi, int kd[2]);

/* Number with '.' as the decimal point and no group character: optional
 * sign, then at most 16 bytes of digits with at most one '.', at least one
 * digit, no exponent, and the digits' value m <= 2^53. Its value is then
 * Clinger's exact fast path, exactly as qg_decimal_parse() computes it:
 * (neg ? -1 : 1) * ((double)m / 10^frac) -- qg_decimal_value(). The parts
 * are returned so that bounds can be checked on m without the division
 * (struct qg_decimal_range). */
QG_DEC_INLINE int qg_decimal_swar(const char *p, size_t n, uint64_t *mant, unsigned *fracd, unsigned *negp)
{
	unsigned neg, dots;
	uint64_t a, b, m;
	size_t d, frac = 0;

	if (!QG_DEC_LE || n == 0)
		return 0;
	neg = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 16)
		return 0;
#if QG_SIMD_SSE2
	dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
							  _mm_set1_epi8('.'))) & ((1u << n) - 1);
#else
	dots = 0; /* the portable twin of the compare */
	for (size_t i = 0; i < n; i++)
		dots |= (unsigned)(p[i] == '.') << i;
#endif
	a = qg_dec_load8(p);
	b = qg_dec_load8(p + 8);
	d = n;
	if (dots) {
		unsigned k = (unsigned)__builtin_ctz(dots);

		/* drop the byte at k: the digits close up */
		if (k < 8) {
			uint64_t low = ((uint64_t)1 << (8 * k)) - 1;
			a = (a & low) | ((a >> 8) & ~low) | (b << 56);
			b >>= 8;
		} else {
			uint64_t low = ((uint64_t)1 << (8 * (k - 8))) - 1;
			b = (b & low) | ((b >> 8) & ~low);
		}
		d = n - 1;
		frac = d - k;
		if (d == 0)
			return 0;
	}
	/* a second dot is not a digit: rejected here */
	if (!qg_dec_digits16(a, b, d, &m) || m > ((uint64_t)1 << 53))
		return 0;
	*mant = m;
	*fracd = (unsigned)frac;
	*negp = neg;
	return 1;
}

/* The inverses of 5^k modulo 2^64 (k = 0..15): a multiple of 10^k divided
 * exactly by a shift and one multiplication. */
static const uint64_t qg_dec_inv5[16] = {
	0x0000000000000001ull, 0xcccccccccccccccdull, 0x8f5c28f5c28f5c29ull, 0x1cac083126e978d5ull,
	0xd288ce703afb7e91ull, 0x5d4e8fb00bcbe61dull, 0x790fb65668c26139ull, 0xe5032477ae8d46a5ull,
	0xc767074b22e90e21ull, 0x8e47ce423a2e9c6dull, 0x4fa7f60d3ed61f49ull, 0x0fee64690c913975ull,
	0x3662e0e1cf503eb1ull, 0xa47a2cf9f6433fbdull, 0x54186f653140a659ull, 0x7738164770402145ull,
};

/* 16 bytes 0xff then 16 zeros: 16 bytes loaded from qg_dec_ones16 + 16 - k
 * keep the first k (0..16) bytes of a vector. */
static const unsigned char qg_dec_ones16[32] __attribute__((aligned(32))) = {
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

/* qg_decimal_swar() in SSE2 arithmetic: the same answer, the same (m, frac,
 * neg) on every input (tests/unit/test_decimal.c compares the two).
 * The 16 bytes after the sign are checked in one pass (digits and at most
 * one dot), the dot is closed up by blending the vector with itself shifted
 * by one byte, the bytes past the digits are zeroed, and the digits -- left
 * aligned, i.e. V = m * 10^(16 - d) -- are combined pairwise by 16- and
 * 32-bit multiply-adds into two 8-digit halves; m is V divided exactly by
 * 10^(16 - d): a shift by 16 - d bits and a multiplication by the inverse
 * of 5^(16 - d) modulo 2^64. No branch on the digit count or the dot's
 * position. */
QG_DEC_INLINE int qg_decimal_sse(const char *p, size_t n, uint64_t *mant, unsigned *fracd, unsigned *negp)
{
#if QG_SIMD_SSE2
	unsigned neg, dots, ok, all, k, nd;
	__m128i x, d, lm, q;
	uint64_t v, m;

	if (!QG_DEC_LE || n == 0)
		return 0;
	neg = qg_dec_skip_sign(&p, &n);
	if (n - 1 >= 16)
		return 0;
	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	all = (1u << n) - 1;
	dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))) & all;
	ok = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)) | dots;
	/* every byte a digit or a dot, one dot at most, not the dot alone */
	if ((ok & all) != all || (dots & (dots - 1)) || dots == all)
		return 0;
	/* drop the byte at the dot (k = 16 without one: nothing moves) */
	k = (unsigned)__builtin_ctz(dots | 0x10000u);
	lm = _mm_loadu_si128((const __m128i *)(const void *)(qg_dec_ones16 + 16 - k));
	d = _mm_or_si128(_mm_and_si128(lm, d), _mm_andnot_si128(lm, _mm_srli_si128(d, 1)));
	nd = (unsigned)n - (dots != 0);
	d = _mm_and_si128(d, _mm_loadu_si128((const __m128i *)(const void *)(qg_dec_ones16 + 16 - nd)));
	/* pairs (10 a + b in 16-bit lanes), quads, then two 8-digit halves */
	q = _mm_add_epi16(_mm_mullo_epi16(d, _mm_set1_epi16(10)), _mm_srli_epi16(d, 8));
	q = _mm_and_si128(q, _mm_set1_epi16(0xff));
	q = _mm_madd_epi16(q, _mm_set1_epi32(0x00010064));
	q = _mm_packs_epi32(q, q);
	q = _mm_madd_epi16(q, _mm_set1_epi32(0x00012710));
	v = (uint64_t)_mm_cvtsi128_si64(q);
	m = (v & 0xffffffffu) * 100000000u + (v >> 32);
	m = (m >> (16 - nd)) * qg_dec_inv5[16 - nd];
	if (m > ((uint64_t)1 << 53))
		return 0;
	*mant = m;
	*fracd = dots ? nd - k : 0;
	*negp = neg;
	return 1;
#else
	return qg_decimal_swar(p, n, mant, fracd, negp);
#endif
}

QG_DEC_INLINE double qg_decimal_value(uint64_t m, unsigned frac, unsigned neg)
{
	double x = (double)m / qg_dec_pow10_exact[frac];
	uint64_t bits;

	memcpy(&bits, &x, 8);
	bits |= (uint64_t)neg << 63;
	memcpy(&x, &bits, 8);
	return x;
}

QG_DEC_INLINE int qg_decimal_swar_number(const char *p, size_t n, double *out)
{
	uint64_t m;
	unsigned frac, neg;

	if (!qg_decimal_swar(p, n, &m, &frac, &neg))
		return 0;
	*out = qg_decimal_value(m, frac, neg);
	return 1;
}

/* Bounds [lo, hi] on qg_decimal_swar values as ranges of m, one per sign and
 * number of fraction digits: the value is monotonic in m, so
 * lo <= value <= hi exactly when m lies in [m_lo, m_hi] (found by binary
 * search over the same division). An empty range has m_lo > m_hi. */
struct qg_decimal_range {
	uint64_t lo[2][16], hi[2][16];
};

/* Fill r for the bounds [lo, hi] (inclusive doubles); not on a hot path. */
void qg_decimal_range_init(struct qg_decimal_range *r, double lo, double hi);

QG_DEC_INLINE int qg_decimal_range_has(const struct qg_decimal_range *r, uint64_t m, unsigned frac, unsigned neg)
{
	return m >= r->lo[neg][frac] && m <= r->hi[neg][frac];
}

#endif
