/* buf.h -- a bounded, growable byte buffer (git's strbuf, curl's dynbuf)
 *
 * Invariants: `buf` is never NULL and always NUL-terminated at `len`, even
 * when empty (it then points at a shared empty string and alloc == 0).
 * `len` never exceeds `cap`: growing past the cap fails with QG_ETOOBIG and
 * leaves the contents untouched. Every buffer names its cap when it is made
 * (QG_BUF_INIT(cap), qg_buf_init(b, cap)): there is no default, so a reader
 * sees how large each one may grow. Every append's result must be used
 * (warn_unused_result): the pattern is to check each call, usually as
 * `if (!err) err = qg_buf_add...(...)` along a sequence, so the first
 * failure is the one passed up. qg_buf_detach() is the only way to take the
 * memory; after it the buffer is re-initialised with the same cap.
 */
#ifndef QGATE_BUF_H
#define QGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Caps by purpose. Several are as large as the old single default (1 GiB)
 * on purpose: they may hold a whole table cell, and records may be up to
 * 64 MiB by default and more with --max-record; what they name is intent. */
#define QG_CAP_PATH ((size_t)64 << 10)    /* a file or program path built by joining (PATH_MAX is 4 KiB) */
#define QG_CAP_URL ((size_t)8 << 20)      /* a URL or query string (libcurl refuses longer input) */
#define QG_CAP_MESSAGE ((size_t)1 << 30)  /* a message, name or output line that may quote user values */
#define QG_CAP_REPORT ((size_t)1 << 30)   /* a rendered report or JSON/Markdown document */
#define QG_CAP_FILE ((size_t)1 << 30)     /* a whole file read into memory */

#define QG_MUST_CHECK __attribute__((warn_unused_result))

struct qg_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char qg_buf_empty[];
#define QG_BUF_INIT(cap) { qg_buf_empty, 0, 0, (cap) }

/* An empty buffer that may grow to cap bytes (cap > 0; a cap of 0 makes a
 * buffer every append refuses). Allocates nothing. */
void qg_buf_init(struct qg_buf *b, size_t cap);
/* Free the contents and re-initialise with the same cap. Accepts NULL. */
void qg_buf_release(struct qg_buf *b);
/* Hand the memory to the caller (malloc'd, NUL-terminated, never NULL on
 * success); *len_out gets the length when not NULL. Returns NULL on ENOMEM. */
char *qg_buf_detach(struct qg_buf *b, size_t *len_out);

/* Ensure room for `extra` more bytes plus the NUL. 0, QG_ENOMEM or QG_ETOOBIG. */
QG_MUST_CHECK int qg_buf_grow(struct qg_buf *b, size_t extra);
/* Appends: 0, or QG_ENOMEM / QG_ETOOBIG with the contents untouched. */
QG_MUST_CHECK int qg_buf_add(struct qg_buf *b, const void *data, size_t len);
QG_MUST_CHECK int qg_buf_addstr(struct qg_buf *b, const char *s);
QG_MUST_CHECK int qg_buf_addch(struct qg_buf *b, int c);
QG_MUST_CHECK int qg_buf_addf(struct qg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
QG_MUST_CHECK int qg_buf_vaddf(struct qg_buf *b, const char *fmt, va_list ap);
/* Set the length (<= alloc-1 or 0) and write the NUL. */
void qg_buf_setlen(struct qg_buf *b, size_t len);
static inline void qg_buf_reset(struct qg_buf *b) { qg_buf_setlen(b, 0); }
/* Drop trailing whitespace. */
void qg_buf_rtrim(struct qg_buf *b);

/* Append a whole file (or fd) to the buffer. QG_EINPUT names the path when it
 * cannot be opened or read; QG_ETOOBIG when it exceeds the cap. */
QG_MUST_CHECK int qg_buf_read_file(struct qg_buf *b, const char *path);
QG_MUST_CHECK int qg_buf_read_fd(struct qg_buf *b, int fd, const char *name);

#endif
