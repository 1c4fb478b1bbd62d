/* value.c -- typed value parsers for Table Schema cells
 *
 * Every function here takes (ptr, len) from a reader's buffer -- no NUL
 * terminator, no allocation on the common path, no locale -- and answers
 * "is this a valid value of the type, and what is its ordered key". These run
 * once per cell at gigabyte-per-second rates, so each is written for its
 * shape: integers by hand with overflow checks, numbers through the core's
 * exact parser (include/qgate/decimal.h: Clinger's fast path, strtod only for
 * long or extreme literals), dates and times by fixed digit positions.
 */
#include "qgate/common.h"

#include "qgate/decimal.h"

#include <math.h>
#include <pthread.h>

#include "schema.h"
#include "types.h"

static inline int is_digit(unsigned char c) { return (unsigned)c - (unsigned)'0' < 10u; }

int data_value_int(const char *s, size_t n, char group, long long *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;
	int digits = 0;

	if (n == 0)
		return -1;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_digit(c)) {
			if (v > (UINT64_MAX - 9) / 10 && (v > UINT64_MAX / 10 || v * 10 > UINT64_MAX - (c - '0')))
				return -1;
			v = v * 10 + (c - '0');
			digits++;
		} else if (group && c == (unsigned char)group && digits && i + 1 < n && is_digit((unsigned char)s[i + 1])) {
			continue;
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (long long)v;
	}
	return 0;
}

int data_value_number(const char *s, size_t n, char decimal, char group, double *out)
{
	size_t i = n && (s[0] == '-' || s[0] == '+');
	int r;

	if (i < n && !is_digit((unsigned char)s[i]) && s[i] != decimal) {
		/* NaN, INF, -INF, in any case (Frictionless spells them so;
		 * "nan" and "inf" are what other writers produce) */
		size_t rest = n - i;

		if (!i && rest == 3 && !strncasecmp(s, "nan", 3)) {
			*out = NAN;
			return 0;
		}
		if (rest == 3 && !strncasecmp(s + i, "inf", 3)) {
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		return -1;
	}
	/* a literal beyond the double range is not a valid one */
	r = decimal == '.' && !group ? qg_decimal_parse(s, n, out) : qg_decimal_parse_sep(s, n, decimal, group, out);
	return r == QG_DECIMAL_OK ? 0 : -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int days_in_month(long long y, unsigned m)
{
	static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static inline int d2(const char *s, unsigned *out)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return -1;
	*out = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	return 0;
}

static int ymd_check(long long y, unsigned mo, unsigned d)
{
	if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo))
		return -1;
	return 0;
}

int data_value_date(const char *s, size_t n, long long *days)
{
	unsigned y1, y2, mo, d;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (d2(s, &y1) || d2(s + 2, &y2) || d2(s + 5, &mo) || d2(s + 8, &d))
		return -1;
	long long y = y1 * 100 + y2;
	if (ymd_check(y, mo, d))
		return -1;
	*days = days_from_civil(y, mo, d);
	return 0;
}

/* HH:MM[:SS[.frac]] at s; returns bytes consumed or -1. `strict` (XSD):
 * the seconds are required and the fraction is written with '.'. */
static long parse_hms(const char *s, size_t n, int strict, double *secs)
{
	unsigned h, mi, se = 0;
	size_t i;
	double fr = 0;

	if (n < 5 || d2(s, &h) || s[2] != ':' || d2(s + 3, &mi))
		return -1;
	i = 5;
	if (i < n && s[i] == ':') {
		if (n < 8 || d2(s + 6, &se))
			return -1;
		i = 8;
		if (i < n && (s[i] == '.' || (!strict && s[i] == ','))) {
			double scale = 0.1;
			size_t st = ++i;

			while (i < n && is_digit((unsigned char)s[i])) {
				fr += (s[i] - '0') * scale;
				scale /= 10;
				i++;
			}
			if (i == st)
				return -1;
		}
	} else if (strict) {
		return -1;
	}
	/* 24:00:00 is ISO 8601's end of day; 60 seconds a leap second. */
	if (h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se || fr > 0)))
		return -1;
	*secs = h * 3600.0 + mi * 60.0 + se + fr;
	return (long)i;
}

