/* report.h -- serialising results: result JSON, JUnit XML, text, GitHub Actions
 *
 * Invariants: every writer appends to a struct qg_buf and is deterministic for
 * a given result (the clock only enters through started_at/duration_ms).
 * Writers never drop text silently: XML-illegal characters are replaced by
 * U+FFFD, invalid UTF-8 likewise, and annotations are escaped as GitHub
 * requires.
 */
#ifndef QGATE_REPORT_H
#define QGATE_REPORT_H

#include <stddef.h>

struct qg_buf;
struct qg_result;
struct qg_check;

/* qgate.result/v1 (docs/interface.md, "The result JSON"), pretty-printed, ending in "\n". */
int qg_result_to_json(struct qg_buf *out, const struct qg_result *r);
/* Parse a result JSON back (for merge and report). QG_EPARSE names `name`. */
int qg_result_from_json(struct qg_result *out, const char *text, size_t len, const char *name);

/* JUnit XML: <testsuites> with one <testsuite> per result (docs/interface.md, "JUnit XML"),
 * valid against junit-ant.xsd and junit-jenkins-10.xsd. */
int qg_junit_write(struct qg_buf *out, const struct qg_result *const *results, size_t nr);
/* Append s escaped for XML text or attribute values (quotes escaped too). */
int qg_xml_escape(struct qg_buf *out, const char *s, size_t len);

enum qg_text_flags {
	QG_TEXT_COLOR = 1 << 0,
	QG_TEXT_QUIET = 1 << 1,   /* only the verdict line and failures */
	QG_TEXT_VERBOSE = 1 << 2, /* passed checks and every location too */
	/* The run's gate-level error was printed on stderr (qg_gate_finish):
	 * the verdict line says ERROR without repeating the message. */
	QG_TEXT_ERROR_SHOWN = 1 << 3,
};
/* Human output: one aligned line per check, the verdict last. */
int qg_text_render(struct qg_buf *out, const struct qg_result *r, unsigned flags);
/* Where the human reports list a check (text and step summary): 0 failed,
 * 1 errored (or an unknown status), 2 the rest (passed, warned, skipped). */
int qg_report_check_rank(const struct qg_check *c);

/* GitHub Actions (docs/interface.md, "GitHub Actions"). */
/* Workflow commands (::error/::warning/::notice) for failed, errored and
 * warning checks: at most 10 per kind, then one "N more" ::notice line. */
int qg_github_annotations(struct qg_buf *out, const struct qg_result *r);
/* The Markdown step summary for one run, truncated to stay under 1 MiB. */
int qg_github_summary(struct qg_buf *out, const struct qg_result *r);
/* A `key=value` line for $GITHUB_OUTPUT; multi-line values use a random
 * heredoc delimiter that does not occur in the value. The value is
 * redacted (redact.h). */
int qg_github_output_line(struct qg_buf *out, const char *key, const char *value);
/* Escaping for workflow command data (%, CR, LF) and properties (also : ,). */
int qg_github_escape_data(struct qg_buf *out, const char *s);
int qg_github_escape_property(struct qg_buf *out, const char *s);
/* Append data to a file named by an environment variable (GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY); 0 and nothing written when the variable is unset. */
int qg_github_append_env_file(const char *env_name, const char *data, size_t len);

/* qg_redact() (secrets out of messages) lives in redact.h; every writer
 * here uses it. */
#include "qgate/redact.h"

#endif
