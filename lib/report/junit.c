/* junit.c -- JUnit XML reports valid against the Ant and Jenkins schemas
 *
 * One <testsuites> (no attributes) holding one <testsuite> per result, in the
 * element order the Ant schema demands: <properties>, the <testcase>s,
 * <system-out>, <system-err>. Each check is a testcase; a failed one carries
 * <failure>, an errored one <error>, a skipped one <skipped/>. A run that is
 * an error without an errored check (gate-level error, nothing evaluated)
 * gets one extra testcase "gate" with <error>, so a JUnit consumer never
 * reads it as green. Times have at most three decimals (Jenkins' pattern),
 * the timestamp has no zone (Ant's pattern). Text XML 1.0 cannot carry (C0
 * controls other than tab/LF/CR, U+FFFE/U+FFFF, invalid UTF-8) becomes
 * U+FFFD, never dropped.
 */
#include "qgate/common.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

#include "qgate/json.h"
#include "qgate/junit.h"
#include "qgate/report.h"
#include "qgate/utf8.h"
#include "qgate/result.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* attr: escape tab/LF/CR as character references so attribute-value
 * normalisation keeps them; in element text they stay literal (CR is always
 * a reference, parsers would turn it into LF). */
static int xml_escape(struct qg_buf *out, const char *s, size_t len, int attr)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t i = 0;
	int err = 0;

	while (!err && i < len) {
		size_t start = i;
		unsigned cp = 0;
		size_t n;

		while (i < len && p[i] >= 0x20 && p[i] < 0x80 && !strchr("&<>\"'", p[i]))
			i++;
		if (i > start && (err = qg_buf_add(out, p + start, i - start)))
			break;
		if (i >= len)
			break;
		switch (p[i]) {
		case '&':
			err = qg_buf_addstr(out, "&amp;");
			i++;
			continue;
		case '<':
			err = qg_buf_addstr(out, "&lt;");
			i++;
			continue;
		case '>':
			err = qg_buf_addstr(out, "&gt;");
			i++;
			continue;
		case '"':
			err = qg_buf_addstr(out, "&quot;");
			i++;
			continue;
		case '\'':
			err = qg_buf_addstr(out, "&apos;");
			i++;
			continue;
		case '\t':
			err = attr ? qg_buf_addstr(out, "&#9;") : qg_buf_addch(out, '\t');
			i++;
			continue;
		case '\n':
			err = attr ? qg_buf_addstr(out, "&#10;") : qg_buf_addch(out, '\n');
			i++;
			continue;
		case '\r':
			err = qg_buf_addstr(out, "&#13;");
			i++;
			continue;
		default:
			break;
		}
		n = qg_utf8_decode(p + i, len - i, &cp);
		if (!n || cp < 0x20 || cp == 0xfffe || cp == 0xffff) {
			err = qg_buf_addstr(out, REPLACEMENT);
			i += n ? n : 1;
			continue;
		}
		err = qg_buf_add(out, p + i, n);
		i += n;
	}
	return err;
}

int qg_xml_escape(struct qg_buf *out, const char *s, size_t len)
{
	return xml_escape(out, s, len, 1);
}

/* Redact, then escape. */
static int put(struct qg_buf *out, const char *s, int attr)
{
	struct qg_buf r = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_redact(&r, s ? s : "");

	if (!err)
		err = xml_escape(out, r.buf, r.len, attr);
	qg_buf_release(&r);
	return err;
}

/* put() through a scratch buffer the caller keeps (one per case list, not
 * an allocation per string). */
static int put_with(struct qg_buf *out, struct qg_buf *scratch, const char *s, int attr)
{
	int err;

	qg_buf_reset(scratch);
	err = qg_redact(scratch, s ? s : "");
	return err ? err : xml_escape(out, scratch->buf, scratch->len, attr);
}

static int put_time(struct qg_buf *out, double seconds)
{
	if (!isfinite(seconds) || seconds < 0)
		seconds = 0;
	return qg_buf_addf(out, "%.3f", seconds);
}

