/* s3.c -- S3 objects over HTTP(S) (stub, being written) */
#include "qgate/common.h"
#include "qgate/http.h"
#include "qgate/s3.h"

int qg_s3_stream_open(struct qg_http_stream **out, const char *url)
{
	*out = NULL;
	return qg_error(QG_ENET, "'%s': s3 support not built yet", url);
}

int qg_s3_list(struct qg_strvec *out, const char *url)
{
	return qg_error(QG_ENET, "'%s': s3 support not built yet", url);
}
