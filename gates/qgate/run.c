/* run.c -- qgate run: a stage of gates, independent ones in parallel
 *
 * The stage comes from pipeline.c, checked whole before anything runs (a bad
 * pipeline, or a step whose gate is not installed, is exit 2). Each selected
 * step runs as `qgate-<gate> ARGS... --out DIR/<step>/` (the --out goes just
 * before a "--" in ARGS, so a qgate-test command stays whole), found like
 * the front finds gates (next to qgate, then PATH), exec'ed with argv in the
 * config file's folder, stdin from /dev/null, leading its own process group,
 * stdout and stderr into DIR/<step>/output.log. At most -j steps run at
 * once; a step starts when everything it needs has passed (a need that was
 * skipped because no changed file matched its paths counts as passed). A
 * need that failed, errored or was itself skipped for a failure skips the
 * step with the reason. With --changed-since REF the changed files (merge
 * base of REF and HEAD against the work tree, libgit2) are matched against
 * each step's "paths" globs; no match is a skip.
 *
 * The exit code is the worst step's: 2 (a step's usage error is the
 * pipeline's configuration error) over 3 over 1 over 0; skips count as 0.
 * The summary is written only when the whole run is over: DIR/run.json
 * (qgate.run/v1), DIR/run.xml (every step's suites in one JUnit file, a
 * skipped or report-less step as one testcase), each atomically, then the
 * text on stdout and the GitHub step summary. SIGINT/SIGTERM/SIGHUP stop
 * every running step's process group (SIGTERM, then SIGKILL after a grace),
 * reap them, write no summary, and end qgate by the same signal.
 *
 * Waiting is poll() on the steps' output pipes plus a self-pipe written by
 * the SIGCHLD and stop handlers, so a finished step is noticed at once (no
 * tick between steps), and a 100 ms tick repaints the live lines on a
 * terminal.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qgate/file.h"
#include "qgate/git.h"
#include "qgate/json.h"
#include "qgate/opts.h"
#include "qgate/path.h"
#include "qgate/report.h"
#include "qgate/run.h"
#include "qgate/xml.h"

#include "front.h"
#include "run_int.h"

#define DEFAULT_OUT "build/qgate-run"
#define STOP_GRACE_NS (5LL * 1000000000LL)
#define LOG_SHOWN_MAX ((size_t)64 << 10)

static const char *const usage[] = {
	"qgate run [--config FILE] [--stage NAME] [-j N] [--only STEP,...] [--changed-since REF] [--out DIR]",
	NULL,
};

static const char description[] =
	"Run the steps of a stage of qgate.json's \"pipeline\" section, each as\n"
	"qgate-<gate> ARGS... --out DIR/<step>/ in the config file's folder, independent\n"
	"steps in parallel. Writes DIR/run.json (qgate.run/v1), DIR/run.xml (one JUnit\n"
	"file), a summary on stdout and the GitHub step summary. Exit: the worst step's\n"
	"(2 over 3 over 1 over 0); 2 before anything runs for a bad pipeline.";

enum step_state { S_WAIT = 0, S_RUNNING, S_DONE };

struct step_run {
	struct run_step *st;
	enum step_state state;
	int selected;
	const char *status; /* "pass", "fail", "error", "skip" */
	int skip_failed;    /* skipped because a need did not pass (propagates) */
	int exit_code;      /* -1: none (skipped) */
	char *reason;
	char *gate_path;
	char *dir; /* DIR/<step> */
	long long start_ns, duration_ms;
	struct qg_child child;
	int log_fd;
	struct qg_strvec reports; /* relative to DIR */
};

struct run_ctx {
	struct run_stage stage;
	struct step_run *runs;
	size_t nr_selected;
	const char *config;
	char *config_dir; /* absolute */
	char *out_dir;    /* absolute */
	const char *out_arg;
	const char *changed_since;
	char base_oid[41];
	long long jobs;
	int live;
	size_t live_lines; /* lines painted last time */
	long long start_ns;
	struct qg_strvec changed; /* changed files, relative to the config folder */
};

/* ---- signals: a self-pipe written by SIGCHLD and the stop signals ---- */

static int wake_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction old_actions[3], old_chld;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;
	ssize_t w;

	if (sig != SIGCHLD && !stop_signal)
		stop_signal = sig;
	w = write(wake_pipe[1], &c, 1);
	(void)w;
	errno = saved;
}

static int signals_install(void)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return qg_error(QG_EIO, "cannot create a pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < QG_ARRAY_SIZE(stop_signals); i++) {
		sigaction(stop_signals[i], NULL, &old_actions[i]);
		if (old_actions[i].sa_handler != SIG_IGN) /* nohup stays nohup */
			sigaction(stop_signals[i], &sa, NULL);
	}
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old_chld);
	return 0;
}

static void signals_restore(void)
{
	for (size_t i = 0; i < QG_ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &old_actions[i], NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
	}
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- options ---- */

static int split_only(struct qg_strvec *out, const struct qg_strvec *in)
{
	for (size_t i = 0; i < in->nr; i++) {
		const char *s = in->v[i];

		while (*s) {
			size_t n = strcspn(s, ",");
			char *w;

			if (n) {
				if (!(w = qg_strndup(s, n)))
					return qg_error(QG_ENOMEM, "out of memory");
				if (qg_strvec_push(out, w) < 0) {
					free(w);
					return QG_ENOMEM;
				}
				free(w);
			}
			s += n;
			if (*s == ',')
				s++;
		}
	}
	if (in->nr && !out->nr)
		return qg_error(QG_EUSAGE, "--only: no step named");
	return 0;
}

static char *absolute(const char *path)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_PATH);
	char cwd[PATH_MAX];
	int err = 0;

	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			qg_error(QG_EIO, "cannot tell the current folder: %s", strerror(errno));
			return NULL;
		}
		err = qg_buf_addf(&b, "%s/", cwd);
	}
	if (!err)
		err = qg_buf_addstr(&b, path);
	/* drop trailing slashes (not the root's) */
	while (!err && b.len > 1 && b.buf[b.len - 1] == '/')
		qg_buf_setlen(&b, b.len - 1);
	if (err < 0) {
		qg_buf_release(&b);
		return NULL;
	}
	return qg_buf_detach(&b, NULL);
}

/* ---- preparing: gates, selection, changed files ---- */

