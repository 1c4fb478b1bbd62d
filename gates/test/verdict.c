/* verdict.c -- test results into checks and metrics
 *
 * A check per test that needs a look: failed, errored, flaky or
 * quarantined, id "test.<classname>.<name>" ("test.<name>" without a
 * classname), in the order of their identity, so a sharded run merged and
 * an unsharded run list the same checks. Each such check's details carry
 * the case (classname, name, outcome, duration_ms, attempts, flaky,
 * quarantined, the failed attempts). The plain passed and skipped tests
 * (nearly all of a big report) are one check, tests.passed, whose "cases"
 * lists each of them compactly (test.h: outcome, duration, id, a skip's
 * reason, sorted by id): a qg_check and its details for each cost ~3.5 KB
 * a test (633,900 cases of a 100 MB report took 2.3 GB); a line costs its
 * bytes. The JUnit report still writes a <testcase> for every line, and
 * timings, baselines and merges read them. Then the tests.* checks:
 * tests.command (the command's exit status against its reports),
 * tests.declared (the reports declare more failures than their cases
 * carry), tests.suite (errors outside any case), tests.min, tests.skipped,
 * tests.vanished (--baseline), tests.quarantine (expired).
 *
 * A failed test is a failed check (exit 1), an errored test (a timeout, a
 * program that cannot start, JUnit <error>) an errored check (exit 3, the
 * contract's "could not evaluate"); a flaky test and a quarantined failure
 * pass with a warning and are listed apart in the Markdown; the JUnit
 * report keeps a flaky test's failed attempts as testcases beside it
 * (lib/report/junit.c).
 */
#include "qgate/common.h"

#include <time.h>

#include "qgate/gate.h"
#include "qgate/json.h"
#include "qgate/result.h"
#include "qgate/strmap.h"

#include "test.h"

#define LIST_MAX 50

static long long today_days(void)
{
	return (long long)(time(NULL) / 86400);
}

static enum qg_status status_of(enum test_outcome o)
{
	switch (o) {
	case TEST_PASS:
		return QG_STATUS_PASS;
	case TEST_SKIP:
		return QG_STATUS_SKIP;
	case TEST_FAIL:
		return QG_STATUS_FAIL;
	default:
		return QG_STATUS_ERROR;
	}
}

static int case_details(struct qg_check *ck, const struct test_case *c)
{
	struct qg_json *d = qg_check_details(ck), *a;

	if (!d)
		return QG_ENOMEM;
	if (!qg_json_add_string(d, "classname", c->classname ? c->classname : "") ||
	    !qg_json_add_string(d, "name", c->name ? c->name : "") ||
	    !qg_json_add_string(d, "outcome", c->flaky ? "flaky" : test_outcome_name(c->outcome)))
		return QG_ENOMEM;
	if (c->time_s >= 0 && !qg_json_add_number(d, "duration_ms", c->time_s * 1000.0))
		return QG_ENOMEM;
	if (c->file && !qg_json_add_string(d, "file", c->file))
		return QG_ENOMEM;
	if (c->line > 0 && !qg_json_add_number(d, "line", (double)c->line))
		return QG_ENOMEM;
	if (c->source && !qg_json_add_string(d, "source", c->source))
		return QG_ENOMEM;
	if (c->attempts > 1 && !qg_json_add_number(d, "attempts", c->attempts))
		return QG_ENOMEM;
	if (c->flaky && !qg_json_add_bool(d, "flaky", 1))
		return QG_ENOMEM;
	if (c->quarantined && !qg_json_add_bool(d, "quarantined", 1))
		return QG_ENOMEM;
	if (c->nr_failed_attempts) {
		if (!(a = qg_json_add_array(d, "failed_attempts")))
			return QG_ENOMEM;
		for (size_t i = 0; i < c->nr_failed_attempts; i++)
			if (!qg_json_add_string(a, NULL, c->failed_attempts[i]))
				return QG_ENOMEM;
	}
	return 0;
}

