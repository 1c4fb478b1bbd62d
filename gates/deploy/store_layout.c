/* store_layout.c -- oci-layout:DIR, an OCI image layout on disk
 *
 * The layout is the one the OCI image-layout spec describes, so skopeo, umoci and
 * oras read what qgate writes and qgate reads what they write:
 *
 *   DIR/oci-layout             {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json             an image index; a tag is an entry whose annotation
 *                              org.opencontainers.image.ref.name is the tag
 *   DIR/blobs/sha256/<hex>     every blob and manifest, named by its digest
 *   DIR/.qgate/lock            flock'ed while index.json is read-modified-written
 *   DIR/.qgate/tmp/            blobs being written (blob-<pid>-<n>)
 *
 * A blob is written to .qgate/tmp while it is hashed (one pass over the source;
 * dp_layout_has_size() lets push skip hashing a file first when no blob of its
 * size exists, so a new file is read once),
 * fsynced, and renamed to blobs/sha256/<hex> only when its digest is the one
 * expected, so a crash (kill -9 included) never leaves a blob under a name it does
 * not hash to; the temporary files of processes that are gone are removed the next
 * time the layout is opened for writing. index.json is only replaced, under the
 * lock, by a complete new file renamed over it (temp, fsync, rename, fsync of the
 * folder), after every blob its new entry names is present with the size the
 * manifest gives: the tag never points at a half-written artifact.
 *
 * Referrers: the layout indexes subjects itself. A manifest pushed without a tag
 * (evidence, provenance) gets an untagged entry in index.json carrying its
 * artifactType, and referrers() reads every manifest listed in index.json and keeps
 * those whose subject is the digest asked for; referrer_add() is therefore a no-op.
 * This is what oras does in a layout, and it needs no second bookkeeping that a
 * crash could leave out of step (the sha256-<hex> fallback tag is for registries
 * without the referrers API).
 *
 * Rewriting index.json keeps mediaType, artifactType, digest, size and annotations
 * of every entry; other members of an entry (platform, urls) are dropped.
 *
 * Why this file is long: it is one dp_store_ops backend (blobs, manifests, tags,
 * referrers, locking, crash clean-up); the index.json helpers it shares with the S3
 * store are in layout_index.c.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/sha256.h"

#include "deploy.h"
#include "push.h"

#define REF_NAME DP_ANN_REF_NAME
#define MAX_MANIFEST ((size_t)4 << 20)
#define MAX_INDEX ((size_t)256 << 20)
#define CHUNK ((size_t)1 << 20)

struct layout {
	struct dp_store base;
	char *dir;
	unsigned long seq; /* temp file names */
};

static int path_of(struct qg_buf *out, const struct layout *l, const char *rel)
{
	qg_buf_reset(out);
	if (qg_buf_addf(out, "%s/%s", l->dir, rel) < 0)
		return qg_error(QG_ETOOBIG, "'%s': path too long", l->dir);
	return 0;
}

static int blob_path(struct qg_buf *out, const struct layout *l, const char *digest)
{
	qg_buf_reset(out);
	if (qg_buf_addf(out, "%s/blobs/sha256/%s", l->dir, digest + 7) < 0)
		return qg_error(QG_ETOOBIG, "'%s': path too long", l->dir);
	return 0;
}



/* ------------------------------------------------------------------ locking and index.json */

static int lock_open(struct layout *l, int *fd_out)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	int fd, err;

	*fd_out = -1;
	err = path_of(&p, l, ".qgate");
	if (!err && mkdir(p.buf, 0777) < 0 && errno != EEXIST)
		err = qg_error(QG_EIO, "'%s': cannot create: %s", p.buf, strerror(errno));
	if (!err)
		err = path_of(&p, l, ".qgate/lock");
	if (err)
		goto done;
	fd = open(p.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		err = qg_error(QG_EIO, "'%s': cannot open the lock: %s", p.buf, strerror(errno));
		goto done;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			err = qg_error(QG_EIO, "'%s': cannot lock: %s", p.buf, strerror(errno));
			close(fd);
			goto done;
		}
	}
	*fd_out = fd;
