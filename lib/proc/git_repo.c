/* git_repo.c -- the repository as data: open, ls-files, blobs, ignores, merge base, commits
 *
 * The handle of qgate/git.h over a git_repository (libgit2 through the
 * table in git_int.h). What qgate-lint needs to pick its files (the index,
 * .gitignore, staged blobs), what --changed-since needs to find its base
 * (the merge base of a ref and HEAD), and the one write: `qgate-deploy pin
 * --commit` commits named files (qg_git_commit_paths), building the tree
 * in an in-memory index from HEAD's so nothing else staged goes with them.
 * The diff itself is git_diff.c.
 *
 * Every libgit2 call on a handle holds its lock (recursive, so an ls-files
 * callback may read blobs): a lint run's workers read blobs from several
 * threads, and a git_repository's caches are not meant for concurrent use.
 */
#include "qgate/common.h"

#include <sys/stat.h>

#include "qgate/git.h"
#include "qgate/strmap.h"

#include "git_int.h"

int qg_git_fail(int code, const char *what)
{
	int saved = errno; /* libgit2 words an EMFILE on open as "no longer exists" */
	const git_error *e = qg_lg.error_last ? qg_lg.error_last() : NULL;

	if (saved == EMFILE || saved == ENFILE || saved == ENOMEM)
		return qg_error(code, "%s: %s%s%s", what, strerror(saved), e && e->message && *e->message ? " (libgit2: " : "",
				e && e->message && *e->message ? e->message : "");
	if (e && e->message && *e->message)
		return qg_error(code, "%s: %s", what, e->message);
	return qg_error(code, "%s", what);
}

/* The branch HEAD names, even on an unborn branch (a repository's first
 * commit is still a commit to a branch); NULL when detached. */
static int read_branch(struct qg_git_repo *r)
{
	git_reference *head = NULL;
	const char *target;

	/* a detached HEAD is a direct reference: no symbolic target */
	if (qg_lg.reference_lookup(&head, r->repo, "HEAD") < 0)
		return 0;
	target = qg_lg.reference_symbolic_target(head);
	if (target && !strncmp(target, "refs/heads/", 11)) {
		r->branch = qg_strdup(target + 11);
		if (!r->branch) {
			qg_lg.reference_free(head);
			return qg_error(QG_ENOMEM, "out of memory");
		}
	}
	qg_lg.reference_free(head);
	return 0;
}

int qg_git_repo_open(struct qg_git_repo **out, const char *dir)
{
	struct qg_git_repo *r;
	const char *wd;
	int err;

	*out = NULL;
	if (!dir)
		dir = ".";
	if (!qg_libgit2())
		return qg_error(QG_EINPUT, "'%s': not a git repository (libgit2 cannot be loaded)", dir);
	r = calloc(1, sizeof(*r));
	if (!r)
		return qg_error(QG_ENOMEM, "out of memory");
	{
		pthread_mutexattr_t attr;
		int bad = pthread_mutexattr_init(&attr) ||
			  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) ||
			  pthread_mutex_init(&r->lock, &attr);

		pthread_mutexattr_destroy(&attr);
		if (bad) {
			free(r);
			return qg_error(QG_ENOMEM, "cannot create a lock");
		}
	}
	r->dir = qg_strdup(dir);
	if (!r->dir) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	if (qg_git_open_repository(&r->repo, dir) < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
			struct qg_buf what = QG_BUF_INIT(QG_CAP_MESSAGE);

			err = qg_buf_addf(&what, "'%s': cannot open the git repository", dir);
			err = err < 0 ? err : qg_git_fail(QG_EINPUT, what.buf);
			qg_buf_release(&what);
		} else {
			err = qg_error(QG_EINPUT, "'%s': not a git repository", dir);
		}
		goto fail;
	}
	wd = qg_lg.repository_is_bare(r->repo) ? NULL : qg_lg.repository_workdir(r->repo);
	r->workdir = qg_strdup(wd ? wd : "");
	if (!r->workdir) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto fail;
	}
	err = read_branch(r);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	qg_git_repo_free(r);
	return err;
}

void qg_git_repo_free(struct qg_git_repo *r)
{
	if (!r)
		return;
	if (r->index)
		qg_lg.index_free(r->index);
	if (r->repo)
		qg_lg.repository_free(r->repo);
	pthread_mutex_destroy(&r->lock);
	free(r->dir);
	free(r->workdir);
	free(r->branch);
	free(r);
}

