/* test.h -- qgate-test's shared model: test results, report readers, coverage
 *
 * The parts meet here: the runner (run_tests.c and friends) produces results
 * by running programs, the readers (junit_in.c, tap.c, gotest.c) produce them
 * from reports, the verdict (verdict.c) turns them into checks and metrics,
 * and coverage (coverage*.c) adds its own checks and metrics.
 *
 * Invariants: a result's identity is classname + name (+ file/line when
 * known), so shards, retries and merges line up; every string is owned by
 * its list; captured text is bounded (first and last 64 KiB of a stream).
 */
#ifndef QGATE_TEST_H
#define QGATE_TEST_H

#include <stddef.h>

struct qg_result;

enum test_outcome { TEST_PASS = 0, TEST_SKIP, TEST_FAIL, TEST_ERROR }; /* ordered by severity */
const char *test_outcome_name(enum test_outcome o); /* "passed", "skipped", "failed", "error" */

struct test_case {
	char *classname;     /* may be "" */
	char *name;          /* "" kept for an unnamed case */
	char *file;          /* may be NULL */
	long long line;      /* 0 unknown */
	enum test_outcome outcome;
	char *message;       /* failure/error/skip message, may be NULL */
	char *detail;        /* failure text, stderr tail..., bounded, may be NULL */
	char *source;        /* the report file or program the result came from */
	double time_s;       /* -1 unknown */
	int attempts;        /* runs made (1 + retries used) */
	int flaky;           /* failed, then passed on a retry: passes the gate, counted apart */
	int quarantined;     /* failed but listed in --quarantine (not expired): does not block */
	char **failed_attempts; /* messages of the attempts that failed before a pass (JUnit keeps them) */
	size_t nr_failed_attempts;
};

struct test_results {
	struct test_case *v;
	size_t nr, alloc;
	/* what the reports declared on their suites (counted only where no
	 * element carried a result; the verdict never reports fewer failures +
	 * errors than declared) */
	long long declared_failures, declared_errors;
	long long suite_errors;  /* <error> directly under a <testsuite>, "Bail out!" */
};
/* Append a case (strings copied, NULL allowed where the struct says so). */
struct test_case *test_results_add(struct test_results *rs, const char *classname, const char *name,
				   enum test_outcome outcome, const char *message, const char *source);
int test_results_move(struct test_results *dst, struct test_results *src);
void test_results_release(struct test_results *rs);

/* Readers. Each returns 0, or QG_EINPUT "file:line:column: ..." on a
 * malformed, truncated or foreign report (TRX, xUnit.net, NUnit are refused
 * by name), never a silent zero. */
int test_read_junit(const char *path, struct test_results *out);
int test_read_gotest_json(const char *path, struct test_results *out);
/* TAP 12/13/14 by push (a running test's stdout) or from a file. `name` is
 * what messages call the stream, `classname` goes into each result. */
struct test_tap;
int test_tap_new(struct test_tap **out, const char *name, const char *classname);
int test_tap_feed(struct test_tap *t, const char *data, size_t len);
/* End of stream: checks the plan, appends the results; QG_EINPUT on an invalid stream. */
int test_tap_finish(struct test_tap *t, struct test_results *out);
void test_tap_free(struct test_tap *t);
int test_read_tap(const char *path, struct test_results *out);
/* Read every report matching the globs (--junit-in, --tap-in); a glob that
 * matches nothing, or a report older than `not_before_ms` (0 = any), is
 * QG_EINPUT naming it. */
int test_read_reports(const char *const *junit_globs, size_t nr_junit, const char *const *tap_globs,
		      size_t nr_tap, long long not_before_ms, struct test_results *out);

/* Coverage (coverage*.c): reads the inputs, adds the coverage.* checks and
 * the metrics line_coverage, branch_coverage, diff_coverage (percent), the
 * uncovered changed lines as locations, and writes --cobertura-out. */
struct test_cov_opts {
	const char *lcov;        /* --coverage FILE (lcov .info) */
	const char *gcov_dir;    /* --gcov DIR (gcov --json-format output, .gcov.json[.gz]) */
	const char *cobertura;   /* --cobertura FILE */
	double coverage_min, branch_min, diff_min; /* -1 = not asked */
	const char *base;        /* --base REF for diff coverage */
	const char *cobertura_out;
};
int test_cov_given(const struct test_cov_opts *o); /* any coverage input? */
int test_coverage_gate(const struct test_cov_opts *o, struct qg_result *r);

#endif
