/* store_oci.c -- oci://HOST[:PORT]/REPO: the OCI distribution API over lib/net/http.c
 *
 * Every struct dp_store_ops call is one or a few requests to /v2/<repo>/...;
 * authentication (Basic or the Bearer token flow) is registry_auth.c's. The
 * store is opened with a GET /v2/ that learns what the registry wants; with
 * --insecure it tries https without verification first and falls back to
 * plain http, otherwise it is https with the peer verified (--ca-file gives
 * the CA bundle).
 *
 * Blobs. The digest a blob is announced under is known before a byte is sent:
 * the caller's `expect`, or for in-memory bytes their hash, or for a file a
 * hashing pass over it (page cache; qg_sha256_file_stamp). That costs a read
 * but is what makes a push resumable: a HEAD finds every blob a killed push
 * already finished, and none is sent twice. The bytes are hashed again as
 * they are sent; the last bytes of a monolithic PUT are withheld, and the
 * final PUT ?digest= of a chunked upload is never sent, unless that hash is
 * the announced digest (and the file's stamp is unchanged), so the registry
 * never commits bytes under a digest they do not have -- it checks the digest
 * itself as well. Up to the chunk size (--chunk-size, default 64 MiB) a blob
 * goes as POST + one PUT; above it as POST + PATCHes of chunk bytes
 * (Content-Range) + PUT. Why 64 MiB: each PATCH costs a round trip and, in
 * docker-registry 2.8, a resume of the upload and its hash state (40-130 ms
 * measured here), so 8 MiB chunks made a 1 GB push 1.4x slower than one PUT;
 * 64 MiB stays under the 100 MB request limits common in front of
 * registries. A failed upload is retried whole (a new session);
 * finished blobs are not resent.
 *
 * Retries: connection errors and 429/500/502/503/504 are retried with
 * exponential backoff (0.5 s doubling to 8 s, 5 attempts), waiting at least
 * what Retry-After asks (up to 60 s). A 401 is answered once with the
 * challenge's credentials.
 *
 * Tags. Registries have no compare-and-swap: manifest_put with expect_old
 * re-reads the tag (HEAD) just before the PUT and returns QG_ECONFLICT when it
 * moved; a writer between that HEAD and the PUT is not seen (best effort, as
 * deploy.h says). Deleting a tag is optional in the distribution spec: where
 * the registry refuses DELETE of a tag (distribution 2.x answers 405/400
 * UNSUPPORTED) we fail naming it rather than delete the manifest by digest,
 * which would take every other tag on it along.
 *
 * Referrers: the referrers API when the registry has it (GET
 * /v2/<repo>/referrers/<digest>, filtered here again by artifactType), else
 * the "sha256-<hex>" tag fallback index, which referrer_add() maintains by
 * read-modify-write (retried when the tag moved under it).
 */
#include "qgate/common.h"
#include "qgate/http.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/sha256.h"
#include "qgate/file.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"
#include "registry_int.h"

#define OCI_DEFAULT_CHUNK ((long long)64 << 20)
#define OCI_ATTEMPTS 5
#define OCI_MANIFEST_MAX ((size_t)4 << 20)
#define OCI_SMALL_MAX ((size_t)1 << 20)
#define OCI_RETRY_AFTER_MAX 60
#define OCI_IO_CHUNK ((size_t)1 << 20)
#define OCI_PROBE_TIMEOUT 5.0

#define ACCEPT_MANIFESTS "Accept: " DP_MT_MANIFEST ", " DP_MT_INDEX

struct oci {
	struct dp_store base;
	struct reg_auth auth;
	char *base_url; /* "https://host[:port]" or "http://..." */
	char *name;     /* "oci://host[:port]/repo" for messages */
	char *ca_file;
	unsigned hflags; /* QG_HTTP_INSECURE with --insecure */
	long long chunk;
	int referrers_api; /* -1 unknown, 0 absent (fallback tag), 1 present */
	long retry_after;  /* seconds the last answer asked to wait, 0 none */
	int retryable;     /* the last failure may pass when tried again */
};

/* The recorded message again under another code (the parser's QG_EPARSE is
 * this store's QG_EINPUT / a config's QG_EUSAGE). Copied first: formatting
 * the slot into itself would overlap. */
static int recode(int code)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", qg_error_last());
	return qg_error(code, "%s", msg);
}

/* ---------------------------------------------------------------- requests */

struct call {
	const char *method;
	struct qg_buf *url;
	const char *what;           /* what the request is about, for messages */
	int push;                   /* scope pull,push (else pull) */
	const char *const *headers; /* extra header lines, NULL-terminated */
	const void *body;
	size_t body_len;
	ssize_t (*read_body)(void *, void *, size_t);
	void *read_ctx;
	long long body_size;
	size_t max_body;
	int once;              /* no retry here (streamed body: the caller retries) */
	const char *from_repo; /* a mount: its source repository's pull scope too */
};

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait before attempt n+1 (n >= 1): 0.5 s doubling to 8 s, or what the
 * registry's Retry-After asked when that is longer. */
static void backoff(struct oci *o, int n)
{
	double d = 0.5;

	for (int i = 1; i < n && d < 8; i++)
		d *= 2;
	if (o->retry_after > 0 && (double)o->retry_after > d)
		d = (double)o->retry_after;
	sleep_s(d);
}

static int status_retryable(long st)
{
	return st == 429 || st == 500 || st == 502 || st == 503 || st == 504 || st == 408;
}