static void hostname(char *out, size_t n)
{
	if (gethostname(out, n) < 0 || !out[0]) {
		snprintf(out, n, "localhost");
		return;
	}
	out[n - 1] = '\0';
	/* a token: no blanks at all keeps both schemas and readers happy */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p <= ' ')
			*p = '-';
}

static double check_seconds(const struct qg_check *c)
{
	double ms = qg_json_number(qg_json_get(c->details, "duration_ms"));

	return isfinite(ms) && ms > 0 ? ms / 1000.0 : 0;
}

/* The body of <failure>/<error>: the message, observed/expected, then one
 * "file:line:col: message" line per kept location. */
static int check_text(struct qg_buf *t, const struct qg_check *c)
{
	int err = qg_buf_addstr(t, c->message ? c->message : "");

	if (!err && (c->flags & QG_CHECK_HAS_COUNT))
		err = qg_buf_addf(t, "\ncount: %lld", c->count);
	if (!err && c->observed.kind != QG_VALUE_NONE) {
		err = qg_buf_addstr(t, "\nobserved: ");
		if (!err)
			err = qg_value_format(t, &c->observed);
	}
	if (!err && c->expected.kind != QG_VALUE_NONE) {
		err = qg_buf_addstr(t, "\nexpected: ");
		if (!err)
			err = qg_value_format(t, &c->expected);
	}
	for (size_t i = 0; !err && i < c->nr_locations; i++) {
		err = qg_buf_addch(t, '\n');
		if (!err)
			err = qg_location_format(t, c, &c->locations[i]);
	}
	if (!err && (c->flags & QG_CHECK_HAS_COUNT) && c->count > (long long)c->nr_locations &&
	    c->nr_locations)
		err = qg_buf_addf(t, "\n... and %lld more", c->count - (long long)c->nr_locations);
	return err;
}

static int write_problem(struct qg_buf *out, const char *elem, const char *type, const char *message,
			 const char *text)
{
	int err = qg_buf_addf(out, "      <%s message=\"", elem);

	if (!err)
		err = put(out, message, 1);
	if (!err)
		err = qg_buf_addf(out, "\" type=\"%s\">", type);
	if (!err)
		err = put(out, text, 0);
	if (!err)
		err = qg_buf_addf(out, "</%s>\n", elem);
	return err;
}

static int write_testcase(struct qg_buf *out, const char *classname, const struct qg_check *c)
{
	struct qg_buf t = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addstr(out, "    <testcase classname=\"");

	if (!err)
		err = put(out, classname, 1);
	if (!err)
		err = qg_buf_addstr(out, "\" name=\"");
	if (!err)
		err = put(out, c->id, 1);
	if (!err)
		err = qg_buf_addstr(out, "\" time=\"");
	if (!err)
		err = put_time(out, check_seconds(c));
	if (err)
		return err;
	switch (c->status) {
	case QG_STATUS_PASS:
		return qg_buf_addstr(out, "\"/>\n");
	case QG_STATUS_SKIP:
		err = qg_buf_addstr(out, "\">\n      <skipped message=\"");
		if (!err)
			err = put(out, c->message, 1);
		if (!err)
			err = qg_buf_addstr(out, "\"/>\n    </testcase>\n");
		return err;
	default:
		break;
	}
	err = qg_buf_addstr(out, "\">\n");
	if (!err)
		err = check_text(&t, c);
	if (!err) {
		if (c->status == QG_STATUS_FAIL)
			err = write_problem(out, "failure", "qgate.fail", c->message, t.buf);
		else
			err = write_problem(out, "error", "qgate.error", c->message, t.buf);
	}
	if (!err)
		err = qg_buf_addstr(out, "    </testcase>\n");
	qg_buf_release(&t);
	return err;
}

