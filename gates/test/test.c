/* test.c -- qgate-test's result list: adding, moving and freeing test cases
 *
 * Every reader (JUnit, TAP, go test -json) and the runner append their
 * results here; the list owns every string it holds. A case's identity is
 * classname + name (+ file/line), kept as the strings given. Ordering the
 * compact lines, and the runs a big list spills to temp files, are in
 * sort.c.
 */
#include "qgate/common.h"

#include <stdint.h>

#include "qgate/result.h"

#include "test.h"

const char *test_outcome_name(enum test_outcome o)
{
	switch (o) {
	case TEST_PASS:
		return "passed";
	case TEST_SKIP:
		return "skipped";
	case TEST_FAIL:
		return "failed";
	case TEST_ERROR:
		return "error";
	}
	return "error";
}

static char *dup_or_null(const char *s, int *bad)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*bad = 1;
	return d;
}

static void case_release(struct test_case *c)
{
	free(c->classname);
	free(c->name);
	free(c->file);
	free(c->message);
	free(c->detail);
	free(c->source);
	for (size_t i = 0; i < c->nr_failed_attempts; i++)
		free(c->failed_attempts[i]);
	free(c->failed_attempts);
	memset(c, 0, sizeof(*c));
}

static int grow(struct test_results *rs, size_t extra)
{
	size_t want = rs->nr + extra, n;
	struct test_case *v;

	if (want <= rs->alloc)
		return 0;
	n = rs->alloc ? rs->alloc * 2 : 16;
	while (n < want)
		n *= 2;
	v = realloc(rs->v, n * sizeof(*v));
	if (!v)
		return qg_error(QG_ENOMEM, "out of memory");
	rs->v = v;
	rs->alloc = n;
	return 0;
}

struct test_case *test_results_add(struct test_results *rs, const char *classname, const char *name,
				   enum test_outcome outcome, const char *message, const char *source)
{
	struct test_case *c;
	int bad = 0;

