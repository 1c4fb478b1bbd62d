/* merge.c -- qgate merge: the results of N shards of one gate command into one
 *
 * `qgate merge --out DIR SHARD_DIR...` reads every qgate.result/v1 under each
 * folder (results.c; one folder may hold several shards, in subfolders),
 * groups them by gate and command, and refuses (exit 2,
 * naming the two files and what differs) shards that are not parts of one
 * run: a different gate or command set per folder, a different "invocation"
 * fingerprint (arguments and --config section, lib/core/gate_invocation.c),
 * a different commit, an input artifact with the same path and other bytes,
 * a result without "invocation".shard, shards out of different totals N, or
 * one shard twice. Shards missing from 1..N are exit 3 naming them.
 *
 * Test results are merged by qgate-test itself (`qgate-test --merge
 * RESULT.json... --out DIR`, looked up next to qgate, then on PATH), which
 * knows its tests. Profile shards (qgate-data profile --shard) are merged
 * by qgate-data (`qgate-data profile --merge P... --profile-out DIR/<name>
 * --out DIR`), whose sketches merge: each shard's profile is the file its
 * result names, found by base name beside the result (not a link) and
 * checked against the SHA-256 the shard recorded. Lint shards (qgate-lint
 * --shard: each finding in exactly one shard) are merged here the way
 * gates/lint/report.c writes a run: the rules with findings sorted by tool
 * and rule, count and fixed summed, the highest level, the first locations,
 * the first finding's message; a passing rule or quiet tool only when no
 * shard has findings of it; lint.max-errors/-warnings re-decided on the
 * summed counts (and with them every rule's verdict); every metric summed.
 * The merged run writes no SARIF or Code Quality file: each shard's
 * lint.sarif holds its own findings. Other gates are merged here:
 *   - checks matched by id, in first-seen order; status the worst (skip <
 *     pass < fail < error); counts summed; locations of all shards ordered
 *     by file, line, column and capped at QG_LOCATIONS_MAX (each shard kept
 *     its first ones in file order, so these are the unsharded run's first);
 *   - "observed" kept when every shard saw the same value, else dropped and
 *     the message says so; the message is kept when all shards agree, else
 *     it names the total and one shard's;
 *   - data validate's checks about the whole table decided again from the
 *     counts its shards record (data_validate_redecide below: table.rows,
 *     maxNullFraction, required, bounds' observed, count messages), so the
 *     merged checks are the unsharded run's; --max-errors reached is refused;
 *   - data drift shards are refused (exit 3): the drift of the whole is not
 *     a function of the parts' (profile shards merge; drift that profile);
 *   - fail closed on checks whose verdict needs all rows at once (ids ending
 *     .unique, table.primary-key, table.unique-keys, table.foreign-key): a
 *     pass in every shard is an error (exit 3) -- a duplicate or dangling key
 *     may sit across two shards; a fail in any shard is a fail;
 *   - metrics: the counts in `summed` added; other members kept when all
 *     shards agree, else per shard in metrics.shards; metrics.shard_durations;
 *   - duration the longest shard (they ran side by side), started_at the
 *     earliest, subject.artifacts united, "invocation" the shards' with shard
 *     null (the unsharded run's).
 * Writes DIR/<gate>-<command>.json and .xml; the exit code is the merged
 * result's (the worst over the groups).
 */
#include "qgate/common.h"

#include <math.h>
#include <sys/stat.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/path.h"
#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/run.h"
#include "qgate/sha256.h"
#include "qgate/version.h"

#include "front.h"
#include "merge_int.h"

#define RESULT_TEXT_MAX ((size_t)512 << 20)

static const char *const merge_usage[] = {
	"qgate merge --out DIR SHARD_DIR...",
	NULL,
};

/* metrics members that are counts of the shard's part: summed */
static const char *const summed[] = { "rows", "violations", "files", "bytes", "tests", "passed", "failed",
				      "errors", "skipped", "findings" };

struct shard {
	const char *dir;           /* the folder named on the command line */
	const struct qg_json *doc; /* the document as loaded (borrowed) */
	struct qg_result r;        /* read back with the core's reader */
	long long i, n;            /* I/N */
	const char *fingerprint;
	char *file;                /* dir/path, for messages */
};

struct group {
	const char *gate, *command;
	struct shard **v;
	size_t nr, alloc;
};

static int status_rank(enum qg_status s)
{
	switch (s) {
	case QG_STATUS_SKIP:
		return 0;
	case QG_STATUS_PASS:
		return 1;
	case QG_STATUS_FAIL:
		return 2;
	default:
		return 3;
	}
}

/* A Data Package's checks are resource.<name>.<id>: <name> may hold dots,
 * so the table checks are found by their ".table." */
static int cross_row(const char *id)
{
	size_t n = strlen(id);
	const char *t = !strncmp(id, "resource.", 9) ? strstr(id + 9, ".table.") : NULL;
	const char *local = t ? t + 1 : id;

	return (n > 7 && !strcmp(id + n - 7, ".unique")) || !strcmp(local, "table.primary-key") ||
	       !strncmp(local, "table.unique-keys", 17) || !strncmp(local, "table.foreign-key", 17);
}