static void note_retry_after(struct oci *o, const struct qg_http_resp *resp)
{
	struct qg_buf v = QG_BUF_INIT(64);
	char *end;
	long n;

	o->retry_after = 0;
	if (qg_http_resp_header(resp, "Retry-After", &v) == 0 && v.len) {
		struct tm tm;

		errno = 0;
		n = strtol(v.buf, &end, 10);
		if (errno || *end || end == v.buf) { /* an HTTP-date: the wait is until then */
			memset(&tm, 0, sizeof(tm));
			end = strptime(v.buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
			n = end && !*end ? (long)(timegm(&tm) - time(NULL)) : 0;
		}
		if (n > 0)
			o->retry_after = n > OCI_RETRY_AFTER_MAX ? OCI_RETRY_AFTER_MAX : n;
	}
	qg_buf_release(&v);
}

/* The token scope(s) of a request: space-separated, as registry_auth.c
 * sends each as its own scope= parameter. */
static int scope_of(struct oci *o, int push, const char *from_repo, struct qg_buf *out)
{
	qg_buf_reset(out);
	if (from_repo && strcmp(from_repo, o->base.ref.repo))
		return qg_buf_addf(out, "repository:%s:%s repository:%s:pull", o->base.ref.repo,
				   push ? "pull,push" : "pull", from_repo);
	return qg_buf_addf(out, "repository:%s:%s", o->base.ref.repo, push ? "pull,push" : "pull");
}

/* Run one call: auth header attached, a 401 answered once with the
 * challenge, connection errors and 429/5xx retried (unless c->once). 0 with
 * any status in resp, or the transport's error (status 0). o->retryable says
 * whether the outcome may change when tried again. */
static int oci_call(struct oci *o, const struct call *c, struct qg_http_resp *resp)
{
	struct qg_buf auth = QG_BUF_INIT(QG_CAP_MESSAGE), scope = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf www = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *hdrs[16];
	char *name = NULL;
	int attempt = 0, challenged = 0, err;
	size_t n;

	if ((err = scope_of(o, c->push, c->from_repo, &scope)) < 0)
		return err;
	name = qg_redact_url(c->url->buf);
	if (!name)
		return qg_error(QG_ENOMEM, "out of memory");
	for (;;) {
		struct qg_http_req req = {
			.method = c->method,
			.url = c->url->buf,
			.flags = QG_HTTP_ACCEPT_ANY_STATUS | o->hflags,
			.body = c->body,
			.body_len = c->body_len,
			.read_body = c->read_body,
			.read_ctx = c->read_ctx,
			.body_size = c->body_size,
			.max_body = c->max_body ? c->max_body : OCI_SMALL_MAX,
			.name = name,
			.ca_file = o->ca_file,
			.headers = hdrs,
		};

		if (!strcmp(c->method, "HEAD"))
			req.flags |= QG_HTTP_HEAD;
		if (!strcmp(c->method, "GET"))
			req.flags |=
				QG_HTTP_REDIRECT_ANY_ORIGIN; /* blobs on a CDN: Authorization is dropped */
		qg_buf_reset(&auth);
		if ((err = reg_auth_header(&o->auth, scope.buf, &auth)) < 0)
			break;
		n = 0;
		if (auth.len)
			hdrs[n++] = auth.buf;
		for (const char *const *h = c->headers; h && *h && n < QG_ARRAY_SIZE(hdrs) - 1; h++)
			hdrs[n++] = *h;
		hdrs[n] = NULL;
		o->retryable = 0;
		o->retry_after = 0;
		attempt++;
		err = qg_http_request(&req, resp);
		if (err < 0) {
			o->retryable = resp->status == 0 && (err == QG_ENET || err == QG_ETIMEOUT);
			if (o->retryable && !c->once && attempt < OCI_ATTEMPTS) {
				backoff(o, attempt);
				continue;
			}
			break;
		}
		if (resp->status == 401 && c->read_body && !challenged) {
			/* a token that expired during a long upload: the body cannot be
			 * sent again here, so drop the token and let the blob restart */
			qg_http_resp_header(resp, "WWW-Authenticate", &www);
			if (reg_auth_challenge(&o->auth, www.buf, NULL) == 0)
				o->retryable = o->auth.scheme == REG_BEARER;
			qg_error_clear();
			reg_auth_forget(&o->auth, scope.buf);
			break;
		}
		if (resp->status == 401 && !challenged && !c->read_body) {
			char *want = NULL;

			challenged = 1;
			qg_http_resp_header(resp, "WWW-Authenticate", &www);
			if ((err = reg_auth_challenge(&o->auth, www.buf, &want)) < 0)
				break;
			if (want && *want) {
				qg_buf_reset(&scope);
				err = qg_buf_addstr(&scope, want);
			}
			reg_auth_forget(&o->auth, scope.buf);
			free(want);
			if (err < 0)
				break;
			attempt--;
			continue;
		}
		if (status_retryable(resp->status)) {
			note_retry_after(o, resp);
			o->retryable = 1;
			if (!c->once && attempt < OCI_ATTEMPTS) {
				backoff(o, attempt);
				continue;
			}
		}
		break;
	}
	if (auth.len)
		explicit_bzero(auth.buf, auth.len);
	qg_buf_release(&auth);
	qg_buf_release(&scope);
	qg_buf_release(&www);
	free(name);
	return err;
}

/* "CODE: message" of the registry's {"errors":[...]} body, or its start. */
static int error_summary(struct oci *o, const struct qg_http_resp *resp, struct qg_buf *out)
{
	struct qg_buf body = QG_BUF_INIT(QG_CAP_MESSAGE), raw = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_json *root = NULL;
	size_t len = resp->body.len < 2048 ? resp->body.len : 2048;
	int err = qg_buf_add(&body, resp->body.buf, len);

	if (!err)
		err = reg_auth_mask(&o->auth, &body);
	if (!err && qg_json_parse(&root, body.buf, body.len, NULL) == 0) {
		const struct qg_json *e = qg_json_at(qg_json_get(root, "errors"), 0);
		const char *code = qg_json_string(qg_json_get(e, "code"));
		const char *msg = qg_json_string(qg_json_get(e, "message"));

		if (code)
			err = qg_buf_addf(&raw, "%s%s%s", code, msg ? ": " : "", msg ? msg : "");
	} else {
		qg_error_clear();
	}
	for (size_t i = 0; !err && !raw.len && i < body.len && i < 200; i++)
		err = qg_buf_addch(&raw, isprint((unsigned char)body.buf[i]) ? body.buf[i] : ' ');
	qg_buf_rtrim(&raw);
	if (!err && raw.len)
		err = qg_redact(out, raw.buf);
	qg_json_free(root);
	qg_buf_release(&body);
	qg_buf_release(&raw);
	return err;
}

/* The error for an answer the caller did not expect. */
static int status_error(struct oci *o, const struct call *c, const struct qg_http_resp *resp)
{
	struct qg_buf ex = QG_BUF_INIT(QG_CAP_MESSAGE);
	int ret;

	if (error_summary(o, resp, &ex) < 0)
		qg_buf_reset(&ex);
	if (resp->status == 401 || resp->status == 403)
		ret = qg_error(
			QG_EINPUT, "'%s': %s: authentication failed (HTTP %ld%s%s; %s)", o->name,
			c->what, resp->status, ex.len ? ": " : "", ex.buf,
			o->auth.user ?
				(!strcmp(o->auth.creds_from, "QGATE_REGISTRY_USERNAME") ?
					 "credentials from QGATE_REGISTRY_USERNAME/PASSWORD" :
					 "credentials from the auths entry of config.json") :
				"no credentials: set QGATE_REGISTRY_USERNAME/QGATE_REGISTRY_PASSWORD "
				"or an auths entry in $DOCKER_CONFIG/config.json");
	else {
		/* the /v2/... path without its query (an upload's state) */
		const char *path = strstr(c->url->buf, "/v2/");

		path = path ? path : "";
		ret = qg_error(resp->status == 404 ? QG_EINPUT : QG_ENET,
			       "'%s': %s: %s %.*s answered HTTP %ld%s%s", o->name, c->what,
			       c->method, (int)strcspn(path, "?"), path, resp->status,
			       ex.len ? ": " : "", ex.buf);
	}
	qg_buf_release(&ex);
	return ret;
}

static int url_v2(struct oci *o, struct qg_buf *u, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int url_v2(struct oci *o, struct qg_buf *u, const char *fmt, ...)
{
	va_list ap;
	int err;

	qg_buf_reset(u);
	err = qg_buf_addf(u, "%s/v2/%s/", o->base_url, o->base.ref.repo);
	va_start(ap, fmt);
	if (!err)
		err = qg_buf_vaddf(u, fmt, ap);
	va_end(ap);
	return err;
}

static int add_enc(struct qg_buf *u, const char *s)
{
	int err = 0;

	for (; !err && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		err = isalnum(ch) || strchr("-._~:", ch) ? qg_buf_addch(u, ch) :
							   qg_buf_addf(u, "%%%02X", ch);
	}
	return err;
}

/* The upload URL of a Location header: absolute on this registry's host, or
 * a path on it. Anything else is refused (credentials would go elsewhere). */
static int location_url(struct oci *o, const struct qg_http_resp *resp, struct qg_buf *out)
{
	struct qg_buf loc = QG_BUF_INIT(QG_CAP_URL);
	const char *p;
	int err;

	qg_buf_reset(out);
	if (qg_http_resp_header(resp, "Location", &loc) < 0 || !loc.len) {
		qg_buf_release(&loc);
		return qg_error(QG_ENET, "'%s': upload answered HTTP %ld without a Location",
				o->name, resp->status);
	}
	p = loc.buf;
	if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8)) {
		const char *host = strstr(p, "://") + 3;
		size_t hl = strlen(o->base.ref.host);

		if (strncasecmp(host, o->base.ref.host, hl) || (host[hl] != '/' && host[hl])) {
			char *r = qg_redact_url(p);

			err = qg_error(QG_ENET,
				       "'%s': upload Location '%s' is on another host (refused: the "
				       "credentials would go there)",
				       o->name, r ? r : "?");
			free(r);
			qg_buf_release(&loc);
			return err;
		}
		p = host + hl;
	}
	if (*p != '/') {
		qg_buf_release(&loc);
		return qg_error(QG_ENET, "'%s': upload Location is not a path on the registry",
				o->name);
	}
	err = qg_buf_addf(out, "%s%s", o->base_url, p);
	qg_buf_release(&loc);
	return err;
}

