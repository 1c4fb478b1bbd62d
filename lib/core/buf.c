/* buf.c -- the bounded growable buffer
 *
 * Modelled on git's strbuf with curl's dynbuf cap: growth doubles, but never
 * past `cap`, so a hostile input cannot make us allocate without bound. As
 * in dynbuf, every buffer is given its cap when made (there is no default)
 * and every append's result is checked (warn_unused_result in buf.h).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <unistd.h>

char qg_buf_empty[1];

void qg_buf_init(struct qg_buf *b, size_t cap)
{
	b->buf = qg_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap; /* no default: 0 makes a buffer every append refuses */
}

void qg_buf_release(struct qg_buf *b)
{
	if (!b)
		return;
	if (b->alloc)
		free(b->buf);
	qg_buf_init(b, b->cap);
}

char *qg_buf_detach(struct qg_buf *b, size_t *len_out)
{
	char *p;

	if (!b->alloc && qg_buf_grow(b, 0) < 0)
		return NULL;
	p = b->buf;
	if (len_out)
		*len_out = b->len;
	qg_buf_init(b, b->cap);
	return p;
}

int qg_buf_grow(struct qg_buf *b, size_t extra)
{
	size_t need, want;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return qg_error(QG_ETOOBIG, "buffer would exceed its cap of %zu bytes", b->cap);
	need = b->len + extra + 1;
	if (b->alloc >= need)
		return 0;
	want = b->alloc ? b->alloc : 64;
	while (want < need)
		want = want > SIZE_MAX / 2 ? need : want * 2;
	if (want > b->cap + 1)
		want = b->cap + 1;
	if (want < need)
		want = need;
	p = realloc(b->alloc ? b->buf : NULL, want);
	if (!p)
		return qg_error(QG_ENOMEM, "out of memory (%zu bytes)", want);
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = want;
	return 0;
}

int qg_buf_add(struct qg_buf *b, const void *data, size_t len)
{
	int err = qg_buf_grow(b, len);

	if (err)
		return err;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int qg_buf_addstr(struct qg_buf *b, const char *s)
{
	return qg_buf_add(b, s, strlen(s));
}

int qg_buf_addch(struct qg_buf *b, int c)
{
	char ch = (char)c;

	return qg_buf_add(b, &ch, 1);
}

int qg_buf_vaddf(struct qg_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return qg_error(QG_ERROR, "invalid format string");
	if (b->alloc && (size_t)n < b->alloc - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	err = qg_buf_grow(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int qg_buf_addf(struct qg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

void qg_buf_setlen(struct qg_buf *b, size_t len)
{
	if (!b->alloc)
		return; /* empty shared string: nothing to set */
	if (len >= b->alloc)
		len = b->alloc - 1;
	b->len = len;
	b->buf[len] = '\0';
}

void qg_buf_rtrim(struct qg_buf *b)
{
	size_t n = b->len;

	while (n && (b->buf[n - 1] == ' ' || b->buf[n - 1] == '\t' || b->buf[n - 1] == '\n' ||
		     b->buf[n - 1] == '\r'))
		n--;
	qg_buf_setlen(b, n);
}

/* Reads in blocks of up to 64 KiB, never asking for room past the cap (a
 * small cap still reads a small file); at the cap, one more byte read
 * means the input is too big. */
int qg_buf_read_fd(struct qg_buf *b, int fd, const char *name)
{
	for (;;) {
		size_t room = b->cap - b->len, want = room < 65536 ? room : 65536;
		char probe;
		ssize_t n;
		int err;

		if (!want) {
			do
				n = read(fd, &probe, 1);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return qg_error(QG_EINPUT, "'%s': cannot read: %s", name, strerror(errno));
			if (n > 0)
				return qg_error(QG_ETOOBIG, "'%s': larger than %zu bytes", name, b->cap);
			return 0;
		}
		if ((err = qg_buf_grow(b, want)) < 0)
			return err;
		n = read(fd, b->buf + b->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EINPUT, "'%s': cannot read: %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
	return 0;
}

int qg_buf_read_file(struct qg_buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	err = qg_buf_read_fd(b, fd, path);
	close(fd);
	return err;
}
