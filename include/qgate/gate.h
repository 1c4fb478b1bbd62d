/* gate.h -- the skeleton every gate command shares
 *
 * A gate is a struct qg_gate (its name and its table of subcommands,
 * QG_OPT_SUBCOMMAND_ entries in an option table) dispatched by
 * qg_gate_dispatch(); each command is a struct qg_gate_cmd run by
 * qg_gate_run(): start (parse argv with qgate.json applied first, --help,
 * --version) -> result -> run -> error -> finish. A gate writes only its
 * options and its run function.
 *
 * qg_gate_finish() is the single exit path of a gate: it stops the clock,
 * fills the subject (git context), writes --junit/--json/--out reports
 * atomically, prints the chosen --format to stdout, and under
 * GITHUB_ACTIONS=true writes annotations, the step summary and $GITHUB_OUTPUT.
 * It returns the exit code from qg_result_exit_code(), or QG_EXIT_ERROR when a
 * report could not be written (a gate must never pass without its report).
 * Every output tells the same truth: all temp files are written (and the
 * GitHub files opened) before any report is renamed into place, so a report
 * that cannot be written leaves none; a later failure rewrites the reports
 * already placed with status error. $GITHUB_OUTPUT and stdout then say
 * error / exit code 3 too. qg_gate_run() refuses (exit 2, before the run)
 * two report flags naming one file (--json X --junit ./X, --out DIR with
 * --json DIR/<gate>-<command>.json). Every message on stderr is one line:
 * control characters are escaped (\n, \xHH; %0A in workflow commands), so
 * user data never starts a line the GitHub runner would obey.
 *
 * Error policy, the same for every gate and format: a fatal error (the
 * gate could not evaluate) is printed exactly once, on stderr, and the
 * result JSON carries it (status "error", "error": {exit_code, message}).
 * stdout never repeats it: the text verdict says ERROR alone, --format json
 * is the JSON, and --format github puts the ::error annotation on stderr as
 * that one line (the runner reads workflow commands on both streams).
 */
#ifndef QGATE_GATE_H
#define QGATE_GATE_H

#include "qgate/opts.h"

struct qg_result;
struct qg_buf;
struct qg_strvec;

/* A gate: what qg_gate_dispatch() needs, and what each of its commands is
 * handed (so a subcommand knows its gate's table for qgate.json checking). */
struct qg_gate {
	const char *name;                 /* "data": qgate-data, the result's "gate", the qgate.json member */
	const char *const *usage;         /* top-level usage lines for --help; may be NULL */
	const char *description;          /* top-level --help paragraph; may be NULL */
	const struct qg_option *commands; /* QG_OPT_SUBCOMMAND_ entries (groups allowed), ended by
					   * QG_OPT_END_(); NULL for a gate without subcommands */
};

/* The top level of a gate with subcommands (the body of its main()):
 * `--help`, `-h` or `help` print the usage and the commands on stdout (exit
 * 0); `--version` the versions; no command prints the usage on stderr and
 * exits 2, an unknown one exits 2 with "did you mean"; otherwise the
 * subcommand runs with argv from its own name on and its exit code is
 * returned. */
int qg_gate_dispatch(const struct qg_gate *g, int argc, const char **argv);

enum qg_gate_flags {
	/* The command prints its own output (infer's schema, metrics' JSON):
	 * no result and no reports; run() gets r == NULL and outputs == NULL
	 * and an error ends in one "qgate-<gate>: error: ..." line. run() may
	 * also return QG_EXIT_FAIL (1) after qg_error(): a check failed; the
	 * recorded message is printed the same way and the exit code is 1. */
	QG_GATE_NO_RESULT = 1 << 0,
};

/* A command's work once its options are parsed: fill r (checks, metrics,
 * artifacts, Markdown) and append `key`, `value` pairs to outputs for
 * $GITHUB_OUTPUT. Returns 0, or a negative QG_E* after qg_error() when the
 * run could not be evaluated: qg_gate_run() then records the error in r
 * (exit 2 for QG_EUSAGE, else 3) and still finishes, so the reports say so. */
