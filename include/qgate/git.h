/* git.h -- repository context through libgit2
 *
 * libgit2 is loaded on first use (dlopen of its soname), so a gate's
 * --version does not pay for it. Invariants: outside a repository (or when
 * libgit2 cannot be loaded) the subject has in_repo = 0 and the call still
 * succeeds; a detached HEAD has ref NULL; a shallow clone is handled
 * (its HEAD commit is known even though its parents are not).
 */
#ifndef QGATE_GIT_H
#define QGATE_GIT_H

struct qg_subject;

/* Fill commit, ref and dirty for the repository around dir ("." when NULL). */
int qg_git_subject(struct qg_subject *out, const char *dir);
/* Start the lookup for dir on a thread (gates call it once their options
 * are parsed); the next qg_git_subject() for the same dir collects it. 0, or
 * QG_ENOMEM; when no thread can be started the lookup simply happens later. */
int qg_git_prefetch(const char *dir);
/* Wait for a running prefetch; then free whatever it left (qg_main calls it
 * before exiting, so no thread outlives the command). */
void qg_git_prefetch_join(void);
void qg_git_prefetch_release(void);

/* The libgit2 version string, "" when it cannot be loaded. */
const char *qg_git_version(void);

#endif