/* An optional zone at s[*i..n): Z or +hh:mm / -hh:mm (XSD: at most 14:00);
 * not strict also +hhmm and +hh. *off: seconds to subtract for UTC. 0 or -1
 * (something follows that is not a zone). */
static int parse_zone(const char *s, size_t n, size_t *i, int strict, double *off)
{
	unsigned oh, om = 0;
	size_t k = *i;
	int sign;

	*off = 0;
	if (k == n)
		return 0;
	if (s[k] == 'Z') {
		*i = k + 1;
		return 0;
	}
	if (s[k] != '+' && s[k] != '-')
		return -1;
	sign = s[k] == '-' ? -1 : 1;
	if (n - k < 3 || d2(s + k + 1, &oh))
		return -1;
	k += 3;
	if (k < n || strict) {
		if (k < n && s[k] == ':')
			k++;
		else if (strict)
			return -1;
		if (n - k < 2 || d2(s + k, &om))
			return -1;
		k += 2;
	}
	if (oh > 23 || om > 59 || (strict && (oh > 14 || (oh == 14 && om))))
		return -1;
	*off = sign * (oh * 3600.0 + om * 60.0);
	*i = k;
	return 0;
}

int data_value_time(const char *s, size_t n, double *secs)
{
	return data_value_time_fmt(s, n, 1, secs);
}

int data_value_time_fmt(const char *s, size_t n, int strict, double *secs)
{
	long used = parse_hms(s, n, strict, secs);
	size_t i;
	double off;

	if (used < 0)
		return -1;
	i = (size_t)used;
	if (parse_zone(s, n, &i, strict, &off) || i != n)
		return -1;
	*secs -= off;
	return 0;
}

int data_value_datetime(const char *s, size_t n, int strict, double *secs)
{
	long long days;
	double t, off;
	long used;
	size_t i;

	if (n < 16 || data_value_date(s, 10, &days))
		return -1;
	if (s[10] != 'T' && (strict || s[10] != ' '))
		return -1;
	used = parse_hms(s + 11, n - 11, strict, &t);
	if (used < 0)
		return -1;
	i = 11 + (size_t)used;
	if (parse_zone(s, n, &i, strict, &off) || i != n)
		return -1;
	*secs = (double)days * 86400.0 + t - off;
	return 0;
}

