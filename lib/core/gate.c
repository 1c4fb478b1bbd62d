/* gate.c -- the skeleton every gate command shares, and its single exit path
 *
 * qg_gate_dispatch() is a gate's top level: its subcommands are entries of
 * an option table (QG_OPT_SUBCOMMAND_, git's OPT_SUBCOMMAND), so a typo gets
 * "did you mean" and qgate.json sections are checked against the same table.
 * qg_gate_run() is the sequence each command used to write out for itself:
 * start (parse, --help, --version) -> result -> run -> error -> finish.
 *
 * qg_gate_finish() turns a struct qg_result into everything a gate owes its
 * caller: the report files (--junit, --json, --out, written atomically), the
 * stdout format, and under GITHUB_ACTIONS=true the step summary and outputs.
 * It fails closed: if any report cannot be written the gate exits 3 with a
 * message naming the file, whatever the checks said, because a CI step that
 * passes without its report is worse than one that fails. It is also where
 * a fatal error is printed, once, on stderr, whatever the format (gate.h).
 *
 * The version banner is here too: linked libraries report their runtime
 * version; the dlopen'ed ones (libgit2, libcurl, libcrypto) are printed from
 * their headers so that --version never loads them.
 */
#include "qgate/common.h"

#include <cjson/cJSON.h>
#include <curl/curlver.h>
#include <expat.h>
#include <git2/version.h>
#include <openssl/opensslv.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "qgate/env.h"
#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/version.h"

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

/* The message of a failed write goes to stderr at once, so that several
 * failures are all reported; the gate then exits 3. */
static int report_error(const char *gate, int err)
{
	fprintf(stderr, "qgate-%s: error: %s\n", gate, qg_error_last());
	return err < 0 ? err : QG_EIO;
}

static int write_report(const char *gate, const char *path, const struct qg_buf *b)
{
	int err = qg_file_write_atomic(path, b->buf, b->len);

	if (err < 0)
		return report_error(gate, err);
	return 0;
}

/* A gate or command name becomes part of a file name: a word, never a path. */
static int is_word(const char *s)
{
	return s && *s >= 'a' && *s <= 'z' && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s);
}

/* --out DIR: DIR/<gate>-<command>.json and .xml (CONTRACT.md section 2), so
 * that validate and drift written into one folder keep both reports; a
 * gate without subcommands writes DIR/<gate>.json. */
static int write_out_dir(const struct qg_result *r, const char *dir, const struct qg_buf *json,
			 const struct qg_buf *junit)
{
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH), base = QG_BUF_INIT(QG_CAP_PATH);
	const char *gate = r->gate;
	int err, failed = 0;

	if (!is_word(r->gate) || (r->command && !is_word(r->command))) {
		qg_error(QG_EUSAGE, "--out: gate '%s' command '%s' cannot name a report file", r->gate ? r->gate : "",
			 r->command ? r->command : "");
		return report_error(gate ? gate : "qgate", QG_EUSAGE);
	}
	if ((err = qg_file_mkdirs(dir, 0777)) < 0) {
		report_error(gate, err);
		return err;
	}
	if (r->command)
		err = qg_buf_addf(&base, "%s/%s-%s", dir, gate, r->command);
	else
		err = qg_buf_addf(&base, "%s/%s", dir, gate);
	if (!err && !(err = qg_buf_addf(&path, "%s.json", base.buf)))
		err = write_report(gate, path.buf, json);
	failed |= err < 0;
	qg_buf_reset(&path);
	if (!(err = qg_buf_addf(&path, "%s.xml", base.buf)))
		err = write_report(gate, path.buf, junit);
	failed |= err < 0;
	qg_buf_release(&path);
	qg_buf_release(&base);
	return failed ? QG_EIO : 0;
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

	err = qg_redact(&msg, r->error_message);
	if (!err && !strcmp(format, "github")) {
		err = fatal_annotation_head(&line, r);
		if (!err)
			err = qg_github_escape_data(&line, msg.buf);
	} else if (!err) {
		/* one line, whatever the message holds (a server's reply, ...) */
		for (size_t i = 0; i < msg.len; i++)
			if (msg.buf[i] == '\n' || msg.buf[i] == '\r')
				msg.buf[i] = ' ';
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

static int write_stdout(const char *gate, const struct qg_buf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, stdout) != b->len) {
		qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
		return report_error(gate, QG_EIO);
	}
	if (fflush(stdout) == EOF) {
		qg_error(QG_EIO, "cannot write to stdout: %s", strerror(errno));
		return report_error(gate, QG_EIO);
	}
	return 0;
}

