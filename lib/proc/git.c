/* git.c -- the repository around a directory, through libgit2 loaded on use
 *
 * libgit2 is dlopen'ed the first time a subject is asked for (never by
 * --version) and its few functions are resolved into a static table once,
 * under pthread_once. Its headers are included for types and constants only.
 * Failure to load it, or no repository, is not an error: the subject just
 * says in_repo = 0 and the result JSON carries a null subject context.
 *
 * The function table lives in git_int.h, shared with git_repo.c and
 * git_diff.c (the repository as data); git_repository objects never leave
 * lib/proc/.
 */
#include "qgate/common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "qgate/git.h"
#include "qgate/result.h"

#include "git_int.h"

#ifndef QG_LIBGIT2_SONAME
#define QG_LIBGIT2_SONAME "libgit2.so"
#endif

struct qg_libgit2 qg_lg;

static pthread_once_t lg_once = PTHREAD_ONCE_INIT;

#define LOAD(h, field, sym) \
	do { \
		*(void **)(&qg_lg.field) = dlsym((h), (sym)); \
		if (!qg_lg.field) \
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
	LOAD(h, repository_is_bare, "git_repository_is_bare");
	LOAD(h, reference_name_to_id, "git_reference_name_to_id");
	LOAD(h, reference_name, "git_reference_name");
	LOAD(h, reference_free, "git_reference_free");
	LOAD(h, oid_tostr, "git_oid_tostr");
	LOAD(h, status_list_new, "git_status_list_new");
	LOAD(h, status_list_entrycount, "git_status_list_entrycount");
	LOAD(h, status_list_free, "git_status_list_free");
	LOAD(h, error_last, "git_error_last");
	LOAD(h, repository_workdir, "git_repository_workdir");
	LOAD(h, reference_lookup, "git_reference_lookup");
	LOAD(h, reference_symbolic_target, "git_reference_symbolic_target");
	LOAD(h, repository_index, "git_repository_index");
	LOAD(h, index_read, "git_index_read");
	LOAD(h, index_entrycount, "git_index_entrycount");
	LOAD(h, index_get_byindex, "git_index_get_byindex");
	LOAD(h, index_free, "git_index_free");
	LOAD(h, oid_fromstrn, "git_oid_fromstrn");
	LOAD(h, blob_lookup, "git_blob_lookup");
	LOAD(h, blob_rawcontent, "git_blob_rawcontent");
	LOAD(h, blob_rawsize, "git_blob_rawsize");
	LOAD(h, blob_free, "git_blob_free");
	LOAD(h, ignore_path_is_ignored, "git_ignore_path_is_ignored");
	LOAD(h, revparse_single, "git_revparse_single");
	LOAD(h, object_peel, "git_object_peel");
	LOAD(h, object_id, "git_object_id");
	LOAD(h, object_free, "git_object_free");
	LOAD(h, merge_base, "git_merge_base");
	LOAD(h, commit_lookup, "git_commit_lookup");
	LOAD(h, commit_tree, "git_commit_tree");
	LOAD(h, commit_free, "git_commit_free");
	LOAD(h, commit_parentcount, "git_commit_parentcount");
	LOAD(h, commit_parent_id, "git_commit_parent_id");
	LOAD(h, commit_time, "git_commit_time");
	LOAD(h, repository_is_shallow, "git_repository_is_shallow");
	LOAD(h, tree_free, "git_tree_free");
	LOAD(h, diff_options_init, "git_diff_options_init");
	LOAD(h, diff_find_options_init, "git_diff_find_options_init");
	LOAD(h, diff_tree_to_tree, "git_diff_tree_to_tree");
	LOAD(h, diff_tree_to_index, "git_diff_tree_to_index");
	LOAD(h, diff_tree_to_workdir_with_index, "git_diff_tree_to_workdir_with_index");
	LOAD(h, diff_find_similar, "git_diff_find_similar");
	LOAD(h, diff_num_deltas, "git_diff_num_deltas");
	LOAD(h, diff_free, "git_diff_free");
	LOAD(h, patch_from_diff, "git_patch_from_diff");
	LOAD(h, patch_get_delta, "git_patch_get_delta");
	LOAD(h, patch_num_hunks, "git_patch_num_hunks");
	LOAD(h, patch_get_hunk, "git_patch_get_hunk");
	LOAD(h, patch_get_line_in_hunk, "git_patch_get_line_in_hunk");
	LOAD(h, patch_free, "git_patch_free");
	LOAD(h, index_new, "git_index_new");
	LOAD(h, index_read_tree, "git_index_read_tree");
	LOAD(h, index_add, "git_index_add");
	LOAD(h, index_add_bypath, "git_index_add_bypath");
	LOAD(h, index_write, "git_index_write");
	LOAD(h, index_write_tree_to, "git_index_write_tree_to");
	LOAD(h, blob_create_from_workdir, "git_blob_create_from_workdir");
	LOAD(h, tree_lookup, "git_tree_lookup");
	LOAD(h, tree_entry_bypath, "git_tree_entry_bypath");
	LOAD(h, tree_entry_filemode, "git_tree_entry_filemode");
	LOAD(h, tree_entry_free, "git_tree_entry_free");
	LOAD(h, commit_tree_id, "git_commit_tree_id");
	LOAD(h, signature_default, "git_signature_default");
	LOAD(h, signature_now, "git_signature_now");
	LOAD(h, signature_free, "git_signature_free");
	LOAD(h, commit_create, "git_commit_create");
	LOAD(h, repository_commondir, "git_repository_commondir");
	LOAD(h, repository_path, "git_repository_path");
	LOAD(h, repository_config_snapshot, "git_repository_config_snapshot");
	LOAD(h, config_get_string, "git_config_get_string");
	LOAD(h, config_free, "git_config_free");
	LOAD(h, odb_open, "git_odb_open");
	LOAD(h, odb_free, "git_odb_free");
	LOAD(h, repository_set_odb, "git_repository_set_odb");
	if (qg_lg.init() < 0)
		return;
	/* We read HEAD and the status and, for `qgate-deploy pin --commit`,
	 * write one commit of files the user named; we never run hooks, so the
	 * owner check (CVE-2022-24765) only gets in the way of CI containers
	 * whose checkout belongs to another uid. */
	qg_lg.opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	qg_lg.version_fn(&major, &minor, &rev);
	snprintf(qg_lg.version, sizeof(qg_lg.version), "%d.%d.%d", major, minor, rev);
	qg_lg.loaded = 1;
	/* the handle stays open for the life of the process */
}

