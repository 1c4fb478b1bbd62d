/* result.c -- the result model: checks, subject, metrics and the verdict
 *
 * Every gate fills a struct qg_result and hands it to the writers. The run's
 * status and exit code are derived here and nowhere else
 * (qg_result_status(), qg_result_exit_code()), and they fail closed: a run
 * that could not evaluate, a check that errored, or a run in which no check
 * passed or failed at all never ends in 0.
 *
 * Names that may be URLs (artifact paths, location files) are stored
 * redacted (qg_redact(): userinfo and secret query values replaced), so no
 * writer, gate or merge ever sees the secret; qg_result_redact() does the
 * same for entries a gate added by hand.
 */
#include "qgate/common.h"

#include <math.h>
#include <time.h>

#include "qgate/file.h"
#include "qgate/dtoa.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/result.h"
#include "qgate/sha256.h"

const char *qg_status_name(enum qg_status s)
{
	switch (s) {
	case QG_STATUS_PASS:
		return "pass";
	case QG_STATUS_FAIL:
		return "fail";
	case QG_STATUS_ERROR:
		return "error";
	case QG_STATUS_SKIP:
		return "skip";
	}
	return "error";
}

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int qg_result_init(struct qg_result *r, const char *gate, const char *version)
{
	memset(r, 0, sizeof(*r));
	r->started_at_ms = now_ns(CLOCK_REALTIME) / 1000000LL;
	r->started_mono_ns = now_ns(CLOCK_MONOTONIC);
	r->gate = qg_strdup(gate ? gate : "qgate");
	r->version = qg_strdup(version ? version : "");
	r->metrics = qg_json_new_object();
	if (!r->gate || !r->version || !r->metrics) {
		qg_result_release(r);
		return qg_error(QG_ENOMEM, "out of memory starting a result");
	}
	return 0;
}

int qg_result_set_command(struct qg_result *r, const char *command)
{
	char *copy = NULL;

	if (command && !(copy = qg_strdup(command)))
		return qg_error(QG_ENOMEM, "out of memory naming the command");
	free(r->command);
	r->command = copy;
	return 0;
}

static void value_release(struct qg_value *v)
{
	if (v->kind == QG_VALUE_STRING)
		free(v->string);
	memset(v, 0, sizeof(*v));
}

static void check_free(struct qg_check *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->message);
	value_release(&c->observed);
	value_release(&c->expected);
	for (size_t i = 0; i < c->nr_locations; i++) {
		free(c->locations[i].file);
		free(c->locations[i].message);
	}
	qg_json_free(c->details);
	qg_spool_free(c->spool);
	free(c->spool_key);
	free(c);
}

int qg_check_set_spool(struct qg_check *c, const char *key, struct qg_spool *s)
{
	char *k = qg_strdup(key ? key : "");

	if (!k) {
		qg_spool_free(s);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	qg_spool_free(c->spool);
	free(c->spool_key);
	c->spool = s;
	c->spool_key = k;
	qg_json_remove(c->details, k); /* one member of that name */
	return 0;
}

void qg_result_release(struct qg_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr_checks; i++)
		check_free(r->checks[i]);
	free(r->checks);
	for (size_t i = 0; i < r->subject.nr_artifacts; i++)
		free(r->subject.artifacts[i].path);
	free(r->subject.artifacts);
	free(r->subject.ref);
	qg_json_free(r->metrics);
	qg_json_free(r->invocation);
	free(r->gate);
	free(r->command);
	free(r->version);
	free(r->error_message);
	free(r->report_md);
	memset(r, 0, sizeof(*r));
}

static char *vformat(const char *fmt, va_list ap)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);

	if (qg_buf_vaddf(&b, fmt, ap) < 0) {
		qg_buf_release(&b);
		return NULL;
	}
	return qg_buf_detach(&b, NULL);
}

struct qg_check *qg_result_add_check(struct qg_result *r, const char *id, enum qg_status status,
				     const char *fmt, ...)
{
	struct qg_check *c;
	va_list ap;

	if (QG_ALLOC_GROW(r->checks, r->nr_checks + 1, r->alloc_checks) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		qg_error(QG_ENOMEM, "out of memory adding check '%s'", id ? id : "");
		return NULL;
	}
	c->id = qg_strdup(id ? id : "");
	c->status = status;
	if (fmt) {
		va_start(ap, fmt);
		c->message = vformat(fmt, ap);
		va_end(ap);
	}
	if (!c->id || (fmt && !c->message)) {
		check_free(c);
		qg_error(QG_ENOMEM, "out of memory adding check '%s'", id ? id : "");
		return NULL;
	}
	r->checks[r->nr_checks++] = c;
	return c;
}

struct qg_check *qg_result_find_check(const struct qg_result *r, const char *id)
{
	for (size_t i = 0; id && i < r->nr_checks; i++)
		if (!strcmp(r->checks[i]->id, id))
			return r->checks[i];
	return NULL;
}

int qg_check_set_message(struct qg_check *c, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = vformat(fmt, ap);
	va_end(ap);
	if (!m)
		return QG_ENOMEM;
	free(c->message);
	c->message = m;
	return 0;
}

