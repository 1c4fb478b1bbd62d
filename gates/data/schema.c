/* schema.c -- load a Frictionless Table Schema: the descriptor's top level
 *
 * The loader walks the JSON once, keeping a JSON pointer to the node it is
 * looking at, so every complaint names exactly where the schema is wrong
 * ("/fields/3/constraints/minimum: expected a number, found \"ten\"").
 * This file holds the walk's helpers (the pointer, the error message) and
 * the table level: fields list, missingValues, primaryKey, dialect and the
 * "qgate" section. One field (name, type, format, constraints) is read in
 * schema_field.c; the per-type table (which types exist, which formats and
 * constraints each allows) is in schema_type.c; schema_int.h joins them.
 *
 * Why one long file: the top-level reader and its known-keys tables ("did
 * you mean" works on them) belong together; one field is in schema_field.c
 * and the per-type table in schema_type.c already.
 */
#include "qgate/common.h"

#include <ctype.h>
#include <math.h>

#include "qgate/json.h"
#include "schema.h"
#include "schema_int.h"

/* ------------------------------------------------------------ error helper */

void schema_ptr_push(struct schema_loader *L, size_t *mark, const char *key)
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

void schema_ptr_push_index(struct schema_loader *L, size_t *mark, size_t i)
{
	int err;

	*mark = L->ptr.len;
	if ((err = qg_buf_addf(&L->ptr, "/%zu", i)) < 0 && !L->ptr_err)
		L->ptr_err = err;
}

void schema_ptr_pop(struct schema_loader *L, size_t mark)
{
	qg_buf_setlen(&L->ptr, mark);
}

int schema_bad(struct schema_loader *L, const struct qg_json *found, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int schema_bad(struct schema_loader *L, const struct qg_json *found, const char *fmt, ...)
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

int schema_string_list(struct schema_loader *L, struct qg_strmap *set, const struct qg_json *arr)
{
	size_t i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(arr) != QG_JSON_ARRAY)
		return schema_bad(L, arr, "expected an array of strings");
	for (it = qg_json_first(arr); it; it = qg_json_next(it), i++) {
		const char *s = qg_json_string(it);
		int ret;

		if (!s) {
			schema_ptr_push_index(L, &mark, i);
			ret = schema_bad(L, it, "expected a string");
			schema_ptr_pop(L, mark);
			return ret;
		}
		ret = schema_strset_add(set, s, strlen(s));
		if (ret)
			return ret;
	}
	return 0;
}

int schema_missing_list(struct schema_loader *L, struct qg_strmap *set, const struct qg_json *arr)
{
	static const char *const keys[] = { "value", "label", NULL };
	size_t i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(arr) != QG_JSON_ARRAY)
		return schema_bad(L, arr, "expected an array of strings or of {\"value\", \"label\"} objects");
	for (it = qg_json_first(arr); it; it = qg_json_next(it), i++) {
		const char *s = qg_json_string(it);
		int ret = 0;

		schema_ptr_push_index(L, &mark, i);
		if (!s && qg_json_type(it) == QG_JSON_OBJECT) {
			const struct qg_json *m, *lab = qg_json_get(it, "label");
			size_t m2;

			for (m = qg_json_first(it); !ret && m; m = qg_json_next(m))
				if (!schema_in(qg_json_key(m), keys))
					ret = schema_unknown_key(L, qg_json_key(m), keys, "missing value property");
			s = qg_json_string(qg_json_get(it, "value"));
			if (!ret && !s) {
				schema_ptr_push(L, &m2, "value");
				ret = schema_bad(L, qg_json_get(it, "value"), "expected a string (the missing value)");
				schema_ptr_pop(L, m2);
			}
			if (!ret && lab && !qg_json_string(lab)) {
				schema_ptr_push(L, &m2, "label");
				ret = schema_bad(L, lab, "expected a string");
				schema_ptr_pop(L, m2);
			}
		} else if (!s) {
			ret = schema_bad(L, it, "expected a string or a {\"value\", \"label\"} object");
		}
		schema_ptr_pop(L, mark);
		if (!ret)
			ret = schema_strset_add(set, s, strlen(s));
		if (ret)
			return ret;
	}
	return 0;
}

