/* redact.h -- keeping secrets out of what qgate prints (one home for it)
 *
 * Invariants: redaction only ever replaces text by "[REDACTED]" (never
 * drops the words around it), so a redacted message still reads; running it
 * twice gives the same text. Forms removed: the userinfo of
 * scheme://user:password@host (user and password: a token is often the user);
 * values of secret-looking keys (password=, *_token=, *secret*=, presigned
 * URL parameters such as X-Amz-Signature, X-Amz-Security-Token,
 * X-Amz-Credential, Signature, sig, auth, jwt); whole values of
 * Authorization, Proxy-Authorization and Cookie headers; Bearer/Basic
 * credentials; AWS access key ids; registry/chat tokens with a known prefix
 * (ghp_, glpat-, npm_, xoxb-, pypi-, AIza, ...); 40-character AWS-secret-like
 * values after "key: ". Git object ids and ordinary words are left alone.
 *
 * One form everywhere (docs/interface.md, "Secrets"): a URL keeps its scheme,
 * host, path and harmless query parameters, so it still names its file:
 *   https://[REDACTED]@host/p.csv?X-Amz-Date=20240101T000000Z&X-Amz-Signature=[REDACTED]
 * The result (artifact paths, location files) is redacted as it is built
 * (lib/report/result.c), every writer redacts what it prints, and stderr
 * messages go through qg_redact() too.
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

/* Mask, in b (an error body a server sent back), the secrets of the URL
 * the request went to: its user and password (as written, percent-decoded
 * and as a Basic credential) and the values of its secret query
 * parameters; values shorter than 4 bytes are left (qg_redact_value). 0 or
 * the buffer's error. */
int qg_redact_url_secrets(struct qg_buf *b, const char *url);

/* A redacted, malloc'd copy of s (NULL s gives ""). NULL on ENOMEM. */
char *qg_redact_dup(const char *s);

/* The form of a URL that names it in messages and reports: qg_redact() of
 * it (userinfo and secret query values replaced by QG_REDACTED, the rest
 * kept). malloc'd; NULL on ENOMEM (recorded). */
char *qg_redact_url(const char *url);

#endif
