/* schema_field.c -- one field of a Table Schema: name, type, format, constraints
 *
 * Every constraint is parsed into the field's typed form: bounds into the
 * type's ordered key (plus the text as written, for messages), patterns
 * compiled with PCRE2 as anchored full matches in UTF mode and JIT-compiled,
 * enum values into the core's string map. Unknown constraint names are
 * errors (a typo such as "maximun" would otherwise silently disable a check).
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>

#include "qgate/json.h"
#include "schema.h"
#include "schema_int.h"
#include "types.h"

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


/* A bound (minimum/maximum/exclusive*) in the field's type. */
static int parse_bound(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *v,
		       long long *ikey, double *dkey, char **text)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = qg_json_string(v);
	int ret = 0;

	switch (f->type) {
	case QG_TYPE_YEARMONTH:
		if (!s || data_value_yearmonth(s, strlen(s), ikey))
			return schema_bad(L, v, "expected a yearmonth (YYYY-MM)");
		ret = qg_buf_addstr(&b, s);
		break;
	case QG_TYPE_INTEGER:
	case QG_TYPE_YEAR:
		if (qg_json_type(v) == QG_JSON_NUMBER) {
			double d = qg_json_number(v);
			if (d != floor(d) || fabs(d) > 9.2e18)
				return schema_bad(L, v, "expected an integer");
			*ikey = (long long)d;
		} else if (!s || data_field_parse(f, s, strlen(s), ikey, dkey)) {
			return schema_bad(L, v, "expected %s", f->type == QG_TYPE_YEAR ? "a year" : "an integer");
		}
		ret = qg_buf_addf(&b, "%lld", *ikey);
		break;
	case QG_TYPE_NUMBER:
		if (qg_json_type(v) == QG_JSON_NUMBER)
			*dkey = qg_json_number(v);
		else if (!s || data_value_number(s, strlen(s), '.', 0, dkey) || isnan(*dkey))
			return schema_bad(L, v, "expected a number");
		/* messages print the bound as the schema wrote it ("50", not
		 * "5e+01"): a string as it is, a JSON number as the JSON
		 * printer spells it (integers without exponent) */
		ret = s ? qg_buf_addstr(&b, s) : qg_json_print(&b, v, 0);
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
			return schema_bad(L, v, "expected a %s", data_field_type_name(f->type));
		ret = qg_buf_addstr(&b, s);
		break;
	}
	default:
		return schema_bad(L, v, "minimum and maximum apply to integer, number, date, datetime, time, year and yearmonth fields, not %s",
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

static int parse_length(struct schema_loader *L, const struct qg_json *v, long long *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || d != floor(d) || d < 0 || d > 9e15)
		return schema_bad(L, v, "expected a non-negative integer");
	*out = (long long)d;
	return 0;
}

