/* fuzz_data_types.c -- libFuzzer target for the cell parsers of types.h
 *
 * A cell is untrusted text: every parser must answer 0 or -1 without
 * reading outside [ptr, ptr + len) plus the reader's QG_TABLE_PAD bytes, and
 * without leaking. The first byte picks the parser (d duration, g geojson,
 * t topojson, l list, p/a/o geopoint, T time, D datetime, b binary, n bare
 * number, y yearmonth; for l the next two bytes are the delimiter and the
 * item type); the rest is the cell, copied to a buffer of exactly that size
 * plus the padding, the padding poisoned with 'x' bytes. Properties checked
 * besides not crashing:
 * - an accepted duration starts with P or -P and ends with a designator;
 * - a strict (default-format) time or datetime is also accepted by format any;
 * - an accepted geopoint is inside -180..180 / -90..90;
 * - an accepted binary text decodes (qg_base64_decode) to the length checked;
 * - a string list has one item more than it has delimiters.
 */
#include "qgate/common.h"

#include "qgate/base64.h"
#include "qgate/table.h"

#include "data/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum qg_field_type item_types[] = {
		QG_TYPE_STRING, QG_TYPE_INTEGER, QG_TYPE_NUMBER, QG_TYPE_BOOLEAN, QG_TYPE_DATE, QG_TYPE_DATETIME, QG_TYPE_TIME,
	};
	struct qg_strmap tv = QG_STRMAP_INIT, fv = QG_STRMAP_INIT;
	size_t skip = 1, n;
	char *s;
	double a, b;
	long long m;

	if (size < 1)
		return 0;
	if (data[0] == 'l')
		skip = 3;
	if (size < skip)
		return 0;
	n = size - skip;
	s = malloc(n + QG_TABLE_PAD);
	if (!s)
		return 0;
	memcpy(s, data + skip, n);
	memset(s + n, 'x', QG_TABLE_PAD);
	switch (data[0]) {
	case 'd':
		if (!data_value_duration(s, n, &a)) {
			size_t p = s[0] == '-';

			if (n < p + 3 || s[p] != 'P' || !strchr("YMWDHS", s[n - 1]))
				abort();
		}
		break;
	case 'g':
	case 't':
		(void)data_value_geojson(s, n, data[0] == 't');
		break;
	case 'l': {
		char delim = (char)data[1];
		enum qg_field_type t = item_types[data[2] % QG_ARRAY_SIZE(item_types)];
		size_t items = 0, delims = 0;

		if (qg_strmap_add(&tv, "true", 4) < 0 || qg_strmap_add(&fv, "false", 5) < 0)
			break;
		if (!data_value_list(s, n, delim, t, &tv, &fv, &items) && t == QG_TYPE_STRING &&
		    !(n && s[0] == '[' && delim != '[')) {
			for (size_t i = 0; i < n; i++)
				delims += s[i] == delim;
			if (items != delims + 1)
				abort();
		}
		break;
	}
	case 'p':
	case 'a':
	case 'o': {
		enum data_geopoint_format f = data[0] == 'p' ? DATA_GEOPOINT_DEFAULT :
					      data[0] == 'a' ? DATA_GEOPOINT_ARRAY : DATA_GEOPOINT_OBJECT;

		if (!data_value_geopoint(s, n, f, &a, &b) && !(a >= -180 && a <= 180 && b >= -90 && b <= 90))
			abort();
		break;
	}
	case 'T':
		if (!data_value_time_fmt(s, n, 1, &a) && data_value_time_fmt(s, n, 0, &b))
			abort();
		break;
	case 'D':
		if (!data_value_datetime(s, n, 1, &a) && (data_value_datetime(s, n, 0, &b) || a != b))
			abort();
		break;
	case 'b':
		if (!data_value_binary(s, n)) {
			size_t len = 0;
			char *text = malloc(n + 1);
			unsigned char *out;

			if (!text)
				break;
			memcpy(text, s, n);
			text[n] = 0;
			if (qg_base64_check(text, n, &len))
				abort();
			out = malloc(len + 1);
			if (out && qg_base64_decode(out, len, text))
				abort();
			free(out);
			free(text);
		}
		break;
	case 'n': {
		const char *p = s;
		size_t k = n;

		data_value_strip_bare(&p, &k, '.');
		if (p < s || p + k > s + n)
			abort();
		(void)data_value_number(p, k, '.', 0, &a);
		break;
	}
	case 'y':
		(void)data_value_yearmonth(s, n, &m);
		break;
	default:
		(void)data_value_object(s, n, NULL);
		(void)data_value_array(s, n, NULL);
	}
	qg_strmap_release(&tv);
	qg_strmap_release(&fv);
	free(s);
	return 0;
}
