/* http.c -- HTTP(S) requests and streamed downloads through libcurl
 *
 * libcurl is dlopen'ed once (pthread_once) and only the functions used here
 * are resolved into a table; curl.h is included for types and constants only.
 * CURL handles never leave this file.
 *
 * Streams use a multi handle driven from qg_http_stream_read(): the write
 * callback copies into a window of 1 MiB and pauses the transfer
 * (CURL_WRITEFUNC_PAUSE) when the window is full; the reader drains the window
 * and unpauses. So memory stays bounded and no thread is needed. The
 * low-speed abort does not fire while paused (libcurl skips paused transfers).
 *
 * Nothing that could hold a secret reaches a message: URLs are named by
 * qg_redact_url() (userinfo and query dropped), header values are never
 * echoed, and error bodies are cut to a short excerpt (the caller may give
 * its own summary, as s3.c does for S3's XML errors) that goes through
 * qg_redact() after the values of AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 * are masked. This file knows no service's error shape.
 *
 * Streamed request bodies (req->read_body, registry blob uploads) go through
 * CURLOPT_UPLOAD with a read callback; a callback error is kept and returned
 * instead of libcurl's "aborted by callback", so the caller's message wins.
 */
#include "qgate/common.h"
#include "qgate/env.h"
#include "qgate/http.h"
#include "qgate/opts.h"
#include "qgate/redact.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <curl/curl.h>

#define HTTP_WINDOW (1u << 20)
#define HTTP_ERR_EXCERPT 4096
#define HTTP_HEADERS_CAP (64u << 10)
#define HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)
#define HTTP_UPLOAD_BUFFER (512u << 10)

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	CURLcode (*easy_pause)(CURL *, int);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	char *(*version)(void);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	void (*url_cleanup)(CURLU *);
	void (*curl_free_fn)(void *);
	CURLSH *(*share_init)(void);
	CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
} api;

/* One share for the process: connections (keep-alive across requests: a
 * registry push is dozens of requests to one host), DNS answers and TLS
 * sessions. Guarded per data kind, since streams and requests may run on
 * several threads. NULL when it could not be made (requests then open their
 * own connections, as before). */
static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
	(void)h;
	(void)access;
	(void)userp;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
	(void)h;
	(void)userp;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&share_locks[data]);
}

static void share_make(void)
{
	CURLSH *sh = api.share_init();

	if (!sh)
		return;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	if (api.share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
	    api.share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
	    api.share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    api.share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    api.share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
		return; /* kept (a share may not be freed half set up in use): unused */
	share = sh;
}

static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static char api_error[512];

#define RESOLVE(field, sym) \
	do { \
		*(void **)&api.field = dlsym(h, sym); \
		if (!api.field) { \
			snprintf(api_error, sizeof(api_error), "%s not found in %s", sym, QG_LIBCURL_SONAME); \
			return; \
		} \
	} while (0)

static void api_load(void)
{
	void *h = dlopen(QG_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(api_error, sizeof(api_error), "cannot load %s: %s", QG_LIBCURL_SONAME,
			 e ? e : "unknown error");
		return;
	}
	RESOLVE(global_init, "curl_global_init");
	RESOLVE(easy_init, "curl_easy_init");
	RESOLVE(easy_setopt, "curl_easy_setopt");
	RESOLVE(easy_getinfo, "curl_easy_getinfo");
	RESOLVE(easy_perform, "curl_easy_perform");
	RESOLVE(easy_cleanup, "curl_easy_cleanup");
	RESOLVE(easy_strerror, "curl_easy_strerror");
	RESOLVE(easy_pause, "curl_easy_pause");
	RESOLVE(slist_append, "curl_slist_append");
	RESOLVE(slist_free_all, "curl_slist_free_all");
	RESOLVE(multi_init, "curl_multi_init");
	RESOLVE(multi_add_handle, "curl_multi_add_handle");
	RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
	RESOLVE(multi_perform, "curl_multi_perform");
	RESOLVE(multi_poll, "curl_multi_poll");
	RESOLVE(multi_info_read, "curl_multi_info_read");
	RESOLVE(multi_cleanup, "curl_multi_cleanup");
	RESOLVE(version, "curl_version");
	RESOLVE(url, "curl_url");
	RESOLVE(url_set, "curl_url_set");
	RESOLVE(url_get, "curl_url_get");
	RESOLVE(url_cleanup, "curl_url_cleanup");
	RESOLVE(curl_free_fn, "curl_free");
	RESOLVE(share_init, "curl_share_init");
	RESOLVE(share_setopt, "curl_share_setopt");
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(api_error, sizeof(api_error), "curl_global_init failed");
		api.global_init = NULL;
		return;
	}
	share_make();
	/* the library stays loaded for the life of the process */
}

