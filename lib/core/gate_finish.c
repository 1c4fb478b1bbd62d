/* gate_finish.c -- a gate's single exit path: every output, and the one error line
 *
 * qg_gate_finish() turns a struct qg_result into everything a gate owes its
 * caller: the report files (--junit, --json, --out), the stdout format, and
 * under GITHUB_ACTIONS=true the step summary and outputs. The final status
 * is decided before anything lands: every report is written into a temp
 * file first, streamed (result.h's sink: a chunk at a time, so a report
 * never has to fit in memory whole); if any output fails, every output that
 * is written says error and the gate exits 3, because a CI step that passes
 * without its report is worse than one that fails. A fatal error is printed
 * here, once, on stderr, redacted and with control characters escaped, so
 * user data can never start a workflow-command line (qg_gate_die too).
 */
#include "qgate/common.h"

#include <fcntl.h>
#include <stdio_ext.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/env.h"
#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/junit.h"
#include "qgate/report.h"
#include "qgate/result.h"

const char *qg_gate_format(const struct qg_common_opts *c)
{
	const char *gh = getenv("GITHUB_ACTIONS");

	if (c && c->format)
		return c->format;
	return gh && !strcmp(gh, "true") ? "github" : "text";
}

int qg_gate_use_color(const struct qg_common_opts *c)
{
	const char *mode = c && c->color ? c->color : "auto";
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!strcmp(mode, "always"))
		return 1;
	if (!strcmp(mode, "never"))
		return 0;
	if (no_color && *no_color)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(STDOUT_FILENO);
}

static int github_actions(void)
{
	const char *gh = getenv("GITHUB_ACTIONS");

	return gh && !strcmp(gh, "true");
}

/* One line of stderr for any message, whatever it holds: redacted, and
 * every control character escaped (a newline as \n, others as \xHH), so
 * that user data (a file name holding "\n::error::...") can never start a
 * line, which the GitHub runner would read as a workflow command. */
static int one_line(struct qg_buf *out, const char *msg)
{
	struct qg_buf red = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_redact(&red, msg ? msg : "");

	for (size_t i = 0; !err && i < red.len; i++) {
		unsigned char ch = (unsigned char)red.buf[i];

		if (ch == '\n')
			err = qg_buf_addstr(out, "\\n");
		else if (ch == '\r')
			err = qg_buf_addstr(out, "\\r");
		else if (ch == '\t')
			err = qg_buf_addstr(out, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			err = qg_buf_addf(out, "\\x%02x", ch);
		else
			err = qg_buf_addch(out, (char)ch);
	}
	qg_buf_release(&red);
	return err;
}

/* "prog: error: msg\n" on stderr, msg through one_line(). */
static void print_error_line(const char *prog, const char *msg)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);

	if (one_line(&b, msg) < 0)
		fprintf(stderr, "%s: error: %s\n", prog, "out of memory printing an error");
	else
		fprintf(stderr, "%s: error: %s\n", prog, b.buf);
	qg_buf_release(&b);
}

/* The message of a failed write goes to stderr at once, so that several
 * failures are all reported; the gate then exits 3. */
static int report_error(const char *gate, int err)
{
	char prog[96];

	snprintf(prog, sizeof(prog), "qgate-%s", gate);
	print_error_line(prog, qg_error_last());
	return err < 0 ? err : QG_EIO;
}

/* A gate or command name becomes part of a file name: a word, never a path. */
static int is_word(const char *s)
{
	return s && *s >= 'a' && *s <= 'z' && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s);
}

/* "::error title=qgate-<gate>::", the head of the run's own annotation. */
static int fatal_annotation_head(struct qg_buf *out, const struct qg_result *r)
{
	struct qg_buf title = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = qg_buf_addf(&title, "qgate-%s", r->gate);

	if (!err)
		err = qg_buf_addstr(out, "::error title=");
	if (!err)
		err = qg_github_escape_property(out, title.buf);
	if (!err)
		err = qg_buf_addstr(out, "::");
	qg_buf_release(&title);
	return err;
}

