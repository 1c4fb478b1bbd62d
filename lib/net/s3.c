/* s3.c -- S3 objects over HTTP(S): signed GET streams, requests, prefix listing
 *
 * URLs are built path-style under AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when
 * set (MinIO, s3rver, LocalStack need that), virtual-host style on AWS
 * otherwise. Every request is signed with SigV4 (sigv4.c) when
 * AWS_ACCESS_KEY_ID is set. Messages name the object as s3://bucket/key,
 * which holds no secret.
 *
 * S3's XML error bodies are summarised here (<Code>: <Message>) and handed
 * to http.c as the request's error_excerpt; 401/403 are told by status code.
 *
 * ListObjectsV2 answers are small, fixed-shape XML documents; the few
 * elements needed (Contents/Key, IsTruncated, NextContinuationToken) are
 * picked out directly rather than through a general XML parser. The same
 * goes for the multipart upload answers (UploadId, the Complete result).
 *
 * Writes (qgate-deploy's s3:// store): multipart uploads (create, one part,
 * complete, abort) and a conditional PUT. Each part's body is signed with
 * its SHA-256 (x-amz-content-sha256), so S3 refuses a part that arrives
 * other than it was sent; the caller holds one part in memory at a time.
 */
#include "qgate/common.h"
#include "qgate/http.h"
#include "qgate/redact.h"
#include "qgate/s3.h"
#include "qgate/sigv4.h"

#include <time.h>

struct s3_env {
	char *endpoint;          /* without trailing '/', NULL for AWS */
	const char *region;
	struct qg_sigv4_key key;
	int anonymous;
};

/* TLS options of every request of this process (qg_s3_set_tls). */
static struct {
	const char *ca_file;
	int insecure;
} tls;

