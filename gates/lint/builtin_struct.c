/* builtin_struct.c -- the structured built-in checks: json, yaml, xml
 *
 * json: the file is read (up to 256 MiB) into a jsonscan tree: syntax errors
 * with line and column, then every duplicate key in an object (first 100 a
 * file). yaml: libyaml's event parser, streamed through lint_reader: syntax
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

#define STRUCT_JSON_MAX ((size_t)256 << 20)
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

/* json */
struct json_dups {
	const struct js_doc *d;
	const struct lint_file *f;
	struct lint_findings *out;
	int count;
};

static int json_dup(void *ud, uint32_t dup, uint32_t first)
{
	struct json_dups *j = ud;
	struct qg_buf k = QG_BUF_INIT(QG_CAP_MESSAGE), m = QG_BUF_INIT(QG_CAP_MESSAGE);
	long long l, c, fl, fc;
	int err;

	if (++j->count > STRUCT_MAX_DUPS)
		return 0;
	js_where(j->d, j->d->n[dup].off - 1, &l, &c);
	js_where(j->d, j->d->n[first].off - 1, &fl, &fc);
	err = js_str(j->d, dup, &k);
	if (!err)
		err = qg_buf_addf(&m, "duplicate key \"%.*s\" (first at line %lld, column %lld)", k.len > 80 ? 80 : (int)k.len,
				  k.buf, fl, fc);
	if (!err)
		err = add(j->out, "json", j->f->path, l, c, m.buf);
	qg_buf_release(&k);
	qg_buf_release(&m);
	return err;
}

static int read_all(const struct lint_ctx *ctx, const struct lint_file *f, struct qg_buf *b, size_t cap, int *toobig)
{
	struct lint_reader *r;
	int err;

	*toobig = 0;
	if ((err = lint_reader_open(&r, ctx, f)) < 0)
		return err;
	for (;;) {
		ssize_t n;
		if ((err = qg_buf_grow(b, 65536)) < 0)
			break;
		n = lint_reader_read(r, b->buf + b->len, b->alloc - b->len - 1 < 65536 ? b->alloc - b->len - 1 : 65536);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break;
		qg_buf_setlen(b, b->len + (size_t)n);
		if (b->len > cap) {
			*toobig = 1;
			break;
		}
	}
	lint_reader_close(r);
	return err;
}

static int json_file(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	struct qg_buf b = QG_BUF_INIT(STRUCT_JSON_MAX + (1 << 17));
	struct js_doc d;
	int err, toobig;

	if ((err = read_all(ctx, f, &b, STRUCT_JSON_MAX, &toobig)) < 0)
		goto done;
	if (toobig) {
		err = lint_findings_add(out, "builtin", "json", LINT_WARNING, f->path, 0, 0,
					"larger than %zu MiB, not checked", STRUCT_JSON_MAX >> 20)
			      ? 0
			      : QG_ENOMEM;
		goto done;
	}
	if (!b.len) {
		err = add(out, "json", f->path, 1, 1, "empty file, expected a JSON value");
		goto done;
	}
	if ((err = js_parse(&d, b.buf, b.len, f->path)) < 0) {
		long long l, c;
		const char *m;
		char *msg;
		js_release(&d);
		if (err != QG_EINPUT)
			goto done;
		msg = qg_strdup(qg_error_last());
		m = split_pos(msg ? msg : "", f->path, &l, &c);
		err = add(out, "json", f->path, l, c, m);
		free(msg);
		qg_error_clear();
		goto done;
	}
	{
		struct json_dups j = { &d, f, out, 0 };
		err = js_check_dups(&d, json_dup, &j);
		if (!err && j.count > STRUCT_MAX_DUPS)
			err = lint_findings_add(out, "builtin", "json", LINT_ERROR, f->path, 0, 0,
						"%d more duplicate keys not listed", j.count - STRUCT_MAX_DUPS)
				      ? 0
				      : QG_ENOMEM;
	}
	js_release(&d);
done:
	qg_buf_release(&b);
	return err;
}

