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

/* Table Schema constraints (v1 and v2). All are honoured except
 * jsonSchema (v2, array and object fields), which is refused. Which
 * constraint a type allows comes from data_types[] (schema_type.c). */
static const char *const constraint_names[] = {
	"required", "unique", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "pattern", "enum", "jsonSchema", NULL,
};

static int parse_constraints(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *c)
{
	const struct data_type_info *ti = data_type_info_of(f->type);
	const struct qg_json *m;

	if (qg_json_type(c) != QG_JSON_OBJECT)
		return schema_bad(L, c, "expected an object");
	for (m = qg_json_first(c); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark, k;
		int ret = 0;

		for (k = 0; constraint_names[k]; k++)
			if (!strcmp(key, constraint_names[k]))
				break;
		if (!constraint_names[k])
			return schema_unknown_key(L, key, constraint_names, "constraint");
		schema_ptr_push(L, &mark, key);
		if (k == 10) {
			ret = schema_bad(L, NULL, "not supported: qgate does not check jsonSchema (refused rather than ignored)");
		} else if (!ti || !(ti->constraints & (1u << k))) {
			ret = schema_bad(L, NULL, "not allowed on type '%s'", data_field_type_name(f->type));
		}
		if (ret) {
			schema_ptr_pop(L, mark);
			return ret;
		}
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
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

/* Field keys, v1 and v2. Descriptive (known, not checked): title,
 * description, example, rdfType. Type-specific keys (data_types[].keys) on
 * another type are refused. "qgate" holds qgate's own per-field options. */
static const char *const field_keys[] = {
	"name", "type", "format", "constraints", "missingValues", "title", "description", "example", "rdfType",
	"trueValues", "falseValues", "decimalChar", "groupChar", "bareNumber", "delimiter", "itemType",
	"categories", "categoriesOrdered", "qgate", NULL,
};
static const char *const field_qgate_keys[] = { "maxNullFraction", NULL };

/* Every key of the field object is known, and a type-specific one is on
 * a type that takes it. */
static int check_field_keys(struct schema_loader *L, const struct qg_schema_field *f, const struct qg_json *fj)
{
	const struct data_type_info *ti = data_type_info_of(f->type);

	for (const struct qg_json *m = qg_json_first(fj); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		struct qg_buf types = QG_BUF_INIT(QG_CAP_MESSAGE);
		size_t mark;
		int specific = 0, ret = 0;

		if (!schema_in(key, field_keys)) {
			if (!L->allow_unknown)
				return schema_unknown_key(L, key, field_keys, "field key");
			continue;
		}
		for (size_t t = 0; t < data_nr_types; t++) {
			if (!schema_in(key, data_types[t].keys))
				continue;
			if (!ret)
				ret = qg_buf_addf(&types, "%s%s", specific ? ", " : "", data_types[t].name);
			specific = 1;
		}
		if (!ret && specific && !(ti && schema_in(key, ti->keys))) {
			schema_ptr_push(L, &mark, key);
			ret = schema_bad(L, NULL, "not allowed on type '%s' (%s applies to %s fields)",
					 data_field_type_name(f->type), key, types.buf);
			schema_ptr_pop(L, mark);
		}
		qg_buf_release(&types);
		if (ret)
			return ret;
	}
	return 0;
}

/* v2 categories: an array of values (strings for string fields, integers
 * for integer fields) or of {"value", "label"} objects; kept as text. */
static int parse_categories(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *arr)
{
	static const char *const keys[] = { "value", "label", NULL };
	size_t i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(arr) != QG_JSON_ARRAY || qg_json_size(arr) == 0)
		return schema_bad(L, arr, "expected a non-empty array of values or {\"value\", \"label\"} objects");
	for (it = qg_json_first(arr); it; it = qg_json_next(it), i++) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
		const struct qg_json *val = it;
		long long ik = 0;
		double dk = 0;
		int ret = 0;

		schema_ptr_push_index(L, &mark, i);
		if (qg_json_type(it) == QG_JSON_OBJECT) {
			for (const struct qg_json *m = qg_json_first(it); !ret && m; m = qg_json_next(m))
				if (!schema_in(qg_json_key(m), keys))
					ret = schema_unknown_key(L, qg_json_key(m), keys, "category property");
			val = qg_json_get(it, "value");
			if (!ret && qg_json_get(it, "label") && !qg_json_string(qg_json_get(it, "label")))
				ret = schema_bad(L, qg_json_get(it, "label"), "expected a string label");
			if (!ret && !val)
				ret = schema_bad(L, NULL, "missing: a category object needs a value");
		}
		if (!ret) {
			if (f->type == QG_TYPE_STRING && qg_json_string(val))
				ret = qg_buf_addstr(&b, qg_json_string(val));
			else if (f->type == QG_TYPE_INTEGER && qg_json_type(val) == QG_JSON_NUMBER)
				ret = qg_json_print(&b, val, 0);
			else
				ret = schema_bad(L, val, "expected %s category value",
						 f->type == QG_TYPE_STRING ? "a string" : "an integer");
			if (!ret && f->type == QG_TYPE_INTEGER && data_field_parse(f, b.buf, b.len, &ik, &dk))
				ret = schema_bad(L, val, "expected an integer category value");
		}
		if (!ret)
			ret = schema_strset_add(&f->categories, b.buf, b.len);
		qg_buf_release(&b);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	f->has_categories = 1;
	return 0;
}

/* The keys only some types take (their rows in data_types[] list them;
 * check_field_keys() already refused them on other types). */
static int parse_type_keys(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *fj)
{
	static const char *const item_types[] = { "string", "integer", "number", "boolean", "date", "datetime", "time", NULL };
	const struct qg_json *v;
	size_t mark;
	int ret = 0;

	f->bare_number = 1;
	f->list_delimiter = ',';
	f->item_type = QG_TYPE_STRING;
	if ((v = qg_json_get(fj, "bareNumber"))) {
		schema_ptr_push(L, &mark, "bareNumber");
		if (qg_json_bool(v) < 0)
			ret = schema_bad(L, v, "expected true or false");
		else
			f->bare_number = qg_json_bool(v);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((v = qg_json_get(fj, "delimiter"))) {
		schema_ptr_push(L, &mark, "delimiter");
		ret = schema_char(L, v, &f->list_delimiter);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((v = qg_json_get(fj, "itemType"))) {
		const char *s = qg_json_string(v);
		const struct data_type_info *it = s && schema_in(s, item_types) ? data_type_info_find(s) : NULL;

		schema_ptr_push(L, &mark, "itemType");
		if (!it)
			ret = schema_bad(L, v, "expected one of string, integer, number, boolean, date, datetime, time");
		else
			f->item_type = (enum qg_field_type)it->type;
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((v = qg_json_get(fj, "categories"))) {
		schema_ptr_push(L, &mark, "categories");
		ret = parse_categories(L, f, v);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		f->constraints |= QG_C_CATEGORIES;
	}
	if ((v = qg_json_get(fj, "categoriesOrdered"))) {
		schema_ptr_push(L, &mark, "categoriesOrdered");
		if (qg_json_bool(v) < 0)
			ret = schema_bad(L, v, "expected true or false");
		else if (!qg_json_get(fj, "categories"))
			ret = schema_bad(L, v, "categoriesOrdered needs categories");
		else
			f->categories_ordered = qg_json_bool(v);
		schema_ptr_pop(L, mark);
	}
	return ret;
}

/* The field's type from the table: an unknown name suggests the nearest. */
static int parse_type(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *v)
{
	const char *names[32], *s = qg_json_string(v);
	const struct data_type_info *ti = s ? data_type_info_find(s) : NULL;
	size_t n = 0;

	if (ti && ti->type >= 0) {
		f->type = (enum qg_field_type)ti->type;
		return 0;
	}
	if (ti)
		return schema_bad(L, v, "not supported: qgate cannot check type '%s' (refused rather than read as any)", s);
	for (size_t t = 0; t < data_nr_types && n + 1 < QG_ARRAY_SIZE(names); t++)
		names[n++] = data_types[t].name;
	names[n] = NULL;
	if (s && schema_nearest(s, names))
		return schema_bad(L, v, "unknown type (did you mean '%s'?)", schema_nearest(s, names));
	return schema_bad(L, v, "expected a type name (string, integer, number, boolean, date, datetime, time, year, "
				"yearmonth, duration, geopoint, geojson, object, array, list, any)");
}

/* The format: "default", a named format of the type's row, or for date,
 * time and datetime "any" and strptime-like patterns. */
static int parse_format(struct schema_loader *L, struct qg_schema_field *f, const struct qg_json *v, const char **text)
{
	const struct data_type_info *ti = data_type_info_of(f->type);
	const char *s = qg_json_string(v);
	struct qg_buf names = QG_BUF_INIT(QG_CAP_MESSAGE);
	int ret = 0;

	*text = s;
	if (!s)
		return schema_bad(L, v, "expected a string");
	if (!strcmp(s, "default")) {
		f->format = QG_FMT_DEFAULT;
		return 0;
	}
	for (const struct data_format_name *fn = ti ? ti->formats : NULL; fn && fn->name; fn++) {
		if (!strcmp(s, fn->name)) {
			f->format = fn->format;
			return 0;
		}
	}
	if (ti && ti->pattern_formats) {
		const char *p = s;

		if (!strcmp(s, "any")) {
			f->format = QG_FMT_ANY;
			return 0;
		}
		if (!strncmp(p, "fmt:", 4)) /* Frictionless v0 spelling */
			p += 4;
		if (strchr(p, '%') && pattern_ok(p)) {
			f->format = QG_FMT_PATTERN;
			*text = p;
			return 0;
		}
		return schema_bad(L, v, "expected default, any, or a pattern using %%Y %%y %%m %%d %%j %%H %%I %%M %%S %%f %%p %%b %%B %%z %%%%");
	}
	for (const struct data_format_name *fn = ti ? ti->formats : NULL; !ret && fn && fn->name; fn++)
		ret = qg_buf_addf(&names, ", %s", fn->name);
	if (!ret)
		ret = schema_bad(L, v, "not a format of type '%s' (expected default%s)", data_field_type_name(f->type),
				 names.buf);
	qg_buf_release(&names);
	return ret;
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
		schema_ptr_push(L, &mark, "type");
		ret = parse_type(L, f, v);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if ((ret = check_field_keys(L, f, fj)))
		return ret;

	v = qg_json_get(fj, "format");
	if (v) {
		schema_ptr_push(L, &mark, "format");
		ret = parse_format(L, f, v, &s);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		f->format_text = qg_strdup(s);
		if (!f->format_text)
			return qg_error(QG_ENOMEM, "out of memory");
	}

	f->decimal_char = '.';
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
	if ((ret = parse_type_keys(L, f, fj)))
		return ret;
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
		ret = schema_missing_list(L, &f->missing_values, v);
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
		for (x = qg_json_first(v); !ret && x; x = qg_json_next(x))
			if (!schema_in(qg_json_key(x), field_qgate_keys))
				ret = schema_unknown_key(L, qg_json_key(x), field_qgate_keys, "qgate field option");
		if (ret)
			;
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
	qg_strmap_release(&f->categories);
}
