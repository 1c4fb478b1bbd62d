/* report.c -- findings into the result: one check per tool and rule, the budgets, the metrics
 *
 * What counts is what is left once the filters (--filter), the baseline
 * and the tools' own suppressions have hidden their part; a finding that
 * --fix repaired still counts (the user must re-stage: exit 1, as hooks
 * expect). Each tool+rule with findings is a check `lint.<tool>.<rule>`
 * with its count and first locations (each with its finding's message,
 * so GitHub annotations land on the exact lines); each enabled built-in
 * rule without findings is a passing check, and so is a tool that ran
 * and reported nothing (`lint.<tool>`). The verdict is the budgets':
 * errors above --max-errors (default 0) fail every check holding errors
 * and `lint.max-errors`; warnings above --max-warnings (default: no
 * limit) do the same for warnings. Within the budget a check passes with
 * the warning flag (annotated, not failing). metrics: errors, warnings,
 * notes, new (every finding still shown), total, suppressed, filtered,
 * baseline, fixed.
 */
#include "qgate/common.h"

#include "qgate/json.h"
#include "qgate/result.h"

#include "lint.h"

#define SHOWN_HIDDEN (LINT_F_SUPPRESSED | LINT_F_FILTERED | LINT_F_BASELINE)

static const struct lint_findings *sort_fs;

static int cmp_idx(const void *pa, const void *pb)
{
	const struct lint_finding *a = &sort_fs->v[*(const size_t *)pa], *b = &sort_fs->v[*(const size_t *)pb];
	int c = strcmp(a->tool, b->tool);

	if (!c)
		c = strcmp(a->rule, b->rule);
	if (!c) {
		size_t x = *(const size_t *)pa, y = *(const size_t *)pb;

		c = (x > y) - (x < y);
	}
	return c;
}

static int add_metric(struct qg_result *r, const char *key, long long v)
{
	return qg_json_add_number(r->metrics, key, (double)v) ? 0 : qg_error(QG_ENOMEM, "out of memory");
}

static int group_check(struct qg_result *r, const struct lint_findings *fs, const size_t *idx, size_t n,
		       int error_fail, int warn_fail)
{
	const struct lint_finding *first = &fs->v[idx[0]];
	enum lint_level level = LINT_NOTE;
	long long fixed = 0;
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_check *c;
	struct qg_json *d;
	int fail, err = 0;

	for (size_t i = 0; i < n; i++) {
		if (fs->v[idx[i]].level > level)
			level = fs->v[idx[i]].level;
		fixed += !!(fs->v[idx[i]].flags & LINT_F_FIXED);
	}
	fail = (level == LINT_ERROR && error_fail) || (level == LINT_WARNING && warn_fail);
	if (qg_buf_addf(&id, "lint.%s.%s", first->tool, first->rule) < 0)
		return QG_ENOMEM;
	c = qg_result_add_check(r, id.buf, fail ? QG_STATUS_FAIL : QG_STATUS_PASS, "%zu %s%s%s: %s", n,
				lint_level_name(level), n == 1 ? "" : "s",
				fixed ? (fixed == (long long)n ? ", fixed by --fix (re-stage)" : ", some fixed by --fix")
				      : "",
				first->message);
	qg_buf_release(&id);
	if (!c)
		return QG_ENOMEM;
	if (!fail)
		c->flags |= QG_CHECK_WARNING;
	qg_check_set_count(c, (long long)n);
	for (size_t i = 0; i < n && i < QG_LOCATIONS_MAX && !err; i++) {
		const struct lint_finding *f = &fs->v[idx[i]];

		if (qg_check_add_location(c, f->file, f->line, f->column, "%s%s", f->message,
					  f->flags & LINT_F_FIXED ? " (fixed)" : "") < 0)
			err = QG_ENOMEM;
	}
	if (!err && (d = qg_check_details(c)) != NULL) {
		if (!qg_json_add_string(d, "tool", first->tool) || !qg_json_add_string(d, "rule", first->rule) ||
		    !qg_json_add_string(d, "level", lint_level_name(level)) ||
		    (fixed && !qg_json_add_number(d, "fixed", (double)fixed)) ||
		    (first->help_uri && !qg_json_add_string(d, "help_uri", first->help_uri)))
			err = qg_error(QG_ENOMEM, "out of memory");
	} else if (!err) {
		err = QG_ENOMEM;
	}
	return err;
}

