/* test_lint_filter.c -- --filter (filter.c) and fingerprints / --baseline (baseline.c)
 *
 * The filters run over a diff written out by hand (the diff itself is
 * test_git_repo's subject), one finding per case of reviewdog's table. The
 * baseline runs over real files in a temp folder: a finding moved down
 * keeps its fingerprint, an edited line makes it new, a second identical
 * finding is new, re-indenting and CRLF do not matter, and a malformed
 * baseline is exit 3 naming file:line:col.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/run.h"

#include "lint/lint.h"

#include "test_git_fixture.h"

/* ---- filters */

static long long a_added[] = { 5, 6, 20 };
static struct qg_git_hunk a_hunks[] = { { 2, 8, 2, 6 }, { 17, 7, 15, 5 } }; /* new 2..9, 17..23 */
static struct qg_git_diff_file diff_files[] = {
	{ "a.c", "a.c", 'M', 0, a_added, 3, a_hunks, 2 },
	{ "b.bin", "b.bin", 'M', 1, NULL, 0, NULL, 0 },
	{ "d.c", "d.c", 'D', 0, NULL, 0, NULL, 0 },
	{ "r.c", "old/r.c", 'R', 0, NULL, 0, NULL, 0 },
};
static const struct qg_git_diff diff = { diff_files, 4 };

struct filter_case {
	const char *file;
	long long line, end_line;
	/* kept by: added, diff-context, file, nofilter */
	int keep[4];
};

static const struct filter_case cases[] = {
	{ "a.c", 5, 0, { 1, 1, 1, 1 } },     /* an added line */
	{ "a.c", 8, 0, { 0, 1, 1, 1 } },     /* a context line of a hunk */
	{ "a.c", 12, 0, { 0, 0, 1, 1 } },    /* outside every hunk */
	{ "a.c", 0, 0, { 0, 0, 1, 1 } },     /* no line, changed file */
	{ "a.c", 10, 20, { 1, 1, 1, 1 } },   /* spans lines: line 20 is added */
	{ "a.c", 11, 16, { 0, 0, 1, 1 } },   /* spans only unchanged lines */
	{ "a.c", 1, 2, { 0, 1, 1, 1 } },     /* ends in a hunk's context */
	{ "other.c", 5, 0, { 0, 0, 0, 1 } }, /* a file the change did not touch */
	{ "other.c", 0, 0, { 0, 0, 0, 1 } },
	{ "r.c", 3, 0, { 0, 0, 1, 1 } },     /* renamed without edits */
	{ "old/r.c", 3, 0, { 0, 0, 0, 1 } }, /* its old name is no changed file */
	{ "d.c", 1, 0, { 0, 0, 0, 1 } },     /* deleted: no new side */
	{ "b.bin", 0, 0, { 0, 0, 1, 1 } },   /* binary: changed, no lines */
	{ NULL, 0, 0, { 1, 1, 1, 1 } },      /* no file: never filtered */
};

static void test_lint_filter_modes(void **state)
{
	static const enum lint_filter modes[] = { LINT_FILTER_ADDED, LINT_FILTER_DIFF_CONTEXT, LINT_FILTER_FILE,
						  LINT_FILTER_NOFILTER };
	size_t m, i;

	for (m = 0; m < QG_ARRAY_SIZE(modes); m++) {
		struct lint_findings fs = { 0 };

		for (i = 0; i < QG_ARRAY_SIZE(cases); i++) {
			struct lint_finding *f = lint_findings_add(&fs, "tool", "rule", LINT_ERROR, cases[i].file,
								   cases[i].line, 0, "case %zu", i);

			assert_non_null(f);
			f->end_line = cases[i].end_line;
		}
		assert_int_equal(lint_filter_apply(modes[m], &diff, &fs), 0);
		for (i = 0; i < QG_ARRAY_SIZE(cases); i++) {
			int kept = !(fs.v[i].flags & LINT_F_FILTERED);

			if (kept != cases[i].keep[m])
				fail_msg("mode %zu, case %zu (%s:%lld-%lld): kept %d, want %d", m, i,
					 cases[i].file ? cases[i].file : "(none)", cases[i].line, cases[i].end_line, kept,
					 cases[i].keep[m]);
		}
		lint_findings_release(&fs);
	}
}

