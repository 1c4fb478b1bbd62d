/* test_git_fixture.h -- repositories made by git(1) for the unit tests
 *
 * Included by test_git.c, test_git_repo.c and test_lint_filter.c (each a
 * program of its own, so the helpers are static). git runs with a fixed
 * identity and no user or system config, so a developer's settings cannot
 * change what a test builds.
 */
#ifndef QGATE_TEST_GIT_FIXTURE_H
#define QGATE_TEST_GIT_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "qgate/run.h"

/* Run `git ARGS...` (NULL-terminated) in dir. The exit status must be
 * `want_exit`; stdout goes to out (kept whole: -z output holds NULs). */
static QG_UNUSED void fx_git_va(struct qg_buf *out, int want_exit, const char *dir, va_list ap)
{
	struct qg_child c;
	const char *a;

	qg_child_init(&c);
	assert_int_equal(qg_strvec_pushv(&c.args, (const char *const[]){ "git", "-c", "user.name=qgate test",
								  "-c", "user.email=test@example.com",
								  "-c", "protocol.file.allow=always", "-c",
								  "diff.renames=true", NULL }),
			 0);
	while ((a = va_arg(ap, const char *)) != NULL)
		assert_int_equal(qg_strvec_push(&c.args, a), 0);
	qg_strvec_push(&c.env, "GIT_CONFIG_NOSYSTEM=1");
	qg_strvec_push(&c.env, "GIT_CONFIG_GLOBAL=/dev/null");
	qg_strvec_push(&c.env, "GIT_TERMINAL_PROMPT=0");
	c.dir = dir;
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR | QG_CHILD_NO_STDIN;
	c.timeout_s = 60;
	assert_int_equal(qg_child_run(&c), 0);
	if (!c.exited || c.exit_code != want_exit)
		fail_msg("git %s: %s (want exit %d): %s", c.args.v[9], c.exited ? "exited" : "died", want_exit,
			 c.err.buf);
	if (out) {
		qg_buf_reset(out);
		assert_int_equal(qg_buf_add(out, c.out.buf, c.out.len), 0);
	}
	qg_child_release(&c);
}

/* git that must succeed. */
static QG_UNUSED void fx_git(struct qg_buf *out, const char *dir, ...)
{
	va_list ap;

	va_start(ap, dir);
	fx_git_va(out, 0, dir, ap);
	va_end(ap);
}

/* git that must exit with want_exit (a merge that conflicts: 1). */
static QG_UNUSED void fx_git_exit(int want_exit, const char *dir, ...)
{
	va_list ap;

	va_start(ap, dir);
	fx_git_va(NULL, want_exit, dir, ap);
	va_end(ap);
}

static QG_UNUSED void fx_write_bytes(const char *dir, const char *name, const char *data, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static QG_UNUSED void fx_write_file(const char *dir, const char *name, const char *text)
{
	fx_write_bytes(dir, name, text, strlen(text));
}

/* A temp folder base (from template, "/tmp/qg-x.XXXXXX") that no
 * repository above can capture, and an empty repository base/repo on
 * branch main. 0, or -1 (setup functions return it). */
static QG_UNUSED int fx_init_repo(char *base, size_t base_len, const char *template, char *repo, size_t repo_len)
{
	snprintf(base, base_len, "%s", template);
	if (!mkdtemp(base))
		return -1;
	setenv("GIT_CEILING_DIRECTORIES", base, 1);
	snprintf(repo, repo_len, "%s/repo", base);
	if (mkdir(repo, 0755) < 0)
		return -1;
	fx_git(NULL, repo, "init", "-q", "-b", "main", NULL);
	return 0;
}

/* rm -rf a test's temp folder (teardown). */
static QG_UNUSED void fx_rm_rf(const char *dir)
{
	struct qg_child c;

	qg_child_init(&c);
	qg_strvec_pushv(&c.args, (const char *const[]){ "rm", "-rf", dir, NULL });
	qg_child_run(&c);
	qg_child_release(&c);
}

#endif
