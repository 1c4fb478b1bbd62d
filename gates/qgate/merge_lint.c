/* merge_lint.c -- qgate merge for qgate-lint's shards
 *
 * Each finding is in exactly one shard (qgate-lint --shard places a file by
 * its path's hash), so the merged run is rebuilt the way gates/lint/report.c
 * writes a run: the rules with findings sorted by tool and rule, count and
 * fixed summed, the highest level, the first locations, the first finding's
 * message; a passing rule or a quiet tool only when no shard has findings
 * of it; lint.max-errors/-warnings decided again on the summed counts (and
 * with them every rule's verdict). Every other check goes through
 * merge_check() (merge.c).
 */
#include "qgate/common.h"

#include "qgate/json.h"
#include "qgate/result.h"

#include "merge_parts.h"

/* A lint check of findings (gates/lint/report.c: lint.<tool>.<rule> with a
 * count and details.tool/rule), as opposed to a passing "no findings" check
 * of a rule or a quiet tool, or a budget. */
static int lint_is_group(const struct qg_check *c)
{
	return (c->flags & QG_CHECK_HAS_COUNT) && qg_json_string(qg_json_get(c->details, "tool")) &&
	       qg_json_string(qg_json_get(c->details, "rule"));
}

static int lint_level(const char *s)
{
	return !s ? 0 : !strcmp(s, "error") ? 2 : !strcmp(s, "warning") ? 1 : 0;
}

struct lint_group {
	const char *id, *tool, *rule; /* borrowed from the shards */
};

static int cmp_lint_group(const void *pa, const void *pb)
{
	const struct lint_group *a = pa, *b = pb;
	int c = strcmp(a->tool, b->tool);

	return c ? c : strcmp(a->rule, b->rule);
}

/* The budget lint.max-errors/-warnings over the sum of the shards' counts:
 * 1 over it, 0 within, -1 no budget. */
static int lint_budget(struct qg_result *out, struct group *g, const char *id, const char *what, int add)
{
	const struct qg_check *c0 = NULL;
	double sum = 0;
	int over;

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *c = qg_result_find_check(&g->v[k]->r, id);

		if (!c || c->observed.kind != QG_VALUE_NUMBER || c->expected.kind != QG_VALUE_NUMBER)
			continue;
		if (!c0)
			c0 = c;
		sum += c->observed.number;
	}
	if (!c0)
		return -1;
	over = sum > c0->expected.number;
	if (add) {
		struct qg_check *c = qg_result_add_check(out, id, over ? QG_STATUS_FAIL : QG_STATUS_PASS,
							 "%.0f %s%s, %.0f allowed", sum, what, sum == 1 ? "" : "s",
							 c0->expected.number);

		if (!c)
			return QG_ENOMEM;
		qg_check_observed_number(c, sum);
		qg_check_expected_number(c, c0->expected.number);
	}
	return over;
}

/* One lint.<tool>.<rule> over the shards, as report.c's group_check would
 * write it for all the findings: count and fixed summed, the highest level,
 * the first QG_LOCATIONS_MAX locations, the first finding's message, the
 * verdict from the merged budgets. */