int qg_libgit2(void)
{
	pthread_once(&lg_once, load_libgit2);
	return qg_lg.loaded;
}

/*
 * libgit2 1.5 builds a repository's object database on first use, and when
 * that fails half way (descriptors run out: ulimit -n in the fault tests)
 * it frees an odb it has already made owned by the repository, which
 * therefore is never freed -- about 500 bytes leaked, wherever the first
 * lookup happens. git_odb_open() frees what it built on failure, so the
 * database is opened here, before anything can ask for it, and handed to
 * the repository (which takes its own reference).
 */
int qg_git_open_repository(git_repository **out, const char *dir)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	struct qg_buf objects = QG_BUF_INIT(QG_CAP_PATH);
	int rc;

	*out = NULL;
	rc = qg_lg.repository_open_ext(&repo, dir, 0, getenv("GIT_CEILING_DIRECTORIES"));
	if (rc < 0)
		return rc;
	if (qg_buf_addf(&objects, "%sobjects", qg_lg.repository_commondir(repo)) < 0) {
		qg_lg.repository_free(repo);
		return -1;
	}
	rc = qg_lg.odb_open(&odb, objects.buf);
	qg_buf_release(&objects);
	if (rc == 0) {
		rc = qg_lg.repository_set_odb(repo, odb);
		qg_lg.odb_free(odb);
	}
	if (rc < 0) {
		qg_lg.repository_free(repo);
		return rc;
	}
	*out = repo;
	return 0;
}

const char *qg_git_version(void)
{
	return qg_libgit2() ? qg_lg.version : "";
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
	if (qg_lg.status_list_new(&list, repo, &so) < 0)
		return 0;
	dirty = qg_lg.status_list_entrycount(list) > 0;
	qg_lg.status_list_free(list);
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
	if (!qg_libgit2())
		return 0;
	if (qg_git_open_repository(&repo, dir ? dir : ".") < 0)
		return 0; /* not in a repository (or its objects cannot be read) */
	/* an unborn branch (no commit yet) has no subject to report */
	if (qg_lg.reference_name_to_id(&oid, repo, "HEAD") < 0)
		goto done;
	qg_lg.oid_tostr(hex, sizeof(hex), &oid);
	if (strlen(hex) != 40)
		goto done;
	memcpy(out->commit, hex, 41);
	/* HEAD as a reference: symbolic on a branch, direct when detached. Not
	 * git_repository_head_detached(): it opens the object database, and
	 * libgit2 1.5 leaks the half-built one when descriptors run out there. */
	if (qg_lg.reference_lookup(&head, repo, "HEAD") == 0) {
		const char *target = qg_lg.reference_symbolic_target(head);

		if (target) {
			out->ref = qg_strdup(target);
			if (!out->ref) {
				out->commit[0] = '\0';
				qg_lg.reference_free(head);
				qg_lg.repository_free(repo);
				return QG_ENOMEM;
			}
		}
		qg_lg.reference_free(head);
	}
	out->dirty = qg_lg.repository_is_bare(repo) ? 0 : is_dirty(repo);
	out->in_repo = 1;
done:
	qg_lg.repository_free(repo);
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
	/* Under an address-space limit (ulimit -v) the lookup runs now, before
	 * the gate's own work can use the room up: libgit2 1.5 answers an
	 * allocation failure by recursing in git_error_set_oom() until its
	 * stack overflows (SIGSEGV), which no caller can catch. */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
			prefetch_main(NULL);
			return 0;
		}
	}
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
