/* parse_checkstyle.c -- checkstyle and cppcheck XML, shellcheck and GCC JSON
 *
 * Checkstyle: every <error> in a <file> or directly under <checkstyle>
 * (line, column, severity, message, source = rule); severity info is a note,
 * ignore is kept but suppressed; an <exception> (the tool crashed on a
 * file) is QG_EINPUT: fail closed, never a clean pass. cppcheck --xml
 * (version 2): <results><errors><error id severity msg><location file line
 * column/>...; the first location is the finding's, version 1's file/line
 * attributes are read too; style, performance, portability and information
 * are notes. shellcheck -f json1 ({"comments": [...]}) and -f json ([...]):
 * info and style are notes, rule SC<code>. GCC -fdiagnostics-format=json: an
 * array of diagnostics; their note children are appended to the message
 * like the text parser's notes. XML goes through qgate/xml.h (expat, no
 * entity expansion), JSON through jsonscan.
 */
#include "qgate/common.h"

#include "qgate/xml.h"

#include "jsonscan.h"
#include "parse.h"

struct xrd {
	struct lint_parse *p;
	const char *root;   /* expected root element */
	const char *tool;
	int depth;
	char *file;         /* current <file name> (checkstyle) */
	/* cppcheck: the <error> being read */
	int in_error;
	char *id, *sev, *msg, *efile;
	long long eline, ecol;
};

static long long num_attr(const char **attrs, const char *name)
{
	const char *v = qg_xml_attr(attrs, name);
	long long x = 0;

	if (!v)
		return 0;
	while (*v == ' ')
		v++;
	while (*v >= '0' && *v <= '9' && x < 1000000000000LL)
		x = x * 10 + (*v++ - '0');
	return x;
}

static int check_root(struct xrd *x, const char *name)
{
	if (x->depth == 0 && strcmp(name, x->root)) {
		const struct qg_xml *c = qg_xml_current();
		return qg_error(QG_EINPUT, "'%s':%lld:%lld: expected the root element <%s>, found <%s>", x->p->name,
				c ? qg_xml_line(c) : 0, c ? qg_xml_column(c) : 0, x->root, name);
	}
	return 0;
}

static int cs_start(void *ud, const char *name, const char **attrs)
{
	struct xrd *x = ud;
	int err;

	if ((err = check_root(x, name)) < 0)
		return err;
	x->depth++;
	if (x->depth == 2 && !strcmp(name, "file")) {
		free(x->file);
		x->file = qg_strdup(qg_xml_attr(attrs, "name"));
		return 0;
	}
	if (!strcmp(name, "error") && x->depth <= 3) {
		const char *sev = qg_xml_attr(attrs, "severity"), *src = qg_xml_attr(attrs, "source"),
			   *msg = qg_xml_attr(attrs, "message");
		enum lint_level lvl = LINT_WARNING;
		struct lint_finding *f;
		int hidden = 0;

		if (sev && !strcmp(sev, "error"))
			lvl = LINT_ERROR;
		else if (sev && !strcmp(sev, "info"))
			lvl = LINT_NOTE;
		else if (sev && !strcmp(sev, "ignore"))
			lvl = LINT_NOTE, hidden = 1;
		f = lint_parse_add(x->p, x->tool, src, lvl, x->depth == 3 ? x->file : NULL, num_attr(attrs, "line"),
				   num_attr(attrs, "column"), msg, msg ? strlen(msg) : 0);
		if (!f)
			return qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
		if (hidden)
			f->flags |= LINT_F_SUPPRESSED;
	}
	return 0;
}

static int cs_end(void *ud, const char *name, const char *text, size_t len)
{
	struct xrd *x = ud;

	x->depth--;
	if (!strcmp(name, "exception")) {
		size_t n = 0;
		while (len && (*text == '\n' || *text == '\r' || *text == ' ')) {
			text++;
			len--;
		}
		while (n < len && n < 200 && text[n] != '\n')
			n++;
		return qg_error(QG_EINPUT, "'%s': %s reported an exception%s%s%s: %.*s", x->p->name, x->tool,
				x->file ? " on '" : "", x->file ? x->file : "", x->file ? "'" : "", (int)n, text);
	}
	return 0;
}

