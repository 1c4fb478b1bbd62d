/* coverage.c -- qgate-test's coverage gate: thresholds, diff coverage, Cobertura out
 *
 * test_coverage_gate() reads every coverage input given (lcov, a folder of
 * gcov JSON, Cobertura) into one model, records the inputs as artifacts,
 * and adds the metrics line_coverage, branch_coverage and diff_coverage
 * (percent, floored to two decimals so 99.999% never reads as 100) with
 * the counts behind them, and the checks coverage.lines, coverage.branches
 * and coverage.diff. A threshold is met when covered * 100 >= min * valid,
 * on the counts, not on the rounded figure.
 *
 * Diff coverage follows diff-cover: the lines the change added or modified
 * (the diff from the merge base of --base and HEAD to the work tree) that
 * the coverage report instruments; a changed line the report does not know
 * (a comment, a file without coverage data) does not count. A change with
 * no instrumentable changed line passes with a note; a report none of whose
 * files lies in the work tree cannot be matched and is exit 3. The uncovered changed
 * lines are the check's locations (annotations) and, folded into ranges,
 * its details.
 */
#include "qgate/common.h"

#include <time.h>

#include "qgate/file.h"
#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/stream.h"

#include "coverage.h"
#include "test.h"

int test_cov_given(const struct test_cov_opts *o)
{
	return o && ((o->lcov && *o->lcov) || (o->gcov_dir && *o->gcov_dir) || (o->cobertura && *o->cobertura));
}

static int check_threshold(double v, const char *flag)
{
	if (v == -1)
		return 0;
	if (!(v >= 0 && v <= 100))
		return qg_error(QG_EUSAGE, "%s %g: expected a percentage from 0 to 100", flag, v);
	return 0;
}

static int validate(const struct test_cov_opts *o)
{
	int err;

	if ((err = check_threshold(o->coverage_min, "--coverage-min")) ||
	    (err = check_threshold(o->branch_min, "--branch-coverage-min")) ||
	    (err = check_threshold(o->diff_min, "--diff-coverage-min")))
		return err;
	if (!test_cov_given(o)) {
		const char *flag = o->coverage_min >= 0 ? "--coverage-min"
				   : o->branch_min >= 0 ? "--branch-coverage-min"
				   : o->diff_min >= 0   ? "--diff-coverage-min"
				   : o->cobertura_out   ? "--cobertura-out"
							: NULL;

		if (flag)
			return qg_error(QG_EUSAGE, "%s needs coverage input (--coverage LCOV.info, --gcov DIR or --cobertura FILE)",
					flag);
		return 0;
	}
	if (o->diff_min >= 0 && !(o->base && *o->base))
		return qg_error(QG_EUSAGE, "--diff-coverage-min needs --base REF (the branch the change is merged into)");
	if (o->base && *o->base && o->diff_min < 0)
		return qg_error(QG_EUSAGE, "--base is only used with --diff-coverage-min PCT");
	if (o->cobertura_out && (err = qg_file_check_output(o->cobertura_out)))
		return err;
	return 0;
}

static int read_gcov_dir(struct cov_model *m, const char *dir, struct qg_result *r)
{
	static const char *const exts[] = { ".gcov.json", NULL };
	struct qg_strvec files = QG_STRVEC_INIT;
	int err = qg_stream_expand(&files, &dir, 1, exts);

	if (err == QG_EINPUT && qg_file_is_dir(dir))
		err = qg_error(QG_EINPUT, "'%s': no gcov JSON file (*.gcov.json.gz, from gcov --json-format) in the folder", dir);
	for (size_t i = 0; i < files.nr && !err; i++) {
		if (!(err = cov_read_gcov(m, files.v[i])))
			err = qg_result_add_artifact(r, files.v[i]);
	}
	qg_strvec_clear(&files);
	return err;
}

static double pct_metric(struct qg_result *r, const char *name, long long covered, long long valid)
{
	double p = cov_percent(covered, valid);

	(void)qg_json_add_number(r->metrics, name, p);
	return p;
}

static int met(long long covered, long long valid, double min)
{
	return (double)covered * 100.0 >= min * (double)valid;
}

