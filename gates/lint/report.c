/* report.c -- findings into the result: one check per tool and rule, the budgets, the metrics
 *
 * What counts is what is left once the filters (--filter), the baseline
 * and the tools' own suppressions have hidden their part; a finding that
 * --fix repaired still counts (the user must re-stage: exit 1, as hooks
 * expect). Each tool+rule with findings is a check `lint.<tool>.<rule>`
 * with its count and first locations (each with its finding's message,
 * so GitHub annotations land on the exact lines; a file outside the
 * repository is kept as given and its message says so); each enabled built-in
 * rule without findings is a passing check, and so is a tool that ran
 * and reported nothing (`lint.<tool>`). The verdict is the budgets':
 * errors above --max-errors (default 0) fail every check holding errors
 * and `lint.max-errors`; warnings above --max-warnings (default: no
 * limit) do the same for warnings. Within the budget a check passes with
 * the warning flag (annotated, not failing). metrics: errors, warnings,
 * notes, new (every finding still shown), total, suppressed, filtered,
 * baseline, fixed. A finding with `more` (a built-in check's per-file cap)
 * counts as 1 + more everywhere.
 */
#include "qgate/common.h"

#include <limits.h>
#include <stdint.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "lint.h"

#define SHOWN_HIDDEN (LINT_F_SUPPRESSED | LINT_F_FILTERED | LINT_F_BASELINE)

/* The findings' groups: one per tool and rule, found through a small hash
 * table (a run holds a few dozen rules and ~10^5 findings: no sort of the
 * findings themselves, no string compare per finding beyond its group's). */
struct group {
	const char *tool, *rule;
	size_t n, at; /* findings in it; its first slot in the grouped index */
};

struct groups {
	struct group *v;
	size_t nr, alloc;
	int *slot;   /* index + 1, 0 empty */
	size_t nslot;
};