	if (grow(rs, 1) < 0)
		return NULL;
	c = &rs->v[rs->nr];
	memset(c, 0, sizeof(*c));
	c->classname = dup_or_null(classname ? classname : "", &bad);
	c->name = dup_or_null(name ? name : "", &bad);
	c->message = dup_or_null(message, &bad);
	c->source = dup_or_null(source, &bad);
	c->outcome = outcome;
	c->time_s = -1;
	c->attempts = 1;
	if (bad) {
		case_release(c);
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	rs->nr++;
	return c;
}

int test_case_add_failed_attempt(struct test_case *c, const char *message)
{
	char **v = realloc(c->failed_attempts, (c->nr_failed_attempts + 1) * sizeof(*v));

	if (!v)
		return qg_error(QG_ENOMEM, "out of memory");
	c->failed_attempts = v;
	v[c->nr_failed_attempts] = strdup(message ? message : "");
	if (!v[c->nr_failed_attempts])
		return qg_error(QG_ENOMEM, "out of memory");
	c->nr_failed_attempts++;
	return 0;
}

int test_case_set(char **field, const char *value)
{
	char *d = NULL;

	if (value && !(d = strdup(value)))
		return qg_error(QG_ENOMEM, "out of memory");
	free(*field);
	*field = d;
	return 0;
}

/* Room for len more bytes and a NUL in the compact list. */
static int compact_reserve(struct test_results *rs, size_t len)
{
	if (rs->compact_len + len + 1 > rs->compact_alloc) {
		size_t n = rs->compact_alloc ? rs->compact_alloc : 4096;
		char *b;

		while (n < rs->compact_len + len + 1)
			n *= 2;
		if (n > QG_CAP_REPORT)
			return qg_error(QG_ETOOBIG, "more than %zu bytes of test names", (size_t)QG_CAP_REPORT);
		if (!(b = realloc(rs->compact, n)))
			return qg_error(QG_ENOMEM, "out of memory");
		rs->compact = b;
		rs->compact_alloc = n;
	}
	return 0;
}

static int compact_add(struct test_results *rs, const char *data, size_t len)
{
	int err = compact_reserve(rs, len);

	if (err)
		return err;
	memcpy(rs->compact + rs->compact_len, data, len);
	rs->compact_len += len;
	rs->compact[rs->compact_len] = '\0';
	return 0;
}

/* The compact escape (\\, \t, \n, \r), handed to `add` a run at a time: one
 * loop for a buffer (test_compact_escape) and for the compact list itself. */
static int escape_runs(const char *s, size_t len, int (*add)(void *ud, const char *p, size_t n),
		       void *ud)
{
	int err = 0;

	for (size_t i = 0; !err && i < len; i++) {
		size_t start = i;

		while (i < len && s[i] != '\\' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			i++;
		if (i > start)
			err = add(ud, s + start, i - start);
		if (err || i >= len)
			break;
		err = add(ud, s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n" : "\\r", 2);
	}
	return err;
}

static int add_to_buf(void *ud, const char *p, size_t n)
{
	return qg_buf_add(ud, p, n);
}

int test_compact_escape(struct qg_buf *out, const char *s, size_t len)
{
	return escape_runs(s, len, add_to_buf, out);
}

int test_compact_unescape(struct qg_buf *out, const char *s, size_t len)
{
	int err = 0;

	if (!memchr(s, '\\', len)) /* nearly always: nothing escaped */
		return qg_buf_add(out, s, len);
	for (size_t i = 0; !err && i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < len) {
			c = s[++i];
			c = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
		}
		err = qg_buf_addch(out, c);
	}
	return err;
}

static int add_to_compact(void *ud, const char *p, size_t n)
{
	return compact_add(ud, p, n);
}

/* s escaped straight into the compact list */
static int compact_escaped(struct test_results *rs, const char *s, size_t len)
{
	return escape_runs(s, len, add_to_compact, rs);
}

/* Whether s[0..len) holds a byte the compact escape changes. */
static int needs_escape(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\\' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

/* The index of "test.<classname>." (escaped; "test." without a classname). */
static long intern_prefix(struct test_results *rs, const char *classname)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	char small[256];
	size_t len = classname ? strlen(classname) : 0;
	long k;

	if (len + 7 < sizeof(small) && !strpbrk(classname ? classname : "", "\\\t\n\r")) {
		size_t want = len ? len + 6 : 5;

		/* "test.<classname>." as the map holds it: a recent one? */
		for (size_t i = 0; i < QG_ARRAY_SIZE(rs->prefix_cache); i++) {
			uint32_t e = rs->prefix_cache[i];
			const char *key;

			if (!e || e - 1 >= rs->prefixes.nr || rs->prefixes.lens[e - 1] != want)
				continue;
			key = rs->prefixes.keys[e - 1];
			if (!memcmp(key, "test.", 5) && (!len || (!memcmp(key + 5, classname, len) && key[5 + len] == '.')))
				return (long)(e - 1);
		}
		memcpy(small, "test.", 5);
		if (len) {
			memcpy(small + 5, classname, len);
			small[5 + len++] = '.';
		}
		k = qg_strmap_add(&rs->prefixes, small, 5 + len);
		if (k >= 0 && (unsigned long)k < UINT32_MAX)
			rs->prefix_cache[rs->prefix_cache_next++ % QG_ARRAY_SIZE(rs->prefix_cache)] = (uint32_t)k + 1;
	} else if (qg_buf_addstr(&b, "test.") < 0 || test_compact_escape(&b, classname, len) < 0 ||
		   qg_buf_addch(&b, '.') < 0) {
		k = QG_ENOMEM;
	} else {
		k = qg_strmap_add(&rs->prefixes, b.buf, b.len);
	}
	qg_buf_release(&b);
	return k < 0 ? qg_error(QG_ENOMEM, "out of memory") : k;
}

static size_t put_uint(char *out, unsigned long long v)
{
	char t[24];
	size_t n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	return n;
}

int test_results_compact(struct test_results *rs, enum test_outcome o, double time_s, const char *classname,
			 const char *name, const char *message)
{
	char oc = o == TEST_PASS ? 'p' : o == TEST_SKIP ? 's' : o == TEST_FAIL ? 'f' : 'e';
	size_t mark = rs->compact_len, n = 0, nlen, mlen = 0;
	long k = intern_prefix(rs, classname);
	char head[64];
	int err;

	if (k < 0)
		return (int)k;
	/* once a case: digits by hand, not printf */
	head[n++] = oc;
	head[n++] = '\t';
	if (time_s >= 0 && time_s < 1e12)
		n += put_uint(head + n, (unsigned long long)(time_s * 1000.0 + 0.5));
	else
		head[n++] = '-';
	head[n++] = '\t';
	n += put_uint(head + n, (unsigned long long)k);
	head[n++] = '\t';
	nlen = name ? strlen(name) : 0;
	if (message) {
		size_t full = strlen(message);

		mlen = full < 1024 ? full : 1024;
		while (mlen && mlen < full && ((unsigned char)message[mlen] & 0xc0) == 0x80)
			mlen--; /* cut on a character boundary */
	}
	if (!needs_escape(name, nlen) && !needs_escape(message, mlen)) {
		/* nearly always: the line written in one go */
		char *p;

		if ((err = compact_reserve(rs, n + nlen + mlen + 2)))
			return err;
		p = rs->compact + rs->compact_len;
		memcpy(p, head, n);
		p += n;
		if (nlen)
			memcpy(p, name, nlen);
		p += nlen;
		*p++ = '\t';
		if (mlen)
			memcpy(p, message, mlen);
		p += mlen;
		*p++ = '\n';
		*p = '\0';
		rs->compact_len = (size_t)(p - rs->compact);
		rs->nr_compact++;
		return test_results_maybe_spill(rs);
	}
	err = compact_add(rs, head, n);
	if (!err && name)
		err = compact_escaped(rs, name, nlen);
	if (!err)
		err = compact_add(rs, "\t", 1);
	if (!err && message)
		err = compact_escaped(rs, message, mlen);
	if (!err)
		err = compact_add(rs, "\n", 1);
	if (err) {
		rs->compact_len = mark;
		if (rs->compact)
			rs->compact[mark] = '\0';
		return err;
	}
	rs->nr_compact++;
	return test_results_maybe_spill(rs);
}

/* "<o>\t<ms|->\t" into l; the rest after it in *rest. */
static int parse_head(struct test_compact_line *l, const char *line, const char *end, const char **rest)
{
	const char *t1;
	char *e;

	if (end - line < 4 || !strchr("psfe", line[0]) || line[1] != '\t' ||
	    !(t1 = memchr(line + 2, '\t', (size_t)(end - line - 2))))
		return -1;
	l->outcome = line[0];
	l->ms = -1;
	if (!(t1 - line == 3 && line[2] == '-')) {
		const char *p = line + 2;
		unsigned long long v = 0;

		/* nearly always whole milliseconds (put_uint()): read by hand,
		 * exactly what strtod() gives for up to 15 digits */
		while (p < t1 && *p >= '0' && *p <= '9' && p - line < 17)
			v = v * 10 + (unsigned long long)(*p++ - '0');
		if (p == t1 && p > line + 2) {
			l->ms = (double)v;
		} else {
			l->ms = strtod(line + 2, &e);
			if (e != t1 || !(l->ms >= 0))
				return -1;
		}
	}
	*rest = t1 + 1;
	return 0;
}

int test_compact_parse(const struct test_results *rs, struct test_compact_line *out, const char *line, size_t len)
{
	const char *end = line + len, *p, *t2, *t3, *e;
	unsigned long long k = 0;

	if (parse_head(out, line, end, &p) < 0 || !(t2 = memchr(p, '\t', (size_t)(end - p))) ||
	    !(t3 = memchr(t2 + 1, '\t', (size_t)(end - t2 - 1))) || memchr(t3 + 1, '\t', (size_t)(end - t3 - 1)))
		return -1;
	/* the index: digits only (this file wrote them) */
	for (e = p; e < t2 && e - p < 12 && *e >= '0' && *e <= '9'; e++)
		k = k * 10 + (unsigned long long)(*e - '0');
	if (e != t2 || e == p || k >= rs->prefixes.nr)
		return -1;
	out->prefix_idx = (size_t)k;
	out->head_len = (size_t)(p - line);
	out->prefix = rs->prefixes.keys[k];
	out->prefix_len = rs->prefixes.lens[k];
	out->name = t2 + 1;
	out->name_len = (size_t)(t3 - t2 - 1);
	out->msg = t3 + 1;
	out->msg_len = (size_t)(end - t3 - 1);
	return 0;
}

int test_compact_id(struct qg_buf *out, const struct test_compact_line *l)
{
	int err;

	qg_buf_reset(out);
	err = test_compact_unescape(out, l->prefix, l->prefix_len);
	if (!err)
		err = test_compact_unescape(out, l->name, l->name_len);
	return err < 0 ? qg_error(QG_ENOMEM, "out of memory") : 0;
}

int test_compact_render_parsed(struct qg_buf *out, size_t *last, const struct test_compact_line *l,
			       const char *line, size_t len)
{
	int err = 0;

	if (l->prefix_idx != *last) {
		*last = l->prefix_idx;
		err = qg_buf_addstr(out, "c\t");
		if (!err)
			err = qg_buf_add(out, l->prefix, l->prefix_len);
		if (!err)
			err = qg_buf_addch(out, '\n');
	}
	if (!err)
		err = qg_buf_add(out, line, l->head_len);
	if (!err)
		err = qg_buf_add(out, l->name, (size_t)(line + len - l->name));
	if (!err)
		err = qg_buf_addch(out, '\n');
	return err < 0 ? qg_error(QG_ENOMEM, "out of memory") : 0;
}

int test_compact_render_line(const struct test_results *rs, struct qg_buf *out, size_t *last, const char *line,
			     size_t len)
{
	struct test_compact_line l;

	if (test_compact_parse(rs, &l, line, len) < 0)
		return qg_error(QG_ERROR, "internal: a malformed compact test line");
	return test_compact_render_parsed(out, last, &l, line, len);
}

char *test_compact_render(const struct test_results *rs)
{
	struct test_compact_line l;
	const char *lines = rs->compact ? rs->compact : "";
	size_t len = rs->compact_len, n = 0, room = len + 1, last = (size_t)-1;
	char *out;

	/* a group costs "c\t" + prefix + "\n" once, and each case its
	 * prefix's index less: grown as needed */
	for (size_t k = 0; k < rs->prefixes.nr; k++)
		room += rs->prefixes.lens[k] + 3;
	if (!(out = malloc(room))) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		size_t k = strcspn(lines + i, "\n");

		if (k && !test_compact_parse(rs, &l, lines + i, k)) {
			const char *pidx = strchr(strchr(lines + i, '\t') + 1, '\t') + 1;
			size_t idx = strtoul(pidx, NULL, 10), tail = (size_t)(lines + i + k - l.name);

			if (idx != last) {
				char *grown;

				if (n + l.prefix_len + 4 + (pidx - (lines + i)) + tail + 2 > room) {
					room = room * 2 + l.prefix_len + k + 8;
					if (!(grown = realloc(out, room))) {
						free(out);
						qg_error(QG_ENOMEM, "out of memory");
						return NULL;
					}
					out = grown;
				}
				last = idx;
				memcpy(out + n, "c\t", 2);
				memcpy(out + n + 2, l.prefix, l.prefix_len);
				n += 2 + l.prefix_len;
				out[n++] = '\n';
			}
			if (n + (size_t)(pidx - (lines + i)) + tail + 2 > room) {
				char *grown;

				room = room * 2 + k + 8;
				if (!(grown = realloc(out, room))) {
					free(out);
					qg_error(QG_ENOMEM, "out of memory");
					return NULL;
				}
				out = grown;
			}
			memcpy(out + n, lines + i, (size_t)(pidx - (lines + i)));
			n += (size_t)(pidx - (lines + i));
			memcpy(out + n, l.name, tail);
			n += tail;
			out[n++] = '\n';
		}
		i += k + 1;
	}
	out[n] = '\0';
	return out;
}

void test_cases_begin(struct test_cases_iter *it, const char *cases)
{
	memset(it, 0, sizeof(*it));
	it->p = cases ? cases : "";
	it->prefix = "";
}

int test_cases_next(struct test_cases_iter *it, struct test_compact_line *l)
{
	while (*it->p) {
		const char *line = it->p, *end = line + strcspn(line, "\n"), *rest, *t;

		it->p = *end ? end + 1 : end;
		it->line++;
		if (end == line)
			continue;
		if (line[0] == 'c' && end - line >= 2 && line[1] == '\t') {
			it->prefix = line + 2;
			it->prefix_len = (size_t)(end - line - 2);
			if (memchr(it->prefix, '\t', it->prefix_len))
				return -1;
			continue;
		}
		if (parse_head(l, line, end, &rest) < 0 || !(t = memchr(rest, '\t', (size_t)(end - rest))) ||
		    memchr(t + 1, '\t', (size_t)(end - t - 1)))
			return -1;
		l->prefix = it->prefix;
		l->prefix_len = it->prefix_len;
		l->name = rest;
		l->name_len = (size_t)(t - rest);
		l->msg = t + 1;
		l->msg_len = (size_t)(end - t - 1);
		l->prefix_idx = l->head_len = 0;
		return 1;
	}
	return 0;
}

int test_results_add_cases(struct test_results *rs, const char *cases, const char *name)
{
	struct test_cases_iter it;
	struct test_compact_line l;
	char head[64];
	int r, err = 0;

	test_cases_begin(&it, cases);
	while (!err && (r = test_cases_next(&it, &l)) > 0) {
		size_t mark = rs->compact_len;
		long k = qg_strmap_add(&rs->prefixes, l.prefix, l.prefix_len);
		int n = snprintf(head, sizeof(head), "%c\t", l.outcome);

		if (l.ms >= 0)
			n += snprintf(head + n, sizeof(head) - (size_t)n, "%.15g\t", l.ms);
		else
			n += snprintf(head + n, sizeof(head) - (size_t)n, "-\t");
		if (k < 0) {
			err = qg_error(QG_ENOMEM, "out of memory");
			break;
		}
		n += snprintf(head + n, sizeof(head) - (size_t)n, "%ld\t", k);
		err = compact_add(rs, head, (size_t)n);
		if (!err)
			err = compact_add(rs, l.name, (size_t)(l.msg + l.msg_len - l.name));
		if (!err)
			err = compact_add(rs, "\n", 1);
		if (err) {
			rs->compact_len = mark;
			if (rs->compact)
				rs->compact[mark] = '\0';
		} else {
			rs->nr_compact++;
		}
	}
	if (!err && r < 0)
		err = qg_error(QG_EINPUT, "'%s': line %lld of a \"cases\" list is neither \"c<TAB>prefix\" nor "
					  "\"<p|s|f|e><TAB><ms|-><TAB><name><TAB><message>\"", name, it.line);
	return err;
}

int test_results_move(struct test_results *dst, struct test_results *src)
{
	if (grow(dst, src->nr) < 0)
		return QG_ENOMEM;
	if (src->nr_runs && (!dst->compact_len && !dst->prefixes.nr && !dst->nr_runs)) {
		/* dst is empty: it takes src's runs as they are (the prefixes
		 * follow below) */
		dst->runs = src->runs;
		dst->nr_runs = src->nr_runs;
		dst->nr_spilled = src->nr_spilled;
		src->runs = NULL;
		src->nr_runs = src->nr_spilled = 0;
		if (!src->compact_len) {
			struct qg_strmap t = dst->prefixes;

			dst->prefixes = src->prefixes;
			src->prefixes = t;
		}
	} else if (src->nr_runs) {
		/* src's runs keep their numbers, mapped to dst's */
		uint32_t *m = malloc((src->prefixes.nr + 1) * sizeof(*m));
		struct test_run *runs = realloc(dst->runs, (dst->nr_runs + src->nr_runs) * sizeof(*runs));

		if (runs)
			dst->runs = runs;
		if (!m || !runs) {
			free(m);
			return qg_error(QG_ENOMEM, "out of memory");
		}
		for (size_t j = 0; j < src->prefixes.nr; j++) {
			long idx = qg_strmap_add(&dst->prefixes, src->prefixes.keys[j], src->prefixes.lens[j]);

			if (idx < 0) {
				free(m);
				return qg_error(QG_ENOMEM, "out of memory");
			}
			m[j] = (uint32_t)idx;
		}
		for (size_t r = 0; r < src->nr_runs; r++) {
			struct test_run *run = &src->runs[r];
			size_t nm = run->map ? run->nmap : src->prefixes.nr;
			uint32_t *map = malloc((nm + 1) * sizeof(*map));

			if (!map) {
				free(m);
				return qg_error(QG_ENOMEM, "out of memory");
			}
			for (size_t j = 0; j < nm; j++)
				map[j] = m[run->map ? run->map[j] : j];
			free(run->map);
			run->map = map;
			run->nmap = nm;
			dst->runs[dst->nr_runs++] = *run;
			run->spool = NULL;
			run->map = NULL;
		}
		free(m);
		dst->nr_spilled += src->nr_spilled;
		free(src->runs);
		src->runs = NULL;
		src->nr_runs = src->nr_spilled = 0;
	}
	if (src->compact_len) {
		if (!dst->compact_len && !dst->prefixes.nr) {
			struct qg_strmap t = dst->prefixes;

			free(dst->compact);
			dst->compact = src->compact;
			dst->compact_len = src->compact_len;
			dst->compact_alloc = src->compact_alloc;
			dst->nr_compact = src->nr_compact;
			dst->prefixes = src->prefixes;
			src->prefixes = t;
			src->compact = NULL;
		} else {
			/* the lines name src's prefixes: renumbered into dst's */
			struct test_compact_line l;
			char head[64];

			for (size_t i = 0; i < src->compact_len;) {
				size_t k = strcspn(src->compact + i, "\n"), mark = dst->compact_len;
				const char *pidx;
				long idx;
				int n, err;

				if (test_compact_parse(src, &l, src->compact + i, k) < 0)
					return qg_error(QG_ERROR, "internal: a malformed compact test line");
				pidx = strchr(strchr(src->compact + i, '\t') + 1, '\t') + 1;
				if ((idx = qg_strmap_add(&dst->prefixes, l.prefix, l.prefix_len)) < 0)
					return qg_error(QG_ENOMEM, "out of memory");
				n = snprintf(head, sizeof(head), "%ld\t", idx);
				err = compact_add(dst, src->compact + i, (size_t)(pidx - (src->compact + i)));
				if (!err)
					err = compact_add(dst, head, (size_t)n);
				if (!err)
					err = compact_add(dst, l.name, (size_t)(src->compact + i + k - l.name) + 1);
				if (err) {
					dst->compact_len = mark;
					if (dst->compact)
						dst->compact[mark] = '\0';
					return err;
				}
				dst->nr_compact++;
				i += k + 1;
			}
		}
	}
	free(src->compact);
	qg_strmap_release(&src->prefixes);
	if (src->nr)
		memcpy(dst->v + dst->nr, src->v, src->nr * sizeof(*src->v));
	dst->nr += src->nr;
	dst->declared_failures += src->declared_failures;
	dst->declared_errors += src->declared_errors;
	dst->suite_errors += src->suite_errors;
	free(src->v);
	memset(src, 0, sizeof(*src));
	return 0;
}

void test_results_release(struct test_results *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nr; i++)
		case_release(&rs->v[i]);
	free(rs->v);
	free(rs->compact);
	test_results_runs_free(rs);
	qg_strmap_release(&rs->prefixes);
	memset(rs, 0, sizeof(*rs));
}

