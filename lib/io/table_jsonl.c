/* table_jsonl.c -- the table reader's JSONL/NDJSON parser
 *
 * JSONL finds each line with memchr, then parses the object by hand; strings
 * are scanned 16 bytes at a time for '"', '\\' and control characters (SSE2
 * where the build has it, QG_SIMD_SSE2 in include/qgate/cpu.h; a portable
 * loop otherwise). A key that repeats wins with its last value; a lone
 * UTF-16 surrogate in \uXXXX is written as its 3-byte (WTF-8) form; a
 * malformed line is an error for that line only.
 */
#include "qgate/common.h"

#include "table_int.h"

static const char *describe(const char *p, const char *e, char tmp[16])
{
	unsigned char c;

	if (p >= e)
		return "end of line";
	c = (unsigned char)*p;
	if (c >= 0x20 && c < 0x7f)
		snprintf(tmp, 16, "'%c'", c);
	else
		snprintf(tmp, 16, "byte 0x%02x", c);
	return tmp;
}

/* ------------------------------------------------------------------ */
/* JSONL */

struct jctx {
	struct qg_table *t;
	const char *line;   /* start of the physical line */
	const char *e;      /* end of the line ('\n' or end of data) */
	long long lineno;
	int err;
};

static int jfail(struct jctx *j, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int jfail(struct jctx *j, const char *at, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->err = qg_error(QG_EPARSE, "'%s':%lld:%lld: %s", j->t->name, j->lineno,
			  (long long)(at - j->line) + 1, msg);
	return j->err;
}

/* The byte at a line's end e is its '\n' or, for a last line without one,
 * the zeroed padding after the data: neither is whitespace, a digit or any
 * other byte the scanners below continue on, so they need no bound test. */
static inline const char *jws(const char *p, const char *e)
{
	(void)e;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* p just after an opening quote: the closing quote, or NULL after jfail.
 * *esc is set when a backslash was seen. */
static inline __attribute__((always_inline)) const char *jstr_end(struct jctx *j, const char *p, int *esc)
{
	const char *e = j->e, *open = p - 1;

#if QG_SIMD_SSE2
	const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vc = _mm_set1_epi8(0x1f);

	for (;;) {
		/* loads may pass e: the buffer has TABLE_PAD readable bytes after the data */
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)),
					   _mm_cmpeq_epi8(_mm_max_epu8(x, vc), vc));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (!mask) {
			p += 16;
			if (p >= e)
				break;
			continue;
		}
		p += __builtin_ctz(mask);
		if (p >= e)
			break;
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 >= e)
				break;
			p += 2;
			if (p >= e)
				break;
			continue;
		}
		jfail(j, p, "control character 0x%02x in a string (expected it escaped)", (unsigned char)*p);
		return NULL;
	}
#else
	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p;
		if (c == '\\') {
			*esc = 1;
			if (++p >= e)
				break;
		} else if (c < 0x20) {
			jfail(j, p, "control character 0x%02x in a string (expected it escaped)", c);
			return NULL;
		}
	}
#endif
	jfail(j, open, "unterminated string (expected a closing '\"')");
	return NULL;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		unsigned char c = (unsigned char)p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Unescape [s, close) into the scratch area; NULL after jfail. The output is
 * never longer than the input (\uXXXX: 6 bytes in, at most 3 out; a pair: 12
 * in, 4 out). */
