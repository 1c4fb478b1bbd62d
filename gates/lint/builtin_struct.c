/* builtin_struct.c -- the structured built-in checks: json, yaml, xml
 *
 * json: a push state machine over the streamed lines (memory: the open
 * containers and the keys of the open objects, whatever the file's size):
 * the first syntax error with its line and column (then the check stops
 * reading), every duplicate key of an object (escapes decoded, so "\u0061"
 * and "a" are the same key; the first 100 a file). yaml: libyaml's event parser, streamed through lint_reader: syntax
 * errors with line and column, duplicate scalar keys in a mapping; several
 * documents per file are fine; aliases are events, never expanded (no
 * billion laughs). xml: expat well-formedness through qgate/xml.h's push
 * reader (a DOCTYPE declaring entities is refused, never expanded). Each
 * applies by extension. A malformed file is a finding (exit 1); a file that
 * cannot be read is QG_EINPUT (exit 3).
 */
#include "qgate/common.h"

#include <yaml.h>

#include "qgate/xml.h"

#include "jsonscan.h"
#include "lint.h"

#define STRUCT_MAX_DUPS 100

static int has_ext(const char *path, const char *const *exts)
{
	const char *b = strrchr(path, '/'), *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	if (!dot)
		return 0;
	for (; *exts; exts++)
		if (!strcasecmp(dot + 1, *exts))
			return 1;
	return 0;
}

static int json_applies(const struct lint_file *f)
{
	static const char *const e[] = { "json", "geojson", "ipynb", "jsonld", "webmanifest", "har", "sarif", NULL };
	return has_ext(f->path, e);
}

static int yaml_applies(const struct lint_file *f)
{
	static const char *const e[] = { "yml", "yaml", NULL };
	return has_ext(f->path, e);
}

static int xml_applies(const struct lint_file *f)
{
	static const char *const e[] = { "xml", "xsd", "xsl", "xslt", "svg", "plist", "csproj", "vbproj",
					 "fsproj", "vcxproj", "props", "targets", "nuspec", "resx", "xhtml",
					 "rss", "atom", "wsdl", "kml", "gpx", "xlf", "xliff", "tld", "jrxml", NULL };
	return has_ext(f->path, e);
}

static int add(struct lint_findings *out, const char *rule, const char *file, long long line, long long col,
	       const char *msg)
{
	return lint_findings_add(out, "builtin", rule, LINT_ERROR, file, line, col, "%s", msg)
		       ? 0
		       : (qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM);
}

/* The message of "'name':L:C: text" errors, with L and C. */
static const char *split_pos(const char *msg, const char *name, long long *line, long long *col)
{
	size_t n = strlen(name);
	char *end;

	*line = *col = 0;
	if (msg[0] != '\'' || strncmp(msg + 1, name, n) || msg[n + 1] != '\'')
		return msg;
	msg += n + 2;
	if (*msg != ':')
		return msg;
	*line = strtoll(msg + 1, &end, 10);
	if (*end != ':')
		return end;
	*col = strtoll(end + 1, &end, 10);
	if (*end == ':')
		end++;
	while (*end == ' ')
		end++;
	return end;
}

/* The keys of one open JSON object or YAML mapping, with where each was
 * first seen: the key bytes in one arena (NUL allowed) and an
 * open-addressing index into them. */
struct kent {
	size_t off, len;
	long long line, col;
};
struct keyset {
	struct qg_buf arena;
	struct kent *v;
	size_t nr, alloc;
	uint32_t *tab;
	size_t tab_cap;
};