static int github_files(const char *gate, const struct qg_result *r, int code,
			const char *const *outputs)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	struct qg_summary sum;
	char num[32];
	int err, failed = 0;

	err = qg_github_summary(&b, r);
	if (!err)
		err = qg_github_append_env_file("GITHUB_STEP_SUMMARY", b.buf, b.len);
	if (err < 0) {
		report_error(gate, err);
		failed = 1;
	}

	qg_buf_reset(&b);
	qg_result_summary(r, &sum);
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
		err = qg_github_append_env_file("GITHUB_OUTPUT", b.buf, b.len);
	if (err < 0) {
		report_error(gate, err);
		failed = 1;
	}
	qg_buf_release(&b);
	return failed ? QG_EIO : 0;
}

int qg_gate_finish(const struct qg_common_opts *c, struct qg_result *r, const char *const *outputs)
{
	static const struct qg_common_opts none;
	struct qg_buf json = QG_BUF_INIT(QG_CAP_REPORT), junit = QG_BUF_INIT(QG_CAP_REPORT), text = QG_BUF_INIT(QG_CAP_REPORT);
	const struct qg_result *one[1] = { r };
	const char *gate = r && r->gate ? r->gate : "qgate";
	const char *format;
	int json_to_stdout = c && c->json && !strcmp(c->json, "-");
	int failed = 0, code, err, fatal;
	unsigned flags = 0;

	if (!r)
		return QG_EXIT_ERROR;
	if (!c)
		c = &none;
	qg_result_finish(r);
	if (!r->subject.in_repo && qg_git_subject(&r->subject, NULL) < 0)
		r->subject.in_repo = 0; /* no git context is not a reason to fail */
	code = qg_result_exit_code(r);
	format = qg_gate_format(c);
	fatal = r->error_exit && r->error_message;

	/* Render everything in memory first: a rendering failure (ENOMEM)
	 * then writes no report at all rather than a subset. */
	err = qg_result_to_json(&json, r);
	if (!err && (c->junit || c->out_dir))
		err = qg_junit_write(&junit, one, 1);
	if (err < 0) {
		report_error(gate, err);
		code = QG_EXIT_ERROR;
		goto done;
	}

	if (c->junit && write_report(gate, c->junit, &junit) < 0)
		failed = 1;
	if (c->json && !json_to_stdout && write_report(gate, c->json, &json) < 0)
		failed = 1;
	if (c->out_dir && write_out_dir(r, c->out_dir, &json, &junit) < 0)
		failed = 1;

	/* a fatal error: once, on stderr, before the report that says ERROR */
	if (fatal)
		print_fatal(r, json_to_stdout ? "json" : format);

	/* stdout: "--json -" makes stdout the result JSON alone, so that it
	 * can be piped; otherwise --format decides. */
	if (json_to_stdout || !strcmp(format, "json")) {
		if (write_stdout(gate, &json) < 0)
			failed = 1;
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
			failed = 1;
		} else if (write_stdout(gate, &text) < 0) {
			failed = 1;
		}
	}

	if (github_actions() && github_files(gate, r, code, outputs) < 0)
		failed = 1;
	if (failed)
		code = QG_EXIT_ERROR;
done:
	qg_buf_release(&json);
	qg_buf_release(&junit);
	qg_buf_release(&text);
	return code;
}

int qg_gate_die(const char *prog, int exit_code, const char *msg)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_MESSAGE);
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
	if (qg_redact(&b, msg) < 0)
		fprintf(stderr, "%s: error: %s\n", prog, "out of memory printing an error");
	else
		fprintf(stderr, "%s: error: %s\n", prog, b.buf);
	qg_buf_release(&b);
	return exit_code == QG_EXIT_USAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
}

