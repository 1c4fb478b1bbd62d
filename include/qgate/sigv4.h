/* sigv4.h -- AWS Signature Version 4 request signing
 *
 * Invariants: HMAC-SHA256 and SHA-256 come from libcrypto, loaded on first use
 * (dlopen). The signer never copies the secret into any message; the only
 * output that depends on it is the signature in the Authorization header.
 * The request's path and query must already be URI-encoded the way they are
 * sent (qg_sigv4_uri_encode()); the canonical URI is the path as given (S3
 * style: no normalisation, no double encoding).
 */
#ifndef QGATE_SIGV4_H
#define QGATE_SIGV4_H

#include <stddef.h>
#include <time.h>

struct qg_buf;
struct qg_strvec;

#define QG_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define QG_SIGV4_UNSIGNED "UNSIGNED-PAYLOAD"

struct qg_sigv4_key {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;   /* NULL or "" when none */
	const char *region;          /* "us-east-1" */
	const char *service;         /* "s3" */
};

/* Sign a request. url is "scheme://host[:port]/path[?query]"; headers are
 * NULL-terminated "Name: value" lines that are sent and signed (may be NULL);
 * payload_sha256 is the hex SHA-256 of the body, QG_SIGV4_EMPTY_SHA256 or
 * QG_SIGV4_UNSIGNED. `now` is the signing time (UTC).
 * On success out gets every header line to send: the given ones, then
 * x-amz-content-sha256, x-amz-date, x-amz-security-token (when a token is
 * set) and Authorization. 0, QG_EUSAGE on a malformed URL, QG_ERROR when
 * libcrypto cannot be loaded. */
int qg_sigv4_sign(struct qg_strvec *out, const struct qg_sigv4_key *key, const char *method,
		  const char *url, const char *const *headers, const char *payload_sha256, time_t now);

/* Append s URI-encoded per AWS: unreserved A-Z a-z 0-9 - _ . ~ kept, every
 * other byte %XX (uppercase); '/' kept when keep_slash. */
int qg_sigv4_uri_encode(struct qg_buf *out, const char *s, int keep_slash);

/* Lowercase hex SHA-256 of data (65 bytes with the NUL). */
int qg_sigv4_sha256_hex(char out[65], const void *data, size_t len);

#endif
