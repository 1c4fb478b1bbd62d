/* text.c -- the human report on stdout
 *
 * One aligned line per check (status word, id, message, then count /
 * observed / expected; failed checks first, then errors, then passed,
 * warned and skipped ones, each group in the gate's order), the first few
 * locations under each failed or errored check (all of them with -v), the
 * gate's Markdown block, the
 * summary counts and a last verdict line such as
 * "qgate-model: PASS (5 checks)" that counts the checks that ran (skipped
 * ones are named apart). Observed numbers are shown to 6 significant digits
 * (integers whole); the JSON report keeps every digit. Passed checks are
 * listed too unless there are many of them (then -v lists them); -q keeps
 * only problems and the verdict. ANSI colours only with QG_TEXT_COLOR.
 * Messages are redacted.
 */
#include "qgate/common.h"

#include <math.h>

#include "qgate/report.h"
#include "qgate/utf8.h"
#include "qgate/result.h"

#define TEXT_LOCATIONS 3      /* shown per check without -v */
#define TEXT_PASSED_LIST 50   /* passed checks listed without -v */
#define TEXT_ID_WIDTH_MAX 48

#define C_RESET "\033[0m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_MAGENTA "\033[35m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

static const char *status_word(enum qg_status s)
{
	switch (s) {
	case QG_STATUS_PASS:
		return "PASS";
	case QG_STATUS_FAIL:
		return "FAIL";
	case QG_STATUS_SKIP:
		return "SKIP";
	default:
		return "ERROR";
	}
}

static const char *status_color(enum qg_status s, unsigned flags)
{
	switch (s) {
	case QG_STATUS_PASS:
		return (flags & QG_CHECK_WARNING) ? C_YELLOW : C_GREEN;
	case QG_STATUS_FAIL:
		return C_RED;
	case QG_STATUS_SKIP:
		return C_YELLOW;
	default:
		return C_MAGENTA;
	}
}

/* Redacted, and safe for a terminal: control characters (ESC above all) and
 * invalid UTF-8 become U+FFFD; newlines too unless allow_nl. */
