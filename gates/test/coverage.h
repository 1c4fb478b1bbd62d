/* coverage.h -- qgate-test's coverage model and its readers (internal)
 *
 * The readers (lcov .info, gcov JSON, Cobertura XML) fill one model: per
 * source file, line -> hits and the branches seen on each line. Records
 * for the same file (several tracefiles, several translation units
 * including one header) are summed as lcov does when it combines
 * tracefiles: line hits added, a branch identified by its line and its key
 * (lcov's block,branch; gcov's position on the line) taken when any record
 * took it. Paths are mapped when a file is first named: relative paths are
 * joined to the folder the report says they are relative to, "." and ".."
 * are folded, and the repository root (or the working folder outside a
 * repository) is stripped, so a file inside the repository is named as git
 * names it; a file outside keeps its absolute path and never matches a diff.
 *
 * Invariants: after cov_model_finish() each file's lines are sorted and
 * unique, every total is a count of entries (LF/LH, BRF/BRH and the
 * reports' own rates are never trusted), and the model is read-only.
 */
#ifndef QGATE_TEST_COVERAGE_H
#define QGATE_TEST_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "qgate/strmap.h"

struct cov_line {
	long long line;
	unsigned long long hits;
	unsigned br_total, br_taken;
};

struct cov_file {
	char *path;              /* repository-relative, or absolute outside it */
	struct cov_line *lines;  /* after finish: sorted by line */
	size_t nr_lines;
	long long lines_valid, lines_covered, br_valid, br_covered;
};

struct cov_raw_line { uint32_t file; long long line; unsigned long long hits; };
struct cov_raw_branch { uint32_t file; long long line; uint64_t key; long long count; /* -1: '-' */ };

struct cov_model {
	char *root;              /* absolute, with a trailing '/' */
	char *cwd;               /* absolute, with a trailing '/' */
	struct qg_strmap paths;  /* mapped path -> index in files */
	struct cov_file *files;
	size_t nr_files, alloc_files;
	struct cov_raw_line *rl;
	size_t nr_rl, alloc_rl;
	struct cov_raw_branch *rb;
	size_t nr_rb, alloc_rb;
	long long lines_valid, lines_covered, br_valid, br_covered;
	int finished;
};

/* root: the folder paths are made relative to (NULL: the repository around
 * the working folder, found by its .git, or the working folder). */
int cov_model_init(struct cov_model *m, const char *root);
void cov_model_release(struct cov_model *m);
/* The index of the file named `path` (relative paths are relative to
 * `base`, NULL = the working folder), added when new. >= 0 or QG_ENOMEM. */
long cov_model_file(struct cov_model *m, const char *path, size_t len, const char *base);
int cov_model_line(struct cov_model *m, long file, long long line, unsigned long long hits);
int cov_model_branch(struct cov_model *m, long file, long long line, uint64_t key, long long count);
/* Merge the records; totals per file and overall. 0 or QG_ENOMEM. */
int cov_model_finish(struct cov_model *m);
/* The line's entry in a finished model, NULL when the line is not instrumented. */
const struct cov_line *cov_file_find(const struct cov_file *f, long long line);
const struct cov_file *cov_model_find(const struct cov_model *m, const char *path);
/* Fold "./", "//" and "dir/.." in place (a path that climbs above its
 * start keeps its leading ".."). Returns the new length. */
size_t cov_path_normalize(char *p);

/* Readers: 0, or QG_EINPUT "'file':line:column: what, expected what" (a
 * JSON structure error names its member instead). The _buf forms read
 * memory (the fuzz targets); `name` is what messages call it. */
int cov_read_lcov(struct cov_model *m, const char *path);
int cov_read_lcov_buf(struct cov_model *m, const char *data, size_t len, const char *name);
int cov_read_gcov(struct cov_model *m, const char *path);
int cov_read_gcov_buf(struct cov_model *m, const char *data, size_t len, const char *name);
int cov_read_cobertura(struct cov_model *m, const char *path);
int cov_read_cobertura_buf(struct cov_model *m, const char *data, size_t len, const char *name);

/* Cobertura XML of a finished model (coverage-04.dtd's shape); timestamp in
 * seconds since the epoch. */
struct qg_buf;
int cov_write_cobertura(struct qg_buf *out, const struct cov_model *m, long long timestamp);

/* Record QG_EINPUT "'name':line:col: message" ("'name': message" when
 * line is 0) and return it. */
int cov_input_error(const char *name, long long line, long long col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The recorded error again as QG_EINPUT (a reader's malformed input is
 * "cannot evaluate", whatever code the layer below chose). */
int cov_error_as_input(void);

/* Percent of covered in valid, floored to two decimals (never shows 100
 * for 999 of 1000); 100 when valid is 0. */
double cov_percent(long long covered, long long valid);

#endif
