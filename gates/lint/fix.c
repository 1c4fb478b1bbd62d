/* fix.c -- --fix: repair whitespace, end of file, line endings and the BOM in place
 *
 * A file with a finding of an enabled fixable rule is streamed once to
 * count its line endings (the target is the majority, LF on a tie, only
 * when mixed-line-ending is on and the file is mixed) and once more
 * through a byte-level rewriter into a temp file in the same folder,
 * which then replaces it by rename(2) with the original mode: a crash
 * leaves the old file whole. The rewriter keeps only the pending
 * whitespace of the current line and the pending blank lines, so memory
 * stays flat. It does what pre-commit-hooks' fixers do:
 * trailing-whitespace strips [ \t\v\f] before each line ending,
 * end-of-file adds a missing final newline and drops trailing blank lines
 * (a file of blank lines becomes empty), mixed-line-ending rewrites to
 * the majority, byte-order-mark drops a leading UTF-8 BOM. The findings
 * of a rewritten file's fixed rules get LINT_F_FIXED; they still count,
 * so the run exits 1 and the user re-stages, as hooks expect.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"

#include "lint.h"

#define BLOCK (64 * 1024)

struct out {
	int fd;
	const char *tmp;
	char buf[BLOCK];
	size_t len;
	int err;
};

static void put(struct out *o, const void *p, size_t n)
{
	const char *s = p;

	if (o->err)
		return;
	while (n) {
		size_t k = sizeof(o->buf) - o->len;

		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf)) {
			const char *w = o->buf;
			size_t left = o->len;

			while (left) {
				ssize_t r = write(o->fd, w, left);

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					o->err = qg_error(QG_EIO, "'%s': cannot write: %s", o->tmp, strerror(errno));
					return;
				}
				w += r;
				left -= (size_t)r;
			}
			o->len = 0;
		}
	}
}

static int flush_out(struct out *o)
{
	size_t keep = o->len;

	if (o->err || !keep)
		return o->err;
	{
		const char *w = o->buf;
		size_t left = keep;

		while (left) {
			ssize_t r = write(o->fd, w, left);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return o->err = qg_error(QG_EIO, "'%s': cannot write: %s", o->tmp, strerror(errno));
			w += r;
			left -= (size_t)r;
		}
	}
	o->len = 0;
	return 0;
}

struct fixer {
	int ws, eof, mixed, bom;
	const char *eol_target; /* NULL: keep each line's own ending */
	struct qg_buf pend_ws;
	struct qg_buf pend_blank; /* the blank lines' endings, as they would be written */
	int line_started, cr, at_start, changed;
	unsigned char head[3];
	size_t nhead;
};

static void emit_eol(struct fixer *f, struct out *o, int crlf)
{
	const char *e = f->eol_target ? f->eol_target : crlf ? "\r\n" : "\n";

	if (f->eol_target && strcmp(e, crlf ? "\r\n" : "\n"))
		f->changed = 1;
	put(o, e, strlen(e));
}

static void flush_blanks(struct fixer *f, struct out *o)
{
	if (f->pend_blank.len)
		put(o, f->pend_blank.buf, f->pend_blank.len);
	qg_buf_reset(&f->pend_blank);
}

static void content(struct fixer *f, struct out *o, const char *p, size_t n)
{
	if (!f->line_started) {
		flush_blanks(f, o);
		f->line_started = 1;
	}
	if (f->pend_ws.len) {
		put(o, f->pend_ws.buf, f->pend_ws.len);
		qg_buf_reset(&f->pend_ws);
	}
	put(o, p, n);
}

static int end_line(struct fixer *f, struct out *o, int crlf)
{
	if (f->pend_ws.len && f->ws) {
		f->changed = 1;
		qg_buf_reset(&f->pend_ws);
	}
	if (f->pend_ws.len)
		content(f, o, "", 0);
	if (f->line_started || !f->eof) {
		if (!f->line_started)
			flush_blanks(f, o);
		emit_eol(f, o, crlf);
		f->line_started = 0;
		return 0;
	}
	/* a blank line: held until content follows (dropped at the end) */
	{
		const char *e = f->eol_target ? f->eol_target : crlf ? "\r\n" : "\n";

		if (f->eol_target && strcmp(e, crlf ? "\r\n" : "\n"))
			f->changed = 1;
		return qg_buf_addstr(&f->pend_blank, e);
	}
}

