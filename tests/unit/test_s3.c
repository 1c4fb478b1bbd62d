/* test_s3.c -- S3 and HTTP error messages against a canned server on 127.0.0.1
 *
 * A thread here plays an S3 endpoint (AWS_ENDPOINT_URL, path style): each
 * connection gets one canned answer chosen by the request path. It checks
 * what moved out of http.c (lib/ knows no service): S3's XML errors are
 * summarised by s3.c ("<Code>: <Message>"), a plain HTTP error body is shown
 * as it is, the "request was unsigned" hint is told by the 401/403 status
 * code and never by text in the message, and error excerpts go through
 * qg_redact() with the environment's secret values masked.
 */
#include "qgate/common.h"
#include "qgate/http.h"
#include "qgate/s3.h"
#include "qgate/stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzSECRET"

struct canned {
	const char *path; /* request path, "/bucket/key" */
	int status;
	const char *body; /* "/unframed.csv": HTTP/1.0, no Content-Length (ends at close) */
};

static const struct canned answers[] = {
	{ "/b/denied.csv", 403,
	  "<?xml version=\"1.0\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>" },
	{ "/b/HTTP%20403.csv", 404,
	  "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>" },
	{ "/b/gone.csv", 404, "<Error><Code>NoSuchKey</Code><Message>gone after HTTP 401 and HTTP 403</Message></Error>" },
	{ "/b/unauth.csv", 401, "" },
	{ "/b/leaky.csv", 500,
	  "<Error><Code>InternalError</Code><Message>signing with " SECRET " for AKIAIOSFODNN7EXAMPLE "
	  "X-Amz-Signature=aeeed9bbccd4d02ee5c0 failed</Message></Error>" },
	{ "/plain.xml", 500, "<Error><Code>Boom</Code><Message>m</Message></Error>" },
	{ "/plain.txt", 503, "down for maintenance\nAuthorization: Bearer abcdefghijklmnop123 was refused\n" },
	{ "/unframed.csv", 200, "id\n1\n" },
};

static int listen_fd = -1;
static int port;
static pthread_t server;

static const struct canned *answer_for(const char *path)
{
	for (size_t i = 0; i < QG_ARRAY_SIZE(answers); i++)
		if (!strcmp(answers[i].path, path))
			return &answers[i];
	return NULL;
}

static void serve_one(int fd)
{
	char req[8192], path[1024], head[512];
	size_t n = 0;
	const struct canned *a;
	const char *sp;
	ssize_t r;
	int blen, hlen;

	while (n < sizeof(req) - 1 && (r = read(fd, req + n, sizeof(req) - 1 - n)) > 0) {
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	sp = strchr(req, ' ');
	snprintf(path, sizeof(path), "%.*s", sp ? (int)strcspn(sp + 1, " ?") : 0, sp ? sp + 1 : "");
	a = answer_for(path);
	blen = a ? (int)strlen(a->body) : 0;
	if (a && !strcmp(a->path, "/unframed.csv"))
		hlen = snprintf(head, sizeof(head), "HTTP/1.0 %d Canned\r\nContent-Type: text/csv\r\n\r\n", a->status);
	else
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 %d Canned\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
			"Connection: close\r\n\r\n",
			a ? a->status : 404, blen);
	if (write(fd, head, (size_t)hlen) < 0 || (blen && write(fd, a->body, (size_t)blen) < 0))
		return;
}

static void *server_main(void *arg)
{
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0)
			return NULL; /* closed by teardown */
		serve_one(fd);
		close(fd);
	}
}