int test_case_ident(struct qg_buf *out, const struct test_case *c)
{
	int err = 0;

	if (c->classname && *c->classname) {
		err = qg_buf_addstr(out, c->classname);
		if (!err)
			err = qg_buf_addch(out, '.');
	}
	if (!err)
		err = qg_buf_addstr(out, c->name ? c->name : "");
	return err;
}

void test_results_remove(struct test_results *rs, size_t i)
{
	if (i >= rs->nr)
		return;
	case_release(&rs->v[i]);
	memmove(rs->v + i, rs->v + i + 1, (rs->nr - i - 1) * sizeof(*rs->v));
	rs->nr--;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

int test_case_cmp(const void *pa, const void *pb)
{
	const struct test_case *a = pa, *b = pb;
	int d = cmp_str(a->classname, b->classname);

	if (!d)
		d = cmp_str(a->name, b->name);
	if (!d)
		d = cmp_str(a->file, b->file);
	if (!d)
		d = (a->line > b->line) - (a->line < b->line);
	if (!d)
		d = cmp_str(a->source, b->source);
	return d;
}

static int cmp_case_ptr(const void *pa, const void *pb)
{
	return test_case_cmp(*(const struct test_case *const *)pa, *(const struct test_case *const *)pb);
}

int test_results_trim_failures(struct test_results *rs)
{
	struct test_case **fail, *v;
	size_t nf = 0, k = 0;
	int err = 0;

	for (size_t i = 0; i < rs->nr; i++)
		nf += rs->v[i].outcome >= TEST_FAIL;
	if (nf <= TEST_FULL_MAX)
		return 0;
	if (!(fail = malloc(nf * sizeof(*fail))))
		return qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; i < rs->nr; i++)
		if (rs->v[i].outcome >= TEST_FAIL)
			fail[k++] = &rs->v[i];
	qsort(fail, nf, sizeof(*fail), cmp_case_ptr);
	/* beyond the first TEST_FULL_MAX: a line each, the entry marked for
	 * removal (outcome out of range) */
	for (size_t i = TEST_FULL_MAX; !err && i < nf; i++) {
		struct test_case *c = fail[i];

		err = test_results_compact(rs, c->outcome, c->time_s, c->classname, c->name,
					   c->message ? c->message : test_outcome_name(c->outcome));
		if (!err)
			c->outcome = (enum test_outcome)-1;
	}
	free(fail);
	/* keep the rest in their order */
	v = rs->v;
	k = 0;
	for (size_t i = 0; i < rs->nr; i++) {
		if ((int)v[i].outcome == -1) {
			case_release(&v[i]);
			continue;
		}
		if (k != i)
			v[k] = v[i];
		k++;
	}
	rs->nr = k;
	return err;
}

int test_results_add_line(struct test_results *dst, const struct test_compact_line *l)
{
	size_t mark = dst->compact_len, n = 0;
	long k = qg_strmap_add(&dst->prefixes, l->prefix, l->prefix_len);
	char head[64];
	int err;

	if (k < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	head[n++] = l->outcome;
	head[n++] = '\t';
	if (l->ms >= 0 && l->ms < 1e15 && l->ms == (double)(unsigned long long)l->ms)
		n += put_uint(head + n, (unsigned long long)l->ms);
	else if (l->ms >= 0)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "%.15g", l->ms);
	else
		head[n++] = '-';
	head[n++] = '\t';
	n += put_uint(head + n, (unsigned long long)k);
	head[n++] = '\t';
	err = compact_add(dst, head, n);
	if (!err)
		err = compact_add(dst, l->name, l->name_len);
	if (!err)
		err = compact_add(dst, "\t", 1);
	if (!err)
		err = compact_add(dst, l->msg, l->msg_len);
	if (!err)
		err = compact_add(dst, "\n", 1);
	if (err) {
		dst->compact_len = mark;
		if (dst->compact)
			dst->compact[mark] = '\0';
		return err;
	}
	dst->nr_compact++;
	return test_results_maybe_spill(dst);
}
