/* git_diff.c -- a diff from a base commit as data: files, hunks, added lines
 *
 * What reviewdog's filters and diff-cover need from `git diff BASE`: for
 * every file the change touches, its status, its old path when renamed, its
 * hunks (with their context lines) and the sorted line numbers it added or
 * changed in the new file (the '+' lines of its hunks). Renames are followed
 * as git does by default (50% similarity); copies are not looked for, so a
 * copied file is an added one, every line of it new (the conservative
 * reading for a gate: nothing in a new file is "old").
 *
 * Targets: the work tree through the index (git diff BASE: tracked files as
 * they are on disk), the index (git diff --cached BASE) or HEAD (git diff
 * BASE HEAD). Untracked files are not part of any of them; submodules are
 * not entered. A type change (a file that became a symlink) is 'T' with the
 * new side's lines all added, as git's patch shows it.
 */
#include "qgate/common.h"

#include "qgate/git.h"

#include "git_int.h"

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct qg_git_diff_file *)a)->path, ((const struct qg_git_diff_file *)b)->path);
}

static char status_of(git_delta_t s)
{
	switch (s) {
	case GIT_DELTA_ADDED:
		return 'A';
	case GIT_DELTA_DELETED:
		return 'D';
	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_CONFLICTED:
		return 'M';
	case GIT_DELTA_RENAMED:
		return 'R';
	case GIT_DELTA_COPIED:
		return 'C';
	case GIT_DELTA_TYPECHANGE:
		return 'T';
	default:
		return 0; /* unmodified, ignored, untracked, unreadable: not a change */
	}
}

static int oom(void)
{
	return qg_error(QG_ENOMEM, "out of memory");
}

/* One delta's patch into f: hunks and '+' line numbers. */
static int read_patch(git_patch *patch, struct qg_git_diff_file *f)
{
	size_t h, nh = qg_lg.patch_num_hunks(patch), alloc_h = 0, alloc_a = 0;

	for (h = 0; h < nh; h++) {
		const git_diff_hunk *hunk;
		size_t l, nl;

		if (qg_lg.patch_get_hunk(&hunk, &nl, patch, h) < 0)
			return qg_git_fail(QG_EINPUT, "cannot read a diff hunk");
		if (QG_ALLOC_GROW(f->hunks, f->nr_hunks + 1, alloc_h))
			return oom();
		f->hunks[f->nr_hunks].new_start = hunk->new_start;
		f->hunks[f->nr_hunks].new_lines = hunk->new_lines;
		f->hunks[f->nr_hunks].old_start = hunk->old_start;
		f->hunks[f->nr_hunks].old_lines = hunk->old_lines;
		f->nr_hunks++;
		for (l = 0; l < nl; l++) {
			const git_diff_line *line;

			if (qg_lg.patch_get_line_in_hunk(&line, patch, h, l) < 0)
				return qg_git_fail(QG_EINPUT, "cannot read a diff line");
			if (line->origin != GIT_DIFF_LINE_ADDITION || line->new_lineno <= 0)
				continue;
			if (QG_ALLOC_GROW(f->added, f->nr_added + 1, alloc_a))
				return oom();
			f->added[f->nr_added++] = line->new_lineno;
		}
	}
	return 0;
}

/* Append the delta idx of diff to out (skipping what is no change). */
static int add_delta(git_diff *diff, size_t idx, struct qg_git_diff *out, size_t *alloc)
{
	git_patch *patch = NULL;
	const git_diff_delta *delta;
	struct qg_git_diff_file *f;
	char status;
	int err;

	if (qg_lg.patch_from_diff(&patch, diff, idx) < 0)
		return qg_git_fail(QG_EINPUT, "cannot compute the diff");
	if (!patch)
		return 0; /* unchanged */
	delta = qg_lg.patch_get_delta(patch);
	status = status_of(delta->status);
	if (!status) {
		qg_lg.patch_free(patch);
		return 0;
	}
	if (QG_ALLOC_GROW(out->files, out->nr + 1, *alloc)) {
		qg_lg.patch_free(patch);
		return oom();
	}
	f = &out->files[out->nr++];
	memset(f, 0, sizeof(*f));
	f->status = status;
	f->path = qg_strdup(delta->new_file.path ? delta->new_file.path : delta->old_file.path);
	if (status != 'A')
		f->old_path = qg_strdup(delta->old_file.path);
	if (!f->path || (status != 'A' && !f->old_path)) {
		qg_lg.patch_free(patch);
		return oom();
	}
	f->binary = (delta->flags & GIT_DIFF_FLAG_BINARY) != 0;
	err = f->binary ? 0 : read_patch(patch, f);
	qg_lg.patch_free(patch);
	return err;
}

/* A path both deleted and added is a type change (a file that became a
 * symlink): one 'T' entry with the deletion's hunks, then the addition's,
 * and the addition's lines. */
