/* health.c -- `health --url`: probe a deployment until it is healthy, unhealthy, or the time is up
 *
 * One GET per --interval (lib/net/http.c), each timed on the monotonic clock.
 * A probe passes when it is answered with the expected status (any 2xx by
 * default) and, with --expect-body, a body that matches (a substring, or a
 * JSON pointer and its value: health_int.h). The watch ends
 *   - healthy   when --min-probes probes have passed and the latest one did;
 *               the p95 latency of every answered probe must then be within
 *               --max-latency-p95, else the verdict is unhealthy;
 *   - unhealthy when --failure-limit probes in a row failed after something
 *               answered (a refused connection after an answer counts: the
 *               deployment went down), or at the --timeout when the latest probe
 *               failed or too few passed;
 *   - unreachable (QG_ENET, exit 3) when nothing ever answered before the
 *               timeout: a deployment still starting is waited for, not judged.
 * Each probe's own deadline is the time left, at most PROBE_TIMEOUT_S, so one
 * hung answer cannot hold the watch past --timeout. Redirects are not
 * followed: the answer of the URL given is what is judged.
 *
 * Checks: health.status (answers and their status), health.body (with
 * --expect-body), health.latency-p95 (with --max-latency-p95); metrics:
 * probes, answered, passed, failed, p50_ms, p95_ms, max_ms, last_status,
 * unanswered_before_first (probes that found nothing listening yet: neither
 * passed nor failed).
 */
#include "qgate/common.h"

#include <math.h>
#include <time.h>

#include "qgate/http.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/result.h"

#include "deploy.h"
#include "health_int.h"

#define PROBE_TIMEOUT_S 10.0
#define HEALTH_MAX_BODY ((size_t)4 << 20)

/* ------------------------------------------------------------------ body matching */

/* Resolve an RFC 6901 pointer ("" = the whole document). NULL when absent. */
static const struct qg_json *json_pointer(const struct qg_json *j, const char *ptr, size_t len,
					  int *bad)
{
	struct qg_buf tok = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *p = ptr, *end = ptr + len;

	*bad = 0;
	while (j && p < end) {
		const char *seg, *q;

		if (*p != '/') {
			*bad = 1;
			j = NULL;
			break;
		}
		seg = ++p;
		q = memchr(seg, '/', (size_t)(end - seg));
		if (!q)
			q = end;
		qg_buf_reset(&tok);
		for (const char *c = seg; c < q; c++) {
			int ch = *c;

			if (ch == '~' && c + 1 < q && (c[1] == '0' || c[1] == '1'))
				ch = *++c == '0' ? '~' : '/';
			if (qg_buf_addch(&tok, ch) < 0) {
				j = NULL;
				*bad = 2;
				break;
			}
		}
		if (!j)
			break;
		if (qg_json_type(j) == QG_JSON_OBJECT) {
			j = qg_json_get(j, tok.buf);
		} else if (qg_json_type(j) == QG_JSON_ARRAY) {
			char *e;
			unsigned long long i;

			if (!tok.len || (tok.len > 1 && tok.buf[0] == '0') || tok.buf[0] < '0' ||
			    tok.buf[0] > '9') {
				j = NULL;
				break;
			}
			errno = 0;
			i = strtoull(tok.buf, &e, 10);
			j = *e || errno || i >= qg_json_size(j) ? NULL : qg_json_at(j, (size_t)i);
		} else {
			j = NULL;
		}
		p = q;
	}
	qg_buf_release(&tok);
	return j;
}

