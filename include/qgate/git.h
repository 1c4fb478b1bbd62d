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

/* ---- The repository as data (lint's files and filters, test's diff coverage).
 * An opened repository is an opaque handle; libgit2 objects never leave
 * lib/proc/. Every call returns 0 or a negative QG_E* after qg_error():
 * QG_EINPUT "not a git repository" (naming dir) when there is none, or when
 * libgit2 cannot be loaded; an unknown ref is QG_EUSAGE naming it. */
struct qg_git_repo;

int qg_git_repo_open(struct qg_git_repo **out, const char *dir);
void qg_git_repo_free(struct qg_git_repo *repo);
/* The work tree's absolute path, with a trailing '/' ("" for a bare repo). */
const char *qg_git_repo_workdir(const struct qg_git_repo *repo);
/* The short name of the checked-out branch ("main"); NULL when detached. */
const char *qg_git_repo_branch(const struct qg_git_repo *repo);

/* One tracked file, as the index records it. */
struct qg_git_file {
	const char *path;     /* repository-relative, '/'-separated; valid during the callback */
	unsigned mode;        /* 0100644, 0100755, 0120000 (symlink), 0160000 (gitlink) */
	long long size;       /* size recorded in the index (the work tree file's at staging;
	                       * git keeps it modulo 2^32, so stat a file past 4 GiB) */
	char oid[41];         /* blob id, hex */
};
typedef int (*qg_git_file_fn)(void *ud, const struct qg_git_file *f);
/* Call fn for every path in the index, in index order (conflicted paths
 * once, with stage 0 or their "ours" entry). fn returning non-zero stops the
 * walk and that value is returned. The handle is locked during the walk
 * (other threads using it wait); fn may use the handle itself. */
int qg_git_ls_files(struct qg_git_repo *repo, qg_git_file_fn fn, void *ud);
/* Read the blob `oid` (hex) into out (for --staged: the content that will
 * be committed); QG_ETOOBIG past out's cap. The whole blob is in memory
 * (libgit2 inflates objects whole; it has no stream for packed objects). */
struct qg_buf;
int qg_git_read_blob(struct qg_git_repo *repo, const char *oid, struct qg_buf *out);
/* Is `path` (repository-relative) ignored by .gitignore / info/exclude? 1/0, or QG_E*. */
int qg_git_path_ignored(struct qg_git_repo *repo, const char *path);

/* The merge base of `ref` and HEAD as 40 hex (out has 41 bytes). `ref` is any
 * revision libgit2 resolves ("origin/main", a tag, a sha); QG_EUSAGE naming
 * it when it does not resolve, QG_EINPUT when there is no common ancestor. */
int qg_git_merge_base(struct qg_git_repo *repo, const char *ref, char out[41]);

/* Commit the work-tree contents of `paths` (NULL-terminated; absolute or
 * relative to the current folder, each inside the work tree) on top of HEAD
 * with `message`, moving HEAD (its branch, or HEAD itself when detached; a
 * repository's first commit on an unborn branch too). Only those paths
 * change: the new tree is HEAD's tree with them replaced, whatever else is
 * staged, and their index entries are updated so `git status` is clean for
 * them. Author and committer: git config user.name/user.email, else
 * $GITHUB_ACTOR <GITHUB_ACTOR@users.noreply.github.com>; neither is
 * QG_EINPUT saying so. out (41 bytes) gets the new commit's id. Returns 0,
 * 1 when the paths already hold what HEAD has (nothing committed, out
 * empty), or QG_EINPUT (a path outside the work tree, a bare repository,
 * libgit2's message). */
int qg_git_commit_paths(struct qg_git_repo *repo, const char *const *paths, const char *message, char out[41]);

/* The folder git runs this repository's hooks from, absolute, without a
 * trailing '/', appended to out: core.hooksPath when set (absolute; "~/" is
 * $HOME; relative to the work tree's top, or to the git folder of a bare
 * repository, as git takes it), else hooks/ in the common git folder (a
 * linked worktree shares its main repository's hooks). *from_config says
 * whether core.hooksPath chose it. The folder may not exist yet. */
int qg_git_hooks_dir(struct qg_git_repo *repo, struct qg_buf *out, int *from_config);

/* A diff from a base commit, as the lines it added, per file. */
struct qg_git_hunk {
	long long new_start, new_lines; /* the hunk's range in the new file (1-based; lines 0 = pure deletion) */
	long long old_start, old_lines;
};
struct qg_git_diff_file {
	char *path;           /* new path, repository-relative */
	char *old_path;       /* path in the base (differs on a rename), NULL for an added file */
	char status;          /* 'A' added, 'M' modified, 'R' renamed, 'C' copied, 'D' deleted, 'T' type change */
	int binary;
	long long *added;     /* sorted line numbers (new file) of added or changed lines */
	size_t nr_added;
	struct qg_git_hunk *hunks;   /* with the diff's context lines (--filter diff-context) */
	size_t nr_hunks;
};
struct qg_git_diff {
	struct qg_git_diff_file *files; /* sorted by path */
	size_t nr;
};
enum qg_git_diff_target {
	QG_GIT_DIFF_WORKDIR = 0,  /* base .. work tree (with the index): what a CI checkout or a laptop has */
	QG_GIT_DIFF_INDEX,        /* base .. index: what is staged (pre-commit) */
	QG_GIT_DIFF_HEAD,         /* base .. HEAD: committed changes only */
};
/* Diff base_oid (40 hex, usually from qg_git_merge_base; any revision
 * resolves) against target, renames followed as git does by default (50%
 * similarity; copies are not looked for, so a copy is an added file),
 * `context` lines around each hunk (3 as git). Untracked files are in no
 * target. A deleted file is listed ('D', no lines). */
int qg_git_diff(struct qg_git_repo *repo, const char *base_oid, enum qg_git_diff_target target,
		unsigned context, struct qg_git_diff *out);
void qg_git_diff_release(struct qg_git_diff *d);
/* The file's entry, NULL when the diff does not touch `path`. */
const struct qg_git_diff_file *qg_git_diff_find(const struct qg_git_diff *d, const char *path);
/* Is `line` of `f` among its added lines? (binary search) */
int qg_git_diff_file_added(const struct qg_git_diff_file *f, long long line);

#endif
