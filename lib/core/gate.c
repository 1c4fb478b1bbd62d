/* gate.c -- the skeleton every gate command shares
 *
 * qg_gate_dispatch() is a gate's top level: its subcommands are entries of
 * an option table (QG_OPT_SUBCOMMAND_, git's OPT_SUBCOMMAND), so a typo gets
 * "did you mean" and qgate.json sections are checked against the same table.
 * qg_gate_run() is the sequence each command used to write out for itself:
 * start (parse, --help, --version, report paths checked up front) -> result
 * -> run -> error -> finish. The exit path, qg_gate_finish(), and the one
 * error line are in gate_finish.c.
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
#include <fcntl.h>
#include <pcre2.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "qgate/env.h"
#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/http.h"
#include "qgate/report.h"
#include "qgate/result.h"
#include "qgate/version.h"

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
	/* --out DIR is made now, so every report a gate writes into it (--json,
	 * --sarif, --profile-out, --cobertura-out DIR/x) finds it; other paths'
	 * folders must exist */
	if (c->out_dir && qg_file_mkdirs(c->out_dir, 0777) < 0) {
		*exit_out = qg_gate_die(ctx->prog, QG_EXIT_ERROR, NULL);
		return 1;
	}
	/* the gate will run: look up the git subject meanwhile (see git.c) */
	if (prefetch && qg_git_prefetch(NULL) < 0) {
		*exit_out = qg_gate_die(ctx->prog, QG_EXIT_ERROR, NULL);
		return 1;
	}
	return 0;
}

/* A report path as one comparable name: "-" stays, anything else becomes
 * absolute with "." and ".." folded and its folder resolved when it exists
 * (so "X", "./X", "d/../X" and a symlinked folder all compare equal). */
static char *report_key(const char *path)
{
	struct qg_buf abs = QG_BUF_INIT(QG_CAP_PATH), out = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_strvec parts = QG_STRVEC_INIT;
	char cwd[4096], *dir = NULL, *p, *save = NULL, *slash;
	int err = 0;

	if (!strcmp(path, "-"))
		return qg_strdup("-");
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(cwd, sizeof(cwd), ".");
		err = qg_buf_addf(&abs, "%s/", cwd);
	}
	if (!err)
		err = qg_buf_addstr(&abs, path);
	for (p = err ? NULL : strtok_r(abs.buf, "/", &save); !err && p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (parts.nr)
				qg_strvec_pop(&parts);
			continue;
		}
		err = qg_strvec_push(&parts, p);
	}
	for (size_t i = 0; !err && i < parts.nr; i++)
		err = qg_buf_addf(&out, "/%s", parts.v[i]);
	if (!err && !out.len)
		err = qg_buf_addch(&out, '/');
	/* resolve the folder (symlinks) when it exists */
	if (!err && (slash = strrchr(out.buf, '/')) && slash != out.buf) {
		*slash = '\0';
		dir = realpath(out.buf, NULL);
		*slash = '/';
		if (dir) {
			struct qg_buf res = QG_BUF_INIT(QG_CAP_PATH);

			err = qg_buf_addf(&res, "%s%s", strcmp(dir, "/") ? dir : "", slash);
			if (!err) {
				qg_buf_release(&out);
				out = res;
			} else {
				qg_buf_release(&res);
			}
			free(dir);
		}
	}
	qg_strvec_clear(&parts);
	qg_buf_release(&abs);
	if (err) {
		qg_buf_release(&out);
		return NULL;
	}
	return qg_buf_detach(&out, NULL);
}

/* Two report flags naming one file would silently keep only the last
 * report written: refuse before anything runs, naming both flags. */