/* A check that stands for many cases (qgate-test's tests.passed) lists them
 * in its details as "cases": one line each, "<p|s|f|e>\t<ms|->\t<name>\t
 * <message>", the testcase's name being the last "c\t<prefix>" line's
 * prefix + name (a run of cases shares its class so), prefix, name and
 * message with backslash, tab, LF and CR escaped as \\ \t \n \r. Each
 * case is a <testcase> of its own (passed, skipped, failed, errored); the
 * check itself is not written. */
static const char *check_cases(const struct qg_check *c)
{
	return c->details ? qg_json_string(qg_json_get(c->details, "cases")) : NULL;
}

/* The cases of a check, a line at a time, from its details string or from
 * its spool (result.h: a piece of whole lines at a time). */
struct cases_src {
	const char *p;          /* the next line of the text or of the piece */
	const char *end;
	struct qg_spool *spool; /* NULL: the text is all there is */
	struct qg_buf piece;
};

static int has_cases(const struct qg_check *c)
{
	return (c->spool && c->spool_key && !strcmp(c->spool_key, "cases")) || check_cases(c);
}

static int cases_begin(struct cases_src *cs, const struct qg_check *c)
{
	const char *text = NULL;

	qg_buf_init(&cs->piece, QG_CAP_REPORT);
	cs->spool = c->spool && c->spool_key && !strcmp(c->spool_key, "cases") ? c->spool : NULL;
	if (!cs->spool)
		text = check_cases(c);
	cs->p = text ? text : "";
	cs->end = cs->p + strlen(cs->p);
	return cs->spool ? qg_spool_rewind(cs->spool) : 0;
}

/* 1 and the next line (without its newline), 0 at the end, or an error. */
static int cases_line(struct cases_src *cs, const char **line, size_t *len)
{
	const char *nl;
	int more;

	while (cs->p >= cs->end) {
		if (!cs->spool)
			return 0;
		qg_buf_reset(&cs->piece);
		if ((more = qg_spool_next(cs->spool, &cs->piece)) <= 0)
			return more;
		cs->p = cs->piece.buf;
		cs->end = cs->piece.buf + cs->piece.len;
	}
	nl = memchr(cs->p, '\n', (size_t)(cs->end - cs->p));
	*line = cs->p;
	*len = nl ? (size_t)(nl - cs->p) : (size_t)(cs->end - cs->p);
	cs->p += *len + (nl ? 1 : 0);
	return 1;
}

static void cases_end(struct cases_src *cs)
{
	qg_buf_release(&cs->piece);
}

struct case_line {
	char outcome;
	double ms;
	const char *name, *msg;
	size_t name_len, msg_len;
};

static int case_parse(struct case_line *l, const char *s, size_t len)
{
	const char *end = s + len, *t1, *t2;
	char *e;

	if (len < 4 || !strchr("psfe", s[0]) || s[1] != '\t' || !(t1 = memchr(s + 2, '\t', len - 2)) ||
	    !(t2 = memchr(t1 + 1, '\t', (size_t)(end - t1 - 1))))
		return -1;
	l->outcome = s[0];
	l->ms = -1;
	if (!(t1 - s == 3 && s[2] == '-')) {
		l->ms = strtod(s + 2, &e);
		if (e != t1)
			return -1;
	}
	l->name = t1 + 1;
	l->name_len = (size_t)(t2 - t1 - 1);
	l->msg = t2 + 1;
	l->msg_len = (size_t)(end - t2 - 1);
	return 0;
}

static int unescape_add(struct qg_buf *out, const char *s, size_t len);

static int unescape(struct qg_buf *out, const char *s, size_t len)
{
	qg_buf_reset(out);
	return unescape_add(out, s, len);
}

static int unescape_add(struct qg_buf *out, const char *s, size_t len)
{
	int err = 0;

	for (size_t i = 0; !err && i < len; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 1 < len) {
			ch = s[++i];
			ch = ch == 't' ? '\t' : ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch;
		}
		err = qg_buf_addch(out, ch);
	}
	return err;
}

