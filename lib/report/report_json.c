/* report_json.c -- the result JSON ("qgate.result/v1") both ways
 *
 * qg_result_to_json() renders the document of CONTRACT.md section 3 into a
 * buffer through result_write.c's writer (member order fixed there, numbers
 * in shortest round-trip form, every string redacted on the way out, and a
 * top-level "error" object for every error document). qg_result_from_json()
 * reads it back for `qgate merge` and `qgate report`; from_json(to_json(r))
 * prints identically, which the unit tests check.
 */
#include "qgate/common.h"

#include <ctype.h>
#include <math.h>
#include <time.h>

#include "qgate/json.h"
#include "qgate/report.h"
#include "qgate/result.h"

#define SCHEMA_ID "qgate.result/v1"


/* The in-memory document: result_write.c's streaming writer into a sink
 * that never flushes, so there is one writer and both give the same bytes. */
int qg_result_to_json(struct qg_buf *out, const struct qg_result *r)
{
	struct qg_sink sink = { out, 0, NULL, NULL };

	return qg_result_write_json(&sink, r);
}

/* ---------------------------------------------------------------- reading */

struct reader {
	const char *name;
};

static int bad(const struct reader *rd, const char *where, const char *what)
{
	return qg_error(QG_EPARSE, "'%s': %s: expected %s", rd->name, where, what);
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : dm[m - 1];
}

static int parse_time(long long *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	long long ms = 0;
	time_t t;

	/* exactly YYYY-MM-DDTHH:MM:SS (sscanf alone took signs, spaces and
	 * out-of-range fields, which timegm() folded into another time: a
	 * result read back written differently, or not at all) */
	if (!s || strlen(s) < 19)
		return -1;
	for (int i = 0; i < 19; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : i == 10 ? s[i] != 'T' : i == 13 || i == 16 ? s[i] != ':'
										       : !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	/* a run's time: from 1970 on, every field in its range */
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;
	s += n;
	if (*s == '.') {
		int digits = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*s - '0');
		while (digits > 0 && digits < 3) {
			ms *= 10;
			digits++;
		}
	}
	if (strcmp(s, "Z") && strcmp(s, "+00:00"))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (long long)t * 1000 + ms;
	return 0;
}

static int get_count(const struct qg_json *j, long long *out)
{
	double v = qg_json_number(j);

	if (!isfinite(v) || v < 0 || v != trunc(v) || v > 9007199254740992.0)
		return -1;
	*out = (long long)v;
	return 0;
}

static int read_value(struct qg_value *out, const struct qg_json *j)
{
	switch (qg_json_type(j)) {
	case QG_JSON_NUMBER:
		out->kind = QG_VALUE_NUMBER;
		out->number = qg_json_number(j);
		return 0;
	case QG_JSON_NULL: /* a NaN printed as null */
		out->kind = QG_VALUE_NUMBER;
		out->number = NAN;
		return 0;
	case QG_JSON_STRING:
		out->string = qg_strdup(qg_json_string(j));
		if (!out->string)
			return QG_ENOMEM;
		out->kind = QG_VALUE_STRING;
		return 0;
	case QG_JSON_BOOL:
		out->kind = QG_VALUE_BOOL;
		out->boolean = qg_json_bool(j);
		return 0;
	default:
		return -1;
	}
}

