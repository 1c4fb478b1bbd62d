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

#include "test_git_fixture.h"

static char base[64];

/* git(1) with its answer trimmed (rev-parse and friends). */
static void git(struct qg_buf *out, const char *dir, ...)
{
	va_list ap;

	va_start(ap, dir);
	fx_git_va(out, 0, dir, ap);
	va_end(ap);
	if (out)
		qg_buf_rtrim(out);
}

static int setup_group(void **state)
{
	char repo[128];

	if (fx_init_repo(base, sizeof(base), "/tmp/qg-git.XXXXXX", repo, sizeof(repo)) < 0)
		return -1;
	fx_write_file(repo, "a.txt", "one\n");
	git(NULL, repo, "add", "a.txt", NULL);
	git(NULL, repo, "commit", "-q", "-m", "first", NULL);
	fx_write_file(repo, "a.txt", "two\n");
	git(NULL, repo, "commit", "-q", "-am", "second", NULL);
	return 0;
}

static int teardown_group(void **state)
{
	fx_rm_rf(base);
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
	fx_write_file(repo, "untracked.txt", "x\n");
	assert_int_equal(qg_git_subject(&s, repo), 0);
	assert_int_equal(s.dirty, 0);

	/* found from a subfolder too (search up) */
	snprintf(sub, sizeof(sub), "%s/sub", repo);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(qg_git_subject(&s, sub), 0);
	assert_int_equal(s.in_repo, 1);
	assert_string_equal(s.commit, head.buf);

	/* editing a tracked file does; so does a staged change */
	fx_write_file(repo, "a.txt", "three\n");
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
