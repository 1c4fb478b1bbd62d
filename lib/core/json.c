/* json.c -- JSON trees over cJSON, with deterministic printing
 *
 * This is the only file that sees cJSON: struct qg_json is never defined, a
 * pointer to it is a cJSON node in disguise. Parsing goes through
 * cJSON_ParseWithLengthOpts() with return_parse_end (never the global error
 * pointer, which is not thread-safe); a parse error is located by line and
 * column and described with what the grammar expected at that point.
 * Printing is our own: cJSON prints large integers with exponents and does
 * not round-trip every double, so numbers are formatted here (integers
 * below 2^53 plainly, others in the shortest form that reads back equal:
 * qg_dtoa(); NaN/Inf as null) and strings are re-encoded as valid UTF-8
 * with invalid bytes replaced by U+FFFD.
 */
#include "qgate/common.h"

#include <math.h>
#include <cjson/cJSON.h>

#include "qgate/dtoa.h"
#include "qgate/json.h"
#include "qgate/utf8.h"

#define J(x) ((cJSON *)(x))
#define CJ(x) ((const cJSON *)(x))
#define Q(x) ((struct qg_json *)(x))
#define CQ(x) ((const struct qg_json *)(x))

/* ---------------------------------------------------------------- parsing */

struct scan_frame {
	char kind;      /* '{' or '[' */
	char after_key; /* object: a key was read, ':' or value pending */
};

/* Describe what the grammar expected at `pos` by re-scanning the prefix with a
 * small bracket stack. The prefix parsed correctly up to pos (cJSON said so),
 * so the scan only has to track strings and structure. */
static const char *json_expected(const char *text, size_t pos)
{
	struct scan_frame stack[64];
	size_t depth = 0, overflow = 0;
	char last = 0; /* last significant token: '{' '[' ':' ',' 'v' (value end) or 'k' (key) */
	size_t i = 0;

	while (i < pos) {
		char c = text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c == '"') {
			size_t j = i + 1;

			while (j < pos && text[j] != '"') {
				if (text[j] == '\\')
					j++;
				j++;
			}
			if (j >= pos)
				return "a valid string (closing quote, escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, no raw control characters)";
			i = j + 1;
			if (depth && !overflow && stack[depth - 1].kind == '{' &&
			    (last == '{' || last == ',')) {
				last = 'k';
				stack[depth - 1].after_key = 1;
			} else {
				last = 'v';
			}
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth < QG_ARRAY_SIZE(stack) && !overflow) {
				stack[depth].kind = c;
				stack[depth].after_key = 0;
				depth++;
			} else {
				overflow++;
			}
			last = c;
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			if (overflow)
				overflow--;
			else if (depth)
				depth--;
			last = 'v';
			i++;
			continue;
		}
		if (c == ':' || c == ',') {
			last = c;
			i++;
			continue;
		}
		/* a literal or number: skip to its end. A NUL byte is text here, not
		 * the end of the delimiter set (strchr would match the terminator
		 * and the scan would never advance). */
		do
			i++;
		while (i < pos && text[i] && !strchr(" \t\r\n,:]}[{\"", text[i]));
		last = 'v';
	}
	if (overflow)
		return "a value";
	if (!depth)
		return last == 'v' ? "end of input" : "a value (object, array, string, number, true, false or null)";
	if (stack[depth - 1].kind == '{') {
		switch (last) {
		case '{':
			return "a string key or '}'";
		case ',':
			return "a string key";
		case 'k':
			return "':'";
		case ':':
			return "a value";
		default:
			return "',' or '}'";
		}
	}
	switch (last) {
	case '[':
		return "a value or ']'";
	case ',':
		return "a value";
	default:
		return "',' or ']'";
	}
}

static void describe_found(char *out, size_t n, const char *text, size_t len, size_t pos)
{
	unsigned char c;

	if (pos >= len) {
		snprintf(out, n, "end of input");
		return;
	}
	c = (unsigned char)text[pos];
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, n, "'%c'", c);
	else
		snprintf(out, n, "byte 0x%02x", c);
}

