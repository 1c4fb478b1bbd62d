/* tap.c -- TAP 12/13/14 in, by push (a running test's stdout) or from a file
 *
 * Lines are pushed in any pieces (test_tap_feed), split on '\n' ('\r\n' too)
 * and read one at a time; a line longer than 64 KiB keeps its first 64 KiB.
 * Memory per stream: the results themselves, one id per point (for the
 * duplicate check), and the current line.
 *
 * What counts (CONTRACT.md §6 and TAP 14):
 * - top-level points are lines at column 0: `ok`/`not ok`, optional number,
 *   optional description (a leading "- " dropped). An unnumbered point takes
 *   the next number. `not ok` is a failure unless a directive says otherwise;
 * - a directive is an unescaped `#` after whitespace followed by SKIP or
 *   TODO (any case, anything may follow the word: `# Skipped: why`,
 *   `#todo`); `testTitle#todo` and `\#` are not directives. SKIP (ok or
 *   not ok) is skipped; TODO is a pass either way (a TODO failure does not
 *   fail, a TODO pass is a pass), its message says TODO;
 * - the plan `1..N` comes first (before any point) or last (after every
 *   point); missing, doubled, in the middle, not starting at 1, or
 *   disagreeing with the points (count, duplicate or out-of-range ids)
 *   makes the stream invalid: test_tap_finish() is QG_EINPUT naming the
 *   line. `1..0` (with or without `# reason`) is a valid skip-all. An empty
 *   stream is invalid;
 * - `Bail out!` ends the stream, also from inside a subtest (TAP 14): one
 *   error (suite_errors), the lines after it are ignored, and the plan is not checked (the run was cut short on
 *   purpose, which is an error already);
 * - a YAML block (`  ---` ... `  ...`, two spaces deeper than the point)
 *   right after a point is that point's detail (bounded), and its
 *   `message:` key (else `error:`, where node:test puts it; plain, quoted or
 *   a block scalar's first line) becomes the point's message;
 * - subtests (decided here): indented lines -- TAP 14's 4-space streams,
 *   with or without `# Subtest:` headers, bare ones starting 8 spaces deep,
 *   and Test2's buffered `ok N - name {` ... `}` -- are not counted: the
 *   parent's closing point is the test. The subtests' failing points
 *   (`not ok` lines at any depth, without SKIP/TODO) are kept, bounded, in
 *   the closing point's detail, so a red parent says which child failed;
 * - `TAP version N`, `pragma +x`, comments and any other line are ignored,
 *   as TAP says of lines it does not know.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include "test.h"

#define TAP_LINE_CAP ((size_t)64 << 10)
#define TAP_DETAIL_CAP ((size_t)64 << 10)
#define TAP_MSG_CAP ((size_t)4 << 10)

struct test_tap {
	char *name, *classname;
	struct qg_buf line;      /* the line being assembled */
	int line_cut;            /* the current line passed TAP_LINE_CAP */
	long long lineno;        /* lines completed */
	int any_byte;
	struct test_results rs;  /* the points read so far */
	long long *ids;          /* each point's number */
	size_t nr_ids, alloc_ids;
	/* the plan */
	int planned;
	long long plan_start, plan_end, plan_line;
	size_t points_at_plan;
	long long second_plan_line;
	int bailed;
	/* YAML block of the last point */
	int in_yaml;
	struct qg_buf yaml;
	/* subtests' failures waiting for their closing point */
	struct qg_buf sub;
	int err;
};

int test_tap_new(struct test_tap **out, const char *name, const char *classname)
{
	struct test_tap *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return qg_error(QG_ENOMEM, "out of memory");
	t->name = qg_strdup(name ? name : "-");
	t->classname = qg_strdup(classname ? classname : "");
	if (!t->name || !t->classname) {
		test_tap_free(t);
		return qg_error(QG_ENOMEM, "out of memory");
	}
	qg_buf_init(&t->line, TAP_LINE_CAP);
	qg_buf_init(&t->yaml, TAP_DETAIL_CAP);
	qg_buf_init(&t->sub, TAP_DETAIL_CAP);
	*out = t;
	return 0;
}