int schema_char(struct schema_loader *L, const struct qg_json *v, char *out)
{
	const char *s = qg_json_string(v);

	if (!s || strlen(s) != 1 || (unsigned char)s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r' || s[0] == '"')
		return schema_bad(L, v, "expected a single ASCII character");
	*out = s[0];
	return 0;
}

int schema_fraction(struct schema_loader *L, const struct qg_json *v, double *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || !(d >= 0 && d <= 1))
		return schema_bad(L, v, "expected a number between 0 and 1");
	*out = d;
	return 0;
}


/* ------------------------------------------------------------- known keys */

/* Optimal string alignment distance, case-insensitive ("primarykey" is
 * 0 from "primaryKey"); SIZE_MAX for long names. */
static size_t key_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[3][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		d[1][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = d[(i + 1) % 3], *prev = d[i % 3], *prev2 = d[(i + 2) % 3];

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + (ca != cb) < v)
				v = prev[j - 1] + (ca != cb);
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[(la + 1) % 3][lb];
}

const char *schema_nearest(const char *name, const char *const *known)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(name), limit = len / 3 > 2 ? len / 3 : 2;

	for (; known && *known; known++) {
		size_t d = key_distance(name, *known);

		if (d < best_d) {
			best_d = d;
			best = *known;
		}
	}
	return best && best_d <= limit && best_d < len ? best : NULL;
}

int schema_in(const char *key, const char *const *known)
{
	for (; known && *known; known++)
		if (!strcmp(key, *known))
			return 1;
	return 0;
}

int schema_unknown_key(struct schema_loader *L, const char *key, const char *const *known, const char *what)
{
	const char *near = schema_nearest(key, known);
	size_t mark;
	int ret;

	schema_ptr_push(L, &mark, key);
	if (near)
		ret = schema_bad(L, NULL, "unknown %s (did you mean '%s'?)", what, near);
	else
		ret = schema_bad(L, NULL, "unknown %s (see the keys qgate-data(1) lists)", what);
	schema_ptr_pop(L, mark);
	return ret;
}

/* Table Schema v1 and v2, top level. Honoured: fields, missingValues,
 * primaryKey, foreignKeys (parsed; checked by the validator), uniqueKeys,
 * fieldsMatch. Descriptive (known, nothing to check): $schema, name, title,
 * description, profile. qgate's own: dialect (as in a Data Package
 * resource), qgate. */
static const char *const root_keys[] = {
	"fields", "missingValues", "primaryKey", "foreignKeys", "uniqueKeys", "fieldsMatch",
	"$schema", "name", "title", "description", "profile", "dialect", "qgate", NULL,
};

/* CSV Dialect v1 and Table Dialect v2, and what the CSV reader does with
 * each (lib/io/table_csv.c: one-byte delimiter, '"' quotes doubled, \n or
 * \r\n line ends, a header line):
 *   delimiter            honoured
 *   header               honoured: false = no header line, every line is a
 *                        data row and the fields' names are the columns
 *                        (input.h: a plan's headerless columns)
 *   headerRows           [1] honoured; [] = header false (header true with []
 *                        is refused as contradictory); other rows refused
 *   headerJoin           a string: honoured (it only joins several header
 *                        rows, and there is at most one)
 *   quoteChar            "\"" honoured; other refused
 *   doubleQuote          true honoured; false refused
 *   lineTerminator       "\n" "\r\n" honoured (both are read); other refused
 *   skipInitialSpace     false honoured; true refused
 *   caseSensitiveHeader  true honoured (names compare exactly); false refused
 *   escapeChar, nullSequence, commentChar, commentRows   refused
 *   property, itemType, itemKeys (JSON), sheetNumber, sheetName (spreadsheets),
 *   table (SQL)          refused
 *   csvddfVersion, $schema, name, title, description     descriptive */