int data_value_year(const char *s, size_t n, long long *out)
{
	size_t i = 0;
	int neg = 0;
	long long v = 0;

	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (n - i < 1 || n - i > 4)
		return -1;
	for (; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static int read_num(const char *s, size_t n, size_t *i, int mind, int maxd, long long *out)
{
	int k = 0;
	long long v = 0;

	while (k < maxd && *i < n && is_digit((unsigned char)s[*i])) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	if (k < mind)
		return -1;
	*out = v;
	return 0;
}

int data_value_pattern(const char *pat, enum qg_field_type type, const char *s, size_t n, double *out)
{
	long long y = 1900, mo = 1, d = 1, h = 0, mi = 0, se = 0, doy = -1, hour12 = -1, off = 0;
	int pm = -1, have_date = 0;
	double frac = 0;
	size_t i = 0;

	for (const char *p = pat; *p; p++) {
		if (*p != '%') {
			if (i >= n || s[i] != *p)
				return -1;
			i++;
			continue;
		}
		p++;
		switch (*p) {
		case 'Y':
			if (read_num(s, n, &i, 4, 4, &y))
				return -1;
			have_date = 1;
			break;
		case 'y':
			if (read_num(s, n, &i, 2, 2, &y))
				return -1;
			y += y < 69 ? 2000 : 1900;
			have_date = 1;
			break;
		case 'm':
			if (read_num(s, n, &i, 1, 2, &mo))
				return -1;
			have_date = 1;
			break;
		case 'd':
			if (read_num(s, n, &i, 1, 2, &d))
				return -1;
			have_date = 1;
			break;
		case 'j':
			if (read_num(s, n, &i, 1, 3, &doy))
				return -1;
			have_date = 1;
			break;
		case 'H':
			if (read_num(s, n, &i, 1, 2, &h))
				return -1;
			break;
		case 'I':
			if (read_num(s, n, &i, 1, 2, &hour12) || hour12 < 1 || hour12 > 12)
				return -1;
			break;
		case 'M':
			if (read_num(s, n, &i, 1, 2, &mi))
				return -1;
			break;
		case 'S':
			if (read_num(s, n, &i, 1, 2, &se))
				return -1;
			break;
		case 'f': {
			double scale = 0.1;
			size_t st = i;

			while (i < n && i - st < 9 && is_digit((unsigned char)s[i])) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
				i++;
			}
			if (i == st)
				return -1;
			break;
		}
		case 'p':
			if (n - i < 2)
				return -1;
			if ((s[i] == 'A' || s[i] == 'a') && (s[i + 1] == 'M' || s[i + 1] == 'm'))
				pm = 0;
			else if ((s[i] == 'P' || s[i] == 'p') && (s[i + 1] == 'M' || s[i + 1] == 'm'))
				pm = 1;
			else
				return -1;
			i += 2;
			break;
		case 'b':
		case 'B': {
			int found = 0;

			for (int k = 0; k < 12 && !found; k++) {
				size_t full = strlen(month_names[k]);
				size_t len = *p == 'b' ? 3 : full;

				if (n - i >= len && strncasecmp(s + i, month_names[k], len) == 0) {
					mo = k + 1;
					i += len;
					found = 1;
				}
			}
			if (!found)
				return -1;
			have_date = 1;
			break;
		}
		case 'z': {
			unsigned oh, om;
			int sign;

			if (i < n && s[i] == 'Z') {
				i++;
				break;
			}
			if (n - i < 5 || (s[i] != '+' && s[i] != '-'))
				return -1;
			sign = s[i] == '-' ? 1 : -1;
			i++;
			if (d2(s + i, &oh))
				return -1;
			i += 2;
			if (s[i] == ':')
				i++;
			if (n - i < 2 || d2(s + i, &om))
				return -1;
			i += 2;
			if (oh > 23 || om > 59)
				return -1;
			off = sign * (long long)(oh * 3600 + om * 60);
			break;
		}
		case '%':
			if (i >= n || s[i] != '%')
				return -1;
			i++;
			break;
		default:
			return -1; /* rejected when the schema is loaded */
		}
	}
	if (i != n)
		return -1;
	if (hour12 >= 0) {
		if (pm < 0)
			return -1;
		h = hour12 % 12 + (pm ? 12 : 0);
	}
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	if (doy >= 0) {
		long long leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (doy < 1 || doy > 365 + leap)
			return -1;
		*out = (double)(days_from_civil(y, 1, 1) + doy - 1);
	} else {
		if (ymd_check(y, (unsigned)mo, (unsigned)d))
			return -1;
		*out = (double)days_from_civil(y, (unsigned)mo, (unsigned)d);
	}
	(void)have_date;
	switch (type) {
	case QG_TYPE_DATE:
		return 0;
	case QG_TYPE_TIME:
		*out = h * 3600.0 + mi * 60.0 + se + frac;
		return 0;
	default:
		*out = *out * 86400.0 + h * 3600.0 + mi * 60.0 + se + frac + off;
		return 0;
	}
}

/* Character classes for e-mail addresses: 1 = allowed in the local part
 * (RFC 5322 atext and '.'), 2 = allowed in the domain (letters, digits,
 * '-', '.', and any byte >= 0x80 for internationalised names). */
static unsigned char email_class[256];
static void email_class_init(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;
		if (c > ' ' && c < 127 && !strchr("@\"(),:;<>[\\]", c))
			k |= 1;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c >= 0x80)
			k |= 2;
		email_class[c] = k;
	}
}

int data_value_email(const char *s, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *u = (const unsigned char *)s;
	size_t local, i;
	int dot = 0;

	pthread_once(&once, email_class_init);
	for (local = 0; local < n && u[local] != '@'; local++)
		if (!(email_class[u[local]] & 1))
			return -1;
	if (local == 0 || local > 64 || local + 4 > n || s[0] == '.' || s[local - 1] == '.')
		return -1;
	for (i = local + 1; i < n; i++) {
		unsigned char c = u[i];
		if (!(email_class[c] & 2))
			return -1;
		if (c == '.') {
			if (i == local + 1 || i == n - 1 || u[i - 1] == '.')
				return -1;
			dot = 1;
		}
	}
	return dot ? 0 : -1;
}