void test_tap_free(struct test_tap *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->classname);
	qg_buf_release(&t->line);
	qg_buf_release(&t->yaml);
	qg_buf_release(&t->sub);
	test_results_release(&t->rs);
	free(t->ids);
	free(t);
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* A bounded copy that always succeeds in length (cut at cap). */
static char *dup_cap(const char *s, size_t len, size_t cap)
{
	if (len > cap) {
		len = cap;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return qg_strndup(s, len);
}

/* Attach the YAML block collected so far to the last point. */
static int yaml_flush(struct test_tap *t)
{
	struct test_case *c;
	const char *p, *v;
	char *msg = NULL;

	t->in_yaml = 0;
	if (!t->yaml.len || !t->rs.nr) {
		qg_buf_reset(&t->yaml);
		return 0;
	}
	c = &t->rs.v[t->rs.nr - 1];
	/* message: the first "message:" key of the block, else its "error:"
	 * (node:test writes the failure there) */
	for (int pass = 0; pass < 2 && !msg; pass++)
	for (p = t->yaml.buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p, *key = pass ? "error:" : "message:";
		size_t n, kl = strlen(key);

		while (is_ws(*q))
			q++;
		if (strncmp(q, key, kl))
			continue;
		v = q + kl;
		while (is_ws(*v))
			v++;
		n = strcspn(v, "\n");
		if ((*v == '|' || *v == '>') && v[n] == '\n') { /* block scalar: its first line */
			v += n + 1;
			while (is_ws(*v))
				v++;
			n = strcspn(v, "\n");
		}
		if (n >= 2 && (*v == '"' || *v == '\'') && v[n - 1] == *v)
			v++, n -= 2;
		if (n)
			msg = dup_cap(v, n, TAP_MSG_CAP);
		break;
	}
	if (msg) {
		free(c->message);
		c->message = msg;
	}
	if (!c->detail) {
		c->detail = qg_buf_detach(&t->yaml, NULL);
		if (!c->detail)
			return qg_error(QG_ENOMEM, "out of memory");
	}
	qg_buf_reset(&t->yaml);
	return 0;
}

/* Find a directive in a point's text: returns the '#' or NULL; *kind 'S'/'T'. */
static const char *find_directive(const char *s, int *kind)
{
	int prev_ws = 1; /* the text after the number counts as preceded by whitespace */

	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			prev_ws = 0;
			continue;
		}
		if (*p == '#' && prev_ws) {
			const char *w = p + 1;

			while (is_ws(*w))
				w++;
			if (!strncasecmp(w, "skip", 4) || !strncasecmp(w, "todo", 4)) {
				*kind = (*w == 's' || *w == 'S') ? 'S' : 'T';
				return p;
			}
		}
		prev_ws = is_ws(*p);
	}
	return NULL;
}

/* Copy s[0..n) with "\#" -> "#" and "\\" -> "\", trimmed. */
static char *unescape_trim(const char *s, size_t n)
{
	char *d, *o;

	while (n && is_ws(*s))
		s++, n--;
	while (n && is_ws(s[n - 1]))
		n--;
	if (n > TAP_MSG_CAP)
		n = TAP_MSG_CAP;
	d = o = malloc(n + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '#' || s[i + 1] == '\\'))
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return d;
}

static int add_point(struct test_tap *t, int ok, const char *rest)
{
	const char *p = rest, *dir;
	long long id = -1;
	int kind = 0;
	char *desc = NULL, *reason = NULL, namebuf[32];
	char msg[TAP_MSG_CAP + 16];
	enum test_outcome o;
	struct test_case *c;
	int err = 0;

	while (is_ws(*p))
		p++;
	if (*p >= '0' && *p <= '9') {
		id = 0;
		while (*p >= '0' && *p <= '9') {
			if (id < 1000000000000LL)
				id = id * 10 + (*p - '0');
			p++;
		}
	}
	if (id < 0)
		id = (long long)t->nr_ids + 1;
	dir = find_directive(p, &kind);
	{
		const char *d = p;
		size_t n = dir ? (size_t)(dir - p) : strlen(p);

		while (n && is_ws(*d))
			d++, n--;
		if (n && *d == '-')
			d++, n--;
		desc = unescape_trim(d, n);
	}
	if (dir) {
		const char *w = dir + 1;

		while (is_ws(*w))
			w++;
		w += 4;
		while (*w && !is_ws(*w) && *w != ':')
			w++; /* the rest of the word: "Skipped", "todo:" */
		if (*w == ':')
			w++;
		reason = unescape_trim(w, strlen(w));
	}
	if (!desc || (dir && !reason)) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto out;
	}
	if (kind == 'S')
		o = TEST_SKIP;
	else if (kind == 'T')
		o = TEST_PASS;
	else
		o = ok ? TEST_PASS : TEST_FAIL;
	if (kind)
		snprintf(msg, sizeof(msg), "%s%s%s", kind == 'S' ? "SKIP" : ok ? "TODO (passed)" : "TODO (failed)",
			 *reason ? ": " : "", reason);
	if (!*desc)
		snprintf(namebuf, sizeof(namebuf), "test %lld", id);
	c = test_results_add(&t->rs, t->classname, *desc ? desc : namebuf, o, kind ? msg : NULL, t->name);
	if (!c || QG_ALLOC_GROW(t->ids, t->nr_ids + 1, t->alloc_ids) < 0) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto out;
	}
	t->ids[t->nr_ids++] = id;
	if (t->sub.len) { /* the subtests this point closes */
		c->detail = qg_buf_detach(&t->sub, NULL);
		if (!c->detail)
			err = qg_error(QG_ENOMEM, "out of memory");
	}