int lint_parse_checkstyle(struct lint_parse *p, const char *data, size_t len)
{
	struct xrd x = { 0 };
	struct qg_xml_handler h = { .start = cs_start, .end = cs_end, .ud = &x, .text_cap = 4096, .max_depth = 64 };
	int err;

	x.p = p;
	x.root = "checkstyle";
	x.tool = p->tool && *p->tool ? p->tool : "checkstyle";
	err = qg_xml_parse_buf(data, len, p->name, &h);
	free(x.file);
	return err;
}

/* cppcheck */
static void cc_clear(struct xrd *x)
{
	free(x->id);
	free(x->sev);
	free(x->msg);
	free(x->efile);
	x->id = x->sev = x->msg = x->efile = NULL;
	x->eline = x->ecol = 0;
	x->in_error = 0;
}

static int cc_start(void *ud, const char *name, const char **attrs)
{
	struct xrd *x = ud;
	int err;

	if ((err = check_root(x, name)) < 0)
		return err;
	x->depth++;
	if (!strcmp(name, "cppcheck")) {
		const char *v = qg_xml_attr(attrs, "version");
		struct lint_tool *t = x->p->tools ? lint_tools_get(x->p->tools, x->tool) : NULL;
		if (v && t && !t->version)
			t->version = qg_strdup(v);
		return 0;
	}
	if (!strcmp(name, "error")) {
		cc_clear(x);
		x->in_error = 1;
		x->id = qg_strdup(qg_xml_attr(attrs, "id"));
		x->sev = qg_strdup(qg_xml_attr(attrs, "severity"));
		x->msg = qg_strdup(qg_xml_attr(attrs, "msg"));
		x->efile = qg_strdup(qg_xml_attr(attrs, "file")); /* version 1 */
		x->eline = num_attr(attrs, "line");
		return 0;
	}
	if (!strcmp(name, "location") && x->in_error && !x->efile) {
		x->efile = qg_strdup(qg_xml_attr(attrs, "file"));
		x->eline = num_attr(attrs, "line");
		x->ecol = num_attr(attrs, "column");
	}
	return 0;
}

static int cc_end(void *ud, const char *name, const char *text, size_t len)
{
	struct xrd *x = ud;
	enum lint_level lvl = LINT_NOTE;

	(void)text;
	(void)len;
	x->depth--;
	if (strcmp(name, "error") || !x->in_error)
		return 0;
	if (x->sev && !strcmp(x->sev, "error"))
		lvl = LINT_ERROR;
	else if (x->sev && !strcmp(x->sev, "warning"))
		lvl = LINT_WARNING;
	if (!lint_parse_add(x->p, x->tool, x->id, lvl, x->efile && *x->efile ? x->efile : NULL, x->eline, x->ecol,
			    x->msg, x->msg ? strlen(x->msg) : 0)) {
		cc_clear(x);
		return qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
	}
	cc_clear(x);
	return 0;
}

int lint_parse_cppcheck(struct lint_parse *p, const char *data, size_t len)
{
	struct xrd x = { 0 };
	struct qg_xml_handler h = { .start = cc_start, .end = cc_end, .ud = &x, .text_cap = 256, .max_depth = 64 };
	int err;

	x.p = p;
	x.root = "results";
	x.tool = p->tool && *p->tool ? p->tool : "cppcheck";
	err = qg_xml_parse_buf(data, len, p->name, &h);
	cc_clear(&x);
	return err;
}

/* shellcheck -f json1 / -f json */
static int js_type_fail(struct lint_parse *p, const char *what, const char *ptr)
{
	return qg_error(QG_EINPUT, "'%s': not a report of that format: %s: expected %s", p->name, ptr, what);
}

