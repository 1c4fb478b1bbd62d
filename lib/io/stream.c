/* stream.c -- byte sources: files, stdin, byte ranges, gzip/zstd, https://, s3://
 *
 * A stream is a source (a file descriptor, or an HTTP stream from http.c)
 * under an optional decoder (zlib inflate for gzip, multi-member; zstd
 * streaming). An uncompressed local file is read straight into the caller's
 * buffer with one read(2) per call, so the CSV reader pays one syscall per
 * block and no copy. Compressed input is staged in a 1 MiB input buffer and
 * decoded straight into the caller's buffer. Compression is chosen by
 * extension for local paths (.gz, .zst) and by magic bytes for stdin and
 * URLs; the sniffed bytes stay in the input buffer and are replayed.
 *
 * A local regular file is stat'ed when opened and again at its end (or the
 * end of its range): a different size, modification time or inode, or a
 * byte count that does not match the size, means it was rewritten while
 * read, and the stream fails with "changed while being read" (QG_EIO)
 * rather than pass on content that neither version had.
 */
#include "qgate/common.h"
#include "qgate/stream.h"
#include "qgate/http.h"
#include "qgate/redact.h"
#include "qgate/s3.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define STREAM_INBUF (1u << 20)

enum stream_codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

struct qg_stream {
	char *name;
	int fd;                        /* -1 for HTTP sources */
	int own_fd;
	struct qg_http_stream *http;
	long long remaining;           /* bytes left in a range, -1 = unlimited */
	long long consumed;            /* source bytes read so far */
	int src_eof;
	int failed;                    /* a decoder error is sticky */
	enum stream_codec codec;
	unsigned char *in;             /* staged source bytes [in_pos, in_len) */
	size_t in_pos, in_len, in_cap;
	z_stream z;
	int z_init;
	int gz_between;                /* 1 after a member ended, before the next starts */
	ZSTD_DStream *zd;
	size_t zret;                   /* last ZSTD_decompressStream() hint, 0 = frame done */
	int done;                      /* decoder reached a clean end */
	int watch;                     /* a local regular file: check it did not change */
	struct stat st0;               /* its stat at open */
	long long start, want;         /* range offset; bytes expected (-1 = to the end) */
};

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int is_url(const char *spec)
{
	return !strncmp(spec, "https://", 8) || !strncmp(spec, "http://", 7) ||
	       !strncmp(spec, "s3://", 5);
}

/* At the end of a local file: it is the file that was opened, unchanged,
 * and every byte it should hold was read. 0 or QG_EIO (sticky). */
static int check_unchanged(struct qg_stream *s)
{
	struct stat st;
	long long expect;

	if (!s->watch)
		return 0;
	s->watch = 0;
	if (fstat(s->fd, &st) < 0)
		return s->failed = qg_error(QG_EIO, "'%s': cannot stat: %s", s->name, strerror(errno));
	expect = (long long)s->st0.st_size - s->start; /* a range may reach past the end */
	if (s->want >= 0 && s->want < expect)
		expect = s->want;
	if (expect < 0)
		expect = 0;
	if (st.st_size != s->st0.st_size || st.st_ino != s->st0.st_ino || st.st_dev != s->st0.st_dev ||
	    st.st_mtim.tv_sec != s->st0.st_mtim.tv_sec || st.st_mtim.tv_nsec != s->st0.st_mtim.tv_nsec ||
	    /* files in /proc and /sys say size 0 and still hold bytes */
	    (s->st0.st_size > 0 && s->consumed != expect))
		return s->failed = qg_error(QG_EIO, "'%s': changed while being read", s->name);
	return 0;
}