static int api_ready(void)
{
	pthread_once(&api_once, api_load);
	if (!api.global_init || !api.version)
		return qg_error(QG_ERROR, "libcurl unavailable: %s", api_error[0] ? api_error : "not loaded");
	return 0;
}

const char *qg_http_libcurl_version(void)
{
	return api_ready() < 0 ? NULL : api.version();
}

/* ---- error messages ---- */

/* The start of an error body on one line: whitespace and control bytes
 * collapsed to single spaces, cut after 200 bytes. */
static int body_excerpt(struct qg_buf *out, const char *body, size_t len)
{
	size_t i, start = out->len;
	int space = 0, err = 0;

	for (i = 0; i < len && out->len - start < 200 && !err; i++) {
		unsigned char c = (unsigned char)body[i];

		if (isspace(c) || c < 0x20 || c == 0x7f) {
			if (!space && out->len > start)
				err = qg_buf_addch(out, ' ');
			space = 1;
			continue;
		}
		space = 0;
		err = qg_buf_addch(out, c);
	}
	if (!err && i < len)
		err = qg_buf_addstr(out, "...");
	return err;
}

/* The excerpt for a message: the caller's summary of the body (S3 gives
 * "<Code>: <Message>") or its start, redacted. The values of the secrets in
 * the environment are masked in the body before it is cut, so no part of
 * one survives at the cut. */
static int error_excerpt(struct qg_buf *out, const char *body, size_t len, const struct qg_http_req *req)
{
	struct qg_buf head = QG_BUF_INIT(QG_CAP_MESSAGE), raw = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	err = qg_buf_add(&head, body, len < HTTP_ERR_EXCERPT ? len : HTTP_ERR_EXCERPT);
	if (!err)
		err = qg_redact_value(&head, getenv("AWS_SECRET_ACCESS_KEY"));
	if (!err)
		err = qg_redact_value(&head, getenv("AWS_SESSION_TOKEN"));
	if (!err && req && req->url) /* a server echoing the password or signature */
		err = qg_redact_url_secrets(&head, req->url);
	if (!err && req && req->error_excerpt)
		err = req->error_excerpt(&raw, head.buf, head.len);
	if (!err && !raw.len)
		err = body_excerpt(&raw, head.buf, head.len);
	qg_buf_rtrim(&raw);
	if (!err)
		err = qg_redact(out, raw.buf);
	qg_buf_release(&head);
	qg_buf_release(&raw);
	return err;
}

static int status_error(const char *name, long status, const struct qg_buf *body, const struct qg_http_req *req)
{
	struct qg_buf ex = QG_BUF_INIT(QG_CAP_MESSAGE);
	int code = status == 404 || status == 410 ? QG_EINPUT : QG_ENET;
	int ret;

	if (error_excerpt(&ex, body->buf, body->len, req) < 0)
		qg_buf_reset(&ex); /* a message without the excerpt rather than none */
	if (status >= 300 && status < 400)
		ret = qg_error(code, "'%s': HTTP %ld: redirect not followed (only https redirects are)", name,
			       status);
	else
		ret = qg_error(code, "'%s': HTTP %ld%s%s", name, status, ex.len ? ": " : "", ex.buf);
	qg_buf_release(&ex);
	return ret;
}

