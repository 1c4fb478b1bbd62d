/* coverage_cobertura.c -- Cobertura XML in (gcovr --xml, coverage.py) and out
 *
 * Reading streams the document through qgate/xml.h (expat; entity
 * declarations and deep nesting refused there): <sources><source> give the
 * folders the classes' filenames are relative to (the first under which the
 * file exists, else the first; a relative source, gcovr -r . writes ".", is
 * taken from the working folder), <class filename> names a file, and its
 * <lines><line number hits [branch="true" condition-coverage="50% (1/2)"]>
 * are the records. Lines under <method> repeat the class's lines in
 * Cobertura's own output and are skipped. The rates and totals on the
 * elements are not trusted. A file whose root is not <coverage> is refused
 * by name.
 *
 * Writing follows coverage-04.dtd (coverage, sources, packages/package/
 * classes/class/methods+lines/line): one package per folder, one class per
 * file, the repository root as the source.
 */
#include "qgate/common.h"

#include <limits.h>
#include <sys/stat.h>

#include "qgate/report.h"
#include "qgate/stream.h"
#include "qgate/xml.h"

#include "coverage.h"

struct cob {
	struct cov_model *m;
	const char *name;
	struct qg_strvec sources;
	long file;       /* current class's file, -1 outside */
	int in_method;   /* depth of <method> */
	int started;     /* root seen */
};

/* QG_EINPUT where the parser is (the element being started). */
#define bad(c, ...) cov_input_error((c)->name, qg_xml_line(qg_xml_current()), qg_xml_column(qg_xml_current()), __VA_ARGS__)

static int parse_ull(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');

		v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "50% (1/2)": taken 1 of 2. */
static int parse_condition(const char *s, unsigned long long *taken, unsigned long long *total)
{
	const char *open = s ? strchr(s, '(') : NULL, *slash, *close;
	char a[32], b[32];

	if (!open || !(slash = strchr(open, '/')) || !(close = strchr(slash, ')')))
		return -1;
	if (slash - open - 1 <= 0 || slash - open - 1 >= (long)sizeof(a) || close - slash - 1 <= 0 ||
	    close - slash - 1 >= (long)sizeof(b))
		return -1;
	memcpy(a, open + 1, (size_t)(slash - open - 1));
	a[slash - open - 1] = '\0';
	memcpy(b, slash + 1, (size_t)(close - slash - 1));
	b[close - slash - 1] = '\0';
	if (parse_ull(a, taken) < 0 || parse_ull(b, total) < 0 || *taken > *total || *total > 1000000)
		return -1;
	return 0;
}

static int class_file(struct cob *c, const char *filename)
{
	const char *base = NULL;
	long f;

	if (filename[0] != '/' && c->sources.nr) {
		base = c->sources.v[0];
		for (size_t i = 0; i < c->sources.nr; i++) {
			struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
			struct stat st;

			if (qg_buf_addf(&p, "%s/%s", c->sources.v[i], filename) == 0 && stat(p.buf, &st) == 0) {
				base = c->sources.v[i];
				qg_buf_release(&p);
				break;
			}
			qg_buf_release(&p);
		}
	}
	f = cov_model_file(c->m, filename, strlen(filename), base);
	if (f < 0)
		return (int)f;
	c->file = f;
	return 0;
}

static int on_start(void *ud, const char *name, const char **attrs)
{
	struct cob *c = ud;

	if (!c->started) {
		c->started = 1;
		if (strcmp(name, "coverage"))
			return bad(c, "root element <%.100s> is not <coverage>: not a Cobertura report", name);
		return 0;
	}
	if (!strcmp(name, "class")) {
		const char *fn = qg_xml_attr(attrs, "filename");

		if (c->file >= 0)
			return bad(c, "<class> inside a <class>");
		if (!fn || !*fn)
			return bad(c, "<class> without a filename attribute");
		return class_file(c, fn);
	}
	if (!strcmp(name, "method")) {
		c->in_method++;
		return 0;
	}
	if (!strcmp(name, "line") && !c->in_method) {
		const char *num = qg_xml_attr(attrs, "number"), *hits = qg_xml_attr(attrs, "hits");
		const char *branch = qg_xml_attr(attrs, "branch");
		unsigned long long line, h, taken, total;
		int err;

		if (c->file < 0)
			return bad(c, "<line> outside a <class>");
		if (parse_ull(num, &line) < 0 || line == 0 || line > (unsigned long long)LLONG_MAX)
			return bad(c, "<line number=\"%.40s\">: expected a positive integer", num ? num : "");
		if (parse_ull(hits, &h) < 0)
			return bad(c, "<line number=\"%llu\" hits=\"%.40s\">: expected a non-negative integer", line,
				   hits ? hits : "");
		if ((err = cov_model_line(c->m, c->file, (long long)line, h)))
			return err;
		if (branch && !strcmp(branch, "true")) {
			const char *cc = qg_xml_attr(attrs, "condition-coverage");

			if (!cc)
				return 0; /* a branch line without its figures: nothing to count */
			if (parse_condition(cc, &taken, &total) < 0)
				return bad(c, "<line number=\"%llu\" condition-coverage=\"%.40s\">: expected \"N%% (taken/total)\"",
					   line, cc);
			for (unsigned long long k = 0; k < total; k++)
				if ((err = cov_model_branch(c->m, c->file, (long long)line, k, k < taken ? 1 : 0)))
					return err;
		}
	}
	return 0;
}

static int on_end(void *ud, const char *name, const char *text, size_t len)
{
	struct cob *c = ud;

	if (!strcmp(name, "class")) {
		c->file = -1;
	} else if (!strcmp(name, "method")) {
		c->in_method--;
	} else if (!strcmp(name, "source")) {
		while (len && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r'))
			text++, len--;
		while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
			       text[len - 1] == '\r'))
			len--;
		if (len && !memchr(text, '\0', len)) {
			char *s = qg_strndup(text, len);
			int err = s ? qg_strvec_push(&c->sources, s) : qg_error(QG_ENOMEM, "out of memory");

			free(s);
			return err;
		}
	}
	return 0;
}