void qg_s3_set_tls(const char *ca_file, int insecure)
{
	tls.ca_file = ca_file && *ca_file ? ca_file : NULL;
	tls.insecure = insecure;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int s3_env_load(struct s3_env *e)
{
	const char *ep = env_nonempty("AWS_ENDPOINT_URL_S3");
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!ep)
		ep = env_nonempty("AWS_ENDPOINT_URL");
	if (ep) {
		if (strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
			return qg_error(QG_EUSAGE, "AWS_ENDPOINT_URL must start with http:// or https://");
		n = strlen(ep);
		while (n && ep[n - 1] == '/')
			n--;
		e->endpoint = qg_strndup(ep, n);
		if (!e->endpoint)
			return QG_ENOMEM;
	}
	e->region = env_nonempty("AWS_REGION");
	if (!e->region)
		e->region = env_nonempty("AWS_DEFAULT_REGION");
	if (!e->region)
		e->region = "us-east-1";
	e->key.access_key_id = env_nonempty("AWS_ACCESS_KEY_ID");
	e->key.secret_access_key = env_nonempty("AWS_SECRET_ACCESS_KEY");
	e->key.session_token = env_nonempty("AWS_SESSION_TOKEN");
	e->key.region = e->region;
	e->key.service = "s3";
	e->anonymous = !e->key.access_key_id;
	if (!e->anonymous && !e->key.secret_access_key) {
		free(e->endpoint);
		e->endpoint = NULL;
		return qg_error(QG_EUSAGE, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	}
	return 0;
}

static void s3_env_release(struct s3_env *e)
{
	free(e->endpoint);
	e->endpoint = NULL;
}

int qg_s3_parse_url(char **bucket_out, char **key_out, const char *url)
{
	const char *b, *slash;

	*bucket_out = *key_out = NULL;
	if (strncmp(url, "s3://", 5))
		return qg_error(QG_EUSAGE, "'%s': not an s3:// URL", url);
	b = url + 5;
	slash = strchr(b, '/');
	if (!slash)
		slash = b + strlen(b);
	if (slash == b || strcspn(b, "?#") < (size_t)(slash - b))
		return qg_error(QG_EUSAGE, "'%s': expected s3://bucket/key", url);
	*bucket_out = qg_strndup(b, (size_t)(slash - b));
	*key_out = qg_strdup(*slash ? slash + 1 : "");
	if (!*bucket_out || !*key_out) {
		free(*bucket_out);
		free(*key_out);
		*bucket_out = *key_out = NULL;
		return QG_ENOMEM;
	}
	return 0;
}

/* The request URL for bucket/key (key "" = the bucket itself). */
static int s3_url(struct qg_buf *out, const struct s3_env *e, const char *bucket, const char *key,
		  const char *query)
{
	int err;

	if (e->endpoint) {
		err = qg_buf_addf(out, "%s/", e->endpoint);
		if (!err)
			err = qg_sigv4_uri_encode(out, bucket, 0);
		if (!err && *key)
			err = qg_buf_addch(out, '/');
	} else if (strchr(bucket, '.')) {
		/* a dotted name breaks the wildcard certificate: use path style */
		err = qg_buf_addf(out, "https://s3.%s.amazonaws.com/", e->region);
		if (!err)
			err = qg_sigv4_uri_encode(out, bucket, 0);
		if (!err && *key)
			err = qg_buf_addch(out, '/');
	} else {
		err = qg_buf_addf(out, "https://%s.s3.%s.amazonaws.com/", bucket, e->region);
	}
	if (!err)
		err = qg_sigv4_uri_encode(out, key, 1);
	if (!err && query && *query)
		err = qg_buf_addf(out, "?%s", query);
	return err;
}

/* URL and headers (signed unless anonymous) for one request. */
static int s3_prepare(struct qg_buf *url, struct qg_strvec *hdrs, const struct s3_env *e, const char *method,
		      const char *bucket, const char *key, const char *query, const char *const *headers,
		      const void *body, size_t body_len)
{
	char sha[65];
	int err;

	if (strpbrk(bucket, "/?#") || !*bucket)
		return qg_error(QG_EUSAGE, "'%s': invalid bucket name", bucket);
	if ((err = s3_url(url, e, bucket, key, query)) < 0)
		return err;
	if (e->anonymous)
		return headers ? qg_strvec_pushv(hdrs, headers) : 0;
	if (body && (err = qg_sigv4_sha256_hex(sha, body, body_len)) < 0)
		return err;
	return qg_sigv4_sign(hdrs, &e->key, method, url->buf, headers, body ? sha : QG_SIGV4_EMPTY_SHA256,
			     time(NULL));
}

/* S3's error bodies are XML documents; a message shows their <Code> and
 * <Message> ("NoSuchKey: The specified key does not exist."), each cut at
 * 300 bytes. Anything else falls back to http.c's excerpt. */
static int xml_text(struct qg_buf *out, const char *body, const char *end, const char *tag)
{
	char open[32], close[32];
	const char *p, *q;
	size_t n;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	p = memmem(body, (size_t)(end - body), open, strlen(open));
	if (!p)
		return 0;
	p += strlen(open);
	q = memmem(p, (size_t)(end - p), close, strlen(close));
	if (!q)
		return 0;
	n = (size_t)(q - p) > 300 ? 300 : (size_t)(q - p);
	return qg_buf_add(out, p, n);
}

static int s3_error_excerpt(struct qg_buf *out, const char *body, size_t len)
{
	const char *end = body + len;
	int err;

	if (!memmem(body, len, "<Code>", 6))
		return 0;
	err = xml_text(out, body, end, "Code");
	if (!err && memmem(body, len, "<Message>", 9)) {
		err = qg_buf_addstr(out, ": ");
		if (!err)
			err = xml_text(out, body, end, "Message");
	}
	return err;
}

/* An unsigned request refused for want of credentials (401/403, told by
 * the status code) says so. */
static int hint_anonymous(int err, long status, const struct s3_env *e)
{
	char msg[1024];

	if (err < 0 && e->anonymous && (status == 401 || status == 403)) {
		snprintf(msg, sizeof(msg), "%s", qg_error_last()); /* the slot is rewritten */
		qg_error(err, "%s (the request was unsigned: AWS_ACCESS_KEY_ID is not set)", msg);
	}
	return err;
}

int qg_s3_stream_open(struct qg_http_stream **out, const char *url)
{
	return qg_s3_stream_get(out, url, NULL);
}

int qg_s3_stream_get(struct qg_http_stream **out, const char *url, long *status_out)
{
	return qg_s3_stream_get_from(out, url, 0, status_out);
}

int qg_s3_stream_get_from(struct qg_http_stream **out, const char *url, long long offset, long *status_out)
{
	struct s3_env e;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), range = QG_BUF_INIT(64);
	struct qg_strvec hdrs = QG_STRVEC_INIT;
	struct qg_http_req req = { 0 };
	const char *extra[2] = { NULL, NULL };
	char *bucket = NULL, *key = NULL, *name = NULL;
	long status = 0;
	int err;

	*out = NULL;
	if (status_out)
		*status_out = 0;
	if ((err = qg_s3_parse_url(&bucket, &key, url)) < 0)
		return err;
	if (!*key) {
		free(bucket);
		free(key);
		return qg_error(QG_EUSAGE, "'%s': expected s3://bucket/key (a prefix ends with '/' and is listed)", url);
	}
	if ((err = s3_env_load(&e)) < 0)
		goto done;
	name = qg_redact_url(url);
	if (!name) {
		err = QG_ENOMEM;
		goto done;
	}
	if (offset > 0) {
		if (qg_buf_addf(&range, "Range: bytes=%lld-", offset) < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		extra[0] = range.buf;
	}
	if ((err = s3_prepare(&u, &hdrs, &e, "GET", bucket, key, NULL, offset > 0 ? extra : NULL, NULL, 0)) < 0)
		goto done;
	req.method = "GET";
	req.url = u.buf;
	req.headers = hdrs.v;
	req.name = name;
	req.error_excerpt = s3_error_excerpt;
	req.status_out = &status;
	req.ca_file = tls.ca_file;
	if (tls.insecure)
		req.flags |= QG_HTTP_INSECURE;
	err = qg_http_stream_open(out, &req);
	if (status_out)
		*status_out = status;
	err = hint_anonymous(err, status, &e);
done:
	s3_env_release(&e);
	qg_strvec_clear(&hdrs);
	qg_buf_release(&u);
	qg_buf_release(&range);
	free(name);
	free(bucket);
	free(key);
	return err;
}

int qg_s3_request(struct qg_http_resp *resp, const char *method, const char *bucket, const char *key,
		  const char *query, const char *const *headers, const void *body, size_t body_len,
		  unsigned flags)
{
	struct s3_env e;
	struct qg_buf u = QG_BUF_INIT(QG_CAP_URL), name = QG_BUF_INIT(QG_CAP_URL);
	struct qg_strvec hdrs = QG_STRVEC_INIT;
	struct qg_http_req req = { 0 };
	int err;

	if (!method)
		method = body ? "PUT" : "GET";
	if (!key)
		key = "";
	if ((err = s3_env_load(&e)) < 0)
		return err;
	if ((err = qg_buf_addf(&name, "s3://%s/%s", bucket, key)) < 0)
		goto done;
	if ((err = s3_prepare(&u, &hdrs, &e, method, bucket, key, query, headers, body, body_len)) < 0)
		goto done;
	req.method = method;
	req.url = u.buf;
	req.headers = hdrs.v;
	req.body = body;
	req.body_len = body_len;
	req.flags = flags | (tls.insecure ? QG_HTTP_INSECURE : 0);
	req.ca_file = tls.ca_file;
	req.name = name.buf;
	req.error_excerpt = s3_error_excerpt;
	err = qg_http_request(&req, resp);
	err = hint_anonymous(err, resp->status, &e);
done:
	s3_env_release(&e);
	qg_strvec_clear(&hdrs);
	qg_buf_release(&u);
	qg_buf_release(&name);
	return err;
}

/* ---- ListObjectsV2 ---- */

static int xml_unescape(struct qg_buf *out, const char *s, size_t len)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t i, k;
	int err = 0;

	for (i = 0; i < len && !err; i++) {
		if (s[i] != '&') {
			err = qg_buf_addch(out, s[i]);
			continue;
		}
		for (k = 0; k < QG_ARRAY_SIZE(ents); k++) {
			size_t n = strlen(ents[k].ent);

			if (i + n <= len && !memcmp(s + i, ents[k].ent, n)) {
				err = qg_buf_addch(out, ents[k].c);
				i += n - 1;
				break;
			}
		}
		if (k < QG_ARRAY_SIZE(ents))
			continue;
		if (i + 2 < len && s[i + 1] == '#') {
			char *end;
			int hexa = s[i + 2] == 'x' || s[i + 2] == 'X';
			unsigned long cp = strtoul(s + i + 2 + hexa, &end, hexa ? 16 : 10);

			if ((size_t)(end - s) < len && *end == ';' && cp && cp <= 0x10FFFF) {
				unsigned char u[4];
				size_t un;

				if (cp < 0x80) {
					u[0] = (unsigned char)cp;
					un = 1;
				} else if (cp < 0x800) {
					u[0] = (unsigned char)(0xC0 | (cp >> 6));
					u[1] = (unsigned char)(0x80 | (cp & 0x3F));
					un = 2;
				} else if (cp < 0x10000) {
					u[0] = (unsigned char)(0xE0 | (cp >> 12));
					u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
					u[2] = (unsigned char)(0x80 | (cp & 0x3F));
					un = 3;
				} else {
					u[0] = (unsigned char)(0xF0 | (cp >> 18));
					u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
					u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
					u[3] = (unsigned char)(0x80 | (cp & 0x3F));
					un = 4;
				}
				err = qg_buf_add(out, u, un);
				i = (size_t)(end - s);
				continue;
			}
		}
		err = qg_buf_addch(out, '&');
	}
	return err;
}

/* Text of the first <tag>...</tag> in [p, end), unescaped into out. 1 found, 0 not. */
static int xml_elem(struct qg_buf *out, const char *p, const char *end, const char *tag)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = memmem(p, (size_t)(end - p), open, strlen(open));
	if (!a)
		return 0;
	a += strlen(open);
	b = memmem(a, (size_t)(end - a), close, strlen(close));
	if (!b)
		return 0;
	qg_buf_reset(out);
	return xml_unescape(out, a, (size_t)(b - a)) < 0 ? -1 : 1;
}

