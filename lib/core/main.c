/* main.c -- the shared main() of every qgate executable (git's common-main.c)
 *
 * Global setup happens once here so no gate can forget it: numbers are
 * parsed and printed in the "C" locale (a gate's verdict must not depend on
 * LC_NUMERIC turning "0.8" into a parse error), SIGPIPE is ignored so a
 * closed pipe is an EPIPE write error we can report, SIGXFSZ likewise so
 * `ulimit -f` is an EFBIG write error (exit 3), and temp report files
 * are removed if the process is interrupted. Afterwards stdout is flushed
 * and closed explicitly: a gate whose verdict never reached its reader did
 * not pass, so a write error there is exit 3.
 */
#include "qgate/common.h"

#include <locale.h>
#include <signal.h>

#include "qgate/file.h"
#include "qgate/gate.h"
#include "qgate/git.h"
#include "qgate/main.h"

static const char *prog_name(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return "qgate";
	slash = strrchr(argv0, '/');
	return slash ? slash + 1 : argv0;
}

static int run_main(int argc, char **argv, qg_cmd_fn cmd, const struct qg_gate *gate)
{
	const char *prog = prog_name(argc > 0 ? argv[0] : NULL);
	int ret;

	/* Never setlocale(LC_ALL, ""): strtod/printf must keep '.' decimals. */
	setlocale(LC_ALL, "C");
	signal(SIGPIPE, SIG_IGN);
	/* `ulimit -f`: a write past the limit fails with EFBIG (exit 3, temp
	 * file removed) instead of the signal killing the gate silently */
	signal(SIGXFSZ, SIG_IGN);
	qg_file_install_signal_cleanup();

	ret = gate ? qg_gate_dispatch(gate, argc, (const char **)argv) : cmd(argc, (const char **)argv);
	qg_git_prefetch_release(); /* a subject lookup a failed command never collected */

	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: error: cannot write to stdout: %s\n", prog, strerror(errno));
		ret = QG_EXIT_ERROR;
		fclose(stdout);
	} else if (fclose(stdout) == EOF) {
		fprintf(stderr, "%s: error: cannot close stdout: %s\n", prog, strerror(errno));
		ret = QG_EXIT_ERROR;
	}
	fflush(stderr);
	if (ret < QG_EXIT_PASS || ret > QG_EXIT_ERROR)
		ret = QG_EXIT_ERROR;
	return ret;
}

int qg_main(int argc, char **argv, qg_cmd_fn cmd)
{
	return run_main(argc, argv, cmd, NULL);
}

int qg_main_gate(int argc, char **argv, const struct qg_gate *gate)
{
	return run_main(argc, argv, NULL, gate);
}