int lint_parse_shellcheck_json(struct lint_parse *p, const char *data, size_t len)
{
	struct js_doc d;
	struct qg_buf file = QG_BUF_INIT(QG_CAP_PATH), msg = QG_BUF_INIT(QG_CAP_MESSAGE),
		      rule = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *tool = p->tool && *p->tool ? p->tool : "shellcheck";
	uint32_t arr, c;
	size_t k;
	int err, ok;

	if (!len)
		return qg_error(QG_EINPUT, "'%s': empty file, expected shellcheck's JSON", p->name);
	if ((err = js_parse(&d, data, len, p->name)) < 0)
		return err;
	arr = 0;
	if (d.n[0].type == JS_OBJ) {
		arr = js_get(&d, 0, "comments");
		if (!js_is(&d, arr, JS_ARR)) {
			err = js_type_fail(p, "an array", "/comments");
			goto done;
		}
	} else if (d.n[0].type != JS_ARR) {
		err = js_type_fail(p, "an array or {\"comments\": [...]}", "/ (the root)");
		goto done;
	}
	c = arr + 1;
	for (k = 0; k < d.n[arr].len && !err; k++, c = d.n[c].next) {
		uint32_t lv = js_get(&d, c, "level");
		enum lint_level level = LINT_NOTE;
		long long code;
		struct lint_finding *f;

		if (!js_is(&d, c, JS_OBJ)) {
			char ptr[64];
			snprintf(ptr, sizeof(ptr), "%s/%zu", arr ? "/comments" : "", k);
			err = js_type_fail(p, "an object", ptr);
			break;
		}
		if (js_str_eq(&d, lv, "error"))
			level = LINT_ERROR;
		else if (js_str_eq(&d, lv, "warning"))
			level = LINT_WARNING;
		qg_buf_reset(&rule);
		code = js_int(&d, js_get(&d, c, "code"), &ok);
		if (ok && (err = qg_buf_addf(&rule, "SC%lld", code)) < 0)
			break;
		qg_buf_reset(&file);
		qg_buf_reset(&msg);
		if (js_is(&d, js_get(&d, c, "file"), JS_STR) && (err = js_str(&d, js_get(&d, c, "file"), &file)) < 0)
			break;
		if (js_is(&d, js_get(&d, c, "message"), JS_STR) &&
		    (err = js_str(&d, js_get(&d, c, "message"), &msg)) < 0)
			break;
		f = lint_parse_add(p, tool, rule.len ? rule.buf : NULL, level, file.len ? file.buf : NULL,
				   js_int(&d, js_get(&d, c, "line"), &ok), js_int(&d, js_get(&d, c, "column"), &ok), msg.buf,
				   msg.len);
		if (!f) {
			err = qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
			break;
		}
		f->end_line = js_int(&d, js_get(&d, c, "endLine"), &ok);
		if (f->end_line <= f->line)
			f->end_line = 0;
		if (rule.len && !(f->help_uri = qg_strdup("https://www.shellcheck.net/wiki/")))
			err = QG_ENOMEM;
		if (rule.len && !err) {
			struct qg_buf u = QG_BUF_INIT(QG_CAP_URL);
			if (!(err = qg_buf_addf(&u, "https://www.shellcheck.net/wiki/%s", rule.buf))) {
				free(f->help_uri);
				f->help_uri = qg_buf_detach(&u, NULL);
			}
			qg_buf_release(&u);
		}
	}
done:
	js_release(&d);
	qg_buf_release(&file);
	qg_buf_release(&msg);
	qg_buf_release(&rule);
	return err;
}