static int run(struct cov_model *m, const char *name, const char *data, size_t len, const char *path)
{
	struct cob c = { m, name, QG_STRVEC_INIT, -1, 0, 0 };
	struct qg_xml_handler h = { .start = on_start, .end = on_end, .ud = &c, .text_cap = (size_t)64 << 10, .max_depth = 64 };
	struct qg_xml *x = NULL;
	struct qg_stream *st = NULL;
	int err;

	if (!path) {
		err = qg_xml_parse_buf(data, len, name, &h);
	} else if (!(err = qg_stream_open(&st, path, 0)) && !(err = qg_xml_new(&x, qg_stream_name(st), &h))) {
		char block[1 << 16];
		ssize_t n;

		c.name = qg_stream_name(st);
		while ((n = qg_stream_read(st, block, sizeof(block))) > 0)
			if ((err = qg_xml_feed(x, block, (size_t)n, 0)))
				break;
		if (!err && n < 0)
			err = (int)n;
		if (!err)
			err = qg_xml_feed(x, "", 0, 1);
	}
	if (err == QG_EPARSE)
		err = cov_error_as_input();
	if (!err && !c.started)
		err = qg_error(QG_EINPUT, "'%s': empty document, expected a Cobertura report", c.name);
	qg_xml_free(x);
	qg_stream_free(st);
	qg_strvec_clear(&c.sources);
	return err;
}

int cov_read_cobertura_buf(struct cov_model *m, const char *data, size_t len, const char *name)
{
	return run(m, name, data, len, NULL);
}

int cov_read_cobertura(struct cov_model *m, const char *path)
{
	return run(m, path, NULL, 0, path);
}

/* ---- writing ---- */

static double rate(long long covered, long long valid)
{
	return valid > 0 ? (double)covered / (double)valid : 1.0;
}

static size_t dir_len(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? (size_t)(s - p) : 0;
}