/* What cJSON accepts silently and qgate refuses: a number that overflows to
 * an infinity (1e999) and a key that appears twice in one object (cJSON keeps
 * both, and qg_json_get() would read the first). The text already parsed, so
 * it is walked in step with the tree: each node's value starts at `pos`, which
 * gives the line and column. The walk skips what cJSON skips (bytes <= 0x20,
 * number characters "0-9+-eE."), and stops checking if it ever loses step. */
struct json_check {
	const char *text;
	size_t len, pos;
	const char *name;
};

static void json_line_col(const char *text, size_t pos, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void jc_ws(struct json_check *k)
{
	while (k->pos < k->len && (unsigned char)k->text[k->pos] <= 0x20)
		k->pos++;
}

/* skip a string starting at its opening quote: 0, or 1 when out of step */
static int jc_string(struct json_check *k)
{
	if (k->pos >= k->len || k->text[k->pos] != '"')
		return 1;
	for (k->pos++; k->pos < k->len && k->text[k->pos] != '"'; k->pos++)
		if (k->text[k->pos] == '\\')
			k->pos++;
	if (k->pos >= k->len)
		return 1;
	k->pos++;
	return 0;
}

struct key_at {
	const char *key;
	size_t i, pos;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int jc_value(struct json_check *k, const cJSON *node);

static int jc_object(struct json_check *k, const cJSON *node)
{
	struct key_at *keys;
	size_t n = 0, i, dup = SIZE_MAX, first = 0, line, col, fline, fcol, klen;
	const cJSON *c;
	int ret;

	for (c = node->child; c; c = c->next)
		n++;
	keys = n ? calloc(n, sizeof(*keys)) : NULL;
	if (n && !keys)
		return qg_error(QG_ENOMEM, "'%s': out of memory checking JSON keys", k->name);
	k->pos++; /* '{' */
	for (i = 0, c = node->child; c; c = c->next, i++) {
		jc_ws(k);
		keys[i].key = c->string ? c->string : "";
		keys[i].i = i;
		keys[i].pos = k->pos;
		if (jc_string(k)) {
			ret = 1;
			goto done;
		}
		jc_ws(k);
		if (k->pos >= k->len || k->text[k->pos] != ':') {
			ret = 1;
			goto done;
		}
		k->pos++;
		if ((ret = jc_value(k, c)))
			goto done;
		jc_ws(k);
		if (k->pos < k->len && k->text[k->pos] == ',')
			k->pos++;
	}
	jc_ws(k);
	if (k->pos >= k->len || k->text[k->pos] != '}') {
		ret = 1;
		goto done;
	}
	k->pos++;
	ret = 0;
	if (n < 2)
		goto done;
	/* sorted by key then by order: a repeat follows its first occurrence;
	 * report the repeat that comes first in the text */
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(keys[i - 1].key, keys[i].key))
			continue;
		if (dup == SIZE_MAX || keys[i].i < keys[dup].i) {
			dup = i;
			first = i - 1;
			while (first && !strcmp(keys[first - 1].key, keys[i].key))
				first--;
		}
	}
	if (dup == SIZE_MAX)
		goto done;
	json_line_col(k->text, keys[dup].pos, &line, &col);
	json_line_col(k->text, keys[first].pos, &fline, &fcol);
	/* the key as written (JSON-escaped, so printable), shortened */
	for (klen = 1; keys[dup].pos + klen < k->len && k->text[keys[dup].pos + klen] != '"'; klen++)
		if (k->text[keys[dup].pos + klen] == '\\')
			klen++;
	klen--;
	ret = qg_error(QG_EPARSE,
		       "'%s':%zu:%zu: duplicate key \"%.*s%s\" (first at %zu:%zu), expected each key once in an object",
		       k->name, line, col, (int)(klen > 64 ? 64 : klen), k->text + keys[dup].pos + 1,
		       klen > 64 ? "..." : "", fline, fcol);
done:
	free(keys);
	return ret;
}

