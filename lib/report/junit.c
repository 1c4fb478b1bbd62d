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

static int write_property(struct qg_buf *out, const char *name, const char *value)
{
	int err = qg_buf_addf(out, "      <property name=\"%s\" value=\"", name);

	if (!err)
		err = put(out, value, 1);
	if (!err)
		err = qg_buf_addstr(out, "\"/>\n");
	return err;
}

static int write_suite(struct qg_buf *out, const struct qg_result *r, size_t id, const char *host)
{
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
	for (size_t i = 0; !err && i < r->nr_checks; i++)
		err = write_testcase(out, classname.buf, r->checks[i]);
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

int qg_junit_write(struct qg_buf *out, const struct qg_result *const *results, size_t nr)
{
	char host[256];
	int err;

	hostname(host, sizeof(host));
	err = qg_buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (size_t i = 0; !err && i < nr; i++)
		if (results[i])
			err = write_suite(out, results[i], i, host);
	if (!err)
		err = qg_buf_addstr(out, "</testsuites>\n");
	return err;
}
