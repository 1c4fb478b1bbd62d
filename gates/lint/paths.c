/* paths.c -- report paths made repository-relative, exclude globs, readers
 *
 * lint_path_normalise() turns what a linter printed (relative to the cwd,
 * absolute, "./x", "../x", file:// URIs with %XX escapes) into the path
 * relative to the repository root, lexically (no symlink is followed to
 * decide it); a path that stays outside the root is kept as given and
 * flagged. lint_reader reads a file's bytes from the work tree (opened
 * with O_NOFOLLOW: a link is never read through) or from a staged blob.
 * The exclude globs follow .gitignore's spirit: a pattern without '/'
 * matches any path component, one with '/' matches from the root, '**'
 * crosses folders.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/git.h"

#include "lint.h"

int lint_is_binary(const void *buf, size_t len)
{
	return memchr(buf, 0, len < 8000 ? len : 8000) != NULL;
}

/* ---- globs */

static int match_class(const char *p, size_t plen, char c)
{
	char pat[256];
	char s[2] = { c, 0 };

	if (plen >= sizeof(pat))
		return 0;
	memcpy(pat, p, plen);
	pat[plen] = 0;
	return fnmatch(pat, s, 0) == 0;
}

static int glob_rec(const char *p, const char *s, int depth)
{
	if (depth > 64)
		return 0;
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/')
				p++;
			if (!*p)
				return 1;
			for (const char *t = s;; t++) {
				if ((t == s || t[-1] == '/') && glob_rec(p, t, depth + 1))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (*p == '*') {
			p++;
			for (const char *t = s;; t++) {
				if (glob_rec(p, t, depth + 1))
					return 1;
				if (!*t || *t == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
		} else if (*p == '[') {
			const char *e = strchr(p + 2, ']');

			if (!e)
				return 0;
			if (*s == '/' || !match_class(p, (size_t)(e - p) + 1, *s))
				return 0;
			p = e;
		} else if (*p == '\\' && p[1]) {
			p++;
			if (*p != *s)
				return 0;
		} else if (*p != *s) {
			return 0;
		}
		p++;
		s++;
	}
	return !*s;
}

int lint_glob_match(const char *pattern, const char *path)
{
	char buf[4096];
	size_t n = strlen(pattern);

	if (!n || n >= sizeof(buf))
		return 0;
	memcpy(buf, pattern, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	if (!strchr(buf, '/')) {
		/* any component, and so everything under a matching folder */
		const char *c = path;

		for (;;) {
			const char *e = strchr(c, '/');
			size_t len = e ? (size_t)(e - c) : strlen(c);
			char comp[4096];

			if (len < sizeof(comp)) {
				memcpy(comp, c, len);
				comp[len] = 0;
				if (glob_rec(buf, comp, 0))
					return 1;
			}
			if (!e)
				return 0;
			c = e + 1;
		}
	}
	{
		const char *p = buf[0] == '/' ? buf + 1 : buf;
		char pre[4096];
		size_t plen = strlen(path);

		if (glob_rec(p, path, 0))
			return 1;
		/* a folder pattern covers what is under it */
		if (plen >= sizeof(pre))
			return 0;
		for (size_t i = 0; i < plen; i++)
			if (path[i] == '/') {
				memcpy(pre, path, i);
				pre[i] = 0;
				if (glob_rec(p, pre, 0))
					return 1;
			}
	}
	return 0;
}

int lint_excluded(const struct lint_ctx *ctx, const char *path)
{
	for (size_t i = 0; i < ctx->excludes.nr; i++)
		if (lint_glob_match(ctx->excludes.v[i], path))
			return 1;
	return 0;
}

int lint_excluded_for(const struct lint_ctx *ctx, const char *id, const char *path)
{
	size_t n = strlen(id);

	for (size_t i = 0; i < ctx->excludes_for.nr; i++) {
		const char *e = ctx->excludes_for.v[i];

		if (!strncmp(e, id, n) && e[n] == ':' && lint_glob_match(e + n + 1, path))
			return 1;
	}
	return 0;
}

int lint_excludes_split(const struct qg_strvec *in, struct qg_strvec *plain, struct qg_strvec *scoped)
{
	for (size_t i = 0; i < in->nr; i++) {
		const char *e = in->v[i], *colon = strchr(e, ':');
		size_t k, n = colon ? (size_t)(colon - e) : 0;
		int idlike = n > 0;

		for (k = 0; k < n && idlike; k++)
			idlike = (e[k] >= 'a' && e[k] <= 'z') || (e[k] >= '0' && e[k] <= '9') || e[k] == '-';
		if (!idlike) {
			if (qg_strvec_push(plain, e) < 0)
				return QG_ENOMEM;
			continue;
		}
		if (!lint_checker_find(e, n))
			return qg_error(QG_EUSAGE, "--exclude '%s': '%.*s' is not a built-in check (ID:GLOB leaves GLOB out "
					"of check ID only; a path with ':' in its first folder: write it as '[%c]%s')",
					e, (int)n, e, e[0], e + 1);
		if (!colon[1])
			return qg_error(QG_EUSAGE, "--exclude '%s': no glob after '%.*s:'", e, (int)n, e);
		if (qg_strvec_push(scoped, e) < 0)
			return QG_ENOMEM;
	}
	return 0;
}

/* ---- paths */

/* Lexically normalise an absolute path into out (".", "..", "//" resolved). */
static int lexical(struct qg_buf *out, const char *abs)
{
	const char *s = abs;

	qg_buf_reset(out);
	while (*s) {
		const char *e;
		size_t len;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (len == 1 && s[0] == '.') {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = out->len ? memrchr(out->buf, '/', out->len) : NULL;

			qg_buf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
		} else if (qg_buf_addch(out, '/') < 0 || qg_buf_add(out, s, len) < 0) {
			return QG_ENOMEM;
		}
		s += len;
	}
	if (!out->len && qg_buf_addch(out, '/') < 0)
		return QG_ENOMEM;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lint_path_normalise(const struct lint_ctx *ctx, const char *raw, struct qg_buf *out, int *outside)
{
	struct qg_buf dec = QG_BUF_INIT(QG_CAP_MESSAGE), joined = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *s = raw;
	const char *root = ctx->root ? ctx->root : "/";
	size_t rlen = strlen(root);
	int err = 0;

	*outside = 0;
	qg_buf_reset(out);
	if (!strncmp(s, "file://", 7)) {
		s += 7;
		if (!strncmp(s, "localhost/", 10))
			s += 9;
		for (; *s; s++) {
			int h, l;

			if (*s == '%' && (h = hexval(s[1])) >= 0 && (l = hexval(s[2])) >= 0) {
				err = qg_buf_addch(&dec, h * 16 + l);
				s += 2;
			} else {
				err = qg_buf_addch(&dec, *s);
			}
			if (err < 0)
				goto out;
		}
		s = dec.buf;
	}
	if (*s == '/')
		err = qg_buf_addstr(&joined, s);
	else
		err = qg_buf_addf(&joined, "%s%s", ctx->cwd ? ctx->cwd : root, s);
	if (err < 0 || (err = lexical(out, joined.buf)) < 0)
		goto out;
	/* root has a trailing '/'; the normalised path has none */
	if (rlen > 1 && out->len == rlen - 1 && !memcmp(out->buf, root, rlen - 1)) {
		qg_buf_reset(out); /* the root itself */
	} else if (rlen > 1 && out->len >= rlen && !memcmp(out->buf, root, rlen)) {
		memmove(out->buf, out->buf + rlen, out->len - rlen + 1);
		out->len -= rlen;
	} else if (rlen == 1) {
		memmove(out->buf, out->buf + 1, out->len);
		out->len -= 1;
	} else {
		*outside = 1;
		qg_buf_reset(out);
		err = qg_buf_addstr(out, raw);
	}
	if (!err && !*outside && !out->len)
		err = qg_buf_addch(out, '.');
out:
	qg_buf_release(&dec);
	qg_buf_release(&joined);
	return err < 0 ? err : 0;
}

/* ---- readers */

struct lint_reader {
	int fd;
	struct stat st; /* at open: a regular file that changes while read is exit 3 */
	int check_end;  /* named on the command line, or past one block: fstat again at the end */
	struct qg_buf blob;
	size_t pos;
	char *name;
};

int lint_reader_open(struct lint_reader **out, const struct lint_ctx *ctx, const struct lint_file *f)
{
	struct lint_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return qg_error(QG_ENOMEM, "out of memory");
	r->fd = -1;
	qg_buf_init(&r->blob, QG_CAP_FILE);
	r->name = qg_strdup(f->path);
	if (!r->name) {
		free(r);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	if (f->oid && ctx->repo) {
		err = qg_git_read_blob(ctx->repo, f->oid, &r->blob);
		if (err < 0) {
			qg_error_wrap("'%s': staged blob %s: ", f->path, f->oid);
			lint_reader_close(r);
			return err;
		}
	} else {
		struct stat st;

		r->fd = open(f->abs ? f->abs : f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (r->fd < 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot open: %s", f->path, strerror(errno));
			lint_reader_close(r);
			return err;
		}
		if (fstat(r->fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))) {
			err = qg_error(QG_EINPUT, "'%s': %s", f->path,
				       S_ISDIR(st.st_mode) ? "is a folder" : "not a regular file");
			lint_reader_close(r);
			return err;
		}
		r->st = st;
		r->check_end = (f->flags & LINT_FILE_NAMED) || st.st_size > 64 * 1024;
	}
	*out = r;
	return 0;
}

ssize_t lint_reader_read(struct lint_reader *r, void *buf, size_t len)
{
	if (r->fd < 0) {
		size_t n = r->blob.len - r->pos;

		if (n > len)
			n = len;
		memcpy(buf, r->blob.buf + r->pos, n);
		r->pos += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t n = read(r->fd, buf, len);
		struct stat now;

		if (n == 0 && S_ISREG(r->st.st_mode) && r->check_end &&
		    (fstat(r->fd, &now) < 0 || now.st_size != r->st.st_size ||
		     now.st_mtim.tv_sec != r->st.st_mtim.tv_sec || now.st_mtim.tv_nsec != r->st.st_mtim.tv_nsec))
			return qg_error(QG_EIO, "'%s': changed while being read", r->name);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return qg_error(QG_EIO, "'%s': read error: %s", r->name, strerror(errno));
	}
}

void lint_reader_close(struct lint_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	qg_buf_release(&r->blob);
	free(r->name);
	free(r);
}
