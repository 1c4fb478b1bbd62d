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
#include <sys/stat.h>

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

/* Could a repository be found from dir? Walks up looking for ".git" (a
 * folder or a gitfile) or a bare repository's HEAD + objects. Conservative:
 * a "yes" still goes through libgit2, which decides; only a "no" (nothing up
 * to the root, and no GIT_DIR) spares loading and initialising libgit2. */
static int repository_possible(const char *dir)
{
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	struct stat st;
	char *real;
	int found = 0;

	if (getenv("GIT_DIR"))
		return 1;
	real = realpath(dir, NULL);
	if (!real)
		return 1;
	if (qg_buf_addstr(&path, real) < 0) {
		free(real);
		return 1;
	}
	free(real);
	for (;;) {
		size_t base = path.len;

		if (qg_buf_addstr(&path, base > 1 ? "/.git" : ".git") < 0) {
			found = 1;
			break;
		}
		if (lstat(path.buf, &st) == 0) {
			found = 1;
			break;
		}
		qg_buf_setlen(&path, base);
		if (qg_buf_addstr(&path, base > 1 ? "/HEAD" : "HEAD") < 0) {
			found = 1;
			break;
		}
		if (stat(path.buf, &st) == 0 && S_ISREG(st.st_mode)) {
			found = 1;
			break;
		}
		qg_buf_setlen(&path, base);
		if (base <= 1)
			break;
		while (path.len > 1 && path.buf[path.len - 1] != '/')
			path.len--;
		if (path.len > 1)
			path.len--;
		qg_buf_setlen(&path, path.len);
	}
	qg_buf_release(&path);
	return found;
}

static int subject_now(struct qg_subject *out, const char *dir)
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
	if (!repository_possible(dir ? dir : "."))
		return 0;
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

/*
 * Prefetching. Nearly all of the ~10 ms a subject costs is
 * git_libgit2_init(): Debian's libgit2 parses the whole CA bundle for its
 * TLS backend. So a gate starts the lookup on a thread as soon as its options
 * are parsed (qg_gate_start) and collects it when it writes its reports
 * (qg_gate_finish), overlapping it with the gate's own work. This is the one
 * piece of process-wide state in this file: one lookup per process, always
 * joined by qg_git_prefetch_join() (qg_main calls it before exiting, so no
 * thread outlives the command).
 */
static struct {
	pthread_t thread;
	int running;
	int err;
	char *dir;
	struct qg_subject subject;
} pf;

static void *prefetch_main(void *arg)
{
	(void)arg;
	pf.err = subject_now(&pf.subject, pf.dir);
	return NULL;
}

int qg_git_prefetch(const char *dir)
{
	if (pf.running || pf.dir)
		return 0;
	pf.dir = qg_strdup(dir ? dir : ".");
	if (!pf.dir)
		return QG_ENOMEM;
	memset(&pf.subject, 0, sizeof(pf.subject));
	if (pthread_create(&pf.thread, NULL, prefetch_main, NULL)) {
		free(pf.dir); /* no thread: qg_git_subject() will look it up itself */
		pf.dir = NULL;
		return 0;
	}
	pf.running = 1;
	return 0;
}

void qg_git_prefetch_join(void)
{
	if (pf.running) {
		pthread_join(pf.thread, NULL);
		pf.running = 0;
	}
}

static void prefetch_clear(void)
{
	qg_git_prefetch_join();
	free(pf.subject.ref);
	memset(&pf.subject, 0, sizeof(pf.subject));
	free(pf.dir);
	pf.dir = NULL;
}

void qg_git_prefetch_release(void)
{
	prefetch_clear();
}

int qg_git_subject(struct qg_subject *out, const char *dir)
{
	int err;

	if (pf.dir && !strcmp(pf.dir, dir ? dir : ".")) {
		qg_git_prefetch_join();
		err = pf.err;
		if (!err) {
			out->in_repo = pf.subject.in_repo;
			memcpy(out->commit, pf.subject.commit, sizeof(out->commit));
			free(out->ref);
			out->ref = pf.subject.ref; /* ownership moves */
			pf.subject.ref = NULL;
			out->dirty = pf.subject.dirty;
		}
		prefetch_clear();
		return err;
	}
	return subject_now(out, dir);
}