/* yaml */
struct yframe {
	int mapping;      /* 1 mapping, 0 sequence */
	int expect_key;
	struct qg_strvec keys;  /* keys seen, with lines in lines[] */
	long long *lines;
	size_t alloc_lines;
	/* a small open-addressing index into keys, rebuilt as it grows */
	uint32_t *tab;
	size_t tab_cap;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int yframe_index(struct yframe *fr)
{
	size_t cap = 16, i, j;
	while (cap < fr->keys.nr * 2 + 2)
		cap *= 2;
	if (cap == fr->tab_cap)
		return 0;
	free(fr->tab);
	if (!(fr->tab = calloc(cap, sizeof(*fr->tab))))
		return qg_error(QG_ENOMEM, "out of memory");
	fr->tab_cap = cap;
	for (i = 0; i < fr->keys.nr; i++) {
		for (j = hash_str(fr->keys.v[i]) & (cap - 1); fr->tab[j]; j = (j + 1) & (cap - 1))
			;
		fr->tab[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* 0 new (added), >0 the line of the earlier key + 1, <0 error. */
static long long yframe_key(struct yframe *fr, const char *k, long long line)
{
	size_t j;
	int err;

	if ((err = yframe_index(fr)) < 0)
		return err;
	for (j = hash_str(k) & (fr->tab_cap - 1); fr->tab[j]; j = (j + 1) & (fr->tab_cap - 1))
		if (!strcmp(fr->keys.v[fr->tab[j] - 1], k))
			return fr->lines[fr->tab[j] - 1] + 1;
	if (fr->keys.nr >= UINT32_MAX - 1)
		return 0;
	if (qg_strvec_push(&fr->keys, k) < 0 || QG_ALLOC_GROW(fr->lines, fr->keys.nr, fr->alloc_lines) < 0)
		return QG_ENOMEM;
	fr->lines[fr->keys.nr - 1] = line;
	fr->tab[j] = (uint32_t)fr->keys.nr;
	return 0;
}

static void yframe_release(struct yframe *fr)
{
	qg_strvec_clear(&fr->keys);
	free(fr->lines);
	free(fr->tab);
	memset(fr, 0, sizeof(*fr));
}

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
			qg_strvec_init(&st[depth].keys);
			st[depth].mapping = ev.type == YAML_MAPPING_START_EVENT;
			st[depth].expect_key = 1;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth) {
				yframe_release(&st[--depth]);
				yframe_value_done(st, depth);
			}
			break;
		case YAML_SCALAR_EVENT:
			if (depth && st[depth - 1].mapping && st[depth - 1].expect_key &&
			    strcmp((const char *)ev.data.scalar.value, "<<")) {
				long long first = yframe_key(&st[depth - 1], (const char *)ev.data.scalar.value,
							     (long long)ev.start_mark.line + 1);
				if (first < 0) {
					err = (int)first;
				} else if (first > 0 && ++dups <= STRUCT_MAX_DUPS) {
					err = lint_findings_add(out, "builtin", "yaml", LINT_ERROR, f->path,
								(long long)ev.start_mark.line + 1,
								(long long)ev.start_mark.column + 1,
								"duplicate key \"%.80s\" (first at line %lld)",
								(const char *)ev.data.scalar.value, first - 1)
						      ? 0
						      : QG_ENOMEM;
				}
			}
			yframe_value_done(st, depth);
			break;
		case YAML_ALIAS_EVENT:
			yframe_value_done(st, depth);
			break;
		case YAML_DOCUMENT_START_EVENT:
			while (depth)
				yframe_release(&st[--depth]);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	while (depth)
		yframe_release(&st[--depth]);
	free(st);
	yaml_parser_delete(&parser);
	lint_reader_close(y.r);
	return err;
}

/* xml */
static int xml_file(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out)
{
	struct qg_xml_handler h = { NULL, NULL, NULL, 1, 0 };
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
	  json_applies, NULL, NULL, NULL, NULL, json_file, NULL },
	{ "yaml", "YAML syntax (libyaml) and duplicate keys; several documents allowed, aliases never expanded",
	  LINT_ERROR, LINT_C_TEXT | LINT_C_DEFAULT, yaml_applies, NULL, NULL, NULL, NULL, yaml_file, NULL },
	{ "xml", "XML well-formedness (expat); entity declarations refused", LINT_ERROR,
	  LINT_C_TEXT | LINT_C_DEFAULT, xml_applies, NULL, NULL, NULL, NULL, xml_file, NULL },
	{ NULL, NULL, LINT_NOTE, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