#define HTTP_MAX_REDIRS 10L

/* Why a callback ended the transfer (a refusal, not a network error). */
enum http_refusal { HTTP_OK = 0, HTTP_CROSS_HOST, HTTP_UNFRAMED };

struct http_common {
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs;
	struct qg_buf *headers;       /* header block of the latest response */
	CURL *easy;
	int same_origin;              /* signed: redirects stay on the origin */
	int follow;                   /* redirects are followed */
	int allow_unframed;
	int nobody;
	int cut;                      /* the header block passed its cap */
	enum http_refusal refused;
	char *where;                  /* the refused redirect, redacted */
	long deadline_s;              /* the total deadline set, for messages */
	const struct qg_http_req *req; /* for the streamed body's callback */
	int read_err;                 /* the streamed body's callback failed with this */
	const char *deadline_from;    /* where it came from: "--timeout" or "QG_HTTP_TIMEOUT" */
};

/* The process's transfer options (--timeout, --allow-unframed), set once by
 * the gate before any input is read; read-only afterwards, so the threads
 * that read inputs see the same values. */
static struct {
	long timeout_s;               /* 0: QG_HTTP_TIMEOUT or the default */
	int allow_unframed;
} fetch;

void qg_http_set_fetch(const struct qg_fetch_opts *f)
{
	fetch.timeout_s = f ? (long)f->timeout : 0;
	fetch.allow_unframed = f ? f->allow_unframed : 0;
}

static int curl_error(const char *name, CURLcode rc, const struct http_common *c)
{
	const char *what = api.easy_strerror(rc);
	const char *detail = c->errbuf;

	if (c->refused == HTTP_CROSS_HOST)
		return qg_error(QG_ENET, "'%s': redirect to another host ('%s') not followed: the request is "
			       "signed and its headers would go along", name, c->where ? c->where : "?");
	if (c->refused == HTTP_UNFRAMED)
		return qg_error(QG_ENET, "'%s': the response has neither Content-Length nor chunked framing, "
			       "so a truncated body could not be told from a whole one (allow it with "
			       "--allow-unframed or QG_HTTP_ALLOW_UNFRAMED=1)", name);
	if (rc == CURLE_TOO_MANY_REDIRECTS)
		return qg_error(QG_ENET, "'%s': too many redirects (%ld)", name, HTTP_MAX_REDIRS);
	if (rc == CURLE_OPERATION_TIMEDOUT && c->deadline_s > 0 && strstr(detail, "Operation timed out after"))
		return qg_error(QG_ETIMEOUT, "'%s': timed out: the transfer took longer than %ld s "
			       "(%s): %s", name, c->deadline_s, c->deadline_from, detail);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return qg_error(QG_ETIMEOUT, "'%s': timed out: %s", name, detail && *detail ? detail : what);
	if (detail && *detail)
		return qg_error(QG_ENET, "'%s': %s: %s", name, what, detail);
	return qg_error(QG_ENET, "'%s': %s", name, what);
}

/* ---- handle setup shared by requests and streams ---- */

/* A whole number of seconds from the environment (lib/core/env.c's rule:
 * unset or empty = def, anything but 1..604800 is QG_EUSAGE naming it). */
static int env_seconds(const char *name, long def, long *out)
{
	*out = def;
	return qg_env_long(name, 1, 604800L, out);
}

/* QG_HTTP_ALLOW_UNFRAMED: unset, empty or "0" = refuse close-delimited
 * bodies, "1" = accept them (as --allow-unframed does); else QG_EUSAGE. */
static int env_allow_unframed(int *out)
{
	static const char *const values[] = { "0", "1" };
	int i = -1, err;

	err = qg_env_choice("QG_HTTP_ALLOW_UNFRAMED", values, QG_ARRAY_SIZE(values), &i);
	*out = i == 1;
	return err;
}

/* scheme://host:port of url (base resolves a relative url), lowercased by
 * libcurl; NULL when it cannot be parsed. */