static int find_gates(struct run_ctx *r)
{
	struct qg_buf self = QG_BUF_INIT(QG_CAP_PATH), path = QG_BUF_INIT(QG_CAP_PATH),
		      name = QG_BUF_INIT(QG_CAP_PATH);
	int err = 0;

	if (qg_path_self_dir(&self) < 0)
		qg_error_clear();
	for (size_t i = 0; !err && i < r->stage.nr; i++) {
		struct step_run *s = &r->runs[i];

		if (!s->selected)
			continue;
		qg_buf_reset(&name);
		if ((err = qg_buf_addf(&name, "qgate-%s", s->st->gate)) < 0)
			break;
		err = qg_path_find(&path, name.buf, self.buf);
		if (err == QG_ENOTFOUND) {
			err = qg_error(
				QG_EUSAGE,
				"%s: %s/gate: gate '%s' is not installed (no %s next to qgate or on PATH)",
				r->config, s->st->pointer, s->st->gate, name.buf);
			break;
		}
		if (err < 0)
			break;
		if (path.buf[0] != '/') {
			char *abs = absolute(path.buf);

			if (!abs) {
				err = QG_ENOMEM;
				break;
			}
			s->gate_path = abs;
		} else if (!(s->gate_path = qg_strdup(path.buf))) {
			err = qg_error(QG_ENOMEM, "out of memory");
		}
	}
	qg_buf_release(&self);
	qg_buf_release(&path);
	qg_buf_release(&name);
	return err;
}

static int select_steps(struct run_ctx *r, const struct qg_strvec *only)
{
	for (size_t i = 0; i < r->stage.nr; i++)
		r->runs[i].selected = !only->nr;
	for (size_t k = 0; k < only->nr; k++) {
		long at = run_stage_find(&r->stage, only->v[k]);

		if (at < 0) {
			struct qg_buf list = QG_BUF_INIT(QG_CAP_MESSAGE);
			int err = 0;

			for (size_t i = 0; !err && i < r->stage.nr; i++)
				err = qg_buf_addf(&list, "%s%s", i ? ", " : "",
						  r->stage.steps[i].name);
			if (!err)
				err = qg_error(QG_EUSAGE,
					       "--only: unknown step '%s' (steps of stage '%s': %s)",
					       only->v[k], r->stage.name, list.buf);
			qg_buf_release(&list);
			return err;
		}
		r->runs[at].selected = 1;
	}
	for (size_t i = 0; i < r->stage.nr; i++)
		r->nr_selected += r->runs[i].selected;
	return 0;
}

/* --out is qgate run's to set: refuse it in a step's args (before a "--"). */
static int check_args(const struct run_ctx *r)
{
	for (size_t i = 0; i < r->stage.nr; i++) {
		const struct run_step *st = &r->stage.steps[i];

		for (size_t k = 0; k < st->args.nr && strcmp(st->args.v[k], "--"); k++)
			if (!strcmp(st->args.v[k], "--out") || !strncmp(st->args.v[k], "--out=", 6))
				return qg_error(
					QG_EUSAGE,
					"%s: %s/args/%zu: '--out' is set by qgate run (DIR/%s/)",
					r->config, st->pointer, k, st->name);
	}
	return 0;
}

/* `abs` (an absolute, normalised path) relative to the folder `from` (the
 * same), with "../" where it lies outside: "/r/examples/data/x.csv" from
 * "/r/examples/pipeline" is "../data/x.csv". */
static int relative_to(struct qg_buf *out, const char *from, const char *abs)
{
	size_t common = 0, i = 0;
	int err = 0;

	/* the longest common prefix ending at a component boundary */
	for (;; i++) {
		int fend = !from[i] || from[i] == '/', aend = !abs[i] || abs[i] == '/';

		if (fend && aend)
			common = i;
		if (!from[i] || !abs[i] || from[i] != abs[i])
			break;
	}
	size_t fi = common, ai = common;

	if (abs[ai] == '/')
		ai++; /* the rest of abs, below the common folder */
	for (const char *p = from + fi; !err && *p;) {
		size_t n = strcspn(p, "/");

		if (n)
			err = qg_buf_addstr(out, "../");
		p += n;
		while (*p == '/')
			p++;
	}
	if (!err)
		err = qg_buf_addstr(out, abs + ai);
	return err;
}

/* The files changed since the merge base of REF and HEAD (work tree, so
 * uncommitted changes count; a rename under both names), as paths relative
 * to the config file's folder ("../" for those outside it). */
static int load_changed(struct run_ctx *r)
{
	struct qg_git_repo *repo = NULL;
	struct qg_git_diff diff = { 0 };
	char *cd = NULL, *wd = NULL;
	int err;

	err = qg_git_repo_open(&repo, r->config_dir);
	if (!err)
		err = qg_git_merge_base(repo, r->changed_since, r->base_oid);
	if (!err)
		err = qg_git_diff(repo, r->base_oid, QG_GIT_DIFF_WORKDIR, 0, &diff);
	if (err < 0) {
		err = qg_error_wrap("--changed-since '%s': ", r->changed_since);
		goto done;
	}
	/* both through realpath, so a symlinked folder compares equal */
	cd = realpath(r->config_dir, NULL);
	wd = realpath(qg_git_repo_workdir(repo), NULL);
	if (!cd || !wd) {
		err = qg_error(QG_EINPUT, "--changed-since '%s': cannot resolve '%s': %s",
			       r->changed_since, cd ? qg_git_repo_workdir(repo) : r->config_dir,
			       strerror(errno));
		goto done;
	}
	for (size_t i = 0; !err && i < diff.nr; i++) {
		const char *names[2] = { diff.files[i].path, diff.files[i].old_path };

		for (int k = 0; !err && k < 2; k++) {
			struct qg_buf abs = QG_BUF_INIT(QG_CAP_PATH),
				      rel = QG_BUF_INIT(QG_CAP_PATH);

			if (!names[k])
				continue;
			err = qg_buf_addf(&abs, "%s%s%s", wd, strcmp(wd, "/") ? "/" : "", names[k]);
			if (!err)
				err = relative_to(&rel, cd, abs.buf);
			if (!err)
				err = qg_strvec_push(&r->changed, rel.buf);
			qg_buf_release(&abs);
			qg_buf_release(&rel);
		}
	}
done:
	free(cd);
	free(wd);
	qg_git_diff_release(&diff);
	qg_git_repo_free(repo);
	return err;
}

static int paths_match(const struct run_ctx *r, const struct run_step *st)
{
	for (size_t i = 0; i < r->changed.nr; i++)
		for (size_t k = 0; k < st->paths.nr; k++)
			if (run_glob_match(st->paths.v[k], r->changed.v[i]))
				return 1;
	return 0;
}

/* ---- the step folders ---- */

/* DIR/<step>/ exists and holds no files from an earlier run. Only a folder
 * an earlier run made (it holds output.log) or an empty one is emptied: a
 * --out pointing at a source tree must not cost anyone their files. */
