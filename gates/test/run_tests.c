/* run_tests.c -- running tests: one command, or every program of --each/--list
 *
 * Each test is started by qg_child_start() (argv, never a shell; its own
 * process group) with QGATE_TEST_ID=<marker> added to its environment, and
 * this file's loop does the rest for up to -j N at once: poll() on every
 * test's stdout and stderr (woken by SIGCHLD through a self-pipe, so 2,000
 * trivial tests do not wait on ticks), the first and last 64 KiB of each
 * stream kept, TAP on stdout fed to the push parser as it arrives, the
 * timeout (SIGTERM to the group, --kill-after, SIGKILL), and --retries.
 *
 * Nothing a test starts outlives it: main.c made qgate-test a child
 * subreaper, so a daemon that double-forked and setsid()'d is reparented to
 * us. When a test's leader has exited (seen with WNOWAIT, so its pid cannot
 * be reused yet) its group is SIGKILLed, then every process reparented to us
 * that carries the test's marker (or none: nobody can tell whose it is) is
 * killed and reaped, and only then the leader is reaped and its pipes
 * drained. A process carrying a marker of a test still running is left to
 * that test. At exit main.c calls test_reap_orphans(NULL), which kills all.
 *
 * Why one long file: the poll loop, the capture, the retries and the
 * reaping share the slots of the tests running now (struct slot), and the
 * signal handler reads them. The next seam is the reaping (the /proc walk,
 * the markers, test_reap_orphans) into run_reap.c behind a small slot API.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/result.h"
#include "qgate/run.h"

#include "test.h"

#define HALF_CAP ((size_t)64 << 10)
#define MARKER_ENV "QGATE_TEST_ID"
#define DRAIN_MS 500
#define ATTEMPT_OUTPUT_MAX ((size_t)4 << 10) /* of a failed attempt's output kept, its end */

/* ---- bounded capture: the first and the last 64 KiB ---- */

struct capture {
	char *head, *tail;
	size_t head_len, tail_len, tail_pos;
	long long total;
};

static int cap_add(struct capture *c, const char *d, size_t n)
{
	c->total += (long long)n;
	if (c->head_len < HALF_CAP) {
		size_t k = HALF_CAP - c->head_len < n ? HALF_CAP - c->head_len : n;

		if (!c->head && !(c->head = malloc(HALF_CAP)))
			return qg_error(QG_ENOMEM, "out of memory");
		memcpy(c->head + c->head_len, d, k);
		c->head_len += k;
		d += k;
		n -= k;
	}
	if (!n)
		return 0;
	if (!c->tail && !(c->tail = malloc(HALF_CAP)))
		return qg_error(QG_ENOMEM, "out of memory");
	if (n >= HALF_CAP) {
		memcpy(c->tail, d + n - HALF_CAP, HALF_CAP);
		c->tail_len = HALF_CAP;
		c->tail_pos = 0;
		return 0;
	}
	while (n) {
		size_t k = HALF_CAP - c->tail_pos < n ? HALF_CAP - c->tail_pos : n;

		memcpy(c->tail + c->tail_pos, d, k);
		c->tail_pos = (c->tail_pos + k) % HALF_CAP;
		c->tail_len = c->tail_len + k > HALF_CAP ? HALF_CAP : c->tail_len + k;
		d += k;
		n -= k;
	}
	return 0;
}

static int cap_render(struct qg_buf *out, const struct capture *c, const char *label)
{
	long long dropped = c->total - (long long)c->head_len - (long long)c->tail_len;
	int err;

	if (!c->total)
		return 0;
	err = qg_buf_addf(out, "%s%s:\n", out->len ? "\n" : "", label);
	if (!err)
		err = qg_buf_add(out, c->head, c->head_len);
	if (!err && dropped > 0)
		err = qg_buf_addf(out, "\n[... %lld bytes not kept ...]\n", dropped);
	if (!err && c->tail_len) {
		size_t start = c->tail_len < HALF_CAP ? 0 : c->tail_pos;

		if (c->tail_len < HALF_CAP)
			err = qg_buf_add(out, c->tail, c->tail_len);
		else {
			err = qg_buf_add(out, c->tail + start, HALF_CAP - start);
			if (!err)
				err = qg_buf_add(out, c->tail, start);
		}
	}
	return err;
}