done:
	qg_buf_release(&p);
	return err;
}

static void lock_close(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static int index_read(struct layout *l, struct dp_manifest *idx)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH), body = QG_BUF_INIT(MAX_INDEX);
	int err;

	memset(idx, 0, sizeof(*idx));
	err = path_of(&p, l, "index.json");
	if (!err)
		err = qg_buf_read_file(&body, p.buf);
	if (err == QG_ETOOBIG)
		err = qg_error(QG_EINPUT, "'%s': larger than %zu MiB", p.buf, MAX_INDEX >> 20);
	if (!err)
		err = dp_manifest_parse(idx, body.buf, body.len, p.buf);
	if (!err && !idx->is_index) {
		dp_manifest_release(idx);
		err = qg_error(QG_EINPUT,
			       "'%s': expected an image index (%s), found an image manifest", p.buf,
			       DP_MT_INDEX);
	}
	qg_buf_release(&p);
	qg_buf_release(&body);
	return err;
}

static int index_write(struct layout *l, const struct dp_manifest *idx)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH), body = QG_BUF_INIT(MAX_INDEX);
	int err;

	err = path_of(&p, l, "index.json");
	if (!err)
		err = dp_manifest_write(idx, &body);
	if (!err)
		err = qg_file_write_atomic(p.buf, body.buf, body.len);
	qg_buf_release(&p);
	qg_buf_release(&body);
	return err;
}




/* ------------------------------------------------------------------ opening */

/* Re-record the last error as QG_EINPUT (a malformed input file is exit 3); the
 * message is copied first: qg_error_last() points into the slot being written. */
static int as_input_error(int err)
{
	char *msg;

	if (err == QG_ENOMEM)
		return err;
	msg = qg_strdup(qg_error_last());
	err = qg_error(QG_EINPUT, "%s", msg ? msg : "unreadable input");
	free(msg);
	return err;
}

/* Remove .qgate/tmp/blob-<pid>-* of processes that no longer exist. */
static void clean_stale(struct layout *l)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH), f = QG_BUF_INIT(QG_CAP_PATH);
	struct dirent *e;
	DIR *d;

	if (path_of(&p, l, ".qgate/tmp") < 0 || !(d = opendir(p.buf))) {
		qg_buf_release(&p);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		long pid;
		char *end;
		if (strncmp(e->d_name, "blob-", 5))
			continue;
		pid = strtol(e->d_name + 5, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		qg_buf_reset(&f);
		if (qg_buf_addf(&f, "%s/%s", p.buf, e->d_name) == 0)
			unlink(f.buf);
	}
	closedir(d);
	qg_buf_release(&p);
	qg_buf_release(&f);
}

static int read_layout_file(struct layout *l)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_json *j = NULL;
	const char *v;
	int err;

	err = path_of(&p, l, "oci-layout");
	if (!err)
		err = qg_json_parse_file(&j, p.buf);
	if (err == QG_EPARSE)
		err = as_input_error(err);
	if (!err) {
		v = qg_json_string(qg_json_get(j, "imageLayoutVersion"));
		if (!v || strncmp(v, "1.", 2))
			err = qg_error(QG_EINPUT, "'%s': imageLayoutVersion '%s' (expected 1.x)",
				       p.buf, v ? v : "(none)");
	}
	qg_json_free(j);
	qg_buf_release(&p);
	return err;
}

/* Create what is missing of a new layout, under the lock so that two pushes into a
 * fresh folder never overwrite each other's index.json. */
