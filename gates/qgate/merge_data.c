/* merge_data.c -- qgate merge for qgate-data validate's shards: the checks about the whole table
 *
 * Checks of qgate-data validate that depend on more than one row, decided
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
 * refused by merge_check() (merge_cross_row()).
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/json.h"
#include "qgate/result.h"

#include "merge_parts.h"

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

	if (c->status != QG_STATUS_FAIL || !(c->flags & QG_CHECK_HAS_COUNT) || merge_cross_row(c->id))
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
int merge_data_redecide(struct qg_result *out, struct group *g)
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