static void cap_release(struct capture *c)
{
	free(c->head);
	free(c->tail);
	memset(c, 0, sizeof(*c));
}

/* ---- time, signals ---- */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int wake_pipe[2] = { -1, -1 };

static void on_sigchld(int sig)
{
	int saved = errno;
	char b = 0;
	ssize_t r;

	(void)sig;
	r = write(wake_pipe[1], &b, 1);
	(void)r;
	errno = saved;
}

/* The slots running now (set while run_jobs runs), for the signal handler
 * and test_reap_orphans(). */
struct slot;
static struct slot *live_slots;
static size_t live_nr;
static struct sigaction old_fatal[4];
static const int fatal_sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
static void kill_live_groups(void);

/* qgate-test killed: its tests die with it (SIGKILL to each group), then
 * the handler that was there (the temp-file cleanup, which re-raises) runs. */
static void on_fatal(int sig)
{
	kill_live_groups();
	for (size_t i = 0; i < 4; i++) {
		if (fatal_sigs[i] != sig)
			continue;
		sigaction(sig, &old_fatal[i], NULL);
		if (old_fatal[i].sa_handler != SIG_IGN && old_fatal[i].sa_handler != SIG_DFL &&
		    !(old_fatal[i].sa_flags & SA_SIGINFO))
			old_fatal[i].sa_handler(sig);
		else
			raise(sig);
	}
}