const char *qg_git_repo_workdir(const struct qg_git_repo *r)
{
	return r ? r->workdir : "";
}

const char *qg_git_repo_branch(const struct qg_git_repo *r)
{
	return r ? r->branch : NULL;
}

/* The index, re-read from disk when it changed (a hook may have staged). */
int qg_git_load_index(struct qg_git_repo *r)
{
	if (!r->index && qg_lg.repository_index(&r->index, r->repo) < 0) {
		r->index = NULL;
		return qg_git_fail(QG_EINPUT, "cannot read the git index");
	}
	if (qg_lg.index_read(r->index, 0) < 0)
		return qg_git_fail(QG_EINPUT, "cannot read the git index");
	return 0;
}

/* Among a conflicted path's entries (stages 1-3, in index order), the one
 * to report: "ours" (2), else the first. */
static size_t pick_entry(git_index *idx, size_t i, size_t n, size_t *next)
{
	const git_index_entry *e = qg_lg.index_get_byindex(idx, i);
	size_t j = i + 1, pick = i;

	while (j < n) {
		const git_index_entry *f = qg_lg.index_get_byindex(idx, j);

		if (!f || strcmp(f->path, e->path))
			break;
		if (GIT_INDEX_ENTRY_STAGE(f) == 0 ||
		    (GIT_INDEX_ENTRY_STAGE(f) == 2 &&
		     GIT_INDEX_ENTRY_STAGE(qg_lg.index_get_byindex(idx, pick)) != 0))
			pick = j;
		j++;
	}
	*next = j;
	return pick;
}