int data_value_uri(const char *s, size_t n)
{
	size_t i;

	if (n < 3 || !(((unsigned char)s[0] | 0x20) >= 'a' && ((unsigned char)s[0] | 0x20) <= 'z'))
		return -1;
	for (i = 1; i < n && s[i] != ':'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '+' || c == '-' || c == '.'))
			return -1;
	}
	if (i >= n - 1)
		return -1;
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 127 || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
		    c == '`' || c == '{' || c == '|' || c == '}')
			return -1;
	}
	return 0;
}

int data_value_uuid(const char *s, size_t n)
{
	if (n != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return -1;
		} else if (!(is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))) {
			return -1;
		}
	}
	return 0;
}

int data_field_parse(const struct qg_schema_field *f, const char *s, size_t n, long long *ikey, double *dkey)
{
	long long days;

	switch (f->type) {
	case QG_TYPE_STRING:
		switch (f->format) {
		case QG_FMT_EMAIL:
			return data_value_email(s, n);
		case QG_FMT_URI:
			return data_value_uri(s, n);
		case QG_FMT_UUID:
			return data_value_uuid(s, n);
		case QG_FMT_BINARY:
			return data_value_binary(s, n);
		default:
			return 0;
		}
	case QG_TYPE_ANY:
		return 0;
	case QG_TYPE_INTEGER:
		if (!f->bare_number)
			data_value_strip_bare(&s, &n, 0);
		return data_value_int(s, n, f->group_char, ikey);
	case QG_TYPE_YEAR:
		return data_value_year(s, n, ikey);
	case QG_TYPE_NUMBER:
		if (!f->bare_number)
			data_value_strip_bare(&s, &n, f->decimal_char ? f->decimal_char : '.');
		return data_value_number(s, n, f->decimal_char ? f->decimal_char : '.', f->group_char, dkey);
	case QG_TYPE_YEARMONTH:
		return data_value_yearmonth(s, n, ikey);
	case QG_TYPE_DURATION:
		return data_value_duration(s, n, dkey);
	case QG_TYPE_GEOPOINT: {
		double lat;

		return data_value_geopoint(s, n, f->format == QG_FMT_ARRAY ? DATA_GEOPOINT_ARRAY :
						 f->format == QG_FMT_OBJECT ? DATA_GEOPOINT_OBJECT :
						 DATA_GEOPOINT_DEFAULT, dkey, &lat);
	}
	case QG_TYPE_GEOJSON:
		return data_value_geojson(s, n, f->format == QG_FMT_TOPOJSON);
	case QG_TYPE_OBJECT:
		return data_value_object(s, n, NULL);
	case QG_TYPE_ARRAY:
		return data_value_array(s, n, NULL);
	case QG_TYPE_LIST:
		return data_value_list(s, n, f->list_delimiter ? f->list_delimiter : ',', f->item_type, &f->true_values,
				       &f->false_values, NULL);
	case QG_TYPE_BOOLEAN:
		if (qg_strmap_has(&f->true_values, s, n)) {
			*ikey = 1;
			return 0;
		}
		if (qg_strmap_has(&f->false_values, s, n)) {
			*ikey = 0;
			return 0;
		}
		return -1;
	case QG_TYPE_DATE:
		if (f->format == QG_FMT_PATTERN)
			return data_value_pattern(f->format_text, f->type, s, n, dkey);
		if (data_value_date(s, n, &days))
			return -1;
		*dkey = (double)days;
		return 0;
	case QG_TYPE_DATETIME:
		if (f->format == QG_FMT_PATTERN)
			return data_value_pattern(f->format_text, f->type, s, n, dkey);
		return data_value_datetime(s, n, f->format != QG_FMT_ANY, dkey);
	case QG_TYPE_TIME:
		if (f->format == QG_FMT_PATTERN)
			return data_value_pattern(f->format_text, f->type, s, n, dkey);
		return data_value_time_fmt(s, n, f->format != QG_FMT_ANY, dkey);
	}
	return -1;
}