/* Raw bytes from the source, honouring a range limit. */
static ssize_t src_read(struct qg_stream *s, void *buf, size_t len)
{
	ssize_t n;

	if (s->src_eof)
		return 0;
	if (s->remaining >= 0 && (long long)len > s->remaining)
		len = (size_t)s->remaining;
	if (!len) {
		s->src_eof = 1;
		return check_unchanged(s);
	}
	if (s->http) {
		n = qg_http_stream_read(s->http, buf, len);
		if (n < 0)
			return n;
	} else {
		do
			n = read(s->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return qg_error(QG_EIO, "'%s': read failed: %s", s->name, strerror(errno));
	}
	if (n == 0) {
		s->src_eof = 1;
		return check_unchanged(s);
	}
	s->consumed += n;
	if (s->remaining >= 0)
		s->remaining -= n;
	return n;
}

static int fill_in(struct qg_stream *s)
{
	ssize_t n;

	if (s->in_pos == s->in_len)
		s->in_pos = s->in_len = 0;
	if (!s->in) {
		s->in = malloc(STREAM_INBUF);
		if (!s->in)
			return qg_error(QG_ENOMEM, "out of memory (%u bytes)", STREAM_INBUF);
		s->in_cap = STREAM_INBUF;
	}
	if (s->in_len == s->in_cap)
		return 0;
	n = src_read(s, s->in + s->in_len, s->in_cap - s->in_len);
	if (n < 0)
		return (int)n;
	s->in_len += (size_t)n;
	return 0;
}

static ssize_t codec_fail(struct qg_stream *s, int code)
{
	s->failed = code;
	return code;
}

static ssize_t read_gzip(struct qg_stream *s, unsigned char *out, size_t len)
{
	size_t produced = 0;
	int ret, err;

	if (len > UINT_MAX)
		len = UINT_MAX;
	while (!produced) {
		if (s->in_pos == s->in_len) {
			err = fill_in(s);
			if (err < 0)
				return codec_fail(s, err);
			if (s->in_pos == s->in_len) {
				if (s->gz_between) {
					s->done = 1;
					return 0;
				}
				return codec_fail(s, qg_error(QG_EPARSE, "'%s': truncated gzip stream", s->name));
			}
		}
		if (s->gz_between) {
			inflateReset(&s->z);
			s->gz_between = 0;
		}
		s->z.next_in = s->in + s->in_pos;
		s->z.avail_in = (uInt)(s->in_len - s->in_pos);
		s->z.next_out = out;
		s->z.avail_out = (uInt)len;
		ret = inflate(&s->z, Z_NO_FLUSH);
		s->in_pos = s->in_len - s->z.avail_in;
		produced = len - s->z.avail_out;
		if (ret == Z_STREAM_END) {
			s->gz_between = 1;
		} else if (ret == Z_BUF_ERROR) {
			/* no progress possible: needs more input, loop fills it */
			if (s->in_pos != s->in_len && !produced)
				return codec_fail(s, qg_error(QG_EPARSE, "'%s': corrupt gzip stream", s->name));
		} else if (ret != Z_OK) {
			return codec_fail(s, qg_error(QG_EPARSE, "'%s': corrupt gzip stream: %s", s->name,
						      s->z.msg ? s->z.msg : "inflate failed"));
		}
	}
	return (ssize_t)produced;
}

static ssize_t read_zstd(struct qg_stream *s, unsigned char *out, size_t len)
{
	ZSTD_outBuffer ob = { out, len, 0 };
	ZSTD_inBuffer ib;
	size_t ret;
	int err;

	while (!ob.pos) {
		if (s->in_pos == s->in_len) {
			err = fill_in(s);
			if (err < 0)
				return codec_fail(s, err);
			if (s->in_pos == s->in_len) {
				/* a frame can end with bytes still inside the decoder */
				ib.src = s->in;
				ib.size = 0;
				ib.pos = 0;
				if (s->zret) {
					ret = ZSTD_decompressStream(s->zd, &ob, &ib);
					if (ZSTD_isError(ret))
						return codec_fail(s, qg_error(QG_EPARSE, "'%s': corrupt zstd stream: %s",
									      s->name, ZSTD_getErrorName(ret)));
					s->zret = ret;
					if (ob.pos)
						break;
					return codec_fail(s, qg_error(QG_EPARSE, "'%s': truncated zstd stream", s->name));
				}
				s->done = 1;
				return 0;
			}
		}
		ib.src = s->in;
		ib.size = s->in_len;
		ib.pos = s->in_pos;
		ret = ZSTD_decompressStream(s->zd, &ob, &ib);
		s->in_pos = ib.pos;
		if (ZSTD_isError(ret))
			return codec_fail(s, qg_error(QG_EPARSE, "'%s': corrupt zstd stream: %s", s->name,
						      ZSTD_getErrorName(ret)));
		s->zret = ret;
	}
	return (ssize_t)ob.pos;
}

ssize_t qg_stream_read(struct qg_stream *s, void *buf, size_t len)
{
	size_t n;

	if (!s)
		return qg_error(QG_ERROR, "read from a NULL stream");
	if (s->failed)
		return s->failed;
	if (!len)
		return 0;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	switch (s->codec) {
	case CODEC_GZIP:
		return read_gzip(s, buf, len);
	case CODEC_ZSTD:
		return read_zstd(s, buf, len);
	case CODEC_NONE:
		break;
	}
	if (s->in_pos < s->in_len) { /* replay sniffed bytes */
		n = s->in_len - s->in_pos;
		if (n > len)
			n = len;
		memcpy(buf, s->in + s->in_pos, n);
		s->in_pos += n;
		return (ssize_t)n;
	}
	return src_read(s, buf, len);
}

static int codec_init(struct qg_stream *s, enum stream_codec codec)
{
	s->codec = codec;
	if (codec == CODEC_GZIP) {
		if (inflateInit2(&s->z, 15 + 32) != Z_OK)
			return qg_error(QG_ENOMEM, "'%s': cannot initialise zlib", s->name);
		s->z_init = 1;
	} else if (codec == CODEC_ZSTD) {
		s->zd = ZSTD_createDStream();
		if (!s->zd || ZSTD_isError(ZSTD_initDStream(s->zd)))
			return qg_error(QG_ENOMEM, "'%s': cannot initialise zstd", s->name);
		s->zret = 1; /* inside a frame until the decoder says otherwise */
	}
	return 0;
}

/* Read the first bytes into the input buffer and pick a codec from them. */
static int sniff(struct qg_stream *s)
{
	int err;

	while (s->in_len < 4 && !s->src_eof) {
		err = fill_in(s);
		if (err < 0)
			return err;
	}
	if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b)
		return codec_init(s, CODEC_GZIP);
	if (s->in_len >= 4 && s->in[0] == 0x28 && s->in[1] == 0xb5 && s->in[2] == 0x2f &&
	    s->in[3] == 0xfd)
		return codec_init(s, CODEC_ZSTD);
	return 0;
}

