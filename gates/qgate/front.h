/* front.h -- the front's own commands (run, hook, merge, report) and what they share
 *
 * main.c dispatches `qgate run|hook|merge|report ...` to the functions below before it
 * looks for a gate executable; each parses its own options (lib/core/opts.c) and returns
 * the contract's exit code (0, 1, 2, 3), printing its one error line itself
 * ("qgate: error: ..."). The pieces, each in its own files:
 *
 *   pipeline.c       the "pipeline" section of qgate.json: stages, steps, needs (a DAG),
 *                    paths globs; every error exit 2 naming the JSON pointer
 *   run.c            qgate run: steps in dependency order, -j N at a time, each in its own
 *                    process group; skips with reasons; the qgate.run/v1 summary, one
 *                    JUnit file, the step summary, live lines on a terminal
 *   hook.c           qgate hook install|uninstall|status, and the hook's own entry point
 *   results.c        reading qgate.result/v1 (and qgate.run/v1) files: one loader for merge
 *                    and report, fail closed (not JSON / future schema: exit 3 naming it)
 *   merge.c          qgate merge: shards of one gate command into one result
 *   report.c         qgate report: one self-contained HTML page (+ report_html.c,
 *                    report_svg.c) and Markdown
 */
#ifndef QGATE_FRONT_H
#define QGATE_FRONT_H

#include <stddef.h>
#include "qgate/common.h"

struct qg_json;

int front_cmd_run(int argc, const char **argv);    /* run.c */
int front_cmd_hook(int argc, const char **argv);   /* hook.c */
int front_cmd_merge(int argc, const char **argv);  /* merge.c */
int front_cmd_report(int argc, const char **argv); /* report.c */

/* ------------------------------------------------------------------ results (results.c) */

/* One result file read back: the parsed document plus the members every reader needs. */
struct front_result {
	char *path;                  /* as found (relative to the folder given) */
	struct qg_json *doc;         /* the whole document (owned) */
	const char *schema;          /* "qgate.result/v1" or "qgate.run/v1" (borrowed from doc) */
	const char *gate, *command;  /* NULL for a run summary */
	const char *status;          /* "pass", "fail", "error" */
	int exit_code;
	const char *shard;           /* "I/N" as the result records it, or NULL */
};

/* An audit log (qgate-deploy's qgate.audit/v1 JSON lines, *.jsonl) found among the results. */
#define FRONT_AUDIT_TAIL 20
struct front_audit_log {
	char *path;                  /* as found (relative to the folder given) */
	size_t entries;              /* its lines */
	struct qg_json *tail;        /* array: its last FRONT_AUDIT_TAIL entries, oldest first (owned) */
};

struct front_results {
	struct front_result *v;
	size_t nr, alloc;
	struct front_audit_log *logs; /* audit logs, in the same walk order (report) */
	size_t logs_nr, logs_alloc;
};

/* Read every *.json under dir (recursively, in a stable order) that is a qgate document
 * (members "schema" starting "qgate."); other JSON files are skipped, a qgate document that
 * does not parse or names a future version (qgate.result/v2) is QG_EINPUT naming it.
 * *.jsonl files whose first line is a qgate.audit/v1 entry join set->logs (a later
 * qgate.audit version is refused the same way; other JSON lines are skipped). */
int front_results_load_dir(struct front_results *set, const char *dir);
/* Read one file (same rules). */
int front_results_load_file(struct front_results *set, const char *path);
void front_results_release(struct front_results *set);

#endif
