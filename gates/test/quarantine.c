/* quarantine.c -- --quarantine FILE: known-flaky tests, each with an expiry
 *
 * Two spellings. JSON: [{"name": "...", "expires": "YYYY-MM-DD", "reason":
 * "..."}] or {"tests": [...]}. Text: one entry a line, "NAME
 * expires=YYYY-MM-DD [REASON...]", '#' starts a comment line. NAME is a
 * test's identity as the result names it ("classname.name", or the check
 * id "test.classname.name"). Every entry needs an expiry: a quarantine
 * without an end is a deleted test. A malformed file is exit 2 naming
 * file:line:column; the entry holds through its expiry day (UTC).
 */
#include "qgate/common.h"

#include <time.h>

#include "qgate/json.h"

#include "test.h"

/* "YYYY-MM-DD" into days since the epoch; -1 when not a real date. */
static long long parse_day(const char *s, size_t len)
{
	struct tm tm, back;
	time_t t;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	t = timegm(&tm);
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != atoi(s + 8) || back.tm_mon != atoi(s + 5) - 1)
		return -1;
	return (long long)(t / 86400);
}

static int add_entry(struct test_quarantine *q, const char *name, size_t nlen, const char *exp, size_t elen,
		     const char *reason, long long line, long long col)
{
	struct test_quarantine_entry *v, *e;
	long long day = parse_day(exp, elen);

	if (day < 0)
		return qg_error(QG_EUSAGE, "'%s':%lld:%lld: expires '%.*s' is not a date YYYY-MM-DD", q->path, line,
				col, (int)(elen > 40 ? 40 : elen), exp);
	if (!nlen)
		return qg_error(QG_EUSAGE, "'%s':%lld:%lld: an entry without a test name", q->path, line, col);
	v = realloc(q->v, (q->nr + 1) * sizeof(*v));
	if (!v)
		return qg_error(QG_ENOMEM, "out of memory");
	q->v = v;
	e = &v[q->nr];
	memset(e, 0, sizeof(*e));
	e->name = strndup(name, nlen);
	e->reason = reason && *reason ? strdup(reason) : NULL;
	if (!e->name || (reason && *reason && !e->reason)) {
		free(e->name);
		free(e->reason);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	e->expires_day = day;
	memcpy(e->expires, exp, 10);
	e->expires[10] = '\0';
	e->line = line;
	q->nr++;
	return 0;
}

static int load_json(struct test_quarantine *q, const char *text, size_t len)
{
	struct qg_json *j = NULL;
	const struct qg_json *arr;
	size_t k = 0;
	int err = qg_json_parse(&j, text, len, q->path);

	if (err < 0)
		return err == QG_EPARSE ? QG_EUSAGE : err;
	arr = qg_json_type(j) == QG_JSON_OBJECT ? qg_json_get(j, "tests") : j;
	if (qg_json_type(arr) != QG_JSON_ARRAY) {
		qg_json_free(j);
		return qg_error(QG_EUSAGE, "'%s': expected an array of {\"name\", \"expires\", \"reason\"} "
					   "(or {\"tests\": [...]})", q->path);
	}
	for (const struct qg_json *e = qg_json_first(arr); !err && e; e = qg_json_next(e), k++) {
		const char *name = qg_json_string(qg_json_get(e, "name"));
		const char *exp = qg_json_string(qg_json_get(e, "expires"));
		const struct qg_json *reason = qg_json_get(e, "reason");

		if (!name || !exp || (reason && !qg_json_string(reason)))
			err = qg_error(QG_EUSAGE, "'%s': /tests/%zu: needs \"name\" and \"expires\" strings "
						  "(\"reason\" a string when given)", q->path, k);
		else
			err = add_entry(q, name, strlen(name), exp, strlen(exp), qg_json_string(reason), 0, 0);
	}
	qg_json_free(j);
	return err;
}

static int load_text(struct test_quarantine *q, char *text)
{
	long long ln = 0;
	int err = 0;

	for (char *p = text, *next; !err && p; p = next) {
		char *nl = strchr(p, '\n'), *name, *exp;
		size_t nlen;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		ln++;
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		name = p + strspn(p, " \t");
		if (!*name || *name == '#')
			continue;
		nlen = strcspn(name, " \t");
		exp = name + nlen;
		exp += strspn(exp, " \t");
		if (strncmp(exp, "expires=", 8))
			return qg_error(QG_EUSAGE, "'%s':%lld:%lld: expected 'NAME expires=YYYY-MM-DD [reason]'",
					q->path, ln, (long long)(exp - p) + 1);
		exp += 8;
		{
			size_t elen = strcspn(exp, " \t");
			const char *reason = exp + elen;

			reason += strspn(reason, " \t");
			err = add_entry(q, name, nlen, exp, elen, reason, ln, (long long)(exp - p) + 1);
		}
	}
	return err;
}

int test_quarantine_load(struct test_quarantine *q, const char *path)
{
	struct qg_buf b = QG_BUF_INIT((size_t)64 << 20);
	size_t i = 0;
	int err;

	memset(q, 0, sizeof(*q));
	if (!(q->path = strdup(path)))
		return qg_error(QG_ENOMEM, "out of memory");
	if ((err = qg_buf_read_file(&b, path)) < 0) {
		qg_buf_release(&b);
		return err;
	}
	if (memchr(b.buf, '\0', b.len)) {
		qg_buf_release(&b);
		return qg_error(QG_EUSAGE, "'%s': a NUL byte: not a quarantine list", path);
	}
	while (i < b.len && strchr(" \t\r\n", b.buf[i]))
		i++;
	if (i < b.len && (b.buf[i] == '[' || b.buf[i] == '{'))
		err = load_json(q, b.buf, b.len);
	else
		err = load_text(q, b.buf);
	qg_buf_release(&b);
	return err;
}

const struct test_quarantine_entry *test_quarantine_find(const struct test_quarantine *q, const char *ident)
{
	for (size_t i = 0; q && i < q->nr; i++) {
		const char *n = q->v[i].name;

		if (!strncmp(n, "test.", 5) && strcmp(n, ident))
			n += 5;
		if (!strcmp(n, ident))
			return &q->v[i];
	}
	return NULL;
}

void test_quarantine_release(struct test_quarantine *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nr; i++) {
		free(q->v[i].name);
		free(q->v[i].reason);
	}
	free(q->v);
	free(q->path);
	memset(q, 0, sizeof(*q));
}
