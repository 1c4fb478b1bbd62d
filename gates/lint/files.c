/* files.c -- which files qgate-lint checks
 *
 * In a repository the candidates are the files git tracks (the index, so
 * build outputs and ignored files never come in; gitlinks are skipped):
 *   - no PATH: every tracked file;
 *   - PATH...: the tracked files at or under each PATH; a PATH naming a
 *     file git does not track is still checked (as `pre-commit run --files`
 *     does); a PATH naming nothing is exit 3 naming it;
 *   - --all-files with PATH...: the PATHs are walked on disk, untracked
 *     files included, ignored ones (.gitignore) and .git/ left out;
 *   - --staged: the index's blobs (the content that will be committed),
 *     their size and mode from the index;
 *   - --changed-since: only files the diff touches (deleted ones dropped).
 * Outside a repository PATHs are walked on disk (no PATH is exit 3, said
 * by main.c). Walks never follow a symbolic link (lstat), so a link loop or
 * a link out of the tree is only ever a link. The exclude globs apply to
 * everything. The result is sorted by path, each path once.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/git.h"

#include "lint.h"

struct tracked {
	char *path;
	unsigned mode;
	long long size;
	char oid[41];
};

struct sel {
	const struct lint_ctx *ctx;
	const struct lint_select *sel;
	struct lint_files *out;
	struct tracked *t;
	size_t nr_t, alloc_t;
	int loaded; /* the index is read on first need (a PATH outside the repository needs none) */
};

static int collect_tracked(void *ud, const struct qg_git_file *f)
{
	struct sel *s = ud;
	struct tracked *t;

	/* gitlinks stay in the list (case-conflict sees them) but are never checked */
	if (QG_ALLOC_GROW(s->t, s->nr_t + 1, s->alloc_t) < 0)
		return QG_ENOMEM;
	t = &s->t[s->nr_t];
	t->path = qg_strdup(f->path);
	if (!t->path)
		return qg_error(QG_ENOMEM, "out of memory");
	t->mode = f->mode;
	t->size = f->size;
	memcpy(t->oid, f->oid, sizeof(t->oid));
	t->oid[40] = 0;
	s->nr_t++;
	return 0;
}

static int cmp_tracked(const void *a, const void *b)
{
	return strcmp(((const struct tracked *)a)->path, ((const struct tracked *)b)->path);
}

static int is_gitlink(const struct tracked *t)
{
	return t->mode == 0160000;
}

static int load_tracked(struct sel *s)
{
	int err;
	size_t i;

	if (s->loaded || !s->ctx->repo)
		return 0;
	s->loaded = 1;
	if ((err = qg_git_ls_files(s->ctx->repo, collect_tracked, s)) < 0)
		return err;
	/* the index is kept sorted by path: sort only when it is not */
	for (i = 1; i < s->nr_t && strcmp(s->t[i - 1].path, s->t[i].path) < 0; i++)
		;
	if (i < s->nr_t)
		qsort(s->t, s->nr_t, sizeof(*s->t), cmp_tracked);
	return 0;
}

static const struct tracked *find_tracked(const struct sel *s, const char *path)
{
	struct tracked key = { .path = (char *)path };

	return s->nr_t ? bsearch(&key, s->t, s->nr_t, sizeof(*s->t), cmp_tracked) : NULL;
}

static unsigned mode_of(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return 0120000;
	if (S_ISREG(st->st_mode))
		return st->st_mode & 0111 ? 0100755 : 0100644;
	return 0;
}