void qg_check_set_count(struct qg_check *c, long long count)
{
	c->count = count;
	c->flags |= QG_CHECK_HAS_COUNT;
}

void qg_check_observed_number(struct qg_check *c, double v)
{
	value_release(&c->observed);
	c->observed.kind = QG_VALUE_NUMBER;
	c->observed.number = v;
}

int qg_check_observed_string(struct qg_check *c, const char *s)
{
	char *d = qg_strdup(s ? s : "");

	if (!d)
		return QG_ENOMEM;
	value_release(&c->observed);
	c->observed.kind = QG_VALUE_STRING;
	c->observed.string = d;
	return 0;
}

void qg_check_expected_number(struct qg_check *c, double v)
{
	value_release(&c->expected);
	c->expected.kind = QG_VALUE_NUMBER;
	c->expected.number = v;
}

int qg_check_expected_string(struct qg_check *c, const char *fmt, ...)
{
	va_list ap;
	char *d;

	va_start(ap, fmt);
	d = vformat(fmt, ap);
	va_end(ap);
	if (!d)
		return QG_ENOMEM;
	value_release(&c->expected);
	c->expected.kind = QG_VALUE_STRING;
	c->expected.string = d;
	return 0;
}

int qg_check_add_location(struct qg_check *c, const char *file, long long line, long long column,
			  const char *fmt, ...)
{
	struct qg_location *l;
	va_list ap;

	if (c->nr_locations >= QG_LOCATIONS_MAX)
		return 0;
	l = &c->locations[c->nr_locations];
	memset(l, 0, sizeof(*l));
	l->file = file ? qg_redact_dup(file) : NULL;
	l->line = line > 0 ? line : 0;
	l->column = column > 0 ? column : 0;
	if (fmt) {
		va_start(ap, fmt);
		l->message = vformat(fmt, ap);
		va_end(ap);
	}
	if ((file && !l->file) || (fmt && !l->message)) {
		free(l->file);
		free(l->message);
		memset(l, 0, sizeof(*l));
		return qg_error(QG_ENOMEM, "out of memory adding a location");
	}
	c->nr_locations++;
	return 1;
}

struct qg_json *qg_check_details(struct qg_check *c)
{
	if (!c->details)
		c->details = qg_json_new_object();
	return c->details;
}

void qg_result_set_error(struct qg_result *r, int exit_code, const char *fmt, ...)
{
	va_list ap;

	if (r->error_exit)
		return; /* the first error is the cause; later ones are consequences */
	r->error_exit = exit_code == QG_EXIT_USAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
	if (fmt) {
		va_start(ap, fmt);
		r->error_message = vformat(fmt, ap);
		va_end(ap);
	}
	/* on ENOMEM the error stands without its message: still fails closed */
}

int qg_result_add_artifact(struct qg_result *r, const char *path)
{
	struct qg_subject *s = &r->subject;
	struct qg_artifact *a;
	int err;

	if (!path)
		return qg_error(QG_ERROR, "artifact without a path");
	err = QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + 1, s->alloc_artifacts);
	if (err)
		return err;
	a = &s->artifacts[s->nr_artifacts];
	memset(a, 0, sizeof(*a));
	a->path = qg_redact_dup(path); /* hashed below under its real name */
	if (!a->path)
		return qg_error(QG_ENOMEM, "out of memory");
	a->bytes = -1;
	if (strcmp(path, "-") && !strstr(path, "://") && qg_file_is_regular(path)) {
		err = qg_sha256_file_stamp(a->sha256, &a->bytes, path, &a->stamp);
		if (err) {
			free(a->path);
			memset(a, 0, sizeof(*a));
			return err;
		}
		if (strcmp(a->path, path))
			a->stamp.set = 0; /* re-checked by its stored name only */
	}
	s->nr_artifacts++;
	return 0;
}

int qg_result_check_artifacts(const struct qg_result *r)
{
	for (size_t i = 0; i < r->subject.nr_artifacts; i++) {
		const struct qg_artifact *a = &r->subject.artifacts[i];

		if (a->stamp.set && qg_file_stamp_changed(&a->stamp, a->path))
			return qg_error(QG_EIO, "'%s': changed while being read", a->path);
	}
	return 0;
}

int qg_result_add_markdown(struct qg_result *r, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	va_list ap;
	int err;

	/* Adopt the block as a buffer and append in place: gates add their
	 * Markdown a row at a time, so copying the whole block per call would be
	 * quadratic. */
	if (r->report_md && r->report_md_alloc) {
		b.buf = r->report_md;
		b.len = r->report_md_len;
		b.alloc = r->report_md_alloc;
	} else if (r->report_md) {
		err = qg_buf_addstr(&b, r->report_md);
		if (err)
			return err;
		free(r->report_md);
	}
	r->report_md = NULL;
	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!b.alloc) {
		r->report_md_len = r->report_md_alloc = 0;
		return err;
	}
	/* on error the earlier contents are kept, unchanged */
	r->report_md = b.buf;
	r->report_md_len = b.len;
	r->report_md_alloc = b.alloc;
	return err;
}