/* ---------------------------------------------------------------- blobs */

static int oci_blob_has(struct dp_store *s, const char *digest, long long *size)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), v = QG_BUF_INIT(64);
	struct qg_http_resp resp;
	struct call c = { .method = "HEAD", .url = &u, .what = digest };
	int err;

	qg_http_resp_init(&resp);
	if ((err = url_v2(o, &u, "blobs/%s", digest)) < 0 || (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status == 404) {
		err = QG_ENOTFOUND;
	} else if (resp.status != 200) {
		err = status_error(o, &c, &resp);
	} else if (size) {
		*size = -1;
		if (qg_http_resp_header(&resp, "Content-Length", &v) == 0)
			*size = strtoll(v.buf, NULL, 10);
	}
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&v);
	return err;
}

/* Bytes of one blob as they are sent: from a file (pread at off) or memory,
 * hashed in order; at `check_at` bytes the hash is finished and must be the
 * announced digest, or the read fails (the last bytes are never sent). */
struct sender {
	struct oci *o;
	int fd;
	const unsigned char *mem;
	const char *src_name;
	long long off, end, total;
	struct qg_sha256 *h;
	const char *digest; /* announced */
	const char *expect; /* the caller's, or NULL: a mismatch is the file changing */
	const struct qg_file_stamp *stamp;
	int checked;
	char got[DP_DIGEST_SIZE];
};

static int sender_finish(struct sender *r)
{
	char hex[QG_SHA256_HEX];
	int err;

	if ((err = qg_sha256_final(r->h, hex)) < 0)
		return err;
	snprintf(r->got, sizeof(r->got), "sha256:%s", hex);
	r->checked = 1;
	if (strcmp(r->got, r->digest)) {
		if (r->expect)
			return qg_error(QG_EINPUT,
					"'%s': digest %s, expected %s: nothing committed to '%s'",
					r->src_name, r->got, r->expect, r->o->name);
		return qg_error(QG_EIO,
				"'%s': changed while being read (hashed %s before the upload, %s "
				"while sending): nothing committed to '%s'",
				r->src_name, r->digest, r->got, r->o->name);
	}
	if (r->stamp && r->stamp->set && qg_file_stamp_changed(r->stamp, r->src_name))
		return qg_error(QG_EIO, "'%s': changed while being read: nothing committed to '%s'",
				r->src_name, r->o->name);
	return 0;
}