int qg_git_ls_files(struct qg_git_repo *r, qg_git_file_fn fn, void *ud)
{
	size_t i, n, next;
	int err;

	pthread_mutex_lock(&r->lock);
	err = qg_git_load_index(r);
	if (err) {
		pthread_mutex_unlock(&r->lock);
		return err;
	}
	n = qg_lg.index_entrycount(r->index);
	for (i = 0; i < n; i = next) {
		const git_index_entry *e;
		struct qg_git_file f;

		e = qg_lg.index_get_byindex(r->index, pick_entry(r->index, i, n, &next));
		if (!e)
			continue;
		f.path = e->path;
		f.mode = e->mode;
		f.size = e->file_size;
		qg_lg.oid_tostr(f.oid, sizeof(f.oid), &e->id);
		/* the lock is recursive: the callback may use the handle (read
		 * a blob); other threads wait, so the index stays as it is */
		err = fn(ud, &f);
		if (err)
			break;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

static int parse_oid(git_oid *out, const char *hex)
{
	size_t len = hex ? strlen(hex) : 0;

	if (len != GIT_OID_HEXSZ || strspn(hex, "0123456789abcdefABCDEF") != len ||
	    qg_lg.oid_fromstrn(out, hex, len) < 0)
		return qg_error(QG_EUSAGE, "'%s': not an object id (40 hex digits)", hex ? hex : "");
	return 0;
}

int qg_git_read_blob(struct qg_git_repo *r, const char *oid, struct qg_buf *out)
{
	git_oid id;
	git_blob *blob = NULL;
	git_object_size_t size;
	int err = parse_oid(&id, oid);

	if (err)
		return err;
	pthread_mutex_lock(&r->lock);
	if (qg_lg.blob_lookup(&blob, r->repo, &id) < 0) {
		char what[80];

		snprintf(what, sizeof(what), "blob %s", oid);
		err = qg_git_fail(QG_EINPUT, what);
		goto done;
	}
	size = qg_lg.blob_rawsize(blob);
	if (size > (git_object_size_t)SIZE_MAX || out->len + (size_t)size > out->cap || out->len + (size_t)size < out->len) {
		err = qg_error(QG_ETOOBIG, "blob %s: %llu bytes, more than %zu", oid, (unsigned long long)size,
			       out->cap);
		goto done;
	}
	err = qg_buf_add(out, qg_lg.blob_rawcontent(blob), (size_t)size);
done:
	if (blob)
		qg_lg.blob_free(blob);
	pthread_mutex_unlock(&r->lock);
	return err;
}

int qg_git_path_ignored(struct qg_git_repo *r, const char *path)
{
	int ignored = 0;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (qg_lg.ignore_path_is_ignored(&ignored, r->repo, path) < 0) {
		char what[256];

		snprintf(what, sizeof(what), "'%s': cannot evaluate .gitignore", path);
		err = qg_git_fail(QG_EINPUT, what);
	}
	pthread_mutex_unlock(&r->lock);
	return err ? err : !!ignored;
}

/* Caller holds the lock. */
int qg_git_resolve_commit(struct qg_git_repo *r, const char *rev, git_oid *out)
{
	git_object *obj = NULL, *commit = NULL;

	if (!rev || !*rev)
		return qg_error(QG_EUSAGE, "an empty revision");
	if (qg_lg.revparse_single(&obj, r->repo, rev) < 0)
		return qg_error(QG_EUSAGE, "'%s': unknown revision (not a branch, tag or commit in '%s')", rev,
				r->dir);
	if (qg_lg.object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		qg_lg.object_free(obj);
		return qg_error(QG_EUSAGE, "'%s': not a commit", rev);
	}
	*out = *qg_lg.object_id(commit);
	qg_lg.object_free(commit);
	qg_lg.object_free(obj);
	return 0;
}

/* Commits reachable from start (start included) into seen; a parent that is
 * not in the object store (past a shallow boundary) ends that path. When
 * `stop` is given, the walk does not go past commits in it. */
static int walk_ancestors(struct qg_git_repo *r, const git_oid *start, struct qg_strmap *seen,
			  const struct qg_strmap *stop)
{
	size_t i;

	if (qg_strmap_add(seen, start->id, GIT_OID_RAWSZ) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	for (i = 0; i < seen->nr; i++) {
		git_commit *c = NULL;
		git_oid id;
		unsigned n, k;

		memcpy(id.id, seen->keys[i], GIT_OID_RAWSZ);
		if (stop && qg_strmap_has(stop, id.id, GIT_OID_RAWSZ))
			continue;
		if (qg_lg.commit_lookup(&c, r->repo, &id) < 0)
			continue;
		n = qg_lg.commit_parentcount(c);
		for (k = 0; k < n; k++) {
			const git_oid *p = qg_lg.commit_parent_id(c, k);

			if (p && qg_strmap_add(seen, p->id, GIT_OID_RAWSZ) < 0) {
				qg_lg.commit_free(c);
				return qg_error(QG_ENOMEM, "out of memory");
			}
		}
		qg_lg.commit_free(c);
	}
	return 0;
}

/* libgit2 1.5 walks into the parents a shallow clone does not have and
 * fails (leaking on that path); so in a shallow repository the merge base
 * is found here: the
 * commits of HEAD's history (up to the boundary) that `one` also reaches,
 * where the walk from HEAD first meets them; of several, the newest. 0 and
 * *found = 0 when the shallow history holds no common commit. */
static int shallow_merge_base(struct qg_git_repo *r, const git_oid *one, const git_oid *head, git_oid *out,
			      int *found)
{
	struct qg_strmap a = QG_STRMAP_INIT, b = QG_STRMAP_INIT;
	git_time_t best = 0;
	size_t i;
	int err;

	*found = 0;
	err = walk_ancestors(r, one, &a, NULL);
	if (!err)
		err = walk_ancestors(r, head, &b, &a);
	for (i = 0; !err && i < b.nr; i++) {
		git_commit *c = NULL;
		git_oid id;

		if (!qg_strmap_has(&a, b.keys[i], GIT_OID_RAWSZ))
			continue;
		memcpy(id.id, b.keys[i], GIT_OID_RAWSZ);
		if (qg_lg.commit_lookup(&c, r->repo, &id) < 0)
			continue;
		if (!*found || qg_lg.commit_time(c) > best) {
			best = qg_lg.commit_time(c);
			*out = id;
			*found = 1;
		}
		qg_lg.commit_free(c);
	}
	qg_strmap_release(&a);
	qg_strmap_release(&b);
	return err;
}

int qg_git_merge_base(struct qg_git_repo *r, const char *ref, char out[41])
{
	git_oid one, head, base;
	int err, rc;

	out[0] = '\0';
	pthread_mutex_lock(&r->lock);
	err = qg_git_resolve_commit(r, ref, &one);
	if (!err && qg_lg.reference_name_to_id(&head, r->repo, "HEAD") < 0)
		err = qg_error(QG_EINPUT, "'%s': HEAD names no commit yet", r->dir);
	if (!err) {
		if (qg_lg.repository_is_shallow(r->repo) == 1) {
			int found = 0;

			err = shallow_merge_base(r, &one, &head, &base, &found);
			rc = err ? -1 : found ? 0 : GIT_ENOTFOUND;
		} else {
			rc = qg_lg.merge_base(&base, r->repo, &one, &head);
		}
		if (err) {
			/* recorded */
		} else if (rc == GIT_ENOTFOUND) {
			err = qg_error(QG_EINPUT,
				       "'%s' and HEAD have no common ancestor (a shallow clone may need "
				       "a deeper fetch)",
				       ref);
		} else if (rc < 0) {
			char what[256];

			snprintf(what, sizeof(what), "merge base of '%s' and HEAD", ref);
			err = qg_git_fail(QG_EINPUT, what);
		} else {
			qg_lg.oid_tostr(out, 41, &base);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* ------------------------------------------------------------ commits */

/* path (absolute, or relative to the current folder) relative to the work
 * tree, into out; QG_EINPUT when it lies outside. */
static int workdir_relative(struct qg_git_repo *r, const char *path, struct qg_buf *out)
{
	char *wd = realpath(r->workdir, NULL), *abs = realpath(path, NULL);
	size_t n;
	int err = 0;

	if (!abs)
		err = qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));
	else if (!wd)
		err = qg_error(QG_EINPUT, "'%s': the work tree '%s' cannot be resolved", path, r->workdir);
	else if (n = strlen(wd), strncmp(abs, wd, n) || abs[n] != '/' || !abs[n + 1])
		err = qg_error(QG_EINPUT, "'%s': outside the work tree of the repository at '%s'", path, wd);
	else
		err = qg_buf_addstr(out, abs + n + 1);
	free(wd);
	free(abs);
	return err;
}

static int commit_author(git_signature **out, git_repository *repo)
{
	const char *actor = getenv("GITHUB_ACTOR");
	struct qg_buf email = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = 0;

	if (qg_lg.signature_default(out, repo) == 0)
		return 0;
	if (!actor || !*actor)
		return qg_git_fail(QG_EINPUT, "no commit author: set git config user.name and user.email, or GITHUB_ACTOR");
	if ((err = qg_buf_addf(&email, "%s@users.noreply.github.com", actor)) < 0 ||
	    qg_lg.signature_now(out, actor, email.buf) < 0)
		err = err ? err : qg_git_fail(QG_EINPUT, "cannot make a commit author from GITHUB_ACTOR");
	qg_buf_release(&email);
	return err;
}

int qg_git_commit_paths(struct qg_git_repo *r, const char *const *paths, const char *message, char out[41])
{
	git_index *mem = NULL;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_oid head, tree_id, commit_id;
	struct qg_strvec rel = QG_STRVEC_INIT;
	int err = 0;

	out[0] = '\0';
	if (!r->workdir[0])
		return qg_error(QG_EINPUT, "'%s': a bare repository has no work tree to commit from", r->dir);
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; paths[i] && !err; i++) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH);

		err = workdir_relative(r, paths[i], &b);
		if (!err)
			err = qg_strvec_push(&rel, b.buf);
		qg_buf_release(&b);
	}
	if (err)
		goto done;
	/* HEAD's tree, or nothing on an unborn branch */
	if (qg_lg.reference_name_to_id(&head, r->repo, "HEAD") == 0) {
		if (qg_lg.commit_lookup(&parent, r->repo, &head) < 0 || qg_lg.commit_tree(&base, parent) < 0) {
			err = qg_git_fail(QG_EINPUT, "cannot read the HEAD commit");
			goto done;
		}
	}
	if (qg_lg.index_new(&mem) < 0 || (base && qg_lg.index_read_tree(mem, base) < 0)) {
		err = qg_git_fail(QG_EINPUT, "cannot build the commit's tree");
		goto done;
	}
	for (size_t i = 0; i < rel.nr; i++) {
		git_index_entry entry;
		git_tree_entry *te = NULL;
		struct stat st;

		memset(&entry, 0, sizeof(entry));
		entry.path = rel.v[i];
		if (qg_lg.blob_create_from_workdir(&entry.id, r->repo, rel.v[i]) < 0) {
			err = qg_git_fail(QG_EINPUT, paths[i]);
			goto done;
		}
		if (base && qg_lg.tree_entry_bypath(&te, base, rel.v[i]) == 0) {
			entry.mode = qg_lg.tree_entry_filemode(te);
			qg_lg.tree_entry_free(te);
		} else {
			entry.mode = !stat(paths[i], &st) && (st.st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE
										 : GIT_FILEMODE_BLOB;
		}
		if (qg_lg.index_add(mem, &entry) < 0) {
			err = qg_git_fail(QG_EINPUT, paths[i]);
			goto done;
		}
	}
	if (qg_lg.index_write_tree_to(&tree_id, mem, r->repo) < 0 || qg_lg.tree_lookup(&tree, r->repo, &tree_id) < 0) {
		err = qg_git_fail(QG_EINPUT, "cannot write the commit's tree");
		goto done;
	}
	if (parent && !memcmp(qg_lg.commit_tree_id(parent)->id, tree_id.id, sizeof(tree_id.id))) {
		err = 1; /* nothing changed */
		goto done;
	}
	if ((err = commit_author(&sig, r->repo)) < 0)
		goto done;
	{
		const git_commit *parents[1] = { parent };

		if (qg_lg.commit_create(&commit_id, r->repo, "HEAD", sig, sig, NULL, message, tree, parent ? 1 : 0,
					parents) < 0) {
			err = qg_git_fail(QG_EINPUT, "cannot create the commit");
			goto done;
		}
	}
	qg_lg.oid_tostr(out, 41, &commit_id);
	/* the real index follows, so the committed paths are not shown as changed */
	if ((err = qg_git_load_index(r)) < 0)
		goto done;
	for (size_t i = 0; i < rel.nr && !err; i++)
		if (qg_lg.index_add_bypath(r->index, rel.v[i]) < 0)
			err = qg_git_fail(QG_EINPUT, "committed, but the index could not be updated");
	if (!err && qg_lg.index_write(r->index) < 0)
		err = qg_git_fail(QG_EINPUT, "committed, but the index could not be written");
done:
	if (sig)
		qg_lg.signature_free(sig);
	if (tree)
		qg_lg.tree_free(tree);
	if (base)
		qg_lg.tree_free(base);
	if (parent)
		qg_lg.commit_free(parent);
	if (mem)
		qg_lg.index_free(mem);
	pthread_mutex_unlock(&r->lock);
	qg_strvec_clear(&rel);
	return err;
}

/* ------------------------------------------------------------ hooks */

static int add_trimmed(struct qg_buf *out, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return qg_buf_add(out, path, n);
}

int qg_git_hooks_dir(struct qg_git_repo *r, struct qg_buf *out, int *from_config)
{
	git_config *cfg = NULL;
	const char *hp = NULL, *base;
	int err = 0, rc;

	*from_config = 0;
	pthread_mutex_lock(&r->lock);
	if (qg_lg.repository_config_snapshot(&cfg, r->repo) < 0) {
		err = qg_git_fail(QG_EINPUT, "cannot read the repository's git config");
		goto done;
	}
	rc = qg_lg.config_get_string(&hp, cfg, "core.hooksPath");
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		err = qg_git_fail(QG_EINPUT, "cannot read core.hooksPath");
		goto done;
	}
	if (rc == 0 && hp && *hp) {
		*from_config = 1;
		if (hp[0] == '/') {
			err = add_trimmed(out, hp);
		} else if (hp[0] == '~') {
			const char *home = getenv("HOME");

			if (hp[1] && hp[1] != '/')
				err = qg_error(QG_EINPUT, "core.hooksPath '%s': only '~/' is understood, not '~user/'", hp);
			else if (!home || home[0] != '/')
				err = qg_error(QG_EINPUT, "core.hooksPath '%s': HOME is not an absolute path", hp);
			else if (!(err = add_trimmed(out, home)) && hp[1] && hp[2])
				err = qg_buf_addf(out, "/%s", hp + 2);
		} else {
			/* relative to where git runs hooks: the work tree's top, or
			 * the git folder of a bare repository */
			base = r->workdir[0] ? r->workdir : qg_lg.repository_path(r->repo);
			err = qg_buf_addstr(out, base);
			if (!err && (!out->len || out->buf[out->len - 1] != '/'))
				err = qg_buf_addch(out, '/');
			if (!err)
				err = qg_buf_addstr(out, hp);
		}
	} else {
		/* worktrees share the main repository's hooks */
		base = qg_lg.repository_commondir(r->repo);
		err = add_trimmed(out, base ? base : qg_lg.repository_path(r->repo));
		if (!err)
			err = qg_buf_addstr(out, "/hooks");
	}
	while (!err && out->len > 1 && out->buf[out->len - 1] == '/')
		qg_buf_setlen(out, out->len - 1);
done:
	if (cfg)
		qg_lg.config_free(cfg);
	pthread_mutex_unlock(&r->lock);
	return err;
}