/* *s redacted in place; 0 or QG_ENOMEM (then *s is unchanged). */
static int redact_in_place(char **s)
{
	char *red;

	if (!*s)
		return 0;
	if (!(red = qg_redact_dup(*s)))
		return qg_error(QG_ENOMEM, "out of memory redacting a report");
	free(*s);
	*s = red;
	return 0;
}

int qg_result_redact(struct qg_result *r)
{
	int err = 0;

	for (size_t i = 0; !err && i < r->subject.nr_artifacts; i++)
		err = redact_in_place(&r->subject.artifacts[i].path);
	for (size_t i = 0; !err && i < r->nr_checks; i++)
		for (size_t k = 0; !err && k < r->checks[i]->nr_locations; k++)
			err = redact_in_place(&r->checks[i]->locations[k].file);
	return err;
}

void qg_result_finish(struct qg_result *r)
{
	long long now = now_ns(CLOCK_MONOTONIC);

	if (r->started_mono_ns && now >= r->started_mono_ns)
		r->duration_ms = (now - r->started_mono_ns) / 1000000LL;
}

void qg_result_summary(const struct qg_result *r, struct qg_summary *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < r->nr_checks; i++) {
		const struct qg_check *c = r->checks[i];

		out->checks++;
		switch (c->status) {
		case QG_STATUS_PASS:
			out->passed++;
			break;
		case QG_STATUS_FAIL:
			out->failed++;
			break;
		case QG_STATUS_SKIP:
			out->skipped++;
			break;
		default: /* QG_STATUS_ERROR and anything out of range fail closed */
			out->errors++;
			break;
		}
		if (c->flags & QG_CHECK_WARNING)
			out->warnings++;
	}
}

/* The one place the verdict is derived. */
int qg_result_exit_code(const struct qg_result *r)
{
	struct qg_summary s;

	if (r->error_exit)
		return r->error_exit == QG_EXIT_USAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
	qg_result_summary(r, &s);
	if (s.errors)
		return QG_EXIT_ERROR;
	if (s.failed)
		return QG_EXIT_FAIL;
	if (!s.passed)
		return QG_EXIT_ERROR; /* nothing was evaluated: never a pass */
	return QG_EXIT_PASS;
}

enum qg_status qg_result_status(const struct qg_result *r)
{
	switch (qg_result_exit_code(r)) {
	case QG_EXIT_PASS:
		return QG_STATUS_PASS;
	case QG_EXIT_FAIL:
		return QG_STATUS_FAIL;
	default:
		return QG_STATUS_ERROR;
	}
}

const char *qg_result_error_reason(const struct qg_result *r)
{
	struct qg_summary s;

	if (qg_result_status(r) != QG_STATUS_ERROR)
		return NULL;
	if (r->error_exit)
		return r->error_message && *r->error_message ? r->error_message : "the gate could not evaluate";
	for (size_t i = 0; i < r->nr_checks; i++) {
		const struct qg_check *c = r->checks[i];

		if (c->status != QG_STATUS_PASS && c->status != QG_STATUS_FAIL &&
		    c->status != QG_STATUS_SKIP)
			return c->message && *c->message ? c->message : "a check could not be evaluated";
	}
	qg_result_summary(r, &s);
	return s.checks ? "every check was skipped" : "no check was evaluated";
}

int qg_value_format(struct qg_buf *out, const struct qg_value *v)
{
	char tmp[40];

	switch (v->kind) {
	case QG_VALUE_NUMBER:
		if (isnan(v->number))
			return qg_buf_addstr(out, "nan");
		if (isinf(v->number))
			return qg_buf_addstr(out, v->number > 0 ? "inf" : "-inf");
		return qg_buf_add(out, tmp, qg_dtoa(tmp, v->number, QG_DTOA_PLAIN_INT));
	case QG_VALUE_STRING:
		return qg_buf_addstr(out, v->string ? v->string : "");
	case QG_VALUE_BOOL:
		return qg_buf_addstr(out, v->boolean ? "true" : "false");
	default:
		return 0;
	}
}

int qg_location_format(struct qg_buf *out, const struct qg_check *c, const struct qg_location *l)
{
	const char *msg = l->message ? l->message : (c && c->message ? c->message : "");
	int err = 0;

	if (l->file) {
		err = qg_buf_addstr(out, l->file);
		if (!err && l->line > 0)
			err = qg_buf_addf(out, ":%lld", l->line);
		if (!err && l->line > 0 && l->column > 0)
			err = qg_buf_addf(out, ":%lld", l->column);
	} else if (l->line > 0) {
		err = qg_buf_addf(out, "line %lld", l->line);
		if (!err && l->column > 0)
			err = qg_buf_addf(out, ":%lld", l->column);
	}
	if (!err && (l->file || l->line > 0) && *msg)
		err = qg_buf_addstr(out, ": ");
	if (!err)
		err = qg_buf_addstr(out, msg);
	return err;
}
