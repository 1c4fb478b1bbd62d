/* stream.h -- byte sources: files, stdin, gzip/zstd, https://, s3://
 *
 * Invariants: a stream is read sequentially in large blocks; decompression is
 * chosen by extension (.gz, .zst) or, for stdin and URLs, by magic bytes.
 * Remote sources are streamed (libcurl, loaded on first use): memory stays
 * bounded whatever the object size. s3:// requests are signed with AWS SigV4
 * from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * AWS_REGION (default us-east-1) and AWS_ENDPOINT_URL. TLS peers are verified.
 * Errors name the source and never contain credentials.
 */
#ifndef QGATE_STREAM_H
#define QGATE_STREAM_H

#include <stddef.h>
#include <sys/types.h>

struct qg_stream;
struct qg_strvec;

enum qg_stream_flags {
	QG_STREAM_RAW = 1 << 0, /* no decompression */
};

/* Open "-", a path, "https://..." or "s3://bucket/key". QG_EINPUT when
 * missing or unreadable, QG_ENET on network/HTTP failure, naming the source. */
int qg_stream_open(struct qg_stream **out, const char *spec, unsigned flags);
/* Open bytes [offset, offset+len) of an uncompressed local file. */
int qg_stream_open_range(struct qg_stream **out, const char *path, long long offset, long long len);
/* Read up to len bytes: count, 0 at the end, or a negative QG_E* code
 * (truncated gzip/zstd is QG_EPARSE naming the source). */
ssize_t qg_stream_read(struct qg_stream *s, void *buf, size_t len);
/* The name used in messages (the path or URL without credentials). */
const char *qg_stream_name(const struct qg_stream *s);
/* Compressed bytes consumed so far (for progress); -1 if unknown. */
long long qg_stream_offset(const struct qg_stream *s);
void qg_stream_free(struct qg_stream *s);

/* 1 when spec names a remote source (https://, http://, s3://). */
int qg_stream_is_url(const char *spec);
/* Append the whole (decompressed) content of spec to out: for the small
 * JSON inputs that may be given by URL (drift's --baseline). QG_ETOOBIG
 * past cap bytes; the errors of qg_stream_open/read otherwise. */
struct qg_buf;
int qg_stream_read_all(struct qg_buf *out, const char *spec, size_t cap);

/* Expand input arguments: directories (their files, recursively and sorted),
 * globs, and pass-through for "-" and URLs; s3://bucket/prefix/ (trailing
 * slash) lists the objects. Folders and prefixes keep only names ending in
 * one of exts (a NULL-terminated list such as { ".csv", ".jsonl", NULL },
 * each also with .gz or .zst after it; NULL keeps every file); files named
 * directly or by a glob are kept whatever their name. QG_EINPUT when a
 * pattern matches nothing or a folder/prefix holds no kept file. */
int qg_stream_expand(struct qg_strvec *out, const char *const *specs, size_t nr, const char *const *exts);

#endif