static uint32_t group_hash(const char *tool, const char *rule)
{
	uint32_t h = 2166136261u;

	for (const char *p = tool; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *p = rule; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static int groups_grow(struct groups *g)
{
	size_t n = g->nslot ? g->nslot * 2 : 64;
	int *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->nr; i++) {
		size_t j = group_hash(g->v[i].tool, g->v[i].rule) & (n - 1);

		while (slot[j])
			j = (j + 1) & (n - 1);
		slot[j] = (int)i + 1;
	}
	free(g->slot);
	g->slot = slot;
	g->nslot = n;
	return 0;
}

/* The group of tool+rule (added when new): its index, or -1 (ENOMEM), or
 * with add 0, -2 when there is none. */
static long group_of(struct groups *g, const char *tool, const char *rule, int add)
{
	size_t j;

	if (g->nr + 1 > g->nslot / 2 && groups_grow(g) < 0)
		return -1;
	for (j = group_hash(tool, rule) & (g->nslot - 1); g->slot[j]; j = (j + 1) & (g->nslot - 1)) {
		const struct group *x = &g->v[g->slot[j] - 1];

		if (!strcmp(x->tool, tool) && !strcmp(x->rule, rule))
			return g->slot[j] - 1;
	}
	if (!add)
		return -2;
	if (g->nr >= INT_MAX - 1 || QG_ALLOC_GROW(g->v, g->nr + 1, g->alloc) < 0)
		return -1;
	g->v[g->nr] = (struct group){ tool, rule, 0, 0 };
	g->slot[j] = (int)++g->nr;
	return (long)g->nr - 1;
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct group *a = *(const struct group *const *)pa, *b = *(const struct group *const *)pb;
	int c = strcmp(a->tool, b->tool);

	return c ? c : strcmp(a->rule, b->rule);
}

static int tool_has_group(const struct groups *g, const char *tool)
{
	for (size_t i = 0; i < g->nr; i++)
		if (!strcmp(g->v[i].tool, tool))
			return 1;
	return 0;
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
	long long fixed = 0, count = 0;
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_check *c;
	struct qg_json *d;
	int fail, err = 0;

	/* a finding stands for 1 + more (the per-file cap of the built-in checks) */
	for (size_t i = 0; i < n; i++) {
		const struct lint_finding *f = &fs->v[idx[i]];

		if (f->level > level)
			level = f->level;
		count += 1 + f->more;
		fixed += f->flags & LINT_F_FIXED ? 1 + f->more : 0;
	}
	fail = (level == LINT_ERROR && error_fail) || (level == LINT_WARNING && warn_fail);
	if (qg_buf_addf(&id, "lint.%s.%s", first->tool, first->rule) < 0)
		return QG_ENOMEM;
	c = qg_result_add_check(r, id.buf, fail ? QG_STATUS_FAIL : QG_STATUS_PASS, "%lld %s%s%s: %s", count,
				lint_level_name(level), count == 1 ? "" : "s",
				fixed ? (fixed == count ? ", fixed by --fix (re-stage)" : ", some fixed by --fix")
				      : "",
				first->message);
	qg_buf_release(&id);
	if (!c)
		return QG_ENOMEM;
	if (!fail)
		c->flags |= QG_CHECK_WARNING;
	qg_check_set_count(c, count);
	for (size_t i = 0; i < n && i < QG_LOCATIONS_MAX && !err; i++) {
		const struct lint_finding *f = &fs->v[idx[i]];

		if (qg_check_add_location(c, f->file, f->line, f->column, "%s%s%s", f->message,
					  f->flags & LINT_F_FIXED ? " (fixed)" : "",
					  f->flags & LINT_F_OUTSIDE ? " (outside the repository)" : "") < 0)
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
	long long shown = 0, total = 0;
	size_t *idx = NULL, *gidx = NULL, n = 0;
	struct groups g = { 0 };
	struct group **order = NULL;
	int error_fail, warn_fail, err = 0;

	if (fs->nr && (!(idx = malloc(fs->nr * sizeof(*idx))) || !(gidx = malloc(fs->nr * sizeof(*gidx))))) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto out;
	}
	/* the shown findings, each with its group (a group's findings keep their order) */
	for (size_t i = 0; i < fs->nr; i++) {
		const struct lint_finding *f = &fs->v[i];
		long long w = 1 + f->more; /* what the finding stands for */
		long gi;

		total += w;
		suppressed += f->flags & LINT_F_SUPPRESSED ? w : 0;
		filtered += f->flags & LINT_F_FILTERED ? w : 0;
		baseline += f->flags & LINT_F_BASELINE ? w : 0;
		fixed += f->flags & LINT_F_FIXED ? w : 0;
		if (f->flags & SHOWN_HIDDEN)
			continue;
		shown += w;
		/* runs of one rule are common: the last group first */
		if (n && !strcmp(fs->v[idx[n - 1]].rule, f->rule) && !strcmp(fs->v[idx[n - 1]].tool, f->tool))
			gi = (long)gidx[n - 1];
		else if ((gi = group_of(&g, f->tool, f->rule, 1)) < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto out;
		}
		g.v[gi].n++;
		gidx[n] = (size_t)gi;
		idx[n++] = i;
		if (f->level == LINT_ERROR)
			errors += w;
		else if (f->level == LINT_WARNING)
			warnings += w;
		else
			notes += w;
	}
	error_fail = max_errors >= 0 && errors > max_errors;
	warn_fail = max_warnings >= 0 && warnings > max_warnings;
	/* groups in tool, rule order; the findings bucketed by group (stable) */
	if (g.nr) {
		size_t at = 0, *grouped;

		if (!(order = malloc(g.nr * sizeof(*order))) || !(grouped = malloc(n * sizeof(*grouped)))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < g.nr; i++)
			order[i] = &g.v[i];
		qsort(order, g.nr, sizeof(*order), cmp_group);
		for (size_t i = 0; i < g.nr; i++) {
			order[i]->at = at;
			at += order[i]->n;
		}
		for (size_t i = 0; i < n; i++)
			grouped[g.v[gidx[i]].at++] = idx[i];
		free(idx);
		idx = grouped;
		for (size_t i = 0; i < g.nr && !err; i++) {
			size_t start = order[i]->at - order[i]->n;

			err = group_check(r, fs, idx + start, order[i]->n, error_fail, warn_fail);
		}
	}
	/* passing checks: enabled built-in rules without findings, quiet tools */
	for (size_t t = 0; t < tools->nr && !err; t++) {
		const struct lint_tool *tool = &tools->v[t];
		struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE);

		if (!strcmp(tool->name, "builtin")) {
			for (size_t k = 0; k < tool->nr_rules && !err; k++) {
				if (g.nr && group_of(&g, "builtin", tool->rules[k].id, 0) >= 0)
					continue;
				qg_buf_reset(&id);
				if (qg_buf_addf(&id, "lint.builtin.%s", tool->rules[k].id) < 0 ||
				    !qg_result_add_check(r, id.buf, QG_STATUS_PASS, "no findings"))
					err = QG_ENOMEM;
			}
		} else if (!tool_has_group(&g, tool->name)) {
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
			{ "new", shown },  { "total", total }, { "suppressed", suppressed },
			{ "filtered", filtered }, { "baseline", baseline },    { "fixed", fixed },
		};

		for (size_t i = 0; i < QG_ARRAY_SIZE(metrics) && !err; i++)
			err = add_metric(r, metrics[i].key, metrics[i].v);
	}
out:
	free(idx);
	free(gidx);
	free(order);
	free(g.v);
	free(g.slot);
	(void)ctx;
	return err;
}
