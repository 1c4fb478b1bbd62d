/* test_file.c -- atomic writes, temp-file cleanup on signals, path checks */
#include "qgate/common.h"

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/file.h"

struct fx {
	char dir[64];
	char target[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/qg-test-file-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->target, sizeof(f->target), "%s/report.json", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		struct qg_buf p = QG_BUF_INIT(QG_CAP_REPORT);

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		assert_int_equal(qg_buf_addf(&p, "%s/%s", f->dir, e->d_name), 0);
		unlink(p.buf);
		qg_buf_release(&p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void expect_content(const char *path, const char *want)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	assert_int_equal(qg_buf_read_file(&b, path), 0);
	assert_string_equal(b.buf, want);
	qg_buf_release(&b);
}

static void test_file_write_atomic_replaces(void **state)
{
	struct fx *f = *state;
	struct stat st;
	mode_t old = umask(022);

	assert_int_equal(qg_file_write_atomic(f->target, "old", 3), 0);
	expect_content(f->target, "old");
	assert_int_equal(qg_file_write_atomic(f->target, "new content", 11), 0);
	expect_content(f->target, "new content");
	assert_int_equal(count_entries(f->dir), 1); /* no temp file left */
	assert_int_equal(stat(f->target, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	umask(old);
}

static void test_file_write_atomic_missing_dir(void **state)
{
	struct fx *f = *state;
	char p[256];

	snprintf(p, sizeof(p), "%s/no/such/dir/r.json", f->dir);
	assert_int_equal(qg_file_write_atomic(p, "x", 1), QG_EIO);
	assert_non_null(strstr(qg_error_last(), p));
}

static void test_file_killed_mid_write_leaves_old_intact(void **state)
{
	struct fx *f = *state;
	pid_t pid;
	int st;

	assert_int_equal(qg_file_write_atomic(f->target, "{\"status\": \"fail\"}\n", 19), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct qg_file_atomic *a;

		qg_file_install_signal_cleanup();
		if (qg_file_atomic_open(&a, f->target))
			_exit(10);
		if (qg_file_atomic_write(a, "{\"status\": \"pa", 14))
			_exit(11);
		if (count_entries(f->dir) != 2) /* the temp file exists now */
			_exit(12);
		raise(SIGTERM);
		_exit(13); /* not reached: the handler re-raises with the default action */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st))
		fail_msg("child exited with %d instead of dying by SIGTERM", WEXITSTATUS(st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	expect_content(f->target, "{\"status\": \"fail\"}\n");
	assert_int_equal(count_entries(f->dir), 1); /* the temp file was unlinked */
}

static void test_file_abort_unlinks(void **state)
{
	struct fx *f = *state;
	struct qg_file_atomic *a;

	assert_int_equal(qg_file_atomic_open(&a, f->target), 0);
	assert_int_equal(qg_file_atomic_write(a, "partial", 7), 0);
	assert_int_equal(count_entries(f->dir), 1);
	qg_file_atomic_abort(a);
	qg_file_atomic_abort(NULL);
	assert_int_equal(count_entries(f->dir), 0);
	assert_false(qg_file_is_regular(f->target));
}

static void test_file_mkdirs_and_kinds(void **state)
{
	struct fx *f = *state;
	char p[256];

	snprintf(p, sizeof(p), "%s/a/b/c", f->dir);
	assert_int_equal(qg_file_mkdirs(p, 0755), 0);
	assert_true(qg_file_is_dir(p));
	assert_int_equal(qg_file_mkdirs(p, 0755), 0); /* exists: fine */
	assert_false(qg_file_is_regular(p));
	assert_int_equal(qg_file_write_atomic(f->target, "x", 1), 0);
	assert_true(qg_file_is_regular(f->target));
	assert_int_equal(qg_file_mkdirs(f->target, 0755), QG_EIO); /* a file is in the way */
	rmdir(p);
	snprintf(p, sizeof(p), "%s/a/b", f->dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/a", f->dir);
	rmdir(p);
}

static void test_file_path_check_inside(void **state)
{
	assert_int_equal(qg_path_check_inside("reports/data.json"), 0);
	assert_int_equal(qg_path_check_inside("a/./b"), 0);
	assert_int_equal(qg_path_check_inside("..a/b.."), 0); /* names, not components */
	assert_int_equal(qg_path_check_inside("../x"), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "'../x'"));
	assert_int_equal(qg_path_check_inside("a/../../x"), QG_EUSAGE);
	assert_int_equal(qg_path_check_inside("a/.."), QG_EUSAGE);
	assert_int_equal(qg_path_check_inside("/etc/passwd"), QG_EUSAGE);
	assert_int_equal(qg_path_check_inside(""), QG_EUSAGE);
}

/* issue 11: only a regular file is renamed over; a link to one keeps being
 * a link and its target gets the content; the rest is refused up front */
static void test_file_check_output_kinds(void **state)
{
	struct fx *f = *state;
	char p[256], link[256], sub[256];
	struct stat st;

	assert_int_equal(qg_file_check_output("-"), 0);
	assert_int_equal(qg_file_check_output(f->target), 0);      /* missing */
	assert_int_equal(qg_file_check_output("/dev/null"), 0);    /* character device */
	snprintf(p, sizeof(p), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(qg_file_check_output(p), 0);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(qg_file_check_output(sub), QG_EUSAGE);
	assert_non_null(strstr(qg_error_last(), "folder"));
	assert_int_equal(qg_file_write_atomic(sub, "x", 1), QG_EUSAGE);
	assert_true(qg_file_is_dir(sub));
	assert_int_equal(rmdir(sub), 0);
	snprintf(link, sizeof(link), "%s/dangling", f->dir);
	assert_int_equal(symlink("no-such-target", link), 0);
	assert_int_equal(qg_file_check_output(link), QG_EUSAGE);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_file_write_through_symlink(void **state)
{
	struct fx *f = *state;
	char link[256];
	struct stat st;

	assert_int_equal(qg_file_write_atomic(f->target, "old", 3), 0);
	snprintf(link, sizeof(link), "%s/link.json", f->dir);
	assert_int_equal(symlink("report.json", link), 0);
	assert_int_equal(qg_file_check_output(link), 0);
	assert_int_equal(qg_file_write_atomic(link, "new", 3), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	expect_content(f->target, "new");
	assert_int_equal(count_entries(f->dir), 2); /* target and link, no temp */
	/* a character device is written through: /dev/null stays a device */
	assert_int_equal(qg_file_write_atomic("/dev/null", "x", 1), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* /dev/full: ENOSPC, exit-3 class, named */
	if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
		assert_int_equal(qg_file_write_atomic("/dev/full", "x", 1), QG_EIO);
		assert_non_null(strstr(qg_error_last(), "/dev/full"));
		assert_int_equal(stat("/dev/full", &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_file_write_atomic_replaces),
		T(test_file_write_atomic_missing_dir),
		T(test_file_killed_mid_write_leaves_old_intact),
		T(test_file_abort_unlinks),
		T(test_file_mkdirs_and_kinds),
		T(test_file_path_check_inside),
		T(test_file_check_output_kinds),
		T(test_file_write_through_symlink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
