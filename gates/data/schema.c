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
 */
#include "qgate/common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>

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


static int parse_rows_bound(struct schema_loader *L, const struct qg_json *v, long long *out)
{
	double d = qg_json_number(v);

	if (qg_json_type(v) != QG_JSON_NUMBER || d != floor(d) || d < 0 || d > 9e18)
		return schema_bad(L, v, "expected a non-negative integer");
	*out = (long long)d;
	return 0;
}

static int parse_qgate(struct schema_loader *L, struct qg_schema *S, const struct qg_json *q)
{
	const struct qg_json *m;

	if (qg_json_type(q) != QG_JSON_OBJECT)
		return schema_bad(L, q, "expected an object");
	for (m = qg_json_first(q); m; m = qg_json_next(m)) {
		const char *key = qg_json_key(m);
		size_t mark;
		int ret = 0;

		schema_ptr_push(L, &mark, key);
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
				ret = schema_bad(L, m, "expected \"exact\", \"subset\" or \"superset\"");
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
		} else {
			ret = schema_bad(L, NULL, "unknown qgate option (expected minRows, maxRows, maxNullFraction, header, delimiter)");
		}
		schema_ptr_pop(L, mark);
		if (ret)
			return ret;
	}
	if (S->min_rows >= 0 && S->max_rows >= 0 && S->min_rows > S->max_rows)
		return schema_bad(L, NULL, "minRows %lld is above maxRows %lld", S->min_rows, S->max_rows);
	return 0;
}

static int parse_primary_key(struct schema_loader *L, struct qg_schema *S, const struct qg_json *pk)
{
	size_t n = qg_json_type(pk) == QG_JSON_ARRAY ? qg_json_size(pk) : 1, i = 0, mark;
	const struct qg_json *it;

	if (qg_json_type(pk) != QG_JSON_ARRAY && qg_json_type(pk) != QG_JSON_STRING)
		return schema_bad(L, pk, "expected a field name or an array of field names");
	if (n == 0)
		return schema_bad(L, pk, "expected at least one field name");
	S->primary_key = calloc(n, sizeof(size_t));
	if (!S->primary_key)
		return qg_error(QG_ENOMEM, "out of memory");
	it = qg_json_type(pk) == QG_JSON_ARRAY ? qg_json_first(pk) : pk;
	for (; it && i < n; i++, it = qg_json_next(it)) {
		const char *s = qg_json_string(it);
		long idx = s ? data_schema_field_index(S, s, strlen(s)) : -1;
		int ret = 0;

		if (qg_json_type(pk) == QG_JSON_ARRAY)
			schema_ptr_push_index(L, &mark, i);
		else
			mark = L->ptr.len;
		if (!s)
			ret = schema_bad(L, it, "expected a field name");
		else if (idx < 0)
			ret = schema_bad(L, it, "no such field in /fields");
		for (size_t k = 0; !ret && k < S->nr_primary_key; k++)
			if (S->primary_key[k] == (size_t)idx)
				ret = schema_bad(L, it, "field listed twice");
		schema_ptr_pop(L, mark);
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
	struct schema_loader L = { name, QG_BUF_INIT(QG_CAP_MESSAGE), 0, 0 };
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
		ret = schema_bad(&L, root, "expected a Table Schema object");
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
		ret = schema_string_list(&L, &S->missing_values, v);
	else
		ret = schema_strset_add(&S->missing_values, "", 0);
	schema_ptr_pop(&L, mark);
	if (ret)
		goto done;
	S->missing_only_empty = S->missing_values.nr == 1 && S->missing_values.lens[0] == 0;

	if ((v = qg_json_get(root, "primaryKey"))) {
		schema_ptr_push(&L, &mark, "primaryKey");
		ret = parse_primary_key(&L, S, v);
		schema_ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	if ((v = qg_json_get(root, "dialect"))) {
		const struct qg_json *d;
		size_t m2;

		schema_ptr_push(&L, &mark, "dialect");
		if (qg_json_type(v) != QG_JSON_OBJECT) {
			ret = schema_bad(&L, v, "expected an object");
		} else if ((d = qg_json_get(v, "delimiter"))) {
			schema_ptr_push(&L, &m2, "delimiter");
			ret = schema_char(&L, d, &S->delimiter);
			schema_ptr_pop(&L, m2);
		}
		schema_ptr_pop(&L, mark);
		if (ret)
			goto done;
	}
	if ((v = qg_json_get(root, "qgate"))) {
		schema_ptr_push(&L, &mark, "qgate");
		ret = parse_qgate(&L, S, v);
		schema_ptr_pop(&L, mark);
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

void data_schema_release(struct qg_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_fields; i++)
		schema_field_release(&s->fields[i]);
	free(s->fields);
	free(s->primary_key);
	free(s->path);
	qg_strmap_release(&s->missing_values);
	memset(s, 0, sizeof(*s));
	s->min_rows = s->max_rows = -1;
}

