/* main.c -- the front `qgate`: `qgate <gate> ARGS...` runs `qgate-<gate>`
 *
 * Like git's execv_dashed_external(): the gate is looked up next to this
 * executable first (so an installed set stays together whatever PATH says),
 * then on PATH -- one walk, qg_path_find() in lib/proc/path.c -- and exec'ed
 * in place of this process, so its exit status, signals and stdio are the
 * caller's directly. Gate names are [a-z]+ only: no '/', no '..', nothing a
 * path could hide in.
 *
 * What cannot run is a usage error (exit 2) that says why: no gate named
 * (the usage), a gate of this release that is not installed, a planned gate
 * that no release ships yet (none at present; the table keeps the flag for
 * the next one), or an unknown name (with "did you mean"). `qgate --help`
 * lists the gates it can find with a line each; the table below holds the
 * lines and what is planned.
 */
#include "qgate/common.h"

#include <signal.h>
#include <unistd.h>

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"
#include "qgate/path.h"

#include "front.h"

#define GATE_NAME_MAX 64

static const char *const usage[] = {
	"qgate <gate> [ARGS...]",
	"qgate help <gate>",
	"qgate run [--config FILE] [--stage NAME] [-j N] [--only STEP,...] [--changed-since REF] [--out DIR]",
	"qgate hook install [--stage NAME] [--force] | uninstall | status",
	"qgate merge --out DIR SHARD_DIR...",
	"qgate report DIR [--html FILE] [--markdown FILE]",
	"qgate --help | --version",
	NULL,
};

static const char description[] =
	"Run the quality gate qgate-<gate> with ARGS, looked up next to qgate first,\n"
	"then on PATH. The gate's exit status is qgate's: 0 pass, 1 a check failed,\n"
	"2 usage or configuration error, 3 could not evaluate. 'qgate help <gate>'\n"
	"shows the gate's own --help.";

/* The front's own commands, run in this process (front.h). */
static const struct front_command {
	const char *name;
	int (*fn)(int argc, const char **argv);
} front_commands[] = {
	{ "run", front_cmd_run },
	{ "hook", front_cmd_hook },
	{ "merge", front_cmd_merge },
	{ "report", front_cmd_report },
};

/* The gates qgate knows by name: shipped in this release, or planned. */
static const struct known_gate {
	const char *name;
	int planned;
	const char *what;
} known[] = {
	{ "data", 0, "datasets against a Table Schema; profiles; drift against a baseline" },
	{ "model", 0, "model metrics against thresholds and against the champion model" },
	{ "lint", 0, "linters and built-in checks, new findings only" },
	{ "test", 0, "run tests with timeouts and retries; gate on results and coverage" },
	{ "deploy", 0, "push, promote on evidence, health-check, roll back, audit" },
};
#define KNOWN_NR (sizeof(known) / sizeof(known[0]))

static const struct known_gate *known_gate(const char *name)
{
	for (size_t i = 0; i < KNOWN_NR; i++)
		if (!strcmp(known[i].name, name))
			return &known[i];
	return NULL;
}

static int valid_gate_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] < 'a' || s[n] > 'z')
			return 0;
	return n > 0 && n < GATE_NAME_MAX;
}

static int die(int err)
{
	fprintf(stderr, "qgate: error: %s\n", *qg_error_last() ? qg_error_last() : "unknown error");
	return err == QG_EUSAGE ? QG_EXIT_USAGE : QG_EXIT_ERROR;
}

/* The folder of this executable, "" when it cannot be told. */
static void self_dir(struct qg_buf *dir)
{
	if (qg_path_self_dir(dir) < 0)
		qg_error_clear();
}

/* Gates found next to us and on PATH (qgate-<name>, name a gate name). */
static int found_gates(struct qg_strvec *names, const char *dir)
{
	struct qg_strvec all = QG_STRVEC_INIT;
	int err = qg_path_list(&all, "qgate-", dir);

	for (size_t i = 0; !err && i < all.nr; i++)
		if (valid_gate_name(all.v[i]))
			err = qg_strvec_push(names, all.v[i]);
	qg_strvec_clear(&all);
	return err;
}

static int listed(const struct qg_strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}

