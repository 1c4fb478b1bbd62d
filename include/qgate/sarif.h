/* sarif.h -- a streaming SARIF 2.1.0 writer that GitHub code scanning accepts
 *
 * Knows no gate: a caller opens a log, begins a run per tool, declares the
 * run's rules, then streams its results; the writer turns each result into
 * JSON as it comes and writes it to an atomic temp file (qgate/file.h), so
 * memory stays flat however many results there are. Nothing is visible at
 * the target path before qg_sarif_commit() renames the finished file.
 *
 * Invariants of the file written:
 * - "$schema" is the final OASIS 2.1.0 schema URL, "version" "2.1.0"; every
 *   run has tool.driver {name, version, informationUri, rules[]}, "results"
 *   (even empty), automationDetails.id, columnKind, invocations
 *   [{executionSuccessful}] and, when a source root is given,
 *   originalUriBaseIds {"%SRCROOT%": {"uri": "file:///.../"}}.
 * - every rule has shortDescription, fullDescription and help.text (GitHub's
 *   ingestion rules GH2012 require all three; missing ones are derived from
 *   what is given) and defaultConfiguration.level;
 * - every result has ruleId (+ ruleIndex when the rule was declared),
 *   level, message.text and one physicalLocation whose region has a
 *   startLine (GH1003: a finding without a line, such as a whole-file one,
 *   gets startLine 1). A relative path is written as a percent-encoded URI
 *   reference with uriBaseId "%SRCROOT%", an absolute one as a file:// URI;
 *   bytes that RFC 3986 does not allow (spaces, '%', '#', non-ASCII, invalid
 *   UTF-8) are percent-encoded, so every URI is valid whatever the path.
 * - columns: the run declares columnKind "utf16CodeUnits" (SARIF's default
 *   and what GitHub reads); the writer writes the columns it is given,
 *   and qg_sarif_utf16_column() converts a 1-based byte column of a line to
 *   that unit for callers that have the line's text. On ASCII lines the two
 *   are the same number.
 * - text (messages, descriptions, names) goes through qg_redact() and is
 *   escaped as JSON; invalid UTF-8 becomes U+FFFD and control characters
 *   \uXXXX (qg_json_quote); a message longer than QG_SARIF_MAX_MESSAGE
 *   bytes is cut at a character boundary and says how much was cut.
 *
 * GitHub's limits (docs.github.com, "SARIF support for code scanning"),
 * enforced as the results come, never by failing the run:
 * - at most 25,000 results a run: later results of that run are dropped and
 *   counted; the run then carries properties "qgate/resultsDropped" and a
 *   warning toolExecutionNotification saying how many and why;
 * - at most 10 MB for the gzip-compressed file: the writer compresses what
 *   it writes with zlib as it goes (sync-flushed every 16 KiB so the size is
 *   known), and before each result checks that the compressed size so far,
 *   plus a bound of what is pending and of this result, plus a reserve for
 *   the closing of the file, stays under the cap; the first result that
 *   would not fit and every later one (of any run) are dropped and counted
 *   the same way ("drop from the end"). qg_sarif_commit() refuses
 *   (QG_ETOOBIG, nothing written) a file that is over the cap even so
 *   (rules alone too large);
 * - at most 20 runs a file: qg_sarif_run_begin() refuses a 21st run
 *   (QG_EUSAGE): the caller merges tools beyond that into one run;
 * - at most 25,000 rules a run: later rules are not written (counted in
 *   "qgate/rulesDropped"), results naming them keep their ruleId without a
 *   ruleIndex.
 * Suppressed results (baseline, in-source) count towards the 25,000 as
 * GitHub counts them.
 */
#ifndef QGATE_SARIF_H
#define QGATE_SARIF_H

#include <stddef.h>

struct qg_buf;
struct qg_sarif;

#define QG_SARIF_SCHEMA_URI "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
#define QG_SARIF_MAX_RESULTS 25000
#define QG_SARIF_MAX_RULES 25000
#define QG_SARIF_MAX_RUNS 20
#define QG_SARIF_MAX_GZIP 10000000ull /* 10 MB, decimal: the safe reading of GitHub's "10 MB" */
#define QG_SARIF_MAX_MESSAGE ((size_t)32 << 10)

enum qg_sarif_level { QG_SARIF_NONE = 0, QG_SARIF_NOTE, QG_SARIF_WARNING, QG_SARIF_ERROR };
const char *qg_sarif_level_name(enum qg_sarif_level l); /* "none", "note", "warning", "error" */

