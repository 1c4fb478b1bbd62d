/* type_time.c -- yearmonth and duration (ISO 8601) cells
 *
 * Both are read by hand over (ptr, len), like value.c's dates: yearmonth by
 * fixed digit positions, a duration by one pass over its elements, each
 * designator required to come after the one before it so "P1D2Y" or
 * "PT1H2H" are refused, and a fraction allowed only on the last element
 * (ISO 8601-1 4.4.3.2: "the lowest order component may have a decimal
 * fraction").
 */
#include "qgate/common.h"

#include "types.h"

static inline int is_digit(unsigned char c) { return (unsigned)c - (unsigned)'0' < 10u; }

int data_value_yearmonth(const char *s, size_t n, long long *months)
{
	int y = 0, m;

	if (n != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (!is_digit((unsigned char)s[5]) || !is_digit((unsigned char)s[6]))
		return -1;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m < 1 || m > 12)
		return -1;
	*months = (long long)y * 12 + m - 1;
	return 0;
}

/* The designators in the order they may appear: date part, then time part. */
enum { U_Y, U_MO, U_W, U_D, U_H, U_MI, U_S };

int data_value_duration(const char *s, size_t n, double *secs)
{
	static const double unit_secs[] = {
		365.2425 * 86400, 365.2425 * 86400 / 12, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0,
	};
	size_t i = 0;
	int last = -1, in_time = 0, time_elems = 0, elems = 0, frac_seen = 0, weeks = 0;
	double total = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] != 'P')
		return -1;
	i++;
	while (i < n) {
		double v = 0, scale;
		size_t st;
		int unit;

		if (s[i] == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			i++;
			continue;
		}
		if (frac_seen) /* a fraction only on the last element */
			return -1;
		for (st = i; i < n && is_digit((unsigned char)s[i]); i++)
			if (i - st < 20) /* beyond 20 digits the double no longer changes meaningfully */
				v = v * 10 + (s[i] - '0');
		if (i == st || i - st > 20)
			return -1;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			scale = 0.1;
			for (st = ++i; i < n && is_digit((unsigned char)s[i]); i++, scale /= 10)
				v += (s[i] - '0') * scale;
			if (i == st)
				return -1;
			frac_seen = 1;
		}
		if (i >= n)
			return -1; /* a number without its designator */
		switch (s[i]) {
		case 'Y': unit = in_time ? -1 : U_Y; break;
		case 'M': unit = in_time ? U_MI : U_MO; break;
		case 'W': unit = in_time ? -1 : U_W; break;
		case 'D': unit = in_time ? -1 : U_D; break;
		case 'H': unit = in_time ? U_H : -1; break;
		case 'S': unit = in_time ? U_S : -1; break;
		default: unit = -1;
		}
		if (unit < 0 || unit <= last)
			return -1;
		last = unit;
		weeks |= unit == U_W;
		elems++;
		time_elems += in_time;
		total += v * unit_secs[unit];
		i++;
	}
	/* at least one element; a 'T' needs a time element; weeks stand alone */
	if (!elems || (in_time && !time_elems) || (weeks && elems != 1))
		return -1;
	*secs = s[0] == '-' ? -total : total;
	return 0;
}
