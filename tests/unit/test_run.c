/* test_run.c -- child processes: status, signals, capture, exec errors, timeouts */
#include "qgate/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "qgate/run.h"

static void set_args(struct qg_child *c, ...)
{
	const char *a;
	va_list ap;

	va_start(ap, c);
	while ((a = va_arg(ap, const char *)) != NULL)
		assert_int_equal(qg_strvec_push(&c->args, a), 0);
	va_end(ap);
}

static void test_run_exit_codes(void **state)
{
	struct qg_child c;
	char buf[64];

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "exit 3", NULL);
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exited, 1);
	assert_int_equal(c.exit_code, 3);
	assert_int_equal(c.signaled, 0);
	assert_int_equal(c.timed_out, 0);
	assert_string_equal(qg_child_describe(&c, buf, sizeof(buf)), "exited with 3");
	qg_child_release(&c);

	qg_child_init(&c);
	set_args(&c, "true", NULL);
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exited, 1);
	assert_int_equal(c.exit_code, 0);
	qg_child_release(&c);
}

static void test_run_signal_death(void **state)
{
	struct qg_child c;
	char buf[64];

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "kill -SEGV $$", NULL);
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exited, 0);
	assert_int_equal(c.signaled, 1);
	assert_int_equal(c.term_signal, SIGSEGV);
	assert_string_equal(qg_child_describe(&c, buf, sizeof(buf)), "killed by SIGSEGV");
	qg_child_release(&c);

	/* SIGPIPE is ignored in the parent (qg_main) but default in the child */
	signal(SIGPIPE, SIG_IGN);
	qg_child_init(&c);
	set_args(&c, "sh", "-c", "kill -PIPE $$", NULL);
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.signaled, 1);
	assert_int_equal(c.term_signal, SIGPIPE);
	qg_child_release(&c);
	signal(SIGPIPE, SIG_DFL);
}

static void test_run_capture_and_merge(void **state)
{
	struct qg_child c;

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "printf 'out1\\n'; printf 'err1\\n' >&2; printf out2", NULL);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR | QG_CHILD_NO_STDIN;
	assert_int_equal(qg_child_run(&c), 0);
	assert_string_equal(c.out.buf, "out1\nout2");
	assert_string_equal(c.err.buf, "err1\n");
	assert_int_equal(c.truncated, 0);
	assert_int_equal(c.out_fd, -1);
	qg_child_release(&c);

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "echo a; echo b >&2; echo c", NULL);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_MERGE_ERR;
	assert_int_equal(qg_child_run(&c), 0);
	assert_string_equal(c.out.buf, "a\nb\nc\n");
	qg_child_release(&c);

	/* stdin from /dev/null: cat ends at once */
	qg_child_init(&c);
	set_args(&c, "cat", NULL);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_NO_STDIN;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exit_code, 0);
	assert_int_equal(c.out.len, 0);
	qg_child_release(&c);
}

static void test_run_capture_cap(void **state)
{
	struct qg_child c;

	/* 300000 bytes through a 1000-byte cap: kept 1000, the rest counted */
	qg_child_init(&c);
	set_args(&c, "sh", "-c", "head -c 300000 /dev/zero; echo tail >&2", NULL);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR;
	c.capture_cap = 1000;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exited, 1);
	assert_int_equal(c.exit_code, 0);
	assert_int_equal(c.out.len, 1000);
	assert_int_equal(c.truncated, 1);
	assert_int_equal(c.dropped, 299000);
	assert_string_equal(c.err.buf, "tail\n");
	qg_child_release(&c);
}

static void test_run_env_and_dir(void **state)
{
	struct qg_child c;

	setenv("QG_TEST_UNSET_ME", "present", 1);
	qg_child_init(&c);
	set_args(&c, "sh", "-c", "printf '%s|%s|%s' \"$QG_A\" \"${QG_TEST_UNSET_ME-unset}\" \"$(pwd)\"", NULL);
	assert_int_equal(qg_strvec_push(&c.env, "QG_A=1=2"), 0);
	assert_int_equal(qg_strvec_push(&c.env, "QG_TEST_UNSET_ME"), 0);
	c.dir = "/";
	c.flags = QG_CHILD_CAPTURE_OUT;
	assert_int_equal(qg_child_run(&c), 0);
	assert_string_equal(c.out.buf, "1=2|unset|/");
	qg_child_release(&c);
	unsetenv("QG_TEST_UNSET_ME");
}