static int start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		 int argc, const char **argv, struct qg_strvec *rest, int prefetch);

int qg_gate_start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		  int argc, const char **argv, struct qg_strvec *rest)
{
	return start(exit_out, ctx, c, argc, argv, rest, 1);
}

static int start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		 int argc, const char **argv, struct qg_strvec *rest, int prefetch)
{
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	char exe[64];
	int err = qg_opts_parse(ctx, argc, argv, rest);

	if (err) {
		*exit_out = qg_gate_die(ctx->prog, qg_exit_for_error(err), NULL);
		return 1;
	}
	if (c->help) {
		err = qg_opts_help(&b, ctx);
		if (!err)
			fputs(b.buf, stdout);
		qg_buf_release(&b);
		*exit_out = err ? qg_gate_die(ctx->prog, QG_EXIT_ERROR, NULL) : QG_EXIT_PASS;
		return 1;
	}
	if (c->version) {
		snprintf(exe, sizeof(exe), "%.*s", (int)strcspn(ctx->prog, " "), ctx->prog);
		*exit_out = qg_version_print(exe);
		return 1;
	}
	/* a QG_* variable with a value qgate does not accept is exit 2 (env.h) */
	if (qg_env_check() < 0) {
		*exit_out = qg_gate_die(ctx->prog, QG_EXIT_USAGE, NULL);
		return 1;
	}
	/* the gate will run: look up the git subject meanwhile (see git.c) */
	if (prefetch && qg_git_prefetch(NULL) < 0) {
		*exit_out = qg_gate_die(ctx->prog, QG_EXIT_ERROR, NULL);
		return 1;
	}
	return 0;
}

int qg_gate_run(const struct qg_gate_cmd *cmd, int argc, const char **argv)
{
	const char *gate = cmd->gate && cmd->gate->name ? cmd->gate->name : "qgate";
	char gate_prog[64], prog[128], section[128];
	struct qg_strvec outputs = QG_STRVEC_INIT;
	struct qg_result r;
	int ret, err;

	snprintf(gate_prog, sizeof(gate_prog), "qgate-%s", gate);
	snprintf(prog, sizeof(prog), "%s%s%s", gate_prog, cmd->name ? " " : "", cmd->name ? cmd->name : "");
	snprintf(section, sizeof(section), "%s%s%s", gate, cmd->name ? "." : "", cmd->name ? cmd->name : "");
	{
		const struct qg_opts_ctx ctx = {
			.prog = prog,
			.config_section = section,
			.usage = cmd->usage,
			.description = cmd->description,
			.options = cmd->options,
			.flags = cmd->opts_flags,
			.commands = cmd->gate ? cmd->gate->commands : NULL,
		};

		/* a command without a result has no subject to look up */
		if (start(&ret, &ctx, cmd->common, argc, argv, cmd->args, !(cmd->flags & QG_GATE_NO_RESULT)))
			return ret;
	}
	if (cmd->flags & QG_GATE_NO_RESULT) {
		err = cmd->run(cmd->data, NULL, NULL);
		return err < 0 ? qg_gate_die(gate_prog, qg_exit_for_error(err), NULL) : QG_EXIT_PASS;
	}
	if (qg_result_init(&r, gate, QG_VERSION) < 0)
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	if (qg_result_set_command(&r, cmd->name) < 0) {
		qg_result_release(&r);
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	}
	err = cmd->run(cmd->data, &r, &outputs);
	if (err < 0) {
		const char *msg = qg_error_last();

		if (!msg || !*msg)
			msg = err == QG_ENOMEM ? "out of memory" : "unknown error";
		qg_result_set_error(&r, qg_exit_for_error(err), "%s", msg);
	}
	ret = qg_gate_finish(cmd->common, &r, outputs.nr ? (const char *const *)outputs.v : NULL);
	qg_result_release(&r);
	qg_strvec_clear(&outputs);
	return ret;
}

/* The gate's table with what the top level adds: the subcommands store
 * their function in `fn`, then -h/--help and --version. Freed by caller. */
static struct qg_option *dispatch_table(const struct qg_gate *g, qg_subcommand_fn *fn, int *help, int *version)
{
	size_t n = 0, k = 0;
	struct qg_option *t;

