/* result.h -- the result model shared by every gate
 *
 * A gate run (struct qg_result) holds checks, metrics, the subject (git
 * context and input artifacts) and, when the gate could not evaluate at all,
 * a gate-level error. Invariants:
 * - the run's status and exit code are derived in exactly one place,
 *   qg_result_status()/qg_result_exit_code(), and fail closed: a gate-level
 *   error is 2 or 3, any check error is 3, any failed check is 1, and a run in
 *   which no check passed or failed (none at all, or all skipped) is 3;
 * - checks are stored as pointers, so a struct qg_check * stays valid while
 *   more checks are added;
 * - a check keeps at most QG_LOCATIONS_MAX locations (the first ones); `count`
 *   is the total, kept separately by the gate.
 */
#ifndef QGATE_RESULT_H
#define QGATE_RESULT_H

#include <stddef.h>

#include "qgate/file.h"

struct qg_json;

#define QG_LOCATIONS_MAX 10

enum qg_status {
	QG_STATUS_PASS = 0,
	QG_STATUS_FAIL,
	QG_STATUS_ERROR,
	QG_STATUS_SKIP,
};
/* "pass", "fail", "error", "skip". */
const char *qg_status_name(enum qg_status s);

enum qg_value_kind { QG_VALUE_NONE = 0, QG_VALUE_NUMBER, QG_VALUE_STRING, QG_VALUE_BOOL };
struct qg_value {
	enum qg_value_kind kind;
	double number;
	char *string; /* owned, QG_VALUE_STRING only */
	int boolean;
};

struct qg_location {
	char *file;    /* owned; NULL when unknown */
	long long line;   /* 1-based; 0 when unknown */
	long long column; /* 1-based; 0 when unknown */
	char *message; /* owned; NULL to use the check's message */
};

enum qg_check_flags {
	QG_CHECK_WARNING = 1 << 0, /* passed, but annotate as ::warning (e.g. drift above the warn level) */
	QG_CHECK_HAS_COUNT = 1 << 1,
};

struct qg_check {
	char *id;
	enum qg_status status;
	char *message;
	unsigned flags;
	long long count;
	struct qg_value observed;
	struct qg_value expected;
	struct qg_location locations[QG_LOCATIONS_MAX];
	size_t nr_locations;
	struct qg_json *details; /* owned object merged into the check's JSON; may be NULL */
	/* owned, may be NULL: a string member too long to hold (qgate-test's
	 * "cases"), written after the details' members under spool_key by
	 * qg_result_write_json() and qg_junit_write_sink() (qg_set_spool());
	 * report.h's in-memory qg_result_to_json() does not read it */
	struct qg_spool *spool;
	char *spool_key;
};

struct qg_artifact {
	char *path;
	char sha256[65]; /* hex, "" when not hashed (stdin, URLs) */
	long long bytes; /* -1 when unknown */
	/* a local file as it was hashed; qg_result_check_artifacts() fails the
	 * run when it changed afterwards (not set when path was redacted) */
	struct qg_file_stamp stamp;
};

struct qg_subject {
	int in_repo;      /* 0: commit/ref/dirty are null in the JSON */
	char commit[41];
	char *ref;        /* NULL on a detached HEAD */
	int dirty;
	struct qg_artifact *artifacts;
	size_t nr_artifacts;
	size_t alloc_artifacts;
};

struct qg_summary {
	size_t checks, passed, failed, errors, skipped, warnings;
};

struct qg_result {
	char *gate;       /* "data", "model", ... */
	char *command;    /* "validate", "check", ...; NULL for a gate without subcommands
			   * (and in results written before "command" existed) */
	char *version;
	long long started_at_ms; /* wall clock, ms since the epoch */
	long long duration_ms;
	long long started_mono_ns; /* for the duration */
	struct qg_subject subject;
	struct qg_check **checks;
	size_t nr_checks;
	size_t alloc_checks;
	struct qg_json *metrics; /* owned object, never NULL after init */
	int error_exit;      /* 0, or QG_EXIT_USAGE/QG_EXIT_ERROR for a gate-level error */
	char *error_message; /* owned */
	char *report_md;     /* owned Markdown block shown in text output and the step summary */
	size_t report_md_len, report_md_alloc; /* appended in place: amortised growth */
	/* owned object or NULL: the JSON's "invocation" ({"shard": "I/N" or null,
	 * "fingerprint": "sha256:<hex>"}), set by qg_gate_run(); `qgate merge`
	 * refuses shards whose fingerprints differ */
	struct qg_json *invocation;
};

/* Start a run now. 0 or QG_ENOMEM. */
int qg_result_init(struct qg_result *r, const char *gate, const char *version);
/* Free everything. Accepts NULL. */
void qg_result_release(struct qg_result *r);
/* Name the subcommand that ran ("validate"): the result JSON's "command" and
 * the --out file names (data-validate.json). NULL clears it. 0 or QG_ENOMEM. */
int qg_result_set_command(struct qg_result *r, const char *command);

/* Add a check; the returned pointer stays valid until qg_result_release().
 * NULL on ENOMEM (error recorded). fmt may be NULL for no message. */
