/* parse.c -- ingesting a linter's report: parser dispatch and format sniffing
 *
 * lint_parse_file() maps the report (or reads stdin), lint_parse_buf() picks
 * the parser by name: gcc, sarif, checkstyle, cppcheck, shellcheck-json,
 * gcc-json, regex:PATTERN, or auto, which looks at the first bytes: JSON with
 * "runs" or "$schema" is SARIF, {"comments": ...} or an array of objects with
 * "code" is shellcheck, an array of objects with "kind" is GCC's JSON, an XML
 * root <checkstyle> is checkstyle, <results> is cppcheck, anything else is
 * read as gcc-style text. lint_parse_add() is where every parser's finding is
 * made (path normalised, message on one line, rule registered on its tool).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

/* One line: newlines, tabs and other control bytes become spaces; trailing
 * blanks dropped. */
static int add_one_line(struct qg_buf *b, const char *s, size_t n)
{
	size_t i, start = b->len;
	int err = qg_buf_add(b, s, n);

	if (err < 0)
		return err;
	for (i = start; i < b->len; i++)
		if ((unsigned char)b->buf[i] < 0x20 || b->buf[i] == 0x7f)
			b->buf[i] = ' ';
	while (b->len > start && b->buf[b->len - 1] == ' ')
		b->len--;
	qg_buf_setlen(b, b->len);
	return 0;
}

#define SEEN_MAX 65536 /* spellings remembered per report (then each is normalised anew) */

/* file normalised (once per spelling of a report); *out borrowed from p or
 * path; *interned when it is a name of p->out's pool (the findings' list). */
static int normalise_seen(struct lint_parse *p, const char *file, struct qg_buf *path, const char **out, int *outside,
			  int *interned)
{
	size_t n = strlen(file);
	const char *norm;
	long at;
	int err;

	*interned = 0;
	if (p->seen && (at = qg_strmap_find(p->seen, file, n)) >= 0) {
		*out = p->seen_v[at].norm;
		*outside = p->seen_v[at].outside;
		*interned = 1;
		return 0;
	}
	if ((err = lint_path_normalise(p->ctx, file, path, outside)) < 0)
		return err;
	*out = path->buf;
	/* remembering is an optimisation: no memory for it is no error */
	if (!p->seen && !(p->seen = calloc(1, sizeof(*p->seen))))
		return 0;
	if (p->seen->nr >= SEEN_MAX || qg_alloc_grow((void **)&p->seen_v, &p->alloc_seen, p->seen->nr + 1,
						     sizeof(*p->seen_v)) < 0) {
		qg_error_clear();
		return 0;
	}
	if (!(norm = lint_findings_intern(p->out, path->buf)) || (at = qg_strmap_add(p->seen, file, n)) < 0) {
		qg_error_clear();
		return 0;
	}
	p->seen_v[at].norm = norm;
	p->seen_v[at].outside = *outside;
	*out = norm;
	*interned = 1;
	return 0;
}

static void seen_release(struct lint_parse *p)
{
	if (p->seen) {
		qg_strmap_release(p->seen);
		free(p->seen);
	}
	free(p->seen_v);
	p->seen = NULL;
	p->seen_v = NULL;
	p->alloc_seen = 0;
}

struct lint_finding *lint_parse_add(struct lint_parse *p, const char *tool, const char *rule, enum lint_level level,
				    const char *file, long long line, long long col, const char *msg, size_t msglen)
{
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	struct lint_finding *f = NULL;
	struct lint_tool *t;
	int outside = 0, interned = 0;

	if (!tool || !*tool)
		tool = p->tool && *p->tool ? p->tool : "lint";
	if (!rule || !*rule)
		rule = "finding";
	if (file && p->ctx && normalise_seen(p, file, &path, &file, &outside, &interned) < 0)
		goto done;
	/* tool, rule and file interned, the message folded into the list's pool */
	if (interned)
		f = lint_findings_add_interned(p->out, tool, rule, level, file, line, col, msg, msg ? msglen : 0);
	else
		f = lint_findings_add_text(p->out, tool, rule, level, file, line, col, msg, msg ? msglen : 0);
	if (!f)
		goto done;
	if (outside)
		f->flags |= LINT_F_OUTSIDE;
	if (p->tools && !p->rule_known) {
		t = lint_tools_get(p->tools, tool);
		if (!t || !lint_tool_rule(t, f->rule, level)) {
			f = NULL;
			goto done;
		}
	}
done:
	qg_buf_release(&path);
	return f;
}

int lint_parse_append(struct lint_finding *f, const char *sep, const char *text, size_t len)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	err = qg_buf_addstr(&b, f->message ? f->message : "");
	if (!err)
		err = qg_buf_addstr(&b, sep);
	if (!err)
		err = add_one_line(&b, text, len);
	if (err < 0) {
		qg_buf_release(&b);
		return err;
	}
	{
		char *m = qg_buf_detach(&b, NULL);

		if (!m)
			return qg_error(QG_ENOMEM, "out of memory");
		lint_finding_set_message(f, m);
	}
	return 0;
}

static const char *skip_space(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s;
}

/* The first element name of an XML document (after the declaration,
 * comments, processing instructions and a doctype). */
