/* git.c -- the repository around a directory, through libgit2 loaded on use
 *
 * libgit2 is dlopen'ed the first time a subject is asked for (never by
 * --version) and its few functions are resolved into a static table once,
 * under pthread_once. Its headers are included for types and constants only.
 * Failure to load it, or no repository, is not an error: the subject just
 * says in_repo = 0 and the result JSON carries a null subject context.
 *
 * git_repository objects never leave this file.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <git2.h>
#include <pthread.h>

#include "qgate/git.h"
#include "qgate/result.h"

#ifndef QG_LIBGIT2_SONAME
#define QG_LIBGIT2_SONAME "libgit2.so"
#endif

static struct {
	int loaded;
	char version[32];
	int (*init)(void);
	int (*opts)(int option, ...);
	int (*version_fn)(int *major, int *minor, int *rev);
	int (*repository_open_ext)(git_repository **out, const char *path, unsigned int flags,
				   const char *ceiling_dirs);
	void (*repository_free)(git_repository *repo);
	int (*repository_head_detached)(git_repository *repo);
	int (*repository_head)(git_reference **out, git_repository *repo);
	int (*repository_is_bare)(const git_repository *repo);
	int (*reference_name_to_id)(git_oid *out, git_repository *repo, const char *name);
	const char *(*reference_name)(const git_reference *ref);
	void (*reference_free)(git_reference *ref);
	char *(*oid_tostr)(char *out, size_t n, const git_oid *id);
	int (*status_list_new)(git_status_list **out, git_repository *repo, const git_status_options *opts);
	size_t (*status_list_entrycount)(git_status_list *list);
	void (*status_list_free)(git_status_list *list);
} lg;

static pthread_once_t lg_once = PTHREAD_ONCE_INIT;

#define LOAD(h, field, sym) \
	do { \
		*(void **)(&lg.field) = dlsym((h), (sym)); \
		if (!lg.field) \
			return; \
	} while (0)

static void load_libgit2(void)
{
	void *h = dlopen(QG_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
	int major = 0, minor = 0, rev = 0;

	if (!h)
		return;
	LOAD(h, init, "git_libgit2_init");
	LOAD(h, opts, "git_libgit2_opts");
	LOAD(h, version_fn, "git_libgit2_version");
	LOAD(h, repository_open_ext, "git_repository_open_ext");
	LOAD(h, repository_free, "git_repository_free");
	LOAD(h, repository_head_detached, "git_repository_head_detached");
	LOAD(h, repository_head, "git_repository_head");
	LOAD(h, repository_is_bare, "git_repository_is_bare");
	LOAD(h, reference_name_to_id, "git_reference_name_to_id");
	LOAD(h, reference_name, "git_reference_name");
	LOAD(h, reference_free, "git_reference_free");
	LOAD(h, oid_tostr, "git_oid_tostr");
	LOAD(h, status_list_new, "git_status_list_new");
	LOAD(h, status_list_entrycount, "git_status_list_entrycount");
	LOAD(h, status_list_free, "git_status_list_free");
	if (lg.init() < 0)
		return;
	/* We only read HEAD and the status, never run hooks or filters, so the
	 * owner check (CVE-2022-24765) only gets in the way of CI containers
	 * whose checkout belongs to another uid. */
	lg.opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	lg.version_fn(&major, &minor, &rev);
	snprintf(lg.version, sizeof(lg.version), "%d.%d.%d", major, minor, rev);
	lg.loaded = 1;
	/* the handle stays open for the life of the process */
}

static int libgit2(void)
{
	pthread_once(&lg_once, load_libgit2);
	return lg.loaded;
}

const char *qg_git_version(void)
{
	return libgit2() ? lg.version : "";
}

static int is_dirty(git_repository *repo)
{
	git_status_options so;
	git_status_list *list = NULL;
	int dirty;

	memset(&so, 0, sizeof(so));
	so.version = GIT_STATUS_OPTIONS_VERSION;
	/* tracked files only: untracked ones and submodules do not count */
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (lg.status_list_new(&list, repo, &so) < 0)
		return 0;
	dirty = lg.status_list_entrycount(list) > 0;
	lg.status_list_free(list);
	return dirty;
}

int qg_git_subject(struct qg_subject *out, const char *dir)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	out->in_repo = 0;
	out->commit[0] = '\0';
	free(out->ref);
	out->ref = NULL;
	out->dirty = 0;
	if (!libgit2())
		return 0;
	if (lg.repository_open_ext(&repo, dir ? dir : ".", 0, getenv("GIT_CEILING_DIRECTORIES")) < 0)
		return 0; /* not in a repository */
	/* an unborn branch (no commit yet) has no subject to report */
	if (lg.reference_name_to_id(&oid, repo, "HEAD") < 0)
		goto done;
	lg.oid_tostr(hex, sizeof(hex), &oid);
	if (strlen(hex) != 40)
		goto done;
	memcpy(out->commit, hex, 41);
	if (lg.repository_head_detached(repo) != 1 && lg.repository_head(&head, repo) == 0) {
		out->ref = qg_strdup(lg.reference_name(head));
		if (!out->ref) {
			out->commit[0] = '\0';
			lg.reference_free(head);
			lg.repository_free(repo);
			return QG_ENOMEM;
		}
		lg.reference_free(head);
	}
	out->dirty = lg.repository_is_bare(repo) ? 0 : is_dirty(repo);
	out->in_repo = 1;
done:
	lg.repository_free(repo);
	return 0;
}
