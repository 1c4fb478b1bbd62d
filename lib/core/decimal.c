/* decimal.c -- the exact decimal parser's slow path and the bound builders
 *
 * qg_decimal_parse() (include/qgate/decimal.h) finishes the common short
 * literals inline; everything else comes here: one pass that checks the
 * syntax and gathers up to 19 significant digits and the power of ten,
 * Clinger's fast path when that is exact, else glibc's correctly rounded
 * strtod on a copy (translated to '.' and without group characters). This
 * was written four times before (the data gate's schema values and profile,
 * the model gate's predictions); the syntax is the union they agreed on and
 * each keeps its own NaN/infinity spellings.
 *
 * The builders below turn bounds into the form the word-at-a-time acceptors
 * test (once per field, not per cell).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/decimal.h"

static inline int is_digit(unsigned char c) { return (unsigned)c - (unsigned)'0' < 10u; }

/* strtod on a copy of s[0..n) with group characters dropped and the decimal
 * character made '.'; the syntax was checked by the caller. */
static int decimal_strtod(const char *s, size_t n, char decimal, char group, double *out)
{
	char stack[128];
	char *tmp = stack, *end;
	size_t j = 0;
	int ret = QG_DECIMAL_SYNTAX;
	double d;

	if (n + 1 > sizeof(stack)) {
		if (n > (1u << 20))
			return QG_DECIMAL_SYNTAX;
		tmp = malloc(n + 1);
		if (!tmp)
			return QG_DECIMAL_SYNTAX;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (group && c == group)
			continue;
		if (c == decimal)
			c = '.';
		else if (c == '.' && decimal != '.')
			goto done;
		tmp[j++] = c;
	}
	tmp[j] = 0;
	errno = 0;
	d = strtod(tmp, &end);
	if (end == tmp + j && j) {
		*out = d;
		/* overflow is +-infinity; underflow to 0 or a subnormal is a value */
		ret = isinf(d) ? QG_DECIMAL_RANGE : QG_DECIMAL_OK;
	}
done:
	if (tmp != stack)
		free(tmp);
	return ret;
}

int qg_decimal_parse_sep(const char *s, size_t n, char decimal, char group, double *out)
{
	/* an optional sign, then mantissa digits with at most one decimal
	 * character and group characters between integer digits */
	size_t i = n && (s[0] == '-' || s[0] == '+');
	int neg = n && s[0] == '-';
	uint64_t m = 0;
	int mdigits = 0, digits = 0, frac = 0, dropped = 0;
	long exp10 = 0;

	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_digit(c)) {
			if (mdigits < 19) {
				if (m || c != '0') {
					m = m * 10 + (c - '0');
					mdigits++;
				}
				if (frac)
					exp10--;
			} else {
				dropped = 1;
				if (!frac)
					exp10++;
			}
			digits++;
		} else if (c == (unsigned char)decimal && !frac) {
			frac = 1;
		} else if (group && c == (unsigned char)group && !frac && digits && i + 1 < n &&
			   is_digit((unsigned char)s[i + 1])) {
			continue;
		} else {
			break;
		}
	}
	if (!digits)
		return QG_DECIMAL_SYNTAX;
	if (i < n) {
		long e = 0;
		int eneg = 0, edigits = 0;

		if (s[i] != 'e' && s[i] != 'E')
			return QG_DECIMAL_SYNTAX;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+')) {
			eneg = s[i] == '-';
			i++;
		}
		for (; i < n; i++) {
			if (!is_digit((unsigned char)s[i]))
				return QG_DECIMAL_SYNTAX;
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
			edigits++;
		}
		if (!edigits)
			return QG_DECIMAL_SYNTAX;
		exp10 += eneg ? -e : e;
	}
	if (!dropped && m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)m;

		d = exp10 < 0 ? d / qg_dec_pow10_exact[-exp10] : d * qg_dec_pow10_exact[exp10];
		*out = neg ? -d : d;
		return QG_DECIMAL_OK;
	}
	if (m == 0 && !dropped) {
		*out = neg ? -0.0 : 0.0;
		return QG_DECIMAL_OK;
	}
	return decimal_strtod(s, n, decimal, group, out);
}

int qg_decimal_parse_slow(const char *s, size_t n, double *out)
{
	return qg_decimal_parse_sep(s, n, '.', 0, out);
}

/* ---- bounds for the word-at-a-time acceptors ---- */

/* For bounds [lo, hi] (inclusive doubles): kd[neg] is the largest count of
 * digits before the dot such that every number of qg_decimal_shape() with
 * that sign and at most that many such digits lies inside (|value| <
 * 10^digits, and 10^digits is exact), -1 when there is none. */
void qg_decimal_safe_digits(double lo, double hi, int kd[2])
{
	kd[0] = kd[1] = -1;
	for (int d = 0; d <= 15; d++) {
		double p10 = 1;

		for (int k = 0; k < d; k++)
			p10 *= 10;
		if (lo <= 0 && p10 <= hi)
			kd[0] = d;
		if (hi >= 0 && -p10 >= lo)
			kd[1] = d;
	}
}

/* The first m in [0, 2^53 + 1] where `what` turns true (it is false then
 * true as m grows): 0: value >= x, 1: value > x, 2: value <= x, 3: value < x. */
static uint64_t range_first(unsigned frac, unsigned neg, int what, double x)
{
	uint64_t l = 0, h = ((uint64_t)1 << 53) + 1;

	while (l < h) {
		uint64_t mid = l + (h - l) / 2;
		double v = qg_decimal_value(mid, frac, neg);
		int t = what == 0 ? v >= x : what == 1 ? v > x : what == 2 ? v <= x : v < x;

		if (t)
			h = mid;
		else
			l = mid + 1;
	}
	return l;
}

void qg_decimal_range_init(struct qg_decimal_range *r, double lo, double hi)
{
	for (unsigned f = 0; f < 16; f++) {
		/* positive: values rise with m, [first >= lo, first > hi) */
		uint64_t a = range_first(f, 0, 0, lo), b = range_first(f, 0, 1, hi);

		r->lo[0][f] = a;
		r->hi[0][f] = b - 1; /* hi < lo when empty */
		if (b == 0) {
			r->lo[0][f] = 1;
			r->hi[0][f] = 0;
		}
		/* negative: values fall as m grows, [first <= hi, first < lo) */
		a = range_first(f, 1, 2, hi);
		b = range_first(f, 1, 3, lo);
		r->lo[1][f] = a;
		r->hi[1][f] = b - 1; /* hi < lo when empty */
		if (b == 0) {
			r->lo[1][f] = 1;
			r->hi[1][f] = 0;
		}
	}
}