static int put_clean(struct qg_buf *out, const char *s, int allow_nl)
{
	struct qg_buf r = QG_BUF_INIT(QG_CAP_MESSAGE);
	const unsigned char *p;
	int err = qg_redact(&r, s ? s : "");

	p = (const unsigned char *)r.buf;
	for (size_t i = 0; !err && i < r.len;) {
		unsigned c = p[i];
		size_t n = 1;

		if (c >= 0x80) {
			n = qg_utf8_decode(p + i, r.len - i, NULL);
			if (!n) {
				err = qg_buf_addstr(out, "\xef\xbf\xbd");
				i++;
				continue;
			}
		} else if ((c < 0x20 && c != '\t' && !(allow_nl && c == '\n')) || c == 0x7f) {
			err = qg_buf_addstr(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		err = qg_buf_add(out, p + i, n);
		i += n;
	}
	qg_buf_release(&r);
	return err;
}

static int add_redacted(struct qg_buf *out, const char *s)
{
	return put_clean(out, s, 0);
}

static size_t utf8_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* An observed value for people: a non-integer number to 6 significant
 * digits (0.8123456789 -> 0.812346), anything else as qg_value_format. */
static int observed_format(struct qg_buf *out, const struct qg_value *v)
{
	if (v->kind == QG_VALUE_NUMBER && isfinite(v->number) &&
	    !(v->number == floor(v->number) && fabs(v->number) < 1e15))
		return qg_buf_addf(out, "%.6g", v->number);
	return qg_value_format(out, v);
}

static int check_line(struct qg_buf *out, const struct qg_check *c, size_t idw, unsigned flags)
{
	int color = flags & QG_TEXT_COLOR;
	const char *word = (c->status == QG_STATUS_PASS && (c->flags & QG_CHECK_WARNING)) ? "WARN"
											: status_word(c->status);
	struct qg_buf v = QG_BUF_INIT(QG_CAP_MESSAGE);
	size_t w;
	int err, sep = 0;

	err = qg_buf_addf(out, "  %s%-5s%s  ", color ? status_color(c->status, c->flags) : "", word,
			  color ? C_RESET : "");
	if (!err)
		err = add_redacted(out, c->id);
	w = utf8_width(c->id);
	for (; !err && w < idw; w++)
		err = qg_buf_addch(out, ' ');
	if (!err && c->message && *c->message) {
		err = qg_buf_addstr(out, "  ");
		if (!err)
			err = add_redacted(out, c->message);
	}
	if (!err && ((c->flags & QG_CHECK_HAS_COUNT) || c->observed.kind || c->expected.kind))
		err = qg_buf_addf(out, "%s [", color ? C_DIM : "");
	else
		goto end;
	if (!err && (c->flags & QG_CHECK_HAS_COUNT)) {
		err = qg_buf_addf(out, "count %lld", c->count);
		sep = 1;
	}
	if (!err && c->observed.kind) {
		err = qg_buf_addstr(out, sep ? ", observed " : "observed ");
		if (!err && !(err = observed_format(&v, &c->observed)))
			err = add_redacted(out, v.buf);
		sep = 1;
	}
	if (!err && c->expected.kind) {
		qg_buf_reset(&v);
		err = qg_buf_addstr(out, sep ? ", expected " : "expected ");
		if (!err && !(err = qg_value_format(&v, &c->expected)))
			err = add_redacted(out, v.buf);
	}
	if (!err)
		err = qg_buf_addf(out, "]%s", color ? C_RESET : "");
end:
	if (!err)
		err = qg_buf_addch(out, '\n');
	qg_buf_release(&v);
	return err;
}

static int locations(struct qg_buf *out, const struct qg_check *c, unsigned flags)
{
	size_t max = (flags & QG_TEXT_VERBOSE) ? c->nr_locations : TEXT_LOCATIONS;
	struct qg_buf l = QG_BUF_INIT(QG_CAP_MESSAGE);
	long long more;
	int err = 0;

	for (size_t i = 0; !err && i < c->nr_locations && i < max; i++) {
		qg_buf_reset(&l);
		err = qg_buf_addstr(out, "         ");
		if (!err)
			err = qg_location_format(&l, c, &c->locations[i]);
		if (!err)
			err = add_redacted(out, l.buf);
		if (!err)
			err = qg_buf_addch(out, '\n');
	}
	more = (c->flags & QG_CHECK_HAS_COUNT) && c->count > (long long)c->nr_locations
		       ? c->count - (long long)(c->nr_locations < max ? c->nr_locations : max)
		       : (long long)(c->nr_locations > max ? c->nr_locations - max : 0);
	if (!err && more > 0 && c->nr_locations)
		err = qg_buf_addf(out, "         ... and %lld more\n", more);
	qg_buf_release(&l);
	return err;
}

int qg_report_check_rank(const struct qg_check *c)
{
	if (c->status == QG_STATUS_FAIL)
		return 0;
	if (c->status == QG_STATUS_PASS || c->status == QG_STATUS_SKIP)
		return 2;
	return 1;
}

int qg_text_render(struct qg_buf *out, const struct qg_result *r, unsigned flags)
{
	int color = flags & QG_TEXT_COLOR, quiet = flags & QG_TEXT_QUIET, verbose = flags & QG_TEXT_VERBOSE;
	enum qg_status st = qg_result_status(r);
	const char *reason = qg_result_error_reason(r);
	const char *gate = r->gate ? r->gate : "gate";
	struct qg_summary s;
	size_t idw = 0;
	int list_passed, err = 0;

	qg_result_summary(r, &s);
	list_passed = !quiet && (verbose || s.passed <= TEXT_PASSED_LIST);
	for (size_t i = 0; i < r->nr_checks; i++) {
		size_t w = utf8_width(r->checks[i]->id);

		if (w > idw && w <= TEXT_ID_WIDTH_MAX)
			idw = w;
	}
	/* failing checks first, then errors, then the rest (warnings, passes,
	 * skips), each group in the gate's order */
	for (int rank = 0; rank < 3; rank++)
		for (size_t i = 0; !err && i < r->nr_checks; i++) {
			const struct qg_check *c = r->checks[i];
			int problem = c->status == QG_STATUS_FAIL || c->status == QG_STATUS_ERROR ||
				      (c->status != QG_STATUS_PASS && c->status != QG_STATUS_SKIP);

			if (qg_report_check_rank(c) != rank)
				continue;
			if (c->status == QG_STATUS_PASS && !(c->flags & QG_CHECK_WARNING) && !list_passed)
				continue;
			if (quiet && !problem)
				continue;
			err = check_line(out, c, idw, flags);
			if (!err && (problem || verbose))
				err = locations(out, c, flags);
		}
	if (!err && s.passed && !list_passed && !quiet)
		err = qg_buf_addf(out, "  (%zu passed checks not listed; -v lists them)\n", s.passed);
	if (!err && !quiet && r->report_md && *r->report_md) {
		err = qg_buf_addch(out, '\n');
		if (!err)
			err = put_clean(out, r->report_md, 1);
		if (!err && out->len && out->buf[out->len - 1] != '\n')
			err = qg_buf_addch(out, '\n');
	}
	if (!err && !quiet && s.checks)
		err = qg_buf_addf(out, "\n%zu %s: %zu passed, %zu failed, %zu errors, %zu skipped\n", s.checks,
				  s.checks == 1 ? "check" : "checks", s.passed, s.failed, s.errors, s.skipped);
	if (err)
		return err;
	err = qg_buf_addf(out, "%sqgate-%s: %s%s%s", color ? C_BOLD : "", gate,
			  color ? status_color(st, 0) : "", status_word(st), color ? C_RESET : "");
	if (err)
		return err;
	if (st == QG_STATUS_PASS || st == QG_STATUS_FAIL) {
		/* the checks that ran: skipped ones are counted apart */
		size_t ran = s.checks - s.skipped;
		if (st == QG_STATUS_PASS)
			err = qg_buf_addf(out, " (%zu check%s", ran, ran == 1 ? "" : "s");
		else
			err = qg_buf_addf(out, " (%zu of %zu check%s failed", s.failed, ran, ran == 1 ? "" : "s");
		if (!err && s.skipped)
			err = qg_buf_addf(out, ", %zu skipped", s.skipped);
		if (!err)
			err = qg_buf_addstr(out, ")\n");
	} else if ((flags & QG_TEXT_ERROR_SHOWN) && r->error_exit && r->error_message)
		err = qg_buf_addch(out, '\n'); /* the message went to stderr, once */
	else {
		err = qg_buf_addstr(out, ": ");
		if (!err)
			err = add_redacted(out, reason);
		if (!err)
			err = qg_buf_addch(out, '\n');
	}
	return err;
}
