/* schema.c -- load a Frictionless Table Schema into compiled checks
 *
 * The loader walks the JSON once, keeping a JSON pointer to the node it is
 * looking at, so every complaint names exactly where the schema is wrong
 * ("/fields/3/constraints/minimum: expected a number, found \"ten\"").
 * Unknown constraint names are errors (a typo such as "maximun" would
 * otherwise silently disable a check); unknown descriptive properties
 * (title, description, rdfType, ...) are ignored as Frictionless says.
 * Patterns are compiled with PCRE2 as anchored full matches in UTF mode and
 * JIT-compiled; enum values go into the core's string map.
 *
 * Size: a little over 800 lines because the loader is one walk over the
 * descriptor; the whole Table Schema (issue 12: v2 types, dialect, Data
 * Packages) splits it into types, constraints and dialect files.
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>

#include "qgate/dtoa.h"
#include "qgate/json.h"
#include "schema.h"

/* ------------------------------------------------------------- string sets */

/* Enum, true/false and missing values are the core's string map
 * (include/qgate/strmap.h); adding one twice keeps one. */
static int strset_add(struct qg_strmap *set, const char *s, size_t n)
{
	long r = qg_strmap_add(set, s, n);

	return r < 0 ? (int)r : 0;
}

/* ------------------------------------------------------------ error helper */

struct loader {
	const char *name;
	struct qg_buf ptr; /* current JSON pointer, for messages */
	int ptr_err;       /* sticky: the pointer could not be built (checked at the end) */
};

static void ptr_push(struct loader *L, size_t *mark, const char *key)
{
	int err;

	*mark = L->ptr.len;
	err = qg_buf_addch(&L->ptr, '/');
	for (const char *p = key; !err && *p; p++) {
		if (*p == '~')
			err = qg_buf_addstr(&L->ptr, "~0");
		else if (*p == '/')
			err = qg_buf_addstr(&L->ptr, "~1");
		else
			err = qg_buf_addch(&L->ptr, *p);
	}
	if (err && !L->ptr_err)
		L->ptr_err = err;
}

static void ptr_push_index(struct loader *L, size_t *mark, size_t i)
{
	int err;

	*mark = L->ptr.len;
	if ((err = qg_buf_addf(&L->ptr, "/%zu", i)) < 0 && !L->ptr_err)
		L->ptr_err = err;
}

static void ptr_pop(struct loader *L, size_t mark)
{
	qg_buf_setlen(&L->ptr, mark);
}

static int bad(struct loader *L, const struct qg_json *found, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct loader *L, const struct qg_json *found, const char *fmt, ...)
{
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE), val = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!err && found) {
		err = qg_json_print(&val, found, 0);
		if (!err && val.len > 80) {
			qg_buf_setlen(&val, 77);
			err = qg_buf_addstr(&val, "...");
		}
		if (!err)
			err = qg_buf_addf(&msg, ", found %s", val.buf);
	}
	if (err)
		qg_error(err, "'%s': out of memory describing a schema error", L->name);
	else
		qg_error(QG_EUSAGE, "'%s': %s: %s", L->name, L->ptr_err ? "(location lost)" : L->ptr.len ? L->ptr.buf : "/",
			 msg.buf);
	qg_buf_release(&msg);
	qg_buf_release(&val);
	return err ? err : QG_EUSAGE;
}

/* ------------------------------------------------------------------ types */

static const char *const type_names[] = {
	"string", "integer", "number", "boolean", "date", "datetime", "time", "year", "any",
};

const char *data_field_type_name(enum qg_field_type t)
{
	return (size_t)t < QG_ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

/* Validate a strptime-like pattern: only directives we implement. */
static int pattern_ok(const char *p)
{
	for (; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (!*p || !strchr("YymdjHIMSfpbBz%", *p))
			return 0;
	}
	return 1;
}

static int parse_string_list(struct loader *L, struct qg_strmap *set, const struct qg_json *arr)
{
	size_t i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(arr) != QG_JSON_ARRAY)
		return bad(L, arr, "expected an array of strings");
	for (it = qg_json_first(arr); it; it = qg_json_next(it), i++) {
		const char *s = qg_json_string(it);
		int ret;

		if (!s) {
			ptr_push_index(L, &mark, i);
			ret = bad(L, it, "expected a string");
			ptr_pop(L, mark);
			return ret;
		}
		ret = strset_add(set, s, strlen(s));
		if (ret)
			return ret;
	}
	return 0;
}