typedef int (*qg_gate_run_fn)(void *data, struct qg_result *r, struct qg_strvec *outputs);

struct qg_gate_cmd {
	const struct qg_gate *gate;      /* required */
	const char *name;                /* "validate"; NULL for a gate without subcommands */
	const char *const *usage;        /* usage lines for --help */
	const char *description;         /* --help paragraph; may be NULL */
	const struct qg_option *options; /* must hold QG_OPTS_COMMON(common) */
	unsigned opts_flags;             /* enum qg_opts_flags */
	unsigned flags;                  /* enum qg_gate_flags */
	struct qg_common_opts *common;   /* where QG_OPTS_COMMON stores */
	struct qg_strvec *args;          /* positional arguments (and qgate.json "args") */
	qg_gate_run_fn run;
	void *data;                      /* handed to run(): the command's options */
	/* where QG_OPTS_FETCH stores (a command that reads inputs), or NULL:
	 * applied to every HTTP transfer (qg_http_set_fetch) before run() */
	const struct qg_fetch_opts *fetch;
};

/* Run one command: parse argv (argv[0] is the command's name) as
 * "qgate-<gate> <name>" with config section "<gate>.<name>", handle
 * --help/--version, then init a result (gate, command, version), call run,
 * record its error, and qg_gate_finish() with its outputs. Returns the exit
 * code. The caller owns and releases cmd->data, cmd->args. */
int qg_gate_run(const struct qg_gate_cmd *cmd, int argc, const char **argv);

/* Resolve --format (NULL means github under GITHUB_ACTIONS=true, else text). */
const char *qg_gate_format(const struct qg_common_opts *c);
/* Whether text output to stdout should be coloured (--color, NO_COLOR, isatty). */
int qg_gate_use_color(const struct qg_common_opts *c);

/* Extra `key=value` outputs for $GITHUB_OUTPUT, NULL-terminated pairs. */
int qg_gate_finish(const struct qg_common_opts *c, struct qg_result *r, const char *const *outputs);

/* Print "prog: error: message" (redacted) to stderr, the message from the
 * last-error slot when msg is NULL, and return exit_code: QG_EXIT_USAGE or
 * QG_EXIT_ERROR. It takes exit codes only (map a QG_E* code with
 * qg_exit_for_error()); anything else, a negative QG_E* code included, is
 * QG_EXIT_ERROR: dying is never a pass. */
int qg_gate_die(const char *prog, int exit_code, const char *msg);

/* Print "prog: message" on one line of stderr: a note or warning that
 * names inputs (infer's sniffed dialect). The message is redacted
 * (redact.h) and its control characters escaped, as the error line is, so
 * no URL secret and no workflow command can reach stderr through it. */
void qg_gate_note(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The start every gate command shares: parse argv with ctx (config applied
 * first), then handle --help (usage on stdout) and --version. Returns 0 when
 * the command should go on, or 1 when it is finished, with *exit_out set:
 * 0 after --help/--version, 2 or 3 after a parse error (already printed as
 * "<ctx->prog>: error: ..."). The version line names the executable, the
 * first word of ctx->prog. */
int qg_gate_start(int *exit_out, const struct qg_opts_ctx *ctx, const struct qg_common_opts *c,
		  int argc, const char **argv, struct qg_strvec *rest);

/* Record the run's "invocation" in r (lib/core/gate_invocation.c):
 * {"shard": the --shard value or null, "fingerprint": "sha256:<hex>" of the
 * gate, command, argv[1..] and the --config section's arguments, without
 * --shard/--out/--json/--junit/--format/--color/-q/-v}. qg_gate_run() calls
 * it; `qgate merge` refuses shards whose fingerprints differ. 0 or QG_E*. */
int qg_gate_invocation(struct qg_result *r, const struct qg_opts_ctx *ctx, const char *config, int argc,
		       const char **argv);

/* Print "qgate-<gate> X.Y.Z" and the versions of the libraries it uses. */
int qg_version_print(const char *prog);

#endif