static const char *signame(int sig, char *buf, size_t len)
{
	const char *abbr = sigabbrev_np(sig);

	if (abbr)
		snprintf(buf, len, "SIG%s", abbr);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

/* ---- jobs and slots ---- */

struct job {
	const char *name;         /* the program (or the command line) */
	struct qg_strvec argv;
	int attempt;              /* attempts made */
	struct test_results failed_before; /* cases that failed in earlier attempts */
	int done;
};

struct slot {
	struct job *job;
	struct qg_child c;
	struct capture out, err;
	struct test_tap *tap;
	int tap_bad;
	char tap_error[512];
	char marker[64];
	long long start_ns, deadline_ns, kill_ns;
	int term_sent, kill_sent;
	int used;
};

static void kill_live_groups(void)
{
	for (size_t i = 0; i < live_nr; i++)
		if (live_slots[i].used && live_slots[i].c.pid > 0 && !live_slots[i].c.start_errno)
			kill(-live_slots[i].c.pid, SIGKILL);
}

static int is_live_leader(pid_t pid)
{
	for (size_t i = 0; i < live_nr; i++)
		if (live_slots[i].used && live_slots[i].c.pid == pid)
			return 1;
	return 0;
}

/* The marker in a process's environment ("" when none). */
static void read_marker(pid_t pid, char *out, size_t len)
{
	char path[64], buf[65536];
	ssize_t n;
	int fd;
	size_t klen = strlen(MARKER_ENV "=");

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (!strncmp(p, MARKER_ENV "=", klen)) {
			snprintf(out, len, "%s", p + klen);
			return;
		}
}

static int marker_live(const char *m)
{
	for (size_t i = 0; i < live_nr; i++)
		if (live_slots[i].used && !strcmp(live_slots[i].marker, m))
			return 1;
	return 0;
}

/* Our children: /proc/self/task/<tid>/children when the kernel has it,
 * else a scan of /proc for ppid == us. */
static size_t list_children(pid_t *out, size_t max)
{
	char path[64], buf[8192];
	pid_t me = getpid();
	size_t n = 0;
	FILE *f;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)me, (int)me);
	f = fopen(path, "re");
	if (f) {
		int pid;

		while (n < max && fscanf(f, "%d", &pid) == 1)
			out[n++] = pid;
		fclose(f);
		return n;
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		char *rp;
		long pid = strtol(e->d_name, &rp, 10);
		int fd, ppid;
		ssize_t r;

		if (*rp || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		rp = strrchr(buf, ')');
		if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == me)
			out[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

size_t test_reap_orphans(const char *marker)
{
	size_t killed = 0;

	for (int round = 0; round < 1000; round++) {
		pid_t kids[512];
		size_t n = list_children(kids, sizeof(kids) / sizeof(kids[0])), acted = 0;

		for (size_t i = 0; i < n; i++) {
			char m[64];

			if (is_live_leader(kids[i]))
				continue;
			if (marker) {
				read_marker(kids[i], m, sizeof(m));
				if (m[0] && strcmp(m, marker) && marker_live(m))
					continue;
			}
			kill(kids[i], SIGKILL);
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
			killed++;
			acted++;
		}
		if (!acted)
			break;
	}
	return killed;
}

/* ---- one attempt of a test ---- */

static int slot_start(struct slot *s, struct job *j, const struct test_run_opts *o, size_t seq,
		      const char *classname)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->job = j;
	qg_child_init(&s->c);
	snprintf(s->marker, sizeof(s->marker), "%d.%zu.%d", (int)getpid(), seq, j->attempt);
	if ((err = qg_strvec_pushv(&s->c.args, j->argv.v)) < 0 ||
	    (err = qg_strvec_pushf(&s->c.env, MARKER_ENV "=%s", s->marker)) < 0)
		return err;
	if (o->sharded && !o->nr_each && !o->list &&
	    ((err = qg_strvec_pushf(&s->c.env, "QGATE_SHARD_INDEX=%lld", o->shard.index)) < 0 ||
	     (err = qg_strvec_pushf(&s->c.env, "QGATE_SHARD_TOTAL=%lld", o->shard.count)) < 0))
		return err;
	if (o->tap && (err = test_tap_new(&s->tap, j->name, classname)) < 0)
		return err;
	s->c.flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_CAPTURE_ERR | QG_CHILD_NO_STDIN;
	s->c.capture_cap = 1;
	s->start_ns = now_ns();
	s->deadline_ns = o->timeout_s > 0 ? s->start_ns + (long long)(o->timeout_s * 1e9) : 0;
	j->attempt++;
	s->used = 1;
	err = qg_child_start(&s->c);
	/* no pipe, no fork (EMFILE, EAGAIN): the gate cannot go on, one error */
	if (err == QG_ENOMEM || err == QG_EIO || (err < 0 && !s->c.start_errno))
		return err;
	/* the program cannot start (not found, not executable): the test's error */
	return 0;
}

static void slot_release(struct slot *s)
{
	s->c.running = 0; /* reaped here, not by qg_child_release */
	qg_child_release(&s->c);
	cap_release(&s->out);
	cap_release(&s->err);
	test_tap_free(s->tap);
	s->tap = NULL;
	s->used = 0;
}

static int slot_read(struct slot *s, int *fd, struct capture *cap, int is_out, const struct test_run_opts *o)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return 0;
		}
		if (cap_add(cap, buf, (size_t)n) < 0)
			return QG_ENOMEM;
		if (o->verbose) {
			ssize_t w = write(2, buf, (size_t)n);
			(void)w;
		}
		if (is_out && s->tap && !s->tap_bad && test_tap_feed(s->tap, buf, (size_t)n) < 0) {
			s->tap_bad = 1;
			snprintf(s->tap_error, sizeof(s->tap_error), "%s", qg_error_last());
		}
	}
}

/* After the leader exited: its group and its orphans die, the leader is
 * reaped, the pipes drained (bounded: a process outside our reach may hold
 * them open). */
