/* test_path.c -- the one PATH walk: qg_path_find, qg_path_list, qg_path_self_dir
 *
 * Each test builds folders a/, b/ and c/ in a fresh temporary folder, puts
 * programs (executable regular files), plain files and folders in them and
 * points PATH at them.
 */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/path.h"

struct fixture {
	char root[64];
	char *old_path;
	int had_path;
};

static void put(const struct fixture *fx, const char *rel, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", fx->root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void dir(const struct fixture *fx, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", fx->root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* PATH = the given folders of the fixture, joined by ':'; "" stays empty. */
static void set_path(const struct fixture *fx, const char *const *dirs)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	for (size_t i = 0; dirs[i]; i++) {
		if (i)
			assert_int_equal(qg_buf_addch(&b, ':'), 0);
		if (*dirs[i])
			assert_int_equal(qg_buf_addf(&b, "%s/%s", fx->root, dirs[i]), 0);
	}
	assert_int_equal(setenv("PATH", b.buf, 1), 0);
	qg_buf_release(&b);
}

static const char *in_root(const struct fixture *fx, const char *rel)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", fx->root, rel);
	return p;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *p = getenv("PATH");

	if (!fx)
		return -1;
	snprintf(fx->root, sizeof(fx->root), "/tmp/qg-test-path-XXXXXX");
	if (!mkdtemp(fx->root))
		return -1;
	fx->had_path = p != NULL;
	fx->old_path = qg_strdup(p);
	dir(fx, "a");
	dir(fx, "b");
	dir(fx, "c");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->had_path)
		setenv("PATH", fx->old_path, 1);
	else
		unsetenv("PATH");
	free(fx->old_path);
	/* remove the tree without a shell: only our own fixed names live there */
	{
		const char *files[] = { "a/qgate-data", "a/qgate-x", "a/qgate-", "a/other", "a/plain",
					"b/qgate-data", "b/qgate-model", "b/plain", "b/qgate-lint",
					"c/qgate-data", "c/tool", "here", NULL };
		const char *dirs[] = { "a/qgate-dir", "b/plain-dir", "c/qgate-test", "a", "b", "c", NULL };

		for (size_t i = 0; files[i]; i++)
			unlink(in_root(fx, files[i]));
		for (size_t i = 0; dirs[i]; i++)
			rmdir(in_root(fx, dirs[i]));
	}
	assert_int_equal(rmdir(fx->root), 0);
	free(fx);
	return 0;
}

static void test_path_find_order(void **state)
{
	struct fixture *fx = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	const char *abc[] = { "a", "b", "c", NULL };
	const char *cba[] = { "c", "b", "a", NULL };
	char beside[512]; /* in_root() returns up to 255 bytes */

	put(fx, "b/qgate-data", 0755);
	put(fx, "c/qgate-data", 0755);
	put(fx, "b/qgate-model", 0755);
	set_path(fx, abc);
	assert_int_equal(qg_path_find(&out, "qgate-data", NULL), 0);
	assert_string_equal(out.buf, in_root(fx, "b/qgate-data"));
	set_path(fx, cba);
	assert_int_equal(qg_path_find(&out, "qgate-data", NULL), 0);
	assert_string_equal(out.buf, in_root(fx, "c/qgate-data"));
	assert_int_equal(qg_path_find(&out, "qgate-data", ""), 0);
	assert_string_equal(out.buf, in_root(fx, "c/qgate-data"));
	/* the folder beside comes before PATH, and PATH after it when it lacks the name */
	snprintf(beside, sizeof(beside), "%s", in_root(fx, "b"));
	assert_int_equal(qg_path_find(&out, "qgate-data", beside), 0);
	assert_string_equal(out.buf, in_root(fx, "b/qgate-data"));
	snprintf(beside, sizeof(beside), "%s/", in_root(fx, "a"));
	assert_int_equal(qg_path_find(&out, "qgate-model", beside), 0);
	assert_string_equal(out.buf, in_root(fx, "b/qgate-model"));
	qg_buf_release(&out);
}

static void test_path_find_skips_non_programs(void **state)
{
	struct fixture *fx = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	const char *abc[] = { "a", "b", "c", NULL };

	put(fx, "a/plain", 0644);      /* not executable */
	dir(fx, "b/plain-dir");
	dir(fx, "a/qgate-dir");        /* a folder, even though it has x */
	put(fx, "c/tool", 0755);
	set_path(fx, abc);

	errno = 0;
	assert_int_equal(qg_path_find(&out, "plain", NULL), QG_ENOTFOUND);
	assert_int_equal(errno, EACCES);
	assert_string_equal(out.buf, "");
	assert_non_null(strstr(qg_error_last(), "'plain' not found on PATH"));

	errno = 0;
	assert_int_equal(qg_path_find(&out, "qgate-dir", NULL), QG_ENOTFOUND);
	assert_int_equal(errno, ENOENT);

	errno = 0;
	assert_int_equal(qg_path_find(&out, "nothing-here", in_root(fx, "c")), QG_ENOTFOUND);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(qg_error_last(), "'nothing-here' not found in '"));

	/* a plain file beside does not hide a program on PATH */
	put(fx, "b/plain", 0755);
	assert_int_equal(qg_path_find(&out, "plain", in_root(fx, "a")), 0);
	assert_string_equal(out.buf, in_root(fx, "b/plain"));

	assert_int_equal(qg_path_find(&out, "", NULL), QG_ENOTFOUND);
	assert_int_equal(qg_path_find(&out, NULL, NULL), QG_ENOTFOUND);
	qg_buf_release(&out);
}