static int layout_init(struct layout *l)
{
	static const char layout_json[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	static const char index_json[] = "{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX
					 "\",\"manifests\":[]}";
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	int err, fd = -1;

	err = qg_file_mkdirs(l->dir, 0777);
	if (!err)
		err = lock_open(l, &fd);
	if (!err)
		err = path_of(&p, l, "blobs/sha256");
	if (!err)
		err = qg_file_mkdirs(p.buf, 0777);
	if (!err)
		err = path_of(&p, l, "oci-layout");
	if (!err && access(p.buf, F_OK) < 0)
		err = qg_file_write_atomic(p.buf, layout_json, sizeof(layout_json) - 1);
	if (!err)
		err = path_of(&p, l, "index.json");
	if (!err && access(p.buf, F_OK) < 0)
		err = qg_file_write_atomic(p.buf, index_json, sizeof(index_json) - 1);
	lock_close(fd);
	qg_buf_release(&p);
	return err;
}

static const struct dp_store_ops layout_ops;

int dp_store_layout_open(struct dp_store **out, const struct dp_ref *ref,
			 const struct dp_store_opts *o)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	struct layout *l;
	struct stat st;
	int err = 0;

	*out = NULL;
	if (ref->kind != DP_LAYOUT || !ref->dir || !*ref->dir)
		return qg_error(QG_EUSAGE, "'%s': not an oci-layout: reference",
				ref->text ? ref->text : "");
	l = calloc(1, sizeof(*l));
	if (!l)
		return qg_error(QG_ENOMEM, "out of memory");
	l->base.ops = &layout_ops;
	l->dir = qg_strdup(ref->dir);
	l->base.ref.kind = ref->kind;
	l->base.ref.text = qg_strdup(ref->text);
	l->base.ref.dir = qg_strdup(ref->dir);
	if (!l->dir || !l->base.ref.text || !l->base.ref.dir) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	while (strlen(l->dir) > 1 && l->dir[strlen(l->dir) - 1] == '/')
		l->dir[strlen(l->dir) - 1] = '\0';
	if (stat(l->dir, &st) < 0) {
		if (errno != ENOENT || !(o && o->create))
			err = qg_error(QG_EINPUT, "'%s': %s (expected an OCI image layout folder)",
				       l->dir, strerror(errno));
		else
			err = layout_init(l);
		if (err)
			goto done;
	} else if (!S_ISDIR(st.st_mode)) {
		err = qg_error(QG_EINPUT,
			       "'%s': not a folder (expected an OCI image layout folder)", l->dir);
		goto done;
	}
	err = path_of(&p, l, "oci-layout");
	if (err)
		goto done;
	if (access(p.buf, F_OK) < 0) {
		struct qg_buf q = QG_BUF_INIT(QG_CAP_PATH);
		int has_index = path_of(&q, l, "index.json") == 0 && access(q.buf, F_OK) == 0;
		qg_buf_release(&q);
		/* a folder that holds an index but no oci-layout is someone else's: refuse */
		if (!(o && o->create) || has_index)
			err = qg_error(QG_EINPUT, "'%s': missing (not an OCI image layout)", p.buf);
		else
			err = layout_init(l);
		if (err)
			goto done;
	}
	err = read_layout_file(l);
	if (!err) {
		struct qg_buf q = QG_BUF_INIT(QG_CAP_PATH);
		err = path_of(&q, l, "index.json");
		if (!err && access(q.buf, F_OK) < 0) {
			if (o && o->create)
				err = layout_init(l);
			else
				err = qg_error(
					QG_EINPUT,
					"'%s': missing (an OCI image layout needs an index.json)",
					q.buf);
		}
		qg_buf_release(&q);
	}
	if (!err && o && o->create)
		clean_stale(l);
done:
	qg_buf_release(&p);
	if (err) {
		layout_ops.close(&l->base);
		return err;
	}
	*out = &l->base;
	return 0;
}

static void layout_close(struct dp_store *s)
{
	struct layout *l = (struct layout *)s;

	if (!l)
		return;
	free(l->dir);
	dp_ref_release(&l->base.ref);
	free(l);
}

/* ------------------------------------------------------------------ blobs */