static int parse_shard(const char *s, long long *i, long long *n)
{
	char *end;

	if (!s)
		return -1;
	errno = 0;
	*i = strtoll(s, &end, 10);
	if (errno || end == s || *end != '/' || *i < 1)
		return -1;
	s = end + 1;
	*n = strtoll(s, &end, 10);
	if (errno || end == s || *end || *n < *i || *n > 1000000)
		return -1;
	return 0;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* ------------------------------------------------------------------ checking */

/* Byte-range shards of one file hash no whole file: each records a sample
 * (metrics.input_sample: the size, the first and the last 64 KiB; a Data
 * Package per resource), and two shards' samples of one path must agree. */
static int same_sample(const struct shard *a, const struct shard *b, const struct qg_json *x,
		       const struct qg_json *y)
{
	const char *xp = qg_json_string(qg_json_get(x, "path")), *yp = qg_json_string(qg_json_get(y, "path"));
	const char *xs = qg_json_string(qg_json_get(x, "sha256")), *ys = qg_json_string(qg_json_get(y, "sha256"));

	if (xp && yp && xs && ys && !strcmp(xp, yp) && strcmp(xs, ys))
		return qg_error(QG_EUSAGE, "'%s' and '%s': input '%s' differs between the shards (its first and last "
					   "64 KiB hash %.16s... and %.16s...): it changed between the shard runs",
				a->file, b->file, xp, xs, ys);
	return 0;
}

static int same_samples(const struct shard *a, const struct shard *b)
{
	const struct qg_json *rb = qg_json_get(b->r.metrics, "resources");
	int err = same_sample(a, b, qg_json_get(a->r.metrics, "input_sample"), qg_json_get(b->r.metrics, "input_sample"));

	for (const struct qg_json *r = qg_json_first(qg_json_get(a->r.metrics, "resources")); r && !err;
	     r = qg_json_next(r))
		if (qg_json_key(r))
			err = same_sample(a, b, qg_json_get(r, "input_sample"),
					  qg_json_get(qg_json_get(rb, qg_json_key(r)), "input_sample"));
	return err;
}

static int check_group(struct group *g)
{
	struct shard *first = g->v[0];
	unsigned char *seen;
	struct qg_buf missing = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t nmiss = 0;
	int err = 0;

	for (size_t k = 0; k < g->nr; k++) {
		struct shard *s = g->v[k];
		const struct qg_json *inv = qg_json_get(s->doc, "invocation");

		s->fingerprint = qg_json_string(qg_json_get(inv, "fingerprint"));
		if (!s->fingerprint)
			return qg_error(QG_EUSAGE, "'%s': no \"invocation\".fingerprint recorded (written by an older "
						   "qgate?): cannot tell it is a shard of the same run", s->file);
		if (parse_shard(qg_json_string(qg_json_get(inv, "shard")), &s->i, &s->n) < 0)
			return qg_error(QG_EUSAGE, "'%s': not a shard: \"invocation\".shard is %s (expected I/N from "
						   "--shard I/N)", s->file,
					qg_json_string(qg_json_get(inv, "shard")) ? qg_json_string(qg_json_get(inv, "shard"))
										  : "null");
	}
	for (size_t k = 1; k < g->nr; k++) {
		struct shard *s = g->v[k];
		const struct qg_subject *a = &first->r.subject, *b = &s->r.subject;

		if (strcmp(s->fingerprint, first->fingerprint))
			return qg_error(QG_EUSAGE, "'%s' and '%s': not shards of one run: different arguments or "
						   "configuration (invocation fingerprints %.20s... and %.20s...)",
					first->file, s->file, first->fingerprint, s->fingerprint);
		if (a->in_repo != b->in_repo || (a->in_repo && strcmp(a->commit, b->commit)))
			return qg_error(QG_EUSAGE, "'%s' and '%s': different commits (subject.commit %s and %s)",
					first->file, s->file, a->in_repo ? a->commit : "null",
					b->in_repo ? b->commit : "null");
		if (s->n != first->n)
			return qg_error(QG_EUSAGE, "'%s' and '%s': shards of different totals (%lld/%lld and %lld/%lld)",
					first->file, s->file, first->i, first->n, s->i, s->n);
		for (size_t x = 0; x < a->nr_artifacts; x++)
			for (size_t y = 0; y < b->nr_artifacts; y++)
				if (!strcmp(a->artifacts[x].path, b->artifacts[y].path) &&
				    (strcmp(a->artifacts[x].sha256, b->artifacts[y].sha256) ||
				     a->artifacts[x].bytes != b->artifacts[y].bytes))
					return qg_error(QG_EUSAGE, "'%s' and '%s': input '%s' differs (sha256 %s, %lld bytes "
								   "and sha256 %s, %lld bytes)",
							first->file, s->file, a->artifacts[x].path,
							a->artifacts[x].sha256[0] ? a->artifacts[x].sha256 : "null",
							a->artifacts[x].bytes,
							b->artifacts[y].sha256[0] ? b->artifacts[y].sha256 : "null",
							b->artifacts[y].bytes);
		if ((err = same_samples(first, s)) < 0)
			return err;
	}
	if (!(seen = calloc((size_t)first->n + 1, 1)))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t k = 0; k < g->nr; k++) {
		struct shard *s = g->v[k];

		if (seen[s->i]) {
			for (size_t j = 0; j < k; j++)
				if (g->v[j]->i == s->i) {
					err = qg_error(QG_EUSAGE, "'%s' and '%s': both are shard %lld/%lld", g->v[j]->file,
						       s->file, s->i, s->n);
					break;
				}
			goto done;
		}
		seen[s->i] = 1;
	}
	for (long long i = 1; i <= first->n; i++)
		if (!seen[i]) {
			if (nmiss++ < 20 && (err = qg_buf_addf(&missing, "%sshard %lld/%lld missing", nmiss > 1 ? ", " : "",
							       i, first->n)) < 0)
				goto done;
		}
	if (nmiss)
		err = qg_error(QG_EINPUT, "%s %s: %s%s (%zu of %lld given)", g->gate, g->command ? g->command : "",
			       missing.buf, nmiss > 20 ? ", ..." : "", g->nr, first->n);
done:
	free(seen);
	qg_buf_release(&missing);
	return err;
}

/* ------------------------------------------------------------------ merging */

static int cmp_loc(const void *pa, const void *pb)
{
	const struct qg_location *a = pa, *b = pb;
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	/* then the message: two findings on one spot keep the gates' order */
	return strcmp(a->message ? a->message : "", b->message ? b->message : "");
}

static int values_equal(const struct qg_value *a, const struct qg_value *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case QG_VALUE_NUMBER:
		return a->number == b->number || (isnan(a->number) && isnan(b->number));
	case QG_VALUE_STRING:
		return same_str(a->string, b->string);
	case QG_VALUE_BOOL:
		return !a->boolean == !b->boolean;
	default:
		return 1;
	}
}