/* By folder, then by path: a folder's files are one run (one package). */
static int cmp_path(const void *a, const void *b)
{
	const struct cov_file *x = *(const struct cov_file *const *)a, *y = *(const struct cov_file *const *)b;
	size_t dx = dir_len(x->path), dy = dir_len(y->path);
	int c = memcmp(x->path, y->path, dx < dy ? dx : dy);

	if (c)
		return c;
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* A dotted name: "src/io/a.c" -> "src.io.a.c" ("/usr" -> "usr"). */
static int add_dotted(struct qg_buf *out, const char *p, size_t len)
{
	struct qg_buf t = QG_BUF_INIT(QG_CAP_PATH);
	int err = 0;

	while (len && *p == '/')
		p++, len--;
	for (size_t i = 0; i < len && !err; i++)
		err = qg_buf_addch(&t, p[i] == '/' ? '.' : p[i]);
	if (!err)
		err = qg_xml_escape(out, t.buf, t.len);
	qg_buf_release(&t);
	return err;
}

int cov_write_cobertura(struct qg_buf *out, const struct cov_model *m, long long timestamp)
{
	const struct cov_file **fs = NULL;
	size_t rl = strlen(m->root);
	int err = 0;

	if (m->nr_files && !(fs = malloc(m->nr_files * sizeof(*fs))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->nr_files; i++)
		fs[i] = &m->files[i];
	if (m->nr_files)
		qsort(fs, m->nr_files, sizeof(*fs), cmp_path);
	err = qg_buf_addf(out,
			  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n"
			  "<coverage line-rate=\"%.4f\" branch-rate=\"%.4f\" lines-covered=\"%lld\" lines-valid=\"%lld\""
			  " branches-covered=\"%lld\" branches-valid=\"%lld\" complexity=\"0.0\" timestamp=\"%lld\""
			  " version=\"qgate %s\">\n  <sources>\n    <source>",
			  rate(m->lines_covered, m->lines_valid), rate(m->br_covered, m->br_valid), m->lines_covered,
			  m->lines_valid, m->br_covered, m->br_valid, timestamp, QG_VERSION_STR);
	if (!err)
		err = qg_xml_escape(out, m->root, rl > 1 ? rl - 1 : rl);
	if (!err)
		err = qg_buf_addstr(out, "</source>\n  </sources>\n  <packages>\n");
	for (size_t i = 0; i < m->nr_files && !err;) {
		size_t dl = dir_len(fs[i]->path), j = i;
		long long lv = 0, lc = 0, bv = 0, bc = 0;

		while (j < m->nr_files && dir_len(fs[j]->path) == dl && !strncmp(fs[j]->path, fs[i]->path, dl)) {
			lv += fs[j]->lines_valid, lc += fs[j]->lines_covered;
			bv += fs[j]->br_valid, bc += fs[j]->br_covered;
			j++;
		}
		err = qg_buf_addstr(out, "    <package name=\"");
		if (!err)
			err = add_dotted(out, fs[i]->path, dl);
		if (!err)
			err = qg_buf_addf(out, "\" line-rate=\"%.4f\" branch-rate=\"%.4f\" complexity=\"0.0\">\n      <classes>\n",
					  rate(lc, lv), rate(bc, bv));
		for (size_t k = i; k < j && !err; k++) {
			const struct cov_file *f = fs[k];

			err = qg_buf_addstr(out, "        <class name=\"");
			if (!err)
				err = add_dotted(out, f->path, strlen(f->path));
			if (!err)
				err = qg_buf_addstr(out, "\" filename=\"");
			if (!err)
				err = qg_xml_escape(out, f->path, strlen(f->path));
			if (!err)
				err = qg_buf_addf(out,
						  "\" line-rate=\"%.4f\" branch-rate=\"%.4f\" complexity=\"0.0\">\n"
						  "          <methods/>\n          <lines>\n",
						  rate(f->lines_covered, f->lines_valid), rate(f->br_covered, f->br_valid));
			for (size_t l = 0; l < f->nr_lines && !err; l++) {
				const struct cov_line *ln = &f->lines[l];

				if (ln->br_total)
					err = qg_buf_addf(out,
							  "            <line number=\"%lld\" hits=\"%llu\" branch=\"true\""
							  " condition-coverage=\"%u%% (%u/%u)\"/>\n",
							  ln->line, ln->hits,
							  (unsigned)((unsigned long long)ln->br_taken * 100 / ln->br_total),
							  ln->br_taken, ln->br_total);
				else
					err = qg_buf_addf(out, "            <line number=\"%lld\" hits=\"%llu\" branch=\"false\"/>\n",
							  ln->line, ln->hits);
			}
			if (!err)
				err = qg_buf_addstr(out, "          </lines>\n        </class>\n");
		}
		if (!err)
			err = qg_buf_addstr(out, "      </classes>\n    </package>\n");
		i = j;
	}
	if (!err)
		err = qg_buf_addstr(out, "  </packages>\n</coverage>\n");
	free(fs);
	return err;
}
