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
#include <stdint.h>

#include "qgate/buf.h"
#include "qgate/strmap.h"

struct qg_result;
struct qg_buf;
struct qg_spool;

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
	/* Plain passed and skipped cases, kept compact (a reader of a big
	 * report adds them here instead of as test_case entries; the verdict
	 * moves the rest here): one line each, "<p|s|f|e>\t<ms|->\t<P>\t
	 * <name>\t<message>\n", P the index in `prefixes` of the id's prefix
	 * ("test.<classname>.", interned: a class costs its name once), the
	 * fields escaped by test_compact_escape(). The result's tests.passed
	 * check lists them as "cases" (test_compact_render()). */
	char *compact;
	size_t compact_len, compact_alloc, nr_compact;
	struct qg_strmap prefixes;
	int keep_cases;  /* set by the caller: readers add every case as a test_case (unit tests) */
	int verbose;     /* set by the caller: readers say on stderr how a big report was read */
	/* test_compact_check() spools "cases" to a temp file (result.h) from
	 * this many bytes of lines on: 0 means TEST_SPOOL_MIN, SIZE_MAX never */
	size_t spool_min;
	/* Runs: once the lines pass run_bytes (0: TEST_RUN_BYTES), the plain
	 * passes and skips among them are sorted and spilled into a temp file,
	 * a run (test.c), so a list of millions of tests holds a run in memory,
	 * not the list; test_compact_walk_sorted() merges the runs. The failed
	 * and errored lines stay in `compact` until they are half a run, then
	 * go to runs of their own (split_failed_lines() reads them with
	 * test_results_walk_failure_runs()). nr_compact counts the lines in
	 * memory, nr_spilled those in runs. */
	struct test_run *runs;
	size_t nr_runs, nr_spilled, spill_next, run_bytes;
	/* the prefixes of the last classnames seen (index + 1, 0: none):
	 * cases of a suite take turns among a few classes, and a hit costs a
	 * compare where the map costs a hash and a probe into a big table.
	 * Checked against `prefixes` on use, so a stale entry only misses. */
	uint32_t prefix_cache[8];
	unsigned prefix_cache_next;
};
/* Append a case to the compact list (time_s < 0: unknown); outcome 'p',
 * 's', 'f' or 'e' (failed and errored cases beyond the verdict's first
 * TEST_FULL_MAX go to tests.failed so). */
#define TEST_FULL_MAX 1000
#define TEST_SPOOL_MIN ((size_t)1 << 20)
#define TEST_RUN_BYTES (((size_t)8 << 20) - ((size_t)64 << 10)) /* below a power of two: the buffer never doubles past it */
/* A run (sort.c): sorted lines in a temp file. */
struct test_run {
	struct qg_spool *spool;
	uint32_t *map; /* the run's prefix index -> the list's; NULL: the same */
	size_t nmap;
	size_t lines;
	int failures;  /* failed and errored lines (split_failed_lines() reads them) */
};
/* After a line is added: spill runs once the lines pass run_bytes (sort.c). */
int test_results_maybe_spill(struct test_results *rs);
/* Free the runs (test_results_release()). */
void test_results_runs_free(struct test_results *rs);
int test_results_compact(struct test_results *rs, enum test_outcome o, double time_s, const char *classname,
			 const char *name, const char *message);
/* Escape s for a compact line (backslash, tab, LF, CR as \\ \t \n \r); and back. */
int test_compact_escape(struct qg_buf *out, const char *s, size_t len);
int test_compact_unescape(struct qg_buf *out, const char *s, size_t len);
/* One case: its fields point into the text (escaped, not NUL-terminated);
 * its check id is prefix + name. */
struct test_compact_line {
	char outcome;          /* 'p', 's', 'f' or 'e' */
	double ms;             /* -1 unknown */
	const char *prefix, *name, *msg;
	size_t prefix_len, name_len, msg_len;
	/* an internal line's (test_compact_parse()): its prefix's index and
	 * the length of "<o>\t<ms>\t" before it; 0 for a "cases" line */
	size_t prefix_idx, head_len;
};
/* An internal line of rs (above, without its "\n"): 0, or -1 when it is not one. */
int test_compact_parse(const struct test_results *rs, struct test_compact_line *out, const char *line, size_t len);
/* The check id, unescaped, into out (reset first). */
int test_compact_id(struct qg_buf *out, const struct test_compact_line *l);
/* Sort the internal lines by (prefix, name, the whole line), in place. */
int test_compact_sort(struct test_results *rs);
/* Walk the internal lines in the order test_compact_sort() gives, without
 * a sorted copy (8 bytes a line), the spilled runs merged in: each(ctx,
 * line, len) gets each line (without "\n"; not always NUL-terminated). The
 * list is consumed: compact and the runs are freed afterwards (the
 * prefixes stay until released). 0, or the first error of each(), the sort
 * or a run's temp file. */
