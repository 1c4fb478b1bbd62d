/* main.c -- the front `qgate`: `qgate <gate> ARGS...` runs `qgate-<gate>`
 *
 * Like git's execv_dashed_external(): the gate is looked up next to this
 * executable first (dirname of /proc/self/exe, so an installed set stays
 * together whatever PATH says), then on PATH, and exec'ed in place of this
 * process, so its exit status, signals and stdio are the caller's directly.
 * Gate names are [a-z]+ only: no '/', no '..', nothing a path could hide in.
 * An unknown or missing gate is a usage error (exit 2) that lists the gates
 * that can be found.
 */
#include "qgate/common.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qgate/gate.h"
#include "qgate/main.h"
#include "qgate/opts.h"

#define GATE_NAME_MAX 64

static const char *const usage[] = {
	"qgate <gate> [ARGS...]",
	"qgate help <gate>",
	"qgate --help | --version",
	NULL,
};

static const char description[] =
	"Run the quality gate qgate-<gate> with ARGS, looked up next to qgate first,\n"
	"then on PATH. The gate's exit status is qgate's: 0 pass, 1 a check failed,\n"
	"2 usage or configuration error, 3 could not evaluate. 'qgate help <gate>'\n"
	"shows the gate's own --help.";

static int valid_gate_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] < 'a' || s[n] > 'z')
			return 0;
	return n > 0 && n < GATE_NAME_MAX;
}

/* The folder holding this executable, "" when unknown. */
static void self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	else
		buf[0] = '\0';
}

static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Find qgate-<gate>: next to us, then on PATH. 0 with the path in out. */
static int find_gate(struct qg_buf *out, const char *gate)
{
	char dir[4096];
	const char *path = getenv("PATH"), *p;

	self_dir(dir, sizeof(dir));
	if (*dir) {
		qg_buf_reset(out);
		if (qg_buf_addf(out, "%s/qgate-%s", dir, gate) == 0 && is_executable(out->buf))
			return 0;
	}
	for (p = path ? path : ""; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);

		qg_buf_reset(out);
		/* an empty PATH element means the current folder */
		if (qg_buf_addf(out, "%.*s/qgate-%s", (int)(n ? n : 1), n ? p : ".", gate) == 0 &&
		    is_executable(out->buf))
			return 0;
		p = colon ? colon + 1 : NULL;
	}
	qg_buf_reset(out);
	return QG_ENOTFOUND;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void collect_dir(struct qg_strvec *names, const char *dir)
{
	DIR *d = opendir(*dir ? dir : ".");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct qg_buf full = QG_BUF_INIT;
		const char *g = e->d_name + 6;
		int dup = 0;

		if (strncmp(e->d_name, "qgate-", 6) || !valid_gate_name(g))
			continue;
		for (size_t i = 0; i < names->nr; i++)
			dup |= !strcmp(names->v[i], g);
		if (!dup && qg_buf_addf(&full, "%s/%s", *dir ? dir : ".", e->d_name) == 0 &&
		    is_executable(full.buf))
			qg_strvec_push(names, g);
		qg_buf_release(&full);
	}
	closedir(d);
}

/* Sorted, unique gate names found next to us and on PATH. */
static void list_gates(struct qg_strvec *names)
{
	char dir[4096];
	const char *path = getenv("PATH"), *p;

	self_dir(dir, sizeof(dir));
	if (*dir)
		collect_dir(names, dir);
	for (p = path ? path : ""; p && *p;) {
		const char *colon = strchr(p, ':');
		char *one = qg_strndup(p, colon ? (size_t)(colon - p) : strlen(p));

		if (one)
			collect_dir(names, one);
		free(one);
		p = colon ? colon + 1 : NULL;
	}
	if (names->nr > 1)
		qsort(names->v, names->nr, sizeof(*names->v), cmp_str);
}

static int not_a_gate(const char *name, const char *why)
{
	struct qg_strvec names = QG_STRVEC_INIT;

	list_gates(&names);
	if (name)
		fprintf(stderr, "qgate: error: '%s' %s\n", name, why);
	else
		fprintf(stderr, "qgate: error: %s\n", why);
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
static int exec_gate(const char *gate, int argc, const char **argv)
{
	struct qg_buf path = QG_BUF_INIT;
	struct qg_strvec args = QG_STRVEC_INIT;
	int err;

	if (!valid_gate_name(gate))
		return not_a_gate(gate, "is not a gate name (lowercase letters only)");
	if (find_gate(&path, gate) < 0) {
		qg_buf_release(&path);
		return not_a_gate(gate, "is not a qgate command");
	}
	if (qg_strvec_pushf(&args, "qgate-%s", gate) < 0 || qg_strvec_pushv(&args, argv) < 0) {
		err = qg_gate_die("qgate", QG_ENOMEM, NULL);
		goto done;
	}
	(void)argc;
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
		qg_strvec_clear(&rest);
		return qg_gate_die("qgate", err, NULL);
	}
	if (help) {
		struct qg_buf b = QG_BUF_INIT;

		err = qg_opts_help(&b, &ctx);
		if (!err)
			fputs(b.buf, stdout);
		qg_buf_release(&b);
		qg_strvec_clear(&rest);
		return err ? QG_EXIT_ERROR : QG_EXIT_PASS;
	}
	if (version) {
		qg_strvec_clear(&rest);
		return qg_version_print("qgate");
	}
	if (!rest.nr) {
		qg_strvec_clear(&rest);
		return not_a_gate(NULL, "no gate named: usage: qgate <gate> [ARGS...]");
	}
	if (!strcmp(rest.v[0], "help")) {
		const char *args[] = { "--help", NULL };

		if (rest.nr < 2) {
			struct qg_buf b = QG_BUF_INIT;

			if (!qg_opts_help(&b, &ctx))
				fputs(b.buf, stdout);
			qg_buf_release(&b);
			qg_strvec_clear(&rest);
			return QG_EXIT_PASS;
		}
		err = exec_gate(rest.v[1], 2, args);
	} else {
		err = exec_gate(rest.v[0], (int)rest.nr - 1, rest.v + 1);
	}
	qg_strvec_clear(&rest);
	return err;
}

int main(int argc, char **argv)
{
	return qg_main(argc, argv, cmd_qgate);
}
