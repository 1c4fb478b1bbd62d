/* gate.h -- what every gate does the same way after it has a result
 *
 * qg_gate_finish() is the single exit path of a gate: it stops the clock,
 * fills the subject (git context), writes --junit/--json/--out reports
 * atomically, prints the chosen --format to stdout, and under
 * GITHUB_ACTIONS=true writes annotations, the step summary and $GITHUB_OUTPUT.
 * It returns the exit code from qg_result_exit_code(), or QG_EXIT_ERROR when a
 * report could not be written (a gate must never pass without its report).
 */
#ifndef QGATE_GATE_H
#define QGATE_GATE_H

#include "qgate/opts.h"

struct qg_result;
struct qg_buf;

/* Resolve --format (NULL means github under GITHUB_ACTIONS=true, else text). */
const char *qg_gate_format(const struct qg_common_opts *c);
/* Whether text output to stdout should be coloured (--color, NO_COLOR, isatty). */
int qg_gate_use_color(const struct qg_common_opts *c);

/* Extra `key=value` outputs for $GITHUB_OUTPUT, NULL-terminated pairs. */
int qg_gate_finish(const struct qg_common_opts *c, struct qg_result *r, const char *const *outputs);

/* Print "prog: error: message" to stderr (message from the last-error slot
 * when msg is NULL) and return the exit code for err. */
int qg_gate_die(const char *prog, int err, const char *msg);

/* The start every gate command shares: parse argv with ctx (config applied
 * first), then handle --help (usage on stdout) and --version. Returns 0 when
 * the command should go on, or 1 when it is finished, with *exit_out set:
 * 0 after --help/--version, 2 or 3 after a parse error (already printed as
 * "<ctx->prog>: error: ..."). The version line names the executable, the
 * first word of ctx->prog. */
int qg_gate_start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		  int argc, const char **argv, struct qg_strvec *rest);

/* Print "qgate-<gate> X.Y.Z" and the versions of the libraries it uses. */
int qg_version_print(const char *prog);

#endif
