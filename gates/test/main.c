/* main.c -- qgate-test: run a test suite, read its reports, gate on results and coverage
 *
 * A gate without subcommands (docs/dev/GATE.md): the option table, then
 * test_run() (run_tests.c) fills the results, test_verdict() (verdict.c)
 * turns them into checks and metrics, and test_coverage_gate() (coverage*.c)
 * adds the coverage checks; --merge instead unites the results of --shard
 * runs (merge.c). Everything after "--" (or from the first word that is
 * not an option) is the COMMAND, passed through untouched.
 */
#include "qgate/common.h"

#include <sys/prctl.h>

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/json.h"
#include "qgate/result.h"

#include "test.h"

struct test_opts {
	struct qg_common_opts common;
	struct qg_strvec args;       /* COMMAND... */
	struct qg_strvec each, junit_in, tap_in, merge;
	const char *list, *shard, *timings, *quarantine, *baseline;
	const char *lcov, *gcov_dir, *cobertura, *base, *cobertura_out;
	double timeout, kill_after;
	double coverage_min, branch_min, diff_min;
	long long jobs, retries, min_tests, max_skipped;
	int tap;
};

static const char *const test_usage[] = {
	"qgate-test [options] -- COMMAND...",
	"qgate-test [options] --each GLOB [-- RUNNER...]",
	"qgate-test [options] --junit-in GLOB | --tap-in GLOB",
	NULL,
};

static int set_output(struct qg_strvec *outputs, const char *key, double v)
{
	int err = qg_strvec_push(outputs, key);

	return err < 0 ? err : qg_strvec_pushf(outputs, "%.0f", v);
}