/* 0 checked, 1 out of step (stop checking), negative QG_E* error */
static int jc_value(struct json_check *k, const cJSON *node)
{
	size_t start, line, col;
	const cJSON *c;
	int ret;

	jc_ws(k);
	if (k->pos >= k->len)
		return 1;
	start = k->pos;
	switch (node->type & 0xff) {
	case cJSON_Object:
		return k->text[k->pos] == '{' ? jc_object(k, node) : 1;
	case cJSON_Array:
		if (k->text[k->pos] != '[')
			return 1;
		k->pos++;
		for (c = node->child; c; c = c->next) {
			if ((ret = jc_value(k, c)))
				return ret;
			jc_ws(k);
			if (k->pos < k->len && k->text[k->pos] == ',')
				k->pos++;
		}
		jc_ws(k);
		if (k->pos >= k->len || k->text[k->pos] != ']')
			return 1;
		k->pos++;
		return 0;
	case cJSON_String:
		return jc_string(k);
	case cJSON_Number:
		while (k->pos < k->len && k->text[k->pos] && strchr("0123456789+-eE.", k->text[k->pos]))
			k->pos++;
		if (k->pos == start)
			return 1;
		if (isfinite(node->valuedouble))
			return 0;
		json_line_col(k->text, start, &line, &col);
		return qg_error(QG_EPARSE,
				"'%s':%zu:%zu: number %.*s%s is out of range (it overflows to infinity), expected a finite number",
				k->name, line, col, (int)(k->pos - start > 40 ? 40 : k->pos - start), k->text + start,
				k->pos - start > 40 ? "..." : "");
	default: /* true, false, null */
		while (k->pos < k->len && k->text[k->pos] >= 'a' && k->text[k->pos] <= 'z')
			k->pos++;
		return k->pos == start;
	}
}

static int json_check(const char *text, size_t len, const cJSON *root, const char *name)
{
	struct json_check k = { text, len, 0, name };
	int ret;

	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		k.pos = 3; /* cJSON skips a UTF-8 byte-order mark */
	ret = jc_value(&k, root);
	return ret < 0 ? ret : 0;
}

int qg_json_parse(struct qg_json **out, const char *text, size_t len, const char *name)
{
	const char *end = NULL;
	cJSON *root;
	size_t pos, line = 1, col = 1;
	char found[32];

	*out = NULL;
	if (!text)
		text = "";
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root) {
		pos = end ? (size_t)(end - text) : len;
		while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
				     text[pos] == '\r'))
			pos++;
		if (pos >= len || text[pos] == '\0') {
			int err = json_check(text, len, root, name ? name : "<json>");

			if (err < 0) {
				cJSON_Delete(root);
				return err;
			}
			*out = Q(root);
			return 0;
		}
		cJSON_Delete(root);
	} else {
		size_t k;

		pos = end ? (size_t)(end - text) : 0;
		if (pos > len)
			pos = len;
		/* cJSON stops on the last byte when the input ends early: report
		 * the end of input, not the trailing newline */
		for (k = pos; k < len && strchr(" \t\r\n", text[k]); k++)
			;
		if (k >= len)
			pos = len;
	}
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	describe_found(found, sizeof(found), text, len, pos);
	return qg_error(QG_EPARSE, "'%s':%zu:%zu: invalid JSON: found %s, expected %s",
			name ? name : "<json>", line, col, found, json_expected(text, pos));
}

int qg_json_parse_file(struct qg_json **out, const char *path)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	int err;

	*out = NULL;
	err = qg_buf_read_file(&b, path);
	if (!err)
		err = qg_json_parse(out, b.buf, b.len, path);
	qg_buf_release(&b);
	return err;
}

void qg_json_free(struct qg_json *j)
{
	if (j)
		cJSON_Delete(J(j));
}

struct qg_json *qg_json_dup(const struct qg_json *j)
{
	cJSON *d;

	if (!j)
		return NULL;
	d = cJSON_Duplicate(CJ(j), 1);
	if (!d) {
		qg_error(QG_ENOMEM, "out of memory copying a JSON tree");
		return NULL;
	}
	/* a duplicated member keeps its key; a root has none */
	if (d->string && !(d->type & cJSON_StringIsConst))
		cJSON_free(d->string);
	d->string = NULL;
	d->type &= ~cJSON_StringIsConst;
	return Q(d);
}

struct qg_json *qg_json_new_object(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		qg_error(QG_ENOMEM, "out of memory creating a JSON object");
	return Q(o);
}