out:
	free(desc);
	free(reason);
	return err;
}

/* "1..N" with an optional "# comment". */
static int parse_plan(const char *s, long long *a, long long *b)
{
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*a = strtoll(s, &end, 10);
	if (errno || strncmp(end, "..", 2) || end[2] < '0' || end[2] > '9')
		return 0;
	*b = strtoll(end + 2, &end, 10);
	if (errno)
		return 0;
	while (is_ws(*end))
		end++;
	return *end == '\0' || *end == '#';
}

static int keep_sub_failure(struct test_tap *t, const char *s)
{
	int kind = 0;

	if (strncmp(s, "not ok", 6) || (s[6] && !is_ws(s[6])) || find_directive(s + 6, &kind))
		return 0;
	if (t->sub.len + strlen(s) + 2 > TAP_DETAIL_CAP)
		return 0; /* bounded: later failures are dropped */
	if (qg_buf_addstr(&t->sub, "subtest: ") < 0 || qg_buf_addstr(&t->sub, s) < 0 ||
	    qg_buf_addch(&t->sub, '\n') < 0)
		return 0;
	return 0;
}

static int tap_line(struct test_tap *t, char *s, size_t len)
{
	long long a, b;

	t->lineno++;
	if (len && s[len - 1] == '\r')
		s[--len] = '\0';
	if (t->bailed)
		return 0;
	if (t->in_yaml) {
		const char *q = s;

		while (is_ws(*q))
			q++;
		if (len >= 5 && !strncmp(s, "  ...", 5) && !*(q + 3 + strspn(q + 3, " \t")))
			return yaml_flush(t);
		if (t->yaml.len + len + 1 <= TAP_DETAIL_CAP)
			if (qg_buf_add(&t->yaml, s, len) < 0 || qg_buf_addch(&t->yaml, '\n') < 0)
				return qg_error(QG_ENOMEM, "out of memory");
		return 0;
	}
	if (!strncmp(s, "  ---", 5) && !s[5 + strspn(s + 5, " \t")]) {
		t->in_yaml = 1;
		qg_buf_reset(&t->yaml);
		return 0;
	}
	if (!strncasecmp(s, "bail out!", 9)) {
		t->bailed = 1;
		t->rs.suite_errors++;
		return 0;
	}
	if (is_ws(*s)) { /* a subtest's line */
		const char *q = s;

		while (is_ws(*q))
			q++;
		if (!strncasecmp(q, "bail out!", 9)) { /* a subtest's bail out ends the whole run */
			t->bailed = 1;
			t->rs.suite_errors++;
			return 0;
		}
		return keep_sub_failure(t, q);
	}
	if (parse_plan(s, &a, &b)) {
		if (t->planned) {
			if (!t->second_plan_line)
				t->second_plan_line = t->lineno;
			return 0;
		}
		t->planned = 1;
		t->plan_start = a, t->plan_end = b, t->plan_line = t->lineno;
		t->points_at_plan = t->nr_ids;
		return 0;
	}
	if (!strncmp(s, "ok", 2) && (!s[2] || !(s[2] == '_' || (s[2] >= '0' && s[2] <= '9') ||
					      ((s[2] | 32) >= 'a' && (s[2] | 32) <= 'z'))))
		return add_point(t, 1, s + 2);
	if (!strncmp(s, "not ok", 6) && (!s[6] || !(s[6] == '_' || (s[6] >= '0' && s[6] <= '9') ||
						  ((s[6] | 32) >= 'a' && (s[6] | 32) <= 'z'))))
		return add_point(t, 0, s + 6);
	return 0; /* TAP version, pragma, comments, anything else */
}