static int check_report_paths(const struct qg_common_opts *c, const char *gate, const char *command)
{
	struct qg_buf o_json = QG_BUF_INIT(QG_CAP_PATH), o_xml = QG_BUF_INIT(QG_CAP_PATH);
	const char *flag[4], *path[4];
	char *key[4] = { NULL, NULL, NULL, NULL };
	size_t n = 0;
	int err = 0;

	if (!c)
		return 0;
	if (c->junit) {
		flag[n] = "--junit";
		path[n++] = c->junit;
	}
	if (c->json) { /* "-" too: --junit - --json - is two documents on stdout */
		flag[n] = "--json";
		path[n++] = c->json;
	}
	if (c->out_dir) {
		if (command)
			err = qg_buf_addf(&o_json, "%s/%s-%s.json", c->out_dir, gate, command);
		else
			err = qg_buf_addf(&o_json, "%s/%s.json", c->out_dir, gate);
		if (!err)
			err = qg_buf_add(&o_xml, o_json.buf, o_json.len - 5);
		if (!err)
			err = qg_buf_addstr(&o_xml, ".xml");
		if (!err) {
			flag[n] = "--out";
			path[n++] = o_json.buf;
			flag[n] = "--out";
			path[n++] = o_xml.buf;
		}
	}
	/* a folder, a socket or a link to nothing is a usage error before anything
	 * runs (the writer would refuse it too, but only at the end, as exit 3); a
	 * path that cannot be inspected (a parent that is a file) is left to the
	 * writer, whose failure every output then reports as an error */
	for (size_t i = 0; !err && i < n; i++)
		if (qg_file_check_output(path[i]) == QG_EUSAGE)
			err = QG_EUSAGE;
	for (size_t i = 0; !err && i < n; i++)
		if (!(key[i] = report_key(path[i])))
			err = qg_error(QG_ENOMEM, "out of memory");
	for (size_t i = 0; !err && i < n; i++) {
		for (size_t j = i + 1; !err && j < n; j++) {
			struct stat a, b;
			int same = !strcmp(key[i], key[j]);

			if (!same && strcmp(key[i], "-") && strcmp(key[j], "-") && !stat(key[i], &a) &&
			    !stat(key[j], &b))
				same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
			if (same)
				err = qg_error(QG_EUSAGE, "%s '%s' and %s '%s' name the same file: one report would be lost",
					       flag[i], flag[i] == flag[j] ? c->out_dir : path[i], flag[j], path[j]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(key[i]);
	qg_buf_release(&o_json);
	qg_buf_release(&o_xml);
	return err;
}

/* --subject FILE...: hash each file now, before the run, into `held` (a
 * scratch result), so that a missing or unreadable one stops the command
 * before it does any work (exit 3 naming it) and the digest names the bytes
 * as they were when judged. The command never sees them; subject_move()
 * puts them behind its own inputs once it ran. */
static int subject_hash(struct qg_result *held, const struct qg_strvec *files)
{
	int err;

	for (size_t i = 0; i < files->nr; i++) {
		const char *path = files->v[i];

		if (!*path)
			return qg_error(QG_EUSAGE, "--subject: an empty file name (expected a local file)");
		if (!strcmp(path, "-") || strstr(path, "://"))
			return qg_error(QG_EUSAGE, "--subject '%s': expected a local file", path);
		if (!qg_file_is_regular(path)) {
			struct stat st;

			if (stat(path, &st) < 0)
				return qg_error(QG_EINPUT, "--subject '%s': %s", path, strerror(errno));
			return qg_error(QG_EINPUT, "--subject '%s': not a regular file", path);
		}
		if ((err = qg_result_add_artifact(held, path)) < 0)
			return err;
	}
	return 0;
}

static int subject_move(struct qg_result *r, struct qg_result *held)
{
	struct qg_subject *s = &r->subject, *h = &held->subject;

	if (!h->nr_artifacts)
		return 0;
	if (QG_ALLOC_GROW(s->artifacts, s->nr_artifacts + h->nr_artifacts, s->alloc_artifacts) < 0)
		return qg_error(QG_ENOMEM, "out of memory");
	memcpy(s->artifacts + s->nr_artifacts, h->artifacts, h->nr_artifacts * sizeof(*h->artifacts));
	s->nr_artifacts += h->nr_artifacts;
	h->nr_artifacts = 0; /* moved: their paths belong to r now */
	return 0;
}

static int gate_run(const struct qg_gate_cmd *cmd, int argc, const char **argv);

int qg_gate_run(const struct qg_gate_cmd *cmd, int argc, const char **argv)
{
	int ret = gate_run(cmd, argc, argv);

	/* the list lives in the command's options but is the core's flag */
	if (cmd->common)
		qg_strvec_clear(&cmd->common->subject);
	return ret;
}

static int gate_run(const struct qg_gate_cmd *cmd, int argc, const char **argv)
{
	const char *gate = cmd->gate && cmd->gate->name ? cmd->gate->name : "qgate";
	char gate_prog[64], prog[128], section[128];
	struct qg_strvec outputs = QG_STRVEC_INIT;
	struct qg_result r, held;
	struct qg_opts_ctx ctx;
	int ret, err;

	snprintf(gate_prog, sizeof(gate_prog), "qgate-%s", gate);
	snprintf(prog, sizeof(prog), "%s%s%s", gate_prog, cmd->name ? " " : "", cmd->name ? cmd->name : "");
	snprintf(section, sizeof(section), "%s%s%s", gate, cmd->name ? "." : "", cmd->name ? cmd->name : "");
	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = prog;
	ctx.config_section = section;
	ctx.usage = cmd->usage;
	ctx.description = cmd->description;
	ctx.options = cmd->options;
	ctx.flags = cmd->opts_flags;
	ctx.commands = cmd->gate ? cmd->gate->commands : NULL;

	/* a command without a result has no subject to look up */
	if (start(&ret, &ctx, cmd->common, argc, argv, cmd->args, !(cmd->flags & QG_GATE_NO_RESULT)))
		return ret;
	if (cmd->fetch)
		qg_http_set_fetch(cmd->fetch);
	if ((cmd->flags & QG_GATE_NO_RESULT) && cmd->common && cmd->common->subject.nr)
		return qg_gate_die(gate_prog, QG_EXIT_USAGE,
				   "--subject applies to commands that write a result; this one does not");
	if (cmd->flags & QG_GATE_NO_RESULT) {
		err = cmd->run(cmd->data, NULL, NULL);
		/* a check failed (infer: rows that do not match the header): the
		 * recorded message is the one line, the exit code 1 */
		if (err == QG_EXIT_FAIL) {
			qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
			return QG_EXIT_FAIL;
		}
		return err < 0 ? qg_gate_die(gate_prog, qg_exit_for_error(err), NULL) : QG_EXIT_PASS;
	}
	if ((err = check_report_paths(cmd->common, gate, cmd->name)) < 0)
		return qg_gate_die(gate_prog, qg_exit_for_error(err), NULL);
	if (qg_result_init(&r, gate, QG_VERSION) < 0)
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	if (qg_result_set_command(&r, cmd->name) < 0) {
		qg_result_release(&r);
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	}
	if (qg_gate_invocation(&r, &ctx, cmd->common ? cmd->common->config : NULL, argc, argv) < 0) {
		qg_result_release(&r);
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	}
	if (qg_result_init(&held, gate, QG_VERSION) < 0) {
		qg_result_release(&r);
		return qg_gate_die(gate_prog, QG_EXIT_ERROR, NULL);
	}
	err = cmd->common ? subject_hash(&held, &cmd->common->subject) : 0;
	if (!err)
		err = cmd->run(cmd->data, &r, &outputs);
	/* after an error too: the reports name what was hashed */
	if (subject_move(&r, &held) < 0 && err >= 0)
		err = QG_ENOMEM;
	qg_result_release(&held);
	/* the evidence names the bytes it judged: an input hashed and then
	 * rewritten before the verdict is an error, not a digest of other bytes */
	if (err >= 0 && !r.error_message)
		err = qg_result_check_artifacts(&r) < 0 ? QG_EIO : err;
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
