/* profile_json.c -- a profile as qgate.profile/v1 JSON, and back
 *
 * The writer and the loader of docs/profile-format.md: every field's counts,
 * moments, KLL, HLL and top-k, written so that a profile read back merges
 * and drifts exactly as the one in memory (doubles in their shortest
 * round-trip form, sketches whole). The loader checks every member and names
 * the file and the field of the first problem; a profile is a user's file
 * (fuzz_data_profile reads, writes and reads again).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/file.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/stream.h"
#include "qgate/version.h"
#include "profile.h"
#include "schema.h"

/* ---- JSON -------------------------------------------------------------------------- */

static const char *kind_name(enum qg_prof_kind k)
{
	return k == QG_PROF_NUMERIC ? "numeric" : k == QG_PROF_CATEGORICAL ? "categorical" : "empty";
}

static const char *const source_names[] = { "values", "schema", "baseline" };

static const struct {
	const char *key;
	double q;
} quantile_keys[] = {
	{ "p01", 0.01 }, { "p05", 0.05 }, { "p10", 0.10 }, { "p25", 0.25 }, { "p50", 0.50 },
	{ "p75", 0.75 }, { "p90", 0.90 }, { "p95", 0.95 }, { "p99", 0.99 },
};

/* Histogram on the deciles: edges min, distinct inner deciles, max. */
static int add_histogram(struct qg_json *o, struct qg_prof_field *f)
{
	struct qg_json *h = qg_json_add_object(o, "histogram"), *e, *fr;
	double edges[QG_PROF_HIST_BINS + 1];
	size_t ne = 0;

	if (!h || !(e = qg_json_add_array(h, "edges")) || !(fr = qg_json_add_array(h, "fractions")))
		return QG_ENOMEM;
	edges[ne++] = f->mom.min;
	for (int i = 1; i < QG_PROF_HIST_BINS; i++) {
		double q = data_kll_quantile(&f->kll, (double)i / QG_PROF_HIST_BINS);
		if (q > edges[ne - 1] && q < f->mom.max)
			edges[ne++] = q;
	}
	for (size_t i = 0; i < ne; i++)
		if (!qg_json_add_number(e, NULL, edges[i]))
			return QG_ENOMEM;
	if (!qg_json_add_number(e, NULL, f->mom.max))
		return QG_ENOMEM;
	for (size_t i = 0; i < ne; i++) {
		double lo = i == 0 ? 0.0 : data_kll_rank_lt(&f->kll, edges[i]);
		double hi = i + 1 < ne ? data_kll_rank_lt(&f->kll, edges[i + 1]) : 1.0;
		if (!qg_json_add_number(fr, NULL, hi - lo))
			return QG_ENOMEM;
	}
	return 0;
}

