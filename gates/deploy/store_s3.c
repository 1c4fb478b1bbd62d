/* store_s3.c -- s3://BUCKET/PREFIX, an OCI image layout kept as S3 objects
 *
 * The objects are the files of store_layout.c's layout, so `aws s3 sync
 * s3://BUCKET/PREFIX DIR` gives a folder that oci-layout:DIR, skopeo and oras
 * read, and a layout synced up is an s3:// store:
 *
 *   PREFIX/oci-layout             {"imageLayoutVersion":"1.0.0"}
 *   PREFIX/index.json             an image index; a tag is an entry whose
 *                                 annotation org.opencontainers.image.ref.name
 *                                 is the tag; untagged entries list referrers
 *   PREFIX/blobs/sha256/<hex>     every blob and manifest, named by its digest
 *
 * Requests go through lib/net/s3.c (SigV4 from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION; AWS_ENDPOINT_URL for
 * MinIO/s3rver, path style); --ca-file and --insecure reach them through
 * qg_s3_set_tls() (a private endpoint's CA, a self-signed test server).
 * Requests that fail for want of an answer, or with 429/5xx, are retried
 * three times with backoff (0.25, 0.5, 1 s): reads, HEADs, blob PUTs and
 * parts (all idempotent: the key is the content's digest), creating and
 * completing an upload (a completion whose answer was lost is recognised by
 * HEAD). A download cut short resumes where it stopped (Range).
 *
 * Blobs. S3 has no rename, so "write under a temporary name, rename once the
 * hash matches" becomes: know the digest before the object is named, and make
 * the object appear only once its bytes are verified.
 *   - Up to the part size (--chunk-size, default 8 MiB) the blob is read once
 *     into memory, hashed, and sent in one PUT signed with its SHA-256
 *     (x-amz-content-sha256): S3 itself refuses a body that arrives other than
 *     it was hashed, and a PUT is atomic.
 *   - Larger blobs go through a multipart upload to blobs/sha256/<hex>, four
 *     parts in flight at once on the task pool (memory stays flat: four part
 *     buffers), each part signed with its own SHA-256 while the blob's digest
 *     takes the parts in order. The object appears only at
 *     CompleteMultipartUpload, which is sent only once the bytes sent hash to
 *     the digest; any failure aborts the upload. When the caller knows the
 *     digest (`expect`: copies between stores) that is one pass over the
 *     source. When it does not (push of a
 *     local file), the file is hashed first and read again while uploading:
 *     the cost is a second local read, and the gain is that a blob already in
 *     the bucket (HEAD) is never sent at all, which a re-push relies on. The
 *     alternative -- upload to uploads/<random> while hashing, then
 *     CopyObject to the digest's key -- sends every byte even when the blob
 *     is there, copies it again server-side (UploadPartCopy past 5 GiB), and
 *     leaves garbage behind a crash. A file that changes between the two
 *     reads no longer hashes to the digest: the upload is aborted (QG_EIO).
 *   - Sources that cannot be read twice (pipes) are refused past the part
 *     size.
 *
 * Tags. index.json is read, changed and written back with a condition: the
 * ETag it was read with (If-Match), or If-None-Match: * when it did not exist.
 * AWS S3 and MinIO refuse the write (412) when someone else wrote in between,
 * and the whole read-check-write is retried, so expect_old is a real
 * compare-and-swap there. s3rver ignores the conditions: there the ETag is
 * re-read (HEAD) just before the write, which narrows the race to that gap
 * but cannot close it (best effort, as deploy.h allows remote stores). A tag
 * is written only after every blob its manifest names is present (HEAD) with
 * the size the manifest gives.
 *
 * Referrers are found as in the layout: manifests listed in index.json whose
 * subject is the digest (referrer_add is a no-op), so a bucket synced to disk
 * keeps its evidence attached.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qgate/http.h"
#include "qgate/json.h"
#include "qgate/pool.h"
#include "qgate/s3.h"
#include "qgate/sha256.h"

#include "deploy.h"

#define REF_NAME DP_ANN_REF_NAME
#define MAX_MANIFEST ((size_t)4 << 20)
#define MAX_INDEX ((size_t)64 << 20) /* lib/net/http.c's default body cap */
#define DEFAULT_PART ((size_t)8 << 20)
#define MAX_PART ((size_t)5 << 30) /* S3's limit per part */
#define MAX_PARTS 10000
#define RETRIES 3
#define CAS_ATTEMPTS 8
#define UPLOAD_JOBS 4 /* parts in flight at once */

struct s3store {
	struct dp_store base;
	char *bucket;
	char *prefix; /* "" or "a/b" (no trailing '/') */
	size_t part_size;
};

static const struct dp_store_ops s3_ops;

/* ------------------------------------------------------------------ names and requests */

static int key_of(struct qg_buf *out, const struct s3store *s, const char *rel)
{
	qg_buf_reset(out);
	if ((*s->prefix ? qg_buf_addf(out, "%s/%s", s->prefix, rel) : qg_buf_addstr(out, rel)) < 0)
		return qg_error(QG_ETOOBIG, "'s3://%s/%s': key too long", s->bucket, s->prefix);
	return 0;
}

static int blob_key(struct qg_buf *out, const struct s3store *s, const char *digest)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
	return key_of(out, s, rel);
}



static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Worth another try: no answer at all, a timeout, throttling, a server error. */
static int transient(int err, long status)
{
	if (err == QG_ENOMEM || err == QG_EUSAGE)
		return 0;
	return (err == QG_ENET || err == QG_ETIMEOUT) &&
	       (status == 0 || status == 429 || status >= 500);
}

static void backoff(int attempt)
{
	sleep_ms(250L << attempt);
}

/* One idempotent request, retried when transient. */
static int s3_do(struct s3store *s, struct qg_http_resp *resp, const char *method, const char *key,
		 const char *query, const char *const *headers, const void *body, size_t len,
		 unsigned flags)
{
	int err, attempt;

	for (attempt = 0;; attempt++) {
		err = qg_s3_request(resp, method, s->bucket, key, query, headers, body, len, flags);
		if (!err && resp->status >= 500 && (flags & QG_HTTP_ACCEPT_ANY_STATUS))
			err = QG_ENET; /* retried below; the caller sees the status */
		if (!transient(err, resp->status) || attempt >= RETRIES)
			break;
		backoff(attempt);
	}
	if (err == QG_ENET && (flags & QG_HTTP_ACCEPT_ANY_STATUS) && resp->status >= 500)
		err = 0;
	return err;
}

