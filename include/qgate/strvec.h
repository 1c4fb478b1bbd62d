/* strvec.h -- a NULL-terminated vector of owned strings (argv lists)
 *
 * Invariants: `v` is never NULL and v[nr] == NULL, so `v` can be passed to
 * execv(). Every string is owned by the vector (pushed copies).
 */
#ifndef QGATE_STRVEC_H
#define QGATE_STRVEC_H

#include <stddef.h>

struct qg_strvec {
	const char **v;
	size_t nr;
	size_t alloc;
};

extern const char *qg_strvec_empty[];
#define QG_STRVEC_INIT { qg_strvec_empty, 0, 0 }

void qg_strvec_init(struct qg_strvec *sv);
/* Push a copy of s. 0 or QG_ENOMEM. */
int qg_strvec_push(struct qg_strvec *sv, const char *s);
int qg_strvec_pushf(struct qg_strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Push copies of a NULL-terminated list. */
int qg_strvec_pushv(struct qg_strvec *sv, const char *const *argv);
void qg_strvec_pop(struct qg_strvec *sv);
/* Free every string and re-initialise. Accepts NULL. */
void qg_strvec_clear(struct qg_strvec *sv);

#endif