static const char *junescape(struct jctx *j, const char *s, const char *close, size_t *out_len)
{
	struct qg_table *t = j->t;
	char *out = t->scratch + t->scratch_len, *o = out;

	while (s < close) {
		const char *bs = memchr(s, '\\', (size_t)(close - s));
		size_t n = bs ? (size_t)(bs - s) : (size_t)(close - s);
		unsigned cp, lo;

		memcpy(o, s, n);
		o += n;
		if (!bs)
			break;
		s = bs + 1; /* bs + 1 < close: jstr_end skipped the escaped byte */
		switch (*s) {
		case '"': *o++ = '"'; s++; break;
		case '\\': *o++ = '\\'; s++; break;
		case '/': *o++ = '/'; s++; break;
		case 'b': *o++ = '\b'; s++; break;
		case 'f': *o++ = '\f'; s++; break;
		case 'n': *o++ = '\n'; s++; break;
		case 'r': *o++ = '\r'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'u':
			if (close - s < 5 || hex4(s + 1, &cp) < 0) {
				jfail(j, bs, "invalid \\u escape (expected 4 hex digits)");
				return NULL;
			}
			s += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && close - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
			    hex4(s + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			/* a lone surrogate comes out as 3 bytes (WTF-8): invalid UTF-8
			 * that the validator reports, rather than a silent change */
			o = put_utf8(o, cp);
			break;
		default:
			if (*s > 0x20 && *s < 0x7f)
				jfail(j, bs, "invalid escape '\\%c' in a string (expected one of \"\\/bfnrtu after '\\')", *s);
			else
				jfail(j, bs, "invalid escape: byte 0x%02x after '\\' (expected one of \"\\/bfnrtu)",
				      (unsigned char)*s);
			return NULL;
		}
	}
	*out_len = (size_t)(o - out);
	t->scratch_len += *out_len;
	return out;
}

/* p at a '"': the string's text (unescaped), p advanced past it. */
static inline __attribute__((always_inline)) const char *jstring(struct jctx *j, const char **pp, size_t *len)
{
	const char *p = *pp + 1, *close;
	int esc = 0;

	if (!(close = jstr_end(j, p, &esc)))
		return NULL;
	*pp = close + 1;
	if (!esc) {
		*len = (size_t)(close - p);
		return p;
	}
	return junescape(j, p, close, len);
}

static inline __attribute__((always_inline)) const char *jnumber(struct jctx *j, const char *p)
{
	const char *e = j->e, *s = p;
	char tmp[16];

	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		jfail(j, p, "expected a digit in the number starting at column %lld, found %s",
		      (long long)(s - j->line) + 1, describe(p, e, tmp));
		return NULL;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9') {
			jfail(j, p, "expected a digit after '.', found %s", describe(p, e, tmp));
			return NULL;
		}
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9') {
			jfail(j, p, "expected a digit in the exponent, found %s", describe(p, e, tmp));
			return NULL;
		}
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *jliteral(struct jctx *j, const char *p, const char *word, size_t n)
{
	if ((size_t)(j->e - p) < n || memcmp(p, word, n)) {
		jfail(j, p, "invalid literal (expected %s)", word);
		return NULL;
	}
	return p + n;
}

/* Skip a scalar; for nested values see jnested(). */
static const char *jscalar(struct jctx *j, const char *p)
{
	char tmp[16];
	int esc = 0;
	const char *q;

	switch (*p) {
	case '"':
		q = jstr_end(j, p + 1, &esc);
		return q ? q + 1 : NULL;
	case 't':
		return jliteral(j, p, "true", 4);
	case 'f':
		return jliteral(j, p, "false", 5);
	case 'n':
		return jliteral(j, p, "null", 4);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return jnumber(j, p);
	}
	jfail(j, p, "expected a value, found %s", describe(p, j->e, tmp));
	return NULL;
}

