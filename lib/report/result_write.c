/* result_write.c -- the result JSON written as it is produced, into a sink
 *
 * qg_result_write_json() writes exactly the bytes qg_result_to_json()
 * (report_json.c) does, member for member, but without a second tree: each
 * member is printed straight into a sink (result.h), which hands its buffer
 * to the report's temp file whenever it holds QG_SINK_CHUNK bytes, and every
 * string is redacted on its way out. A string longer than a chunk
 * (qgate-test's "cases", one line a test: 20 MB for a 100 MB report) is
 * redacted and escaped a run of whole lines at a time. Redaction never
 * matches across a line end (every form it removes stops at whitespace),
 * so line runs redact as the whole would; test_result_write checks that,
 * and that both writers agree byte for byte. Writing a result so costs a
 * chunk of memory, not the three copies of its largest member that the
 * tree (copied to redact, then printed into one buffer) took.
 *
 * The tree printer's rules, which this file repeats: two-space indents,
 * "key": value, empty containers as {} and [], numbers by qg_dtoa() (NaN
 * and infinities as null), strings by qg_json_quote().
 */
#include "qgate/common.h"

#include <math.h>
#include <time.h>

#include "qgate/dtoa.h"
#include "qgate/json.h"
#include "qgate/redact.h"
#include "qgate/report.h"
#include "qgate/result.h"

#define SCHEMA_ID "qgate.result/v1"
/* strings up to this long are redacted whole; longer ones by line runs */
#define BIG_STRING QG_SINK_CHUNK

int qg_sink_flush(struct qg_sink *s)
{
	int err;

	if (!s->flush || !s->buf->len)
		return 0;
	err = s->flush(s->ctx, s->buf->buf, s->buf->len);
	qg_buf_reset(s->buf);
	return err;
}

int qg_sink_check(struct qg_sink *s)
{
	if (!s->flush || s->buf->len < (s->flush_at ? s->flush_at : QG_SINK_CHUNK))
		return 0;
	return qg_sink_flush(s);
}

struct jw {
	struct qg_sink *s;
	struct qg_buf *o;
	struct qg_buf red, piece; /* scratch, each at most a chunk or a line */
};

struct frame {
	int depth;
	size_t n;
};

static int indent(struct qg_buf *o, int depth)
{
	static const char spaces[] = "                                                                ";
	size_t n = 2 * (size_t)(depth > 0 ? depth : 0);
	int err = qg_buf_addch(o, '\n');

	while (!err && n) {
		size_t k = n < 64 ? n : 64;

		err = qg_buf_add(o, spaces, k);
		n -= k;
	}
	return err;
}

/* The start of a member of f: a comma after the one before, the newline and
 * indent, "key": for an object member. */
static int member(struct jw *w, struct frame *f, const char *key)
{
	int err = 0;

	if (f->n++ && (err = qg_buf_addch(w->o, ',')))
		return err;
	err = indent(w->o, f->depth + 1);
	if (!err && key) {
		err = qg_json_quote(w->o, key, strlen(key));
		if (!err)
			err = qg_buf_addstr(w->o, ": ");
	}
	return err;
}

static int open_c(struct jw *w, struct frame *parent, const char *key, int obj, struct frame *child)
{
	int err = parent ? member(w, parent, key) : 0;

	child->depth = parent ? parent->depth + 1 : 0;
	child->n = 0;
	return err ? err : qg_buf_addch(w->o, obj ? '{' : '[');
}

static int close_c(struct jw *w, struct frame *f, int obj)
{
	int err = 0;

	if (f->n)
		err = indent(w->o, f->depth);
	if (!err)
		err = qg_buf_addch(w->o, obj ? '}' : ']');
	/* a container closes at a good place to hand a chunk on */
	return err ? err : qg_sink_check(w->s);
}

static int put_number(struct jw *w, double v)
{
	char tmp[QG_DTOA_MAX];

	if (!isfinite(v))
		return qg_buf_addstr(w->o, "null");
	return qg_buf_add(w->o, tmp, qg_dtoa(tmp, v, QG_DTOA_PLAIN_INT));
}

/* s escaped as a JSON string's inside (no quotes), straight into o: the
 * pieces of a long string make one string. */
static int quote_inner(struct qg_buf *o, const char *s, size_t len)
{
	size_t at = o->len;
	int err = qg_json_quote(o, s, len);

	if (err)
		return err;
	memmove(o->buf + at, o->buf + at + 1, o->len - at - 2);
	qg_buf_setlen(o, o->len - 2);
	return 0;
}

/* A string as-is (ids, statuses, the writer's own words). */
static int put_plain(struct jw *w, const char *s)
{
	return qg_json_quote(w->o, s ? s : "", s ? strlen(s) : 0);
}