static int threshold_check(struct qg_result *r, const char *id, const char *what, const char *whats,
			   long long covered, long long valid, double min, const char *flag)
{
	double p = cov_percent(covered, valid);
	struct qg_check *c;

	if (min < 0) {
		c = qg_result_add_check(r, id, QG_STATUS_PASS, "%s coverage %.2f%% (%lld of %lld %s); no %s given", what,
					p, covered, valid, whats, flag);
		if (!c)
			return QG_ENOMEM;
		qg_check_observed_number(c, p);
		return 0;
	}
	int ok = met(covered, valid, min);

	c = qg_result_add_check(r, id, ok ? QG_STATUS_PASS : QG_STATUS_FAIL, "%s coverage %.2f%% (%lld of %lld %s) %s %g%%",
				what, p, covered, valid, whats, ok ? "meets" : "below", min);
	if (!c)
		return QG_ENOMEM;
	qg_check_observed_number(c, p);
	if (qg_check_expected_string(c, ">= %g", min) < 0)
		return QG_ENOMEM;
	qg_check_set_count(c, ok ? 0 : valid - covered);
	return 0;
}

/* "3-5,9" for the sorted lines v. */
static int add_ranges(struct qg_buf *b, const long long *v, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err;) {
		size_t j = i;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		err = j > i ? qg_buf_addf(b, "%s%lld-%lld", b->len ? "," : "", v[i], v[j])
			    : qg_buf_addf(b, "%s%lld", b->len ? "," : "", v[i]);
		i = j + 1;
	}
	return err;
}

static int diff_gate(const struct test_cov_opts *o, struct cov_model *m, struct qg_git_repo *repo, struct qg_result *r)
{
	struct qg_git_diff d = { 0 };
	char oid[41];
	long long valid = 0, covered = 0, files_seen = 0;
	struct qg_check *c;
	struct qg_json *unc = NULL;
	long long *miss = NULL;
	size_t nr_miss = 0, alloc_miss = 0;
	int err;

	/* a report whose every file is outside the work tree (built in another
	 * checkout, a container's /src) can match no change: that is not a pass */
	size_t inside = 0;

	for (size_t i = 0; i < m->nr_files; i++)
		inside += m->files[i].path[0] != '/';
	if (!inside)
		return qg_error(QG_EINPUT,
				"no file of the coverage data is inside the repository '%s' (first: '%s'): "
				"diff coverage cannot match the change (generate it in this checkout)",
				qg_git_repo_workdir(repo), m->nr_files ? m->files[0].path : "");
	if ((err = qg_git_merge_base(repo, o->base, oid)) || (err = qg_git_diff(repo, oid, QG_GIT_DIFF_WORKDIR, 0, &d)))
		goto done;
	c = qg_result_add_check(r, "coverage.diff", QG_STATUS_PASS, NULL);
	if (!c) {
		err = QG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < d.nr; i++) {
		const struct qg_git_diff_file *df = &d.files[i];
		const struct cov_file *f = df->status == 'D' || df->binary ? NULL : cov_model_find(m, df->path);

		if (!f || !df->nr_added)
			continue;
		files_seen++;
		nr_miss = 0;
		for (size_t k = 0; k < df->nr_added; k++) {
			const struct cov_line *l = cov_file_find(f, df->added[k]);

			if (!l)
				continue;
			valid++;
			if (l->hits) {
				covered++;
				continue;
			}
			if (QG_ALLOC_GROW(miss, nr_miss + 1, alloc_miss) < 0) {
				err = QG_ENOMEM;
				goto done;
			}
			miss[nr_miss++] = l->line;
			if (qg_check_add_location(c, df->path, l->line, 0, "changed line not covered by the tests") < 0) {
				err = QG_ENOMEM;
				goto done;
			}
		}
		if (nr_miss) {
			struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
			struct qg_json *details = qg_check_details(c);

			if (!unc && details)
				unc = qg_json_add_object(details, "uncovered_lines");
			err = add_ranges(&b, miss, nr_miss);
			if (!err && (!unc || !qg_json_add_string(unc, df->path, b.buf)))
				err = QG_ENOMEM;
			qg_buf_release(&b);
			if (err)
				goto done;
		}
	}
	double p = pct_metric(r, "diff_coverage", covered, valid);

	(void)qg_json_add_number(r->metrics, "diff_lines_valid", (double)valid);
	(void)qg_json_add_number(r->metrics, "diff_lines_covered", (double)covered);
	qg_check_observed_number(c, p);
	if (qg_check_expected_string(c, ">= %g", o->diff_min) < 0) {
		err = QG_ENOMEM;
		goto done;
	}
	(void)qg_result_add_markdown(r, "| changed lines (since %s) | %lld | %lld | %.2f%% |\n", o->base, covered, valid, p);
	if (valid == 0) {
		qg_check_set_count(c, 0);
		err = qg_check_set_message(c, "no instrumentable line changed since %s (%zu changed files, %lld with coverage data): nothing to measure",
					   o->base, d.nr, files_seen);
	} else {
		int ok = met(covered, valid, o->diff_min);

		c->status = ok ? QG_STATUS_PASS : QG_STATUS_FAIL;
		qg_check_set_count(c, ok ? 0 : valid - covered); /* the locations stay, as notes */
		err = qg_check_set_message(c, "diff coverage %.2f%% (%lld of %lld changed lines since %s) %s %g%%", p, covered,
					   valid, o->base, ok ? "meets" : "below", o->diff_min);
	}
done:
	free(miss);
	qg_git_diff_release(&d);
	return err;
}