static void test_run_command_not_found(void **state)
{
	struct qg_child c;
	char buf[64];

	qg_child_init(&c);
	set_args(&c, "qgate-no-such-command-xyz", "arg", NULL);
	assert_int_equal(qg_child_run(&c), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'qgate-no-such-command-xyz': command not found");
	assert_int_equal(c.start_errno, ENOENT);
	assert_int_equal(c.exited, 0);
	assert_int_equal(c.running, 0);
	assert_string_equal(qg_child_describe(&c, buf, sizeof(buf)), "could not start: command not found");
	/* no zombie was left: there is no child of ours to wait for */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	qg_child_release(&c);

	qg_child_init(&c);
	set_args(&c, "true", NULL);
	c.dir = "/nonexistent-qgate-dir";
	assert_int_equal(qg_child_run(&c), QG_EINPUT);
	assert_non_null(strstr(qg_error_last(), "cannot change to directory '/nonexistent-qgate-dir'"));
	qg_child_release(&c);

	qg_child_init(&c);
	assert_int_equal(qg_child_run(&c), QG_EUSAGE);
	qg_child_release(&c);
}

/* Tests that change PATH get it back even when they fail. */
static char *saved_path;

static int save_path(void **state)
{
	const char *p = getenv("PATH");

	saved_path = p ? strdup(p) : NULL;
	return p && !saved_path ? -1 : 0;
}

static int restore_path(void **state)
{
	if (saved_path)
		setenv("PATH", saved_path, 1);
	else
		unsetenv("PATH");
	free(saved_path);
	saved_path = NULL;
	return 0;
}

/* A program not on PATH fails in the parent: nothing is forked (before,
 * the child searched PATH and reported back, so a pid had been used). */
static void test_run_not_on_path_fails_in_parent(void **state)
{
	char dir[] = "/tmp/qg-run-path.XXXXXX", file[96];
	struct qg_child c;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	setenv("PATH", dir, 1);
	qg_child_init(&c);
	set_args(&c, "qg-no-such-tool", NULL);
	assert_int_equal(qg_child_start(&c), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'qg-no-such-tool': command not found");
	assert_int_equal(c.pid, -1); /* never forked */
	assert_int_equal(c.start_errno, ENOENT);
	assert_int_equal(c.running, 0);
	qg_child_release(&c);

	/* a file of that name that is not executable: EACCES, as execvp said */
	snprintf(file, sizeof(file), "%s/qg-no-such-tool", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("echo no\n", f);
	fclose(f);
	chmod(file, 0644);
	qg_child_init(&c);
	set_args(&c, "qg-no-such-tool", NULL);
	assert_int_equal(qg_child_start(&c), QG_EINPUT);
	assert_string_equal(qg_error_last(), "'qg-no-such-tool': cannot run: Permission denied");
	assert_int_equal(c.pid, -1);
	assert_int_equal(c.start_errno, EACCES);
	qg_child_release(&c);

	unlink(file);
	rmdir(dir);
}

/* A name found on PATH runs, from the first folder holding it; a script
 * without a #! line runs through /bin/sh as execvp() ran it. */
static void test_run_found_on_path(void **state)
{
	char d1[] = "/tmp/qg-run-p1.XXXXXX", d2[] = "/tmp/qg-run-p2.XXXXXX", file[96], path[256];
	const char *dirs[2] = { d1, d2 };
	struct qg_child c;

	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	for (int i = 0; i < 2; i++) {
		FILE *f;

		snprintf(file, sizeof(file), "%s/qg-hello", dirs[i]);
		f = fopen(file, "w");
		assert_non_null(f);
		fprintf(f, "%secho \"from %d: $0 $*\"\n", i ? "#!/bin/sh\n" : "", i + 1);
		fclose(f);
		chmod(file, 0755);
	}
	snprintf(path, sizeof(path), "/nonexistent-qg:%s:%s:/usr/bin:/bin", d1, d2);
	setenv("PATH", path, 1);
	qg_child_init(&c);
	set_args(&c, "qg-hello", "a", "b c", NULL);
	c.flags = QG_CHILD_CAPTURE_OUT;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exit_code, 0);
	snprintf(file, sizeof(file), "from 1: %s/qg-hello a b c\n", d1);
	assert_string_equal(c.out.buf, file);
	qg_child_release(&c);

	for (int i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s/qg-hello", dirs[i]);
		unlink(file);
		rmdir(dirs[i]);
	}
}

/* A program found through a relative PATH entry ('.') is the one in the
 * parent's folder, even when the child runs in another one (c.dir). */
static void test_run_relative_path_entry_with_dir(void **state)
{
	char d1[] = "/tmp/qg-run-r1.XXXXXX", d2[] = "/tmp/qg-run-r2.XXXXXX", file[96], old[4096];
	struct qg_child c;
	FILE *f;

	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	snprintf(file, sizeof(file), "%s/qg-rel", d1);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"rel $PWD\"\n");
	fclose(f);
	chmod(file, 0755);
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(d1), 0);
	setenv("PATH", ".:/usr/bin:/bin", 1);
	qg_child_init(&c);
	set_args(&c, "qg-rel", NULL);
	c.dir = d2;
	c.flags = QG_CHILD_CAPTURE_OUT;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.exit_code, 0);
	snprintf(file, sizeof(file), "rel %s\n", d2);
	assert_string_equal(c.out.buf, file);
	qg_child_release(&c);
	assert_int_equal(chdir(old), 0);
	snprintf(file, sizeof(file), "%s/qg-rel", d1);
	unlink(file);
	rmdir(d1);
	rmdir(d2);
}

