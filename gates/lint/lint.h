/* lint.h -- qgate-lint's shared model: files, findings, tools, checkers
 *
 * The parts of the gate meet here: the file selection and the built-in
 * checks produce findings (files.c, builtin*.c), the report parsers produce
 * findings (parse_*.c, runner.c), the filters and the baseline mark them
 * (filter.c, baseline.c), and the writers turn them into the result, SARIF
 * and Code Quality (report.c, sarif_out.c, codequality.c).
 *
 * Invariants: a finding's `file` is repository-relative with '/' separators
 * (LINT_F_OUTSIDE when it could not be made so: then it is kept as given);
 * strings in a finding are owned by its list; a list is only touched by one
 * thread (workers fill their own and lint_findings_move() joins them).
 */
#ifndef QGATE_LINT_H
#define QGATE_LINT_H

#include <stddef.h>
#include <sys/types.h>

#include "qgate/buf.h"
#include "qgate/strvec.h"

struct qg_git_repo;
struct qg_git_diff;
struct qg_result;
struct lint_ctx;
struct qg_shard;

enum lint_level { LINT_NOTE = 0, LINT_WARNING = 1, LINT_ERROR = 2 };
const char *lint_level_name(enum lint_level l);          /* "note", "warning", "error" */
int lint_level_parse(const char *s, enum lint_level *out); /* also "info"->note, "none"->note; -1 unknown */

enum lint_finding_flags {
	LINT_F_OUTSIDE = 1 << 0,    /* file is outside the repository (kept, flagged) */
	LINT_F_SUPPRESSED = 1 << 1, /* suppressed by the tool's own report (SARIF suppressions) */
	LINT_F_FILTERED = 1 << 2,   /* hidden by --filter (not on a changed line / file) */
	LINT_F_BASELINE = 1 << 3,   /* hidden by --baseline (an old finding) */
	LINT_F_FIXED = 1 << 4,      /* repaired by --fix */
	/* where the strings live (lint_findings_add_text): tool, rule and file
	 * interned in the list's pool, the message and help_uri copied into it;
	 * such strings are not freed one by one (lint_finding_release knows) */
	LINT_F_POOL_NAMES = 1 << 8,
	LINT_F_POOL_MESSAGE = 1 << 9,
	LINT_F_POOL_HELP = 1 << 10,
};
#define LINT_F_HIDDEN (LINT_F_SUPPRESSED | LINT_F_FILTERED | LINT_F_BASELINE | LINT_F_FIXED)

struct lint_finding {
	char *tool;          /* "builtin", "shellcheck", "gcc", ... */
	char *rule;          /* "trailing-whitespace", "SC2086", "-Wunused-variable"; never NULL ("" -> "finding") */
	enum lint_level level;
	char *file;          /* see invariants; NULL for a repository-wide finding (no-commit-to-branch) */
	long long line, column, end_line; /* 1-based, 0 unknown */
	char *message;       /* one line, secrets already masked by the producer */
	char *help_uri;      /* rule documentation, may be NULL */
	char fingerprint[33];/* hex, "" until lint_fingerprint() fills it */
	unsigned flags;
	long long more;      /* findings of the same rule later in the same file that were counted, not
			      * kept (a built-in check past LINT_KEEP_PER_FILE in one file): every count
			      * is 1 + more, the message says how many */
};
/* A built-in check keeps at most this many findings per file; the rest are
 * counted into the last one kept (`more`), so a 2 GB file with a finding on
 * every line costs the memory of this many, not of 50 million. */
#define LINT_KEEP_PER_FILE 10000

struct lint_pool;
struct lint_findings {
	struct lint_finding *v;
	size_t nr, alloc;
	struct lint_pool *pool; /* the pooled findings' strings (NULL until one is added); moves with them */
};
/* Append a finding from a report: tool, rule and file interned in the
 * list's pool (one copy per distinct name), msg (msglen bytes) folded to
 * one line (control bytes to spaces, trailing blanks dropped; empty: the
 * rule) and copied into the pool: no allocation of its own. NULL on
 * ENOMEM (after qg_error). tool "" -> "lint", rule "" -> "finding". */