/* A bound (minimum/maximum/exclusive*) in the field's type. */
static int parse_bound(struct loader *L, struct qg_schema_field *f, const struct qg_json *v,
		       long long *ikey, double *dkey, char **text)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = qg_json_string(v);
	int ret = 0;

	switch (f->type) {
	case QG_TYPE_INTEGER:
	case QG_TYPE_YEAR:
		if (qg_json_type(v) == QG_JSON_NUMBER) {
			double d = qg_json_number(v);
			if (d != floor(d) || fabs(d) > 9.2e18)
				return bad(L, v, "expected an integer");
			*ikey = (long long)d;
		} else if (!s || data_field_parse(f, s, strlen(s), ikey, dkey)) {
			return bad(L, v, "expected %s", f->type == QG_TYPE_YEAR ? "a year" : "an integer");
		}
		ret = qg_buf_addf(&b, "%lld", *ikey);
		break;
	case QG_TYPE_NUMBER:
		if (qg_json_type(v) == QG_JSON_NUMBER)
			*dkey = qg_json_number(v);
		else if (!s || data_value_number(s, strlen(s), '.', 0, dkey) || isnan(*dkey))
			return bad(L, v, "expected a number");
		{
			/* the shortest spelling that reads back */
			char tmp[QG_DTOA_MAX];

			ret = qg_buf_add(&b, tmp, qg_dtoa(tmp, *dkey, 0));
		}
		break;
	case QG_TYPE_DATE:
	case QG_TYPE_DATETIME:
	case QG_TYPE_TIME: {
		long long days;
		int okv = 0;

		if (s) {
			size_t n = strlen(s);
			if (!data_field_parse(f, s, n, ikey, dkey))
				okv = 1;
			else if (f->type == QG_TYPE_DATE && !data_value_date(s, n, &days)) {
				*dkey = (double)days;
				okv = 1;
			} else if (f->type == QG_TYPE_DATETIME && !data_value_datetime(s, n, 0, dkey))
				okv = 1;
			else if (f->type == QG_TYPE_TIME && !data_value_time(s, n, dkey))
				okv = 1;
		}
		if (!okv)
			return bad(L, v, "expected a %s", data_field_type_name(f->type));
		ret = qg_buf_addstr(&b, s);
		break;
	}
	default:
		return bad(L, v, "minimum and maximum apply to integer, number, date, datetime, time and year fields, not %s",
			   data_field_type_name(f->type));
	}
	if (ret) {
		qg_buf_release(&b);
		return ret;
	}
	free(*text); /* a key given twice: the last one wins */
	*text = qg_buf_detach(&b, NULL);
	if (!*text)
		ret = qg_error(QG_ENOMEM, "out of memory");
	return ret;
}

static int parse_length(struct loader *L, const struct qg_json *v, long long *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || d != floor(d) || d < 0 || d > 9e15)
		return bad(L, v, "expected a non-negative integer");
	*out = (long long)d;
	return 0;
}