/* HEAD: 0 present (size, ETag filled when asked), QG_ENOTFOUND (no message)
 * when absent, else an error naming the object. */
static int s3_head(struct s3store *s, const char *key, long long *size, struct qg_buf *etag)
{
	struct qg_http_resp resp;
	struct qg_buf v = QG_BUF_INIT(64);
	int err;

	qg_http_resp_init(&resp);
	err = s3_do(s, &resp, "HEAD", key, NULL, NULL, NULL, 0,
		    QG_HTTP_HEAD | QG_HTTP_ACCEPT_ANY_STATUS);
	if (err < 0)
		goto done;
	if (resp.status == 404) {
		err = QG_ENOTFOUND;
	} else if (resp.status == 401 || resp.status == 403) {
		err = qg_error(
			QG_ENET,
			"'s3://%s/%s': HTTP %ld: access denied (check AWS_ACCESS_KEY_ID and "
			"AWS_SECRET_ACCESS_KEY; S3 also answers 403 for a missing object when the "
			"credentials may not list the bucket)",
			s->bucket, key, resp.status);
	} else if (resp.status < 200 || resp.status >= 300) {
		err = qg_error(QG_ENET, "'s3://%s/%s': HEAD answered HTTP %ld", s->bucket, key,
			       resp.status);
	} else {
		if (size) {
			char *end;

			*size = -1;
			if (qg_http_resp_header(&resp, "Content-Length", &v) == 0) {
				errno = 0;
				*size = strtoll(v.buf, &end, 10);
				if (errno || *end || *size < 0)
					*size = -1;
			}
			if (*size < 0)
				err = qg_error(
					QG_ENET,
					"'s3://%s/%s': HEAD answered without a usable Content-Length",
					s->bucket, key);
		}
		if (!err && etag && qg_http_resp_header(&resp, "ETag", etag) < 0)
			qg_buf_reset(etag);
	}
done:
	qg_buf_release(&v);
	qg_http_resp_release(&resp);
	return err;
}

/* GET a small object whole into out: 0, QG_ENOTFOUND (no message) when
 * absent, QG_EINPUT when larger than max, else an error naming it. */
static int s3_get_small(struct s3store *s, const char *key, struct qg_buf *out, size_t max,
			struct qg_buf *etag)
{
	struct qg_http_resp resp;
	int err;

	qg_http_resp_init(&resp);
	err = s3_do(s, &resp, "GET", key, NULL, NULL, NULL, 0, 0);
	if (err < 0 && resp.status == 404) {
		qg_error_clear();
		err = QG_ENOTFOUND;
	}
	if (err < 0)
		goto done;
	if (resp.body.len > max) {
		err = qg_error(QG_EINPUT, "'s3://%s/%s': %zu bytes, more than the %zu allowed",
			       s->bucket, key, resp.body.len, max);
		goto done;
	}
	if (qg_buf_add(out, resp.body.buf, resp.body.len) < 0) {
		err = qg_error(QG_ETOOBIG, "'s3://%s/%s': too large for its buffer", s->bucket,
			       key);
		goto done;
	}
	if (etag && qg_http_resp_header(&resp, "ETag", etag) < 0)
		qg_buf_reset(etag);
done:
	qg_http_resp_release(&resp);
	return err;
}