static int step_dir_prepare(const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct qg_buf log = QG_BUF_INIT(QG_CAP_PATH);
	int err = qg_file_mkdirs(dir, 0777), ours, empty = 1;

	if (err < 0)
		return err;
	if ((err = qg_buf_addf(&log, "%s/output.log", dir)) < 0)
		return err;
	ours = qg_file_is_regular(log.buf);
	qg_buf_release(&log);
	if (!(d = opendir(dir)))
		return qg_error(QG_EIO, "'%s': cannot open: %s", dir, strerror(errno));
	while (!ours && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	if (!ours && !empty) {
		closedir(d);
		return qg_error(QG_EUSAGE,
				"'%s' holds files qgate run did not write (no output.log): "
				"choose another --out",
				dir);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) && unlinkat(dirfd(d), e->d_name, 0) < 0) {
			err = qg_error(QG_EIO, "'%s/%s': cannot remove: %s", dir, e->d_name,
				       strerror(errno));
			break;
		}
	}
	closedir(d);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The step's report files (regular files but its log), sorted, as DIR-relative paths. */
static int step_list_reports(struct step_run *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	size_t first = s->reports.nr;
	int err = 0;

	if (!d)
		return 0;
	while (!err && (e = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || !strcmp(e->d_name, "output.log"))
			continue;
		err = qg_strvec_pushf(&s->reports, "%s/%s", s->st->name, e->d_name);
	}
	closedir(d);
	if (!err && s->reports.nr > first)
		qsort(s->reports.v + first, s->reports.nr - first, sizeof(*s->reports.v), cmp_str);
	return err;
}

/* ---- running ---- */

static const char *verdict_of(int exit_code)
{
	return exit_code == 0 ? "pass" : exit_code == 1 ? "fail" : "error";
}

static void set_reason(struct step_run *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct step_run *s, const char *fmt, ...)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(s->reason);
	s->reason = err ? NULL : qg_buf_detach(&b, NULL);
	qg_buf_release(&b);
}

static int step_start(struct run_ctx *r, struct step_run *s)
{
	struct qg_child *c = &s->child;
	const struct run_step *st = s->st;
	size_t dash = st->args.nr;
	int err;

	for (size_t k = 0; k < st->args.nr; k++)
		if (!strcmp(st->args.v[k], "--")) {
			dash = k;
			break;
		}
	err = qg_strvec_push(&c->args, s->gate_path);
	for (size_t k = 0; !err && k < dash; k++)
		err = qg_strvec_push(&c->args, st->args.v[k]);
	if (!err)
		err = qg_strvec_push(&c->args, "--out");
	if (!err)
		err = qg_strvec_pushf(&c->args, "%s/", s->dir);
	for (size_t k = dash; !err && k < st->args.nr; k++)
		err = qg_strvec_push(&c->args, st->args.v[k]);
	if (!err)
		err = qg_strvec_pushf(&c->env, "QGATE_RUN_STEP=%s", st->name);
	if (!err)
		err = qg_strvec_pushf(&c->env, "QGATE_RUN_DIR=%s", r->out_dir);
	if (err < 0)
		return err;
	c->dir = r->config_dir;
	c->flags = QG_CHILD_CAPTURE_OUT | QG_CHILD_MERGE_ERR | QG_CHILD_NO_STDIN;
	s->start_ns = now_ns();
	s->state = S_RUNNING;
	if (qg_child_start(c) < 0) {
		/* found before, gone now (or not executable): this step is an error */
		s->state = S_DONE;
		s->status = "error";
		s->exit_code = 127;
		set_reason(s, "could not start: %s", qg_error_last());
		qg_error_clear();
		s->duration_ms = (now_ns() - s->start_ns) / 1000000;
	}
	return 0;
}

/* Copy what the step wrote so far into its log. */
static void step_pump(struct step_run *s)
{
	char buf[65536];
	ssize_t n;

	if (s->child.out_fd < 0)
		return;
	for (;;) {
		n = read(s->child.out_fd, buf, sizeof(buf));
		if (n > 0) {
			if (s->log_fd >= 0) {
				for (ssize_t off = 0; off < n;) {
					ssize_t w = write(s->log_fd, buf + off, (size_t)(n - off));

					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0)
						break;
					off += w;
				}
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) { /* EOF */
			close(s->child.out_fd);
			s->child.out_fd = -1;
		}
		return; /* EAGAIN or error */
	}
}

/* The step ended with `status` (waitpid's). */
static void step_finish(struct step_run *s, int status)
{
	struct qg_child *c = &s->child;

	c->running = 0;
	step_pump(s);
	if (c->out_fd >= 0) { /* a grandchild holds the pipe: stop reading */
		close(c->out_fd);
		c->out_fd = -1;
	}
	if (s->log_fd >= 0) {
		close(s->log_fd);
		s->log_fd = -1;
	}
	s->state = S_DONE;
	s->duration_ms = (now_ns() - s->start_ns) / 1000000;
	if (WIFEXITED(status)) {
		s->exit_code = WEXITSTATUS(status);
		s->status = verdict_of(s->exit_code);
		if (s->exit_code > 3)
			set_reason(s, "exited with %d (not a gate's exit code)", s->exit_code);
		else if (s->exit_code == 2)
			set_reason(s, "usage or configuration error (exit 2): see %s/output.log",
				   s->st->name);
		else if (s->exit_code == 3)
			set_reason(s, "could not evaluate (exit 3): see %s/output.log",
				   s->st->name);
	} else if (WIFSIGNALED(status)) {
		s->exit_code = 128 + WTERMSIG(status);
		s->status = "error";
		set_reason(s, "killed by signal %d (%s)", WTERMSIG(status),
			   strsignal(WTERMSIG(status)));
	} else {
		s->exit_code = 3;
		s->status = "error";
	}
}

static void step_skip(struct step_run *s, int failed, const char *fmt, const char *arg)
{
	s->state = S_DONE;
	s->status = "skip";
	s->skip_failed = failed;
	s->exit_code = -1;
	set_reason(s, fmt, arg);
}

/* Is the step ready (1), still waiting (0), or skipped now (2)? */
static int step_ready(struct run_ctx *r, struct step_run *s)
{
	const struct run_step *st = s->st;

	for (size_t k = 0; k < st->needs.nr; k++) {
		struct step_run *n = &r->runs[st->need_idx[k]];

		if (!n->selected)
			continue; /* --only: what is not selected is taken as done */
		if (n->state != S_DONE)
			return 0;
		if (!strcmp(n->status, "fail")) {
			step_skip(s, 1, "needs '%s', which failed", n->st->name);
			return 2;
		}
		if (!strcmp(n->status, "error")) {
			step_skip(s, 1, "needs '%s', which ended in an error", n->st->name);
			return 2;
		}
		if (n->skip_failed) {
			step_skip(s, 1, "needs '%s', which was skipped", n->st->name);
			return 2;
		}
	}
	if (r->changed_since && st->has_paths && !paths_match(r, st)) {
		step_skip(s, 0, "%s", "no changed file matches paths");
		return 2;
	}
	return 1;
}

/* ---- the live lines (terminal) and plain lines (CI) ---- */