static int slot_finish(struct slot *s, const struct test_run_opts *o, size_t *orphans)
{
	siginfo_t si;
	int status = 0, err = 0;
	long long until;

	kill(-s->c.pid, SIGKILL);
	*orphans += test_reap_orphans(s->marker);
	while (waitpid(s->c.pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)si;
	s->c.running = 0;
	s->c.duration_ms = (now_ns() - s->start_ns) / 1000000;
	if (WIFEXITED(status)) {
		s->c.exited = 1;
		s->c.exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		s->c.signaled = 1;
		s->c.term_signal = WTERMSIG(status);
	}
	until = now_ns() + DRAIN_MS * 1000000LL;
	while (!err && (s->c.out_fd >= 0 || s->c.err_fd >= 0) && now_ns() < until) {
		struct pollfd p[2] = { { s->c.out_fd, POLLIN, 0 }, { s->c.err_fd, POLLIN, 0 } };

		if (poll(p, 2, 50) < 0 && errno != EINTR)
			break;
		if (s->c.out_fd >= 0)
			err = slot_read(s, &s->c.out_fd, &s->out, 1, o);
		if (!err && s->c.err_fd >= 0)
			err = slot_read(s, &s->c.err_fd, &s->err, 0, o);
	}
	return err;
}

/* How the attempt ended, "exit 1", "killed by SIGSEGV", "timed out after 2 s". */
static enum test_outcome slot_outcome(const struct slot *s, const struct test_run_opts *o, char *how, size_t len)
{
	char sn[32];

	if (s->c.start_errno) {
		snprintf(how, len, "cannot start '%s': %s", s->c.args.v[0],
			 s->c.start_errno == ENOENT ? "no such program" : strerror(s->c.start_errno));
		return TEST_ERROR;
	}
	if (s->term_sent) {
		snprintf(how, len, "timed out after %g s%s", o->timeout_s, s->kill_sent ? ", killed by SIGKILL" : "");
		return TEST_ERROR;
	}
	if (s->c.signaled) {
		snprintf(how, len, "killed by %s", signame(s->c.term_signal, sn, sizeof(sn)));
		return TEST_FAIL;
	}
	if (s->c.exit_code == 77) {
		snprintf(how, len, "exit 77: skipped");
		return TEST_SKIP;
	}
	snprintf(how, len, "exit %d", s->c.exit_code);
	return s->c.exit_code ? TEST_FAIL : TEST_PASS;
}

static void say(const char *what, const char *name, const char *how, long long ms)
{
	fprintf(stderr, "%s %s (%s, %.1f s)\n", what, name, how, (double)ms / 1000.0);
}

/* The attempt's results: the program as one case, or its TAP cases plus
 * one for the program when it did not end well. */
static int attempt_results(struct slot *s, const struct test_run_opts *o, struct test_results *rs,
			   enum test_outcome *worst, char *how, size_t howlen)
{
	enum test_outcome oc = slot_outcome(s, o, how, howlen);
	struct qg_buf detail = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct test_case *c;
	int err = 0;

	*worst = TEST_PASS;
	if (s->tap) {
		if (!s->c.start_errno && !s->term_sent && !s->tap_bad && test_tap_finish(s->tap, rs) < 0) {
			s->tap_bad = 1;
			snprintf(s->tap_error, sizeof(s->tap_error), "%s", qg_error_last());
		}
		for (size_t i = 0; i < rs->nr; i++)
			if (rs->v[i].outcome > *worst)
				*worst = rs->v[i].outcome;
		if (s->tap_bad && oc < TEST_ERROR) {
			oc = TEST_ERROR;
			snprintf(how + strlen(how), howlen - strlen(how), ", invalid TAP: %s", s->tap_error);
		}
		if (oc == TEST_PASS || (oc == TEST_SKIP && rs->nr))
			return 0;
		/* a plain non-zero exit that the failed TAP cases explain is not
		 * one more failure: the cases get the captured output instead */
		if (oc == TEST_FAIL && !s->c.signaled && *worst >= TEST_FAIL) {
			err = cap_render(&detail, &s->out, "stdout");
			if (!err)
				err = cap_render(&detail, &s->err, "stderr");
			for (size_t i = 0; !err && i < rs->nr; i++)
				if (rs->v[i].outcome >= TEST_FAIL && !rs->v[i].detail && detail.len)
					err = test_case_set(&rs->v[i].detail, detail.buf);
			qg_buf_release(&detail);
			return err;
		}
	}
	c = test_results_add(rs, "", s->job->name, oc, oc == TEST_PASS ? NULL : how, s->job->name);
	if (!c)
		return QG_ENOMEM;
	c->time_s = (double)s->c.duration_ms / 1000.0;
	if (oc != TEST_PASS) {
		err = cap_render(&detail, &s->out, "stdout");
		if (!err)
			err = cap_render(&detail, &s->err, "stderr");
		if (!err && detail.len)
			err = test_case_set(&c->detail, detail.buf);
	}
	qg_buf_release(&detail);
	if (oc > *worst)
		*worst = oc;
	return err;
}

/* Fold an attempt into the job: retry it, or hand its results out. */
static int attempt_done(struct slot *s, const struct test_run_opts *o, struct test_results *out, int *requeue)
{
	struct job *j = s->job;
	struct test_results rs = { 0 };
	enum test_outcome worst;
	char how[768];
	int err = attempt_results(s, o, &rs, &worst, how, sizeof(how));

	*requeue = 0;
	if (err < 0)
		goto done;
	if (worst >= TEST_FAIL && j->attempt <= o->retries) {
		/* keep what failed, run again */
		if (!o->quiet)
			say("RETRY", j->name, how, s->c.duration_ms);
		for (size_t i = 0; i < rs.nr; i++)
			if (rs.v[i].outcome >= TEST_FAIL) {
				struct test_case *c = test_results_add(&j->failed_before, rs.v[i].classname,
								       rs.v[i].name, rs.v[i].outcome,
								       rs.v[i].message, NULL);
				if (!c) {
					err = QG_ENOMEM;
					goto done;
				}
				c->attempts = j->attempt;
				if (rs.v[i].detail && (err = test_case_set(&c->detail, rs.v[i].detail)) < 0)
					goto done;
			}
		*requeue = 1;
		goto done;
	}
	for (size_t i = 0; i < rs.nr; i++) {
		struct test_case *c = &rs.v[i];

		c->attempts = j->attempt;
		for (size_t k = 0; k < j->failed_before.nr; k++) {
			const struct test_case *f = &j->failed_before.v[k];
			struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE);

			if (strcmp(f->classname, c->classname) || strcmp(f->name, c->name))
				continue;
			/* the attempt's message, then the end of its output (the
			 * JUnit report keeps both beside the test) */
			err = qg_buf_addf(&msg, "attempt %d: %.1000s", f->attempts, f->message ? f->message : "failed");
			if (!err && f->detail && *f->detail) {
				size_t len = strlen(f->detail), from = len > ATTEMPT_OUTPUT_MAX ? len - ATTEMPT_OUTPUT_MAX : 0;

				while (from < len && ((unsigned char)f->detail[from] & 0xc0) == 0x80)
					from++; /* on a character boundary */
				err = qg_buf_addf(&msg, "\n%s%s", from ? "[...] " : "", f->detail + from);
			}
			if (!err)
				err = test_case_add_failed_attempt(c, msg.buf);
			qg_buf_release(&msg);
			if (err < 0)
				goto done;
		}
		if (c->nr_failed_attempts && c->outcome == TEST_PASS)
			c->flaky = 1;
	}
	if (worst >= TEST_FAIL)
		say(worst == TEST_ERROR ? "ERROR" : "FAIL", j->name, how, s->c.duration_ms);
	else if (j->attempt > 1 && !o->quiet)
		say("FLAKY", j->name, "passed on a retry", s->c.duration_ms);
	else if (o->verbose)
		say(worst == TEST_SKIP ? "SKIP" : "PASS", j->name, how, s->c.duration_ms);
	err = test_results_move(out, &rs);
	j->done = 1;
done:
	test_results_release(&rs);
	return err;
}

