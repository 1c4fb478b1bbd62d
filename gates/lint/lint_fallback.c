/* lint_fallback.c -- weak stand-ins for paths.c and the file reader until they land
 *
 * The report parsers and the structured checks call the path normaliser and
 * the file reader that L1 owns (paths.c, files.c). So that the gate links
 * before those exist, these weak definitions do the minimum; the real
 * (strong) ones replace them at link time as soon as they are committed, and
 * this file goes away then.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <unistd.h>

#include "lint.h"

__attribute__((weak)) int lint_path_normalise(const struct lint_ctx *ctx, const char *raw, struct qg_buf *out,
					      int *outside)
{
	size_t n = ctx && ctx->root ? strlen(ctx->root) : 0;

	*outside = 0;
	qg_buf_reset(out);
	if (n && !strncmp(raw, ctx->root, n))
		raw += n;
	else if (raw[0] == '/')
		*outside = 1;
	while (raw[0] == '.' && raw[1] == '/')
		raw += 2;
	return qg_buf_addstr(out, raw);
}

struct lint_reader {
	int fd;
	const char *path;
};

__attribute__((weak)) int lint_reader_open(struct lint_reader **out, const struct lint_ctx *ctx,
					   const struct lint_file *f)
{
	struct lint_reader *r;

	(void)ctx;
	*out = NULL;
	if (!f->abs)
		return qg_error(QG_EINPUT, "'%s': staged blobs cannot be read here", f->path);
	if (!(r = calloc(1, sizeof(*r))))
		return qg_error(QG_ENOMEM, "out of memory");
	r->path = f->path;
	r->fd = open(f->abs, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		free(r);
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", f->path, strerror(errno));
	}
	*out = r;
	return 0;
}

__attribute__((weak)) ssize_t lint_reader_read(struct lint_reader *r, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return qg_error(QG_EINPUT, "'%s': cannot read: %s", r->path, strerror(errno));
	return n;
}

__attribute__((weak)) void lint_reader_close(struct lint_reader *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}