/* An object or array at p, validated without recursion: the end of it. */
static const char *jnested(struct jctx *j, const char *p)
{
	char stack[JSON_MAX_DEPTH];
	const char *e = j->e;
	int depth = 0;
	char tmp[16];

	for (;;) {
		/* at a value */
		if (p < e && (*p == '{' || *p == '[')) {
			if (depth == JSON_MAX_DEPTH) {
				jfail(j, p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
				return NULL;
			}
			stack[depth++] = *p;
			p = jws(p + 1, e);
			if (p < e && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto key;
			continue;
		}
		if (p >= e) {
			jfail(j, p, "expected a value, found end of line");
			return NULL;
		}
		if (!(p = jscalar(j, p)))
			return NULL;
after_value:
		if (depth == 0)
			return p;
		p = jws(p, e);
		if (p < e && *p == ',') {
			p = jws(p + 1, e);
			if (stack[depth - 1] == '[')
				continue;
			goto key;
		}
		if (p < e && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
			p++;
			depth--;
			goto after_value;
		}
		jfail(j, p, "expected ',' or '%c', found %s", stack[depth - 1] == '{' ? '}' : ']',
		      describe(p, e, tmp));
		return NULL;
key:
		if (p >= e || *p != '"') {
			jfail(j, p, "expected a string key, found %s", describe(p, e, tmp));
			return NULL;
		}
		{
			int esc = 0;
			const char *q = jstr_end(j, p + 1, &esc);

			if (!q)
				return NULL;
			p = jws(q + 1, e);
		}
		if (p >= e || *p != ':') {
			jfail(j, p, "expected ':' after a key, found %s", describe(p, e, tmp));
			return NULL;
		}
		p = jws(p + 1, e);
	}
}

/* Is the JSON string at p (its opening quote) exactly the plain name c,
 * with no escapes? Names carry 16 zero bytes of padding, and the line has
 * at least TABLE_PAD readable bytes after e. */
static inline int key_is(const char *p, const char *e, const struct qg_cell *c)
{
	size_t n = c->len;

	if ((size_t)(e - p) < n + 2 || p[n + 1] != '"')
		return 0;
#if QG_SIMD_SSE2
	if (n <= 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)c->ptr);
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b));

		return ((eq | ~((1u << n) - 1)) & 0xffff) == 0xffff;
	}
#endif
	return !memcmp(p + 1, c->ptr, n);
}

/* Parse the line [p, e) into rec. 1, BLANK, or QG_EPARSE (j->err). */
static int jsonl_line(struct qg_table *t, const char *line, const char *e, long long lineno,
		      struct qg_record *rec, size_t off)
{
	struct jctx j = { t, line, e, lineno, 0 };
	const char *p = jws(line, e);
	struct qg_cell *cells;
	long long *cp;
	size_t i, extra = 0, next = 0;
	char tmp[16];