static void keyset_init(struct keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
	qg_buf_init(&ks->arena, QG_CAP_FILE);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int keyset_index(struct keyset *ks)
{
	size_t cap = 16, i, j;
	while (cap < ks->nr * 2 + 2)
		cap *= 2;
	if (cap == ks->tab_cap)
		return 0;
	free(ks->tab);
	if (!(ks->tab = calloc(cap, sizeof(*ks->tab))))
		return qg_error(QG_ENOMEM, "out of memory");
	ks->tab_cap = cap;
	for (i = 0; i < ks->nr; i++) {
		for (j = hash_bytes(ks->arena.buf + ks->v[i].off, ks->v[i].len) & (cap - 1); ks->tab[j];
		     j = (j + 1) & (cap - 1))
			;
		ks->tab[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* Add key k (n bytes) seen at line:col. Returns NULL when new (or on error:
 * *err set), else the earlier entry it repeats. */
static const struct kent *keyset_add(struct keyset *ks, const char *k, size_t n, long long line, long long col,
				     int *err)
{
	size_t j;

	*err = 0;
	if ((*err = keyset_index(ks)) < 0)
		return NULL;
	for (j = hash_bytes(k, n) & (ks->tab_cap - 1); ks->tab[j]; j = (j + 1) & (ks->tab_cap - 1)) {
		const struct kent *e = &ks->v[ks->tab[j] - 1];
		if (e->len == n && !memcmp(ks->arena.buf + e->off, k, n))
			return e;
	}
	if (ks->nr >= UINT32_MAX - 1)
		return NULL;
	if (QG_ALLOC_GROW(ks->v, ks->nr + 1, ks->alloc) < 0) {
		*err = qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	ks->v[ks->nr].off = ks->arena.len;
	ks->v[ks->nr].len = n;
	ks->v[ks->nr].line = line;
	ks->v[ks->nr].col = col;
	if ((*err = qg_buf_add(&ks->arena, k, n)) < 0)
		return NULL;
	ks->tab[j] = (uint32_t)++ks->nr;
	return NULL;
}

static void keyset_release(struct keyset *ks)
{
	qg_buf_release(&ks->arena);
	free(ks->v);
	free(ks->tab);
	keyset_init(ks);
}

/* json: a push parser fed line by line. */
#define JSON_MAX_DEPTH 512

enum jstate { J_VALUE, J_VALUE_OR_CLOSE, J_KEY_OR_CLOSE, J_KEY, J_COLON, J_AFTER, J_DONE, J_STRING, J_NUMBER,
	      J_LITERAL };

struct jcheck {
	const struct lint_file *f;
	enum jstate state;
	int str_is_key, esc, uhex, bom, started, failed, dups;
	unsigned ucp, hi;       /* \u value being read; a high surrogate waiting for its pair */
	int nstate;             /* number: 0 after '-', 1 a leading 0, 2 digits, 3 after '.', 4 fraction, 5 after e, 6 after sign, 7 exponent */
	const char *lit;
	size_t litpos;
	char *stk;              /* '{' or '[' per open container */
	struct keyset *keys;    /* per depth (used for objects) */
	size_t depth, alloc_stk, alloc_keys;
	struct qg_buf key;
	long long line, col, key_line, key_col;
};

static void *json_begin(const struct lint_ctx *ctx, const struct lint_file *f)
{
	struct jcheck *j = calloc(1, sizeof(*j));

	(void)ctx;
	if (!j)
		return NULL;
	j->f = f;
	j->state = J_VALUE;
	j->line = j->col = 1;
	qg_buf_init(&j->key, QG_CAP_MESSAGE);
	return j;
}

static int json_fail(struct jcheck *j, struct lint_findings *out, const char *what)
{
	j->failed = 1;
	return lint_findings_add(out, "builtin", "json", LINT_ERROR, j->f->path, j->line, j->col, "malformed JSON: %s",
				 what)
		       ? LINT_LINE_DONE
		       : (qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM);
}

static void json_after_value(struct jcheck *j)
{
	j->state = j->depth ? J_AFTER : J_DONE;
}

static int json_push(struct jcheck *j, struct lint_findings *out, char c)
{
	if (j->depth >= JSON_MAX_DEPTH)
		return json_fail(j, out, "nested deeper than 512 levels");
	if (QG_ALLOC_GROW(j->stk, j->depth + 1, j->alloc_stk) < 0 ||
	    QG_ALLOC_GROW(j->keys, j->depth + 1, j->alloc_keys) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	j->stk[j->depth] = c;
	keyset_init(&j->keys[j->depth]);
	j->depth++;
	j->state = c == '{' ? J_KEY_OR_CLOSE : J_VALUE_OR_CLOSE;
	return 0;
}

static void json_pop(struct jcheck *j)
{
	keyset_release(&j->keys[--j->depth]);
	json_after_value(j);
}

static int json_key_done(struct jcheck *j, struct lint_findings *out)
{
	int err;
	const struct kent *first = keyset_add(&j->keys[j->depth - 1], j->key.buf, j->key.len, j->key_line, j->key_col,
					      &err);

	if (err < 0)
		return err;
	if (first && ++j->dups <= STRUCT_MAX_DUPS &&
	    !lint_findings_add(out, "builtin", "json", LINT_ERROR, j->f->path, j->key_line, j->key_col,
			       "duplicate key \"%.*s\" (first at line %lld, column %lld)",
			       j->key.len > 80 ? 80 : (int)j->key.len, j->key.buf, first->line, first->col))
		return qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
	return 0;
}

static int key_add(struct jcheck *j, unsigned char c)
{
	return j->str_is_key ? qg_buf_addch(&j->key, (char)c) : 0;
}

static int key_add_cp(struct jcheck *j, unsigned cp)
{
	return j->str_is_key ? js_utf8_put(&j->key, cp) : 0;
}

/* One byte in a string (after the opening quote). */
static int json_string_byte(struct jcheck *j, struct lint_findings *out, unsigned char c)
{
	if (j->uhex) {
		int h = js_hexval(c);
		unsigned cp;
		int err = 0;
		if (h < 0)
			return json_fail(j, out, "\\u must be followed by four hex digits");
		j->ucp = j->ucp * 16 + (unsigned)h;
		if (--j->uhex)
			return 0;
		cp = j->ucp;
		if (j->hi) { /* a high surrogate waited for this one */
			if (cp >= 0xDC00 && cp < 0xE000) {
				cp = 0x10000 + ((j->hi - 0xD800) << 10) + (cp - 0xDC00);
				j->hi = 0;
				return key_add_cp(j, cp);
			}
			j->hi = 0;
			err = key_add_cp(j, 0xFFFD);
		}
		if (!err && cp >= 0xD800 && cp < 0xDC00) {
			j->hi = cp;
			return 0;
		}
		return err ? err : key_add_cp(j, cp >= 0xDC00 && cp < 0xE000 ? 0xFFFD : cp);
	}
	if (j->hi && !(j->esc == 1 && c == 'u') && !(j->esc == 0 && c == '\\')) {
		/* a lone high surrogate: what follows is not its pair */
		int err;
		j->hi = 0;
		if ((err = key_add_cp(j, 0xFFFD)) < 0)
			return err;
	}
	if (j->esc == 1) {
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = c ? strchr(from, c) : NULL;
		j->esc = 0;
		if (c == 'u') {
			j->uhex = 4;
			j->ucp = 0;
			return 0;
		}
		if (!k)
			return json_fail(j, out, "invalid escape in a string");
		return key_add(j, (unsigned char)to[k - from]);
	}
	if (c == '"') {
		j->esc = 0;
		if (j->str_is_key) {
			j->state = J_COLON;
			return json_key_done(j, out);
		}
		json_after_value(j);
		return 0;
	}
	if (c == '\\') {
		j->esc = 1;
		return 0;
	}
	if (c < 0x20)
		return json_fail(j, out, "control character in a string (escape it)");
	return key_add(j, c);
}

/* One byte of a number; *again = 1 when the byte ends it and must be read
 * again as what follows. */
static int json_number_byte(struct jcheck *j, struct lint_findings *out, unsigned char c, int *again)
{
	int digit = c >= '0' && c <= '9';

	*again = 0;
	switch (j->nstate) {
	case 0:
		if (!digit)
			return json_fail(j, out, "expected a digit");
		j->nstate = c == '0' ? 1 : 2;
		return 0;
	case 1:
	case 2:
		if (digit && j->nstate == 2)
			return 0;
		if (c == '.') {
			j->nstate = 3;
			return 0;
		}
		if (c == 'e' || c == 'E') {
			j->nstate = 5;
			return 0;
		}
		break;
	case 3:
	case 4:
		if (digit) {
			j->nstate = 4;
			return 0;
		}
		if (j->nstate == 3)
			return json_fail(j, out, "expected a digit after '.'");
		if (c == 'e' || c == 'E') {
			j->nstate = 5;
			return 0;
		}
		break;
	case 5:
		if (c == '+' || c == '-') {
			j->nstate = 6;
			return 0;
		}
		/* fall through */
	case 6:
		if (!digit)
			return json_fail(j, out, "expected a digit in the exponent");
		j->nstate = 7;
		return 0;
	default:
		if (digit)
			return 0;
		break;
	}
	json_after_value(j);
	*again = 1;
	return 0;
}

static int json_byte(struct jcheck *j, struct lint_findings *out, unsigned char c)
{
	int rc, again;

	switch (j->state) {
	case J_STRING:
		return json_string_byte(j, out, c);
	case J_NUMBER:
		if ((rc = json_number_byte(j, out, c, &again)) != 0 || !again)
			return rc;
		break; /* read c again below */
	case J_LITERAL:
		if (c != (unsigned char)j->lit[j->litpos])
			return json_fail(j, out, "expected a value");
		if (!j->lit[++j->litpos])
			json_after_value(j);
		return 0;
	default:
		break;
	}
	if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
		return 0;
	j->started = 1;
	switch (j->state) {
	case J_VALUE:
	case J_VALUE_OR_CLOSE:
		if (c == ']' && j->state == J_VALUE_OR_CLOSE) {
			json_pop(j);
			return 0;
		}
		if (c == '{' || c == '[')
			return json_push(j, out, (char)c);
		if (c == '"') {
			j->state = J_STRING;
			j->str_is_key = 0;
			return 0;
		}
		if (c == 't' || c == 'f' || c == 'n') {
			j->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
			j->litpos = 1;
			j->state = J_LITERAL;
			return 0;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			j->state = J_NUMBER;
			j->nstate = c == '-' ? 0 : c == '0' ? 1 : 2;
			return 0;
		}
		return json_fail(j, out, "expected a value");
	case J_KEY_OR_CLOSE:
	case J_KEY:
		if (c == '}' && j->state == J_KEY_OR_CLOSE) {
			json_pop(j);
			return 0;
		}
		if (c != '"')
			return json_fail(j, out, j->state == J_KEY ? "expected a string key" : "expected a string key or '}'");
		j->state = J_STRING;
		j->str_is_key = 1;
		j->key_line = j->line;
		j->key_col = j->col;
		qg_buf_reset(&j->key);
		return 0;
	case J_COLON:
		if (c != ':')
			return json_fail(j, out, "expected ':' after an object key");
		j->state = J_VALUE;
		return 0;
	case J_AFTER: {
		char top = j->stk[j->depth - 1];
		if (c == ',') {
			j->state = top == '{' ? J_KEY : J_VALUE;
			return 0;
		}
		if ((c == '}' && top == '{') || (c == ']' && top == '['))  {
			json_pop(j);
			return 0;
		}
		return json_fail(j, out, top == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	case J_DONE:
		return json_fail(j, out, "unexpected text after the JSON value");
	default:
		return json_fail(j, out, "expected a value");
	}
}

static int json_line(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out)
{
	struct jcheck *j = st;
	size_t i = 0;
	int rc;

	(void)lineno;
	(void)cont;
	if (j->failed)
		return LINT_LINE_DONE;
	/* a UTF-8 byte order mark at the very start is skipped */
	while (j->bom < 3 && i < len) {
		if ((unsigned char)line[i] != (unsigned char)"\xEF\xBB\xBF"[j->bom]) {
			if (j->bom)
				return json_fail(j, out, "expected a value");
			j->bom = 3;
			break;
		}
		j->bom++;
		i++;
		j->col++;
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((rc = json_byte(j, out, c)) != 0)
			return rc;
		if (c == '\n') {
			j->line++;
			j->col = 1;
		} else {
			j->col++;
		}
	}
	return 0;
}

static int json_end(void *st, struct lint_findings *out)
{
	struct jcheck *j = st;
	int err = 0, again;

	if (!j)
		return 0;
	if (!j->failed) {
		if (j->state == J_NUMBER && (err = json_number_byte(j, out, ' ', &again)) > 0)
			err = 0;
		if (err < 0) {
			/* out of memory: passed up */
		} else if (j->failed) {
			err = 0;
		} else if (!j->started) {
			err = lint_findings_add(out, "builtin", "json", LINT_ERROR, j->f->path, 1, 1,
						"empty file, expected a JSON value")
				      ? 0
				      : QG_ENOMEM;
		} else if (j->state != J_DONE) {
			err = lint_findings_add(out, "builtin", "json", LINT_ERROR, j->f->path, j->line, j->col,
						"malformed JSON: unexpected end of the file%s",
						j->state == J_STRING ? " (unterminated string)" : "")
				      ? 0
				      : QG_ENOMEM;
		}
		if (!err && j->dups > STRUCT_MAX_DUPS &&
		    !lint_findings_add(out, "builtin", "json", LINT_ERROR, j->f->path, 0, 0,
				       "%d more duplicate keys not listed", j->dups - STRUCT_MAX_DUPS))
			err = QG_ENOMEM;
	}
	while (j->depth)
		keyset_release(&j->keys[--j->depth]);
	free(j->keys);
	free(j->stk);
	qg_buf_release(&j->key);
	free(j);
	return err;
}

/* yaml */
struct yframe {
	int mapping;      /* 1 mapping, 0 sequence */
	int expect_key;
	struct keyset keys;
};

struct yread {
	struct lint_reader *r;
	int err;
};

static int yaml_read(void *ud, unsigned char *buf, size_t size, size_t *got)
{
	struct yread *y = ud;
	ssize_t n = lint_reader_read(y->r, buf, size);

	if (n < 0) {
		y->err = (int)n;
		*got = 0;
		return 0;
	}
	*got = (size_t)n;
	return 1;
}

/* A value event in the innermost frame: a mapping's key or value done. */
static void yframe_value_done(struct yframe *st, size_t depth)
{
	if (depth && st[depth - 1].mapping)
		st[depth - 1].expect_key = !st[depth - 1].expect_key;
}

static int yaml_file(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct yread y = { NULL, 0 };
	struct yframe *st = NULL;
	size_t depth = 0, alloc = 0, dups = 0;
	int err, done = 0;

	if ((err = lint_reader_open(&y.r, ctx, f)) < 0)
		return err;
	if (!yaml_parser_initialize(&parser)) {
		lint_reader_close(y.r);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	yaml_parser_set_input(&parser, yaml_read, &y);
	while (!done && !err) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (y.err) {
				err = y.err;
				break;
			}
			err = lint_findings_add(out, "builtin", "yaml", LINT_ERROR, f->path,
						(long long)parser.problem_mark.line + 1,
						(long long)parser.problem_mark.column + 1, "%s%s%s",
						parser.problem ? parser.problem : "malformed YAML",
						parser.context ? " " : "", parser.context ? parser.context : "")
				      ? 0
				      : QG_ENOMEM;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (QG_ALLOC_GROW(st, depth + 1, alloc) < 0) {
				err = QG_ENOMEM;
				break;
			}
			memset(&st[depth], 0, sizeof(st[depth]));
			keyset_init(&st[depth].keys);
			st[depth].mapping = ev.type == YAML_MAPPING_START_EVENT;
			st[depth].expect_key = 1;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth) {
				keyset_release(&st[--depth].keys);
				yframe_value_done(st, depth);
			}
			break;
		case YAML_SCALAR_EVENT:
			if (depth && st[depth - 1].mapping && st[depth - 1].expect_key &&
			    strcmp((const char *)ev.data.scalar.value, "<<")) {
				const char *k = (const char *)ev.data.scalar.value;
				size_t kl = ev.data.scalar.length;
				const struct kent *first = keyset_add(&st[depth - 1].keys, k, kl,
								      (long long)ev.start_mark.line + 1,
								      (long long)ev.start_mark.column + 1, &err);
				if (!err && first && ++dups <= STRUCT_MAX_DUPS)
					err = lint_findings_add(out, "builtin", "yaml", LINT_ERROR, f->path,
								(long long)ev.start_mark.line + 1,
								(long long)ev.start_mark.column + 1,
								"duplicate key \"%.*s\" (first at line %lld)",
								kl > 80 ? 80 : (int)kl, k, first->line)
						      ? 0
						      : QG_ENOMEM;
			}
			yframe_value_done(st, depth);
			break;
		case YAML_ALIAS_EVENT:
			yframe_value_done(st, depth);
			break;
		case YAML_DOCUMENT_START_EVENT:
			while (depth)
				keyset_release(&st[--depth].keys);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	while (depth)
		keyset_release(&st[--depth].keys);
	free(st);
	yaml_parser_delete(&parser);
	lint_reader_close(y.r);
	return err;
}

/* xml */
static int xml_file(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	struct qg_xml_handler h = { .text_cap = 1 };
	struct lint_reader *r;
	struct qg_xml *x = NULL;
	char *buf = NULL;
	int err, perr = 0;

	if ((err = lint_reader_open(&r, ctx, f)) < 0)
		return err;
	if (!(buf = malloc(65536))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = qg_xml_new(&x, f->path, &h)) < 0)
		goto done;
	for (;;) {
		ssize_t n = lint_reader_read(r, buf, 65536);
		if (n < 0) {
			err = (int)n;
			goto done;
		}
		perr = qg_xml_feed(x, buf, (size_t)n, n == 0);
		if (perr < 0 || n == 0)
			break;
	}
	if (perr == QG_EINPUT) {
		long long l, c;
		char *msg = qg_strdup(qg_error_last());
		const char *m = split_pos(msg ? msg : "", f->path, &l, &c);
		if (!l) {
			l = qg_xml_line(x);
			c = qg_xml_column(x);
		}
		err = add(out, "xml", f->path, l, c, m);
		free(msg);
		qg_error_clear();
	} else if (perr < 0) {
		err = perr;
	}
done:
	qg_xml_free(x);
	free(buf);
	lint_reader_close(r);
	return err;
}

const struct lint_checker lint_struct_checkers[] = {
	{ "json", "JSON syntax (line and column) and duplicate keys", LINT_ERROR, LINT_C_TEXT | LINT_C_DEFAULT,
	  json_applies, NULL, json_begin, json_line, json_end, NULL, NULL },
	{ "yaml", "YAML syntax (libyaml) and duplicate keys; several documents allowed, aliases never expanded",
	  LINT_ERROR, LINT_C_TEXT | LINT_C_DEFAULT, yaml_applies, NULL, NULL, NULL, NULL, yaml_file, NULL },
	{ "xml", "XML well-formedness (expat); entity declarations refused", LINT_ERROR,
	  LINT_C_TEXT | LINT_C_DEFAULT, xml_applies, NULL, NULL, NULL, NULL, xml_file, NULL },
	{ NULL, NULL, LINT_NOTE, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
