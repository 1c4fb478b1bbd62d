/* test_lint_shard.c -- qgate-lint --shard I/N: the documented rule, pinned
 *
 * A file is shard (FNV-1a-64(path) mod N) + 1's (gates/lint/shard.c,
 * docs/qgate-lint.1): the published FNV-1a test vectors fix the hash, so a
 * later version cannot move files between shards of runs that a merge
 * puts together; every path has exactly one shard; a finding without a
 * file is shard 1's; the filter keeps exactly the shard's findings.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "qgate/shard.h"

#include "lint/lint.h"

static long long owner(const char *path, long long n)
{
	long long who = 0;

	for (long long i = 1; i <= n; i++) {
		struct qg_shard s = { i, n };

		if (lint_shard_owns(&s, path)) {
			assert_int_equal(who, 0); /* one shard only */
			who = i;
		}
	}
	return who;
}

static void test_lint_shard_rule(void **state)
{
	char path[64];

	(void)state;
	/* FNV-1a-64: "a" = 0xaf63dc4c8601ec8c, "foobar" = 0x85944171f73967e8 */
	assert_int_equal(owner("a", 3), (long long)(0xaf63dc4c8601ec8cull % 3) + 1);
	assert_int_equal(owner("foobar", 3), (long long)(0x85944171f73967e8ull % 3) + 1);
	assert_int_equal(owner("foobar", 7), (long long)(0x85944171f73967e8ull % 7) + 1);
	assert_int_equal(owner("", 5), (long long)(0xcbf29ce484222325ull % 5) + 1);
	assert_int_equal(owner(NULL, 4), 1);
	assert_int_equal(owner("src/main.c", 1), 1);
	assert_true(lint_shard_owns(NULL, "anything"));
	/* every path in one shard, and the shards all used */
	{
		long long seen[4] = { 0 };

		for (int i = 0; i < 300; i++) {
			snprintf(path, sizeof(path), "dir%d/file%d.c", i % 7, i);
			seen[owner(path, 3)]++;
		}
		assert_int_equal(seen[0], 0);
		assert_true(seen[1] > 50 && seen[2] > 50 && seen[3] > 50);
	}
}

static void test_lint_shard_filter(void **state)
{
	struct qg_shard s = { 2, 3 };
	struct lint_findings fs = { 0 };
	size_t kept = 0, dropped;
	char path[32];

	(void)state;
	for (int i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "f%d.txt", i);
		assert_non_null(lint_findings_add(&fs, "builtin", "end-of-file", LINT_ERROR, path, 1, 0, "no newline"));
		assert_non_null(lint_findings_add_text(&fs, "gcc", "W1", LINT_WARNING, path, 2, 1, "m", 1));
		kept += lint_shard_owns(&s, path) ? 2 : 0;
	}
	assert_non_null(lint_findings_add(&fs, "builtin", "no-commit-to-branch", LINT_ERROR, NULL, 0, 0, "main"));
	dropped = lint_shard_filter(&s, &fs);
	assert_int_equal(fs.nr, kept);
	assert_int_equal(dropped, 121 - kept); /* the file-less finding went to shard 1 */
	for (size_t i = 0; i < fs.nr; i++)
		assert_true(lint_shard_owns(&s, fs.v[i].file));
	lint_findings_release(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_shard_rule),
		cmocka_unit_test(test_lint_shard_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