static char *url_origin(const char *base, const char *url)
{
	CURLU *u = api.url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	size_t n;

	if (!u)
		return NULL;
	if ((base && api.url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) ||
	    api.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    api.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    api.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    api.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto done;
	n = strlen(scheme) + strlen(host) + strlen(port) + 5;
	out = malloc(n);
	if (out) {
		snprintf(out, n, "%s://%s:%s", scheme, host, port);
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
done:
	if (scheme)
		api.curl_free_fn(scheme);
	if (host)
		api.curl_free_fn(host);
	if (port)
		api.curl_free_fn(port);
	api.url_cleanup(u);
	return out;
}

/* The value of header name in a header block, or NULL (points into block,
 * up to the line's end). */
static const char *block_header(const char *block, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *line, *eol, *v;

	for (line = block; line && *line; line = *eol ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		if (!strncasecmp(line, name, n) && line[n] == ':') {
			v = line + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (eol > v && isspace((unsigned char)eol[-1]))
				eol--;
			*len = (size_t)(eol - v);
			return v;
		}
	}
	return NULL;
}

/* At the end of a response's headers: refuse a redirect of a signed request
 * to another origin (libcurl would drop Authorization only, not the other
 * signed headers such as x-amz-security-token), and a 2xx body that has no
 * framing (HTTP/1 with neither Content-Length nor chunked: a cut connection
 * would look like the end). 0 = go on, -1 = refused (c->refused set). */
static int headers_done(struct http_common *c)
{
	const char *block = c->headers->buf, *v;
	long status = 0;
	size_t len;

	api.easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status < 400 && c->same_origin && c->follow && c->cut) {
		/* a Location past the cap would go unchecked: fail closed */
		c->refused = HTTP_CROSS_HOST;
		return -1;
	}
	if (status >= 300 && status < 400 && c->same_origin && c->follow &&
	    (v = block_header(block, "Location", &len)) && len) {
		char *loc = malloc(len + 1), *cur = NULL, *from, *to;
		int same;

		if (!loc)
			return -1;
		memcpy(loc, v, len);
		loc[len] = '\0';
		api.easy_getinfo(c->easy, CURLINFO_EFFECTIVE_URL, &cur);
		from = cur ? url_origin(NULL, cur) : NULL;
		to = cur ? url_origin(cur, loc) : NULL;
		same = from && to && !strcmp(from, to);
		free(from);
		free(to);
		if (!same) {
			c->refused = HTTP_CROSS_HOST;
			c->where = qg_redact_url(loc);
			free(loc);
			return -1;
		}
		free(loc);
		return 0;
	}
	if (status >= 200 && status < 300 && status != 204 && !c->nobody && !c->allow_unframed &&
	    !strncmp(block, "HTTP/1", 6) && !block_header(block, "Content-Length", &len)) {
		v = block_header(block, "Transfer-Encoding", &len);
		if (!v || len < 7 || strncasecmp(v + len - 7, "chunked", 7)) {
			c->refused = HTTP_UNFRAMED;
			return -1;
		}
	}
	return 0;
}

static const char *ca_bundle(void)
{
	static const char *const vars[] = { "QG_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE" };
	size_t i;

	for (i = 0; i < QG_ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_common *c = userp;
	size_t n = size * nmemb;

	if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
		qg_buf_reset(c->headers); /* a new response (redirect, 100 Continue) */
		c->cut = 0;
	}
	if (c->headers->len + n > HTTP_HEADERS_CAP)
		c->cut = 1;
	/* past the cap the rest is dropped (no header we read lies that far);
	 * out of memory ends the transfer rather than losing headers unseen */
	if (c->headers->len + n <= HTTP_HEADERS_CAP && qg_buf_add(c->headers, data, n) < 0)
		return 0;
	if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n'))
		if (headers_done(c) < 0)
			return 0;
	return n;
}

/* The streamed request body: the caller's callback, its error kept. */
static size_t read_cb(char *buf, size_t size, size_t nmemb, void *userp)
{
	struct http_common *c = userp;
	ssize_t n = c->req->read_body(c->req->read_ctx, buf, size * nmemb);

	if (n < 0) {
		c->read_err = (int)n;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

static int has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (; headers && *headers; headers++)
		if (!strncasecmp(*headers, name, n) && (*headers)[n] == ':')
			return 1;
	return 0;
}

static int setup_easy(CURL **out, struct http_common *c, const struct qg_http_req *req, const char *name)
{
	const char *method = req->method;
	const char *ca = ca_bundle();
	const char *const *hp;
	struct curl_slist *l;
	long connect_s, low_s, total_s;
	CURL *e;
	int err, unframed_ok;

	*out = NULL;
	if ((err = env_seconds("QG_HTTP_CONNECT_TIMEOUT", 30, &connect_s)) < 0 ||
	    (err = env_seconds("QG_HTTP_LOW_SPEED_TIME", 60, &low_s)) < 0 ||
	    (err = env_seconds("QG_HTTP_TIMEOUT", QG_HTTP_DEFAULT_TIMEOUT, &total_s)) < 0 ||
	    (err = env_allow_unframed(&unframed_ok)) < 0)
		return err;
	c->deadline_from = "QG_HTTP_TIMEOUT";
	if (fetch.timeout_s > 0) { /* the flag overrides the environment */
		total_s = fetch.timeout_s;
		c->deadline_from = "--timeout";
	}
	if (!req->url || !*req->url)
		return qg_error(QG_EUSAGE, "empty URL");
	if (strncmp(req->url, "https://", 8) && strncmp(req->url, "http://", 7))
		return qg_error(QG_EUSAGE, "'%s': only http:// and https:// URLs are supported", name);
	e = api.easy_init();
	if (!e)
		return qg_error(QG_ENOMEM, "'%s': cannot create a curl handle", name);
	*out = e;
	c->easy = e;
	c->same_origin = req->headers && *req->headers && !(req->flags & QG_HTTP_REDIRECT_ANY_ORIGIN);
	c->req = req;
	c->allow_unframed = unframed_ok || fetch.allow_unframed || (req->flags & QG_HTTP_ALLOW_UNFRAMED);
	if (!method)
		method = req->body ? "PUT" : (req->flags & QG_HTTP_HEAD) ? "HEAD" : "GET";
	c->errbuf[0] = '\0';
	api.easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	api.easy_setopt(e, CURLOPT_URL, req->url);
	api.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (share)
		api.easy_setopt(e, CURLOPT_SHARE, share);
	api.easy_setopt(e, CURLOPT_USERAGENT, "qgate/" QG_VERSION_STR);
	if (api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		api.easy_setopt(e, (CURLoption)181 /* CURLOPT_PROTOCOLS */, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	if (!(req->flags & QG_HTTP_NO_REDIRECT)) {
		c->follow = 1;
		api.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		api.easy_setopt(e, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
		if (api.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK)
			api.easy_setopt(e, (CURLoption)182 /* CURLOPT_REDIR_PROTOCOLS */, (long)CURLPROTO_HTTPS);
	}
	if (req->flags & QG_HTTP_INSECURE) {
		api.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		api.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		api.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		api.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (req->ca_file && *req->ca_file)
		ca = req->ca_file;
	if (ca)
		api.easy_setopt(e, CURLOPT_CAINFO, ca);
	api.easy_setopt(e, CURLOPT_CONNECTTIMEOUT, connect_s);
	api.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	api.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, low_s);
	/* a total deadline always: a server dripping a byte a second passes the
	 * low-speed limit forever */
	if (req->timeout_s > 0 && req->timeout_s < (double)total_s) {
		api.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout_s * 1000));
	} else {
		c->deadline_s = total_s;
		api.easy_setopt(e, CURLOPT_TIMEOUT, total_s);
	}
	/* a proxy's "200 Connection established" is no response of ours (it has
	 * no Content-Length and would read as an unframed body) */
	api.easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	api.easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	api.easy_setopt(e, CURLOPT_HEADERDATA, c);

	if (req->flags & QG_HTTP_HEAD || !strcmp(method, "HEAD")) {
		c->nobody = 1;
		api.easy_setopt(e, CURLOPT_NOBODY, 1L);
	}
	else if (strcmp(method, "GET"))
		api.easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (req->read_body || req->body ||
	    (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "DELETE"))) {
		if (req->read_body) {
			api.easy_setopt(e, CURLOPT_UPLOAD, 1L);
			api.easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
			api.easy_setopt(e, CURLOPT_READDATA, c);
			api.easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)HTTP_UPLOAD_BUFFER);
			if (req->body_size >= 0)
				api.easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_size);
		} else {
			api.easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
			api.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					(curl_off_t)(req->body ? req->body_len : 0));
		}
		if (!has_header(req->headers, "Content-Type")) {
			l = api.slist_append(c->hdrs, "Content-Type: application/octet-stream");
			if (!l)
				return qg_error(QG_ENOMEM, "out of memory");
			c->hdrs = l;
		}
		l = api.slist_append(c->hdrs, "Expect:");
		if (!l)
			return qg_error(QG_ENOMEM, "out of memory");
		c->hdrs = l;
	}
	for (hp = req->headers; hp && *hp; hp++) {
		l = api.slist_append(c->hdrs, *hp);
		if (!l)
			return qg_error(QG_ENOMEM, "out of memory");
		c->hdrs = l;
	}
	if (c->hdrs)
		api.easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	return 0;
}

