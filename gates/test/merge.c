/* merge.c -- the results of N shards into one, equal to an unsharded run
 *
 * A test check (id "test.*") appears in exactly one shard: they are united
 * and put in the order verdict.c gives one run (classname, name, file,
 * line, source from the check's details). A tests.* check that several
 * shards have keeps its most severe instance (error > fail > pass > skip);
 * the counting metrics (tests, passed, failed, errors, skipped, flaky,
 * quarantined) are summed. A shard that could not evaluate makes the
 * merged run an error naming it. The front's `qgate merge` calls
 * test_merge_files().
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/report.h"
#include "qgate/result.h"

#include "test.h"

static const char *const counted[] = { "tests", "passed", "failed", "errors", "skipped", "flaky", "quarantined" };

static int severity(enum qg_status s)
{
	switch (s) {
	case QG_STATUS_ERROR:
		return 3;
	case QG_STATUS_FAIL:
		return 2;
	case QG_STATUS_PASS:
		return 1;
	default:
		return 0;
	}
}

static const char *dstr(const struct qg_check *c, const char *key)
{
	const char *s = qg_json_string(qg_json_get(c->details, key));

	return s ? s : "";
}

static int cmp_check(const void *pa, const void *pb)
{
	const struct qg_check *a = *(const struct qg_check *const *)pa, *b = *(const struct qg_check *const *)pb;
	double la, lb;
	int d = strcmp(dstr(a, "classname"), dstr(b, "classname"));

	if (!d)
		d = strcmp(dstr(a, "name"), dstr(b, "name"));
	if (!d)
		d = strcmp(dstr(a, "file"), dstr(b, "file"));
	if (!d) {
		la = qg_json_number(qg_json_get(a->details, "line"));
		lb = qg_json_number(qg_json_get(b->details, "line"));
		la = isfinite(la) ? la : 0;
		lb = isfinite(lb) ? lb : 0;
		d = (la > lb) - (la < lb);
	}
	if (!d)
		d = strcmp(dstr(a, "source"), dstr(b, "source"));
	if (!d)
		d = strcmp(a->id, b->id);
	return d;
}

static int copy_value(struct qg_value *dst, const struct qg_value *src)
{
	*dst = *src;
	dst->string = NULL;
	if (src->kind == QG_VALUE_STRING && src->string && !(dst->string = strdup(src->string)))
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

static int copy_check(struct qg_result *out, const struct qg_check *c)
{
	struct qg_check *d = qg_result_add_check(out, c->id, c->status, c->message ? "%s" : NULL, c->message);

	if (!d)
		return QG_ENOMEM;
	d->flags = c->flags;
	d->count = c->count;
	if (copy_value(&d->observed, &c->observed) < 0 || copy_value(&d->expected, &c->expected) < 0)
		return QG_ENOMEM;
	for (size_t i = 0; i < c->nr_locations; i++) {
		const struct qg_location *l = &c->locations[i];

		if (qg_check_add_location(d, l->file, l->line, l->column, l->message ? "%s" : NULL, l->message) < 0)
			return QG_ENOMEM;
	}
	if (c->details && !(d->details = qg_json_dup(c->details)))
		return qg_error(QG_ENOMEM, "out of memory");
	return 0;
}

int test_merge_results(struct qg_result *out, const struct qg_result *const *shards, size_t n)
{
	const struct qg_check **tests = NULL, **aggr = NULL;
	size_t nt = 0, na = 0, all = 0;
	struct test_results passed = { 0 }, failed = { 0 };
	double sums[sizeof(counted) / sizeof(counted[0])] = { 0 };
	int err = 0;

	for (size_t s = 0; s < n; s++)
		all += shards[s]->nr_checks;
	tests = calloc(all + 1, sizeof(*tests));
	aggr = calloc(all + 1, sizeof(*aggr));
	if (!tests || !aggr) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < n; s++) {
		const struct qg_result *r = shards[s];

		if (r->error_exit && !out->error_message)
			qg_result_set_error(out, r->error_exit, "shard %zu of %zu: %s", s + 1, n,
					    r->error_message ? r->error_message : "error");
		if (!s || (r->started_at_ms && r->started_at_ms < out->started_at_ms))
			out->started_at_ms = r->started_at_ms;
		if (r->duration_ms > out->duration_ms)
			out->duration_ms = r->duration_ms;
		for (size_t k = 0; k < sizeof(counted) / sizeof(counted[0]); k++) {
			double v = qg_json_number(qg_json_get(r->metrics, counted[k]));

			if (isfinite(v))
				sums[k] += v;
		}
		for (size_t i = 0; i < r->nr_checks; i++) {
			const struct qg_check *c = r->checks[i];
			size_t k;

			if (!strncmp(c->id, "test.", 5)) {
				tests[nt++] = c;
				continue;
			}
			if (!strcmp(c->id, "tests.passed") || !strcmp(c->id, "tests.failed")) {
				const char *cases = qg_json_string(qg_json_get(c->details, "cases"));

				if (cases && *cases &&
				    (err = test_results_add_cases(c->id[6] == 'p' ? &passed : &failed, cases, c->id)) < 0)
					goto done;
				continue;
			}
			for (k = 0; k < na && strcmp(aggr[k]->id, c->id); k++)
				;
			if (k == na)
				aggr[na++] = c;
			else if (severity(c->status) > severity(aggr[k]->status))
				aggr[k] = c;
		}
	}
	qsort(tests, nt, sizeof(*tests), cmp_check);
	for (size_t i = 0; !err && i < nt; i++)
		err = copy_check(out, tests[i]);
	/* tests.passed and tests.failed: the shards' cases in one sorted list
	 * each, as verdict.c writes them for one run. (Which failures have
	 * checks of their own follows each shard's first TEST_FULL_MAX, not
	 * the whole run's: a merged run of more than TEST_FULL_MAX failures
	 * lists the same tests, counts and verdict, split differently.) */
	if (!err)
		err = test_compact_check(out, &passed, 0, NULL, NULL);
	if (!err)
		err = test_compact_check(out, &failed, 1, NULL, NULL);
	for (size_t i = 0; !err && i < na; i++)
		err = copy_check(out, aggr[i]);
	for (size_t k = 0; !err && k < sizeof(counted) / sizeof(counted[0]); k++) {
		int present = 0;

		for (size_t s = 0; s < n; s++)
			present |= qg_json_get(shards[s]->metrics, counted[k]) != NULL;
		if (present && !qg_json_add_number(out->metrics, counted[k], sums[k]))
			err = qg_error(QG_ENOMEM, "out of memory");
	}
	if (!err)
		err = qg_result_add_markdown(out, "%.0f tests: %.0f passed, %.0f failed, %.0f errors, %.0f skipped, "
						  "%.0f flaky (%zu shards merged)\n",
					     sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], n);
