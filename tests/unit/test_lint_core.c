/* test_lint_core.c -- qgate-lint's core pieces on their own: globs, report paths, finding lists, check sets, checkers
 *
 * The exclude globs and lint_path_normalise() are table-driven; the
 * streaming checkers are driven line by line the way builtin.c drives them
 * (begin, line..., end), so a checker's counting is tested without files.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lint/lint.h"

static void test_glob(void **state)
{
	static const struct {
		const char *pat, *path;
		int want;
	} cases[] = {
		{ "*.txt", "a.txt", 1 },          { "*.txt", "dir/a.txt", 1 },     { "*.txt", "a.txt.bak", 0 },
		{ "vendor", "vendor/x/y.c", 1 },  { "vendor/", "vendor/y.c", 1 },  { "vendor", "src/vendor.c", 0 },
		{ "src/*.c", "src/a.c", 1 },      { "src/*.c", "src/x/a.c", 0 },   { "src/**/*.c", "src/x/y/a.c", 1 },
		{ "src/**/*.c", "src/a.c", 1 },   { "/build", "build/x", 1 },      { "/build", "a/build/x", 0 },
		{ "docs/**", "docs/a/b", 1 },     { "a?c", "abc", 1 },             { "a?c", "a/c", 0 },
		{ "[ab].c", "b.c", 1 },           { "[ab].c", "c.c", 0 },          { "**/gen", "x/y/gen/z.c", 1 },
	};

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++) {
		int got = lint_glob_match(cases[i].pat, cases[i].path);

		if (got != cases[i].want)
			fail_msg("glob '%s' on '%s': got %d, want %d", cases[i].pat, cases[i].path, got, cases[i].want);
	}
}

static void test_normalise(void **state)
{
	static const struct {
		const char *raw, *want;
		int outside;
	} cases[] = {
		{ "a.c", "sub/a.c", 0 },
		{ "./a.c", "sub/a.c", 0 },
		{ "../top.c", "top.c", 0 },
		{ "/repo/x/y.c", "x/y.c", 0 },
		{ "/repo/x/../y.c", "y.c", 0 },
		{ "file:///repo/a%20b.c", "a b.c", 0 },
		{ "file://localhost/repo/z.c", "z.c", 0 },
		{ "../../etc/passwd", "../../etc/passwd", 1 },
		{ "/etc/passwd", "/etc/passwd", 1 },
		{ "/repository/a.c", "/repository/a.c", 1 },
		{ "..", ".", 0 },
	};
	struct lint_ctx ctx = { .root = "/repo/", .cwd = "/repo/sub/" };
	struct qg_buf out = QG_BUF_INIT(QG_CAP_MESSAGE);

	(void)state;
	for (size_t i = 0; i < QG_ARRAY_SIZE(cases); i++) {
		int outside = -1;

		assert_int_equal(lint_path_normalise(&ctx, cases[i].raw, &out, &outside), 0);
		if (strcmp(out.buf, cases[i].want) || outside != cases[i].outside)
			fail_msg("'%s': got '%s' outside=%d, want '%s' outside=%d", cases[i].raw, out.buf, outside,
				 cases[i].want, cases[i].outside);
	}
	qg_buf_release(&out);
}

static void test_findings(void **state)
{
	struct lint_findings a = { 0 }, b = { 0 };
	struct lint_finding *f;

	(void)state;
	f = lint_findings_add(&a, "t", "r", LINT_ERROR, "b.c", 3, 1, "line %d\nsecond", 3);
	assert_non_null(f);
	assert_string_equal(f->message, "line 3 second");
	assert_non_null(lint_findings_add(&b, "t", "", LINT_NOTE, "a.c", 9, 0, "x"));
	assert_non_null(lint_findings_add(&b, "t", "r", LINT_WARNING, NULL, 0, 0, "repo-wide"));
	assert_int_equal(lint_findings_move(&a, &b), 0);
	assert_int_equal(b.nr, 0);
	assert_int_equal(a.nr, 3);
	lint_findings_sort(&a);
	assert_null(a.v[0].file);
	assert_string_equal(a.v[1].file, "a.c");
	assert_string_equal(a.v[1].rule, "finding");
	assert_string_equal(a.v[2].file, "b.c");
	lint_findings_release(&a);
	lint_findings_release(&b);
	{
		enum lint_level l;

		assert_int_equal(lint_level_parse("Warning", &l), 0);
		assert_int_equal(l, LINT_WARNING);
		assert_int_equal(lint_level_parse("none", &l), 0);
		assert_int_equal(l, LINT_NOTE);
		assert_int_equal(lint_level_parse("bogus", &l), -1);
	}
}

/* lint_findings_sort keeps a sorted prefix and merges the rest in: the
 * result equals a plain qsort for every split of a random list. */
static int cmp_plain(const void *pa, const void *pb)
{
	const struct lint_finding *a = pa, *b = pb;
	int c = (a->file != NULL) - (b->file != NULL);

	if (a->file && b->file)
		c = strcmp(a->file, b->file);
	if (!c)
		c = (a->line > b->line) - (a->line < b->line);
	if (!c)
		c = (a->column > b->column) - (a->column < b->column);
	if (!c)
		c = strcmp(a->rule, b->rule);
	if (!c)
		c = strcmp(a->message, b->message);
	return c;
}