struct qg_json *qg_json_new_array(void)
{
	cJSON *a = cJSON_CreateArray();

	if (!a)
		qg_error(QG_ENOMEM, "out of memory creating a JSON array");
	return Q(a);
}

/* ---------------------------------------------------------------- reading */

enum qg_json_type qg_json_type(const struct qg_json *j)
{
	const cJSON *c = CJ(j);

	if (!c)
		return QG_JSON_INVALID;
	switch (c->type & 0xff) {
	case cJSON_NULL:
		return QG_JSON_NULL;
	case cJSON_False:
	case cJSON_True:
		return QG_JSON_BOOL;
	case cJSON_Number:
		return QG_JSON_NUMBER;
	case cJSON_String:
		return QG_JSON_STRING;
	case cJSON_Array:
		return QG_JSON_ARRAY;
	case cJSON_Object:
		return QG_JSON_OBJECT;
	default:
		return QG_JSON_INVALID;
	}
}

const char *qg_json_type_name(enum qg_json_type t)
{
	switch (t) {
	case QG_JSON_NULL:
		return "null";
	case QG_JSON_BOOL:
		return "boolean";
	case QG_JSON_NUMBER:
		return "number";
	case QG_JSON_STRING:
		return "string";
	case QG_JSON_ARRAY:
		return "array";
	case QG_JSON_OBJECT:
		return "object";
	default:
		return "invalid";
	}
}

const struct qg_json *qg_json_get(const struct qg_json *obj, const char *key)
{
	if (!obj || !key || !cJSON_IsObject(CJ(obj)))
		return NULL;
	return CQ(cJSON_GetObjectItemCaseSensitive(CJ(obj), key));
}

double qg_json_number(const struct qg_json *j)
{
	if (!j || !cJSON_IsNumber(CJ(j)))
		return NAN;
	return CJ(j)->valuedouble;
}

const char *qg_json_string(const struct qg_json *j)
{
	if (!j || !cJSON_IsString(CJ(j)))
		return NULL;
	return CJ(j)->valuestring;
}

int qg_json_bool(const struct qg_json *j)
{
	if (!j || !cJSON_IsBool(CJ(j)))
		return -1;
	return cJSON_IsTrue(CJ(j)) ? 1 : 0;
}

size_t qg_json_size(const struct qg_json *j)
{
	size_t n = 0;

	if (!j || !(cJSON_IsArray(CJ(j)) || cJSON_IsObject(CJ(j))))
		return 0;
	for (const cJSON *c = CJ(j)->child; c; c = c->next)
		n++;
	return n;
}

const struct qg_json *qg_json_at(const struct qg_json *j, size_t i)
{
	const cJSON *c;

	if (!j || !(cJSON_IsArray(CJ(j)) || cJSON_IsObject(CJ(j))))
		return NULL;
	for (c = CJ(j)->child; c && i; c = c->next)
		i--;
	return CQ(c);
}

const struct qg_json *qg_json_first(const struct qg_json *j)
{
	if (!j || !(cJSON_IsArray(CJ(j)) || cJSON_IsObject(CJ(j))))
		return NULL;
	return CQ(CJ(j)->child);
}

const struct qg_json *qg_json_next(const struct qg_json *j)
{
	return j ? CQ(CJ(j)->next) : NULL;
}

const char *qg_json_key(const struct qg_json *member)
{
	return member ? CJ(member)->string : NULL;
}

/* --------------------------------------------------------------- building */

/* Attach node under parent: objects replace a member of the same name in
 * place (so a tree never holds duplicate keys), arrays append. The node is
 * left to the caller on failure. */
static struct qg_json *attach_node(struct qg_json *parent, const char *key, cJSON *node)
{
	cJSON *p = J(parent);