int dp_health_body_match(const char *expect, const char *body, size_t len, struct qg_buf *why)
{
	const char *eq;
	struct qg_json *doc = NULL;
	const struct qg_json *v;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_MESSAGE);
	int bad, match = 0, err = 0;
	size_t plen;

	if (why)
		qg_buf_reset(why);
	if (!expect)
		return 1;
	eq = expect[0] == '/' ? strchr(expect, '=') : NULL;
	if (!eq) {
		size_t n = strlen(expect);

		if (!n || (n <= len && memmem(body, len, expect, n)))
			return 1;
		if (why)
			err = qg_buf_addstr(why, "the body does not contain the text");
		return err < 0 ? err : 0;
	}
	plen = (size_t)(eq - expect);
	if (qg_json_parse(&doc, body, len, "body") < 0) {
		qg_error_clear();
		if (why)
			err = qg_buf_addstr(why, "the body is not JSON");
		return err < 0 ? err : 0;
	}
	v = json_pointer(doc, expect, plen, &bad);
	if (bad == 2) {
		err = QG_ENOMEM;
	} else if (!v) {
		if (why)
			err = qg_buf_addf(why, "no %.*s in the body", (int)plen, expect);
	} else {
		const char *want = eq + 1;

		switch (qg_json_type(v)) {
		case QG_JSON_STRING:
			match = !strcmp(qg_json_string(v), want);
			break;
		case QG_JSON_NUMBER: {
			char *e;
			double w;

			errno = 0;
			w = strtod(want, &e);
			match = *want && !*e && !errno && w == qg_json_number(v);
			break;
		}
		default:
			/* true/false/null by name, objects and arrays by compact JSON */
			if (!(err = qg_json_print(&text, v, 0)))
				match = !strcmp(text.buf, want);
			break;
		}
		if (!err && !match && why) {
			qg_buf_reset(&text);
			err = qg_json_print(&text, v, 0);
			if (!err)
				err = qg_buf_addf(why, "%.*s is %.200s%s", (int)plen, expect,
						  text.buf, text.len > 200 ? "..." : "");
		}
	}
	qg_json_free(doc);
	qg_buf_release(&text);
	return err < 0 ? err : match;
}

/* ------------------------------------------------------------------ percentiles */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double dp_health_percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	if (!(p > 0))
		return v[0];
	if (p >= 100)
		return v[n - 1];
	/* nearest rank: ceil(p/100 * n), computed exactly in integers where p is
	 * a whole number so that 95% of 20 samples is rank 19, not 19.000001 */
	if (p == floor(p))
		rank = (size_t)(((unsigned long long)p * n + 99) / 100);
	else
		rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double dp_health_p95(double *v, size_t n)
{
	return dp_health_percentile(v, n, 95);
}

/* ------------------------------------------------------------------ the watch */

enum probe_fail { PROBE_OK = 0, PROBE_NOANSWER, PROBE_STATUS, PROBE_BODY };