/* Run the jobs, `jobs` at a time. */
static int run_jobs(struct job *jv, size_t nj, const struct test_run_opts *o, struct test_results *out,
		    struct test_run_info *info, const char *classname)
{
	size_t width = (size_t)(o->jobs < 1 ? 1 : o->jobs), next = 0, running = 0, seq = 0;
	size_t *queue = NULL, qhead = 0, qtail = 0, qcap = nj + 1;
	struct slot *slots = calloc(width, sizeof(*slots));
	struct pollfd *pfd = calloc(2 * width + 1, sizeof(*pfd));
	struct sigaction sa, old_sa;
	int err = 0;

	queue = malloc(qcap * sizeof(*queue));
	if (!slots || !pfd || !queue) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nj; i++)
		queue[qtail++] = i;
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = qg_error(QG_EIO, "cannot create a pipe: %s", strerror(errno));
		goto done;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	live_slots = slots;
	live_nr = width;
	sigaction(SIGCHLD, &sa, &old_sa);
	sa.sa_handler = on_fatal;
	sa.sa_flags = 0;
	for (size_t i = 0; i < 4; i++) {
		struct sigaction cur;

		sigaction(fatal_sigs[i], NULL, &cur);
		old_fatal[i] = cur;
		if (cur.sa_handler != SIG_IGN) /* an ignored signal stays ignored */
			sigaction(fatal_sigs[i], &sa, NULL);
	}
	(void)next;

	while (!err && (qhead != qtail || running)) {
		size_t np = 0;
		long long now = now_ns(), wait_ns = 1000LL * 1000000;

		/* fill free slots */
		for (size_t i = 0; !err && i < width && qhead != qtail; i++) {
			struct slot *s = &slots[i];
			struct job *j;

			if (s->used)
				continue;
			j = &jv[queue[qhead]];
			qhead = (qhead + 1) % qcap;
			err = slot_start(s, j, o, seq++, classname ? classname : j->name);
			running++;
		}
		if (err)
			break;
		/* timeouts and exits */
		for (size_t i = 0; !err && i < width; i++) {
			struct slot *s = &slots[i];
			siginfo_t si;
			int requeue;

			if (!s->used)
				continue;
			memset(&si, 0, sizeof(si));
			if (s->c.pid > 0 && !s->c.start_errno &&
			    waitid(P_PID, (id_t)s->c.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0) {
				/* still running */
				if (s->deadline_ns && !s->term_sent && now >= s->deadline_ns) {
					kill(-s->c.pid, SIGTERM);
					s->term_sent = 1;
					s->kill_ns = now + (long long)(o->kill_after_s * 1e9);
				} else if (s->term_sent && !s->kill_sent && now >= s->kill_ns) {
					kill(-s->c.pid, SIGKILL);
					s->kill_sent = 1;
				}
				if (s->deadline_ns && !s->term_sent && s->deadline_ns - now < wait_ns)
					wait_ns = s->deadline_ns - now;
				if (s->term_sent && !s->kill_sent && s->kill_ns - now < wait_ns)
					wait_ns = s->kill_ns - now;
				continue;
			}
			if (s->c.pid > 0 && !s->c.start_errno)
				err = slot_finish(s, o, &info->orphans_killed);
			if (!err && info->command_run) {
				slot_outcome(s, o, info->command_how, sizeof(info->command_how));
				info->command_exit = s->c.exited && !s->term_sent && !s->c.start_errno ? s->c.exit_code : -1;
			}
			if (!err)
				err = attempt_done(s, o, out, &requeue);
			if (!err && info->command_run && s->tap_bad) {
				size_t l = strlen(info->command_how);

				snprintf(info->command_how + l, sizeof(info->command_how) - l, ", invalid TAP: %s",
					 s->tap_error);
			}
			if (!err && requeue) {
				queue[qtail] = (size_t)(s->job - jv);
				qtail = (qtail + 1) % qcap;
			}
			slot_release(s);
			running--;
			wait_ns = 0;
		}
		if (err || !running)
			continue;
		/* wait for output, an exit or a deadline */
		pfd[np++] = (struct pollfd){ wake_pipe[0], POLLIN, 0 };
		for (size_t i = 0; i < width; i++) {
			if (!slots[i].used)
				continue;
			if (slots[i].c.out_fd >= 0)
				pfd[np++] = (struct pollfd){ slots[i].c.out_fd, POLLIN, 0 };
			if (slots[i].c.err_fd >= 0)
				pfd[np++] = (struct pollfd){ slots[i].c.err_fd, POLLIN, 0 };
		}
		if (wait_ns < 0)
			wait_ns = 0;
		if (poll(pfd, np, (int)((wait_ns + 999999) / 1000000)) < 0 && errno != EINTR) {
			err = qg_error(QG_EIO, "poll: %s", strerror(errno));
			break;
		}
		{
			char drain[256];

			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				;
		}
		for (size_t i = 0; !err && i < width; i++) {
			struct slot *s = &slots[i];

			if (!s->used)
				continue;
			if (s->c.out_fd >= 0)
				err = slot_read(s, &s->c.out_fd, &s->out, 1, o);
			if (!err && s->c.err_fd >= 0)
				err = slot_read(s, &s->c.err_fd, &s->err, 0, o);
		}
	}
done:
	if (slots) {
		for (size_t i = 0; i < width; i++)
			if (slots[i].used) {
				if (slots[i].c.pid > 0 && !slots[i].c.start_errno) {
					kill(-slots[i].c.pid, SIGKILL);
					while (waitpid(slots[i].c.pid, NULL, 0) < 0 && errno == EINTR)
						;
				}
				slot_release(&slots[i]);
			}
	}
	if (wake_pipe[0] >= 0)
		for (size_t i = 0; i < 4; i++)
			sigaction(fatal_sigs[i], &old_fatal[i], NULL);
	live_slots = NULL;
	live_nr = 0;
	info->orphans_killed += test_reap_orphans(NULL);
	if (wake_pipe[0] >= 0) {
		sigaction(SIGCHLD, &old_sa, NULL);
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
	}
	free(slots);
	free(pfd);
	free(queue);
	return err;
}