static const char *const dialect_keys[] = {
	"delimiter", "header", "headerRows", "headerJoin", "quoteChar", "doubleQuote", "lineTerminator",
	"skipInitialSpace", "caseSensitiveHeader", "escapeChar", "nullSequence", "commentChar",
	"commentRows", "property", "itemType", "itemKeys", "sheetNumber", "sheetName", "table",
	"csvddfVersion", "$schema", "name", "title", "description", NULL,
};

static const char *const qgate_keys[] = {
	"minRows", "maxRows", "maxNullFraction", "header", "delimiter", NULL,
};

static int dialect_bool(struct schema_loader *L, const struct qg_json *v, int want)
{
	int b = qg_json_bool(v);

	if (b < 0)
		return schema_bad(L, v, "expected true or false");
	if (b != want)
		return schema_bad(L, v, "not supported: the CSV reader needs %s here (refused rather than ignored)",
				  want ? "true" : "false");
	return 0;
}

static int parse_dialect(struct schema_loader *L, struct qg_schema *S, const struct qg_json *d)
{
	const struct qg_json *m;
	int header = -1, header_rows = -1; /* -1: not given */

	if (qg_json_type(d) != QG_JSON_OBJECT)
		return schema_bad(L, d, "expected an object");
	for (m = qg_json_first(d); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m), *s = qg_json_string(m);
		size_t mark;
		int ret = 0;

		if (!schema_in(key, dialect_keys)) {
			if ((ret = schema_unknown_key(L, key, dialect_keys, "dialect key")))
				return ret;
			continue;
		}
		schema_ptr_push(L, &mark, key);
		if (!strcmp(key, "delimiter")) {
			ret = schema_char(L, m, &S->delimiter);
		} else if (!strcmp(key, "header")) {
			int b = qg_json_bool(m);

			if (b < 0)
				ret = schema_bad(L, m, "expected true or false");
			else if (b && header_rows == 0)
				ret = schema_bad(L, m, "true contradicts /dialect/headerRows [] (no header row)");
			else
				header = b;
		} else if (!strcmp(key, "doubleQuote") || !strcmp(key, "caseSensitiveHeader")) {
			ret = dialect_bool(L, m, 1);
		} else if (!strcmp(key, "skipInitialSpace")) {
			ret = dialect_bool(L, m, 0);
		} else if (!strcmp(key, "headerRows")) {
			if (qg_json_type(m) == QG_JSON_ARRAY && qg_json_size(m) == 0) {
				header_rows = 0;
				if (header == 1)
					ret = schema_bad(L, m, "[] (no header row) contradicts /dialect/header true");
			} else if (qg_json_type(m) != QG_JSON_ARRAY || qg_json_size(m) != 1 ||
				   qg_json_number(qg_json_at(m, 0)) != 1) {
				ret = schema_bad(L, m, "not supported: the CSV reader takes one header row, [1], or none, []");
			}
		} else if (!strcmp(key, "headerJoin")) {
			if (!s)
				ret = schema_bad(L, m, "expected a string");
		} else if (!strcmp(key, "quoteChar")) {
			if (!s)
				ret = schema_bad(L, m, "expected a string");
			else if (strcmp(s, "\""))
				ret = schema_bad(L, m, "not supported: the CSV reader quotes with '\"' only");
		} else if (!strcmp(key, "lineTerminator")) {
			if (!s)
				ret = schema_bad(L, m, "expected a string");
			else if (strcmp(s, "\n") && strcmp(s, "\r\n"))
				ret = schema_bad(L, m, "not supported: the CSV reader ends lines at \\n or \\r\\n");
		} else if (!strcmp(key, "csvddfVersion")) {
			if (qg_json_type(m) != QG_JSON_NUMBER && !s)
				ret = schema_bad(L, m, "expected a version number");
		} else if (!strcmp(key, "$schema") || !strcmp(key, "name") || !strcmp(key, "title") ||
			   !strcmp(key, "description")) {
			if (!s)
				ret = schema_bad(L, m, "expected a string");
		} else {
			ret = schema_bad(L, NULL, "not supported by qgate's reader (refused rather than ignored)");
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	/* header false wins over headerRows [1] (v2: headerRows is ignored then) */
	S->no_header = header == 0 || (header < 0 && header_rows == 0);
	return 0;
}

static int parse_rows_bound(struct schema_loader *L, const struct qg_json *v, long long *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || d != floor(d) || d < 0 || d > 9e18)
		return schema_bad(L, v, "expected a non-negative integer");
	*out = (long long)d;
	return 0;
}