/* ---- one-shot requests ---- */

struct req_ctx {
	struct http_common c;
	struct qg_buf *body;
	size_t max_body;
	int too_big;
};

static size_t req_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct req_ctx *r = userp;
	size_t n = size * nmemb;

	if (r->body->len + n > r->max_body || qg_buf_add(r->body, data, n) < 0) {
		r->too_big = 1;
		return 0;
	}
	return n;
}

void qg_http_resp_init(struct qg_http_resp *r)
{
	r->status = 0;
	qg_buf_init(&r->body, QG_CAP_FILE); /* each request sets its own limit: max_body */
	qg_buf_init(&r->headers, HTTP_HEADERS_CAP + 1);
}

void qg_http_resp_release(struct qg_http_resp *r)
{
	if (!r)
		return;
	qg_buf_release(&r->body);
	qg_buf_release(&r->headers);
	r->status = 0;
}

static int header_value(const char *block, const char *name, struct qg_buf *out)
{
	const char *line = block, *eol, *v;
	size_t n = strlen(name);

	qg_buf_reset(out);
	for (; *line; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		if ((size_t)(eol - line) > n && !strncasecmp(line, name, n) && line[n] == ':') {
			v = line + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (eol > v && isspace((unsigned char)eol[-1]))
				eol--;
			return qg_buf_add(out, v, (size_t)(eol - v));
		}
	}
	return QG_ENOTFOUND;
}