/* A string redacted: whole when short; a long one a run of whole lines
 * (about a chunk) at a time, each run redacted, escaped and handed on. */
static int put_redacted(struct jw *w, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	int err;

	if (len <= BIG_STRING) {
		qg_buf_reset(&w->red);
		err = qg_redact(&w->red, s ? s : "");
		return err ? err : qg_json_quote(w->o, w->red.buf, w->red.len);
	}
	err = qg_buf_addch(w->o, '"');
	while (!err && i < len) {
		size_t end = i + BIG_STRING < len ? i + BIG_STRING : len;
		const char *nl;

		/* end after a newline: the next line starts a run of its own */
		if (end < len) {
			nl = memchr(s + end, '\n', len - end);
			end = nl ? (size_t)(nl - s) + 1 : len;
		}
		qg_buf_reset(&w->piece);
		qg_buf_reset(&w->red);
		err = qg_buf_add(&w->piece, s + i, end - i);
		if (!err)
			err = qg_redact(&w->red, w->piece.buf);
		if (!err)
			err = quote_inner(w->o, w->red.buf, w->red.len);
		if (!err)
			err = qg_sink_check(w->s);
		i = end;
	}
	return err ? err : qg_buf_addch(w->o, '"');
}

static int put_tree(struct jw *w, struct frame *parent, const char *key, const struct qg_json *j, int depth);

/* A spooled member: its pieces are whole lines, so each is redacted as
 * the whole text would be (the same rule as put_redacted()'s runs). */
static int put_spool(struct jw *w, struct qg_spool *sp)
{
	int err = qg_spool_rewind(sp), more = 0;

	if (!err)
		err = qg_buf_addch(w->o, '"');
	while (!err) {
		qg_buf_reset(&w->piece);
		if ((more = qg_spool_next(sp, &w->piece)) <= 0) {
			err = more;
			break;
		}
		qg_buf_reset(&w->red);
		err = qg_redact(&w->red, w->piece.buf);
		if (!err)
			err = quote_inner(w->o, w->red.buf, w->red.len);
		if (!err)
			err = qg_sink_check(w->s);
	}
	return err ? err : qg_buf_addch(w->o, '"');
}

/* An object's members in order (a tree never holds a key twice: json.c
 * refuses one when parsing and replaces in place when building). */
static int put_members(struct jw *w, struct frame *f, const struct qg_json *j, int depth)
{
	int err = 0;

	for (const struct qg_json *m = qg_json_first(j); !err && m; m = qg_json_next(m))
		err = put_tree(w, f, qg_json_key(m) ? qg_json_key(m) : "", m, depth + 1);
	return err;
}

/* j as a member of parent (key NULL in an array), every string redacted,
 * as report_json.c's add_redacted_tree() copies it. */
static int put_tree(struct jw *w, struct frame *parent, const char *key, const struct qg_json *j, int depth)
{
	struct frame f;
	int obj, err;

	if (depth > 256)
		return qg_error(QG_ERROR, "a report member nested too deeply");
	switch (qg_json_type(j)) {
	case QG_JSON_OBJECT:
	case QG_JSON_ARRAY:
		obj = qg_json_type(j) == QG_JSON_OBJECT;
		if ((err = open_c(w, parent, key, obj, &f)))
			return err;
		if (obj) {
			err = put_members(w, &f, j, depth);
		} else {
			for (const struct qg_json *m = qg_json_first(j); !err && m; m = qg_json_next(m))
				err = put_tree(w, &f, NULL, m, depth + 1);
		}
		return err ? err : close_c(w, &f, obj);
	default:
		break;
	}
	if ((err = member(w, parent, key)))
		return err;
	switch (qg_json_type(j)) {
	case QG_JSON_STRING:
		return put_redacted(w, qg_json_string(j));
	case QG_JSON_NUMBER:
		return put_number(w, qg_json_number(j));
	case QG_JSON_BOOL:
		return qg_buf_addstr(w->o, qg_json_bool(j) > 0 ? "true" : "false");
	default:
		return qg_buf_addstr(w->o, "null");
	}
}

int qg_check_key_reserved(const char *k)
{
	static const char *const check_keys[] = {
		"id", "status", "message", "count", "observed", "expected", "locations",
	};

	for (size_t i = 0; i < QG_ARRAY_SIZE(check_keys); i++)
		if (!strcmp(k, check_keys[i]))
			return 1;
	return 0;
}

