/* shard.c -- --shard I/N for --each/--list: which programs this run takes
 *
 * Every shard computes the same split from the same inputs, so the N runs
 * are disjoint and cover everything. Without timings the programs are
 * ordered by FNV-1a(name) (then name) and dealt out in turn, the K-th to
 * shard (K mod N) + 1: counts differ by at most one, so no shard is empty
 * while there are N programs (a plain hash mod N left one of two programs'
 * shards empty, and an empty shard is "no test ran"). With --timings RESULT.json (an earlier run's result) each
 * program's duration is its check's duration_ms (or the sum over
 * the cases whose classname is the program: TAP files); programs the
 * timings do not know take the mean of those it does. Then the longest
 * first goes into the emptiest shard (ties: the lowest index, the name).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/strmap.h"

#include "test.h"

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct item {
	const char *name;
	size_t index;
	double ms;
	unsigned long long hash;
};

static int cmp_hash(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->ms != b->ms)
		return a->ms < b->ms ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* The durations of tests.passed's (and tests.failed's) cases: a case is a
 * program's when it has no classname and its name is the program's, or
 * its classname is the program (TAP points of a program: summed). */
static int timings_of_cases(const char *cases, const struct qg_strmap *map, double *ms, const char *path)
{
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct test_cases_iter it;
	struct test_compact_line l;
	int more, err = 0;

	test_cases_begin(&it, cases);
	while (!err && (more = test_cases_next(&it, &l)) > 0) {
		long k;

		if (l.ms < 0 || l.prefix_len < 5 || memcmp(l.prefix, "test.", 5))
			continue;
		qg_buf_reset(&name);
		if (l.prefix_len == 5)
			err = test_compact_unescape(&name, l.name, l.name_len);
		else if (l.prefix_len > 6)
			err = test_compact_unescape(&name, l.prefix + 5, l.prefix_len - 6);
		if (err < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		if (name.len && (k = qg_strmap_find(map, name.buf, name.len)) >= 0)
			ms[k] = (ms[k] < 0 ? 0 : ms[k]) + l.ms;
	}
	if (!err && more < 0)
		err = qg_error(QG_EINPUT, "'%s': line %lld of a \"cases\" list is not a case", path, it.line);
	qg_buf_release(&name);
	return err;
}

static int load_timings(const char *path, const char *const *names, size_t n, struct item *items)
{
	struct qg_strmap map = QG_STRMAP_INIT;
	struct qg_json *j = NULL;
	const struct qg_json *checks;
	double *ms = NULL, sum = 0;
	size_t known = 0;
	int err = qg_json_parse_file(&j, path);

	if (err < 0)
		return err;
	checks = qg_json_get(j, "checks");
	if (qg_json_type(checks) != QG_JSON_ARRAY) {
		err = qg_error(QG_EINPUT, "'%s': no \"checks\" array: --timings takes an earlier qgate-test "
					  "result JSON", path);
		goto done;
	}
	ms = calloc(n + 1, sizeof(*ms));
	if (!ms) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (qg_strmap_add(&map, names[i], strlen(names[i])) < 0) {
			err = QG_ENOMEM;
			goto done;
		}
		ms[i] = -1;
	}
	for (const struct qg_json *c = qg_json_first(checks); c; c = qg_json_next(c)) {
		const char *id = qg_json_string(qg_json_get(c, "id"));
		const struct qg_json *d = c; /* the details are members of the check */
		const char *cls = qg_json_string(qg_json_get(d, "classname"));
		double t = qg_json_number(qg_json_get(d, "duration_ms"));
		long k = -1;

		if (id && (!strcmp(id, "tests.passed") || !strcmp(id, "tests.failed")) &&
		    qg_json_string(qg_json_get(d, "cases"))) {
			if ((err = timings_of_cases(qg_json_string(qg_json_get(d, "cases")), &map, ms, path)) < 0)
				goto done;
			continue;
		}
		if (!id || strncmp(id, "test.", 5) || !isfinite(t) || t < 0)
			continue;
		if (cls && !*cls)
			k = qg_strmap_find(&map, id + 5, strlen(id + 5));
		else if (cls)
			k = qg_strmap_find(&map, cls, strlen(cls));
		if (k < 0)
			continue;
		ms[k] = (ms[k] < 0 ? 0 : ms[k]) + t;
	}
	for (size_t i = 0; i < n; i++)
		if (ms[i] >= 0) {
			known++;
			sum += ms[i];
		}
	for (size_t i = 0; i < n; i++)
		items[i].ms = ms[i] >= 0 ? ms[i] : known ? sum / (double)known : 0;
done:
	free(ms);
	qg_strmap_release(&map);
	qg_json_free(j);
	return err;
}

int test_shard_pick(unsigned char *keep, const char *const *names, size_t n, const struct qg_shard *s,
		    const char *timings)
{
	struct item *items;
	double *load;
	int err;

	if (s->count == 1) {
		memset(keep, 1, n);
		return 0;
	}
	items = calloc(n + 1, sizeof(*items));
	load = calloc((size_t)s->count, sizeof(*load));
	if (!items || !load) {
		free(items);
		free(load);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		items[i].name = names[i];
		items[i].index = i;
		items[i].hash = fnv1a(names[i]);
	}
	if (!timings) {
		qsort(items, n, sizeof(*items), cmp_hash);
		for (size_t i = 0; i < n; i++)
			keep[items[i].index] = (long long)(i % (size_t)s->count) == s->index - 1;
		err = 0;
	} else if (!(err = load_timings(timings, names, n, items))) {
		qsort(items, n, sizeof(*items), cmp_item);
		for (size_t i = 0; i < n; i++) {
			long long best = 0;

			for (long long k = 1; k < s->count; k++)
				if (load[k] < load[best])
					best = k;
			/* a zero-length test still counts, so equal tests spread */
			load[best] += items[i].ms > 0 ? items[i].ms : 1e-6;
			keep[items[i].index] = best == s->index - 1;
		}
	}
	free(items);
	free(load);
	return err;
}
