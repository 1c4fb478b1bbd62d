/* store.c -- opening a store by its kind, and copies between stores
 *
 * dp_store_open() picks the backend from the reference (oci-layout:, oci://,
 * s3://). The copies work on any pair of backends through struct dp_store_ops
 * alone: a blob already at the destination is skipped, a blob within one registry
 * is mounted, a layout's blob file is read by the destination directly, any other
 * is streamed through an unlinked temporary file (so memory stays flat whatever
 * the size); each is committed under its digest only once the
 * destination has hashed the same digest. A manifest is copied after everything
 * it names, so the tag at the destination never points at a half-copied artifact.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <unistd.h>

#include "deploy.h"

int dp_store_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o)
{
	static const struct dp_store_opts none;

	*out = NULL;
	if (!o)
		o = &none;
	switch (ref->kind) {
	case DP_LAYOUT:
		return dp_store_layout_open(out, ref, o);
	case DP_OCI:
		return dp_store_oci_open(out, ref, o);
	case DP_S3:
		return dp_store_s3_open(out, ref, o);
	}
	return qg_error(QG_EUSAGE, "'%s': unknown target kind", ref->text ? ref->text : "");
}

void dp_store_close(struct dp_store *s)
{
	if (s && s->ops && s->ops->close)
		s->ops->close(s);
}

/* An unlinked temporary file in $TMPDIR (O_TMPFILE where the file system has it). */
static int temp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	snprintf(path, sizeof(path), "%s/qgate-deploy.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return qg_error(QG_EIO, "'%s': cannot create a temporary file: %s", dir,
				strerror(errno));
	unlink(path);
	return fd;
}

int dp_blob_copy(struct dp_store *dst, struct dp_store *src, const struct dp_desc *d)
{
	struct dp_desc got = { 0 };
	struct dp_source from = { 0 };
	char path[64];
	long long size = -1;
	int err, fd, skipped = 0;

	err = dst->ops->blob_has(dst, d->digest, &size);
	if (err == 0 && (d->size < 0 || size < 0 || size == d->size)) {
		dst->blobs_skipped++;
		return 0;
	}
	if (err < 0 && err != QG_ENOTFOUND)
		return err;
	if (dst->ops->blob_mount && src->ref.kind == DP_OCI && dst->ref.kind == DP_OCI &&
	    src->ref.host && dst->ref.host && !strcmp(src->ref.host, dst->ref.host)) {
		err = dst->ops->blob_mount(dst, d->digest, src->ref.repo);
		if (err != QG_ENOTFOUND)
			return err;
	}
	if (src->ref.kind == DP_LAYOUT && src->ref.dir) {
		/* a layout's blob is a file already: the destination reads it once and
		 * refuses it unless it hashes to its name (no temporary copy) */
		struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
		if (qg_buf_addf(&p, "%s/blobs/sha256/%s", src->ref.dir, d->digest + 7) < 0) {
			qg_buf_release(&p);
			return qg_error(QG_ETOOBIG, "'%s': path too long", src->ref.dir);
		}
		from.path = p.buf;
		err = dst->ops->blob_put(dst, &from, d->digest, &got, &skipped);
		if (!err && d->size >= 0 && got.size != d->size)
			err = qg_error(QG_EINPUT, "'%s': %lld bytes, the manifest says %lld", p.buf,
				       got.size, d->size);
		if (!err)
			src->bytes_received += got.size;
		dp_desc_release(&got);
		qg_buf_release(&p);
		return err;
	}
	fd = temp_fd();
	if (fd < 0)
		return fd;
	err = src->ops->blob_to_fd(src, d->digest, fd);
	if (!err && lseek(fd, 0, SEEK_SET) < 0)
		err = qg_error(QG_EIO, "temporary copy of %s: %s", d->digest, strerror(errno));
	if (!err) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		from.path = path;
		err = dst->ops->blob_put(dst, &from, d->digest, &got, &skipped);
	}
	if (!err && d->size >= 0 && got.size != d->size)
		err = qg_error(QG_EINPUT, "blob %s: %lld bytes, the manifest says %lld", d->digest,
			       got.size, d->size);
	dp_desc_release(&got);
	close(fd);
	return err;
}

#define MAX_MANIFEST ((size_t)4 << 20)
#define MAX_DEPTH 8

static int copy_manifest(struct dp_store *dst, struct dp_store *src, const char *digest,
			 const char *tag, const char *expect_old, int depth)
{
	struct qg_buf body = QG_BUF_INIT(MAX_MANIFEST), mt = QG_BUF_INIT(1024);
	struct dp_manifest m = { 0 };
	char got[DP_DIGEST_SIZE];
	size_t i;
	int err;

	if (depth > MAX_DEPTH)
		return qg_error(QG_EINPUT, "%s: indexes nested deeper than %d", digest, MAX_DEPTH);
	err = src->ops->manifest_get(src, digest, &body, got, &mt);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': manifest %s not found", src->ref.text, digest);
	if (!err && strcmp(got, digest))
		err = qg_error(QG_EINPUT, "'%s': asked for manifest %s, got %s", src->ref.text,
			       digest, got);
	if (!err)
		err = dp_manifest_parse(&m, body.buf, body.len, src->ref.text);
	if (!err && !m.is_index)
		err = dp_blob_copy(dst, src, &m.config);
	for (i = 0; !err && i < m.nr_layers; i++)
		err = m.is_index ?
			      copy_manifest(dst, src, m.layers[i].digest, NULL, NULL, depth + 1) :
			      dp_blob_copy(dst, src, &m.layers[i]);
	if (!err)
		err = dst->ops->manifest_put(dst, tag, body.buf, body.len,
					     mt.len ? mt.buf : m.media_type, expect_old);
	dp_manifest_release(&m);
	qg_buf_release(&body);
	qg_buf_release(&mt);
	return err;
}

int dp_artifact_copy(struct dp_store *dst, struct dp_store *src, const char *digest,
		     const char *tag, const char *expect_old)
{
	if (!dp_digest_valid(digest))
		return qg_error(QG_EUSAGE, "'%s': expected sha256:<64 lowercase hex>",
				digest ? digest : "");
	return copy_manifest(dst, src, digest, tag, expect_old, 0);
}