static long long timestamp_now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;

	if (sde && *sde) {
		long long v = strtoll(sde, &end, 10);

		if (!*end && v >= 0)
			return v;
	}
	return (long long)time(NULL);
}

int test_coverage_gate(const struct test_cov_opts *o, struct qg_result *r)
{
	struct cov_model m;
	struct qg_git_repo *repo = NULL;
	int err;

	if ((err = validate(o)) || !test_cov_given(o))
		return err;
	if (o->diff_min >= 0) {
		if ((err = qg_git_repo_open(&repo, ".")))
			return err;
	}
	if ((err = cov_model_init(&m, repo && *qg_git_repo_workdir(repo) ? qg_git_repo_workdir(repo) : NULL)))
		goto done;
	if (o->lcov && *o->lcov && !(err = cov_read_lcov(&m, o->lcov)))
		err = qg_result_add_artifact(r, o->lcov);
	if (!err && o->gcov_dir && *o->gcov_dir)
		err = read_gcov_dir(&m, o->gcov_dir, r);
	if (!err && o->cobertura && *o->cobertura && !(err = cov_read_cobertura(&m, o->cobertura)))
		err = qg_result_add_artifact(r, o->cobertura);
	if (!err)
		err = cov_model_finish(&m);
	if (err)
		goto done;
	if (m.nr_files == 0 || m.lines_valid == 0) {
		err = qg_error(QG_EINPUT, "'%s': no instrumented line in the coverage data",
			       o->lcov && *o->lcov ? o->lcov : o->gcov_dir && *o->gcov_dir ? o->gcov_dir : o->cobertura);
		goto done;
	}
	pct_metric(r, "line_coverage", m.lines_covered, m.lines_valid);
	(void)qg_json_add_number(r->metrics, "lines_valid", (double)m.lines_valid);
	(void)qg_json_add_number(r->metrics, "lines_covered", (double)m.lines_covered);
	if (m.br_valid) {
		pct_metric(r, "branch_coverage", m.br_covered, m.br_valid);
		(void)qg_json_add_number(r->metrics, "branches_valid", (double)m.br_valid);
		(void)qg_json_add_number(r->metrics, "branches_covered", (double)m.br_covered);
	}
	if ((err = threshold_check(r, "coverage.lines", "line", "lines", m.lines_covered, m.lines_valid, o->coverage_min,
				   "--coverage-min")))
		goto done;
	if (o->branch_min >= 0) {
		if (!m.br_valid) {
			struct qg_check *c = qg_result_add_check(
				r, "coverage.branches", QG_STATUS_ERROR,
				"--branch-coverage-min %g: the coverage data has no branch records (lcov --rc lcov_branch_coverage=1, gcov -b, gcovr)",
				o->branch_min);

			if (!c) {
				err = QG_ENOMEM;
				goto done;
			}
		} else if ((err = threshold_check(r, "coverage.branches", "branch", "branches", m.br_covered, m.br_valid, o->branch_min,
						  "--branch-coverage-min"))) {
			goto done;
		}
	}
	(void)qg_result_add_markdown(r, "| coverage | covered | valid | percent |\n|---|---:|---:|---:|\n"
					"| lines | %lld | %lld | %.2f%% |\n",
				     m.lines_covered, m.lines_valid, cov_percent(m.lines_covered, m.lines_valid));
	if (m.br_valid)
		(void)qg_result_add_markdown(r, "| branches | %lld | %lld | %.2f%% |\n", m.br_covered, m.br_valid,
					     cov_percent(m.br_covered, m.br_valid));
	if (o->diff_min >= 0 && (err = diff_gate(o, &m, repo, r)))
		goto done;
	if (o->cobertura_out) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

		err = cov_write_cobertura(&b, &m, timestamp_now());
		if (!err)
			err = qg_file_write_atomic(o->cobertura_out, b.buf, b.len);
		qg_buf_release(&b);
	}
done:
	cov_model_release(&m);
	qg_git_repo_free(repo);
	return err;
}