/* ---- the tests to run ---- */

static int add_program(struct qg_strvec *names, const char *p)
{
	return qg_strvec_push(names, p);
}

static int collect_programs(struct qg_strvec *names, const struct test_run_opts *o)
{
	int err = 0;

	for (size_t i = 0; !err && i < o->nr_each; i++) {
		glob_t g;
		int r = glob(o->each[i], 0, NULL, &g);

		if (r == GLOB_NOMATCH)
			return qg_error(QG_EINPUT, "--each '%s': matches no file", o->each[i]);
		if (r)
			return qg_error(QG_EINPUT, "--each '%s': cannot expand: %s", o->each[i],
					r == GLOB_NOSPACE ? "out of memory" : "read error");
		for (size_t k = 0; !err && k < g.gl_pathc; k++)
			if (!qg_file_is_dir(g.gl_pathv[k]))
				err = add_program(names, g.gl_pathv[k]);
		globfree(&g);
	}
	if (!err && o->list) {
		struct qg_buf b = QG_BUF_INIT((size_t)64 << 20);
		char *line, *save = NULL;
		long long ln = 0;

		if ((err = qg_buf_read_file(&b, o->list)) < 0) {
			qg_buf_release(&b);
			return err;
		}
		if (memchr(b.buf, '\0', b.len)) {
			qg_buf_release(&b);
			return qg_error(QG_EINPUT, "'%s': a NUL byte: not a list of programs", o->list);
		}
		for (char *p = b.buf; !err && p; p = save) {
			char *nl = strchr(p, '\n');

			save = nl ? nl + 1 : NULL;
			if (nl)
				*nl = '\0';
			ln++;
			line = p;
			while (*line == ' ' || *line == '\t')
				line++;
			{
				size_t l = strlen(line);

				while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
					line[--l] = '\0';
			}
			if (!*line || *line == '#')
				continue;
			err = add_program(names, line);
		}
		qg_buf_release(&b);
	}
	return err;
}

