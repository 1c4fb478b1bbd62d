/* spool.c -- text too long to hold, kept in an unlinked temp file
 *
 * A result member can stand for every test of a run (qgate-test's "cases":
 * a line a test, 200 MB for 6 million tests). Held as a string it costs its
 * size again for each copy a writer makes; spooled, it costs a file in
 * $TMPDIR (else /tmp) that nobody can open by name (O_TMPFILE, or a name
 * unlinked at once), which the kernel drops when the process ends however it
 * ends, and writers read it back a piece of whole lines at a time
 * (result_write.c, junit.c). Writes are buffered a chunk at a time.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/result.h"

struct qg_spool {
	int fd;
	off_t size;  /* bytes in the file */
	off_t pos;   /* where the next read starts */
	struct qg_buf wbuf, carry;
	char dir[256];
};

static int spool_error(const struct qg_spool *s, const char *what)
{
	return qg_error(QG_EIO, "'%s': cannot %s a temp file: %s", s->dir, what, strerror(errno));
}

int qg_spool_open(struct qg_spool **out)
{
	const char *dir = getenv("TMPDIR");
	struct qg_spool *s = calloc(1, sizeof(*s));
	int fd;

	*out = NULL;
	if (!s)
		return qg_error(QG_ENOMEM, "out of memory");
	snprintf(s->dir, sizeof(s->dir), "%s", dir && *dir == '/' && strlen(dir) < sizeof(s->dir) ? dir : "/tmp");
	qg_buf_init(&s->wbuf, QG_CAP_REPORT);
	qg_buf_init(&s->carry, QG_CAP_REPORT);
	fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) { /* a file system without O_TMPFILE: a name, unlinked at once */
		char path[300];

		snprintf(path, sizeof(path), "%s/.qgate-spool-XXXXXX", s->dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0) {
		int err = spool_error(s, "create");

		free(s);
		return err;
	}
	s->fd = fd;
	*out = s;
	return 0;
}

static int spool_drain(struct qg_spool *s)
{
	const char *p = s->wbuf.buf;
	size_t len = s->wbuf.len;

	while (len) {
		ssize_t n = pwrite(s->fd, p, len, s->size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return spool_error(s, "write");
		}
		p += n;
		len -= (size_t)n;
		s->size += n;
	}
	qg_buf_reset(&s->wbuf);
	return 0;
}

int qg_spool_write(struct qg_spool *s, const char *data, size_t len)
{
	int err;

	if (s->wbuf.len + len > QG_SINK_CHUNK && (err = spool_drain(s)) < 0)
		return err;
	if (len > QG_SINK_CHUNK) { /* large: straight through */
		if ((err = qg_buf_add(&s->wbuf, data, len)) < 0)
			return err;
		return spool_drain(s);
	}
	return qg_buf_add(&s->wbuf, data, len);
}

size_t qg_spool_size(const struct qg_spool *s)
{
	return (size_t)s->size + s->wbuf.len;
}

int qg_spool_rewind(struct qg_spool *s)
{
	int err = spool_drain(s);

	s->pos = 0;
	qg_buf_reset(&s->carry);
	return err;
}

int qg_spool_next(struct qg_spool *s, struct qg_buf *out)
{
	size_t start = out->len;
	int err;

	if ((err = spool_drain(s)) < 0)
		return err;
	if (s->carry.len) {
		if ((err = qg_buf_add(out, s->carry.buf, s->carry.len)) < 0)
			return err;
		qg_buf_reset(&s->carry);
	}
	for (;;) {
		const char *nl;
		ssize_t n;

		if (s->pos >= s->size)
			return out->len > start ? 1 : 0; /* the last line, without a newline */
		if ((err = qg_buf_grow(out, QG_SINK_CHUNK)) < 0)
			return err;
		n = pread(s->fd, out->buf + out->len, QG_SINK_CHUNK, s->pos);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return spool_error(s, "read");
		}
		if (n == 0)
			return qg_error(QG_EIO, "'%s': a temp file ended early", s->dir);
		s->pos += n;
		qg_buf_setlen(out, out->len + (size_t)n);
		/* a piece ends after a newline; what follows waits for the next */
		nl = memrchr(out->buf + start, '\n', out->len - start);
		if (nl) {
			size_t keep = (size_t)(nl + 1 - out->buf);

			if ((err = qg_buf_add(&s->carry, nl + 1, out->len - keep)) < 0)
				return err;
			qg_buf_setlen(out, keep);
			return 1;
		}
	}
}

void qg_spool_free(struct qg_spool *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	qg_buf_release(&s->wbuf);
	qg_buf_release(&s->carry);
	free(s);
}