static void test_lint_filter_parse_names(void **state)
{
	enum lint_filter m = LINT_FILTER_NOFILTER;

	assert_int_equal(lint_filter_parse("added", &m), 0);
	assert_int_equal(m, LINT_FILTER_ADDED);
	assert_int_equal(lint_filter_parse("diff-context", &m), 0);
	assert_int_equal(m, LINT_FILTER_DIFF_CONTEXT);
	assert_int_equal(lint_filter_parse("diff_context", &m), 0);
	assert_int_equal(m, LINT_FILTER_DIFF_CONTEXT);
	assert_int_equal(lint_filter_parse("file", &m), 0);
	assert_int_equal(m, LINT_FILTER_FILE);
	assert_int_equal(lint_filter_parse("nofilter", &m), 0);
	assert_int_equal(m, LINT_FILTER_NOFILTER);
	assert_int_equal(lint_filter_parse("changed", &m), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "'changed'"));
	assert_int_equal(lint_filter_parse("", &m), QG_EUSAGE);
}

static void test_lint_filter_keeps_other_flags(void **state)
{
	struct lint_findings fs = { 0 };
	struct qg_git_diff empty = { NULL, 0 };

	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_WARNING, "x.c", 3, 1, "m"));
	fs.v[0].flags = LINT_F_SUPPRESSED;
	assert_int_equal(lint_filter_apply(LINT_FILTER_ADDED, &empty, &fs), 0);
	assert_int_equal(fs.v[0].flags, LINT_F_SUPPRESSED | LINT_F_FILTERED);
	lint_findings_release(&fs);
}

/* ---- fingerprints and the baseline */

static char dir[64];
static char root[80];

static int setup_group(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/qg-lintfp.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/", dir);
	return 0;
}

static int teardown_group(void **state)
{
	fx_rm_rf(dir);
	return 0;
}

static void put(const char *name, const char *text)
{
	fx_write_file(dir, name, text);
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static const char prog[] = "#include <stdio.h>\n"
			   "int main(void)\n"
			   "{\n"
			   "\tint unused = 1;\n"
			   "\treturn 0;\n"
			   "}\n";

/* The program with `pad` blank-ish lines above it. */
static void put_moved(const char *name, int pad)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int i;

	for (i = 0; i < pad; i++)
		assert_int_equal(qg_buf_addf(&b, "/* padding %d */\n", i), 0);
	assert_int_equal(qg_buf_addstr(&b, prog), 0);
	put(name, b.buf);
	qg_buf_release(&b);
}

static struct lint_ctx ctx_here(void)
{
	struct lint_ctx c;

	memset(&c, 0, sizeof(c));
	c.root = root;
	return c;
}

/* One finding on `line` of `name`, fingerprinted; its fingerprint copied out. */
static void fingerprint_one(const char *name, long long line, char out[33])
{
	struct lint_ctx ctx = ctx_here();
	struct lint_findings fs = { 0 };

	assert_non_null(lint_findings_add(&fs, "gcc", "-Wunused-variable", LINT_WARNING, name, line, 6,
					  "unused variable 'unused'"));
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	assert_int_equal(strlen(fs.v[0].fingerprint), 32);
	assert_int_equal(strspn(fs.v[0].fingerprint, "0123456789abcdef"), 32);
	memcpy(out, fs.v[0].fingerprint, 33);
	lint_findings_release(&fs);
}

static void test_lint_fingerprint_moves_and_edits(void **state)
{
	char a[33], b[33], c[33], d[33], e[33], f[33];

	put_moved("m.c", 0);
	fingerprint_one("m.c", 4, a);
	put_moved("m.c", 10); /* the same code 10 lines down */
	fingerprint_one("m.c", 14, b);
	assert_string_equal(a, b);
	fingerprint_one("m.c", 15, c); /* another line of it: another fingerprint */
	assert_string_not_equal(a, c);

	/* re-indented and CRLF: still the same */
	put("m.c", "#include <stdio.h>\r\nint main(void)\r\n{\r\n    int   unused = 1;  \r\n\treturn 0;\r\n}\r\n");
	fingerprint_one("m.c", 4, d);
	assert_string_equal(a, d);

	/* the line edited: new */
	put("m.c", "#include <stdio.h>\nint main(void)\n{\n\tint unused = 2;\n\treturn 0;\n}\n");
	fingerprint_one("m.c", 4, e);
	assert_string_not_equal(a, e);

	/* the same text in another file: another fingerprint */
	put_moved("n.c", 0);
	fingerprint_one("n.c", 4, f);
	assert_string_not_equal(a, f);
}

