/* merge_metrics.c -- qgate merge: the shards' metrics and subjects as the unsharded run's
 *
 * metrics: the counts in `summed` added (every member of a lint run's
 * metrics); other members kept when all shards agree, else per shard in
 * metrics.shards; a Data Package's metrics.resources summed per resource;
 * metrics.shard_durations. subject: the shards' artifacts united.
 */
#include "qgate/common.h"

#include "qgate/json.h"
#include "qgate/result.h"

#include "merge_parts.h"

/* metrics members that are counts of the shard's part: summed */
static const char *const summed[] = { "rows", "violations", "files", "bytes", "tests", "passed", "failed",
				      "errors", "skipped", "findings" };

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

int merge_metrics(struct qg_result *out, struct group *g)
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

int merge_subject(struct qg_result *out, struct group *g)
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
