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
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define QG_FV_LE 1
#else
#define QG_FV_LE 0
#endif

#define QG_FV_INLINE static inline __attribute__((always_inline))

QG_FV_INLINE uint64_t fv_load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* the low n bytes of a word, 0 <= n <= 8 */
QG_FV_INLINE uint64_t fv_keep(uint64_t w, size_t n)
{
	return n >= 8 ? w : w & (((uint64_t)1 << (n * 8)) - 1);
}

/* 1 when all 8 bytes are '0'..'9' */
QG_FV_INLINE int fv_digits8(uint64_t w)
{
	return ((w & 0xF0F0F0F0F0F0F0F0ull) | (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
	       0x3333333333333333ull;
}

/* the value of 8 digit characters, the first in the lowest byte */
QG_FV_INLINE uint32_t fv_parse8(uint64_t w)
{
	const uint64_t mask = 0x000000FF000000FFull, mul1 = 0x000F424000000064ull, mul2 = 0x0000271000000001ull;

	w -= 0x3030303030303030ull;
	w = (w * 10) + (w >> 8);
	w = (((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32;
	return (uint32_t)w;
}

/* The first d (1..8) bytes of w as digits, left-padded with '0': 1 and *v
 * when they are all digits. */
QG_FV_INLINE int fv_digits_n(uint64_t w, size_t d, uint64_t *v)
{
	unsigned sh = (unsigned)(8 * (8 - d));
	uint64_t x = (w << sh) | (0x3030303030303030ull >> 1 >> (63 - sh));

	if (!fv_digits8(x))
		return 0;
	*v = fv_parse8(x);
	return 1;
}

/* d (1..16) digits held in two words (the first digit in the lowest byte of
 * a); 1 and *v when they are all digits. */
QG_FV_INLINE int fv_digits16(uint64_t a, uint64_t b, size_t d, uint64_t *v)
{
	uint64_t hi, lo, w;

	if (d <= 8)
		return fv_digits_n(a, d, v);
	if (d == 16) {
		w = b;
	} else {
		w = (a >> (8 * (d - 8))) | (b << (8 * (16 - d)));
	}
	/* the first d-8 digits are the low bytes of a */
	if (!fv_digits_n(a, d - 8, &hi) || !fv_digits8(w))
		return 0;
	lo = fv_parse8(w);
	*v = hi * 100000000u + lo;
	return 1;
}

/* Integer: optional sign and 1..16 digits (the full path takes longer
 * ones). The same value as qg_value_int(). */
QG_FV_INLINE int fv_int(const char *p, size_t n, long long *out)
{
	int neg = 0;
	uint64_t v;

	if (!QG_FV_LE || n == 0)
		return 0;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
		n--;
	}
	if (n - 1 >= 16 || !fv_digits16(fv_load8(p), fv_load8(p + 8), n, &v))
		return 0;
	*out = neg ? -(long long)v : (long long)v;
	return 1;
}

static const double fv_pow10[16] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

/* Number with '.' as the decimal point and no group character: optional
 * sign, then at most 16 bytes of digits with at most one '.', at least one
 * digit, no exponent. The value is Clinger's exact fast path, exactly as
 * qg_value_number() computes it: (double)m / 10^fraction_digits with
 * m <= 2^53. */
QG_FV_INLINE int fv_number(const char *p, size_t n, double *out)
{
#if defined(__SSE2__)
	int neg = 0;
	unsigned dots;
	uint64_t a, b, m;
	size_t d, frac = 0;
	double x;

	if (!QG_FV_LE || n == 0)
		return 0;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
		n--;
	}
	if (n - 1 >= 16)
		return 0;
	dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
							  _mm_set1_epi8('.'))) & ((1u << n) - 1);
	a = fv_load8(p);
	b = fv_load8(p + 8);
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
	if (!fv_digits16(a, b, d, &m) || m > ((uint64_t)1 << 53))
		return 0;
	x = (double)m / fv_pow10[frac];
	*out = neg ? -x : x;
	return 1;
#else
	(void)p;
	(void)n;
	(void)out;
	return 0;
#endif
}

/* Days since 1970-01-01 (Howard Hinnant's days_from_civil, as value.c). */
QG_FV_INLINE long long fv_days(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* ISO date YYYY-MM-DD: the same days as qg_value_date(). */
QG_FV_INLINE int fv_date(const char *p, size_t n, long long *days)
{
	static const unsigned char dm[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t w, y;
	unsigned mo, d, dmax;

	if (!QG_FV_LE || n != 10)
		return 0;
	w = fv_load8(p);
	/* YYYY-MM- with the dashes turned into '0' */
	if (((w >> 32) & 0xFF) != '-' || ((w >> 56) & 0xFF) != '-')
		return 0;
	w = (w & ~(0xFFull << 32 | 0xFFull << 56)) | ((uint64_t)'0' << 32 | (uint64_t)'0' << 56);
	if (!fv_digits8(w) || (unsigned)(p[8] - '0') > 9u || (unsigned)(p[9] - '0') > 9u)
		return 0;
	w -= 0x3030303030303030ull;
	y = (w & 0xFF) * 1000 + ((w >> 8) & 0xFF) * 100 + ((w >> 16) & 0xFF) * 10 + ((w >> 24) & 0xFF);
	mo = (unsigned)(((w >> 40) & 0xFF) * 10 + ((w >> 48) & 0xFF));
	d = (unsigned)(p[8] - '0') * 10 + (unsigned)(p[9] - '0');
	if (mo - 1 >= 12u || d == 0)
		return 0;
	dmax = dm[mo] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > dmax)
		return 0;
	*days = fv_days((long long)y, mo, d);
	return 1;
}

#if defined(__SSE2__)
/* bytes of x in [lo, hi] (ASCII: signed compares are fine) */
QG_FV_INLINE __m128i fv_range(__m128i x, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), x));
}
#endif

