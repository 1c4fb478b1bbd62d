/* main.h -- the shared main() of every qgate executable (git's common-main.c)
 *
 * qg_main() sets the locale to "C" for numbers, ignores SIGPIPE (writes fail
 * with EPIPE instead), installs the temp-file cleanup handlers, runs cmd,
 * checks that stdout was flushed and closed cleanly, and clamps the result to
 * the contract's 0..3 (anything else becomes 3).
 */
#ifndef QGATE_MAIN_H
#define QGATE_MAIN_H

struct qg_gate;

typedef int (*qg_cmd_fn)(int argc, const char **argv);
int qg_main(int argc, char **argv, qg_cmd_fn cmd);
/* The same for a gate with subcommands: runs qg_gate_dispatch(gate, ...),
 * so a gate's main() is one line. */
int qg_main_gate(int argc, char **argv, const struct qg_gate *gate);

#endif