int qg_s3_list(struct qg_strvec *out, const char *url)
{
	struct qg_http_resp resp;
	struct qg_buf query = QG_BUF_INIT(QG_CAP_URL), token = QG_BUF_INIT(QG_CAP_URL), key = QG_BUF_INIT(QG_CAP_URL), flag = QG_BUF_INIT(QG_CAP_URL);
	char *bucket = NULL, *prefix = NULL;
	const char *p, *end, *c, *ce;
	int err, pages = 0, truncated = 0;
	const char *mk;
	char *mk_end;
	long max_keys = 0;

	qg_http_resp_init(&resp);
	if ((err = qg_s3_parse_url(&bucket, &prefix, url)) < 0)
		return err;
	/* page size: S3's default (1000) unless QG_S3_LIST_MAX_KEYS says less */
	if ((mk = env_nonempty("QG_S3_LIST_MAX_KEYS"))) {
		max_keys = strtol(mk, &mk_end, 10);
		if (*mk_end || max_keys < 1 || max_keys > 1000)
			max_keys = 0;
	}
	do {
		qg_buf_reset(&query);
		err = qg_buf_addstr(&query, "list-type=2&prefix=");
		if (!err)
			err = qg_sigv4_uri_encode(&query, prefix, 0);
		if (!err && max_keys)
			err = qg_buf_addf(&query, "&max-keys=%ld", max_keys);
		if (!err && token.len) {
			err = qg_buf_addstr(&query, "&continuation-token=");
			if (!err)
				err = qg_sigv4_uri_encode(&query, token.buf, 0);
		}
		if (err < 0)
			break;
		if ((err = qg_s3_request(&resp, "GET", bucket, "", query.buf, NULL, NULL, 0, 0)) < 0) {
			qg_error_wrap("listing '%s': ", url);
			break;
		}
		p = resp.body.buf;
		end = p + resp.body.len;
		if (!memmem(p, resp.body.len, "<ListBucketResult", 17)) {
			err = qg_error(QG_ENET, "'%s': listing answer is not a ListBucketResult", url);
			break;
		}
		for (c = p; (c = memmem(c, (size_t)(end - c), "<Contents>", 10)); c = ce) {
			ce = memmem(c, (size_t)(end - c), "</Contents>", 11);
			if (!ce) {
				err = qg_error(QG_ENET, "'%s': malformed listing answer", url);
				break;
			}
			if (xml_elem(&key, c, ce, "Key") == 1 && key.len && key.buf[key.len - 1] != '/' &&
			    (err = qg_strvec_pushf(out, "s3://%s/%s", bucket, key.buf)) < 0)
				break;
		}
		if (err < 0)
			break;
		truncated = xml_elem(&flag, p, end, "IsTruncated") == 1 && !strcmp(flag.buf, "true");
		qg_buf_reset(&token);
		if (truncated && xml_elem(&token, p, end, "NextContinuationToken") != 1) {
			err = qg_error(QG_ENET, "'%s': truncated listing without a continuation token", url);
			break;
		}
		if (++pages > 100000) {
			err = qg_error(QG_ETOOBIG, "'%s': more than 100000 listing pages", url);
			break;
		}
	} while (truncated);
	qg_http_resp_release(&resp);
	qg_buf_release(&query);
	qg_buf_release(&token);
	qg_buf_release(&key);
	qg_buf_release(&flag);
	free(bucket);
	free(prefix);
	return err;
}