/* The one line a fatal error gets, on stderr: "qgate-<gate>: error: ..."
 * or, for --format github, the ::error workflow command (which is then
 * not repeated among the annotations on stdout). Redacted like every
 * report. */
static int print_fatal(const struct qg_result *r, const char *format)
{
	struct qg_buf line = QG_BUF_INIT(QG_CAP_MESSAGE), msg = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err;

	if (!strcmp(format, "github")) {
		/* %0A for a newline, as workflow-command data requires */
		err = qg_redact(&msg, r->error_message);
		if (!err)
			err = fatal_annotation_head(&line, r);
		if (!err)
			err = qg_github_escape_data(&line, msg.buf);
	} else {
		/* one line, whatever the message holds (a server's reply, ...) */
		err = one_line(&msg, r->error_message);
		if (!err)
			err = qg_buf_addf(&line, "qgate-%s: error: %s", r->gate, msg.buf);
	}
	if (!err)
		err = qg_buf_addch(&line, '\n');
	if (err)
		fprintf(stderr, "qgate-%s: error: %s\n", r->gate, "out of memory printing an error");
	else
		fputs(line.buf, stderr);
	qg_buf_release(&line);
	qg_buf_release(&msg);
	return err;
}

/* The annotations of r without the run's own ::error (title "qgate-<gate>"
 * alone; a check's title adds ": <id>"), which print_fatal() gave to
 * stderr. github.c writes it first, on one line (its data is escaped). */
static int annotations_but_fatal(struct qg_buf *out, const struct qg_result *r)
{
	struct qg_buf all = QG_BUF_INIT(QG_CAP_REPORT), head = QG_BUF_INIT(QG_CAP_MESSAGE);
	const char *nl;
	int err = qg_github_annotations(&all, r);

	if (!err)
		err = fatal_annotation_head(&head, r);
	if (!err && all.len) {
		nl = strchr(all.buf, '\n');
		if (nl && !strncmp(all.buf, head.buf, head.len))
			err = qg_buf_add(out, nl + 1, all.len - (size_t)(nl + 1 - all.buf));
		else
			err = qg_buf_add(out, all.buf, all.len);
	}
	qg_buf_release(&all);
	qg_buf_release(&head);
	return err;
}

/* stdout failed and that was said: what is left in its buffer is dropped
 * and the error cleared, so that the flush at exit (main.c) finds nothing
 * to write and does not say it a second time. */
static int stdout_error(const char *gate)
{
	qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
	__fpurge(stdout);
	clearerr(stdout);
	return report_error(gate, QG_EIO);
}

static int write_stdout(const char *gate, const struct qg_buf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, stdout) != b->len)
		return stdout_error(gate);
	if (fflush(stdout) == EOF)
		return stdout_error(gate);
	return 0;
}

/* The result JSON streamed to stdout ("--json -", --format json). A write
 * that fails is said by stdout_error(), once; *failed tells it from a
 * rendering failure (ENOMEM), which report_error() says. */
struct stdout_sink {
	int failed;
};

static int stdout_flush(void *ctx, const char *data, size_t len)
{
	struct stdout_sink *ss = ctx;

	if (len && fwrite(data, 1, len, stdout) != len) {
		ss->failed = 1;
		return qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
	}
	return 0;
}

static int json_to_stdout_stream(const char *gate, const struct qg_result *r, int *stdout_failed)
{
	struct qg_buf chunk = QG_BUF_INIT(QG_CAP_REPORT);
	struct stdout_sink ss = { 0 };
	struct qg_sink sink = { &chunk, 0, stdout_flush, &ss };
	int err = qg_result_write_json(&sink, r);

	qg_buf_release(&chunk);
	if (!err && fflush(stdout) == EOF)
		ss.failed = 1;
	if (ss.failed) {
		*stdout_failed = 1;
		return stdout_error(gate);
	}
	if (err < 0)
		report_error(gate, err);
	return err;
}

/* ------------------------------------------------------------ the outputs
 *
 * Every output tells the same truth: the status is decided before anything
 * is written. All reports are rendered in memory, then every temp file is
 * created and filled (and $GITHUB_STEP_SUMMARY / $GITHUB_OUTPUT opened);
 * a failure there renames nothing. Only then are the temps renamed into
 * place; if one rename fails, the reports already in place are rewritten
 * saying error, and $GITHUB_OUTPUT, the summary and stdout say error too. */

