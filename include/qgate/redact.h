/* redact.h -- keeping secrets out of what qgate prints (one home for it)
 *
 * Invariants: redaction only ever replaces text by "[REDACTED]" (never
 * drops the words around it), so a redacted message still reads; running it
 * twice gives the same text. Forms removed: the password of
 * scheme://user:password@host; values of secret-looking keys (password=,
 * *_token=, *secret*=, presigned URL parameters such as X-Amz-Signature,
 * X-Amz-Security-Token, X-Amz-Credential, Signature, sig); whole values of
 * Authorization, Proxy-Authorization and Cookie headers; Bearer/Basic
 * credentials; AWS access key ids; registry/chat tokens with a known prefix
 * (ghp_, glpat-, npm_, xoxb-, pypi-, ...); 40-character AWS-secret-like
 * values after "key: ". Git object ids and ordinary words are left alone.
 */
#ifndef QGATE_REDACT_H
#define QGATE_REDACT_H

#include <stddef.h>

struct qg_buf;

#define QG_REDACTED "[REDACTED]"

/* Append s to out with every secret-looking value replaced by QG_REDACTED.
 * 0 or the buffer's error (QG_ENOMEM, QG_ETOOBIG). NULL s appends nothing. */
int qg_redact(struct qg_buf *out, const char *s);

/* Replace every occurrence of a known secret value (e.g. the value of
 * AWS_SECRET_ACCESS_KEY) in b by QG_REDACTED, in place. Values shorter than
 * 4 bytes and NULL are ignored (they would match ordinary text). 0 or the
 * buffer's error. */
int qg_redact_value(struct qg_buf *b, const char *secret);

/* The form of a URL that names it in messages: userinfo dropped and the
 * query replaced by "?..." ("https://host/path?..."). malloc'd; NULL on
 * ENOMEM (recorded). */
char *qg_redact_url(const char *url);

#endif