static int test_gate_run(void *data, struct qg_result *r, struct qg_strvec *outputs)
{
	struct test_opts *o = data;
	struct test_results rs = { 0 };
	struct test_run_info info;
	struct test_run_opts ro = {
		.command = o->args.v, .nr_command = o->args.nr,
		.each = o->each.v, .nr_each = o->each.nr,
		.list = o->list,
		.junit_in = o->junit_in.v, .nr_junit_in = o->junit_in.nr,
		.tap_in = o->tap_in.v, .nr_tap_in = o->tap_in.nr,
		.tap = o->tap,
		.jobs = o->jobs ? o->jobs : 1,
		.timeout_s = o->timeout,
		.kill_after_s = o->kill_after >= 0 ? o->kill_after : 5,
		.retries = o->retries,
		.shard = QG_SHARD_ALL,
		.timings = o->timings,
		.verbose = o->common.verbose,
		.quiet = o->common.quiet,
	};
	struct test_verdict_opts vo = {
		.min_tests = o->min_tests, .max_skipped = o->max_skipped,
		.baseline = o->baseline, .quarantine = o->quarantine, .quiet = o->common.quiet,
	};
	struct test_cov_opts co = {
		.lcov = o->lcov, .gcov_dir = o->gcov_dir, .cobertura = o->cobertura,
		.coverage_min = o->coverage_min, .branch_min = o->branch_min, .diff_min = o->diff_min,
		.base = o->base, .cobertura_out = o->cobertura_out,
	};
	const struct qg_json *m;
	int err, cov = test_cov_given(&co);

	if (o->merge.nr) {
		if (o->args.nr || o->each.nr || o->list || o->junit_in.nr || o->tap_in.nr || cov || o->shard)
			return qg_error(QG_EUSAGE, "--merge combines the results of earlier --shard runs: give no "
						   "command, tests, reports, coverage or --shard with it");
		/* the shards' results are the evidence this run judged */
		for (size_t i = 0; i < o->merge.nr; i++)
			if ((err = qg_result_add_artifact(r, o->merge.v[i])) < 0)
				return err;
		if ((err = test_merge_files(r, o->merge.v, o->merge.nr)) < 0)
			return err;
		goto outputs;
	}

	if (o->shard) {
		if ((err = qg_shard_parse(&ro.shard, o->shard)) < 0)
			return err;
		ro.sharded = 1;
	}
	if (o->timings && !o->shard)
		return qg_error(QG_EUSAGE, "--timings needs --shard I/N");
	if (o->each.nr && o->list)
		return qg_error(QG_EUSAGE, "--each and --list cannot be combined: give one list of tests");
	if ((o->each.nr || o->list) && (o->junit_in.nr || o->tap_in.nr))
		return qg_error(QG_EUSAGE, "--junit-in/--tap-in read a command's reports: with --each/--list "
					   "every program is its own test");
	if (o->tap && !o->args.nr && !o->each.nr && !o->list)
		return qg_error(QG_EUSAGE, "--tap reads a command's stdout: give -- COMMAND... or --each");
	if (o->diff_min >= 0 && !o->base)
		return qg_error(QG_EUSAGE, "--diff-coverage-min needs --base REF");
	if (o->retries && !o->each.nr && !o->list)
		return qg_error(QG_EUSAGE, "--retries reruns --each/--list programs: a single command "
					   "is rerun by its own runner (pytest --reruns)");
	vo.expect_tests = o->args.nr || o->each.nr || o->list || o->junit_in.nr || o->tap_in.nr;
	if (!vo.expect_tests && !cov)
		return qg_error(QG_EUSAGE, "nothing to judge: give -- COMMAND..., --each GLOB, --list FILE, "
					   "--junit-in GLOB, --tap-in GLOB or coverage input");
	ro.result = r;
	/* the list is evidence: hashed, and a list rewritten while read is an error */
	if (o->list && (err = qg_result_add_artifact(r, o->list)) < 0)
		return err;
	memset(&info, 0, sizeof(info));
	if (vo.expect_tests && (err = test_run(&ro, &rs, &info)) < 0)
		goto done;
	if (vo.expect_tests && (err = test_verdict(&vo, &info, &rs, r)) < 0)
		goto done;
	if (cov && (err = test_coverage_gate(&co, r)) < 0)
		goto done;
outputs:
	m = r->metrics;
	if (vo.expect_tests || o->merge.nr) {
		/* $GITHUB_OUTPUT: the core writes status, exit_code and failed
		 * (checks); the test counts are tests and tests_<metric> */
		static const char *const keys[] = { "tests", "passed", "failed", "errors", "skipped", "flaky" };
		char key[32];

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			snprintf(key, sizeof(key), "%s%s", i ? "tests_" : "", keys[i]);
			if ((err = set_output(outputs, key, qg_json_number(qg_json_get(m, keys[i])))) < 0)
				goto done;
		}
	}
	err = 0;
done:
	test_results_release(&rs);
	return err;
}