static int setup(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char url[64];

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(listen_fd, 16) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	port = ntohs(sa.sin_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	setenv("AWS_REGION", "us-east-1", 1);
	return pthread_create(&server, NULL, server_main, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	shutdown(listen_fd, SHUT_RDWR);
	close(listen_fd);
	pthread_join(server, NULL);
	return 0;
}

static void sign_requests(int on)
{
	if (on) {
		setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
		setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	} else {
		unsetenv("AWS_ACCESS_KEY_ID");
		unsetenv("AWS_SECRET_ACCESS_KEY");
	}
}

/* Open s3://b/<key> as a stream; it must fail with code, and the message is
 * returned (a static copy). */
static const char *stream_error(const char *key, int code)
{
	static char msg[1024];
	struct qg_http_stream *h = NULL;
	char url[256];

	snprintf(url, sizeof(url), "s3://b/%s", key);
	assert_int_equal(qg_s3_stream_open(&h, url), code);
	assert_null(h);
	snprintf(msg, sizeof(msg), "%s", qg_error_last());
	return msg;
}

static const char *request_error(const char *key, int code, long want_status)
{
	static char msg[1024];
	struct qg_http_resp resp;

	qg_http_resp_init(&resp);
	assert_int_equal(qg_s3_request(&resp, "GET", "b", key, NULL, NULL, NULL, 0, 0), code);
	assert_int_equal(resp.status, want_status);
	snprintf(msg, sizeof(msg), "%s", qg_error_last());
	qg_http_resp_release(&resp);
	return msg;
}

static void test_s3_xml_error_summarised(void **state)
{
	sign_requests(0);
	assert_string_equal(stream_error("denied.csv", QG_ENET),
			    "'s3://b/denied.csv': HTTP 403: AccessDenied: Access Denied "
			    "(the request was unsigned: AWS_ACCESS_KEY_ID is not set)");
	assert_string_equal(request_error("denied.csv", QG_ENET, 403),
			    "'s3://b/denied.csv': HTTP 403: AccessDenied: Access Denied "
			    "(the request was unsigned: AWS_ACCESS_KEY_ID is not set)");
	assert_string_equal(stream_error("unauth.csv", QG_ENET),
			    "'s3://b/unauth.csv': HTTP 401 (the request was unsigned: AWS_ACCESS_KEY_ID is not set)");
}

/* The hint follows the status code: text that merely says "HTTP 403" (in a
 * key name or the server's message) does not bring it. */
static void test_s3_hint_by_status_code(void **state)
{
	sign_requests(0);
	assert_string_equal(stream_error("HTTP 403.csv", QG_EINPUT),
			    "'s3://b/HTTP 403.csv': HTTP 404: NoSuchKey: The specified key does not exist.");
	assert_string_equal(request_error("gone.csv", QG_EINPUT, 404),
			    "'s3://b/gone.csv': HTTP 404: NoSuchKey: gone after HTTP 401 and HTTP 403");
	/* signed requests refused get no hint either */
	sign_requests(1);
	assert_string_equal(stream_error("denied.csv", QG_ENET), "'s3://b/denied.csv': HTTP 403: AccessDenied: Access Denied");
	sign_requests(0);
}

static void test_s3_error_excerpt_redacted(void **state)
{
	const char *msg;

	sign_requests(1);
	msg = stream_error("leaky.csv", QG_ENET);
	assert_null(strstr(msg, SECRET));
	assert_null(strstr(msg, "K7MDENG"));
	assert_null(strstr(msg, "AKIAIOSFODNN7EXAMPLE"));
	assert_null(strstr(msg, "aeeed9bb"));
	assert_string_equal(msg, "'s3://b/leaky.csv': HTTP 500: InternalError: signing with [REDACTED] for "
				 "[REDACTED] X-Amz-Signature=[REDACTED] failed");
	sign_requests(0);
}

/* http.c shows any other server's error body as it is (one line, redacted):
 * an XML body is not S3's unless s3.c says so. */
static void test_http_error_body_is_generic(void **state)
{
	struct qg_http_req req = { 0 };
	struct qg_http_resp resp;
	struct qg_http_stream *h = NULL;
	char url[128];
	long status = -1;

	qg_http_resp_init(&resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/plain.xml", port);
	req.url = url;
	req.status_out = &status;
	assert_int_equal(qg_http_request(&req, &resp), QG_ENET);
	assert_int_equal(status, 500);
	assert_non_null(strstr(qg_error_last(), "HTTP 500: <Error><Code>Boom</Code><Message>m</Message></Error>"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/plain.txt", port);
	status = -1;
	assert_int_equal(qg_http_stream_open(&h, &req), QG_ENET);
	assert_null(h);
	assert_int_equal(status, 503);
	assert_non_null(strstr(qg_error_last(), "HTTP 503: down for maintenance Authorization: [REDACTED]"));
	assert_null(strstr(qg_error_last(), "abcdefghijklmnop123"));
	qg_http_resp_release(&resp);
}

/* A close-delimited body cannot show truncation: refused unless the caller
 * allows it with QG_HTTP_ALLOW_UNFRAMED (streams and one-shot requests). */
static void test_http_unframed_refused_unless_allowed(void **state)
{
	struct qg_http_req req = { 0 };
	struct qg_http_resp resp;
	struct qg_http_stream *h = NULL;
	char url[128], buf[64];
	ssize_t n;

	qg_http_resp_init(&resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/unframed.csv", port);
	req.url = url;
	assert_int_equal(qg_http_request(&req, &resp), QG_ENET);
	assert_non_null(strstr(qg_error_last(), "unframed.csv': the response has neither Content-Length nor chunked"));
	assert_int_equal(qg_http_stream_open(&h, &req), QG_ENET);
	assert_null(h);
	assert_non_null(strstr(qg_error_last(), "neither Content-Length nor chunked"));
	req.flags = QG_HTTP_ALLOW_UNFRAMED;
	assert_int_equal(qg_http_request(&req, &resp), 0);
	assert_int_equal(resp.body.len, 5);
	assert_memory_equal(resp.body.buf, "id\n1\n", 5);
	assert_int_equal(qg_http_stream_open(&h, &req), 0);
	assert_non_null(h);
	n = qg_http_stream_read(h, buf, sizeof(buf));
	assert_int_equal(n, 5);
	qg_http_stream_free(h);
	qg_http_resp_release(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s3_xml_error_summarised),
		cmocka_unit_test(test_s3_hint_by_status_code),
		cmocka_unit_test(test_s3_error_excerpt_redacted),
		cmocka_unit_test(test_http_error_body_is_generic),
		cmocka_unit_test(test_http_unframed_refused_unless_allowed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