int test_tap_feed(struct test_tap *t, const char *data, size_t len)
{
	if (t->err)
		return t->err;
	if (len)
		t->any_byte = 1;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		size_t room = TAP_LINE_CAP - t->line.len;

		if (n > room) {
			t->line_cut = 1;
			n = room;
		}
		if (n && qg_buf_add(&t->line, data, n) < 0)
			return t->err = qg_error(QG_ENOMEM, "out of memory");
		if (!nl)
			break;
		if ((t->err = tap_line(t, t->line.buf, t->line.len)) < 0)
			return t->err;
		qg_buf_reset(&t->line);
		t->line_cut = 0;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int tap_check_plan(struct test_tap *t)
{
	size_t n = t->nr_ids;

	if (t->bailed)
		return 0;
	if (!t->any_byte)
		return qg_error(QG_EINPUT, "'%s': empty, expected a TAP stream", t->name);
	if (!t->planned)
		return qg_error(QG_EINPUT, "'%s':%lld: no plan: expected '1..N' before the first or after the last test point (%zu points seen)",
				t->name, t->lineno, n);
	if (t->second_plan_line)
		return qg_error(QG_EINPUT, "'%s':%lld: a second plan (the first was on line %lld)", t->name,
				t->second_plan_line, t->plan_line);
	if (t->points_at_plan > 0 && t->points_at_plan < n)
		return qg_error(QG_EINPUT, "'%s':%lld: the plan is in the middle of the test points (expected it before the first or after the last)",
				t->name, t->plan_line);
	if (t->plan_start != 1)
		return qg_error(QG_EINPUT, "'%s':%lld: plan %lld..%lld does not start at 1", t->name, t->plan_line,
				t->plan_start, t->plan_end);
	if (t->plan_end == 0 && n == 0)
		return 0; /* 1..0: skip-all */
	if ((long long)n != t->plan_end)
		return qg_error(QG_EINPUT, "'%s':%lld: plan 1..%lld but %zu test points", t->name, t->plan_line,
				t->plan_end, n);
	for (size_t i = 0; i < n; i++)
		if (t->ids[i] < 1 || t->ids[i] > t->plan_end)
			return qg_error(QG_EINPUT, "'%s': test point number %lld outside the plan 1..%lld", t->name,
					t->ids[i], t->plan_end);
	qsort(t->ids, n, sizeof(*t->ids), cmp_ll);
	for (size_t i = 1; i < n; i++)
		if (t->ids[i] == t->ids[i - 1])
			return qg_error(QG_EINPUT, "'%s': test point number %lld appears more than once", t->name,
					t->ids[i]);
	return 0;
}

int test_tap_finish(struct test_tap *t, struct test_results *out)
{
	int err;

	if (t->err)
		return t->err;
	if (t->line.len || t->line_cut)
		if ((t->err = tap_line(t, t->line.buf, t->line.len)) < 0)
			return t->err;
	qg_buf_reset(&t->line);
	if (t->in_yaml && (err = yaml_flush(t)) < 0)
		return t->err = err;
	if ((err = tap_check_plan(t)) < 0)
		return t->err = err;
	return test_results_move(out, &t->rs);
}

int test_read_tap(const char *path, struct test_results *out)
{
	struct test_tap *t;
	char buf[64 << 10];
	int fd, err;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return qg_error(QG_EINPUT, "'%s': cannot open: %s", path, strerror(errno));
	/* the report's name is its tests' classname: t_foo.tap -> t_foo, so
	 * the same report read from another checkout or shard lines up */
	{
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t n = strlen(base);
		struct qg_buf cls = QG_BUF_INIT(QG_CAP_PATH);

		if (n > 4 && !strcmp(base + n - 4, ".tap"))
			n -= 4;
		err = qg_buf_add(&cls, base, n);
		if (!err)
			err = test_tap_new(&t, path, cls.buf);
		qg_buf_release(&cls);
		if (err) {
			if (fd)
				close(fd);
			return err;
		}
	}
	while (!err) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qg_error(QG_EINPUT, "'%s': cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0) {
			err = test_tap_finish(t, out);
			break;
		}
		err = test_tap_feed(t, buf, (size_t)n);
	}
	if (fd)
		close(fd);
	test_tap_free(t);
	return err;
}