/* NUL-separated list of a /proc file of the child. */
static void child_proc_file(struct qg_child *c, const char *what)
{
	qg_child_init(c);
	set_args(c, "cat", what, NULL);
	c->flags = QG_CHILD_CAPTURE_OUT;
	assert_int_equal(qg_child_run(c), 0);
	assert_int_equal(c->exit_code, 0);
}

/* The child's argv and envp are exactly what the parent prepared: argv as
 * given (argv[0] not replaced by the path found), the environment with the
 * additions and removals applied, nothing else. */
static void test_run_argv_envp_exact(void **state)
{
	extern char **environ;
	struct qg_child c;
	struct qg_buf want = QG_BUF_INIT(QG_CAP_REPORT);

	child_proc_file(&c, "/proc/self/cmdline");
	assert_int_equal(c.out.len, sizeof("cat\0/proc/self/cmdline"));
	assert_memory_equal(c.out.buf, "cat\0/proc/self/cmdline", c.out.len);
	qg_child_release(&c);

	setenv("QG_TEST_DROP", "x", 1);
	setenv("QG_TEST_KEEP", "k", 1);
	qg_child_init(&c);
	set_args(&c, "cat", "/proc/self/environ", NULL);
	assert_int_equal(qg_strvec_push(&c.env, "QG_TEST_DROP"), 0);
	assert_int_equal(qg_strvec_push(&c.env, "QG_TEST_KEEP=new value"), 0);
	assert_int_equal(qg_strvec_push(&c.env, "QG_TEST_ADDED=1"), 0);
	c.flags = QG_CHILD_CAPTURE_OUT;
	assert_int_equal(qg_child_run(&c), 0);
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "QG_TEST_DROP=", 13) && strncmp(*e, "QG_TEST_KEEP=", 13))
			assert_int_equal(qg_buf_add(&want, *e, strlen(*e) + 1), 0);
	assert_int_equal(qg_buf_add(&want, "QG_TEST_KEEP=new value", 23), 0);
	assert_int_equal(qg_buf_add(&want, "QG_TEST_ADDED=1", 16), 0);
	assert_int_equal(c.out.len, want.len);
	assert_memory_equal(c.out.buf, want.buf, want.len);
	qg_child_release(&c);
	unsetenv("QG_TEST_DROP");
	unsetenv("QG_TEST_KEEP");

	/* no additions: the parent's environment, as it is */
	qg_buf_reset(&want);
	for (char **e = environ; *e; e++)
		assert_int_equal(qg_buf_add(&want, *e, strlen(*e) + 1), 0);
	child_proc_file(&c, "/proc/self/environ");
	assert_int_equal(c.out.len, want.len);
	assert_memory_equal(c.out.buf, want.buf, want.len);
	qg_child_release(&c);
	qg_buf_release(&want);
}

