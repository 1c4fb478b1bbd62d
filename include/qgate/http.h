/* http.h -- HTTP(S) requests and streamed downloads (libcurl, loaded on first use)
 *
 * Invariants: libcurl is dlopen'ed once (pthread_once) the first time any
 * function here needs it, so programs that never touch the network do not
 * pay for it. TLS peers and host names are always verified; the CA bundle can
 * be overridden with QG_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE (first set
 * wins). Initial URLs may be http:// or https://; redirects are followed only
 * to https:// (at most 10: past that "too many redirects (10)"). A request
 * carrying headers of its own (signed: S3's x-amz-security-token) never
 * follows a redirect to another origin (scheme, host or port): it fails
 * naming the redirect, since libcurl would drop only Authorization. Connect
 * timeout 30 s (QG_HTTP_CONNECT_TIMEOUT); a transfer slower than 1 byte/s for
 * 60 s (QG_HTTP_LOW_SPEED_TIME) aborts; every transfer, streams included, has
 * a total deadline of QG_HTTP_DEFAULT_TIMEOUT (3600 s, QG_HTTP_TIMEOUT; the
 * gate's --timeout, set by qg_http_set_fetch(), replaces both; a request's
 * smaller timeout_s wins), so a server dripping bytes still ends.
 * These variables take whole seconds (1..604800; unset or empty = the
 * default); any other value is QG_EUSAGE naming the variable. A 2xx HTTP/1 body with neither
 * Content-Length nor chunked framing (close-delimited: truncation cannot be
 * seen) is refused (QG_ENET) unless the request has QG_HTTP_ALLOW_UNFRAMED,
 * the gate's --allow-unframed was given, or the environment has
 * QG_HTTP_ALLOW_UNFRAMED=1 ("0", empty or unset: refuse; else QG_EUSAGE).
 * A status >= 400 is an error unless QG_HTTP_ACCEPT_ANY_STATUS is set: 404 and
 * 410 are QG_EINPUT, others QG_ENET, and the message carries the status and a
 * short excerpt of the body (the caller's summary when it gives one, as S3
 * does for its XML errors), redacted by qg_redact(). URLs in messages are
 * named by qg_redact_url() (userinfo and query string dropped); header values
 * and request bodies never appear in messages. Nothing here knows a service.
 * Connections, DNS answers and TLS sessions are shared by every request of
 * the process (one curl share, locked per kind): a request to a host talked
 * to before reuses its open connection (keep-alive), as a registry push of
 * dozens of requests needs; libcurl matches a connection only to requests
 * with the same TLS settings.
 */
#ifndef QGATE_HTTP_H
#define QGATE_HTTP_H

#include <stddef.h>
#include <sys/types.h>
#include "qgate/buf.h"

enum qg_http_flags {
	QG_HTTP_ACCEPT_ANY_STATUS = 1 << 0, /* a status >= 400 is returned, not an error */
	QG_HTTP_NO_REDIRECT = 1 << 1,       /* do not follow redirects */
	QG_HTTP_HEAD = 1 << 2,              /* no response body (CURLOPT_NOBODY) */
	QG_HTTP_ALLOW_UNFRAMED = 1 << 3,    /* accept a close-delimited body */
	QG_HTTP_INSECURE = 1 << 4,          /* no TLS peer/host verification (--insecure) */
	/* redirects may leave the origin although the request has headers: its only
	 * secret is Authorization, which libcurl drops on another host (registry
	 * blobs redirected to a CDN) */
	QG_HTTP_REDIRECT_ANY_ORIGIN = 1 << 5,
};

#define QG_HTTP_DEFAULT_TIMEOUT 3600L       /* s, total per transfer (QG_HTTP_TIMEOUT) */

struct qg_http_req {
	const char *method;          /* NULL = "GET" (or "PUT"/"POST" when body is set) */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
	const void *body;            /* request body, or NULL */
	size_t body_len;
	unsigned flags;              /* enum qg_http_flags */
	double timeout_s;            /* whole transfer, 0 = the default deadline */
	size_t max_body;             /* response body cap, 0 = 64 MiB (QG_ETOOBIG past it) */
	const char *name;            /* how messages name the request; NULL = redacted URL */
	/* A one-line summary of an error body for the message (S3: "<Code>:
	 * <Message>"); append nothing to fall back to the body's start. NULL =
	 * the body's start. Its text is redacted like the default. */
	int (*error_excerpt)(struct qg_buf *out, const char *body, size_t len);
	long *status_out;            /* when not NULL: the final status (0 = none),
	                                set even when the request fails */
	/* A streamed request body (registry uploads): when read_body is not NULL,
	 * body must be NULL and libcurl pulls the bytes through it: it returns a
	 * count, 0 at the end, or a negative QG_E* code (after qg_error()) that
	 * ends the transfer and is what qg_http_request() returns. body_size
	 * bytes are announced as Content-Length (-1: chunked transfer). The body
	 * is never rewound: a request that would need it again fails (QG_ENET). */
	ssize_t (*read_body)(void *ctx, void *buf, size_t len);
	void *read_ctx;
	long long body_size;
	const char *ca_file;         /* CA bundle for this request (replaces the default
	                                and QG_CA_BUNDLE...), or NULL */
};

struct qg_http_resp {
	long status;                 /* final HTTP status, 0 when none was received */
	struct qg_buf body;          /* response body */
	struct qg_buf headers;       /* raw header block of the final response */
};

void qg_http_resp_init(struct qg_http_resp *r);
void qg_http_resp_release(struct qg_http_resp *r);
/* Copy the value of the first header `name` (case-insensitive) of the final
 * response into out (reset first). 0, or QG_ENOTFOUND when absent. */
int qg_http_resp_header(const struct qg_http_resp *r, const char *name, struct qg_buf *out);

/* Run one request to completion and fill resp (init'ed by the caller).
 * 0 when a response was received and its status is < 400 (or any status with
 * QG_HTTP_ACCEPT_ANY_STATUS); QG_ENET/QG_EINPUT/QG_ETIMEOUT/QG_ETOOBIG otherwise,
 * with a message naming the URL. */
int qg_http_request(const struct qg_http_req *req, struct qg_http_resp *resp);

/* A streamed GET: bytes are pulled with qg_http_stream_read() and buffered in
 * a bounded window (1 MiB), so memory stays bounded whatever the size.
 * open returns once the final status is known: an error status fails here. */
struct qg_http_stream;
int qg_http_stream_open(struct qg_http_stream **out, const struct qg_http_req *req);
/* Count, 0 at the end, or a negative QG_E* code. */
ssize_t qg_http_stream_read(struct qg_http_stream *h, void *buf, size_t len);
long qg_http_stream_status(const struct qg_http_stream *h);
/* Copy the value of the first header `name` of the stream's final response
 * into out (reset first): 0, or QG_ENOTFOUND when absent. */
int qg_http_stream_header(const struct qg_http_stream *h, const char *name, struct qg_buf *out);
void qg_http_stream_free(struct qg_http_stream *h);

/* The gate's transfer options (QG_OPTS_FETCH in opts.h: --timeout,
 * --allow-unframed) for every transfer of this process, streams and S3
 * requests included; NULL clears them. Call it once, before any input is
 * read (qg_gate_run() does, for a command with a `fetch` member); the
 * values are read without a lock afterwards. Loads nothing. */
struct qg_fetch_opts;
void qg_http_set_fetch(const struct qg_fetch_opts *f);

/* libcurl's version string ("libcurl/7.88.1 ..."), loading it if needed;
 * NULL when it cannot be loaded. Borrowed. */
const char *qg_http_libcurl_version(void);

#endif
