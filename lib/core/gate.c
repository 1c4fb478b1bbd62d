/* gate.c -- the single exit path every gate shares
 *
 * qg_gate_finish() turns a struct qg_result into everything a gate owes its
 * caller: the report files (--junit, --json, --out, written atomically), the
 * stdout format, and under GITHUB_ACTIONS=true the step summary and outputs.
 * It fails closed: if any report cannot be written the gate exits 3 with a
 * message naming the file, whatever the checks said, because a CI step that
 * passes without its report is worse than one that fails.
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

static int write_out_dir(const char *gate, const char *dir, const struct qg_buf *json,
			 const struct qg_buf *junit)
{
	struct qg_buf path = QG_BUF_INIT;
	int err, failed = 0;

	if ((err = qg_file_mkdirs(dir, 0777)) < 0) {
		report_error(gate, err);
		return err;
	}
	if (!(err = qg_buf_addf(&path, "%s/%s.json", dir, gate)))
		err = write_report(gate, path.buf, json);
	failed |= err < 0;
	qg_buf_reset(&path);
	if (!(err = qg_buf_addf(&path, "%s/%s.junit.xml", dir, gate)))
		err = write_report(gate, path.buf, junit);
	failed |= err < 0;
	qg_buf_release(&path);
	return failed ? QG_EIO : 0;
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
	struct qg_buf b = QG_BUF_INIT;
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
	struct qg_buf json = QG_BUF_INIT, junit = QG_BUF_INIT, text = QG_BUF_INIT;
	const struct qg_result *one[1] = { r };
	const char *gate = r && r->gate ? r->gate : "qgate";
	const char *format;
	int json_to_stdout = c && c->json && !strcmp(c->json, "-");
	int failed = 0, code, err;
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
	if (c->out_dir && write_out_dir(gate, c->out_dir, &json, &junit) < 0)
		failed = 1;

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
		err = 0;
		if (!strcmp(format, "github"))
			err = qg_github_annotations(&text, r);
		if (!err)
			err = qg_text_render(&text, r, flags);
		if (err < 0) {
			report_error(gate, err);
			failed = 1;
		} else if (write_stdout(gate, &text) < 0) {
			failed = 1;
		}
	}
	if (r->error_exit && r->error_message &&
	    (json_to_stdout || !strcmp(format, "json")))
		fprintf(stderr, "qgate-%s: error: %s\n", gate, r->error_message);

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

int qg_gate_die(const char *prog, int err, const char *msg)
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
	fprintf(stderr, "%s: error: %s\n", prog, msg);
	if (err == QG_EXIT_USAGE || err == QG_EXIT_ERROR)
		return err;
	if (err < 0)
		return qg_exit_for_error(err);
	return QG_EXIT_ERROR; /* fail closed: dying is never a pass */
}

int qg_gate_start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		  int argc, const char **argv, struct qg_strvec *rest)
{
	struct qg_buf b = QG_BUF_INIT;
	char exe[64];
	int err = qg_opts_parse(ctx, argc, argv, rest);

	if (err) {
		*exit_out = qg_gate_die(ctx->prog, err, NULL);
		return 1;
	}
	if (c->help) {
		err = qg_opts_help(&b, ctx);
		if (!err)
			fputs(b.buf, stdout);
		qg_buf_release(&b);
		*exit_out = err ? qg_gate_die(ctx->prog, err, NULL) : QG_EXIT_PASS;
		return 1;
	}
	if (c->version) {
		snprintf(exe, sizeof(exe), "%.*s", (int)strcspn(ctx->prog, " "), ctx->prog);
		*exit_out = qg_version_print(exe);
		return 1;
	}
	/* the gate will run: look up the git subject meanwhile (see git.c) */
	if (qg_git_prefetch(NULL) < 0) {
		*exit_out = qg_gate_die(ctx->prog, QG_ENOMEM, NULL);
		return 1;
	}
	return 0;
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
