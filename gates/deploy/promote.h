/* promote.h -- promote and rollback (promote.c), as cmd_promote.c calls them
 *
 * Both move one tag with a compare-and-swap: the tag's digest is read first and the write
 * succeeds only while the tag still points there (QG_ECONFLICT otherwise, reported as a
 * failed check "production moved (was X, now Y)", exit 1). Both keep what the tag pointed at
 * before as TAG-previous, and both verify the digest they move the tag to (its manifest and
 * every blob it names present, at the size the manifest says) before the tag moves.
 */
#ifndef QGATE_DEPLOY_PROMOTE_H
#define QGATE_DEPLOY_PROMOTE_H

#include "deploy.h"

/* Test hook (documented in qgate-deploy(1), ENVIRONMENT): when QGATE_DEPLOY_TEST_HOLD names
 * a file, promote and rollback create it just before the swap and wait (up to 60 s) until
 * it is removed, so a test can move the tag in between. */
#define DP_TEST_HOLD_ENV "QGATE_DEPLOY_TEST_HOLD"

struct dp_promote_opts {
	const char *from;                /* TARGET:TAG or TARGET@sha256:... */
	const char *to;                  /* TARGET:TAG */
	const struct qg_strvec *require; /* gate names ("data", or "data-validate"), at least one */
	const char *evidence_dir; /* --evidence DIR, or NULL: the evidence attached in the source */
	const struct dp_health_opts *health; /* url NULL: no watch */
	int dry_run; /* --dry-run: judge and verify, move nothing, append no audit entry */
	struct dp_audit_opts audit;
	struct dp_store_opts store;
};

struct dp_rollback_opts {
	const char *target; /* TARGET:TAG */
	const char *to;     /* sha256:..., or NULL for TAG-previous */
	struct dp_audit_opts audit;
	struct dp_store_opts store;
};

/* Fill r with the checks (promote.evidence.<gate>, promote.move, health.*, promote.rollback)
 * and outputs with digest/previous/moved; 0, or a negative QG_E* after qg_error() when the
 * promotion could not be evaluated (the tag is then where it was, or back where it was). */
int dp_promote(struct qg_result *r, const struct dp_promote_opts *o, struct qg_strvec *outputs);
/* Fill r with rollback.move; 0 or a negative QG_E*. */
int dp_rollback(struct qg_result *r, const struct dp_rollback_opts *o, struct qg_strvec *outputs);

#endif