/* Count a check's cases: every line, and the skipped/failed/errored ones. */
static int count_cases(const struct qg_check *c, size_t *tests, size_t *skipped, size_t *failed, size_t *errors)
{
	struct cases_src cs;
	const char *p;
	size_t len;
	int err = cases_begin(&cs, c), more = 0;

	while (!err && (more = cases_line(&cs, &p, &len)) > 0) {
		if (len && *p != 'c') {
			(*tests)++;
			*skipped += *p == 's';
			*failed += *p == 'f';
			*errors += *p == 'e';
		}
	}
	cases_end(&cs);
	return err ? err : more;
}

static int write_cases(struct qg_sink *sink, const char *classname, const struct qg_check *c)
{
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE), msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf prefix = QG_BUF_INIT(QG_CAP_MESSAGE), head = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf red = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct qg_buf *out = sink->buf;
	struct cases_src cs;
	struct case_line l;
	const char *p;
	size_t len;
	int err, more = 0;

	/* once for all the cases: the element's head, its classname escaped */
	err = qg_buf_addstr(&head, "    <testcase classname=\"");
	if (!err)
		err = put(&head, classname, 1);
	if (!err)
		err = qg_buf_addstr(&head, "\" name=\"");
	if (!err)
		err = cases_begin(&cs, c);
	else
		qg_buf_init(&cs.piece, QG_CAP_REPORT);
	while (!err && (more = cases_line(&cs, &p, &len)) > 0) {
		if (len >= 2 && p[0] == 'c' && p[1] == '\t')
			err = unescape(&prefix, p + 2, len - 2);
		else if (len && case_parse(&l, p, len) < 0)
			err = qg_error(QG_ERROR, "internal: a malformed case line in a check's \"cases\"");
		else if (len && !(err = unescape(&msg, l.msg, l.msg_len))) {
			/* the name whole (prefix + name), so redaction sees what a reader does */
			qg_buf_setlen(&name, 0);
			err = qg_buf_add(&name, prefix.buf, prefix.len);
			if (!err)
				err = unescape_add(&name, l.name, l.name_len);
			if (!err)
				err = qg_buf_add(out, head.buf, head.len);
			if (!err)
				err = put_with(out, &red, name.buf, 1);
			if (!err)
				err = qg_buf_addstr(out, "\" time=\"");
			if (!err)
				err = put_time(out, l.ms > 0 ? l.ms / 1000.0 : 0);
			if (!err && l.outcome == 'p') {
				err = qg_buf_addstr(out, "\"/>\n");
			} else if (!err && l.outcome == 's') {
				err = qg_buf_addstr(out, "\">\n      <skipped message=\"");
				if (!err)
					err = put_with(out, &red, msg.len ? msg.buf : "skipped", 1);
				if (!err)
					err = qg_buf_addstr(out, "\"/>\n    </testcase>\n");
			} else if (!err) {
				err = qg_buf_addstr(out, "\">\n");
				if (!err)
					err = write_problem(out, l.outcome == 'f' ? "failure" : "error",
							    l.outcome == 'f' ? "qgate.fail" : "qgate.error", msg.buf, msg.buf);
				if (!err)
					err = qg_buf_addstr(out, "    </testcase>\n");
			}
			if (!err) /* the report goes out as it is made */
				err = qg_sink_check(sink);
		}
	}
	if (!err && more < 0)
		err = more;
	cases_end(&cs);
	qg_buf_release(&red);
	qg_buf_release(&name);
	qg_buf_release(&msg);
	qg_buf_release(&prefix);
	qg_buf_release(&head);
	return err;
}

/* A flaky check (details "flaky": true, "failed_attempts": [messages]):
 * its failed attempts are kept beside it, one <testcase> each named
 * "<check id> [attempt N of M failed]" holding <skipped> with the
 * attempt's message. Neither schema allows anything else to record them:
 * the Ant schema's <testcase> holds at most one of skipped/error/failure
 * (no system-out), and a <failure> would fail a build the gate passed. */