static void fmt_elapsed(char *buf, size_t len, long long ms)
{
	if (ms < 60000)
		snprintf(buf, len, "%lld.%llds", ms / 1000, (ms % 1000) / 100);
	else
		snprintf(buf, len, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
}

static void step_line(struct qg_buf *b, const struct run_ctx *r, const struct step_run *s,
		      int color)
{
	char el[32] = "";
	const char *word = "waiting", *on = "", *off = "";
	int err = 0;

	if (s->state == S_RUNNING) {
		word = "running";
		fmt_elapsed(el, sizeof(el), (now_ns() - s->start_ns) / 1000000);
	} else if (s->state == S_DONE) {
		word = s->status;
		if (strcmp(s->status, "skip"))
			fmt_elapsed(el, sizeof(el), s->duration_ms);
		if (color)
			on = !strcmp(word, "pass") ? "\033[32m" :
			     !strcmp(word, "skip") ? "\033[33m" :
						     "\033[31m";
	}
	if (*on)
		off = "\033[0m";
	err = qg_buf_addf(b, "  %s%-7s%s %-24s %8s", on, word, off, s->st->name, el);
	if (!err && s->state == S_DONE && s->reason)
		err = qg_buf_addf(b, "  %s", s->reason);
	(void)err;
	(void)r;
}

static void live_paint(struct run_ctx *r)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	int err = 0;

	if (r->live_lines)
		err = qg_buf_addf(&b, "\033[%zuA", r->live_lines);
	for (size_t i = 0; !err && i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];

		if (!s->selected)
			continue;
		err = qg_buf_addstr(&b, "\r\033[2K");
		step_line(&b, r, s, !getenv("NO_COLOR"));
		if (!err)
			err = qg_buf_addch(&b, '\n');
	}
	if (!err) {
		fwrite(b.buf, 1, b.len, stdout);
		fflush(stdout);
		r->live_lines = r->nr_selected;
	}
	qg_buf_release(&b);
}

/* Plain mode: the step's line, then the output of a step that did not pass
 * (its annotations reach CI; a passing step's output stays in its log). */
static void plain_done(struct run_ctx *r, struct step_run *s)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), log = QG_BUF_INIT(QG_CAP_FILE);
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);

	step_line(&b, r, s, 0);
	fprintf(stdout, "%s\n", b.buf);
	if ((!strcmp(s->status, "fail") || !strcmp(s->status, "error")) &&
	    !qg_buf_addf(&path, "%s/output.log", s->dir) && !qg_buf_read_file(&log, path.buf) &&
	    log.len) {
		size_t from = log.len > LOG_SHOWN_MAX ? log.len - LOG_SHOWN_MAX : 0;

		if (from)
			fprintf(stdout, "  [... %zu bytes, whole output in %s]\n", from, path.buf);
		fwrite(log.buf + from, 1, log.len - from, stdout);
		if (log.buf[log.len - 1] != '\n')
			fputc('\n', stdout);
	}
	qg_error_clear();
	fflush(stdout);
	qg_buf_release(&b);
	qg_buf_release(&log);
	qg_buf_release(&path);
}

/* ---- the loop ---- */

static size_t count_state(const struct run_ctx *r, enum step_state st)
{
	size_t n = 0;

	for (size_t i = 0; i < r->stage.nr; i++)
		n += r->runs[i].selected && r->runs[i].state == st;
	return n;
}

/* A gate that runs its own children in their own process groups (qgate-test
 * does) takes them out of reach of a kill of the step's group; if it dies
 * before it kills them, they are orphans. qgate run is their subreaper
 * (PR_SET_CHILD_SUBREAPER, set before any step starts), so every orphan of a
 * step becomes qgate run's child: on a stop, each child left is killed with
 * its group and reaped, until none is left (the children of those come next). */
static void kill_orphans(void)
{
	pid_t self = getpid();

	for (int round = 0; round < 100; round++) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		int found = 0;

		if (!d)
			return;
		while ((e = readdir(d))) {
			char path[64], buf[512], *close_paren;
			long long ppid = 0, pgid = 0;
			pid_t pid;
			FILE *f;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)atoll(e->d_name);
			snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
			if (!(f = fopen(path, "r")))
				continue;
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
			/* "pid (comm) state ppid pgrp ...": comm may hold anything, so from the last ')' */
			if (!(close_paren = strrchr(buf, ')')) ||
			    sscanf(close_paren + 1, " %*c %lld %lld", &ppid, &pgid) != 2 ||
			    ppid != self)
				continue;
			found = 1;
			if (pgid > 1 && pgid != getpgrp())
				kill((pid_t)-pgid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		closedir(d);
		if (!found)
			return;
	}
}

/* Stop every running step: SIGTERM to each group, a grace, SIGKILL, reap. */
static void stop_all(struct run_ctx *r)
{
	long long until = now_ns() + STOP_GRACE_NS;
	size_t left;

	for (size_t i = 0; i < r->stage.nr; i++)
		if (r->runs[i].state == S_RUNNING)
			kill(-r->runs[i].child.pid, SIGTERM);
	do {
		left = 0;
		for (size_t i = 0; i < r->stage.nr; i++) {
			struct step_run *s = &r->runs[i];
			int status;

			if (s->state != S_RUNNING)
				continue;
			if (waitpid(s->child.pid, &status, WNOHANG) == s->child.pid)
				step_finish(s, status);
			else
				left++;
		}
		if (left)
			poll(NULL, 0, 20);
	} while (left && now_ns() < until);
	for (size_t i = 0; i < r->stage.nr; i++) {
		struct step_run *s = &r->runs[i];

		if (s->child.pid > 0)
			kill(-s->child.pid, SIGKILL); /* stragglers of finished steps too */
		if (s->state == S_RUNNING) {
			int status;

			while (waitpid(s->child.pid, &status, 0) < 0 && errno == EINTR)
				;
			step_finish(s, status);
		}
	}
	kill_orphans();
}