static int field_to_json(struct qg_json *arr, struct qg_prof_field *f)
{
	struct qg_json *o = qg_json_add_object(arr, NULL), *sk, *q, *top, *m, *sum;
	enum qg_prof_kind kind = data_prof_field_kind(f);
	uint64_t total = f->count + f->nulls;
	uint32_t order[QG_TOPK_K];
	size_t nr;
	int ret;

	if (!o || !qg_json_add_string(o, "name", f->name) || !qg_json_add_string(o, "type", kind_name(kind)) ||
	    !qg_json_add_string(o, "type_source", source_names[f->type_source]) ||
	    !qg_json_add_number(o, "count", (double)f->count) || !qg_json_add_number(o, "nulls", (double)f->nulls) ||
	    !qg_json_add_number(o, "null_fraction", total ? (double)f->nulls / (double)total : 0.0) ||
	    !qg_json_add_number(o, "nonfinite", (double)f->nonfinite) ||
	    !qg_json_add_number(o, "invalid", (double)f->invalid) ||
	    !qg_json_add_number(o, "distinct", floor(data_hll_estimate(&f->hll) + 0.5)))
		return QG_ENOMEM;
	if (kind == QG_PROF_NUMERIC && f->mom.n) {
		double var = data_prof_field_variance(f);
		if (!qg_json_add_number(o, "min", f->mom.min) || !qg_json_add_number(o, "max", f->mom.max) ||
		    !qg_json_add_number(o, "mean", data_prof_field_mean(f)) || !qg_json_add_number(o, "variance", var) ||
		    !qg_json_add_number(o, "stddev", sqrt(var)) || !(q = qg_json_add_object(o, "quantiles")))
			return QG_ENOMEM;
		for (size_t i = 0; i < QG_ARRAY_SIZE(quantile_keys); i++)
			if (!qg_json_add_number(q, quantile_keys[i].key, data_kll_quantile(&f->kll, quantile_keys[i].q)))
				return QG_ENOMEM;
		if ((ret = add_histogram(o, f)))
			return ret;
	}
	if (!(top = qg_json_add_array(o, "top")))
		return QG_ENOMEM;
	nr = data_topk_sorted(&f->topk, order);
	for (size_t i = 0; i < nr && i < 10; i++) {
		const struct qg_topk_item *it = &f->topk.items[order[i]];
		struct qg_json *e = qg_json_add_object(top, NULL);
		if (!e || !qg_json_add_string(e, "value", it->val) || !qg_json_add_number(e, "count", (double)it->count) ||
		    !qg_json_add_number(e, "error", (double)it->error))
			return QG_ENOMEM;
	}
	if (!(sk = qg_json_add_object(o, "sketches")))
		return QG_ENOMEM;
	if (kind == QG_PROF_NUMERIC || kind == QG_PROF_AUTO) {
		if (!(m = qg_json_add_object(sk, "moments")) || !qg_json_add_number(m, "n", (double)f->mom.n) ||
		    !(sum = qg_json_add_array(m, "sum")) || !qg_json_add_number(sum, NULL, f->mom.sum_hi) ||
		    !qg_json_add_number(sum, NULL, f->mom.sum_lo) || !qg_json_add_number(m, "mean", f->mom.mean) ||
		    !qg_json_add_number(m, "m2", f->mom.m2))
			return QG_ENOMEM;
		if (f->mom.n) {
			if (!qg_json_add_number(m, "min", f->mom.min) || !qg_json_add_number(m, "max", f->mom.max))
				return QG_ENOMEM;
		} else if (!qg_json_add_null(m, "min") || !qg_json_add_null(m, "max")) {
			return QG_ENOMEM;
		}
		if ((ret = data_kll_to_json(sk, "kll", &f->kll)))
			return ret;
	}
	if ((ret = data_hll_to_json(sk, "hll", &f->hll)) || (ret = data_topk_to_json(sk, "topk", &f->topk)))
		return ret;
	return 0;
}

int data_profile_to_json(struct qg_json **root, struct qg_profile *p)
{
	struct qg_json *r = qg_json_new_object(), *b, *x, *src, *fields;
	int ret;

	*root = NULL;
	if (!r)
		return QG_ENOMEM;
	if ((ret = data_profile_flush(p)))
		goto fail;
	ret = QG_ENOMEM;
	if (!qg_json_add_string(r, "schema", QG_PROFILE_SCHEMA) ||
	    !qg_json_add_string(r, "generator", "qgate-data " QG_VERSION) ||
	    !qg_json_add_number(r, "rows", (double)p->rows) || !(src = qg_json_add_array(r, "sources")))
		goto fail;
	/* sources name the inputs as every report does: a URL's userinfo and
	 * secret query values redacted (redact.h) */
	for (size_t i = 0; i < p->sources.nr; i++) {
		char *name = qg_redact_dup(p->sources.v[i]);
		int ok = name && qg_json_add_string(src, NULL, name);

		free(name);
		if (!ok)
			goto fail;
	}
	if (!(b = qg_json_add_object(r, "bounds")))
		goto fail;
	if (!(x = qg_json_add_object(b, "quantiles")) || !qg_json_add_string(x, "sketch", "kll") ||
	    !qg_json_add_number(x, "k", QG_KLL_K) || !qg_json_add_number(x, "rank_error", QG_KLL_RANK_ERROR) ||
	    !qg_json_add_number(x, "confidence", 0.99))
		goto fail;
	if (!(x = qg_json_add_object(b, "distinct")) || !qg_json_add_string(x, "sketch", "hll") ||
	    !qg_json_add_number(x, "p", QG_HLL_P) || !qg_json_add_number(x, "relative_error", QG_HLL_REL_ERROR))
		goto fail;
	if (!(x = qg_json_add_object(b, "top")) || !qg_json_add_string(x, "sketch", "space-saving") ||
	    !qg_json_add_number(x, "k", QG_TOPK_K) || !qg_json_add_string(x, "count_error", "error <= n/k"))
		goto fail;
	if (!(x = qg_json_add_object(b, "moments")) ||
	    !qg_json_add_string(x, "count_min_max_mean", "exact (mean from a double-double sum)") ||
	    !qg_json_add_string(x, "variance", "sample (n-1), Welford/Chan merge, relative error ~1e-15"))
		goto fail;
	if (!(fields = qg_json_add_array(r, "fields")))
		goto fail;
	for (size_t i = 0; i < p->nr_fields; i++)
		if ((ret = field_to_json(fields, &p->fields[i])))
			goto fail;
	*root = r;
	return 0;
fail:
	qg_json_free(r);
	return ret;
}