int qg_http_resp_header(const struct qg_http_resp *r, const char *name, struct qg_buf *out)
{
	return header_value(r->headers.buf, name, out);
}

int qg_http_request(const struct qg_http_req *req, struct qg_http_resp *resp)
{
	struct req_ctx r;
	char *redacted = NULL;
	const char *name;
	CURL *e = NULL;
	CURLcode rc;
	int err;

	if ((err = api_ready()) < 0)
		return err;
	memset(&r, 0, sizeof(r));
	redacted = req->name ? NULL : qg_redact_url(req->url ? req->url : "");
	name = req->name ? req->name : redacted ? redacted : "url";
	qg_buf_reset(&resp->body);
	qg_buf_reset(&resp->headers);
	resp->status = 0;
	r.c.headers = &resp->headers;
	r.body = &resp->body;
	r.max_body = req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY;
	if ((err = setup_easy(&e, &r.c, req, name)) < 0)
		goto done;
	api.easy_setopt(e, CURLOPT_WRITEFUNCTION, req_write_cb);
	api.easy_setopt(e, CURLOPT_WRITEDATA, &r);
	rc = api.easy_perform(e);
	api.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	if (req->status_out)
		*req->status_out = resp->status;
	if (r.c.read_err)
		err = r.c.read_err; /* the body's own message */
	else if (r.too_big)
		err = qg_error(QG_ETOOBIG, "'%s': response body larger than %zu bytes", name, r.max_body);
	else if (rc != CURLE_OK)
		err = curl_error(name, rc, &r.c);
	else if (resp->status >= 400 && !(req->flags & QG_HTTP_ACCEPT_ANY_STATUS))
		err = status_error(name, resp->status, &resp->body, req);
	else
		err = 0;
done:
	if (e)
		api.easy_cleanup(e);
	if (r.c.hdrs)
		api.slist_free_all(r.c.hdrs);
	free(r.c.where);
	free(redacted);
	return err;
}

