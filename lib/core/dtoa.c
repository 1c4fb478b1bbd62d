/* dtoa.c -- the shortest "%.*g" spelling of a double that reads back
 *
 * Trying every precision from 1 would cost up to 17 snprintf/strtod pairs a
 * number, and a profile's JSON holds thousands. For a normal double, when
 * "%.15g" reads back its significant digits (k of them, trailing zeros
 * dropped) are already the shortest: two different decimals of at most 15
 * digits are further apart than a double's ulp, so no shorter one reads
 * back too, and "%.{k}g" prints the same digits (printed again only where
 * %g's notation depends on the precision: plain digits with trailing zeros
 * become "1e+05"). Otherwise 16, then 17 digits (17 always reads back).
 * Subnormals have fewer bits than that argument needs and take the long way.
 * Before this, json.c, result.c and config.c each tried 15..17 and the data
 * and model gates each tried 1..17.
 */
#include "qgate/common.h"

#include <float.h>
#include <math.h>

#include "qgate/dtoa.h"

static int reads_back(const char *s, double v)
{
	return strtod(s, NULL) == v;
}

/* significant digits in a %g text, trailing zeros of the mantissa dropped */
static int sig_digits(const char *s)
{
	int n = 0, zeros = 0, seen = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s == '0' && !seen)
			continue; /* leading zeros: "0.00012" */
		seen = 1;
		if (*s == '0') {
			zeros++;
		} else {
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n ? n : 1;
}

size_t qg_dtoa(char *buf, double v, unsigned flags)
{
	int n;

	if (!isfinite(v))
		return (size_t)snprintf(buf, QG_DTOA_MAX, "%g", v);
	if ((flags & QG_DTOA_PLAIN_INT) && v == trunc(v) && fabs(v) < 9007199254740992.0)
		return (size_t)snprintf(buf, QG_DTOA_MAX, "%.0f", v == 0 ? 0.0 : v);
	if (v != 0 && fabs(v) < DBL_MIN) {
		for (int prec = 1; prec <= 17; prec++) {
			n = snprintf(buf, QG_DTOA_MAX, "%.*g", prec, v);
			if (reads_back(buf, v))
				break;
		}
		return (size_t)n;
	}
	n = snprintf(buf, QG_DTOA_MAX, "%.15g", v);
	if (reads_back(buf, v)) {
		int k = sig_digits(buf);

		if (k < 15 && !strpbrk(buf, ".e"))
			n = snprintf(buf, QG_DTOA_MAX, "%.*g", k, v);
		return (size_t)n;
	}
	n = snprintf(buf, QG_DTOA_MAX, "%.16g", v);
	if (!reads_back(buf, v))
		n = snprintf(buf, QG_DTOA_MAX, "%.17g", v);
	return (size_t)n;
}