static enum stream_codec codec_by_name(const char *name)
{
	if (has_suffix(name, ".gz"))
		return CODEC_GZIP;
	if (has_suffix(name, ".zst"))
		return CODEC_ZSTD;
	return CODEC_NONE;
}

static struct qg_stream *stream_new(const char *name)
{
	struct qg_stream *s = calloc(1, sizeof(*s));

	if (!s) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->remaining = -1;
	s->name = qg_strdup(name);
	if (!s->name) {
		free(s);
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	return s;
}

static int open_file(struct qg_stream *s, const char *path)
{
	struct stat st;

	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	s->own_fd = 1;
	if (fstat(s->fd, &st) < 0)
		return qg_error(QG_EINPUT, "'%s': cannot stat: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return qg_error(QG_EINPUT, "'%s': is a directory, expected a file", path);
	if (S_ISREG(st.st_mode)) {
		s->watch = 1;
		s->st0 = st;
		s->want = -1;
	}
	return 0;
}

int qg_stream_open(struct qg_stream **out, const char *spec, unsigned flags)
{
	struct qg_stream *s;
	char *redacted = NULL;
	int err;

	*out = NULL;
	if (!spec || !*spec)
		return qg_error(QG_EUSAGE, "empty input name");
	if (is_url(spec)) {
		redacted = qg_redact_url(spec);
		if (!redacted)
			return qg_error(QG_ENOMEM, "out of memory");
		s = stream_new(redacted);
		free(redacted);
		if (!s)
			return QG_ENOMEM;
		if (!strncmp(spec, "s3://", 5)) {
			err = qg_s3_stream_open(&s->http, spec);
		} else {
			struct qg_http_req req = { 0 };

			req.url = spec;
			req.name = s->name;
			err = qg_http_stream_open(&s->http, &req);
		}
		if (!err && !(flags & QG_STREAM_RAW))
			err = sniff(s);
	} else if (!strcmp(spec, "-")) {
		s = stream_new("-");
		if (!s)
			return QG_ENOMEM;
		s->fd = STDIN_FILENO;
		err = flags & QG_STREAM_RAW ? 0 : sniff(s);
	} else {
		s = stream_new(spec);
		if (!s)
			return QG_ENOMEM;
		err = open_file(s, spec);
		if (!err) {
			posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			if (!(flags & QG_STREAM_RAW))
				err = codec_init(s, codec_by_name(spec));
		}
	}
	if (err) {
		qg_stream_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int qg_stream_open_range(struct qg_stream **out, const char *path, long long offset, long long len)
{
	struct qg_stream *s;
	int err;

	*out = NULL;
	if (offset < 0)
		return qg_error(QG_EUSAGE, "'%s': negative range offset %lld", path, offset);
	s = stream_new(path);
	if (!s)
		return QG_ENOMEM;
	err = open_file(s, path);
	if (!err && lseek(s->fd, (off_t)offset, SEEK_SET) < 0)
		err = qg_error(QG_EINPUT, "'%s': cannot seek to %lld: %s", path, offset, strerror(errno));
	if (err) {
		qg_stream_free(s);
		return err;
	}
	s->remaining = len < 0 ? -1 : len;
	s->start = offset;
	if (len >= 0)
		s->want = len;
	posix_fadvise(s->fd, (off_t)offset, len < 0 ? 0 : (off_t)len, POSIX_FADV_SEQUENTIAL);
	*out = s;
	return 0;
}

const char *qg_stream_name(const struct qg_stream *s)
{
	return s ? s->name : "";
}

long long qg_stream_offset(const struct qg_stream *s)
{
	return s ? s->consumed : -1;
}

void qg_stream_free(struct qg_stream *s)
{
	if (!s)
		return;
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	qg_http_stream_free(s->http);
	if (s->z_init)
		inflateEnd(&s->z);
	if (s->zd)
		ZSTD_freeDStream(s->zd);
	free(s->in);
	free(s->name);
	free(s);
}

int qg_stream_is_url(const char *spec)
{
	return spec && is_url(spec);
}

int qg_stream_read_all(struct qg_buf *out, const char *spec, size_t cap)
{
	struct qg_stream *s;
	char block[65536];
	ssize_t n;
	int err;

	if ((err = qg_stream_open(&s, spec, 0)) < 0)
		return err;
	while ((n = qg_stream_read(s, block, sizeof(block))) > 0) {
		if (out->len + (size_t)n > cap) {
			err = qg_error(QG_ETOOBIG, "'%s': larger than %zu bytes", s->name, cap);
			break;
		}
		if ((err = qg_buf_add(out, block, (size_t)n)) < 0)
			break;
	}
	if (n < 0 && !err)
		err = (int)n;
	qg_stream_free(s);
	return err;
}

/* ---- expanding DATA arguments ----
 * Which files a folder or prefix contributes is the caller's choice (the
 * data gate keeps tables, another gate other files): lib/ knows no gate. */

/* A name ending in one of exts, alone or followed by a compression this file
 * reads (.gz, .zst). NULL exts keeps every name. */
static int has_kept_ext(const char *name, const char *const *exts)
{
	static const char *const comp[] = { "", ".gz", ".zst" };
	char tail[64];

	if (!exts)
		return 1;
	for (size_t i = 0; exts[i]; i++)
		for (size_t j = 0; j < QG_ARRAY_SIZE(comp); j++) {
			snprintf(tail, sizeof(tail), "%s%s", exts[i], comp[j]);
			if (has_suffix(name, tail))
				return 1;
		}
	return 0;
}

/* "no .csv, .tsv or .jsonl files (optionally .gz/.zst) <where>" */
static int nothing_kept(const char *name, const char *const *exts, const char *what, const char *where)
{
	struct qg_buf list = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t n = 0;
	int err = 0;

	while (exts && exts[n])
		n++;
	for (size_t i = 0; i < n && !err; i++)
		err = qg_buf_addf(&list, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ", exts[i]);
	if (err)
		return err;
	if (n)
		err = qg_error(QG_EINPUT, "'%s': no %s %s (optionally .gz/.zst) %s", name, list.buf, what, where);
	else
		err = qg_error(QG_EINPUT, "'%s': no %s %s", name, what, where);
	qg_buf_release(&list);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Collect the files with kept extensions under dir (recursively; hidden
 * entries and symlinked folders skipped, so a link cycle cannot loop). */
static int walk_dir(struct qg_strvec *files, const char *dir, const char *const *exts, int depth)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	size_t base;
	int err = 0;

	if (depth > 64)
		return qg_error(QG_EINPUT, "'%s': folders nested too deep", dir);
	d = opendir(dir);
	if (!d)
		return qg_error(QG_EINPUT, "'%s': cannot open folder: %s", dir, strerror(errno));
	if ((err = qg_buf_addstr(&path, dir)) < 0)
		goto done;
	if (path.len && path.buf[path.len - 1] != '/' && (err = qg_buf_addch(&path, '/')) < 0)
		goto done;
	base = path.len;
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		qg_buf_setlen(&path, base);
		if ((err = qg_buf_addstr(&path, e->d_name)) < 0)
			goto done;
		if (lstat(path.buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if ((err = walk_dir(files, path.buf, exts, depth + 1)) < 0)
				goto done;
			continue;
		}
		if (S_ISLNK(st.st_mode) && (stat(path.buf, &st) < 0 || !S_ISREG(st.st_mode)))
			continue;
		if (S_ISREG(st.st_mode) && has_kept_ext(e->d_name, exts) &&
		    (err = qg_strvec_push(files, path.buf)) < 0)
			goto done;
	}
	if (errno)
		err = qg_error(QG_EINPUT, "'%s': cannot read folder: %s", dir, strerror(errno));
done:
	closedir(d);
	qg_buf_release(&path);
	return err;
}

static int expand_dir(struct qg_strvec *out, const char *dir, const char *const *exts)
{
	struct qg_strvec files = QG_STRVEC_INIT;
	size_t i;
	int err;

	err = walk_dir(&files, dir, exts, 0);
	if (!err && !files.nr)
		err = nothing_kept(dir, exts, "files", "in folder");
	if (!err) {
		qsort(files.v, files.nr, sizeof(*files.v), cmp_str);
		for (i = 0; i < files.nr && !err; i++)
			err = qg_strvec_push(out, files.v[i]);
	}
	qg_strvec_clear(&files);
	return err;
}

static int expand_glob(struct qg_strvec *out, const char *pattern, const char *const *exts)
{
	glob_t g;
	struct stat st;
	size_t i;
	int err = 0, ret;

	ret = glob(pattern, GLOB_ERR, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return qg_error(QG_EINPUT, "'%s': no file matches", pattern);
	if (ret) {
		if (ret == GLOB_NOSPACE)
			return qg_error(QG_ENOMEM, "'%s': out of memory expanding pattern", pattern);
		return qg_error(QG_EINPUT, "'%s': cannot expand pattern: read error", pattern);
	}
	for (i = 0; i < g.gl_pathc && !err; i++) {
		if (stat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode))
			err = expand_dir(out, g.gl_pathv[i], exts);
		else
			err = qg_strvec_push(out, g.gl_pathv[i]);
	}
	globfree(&g);
	return err;
}

/* A prefix listing keeps the objects with data extensions, like a folder. */
static int expand_s3(struct qg_strvec *out, const char *prefix, const char *const *exts)
{
	struct qg_strvec keys = QG_STRVEC_INIT;
	size_t i, kept = 0;
	int err;

	err = qg_s3_list(&keys, prefix);
	for (i = 0; !err && i < keys.nr; i++)
		if (has_kept_ext(keys.v[i], exts)) {
			err = qg_strvec_push(out, keys.v[i]);
			kept++;
		}
	if (!err && !kept)
		err = nothing_kept(prefix, exts, "objects", "under prefix");
	qg_strvec_clear(&keys);
	return err;
}

int qg_stream_expand(struct qg_strvec *out, const char *const *specs, size_t nr, const char *const *exts)
{
	struct stat st;
	const char *spec;
	size_t i;
	int err = 0;

	for (i = 0; i < nr && !err; i++) {
		spec = specs[i];
		if (!spec || !*spec)
			return qg_error(QG_EUSAGE, "empty input name");
		if (!strncmp(spec, "s3://", 5)) {
			const char *slash = strchr(spec + 5, '/');

			if (!slash || slash[1] == '\0' || has_suffix(spec, "/"))
				err = expand_s3(out, spec, exts);
			else
				err = qg_strvec_push(out, spec);
		} else if (!strcmp(spec, "-") || is_url(spec)) {
			err = qg_strvec_push(out, spec);
		} else if (stat(spec, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				err = expand_dir(out, spec, exts);
			else
				err = qg_strvec_push(out, spec);
		} else if (strpbrk(spec, "*?[")) {
			err = expand_glob(out, spec, exts);
		} else {
			err = qg_error(QG_EINPUT, "'%s': cannot open: %s", spec, strerror(errno));
		}
	}
	return err;
}
