/* run.c -- child processes with capture, timeouts and process groups
 *
 * The shape of git's run-command: argv only (execvp, never a shell), each
 * child the leader of its own process group so a timeout can take its whole
 * tree down (SIGTERM to the group, a 2 s grace, then SIGKILL), captured
 * output read with poll() into capped buffers, and exec failures reported
 * back to the parent through a close-on-exec pipe so "command not found" is
 * an error at start time, not a mysterious exit 127.
 *
 * The child resolves nothing after fork() (git's prepare_cmd()): threads
 * already run when children start, and one of them may hold the malloc or
 * environment lock at the moment of fork(), which the child would then wait
 * for forever. So the parent finds the program on PATH (qg_path_find, the
 * one PATH walk), builds the environment array and the /bin/sh fallback argv
 * for scripts without a #! line (what execvp() did on ENOEXEC), and the child
 * only makes async-signal-safe calls (setpgid, signal, dup2, chdir, execve)
 * before exec. A program not found is an error in the parent: no fork.
 * Waiting uses a pidfd when the kernel has one, else a short poll tick.
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qgate/path.h"
#include "qgate/run.h"

#define DEFAULT_CAPTURE_CAP ((size_t)16 << 20)
#define KILL_GRACE_NS (2LL * 1000000000LL)
#define DRAIN_GRACE_NS (2LL * 1000000000LL)
#define TICK_MS 20

extern char **environ;

enum { STAGE_CHDIR = 1, STAGE_STDIN, STAGE_DUP, STAGE_EXEC };

struct start_report {
	int stage;
	int err;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void qg_child_init(struct qg_child *c)
{
	memset(c, 0, sizeof(*c));
	qg_strvec_init(&c->args);
	qg_strvec_init(&c->env);
	qg_buf_init(&c->out, DEFAULT_CAPTURE_CAP);
	qg_buf_init(&c->err, DEFAULT_CAPTURE_CAP);
	c->out_fd = -1;
	c->err_fd = -1;
	c->pid = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void record_status(struct qg_child *c, int status)
{
	c->running = 0;
	c->duration_ms = (now_ns() - c->started_ns) / 1000000;
	if (WIFEXITED(status)) {
		c->exited = 1;
		c->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		c->signaled = 1;
		c->term_signal = WTERMSIG(status);
	}
}

/* Reap without blocking: 1 when the child is gone, 0 while it runs. */
static int try_reap(struct qg_child *c)
{
	int status;
	pid_t r;

	if (!c->running)
		return 1;
	do
		r = waitpid(c->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0) {
		/* ECHILD: reaped elsewhere (SIGCHLD ignored); nothing to record */
		c->running = 0;
		c->duration_ms = (now_ns() - c->started_ns) / 1000000;
		return 1;
	}
	record_status(c, status);
	if (c->timed_out)
		kill(-c->pid, SIGKILL); /* finish off the rest of the group */
	return 1;
}

/* Never leave a zombie or a running group behind. */
static void kill_and_reap(struct qg_child *c)
{
	if (c->running && c->pid > 0) {
		int status;

		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		c->running = 0;
	}
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
}

void qg_child_release(struct qg_child *c)
{
	if (!c)
		return;
	kill_and_reap(c);
	qg_strvec_clear(&c->args);
	qg_strvec_clear(&c->env);
	qg_buf_release(&c->out);
	qg_buf_release(&c->err);
}

/* environ with the child's additions ("K=V") and removals ("K"); the
 * strings are borrowed. NULL with the error recorded on ENOMEM. */
static char **build_env(const struct qg_child *c)
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + c->env.nr + 1, sizeof(*envp));
	if (!envp) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		envp[k++] = environ[i];
	for (size_t i = 0; i < c->env.nr; i++) {
		const char *e = c->env.v[i], *eq = strchr(e, '=');
		size_t klen = eq ? (size_t)(eq - e) : strlen(e), w = 0;

		for (size_t j = 0; j < k; j++)
			if (!(strncmp(envp[j], e, klen) == 0 && envp[j][klen] == '='))
				envp[w++] = envp[j];
		k = w;
		if (eq)
			envp[k++] = (char *)e;
	}
	envp[k] = NULL;
	return envp;
}

/* Everything the child needs, made before fork(). */
struct prepared {
	struct qg_buf prog;    /* the program's path: argv[0] found on PATH */
	char **envp;           /* the child's environment (strings borrowed) */
	const char **sh_argv;  /* "/bin/sh" prog args[1..]: a script without #! */
};

static void prepared_release(struct prepared *p)
{
	qg_buf_release(&p->prog);
	free(p->envp);
	free(p->sh_argv);
}