static int join_typechanges(struct qg_git_diff *d)
{
	size_t i, o = 0;

	for (i = 0; i < d->nr; i++) {
		struct qg_git_diff_file *f = &d->files[i], *g = i + 1 < d->nr ? &d->files[i + 1] : NULL;
		struct qg_git_diff_file *del, *add;
		struct qg_git_hunk *h;

		if (!g || strcmp(f->path, g->path) || !((f->status == 'D' && g->status == 'A') ||
							 (f->status == 'A' && g->status == 'D'))) {
			d->files[o++] = *f;
			continue;
		}
		del = f->status == 'D' ? f : g;
		add = f->status == 'D' ? g : f;
		h = realloc(del->hunks, (del->nr_hunks + add->nr_hunks + 1) * sizeof(*h));
		if (!h)
			return oom();
		if (add->nr_hunks)
			memcpy(h + del->nr_hunks, add->hunks, add->nr_hunks * sizeof(*h));
		free(add->hunks);
		add->hunks = h;
		add->nr_hunks += del->nr_hunks;
		del->hunks = NULL; /* the deletion's hunks come first, as git prints them */
		add->status = 'T';
		add->binary |= del->binary;
		free(add->old_path);
		add->old_path = del->old_path;
		del->old_path = NULL;
		free(del->path);
		free(del->added);
		d->files[o++] = *add;
		i++;
	}
	d->nr = o;
	return 0;
}

static int commit_tree(struct qg_git_repo *r, const git_oid *id, const char *name, git_tree **out)
{
	git_commit *c = NULL;
	int rc;

	if (qg_lg.commit_lookup(&c, r->repo, id) < 0)
		return qg_error(QG_EUSAGE, "'%s': not a commit in '%s'", name, r->dir);
	rc = qg_lg.commit_tree(out, c);
	qg_lg.commit_free(c);
	if (rc < 0) {
		char what[128];

		snprintf(what, sizeof(what), "'%s': cannot read its tree", name);
		return qg_git_fail(QG_EINPUT, what);
	}
	return 0;
}

int qg_git_diff(struct qg_git_repo *r, const char *base_oid, enum qg_git_diff_target target, unsigned context,
		struct qg_git_diff *out)
{
	git_diff_options opts;
	git_diff_find_options fopts;
	git_tree *base = NULL, *head = NULL;
	git_diff *diff = NULL;
	git_oid id, head_id;
	size_t i, n, alloc = 0;
	int err;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&r->lock);
	err = qg_git_resolve_commit(r, base_oid, &id);
	if (!err)
		err = commit_tree(r, &id, base_oid, &base);
	if (err)
		goto done;
	qg_lg.diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	/* no GIT_DIFF_INCLUDE_TYPECHANGE: libgit2 then gives a type change no
	 * lines; split into a deletion and an addition (as git's patch shows
	 * it) the new side's lines are all added, and join_typechanges() makes
	 * the pair one 'T' entry again */
	opts.flags = GIT_DIFF_IGNORE_SUBMODULES;
	opts.context_lines = context;
	opts.interhunk_lines = 0;
	switch (target) {
	case QG_GIT_DIFF_HEAD:
		if (qg_lg.reference_name_to_id(&head_id, r->repo, "HEAD") < 0) {
			err = qg_error(QG_EINPUT, "'%s': HEAD names no commit yet", r->dir);
			goto done;
		}
		err = commit_tree(r, &head_id, "HEAD", &head);
		if (!err && qg_lg.diff_tree_to_tree(&diff, r->repo, base, head, &opts) < 0)
			err = qg_git_fail(QG_EINPUT, "cannot diff against HEAD");
		break;
	case QG_GIT_DIFF_INDEX:
		err = qg_git_load_index(r);
		if (!err && qg_lg.diff_tree_to_index(&diff, r->repo, base, r->index, &opts) < 0)
			err = qg_git_fail(QG_EINPUT, "cannot diff against the index");
		break;
	case QG_GIT_DIFF_WORKDIR:
		if (qg_lg.repository_is_bare(r->repo)) {
			err = qg_error(QG_EINPUT, "'%s': a bare repository has no work tree to diff", r->dir);
			break;
		}
		err = qg_git_load_index(r);
		if (!err && qg_lg.diff_tree_to_workdir_with_index(&diff, r->repo, base, &opts) < 0)
			err = qg_git_fail(QG_EINPUT, "cannot diff against the work tree");
		break;
	default:
		err = qg_error(QG_EUSAGE, "unknown diff target %d", (int)target);
	}
	if (err)
		goto done;
	qg_lg.diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (qg_lg.diff_find_similar(diff, &fopts) < 0) {
		err = qg_git_fail(QG_EINPUT, "cannot follow renames");
		goto done;
	}
	n = qg_lg.diff_num_deltas(diff);
	for (i = 0; i < n && !err; i++)
		err = add_delta(diff, i, out, &alloc);
	if (!err && out->nr > 1) {
		qsort(out->files, out->nr, sizeof(*out->files), cmp_file);
		err = join_typechanges(out);
	}
done:
	if (diff)
		qg_lg.diff_free(diff);
	if (head)
		qg_lg.tree_free(head);
	if (base)
		qg_lg.tree_free(base);
	pthread_mutex_unlock(&r->lock);
	if (err)
		qg_git_diff_release(out);
	return err;
}

void qg_git_diff_release(struct qg_git_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nr; i++) {
		free(d->files[i].path);
		free(d->files[i].old_path);
		free(d->files[i].added);
		free(d->files[i].hunks);
	}
	free(d->files);
	d->files = NULL;
	d->nr = 0;
}

const struct qg_git_diff_file *qg_git_diff_find(const struct qg_git_diff *d, const char *path)
{
	size_t lo = 0, hi;

	if (!d || !path)
		return NULL;
	hi = d->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->files[mid].path, path);

		if (!c)
			return &d->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int qg_git_diff_file_added(const struct qg_git_diff_file *f, long long line)
{
	size_t lo = 0, hi;

	if (!f)
		return 0;
	hi = f->nr_added;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->added[mid] == line)
			return 1;
		if (f->added[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