static int has_group(const struct lint_findings *fs, const size_t *idx, size_t n, const char *tool, const char *rule)
{
	for (size_t i = 0; i < n; i++) {
		const struct lint_finding *f = &fs->v[idx[i]];

		if (!strcmp(f->tool, tool) && (!rule || !strcmp(f->rule, rule)))
			return 1;
	}
	return 0;
}

/* lint.max-errors / lint.max-warnings: the count against its budget. */
static int budget_check(struct qg_result *r, const char *id, const char *what, long long n, long long max, int fail)
{
	struct qg_check *c = qg_result_add_check(r, id, fail ? QG_STATUS_FAIL : QG_STATUS_PASS, "%lld %s%s, %lld allowed",
						 n, what, n == 1 ? "" : "s", max);

	if (!c)
		return QG_ENOMEM;
	qg_check_observed_number(c, (double)n);
	qg_check_expected_number(c, (double)max);
	return 0;
}

int lint_report(const struct lint_ctx *ctx, const struct lint_tools *tools, const struct lint_findings *fs,
		long long max_errors, long long max_warnings, struct qg_result *r)
{
	long long errors = 0, warnings = 0, notes = 0, suppressed = 0, filtered = 0, baseline = 0, fixed = 0;
	size_t *idx = NULL, n = 0;
	int error_fail, warn_fail, err = 0;

	if (fs->nr && !(idx = malloc(fs->nr * sizeof(*idx))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < fs->nr; i++) {
		const struct lint_finding *f = &fs->v[i];

		suppressed += !!(f->flags & LINT_F_SUPPRESSED);
		filtered += !!(f->flags & LINT_F_FILTERED);
		baseline += !!(f->flags & LINT_F_BASELINE);
		fixed += !!(f->flags & LINT_F_FIXED);
		if (f->flags & SHOWN_HIDDEN)
			continue;
		idx[n++] = i;
		if (f->level == LINT_ERROR)
			errors++;
		else if (f->level == LINT_WARNING)
			warnings++;
		else
			notes++;
	}
	error_fail = max_errors >= 0 && errors > max_errors;
	warn_fail = max_warnings >= 0 && warnings > max_warnings;
	sort_fs = fs;
	if (n > 1)
		qsort(idx, n, sizeof(*idx), cmp_idx);
	for (size_t i = 0; i < n && !err;) {
		size_t j = i + 1;

		while (j < n && !strcmp(fs->v[idx[j]].tool, fs->v[idx[i]].tool) &&
		       !strcmp(fs->v[idx[j]].rule, fs->v[idx[i]].rule))
			j++;
		err = group_check(r, fs, idx + i, j - i, error_fail, warn_fail);
		i = j;
	}
	/* passing checks: enabled built-in rules without findings, quiet tools */
	for (size_t t = 0; t < tools->nr && !err; t++) {
		const struct lint_tool *tool = &tools->v[t];
		struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);

		if (!strcmp(tool->name, "builtin")) {
			for (size_t k = 0; k < tool->nr_rules && !err; k++) {
				if (has_group(fs, idx, n, "builtin", tool->rules[k].id))
					continue;
				qg_buf_reset(&id);
				if (qg_buf_addf(&id, "lint.builtin.%s", tool->rules[k].id) < 0 ||
				    !qg_result_add_check(r, id.buf, QG_STATUS_PASS, "no findings"))
					err = QG_ENOMEM;
			}
		} else if (!has_group(fs, idx, n, tool->name, NULL)) {
			if (qg_buf_addf(&id, "lint.%s", tool->name) < 0 ||
			    !qg_result_add_check(r, id.buf, QG_STATUS_PASS, "no findings"))
				err = QG_ENOMEM;
		}
		qg_buf_release(&id);
	}
	if (!err && max_errors >= 0)
		err = budget_check(r, "lint.max-errors", "error", errors, max_errors, error_fail);
	if (!err && max_warnings >= 0)
		err = budget_check(r, "lint.max-warnings", "warning", warnings, max_warnings, warn_fail);
	{
		const struct {
			const char *key;
			long long v;
		} metrics[] = {
			{ "errors", errors },     { "warnings", warnings },    { "notes", notes },
			{ "new", (long long)n },  { "total", (long long)fs->nr }, { "suppressed", suppressed },
			{ "filtered", filtered }, { "baseline", baseline },    { "fixed", fixed },
		};

		for (size_t i = 0; i < QG_ARRAY_SIZE(metrics) && !err; i++)
			err = add_metric(r, metrics[i].key, metrics[i].v);
	}
	free(idx);
	(void)ctx;
	return err;
}