static int merge_check(struct qg_result *out, struct group *g, const char *id)
{
	struct qg_check *parts[64], **pv = parts, *c, *worst = NULL;
	struct qg_location *locs = NULL;
	size_t np = 0, nloc = 0;
	long long count = 0;
	int has_count = 0, same_msg = 1, same_obs = 1, ranks[4] = { 0 }, err = 0, shown_obs = 0;
	double obs_sum = 0;

	if (g->nr > QG_ARRAY_SIZE(parts) && !(pv = calloc(g->nr, sizeof(*pv))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t k = 0; k < g->nr; k++) {
		struct qg_check *p = qg_result_find_check(&g->v[k]->r, id);

		if (!p)
			continue;
		pv[np++] = p;
		ranks[status_rank(p->status)]++;
		if (!worst || status_rank(p->status) > status_rank(worst->status))
			worst = p;
		if (p->flags & QG_CHECK_HAS_COUNT) {
			has_count = 1;
			count += p->count;
		}
		nloc += p->nr_locations;
		if (np > 1 && !values_equal(&p->observed, &pv[0]->observed))
			same_obs = 0;
		if (p->observed.kind == QG_VALUE_NUMBER)
			obs_sum += p->observed.number;
	}
	/* the message of the verdict: the same in every shard that reached it? */
	for (size_t p = 0; p < np; p++)
		if (pv[p]->status == worst->status && !same_str(pv[p]->message, worst->message))
			same_msg = 0;
	c = qg_result_add_check(out, id, worst->status, NULL);
	if (!c) {
		err = QG_ENOMEM;
		goto done;
	}
	if (has_count)
		qg_check_set_count(c, count);
	if (!strcmp(id, "table.rows") && pv[0]->observed.kind == QG_VALUE_NUMBER) {
		qg_check_observed_number(c, obs_sum);
		shown_obs = 1;
	} else if (same_obs && pv[0]->observed.kind == QG_VALUE_NUMBER) {
		qg_check_observed_number(c, pv[0]->observed.number);
		shown_obs = 1;
	} else if (same_obs && pv[0]->observed.kind == QG_VALUE_STRING) {
		err = qg_check_observed_string(c, pv[0]->observed.string);
		shown_obs = 1;
	} else if (same_obs && pv[0]->observed.kind == QG_VALUE_BOOL) {
		c->observed = pv[0]->observed;
		shown_obs = 1;
	}
	if (!err && worst->expected.kind == QG_VALUE_NUMBER)
		qg_check_expected_number(c, worst->expected.number);
	else if (!err && worst->expected.kind == QG_VALUE_STRING)
		err = qg_check_expected_string(c, "%s", worst->expected.string);
	if (!err && nloc) {
		size_t k = 0;

		if (!(locs = calloc(nloc, sizeof(*locs)))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t p = 0; p < np; p++)
			for (size_t l = 0; l < pv[p]->nr_locations; l++)
				locs[k++] = pv[p]->locations[l]; /* borrowed */
		qsort(locs, nloc, sizeof(*locs), cmp_loc);
		for (size_t l = 0; !err && l < nloc && l < QG_LOCATIONS_MAX; l++)
			err = qg_check_add_location(c, locs[l].file, locs[l].line, locs[l].column,
						    locs[l].message ? "%s" : NULL, locs[l].message) < 0 ? QG_ENOMEM : 0;
	}
	if (err)
		goto done;
	if (cross_row(id) && !ranks[2] && !ranks[3] && ranks[1]) {
		/* every shard passed: a key may still repeat (or dangle) across two of them */
		c->status = QG_STATUS_ERROR;
		err = qg_check_set_message(c, "passed in each of %zu shards, but cross-shard uniqueness (and "
					   "foreign keys) cannot be decided from results: run this check unsharded",
					   np);
	} else if (cross_row(id) && c->status == QG_STATUS_FAIL) {
		err = qg_check_set_message(c, "at least %lld (within shards; repeats across shards are not counted); "
					   "e.g. %s", count, worst->message ? worst->message : "");
	} else if (!strcmp(id, "table.rows") && shown_obs) {
		err = qg_check_set_message(c, "%.0f rows (%zu shards)", obs_sum, np);
	} else if (same_msg) {
		err = worst->message ? qg_check_set_message(c, "%s", worst->message) : 0;
	} else {
		err = qg_check_set_message(c, "%s%lld over %zu shards%s; e.g. %s", has_count ? "count " : "",
					   has_count ? count : (long long)np, np,
					   !shown_obs && pv[0]->observed.kind != QG_VALUE_NONE
						   ? " (observed differs per shard: dropped)" : "",
					   worst->message ? worst->message : "");
	}
done:
	free(locs);
	if (pv != parts)
		free(pv);
	return err < 0 ? err : 0;
}

static int is_summed(const char *key, int all_counts)
{
	if (all_counts)
		return 1;
	for (size_t i = 0; i < QG_ARRAY_SIZE(summed); i++)
		if (!strcmp(key, summed[i]))
			return 1;
	return 0;
}

static int json_equal(const struct qg_json *a, const struct qg_json *b)
{
	struct qg_buf x = QG_BUF_INIT(QG_CAP_REPORT), y = QG_BUF_INIT(QG_CAP_REPORT);
	int eq = qg_json_print(&x, a, 0) >= 0 && qg_json_print(&y, b, 0) >= 0 && x.len == y.len &&
		 !memcmp(x.buf, y.buf, x.len);

	qg_buf_release(&x);
	qg_buf_release(&y);
	return eq;
}

/* A Data Package run's metrics.resources: per resource, each count summed
 * over the shards (rows, violations, ...), the shard's own "shard" left out:
 * the unsharded run's. */
static int merge_resources(struct qg_json *m, struct group *g)
{
	struct qg_json *res = qg_json_add_object(m, "resources");

	if (!res)
		return QG_ENOMEM;
	for (size_t k = 0; k < g->nr; k++)
		for (const struct qg_json *r = qg_json_first(qg_json_get(g->v[k]->r.metrics, "resources")); r;
		     r = qg_json_next(r)) {
			struct qg_json *o;

			if (!qg_json_key(r) || qg_json_get(res, qg_json_key(r)))
				continue;
			if (!(o = qg_json_add_object(res, qg_json_key(r))))
				return QG_ENOMEM;
			for (size_t j = k; j < g->nr; j++)
				for (const struct qg_json *e = qg_json_first(qg_json_get(qg_json_get(g->v[j]->r.metrics,
												      "resources"),
											qg_json_key(r)));
				     e; e = qg_json_next(e)) {
					const char *key = qg_json_key(e);
					double sum = 0;
					int all_num = 1;

					if (!key || !strcmp(key, "shard") || !strcmp(key, "input_sample") ||
					    qg_json_get(o, key))
						continue;
					for (size_t x = 0; x < g->nr; x++) {
						const struct qg_json *v = qg_json_get(
							qg_json_get(qg_json_get(g->v[x]->r.metrics, "resources"), qg_json_key(r)),
							key);

						if (v && qg_json_type(v) != QG_JSON_NUMBER)
							all_num = 0;
						else if (v)
							sum += qg_json_number(v);
					}
					if (all_num ? !qg_json_add_number(o, key, sum) :
						      qg_json_attach(o, key, qg_json_dup(e)) < 0)
						return QG_ENOMEM;
				}
		}
	return 0;
}

static int merge_metrics(struct qg_result *out, struct group *g)
{
	struct qg_json *m = qg_json_new_object(), *durs, *shards;
	const struct qg_json *m0 = g->v[0]->r.metrics;

	if (!m)
		return QG_ENOMEM;
	qg_json_free(out->metrics);
	out->metrics = m;
	if (!(durs = qg_json_add_array(m, "shard_durations")) || !(shards = qg_json_add_array(m, "shards")))
		return QG_ENOMEM;
	for (size_t k = 0; k < g->nr; k++) {
		struct qg_json *o = qg_json_add_object(shards, NULL);
		char sh[64];

		snprintf(sh, sizeof(sh), "%lld/%lld", g->v[k]->i, g->v[k]->n);
		if (!qg_json_add_number(durs, NULL, (double)g->v[k]->r.duration_ms) || !o ||
		    !qg_json_add_string(o, "shard", sh) ||
		    !qg_json_add_number(o, "duration_ms", (double)g->v[k]->r.duration_ms))
			return QG_ENOMEM;
	}
	/* keys of every shard, in first-seen order */
	for (size_t k = 0; k < g->nr; k++) {
		for (const struct qg_json *e = qg_json_first(g->v[k]->r.metrics); e; e = qg_json_next(e)) {
			const char *key = qg_json_key(e);
			int all_same = 1, all_num = 1, everywhere = 1;
			double sum = 0;

			if (!key || !strcmp(key, "shard") || !strcmp(key, "shards") || !strcmp(key, "shard_durations") ||
			    qg_json_get(m, key))
				continue;
			if (!strcmp(g->gate, "data") && !strcmp(key, "resources") &&
			    qg_json_type(e) == QG_JSON_OBJECT) {
				if (merge_resources(m, g) < 0)
					return QG_ENOMEM;
				continue;
			}
			for (size_t j = 0; j < g->nr; j++) {
				const struct qg_json *v = qg_json_get(g->v[j]->r.metrics, key);

				if (!v) {
					everywhere = 0;
					continue;
				}
				if (qg_json_type(v) != QG_JSON_NUMBER)
					all_num = 0;
				else
					sum += qg_json_number(v);
				if (!json_equal(v, e))
					all_same = 0;
			}
			if (is_summed(key, !strcmp(g->gate, "lint")) && all_num) {
				if (!qg_json_add_number(m, key, sum))
					return QG_ENOMEM;
			} else if (all_same && everywhere) {
				struct qg_json *d = qg_json_dup(e);

				if (!d || qg_json_attach(m, key, d) < 0) {
					qg_json_free(d);
					return QG_ENOMEM;
				}
			} else {
				/* what it means across shards is not known: kept per shard */
				size_t idx = 0;

				for (struct qg_json *o = (struct qg_json *)qg_json_first(shards); o;
				     o = (struct qg_json *)qg_json_next(o), idx++) {
					const struct qg_json *v = qg_json_get(g->v[idx]->r.metrics, key);
					struct qg_json *d;

					if (!v)
						continue;
					if (!(d = qg_json_dup(v)) || qg_json_attach(o, key, d) < 0) {
						qg_json_free(d);
						return QG_ENOMEM;
					}
				}
			}
		}
	}
	(void)m0;
	return 0;
}

static int merge_subject(struct qg_result *out, struct group *g)
{
	struct qg_subject *s = &out->subject;
	const struct qg_subject *f = &g->v[0]->r.subject;

	s->in_repo = f->in_repo;
	memcpy(s->commit, f->commit, sizeof(s->commit));
	s->dirty = f->dirty;
	if (f->ref && !(s->ref = qg_strdup(f->ref)))
		return QG_ENOMEM;
	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_subject *b = &g->v[k]->r.subject;

		if (b->dirty)
			s->dirty = 1;
		for (size_t y = 0; y < b->nr_artifacts; y++) {
			const struct qg_artifact *a = &b->artifacts[y];
			size_t x;

			for (x = 0; x < s->nr_artifacts; x++)
				if (!strcmp(s->artifacts[x].path, a->path))
					break;
			if (x < s->nr_artifacts)
				continue;
			if (QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + 1, s->alloc_artifacts) < 0)
				return QG_ENOMEM;
			memset(&s->artifacts[x], 0, sizeof(s->artifacts[x]));
			if (!(s->artifacts[x].path = qg_strdup(a->path)))
				return QG_ENOMEM;
			memcpy(s->artifacts[x].sha256, a->sha256, sizeof(a->sha256));
			s->artifacts[x].bytes = a->bytes;
			s->nr_artifacts++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ lint */

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
						    cmp_loc(&p->locations[0], &firstp->locations[0]) < 0)))
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
		qsort(locs, k2, sizeof(*locs), cmp_loc);
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
static int merge_lint_checks(struct qg_result *out, struct group *g)
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