static int get_u64(uint64_t *out, const struct qg_json *o, const char *key)
{
	double d = qg_json_number(qg_json_get(o, key));
	if (!(d >= 0) || d > 9007199254740992.0 || d != floor(d))
		return -1;
	*out = (uint64_t)d;
	return 0;
}

static int field_from_json(struct qg_profile *p, const struct qg_json *o, const char *what, size_t idx)
{
	const char *name = qg_json_string(qg_json_get(o, "name"));
	const char *type = qg_json_string(qg_json_get(o, "type"));
	const char *tsrc = qg_json_string(qg_json_get(o, "type_source"));
	const struct qg_json *sk = qg_json_get(o, "sketches"), *m;
	struct qg_prof_field *f;
	char where[160];
	long fi;
	int ret;

	snprintf(where, sizeof(where), "%s: /fields/%zu", what, idx);
	if (!name || !type || qg_json_type(sk) != QG_JSON_OBJECT)
		return qg_error(QG_EPARSE, "%s: expected \"name\", \"type\" and \"sketches\"", where);
	fi = data_profile_field(p, name, strlen(name));
	if (fi < 0)
		return (int)fi;
	if ((size_t)fi != p->nr_fields - 1)
		return qg_error(QG_EPARSE, "%s: field '%s' appears twice", where, name);
	f = &p->fields[fi];
	f->hll_topk = 0; /* not known of a file's sketches */
	f->schema = NULL;
	f->schema_field = -1;
	if (get_u64(&f->count, o, "count") || get_u64(&f->nulls, o, "nulls"))
		return qg_error(QG_EPARSE, "%s: \"count\" and \"nulls\" must be non-negative integers", where);
	if ((qg_json_get(o, "nonfinite") && get_u64(&f->nonfinite, o, "nonfinite")) ||
	    (qg_json_get(o, "invalid") && get_u64(&f->invalid, o, "invalid")))
		return qg_error(QG_EPARSE, "%s: \"nonfinite\"/\"invalid\" must be non-negative integers", where);
	for (int i = 0; i < 3; i++)
		if (tsrc && !strcmp(tsrc, source_names[i]))
			f->type_source = i;
	if (!strcmp(type, "numeric")) {
		f->fixed = f->type_source ? QG_PROF_NUMERIC : QG_PROF_AUTO;
		f->numeric_ok = 1;
	} else if (!strcmp(type, "categorical")) {
		f->fixed = f->type_source ? QG_PROF_CATEGORICAL : QG_PROF_AUTO;
		f->numeric_ok = 0;
	} else if (!strcmp(type, "empty")) {
		f->numeric_ok = 1;
	} else {
		return qg_error(QG_EPARSE, "%s/type: expected \"numeric\", \"categorical\" or \"empty\", found \"%s\"",
				where, type);
	}
	if (f->numeric_ok) {
		const struct qg_json *sum;
		m = qg_json_get(sk, "moments");
		sum = qg_json_get(m, "sum");
		if (get_u64(&f->mom.n, m, "n") || qg_json_size(sum) != 2 || qg_json_type(sum) != QG_JSON_ARRAY)
			return qg_error(QG_EPARSE, "%s/sketches/moments: expected \"n\" and \"sum\": [hi, lo]", where);
		f->mom.sum_hi = qg_json_number(qg_json_at(sum, 0));
		f->mom.sum_lo = qg_json_number(qg_json_at(sum, 1));
		f->mom.mean = qg_json_number(qg_json_get(m, "mean"));
		f->mom.m2 = qg_json_number(qg_json_get(m, "m2"));
		if (f->mom.n) {
			f->mom.min = qg_json_number(qg_json_get(m, "min"));
			f->mom.max = qg_json_number(qg_json_get(m, "max"));
		}
		if (!isfinite(f->mom.sum_hi) || !isfinite(f->mom.sum_lo) || !isfinite(f->mom.mean) ||
		    !isfinite(f->mom.m2) || f->mom.m2 < 0 || (f->mom.n && !(f->mom.min <= f->mom.max)) ||
		    f->mom.n > f->count)
			return qg_error(QG_EPARSE, "%s/sketches/moments: values out of range", where);
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "/sketches/kll");
		ret = data_kll_from_json(&f->kll, qg_json_get(sk, "kll"), where);
		if (ret)
			return ret;
		if (f->kll.n != f->mom.n)
			return qg_error(QG_EPARSE, "%s: sketch holds %llu values, moments %llu", where,
					(unsigned long long)f->kll.n, (unsigned long long)f->mom.n);
		snprintf(where, sizeof(where), "%s: /fields/%zu", what, idx);
	}
	snprintf(where + strlen(where), sizeof(where) - strlen(where), "/sketches/hll");
	if ((ret = data_hll_from_json(&f->hll, qg_json_get(sk, "hll"), where)))
		return ret;
	snprintf(where, sizeof(where), "%s: /fields/%zu/sketches/topk", what, idx);
	if ((ret = data_topk_from_json(&f->topk, qg_json_get(sk, "topk"), where)))
		return ret;
	return 0;
}