static int feed(struct fixer *f, struct out *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		int err;

		if (f->cr) {
			f->cr = 0;
			if (c == '\n') {
				if ((err = end_line(f, o, 1)) < 0)
					return err;
				continue;
			}
			content(f, o, "\r", 1);
		}
		if (c == '\r') {
			f->cr = 1;
		} else if (c == '\n') {
			if ((err = end_line(f, o, 0)) < 0)
				return err;
		} else if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
			if ((err = qg_buf_addch(&f->pend_ws, c)) < 0)
				return err;
		} else {
			size_t k = i + 1;

			/* the run of ordinary bytes at once */
			while (k < n && p[k] != '\r' && p[k] != '\n' && p[k] != ' ' && p[k] != '\t' && p[k] != '\v' &&
			       p[k] != '\f')
				k++;
			content(f, o, p + i, k - i);
			i = k - 1;
		}
	}
	return 0;
}

static int finish(struct fixer *f, struct out *o)
{
	if (f->cr) {
		f->cr = 0;
		content(f, o, "\r", 1);
	}
	if (f->pend_ws.len && f->ws) {
		/* trailing whitespace on the last line (no newline after it) */
		f->changed = 1;
		qg_buf_reset(&f->pend_ws);
	}
	if (f->pend_ws.len)
		content(f, o, "", 0);
	if (f->line_started) {
		if (f->eof) {
			f->changed = 1;
			put(o, f->eol_target ? f->eol_target : "\n", f->eol_target ? strlen(f->eol_target) : 1);
		}
	} else if (f->pend_blank.len) {
		if (f->eof)
			f->changed = 1;
		else
			flush_blanks(f, o);
	}
	qg_buf_reset(&f->pend_blank);
	return 0;
}

/* Count CRLF and LF endings (for the majority). */
static int count_eols(const struct lint_ctx *ctx, const struct lint_file *lf, char *buf, long long *crlf,
		      long long *lf_n)
{
	struct lint_reader *r;
	int err = lint_reader_open(&r, ctx, lf), prev_cr = 0;

	*crlf = *lf_n = 0;
	if (err < 0)
		return err;
	for (;;) {
		ssize_t n = lint_reader_read(r, buf, BLOCK);

		if (n <= 0) {
			err = (int)n;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (prev_cr)
					(*crlf)++;
				else
					(*lf_n)++;
			}
			prev_cr = buf[i] == '\r';
		}
	}
	lint_reader_close(r);
	return err;
}