static int parse_status(enum qg_status *out, const char *s)
{
	static const enum qg_status all[] = { QG_STATUS_PASS, QG_STATUS_FAIL, QG_STATUS_ERROR, QG_STATUS_SKIP };

	for (size_t i = 0; s && i < QG_ARRAY_SIZE(all); i++) {
		if (!strcmp(s, qg_status_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

static int read_check(const struct reader *rd, struct qg_result *r, const struct qg_json *cj, size_t idx)
{
	char where[64];
	const char *id = qg_json_string(qg_json_get(cj, "id"));
	const struct qg_json *msg = qg_json_get(cj, "message"), *locs, *v;
	enum qg_status st;
	struct qg_check *c;
	int err;

	snprintf(where, sizeof(where), "checks[%zu]", idx);
	if (qg_json_type(cj) != QG_JSON_OBJECT)
		return bad(rd, where, "an object");
	if (!id)
		return bad(rd, where, "a string \"id\"");
	if (parse_status(&st, qg_json_string(qg_json_get(cj, "status"))) < 0)
		return bad(rd, where, "\"status\" one of pass, fail, error, skip");
	if (msg && qg_json_type(msg) != QG_JSON_STRING && qg_json_type(msg) != QG_JSON_NULL)
		return bad(rd, where, "a string \"message\"");
	c = qg_result_add_check(r, id, st, NULL);
	if (!c)
		return QG_ENOMEM;
	if (qg_json_string(msg) && qg_check_set_message(c, "%s", qg_json_string(msg)) < 0)
		return QG_ENOMEM;
	if ((v = qg_json_get(cj, "count")) && qg_json_type(v) != QG_JSON_NULL) {
		long long n;

		if (get_count(v, &n) < 0)
			return bad(rd, where, "\"count\" a non-negative integer");
		qg_check_set_count(c, n);
	}
	if ((v = qg_json_get(cj, "observed")) && (err = read_value(&c->observed, v)))
		return err == QG_ENOMEM ? err : bad(rd, where, "\"observed\" a number, string or boolean");
	if ((v = qg_json_get(cj, "expected")) && (err = read_value(&c->expected, v)))
		return err == QG_ENOMEM ? err : bad(rd, where, "\"expected\" a number, string or boolean");
	locs = qg_json_get(cj, "locations");
	if (locs && qg_json_type(locs) != QG_JSON_ARRAY)
		return bad(rd, where, "\"locations\" an array");
	for (const struct qg_json *l = qg_json_first(locs); l; l = qg_json_next(l)) {
		const struct qg_json *line = qg_json_get(l, "line"), *col = qg_json_get(l, "column");
		const char *lm = qg_json_string(qg_json_get(l, "message"));
		long long ln = 0, cn = 0;

		if (qg_json_type(l) != QG_JSON_OBJECT)
			return bad(rd, where, "locations of objects");
		if ((line && get_count(line, &ln) < 0) || (col && get_count(col, &cn) < 0))
			return bad(rd, where, "location line and column as positive integers");
		err = lm ? qg_check_add_location(c, qg_json_string(qg_json_get(l, "file")), ln, cn, "%s", lm)
			 : qg_check_add_location(c, qg_json_string(qg_json_get(l, "file")), ln, cn, NULL);
		if (err < 0)
			return err;
	}
	for (const struct qg_json *m = qg_json_first(cj); m; m = qg_json_next(m)) {
		const char *k = qg_json_key(m);
		struct qg_json *d, *details;

		if (!k || qg_check_key_reserved(k))
			continue;
		details = qg_check_details(c);
		d = qg_json_dup(m);
		if (!details || !d) {
			qg_json_free(d);
			return QG_ENOMEM;
		}
		if ((err = qg_json_attach(details, k, d))) {
			qg_json_free(d);
			return err;
		}
	}
	return 0;
}

static int read_subject(const struct reader *rd, struct qg_result *r, const struct qg_json *sj)
{
	const char *commit, *ref;
	const struct qg_json *arts;
	struct qg_subject *s = &r->subject;

	if (!sj || qg_json_type(sj) == QG_JSON_NULL)
		return 0;
	if (qg_json_type(sj) != QG_JSON_OBJECT)
		return bad(rd, "subject", "an object or null");
	commit = qg_json_string(qg_json_get(sj, "commit"));
	if (commit) {
		if (strlen(commit) != 40 || strspn(commit, "0123456789abcdef") != 40)
			return bad(rd, "subject.commit", "40 lowercase hex digits or null");
		memcpy(s->commit, commit, 41);
		s->in_repo = 1;
		ref = qg_json_string(qg_json_get(sj, "ref"));
		if (ref && !(s->ref = qg_strdup(ref)))
			return QG_ENOMEM;
		s->dirty = qg_json_bool(qg_json_get(sj, "dirty")) == 1;
	}
	arts = qg_json_get(sj, "artifacts");
	if (arts && qg_json_type(arts) != QG_JSON_ARRAY)
		return bad(rd, "subject.artifacts", "an array");
	for (const struct qg_json *a = qg_json_first(arts); a; a = qg_json_next(a)) {
		const char *path = qg_json_string(qg_json_get(a, "path"));
		const char *sha = qg_json_string(qg_json_get(a, "sha256"));
		const struct qg_json *bytes = qg_json_get(a, "bytes");
		struct qg_artifact *art;
		long long n = -1;

		if (!path)
			return bad(rd, "subject.artifacts", "objects with a string \"path\"");
		if (sha && (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64))
			return bad(rd, "subject.artifacts", "\"sha256\" as 64 lowercase hex digits or null");
		if (bytes && qg_json_type(bytes) != QG_JSON_NULL && get_count(bytes, &n) < 0)
			return bad(rd, "subject.artifacts", "\"bytes\" a non-negative integer or null");
		if (QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + 1, s->alloc_artifacts) < 0)
			return QG_ENOMEM;
		art = &s->artifacts[s->nr_artifacts];
		memset(art, 0, sizeof(*art));
		art->path = qg_strdup(path);
		if (!art->path)
			return QG_ENOMEM;
		if (sha)
			memcpy(art->sha256, sha, 65);
		art->bytes = n;
		s->nr_artifacts++;
	}
	return 0;
}

static int read_result(const struct reader *rd, struct qg_result *out, const struct qg_json *root)
{
	const char *schema, *gate, *version, *status;
	const struct qg_json *checks, *metrics, *err_obj, *v;
	long long recorded_exit = -1;
	int err;

	if (qg_json_type(root) != QG_JSON_OBJECT)
		return bad(rd, "document", "an object");
	schema = qg_json_string(qg_json_get(root, "schema"));
	if (!schema || strcmp(schema, SCHEMA_ID))
		return qg_error(QG_EPARSE, "'%s': schema is '%s', expected '" SCHEMA_ID "'", rd->name,
				schema ? schema : "(missing)");
	gate = qg_json_string(qg_json_get(root, "gate"));
	if (!gate || !*gate)
		return bad(rd, "gate", "a non-empty string");
	version = qg_json_string(qg_json_get(root, "version"));
	if ((err = qg_result_init(out, gate, version ? version : "")))
		return err;
	/* "command" came with --out's <gate>-<command> names; results written
	 * before it (CI shards, artifacts) have none and read as they were */
	if ((v = qg_json_get(root, "command"))) {
		const char *cmd = qg_json_string(v);

		/* it names report files (--out): a word, never a path */
		if (!cmd || *cmd < 'a' || *cmd > 'z' || strspn(cmd, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(cmd))
			return bad(rd, "command", "a lowercase word like \"validate\"");
		if ((err = qg_result_set_command(out, cmd)))
			return err;
	}
	out->started_mono_ns = 0;
	status = qg_json_string(qg_json_get(root, "status"));
	if (!status || (strcmp(status, "pass") && strcmp(status, "fail") && strcmp(status, "error")))
		return bad(rd, "status", "one of pass, fail, error");
	if ((v = qg_json_get(root, "exit_code"))) {
		if (get_count(v, &recorded_exit) < 0 || recorded_exit > 3)
			return bad(rd, "exit_code", "an integer 0..3");
	}
	if ((v = qg_json_get(root, "started_at")) && parse_time(&out->started_at_ms, qg_json_string(v)) < 0)
		return bad(rd, "started_at", "a UTC time like 2026-11-26T03:00:00Z");
	if ((v = qg_json_get(root, "duration_ms")) && get_count(v, &out->duration_ms) < 0)
		return bad(rd, "duration_ms", "a non-negative integer");
	if ((err = read_subject(rd, out, qg_json_get(root, "subject"))))
		return err;
	checks = qg_json_get(root, "checks");
	if (qg_json_type(checks) != QG_JSON_ARRAY)
		return bad(rd, "checks", "an array");
	{
		size_t i = 0;

		for (const struct qg_json *c = qg_json_first(checks); c; c = qg_json_next(c), i++)
			if ((err = read_check(rd, out, c, i)))
				return err;
	}
	metrics = qg_json_get(root, "metrics");
	if (metrics && qg_json_type(metrics) != QG_JSON_OBJECT)
		return bad(rd, "metrics", "an object");
	if (metrics) {
		struct qg_json *m = qg_json_dup(metrics);

		if (!m)
			return QG_ENOMEM;
		qg_json_free(out->metrics);
		out->metrics = m;
	}
	if ((v = qg_json_get(root, "invocation")) && qg_json_type(v) != QG_JSON_NULL) {
		if (qg_json_type(v) != QG_JSON_OBJECT)
			return bad(rd, "invocation", "an object");
		if (!(out->invocation = qg_json_dup(v)))
			return QG_ENOMEM;
	}
	err_obj = qg_json_get(root, "error");
	if (err_obj && qg_json_type(err_obj) != QG_JSON_NULL) {
		long long code = 3;
		const char *m = qg_json_string(qg_json_get(err_obj, "message"));

		if (qg_json_type(err_obj) != QG_JSON_OBJECT ||
		    get_count(qg_json_get(err_obj, "exit_code"), &code) < 0 || (code != 2 && code != 3))
			return bad(rd, "error", "an object with \"exit_code\" 2 or 3 and a \"message\"");
		qg_result_set_error(out, (int)code, "%s", m ? m : "");
	}
	/* A document whose recorded verdict is worse than its checks say keeps
	 * the worse verdict (fail closed); a better one is overruled by the
	 * derivation anyway. */
	if (recorded_exit > 0 && recorded_exit != qg_result_exit_code(out))
		qg_result_set_error(out, recorded_exit == QG_EXIT_USAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR,
				    "'%s': recorded status '%s' (exit %lld) disagrees with its checks",
				    rd->name, status, recorded_exit);
	return 0;
}

int qg_result_from_json(struct qg_result *out, const char *text, size_t len, const char *name)
{
	struct reader rd = { name ? name : "<result>" };
	struct qg_json *root = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = qg_json_parse(&root, text, len, rd.name);
	if (!err)
		err = read_result(&rd, out, root);
	qg_json_free(root);
	if (err) {
		if (err == QG_ENOMEM && !*qg_error_last())
			qg_error(QG_ENOMEM, "out of memory reading '%s'", rd.name);
		qg_result_release(out);
	}
	return err;
}