/* GCC -fdiagnostics-format=json */
static int gj_where(const struct js_doc *d, uint32_t diag, struct qg_buf *file, long long *line, long long *col)
{
	uint32_t loc = js_at(d, js_get(d, diag, "locations"), 0), caret = js_get(d, loc, "caret");
	int ok;

	qg_buf_reset(file);
	*line = js_int(d, js_get(d, caret, "line"), &ok);
	*col = js_int(d, js_get(d, caret, "column"), &ok);
	if (js_is(d, js_get(d, caret, "file"), JS_STR))
		return js_str(d, js_get(d, caret, "file"), file);
	return 0;
}

static enum lint_level gj_level(const struct js_doc *d, uint32_t kind)
{
	struct qg_buf k = QG_BUF_INIT(QG_CAP_MESSAGE);
	enum lint_level l = LINT_NOTE;

	if (js_is(d, kind, JS_STR) && js_str(d, kind, &k) == 0) {
		if (strstr(k.buf, "error"))
			l = LINT_ERROR;
		else if (strstr(k.buf, "warning"))
			l = LINT_WARNING;
	}
	qg_buf_release(&k);
	return l;
}

int lint_parse_gcc_json(struct lint_parse *p, const char *data, size_t len)
{
	struct js_doc d;
	struct qg_buf file = QG_BUF_INIT(QG_CAP_PATH), msg = QG_BUF_INIT(QG_CAP_MESSAGE),
		      rule = QG_BUF_INIT(QG_CAP_MESSAGE), note = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *tool = p->tool && *p->tool ? p->tool : "gcc";
	uint32_t c;
	size_t k, m;
	int err;

	if (!len)
		return qg_error(QG_EINPUT, "'%s': empty file, expected GCC's JSON diagnostics", p->name);
	if ((err = js_parse(&d, data, len, p->name)) < 0)
		return err;
	if (d.n[0].type != JS_ARR) {
		err = js_type_fail(p, "an array of diagnostics", "/ (the root)");
		goto done;
	}
	c = 1;
	for (k = 0; k < d.n[0].len && !err; k++, c = d.n[c].next) {
		uint32_t kids;
		long long line, col;
		size_t idx;

		if (!js_is(&d, c, JS_OBJ)) {
			char ptr[32];
			snprintf(ptr, sizeof(ptr), "/%zu", k);
			err = js_type_fail(p, "an object", ptr);
			break;
		}
		qg_buf_reset(&rule);
		qg_buf_reset(&msg);
		if (js_is(&d, js_get(&d, c, "option"), JS_STR) && (err = js_str(&d, js_get(&d, c, "option"), &rule)) < 0)
			break;
		if (js_is(&d, js_get(&d, c, "message"), JS_STR) && (err = js_str(&d, js_get(&d, c, "message"), &msg)) < 0)
			break;
		if ((err = gj_where(&d, c, &file, &line, &col)) < 0)
			break;
		if (!lint_parse_add(p, tool, rule.len ? rule.buf : "diagnostic", gj_level(&d, js_get(&d, c, "kind")),
				    file.len ? file.buf : NULL, line, col, msg.buf, msg.len)) {
			err = qg_error_code() < 0 ? qg_error_code() : QG_ENOMEM;
			break;
		}
		idx = p->out->nr - 1;
		kids = js_get(&d, c, "children");
		for (m = 0; js_is(&d, kids, JS_ARR) && m < d.n[kids].len && !err; m++) {
			uint32_t ch = js_at(&d, kids, m);
			qg_buf_reset(&note);
			if ((err = gj_where(&d, ch, &file, &line, &col)) < 0)
				break;
			if (js_is(&d, js_get(&d, ch, "message"), JS_STR) &&
			    (err = js_str(&d, js_get(&d, ch, "message"), &msg)) < 0)
				break;
			err = qg_buf_addf(&note, "%s:%lld:%lld: %s", file.buf, line, col, msg.buf);
			if (!err)
				err = lint_parse_append(&p->out->v[idx], "; note: ", note.buf, note.len);
		}
	}
done:
	js_release(&d);
	qg_buf_release(&file);
	qg_buf_release(&msg);
	qg_buf_release(&rule);
	qg_buf_release(&note);
	return err;
}