static int compile_pattern(struct loader *L, struct qg_schema_field *f, const struct qg_json *v)
{
	const char *s = qg_json_string(v);
	int errcode;
	PCRE2_SIZE erroff;

	if (!s)
		return bad(L, v, "expected a string (a regular expression)");
	free(f->pattern);
	if (f->re)
		pcre2_code_free((pcre2_code *)f->re);
	f->re = NULL;
	f->pattern = qg_strdup(s);
	if (!f->pattern)
		return qg_error(QG_ENOMEM, "out of memory");
	f->re = (struct pcre2_real_code_8 *)pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
							  PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
							  &errcode, &erroff, NULL);
	if (!f->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return bad(L, NULL, "invalid regular expression at offset %zu: %s", (size_t)erroff, (char *)msg);
	}
	/* JIT is an optimisation: without it (unsupported CPU, SELinux
	 * execmem) the interpreter gives the same answers. */
	f->re_jit = pcre2_jit_compile((pcre2_code *)f->re, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

static int parse_enum(struct loader *L, struct qg_schema_field *f, const struct qg_json *arr)
{
	size_t i = 0, mark;
	const struct qg_json *it;
	int ret = 0;

	if (qg_json_type(arr) != QG_JSON_ARRAY || qg_json_size(arr) == 0)
		return bad(L, arr, "expected a non-empty array");
	free(f->enum_num);
	f->enum_num = NULL;
	f->nr_enum_num = 0;
	qg_strmap_release(&f->enum_values);
	if (f->type == QG_TYPE_INTEGER || f->type == QG_TYPE_NUMBER || f->type == QG_TYPE_YEAR) {
		f->enum_num = calloc(qg_json_size(arr), sizeof(double));
		if (!f->enum_num)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	for (it = qg_json_first(arr); it; it = qg_json_next(it), i++) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
		const char *s = qg_json_string(it);
		long long ik = 0;
		double dk = 0;

		ptr_push_index(L, &mark, i);
		if (s) {
			if ((ret = qg_buf_addstr(&b, s)) < 0)
				goto next;
		} else if (qg_json_type(it) == QG_JSON_NUMBER || qg_json_type(it) == QG_JSON_BOOL) {
			if ((ret = qg_json_print(&b, it, 0)) < 0)
				goto next;
		} else {
			ret = bad(L, it, "expected a string or a number");
			goto next;
		}
		if (f->type != QG_TYPE_STRING && f->type != QG_TYPE_ANY &&
		    data_field_parse(f, b.buf, b.len, &ik, &dk)) {
			ret = bad(L, it, "enum value is not a valid %s", data_field_type_name(f->type));
			goto next;
		}
		if (f->enum_num)
			f->enum_num[f->nr_enum_num++] = f->type == QG_TYPE_NUMBER ? dk : (double)ik;
		ret = strset_add(&f->enum_values, b.buf, b.len);
	next:
		qg_buf_release(&b);
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *const constraint_names[] = {
	"required", "unique", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "pattern", "enum",
};

static int parse_constraints(struct loader *L, struct qg_schema_field *f, const struct qg_json *c)
{
	const struct qg_json *m;

	if (qg_json_type(c) != QG_JSON_OBJECT)
		return bad(L, c, "expected an object");
	for (m = qg_json_first(c); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark, k;
		int ret = 0;

		for (k = 0; k < QG_ARRAY_SIZE(constraint_names); k++)
			if (!strcmp(key, constraint_names[k]))
				break;
		ptr_push(L, &mark, key);
		switch (k) {
		case 0:
		case 1:
			if (qg_json_bool(m) < 0)
				ret = bad(L, m, "expected true or false");
			else if (qg_json_bool(m))
				f->constraints |= k == 0 ? QG_C_REQUIRED : QG_C_UNIQUE;
			break;
		case 2:
			ret = parse_bound(L, f, m, &f->imin, &f->dmin, &f->min_text);
			f->constraints |= QG_C_MINIMUM;
			break;
		case 3:
			ret = parse_bound(L, f, m, &f->imax, &f->dmax, &f->max_text);
			f->constraints |= QG_C_MAXIMUM;
			break;
		case 4:
			ret = parse_bound(L, f, m, &f->iexmin, &f->dexmin, &f->exmin_text);
			f->constraints |= QG_C_EXMINIMUM;
			break;
		case 5:
			ret = parse_bound(L, f, m, &f->iexmax, &f->dexmax, &f->exmax_text);
			f->constraints |= QG_C_EXMAXIMUM;
			break;
		case 6:
		case 7:
			if (f->type != QG_TYPE_STRING && f->type != QG_TYPE_ANY) {
				ret = bad(L, NULL, "%s applies to string fields, not %s", key,
					  data_field_type_name(f->type));
				break;
			}
			ret = parse_length(L, m, k == 6 ? &f->min_length : &f->max_length);
			f->constraints |= k == 6 ? QG_C_MINLENGTH : QG_C_MAXLENGTH;
			break;
		case 8:
			ret = compile_pattern(L, f, m);
			f->constraints |= QG_C_PATTERN;
			break;
		case 9:
			ret = parse_enum(L, f, m);
			f->constraints |= QG_C_ENUM;
			break;
		default:
			ret = bad(L, NULL, "unknown constraint (expected one of required, unique, minimum, maximum, "
					  "exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, enum)");
		}
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_char(struct loader *L, const struct qg_json *v, char *out)
{
	const char *s = qg_json_string(v);

	if (!s || strlen(s) != 1 || (unsigned char)s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r' || s[0] == '"')
		return bad(L, v, "expected a single ASCII character");
	*out = s[0];
	return 0;
}

static int parse_fraction(struct loader *L, const struct qg_json *v, double *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || !(d >= 0 && d <= 1))
		return bad(L, v, "expected a number between 0 and 1");
	*out = d;
	return 0;
}

static int parse_field(struct loader *L, struct qg_schema *S, struct qg_schema_field *f, const struct qg_json *fj)
{
	const struct qg_json *v;
	size_t mark;
	int ret = 0;
	const char *s;

	f->max_null_fraction = -1;
	if (qg_json_type(fj) != QG_JSON_OBJECT)
		return bad(L, fj, "expected a field object");
	v = qg_json_get(fj, "name");
	ptr_push(L, &mark, "name");
	s = qg_json_string(v);
	if (!v)
		ret = bad(L, NULL, "missing: every field needs a name");
	else if (!s || !*s)
		ret = bad(L, v, "expected a non-empty string");
	ptr_pop(L, mark);
	if (ret)
		return ret;
	f->name = qg_strdup(s);
	if (!f->name)
		return qg_error(QG_ENOMEM, "out of memory");
	f->name_len = strlen(s);
	for (size_t i = 0; i < (size_t)(f - S->fields); i++) {
		if (!strcmp(S->fields[i].name, s)) {
			ptr_push(L, &mark, "name");
			ret = bad(L, v, "duplicate field name (also field %zu)", i);
			ptr_pop(L, mark);
			return ret;
		}
	}

	v = qg_json_get(fj, "type");
	if (v) {
		size_t k;
		s = qg_json_string(v);
		for (k = 0; s && k < QG_ARRAY_SIZE(type_names); k++)
			if (!strcmp(s, type_names[k]))
				break;
		ptr_push(L, &mark, "type");
		if (!s || k == QG_ARRAY_SIZE(type_names))
			ret = bad(L, v, "expected one of string, integer, number, boolean, date, datetime, time, year, any");
		ptr_pop(L, mark);
		if (ret)
			return ret;
		f->type = (enum qg_field_type)k;
	}

	v = qg_json_get(fj, "format");
	if (v) {
		s = qg_json_string(v);
		ptr_push(L, &mark, "format");
		if (!s) {
			ret = bad(L, v, "expected a string");
		} else if (!strcmp(s, "default")) {
			f->format = QG_FMT_DEFAULT;
		} else if (!strcmp(s, "any")) {
			f->format = QG_FMT_ANY;
		} else if (f->type == QG_TYPE_STRING) {
			if (!strcmp(s, "email"))
				f->format = QG_FMT_EMAIL;
			else if (!strcmp(s, "uri"))
				f->format = QG_FMT_URI;
			else if (!strcmp(s, "uuid"))
				f->format = QG_FMT_UUID;
			else if (strcmp(s, "binary"))
				ret = bad(L, v, "expected default, email, uri, uuid or binary for a string field");
		} else if (f->type == QG_TYPE_DATE || f->type == QG_TYPE_DATETIME || f->type == QG_TYPE_TIME) {
			const char *p = s;
			if (!strncmp(p, "fmt:", 4)) /* Frictionless v0 spelling */
				p += 4;
			if (!strchr(p, '%') || !pattern_ok(p))
				ret = bad(L, v, "expected default, any, or a pattern using %%Y %%y %%m %%d %%j %%H %%I %%M %%S %%f %%p %%b %%B %%z %%%%");
			else {
				f->format = QG_FMT_PATTERN;
				s = p;
			}
		} else {
			ret = bad(L, v, "a %s field takes no format other than default", data_field_type_name(f->type));
		}
		ptr_pop(L, mark);
		if (ret)
			return ret;
		f->format_text = qg_strdup(s);
		if (!f->format_text)
			return qg_error(QG_ENOMEM, "out of memory");
	}

	f->decimal_char = '.';
	if ((v = qg_json_get(fj, "decimalChar"))) {
		ptr_push(L, &mark, "decimalChar");
		ret = parse_char(L, v, &f->decimal_char);
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((v = qg_json_get(fj, "groupChar"))) {
		ptr_push(L, &mark, "groupChar");
		ret = parse_char(L, v, &f->group_char);
		if (!ret && f->group_char == f->decimal_char)
			ret = bad(L, v, "groupChar must differ from decimalChar");
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	v = qg_json_get(fj, "trueValues");
	ptr_push(L, &mark, "trueValues");
	if (v)
		ret = parse_string_list(L, &f->true_values, v);
	else
		ret = strset_add(&f->true_values, "true", 4) || strset_add(&f->true_values, "True", 4) ||
		      strset_add(&f->true_values, "TRUE", 4) || strset_add(&f->true_values, "1", 1);
	ptr_pop(L, mark);
	if (ret)
		return ret < 0 ? ret : QG_ENOMEM;
	v = qg_json_get(fj, "falseValues");
	ptr_push(L, &mark, "falseValues");
	if (v)
		ret = parse_string_list(L, &f->false_values, v);
	else
		ret = strset_add(&f->false_values, "false", 5) || strset_add(&f->false_values, "False", 5) ||
		      strset_add(&f->false_values, "FALSE", 5) || strset_add(&f->false_values, "0", 1);
	ptr_pop(L, mark);
	if (ret)
		return ret < 0 ? ret : QG_ENOMEM;
	if ((v = qg_json_get(fj, "missingValues"))) {
		ptr_push(L, &mark, "missingValues");
		ret = parse_string_list(L, &f->missing_values, v);
		ptr_pop(L, mark);
		if (ret)
			return ret;
		f->has_missing = 1;
	}
	if ((v = qg_json_get(fj, "constraints"))) {
		ptr_push(L, &mark, "constraints");
		ret = parse_constraints(L, f, v);
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	/* the folded range (see schema.h) */
	f->ilo = INT64_MIN;
	f->ihi = INT64_MAX;
	f->dlo = -INFINITY;
	f->dhi = INFINITY;
	if (f->constraints & QG_C_MINIMUM) {
		f->ilo = f->imin;
		f->dlo = f->dmin;
	}
	if (f->constraints & QG_C_MAXIMUM) {
		f->ihi = f->imax;
		f->dhi = f->dmax;
	}
	if (f->constraints & QG_C_EXMINIMUM) {
		/* iexmin == INT64_MAX admits nothing: an empty range */
		long long lo = f->iexmin == INT64_MAX ? INT64_MAX : f->iexmin + 1;
		if (f->iexmin == INT64_MAX)
			f->ihi = INT64_MIN;
		if (lo > f->ilo)
			f->ilo = lo;
		if (nextafter(f->dexmin, INFINITY) > f->dlo)
			f->dlo = nextafter(f->dexmin, INFINITY);
	}
	if (f->constraints & QG_C_EXMAXIMUM) {
		long long hi = f->iexmax == INT64_MIN ? INT64_MIN : f->iexmax - 1;
		if (f->iexmax == INT64_MIN)
			f->ilo = INT64_MAX;
		if (hi < f->ihi)
			f->ihi = hi;
		if (nextafter(f->dexmax, -INFINITY) < f->dhi)
			f->dhi = nextafter(f->dexmax, -INFINITY);
	}
	if ((v = qg_json_get(fj, "qgate"))) {
		const struct qg_json *x;
		size_t m2;

		ptr_push(L, &mark, "qgate");
		if (qg_json_type(v) != QG_JSON_OBJECT)
			ret = bad(L, v, "expected an object");
		else if ((x = qg_json_get(v, "maxNullFraction"))) {
			ptr_push(L, &m2, "maxNullFraction");
			ret = parse_fraction(L, x, &f->max_null_fraction);
			ptr_pop(L, m2);
		}
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_rows_bound(struct loader *L, const struct qg_json *v, long long *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || d != floor(d) || d < 0 || d > 9e18)
		return bad(L, v, "expected a non-negative integer");
	*out = (long long)d;
	return 0;
}

static int parse_qgate(struct loader *L, struct qg_schema *S, const struct qg_json *q)
{
	const struct qg_json *m;

	if (qg_json_type(q) != QG_JSON_OBJECT)
		return bad(L, q, "expected an object");
	for (m = qg_json_first(q); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark;
		int ret = 0;

		ptr_push(L, &mark, key);
		if (!strcmp(key, "minRows")) {
			ret = parse_rows_bound(L, m, &S->min_rows);
		} else if (!strcmp(key, "maxRows")) {
			ret = parse_rows_bound(L, m, &S->max_rows);
		} else if (!strcmp(key, "header")) {
			const char *s = qg_json_string(m);
			if (s && !strcmp(s, "exact"))
				S->header_mode = QG_HEADER_EXACT;
			else if (s && !strcmp(s, "subset"))
				S->header_mode = QG_HEADER_SUBSET;
			else if (s && !strcmp(s, "superset"))
				S->header_mode = QG_HEADER_SUPERSET;
			else
				ret = bad(L, m, "expected \"exact\", \"subset\" or \"superset\"");
		} else if (!strcmp(key, "maxNullFraction")) {
			const struct qg_json *fm;

			if (qg_json_type(m) != QG_JSON_OBJECT)
				ret = bad(L, m, "expected an object mapping field names to fractions");
			for (fm = qg_json_first(m); !ret && fm; fm = qg_json_next(fm)) {
				const char *fname = qg_json_key(fm);
				long idx = data_schema_field_index(S, fname, strlen(fname));
				size_t m2;

				ptr_push(L, &m2, fname);
				if (idx < 0)
					ret = bad(L, NULL, "no field named '%s' in /fields", fname);
				else
					ret = parse_fraction(L, fm, &S->fields[idx].max_null_fraction);
				ptr_pop(L, m2);
			}
		} else if (!strcmp(key, "delimiter")) {
			ret = parse_char(L, m, &S->delimiter);
		} else {
			ret = bad(L, NULL, "unknown qgate option (expected minRows, maxRows, maxNullFraction, header, delimiter)");
		}
		ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if (S->min_rows >= 0 && S->max_rows >= 0 && S->min_rows > S->max_rows)
		return bad(L, NULL, "minRows %lld is above maxRows %lld", S->min_rows, S->max_rows);
	return 0;
}

static int parse_primary_key(struct loader *L, struct qg_schema *S, const struct qg_json *pk)
{
	size_t n = qg_json_type(pk) == QG_JSON_ARRAY ? qg_json_size(pk) : 1, i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(pk) != QG_JSON_ARRAY && qg_json_type(pk) != QG_JSON_STRING)
		return bad(L, pk, "expected a field name or an array of field names");
	if (n == 0)
		return bad(L, pk, "expected at least one field name");
	S->primary_key = calloc(n, sizeof(size_t));
	if (!S->primary_key)
		return qg_error(QG_ENOMEM, "out of memory");
	it = qg_json_type(pk) == QG_JSON_ARRAY ? qg_json_first(pk) : pk;
	for (; it && i < n; i++, it = qg_json_next(it)) {
		const char *s = qg_json_string(it);
		long idx = s ? data_schema_field_index(S, s, strlen(s)) : -1;
		int ret = 0;

		if (qg_json_type(pk) == QG_JSON_ARRAY)
			ptr_push_index(L, &mark, i);
		else
			mark = L->ptr.len;
		if (!s)
			ret = bad(L, it, "expected a field name");
		else if (idx < 0)
			ret = bad(L, it, "no such field in /fields");
		for (size_t k = 0; !ret && k < S->nr_primary_key; k++)
			if (S->primary_key[k] == (size_t)idx)
				ret = bad(L, it, "field listed twice");
		ptr_pop(L, mark);
		if (ret)
			return ret;
		S->primary_key[S->nr_primary_key++] = (size_t)idx;
		S->fields[idx].primary_key = 1;
		if (qg_json_type(pk) != QG_JSON_ARRAY)
			break;
	}
	return 0;
}

long data_schema_field_index(const struct qg_schema *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nr_fields; i++)
		if (s->fields[i].name && s->fields[i].name_len == len && !memcmp(s->fields[i].name, name, len))
			return (long)i;
	return -1;
}

int data_schema_parse(struct qg_schema *S, const char *text, size_t len, const char *name)
{
	struct loader L = { name, QG_BUF_INIT(QG_CAP_MESSAGE), 0 };
	struct qg_json *root = NULL;
	const struct qg_json *fields, *v, *it;
	size_t mark, i;
	int ret;

	memset(S, 0, sizeof(*S));
	S->min_rows = S->max_rows = -1;
	S->path = qg_strdup(name);
	/* JSON text never holds a raw NUL; refusing it here also keeps such
	 * bytes away from the JSON error locator */
	{
		const char *nul = memchr(text, 0, len);
		if (nul) {
			ret = qg_error(QG_EUSAGE, "'%s': byte %zu: a NUL byte, expected JSON text", name,
				       (size_t)(nul - text) + 1);
			goto done;
		}
	}
	ret = qg_json_parse(&root, text, len, name);
	if (ret) {
		/* a malformed schema is a configuration error: exit 2 (the
		 * message is copied: qg_error() reuses the slot it reads) */
		char *msg = qg_strdup(qg_error_last());
		ret = qg_error(QG_EUSAGE, "%s", msg ? msg : "malformed JSON");
		free(msg);
		goto done;
	}
	if (qg_json_type(root) != QG_JSON_OBJECT) {
		ret = bad(&L, root, "expected a Table Schema object");
		goto done;
	}
	fields = qg_json_get(root, "fields");
	ptr_push(&L, &mark, "fields");
	if (!fields)
		ret = bad(&L, NULL, "missing: a Table Schema needs a fields array");
	else if (qg_json_type(fields) != QG_JSON_ARRAY)
		ret = bad(&L, fields, "expected an array of field objects");
	if (ret)
		goto done;
	S->fields = calloc(qg_json_size(fields) + 1, sizeof(*S->fields));
	if (!S->fields) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (it = qg_json_first(fields), i = 0; it; it = qg_json_next(it), i++) {
		size_t m2;

		ptr_push_index(&L, &m2, i);
		S->nr_fields = i + 1;
		ret = parse_field(&L, S, &S->fields[i], it);
		ptr_pop(&L, m2);
		if (ret)
			goto done;
	}
	ptr_pop(&L, mark);

	v = qg_json_get(root, "missingValues");
	ptr_push(&L, &mark, "missingValues");
	if (v)
		ret = parse_string_list(&L, &S->missing_values, v);
	else
		ret = strset_add(&S->missing_values, "", 0);
	ptr_pop(&L, mark);
	if (ret)
		goto done;
	S->missing_only_empty = S->missing_values.nr == 1 && S->missing_values.lens[0] == 0;

	if ((v = qg_json_get(root, "primaryKey"))) {
		ptr_push(&L, &mark, "primaryKey");
		ret = parse_primary_key(&L, S, v);
		ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	if ((v = qg_json_get(root, "dialect"))) {
		const struct qg_json *d;
		size_t m2;

		ptr_push(&L, &mark, "dialect");
		if (qg_json_type(v) != QG_JSON_OBJECT) {
			ret = bad(&L, v, "expected an object");
		} else if ((d = qg_json_get(v, "delimiter"))) {
			ptr_push(&L, &m2, "delimiter");
			ret = parse_char(&L, d, &S->delimiter);
			ptr_pop(&L, m2);
		}
		ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	if ((v = qg_json_get(root, "qgate"))) {
		ptr_push(&L, &mark, "qgate");
		ret = parse_qgate(&L, S, v);
		ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	ret = L.ptr_err; /* a location that could not be built fails the load */
done:
	qg_json_free(root);
	qg_buf_release(&L.ptr);
	if (ret)
		data_schema_release(S);
	return ret;
}

int data_schema_load(struct qg_schema *out, const char *path)
{
	struct qg_buf b = QG_BUF_INIT((size_t)64 << 20); /* a schema: 64 MiB, the message says so */
	int ret;

	memset(out, 0, sizeof(*out));
	ret = qg_buf_read_file(&b, path);
	if (ret) {
		qg_buf_release(&b);
		return ret == QG_ETOOBIG ? qg_error(QG_EUSAGE, "'%s': schema larger than 64 MiB", path) : ret;
	}
	ret = data_schema_parse(out, b.buf, b.len, path);
	qg_buf_release(&b);
	return ret;
}

static void field_release(struct qg_schema_field *f)
{
	free(f->name);
	free(f->format_text);
	free(f->min_text);
	free(f->max_text);
	free(f->exmin_text);
	free(f->exmax_text);
	free(f->pattern);
	if (f->re)
		pcre2_code_free((pcre2_code *)f->re);
	qg_strmap_release(&f->enum_values);
	free(f->enum_num);
	qg_strmap_release(&f->true_values);
	qg_strmap_release(&f->false_values);
	qg_strmap_release(&f->missing_values);
}

void data_schema_release(struct qg_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_fields; i++)
		field_release(&s->fields[i]);
	free(s->fields);
	free(s->primary_key);
	free(s->path);
	qg_strmap_release(&s->missing_values);
	memset(s, 0, sizeof(*s));
	s->min_rows = s->max_rows = -1;
}