static ssize_t sender_read(void *ctx, void *buf, size_t len)
{
	struct sender *r = ctx;
	long long left = r->end - r->off;
	ssize_t n;
	int err;

	if (left <= 0)
		return 0;
	if ((long long)len > left)
		len = (size_t)left;
	if (r->mem) {
		memcpy(buf, r->mem + r->off, len);
		n = (ssize_t)len;
	} else {
		do
			n = pread(r->fd, buf, len, (off_t)r->off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return qg_error(QG_EIO, "'%s': read error: %s", r->src_name,
					strerror(errno));
		if (n == 0)
			return qg_error(
				QG_EIO,
				"'%s': changed while being read (shorter than its %lld bytes)",
				r->src_name, r->total);
	}
	if ((err = qg_sha256_update(r->h, buf, (size_t)n)) < 0)
		return err;
	r->off += n;
	if (r->off == r->total && (err = sender_finish(r)) < 0)
		return err;
	r->o->base.bytes_sent += n;
	return n;
}

/* Close an upload session (best effort: the registry expires them itself);
 * the error being reported, if any, is kept. */
static void upload_cancel(struct oci *o, struct qg_buf *loc)
{
	struct qg_http_resp resp;
	struct call c = { .method = "DELETE", .url = loc, .what = "upload", .push = 1, .once = 1 };
	int code = qg_error_code(), keep = o->retryable;
	char *msg = qg_strdup(qg_error_last());

	if (!loc->len) {
		free(msg);
		return;
	}
	qg_http_resp_init(&resp);
	oci_call(o, &c, &resp);
	qg_http_resp_release(&resp);
	qg_error_clear();
	if (code != QG_OK && msg)
		qg_error(code, "%s", msg);
	free(msg);
	o->retryable = keep;
}

/* Check the 201 of a finished upload names the digest. */
static int check_created(struct oci *o, const struct qg_http_resp *resp, const char *digest)
{
	struct qg_buf v = QG_BUF_INIT(256);
	int err = 0;

	if (qg_http_resp_header(resp, "Docker-Content-Digest", &v) == 0 && v.len &&
	    strcmp(v.buf, digest))
		err = qg_error(QG_ENET, "'%s': blob committed as %s, expected %s", o->name, v.buf,
			       digest);
	qg_buf_release(&v);
	return err;
}

/* One upload session: POST, then PUT (monolithic) or PATCHes + PUT. */
static int upload_once(struct oci *o, struct sender *r)
{
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), loc = QG_BUF_INIT(QG_CAP_URL);
	struct qg_buf range = QG_BUF_INIT(128);
	struct qg_http_resp resp;
	struct call c = { .url = &u, .what = r->digest, .push = 1 };
	int err;

	qg_http_resp_init(&resp);
	r->off = 0;
	r->checked = 0;
	qg_sha256_free(r->h);
	r->h = NULL;
	if ((err = qg_sha256_new(&r->h)) < 0)
		goto done;
	c.method = "POST";
	if ((err = url_v2(o, &u, "blobs/uploads/")) < 0 || (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status != 202) {
		err = status_error(o, &c, &resp);
		goto done;
	}
	if ((err = location_url(o, &resp, &loc)) < 0)
		goto done;
	if (r->total <= o->chunk) {
		const char *hdrs[] = { "Content-Type: application/octet-stream", NULL };

		qg_buf_reset(&u);
		if ((err = qg_buf_addf(&u, "%s%cdigest=", loc.buf,
				       strchr(loc.buf, '?') ? '&' : '?')) < 0 ||
		    (err = add_enc(&u, r->digest)) < 0)
			goto done;
		r->end = r->total;
		c = (struct call){ .method = "PUT",
				   .url = &u,
				   .what = r->digest,
				   .push = 1,
				   .headers = hdrs,
				   .read_body = sender_read,
				   .read_ctx = r,
				   .body_size = r->total,
				   .once = 1 };
		if (r->total == 0 && (err = sender_finish(r)) < 0)
			goto done;
		if ((err = oci_call(o, &c, &resp)) < 0)
			goto done;
	} else {
		while (r->off < r->total) {
			long long start = r->off,
				  end = start + o->chunk < r->total ? start + o->chunk : r->total;
			const char *hdrs[] = { "Content-Type: application/octet-stream", range.buf,
					       NULL };

			qg_buf_reset(&range);
			if ((err = qg_buf_addf(&range, "Content-Range: %lld-%lld", start,
					       end - 1)) < 0)
				goto done;
			hdrs[1] = range.buf;
			qg_buf_reset(&u);
			if ((err = qg_buf_addstr(&u, loc.buf)) < 0)
				goto done;
			r->end = end;
			c = (struct call){ .method = "PATCH",
					   .url = &u,
					   .what = r->digest,
					   .push = 1,
					   .headers = hdrs,
					   .read_body = sender_read,
					   .read_ctx = r,
					   .body_size = end - start,
					   .once = 1 };
			if ((err = oci_call(o, &c, &resp)) < 0)
				goto done;
			if (resp.status != 202) {
				err = status_error(o, &c, &resp);
				/* the session lost (expired, 404) or out of step (416): a
				 * new one may pass */
				if (resp.status == 404 || resp.status == 416 ||
				    status_retryable(resp.status))
					o->retryable = 1;
				goto done;
			}
			if (r->off != end) {
				err = qg_error(QG_ENET, "'%s': %s: chunk %lld-%lld not sent whole",
					       o->name, r->digest, start, end - 1);
				o->retryable = 1;
				goto done;
			}
			if ((err = location_url(o, &resp, &loc)) < 0)
				goto done;
		}
		if (!r->checked) {
			err = qg_error(QG_EIO, "'%s': not hashed to its end", r->src_name);
			goto done;
		}
		qg_buf_reset(&u);
		if ((err = qg_buf_addf(&u, "%s%cdigest=", loc.buf,
				       strchr(loc.buf, '?') ? '&' : '?')) < 0 ||
		    (err = add_enc(&u, r->digest)) < 0)
			goto done;
		c = (struct call){ .method = "PUT", .url = &u, .what = r->digest, .push = 1 };
		if ((err = oci_call(o, &c, &resp)) < 0)
			goto done;
	}
	if (resp.status != 201) {
		err = status_error(o, &c, &resp);
		if (status_retryable(resp.status))
			o->retryable = 1;
		goto done;
	}
	err = check_created(o, &resp, r->digest);
done:
	if (err < 0 && loc.len)
		upload_cancel(o, &loc);
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&loc);
	qg_buf_release(&range);
	return err;
}

static int oci_blob_put(struct dp_store *s, const struct dp_source *src, const char *expect,
			struct dp_desc *out, int *skipped)
{
	struct oci *o = (struct oci *)s;
	struct sender r = { .o = o, .fd = -1 };
	struct qg_file_stamp stamp = { 0 };
	char digest[DP_DIGEST_SIZE] = "", hex[QG_SHA256_HEX];
	long long size = 0, have = -1;
	int err, attempt;

	if (skipped)
		*skipped = 0;
	if (expect && !*expect)
		expect = NULL;
	if (expect && !dp_digest_valid(expect))
		return qg_error(QG_EUSAGE,
				"'%s': expected digest '%s' is not sha256:<64 lowercase hex>",
				o->name, expect);
	r.src_name = src->path ? src->path : "(bytes)";
	if (src->path) {
		struct stat st;

		if (!expect) { /* the digest before any byte is sent: see the opening comment */
			if ((err = qg_sha256_file_stamp(hex, &size, src->path, &stamp)) < 0)
				return err;
			snprintf(digest, sizeof(digest), "sha256:%s", hex);
		}
		r.fd = open(src->path, O_RDONLY | O_CLOEXEC);
		if (r.fd < 0)
			return qg_error(QG_EINPUT, "'%s': cannot open: %s", src->path,
					strerror(errno));
		if (fstat(r.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(r.fd);
			return qg_error(QG_EINPUT, "'%s': not a regular file", src->path);
		}
		if (expect) {
			size = (long long)st.st_size;
			qg_file_stamp_set(&stamp, &st);
		} else if (size != (long long)st.st_size) {
			close(r.fd);
			return qg_error(QG_EIO, "'%s': changed while being read", src->path);
		}
		posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	} else {
		r.mem = src->data ? src->data : (const unsigned char *)"";
		size = (long long)src->len;
		if ((err = qg_sha256_hex(hex, r.mem, src->len)) < 0)
			return err;
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
		if (expect && strcmp(expect, digest))
			return qg_error(QG_EINPUT,
					"%s: digest %s, expected %s: nothing committed to '%s'",
					r.src_name, digest, expect, o->name);
	}
	if (expect)
		snprintf(digest, sizeof(digest), "%s", expect);
	r.digest = digest;
	r.expect = expect;
	r.total = size;
	r.stamp = &stamp;
	err = oci_blob_has(s, digest, &have);
	if (err == 0 && (have < 0 || have == size)) {
		o->base.blobs_skipped++;
		if (skipped)
			*skipped = 1;
		goto ok;
	}
	if (err == 0) {
		err = qg_error(QG_EINPUT, "'%s': blob %s is there with %lld bytes, expected %lld",
			       o->name, digest, have, size);
		goto done;
	}
	if (err != QG_ENOTFOUND)
		goto done;
	for (attempt = 1;; attempt++) {
		err = upload_once(o, &r);
		if (err == 0 || !o->retryable || attempt >= OCI_ATTEMPTS)
			break;
		backoff(o, attempt);
		qg_error_clear();
	}
	if (err < 0)
		goto done;
	o->base.blobs_sent++;
ok:
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	out->size = size;
	err = 0;
done:
	if (r.fd >= 0)
		close(r.fd);
	qg_sha256_free(r.h);
	return err;
}

static int oci_blob_mount(struct dp_store *s, const char *digest, const char *from_repo)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), loc = QG_BUF_INIT(QG_CAP_URL);
	struct qg_http_resp resp;
	struct call c = {
		.method = "POST", .url = &u, .what = digest, .push = 1, .from_repo = from_repo
	};
	int err;

	qg_http_resp_init(&resp);
	if ((err = url_v2(o, &u, "blobs/uploads/?mount=")) < 0 || (err = add_enc(&u, digest)) < 0 ||
	    (err = qg_buf_addstr(&u, "&from=")) < 0 || (err = add_enc(&u, from_repo)) < 0 ||
	    (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status == 201) {
		err = check_created(o, &resp, digest);
	} else if (resp.status == 202) {
		/* declined: an upload session was opened instead; close it */
		if (location_url(o, &resp, &loc) == 0)
			upload_cancel(o, &loc);
		qg_error_clear();
		err = QG_ENOTFOUND;
	} else if (resp.status == 404) {
		err = QG_ENOTFOUND;
	} else {
		err = status_error(o, &c, &resp);
	}
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&loc);
	return err;
}