/* ---- writes: conditional PUT, multipart uploads ---- */

int qg_s3_put_if(struct qg_buf *etag_out, const char *bucket, const char *key, const char *if_match,
		 const char *const *headers, const void *body, size_t body_len)
{
	struct qg_http_resp resp;
	struct qg_strvec hdrs = QG_STRVEC_INIT;
	int err;

	qg_http_resp_init(&resp);
	err = headers ? qg_strvec_pushv(&hdrs, headers) : 0;
	if (!err && (!if_match || *if_match))
		err = if_match ? qg_strvec_pushf(&hdrs, "If-Match: %s", if_match)
			       : qg_strvec_push(&hdrs, "If-None-Match: *");
	if (err < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	err = qg_s3_request(&resp, "PUT", bucket, key, NULL, hdrs.v, body ? body : "", body_len,
			    QG_HTTP_ACCEPT_ANY_STATUS);
	if (err < 0)
		goto done;
	/* 412 Precondition Failed; 409 ConditionalRequestConflict (a concurrent
	 * conditional write in flight): either way the object moved */
	if (resp.status == 412 || resp.status == 409) {
		err = QG_ECONFLICT;
		goto done;
	}
	if (resp.status >= 400) {
		struct qg_buf why = QG_BUF_INIT(QG_CAP_MESSAGE);

		if (s3_error_excerpt(&why, resp.body.buf, resp.body.len) < 0 || !why.len)
			qg_buf_reset(&why);
		err = qg_error(resp.status == 404 ? QG_EINPUT : QG_ENET, "'s3://%s/%s': HTTP %ld%s%s", bucket, key,
			       resp.status, why.len ? ": " : "", why.buf);
		qg_buf_release(&why);
		goto done;
	}
	if (etag_out) {
		qg_buf_reset(etag_out);
		if (qg_http_resp_header(&resp, "ETag", etag_out) < 0)
			qg_buf_reset(etag_out);
	}
done:
	qg_strvec_clear(&hdrs);
	qg_http_resp_release(&resp);
	return err;
}

/* "?uploadId=<encoded>" plus extra parameters before it. */
static int upload_query(struct qg_buf *q, const char *before, const char *upload_id)
{
	int err = qg_buf_addstr(q, before ? before : "");

	if (!err)
		err = qg_buf_addstr(q, "uploadId=");
	if (!err)
		err = qg_sigv4_uri_encode(q, upload_id, 0);
	return err < 0 ? qg_error(err, "out of memory") : 0;
}

int qg_s3_multipart_create(char **upload_id, const char *bucket, const char *key, const char *const *headers)
{
	struct qg_http_resp resp;
	struct qg_buf id = QG_BUF_INIT(4096);
	int err, found;

	*upload_id = NULL;
	qg_http_resp_init(&resp);
	err = qg_s3_request(&resp, "POST", bucket, key, "uploads", headers, "", 0, 0);
	if (err < 0)
		goto done;
	found = xml_elem(&id, resp.body.buf, resp.body.buf + resp.body.len, "UploadId");
	if (found < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (!found || !id.len) {
		err = qg_error(QG_ENET, "'s3://%s/%s': the multipart upload answer holds no UploadId", bucket, key);
		goto done;
	}
	*upload_id = qg_buf_detach(&id, NULL);
	if (!*upload_id)
		err = qg_error(QG_ENOMEM, "out of memory");
done:
	qg_buf_release(&id);
	qg_http_resp_release(&resp);
	return err;
}

int qg_s3_multipart_part(struct qg_buf *etag, const char *bucket, const char *key, const char *upload_id, int part,
			 const void *data, size_t len)
{
	struct qg_http_resp resp;
	struct qg_buf q = QG_BUF_INIT(QG_CAP_URL), before = QG_BUF_INIT(64);
	int err;

	if (part < 1 || part > 10000)
		return qg_error(QG_EUSAGE, "'s3://%s/%s': part number %d (expected 1..10000)", bucket, key, part);
	qg_http_resp_init(&resp);
	err = qg_buf_addf(&before, "partNumber=%d&", part) < 0 ? qg_error(QG_ENOMEM, "out of memory") : 0;
	if (!err)
		err = upload_query(&q, before.buf, upload_id);
	if (!err)
		err = qg_s3_request(&resp, "PUT", bucket, key, q.buf, NULL, data ? data : "", len, 0);
	if (!err) {
		qg_buf_reset(etag);
		if (qg_http_resp_header(&resp, "ETag", etag) < 0 || !etag->len)
			err = qg_error(QG_ENET, "'s3://%s/%s': part %d was answered without an ETag", bucket, key, part);
	}
	qg_buf_release(&q);
	qg_buf_release(&before);
	qg_http_resp_release(&resp);
	return err;
}

int qg_s3_multipart_complete(struct qg_buf *etag_out, const char *bucket, const char *key, const char *upload_id,
			     const struct qg_strvec *etags)
{
	struct qg_http_resp resp;
	struct qg_buf q = QG_BUF_INIT(QG_CAP_URL), xml = QG_BUF_INIT(QG_CAP_MESSAGE), why = QG_BUF_INIT(QG_CAP_MESSAGE);
	static const char *const hdrs[] = { "Content-Type: application/xml", NULL };
	size_t i;
	int err;

	if (!etags->nr)
		return qg_error(QG_EUSAGE, "'s3://%s/%s': a multipart upload needs at least one part", bucket, key);
	qg_http_resp_init(&resp);
	err = qg_buf_addstr(&xml, "<CompleteMultipartUpload>");
	for (i = 0; !err && i < etags->nr; i++)
		err = qg_buf_addf(&xml, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", i + 1, etags->v[i]);
	if (!err)
		err = qg_buf_addstr(&xml, "</CompleteMultipartUpload>");
	err = err < 0 ? qg_error(err, "out of memory") : upload_query(&q, NULL, upload_id);
	if (!err)
		err = qg_s3_request(&resp, "POST", bucket, key, q.buf, hdrs, xml.buf, xml.len, 0);
	if (err < 0)
		goto done;
	/* S3 may answer 200 and still fail: the error is then in the body */
	if (!memmem(resp.body.buf, resp.body.len, "<CompleteMultipartUploadResult", 30)) {
		if (s3_error_excerpt(&why, resp.body.buf, resp.body.len) < 0)
			qg_buf_reset(&why);
		err = qg_error(QG_ENET, "'s3://%s/%s': completing the multipart upload failed%s%s", bucket, key,
			       why.len ? ": " : "", why.buf);
		goto done;
	}
	if (etag_out && xml_elem(etag_out, resp.body.buf, resp.body.buf + resp.body.len, "ETag") != 1)
		qg_buf_reset(etag_out);
done:
	qg_buf_release(&q);
	qg_buf_release(&xml);
	qg_buf_release(&why);
	qg_http_resp_release(&resp);
	return err;
}

int qg_s3_multipart_abort(const char *bucket, const char *key, const char *upload_id)
{
	struct qg_http_resp resp;
	struct qg_buf q = QG_BUF_INIT(QG_CAP_URL);
	int err;

	qg_http_resp_init(&resp);
	err = upload_query(&q, NULL, upload_id);
	if (!err)
		err = qg_s3_request(&resp, "DELETE", bucket, key, q.buf, NULL, NULL, 0, 0);
	qg_buf_release(&q);
	qg_http_resp_release(&resp);
	return err;
}