static int s3_put_plain(struct s3store *s, const char *key, const void *data, size_t len,
			const char *content_type)
{
	struct qg_http_resp resp;
	struct qg_buf ct = QG_BUF_INIT(256);
	const char *hdrs[2] = { NULL, NULL };
	int err = 0;

	qg_http_resp_init(&resp);
	if (content_type) {
		if (qg_buf_addf(&ct, "Content-Type: %s", content_type) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
		hdrs[0] = ct.buf;
	}
	if (!err)
		err = s3_do(s, &resp, "PUT", key, NULL, content_type ? hdrs : NULL,
			    data ? data : "", len, 0);
	qg_buf_release(&ct);
	qg_http_resp_release(&resp);
	return err;
}

/* ------------------------------------------------------------------ opening */

static int layout_check(struct s3store *s, const struct dp_store_opts *o)
{
	static const char layout_json[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	static const char index_json[] = "{\"schemaVersion\":2,\"mediaType\":\"" DP_MT_INDEX
					 "\",\"manifests\":[]}";
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL), body = QG_BUF_INIT(65536);
	struct qg_json *j = NULL;
	const char *v;
	int err;

	err = key_of(&key, s, "oci-layout");
	if (!err)
		err = s3_get_small(s, key.buf, &body, 65536, NULL);
	if (err == QG_ENOTFOUND) {
		struct qg_buf ikey = QG_BUF_INIT(QG_CAP_URL);
		long long isize;
		int has_index;

		err = key_of(&ikey, s, "index.json");
		has_index = !err && s3_head(s, ikey.buf, &isize, NULL) == 0;
		qg_buf_release(&ikey);
		/* an index without oci-layout is someone else's: refuse, as the layout does */
		if (!err && (!(o && o->create) || has_index))
			err = qg_error(QG_EINPUT,
				       "'s3://%s/%s': missing (not an OCI image layout%s)",
				       s->bucket, key.buf, has_index ? "" : "; push creates one");
		if (!err)
			err = s3_put_plain(s, key.buf, layout_json, sizeof(layout_json) - 1,
					   "application/json");
		if (err)
			goto done;
	} else if (err) {
		goto done;
	} else {
		if ((err = qg_json_parse(&j, body.buf, body.len, key.buf)) < 0) {
			err = qg_error(QG_EINPUT, "'s3://%s/%s': %s", s->bucket, key.buf,
				       qg_error_last());
			goto done;
		}
		v = qg_json_string(qg_json_get(j, "imageLayoutVersion"));
		if (!v || strncmp(v, "1.", 2)) {
			err = qg_error(QG_EINPUT,
				       "'s3://%s/%s': imageLayoutVersion '%s' (expected 1.x)",
				       s->bucket, key.buf, v ? v : "(none)");
			goto done;
		}
	}
	err = key_of(&key, s, "index.json");
	if (!err) {
		long long size;

		err = s3_head(s, key.buf, &size, NULL);
		if (err == QG_ENOTFOUND) {
			if (o && o->create) {
				err = qg_s3_put_if(NULL, s->bucket, key.buf, NULL, NULL, index_json,
						   sizeof(index_json) - 1);
				if (err == QG_ECONFLICT)
					err = 0; /* another push created it meanwhile */
			} else {
				err = qg_error(
					QG_EINPUT,
					"'s3://%s/%s': missing (an OCI image layout needs an index.json)",
					s->bucket, key.buf);
			}
		}
	}
done:
	qg_json_free(j);
	qg_buf_release(&key);
	qg_buf_release(&body);
	return err;
}

int dp_store_s3_open(struct dp_store **out, const struct dp_ref *ref, const struct dp_store_opts *o)
{
	struct s3store *s;
	int err;

	*out = NULL;
	if (ref->kind != DP_S3 || !ref->host || !*ref->host || !ref->repo)
		return qg_error(QG_EUSAGE, "'%s': not an s3:// reference",
				ref->text ? ref->text : "");
	if (o && o->chunk_size &&
	    (o->chunk_size < 1024 || (unsigned long long)o->chunk_size > MAX_PART))
		return qg_error(QG_EUSAGE, "--chunk-size %lld: expected 1024..%zu bytes for s3://",
				o->chunk_size, MAX_PART);
	/* --ca-file and --insecure apply to every transfer of the command, S3's included */
	if (o && (o->ca_file || o->insecure))
		qg_s3_set_tls(o->ca_file, o->insecure);
	s = calloc(1, sizeof(*s));
	if (!s)
		return qg_error(QG_ENOMEM, "out of memory");
	s->base.ops = &s3_ops;
	s->base.ref.kind = DP_S3;
	s->base.ref.text = qg_strdup(ref->text);
	s->base.ref.host = qg_strdup(ref->host);
	s->base.ref.repo = qg_strdup(ref->repo);
	s->bucket = qg_strdup(ref->host);
	s->prefix = qg_strdup(ref->repo);
	s->part_size = o && o->chunk_size ? (size_t)o->chunk_size : DEFAULT_PART;
	if (!s->base.ref.text || !s->base.ref.host || !s->base.ref.repo || !s->bucket ||
	    !s->prefix) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t n = strlen(s->prefix); n && s->prefix[n - 1] == '/';)
		s->prefix[--n] = '\0';
	if ((err = layout_check(s, o)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	s3_ops.close(&s->base);
	return err;
}

static void s3_close(struct dp_store *st)
{
	struct s3store *s = (struct s3store *)st;

	if (!s)
		return;
	free(s->bucket);
	free(s->prefix);
	dp_ref_release(&s->base.ref);
	free(s);
}

/* ------------------------------------------------------------------ blobs */

static int s3_blob_has(struct dp_store *st, const char *digest, long long *size)
{
	struct s3store *s = (struct s3store *)st;
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL);
	long long have = -1;
	int err;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = blob_key(&key, s, digest);
	if (!err)
		err = s3_head(s, key.buf, &have, NULL);
	if (!err && size)
		*size = have;
	qg_buf_release(&key);
	return err;
}

static int read_full(int fd, char *buf, size_t want, size_t *got, const char *name)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(fd, buf + *got, want - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qg_error(QG_EINPUT, "'%s': %s", name, strerror(errno));
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static int hash_hex(char digest[DP_DIGEST_SIZE], const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];
	int err = qg_sha256_hex(hex, data, len);

	if (!err)
		snprintf(digest, DP_DIGEST_SIZE, "sha256:%s", hex);
	return err;
}

/* One part, retried when transient; its ETag into etag. */
static int part_put(struct s3store *s, const char *key, const char *upload_id, int n,
		    const void *data, size_t len, struct qg_buf *etag)
{
	int err, attempt;

	for (attempt = 0;; attempt++) {
		err = qg_s3_multipart_part(etag, s->bucket, key, upload_id, n, data, len);
		if (!transient(err, 0) || attempt >= RETRIES)
			break;
		backoff(attempt);
	}
	return err;
}

/* The object under key has this size (a HEAD that fails leaves the recorded
 * error as it was). */
static int present_with_size(struct s3store *s, const char *key, long long size)
{
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	long long have = -1;
	int code = qg_error_code(), yes;

	if (qg_buf_addstr(&msg, qg_error_last()) < 0)
		qg_buf_reset(&msg);
	yes = s3_head(s, key, &have, NULL) == 0 && have == size;
	if (code)
		qg_error(code, "%s", msg.buf);
	qg_buf_release(&msg);
	return yes;
}

/* CompleteMultipartUpload, retried when transient. An attempt whose answer
 * was lost may have completed the upload: the retry then finds it gone (AWS:
 * 404 NoSuchUpload; s3rver: 500), so after any failure the object's HEAD is
 * asked first: there with the size sent is done (the key is the digest the
 * parts were verified against). */
static int complete(struct s3store *s, const char *key, const char *upload_id,
		    const struct qg_strvec *etags, long long size)
{
	int err, attempt;

	for (attempt = 0;; attempt++) {
		err = qg_s3_multipart_complete(NULL, s->bucket, key, upload_id, etags);
		if (err < 0 && err != QG_ENOMEM && present_with_size(s, key, size)) {
			qg_error_clear();
			return 0;
		}
		if (!transient(err, 0) || attempt >= RETRIES)
			return err;
		backoff(attempt);
	}
}

/* A multipart upload in flight: UPLOAD_JOBS parts are read and sent at once
 * (the pool's threads, one part buffer each), while the blob's SHA-256 is fed
 * the parts strictly in order (a part waits for its turn to hash, under mu). */
struct upload {
	struct s3store *s;
	const char *key, *upload_id, *name;
	int fd;           /* read with pread(), or -1 */
	const char *data; /* or the bytes in memory */
	long long size;
	size_t part, nr_parts;
	char *bufs[UPLOAD_JOBS];
	struct qg_buf *etags; /* one per part */
	struct qg_sha256 *h;
	pthread_mutex_t mu;
	pthread_cond_t turn;
	size_t next_hash;  /* the part whose bytes go into h next */
	int failed;        /* the first failure's code, 0 while none */
	struct qg_buf msg; /* and its message */
	long long sent;
};

static void upload_fail(struct upload *u, int err)
{
	pthread_mutex_lock(&u->mu);
	if (!u->failed) {
		u->failed = err;
		qg_buf_reset(&u->msg);
		if (qg_buf_addstr(&u->msg, qg_error_last()) < 0)
			qg_buf_reset(&u->msg);
	}
	pthread_cond_broadcast(&u->turn);
	pthread_mutex_unlock(&u->mu);
}

static void upload_part(void *ctx, size_t task, int worker)
{
	struct upload *u = ctx;
	long long off = (long long)task * (long long)u->part;
	size_t len = (size_t)(u->size - off < (long long)u->part ? u->size - off :
								   (long long)u->part),
	       got = 0;
	const char *p;
	int err = 0;

	pthread_mutex_lock(&u->mu);
	err = u->failed;
	pthread_mutex_unlock(&u->mu);
	if (err)
		return;
	if (u->fd >= 0) {
		if (!u->bufs[worker] && !(u->bufs[worker] = malloc(u->part))) {
			upload_fail(u, qg_error(QG_ENOMEM, "out of memory (a %zu-byte part buffer)",
						u->part));
			return;
		}
		while (got < len) {
			ssize_t n = pread(u->fd, u->bufs[worker] + got, len - got,
					  (off_t)(off + (long long)got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				upload_fail(u, qg_error(QG_EINPUT, "'%s': %s", u->name,
							strerror(errno)));
				return;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (got < len) {
			upload_fail(
				u,
				qg_error(QG_EIO,
					 "'%s': changed while being pushed (shorter than the %lld bytes "
					 "hashed)",
					 u->name, u->size));
			return;
		}
		p = u->bufs[worker];
	} else {
		p = u->data + off;
	}
	/* the blob's digest takes the parts in order */
	pthread_mutex_lock(&u->mu);
	while (!u->failed && u->next_hash != task)
		pthread_cond_wait(&u->turn, &u->mu);
	if (!u->failed) {
		err = qg_sha256_update(u->h, p, len);
		u->next_hash++;
		pthread_cond_broadcast(&u->turn);
	}
	pthread_mutex_unlock(&u->mu);
	if (err) {
		upload_fail(u, err);
		return;
	}
	if ((err = part_put(u->s, u->key, u->upload_id, (int)task + 1, p, len, &u->etags[task])) <
	    0) {
		upload_fail(u, err);
		return;
	}
	pthread_mutex_lock(&u->mu);
	u->sent += (long long)len;
	pthread_mutex_unlock(&u->mu);
}

/* Multipart upload of `size` bytes to the key of `digest`, from fd or from
 * data; the bytes must hash to digest, else the upload is aborted: QG_EINPUT
 * when the caller only claimed the digest (claimed = 1), QG_EIO when the file
 * changed since it was hashed. Memory: UPLOAD_JOBS part buffers at most. */
static int upload_multipart(struct s3store *s, int fd, const char *data, long long size,
			    const char *digest, int claimed, const char *name)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL), msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_strvec etags = QG_STRVEC_INIT;
	struct upload u;
	char *upload_id = NULL, hex[QG_SHA256_HEX];
	size_t i;
	int err, code, jobs;

	memset(&u, 0, sizeof(u));
	u.part = s->part_size;
	/* at most 10000 parts: grow the part size for very large blobs (in MiB) */
	if ((unsigned long long)size > (unsigned long long)u.part * MAX_PARTS) {
		u.part = (size_t)(((unsigned long long)size + MAX_PARTS - 1) / MAX_PARTS);
		u.part = (u.part + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
		if (u.part > MAX_PART)
			return qg_error(QG_EINPUT,
					"'%s': %lld bytes, more than S3's 10000 parts of 5 GiB",
					name, size);
	}
	u.nr_parts = (size_t)((size + (long long)u.part - 1) / (long long)u.part);
	u.s = s;
	u.name = name;
	u.fd = fd;
	u.data = data;
	u.size = size;
	pthread_mutex_init(&u.mu, NULL);
	pthread_cond_init(&u.turn, NULL);
	qg_buf_init(&u.msg, QG_CAP_MESSAGE);
	err = blob_key(&key, s, digest);
	if (!err && !(u.etags = calloc(u.nr_parts, sizeof(*u.etags))))
		err = qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; !err && i < u.nr_parts; i++)
		qg_buf_init(&u.etags[i], 1024);
	if (!err)
		err = qg_sha256_new(&u.h);
	for (int attempt = 0; !err; attempt++) {
		err = qg_s3_multipart_create(&upload_id, s->bucket, key.buf, NULL);
		if (!transient(err, 0) || attempt >= RETRIES)
			break;
		backoff(attempt);
		err = 0;
	}
	if (err)
		goto done;
	u.key = key.buf;
	u.upload_id = upload_id;
	jobs = u.nr_parts < UPLOAD_JOBS ? (int)u.nr_parts : UPLOAD_JOBS;
	qg_pool_run(u.nr_parts, jobs, upload_part, &u);
	s->base.bytes_sent += u.sent;
	if (u.failed) {
		err = qg_error(u.failed, "%s", u.msg.buf);
		goto done;
	}
	err = qg_sha256_final(u.h, hex);
	if (!err && strcmp(hex, digest + 7)) {
		if (claimed)
			err = qg_error(QG_EINPUT, "'%s': hashes to sha256:%s, expected %s", name,
				       hex, digest);
		else
			err = qg_error(
				QG_EIO,
				"'%s': changed while being pushed (sha256:%s, hashed before as %s)",
				name, hex, digest);
	}
	for (i = 0; !err && i < u.nr_parts; i++)
		if (qg_strvec_push(&etags, u.etags[i].buf) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
	if (!err)
		err = complete(s, key.buf, upload_id, &etags, size);
done:
	if (err && upload_id) {
		/* keep the first error: abort's own would replace it */
		code = qg_error_code();
		if (qg_buf_addstr(&msg, qg_error_last()) < 0)
			qg_buf_reset(&msg);
		if (qg_s3_multipart_abort(s->bucket, key.buf, upload_id) < 0)
			qg_error_clear();
		qg_error(code ? code : err, "%s", msg.buf);
	}
	for (i = 0; i < UPLOAD_JOBS; i++)
		free(u.bufs[i]);
	for (i = 0; u.etags && i < u.nr_parts; i++)
		qg_buf_release(&u.etags[i]);
	free(u.etags);
	free(upload_id);
	qg_sha256_free(u.h);
	qg_strvec_clear(&etags);
	qg_buf_release(&key);
	qg_buf_release(&msg);
	qg_buf_release(&u.msg);
	pthread_mutex_destroy(&u.mu);
	pthread_cond_destroy(&u.turn);
	return err;
}

/* The blob is there with this size: skip. 1 skipped, 0 not there, <0 error. */
static int already(struct s3store *s, const char *digest, long long size, struct dp_desc *out,
		   int *skipped)
{
	long long have = -1;
	int err = s3_blob_has(&s->base, digest, &have);

	if (err == QG_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (size >= 0 && have != size)
		return 0; /* damaged or other bytes under that name: replaced */
	memcpy(out->digest, digest, DP_DIGEST_SIZE);
	out->size = have;
	*skipped = 1;
	s->base.blobs_skipped++;
	return 1;
}

/* Bytes in memory: hash, skip when present, else one PUT (or parts). */
static int put_memory(struct s3store *s, const void *data, size_t len, const char *expect,
		      const char *name, struct dp_desc *out, int *skipped)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL);
	char digest[DP_DIGEST_SIZE];
	int err;

	if ((err = hash_hex(digest, data, len)) < 0)
		return err;
	if (expect && *expect && strcmp(expect, digest))
		return qg_error(QG_EINPUT, "'%s': hashes to %s, expected %s", name, digest, expect);
	memcpy(out->digest, digest, DP_DIGEST_SIZE);
	out->size = (long long)len;
	if ((err = already(s, digest, (long long)len, out, skipped)) != 0)
		return err < 0 ? err : 0;
	if (len > s->part_size) {
		err = upload_multipart(s, -1, data, (long long)len, digest, 0, name);
	} else {
		err = blob_key(&key, s, digest);
		if (!err)
			err = s3_put_plain(s, key.buf, data, len, NULL);
		if (!err)
			s->base.bytes_sent += (long long)len;
	}
	if (!err)
		s->base.blobs_sent++;
	qg_buf_release(&key);
	return err;
}

static int s3_blob_put(struct dp_store *st, const struct dp_source *src, const char *expect,
		       struct dp_desc *out, int *skipped)
{
	struct s3store *s = (struct s3store *)st;
	const char *name = src->path ? src->path : "(data)";
	struct qg_sha256 *h = NULL;
	char *buf = NULL, digest[DP_DIGEST_SIZE], hex[QG_SHA256_HEX];
	size_t got;
	struct stat sb;
	int err, fd = -1;

	*skipped = 0;
	if (expect && *expect && !dp_digest_valid(expect))
		return dp_bad_digest(expect);
	if (!src->path)
		return put_memory(s, src->data, src->len, expect, name, out, skipped);
	fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': %s", src->path, strerror(errno));
	if (fstat(fd, &sb) < 0) {
		err = qg_error(QG_EINPUT, "'%s': %s", src->path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = qg_error(QG_EINPUT, "'%s': is a folder (expected a file)", src->path);
		goto done;
	}
	if (!S_ISREG(sb.st_mode) || (unsigned long long)sb.st_size <= s->part_size) {
		/* small, or a pipe: one read into memory (one byte more tells a file that
		 * grew, or a pipe too long) */
		size_t want = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : s->part_size + 1;

		if (!(buf = malloc(want))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		if ((err = read_full(fd, buf, want, &got, src->path)) < 0)
			goto done;
		if (got > s->part_size) {
			err = qg_error(
				QG_EINPUT,
				"'%s': not a regular file and larger than the %zu-byte part size "
				"(s3:// reads a large blob twice: give a file, or a larger --chunk-size)",
				src->path, s->part_size);
			goto done;
		}
		if (S_ISREG(sb.st_mode) && (long long)got != (long long)sb.st_size) {
			err = qg_error(QG_EIO,
				       "'%s': changed while being read (%zu bytes, %lld expected)",
				       src->path, got, (long long)sb.st_size);
			goto done;
		}
		err = put_memory(s, buf, got, expect, name, out, skipped);
		goto done;
	}
	if (expect && *expect) {
		/* the digest is known: skip, or one pass that commits only if it holds */
		memcpy(out->digest, expect, DP_DIGEST_SIZE);
		out->size = (long long)sb.st_size;
		if ((err = already(s, expect, (long long)sb.st_size, out, skipped)) != 0)
			goto done;
		err = upload_multipart(s, fd, NULL, (long long)sb.st_size, expect, 1, name);
		if (!err)
			s->base.blobs_sent++;
		goto done;
	}
	/* first pass: the digest, so that a blob already there is not sent */
	if (!(buf = malloc((size_t)1 << 20))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	{
		long long total = 0;

		err = qg_sha256_new(&h);
		while (!err) {
			if ((err = read_full(fd, buf, (size_t)1 << 20, &got, src->path)) < 0 ||
			    !got)
				break;
			total += (long long)got;
			err = qg_sha256_update(h, buf, got);
		}
		if (!err)
			err = qg_sha256_final(h, hex);
		if (!err && total != (long long)sb.st_size)
			err = qg_error(QG_EIO,
				       "'%s': changed while being read (%lld bytes, %lld expected)",
				       src->path, total, (long long)sb.st_size);
		if (err)
			goto done;
	}
	free(buf);
	buf = NULL;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	memcpy(out->digest, digest, DP_DIGEST_SIZE);
	out->size = (long long)sb.st_size;
	if ((err = already(s, digest, (long long)sb.st_size, out, skipped)) != 0)
		goto done;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = qg_error(QG_EINPUT, "'%s': cannot read it again: %s", src->path,
			       strerror(errno));
		goto done;
	}
	err = upload_multipart(s, fd, NULL, (long long)sb.st_size, digest, 0, name);
	if (!err)
		s->base.blobs_sent++;
done:
	if (err > 0)
		err = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	qg_sha256_free(h);
	return err;
}

/* Open the blob's stream from byte `offset` on, retried when transient; *skip
 * gets how many bytes of it to drop (a server that ignored the range sends
 * the object from its start). */
static int stream_open(struct s3store *s, struct qg_http_stream **hs, const char *url,
		       long long offset, long long *skip)
{
	struct qg_buf cr = QG_BUF_INIT(256);
	long status = 0;
	int err = 0, attempt;

	*skip = 0;
	for (attempt = 0;; attempt++) {
		err = qg_s3_stream_get_from(hs, url, offset, &status);
		if (!transient(err, status) || attempt >= RETRIES)
			break;
		backoff(attempt);
	}
	if (err < 0 && status == 404) {
		qg_error_clear();
		return QG_ENOTFOUND;
	}
	if (err < 0 || offset <= 0)
		return err;
	if (status == 200) {
		*skip = offset;
	} else if (status != 206 || qg_http_stream_header(*hs, "Content-Range", &cr) < 0 ||
		   strncmp(cr.buf, "bytes ", 6) || strtoll(cr.buf + 6, NULL, 10) != offset) {
		err = qg_error(QG_ENET, "'%s': resuming at byte %lld: answered %ld '%s'", url,
			       offset, status, cr.buf);
		qg_http_stream_free(*hs);
		*hs = NULL;
	}
	qg_buf_release(&cr);
	return err;
}

/* Stream a blob to fd or into buf (fd < 0), verifying its digest. A download
 * cut short is resumed where it stopped (Range), RETRIES times; the digest
 * over everything kept decides. */
static int blob_read(struct s3store *s, const char *digest, int fd, struct qg_buf *buf, size_t max)
{
	struct qg_buf url = QG_BUF_INIT(QG_CAP_URL), key = QG_BUF_INIT(QG_CAP_URL);
	struct qg_http_stream *hs = NULL;
	struct qg_sha256 *h = NULL;
	char hex[QG_SHA256_HEX], *chunk = NULL;
	long long size = 0, skip = 0;
	int err, resumes = 0;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = blob_key(&key, s, digest);
	if (!err && qg_buf_addf(&url, "s3://%s/%s", s->bucket, key.buf) < 0)
		err = qg_error(QG_ENOMEM, "out of memory");
	if (!err)
		err = stream_open(s, &hs, url.buf, 0, &skip);
	if (!err)
		err = qg_sha256_new(&h);
	if (!err && !(chunk = malloc((size_t)1 << 20)))
		err = qg_error(QG_ENOMEM, "out of memory");
	while (!err) {
		ssize_t n = qg_http_stream_read(hs, chunk, (size_t)1 << 20);
		const char *p = chunk;

		if (n < 0 && transient((int)n, 0) && resumes < RETRIES) {
			qg_http_stream_free(hs);
			hs = NULL;
			backoff(resumes++);
			err = stream_open(s, &hs, url.buf, size, &skip);
			continue;
		}
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (skip) {
			long long drop = skip < n ? skip : (long long)n;

			skip -= drop;
			p += drop;
			n -= (ssize_t)drop;
			if (!n)
				continue;
		}
		size += n;
		err = qg_sha256_update(h, p, (size_t)n);
		if (!err && fd >= 0) {
			size_t left = (size_t)n;

			while (left && !err) {
				ssize_t w = write(fd, p, left);

				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					err = qg_error(QG_EIO, "temporary copy of %s: %s", digest,
						       strerror(errno));
				else {
					p += w;
					left -= (size_t)w;
				}
			}
		}
		if (!err && fd < 0) {
			if ((size_t)size > max)
				err = qg_error(QG_ETOOBIG, "'%s': more than the %zu bytes allowed",
					       url.buf, max);
			else if (qg_buf_add(buf, p, (size_t)n) < 0)
				err = qg_error(QG_ETOOBIG, "'%s': too large for its buffer",
					       url.buf);
		}
	}
	if (!err)
		err = qg_sha256_final(h, hex);
	if (!err && strcmp(hex, digest + 7))
		err = qg_error(
			QG_EINPUT,
			"'%s': digest mismatch: the object hashes to sha256:%s (damaged blob)",
			url.buf, hex);
	if (!err)
		s->base.bytes_received += size;
	qg_http_stream_free(hs);
	qg_sha256_free(h);
	free(chunk);
	qg_buf_release(&url);
	qg_buf_release(&key);
	return err;
}

static int s3_blob_get(struct dp_store *st, const char *digest, struct qg_buf *out, size_t max)
{
	return blob_read((struct s3store *)st, digest, -1, out, max);
}

static int s3_blob_to_fd(struct dp_store *st, const char *digest, int fd)
{
	int err = blob_read((struct s3store *)st, digest, fd, NULL, 0);

	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': blob %s not found", st->ref.text, digest);
	return err;
}

/* ------------------------------------------------------------------ index.json */

/* Read index.json: QG_ENOTFOUND (no message) when absent; its ETag into etag. */
static int index_read(struct s3store *s, struct dp_manifest *idx, struct qg_buf *etag)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL), body = QG_BUF_INIT(MAX_INDEX),
		      name = QG_BUF_INIT(QG_CAP_URL);
	int err;

	memset(idx, 0, sizeof(*idx));
	err = key_of(&key, s, "index.json");
	if (!err && qg_buf_addf(&name, "s3://%s/%s", s->bucket, key.buf) < 0)
		err = qg_error(QG_ENOMEM, "out of memory");
	if (!err)
		err = s3_get_small(s, key.buf, &body, MAX_INDEX, etag);
	if (!err)
		err = dp_manifest_parse(idx, body.buf, body.len, name.buf);
	if (!err && !idx->is_index) {
		dp_manifest_release(idx);
		err = qg_error(QG_EINPUT,
			       "'%s': expected an image index (%s), found an image manifest",
			       name.buf, DP_MT_INDEX);
	}
	qg_buf_release(&key);
	qg_buf_release(&body);
	qg_buf_release(&name);
	return err;
}

static int index_missing(struct s3store *s)
{
	return qg_error(QG_EINPUT, "'s3://%s/%s%sindex.json': missing (not an OCI image layout)",
			s->bucket, s->prefix, *s->prefix ? "/" : "");
}

/* Write index.json if it is still as read (etag; NULL = it must not exist).
 * QG_ECONFLICT (no message) when it changed. */
static int index_write(struct s3store *s, const struct dp_manifest *idx, const char *etag)
{
	struct qg_buf key = QG_BUF_INIT(QG_CAP_URL), body = QG_BUF_INIT(MAX_INDEX),
		      now = QG_BUF_INIT(1024);
	static const char *const hdrs[] = { "Content-Type: application/json", NULL };
	long long size;
	int err;

	err = key_of(&key, s, "index.json");
	if (!err)
		err = dp_manifest_write(idx, &body);
	if (err)
		goto done;
	/* servers that ignore If-Match (s3rver): look again just before writing */
	err = s3_head(s, key.buf, &size, &now);
	if (err == QG_ENOTFOUND ? etag != NULL : !err && (!etag || strcmp(now.buf, etag))) {
		err = QG_ECONFLICT;
		goto done;
	}
	if (err && err != QG_ENOTFOUND)
		goto done;
	/* a server that gives no ETag gets an unconditional write after the re-read ("") */
	err = qg_s3_put_if(NULL, s->bucket, key.buf, etag, hdrs, body.buf, body.len);
done:
	qg_buf_release(&key);
	qg_buf_release(&body);
	qg_buf_release(&now);
	return err;
}




/* ------------------------------------------------------------------ manifests and tags */

static int read_manifest(struct s3store *s, const char *digest, long long want_size,
			 struct qg_buf *body, struct dp_manifest *m)
{
	struct qg_buf name = QG_BUF_INIT(QG_CAP_URL);
	int err = blob_read(s, digest, -1, body, MAX_MANIFEST);

	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "'%s': manifest %s is listed in index.json but missing",
			       s->base.ref.text, digest);
	if (!err && want_size >= 0 && (long long)body->len != want_size)
		err = qg_error(QG_EINPUT, "'%s': index.json: %s is %zu bytes, the index says %lld",
			       s->base.ref.text, digest, body->len, want_size);
	if (!err && m) {
		if (qg_buf_addf(&name, "%s@%s", s->base.ref.text, digest) < 0)
			err = qg_error(QG_ENOMEM, "out of memory");
		else
			err = dp_manifest_parse(m, body->buf, body->len, name.buf);
	}
	qg_buf_release(&name);
	return err;
}

static int s3_manifest_get(struct dp_store *st, const char *tag_or_digest, struct qg_buf *body,
			   char digest[DP_DIGEST_SIZE], struct qg_buf *media_type)
{
	struct s3store *s = (struct s3store *)st;
	struct qg_buf b = QG_BUF_INIT(MAX_MANIFEST), etag = QG_BUF_INIT(1024);
	struct dp_manifest idx = { 0 }, m = { 0 };
	char d[DP_DIGEST_SIZE] = "";
	long at = -1;
	int err;

	if (!tag_or_digest || !*tag_or_digest)
		return qg_error(QG_EUSAGE, "'%s': no tag or digest given", st->ref.text);
	if (!strncmp(tag_or_digest, "sha256:", 7)) {
		if (!dp_digest_valid(tag_or_digest))
			return dp_bad_digest(tag_or_digest);
		memcpy(d, tag_or_digest, DP_DIGEST_SIZE);
		err = blob_read(s, d, -1, &b, MAX_MANIFEST); /* QG_ENOTFOUND: not there */
		if (!err) {
			struct qg_buf name = QG_BUF_INIT(QG_CAP_URL);

			if (qg_buf_addf(&name, "%s@%s", st->ref.text, d) < 0)
				err = qg_error(QG_ENOMEM, "out of memory");
			else
				err = dp_manifest_parse(&m, b.buf, b.len, name.buf);
			qg_buf_release(&name);
		}
		goto done;
	}
	if (!dp_tag_valid(tag_or_digest))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", st->ref.text, tag_or_digest);
	err = index_read(s, &idx, &etag);
	if (err == QG_ENOTFOUND)
		err = index_missing(s);
	if (!err)
		err = dp_index_find_tag(s->base.ref.text, &idx, tag_or_digest, &at);
	if (!err && at < 0)
		err = QG_ENOTFOUND;
	if (err)
		goto done;
	memcpy(d, idx.layers[at].digest, DP_DIGEST_SIZE);
	err = read_manifest(s, d, idx.layers[at].size, &b, &m);
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
	qg_buf_release(&etag);
	return err;
}

/* Every blob the manifest names is present with the size it gives. */
static int check_present(struct s3store *s, const struct dp_manifest *m, const char *what)
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
		err = s3_blob_has(&s->base, d->digest, &have);
		if (err == QG_ENOTFOUND)
			err = qg_error(QG_EINPUT, "'%s': cannot tag %s: %s is not in the bucket",
				       s->base.ref.text, what, d->digest);
		else if (!err && have != d->size)
			err = qg_error(
				QG_EINPUT,
				"'%s': cannot tag %s: %s is %lld bytes, the manifest says %lld",
				s->base.ref.text, what, d->digest, have, d->size);
	}
	return err;
}