/* ---- streamed GET ---- */

struct qg_http_stream {
	struct http_common c;
	CURL *easy;
	CURLM *multi;
	char *name;
	unsigned char *win;
	size_t rpos, wpos, cap;
	int started;       /* the body of the final response began (or ended) */
	int paused;
	int done;
	CURLcode result;
	long status;
	struct qg_buf errbody;
	struct qg_buf headers;
};

static int status_ok(long status)
{
	return status >= 200 && status < 300;
}

static size_t stream_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct qg_http_stream *h = userp;
	size_t n = size * nmemb;
	unsigned char *p;

	if (!h->started) {
		h->started = 1;
		api.easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
	}
	if (!status_ok(h->status)) {
		/* out of memory: stop here, the message goes with what came */
		if (h->errbody.len < HTTP_ERR_EXCERPT &&
		    qg_buf_add(&h->errbody, data, n > HTTP_ERR_EXCERPT ? HTTP_ERR_EXCERPT : n) < 0)
			return 0;
		return n;
	}
	if (h->wpos + n > h->cap && h->rpos) {
		memmove(h->win, h->win + h->rpos, h->wpos - h->rpos);
		h->wpos -= h->rpos;
		h->rpos = 0;
	}
	if (h->wpos + n > h->cap) {
		if (h->wpos) {
			h->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		/* a single delivery larger than the window: take it whole */
		p = realloc(h->win, n);
		if (!p)
			return 0;
		h->win = p;
		h->cap = n;
	}
	memcpy(h->win + h->wpos, data, n);
	h->wpos += n;
	return n;
}

/* Drive the transfer one step: perform, then wait for the socket if needed. */
static int stream_pump(struct qg_http_stream *h, int wait)
{
	CURLMsg *m;
	CURLMcode mc;
	int running = 0, left, numfds;

	mc = api.multi_perform(h->multi, &running);
	if (mc != CURLM_OK)
		return qg_error(QG_ENET, "'%s': curl multi error %d", h->name, (int)mc);
	while ((m = api.multi_info_read(h->multi, &left))) {
		if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy) {
			h->done = 1;
			h->result = m->data.result;
		}
	}
	if (h->done) {
		if (!h->started) {
			h->started = 1;
			api.easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
		}
		return 0;
	}
	if (wait && running && !(h->rpos < h->wpos)) {
		mc = api.multi_poll(h->multi, NULL, 0, 1000, &numfds);
		if (mc != CURLM_OK)
			return qg_error(QG_ENET, "'%s': curl poll error %d", h->name, (int)mc);
	}
	return 0;
}

/* The error for a transfer that ended badly, or 0. */
static int stream_result(struct qg_http_stream *h)
{
	if (h->result != CURLE_OK && !(h->result == CURLE_WRITE_ERROR && !status_ok(h->status)))
		return curl_error(h->name, h->result, &h->c);
	if (h->c.refused)
		return curl_error(h->name, h->result, &h->c);
	return 0;
}