/* Limits (0 = GitHub's) and the source root. */
struct qg_sarif_opts {
	size_t max_results;               /* per run; 0 = QG_SARIF_MAX_RESULTS */
	size_t max_rules;                 /* per run; 0 = QG_SARIF_MAX_RULES */
	size_t max_runs;                  /* per file; 0 = QG_SARIF_MAX_RUNS */
	unsigned long long max_gzip;      /* bytes of the gzipped file; 0 = QG_SARIF_MAX_GZIP */
	size_t gzip_reserve;              /* bytes kept for the closing; 0 = 16 KiB (tests use less) */
	const char *srcroot;              /* absolute folder relative paths are in (NULL: no originalUriBaseIds) */
};

struct qg_sarif_tool {
	const char *name;                 /* required */
	const char *version;              /* may be NULL */
	const char *info_uri;             /* absolute URI, may be NULL */
	const char *automation_id;        /* "category/" or "category/run-id"; NULL = "<name>/" */
};

struct qg_sarif_rule {
	const char *id;                   /* required */
	const char *short_description;   /* NULL: "<id>" */
	const char *full_description;    /* NULL: the short description */
	const char *help_text;            /* NULL: the full description (+ " See <help_uri>.") */
	const char *help_uri;             /* absolute URI, may be NULL */
	enum qg_sarif_level default_level;
};

enum qg_sarif_suppression {
	QG_SARIF_SUPP_NONE = 0,
	QG_SARIF_SUPP_EXTERNAL,           /* kind "external", status "accepted" (a baseline) */
	QG_SARIF_SUPP_IN_SOURCE,          /* kind "inSource", status "accepted" */
};

struct qg_sarif_result {
	const char *rule_id;              /* required */
	enum qg_sarif_level level;
	const char *message;              /* required ("" becomes the rule id) */
	const char *path;                 /* file path: relative to srcroot, or absolute; NULL = "." */
	long long start_line;             /* 1-based; <= 0: 1 */
	long long start_column;           /* 1-based in columnKind units; <= 0: not written */
	long long end_line;               /* <= 0 or < start: start_line */
	long long end_column;             /* <= 0: not written (also when it would precede start) */
	const char *fingerprint_key;      /* partialFingerprints key, e.g. "qgateFingerprint/v1" */
	const char *fingerprint;          /* NULL/"": no partialFingerprints */
	enum qg_sarif_suppression suppression;
	const char *justification;        /* the suppression's justification, may be NULL */
};

/* What a finished log holds (filled by qg_sarif_commit). */
struct qg_sarif_stats {
	size_t runs;
	size_t results;                   /* written */
	size_t dropped_limit;             /* dropped past max_results in their run */
	size_t dropped_size;              /* dropped to stay under max_gzip */
	size_t rules_dropped;
	unsigned long long bytes;         /* of the file */
	unsigned long long gzip_bytes;    /* of the file gzipped (zlib level 6, sync-flushed) */
};

/* Open the temp file beside path ("-" streams to stdout, not atomic). */
int qg_sarif_open(struct qg_sarif **out, const char *path, const struct qg_sarif_opts *opts);
/* Begin a run (the previous one is ended with executionSuccessful true if
 * the caller did not end it). QG_EUSAGE past max_runs. */
int qg_sarif_run_begin(struct qg_sarif *s, const struct qg_sarif_tool *tool);
/* Declare a rule of the current run; only before its first result
 * (QG_EUSAGE after). A repeated id is ignored. Returns the rule's index
 * (>= 0), or -1 when it was dropped past max_rules, or QG_E*. */
int qg_sarif_rule(struct qg_sarif *s, const struct qg_sarif_rule *rule);
/* Add a result to the current run: 1 written, 0 dropped (counted), <0 QG_E*. */
int qg_sarif_result(struct qg_sarif *s, const struct qg_sarif_result *res);
/* End the current run: its invocation, notifications and drop counts.
 * error_note (may be NULL) adds an error notification (a tool that failed). */
int qg_sarif_run_end(struct qg_sarif *s, int execution_successful, const char *error_note);
/* Close the log, fsync and rename it into place; frees s whatever happens.
 * stats may be NULL. */
int qg_sarif_commit(struct qg_sarif *s, struct qg_sarif_stats *stats);
/* Drop the temp file and free (NULL-safe). */
void qg_sarif_abort(struct qg_sarif *s);

/* Append path as a URI reference: unreserved characters and "/@!$&'()*+,;="
 * kept, every other byte %XX. */
int qg_sarif_uri_append(struct qg_buf *out, const char *path);
/* The 1-based UTF-16 column of the 1-based byte column byte_col in
 * line[0..len) (invalid bytes count as one unit each, as U+FFFD would). */
long long qg_sarif_utf16_column(const char *line, size_t len, long long byte_col);

#endif
