/* type_json.c -- object, array and list cells, binary strings, bare numbers
 *
 * object and array cells are JSON texts (a CSV cell's text, a JSONL nested
 * value's raw text, or a JSONL string holding JSON) read with the core's
 * parser. A v2 list is split on its delimiter with every item checked as a
 * value of its itemType by value.c's parsers; a list cell that is a JSON
 * array (JSONL) has its elements checked instead. bareNumber: false and
 * the binary format are small text rules kept here with the other
 * non-scalar readers.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/base64.h"
#include "qgate/json.h"
#include "types.h"

static int json_of_type(const char *s, size_t n, enum qg_json_type want, size_t *size)
{
	struct qg_json *j = NULL;
	size_t i = 0;
	int ret = -1;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i == n || s[i] != (want == QG_JSON_OBJECT ? '{' : '['))
		return -1;
	if (qg_json_parse(&j, s, n, NULL))
		return -1;
	if (qg_json_type(j) == want) {
		if (size)
			*size = qg_json_size(j);
		ret = 0;
	}
	qg_json_free(j);
	return ret;
}

int data_value_object(const char *s, size_t n, size_t *size)
{
	return json_of_type(s, n, QG_JSON_OBJECT, size);
}

int data_value_array(const char *s, size_t n, size_t *size)
{
	return json_of_type(s, n, QG_JSON_ARRAY, size);
}

/* One list item's text against the item type (default formats). */
static int item_ok(const char *s, size_t n, enum qg_field_type t, const struct qg_strmap *tv,
		   const struct qg_strmap *fv)
{
	long long ik;
	double dk;

	switch (t) {
	case QG_TYPE_STRING:
		return 0;
	case QG_TYPE_INTEGER:
		return data_value_int(s, n, 0, &ik);
	case QG_TYPE_NUMBER:
		return data_value_number(s, n, '.', 0, &dk);
	case QG_TYPE_BOOLEAN:
		return qg_strmap_has(tv, s, n) || qg_strmap_has(fv, s, n) ? 0 : -1;
	case QG_TYPE_DATE:
		return data_value_date(s, n, &ik);
	case QG_TYPE_DATETIME:
		return data_value_datetime(s, n, 1, &dk);
	case QG_TYPE_TIME:
		return data_value_time(s, n, &dk);
	default:
		return -1; /* refused when the schema is loaded */
	}
}

/* The elements of a JSON array as list items: strings by their text,
 * numbers for integer (integral, in range) and number items, true/false
 * for boolean items. 0 valid, -1 not, 1 when the text is not JSON. */
static int list_json(const char *s, size_t n, enum qg_field_type t, const struct qg_strmap *tv,
		     const struct qg_strmap *fv, size_t *items)
{
	struct qg_json *j = NULL;
	const struct qg_json *x;
	int ret = 0;

	if (qg_json_parse(&j, s, n, NULL))
		return 1; /* not JSON: read as delimited text */
	if (qg_json_type(j) != QG_JSON_ARRAY) {
		qg_json_free(j);
		return -1;
	}
	for (x = qg_json_first(j); x && !ret; x = qg_json_next(x)) {
		const char *str = qg_json_string(x);
		double d = qg_json_number(x);

		switch (qg_json_type(x)) {
		case QG_JSON_STRING:
			ret = item_ok(str, strlen(str), t, tv, fv);
			break;
		case QG_JSON_NUMBER:
			if (t == QG_TYPE_INTEGER)
				ret = d == floor(d) && fabs(d) < 9.2e18 ? 0 : -1;
			else
				ret = t == QG_TYPE_NUMBER ? 0 : -1;
			break;
		case QG_JSON_BOOL:
			ret = t == QG_TYPE_BOOLEAN ? 0 : -1;
			break;
		default:
			ret = -1;
		}
	}
	if (!ret && items)
		*items = qg_json_size(j);
	qg_json_free(j);
	return ret;
}

int data_value_list(const char *s, size_t n, char delim, enum qg_field_type t, const struct qg_strmap *tv,
		    const struct qg_strmap *fv, size_t *items)
{
	size_t k = 0, st = 0;

	if (n && s[0] == '[' && delim != '[') {
		/* a JSON array (a JSONL nested value) is a list of its
		 * elements; text that only starts with '[' ("[a],[b]") is not */
		int r = list_json(s, n, t, tv, fv, items);

		if (r <= 0)
			return r;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != delim)
			continue;
		if (item_ok(s + st, i - st, t, tv, fv))
			return -1;
		k++;
		st = i + 1;
	}
	if (items)
		*items = k;
	return 0;
}

int data_value_binary(const char *s, size_t n)
{
	return qg_base64_check(s, n, NULL) ? -1 : 0;
}

static inline int is_digit(unsigned char c) { return (unsigned)c - (unsigned)'0' < 10u; }

void data_value_strip_bare(const char **sp, size_t *np, char decimal)
{
	const char *s = *sp;
	size_t n = *np, a = 0, sg = n && (s[0] == '-' || s[0] == '+');

	/* NaN, INF, -INF (any case) stay as they are */
	if (n - sg == 3 && (!strncasecmp(s + sg, "nan", 3) || !strncasecmp(s + sg, "inf", 3)))
		return;
	while (a < n && !is_digit((unsigned char)s[a]) && s[a] != '-' && s[a] != '+' && s[a] != decimal)
		a++;
	while (n > a && !is_digit((unsigned char)s[n - 1]))
		n--;
	*sp = s + a;
	*np = n - a;
}