/* Baselines are kept in repositories: the fingerprint of a given finding on
 * given text must never change between versions (a change here needs a new
 * baseline schema). The value was computed apart from baseline.c, by a
 * Python model of the definition: FNV-1a 64 of each normalised line,
 * MurmurHash3 x64 128 of "qgate-lint-fingerprint/1\ngcc\n-Wunused-variable\n
 * golden.c\ntext\n" + the three line hashes joined by "\n", then of that
 * hash's hex + "#0" (the model also gives MurmurHash3's published value for
 * "The quick brown fox jumps over the lazy dog"). */
static void test_lint_fingerprint_is_stable(void **state)
{
	char fp[33];

	put("golden.c", "int a;\n  int  b ;\nint c;\n");
	fingerprint_one("golden.c", 2, fp);
	assert_string_equal(fp, "c80b21b6a4307ea78273b9cbf2ea8a5d");
}

static void test_lint_fingerprint_edges(void **state)
{
	struct lint_ctx ctx = ctx_here();
	struct lint_findings fs = { 0 };

	put("edge.txt", "first\nlast without newline");
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, "edge.txt", 1, 0, "m"));
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, "edge.txt", 2, 0, "m"));
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, "edge.txt", 9, 0, "m")); /* past the end */
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, "edge.txt", 0, 0, "m"));   /* no line */
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, "missing.txt", 3, 0, "m")); /* unreadable */
	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_NOTE, NULL, 0, 0, "on branch main"));
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	for (size_t i = 0; i < fs.nr; i++) {
		assert_int_equal(strlen(fs.v[i].fingerprint), 32);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(fs.v[i].fingerprint, fs.v[j].fingerprint);
	}
	lint_findings_release(&fs);
}

static void findings_on(struct lint_findings *fs, const char *name, const long long *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_non_null(lint_findings_add(fs, "gcc", "-Wunused-variable", LINT_WARNING, name, lines[i], 6,
						  "unused variable 'unused'"));
}

static size_t count_flag(const struct lint_findings *fs, unsigned flag)
{
	size_t i, n = 0;

	for (i = 0; i < fs->nr; i++)
		n += (fs->v[i].flags & flag) != 0;
	return n;
}

static void test_lint_baseline_old_stays_old_new_is_new(void **state)
{
	struct lint_ctx ctx = ctx_here();
	struct lint_findings fs = { 0 };
	struct qg_json *j = NULL;
	char bl[160];
	const struct qg_json *e;

	path_of(bl, sizeof(bl), "baseline.json");
	put_moved("base.c", 0);
	findings_on(&fs, "base.c", (const long long[]){ 4 }, 1);
	assert_non_null(lint_findings_add(&fs, "builtin", "no-commit-to-branch", LINT_ERROR, NULL, 0, 0, "main"));
	assert_non_null(lint_findings_add(&fs, "sup", "r", LINT_ERROR, "base.c", 2, 0, "suppressed"));
	fs.v[2].flags = LINT_F_SUPPRESSED;
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	assert_int_equal(lint_baseline_write(bl, &fs), 0);

	/* the document: schema, entries with what a reader needs; suppressed ones left out */
	assert_int_equal(qg_json_parse_file(&j, bl), 0);
	assert_string_equal(qg_json_string(qg_json_get(j, "schema")), "qgate.lint-baseline/v1");
	assert_int_equal(qg_json_size(qg_json_get(j, "entries")), 2);
	e = qg_json_at(qg_json_get(j, "entries"), 0);
	assert_string_equal(qg_json_string(qg_json_get(e, "fingerprint")), fs.v[0].fingerprint);
	assert_string_equal(qg_json_string(qg_json_get(e, "tool")), "gcc");
	assert_string_equal(qg_json_string(qg_json_get(e, "rule")), "-Wunused-variable");
	assert_string_equal(qg_json_string(qg_json_get(e, "file")), "base.c");
	assert_int_equal((long long)qg_json_number(qg_json_get(e, "line")), 4);
	assert_string_equal(qg_json_string(qg_json_get(e, "message")), "unused variable 'unused'");
	assert_int_equal(qg_json_type(qg_json_get(qg_json_at(qg_json_get(j, "entries"), 1), "file")), QG_JSON_NULL);
	qg_json_free(j);
	lint_findings_release(&fs);

	/* 10 lines inserted above: the finding moved to line 14 and stays old */
	put_moved("base.c", 10);
	findings_on(&fs, "base.c", (const long long[]){ 14 }, 1);
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	assert_int_equal(lint_baseline_apply(bl, &fs), 0);
	assert_int_equal(fs.v[0].flags, LINT_F_BASELINE);
	lint_findings_release(&fs);

	/* the line edited: new */
	put("base.c", "#include <stdio.h>\nint main(void)\n{\n\tint unused = 7;\n\treturn 0;\n}\n");
	findings_on(&fs, "base.c", (const long long[]){ 4 }, 1);
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	assert_int_equal(lint_baseline_apply(bl, &fs), 0);
	assert_int_equal(fs.v[0].flags, 0);
	lint_findings_release(&fs);

	/* a second copy of the same code with the same finding: one old, one new */
	{
		struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

		assert_int_equal(qg_buf_addstr(&b, prog), 0);
		assert_int_equal(qg_buf_addstr(&b, prog), 0);
		put("base.c", b.buf);
		qg_buf_release(&b);
	}
	findings_on(&fs, "base.c", (const long long[]){ 4, 10 }, 2);
	assert_int_equal(lint_fingerprint(&ctx, &fs), 0);
	assert_string_not_equal(fs.v[0].fingerprint, fs.v[1].fingerprint);
	assert_int_equal(lint_baseline_apply(bl, &fs), 0);
	assert_int_equal(fs.v[0].flags, LINT_F_BASELINE);
	assert_int_equal(fs.v[1].flags, 0);
	lint_findings_release(&fs);
}