/* The failure's text: the message, then the captured output. */
static int case_location(struct qg_check *ck, const struct test_case *c)
{
	const char *file = c->file ? c->file : c->source;
	int r;

	if ((!c->detail && !file) || (c->outcome < TEST_FAIL && !c->detail))
		return 0;
	if (c->detail)
		r = qg_check_add_location(ck, file, c->line, 0, "%s%s%s", c->message ? c->message : "",
					  c->message ? "\n" : "", c->detail);
	else
		r = qg_check_add_location(ck, file, c->line, 0, "%s", c->message ? c->message : "");
	return r < 0 ? r : 0;
}

struct counts {
	long long tests, passed, failed, errors, skipped, flaky, quarantined;
};

static int add_case(struct qg_result *r, struct test_case *c, const struct test_quarantine *q,
		    struct counts *n, struct qg_buf *flaky_md, struct qg_buf *quar_md, struct qg_buf *expired)
{
	struct qg_buf id = QG_BUF_INIT(QG_CAP_MESSAGE), ident = QG_BUF_INIT(QG_CAP_MESSAGE);
	const struct test_quarantine_entry *qe = NULL;
	enum qg_status st = status_of(c->outcome);
	struct qg_check *ck;
	int err = test_case_ident(&ident, c);

	if (!err)
		err = qg_buf_addf(&id, "test.%s", ident.buf);
	if (err)
		goto done;
	n->tests++;
	if (c->outcome >= TEST_FAIL && q && (qe = test_quarantine_find(q, ident.buf))) {
		if (qe->expires_day >= today_days()) {
			c->quarantined = 1;
			st = QG_STATUS_PASS;
			n->quarantined++;
			if (n->quarantined <= LIST_MAX)
				err = qg_buf_addf(quar_md, "- `%s` until %s%s%s: %s\n", ident.buf, qe->expires,
						  qe->reason ? " — " : "", qe->reason ? qe->reason : "",
						  c->message ? c->message : test_outcome_name(c->outcome));
		} else {
			err = qg_buf_addf(expired, "%s%s (expired %s)", expired->len ? ", " : "", ident.buf,
					  qe->expires);
			qe = NULL;
		}
		if (err)
			goto done;
	}
	switch (c->outcome) {
	case TEST_PASS:
		if (c->flaky)
			n->flaky++;
		else
			n->passed++;
		break;
	case TEST_SKIP:
		n->skipped++;
		break;
	case TEST_FAIL:
		n->failed++;
		break;
	case TEST_ERROR:
		n->errors++;
		break;
	}
	if (c->flaky)
		ck = qg_result_add_check(r, id.buf, st, "flaky: passed on attempt %d after %zu failed", c->attempts,
					 c->nr_failed_attempts);
	else if (c->quarantined)
		ck = qg_result_add_check(r, id.buf, st, "quarantined until %s: %s: %s", qe->expires,
					 test_outcome_name(c->outcome), c->message ? c->message : "no message");
	else if (c->message)
		ck = qg_result_add_check(r, id.buf, st, "%s", c->message);
	else
		ck = qg_result_add_check(r, id.buf, st, "%s", test_outcome_name(c->outcome));
	if (!ck) {
		err = QG_ENOMEM;
		goto done;
	}
	if (c->flaky || c->quarantined)
		ck->flags |= QG_CHECK_WARNING;
	if ((err = case_details(ck, c)) < 0)
		goto done;
	if (c->outcome >= TEST_FAIL || c->flaky)
		err = case_location(ck, c);
	if (!err && c->flaky && n->flaky <= LIST_MAX) {
		err = qg_buf_addf(flaky_md, "- `%s` passed on attempt %d\n", ident.buf, c->attempts);
		for (size_t i = 0; !err && i < c->nr_failed_attempts; i++)
			err = qg_buf_addf(flaky_md, "  - %s\n", c->failed_attempts[i]);
	}
done:
	qg_buf_release(&id);
	qg_buf_release(&ident);
	return err;
}

/* The compact cases of rs as one check (test.h): with `failed` 0 the plain
 * passed and skipped tests, tests.passed (pass; skip when none passed); with
 * 1 the failed and errored tests beyond the first TEST_FULL_MAX, by
 * identity, tests.failed (fail, error when one errored; its first
 * locations name them): a run where everything broke (100,000 failures,
 * each with a traceback) so costs a line a test, not a check. Sorted by
 * id, counted into counts[] (p, s, f, e), listed in "cases"; every id goes
 * into `ids` when given. A check and its details for each test cost ~3.5
 * KB (633,900 cases of a 100 MB report took 2.3 GB); a line costs its
 * name. The lines are walked in order without a sorted copy and rendered
 * as they come: into a spool (result.h, an unlinked temp file) once they
 * pass rs->spool_min bytes, so "cases" is never held whole a second time,
 * else into a string. The list is released. */
