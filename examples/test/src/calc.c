/* calc.c -- the example project's library */
#include <errno.h>
#include <stdlib.h>

#include "calc.h"

int calc_clamp(int v, int lo, int hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

int calc_gcd(int a, int b)
{
	if (a < 0)
		a = -a;
	if (b < 0)
		b = -b;
	while (b) {
		int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int calc_parse(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}