struct qg_check *qg_result_add_check(struct qg_result *r, const char *id, enum qg_status status,
				     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct qg_check *qg_result_find_check(const struct qg_result *r, const char *id);

int qg_check_set_message(struct qg_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qg_check_set_count(struct qg_check *c, long long count);
void qg_check_observed_number(struct qg_check *c, double v);
int qg_check_observed_string(struct qg_check *c, const char *s);
void qg_check_expected_number(struct qg_check *c, double v);
int qg_check_expected_string(struct qg_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keep the location if fewer than QG_LOCATIONS_MAX are kept; returns 1 when
 * kept, 0 when dropped (the caller still counts it), QG_ENOMEM. */
int qg_check_add_location(struct qg_check *c, const char *file, long long line, long long column,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The details object, created on first use. NULL on ENOMEM. */
struct qg_json *qg_check_details(struct qg_check *c);
/* 1 when key is one of a check's own members in the result JSON (id,
 * status, message, count, observed, expected, locations): a details member
 * by that name is not written, and not read back as a detail. */
int qg_check_key_reserved(const char *key);

/* Record that the gate could not evaluate (exit_code QG_EXIT_USAGE or
 * QG_EXIT_ERROR; anything else becomes QG_EXIT_ERROR). The first call wins. */
void qg_result_set_error(struct qg_result *r, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add an input artifact; hashes local regular files (sha256, bytes). The
 * path is stored redacted (redact.h: a URL's userinfo and secret query
 * values replaced), as are location files. */
int qg_result_add_artifact(struct qg_result *r, const char *path);
/* Every local artifact still the file that was hashed: 0, or QG_EIO
 * "'path': changed while being read" for the first that was replaced or
 * rewritten since (its digest would name bytes the gate did not judge).
 * qg_gate_run() calls it after the command ran. */
int qg_result_check_artifacts(const struct qg_result *r);
/* Redact, in place, every artifact path and location file (for entries a
 * gate added without the functions above); qg_gate_finish() calls it
 * before writing anything. 0 or QG_ENOMEM. */
int qg_result_redact(struct qg_result *r);
/* Append Markdown to the gate's report block. */
int qg_result_add_markdown(struct qg_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop the clock (sets duration_ms). */
void qg_result_finish(struct qg_result *r);

void qg_result_summary(const struct qg_result *r, struct qg_summary *out);
/* Why the run is an error when it is one (the gate-level message, the first
 * errored check's, or "no check was evaluated"); NULL when it is not. */
const char *qg_result_error_reason(const struct qg_result *r);
enum qg_status qg_result_status(const struct qg_result *r);
int qg_result_exit_code(const struct qg_result *r);

struct qg_buf;
/* Append a value as text: numbers in shortest round-trip form (integers
 * plainly), strings as they are, booleans as true/false, NONE as "". */
int qg_value_format(struct qg_buf *out, const struct qg_value *v);
/* Append "file:line:col: message" for a location (parts that are unknown are
 * left out; the check's message when the location has none). Not redacted. */
int qg_location_format(struct qg_buf *out, const struct qg_check *c, const struct qg_location *l);

/* A writer's destination that need not hold the whole report: writers
 * append to `buf`, and once it holds `flush_at` bytes (0: QG_SINK_CHUNK)
 * they hand them to flush(ctx, data, len) at the next clean point and empty
 * it. With flush NULL everything stays in buf (the in-memory writers).
 * flush returns 0 or a negative QG_E* after qg_error(). */
#define QG_SINK_CHUNK ((size_t)64 << 10)
struct qg_sink {
	struct qg_buf *buf;
	size_t flush_at;
	int (*flush)(void *ctx, const char *data, size_t len);
	void *ctx;
};
/* Flush when buf is full enough; flush all of it. 0 or flush's error. */
int qg_sink_check(struct qg_sink *s);
int qg_sink_flush(struct qg_sink *s);
/* The result JSON (the same bytes as report.h's qg_result_to_json()),
 * written into the sink as it is produced and flushed at the end: memory is
 * a chunk, not the document (a long string, qgate-test's "cases", is
 * redacted and escaped a run of lines at a time). 0, QG_ENOMEM, or the
 * flush's error. */
int qg_result_write_json(struct qg_sink *out, const struct qg_result *r);

/* A spool: text too long to hold (a line a test, 200 MB for 6 million
 * tests) in an unlinked temp file ($TMPDIR, else /tmp) that the kernel
 * drops when the process ends, read back a piece of whole lines at a time.
 * open: 0 or QG_EIO naming the folder; write (buffered): 0 or QG_EIO
 * (a full disk); size: the bytes written. */
struct qg_spool;
int qg_spool_open(struct qg_spool **out);
int qg_spool_write(struct qg_spool *s, const char *data, size_t len);
size_t qg_spool_size(const struct qg_spool *s);
/* Read from the start: after qg_spool_rewind(), qg_spool_next() appends
 * the next piece (about QG_SINK_CHUNK bytes ending after a newline; the
 * last may end without one) to out: 1 with a piece, 0 at the end, or a
 * negative QG_E*. */
int qg_spool_rewind(struct qg_spool *s);
int qg_spool_next(struct qg_spool *s, struct qg_buf *out);
void qg_spool_free(struct qg_spool *s); /* accepts NULL */
/* Make s the check's string member `key` (written after its details; a
 * details member of that name is dropped). The check owns s from then on,
 * on error too. 0 or QG_ENOMEM. */
int qg_check_set_spool(struct qg_check *c, const char *key, struct qg_spool *s);

#endif