int data_profile_from_json(struct qg_profile *out, const struct qg_json *root, const char *what)
{
	const char *schema = qg_json_string(qg_json_get(root, "schema"));
	const struct qg_json *fields = qg_json_get(root, "fields"), *f, *src;
	size_t i = 0;
	int ret;

	data_profile_init(out);
	if (qg_json_type(root) != QG_JSON_OBJECT || !schema || strcmp(schema, QG_PROFILE_SCHEMA))
		return qg_error(QG_EPARSE, "%s: not a profile: expected \"schema\": \"%s\"", what, QG_PROFILE_SCHEMA);
	if (get_u64(&out->rows, root, "rows") || qg_json_type(fields) != QG_JSON_ARRAY)
		return qg_error(QG_EPARSE, "%s: expected \"rows\" (an integer) and \"fields\" (an array)", what);
	src = qg_json_get(root, "sources");
	for (f = qg_json_first(src); f; f = qg_json_next(f))
		if (qg_json_string(f) && (ret = qg_strvec_push(&out->sources, qg_json_string(f))))
			goto fail;
	for (f = qg_json_first(fields); f; f = qg_json_next(f), i++) {
		if ((ret = field_from_json(out, f, what, i)))
			goto fail;
		if (out->fields[i].count + out->fields[i].nulls != out->rows) {
			ret = qg_error(QG_EPARSE, "%s: /fields/%zu: count + nulls = %llu, expected rows = %llu", what, i,
				       (unsigned long long)(out->fields[i].count + out->fields[i].nulls),
				       (unsigned long long)out->rows);
			goto fail;
		}
	}
	return 0;
fail:
	data_profile_release(out);
	return ret;
}

int data_profile_load(struct qg_profile *out, const char *path)
{
	struct qg_json *j = NULL;
	char what[512];
	int ret;

	data_profile_init(out);
	if (qg_stream_is_url(path)) { /* drift --baseline https://... or s3://... */
		struct qg_buf b = QG_BUF_INIT(QG_CAP_FILE);
		char *name = qg_redact_url(path);

		if (!name)
			return qg_error(QG_ENOMEM, "out of memory");
		ret = qg_stream_read_all(&b, path, QG_CAP_FILE);
		if (!ret)
			ret = qg_json_parse(&j, b.buf, b.len, name);
		snprintf(what, sizeof(what), "'%s'", name);
		qg_buf_release(&b);
		free(name);
	} else {
		ret = qg_json_parse_file(&j, path);
		snprintf(what, sizeof(what), "'%s'", path);
	}
	if (ret)
		return ret;
	ret = data_profile_from_json(out, j, what);
	qg_json_free(j);
	return ret;
}

int data_profile_save(struct qg_profile *p, const char *path)
{
	struct qg_json *j = NULL;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int ret = data_profile_to_json(&j, p);

	if (!ret)
		ret = qg_json_print(&b, j, 1);
	if (!ret)
		ret = qg_file_write_atomic(path, b.buf, b.len);
	qg_json_free(j);
	qg_buf_release(&b);
	return ret;
}