static int check_digest(struct oci *o, const char *digest, const void *data, size_t len)
{
	char hex[QG_SHA256_HEX];
	int err = qg_sha256_hex(hex, data, len);

	if (err < 0)
		return err;
	if (strncmp(digest, "sha256:", 7) || strcmp(digest + 7, hex))
		return qg_error(QG_EINPUT, "'%s': blob %s read back with digest sha256:%s", o->name,
				digest, hex);
	return 0;
}

static int oci_blob_get(struct dp_store *s, const char *digest, struct qg_buf *out, size_t max)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL);
	struct qg_http_resp resp;
	struct call c = {
		.method = "GET", .url = &u, .what = digest, .max_body = max ? max : OCI_MANIFEST_MAX
	};
	int err;

	qg_http_resp_init(&resp);
	if ((err = url_v2(o, &u, "blobs/%s", digest)) < 0 || (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status == 404)
		err = qg_error(QG_EINPUT, "'%s': blob %s not found", o->name, digest);
	else if (resp.status != 200)
		err = status_error(o, &c, &resp);
	else if ((err = check_digest(o, digest, resp.body.buf, resp.body.len)) == 0)
		err = qg_buf_add(out, resp.body.buf, resp.body.len);
	if (!err)
		o->base.bytes_received += (long long)resp.body.len;
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	return err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qg_error(QG_EIO, "cannot write the blob: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One streamed GET of a blob into fd, hashed. */
static int blob_stream_once(struct oci *o, const char *digest, int fd, struct qg_buf *u)
{
	struct qg_buf auth = QG_BUF_INIT(QG_CAP_MESSAGE), scope = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_http_stream *h = NULL;
	struct qg_sha256 *sh = NULL;
	const char *hdrs[2] = { NULL, NULL };
	char hex[QG_SHA256_HEX], *buf = NULL, *name = NULL;
	long status = 0;
	ssize_t n;
	int err;

	o->retryable = 0;
	if ((err = scope_of(o, 0, NULL, &scope)) < 0 ||
	    (err = reg_auth_header(&o->auth, scope.buf, &auth)) < 0)
		goto done;
	if (auth.len)
		hdrs[0] = auth.buf;
	name = qg_redact_url(u->buf);
	buf = malloc(OCI_IO_CHUNK);
	if (!name || !buf) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	{
		struct qg_http_req req = { .url = u->buf,
					   .headers = hdrs,
					   .name = name,
					   .status_out = &status,
					   .flags = o->hflags | QG_HTTP_REDIRECT_ANY_ORIGIN,
					   .ca_file = o->ca_file };

		err = qg_http_stream_open(&h, &req);
	}
	if (err < 0) {
		o->retryable = status ? status_retryable(status) :
					(err == QG_ENET || err == QG_ETIMEOUT);
		if (status == 404)
			err = qg_error(QG_EINPUT, "'%s': blob %s not found", o->name, digest);
		goto done;
	}
	if ((err = qg_sha256_new(&sh)) < 0)
		goto done;
	while ((n = qg_http_stream_read(h, buf, OCI_IO_CHUNK)) > 0) {
		if ((err = qg_sha256_update(sh, buf, (size_t)n)) < 0 ||
		    (err = write_all(fd, buf, (size_t)n)) < 0)
			goto done;
		o->base.bytes_received += n;
	}
	if (n < 0) {
		err = (int)n;
		o->retryable = err == QG_ENET || err == QG_ETIMEOUT;
		goto done;
	}
	if ((err = qg_sha256_final(sh, hex)) < 0)
		goto done;
	if (strcmp(digest + 7, hex))
		err = qg_error(QG_EINPUT, "'%s': blob %s read back with digest sha256:%s", o->name,
			       digest, hex);
done:
	if (auth.len)
		explicit_bzero(auth.buf, auth.len);
	qg_buf_release(&auth);
	qg_buf_release(&scope);
	qg_http_stream_free(h);
	qg_sha256_free(sh);
	free(buf);
	free(name);
	return err;
}

static int oci_blob_to_fd(struct dp_store *s, const char *digest, int fd)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL);
	off_t start = lseek(fd, 0, SEEK_CUR);
	int err, attempt;

	if (!dp_digest_valid(digest))
		return qg_error(QG_EUSAGE, "'%s': '%s' is not sha256:<64 lowercase hex>", o->name,
				digest);
	/* a stream cannot answer a 401 by itself: a HEAD first (through
	 * oci_call, which meets the repository's challenge and fetches its
	 * token), so the credentials go along from the start */
	err = oci_blob_has(s, digest, NULL);
	if (err == QG_ENOTFOUND)
		return qg_error(QG_EINPUT, "'%s': blob %s not found", o->name, digest);
	if (err < 0)
		return err;
	if ((err = url_v2(o, &u, "blobs/%s", digest)) < 0)
		return err;
	for (attempt = 1;; attempt++) {
		err = blob_stream_once(o, digest, fd, &u);
		if (err == 0 || !o->retryable || attempt >= OCI_ATTEMPTS || start < 0)
			break;
		/* start over: a regular file can be cut back, anything else cannot */
		if (lseek(fd, start, SEEK_SET) != start || ftruncate(fd, start) < 0)
			break;
		backoff(o, attempt);
		qg_error_clear();
	}
	qg_buf_release(&u);
	return err;
}

/* ---------------------------------------------------------------- manifests */