static int put_value(struct jw *w, struct frame *f, const char *key, const struct qg_value *v)
{
	int err;

	switch (v->kind) {
	case QG_VALUE_NUMBER:
		return (err = member(w, f, key)) ? err : put_number(w, v->number);
	case QG_VALUE_STRING:
		return (err = member(w, f, key)) ? err : put_redacted(w, v->string);
	case QG_VALUE_BOOL:
		return (err = member(w, f, key)) ? err : qg_buf_addstr(w->o, v->boolean ? "true" : "false");
	default:
		return 0;
	}
}

static int put_check(struct jw *w, struct frame *arr, const struct qg_check *c)
{
	struct frame o, locs, lo;
	int err = open_c(w, arr, NULL, 1, &o);

	/* the id too: a test's name can carry a token ("login[ghp_...]") */
	if (!err && !(err = member(w, &o, "id")))
		err = put_redacted(w, c->id);
	if (!err && !(err = member(w, &o, "status")))
		err = put_plain(w, qg_status_name(c->status));
	if (!err && !(err = member(w, &o, "message")))
		err = put_redacted(w, c->message);
	if (!err && (c->flags & QG_CHECK_HAS_COUNT) && !(err = member(w, &o, "count")))
		err = put_number(w, (double)c->count);
	if (!err)
		err = put_value(w, &o, "observed", &c->observed);
	if (!err)
		err = put_value(w, &o, "expected", &c->expected);
	if (!err)
		err = open_c(w, &o, "locations", 0, &locs);
	for (size_t i = 0; !err && i < c->nr_locations && i < QG_LOCATIONS_MAX; i++) {
		const struct qg_location *l = &c->locations[i];

		err = open_c(w, &locs, NULL, 1, &lo);
		if (!err && !(err = member(w, &lo, "file")))
			err = l->file ? put_redacted(w, l->file) : qg_buf_addstr(w->o, "null");
		if (!err && l->line > 0 && !(err = member(w, &lo, "line")))
			err = put_number(w, (double)l->line);
		if (!err && l->column > 0 && !(err = member(w, &lo, "column")))
			err = put_number(w, (double)l->column);
		if (!err && l->message && !(err = member(w, &lo, "message")))
			err = put_redacted(w, l->message);
		if (!err)
			err = close_c(w, &lo, 1);
	}
	if (!err)
		err = close_c(w, &locs, 0);
	/* gate-specific members; the standard ones cannot be overridden */
	if (!err && qg_json_type(c->details) == QG_JSON_OBJECT) {
		struct qg_json *rest = NULL;
		size_t skip = 0;

		for (const struct qg_json *m = qg_json_first(c->details); m; m = qg_json_next(m))
			skip += !qg_json_key(m) || qg_check_key_reserved(qg_json_key(m));
		if (!skip) {
			err = put_members(w, &o, c->details, -1);
		} else {
			/* rare: members the check's own keys hide; the rest only */
			for (const struct qg_json *m = qg_json_first(c->details); !err && m; m = qg_json_next(m)) {
				const char *k = qg_json_key(m);
				struct qg_json *d;

				if (!k || qg_check_key_reserved(k))
					continue;
				if (!rest && !(rest = qg_json_new_object()))
					err = QG_ENOMEM;
				else if (!(d = qg_json_dup(m)) || qg_json_attach(rest, k, d) < 0)
					err = qg_error(QG_ENOMEM, "out of memory writing the result JSON");
			}
			if (!err && rest)
				err = put_members(w, &o, rest, -1);
			qg_json_free(rest);
		}
	}
	if (!err && c->spool && c->spool_key && !qg_check_key_reserved(c->spool_key) && !(err = member(w, &o, c->spool_key)))
		err = put_spool(w, c->spool);
	return err ? err : close_c(w, &o, 1);
}