static void test_path_find_slash_names_as_is(void **state)
{
	struct fixture *fx = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	const char *abc[] = { "a", "b", "c", NULL };

	put(fx, "c/tool", 0755);
	set_path(fx, abc);
	/* never searched, never checked: execve() says what is wrong */
	assert_int_equal(qg_path_find(&out, "./tool", in_root(fx, "c")), 0);
	assert_string_equal(out.buf, "./tool");
	assert_int_equal(qg_path_find(&out, "/no/such/prog", NULL), 0);
	assert_string_equal(out.buf, "/no/such/prog");
	assert_int_equal(qg_path_find(&out, "c/tool", NULL), 0);
	assert_string_equal(out.buf, "c/tool");
	qg_buf_release(&out);
}

static void test_path_find_empty_entry_is_cwd(void **state)
{
	struct fixture *fx = *state;
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	char old[4096];
	const char *lead[] = { "", "a", NULL };
	const char *trail[] = { "a", "", NULL };
	const char *mid[] = { "a", "", "b", NULL };

	assert_non_null(getcwd(old, sizeof(old)));
	put(fx, "here", 0755);
	assert_int_equal(chdir(fx->root), 0);
	set_path(fx, lead);
	assert_int_equal(qg_path_find(&out, "here", NULL), 0);
	assert_string_equal(out.buf, "./here");
	set_path(fx, trail);
	assert_int_equal(qg_path_find(&out, "here", NULL), 0);
	assert_string_equal(out.buf, "./here");
	set_path(fx, mid);
	assert_int_equal(qg_path_find(&out, "here", NULL), 0);
	assert_string_equal(out.buf, "./here");
	/* PATH="" is one empty entry */
	assert_int_equal(setenv("PATH", "", 1), 0);
	assert_int_equal(qg_path_find(&out, "here", NULL), 0);
	assert_string_equal(out.buf, "./here");
	assert_int_equal(chdir(old), 0);
	qg_buf_release(&out);
}

static void test_path_find_unset_path_uses_default(void **state)
{
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);

	(void)state;
	assert_int_equal(unsetenv("PATH"), 0);
	assert_int_equal(qg_path_find(&out, "sh", NULL), 0);
	assert_true(!strcmp(out.buf, "/bin/sh") || !strcmp(out.buf, "/usr/bin/sh"));
	qg_buf_release(&out);
}

static void test_path_find_capped_buffer(void **state)
{
	struct fixture *fx = *state;
	struct qg_buf out;
	const char *abc[] = { "a", "b", "c", NULL };

	put(fx, "c/tool", 0755);
	set_path(fx, abc);
	qg_buf_init(&out, 8); /* no folder path fits */
	assert_int_equal(qg_path_find(&out, "tool", NULL), QG_ETOOBIG);
	assert_string_equal(out.buf, "");
	qg_buf_release(&out);
}

static void test_path_list(void **state)
{
	struct fixture *fx = *state;
	struct qg_strvec names = QG_STRVEC_INIT;
	const char *abc[] = { "a", "b", "c", NULL };
	const char *with_missing[] = { "b", "nonexistent", "", NULL };

	put(fx, "a/qgate-x", 0755);
	put(fx, "a/qgate-", 0755);        /* only the prefix: skipped */
	put(fx, "a/other", 0755);         /* another prefix */
	put(fx, "b/qgate-data", 0755);
	put(fx, "b/qgate-model", 0755);
	put(fx, "b/qgate-lint", 0644);    /* not executable */
	put(fx, "c/qgate-data", 0755);    /* a duplicate */
	dir(fx, "c/qgate-test");          /* a folder */
	set_path(fx, abc);
	assert_int_equal(qg_path_list(&names, "qgate-", NULL), 0);
	assert_int_equal(names.nr, 3);
	assert_string_equal(names.v[0], "data");
	assert_string_equal(names.v[1], "model");
	assert_string_equal(names.v[2], "x");
	qg_strvec_clear(&names);

	/* beside only, PATH pointing at folders that hold none */
	set_path(fx, with_missing);
	assert_int_equal(qg_path_list(&names, "qgate-", in_root(fx, "a")), 0);
	assert_int_equal(names.nr, 3);
	assert_string_equal(names.v[0], "data");
	assert_string_equal(names.v[1], "model");
	assert_string_equal(names.v[2], "x");
	qg_strvec_clear(&names);
}

static void test_path_self_dir(void **state)
{
	struct qg_buf out = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_buf self = QG_BUF_INIT(QG_CAP_REPORT);
	struct stat st;

	(void)state;
	assert_int_equal(qg_path_self_dir(&out), 0);
	assert_true(out.buf[0] == '/');
	assert_int_equal(qg_buf_addf(&self, "%s/test_path", out.buf), 0);
	assert_int_equal(stat(self.buf, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	qg_buf_release(&self);
	qg_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_find_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_find_skips_non_programs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_find_slash_names_as_is, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_find_empty_entry_is_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_find_unset_path_uses_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_find_capped_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_self_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