	if (!p) {
		qg_error(QG_ERROR, "json: no parent to add to");
		return NULL;
	}
	if (cJSON_IsObject(p)) {
		cJSON *old;

		if (!key) {
			qg_error(QG_ERROR, "json: object member needs a key");
			return NULL;
		}
		old = cJSON_GetObjectItemCaseSensitive(p, key);
		if (old) {
			char *k = qg_strdup(key);

			if (!k)
				return NULL;
			if (node->string && !(node->type & cJSON_StringIsConst))
				cJSON_free(node->string);
			node->type &= ~cJSON_StringIsConst;
			/* cJSON frees keys with cJSON_free; it is free() with default hooks */
			node->string = k;
			if (!cJSON_ReplaceItemViaPointer(p, old, node)) {
				qg_error(QG_ERROR, "json: cannot replace member '%s'", key);
				return NULL;
			}
			return Q(node);
		}
		if (!cJSON_AddItemToObject(p, key, node)) {
			qg_error(QG_ENOMEM, "out of memory adding member '%s'", key);
			return NULL;
		}
		return Q(node);
	}
	if (cJSON_IsArray(p)) {
		if (!cJSON_AddItemToArray(p, node)) {
			qg_error(QG_ENOMEM, "out of memory adding to a JSON array");
			return NULL;
		}
		return Q(node);
	}
	qg_error(QG_ERROR, "json: cannot add to a %s", qg_json_type_name(qg_json_type(parent)));
	return NULL;
}

/* attach_node() for a node created here: freed on failure. */
static struct qg_json *attach(struct qg_json *parent, const char *key, cJSON *node)
{
	struct qg_json *r;

	if (!node) {
		qg_error(QG_ENOMEM, "out of memory building JSON");
		return NULL;
	}
	r = attach_node(parent, key, node);
	if (!r)
		cJSON_Delete(node);
	return r;
}

struct qg_json *qg_json_add_number(struct qg_json *parent, const char *key, double v)
{
	return attach(parent, key, cJSON_CreateNumber(v));
}