static const struct qg_json *failed_attempts(const struct qg_check *c)
{
	const struct qg_json *a;

	if (!c->details || qg_json_bool(qg_json_get(c->details, "flaky")) != 1)
		return NULL;
	a = qg_json_get(c->details, "failed_attempts");
	return qg_json_type(a) == QG_JSON_ARRAY && qg_json_size(a) ? a : NULL;
}

static int write_attempts(struct qg_buf *out, const char *classname, const struct qg_check *c,
			  const struct qg_json *attempts)
{
	struct qg_buf name = QG_BUF_INIT(QG_CAP_MESSAGE), msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	double total = qg_json_number(qg_json_get(c->details, "attempts"));
	size_t n = qg_json_size(attempts), k = 0;
	long long m = isfinite(total) && total > (double)n ? (long long)total : (long long)n + 1;
	int err = 0;

	for (const struct qg_json *a = qg_json_first(attempts); !err && a; a = qg_json_next(a)) {
		const char *text = qg_json_string(a);

		k++;
		qg_buf_reset(&name);
		qg_buf_reset(&msg);
		err = qg_buf_addf(&name, "%s [attempt %zu of %lld failed]", c->id, k, m);
		if (!err) /* the attempt's first line; the element's text has all of it */
			err = qg_buf_addf(&msg, "flaky: attempt %zu of %lld failed, attempt %lld passed: %.*s", k, m, m,
					  (int)strcspn(text ? text : "", "\n"), text ? text : "");
		if (!err)
			err = qg_buf_addstr(out, "    <testcase classname=\"");
		if (!err)
			err = put(out, classname, 1);
		if (!err)
			err = qg_buf_addstr(out, "\" name=\"");
		if (!err)
			err = put(out, name.buf, 1);
		if (!err)
			err = qg_buf_addstr(out, "\" time=\"0.000\">\n      <skipped message=\"");
		if (!err)
			err = put(out, msg.buf, 1);
		if (!err)
			err = qg_buf_addstr(out, "\">");
		if (!err)
			err = put(out, text ? text : "", 0);
		if (!err)
			err = qg_buf_addstr(out, "</skipped>\n    </testcase>\n");
	}
	qg_buf_release(&name);
	qg_buf_release(&msg);
	return err;
}

static int write_property(struct qg_buf *out, const char *name, const char *value)
{
	int err = qg_buf_addf(out, "      <property name=\"%s\" value=\"", name);

	if (!err)
		err = put(out, value, 1);
	if (!err)
		err = qg_buf_addstr(out, "\"/>\n");
	return err;
}