static int compile_pattern(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *v)
{
	const char *s = qg_json_string(v);
	int errcode;
	PCRE2_SIZE erroff;

	if (!s)
		return schema_bad(L, v, "expected a string (a regular expression)");
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
		return schema_bad(L, NULL, "invalid regular expression at offset %zu: %s", (size_t)erroff, (char *)msg);
	}
	/* JIT is an optimisation: without it (unsupported CPU, SELinux
	 * execmem) the interpreter gives the same answers. */
	f->re_jit = pcre2_jit_compile((pcre2_code *)f->re, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

static int parse_enum(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *arr)
{
	size_t i = 0, mark;
	const struct qg_json *it;
	int ret = 0;

	if (qg_json_type(arr) != QG_JSON_ARRAY || qg_json_size(arr) == 0)
		return schema_bad(L, arr, "expected a non-empty array");
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

		schema_ptr_push_index(L, &mark, i);
		if (s) {
			if ((ret = qg_buf_addstr(&b, s)) < 0)
				goto next;
		} else if (qg_json_type(it) == QG_JSON_NUMBER || qg_json_type(it) == QG_JSON_BOOL) {
			if ((ret = qg_json_print(&b, it, 0)) < 0)
				goto next;
		} else {
			ret = schema_bad(L, it, "expected a string or a number");
			goto next;
		}
		if (f->type != QG_TYPE_STRING && f->type != QG_TYPE_ANY &&
		    data_field_parse(f, b.buf, b.len, &ik, &dk)) {
			ret = schema_bad(L, it, "enum value is not a valid %s", data_field_type_name(f->type));
			goto next;
		}
		if (f->enum_num)
			f->enum_num[f->nr_enum_num++] = f->type == QG_TYPE_NUMBER ? dk : (double)ik;
		ret = schema_strset_add(&f->enum_values, b.buf, b.len);
	next:
		qg_buf_release(&b);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *const constraint_names[] = {
	"required", "unique", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "pattern", "enum",
};

static int parse_constraints(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *c)
{
	const struct qg_json *m;

	if (qg_json_type(c) != QG_JSON_OBJECT)
		return schema_bad(L, c, "expected an object");
	for (m = qg_json_first(c); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark, k;
		int ret = 0;

		for (k = 0; k < QG_ARRAY_SIZE(constraint_names); k++)
			if (!strcmp(key, constraint_names[k]))
				break;
		schema_ptr_push(L, &mark, key);
		switch (k) {
		case 0:
		case 1:
			if (qg_json_bool(m) < 0)
				ret = schema_bad(L, m, "expected true or false");
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
				ret = schema_bad(L, NULL, "%s applies to string fields, not %s", key,
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
			ret = schema_bad(L, NULL, "unknown constraint (expected one of required, unique, minimum, maximum, "
					  "exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, enum)");
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

int schema_field_parse(struct schema_loader *L, struct qg_schema *S, struct qg_schema_field *f, const struct qg_json *fj)
{
	const struct qg_json *v;
	size_t mark;
	int ret = 0;
	const char *s;

	f->max_null_fraction = -1;
	if (qg_json_type(fj) != QG_JSON_OBJECT)
		return schema_bad(L, fj, "expected a field object");
	v = qg_json_get(fj, "name");
	schema_ptr_push(L, &mark, "name");
	s = qg_json_string(v);
	if (!v)
		ret = schema_bad(L, NULL, "missing: every field needs a name");
	else if (!s || !*s)
		ret = schema_bad(L, v, "expected a non-empty string");
	schema_ptr_pop(L, mark);
	if (ret)
		return ret;
	f->name = qg_strdup(s);
	if (!f->name)
		return qg_error(QG_ENOMEM, "out of memory");
	f->name_len = strlen(s);
	for (size_t i = 0; i < (size_t)(f - S->fields); i++) {
		if (!strcmp(S->fields[i].name, s)) {
			schema_ptr_push(L, &mark, "name");
			ret = schema_bad(L, v, "duplicate field name (also field %zu)", i);
			schema_ptr_pop(L, mark);
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
		schema_ptr_push(L, &mark, "type");
		if (!s || k == QG_ARRAY_SIZE(type_names))
			ret = schema_bad(L, v, "expected one of string, integer, number, boolean, date, datetime, time, year, any");
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		f->type = (enum qg_field_type)k;
	}

	v = qg_json_get(fj, "format");
	if (v) {
		s = qg_json_string(v);
		schema_ptr_push(L, &mark, "format");
		if (!s) {
			ret = schema_bad(L, v, "expected a string");
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
				ret = schema_bad(L, v, "expected default, email, uri, uuid or binary for a string field");
		} else if (f->type == QG_TYPE_DATE || f->type == QG_TYPE_DATETIME || f->type == QG_TYPE_TIME) {
			const char *p = s;
			if (!strncmp(p, "fmt:", 4)) /* Frictionless v0 spelling */
				p += 4;
			if (!strchr(p, '%') || !pattern_ok(p))
				ret = schema_bad(L, v, "expected default, any, or a pattern using %%Y %%y %%m %%d %%j %%H %%I %%M %%S %%f %%p %%b %%B %%z %%%%");
			else {
				f->format = QG_FMT_PATTERN;
				s = p;
			}
		} else {
			ret = schema_bad(L, v, "a %s field takes no format other than default", data_field_type_name(f->type));
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		f->format_text = qg_strdup(s);
		if (!f->format_text)
			return qg_error(QG_ENOMEM, "out of memory");
	}

	f->decimal_char = '.';
	f->bare_number = 1;       /* the keys of each type are read with the type table */
	f->list_delimiter = ',';
	if ((v = qg_json_get(fj, "decimalChar"))) {
		schema_ptr_push(L, &mark, "decimalChar");
		ret = schema_char(L, v, &f->decimal_char);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((v = qg_json_get(fj, "groupChar"))) {
		schema_ptr_push(L, &mark, "groupChar");
		ret = schema_char(L, v, &f->group_char);
		if (!ret && f->group_char == f->decimal_char)
			ret = schema_bad(L, v, "groupChar must differ from decimalChar");
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	v = qg_json_get(fj, "trueValues");
	schema_ptr_push(L, &mark, "trueValues");
	if (v)
		ret = schema_string_list(L, &f->true_values, v);
	else
		ret = schema_strset_add(&f->true_values, "true", 4) || schema_strset_add(&f->true_values, "True", 4) ||
		      schema_strset_add(&f->true_values, "TRUE", 4) || schema_strset_add(&f->true_values, "1", 1);
	schema_ptr_pop(L, mark);
	if (ret)
		return ret < 0 ? ret : QG_ENOMEM;
	v = qg_json_get(fj, "falseValues");
	schema_ptr_push(L, &mark, "falseValues");
	if (v)
		ret = schema_string_list(L, &f->false_values, v);
	else
		ret = schema_strset_add(&f->false_values, "false", 5) || schema_strset_add(&f->false_values, "False", 5) ||
		      schema_strset_add(&f->false_values, "FALSE", 5) || schema_strset_add(&f->false_values, "0", 1);
	schema_ptr_pop(L, mark);
	if (ret)
		return ret < 0 ? ret : QG_ENOMEM;
	if ((v = qg_json_get(fj, "missingValues"))) {
		schema_ptr_push(L, &mark, "missingValues");
		ret = schema_string_list(L, &f->missing_values, v);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		f->has_missing = 1;
	}
	if ((v = qg_json_get(fj, "constraints"))) {
		schema_ptr_push(L, &mark, "constraints");
		ret = parse_constraints(L, f, v);
		schema_ptr_pop(L, mark);
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

		schema_ptr_push(L, &mark, "qgate");
		if (qg_json_type(v) != QG_JSON_OBJECT)
			ret = schema_bad(L, v, "expected an object");
		else if ((x = qg_json_get(v, "maxNullFraction"))) {
			schema_ptr_push(L, &m2, "maxNullFraction");
			ret = schema_fraction(L, x, &f->max_null_fraction);
			schema_ptr_pop(L, m2);
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

void schema_field_release(struct qg_schema_field *f)
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
