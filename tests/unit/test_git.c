/* test_git.c -- the git subject through libgit2, against repos made by git(1) */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/git.h"
#include "qgate/result.h"
#include "qgate/run.h"

static char base[64];

/* Run git with a fixed identity and no user/system config; returns stdout. */
static void git(struct qg_buf *out, const char *dir, ...)
{
	struct qg_child c;
	const char *a;
	va_list ap;

	qg_child_init(&c);
	assert_int_equal(qg_strvec_pushv(&c.args, (const char *const[]){ "git", "-c", "user.name=qgate test",
								  "-c", "user.email=test@example.com",
								  "-c", "protocol.file.allow=always", NULL }),
			 0);
	va_start(ap, dir);
	while ((a = va_arg(ap, const char *)) != NULL)
		assert_int_equal(qg_strvec_push(&c.args, a), 0);
	va_end(ap);
	qg_strvec_push(&c.env, "GIT_CONFIG_NOSYSTEM=1");
	qg_strvec_push(&c.env, "GIT_CONFIG_GLOBAL=/dev/null");
	qg_strvec_push(&c.env, "GIT_TERMINAL_PROMPT=0");
	c.dir = dir;
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR | QG_CHILD_NO_STDIN;
	c.timeout_s = 60;
	assert_int_equal(qg_child_run(&c), 0);
	if (!c.exited || c.exit_code != 0)
		fail_msg("git %s failed: %s", c.args.v[7], c.err.buf);
	if (out) {
		qg_buf_reset(out);
		assert_int_equal(qg_buf_addstr(out, c.out.buf), 0);
		qg_buf_rtrim(out);
	}
	qg_child_release(&c);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static int setup_group(void **state)
{
	char repo[128];

	snprintf(base, sizeof(base), "/tmp/qg-git.XXXXXX");
	if (!mkdtemp(base))
		return -1;
	/* never find a repository above the temp folder */
	setenv("GIT_CEILING_DIRECTORIES", base, 1);
	snprintf(repo, sizeof(repo), "%s/repo", base);
	if (mkdir(repo, 0755) < 0)
		return -1;
	git(NULL, repo, "init", "-q", "-b", "main", NULL);
	write_file(repo, "a.txt", "one\n");
	git(NULL, repo, "add", "a.txt", NULL);
	git(NULL, repo, "commit", "-q", "-m", "first", NULL);
	write_file(repo, "a.txt", "two\n");
	git(NULL, repo, "commit", "-q", "-am", "second", NULL);
	return 0;
}

static int teardown_group(void **state)
{
	struct qg_child c;

	qg_child_init(&c);
	qg_strvec_pushv(&c.args, (const char *const[]){ "rm", "-rf", base, NULL });
	qg_child_run(&c);
	qg_child_release(&c);
	return 0;
}

static void subject_release(struct qg_subject *s)
{
	free(s->ref);
	memset(s, 0, sizeof(*s));
}

static void test_git_branch_commit_and_dirty(void **state)
{
	struct qg_subject s;
	struct qg_buf head = QG_BUF_INIT(QG_CAP_REPORT);
	char repo[128], sub[160];

	snprintf(repo, sizeof(repo), "%s/repo", base);
	memset(&s, 0, sizeof(s));
	git(&head, repo, "rev-parse", "HEAD", NULL);
	assert_int_equal(head.len, 40);

	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.in_repo, 1);
	assert_string_equal(s.commit, head.buf);
	assert_non_null(s.ref);
	assert_string_equal(s.ref, "refs/heads/main");
	assert_int_equal(s.dirty, 0);

	/* an untracked file does not make the tree dirty */
	write_file(repo, "untracked.txt", "x\n");
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.dirty, 0);

	/* found from a subfolder too (search up) */
	snprintf(sub, sizeof(sub), "%s/sub", repo);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(qg_git_subject(&s, sub), 0);
	assert_int_equal(s.in_repo, 1);
	assert_string_equal(s.commit, head.buf);

	/* editing a tracked file does; so does a staged change */
	write_file(repo, "a.txt", "three\n");
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.dirty, 1);
	git(NULL, repo, "add", "a.txt", NULL);
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.dirty, 1);
	git(NULL, repo, "checkout", "-q", "HEAD", "--", "a.txt", NULL);
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.dirty, 0);

	subject_release(&s);
	qg_buf_release(&head);
}

static void test_git_detached_head(void **state)
{
	struct qg_subject s;
	struct qg_buf first = QG_BUF_INIT(QG_CAP_REPORT);
	char repo[128];

	snprintf(repo, sizeof(repo), "%s/repo", base);
	memset(&s, 0, sizeof(s));
	git(&first, repo, "rev-parse", "HEAD~1", NULL);
	git(NULL, repo, "checkout", "-q", "--detach", "HEAD~1", NULL);
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.in_repo, 1);
	assert_null(s.ref);
	assert_string_equal(s.commit, first.buf);
	git(NULL, repo, "checkout", "-q", "main", NULL);
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_string_equal(s.ref, "refs/heads/main");
	subject_release(&s);
	qg_buf_release(&first);
}

static void test_git_shallow_clone(void **state)
{
	struct qg_subject s;
	struct qg_buf head = QG_BUF_INIT(QG_CAP_REPORT), url = QG_BUF_INIT(QG_CAP_REPORT), shallow = QG_BUF_INIT(QG_CAP_REPORT);
	char repo[128], clone[128];

	snprintf(repo, sizeof(repo), "%s/repo", base);
	snprintf(clone, sizeof(clone), "%s/shallow", base);
	memset(&s, 0, sizeof(s));
	git(&head, repo, "rev-parse", "HEAD", NULL);
	assert_int_equal(qg_buf_addf(&url, "file://%s", repo), 0);
	git(NULL, base, "clone", "-q", "--depth", "1", url.buf, clone, NULL);
	git(&shallow, clone, "rev-parse", "--is-shallow-repository", NULL);
	assert_string_equal(shallow.buf, "true");

	assert_int_equal(qg_git_subject(&s, clone), 0);
	assert_int_equal(s.in_repo, 1);
	assert_string_equal(s.commit, head.buf);
	assert_string_equal(s.ref, "refs/heads/main");
	assert_int_equal(s.dirty, 0);
	subject_release(&s);
	qg_buf_release(&head);
	qg_buf_release(&url);
	qg_buf_release(&shallow);
}

static void test_git_outside_a_repository(void **state)
{
	struct qg_subject s;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/outside", base);
	assert_int_equal(mkdir(dir, 0755), 0);
	memset(&s, 0, sizeof(s));
	s.ref = qg_strdup("stale");
	s.in_repo = 1;
	assert_int_equal(qg_git_subject(&s, dir), 0);
	assert_int_equal(s.in_repo, 0);
	assert_null(s.ref);
	assert_string_equal(s.commit, "");
	subject_release(&s);
}

static void test_git_version_loaded(void **state)
{
	const char *v = qg_git_version();

	assert_non_null(v);
	assert_true(strlen(v) >= 5 && v[1] == '.');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git_branch_commit_and_dirty),
		cmocka_unit_test(test_git_detached_head),
		cmocka_unit_test(test_git_shallow_clone),
		cmocka_unit_test(test_git_outside_a_repository),
		cmocka_unit_test(test_git_version_loaded),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