/* The help text's last part: what can run here, what cannot yet. */
static int add_gate_list(struct qg_buf *b, const char *dir)
{
	struct qg_strvec names = QG_STRVEC_INIT;
	struct qg_buf where = QG_BUF_INIT(QG_CAP_MESSAGE);
	int err = found_gates(&names, dir), any = 0;

	if (!err)
		err = qg_buf_addstr(b, "\ngates found next to qgate, then on PATH:\n");
	for (size_t i = 0; !err && i < names.nr; i++) {
		const struct known_gate *k = known_gate(names.v[i]);
		struct qg_buf exe = QG_BUF_INIT(QG_CAP_PATH);

		if (k) {
			err = qg_buf_addf(b, "  %-10s%s\n", names.v[i], k->what);
		} else {
			err = qg_buf_addf(&exe, "qgate-%s", names.v[i]);
			if (!err)
				err = qg_path_find(&where, exe.buf, dir);
			if (!err)
				err = qg_buf_addf(b, "  %-10snot a gate of this release (%s)\n", names.v[i],
						  where.buf);
		}
		qg_buf_release(&exe);
	}
	if (!err && !names.nr)
		err = qg_buf_addstr(b, "  (none: no qgate-<gate> executable next to qgate or on PATH)\n");
	for (size_t i = 0; !err && i < KNOWN_NR; i++) {
		if (known[i].planned || listed(&names, known[i].name))
			continue;
		err = qg_buf_addf(b, "%s%s", any++ ? ", " : "\nof this release, not installed: ", known[i].name);
	}
	if (!err && any)
		err = qg_buf_addch(b, '\n');
	any = 0;
	for (size_t i = 0; !err && i < KNOWN_NR; i++) {
		if (!known[i].planned || listed(&names, known[i].name))
			continue;
		err = qg_buf_addf(b, "%s%s", any++ ? ", " : "\nplanned, not in this release: ", known[i].name);
	}
	if (!err && any)
		err = qg_buf_addch(b, '\n');
	qg_buf_release(&where);
	qg_strvec_clear(&names);
	return err;
}

static int help_text(struct qg_buf *b, const struct qg_opts_ctx *ctx, const char *dir)
{
	int err = qg_opts_help(b, ctx);

	return err ? err : add_gate_list(b, dir);
}

/* The name among the known and the found gates nearest to `name`, or NULL. */
static const char *nearest_gate(const char *name, const struct qg_strvec *found)
{
	struct qg_option *opts = calloc(KNOWN_NR + found->nr + 1, sizeof(*opts));
	const char *near = NULL;
	size_t n = 0;

	if (!opts)
		return NULL;
	for (size_t i = 0; i < KNOWN_NR; i++)
		opts[n++] = (struct qg_option)QG_OPT_FLAG_(0, known[i].name, NULL, NULL);
	for (size_t i = 0; i < found->nr; i++)
		opts[n++] = (struct qg_option)QG_OPT_FLAG_(0, found->v[i], NULL, NULL);
	opts[n] = (struct qg_option)QG_OPT_END_();
	near = qg_opts_nearest(opts, name);
	free(opts);
	return near; /* borrowed from known[] or found */
}

/* A gate that cannot run: say why, list what can, exit 2. */
static int not_a_gate(const char *name, const char *dir)
{
	struct qg_strvec names = QG_STRVEC_INIT;
	const struct known_gate *k = known_gate(name);

	if (found_gates(&names, dir) < 0)
		qg_error_clear(); /* the list is a courtesy */
	if (k && k->planned)
		fprintf(stderr, "qgate: error: '%s' is a planned gate that is not installed "
			"(no qgate-%s next to qgate or on PATH)\n", name, name);
	else if (k)
		fprintf(stderr, "qgate: error: '%s' is a gate of this release that is not installed "
			"(no qgate-%s next to qgate or on PATH)\n", name, name);
	else {
		const char *near = nearest_gate(name, &names);

		if (near)
			fprintf(stderr, "qgate: error: '%s' is not a qgate command (did you mean '%s'?)\n",
				name, near);
		else
			fprintf(stderr, "qgate: error: '%s' is not a qgate command\n", name);
	}
	if (names.nr) {
		fprintf(stderr, "available gates:");
		for (size_t i = 0; i < names.nr; i++)
			fprintf(stderr, " %s", names.v[i]);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "no qgate-<gate> executables found next to qgate or on PATH\n");
	}
	fprintf(stderr, "see 'qgate --help'\n");
	qg_strvec_clear(&names);
	return QG_EXIT_USAGE;
}