#define QG_MAX_REPORTS 4

struct report_target {
	char *path; /* owned */
	int xml;
	struct qg_file_atomic *f;
	int placed; /* renamed into place (or written to stdout) */
};

struct outputs {
	const struct qg_common_opts *c;
	struct qg_result *r;
	const char *gate;
	struct report_target t[QG_MAX_REPORTS];
	size_t n;
	struct qg_buf chunk;       /* what a writer has made and not yet handed on */
	int render_failed;         /* the last write_reports() failed rendering, not writing */
	struct qg_strvec failures; /* messages of failed writes, printed once */
	int env_fd[2];             /* GITHUB_STEP_SUMMARY, GITHUB_OUTPUT; -1 when unset */
};

static const char *const env_names[2] = { "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT" };

/* A write failed: its message (qg_error_last()) is kept to be printed once,
 * and the run becomes an error (the first error stays the cause). */
static void note_failure(struct outputs *o, int err)
{
	const char *msg = qg_error_last();

	if (!msg || !*msg)
		msg = err == QG_ENOMEM ? "out of memory" : "cannot write a report";
	if (qg_strvec_push(&o->failures, msg) < 0)
		(void)0; /* ENOMEM: the error below still fails the run */
	qg_result_set_error(o->r, QG_EXIT_ERROR, "%s", msg);
	/* a usage error came first: its message stays the cause, but the run
	 * now exits 3 (a report is missing), and every output must say so */
	o->r->error_exit = QG_EXIT_ERROR;
}

/* Every chunk a writer hands on goes to each file of one kind (JSON or
 * JUnit), as it is made. */
struct fanout {
	struct report_target *t[QG_MAX_REPORTS];
	size_t n;
	int write_failed; /* a file refused a write (not the rendering) */
};

static int fanout_flush(void *ctx, const char *data, size_t len)
{
	struct fanout *fo = ctx;
	int err;

	for (size_t i = 0; i < fo->n; i++) {
		if (!strcmp(fo->t[i]->path, "-"))
			err = qg_file_write_atomic("-", data, len); /* fflush(stdout), then write(2) */
		else
			err = qg_file_atomic_write(fo->t[i]->f, data, len);
		if (err < 0) {
			fo->write_failed = 1;
			return err;
		}
	}
	return 0;
}

/* Write the reports of one kind (xml 1: JUnit, 0: the result JSON) into
 * the targets `pick` selects (their temp files open, or "-"), streamed.
 * o->render_failed tells a rendering failure (ENOMEM) from a write one. */
static int write_kind(struct outputs *o, int xml, int (*pick)(const struct report_target *))
{
	const struct qg_result *one[1] = { o->r };
	struct fanout fo = { { NULL }, 0, 0 };
	struct qg_sink sink = { &o->chunk, 0, fanout_flush, &fo };
	int err;

	for (size_t i = 0; i < o->n; i++)
		if (o->t[i].xml == xml && pick(&o->t[i]))
			fo.t[fo.n++] = &o->t[i];
	if (!fo.n)
		return 0;
	qg_buf_reset(&o->chunk);
	err = xml ? qg_junit_write_sink(&sink, one, 1) : qg_result_write_json(&sink, o->r);
	qg_buf_reset(&o->chunk);
	if (err < 0 && !fo.write_failed)
		o->render_failed = 1;
	return err;
}

static int staged(const struct report_target *t)
{
	return t->f != NULL;
}

static int to_stdout(const struct report_target *t)
{
	return !strcmp(t->path, "-");
}

static int add_target(struct outputs *o, const char *path, int xml)
{
	if (o->n >= QG_MAX_REPORTS)
		return qg_error(QG_ERROR, "too many reports");
	if (!(o->t[o->n].path = qg_strdup(path)))
		return qg_error(QG_ENOMEM, "out of memory");
	o->t[o->n++].xml = xml;
	return 0;
}

/* The report files the flags name (--out DIR: DIR/<gate>-<command>.json
 * and .xml, CONTRACT.md section 2; a gate without subcommands writes
 * DIR/<gate>.json). DIR is created here. */