static int run_loop(struct run_ctx *r)
{
	struct pollfd *fds = calloc(r->stage.nr + 1, sizeof(*fds));
	int err = 0;

	if (!fds)
		return qg_error(QG_ENOMEM, "out of memory");
	if (r->live)
		live_paint(r);
	while (count_state(r, S_DONE) < r->nr_selected) {
		size_t running = count_state(r, S_RUNNING), nfds = 0;
		int progressed;

		if (stop_signal)
			break;
		/* start what is ready, in the stage's dependency order */
		do {
			progressed = 0;
			for (size_t o = 0; o < r->stage.nr && !err; o++) {
				struct step_run *s = &r->runs[r->stage.order[o]];
				int ready;

				if (!s->selected || s->state != S_WAIT)
					continue;
				ready = step_ready(r, s);
				if (ready == 2) {
					progressed = 1;
					if (!r->live)
						plain_done(r, s);
				} else if (ready == 1 && running < (size_t)r->jobs) {
					struct qg_buf log = QG_BUF_INIT(QG_CAP_PATH);

					err = qg_buf_addf(&log, "%s/output.log", s->dir);
					if (!err) {
						s->log_fd = open(log.buf,
								 O_WRONLY | O_CREAT | O_TRUNC |
									 O_CLOEXEC,
								 0666);
						if (s->log_fd < 0)
							err = qg_error(QG_EIO,
								       "'%s': cannot create: %s",
								       log.buf, strerror(errno));
					}
					qg_buf_release(&log);
					if (!err)
						err = step_start(r, s);
					if (!err && s->state == S_RUNNING)
						running++;
					else if (!err && !r->live)
						plain_done(r, s);
					progressed = 1;
				}
			}
		} while (progressed && !err);
		if (err)
			break;
		if (!running && count_state(r, S_DONE) < r->nr_selected) {
			err = qg_error(QG_ERROR,
				       "internal error: steps waiting with nothing running");
			break;
		}
		if (!running)
			continue;
		fds[nfds++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
		for (size_t i = 0; i < r->stage.nr; i++)
			if (r->runs[i].state == S_RUNNING && r->runs[i].child.out_fd >= 0)
				fds[nfds++] = (struct pollfd){ .fd = r->runs[i].child.out_fd,
							       .events = POLLIN };
		if (poll(fds, nfds, r->live ? 100 : 1000) < 0 && errno != EINTR) {
			err = qg_error(QG_EIO, "poll: %s", strerror(errno));
			break;
		}
		if (fds[0].revents) {
			char drain[64];

			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				;
		}
		for (size_t i = 0; i < r->stage.nr; i++) {
			struct step_run *s = &r->runs[i];
			int status;
			pid_t w;

			if (s->state != S_RUNNING)
				continue;
			step_pump(s);
			do
				w = waitpid(s->child.pid, &status, WNOHANG);
			while (w < 0 && errno == EINTR);
			if (w == s->child.pid) {
				step_finish(s, status);
				if (!r->live)
					plain_done(r, s);
			}
		}
		if (r->live)
			live_paint(r);
	}
	if (stop_signal || err)
		stop_all(r);
	else if (r->live)
		live_paint(r);
	free(fds);
	return err;
}

/* ---- the summary: run.json, run.xml, text, step summary ---- */

static const char *overall_status(int exit_code)
{
	return exit_code == 0 ? "pass" : exit_code == 1 ? "fail" : "error";
}

static int worst_exit(const struct run_ctx *r)
{
	int worst = 0;
	static const int rank[] = { 0, 1, 3, 2 }; /* by exit code: 0 < 1 < 3 < 2 */

	for (size_t i = 0; i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];
		int code;

		if (!s->selected || !s->status || !strcmp(s->status, "skip"))
			continue;
		code = s->exit_code == 2          ? 2 :
		       !strcmp(s->status, "pass") ? 0 :
		       !strcmp(s->status, "fail") ? 1 :
						    3;
		if (rank[code] > rank[worst])
			worst = code;
	}
	return worst;
}

static int write_json(const struct run_ctx *r, int exit_code, long long total_ms)
{
	struct qg_json *root = qg_json_new_object(), *steps;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_REPORT), path = QG_BUF_INIT(QG_CAP_PATH);
	int err = 0;

	if (!root)
		return QG_ENOMEM;
	if (!qg_json_add_string(root, "schema", "qgate.run/v1") ||
	    !qg_json_add_string(root, "stage", r->stage.name) ||
	    !qg_json_add_string(root, "config", r->config) ||
	    !qg_json_add_string(root, "status", overall_status(exit_code)) ||
	    !qg_json_add_number(root, "exit_code", exit_code) ||
	    !qg_json_add_number(root, "duration_ms", (double)total_ms) ||
	    !(r->changed_since ? qg_json_add_string(root, "changed_since", r->changed_since) :
				 qg_json_add_null(root, "changed_since")) ||
	    !(r->changed_since ? qg_json_add_string(root, "base", r->base_oid) :
				 qg_json_add_null(root, "base")) ||
	    !qg_json_add_string(root, "junit", "run.xml") ||
	    !(steps = qg_json_add_array(root, "steps"))) {
		err = QG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; !err && i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];
		struct qg_json *o, *rep, *needs;

		if (!s->selected)
			continue;
		if (!(o = qg_json_add_object(steps, NULL)) ||
		    !qg_json_add_string(o, "name", s->st->name) ||
		    !qg_json_add_string(o, "gate", s->st->gate) ||
		    !qg_json_add_string(o, "status", s->status) ||
		    !(s->exit_code >= 0 ? qg_json_add_number(o, "exit_code", s->exit_code) :
					  qg_json_add_null(o, "exit_code")) ||
		    !qg_json_add_number(o, "duration_ms", (double)s->duration_ms) ||
		    !(rep = qg_json_add_array(o, "reports")) ||
		    !(s->reason ? qg_json_add_string(o, "reason", s->reason) :
				  qg_json_add_null(o, "reason")) ||
		    !(needs = qg_json_add_array(o, "needs"))) {
			err = QG_ENOMEM;
			break;
		}
		for (size_t k = 0; !err && k < s->reports.nr; k++)
			if (!qg_json_add_string(rep, NULL, s->reports.v[k]))
				err = QG_ENOMEM;
		for (size_t k = 0; !err && k < s->st->needs.nr; k++)
			if (!qg_json_add_string(needs, NULL, s->st->needs.v[k]))
				err = QG_ENOMEM;
		if (!err && strcmp(s->status, "skip")) {
			struct qg_buf lp = QG_BUF_INIT(QG_CAP_PATH);

			err = qg_buf_addf(&lp, "%s/output.log", s->st->name);
			if (!err && !qg_json_add_string(o, "log", lp.buf))
				err = QG_ENOMEM;
			qg_buf_release(&lp);
		}
	}
	if (!err)
		err = qg_json_print(&text, root, 1);
	if (!err)
		err = qg_buf_addf(&path, "%s/run.json", r->out_dir);
	if (!err)
		err = qg_file_write_atomic(path.buf, text.buf, text.len);
done:
	if (err == QG_ENOMEM && !*qg_error_last())
		qg_error(QG_ENOMEM, "out of memory");
	qg_json_free(root);
	qg_buf_release(&text);
	qg_buf_release(&path);
	return err;
}

static int xml_put(struct qg_buf *b, const char *s)
{
	int err = 0;

	for (; !err && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '<')
			err = qg_buf_addstr(b, "&lt;");
		else if (c == '>')
			err = qg_buf_addstr(b, "&gt;");
		else if (c == '&')
			err = qg_buf_addstr(b, "&amp;");
		else if (c == '"')
			err = qg_buf_addstr(b, "&quot;");
		else if (c == '\n')
			err = qg_buf_addstr(b, "&#10;");
		else if (c < 0x20 && c != '\t')
			err = qg_buf_addstr(b, "\xef\xbf\xbd");
		else
			err = qg_buf_addch(b, c);
	}
	return err;
}