struct compact_walk {
	struct test_results *rs;
	struct qg_check *ck;
	struct qg_strmap *ids;
	int failed;
	long long n[4];
	struct qg_buf id, msg, text;
	size_t last;
	struct qg_spool *spool;
};

static int compact_line(void *ctx, const char *line, size_t len)
{
	struct compact_walk *w = ctx;
	struct test_compact_line l;
	int err = 0;

	if (!len)
		return 0;
	if (test_compact_parse(w->rs, &l, line, len) < 0)
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	w->n[l.outcome == 'p' ? 0 : l.outcome == 's' ? 1 : l.outcome == 'f' ? 2 : 3]++;
	if ((w->ids || w->failed) && (err = test_compact_id(&w->id, &l)) < 0)
		return err;
	if (w->ids && qg_strmap_add(w->ids, w->id.buf, w->id.len) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	if (w->failed) {
		qg_buf_reset(&w->msg);
		if (test_compact_unescape(&w->msg, l.msg, l.msg_len) < 0 ||
		    qg_check_add_location(w->ck, NULL, 0, 0, "%s: %s", w->id.buf + (w->id.len > 5 ? 5 : 0), w->msg.buf) < 0)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	if ((err = test_compact_render_parsed(&w->text, &w->last, &l, line, len)) < 0)
		return err;
	if (w->spool && w->text.len >= QG_SINK_CHUNK) {
		err = qg_spool_write(w->spool, w->text.buf, w->text.len);
		qg_buf_reset(&w->text);
	}
	return err;
}

int test_compact_check(struct qg_result *r, struct test_results *rs, int failed, struct qg_strmap *ids,
		       long long counts[4])
{
	struct compact_walk w = { rs, NULL, ids, failed, { 0 }, QG_BUF_INIT(QG_CAP_MESSAGE),
				  QG_BUF_INIT(QG_CAP_MESSAGE), QG_BUF_INIT(QG_CAP_REPORT), (size_t)-1, NULL };
	long long *n = w.n;
	size_t spool_min = rs->spool_min ? rs->spool_min : TEST_SPOOL_MIN;
	struct qg_json *d;
	int err = 0;

	if (!rs->nr_compact && !rs->nr_runs)
		return 0;
	if (!(w.ck = qg_result_add_check(r, failed ? "tests.failed" : "tests.passed", QG_STATUS_PASS, NULL)))
		return QG_ENOMEM;
	/* a temp file that cannot be made: the list stays in memory, as small
	 * runs keep it (its error is not the run's) */
	if (spool_min != SIZE_MAX && (rs->compact_len >= spool_min || rs->nr_runs) && qg_spool_open(&w.spool) < 0)
		w.spool = NULL;
	err = test_compact_walk_sorted(rs, compact_line, &w);
	if (!err && w.spool && w.text.len)
		err = qg_spool_write(w.spool, w.text.buf, w.text.len);
	qg_buf_release(&w.id);
	qg_buf_release(&w.msg);
	qg_strmap_release(&rs->prefixes);
	if (err)
		goto done;
	if (failed) {
		w.ck->status = n[3] ? QG_STATUS_ERROR : QG_STATUS_FAIL;
		qg_check_set_count(w.ck, n[2] + n[3]);
		err = qg_check_set_message(w.ck, "%lld more test(s) failed and %lld errored beyond the first %d, which "
						 "have checks of their own (each one in \"cases\")", n[2], n[3],
					   TEST_FULL_MAX);
	} else {
		w.ck->status = n[0] ? QG_STATUS_PASS : QG_STATUS_SKIP;
		err = qg_check_set_message(w.ck, "%lld test(s) passed, %lld skipped (each one in \"cases\")", n[0],
					   n[1]);
	}
	if (err < 0 || !(d = qg_check_details(w.ck)) ||
	    !qg_json_add_number(d, failed ? "failed" : "passed", (double)n[failed ? 2 : 0]) ||
	    !qg_json_add_number(d, failed ? "errors" : "skipped", (double)n[failed ? 3 : 1])) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if (w.spool) {
		err = qg_check_set_spool(w.ck, "cases", w.spool); /* owned by the check now */
		w.spool = NULL;
	} else if (!qg_json_add_string(d, "cases", w.text.buf)) {
		err = qg_error(QG_ENOMEM, "out of memory");
	}
done:
	qg_spool_free(w.spool);
	qg_buf_release(&w.text);
	for (int k = 0; !err && counts && k < 4; k++)
		counts[k] += n[k];
	return err < 0 ? err : 0;
}

/* Failures a reader already made lines (test_results_trim_failures():
 * none of them is among the first TEST_FULL_MAX) go to tests.failed, with
 * the plain passes and skips left in rs; a quarantined one comes back as a
 * case of `back`, to be judged as one. */
struct split {
	struct test_results *rs, *over, *back;
	const struct test_quarantine *q;
	struct counts *n;
	struct qg_buf id, msg, cls, name;
};

/* A failed or errored line: back to a case when quarantined, else a line
 * of tests.failed. */
static int split_one(void *ctx, const char *line, size_t len)
{
	struct split *sp = ctx;
	struct test_compact_line l;
	int err;

	if (test_compact_parse(sp->rs, &l, line, len) < 0)
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	if ((err = test_compact_id(&sp->id, &l)) < 0)
		return err;
	if (sp->q && sp->id.len > 5 && test_quarantine_find(sp->q, sp->id.buf + 5)) {
		/* its classname and name again: the prefix is "test.<classname>." */
		qg_buf_reset(&sp->msg);
		qg_buf_reset(&sp->cls);
		qg_buf_reset(&sp->name);
		if (test_compact_unescape(&sp->msg, l.msg, l.msg_len) < 0 ||
		    (l.prefix_len > 6 && test_compact_unescape(&sp->cls, l.prefix + 5, l.prefix_len - 6) < 0) ||
		    test_compact_unescape(&sp->name, l.name, l.name_len) < 0 ||
		    !test_results_add(sp->back, sp->cls.buf, sp->name.buf, l.outcome == 'f' ? TEST_FAIL : TEST_ERROR,
				      sp->msg.buf, NULL))
			return QG_ENOMEM;
		sp->back->v[sp->back->nr - 1].time_s = l.ms >= 0 ? l.ms / 1000.0 : -1;
		return 0;
	}
	sp->n->tests++;
	*(l.outcome == 'f' ? &sp->n->failed : &sp->n->errors) += 1;
	return test_results_add_line(sp->over, &l);
}

static int split_failed_lines(struct test_results *rs, struct test_results *over, struct test_results *back,
			      const struct test_quarantine *q, struct counts *n)
{
	struct split sp = { rs, over, back, q, n, QG_BUF_INIT(QG_CAP_MESSAGE), QG_BUF_INIT(QG_CAP_MESSAGE),
			    QG_BUF_INIT(QG_CAP_MESSAGE), QG_BUF_INIT(QG_CAP_MESSAGE) };
	size_t kept = 0, nr_kept = 0;
	int err = 0;

	for (size_t i = 0; !err && i < rs->compact_len;) {
		const char *nl = memchr(rs->compact + i, '\n', rs->compact_len - i);
		size_t len = nl ? (size_t)(nl - (rs->compact + i)) : rs->compact_len - i;
		char o = rs->compact[i];

		if (o == 'p' || o == 's') {
			/* kept where they are, moved up over the lines taken out
			 * (the list is never copied whole; checked when walked) */
			if (kept != i)
				memmove(rs->compact + kept, rs->compact + i, len + 1);
			kept += len + 1;
			nr_kept++;
		} else {
			err = split_one(&sp, rs->compact + i, len);
		}
		i += len + 1;
	}
	if (!err) {
		rs->compact_len = kept;
		rs->nr_compact = nr_kept;
		if (rs->compact)
			rs->compact[kept] = '\0';
		/* the failures a big report spilled (test.c's runs) */
		err = test_results_walk_failure_runs(rs, split_one, &sp);
	}
	qg_buf_release(&sp.id);
	qg_buf_release(&sp.msg);
	qg_buf_release(&sp.cls);
	qg_buf_release(&sp.name);
	return err;
}

static int in_quarantine(const struct test_quarantine *q, const struct test_case *c)
{
	struct qg_buf ident = QG_BUF_INIT(QG_CAP_MESSAGE);
	int found;

	if (!q)
		return 0;
	if (test_case_ident(&ident, c) < 0) {
		qg_buf_release(&ident);
		return 1; /* keep it a check of its own: that path reports the ENOMEM */
	}
	found = test_quarantine_find(q, ident.buf) != NULL;
	qg_buf_release(&ident);
	return found;
}

static int one_vanished(struct qg_result *r, struct qg_check **ck, const char *baseline, const struct qg_strmap *now,
			const char *id, long long *gone, long long *total)
{
	(*total)++;
	if (qg_strmap_has(now, id, strlen(id)))
		return 0;
	if (!*ck && !(*ck = qg_result_add_check(r, "tests.vanished", QG_STATUS_FAIL, NULL)))
		return QG_ENOMEM;
	(*gone)++;
	if (qg_check_add_location(*ck, baseline, 0, 0, "%s is in the baseline and did not run", id + 5) < 0)
		return QG_ENOMEM;
	return 0;
}

/* The test ids of a baseline result that are not in `now`. */
static int vanished(struct qg_result *r, const char *baseline, const struct qg_strmap *now, struct counts *n)
{
	struct qg_json *j = NULL;
	const struct qg_json *checks;
	struct qg_check *ck = NULL;
	struct qg_buf one = QG_BUF_INIT(QG_CAP_MESSAGE);
	long long gone = 0, total = 0;
	int err = qg_json_parse_file(&j, baseline);

	if (err < 0)
		return err;
	checks = qg_json_get(j, "checks");
	if (qg_json_type(checks) != QG_JSON_ARRAY || !qg_json_string(qg_json_get(j, "schema")) ||
	    strcmp(qg_json_string(qg_json_get(j, "schema")), "qgate.result/v1")) {
		qg_json_free(j);
		return qg_error(QG_EINPUT, "'%s': not a qgate.result/v1 document with a \"checks\" array "
					   "(--baseline takes an earlier qgate-test result JSON)", baseline);
	}
	for (const struct qg_json *c = qg_json_first(checks); !err && c; c = qg_json_next(c)) {
		const char *id = qg_json_string(qg_json_get(c, "id"));
		const char *cases = qg_json_string(qg_json_get(c, "cases"));

		if (id && (!strcmp(id, "tests.passed") || !strcmp(id, "tests.failed")) && cases) {
			struct test_cases_iter it;
			struct test_compact_line l;
			int more;

			test_cases_begin(&it, cases);
			while (!err && (more = test_cases_next(&it, &l)) > 0)
				if (!(err = test_compact_id(&one, &l)))
					err = one_vanished(r, &ck, baseline, now, one.buf, &gone, &total);
			if (!err && more < 0)
				err = qg_error(QG_EINPUT, "'%s': %s: line %lld of \"cases\" is not a case", baseline, id,
					       it.line);
			continue;
		}
		if (!id || strncmp(id, "test.", 5))
			continue;
		err = one_vanished(r, &ck, baseline, now, id, &gone, &total);
	}
	qg_buf_release(&one);
	qg_json_free(j);
	if (err)
		return err;
	(void)n;
	if (!ck)
		ck = qg_result_add_check(r, "tests.vanished", QG_STATUS_PASS,
					 "every one of the baseline's %lld tests ran", total);
	else
		err = qg_check_set_message(ck, "%lld of the baseline's %lld tests are gone (first: %s)", gone, total,
					   ck->locations[0].message ? ck->locations[0].message : "");
	if (!ck)
		return QG_ENOMEM;
	qg_check_set_count(ck, gone);
	return err < 0 ? err : 0;
}

int test_verdict(const struct test_verdict_opts *o, const struct test_run_info *info, struct test_results *rs,
		 struct qg_result *r)
{
	struct qg_buf flaky_md = QG_BUF_INIT(QG_CAP_REPORT), quar_md = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf expired = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct test_quarantine q = { 0 };
	struct qg_strmap ids = QG_STRMAP_INIT;
	struct counts n = { 0 };
	struct test_results over = { 0 }, back = { 0 };
	struct qg_check *ck;
	size_t nfull = 0;
	int err = 0;

	if (o->quarantine && (err = test_quarantine_load(&q, o->quarantine)) < 0)
		goto done;
	if (o->expect_tests && !rs->nr && !rs->nr_compact && !rs->nr_runs && !rs->suite_errors && !rs->declared_failures &&
	    !rs->declared_errors) {
		if (info->command_run)
			err = qg_error(QG_EINPUT, "no test ran: '%s' (%s) reported no test", info->command_name,
				       info->command_how[0] ? info->command_how : "did not run");
		else if (info->programs_total && !info->programs)
			err = qg_error(QG_EINPUT, "no test ran: this shard has none of the %zu tests",
				       info->programs_total);
		else
			err = qg_error(QG_EINPUT, "no test ran: the reports hold no test case");
		goto done;
	}
	if ((rs->nr_compact || test_results_has_failure_runs(rs)) &&
	    (err = split_failed_lines(rs, &over, &back, o->quarantine ? &q : NULL, &n)) < 0)
		goto done;
	if (back.nr && (err = test_results_move(rs, &back)) < 0)
		goto done;
	if (rs->nr)
		qsort(rs->v, rs->nr, sizeof(*rs->v), test_case_cmp);
	for (size_t i = 0; !err && i < rs->nr; i++) {
		struct test_case *c = &rs->v[i];

		if ((c->outcome == TEST_PASS && !c->flaky) || c->outcome == TEST_SKIP) {
			err = test_results_compact(rs, c->outcome, c->time_s, c->classname, c->name, c->message);
			continue;
		}
		if (c->outcome >= TEST_FAIL && nfull >= TEST_FULL_MAX && !in_quarantine(o->quarantine ? &q : NULL, c)) {
			/* beyond the first TEST_FULL_MAX: a line of tests.failed */
			n.tests++;
			*(c->outcome == TEST_FAIL ? &n.failed : &n.errors) += 1;
			err = test_results_compact(&over, c->outcome, c->time_s, c->classname, c->name,
						   c->message ? c->message : test_outcome_name(c->outcome));
			continue;
		}
		/* a quarantined failure does not take one of the places */
		nfull += c->outcome >= TEST_FAIL && !in_quarantine(o->quarantine ? &q : NULL, c);
		err = add_case(r, c, o->quarantine ? &q : NULL, &n, &flaky_md, &quar_md, &expired);
		if (!err && o->baseline) {
			struct qg_check *last = r->checks[r->nr_checks - 1];

			if (qg_strmap_add(&ids, last->id, strlen(last->id)) < 0)
				err = QG_ENOMEM;
		}
	}
	if (!err && (rs->nr_compact || rs->nr_runs)) {
		long long k[4] = { 0 };

		err = test_compact_check(r, rs, 0, o->baseline ? &ids : NULL, k);
		n.tests += k[0] + k[1];
		n.passed += k[0];
		n.skipped += k[1];
	}
	if (!err)
		err = test_compact_check(r, &over, 1, o->baseline ? &ids : NULL, NULL);
	if (err)
		goto done;
	/* errors outside any case, and what the reports declare beyond their cases */
	if (rs->suite_errors) {
		n.errors += rs->suite_errors;
		if (!(ck = qg_result_add_check(r, "tests.suite", QG_STATUS_ERROR,
					       "%lld error(s) outside any test case (a suite-level <error>, Bail out!)",
					       rs->suite_errors)))
			goto nomem;
		qg_check_set_count(ck, rs->suite_errors);
	}
	if (rs->declared_failures + rs->declared_errors > n.failed + n.errors + n.quarantined) {
		long long extra = rs->declared_failures + rs->declared_errors - (n.failed + n.errors + n.quarantined);

		n.failed += extra;
		if (!(ck = qg_result_add_check(r, "tests.declared", QG_STATUS_FAIL,
					       "the reports declare %lld failure(s) and %lld error(s) their test cases "
					       "do not carry", rs->declared_failures, rs->declared_errors)))
			goto nomem;
		qg_check_set_count(ck, extra);
	}
	if (info->command_run && info->command_reports && (n.tests || rs->suite_errors)) {
		int bad = info->command_exit != 0;
		int tests_bad = n.failed + n.errors > 0;

		if (!bad)
			ck = qg_result_add_check(r, "tests.command", QG_STATUS_PASS, "'%s' exited with 0",
						 info->command_name);
		else if (tests_bad)
			ck = qg_result_add_check(r, "tests.command", QG_STATUS_FAIL, "'%s' ended with %s",
						 info->command_name, info->command_how);
		else
			ck = qg_result_add_check(r, "tests.command", QG_STATUS_FAIL,
						 "'%s' ended with %s although every reported test passed "
						 "(a crash after the reports, or a failure they do not show)",
						 info->command_name, info->command_how);
		if (!ck)
			goto nomem;
	}
	if (o->min_tests >= 0) {
		ck = qg_result_add_check(r, "tests.min", n.tests >= o->min_tests ? QG_STATUS_PASS : QG_STATUS_FAIL,
					 "%lld test(s) ran, at least %lld wanted", n.tests, o->min_tests);
		if (!ck)
			goto nomem;
		qg_check_observed_number(ck, (double)n.tests);
		if (qg_check_expected_string(ck, ">= %lld", o->min_tests) < 0)
			goto nomem;
	}
	if (o->max_skipped >= 0) {
		ck = qg_result_add_check(r, "tests.skipped",
					 n.skipped <= o->max_skipped ? QG_STATUS_PASS : QG_STATUS_FAIL,
					 "%lld test(s) skipped, at most %lld allowed", n.skipped, o->max_skipped);
		if (!ck)
			goto nomem;
		qg_check_observed_number(ck, (double)n.skipped);
		if (qg_check_expected_string(ck, "<= %lld", o->max_skipped) < 0)
			goto nomem;
	}
	if (o->baseline && (err = vanished(r, o->baseline, &ids, &n)) < 0)
		goto done;
	if (expired.len && !qg_result_add_check(r, "tests.quarantine", QG_STATUS_FAIL,
						"quarantine expired, failures block again: %s", expired.buf))
		goto nomem;
	if (info->orphans_killed)
		qg_gate_note("qgate-test", "killed %zu process(es) the tests left running", info->orphans_killed);
	{
		struct qg_json *m = r->metrics;

		if (!qg_json_add_number(m, "tests", (double)n.tests) ||
		    !qg_json_add_number(m, "passed", (double)n.passed) ||
		    !qg_json_add_number(m, "failed", (double)n.failed) ||
		    !qg_json_add_number(m, "errors", (double)n.errors) ||
		    !qg_json_add_number(m, "skipped", (double)n.skipped) ||
		    !qg_json_add_number(m, "flaky", (double)n.flaky) ||
		    (o->quarantine && !qg_json_add_number(m, "quarantined", (double)n.quarantined)))
			goto nomem;
	}
	err = qg_result_add_markdown(r, "%lld tests: %lld passed, %lld failed, %lld errors, %lld skipped, %lld flaky%s\n",
				     n.tests, n.passed, n.failed, n.errors, n.skipped, n.flaky,
				     n.quarantined ? " (failures in quarantine not counted as blocking)" : "");
	if (!err && flaky_md.len)
		err = qg_result_add_markdown(r, "\n**Flaky** (passed on a retry; failed attempts below):\n%s%s", flaky_md.buf,
					     n.flaky > LIST_MAX ? "- ...\n" : "");
	if (!err && quar_md.len)
		err = qg_result_add_markdown(r, "\n**Quarantined** (failed, not blocking until the date):\n%s%s",
					     quar_md.buf, n.quarantined > LIST_MAX ? "- ...\n" : "");
	goto done;
nomem:
	err = qg_error(QG_ENOMEM, "out of memory");
done:
	test_quarantine_release(&q);
	test_results_release(&over);
	test_results_release(&back);
	qg_strmap_release(&ids);
	qg_buf_release(&flaky_md);
	qg_buf_release(&quar_md);
	qg_buf_release(&expired);
	return err;
}