static int collect_targets(struct outputs *o)
{
	struct qg_buf base = QG_BUF_INIT(QG_CAP_PATH), path = QG_BUF_INIT(QG_CAP_PATH);
	const struct qg_result *r = o->r;
	int err = 0;

	if (o->c->junit)
		err = add_target(o, o->c->junit, 1);
	if (!err && o->c->json && strcmp(o->c->json, "-"))
		err = add_target(o, o->c->json, 0);
	if (err || !o->c->out_dir)
		return err;
	if (!is_word(r->gate) || (r->command && !is_word(r->command)))
		return qg_error(QG_EUSAGE, "--out: gate '%s' command '%s' cannot name a report file",
				r->gate ? r->gate : "", r->command ? r->command : "");
	if ((err = qg_file_mkdirs(o->c->out_dir, 0777)) < 0)
		return err;
	if (r->command)
		err = qg_buf_addf(&base, "%s/%s-%s", o->c->out_dir, r->gate, r->command);
	else
		err = qg_buf_addf(&base, "%s/%s", o->c->out_dir, r->gate);
	if (!err && !(err = qg_buf_addf(&path, "%s.json", base.buf)))
		err = add_target(o, path.buf, 0);
	qg_buf_reset(&path);
	if (!err && !(err = qg_buf_addf(&path, "%s.xml", base.buf)))
		err = add_target(o, path.buf, 1);
	qg_buf_release(&path);
	qg_buf_release(&base);
	return err;
}

/* $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT, opened before any report is
 * placed (and even when a report failed: they will say error). */
static int open_env_files(struct outputs *o)
{
	int err = 0;

	for (int k = 0; github_actions() && k < 2; k++) {
		const char *p = getenv(env_names[k]);

		if (!p || !*p)
			continue;
		o->env_fd[k] = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (o->env_fd[k] < 0 && !err)
			err = qg_error(QG_EIO, "'%s' ($%s): cannot open: %s", p, env_names[k], strerror(errno));
	}
	return err;
}

/* Create every temp file and write the reports into them, streamed: 0
 * when all could be, else every temp is removed again (nothing renamed,
 * nothing left). */
static int stage(struct outputs *o)
{
	int err = 0;

	o->render_failed = 0;
	for (size_t i = 0; !err && i < o->n; i++) {
		if (!strcmp(o->t[i].path, "-"))
			continue; /* stdout: written when the others are placed */
		err = qg_file_atomic_open(&o->t[i].f, o->t[i].path);
	}
	if (!err)
		err = write_kind(o, 0, staged);
	if (!err)
		err = write_kind(o, 1, staged);
	if (err)
		for (size_t i = 0; i < o->n; i++) {
			qg_file_atomic_abort(o->t[i].f);
			o->t[i].f = NULL;
		}
	return err;
}

/* Rename every temp into place. */
static int place(struct outputs *o)
{
	int err, failed = 0;

	for (size_t i = 0; i < o->n; i++) {
		if (!strcmp(o->t[i].path, "-"))
			err = write_kind(o, o->t[i].xml, to_stdout);
		else
			err = qg_file_atomic_commit(o->t[i].f);
		o->t[i].f = NULL;
		if (err < 0) {
			note_failure(o, err);
			failed = 1;
		} else {
			o->t[i].placed = 1;
		}
	}
	return failed ? QG_EIO : 0;
}

/* A write failed after reports were placed: they said what the checks
 * said, so write them again with the error. A report that cannot be
 * rendered (ENOMEM) is not left saying pass either. */
static void rewrite_placed(struct outputs *o)
{
	int err = 0;

	for (size_t i = 0; i < o->n; i++) {
		struct report_target *t = &o->t[i];

		if (!t->placed || !strcmp(t->path, "-"))
			continue;
		if (!o->render_failed) {
			err = qg_file_atomic_open(&t->f, t->path);
			if (!err)
				err = write_kind(o, t->xml, staged);
			if (!err)
				err = qg_file_atomic_commit(t->f);
			else
				qg_file_atomic_abort(t->f);
			t->f = NULL;
		}
		if (err < 0 || o->render_failed) {
			/* it cannot say error: do not leave it saying pass */
			if (unlink(o->t[i].path) < 0 && errno != ENOENT)
				note_failure(o, err);
			o->t[i].placed = 0;
			err = 0;
		}
	}
}