/* One testsuite standing for a step that left no JUnit of its own. */
static int synthetic_suite(struct qg_buf *b, const struct run_ctx *r, const struct step_run *s,
			   size_t id)
{
	const char *kind = !strcmp(s->status, "skip")  ? "skipped" :
			   !strcmp(s->status, "fail")  ? "failure" :
			   !strcmp(s->status, "error") ? "error" :
							 NULL;
	char host[256] = "localhost", ts[32];
	time_t t = time(NULL);
	struct tm tm;
	int err;

	if (gethostname(host, sizeof(host)) < 0 || !*host)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = 0;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	err = qg_buf_addstr(b, "  <testsuite name=\"");
	if (!err)
		err = xml_put(b, s->st->name);
	if (!err)
		err = qg_buf_addstr(b, "/qgate.run.");
	if (!err)
		err = xml_put(b, r->stage.name);
	if (!err)
		err = qg_buf_addf(
			b,
			"\" tests=\"1\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%lld.%03lld\" "
			"timestamp=\"%s\" hostname=\"",
			kind && !strcmp(kind, "failure"), kind && !strcmp(kind, "error"),
			kind && !strcmp(kind, "skipped"), s->duration_ms / 1000,
			s->duration_ms % 1000, ts);
	if (!err)
		err = xml_put(b, host);
	if (!err)
		err = qg_buf_addf(
			b,
			"\" id=\"%zu\" package=\"qgate.run\">\n    <properties/>\n    <testcase name=\"",
			id);
	if (!err)
		err = xml_put(b, s->st->name);
	if (!err)
		err = qg_buf_addstr(b, "\" classname=\"qgate.run.");
	if (!err)
		err = xml_put(b, s->st->gate);
	if (!err)
		err = qg_buf_addf(b, "\" time=\"%lld.%03lld\"", s->duration_ms / 1000,
				  s->duration_ms % 1000);
	if (!err && kind) {
		err = qg_buf_addf(b, ">\n      <%s message=\"", kind);
		if (!err)
			err = xml_put(b, s->reason ? s->reason : kind);
		if (!err && strcmp(kind, "skipped"))
			err = qg_buf_addf(b, "\" type=\"%s\"/>\n    </testcase>\n", s->status);
		else if (!err)
			err = qg_buf_addstr(b, "\"/>\n    </testcase>\n");
	} else if (!err) {
		err = qg_buf_addstr(b, "/>\n");
	}
	if (!err)
		err = qg_buf_addstr(b, "    <system-out/>\n    <system-err/>\n  </testsuite>\n");
	return err;
}

static const char *find_tag(const char *p, const char *end, const char *tag)
{
	size_t n = strlen(tag);

	for (; p && p + n < end; p++) {
		p = memmem(p, (size_t)(end - p), tag, n);
		if (!p || p + n >= end)
			return NULL;
		if (p[n] == '>' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || p[n] == '\r' ||
		    p[n] == '/')
			return p;
	}
	return NULL;
}

static const char *find_last(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	const char *last = NULL, *q = p;

	while ((q = memmem(q, (size_t)(end - q), s, n))) {
		last = q;
		q += n;
	}
	return last;
}

/* Copy the <testsuite> elements of one JUnit file into b: 1 copied, 0 the
 * file is not JUnit (no testsuite root), QG_EINPUT when it does not parse. */
static int copy_suites(struct qg_buf *b, const char *path, const char *name, const char *step)
{
	struct qg_buf f = QG_BUF_INIT(QG_CAP_FILE);
	const struct qg_xml_handler h = { 0 };
	const char *p, *end, *from, *to;
	int err = qg_buf_read_file(&f, path);

	if (err < 0)
		goto done;
	end = f.buf + f.len;
	p = f.buf;
	/* the root element: skip the declaration, comments and whitespace */
	while ((p = memchr(p, '<', (size_t)(end - p))) && p + 1 < end &&
	       (p[1] == '?' || p[1] == '!'))
		p++;
	if (!p || (!find_tag(p, end, "<testsuites") && !find_tag(p, end, "<testsuite"))) {
		err = 0;
		goto done;
	}
	if ((err = qg_xml_parse_buf(f.buf, f.len, name, &h)) < 0)
		goto done;
	if (find_tag(p, p + 12 < end ? p + 12 : end, "<testsuites") == p) {
		const char *gt = memchr(p, '>', (size_t)(end - p));

		if (!gt || gt[-1] == '/') { /* <testsuites/> */
			err = 1;
			goto done;
		}
		from = gt + 1;
		to = find_last(from, end, "</testsuites>");
	} else if (find_tag(p, p + 11 < end ? p + 11 : end, "<testsuite") == p) {
		const char *close = find_last(p, end, "</testsuite>");

		from = p;
		to = close ? close + strlen("</testsuite>") : NULL;
		if (!close) { /* <testsuite .../> */
			const char *gt = memchr(p, '>', (size_t)(end - p));

			to = gt ? gt + 1 : NULL;
		}
	} else {
		err = 0;
		goto done;
	}
	if (!to || to < from) {
		err = qg_error(QG_EINPUT, "'%s': no end of its testsuites", name);
		goto done;
	}
	while (from < to && (*from == '\n' || *from == '\r'))
		from++;
	/* each suite's name gets the step's in front ("bad/qgate.data"), so two
	 * steps of one gate stay apart in a JUnit viewer */
	while (!err && from < to) {
		static const char tag[] = "<testsuite name=\"";
		const char *at = memmem(from, (size_t)(to - from), tag, sizeof(tag) - 1);
		const char *upto = at ? at + sizeof(tag) - 1 : to;

		err = qg_buf_add(b, from, (size_t)(upto - from));
		if (!err && at)
			err = qg_buf_addf(b, "%s/", step);
		from = upto;
	}
	if (!err && to[-1] != '\n')
		err = qg_buf_addch(b, '\n');
	if (!err)
		err = 1;
done:
	qg_buf_release(&f);
	return err;
}

static int write_junit(struct run_ctx *r)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT), path = QG_BUF_INIT(QG_CAP_PATH);
	size_t id = 0;
	int err = qg_buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");

	for (size_t i = 0; !err && i < r->stage.nr; i++) {
		struct step_run *s = &r->runs[i];
		int copied = 0;

		if (!s->selected)
			continue;
		for (size_t k = 0; !err && k < s->reports.nr; k++) {
			size_t n = strlen(s->reports.v[k]);
			int c;

			if (n < 4 || strcmp(s->reports.v[k] + n - 4, ".xml"))
				continue;
			qg_buf_reset(&path);
			if ((err = qg_buf_addf(&path, "%s/%s", r->out_dir, s->reports.v[k])) < 0)
				break;
			c = copy_suites(&b, path.buf, path.buf, s->st->name);
			if (c == QG_EINPUT || c == QG_EPARSE) {
				/* a step whose JUnit is broken did not pass */
				s->status = "error";
				if (s->exit_code < 2)
					s->exit_code = 3;
				set_reason(s, "its JUnit report does not parse: %s",
					   qg_error_last());
				qg_error_clear();
				continue;
			}
			if (c < 0)
				err = c;
			copied += c > 0;
		}
		if (!err && !copied)
			err = synthetic_suite(&b, r, s, id);
		id++;
	}
	if (!err)
		err = qg_buf_addstr(&b, "</testsuites>\n");
	qg_buf_reset(&path);
	if (!err)
		err = qg_buf_addf(&path, "%s/run.xml", r->out_dir);
	if (!err)
		err = qg_file_write_atomic(path.buf, b.buf, b.len);
	qg_buf_release(&b);
	qg_buf_release(&path);
	return err;
}