/* Add one file (strings copied). `rel` is the display path. */
static int add_file(struct sel *s, const char *rel, const char *abs, const char *oid, unsigned mode,
		    long long size, unsigned flags)
{
	struct lint_file *f;

	if (s->sel->changed) {
		const struct qg_git_diff_file *d = qg_git_diff_find(s->sel->changed, rel);

		if (!d || d->status == 'D')
			return 0;
	}
	if (lint_excluded(s->ctx, rel))
		return 0;
	if (QG_ALLOC_GROW(s->out->v, s->out->nr + 1, s->out->alloc) < 0)
		return QG_ENOMEM;
	f = &s->out->v[s->out->nr];
	memset(f, 0, sizeof(*f));
	f->path = qg_strdup(rel);
	f->abs = abs ? qg_strdup(abs) : NULL;
	f->oid = oid ? qg_strdup(oid) : NULL;
	if (!f->path || (abs && !f->abs) || (oid && !f->oid)) {
		free((char *)f->path);
		free((char *)f->abs);
		free((char *)f->oid);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	f->mode = mode;
	f->size = size;
	f->flags = flags;
	s->out->nr++;
	return 0;
}

/* A tracked entry as a file to check: the blob for --staged, else the work
 * tree's file. Its lstat (mode and size, or gone from the work tree:
 * nothing to check) is left to the workers (LINT_FILE_STAT, lint_file_stat()),
 * so 50k system calls run in parallel instead of before them. */
static int add_tracked(struct sel *s, const struct tracked *t)
{
	struct qg_buf abs = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	if (is_gitlink(t))
		return 0;
	if (s->ctx->staged)
		return add_file(s, t->path, NULL, t->oid, t->mode, t->size, 0);
	if ((err = qg_buf_addf(&abs, "%s%s", s->ctx->root, t->path)) < 0)
		return err;
	err = add_file(s, t->path, abs.buf, NULL, t->mode, t->size, LINT_FILE_STAT);
	qg_buf_release(&abs);
	return err;
}

int lint_file_stat(struct lint_file *f)
{
	struct stat st;
	unsigned m;

	if (!(f->flags & LINT_FILE_STAT))
		return 0;
	f->flags &= ~(unsigned)LINT_FILE_STAT;
	if (lstat(f->abs, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			f->flags |= LINT_FILE_GONE;
			return 0;
		}
		return qg_error(QG_EINPUT, "'%s': %s", f->path, strerror(errno));
	}
	m = mode_of(&st);
	if (!m) {
		/* a folder (or a device) where the index has a file: nothing to check */
		f->flags |= LINT_FILE_GONE;
		return 0;
	}
	/* the index's executable bit when the kind agrees (core.filemode's view) */
	if ((m & 0170000) == (f->mode & 0170000))
		m = f->mode;
	f->mode = m;
	f->size = (long long)st.st_size;
	return 0;
}

/* Walk dir (absolute `abs`, display `rel`) on disk. */
static int walk(struct sel *s, struct qg_buf *abs, struct qg_buf *rel, int in_repo, int depth, unsigned flags,
		size_t *found)
{
	DIR *d;
	struct dirent *de;
	size_t alen = abs->len, rlen = rel->len;
	int err = 0;

	if (depth > 256)
		return 0;
	d = opendir(abs->buf);
	if (!d)
		return qg_error(QG_EINPUT, "'%s': cannot open folder: %s", rel->len ? rel->buf : abs->buf,
				strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		const char *n = de->d_name;

		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git"))
			continue;
		qg_buf_setlen(abs, alen);
		qg_buf_setlen(rel, rlen);
		if ((err = qg_buf_addf(abs, "%s%s", alen && abs->buf[alen - 1] == '/' ? "" : "/", n)) < 0 ||
		    (err = qg_buf_addf(rel, "%s%s", rlen && rel->buf[rlen - 1] != '/' ? "/" : "", n)) < 0)
			break;
		if (lstat(abs->buf, &st) < 0)
			continue;
		if (in_repo) {
			int ign = qg_git_path_ignored(s->ctx->repo, rel->buf);

			if (ign < 0) {
				err = ign;
				break;
			}
			if (ign)
				continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((err = walk(s, abs, rel, in_repo, depth + 1, flags, found)) < 0)
				break;
			continue;
		}
		if (!mode_of(&st))
			continue;
		{
			const struct tracked *t = in_repo ? find_tracked(s, rel->buf) : NULL;
			unsigned m = mode_of(&st);

			if (t && !is_gitlink(t) && (t->mode & 0170000) == (m & 0170000))
				m = t->mode;
			if ((err = add_file(s, rel->buf, abs->buf, NULL, m, (long long)st.st_size, flags)) < 0)
				break;
			(*found)++;
		}
	}
	if (!err && errno)
		err = qg_error(QG_EINPUT, "'%s': cannot read folder: %s", rel->len ? rel->buf : abs->buf,
			       strerror(errno));
	closedir(d);
	qg_buf_setlen(abs, alen);
	qg_buf_setlen(rel, rlen);
	return err;
}

/* A file named on the command line and not tracked: a symbolic link is
 * read through (the user named it; a dangling one stays a link for
 * broken-symlink); a FIFO is read as a stream; a device or anything else is
 * refused by the reader (exit 3). */
static int add_named(struct sel *s, const char *rel, const char *abs, const struct stat *lst, unsigned flags)
{
	struct stat st;

	if (S_ISLNK(lst->st_mode) && stat(abs, &st) == 0) {
		char *real = realpath(abs, NULL);
		int err;

		if (!real)
			return qg_error(QG_EINPUT, "'%s': %s", rel, strerror(errno));
		err = add_file(s, rel, real, NULL, mode_of(&st) ? mode_of(&st) : 0100644, (long long)st.st_size,
			       flags | LINT_FILE_NAMED);
		free(real);
		return err;
	}
	return add_file(s, rel, abs, NULL, mode_of(lst) ? mode_of(lst) : 0100644, (long long)lst->st_size,
			flags | LINT_FILE_NAMED);
}

/* One PATH from the command line. */
static int select_path(struct sel *s, const char *raw)
{
	const struct lint_ctx *ctx = s->ctx;
	struct qg_buf rel = QG_BUF_INIT(QG_CAP_MESSAGE), abs = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct stat st;
	int outside = 0, err, have_st;
	size_t found = 0;

	if ((err = lint_path_normalise(ctx, raw, &rel, &outside)) < 0)
		goto out;
	have_st = lstat(raw, &st) == 0;
	if (!have_st && errno != ENOENT && errno != ENOTDIR) {
		err = qg_error(QG_EINPUT, "'%s': %s", raw, strerror(errno));
		goto out;
	}
	if (outside || !ctx->repo) {
		/* walked on disk, paths as given */
		unsigned flags = LINT_FILE_NAMED | (outside && ctx->repo ? LINT_FILE_OUTSIDE : 0);

		if (!have_st) {
			err = qg_error(QG_EINPUT, "'%s': %s", raw, strerror(ENOENT));
			goto out;
		}
		if (outside && !ctx->repo)
			flags |= LINT_FILE_OUTSIDE;
		if (S_ISDIR(st.st_mode)) {
			if ((err = qg_buf_addstr(&abs, raw)) < 0)
				goto out;
			qg_buf_reset(&rel);
			if (outside || strcmp(raw, ".")) {
				struct qg_buf n = QG_BUF_INIT(QG_CAP_MESSAGE);
				int o2 = 0;

				err = outside ? qg_buf_addstr(&rel, raw) : lint_path_normalise(ctx, raw, &n, &o2);
				if (!outside && !err && strcmp(n.buf, "."))
					err = qg_buf_addstr(&rel, n.buf);
				qg_buf_release(&n);
				if (err < 0)
					goto out;
			}
			if ((err = walk(s, &abs, &rel, 0, 0, flags & LINT_FILE_OUTSIDE, &found)) < 0)
				goto out;
			if (!found)
				err = qg_error(QG_EINPUT, "'%s': no files to check in this folder", raw);
			goto out;
		}
		err = add_named(s, outside ? raw : rel.buf, raw, &st, flags);
		goto out;
	}
	if ((err = load_tracked(s)) < 0)
		goto out;
	if (s->sel->all_files && have_st && S_ISDIR(st.st_mode)) {
		if ((err = qg_buf_addf(&abs, "%s%s", ctx->root, strcmp(rel.buf, ".") ? rel.buf : "")) < 0)
			goto out;
		if (!strcmp(rel.buf, "."))
			qg_buf_reset(&rel);
		if ((err = walk(s, &abs, &rel, 1, 0, 0, &found)) < 0)
			goto out;
		if (!found)
			err = qg_error(QG_EINPUT, "'%s': no files to check in this folder", raw);
		goto out;
	}
	/* the tracked files at or under the PATH */
	{
		size_t plen = strlen(rel.buf);
		int all = !strcmp(rel.buf, ".");

		for (size_t i = 0; i < s->nr_t; i++) {
			const char *p = s->t[i].path;

			if (is_gitlink(&s->t[i]))
				continue;
			if (all || (!strncmp(p, rel.buf, plen) && (p[plen] == 0 || p[plen] == '/'))) {
				if ((err = add_tracked(s, &s->t[i])) < 0)
					goto out;
				found++;
			}
		}
	}
	if (found)
		goto out;
	if (!have_st) {
		err = qg_error(QG_EINPUT, "'%s': %s", raw, strerror(ENOENT));
	} else if (S_ISDIR(st.st_mode)) {
		err = qg_error(QG_EINPUT, "'%s': no tracked files in this folder (--all-files checks untracked ones)",
			       raw);
	} else if (ctx->staged) {
		err = qg_error(QG_EINPUT, "'%s': not in the index (--staged checks what is staged)", raw);
	} else {
		/* an untracked file named on the command line is checked */
		if ((err = qg_buf_addf(&abs, "%s%s", ctx->root, rel.buf)) < 0)
			goto out;
		err = add_named(s, rel.buf, abs.buf, &st, LINT_FILE_NAMED);
	}
out:
	qg_buf_release(&rel);
	qg_buf_release(&abs);
	return err;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct lint_file *)a)->path, ((const struct lint_file *)b)->path);
}

