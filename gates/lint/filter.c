/* filter.c -- --filter: which findings a change introduced, as reviewdog decides
 *
 * reviewdog's four modes (filter/diff_filter.go and filter/filter.go), over
 * the diff from the merge base (qgate/git.h, renames followed):
 *   added         the finding is on a line the change added or modified
 *                 (a '+' line of its file's hunks);
 *   diff-context  the finding is inside a hunk, its context lines included;
 *   file          the finding is anywhere in a file the change touched;
 *   nofilter      everything stays.
 * As there: a finding spanning lines (end_line) stays when any of its lines
 * does; a finding without a line stays only with file and nofilter, and only
 * when its file changed; a file the change deleted is no changed file (its
 * new side is /dev/null); a file renamed without edits or a binary file is a
 * changed file with no lines. A finding with no file at all (a repository-
 * wide one such as no-commit-to-branch) is never filtered. Filtered
 * findings are marked LINT_F_FILTERED, never dropped.
 */
#include "qgate/common.h"

#include "qgate/git.h"

#include "lint.h"

int lint_filter_parse(const char *s, enum lint_filter *out)
{
	static const struct {
		const char *name;
		enum lint_filter mode;
	} names[] = {
		{ "added", LINT_FILTER_ADDED },
		{ "diff-context", LINT_FILTER_DIFF_CONTEXT },
		{ "diff_context", LINT_FILTER_DIFF_CONTEXT }, /* reviewdog's spelling */
		{ "file", LINT_FILTER_FILE },
		{ "nofilter", LINT_FILTER_NOFILTER },
	};
	size_t i;

	for (i = 0; s && i < QG_ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].mode;
			return 0;
		}
	}
	return qg_error(QG_EUSAGE, "unknown filter '%s' (added, diff-context, file or nofilter)", s ? s : "");
}

/* Does any added line of f fall in [from, to]? */
static int added_in(const struct qg_git_diff_file *f, long long from, long long to)
{
	size_t lo = 0, hi = f->nr_added;

	while (lo < hi) { /* the first added line >= from */
		size_t mid = lo + (hi - lo) / 2;

		if (f->added[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->nr_added && f->added[lo] <= to;
}

/* Does any hunk's new side (context lines included) meet [from, to]? */
static int hunk_in(const struct qg_git_diff_file *f, long long from, long long to)
{
	size_t i;

	for (i = 0; i < f->nr_hunks; i++) {
		const struct qg_git_hunk *h = &f->hunks[i];

		if (h->new_lines > 0 && h->new_start <= to && h->new_start + h->new_lines - 1 >= from)
			return 1;
	}
	return 0;
}

static int keep(enum lint_filter mode, const struct qg_git_diff *d, const struct lint_finding *x)
{
	const struct qg_git_diff_file *f;
	long long to;

	if (mode == LINT_FILTER_NOFILTER || !x->file)
		return 1;
	f = qg_git_diff_find(d, x->file);
	if (!f || f->status == 'D')
		return 0;
	if (mode == LINT_FILTER_FILE)
		return 1;
	if (x->line <= 0)
		return 0;
	to = x->end_line > x->line ? x->end_line : x->line;
	if (mode == LINT_FILTER_ADDED)
		return added_in(f, x->line, to);
	return hunk_in(f, x->line, to);
}

int lint_filter_apply(enum lint_filter mode, const struct qg_git_diff *d, struct lint_findings *fs)
{
	static const struct qg_git_diff none;
	size_t i;

	if (mode != LINT_FILTER_NOFILTER && mode != LINT_FILTER_ADDED && mode != LINT_FILTER_DIFF_CONTEXT &&
	    mode != LINT_FILTER_FILE)
		return qg_error(QG_EUSAGE, "unknown filter mode %d", (int)mode);
	if (!d)
		d = &none;
	for (i = 0; i < fs->nr; i++)
		if (!keep(mode, d, &fs->v[i]))
			fs->v[i].flags |= LINT_F_FILTERED;
	return 0;
}