/* E-mail, the common shape only (see above); 1 when qg_value_email() would
 * accept it too: one '@' after 1..64 bytes of letters, digits and . _ - +
 * not starting or ending with '.', then a domain of letters, digits, '-'
 * and '.' with at least one dot, none first, last or doubled, and at least
 * 3 bytes. */
QG_FV_INLINE int fv_email(const char *p, size_t n)
{
#if defined(__SSE2__)
	uint64_t at = 0, dot = 0, dom = 0, loc = 0, all, lo_m, dm;
	size_t k, a;

	if (n < 5 || n > 64)
		return 0;
	for (k = 0; k < n; k += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
		__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
		__m128i isdot = _mm_cmpeq_epi8(x, _mm_set1_epi8('.'));
		__m128i d = _mm_or_si128(_mm_or_si128(fv_range(l, 'a', 'z'), fv_range(x, '0', '9')),
					 _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')), isdot));
		__m128i e = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')), _mm_cmpeq_epi8(x, _mm_set1_epi8('+')));

		at |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('@'))) << k;
		dot |= (uint64_t)(unsigned)_mm_movemask_epi8(isdot) << k;
		dom |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << k;
		loc |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << k;
	}
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
#else
	(void)p;
	(void)n;
	return 0;
#endif
}

/* A small set of short strings (enum values, booleans): each <= 16 bytes,
 * compared as two masked words with no branches. */
#define FV_WORDSET_MAX 16
struct fv_wordset {
	size_t nr;
	uint64_t w[FV_WORDSET_MAX][2];
	size_t len[FV_WORDSET_MAX];
};

/* 0, or -1 when a value does not fit (the caller keeps the hashed set). */
static inline int fv_wordset_add(struct fv_wordset *s, const char *v, size_t n)
{
	char tmp[16] = { 0 };

	if (n > 16 || s->nr >= FV_WORDSET_MAX)
		return -1;
	memcpy(tmp, v, n);
	memcpy(&s->w[s->nr][0], tmp, 8);
	memcpy(&s->w[s->nr][1], tmp + 8, 8);
	s->len[s->nr++] = n;
	return 0;
}

QG_FV_INLINE int fv_wordset_has(const struct fv_wordset *s, const char *p, size_t n)
{
	uint64_t a, b;
	int hit = 0;

	if (n > 16)
		return 0;
	a = fv_keep(fv_load8(p), n);
	b = n > 8 ? fv_keep(fv_load8(p + 8), n - 8) : 0;
	for (size_t i = 0; i < s->nr; i++)
		hit |= (s->len[i] == n) & (s->w[i][0] == a) & (s->w[i][1] == b);
	return hit;
}

/* A pattern that is a fixed-length sequence of ASCII characters and
 * bracket classes: bit i of allow[c] is set when character c may stand at
 * position i (len <= 64). */
struct fv_charseq {
	size_t len;
	uint64_t allow[128];
};

QG_FV_INLINE int fv_charseq_match(const struct fv_charseq *s, const char *p, size_t n)
{
	uint64_t bad = 0;

	if (n != s->len)
		return 0;
	for (size_t i = 0; i < n; i++)
		bad |= ~s->allow[(unsigned char)p[i] & 127] & ((uint64_t)1 << i);
	return !bad;
}

#endif