/* ------------------------------------------------------------------ data validate */

/* Checks of qgate-data validate that depend on more than one row, decided
 * again from the shards' counts (gates/data/validate_merge.c records them in
 * a sharded run's details) so the merged check is the unsharded run's:
 *   - table.rows: minRows, maxRows and the empty table over the summed rows
 *     (a shard leaves the bounds unchecked and never judges itself empty);
 *   - field.<f>.maxNullFraction: the summed missing values over the summed
 *     values against the bound (a fraction is not the sum of fractions);
 *   - bounds (minimum, maximum, exclusive*): observed is the most extreme
 *     violating value over the shards (each shard shows its own);
 *   - a field check every shard with rows skipped (its column is in none of
 *     them) is skipped, not passed by a shard that read no row.
 * --max-errors: when a shard stopped, or the shards' violations together
 * reach N, the unsharded run would have stopped after N, with counts that are
 * lower bounds depending on where it stopped: refused (exit 3) rather than a
 * different result. Unique, primaryKey, uniqueKeys and foreignKeys stay
 * refused by merge_check (cross_row). */

static const char *const rows_keys[] = { "rows", "minRows", "maxRows", "allowEmpty", "maxErrors", "counted",
					  "stopped" };

static void value_clear(struct qg_value *v)
{
	if (v->kind == QG_VALUE_STRING)
		free(v->string);
	memset(v, 0, sizeof(*v));
}

/* a count read from a shard's details: a whole number from 0 to 2^53 */
static int count_ok(double x)
{
	return x == x && x >= 0 && x <= 9007199254740992.0 && x == floor(x);
}

/* the rows a shard read: metrics.rows, or a Data Package resource's
 * metrics.resources.<res>.rows */
static double shard_rows(const struct shard *s, const char *res)
{
	const struct qg_json *m = res ? qg_json_get(qg_json_get(s->r.metrics, "resources"), res) : s->r.metrics;
	double n = qg_json_number(qg_json_get(m, "rows"));

	return count_ok(n) ? n : 0;
}

static int id_ends(const char *id, const char *tail)
{
	size_t n = strlen(id), t = strlen(tail);

	return n > t && !strcmp(id + n - t, tail);
}

static int data_rows(struct qg_check *c, struct group *g)
{
	const struct qg_json *d0 = NULL;
	double rows = 0, counted = 0, min_rows, max_rows, max_errors;
	int stopped = 0, allow_empty, bad, err;

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, c->id);
		const struct qg_json *d = p ? p->details : NULL;

		if (!p)
			continue; /* a shard that stopped with an error: the merge is an error */
		for (size_t i = 0; i < QG_ARRAY_SIZE(rows_keys); i++)
			if (!qg_json_get(d, rows_keys[i]))
				return qg_error(QG_EINPUT, "'%s': %s records no \"%s\" in its details (written by "
							   "an older qgate-data?): minRows, maxRows and the empty table "
							   "cannot be decided over the shards; run the shards again",
						g->v[k]->file, c->id, rows_keys[i]);
		if (!count_ok(qg_json_number(qg_json_get(d, "rows"))) ||
		    !count_ok(qg_json_number(qg_json_get(d, "counted"))) ||
		    !count_ok(qg_json_number(qg_json_get(d, "maxErrors"))))
			return qg_error(QG_EINPUT, "'%s': %s: details rows, counted and maxErrors must be whole "
						   "numbers of 0 or more", g->v[k]->file, c->id);
		if (!d0)
			d0 = d;
		rows += qg_json_number(qg_json_get(d, "rows"));
		counted += qg_json_number(qg_json_get(d, "counted"));
		stopped |= qg_json_bool(qg_json_get(d, "stopped")) == 1;
	}
	if (!d0)
		return 0;
	min_rows = qg_json_number(qg_json_get(d0, "minRows"));
	max_rows = qg_json_number(qg_json_get(d0, "maxRows"));
	max_errors = qg_json_number(qg_json_get(d0, "maxErrors"));
	allow_empty = qg_json_bool(qg_json_get(d0, "allowEmpty")) == 1;
	if (stopped || (max_errors > 0 && counted >= max_errors))
		return qg_error(QG_EINPUT, "data validate: --max-errors %.0f: %s; the unsharded run would have stopped "
					   "there, with counts that depend on where it stopped: run the shards without "
					   "--max-errors (or with a larger N) to merge them",
				max_errors, stopped ? "a shard stopped early" : "the shards' violations together reach it");
	qg_json_free(c->details);
	c->details = NULL;
	value_clear(&c->expected);
	c->nr_locations = 0;
	qg_check_observed_number(c, rows);
	if (!rows && min_rows < 0 && !allow_empty) {
		/* gates/data/validate_merge.c's empty table */
		qg_check_set_count(c, 1);
		c->status = QG_STATUS_FAIL;
		if ((err = qg_check_expected_string(c, ">= 1 rows")) < 0)
			return err;
		return qg_check_set_message(c, "0 rows: the table is empty (allow it with \"qgate\": {\"minRows\": 0} "
					       "or --allow-empty)");
	}
	err = 0;
	if (min_rows >= 0 && max_rows >= 0)
		err = qg_check_expected_string(c, "%.0f..%.0f rows", min_rows, max_rows);
	else if (min_rows >= 0)
		err = qg_check_expected_string(c, ">= %.0f rows", min_rows);
	else if (max_rows >= 0)
		err = qg_check_expected_string(c, "<= %.0f rows", max_rows);
	if (err < 0)
		return err;
	bad = (min_rows >= 0 && rows < min_rows) || (max_rows >= 0 && rows > max_rows);
	c->status = bad ? QG_STATUS_FAIL : QG_STATUS_PASS;
	qg_check_set_count(c, bad);
	return qg_check_set_message(c, "%.0f %s%s", rows, rows == 1 ? "row" : "rows",
				    bad ? (rows < min_rows ? ", fewer than minRows" : ", more than maxRows") : "");
}