int test_compact_walk_sorted(struct test_results *rs, int (*each)(void *ctx, const char *line, size_t len),
			     void *ctx);
/* Append an internal line of rs as "cases" renders it, after a
 * "c\t<prefix>" line when its prefix index differs from *last (updated;
 * start with (size_t)-1). 0, QG_ENOMEM, or QG_ERROR on a malformed line. */
int test_compact_render_line(const struct test_results *rs, struct qg_buf *out, size_t *last, const char *line,
			     size_t len);
/* The same for a line test_compact_parse() already took apart into l. */
int test_compact_render_parsed(struct qg_buf *out, size_t *last, const struct test_compact_line *l,
			       const char *line, size_t len);
/* The "cases" text of a result (what readers of results parse): the sorted
 * internal lines grouped, a line "c\t<prefix>" before each run of cases
 * sharing it, each case "<o>\t<ms|->\t<name>\t<message>" (its id is the
 * last prefix + name; before any "c" line the prefix is empty). A malloc'd
 * string, NULL on ENOMEM (error recorded). */
char *test_compact_render(const struct test_results *rs);
/* Walk a "cases" text: 1 and the next case in *l, 0 at the end, -1 on a
 * line that is not one (it->line is its 1-based number). */
struct test_cases_iter {
	const char *p, *prefix;
	size_t prefix_len;
	long long line;
};
void test_cases_begin(struct test_cases_iter *it, const char *cases);
int test_cases_next(struct test_cases_iter *it, struct test_compact_line *l);
/* Append one case (from another list or a "cases" text) to dst's list. */
int test_results_add_line(struct test_results *dst, const struct test_compact_line *l);
/* The failed and errored lines a big list spilled into runs of their own
 * (test.c), each handed to each(ctx, line, len) numbered as rs numbers its
 * prefixes; those runs are freed. has: any such run? */
int test_results_walk_failure_runs(struct test_results *rs, int (*each)(void *ctx, const char *line, size_t len),
				   void *ctx);
int test_results_has_failure_runs(const struct test_results *rs);
/* Append a "cases" text's cases to rs's compact list (merging results). */
int test_results_add_cases(struct test_results *rs, const char *cases, const char *name);
/* Append a case (strings copied, NULL allowed where the struct says so). */
struct test_case *test_results_add(struct test_results *rs, const char *classname, const char *name,
				   enum test_outcome outcome, const char *message, const char *source);
int test_results_move(struct test_results *dst, struct test_results *src);
void test_results_release(struct test_results *rs);

/* Readers. Each returns 0, or QG_EINPUT "file:line:column: ..." on a
 * malformed, truncated or foreign report (TRX, xUnit.net, NUnit are refused
 * by name), never a silent zero. */
int test_read_junit(const char *path, struct test_results *out);

/* junit_split.c: reading a big report as two pieces at once (junit_in.c
 * decides; these only look at the open file's bytes, with pread()). The
 * offset of the candidate split (the first "<testcase" at or after the
 * middle of a regular file of at least QG_JUNIT_SPLIT_MIN bytes, default
 * 32 MiB, 0 = never, on two CPUs or more), or -1. */
long long junit_split_plan(int fd);
#define JUNIT_SPLIT_DEPTH 2
struct junit_split_guess {
	unsigned depth;                     /* suites open at the candidate, 1 or 2 */
	long long tag_at[JUNIT_SPLIT_DEPTH]; /* their start tags, outermost first */
	long long tag_len[JUNIT_SPLIT_DEPTH];
	struct qg_buf prefix;               /* the XML declaration, the tags, a line break */
};
/* 1 with *g filled (release g->prefix), 0 when nothing suite-like is open. */
int junit_split_guess(int fd, long long from, struct junit_split_guess *g);
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

/* ---- owned by T1: the runner, the verdict, quarantine, shards, merge ---- */
#include "qgate/shard.h"

/* A case's extras (test.c). */
int test_case_add_failed_attempt(struct test_case *c, const char *message);
int test_case_set(char **field, const char *value); /* replace an owned string (NULL clears) */
/* "classname.name", or "name" when the classname is empty (quarantine
 * entries, timings and baselines name tests so); a check's id is "test." + it. */
