/* health_int.h -- the pure pieces of health.c, exposed for tests/unit/test_deploy_health.c
 *
 * dp_health_watch() (deploy.h) is the interface; these are its two decisions
 * that do not need a server: whether one answer's body is what --expect-body
 * asks for, and the p95 of the latencies seen.
 */
#ifndef QGATE_DEPLOY_HEALTH_INT_H
#define QGATE_DEPLOY_HEALTH_INT_H

#include <stddef.h>

struct qg_buf;

/* Does body[0..len) satisfy `expect` (--expect-body)? Two forms:
 *   "TEXT"                 the body contains TEXT (bytes, case-sensitive);
 *   "/json/pointer=VALUE"  the body is JSON and the value at the RFC 6901
 *                          pointer (split at the first '=') equals VALUE: a
 *                          string by its text, a number numerically (VALUE
 *                          parsed as a number), true/false/null by name, an
 *                          object or array by its compact JSON.
 * Returns 1 match, 0 no match (why in `why` when not NULL: "no /status in the
 * body", "/status is \"down\"", "body is not JSON"), QG_ENOMEM. */
int dp_health_body_match(const char *expect, const char *body, size_t len, struct qg_buf *why);

/* The 95th percentile of n latencies by the nearest-rank method: the smallest
 * value with at least 95% of the samples at or below it (sorted[ceil(0.95 n) -
 * 1]), always an observed value. v is sorted in place. 0 when n == 0. */
double dp_health_p95(double *v, size_t n);
/* The same for any percentile p in (0, 100]. */
double dp_health_percentile(double *v, size_t n, double p);

#endif