static int run_each(const struct test_run_opts *o, struct test_results *out, struct test_run_info *info)
{
	struct qg_strvec names = QG_STRVEC_INIT;
	unsigned char *keep = NULL;
	struct job *jv = NULL;
	size_t nj = 0;
	int err = collect_programs(&names, o);

	if (err < 0)
		goto done;
	if (o->list && o->result && (err = qg_result_check_artifacts(o->result)) < 0)
		goto done;
	info->programs_total = names.nr;
	keep = calloc(names.nr + 1, 1);
	jv = calloc(names.nr + 1, sizeof(*jv));
	if (!keep || !jv) {
		err = qg_error(QG_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = test_shard_pick(keep, names.v, names.nr, &o->shard, o->timings)) < 0)
		goto done;
	for (size_t i = 0; i < names.nr; i++) {
		struct job *j;

		if (!keep[i])
			continue;
		j = &jv[nj++];
		j->name = names.v[i];
		qg_strvec_init(&j->argv);
		for (size_t k = 0; !err && k < o->nr_command; k++)
			err = qg_strvec_push(&j->argv, o->command[k]);
		if (!err) {
			/* a name without a '/' is the file here when there is one
			 * (what --each matched), else a program on PATH */
			if (!o->nr_command && !strchr(names.v[i], '/') && qg_file_is_regular(names.v[i]) > 0)
				err = qg_strvec_pushf(&j->argv, "./%s", names.v[i]);
			else
				err = qg_strvec_push(&j->argv, names.v[i]);
		}
		if (err)
			goto done;
	}
	info->programs = nj;
	info->ran = 1;
	err = run_jobs(jv, nj, o, out, info, NULL);
done:
	for (size_t i = 0; jv && i < nj; i++) {
		qg_strvec_clear(&jv[i].argv);
		test_results_release(&jv[i].failed_before);
	}
	free(jv);
	free(keep);
	qg_strvec_clear(&names);
	return err;
}