int test_case_ident(struct qg_buf *out, const struct test_case *c);
void test_results_remove(struct test_results *rs, size_t i); /* drop case i, keeping the order */
/* The order of identity: classname, name, file, line, source (qsort). */
int test_case_cmp(const void *a, const void *b);
/* More than TEST_FULL_MAX failed and errored cases in rs: those beyond the
 * first TEST_FULL_MAX by identity become compact 'f'/'e' lines (a reader
 * calls it as it goes, so a report where everything broke costs a line a
 * failure; the verdict's first TEST_FULL_MAX are among those kept). */
int test_results_trim_failures(struct test_results *rs);

/* Running (run_tests.c). With `command` and no each/list: one command whose
 * reports are read afterwards (junit_in/tap_in, or its stdout as TAP with
 * `tap`); with neither reports nor --tap the command is one test. With
 * each/list: every program is a test, run through `command` when given. */
struct test_run_opts {
	const char *const *command; size_t nr_command;
	const char *const *each; size_t nr_each;
	const char *list;
	const char *const *junit_in; size_t nr_junit_in;
	const char *const *tap_in; size_t nr_tap_in;
	int tap;
	long long jobs;          /* >= 1 */
	double timeout_s;        /* 0 = none */
	double kill_after_s;     /* grace between SIGTERM and SIGKILL */
	long long retries;
	struct qg_shard shard;   /* {1, 1}: everything */
	int sharded;             /* --shard given */
	const char *timings;     /* --timings RESULT.json, or NULL */
	int verbose, quiet;
	/* the run's result: --list is checked against its artifact (hashed by
	 * the caller) right after it is read, before any test runs */
	const struct qg_result *result;
};
struct test_run_info {
	int ran;                 /* something was run or read: no test at all is exit 3 */
	int command_run;         /* a single command ran */
	int command_reports;     /* ...and its results came from reports (its exit status is tests.command) */
	int command_exit;        /* its exit status (-1 when it did not exit) */
	char command_how[512];   /* "exited with 1", "killed by SIGSEGV" */
	char command_name[256];
	size_t programs;         /* --each/--list programs in this shard */
	size_t programs_total;   /* before sharding */
	size_t orphans_killed;   /* processes a test left behind, killed */
};
int test_run(const struct test_run_opts *o, struct test_results *out, struct test_run_info *info);
/* Kill and reap every process left reparented to us (PR_SET_CHILD_SUBREAPER). */
size_t test_reap_orphans(const char *marker);

/* Quarantine (quarantine.c): JSON [{"name","expires","reason"}] or
 * {"tests": [...]}, or text lines "NAME expires=YYYY-MM-DD [reason]". */
struct test_quarantine_entry {
	char *name, *reason;
	long long expires_day;   /* days since the epoch; the entry holds through that day */
	char expires[11];
	long long line;
};
struct test_quarantine {
	struct test_quarantine_entry *v;
	size_t nr;
	char *path;
};
int test_quarantine_load(struct test_quarantine *q, const char *path);
const struct test_quarantine_entry *test_quarantine_find(const struct test_quarantine *q, const char *ident);
void test_quarantine_release(struct test_quarantine *q);

/* Sharding (shard.c): which of `names` this shard runs (keep[i] = 1).
 * With timings (a result JSON: its test checks' duration_ms) the longest
 * test goes first into the emptiest shard; without, by name hash. */
int test_shard_pick(unsigned char *keep, const char *const *names, size_t n, const struct qg_shard *s,
		    const char *timings);

/* The verdict (verdict.c): checks (one per test, id "test.<ident>", then
 * the tests.* checks) and metrics. */
struct test_verdict_opts {
	long long min_tests;     /* -1: not asked */
	long long max_skipped;   /* -1: not asked */
	const char *baseline;    /* --baseline RESULT.json */
	const char *quarantine;  /* --quarantine FILE */
	int expect_tests;        /* a command, --each/--list or a report was given */
	int quiet;
};
int test_verdict(const struct test_verdict_opts *o, const struct test_run_info *info, struct test_results *rs,
		 struct qg_result *r);
/* The compact list as tests.passed (failed = 0) or tests.failed (1); see verdict.c. */
int test_compact_check(struct qg_result *r, struct test_results *rs, int failed, struct qg_strmap *ids,
		       long long counts[4]);

/* Merging shards (merge.c): N result JSONs of `qgate-test --shard I/N`
 * into one equal to an unsharded run: the test checks united (sorted by
 * id, as one run orders them), tests.* checks the most severe of each id,
 * the counting metrics summed. `out` must be initialised (qg_result_init). */
int test_merge_results(struct qg_result *out, const struct qg_result *const *shards, size_t n);
int test_merge_files(struct qg_result *out, const char *const *paths, size_t n);

#endif