struct watch {
	const struct dp_health_opts *o;
	double *lat; /* latencies of answered probes, ms */
	size_t nr_lat, alloc_lat;
	long probes, answered, passed, failed;
	long waited;                             /* unanswered probes before the first answer */
	long status_fails, body_fails;           /* over the whole watch */
	long streak, streak_status, streak_body; /* the current run of failures */
	long last_status;
	enum probe_fail last_fail;
	struct qg_buf last_why;  /* why the latest failed probe failed */
	struct qg_buf first_err; /* why the latest unanswered probe got no answer */
	struct qg_buf body_why;  /* why the latest body mismatch did not match */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int status_ok(const struct dp_health_opts *o, long status)
{
	return o->expect_status ? status == o->expect_status : status >= 200 && status < 300;
}

/* One probe; records it in w. 0, or QG_ENOMEM. */
static int probe(struct watch *w, const char *name, double timeout_s)
{
	struct qg_http_req req = { 0 };
	struct qg_http_resp resp;
	long status = 0;
	double t0, ms;
	int err, m;
	enum probe_fail f = PROBE_OK;

	qg_http_resp_init(&resp);
	req.method = "GET";
	req.url = w->o->url;
	req.flags = QG_HTTP_ACCEPT_ANY_STATUS | QG_HTTP_NO_REDIRECT | QG_HTTP_ALLOW_UNFRAMED;
	req.timeout_s = timeout_s;
	req.max_body = HEALTH_MAX_BODY;
	req.name = name;
	req.status_out = &status;
	if (w->o->insecure)
		req.flags |= QG_HTTP_INSECURE;
	t0 = now_s();
	err = qg_http_request(&req, &resp);
	ms = (now_s() - t0) * 1000.0;
	w->probes++;
	qg_buf_reset(&w->last_why);
	if (err == QG_ENOMEM)
		goto done;
	if (!status) {
		/* no answer: refused, reset, timed out, TLS refused; the message
		 * without its "'URL': " prefix, which the verdict names once */
		const char *msg = qg_error_last();
		size_t nl = strlen(name);

		if (msg[0] == '\'' && !strncmp(msg + 1, name, nl) &&
		    !strncmp(msg + 1 + nl, "': ", 3))
			msg += nl + 4;
		f = PROBE_NOANSWER;
		/* the message kept for "unreachable" is the latest, unless this probe
		 * only ran out of the watch's remaining time: the one before says why
		 * (refused, certificate) better than "timed out" */
		if (!(err == QG_ETIMEOUT && timeout_s < PROBE_TIMEOUT_S && w->first_err.len)) {
			qg_buf_reset(&w->first_err);
			err = qg_buf_addstr(&w->first_err, msg);
		} else {
			err = 0;
		}
		if (!err)
			err = qg_buf_addf(&w->last_why, "no answer (%s)", msg);
		qg_error_clear();
		if (err < 0 || !w->answered) {
			/* before the first answer the deployment may still be starting:
			 * waited for, not counted against it */
			w->waited++;
			goto done;
		}
		goto record;
	}
	w->answered++;
	w->last_status = status;
	if (QG_ALLOC_GROW(w->lat, w->nr_lat + 1, w->alloc_lat) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	w->lat[w->nr_lat++] = ms;
	if (!status_ok(w->o, status)) {
		f = PROBE_STATUS;
		if (w->o->expect_status)
			err = qg_buf_addf(&w->last_why, "status %ld (expected %ld)", status,
					  w->o->expect_status);
		else
			err = qg_buf_addf(&w->last_why, "status %ld (expected 2xx)", status);
	} else if (w->o->expect_body) {
		if (err == QG_ETOOBIG) {
			f = PROBE_BODY;
			err = qg_buf_addf(&w->last_why, "the body is larger than %zu bytes",
					  HEALTH_MAX_BODY);
		} else if (err < 0) {
			/* answered, but the body could not be read whole */
			f = PROBE_BODY;
			err = qg_buf_addf(&w->last_why, "the body could not be read (%s)",
					  qg_error_last());
		} else if ((m = dp_health_body_match(w->o->expect_body, resp.body.buf,
						     resp.body.len, &w->last_why)) < 0) {
			err = m;
			goto done;
		} else {
			f = m ? PROBE_OK : PROBE_BODY;
			err = 0;
		}
	} else {
		err = 0; /* a body too large or cut short does not matter when it is not judged */
	}
	qg_error_clear();
record:
	if (err < 0)
		goto done;
	w->last_fail = f;
	if (f == PROBE_OK) {
		w->passed++;
		w->streak = w->streak_status = w->streak_body = 0;
	} else {
		w->failed++;
		w->streak++;
		if (f == PROBE_BODY) {
			qg_buf_reset(&w->body_why);
			if ((err = qg_buf_add(&w->body_why, w->last_why.buf, w->last_why.len)) < 0)
				goto done;
			w->body_fails++;
			w->streak_body++;
		} else {
			w->status_fails++;
			w->streak_status++;
		}
	}
done:
	qg_http_resp_release(&resp);
	return err == QG_ENOMEM ? QG_ENOMEM : 0;
}

static void apply_defaults(struct dp_health_opts *o)
{
	if (!(o->interval_s > 0))
		o->interval_s = 1;
	if (!(o->timeout_s > 0))
		o->timeout_s = 30;
	if (o->failure_limit <= 0)
		o->failure_limit = 3;
	if (o->min_probes <= 0)
		o->min_probes = 3;
	if (o->expect_body && !*o->expect_body)
		o->expect_body = NULL;
}

static int add_metrics(struct qg_result *r, const struct watch *w, double p50, double p95,
		       double max)
{
	struct qg_json *m = r->metrics;

	if (!qg_json_add_number(m, "probes", (double)w->probes) ||
	    !qg_json_add_number(m, "answered", (double)w->answered) ||
	    !qg_json_add_number(m, "passed", (double)w->passed) ||
	    !qg_json_add_number(m, "failed", (double)w->failed))
		return QG_ENOMEM;
	if (w->nr_lat) {
		if (!qg_json_add_number(m, "p50_ms", p50) ||
		    !qg_json_add_number(m, "p95_ms", p95) || !qg_json_add_number(m, "max_ms", max))
			return QG_ENOMEM;
	}
	if (!qg_json_add_number(m, "unanswered_before_first", (double)w->waited))
		return QG_ENOMEM;
	if (w->answered && !qg_json_add_number(m, "last_status", (double)w->last_status))
		return QG_ENOMEM;
	return 0;
}

/* Round to microseconds so the reports do not carry clock noise. */
static double round_ms(double ms)
{
	return floor(ms * 1000.0 + 0.5) / 1000.0;
}

static int verdict_checks(struct qg_result *r, const struct watch *w, int by_streak,
			  int healthy_probes, double timeout_s)
{
	const struct dp_health_opts *o = w->o;
	struct qg_check *c;
	double *sorted = NULL, p50 = 0, p95 = 0, max = 0;
	int healthy = healthy_probes && w->last_fail == PROBE_OK;
	int status_fail, body_fail, err = 0;
	char expect[32];

	if (w->nr_lat) {
		sorted = malloc(w->nr_lat * sizeof(*sorted));
		if (!sorted)
			return qg_error(QG_ENOMEM, "out of memory");
		memcpy(sorted, w->lat, w->nr_lat * sizeof(*sorted));
		p50 = round_ms(dp_health_percentile(sorted, w->nr_lat, 50));
		p95 = round_ms(dp_health_p95(sorted, w->nr_lat));
		max = round_ms(sorted[w->nr_lat - 1]);
		free(sorted);
	}
	if (o->expect_status)
		snprintf(expect, sizeof(expect), "%ld", o->expect_status);
	else
		snprintf(expect, sizeof(expect), "2xx");

	/* which expectation made the verdict: the failures of the final streak,
	 * or, at the timeout with a passing latest probe, too few passes */
	status_fail = !healthy && (!w->streak || w->streak_status > 0);
	body_fail = !healthy && w->streak_body > 0;

	if (!status_fail)
		c = qg_result_add_check(r, "health.status", QG_STATUS_PASS,
					"%ld of %ld probes answered with status %s",
					w->probes - w->waited - w->status_fails,
					w->probes - w->waited, expect);
	else if (w->streak && by_streak)
		c = qg_result_add_check(r, "health.status", QG_STATUS_FAIL,
					"%ld probes in a row failed (--failure-limit %ld): %s",
					w->streak, o->failure_limit, w->last_why.buf);
	else if (w->streak)
		c = qg_result_add_check(r, "health.status", QG_STATUS_FAIL,
					"the latest probe failed when the %g s watch ended: %s",
					timeout_s, w->last_why.buf);
	else
		c = qg_result_add_check(
			r, "health.status", QG_STATUS_FAIL,
			"%ld of %ld probes passed before the %g s timeout, %ld needed (--min-probes)",
			w->passed, w->probes, timeout_s, o->min_probes);
	if (!c)
		return QG_ENOMEM;
	qg_check_set_count(c, w->status_fails);
	if (w->answered)
		qg_check_observed_number(c, (double)w->last_status);
	else
		err = qg_check_observed_string(c, "no answer");
	if (!err)
		err = qg_check_expected_string(c, "%s", expect);
	if (err < 0)
		return err;

	if (o->expect_body) {
		if (body_fail)
			c = qg_result_add_check(r, "health.body", QG_STATUS_FAIL,
						"%s (expected %s)", w->body_why.buf,
						o->expect_body);
		else
			c = qg_result_add_check(r, "health.body", QG_STATUS_PASS,
						"the body matched %s", o->expect_body);
		if (!c)
			return QG_ENOMEM;
		qg_check_set_count(c, w->body_fails);
		if ((err = qg_check_expected_string(c, "%s", o->expect_body)) < 0)
			return err;
	}

	if (o->max_latency_p95_ms > 0) {
		int over = p95 > o->max_latency_p95_ms;

		c = qg_result_add_check(r, "health.latency-p95",
					over ? QG_STATUS_FAIL : QG_STATUS_PASS,
					"p95 latency %g ms over %zu answered probes (budget %g ms)",
					p95, w->nr_lat, o->max_latency_p95_ms);
		if (!c)
			return QG_ENOMEM;
		qg_check_observed_number(c, p95);
		if ((err = qg_check_expected_string(c, "<= %g ms", o->max_latency_p95_ms)) < 0)
			return err;
	}
	if ((err = add_metrics(r, w, p50, p95, max)) < 0)
		return qg_error(err, "out of memory");
	return qg_result_add_markdown(
		r,
		"| probes | answered | passed | failed | p50 ms | p95 ms | max ms |\n"
		"|---:|---:|---:|---:|---:|---:|---:|\n| %ld | %ld | %ld | %ld | %g | %g | %g |\n",
		w->probes, w->answered, w->passed, w->failed, p50, p95, max);
}

int dp_health_watch(struct qg_result *r, const struct dp_health_opts *opts)
{
	struct dp_health_opts o = *opts;
	struct watch w = { 0 };
	char *name = NULL;
	double start, deadline, t0;
	int err = 0, by_streak = 0, healthy_probes = 0;

	apply_defaults(&o);
	w.o = &o;
	qg_buf_init(&w.last_why, QG_CAP_MESSAGE);
	qg_buf_init(&w.first_err, QG_CAP_MESSAGE);
	qg_buf_init(&w.body_why, QG_CAP_MESSAGE);
	if (!o.url || (strncmp(o.url, "http://", 7) && strncmp(o.url, "https://", 8))) {
		err = qg_error(QG_EUSAGE, "'%s': expected an http:// or https:// URL",
			       o.url ? o.url : "");
		goto done;
	}
	if (o.expect_status && (o.expect_status < 100 || o.expect_status > 599)) {
		err = qg_error(QG_EUSAGE, "--expect-status %ld: expected an HTTP status 100..599",
			       o.expect_status);
		goto done;
	}
	name = qg_redact_url(o.url);
	if (!name) {
		err = QG_ENOMEM;
		goto done;
	}
	start = now_s();
	deadline = start + o.timeout_s;
	for (;;) {
		double left;

		t0 = now_s();
		left = deadline - t0;
		if (left <= 0)
			break;
		if ((err = probe(&w, name, left < PROBE_TIMEOUT_S ? left : PROBE_TIMEOUT_S)) < 0)
			goto done;
		if (w.answered && w.streak >= o.failure_limit) {
			by_streak = 1;
			break;
		}
		if (w.passed >= o.min_probes && w.last_fail == PROBE_OK) {
			healthy_probes = 1;
			break;
		}
		if (t0 + o.interval_s >= deadline)
			break;
		sleep_s(t0 + o.interval_s - now_s());
	}
	if (!w.answered) {
		err = qg_error(QG_ENET,
			       "'%s': unreachable: no answer in %ld probe%s over %g s (%s)", name,
			       w.probes, w.probes == 1 ? "" : "s", o.timeout_s,
			       w.first_err.len ? w.first_err.buf : "no probe could start");
		goto done;
	}
	err = verdict_checks(r, &w, by_streak, healthy_probes, o.timeout_s);
done:
	free(w.lat);
	free(name);
	qg_buf_release(&w.last_why);
	qg_buf_release(&w.first_err);
	qg_buf_release(&w.body_why);
	return err;
}