static int make_absolute(struct qg_buf *path)
{
	char cwd[PATH_MAX];
	struct qg_buf abs = QG_BUF_INIT(QG_CAP_PATH);
	int err;

	if (!getcwd(cwd, sizeof(cwd)))
		return qg_error(QG_EINPUT, "cannot find the working folder: %s", strerror(errno));
	err = qg_buf_addf(&abs, "%s/%s", cwd, path->buf);
	if (!err) {
		qg_buf_release(path);
		*path = abs;
		return 0;
	}
	qg_buf_release(&abs);
	return err;
}

/* Resolve argv[0] and build envp and the shell fallback. A program that
 * cannot be found is recorded in the child (start_errno) and is QG_EINPUT
 * with the message execvp()'s failure used to give. */
static int prepare(struct prepared *p, struct qg_child *c)
{
	const char *name = c->args.v[0];
	int err;

	memset(p, 0, sizeof(*p));
	qg_buf_init(&p->prog, QG_CAP_PATH);
	err = qg_path_find(&p->prog, name, NULL);
	if (err == QG_ENOTFOUND) {
		c->start_errno = errno == EACCES ? EACCES : ENOENT;
		if (c->start_errno == ENOENT)
			return qg_error(QG_EINPUT, "'%s': command not found", name);
		return qg_error(QG_EINPUT, "'%s': cannot run: %s", name, strerror(c->start_errno));
	}
	if (err < 0)
		return err;
	/* Found through a relative PATH entry ('.' or empty): it names a file in
	 * this folder, but the child may chdir first, so make it absolute here. */
	if (!strchr(name, '/') && p->prog.buf[0] != '/' && (err = make_absolute(&p->prog)) < 0)
		return err;
	p->envp = c->env.nr ? build_env(c) : NULL;
	if (c->env.nr && !p->envp)
		return QG_ENOMEM;
	p->sh_argv = calloc(c->args.nr + 2, sizeof(*p->sh_argv));
	if (!p->sh_argv)
		return qg_error(QG_ENOMEM, "out of memory");
	p->sh_argv[0] = "/bin/sh";
	p->sh_argv[1] = p->prog.buf;
	for (size_t i = 1; i < c->args.nr; i++)
		p->sh_argv[i + 1] = c->args.v[i];
	return 0;
}

/* In the child: make `from` become `to` without keeping close-on-exec. */
static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

static void child_fail(int fd, int stage)
{
	struct start_report rep = { stage, errno };
	ssize_t w;

	do
		w = write(fd, &rep, sizeof(rep));
	while (w < 0 && errno == EINTR);
	_exit(127);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int qg_child_start(struct qg_child *c)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	struct start_report report;
	struct prepared prep;
	char *const *envp;
	size_t cap = c->capture_cap ? c->capture_cap : DEFAULT_CAPTURE_CAP;
	sigset_t all, old;
	ssize_t r;
	pid_t pid;
	int err = 0;

	c->exited = c->signaled = c->timed_out = c->truncated = 0;
	c->exit_code = c->term_signal = c->start_errno = 0;
	c->dropped = 0;
	c->running = 0;
	c->pid = -1;
	c->duration_ms = 0;
	if (!c->args.nr || !c->args.v[0] || !*c->args.v[0])
		return qg_error(QG_EUSAGE, "no command to run");
	qg_buf_release(&c->out);
	qg_buf_release(&c->err);
	qg_buf_init(&c->out, cap);
	qg_buf_init(&c->err, cap);

	if ((err = prepare(&prep, c)) < 0)
		goto fail;
	envp = prep.envp ? prep.envp : environ;
	if (((c->flags & QG_CHILD_CAPTURE_OUT) && pipe2(outp, O_CLOEXEC) < 0) ||
	    ((c->flags & QG_CHILD_CAPTURE_ERR) && pipe2(errp, O_CLOEXEC) < 0) ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		err = qg_error(QG_EIO, "'%s': cannot create a pipe: %s", c->args.v[0], strerror(errno));
		goto fail;
	}

	/* Block signals across fork so our handlers (temp-file cleanup) never
	 * run in the child before it has reset them by exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	c->started_ns = now_ns();
	pid = fork();
	if (pid == 0) {
		/* async-signal-safe calls only from here to execve */
		sigset_t none;
		int fd;

		setpgid(0, 0);
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL); /* also undoes our SIGPIPE ignore */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (c->flags & QG_CHILD_NO_STDIN) {
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0 || move_fd(fd, 0) < 0)
				child_fail(rep[1], STAGE_STDIN);
			if (fd != 0)
				close(fd);
		}
		if (outp[1] >= 0 && move_fd(outp[1], 1) < 0)
			child_fail(rep[1], STAGE_DUP);
		if (errp[1] >= 0) {
			if (move_fd(errp[1], 2) < 0)
				child_fail(rep[1], STAGE_DUP);
		} else if ((c->flags & QG_CHILD_MERGE_ERR) && dup2(1, 2) < 0) {
			child_fail(rep[1], STAGE_DUP);
		}
		if (c->dir && chdir(c->dir) < 0)
			child_fail(rep[1], STAGE_CHDIR);
		execve(prep.prog.buf, (char *const *)c->args.v, envp);
		if (errno == ENOEXEC) /* no #! line: a shell script, as execvp() ran it */
			execve(prep.sh_argv[0], (char *const *)prep.sh_argv, envp);
		child_fail(rep[1], STAGE_EXEC);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		err = qg_error(QG_EIO, "'%s': cannot fork: %s", c->args.v[0], strerror(errno));
		goto fail;
	}
	/* also here, so kill(-pid) works before the child got to run */
	setpgid(pid, pid);
	c->pid = pid;
	c->running = 1;
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);

	do
		r = read(rep[0], &report, sizeof(report));
	while (r < 0 && errno == EINTR);
	close_fd(&rep[0]);
	if (r == (ssize_t)sizeof(report)) {
		int status;

		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		c->running = 0;
		c->start_errno = report.err ? report.err : EIO;
		c->duration_ms = (now_ns() - c->started_ns) / 1000000;
		if (report.stage == STAGE_EXEC && report.err == ENOENT)
			err = qg_error(QG_EINPUT, "'%s': command not found", c->args.v[0]);
		else if (report.stage == STAGE_CHDIR)
			err = qg_error(QG_EINPUT, "'%s': cannot change to directory '%s': %s", c->args.v[0],
				       c->dir, strerror(report.err));
		else
			err = qg_error(QG_EINPUT, "'%s': cannot run: %s", c->args.v[0], strerror(report.err));
		goto fail;
	}
	c->out_fd = outp[0];
	c->err_fd = errp[0];
	if (c->out_fd >= 0)
		set_nonblock(c->out_fd);
	if (c->err_fd >= 0)
		set_nonblock(c->err_fd);
	prepared_release(&prep);
	return 0;