static int data_null_fraction(struct qg_check *c, struct group *g)
{
	double nulls = 0, values = 0, bound = NAN, frac;
	struct qg_json *d;
	int err;

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, c->id);
		const struct qg_json *pd = p ? p->details : NULL;
		double n = qg_json_number(qg_json_get(pd, "nulls")), v = qg_json_number(qg_json_get(pd, "values"));
		double b = qg_json_number(qg_json_get(pd, "maxNullFraction"));

		if (!p)
			continue;
		if (!count_ok(n) || !count_ok(v) || n > v || !(b >= 0 && b <= 1))
			return qg_error(QG_EINPUT, "'%s': %s records no nulls and values (whole numbers, nulls <= values) "
						   "and maxNullFraction (0..1) in its details (written by an older qgate-data?): the fraction cannot be decided over "
						   "the shards; run the shards again", g->v[k]->file, c->id);
		nulls += n;
		values += v;
		bound = b;
	}
	if (bound != bound)
		return 0;
	if (!count_ok(values))
		return qg_error(QG_EINPUT, "%s: %.0f values over the shards: more than a count can hold", c->id, values);
	frac = values ? nulls / values : 0;
	qg_check_observed_number(c, frac);
	if ((err = qg_check_expected_string(c, "<= %g", bound)) < 0)
		return err;
	c->status = frac > bound ? QG_STATUS_FAIL : QG_STATUS_PASS;
	qg_check_set_count(c, c->status == QG_STATUS_FAIL ? (long long)nulls : 0);
	c->nr_locations = 0;
	qg_json_free(c->details);
	c->details = NULL;
	if (!(d = qg_check_details(c)) || !qg_json_add_number(d, "nulls", nulls) || !qg_json_add_number(d, "values", values))
		return qg_error(QG_ENOMEM, "out of memory");
	return qg_check_set_message(c, "%.0f of %.0f values missing (%.4g)", nulls, values, frac);
}

/* the most extreme violating value: the lowest below a minimum, the highest
 * above a maximum, over the shards that show one */
static void data_extreme(struct qg_check *c, struct group *g, int low)
{
	static const char drop[] = " (observed differs per shard: dropped)";
	int have = 0;
	double x = 0;
	char *w;

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, c->id);

		if (!p || p->observed.kind != QG_VALUE_NUMBER || p->observed.number != p->observed.number)
			continue;
		if (!have || (low ? p->observed.number < x : p->observed.number > x))
			x = p->observed.number;
		have = 1;
	}
	if (have)
		qg_check_observed_number(c, x);
	else
		value_clear(&c->observed);
	/* merge_check's generic words dropped it: no longer so */
	if (have && c->message && (w = strstr(c->message, drop)))
		memmove(w, w + strlen(drop), strlen(w + strlen(drop)) + 1);
}

/* a field check the shards that read rows all skipped (the column is in none
 * of them): skipped, with their message, as the unsharded run does */
static int data_absent_column(struct qg_check *c, struct group *g, const char *res)
{
	const struct qg_check *skip = NULL;
	double rows = 0;

	if (c->status != QG_STATUS_PASS || c->count || id_ends(c->id, ".required"))
		return 0;
	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, c->id);

		rows += shard_rows(g->v[k], res);
		if (!p || !shard_rows(g->v[k], res))
			continue;
		if (p->status != QG_STATUS_SKIP)
			return 0;
		skip = p;
	}
	if (!skip || !rows)
		return 0;
	c->status = QG_STATUS_SKIP;
	value_clear(&c->expected);
	value_clear(&c->observed);
	return qg_check_set_message(c, "%s", skip->message ? skip->message : "");
}

/* A per-cell check failing in several shards: gates/data/validate_merge.c
 * words it "<count> <noun>..." ("3 values below minimum 0", "1 malformed
 * row"), so the unsharded run's message is a failing shard's with the summed
 * count (and the noun's number agreeing with it). */
static int data_count_message(struct qg_check *c, struct group *g)
{
	static const char *const nouns[][2] = { { "value", "values" }, { "row", "rows" }, { "cell", "cells" } };
	const struct qg_check *p = NULL;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *rest, *w;
	char pre[32];
	int n, err = 0, words = 0;

	if (c->status != QG_STATUS_FAIL || !(c->flags & QG_CHECK_HAS_COUNT) || cross_row(c->id))
		return 0;
	for (size_t k = 0; k < g->nr && !p; k++) {
		p = qg_result_find_check(&g->v[k]->r, c->id);
		if (p && (p->status != QG_STATUS_FAIL || !p->message))
			p = NULL;
	}
	if (!p)
		return 0;
	n = snprintf(pre, sizeof(pre), "%lld ", p->count);
	if (n <= 0 || strncmp(p->message, pre, (size_t)n))
		return 0; /* not a count's wording: the generic message stays */
	rest = p->message + n;
	/* the noun is one of the first two words ("malformed rows") */
	for (w = rest; *w && words < 2; words++) {
		size_t len = strcspn(w, " ");

		for (size_t i = 0; i < QG_ARRAY_SIZE(nouns); i++)
			for (int pl = 0; pl < 2; pl++)
				if (len == strlen(nouns[i][pl]) && !strncmp(w, nouns[i][pl], len)) {
					err = qg_buf_addf(&b, "%lld %.*s%s%s", c->count, (int)(w - rest), rest,
							  nouns[i][c->count != 1], w + len);
					goto found;
				}
		w += len;
		w += *w == ' ';
	}
	return 0;
found:
	if (!err)
		err = qg_check_set_message(c, "%s", b.buf);
	qg_buf_release(&b);
	return err;
}

/* field.<f>.required where some shards lack the column (a shard records
 * details.columnAbsent): the unsharded run counts the missing values of the
 * shards that have it, and fails every row only when no shard has it. */