struct lint_finding *lint_findings_add_text(struct lint_findings *fs, const char *tool, const char *rule,
					    enum lint_level level, const char *file, long long line,
					    long long column, const char *msg, size_t msglen);
/* s interned in fs's pool: a string that lives as long as fs's findings
 * (moves with them), NULL on ENOMEM. */
const char *lint_findings_intern(struct lint_findings *fs, const char *s);
/* lint_findings_add_text() with file already one lint_findings_intern()
 * returned for fs (no lookup). */
struct lint_finding *lint_findings_add_interned(struct lint_findings *fs, const char *tool, const char *rule,
						enum lint_level level, const char *file, long long line,
						long long column, const char *msg, size_t msglen);
/* f->help_uri = a copy of uri in fs's pool (f one of fs's findings, its
 * help_uri unset). 0 or QG_ENOMEM. */
int lint_finding_set_help_pooled(struct lint_findings *fs, struct lint_finding *f, const char *uri);
/* Replace f's message by msg (taken over: freed with the finding). */
void lint_finding_set_message(struct lint_finding *f, char *msg);
/* Free what f owns (the pooled strings stay with the list's pool). */
void lint_finding_release(struct lint_finding *f);
/* Append a finding (strings copied; message from fmt). Returns the new
 * finding or NULL on ENOMEM (after qg_error). */
