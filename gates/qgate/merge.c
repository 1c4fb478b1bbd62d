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
 * Test and profile shards are merged by their own gates (merge_gates.c):
 * qgate-test --merge knows its tests, qgate-data profile --merge merges
 * the sketches of the profiles the shards' results name (checked against
 * the SHA-256 each recorded). Lint shards (qgate-lint --shard: each finding
 * in exactly one shard) are rebuilt by merge_lint.c the way
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
 *     counts its shards record (merge_data.c: table.rows,
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
#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/version.h"

#include "front.h"
#include "merge_int.h"
#include "merge_parts.h"

#define RESULT_TEXT_MAX ((size_t)512 << 20)

static const char *const merge_usage[] = {
	"qgate merge --out DIR SHARD_DIR...",
	NULL,
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
int merge_cross_row(const char *id)
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

int merge_cmp_loc(const void *pa, const void *pb)
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

int merge_check(struct qg_result *out, struct group *g, const char *id)
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
		qsort(locs, nloc, sizeof(*locs), merge_cmp_loc);
		for (size_t l = 0; !err && l < nloc && l < QG_LOCATIONS_MAX; l++)
			err = qg_check_add_location(c, locs[l].file, locs[l].line, locs[l].column,
						    locs[l].message ? "%s" : NULL, locs[l].message) < 0 ? QG_ENOMEM : 0;
	}
	if (err)
		goto done;
	if (merge_cross_row(id) && !ranks[2] && !ranks[3] && ranks[1]) {
		/* every shard passed: a key may still repeat (or dangle) across two of them */
		c->status = QG_STATUS_ERROR;
		err = qg_check_set_message(c, "passed in each of %zu shards, but cross-shard uniqueness (and "
					   "foreign keys) cannot be decided from results: run this check unsharded",
					   np);
	} else if (merge_cross_row(id) && c->status == QG_STATUS_FAIL) {
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
		    (err = merge_data_redecide(out, g)) < 0)
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
			err = !strcmp(g->gate, "test") ? merge_by_test(g, out_dir, &code) : merge_by_profile(g, out_dir, &code);
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