struct qg_json *qg_json_add_string(struct qg_json *parent, const char *key, const char *s)
{
	return attach(parent, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

struct qg_json *qg_json_add_bool(struct qg_json *parent, const char *key, int v)
{
	return attach(parent, key, cJSON_CreateBool(v ? 1 : 0));
}

struct qg_json *qg_json_add_null(struct qg_json *parent, const char *key)
{
	return attach(parent, key, cJSON_CreateNull());
}

struct qg_json *qg_json_add_object(struct qg_json *parent, const char *key)
{
	return attach(parent, key, cJSON_CreateObject());
}

struct qg_json *qg_json_add_array(struct qg_json *parent, const char *key)
{
	return attach(parent, key, cJSON_CreateArray());
}

int qg_json_attach(struct qg_json *parent, const char *key, struct qg_json *child)
{
	cJSON *c = J(child);

	if (!c)
		return qg_error(QG_ERROR, "json: nothing to attach");
	if (c->next || c->prev)
		return qg_error(QG_ERROR, "json: only a root can be attached");
	if (c->string && !(c->type & cJSON_StringIsConst))
		cJSON_free(c->string);
	c->string = NULL;
	c->type &= ~cJSON_StringIsConst;
	return attach_node(parent, key, c) ? 0 : qg_error_code();
}

void qg_json_remove(struct qg_json *obj, const char *key)
{
	if (obj && key && cJSON_IsObject(J(obj)))
		cJSON_DeleteItemFromObjectCaseSensitive(J(obj), key);
}

/* --------------------------------------------------------------- printing */

static int print_number(struct qg_buf *out, double v)
{
	char tmp[QG_DTOA_MAX];

	if (!isfinite(v))
		return qg_buf_addstr(out, "null");
	/* integers plainly (-0 as 0), others the shortest that reads back */
	return qg_buf_add(out, tmp, qg_dtoa(tmp, v, QG_DTOA_PLAIN_INT));
}

/* One byte, or the sequence at p[0..avail), escaped into o: the bytes
 * written (at most 6 for a byte, 3 for U+FFFD, n for a valid sequence). */
static size_t quote_one(unsigned char *o, const unsigned char *p, size_t avail, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = p[0];
	size_t n;

	*used = 1;
	switch (c) {
	case '"': o[0] = '\\', o[1] = '"'; return 2;
	case '\\': o[0] = '\\', o[1] = '\\'; return 2;
	case '\n': o[0] = '\\', o[1] = 'n'; return 2;
	case '\r': o[0] = '\\', o[1] = 'r'; return 2;
	case '\t': o[0] = '\\', o[1] = 't'; return 2;
	case '\b': o[0] = '\\', o[1] = 'b'; return 2;
	case '\f': o[0] = '\\', o[1] = 'f'; return 2;
	default: break;
	}
	if (c < 0x20) {
		memcpy(o, "\\u00", 4);
		o[4] = (unsigned char)hex[c >> 4], o[5] = (unsigned char)hex[c & 15];
		return 6;
	}
	if (c < 0x80) {
		o[0] = c;
		return 1;
	}
	if ((n = qg_utf8_decode(p, avail, NULL))) {
		memcpy(o, p, n);
		*used = n;
		return n;
	}
	memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD, never dropped */
	return 3;
}

/* Plain printable ASCII: copied as it is. */
#define JSON_PLAIN(c) ((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')

int qg_json_quote(struct qg_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t i = 0;
	int err = qg_buf_addch(out, '"');

	/* a block at a time into room reserved for its worst case (6 bytes a
	 * byte); near the buffer's cap, a byte at a time, so the cap is met
	 * exactly where the text reaches it */
	while (!err && i < len) {
		size_t seg = len - i < 4096 ? len - i : 4096, used;
		unsigned char *o, *o0;

		if (out->cap - out->len < seg * 6 + 8 || qg_buf_grow(out, seg * 6 + 8)) {
			unsigned char tmp[8];
			size_t n = quote_one(tmp, p + i, len - i, &used);

			err = qg_buf_add(out, tmp, n);
			i += used;
			continue;
		}
		o = o0 = (unsigned char *)out->buf + out->len;
		for (size_t end = i + seg; i < end;) {
			if (JSON_PLAIN(p[i])) {
				*o++ = p[i++];
				continue;
			}
			o += quote_one(o, p + i, len - i, &used);
			i += used; /* a sequence may end past `end`: 6 bytes a byte still hold it */
		}
		qg_buf_setlen(out, out->len + (size_t)(o - o0));
	}
	return err ? err : qg_buf_addch(out, '"');
}

static int indent(struct qg_buf *out, int depth)
{
	int err = qg_buf_addch(out, '\n');

	for (int i = 0; !err && i < depth; i++)
		err = qg_buf_addstr(out, "  ");
	return err;
}

static int print_node(struct qg_buf *out, const cJSON *c, int pretty, int depth)
{
	int err = 0;

	switch (c->type & 0xff) {
	case cJSON_NULL:
		return qg_buf_addstr(out, "null");
	case cJSON_False:
		return qg_buf_addstr(out, "false");
	case cJSON_True:
		return qg_buf_addstr(out, "true");
	case cJSON_Number:
		return print_number(out, c->valuedouble);
	case cJSON_String:
		return qg_json_quote(out, c->valuestring, c->valuestring ? strlen(c->valuestring) : 0);
	case cJSON_Raw:
		return qg_buf_addstr(out, c->valuestring ? c->valuestring : "null");
	case cJSON_Array:
	case cJSON_Object: {
		int obj = cJSON_IsObject(c);
		const cJSON *m = c->child;

		if (!m)
			return qg_buf_addstr(out, obj ? "{}" : "[]");
		err = qg_buf_addch(out, obj ? '{' : '[');
		for (; !err && m; m = m->next) {
			if (pretty)
				err = indent(out, depth + 1);
			if (!err && obj) {
				const char *k = m->string ? m->string : "";

				err = qg_json_quote(out, k, strlen(k));
				if (!err)
					err = qg_buf_addstr(out, pretty ? ": " : ":");
			}
			if (!err)
				err = print_node(out, m, pretty, depth + 1);
			if (!err && m->next)
				err = qg_buf_addch(out, ',');
		}
		if (!err && pretty)
			err = indent(out, depth);
		if (!err)
			err = qg_buf_addch(out, obj ? '}' : ']');
		return err;
	}
	default:
		return qg_buf_addstr(out, "null");
	}
}

int qg_json_print(struct qg_buf *out, const struct qg_json *j, int pretty)
{
	int err;

	if (!j)
		err = qg_buf_addstr(out, "null");
	else
		err = print_node(out, CJ(j), pretty, 0);
	if (!err && pretty)
		err = qg_buf_addch(out, '\n');
	return err;
}