static int manifest_fetch(struct oci *o, const char *ref, int head, struct qg_buf *body,
			  char digest[DP_DIGEST_SIZE], struct qg_buf *media_type)
{
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), v = QG_BUF_INIT(256);
	const char *hdrs[] = { ACCEPT_MANIFESTS, NULL };
	struct qg_http_resp resp;
	struct call c = { .method = head ? "HEAD" : "GET",
			  .url = &u,
			  .what = ref,
			  .headers = hdrs,
			  .max_body = OCI_MANIFEST_MAX };
	char hex[QG_SHA256_HEX];
	int err;

	qg_http_resp_init(&resp);
	if ((err = url_v2(o, &u, "manifests/%s", ref)) < 0 || (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status == 404) {
		err = QG_ENOTFOUND;
		goto done;
	}
	if (resp.status != 200) {
		err = status_error(o, &c, &resp);
		goto done;
	}
	if (qg_http_resp_header(&resp, "Docker-Content-Digest", &v) < 0)
		qg_buf_reset(&v);
	if (head) {
		if (!dp_digest_valid(v.buf)) { /* no usable header: read the bytes */
			err = manifest_fetch(o, ref, 0, body, digest, media_type);
			goto done;
		}
		snprintf(digest, DP_DIGEST_SIZE, "%s", v.buf);
		goto done;
	}
	if ((err = qg_sha256_hex(hex, resp.body.buf, resp.body.len)) < 0)
		goto done;
	if (v.len && (strncmp(v.buf, "sha256:", 7) || strcmp(v.buf + 7, hex))) {
		err = qg_error(QG_EINPUT,
			       "'%s': manifest '%s': Docker-Content-Digest %s but the bytes hash to "
			       "sha256:%s",
			       o->name, ref, v.buf, hex);
		goto done;
	}
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref + 7, hex)) {
		err = qg_error(QG_EINPUT, "'%s': manifest %s read back with digest sha256:%s",
			       o->name, ref, hex);
		goto done;
	}
	if (digest)
		snprintf(digest, DP_DIGEST_SIZE, "sha256:%s", hex);
	o->base.bytes_received += (long long)resp.body.len;
	if (body) {
		qg_buf_reset(body);
		if ((err = qg_buf_add(body, resp.body.buf, resp.body.len)) < 0)
			goto done;
	}
	if (media_type) {
		qg_buf_reset(media_type);
		if (qg_http_resp_header(&resp, "Content-Type", &v) == 0) {
			char *semi = strchr(v.buf, ';');

			if (semi)
				qg_buf_setlen(&v, (size_t)(semi - v.buf));
			qg_buf_rtrim(&v);
			err = qg_buf_add(media_type, v.buf, v.len);
		}
	}
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&v);
	return err;
}

static int oci_manifest_get(struct dp_store *s, const char *ref, struct qg_buf *body,
			    char digest[DP_DIGEST_SIZE], struct qg_buf *media_type)
{
	char d[DP_DIGEST_SIZE];

	return manifest_fetch((struct oci *)s, ref, 0, body, digest ? digest : d, media_type);
}

static int oci_manifest_put(struct dp_store *s, const char *tag, const void *body, size_t len,
			    const char *media_type, const char *expect_old)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), ct = QG_BUF_INIT(512), v = QG_BUF_INIT(256);
	struct qg_http_resp resp;
	char hex[QG_SHA256_HEX], digest[DP_DIGEST_SIZE], cur[DP_DIGEST_SIZE] = "";
	const char *hdrs[] = { ct.buf, NULL };
	struct call c = { .method = "PUT",
			  .url = &u,
			  .what = tag ? tag : "manifest",
			  .push = 1,
			  .body = body,
			  .body_len = len,
			  .headers = hdrs };
	int err;

	qg_http_resp_init(&resp);
	if ((err = qg_sha256_hex(hex, body, len)) < 0)
		goto done;
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if (tag && expect_old) {
		/* no compare-and-swap in the distribution API: re-read just before */
		err = manifest_fetch(o, tag, 1, NULL, cur, NULL);
		if (err == QG_ENOTFOUND)
			cur[0] = '\0';
		else if (err < 0)
			goto done;
		if (strcmp(cur, expect_old)) {
			err = QG_ECONFLICT;
			goto done;
		}
	}
	if ((err = qg_buf_addf(&ct, "Content-Type: %s", media_type ? media_type : DP_MT_MANIFEST)) <
		    0 ||
	    (err = url_v2(o, &u, "manifests/%s", tag ? tag : digest)) < 0)
		goto done;
	hdrs[0] = ct.buf;
	if ((err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status != 201 && resp.status != 200) {
		err = status_error(o, &c, &resp);
		goto done;
	}
	o->base.bytes_sent += (long long)len;
	if (qg_http_resp_header(&resp, "Docker-Content-Digest", &v) == 0 && v.len &&
	    strcmp(v.buf, digest))
		err = qg_error(QG_ENET, "'%s': manifest stored as %s, its bytes hash to %s",
			       o->name, v.buf, digest);
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&ct);
	qg_buf_release(&v);
	return err;
}

static int oci_tag_delete(struct dp_store *s, const char *tag)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL);
	struct qg_http_resp resp;
	struct call c = { .method = "DELETE", .url = &u, .what = tag, .push = 1 };
	char cur[DP_DIGEST_SIZE];
	int err;

	qg_http_resp_init(&resp);
	if ((err = manifest_fetch(o, tag, 1, NULL, cur, NULL)) < 0)
		goto done;
	if ((err = url_v2(o, &u, "manifests/%s", tag)) < 0 || (err = oci_call(o, &c, &resp)) < 0)
		goto done;
	if (resp.status == 202 || resp.status == 200 || resp.status == 204)
		err = 0;
	else if (resp.status == 404)
		err = QG_ENOTFOUND;
	else if (resp.status == 400 || resp.status == 405)
		err = qg_error(
			QG_ENET,
			"'%s': the registry does not delete tags (DELETE of tag '%s' answered "
			"HTTP %ld); the tag is left: deleting manifest %s by digest would remove every "
			"tag naming it",
			o->name, tag, resp.status, cur);
	else
		err = status_error(o, &c, &resp);
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	return err;
}

/* ---------------------------------------------------------------- referrers */

static int desc_from_json(struct dp_desc *d, const struct qg_json *j, const char *name, size_t i)
{
	const char *mt = qg_json_string(qg_json_get(j, "mediaType"));
	const char *dg = qg_json_string(qg_json_get(j, "digest"));
	const char *at = qg_json_string(qg_json_get(j, "artifactType"));
	double size = qg_json_number(qg_json_get(j, "size"));
	const struct qg_json *a;

	memset(d, 0, sizeof(*d));
	if (!mt || !dg || !dp_digest_valid(dg) || !(size >= 0) || size > 9e15)
		return qg_error(QG_EINPUT,
				"'%s': /manifests/%zu: expected a descriptor with mediaType, a "
				"sha256 digest and a size",
				name, i);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = (long long)size;
	d->media_type = strdup(mt);
	d->artifact_type = at ? strdup(at) : NULL;
	if (!d->media_type || (at && !d->artifact_type))
		return qg_error(QG_ENOMEM, "out of memory");
	for (a = qg_json_first(qg_json_get(j, "annotations")); a; a = qg_json_next(a)) {
		const char *v = qg_json_string(a);

		if (v && dp_desc_annotate(d, qg_json_key(a), v) < 0)
			return QG_ENOMEM;
	}
	return 0;
}

/* Append the descriptors of an index's manifests[] (of artifact_type, when
 * set) to out/nr. */
static int index_descs(const char *body, size_t len, const char *name, const char *artifact_type,
		       struct dp_desc **out, size_t *nr)
{
	struct qg_json *root = NULL;
	const struct qg_json *ms, *m;
	size_t i = 0, alloc = *nr;
	int err;