static void test_lint_baseline_counts_recorded_times(void **state)
{
	struct lint_findings fs = { 0 };
	char bl[160];
	size_t i;

	path_of(bl, sizeof(bl), "twice.json");
	/* the same fingerprint recorded twice hides two findings, not three */
	put("twice.json", "{\"schema\": \"qgate.lint-baseline/v1\", \"entries\": ["
			  "{\"fingerprint\": \"0123456789abcdef0123456789abcdef\"},"
			  "{\"fingerprint\": \"0123456789abcdef0123456789abcdef\", \"tool\": \"t\"}]}\n");
	for (i = 0; i < 3; i++) {
		assert_non_null(lint_findings_add(&fs, "t", "r", LINT_ERROR, "f.c", (long long)i + 1, 0, "m"));
		memcpy(fs.v[i].fingerprint, "0123456789abcdef0123456789abcdef", 33);
	}
	assert_int_equal(lint_baseline_apply(bl, &fs), 0);
	assert_int_equal(count_flag(&fs, LINT_F_BASELINE), 2);
	assert_int_equal(fs.v[2].flags, 0);
	lint_findings_release(&fs);
}

static void test_lint_baseline_malformed(void **state)
{
	struct lint_findings fs = { 0 };
	char bl[160], want[200];

	assert_non_null(lint_findings_add(&fs, "t", "r", LINT_ERROR, "f.c", 1, 0, "m"));
	memcpy(fs.v[0].fingerprint, "0123456789abcdef0123456789abcdef", 33);

	path_of(bl, sizeof(bl), "bad.json");
	put("bad.json", "{\n  \"schema\": \"qgate.lint-baseline/v1\",\n  \"entries\": [ , ]\n}\n");
	assert_int_equal(lint_baseline_apply(bl, &fs), QG_EINPUT);
	snprintf(want, sizeof(want), "%s':3:", bl);
	if (!strstr(qg_error_last(), want))
		fail_msg("message '%s' does not name '%s'", qg_error_last(), want);

	put("bad.json", "{\"schema\": \"something/else\", \"entries\": []}");
	assert_int_equal(lint_baseline_apply(bl, &fs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "not a qgate lint baseline"));

	put("bad.json", "{\"schema\": \"qgate.lint-baseline/v1\", \"entries\": [{\"fingerprint\": \"xyz\"}]}");
	assert_int_equal(lint_baseline_apply(bl, &fs), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "entries[0]"));

	path_of(bl, sizeof(bl), "absent.json");
	assert_int_equal(lint_baseline_apply(bl, &fs), QG_EINPUT);
	assert_int_equal(fs.v[0].flags, 0);
	lint_findings_release(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_filter_modes),
		cmocka_unit_test(test_lint_filter_parse_names),
		cmocka_unit_test(test_lint_filter_keeps_other_flags),
		cmocka_unit_test(test_lint_fingerprint_moves_and_edits),
		cmocka_unit_test(test_lint_fingerprint_is_stable),
		cmocka_unit_test(test_lint_fingerprint_edges),
		cmocka_unit_test(test_lint_baseline_old_stays_old_new_is_new),
		cmocka_unit_test(test_lint_baseline_counts_recorded_times),
		cmocka_unit_test(test_lint_baseline_malformed),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