static int data_required(struct qg_check *c, struct group *g, const char *res, const char *local)
{
	long long count = 0;
	double rows = 0;
	int absent = 0, present = 0, err;
	size_t nl = strlen(local) - strlen("field.") - strlen(".required");

	for (size_t k = 0; k < g->nr; k++) {
		const struct qg_check *p = qg_result_find_check(&g->v[k]->r, c->id);

		if (!p)
			continue;
		rows += shard_rows(g->v[k], res);
		if (qg_json_bool(qg_json_get(p->details, "columnAbsent")) == 1)
			absent = 1;
		else {
			present |= shard_rows(g->v[k], res) > 0;
			count += p->count;
		}
	}
	if (!absent)
		return 0;
	if (!count_ok(rows))
		return qg_error(QG_EINPUT, "%s: %.0f rows over the shards: more than a count can hold", c->id, rows);
	qg_json_free(c->details);
	c->details = NULL;
	if (!present) {
		c->status = QG_STATUS_FAIL;
		qg_check_set_count(c, (long long)rows);
		value_clear(&c->expected);
		return qg_check_set_message(c, "column '%.*s' is required but not in the data (%.0f rows)", (int)nl,
					    local + 6, rows);
	}
	c->status = count ? QG_STATUS_FAIL : QG_STATUS_PASS;
	qg_check_set_count(c, count);
	if ((err = qg_check_expected_string(c, "no missing values")) < 0)
		return err;
	return count ? qg_check_set_message(c, "%lld missing %s", count, count == 1 ? "value" : "values") :
		       qg_check_set_message(c, "no missing values");
}

/* Every check as the unsharded run decides it. A Data Package's checks are
 * resource.<name>.<id>, its rows metrics.resources.<name>.rows. */
static int data_validate_redecide(struct qg_result *out, struct group *g)
{
	int err = 0;

	for (size_t i = 0; !err && i < out->nr_checks; i++) {
		struct qg_check *c = out->checks[i];
		const char *local = c->id, *t, *f;
		char *res = NULL;

		if (!strncmp(c->id, "resource.", 9)) {
			t = strstr(c->id + 9, ".table.");
			f = strstr(c->id + 9, ".field.");
			if (!t || (f && f < t))
				t = f;
			if (!t)
				continue;
			if (!(res = qg_strndup(c->id + 9, (size_t)(t - c->id - 9))))
				return qg_error(QG_ENOMEM, "out of memory");
			local = t + 1;
		}
		if (!strcmp(local, "table.rows"))
			err = data_rows(c, g);
		else if (!strcmp(local, "table.row-shape") || !strcmp(local, "table.encoding"))
			err = data_count_message(c, g);
		else if (!strncmp(local, "field.", 6)) {
			if (id_ends(local, ".maxNullFraction"))
				err = data_null_fraction(c, g);
			else if (id_ends(local, ".required"))
				err = data_required(c, g, res, local);
			else if (id_ends(local, ".minimum") || id_ends(local, ".exclusiveMinimum"))
				data_extreme(c, g, 1);
			else if (id_ends(local, ".maximum") || id_ends(local, ".exclusiveMaximum"))
				data_extreme(c, g, 0);
			if (!err)
				err = data_absent_column(c, g, res);
			if (!err)
				err = data_count_message(c, g);
		}
		free(res);
	}
	return err < 0 ? err : 0;
}

static int merge_generic(struct qg_result *out, struct group *g)
{
	struct shard *first = g->v[0];
	long long start = first->r.started_at_ms, dur = 0;
	int err;

	if (qg_result_init(out, g->gate, first->r.version ? first->r.version : QG_VERSION) < 0 ||
	    qg_result_set_command(out, g->command) < 0)
		return QG_ENOMEM;
	for (size_t k = 0; k < g->nr; k++) {
		if (g->v[k]->r.started_at_ms < start)
			start = g->v[k]->r.started_at_ms;
		if (g->v[k]->r.duration_ms > dur)
			dur = g->v[k]->r.duration_ms;
	}
	out->started_at_ms = start;
	out->duration_ms = dur;
	if ((err = merge_subject(out, g)) < 0)
		return err;
	if (!strcmp(g->gate, "data") && same_str(g->command, "drift")) {
		/* PSI, KS and Jensen-Shannon of the whole data are not functions of
		 * each part's (KS needs the current side's sketch): a worst-of-shards
		 * verdict would silently differ from the unsharded run's */
		const struct qg_check *c0 = g->v[0]->r.nr_checks ? g->v[0]->r.checks[0] : NULL;

		return qg_error(QG_EINPUT, "data drift: %s%s: the drift of the whole data cannot be decided from the "
					   "shards' drift results (each shard's PSI, KS and JS are its own part's); "
					   "profile the shards instead (qgate-data profile --shard I/N --profile-out "
					   "SHARD_DIR/current.json --out SHARD_DIR), qgate merge those, and run "
					   "qgate-data drift --current-profile on the merged profile",
				c0 ? c0->id : "drift", g->v[0]->r.nr_checks > 1 ? " and the other checks" : "");
	}
	if (!strcmp(g->gate, "lint")) {
		if ((err = merge_lint_checks(out, g)) < 0)
			return err;
	} else {
		for (size_t k = 0; k < g->nr; k++)
			for (size_t c = 0; c < g->v[k]->r.nr_checks; c++) {
				const char *id = g->v[k]->r.checks[c]->id;

				if (!qg_result_find_check(out, id) && (err = merge_check(out, g, id)) < 0)
					return err;
			}
		if (!strcmp(g->gate, "data") && same_str(g->command, "validate") &&
		    (err = data_validate_redecide(out, g)) < 0)
			return err;
	}
	if ((err = merge_metrics(out, g)) < 0)
		return err;
	qg_json_remove(out->metrics, "input_sample"); /* compared above; the whole read the whole file */
	/* a shard that could not evaluate leaves the whole unevaluated */
	for (size_t k = 0; k < g->nr; k++)
		if (g->v[k]->r.error_exit) {
			qg_result_set_error(out, g->v[k]->r.error_exit, "shard %lld/%lld ('%s'): %s", g->v[k]->i,
					    g->v[k]->n, g->v[k]->file,
					    g->v[k]->r.error_message ? g->v[k]->r.error_message : "error");
			break;
		}
	if (!(out->invocation = qg_json_new_object()) || !qg_json_add_null(out->invocation, "shard") ||
	    !qg_json_add_string(out->invocation, "fingerprint", first->fingerprint))
		return QG_ENOMEM;
	return 0;
}

static int write_outputs(const char *dir, const struct qg_result *r, const char *name)
{
	struct qg_buf json = QG_BUF_INIT(QG_CAP_REPORT), xml = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf p = QG_BUF_INIT(QG_CAP_PATH);
	const struct qg_result *one[1] = { r };
	int err = qg_result_to_json(&json, r);

	if (!err)
		err = qg_junit_write(&xml, one, 1);
	if (!err)
		err = qg_buf_addf(&p, "%s/%s.json", dir, name);
	if (!err)
		err = qg_file_write_atomic(p.buf, json.buf, json.len);
	qg_buf_reset(&p);
	if (!err)
		err = qg_buf_addf(&p, "%s/%s.xml", dir, name);
	if (!err)
		err = qg_file_write_atomic(p.buf, xml.buf, xml.len);
	qg_buf_release(&json);
	qg_buf_release(&xml);
	qg_buf_release(&p);
	return err;
}

