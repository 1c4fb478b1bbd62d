/* http.c -- HTTP(S) through libcurl loaded with dlopen (stub, being written) */
#include "qgate/common.h"
#include "qgate/http.h"

void qg_http_resp_init(struct qg_http_resp *r)
{
	r->status = 0;
	qg_buf_init(&r->body, 0);
	qg_buf_init(&r->headers, 0);
}

void qg_http_resp_release(struct qg_http_resp *r)
{
	if (!r)
		return;
	qg_buf_release(&r->body);
	qg_buf_release(&r->headers);
}

int qg_http_stream_open(struct qg_http_stream **out, const struct qg_http_req *req)
{
	*out = NULL;
	return qg_error(QG_ENET, "'%s': http support not built yet", req->name ? req->name : "url");
}

ssize_t qg_http_stream_read(struct qg_http_stream *h, void *buf, size_t len)
{
	return qg_error(QG_ENET, "http support not built yet");
}

void qg_http_stream_free(struct qg_http_stream *h)
{
}

char *qg_http_redact_url(const char *url)
{
	return qg_strdup(url);
}