fail:
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	prepared_release(&prep);
	return err;
}

/* ---- waiting ---- */

struct slot {
	struct qg_child *c;
	int pidfd;
	long long deadline_ns; /* 0: no timeout */
	long long kill_ns;     /* SIGKILL due (after SIGTERM) */
	long long drain_ns;    /* after exit: stop waiting for EOF */
	int kill_sent;
};

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

static void slot_begin(struct slot *s, struct qg_child *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->pidfd = c->running ? open_pidfd(c->pid) : -1;
	if (c->timeout_s > 0)
		s->deadline_ns = c->started_ns + (long long)(c->timeout_s * 1e9);
}

static int slot_done(const struct slot *s)
{
	return !s->c->running && s->c->out_fd < 0 && s->c->err_fd < 0;
}

static void slot_end(struct slot *s)
{
	close_fd(&s->pidfd);
	s->c = NULL;
}

/* Read what is there; close the fd at EOF or on error. */
static void drain(struct qg_child *c, int *fd, struct qg_buf *b)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));
		size_t room, keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close_fd(fd);
			return;
		}
		room = b->cap > b->len ? b->cap - b->len : 0;
		keep = (size_t)n < room ? (size_t)n : room;
		if (keep && qg_buf_add(b, chunk, keep) < 0)
			keep = 0; /* ENOMEM: count it as dropped, keep draining */
		if (keep < (size_t)n) {
			c->truncated = 1;
			c->dropped += (long long)((size_t)n - keep);
		}
	}
}

/* Timers for one slot: send signals that are due, return ms until the next
 * event (-1: none). */
static int slot_timers(struct slot *s, long long now)
{
	struct qg_child *c = s->c;
	long long next = -1;

	if (c->running) {
		if (s->deadline_ns && !c->timed_out) {
			if (now >= s->deadline_ns) {
				c->timed_out = 1;
				kill(-c->pid, SIGTERM);
				s->kill_ns = now + KILL_GRACE_NS;
			} else {
				next = s->deadline_ns;
			}
		}
		if (c->timed_out && !s->kill_sent) {
			if (now >= s->kill_ns) {
				kill(-c->pid, SIGKILL);
				s->kill_sent = 1;
			} else {
				next = s->kill_ns;
			}
		}
	} else if (c->out_fd >= 0 || c->err_fd >= 0) {
		/* The child is gone but something it started keeps the pipe
		 * open: wait a little for the rest of the output, no longer. */
		if (!s->drain_ns)
			s->drain_ns = now + DRAIN_GRACE_NS;
		if (now >= s->drain_ns) {
			close_fd(&c->out_fd);
			close_fd(&c->err_fd);
		} else {
			next = s->drain_ns;
		}
	}
	if (next < 0)
		return c->running && s->pidfd < 0 ? TICK_MS : -1;
	next = (next - now + 999999) / 1000000;
	if (c->running && s->pidfd < 0 && next > TICK_MS)
		next = TICK_MS;
	return next > 1000000 ? 1000000 : (int)next;
}