/* "qgate": {"header": ...} came before v2's fieldsMatch and says subset
 * and superset the other way round (its "subset": the data's columns are
 * a subset of the fields). It is mapped: subset -> superset, superset ->
 * subset; given together with fieldsMatch it must agree. */
static int parse_qgate(struct schema_loader *L, struct qg_schema *S, const struct qg_json *q, int *header_set)
{
	const struct qg_json *m;

	if (qg_json_type(q) != QG_JSON_OBJECT)
		return schema_bad(L, q, "expected an object");
	for (m = qg_json_first(q); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark;
		int ret = 0;

		if (!schema_in(key, qgate_keys)) {
			if ((ret = schema_unknown_key(L, key, qgate_keys, "qgate option")))
				return ret;
			continue;
		}
		schema_ptr_push(L, &mark, key);
		if (!strcmp(key, "minRows")) {
			ret = parse_rows_bound(L, m, &S->min_rows);
		} else if (!strcmp(key, "maxRows")) {
			ret = parse_rows_bound(L, m, &S->max_rows);
		} else if (!strcmp(key, "header")) {
			const char *s = qg_json_string(m);
			enum qg_fields_match fm;

			if (s && !strcmp(s, "exact"))
				fm = QG_MATCH_EXACT;
			else if (s && !strcmp(s, "subset"))
				fm = QG_MATCH_SUPERSET;
			else if (s && !strcmp(s, "superset"))
				fm = QG_MATCH_SUBSET;
			else
				fm = (enum qg_fields_match)-1;
			if ((int)fm < 0)
				ret = schema_bad(L, m, "expected \"exact\", \"subset\" or \"superset\" (better: the "
						       "Table Schema's fieldsMatch)");
			else if (*header_set && S->fields_match != fm)
				ret = schema_bad(L, m, "disagrees with /fieldsMatch \"%s\" (qgate's header \"%s\" is "
						       "fieldsMatch \"%s\"): use fieldsMatch alone",
						 data_fields_match_name(S->fields_match), s, data_fields_match_name(fm));
			else
				S->fields_match = fm;
		} else if (!strcmp(key, "maxNullFraction")) {
			const struct qg_json *fm;

			if (qg_json_type(m) != QG_JSON_OBJECT)
				ret = schema_bad(L, m, "expected an object mapping field names to fractions");
			for (fm = qg_json_first(m); !ret && fm; fm = qg_json_next(fm)) {
				const char *fname = qg_json_key(fm);
				long idx = data_schema_field_index(S, fname, strlen(fname));
				size_t m2;

				schema_ptr_push(L, &m2, fname);
				if (idx < 0)
					ret = schema_bad(L, NULL, "no field named '%s' in /fields", fname);
				else
					ret = schema_fraction(L, fm, &S->fields[idx].max_null_fraction);
				schema_ptr_pop(L, m2);
			}
		} else if (!strcmp(key, "delimiter")) {
			ret = schema_char(L, m, &S->delimiter);
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if (S->min_rows >= 0 && S->max_rows >= 0 && S->min_rows > S->max_rows)
		return schema_bad(L, NULL, "minRows %lld is above maxRows %lld", S->min_rows, S->max_rows);
	return 0;
}

static int parse_fields_match(struct schema_loader *L, struct qg_schema *S, const struct qg_json *v)
{
	static const char *const names[] = { "exact", "equal", "subset", "superset", "partial", NULL };
	const char *s = qg_json_string(v);

	for (size_t k = 0; s && names[k]; k++) {
		if (!strcmp(s, names[k])) {
			S->fields_match = (enum qg_fields_match)k;
			return 0;
		}
	}
	return schema_bad(L, v, "expected one of \"exact\", \"equal\", \"subset\", \"superset\", \"partial\"");
}

/* A field name or an array of them, resolved to indexes in *out (n of
 * them). Used by primaryKey, uniqueKeys and foreignKeys. */
static int parse_field_list(struct schema_loader *L, struct qg_schema *S, const struct qg_json *v,
			    size_t **out, size_t *n)
{
	size_t cnt = qg_json_type(v) == QG_JSON_ARRAY ? qg_json_size(v) : 1, i = 0, mark;
	const struct qg_json *it;

	*n = 0;
	if (qg_json_type(v) != QG_JSON_ARRAY && qg_json_type(v) != QG_JSON_STRING)
		return schema_bad(L, v, "expected a field name or an array of field names");
	if (cnt == 0)
		return schema_bad(L, v, "expected at least one field name");
	*out = calloc(cnt, sizeof(size_t));
	if (!*out)
		return qg_error(QG_ENOMEM, "out of memory");
	it = qg_json_type(v) == QG_JSON_ARRAY ? qg_json_first(v) : v;
	for (; it && i < cnt; i++, it = qg_json_next(it)) {
		const char *s = qg_json_string(it);
		long idx = s ? data_schema_field_index(S, s, strlen(s)) : -1;
		int ret = 0;

		if (qg_json_type(v) == QG_JSON_ARRAY)
			schema_ptr_push_index(L, &mark, i);
		else
			mark = L->ptr.len;
		if (!s)
			ret = schema_bad(L, it, "expected a field name");
		else if (idx < 0)
			ret = schema_bad(L, it, "no such field in /fields");
		for (size_t k = 0; !ret && k < *n; k++)
			if ((*out)[k] == (size_t)idx)
				ret = schema_bad(L, it, "field listed twice");
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
		(*out)[(*n)++] = (size_t)idx;
		if (qg_json_type(v) != QG_JSON_ARRAY)
			break;
	}
	return 0;
}

static int parse_primary_key(struct schema_loader *L, struct qg_schema *S, const struct qg_json *pk)
{
	int ret = parse_field_list(L, S, pk, &S->primary_key, &S->nr_primary_key);

	for (size_t i = 0; !ret && i < S->nr_primary_key; i++)
		S->fields[S->primary_key[i]].primary_key = 1;
	return ret;
}

static int parse_unique_keys(struct schema_loader *L, struct qg_schema *S, const struct qg_json *v)
{
	size_t i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(v) != QG_JSON_ARRAY)
		return schema_bad(L, v, "expected an array of arrays of field names");
	S->unique_keys = calloc(qg_json_size(v) + 1, sizeof(*S->unique_keys));
	if (!S->unique_keys)
		return qg_error(QG_ENOMEM, "out of memory");
	for (it = qg_json_first(v); it; it = qg_json_next(it), i++) {
		struct qg_unique_key *k = &S->unique_keys[i];
		int ret;

		schema_ptr_push_index(L, &mark, i);
		S->nr_unique_keys = i + 1;
		if (qg_json_type(it) != QG_JSON_ARRAY)
			ret = schema_bad(L, it, "expected an array of field names");
		else
			ret = parse_field_list(L, S, it, &k->fields, &k->nr);
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *const fk_keys[] = { "fields", "reference", NULL };
static const char *const ref_keys[] = { "resource", "fields", NULL };

static int parse_one_foreign_key(struct schema_loader *L, struct qg_schema *S, struct qg_foreign_key *fk,
				 const struct qg_json *v)
{
	const struct qg_json *m, *ref, *rf;
	size_t mark, nref, i = 0;
	int ret;

	if (qg_json_type(v) != QG_JSON_OBJECT)
		return schema_bad(L, v, "expected an object with fields and reference");
	for (m = qg_json_first(v); m; m = qg_json_next(m))
		if (!schema_in(qg_json_key(m), fk_keys))
			return schema_unknown_key(L, qg_json_key(m), fk_keys, "foreign key property");
	if (!(m = qg_json_get(v, "fields")))
		return schema_bad(L, NULL, "missing: a foreign key needs fields");
	schema_ptr_push(L, &mark, "fields");
	ret = parse_field_list(L, S, m, &fk->fields, &fk->nr);
	schema_ptr_pop(L, mark);
	if (ret)
		return ret;
	if (!(ref = qg_json_get(v, "reference")))
		return schema_bad(L, NULL, "missing: a foreign key needs a reference");
	schema_ptr_push(L, &mark, "reference");
	if (qg_json_type(ref) != QG_JSON_OBJECT) {
		ret = schema_bad(L, ref, "expected an object with resource and fields");
		goto done;
	}
	for (m = qg_json_first(ref); m; m = qg_json_next(m))
		if (!schema_in(qg_json_key(m), ref_keys)) {
			ret = schema_unknown_key(L, qg_json_key(m), ref_keys, "reference property");
			goto done;
		}
	if ((m = qg_json_get(ref, "resource"))) {
		const char *s = qg_json_string(m);
		size_t m2;

		schema_ptr_push(L, &m2, "resource");
		if (!s)
			ret = schema_bad(L, m, "expected a resource name (\"\" for this table)");
		else if (*s && !(fk->resource = qg_strdup(s)))
			ret = qg_error(QG_ENOMEM, "out of memory");
		schema_ptr_pop(L, m2);
		if (ret)
			goto done;
	}
	if (!(rf = qg_json_get(ref, "fields"))) {
		ret = schema_bad(L, NULL, "missing: a reference needs fields");
		goto done;
	}
	schema_ptr_push(L, &mark, "fields");
	nref = qg_json_type(rf) == QG_JSON_ARRAY ? qg_json_size(rf) : 1;
	if (qg_json_type(rf) != QG_JSON_ARRAY && qg_json_type(rf) != QG_JSON_STRING)
		ret = schema_bad(L, rf, "expected a field name or an array of field names");
	else if (nref != fk->nr)
		ret = schema_bad(L, rf, "expected %zu field name%s, as many as the foreign key's fields", fk->nr,
				 fk->nr == 1 ? "" : "s");
	else if (!(fk->ref_fields = calloc(nref, sizeof(char *))) || !(fk->ref_index = calloc(nref, sizeof(long))))
		ret = qg_error(QG_ENOMEM, "out of memory");
	for (m = qg_json_type(rf) == QG_JSON_ARRAY ? qg_json_first(rf) : rf; !ret && m && i < nref;
	     m = qg_json_next(m), i++) {
		const char *s = qg_json_string(m);
		size_t m2;

		if (qg_json_type(rf) == QG_JSON_ARRAY)
			schema_ptr_push_index(L, &m2, i);
		else
			m2 = L->ptr.len;
		fk->ref_index[i] = -1;
		if (!s)
			ret = schema_bad(L, m, "expected a field name");
		else if (!(fk->ref_fields[i] = qg_strdup(s)))
			ret = qg_error(QG_ENOMEM, "out of memory");
		else if (!fk->resource && (fk->ref_index[i] = data_schema_field_index(S, s, strlen(s))) < 0)
			ret = schema_bad(L, m, "no such field in /fields (a reference without a resource is to this table)");
		schema_ptr_pop(L, m2);
		if (qg_json_type(rf) != QG_JSON_ARRAY)
			break;
	}
	schema_ptr_pop(L, mark); /* reference/fields */
done:
	/* the pointer is back at this foreign key once "reference" is popped:
	 * marks pop to an earlier length, so popping the outer one suffices */
	return ret;
}

static int parse_foreign_keys(struct schema_loader *L, struct qg_schema *S, const struct qg_json *v)
{
	size_t i = 0, mark, base = L->ptr.len;
	const struct qg_json *it;

	if (qg_json_type(v) != QG_JSON_ARRAY)
		return schema_bad(L, v, "expected an array of foreign key objects");
	S->foreign_keys = calloc(qg_json_size(v) + 1, sizeof(*S->foreign_keys));
	if (!S->foreign_keys)
		return qg_error(QG_ENOMEM, "out of memory");
	for (it = qg_json_first(v); it; it = qg_json_next(it), i++) {
		int ret;

		schema_ptr_push_index(L, &mark, i);
		S->nr_foreign_keys = i + 1;
		ret = parse_one_foreign_key(L, S, &S->foreign_keys[i], it);
		schema_ptr_pop(L, base);
		if (ret)
			return ret;
	}
	(void)mark;
	return 0;
}

long data_schema_field_index(const struct qg_schema *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nr_fields; i++)
		if (s->fields[i].name && s->fields[i].name_len == len && !memcmp(s->fields[i].name, name, len))
			return (long)i;
	return -1;
}

/* A descriptive top-level key: a string (profile may also be a URL string). */
static int parse_descriptive(struct schema_loader *L, const struct qg_json *v)
{
	if (!qg_json_string(v))
		return schema_bad(L, v, "expected a string");
	return 0;
}

int data_schema_parse(struct qg_schema *S, const char *text, size_t len, const char *name)
{
	return data_schema_parse_flags(S, text, len, name, 0);
}

int data_schema_parse_flags(struct qg_schema *S, const char *text, size_t len, const char *name, unsigned flags)
{
	struct schema_loader L = { name, QG_BUF_INIT(QG_CAP_MESSAGE), 0, !!(flags & DATA_SCHEMA_ALLOW_UNKNOWN) };
	struct qg_json *root = NULL;
	const struct qg_json *fields, *v, *it;
	size_t mark, i;
	int ret, fields_match_set = 0;

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
		ret = schema_bad(&L, root, "expected a Table Schema object");
		goto done;
	}
	/* every key is known before anything is read: a typo ("primarykey")
	 * must not switch a check off */
	for (it = qg_json_first(root); it; it = qg_json_next(it)) {
		const char *key = qg_json_key(it);

		if (schema_in(key, root_keys) || L.allow_unknown)
			continue;
		if (schema_in(key, qgate_keys)) {
			schema_ptr_push(&L, &mark, key);
			ret = schema_bad(&L, NULL, "unknown key (qgate's own options go under \"qgate\": "
						   "{\"%s\": ...})", key);
			goto done;
		}
		if ((ret = schema_unknown_key(&L, key, root_keys, "key")))
			goto done;
	}
	fields = qg_json_get(root, "fields");
	schema_ptr_push(&L, &mark, "fields");
	if (!fields)
		ret = schema_bad(&L, NULL, "missing: a Table Schema needs a fields array");
	else if (qg_json_type(fields) != QG_JSON_ARRAY)
		ret = schema_bad(&L, fields, "expected an array of field objects");
	if (ret)
		goto done;
	S->fields = calloc(qg_json_size(fields) + 1, sizeof(*S->fields));
	if (!S->fields) {
		ret = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (it = qg_json_first(fields), i = 0; it; it = qg_json_next(it), i++) {
		size_t m2;

		schema_ptr_push_index(&L, &m2, i);
		S->nr_fields = i + 1;
		ret = schema_field_parse(&L, S, &S->fields[i], it);
		schema_ptr_pop(&L, m2);
		if (ret)
			goto done;
	}
	schema_ptr_pop(&L, mark);

	v = qg_json_get(root, "missingValues");
	schema_ptr_push(&L, &mark, "missingValues");
	if (v)
		ret = schema_missing_list(&L, &S->missing_values, v);
	else
		ret = schema_strset_add(&S->missing_values, "", 0);
	schema_ptr_pop(&L, mark);
	if (ret)
		goto done;
	S->missing_only_empty = S->missing_values.nr == 1 && S->missing_values.lens[0] == 0;

	for (it = qg_json_first(root); it; it = qg_json_next(it)) {
		const char *key = qg_json_key(it);

		schema_ptr_push(&L, &mark, key);
		if (!strcmp(key, "primaryKey"))
			ret = parse_primary_key(&L, S, it);
		else if (!strcmp(key, "uniqueKeys"))
			ret = parse_unique_keys(&L, S, it);
		else if (!strcmp(key, "foreignKeys"))
			ret = parse_foreign_keys(&L, S, it);
		else if (!strcmp(key, "fieldsMatch")) {
			ret = parse_fields_match(&L, S, it);
			fields_match_set = 1;
		} else if (!strcmp(key, "dialect"))
			ret = parse_dialect(&L, S, it);
		else if (!strcmp(key, "$schema") || !strcmp(key, "name") || !strcmp(key, "title") ||
			 !strcmp(key, "description") || !strcmp(key, "profile"))
			ret = parse_descriptive(&L, it);
		schema_ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	/* after fieldsMatch, which the retired qgate header must agree with */
	if ((v = qg_json_get(root, "qgate"))) {
		schema_ptr_push(&L, &mark, "qgate");
		ret = parse_qgate(&L, S, v, &fields_match_set);
		schema_ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	ret = L.ptr_err; /* a location that could not be built fails the load */
	if (!ret && !(S->field_names = calloc(S->nr_fields + 1, sizeof(*S->field_names))))
		ret = qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; !ret && i < S->nr_fields; i++)
		S->field_names[i] = S->fields[i].name;
done:
	qg_json_free(root);
	qg_buf_release(&L.ptr);
	if (ret)
		data_schema_release(S);
	return ret;
}

int data_schema_load(struct qg_schema *out, const char *path)
{
	return data_schema_load_flags(out, path, 0);
}

int data_schema_load_flags(struct qg_schema *out, const char *path, unsigned flags)
{
	struct qg_buf b = QG_BUF_INIT((size_t)64 << 20); /* a schema: 64 MiB, the message says so */
	int ret;

	memset(out, 0, sizeof(*out));
	ret = qg_buf_read_file(&b, path);
	if (ret) {
		qg_buf_release(&b);
		return ret == QG_ETOOBIG ? qg_error(QG_EUSAGE, "'%s': schema larger than 64 MiB", path) : ret;
	}
	ret = data_schema_parse_flags(out, b.buf, b.len, path, flags);
	qg_buf_release(&b);
	return ret;
}

void data_schema_release(struct qg_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_fields; i++)
		schema_field_release(&s->fields[i]);
	free(s->fields);
	free((void *)s->field_names);
	free(s->primary_key);
	for (size_t i = 0; i < s->nr_unique_keys; i++)
		free(s->unique_keys[i].fields);
	free(s->unique_keys);
	for (size_t i = 0; i < s->nr_foreign_keys; i++) {
		struct qg_foreign_key *fk = &s->foreign_keys[i];

		free(fk->fields);
		free(fk->resource);
		for (size_t k = 0; fk->ref_fields && k < fk->nr; k++)
			free(fk->ref_fields[k]);
		free(fk->ref_fields);
		free(fk->ref_index);
	}
	free(s->foreign_keys);
	free(s->path);
	qg_strmap_release(&s->missing_values);
	memset(s, 0, sizeof(*s));
	s->min_rows = s->max_rows = -1;
}
