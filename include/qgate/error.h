/* error.h -- error codes and the last-error slot
 *
 * Invariants: library functions return 0 (or a positive count) on success and a
 * negative QG_E* code on failure, after recording a message with qg_error().
 * The slot is thread-local, so worker threads (-j N) do not clobber each other.
 * lib/ never exits: only the command layer turns a code into an exit status
 * with qg_exit_for_error().
 */
#ifndef QGATE_ERROR_H
#define QGATE_ERROR_H

#include <stdarg.h>

enum qg_error_code {
	QG_OK = 0,
	QG_ERROR = -1,     /* generic failure */
	QG_ENOMEM = -2,    /* allocation failed */
	QG_EUSAGE = -3,    /* bad flag, config, schema or expression: exit 2 */
	QG_EINPUT = -4,    /* input missing or unreadable: exit 3 */
	QG_EIO = -5,       /* read/write failure: exit 3 */
	QG_ETOOBIG = -6,   /* a bounded buffer reached its cap: exit 3 */
	QG_ETIMEOUT = -7,  /* a child or a request timed out: exit 3 */
	QG_ENOTFOUND = -8, /* a looked-up thing does not exist */
	QG_EPARSE = -9,    /* malformed input data (file, line named): exit 3 */
	QG_ENET = -10,     /* network or server failure: exit 3 */
	QG_ECONFLICT = -11, /* a compare-and-swap lost: the thing moved since it was read */
};

/* The contract's exit codes (docs/interface.md, "Exit codes"). */
enum qg_exit {
	QG_EXIT_PASS = 0,
	QG_EXIT_FAIL = 1,
	QG_EXIT_USAGE = 2,
	QG_EXIT_ERROR = 3,
};

/* Record a printf-style message in the slot and return code, so callers can
 * write `return qg_error(QG_EINPUT, "'%s': %s", path, strerror(errno));`.
 * Messages are lowercase, without a trailing period. An argument may be
 * qg_error_last() itself: qg_error(QG_EINPUT, "%s", qg_error_last())
 * re-records the message under another code. */
int qg_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int qg_verror(int code, const char *fmt, va_list ap);

/* Prefix the recorded message with context ("'train.csv': " + old message) and
 * return the recorded code. Use when passing an error up adds information. */
int qg_error_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last recorded message ("" when none) and its code (QG_OK when none).
 * The returned string is borrowed and valid until the next qg_error*(). */
const char *qg_error_last(void);
int qg_error_code(void);
void qg_error_clear(void);

/* Map a QG_E* code to the contract's exit status: QG_EUSAGE is 2, any other
 * failure is 3, QG_OK is 0. Never returns 1: a failed check is not an error. */
int qg_exit_for_error(int code);

#endif
