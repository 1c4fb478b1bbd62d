/* jsonscan.c -- a compact JSON tree over borrowed bytes (see jsonscan.h)
 *
 * One pass over the text with an explicit stack (no recursion, depth capped),
 * appending a node per value. Strings are scanned for their end and checked
 * for control characters and valid escapes, but not copied: js_str() decodes
 * when a reader needs the text. Errors point at the offending byte.
 */
#include "qgate/common.h"

#include <limits.h>

#include "jsonscan.h"

#define JS_MAX_DEPTH 512

static int js_fail(const struct js_doc *d, const char *name, size_t off, const char *what)
{
	long long line, col;

	js_where(d, off, &line, &col);
	if (off >= d->len)
		return qg_error(QG_EINPUT, "'%s':%lld:%lld: malformed JSON: %s at the end of the input", name,
				line, col, what);
	return qg_error(QG_EINPUT, "'%s':%lld:%lld: malformed JSON: %s", name, line, col, what);
}

void js_where(const struct js_doc *d, size_t off, long long *line, long long *col)
{
	const char *p = d->src, *end = d->src + (off < d->len ? off : d->len), *ls = p;
	long long l = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		l++;
		p = nl + 1;
		ls = p;
	}
	*line = l;
	*col = (long long)(end - ls) + 1;
}

static int js_push(struct js_doc *d, enum js_type t, size_t off, uint32_t *idx)
{
	if (d->nr >= UINT32_MAX - 1)
		return qg_error(QG_ETOOBIG, "JSON document has too many values");
	if (QG_ALLOC_GROW(d->n, d->nr + 1, d->alloc) < 0)
		return QG_ENOMEM;
	*idx = (uint32_t)d->nr;
	d->n[d->nr].off = (uint32_t)off;
	d->n[d->nr].len = 0;
	d->n[d->nr].next = (uint32_t)d->nr + 1;
	d->n[d->nr].type = (uint8_t)t;
	d->n[d->nr].esc = 0;
	d->nr++;
	return 0;
}

int js_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Scan a string starting after its opening quote; *pos ends after the closing one. */
static int scan_string(const struct js_doc *d, const char *name, size_t *pos, int *esc)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t i = *pos, n = d->len;

	*esc = 0;
	for (;;) {
		/* 8 bytes at a time while none is '"', '\\' or a control byte
		 * (most of a report is strings); the byte loop finds which */
		while (n - i >= 8) {
			const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
			uint64_t v, q, b, c;

			memcpy(&v, s + i, 8);
			q = v ^ (ones * '"');
			b = v ^ (ones * '\\');
			c = (v - ones * 0x20) & ~v;
			if (((q - ones) & ~q) & high || ((b - ones) & ~b) & high || c & high)
				break;
			i += 8;
		}
		while (i < n && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
			i++;
		if (i >= n)
			return js_fail(d, name, i, "unterminated string");
		if (s[i] == '"') {
			*pos = i + 1;
			return 0;
		}
		if (s[i] < 0x20)
			return js_fail(d, name, i, "control character in a string (escape it)");
		*esc = 1;
		i++;
		if (i >= n)
			return js_fail(d, name, i, "unterminated string");
		switch (s[i]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			i++;
			break;
		case 'u':
			if (i + 4 >= n || js_hexval(s[i + 1]) < 0 || js_hexval(s[i + 2]) < 0 || js_hexval(s[i + 3]) < 0 ||
			    js_hexval(s[i + 4]) < 0)
				return js_fail(d, name, i, "\\u must be followed by four hex digits");
			i += 5;
			break;
		default:
			return js_fail(d, name, i - 1, "invalid escape in a string");
		}
	}
}

static int scan_number(const struct js_doc *d, const char *name, size_t *pos)
{
	const char *s = d->src;
	size_t i = *pos, n = d->len;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return js_fail(d, name, i, "expected a digit");
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return js_fail(d, name, i, "expected a digit after '.'");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return js_fail(d, name, i, "expected a digit in the exponent");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	*pos = i;
	return 0;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
		i++;
	return i;
}