static int layout_blob_has(struct dp_store *s, const char *digest, long long *size)
{
	struct layout *l = (struct layout *)s;
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	struct stat st;
	int err;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = blob_path(&p, l, digest);
	if (!err) {
		if (lstat(p.buf, &st) < 0)
			err = errno == ENOENT ?
				      QG_ENOTFOUND :
				      qg_error(QG_EIO, "'%s': %s", p.buf, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			err = qg_error(QG_EINPUT, "'%s': not a regular file", p.buf);
		else if (size)
			*size = (long long)st.st_size;
	}
	qg_buf_release(&p);
	return err;
}

static int write_all(int fd, const void *data, size_t len, const char *name)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EIO, "'%s': %s", name, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *dir = qg_strdup(path), *slash;
	int fd, err = 0;

	if (!dir)
		return qg_error(QG_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		err = qg_error(QG_EIO, "'%s': cannot sync the folder: %s", slash ? dir : ".",
			       strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

static int blob_read(struct layout *l, const char *digest, int fd, struct qg_buf *buf, size_t max);

int dp_layout_has_size(struct dp_store *s, long long size)
{
	struct layout *l = (struct layout *)s;
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	struct dirent *e;
	struct stat st;
	int found = 0, fd;
	DIR *d;

	if (!s || s->ops != &layout_ops || path_of(&p, l, "blobs/sha256") < 0 ||
	    !(d = opendir(p.buf))) {
		qg_buf_release(&p);
		return 1; /* cannot tell: hash first */
	}
	fd = dirfd(d);
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (S_ISREG(st.st_mode) && st.st_size == size))
			found = 1;
	}
	closedir(d);
	qg_buf_release(&p);
	return found;
}

static int layout_blob_put(struct dp_store *s, const struct dp_source *src, const char *expect,
			   struct dp_desc *out, int *skipped)
{
	struct layout *l = (struct layout *)s;
	struct qg_buf tmp = QG_BUF_INIT(QG_CAP_PATH), final = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_sha256 *h = NULL;
	const char *name = src->path ? src->path : "(data)";
	char hex[QG_SHA256_HEX], *chunk = NULL;
	long long size = 0, have = -1;
	int err, in = -1, fd = -1;
	struct stat st;

	*skipped = 0;
	if (expect && *expect && !dp_digest_valid(expect))
		return dp_bad_digest(expect);
	if (src->path) {
		in = open(src->path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return qg_error(QG_EINPUT, "'%s': cannot open: %s", src->path,
					strerror(errno));
		if (fstat(in, &st) < 0 || S_ISDIR(st.st_mode)) {
			err = qg_error(QG_EINPUT, "'%s': %s", src->path,
				       S_ISDIR(st.st_mode) ? "is a folder" : strerror(errno));
			goto done;
		}
	}
	/* present already: verified (a blob is only ever renamed into place once it
	 * hashes to its name, so a mismatch is damage or tampering, which is refused
	 * rather than papered over) and skipped */
	if (expect && *expect) {
		err = layout_blob_has(s, expect, &have);
		if (err < 0 && err != QG_ENOTFOUND)
			goto done;
		if (!err) {
			err = blob_read(l, expect, -1, NULL, 0);
			if (!err && (src->path ? S_ISREG(st.st_mode) && have != st.st_size :
						 have != (long long)src->len))
				err = qg_error(QG_EINPUT,
					       "'%s': %lld bytes, the blob of %s has %lld", name,
					       src->path ? (long long)st.st_size :
							   (long long)src->len,
					       expect, have);
			if (err)
				goto done;
			memcpy(out->digest, expect, DP_DIGEST_SIZE);
			out->size = have;
			*skipped = 1;
			s->blobs_skipped++;
			goto done;
		}
		err = 0;
	}
	err = path_of(&tmp, l, ".qgate/tmp");
	if (!err)
		err = qg_file_mkdirs(tmp.buf, 0777);
	if (!err)
		err = qg_buf_addf(&tmp, "/blob-%ld-%lu", (long)getpid(), ++l->seq) < 0 ?
			      QG_ETOOBIG :
			      0;
	if (err)
		goto done;
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = qg_error(QG_EIO, "'%s': %s", tmp.buf, strerror(errno));
		goto done;
	}
	err = qg_sha256_new(&h);
	if (err)
		goto done;
	if (src->path) {
		chunk = malloc(CHUNK);
		if (!chunk) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (;;) {
			ssize_t n = read(in, chunk, CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				err = qg_error(QG_EINPUT, "'%s': %s", src->path, strerror(errno));
				goto done;
			}
			if (n == 0)
				break;
			err = qg_sha256_update(h, chunk, (size_t)n);
			if (!err)
				err = write_all(fd, chunk, (size_t)n, tmp.buf);
			if (err)
				goto done;
			size += n;
		}
	} else {
		err = qg_sha256_update(h, src->data, src->len);
		if (!err)
			err = write_all(fd, src->data, src->len, tmp.buf);
		if (err)
			goto done;
		size = (long long)src->len;
	}
	err = qg_sha256_final(h, hex);
	if (err)
		goto done;
	snprintf(out->digest, DP_DIGEST_SIZE, "sha256:%s", hex);
	out->size = size;
	if (expect && *expect && strcmp(expect, out->digest)) {
		err = qg_error(QG_EINPUT,
			       "'%s': hashes to %s, expected %s (changed while being pushed?)",
			       name, out->digest, expect);
		goto done;
	}
	if (fsync(fd) < 0) {
		err = qg_error(QG_EIO, "'%s': %s", tmp.buf, strerror(errno));
		goto done;
	}
	close(fd);
	fd = -1;
	err = blob_path(&final, l, out->digest);
	if (err)
		goto done;
	/* stored without a digest to expect: a blob already under the name is kept
	 * (the file's bytes hash to it) after checking it is whole */
	if (!(expect && *expect) && layout_blob_has(s, out->digest, &have) == 0) {
		err = have == size ?
			      blob_read(l, out->digest, -1, NULL, 0) :
			      qg_error(
				      QG_EINPUT,
				      "'%s': %lld bytes, expected %lld (damaged blob; remove it and push again)",
				      final.buf, have, size);
		if (!err) {
			*skipped = 1;
			s->blobs_skipped++;
		}
		goto done;
	}
	if (rename(tmp.buf, final.buf) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot rename to '%s': %s", tmp.buf, final.buf,
			       strerror(errno));
		goto done;
	}
	err = fsync_dir(final.buf);
	if (!err) {
		s->blobs_sent++;
		s->bytes_sent += size;
	}
done:
	if (fd >= 0)
		close(fd);
	if (in >= 0)
		close(in);
	if (tmp.len && access(tmp.buf, F_OK) == 0)
		unlink(tmp.buf);
	free(chunk);
	qg_sha256_free(h);
	qg_buf_release(&tmp);
	qg_buf_release(&final);
	return err;
}