static int summary_text(struct qg_buf *b, const struct run_ctx *r, int exit_code,
			long long total_ms)
{
	size_t n[4] = { 0 };
	char el[32];
	int err = 0;

	for (size_t i = 0; i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];

		if (!s->selected)
			continue;
		n[!strcmp(s->status, "pass")  ? 0 :
		  !strcmp(s->status, "fail")  ? 1 :
		  !strcmp(s->status, "error") ? 2 :
						3]++;
	}
	fmt_elapsed(el, sizeof(el), total_ms);
	err = qg_buf_addf(
		b,
		"qgate run: stage '%s': %s (exit %d): %zu passed, %zu failed, %zu errors, %zu skipped in %s\n",
		r->stage.name, overall_status(exit_code), exit_code, n[0], n[1], n[2], n[3], el);
	if (!err)
		err = qg_buf_addf(b, "summary: %s/run.json, JUnit: %s/run.xml\n", r->out_arg,
				  r->out_arg);
	return err;
}

static int summary_markdown(struct qg_buf *b, const struct run_ctx *r, int exit_code,
			    long long total_ms)
{
	char el[32];
	int err;

	fmt_elapsed(el, sizeof(el), total_ms);
	err = qg_buf_addf(
		b,
		"### qgate run `%s`: %s (exit %d, %s)\n\n| step | gate | verdict | time | note |\n"
		"|---|---|---|---|---|\n",
		r->stage.name, overall_status(exit_code), exit_code, el);
	for (size_t i = 0; !err && i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];
		const char *mark;

		/* a step left out by --only has no status */
		if (!s->selected || !s->status)
			continue;
		mark = !strcmp(s->status, "pass")  ? "✅ pass" :
		       !strcmp(s->status, "fail")  ? "❌ fail" :
		       !strcmp(s->status, "error") ? "⛔ error" :
						     "⏭️ skip";
		fmt_elapsed(el, sizeof(el), s->duration_ms);
		err = qg_buf_addf(b, "| %s | %s | %s | %s | ", s->st->name, s->st->gate, mark,
				  strcmp(s->status, "skip") ? el : "");
		for (const char *p = s->reason ? s->reason : ""; !err && *p; p++)
			err = (*p == '|' || *p == '\n') ? qg_buf_addch(b, ' ') :
							  qg_buf_addch(b, *p);
		if (!err)
			err = qg_buf_addstr(b, " |\n");
	}
	return err;
}

/* Terminal mode: the output of each step that did not pass, after the lines. */
static void show_failed_logs(const struct run_ctx *r)
{
	for (size_t i = 0; i < r->stage.nr; i++) {
		const struct step_run *s = &r->runs[i];
		struct qg_buf log = QG_BUF_INIT(QG_CAP_FILE), path = QG_BUF_INIT(QG_CAP_PATH);

		if (s->selected && s->status &&
		    (!strcmp(s->status, "fail") || !strcmp(s->status, "error")) &&
		    !qg_buf_addf(&path, "%s/output.log", s->dir) &&
		    !qg_buf_read_file(&log, path.buf) && log.len) {
			size_t from = log.len > LOG_SHOWN_MAX ? log.len - LOG_SHOWN_MAX : 0;

			printf("\n--- %s (%s): %s/%s/output.log%s\n", s->st->name, s->status,
			       r->out_arg, s->st->name, from ? " (its end)" : "");
			fwrite(log.buf + from, 1, log.len - from, stdout);
			if (log.buf[log.len - 1] != '\n')
				putchar('\n');
		}
		qg_error_clear();
		qg_buf_release(&log);
		qg_buf_release(&path);
	}
}

static int use_live(void)
{
	const char *term = getenv("TERM"), *ci = getenv("CI");

	if (!isatty(STDOUT_FILENO) || !term || !*term || !strcmp(term, "dumb"))
		return 0;
	if ((ci && *ci && strcmp(ci, "0") && strcmp(ci, "false")) || getenv("GITHUB_ACTIONS"))
		return 0;
	return 1;
}

static int die(int err)
{
	fprintf(stderr, "qgate: error: %s\n", *qg_error_last() ? qg_error_last() : "unknown error");
	return qg_exit_for_error(err);
}

static void ctx_release(struct run_ctx *r)
{
	for (size_t i = 0; r->runs && i < r->stage.nr; i++) {
		struct step_run *s = &r->runs[i];

		qg_child_release(&s->child);
		if (s->log_fd >= 0)
			close(s->log_fd);
		free(s->reason);
		free(s->gate_path);
		free(s->dir);
		qg_strvec_clear(&s->reports);
	}
	free(r->runs);
	run_stage_release(&r->stage);
	free(r->config_dir);
	free(r->out_dir);
	qg_strvec_clear(&r->changed);
}

