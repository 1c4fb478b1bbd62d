/* reports.c -- read every report the run was given (--junit-in GLOB, --tap-in GLOB)
 *
 * Each glob is expanded with glob(3) (sorted, no shell); a glob that matches
 * nothing is QG_EINPUT naming it (a command that exits 0 and leaves no
 * report is not a pass; a name without wildcards says why it is missing),
 * and so is a folder; a pipe or device is read as a stream. A report that
 * changes while it is read is QG_EINPUT "changed while being read". A
 * report last written before the run started (mtime < not_before_ms, less
 * a 20 ms allowance for the kernel's coarse file clock) is a stale file from
 * an earlier run: QG_EINPUT "stale report (written before this run
 * started)". A file matched by two globs of the same kind is read once.
 * The first report that cannot be read stops the reading, and nothing from
 * any of them is appended to `out` (all or nothing). A report that starts
 * with '{' is `go test -json` output, read as such under either flag (the
 * contract has no flag of its own for it).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/strmap.h"
#include "test.h"

#define STALE_SLACK_MS 20

/* A report whose first byte (after a BOM and blanks) is '{' is go test
 * -json's event stream, whichever flag named it: neither JUnit XML nor TAP
 * can start so. */
static int starts_with_brace(const char *path)
{
	unsigned char b[256];
	ssize_t n;
	size_t i = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while ((ssize_t)i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return (ssize_t)i < n && b[i] == '{';
}

static int read_one(const char *path, int tap, long long not_before_ms, struct test_results *rs)
{
	struct stat st;
	struct qg_file_stamp stamp;
	int err;

	if (stat(path, &st) < 0)
		return qg_error(QG_EINPUT, "'%s': cannot stat: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return qg_error(QG_EINPUT, "'%s': is a folder, expected a %s report", path, tap ? "TAP" : "JUnit XML");
	if (!S_ISREG(st.st_mode))
		/* a pipe or a device: read as a stream (no sniffing, which would
		 * consume it; no age, which it does not have) */
		return tap ? test_read_tap(path, rs) : test_read_junit(path, rs);
	if (not_before_ms > 0) {
		long long mtime_ms = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;

		if (mtime_ms + STALE_SLACK_MS < not_before_ms)
			return qg_error(QG_EINPUT, "'%s': stale report (written before this run started)", path);
	}
	qg_file_stamp_set(&stamp, &st);
	if (starts_with_brace(path))
		err = test_read_gotest_json(path, rs);
	else
		err = tap ? test_read_tap(path, rs) : test_read_junit(path, rs);
	/* a report rewritten or truncated under the reader (a runner still
	 * writing it) was not judged whole, whatever the parse said */
	if (qg_file_stamp_changed(&stamp, path))
		err = qg_error(QG_EINPUT, "'%s': changed while being read", path);
	return err;
}

/* No wildcard: the pattern is a file name, and its absence says why. */
static int plain_name(const char *pattern)
{
	return !strpbrk(pattern, "*?[");
}

static int read_globs(const char *const *globs, size_t nr, int tap, long long not_before_ms,
		      struct test_results *rs)
{
	struct qg_strmap seen = QG_STRMAP_INIT;
	int err = 0;

	for (size_t i = 0; !err && i < nr; i++) {
		glob_t g = { 0 };
		int rc = glob(globs[i], GLOB_ERR, NULL, &g);

		if (rc == GLOB_NOMATCH && plain_name(globs[i])) {
			struct stat st;

			err = qg_error(QG_EINPUT, "'%s': cannot open the %s report: %s", globs[i], tap ? "TAP" : "JUnit",
				       stat(globs[i], &st) < 0 ? strerror(errno) : "not found");
		} else if (rc == GLOB_NOMATCH) {
			err = qg_error(QG_EINPUT, "'%s': no %s report matches", globs[i], tap ? "TAP" : "JUnit");
		} else if (rc == GLOB_NOSPACE) {
			err = qg_error(QG_ENOMEM, "out of memory");
		} else if (rc != 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot read the folders the pattern names: %s", globs[i],
				       strerror(errno));
		} else {
			for (size_t k = 0; !err && k < g.gl_pathc; k++) {
				const char *p = g.gl_pathv[k];
				size_t n = strlen(p);

				if (qg_strmap_has(&seen, p, n))
					continue;
				if (qg_strmap_add(&seen, p, n) < 0)
					err = qg_error(QG_ENOMEM, "out of memory");
				else
					err = read_one(p, tap, not_before_ms, rs);
			}
		}
		globfree(&g);
	}
	qg_strmap_release(&seen);
	return err;
}

int test_read_reports(const char *const *junit_globs, size_t nr_junit, const char *const *tap_globs,
		      size_t nr_tap, long long not_before_ms, struct test_results *out)
{
	struct test_results mine = { .keep_cases = out->keep_cases, .verbose = out->verbose };
	int err = read_globs(junit_globs, nr_junit, 0, not_before_ms, &mine);

	if (!err)
		err = read_globs(tap_globs, nr_tap, 1, not_before_ms, &mine);
	if (!err)
		err = test_results_move(out, &mine);
	test_results_release(&mine);
	return err;
}