static int cmd_test(int argc, const char **argv)
{
	static const struct qg_gate gate = {
		.name = "test", .usage = test_usage,
		.description = "Run a test suite (one command, or every program matched by --each) with "
			       "timeouts, retries and no process left behind, read the reports it writes, "
			       "and gate on the results and on coverage.",
	};
	struct test_opts o = {
		.timeout = 0, .kill_after = -1, .coverage_min = -1, .branch_min = -1, .diff_min = -1,
		.jobs = 1, .min_tests = -1, .max_skipped = -1,
	};
	const struct qg_option options[] = {
		QG_OPTS_COMMON(&o.common),
		QG_OPT_GROUP_("running"),
		QG_OPT_LIST_(0, "each", &o.each, "GLOB", "every matched program is a test (run through COMMAND when given)"),
		QG_OPT_STRING_(0, "list", &o.list, "FILE", "the test programs, one a line"),
		QG_OPT_INT_('j', "jobs", &o.jobs, "N", 1, 4096, "run N tests at a time (default 1)"),
		QG_OPT_DOUBLE_(0, "timeout", &o.timeout, "SEC", 0.001, 604800, "SIGTERM a test's process group after SEC seconds"),
		QG_OPT_DOUBLE_(0, "kill-after", &o.kill_after, "SEC", 0, 3600, "then SIGKILL it after SEC more (default 5)"),
		QG_OPT_INT_(0, "retries", &o.retries, "N", 0, 100, "rerun a failed test up to N times (passing later: flaky)"),
		QG_OPT_STRING_(0, "quarantine", &o.quarantine, "FILE", "known-flaky tests whose failures do not block until they expire"),
		QG_OPT_STRING_(0, "shard", &o.shard, "I/N", "run the I-th of N parts of the tests"),
		QG_OPT_STRING_(0, "timings", &o.timings, "RESULT.json", "balance the shards by the durations of an earlier run"),
		QG_OPT_LIST_(0, "merge", &o.merge, "RESULT.json", "merge the results of the --shard runs into one (runs nothing)"),
		QG_OPT_GROUP_("reports"),
		QG_OPT_LIST_(0, "junit-in", &o.junit_in, "GLOB", "read the JUnit XML reports the command writes"),
		QG_OPT_LIST_(0, "tap-in", &o.tap_in, "GLOB", "read TAP files"),
		QG_OPT_FLAG_(0, "tap", &o.tap, "the command's (each program's) stdout is TAP"),
		QG_OPT_GROUP_("verdict"),
		QG_OPT_INT_(0, "min-tests", &o.min_tests, "N", 0, 1e15, "fail when fewer than N tests ran"),
		QG_OPT_INT_(0, "max-skipped", &o.max_skipped, "N", 0, 1e15, "fail when more than N tests were skipped"),
		QG_OPT_STRING_(0, "baseline", &o.baseline, "RESULT.json", "tests of this earlier result missing now fail tests.vanished"),
		QG_OPT_GROUP_("coverage"),
		QG_OPT_STRING_(0, "coverage", &o.lcov, "LCOV.info", "read lcov coverage"),
		QG_OPT_STRING_(0, "gcov", &o.gcov_dir, "DIR", "read gcov --json-format files under DIR"),
		QG_OPT_STRING_(0, "cobertura", &o.cobertura, "FILE", "read Cobertura XML coverage"),
		QG_OPT_DOUBLE_(0, "coverage-min", &o.coverage_min, "PCT", 0, 100, "minimum line coverage"),
		QG_OPT_DOUBLE_(0, "branch-coverage-min", &o.branch_min, "PCT", 0, 100, "minimum branch coverage"),
		QG_OPT_DOUBLE_(0, "diff-coverage-min", &o.diff_min, "PCT", 0, 100, "minimum coverage of the changed lines"),
		QG_OPT_STRING_(0, "base", &o.base, "REF", "the diff coverage's base (merge base with HEAD)"),
		QG_OPT_STRING_(0, "cobertura-out", &o.cobertura_out, "FILE", "write the coverage as Cobertura XML"),
		QG_OPT_END_(),
	};
	const struct qg_gate_cmd cmd = {
		.gate = &gate, .name = NULL, .usage = test_usage, .description = gate.description,
		.options = options, .opts_flags = QG_OPTS_STOP_AT_NON_OPTION, .common = &o.common,
		.args = &o.args, .run = test_gate_run, .data = &o,
	};
	int ret;

	/* orphans (daemons, double forks) of the tests are reparented to us,
	 * so none outlives the run (run_tests.c kills and reaps them) */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	ret = qg_gate_run(&cmd, argc, argv);
	test_reap_orphans(NULL);
	qg_strvec_clear(&o.args);
	qg_strvec_clear(&o.each);
	qg_strvec_clear(&o.junit_in);
	qg_strvec_clear(&o.tap_in);
	qg_strvec_clear(&o.merge);
	return ret;
}

int main(int argc, char **argv)
{
	return qg_main(argc, argv, cmd_test);
}