/* Stream a blob to fd (fd >= 0), into buf (buf != NULL) or only hash it, verifying its
 * digest: a mismatch is QG_EINPUT naming the file ("damaged blob"). */
static int blob_read(struct layout *l, const char *digest, int fd, struct qg_buf *buf, size_t max)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_sha256 *h = NULL;
	char hex[QG_SHA256_HEX], *chunk = NULL;
	long long size = 0;
	struct stat st;
	int in = -1, err;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = blob_path(&p, l, digest);
	if (err)
		goto done;
	in = open(p.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		err = errno == ENOENT ? QG_ENOTFOUND :
					qg_error(QG_EINPUT, "'%s': %s", p.buf, strerror(errno));
		goto done;
	}
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = qg_error(QG_EINPUT, "'%s': not a regular file", p.buf);
		goto done;
	}
	if (buf && (size_t)st.st_size > max) {
		err = qg_error(QG_ETOOBIG, "'%s': %lld bytes, more than the %zu allowed", p.buf,
			       (long long)st.st_size, max);
		goto done;
	}
	err = qg_sha256_new(&h);
	if (!err && !(chunk = malloc(CHUNK)))
		err = qg_error(QG_ENOMEM, "out of memory");
	while (!err) {
		ssize_t n = read(in, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qg_error(QG_EIO, "'%s': %s", p.buf, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		size += n;
		err = qg_sha256_update(h, chunk, (size_t)n);
		if (!err && fd >= 0)
			err = write_all(fd, chunk, (size_t)n, "temporary copy");
		if (!err && buf) {
			if ((size_t)size > max)
				err = qg_error(QG_ETOOBIG, "'%s': more than the %zu bytes allowed",
					       p.buf, max);
			else if (qg_buf_add(buf, chunk, (size_t)n) < 0)
				err = qg_error(QG_ENOMEM, "'%s': out of memory", p.buf);
		}
	}
	if (!err)
		err = qg_sha256_final(h, hex);
	if (!err && strcmp(hex, digest + 7))
		err = qg_error(
			QG_EINPUT,
			"'%s': digest mismatch: the file hashes to sha256:%s (damaged blob; remove it "
			"and push again)",
			p.buf, hex);
	if (!err)
		l->base.bytes_received += size;
done:
	if (in >= 0)
		close(in);
	free(chunk);
	qg_sha256_free(h);
	qg_buf_release(&p);
	return err;
}

static int layout_blob_get(struct dp_store *s, const char *digest, struct qg_buf *out, size_t max)
{
	struct qg_buf tmp = QG_BUF_INIT(max ? max : 1);
	int err = blob_read((struct layout *)s, digest, -1, &tmp, max);

	if (!err) {
		err = qg_buf_add(out, tmp.buf, tmp.len);
		if (err)
			err = qg_error(err, "blob %s: too large for its buffer", digest);
	}
	qg_buf_release(&tmp);
	return err;
}

static int layout_blob_to_fd(struct dp_store *s, const char *digest, int fd)
{
	int err = blob_read((struct layout *)s, digest, fd, NULL, 0);

	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': blob %s not found", s->ref.text, digest);
	return err;
}

/* ------------------------------------------------------------------ manifests and tags */

static int read_manifest(struct layout *l, const char *digest, long long want_size,
			 struct qg_buf *body, struct dp_manifest *m, const char *why)
{
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	int err = blob_read(l, digest, -1, body, MAX_MANIFEST);

	if (err == QG_ENOTFOUND) {
		if (blob_path(&p, l, digest) == 0)
			err = qg_error(QG_EINPUT, "'%s': missing (%s)", p.buf, why);
	}
	if (!err && want_size >= 0 && (long long)body->len != want_size)
		err = qg_error(QG_EINPUT, "'%s/index.json': %s is %zu bytes, the index says %lld",
			       l->dir, digest, body->len, want_size);
	if (!err && m) {
		if (blob_path(&p, l, digest) == 0)
			err = dp_manifest_parse(m, body->buf, body->len, p.buf);
	}
	qg_buf_release(&p);
	return err;
}

static int layout_manifest_get(struct dp_store *s, const char *tag_or_digest, struct qg_buf *body,
			       char digest[DP_DIGEST_SIZE], struct qg_buf *media_type)
{
	struct layout *l = (struct layout *)s;
	struct qg_buf b = QG_BUF_INIT(MAX_MANIFEST);
	struct dp_manifest idx = { 0 }, m = { 0 };
	char d[DP_DIGEST_SIZE];
	long long size = -1;
	long at = -1;
	int err;

	if (!tag_or_digest || !*tag_or_digest)
		return qg_error(QG_EUSAGE, "'%s': no tag or digest given", s->ref.text);
	if (!strncmp(tag_or_digest, "sha256:", 7)) {
		if (!dp_digest_valid(tag_or_digest))
			return dp_bad_digest(tag_or_digest);
		memcpy(d, tag_or_digest, DP_DIGEST_SIZE);
		err = blob_read(l, d, -1, &b, MAX_MANIFEST); /* QG_ENOTFOUND: not there */
		if (!err) {
			struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
			err = blob_path(&p, l, d);
			if (!err)
				err = dp_manifest_parse(&m, b.buf, b.len, p.buf);
			qg_buf_release(&p);
		}
		goto done;
	}
	if (!dp_tag_valid(tag_or_digest))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", s->ref.text, tag_or_digest);
	err = index_read(l, &idx);
	if (!err)
		err = dp_index_find_tag(l->dir, &idx, tag_or_digest, &at);
	if (!err && at < 0)
		err = QG_ENOTFOUND;
	if (err)
		goto done;
	memcpy(d, idx.layers[at].digest, DP_DIGEST_SIZE);
	size = idx.layers[at].size;
	err = read_manifest(l, d, size, &b, &m, "index.json names it");
done:
	if (!err && body && qg_buf_add(body, b.buf, b.len) < 0)
		err = qg_error(QG_ETOOBIG, "manifest %s: too large for its buffer", d);
	if (!err && media_type && qg_buf_addstr(media_type, m.media_type) < 0)
		err = qg_error(QG_ENOMEM, "out of memory");
	if (!err && digest)
		memcpy(digest, d, DP_DIGEST_SIZE);
	dp_manifest_release(&idx);
	dp_manifest_release(&m);
	qg_buf_release(&b);
	return err;
}

/* Every blob the manifest names is present with the size it gives. */
static int check_present(struct layout *l, const struct dp_manifest *m, const char *what)
{
	long long have = -1;
	size_t i;
	int err = 0;

	for (i = 0; !err && i <= m->nr_layers; i++) {
		const struct dp_desc *d = i < m->nr_layers ? &m->layers[i] :
					  m->is_index      ? NULL :
							     &m->config;
		if (!d)
			break;
		err = layout_blob_has(&l->base, d->digest, &have);
		if (err == QG_ENOTFOUND)
			err = qg_error(QG_EINPUT, "'%s': cannot tag %s: %s is not in the layout",
				       l->dir, what, d->digest);
		else if (!err && have != d->size)
			err = qg_error(
				QG_EINPUT,
				"'%s': cannot tag %s: %s is %lld bytes, the manifest says %lld",
				l->dir, what, d->digest, have, d->size);
	}
	return err;
}

static int layout_manifest_put(struct dp_store *s, const char *tag, const void *body, size_t len,
			       const char *media_type, const char *expect_old)
{
	struct layout *l = (struct layout *)s;
	struct dp_manifest m = { 0 }, idx = { 0 };
	struct dp_source src = { .data = body, .len = len };
	struct dp_desc d = { 0 };
	char hex[QG_SHA256_HEX], digest[DP_DIGEST_SIZE];
	int err, skipped, lock = -1;
	long at = -1;
	size_t i;

	if (tag && !dp_tag_valid(tag))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", s->ref.text, tag);
	if (expect_old && *expect_old && !dp_digest_valid(expect_old))
		return dp_bad_digest(expect_old);
	err = qg_sha256_hex(hex, body, len);
	if (err)
		return err;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	err = dp_manifest_parse(&m, body, len, tag ? tag : digest);
	if (!err && media_type && strcmp(media_type, m.media_type))
		err = qg_error(QG_EUSAGE, "manifest %s: media type '%s' given, the body says '%s'",
			       digest, media_type, m.media_type);
	if (!err)
		err = check_present(l, &m, tag ? tag : digest);
	if (!err)
		err = layout_blob_put(s, &src, digest, &d, &skipped);
	if (!err)
		err = lock_open(l, &lock);
	if (!err)
		err = index_read(l, &idx);
	if (err)
		goto done;
	if (tag) {
		err = dp_index_find_tag(l->dir, &idx, tag, &at);
		if (err)
			goto done;
		if (expect_old &&
		    ((!*expect_old && at >= 0) ||
		     (*expect_old && (at < 0 || strcmp(idx.layers[at].digest, expect_old))))) {
			err = QG_ECONFLICT;
			goto done;
		}
		/* one entry per tag; an untagged entry of the same manifest becomes this one */
		for (i = idx.nr_layers; i-- > 0;) {
			const char *name = dp_desc_annotation(&idx.layers[i], REF_NAME);
			if ((name && !strcmp(name, tag)) ||
			    (!name && !strcmp(idx.layers[i].digest, digest)))
				dp_index_remove(&idx, i);
		}
	} else {
		for (i = 0; i < idx.nr_layers; i++)
			if (!strcmp(idx.layers[i].digest, digest))
				goto done; /* listed already: reachable, nothing to write */
	}
	err = dp_index_append(&idx, m.media_type, m.artifact_type, digest, (long long)len, tag);
	if (!err)
		err = index_write(l, &idx);
done:
	lock_close(lock);
	dp_desc_release(&d);
	dp_manifest_release(&m);
	dp_manifest_release(&idx);
	return err;
}

static int layout_tag_delete(struct dp_store *s, const char *tag)
{
	struct layout *l = (struct layout *)s;
	struct dp_manifest idx = { 0 };
	int err, lock = -1, found = 0;
	size_t i;

	if (!dp_tag_valid(tag))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", s->ref.text, tag);
	err = lock_open(l, &lock);
	if (!err)
		err = index_read(l, &idx);
	for (i = idx.nr_layers; !err && i-- > 0;) {
		const char *name = dp_desc_annotation(&idx.layers[i], REF_NAME);
		if (name && !strcmp(name, tag)) {
			dp_index_remove(&idx, i);
			found = 1;
		}
	}
	if (!err && !found)
		err = QG_ENOTFOUND;
	if (!err)
		err = index_write(l, &idx);
	lock_close(lock);
	dp_manifest_release(&idx);
	return err;
}

/* ------------------------------------------------------------------ referrers */

static int layout_referrers(struct dp_store *s, const char *digest, const char *artifact_type,
			    struct dp_desc **out, size_t *nr)
{
	struct layout *l = (struct layout *)s;
	struct dp_manifest idx = { 0 };
	size_t i, j;
	int err;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = index_read(l, &idx);
	for (i = 0; !err && i < idx.nr_layers; i++) {
		const struct dp_desc *e = &idx.layers[i];
		struct qg_buf body = QG_BUF_INIT(MAX_MANIFEST);
		struct dp_manifest m = { 0 };
		struct dp_desc *grown, *d;
		int dup = 0;

		if (strcmp(e->media_type, DP_MT_MANIFEST))
			continue; /* referrers are image manifests */
		if (artifact_type && e->artifact_type && strcmp(e->artifact_type, artifact_type))
			continue;
		for (j = 0; j < *nr; j++)
			dup |= !strcmp((*out)[j].digest, e->digest);
		for (j = 0; j < i; j++)
			dup |= !strcmp(idx.layers[j].digest, e->digest);
		if (dup || !strcmp(e->digest, digest))
			continue;
		err = read_manifest(l, e->digest, e->size, &body, &m, "index.json names it");
		if (!err && m.subject && !strcmp(m.subject->digest, digest) &&
		    (!artifact_type ||
		     (m.artifact_type && !strcmp(m.artifact_type, artifact_type)))) {
			grown = realloc(*out, (*nr + 1) * sizeof(**out));
			if (!grown) {
				err = qg_error(QG_ENOMEM, "out of memory");
			} else {
				*out = grown;
				d = &grown[*nr];
				memset(d, 0, sizeof(*d));
				(*nr)++;
				d->media_type = qg_strdup(DP_MT_MANIFEST);
				d->artifact_type = qg_strdup(m.artifact_type);
				memcpy(d->digest, e->digest, DP_DIGEST_SIZE);
				d->size = e->size;
				for (j = 0; !err && j < m.nr_ann; j++)
					err = dp_desc_annotate(d, m.ann[j].key, m.ann[j].value);
				if (!err &&
				    (!d->media_type || (m.artifact_type && !d->artifact_type)))
					err = qg_error(QG_ENOMEM, "out of memory");
			}
		}
		dp_manifest_release(&m);
		qg_buf_release(&body);
	}
	dp_manifest_release(&idx);
	return err;
}

static int layout_referrer_add(struct dp_store *s, const char *subject, const struct dp_desc *m)
{
	(void)s;
	(void)subject;
	(void)m;
	return 0; /* referrers() finds them through index.json */
}

static const struct dp_store_ops layout_ops = {
	.scheme = "oci-layout",
	.blob_has = layout_blob_has,
	.blob_put = layout_blob_put,
	.blob_get = layout_blob_get,
	.blob_to_fd = layout_blob_to_fd,
	.blob_mount = NULL,
	.manifest_get = layout_manifest_get,
	.manifest_put = layout_manifest_put,
	.tag_delete = layout_tag_delete,
	.referrers = layout_referrers,
	.referrer_add = layout_referrer_add,
	.close = layout_close,
};