done:
	test_results_release(&passed);
	test_results_release(&failed);
	free(tests);
	free(aggr);
	return err;
}

int test_merge_files(struct qg_result *out, const char *const *paths, size_t n)
{
	struct qg_result *rs = calloc(n + 1, sizeof(*rs));
	const struct qg_result **ptrs = calloc(n + 1, sizeof(*ptrs));
	size_t loaded = 0;
	int err = 0;

	if (!rs || !ptrs) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (; !err && loaded < n; loaded++) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);

		err = qg_buf_read_file(&b, paths[loaded]);
		if (!err)
			err = qg_result_from_json(&rs[loaded], b.buf, b.len, paths[loaded]);
		qg_buf_release(&b);
		if (err)
			break;
		if (!rs[loaded].gate || strcmp(rs[loaded].gate, "test")) {
			err = qg_error(QG_EINPUT, "'%s': a result of gate '%s', not of qgate-test", paths[loaded],
				       rs[loaded].gate ? rs[loaded].gate : "?");
			loaded++;
			break;
		}
		ptrs[loaded] = &rs[loaded];
	}
	if (!err)
		err = test_merge_results(out, ptrs, n);
done:
	for (size_t i = 0; rs && i < loaded; i++)
		qg_result_release(&rs[i]);
	free(rs);
	free(ptrs);
	return err;
}