static int fd_write_all(int fd, const char *name, const char *data, size_t len)
{
	const char *path = getenv(name);

	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qg_error(QG_EIO, "'%s' ($%s): cannot write: %s", path ? path : "", name, strerror(errno));
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int github_files(struct outputs *o, int code, const char *const *outputs)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	const struct qg_result *r = o->r;
	struct qg_summary sum;
	char num[32];
	int err = 0;

	if (o->env_fd[0] >= 0) {
		err = qg_github_summary(&b, r);
		if (!err)
			err = fd_write_all(o->env_fd[0], env_names[0], b.buf, b.len);
		if (err < 0)
			note_failure(o, err);
	}
	if (o->env_fd[1] >= 0) {
		qg_buf_reset(&b);
		qg_result_summary(r, &sum);
		/* the summary may just have failed: the code is decided now */
		if (o->failures.nr)
			code = QG_EXIT_ERROR;
		err = qg_github_output_line(&b, "status", qg_status_name(qg_result_status(r)));
		snprintf(num, sizeof(num), "%d", code);
		if (!err)
			err = qg_github_output_line(&b, "exit_code", num);
		snprintf(num, sizeof(num), "%zu", sum.failed);
		if (!err)
			err = qg_github_output_line(&b, "failed", num);
		for (size_t i = 0; !err && outputs && outputs[i] && outputs[i + 1]; i += 2)
			err = qg_github_output_line(&b, outputs[i], outputs[i + 1]);
		if (!err)
			err = fd_write_all(o->env_fd[1], env_names[1], b.buf, b.len);
		if (err < 0) {
			note_failure(o, err);
			/* the summary written above said what the checks said:
			 * append the run's error to it */
			qg_buf_reset(&b);
			if (o->env_fd[0] >= 0 && !qg_github_summary(&b, r) &&
			    fd_write_all(o->env_fd[0], env_names[0], b.buf, b.len) < 0)
				note_failure(o, QG_EIO);
		}
	}
	qg_buf_release(&b);
	return o->failures.nr ? QG_EIO : 0;
}