int merge_texts(struct qg_result *out, const char *const *texts, const size_t *lens, size_t n)
{
	struct shard *sh = calloc(n + 1, sizeof(*sh));
	struct qg_json **docs = calloc(n + 1, sizeof(*docs));
	struct group g;
	int err = 0;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	if (!sh || !docs || !n) {
		free(sh);
		free(docs);
		return n ? qg_error(QG_ENOMEM, "out of memory") : qg_error(QG_EUSAGE, "no shards");
	}
	for (size_t k = 0; !err && k < n; k++) {
		char name[32];

		snprintf(name, sizeof(name), "shard%zu.json", k + 1);
		if (!(sh[k].file = qg_strdup(name))) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		sh[k].dir = sh[k].file;
		if ((err = qg_json_parse(&docs[k], texts[k], lens[k], name)) < 0 ||
		    (err = qg_result_from_json(&sh[k].r, texts[k], lens[k], name)) < 0)
			break;
		sh[k].doc = docs[k];
		if (!sh[k].r.gate || (k && (!same_str(sh[0].r.gate, sh[k].r.gate) ||
					    !same_str(sh[0].r.command, sh[k].r.command))))
			err = qg_error(QG_EUSAGE, "'%s': another gate or command", name);
	}
	if (!err) {
		g.gate = sh[0].r.gate;
		g.command = sh[0].r.command;
		g.nr = g.alloc = n;
		if (!(g.v = calloc(n, sizeof(*g.v))))
			err = qg_error(QG_ENOMEM, "out of memory");
		for (size_t k = 0; !err && k < n; k++)
			g.v[k] = &sh[k];
	}
	if (!err)
		err = check_group(&g);
	if (!err)
		err = merge_generic(out, &g);
	if (err < 0)
		qg_result_release(out);
	for (size_t k = 0; k < n; k++) {
		qg_result_release(&sh[k].r);
		free(sh[k].file);
		qg_json_free(docs[k]);
	}
	free(g.v);
	free(sh);
	free(docs);
	return err < 0 ? err : 0;
}

/* Run qgate-<gate> (next to qgate, then on PATH) with args after its name;
 * its exit code in *exit_out. */
static int run_gate(const char *gate, const struct qg_strvec *args, int *exit_out)
{
	struct qg_buf self = QG_BUF_INIT(QG_CAP_PATH), exe = QG_BUF_INIT(QG_CAP_PATH), name = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_child c;
	int err;

	qg_child_init(&c);
	if (qg_path_self_dir(&self) < 0)
		qg_error_clear();
	err = qg_buf_addf(&name, "qgate-%s", gate);
	if (!err)
		err = qg_path_find(&exe, name.buf, self.buf);
	if (err == QG_ENOTFOUND)
		err = qg_error(QG_EINPUT, "%s results need %s to merge them: not found next to qgate or on PATH", gate,
			       name.buf);
	if (!err)
		err = qg_strvec_push(&c.args, exe.buf);
	for (size_t i = 0; !err && i < args->nr; i++)
		err = qg_strvec_push(&c.args, args->v[i]);
	if (!err) {
		fflush(stdout);
		fflush(stderr);
		err = qg_child_run(&c);
	}
	if (!err) {
		if (c.exited)
			*exit_out = c.exit_code;
		else
			err = qg_error(QG_EINPUT, "'%s' did not exit (signal %d)", exe.buf, c.term_signal);
	}
	qg_child_release(&c);
	qg_buf_release(&self);
	qg_buf_release(&exe);
	qg_buf_release(&name);
	return err;
}

/* qgate-test --merge RESULT.json... --out DIR: it knows its tests */
static int merge_tests(struct group *g, const char *out_dir, int *exit_out)
{
	struct qg_strvec args = QG_STRVEC_INIT;
	int err = 0;

	/* --merge is a list flag: one value each */
	for (size_t k = 0; !err && k < g->nr; k++)
		err = qg_strvec_pushf(&args, "--merge=%s", g->v[k]->file);
	if (!err)
		err = qg_strvec_pushf(&args, "--out=%s", out_dir);
	if (!err)
		err = qg_strvec_push(&args, "-q");
	if (!err)
		err = run_gate("test", &args, exit_out);
	qg_strvec_clear(&args);
	return err;
}

/* A profile shard's profile: the file its result names (metrics.profile.
 * profile), looked up by its base name in the result's own folder (the
 * folder travels as a CI artifact; a path recorded on another machine means
 * nothing here, and nothing outside the folder given is read), a regular
 * file, not a link, with the SHA-256 the shard recorded for it. */