/* A string at src[*i] == '"': pushed as a node, *i after its closing quote. */
static int push_string(struct js_doc *d, const char *name, size_t *i)
{
	uint32_t idx;
	int err, esc;

	if ((err = js_push(d, JS_STR, *i + 1, &idx)) < 0)
		return err;
	(*i)++;
	if ((err = scan_string(d, name, i, &esc)) < 0)
		return err;
	d->n[idx].len = (uint32_t)(*i - 1 - d->n[idx].off);
	d->n[idx].esc = (uint8_t)esc;
	return 0;
}

/* An object key and its ':' (what = the message when no key is there). */
static int push_key(struct js_doc *d, const char *name, size_t *i, const char *what)
{
	int err;

	if (*i >= d->len || d->src[*i] != '"')
		return js_fail(d, name, *i, what);
	if ((err = push_string(d, name, i)) < 0)
		return err;
	*i = skip_ws(d->src, *i, d->len);
	if (*i >= d->len || d->src[*i] != ':')
		return js_fail(d, name, *i, "expected ':' after an object key");
	(*i)++;
	return 0;
}

/* true, false or null at src[*i]. */
static int push_literal(struct js_doc *d, const char *name, size_t *i, const char *word, enum js_type t)
{
	size_t n = strlen(word);
	uint32_t idx;
	int err;

	if (d->len - *i < n || memcmp(d->src + *i, word, n))
		return js_fail(d, name, *i, "expected a value");
	if ((err = js_push(d, t, *i, &idx)) < 0)
		return err;
	*i += n;
	return 0;
}