int qg_gate_finish(const struct qg_common_opts *c, struct qg_result *r, const char *const *outputs)
{
	static const struct qg_common_opts none;
	struct qg_buf text = QG_BUF_INIT(QG_CAP_REPORT);
	struct outputs o;
	const char *gate = r && r->gate ? r->gate : "qgate";
	const char *format;
	char prog[96];
	int json_to_stdout = c && c->json && !strcmp(c->json, "-");
	int code, err, fatal, had_error, nfail, stdout_failed = 0;
	unsigned flags = 0;

	if (!r)
		return QG_EXIT_ERROR;
	if (!c)
		c = &none;
	memset(&o, 0, sizeof(o));
	o.c = c;
	o.r = r;
	o.gate = gate;
	qg_buf_init(&o.chunk, QG_CAP_REPORT);
	qg_strvec_init(&o.failures);
	o.env_fd[0] = o.env_fd[1] = -1;
	qg_result_finish(r);
	if (!r->subject.in_repo && qg_git_subject(&r->subject, NULL) < 0)
		r->subject.in_repo = 0; /* no git context is not a reason to fail */
	format = qg_gate_format(c);
	had_error = r->error_exit && r->error_message;

	/* Every report goes into its temp file first: a rendering failure
	 * (ENOMEM) then removes them all and writes no report rather than a
	 * subset. Every name in the result is redacted before anything sees
	 * it. */
	err = qg_result_redact(r);
	if (err < 0) {
		report_error(gate, err);
		code = QG_EXIT_ERROR;
		goto done;
	}
	err = collect_targets(&o);
	if (!err)
		err = stage(&o);
	if (err < 0 && o.render_failed) {
		report_error(gate, err);
		code = QG_EXIT_ERROR;
		goto done;
	}
	if (err < 0)
		note_failure(&o, err);
	if ((err = open_env_files(&o)) < 0)
		note_failure(&o, err);
	if (o.failures.nr) {
		/* nothing is placed: every output says error, no report is left */
		for (size_t i = 0; i < o.n; i++) {
			qg_file_atomic_abort(o.t[i].f);
			o.t[i].f = NULL;
		}
	} else if (place(&o) < 0) {
		rewrite_placed(&o);
	}
	code = qg_result_exit_code(r);
	nfail = (int)o.failures.nr;
	if (github_files(&o, code, outputs) < 0 || (int)o.failures.nr > nfail) {
		rewrite_placed(&o);
		code = qg_result_exit_code(r);
	}
	if (o.failures.nr)
		code = QG_EXIT_ERROR; /* a report failed: never less than 3 */
	fatal = r->error_exit && r->error_message;

	/* a fatal error: once, on stderr, before the report that says ERROR;
	 * then every other write that failed */
	if (fatal)
		print_fatal(r, json_to_stdout ? "json" : format);
	snprintf(prog, sizeof(prog), "qgate-%s", gate);
	for (size_t i = fatal && !had_error ? 1 : 0; i < o.failures.nr; i++)
		print_error_line(prog, o.failures.v[i]);

	/* stdout: "--json -" makes stdout the result JSON alone, so that it
	 * can be piped; otherwise --format decides. */
	if (json_to_stdout || !strcmp(format, "json")) {
		err = json_to_stdout_stream(gate, r, &stdout_failed);
	} else {
		if (c->quiet)
			flags |= QG_TEXT_QUIET;
		if (c->verbose)
			flags |= QG_TEXT_VERBOSE;
		if (qg_gate_use_color(c))
			flags |= QG_TEXT_COLOR;
		if (fatal)
			flags |= QG_TEXT_ERROR_SHOWN;
		err = 0;
		if (!strcmp(format, "github"))
			err = fatal ? annotations_but_fatal(&text, r) : qg_github_annotations(&text, r);
		if (!err)
			err = qg_text_render(&text, r, flags);
		if (err < 0) {
			report_error(gate, err);
			code = QG_EXIT_ERROR;
		} else if ((err = write_stdout(gate, &text)) < 0) {
			stdout_failed = 1;
		}
	}
	if (stdout_failed) {
		/* already printed; the reports and the GitHub files said what
		 * the checks said: they say error now */
		note_failure(&o, err);
		rewrite_placed(&o);
		if (github_actions())
			(void)github_files(&o, QG_EXIT_ERROR, outputs);
		code = QG_EXIT_ERROR;
	}
done:
	for (size_t i = 0; i < o.n; i++) {
		qg_file_atomic_abort(o.t[i].f);
		free(o.t[i].path);
	}
	for (int k = 0; k < 2; k++)
		if (o.env_fd[k] >= 0)
			close(o.env_fd[k]);
	qg_strvec_clear(&o.failures);
	qg_buf_release(&o.chunk);
	qg_buf_release(&text);
	return code;
}

void qg_gate_note(const char *prog, const char *fmt, ...)
{
	struct qg_buf msg = QG_BUF_INIT(QG_CAP_MESSAGE), line = QG_BUF_INIT(QG_CAP_MESSAGE);
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = qg_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!err)
		err = one_line(&line, msg.buf);
	fprintf(stderr, "%s: %s\n", prog ? prog : "qgate", err ? "out of memory printing a note" : line.buf);
	qg_buf_release(&msg);
	qg_buf_release(&line);
}

int qg_gate_die(const char *prog, int exit_code, const char *msg)
{
	size_t plen = prog ? strlen(prog) : 0;

	if (!prog)
		prog = "qgate";
	if (!msg)
		msg = qg_error_last();
	if (!msg || !*msg)
		msg = "unknown error";
	/* avoid "qgate-x: error: qgate-x: ..." when the message already has it */
	if (plen && !strncmp(msg, prog, plen) && msg[plen] == ':' && msg[plen + 1] == ' ')
		msg += plen + 2;
	print_error_line(prog, msg);
	return exit_code == QG_EXIT_USAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
}