static int cas_exhausted(struct s3store *s)
{
	return qg_error(QG_EIO,
			"'%s': index.json changed %d times while being updated (too many writers?)",
			s->base.ref.text, CAS_ATTEMPTS);
}

static int s3_manifest_put(struct dp_store *st, const char *tag, const void *body, size_t len,
			   const char *media_type, const char *expect_old)
{
	struct s3store *s = (struct s3store *)st;
	struct dp_manifest m = { 0 }, idx = { 0 };
	struct dp_desc d = { 0 };
	struct qg_buf etag = QG_BUF_INIT(1024), name = QG_BUF_INIT(QG_CAP_URL);
	char digest[DP_DIGEST_SIZE];
	int err, skipped, attempt, exists;
	long at = -1;
	size_t i;

	if (tag && !dp_tag_valid(tag))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", st->ref.text, tag);
	if (expect_old && *expect_old && !dp_digest_valid(expect_old))
		return dp_bad_digest(expect_old);
	if ((err = hash_hex(digest, body, len)) < 0)
		return err;
	if (qg_buf_addf(&name, "%s%s%s", st->ref.text, tag ? ":" : "@", tag ? tag : digest) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	err = dp_manifest_parse(&m, body, len, name.buf);
	if (!err && media_type && strcmp(media_type, m.media_type))
		err = qg_error(QG_EUSAGE, "manifest %s: media type '%s' given, the body says '%s'",
			       digest, media_type, m.media_type);
	if (!err)
		err = check_present(s, &m, tag ? tag : digest);
	if (!err)
		err = put_memory(s, body, len, digest, name.buf, &d, &skipped);
	for (attempt = 0; !err; attempt++) {
		if (attempt == CAS_ATTEMPTS) {
			err = cas_exhausted(s);
			break;
		}
		dp_manifest_release(&idx);
		qg_buf_reset(&etag);
		err = index_read(s, &idx, &etag);
		exists = err != QG_ENOTFOUND;
		if (!exists) {
			err = 0; /* created below, if nobody else does first */
			memset(&idx, 0, sizeof(idx));
			idx.is_index = 1;
			if (!(idx.media_type = qg_strdup(DP_MT_INDEX))) {
				err = qg_error(QG_ENOMEM, "out of memory");
				break;
			}
		}
		if (err)
			break;
		if (tag) {
			if ((err = dp_index_find_tag(s->base.ref.text, &idx, tag, &at)) < 0)
				break;
			if (expect_old && ((!*expect_old && at >= 0) ||
					   (*expect_old && (at < 0 || strcmp(idx.layers[at].digest,
									     expect_old))))) {
				err = QG_ECONFLICT;
				break;
			}
			if (at >= 0 && !strcmp(idx.layers[at].digest, digest) &&
			    !strcmp(idx.layers[at].media_type, m.media_type))
				break; /* the tag points there already */
			for (i = idx.nr_layers; i-- > 0;) {
				const char *n = dp_desc_annotation(&idx.layers[i], REF_NAME);

				if (n && !strcmp(n, tag))
					dp_index_remove(&idx, i);
			}
		} else {
			for (i = 0; i < idx.nr_layers; i++)
				if (!strcmp(idx.layers[i].digest, digest))
					break;
			if (i < idx.nr_layers)
				break; /* listed already: reachable, nothing to write */
		}
		err = dp_index_append(&idx, m.media_type, m.artifact_type, digest, (long long)len,
				   tag);
		if (!err)
			err = index_write(s, &idx, exists ? etag.buf : NULL);
		if (err == QG_ECONFLICT)
			err = 0; /* moved under us: read, check and write again */
		else
			break;
	}
done:
	dp_desc_release(&d);
	dp_manifest_release(&m);
	dp_manifest_release(&idx);
	qg_buf_release(&etag);
	qg_buf_release(&name);
	return err;
}

static int s3_tag_delete(struct dp_store *st, const char *tag)
{
	struct s3store *s = (struct s3store *)st;
	struct dp_manifest idx = { 0 };
	struct qg_buf etag = QG_BUF_INIT(1024);
	int err = 0, attempt, found;
	size_t i;

	if (!dp_tag_valid(tag))
		return qg_error(QG_EUSAGE, "'%s': malformed tag '%s'", st->ref.text, tag);
	for (attempt = 0; !err; attempt++) {
		if (attempt == CAS_ATTEMPTS) {
			err = cas_exhausted(s);
			break;
		}
		dp_manifest_release(&idx);
		qg_buf_reset(&etag);
		err = index_read(s, &idx, &etag);
		if (err == QG_ENOTFOUND)
			err = index_missing(s);
		if (err)
			break;
		found = 0;
		for (i = idx.nr_layers; i-- > 0;) {
			const char *n = dp_desc_annotation(&idx.layers[i], REF_NAME);

			if (n && !strcmp(n, tag)) {
				dp_index_remove(&idx, i);
				found = 1;
			}
		}
		if (!found) {
			err = QG_ENOTFOUND;
			break;
		}
		err = index_write(s, &idx, etag.buf);
		if (err == QG_ECONFLICT)
			err = 0;
		else
			break;
	}
	dp_manifest_release(&idx);
	qg_buf_release(&etag);
	return err;
}

/* ------------------------------------------------------------------ referrers */

static int s3_referrers(struct dp_store *st, const char *digest, const char *artifact_type,
			struct dp_desc **out, size_t *nr)
{
	struct s3store *s = (struct s3store *)st;
	struct dp_manifest idx = { 0 };
	struct qg_buf etag = QG_BUF_INIT(1024);
	size_t i, j;
	int err;

	if (!dp_digest_valid(digest))
		return dp_bad_digest(digest);
	err = index_read(s, &idx, &etag);
	if (err == QG_ENOTFOUND)
		err = index_missing(s);
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
		err = read_manifest(s, e->digest, e->size, &body, &m);
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
	qg_buf_release(&etag);
	return err;
}

static int s3_referrer_add(struct dp_store *st, const char *subject, const struct dp_desc *m)
{
	(void)st;
	(void)subject;
	(void)m;
	return 0; /* referrers() finds them through index.json, as in the layout */
}

static const struct dp_store_ops s3_ops = {
	.scheme = "s3",
	.blob_has = s3_blob_has,
	.blob_put = s3_blob_put,
	.blob_get = s3_blob_get,
	.blob_to_fd = s3_blob_to_fd,
	.blob_mount = NULL,
	.manifest_get = s3_manifest_get,
	.manifest_put = s3_manifest_put,
	.tag_delete = s3_tag_delete,
	.referrers = s3_referrers,
	.referrer_add = s3_referrer_add,
	.close = s3_close,
};