	if ((err = qg_json_parse(&root, body, len, name)) < 0)
		return recode(QG_EINPUT);
	ms = qg_json_get(root, "manifests");
	if (qg_json_type(ms) != QG_JSON_ARRAY) {
		err = qg_error(QG_EINPUT, "'%s': /manifests: expected an array (an image index)",
			       name);
		goto done;
	}
	for (m = qg_json_first(ms); m; m = qg_json_next(m), i++) {
		struct dp_desc d;
		size_t k;
		int dup = 0;

		if ((err = desc_from_json(&d, m, name, i)) < 0) {
			dp_desc_release(&d);
			goto done;
		}
		for (k = 0; k < *nr; k++)
			dup |= !strcmp((*out)[k].digest, d.digest);
		if (dup || (artifact_type &&
			    (!d.artifact_type || strcmp(d.artifact_type, artifact_type)))) {
			dp_desc_release(&d);
			continue;
		}
		if ((err = QG_ALLOC_GROW(*out, *nr + 1, alloc)) < 0) {
			dp_desc_release(&d);
			goto done;
		}
		(*out)[(*nr)++] = d;
	}
done:
	qg_json_free(root);
	return err;
}

static int fallback_tag(char tag[DP_DIGEST_SIZE], const char *digest)
{
	if (!dp_digest_valid(digest))
		return qg_error(QG_EUSAGE, "'%s' is not sha256:<64 lowercase hex>", digest);
	snprintf(tag, DP_DIGEST_SIZE, "sha256-%s", digest + 7);
	return 0;
}

/* GET the referrers API: 0 with the index in body, QG_ENOTFOUND when the
 * registry has none (o->referrers_api = 0). */
static int referrers_api(struct oci *o, const char *digest, const char *artifact_type,
			 struct qg_buf *body)
{
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), v = QG_BUF_INIT(256);
	const char *hdrs[] = { "Accept: " DP_MT_INDEX, NULL };
	struct qg_http_resp resp;
	struct call c = { .method = "GET",
			  .url = &u,
			  .what = "referrers",
			  .headers = hdrs,
			  .max_body = OCI_MANIFEST_MAX };
	int err;

	qg_http_resp_init(&resp);
	if ((err = url_v2(o, &u, "referrers/%s", digest)) < 0)
		goto done;
	if (artifact_type && ((err = qg_buf_addstr(&u, "?artifactType=")) < 0 ||
			      (err = add_enc(&u, artifact_type)) < 0))
		goto done;
	if ((err = oci_call(o, &c, &resp)) < 0)
		goto done;
	qg_http_resp_header(&resp, "Content-Type", &v);
	if (resp.status == 200 && !strncmp(v.buf, DP_MT_INDEX, strlen(DP_MT_INDEX))) {
		o->referrers_api = 1;
		qg_buf_reset(body);
		err = qg_buf_add(body, resp.body.buf, resp.body.len);
	} else if (resp.status == 404 || resp.status == 200 || resp.status == 400 ||
		   resp.status == 405) {
		/* no API (distribution 2.x: 404), or something that is not an index */
		o->referrers_api = 0;
		err = QG_ENOTFOUND;
	} else {
		err = status_error(o, &c, &resp);
	}
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&v);
	return err;
}

static int oci_referrers(struct dp_store *s, const char *digest, const char *artifact_type,
			 struct dp_desc **out, size_t *nr)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf body = QG_BUF_INIT(OCI_MANIFEST_MAX), name = QG_BUF_INIT(QG_CAP_MESSAGE);
	char tag[DP_DIGEST_SIZE], d[DP_DIGEST_SIZE];
	int err;

	if ((err = fallback_tag(tag, digest)) < 0)
		return err;
	err = QG_ENOTFOUND;
	if (o->referrers_api != 0) {
		err = referrers_api(o, digest, artifact_type, &body);
		if (err == 0)
			err = qg_buf_addf(&name, "%s/v2/%s/referrers/%s", o->name, o->base.ref.repo,
					  digest);
	}
	if (err == QG_ENOTFOUND) {
		err = manifest_fetch(o, tag, 0, &body, d, NULL);
		if (err == QG_ENOTFOUND) {
			err = 0; /* no referrers */
			goto done;
		}
		if (!err)
			err = qg_buf_addf(&name, "%s:%s", o->name, tag);
	}
	if (!err)
		err = index_descs(body.buf, body.len, name.buf, artifact_type, out, nr);
done:
	qg_buf_release(&body);
	qg_buf_release(&name);
	return err;
}

static int desc_to_json(struct qg_json *arr, const struct dp_desc *m)
{
	struct qg_json *j = qg_json_add_object(arr, NULL), *a;

	if (!j ||
	    !qg_json_add_string(j, "mediaType", m->media_type ? m->media_type : DP_MT_MANIFEST) ||
	    !qg_json_add_string(j, "digest", m->digest) ||
	    !qg_json_add_number(j, "size", (double)m->size))
		return QG_ENOMEM;
	if (m->artifact_type && !qg_json_add_string(j, "artifactType", m->artifact_type))
		return QG_ENOMEM;
	if (m->nr_ann) {
		if (!(a = qg_json_add_object(j, "annotations")))
			return QG_ENOMEM;
		for (size_t i = 0; i < m->nr_ann; i++)
			if (!qg_json_add_string(a, m->ann[i].key, m->ann[i].value))
				return QG_ENOMEM;
	}
	return 0;
}

static int oci_referrer_add(struct dp_store *s, const char *subject, const struct dp_desc *m)
{
	struct oci *o = (struct oci *)s;
	struct qg_buf body = QG_BUF_INIT(OCI_MANIFEST_MAX), out = QG_BUF_INIT(OCI_MANIFEST_MAX);
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE);
	char tag[DP_DIGEST_SIZE], old[DP_DIGEST_SIZE];
	int err, round;

	if ((err = fallback_tag(tag, subject)) < 0)
		return err;
	if (o->referrers_api < 0) {
		err = referrers_api(o, subject, NULL, &body);
		if (err < 0 && err != QG_ENOTFOUND)
			goto done;
	}
	if (o->referrers_api == 1) { /* the registry indexes subjects itself */
		err = 0;
		goto done;
	}
	for (round = 0; round < OCI_ATTEMPTS; round++) {
		struct qg_json *root = NULL, *arr;
		struct qg_json *prev = NULL;
		const struct qg_json *ms, *e;
		int present = 0;

		err = manifest_fetch(o, tag, 0, &body, old, NULL);
		if (err == QG_ENOTFOUND) {
			old[0] = '\0';
			err = 0;
		} else if (err == 0) {
			qg_buf_reset(&name);
			if ((err = qg_buf_addf(&name, "%s:%s", o->name, tag)) < 0)
				goto done;
			if ((err = qg_json_parse(&prev, body.buf, body.len, name.buf)) < 0) {
				err = recode(QG_EINPUT);
				goto done;
			}
		}
		if (err < 0)
			goto done;
		root = qg_json_new_object();
		if (!root || !qg_json_add_number(root, "schemaVersion", 2) ||
		    !qg_json_add_string(root, "mediaType", DP_MT_INDEX) ||
		    !(arr = qg_json_add_array(root, "manifests"))) {
			qg_json_free(root);
			qg_json_free(prev);
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		ms = qg_json_get(prev, "manifests");
		if (prev && qg_json_type(ms) != QG_JSON_ARRAY) {
			qg_json_free(root);
			qg_json_free(prev);
			err = qg_error(QG_EINPUT,
				       "'%s': /manifests: expected an array (an image index)",
				       name.buf);
			goto done;
		}
		for (e = qg_json_first(ms); e && !err; e = qg_json_next(e)) {
			const char *dg = qg_json_string(qg_json_get(e, "digest"));
			struct qg_json *cp = qg_json_dup(e);

			present |= dg && !strcmp(dg, m->digest);
			err = cp ? qg_json_attach(arr, NULL, cp) : QG_ENOMEM;
			if (err < 0)
				qg_json_free(cp);
		}
		if (!err && !present)
			err = desc_to_json(arr, m);
		qg_buf_reset(&out);
		if (!err)
			err = qg_json_print(&out, root, 0);
		qg_json_free(root);
		qg_json_free(prev);
		if (err < 0)
			goto done;
		if (present) {
			err = 0;
			goto done;
		}
		err = oci_manifest_put(s, tag, out.buf, out.len, DP_MT_INDEX, old);
		if (err != QG_ECONFLICT)
			goto done;
	}
	err = qg_error(QG_ECONFLICT, "'%s': the referrers tag %s kept moving while it was updated",
		       o->name, tag);
done:
	qg_buf_release(&body);
	qg_buf_release(&out);
	qg_buf_release(&name);
	return err;
}