static int shard_profile(const struct shard *s, struct qg_buf *path, const char **base_out)
{
	const struct qg_json *pm = qg_json_get(s->r.metrics, "profile");
	const char *rec = qg_json_string(qg_json_get(pm, "profile"));
	const char *want = qg_json_string(qg_json_get(pm, "sha256"));
	const char *base, *slash = strrchr(s->file, '/');
	char hex[QG_SHA256_HEX];
	long long n = 0;
	struct stat st;
	int err;

	if (!rec || !strcmp(rec, "-"))
		return qg_error(QG_EINPUT, "'%s': the shard's profile was not written to a file (metrics.profile.profile "
					   "is %s): run each shard with --profile-out FILE inside its --out folder",
				s->file, rec ? "'-'" : "missing");
	base = strrchr(rec, '/') ? strrchr(rec, '/') + 1 : rec;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return qg_error(QG_EINPUT, "'%s': metrics.profile.profile '%s' names no file", s->file, rec);
	qg_buf_reset(path);
	if ((err = qg_buf_addf(path, "%.*s%s", slash ? (int)(slash - s->file + 1) : 0, s->file, base)) < 0)
		return err;
	if (lstat(path->buf, &st) < 0)
		return qg_error(QG_EINPUT, "'%s': its profile '%s' is not beside it ('%s': %s): write --profile-out "
					   "inside the shard's --out folder",
				s->file, rec, path->buf, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return qg_error(QG_EINPUT, "'%s': its profile '%s': not a regular file (links are not followed)",
				s->file, path->buf);
	if (!want)
		return qg_error(QG_EINPUT, "'%s': no metrics.profile.sha256 recorded (written by an older qgate-data?): "
					   "cannot tell '%s' is the profile this shard wrote",
				s->file, path->buf);
	if ((err = qg_sha256_file(hex, &n, path->buf)) < 0)
		return err;
	if (strcmp(hex, want))
		return qg_error(QG_EINPUT, "'%s': changed since shard %lld/%lld wrote it (sha256 %.16s..., recorded "
					   "%.16s...)",
				path->buf, s->i, s->n, hex, want);
	*base_out = base;
	return 0;
}

/* qgate-data profile shards: their profiles through the data gate's
 * mergeable sketches, `qgate-data profile --merge P1 P2... --profile-out
 * DIR/<name> --out DIR` (exact counts, nulls, min, max, sum, mean; KLL
 * quantiles, HyperLogLog distinct counts, space-saving top values within
 * their bounds). <name> is shard 1's profile's base name. */
static int merge_profiles(struct group *g, const char *out_dir, int *exit_out)
{
	struct qg_strvec args = QG_STRVEC_INIT;
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	const char *base = NULL, *first = NULL;
	int err = qg_strvec_push(&args, "profile");

	for (size_t k = 0; !err && k < g->nr; k++) {
		err = shard_profile(g->v[k], &path, &base);
		if (!err)
			err = qg_strvec_push(&args, path.buf);
		if (!err && !first)
			first = base;
	}
	if (!err)
		err = qg_strvec_push(&args, "--merge");
	if (!err)
		err = qg_strvec_pushf(&args, "--profile-out=%s/%s", out_dir, first);
	if (!err)
		err = qg_strvec_pushf(&args, "--out=%s", out_dir);
	if (!err)
		err = qg_strvec_push(&args, "-q");
	if (!err)
		err = run_gate("data", &args, exit_out);
	if (!err)
		printf("qgate merge: data-profile: %zu shards -> %s/%s and %s/data-profile.json (exit %d)\n", g->nr,
		       out_dir, first, out_dir, *exit_out);
	qg_strvec_clear(&args);
	qg_buf_release(&path);
	return err;
}

/* ------------------------------------------------------------------ the command */

static int die(int err)
{
	const char *msg = qg_error_last();

	fprintf(stderr, "qgate: error: %s\n", msg && *msg ? msg : "unknown error");
	return qg_exit_for_error(err);
}

int front_cmd_merge(int argc, const char **argv)
{
	const char *out_dir = NULL;
	int help = 0, err, ret = 0;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct front_results *sets = NULL;
	struct shard *shards = NULL;
	struct group *groups = NULL;
	size_t nshards = 0, ngroups = 0, total = 0;
	const struct qg_option options[] = {
		QG_OPT_STRING_(0, "out", &out_dir, "DIR", "write DIR/<gate>-<command>.json and .xml"),
		QG_OPT_FLAG_('h', "help", &help, "show this help and exit 0"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = "qgate merge",
		.usage = merge_usage,
		.description = "Merge the results of the --shard I/N runs of one gate command (each in its own "
			       "folder) into one result equal to the unsharded run's.",
		.options = options,
	};

	if ((err = qg_opts_parse(&ctx, argc, argv, &rest)) < 0) {
		ret = die(err);
		goto done;
	}
	if (help) {
		struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

		if (qg_opts_help(&b, &ctx) >= 0)
			fputs(b.buf, stdout);
		qg_buf_release(&b);
		goto done;
	}
	if (!out_dir || !*out_dir || !rest.nr) {
		fprintf(stderr, "qgate: error: %s\nusage: %s\n",
			!out_dir || !*out_dir ? "--out DIR is required" : "no shard folders given", merge_usage[0]);
		ret = QG_EXIT_USAGE;
		goto done;
	}
	if (!(sets = calloc(rest.nr, sizeof(*sets)))) {
		ret = die(qg_error(QG_ENOMEM, "out of memory"));
		goto done;
	}
	for (size_t d = 0; d < rest.nr; d++) {
		if ((err = front_results_load_dir(&sets[d], rest.v[d])) < 0) {
			ret = die(err);
			goto done;
		}
		total += sets[d].nr;
	}
	if (!(shards = calloc(total + 1, sizeof(*shards))) || !(groups = calloc(total + 1, sizeof(*groups)))) {
		ret = die(qg_error(QG_ENOMEM, "out of memory"));
		goto done;
	}
	for (size_t d = 0; d < rest.nr; d++) {
		size_t kept = 0;

		for (size_t k = 0; k < sets[d].nr; k++) {
			struct front_result *fr = &sets[d].v[k];
			struct shard *s = &shards[nshards];
			struct qg_buf text = QG_BUF_INIT(RESULT_TEXT_MAX);
			size_t gi;

			if (!fr->gate)
				continue; /* a run summary: not a shard's result */
			s->dir = rest.v[d];
			s->doc = fr->doc;
			{
				size_t len = strlen(rest.v[d]) + strlen(fr->path) + 2;

				if (!(s->file = malloc(len))) {
					ret = die(qg_error(QG_ENOMEM, "out of memory"));
					goto done;
				}
				snprintf(s->file, len, "%s/%s", rest.v[d], fr->path);
			}
			nshards++;
			err = qg_json_print(&text, fr->doc, 0);
			if (!err)
				err = qg_result_from_json(&s->r, text.buf, text.len, s->file);
			qg_buf_release(&text);
			if (err < 0) {
				ret = die(err);
				goto done;
			}
			kept++;
			for (gi = 0; gi < ngroups; gi++)
				if (same_str(groups[gi].gate, fr->gate) && same_str(groups[gi].command, fr->command))
					break;
			if (gi == ngroups) {
				groups[gi].gate = fr->gate;
				groups[gi].command = fr->command;
				ngroups++;
			}
			if (QG_ALLOC_GROW(groups[gi].v, groups[gi].nr + 1, groups[gi].alloc) < 0) {
				ret = die(qg_error(QG_ENOMEM, "out of memory"));
				goto done;
			}
			groups[gi].v[groups[gi].nr++] = s;
		}
		if (!kept) {
			ret = die(qg_error(QG_EINPUT, "'%s': no qgate.result/v1 file in it", rest.v[d]));
			goto done;
		}
	}
	/* every folder holds the same gate commands */
	for (size_t gi = 0; gi < ngroups; gi++) {
		struct group *g = &groups[gi];

		if (g->nr == rest.nr)
			continue;
		for (size_t d = 0; d < rest.nr; d++) {
			size_t j;

			for (j = 0; j < g->nr && g->v[j]->dir != rest.v[d]; j++)
				;
			if (j == g->nr) {
				ret = die(qg_error(QG_EUSAGE, "'%s' has a result of %s %s ('%s') and '%s' has none: "
							      "shards of different gates or commands",
						   g->v[0]->dir, g->gate, g->command ? g->command : "", g->v[0]->file,
						   rest.v[d]));
				goto done;
			}
		}
	}
	for (size_t gi = 0; gi < ngroups; gi++)
		if ((err = check_group(&groups[gi])) < 0) {
			ret = die(err);
			goto done;
		}
	if (mkdir(out_dir, 0777) < 0 && errno != EEXIST) {
		ret = die(qg_error(QG_EINPUT, "--out '%s': cannot create folder: %s", out_dir, strerror(errno)));
		goto done;
	}
	for (size_t gi = 0; gi < ngroups; gi++) {
		struct group *g = &groups[gi];
		struct qg_result merged;
		char name[256];
		int code = QG_EXIT_ERROR;

		if (!strcmp(g->gate, "test") || (!strcmp(g->gate, "data") && same_str(g->command, "profile"))) {
			err = !strcmp(g->gate, "test") ? merge_tests(g, out_dir, &code) : merge_profiles(g, out_dir, &code);
			if (err < 0) {
				ret = die(err);
				goto done;
			}
		} else {
			memset(&merged, 0, sizeof(merged));
			snprintf(name, sizeof(name), "%s%s%s", g->gate, g->command ? "-" : "", g->command ? g->command : "");
			err = merge_generic(&merged, g);
			if (!err)
				err = write_outputs(out_dir, &merged, name);
			code = qg_result_exit_code(&merged);
			if (!err)
				printf("qgate merge: %s: %zu shards -> %s/%s.json: %s (exit %d)\n", name, g->nr, out_dir,
				       name, qg_status_name(qg_result_status(&merged)), code);
			qg_result_release(&merged);
			if (err < 0) {
				ret = die(err);
				goto done;
			}
		}
		if (code > ret)
			ret = code;
	}
done:
	for (size_t k = 0; k < nshards; k++) {
		qg_result_release(&shards[k].r);
		free(shards[k].file);
	}
	for (size_t gi = 0; gi < ngroups; gi++)
		free(groups[gi].v);
	for (size_t d = 0; sets && d < rest.nr; d++)
		front_results_release(&sets[d]);
	free(sets);
	free(shards);
	free(groups);
	qg_strvec_clear(&rest);
	return ret;
}