static int lint_merge_group(struct qg_result *out, struct group *g, const struct lint_group *lg, int error_fail,
			    int warn_fail)
{
	const struct qg_check *firstp = NULL;
	struct qg_location *locs = NULL;
	size_t nloc = 0, k2 = 0;
	long long count = 0, fixed = 0;
	int level = 0, fail, err = 0;
	const char *help = NULL, *msg, *colon;
	struct qg_check *c;
	struct qg_json *d;

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, lg->id);
		double fx;

		if (!p || !lint_is_group(p))
			continue;
		count += p->count;
		fx = qg_json_number(qg_json_get(p->details, "fixed"));
		fixed += fx == fx ? (long long)fx : 0;
		if (lint_level(qg_json_string(qg_json_get(p->details, "level"))) > level)
			level = lint_level(qg_json_string(qg_json_get(p->details, "level")));
		if (!help)
			help = qg_json_string(qg_json_get(p->details, "help_uri"));
		nloc += p->nr_locations;
		if (!firstp || (p->nr_locations && (!firstp->nr_locations ||
						    merge_cmp_loc(&p->locations[0], &firstp->locations[0]) < 0)))
			firstp = p;
	}
	if (!firstp)
		return 0;
	/* "N errors[, fixed...]: <the first finding's message>" */
	msg = firstp->message ? firstp->message : "";
	colon = strstr(msg, ": ");
	msg = colon ? colon + 2 : msg;
	fail = (level == 2 && error_fail) || (level == 1 && warn_fail);
	c = qg_result_add_check(out, lg->id, fail ? QG_STATUS_FAIL : QG_STATUS_PASS, "%lld %s%s%s: %s", count,
				level == 2 ? "error" : level == 1 ? "warning" : "note", count == 1 ? "" : "s",
				fixed ? (fixed == count ? ", fixed by --fix (re-stage)" : ", some fixed by --fix") : "",
				msg);
	if (!c)
		return QG_ENOMEM;
	if (!fail)
		c->flags |= QG_CHECK_WARNING;
	qg_check_set_count(c, count);
	if (nloc && !(locs = calloc(nloc, sizeof(*locs))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, lg->id);

		if (p && lint_is_group(p))
			for (size_t l = 0; l < p->nr_locations && k2 < nloc; l++)
				locs[k2++] = p->locations[l]; /* borrowed */
	}
	if (k2)
		qsort(locs, k2, sizeof(*locs), merge_cmp_loc);
	for (size_t l = 0; !err && l < k2 && l < QG_LOCATIONS_MAX; l++)
		err = qg_check_add_location(c, locs[l].file, locs[l].line, locs[l].column, locs[l].message ? "%s" : NULL,
					    locs[l].message) < 0 ? QG_ENOMEM : 0;
	free(locs);
	if (err)
		return err;
	if (!(d = qg_check_details(c)) || !qg_json_add_string(d, "tool", lg->tool) ||
	    !qg_json_add_string(d, "rule", lg->rule) ||
	    !qg_json_add_string(d, "level", level == 2 ? "error" : level == 1 ? "warning" : "note") ||
	    (fixed && !qg_json_add_number(d, "fixed", (double)fixed)) ||
	    (help && !qg_json_add_string(d, "help_uri", help)))
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

/* qgate-lint's checks, in the order its report.c writes them: the rules
 * with findings by tool and rule; the passing ones (a built-in rule or a
 * quiet tool with no finding in any shard), in the shards' order; the
 * budgets, re-decided on the summed counts (three shards of 1 error each
 * under --max-errors 2 fail together as the unsharded run does). */
int merge_lint_checks(struct qg_result *out, struct group *g)
{
	struct lint_group *v = NULL;
	size_t nr = 0, alloc = 0;
	int error_fail, warn_fail, err = 0;

	for (size_t k = 0; k < g->nr; k++)
		for (size_t i = 0; i < g->v[k]->r.nr_checks; i++) {
			const struct qg_check *c = g->v[k]->r.checks[i];
			size_t j;

			if (!lint_is_group(c))
				continue;
			for (j = 0; j < nr && strcmp(v[j].id, c->id); j++)
				;
			if (j < nr)
				continue;
			if (QG_ALLOC_GROW(v, nr + 1, alloc) < 0) {
				free(v);
				return qg_error(QG_ENOMEM, "out of memory");
			}
			v[nr++] = (struct lint_group){ c->id, qg_json_string(qg_json_get(c->details, "tool")),
						       qg_json_string(qg_json_get(c->details, "rule")) };
		}
	if (nr)
		qsort(v, nr, sizeof(*v), cmp_lint_group);
	error_fail = lint_budget(out, g, "lint.max-errors", "error", 0) == 1;
	warn_fail = lint_budget(out, g, "lint.max-warnings", "warning", 0) == 1;
	for (size_t j = 0; j < nr && !err; j++)
		err = lint_merge_group(out, g, &v[j], error_fail, warn_fail);
	for (size_t k = 0; k < g->nr && !err; k++)
		for (size_t i = 0; i < g->v[k]->r.nr_checks && !err; i++) {
			const struct qg_check *c = g->v[k]->r.checks[i];
			int superseded = lint_is_group(c) || !strcmp(c->id, "lint.max-errors") ||
					 !strcmp(c->id, "lint.max-warnings") || qg_result_find_check(out, c->id);

			/* a rule or tool quiet here but with findings in another shard */
			for (size_t j = 0; j < nr && !superseded; j++)
				superseded = !strcmp(c->id, v[j].id) ||
					     (!strncmp(c->id, "lint.", 5) && !strcmp(c->id + 5, v[j].tool));
			if (!superseded)
				err = merge_check(out, g, c->id);
		}
	if (!err && lint_budget(out, g, "lint.max-errors", "error", 1) < -1)
		err = QG_ENOMEM;
	if (!err && lint_budget(out, g, "lint.max-warnings", "warning", 1) < -1)
		err = QG_ENOMEM;
	free(v);
	return err;
}