static void free_file(struct lint_file *f)
{
	free((char *)f->path);
	free((char *)f->abs);
	free((char *)f->oid);
}

int lint_files_select(const struct lint_ctx *ctx, const struct lint_select *sel, struct lint_files *out)
{
	struct sel s = { .ctx = ctx, .sel = sel, .out = out };
	int err = 0;

	if (!sel->nr_paths) {
		if ((err = load_tracked(&s)) < 0)
			goto out;
		for (size_t i = 0; i < s.nr_t && !err; i++)
			err = add_tracked(&s, &s.t[i]);
	} else {
		for (size_t i = 0; i < sel->nr_paths && !err; i++)
			err = select_path(&s, sel->paths[i]);
	}
	if (err < 0)
		goto out;
	/* sorted, each path once (every tracked file, no PATH: already so) */
	{
		size_t i = 1;

		while (i < out->nr && strcmp(out->v[i - 1].path, out->v[i].path) < 0)
			i++;
		if (i < out->nr)
			qsort(out->v, out->nr, sizeof(*out->v), cmp_file);
	}
	{
		size_t w = 0;

		for (size_t i = 0; i < out->nr; i++) {
			if (w && !strcmp(out->v[w - 1].path, out->v[i].path)) {
				free_file(&out->v[i]);
				continue;
			}
			out->v[w++] = out->v[i];
		}
		out->nr = w;
	}
	/* the index's paths stay for case-conflict (no second read) */
	if (s.loaded && ctx->repo) {
		out->tracked = malloc((s.nr_t ? s.nr_t : 1) * sizeof(*out->tracked));
		if (!out->tracked) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < s.nr_t; i++) {
			out->tracked[i] = s.t[i].path;
			s.t[i].path = NULL;
		}
		out->nr_tracked = s.nr_t;
		out->have_tracked = 1;
	}
out:
	for (size_t i = 0; i < s.nr_t; i++)
		free(s.t[i].path);
	free(s.t);
	return err;
}

void lint_files_release(struct lint_files *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->nr; i++)
		free_file(&fs->v[i]);
	free(fs->v);
	fs->v = NULL;
	fs->nr = fs->alloc = 0;
	for (size_t i = 0; i < fs->nr_tracked; i++)
		free(fs->tracked[i]);
	free(fs->tracked);
	fs->tracked = NULL;
	fs->nr_tracked = 0;
	fs->have_tracked = 0;
}