static void test_sort_merge(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct lint_findings a = { 0 }, want = { 0 };
		size_t n = 1 + (size_t)(round * 7 % 300), split; /* past 64: the file-rank sort too */
		char file[8];

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			snprintf(file, sizeof(file), "f%u", (seed >> 16) % 5);
			assert_non_null(lint_findings_add(&a, "t", (seed >> 8) & 1 ? "r1" : "r2", LINT_ERROR,
							  (seed >> 20) % 7 ? file : NULL, (seed >> 4) % 6, (seed >> 12) % 3,
							  "m%u", (seed >> 24) % 3));
		}
		for (size_t i = 0; i < n; i++)
			assert_non_null(lint_findings_add(&want, a.v[i].tool, a.v[i].rule, a.v[i].level, a.v[i].file,
							  a.v[i].line, a.v[i].column, "%s", a.v[i].message));
		/* a sorted prefix of `split` findings, then the rest as they come */
		split = (size_t)round % (n + 1);
		qsort(a.v, split, sizeof(*a.v), cmp_plain);
		qsort(want.v, want.nr, sizeof(*want.v), cmp_plain);
		lint_findings_sort(&a);
		for (size_t i = 0; i < n; i++)
			if (cmp_plain(&a.v[i], &want.v[i]))
				fail_msg("round %d (n %zu, split %zu): finding %zu out of order", round, n, split, i);
		lint_findings_release(&a);
		lint_findings_release(&want);
	}
}

static void test_checkset(void **state)
{
	struct lint_checkset set = { 0 };
	const char *specs[] = { "default,-secret", "no-commit-to-branch" };
	const char *bad[] = { "trailing-whitespaces" };

	(void)state;
	assert_int_equal(lint_checkset_parse(&set, specs, 2), 0);
	assert_true(lint_checkset_has(&set, "trailing-whitespace"));
	assert_false(lint_checkset_has(&set, "secret"));
	assert_true(lint_checkset_has(&set, "no-commit-to-branch"));
	lint_checkset_release(&set);
	assert_int_equal(lint_checkset_parse(&set, NULL, 0), 0);
	assert_false(lint_checkset_has(&set, "no-commit-to-branch"));
	lint_checkset_release(&set);
	assert_int_equal(lint_checkset_parse(&set, bad, 1), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "did you mean 'trailing-whitespace'"));
	lint_checkset_release(&set);
}

static const struct lint_checker *checker(const char *id)
{
	for (const struct lint_checker *c = lint_text_checkers; c->id; c++)
		if (!strcmp(c->id, id))
			return c;
	fail_msg("no checker %s", id);
	return NULL;
}

/* Drive a streaming checker over lines the way builtin.c does. */
static size_t drive(const char *id, const char *const *lines, size_t nr, struct lint_findings *out)
{
	const struct lint_checker *c = checker(id);
	struct lint_ctx ctx = { .root = "/r/" };
	struct lint_file f = { .path = "f.txt", .mode = 0100644 };
	void *st = c->begin(&ctx, &f);

	assert_non_null(st);
	for (size_t i = 0; i < nr; i++)
		if (c->line(st, lines[i], strlen(lines[i]), (long long)i + 1, 0, out) == LINT_LINE_DONE)
			break;
	assert_int_equal(c->end(st, out), 0);
	return out->nr;
}

static void test_checkers(void **state)
{
	struct lint_findings out = { 0 };
	static const char *const eof1[] = { "a\n", "\n", "\r\n" };
	static const char *const eof2[] = { "a\n", "b" };
	static const char *const mixed[] = { "a\r\n", "b\r\n", "c\n", "d\r\n" };
	static const char *const conflict[] = { "=======\n", "<<<<<<< ours\n", "x\n", "======= \n", "y\n", ">>>>>>> theirs\n",
						"=======\n" };
	static const char *const sec[] = { "k=AKIAABCDEFGHIJKLMNOP;\n", "AKIAABCDEFGHIJKLMNOPQ\n", "xAKIAABCDEFGHIJKLMNOP\n" };

	(void)state;
	assert_int_equal(drive("end-of-file", eof1, 3, &out), 1);
	assert_int_equal(out.v[0].line, 2);
	lint_findings_release(&out);
	assert_int_equal(drive("end-of-file", eof2, 2, &out), 1);
	assert_string_equal(out.v[0].message, "no newline at end of file");
	lint_findings_release(&out);
	assert_int_equal(drive("mixed-line-ending", mixed, 4, &out), 1);
	assert_int_equal(out.v[0].line, 3); /* the first LF: LF is the minority */
	lint_findings_release(&out);
	assert_int_equal(drive("merge-conflict", conflict, 7, &out), 3);
	assert_int_equal(out.v[0].line, 2);
	assert_int_equal(out.v[1].line, 4);
	assert_int_equal(out.v[2].line, 6);
	lint_findings_release(&out);
	assert_int_equal(drive("secret", sec, 3, &out), 1);
	assert_int_equal(out.v[0].column, 3);
	assert_null(strstr(out.v[0].message, "ABCDEFGH"));
	lint_findings_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),     cmocka_unit_test(test_normalise), cmocka_unit_test(test_findings),
		cmocka_unit_test(test_sort_merge),
		cmocka_unit_test(test_checkset), cmocka_unit_test(test_checkers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