int front_cmd_run(int argc, const char **argv)
{
	struct run_ctx r;
	struct qg_strvec configs = QG_STRVEC_INIT, only_raw = QG_STRVEC_INIT, only = QG_STRVEC_INIT,
			 rest = QG_STRVEC_INIT;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_json *doc = NULL;
	const char *stage = NULL;
	long long jobs = 0, total_ms;
	int help = 0, ret = QG_EXIT_ERROR, err, exit_code;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const struct qg_option options[] = {
		QG_OPT_FLAG_('h', "help", &help, "show this help and exit 0"),
		QG_OPT_LIST_(
			0, "config", &configs, "FILE",
			"the qgate.json holding the pipeline (default ./qgate.json; the last given counts)"),
		QG_OPT_STRING_(0, "stage", &stage, "NAME",
			       "the stage to run (default: the only one)"),
		QG_OPT_INT_('j', "jobs", &jobs, "N", 1, 1024,
			    "run at most N steps at once (default: the CPU count)"),
		QG_OPT_LIST_(0, "only", &only_raw, "STEP,...",
			     "run only these steps (their needs are not run)"),
		QG_OPT_STRING_(
			0, "changed-since", &r.changed_since, "REF",
			"skip steps whose paths match no file changed since the merge base with REF"),
		QG_OPT_STRING_(0, "out", &r.out_arg, "DIR",
			       "write the reports under DIR (default " DEFAULT_OUT ")"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = "qgate run",
		.usage = usage,
		.description = description,
		.options = options,
	};

	memset(&r, 0, sizeof(r));
	qg_strvec_init(&r.changed);
	r.out_arg = DEFAULT_OUT;
	err = qg_opts_parse(&ctx, argc, argv, &rest);
	if (err < 0) {
		ret = die(err);
		goto done;
	}
	if (help) {
		if (!(err = qg_opts_help(&text, &ctx)))
			fputs(text.buf, stdout);
		ret = err ? die(err) : QG_EXIT_PASS;
		goto done;
	}
	if (rest.nr) {
		qg_error(QG_EUSAGE, "unexpected argument '%s' (see 'qgate run --help')", rest.v[0]);
		ret = die(QG_EUSAGE);
		goto done;
	}
	r.config = configs.nr ? configs.v[configs.nr - 1] : "qgate.json";
	r.jobs = jobs ? jobs : ncpu > 0 ? ncpu : 1;
	if (!*r.out_arg) {
		ret = die(qg_error(QG_EUSAGE, "--out: empty folder name"));
		goto done;
	}
	if ((err = split_only(&only, &only_raw)) < 0) {
		ret = die(err);
		goto done;
	}
	/* the pipeline, whole, before anything runs: every problem is exit 2 */
	err = qg_json_parse_file(&doc, r.config);
	if (err < 0) { /* unreadable or not JSON: the configuration is wrong, 2 */
		char *msg = qg_strdup(qg_error_last()); /* never format the slot into itself */

		ret = die(qg_error(QG_EUSAGE, "%s", msg ? msg : r.config));
		free(msg);
		goto done;
	}
	if ((err = run_pipeline_load(&r.stage, doc, r.config, stage)) < 0 ||
	    (err = check_args(&r)) < 0) {
		ret = die(err);
		goto done;
	}
	if (!r.stage.nr) { /* nothing checked is not a pass */
		ret = die(qg_error(QG_EUSAGE, "%s: /pipeline/%s: stage '%s' has no steps", r.config,
				   r.stage.name, r.stage.name));
		goto done;
	}
	r.runs = calloc(r.stage.nr + 1, sizeof(*r.runs));
	if (!r.runs) {
		ret = die(qg_error(QG_ENOMEM, "out of memory"));
		goto done;
	}
	for (size_t i = 0; i < r.stage.nr; i++) {
		r.runs[i].st = &r.stage.steps[i];
		r.runs[i].log_fd = -1;
		r.runs[i].exit_code = -1;
		qg_child_init(&r.runs[i].child);
		qg_strvec_init(&r.runs[i].reports);
	}
	if ((err = select_steps(&r, &only)) < 0 || (err = find_gates(&r)) < 0) {
		ret = die(err);
		goto done;
	}
	{
		const char *slash = strrchr(r.config, '/');
		char *cfg_dir = slash ? qg_strndup(r.config, (size_t)(slash - r.config) +
								     (slash == r.config)) :
					qg_strdup(".");

		r.config_dir = cfg_dir ? absolute(cfg_dir) : NULL;
		free(cfg_dir);
		r.out_dir = absolute(r.out_arg);
		if (!r.config_dir || !r.out_dir) {
			ret = die(*qg_error_last() ? qg_error_code() :
						     qg_error(QG_ENOMEM, "out of memory"));
			goto done;
		}
		if (!strcmp(r.config_dir, "/.") ||
		    (strlen(r.config_dir) > 2 &&
		     !strcmp(r.config_dir + strlen(r.config_dir) - 2, "/.")))
			r.config_dir[strlen(r.config_dir) - (strlen(r.config_dir) > 2 ? 2 : 1)] = 0;
	}
	if (r.changed_since && (err = load_changed(&r)) < 0) {
		ret = die(err);
		goto done;
	}
	/* the folders: DIR/<step>/ emptied of an earlier run's files */
	for (size_t i = 0; i < r.stage.nr; i++) {
		struct step_run *s = &r.runs[i];
		struct qg_buf d = QG_BUF_INIT(QG_CAP_PATH);

		if (!s->selected)
			continue;
		if ((err = qg_buf_addf(&d, "%s/%s", r.out_dir, s->st->name)) < 0 ||
		    (err = step_dir_prepare(d.buf)) < 0) {
			qg_buf_release(&d);
			ret = die(err);
			goto done;
		}
		s->dir = qg_buf_detach(&d, NULL);
		if (!s->dir) {
			ret = die(qg_error(QG_ENOMEM, "out of memory"));
			goto done;
		}
	}
	r.live = use_live();
	if ((err = signals_install()) < 0) {
		ret = die(err);
		goto done;
	}
	/* orphans of a step become ours, so a stop can reach them (kill_orphans) */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	r.start_ns = now_ns();
	if (!r.live)
		printf("qgate run: stage '%s': %zu step%s, -j %lld\n", r.stage.name, r.nr_selected,
		       r.nr_selected == 1 ? "" : "s", r.jobs);
	fflush(stdout);
	err = run_loop(&r);
	total_ms = (now_ns() - r.start_ns) / 1000000;
	if (stop_signal) {
		int sig = stop_signal;

		signals_restore();
		fprintf(stderr,
			"qgate: stopped by %s: every running step's process group was killed; no summary "
			"written\n",
			strsignal(sig));
		fflush(stdout);
		fflush(stderr);
		ctx_release(&r);
		qg_json_free(doc);
		signal(sig, SIG_DFL);
		raise(sig);
		ret = QG_EXIT_ERROR; /* not reached */
		goto out;
	}
	signals_restore();
	if (err < 0) {
		ret = die(err);
		goto done;
	}
	for (size_t i = 0; !err && i < r.stage.nr; i++)
		if (r.runs[i].selected && r.runs[i].dir && strcmp(r.runs[i].status, "skip"))
			err = step_list_reports(&r.runs[i]);
	if (!err)
		err = qg_file_mkdirs(r.out_dir, 0777);
	if (!err)
		err = write_junit(&r); /* may turn a step with a broken JUnit into an error */
	exit_code = worst_exit(&r);
	if (!err)
		err = write_json(&r, exit_code, total_ms);
	if (err < 0) {
		ret = die(err);
		goto done;
	}
	if (r.live)
		show_failed_logs(&r);
	qg_buf_reset(&text);
	if (!(err = summary_text(&text, &r, exit_code, total_ms)))
		fputs(text.buf, stdout);
	qg_buf_reset(&text);
	if (!err && getenv("GITHUB_STEP_SUMMARY") &&
	    !(err = summary_markdown(&text, &r, exit_code, total_ms)))
		err = qg_github_append_env_file("GITHUB_STEP_SUMMARY", text.buf, text.len);
	ret = err < 0 ? die(err) : exit_code;
done:
	ctx_release(&r);
	qg_json_free(doc);
out:
	qg_strvec_clear(&configs);
	qg_strvec_clear(&only_raw);
	qg_strvec_clear(&only);
	qg_strvec_clear(&rest);
	qg_buf_release(&text);
	return ret;
}
