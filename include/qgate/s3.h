/* s3.h -- S3 objects over HTTP(S), signed with AWS SigV4
 *
 * Invariants: credentials come from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN); without
 * AWS_ACCESS_KEY_ID requests go unsigned (public buckets). Region from
 * AWS_REGION, then AWS_DEFAULT_REGION, else us-east-1. When AWS_ENDPOINT_URL_S3
 * or AWS_ENDPOINT_URL is set, URLs are path-style under that endpoint
 * ({endpoint}/{bucket}/{key}); otherwise virtual-host style
 * (https://{bucket}.s3.{region}.amazonaws.com/{key}), or path-style on
 * https://s3.{region}.amazonaws.com for bucket names with dots. Keys are
 * URI-encoded per AWS rules ('/' kept). Secrets never appear in messages.
 */
#ifndef QGATE_S3_H
#define QGATE_S3_H

#include <stddef.h>

struct qg_http_stream;
struct qg_http_resp;
struct qg_strvec;

/* TLS options for every S3 request and stream of this process afterwards:
 * ca_file replaces the CA bundle (and QG_CA_BUNDLE...), insecure skips
 * peer and host verification (test servers only). NULL/0 = the defaults.
 * ca_file is borrowed: it must outlive the requests. Call it before any
 * request (qgate-deploy's --ca-file and --insecure); read without a lock. */
void qg_s3_set_tls(const char *ca_file, int insecure);

/* Split "s3://bucket/key" into malloc'd bucket and key (key may be "").
 * QG_EUSAGE naming the URL when it is not of that shape. */
int qg_s3_parse_url(char **bucket_out, char **key_out, const char *url);

/* Signed streamed GET of s3://bucket/key (see http.h for errors). */
int qg_s3_stream_open(struct qg_http_stream **out, const char *url);
/* The same, and the final HTTP status (0 = none) into *status_out when not
 * NULL, set when the open fails too (404: the object is not there). */
int qg_s3_stream_get(struct qg_http_stream **out, const char *url, long *status_out);
/* The same from byte `offset` on (Range: bytes=OFFSET-, signed) to resume a
 * cut download: the status is 206 when the server honoured the range, 200
 * when it sends the whole object again (the caller skips what it has). */
int qg_s3_stream_get_from(struct qg_http_stream **out, const char *url, long long offset, long *status_out);

/* One signed request on bucket/key (key may be "" for bucket-level calls);
 * query is a raw "a=b&c=d" string of already-encoded parameters or NULL;
 * headers are extra "Name: value" lines (signed too) or NULL; the body is
 * sent with x-amz-content-sha256 set to its SHA-256. Same return values as
 * qg_http_request(); flags are enum qg_http_flags. */
int qg_s3_request(struct qg_http_resp *resp, const char *method, const char *bucket,
		  const char *key, const char *query, const char *const *headers,
		  const void *body, size_t body_len, unsigned flags);

/* List the objects under s3://bucket/prefix (ListObjectsV2, every page) and
 * push "s3://bucket/key" for each key into out, in S3's (UTF-8 binary) order.
 * Keys ending in '/' (folder markers) are skipped. */
int qg_s3_list(struct qg_strvec *out, const char *url);

/* ---- writes ---- */

struct qg_buf;

/* PUT body at bucket/key only when the object is as it was read: if_match =
 * its ETag then (sent as If-Match), NULL = it must not exist (If-None-Match:
 * *), "" = no condition (a server that gave no ETag). 0 written (its new
 * ETag, quotes kept, into etag_out when not NULL); QG_ECONFLICT WITHOUT a message when the server refused the condition (412,
 * or 409 ConditionalRequestConflict); other errors as qg_s3_request(). AWS S3
 * and MinIO honour both headers; a server that ignores them (s3rver) writes
 * unconditionally, so a caller that must not lose a race re-reads first. */
int qg_s3_put_if(struct qg_buf *etag_out, const char *bucket, const char *key, const char *if_match,
		 const char *const *headers, const void *body, size_t body_len);

/* Multipart upload of bucket/key: create gives the upload id (malloc'd);
 * part sends part number `part` (1..10000; S3 wants every part but the last
 * to be at least 5 MiB) and gives its ETag (quotes kept); complete joins
 * the parts, etags->v[i] being part i + 1 (an error S3 reports inside a 200
 * answer is QG_ENET too), and gives the object's ETag when etag_out is not
 * NULL; abort discards the parts (S3 keeps them, billed, until then). The
 * object appears only when complete succeeds. */
int qg_s3_multipart_create(char **upload_id, const char *bucket, const char *key, const char *const *headers);
int qg_s3_multipart_part(struct qg_buf *etag, const char *bucket, const char *key, const char *upload_id, int part,
			 const void *data, size_t len);
int qg_s3_multipart_complete(struct qg_buf *etag_out, const char *bucket, const char *key, const char *upload_id,
			     const struct qg_strvec *etags);
int qg_s3_multipart_abort(const char *bucket, const char *key, const char *upload_id);

#endif