static void format_time(char *out, size_t n, long long ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, n, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int put_str_member(struct jw *w, struct frame *f, const char *key, const char *s)
{
	int err = member(w, f, key);

	return err ? err : put_plain(w, s);
}

static int put_num_member(struct jw *w, struct frame *f, const char *key, double v)
{
	int err = member(w, f, key);

	return err ? err : put_number(w, v);
}

static int put_null_member(struct jw *w, struct frame *f, const char *key)
{
	int err = member(w, f, key);

	return err ? err : qg_buf_addstr(w->o, "null");
}

static int put_result(struct jw *w, const struct qg_result *r)
{
	const struct qg_subject *s = &r->subject;
	struct frame root, e, subj, arts, ao, sum, checks;
	struct qg_summary su;
	char ts[32];
	int exit_code = qg_result_exit_code(r), err;
	enum qg_status st = qg_result_status(r);

	qg_result_summary(r, &su);
	format_time(ts, sizeof(ts), r->started_at_ms);
	err = open_c(w, NULL, NULL, 1, &root);
	if (!err)
		err = put_str_member(w, &root, "schema", SCHEMA_ID);
	if (!err)
		err = put_str_member(w, &root, "gate", r->gate ? r->gate : "");
	if (!err && r->command)
		err = put_str_member(w, &root, "command", r->command);
	if (!err)
		err = put_str_member(w, &root, "version", r->version ? r->version : "");
	if (!err)
		err = put_str_member(w, &root, "status", qg_status_name(st));
	if (!err)
		err = put_num_member(w, &root, "exit_code", exit_code);
	if (!err && st == QG_STATUS_ERROR && (r->error_exit || !su.errors)) {
		err = open_c(w, &root, "error", 1, &e);
		if (!err)
			err = put_num_member(w, &e, "exit_code", exit_code);
		if (!err && !(err = member(w, &e, "message")))
			err = put_redacted(w, qg_result_error_reason(r));
		if (!err)
			err = close_c(w, &e, 1);
	}
	if (!err)
		err = put_str_member(w, &root, "started_at", ts);
	if (!err)
		err = put_num_member(w, &root, "duration_ms", (double)(r->duration_ms > 0 ? r->duration_ms : 0));
	if (!err)
		err = open_c(w, &root, "subject", 1, &subj);
	if (!err && s->in_repo && s->commit[0]) {
		err = put_str_member(w, &subj, "commit", s->commit);
		if (!err)
			err = s->ref ? put_str_member(w, &subj, "ref", s->ref) : put_null_member(w, &subj, "ref");
		if (!err && !(err = member(w, &subj, "dirty")))
			err = qg_buf_addstr(w->o, s->dirty ? "true" : "false");
	} else if (!err) {
		err = put_null_member(w, &subj, "commit");
		if (!err)
			err = put_null_member(w, &subj, "ref");
		if (!err)
			err = put_null_member(w, &subj, "dirty");
	}
	if (!err)
		err = open_c(w, &subj, "artifacts", 0, &arts);
	for (size_t i = 0; !err && i < s->nr_artifacts; i++) {
		const struct qg_artifact *a = &s->artifacts[i];

		err = open_c(w, &arts, NULL, 1, &ao);
		if (!err && !(err = member(w, &ao, "path")))
			err = put_redacted(w, a->path);
		if (!err)
			err = a->sha256[0] ? put_str_member(w, &ao, "sha256", a->sha256) : put_null_member(w, &ao, "sha256");
		if (!err)
			err = a->bytes >= 0 ? put_num_member(w, &ao, "bytes", (double)a->bytes)
					    : put_null_member(w, &ao, "bytes");
		if (!err)
			err = close_c(w, &ao, 1);
	}
	if (!err)
		err = close_c(w, &arts, 0);
	if (!err)
		err = close_c(w, &subj, 1);
	if (!err)
		err = open_c(w, &root, "summary", 1, &sum);
	if (!err)
		err = put_num_member(w, &sum, "checks", (double)su.checks);
	if (!err)
		err = put_num_member(w, &sum, "passed", (double)su.passed);
	if (!err)
		err = put_num_member(w, &sum, "failed", (double)su.failed);
	if (!err)
		err = put_num_member(w, &sum, "errors", (double)su.errors);
	if (!err)
		err = put_num_member(w, &sum, "skipped", (double)su.skipped);
	if (!err)
		err = close_c(w, &sum, 1);
	if (!err)
		err = open_c(w, &root, "checks", 0, &checks);
	for (size_t i = 0; !err && i < r->nr_checks; i++)
		err = put_check(w, &checks, r->checks[i]);
	if (!err)
		err = close_c(w, &checks, 0);
	if (!err && qg_json_type(r->invocation) == QG_JSON_OBJECT)
		err = put_tree(w, &root, "invocation", r->invocation, 0);
	if (!err) {
		if (qg_json_type(r->metrics) == QG_JSON_OBJECT) {
			err = put_tree(w, &root, "metrics", r->metrics, 0);
		} else if (!(err = member(w, &root, "metrics"))) {
			err = qg_buf_addstr(w->o, "{}");
		}
	}
	if (!err)
		err = close_c(w, &root, 1);
	return err ? err : qg_buf_addch(w->o, '\n');
}

int qg_result_write_json(struct qg_sink *out, const struct qg_result *r)
{
	struct jw w = { out, out->buf, QG_BUF_INIT(QG_CAP_MESSAGE), QG_BUF_INIT(QG_CAP_MESSAGE) };
	int err = put_result(&w, r);

	if (!err)
		err = qg_sink_flush(out);
	if (err == QG_ENOMEM && !*qg_error_last())
		qg_error(QG_ENOMEM, "out of memory writing the result JSON");
	qg_buf_release(&w.red);
	qg_buf_release(&w.piece);
	return err;
}