static int wait_gone(pid_t pid, double seconds)
{
	struct timespec ts = { 0, 10 * 1000000L };

	for (int i = 0; i < (int)(seconds * 100); i++) {
		/* we are the subreaper: the orphaned grandchild is ours to reap */
		waitpid(pid, NULL, WNOHANG);
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* THE timeout test: the child's grandchild must die with it. */
static void test_run_timeout_kills_the_group(void **state)
{
	char dir[] = "/tmp/qg-run.XXXXXX", pidfile[64], buf[64];
	struct qg_child c;
	long long gpid = 0;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "sleep 300 & echo $! > \"$1\"; wait", "sh", pidfile, NULL);
	c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR; /* the grandchild holds the pipes too */
	c.timeout_s = 0.5;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.signaled, 1);
	assert_int_equal(c.term_signal, SIGTERM);
	assert_true(c.duration_ms >= 450 && c.duration_ms < 2500);
	assert_string_equal(qg_child_describe(&c, buf, sizeof(buf)), "timed out after 0.5s");

	fp = fopen(pidfile, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%lld", &gpid), 1);
	fclose(fp);
	assert_true(gpid > 1);
	assert_true(wait_gone((pid_t)gpid, 5));
	/* and the child itself was reaped by qg_child_finish */
	assert_true(kill(c.pid, 0) < 0 && errno == ESRCH);
	qg_child_release(&c);
	unlink(pidfile);
	rmdir(dir);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* A child that ignores SIGTERM gets SIGKILL after the grace period. */
static void test_run_timeout_escalates_to_kill(void **state)
{
	struct qg_child c;

	qg_child_init(&c);
	set_args(&c, "sh", "-c", "trap '' TERM; sleep 30; exit 0", NULL);
	c.timeout_s = 0.2;
	assert_int_equal(qg_child_run(&c), 0);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.signaled, 1);
	assert_int_equal(c.term_signal, SIGKILL);
	assert_true(c.duration_ms >= 2000 && c.duration_ms < 6000);
	qg_child_release(&c);
}

static void test_run_parallel(void **state)
{
	struct qg_child cs[5], *p[5];
	struct timespec t0, t1;
	double secs;

	for (int i = 0; i < 5; i++) {
		qg_child_init(&cs[i]);
		p[i] = &cs[i];
		cs[i].flags = QG_CHILD_CAPTURE_OUT;
	}
	set_args(&cs[0], "sh", "-c", "sleep 0.3; echo zero", NULL);
	set_args(&cs[1], "sh", "-c", "sleep 0.3; exit 4", NULL);
	set_args(&cs[2], "qgate-no-such-command-xyz", NULL);
	set_args(&cs[3], "sh", "-c", "sleep 0.3; echo three", NULL);
	set_args(&cs[4], "sleep", "10", NULL);
	cs[4].timeout_s = 0.3;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(qg_child_run_parallel(p, 5, 4), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_string_equal(cs[0].out.buf, "zero\n");
	assert_int_equal(cs[1].exit_code, 4);
	assert_int_equal(cs[2].start_errno, ENOENT);
	assert_string_equal(cs[3].out.buf, "three\n");
	assert_int_equal(cs[4].timed_out, 1);
	/* four at a time: about 0.3 s, far from the 1.2 s of one at a time */
	assert_true(secs < 1.0);
	for (int i = 0; i < 5; i++)
		qg_child_release(&cs[i]);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_run_release_kills_running_child(void **state)
{
	struct qg_child c;
	pid_t pid;

	qg_child_init(&c);
	set_args(&c, "sleep", "30", NULL);
	assert_int_equal(qg_child_start(&c), 0);
	pid = c.pid;
	assert_int_equal(kill(pid, 0), 0);
	qg_child_release(&c);
	assert_true(kill(pid, 0) < 0 && errno == ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_exit_codes),
		cmocka_unit_test(test_run_signal_death),
		cmocka_unit_test(test_run_capture_and_merge),
		cmocka_unit_test(test_run_capture_cap),
		cmocka_unit_test(test_run_env_and_dir),
		cmocka_unit_test(test_run_command_not_found),
		cmocka_unit_test_setup_teardown(test_run_not_on_path_fails_in_parent, save_path, restore_path),
		cmocka_unit_test_setup_teardown(test_run_found_on_path, save_path, restore_path),
		cmocka_unit_test_setup_teardown(test_run_relative_path_entry_with_dir, save_path, restore_path),
		cmocka_unit_test(test_run_argv_envp_exact),
		cmocka_unit_test(test_run_timeout_kills_the_group),
		cmocka_unit_test(test_run_timeout_escalates_to_kill),
		cmocka_unit_test(test_run_parallel),
		cmocka_unit_test(test_run_release_kills_running_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