struct lint_finding *lint_findings_add(struct lint_findings *fs, const char *tool, const char *rule,
				       enum lint_level level, const char *file, long long line,
				       long long column, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* Room for `extra` more findings, exactly (a report that says how many it
 * holds: no doubling slack). A hint: always 0, the adds still grow it. */
int lint_findings_reserve(struct lint_findings *fs, size_t extra);
/* Move every finding of src to the end of dst (src is left empty). */
int lint_findings_move(struct lint_findings *dst, struct lint_findings *src);
/* Sort by file, line, column, tool, rule, message (stable output for every
 * writer). A sorted prefix is kept: only the rest is sorted, then merged in
 * (the built-in checks hand over their findings already in order, so a run
 * costs one pass plus the linters' findings). */
void lint_findings_sort(struct lint_findings *fs);
/* Sort v[from..nr) alone (a worker's findings of one file). */
void lint_findings_sort_from(struct lint_findings *fs, size_t from);
void lint_findings_release(struct lint_findings *fs);

/* A tool whose findings are in the run: one SARIF run, one group of checks. */
struct lint_rule {
	char *id;
	char *description;   /* short description, may be NULL */
	char *help_uri;      /* may be NULL */
	enum lint_level default_level;
};
struct lint_tool {
	char *name;          /* "builtin", "shellcheck" */
	char *version;       /* may be NULL */
	char *info_uri;      /* may be NULL */
	struct lint_rule *rules;
	size_t nr_rules, alloc_rules;
	int failed;          /* the tool did not run to the end (exit 3 already decided) */
};
struct lint_tools {
	struct lint_tool *v;
	size_t nr, alloc;
};
/* The tool named `name`, added when new; NULL on ENOMEM. */
struct lint_tool *lint_tools_get(struct lint_tools *ts, const char *name);
/* The rule `id` of t, added (with default_level) when new; NULL on ENOMEM. */
struct lint_rule *lint_tool_rule(struct lint_tool *t, const char *id, enum lint_level default_level);
void lint_tools_release(struct lint_tools *ts);

/* One file to check. For --staged the bytes are the index's blob. */
struct lint_file {
	const char *path;    /* repository-relative (or as given outside a repository) */
	const char *abs;     /* path to open in the work tree (NULL when staged) */
	const char *oid;     /* staged blob id (hex), NULL when reading the work tree */
	unsigned mode;       /* git mode (0100644, 0100755, 0120000) or from lstat */
	long long size;
	int binary;          /* set by the core: a NUL in the first 8 KiB, as git decides */
	unsigned flags;      /* enum lint_file_flags */
};
enum lint_file_flags {
	LINT_FILE_OUTSIDE = 1 << 0, /* named on the command line, outside the repository: path as given */
	LINT_FILE_NAMED = 1 << 1,   /* named on the command line itself (a FIFO is read as a stream) */
	LINT_FILE_GONE = 1 << 2,    /* tracked but gone from the work tree (found by the worker's lstat): not checked */
	LINT_FILE_STAT = 1 << 3,    /* mode and size still to come from lstat (the workers do it, in parallel) */
};

/* The selected files (files.c), sorted by path, each once; strings owned.
 * `tracked` keeps every path of the index (gitlinks too, in index order)
 * when the selection read it, for case-conflict (have_tracked 0: not read,
 * a PATH outside the repository needed no index). */
struct lint_files {
	struct lint_file *v;
	size_t nr, alloc;
	char **tracked;
	size_t nr_tracked;
	int have_tracked;
};
struct lint_select {
	const char *const *paths;   /* PATH... as given (relative to the cwd), may be empty */
	size_t nr_paths;
	int all_files;              /* --all-files: walk PATHs on disk (untracked too, ignored not) */
	const struct qg_git_diff *changed; /* --changed-since: only files this diff touches, or NULL */
};
/* Select the files: tracked files (the index; blobs for --staged), narrowed
 * by PATHs, the diff and the exclude globs. A PATH naming nothing is
 * QG_EINPUT naming it. Outside a repository (ctx->repo NULL) PATHs are
 * walked on disk. */
int lint_files_select(const struct lint_ctx *ctx, const struct lint_select *sel, struct lint_files *out);
void lint_files_release(struct lint_files *fs);
/* A LINT_FILE_STAT file's lstat: mode (the index's executable bit when the
 * kind agrees) and size, or LINT_FILE_GONE when the work tree has no file
 * there. 0, or QG_EINPUT naming it. Called by the workers before a file's checks. */
int lint_file_stat(struct lint_file *f);
/* A NUL in the first 8000 bytes (git's buffer_is_binary). */
int lint_is_binary(const void *buf, size_t len);
/* Glob match for exclude patterns: a pattern without '/' matches any path
 * component (and everything under it); with '/' the whole path from the
 * root (a leading '/' anchors, '**' crosses folders). 1 match, 0 not. */
int lint_glob_match(const char *pattern, const char *path);
int lint_excluded(const struct lint_ctx *ctx, const char *path);
/* Is `path` left out of the built-in check `id` alone (an exclude "ID:GLOB",
 * pre-commit's per-hook exclude)? 1/0. */
int lint_excluded_for(const struct lint_ctx *ctx, const char *id, const char *path);
/* Split --exclude values into globs for every check (plain) and "ID:GLOB"
 * for one check (scoped, kept whole). A value whose part before the first
 * ':' looks like a check id (lowercase, digits, '-') but names none is
 * QG_EUSAGE naming it. */
int lint_excludes_split(const struct qg_strvec *in, struct qg_strvec *plain, struct qg_strvec *scoped);
/* The built-in check named id[0..len), or NULL (builtin.c). */
const struct lint_checker *lint_checker_find(const char *id, size_t len);

/* The run: what every part may read. Filled by main.c. */
struct lint_ctx {
	struct qg_git_repo *repo; /* NULL outside a repository */
	const char *root;         /* absolute work tree with trailing '/', or the cwd */
	int staged;               /* --staged */
	int jobs;
	long long large_file_kib; /* large-file threshold, default 500 */
	struct qg_strvec protected_branches; /* no-commit-to-branch, default main, master */
	struct qg_strvec excludes;           /* exclude globs (qgate.json lint.exclude) */
	struct qg_strvec excludes_for;       /* "ID:GLOB": excluded from one built-in check only */
	const char *cwd;          /* absolute cwd with trailing '/' (PATHs and report paths are relative to it) */
	const struct qg_shard *shard; /* --shard I/N, or NULL for the whole run */
};

/* --shard I/N (shard.c): a file (a finding's file, NULL = repository-wide)
 * is shard (FNV-1a-64(file) mod N) + 1's, NULL is shard 1's. 1 when it is
 * s's (always with s NULL or N = 1). */
int lint_shard_owns(const struct qg_shard *s, const char *file);
/* Drop (and release) the findings of fs that are not s's; how many went. */
size_t lint_shard_filter(const struct qg_shard *s, struct lint_findings *fs);

/* Reading a file's bytes, whichever its source (work tree or blob). */
struct lint_reader;
int lint_reader_open(struct lint_reader **out, const struct lint_ctx *ctx, const struct lint_file *f);
/* >0 bytes, 0 at the end, <0 QG_E* (message names the file). */
ssize_t lint_reader_read(struct lint_reader *r, void *buf, size_t len);
void lint_reader_close(struct lint_reader *r);

/* Make a path from a report repository-relative. *outside = 1 (and out holds
 * the path as given) when it is not inside the repository. */
int lint_path_normalise(const struct lint_ctx *ctx, const char *raw, struct qg_buf *out, int *outside);

/* A built-in check. The core (builtin.c) reads each selected file once, in
 * 64 KiB blocks, and drives every enabled checker over it:
 *   path-only checkers: path(), no bytes read for them;
 *   streaming checkers: begin(), then line() for every line (with its
 *     terminator; a line longer than 1 MiB is delivered in pieces with
 *     `cont` = 1 on the later pieces), then end();
 *   whole-file checkers: file(), which reads through lint_reader itself.
 * Per-repository checkers (case-conflict, no-commit-to-branch) have repo(),
 * called once with every selected file (LINT_FILE_GONE ones included: skip them). Text-only checkers (LINT_C_TEXT)
 * never see binary files. Each function returns 0 or QG_E* (a file that
 * cannot be read is QG_EINPUT naming it: exit 3). */
enum lint_checker_flags {
	LINT_C_TEXT = 1 << 0,
	LINT_C_FIXABLE = 1 << 1,
	LINT_C_DEFAULT = 1 << 2,  /* on with a bare --builtin */
};
struct lint_checker {
	const char *id;
	const char *description;
	enum lint_level level;
	unsigned flags;
	int (*applies)(const struct lint_file *f); /* NULL = every file */
	int (*path)(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out);
	void *(*begin)(const struct lint_ctx *ctx, const struct lint_file *f);
	int (*line)(void *st, const char *line, size_t len, long long lineno, int cont, struct lint_findings *out);
	int (*end)(void *st, struct lint_findings *out); /* also frees st */
	int (*file)(const struct lint_ctx *ctx, const struct lint_file *f, struct lint_findings *out);
	int (*repo)(const struct lint_ctx *ctx, const struct lint_files *files, struct lint_findings *out);
};
/* The tables: text checks (builtin_text.c), structured checks
 * (builtin_struct.c: json, yaml, xml), each ending with an entry whose id is NULL. */
extern const struct lint_checker lint_text_checkers[];
extern const struct lint_checker lint_struct_checkers[];
/* line() may also return LINT_LINE_DONE: this checker needs no more lines of
 * this file (the core stops reading once no checker needs more). */
#define LINT_LINE_DONE 1

/* The enabled built-in checks (builtin.c). */
struct lint_checkset {
	const struct lint_checker **v;
	size_t nr, alloc;
};
/* Enable checks from --builtin specs: "default" (or "") = every LINT_C_DEFAULT
 * check, "all", an id, "-id" to drop one; comma lists allowed. Unknown id is
 * QG_EUSAGE with the nearest id. */
int lint_checkset_parse(struct lint_checkset *set, const char *const *specs, size_t nr);
int lint_checkset_has(const struct lint_checkset *set, const char *id);
void lint_checkset_release(struct lint_checkset *set);
/* Run the enabled checks over the files (ctx->jobs workers); findings to
 * out, the tool "builtin" and its enabled rules to tools. */
int lint_builtin_run(const struct lint_ctx *ctx, const struct lint_checkset *set, struct lint_files *files,
		     struct lint_findings *out, struct lint_tools *tools);
/* --fix (fix.c): rewrite files with findings of the enabled fixable rules
 * (trailing-whitespace, end-of-file, mixed-line-ending, byte-order-mark),
 * atomically, keeping the mode; their findings get LINT_F_FIXED. *changed
 * counts the files rewritten. Refused for staged files (QG_EUSAGE). */
int lint_fix(const struct lint_ctx *ctx, const struct lint_checkset *set, const struct lint_files *files,
	     struct lint_findings *fs, long long *changed);

/* Ingesting a linter's report (parse*.c). `parser` is "gcc", "sarif",
 * "checkstyle", "regex:PATTERN" or "auto"; `tool` names the tool when the
 * format does not (the --run program's name, or the file's). Findings go to
 * out, the tool and its rules to tools. Malformed input is QG_EINPUT with
 * "file:line:column: ..."; a SARIF run with executionSuccessful false or
 * error notifications is QG_EINPUT too (exit 3). */
int lint_parse_buf(const struct lint_ctx *ctx, const char *parser, const char *tool, const char *name,
		   const char *data, size_t len, struct lint_findings *out, struct lint_tools *tools);
int lint_parse_file(const struct lint_ctx *ctx, const char *parser, const char *tool, const char *path,
		    struct lint_findings *out, struct lint_tools *tools);
/* 1 when `parser` names a format lint_parse_buf() reads: gcc, sarif,
 * checkstyle, cppcheck, shellcheck-json, gcc-json, regex:PATTERN, auto
 * (parse.c; for checking --parser up front). */
int lint_parser_known(const char *parser);
/* --run 'CMD' (runner.c): split like a shell without expansion, exec with
 * argv, parse its stdout (and stderr for gcc). A crash, a timeout or a
 * non-zero exit with nothing parsable is QG_EINPUT with its stderr tail. */
int lint_run_tool(const struct lint_ctx *ctx, const char *cmd, const char *parser, double timeout_s,
		  struct lint_findings *out, struct lint_tools *tools);

/* Filters (filter.c), as reviewdog defines them. */
enum lint_filter { LINT_FILTER_NOFILTER = 0, LINT_FILTER_ADDED, LINT_FILTER_DIFF_CONTEXT, LINT_FILTER_FILE };
int lint_filter_parse(const char *s, enum lint_filter *out);
/* Mark findings the diff does not cover with LINT_F_FILTERED. */
int lint_filter_apply(enum lint_filter mode, const struct qg_git_diff *d, struct lint_findings *fs);

/* Fingerprints and the baseline (baseline.c). Fingerprints come from the
 * tool, the rule, the file and the normalised text of the finding's line
 * and its neighbours, so moved code keeps its fingerprint. */
int lint_fingerprint(const struct lint_ctx *ctx, struct lint_findings *fs);
int lint_baseline_write(const char *path, const struct lint_findings *fs);
/* Mark the findings the baseline file holds with LINT_F_BASELINE. */
int lint_baseline_apply(const char *path, struct lint_findings *fs);

/* Writers. report.c: one check per tool and rule (lint.<tool>.<rule>) with
 * count and locations, metrics errors/warnings/notes/new. */
int lint_report(const struct lint_ctx *ctx, const struct lint_tools *tools, const struct lint_findings *fs,
		long long max_errors, long long max_warnings, struct qg_result *r);
/* sarif_out.c (over lib/report/sarif.c) and codequality.c. */
int lint_sarif_write(const char *path, const struct lint_tools *tools, const struct lint_findings *fs);
int lint_codequality_write(const char *path, const struct lint_findings *fs);

#endif
