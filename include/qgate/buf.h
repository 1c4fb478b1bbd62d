/* buf.h -- a bounded, growable byte buffer (git's strbuf, curl's dynbuf)
 *
 * Invariants: `buf` is never NULL and always NUL-terminated at `len`, even
 * when empty (it then points at a shared empty string and alloc == 0).
 * `len` never exceeds `cap`: growing past the cap fails with QG_ETOOBIG and
 * leaves the contents untouched. qg_buf_detach() is the only way to take the
 * memory; after it the buffer is re-initialised.
 */
#ifndef QGATE_BUF_H
#define QGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define QG_BUF_DEFAULT_CAP ((size_t)1 << 30) /* 1 GiB unless told otherwise */

struct qg_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char qg_buf_empty[];
#define QG_BUF_INIT { qg_buf_empty, 0, 0, QG_BUF_DEFAULT_CAP }

/* cap 0 means QG_BUF_DEFAULT_CAP. Allocates nothing. */
void qg_buf_init(struct qg_buf *b, size_t cap);
/* Free the contents and re-initialise with the same cap. Accepts NULL. */
void qg_buf_release(struct qg_buf *b);
/* Hand the memory to the caller (malloc'd, NUL-terminated, never NULL on
 * success); *len_out gets the length when not NULL. Returns NULL on ENOMEM. */
char *qg_buf_detach(struct qg_buf *b, size_t *len_out);

/* Ensure room for `extra` more bytes plus the NUL. 0, QG_ENOMEM or QG_ETOOBIG. */
int qg_buf_grow(struct qg_buf *b, size_t extra);
int qg_buf_add(struct qg_buf *b, const void *data, size_t len);
int qg_buf_addstr(struct qg_buf *b, const char *s);
int qg_buf_addch(struct qg_buf *b, int c);
int qg_buf_addf(struct qg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int qg_buf_vaddf(struct qg_buf *b, const char *fmt, va_list ap);
/* Set the length (<= alloc-1 or 0) and write the NUL. */
void qg_buf_setlen(struct qg_buf *b, size_t len);
static inline void qg_buf_reset(struct qg_buf *b) { qg_buf_setlen(b, 0); }
/* Drop trailing whitespace. */
void qg_buf_rtrim(struct qg_buf *b);

/* Append a whole file (or fd) to the buffer. QG_EINPUT names the path when it
 * cannot be opened or read; QG_ETOOBIG when it exceeds the cap. */
int qg_buf_read_file(struct qg_buf *b, const char *path);
int qg_buf_read_fd(struct qg_buf *b, int fd, const char *name);

#endif