static int fix_file(const struct lint_ctx *ctx, const struct lint_file *lf, struct fixer *f, char *buf,
		    int *changed)
{
	struct lint_reader *r = NULL;
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct out *o = NULL;
	struct stat st;
	const char *path = lf->abs ? lf->abs : lf->path;
	int err, fd = -1;

	*changed = 0;
	f->eol_target = NULL;
	if (f->mixed) {
		long long crlf, lfn;

		if ((err = count_eols(ctx, lf, buf, &crlf, &lfn)) < 0)
			return err;
		if (crlf && lfn)
			f->eol_target = crlf > lfn ? "\r\n" : "\n";
	}
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* a FIFO or something that changed kind: nothing to rewrite */
	{
		const char *slash = strrchr(path, '/');

		err = slash ? qg_buf_addf(&tmp, "%.*s/.%s.fixXXXXXX", (int)(slash - path), path, slash + 1)
			    : qg_buf_addf(&tmp, ".%s.fixXXXXXX", path);
		if (err < 0)
			return err;
	}
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		err = qg_error(QG_EIO, "'%s': --fix cannot create a temp file beside it: %s", lf->path, strerror(errno));
		goto out;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto out;
	}
	o->fd = fd;
	o->tmp = tmp.buf;
	if ((err = lint_reader_open(&r, ctx, lf)) < 0)
		goto out;
	f->line_started = f->cr = f->changed = 0;
	f->nhead = 0;
	qg_buf_reset(&f->pend_ws);
	qg_buf_reset(&f->pend_blank);
	{
		int first = 1;

		for (;;) {
			ssize_t n = lint_reader_read(r, buf, BLOCK);
			const char *p = buf;

			if (n < 0) {
				err = (int)n;
				goto out;
			}
			if (!n)
				break;
			if (first) {
				first = 0;
				if (f->bom && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
					p += 3;
					n -= 3;
					f->changed = 1;
				}
			}
			if ((err = feed(f, o, p, (size_t)n)) < 0)
				goto out;
			if (o->err) {
				err = o->err;
				goto out;
			}
		}
	}
	if ((err = finish(f, o)) < 0 || (err = flush_out(o)) < 0)
		goto out;
	if (!f->changed)
		goto out;
	if (fchmod(fd, st.st_mode & 07777) < 0 || fsync(fd) < 0) {
		err = qg_error(QG_EIO, "'%s': --fix: %s", lf->path, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = qg_error(QG_EIO, "'%s': --fix: %s", lf->path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0) {
		err = qg_error(QG_EIO, "'%s': --fix cannot replace it: %s", lf->path, strerror(errno));
		goto out;
	}
	*changed = 1;
out:
	if (fd >= 0)
		close(fd);
	if (!*changed && tmp.len)
		unlink(tmp.buf);
	lint_reader_close(r);
	free(o);
	qg_buf_release(&tmp);
	return err;
}

static int fixable_rule(const char *rule)
{
	return !strcmp(rule, "trailing-whitespace") || !strcmp(rule, "end-of-file") ||
	       !strcmp(rule, "mixed-line-ending") || !strcmp(rule, "byte-order-mark");
}

int lint_fix(const struct lint_ctx *ctx, const struct lint_checkset *set, const struct lint_files *files,
	     struct lint_findings *fs, long long *changed)
{
	struct fixer f = { 0 };
	char *buf;
	int err = 0;
	size_t i = 0;

	*changed = 0;
	if (ctx->staged)
		return qg_error(QG_EUSAGE, "--fix repairs the work tree, not the index: drop --staged");
	f.ws = lint_checkset_has(set, "trailing-whitespace");
	f.eof = lint_checkset_has(set, "end-of-file");
	f.mixed = lint_checkset_has(set, "mixed-line-ending");
	f.bom = lint_checkset_has(set, "byte-order-mark");
	if (!f.ws && !f.eof && !f.mixed && !f.bom)
		return 0;
	if (!(buf = malloc(BLOCK)))
		return qg_error(QG_ENOMEM, "out of memory");
	qg_buf_init(&f.pend_ws, QG_CAP_FILE);
	qg_buf_init(&f.pend_blank, QG_CAP_FILE);
	/* findings are sorted by file: one pass over both lists */
	while (i < fs->nr && !err) {
		size_t j = i;
		int any = 0, done = 0;
		const char *file = fs->v[i].file;

		while (j < fs->nr && fs->v[j].file && file && !strcmp(fs->v[j].file, file)) {
			any |= !strcmp(fs->v[j].tool, "builtin") && fixable_rule(fs->v[j].rule) &&
			       lint_checkset_has(set, fs->v[j].rule);
			j++;
		}
		if (j == i)
			j = i + 1;
		if (any && file) {
			const struct lint_file key = { .path = file };
			const struct lint_file *lf = NULL;

			for (size_t lo = 0, hi = files->nr; lo < hi;) {
				size_t mid = lo + (hi - lo) / 2;
				int c = strcmp(files->v[mid].path, key.path);

				if (!c) {
					lf = &files->v[mid];
					break;
				}
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lf && (lf->mode & 0170000) != 0120000 && !lf->binary) {
				err = fix_file(ctx, lf, &f, buf, &done);
				if (done) {
					(*changed)++;
					for (size_t k = i; k < j; k++)
						if (!strcmp(fs->v[k].tool, "builtin") && fixable_rule(fs->v[k].rule) &&
						    lint_checkset_has(set, fs->v[k].rule))
							fs->v[k].flags |= LINT_F_FIXED;
				}
			}
		}
		i = j;
	}
	qg_buf_release(&f.pend_ws);
	qg_buf_release(&f.pend_blank);
	free(buf);
	return err;
}