	while (g->commands && g->commands[n].type != QG_OPT_END)
		n++;
	t = calloc(n + 4, sizeof(*t));
	if (!t) {
		qg_error(QG_ENOMEM, "out of memory");
		return NULL;
	}
	for (; k < n; k++) {
		t[k] = g->commands[k];
		if (t[k].type == QG_OPT_SUBCOMMAND)
			t[k].value = fn;
	}
	t[k++] = (struct qg_option)QG_OPT_GROUP_("options");
	t[k++] = (struct qg_option)QG_OPT_FLAG_('h', "help", help, "show this help and exit 0");
	t[k++] = (struct qg_option)QG_OPT_FLAG_(0, "version", version, "print versions and exit 0");
	t[k] = (struct qg_option)QG_OPT_END_();
	return t;
}

int qg_gate_dispatch(const struct qg_gate *g, int argc, const char **argv)
{
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);
	qg_subcommand_fn fn = NULL;
	int help = 0, version = 0, ret = QG_EXIT_ERROR, err;
	char prog[64];
	struct qg_option *table;
	struct qg_opts_ctx ctx;

	snprintf(prog, sizeof(prog), "qgate-%s", g->name);
	if (!(table = dispatch_table(g, &fn, &help, &version)))
		return qg_gate_die(prog, QG_EXIT_ERROR, NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = prog;
	ctx.usage = g->usage;
	ctx.description = g->description;
	ctx.options = table;
	if (argc > 1 && argv[1] && !strcmp(argv[1], "help") && !qg_opts_find_subcommand(g->commands, "help"))
		help = 1;
	else if ((err = qg_opts_parse(&ctx, argc, argv, &rest)) < 0) {
		ret = qg_gate_die(prog, qg_exit_for_error(err), NULL);
		goto done;
	}
	if (help || version || !fn) {
		if (version && !help) {
			ret = qg_version_print(prog);
			goto done;
		}
		/* no command: the same usage on stderr, and exit 2 */
		if ((err = qg_opts_help(&b, &ctx)) < 0) {
			ret = qg_gate_die(prog, QG_EXIT_ERROR, NULL);
			goto done;
		}
		fputs(b.buf, help ? stdout : stderr);
		if (help) {
			ret = QG_EXIT_PASS;
			goto done;
		}
		qg_buf_reset(&b);
		if (qg_buf_addstr(&b, "no command given (expected ") < 0 || qg_opts_subcommand_list(&b, g->commands) < 0 ||
		    qg_buf_addch(&b, ')') < 0)
			ret = qg_gate_die(prog, QG_EXIT_ERROR, NULL);
		else
			ret = qg_gate_die(prog, QG_EXIT_USAGE, b.buf);
		goto done;
	}
	ret = fn((int)rest.nr, rest.v, g);
done:
	free(table);
	qg_buf_release(&b);
	qg_strvec_clear(&rest);
	return ret;
}

int qg_version_print(const char *prog)
{
	char pcre[64] = "";
	const char *expat = XML_ExpatVersion();

	if (!prog)
		prog = "qgate";
	if (!strncmp(expat, "expat_", 6))
		expat += 6;
	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		snprintf(pcre, sizeof(pcre), "unknown");
	pcre[strcspn(pcre, " ")] = '\0'; /* "10.42 2022-12-11": the version only */
	printf("%s%s %s\n", strncmp(prog, "qgate", 5) ? "qgate-" : "", prog, QG_VERSION);
	printf("cJSON %s\n", cJSON_Version());
	printf("zlib %s\n", zlibVersion());
	printf("zstd %s\n", ZSTD_versionString());
	printf("expat %s\n", expat);
	printf("pcre2 %s\n", pcre);
	printf("libgit2 %s (loaded on use)\n", LIBGIT2_VERSION);
	printf("libcurl %s (loaded on use)\n", LIBCURL_VERSION);
	printf("libcrypto %s (loaded on use)\n", OPENSSL_FULL_VERSION_STR);
	return ferror(stdout) ? QG_EXIT_ERROR : QG_EXIT_PASS;
}