static size_t xml_root(const char *s, const char *e, const char **name)
{
	while (s < e) {
		s = skip_space(s, e);
		if (s >= e || *s != '<')
			return 0;
		if (e - s >= 4 && !memcmp(s, "<!--", 4)) {
			const char *c = memmem(s + 4, (size_t)(e - s - 4), "-->", 3);
			if (!c)
				return 0;
			s = c + 3;
			continue;
		}
		if (e - s >= 2 && (s[1] == '?' || s[1] == '!')) {
			const char *c = memchr(s, '>', (size_t)(e - s));
			if (!c)
				return 0;
			s = c + 1;
			continue;
		}
		{
			const char *n = ++s;
			while (s < e && !strchr(" \t\r\n/>", *s))
				s++;
			*name = n;
			return (size_t)(s - n);
		}
	}
	return 0;
}

const char *lint_parse_sniff(const char *data, size_t len)
{
	const char *s = data, *e = data + len, *root;
	size_t head, n;

	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	s = skip_space(s, e);
	head = (size_t)(e - s) < 8192 ? (size_t)(e - s) : 8192;
	if (s < e && *s == '{') {
		if (memmem(s, head, "\"runs\"", 6) || memmem(s, head, "\"$schema\"", 9))
			return "sarif";
		if (memmem(s, head, "\"comments\"", 10))
			return "shellcheck-json";
		return "sarif"; /* an object of another kind is refused by the SARIF reader, naming it */
	}
	if (s < e && *s == '[') {
		const char *k = memmem(s, head, "\"kind\"", 6), *c = memmem(s, head, "\"code\"", 6);
		if (k && (!c || k < c))
			return "gcc-json";
		return "shellcheck-json";
	}
	if (s < e && *s == '<') {
		n = xml_root(s, e, &root);
		if (n == 7 && !memcmp(root, "results", 7))
			return "cppcheck";
		return "checkstyle"; /* checkstyle names a wrong root itself */
	}
	return "gcc";
}

int lint_parser_known(const char *parser)
{
	static const char *const known[] = { "gcc", "sarif", "checkstyle", "cppcheck", "shellcheck-json", "gcc-json",
					     "auto" };
	size_t i;

	if (!parser)
		return 0;
	if (!strncmp(parser, "regex:", 6))
		return 1;
	for (i = 0; i < QG_ARRAY_SIZE(known); i++)
		if (!strcmp(parser, known[i]))
			return 1;
	return 0;
}

static int dispatch(struct lint_parse *pp, const char *parser, const char *data, size_t len);

int lint_parse_buf(const struct lint_ctx *ctx, const char *parser, const char *tool, const char *name,
		   const char *data, size_t len, struct lint_findings *out, struct lint_tools *tools)
{
	struct lint_parse p = { ctx, tool, name ? name : "-", out, tools, 0, NULL, NULL, 0 };
	int err = dispatch(&p, parser, data, len);

	seen_release(&p);
	return err;
}

static int dispatch(struct lint_parse *pp, const char *parser, const char *data, size_t len)
{
	if (!parser || !strcmp(parser, "auto"))
		parser = lint_parse_sniff(data, len);
	if (!strcmp(parser, "gcc"))
		return lint_parse_gcc(pp, data, len);
	if (!strcmp(parser, "sarif"))
		return lint_parse_sarif(pp, data, len);
	if (!strcmp(parser, "checkstyle"))
		return lint_parse_checkstyle(pp, data, len);
	if (!strcmp(parser, "cppcheck"))
		return lint_parse_cppcheck(pp, data, len);
	if (!strcmp(parser, "shellcheck-json"))
		return lint_parse_shellcheck_json(pp, data, len);
	if (!strcmp(parser, "gcc-json"))
		return lint_parse_gcc_json(pp, data, len);
	if (!strncmp(parser, "regex:", 6))
		return lint_parse_regex(pp, parser + 6, data, len);
	return qg_error(QG_EUSAGE,
			"unknown parser '%s' (expected gcc, sarif, checkstyle, cppcheck, shellcheck-json, gcc-json, "
			"regex:PATTERN or auto)",
			parser);
}

int lint_parse_file(const struct lint_ctx *ctx, const char *parser, const char *tool, const char *path,
		    struct lint_findings *out, struct lint_tools *tools)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
	struct stat st;
	void *map = NULL;
	int fd = -1, err;

	if (!parser)
		parser = "auto";
	if (!strncmp(parser, "regex:", 6) && (err = lint_regex_check(parser + 6)) < 0)
		return err;
	if (!lint_parser_known(parser))
		return lint_parse_buf(ctx, parser, tool, path, "", 0, out, tools); /* names the unknown parser */
	if (!strcmp(path, "-")) {
		err = qg_buf_read_fd(&b, 0, "-");
		if (!err)
			err = lint_parse_buf(ctx, parser, tool, "-", b.buf, b.len, out, tools);
		qg_buf_release(&b);
		return err;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return qg_error(QG_EINPUT, "'%s': cannot open report: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* A pipe or device: read it whole. */
		err = qg_buf_read_fd(&b, fd, path);
		close(fd);
		if (!err)
			err = lint_parse_buf(ctx, parser, tool, path, b.buf, b.len, out, tools);
		qg_buf_release(&b);
		return err;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = qg_error(QG_EINPUT, "'%s': cannot map report: %s", path, strerror(errno));
			close(fd);
				return err;
		}
		(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	close(fd);
	err = lint_parse_buf(ctx, parser, tool, path, map ? map : "", map ? (size_t)st.st_size : 0, out, tools);
	if (map)
		munmap(map, (size_t)st.st_size);
	return err;
}