static int write_suite(struct qg_sink *sink, const struct qg_result *r, size_t id, const char *host)
{
	struct qg_buf *out = sink->buf;
	struct qg_summary s;
	struct qg_buf classname = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *reason = NULL;
	char ts[32], num[32];
	time_t t = (time_t)(r->started_at_ms >= 0 ? r->started_at_ms / 1000 : 0);
	struct tm tm;
	size_t tests, errors;
	int err;

	qg_result_summary(r, &s);
	if (qg_result_status(r) == QG_STATUS_ERROR && (r->error_exit || !s.errors))
		reason = qg_result_error_reason(r);
	/* a check standing for cases is written as those cases; a flaky
	 * one's failed attempts are testcases beside it */
	for (size_t i = 0; i < r->nr_checks; i++) {
		const struct qg_check *c = r->checks[i];
		const struct qg_json *att = failed_attempts(c);

		if (has_cases(c)) {
			s.checks--;
			if (c->status == QG_STATUS_SKIP)
				s.skipped--;
			else if (c->status == QG_STATUS_FAIL)
				s.failed--;
			else if (c->status == QG_STATUS_ERROR)
				s.errors--;
			if ((err = count_cases(c, &s.checks, &s.skipped, &s.failed, &s.errors)) < 0)
				return err;
		} else if (att) {
			s.checks += qg_json_size(att);
			s.skipped += qg_json_size(att);
		}
	}
	tests = s.checks + (reason ? 1 : 0);
	errors = s.errors + (reason ? 1 : 0);
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	err = qg_buf_addf(&classname, "qgate.%s", r->gate ? r->gate : "gate");
	if (!err)
		err = qg_buf_addstr(out, "  <testsuite name=\"");
	if (!err)
		err = put(out, classname.buf, 1);
	if (!err)
		err = qg_buf_addf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"",
				  tests, s.failed, errors, s.skipped);
	if (!err)
		err = put_time(out, r->duration_ms > 0 ? (double)r->duration_ms / 1000.0 : 0);
	if (!err)
		err = qg_buf_addf(out, "\" timestamp=\"%s\" hostname=\"", ts);
	if (!err)
		err = put(out, host, 1);
	if (!err)
		err = qg_buf_addf(out, "\" id=\"%zu\" package=\"qgate\">\n    <properties>\n", id);
	if (!err)
		err = write_property(out, "qgate.gate", r->gate ? r->gate : "");
	if (!err)
		err = write_property(out, "qgate.version", r->version ? r->version : "");
	if (!err)
		err = write_property(out, "qgate.status", qg_status_name(qg_result_status(r)));
	snprintf(num, sizeof(num), "%d", qg_result_exit_code(r));
	if (!err)
		err = write_property(out, "qgate.exit_code", num);
	if (!err && r->subject.in_repo && r->subject.commit[0])
		err = write_property(out, "qgate.commit", r->subject.commit);
	if (!err && r->subject.in_repo && r->subject.ref)
		err = write_property(out, "qgate.ref", r->subject.ref);
	if (!err)
		err = qg_buf_addstr(out, "    </properties>\n");
	for (size_t i = 0; !err && i < r->nr_checks; i++) {
		const struct qg_check *c = r->checks[i];
		const struct qg_json *att = failed_attempts(c);

		if (has_cases(c)) {
			err = write_cases(sink, classname.buf, c);
			continue;
		}
		err = write_testcase(out, classname.buf, c);
		if (!err && att)
			err = write_attempts(out, classname.buf, c, att);
		if (!err)
			err = qg_sink_check(sink);
	}
	if (!err && reason) {
		err = qg_buf_addstr(out, "    <testcase classname=\"");
		if (!err)
			err = put(out, classname.buf, 1);
		if (!err)
			err = qg_buf_addstr(out, "\" name=\"gate\" time=\"0.000\">\n");
		if (!err)
			err = write_problem(out, "error", r->error_exit == QG_EXIT_USAGE ? "qgate.usage" : "qgate.error",
					    reason, reason);
		if (!err)
			err = qg_buf_addstr(out, "    </testcase>\n");
	}
	if (!err)
		err = qg_buf_addstr(out, "    <system-out>");
	if (!err && r->report_md)
		err = put(out, r->report_md, 0);
	if (!err)
		err = qg_buf_addstr(out, "</system-out>\n    <system-err>");
	if (!err && reason)
		err = put(out, reason, 0);
	if (!err)
		err = qg_buf_addstr(out, "</system-err>\n  </testsuite>\n");
	qg_buf_release(&classname);
	return err;
}

int qg_junit_write_sink(struct qg_sink *sink, const struct qg_result *const *results, size_t nr)
{
	struct qg_buf *out = sink->buf;
	char host[256];
	int err;

	hostname(host, sizeof(host));
	err = qg_buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (size_t i = 0; !err && i < nr; i++)
		if (results[i])
			err = write_suite(sink, results[i], i, host);
	if (!err)
		err = qg_buf_addstr(out, "</testsuites>\n");
	return err ? err : qg_sink_flush(sink);
}

int qg_junit_write(struct qg_buf *out, const struct qg_result *const *results, size_t nr)
{
	struct qg_sink sink = { out, 0, NULL, NULL };

	return qg_junit_write_sink(&sink, results, nr);
}