/* One round of waiting over the active slots. */
static int pump(struct slot *slots, size_t n)
{
	struct pollfd pfd[3 * 64];
	struct { struct slot *s; int what; } map[3 * 64];
	long long now = now_ns();
	size_t np = 0;
	int timeout = -1, r;

	for (size_t i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		int t;

		if (!s->c)
			continue;
		if (s->c->running)
			try_reap(s->c);
		t = slot_timers(s, now);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		if (s->c->out_fd >= 0) {
			pfd[np] = (struct pollfd){ s->c->out_fd, POLLIN, 0 };
			map[np].s = s;
			map[np++].what = 1;
		}
		if (s->c->err_fd >= 0) {
			pfd[np] = (struct pollfd){ s->c->err_fd, POLLIN, 0 };
			map[np].s = s;
			map[np++].what = 2;
		}
		if (s->c->running && s->pidfd >= 0) {
			pfd[np] = (struct pollfd){ s->pidfd, POLLIN, 0 };
			map[np].s = s;
			map[np++].what = 3;
		}
	}
	if (!np && timeout < 0)
		return 0;
	r = poll(pfd, np, timeout);
	if (r < 0) {
		if (errno == EINTR)
			return 0;
		return qg_error(QG_EIO, "poll: %s", strerror(errno));
	}
	for (size_t i = 0; i < np; i++) {
		struct qg_child *c = map[i].s->c;

		if (!pfd[i].revents)
			continue;
		if (map[i].what == 1 && c->out_fd >= 0)
			drain(c, &c->out_fd, &c->out);
		else if (map[i].what == 2 && c->err_fd >= 0)
			drain(c, &c->err_fd, &c->err);
		else if (map[i].what == 3)
			try_reap(c);
	}
	return 0;
}

#define MAX_JOBS 64

int qg_child_finish(struct qg_child *c)
{
	struct slot s;
	int err = 0;

	if (!c->running && c->out_fd < 0 && c->err_fd < 0)
		return c->start_errno ? QG_EINPUT : 0;
	slot_begin(&s, c);
	while (!slot_done(&s)) {
		if ((err = pump(&s, 1)) < 0)
			break;
	}
	slot_end(&s);
	return err;
}

int qg_child_run(struct qg_child *c)
{
	int err = qg_child_start(c);

	if (err < 0)
		return err;
	return qg_child_finish(c);
}

int qg_child_run_parallel(struct qg_child **children, size_t nr, int jobs)
{
	struct slot slots[MAX_JOBS];
	size_t next = 0, active = 0;
	int first_err = 0;

	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	memset(slots, 0, sizeof(slots));
	while (next < nr || active) {
		for (int j = 0; j < jobs && next < nr; j++) {
			int err;

			if (slots[j].c)
				continue;
			err = qg_child_start(children[next]);
			if (err < 0) {
				/* could not start: recorded in the child */
				if (!children[next]->start_errno && !first_err)
					first_err = err;
				next++;
				j--; /* try the next child in this free slot */
				continue;
			}
			slot_begin(&slots[j], children[next++]);
			active++;
		}
		if (!active)
			break;
		{
			int err = pump(slots, (size_t)jobs);

			if (err < 0) {
				/* poll itself broke: stop everything we started */
				for (int j = 0; j < jobs; j++)
					if (slots[j].c) {
						kill_and_reap(slots[j].c);
						slot_end(&slots[j]);
					}
				return err;
			}
		}
		for (int j = 0; j < jobs; j++)
			if (slots[j].c && slot_done(&slots[j])) {
				slot_end(&slots[j]);
				active--;
			}
	}
	return first_err;
}

const char *qg_child_describe(const struct qg_child *c, char *buf, size_t len)
{
	if (c->start_errno == ENOENT)
		snprintf(buf, len, "could not start: command not found");
	else if (c->start_errno)
		snprintf(buf, len, "could not start: %s", strerror(c->start_errno));
	else if (c->timed_out)
		snprintf(buf, len, "timed out after %gs", c->timeout_s);
	else if (c->signaled) {
		const char *abbr = sigabbrev_np(c->term_signal);

		if (abbr)
			snprintf(buf, len, "killed by SIG%s", abbr);
		else
			snprintf(buf, len, "killed by signal %d", c->term_signal);
	} else if (c->exited)
		snprintf(buf, len, "exited with %d", c->exit_code);
	else if (c->running)
		snprintf(buf, len, "running");
	else
		snprintf(buf, len, "did not run");
	return buf;
}
