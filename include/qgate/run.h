/* run.h -- running child processes (the shape of git's run-command)
 *
 * Invariants: a child is always started with execve() of argv[0] as found on
 * PATH by the parent (qg_path_find, before fork: the child resolves nothing
 * and allocates nothing), never through a shell, so no user text is
 * interpolated (a script without a #! line is run by /bin/sh, as execvp()
 * did). A program not found fails in the parent, without a fork. Each child
 * leads its own process group; a timeout sends SIGTERM then SIGKILL to the whole group, so
 * grandchildren die with it. Captured output is capped (excess is counted and
 * dropped, `truncated` set). Exit by status and death by signal are told apart.
 */
#ifndef QGATE_RUN_H
#define QGATE_RUN_H

#include <sys/types.h>
#include "qgate/buf.h"
#include "qgate/strvec.h"

enum qg_child_flags {
	QG_CHILD_CAPTURE_OUT = 1 << 0, /* capture stdout into `out` */
	QG_CHILD_CAPTURE_ERR = 1 << 1, /* capture stderr into `err` */
	QG_CHILD_MERGE_ERR = 1 << 2,   /* stderr goes where stdout goes */
	QG_CHILD_NO_STDIN = 1 << 3,    /* stdin from /dev/null */
};

struct qg_child {
	/* set by the caller */
	struct qg_strvec args;   /* argv; args.v[0] is looked up on PATH (as given when it holds a '/') */
	struct qg_strvec env;    /* extra "K=V" entries (or "K" to unset) */
	const char *dir;         /* working directory, NULL = inherit */
	unsigned flags;
	size_t capture_cap;      /* bytes kept per stream, 0 = 16 MiB */
	double timeout_s;        /* 0 = none */
	/* filled in */
	pid_t pid;
	int running;             /* 1 from a successful start until reaped */
	int out_fd, err_fd;      /* read ends while running, -1 otherwise */
	struct qg_buf out, err;
	int truncated;
	long long dropped;       /* captured bytes beyond capture_cap, discarded */
	int exited;              /* 1: exited with exit_code */
	int exit_code;
	int signaled;            /* 1: killed by term_signal */
	int term_signal;
	int timed_out;
	int start_errno;         /* exec failure (ENOENT: command not found) */
	long long started_ns;
	long long duration_ms;
};

void qg_child_init(struct qg_child *c);
void qg_child_release(struct qg_child *c);
/* Fork and exec. QG_EINPUT when the command cannot be started (message names it). */
int qg_child_start(struct qg_child *c);
/* Wait for the child, pumping captured output and enforcing the timeout.
 * 0 when it ran (inspect exited/signaled/timed_out), QG_E* otherwise. */
int qg_child_finish(struct qg_child *c);
/* start + finish. */
int qg_child_run(struct qg_child *c);
/* Run up to `jobs` children at once (all in `children`), each with its own
 * timeout; returns 0 when every child was attempted (inspect each: a child
 * that could not start has start_errno set and neither exited nor signaled),
 * or the first QG_E* error that was not about starting a command (fork or
 * pipe failure), after the others have still been run and reaped. */
int qg_child_run_parallel(struct qg_child **children, size_t nr, int jobs);
/* Describe how a finished child ended: "exited with 1", "killed by SIGSEGV",
 * "timed out after 5s", "could not start: command not found". */
const char *qg_child_describe(const struct qg_child *c, char *buf, size_t len);

#endif