	if (p >= e)
		return BLANK;
	if (*p != '{')
		return jfail(&j, p, "expected '{' at the start of a record, found %s", describe(p, e, tmp));
	if (t->cells_alloc < off + t->ncols && qg_tbl_cells_grow(t, off + t->ncols) < 0)
		return QG_ENOMEM;
	cells = t->cells + off;
	cp = t->colpos + off;
	for (i = 0; i < t->ncols; i++) {
		cells[i].ptr = qg_tbl_empty_text;
		cells[i].len = 0;
		cells[i].flags = QG_CELL_MISSING; /* its column: at the end */
	}
	p = jws(p + 1, e);
	if (p < e && *p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		const char *key, *v;
		size_t klen;
		long idx;

		if (p >= e || *p != '"')
			return jfail(&j, p, "expected a string key, found %s", describe(p, e, tmp));
		/* the key usually comes where the previous record had it */
		if (next < t->ncols && t->plain[next] && key_is(p, e, &t->cols[next])) {
			key = p + 1;
			klen = t->cols[next].len;
			p += klen + 2;
			idx = (long)next;
			p = jws(p, e);
			if (*p != ':')
				return jfail(&j, p, "expected ':' after key \"%.*s\", found %s",
					     (int)(klen > 40 ? 40 : klen), key, describe(p, e, tmp));
			p = jws(p + 1, e);
			goto value;
		}
		if (!(key = jstring(&j, &p, &klen)))
			return j.err;
		p = jws(p, e);
		if (p >= e || *p != ':')
			return jfail(&j, p, "expected ':' after key \"%.*s\", found %s",
				     (int)(klen > 40 ? 40 : klen), key, describe(p, e, tmp));
		p = jws(p + 1, e);
		/* the key usually comes where the previous record had it */
		if (next < t->ncols && t->cols[next].len == klen && !memcmp(t->cols[next].ptr, key, klen)) {
			idx = (long)next;
		} else {
			idx = qg_tbl_cols_find(t, key, klen);
			if (idx < 0 && !t->cols_fixed) {
				if (qg_tbl_cols_add(t, key, klen) < 0)
					return j.err = qg_error_code();
				cells = t->cells + off; /* off is 0: columns grow only in the first object */
				cp = t->colpos + off;
				idx = (long)t->ncols - 1;
				cells[idx].ptr = qg_tbl_empty_text;
				cells[idx].len = 0;
				cells[idx].flags = QG_CELL_MISSING;
			}
		}
value:
		if (idx < 0)
			extra++;
		else
			next = (size_t)idx + 1;
		v = p;
		if (p >= e)
			return jfail(&j, p, "expected a value, found end of line");
		{
			const char *text = p;
			size_t tlen = 0;
			unsigned flags;

			switch (*p) {
			case '"':
				if (!(text = jstring(&j, &p, &tlen)))
					return j.err;
				flags = QG_CELL_QUOTED;
				break;
			case '{':
			case '[':
				if (!(p = jnested(&j, p)))
					return j.err;
				tlen = (size_t)(p - text);
				flags = QG_CELL_NESTED;
				break;
			case 'n':
				if (e - p < 4 || memcmp(p, "null", 4))
					return jfail(&j, p, "invalid literal (expected null)");
				p += 4;
				flags = QG_CELL_NULL;
				break;
			case 't':
				if (e - p < 4 || memcmp(p, "true", 4))
					return jfail(&j, p, "invalid literal (expected true)");
				p += 4;
				tlen = 4;
				flags = QG_CELL_BOOL;
				break;
			case 'f':
				if (e - p < 5 || memcmp(p, "false", 5))
					return jfail(&j, p, "invalid literal (expected false)");
				p += 5;
				tlen = 5;
				flags = QG_CELL_BOOL;
				break;
			default:
				if (*p != '-' && (*p < '0' || *p > '9'))
					return jfail(&j, p, "expected a value, found %s", describe(p, e, tmp));
				if (!(p = jnumber(&j, p)))
					return j.err;
				tlen = (size_t)(p - text);
				flags = QG_CELL_NUMBER;
				break;
			}
			if (idx >= 0) {
				cells[idx].ptr = text;
				cells[idx].len = tlen;
				cells[idx].flags = flags;
				cp[idx] = (long long)(v - line) + 1;
			}
		}
		p = jws(p, e);
		if (p < e && *p == ',') {
			p = jws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		return jfail(&j, p, "expected ',' or '}' after a value, found %s", describe(p, e, tmp));
	}
end:
	p = jws(p, e);
	if (p < e)
		return jfail(&j, p, "expected the end of the line after the object, found %s", describe(p, e, tmp));
	t->cols_fixed = 1;
	for (i = 0; i < t->ncols; i++)
		if (cells[i].flags & QG_CELL_MISSING)
			cp[i] = (long long)(p - line); /* where the key was expected: the '}' */
	rec->cells = cells;
	rec->columns = cp;
	rec->nr = t->ncols;
	rec->text = line;
	rec->text_len = (size_t)(e - line);
	rec->line = lineno;
	rec->extra_keys = extra;
	return 1;
}

int qg_tbl_jsonl_next(struct qg_table *t, struct qg_record *rec)
{
	for (;;) {
		const char *b = t->buf, *nlp;
		size_t lend;
		int r;

		if (t->pos >= t->len) {
			if (t->eof)
				return 0;
			if ((r = qg_tbl_fill(t)) < 0)
				return r;
			continue;
		}
		nlp = memchr(b + t->pos, '\n', t->len - t->pos);
		if (!nlp && !t->eof) {
			if ((r = qg_tbl_fill(t)) < 0)
				return r;
			continue;
		}
		lend = nlp ? (size_t)(nlp - b) : t->len;
		if (lend - t->pos > t->max_record)
			return qg_tbl_stick(t, qg_tbl_fail(t, QG_EPARSE, t->nl + 1, 0,
							 "record longer than %zu bytes (the maximum record size)",
							 t->max_record));
		t->scratch_len = 0;
		r = jsonl_line(t, b + t->pos, b + lend, t->nl + 1, rec, 0);
		t->pos = nlp ? lend + 1 : lend;
		if (nlp)
			t->nl++;
		else
			t->partial = 1;
		if (r == BLANK)
			continue;
		if (r < 0 && !t->cols_fixed)
			qg_tbl_cols_clear(t); /* the first good object names the columns */
		if (r == 1)
			rec->row = ++t->row;
		else if (r == QG_ENOMEM)
			return qg_tbl_stick(t, r);
		return r; /* a malformed line: the next call goes on with the next line */
	}
}

/* The next JSONL records into t->recs, once the columns are known: as many
 * whole lines as the buffer holds (no refill in the middle: earlier records
 * point into it), each record's cells at their own offset in t->cells. A
 * malformed line after some good ones ends the batch without being
 * consumed, so the next call meets it first and reports it alone, exactly
 * as qg_tbl_jsonl_next() does. */
int qg_tbl_jsonl_batch(struct qg_table *t)
{
	size_t max = BATCH_RECORDS, k = 0, nc = t->ncols;

	t->regular = 0; /* not worked out for JSONL */
	if (!t->cols_fixed || !nc) {
		int r = qg_tbl_jsonl_next(t, &t->recs[0]);
		return r;
	}
	if (max * nc > BATCH_CELLS)
		max = BATCH_CELLS / nc ? BATCH_CELLS / nc : 1;
	if (t->cells_alloc < max * nc && qg_tbl_cells_grow(t, max * nc) < 0)
		return qg_tbl_stick(t, QG_ENOMEM);
	t->scratch_len = 0;
	while (k < max) {
		const char *b = t->buf, *nlp;
		size_t lend;
		int r;

		if (t->pos >= t->len || !(nlp = memchr(b + t->pos, '\n', t->len - t->pos))) {
			if (t->pos >= t->len && t->eof)
				break;
			if (k || !t->eof)
				break; /* the rest waits for a refill, by qg_tbl_jsonl_next() */
			nlp = NULL;
		}
		lend = nlp ? (size_t)(nlp - b) : t->len;
		if (lend - t->pos > t->max_record)
			break;
		r = jsonl_line(t, b + t->pos, b + lend, t->nl + 1, &t->recs[k], k * nc);
		if (r != 1 && r != BLANK)
			break; /* not consumed: reported by the next call */
		t->pos = nlp ? lend + 1 : lend;
		if (nlp)
			t->nl++;
		else
			t->partial = 1;
		if (r == 1) {
			t->recs[k].row = ++t->row;
			k++;
		}
	}
	if (k)
		return (int)k;
	/* nothing whole in the buffer, the end, or a bad line first */
	t->scratch_len = 0;
	return qg_tbl_jsonl_next(t, &t->recs[0]);
}

/* Peek at the first object for the column names, consuming nothing; a
 * malformed first line is left for qg_table_next() to report, and the first
 * good object then names the columns. 0 or an error. */
int qg_tbl_jsonl_peek(struct qg_table *t)
{
	int err;

	for (;;) {
		const char *p = t->buf + t->pos, *e = t->buf + t->len, *nlp, *le;
		long long lineno = t->nl + 1;
		struct qg_record rec;

		for (;;) {
			nlp = memchr(p, '\n', (size_t)(e - p));
			le = nlp ? nlp : e;
			if (!nlp || jws(p, le) < le || (size_t)(le - p) > t->max_record)
				break; /* a record, or too long: next() reports it */
			p = nlp + 1;
			lineno++;
		}
		/* blank lines are consumed: they do not count towards the
		 * first record's length when the buffer is refilled */
		t->pos = (size_t)(p - t->buf);
		t->nl = lineno - 1;
		if (!nlp && !t->eof) {
			if ((err = qg_tbl_fill(t)) < 0) {
				if (err != QG_EPARSE)
					return err;
				break; /* too long: qg_table_next() says so */
			}
			continue;
		}
		if ((size_t)(le - p) > t->max_record || (t->scratch_len = 0, jsonl_line(t, p, le, lineno, &rec, 0)) != 1) {
			qg_tbl_cols_clear(t);
			t->cols_fixed = 0;
		}
		break;
	}
	qg_error_clear();
	if (t->err) /* keep the sticky message for qg_table_next() */
		qg_error(t->err, "%s", t->errmsg);
	return 0;
}