/* Replace this process with qgate-<gate>; returns only on failure. */
static int exec_gate(const char *gate, const char *const *argv, const char *dir)
{
	struct qg_buf path = QG_BUF_INIT(QG_CAP_PATH);
	struct qg_strvec args = QG_STRVEC_INIT;
	int err;

	if (!valid_gate_name(gate)) {
		fprintf(stderr, "qgate: error: '%s' is not a gate name (lowercase letters only)\n"
			"see 'qgate --help'\n", gate);
		return QG_EXIT_USAGE;
	}
	if (qg_strvec_pushf(&args, "qgate-%s", gate) < 0 || qg_strvec_pushv(&args, argv) < 0) {
		err = die(QG_ENOMEM);
		goto done;
	}
	err = qg_path_find(&path, args.v[0], dir);
	if (err == QG_ENOTFOUND) {
		qg_error_clear();
		err = not_a_gate(gate, dir);
		goto done;
	} else if (err < 0) {
		err = die(err);
		goto done;
	}
	fflush(stdout);
	fflush(stderr);
	signal(SIGPIPE, SIG_DFL); /* the gate sets up its own */
	execv(path.buf, (char *const *)args.v);
	fprintf(stderr, "qgate: error: cannot run '%s': %s\n", path.buf, strerror(errno));
	err = QG_EXIT_ERROR;
done:
	qg_strvec_clear(&args);
	qg_buf_release(&path);
	return err;
}

static int cmd_qgate(int argc, const char **argv)
{
	int help = 0, version = 0, err;
	struct qg_strvec rest = QG_STRVEC_INIT;
	struct qg_buf dir = QG_BUF_INIT(QG_CAP_PATH), text = QG_BUF_INIT(QG_CAP_REPORT);
	const struct qg_option options[] = {
		QG_OPT_FLAG_('h', "help", &help, "show this help and exit 0"),
		QG_OPT_FLAG_(0, "version", &version, "print versions and exit 0"),
		QG_OPT_END_(),
	};
	const struct qg_opts_ctx ctx = {
		.prog = "qgate",
		.usage = usage,
		.description = description,
		.options = options,
		.flags = QG_OPTS_STOP_AT_NON_OPTION,
	};

	err = qg_opts_parse(&ctx, argc, argv, &rest);
	if (err < 0) {
		err = die(err);
		goto done;
	}
	if (version) {
		err = qg_version_print("qgate");
		goto done;
	}
	self_dir(&dir);
	/* --help, `qgate help`: the help on stdout, 0; no gate named: on stderr, 2 */
	if (help || !rest.nr || (!strcmp(rest.v[0], "help") && rest.nr < 2)) {
		err = help_text(&text, &ctx, dir.buf);
		if (err < 0) {
			err = die(err);
			goto done;
		}
		if (!help && !rest.nr) {
			fprintf(stderr, "qgate: error: no gate named\n%s", text.buf);
			err = QG_EXIT_USAGE;
		} else {
			fputs(text.buf, stdout);
			err = QG_EXIT_PASS;
		}
		goto done;
	}
	for (size_t i = 0; i < QG_ARRAY_SIZE(front_commands); i++)
		if (!strcmp(rest.v[0], front_commands[i].name)) {
			err = front_commands[i].fn((int)rest.nr, rest.v);
			goto done;
		}
	if (!strcmp(rest.v[0], "help")) {
		const char *args[] = { "--help", NULL };

		for (size_t i = 0; i < QG_ARRAY_SIZE(front_commands); i++)
			if (!strcmp(rest.v[1], front_commands[i].name)) {
				const char *cargs[] = { front_commands[i].name, "--help", NULL };

				err = front_commands[i].fn(2, cargs);
				goto done;
			}
		err = exec_gate(rest.v[1], args, dir.buf);
	} else {
		err = exec_gate(rest.v[0], rest.v + 1, dir.buf);
	}
done:
	qg_buf_release(&text);
	qg_buf_release(&dir);
	qg_strvec_clear(&rest);
	return err;
}

int main(int argc, char **argv)
{
	return qg_main(argc, argv, cmd_qgate);
}