static int js_parse_tree(struct js_doc *d, const char *src, size_t len, const char *name)
{
	uint32_t stack[JS_MAX_DEPTH];
	int depth = 0, err, want_value = 1;
	size_t i = 0;
	uint32_t idx;

	memset(d, 0, sizeof(*d));
	d->src = src;
	d->len = len;
	if (len >= UINT32_MAX)
		return qg_error(QG_ETOOBIG, "'%s': JSON document larger than 4 GiB", name);
	if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3))
		i = 3;
	/* Reserve roughly one node per 12 bytes up front: one big allocation. */
	if (len > 4096) {
		size_t guess = len / 12 + 16;
		if (QG_ALLOC_GROW(d->n, guess, d->alloc) < 0)
			return QG_ENOMEM;
	}
	for (;;) {
		i = skip_ws(src, i, len);
		if (want_value) {
			/* A value, or a closing bracket of an empty container. */
			if (i >= len)
				return js_fail(d, name, i, "expected a value");
			switch (src[i]) {
			case '{': case '[':
				if (depth >= JS_MAX_DEPTH)
					return js_fail(d, name, i, "nested deeper than 512 levels");
				if ((err = js_push(d, src[i] == '{' ? JS_OBJ : JS_ARR, i, &idx)) < 0)
					return err;
				stack[depth++] = idx;
				i = skip_ws(src, i + 1, len);
				if (i < len && (src[i] == '}' || src[i] == ']')) {
					if ((src[i] == '}') != (d->n[idx].type == JS_OBJ))
						return js_fail(d, name, i, "mismatched bracket");
					depth--;
					d->n[idx].next = (uint32_t)d->nr;
					i++;
					want_value = 0;
					break;
				}
				if (d->n[idx].type == JS_OBJ &&
				    (err = push_key(d, name, &i, "expected a string key or '}'")) < 0)
					return err;
				continue;
			case '"':
				if ((err = push_string(d, name, &i)) < 0)
					return err;
				break;
			case 't':
				if ((err = push_literal(d, name, &i, "true", JS_TRUE)) < 0)
					return err;
				break;
			case 'f':
				if ((err = push_literal(d, name, &i, "false", JS_FALSE)) < 0)
					return err;
				break;
			case 'n':
				if ((err = push_literal(d, name, &i, "null", JS_NULL)) < 0)
					return err;
				break;
			default:
				if (src[i] != '-' && (src[i] < '0' || src[i] > '9'))
					return js_fail(d, name, i, "expected a value");
				if ((err = js_push(d, JS_NUM, i, &idx)) < 0)
					return err;
				if ((err = scan_number(d, name, &i)) < 0)
					return err;
				d->n[idx].len = (uint32_t)(i - d->n[idx].off);
				break;
			}
			want_value = 0;
			continue;
		}
		/* After a value: ',' or the closing bracket of the container, or the end. */
		if (!depth) {
			if (i < len)
				return js_fail(d, name, i, "unexpected text after the JSON value");
			return 0;
		}
		idx = stack[depth - 1];
		d->n[idx].len++;
		if (i >= len)
			return js_fail(d, name, i, d->n[idx].type == JS_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
		if (src[i] == ',') {
			i = skip_ws(src, i + 1, len);
			if (d->n[idx].type == JS_OBJ && (err = push_key(d, name, &i, "expected a string key")) < 0)
				return err;
			want_value = 1;
			continue;
		}
		if ((src[i] == '}' && d->n[idx].type == JS_OBJ) || (src[i] == ']' && d->n[idx].type == JS_ARR)) {
			d->n[idx].next = (uint32_t)d->nr;
			depth--;
			i++;
			continue;
		}
		return js_fail(d, name, i, d->n[idx].type == JS_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

int js_parse(struct js_doc *d, const char *src, size_t len, const char *name)
{
	int err = js_parse_tree(d, src, len, name);

	if (err < 0)
		js_release(d);
	return err;
}

void js_release(struct js_doc *d)
{
	if (!d)
		return;
	free(d->n);
	d->n = NULL;
	d->nr = d->alloc = 0;
}

int js_utf8_put(struct qg_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return qg_buf_add(b, u, n);
}

static unsigned hex4(const char *p)
{
	return (unsigned)(js_hexval((unsigned char)p[0]) << 12 | js_hexval((unsigned char)p[1]) << 8 |
			  js_hexval((unsigned char)p[2]) << 4 | js_hexval((unsigned char)p[3]));
}

int js_str(const struct js_doc *d, uint32_t i, struct qg_buf *b)
{
	const char *s, *e;
	int err = 0;

	qg_buf_reset(b);
	if (i >= d->nr || d->n[i].type != JS_STR)
		return qg_error(QG_EINPUT, "expected a string");
	s = d->src + d->n[i].off;
	e = s + d->n[i].len;
	if (!d->n[i].esc)
		return qg_buf_add(b, s, d->n[i].len);
	while (s < e && !err) {
		const char *bs = memchr(s, '\\', (size_t)(e - s));
		if (!bs)
			return qg_buf_add(b, s, (size_t)(e - s));
		if ((err = qg_buf_add(b, s, (size_t)(bs - s))) < 0)
			return err;
		s = bs + 1;
		switch (*s) {
		case 'b': err = qg_buf_addch(b, '\b'); s++; break;
		case 'f': err = qg_buf_addch(b, '\f'); s++; break;
		case 'n': err = qg_buf_addch(b, '\n'); s++; break;
		case 'r': err = qg_buf_addch(b, '\r'); s++; break;
		case 't': err = qg_buf_addch(b, '\t'); s++; break;
		case 'u': {
			unsigned cp = hex4(s + 1);
			s += 5;
			if (cp >= 0xD800 && cp < 0xDC00 && e - s >= 6 && s[0] == '\\' && s[1] == 'u') {
				unsigned lo = hex4(s + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD; /* a lone surrogate */
			err = js_utf8_put(b, cp);
			break;
		}
		default: err = qg_buf_addch(b, *s); s++; break;
		}
	}
	return err;
}

int js_str_eq(const struct js_doc *d, uint32_t i, const char *s)
{
	size_t n = strlen(s);

	if (i >= d->nr || d->n[i].type != JS_STR)
		return 0;
	if (!d->n[i].esc)
		return d->n[i].len == n && !memcmp(d->src + d->n[i].off, s, n);
	{
		struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
		int eq = js_str(d, i, &b) == 0 && b.len == n && !memcmp(b.buf, s, n);
		qg_buf_release(&b);
		return eq;
	}
}

uint32_t js_get(const struct js_doc *d, uint32_t o, const char *key)
{
	uint32_t c, k;
	size_t n;

	if (o >= d->nr || d->n[o].type != JS_OBJ)
		return 0;
	n = strlen(key); /* once: a result asks ~20 keys of objects of ~5 members */
	c = o + 1;
	for (k = 0; k < d->n[o].len; k++) {
		const struct js_node *kn = &d->n[c];

		if (kn->esc ? js_str_eq(d, c, key) : kn->len == n && !memcmp(d->src + kn->off, key, n))
			return c + 1;
		c = d->n[c + 1].next;
	}
	return 0;
}

uint32_t js_at(const struct js_doc *d, uint32_t a, size_t i)
{
	uint32_t c;
	size_t k;

	if (a >= d->nr || d->n[a].type != JS_ARR || i >= d->n[a].len)
		return 0;
	c = a + 1;
	for (k = 0; k < i; k++)
		c = d->n[c].next;
	return c;
}

long long js_int(const struct js_doc *d, uint32_t i, int *ok)
{
	long long v = 0;
	const char *s, *e;
	int neg = 0;

	*ok = 0;
	if (!i || i >= d->nr || d->n[i].type != JS_NUM)
		return 0;
	s = d->src + d->n[i].off;
	e = s + d->n[i].len;
	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		if (v > (LLONG_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	*ok = 1;
	return neg ? -v : v;
}

/* Duplicate keys: an open-addressing table of key hashes per object. */
static uint64_t key_hash(const struct js_doc *d, uint32_t k, struct qg_buf *tmp, const char **p, size_t *n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	if (d->n[k].esc && js_str(d, k, tmp) == 0) {
		*p = tmp->buf;
		*n = tmp->len;
	} else {
		*p = d->src + d->n[k].off;
		*n = d->n[k].len;
	}
	for (i = 0; i < *n; i++)
		h = (h ^ (unsigned char)(*p)[i]) * 1099511628211ULL;
	return h;
}

static int keys_equal(const struct js_doc *d, uint32_t a, uint32_t b)
{
	struct qg_buf ta = QG_BUF_INIT(QG_CAP_MESSAGE), tb = QG_BUF_INIT(QG_CAP_MESSAGE);
	int eq;

	if (!d->n[a].esc && !d->n[b].esc)
		return d->n[a].len == d->n[b].len && !memcmp(d->src + d->n[a].off, d->src + d->n[b].off, d->n[a].len);
	eq = js_str(d, a, &ta) == 0 && js_str(d, b, &tb) == 0 && ta.len == tb.len && !memcmp(ta.buf, tb.buf, ta.len);
	qg_buf_release(&ta);
	qg_buf_release(&tb);
	return eq;
}

int js_check_dups(const struct js_doc *d, int (*cb)(void *ud, uint32_t dup, uint32_t first), void *ud)
{
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	uint32_t *tab = NULL;
	size_t cap = 0, o;
	int err = 0;

	for (o = 0; o < d->nr && !err; o++) {
		uint32_t c, m, nm = d->n[o].len;
		size_t want, j;

		if (d->n[o].type != JS_OBJ || nm < 2)
			continue;
		for (want = 16; want < (size_t)nm * 2; want *= 2)
			;
		if (want > cap) {
			uint32_t *nt = realloc(tab, want * sizeof(*tab));
			if (!nt) {
				err = qg_error(QG_ENOMEM, "out of memory");
				break;
			}
			tab = nt;
			cap = want;
		}
		memset(tab, 0, want * sizeof(*tab));
		c = (uint32_t)o + 1;
		for (m = 0; m < nm && !err; m++) {
			const char *p;
			size_t n;
			uint64_t h = key_hash(d, c, &tmp, &p, &n);
			for (j = h & (want - 1); tab[j]; j = (j + 1) & (want - 1))
				if (keys_equal(d, tab[j], c))
					break;
			if (tab[j])
				err = cb(ud, c, tab[j]);
			else
				tab[j] = c;
			c = d->n[c + 1].next;
		}
	}
	free(tab);
	qg_buf_release(&tmp);
	return err;
}