/* One command: its exit status and its reports. */
static int run_command(const struct test_run_opts *o, struct test_results *out, struct test_run_info *info)
{
	struct qg_buf line = QG_BUF_INIT(QG_CAP_MESSAGE);
	struct test_results got = { 0 };
	struct job j;
	long long start_ms = wall_ms();
	int err = 0, reports = o->nr_junit_in || o->nr_tap_in;
	struct test_run_opts one = *o;
	const char *base;

	memset(&j, 0, sizeof(j));
	qg_strvec_init(&j.argv);
	for (size_t k = 0; !err && k < o->nr_command; k++)
		err = qg_strvec_push(&j.argv, o->command[k]) < 0 ? QG_ENOMEM :
		      qg_buf_addf(&line, "%s%s", k ? " " : "", o->command[k]);
	if (err)
		goto done;
	j.name = line.buf;
	one.retries = 0;
	one.jobs = 1;
	base = strrchr(o->command[0], '/');
	base = base ? base + 1 : o->command[0];
	snprintf(info->command_name, sizeof(info->command_name), "%s", line.buf);
	info->ran = info->command_run = 1;
	info->command_reports = reports || o->tap;
	info->command_exit = -1;
	/* the command's own results come through run_jobs as one test... */
	err = run_jobs(&j, 1, &one, &got, info, base);
	if (err < 0)
		goto done;
	if (!strncmp(info->command_how, "cannot start", 12)) {
		err = qg_error(QG_EINPUT, "%s", info->command_how);
		goto done;
	}
	if (!strncmp(info->command_how, "timed out", 9)) {
		err = qg_error(QG_ETIMEOUT, "'%s' %s", line.buf, info->command_how);
		goto done;
	}
	if (o->tap && strstr(info->command_how, "invalid TAP: ")) {
		err = qg_error(QG_EINPUT, "'%s' stdout: %s", line.buf, strstr(info->command_how, "invalid TAP: ") + 13);
		goto done;
	}
	/* with reports the command's own case goes: the reports are the
	 * results, its exit status goes to the verdict (tests.command) */
	for (size_t i = got.nr; (reports || o->tap) && i-- > 0;)
		if (!*got.v[i].classname && !strcmp(got.v[i].name, line.buf))
			test_results_remove(&got, i);
	if ((err = test_results_move(out, &got)) < 0)
		goto done;
	if (reports)
		err = test_read_reports(o->junit_in, o->nr_junit_in, o->tap_in, o->nr_tap_in, start_ms, out);
done:
	test_results_release(&got);
	qg_strvec_clear(&j.argv);
	test_results_release(&j.failed_before);
	qg_buf_release(&line);
	return err;
}

int test_run(const struct test_run_opts *o, struct test_results *out, struct test_run_info *info)
{
	memset(info, 0, sizeof(*info));
	info->command_exit = -1;
	out->verbose = o->verbose;
	if (o->nr_each || o->list)
		return run_each(o, out, info);
	if (o->nr_command)
		return run_command(o, out, info);
	info->ran = 1;
	return test_read_reports(o->junit_in, o->nr_junit_in, o->tap_in, o->nr_tap_in, 0, out);
}