/* ---------------------------------------------------------------- open / close */

static void oci_close(struct dp_store *s)
{
	struct oci *o = (struct oci *)s;

	if (!o)
		return;
	reg_auth_release(&o->auth);
	dp_ref_release(&o->base.ref);
	free(o->base_url);
	free(o->name);
	free(o->ca_file);
	free(o);
}

static const struct dp_store_ops oci_ops = {
	.scheme = "oci",
	.blob_has = oci_blob_has,
	.blob_put = oci_blob_put,
	.blob_get = oci_blob_get,
	.blob_to_fd = oci_blob_to_fd,
	.blob_mount = oci_blob_mount,
	.manifest_get = oci_manifest_get,
	.manifest_put = oci_manifest_put,
	.tag_delete = oci_tag_delete,
	.referrers = oci_referrers,
	.referrer_add = oci_referrer_add,
	.close = oci_close,
};

/* GET /v2/: reachable, a registry, and what authentication it wants. */
static int ping(struct oci *o)
{
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), www = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_http_resp resp;
	struct call c = { .method = "GET", .url = &u, .what = "GET /v2/" };
	int err;

	qg_http_resp_init(&resp);
	if ((err = qg_buf_addf(&u, "%s/v2/", o->base_url)) < 0)
		goto done;
	{
		/* no auth header yet and no retry of a 401: just learn the challenge */
		struct qg_http_req req = { .url = u.buf,
					   .flags = QG_HTTP_ACCEPT_ANY_STATUS | o->hflags,
					   .ca_file = o->ca_file,
					   .max_body = OCI_SMALL_MAX };
		int attempt;

		/* --insecure probes https briefly: a plain-http server may never
		 * answer a TLS hello (the connect timeout would be 30 s) */
		if (o->hflags && !strncmp(o->base_url, "https:", 6))
			req.timeout_s = OCI_PROBE_TIMEOUT;

		for (attempt = 1;; attempt++) {
			err = qg_http_request(&req, &resp);
			o->retryable = err < 0 ? resp.status == 0 &&
							 (err == QG_ENET || err == QG_ETIMEOUT) :
						 status_retryable(resp.status);
			/* --insecure tries https once before plain http */
			if (!o->retryable || attempt >= OCI_ATTEMPTS ||
			    (o->hflags && !strncmp(o->base_url, "https:", 6)))
				break;
			if (err == 0)
				note_retry_after(o, &resp);
			backoff(o, attempt);
			qg_error_clear();
		}
	}
	if (err < 0)
		goto done;
	if (resp.status == 401) {
		qg_http_resp_header(&resp, "WWW-Authenticate", &www);
		err = reg_auth_challenge(&o->auth, www.buf, NULL);
	} else if (resp.status != 200) {
		err = resp.status >= 500 ?
			      status_error(o, &c, &resp) :
			      qg_error(QG_EINPUT,
				       "'%s': not an OCI registry (GET /v2/ answered HTTP %ld)",
				       o->name, resp.status);
	}
done:
	qg_http_resp_release(&resp);
	qg_buf_release(&u);
	qg_buf_release(&www);
	return err;
}

static int set_base(struct oci *o, const char *scheme)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_URL);
	int err = qg_buf_addf(&b, "%s://%s", scheme, o->base.ref.host);

	free(o->base_url);
	o->base_url = err ? NULL : qg_buf_detach(&b, NULL);
	qg_buf_release(&b);
	return o->base_url ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int copy_ref(struct dp_ref *to, const struct dp_ref *from)
{
	memset(to, 0, sizeof(*to));
	to->kind = from->kind;
	to->text = qg_strdup(from->text);
	to->host = qg_strdup(from->host);
	to->repo = qg_strdup(from->repo);
	to->tag = qg_strdup(from->tag);
	snprintf(to->digest, sizeof(to->digest), "%s", from->digest);
	if ((from->text && !to->text) || !to->host || !to->repo || (from->tag && !to->tag))
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

int dp_store_oci_open(struct dp_store **out, const struct dp_ref *ref,
		      const struct dp_store_opts *opts)
{
	static const struct dp_store_opts none;
	struct oci *o;
	struct qg_buf n = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (!ref->host || !*ref->host || !ref->repo || !*ref->repo)
		return qg_error(QG_EUSAGE, "'%s': expected oci://HOST[:PORT]/REPO",
				ref->text ? ref->text : "");
	if (opts->chunk_size < 0)
		return qg_error(QG_EUSAGE, "--chunk-size: expected a positive size");
	o = calloc(1, sizeof(*o));
	if (!o)
		return qg_error(QG_ENOMEM, "out of memory");
	o->base.ops = &oci_ops;
	o->referrers_api = -1;
	o->chunk = opts->chunk_size > 0 ? opts->chunk_size : OCI_DEFAULT_CHUNK;
	o->hflags = opts->insecure ? QG_HTTP_INSECURE : 0;
	if ((err = copy_ref(&o->base.ref, ref)) < 0)
		goto fail;
	if (opts->ca_file && !(o->ca_file = strdup(opts->ca_file))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	if (o->ca_file && access(o->ca_file, R_OK) < 0) {
		err = qg_error(QG_EUSAGE, "--ca-file '%s': %s", o->ca_file, strerror(errno));
		goto fail;
	}
	if ((err = qg_buf_addf(&n, "oci://%s/%s", ref->host, ref->repo)) < 0)
		goto fail;
	o->name = qg_buf_detach(&n, NULL);
	if (!o->name) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	if ((err = reg_auth_init(&o->auth, ref->host, o->hflags, o->ca_file)) < 0)
		goto fail;
	if ((err = set_base(o, "https")) < 0)
		goto fail;
	err = ping(o);
	if (err < 0 && opts->insecure && o->retryable) {
		/* --insecure: a registry that does not speak TLS is reached over http */
		qg_error_clear();
		if ((err = set_base(o, "http")) == 0)
			err = ping(o);
	}
	if (err < 0)
		goto fail;
	*out = &o->base;
	qg_buf_release(&n);
	return 0;
fail:
	qg_buf_release(&n);
	oci_close(&o->base);
	return err;
}
