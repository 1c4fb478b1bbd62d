/* test.c -- qgate-test's result list: adding, moving and freeing test cases
 *
 * Every reader (JUnit, TAP, go test -json) and the runner append their
 * results here; the list owns every string it holds. A case's identity is
 * classname + name (+ file/line), kept as the strings given.
 */
#include "qgate/common.h"

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

int test_results_move(struct test_results *dst, struct test_results *src)
{
	if (grow(dst, src->nr) < 0)
		return QG_ENOMEM;
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