int qg_http_stream_open(struct qg_http_stream **out, const struct qg_http_req *req)
{
	struct qg_http_stream *h;
	struct qg_http_req get = *req;
	int err;

	*out = NULL;
	if (req->status_out)
		*req->status_out = 0;
	if ((err = api_ready()) < 0)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return qg_error(QG_ENOMEM, "out of memory");
	qg_buf_init(&h->errbody, HTTP_ERR_EXCERPT * 2);
	qg_buf_init(&h->headers, HTTP_HEADERS_CAP + 1);
	h->c.headers = &h->headers;
	h->name = req->name ? qg_strdup(req->name) : qg_redact_url(req->url ? req->url : "");
	h->win = malloc(HTTP_WINDOW);
	h->cap = HTTP_WINDOW;
	if (!h->name || !h->win) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	get.body = NULL;
	get.body_len = 0;
	get.read_body = NULL;
	get.flags &= ~(unsigned)QG_HTTP_HEAD;
	if (!get.method)
		get.method = "GET";
	if ((err = setup_easy(&h->easy, &h->c, &get, h->name)) < 0)
		goto fail;
	api.easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, stream_write_cb);
	api.easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	h->multi = api.multi_init();
	if (!h->multi || api.multi_add_handle(h->multi, h->easy) != CURLM_OK) {
		err = qg_error(QG_ENOMEM, "'%s': cannot create a curl multi handle", h->name);
		goto fail;
	}
	while (!h->started && !h->done)
		if ((err = stream_pump(h, 1)) < 0)
			goto fail;
	if (req->status_out)
		*req->status_out = h->status;
	if (h->done && (h->c.refused || h->result == CURLE_TOO_MANY_REDIRECTS)) {
		err = stream_result(h);
		goto fail;
	}
	if (!status_ok(h->status)) {
		/* collect the start of the error body for the message */
		while (!h->done && h->errbody.len < HTTP_ERR_EXCERPT)
			if ((err = stream_pump(h, 1)) < 0)
				goto fail;
		if (h->status)
			err = status_error(h->name, h->status, &h->errbody, req);
		else if ((err = stream_result(h)) == 0)
			err = qg_error(QG_ENET, "'%s': no HTTP response", h->name);
		goto fail;
	}
	if (h->done && (err = stream_result(h)) < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	qg_http_stream_free(h);
	return err;
}

ssize_t qg_http_stream_read(struct qg_http_stream *h, void *buf, size_t len)
{
	size_t n;
	int err;

	for (;;) {
		if (h->rpos < h->wpos) {
			n = h->wpos - h->rpos;
			if (n > len)
				n = len;
			memcpy(buf, h->win + h->rpos, n);
			h->rpos += n;
			if (h->rpos == h->wpos)
				h->rpos = h->wpos = 0;
			return (ssize_t)n;
		}
		if (h->done)
			return stream_result(h);
		if (h->paused) {
			h->paused = 0;
			api.easy_pause(h->easy, CURLPAUSE_CONT); /* may deliver into the window */
			continue;
		}
		if ((err = stream_pump(h, 1)) < 0)
			return err;
	}
}

long qg_http_stream_status(const struct qg_http_stream *h)
{
	return h ? h->status : 0;
}

int qg_http_stream_header(const struct qg_http_stream *h, const char *name, struct qg_buf *out)
{
	if (!h) {
		qg_buf_reset(out);
		return QG_ENOTFOUND;
	}
	return header_value(h->headers.buf, name, out);
}

void qg_http_stream_free(struct qg_http_stream *h)
{
	if (!h)
		return;
	if (h->multi) {
		if (h->easy)
			api.multi_remove_handle(h->multi, h->easy);
		api.multi_cleanup(h->multi);
	}
	if (h->easy)
		api.easy_cleanup(h->easy);
	if (h->c.hdrs)
		api.slist_free_all(h->c.hdrs);
	free(h->c.where);
	qg_buf_release(&h->errbody);
	qg_buf_release(&h->headers);
	free(h->win);
	free(h->name);
	free(h);
}
